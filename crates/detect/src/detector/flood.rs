//! The payload's SYN flood to 80/tcp: many spoofed sources from one /16 to
//! one target. Reads the IPv4 total length, TTL and addresses and the TCP
//! flags, ports and window. Like the parent, it touches no file, terminal or
//! simulation engine.

use wormscope_wire::capture::Frame;
use wormscope_wire::decode::{Ipv4Packet, TcpSegment};

use crate::eve::sig;
use crate::hosts::{HostKey, Role};

use super::{Blame, Detector, Flow, Set, ip32};

#[derive(Debug, Default)]
pub(super) struct Flood {
    pub(super) last_us: i64,
    pub(super) window_us: i64,
    pub(super) syns: u32,
    pub(super) sources: Set<u32>,
    pub(super) done: bool,
}

impl Detector {
    pub(super) fn is_flood_syn(&self, p: &Ipv4Packet<'_>, t: &TcpSegment<'_>) -> bool {
        t.dst_port == 80
            && t.is_syn_only()
            && p.total_len == 40
            && (1000..=1999).contains(&t.src_port)
            && t.window == 16384
            && (65..=128).contains(&p.ttl)
    }

    pub(super) fn flood(&mut self, frame: &Frame<'_>, p: &Ipv4Packet<'_>, t: &TcpSegment<'_>) {
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
}
