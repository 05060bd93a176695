//! Blaster with random targets (`targeting = "uniform-random"` and
//! `"local-preference"`): the random-targets driver against the reference,
//! which draws every address of every batch (local preference by the
//! model's probe-by-probe generator). They use different random streams, so
//! they agree in distribution: two-sample Kolmogorov-Smirnov tests over many
//! seeds on one small world, on the outbreak, every outcome's total and what
//! each sensor saw. Draws over the whole space are drawn from the world's
//! /14 (the whole IPv4 space would leave a small world untouched); a
//! local-preference scanner's own /16 and /8 stay whole.

mod common;

use common::{Run, run_with, sensors_near, small_generated};
use wormscope_engine::observe::{PlainRun, Watched};
use wormscope_engine::random_targets::RandomTargetsDriver;
use wormscope_engine::{BlasterCore, Observer};
use wormscope_model::blaster::Outcome;
use wormscope_model::generate::generate;
use wormscope_model::view::Slot;
use wormscope_model::{HostId, NO_SITE, SiteKind, World};
use wormscope_observe::SensorSet;
use wormscope_reference::ReferenceDriver;
use wormscope_scenario::{BlasterScenario, Percent, SimDuration, TargetingKind, When};
use wormscope_study::validate::ks_two_sample;

/// 61.4.0.0/14, where the world lives.
const SPACE: (u64, u64) = (0x3D04_0000, 0x3D08_0000);
const RUNS: u64 = 50;

fn scenario() -> BlasterScenario {
    scenario_targeting(TargetingKind::UniformRandom)
}

fn scenario_targeting(targeting: TargetingKind) -> BlasterScenario {
    let mut s = small_generated(3, "61.4.0.0/14", 1);
    s.duration = SimDuration::from_secs(20 * 60);
    s.step = SimDuration::from_secs(60);
    s.worm.targeting = targeting;
    s
}

fn world_and_seeds(s: &BlasterScenario) -> (World, Vec<HostId>) {
    let world = generate(s).unwrap();
    // Seeds on the open internet and behind NAT, whose scans see the
    // public parts of the space (an enterprise's scans mostly see its own
    // network): the first of each candidates' kind of place.
    let public = (0..world.n_candidates).find(|&h| world.host(h).site == NO_SITE);
    let nat = (0..world.n_candidates).find(|&h| {
        let site = world.host(h).site;
        site != NO_SITE && matches!(world.sites[site as usize].kind, SiteKind::Nat { .. })
    });
    let enterprise = (0..world.n_candidates).find(|&h| {
        let site = world.host(h).site;
        site != NO_SITE && matches!(world.sites[site as usize].kind, SiteKind::Enterprise { .. })
    });
    let seeds: Vec<HostId> = [public, nat, enterprise].into_iter().flatten().collect();
    assert_eq!(seeds.len(), 3, "a host of each kind of place");
    (world, seeds)
}

fn random_targets_run(s: &BlasterScenario, world: &World, seeds: &[HostId]) -> Run {
    let (step, end) = (s.step.as_micros(), s.duration.as_micros());
    let watched = SensorSet::new(world, sensors_near(world, seeds), step, end).watched();
    run_with(
        s,
        world,
        seeds,
        RandomTargetsDriver::within(world, &watched, SPACE),
    )
}

fn reference_run(s: &BlasterScenario, world: &World, seeds: &[HostId]) -> Run {
    run_with(s, world, seeds, ReferenceDriver::within(world, SPACE))
}

/// Asserts the two samples of `value` are not told apart at the 0.1 %
/// level (a dozen measures are tested: a 1 % level would fail one in
/// ten runs of this test by chance alone).
fn same_distribution<T>(what: &str, a: &[T], b: &[T], value: impl Fn(&T) -> f64) {
    let a: Vec<f64> = a.iter().map(&value).collect();
    let b: Vec<f64> = b.iter().map(&value).collect();
    let (d, p) = ks_two_sample(&a, &b);
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    assert!(
        p > 0.001,
        "{what}: KS D = {d:.3}, p = {p:.5}; means {} (random-targets driver) vs {} (reference)",
        mean(&a),
        mean(&b)
    );
}

