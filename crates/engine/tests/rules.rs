//! Rules of the shared core that no comparison with the reference can
//! catch, because both drivers share them: the removal tools' rate per
//! infected host, a stopped worm's queue, Welchia's timing under the flaw
//! switches, and times near the end of `u64`.

use wormscope_engine::WormState;
use wormscope_engine::core::{BlasterCore, Found, Params, ScanDriver};
use wormscope_engine::exact::ExactDriver;
use wormscope_engine::{BlasterRun, simulate_blaster};
use wormscope_model::blaster::WormStart;
use wormscope_model::generate::{generate, patient_zeros};
use wormscope_model::{HostId, World};
use wormscope_scenario::{BlasterScenario, Percent, SimDuration, When};

fn pct(x: f64) -> Percent {
    Percent::new(x).unwrap()
}

/// One /16 of open broadband hosts, all unpatched Windows XP: every
/// infected host is crashed again and again by the worms that guess
/// Windows 2000 (20 %), and reboots each time (reboot loops).
fn xp_pool(hours: u64) -> BlasterScenario {
    let mut s = wormscope_scenario::default_scenario();
    s.seed = 5;
    s.world.only_in = vec!["61.4.0.0/16".parse().unwrap()];
    s.world.used_slash16_pct = pct(100.0);
    s.world.networks.truncate(1);
    let bb = &mut s.world.networks[0];
    bb.share_pct = pct(100.0);
    bb.slash24_used_pct = pct(60.0);
    bb.hosts_per_used_slash24 = 30.0;
    bb.nat_pct = pct(0.0);
    bb.firewall_pct = pct(0.0);
    bb.patched_pct = pct(0.0);
    bb.os.xp_pct = pct(100.0);
    (
        bb.os.w2000_pct,
        bb.os.nt4_pct,
        bb.os.w2003_pct,
        bb.os.other_pct,
    ) = (pct(0.0), pct(0.0), pct(0.0), pct(0.0));
    s.worm.initial_infected = 5;
    s.worm.local_start_pct = pct(100.0);
    s.welchia.enabled = false;
    // Every host online all the time: these tests are about reboots and
    // scans (the one that also holds under churn says so).
    s.world.churn.enabled = false;
    s.duration = SimDuration::from_secs(hours * 3600);
    wormscope_scenario::check(&s).unwrap();
    s
}

fn run(s: &BlasterScenario, world: &World) -> BlasterRun {
    simulate_blaster(s, world, &mut |_| {})
}

/// The removal tools clean each infected host at the scenario's daily
/// rate, however often its worm restarts: a host's clock is drawn once,
/// not at every start (a host restarted k times would otherwise be cleaned
/// at about k times the rate).
#[test]
fn hosts_in_reboot_loops_are_cleaned_at_the_scenarios_rate() {
    let start_h = 2;
    let hours = 8;
    let mut s = xp_pool(hours);
    let c = &mut s.defenses.cleanup;
    c.enabled = true;
    c.start = When::After(SimDuration::from_secs(start_h * 3600));
    c.per_day_pct = pct(20.0);
    let world = generate(&s).unwrap();
    let r = run(&s, &world);
    let t = r.totals;
    // The world loops: every infected host restarts its worm many times.
    assert!(
        t.reboots > 5 * t.ever_infected,
        "no reboot loops to test with: {t:?}"
    );
    // Hosts carrying the worm when the tools arrive are each exposed for
    // the rest of the run; hosts infected later, for less.
    let at_start = r.rows[(start_h * 60) as usize - 1].infected as f64;
    let exposed_days = (hours - start_h) as f64 / 24.0;
    let q = 1.0 - (1.0 - 0.20f64).powf(exposed_days);
    let (lo, hi) = (at_start * q, t.ever_infected as f64 * q);
    let slack = 4.0 * (hi * (1.0 - q)).sqrt() + 3.0;
    let cleaned = t.cleaned as f64;
    assert!(
        cleaned >= lo - slack && cleaned <= hi + slack,
        "cleaned {cleaned}, expected {lo:.0}..{hi:.0} (+-{slack:.0}) of {at_start} infected hosts at {q:.3} each"
    );
}

