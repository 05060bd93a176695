//! The streaming detector: frames in, alerts and host verdicts out.
//!
//! What it is for: one pass over a capture, constant work per frame, state
//! per source / connection / prefix with hard bounds and Bro's 5-minute
//! expiry. Behaviours and the fields they read:
//!
//! - **Scanning of 135/tcp** (SYNs without ACK to a scan port): the
//!   sequential sweep (destinations rising one after another across /24
//!   boundaries, the worm's order), blaster.bro's count of distinct
//!   destinations, Zeek's count of distinct destinations with *failed*
//!   connections in 5 minutes, and the Threshold Random Walk on first-contact
//!   outcomes (SYN-ACK = success; RST or no answer within the connect
//!   timeout = failure).
//! - **The chain**: on a TCP connection to 135, a DCE/RPC bind whose
//!   presentation context names ISystemActivator, then a request whose stub
//!   holds a UNC path with an overlong server name (PDU fields, reassembled
//!   in order up to a small per-connection buffer); a shell on 4444/tcp (cmd
//!   banner, a `tftp ... GET` command line); a TFTP read request from the
//!   victim back to the attacker for a worm file name (or any name after a
//!   4444 shell); the TFTP DATA blocks up to the short last one.
//! - **The flood**: 40-byte SYNs to 80/tcp, source port 1000-1999, window
//!   16384, TTL 65-128, many spoofed sources from one /16 to one target.
//! - **Welchia**: ICMP echo requests with a 92-byte datagram and 0xAA data
//!   to many destinations.
//!
//! Matching reads protocol fields; no stored exploit bytes exist here.
//!
//! **Memory bounds** (all in [`DetectConfig`]): scanning sources
//! `max_sources`, each with at most `bro_threshold` + `zeek_threshold` +
//! `max_contacts_per_source` addresses; pending first contacts
//! `max_pending`; connections and transfers `max_conns`, each with at most
//! `rpc_buffer` bytes; host rows `max_hosts` (x2 with evidence). Tables are
//! swept every 10 s of capture time and entries idle for `state_expiry_us`
//! (5 minutes) are dropped.
//!
//! What it may not touch: files, the terminal, the simulation engine. It is
//! fed frames; the caller decides where they come from and where alerts go.

use std::collections::{HashMap, HashSet, VecDeque};
use std::net::Ipv4Addr;

use wormscope_wire::capture::Frame;
use wormscope_wire::dcerpc;
use wormscope_wire::decode::{
    Decoded, IcmpMessage, Ipv4Packet, TcpSegment, Transport, UdpDatagram, decode,
};
use wormscope_wire::tftp;

use crate::config::{DetectConfig, SECOND_US};
use crate::eve::{Alert, Proto, Signature, sig};
use crate::fast::FastHash;
use crate::hosts::{HostKey, HostTable, Role};

/// The addresses, ports and protocol of the frame an alert fires on.
#[derive(Clone, Copy, Debug)]
struct Flow {
    src: Ipv4Addr,
    src_port: u16,
    dst: Ipv4Addr,
    dst_port: u16,
    proto: Proto,
}

impl Flow {
    fn tcp(p: &Ipv4Packet<'_>, t: &TcpSegment<'_>) -> Flow {
        Flow {
            src: p.src,
            src_port: t.src_port,
            dst: p.dst,
            dst_port: t.dst_port,
            proto: Proto::Tcp,
        }
    }

    fn udp(p: &Ipv4Packet<'_>, u: &UdpDatagram<'_>) -> Flow {
        Flow {
            src: p.src,
            src_port: u.src_port,
            dst: p.dst,
            dst_port: u.dst_port,
            proto: Proto::Udp,
        }
    }

    fn icmp(p: &Ipv4Packet<'_>, i: &IcmpMessage<'_>) -> Flow {
        Flow {
            src: p.src,
            src_port: 0,
            dst: p.dst,
            dst_port: 0,
            proto: Proto::Icmp(i.icmp_type, i.code),
        }
    }
}

/// What a piece of evidence says of one host: who, in which role, how
/// strongly (0 to 1) and of which kind (the `hosts.csv` reason).
#[derive(Clone, Copy, Debug)]
struct Blame {
    key: HostKey,
    role: Role,
    weight: f64,
    kind: &'static str,
}

impl Blame {
    fn addr(addr: Ipv4Addr, role: Role, weight: f64, kind: &'static str) -> Blame {
        Blame {
            key: HostKey::Addr(addr),
            role,
            weight,
            kind,
        }
    }
}