#[test]
fn random_targets_agree_with_the_reference_in_distribution() {
    agree_in_distribution(TargetingKind::UniformRandom);
}

/// Code Red II's shares (the built-in's): most probes stay in the own /16
/// and /8, so the outbreak runs through the seeds' own networks.
#[test]
fn local_preference_agrees_with_the_reference_in_distribution() {
    agree_in_distribution(TargetingKind::LocalPreference);
}

fn agree_in_distribution(targeting: TargetingKind) {
    agree_in_distribution_of(scenario_targeting(targeting));
}

/// Uplinks of 4.8 and 19.2 kbit/s carrying batches of 20 probes of 60
/// bytes (one every 2 s and every 0.5 s), under a network that carries
/// 120 kbit/s of the worm: about ten scanners' worth, so that most of the
/// outbreak runs congested.
fn congested(targeting: TargetingKind, capacity_bits_per_second: f64) -> BlasterScenario {
    let mut s = scenario_targeting(targeting);
    s.welchia.enabled = false;
    let uplink = |name: &str, bits_per_second| wormscope_scenario::population::Uplink {
        name: name.into(),
        share_pct: Percent::new(50.0).unwrap(),
        bits_per_second,
    };
    s.worm.bandwidth = Some(wormscope_scenario::BandwidthConfig {
        probe_bytes: 60,
        uplinks: vec![uplink("slow", 4_800.0), uplink("fast", 19_200.0)],
        capacity_bits_per_second,
    });
    wormscope_scenario::check(&s).unwrap();
    s
}

/// A network capacity drops the same probes whichever way they are
/// drawn: each that leaves its site with the step's share. The
/// random-targets driver draws drops for the probes it draws and splits
/// the rest by counts; the reference draws one per probe.
#[test]
fn under_a_network_capacity_random_targets_agree_with_the_reference_in_distribution() {
    let exact = agree_in_distribution_of(congested(TargetingKind::UniformRandom, 120_000.0));
    // The capacity bound: most runs dropped most of their probes late on.
    let dropped: u64 = exact.iter().map(|r| r.result.totals.probes_dropped).sum();
    let probes: u64 = exact.iter().map(|r| r.result.totals.probes).sum();
    assert!(
        dropped as f64 > 0.3 * probes as f64,
        "{dropped} of {probes} dropped"
    );
    for r in &exact {
        let rows: u64 = r.result.rows.iter().map(|row| row.dropped).sum();
        assert_eq!(rows, r.result.totals.probes_dropped);
        // No step delivers much more than the capacity carries: 15,000
        // 60-byte probes a step of a minute at 120 kbit/s (the share is
        // set as the step begins, so a growing load may overshoot it).
        for row in &r.result.rows {
            assert!(row.probes - row.dropped < 2 * 15_000, "{row:?}");
        }
    }
}

/// The initial hosts start at 0 and load the first step: under a capacity
/// below their uplinks, its probes are dropped from the start, on both
/// drivers.
#[test]
fn the_initial_hosts_load_the_first_step() {
    // Three seeds offer 14.4 to 57.6 kbit/s against 10 kbit/s: from 31 %
    // of their probes on are dropped (they send less than they offer:
    // their exploits pause them).
    let s = congested(TargetingKind::UniformRandom, 10_000.0);
    let (world, seeds) = world_and_seeds(&s);
    for run in [
        random_targets_run(&s, &world, &seeds),
        reference_run(&s, &world, &seeds),
    ] {
        let first = run.result.rows[0];
        assert!(first.probes > 500, "{first:?}");
        assert!(
            first.dropped as f64 > 0.2 * first.probes as f64,
            "{first:?}"
        );
    }
}

