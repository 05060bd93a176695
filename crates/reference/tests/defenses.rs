//! Every defense, in the exact engine and the probe-by-probe reference:
//! both agree exactly with the defense on, and the defense does what it
//! says (each test would fail if the defense did nothing).

mod common;

use common::{assert_same, run_both, run_both_with_states, small_generated};
use wormscope_engine::BlasterRun;
use wormscope_model::World;
use wormscope_model::generate::{generate, patient_zeros};
use wormscope_model::host::{Host, NO_SITE, Os};
use wormscope_model::service::Firewall;
use wormscope_model::site::{Site, SiteKind};
use wormscope_model::world::WorldBuilder;
use wormscope_scenario::{BlasterScenario, DateCheck, Percent, SimDuration, UserAction, When};

fn pct(x: f64) -> Percent {
    Percent::new(x).unwrap()
}

fn at_minutes(m: u64) -> When {
    When::After(SimDuration::from_secs(m * 60))
}

/// The world of a scenario, and its patient zeros.
fn world_of(s: &BlasterScenario) -> (World, Vec<u32>) {
    let world = generate(s).unwrap();
    let seeds = patient_zeros(&world, s.seed, 5);
    (world, seeds)
}

/// A lively outbreak: dense, open broadband pools.
fn base(hours: u64) -> BlasterScenario {
    let mut s = small_generated(11, "61.4.0.0/15", hours);
    let bb = &mut s.world.networks[0];
    bb.slash24_used_pct = pct(60.0);
    bb.hosts_per_used_slash24 = 20.0;
    bb.nat_pct = pct(10.0);
    bb.firewall_pct = pct(0.0);
    bb.patched_pct = pct(5.0);
    // Open enterprises (their worms can serve the body over TFTP), as
    // dense as the pools.
    let ent = &mut s.world.networks[1];
    ent.firewall_pct = pct(0.0);
    ent.hosts_per_used_slash24 = 20.0;
    s
}

#[test]
fn the_test_world_has_a_lively_outbreak() {
    let s = base(1);
    let (world, seeds) = world_of(&s);
    let e = agreed(&s, &world, &seeds);

    assert!(e.totals.ever_infected > 100, "{:?}", e.totals);
}

/// Runs both drivers, checks they agree, returns the exact result.
fn agreed(s: &BlasterScenario, world: &World, seeds: &[u32]) -> BlasterRun {
    let (e, r) = run_both(s, world, seeds);
    assert_same(&e, &r);
    e
}

/// Three /16s (61.4, 61.5, 61.6) with unpatched XP hosts on every 37th
/// address around their borders, an enterprise network (no filter of its
/// own) at 61.5.16.0/22, and two patient zeros near the top of 61.4: the
/// worm must cross /16 borders and enter the enterprise to spread.
fn border_world() -> (World, Vec<u32>, u32) {
    let mut b = WorldBuilder::new();
    let ent = b.add_site(Site {
        kind: SiteKind::Enterprise {
            firewall: Firewall::default(),
        },
        inside: "61.5.16.0/22".parse().unwrap(),
    });
    let a = |o: [u8; 4]| u32::from_be_bytes(o);
    let mut add = |lo: u32, hi: u32, site| {
        for addr in (lo..hi).step_by(37) {
            b.add_host(Host {
                addr,
                site,
                os: Os::Xp,
                patched: false,
                rpc_open: true,
                network: 0,
            });
        }
    };
    add(a([61, 4, 200, 1]), a([61, 5, 16, 0]), NO_SITE);
    add(a([61, 5, 16, 1]), a([61, 5, 20, 0]), ent);
    add(a([61, 5, 20, 1]), a([61, 5, 60, 0]), NO_SITE);
    add(a([61, 5, 250, 1]), a([61, 6, 30, 0]), NO_SITE);
    let world = b.build().unwrap();
    let seeds = [a([61, 4, 250, 0]), a([61, 4, 252, 0])]
        .iter()
        .map(|&addr| world.hosts.iter().position(|h| h.addr >= addr).unwrap() as u32)
        .collect();
    (world, seeds, ent)
}

fn border_scenario() -> BlasterScenario {
    let mut s = wormscope_scenario::default_scenario();
    // Every host online all the time, as these worlds were built for
    // (churn has its own tests, `reference/tests/churn.rs`).
    s.world.churn.enabled = false;
    s.duration = SimDuration::from_secs(2 * 3600);
    s.worm.local_start_pct = pct(100.0);
    s.worm.guess_xp_pct = pct(100.0);
    s
}

