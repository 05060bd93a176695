//! The exact engine against the probe-by-probe reference: on small worlds
//! both must produce identical results (every row of the time series, every
//! outcome total) for the same scenario and seed. This is the proof that
//! the engine's skips are exact. Sensors watch both runs and must count the
//! same probes in every step: the observer hook is exact too.

mod common;

use std::sync::atomic::{AtomicU64, Ordering};

use common::{Both, assert_same, run_both, run_compared, small_generated};
use proptest::prelude::*;
use wormscope_engine::{Params, WormState};
use wormscope_model::blaster::{Guess, Outcome};
use wormscope_model::host::{Host, NO_SITE, Os};
use wormscope_model::service::{Firewall, Service, ServiceSet};
use wormscope_model::site::{Site, SiteKind};
use wormscope_model::world::WorldBuilder;
use wormscope_model::{HostId, World};
use wormscope_scenario::{
    BlasterScenario, CrashConfig, MaybeDuration, Percent, PortRule, Prefix, SimDuration, When,
};

#[test]
fn generated_slash14_world_agrees_with_reference() {
    let s = small_generated(11, "61.4.0.0/14", 3);
    let world = wormscope_model::generate::generate(&s).unwrap();
    let seeds = wormscope_model::generate::patient_zeros(&world, s.seed, 5);
    let (e, r) = run_both(&s, &world, &seeds);
    assert_same(&e, &r);
    // The run did something worth comparing.
    assert!(e.totals.ever_infected > 5, "{:?}", e.totals);
    assert!(e.totals.crashes > 0, "{:?}", e.totals);
    assert!(e.totals.reboots > 0, "{:?}", e.totals);
}

#[test]
fn generated_slash16_world_with_two_seeds_agrees() {
    for seed in [1, 2] {
        let s = small_generated(seed, "24.160.0.0/16", 4);
        let world = wormscope_model::generate::generate(&s).unwrap();
        let seeds = wormscope_model::generate::patient_zeros(&world, s.seed, 5);
        let (e, r) = run_both(&s, &world, &seeds);
        assert_same(&e, &r);
        assert!(e.totals.ever_infected > 5);
    }
}

/// A hand-built world with every kind of place: public hosts of each OS,
/// patched and not, NAT LANs (one with an infected host), an enterprise
/// whose border blocks 135 in, one that blocks 4444 in only (slow
/// answerers), and one that blocks 135 out.
fn mixed_world() -> (World, Vec<HostId>) {
    let mut b = WorldBuilder::new();
    let base = 0x3d10_0000u32; // 61.16.0.0
    let fw = |blocks_in: ServiceSet, blocks_out: ServiceSet| SiteKind::Enterprise {
        firewall: Firewall {
            blocks_in,
            blocks_out,
        },
    };
    let e_in = b.add_site(Site {
        kind: fw(ServiceSet::NONE.with(Service::Rpc135Tcp), ServiceSet::NONE),
        inside: Prefix::new(base + 0x0400, 24).unwrap(),
    });
    let e_shell = b.add_site(Site {
        kind: fw(
            ServiceSet::NONE.with(Service::Shell4444Tcp),
            ServiceSet::NONE,
        ),
        inside: Prefix::new(base + 0x0500, 24).unwrap(),
    });
    let e_out = b.add_site(Site {
        kind: fw(
            ServiceSet::NONE,
            ServiceSet::NONE
                .with(Service::Rpc135Tcp)
                .with(Service::Tftp69Udp),
        ),
        inside: Prefix::new(base + 0x0600, 24).unwrap(),
    });
    let oses = [Os::Xp, Os::W2000, Os::Nt4, Os::W2003, Os::Other];
    let mut k = 0u32;
    let next = |k: &mut u32| {
        *k += 1;
        *k
    };
    for i in 0..700u32 {
        let addr = base + i * 3 + (i % 7);
        if (0x0400..0x0700).contains(&(addr - base)) {
            continue;
        }
        let n = next(&mut k);
        b.add_host(Host {
            addr,
            site: NO_SITE,
            os: oses[(n % 5) as usize],
            patched: n % 4 == 0,
            rpc_open: n % 5 != 4 || n % 3 == 0,
            network: 0,
        });
    }
    for (site, off) in [(e_in, 0x0400), (e_shell, 0x0500), (e_out, 0x0600)] {
        for i in 1..60u32 {
            let n = next(&mut k);
            b.add_host(Host {
                addr: base + off + i * 4,
                site,
                os: oses[(n % 3) as usize],
                patched: n % 6 == 0,
                rpc_open: true,
                network: 0,
            });
        }
    }
    for g in 0..40u32 {
        let lan = Prefix::new(0xc0a8_0100, 24).unwrap();
        let site = b.add_site(Site {
            kind: SiteKind::Nat {
                public_addr: base + 0x0a00 + g * 5,
            },
            inside: lan,
        });
        for i in 0..3 {
            let n = next(&mut k);
            b.add_host(Host {
                addr: lan.base() + 100 + i,
                site,
                os: oses[(n % 2) as usize],
                patched: false,
                rpc_open: true,
                network: 0,
            });
        }
    }
    let world = b.build().unwrap();
    // Seed one public XP, one in the egress-blocked enterprise, and one on
    // a NAT LAN.
    let pick =
        |pred: &dyn Fn(&Host) -> bool| world.candidates().iter().position(pred).unwrap() as HostId;
    let seeds = vec![
        pick(&|h| h.site == NO_SITE && h.os == Os::Xp),
        pick(&|h| h.site == e_out && h.os.is_infectable()),
        pick(&|h| h.site != NO_SITE && h.site > e_out && h.os.is_infectable()),
    ];
    (world, seeds)
}