/// A capacity the scanners never reach draws nothing: the same run, to the
/// probe, as without one, on both drivers.
#[test]
fn a_capacity_never_reached_leaves_the_run_as_it_was() {
    let with = congested(TargetingKind::UniformRandom, 1e11);
    let without =
        BlasterScenario {
            worm: wormscope_scenario::BlasterConfig {
                bandwidth: with.worm.bandwidth.clone().map(|bw| {
                    wormscope_scenario::BandwidthConfig {
                        capacity_bits_per_second: 0.0,
                        ..bw
                    }
                }),
                ..with.worm.clone()
            },
            ..with.clone()
        };
    let (world, seeds) = world_and_seeds(&with);
    for seed in [1, 2] {
        let (a, b) = (
            BlasterScenario {
                seed,
                ..with.clone()
            },
            BlasterScenario {
                seed,
                ..without.clone()
            },
        );
        let (x, y) = (
            random_targets_run(&a, &world, &seeds),
            random_targets_run(&b, &world, &seeds),
        );
        assert!(x.result.totals.ever_infected > 5, "it spread");
        assert_eq!(x.result.totals, y.result.totals);
        assert_eq!(x.result.rows, y.result.rows);
        assert_eq!(x.log, y.log);
        let (x, y) = (
            reference_run(&a, &world, &seeds),
            reference_run(&b, &world, &seeds),
        );
        assert_eq!(x.result.totals, y.result.totals);
        assert_eq!(x.log, y.log);
    }
}

/// Runs both drivers on seeds 100.. of `base` and asserts they agree in
/// distribution; returns the random-targets driver's runs.
fn agree_in_distribution_of(base: BlasterScenario) -> Vec<Run> {
    let (world, seeds) = world_and_seeds(&base);
    let with_seed = |seed| BlasterScenario {
        seed,
        ..base.clone()
    };
    let exact: Vec<Run> = (0..RUNS)
        .map(|i| random_targets_run(&with_seed(100 + i), &world, &seeds))
        .collect();
    let reference: Vec<Run> = (0..RUNS)
        .map(|i| reference_run(&with_seed(100 + i), &world, &seeds))
        .collect();
    // The outbreak is worth comparing: it spreads, and not to everyone.
    let infected = |r: &Run| r.result.totals.ever_infected as f64;
    let mean_infected = exact.iter().map(infected).sum::<f64>() / RUNS as f64;
    assert!(mean_infected > 20.0, "mean ever infected {mean_infected}");

    same_distribution("ever infected", &exact, &reference, infected);
    let mid = (exact[0].result.rows.len() / 2) - 1;
    same_distribution("infected at 10 min", &exact, &reference, |r| {
        r.result.rows[mid].infected as f64
    });
    same_distribution("crashes", &exact, &reference, |r| {
        r.result.totals.crashes as f64
    });
    same_distribution("probes", &exact, &reference, |r| {
        r.result.totals.probes as f64
    });
    same_distribution("probes dropped", &exact, &reference, |r| {
        r.result.totals.probes_dropped as f64
    });
    for outcome in [
        Outcome::NoHost,
        Outcome::NoAnswer,
        Outcome::NoEffect,
        Outcome::AlreadyInfected,
    ] {
        same_distribution(&format!("{outcome:?}"), &exact, &reference, |r| {
            r.result.totals.by_outcome[outcome as usize] as f64
        });
    }
    for (i, name) in ["edge", "telescope", "distributed"].iter().enumerate() {
        same_distribution(&format!("{name} probes"), &exact, &reference, |r| {
            r.sensors[i].probes.iter().sum::<u64>() as f64
        });
        same_distribution(&format!("{name} sources"), &exact, &reference, |r| {
            r.sensors[i].first_seen.len() as f64
        });
    }
    // Every probe is counted once, whichever way it was drawn: dropped,
    // or with its outcome.
    for r in exact.iter().chain(&reference) {
        let outcomes: u64 = r.result.totals.by_outcome.iter().sum();
        assert_eq!(
            outcomes + r.result.totals.probes_dropped,
            r.result.totals.probes
        );
        let rows: u64 = r.result.rows.iter().map(|row| row.probes).sum();
        assert_eq!(rows, r.result.totals.probes);
    }
    exact
}

