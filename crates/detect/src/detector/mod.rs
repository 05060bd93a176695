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
//! - **SQL Slammer**: a UDP datagram to 1434 whose first byte is 0x04
//!   (CLNT_UCAST_INST) with a payload longer than any legitimate request;
//!   many destinations add to it.
//! - **Code Red**: on TCP 80, a segment that starts `GET /default.ida?` with
//!   a query of one character repeated (N: v1/v2, X: Code Red II); the
//!   client is infected, the server a victim; many servers add to it.
//! - **Witty**: UDP from source port 4000 with 768-1307 bytes of payload to
//!   many destination addresses and ports within a window, none of them an
//!   answer to a datagram the destination sent to that port.
//!
//! Matching reads protocol fields; no stored exploit bytes exist here.
//!
//! **Memory bounds** (all in [`DetectConfig`]): scanning sources
//! `max_sources`, each with at most `bro_threshold` + `zeek_threshold` +
//! `max_contacts_per_source` addresses; pending first contacts
//! `max_pending`; connections and transfers `max_conns`, each with at most
//! `rpc_buffer` bytes; Slammer, Code Red and Witty sources `max_sources`
//! each, with at most their `*_min_targets` (+ `witty_min_ports`) entries,
//! and as many (server, client) pairs of datagrams to Witty's port;
//! host rows `max_hosts` (x2 with evidence). Tables are
//! swept every 10 s of capture time and entries idle for `state_expiry_us`
//! (5 minutes) are dropped.
//!
//! What it may not touch: files, the terminal, the simulation engine. It is
//! fed frames; the caller decides where they come from and where alerts go.
//!
//! **Submodules**, one per behaviour, each an `impl Detector` block:
//!
//! - `scan`: scanning of 135/tcp (sweep, blaster.bro, Zeek-like, TRW);
//! - `chain`: the DCE/RPC exploit, the 4444/tcp shell, the TFTP transfer;
//! - `flood`: the SYN flood to 80/tcp;
//! - `welchia`: Welchia's ICMP echo sweep;
//! - `slammer`, `codered`, `witty`: the three random-scanning worms, whose
//!   count of distinct destinations per source is `Spread`.

mod chain;
mod codered;
mod flood;
mod scan;
mod slammer;
mod welchia;
mod witty;

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::net::Ipv4Addr;

use wormscope_wire::capture::Frame;
use wormscope_wire::decode::{
    Decoded, IcmpMessage, Ipv4Packet, TcpSegment, TransportLayer, UdpDatagram, decode,
};
use wormscope_wire::tftp;

use crate::config::{DetectConfig, SECOND_US};
use crate::eve::{Alert, Proto, Signature};
use crate::fast::FastHash;
use crate::hosts::{HostKey, HostTable, Role};

use chain::{ConnKey, RpcConn, Shell, Transfer};
use flood::Flood;
use scan::{Pending, ScanState};
use welchia::Welchia;

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

/// The most link types [`Stats::unsupported_link_types`] names (a pcapng
/// file may declare thousands of interfaces).
pub const MAX_LINK_TYPES_NAMED: usize = 16;

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
    /// Those frames by link type (LINKTYPE_ numbers; at most
    /// [`MAX_LINK_TYPES_NAMED`] types, the rest counted above only).
    pub unsupported_link_types: BTreeMap<u32, u64>,
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

/// Distinct destinations (and ports) of one source's worm packets, counted
/// up to a threshold within a window; emptied once the threshold is met.
#[derive(Debug, Default)]
pub(super) struct Spread {
    last_us: i64,
    /// When the current window began.
    window_start_us: i64,
    targets: Set<u32>,
    ports: Set<u16>,
    done: bool,
}

/// Which per-source [`Spread`] table.
#[derive(Clone, Copy, Debug)]
enum SpreadTable {
    Slammer,
    CodeRed,
    Witty,
}

/// When a [`Spread`] is met: `min_targets` distinct destinations and
/// `min_ports` distinct destination ports within `window_us`.
#[derive(Clone, Copy, Debug)]
struct SpreadRule {
    window_us: i64,
    min_targets: usize,
    min_ports: usize,
}

/// The payload length of a UDP datagram on the wire: from the IPv4 total
/// length (the captured bytes may be cut by a snap length, or removed, as
/// in CAIDA's public traces), or what was captured if that is more (a
/// sender's capture with segmentation offload can show a zero length).
fn udp_wire_payload_len(p: &Ipv4Packet<'_>, u: &UdpDatagram<'_>) -> usize {
    let ihl = usize::from(p.header.ihl()) * 4;
    usize::from(p.total_len)
        .saturating_sub(ihl + 8)
        .max(u.payload.len())
}

