//! `wormscope capture` for a random-scanning worm (Code Red v2, Slammer,
//! Witty): the frames of what one telescope or edge sensor saw in a time
//! window, written as pcap or pcapng.
//!
//! The probes come from the engine
//! ([`wormscope_engine::population::capture_population`]: every probe the vantage
//! saw, its time, source, destination and what it reached); this module
//! turns each into frames with `wire`'s builders, by the scenario's
//! `[worm.delivery]` and `capture.delivery_port_is` ([`WireProbe`]):
//!
//! - a UDP worm whose port is the destination (Slammer): one datagram per
//!   probe to that port, of `packet_bytes - 28` bytes of payload (376 for
//!   Slammer), the request type 0x04 then filler
//!   ([`worm::slammer_datagram`]), from one source port per host;
//! - a UDP worm whose port is the source (Witty): one datagram per probe
//!   from that port to a random destination port, its payload length
//!   uniform in 768..=1307 (MODEL.md), filler only
//!   ([`worm::witty_datagram`]);
//! - a TCP worm (Code Red v2): per probe a session to the port
//!   ([`worm::codered_session`]): the SYN alone where no host lives, else
//!   the handshake, a stand-in `GET /default.ida?NNNN...` request, the
//!   server's ACK and a close, one frame every half round trip.
//!
//! - the flood of a worm with a `[payload]` (Code Red v2), at an edge: the
//!   hosts inside it whose worm runs on a flood day
//!   ([`wormscope_engine::population::SeenFlood`]) each send one TCP
//!   segment of `packet_bytes` to `target:port` every
//!   1/`packets_per_second` ([`worm::address_flood_segment`]), from a
//!   phase of their own; the flood arriving at an edge around the target
//!   is not shown (as in Blaster's capture).
//!
//! So the capture's first frames of probes (the datagrams, or the SYNs) are
//! exactly the engine's probes for the vantage and window. Timestamps are
//! the scenario's start plus the probe's time; ports, identifications,
//! sequence numbers, round trips and Witty's lengths are drawn from the
//! seed (stream 1 of [`Purpose::Capture`], probe by probe in the engine's
//! order), so the same scenario and seed give the same file.
//!
//! Background: an edge's capture gets the Blaster capture's ordinary web
//! sessions and DNS lookups ([`crate::capture`]), at
//! `capture.background_pps`, between hosts inside the edge's prefix and
//! servers outside; a telescope's gets none (a darknet carries no
//! sessions).
//!
//! What it may not touch: the network (nothing is sent), and any file but
//! the one capture it is asked to write, atomically, and only once the
//! frame count is known to be within `max_packets`. Never worm code or
//! exploit bytes: filler where the worm carried code.

use std::net::Ipv4Addr;
use std::path::Path;

use rand::RngExt;
use wormscope_engine::population::{
    CapturedProbe, PopulationCapture, PopulationCaptureError, Reached, SeenFlood,
    capture_population,
};
use wormscope_model::behaviour::Flood;
use wormscope_model::rng::{self, Purpose};
use wormscope_scenario::population::{DeliveryConfig, PortEnd};
use wormscope_scenario::{PopulationScenario, SensorKind};
use wormscope_wire::build::{Station, TcpFlow, worm};

use crate::capture::{
    CaptureOptions, Frames, Out, VantageCaptureError, background_traffic, write_frames,
};

/// The round trip of a TCP worm's session, drawn per session, µs.
/// ASSUMPTION: random scanning reaches hosts all over the Internet; 20 to
/// 200 ms covers paths of the era from a continent to across the world.
/// Only the spacing of a session's frames depends on it.
const TCP_ROUND_TRIP_US: std::ops::RangeInclusive<u64> = 20_000..=200_000;

/// Client ports of the era's Windows hosts (1025-5000), the source ports a
/// TCP worm's connections and a UDP worm's socket get.
const EPHEMERAL_PORTS: std::ops::RangeInclusive<u16> = 1025..=5000;

/// The IPv4 and UDP headers in front of a UDP worm's payload: what
/// `packet_bytes` counts beyond the payload.
const UDP_HEADERS: u32 = 28;

/// What one probe of the scenario's worm is on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WireProbe {
    /// One datagram to `port` with `payload_len` bytes of payload
    /// (Slammer).
    UdpToPort { port: u16, payload_len: usize },
    /// One datagram from `port` to a random port (Witty).
    UdpFromPort { port: u16 },
    /// A TCP session to `port` (Code Red v2).
    TcpSession { port: u16 },
}

