//! Sharded sweeps against the unsharded run: same table row for row, same
//! bytes on a rerun whatever the thread count, and a merge that refuses
//! incomplete or mixed shard sets.

use std::path::{Path, PathBuf};

use wormscope_sweep::{SeriesKind, Shard, SweepError, SweepTable, merge, spec, write_shard};

/// A small world (one /12), two hours in 10-minute steps.
const BASE: &str = r#"
name = "tiny"
duration = "2h"
step = "10m"
[world]
only_in = ["61.0.0.0/12"]
used_slash16_pct = 100.0
# Every host online: Asia is asleep at the default start.
churn.enabled = false
[worm]
initial_infected = 10
"#;

const SWEEP: &str = r#"
base = "tiny.toml"
seeds = [3, 4]
[grid]
"worm.guess_xp_pct" = [50, 100]
"hosts.reboot_duration" = ["1m", "10m"]
"#;

/// A small Code Red: 2,000 vulnerable hosts in 2^20 addresses, two hours
/// in 10-minute steps.
const SMALL_CODE_RED: &str = r#"
base = "codered2"
name = "small code red"
duration = "2h"
step = "10m"
validation = []
[population]
vulnerable = 2000
other_hosts = 1000
initial_infected = 10
scan_space_bits = 20
[worm.rate]
probes_per_second = 1.0
[[sensors]]
name = "dark"
kind = "telescope"
prefix = "0.12.0.0/14"
"#;

const RANDOM_SWEEP: &str = r#"
base = "cr.toml"
seeds = [3, 4]
[grid]
"population.initial_infected" = [2, 10]
"defenses.isp_filter.enabled" = [false, true]
"#;

fn setup(dir: &Path, sweep_text: &str) -> wormscope_sweep::Sweep {
    std::fs::write(dir.join("tiny.toml"), BASE).unwrap();
    std::fs::write(dir.join("cr.toml"), SMALL_CODE_RED).unwrap();
    std::fs::write(dir.join("sweep.toml"), sweep_text).unwrap();
    spec::load(&dir.join("sweep.toml")).unwrap()
}

fn shard(index: u32, count: u32) -> Shard {
    Shard { index, count }
}

fn run_all(sweep: &wormscope_sweep::Sweep, out: &Path, count: u32) -> Vec<PathBuf> {
    (0..count)
        .map(|i| {
            write_shard(sweep, shard(i, count), out, &|_, _| {})
                .unwrap()
                .0
        })
        .collect()
}

#[test]
fn shards_merged_equal_the_unsharded_run_row_for_row() {
    let dir = tempfile::tempdir().unwrap();
    let sweep = setup(dir.path(), SWEEP);
    assert_eq!(sweep.jobs().len(), 8);

    let whole = dir.path().join("whole");
    let files = run_all(&sweep, &whole, 1);
    let m1 = merge(&whole).unwrap();
    let parts = dir.path().join("parts");
    run_all(&sweep, &parts, 3);
    let m3 = merge(&parts).unwrap();
    assert_eq!((m3.shards, m3.variants, m3.seeds), (3, 4, 2));

    let (unsharded, _) = SweepTable::read_parquet(&files[0]).unwrap();
    let (merged, meta) = SweepTable::read_parquet(&m3.path).unwrap();
    // 8 runs of 12 steps.
    assert_eq!(unsharded.len(), 8 * 12);
    assert_eq!(merged, unsharded, "three shards merged = the unsharded run");
    assert_eq!(m1.rows, m3.rows);
    assert_eq!(
        std::fs::read(&m1.path).unwrap(),
        std::fs::read(&m3.path).unwrap(),
        "merged.parquet has the same bytes either way"
    );
    assert!(meta.contains(&("wormscope.sweep.shard".into(), "merged".into())));

    // The grid's columns and the rows are the runs': variant 3 is
    // (100, 10m); its seed-4 run equals a direct simulation.
    assert_eq!(
        merged.param_names,
        vec!["worm.guess_xp_pct", "hosts.reboot_duration"]
    );
    let rows: Vec<usize> = (0..merged.len())
        .filter(|&i| merged.variant[i] == 3 && merged.seed[i] == 4)
        .collect();
    assert_eq!(rows.len(), 12);
    assert_eq!(merged.params[0][rows[0]], "100");
    assert_eq!(merged.params[1][rows[0]], "10m");
    let wormscope_scenario::AnyScenario::Blaster(mut s) = sweep.variants[3].clone() else {
        panic!("a Blaster base")
    };
    s.seed = 4;
    let world = wormscope_model::generate::generate(&s).unwrap();
    let result = wormscope_engine::simulate_blaster(&s, &world, &mut |_| {});
    let infected: Vec<u64> = rows.iter().map(|&i| merged.series[0][i]).collect();
    let want: Vec<u64> = result.rows.iter().map(|r| r.infected).collect();
    assert_eq!(infected, want);
    assert!(want.iter().any(|&x| x > 10), "the worm spread: {want:?}");
    let times: Vec<f64> = rows.iter().map(|&i| merged.time_s[i]).collect();
    assert_eq!(times[0], 600.0);
    assert_eq!(times[11], 7200.0);
}

