//! `cargo run --release -p wormscope-detect --example bench -- [BYTES]`:
//! the detector row of `wormscope bench`, standalone.
fn main() -> std::io::Result<()> {
    let bytes: u64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(1 << 30);
    let r = wormscope_detect::bench(bytes, &wormscope_detect::DetectConfig::default())?;
    println!(
        "detector: {} bytes, {} frames, {} alerts in {:.2} s wall: {:.0} MB/s wall, {} MB/s per core (detector thread CPU {}), peak RSS {} MiB",
        r.bytes,
        r.frames,
        r.alerts,
        r.wall_s,
        r.bytes_per_s / 1e6,
        r.bytes_per_cpu_s
            .map_or("?".into(), |b| format!("{:.0}", b / 1e6)),
        r.cpu_s.map_or("?".into(), |c| format!("{c:.2} s")),
        r.peak_rss_bytes
            .map_or("?".into(), |b| (b >> 20).to_string())
    );
    Ok(())
}
