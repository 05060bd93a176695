//! The population core on the full-scale historical scenarios: what
//! caps Slammer is the network's capacity (a bandwidth), not a probe rate;
//! Code Red falls silent at its date; every probe is accounted for.

use wormscope_engine::population::{PopulationRun, simulate_population};
use wormscope_scenario::population::RateConfig;
use wormscope_scenario::{Percent, PopulationScenario, SimDuration, builtin_population};

fn slammer(minutes: u64, change: impl Fn(&mut RateConfig)) -> PopulationScenario {
    let mut s = builtin_population("slammer").unwrap();
    s.duration = SimDuration::from_micros(minutes * 60_000_000);
    change(&mut s.worm.rate);
    s
}

/// (peak delivered probes/s, offered probes/s in that same step).
fn peak(r: &PopulationRun) -> (f64, f64) {
    let secs = r.step_us as f64 / 1e6;
    let row = r
        .rows
        .iter()
        .max_by_key(|row| row.probes_delivered)
        .unwrap();
    (
        row.probes_delivered as f64 / secs,
        row.probes_offered as f64 / secs,
    )
}

fn conserves(r: &PopulationRun) {
    for row in &r.rows {
        assert_eq!(
            row.probes_offered,
            row.probes_delivered + row.probes_dropped
        );
        assert_eq!(
            row.probes_delivered,
            row.probes_infecting
                + row.probes_infected
                + row.probes_other
                + row.probes_empty
                + row.probes_blocked
        );
        assert_eq!(
            row.new_infections,
            row.probes_infecting + u64::from(row.time_us == r.step_us) * 5
        );
    }
}

#[test]
fn the_network_capacity_not_a_probe_rate_caps_slammer() {
    let base = simulate_population(&slammer(8, |_| {}), 1, &mut |_| {});
    conserves(&base);
    let (delivered, offered) = peak(&base);
    // The /8 telescope sees 1/256 of the delivered probes: scaled up, its
    // estimate of the peak rate is the truth within a percent.
    let secs = base.step_us as f64 / 1e6;
    let peak_row = base
        .rows
        .iter()
        .position(|r| r.probes_delivered as f64 / secs == delivered)
        .unwrap();
    let seen = base.sensors[0].probes[peak_row] as f64 * 256.0 / secs;
    assert!(
        (seen / delivered - 1.0).abs() < 0.01,
        "{seen} vs {delivered}"
    );
    // 61.408 Gbit/s of 3,232-bit packets: 19 million a second.
    assert!((delivered / 19e6 - 1.0).abs() < 1e-3, "{delivered}");
    assert!(offered > 2.0 * delivered, "saturated: offered {offered}");

    // Twice the capacity: twice the peak.
    let wider = simulate_population(
        &slammer(8, |r| {
            if let RateConfig::Bandwidth {
                capacity_bits_per_second,
                ..
            } = r
            {
                *capacity_bits_per_second *= 2.0;
            }
        }),
        1,
        &mut |_| {},
    );
    let (wider_peak, _) = peak(&wider);
    assert!((wider_peak / 38e6 - 1.0).abs() < 1e-3, "{wider_peak}");

    // Twice every uplink: the hosts offer twice as much, the network still
    // carries the same.
    let faster = simulate_population(
        &slammer(8, |r| {
            if let RateConfig::Bandwidth { uplinks, .. } = r {
                uplinks.iter_mut().for_each(|u| u.bits_per_second *= 2.0);
            }
        }),
        1,
        &mut |_| {},
    );
    let (faster_peak, faster_offered) = peak(&faster);
    assert!((faster_peak / 19e6 - 1.0).abs() < 1e-3, "{faster_peak}");
    assert!(
        faster_offered > 1.5 * offered,
        "{faster_offered} vs {offered}"
    );
}