fn mixed_scenario() -> BlasterScenario {
    let mut s = wormscope_scenario::default_scenario();
    // Every host online all the time, as these worlds were built for
    // (churn has its own tests, `reference/tests/churn.rs`).
    s.world.churn.enabled = false;
    s.duration = SimDuration::from_secs(6 * 3600);
    s.worm.local_start_pct = Percent::new(90.0).unwrap();
    s
}

#[test]
fn mixed_world_agrees_with_reference() {
    let (world, seeds) = mixed_world();
    let s = mixed_scenario();
    let (e, r) = run_both(&s, &world, &seeds);
    assert_same(&e, &r);
    let t = e.totals;
    assert!(t.ever_infected > 3, "{t:?}");
    assert!(t.crashes > 0 && t.reboots > 0, "{t:?}");
    assert!(
        t.outcome(wormscope_model::blaster::Outcome::Stage2Failed) > 0,
        "{t:?}"
    );
}

#[test]
fn wind_up_at_every_kind_of_stop_agrees() {
    // Short runs end in the middle of spans and exploit phases; 2000 hosts
    // that reboot after 7 s stop scanners mid-span.
    let (world, seeds) = mixed_world();
    for minutes in [1, 7, 33] {
        let mut s = mixed_scenario();
        s.duration = SimDuration::from_secs(minutes * 60);
        s.step = SimDuration::from_secs(10);
        s.hosts.w2000_crash_reboot_after = MaybeDuration::After(SimDuration::from_secs(7));
        let (e, r) = run_both(&s, &world, &seeds);
        assert_same(&e, &r);
    }
}

/// A random small world: hosts scattered over a few /22s near a
/// patient zero, random OSes, patches, sites.
/// (address offset, OS index, patched, 135 open for non-Windows, place)
type ArbHost = (u32, u8, bool, bool, u8);

fn arb_world() -> impl Strategy<Value = (Vec<ArbHost>, u8)> {
    (
        prop::collection::vec(
            (0u32..4096, 0u8..5, any::<bool>(), any::<bool>(), 0u8..4),
            20..400,
        ),
        1u8..4,
    )
}

/// A random world, its patient zeros, and the exploit the first of them,
/// the *lead* (host 0), is sure to make.
struct Arb {
    world: World,
    seeds: Vec<HostId>,
    /// The lead's first exploit: (time, attacker, victim).
    sure: (u64, HostId, HostId),
}