impl WireProbe {
    /// The scenario's: `[worm.delivery]` and `capture.delivery_port_is`.
    pub fn of(s: &PopulationScenario) -> WireProbe {
        match s.worm.delivery {
            DeliveryConfig::TcpExploit { port, .. } => WireProbe::TcpSession { port },
            DeliveryConfig::UdpPacket { port, .. }
                if s.capture.delivery_port_is == PortEnd::Source =>
            {
                WireProbe::UdpFromPort { port }
            }
            DeliveryConfig::UdpPacket { port, packet_bytes } => WireProbe::UdpToPort {
                port,
                // The scenario's check holds packet_bytes to 28 or more.
                payload_len: packet_bytes.saturating_sub(UDP_HEADERS) as usize,
            },
        }
    }

    /// The frames of one probe that reached `reached`.
    pub fn frames_of(self, reached: Reached) -> u64 {
        match (self, reached) {
            (WireProbe::TcpSession { .. }, r) if r.answered() => 8,
            _ => 1,
        }
    }

    /// What one probe's first frame is, for a summary: `1434/udp
    /// datagrams`, `datagrams from 4000/udp`, `80/tcp SYNs`.
    pub fn label(self) -> String {
        match self {
            WireProbe::UdpToPort { port, .. } => format!("{port}/udp datagrams"),
            WireProbe::UdpFromPort { port } => format!("datagrams from {port}/udp"),
            WireProbe::TcpSession { port } => format!("{port}/tcp SYNs"),
        }
    }
}

/// What a written capture holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PopulationCaptureSummary {
    /// The vantage's prefix.
    pub prefix: String,
    pub kind: SensorKind,
    pub frames: u64,
    pub bytes: u64,
    /// Probes seen, one datagram or SYN each.
    pub probes: u64,
    /// What a probe's first frame is ([`WireProbe::label`]).
    pub probe_label: String,
    /// The engine's count of the vantage's probes over the window's steps,
    /// when the window is whole steps.
    pub engine_probes: Option<u64>,
    /// Distinct sources of the probes.
    pub sources: u64,
    /// Probes that reached a live host, and those that infected it.
    pub live: u64,
    pub infecting: u64,
    /// Packets of the payload's flood leaving the edge, and the hosts
    /// that sent them.
    pub flood_packets: u64,
    pub flooding_hosts: u64,
    /// Background frames.
    pub background: u64,
}

/// Refuses, before any run, a window, rate or vantage that does not fit
/// the scenario; the messages name the flag.
pub fn check(s: &PopulationScenario, opts: &CaptureOptions) -> Result<(), VantageCaptureError> {
    let input = |m: String| Err(VantageCaptureError::Input(m));
    if opts.from.as_micros() >= opts.to.as_micros() {
        return input(format!(
            "--from {} is not before --to {}",
            opts.from.compound(),
            opts.to.compound()
        ));
    }
    if opts.to.as_micros() > s.duration.as_micros() {
        return input(format!(
            "--to {} is after the scenario's end ({})",
            opts.to.compound(),
            s.duration.compound()
        ));
    }
    if !(opts.background_pps.is_finite() && opts.background_pps >= 0.0) {
        return input("--background-rate must be a rate of at least 0 packets per second".into());
    }
    if opts.max_packets == 0 {
        return input("--max-packets must be at least 1".into());
    }
    let sensors = s.all_sensors();
    let capturable: Vec<&str> = sensors
        .iter()
        .filter(|c| c.kind != SensorKind::Distributed)
        .map(|c| c.name.as_str())
        .collect();
    let list = if capturable.is_empty() {
        "none".to_string()
    } else {
        capturable.join(", ")
    };
    match sensors.iter().find(|c| c.name == opts.vantage) {
        None => input(format!(
            "--vantage: the scenario has no sensor `{}` (its telescope and edge sensors: {list})",
            opts.vantage
        )),
        Some(c) if c.kind == SensorKind::Distributed => input(format!(
            "--vantage: `{}` is a distributed sensor; a capture needs an edge or a telescope \
             (this scenario's: {list})",
            c.name
        )),
        Some(_) => Ok(()),
    }
}

