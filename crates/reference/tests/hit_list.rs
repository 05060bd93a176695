//! A hit list before Blaster's own targeting (`[worm.hit_list]`): the
//! initial hosts send its entries first, one every interval, and exploit
//! each that answered a batch's wait later; then they scan. The exact
//! drivers look each entry up as they look up their own targets, the
//! reference as it looks up its own, so the two are held to agree on
//! everything, with filters and with churn.

mod common;

use common::{Both, Told, lowest_public_in, run_compared, run_with};
use std::collections::BTreeMap;

use wormscope_engine::core::BlasterCore;
use wormscope_engine::exact::ExactDriver;
use wormscope_engine::random_targets::RandomTargetsDriver;
use wormscope_engine::{Observer, Span};
use wormscope_model::blaster::Outcome;
use wormscope_model::generate::{generate, hit_list};
use wormscope_model::{HostId, World};
use wormscope_scenario::{
    BlasterScenario, HitListConfig, Percent, SimDuration, TargetingKind, When,
};

fn pct(x: f64) -> Percent {
    Percent::new(x).unwrap()
}

/// Two /20s of 61/8 at a /16 border, open pools and enterprises, every
/// host online; `hosts` entries sent at `rate` per second by each seed.
fn listed(seed: u64, hosts: u64, rate: f64) -> BlasterScenario {
    let mut s = wormscope_scenario::default_scenario();
    s.seed = seed;
    s.world.churn.enabled = false;
    s.world.only_in = ["61.4.240.0/20", "61.5.0.0/20"]
        .iter()
        .map(|p| p.parse().unwrap())
        .collect();
    s.world.used_slash16_pct = pct(100.0);
    let [pools, ent, _] = &mut s.world.networks[..] else {
        unreachable!("the built-in world has three kinds of network")
    };
    pools.share_pct = pct(50.0);
    pools.nat_pct = pct(20.0);
    ent.share_pct = pct(50.0);
    ent.firewall_pct = pct(50.0);
    s.duration = SimDuration::from_secs(3600);
    s.worm.hit_list = Some(HitListConfig {
        hosts,
        probes_per_second: rate,
    });
    s
}

/// One seed low in each of the world's /20s.
fn seeds_of(world: &World) -> Vec<HostId> {
    lowest_public_in(world, &[0x3d04_f000, 0x3d05_0000])
}

/// The exploits `seeds` made before `until`, as (time, attacker, victim).
fn exploits_before(both: &Both, seeds: &[HostId], until: u64) -> Vec<(u64, HostId, HostId)> {
    both.exact
        .exploits()
        .into_iter()
        .filter(|e| e.0 < until && seeds.contains(&e.1))
        .map(|e| (e.0, e.1, e.2))
        .collect()
}

#[test]
fn the_seeds_send_their_share_of_the_list_first_and_the_drivers_agree() {
    let (n, rate) = (40u64, 2.0);
    let s = listed(3, n, rate);
    let world = generate(&s).unwrap();
    let seeds = seeds_of(&world);
    assert_eq!(seeds.len(), 2);
    let both = run_compared(&s, &world, &seeds);
    let list = hit_list(&world, s.seed, n, &seeds);
    assert_eq!(list.len() as u64, n, "the world has enough public hosts");
    // Each seed's share is 20 entries, one every half second: its last
    // goes out at 10 s, when its scan starts; the last answered entry is
    // exploited a batch's wait after.
    let interval = 500_000;
    let wait = s.worm.batch_wait.as_micros();
    let share_end = 20 * interval;
    let early = exploits_before(&both, &seeds, share_end + wait + 1);
    assert!(
        early.len() >= 10,
        "most entries answer and are exploited: {early:?}"
    );
    for &(t, attacker, victim) in &early {
        let i = seeds.iter().position(|&h| h == attacker).unwrap();
        let entry = list
            .iter()
            .position(|&h| h == victim)
            .unwrap_or_else(|| panic!("{victim} exploited at {t} is not on the list"));
        assert_eq!(entry % 2, i, "entries are dealt in turn");
        assert_eq!(
            t,
            (entry as u64 / 2 + 1) * interval + wait,
            "entry {entry} is exploited a batch's wait after its turn"
        );
    }
    // The list is on top of the scan: the same run without it infects
    // fewer hosts in its first minutes.
    let mut plain = s.clone();
    plain.worm.hit_list = None;
    let without = run_compared(&plain, &world, &seeds);
    let infected_at = |b: &Both, row: usize| b.exact.result.rows[row].infected;
    assert!(
        infected_at(&both, 4) > infected_at(&without, 4) + 10,
        "with the list {} at 5 min, without {}",
        infected_at(&both, 4),
        infected_at(&without, 4)
    );
}