/// The same for a TCP segment.
fn tcp_wire_payload_len(p: &Ipv4Packet<'_>, t: &TcpSegment<'_>) -> usize {
    let ihl = usize::from(p.header.ihl()) * 4;
    usize::from(p.total_len)
        .saturating_sub(ihl + usize::from(t.header_len))
        .max(t.payload.len())
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
    /// Per source: Slammer's, Code Red's and Witty's destinations.
    slammer: Map<u32, Spread>,
    codered: Map<u32, Spread>,
    witty: Map<u32, Spread>,
    /// (server, client) pairs where the client sent a datagram to the
    /// server's Witty port, and when last: the server's datagrams back are
    /// answers, not Witty's unsolicited ones.
    witty_asked: Map<(u32, u32), i64>,
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
            slammer: Map::default(),
            codered: Map::default(),
            witty: Map::default(),
            witty_asked: Map::default(),
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
    pub fn table_sizes(&self) -> [(&'static str, usize); 12] {
        [
            ("hosts", self.hosts.len()),
            ("scanners", self.scanners.len()),
            ("pending", self.pending.len()),
            ("rpc", self.rpc.len()),
            ("shells", self.shells.len()),
            ("transfers", self.transfers.len()),
            ("floods", self.floods.len()),
            ("welchia", self.welchia.len()),
            ("slammer", self.slammer.len()),
            ("codered", self.codered.len()),
            ("witty", self.witty.len()),
            ("witty_asked", self.witty_asked.len()),
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
            Decoded::UnsupportedLink => {
                self.stats.unsupported_link += 1;
                let types = &mut self.stats.unsupported_link_types;
                if types.len() < MAX_LINK_TYPES_NAMED || types.contains_key(&frame.link_type.0) {
                    *types.entry(frame.link_type.0).or_default() += 1;
                }
            }
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
            TransportLayer::Tcp(t) => {
                if self.is_flood_syn(p, &t) {
                    // Spoofed source: no host row for it.
                    self.flood(frame, p, &t);
                    return;
                }
                self.hosts.touch(p.src, frame.ts_us);
                self.tcp(frame, p, &t);
            }
            TransportLayer::Udp(u) => {
                self.hosts.touch(p.src, frame.ts_us);
                self.udp(frame, p, &u);
            }
            TransportLayer::Icmp(i) => {
                self.hosts.touch(p.src, frame.ts_us);
                self.icmp(frame, p, &i);
            }
            TransportLayer::Fragment | TransportLayer::Other => {
                self.hosts.touch(p.src, frame.ts_us)
            }
        }
    }

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
            if t.dst_port == self.cfg.codered_port && t.payload[0] == b'G' {
                self.codered(frame, p, t);
            }
        }
    }

    fn udp(&mut self, frame: &Frame<'_>, p: &Ipv4Packet<'_>, u: &UdpDatagram<'_>) {
        if u.dst_port == 69 {
            self.tftp_request(frame, p, u);
        } else if !self.transfers.is_empty()
            && tftp::opcode_of(u.payload) == Some(tftp::opcode::DATA)
        {
            self.tftp_data(frame, p, u);
        }
        if u.dst_port == self.cfg.slammer_port {
            self.slammer(frame, p, u);
        }
        if u.dst_port == self.cfg.witty_src_port {
            self.witty_asked(frame, p);
        }
        if u.src_port == self.cfg.witty_src_port {
            self.witty(frame, p, u);
        }
    }

    /// Counts `dst` (and `port`) for `src` in `table` under `rule`; the
    /// number of destinations when the rule is met for the first time.
    fn spread_count(
        &mut self,
        table: SpreadTable,
        now: i64,
        src: u32,
        (dst, port): (u32, u16),
        rule: SpreadRule,
    ) -> Option<usize> {
        let map = match table {
            SpreadTable::Slammer => &mut self.slammer,
            SpreadTable::CodeRed => &mut self.codered,
            SpreadTable::Witty => &mut self.witty,
        };
        if !map.contains_key(&src) && map.len() >= self.cfg.max_sources {
            self.stats.state_dropped += 1;
            return None;
        }
        let s = map.entry(src).or_insert_with(|| Spread {
            window_start_us: now,
            last_us: now,
            ..Spread::default()
        });
        s.last_us = s.last_us.max(now);
        if s.done {
            return None;
        }
        if now.saturating_sub(s.window_start_us) > rule.window_us {
            s.window_start_us = now;
            s.targets.clear();
            s.ports.clear();
        }
        if s.targets.len() < rule.min_targets {
            s.targets.insert(dst);
        }
        if s.ports.len() < rule.min_ports {
            s.ports.insert(port);
        }
        if s.targets.len() < rule.min_targets || s.ports.len() < rule.min_ports {
            return None;
        }
        s.done = true;
        let n = s.targets.len();
        s.targets = Set::default();
        s.ports = Set::default();
        Some(n)
    }

    // ---- expiry ------------------------------------------------------------

    fn sweep_expired(&mut self) {
        let cutoff = self.now_us.saturating_sub(self.cfg.state_expiry_us);
        let before = self.scanners.len()
            + self.rpc.len()
            + self.shells.len()
            + self.transfers.len()
            + self.floods.len()
            + self.welchia.len()
            + self.slammer.len()
            + self.codered.len()
            + self.witty.len()
            + self.witty_asked.len();
        self.scanners.retain(|_, s| s.last_us > cutoff);
        self.rpc.retain(|_, c| c.last_us > cutoff);
        self.shells.retain(|_, s| s.last_us > cutoff);
        self.transfers.retain(|_, t| t.last_us > cutoff);
        self.floods.retain(|_, f| f.last_us > cutoff);
        self.welchia.retain(|_, w| w.last_us > cutoff);
        self.slammer.retain(|_, s| s.last_us > cutoff);
        self.codered.retain(|_, s| s.last_us > cutoff);
        self.witty.retain(|_, s| s.last_us > cutoff);
        // A question is remembered as long as the worm's window.
        let asked_cutoff = self.now_us.saturating_sub(self.cfg.witty_window_us);
        self.witty_asked.retain(|_, &mut last| last > asked_cutoff);
        let after = self.scanners.len()
            + self.rpc.len()
            + self.shells.len()
            + self.transfers.len()
            + self.floods.len()
            + self.welchia.len()
            + self.slammer.len()
            + self.codered.len()
            + self.witty.len()
            + self.witty_asked.len();
        self.stats.state_expired += (before - after) as u64;
    }
}