/// Why the engine gave no capture, as a capture error: all of it is the
/// input's (the vantage, the window, or a window too full for
/// `--max-packets`).
pub fn engine_error(e: PopulationCaptureError) -> VantageCaptureError {
    VantageCaptureError::Input(match e {
        PopulationCaptureError::Vantage(m) => format!("--vantage: {m}"),
        PopulationCaptureError::Window(m) => format!("--from/--to: {m}"),
        PopulationCaptureError::TooManyProbes { max } => format!(
            "--max-packets: the vantage saw more than {max} probes in the window (each is at \
             least one frame); nothing was written: narrow the window (--from/--to) or raise \
             --max-packets"
        ),
    })
}

/// Runs seed `s.seed` of `s` to the window's end with the engine and
/// writes what the vantage captured to `path`.
pub fn capture(
    s: &PopulationScenario,
    opts: &CaptureOptions,
    path: &Path,
    progress: &mut dyn FnMut(u64),
) -> Result<PopulationCaptureSummary, VantageCaptureError> {
    check(s, opts)?;
    let cap = capture_population(
        s,
        s.seed,
        &opts.vantage,
        opts.from.as_micros(),
        opts.to.as_micros(),
        opts.max_packets,
        progress,
    )
    .map_err(engine_error)?;
    write_capture(s, &cap, opts, path)
}

/// Writes the frames of `cap` (a capture of `s`'s vantage in `opts`'s
/// window) to `path`, atomically; writes nothing if they would be more
/// than `opts.max_packets`.
pub fn write_capture(
    s: &PopulationScenario,
    cap: &PopulationCapture,
    opts: &CaptureOptions,
    path: &Path,
) -> Result<PopulationCaptureSummary, VantageCaptureError> {
    let built = frames(s, cap, opts)?;
    let bytes = write_frames(path, opts.format, &built.frames)?;
    let live = cap.probes.iter().filter(|p| p.reached.answered()).count() as u64;
    let infecting = cap
        .probes
        .iter()
        .filter(|p| p.reached == Reached::Infecting)
        .count() as u64;
    Ok(PopulationCaptureSummary {
        prefix: cap.prefix.to_string(),
        kind: cap.kind,
        frames: built.frames.len() as u64,
        bytes,
        probes: cap.probes.len() as u64,
        probe_label: WireProbe::of(s).label(),
        engine_probes: cap.engine_probes,
        sources: cap.sources,
        live,
        infecting,
        flood_packets: built.flood_packets,
        flooding_hosts: built.flooding_hosts,
        background: built.background,
    })
}

/// The frames of `cap`, in time order (ties in the engine's order), with
/// an edge's background.
pub fn frames(
    s: &PopulationScenario,
    cap: &PopulationCapture,
    opts: &CaptureOptions,
) -> Result<Frames, VantageCaptureError> {
    let wire = WireProbe::of(s);
    let max = opts.max_packets;
    // Count before building: a refused capture builds nothing.
    let flood = FloodInView::of(s, cap, opts);
    let needed: u64 = cap
        .probes
        .iter()
        .map(|p| wire.frames_of(p.reached))
        .sum::<u64>()
        + flood.as_ref().map_or(0, FloodInView::count);
    if needed > max {
        return Err(VantageCaptureError::TooManyPackets {
            max,
            at_least: needed,
        });
    }
    let start_us = s.start.as_microsecond();
    let mut out = Out {
        frames: Vec::with_capacity(needed as usize),
        max,
    };
    let mut rng = rng::stream(s.seed, Purpose::Capture, 1);
    for p in &cap.probes {
        probe_frames(&mut out, &mut rng, s.seed, wire, p, start_us)?;
    }
    if let Some(flood) = &flood {
        flood.frames(&mut out, start_us)?;
    }
    let worm_frames = out.frames.len() as u64;
    if cap.kind == SensorKind::Edge {
        background_traffic(
            &mut out,
            s.seed,
            cap.prefix,
            (opts.from.as_micros(), opts.to.as_micros()),
            opts.background_pps,
            start_us,
        )?;
    }
    let background = out.frames.len() as u64 - worm_frames;
    out.frames.sort_unstable_by_key(|f| (f.0, f.1));
    Ok(Frames {
        frames: out.frames.into_iter().map(|(t, _, f)| (t, f)).collect(),
        background,
        // A random-scanning worm's probe is its exploit: none beside.
        answerer_exploits: 0,
        flood_packets: flood.as_ref().map_or(0, FloodInView::count),
        flooding_hosts: flood.as_ref().map_or(0, |f| {
            f.hosts()
                .filter(|&i| f.packets_of(i).next().is_some())
                .count() as u64
        }),
    })
}

