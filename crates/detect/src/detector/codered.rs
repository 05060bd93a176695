//! Code Red (v1, v2 and Code Red II): on TCP 80, an HTTP request whose first
//! segment starts `GET /default.ida?` followed by one character repeated
//! far longer than any Indexing Service query (CERT CA-2001-19: the worm's
//! request is `/default.ida?` and a long run of `N`; CA-2001-23 and
//! IN-2001-09: Code Red II's is a run of `X`; MODEL.md section 2). The
//! filler character is reported as the classification (N: v1/v2, X: Code Red
//! II, anything else: Code Red-like); no other byte of the request is
//! looked at, and none is stored. The request line is in the connection's
//! first data segment (the worm sends it at once), so no reassembly is
//! needed. The client is infected, the server a victim, as for Blaster's
//! exploit; a client that sends it to several servers is spreading. Reads
//! the TCP destination port, the payload's first bytes, its length on the
//! wire (from the IPv4 and TCP headers) and addresses. Like the parent, it
//! touches no file, terminal or simulation engine.

use wormscope_wire::capture::Frame;
use wormscope_wire::decode::{Ipv4Packet, TcpSegment};

use crate::eve::{Signature, sig};
use crate::hosts::{HostKey, Role};

use super::{Blame, Detector, Flow, SpreadRule, SpreadTable, ip32, tcp_wire_payload_len};

/// The request line's start: method and the Indexing Service extension.
const METHOD: &[u8] = b"GET /";
/// The path, matched without regard to case (IIS ignores it).
const IDA_PATH: &[u8] = b"default.ida?";

/// The query's filler, as found in a request: which worm it names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Filler {
    /// The repeated byte.
    pub(super) byte: u8,
    /// How many times it repeats at the start of the query (as captured).
    pub(super) run: usize,
    /// Whether the run reaches the end of what was captured of a segment
    /// that was longer on the wire (a snap length cut it).
    pub(super) cut: bool,
}

/// The filler of a `GET /default.ida?` request starting `payload`, if the
/// payload starts so and the query is not empty. `wire_len` is the
/// segment's payload length on the wire.
pub(super) fn ida_filler(payload: &[u8], wire_len: usize) -> Option<Filler> {
    let path = payload.get(METHOD.len()..METHOD.len() + IDA_PATH.len())?;
    if !payload.starts_with(METHOD) || !path.eq_ignore_ascii_case(IDA_PATH) {
        return None;
    }
    let query = &payload[METHOD.len() + IDA_PATH.len()..];
    let &byte = query.first()?;
    if matches!(byte, b' ' | b'\r' | b'\n' | b'&' | b'=') {
        return None;
    }
    let run = query.iter().take_while(|&&b| b == byte).count();
    let cut = run == query.len() && payload.len() < wire_len;
    Some(Filler { byte, run, cut })
}

impl Detector {
    /// A data segment to the web port starting with `G` (the caller checked).
    pub(super) fn codered(&mut self, frame: &Frame<'_>, p: &Ipv4Packet<'_>, t: &TcpSegment<'_>) {
        let Some(f) = ida_filler(t.payload, tcp_wire_payload_len(p, t)) else {
            return;
        };
        let need = if f.cut {
            self.cfg.codered_min_filler_cut
        } else {
            self.cfg.codered_min_filler
        };
        if f.run < need {
            return;
        }
        let (sg, kind, name): (Signature, &'static str, &str) = match f.byte {
            b'N' => (sig::CODERED_N, "codered_sent", "Code Red v1/v2"),
            b'X' => (sig::CODERED_X, "codered2_sent", "Code Red II"),
            _ => (sig::CODERED_OTHER, "codered_like_sent", "Code Red-like"),
        };
        let shown = if f.byte.is_ascii_alphanumeric() {
            format!("'{}'", char::from(f.byte))
        } else {
            format!("0x{:02x}", f.byte)
        };
        let (run, cut_note) = if f.cut {
            (
                format!("at least {}", f.run),
                " (the snap length cut the rest)",
            )
        } else {
            (f.run.to_string(), "")
        };
        let client = HostKey::Addr(p.src);
        self.blame(
            frame,
            Blame::addr(p.dst, Role::Victim, 0.8, "codered_received"),
            format!("{name} GET /default.ida? request from {}", p.src),
        );
        if self.hosts.needs(client, kind) {
            let text = format!(
                "{name}: GET /default.ida? with a query of {run} {shown}{cut_note} to {}:{}",
                p.dst, t.dst_port
            );
            self.finding(
                frame,
                Flow::tcp(p, t),
                sg,
                Blame::addr(p.src, Role::Infected, 0.8, kind),
                text,
            );
        }
        if !self.hosts.needs(client, "codered_spread") {
            return;
        }
        let expiry = self.cfg.state_expiry_us;
        let rule = SpreadRule {
            window_us: expiry,
            min_targets: self.cfg.codered_min_targets,
            min_ports: 0,
        };
        let target = (ip32(p.dst), t.dst_port);
        let Some(n) =
            self.spread_count(SpreadTable::CodeRed, frame.ts_us, ip32(p.src), target, rule)
        else {
            return;
        };
        let text = format!(
            "{name} GET /default.ida? requests to {n} distinct web servers within {} s",
            expiry / 1_000_000
        );
        self.finding(
            frame,
            Flow::tcp(p, t),
            sig::CODERED_SPREAD,
            Blame::addr(p.src, Role::Infected, 0.9, "codered_spread"),
            text,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filler_is_classified_and_cut_runs_are_noticed() {
        let req = |q: &str| format!("GET /default.ida?{q} HTTP/1.0\r\n\r\n").into_bytes();
        let r = req(&"N".repeat(224));
        let f = ida_filler(&r, r.len()).unwrap();
        assert_eq!((f.byte, f.run, f.cut), (b'N', 224, false));
        let r = req(&"X".repeat(30));
        assert_eq!(ida_filler(&r, r.len()).unwrap().run, 30);
        // Case of the path does not matter; of the method it does.
        let r = b"GET /DEFAULT.IDA?XXXX".to_vec();
        assert_eq!(ida_filler(&r, 4000).unwrap().run, 4);
        assert!(ida_filler(b"get /default.ida?XXXX", 4000).is_none());
        // A snap length cut inside the run.
        let r = b"GET /default.ida?NNNNNNNNNNNNNNNNNNNN".to_vec();
        let f = ida_filler(&r, 1400).unwrap();
        assert!(f.cut && f.run == 20);
        // Not cut: the whole segment is there.
        assert!(!ida_filler(&r, r.len()).unwrap().cut);
        // Ordinary requests.
        assert!(ida_filler(b"GET /default.ida? HTTP/1.0", 26).is_none());
        assert!(ida_filler(b"GET /default.ida", 16).is_none());
        assert!(ida_filler(b"GET /index.html HTTP/1.0", 24).is_none());
        assert_eq!(
            ida_filler(b"GET /default.ida?x=1 HTTP/1.0", 29)
                .unwrap()
                .run,
            1
        );
        assert!(ida_filler(b"", 0).is_none());
    }
}