#[test]
fn random_targets_are_reproducible_and_depend_on_the_seed() {
    let s = scenario();
    let (world, seeds) = world_and_seeds(&s);
    let a = random_targets_run(&s, &world, &seeds);
    let b = random_targets_run(&s, &world, &seeds);
    assert_eq!(a.result.totals, b.result.totals);
    assert_eq!(a.result.rows, b.result.rows);
    assert_eq!(a.sensors, b.sensors);
    assert_eq!(a.log, b.log);
    let other = random_targets_run(&BlasterScenario { seed: 77, ..s }, &world, &seeds);
    assert_ne!(a.log, other.log, "another seed draws other targets");
}

/// Where a run's probes went, by what lives at their address: the counts
/// an observer can tell apart from the addresses it is given (the
/// random-targets driver names only the addresses that can matter and
/// counts the rest as plain; the reference names every one).
#[derive(Default)]
struct Classes<'w> {
    world: Option<&'w World>,
    /// Sorted, merged.
    watched: Vec<Watched>,
    /// Watched and live, watched and empty, answering (not silent) and
    /// not watched, in the scanner's own site, plain (a silent host nobody
    /// watches is plain: the random-targets driver counts it).
    counts: [u64; 5],
}

impl Classes<'_> {
    fn share(&self, class: usize) -> f64 {
        self.counts[class] as f64 / self.counts.iter().sum::<u64>().max(1) as f64
    }
}

impl Observer for Classes<'_> {
    fn probe(&mut self, scanner: HostId, addr: u32, _t: u64) {
        let world = self.world.expect("set");
        let a = u64::from(addr);
        let h = world.host(scanner);
        let own = h.site != wormscope_model::NO_SITE
            && world.sites[h.site as usize].inside.contains(addr);
        let i = self.watched.partition_point(|w| w.hi <= a);
        let watched = self.watched.get(i).is_some_and(|w| w.lo <= a);
        let slot = world.public_view().slot(addr);
        let live = slot != Slot::Empty;
        let answering = live && slot != Slot::Silent;
        let class = match (own, watched, live, answering) {
            (true, ..) => 3,
            (_, true, true, _) => 0,
            (_, true, false, _) => 1,
            (_, false, _, true) => 2,
            _ => 4,
        };
        self.counts[class] += 1;
    }
    fn plain(&mut self, _scanner: HostId, run: &PlainRun) {
        self.counts[4] += run.k * run.per_batch;
    }
}

fn classes(s: &BlasterScenario, world: &World, seeds: &[HostId], reference: bool) -> [f64; 5] {
    let (step, end) = (s.step.as_micros(), s.duration.as_micros());
    let watched = SensorSet::new(world, sensors_near(world, seeds), step, end).watched();
    let mut sorted = watched.clone();
    sorted.sort_unstable_by_key(|w| w.lo);
    // Merged: a distributed sensor's points may lie in an edge.
    let mut merged: Vec<Watched> = Vec::new();
    for w in sorted {
        match merged.last_mut() {
            Some(last) if w.lo <= last.hi => last.hi = last.hi.max(w.hi),
            _ => merged.push(w),
        }
    }
    let mut classes = Classes {
        world: Some(world),
        watched: merged,
        counts: [0; 5],
    };
    {
        let mut core = BlasterCore::for_scenario(s, world);
        core.observe_with(&mut classes);
        core.seed_hosts(seeds);
        if reference {
            core.run(&mut ReferenceDriver::within(world, SPACE), &mut |_| {});
        } else {
            core.run(
                &mut RandomTargetsDriver::within(world, &watched, SPACE),
                &mut |_| {},
            );
        }
    }
    std::array::from_fn(|c| classes.share(c))
}

/// Each kind of address gets its share of the probes, however many
/// scanners the outbreak had: watched live hosts (answering ones drawn as
/// targets, silent ones as watched addresses), watched dark addresses,
/// other answering hosts, the scanner's own site, and the rest.
#[test]
fn random_targets_fall_on_each_kind_of_address_as_often_as_in_the_reference() {
    kinds_agree(TargetingKind::UniformRandom);
}

