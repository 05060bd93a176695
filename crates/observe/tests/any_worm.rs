//! `simulate`, the one call for any worm, gives what each core's own
//! entry point gives on the scenario's seed: the same run, the same
//! sensors.

use wormscope_engine::population::simulate_population;
use wormscope_model::world::WorldError;
use wormscope_observe::{Outbreak, population_series, simulate, simulate_blaster};
use wormscope_scenario::{AnyScenario, Percent, SimDuration, builtin_population};

#[test]
fn a_random_scanning_worm_runs_on_its_seed_with_its_sensors() {
    let mut s = builtin_population("slammer").unwrap();
    s.duration = SimDuration::from_secs(4 * 60);
    s.seed = 9;
    let mut reached = 0;
    let outbreak = simulate(&AnyScenario::Population(s.clone()), &mut |t| reached = t).unwrap();
    let Outbreak::Population { run, sensors } = &outbreak else {
        panic!("a population scenario runs on the population core");
    };
    let own = simulate_population(&s, s.seed, &mut |_| {});
    assert_eq!(*run, own);
    assert_eq!(*sensors, population_series(&s, &own));
    // Slammer ships a telescope and an ISP's edge, and its outbreak is
    // under way within four minutes: neither list is empty or all zero.
    assert_eq!(outbreak.sensors().len(), 2);
    assert!(outbreak.sensors()[0].rows.iter().any(|r| r.probes > 0));
    assert_eq!(
        outbreak.infected(),
        own.rows.iter().map(|r| r.infected).collect::<Vec<_>>()
    );
    assert!(*outbreak.infected().last().unwrap() > 1_000);
    assert_eq!(outbreak.step_us(), own.step_us);
    assert_eq!(outbreak.events(), own.events);
    assert!(reached > 0, "progress was reported");

    // Another seed is another run: the seed is the scenario's.
    let mut other = s.clone();
    other.seed = 10;
    let again = simulate(&AnyScenario::Population(other), &mut |_| {}).unwrap();
    assert_ne!(again.infected(), outbreak.infected());
}

#[test]
fn blaster_runs_on_the_world_its_scenario_generates() {
    let mut s = wormscope_scenario::default_scenario();
    s.world.churn.enabled = false;
    s.seed = 5;
    s.duration = SimDuration::from_secs(2 * 3600);
    s.world.only_in = vec!["61.4.0.0/16".parse().unwrap()];
    s.world.used_slash16_pct = Percent::new(100.0).unwrap();
    s.world.networks.truncate(1);
    s.world.networks[0].share_pct = Percent::new(100.0).unwrap();
    s.world.networks[0].hosts_per_used_slash24 = 30.0;
    s.worm.initial_infected = 20;
    wormscope_scenario::check(&s).unwrap();
    let outbreak = simulate(&AnyScenario::Blaster(s.clone()), &mut |_| {}).unwrap();
    let Outbreak::Blaster { world, observed } = &outbreak else {
        panic!("a Blaster scenario runs on Blaster's core");
    };
    let own_world = wormscope_model::generate::generate(&s).unwrap();
    assert_eq!(world.hosts.len(), own_world.hosts.len());
    let own = simulate_blaster(&s, &own_world, &mut |_| {});
    assert!(observed.result.same_outbreak(&own.result));
    assert_eq!(observed.sensors, own.sensors);
    assert_eq!(outbreak.sensors().len(), s.sensors.len());
    assert_eq!(outbreak.step_us(), own.result.step);
    assert_eq!(
        outbreak.infected(),
        own.result
            .rows
            .iter()
            .map(|r| r.infected)
            .collect::<Vec<_>>()
    );
    assert!(*outbreak.infected().last().unwrap() > 20);
}

#[test]
fn a_world_too_large_is_refused_before_any_run() {
    let mut s = wormscope_scenario::default_scenario();
    for n in &mut s.world.networks {
        n.hosts_per_used_slash24 = 250.0;
    }
    s.world.used_slash16_pct = Percent::new(100.0).unwrap();
    let mut called = false;
    let err = simulate(&AnyScenario::Blaster(s), &mut |_| called = true).unwrap_err();
    assert!(matches!(err, WorldError::TooLarge { .. }), "{err}");
    assert!(!called);
}