#[test]
fn a_random_scanning_sweep_holds_its_worms_series_run_for_run() {
    let dir = tempfile::tempdir().unwrap();
    let sweep = setup(dir.path(), RANDOM_SWEEP);
    assert_eq!(sweep.kind(), SeriesKind::Population);
    let parts = dir.path().join("parts");
    run_all(&sweep, &parts, 3);
    let merged = merge(&parts).unwrap();
    assert_eq!((merged.variants, merged.seeds, merged.rows), (4, 2, 8 * 12));
    let (table, _) = SweepTable::read_parquet(&merged.path).unwrap();
    assert_eq!(table.kind, SeriesKind::Population);
    let (whole, _) =
        SweepTable::read_parquet(&run_all(&sweep, &dir.path().join("whole"), 1)[0]).unwrap();
    assert_eq!(table, whole, "three shards merged = the unsharded run");

    // Every run equals `simulate --seed` of its variant, series by series.
    let names = SeriesKind::Population.names();
    assert_eq!(names[0], "infected");
    assert!(names.contains(&"probes_blocked"));
    let mut spread = false;
    for (variant, seed) in [(0, 3), (1, 4), (3, 3)] {
        let wormscope_scenario::AnyScenario::Population(mut s) = sweep.variants[variant].clone()
        else {
            panic!("a random-scanning base")
        };
        s.seed = seed;
        let run = wormscope_engine::population::simulate_population(&s, seed, &mut |_| {});
        let rows: Vec<usize> = (0..table.len())
            .filter(|&i| table.variant[i] as usize == variant && table.seed[i] == seed)
            .collect();
        assert_eq!(rows.len(), run.rows.len());
        for (&i, want) in rows.iter().zip(&run.rows) {
            assert_eq!(table.time_s[i], want.time_us as f64 / 1e6);
            let got: Vec<u64> = table.series.iter().map(|c| c[i]).collect();
            let mut expected = want.values().to_vec();
            // Then the flood that reached the target (none here).
            expected.push(want.flood_packets);
            assert_eq!(got, expected, "variant {variant} seed {seed}");
        }
        spread |= run.rows.last().unwrap().infected > 100;
    }
    assert!(spread, "the worm spread in some run");
    // The filter's variants block probes; the others do not.
    let blocked = |v: u32| {
        (0..table.len())
            .filter(|&i| table.variant[i] == v)
            .map(|i| table.series[10][i])
            .sum::<u64>()
    };
    assert_eq!(names[10], "probes_blocked");
    assert_eq!(blocked(0), 0);
    assert!(blocked(1) > 0);

    // A Blaster sweep's shard does not merge with these.
    let b = dir.path().join("b");
    std::fs::create_dir(&b).unwrap();
    let blaster = setup(&b, SWEEP);
    let foreign = write_shard(&blaster, shard(2, 3), &b.join("out"), &|_, _| {})
        .unwrap()
        .0;
    std::fs::copy(&foreign, parts.join("shard-00002-of-00003.parquet")).unwrap();
    let e = merge_error(&parts);
    assert!(e.contains("come from different sweeps"), "{e}");
}

