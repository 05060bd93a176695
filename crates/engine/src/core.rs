//! The outbreak's shared state machine: every simulator of the model (the
//! exact engine, the probe-by-probe reference) runs on this, and differs only
//! in its [`ScanDriver`], the way scanners walk the address space.
//!
//! Owns: the dynamic state of each candidate host, the event queue, what an
//! exploit does to a victim (MODEL.md section 1), and the bookkeeping of
//! probe outcomes and the time series. Knows nothing of how addresses are
//! enumerated.
//!
//! Events are ordered by (time, kind, host): at equal times host events
//! (reboot, back online, worm start) come before scanning, and hosts in id
//! order. That order is the only tie-break, so a run is reproducible.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use wormscope_model::blaster::{self, Guess, Outcome, Timing, Victim, WormStart};
use wormscope_model::generate::patient_zeros;
use wormscope_model::host::Os;
use wormscope_model::net::{self, Service};
use wormscope_model::rng::{self, Purpose};
use wormscope_model::{HostId, World};
use wormscope_scenario::{BlasterConfig, HostConfig, Scenario};

use crate::observe::Observer;
use crate::series::{Row, RunResult, Totals};

/// The numbers a run needs, resolved from the scenario into microseconds.
#[derive(Clone, Debug)]
pub struct Params {
    pub seed: u64,
    pub timing: Timing,
    pub worm: BlasterConfig,
    pub hosts: HostConfig,
    /// Simulated time at which the run stops (exclusive).
    pub end: u64,
    /// Width of one time-series row.
    pub step: u64,
}

impl Params {
    pub fn from_scenario(s: &Scenario) -> Params {
        Params {
            seed: s.seed,
            timing: Timing::from_config(&s.worm),
            worm: s.worm.clone(),
            hosts: s.hosts.clone(),
            end: s.duration.as_micros(),
            step: s.step.as_micros(),
        }
    }

    fn crash_reboot_after(&self, os: Os) -> Option<u64> {
        let h = &self.hosts;
        let after = match os {
            Os::Xp => h.xp_crash_reboot_after,
            Os::W2000 => h.w2000_crash_reboot_after,
            Os::Nt4 => h.nt4_crash_reboot_after,
            Os::W2003 => h.w2003_crash_reboot_after,
            Os::Other => return None,
        };
        after.as_option().map(|d| d.as_micros())
    }
}

/// Where the worm stands on a host.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum WormState {
    #[default]
    Clean,
    /// Exploited; the body is on its way and the worm will start.
    Pending,
    /// The worm runs and scans.
    Running,
    /// Installed (Run key) but not running: the host is rebooting.
    Dormant,
}

/// The dynamic state of one candidate host.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HostState {
    pub worm: WormState,
    pub online: bool,
    pub rpc_up: bool,
    /// Bumped at every reboot: events of an earlier life are stale.
    pub life: u32,
    /// Worm starts so far (names each start's random stream).
    pub starts: u32,
    pub ever_infected: bool,
}

impl Default for HostState {
    fn default() -> Self {
        HostState {
            worm: WormState::Clean,
            online: true,
            rpc_up: true,
            life: 0,
            starts: 0,
            ever_infected: false,
        }
    }
}

impl HostState {
    fn worm_present(&self) -> bool {
        self.worm != WormState::Clean
    }
}

/// Kinds of events, in their tie-break order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
#[repr(u8)]
enum Kind {
    Reboot = 0,
    Online = 1,
    WormStart = 2,
    Scan = 3,
}

/// An event packed into one integer whose order is the event order:
/// time (64 bits), kind (2), host (32), life of the host when scheduled
/// (30, enough for a billion reboots). One integer compares much faster than
/// a tuple, and the queue's pops are the engine's hottest path.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Event(u128);

impl Event {
    const LIFE_BITS: u32 = 30;

    fn new(t: u64, kind: Kind, host: HostId, life: u32) -> Event {
        Event(
            (u128::from(t) << 64)
                | (u128::from(kind as u8) << 62)
                | (u128::from(host) << Self::LIFE_BITS)
                | u128::from(life & ((1 << Self::LIFE_BITS) - 1)),
        )
    }

