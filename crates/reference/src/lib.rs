//! The reference simulator: every probe of every scanner, one at a time.
//!
//! Written for clarity, not speed. It shares the engine's [`BlasterCore`] (host
//! states, events, what an exploit does) but walks the address space on its
//! own: each probe's address is looked up in a hash map of the live hosts
//! built here from the world's host list, and whether it answers is asked of
//! [`wormscope_model::reach::Reach`] (the static rule of
//! [`wormscope_model::net::can_connect`] and the run's defenses) directly.
//! It never uses the world's sorted views nor the engine's skips, which is
//! what makes agreement between the two a proof that the skips are exact.
//! With random targets (`targeting = "uniform-random"` or
//! `"local-preference"`, the latter by `model::targeting::LocalPreference`)
//! it draws every
//! address of every batch from its own stream, so the agreement is in
//! distribution. A permutation scanner (`"permutation"`) walks
//! `model::targeting::PermutationScan` address by address from the stream
//! the exact driver's walk takes, so the outbreak agrees run by run (what
//! the probes that do not matter find, and what observers see of them, the
//! exact driver draws).
//!
//! Used by the differential tests and by `wormscope bench` to measure the
//! engine's speed-up. Not for internet-scale worlds.

pub mod population;

use std::collections::{HashMap, VecDeque};

use rand::RngExt;
use rand_chacha::ChaCha8Rng;

use wormscope_engine::BlasterRun;
use wormscope_engine::core::{BatchBudget, BlasterCore, Found, ScanDriver};
use wormscope_engine::random_targets::{walk_stream, walked_permutation};
use wormscope_model::blaster::{Guess, Outcome, WormStart};
use wormscope_model::rng::{self, Purpose};
use wormscope_model::service::Service;
use wormscope_model::site::SiteKind;
use wormscope_model::targeting::{LocalPreference, LocalShares, PermutationScan, TargetSource};
use wormscope_model::{HostId, NO_SITE, SiteId, World};
use wormscope_scenario::{BlasterScenario, TargetingKind};

/// Mixed into the seed of the reference's random targets, so that its
/// draws are not the exact driver's (their agreement is in distribution).
const REFERENCE_STREAMS: u64 = 0x5EF5_7EA4;

/// Runs the scenario on `world`, probe by probe, from the scenario's
/// patient zeros.
pub fn simulate_reference(scenario: &BlasterScenario, world: &World) -> BlasterRun {
    let mut core = BlasterCore::for_scenario(scenario, world);
    core.seed_patient_zeros(scenario.worm.initial_infected);
    let mut driver = ReferenceDriver::new(world);
    core.run(&mut driver, &mut |_| {});
    core.into_result()
}

/// What lives at an address.
#[derive(Clone, Copy, Debug)]
enum Target {
    Host(HostId),
    /// A NAT gateway (its public address, or its LAN address): live, mute.
    Gateway,
}

/// What a scanner still has to do after a batch's wait.
#[derive(Clone, Copy, Debug)]
enum Pending {
    /// A host that answered but cannot be changed, and how long the
    /// exploit attempt on it takes.
    Static(u64),
    Candidate(HostId),
}

struct RefScanner {
    guess: Guess,
    next_addr: u32,
    /// Random targets: every address drawn from this stream, or by this
    /// local-preference generator.
    random: Option<RandomTargets>,
    pending: VecDeque<Pending>,
    /// Batches it may still send.
    budget: BatchBudget,
    /// Which of its probes a network capacity drops.
    arrivals: ChaCha8Rng,
}

/// How a random-targets scanner draws each address.
enum RandomTargets {
    /// `targeting = "uniform-random"`: uniformly from the driver's space.
    Uniform(ChaCha8Rng),
    /// `targeting = "local-preference"`: the model's generator, its draws
    /// over the whole space taken from the driver's space.
    Local(LocalPreference),
    /// `targeting = "permutation"`: the model's walk of the driver's space
    /// (positions order `address - offset`), from the stream the exact
    /// driver's walk takes: the same walk, address by address.
    Walk { scan: PermutationScan, offset: u32 },
}

/// The probe-by-probe driver.
pub struct ReferenceDriver<'w> {
    world: &'w World,
    public: HashMap<u32, Target>,
    inside: HashMap<(SiteId, u32), Target>,
    scanners: HashMap<HostId, RefScanner>,
    /// Random targets are drawn from `[space.0, space.1)`.
    space: (u64, u64),
    /// Worm starts so far, per host: names each start's stream.
    starts: HashMap<HostId, u64>,
}

impl<'w> ReferenceDriver<'w> {
    pub fn new(world: &'w World) -> Self {
        Self::within(world, (0, 1 << 32))
    }