#[test]
fn local_preference_falls_on_each_kind_of_address_as_often_as_in_the_reference() {
    kinds_agree(TargetingKind::LocalPreference);
}

fn kinds_agree(targeting: TargetingKind) {
    let base = scenario_targeting(targeting);
    let (world, seeds) = world_and_seeds(&base);
    let with_seed = |seed| BlasterScenario {
        seed,
        ..base.clone()
    };
    let exact: Vec<[f64; 5]> = (0..RUNS)
        .map(|i| classes(&with_seed(300 + i), &world, &seeds, false))
        .collect();
    let reference: Vec<[f64; 5]> = (0..RUNS)
        .map(|i| classes(&with_seed(300 + i), &world, &seeds, true))
        .collect();
    let names = ["watched live", "watched dark", "live", "own site", "plain"];
    for (c, name) in names.iter().enumerate() {
        assert!(
            exact.iter().any(|x| x[c] > 0.0),
            "{name}: no probe fell there"
        );
        same_distribution(name, &exact, &reference, |x| x[c]);
    }
}

/// Welchia keeps its own sequential sweep beside Blaster's random targets:
/// both drivers run it on its own lane of the core's scans, and its
/// counter-worm spreads in both.
#[test]
fn welchia_sweeps_sequentially_beside_random_targets() {
    let mut s = scenario();
    s.welchia.enabled = true;
    s.welchia.release = When::After(SimDuration::from_secs(5 * 60));
    s.welchia.initial_infected = 3;
    let (world, seeds) = world_and_seeds(&s);
    for run in [
        random_targets_run(&s, &world, &seeds),
        reference_run(&s, &world, &seeds),
    ] {
        let t = &run.result.totals;
        assert_eq!(t.by_outcome.iter().sum::<u64>(), t.probes);
        let last = run.result.rows.last().expect("rows");
        assert!(last.welchia > 3, "Welchia spread: {last:?}");
        assert!(last.infected > 0, "Blaster is still around: {last:?}");
        let welchia_starts = run
            .log
            .iter()
            .filter(|e| matches!(e, common::Told::WelchiaStart(..)))
            .count();
        assert!(welchia_starts > 3);
    }
}

/// What observers watch changes what they are shown, never the outbreak:
/// a run with sensors and one without are the same for the same seed.
#[test]
fn the_outbreak_does_not_depend_on_what_is_watched() {
    let s = scenario();
    let (world, seeds) = world_and_seeds(&s);
    let watched = random_targets_run(&s, &world, &seeds);
    let mut core = BlasterCore::for_scenario(&s, &world);
    core.seed_hosts(&seeds);
    core.run(
        &mut RandomTargetsDriver::within(&world, &[], SPACE),
        &mut |_| {},
    );
    let states: Vec<_> = (0..world.n_candidates).map(|h| *core.state(h)).collect();
    let unwatched = core.into_result();
    assert_eq!(watched.result.totals, unwatched.totals);
    assert_eq!(watched.result.rows, unwatched.rows);
    assert_eq!(watched.states, states);
    assert!(
        watched
            .sensors
            .iter()
            .all(|c| c.probes.iter().sum::<u64>() > 0)
    );
}

/// With hosts coming and going, the driver passes candidates that cannot
/// answer when their batch comes (switched off, crashed) without an event;
/// debug builds check each such pass against when the host came back up.
#[test]
fn with_churn_candidates_passed_as_silent_stay_silent() {
    for targeting in [TargetingKind::UniformRandom, TargetingKind::LocalPreference] {
        let mut s = scenario_targeting(targeting);
        s.world.churn.enabled = true;
        // 10:00 in the world's time zones (APNIC's: UTC+8), offices open.
        s.start = "2003-08-12T02:00:00Z".parse().unwrap();
        s.duration = SimDuration::from_secs(6 * 3600);
        let (world, seeds) = world_and_seeds(&s);
        for seed in 1..=3 {
            let s = BlasterScenario { seed, ..s.clone() };
            let run = random_targets_run(&s, &world, &seeds);
            let t = &run.result.totals;
            assert_eq!(t.by_outcome.iter().sum::<u64>(), t.probes);
            assert!(run.result.rows.iter().any(|r| r.offline > 0), "churn is on");
            assert!(t.ever_infected > 3, "{targeting:?}: {t:?}");
        }
    }
}