type Map<K, V> = HashMap<K, V, FastHash>;
type Set<K> = HashSet<K, FastHash>;

/// Counters of what was read.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Frames fed.
    pub frames: u64,
    /// Captured bytes of those frames.
    pub bytes: u64,
    /// IPv4 packets.
    pub ipv4: u64,
    /// IPv6 packets, skipped.
    pub ipv6_skipped: u64,
    /// Link-layer frames without IP.
    pub non_ip: u64,
    /// Frames of link types we do not decode.
    pub unsupported_link: u64,
    /// Frames whose headers could not be parsed.
    pub malformed: u64,
    /// IPv4 fragments (counted, not reassembled).
    pub fragments: u64,
    /// Alerts raised.
    pub alerts: u64,
    /// State not created because a table was at its bound.
    pub state_dropped: u64,
    /// Entries dropped by the 5-minute expiry.
    pub state_expired: u64,
}

#[derive(Debug, Default)]
struct ScanState {
    last_us: i64,
    bro: Set<u32>,
    bro_done: bool,
    zeek: Set<u32>,
    zeek_epoch_us: i64,
    zeek_done: bool,
    contacted: Set<u32>,
    trw_lambda: f64,
    trw_done: bool,
    sweep_last: Option<u32>,
    sweep_run: u32,
    sweep_crossings: u32,
    sweep_start: u32,
    sweep_done: bool,
}

#[derive(Debug)]
struct Pending {
    ts_us: i64,
    first_contact: bool,
    src_port: u16,
    dst_port: u16,
    pcap_cnt: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct ConnKey {
    client: u32,
    server: u32,
    client_port: u16,
    server_port: u16,
}

#[derive(Debug, Default)]
struct RpcConn {
    last_us: i64,
    next_seq: Option<u32>,
    buf: Vec<u8>,
    /// Bytes of an oversized PDU still to skip.
    skip: usize,
    bound_isa: bool,
    dead: bool,
    alerted: bool,
}

#[derive(Debug)]
struct Shell {
    last_us: i64,
    banner: bool,
    command: bool,
}

#[derive(Debug)]
struct Transfer {
    last_us: i64,
    name: String,
    blocks: u32,
    bytes: u64,
    done: bool,
}

#[derive(Debug, Default)]
struct Flood {
    last_us: i64,
    window_us: i64,
    syns: u32,
    sources: Set<u32>,
    done: bool,
}

#[derive(Debug, Default)]
struct Welchia {
    last_us: i64,
    targets: Set<u32>,
    done: bool,
}

/// How often (capture time) tables are swept for expired state.
const SWEEP_EVERY_US: i64 = 10 * SECOND_US;

/// The detector. Feed it frames with [`Detector::process`]; take alerts with
/// [`Detector::drain_alerts`]; read verdicts with [`Detector::hosts`].
pub struct Detector {
    cfg: DetectConfig,
    now_us: i64,
    last_sweep_us: i64,
    stats: Stats,
    hosts: HostTable,
    scanners: Map<u32, ScanState>,
    pending: Map<(u32, u32), Pending>,
    pending_q: VecDeque<(i64, u32, u32)>,
    rpc: Map<ConnKey, RpcConn>,
    /// (victim, attacker) of a 4444 shell.
    shells: Map<(u32, u32), Shell>,
    /// (attacker, victim, victim port) of a worm TFTP transfer.
    transfers: Map<(u32, u32, u16), Transfer>,
    /// (source /16, target) of flood SYNs.
    floods: Map<(u16, u32), Flood>,
    welchia: Map<u32, Welchia>,
    alerts: Vec<Alert>,
    started: bool,
}

fn ip32(a: Ipv4Addr) -> u32 {
    u32::from(a)
}

fn contains_ci(hay: &[u8], needle: &[u8]) -> bool {
    if needle.is_empty() {
        return true;
    }
    hay.windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle))
}

impl Detector {
    /// A detector with `cfg`.
    pub fn new(cfg: DetectConfig) -> Self {
        Detector {
            hosts: HostTable::new(cfg.max_hosts),
            cfg,
            now_us: i64::MIN,
            last_sweep_us: i64::MIN,
            stats: Stats::default(),
            scanners: Map::default(),
            pending: Map::default(),
            pending_q: VecDeque::new(),
            rpc: Map::default(),
            shells: Map::default(),
            transfers: Map::default(),
            floods: Map::default(),
            welchia: Map::default(),
            alerts: Vec::new(),
            started: false,
        }
    }

