//! Helpers shared by the differential test files: run both drivers on one
//! world and compare every row and total, what sensors saw, who exploited
//! whom when and with what outcome, and every candidate host's final state.
#![allow(dead_code)] // each test file uses its own subset

use wormscope_engine::core::{BlasterCore, HostState, ScanDriver};
use wormscope_engine::exact::ExactDriver;
use wormscope_engine::observe::{PlainRun, Watched};
use wormscope_engine::{BlasterRun, Observer, Span};
use wormscope_model::blaster::Outcome;
use wormscope_model::{Host, HostId, NO_SITE, SiteKind, World};
use wormscope_observe::sensor::Counts;
use wormscope_observe::{Sensor, SensorSet};
use wormscope_reference::ReferenceDriver;
use wormscope_scenario::{BlasterScenario, Percent, Prefix, SensorKind, SimDuration};

/// What the core told an observer, in the order it told it: everything
/// but the probes (which the drivers report differently, spans against
/// single probes, and the sensors compare).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Told {
    /// `attacker` exploited `victim` at `t` with this outcome.
    Exploit {
        t: u64,
        attacker: HostId,
        victim: HostId,
        outcome: Outcome,
    },
    WormStart(HostId, u64),
    WormStop(HostId, u64),
    WelchiaStart(HostId, u64),
    /// (host, since, until, period)
    Flood(HostId, u64, u64, u64),
    /// (host, its own address from now on, t): under churn, before a start.
    Address(HostId, u32, u64),
}

/// The sensors of a run, and a log of everything else the core tells
/// them (one observer, so the reference's per-probe calls stay direct).
struct Watch<'w> {
    sensors: SensorSet<'w>,
    log: Vec<Told>,
}

impl Observer for Watch<'_> {
    fn worm_start(&mut self, host: HostId, t: u64) {
        self.log.push(Told::WormStart(host, t));
        self.sensors.worm_start(host, t);
    }
    fn address(&mut self, host: HostId, addr: u32, t: u64) {
        self.log.push(Told::Address(host, addr, t));
        self.sensors.address(host, addr, t);
    }
    fn worm_stop(&mut self, host: HostId, t: u64) {
        self.log.push(Told::WormStop(host, t));
        self.sensors.worm_stop(host, t);
    }
    fn counter_worm_start(&mut self, host: HostId, t: u64) {
        self.log.push(Told::WelchiaStart(host, t));
        self.sensors.counter_worm_start(host, t);
    }
    fn flood(&mut self, host: HostId, since: u64, until: u64, period: u64) {
        self.log.push(Told::Flood(host, since, until, period));
        self.sensors.flood(host, since, until, period);
    }
    fn span(&mut self, scanner: HostId, span: &Span<'_>) {
        self.sensors.span(scanner, span);
    }
    fn batch(&mut self, scanner: HostId, pos: u32, n: u32, t: u64) {
        self.sensors.batch(scanner, pos, n, t);
    }
    fn probe(&mut self, scanner: HostId, addr: u32, t: u64) {
        self.sensors.probe(scanner, addr, t);
    }
    fn plain(&mut self, scanner: HostId, run: &PlainRun) {
        self.sensors.plain(scanner, run);
    }
    fn dropped(&mut self, scanner: HostId, addr: u32, t: u64) {
        self.sensors.dropped(scanner, addr, t);
    }
    fn exploit(&mut self, attacker: HostId, victim: HostId, t: u64, outcome: Outcome) {
        self.log.push(Told::Exploit {
            t,
            attacker,
            victim,
            outcome,
        });
        self.sensors.exploit(attacker, victim, t, outcome);
    }
    fn watched(&self) -> Vec<Watched> {
        self.sensors.watched()
    }
}

/// One exploit: (time, attacker, victim, outcome).
pub type Exploit = (u64, HostId, HostId, Outcome);

/// Everything one driver's run produced.
pub struct Run {
    pub result: BlasterRun,
    /// Final state of every candidate host (`BlasterCore::state`).
    pub states: Vec<HostState>,
    /// What the core told the observer, in order.
    pub log: Vec<Told>,
    /// Per sensor, what it counted.
    pub sensors: Vec<Counts>,
}