#[test]
fn code_red_falls_silent_at_its_date_and_accounts_for_every_probe() {
    let mut s = builtin_population("codered2").unwrap();
    // A tenth of the population keeps the run short; the stop is the same.
    s.population.vulnerable = 36_000;
    let r = simulate_population(&s, 2, &mut |_| {});
    let stop = r.stop_us.unwrap();
    assert_eq!(stop, 14 * 3_600_000_000);
    for row in &r.rows {
        let start = row.time_us - r.step_us;
        if start >= stop {
            assert_eq!(
                (row.probes_offered, row.scanning, row.new_infections),
                (0, 0, 0)
            );
        } else {
            assert!(row.probes_offered > 0);
            assert_eq!(row.probes_offered, row.probes_delivered);
            assert_eq!(
                row.probes_delivered,
                row.probes_infecting
                    + row.probes_infected
                    + row.probes_other
                    + row.probes_empty
                    + row.probes_blocked
            );
        }
    }
    assert!(r.infection_times_us.iter().all(|&t| t < stop));
    // Fixed-rate probes: at 358 a minute, every host that scanned the whole
    // last hour before the stop sent 21,480 of them in it.
    let last_hour: u64 = r.rows[13 * 60..14 * 60]
        .iter()
        .map(|row| row.probes_offered)
        .sum();
    let all_hour = r
        .infection_times_us
        .iter()
        .filter(|&&t| t < 13 * 3_600_000_000 - 1_000_000)
        .count() as u64;
    assert!(
        last_hour >= all_hour * 21_479,
        "{last_hour} vs {all_hour} hosts"
    );
}

#[test]
fn patching_keeps_hosts_from_the_worm_and_slows_it() {
    // Slammer for 30 minutes: without defenses it reaches everyone.
    let base = slammer(30, |_| {});
    let free = simulate_population(&base, 1, &mut |_| {});
    conserves(&free);
    // Everyone patched from the start: only the initial hosts carry it;
    // no probe infects.
    let mut all = base.clone();
    all.defenses.patch.enabled = true;
    all.defenses.patch.curve = vec![(SimDuration::ZERO, Percent::new(100.0).unwrap())];
    let r = simulate_population(&all, 1, &mut |_| {});
    conserves(&r);
    assert_eq!(
        r.infection_times_us.len() as u64,
        all.population.initial_infected
    );
    assert_eq!(r.total(|row| row.probes_infecting), 0);
    assert!(r.total(|row| row.probes_delivered) > 0);
    // Half patched at once: about half are ever infected (binomial over
    // 75,000 hosts), and the spread is slower.
    let mut half = base.clone();
    half.defenses.patch.enabled = true;
    half.defenses.patch.curve = vec![(SimDuration::ZERO, Percent::new(50.0).unwrap())];
    let r = simulate_population(&half, 1, &mut |_| {});
    conserves(&r);
    let share = r.infection_times_us.len() as f64 / half.population.vulnerable as f64;
    let free_share = free.infection_times_us.len() as f64 / base.population.vulnerable as f64;
    assert!(free_share > 0.99, "{free_share}");
    assert!((share - 0.5).abs() < 0.02, "{share}");
}

#[test]
fn host_firewalls_spare_their_share_and_combine_with_patching() {
    let base = slammer(30, |_| {});
    let with = |firewall_pct: f64, patch_pct: Option<f64>| {
        let mut s = base.clone();
        s.defenses.host_firewall.enabled = true;
        s.defenses.host_firewall.coverage_pct = Percent::new(firewall_pct).unwrap();
        if let Some(p) = patch_pct {
            s.defenses.patch.enabled = true;
            s.defenses.patch.curve = vec![(SimDuration::ZERO, Percent::new(p).unwrap())];
        }
        let r = simulate_population(&s, 1, &mut |_| {});
        conserves(&r);
        r.infection_times_us.len() as f64 / s.population.vulnerable as f64
    };
    // Everyone firewalled from the start: only the initial hosts.
    assert_eq!(
        with(100.0, None),
        base.population.initial_infected as f64 / base.population.vulnerable as f64
    );
    // A fifth firewalled: four fifths are ever infected.
    assert!((with(20.0, None) - 0.8).abs() < 0.02);
    // A fifth firewalled and half patched, drawn independently: 0.8 × 0.5.
    assert!((with(20.0, Some(50.0)) - 0.4).abs() < 0.02);
}