/// The payload's packets an edge sees leave its flooding hosts in the
/// window: each host sends one every `period_ns` from the moment its flood
/// begins (its worm's start, or a flood window's start, whichever is
/// later) plus a phase of its own (less than a period, drawn from the seed
/// and its address: the hosts' clocks are not in step), while its worm
/// runs and the flood window lasts, if it resolved its target there (a
/// flood of a name sends nothing once the record is down). `flood.csv`
/// counts the same packets as a rate reaching the target.
struct FloodInView<'c> {
    floods: &'c [SeenFlood],
    flood: Flood,
    period_ns: u64,
    /// The capture's window, ns.
    within: (u64, u64),
    target: Ipv4Addr,
    port: u16,
    packet_bytes: u32,
    /// Names the flood's draws: each host's phase, port and first
    /// sequence number.
    salt: u64,
    /// Whether each packet is a SYN from a spoofed source
    /// (`spoofed_sources`), rather than a segment from the host.
    spoofed: bool,
}

impl<'c> FloodInView<'c> {
    fn of(
        s: &PopulationScenario,
        cap: &'c PopulationCapture,
        opts: &CaptureOptions,
    ) -> Option<FloodInView<'c>> {
        let payload = s.payload.as_ref()?;
        let flood = Flood::of(s)?;
        Some(FloodInView {
            floods: &cap.floods,
            period_ns: flood_period_ns(flood.packets_per_second),
            flood,
            within: (
                opts.from.as_micros().saturating_mul(1000),
                opts.to.as_micros().saturating_mul(1000),
            ),
            target: payload.target,
            port: payload.port,
            packet_bytes: payload.packet_bytes,
            salt: rng::mix(s.seed, Purpose::Capture as u64 ^ FLOOD_SALT),
            spoofed: payload.spoofed_sources,
        })
    }

    /// Host `i`'s own draw.
    fn draw(&self, i: usize) -> u64 {
        rng::mix(self.salt, u64::from(self.floods[i].src))
    }

    /// Host `i`'s packets in flood window `(w_from, w_to)` that are in
    /// view: numbers `k0..k1` of those at `first + k * period`.
    fn in_window(&self, i: usize, (w_from, w_to): (u64, u64)) -> (u64, u64, u64) {
        let (run_from, run_to) = self.floods[i].running_ns;
        let first = run_from.max(w_from) + self.draw(i) % self.period_ns;
        if !self.flood.sends_in(self.flood.class_of(run_from), w_from) {
            return (first, 0, 0);
        }
        let lo = first.max(self.within.0);
        let hi = run_to.min(w_to).min(self.within.1);
        if lo < hi {
            (
                first,
                (lo - first).div_ceil(self.period_ns),
                (hi - first).div_ceil(self.period_ns),
            )
        } else {
            (first, 0, 0)
        }
    }

    fn hosts(&self) -> std::ops::Range<usize> {
        0..self.floods.len()
    }

    /// Host `i`'s packets in view, as (time ns, its number in its flood
    /// window).
    fn packets_of(&self, i: usize) -> impl Iterator<Item = (u64, u64)> + '_ {
        self.flood.windows_ns.iter().flat_map(move |&w| {
            let (first, k0, k1) = self.in_window(i, w);
            (k0..k1).map(move |k| (first + k * self.period_ns, k))
        })
    }

    /// How many packets are in view, without listing them.
    fn count(&self) -> u64 {
        self.hosts()
            .flat_map(|i| {
                self.flood
                    .windows_ns
                    .iter()
                    .map(move |&w| self.in_window(i, w))
            })
            .map(|(_, k0, k1)| k1 - k0)
            .sum()
    }

    /// Every packet's frame: from the host's own address and one source
    /// port per host, one byte stream (each packet's sequence number
    /// follows on from the one before, from a first one drawn per host);
    /// or, for a spoofed flood, a SYN from the host's own A.B plus a C.D,
    /// a source port from 1000 to 1999 and a sequence number drawn per
    /// packet, as Blaster's (MODEL.md, The payload). The capture shows the flood as the hosts
    /// send it: like a Blaster scenario's, it does not apply
    /// `[defenses.spoof_filter]`.
    fn frames(&self, out: &mut Out, start_us: i64) -> Result<(), VantageCaptureError> {
        let target = Station::new(self.target);
        let span = u64::from(EPHEMERAL_PORTS.end() - EPHEMERAL_PORTS.start()) + 1;
        let len = u64::from(self.packet_bytes.saturating_sub(40));
        for i in self.hosts() {
            let src = self.floods[i].src;
            let sender = Station::new(Ipv4Addr::from(src));
            let mine = self.draw(i);
            let sport = EPHEMERAL_PORTS.start() + ((mine >> 32) % span) as u16;
            let isn = (mine >> 16) as u32;
            for (t_ns, _) in self.packets_of(i) {
                let ts = start_us.saturating_add(i64::try_from(t_ns / 1000).unwrap_or(i64::MAX));
                let sent = t_ns / self.period_ns;
                if self.spoofed {
                    let r = rng::mix(mine, sent);
                    let spoofed = (src & 0xffff_0000) | (r as u32 & 0xffff);
                    // Blaster's source ports, 1000 to 1999 (MODEL.md).
                    let ports = (1000 + ((r >> 16) % 1000) as u16, self.port);
                    let frame = worm::spoofed_syn(
                        sender.mac,
                        Ipv4Addr::from(spoofed),
                        &target,
                        ports,
                        (r >> 32) as u32,
                        self.packet_bytes,
                    );
                    out.push(ts, frame)?;
                    continue;
                }
                let seq = isn.wrapping_add(sent.wrapping_mul(len) as u32);
                out.push(
                    ts,
                    worm::address_flood_segment(
                        &sender,
                        &target,
                        (sport, self.port),
                        seq,
                        self.packet_bytes,
                    ),
                )?;
            }
        }
        Ok(())
    }
}

