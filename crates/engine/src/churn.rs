//! Hosts that come and go (issue 18): each candidate host's availability
//! schedule for a run, and the address it has in each online stretch.
//!
//! The schedules themselves (time zones, daily habits, DHCP draws) are
//! `wormscope_model::availability`'s; this module only decides which
//! schedule a candidate of this world gets, from its network's kind, and
//! answers the core's two questions: is the host online at a moment, until
//! when, and from which address does it scan and show itself to sensors.
//!
//! What the model does with it (the core's business, see
//! [`crate::core`]): an offline host neither scans nor answers; going
//! offline is handled like the start of a reboot without the symptom, and
//! coming back like the end of one: a worm installed on the host starts
//! again from the Run key.
//!
//! Simplifications, each a documented limitation:
//! - only candidates (hosts the worm can change) come and go; the hosts it
//!   cannot change (answerers, silent hosts) are always on, so the views'
//!   static classes stay static and the exact driver's skips stay exact;
//! - a host is probed at the address the world gave it: a pool host's
//!   session address is where it scans from (Blaster's local start) and
//!   what sensors see, not where other scanners find it. Since a pool's
//!   hosts are alike, the chance to be found is the same;
//! - a mobile machine is two candidates of the world (`World::home_of`):
//!   its office identity is online when its schedule says
//!   [`Presence::Online`], its home identity (a directly connected pool
//!   address, with a new address each session) when it says
//!   [`Presence::Roaming`]; both follow the one schedule, and the core
//!   moves the machine's state between them. A laptop that is behind a
//!   home router at home has no home identity: it is off the simulated
//!   network there, as nothing outside reaches it;
//! - hosts behind NAT keep their gateway's address (the router, not the
//!   machine, holds the line).
//!
//! May not touch: the queue or host states (the core's).

use wormscope_model::availability::{
    Availability, DAY_US, HostClass, HostSchedule, NetworkHours, Presence, Slash8Regions, Switch,
    UtcOffset, session_address,
};
use wormscope_model::{HostId, World};
use wormscope_scenario::{BlasterScenario, Prefix};

/// Usable addresses of a /24 pool: .1 to .254.
const POOL_SIZE: u32 = 254;

/// A run's availability: the schedule of every candidate.
#[derive(Clone, Debug)]
pub struct Churn {
    availability: Availability,
    /// Wall-clock time of simulated time zero, microseconds since 1970.
    start_unix_us: u64,
    schedules: Vec<HostSchedule>,
    /// Per candidate: its address changes with each session (a pool host
    /// with its own public address).
    dhcp: Vec<bool>,
    /// The first home identity of a mobile machine: candidates from here
    /// on are online when their schedule roams.
    first_home: HostId,
}

impl Churn {
    /// The schedules of `world`'s candidates for `scenario`'s run, or
    /// `None` when `[world.churn]` is off.
    pub fn for_scenario(scenario: &BlasterScenario, world: &World) -> Option<Churn> {
        let cfg = &scenario.world.churn;
        if !cfg.enabled {
            return None;
        }
        let availability = Availability::new(cfg.clone());
        let regions = Slash8Regions::from_registry();
        let seed = scenario.seed;
        let networks = &scenario.world.networks;
        let mut schedules = Vec::with_capacity(world.n_candidates as usize);
        let mut dhcp = Vec::with_capacity(world.n_candidates as usize);
        // Candidates come by address, so a network's hosts follow one
        // another: its offset is drawn once for them.
        let mut last_network: Option<(Prefix, UtcOffset)> = None;
        for (id, h) in world.candidates().iter().enumerate() {
            let id = id as HostId;
            if let Some(office) = world.office_of(id) {
                // The same machine as its office identity, on its schedule.
                schedules.push(schedules[office as usize]);
                dhcp.push(true);
                continue;
            }
            let kind = networks.get(usize::from(h.network));
            let hours = kind.map_or(NetworkHours::Server, |k| k.hours);
            let public = world.public_addr(h);
            let len = kind.map_or(24, |k| k.prefix_len);
            let network = Prefix::containing(public, len.min(32)).expect("at most 32");
            let offset = match last_network {
                Some((n, offset)) if n == network => offset,
                _ => availability.network_offset(seed, network, &regions),
            };
            last_network = Some((network, offset));
            let of_class = |class| availability.schedule(seed, id, class, offset);
            schedules.push(match hours {
                NetworkHours::Subscriber => availability.subscriber_schedule(seed, id, offset),
                NetworkHours::Office if world.home_of(id).is_some() => of_class(HostClass::Mobile),
                NetworkHours::Office => of_class(HostClass::Office),
                NetworkHours::Server => of_class(HostClass::Server),
            });
            // Behind NAT the router holds the line, not the machine.
            dhcp.push(hours == NetworkHours::Subscriber && public == h.addr);
        }
        Some(Churn {
            availability,
            start_unix_us: u64::try_from(scenario.start.as_microsecond())
                .expect("validated: a scenario starts after 1970"),
            schedules,
            dhcp,
            first_home: world.n_machines(),
        })
    }