#[test]
fn isp_filter_of_135_everywhere_from_the_start_keeps_the_worm_in_its_slash16() {
    let mut s = border_scenario();
    let (world, seeds, _) = border_world();
    let (baseline, r, base_states) = run_both_with_states(&s, &world, &seeds);
    assert_same(&baseline, &r);
    let f = &mut s.defenses.isp_filter;
    f.enabled = true;
    f.start = at_minutes(0);
    f.coverage_pct = pct(100.0);
    let (e, r, states) = run_both_with_states(&s, &world, &seeds);
    assert_same(&e, &r);
    let outside = |states: &[wormscope_engine::HostState]| {
        states
            .iter()
            .enumerate()
            .filter(|(h, st)| st.ever_infected && world.host(*h as u32).addr >> 16 != 0x3d04)
            .count()
    };
    // The baseline crossed into 61.5 and 61.6; the filtered run never did.
    assert!(outside(&base_states) > 0);
    assert_eq!(outside(&states), 0);
    assert!(e.totals.ever_infected < baseline.totals.ever_infected);
}

#[test]
fn isp_filter_switching_on_mid_run_agrees_and_slows_the_worm() {
    for ports in [vec!["135/tcp"], vec!["135/tcp", "4444/tcp", "69/udp"]] {
        let mut s = border_scenario();
        let (world, seeds, _) = border_world();
        let baseline = agreed(&s, &world, &seeds);
        let f = &mut s.defenses.isp_filter;
        f.enabled = true;
        f.start = at_minutes(10);
        f.coverage_pct = pct(100.0);
        f.blocks_in = ports.iter().map(|p| p.parse().unwrap()).collect();
        f.blocks_out = vec!["135/tcp".parse().unwrap()];
        let e = agreed(&s, &world, &seeds);
        assert!(e.totals.ever_infected < baseline.totals.ever_infected);
        // Nothing changed before the filters went up.
        assert_eq!(e.rows[..10], baseline.rows[..10]);
    }
    // Partial coverage on a generated world, switching on mid-span.
    let mut s = base(1);
    let (world, seeds) = world_of(&s);
    let f = &mut s.defenses.isp_filter;
    f.enabled = true;
    f.start = When::After(SimDuration::from_micros(600_123_457));
    f.coverage_pct = pct(50.0);
    agreed(&s, &world, &seeds);
}

#[test]
fn border_filter_of_the_advisory_list_agrees_and_keeps_the_enterprise_clean() {
    let mut s = border_scenario();
    let (world, seeds, ent) = border_world();
    let (baseline, r, base_states) = run_both_with_states(&s, &world, &seeds);
    assert_same(&baseline, &r);
    let f = &mut s.defenses.border_filter;
    f.enabled = true;
    f.start = at_minutes(0);
    let (e, r, states) = run_both_with_states(&s, &world, &seeds);
    assert_same(&e, &r);
    let inside = |states: &[wormscope_engine::HostState]| {
        states
            .iter()
            .enumerate()
            .filter(|(h, st)| st.ever_infected && world.host(*h as u32).site == ent)
            .count()
    };
    assert!(inside(&base_states) > 0);
    assert_eq!(inside(&states), 0);
    // Mid-run, on a generated world with many enterprises.
    let mut s = base(1);
    s.world.networks[0].share_pct = pct(30.0);
    s.world.networks[1].share_pct = pct(50.0);
    let (world, seeds) = world_of(&s);
    let f = &mut s.defenses.border_filter;
    f.enabled = true;
    f.start = at_minutes(10);
    f.coverage_pct = pct(70.0);
    agreed(&s, &world, &seeds);
}