impl Run {
    /// The exploits, in the order they happened.
    pub fn exploits(&self) -> Vec<Exploit> {
        self.log
            .iter()
            .filter_map(|e| match *e {
                Told::Exploit {
                    t,
                    attacker,
                    victim,
                    outcome,
                } => Some((t, attacker, victim, outcome)),
                _ => None,
            })
            .collect()
    }

    /// How many worm instances started (Blaster's and Welchia's).
    pub fn worm_starts(&self) -> u64 {
        self.log
            .iter()
            .filter(|e| matches!(e, Told::WormStart(..)))
            .count() as u64
    }
}

/// Runs the scenario on `world` from `seeds` with `driver`, with the
/// sensors of [`sensors_near`] watching and a log of what the core told them.
pub fn run_with(
    s: &BlasterScenario,
    world: &World,
    seeds: &[HostId],
    mut driver: impl ScanDriver,
) -> Run {
    let (step, end) = (s.step.as_micros(), s.duration.as_micros());
    let mut watch = Watch {
        sensors: SensorSet::new(world, sensors_near(world, seeds), step, end),
        log: Vec::new(),
    };
    let mut core = BlasterCore::for_scenario(s, world);
    core.observe_with(&mut watch);
    core.seed_hosts(seeds);
    core.run(&mut driver, &mut |_| {});
    let states = (0..world.n_candidates).map(|h| *core.state(h)).collect();
    let result = core.into_result();
    Run {
        result,
        states,
        log: watch.log,
        sensors: watch.sensors.counts,
    }
}

/// Both drivers' runs of one scenario, compared.
pub struct Both {
    pub exact: Run,
    pub reference: Run,
}

/// Runs the exact engine and the reference and requires them to agree on
/// everything they both see: every row and total, every sensor's count in
/// every step (the observer hook is exact too), every exploit (time,
/// attacker, victim, outcome) and every worm start, stop and flood in the
/// order they happened, and the final state of every candidate host.
pub fn run_compared(s: &BlasterScenario, world: &World, seeds: &[HostId]) -> Both {
    let exact = run_with(s, world, seeds, ExactDriver::new(world));
    let reference = run_with(s, world, seeds, ReferenceDriver::new(world));
    assert_same(&exact.result, &reference.result);
    for (e, r) in exact.sensors.iter().zip(&reference.sensors) {
        assert_eq!(e, r, "the drivers' sensors saw different probes");
    }
    assert_same_log(world, &exact.log, &reference.log);
    assert_same_states(world, &exact.states, &reference.states);
    assert_log_matches_totals(&exact);
    Both { exact, reference }
}

/// The two logs, entry by entry; a difference is shown with the entries
/// before it, host ids with their addresses.
pub fn assert_same_log(world: &World, exact: &[Told], reference: &[Told]) {
    let first = exact.iter().zip(reference).position(|(e, r)| e != r);
    let Some(i) =
        first.or((exact.len() != reference.len()).then_some(exact.len().min(reference.len())))
    else {
        return;
    };
    let show = |log: &[Told]| {
        log[i.saturating_sub(3)..(i + 2).min(log.len())]
            .iter()
            .map(|e| format!("  {}", describe(world, e)))
            .collect::<Vec<_>>()
            .join("\n")
    };
    panic!(
        "the drivers' logs differ at entry {i} (exact {} entries, reference {}):\nexact:\n{}\nreference:\n{}",
        exact.len(),
        reference.len(),
        show(exact),
        show(reference)
    );
}

fn describe(world: &World, e: &Told) -> String {
    let at = |h: HostId| {
        format!(
            "{h} ({})",
            wormscope_model::addr::fmt(world.public_addr(world.host(h)))
        )
    };
    match *e {
        Told::Exploit {
            t,
            attacker,
            victim,
            outcome,
        } => format!(
            "t={t} exploit {} -> {}: {outcome:?}",
            at(attacker),
            at(victim)
        ),
        Told::WormStart(h, t) => format!("t={t} worm start {}", at(h)),
        Told::WormStop(h, t) => format!("t={t} worm stop {}", at(h)),
        Told::WelchiaStart(h, t) => format!("t={t} Welchia start {}", at(h)),
        Told::Flood(h, a, b, p) => format!("flood {} from {a} to {b} every {p}", at(h)),
        Told::Address(h, a, t) => {
            format!("t={t} {} now at {}", at(h), wormscope_model::addr::fmt(a))
        }
    }
}

