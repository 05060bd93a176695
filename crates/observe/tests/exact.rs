//! Sensors count exactly: a telescope and an edge over known ranges with a
//! single sequential scanner, against arithmetic done here; and the
//! probe-by-probe reference's sensors against the exact engine's.

use wormscope_engine::core::BlasterCore;
use wormscope_engine::exact::ExactDriver;
use wormscope_model::blaster::Timing;
use wormscope_model::host::{Host, NO_SITE, Os};
use wormscope_model::world::WorldBuilder;
use wormscope_model::{HostId, World};
use wormscope_observe::{Observed, SensorSet, finish, place};
use wormscope_reference::ReferenceDriver;
use wormscope_scenario::{BlasterScenario, Percent, SensorConfig, SensorKind, SimDuration};

fn sensor(name: &str, kind: SensorKind, prefix: Option<&str>) -> SensorConfig {
    SensorConfig {
        name: name.into(),
        kind,
        prefix: prefix.map(|p| p.parse().unwrap()),
        addresses: None,
        report_delay: None,
    }
}

fn run(s: &BlasterScenario, world: &World, seeds: &[HostId], reference: bool) -> Observed {
    let mut set = SensorSet::new(
        world,
        place(s, world),
        s.step.as_micros(),
        s.duration.as_micros(),
    );
    let mut core = BlasterCore::for_scenario(s, world);
    core.observe_with(&mut set);
    core.seed_hosts(seeds);
    if reference {
        core.run(&mut ReferenceDriver::new(world), &mut |_| {});
    } else {
        core.run(&mut ExactDriver::new(world), &mut |_| {});
    }
    let result = core.into_result();
    finish(s, set, result)
}

#[test]
fn a_lone_sequential_scanner_is_counted_to_the_probe() {
    // One XP host at 10.0.5.250, alone in the world. With every start
    // local and every guess XP it starts at 10.0.5.0 (C = 5 <= 20 is kept,
    // MODEL.md) and finds only itself (batch 12 holds .240-.259), which
    // costs it one exploit of an already infected host.
    let (world, mut s) = lone_scanner(false);
    s.sensors = vec![
        sensor("dark", SensorKind::Telescope, Some("10.1.0.0/16")),
        sensor("edge", SensorKind::Edge, Some("10.0.0.0/16")),
        sensor("far", SensorKind::Telescope, Some("10.3.0.0/16")),
    ];
    let o = run(&s, &world, &[0], false);

    // Arithmetic: batch j covers 10.0.5.0 + 20j .. +20, starts at 1.8 s * j,
    // plus the exploit of itself for every batch after the one holding it.
    let start = u64::from(u32::from_be_bytes([10, 0, 5, 0]));
    let busy = Timing::from_config(&s.worm).chain_complete;
    let batch_start = |j: u64| j * 1_800_000 + if j > 12 { busy } else { 0 };
    let end = s.duration.as_micros();
    let batches = (0..).take_while(|&j| batch_start(j) < end).count() as u64;
    let reached = start + 20 * batches;
    let (lo, hi) = (u64::from(u32::from_be_bytes([10, 1, 0, 0])), 0x0a02_0000u64);
    let expect_dark = reached.clamp(lo, hi) - lo;
    assert!(expect_dark > 0 && expect_dark < hi - lo, "{expect_dark}");
    let total = |name: &str| -> u64 {
        let s = o.sensors.iter().find(|x| x.sensor.name == name).unwrap();
        s.rows.iter().map(|r| r.probes).sum()
    };
    assert_eq!(total("dark"), expect_dark);
    // The edge of its own /16 sees every probe that leaves it, which here
    // are exactly the telescope's.
    assert_eq!(total("edge"), expect_dark);
    assert_eq!(total("far"), 0);
    assert_eq!(o.result.totals.probes, 20 * batches);

    // Per step: the telescope's probes of the step starting at minute m are
    // the addresses in its range of the batches that start in that minute.
    let dark = &o.sensors[0];
    for (m, row) in dark.rows.iter().enumerate() {
        let (t0, t1) = (m as u64 * 60_000_000, (m as u64 + 1) * 60_000_000);
        let mut want = 0;
        for j in 0..batches {
            if (t0..t1).contains(&batch_start(j)) {
                let (a, z) = (start + 20 * j, start + 20 * j + 20);
                want += z.min(hi).saturating_sub(a.max(lo));
            }
        }
        assert_eq!(row.probes, want, "minute {m}");
        assert_eq!(
            row.sources,
            u64::from(dark.rows[..=m].iter().any(|r| r.probes > 0))
        );
    }
    // The reference driver's sensors agree.
    let r = run(&s, &world, &[0], true);
    assert_eq!(r.sensors, o.sensors);

    // A reporting delay (here 90 s, not a whole step) moves every probe to
    // the step of its time plus the delay, and drops what falls past the end.
    let mut delayed = place(&s, &world);
    delayed.truncate(1);
    delayed[0].delay = 90_000_000;
    let mut set = SensorSet::new(&world, delayed, s.step.as_micros(), end);
    let mut core = BlasterCore::for_scenario(&s, &world);
    core.observe_with(&mut set);
    core.seed_hosts(&[0]);
    core.run(&mut ExactDriver::new(&world), &mut |_| {});
    let got = &set.counts[0].probes;
    for (m, &n) in got.iter().enumerate() {
        let (t0, t1) = (m as u64 * 60_000_000, (m as u64 + 1) * 60_000_000);
        let want: u64 = (0..batches)
            .filter(|&j| (t0..t1).contains(&(batch_start(j) + 90_000_000)))
            .map(|j| {
                (start + 20 * j + 20)
                    .min(hi)
                    .saturating_sub((start + 20 * j).max(lo))
            })
            .sum();
        assert_eq!(n, want, "delayed minute {m}");
    }
    assert!(got.iter().sum::<u64>() < expect_dark);
}

