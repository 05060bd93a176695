//! Prints table sizes and RSS as a synthetic capture streams through.
use wormscope_detect::{DetectConfig, Detector};
use wormscope_wire::capture::CaptureReader;
use wormscope_wire::synth::{SynthConfig, SyntheticCapture};

fn rss() -> String {
    let s = std::fs::read_to_string("/proc/self/status").unwrap();
    s.lines()
        .filter(|l| l.starts_with("VmRSS") || l.starts_with("VmHWM"))
        .collect::<Vec<_>>()
        .join(" ")
}

fn main() {
    let bytes: u64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(4 << 30);
    let mut g = SyntheticCapture::new(SynthConfig {
        target_bytes: bytes,
        ..Default::default()
    });
    let mut r = CaptureReader::new(&mut g).unwrap();
    let mut d = Detector::new(DetectConfig::default());
    let mut n = 0u64;
    while let Some(f) = r.next_frame().unwrap() {
        d.process(&f);
        d.drain_alerts().for_each(drop);
        n += 1;
        if n.is_multiple_of(2_000_000) {
            println!("{n} {:?} {}", d.table_sizes(), rss());
        }
    }
}
