//! A synthetic, arbitrarily large, mixed capture generated on the fly.
//!
//! What it is for: the detector's throughput benchmark (at least 1 GB, never
//! held in memory) and soak tests. [`SyntheticCapture`] implements
//! `io::Read` and yields a classic pcap (Ethernet) byte stream: mostly web
//! sessions (handshake, request, full-size response segments, close), DNS
//! over UDP, SMB on 445, and, mixed in, the worm's observable traffic built
//! by [`crate::build::worm`]: a sequential 135/tcp sweep, exploit chains
//! with 4444 shells and TFTP transfers of filler, flood SYNs and a Welchia
//! echo sweep. Deterministic for a seed.
//!
//! What it may not touch: files and the network. Memory is bounded by one
//! scripted session (a few dozen frames) plus the output chunk.

use std::collections::VecDeque;
use std::io::{self, Read};
use std::net::Ipv4Addr;

use crate::build::{Station, TcpFlow, udp_frame, worm};
use crate::capture::LinkType;
use crate::tftp;

/// What to generate.
#[derive(Clone, Debug)]
pub struct SynthConfig {
    /// Stop after about this many bytes of capture (the last session is
    /// completed, so the total slightly exceeds it).
    pub target_bytes: u64,
    /// PRNG seed.
    pub seed: u64,
    /// Timestamp of the first frame, µs since the epoch.
    pub start_us: i64,
    /// Mix in the worm's traffic (off: benign traffic only).
    pub worm: bool,
}

impl Default for SynthConfig {
    fn default() -> Self {
        SynthConfig {
            target_bytes: 64 << 20,
            seed: 2003,
            // 2003-08-11T18:00:00Z
            start_us: 1_060_624_800_000_000,
            worm: true,
        }
    }
}

/// splitmix64: small, fast, good enough for traffic shapes.
#[derive(Clone, Debug)]
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next() % n }
    }
}

/// A synthetic capture for `cfg`, as an `io::Read` yielding pcap bytes.
pub fn synthetic_capture(cfg: SynthConfig) -> SyntheticCapture {
    SyntheticCapture::new(cfg)
}

/// The generator. Read it like a file.
pub struct SyntheticCapture {
    cfg: SynthConfig,
    rng: Rng,
    now_us: i64,
    produced: u64,
    out: Vec<u8>,
    out_pos: usize,
    queue: VecDeque<Vec<u8>>,
    header_done: bool,
    /// The sweeping worm's next target (sequential, MODEL.md section 1).
    sweep_next: u32,
    welchia_next: u32,
    web_body: Vec<u8>,
    sessions: u64,
}

const SCANNER: [u8; 4] = [10, 20, 0, 5];
const WELCHIA: [u8; 4] = [10, 30, 0, 9];
const FLOOD_TARGET: [u8; 4] = [203, 0, 113, 80];

impl SyntheticCapture {
    /// A generator for `cfg`.
    pub fn new(cfg: SynthConfig) -> SyntheticCapture {
        let rng = Rng(cfg.seed);
        SyntheticCapture {
            now_us: cfg.start_us,
            rng,
            produced: 0,
            out: Vec::with_capacity(1 << 16),
            out_pos: 0,
            queue: VecDeque::new(),
            header_done: false,
            sweep_next: u32::from_be_bytes([10, 40, 17, 0]),
            welchia_next: u32::from_be_bytes([10, 50, 0, 1]),
            web_body: (0..1460u32).map(|i| b'a' + (i % 26) as u8).collect(),
            sessions: 0,
            cfg,
        }
    }

    /// Bytes of capture produced so far.
    pub fn produced(&self) -> u64 {
        self.produced
    }

    fn host(a: [u8; 4]) -> Station {
        Station::new(Ipv4Addr::from(a))
    }

