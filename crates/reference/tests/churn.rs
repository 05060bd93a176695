//! Hosts that come and go (`[world.churn]`, issue 18): the exact engine
//! held to the probe-by-probe reference with churn on, the daily cycle it
//! puts into an outbreak, and what address churn does to a sensor's count
//! of sources.

mod common;

use common::{Told, lowest_public_in, run_compared, run_with};
use wormscope_engine::exact::ExactDriver;
use wormscope_model::generate::generate;
use wormscope_scenario::{Percent, Scenario, SimDuration};

fn pct(x: f64) -> Percent {
    Percent::new(x).unwrap()
}

/// Two /20s of 24/8 (ARIN, so North American time zones) holding dense
/// subscriber pools (some behind NAT) and enterprises (`100 - pools_pct`
/// of the /16s), with churn on. The run starts at the default
/// 19:00 UTC, mid-afternoon in North America, so that offices close and
/// home machines come on during it.
fn churn_scenario(seed: u64, hours: u64, pools_pct: f64) -> Scenario {
    let mut s = wormscope_scenario::default_scenario();
    s.seed = seed;
    s.world.only_in = ["24.4.240.0/20", "24.5.0.0/20"]
        .iter()
        .map(|p| p.parse().unwrap())
        .collect();
    s.world.used_slash16_pct = pct(100.0);
    let [pools, ent, hosting] = &mut s.world.networks[..] else {
        unreachable!("the built-in world has three kinds of network")
    };
    pools.share_pct = pct(pools_pct);
    pools.slash24_used_pct = pct(100.0);
    pools.hosts_per_used_slash24 = 80.0;
    pools.patched_pct = pct(20.0);
    pools.nat_pct = pct(20.0);
    ent.share_pct = pct(100.0 - pools_pct);
    ent.firewall_pct = pct(0.0);
    ent.hosts_per_used_slash24 = 80.0;
    ent.patched_pct = pct(20.0);
    hosting.share_pct = pct(0.0);
    s.worm.local_start_pct = pct(90.0);
    s.world.churn.enabled = true;
    s.duration = SimDuration::from_secs(hours * 3600);
    s
}

/// Public infectable candidates at the bottom of each /20.
fn seeds_in(world: &wormscope_model::World) -> Vec<wormscope_model::HostId> {
    lowest_public_in(world, &[0x1804_f000, 0x1805_0000])
}

#[test]
fn with_churn_the_drivers_agree_on_everything() {
    // All pools; pools and enterprises.
    for (seed, pools_pct) in [(1, 100.0), (2, 50.0)] {
        let s = churn_scenario(seed, 5, pools_pct);
        let world = generate(&s).unwrap();
        let seeds = seeds_in(&world);
        assert_eq!(seeds.len(), 2, "seed {seed}");
        let both = run_compared(&s, &world, &seeds);
        let rows = &both.exact.result.rows;
        // Churn really happened: hosts went off and came back during the
        // run, and worms were stopped by it and started again.
        let offline: Vec<u64> = rows.iter().map(|r| r.offline).collect();
        let (lo, hi) = (offline.iter().min().unwrap(), offline.iter().max().unwrap());
        assert!(lo < hi, "seed {seed}: offline stays {lo}");
        assert!(
            both.exact.result.totals.ever_infected > 20,
            "seed {seed}: {:?}",
            both.exact.result.totals
        );
        let stops = both
            .exact
            .log
            .iter()
            .filter(|e| matches!(e, Told::WormStop(..)))
            .count();
        assert!(stops > 0, "seed {seed}: no worm went offline");
        let moved = both
            .exact
            .log
            .iter()
            .filter(|e| matches!(e, Told::Address(..)))
            .count();
        if pools_pct == 100.0 {
            assert!(moved > 0, "seed {seed}: no pool host started a worm");
        }
    }
}

/// Pearson correlation of `x` with itself `lag` entries later.
fn autocorrelation(x: &[f64], lag: usize) -> f64 {
    let (a, b) = (&x[..x.len() - lag], &x[lag..]);
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    let (ma, mb) = (mean(a), mean(b));
    let cov: f64 = a.iter().zip(b).map(|(p, q)| (p - ma) * (q - mb)).sum();
    let var = |v: &[f64], m: f64| v.iter().map(|p| (p - m) * (p - m)).sum::<f64>();
    cov / (var(a, ma) * var(b, mb)).sqrt()
}

#[test]
fn the_share_of_infected_hosts_online_follows_a_24_hour_cycle() {
    let mut s = churn_scenario(3, 4 * 24, 50.0);
    s.step = SimDuration::from_secs(3600);
    let world = generate(&s).unwrap();
    let seeds = seeds_in(&world);
    let run = run_with(&s, &world, &seeds, ExactDriver::new(&world));
    let rows = &run.result.rows;
    // From the second day, when the outbreak has spread.
    let share: Vec<f64> = rows[24..]
        .iter()
        .map(|r| r.scanning as f64 / r.infected.max(1) as f64)
        .collect();
    assert!(rows[24].infected > 20, "{:?}", run.result.totals);
    let (day, half_day) = (autocorrelation(&share, 24), autocorrelation(&share, 12));
    assert!(day > 0.6, "24 h: {day}, 12 h: {half_day}");
    assert!(day > half_day + 0.5, "24 h: {day}, 12 h: {half_day}");
    // Without churn the infected are always online and scanning.
    s.world.churn.enabled = false;
    let still = run_with(&s, &world, &seeds, ExactDriver::new(&world));
    assert!(still.result.rows.iter().all(|r| r.offline == 0));
}

#[test]
fn address_churn_makes_a_sensor_see_more_addresses_than_hosts() {
    let count = |churn: bool| {
        let mut s = churn_scenario(4, 2 * 24, 100.0);
        s.world.churn.enabled = churn;
        let world = generate(&s).unwrap();
        let seeds = seeds_in(&world);
        let run = run_with(&s, &world, &seeds, ExactDriver::new(&world));
        // The edge around the first seed's /22.
        let edge = &run.sensors[0];
        (edge.first_seen.len(), edge.hosts_first_seen.len())
    };
    let (addresses, hosts) = count(true);
    assert!(hosts > 5, "{hosts} hosts");
    assert!(addresses > hosts, "{addresses} addresses, {hosts} hosts");
    // Without churn a host has one address (hosts behind NAT share one).
    let (addresses, hosts) = count(false);
    assert!(addresses <= hosts, "{addresses} addresses, {hosts} hosts");
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(8))]
    /// Exactness under churn on varied worlds: any seed, mix of pools and
    /// enterprises, hour of the day the run starts and length; the drivers
    /// agree on everything `run_compared` compares.
    #[test]
    fn with_churn_varied_runs_agree(
        seed in 1u64..1_000,
        pools_pct in proptest::sample::select(vec![0.0, 50.0, 100.0]),
        start_hour in 0u32..24,
        hours in 1u64..7,
    ) {
        let mut s = churn_scenario(seed, hours, pools_pct);
        s.start = format!("2003-08-11T{start_hour:02}:00:00Z").parse().unwrap();
        let world = generate(&s).unwrap();
        let seeds = seeds_in(&world);
        proptest::prop_assert!(!seeds.is_empty());
        // (Whether anyone switched depends on the hour: an office world
        // at night has nobody to switch; the fixed test above holds that
        // switches happen.)
        run_compared(&s, &world, &seeds);
    }
}
