//! Each of Blaster's flaws switched off does what it says, and the exact
//! engine still agrees with the probe-by-probe reference.

mod common;

use common::{assert_same, run_both, small_generated};
use wormscope_engine::BlasterRun;
use wormscope_model::World;
use wormscope_model::blaster::Outcome;
use wormscope_model::generate::{generate, patient_zeros};
use wormscope_model::host::{Host, NO_SITE, Os};
use wormscope_model::site::{Site, SiteKind};
use wormscope_model::world::WorldBuilder;
use wormscope_scenario::{BlasterScenario, Percent, SimDuration, When};

fn pct(x: f64) -> Percent {
    Percent::new(x).unwrap()
}

/// A lively small world (as in the defense tests), one hour.
fn lively() -> BlasterScenario {
    let mut s = small_generated(11, "61.4.0.0/15", 1);
    let bb = &mut s.world.networks[0];
    bb.slash24_used_pct = pct(60.0);
    bb.hosts_per_used_slash24 = 20.0;
    bb.nat_pct = pct(10.0);
    bb.firewall_pct = pct(0.0);
    let ent = &mut s.world.networks[1];
    ent.firewall_pct = pct(0.0);
    ent.hosts_per_used_slash24 = 20.0;
    s
}

fn agreed(s: &BlasterScenario, world: &World, seeds: &[u32]) -> BlasterRun {
    let (e, r) = run_both(s, world, seeds);
    assert_same(&e, &r);
    e
}

#[test]
fn without_the_os_guess_no_host_ever_crashes() {
    let mut s = lively();
    let world = generate(&s).unwrap();
    let seeds = patient_zeros(&world, s.seed, 5);
    let with = agreed(&s, &world, &seeds);
    assert!(with.totals.crashes > 0);
    s.flaws.os_guess = false;
    let without = agreed(&s, &world, &seeds);
    assert_eq!(without.totals.crashes, 0);
    assert_eq!(without.totals.reboots, 0);
    assert!(without.totals.ever_infected >= with.totals.ever_infected);
}

/// An infected host on a NAT LAN (192.168.1.0/24) whose scan leaves its LAN
/// into public hosts just above it.
fn nat_attacker_world() -> (World, Vec<u32>) {
    let mut b = WorldBuilder::new();
    let lan = "192.168.1.0/24".parse().unwrap();
    let site = b.add_site(Site {
        kind: SiteKind::Nat {
            public_addr: 0x3d04_0001,
        },
        inside: lan,
    });
    b.add_host(Host {
        addr: 0xc0a8_0164, // 192.168.1.100
        site,
        os: Os::Xp,
        patched: false,
        rpc_open: true,
        network: 0,
    });
    for i in 0..40u32 {
        b.add_host(Host {
            addr: 0xc0a8_0200 + 5 * i, // 192.168.2.x, public here
            site: NO_SITE,
            os: Os::Xp,
            patched: false,
            rpc_open: true,
            network: 0,
        });
    }
    let world = b.build().unwrap();
    let attacker = world.hosts.iter().position(|h| h.site == site).unwrap() as u32;
    (world, vec![attacker])
}

#[test]
fn without_tftp_reachback_an_attacker_behind_nat_still_infects() {
    let mut s = wormscope_scenario::default_scenario();
    // Every host online all the time, as these worlds were built for
    // (churn has its own tests, `reference/tests/churn.rs`).
    s.world.churn.enabled = false;
    s.duration = SimDuration::from_secs(1800);
    s.worm.local_start_pct = pct(100.0);
    s.worm.guess_xp_pct = pct(100.0);
    let (world, seeds) = nat_attacker_world();
    let with = agreed(&s, &world, &seeds);
    // It names its private address: every victim's fetch fails.
    assert_eq!(with.totals.ever_infected, 1);
    assert!(with.totals.outcome(Outcome::Stage2Failed) > 0);
    s.flaws.stage2_reachback = false;
    let without = agreed(&s, &world, &seeds);
    assert!(without.totals.ever_infected > 1);
    assert_eq!(without.totals.outcome(Outcome::Stage2Failed), 0);
}

#[test]
fn without_the_flood_target_flaw_a_dns_takedown_changes_nothing() {
    let mut s = lively();
    s.start = "2003-08-16T00:00:00Z".parse().unwrap();
    s.defenses.dns_takedown.enabled = true;
    s.defenses.dns_takedown.at = When::After(SimDuration::ZERO);
    let world = generate(&s).unwrap();
    let seeds = patient_zeros(&world, s.seed, 5);
    let sent = |r: &BlasterRun| r.rows.iter().map(|r| r.flood_packets).sum::<u64>();
    assert_eq!(sent(&agreed(&s, &world, &seeds)), 0);
    s.flaws.flood_target = false;
    assert!(sent(&agreed(&s, &world, &seeds)) > 0);
}

#[test]
fn without_the_start_seed_flaw_both_drivers_still_agree() {
    // Boot starts happen after crash reboots; their draws change.
    let mut s = lively();
    let world = generate(&s).unwrap();
    let seeds = patient_zeros(&world, s.seed, 5);
    let with = agreed(&s, &world, &seeds);
    s.flaws.start_seed = false;
    let without = agreed(&s, &world, &seeds);
    assert_ne!(with.rows, without.rows);
}