/// Every candidate host ends in the same state.
pub fn assert_same_states(world: &World, exact: &[HostState], reference: &[HostState]) {
    assert_eq!(exact.len(), reference.len());
    for (h, (e, r)) in exact.iter().zip(reference).enumerate() {
        assert_eq!(
            e,
            r,
            "host {h} ({}) ends in different states",
            wormscope_model::addr::fmt(world.host(h as HostId).addr)
        );
    }
}

/// Each exploit the observer is told of is one counted probe: crashes,
/// infections, already-infected hosts and failed second stages happen only
/// in exploits, so the told ones equal the totals; no-effect probes also
/// come from static answerers, so the told ones are at most the total.
fn assert_log_matches_totals(run: &Run) {
    let exploits = run.exploits();
    for o in [
        Outcome::Crashed,
        Outcome::Infected,
        Outcome::AlreadyInfected,
        Outcome::Stage2Failed,
    ] {
        let told = exploits.iter().filter(|e| e.3 == o).count() as u64;
        assert_eq!(told, run.result.totals.outcome(o), "{o:?}: told vs counted");
    }
    let told = exploits.iter().filter(|e| e.3 == Outcome::NoEffect).count() as u64;
    assert!(told <= run.result.totals.outcome(Outcome::NoEffect));
    // A flood from `since` to `until` is one SYN every `period` from
    // `since` on; the rows hold every one of them.
    let told: u64 = run
        .log
        .iter()
        .map(|e| match *e {
            Told::Flood(_, since, until, period) => (until - since).div_ceil(period),
            _ => 0,
        })
        .sum();
    let rows: u64 = run.result.rows.iter().map(|r| r.flood_packets).sum();
    assert_eq!(told, rows, "flood packets: told vs counted");
}

/// The candidate that host `h`'s first worm start (as a patient zero)
/// exploits first for sure: one in its first batch that answers at time
/// zero. The exploit then happens once the batch's wait and the answerers
/// before it are done, whatever else the run does, unless `h` is crashed
/// first (which is an exploit too) or its worm is removed (users, removal
/// tools: off where this is used).
pub fn first_target(s: &BlasterScenario, world: &World, h: HostId) -> Option<HostId> {
    let core = BlasterCore::for_scenario(s, world);
    let me = world.host(h);
    let start = core
        .params
        .draw_blaster_start(u64::from(h) << 32, me.addr, false)
        .start;
    let own_site = (me.site != NO_SITE).then(|| world.sites[me.site as usize]);
    // Whom a probe of `me` to `addr` reaches: its own site's host inside
    // the site's range, a host with that public address outside it.
    let reaches = |v: &Host, addr: u32| match own_site {
        Some(site) if site.inside.contains(addr) => v.site == me.site && v.addr == addr,
        _ => {
            v.addr == addr
                && (v.site == NO_SITE
                    || matches!(
                        world.sites[v.site as usize].kind,
                        SiteKind::Enterprise { .. }
                    ))
        }
    };
    (0..s.worm.batch_size)
        .map(|i| start.wrapping_add(i))
        .find_map(|addr| {
            (0..world.n_candidates).find(|&v| reaches(world.host(v), addr) && core.answers(h, v, 0))
        })
}

/// The first infectable candidate with a public address that exploits a
/// host in its first batch as a patient zero (see [`first_target`]), and
/// that host.
pub fn lead_seed(s: &BlasterScenario, world: &World) -> Option<(HostId, HostId)> {
    (0..world.n_candidates)
        .filter(|&h| {
            let host = world.host(h);
            host.os.is_infectable() && world.public_addr(host) == host.addr
        })
        .find_map(|h| first_target(s, world, h).map(|v| (h, v)))
}