    /// Queues the next scripted session.
    fn script(&mut self) {
        self.sessions += 1;
        let r = self.rng.below(1000);
        let worm = self.cfg.worm;
        match r {
            _ if worm && r < 40 => self.sweep_batch(),
            _ if worm && r < 50 => self.exploit_chain(),
            _ if worm && r < 68 => self.flood_burst(),
            _ if worm && r < 78 => self.welchia_burst(),
            _ if r < 150 => self.dns(),
            _ if r < 220 => self.smb(),
            _ => self.web(),
        }
    }

    fn client(&mut self) -> Station {
        // A fixed population of 16,000 clients: memory that depends on
        // distinct hosts plateaus early, so what remains is what depends
        // on the capture's size (nothing should).
        let x = self.rng.below(64) as u8 + 2;
        let y = self.rng.below(250) as u8 + 2;
        Self::host([10, 10, x, y])
    }

    fn web(&mut self) {
        let c = self.client();
        let s = Self::host([192, 0, 2, 10 + self.rng.below(8) as u8]);
        let port = 1025 + self.rng.below(3900) as u16;
        let mut f = TcpFlow::new(c, port, s, 80);
        self.queue.extend(f.handshake());
        let req = b"GET /index.html HTTP/1.1\r\nHost: www.example.com\r\nUser-Agent: Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.1)\r\nAccept: */*\r\n\r\n";
        self.queue.push_back(f.client_data(req));
        let segs = 4 + self.rng.below(40);
        for i in 0..segs {
            let body = self.web_body.clone();
            self.queue.push_back(f.server_data(&body));
            if i % 2 == 1 {
                self.queue.push_back(f.client_ack());
            }
        }
        self.queue.extend(f.close());
    }

    fn dns(&mut self) {
        let c = self.client();
        let s = Self::host([192, 0, 2, 53]);
        let port = 1025 + self.rng.below(3900) as u16;
        let q = b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x03www\x07example\x03com\x00\x00\x01\x00\x01";
        self.queue
            .push_back(udp_frame(&c, &s, Default::default(), port, 53, q));
        let mut a = q.to_vec();
        a[2] = 0x81;
        a[3] = 0x80;
        a[7] = 1;
        a.extend_from_slice(b"\xc0\x0c\x00\x01\x00\x01\x00\x00\x0e\x10\x00\x04\xc0\x00\x02\x0a");
        self.queue
            .push_back(udp_frame(&s, &c, Default::default(), 53, port, &a));
    }

    fn smb(&mut self) {
        let c = self.client();
        let s = Self::host([192, 0, 2, 45]);
        let port = 1025 + self.rng.below(3900) as u16;
        let mut f = TcpFlow::new(c, port, s, 445);
        self.queue.extend(f.handshake());
        let mut neg = vec![0u8, 0, 0, 0x51];
        neg.extend_from_slice(b"\xffSMBr");
        neg.resize(0x55, 0);
        self.queue.push_back(f.client_data(&neg));
        self.queue.push_back(f.server_data(&neg));
        for _ in 0..self.rng.below(6) {
            let body = self.web_body.clone();
            self.queue.push_back(f.server_data(&body));
        }
        self.queue.extend(f.close());
    }

    fn sweep_batch(&mut self) {
        let scanner = Self::host(SCANNER);
        for _ in 0..20 {
            let t = Self::host(self.sweep_next.to_be_bytes());
            let port = 1025 + (self.sweep_next % 3000) as u16;
            self.queue
                .push_back(worm::probe_syn(&scanner, &t, port, self.sweep_next));
            self.sweep_next = self.sweep_next.wrapping_add(1);
        }
    }

