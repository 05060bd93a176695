//! A fit recovers a known truth: a small world simulated with a hidden
//! number of initial infections on a seed the fit does not know, a
//! sensor's counts taken as the observations, and the fit's 90 % interval
//! must hold the hidden value and be at most half the prior's width; so
//! must the truth's bands hold the hidden run's infected count at the end.
//! One case for Blaster (an edge sensor) and one for a random-scanning
//! worm (a telescope). The full coverage study (`wormscope fit --recover
//! N`) runs many such truths; these are reduced cases that can fail.

use wormscope_fit::{Fit, FitParam, Settings, observed};

/// One /12 of the default world, densely used: a few hundred hosts get
/// infected in two hours. An edge tap on the world's border sees every
/// infected host that scans out of it (most of Blaster's random starts lie
/// outside), so its distinct sources in the first minutes are close to
/// the initial infections.
const WORLD: &str = r#"
name = "recover"
seed = 3
duration = "2h"
[world]
only_in = ["61.0.0.0/12"]
used_slash16_pct = 100.0
[worm]
initial_infected = 20
[[sensors]]
name = "border"
kind = "edge"
prefix = "61.0.0.0/12"
"#;

/// A small Code Red world: 2,000 vulnerable hosts in 2^20 addresses, one
/// probe a second each, and a telescope on a quarter of the space, which
/// sees nearly every scanning host within its first minute.
const RANDOM_WORLD: &str = r#"
base = "codered2"
name = "recover-random"
seed = 3
duration = "2h"
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

const HIDDEN_SEED: u64 = 0x5eed_cafe;

fn fit_with(
    (text, origin): (&str, &str),
    param: &str,
    observations: Vec<observed::Observation>,
    seed: u64,
) -> Fit {
    let base = wormscope_scenario::parse_any(text, origin).unwrap();
    let params = vec![FitParam::parse(param, &base).unwrap()];
    Fit::new(
        text.to_string(),
        origin.into(),
        base,
        params,
        observations,
        Settings {
            proposals: 120,
            keep: 30,
            generations: 3,
            seed,
        },
    )
    .unwrap()
}

#[test]
fn a_hidden_number_of_initial_infections_is_recovered() {
    let times = [60.0, 120.0, 240.0, 600.0, 1200.0, 2400.0, 7200.0];
    recovers(
        (WORLD, "recover.toml"),
        ("worm.initial_infected=5..80", 34.0),
        "border",
        &times,
    );
}

#[test]
fn a_random_scanning_worm_s_hidden_initial_infections_are_recovered() {
    let times = [30.0, 60.0, 120.0, 300.0, 900.0, 1800.0, 7200.0];
    recovers(
        (RANDOM_WORLD, "recover-random.toml"),
        ("population.initial_infected=2..40", 17.0),
        "dark",
        &times,
    );
}

/// Fits `param` (its spec, and the hidden value the truth runs with) of
/// `world` to what `sensor` saw of the truth at `times` (the last one the
/// run's end), and checks the bands.
fn recovers(world: (&str, &str), (param, hidden): (&str, f64), sensor: &str, times: &[f64]) {
    let template: Vec<observed::Observation> = times
        .iter()
        .flat_map(|&t| {
            [
                observed::SensorMeasure::Probes,
                observed::SensorMeasure::Sources,
            ]
            .map(|measure| observed::Observation {
                time_s: t,
                sensor: sensor.into(),
                measure,
                value: 0.0,
            })
        })
        .collect();
    // The truth, on a seed the fit never draws.
    let probe = fit_with(world, param, template.clone(), 1);
    let truth = probe.simulate(&[hidden], HIDDEN_SEED).unwrap();
    let values = probe.at_observations(&truth);
    assert!(values.iter().any(|&v| v > 0.0), "the sensor saw something");
    let observations = template
        .into_iter()
        .zip(values)
        .map(|(o, value)| observed::Observation { value, ..o })
        .collect();
    let fit = fit_with(world, param, observations, 7);
    let result = fit.run(&|_| {}).unwrap();
    let band = &result.parameters[0];
    assert!(
        band.p05 <= hidden && hidden <= band.p95,
        "the 90 % interval {}..{} misses {hidden}",
        band.p05,
        band.p95
    );
    assert!(
        band.interval_to_prior <= 0.5,
        "the interval {}..{} is {:.0} % of the prior",
        band.p05,
        band.p95,
        100.0 * band.interval_to_prior
    );
    // The truth's bands: at every observation time and at the end, and
    // the hidden run's infected count at the end is inside the last one.
    assert_eq!(result.infected.len(), times.len());
    let end = result.infected.last().unwrap();
    assert_eq!(end.time_s, *times.last().unwrap());
    let hidden_end = *truth.infected.last().unwrap();
    assert!(
        end.p05 <= hidden_end && hidden_end <= end.p95,
        "{hidden_end} outside {}..{}",
        end.p05,
        end.p95
    );
    assert_eq!(result.simulations, 360);
    assert_eq!(result.draws.len(), 30);
}