#[test]
fn reference_and_engine_sensors_give_identical_rows() {
    // The bench's dense small world, on a /14, from 5 hosts.
    let (_, mut s) = wormscope_bench::small_world_scenarios(
        wormscope_scenario::SimDuration::from_secs(3 * 3600),
    )
    .remove(1);
    s.seed = 11;
    s.world.only_in = vec!["61.4.0.0/14".parse().unwrap()];
    s.worm.initial_infected = 5;
    s.step = SimDuration::from_secs(90);
    let mut isc = sensor("isc", SensorKind::Distributed, None);
    isc.addresses = Some(3000);
    isc.report_delay = Some(SimDuration::from_secs(150));
    s.sensors = vec![
        // Dark inside the world (the generator leaves it empty).
        sensor("telescope", SensorKind::Telescope, Some("61.5.128.0/17")),
        isc,
        sensor("isp-edge", SensorKind::Edge, None),
        sensor("edge-61.7", SensorKind::Edge, Some("61.7.0.0/16")),
    ];
    let world = wormscope_model::generate::generate(&s).unwrap();
    let seeds = wormscope_model::generate::patient_zeros(&world, s.seed, 5);
    let e = run(&s, &world, &seeds, false);
    let r = run(&s, &world, &seeds, true);
    assert!(e.result.same_outbreak(&r.result));
    assert!(e.result.totals.ever_infected > 5);
    for (a, b) in e.sensors.iter().zip(&r.sensors) {
        assert_eq!(a.sensor, b.sensor);
        for (i, (x, y)) in a.rows.iter().zip(&b.rows).enumerate() {
            assert_eq!(x, y, "{} row {i}", a.sensor.name);
        }
    }
    let step = e.result.step;
    assert_eq!(
        wormscope_observe::sensors_csv(&e.sensors, step),
        wormscope_observe::sensors_csv(&r.sensors, step)
    );
    assert_eq!(
        wormscope_observe::sensors_json(&e.sensors, step),
        wormscope_observe::sensors_json(&r.sensors, step)
    );
    // Every sensor saw something, so the comparison means something.
    for x in &e.sensors {
        let probes: u64 = x.rows.iter().map(|r| r.probes).sum();
        assert!(probes > 0, "{} saw nothing", x.sensor.name);
    }
}

/// A world of one XP host at 10.0.5.250, in an enterprise network
/// 10.0.5.0/24 when `enterprise`, and a scenario for it: every start local
/// and every guess XP, so it scans sequentially from 10.0.5.0; every host
/// online all the time, as these worlds were built for (churn has its own
/// tests, `reference/tests/churn.rs`); three hours in one-minute steps.
fn lone_scanner(enterprise: bool) -> (World, BlasterScenario) {
    use wormscope_model::service::Firewall;
    use wormscope_model::{Site, SiteKind};
    let mut b = WorldBuilder::new();
    let site = if enterprise {
        b.add_site(Site {
            kind: SiteKind::Enterprise {
                firewall: Firewall::default(),
            },
            inside: "10.0.5.0/24".parse().unwrap(),
        })
    } else {
        NO_SITE
    };
    b.add_host(Host {
        addr: u32::from_be_bytes([10, 0, 5, 250]),
        site,
        os: Os::Xp,
        patched: false,
        rpc_open: true,
        network: 0,
    });
    let world = b.build().unwrap();
    let mut s = wormscope_scenario::default_scenario();
    s.world.churn.enabled = false;
    s.worm.local_start_pct = Percent::new(100.0).unwrap();
    s.worm.guess_xp_pct = Percent::new(100.0).unwrap();
    s.duration = SimDuration::from_secs(3 * 3600);
    s.step = SimDuration::from_secs(60);
    s.sensors = vec![
        sensor("dark", SensorKind::Telescope, Some("10.1.0.0/16")),
        sensor("edge", SensorKind::Edge, Some("10.0.0.0/16")),
        sensor("near", SensorKind::Telescope, Some("10.0.250.0/24")),
        sensor("narrow-edge", SensorKind::Edge, Some("10.0.5.0/24")),
    ];
    (world, s)
}

