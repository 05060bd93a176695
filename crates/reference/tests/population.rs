//! The exact random-scanning driver against the probe-by-probe reference on
//! small worlds: the same distributions (two-sample Kolmogorov-Smirnov
//! tests over many seeds), and the same totals wherever a run's probes do
//! not depend on the draws.

use wormscope_engine::population::{
    PopulationCaptureError, PopulationRun, Reached, capture_population, simulate_population,
};
use wormscope_reference::population::simulate_population_reference;
use wormscope_scenario::population::RateConfig;
use wormscope_scenario::{PopulationScenario, parse_population};
use wormscope_study::validate::{ks_two_sample, time_to_share_us};

/// A world of 2^16 addresses with a telescope on its first 4,096: `extra`
/// is TOML laid over it.
fn small(base: &str, extra: &str) -> PopulationScenario {
    let text = format!(
        "base = \"{base}\"\nvalidation = []\nduration = \"20m\"\nstep = \"10s\"\n\
         sensors = []\ntelescopes = [{{ name = \"dark\", prefix = \"0.0.0.0/20\" }}]\n{extra}\n\
         [population]\nvulnerable = 200\nother_hosts = 3000\ninitial_infected = 2\n\
         scan_space_bits = 16\n"
    );
    parse_population(&text, "small.toml").unwrap()
}

const SEEDS: u64 = 150;

fn both(s: &PopulationScenario) -> (Vec<PopulationRun>, Vec<PopulationRun>) {
    let exact = (0..SEEDS)
        .map(|i| simulate_population(s, i, &mut |_| {}))
        .collect();
    let reference = (1000..1000 + SEEDS)
        .map(|i| simulate_population_reference(s, i))
        .collect();
    (exact, reference)
}

/// Asserts the two samples of `value` are not told apart at the 1 % level.
fn same_distribution(
    what: &str,
    exact: &[PopulationRun],
    reference: &[PopulationRun],
    value: impl Fn(&PopulationRun) -> f64,
) {
    let a: Vec<f64> = exact.iter().map(&value).collect();
    let b: Vec<f64> = reference.iter().map(&value).collect();
    let (d, p) = ks_two_sample(&a, &b);
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    assert!(
        p > 0.01,
        "{what}: KS D = {d:.3}, p = {p:.4}; means {} vs {}",
        mean(&a),
        mean(&b)
    );
}

fn t50(r: &PopulationRun) -> f64 {
    // Half of the population, not of the final count: a fixed target.
    let half = r.vulnerable.div_ceil(2) as usize;
    r.infection_times_us
        .get(half - 1)
        .map_or(f64::INFINITY, |&t| t as f64)
}

/// Every delivered probe has exactly one outcome, nothing is delivered
/// that was not offered, and a telescope sees only empty space.
fn conserves_probes(r: &PopulationRun) {
    for (i, row) in r.rows.iter().enumerate() {
        if let Some(dark) = r.sensors.first() {
            assert!(dark.probes[i] <= row.probes_empty);
        }
        assert_eq!(
            row.probes_delivered,
            row.probes_infecting
                + row.probes_infected
                + row.probes_other
                + row.probes_empty
                + row.probes_blocked,
            "{row:?}"
        );
        assert_eq!(
            row.probes_offered,
            row.probes_delivered + row.probes_dropped
        );
    }
    assert_eq!(
        r.total(|row| row.probes_infecting) + 2,
        r.infection_times_us.len() as u64
    );
}

/// Both drivers' runs conserve probes, and their outbreaks (time to half,
/// infected at 4 minutes, probes to other and to infected hosts) are not
/// told apart.
fn outbreaks_alike(exact: &[PopulationRun], reference: &[PopulationRun]) {
    exact.iter().chain(reference).for_each(conserves_probes);
    same_distribution("time to half", exact, reference, t50);
    same_distribution("infected at 4 min", exact, reference, |r| {
        r.infection_times_us.partition_point(|&t| t <= 240_000_000) as f64
    });
    same_distribution("probes to other hosts", exact, reference, |r| {
        r.total(|row| row.probes_other) as f64
    });
    same_distribution("probes to infected hosts", exact, reference, |r| {
        r.total(|row| row.probes_infected) as f64
    });
}

#[test]
fn fixed_rate_worms_spread_alike_probe_by_probe_and_by_skips() {
    let s = small(
        "codered2",
        "[worm.rate]\nprobes_per_second = 10.0\n[worm.stop]\n",
    );
    let (exact, reference) = both(&s);
    outbreaks_alike(&exact, &reference);
    same_distribution("probes the telescope saw", &exact, &reference, |r| {
        r.sensors[0].probes.iter().sum::<u64>() as f64
    });
}

#[test]
fn bandwidth_limited_worms_under_congestion_spread_alike() {
    // Uplinks of 3,232 and 32,320 bit/s: 1 and 10 packets a second; the
    // network carries 20 packets a second in all, so it saturates early.
    let s = small(
        "slammer",
        "[worm.rate]\nuplinks = [\n{ name = \"slow\", share_pct = 70, bits_per_second = 3232 },\n\
         { name = \"fast\", share_pct = 30, bits_per_second = 32320 },\n]\n\
         capacity_bits_per_second = 64640\n",
    );
    let (exact, reference) = both(&s);
    exact.iter().chain(&reference).for_each(conserves_probes);
    assert!(
        exact[0].total(|r| r.probes_dropped) > 0,
        "the network saturates"
    );
    same_distribution("time to half", &exact, &reference, t50);
    same_distribution("probes dropped", &exact, &reference, |r| {
        r.total(|row| row.probes_dropped) as f64
    });
    same_distribution("probes to empty space", &exact, &reference, |r| {
        r.total(|row| row.probes_empty) as f64
    });
    same_distribution(
        "probes the telescope saw in the first minute",
        &exact,
        &reference,
        |r| r.sensors[0].probes[..6].iter().sum::<u64>() as f64,
    );
}

#[test]
fn stop_rules_end_the_spread_alike() {
    // Each instance stops after 2,000 probes: not every run infects all.
    let s = small(
        "codered2",
        "[worm.rate]\nprobes_per_second = 10.0\n[worm.stop]\nafter_probes = 2000\n\
         at = \"2001-07-19T10:15:00Z\"\n",
    );
    let (exact, reference) = both(&s);
    exact.iter().chain(&reference).for_each(conserves_probes);
    same_distribution("final infected", &exact, &reference, |r| {
        r.infection_times_us.len() as f64
    });
    for r in exact.iter().chain(&reference) {
        // Nothing after the date (15 min), and nobody beyond its quota.
        assert!(r.infection_times_us.iter().all(|&t| t < 900_000_000));
        let after: u64 = r.rows[90..].iter().map(|row| row.probes_offered).sum();
        assert_eq!(after, 0);
        let quota = 2000 * r.infection_times_us.len() as u64;
        assert!(r.total(|row| row.probes_delivered) <= quota);
    }
}

/// Batches of 20 every 2 s: the rate of 10 a second that
/// [`fixed_rate_worms_spread_alike_probe_by_probe_and_by_skips`] spreads
/// at, sent Blaster's way, with a probe limit in the middle of a batch.
const BATCHES: &str = "[worm.rate]\nkind = \"batches\"\nbatch_size = 20\nbatch_wait = \"2s\"\n\
                       [worm.stop]\nafter_probes = 2990\n";

#[test]
fn batched_worms_spread_alike_probe_by_probe_and_by_skips() {
    let s = small("codered2", BATCHES);
    let (exact, reference) = both(&s);
    outbreaks_alike(&exact, &reference);
    for r in exact.iter().chain(&reference) {
        // A probe limit is checked between batches: 3,000 probes each.
        let quota = 3000 * r.infection_times_us.len() as u64;
        assert!(r.total(|row| row.probes_delivered) <= quota);
        // Every probe of a step leaves at a batch's moment: whole batches.
        assert!(r.rows.iter().all(|row| row.probes_delivered % 20 == 0));
    }
    same_distribution("probes the telescope saw", &exact, &reference, |r| {
        r.sensors[0].probes.iter().sum::<u64>() as f64
    });
}

#[test]
fn hit_lists_and_crashing_payloads_spread_alike() {
    // Two initial hosts deal a list of 20 between them at 2 a second (done
    // at 5 s), then scan at 10 probes a second; every 50 probes the payload
    // crashes its host with a 10 % chance.
    let s = small(
        "witty",
        "[worm.hit_list]\nhosts = 20\nprobes_per_second = 2\n\
         [worm.rate]\nuplinks = [{ name = \"x\", share_pct = 100, bits_per_second = 85280 }]\n\
         [worm.stop.crash]\ncycle_probes = 50\nchance_pct = 10\n",
    );
    let (exact, reference) = both(&s);
    exact.iter().chain(&reference).for_each(conserves_probes);
    for r in exact.iter().chain(&reference) {
        // The list is infected on time, whatever the draws: by 5 s, 2 + 20.
        assert!(r.infection_times_us.partition_point(|&t| t <= 5_000_000) >= 22);
        let last = r.rows.last().unwrap();
        assert!(last.scanning < last.infected, "some hosts crashed");
    }
    same_distribution("time to half", &exact, &reference, t50);
    same_distribution("final infected", &exact, &reference, |r| {
        r.infection_times_us.len() as f64
    });
    same_distribution("scanning at the end", &exact, &reference, |r| {
        r.rows.last().unwrap().scanning as f64
    });
    same_distribution("probes to infected hosts", &exact, &reference, |r| {
        r.total(|row| row.probes_infected) as f64
    });
}