/// Local preference without local shares is uniform random targeting: the
/// same windows, the same draws, the same run for a seed.
#[test]
fn local_preference_without_local_shares_is_uniform_random() {
    let uniform = scenario();
    let mut local = scenario_targeting(TargetingKind::LocalPreference);
    let none = Percent::new(0.0).unwrap();
    local.worm.local_preference.same_slash16_pct = none;
    local.worm.local_preference.same_slash8_pct = none;
    let (world, seeds) = world_and_seeds(&uniform);
    let a = random_targets_run(&uniform, &world, &seeds);
    let b = random_targets_run(&local, &world, &seeds);
    assert_eq!(a.result.totals, b.result.totals);
    assert_eq!(a.result.rows, b.result.rows);
    assert_eq!(a.sensors, b.sensors);
    assert_eq!(a.log, b.log);
}

/// Local preference keeps a scanner near home: from the seeds, more probes
/// land in the own /16 than uniform targets would put there, by the share
/// the built-in gives it (37.5 % of draws, nearly all of the /16's probes).
#[test]
fn local_preference_probes_the_own_slash16_by_its_share() {
    let s = scenario_targeting(TargetingKind::LocalPreference);
    let (world, seeds) = world_and_seeds(&s);
    let mut near = NearHome {
        world: &world,
        probes: 0,
        own16: 0,
    };
    {
        let mut core = BlasterCore::for_scenario(&s, &world);
        core.observe_with(&mut near);
        core.seed_hosts(&seeds);
        core.run(&mut ReferenceDriver::within(&world, SPACE), &mut |_| {});
    }
    let share = near.own16 as f64 / near.probes as f64;
    // Draws over the own /8 (50 %) land in the /16 one time in 256, draws
    // over the /14 (12.5 %) one time in 4.
    let want = 0.375 + 0.5 / 256.0 + 0.125 / 4.0;
    let sd = (want * (1.0 - want) / near.probes as f64).sqrt();
    assert!(near.probes > 10_000, "{} probes", near.probes);
    assert!(
        (share - want).abs() < 5.0 * sd,
        "{share:.4} of probes in the own /16, want {want:.4}"
    );
}

/// Counts the probes a scanner sends into its own /16.
struct NearHome<'w> {
    world: &'w World,
    probes: u64,
    own16: u64,
}

impl Observer for NearHome<'_> {
    fn probe(&mut self, scanner: HostId, addr: u32, _t: u64) {
        self.probes += 1;
        if addr >> 16 == self.world.host(scanner).addr >> 16 {
            self.own16 += 1;
        }
    }
}

/// Permutation scanning (`targeting = "permutation"`): both drivers walk
/// the model's `PermutationScan` from the same stream, the reference
/// address by address, the random-targets driver from one address that
/// matters to the next, so the outbreak is the same run by run: every row,
/// every exploit (when, who, whom, with what outcome, in order), every
/// host's final state and every outcome's total. Only the split of the
/// probes that find no answer between no host and a silent one is the
/// exact driver's draw (as for uniform targets), and what observers see
/// of the probes between.
#[test]
fn a_permutation_walk_is_the_same_outbreak_probe_by_probe_and_by_skips() {
    let base = scenario_targeting(TargetingKind::Permutation);
    assert!(base.worm.permutation.is_some(), "the built-in's key");
    let (world, seeds) = world_and_seeds(&base);
    let (jumps, infected) = same_outbreaks(&base, &world, &seeds);
    // The walks found hosts infected already, and jumped.
    assert!(
        jumps > 0 && infected > 12 * 3,
        "{jumps} jumps, {infected} infected"
    );
    // Another key is another walk.
    let mut other = base.clone();
    other.worm.permutation = Some(wormscope_scenario::PermutationConfig { key: 2 });
    assert_ne!(
        random_targets_run(&other, &world, &seeds).exploits(),
        random_targets_run(&base, &world, &seeds).exploits()
    );
}

