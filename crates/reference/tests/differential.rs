//! The exact engine against the probe-by-probe reference: on small worlds
//! both must produce identical results (every row of the time series, every
//! outcome total) for the same scenario and seed. This is the proof that
//! the engine's skips are exact. Sensors watch both runs and must count the
//! same probes in every step: the observer hook is exact too.

mod common;

use common::{assert_same, run_both, small_generated};
use proptest::prelude::*;
use wormscope_model::host::{Host, NO_SITE, Os};
use wormscope_model::net::{Firewall, Service, ServiceSet};
use wormscope_model::world::{Site, SiteKind, WorldBuilder};
use wormscope_model::{HostId, World};
use wormscope_scenario::{MaybeDuration, Percent, PortRule, Prefix, Scenario, SimDuration, When};

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

fn mixed_scenario() -> Scenario {
    let mut s = wormscope_scenario::default_scenario();
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

fn build_arb(hosts: &[ArbHost], n_seeds: u8) -> Option<(World, Vec<HostId>)> {
    let base = 0x5000_0000u32;
    let mut b = WorldBuilder::new();
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
    let mut used = std::collections::HashSet::new();
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
        });
    }
    let world = b.build().ok()?;
    let seeds: Vec<HostId> = world
        .candidates()
        .iter()
        .enumerate()
        .filter(|(_, h)| h.os.is_infectable())
        .map(|(i, _)| i as HostId)
        .take(n_seeds as usize)
        .collect();
    (!seeds.is_empty()).then_some((world, seeds))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

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
        let Some((world, seeds)) = build_arb(&hosts, n_seeds) else { return Ok(()) };
        let mut s = wormscope_scenario::default_scenario();
        s.seed = seed;
        s.worm.batch_size = batch;
        s.worm.batch_wait = SimDuration::from_millis(wait_ms);
        s.worm.local_start_pct = Percent::new(local).unwrap();
        s.duration = SimDuration::from_secs(minutes * 60);
        s.step = SimDuration::from_secs(step_s.min(minutes * 60));
        let (e, r) = run_both(&s, &world, &seeds);
        prop_assert_eq!(e.totals, r.totals);
        prop_assert_eq!(e.rows, r.rows);
    }

    /// Random worlds with every defense switched on at random moments and
    /// coverages, and the flaws switched at random.
    #[test]
    fn random_worlds_with_defenses_and_flaws_agree(
        (hosts, n_seeds) in arb_world(),
        seed in any::<u64>(),
        minutes in 1u64..120,
        // (on, start in seconds, coverage %) for ISP, border, host
        // firewall, DCOM, patch, cleanup.
        defenses in proptest::collection::vec((any::<bool>(), 0u64..7200, 0f64..=100.0), 6),
        users in (any::<bool>(), 0f64..=100.0, 1u64..3600),
        flaws in proptest::collection::vec(any::<bool>(), 4),
        blocks in proptest::collection::vec(any::<bool>(), 6),
    ) {
        let Some((world, seeds)) = build_arb(&hosts, n_seeds) else { return Ok(()) };
        let mut s = wormscope_scenario::default_scenario();
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
        let (on, at, cov) = defenses[2];
        (d.host_firewall.enabled, d.host_firewall.start, d.host_firewall.coverage_pct) = (on, when(at), pct(cov));
        let (on, at, cov) = defenses[3];
        (d.dcom_disabled.enabled, d.dcom_disabled.start, d.dcom_disabled.coverage_pct) = (on, when(at), pct(cov));
        let (on, at, cov) = defenses[4];
        d.patch.enabled = on;
        d.patch.start = when(at);
        d.patch.curve = vec![(SimDuration::ZERO, pct(0.0)), (SimDuration::from_secs(3600), pct(cov))];
        let (on, at, cov) = defenses[5];
        (d.cleanup.enabled, d.cleanup.start, d.cleanup.per_day_pct) = (on, when(at), pct(cov));
        (d.users.enabled, d.users.notice_pct, d.users.delay) = (users.0, pct(users.1), SimDuration::from_secs(users.2));
        let f = &mut s.flaws;
        (f.os_guess, f.stage2_reachback, f.flood_target, f.start_seed) = (flaws[0], flaws[1], flaws[2], flaws[3]);
        let (e, r) = run_both(&s, &world, &seeds);
        prop_assert_eq!(e.totals, r.totals);
        prop_assert_eq!(e.rows, r.rows);
    }
}
