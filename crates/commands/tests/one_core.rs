//! One composition, two cores: Code Red v2's, Witty's and Slammer's pieces
//! written as Blaster scenarios (`docs/blaster-core/`) run on Blaster's
//! core and agree with the built-ins on the population core. Code Red and
//! Slammer are scaled to a tenth of the hosts at ten times the rate, which
//! keeps the random-constant-spread K (rate x hosts / 2^32) and the time
//! scale.

use std::path::Path;

use wormscope_observe::{Outbreak, simulate};
use wormscope_scenario::figure::Measure;
use wormscope_scenario::population::RateConfig;
use wormscope_scenario::{AnyScenario, BlasterScenario, Percent, PopulationScenario, SimDuration};
use wormscope_study::validate::{BlasterOutbreak, measure};

/// (K per hour, peak infections a minute, infected at 14 h, hosts) of one
/// run of each core on `seed`.
fn both(seed: u64) -> [(f64, f64, f64, f64); 2] {
    let k = Measure::LogisticK {
        from_pct: Percent::new(5.0).unwrap(),
        to_pct: Percent::new(95.0).unwrap(),
    };
    let at_14h = Measure::InfectedAt {
        at: SimDuration::from_secs(14 * 3600),
    };
    let figures = [k, Measure::PeakInfectionsPerMinute, at_14h];

    let mut blaster = composition("codered2.toml", seed);
    blaster.world.networks[0].slash24_used_pct = Percent::new(0.446).unwrap();
    blaster.worm.batch_wait = "16760us".parse().unwrap();
    // Its telescope sees a 256th of every probe, each one drawn: most of
    // the run's time, and nothing these figures read.
    blaster.sensors.clear();
    wormscope_scenario::check(&blaster).unwrap();
    let start = blaster.start;
    let stop_us = blaster
        .worm
        .stop
        .at
        .map(|at| at.after_start(start).unwrap());
    let Outbreak::Blaster { world, observed } =
        simulate(&AnyScenario::Blaster(blaster), &mut |_| {}).unwrap()
    else {
        unreachable!()
    };
    let vulnerable = u64::from(world.n_machines());
    let run = BlasterOutbreak::new(&observed.result, vulnerable, stop_us, Vec::new());
    let on_blaster = figures.each_ref().map(|m| run.measure(m, start));

    let mut codered = wormscope_scenario::builtin_population("codered2").unwrap();
    codered.seed = seed;
    codered.population.vulnerable = vulnerable;
    codered.worm.rate = RateConfig::ProbeRate {
        probes_per_second: 59.666667,
    };
    let Outbreak::Population { run, .. } =
        simulate(&AnyScenario::Population(codered.clone()), &mut |_| {}).unwrap()
    else {
        unreachable!()
    };
    let on_population = figures.each_ref().map(|m| measure(&run, m, codered.start));
    let v = vulnerable as f64;
    [
        (on_blaster[0], on_blaster[1], on_blaster[2], v),
        (on_population[0], on_population[1], on_population[2], v),
    ]
}

#[test]
fn code_reds_composition_spreads_alike_on_both_cores() {
    for seed in [1, 2] {
        let [(k_b, peak_b, end_b, hosts), (k_p, peak_p, end_p, _)] = both(seed);
        // About 36,000 servers, all infected by 14 h on both.
        assert!((33_000.0..39_000.0).contains(&hosts), "{hosts}");
        assert!(
            end_b >= 0.99 * hosts && end_p >= 0.99 * hosts,
            "{end_b} {end_p}"
        );
        // K: 59.67 probes a second x 36,000 / 2^32 = 1.80 an hour.
        let expected = 59.666667 * hosts / 2f64.powi(32) * 3600.0;
        for k in [k_b, k_p] {
            assert!((k / expected - 1.0).abs() < 0.1, "K {k} against {expected}");
        }
        assert!((k_b / k_p - 1.0).abs() < 0.05, "K {k_b} and {k_p}");
        // The peak a minute: K/4 of the hosts an hour at the logistic's
        // middle, on both.
        assert!((peak_b / peak_p - 1.0).abs() < 0.1, "{peak_b} {peak_p}");
    }
}