/// What the exact driver shows of the seeds: every probe it reports one
/// by one (only the list's: it reports its own scanning as spans and
/// batches) and the start of each seed's first scanning batch.
#[derive(Default)]
struct SeedsWatch {
    seeds: Vec<HostId>,
    probes: Vec<(HostId, u32, u64)>,
    first_scan: BTreeMap<HostId, u64>,
}

impl SeedsWatch {
    fn scanned(&mut self, scanner: HostId, t: u64) {
        if self.seeds.contains(&scanner) {
            let first = self.first_scan.entry(scanner).or_insert(t);
            *first = (*first).min(t);
        }
    }
}

impl Observer for SeedsWatch {
    fn span(&mut self, scanner: HostId, span: &Span<'_>) {
        if span.k > 0 {
            self.scanned(scanner, span.batch_start(0));
        }
    }
    fn batch(&mut self, scanner: HostId, _pos: u32, _n: u32, t: u64) {
        self.scanned(scanner, t);
    }
    fn probe(&mut self, scanner: HostId, addr: u32, t: u64) {
        self.probes.push((scanner, addr, t));
    }
}

#[test]
fn each_seed_probes_its_entries_in_turn_and_scans_when_its_share_is_sent() {
    let (n, rate) = (30u64, 0.5);
    let s = listed(5, n, rate);
    let world = generate(&s).unwrap();
    let seeds = seeds_of(&world);
    let list = hit_list(&world, s.seed, n, &seeds);
    let mut watch = SeedsWatch {
        seeds: seeds.clone(),
        ..SeedsWatch::default()
    };
    let mut core = BlasterCore::for_scenario(&s, &world);
    core.observe_with(&mut watch);
    core.seed_hosts(&seeds);
    core.run(&mut ExactDriver::new(&world), &mut |_| {});
    drop(core);
    let interval = 2_000_000;
    let expected: Vec<(HostId, u32, u64)> = list
        .iter()
        .enumerate()
        .map(|(entry, &h)| {
            let turn = entry as u64 / 2;
            let sender = seeds[entry % 2];
            (
                sender,
                world.public_addr(world.host(h)),
                (turn + 1) * interval,
            )
        })
        .collect();
    let mut probes = watch.probes.clone();
    probes.sort_by_key(|&(h, _, t)| (t, h));
    let mut expected_sorted = expected.clone();
    expected_sorted.sort_by_key(|&(h, _, t)| (t, h));
    assert_eq!(
        probes, expected_sorted,
        "the list's probes: who, where, when"
    );
    for &seed in &seeds {
        assert_eq!(
            watch.first_scan.get(&seed),
            Some(&(15 * interval)),
            "{seed} scans once its 15 entries are sent"
        );
    }
}

#[test]
fn an_isp_filter_from_the_start_answers_none_of_the_entries_across_it() {
    let mut s = listed(3, 40, 2.0);
    let f = &mut s.defenses.isp_filter;
    f.enabled = true;
    f.start = When::After(SimDuration::from_secs(0));
    f.coverage_pct = pct(100.0);
    let world = generate(&s).unwrap();
    let seeds = seeds_of(&world);
    let both = run_compared(&s, &world, &seeds);
    let slash16 = |h: HostId| world.public_addr(world.host(h)) >> 16;
    let early = exploits_before(
        &both,
        &seeds,
        20 * 500_000 + s.worm.batch_wait.as_micros() + 1,
    );
    assert!(!early.is_empty(), "some entries share a seed's /16");
    for (t, attacker, victim) in early {
        assert_eq!(
            slash16(attacker),
            slash16(victim),
            "{attacker} exploited {victim} across a filtered /16 border at {t}"
        );
    }
}