#[test]
fn patched_and_firewalled_hosts_are_spared_alike() {
    // Patching from 1 minute, 60 % by 10 minutes, and a fifth of the hosts
    // firewalled from 2 minutes: the two simulators must spare the same
    // hosts in distribution.
    let s = small(
        "codered2",
        "[worm.rate]\nprobes_per_second = 10.0\n[worm.stop]\n\
         [defenses.patch]\nenabled = true\nstart = \"1m\"\n\
         curve = [[\"0h\", 0.0], [\"9m\", 60.0]]\n\
         [defenses.host_firewall]\nenabled = true\nstart = \"2m\"\ncoverage_pct = 20\n",
    );
    let (exact, reference) = both(&s);
    exact.iter().chain(&reference).for_each(conserves_probes);
    let mean = |runs: &[PopulationRun]| {
        runs.iter()
            .map(|r| r.infection_times_us.len() as f64)
            .sum::<f64>()
            / runs.len() as f64
    };
    assert!(mean(&exact) < 0.9 * 200.0, "patching spares some hosts");
    same_distribution("final infected", &exact, &reference, |r| {
        r.infection_times_us.len() as f64
    });
    same_distribution("probes to other hosts", &exact, &reference, |r| {
        r.total(|row| row.probes_other) as f64
    });
    same_distribution("infected at 6 min", &exact, &reference, |r| {
        r.infection_times_us.partition_point(|&t| t <= 360_000_000) as f64
    });
}

#[test]
fn where_probes_do_not_depend_on_draws_the_totals_are_identical() {
    // Every vulnerable host is infected at the start: no draw can change
    // who probes when, so both simulators must count the same probes, step
    // by step, with and without congestion.
    for (base, extra) in [
        ("codered2", "[worm.rate]\nprobes_per_second = 7.5\n"),
        (
            "slammer",
            "[worm.rate]\nuplinks = [{ name = \"x\", share_pct = 100, bits_per_second = 9000 }]\n\
             capacity_bits_per_second = 100000\n",
        ),
    ] {
        let mut s = small(base, extra);
        s.population.initial_infected = s.population.vulnerable;
        let exact = simulate_population(&s, 3, &mut |_| {});
        let reference = simulate_population_reference(&s, 4);
        // Where the probes went is drawn (and compared in distribution
        // above); how many there were, and when, is not.
        let key = |r: &PopulationRun| -> Vec<(u64, u64, u64, u64)> {
            r.rows
                .iter()
                .map(|row| {
                    (
                        row.probes_offered,
                        row.probes_delivered,
                        row.probes_dropped,
                        row.scanning,
                    )
                })
                .collect()
        };
        assert_eq!(key(&exact), key(&reference), "{base}");
        assert!(exact.total(|r| r.probes_delivered) > 0);
    }
}

#[test]
fn the_exact_engine_repeats_itself_and_differs_by_seed() {
    let s = small("slammer", "");
    let a = simulate_population(&s, 5, &mut |_| {});
    assert_eq!(a, simulate_population(&s, 5, &mut |_| {}));
    assert_ne!(a, simulate_population(&s, 6, &mut |_| {}));
    assert!(time_to_share_us(&a, 0.5).is_some());
}

mod any_configuration {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        /// Whatever the rates, congestion, stop rules, steps and telescopes,
        /// the reference looks at exactly the probes the core's closed form
        /// counts as delivered (it asserts so at every step), every probe
        /// has one outcome, and neither simulator panics.
        #[test]
        fn the_core_counts_exactly_the_probes_the_reference_looks_at(
            bandwidth in any::<bool>(),
            rate in 0.5f64..40.0,
            slow_bps in 3_232.0f64..40_000.0,
            capacity in prop_oneof![Just(0.0), 5_000.0f64..200_000.0],
            after in prop_oneof![Just(None), (1u64..400).prop_map(Some)],
            stop_s in prop_oneof![Just(None), (1u64..600).prop_map(Some)],
            // The steps that divide the run's ten minutes: a run is told
            // in whole steps (a partial last one is refused).
            step_s in proptest::sample::select(vec![1u64, 2, 3, 4, 5, 6, 8, 10, 12, 15, 20, 24, 25, 30, 40, 50, 60, 75]),
            initial in 1u64..5,
            list in prop_oneof![Just(None), (1u64..30).prop_map(Some)],
            crash in prop_oneof![Just(None), (1u64..300, 0.1f64..100.0).prop_map(Some)],
            local in prop_oneof![Just(None), (0.0f64..60.0, 0.0f64..40.0).prop_map(Some)],
            seed in 0u64..1_000,
        ) {
            let rate_toml = if bandwidth {
                format!(
                    "[worm.delivery]\nkind = \"udp-packet\"\nport = 1434\npacket_bytes = 404\n\
                     [worm.rate]\nkind = \"bandwidth\"\ncapacity_bits_per_second = {capacity}\n\
                     uplinks = [{{ name = \"a\", share_pct = 60, bits_per_second = {slow_bps} }},\n\
                     {{ name = \"b\", share_pct = 40, bits_per_second = {} }}]\n",
                    slow_bps * 7.0
                )
            } else {
                format!("[worm.rate]\nkind = \"probe-rate\"\nprobes_per_second = {rate}\n")
            };
            let mut stop = String::from("[worm.stop]\n");
            if let Some(n) = after {
                stop.push_str(&format!("after_probes = {n}\n"));
            }
            if let Some(s) = stop_s {
                stop.push_str(&format!("at = \"{s}s\"\n"));
            }
            if let Some((cycle, chance)) = crash {
                stop.push_str(&format!(
                    "[worm.stop.crash]\ncycle_probes = {cycle}\nchance_pct = {chance}\n"
                ));
            }
            let list_toml = list.map_or(String::new(), |n| {
                format!("[worm.hit_list]\nhosts = {n}\nprobes_per_second = {rate}\n")
            });
            // (In a space this small every window is the whole space.)
            let local_toml = local.map_or(String::new(), |(s16, s8)| {
                format!(
                    "[worm]\ntargeting = \"local-preference\"\n[worm.local_preference]\n\
                     same_slash16_pct = {s16}\nsame_slash8_pct = {s8}\n"
                )
            });
            let text = format!(
                "base = \"slammer\"\nvalidation = []\nduration = \"10m\"\nstep = \"{step_s}s\"\n\
                 sensors = []\ntelescopes = [{{ name = \"t\", prefix = \"0.0.8.0/22\" }}]\n\
                 [population]\nvulnerable = 40\nother_hosts = 300\ninitial_infected = {initial}\n\
                 scan_space_bits = 12\n{local_toml}{rate_toml}{list_toml}{stop}"
            );
            let s = parse_population(&text, "prop.toml").unwrap();
            for r in [simulate_population(&s, seed, &mut |_| {}), simulate_population_reference(&s, seed)] {
                for (i, row) in r.rows.iter().enumerate() {
                    prop_assert_eq!(
                        row.probes_delivered,
                        row.probes_infecting + row.probes_infected + row.probes_other + row.probes_empty + row.probes_blocked
                    );
                    prop_assert_eq!(row.probes_offered, row.probes_delivered + row.probes_dropped);
                    prop_assert!(r.sensors[0].probes[i] <= row.probes_empty);
                    if let Some(stop) = stop_s
                        && row.time_us - r.step_us >= stop * 1_000_000
                    {
                        prop_assert_eq!(row.probes_offered, 0);
                    }
                }
                let infected = r.infection_times_us.len() as u64;
                prop_assert_eq!(r.total(|row| row.probes_infecting) + initial, infected);
                let listed = list.unwrap_or(0);
                if let Some(n) = after {
                    prop_assert!(r.total(|row| row.probes_delivered) <= n * infected + listed);
                }
            }
        }
    }
}

