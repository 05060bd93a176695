//! Scanning of 135/tcp: the sequential sweep, blaster.bro's and a Zeek-like
//! threshold of distinct destinations, and the Threshold Random Walk. Reads
//! addresses, ports, TCP flags (SYN, SYN-ACK, RST) and capture time. Like the
//! parent, it touches no file, terminal or simulation engine.

use std::net::Ipv4Addr;

use wormscope_wire::capture::Frame;
use wormscope_wire::decode::{Ipv4Packet, TcpSegment};

use crate::config::SECOND_US;
use crate::eve::{Alert, Proto, Signature, sig};
use crate::hosts::{HostKey, Role};

use super::{Blame, Detector, Flow, Set, ip32};

#[derive(Debug, Default)]
pub(super) struct ScanState {
    pub(super) last_us: i64,
    pub(super) bro: Set<u32>,
    pub(super) bro_done: bool,
    pub(super) zeek: Set<u32>,
    pub(super) zeek_epoch_us: i64,
    pub(super) zeek_done: bool,
    pub(super) contacted: Set<u32>,
    pub(super) trw_lambda: f64,
    pub(super) trw_done: bool,
    pub(super) sweep_last: Option<u32>,
    pub(super) sweep_run: u32,
    pub(super) sweep_crossings: u32,
    pub(super) sweep_start: u32,
    pub(super) sweep_done: bool,
}

#[derive(Debug)]
pub(super) struct Pending {
    pub(super) ts_us: i64,
    pub(super) first_contact: bool,
    pub(super) src_port: u16,
    pub(super) dst_port: u16,
    pub(super) pcap_cnt: u64,
}

impl Detector {
    pub(super) fn scan_attempt(
        &mut self,
        frame: &Frame<'_>,
        p: &Ipv4Packet<'_>,
        t: &TcpSegment<'_>,
    ) {
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

    pub(super) fn expire_pending(&mut self) {
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

    pub(super) fn resolve(&mut self, client: u32, server: u32, success: bool, frame: &Frame<'_>) {
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
}