    /// Whether candidate `host` is online at simulated time `t`.
    pub fn online_at(&self, host: HostId, t: u64) -> bool {
        let h = &self.schedules[host as usize];
        let (presence, _) = self
            .availability
            .presence_until(h, self.start_unix_us.saturating_add(t));
        self.online_in(host, presence)
    }

    /// Whether candidate `host` is online when its schedule says
    /// `presence`: a home identity when the machine roams, any other when
    /// it is online on its own network.
    pub fn online_in(&self, host: HostId, presence: Presence) -> bool {
        if host >= self.first_home {
            presence == Presence::Roaming
        } else {
            presence == Presence::Online
        }
    }

    /// Appends `host`'s switches after simulated time `t` for a day (at
    /// least the next one, if it ever switches again) to `out`: (simulated
    /// time, the state it begins; [`Churn::online_in`] says what the core makes
    /// of it). Listing a day at once costs about what finding one switch
    /// does.
    pub fn upcoming(&self, host: HostId, t: u64, out: &mut Vec<(u64, Presence)>) {
        let h = &self.schedules[host as usize];
        let from = self.start_unix_us.saturating_add(t);
        let first = out.len();
        self.availability
            .switches(h, from, from.saturating_add(DAY_US), out);
        self.to_simulated(&mut out[first..]);
    }

    /// What the core asks of `host` as the run starts, from one pass over
    /// its schedule: whether it is online at time zero
    /// ([`Churn::online_at`]), the name of its stretch then when it is
    /// online and its address moves ([`Churn::session`]; 0 otherwise),
    /// and its first switches appended to `out` as [`Churn::upcoming`]
    /// lists them from time zero.
    pub fn opening(&self, host: HostId, out: &mut Vec<(u64, Presence)>) -> (bool, u64) {
        let h = &self.schedules[host as usize];
        let from = self.start_unix_us;
        let first = out.len();
        let online_in = |p| self.online_in(host, p);
        let wants_session = |p| online_in(p) && self.moves(host);
        let now =
            self.availability
                .opening(h, from, from.saturating_add(DAY_US), wants_session, out);
        self.to_simulated(&mut out[first..]);
        let online = online_in(now.presence);
        let session = if wants_session(now.presence) {
            now.since_us
        } else {
            0
        };
        (online, session)
    }

    /// Switches' UTC times as simulated times.
    fn to_simulated(&self, switches: &mut [(u64, Presence)]) {
        for (at, _) in switches {
            *at = at.saturating_sub(self.start_unix_us);
        }
    }

    /// Whether `host`'s address changes with each session.
    pub fn moves(&self, host: HostId) -> bool {
        self.dhcp[host as usize]
    }

    /// The address `host` (address `home` in the world) has at simulated
    /// time `t`: for a pool host, a draw from its /24 named by the start
    /// of its current online stretch (a reconnect gets a fresh one);
    /// `home` otherwise.
    pub fn address(&self, host: HostId, home: u32, t: u64) -> u32 {
        self.address_in(host, home, self.session(host, t))
    }

    /// The name of `host`'s stretch at simulated time `t` (what
    /// [`Churn::address_in`] takes): its start, in UTC microseconds; 0
    /// for a stretch that began long before the run. A stretch that begins
    /// at a switch during the run is named [`Churn::session_at`] that
    /// switch's time, without looking at the schedule again.
    pub fn session(&self, host: HostId, t: u64) -> u64 {
        let h = &self.schedules[host as usize];
        let Switch { since_us, .. } = self
            .availability
            .next_switch(h, self.start_unix_us.saturating_add(t));
        since_us
    }

    /// The name of the stretch that a switch at simulated time `t` begins.
    pub fn session_at(&self, t: u64) -> u64 {
        self.start_unix_us.saturating_add(t)
    }

    /// The address `host` (address `home` in the world) has in its stretch
    /// `session`: for a pool host a draw from its /24 named by the
    /// stretch, `home` otherwise.
    pub fn address_in(&self, host: HostId, home: u32, session: u64) -> u32 {
        if !self.moves(host) {
            return home;
        }
        let h = &self.schedules[host as usize];
        let pool = Prefix::containing(home, 24).expect("a /24");
        session_address(h.seed, host, session, pool, POOL_SIZE).unwrap_or(home)
    }
}