/// A `docs/blaster-core` file, as a Blaster scenario on `seed`.
fn composition(file: &str, seed: u64) -> BlasterScenario {
    let path = format!("../../docs/blaster-core/{file}");
    let AnyScenario::Blaster(mut blaster) = wormscope_scenario::load_any(Path::new(&path)).unwrap()
    else {
        panic!("{path} is a Blaster scenario");
    };
    blaster.seed = seed;
    blaster
}

/// `blaster`'s own figures measured on one run of it on Blaster's core,
/// and the world's vulnerable machines.
fn figures_on_blasters_core(blaster: BlasterScenario) -> (Vec<Measure>, Vec<f64>, u64) {
    let figures: Vec<Measure> = blaster
        .validation
        .iter()
        .map(|f| f.measure.clone())
        .collect();
    let start = blaster.start;
    let Outbreak::Blaster { world, observed } =
        simulate(&AnyScenario::Blaster(blaster), &mut |_| {}).unwrap()
    else {
        unreachable!()
    };
    let vulnerable = u64::from(world.n_machines());
    let run = BlasterOutbreak::new(&observed.result, vulnerable, None, Vec::new());
    let values = figures.iter().map(|m| run.measure(m, start)).collect();
    (figures, values, vulnerable)
}

/// `figures` measured on one run of `scenario` on the population core.
fn figures_on_population_core(scenario: &PopulationScenario, figures: &[Measure]) -> Vec<f64> {
    let Outbreak::Population { run, .. } =
        simulate(&AnyScenario::Population(scenario.clone()), &mut |_| {}).unwrap()
    else {
        unreachable!()
    };
    figures
        .iter()
        .map(|m| measure(&run, m, scenario.start))
        .collect()
}

/// The figures of `witty` measured on one run of each core on `seed`:
/// `docs/blaster-core/witty.toml` on Blaster's, and the built-in with as
/// many hosts as that world has on the population core's.
fn witty_on_both(seed: u64) -> [Vec<f64>; 2] {
    let (figures, on_blaster, vulnerable) =
        figures_on_blasters_core(composition("witty.toml", seed));
    let mut witty = wormscope_scenario::builtin_population("witty").unwrap();
    witty.seed = seed;
    witty.population.vulnerable = vulnerable;
    assert_eq!(
        witty
            .validation
            .iter()
            .map(|f| &f.measure)
            .collect::<Vec<_>>(),
        figures.iter().collect::<Vec<_>>(),
        "the file keeps the built-in's figures"
    );
    [on_blaster, figures_on_population_core(&witty, &figures)]
}

#[test]
fn wittys_composition_spreads_and_crashes_alike_on_both_cores() {
    for seed in [1, 2] {
        let [b, p] = witty_on_both(seed);
        // final, at 10 s, at 30 s, at 75 min, peak time (min), peak rate,
        // share scanning at 12 h (%).
        assert!((b[0] / p[0] - 1.0).abs() < 1e-9, "every host: {b:?} {p:?}");
        for i in [1, 2] {
            assert!((b[i] - p[i]).abs() <= 0.1 * p[i], "{i}: {b:?} {p:?}");
        }
        assert!((b[3] / p[3] - 1.0).abs() < 0.01, "75 min: {b:?} {p:?}");
        assert!((b[4] - p[4]).abs() <= 3.0, "peak time: {b:?} {p:?}");
        assert!((b[5] / p[5] - 1.0).abs() < 0.05, "peak rate: {b:?} {p:?}");
        assert!((b[6] - p[6]).abs() <= 3.0, "share at 12 h: {b:?} {p:?}");
    }
}