#[test]
fn host_firewall_and_dcom_agree_and_protect_hosts() {
    let mut s = base(1);
    let (world, seeds) = world_of(&s);
    let baseline = agreed(&s, &world, &seeds);
    for which in ["firewall", "dcom"] {
        let mut v = s.clone();
        let d = match which {
            "firewall" => &mut v.defenses.host_firewall,
            _ => &mut v.defenses.dcom_disabled,
        };
        d.enabled = true;
        d.start = at_minutes(10);
        d.coverage_pct = pct(60.0);
        let e = agreed(&v, &world, &seeds);
        assert!(
            e.totals.ever_infected < baseline.totals.ever_infected,
            "{which}: {} vs {}",
            e.totals.ever_infected,
            baseline.totals.ever_infected
        );
    }
    // Everyone protected from the start: only the patient zeros carry it.
    s.defenses.dcom_disabled.enabled = true;
    s.defenses.dcom_disabled.start = at_minutes(0);
    s.defenses.dcom_disabled.coverage_pct = pct(100.0);
    let e = agreed(&s, &world, &seeds);
    assert_eq!(e.totals.ever_infected, seeds.len() as u64);
    assert_eq!(e.totals.crashes, 0);
}

#[test]
fn patching_over_time_agrees_and_caps_the_outbreak() {
    let mut s = base(1);
    let (world, seeds) = world_of(&s);
    let baseline = agreed(&s, &world, &seeds);
    let p = &mut s.defenses.patch;
    p.enabled = true;
    p.start = at_minutes(0);
    p.curve = vec![
        (SimDuration::ZERO, pct(0.0)),
        (SimDuration::from_secs(2 * 3600), pct(90.0)),
    ];
    let e = agreed(&s, &world, &seeds);
    assert!(e.totals.ever_infected < baseline.totals.ever_infected);
    assert!(e.totals.crashes < baseline.totals.crashes);
}

#[test]
fn users_who_notice_clean_or_unplug_and_both_drivers_agree() {
    let s = base(1);
    let (world, seeds) = world_of(&s);
    let baseline = agreed(&s, &world, &seeds);
    for action in [UserAction::Clean, UserAction::Unplug] {
        let mut v = s.clone();
        let u = &mut v.defenses.users;
        u.enabled = true;
        u.notice_pct = pct(80.0);
        u.delay = SimDuration::from_secs(600);
        u.action = action;
        let e = agreed(&v, &world, &seeds);
        assert!(e.totals.noticed > 0, "{action:?}");
        assert!(e.totals.cleaned > 0, "{action:?}: {:?}", e.totals);
        let end = |r: &BlasterRun| r.rows.last().unwrap().infected;
        assert!(end(&e) < end(&baseline), "{action:?}");
    }
}

#[test]
fn removal_tools_clean_at_their_rate_and_both_drivers_agree() {
    let mut s = base(1);
    let (world, seeds) = world_of(&s);
    let baseline = agreed(&s, &world, &seeds);
    let c = &mut s.defenses.cleanup;
    c.enabled = true;
    c.start = at_minutes(10);
    c.per_day_pct = pct(99.0);
    let e = agreed(&s, &world, &seeds);
    assert!(e.totals.cleaned > 0);
    // Nothing is cleaned before the tools exist.
    assert!(e.rows[..10].iter().all(|r| r.cleaned == 0));
    let end = |r: &BlasterRun| r.rows.last().unwrap().infected;
    assert!(end(&e) < end(&baseline));
}

/// A run that starts on a flood day (16 August 2003).
fn flood_scenario() -> BlasterScenario {
    let mut s = base(1);
    s.start = "2003-08-16T00:00:00Z".parse().unwrap();
    s
}

#[test]
fn the_flood_is_fifty_forty_byte_syns_a_second_per_host() {
    // One patient zero whose worm starts on 16 August and never stops:
    // 50 SYNs/s (MODEL.md) for the whole run.
    let mut s = flood_scenario();
    s.duration = SimDuration::from_secs(600);
    s.step = SimDuration::from_secs(60);
    // Nothing it probes can stop it (no XP exploit crashes a host that
    // reboots it: it only exploits others).
    let world = generate(&s).unwrap();
    let seeds = patient_zeros(&world, s.seed, 1);
    let e = agreed(&s, &world, &seeds);
    assert_eq!(e.rows[0].flood_packets, 60 * 50);
    let total: u64 = e.rows.iter().map(|r| r.flood_packets).sum();
    assert_eq!(total, 600 * 50);
    let bits_per_s = e.rows[0].flood_packets as f64 * 40.0 * 8.0 / 60.0;
    assert_eq!(bits_per_s, 16_000.0);
}

