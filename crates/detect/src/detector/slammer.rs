//! SQL Slammer: one UDP datagram to 1434 whose first byte is 0x04
//! (CLNT_UCAST_INST of the SQL Server Resolution Protocol, [MC-SQLR]
//! section 2.2.3) with an overlong payload. MODEL.md section 2: the worm is
//! "a single 376-byte UDP payload to port 1434"; a legitimate request is the
//! type byte, an instance name of at most 32 bytes and a zero. Reads the UDP
//! destination port, the first payload byte and the payload length from the
//! IPv4 header (a snap length may cut the captured bytes), and addresses.
//! Like the parent, it touches no file, terminal or simulation engine.

use wormscope_wire::capture::Frame;
use wormscope_wire::decode::{Ipv4Packet, UdpDatagram};

use crate::eve::sig;
use crate::hosts::{HostKey, Role};

use super::{Blame, Detector, Flow, SpreadRule, SpreadTable, ip32, udp_wire_payload_len};

/// The CLNT_UCAST_INST request type ([MC-SQLR] 2.2.3).
pub(super) const CLNT_UCAST_INST: u8 = 0x04;

impl Detector {
    /// A datagram to the Resolution Service port (the caller checked it).
    pub(super) fn slammer(&mut self, frame: &Frame<'_>, p: &Ipv4Packet<'_>, u: &UdpDatagram<'_>) {
        if u.payload.first() != Some(&CLNT_UCAST_INST) {
            return;
        }
        let len = udp_wire_payload_len(p, u);
        if len < self.cfg.slammer_min_payload {
            return;
        }
        let key = HostKey::Addr(p.src);
        // The worm is this one datagram: the first from a source is the
        // finding; later ones only count destinations.
        if self.hosts.needs(key, "slammer_sent") {
            let text = format!(
                "{len}-byte CLNT_UCAST_INST (0x04) datagram to {}:{}/udp (a legitimate request is at most 34 bytes)",
                p.dst, u.dst_port
            );
            self.finding(
                frame,
                Flow::udp(p, u),
                sig::SLAMMER_1434,
                Blame::addr(p.src, Role::Infected, 0.9, "slammer_sent"),
                text,
            );
        }
        if !self.hosts.needs(key, "slammer_spread") {
            return;
        }
        let expiry = self.cfg.state_expiry_us;
        let rule = SpreadRule {
            window_us: expiry,
            min_targets: self.cfg.slammer_min_targets,
            min_ports: 0,
        };
        let target = (ip32(p.dst), u.dst_port);
        let Some(n) =
            self.spread_count(SpreadTable::Slammer, frame.ts_us, ip32(p.src), target, rule)
        else {
            return;
        };
        let text = format!(
            "Slammer datagrams to {n} distinct destinations of 1434/udp within {} s",
            expiry / 1_000_000
        );
        self.finding(
            frame,
            Flow::udp(p, u),
            sig::SLAMMER_SPREAD,
            Blame::addr(p.src, Role::Infected, 0.9, "slammer_spread"),
            text,
        );
    }
}
