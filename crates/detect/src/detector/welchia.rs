//! Welchia's ICMP echo sweep: 92-byte echo requests with 0xAA data to many
//! destinations. Reads the ICMP type, the echo data and the IPv4 total length
//! and addresses. Like the parent, it touches no file, terminal or simulation
//! engine.

use wormscope_wire::capture::Frame;
use wormscope_wire::decode::{IcmpMessage, Ipv4Packet};

use crate::eve::sig;
use crate::hosts::Role;

use super::{Blame, Detector, Flow, Set, ip32};

#[derive(Debug, Default)]
pub(super) struct Welchia {
    pub(super) last_us: i64,
    pub(super) targets: Set<u32>,
    pub(super) done: bool,
}

impl Detector {
    pub(super) fn icmp(&mut self, frame: &Frame<'_>, p: &Ipv4Packet<'_>, i: &IcmpMessage<'_>) {
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
}
