//! The infection chain: an ISystemActivator bind then an overlong UNC request
//! on 135/tcp, the 4444/tcp shell, the TFTP read request and the transfer.
//! Reads TCP sequence numbers and payloads, TFTP opcodes, names and blocks.
//! Like the parent, it touches no file, terminal or simulation engine.

use wormscope_wire::capture::Frame;
use wormscope_wire::dcerpc;
use wormscope_wire::decode::{Ipv4Packet, TcpSegment, UdpDatagram};
use wormscope_wire::tftp;

use crate::eve::sig;
use crate::hosts::Role;

use super::{Blame, Detector, Flow, contains_ci, ip32};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(super) struct ConnKey {
    pub(super) client: u32,
    pub(super) server: u32,
    pub(super) client_port: u16,
    pub(super) server_port: u16,
}

#[derive(Debug, Default)]
pub(super) struct RpcConn {
    pub(super) last_us: i64,
    pub(super) next_seq: Option<u32>,
    pub(super) buf: Vec<u8>,
    /// Bytes of an oversized PDU still to skip.
    pub(super) skip: usize,
    pub(super) bound_isa: bool,
    pub(super) dead: bool,
    pub(super) alerted: bool,
}

#[derive(Debug)]
pub(super) struct Shell {
    pub(super) last_us: i64,
    pub(super) banner: bool,
    pub(super) command: bool,
}

#[derive(Debug)]
pub(super) struct Transfer {
    pub(super) last_us: i64,
    pub(super) name: String,
    pub(super) blocks: u32,
    pub(super) bytes: u64,
    pub(super) done: bool,
}

impl Detector {
    pub(super) fn dcerpc(&mut self, frame: &Frame<'_>, p: &Ipv4Packet<'_>, t: &TcpSegment<'_>) {
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

    pub(super) fn shell(&mut self, frame: &Frame<'_>, p: &Ipv4Packet<'_>, t: &TcpSegment<'_>) {
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

    pub(super) fn tftp_request(
        &mut self,
        frame: &Frame<'_>,
        p: &Ipv4Packet<'_>,
        u: &UdpDatagram<'_>,
    ) {
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

    pub(super) fn tftp_data(&mut self, frame: &Frame<'_>, p: &Ipv4Packet<'_>, u: &UdpDatagram<'_>) {
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
}