#[test]
fn no_flood_before_the_sixteenth_and_none_after_the_dns_takedown() {
    let mut s = base(1);
    s.start = "2003-08-11T19:00:00Z".parse().unwrap();
    let (world, seeds) = world_of(&s);
    let e = agreed(&s, &world, &seeds);
    assert_eq!(e.rows.iter().map(|r| r.flood_packets).sum::<u64>(), 0);

    let mut s = flood_scenario();
    let (world, seeds) = world_of(&s);
    let flooding = agreed(&s, &world, &seeds);
    let sent = |r: &BlasterRun| r.rows.iter().map(|r| r.flood_packets).sum::<u64>();
    assert!(sent(&flooding) > 0);
    s.defenses.dns_takedown.enabled = true;
    s.defenses.dns_takedown.at = When::After(SimDuration::ZERO);
    let e = agreed(&s, &world, &seeds);
    assert_eq!(sent(&e), 0);
    // A takedown an hour in: worms that resolved the name before keep
    // flooding, so the flood shrinks but does not vanish.
    s.defenses.dns_takedown.at = at_minutes(10);
    let e = agreed(&s, &world, &seeds);
    assert!(sent(&e) > 0 && sent(&e) < sent(&flooding));
}

#[test]
fn a_moved_site_leaves_behind_the_floods_sent_to_its_old_address() {
    let mut s = flood_scenario();
    let (world, seeds) = world_of(&s);
    let still = agreed(&s, &world, &seeds);
    let sum = |r: &BlasterRun, f: fn(&wormscope_engine::BlasterRow) -> u64| -> u64 {
        r.rows.iter().map(f).sum()
    };
    let arriving = |r: &BlasterRun| sum(r, |r| r.flood_arriving_units);
    let step = s.step.as_micros();
    let moved_at = 10 * 60 * 1_000_000;
    let after = |r: &BlasterRun| -> u64 {
        r.rows
            .iter()
            .enumerate()
            .filter(|(i, _)| *i as u64 * step >= moved_at)
            .map(|(_, row)| row.flood_arriving_units + row.flood_bcp38_units)
            .sum()
    };
    // Some worms start flooding after the move, or it would test nothing.
    assert!(after(&still) > 0);
    s.defenses.target_move.enabled = true;
    s.defenses.target_move.at = at_minutes(10);
    // Blaster resolves a name: the worms that resolved it before the move
    // lose their flood from then on, those that resolve it afterwards find
    // the site. Nothing else changes: the packets are still sent.
    let moved = agreed(&s, &world, &seeds);
    assert_eq!(
        sum(&moved, |r| r.flood_packets),
        sum(&still, |r| r.flood_packets)
    );
    assert!(arriving(&moved) < arriving(&still));
    assert!(after(&moved) > 0);
    let before = |r: &BlasterRun| r.rows[..(moved_at / step) as usize].to_vec();
    assert_eq!(before(&moved), before(&still));
    // Carrying the address (no `flood_target` flaw), every flood is cut.
    s.flaws.flood_target = false;
    let carried = agreed(&s, &world, &seeds);
    assert_eq!(after(&carried), 0);
    assert_eq!(before(&carried), before(&still));
    // A site that moved before any flood began is simply found.
    s.flaws.flood_target = true;
    s.defenses.target_move.at = When::After(SimDuration::ZERO);
    assert_eq!(agreed(&s, &world, &seeds).rows, still.rows);
}

