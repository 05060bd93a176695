//! The benchmark runs, finds the worm in its synthetic capture, and its
//! peak memory does not grow with the capture's size. (Alone in this file:
//! VmHWM is per process.)

use wormscope_detect::{DetectConfig, bench};

#[test]
fn bench_runs_and_memory_stays_flat() {
    let cfg = DetectConfig::default();
    let small = bench(64 << 20, &cfg).unwrap();
    assert!(small.bytes >= 64 << 20);
    assert!(small.alerts > 0);
    assert!(small.bytes_per_s > 0.0);
    let big = bench(512 << 20, &cfg).unwrap();
    assert!(big.bytes >= 512 << 20);
    println!(
        "64 MiB: {:.0} MB/s, peak {:?}; 512 MiB: {:.0} MB/s (cpu {:?}), peak {:?}",
        small.bytes_per_s / 1e6,
        small.peak_rss_bytes,
        big.bytes_per_s / 1e6,
        big.bytes_per_cpu_s.map(|b| b / 1e6),
        big.peak_rss_bytes
    );
    if let (Some(a), Some(b)) = (small.peak_rss_bytes, big.peak_rss_bytes) {
        // Eight times the bytes; at most a few MiB more (tables filling to
        // their 5-minute windows, allocator slack), never proportional.
        assert!(b < a + (16 << 20), "peak RSS grew from {a} to {b}");
    }
}