    /// A driver whose random targets are drawn from `[space.0, space.1)`
    /// (the exact side: `RandomTargetsDriver::within`).
    pub fn within(world: &'w World, space: (u64, u64)) -> Self {
        let mut public = HashMap::new();
        let mut inside = HashMap::new();
        for (id, h) in world.hosts.iter().enumerate() {
            let target = Target::Host(id as HostId);
            if h.site == NO_SITE {
                public.insert(h.addr, target);
                continue;
            }
            inside.insert((h.site, h.addr), target);
            if let SiteKind::Enterprise { .. } = world.sites[h.site as usize].kind {
                // An enterprise's addresses are public too.
                public.insert(h.addr, target);
            }
        }
        for (s, site) in world.sites.iter().enumerate() {
            if let SiteKind::Nat { public_addr } = site.kind {
                public.insert(public_addr, Target::Gateway);
                inside.insert((s as SiteId, site.inside.base() | 1), Target::Gateway);
            }
        }
        ReferenceDriver {
            world,
            public,
            inside,
            scanners: HashMap::new(),
            space,
            starts: HashMap::new(),
        }
    }

    /// What `scanner`'s probe to `addr` reaches: its own site's hosts for
    /// the site's inside addresses, the public internet otherwise.
    fn lookup(&self, scanner: HostId, addr: u32) -> Option<Target> {
        let h = self.world.host(scanner);
        if h.site != NO_SITE && self.world.sites[h.site as usize].inside.contains(addr) {
            return self.inside.get(&(h.site, addr)).copied();
        }
        self.public.get(&addr).copied()
    }

    /// Sends one batch at `t`: every address probed and classified.
    fn batch(&mut self, core: &mut BlasterCore<'_>, scanner: HostId, t: u64) {
        let budget = &mut self.scanners.get_mut(&scanner).expect("running").budget;
        if budget.is_spent() {
            // Its probe limit or its payload's crash: checked between
            // batches.
            self.wind_up(core, scanner);
            core.scan_spent(scanner, t);
            return;
        }
        budget.spend(1);
        let timing = core.timing_of(scanner);
        let first = self.scanners[&scanner].next_addr;
        let space = self.space;
        let addrs: Vec<u32> = match &mut self.scanners.get_mut(&scanner).expect("running").random {
            Some(RandomTargets::Uniform(rng)) => (0..timing.batch_size)
                .map(|_| (space.0 + rng.random_range(0..space.1 - space.0)) as u32)
                .collect(),
            Some(RandomTargets::Local(local)) => (0..timing.batch_size)
                .map(|_| local.next_target())
                .collect(),
            Some(RandomTargets::Walk { scan, offset }) => (0..timing.batch_size)
                .map(|_| *offset + scan.next_target())
                .collect(),
            None => (0..timing.batch_size)
                .map(|i| first.wrapping_add(i))
                .collect(),
        };
        let mut pending = VecDeque::new();
        let h = self.world.host(scanner);
        let own = (h.site != NO_SITE).then(|| self.world.sites[h.site as usize].inside);
        for addr in addrs {
            core.count_probes(t, 1);
            // A probe that leaves its scanner's site crosses the network,
            // whose capacity may drop it.
            let sc = self.scanners.get_mut(&scanner).expect("running");
            if !own.is_some_and(|p| p.contains(addr)) && !core.arrives(t, &mut sc.arrivals) {
                core.count_dropped(t, 1);
                if let Some(o) = core.observer() {
                    o.dropped(scanner, addr, t);
                }
                continue;
            }
            if let Some(o) = core.observer() {
                o.probe(scanner, addr, t);
            }
            match ScanDriver::look(self, core, scanner, addr, t) {
                Found::Nothing(outcome) => core.count(outcome, 1),
                Found::Static { slow } => {
                    core.count(Outcome::NoEffect, 1);
                    pending.push_back(Pending::Static(if slow {
                        timing.attempt_filtered
                    } else {
                        timing.attempt_refused
                    }));
                }
                Found::Candidate(id) => pending.push_back(Pending::Candidate(id)),
            }
        }
        let sc = self.scanners.get_mut(&scanner).expect("running");
        sc.next_addr = first.wrapping_add(timing.batch_size);
        sc.pending = pending;
        self.work(core, scanner, t + timing.batch_wait);
    }