#[test]
fn sensors_see_alike_probe_by_probe_and_by_skips() {
    // A telescope, a distributed sensor reporting a step late, an edge of a
    // quarter of the space and an edge nested in it.
    let text = "base = \"codered2\"\nvalidation = []\nduration = \"20m\"\nstep = \"10s\"\n\
        [worm.rate]\nprobes_per_second = 10.0\n[worm.stop]\n\
        [population]\nvulnerable = 200\nother_hosts = 3000\ninitial_infected = 2\n\
        scan_space_bits = 16\n\
        [[sensors]]\nname = \"dark\"\nkind = \"telescope\"\nprefix = \"0.0.0.0/20\"\n\
        [[sensors]]\nname = \"isc\"\nkind = \"distributed\"\naddresses = 500\nreport_delay = \"10s\"\n\
        [[sensors]]\nname = \"isp\"\nkind = \"edge\"\nprefix = \"0.0.128.0/18\"\n\
        [[sensors]]\nname = \"inner\"\nkind = \"edge\"\nprefix = \"0.0.128.0/20\"\n";
    let s = parse_population(text, "sensors.toml").unwrap();
    let (exact, reference) = both(&s);
    for r in exact.iter().chain(&reference) {
        conserves_probes(r);
        let [dark, isc, isp, inner] = &r.sensors[..] else {
            panic!("four sensors")
        };
        assert_eq!(isc.probes[0], 0, "reported a step late");
        let mut sources = [0u64; 4];
        for (i, row) in r.rows.iter().enumerate() {
            // Dark addresses hold nobody; a distributed sensor's, reported a
            // step late, are dark too.
            let isc_now = isc.probes.get(i + 1).copied().unwrap_or(0);
            assert!(dark.probes[i] + isc_now <= row.probes_empty, "row {i}");
            for (k, x) in r.sensors.iter().enumerate() {
                sources[k] += x.new_sources[i];
                assert!(sources[k] <= row.infected, "{} row {i}", x.sensor.name);
                assert!(x.incoming[i] <= x.probes[i]);
            }
            assert_eq!(dark.incoming[i], dark.probes[i]);
        }
        // Every scanning host sends most of its probes out of a /18.
        assert!(isp.probes.iter().sum::<u64>() > inner.incoming.iter().sum::<u64>());
    }
    let total = |k: usize, f: fn(&wormscope_engine::population::SeenBySensor) -> &Vec<u64>| {
        move |r: &PopulationRun| f(&r.sensors[k]).iter().sum::<u64>() as f64
    };
    let sources_by = |k: usize, rows: usize| {
        move |r: &PopulationRun| r.sensors[k].new_sources[..rows].iter().sum::<u64>() as f64
    };
    same_distribution(
        "telescope sources at 2 min",
        &exact,
        &reference,
        sources_by(0, 12),
    );
    same_distribution(
        "distributed sources",
        &exact,
        &reference,
        sources_by(1, 120),
    );
    same_distribution(
        "edge incoming probes",
        &exact,
        &reference,
        total(2, |x| &x.incoming),
    );
    same_distribution("edge probes", &exact, &reference, total(2, |x| &x.probes));
    same_distribution(
        "edge sources at 3 min",
        &exact,
        &reference,
        sources_by(2, 18),
    );
    same_distribution(
        "nested edge sources at 3 min",
        &exact,
        &reference,
        sources_by(3, 18),
    );
    same_distribution(
        "nested edge probes",
        &exact,
        &reference,
        total(3, |x| &x.probes),
    );
}

#[test]
fn an_edge_sees_its_lone_scanner_go_out_and_nothing_come_in() {
    // One infected host and nobody else to infect, in 2^20 addresses: the
    // default edge is the host's own /16, so 15/16 of its probes cross it,
    // all outgoing; a /18 telescope sees 1/64 of them.
    let text = "base = \"codered2\"\nvalidation = []\nduration = \"10m\"\nstep = \"1m\"\n\
        [worm.rate]\nprobes_per_second = 100.0\n[worm.stop]\n\
        [population]\nvulnerable = 1\nother_hosts = 0\ninitial_infected = 1\n\
        scan_space_bits = 20\n\
        [[sensors]]\nname = \"dark\"\nkind = \"telescope\"\nprefix = \"0.15.192.0/18\"\n\
        [[sensors]]\nname = \"isp-edge\"\nkind = \"edge\"\n";
    let s = parse_population(text, "lone.toml").unwrap();
    for (driver, r) in [
        ("exact", simulate_population(&s, 7, &mut |_| {})),
        ("reference", simulate_population_reference(&s, 7)),
    ] {
        let delivered = r.total(|row| row.probes_delivered) as f64;
        assert_eq!(delivered, 60_000.0 - 1.0, "{driver}: 100/s for 10 min");
        let [dark, edge] = &r.sensors[..] else {
            panic!("two sensors")
        };
        assert_eq!(edge.sensor.prefix.unwrap().prefix_len(), 16);
        let within = |seen: u64, share: f64, what: &str| {
            // Five standard deviations of a binomial.
            let (mean, sd) = (
                delivered * share,
                (delivered * share * (1.0 - share)).sqrt(),
            );
            assert!(
                (seen as f64 - mean).abs() < 5.0 * sd,
                "{driver}: {what} saw {seen}, expected {mean:.0} ± {sd:.0}"
            );
        };
        within(edge.probes.iter().sum(), 15.0 / 16.0, "the edge");
        within(dark.probes.iter().sum(), 1.0 / 64.0, "the telescope");
        assert_eq!(
            edge.incoming.iter().sum::<u64>(),
            0,
            "{driver}: nobody outside scans"
        );
        assert_eq!(edge.new_sources.iter().sum::<u64>(), 1, "{driver}");
        assert_eq!(edge.new_sources[0], 1, "{driver}: seen in its first minute");
        assert_eq!(dark.new_sources.iter().sum::<u64>(), 1, "{driver}");
    }
}

/// One infected host that sends batches of 20 every 1.8 s (Blaster's loop)
/// and nobody else to infect: each batch leaves whole at its moment, the
/// moments 1.8 s apart, and a probe limit ends the batch it falls in.
#[test]
fn a_lone_batched_scanner_sends_whole_batches_one_wait_apart() {
    let lone = |stop: &str| {
        let text = format!(
            "base = \"codered2\"\nvalidation = []\nduration = \"10m\"\nstep = \"1m\"\n\
             [worm.rate]\nkind = \"batches\"\nbatch_size = 20\nbatch_wait = \"1.8s\"\n\
             [worm.stop]\n{stop}\n\
             [population]\nvulnerable = 1\nother_hosts = 0\ninitial_infected = 1\n\
             scan_space_bits = 20\n\
             [[sensors]]\nname = \"isp-edge\"\nkind = \"edge\"\n"
        );
        parse_population(&text, "lone.toml").unwrap()
    };
    let (free, limited) = (lone(""), lone("after_probes = 30"));
    for (driver, r, capped) in [
        ("exact", simulate_population(&free, 7, &mut |_| {}), false),
        ("reference", simulate_population_reference(&free, 7), false),
        ("exact", simulate_population(&limited, 7, &mut |_| {}), true),
        (
            "reference",
            simulate_population_reference(&limited, 7),
            true,
        ),
    ] {
        // Batches at 1.8 s, 3.6 s, ... before 10 min: 333 of them; with a
        // limit of 30, the second batch is sent whole.
        let want = if capped { 40 } else { 333 * 20 };
        assert_eq!(r.total(|row| row.probes_delivered), want, "{driver}");
        assert_eq!(r.total(|row| row.probes_offered), want, "{driver}");
    }
    let c =
        capture_population(&free, 7, "isp-edge", 0, 600_000_000, u64::MAX, &mut |_| {}).unwrap();
    assert_eq!(c.engine_probes, Some(c.probes.len() as u64));
    let mut by_moment = std::collections::BTreeMap::new();
    for p in &c.probes {
        *by_moment.entry(p.time_us).or_insert(0u64) += 1;
    }
    let first = *by_moment.keys().next().unwrap();
    assert!(
        by_moment.keys().all(|t| (t - first) % 1_800_000 == 0),
        "every probe at a batch's moment: {:?}",
        by_moment.keys().take(5).collect::<Vec<_>>()
    );
    // 15/16 of each batch cross the edge: never more than a batch at once,
    // and some batch whole.
    assert!(by_moment.values().all(|&n| n <= 20));
    assert_eq!(by_moment.values().max(), Some(&20));
    assert!(by_moment.len() > 330, "{} moments", by_moment.len());
}

/// A world with a telescope, two nested edges, a distributed sensor and a
/// hit list, for captures.
fn capture_world() -> PopulationScenario {
    let text = "base = \"codered2\"\nvalidation = []\nduration = \"10m\"\nstep = \"30s\"\n\
        [worm.rate]\nprobes_per_second = 10.0\n[worm.stop]\n\
        [worm.hit_list]\nhosts = 10\nprobes_per_second = 1.0\n\
        [population]\nvulnerable = 200\nother_hosts = 3000\ninitial_infected = 2\n\
        scan_space_bits = 16\n\
        [[sensors]]\nname = \"dark\"\nkind = \"telescope\"\nprefix = \"0.0.0.0/20\"\n\
        [[sensors]]\nname = \"isc\"\nkind = \"distributed\"\naddresses = 500\nreport_delay = \"0s\"\n\
        [[sensors]]\nname = \"isp\"\nkind = \"edge\"\nprefix = \"0.0.128.0/18\"\n\
        [[sensors]]\nname = \"inner\"\nkind = \"edge\"\nprefix = \"0.0.128.0/20\"\n";
    parse_population(text, "capture.toml").unwrap()
}

