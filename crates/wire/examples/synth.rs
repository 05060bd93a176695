//! Writes a synthetic mixed capture: `synth OUT.pcap [BYTES]`.
use std::io::Read;

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let out = args.next().unwrap_or_else(|| "synth.pcap".into());
    let bytes: u64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(4 << 20);
    let mut g = wormscope_wire::synth::SyntheticCapture::new(wormscope_wire::synth::SynthConfig {
        target_bytes: bytes,
        ..Default::default()
    });
    wormscope_atomic::write_with(std::path::Path::new(&out), |w| {
        let mut buf = vec![0u8; 1 << 16];
        loop {
            let n = g.read(&mut buf)?;
            if n == 0 {
                return Ok(());
            }
            w.write_all(&buf[..n])?;
        }
    })
}
