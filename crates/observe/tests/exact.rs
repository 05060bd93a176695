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
    let mut b = WorldBuilder::new();
    let own = u32::from_be_bytes([10, 0, 5, 250]);
    b.add_host(Host {
        addr: own,
        site: NO_SITE,
        os: Os::Xp,
        patched: false,
        rpc_open: true,
        network: 0,
    });
    let world = b.build().unwrap();
    let mut s = wormscope_scenario::default_scenario();
    // Every host online all the time, as these worlds were built for
    // (churn has its own tests, `reference/tests/churn.rs`).
    s.world.churn.enabled = false;
    s.worm.local_start_pct = Percent::new(100.0).unwrap();
    s.worm.guess_xp_pct = Percent::new(100.0).unwrap();
    s.duration = SimDuration::from_secs(3 * 3600);
    s.step = SimDuration::from_secs(60);
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