/// The same with everything that changes who answers when: hosts coming
/// and going, a hit list sent before the walk, and Welchia, released at 20
/// minutes, sweeping beside it in the other lane.
#[test]
fn a_permutation_walk_stays_the_same_outbreak_with_churn_a_hit_list_and_welchia() {
    let mut s = scenario_targeting(TargetingKind::Permutation);
    s.world.churn.enabled = true;
    // 10:00 in the world's time zones (APNIC's: UTC+8), offices open.
    s.start = "2003-08-12T02:00:00Z".parse().unwrap();
    s.duration = SimDuration::from_secs(3 * 3600);
    s.worm.hit_list = Some(wormscope_scenario::HitListConfig {
        hosts: 20,
        probes_per_second: 1.0,
    });
    s.welchia.enabled = true;
    s.welchia.release = When::After(SimDuration::from_secs(20 * 60));
    s.welchia.initial_infected = 2;
    let (world, seeds) = world_and_seeds(&s);
    let (jumps, infected) = same_outbreaks(&s, &world, &seeds);
    assert!(
        jumps > 0 && infected > 12 * 3,
        "{jumps} jumps, {infected} infected"
    );
    // Each of the three was there.
    let run = random_targets_run(&s, &world, &seeds);
    assert!(run.result.rows.iter().any(|r| r.offline > 0), "churn is on");
    let welchia: Vec<u64> = run.result.rows.iter().map(|r| r.welchia).collect();
    assert!(welchia.iter().any(|&w| w > 0), "Welchia ran: {welchia:?}");
    let first_minute = run.exploits().iter().filter(|e| e.0 < 60_000_000).count();
    assert!(
        first_minute > 0,
        "the list's answered entries, exploited first"
    );
}

/// Runs both drivers on seeds 0..12 of `base` and asserts the outbreaks
/// are the same; returns the exploits that found the worm already (the
/// walks' jumps) and the hosts ever infected, over all seeds.
fn same_outbreaks(base: &BlasterScenario, world: &World, seeds: &[HostId]) -> (u64, u64) {
    let (mut jumps, mut infected) = (0, 0);
    for seed in 0..12 {
        let s = BlasterScenario {
            seed,
            ..base.clone()
        };
        let exact = random_targets_run(&s, world, seeds);
        let reference = reference_run(&s, world, seeds);
        assert_eq!(exact.exploits(), reference.exploits(), "seed {seed}");
        assert_eq!(exact.result.rows, reference.result.rows, "seed {seed}");
        assert_eq!(exact.states, reference.states, "seed {seed}");
        let (e, r) = (&exact.result.totals, &reference.result.totals);
        assert_eq!(e.probes, r.probes, "seed {seed}");
        assert_eq!(e.ever_infected, r.ever_infected, "seed {seed}");
        let unanswered = |t: &wormscope_engine::Totals| {
            t.by_outcome[Outcome::NoHost as usize] + t.by_outcome[Outcome::NoAnswer as usize]
        };
        assert_eq!(unanswered(e), unanswered(r), "seed {seed}");
        for o in Outcome::ALL {
            if !matches!(o, Outcome::NoHost | Outcome::NoAnswer) {
                assert_eq!(
                    e.by_outcome[o as usize], r.by_outcome[o as usize],
                    "seed {seed}: {o:?}"
                );
            }
        }
        jumps += e.by_outcome[Outcome::AlreadyInfected as usize];
        infected += e.ever_infected;
    }
    (jumps, infected)
}

