//! Small helpers to make captures inside the tests.
#![allow(dead_code)]

use std::net::Ipv4Addr;

use wormscope_wire::build::{self, IpOpts, Station, TcpFlow, worm};
use wormscope_wire::capture::LinkType;
use wormscope_wire::tftp;
use wormscope_wire::write::{PcapNgWriter, PcapWriter};

/// 2003-08-11T19:00:00Z.
pub const T0: i64 = 1_060_628_400_000_000;

pub fn ip(s: &str) -> Ipv4Addr {
    s.parse().unwrap()
}

pub fn h(s: &str) -> Station {
    Station::new(ip(s))
}

/// Frames with timestamps, written as pcap or pcapng on demand.
pub struct Cap {
    pub frames: Vec<(i64, Vec<u8>)>,
    pub t: i64,
    pub link: LinkType,
}

impl Default for Cap {
    fn default() -> Self {
        Cap {
            frames: Vec::new(),
            t: T0,
            link: LinkType::ETHERNET,
        }
    }
}

impl Cap {
    pub fn push(&mut self, f: Vec<u8>) {
        self.frames.push((self.t, f));
        self.t += 1_000; // 1 ms apart by default
    }
    pub fn extend(&mut self, fs: Vec<Vec<u8>>) {
        for f in fs {
            self.push(f);
        }
    }
    pub fn wait_ms(&mut self, ms: i64) {
        self.t += ms * 1_000;
    }
    pub fn pcap(&self) -> Vec<u8> {
        let mut w = PcapWriter::new(Vec::new(), self.link).unwrap();
        for (t, f) in &self.frames {
            w.write_frame(*t, &build::relink(f, self.link)).unwrap();
        }
        w.finish().unwrap()
    }
    pub fn pcapng(&self) -> Vec<u8> {
        let mut w = PcapNgWriter::new(Vec::new(), self.link).unwrap();
        for (t, f) in &self.frames {
            w.write_frame(*t, &build::relink(f, self.link)).unwrap();
        }
        w.finish().unwrap()
    }
}

/// A sequential sweep of 135/tcp from `start`, `n` addresses, unanswered,
/// 20 probes per 1.8 s as the worm does.
pub fn sweep(cap: &mut Cap, scanner: &Station, start: Ipv4Addr, n: u32) {
    let s = u32::from(start);
    for i in 0..n {
        let t = Station::new(Ipv4Addr::from(s + i));
        cap.push(worm::probe_syn(scanner, &t, 1025 + (i % 4000) as u16, i));
        if i % 20 == 19 {
            cap.wait_ms(1800);
        }
    }
}

/// The exploit stage on 135: handshake, bind, overlong request, close.
pub fn exploit(cap: &mut Cap, attacker: &Station, victim: &Station, split: bool) {
    let mut f = TcpFlow::new(*attacker, 1500, *victim, 135);
    cap.extend(f.handshake());
    cap.push(f.client_data(&worm::dcerpc_bind(1)));
    cap.push(f.server_ack());
    let req = worm::dcerpc_overlong_request(2, 300);
    if split {
        let (a, b) = req.split_at(req.len() / 3);
        cap.push(f.client_data(a));
        cap.push(f.client_data(b));
    } else {
        cap.push(f.client_data(&req));
    }
    cap.extend(f.close());
}

/// Stages 2-3: shell on 4444 with banner and command, TFTP RRQ and the
/// transfer of `size` filler bytes (when `tftp_reachable`).
pub fn shell_and_tftp(
    cap: &mut Cap,
    attacker: &Station,
    victim: &Station,
    name: &str,
    tftp_reachable: bool,
) {
    let mut sh = TcpFlow::new(*attacker, 1600, *victim, 4444);
    cap.extend(sh.handshake());
    cap.push(sh.server_data(worm::CMD_BANNER.as_bytes()));
    cap.push(sh.client_data(worm::tftp_command(attacker.ip, name).as_bytes()));
    cap.wait_ms(400);
    let o = IpOpts::default();
    cap.push(build::udp_frame(
        victim,
        attacker,
        o,
        2001,
        69,
        &worm::tftp_rrq(name),
    ));
    if tftp_reachable {
        let blocks = worm::MSBLAST_SIZE / tftp::BLOCK_SIZE + 1;
        for b in 1..=blocks {
            let len = if b == blocks {
                worm::MSBLAST_SIZE % tftp::BLOCK_SIZE
            } else {
                tftp::BLOCK_SIZE
            };
            cap.push(build::udp_frame(
                attacker,
                victim,
                o,
                3001,
                2001,
                &worm::tftp_data(b as u16, len),
            ));
            cap.push(build::udp_frame(
                victim,
                attacker,
                o,
                2001,
                3001,
                &worm::tftp_ack(b as u16),
            ));
            cap.wait_ms(900);
        }
    }
    cap.push(sh.client_data(b"start msblast.exe\n"));
    cap.extend(sh.close());
}