#[test]
fn a_rerun_shard_has_identical_bytes_at_any_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let sweep = setup(dir.path(), SWEEP);
    let one = dir.path().join("one");
    let two = dir.path().join("two");
    let pool = |n| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build()
            .unwrap()
    };
    let a = pool(1).install(|| {
        write_shard(&sweep, shard(1, 2), &one, &|_, _| {})
            .unwrap()
            .0
    });
    let b = pool(2).install(|| {
        write_shard(&sweep, shard(1, 2), &two, &|_, _| {})
            .unwrap()
            .0
    });
    let first = std::fs::read(&a).unwrap();
    assert_eq!(first, std::fs::read(&b).unwrap());
    // Rerun over the existing file (as after a crash): same bytes, and
    // nothing else left in the directory.
    write_shard(&sweep, shard(1, 2), &one, &|_, _| {}).unwrap();
    assert_eq!(first, std::fs::read(&a).unwrap());
    assert_eq!(std::fs::read_dir(&one).unwrap().count(), 1);
    // The Parquet footer names the writer without a date or an id.
    let text = String::from_utf8_lossy(&first);
    assert!(text.contains("parquet-rs version"), "created_by");
    assert!(text.contains("wormscope.sweep.shard"));
}

fn merge_error(dir: &Path) -> String {
    match merge(dir) {
        Err(SweepError::Input(m)) => m,
        other => panic!("expected an input error, got {other:?}"),
    }
}

#[test]
fn merge_refuses_missing_duplicated_and_foreign_shards() {
    let dir = tempfile::tempdir().unwrap();
    let sweep = setup(dir.path(), SWEEP);
    let out = dir.path().join("out");
    let files = run_all(&sweep, &out, 3);

    assert!(merge_error(&dir.path().join("empty-nothing")).contains("cannot read"));
    std::fs::create_dir(dir.path().join("empty")).unwrap();
    assert!(merge_error(&dir.path().join("empty")).contains("no shard files"));

    // A missing shard is named.
    let held = dir.path().join("held.parquet");
    std::fs::rename(&files[2], &held).unwrap();
    let e = merge_error(&out);
    assert!(
        e.contains("1 of 3 shards missing: shard-00002-of-00003.parquet"),
        "{e}"
    );
    assert!(!out.join("merged.parquet").exists());
    std::fs::rename(&held, &files[2]).unwrap();

    // The same shard twice (a copy under another name).
    let copy = out.join("shard-00001-of-00003 (copy).parquet");
    std::fs::copy(&files[1], &copy).unwrap();
    let e = merge_error(&out);
    assert!(e.contains("shard 1/3 is there twice"), "{e}");
    std::fs::remove_file(&copy).unwrap();

    // A shard of another sweep (other seeds) among these.
    let other_dir = dir.path().join("other");
    std::fs::create_dir(&other_dir).unwrap();
    let other = setup(&other_dir, &SWEEP.replace("[3, 4]", "[3, 5]"));
    let foreign = write_shard(&other, shard(2, 3), &other_dir.join("out"), &|_, _| {})
        .unwrap()
        .0;
    std::fs::copy(&foreign, &files[2]).unwrap();
    let e = merge_error(&out);
    assert!(e.contains("come from different sweeps"), "{e}");

    // A shard count that disagrees.
    run_all(&sweep, &out, 1);
    std::fs::remove_file(&files[2]).unwrap();
    let e = merge_error(&out);
    assert!(e.contains("one of"), "{e}");

    // All good again: merge works.
    std::fs::remove_file(out.join("shard-00000-of-00001.parquet")).unwrap();
    run_all(&sweep, &out, 3);
    assert_eq!(merge(&out).unwrap().rows, 8 * 12);
}