/// A Blaster that reads the date all the time (`date_checked = "always"`,
/// as Code Red did) floods on its days whenever its worm started, and on
/// no other day; read at its start (Blaster's way), the date of the start
/// decides for good.
#[test]
fn a_worm_that_reads_the_date_all_the_time_floods_on_its_days_only() {
    let hour = 3_600_000_000u64;
    let mut s = base(2);
    s.welchia.enabled = false;
    // Flood days the 16th to the 27th; the run crosses into the 16th.
    s.start = "2003-08-15T23:00:00Z".parse().unwrap();
    s.payload.last_day_jan_aug = 27;
    let (world, seeds) = world_of(&s);
    let sent = |r: &BlasterRun| -> u64 { r.rows.iter().map(|r| r.flood_packets).sum() };
    let sent_before = |r: &BlasterRun, t: u64| -> u64 {
        let rows = (t / s.step.as_micros()) as usize;
        r.rows[..rows].iter().map(|r| r.flood_packets).sum()
    };
    let at_start = agreed(&s, &world, &seeds);
    s.payload.date_checked = DateCheck::Always;
    let always = agreed(&s, &world, &seeds);
    // Nothing floods on the 15th; from midnight the worms that started
    // before it flood too.
    assert_eq!(sent_before(&always, hour), 0);
    assert_eq!(sent_before(&at_start, hour), 0);
    assert!(sent(&at_start) > 0);
    assert!(sent(&always) > sent(&at_start));
    // The outbreak itself is the same.
    let infected = |r: &BlasterRun| r.rows.iter().map(|r| r.infected).collect::<Vec<_>>();
    assert_eq!(infected(&always), infected(&at_start));

    // Out of the flood days at midnight on the 28th: read all the time,
    // every flood stops; read at the start, it goes on.
    s.start = "2003-08-27T23:00:00Z".parse().unwrap();
    let (world, seeds) = world_of(&s);
    let always = agreed(&s, &world, &seeds);
    assert!(sent_before(&always, hour) > 0);
    assert_eq!(sent_before(&always, hour), sent(&always));
    s.payload.date_checked = DateCheck::AtStart;
    let at_start = agreed(&s, &world, &seeds);
    assert!(sent(&at_start) > sent_before(&at_start, hour));

    // When every day is a flood day from the run's start, both ways of
    // reading the date are one flood, packet for packet.
    s.start = "2003-08-16T00:00:00Z".parse().unwrap();
    s.payload.last_day_jan_aug = 31;
    let (world, seeds) = world_of(&s);
    let at_start = agreed(&s, &world, &seeds);
    s.payload.date_checked = DateCheck::Always;
    assert_eq!(agreed(&s, &world, &seeds).rows, at_start.rows);

    // The name is resolved when each run of flood days begins: a record
    // taken down on the 15th leaves nothing to flood, even for the worms
    // running since before.
    s.start = "2003-08-15T23:00:00Z".parse().unwrap();
    s.defenses.dns_takedown.enabled = true;
    s.defenses.dns_takedown.at = at_minutes(30);
    let (world, seeds) = world_of(&s);
    assert_eq!(sent(&agreed(&s, &world, &seeds)), 0);
}

#[test]
fn source_filters_remove_spoofed_flood_packets() {
    let mut s = flood_scenario();
    let (world, seeds) = world_of(&s);
    let e = agreed(&s, &world, &seeds);
    let sum =
        |r: &BlasterRun, f: fn(&wormscope_engine::BlasterRow) -> u64| r.rows.iter().map(f).sum();
    let sent: u64 = sum(&e, |r| r.flood_packets);
    let arriving: u64 = sum(&e, |r| r.flood_arriving_units);
    let bcp38: u64 = sum(&e, |r| r.flood_bcp38_units);
    assert_eq!(arriving, sent * 65_536, "no filter deployed: all arrive");
    assert!(
        bcp38 < arriving,
        "BCP 38 everywhere removes spoofed packets"
    );
    s.defenses.spoof_filter.enabled = true;
    s.defenses.spoof_filter.coverage_pct = pct(100.0);
    let f = agreed(&s, &world, &seeds);
    assert_eq!(
        sum(&f, |r| r.flood_arriving_units),
        sum(&f, |r| r.flood_bcp38_units)
    );
}

#[test]
fn welchia_competes_with_blaster_and_both_drivers_agree() {
    // Welchia is released an hour into a run that starts the evening
    // before 18 August.
    let mut s = base(3);
    s.start = "2003-08-17T23:00:00Z".parse().unwrap();
    s.welchia.enabled = false;
    let (world, seeds) = world_of(&s);
    let without = agreed(&s, &world, &seeds);
    s.welchia.enabled = true;
    s.welchia.initial_infected = 20;
    let with = agreed(&s, &world, &seeds);
    let last = |r: &BlasterRun| *r.rows.last().unwrap();
    assert!(last(&with).welchia > 20, "{:?}", last(&with));
    assert_eq!(without.rows.iter().map(|r| r.welchia).max(), Some(0));
    // Welchia removes Blaster from the hosts it takes and takes hosts
    // Blaster would have had.
    assert!(with.totals.cleaned > 0);
    assert!(last(&with).infected < last(&without).infected);
    // Nothing differs before the release.
    assert_eq!(with.rows[..60], without.rows[..60]);
}