/// Runs both drivers (see [`run_compared`]); returns both results and the
/// final host states (the same in both).
pub fn run_both_with_states(
    s: &BlasterScenario,
    world: &World,
    seeds: &[HostId],
) -> (BlasterRun, BlasterRun, Vec<HostState>) {
    let Both { exact, reference } = run_compared(s, world, seeds);
    (exact.result, reference.result, exact.states)
}
/// Sensors where the first seed's scan goes: an edge around its /22, a
/// telescope over the /22 above, a distributed sensor on every eleventh live
/// address and a reporting delay of a step and a half.
pub fn sensors_near(world: &World, seeds: &[HostId]) -> Vec<Sensor> {
    let first = seeds
        .first()
        .map_or(0, |&h| world.public_addr(world.host(h)));
    let p22 = |a: u32| Prefix::new(a & !0x3ff, 22);
    let mut points: Vec<u32> = world.hosts.iter().step_by(11).map(|h| h.addr).collect();
    points.sort_unstable();
    points.dedup();
    let sensor = |name: &str, kind, prefix, points, delay| Sensor {
        name: String::from(name),
        kind,
        prefix,
        points,
        delay,
    };
    vec![
        sensor("edge", SensorKind::Edge, p22(first), Vec::new(), 0),
        sensor(
            "dark",
            SensorKind::Telescope,
            p22(first.wrapping_add(0x400)),
            Vec::new(),
            0,
        ),
        sensor("isc", SensorKind::Distributed, None, points, 15_000_000),
    ]
}

pub fn run_both(s: &BlasterScenario, world: &World, seeds: &[HostId]) -> (BlasterRun, BlasterRun) {
    let (e, r, _) = run_both_with_states(s, world, seeds);
    (e, r)
}

pub fn assert_same(e: &BlasterRun, r: &BlasterRun) {
    assert_eq!(e.totals, r.totals, "totals differ");
    for (i, (a, b)) in e.rows.iter().zip(&r.rows).enumerate() {
        assert_eq!(a, b, "row {i} differs");
    }
    assert_eq!(e.rows.len(), r.rows.len());
    let outcomes: u64 = e.totals.by_outcome.iter().sum();
    assert_eq!(
        outcomes, e.totals.probes,
        "every probe has exactly one outcome"
    );
}

pub fn small_generated(seed: u64, prefix: &str, hours: u64) -> BlasterScenario {
    let mut s = wormscope_scenario::default_scenario();
    s.seed = seed;
    s.world.only_in = vec![prefix.parse().unwrap()];
    s.world.used_slash16_pct = Percent::new(100.0).unwrap();
    s.duration = SimDuration::from_secs(hours * 3600);
    s.worm.initial_infected = 5;
    // Every host online all the time, as these worlds were built for
    // (churn has its own tests, `churn.rs`).
    s.world.churn.enabled = false;
    densify(&mut s);
    s
}

/// Makes the default world's broadband pools dense and open, so that a
/// small world has an outbreak worth comparing whatever the default
/// calibration is.
pub fn densify(s: &mut BlasterScenario) {
    let bb = &mut s.world.networks[0];
    bb.hosts_per_used_slash24 = 30.0;
    bb.nat_pct = Percent::new(30.0).unwrap();
    bb.firewall_pct = Percent::new(20.0).unwrap();
}

/// The lowest infectable host with a public address in each of the lower
/// /20s of `exactness.rs`'s spread worlds (61.4.240.0/20, 61.255.240.0/20):
/// their scans climb into the /20 above, across a /16 or a /8 border.
pub fn climbing_seeds(world: &World) -> Vec<HostId> {
    lowest_public_in(world, &[0x3d04_f000u32, 0x3dff_f000])
}

/// Per /20 starting at each of `bases`, its infectable candidate with a
/// public address lowest in it, if any.
pub fn lowest_public_in(world: &World, bases: &[u32]) -> Vec<HostId> {
    bases
        .iter()
        .filter_map(|&lo| {
            world
                .machines()
                .iter()
                .enumerate()
                .filter(|(_, h)| {
                    h.os.is_infectable()
                        && (lo..lo + 0x1000).contains(&h.addr)
                        && world.public_addr(h) == h.addr
                })
                .min_by_key(|(_, h)| h.addr)
                .map(|(i, _)| i as HostId)
        })
        .collect()
}