/// A seed rebooted by its own crash (the wrong exploit sent to it by
/// another seed) ends its list; the counts still balance and both drivers
/// agree, over seeds and rates.
#[test]
fn lists_cut_short_by_reboots_still_agree() {
    let mut cut = 0;
    for (seed, rate) in [(4, 0.2), (5, 1.0), (6, 50.0)] {
        let mut s = listed(seed, 300, rate);
        s.worm.guess_xp_pct = pct(50.0);
        s.duration = SimDuration::from_secs(1800);
        let world = generate(&s).unwrap();
        let seeds = lowest_public_in(&world, &[0x3d04_f000, 0x3d05_0000, 0x3d05_0800]);
        let both = run_compared(&s, &world, &seeds);
        let t = &both.exact.result.totals;
        assert!(t.outcome(Outcome::Infected) > 0, "seed {seed}: {t:?}");
        let share_end = (100.0 / rate * 1e6) as u64;
        cut += both
            .exact
            .log
            .iter()
            .filter(|e| matches!(e, Told::WormStop(h, t) if seeds.contains(h) && *t < share_end))
            .count();
    }
    assert!(cut > 0, "no list was cut short");
}

#[test]
fn with_churn_and_a_list_the_drivers_agree() {
    let mut s = listed(7, 200, 5.0);
    s.world.churn.enabled = true;
    s.duration = SimDuration::from_secs(6 * 3600);
    let world = generate(&s).unwrap();
    let seeds = seeds_of(&world);
    run_compared(&s, &world, &seeds);
}

/// With random targets the scan after the list is the random-targets
/// driver's; the list itself is looked up the same way by every driver,
/// so the first exploits (before any host the list infected has finished
/// its chain and could interfere) are the reference's.
#[test]
fn random_targets_send_the_same_list_as_the_reference() {
    let mut s = listed(3, 60, 4.0);
    s.worm.targeting = TargetingKind::UniformRandom;
    let world: World = generate(&s).unwrap();
    let seeds = seeds_of(&world);
    let random = run_with(&s, &world, &seeds, RandomTargetsDriver::new(&world, &[]));
    let reference = run_with(
        &s,
        &world,
        &seeds,
        wormscope_reference::ReferenceDriver::new(&world),
    );
    let first_start = |r: &common::Run| {
        r.log
            .iter()
            .filter_map(|e| match *e {
                Told::WormStart(h, t) if !seeds.contains(&h) => Some(t),
                _ => None,
            })
            .min()
            .unwrap_or(u64::MAX)
    };
    let until = first_start(&random).min(first_start(&reference));
    let early = |r: &common::Run| -> Vec<_> {
        r.exploits()
            .into_iter()
            .filter(|e| e.0 < until && seeds.contains(&e.1))
            .collect()
    };
    assert!(!early(&random).is_empty(), "no early exploits to compare");
    assert_eq!(early(&random), early(&reference));
    let totals = &random.result.totals;
    assert_eq!(
        totals.by_outcome.iter().sum::<u64>(),
        totals.probes,
        "every probe has exactly one outcome"
    );
}

/// Blaster's stop date falls while the seeds send their lists: the lists
/// end there, before any scan, and the drivers agree.
#[test]
fn a_stop_date_cuts_the_lists_short_and_the_drivers_agree() {
    // Two seeds, 20 entries each, one every half second: the date at 5 s
    // lets each send the 9 entries due before it (the one due at 5 s is
    // not sent: the date comes first).
    let mut s = listed(3, 40, 2.0);
    let stop = 5_000_000;
    s.worm.stop.at = Some(wormscope_scenario::When::After(SimDuration::from_micros(
        stop,
    )));
    let world = generate(&s).unwrap();
    let seeds = seeds_of(&world);
    let both = run_compared(&s, &world, &seeds);
    assert_eq!(both.exact.result.totals.probes, 2 * 9);
    let exploits = both.exact.exploits();
    assert!(
        !exploits.is_empty(),
        "answered entries are exploited before the date"
    );
    assert!(exploits.iter().all(|e| e.0 < stop), "{exploits:?}");
}

/// A probe limit counts the scan's batches, not the list before it: each
/// seed sends its 20 entries, then five batches, and the drivers agree.
#[test]
fn a_probe_limit_counts_the_scan_after_the_list_and_the_drivers_agree() {
    let mut s = listed(3, 40, 2.0);
    s.worm.stop.after_probes = Some(100);
    let world = generate(&s).unwrap();
    let seeds = seeds_of(&world);
    let both = run_compared(&s, &world, &seeds);
    let starts = both.exact.worm_starts();
    let t = &both.exact.result.totals;
    assert!(t.probes <= 40 + starts * 100, "{t:?}, {starts} starts");
    // The seeds' own: the list, then all five batches (they run an hour).
    assert!(t.probes >= 40 + 2 * 100, "{t:?}");
}