/// Blaster's stop date ends drawn and walked scans, and a hit list, as it
/// ends the sequential sweep: the run is the same until the step it falls
/// in, nothing is probed after, and a permutation walk's outbreak with the
/// date is still the reference's, run by run.
#[test]
fn a_stop_date_ends_drawn_and_walked_scans_and_their_lists() {
    for targeting in [
        TargetingKind::UniformRandom,
        TargetingKind::LocalPreference,
        TargetingKind::Permutation,
    ] {
        let mut s = scenario_targeting(targeting);
        s.worm.hit_list = Some(wormscope_scenario::HitListConfig {
            hosts: 40,
            probes_per_second: 0.1,
        });
        let (world, seeds) = world_and_seeds(&s);
        let free = random_targets_run(&s, &world, &seeds);
        // 8.5 minutes in: the lists (13 entries each, one every 10 s) are
        // still being sent.
        s.worm.stop.at = Some(When::After(SimDuration::from_millis(510_000)));
        let stopped = random_targets_run(&s, &world, &seeds);
        let (rows, free_rows) = (&stopped.result.rows, &free.result.rows);
        assert_eq!(rows[..8], free_rows[..8], "{targeting:?}");
        assert!(free_rows[9..].iter().any(|r| r.probes > 0), "{targeting:?}");
        assert!(
            rows[9..].iter().all(|r| r.probes == 0 && r.scanning == 0),
            "{targeting:?}: {rows:?}"
        );
        assert!(
            stopped.exploits().iter().all(|e| e.0 < 510_000_000),
            "{targeting:?}"
        );
        if targeting == TargetingKind::Permutation {
            same_outbreaks(&s, &world, &seeds);
        }
    }
}

/// A probe limit ends drawn and walked scans after their last whole
/// batch, as it ends the sequential sweep: no instance of either driver
/// sends more, fewer hosts scan than run by the end, and a permutation
/// walk's outbreak under the limit is still the reference's, run by run.
#[test]
fn a_probe_limit_ends_drawn_and_walked_scans_after_their_batches() {
    for targeting in [
        TargetingKind::UniformRandom,
        TargetingKind::LocalPreference,
        TargetingKind::Permutation,
    ] {
        let mut s = scenario_targeting(targeting);
        // 100 batches of 20: three minutes and more of each instance's
        // twenty.
        s.worm.stop.after_probes = Some(1_990);
        let (world, seeds) = world_and_seeds(&s);
        for run in [
            random_targets_run(&s, &world, &seeds),
            reference_run(&s, &world, &seeds),
        ] {
            let starts = run.worm_starts();
            let t = &run.result.totals;
            assert!(
                t.probes <= starts * 2_000,
                "{targeting:?}: {t:?}, {starts} starts"
            );
            let last = run.result.rows.last().unwrap();
            assert!(last.scanning < last.infected, "{targeting:?}: {last:?}");
        }
        if targeting == TargetingKind::Permutation {
            same_outbreaks(&s, &world, &seeds);
        }
    }
}

/// A payload that crashes its host (`[worm.stop.crash]`) ends drawn and
/// walked scans at the batch drawn for each instance: the host is off the
/// network for good, the worm dormant on it, with either driver; a
/// permutation walk's outbreak is still the reference's, run by run.
#[test]
fn a_crashing_payload_ends_drawn_and_walked_scans_for_good() {
    for targeting in [
        TargetingKind::UniformRandom,
        TargetingKind::LocalPreference,
        TargetingKind::Permutation,
    ] {
        let mut s = scenario_targeting(targeting);
        s.worm.stop.crash = Some(wormscope_scenario::CrashConfig {
            cycle_probes: 1_000,
            chance_pct: Percent::new(30.0).unwrap(),
        });
        let (world, seeds) = world_and_seeds(&s);
        for run in [
            random_targets_run(&s, &world, &seeds),
            reference_run(&s, &world, &seeds),
        ] {
            let t = &run.result.totals;
            let gone = run
                .states
                .iter()
                .filter(|h| h.unplugged && h.worm == wormscope_engine::WormState::Dormant)
                .count() as u64;
            assert!(t.payload_crashes > 0, "{targeting:?}: {t:?}");
            assert_eq!(gone, t.payload_crashes, "{targeting:?}");
            let last = run.result.rows.last().unwrap();
            assert!(last.scanning < last.infected, "{targeting:?}: {last:?}");
        }
        if targeting == TargetingKind::Permutation {
            same_outbreaks(&s, &world, &seeds);
        }
    }
}
