//! Entry points shared by the cargo-fuzz targets (`crates/detect/fuzz`) and
//! the regression test that replays their corpus
//! (`tests/fuzz_regressions.rs`), so a crash found by the fuzzer is a test.
//!
//! What it may not touch: files, the network. Each function must return
//! normally for every input; a panic is the bug the fuzzer looks for.

use wormscope_wire::capture::{CaptureReader, LinkType};
use wormscope_wire::dcerpc;
use wormscope_wire::decode::decode;
use wormscope_wire::tftp;

use crate::config::DetectConfig;
use crate::detector::Detector;

/// The reader target: any bytes as a capture file; every frame decoded;
/// the DCE/RPC and TFTP parsers run on every payload.
pub fn reader_target(data: &[u8]) {
    // Small buffers so growth to the record ceiling is cheap to reach.
    let Ok(mut r) = CaptureReader::with_limits(data, 4096, 1 << 16) else {
        return;
    };
    let mut n = 0u32;
    while let Ok(Some(f)) = r.next_frame() {
        if let wormscope_wire::Decoded::Ipv4(p) = decode(f.link_type, f.data) {
            let payload = match p.transport {
                wormscope_wire::TransportLayer::Tcp(t) => t.payload,
                wormscope_wire::TransportLayer::Udp(u) => u.payload,
                _ => &[],
            };
            if let Ok(pkt) = dcerpc::Packet::new_checked(payload)
                && let Ok(dcerpc::Repr::Request { stub, .. }) = dcerpc::Repr::parse(&pkt)
            {
                let _ = dcerpc::longest_unc_server_name(stub);
            }
            let _ = tftp::Repr::parse(payload);
        }
        n += 1;
        if n > 100_000 {
            break;
        }
    }
    let _ = (r.offset(), r.frames());
}

/// A small configuration so that thresholds and bounds are reached by
/// short inputs.
pub fn small_config() -> DetectConfig {
    DetectConfig {
        bro_threshold: 4,
        zeek_threshold: 3,
        sweep_min_run: 4,
        flood_min_syns: 4,
        flood_min_sources: 2,
        welchia_min_targets: 2,
        overlong_server_name: 4,
        slammer_min_payload: 8,
        slammer_min_targets: 2,
        codered_min_filler: 8,
        codered_min_filler_cut: 4,
        codered_min_targets: 2,
        witty_min_payload: 8,
        witty_max_payload: 64,
        witty_min_targets: 2,
        witty_min_ports: 2,
        max_sources: 8,
        max_pending: 8,
        max_contacts_per_source: 4,
        max_conns: 8,
        rpc_buffer: 256,
        max_hosts: 16,
        ..DetectConfig::default()
    }
}

/// The detector target: the input is a sequence of frames, each
/// `[link selector][time step][len hi][len lo][bytes...]`, fed straight to
/// a [`Detector`] with a small configuration (so bounds and thresholds are
/// hit), then the report and the EVE/CSV writers run on the result. Also
/// runs the detector over the input as a capture file.
pub fn detector_target(data: &[u8]) {
    const LINKS: [LinkType; 6] = [
        LinkType::ETHERNET,
        LinkType::RAW,
        LinkType::LINUX_SLL,
        LinkType::LINUX_SLL2,
        LinkType::DLT_RAW_12,
        LinkType(0),
    ];
    let mut det = Detector::new(small_config());
    let mut rest = data;
    let mut ts: i64 = 1_060_628_400_000_000;
    let mut number = 0;
    while let [sel, step, hi, lo, tail @ ..] = rest {
        let len = usize::from(u16::from_be_bytes([*hi, *lo])).min(tail.len());
        let (frame, next) = tail.split_at(len);
        rest = next;
        // Time steps of 0 to ~2 minutes, so expiry and timeouts happen.
        ts += i64::from(*step).pow(3) * 8;
        number += 1;
        let f = wormscope_wire::Frame {
            number,
            offset: 0,
            ts_us: ts,
            link_type: LINKS[usize::from(*sel) % LINKS.len()],
            orig_len: frame.len() as u32,
            data: frame,
        };
        det.process(&f);
        let mut eve = crate::eve::EveWriter::new(std::io::sink());
        for a in det.drain_alerts() {
            let _ = eve.write(&a);
        }
    }
    det.finish();
    det.drain_alerts().for_each(drop);
    let _ = crate::hosts::write_hosts_csv(std::io::sink(), &det.hosts().rows());
    let (report, _) = crate::detect_bytes(&[data], &small_config());
    let _ = report.summary();
}