    /// The configuration.
    pub fn config(&self) -> &DetectConfig {
        &self.cfg
    }

    /// Counters so far.
    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    /// The host table so far.
    pub fn hosts(&self) -> &HostTable {
        &self.hosts
    }

    /// Entries in each bounded table (for tests and the memory report).
    pub fn table_sizes(&self) -> [(&'static str, usize); 8] {
        [
            ("hosts", self.hosts.len()),
            ("scanners", self.scanners.len()),
            ("pending", self.pending.len()),
            ("rpc", self.rpc.len()),
            ("shells", self.shells.len()),
            ("transfers", self.transfers.len()),
            ("floods", self.floods.len()),
            ("welchia", self.welchia.len()),
        ]
    }

    /// Takes the alerts raised since the last call.
    pub fn drain_alerts(&mut self) -> std::vec::Drain<'_, Alert> {
        self.alerts.drain(..)
    }

    /// Processes one frame.
    pub fn process(&mut self, frame: &Frame<'_>) {
        self.stats.frames += 1;
        self.stats.bytes += frame.data.len() as u64;
        // Time only moves forward: a frame out of order does not rewind
        // expiry.
        if !self.started || frame.ts_us > self.now_us {
            self.now_us = frame.ts_us;
            self.started = true;
        }
        self.expire_pending();
        if self.now_us.saturating_sub(self.last_sweep_us) >= SWEEP_EVERY_US {
            self.sweep_expired();
            self.last_sweep_us = self.now_us;
        }
        match decode(frame.link_type, frame.data) {
            Decoded::Ipv4(p) => {
                self.stats.ipv4 += 1;
                if p.fragmented {
                    self.stats.fragments += 1;
                }
                self.ipv4(frame, &p);
            }
            Decoded::Ipv6 => self.stats.ipv6_skipped += 1,
            Decoded::NonIp => self.stats.non_ip += 1,
            Decoded::UnsupportedLink => self.stats.unsupported_link += 1,
            Decoded::Malformed => self.stats.malformed += 1,
        }
    }

    /// Ends the input: first contacts still waiting count as failures now.
    pub fn finish(&mut self) {
        self.now_us = self.now_us.saturating_add(self.cfg.connect_timeout_us + 1);
        self.expire_pending();
    }

    /// Records an alert on `frame`'s flow.
    fn alert(&mut self, frame: &Frame<'_>, flow: Flow, sig: Signature, evidence: String) {
        self.stats.alerts += 1;
        self.alerts.push(Alert {
            ts_us: frame.ts_us,
            pcap_cnt: frame.number,
            src: flow.src,
            src_port: flow.src_port,
            dst: flow.dst,
            dst_port: flow.dst_port,
            proto: flow.proto,
            sig,
            evidence,
        });
    }

    /// Adds evidence against one host, at `frame`'s time.
    fn blame(&mut self, frame: &Frame<'_>, blame: Blame, text: String) {
        self.hosts.evidence(
            blame.key,
            frame.ts_us,
            blame.role,
            blame.weight,
            blame.kind,
            text,
        );
    }

    /// A finding: evidence against one host and an alert saying the same.
    fn finding(
        &mut self,
        frame: &Frame<'_>,
        flow: Flow,
        sig: Signature,
        blame: Blame,
        text: String,
    ) {
        self.blame(frame, blame, text.clone());
        self.alert(frame, flow, sig, text);
    }

    fn ipv4(&mut self, frame: &Frame<'_>, p: &Ipv4Packet<'_>) {
        match p.transport {
            Transport::Tcp(t) => {
                if self.is_flood_syn(p, &t) {
                    // Spoofed source: no host row for it.
                    self.flood(frame, p, &t);
                    return;
                }
                self.hosts.touch(p.src, frame.ts_us);
                self.tcp(frame, p, &t);
            }
            Transport::Udp(u) => {
                self.hosts.touch(p.src, frame.ts_us);
                self.udp(frame, p, &u);
            }
            Transport::Icmp(i) => {
                self.hosts.touch(p.src, frame.ts_us);
                self.icmp(frame, p, &i);
            }
            Transport::Fragment | Transport::Other => self.hosts.touch(p.src, frame.ts_us),
        }
    }

    // ---- scanning -------------------------------------------------------