/// Builds the random world for a run of `s`. The lead is an unpatched
/// public XP placed so that its first start (drawn from `s`'s seed: a
/// local start lands on .0 of its /24, a random one anywhere) begins at
/// the *victim*, a public host of the OS the lead's worm guesses: the
/// lead's first batch sends its first probe there at time zero and
/// exploits it at the batch's wait, before any other scanner can touch
/// it (ties go to the lower host id). Without defenses that infects it.
fn build_arb(s: &BlasterScenario, hosts: &[ArbHost], n_seeds: u8) -> Option<Arb> {
    let base = 0x5000_0000u32;
    let own = base + 0x1080; // 80.0.16.128: a local start is 80.0.16.0
    let start = Params::from_scenario(s).draw_blaster_start(0, own, false);
    // A random start does not depend on the address: put the lead in the
    // /24 it starts in (its own /16, so no ISP filter comes between).
    let (lead_addr, victim_addr) = if start.local {
        (own, start.start)
    } else if (base..base + 0x1100).contains(&start.start) {
        return None; // into the random hosts' block (odds ~1e-6)
    } else {
        (start.start | 0x80, start.start)
    };
    let mut b = WorldBuilder::new();
    b.add_host(Host {
        addr: lead_addr,
        site: NO_SITE,
        os: Os::Xp,
        patched: false,
        rpc_open: true,
        network: 0,
    });
    b.add_host(Host {
        addr: victim_addr,
        site: NO_SITE,
        os: match start.guess {
            Guess::Xp => Os::Xp,
            Guess::W2000 => Os::W2000,
        },
        patched: false,
        rpc_open: true,
        network: 0,
    });
    let ent = b.add_site(Site {
        kind: SiteKind::Enterprise {
            firewall: Firewall {
                blocks_in: ServiceSet::NONE.with(Service::Rpc135Tcp),
                blocks_out: ServiceSet::NONE,
            },
        },
        inside: Prefix::new(base + 0x0800, 22).unwrap(),
    });
    let nat = b.add_site(Site {
        kind: SiteKind::Nat {
            public_addr: base + 0x0c01,
        },
        inside: Prefix::new(0x0a00_0000, 24).unwrap(),
    });
    let oses = [Os::Xp, Os::W2000, Os::Nt4, Os::W2003, Os::Other];
    let mut used = std::collections::HashSet::from([(false, lead_addr), (false, victim_addr)]);
    for &(off, os, patched, open, place) in hosts {
        let (addr, site) = match place {
            0 | 1 => (
                base + off,
                if (0x0800..0x0c00).contains(&off) {
                    ent
                } else {
                    NO_SITE
                },
            ),
            2 => (base + 0x0800 + off % 1024, ent),
            _ => (0x0a00_0000 + 100 + off % 150, nat),
        };
        if addr == base + 0x0c01 || !used.insert((site == nat, addr)) {
            continue;
        }
        let os = oses[os as usize];
        b.add_host(Host {
            addr,
            site,
            os,
            patched,
            rpc_open: os.is_nt_family() || open,
            network: 0,
        });
    }
    let world = b.build().ok()?;
    // Candidates keep the order they were added in: the lead is host 0,
    // the victim host 1.
    assert_eq!(world.host(0).addr, lead_addr);
    assert_eq!(world.host(1).addr, victim_addr);
    let others = world
        .candidates()
        .iter()
        .enumerate()
        .skip(2)
        .filter(|(_, h)| h.os.is_infectable())
        .map(|(i, _)| i as HostId);
    let seeds = std::iter::once(0)
        .chain(others.take(n_seeds as usize - 1))
        .collect();
    let sure = (s.worm.batch_wait.as_micros(), 0, 1);
    Some(Arb { world, seeds, sure })
}

/// The exploits of a run, without their outcomes.
fn exploited(both: &Both) -> Vec<(u64, HostId, HostId)> {
    both.exact
        .exploits()
        .iter()
        .map(|&(t, a, v, _)| (t, a, v))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// Every case infects at least the lead's victim.
    #[test]
    fn random_worlds_and_parameters_agree(
        (hosts, n_seeds) in arb_world(),
        seed in any::<u64>(),
        batch in 1u32..40,
        wait_ms in 1u64..3000,
        local in 0f64..=100.0,
        minutes in 1u64..180,
        step_s in 1u64..900,
    ) {
        let mut s = wormscope_scenario::default_scenario();
        // Every host online all the time, as these worlds were built for
        // (churn has its own tests, `reference/tests/churn.rs`).
        s.world.churn.enabled = false;
        s.seed = seed;
        s.worm.batch_size = batch;
        s.worm.batch_wait = SimDuration::from_millis(wait_ms);
        s.worm.local_start_pct = Percent::new(local).unwrap();
        s.duration = SimDuration::from_secs(minutes * 60);
        s.step = SimDuration::from_secs(step_s.min(minutes * 60));
        let Some(Arb { world, seeds, sure }) = build_arb(&s, &hosts, n_seeds) else { return Ok(()) };
        let both = run_compared(&s, &world, &seeds);
        let (e, r) = (&both.exact.result, &both.reference.result);
        prop_assert_eq!(e.totals, r.totals);
        prop_assert_eq!(&e.rows, &r.rows);
        // The run did something: the lead's exploit infected its victim
        // (whose worm starts 12.3 s later, within the first minute).
        prop_assert!(e.totals.probes > 0);
        let (t, lead, victim) = sure;
        prop_assert!(both.exact.exploits().contains(&(t, lead, victim, Outcome::Infected)));
        prop_assert!(e.totals.ever_infected > seeds.len() as u64, "{:?}", e.totals);
    }
}