#[test]
fn a_capture_holds_every_probe_its_vantage_counted_and_only_those() {
    let s = capture_world();
    let (from, to) = (120_000_000, 480_000_000);
    captures_hold_what_their_vantage_counted(&s, 20);
    let e = capture_population(&s, 1, "isc", from, to, 10, &mut |_| {}).unwrap_err();
    assert!(e.to_string().contains("`dark`, `isp`, `inner`"), "{e}");
    assert!(matches!(
        capture_population(&s, 1, "dark", to, from, 10, &mut |_| {}),
        Err(PopulationCaptureError::Window(_))
    ));
    assert_eq!(
        capture_population(&s, 1, "isp", 0, to, 3, &mut |_| {}),
        Err(PopulationCaptureError::TooManyProbes { max: 3 })
    );
}

/// Seeds `0..seeds` of `s` captured at `dark` (a telescope), `isp` and
/// `inner` (edges) from 2 to 8 minutes: each holds exactly the probes its
/// vantage counted, in time order, from infected hosts, into the space,
/// each where its vantage sees it, with an outcome its address allows.
fn captures_hold_what_their_vantage_counted(s: &PopulationScenario, seeds: u64) {
    let vulnerable = wormscope_engine::population::Placement::of(s).vulnerable;
    let space = 1u64 << s.population.scan_space_bits;
    let (from, to) = (120_000_000, 480_000_000);
    for vantage in ["dark", "isp", "inner"] {
        let mut seen_any = false;
        for seed in 0..seeds {
            let c = capture_population(s, seed, vantage, from, to, u64::MAX, &mut |_| {}).unwrap();
            assert_eq!(
                c.engine_probes,
                Some(c.probes.len() as u64),
                "{vantage} seed {seed}: the capture against the run's own count"
            );
            seen_any |= !c.probes.is_empty();
            let mut last = 0;
            for p in &c.probes {
                assert!((from..to).contains(&p.time_us), "{p:?}");
                assert!(p.time_us >= last, "in time order");
                last = p.time_us;
                assert!(
                    vulnerable.contains(&p.src),
                    "{p:?}: sources are infected hosts"
                );
                assert!(u64::from(p.dst) < space, "{p:?}: inside the scan space");
                let (src_in, dst_in) = (c.prefix.contains(p.src), c.prefix.contains(p.dst));
                match vantage {
                    "dark" => {
                        assert!(dst_in && p.incoming, "{p:?}");
                        assert_eq!(p.reached, Reached::Empty, "{p:?}: a telescope is dark");
                    }
                    _ => {
                        assert_ne!(src_in, dst_in, "{vantage} {p:?}: crosses the edge");
                        assert_eq!(p.incoming, dst_in, "{vantage} {p:?}");
                    }
                }
                let aimed_at_host = vulnerable.contains(&p.dst);
                match p.reached {
                    Reached::Infecting | Reached::Infected | Reached::Blocked => {
                        assert!(aimed_at_host, "{p:?}")
                    }
                    Reached::Empty => assert!(!aimed_at_host, "{p:?}"),
                    Reached::Other => {}
                }
            }
        }
        assert!(seen_any, "{vantage} saw something");
    }
}

#[test]
fn what_a_capture_sees_is_what_a_run_counts() {
    // Looking at the vantage's probes one by one from the window on must
    // leave the outbreak as it was: the captured probes against the
    // sensor's count in ordinary runs, over many seeds.
    let s = capture_world();
    let (from, to) = (120_000_000, 480_000_000);
    let rows = 4..16;
    let runs: Vec<PopulationRun> = (0..SEEDS)
        .map(|i| simulate_population(&s, i, &mut |_| {}))
        .collect();
    for (k, vantage) in [(0, "dark"), (2, "isp")] {
        let captured: Vec<f64> = (1000..1000 + SEEDS)
            .map(|i| {
                let c =
                    capture_population(&s, i, vantage, from, to, u64::MAX, &mut |_| {}).unwrap();
                c.probes.len() as f64
            })
            .collect();
        let counted: Vec<f64> = runs
            .iter()
            .map(|r| r.sensors[k].probes[rows.clone()].iter().sum::<u64>() as f64)
            .collect();
        let (d, p) = ks_two_sample(&captured, &counted);
        assert!(p > 0.01, "{vantage}: KS D = {d:.3}, p = {p:.4}");
    }
}

/// A world of 2^`bits` addresses (ISP blocks of /16) with an ISP filter of
/// the worm's own port laid over it by `filter`.
fn filtered(bits: u8, filter: &str) -> PopulationScenario {
    parse_population(&filtered_text(bits, filter), "isp.toml").unwrap()
}

/// [`filtered`]'s scenario file.
fn filtered_text(bits: u8, filter: &str) -> String {
    format!(
        "base = \"codered2\"\nvalidation = []\nduration = \"15m\"\nstep = \"30s\"\nsensors = []\n\
         [worm.rate]\nprobes_per_second = 10.0\n[worm.stop]\n\
         [population]\nvulnerable = 200\nother_hosts = 3000\ninitial_infected = 2\n\
         scan_space_bits = {bits}\n\
         [defenses.isp_filter]\nenabled = true\n{filter}\n"
    )
}

#[test]
fn isp_filtered_worms_spread_alike_probe_by_probe_and_by_skips() {
    let s =
        // Four /16s, about two of them filtering from 3 minutes on.
        filtered(18, "start = \"3m\"\ncoverage_pct = 50\nblocks_in = [\"80/tcp\"]\nblocks_out = []");
    filtered_spread_alike(&s);
}

/// Holds the drivers together on `s`, whose filter switches on at 3
/// minutes (six steps): time to half, infected at the end, probes blocked.
/// Returns the runs, exact ones first.
fn filtered_spread_alike(s: &PopulationScenario) -> Vec<PopulationRun> {
    let (exact, reference) = both(s);
    for r in exact.iter().chain(&reference) {
        conserves_probes(r);
        let before: u64 = r.rows[..6].iter().map(|row| row.probes_blocked).sum();
        assert_eq!(before, 0, "nothing is blocked before the filter's start");
    }
    same_distribution("time to half", &exact, &reference, t50);
    same_distribution("infected at the end", &exact, &reference, |r| {
        r.infection_times_us.len() as f64
    });
    same_distribution("probes blocked", &exact, &reference, |r| {
        r.total(|row| row.probes_blocked) as f64
    });
    exact.into_iter().chain(reference).collect()
}

/// Checks, over five seeds and both drivers, that a worm whose two
/// initial hosts are walled in by filters infects no host outside their
/// networks (addresses `>> shift`) and that the filters drop probes;
/// returns how many hosts those networks hold.
fn kept_in_first_networks(s: &PopulationScenario, shift: u32, case: &str) -> usize {
    let placement = wormscope_engine::population::Placement::of(s);
    let (first, rest) = placement.vulnerable.split_at(2);
    let home: Vec<u32> = first.iter().map(|a| a >> shift).collect();
    let reachable = 2 + rest
        .iter()
        .filter(|a| home.contains(&(*a >> shift)))
        .count();
    for seed in 0..5 {
        for (driver, r) in [
            ("exact", simulate_population(s, seed, &mut |_| {})),
            ("reference", simulate_population_reference(s, seed)),
        ] {
            conserves_probes(&r);
            let infected = r.infection_times_us.len();
            assert!(
                infected <= reachable,
                "{driver} {case}: {infected} infected, {reachable} in the first networks"
            );
            assert!(r.total(|row| row.probes_blocked) > 0, "{driver} {case}");
        }
    }
    reachable
}

#[test]
fn a_filter_on_every_block_keeps_the_worm_in_the_blocks_it_started_in() {
    for (blocks_in, blocks_out) in [
        ("[\"80/tcp\"]", "[]"),
        ("[]", "[\"*\"]"),
        ("[\"*\"]", "[\"80/tcp\"]"),
    ] {
        let s = filtered(
            20,
            &format!(
                "start = \"0h\"\ncoverage_pct = 100\nblocks_in = {blocks_in}\nblocks_out = {blocks_out}"
            ),
        );
        let mut s = s;
        s.worm.rate = RateConfig::ProbeRate {
            probes_per_second: 100.0,
        };
        let reachable = kept_in_first_networks(&s, 16, &format!("{blocks_in} {blocks_out}"));
        let outside = s.population.vulnerable as usize - reachable;
        assert!(outside > 150, "most hosts live in other blocks");
        let mut open = s.clone();
        open.defenses.isp_filter.coverage_pct = wormscope_scenario::Percent::new(0.0).unwrap();
        let unfiltered = simulate_population(&open, 0, &mut |_| {});
        assert!(
            unfiltered.infection_times_us.len() > reachable,
            "without the filter the worm leaves its first blocks"
        );
        assert_eq!(unfiltered.total(|row| row.probes_blocked), 0);
    }
    // A filter that drops another port lets everything through: refused,
    // as it would drop nothing.
    let text = "base = \"codered2\"\n[defenses.isp_filter]\nenabled = true\nblocks_in = [\"135/tcp\"]\nblocks_out = []\n";
    let e = parse_population(text, "other-port.toml").unwrap_err();
    assert_eq!(
        e.field.as_deref(),
        Some("defenses.isp_filter.blocks_in"),
        "{e}"
    );
    assert!(e.to_string().contains("80/tcp"), "{e}");
}