    fn time(self) -> u64 {
        (self.0 >> 64) as u64
    }

    fn kind(self) -> Kind {
        match (self.0 >> 62) & 3 {
            0 => Kind::Reboot,
            1 => Kind::Online,
            2 => Kind::WormStart,
            _ => Kind::Scan,
        }
    }

    fn host(self) -> HostId {
        (self.0 >> Self::LIFE_BITS) as u32
    }

    fn life(self) -> u32 {
        (self.0 as u32) & ((1 << Self::LIFE_BITS) - 1)
    }
}

/// How a simulator walks the address space for its scanners. The core
/// calls these; the driver calls back into the core to schedule its next
/// scan event, test answers, exploit and count probes.
pub trait ScanDriver {
    /// A worm instance started on `host` at `t`.
    fn start(&mut self, core: &mut Core<'_>, host: HostId, t: u64, start: WormStart);
    /// `host`'s scan event at `t` fired.
    fn step(&mut self, core: &mut Core<'_>, host: HostId, t: u64);
    /// `host`'s worm stopped at `t` (reboot): account what it did before.
    fn stop(&mut self, core: &mut Core<'_>, host: HostId, t: u64);
    /// The run ends at `end`: account every running scanner's work.
    fn finish(&mut self, core: &mut Core<'_>, end: u64);
}

/// The shared outbreak state.
pub struct Core<'w> {
    pub world: &'w World,
    pub params: Params,
    state: Vec<HostState>,
    queue: BinaryHeap<Reverse<Event>>,
    rows: Vec<Row>,
    totals: Totals,
    /// Current counts, snapshotted into each row at its end.
    infected_now: u64,
    scanning_now: u64,
    crashed_now: u64,
    rebooting_now: u64,
    next_row: usize,
    events: u64,
    /// Sees every accounted probe and exploit (see [`crate::observe`]).
    observer: Option<&'w mut (dyn Observer + 'w)>,
}

impl<'w> Core<'w> {
    pub fn new(world: &'w World, params: Params) -> Core<'w> {
        let n_rows = params.end.div_ceil(params.step) as usize;
        Core {
            world,
            state: vec![HostState::default(); world.n_candidates as usize],
            queue: BinaryHeap::new(),
            rows: vec![Row::default(); n_rows],
            totals: Totals::default(),
            infected_now: 0,
            scanning_now: 0,
            crashed_now: 0,
            rebooting_now: 0,
            next_row: 0,
            events: 0,
            observer: None,
            params,
        }
    }

    /// Infects the scenario's initial hosts at time zero.
    pub fn seed_patient_zeros(&mut self, n: u32) {
        let chosen = patient_zeros(self.world, self.params.seed, n);
        self.seed_hosts(&chosen);
    }

    /// Infects the given candidate hosts at time zero.
    pub fn seed_hosts(&mut self, hosts: &[HostId]) {
        for &h in hosts {
            let s = &mut self.state[h as usize];
            s.worm = WormState::Pending;
            let life = s.life;
            self.push(0, Kind::WormStart, h, life);
        }
    }

    /// Installs an observer for the run (see [`crate::observe`]).
    pub fn observe_with(&mut self, observer: &'w mut (dyn Observer + 'w)) {
        self.observer = Some(observer);
    }

    /// The observer, if one is installed (drivers report to it).
    #[inline]
    pub fn observer(&mut self) -> Option<&mut (dyn Observer + 'w)> {
        self.observer.as_deref_mut()
    }

    pub fn state(&self, host: HostId) -> &HostState {
        &self.state[host as usize]
    }

    /// Schedules `host`'s next scan event.
    pub fn schedule_scan(&mut self, host: HostId, t: u64) {
        let life = self.state[host as usize].life;
        self.push(t, Kind::Scan, host, life);
    }

    fn push(&mut self, t: u64, kind: Kind, host: HostId, life: u32) {
        self.queue.push(Reverse(Event::new(t, kind, host, life)));
    }

    /// Runs events until the end time, then lets the driver account what
    /// is still under way.
    pub fn run(&mut self, driver: &mut impl ScanDriver, progress: &mut dyn FnMut(u64)) {
        let end = self.params.end;
        let mut since_progress = 0u32;
        while let Some(&Reverse(event)) = self.queue.peek() {
            let (t, kind, host, life) = (event.time(), event.kind(), event.host(), event.life());
            if t >= end {
                break;
            }
            self.queue.pop();
            self.events += 1;
            self.close_rows_before(t);
            since_progress += 1;
            if since_progress == 1 << 16 {
                since_progress = 0;
                progress(t);
            }
            if life != self.state[host as usize].life & ((1 << Event::LIFE_BITS) - 1) {
                continue; // scheduled in an earlier life of the host
            }
            match kind {
                Kind::Reboot => self.on_reboot(driver, host, t),
                Kind::Online => self.on_online(host, t),
                Kind::WormStart => self.on_worm_start(driver, host, t),
                Kind::Scan => driver.step(self, host, t),
            }
        }
        driver.finish(self, end);
        self.close_rows_before(end);
        progress(end);
    }

    /// Snapshots the current counts into every row that ends at or before
    /// `t`.
    fn close_rows_before(&mut self, t: u64) {
        let step = self.params.step;
        while self.next_row < self.rows.len() && (self.next_row as u64 + 1) * step <= t {
            let row = &mut self.rows[self.next_row];
            row.infected = self.infected_now;
            row.scanning = self.scanning_now;
            row.crashed = self.crashed_now;
            row.rebooting = self.rebooting_now;
            self.next_row += 1;
        }
    }

    fn row_at(&mut self, t: u64) -> &mut Row {
        let i = (t / self.params.step) as usize;
        &mut self.rows[i]
    }

    fn on_worm_start(&mut self, driver: &mut impl ScanDriver, host: HostId, t: u64) {
        let s = &mut self.state[host as usize];
        if !s.online || !matches!(s.worm, WormState::Pending | WormState::Dormant) {
            return;
        }
        if s.worm == WormState::Pending {
            self.infected_now += 1;
            self.totals.infections += 1;
            if !s.ever_infected {
                s.ever_infected = true;
                self.totals.ever_infected += 1;
            }
            self.row_at(t).new_infections += 1;
        }
        let s = &mut self.state[host as usize];
        s.worm = WormState::Running;
        let index = (u64::from(host) << 32) | u64::from(s.starts);
        s.starts += 1;
        self.scanning_now += 1;
        let h = self.world.host(host);
        let mut rng = rng::stream(self.params.seed, Purpose::WormStart, index);
        let start = blaster::draw_start(&mut rng, h.addr, &self.params.worm);
        if let Some(o) = self.observer() {
            o.worm_start(host, t);
        }
        driver.start(self, host, t, start);
    }

    fn on_reboot(&mut self, driver: &mut impl ScanDriver, host: HostId, t: u64) {
        let s = self.state[host as usize];
        if s.worm == WormState::Running {
            driver.stop(self, host, t);
            if let Some(o) = self.observer() {
                o.worm_stop(host, t);
            }
            self.scanning_now -= 1;
        }
        let s = &mut self.state[host as usize];
        if !s.rpc_up {
            self.crashed_now -= 1;
        }
        s.worm = match s.worm {
            WormState::Running | WormState::Dormant => WormState::Dormant,
            // The body was on its way but never ran: no Run key yet.
            WormState::Pending | WormState::Clean => WormState::Clean,
        };
        s.online = false;
        s.rpc_up = false;
        s.life += 1;
        let life = s.life;
        self.rebooting_now += 1;
        self.totals.reboots += 1;
        self.row_at(t).reboots += 1;
        let back = t + self.params.hosts.reboot_duration.as_micros();
        self.push(back, Kind::Online, host, life);
    }

    fn on_online(&mut self, host: HostId, t: u64) {
        let s = &mut self.state[host as usize];
        s.online = true;
        s.rpc_up = true;
        self.rebooting_now -= 1;
        if s.worm == WormState::Dormant {
            let life = s.life;
            let at = t + self.params.worm.start_after_boot.as_micros();
            self.push(at, Kind::WormStart, host, life);
        }
    }

    /// Whether candidate `victim` answers `attacker`'s connect to 135/tcp
    /// at this moment.
    pub fn answers(&self, attacker: HostId, victim: HostId) -> bool {
        let s = &self.state[victim as usize];
        s.online
            && s.rpc_up
            && net::can_connect(
                self.world,
                self.world.host(attacker),
                self.world.host(victim),
                Service::Rpc135Tcp,
            )
    }

    /// `attacker` (whose worm uses `guess`) exploits candidate `victim` at
    /// `t`. Applies the effect, counts the outcome and returns how long the
    /// attacker is busy with it.
    pub fn exploit(&mut self, attacker: HostId, guess: Guess, victim: HostId, t: u64) -> u64 {
        let world = self.world;
        let a = world.host(attacker);
        let v = world.host(victim);
        let vs = self.state[victim as usize];
        let shell_reachable = net::can_connect(world, a, v, Service::Shell4444Tcp);
        let outcome = blaster::exploit(
            guess,
            Victim {
                host: v,
                rpc_up: vs.rpc_up && vs.online,
                worm_present: vs.worm_present(),
                shell_reachable,
                tftp_reachable: net::tftp_reachback(world, a, v),
            },
        );
        self.count(outcome, 1);
        if let Some(o) = self.observer() {
            o.exploit(attacker, victim, t, outcome);
        }
        match outcome {
            Outcome::Crashed => {
                let s = &mut self.state[victim as usize];
                s.rpc_up = false;
                self.crashed_now += 1;
                self.totals.crashes += 1;
                self.row_at(t).crashes += 1;
                if let Some(after) = self.params.crash_reboot_after(v.os) {
                    let life = self.state[victim as usize].life;
                    self.push(t + after, Kind::Reboot, victim, life);
                }
            }
            Outcome::Infected => {
                let s = &mut self.state[victim as usize];
                s.worm = WormState::Pending;
                let life = s.life;
                let at = t + self.params.timing.chain_complete;
                self.push(at, Kind::WormStart, victim, life);
            }
            _ => {}
        }
        self.params.timing.attacker_busy(outcome, shell_reachable)
    }

    /// Counts `n` probes that ended in `outcome` (the time series counts
    /// probes separately, by batch start: [`Core::count_probes`]).
    pub fn count(&mut self, outcome: Outcome, n: u64) {
        self.totals.by_outcome[outcome as usize] += n;
    }

    /// Counts `n` probes sent in a batch that started at `t`.
    pub fn count_probes(&mut self, t: u64, n: u64) {
        self.totals.probes += n;
        self.row_at(t).probes += n;
    }

    /// Adds probes to the row with index `row` (for drivers that split a
    /// run of batches across rows themselves).
    pub fn count_probes_in_row(&mut self, row: usize, n: u64) {
        self.totals.probes += n;
        self.rows[row].probes += n;
    }

    pub fn into_result(self) -> RunResult {
        RunResult {
            step: self.params.step,
            rows: self.rows,
            totals: self.totals,
            events: self.events,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packed_events_keep_the_tuple_order() {
        let events = [
            (5u64, Kind::Scan, 1u32, 0u32),
            (5, Kind::Reboot, 9, 3),
            (4, Kind::Scan, 0, 7),
            (5, Kind::Scan, 0, 1),
            (u64::MAX, Kind::Online, u32::MAX, (1 << 30) - 1),
            (5, Kind::WormStart, 2, 0),
        ];
        let mut by_tuple = events.to_vec();
        by_tuple.sort();
        let mut by_packed: Vec<Event> = events
            .iter()
            .map(|&(t, k, h, l)| Event::new(t, k, h, l))
            .collect();
        by_packed.sort();
        let unpacked: Vec<_> = by_packed
            .iter()
            .map(|e| (e.time(), e.kind(), e.host(), e.life()))
            .collect();
        assert_eq!(unpacked, by_tuple);
    }
}
