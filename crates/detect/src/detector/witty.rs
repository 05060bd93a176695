//! Witty: UDP datagrams from source port 4000 with 768 to 1307 bytes of
//! payload to many random destination addresses and ports (MODEL.md
//! section 2; Shannon and Moore, "The Spread of the Witty Worm", 2004; the
//! worm sent 20,000 datagrams per round, each to a random address and port,
//! per F-Secure's and Symantec's descriptions). Port 4000 was also ICQ's, so
//! one datagram says nothing: a source is infected only when the length
//! holds for [`crate::DetectConfig::witty_min_targets`] destinations and
//! [`crate::DetectConfig::witty_min_ports`] ports within
//! [`crate::DetectConfig::witty_window_us`], each datagram unsolicited: a
//! server on the port answers clients that sent to it first (within the
//! window), the worm sends to addresses that never did. Reads the UDP ports, the
//! payload length from the IPv4 header (CAIDA's public traces have no
//! payload) and addresses; never the payload's bytes. Like the parent, it
//! touches no file, terminal or simulation engine.

use wormscope_wire::capture::Frame;
use wormscope_wire::decode::{Ipv4Packet, UdpDatagram};

use crate::eve::sig;
use crate::hosts::{HostKey, Role};

use super::{Blame, Detector, Flow, SpreadRule, SpreadTable, ip32, udp_wire_payload_len};

impl Detector {
    /// A datagram to Witty's port: its destination may answer from it.
    pub(super) fn witty_asked(&mut self, frame: &Frame<'_>, p: &Ipv4Packet<'_>) {
        let key = (ip32(p.dst), ip32(p.src));
        if !self.witty_asked.contains_key(&key) && self.witty_asked.len() >= self.cfg.max_sources {
            self.stats.state_dropped += 1;
            return;
        }
        self.witty_asked.insert(key, frame.ts_us);
    }

    /// A datagram from Witty's source port (the caller checked it).
    pub(super) fn witty(&mut self, frame: &Frame<'_>, p: &Ipv4Packet<'_>, u: &UdpDatagram<'_>) {
        let len = udp_wire_payload_len(p, u);
        if len < self.cfg.witty_min_payload || len > self.cfg.witty_max_payload {
            return;
        }
        if !self.hosts.needs(HostKey::Addr(p.src), "witty_spread") {
            return;
        }
        if self.witty_asked.contains_key(&(ip32(p.src), ip32(p.dst))) {
            // An answer to a client of a server on the port.
            return;
        }
        let rule = SpreadRule {
            window_us: self.cfg.witty_window_us,
            min_targets: self.cfg.witty_min_targets,
            min_ports: self.cfg.witty_min_ports,
        };
        let target = (ip32(p.dst), u.dst_port);
        let Some(n) = self.spread_count(SpreadTable::Witty, frame.ts_us, ip32(p.src), target, rule)
        else {
            return;
        };
        let text = format!(
            "unsolicited datagrams from {}/udp with {}-{} bytes of payload to {n} destinations on at least {} ports within {} s",
            u.src_port,
            self.cfg.witty_min_payload,
            self.cfg.witty_max_payload,
            self.cfg.witty_min_ports,
            self.cfg.witty_window_us / 1_000_000
        );
        self.finding(
            frame,
            Flow::udp(p, u),
            sig::WITTY_4000,
            Blame::addr(p.src, Role::Infected, 0.95, "witty_spread"),
            text,
        );
    }
}