/// A world of 2^`bits` addresses tiled by enterprise networks as
/// `enterprises` says, with an enterprise border filter of the worm's own
/// port laid over it by `filter`.
fn border_filtered(bits: u8, enterprises: &str, filter: &str) -> PopulationScenario {
    parse_population(
        &border_filtered_text(bits, enterprises, filter),
        "border.toml",
    )
    .unwrap()
}

/// [`border_filtered`]'s scenario file.
fn border_filtered_text(bits: u8, enterprises: &str, filter: &str) -> String {
    format!(
        "base = \"codered2\"\nvalidation = []\nduration = \"15m\"\nstep = \"30s\"\nsensors = []\n\
         [worm.rate]\nprobes_per_second = 10.0\n[worm.stop]\n\
         [population]\nvulnerable = 200\nother_hosts = 3000\ninitial_infected = 2\n\
         scan_space_bits = {bits}\n\
         [population.enterprises]\n{enterprises}\n\
         [defenses.border_filter]\nenabled = true\n{filter}\n"
    )
}

#[test]
fn border_filtered_worms_spread_alike_probe_by_probe_and_by_skips() {
    // 64 networks of /20, about half of them enterprises', each filtering
    // incoming probes from 3 minutes on.
    let s = border_filtered(
        18,
        "share_pct = 50\nprefix_len = 20",
        "start = \"3m\"\ncoverage_pct = 100\nblocks_in = [\"80/tcp\"]\nblocks_out = []",
    );
    for r in filtered_spread_alike(&s) {
        assert!(
            r.total(|row| row.probes_blocked) > 0,
            "about half of the /20s filter"
        );
    }
}

#[test]
fn a_border_filter_on_every_enterprise_keeps_the_worm_in_its_networks() {
    // Every /24 of 2^20 addresses an enterprise's, every one filtering
    // from the start: the worm reaches only hosts in its first networks.
    for (blocks_in, blocks_out) in [("[\"80/tcp\"]", "[]"), ("[]", "[\"*\"]")] {
        let mut s = border_filtered(
            20,
            "share_pct = 100\nprefix_len = 24",
            &format!(
                "start = \"0h\"\ncoverage_pct = 100\nblocks_in = {blocks_in}\nblocks_out = {blocks_out}"
            ),
        );
        s.worm.rate = RateConfig::ProbeRate {
            probes_per_second: 100.0,
        };
        let reachable = kept_in_first_networks(&s, 8, &format!("{blocks_in} {blocks_out}"));
        // No enterprises, or none of them filtering: the filter drops
        // nothing, and the run is the one with an ISP filter that covers
        // no block (the same placement, the same draws), probe for probe.
        let mut open_isp = s.clone();
        open_isp.defenses.border_filter.enabled = false;
        open_isp.defenses.isp_filter.enabled = true;
        open_isp.defenses.isp_filter.coverage_pct = wormscope_scenario::Percent::new(0.0).unwrap();
        let unfiltered = simulate_population(&open_isp, 3, &mut |_| {});
        assert!(
            unfiltered.infection_times_us.len() > reachable,
            "without the filter the worm leaves its first networks"
        );
        let mut no_enterprises = s.clone();
        no_enterprises.population.enterprises.share_pct =
            wormscope_scenario::Percent::new(0.0).unwrap();
        let mut none_filtering = s.clone();
        none_filtering.defenses.border_filter.coverage_pct =
            wormscope_scenario::Percent::new(0.0).unwrap();
        for open in [no_enterprises, none_filtering] {
            assert_eq!(simulate_population(&open, 3, &mut |_| {}), unfiltered);
        }
    }
    // A filter that drops another port drops nothing: refused, naming it.
    let text = "base = \"slammer\"\n[defenses.border_filter]\nenabled = true\nblocks_in = [\"80/tcp\"]\nblocks_out = []\n";
    let e = parse_population(text, "other-port.toml").unwrap_err();
    assert_eq!(
        (e.line, e.field.as_deref()),
        (Some(4), Some("defenses.border_filter.blocks_in")),
        "{e}"
    );
    assert!(e.to_string().contains("1434/udp"), "{e}");
    let text = "base = \"witty\"\n[population.enterprises]\nprefix_len = 33\n";
    let e = parse_population(text, "long.toml").unwrap_err();
    assert_eq!(
        (e.line, e.field.as_deref()),
        (Some(3), Some("population.enterprises.prefix_len")),
        "{e}"
    );
}

/// Sensors over four /16s: a telescope and an edge inside one /16 each
/// (narrower than the ISP networks, so a filtered host still reaches them
/// from inside), a second edge nested in the first, a distributed sensor
/// spread over all, a telescope that is a whole /16 of its own, and an
/// edge around a whole /16.
const FILTERED_SENSORS: &str = "\
    [[sensors]]\nname = \"dark\"\nkind = \"telescope\"\nprefix = \"0.1.0.0/20\"\n\
    [[sensors]]\nname = \"isc\"\nkind = \"distributed\"\naddresses = 500\nreport_delay = \"0s\"\n\
    [[sensors]]\nname = \"edge\"\nkind = \"edge\"\nprefix = \"0.2.0.0/17\"\n\
    [[sensors]]\nname = \"inner\"\nkind = \"edge\"\nprefix = \"0.2.0.0/20\"\n\
    [[sensors]]\nname = \"far\"\nkind = \"telescope\"\nprefix = \"0.3.0.0/16\"\n\
    [[sensors]]\nname = \"block\"\nkind = \"edge\"\nprefix = \"0.2.0.0/16\"\n";

/// The scenario file `text` with [`FILTERED_SENSORS`] instead of none.
fn with_filtered_sensors(text: &str, what: &str) -> PopulationScenario {
    let text = text.replace("sensors = []\n", "");
    parse_population(&format!("{text}\n{FILTERED_SENSORS}"), what).unwrap()
}

/// Sensors lose the probes a filter keeps inside their scanner's network,
/// alike probe by probe and by skips: each sensor's probes and sources,
/// with an ISP filter and with an enterprise border filter dropping the
/// worm's port going out from 3 minutes on.
#[test]
fn sensors_lose_what_a_filter_keeps_in_probe_by_probe_and_by_skips() {
    let isp = filtered_text(
        18,
        "start = \"3m\"\ncoverage_pct = 50\nblocks_in = []\nblocks_out = [\"80/tcp\"]",
    );
    let border = border_filtered_text(
        18,
        "share_pct = 50\nprefix_len = 20",
        "start = \"3m\"\ncoverage_pct = 100\nblocks_in = []\nblocks_out = [\"80/tcp\"]",
    );
    for (case, s) in [("isp", isp), ("border", border)] {
        let s = with_filtered_sensors(&s, case);
        sensors_alike(case, &s);
        let exact: Vec<PopulationRun> = (0..20)
            .map(|i| simulate_population(&s, i, &mut |_| {}))
            .collect();
        // The filter takes away most of what the far telescope would see.
        let mut open = s.clone();
        open.defenses.isp_filter.enabled = false;
        open.defenses.border_filter.enabled = false;
        let far = |r: &PopulationRun| r.sensors[4].probes[18..].iter().sum::<u64>();
        let (with, without): (u64, u64) = (0..20)
            .map(|seed| {
                (
                    far(&exact[seed]),
                    far(&simulate_population(&open, seed as u64, &mut |_| {})),
                )
            })
            .fold((0, 0), |(a, b), (x, y)| (a + x, b + y));
        assert!(
            with < without * 9 / 10,
            "{case}: {with} with the filter, {without} without"
        );
    }
}

/// Holds the drivers together on `s` (`case`): each sensor's probes and
/// sources.
fn sensors_alike(case: &str, s: &PopulationScenario) {
    let (exact, reference) = both(s);
    for r in exact.iter().chain(&reference) {
        conserves_probes(r);
    }
    for (k, sensor) in s.all_sensors().iter().enumerate() {
        let name = &sensor.name;
        same_distribution(&format!("{case} {name} probes"), &exact, &reference, |r| {
            r.sensors[k].probes.iter().sum::<u64>() as f64
        });
        same_distribution(&format!("{case} {name} sources"), &exact, &reference, |r| {
            r.sensors[k].new_sources.iter().sum::<u64>() as f64
        });
    }
}

/// The same for a local-preference worm, whose probes drawn over its /8
/// or the space stay inside a filtered network by the share of each atom
/// there, and over its /16 all or in part (a /20's filter).
#[test]
fn local_preference_sensors_lose_what_a_filter_keeps_in_alike() {
    let filter = "enabled = true\nstart = \"3m\"\nblocks_in = []\nblocks_out = [\"80/tcp\"]";
    sensors_alike(
        "local isp",
        &local_preference(&format!(
            "\n[defenses.isp_filter]\ncoverage_pct = 50\n{filter}\n"
        )),
    );
    sensors_alike(
        "local border",
        &local_preference(&format!(
            "\n[population.enterprises]\nshare_pct = 50\nprefix_len = 20\n\
             [defenses.border_filter]\ncoverage_pct = 100\n{filter}\n"
        )),
    );
}

