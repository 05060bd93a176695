//! Replays the fuzz corpus and every crash reproducer (if any was ever
//! found: `fuzz/artifacts/*/crash-*`, `fuzz/regressions/*`) through the
//! fuzz entry points, and mutates seed captures with proptest so stable
//! CI exercises the same code paths as cargo-fuzz.

mod common;

use std::path::Path;

use common::*;
use proptest::prelude::*;
use wormscope_detect::fuzzing::{detector_target, reader_target};

fn replay_dir(dir: &Path, f: fn(&[u8])) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    let mut n = 0;
    for e in entries.flatten() {
        if e.path().is_file() {
            let data = std::fs::read(e.path()).unwrap();
            f(&data);
            n += 1;
        }
    }
    n
}

#[test]
fn corpus_and_reproducers_replay_without_panic() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut total = 0;
    for (sub, f) in [
        ("reader", reader_target as fn(&[u8])),
        ("detector", detector_target),
    ] {
        let n = replay_dir(&root.join("corpus").join(sub), f);
        assert!(n > 0, "corpus/{sub} is empty");
        total += n;
        total += replay_dir(&root.join("artifacts").join(sub), f);
        total += replay_dir(&root.join("regressions").join(sub), f);
    }
    println!("replayed {total} inputs");
}

/// `bytes` with each (position, byte) edit made (positions taken modulo
/// the length), then cut to `cut` modulo one more than the length.
fn mutated(mut bytes: Vec<u8>, edits: &[(usize, u8)], cut: usize) -> Vec<u8> {
    for &(p, b) in edits {
        let n = bytes.len();
        bytes[p % n] = b;
    }
    let keep = cut % (bytes.len() + 1);
    bytes.truncate(keep);
    bytes
}

fn seed_capture() -> Vec<u8> {
    let mut cap = Cap::default();
    let (a, v) = (h("10.0.0.5"), h("10.0.7.9"));
    exploit(&mut cap, &a, &v, true);
    shell_and_tftp(&mut cap, &a, &v, "msblast.exe", true);
    sweep(&mut cap, &a, ip("10.1.1.250"), 10);
    cap.pcapng()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, .. ProptestConfig::default() })]

    /// Random bytes, and seed captures with random byte edits and cuts,
    /// through both targets.
    #[test]
    fn random_and_mutated_inputs_never_panic(
        edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 0..16),
        cut in any::<usize>(),
        noise in proptest::collection::vec(any::<u8>(), 0..512),
    ) {
        reader_target(&noise);
        detector_target(&noise);
        let bytes = mutated(seed_capture(), &edits, cut);
        reader_target(&bytes);
        detector_target(&bytes);
    }
}

/// Slammer, Code Red (one request cut by a snap length) and Witty, small
/// enough that the fuzz configuration's thresholds are reached.
fn random_worms_capture() -> Vec<u8> {
    use wormscope_wire::build::{Station, TcpFlow, worm};
    let mut cap = Cap::default();
    for i in 0..3u8 {
        let d = Station::new(std::net::Ipv4Addr::new(10, 60, 0, i));
        cap.push(worm::slammer_datagram(
            &h("10.40.0.7"),
            &d,
            1042,
            1434,
            376,
            1,
        ));
        cap.push(worm::witty_datagram(
            &h("10.41.0.7"),
            &d,
            4000,
            1000 + u16::from(i),
            40,
            1,
        ));
    }
    for (i, filler) in [b'N', b'X'].into_iter().enumerate() {
        let mut f = TcpFlow::new(h("10.50.0.9"), 1100, h(&format!("10.51.0.{i}")), 80);
        cap.extend(f.handshake());
        let mut req = b"GET /default.ida?".to_vec();
        req.extend(std::iter::repeat_n(filler, 40));
        let mut seg = f.client_data(&req);
        seg.truncate(80);
        cap.push(seg);
    }
    cap.pcap()
}

#[test]
fn the_random_worm_seed_reaches_every_new_detector_under_the_fuzz_config() {
    let (_, alerts) = wormscope_detect::detect_bytes(
        &[&random_worms_capture()],
        &wormscope_detect::fuzzing::small_config(),
    );
    let mut sids: Vec<u32> = alerts.iter().map(|a| a.sig.sid).collect();
    sids.sort();
    sids.dedup();
    assert_eq!(
        sids,
        vec![
            9_000_040, 9_000_041, 9_000_050, 9_000_051, 9_000_053, 9_000_060
        ]
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, .. ProptestConfig::default() })]

    /// The same for the random-scanning worms' seed: edits and cuts.
    #[test]
    fn mutated_random_worm_captures_never_panic(
        edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 0..16),
        cut in any::<usize>(),
    ) {
        let bytes = mutated(random_worms_capture(), &edits, cut);
        reader_target(&bytes);
        detector_target(&bytes);
    }
}