/// A filter of 135/tcp going out on every network, from `start`.
fn filtering_out(start: SimDuration) -> wormscope_scenario::FilterDefense {
    wormscope_scenario::FilterDefense {
        enabled: true,
        source: "test".into(),
        start: wormscope_scenario::When::After(start),
        coverage_pct: Percent::new(100.0).unwrap(),
        blocks_in: Vec::new(),
        blocks_out: vec!["135/tcp".parse().unwrap()],
    }
}

#[test]
fn sensors_lose_what_a_filter_keeps_inside_the_scanners_network() {
    // The lone scanner's batch j covers 10.0.5.0 + 20j .. +20 and starts
    // at 1.8 s * j (plus its exploit of itself after batch 12); it leaves
    // its /16 (10.1.0.0, batch 3213) at about 1.6 h.
    let start = u64::from(u32::from_be_bytes([10, 0, 5, 0]));
    let ip = |a: [u8; 4]| u64::from(u32::from_be_bytes(a));
    let slash16_end = ip([10, 1, 0, 0]);
    for (isp_start_s, enterprise) in [(5400, false), (5940, false), (5400, true)] {
        let (world, mut s) = lone_scanner(enterprise);
        let filter_start = SimDuration::from_secs(isp_start_s);
        if enterprise {
            s.defenses.border_filter = filtering_out(filter_start);
        } else {
            s.defenses.isp_filter = filtering_out(filter_start);
        }
        let o = run(&s, &world, &[0], false);
        let busy = Timing::from_config(&s.worm).chain_complete;
        let batch_start = |j: u64| j * 1_800_000 + if j > 12 { busy } else { 0 };
        let end = s.duration.as_micros();
        let batches = (0..).take_while(|&j| batch_start(j) < end).count() as u64;
        let cut = filter_start.as_micros();
        // What each sensor should see: per batch, the addresses in its
        // range, if the probe still gets out when its batch starts (before
        // the filter; after it, under the ISP's, inside the /16).
        let seen = |lo: u64, hi: u64, leaves: &dyn Fn(u64) -> bool| -> u64 {
            (0..batches)
                .flat_map(|j| (start + 20 * j..start + 20 * j + 20).map(move |a| (j, a)))
                .filter(|&(_, a)| (lo..hi).contains(&a) && leaves(a))
                .filter(|&(j, a)| batch_start(j) < cut || (!enterprise && a < slash16_end))
                .count() as u64
        };
        let total = |name: &str| -> u64 {
            let x = o.sensors.iter().find(|x| x.sensor.name == name).unwrap();
            x.rows.iter().map(|r| r.probes).sum()
        };
        let outside_site =
            |a: u64| !enterprise || !(ip([10, 0, 5, 0])..ip([10, 0, 6, 0])).contains(&a);
        let want_dark = seen(slash16_end, ip([10, 2, 0, 0]), &outside_site);
        let want_near = seen(ip([10, 0, 250, 0]), ip([10, 0, 251, 0]), &outside_site);
        let want_narrow = seen(ip([10, 0, 6, 0]), 1 << 32, &outside_site);
        let case = format!("filter at {isp_start_s} s, enterprise {enterprise}");
        assert_eq!(total("dark"), want_dark, "{case}");
        assert_eq!(total("edge"), want_dark, "{case}");
        assert_eq!(total("near"), want_near, "{case}");
        assert_eq!(total("narrow-edge"), want_narrow, "{case}");
        if enterprise {
            assert_eq!(want_near, 0, "{case}: the site's border closes first");
        } else {
            // The near telescope is reached after the filter, inside the /16.
            assert_eq!(want_near, 256, "{case}");
        }
        // The filter cuts what the dark telescope would have seen.
        let all_dark = (0..batches)
            .flat_map(|j| start + 20 * j..start + 20 * j + 20)
            .filter(|a| (slash16_end..ip([10, 2, 0, 0])).contains(a))
            .count() as u64;
        assert!(want_dark < all_dark, "{case}: {want_dark} of {all_dark}");
        if isp_start_s == 5940 {
            assert!(want_dark > 0, "{case}: a span is cut at the filter");
        }
        // The probe-by-probe reference's sensors agree.
        let r = run(&s, &world, &[0], true);
        assert_eq!(r.sensors, o.sensors, "{case}");
    }
}