    fn exploit_chain(&mut self) {
        let attacker = Self::host(SCANNER);
        let victim = self.client();
        let mut f = TcpFlow::new(attacker, 1100, victim, 135);
        self.queue.extend(f.handshake());
        self.queue.push_back(f.client_data(&worm::dcerpc_bind(1)));
        self.queue
            .push_back(f.client_data(&worm::dcerpc_overlong_request(2, 300)));
        self.queue.extend(f.close());
        let mut sh = TcpFlow::new(attacker, 1101, victim, 4444);
        self.queue.extend(sh.handshake());
        self.queue
            .push_back(sh.server_data(worm::CMD_BANNER.as_bytes()));
        let cmd = worm::tftp_command(attacker.ip, "msblast.exe");
        self.queue.push_back(sh.client_data(cmd.as_bytes()));
        let d = Default::default();
        self.queue.push_back(udp_frame(
            &victim,
            &attacker,
            d,
            2000,
            69,
            &worm::tftp_rrq("msblast.exe"),
        ));
        let blocks = worm::MSBLAST_SIZE / tftp::BLOCK_SIZE + 1;
        for b in 1..=blocks {
            let len = if b == blocks {
                worm::MSBLAST_SIZE % tftp::BLOCK_SIZE
            } else {
                tftp::BLOCK_SIZE
            };
            let data = worm::tftp_data(b as u16, len);
            self.queue
                .push_back(udp_frame(&attacker, &victim, d, 3000, 2000, &data));
            let ack = worm::tftp_ack(b as u16);
            self.queue
                .push_back(udp_frame(&victim, &attacker, d, 2000, 3000, &ack));
        }
        self.queue.extend(sh.close());
    }

    fn flood_burst(&mut self) {
        for _ in 0..50 {
            let c = self.rng.below(256) as u8;
            let dd = self.rng.below(256) as u8;
            let port = self.rng.below(1000) as u16;
            let seq = self.rng.next() as u32;
            self.queue.push_back(worm::flood_syn(
                [2, 0, 10, 20, 0, 5],
                [2, 0, 0, 0, 0, 1],
                Ipv4Addr::new(10, 20, c, dd),
                Ipv4Addr::from(FLOOD_TARGET),
                port,
                seq,
            ));
        }
    }

    fn welchia_burst(&mut self) {
        let src = Self::host(WELCHIA);
        for i in 0..10 {
            let dst = Self::host(self.welchia_next.to_be_bytes());
            self.welchia_next = self.welchia_next.wrapping_add(1);
            self.queue
                .push_back(worm::welchia_echo(&src, &dst, 0x0200, i));
        }
    }

    /// Appends the next frame's pcap record to `out`; false when done.
    fn emit_next(&mut self) -> bool {
        if !self.header_done {
            self.header_done = true;
            let mut h = Vec::with_capacity(24);
            if let Ok(w) = crate::write::PcapWriter::new(&mut h, LinkType::ETHERNET) {
                let _ = w.finish();
            }
            self.produced += h.len() as u64;
            self.out.extend_from_slice(&h);
            return true;
        }
        if self.queue.is_empty() {
            if self.produced >= self.cfg.target_bytes {
                return false;
            }
            self.script();
        }
        let Some(frame) = self.queue.pop_front() else {
            return false;
        };
        // ~20k frames per second of capture time, with jitter.
        self.now_us += 20 + self.rng.below(60) as i64;
        let secs = self.now_us.div_euclid(1_000_000) as u32;
        let us = self.now_us.rem_euclid(1_000_000) as u32;
        self.out.extend_from_slice(&secs.to_le_bytes());
        self.out.extend_from_slice(&us.to_le_bytes());
        self.out
            .extend_from_slice(&(frame.len() as u32).to_le_bytes());
        self.out
            .extend_from_slice(&(frame.len() as u32).to_le_bytes());
        self.out.extend_from_slice(&frame);
        self.produced += 16 + frame.len() as u64;
        true
    }
}

impl Read for SyntheticCapture {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.out_pos >= self.out.len() {
            self.out.clear();
            self.out_pos = 0;
            while self.out.len() < (1 << 16) {
                if !self.emit_next() {
                    break;
                }
            }
        }
        let avail = &self.out[self.out_pos..];
        let n = avail.len().min(buf.len());
        buf[..n].copy_from_slice(&avail[..n]);
        self.out_pos += n;
        Ok(n)
    }
}