    fn tcp(&mut self, frame: &Frame<'_>, p: &Ipv4Packet<'_>, t: &TcpSegment<'_>) {
        if t.is_syn_only() {
            if self.cfg.scan_ports.contains(&t.dst_port) {
                self.scan_attempt(frame, p, t);
            }
        } else if self.cfg.scan_ports.contains(&t.src_port) && (t.is_syn_ack() || t.is_rst()) {
            // An answer from the probed host: client is the destination.
            self.resolve(ip32(p.dst), ip32(p.src), t.is_syn_ack(), frame);
        }
        if !t.payload.is_empty() {
            if t.dst_port == 135 {
                self.dcerpc(frame, p, t);
            }
            if t.dst_port == 4444 || t.src_port == 4444 {
                self.shell(frame, p, t);
            }
        }
    }

    fn scan_attempt(&mut self, frame: &Frame<'_>, p: &Ipv4Packet<'_>, t: &TcpSegment<'_>) {
        let (src, dst) = (ip32(p.src), ip32(p.dst));
        let now = frame.ts_us;
        if !self.scanners.contains_key(&src) && self.scanners.len() >= self.cfg.max_sources {
            self.stats.state_dropped += 1;
            return;
        }
        let cfg = &self.cfg;
        let s = self.scanners.entry(src).or_insert_with(|| ScanState {
            trw_lambda: 1.0,
            zeek_epoch_us: now,
            ..Default::default()
        });
        s.last_us = now;
        let mut fire: Vec<(Signature, String, Role, f64, &'static str)> = Vec::new();

        // blaster.bro: distinct destinations of 135/tcp attempts.
        if !s.bro_done {
            s.bro.insert(dst);
            if s.bro.len() >= cfg.bro_threshold {
                s.bro_done = true;
                s.bro = Set::default();
                fire.push((
                    sig::BRO_135,
                    format!(
                        "{} distinct destinations of {}/tcp (blaster.bro threshold {})",
                        cfg.bro_threshold, t.dst_port, cfg.bro_threshold
                    ),
                    Role::Scanning,
                    0.6,
                    "bro_135",
                ));
            }
        }

        // Sequential sweep.
        if !s.sweep_done {
            match s.sweep_last {
                Some(last) if dst == last => {}
                Some(last) if dst > last && dst - last <= cfg.sweep_max_gap => {
                    s.sweep_run += 1;
                    if dst >> 8 != last >> 8 {
                        s.sweep_crossings += 1;
                    }
                    s.sweep_last = Some(dst);
                }
                // A retransmission or a reordered probe of the same run.
                Some(last) if dst < last && last - dst <= 64 => {}
                _ => {
                    s.sweep_last = Some(dst);
                    s.sweep_start = dst;
                    s.sweep_run = 1;
                    s.sweep_crossings = 0;
                }
            }
            if s.sweep_run >= cfg.sweep_min_run && s.sweep_crossings >= cfg.sweep_min_crossings {
                s.sweep_done = true;
                fire.push((
                    sig::SWEEP_135,
                    format!(
                        "sequential sweep of {}/tcp from {} to {} ({} addresses across {} /24 boundaries)",
                        t.dst_port,
                        Ipv4Addr::from(s.sweep_start),
                        Ipv4Addr::from(s.sweep_last.unwrap_or(dst)),
                        s.sweep_run,
                        s.sweep_crossings
                    ),
                    Role::Infected,
                    0.85,
                    "sweep_135",
                ));
            }
        }

        // First contact for TRW; every attempt gets an outcome for Zeek.
        let first_contact = if s.trw_done {
            false
        } else {
            if s.contacted.len() >= cfg.max_contacts_per_source {
                s.contacted.clear();
            }
            s.contacted.insert(dst)
        };
        let key = (src, dst);
        if !self.pending.contains_key(&key) {
            if self.pending.len() < self.cfg.max_pending {
                self.pending.insert(
                    key,
                    Pending {
                        ts_us: now,
                        first_contact,
                        src_port: t.src_port,
                        dst_port: t.dst_port,
                        pcap_cnt: frame.number,
                    },
                );
                self.pending_q.push_back((now, src, dst));
            } else {
                self.stats.state_dropped += 1;
            }
        }

        for (sg, text, role, w, kind) in fire {
            self.finding(
                frame,
                Flow::tcp(p, t),
                sg,
                Blame::addr(p.src, role, w, kind),
                text,
            );
        }
    }

    fn expire_pending(&mut self) {
        let deadline = self.now_us.saturating_sub(self.cfg.connect_timeout_us);
        while let Some(&(ts, src, dst)) = self.pending_q.front() {
            if ts > deadline {
                break;
            }
            self.pending_q.pop_front();
            // Only if this queue entry is the live one (not answered, not
            // re-added later).
            if self.pending.get(&(src, dst)).is_some_and(|p| p.ts_us == ts) {
                self.outcome(src, dst, false, None);
            }
        }
    }

    fn resolve(&mut self, client: u32, server: u32, success: bool, frame: &Frame<'_>) {
        if self.pending.contains_key(&(client, server)) {
            self.outcome(client, server, success, Some(frame));
        }
    }

    /// A first contact's outcome: feeds TRW and Zeek.
    fn outcome(&mut self, src: u32, dst: u32, success: bool, frame: Option<&Frame<'_>>) {
        let Some(pend) = self.pending.remove(&(src, dst)) else {
            return;
        };
        let Some(s) = self.scanners.get_mut(&src) else {
            return;
        };
        let cfg = &self.cfg;
        let now = frame.map_or(self.now_us, |f| f.ts_us);
        let mut fire: Vec<(Signature, String, Role, f64, &'static str)> = Vec::new();
        if pend.first_contact && !s.trw_done {
            s.trw_lambda *= if success {
                cfg.trw_success_factor()
            } else {
                cfg.trw_failure_factor()
            };
            if s.trw_lambda >= cfg.trw_eta1() {
                s.trw_done = true;
                s.contacted = Set::default();
                fire.push((
                    sig::TRW_135,
                    format!(
                        "TRW likelihood ratio {:.0} >= eta1 {:.0} on {}/tcp first contacts (theta0 {} theta1 {})",
                        s.trw_lambda,
                        cfg.trw_eta1(),
                        pend.dst_port,
                        cfg.trw_theta0,
                        cfg.trw_theta1
                    ),
                    Role::Scanning,
                    0.7,
                    "trw_135",
                ));
            } else if s.trw_lambda <= cfg.trw_eta0() {
                // Benign decided: restart the walk for later contacts.
                s.trw_lambda = 1.0;
            }
        }
        if !success && !s.zeek_done {
            if now.saturating_sub(s.zeek_epoch_us) > cfg.zeek_window_us {
                s.zeek.clear();
                s.zeek_epoch_us = now;
            }
            s.zeek.insert(dst);
            if s.zeek.len() >= cfg.zeek_threshold {
                s.zeek_done = true;
                s.zeek = Set::default();
                fire.push((
                    sig::ZEEK_135,
                    format!(
                        "{} distinct hosts with failed {}/tcp connections within {} s (Zeek-like threshold)",
                        cfg.zeek_threshold,
                        pend.dst_port,
                        cfg.zeek_window_us / SECOND_US
                    ),
                    Role::Scanning,
                    0.6,
                    "zeek_135",
                ));
            }
        }
        let (src_ip, dst_ip) = (Ipv4Addr::from(src), Ipv4Addr::from(dst));
        for (sg, text, role, w, kind) in fire {
            self.hosts
                .evidence(HostKey::Addr(src_ip), now, role, w, kind, text.clone());
            self.stats.alerts += 1;
            self.alerts.push(Alert {
                ts_us: now,
                pcap_cnt: frame.map_or(pend.pcap_cnt, |f| f.number),
                src: src_ip,
                src_port: pend.src_port,
                dst: dst_ip,
                dst_port: pend.dst_port,
                proto: Proto::Tcp,
                sig: sg,
                evidence: text,
            });
        }
    }

    // ---- the chain ------------------------------------------------------

    fn dcerpc(&mut self, frame: &Frame<'_>, p: &Ipv4Packet<'_>, t: &TcpSegment<'_>) {
        let key = ConnKey {
            client: ip32(p.src),
            server: ip32(p.dst),
            client_port: t.src_port,
            server_port: t.dst_port,
        };
        if !self.rpc.contains_key(&key) && self.rpc.len() >= self.cfg.max_conns {
            self.stats.state_dropped += 1;
            return;
        }
        let cap = self.cfg.rpc_buffer;
        let c = self.rpc.entry(key).or_default();
        c.last_us = frame.ts_us;
        if c.dead || c.alerted {
            return;
        }
        // In-order reassembly of the client's stream, bounded.
        let mut data = t.payload;
        match c.next_seq {
            Some(next) if t.seq == next => {}
            Some(next) if next.wrapping_sub(t.seq) < 1 << 30 => {
                // Old data (retransmission), possibly overlapping new data.
                let overlap = next.wrapping_sub(t.seq) as usize;
                if overlap >= data.len() {
                    return;
                }
                data = &data[overlap..];
            }
            Some(_) => {
                // A gap: what we hold can no longer be parsed in order.
                c.buf.clear();
                c.skip = 0;
            }
            None => {}
        }
        c.next_seq = Some(t.seq.wrapping_add(t.payload.len() as u32));
        if c.skip > 0 {
            let n = c.skip.min(data.len());
            c.skip -= n;
            data = &data[n..];
        }
        let room = cap.saturating_sub(c.buf.len());
        c.buf.extend_from_slice(&data[..data.len().min(room)]);

        let mut found: Option<usize> = None;
        loop {
            let buf = &c.buf[..];
            if buf.len() < dcerpc::HEADER_LEN {
                break;
            }
            let Ok(pkt) = dcerpc::Packet::new_checked(buf) else {
                // Not DCE/RPC: stop looking at this connection.
                c.dead = true;
                c.buf = Vec::new();
                break;
            };
            let fl = usize::from(pkt.frag_length());
            let complete = buf.len() >= fl;
            if !complete && buf.len() < cap {
                break; // wait for more
            }
            match dcerpc::Repr::parse(&pkt) {
                // The bind alone is what legitimate DCOM sends too: it only
                // arms the check of the requests that follow.
                Ok(r @ dcerpc::Repr::Bind { .. }) if r.binds(dcerpc::ISYSTEMACTIVATOR) => {
                    c.bound_isa = true;
                }
                Ok(dcerpc::Repr::Request { stub, .. }) if c.bound_isa => {
                    found = dcerpc::longest_unc_server_name(stub)
                        .filter(|&n| n >= self.cfg.overlong_server_name);
                }
                _ => {}
            }
            if complete {
                c.buf.drain(..fl);
            } else {
                c.skip = fl - c.buf.len();
                c.buf.clear();
            }
            if found.is_some() {
                break;
            }
        }
        if let Some(n) = found {
            c.alerted = true;
            c.buf = Vec::new();
            let text = format!(
                "ISystemActivator bind then request with a {n}-character UNC server name to {}",
                p.dst
            );
            self.blame(
                frame,
                Blame::addr(p.src, Role::Infected, 0.95, "dcerpc_exploit_sent"),
                text.clone(),
            );
            self.blame(
                frame,
                Blame::addr(p.dst, Role::Victim, 0.8, "dcerpc_exploit_received"),
                format!("overlong ISystemActivator request from {}", p.src),
            );
            self.alert(frame, Flow::tcp(p, t), sig::DCERPC_OVERLONG, text);
        }
    }

    fn shell(&mut self, frame: &Frame<'_>, p: &Ipv4Packet<'_>, t: &TcpSegment<'_>) {
        // The victim listens on 4444; the attacker connects to it.
        let (victim, attacker, from_victim) = if t.src_port == 4444 {
            (p.src, p.dst, true)
        } else {
            (p.dst, p.src, false)
        };
        let key = (ip32(victim), ip32(attacker));
        if !self.shells.contains_key(&key) && self.shells.len() >= self.cfg.max_conns {
            self.stats.state_dropped += 1;
            return;
        }
        let sh = self.shells.entry(key).or_insert(Shell {
            last_us: frame.ts_us,
            banner: false,
            command: false,
        });
        sh.last_us = frame.ts_us;
        let payload = t.payload;
        if from_victim {
            if !sh.banner
                && contains_ci(payload, b"Microsoft Windows")
                && contains_ci(payload, b"Copyright")
            {
                sh.banner = true;
                let text = format!("command shell banner on 4444/tcp to {attacker}");
                self.finding(
                    frame,
                    Flow::tcp(p, t),
                    sig::SHELL_BANNER_4444,
                    Blame::addr(victim, Role::Victim, 0.9, "shell_4444"),
                    text,
                );
            }
            return;
        }
        if sh.command || !contains_ci(payload, b"tftp") || !contains_ci(payload, b"get") {
            return;
        }
        let Some(name) = self
            .cfg
            .worm_filenames
            .iter()
            .find(|n| contains_ci(payload, n.as_bytes()))
            .cloned()
        else {
            return;
        };
        sh.command = true;
        let text = format!("tftp GET {name} typed into the 4444/tcp shell of {victim}");
        self.blame(
            frame,
            Blame::addr(attacker, Role::Infected, 0.95, "shell_tftp_sent"),
            text.clone(),
        );
        self.blame(
            frame,
            Blame::addr(victim, Role::Victim, 0.9, "shell_tftp_received"),
            format!("told to fetch {name} from {attacker} over its 4444/tcp shell"),
        );
        self.alert(frame, Flow::tcp(p, t), sig::SHELL_TFTP_4444, text);
    }

    fn udp(&mut self, frame: &Frame<'_>, p: &Ipv4Packet<'_>, u: &UdpDatagram<'_>) {
        if u.dst_port == 69 {
            self.tftp_request(frame, p, u);
        } else if !self.transfers.is_empty()
            && tftp::opcode_of(u.payload) == Some(tftp::opcode::DATA)
        {
            self.tftp_data(frame, p, u);
        }
    }

    fn tftp_request(&mut self, frame: &Frame<'_>, p: &Ipv4Packet<'_>, u: &UdpDatagram<'_>) {
        let Ok(tftp::Repr::ReadRequest { filename, .. }) = tftp::Repr::parse(u.payload) else {
            return;
        };
        let base = filename
            .rsplit(|&b| b == b'\\' || b == b'/')
            .next()
            .unwrap_or(filename);
        let shown = String::from_utf8_lossy(base).to_ascii_lowercase();
        let (victim, attacker) = (p.src, p.dst);
        let known = self
            .cfg
            .worm_filenames
            .iter()
            .any(|n| n.as_bytes().eq_ignore_ascii_case(base));
        let after_shell = self.shells.contains_key(&(ip32(victim), ip32(attacker)));
        if !known && !after_shell {
            return;
        }
        let (sg, text) = if known {
            (
                sig::TFTP_RRQ_WORM,
                format!(
                    "TFTP read request for {shown} to {attacker}{}",
                    if after_shell {
                        " after a 4444/tcp shell from it"
                    } else {
                        ""
                    }
                ),
            )
        } else {
            (
                sig::TFTP_RRQ_AFTER_SHELL,
                format!(
                    "TFTP read request for {shown} to {attacker} which opened its 4444/tcp shell"
                ),
            )
        };
        // The victim's own shell asked for the worm: it is compromised.
        self.blame(
            frame,
            Blame::addr(victim, Role::Infected, 0.9, "tftp_rrq_sent"),
            text.clone(),
        );
        self.blame(
            frame,
            Blame::addr(attacker, Role::Infected, 0.9, "tftp_worm_served"),
            format!("asked by {victim} for {shown} over TFTP"),
        );
        self.alert(frame, Flow::udp(p, u), sg, text);
        let key = (ip32(attacker), ip32(victim), u.src_port);
        if self.transfers.len() < self.cfg.max_conns || self.transfers.contains_key(&key) {
            self.transfers.insert(
                key,
                Transfer {
                    last_us: frame.ts_us,
                    name: shown,
                    blocks: 0,
                    bytes: 0,
                    done: false,
                },
            );
        } else {
            self.stats.state_dropped += 1;
        }
    }

    fn tftp_data(&mut self, frame: &Frame<'_>, p: &Ipv4Packet<'_>, u: &UdpDatagram<'_>) {
        let key = (ip32(p.src), ip32(p.dst), u.dst_port);
        let Some(tr) = self.transfers.get_mut(&key) else {
            return;
        };
        let Ok(tftp::Repr::Data { block, data }) = tftp::Repr::parse(u.payload) else {
            return;
        };
        tr.last_us = frame.ts_us;
        if tr.done || u32::from(block) != tr.blocks + 1 {
            return; // retransmission or out of order
        }
        tr.blocks += 1;
        tr.bytes += data.len() as u64;
        if data.len() < tftp::BLOCK_SIZE {
            tr.done = true;
            let text = format!(
                "received {} over TFTP from {} ({} bytes in {} blocks)",
                tr.name, p.src, tr.bytes, tr.blocks
            );
            self.finding(
                frame,
                Flow::udp(p, u),
                sig::TFTP_TRANSFER,
                Blame::addr(p.dst, Role::Infected, 0.97, "tftp_worm_received"),
                text,
            );
        }
    }

    // ---- flood and Welchia -----------------------------------------------

    fn is_flood_syn(&self, p: &Ipv4Packet<'_>, t: &TcpSegment<'_>) -> bool {
        t.dst_port == 80
            && t.is_syn_only()
            && p.total_len == 40
            && (1000..=1999).contains(&t.src_port)
            && t.window == 16384
            && (65..=128).contains(&p.ttl)
    }

    fn flood(&mut self, frame: &Frame<'_>, p: &Ipv4Packet<'_>, t: &TcpSegment<'_>) {
        let src = ip32(p.src);
        let key = ((src >> 16) as u16, ip32(p.dst));
        if !self.floods.contains_key(&key) && self.floods.len() >= self.cfg.max_conns {
            self.stats.state_dropped += 1;
            return;
        }
        let cfg = &self.cfg;
        let f = self.floods.entry(key).or_insert_with(|| Flood {
            window_us: frame.ts_us,
            ..Default::default()
        });
        f.last_us = frame.ts_us;
        if f.done {
            return;
        }
        if frame.ts_us.saturating_sub(f.window_us) > cfg.flood_window_us {
            f.window_us = frame.ts_us;
            f.syns = 0;
            f.sources.clear();
        }
        f.syns += 1;
        if f.sources.len() < cfg.flood_min_sources {
            f.sources.insert(src);
        }
        if f.syns >= cfg.flood_min_syns && f.sources.len() >= cfg.flood_min_sources {
            f.done = true;
            f.sources = Set::default();
            let secs = frame.ts_us.saturating_sub(f.window_us) as f64 / 1e6;
            let text = format!(
                "{} SYNs to {}:80 in {:.1} s from spoofed sources in {}.{}.0.0/16 (ports 1000-1999 window 16384 40-byte)",
                f.syns,
                p.dst,
                secs,
                key.0 >> 8,
                key.0 & 0xff
            );
            let blame = Blame {
                key: HostKey::Slash16((key.0 >> 8) as u8, key.0 as u8),
                role: Role::Infected,
                weight: 0.9,
                kind: "syn_flood_80",
            };
            self.finding(frame, Flow::tcp(p, t), sig::FLOOD_80, blame, text);
        }
    }

    fn icmp(&mut self, frame: &Frame<'_>, p: &Ipv4Packet<'_>, i: &IcmpMessage<'_>) {
        // Welchia: echo request, 92-byte datagram, 0xAA data (at least what
        // the capture kept of it, and at least 8 bytes of it).
        if i.icmp_type != 8
            || p.total_len != 92
            || i.payload.len() < 8
            || !i.payload.iter().all(|&b| b == 0xAA)
        {
            return;
        }
        let src = ip32(p.src);
        if !self.welchia.contains_key(&src) && self.welchia.len() >= self.cfg.max_sources {
            self.stats.state_dropped += 1;
            return;
        }
        let min = self.cfg.welchia_min_targets;
        let w = self.welchia.entry(src).or_default();
        w.last_us = frame.ts_us;
        if w.done {
            return;
        }
        w.targets.insert(ip32(p.dst));
        if w.targets.len() >= min {
            w.done = true;
            w.targets = Set::default();
            let text = format!(
                "ICMP echo sweep: {min} destinations of 92-byte echo requests with 0xAA data"
            );
            self.finding(
                frame,
                Flow::icmp(p, i),
                sig::WELCHIA_ICMP,
                Blame::addr(p.src, Role::Infected, 0.9, "welchia_icmp"),
                text,
            );
        }
    }

    // ---- expiry ------------------------------------------------------------

    fn sweep_expired(&mut self) {
        let cutoff = self.now_us.saturating_sub(self.cfg.state_expiry_us);
        let before = self.scanners.len()
            + self.rpc.len()
            + self.shells.len()
            + self.transfers.len()
            + self.floods.len()
            + self.welchia.len();
        self.scanners.retain(|_, s| s.last_us > cutoff);
        self.rpc.retain(|_, c| c.last_us > cutoff);
        self.shells.retain(|_, s| s.last_us > cutoff);
        self.transfers.retain(|_, t| t.last_us > cutoff);
        self.floods.retain(|_, f| f.last_us > cutoff);
        self.welchia.retain(|_, w| w.last_us > cutoff);
        let after = self.scanners.len()
            + self.rpc.len()
            + self.shells.len()
            + self.transfers.len()
            + self.floods.len()
            + self.welchia.len();
        self.stats.state_expired += (before - after) as u64;
    }
}