/// Names the flood's own draws apart from the probes' (stream 1).
const FLOOD_SALT: u64 = 0x0046_4c4f_4f44;

/// The whole nanoseconds between one host's flood packets (at least 1).
fn flood_period_ns(packets_per_second: u32) -> u64 {
    let pps = u64::from(packets_per_second.max(1));
    ((1_000_000_000 + pps / 2) / pps).max(1)
}

/// The frames of one probe.
fn probe_frames(
    out: &mut Out,
    rng: &mut impl RngExt,
    seed: u64,
    wire: WireProbe,
    p: &CapturedProbe,
    start_us: i64,
) -> Result<(), VantageCaptureError> {
    let ts = start_us.saturating_add(i64::try_from(p.time_us).unwrap_or(i64::MAX));
    let src = Station::new(Ipv4Addr::from(p.src));
    let dst = Station::new(Ipv4Addr::from(p.dst));
    match wire {
        WireProbe::UdpToPort { port, payload_len } => {
            // ASSUMPTION: the worm sent every copy from one socket, so one
            // source port per host, drawn from the seed and the address.
            // Wireshark reads a few percent of these datagrams as another
            // protocol (and some as malformed) by their source port, as it
            // would real Slammer traffic: no port has a dissector on 1434.
            let span = u64::from(EPHEMERAL_PORTS.end() - EPHEMERAL_PORTS.start()) + 1;
            let sport = EPHEMERAL_PORTS.start() + (rng::mix(seed, u64::from(p.src)) % span) as u16;
            let ident = rng.random::<u16>();
            out.push(
                ts,
                worm::slammer_datagram(&src, &dst, sport, port, payload_len, ident),
            )
        }
        WireProbe::UdpFromPort { port } => {
            let dport = rng.random_range(1..=u16::MAX);
            let len = rng.random_range(worm::WITTY_PAYLOAD_LEN);
            let ident = rng.random::<u16>();
            out.push(
                ts,
                worm::witty_datagram(&src, &dst, port, dport, len, ident),
            )
        }
        WireProbe::TcpSession { port } => {
            let sport = rng.random_range(EPHEMERAL_PORTS);
            let half_rtt = (rng.random_range(TCP_ROUND_TRIP_US) / 2) as i64;
            let mut flow = TcpFlow::new(src, sport, dst, port);
            flow.client_seq = rng.random();
            flow.server_seq = rng.random();
            let live = p.reached.answered();
            for (k, f) in worm::codered_session(&mut flow, live)
                .into_iter()
                .enumerate()
            {
                out.push(ts.saturating_add(k as i64 * half_rtt), f)?;
            }
            Ok(())
        }
    }
}
