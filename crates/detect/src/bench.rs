//! The detector's throughput benchmark (the `wormscope bench` detector row).
//!
//! What it is for: measuring bytes per second through reader + decoder +
//! detector on a synthetic mixed capture of any size, generated on the fly
//! ([`wormscope_wire::synth`]) on a second thread and streamed through a
//! bounded channel, so nothing is held in memory and the generator's cost
//! is not charged to the detector. Reports wall-clock throughput, the
//! detector thread's CPU throughput ("per core"), and peak RSS (`VmHWM`
//! from `/proc/self/status`), which must not grow with the capture size.
//!
//! Measured on the project's 2-core machine (release build, 2026-11): the
//! detecting thread processes about 4.5 GB of capture per CPU second (the
//! target is 1 GB/s per core); wall-clock throughput is about 1 GB/s, set
//! by the generator thread; a 1 GB pcap file read from the page cache takes
//! 0.26 s end to end with a peak RSS of 5.5 MiB. Peak RSS does not follow
//! the capture size: tables fill up to their 5-minute windows and bounds,
//! then stay (12 MiB at 1 GB, 17 MiB at 8 GB, of which 8 MiB are the
//! channel's chunks in flight).
//!
//! What it may not touch: files (none are written) and the network.

use std::io::{self, Read};
use std::sync::mpsc::{Receiver, sync_channel};
use std::thread;
use std::time::Instant;

use wormscope_wire::capture::CaptureReader;
use wormscope_wire::synth::{SynthConfig, SyntheticCapture};

use crate::config::DetectConfig;
use crate::detector::Detector;

/// What [`bench()`] measured.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct BenchResult {
    /// Capture bytes read.
    pub bytes: u64,
    /// Frames processed.
    pub frames: u64,
    /// Alerts raised.
    pub alerts: u64,
    /// Wall-clock seconds.
    pub wall_s: f64,
    /// CPU seconds of the detecting thread (user + system), if readable.
    pub cpu_s: Option<f64>,
    /// Bytes per wall-clock second.
    pub bytes_per_s: f64,
    /// Bytes per CPU second of the detecting thread (one core).
    pub bytes_per_cpu_s: Option<f64>,
    /// Peak resident set size of the process after the run (VmHWM).
    pub peak_rss_bytes: Option<u64>,
}

/// Peak resident set size of this process (`VmHWM`), if the platform has
/// `/proc`.
pub fn peak_rss_bytes() -> Option<u64> {
    proc_status_kb("VmHWM:").map(|kb| kb * 1024)
}

fn proc_status_kb(field: &str) -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// CPU time of the calling thread from `/proc/thread-self/stat` (utime +
/// stime, in clock ticks of 1/100 s, the Linux USER_HZ).
fn thread_cpu_s() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/thread-self/stat").ok()?;
    // Fields after the command name (which is in parentheses).
    let rest = s.rsplit_once(')')?.1;
    let f: Vec<&str> = rest.split_whitespace().collect();
    let utime: f64 = f.get(11)?.parse().ok()?;
    let stime: f64 = f.get(12)?.parse().ok()?;
    Some((utime + stime) / 100.0)
}

/// A reader over chunks arriving on a channel.
struct ChannelReader {
    rx: Receiver<Vec<u8>>,
    cur: Vec<u8>,
    pos: usize,
}

impl Read for ChannelReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.pos >= self.cur.len() {
            match self.rx.recv() {
                Ok(c) => {
                    self.cur = c;
                    self.pos = 0;
                }
                Err(_) => return Ok(0),
            }
        }
        let n = (self.cur.len() - self.pos).min(buf.len());
        buf[..n].copy_from_slice(&self.cur[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

/// Runs the detector over a synthetic capture of at least `target_bytes`.
pub fn bench(target_bytes: u64, config: &DetectConfig) -> io::Result<BenchResult> {
    const CHUNK: usize = 1 << 20;
    let (tx, rx) = sync_channel::<Vec<u8>>(8);
    let producer = thread::spawn(move || {
        let mut synth = SyntheticCapture::new(SynthConfig {
            target_bytes,
            ..SynthConfig::default()
        });
        loop {
            let mut chunk = vec![0u8; CHUNK];
            let mut filled = 0;
            while filled < CHUNK {
                match synth.read(&mut chunk[filled..]) {
                    Ok(0) => break,
                    Ok(n) => filled += n,
                    Err(_) => break,
                }
            }
            if filled == 0 {
                break;
            }
            chunk.truncate(filled);
            if tx.send(chunk).is_err() {
                break;
            }
        }
    });
    let reader = ChannelReader {
        rx,
        cur: Vec::new(),
        pos: 0,
    };
    let cpu0 = thread_cpu_s();
    let t0 = Instant::now();
    let mut det = Detector::new(config.clone());
    let mut r = CaptureReader::new(reader).map_err(io::Error::other)?;
    let mut alerts = 0u64;
    loop {
        match r.next_frame() {
            Ok(Some(f)) => {
                det.process(&f);
                alerts += det.drain_alerts().count() as u64;
            }
            Ok(None) => break,
            Err(e) => return Err(io::Error::other(e)),
        }
    }
    det.finish();
    alerts += det.drain_alerts().count() as u64;
    let wall_s = t0.elapsed().as_secs_f64();
    let cpu_s = match (cpu0, thread_cpu_s()) {
        (Some(a), Some(b)) if b > a => Some(b - a),
        _ => None,
    };
    let _ = producer.join();
    let bytes = r.offset();
    Ok(BenchResult {
        bytes,
        frames: r.frames(),
        alerts,
        wall_s,
        cpu_s,
        bytes_per_s: bytes as f64 / wall_s.max(1e-9),
        bytes_per_cpu_s: cpu_s.map(|c| bytes as f64 / c),
        peak_rss_bytes: peak_rss_bytes(),
    })
}