/// Every /16 filtering out from the start: a telescope that is a /16 of
/// its own (where no host lives) and an edge around a /16 see nothing, in
/// both drivers, while a
/// distributed sensor's points in the hosts' /16s still see their
/// neighbours' probes.
#[test]
fn a_filter_on_every_block_hides_the_worm_from_a_telescope_outside() {
    let s = with_filtered_sensors(
        &filtered_text(
            18,
            "start = \"0h\"\ncoverage_pct = 100\nblocks_in = []\nblocks_out = [\"80/tcp\"]",
        ),
        "all",
    );
    for seed in 0..3 {
        for (driver, r) in [
            ("exact", simulate_population(&s, seed, &mut |_| {})),
            ("reference", simulate_population_reference(&s, seed)),
        ] {
            let total = |k: usize| r.sensors[k].probes.iter().sum::<u64>();
            assert_eq!(total(4), 0, "{driver}: the far telescope");
            // Nothing crosses a filtering /16's border: not even the probes
            // aimed at its vulnerable hosts from outside.
            assert_eq!(total(5), 0, "{driver}: the edge around a /16");
            assert!(
                total(1) > 0,
                "{driver}: the distributed sensor's points near hosts"
            );
        }
        let mut open = s.clone();
        open.defenses.isp_filter.enabled = false;
        let r = simulate_population(&open, seed, &mut |_| {});
        assert!(
            r.sensors[4].probes.iter().sum::<u64>() > 0,
            "without the filter"
        );
    }
}

#[test]
fn cleaned_hosts_stop_alike_probe_by_probe_and_by_skips() {
    // About one host in three cleaned within the 20 minutes, from 2
    // minutes on.
    let s = small(
        "codered2",
        "[worm.rate]\nprobes_per_second = 10.0\n[worm.stop]\n\
         [defenses.cleanup]\nenabled = true\nstart = \"2m\"\nper_day_pct = 100\n",
    );
    let (exact, reference) = both(&s);
    for r in exact.iter().chain(&reference) {
        conserves_probes(r);
        let mut carrying = 0i64;
        for row in &r.rows {
            carrying += row.new_infections as i64 - row.cleaned as i64;
            assert_eq!(
                row.infected as i64, carrying,
                "infected counts the hosts carrying it"
            );
            assert!(row.scanning <= row.infected);
            if row.time_us <= 120_000_000 {
                assert_eq!(row.cleaned, 0, "nothing is cleaned before the start");
            }
        }
    }
    same_distribution("cleaned", &exact, &reference, |r| {
        r.total(|row| row.cleaned) as f64
    });
    same_distribution("infected at the end", &exact, &reference, |r| {
        r.rows.last().unwrap().infected as f64
    });
    same_distribution("ever infected", &exact, &reference, |r| {
        r.infection_times_us.len() as f64
    });
    same_distribution("probes", &exact, &reference, |r| {
        r.total(|row| row.probes_delivered) as f64
    });
}

#[test]
fn a_flood_reaches_its_target_alike_probe_by_probe_and_by_skips() {
    // Code Red flooding on the day it spreads (from its 10:00 start), its
    // hosts cleaned as they go, the target moving away after 15 minutes.
    let s = small(
        "codered2",
        "[worm.rate]\nprobes_per_second = 10.0\n\
         [payload]\nfirst_day = 19\nlast_day = 19\n\
         [defenses.cleanup]\nenabled = true\nstart = \"2m\"\nper_day_pct = 100\n\
         [defenses.target_move]\nenabled = true\nat = \"15m\"\n",
    );
    let (exact, reference) = both(&s);
    let flood = |r: &PopulationRun, to_us: u64| -> f64 {
        r.rows
            .iter()
            .filter(|row| row.time_us <= to_us)
            .map(|row| row.flood_packets)
            .sum::<u64>() as f64
    };
    for r in exact.iter().chain(&reference) {
        assert!(flood(r, 900_000_000) > 0.0);
        assert_eq!(
            flood(r, u64::MAX),
            flood(r, 900_000_000),
            "none after the move"
        );
    }
    same_distribution("flood packets", &exact, &reference, |r| flood(r, u64::MAX));
    same_distribution("flood in the first 5 min", &exact, &reference, |r| {
        flood(r, 300_000_000)
    });
}

#[test]
fn cleaning_brings_the_outbreak_down_from_its_peak() {
    // A cleanup that cleans a host within the hour on average, for two
    // hours: the count falls from its peak, nobody is infected twice, and
    // cleaned hosts answer as hosts that cannot be infected.
    let s = small(
        "codered2",
        "[worm.rate]\nprobes_per_second = 50.0\n[worm.stop]\n\
         [defenses.cleanup]\nenabled = true\nstart = \"0h\"\nper_day_pct = 100\n",
    );
    let mut s = s;
    s.duration = wormscope_scenario::SimDuration::from_secs(2 * 3600);
    for seed in 0..5 {
        for (driver, r) in [
            ("exact", simulate_population(&s, seed, &mut |_| {})),
            ("reference", simulate_population_reference(&s, seed)),
        ] {
            conserves_probes(&r);
            let ever = r.infection_times_us.len() as u64;
            assert!(ever <= 200, "{driver}: a host is infected once");
            assert_eq!(
                r.total(|row| row.cleaned) + r.rows.last().unwrap().infected,
                ever
            );
            let peak = r.rows.iter().map(|row| row.infected).max().unwrap();
            assert!(
                r.rows.last().unwrap().infected < peak,
                "{driver}: cleaning brings the count down from its peak {peak}"
            );
            assert!(r.total(|row| row.probes_other) > 0, "{driver}");
        }
    }
}

/// Over `slammer`: uplinks of two speeds under a network capacity that
/// congests them.
const CONGESTED: &str = "[worm.rate]\nuplinks = [\n\
    { name = \"slow\", share_pct = 70, bits_per_second = 3232 },\n\
    { name = \"fast\", share_pct = 30, bits_per_second = 32320 },\n]\n\
    capacity_bits_per_second = 64640\n";

/// Over `witty`: a hit list, and a payload that crashes its host.
const HIT_LIST_AND_CRASHES: &str = "[worm.hit_list]\nhosts = 20\nprobes_per_second = 2\n\
    [worm.rate]\nuplinks = [{ name = \"x\", share_pct = 100, bits_per_second = 85280 }]\n\
    [worm.stop.crash]\ncycle_probes = 50\nchance_pct = 10\n";

/// `extra` laid over a permutation-scanning worm of [`small`]'s world.
fn permutation(base: &str, extra: &str) -> PopulationScenario {
    small(
        base,
        &format!("[worm]\ntargeting = \"permutation\"\n[worm.permutation]\nkey = 12345\n{extra}"),
    )
}

/// The rows' counts that do not depend on which empty or silent address a
/// probe found: what reached vulnerable hosts, and when.
fn outbreak_counts(r: &PopulationRun) -> Vec<[u64; 8]> {
    r.rows
        .iter()
        .map(|row| {
            [
                row.infected,
                row.new_infections,
                row.scanning,
                row.probes_delivered,
                row.probes_dropped,
                row.probes_infecting,
                row.probes_infected,
                row.probes_blocked,
            ]
        })
        .collect()
}

/// Runs seed `seed` of `s` with the exact driver and the reference, and
/// holds them to the same outbreak: the same infection times and the same
/// rows but for where the probes that reached no vulnerable host went.
fn same_outbreak(what: &str, s: &PopulationScenario, seed: u64) -> (PopulationRun, PopulationRun) {
    let exact = simulate_population(s, seed, &mut |_| {});
    let reference = simulate_population_reference(s, seed);
    conserves_probes(&exact);
    conserves_probes(&reference);
    assert_eq!(
        exact.infection_times_us, reference.infection_times_us,
        "{what}, seed {seed}: infection times"
    );
    assert_eq!(
        outbreak_counts(&exact),
        outbreak_counts(&reference),
        "{what}, seed {seed}: the rows' outbreak counts"
    );
    (exact, reference)
}

/// A permutation walk decides which vulnerable host each probe reaches and
/// where an instance jumps: the exact driver, which skips to those probes,
/// and the reference, which walks every address with the model's
/// `PermutationScan`, must make the same run of it, seed for seed, whatever
/// the rate, congestion, hit list, crashes or defenses.
#[test]
fn a_permutation_walk_is_the_same_run_probe_by_probe_and_by_skips() {
    let worlds = [
        (
            "fixed rate",
            permutation(
                "codered2",
                "[worm.rate]\nprobes_per_second = 10.0\n[worm.stop]\n",
            ),
        ),
        ("congested", permutation("slammer", CONGESTED)),
        (
            "hit list and crashes",
            permutation("witty", HIT_LIST_AND_CRASHES),
        ),
        (
            "patched",
            permutation(
                "codered2",
                "[worm.rate]\nprobes_per_second = 10.0\n[worm.stop]\n\
                 [defenses.patch]\nenabled = true\n",
            ),
        ),
    ];
    for (what, s) in &worlds {
        let mut jumps = 0;
        for seed in 0..12 {
            let (exact, reference) = same_outbreak(what, s, seed);
            let unlooked = |r: &PopulationRun| r.total(|row| row.probes_other + row.probes_empty);
            assert_eq!(
                unlooked(&exact),
                unlooked(&reference),
                "{what}, seed {seed}"
            );
            jumps += exact.total(|row| row.probes_infected);
        }
        // Each probe to an infected host is a jump: the walks did jump.
        assert!(jumps > 0, "{what}: no instance found another's host");
    }
}