/// Random worlds with every defense switched on at random moments and
/// coverages, and the flaws switched at random. Every case makes the
/// lead's exploit (whose outcome the defenses decide); across the cases
/// some infect hosts beyond the patient zeros.
#[test]
fn random_worlds_with_defenses_and_flaws_agree() {
    let spread = AtomicU64::new(0);
    let stopped = AtomicU64::new(0);
    let limited = AtomicU64::new(0);
    let crashed = AtomicU64::new(0);
    proptest!(ProptestConfig::with_cases(48), |(
        (hosts, n_seeds) in arb_world(),
        seed in any::<u64>(),
        minutes in 1u64..120,
        // (on, start in seconds, coverage %) for ISP, border, host
        // firewall, DCOM, patch, cleanup.
        defenses in proptest::collection::vec((any::<bool>(), 0u64..7200, 0f64..=100.0), 6),
        users in (any::<bool>(), 0f64..=100.0, 1u64..3600),
        flaws in proptest::collection::vec(any::<bool>(), 4),
        blocks in proptest::collection::vec(any::<bool>(), 6),
        // Blaster's stop date, in seconds: after the lead's exploit; and
        // its probe limit, after the lead's first batch.
        stop in (any::<bool>(), 2u64..7200),
        limit in (any::<bool>(), 20u64..3000),
        // A payload that crashes its host: (on, probes a cycle, chance %).
        crash in (any::<bool>(), 20u64..3000, 1f64..=100.0),
    )| {
        let mut s = wormscope_scenario::default_scenario();
        // Every host online all the time, as these worlds were built for
        // (churn has its own tests, `reference/tests/churn.rs`).
        s.world.churn.enabled = false;
        s.seed = seed;
        s.duration = SimDuration::from_secs(minutes * 60);
        s.step = SimDuration::from_secs(60);
        s.worm.local_start_pct = Percent::new(90.0).unwrap();
        let when = |secs: u64| When::After(SimDuration::from_secs(secs));
        let pct = |x: f64| Percent::new(x).unwrap();
        let ports = |flags: &[bool]| -> Vec<PortRule> {
            ["135/tcp", "4444/tcp", "69/udp"]
                .iter()
                .zip(flags)
                .filter(|(_, on)| **on)
                .map(|(p, _)| p.parse().unwrap())
                .collect()
        };
        let d = &mut s.defenses;
        let (on, at, cov) = defenses[0];
        (d.isp_filter.enabled, d.isp_filter.start, d.isp_filter.coverage_pct) = (on, when(at), pct(cov));
        d.isp_filter.blocks_in = ports(&blocks[..3]);
        d.isp_filter.blocks_out = ports(&blocks[3..]);
        let (on, at, cov) = defenses[1];
        (d.border_filter.enabled, d.border_filter.start, d.border_filter.coverage_pct) = (on, when(at), pct(cov));
        d.border_filter.blocks_out = ports(&blocks[..3]);
        // The host firewall and the removal tools start after the lead's
        // victim answered (at 0 s) and the lead exploited it (at 1.8 s).
        let (on, at, cov) = defenses[2];
        (d.host_firewall.enabled, d.host_firewall.start, d.host_firewall.coverage_pct) = (on, when(at.max(2)), pct(cov));
        let (on, at, cov) = defenses[3];
        (d.dcom_disabled.enabled, d.dcom_disabled.start, d.dcom_disabled.coverage_pct) = (on, when(at), pct(cov));
        let (on, at, cov) = defenses[4];
        d.patch.enabled = on;
        d.patch.start = when(at);
        d.patch.curve = vec![(SimDuration::ZERO, pct(0.0)), (SimDuration::from_secs(3600), pct(cov))];
        let (on, at, cov) = defenses[5];
        (d.cleanup.enabled, d.cleanup.start, d.cleanup.per_day_pct) = (on, when(at.max(2)), pct(cov));
        (d.users.enabled, d.users.notice_pct, d.users.delay) = (users.0, pct(users.1), SimDuration::from_secs(users.2));
        let f = &mut s.flaws;
        (f.os_guess, f.stage2_reachback, f.flood_target, f.start_seed) = (flaws[0], flaws[1], flaws[2], flaws[3]);
        s.worm.stop.at = stop.0.then(|| when(stop.1));
        s.worm.stop.after_probes = limit.0.then_some(limit.1);
        s.worm.stop.crash = crash.0.then(|| CrashConfig { cycle_probes: crash.1, chance_pct: pct(crash.2) });
        let Some(Arb { world, seeds, sure }) = build_arb(&s, &hosts, n_seeds) else { return Ok(()) };
        let both = run_compared(&s, &world, &seeds);
        let (e, r) = (&both.exact.result, &both.reference.result);
        prop_assert_eq!(e.totals, r.totals);
        prop_assert_eq!(&e.rows, &r.rows);
        prop_assert!(e.totals.probes > 0);
        prop_assert!(exploited(&both).contains(&sure));
        spread.fetch_add(u64::from(e.totals.ever_infected > seeds.len() as u64), Ordering::Relaxed);
        if limit.0 {
            // No instance sends more than its limit's whole batches.
            let starts = both.exact.worm_starts();
            let b = u64::from(s.worm.batch_size);
            prop_assert!(e.totals.probes <= starts * limit.1.div_ceil(b) * b);
            limited.fetch_add(1, Ordering::Relaxed);
        }
        if e.totals.payload_crashes > 0 {
            // A host the payload crashed is off the network for good,
            // with the worm on its disk.
            let gone = both.exact.states.iter().filter(|h| h.unplugged && h.worm == WormState::Dormant).count();
            prop_assert_eq!(gone as u64, e.totals.payload_crashes);
            crashed.fetch_add(1, Ordering::Relaxed);
        }
        if stop.0 && stop.1 < minutes * 60 {
            // Nothing is probed from the step after the stop date on.
            let first_after = (stop.1 / 60 + 1) as usize;
            prop_assert!(e.rows[first_after.min(e.rows.len())..].iter().all(|r| r.probes == 0));
            stopped.fetch_add(1, Ordering::Relaxed);
        }
    });
    assert!(
        spread.into_inner() > 0,
        "no case infected a host beyond its patient zeros"
    );
    assert!(stopped.into_inner() > 0, "no case stopped within its run");
    assert!(limited.into_inner() > 0, "no case had a probe limit");
    assert!(
        crashed.into_inner() > 0,
        "no case crashed a host by its payload"
    );
}