    /// Works through the pending exploits from `t`.
    fn work(&mut self, core: &mut BlasterCore<'_>, scanner: HostId, mut t: u64) {
        let sc = self.scanners.get_mut(&scanner).expect("running");
        while let Some(&p) = sc.pending.front() {
            match p {
                Pending::Static(busy) => {
                    t += busy;
                    sc.pending.pop_front();
                }
                Pending::Candidate(_) => {
                    core.schedule_scan(scanner, scanner, t);
                    return;
                }
            }
        }
        core.schedule_scan(scanner, scanner, t);
    }

    fn wind_up(&mut self, core: &mut BlasterCore<'_>, scanner: HostId) {
        core.cancel_scan(scanner);
        if let Some(sc) = self.scanners.remove(&scanner) {
            let left = sc
                .pending
                .iter()
                .filter(|p| matches!(p, Pending::Candidate(_)))
                .count();
            core.count(Outcome::Unresolved, left as u64);
        }
    }
}

impl ScanDriver for ReferenceDriver<'_> {
    fn start(&mut self, core: &mut BlasterCore<'_>, host: HostId, t: u64, start: WormStart) {
        let n = self.starts.entry(host).or_default();
        let index = (u64::from(host) << 32) | *n;
        *n += 1;
        let stream = || {
            rng::stream(
                core.params.seed ^ REFERENCE_STREAMS,
                Purpose::RandomTargets,
                index,
            )
        };
        let random = match core.targeting_of(host) {
            TargetingKind::Sequential => None,
            TargetingKind::UniformRandom => Some(RandomTargets::Uniform(stream())),
            TargetingKind::LocalPreference => {
                let shares = LocalShares::of(&core.params.worm.local_preference)
                    .expect("the scenario checks the shares");
                let own = core.session_address(host);
                Some(RandomTargets::Local(
                    LocalPreference::new(own, shares, stream()).anywhere_in(self.space),
                ))
            }
            TargetingKind::Permutation => Some(RandomTargets::Walk {
                scan: PermutationScan::at_random_position(
                    walked_permutation(&core.params.worm, self.space),
                    walk_stream(core.params.seed, index),
                ),
                offset: self.space.0 as u32,
            }),
        };
        self.scanners.insert(
            host,
            RefScanner {
                guess: start.guess,
                next_addr: start.start,
                random,
                pending: VecDeque::new(),
                budget: core.batch_budget(host),
                arrivals: rng::stream(
                    core.params.seed ^ REFERENCE_STREAMS,
                    Purpose::Arrivals,
                    index,
                ),
            },
        );
        core.schedule_scan(host, host, t);
    }

    fn step(&mut self, core: &mut BlasterCore<'_>, host: HostId, _key: u32, t: u64) {
        let sc = self.scanners.get_mut(&host).expect("running");
        match sc.pending.pop_front() {
            Some(Pending::Candidate(victim)) => {
                let guess = sc.guess;
                let (busy, outcome) = core.exploit(host, guess, victim, t);
                if outcome == Outcome::AlreadyInfected
                    && let Some(RandomTargets::Walk { scan, .. }) =
                        &mut self.scanners.get_mut(&host).expect("running").random
                {
                    // The next batch starts at a random position.
                    scan.found_infected();
                }
                self.work(core, host, t + busy);
            }
            Some(Pending::Static(_)) => unreachable!("work() consumes static steps"),
            None => self.batch(core, host, t),
        }
    }

    fn stop(&mut self, core: &mut BlasterCore<'_>, host: HostId, _t: u64) {
        self.wind_up(core, host);
    }

    fn filters_changed(&mut self, _core: &mut BlasterCore<'_>, _t: u64) {
        // Every probe asks the filters at its own time: nothing planned.
    }

    fn look(&self, core: &BlasterCore<'_>, scanner: HostId, addr: u32, t: u64) -> Found {
        match self.lookup(scanner, addr) {
            None => Found::Nothing(Outcome::NoHost),
            Some(Target::Gateway) => Found::Nothing(Outcome::NoAnswer),
            Some(Target::Host(id)) => {
                let victim = self.world.host(id);
                let reach = core.reach();
                if !(victim.rpc_open && reach.connects(scanner, id, Service::Rpc135Tcp, t)) {
                    Found::Nothing(Outcome::NoAnswer)
                } else if id >= self.world.n_candidates {
                    let shell = reach.connects(scanner, id, Service::Shell4444Tcp, t);
                    Found::Static { slow: !shell }
                } else if core.answers(scanner, id, t) {
                    Found::Candidate(id)
                } else {
                    Found::Nothing(Outcome::NoAnswer)
                }
            }
        }
    }

    fn finish(&mut self, core: &mut BlasterCore<'_>, _end: u64) {
        let mut running: Vec<HostId> = self.scanners.keys().copied().collect();
        running.sort_unstable();
        for h in running {
            self.wind_up(core, h);
        }
    }
}