/// What the walks show the telescope between vulnerable hosts is drawn by
/// the exact driver and walked by the reference: the same distribution.
#[test]
fn a_permutation_walk_shows_the_sensors_alike_probe_by_probe_and_by_skips() {
    let keyed = |key: u64| {
        small(
            "codered2",
            &format!(
                "[worm]\ntargeting = \"permutation\"\n[worm.permutation]\nkey = {key}\n\
                 [worm.rate]\nprobes_per_second = 10.0\n[worm.stop]\n"
            ),
        )
    };
    let exact: Vec<PopulationRun> = (0..SEEDS)
        .map(|i| simulate_population(&keyed(i), i, &mut |_| {}))
        .collect();
    let reference: Vec<PopulationRun> = (1000..1000 + SEEDS)
        .map(|i| simulate_population_reference(&keyed(i), i))
        .collect();
    exact.iter().chain(&reference).for_each(conserves_probes);
    same_distribution("probes the telescope saw", &exact, &reference, |r| {
        r.sensors[0].probes.iter().sum::<u64>() as f64
    });
    same_distribution("sources the telescope saw", &exact, &reference, |r| {
        r.sensors[0].new_sources.iter().sum::<u64>() as f64
    });
    same_distribution("probes to other hosts", &exact, &reference, |r| {
        r.total(|row| row.probes_other) as f64
    });
}

/// Permutation scanning's point (Staniford, Paxson and Weaver 2002):
/// instances that jump away from each other's ground leave no host
/// unprobed for long, where uniform draws leave the last few to chance.
#[test]
fn a_permutation_walk_reaches_the_last_hosts_sooner_than_uniform_draws() {
    let extra = "[worm.rate]\nprobes_per_second = 10.0\n[worm.stop]\n";
    let last = |s: &PopulationScenario| {
        let mut t: Vec<f64> = (0..40)
            .map(|seed| {
                let r = simulate_population(s, seed, &mut |_| {});
                assert_eq!(
                    r.infection_times_us.len() as u64,
                    r.vulnerable,
                    "all infected"
                );
                *r.infection_times_us.last().unwrap() as f64
            })
            .collect();
        t.sort_by(f64::total_cmp);
        t[t.len() / 2]
    };
    let walked = last(&permutation("codered2", extra));
    let drawn = last(&small("codered2", extra));
    assert!(
        walked < drawn,
        "median time to the last host: {walked} µs walking, {drawn} µs drawing"
    );
}

/// A local-preference worm (Code Red II's way) in a space of four /16s:
/// a telescope in the first, an edge around the second and one nested in
/// it, a distributed sensor; `extra` is TOML laid over it.
fn local_preference(extra: &str) -> PopulationScenario {
    let text = format!(
        "base = \"codered2\"\nvalidation = []\nduration = \"20m\"\nstep = \"10s\"\n\
         [worm]\ntargeting = \"local-preference\"\n\
         [worm.local_preference]\nsame_slash16_pct = 37.5\nsame_slash8_pct = 50\n\
         [worm.rate]\nprobes_per_second = 10.0\n[worm.stop]\n\
         [population]\nvulnerable = 200\nother_hosts = 3000\ninitial_infected = 2\n\
         scan_space_bits = 18\n\
         [[sensors]]\nname = \"dark\"\nkind = \"telescope\"\nprefix = \"0.0.0.0/20\"\n\
         [[sensors]]\nname = \"isc\"\nkind = \"distributed\"\naddresses = 500\nreport_delay = \"0s\"\n\
         [[sensors]]\nname = \"isp\"\nkind = \"edge\"\nprefix = \"0.1.0.0/16\"\n\
         [[sensors]]\nname = \"inner\"\nkind = \"edge\"\nprefix = \"0.1.0.0/18\"\n{extra}"
    );
    parse_population(&text, "local.toml").unwrap()
}

#[test]
fn local_preference_worms_spread_and_show_alike_probe_by_probe_and_by_skips() {
    local_preference_spreads_alike(&local_preference(""));
}

/// The same in a population gathered in six /20s (a /16's windows then
/// hold from none to all of a cluster).
#[test]
fn clustered_local_preference_worms_spread_and_show_alike() {
    let s = local_preference("[population.clusters]\nprefix_len = 20\ncount = 6\n");
    let placed = wormscope_engine::population::Placement::of(&s).vulnerable;
    let mut blocks: Vec<u32> = placed.iter().map(|a| a >> 12).collect();
    blocks.sort_unstable();
    blocks.dedup();
    assert_eq!(blocks.len(), 6, "the hosts fill their six /20s");
    local_preference_spreads_alike(&s);
}

fn local_preference_spreads_alike(s: &PopulationScenario) {
    let (exact, reference) = both(s);
    outbreaks_alike(&exact, &reference);
    for (k, name) in ["dark", "isc", "isp", "inner"].into_iter().enumerate() {
        same_distribution(&format!("{name} probes"), &exact, &reference, |r| {
            r.sensors[k].probes.iter().sum::<u64>() as f64
        });
        same_distribution(
            &format!("{name} sources at 3 min"),
            &exact,
            &reference,
            |r| r.sensors[k].new_sources[..18].iter().sum::<u64>() as f64,
        );
    }
    same_distribution("edge incoming probes", &exact, &reference, |r| {
        r.sensors[2].incoming.iter().sum::<u64>() as f64
    });
}

/// Every host scanning from the start: a probe crosses the edge around
/// the second /16 with the chance its windows give, from inside
/// (3/8 · 0 + 5/8 · 3/4 of its probes leave) and from outside (5/8 · 1/4
/// arrive), which uniform targets (3/4 and 1/4) do not share. Both drivers
/// hold to it, and so the edge's share of the probes tells the targetings
/// apart.
#[test]
fn local_preference_keeps_probes_near_home() {
    let mut local = local_preference("");
    local.population.initial_infected = local.population.vulnerable;
    let uniform = {
        let mut u = local.clone();
        u.worm.targeting = wormscope_scenario::UNIFORM_RANDOM.into();
        u
    };
    let placed = wormscope_engine::population::Placement::of(&local).vulnerable;
    let inside = placed.iter().filter(|&&a| a >> 16 == 1).count() as f64;
    let n = placed.len() as f64;
    let crossing = |leave: f64, arrive: f64| (inside * leave + (n - inside) * arrive) / n;
    let want_local = crossing(0.625 * 0.75, 0.625 * 0.25);
    let want_uniform = crossing(0.75, 0.25);
    let share = |r: &PopulationRun| {
        r.sensors[2].probes.iter().sum::<u64>() as f64 / r.total(|row| row.probes_delivered) as f64
    };
    for (name, s, want) in [
        ("local", &local, want_local),
        ("uniform", &uniform, want_uniform),
    ] {
        let exact: Vec<f64> = (0..20)
            .map(|i| share(&simulate_population(s, i, &mut |_| {})))
            .collect();
        let reference: Vec<f64> = (0..20)
            .map(|i| share(&simulate_population_reference(s, 100 + i)))
            .collect();
        for (driver, got) in [("exact", exact), ("reference", reference)] {
            let mean = got.iter().sum::<f64>() / got.len() as f64;
            // 200 hosts x 12,000 probes each: the mean is within 1 % of its
            // expectation many times over.
            assert!(
                (mean - want).abs() < 0.01 * want,
                "{name} {driver}: edge share {mean:.4}, expected {want:.4}"
            );
        }
    }
    assert!(
        want_local < 0.8 * want_uniform,
        "{want_local} vs {want_uniform}"
    );
}

#[test]
fn a_local_preference_capture_holds_what_its_vantage_counted() {
    // Gathered, so that many probes stay in a host's own /16.
    let s = local_preference(
        "[worm.hit_list]\nhosts = 10\nprobes_per_second = 1.0\n\
         [population.clusters]\nprefix_len = 20\ncount = 6\n",
    );
    captures_hold_what_their_vantage_counted(&s, 10);
}