#[test]
fn witty_on_blasters_core_passes_wittys_figures() {
    let o = wormscope_commands::validate::run(
        &wormscope_commands::ValidateRequest {
            scenarios: vec!["../../docs/blaster-core/witty.toml".into()],
            runs: Some(2),
            ..Default::default()
        },
        &wormscope_commands::Silent,
    )
    .unwrap();
    assert!(
        matches!(o.verdict, wormscope_commands::CommandVerdict::Done),
        "{}",
        o.text
    );
    assert_eq!(
        o.text.lines().filter(|l| l.ends_with("PASS")).count(),
        7,
        "{}",
        o.text
    );
}

/// `slammer`'s figures (doubling, peak arrived rate, time to 90 %, final)
/// on one run of each core on `seed`: `docs/blaster-core/slammer.toml`
/// on Blaster's, scaled to a tenth of the hosts on ten times the uplinks
/// (batches of 320 keep a batch's wait over 1 ms), and the built-in with
/// as many hosts and the same uplinks on the population core's. The
/// capacity stays: saturated, the share infected grows by
/// capacity x (1 - share) / 2^32 whatever the hosts, and unsaturated by
/// rate x hosts x share x (1 - share) / 2^32, which the scaling keeps.
fn slammer_on_both(seed: u64) -> [Vec<f64>; 2] {
    let mut blaster = composition("slammer.toml", seed);
    blaster.world.networks[0].slash24_used_pct = Percent::new(0.088).unwrap();
    blaster.worm.batch_size = 320;
    let bandwidth = blaster.worm.bandwidth.as_mut().expect("uplinks");
    for u in &mut bandwidth.uplinks {
        u.bits_per_second *= 10.0;
    }
    let uplinks = bandwidth.uplinks.clone();
    let capacity = bandwidth.capacity_bits_per_second;
    assert!(capacity > 0.0, "the file's capacity");
    wormscope_scenario::check(&blaster).unwrap();
    let (figures, on_blaster, vulnerable) = figures_on_blasters_core(blaster);

    let mut slammer = wormscope_scenario::builtin_population("slammer").unwrap();
    slammer.seed = seed;
    slammer.population.vulnerable = vulnerable;
    slammer.worm.rate = RateConfig::Bandwidth {
        uplinks,
        capacity_bits_per_second: capacity,
    };
    [on_blaster, figures_on_population_core(&slammer, &figures)]
}

#[test]
fn slammers_composition_saturates_alike_on_both_cores() {
    // The network carries 61.4 Gbit/s of 404-byte packets: 19.0 M a second.
    let carried = 61_408_000_000.0 / (404.0 * 8.0);
    for seed in [1, 2] {
        // doubling from 100 to 3,000 hosts (s), final, time to 90 %
        // (min), peak arrived probes a second.
        let [b, p] = slammer_on_both(seed);
        assert!((b[1] / p[1] - 1.0).abs() < 0.01, "every host: {b:?} {p:?}");
        assert!((b[0] / p[0] - 1.0).abs() < 0.1, "doubling: {b:?} {p:?}");
        assert!((b[2] - p[2]).abs() <= 1.5, "time to 90 %: {b:?} {p:?}");
        // Saturated, both deliver what the network carries. Blaster's
        // core sets each step's share from the load as the step begins:
        // the step in which the load passes the capacity overshoots.
        assert!((p[3] / carried - 1.0).abs() < 0.01, "{p:?}");
        assert!((1.0..1.1).contains(&(b[3] / carried)), "{b:?}");
    }
}

#[test]
fn every_file_of_docs_blaster_core_is_a_blaster_scenario_with_figures() {
    let dir = Path::new("../../docs/blaster-core");
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".toml"))
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "codered2.toml",
            "slammer-unsaturated.toml",
            "slammer.toml",
            "witty.toml"
        ]
    );
    for name in names {
        match wormscope_scenario::load_any(&dir.join(&name)) {
            Ok(AnyScenario::Blaster(s)) => assert!(!s.validation.is_empty(), "{name}"),
            Ok(AnyScenario::Population(_)) => panic!("{name}: not a Blaster scenario"),
            Err(e) => panic!("{e}"),
        }
    }
}