/// Under `[worm.bandwidth]` each machine waits what its uplink takes to
/// carry a batch: the engine and the reference read the same draw, and the
/// faster uplinks make a faster outbreak than the scenario's fixed wait.
#[test]
fn per_host_uplinks_agree_with_reference() {
    let mut s = small_generated(11, "61.4.0.0/14", 1);
    // Ten minutes: scanners some 300 times faster than Blaster's own, and
    // the reference walks every probe.
    s.duration = SimDuration::from_secs(600);
    let fixed = {
        let world = wormscope_model::generate::generate(&s).unwrap();
        let seeds = wormscope_model::generate::patient_zeros(&world, s.seed, 5);
        run_both(&s, &world, &seeds).0
    };
    let uplink =
        |name: &str, share_pct: f64, bits_per_second: f64| wormscope_scenario::population::Uplink {
            name: name.into(),
            share_pct: Percent::new(share_pct).unwrap(),
            bits_per_second,
        };
    // Batches of 20 SYNs of 60 bytes: 6.2 ms on a T1, 1.9 ms on 5 Mbit/s,
    // against the fixed 1.8 s.
    s.worm.bandwidth = Some(wormscope_scenario::BandwidthConfig {
        probe_bytes: 60,
        uplinks: vec![
            uplink("T1", 50.0, 1_544_000.0),
            uplink("2 Mbit/s", 30.0, 2_000_000.0),
            uplink("5 Mbit/s", 20.0, 5_000_000.0),
        ],
        capacity_bits_per_second: 0.0,
    });
    wormscope_scenario::check(&s).unwrap();
    let world = wormscope_model::generate::generate(&s).unwrap();
    let seeds = wormscope_model::generate::patient_zeros(&world, s.seed, 5);
    let (e, r) = run_both(&s, &world, &seeds);
    assert_same(&e, &r);
    assert!(
        e.totals.probes > 100 * fixed.totals.probes,
        "{} probes against {} at the fixed wait",
        e.totals.probes,
        fixed.totals.probes
    );
    assert!(e.totals.ever_infected > fixed.totals.ever_infected);
}