/// In a space of two /8s, what a host's edge captures going out lands in
/// the other /8 only by a draw over the whole space (1/8 of the draws,
/// half of them there), never by one over its own /8 (1/2) or /16 (3/8,
/// never out): 0.0625 / (0.5 (1 - 2^-8) + 0.125 (1 - 2^-9)) of them.
#[test]
fn a_captured_probe_lies_in_the_window_it_was_drawn_from() {
    let text = "base = \"codered2\"\nvalidation = []\nduration = \"10m\"\nstep = \"10s\"\n\
        [worm]\ntargeting = \"local-preference\"\n\
        [worm.local_preference]\nsame_slash16_pct = 37.5\nsame_slash8_pct = 50\n\
        [worm.rate]\nprobes_per_second = 10.0\n[worm.stop]\n\
        [population]\nvulnerable = 200\nother_hosts = 3000\ninitial_infected = 2\n\
        scan_space_bits = 25\n\
        [population.clusters]\nprefix_len = 20\ncount = 1\n\
        [[sensors]]\nname = \"isp\"\nkind = \"edge\"\n";
    let s = parse_population(text, "windows.toml").unwrap();
    let (mut out, mut far) = (0u64, 0u64);
    for seed in 0..3 {
        let c = capture_population(&s, seed, "isp", 0, 600_000_000, u64::MAX, &mut |_| {}).unwrap();
        for p in c.probes.iter().filter(|p| !p.incoming) {
            out += 1;
            far += u64::from(p.src >> 24 != p.dst >> 24);
        }
    }
    let want = 0.0625 / (0.5 * (1.0 - 1.0 / 256.0) + 0.125 * (1.0 - 1.0 / 512.0));
    let got = far as f64 / out as f64;
    let sd = (want * (1.0 - want) / out as f64).sqrt();
    assert!(out > 10_000, "{out} probes out");
    assert!(
        (got - want).abs() < 5.0 * sd,
        "{far} of {out} outgoing probes in the other /8: {got:.4}, expected {want:.4}"
    );
}

/// The live hosts a probe finds sit where the population lives: Code Red's
/// in the /8s allocated by July 2001, while its probes reach all of IPv4.
#[test]
fn live_hosts_a_capture_reaches_sit_in_allocated_space() {
    let s = wormscope_scenario::builtin_population("codered2").unwrap();
    let allocated = wormscope_scenario::population::HostsIn::slash8s(&s).unwrap();
    let in_allocated = |a: u32| allocated.contains(&((a >> 24) as u8));
    let hour = 3_600_000_000;
    let c =
        capture_population(&s, 1, "isp-edge", 6 * hour, 8 * hour, u64::MAX, &mut |_| {}).unwrap();
    let live: Vec<_> = c
        .probes
        .iter()
        .filter(|p| matches!(p.reached, Reached::Other | Reached::Infected))
        .collect();
    assert!(live.len() > 20, "{} probes found a live host", live.len());
    assert!(live.iter().all(|p| in_allocated(p.dst)), "{live:?}");
    assert!(
        c.probes
            .iter()
            .any(|p| p.reached == Reached::Empty && !in_allocated(p.dst)),
        "the worm scans unallocated space too"
    );
}

/// `extra` laid over a sequentially scanning worm (Blaster's way) of
/// [`small`]'s world.
fn sequential(base: &str, extra: &str) -> PopulationScenario {
    small(
        base,
        &format!("[worm]\ntargeting = \"sequential\"\n{extra}"),
    )
}

/// Each sensor's counts, row by row: probes, incoming, new sources.
fn sensor_counts(r: &PopulationRun) -> Vec<(String, [Vec<u64>; 3])> {
    r.sensors
        .iter()
        .map(|x| {
            (
                x.sensor.name.clone(),
                [x.probes.clone(), x.incoming.clone(), x.new_sources.clone()],
            )
        })
        .collect()
}

/// A sequential walk decides every probe's address. The exact driver looks
/// only at the probes that reach a vulnerable host or show the host to a
/// sensor, and counts the rest by where the walk put them; the reference
/// walks every address. They must make the same run of it, seed for seed:
/// the same outbreak and the same counts at every sensor, row by row,
/// whatever the rate, congestion, hit list, crashes, defenses, filters
/// and sensors. Only which live addresses hold other hosts is drawn by
/// one and placed by the other, so other and empty are compared summed.
#[test]
fn a_sequential_walk_is_the_same_run_probe_by_probe_and_by_skips() {
    let with_sensors = |text: String, what: &str| with_filtered_sensors(&text, what);
    // Walks that go round the whole space (2^16 addresses) in a step:
    // 72,000 probes.
    let mut laps = sequential(
        "codered2",
        "[worm.rate]\nprobes_per_second = 120.0\n[worm.stop]\n",
    );
    laps.duration = wormscope_scenario::SimDuration::from_secs(600);
    laps.step = laps.duration;
    // Each world with its seeds (the laps are long for the reference).
    let worlds = [
        ("laps of the space in a step", laps, 2),
        (
            "fixed rate",
            sequential(
                "codered2",
                "[worm.rate]\nprobes_per_second = 10.0\n[worm.stop]\n",
            ),
            6,
        ),
        (
            "every start local",
            sequential(
                "codered2",
                "[worm.sequential]\nlocal_start_pct = 100\n\
                 [worm.rate]\nprobes_per_second = 10.0\n[worm.stop]\n",
            ),
            6,
        ),
        ("congested", sequential("slammer", CONGESTED), 6),
        (
            "batches and a probe limit",
            sequential("codered2", BATCHES),
            6,
        ),
        (
            "hit list and crashes",
            sequential("witty", HIT_LIST_AND_CRASHES),
            6,
        ),
        (
            "patched and cleaned",
            sequential(
                "codered2",
                "[worm.rate]\nprobes_per_second = 10.0\n[worm.stop]\n\
                 [defenses.patch]\nenabled = true\n\
                 [defenses.cleanup]\nenabled = true\nstart = \"5m\"\nper_day_pct = 99\n",
            ),
            6,
        ),
        (
            "isp filter, every sensor kind",
            with_sensors(
                filtered_text(
                    18,
                    "start = \"3m\"\ncoverage_pct = 50\nblocks_in = []\nblocks_out = [\"80/tcp\"]",
                )
                .replace(
                    "[worm.rate]",
                    "[worm]\ntargeting = \"sequential\"\n[worm.rate]",
                ),
                "isp",
            ),
            6,
        ),
        (
            "border filter, every sensor kind",
            with_sensors(
                border_filtered_text(
                    18,
                    "share_pct = 50\nprefix_len = 20",
                    "start = \"3m\"\ncoverage_pct = 100\nblocks_in = []\nblocks_out = [\"80/tcp\"]",
                )
                .replace(
                    "[worm.rate]",
                    "[worm]\ntargeting = \"sequential\"\n[worm.rate]",
                ),
                "border",
            ),
            6,
        ),
    ];
    for (what, s, seeds) in &worlds {
        let (mut spread, mut seen) = (0, 0);
        for seed in 0..*seeds {
            let (exact, reference) = same_outbreak(what, s, seed);
            let unlooked = |r: &PopulationRun| {
                r.rows
                    .iter()
                    .map(|row| row.probes_other + row.probes_empty)
                    .collect::<Vec<_>>()
            };
            assert_eq!(
                unlooked(&exact),
                unlooked(&reference),
                "{what}, seed {seed}: probes to other hosts and to none, by row"
            );
            assert_eq!(
                sensor_counts(&exact),
                sensor_counts(&reference),
                "{what}, seed {seed}: the sensors' counts"
            );
            // The exact driver skipped over most probes.
            assert!(
                exact.events * 5 < reference.events,
                "{what}, seed {seed}: {} events against {}",
                exact.events,
                reference.events
            );
            spread += exact.infection_times_us.len() as u64 - 2;
            seen += exact
                .sensors
                .iter()
                .map(|x| x.probes.iter().sum::<u64>())
                .sum::<u64>();
        }
        assert!(spread > 0, "{what}: the worm spread");
        assert!(seen > 0, "{what}: the sensors saw it");
    }
}

/// A capture of a sequential walk holds what its vantage counted, and
/// shows each walk as it is: a scanner's probes into the telescope are
/// consecutive addresses, one a probe interval after the other.
#[test]
fn a_sequential_capture_shows_each_walk_address_by_address() {
    let mut s = capture_world();
    s.worm.targeting = wormscope_scenario::SEQUENTIAL.into();
    // Every walk starts in its own /24's neighbourhood: some are in the
    // telescope's /20 or reach it.
    s.worm.sequential = Some(wormscope_scenario::SequentialConfig {
        local_start_pct: wormscope_scenario::Percent::new(100.0).unwrap(),
    });
    captures_hold_what_their_vantage_counted(&s, 12);
    let mut walked = 0;
    for seed in 0..12 {
        let c =
            capture_population(&s, seed, "dark", 0, 600_000_000, u64::MAX, &mut |_| {}).unwrap();
        let mut last: std::collections::HashMap<u32, (u64, u32)> = Default::default();
        for p in &c.probes {
            if let Some(&(t, dst)) = last.get(&p.src) {
                assert_eq!(p.dst, dst + 1, "seed {seed} {p:?}: the next address");
                assert_eq!(p.time_us - t, 100_000, "seed {seed} {p:?}: the next probe");
                walked += 1;
            }
            last.insert(p.src, (p.time_us, p.dst));
        }
    }
    assert!(walked > 1000, "walks crossed the telescope: {walked}");
}