/// Drives the exact driver and checks, at its scan events, that every
/// running worm has exactly one scan event waiting (the one being run was
/// just taken out).
struct OneScanPerWorm<'w> {
    inner: ExactDriver<'w>,
    steps: u64,
    checked: u64,
}

impl ScanDriver for OneScanPerWorm<'_> {
    fn start(&mut self, core: &mut BlasterCore<'_>, host: HostId, t: u64, start: WormStart) {
        self.inner.start(core, host, t, start);
    }
    fn step(&mut self, core: &mut BlasterCore<'_>, host: HostId, key: u32, t: u64) {
        self.steps += 1;
        if self.steps.is_multiple_of(97) {
            let running = (0..core.world.n_candidates)
                .filter(|&h| core.state(h).worm == WormState::Running)
                .count();
            assert_eq!(core.pending_scans() + 1, running, "at {t} us");
            self.checked += 1;
        }
        self.inner.step(core, host, key, t);
    }
    fn stop(&mut self, core: &mut BlasterCore<'_>, host: HostId, t: u64) {
        self.inner.stop(core, host, t);
    }
    fn finish(&mut self, core: &mut BlasterCore<'_>, end: u64) {
        self.inner.finish(core, end);
        assert_eq!(core.pending_scans(), 0, "every worm wound up");
    }
    fn filters_changed(&mut self, core: &mut BlasterCore<'_>, t: u64) {
        self.inner.filters_changed(core, t);
    }
    fn look(&self, core: &BlasterCore<'_>, scanner: HostId, addr: u32, t: u64) -> Found {
        self.inner.look(core, scanner, addr, t)
    }
}

/// A worm that stops (its host reboots, or goes offline under churn)
/// leaves no scan event behind: the queue holds one scan event per running
/// worm, however many reboots and switches there were, and none is run or
/// counted after its worm stopped.
#[test]
fn a_stopped_worm_leaves_no_scan_event_behind() {
    // Without churn for two hours; with it for a day and a half, since
    // 61.4/16 is in Asia, where the run starts at night.
    for (churn, hours) in [(false, 2), (true, 36)] {
        let mut s = xp_pool(hours);
        s.world.churn.enabled = churn;
        let world = generate(&s).unwrap();
        let mut core = BlasterCore::for_scenario(&s, &world);
        core.seed_hosts(&patient_zeros(&world, s.seed, 5));
        let mut driver = OneScanPerWorm {
            inner: ExactDriver::new(&world),
            steps: 0,
            checked: 0,
        };
        core.run(&mut driver, &mut |_| {});
        let r = core.into_result();
        assert!(r.totals.reboots > 1000, "churn {churn}: {:?}", r.totals);
        assert!(driver.checked > 100, "churn {churn}");
        if churn {
            assert!(r.rows.iter().any(|row| row.offline > 0));
        }
    }
}

/// Welchia's exploit chain honours the reach-back flaw switch as
/// Blaster's does: without the flaw a filtered shell port costs nothing
/// extra.
#[test]
fn welchias_timing_follows_the_reachback_switch() {
    let mut s = wormscope_scenario::default_scenario();
    for flaw in [true, false] {
        s.flaws.stage2_reachback = flaw;
        let p = Params::from_scenario(&s);
        let w = p.welchia.as_ref().expect("Welchia is on by default").timing;
        assert_eq!(
            w.attempt_filtered == w.attempt_refused,
            p.timing.attempt_filtered == p.timing.attempt_refused,
            "reach-back flaw {flaw}: Blaster {:?}, Welchia {w:?}",
            p.timing
        );
        assert_eq!(w.attempt_filtered == w.attempt_refused, !flaw);
    }
}
