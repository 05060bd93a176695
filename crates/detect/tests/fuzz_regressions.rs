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
        let mut bytes = seed_capture();
        for (p, b) in edits {
            let n = bytes.len();
            bytes[p % n] = b;
        }
        let keep = cut % (bytes.len() + 1);
        bytes.truncate(keep);
        reader_target(&bytes);
        detector_target(&bytes);
    }
}
