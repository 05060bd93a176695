//! Host availability (issue 18, "hosts that come and go"): when a host is
//! online, from where, and with which address, as pure functions of the
//! scenario seed, the host and the time.
//!
//! - **Time zones.** A network's UTC offset is drawn from (seed, network)
//!   out of a small mixture of offsets for the region its /8 is designated
//!   to in the IANA registry ([`Region::of_designation`], [`Slash8Regions`],
//!   [`Availability::network_offset`]).
//! - **Schedules.** A host's [`Pattern`] is drawn once from (seed, host)
//!   given its [`HostClass`] ([`Availability::schedule`]); its online
//!   stretches on a local day are drawn from (seed, host, day). An engine
//!   asks [`Availability::next_switch`] what the host is doing at a
//!   moment, since when and until when, and schedules the switch as an
//!   event. Dial-up hosts have sessions; broadband home machines are always
//!   on or switched off at night; office machines are on in working hours
//!   on weekdays (or left on); servers are always on; mobile enterprise
//!   hosts are inside their enterprise in working hours and on a home pool
//!   in the evening ([`Presence::Roaming`]).
//! - **DHCP churn.** A pool host's address for one online stretch
//!   ([`session_address`], named by [`Switch::since_us`]).
//!
//! What an offline host does (neither scans nor answers; a worm resumes
//! from the Run key when it comes back) is the engine's business, as is
//! which network kind is which [`HostClass`].
//!
//! Times are microseconds since 1970-01-01 00:00 UTC, exact integers: a
//! host's local time is UTC plus its fixed offset, local days start at
//! local midnight (day 0 is 1970-01-01, a Thursday). Offsets are those of
//! August 2003 (daylight time where it was kept); a run that crosses a
//! daylight-saving change keeps the summer offset. Floating point is used
//! only to draw a length or a share, which is then fixed as an integer.
//!
//! Nothing here does I/O, reads a clock or knows the engine or the world:
//! the IANA registry is compiled in, and every answer depends only on its
//! arguments. The defaults ([`Availability::default`]) are named
//! constants, each citing its source or marked ASSUMPTION. Sources:
//! - D. Dagon, C. Zou, W. Lee, "Modeling Botnet Propagation Using Time
//!   Zones", NDSS 2006: bots' activity is diurnal, "which we suspect
//!   occurs because victims turn their computers off at night"; the share
//!   of a time zone's hosts online is a 24-hour periodic "diurnal shaping
//!   function".
//!   The paper's figures are not used as numbers here.
//! - Seed 002 (MODEL.md): new infections expected "as home users in Europe
//!   and the U.S. return from work and connect to the Internet from
//!   unprotected home machines".
//! - C. A. Webber et al., "Field Surveys of Office Equipment Operating
//!   Patterns", LBNL-46930, 2001: "only 44 percent of computers ... were
//!   turned off at night" (after-hours walk-throughs of offices in the San
//!   Francisco and Washington D.C. areas).
//! - Pew Internet & American Life Project, press release of 19 April 2004
//!   (February 2004 survey): 39 % of U.S. online users had broadband at
//!   home, "up 60% since March 2003, with half of that growth since
//!   November 2003".
//! - US population by time zone: a USA Today snapshot quoted second-hand
//!   (powerofslow.com, 8 November 2010): Eastern 47.5 %, Central 28.9 %,
//!   Mountain 6.6 %, Pacific 16.4 %, Alaska 0.2 %, Hawaii 0.4 %.
//! - R. Hutchins et al., "Usage Characteristics of Dial-in Internet Users:
//!   A National Study" (Georgia Tech, about 2001): session counts peak in
//!   the late afternoon and mid-evening, session lengths are heavy-tailed.
//!   Its figures were not at hand; the dial-up defaults are ASSUMPTIONS to
//!   check against it.

use rand::RngExt;
use rand_distr::{Distribution, Exp1, Poisson};
use wormscope_scenario::{MAX_SPAN, Prefix, SimDuration};

pub use wormscope_scenario::churn::{
    AvailabilityConfig, BroadbandConfig, ConfigProblem, DailySession, DialUpConfig, LEGACY_HOLDERS,
    MAX_OFFSET_MINUTES, MobileConfig, NetworkHours, OfficeConfig, Region, TimeZoneConfig,
    ZoneShare,
};

use crate::defense::NEVER;
use crate::host::HostId;
use crate::iana;
use crate::rng::{self, Purpose, mix};

/// Microseconds in a day.
pub const DAY_US: u64 = 86_400_000_000;
const HOUR_US: u64 = 3_600_000_000;

const fn hours(h: u64) -> SimDuration {
    SimDuration::from_micros(h * HOUR_US)
}
const MINUTE_US: i64 = 60_000_000;
const DAY: i128 = DAY_US as i128;

/// The most days [`Availability::next_switch`] looks ahead for a
/// change (and back for the start of the current state). A state that
/// holds longer than any scenario may run ([`MAX_SPAN`], 100 years) is
/// reported as holding for ever ([`NEVER`]), or since time 0.
const SEARCH_DAYS: i64 = (MAX_SPAN.as_micros() / DAY_US) as i64 + 2;

/// The most dial-up sessions one host has on one day. Not a model figure:
/// a bound on a day's draws (with the default of 2 a day, a Poisson count
/// exceeds it with a probability far below 1e-40).
pub const MAX_DIAL_SESSIONS: usize = 48;

/// The day of the week of a local day number (days since 1970-01-01, a
/// Thursday): 0 is Monday, 6 Sunday.
pub fn weekday(day: i64) -> u8 {
    (day + 3).rem_euclid(7) as u8
}

/// Monday to Friday.
fn is_workday(day: i64) -> bool {
    weekday(day) < 5
}

// ---------------------------------------------------------------------
// Regions and time zones
// ---------------------------------------------------------------------

/// The region of every /8 (`None`: the designation names none), read
/// once from the compiled-in IANA registry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Slash8Regions(Vec<Option<Region>>);

impl Slash8Regions {
    pub fn from_registry() -> Slash8Regions {
        Slash8Regions(
            iana::designations()
                .iter()
                .map(|(name, _)| Region::of_designation(name))
                .collect(),
        )
    }

    pub fn get(&self, slash8: u8) -> Option<Region> {
        self.0[usize::from(slash8)]
    }
}

/// A fixed offset from UTC, in whole minutes east (-240 is US Eastern
/// daylight time, 330 is India).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UtcOffset(i16);

impl UtcOffset {
    pub const UTC: UtcOffset = UtcOffset(0);

    pub const fn from_minutes(minutes: i16) -> UtcOffset {
        UtcOffset(minutes)
    }
    pub const fn minutes(self) -> i16 {
        self.0
    }
    pub const fn micros(self) -> i64 {
        self.0 as i64 * MINUTE_US
    }
    fn to_local(self, t_utc_us: u64) -> i128 {
        i128::from(t_utc_us) + i128::from(self.micros())
    }
    /// A local time back in UTC, held to `0..=NEVER`.
    fn to_utc(self, local: i128) -> u64 {
        let t = local - i128::from(self.micros());
        u64::try_from(t.max(0)).unwrap_or(NEVER)
    }
}

// ---------------------------------------------------------------------
// Schedules
// ---------------------------------------------------------------------

/// What kind of machine a host is, as far as its hours go. Which network
/// kind of a scenario holds which class is the caller's choice; a host in
/// a subscriber pool is dial-up or broadband by
/// [`Availability::subscriber_class`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HostClass {
    DialUp,
    Broadband,
    /// A desktop in an enterprise.
    Office,
    /// A laptop of an enterprise that spends some evenings at home (the
    /// world says which: `World::home_of`).
    Mobile,
    Server,
}

/// A host's daily habit, drawn once per host.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Pattern {
    /// Online all the time: servers, broadband machines never switched
    /// off, office machines left on.
    AlwaysOn,
    /// Dial-up sessions within the dialling window.
    DialUp,
    /// A home machine switched off at night: a daytime session on some
    /// days, an evening session on most.
    HomeNightOff,
    /// An office machine switched on in working hours on weekdays.
    OfficeHours,
    /// A mobile enterprise host: inside in working hours on weekdays, on a
    /// home pool in some evenings ([`Presence::Roaming`]).
    Mobile,
}

/// Where a host is at a moment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Presence {
    /// Switched off or not connected: it neither scans nor answers.
    Offline,
    /// A mobile enterprise host online on a home broadband pool, outside
    /// its enterprise's border.
    Roaming,
    /// Online on its own network.
    Online,
}

impl Presence {
    pub fn is_online(self) -> bool {
        self != Presence::Offline
    }
}

/// A host's state at a moment and the stretch of time it holds:
/// `since_us <= t < until_us`; the state differs just before `since_us`
/// (unless it is 0) and at `until_us` (unless it is [`NEVER`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Switch {
    pub presence: Presence,
    /// When this state began (UTC microseconds); 0 when it has held for
    /// longer than a scenario may run. It names the stretch: the `session`
    /// of [`session_address`].
    pub since_us: u64,
    /// When the state changes (UTC microseconds), [`NEVER`] if it does not
    /// within a scenario's longest run.
    pub until_us: u64,
}

/// One host's availability for a run, drawn once from (seed, host) and
/// then only read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HostSchedule {
    pub seed: u64,
    pub host: HostId,
    /// Its network's offset ([`Availability::network_offset`]).
    pub offset: UtcOffset,
    pub pattern: Pattern,
}

/// A scenario's `[world.churn]` as schedules: the draws and searches over
/// its values. Derefs to the values.
#[derive(Clone, Debug, PartialEq)]
pub struct Availability {
    pub config: AvailabilityConfig,
}

impl std::ops::Deref for Availability {
    type Target = AvailabilityConfig;
    fn deref(&self) -> &AvailabilityConfig {
        &self.config
    }
}

impl std::ops::DerefMut for Availability {
    fn deref_mut(&mut self) -> &mut AvailabilityConfig {
        &mut self.config
    }
}

impl Availability {
    pub fn new(config: AvailabilityConfig) -> Availability {
        Availability { config }
    }

    /// The UTC offset of `network` for the run with `seed`: one draw from
    /// the mixture of the region its /8 is designated to (the config's
    /// `unknown_region` when the designation names none).
    pub fn network_offset(&self, seed: u64, network: Prefix, regions: &Slash8Regions) -> UtcOffset {
        let region = regions
            .get((network.base() >> 24) as u8)
            .unwrap_or(self.time_zones.unknown_region);
        let zones = self.time_zones.zones(region);
        let key = (u64::from(network.base()) << 8) | u64::from(network.prefix_len());
        let u: f64 = rng::ShortStream::new(seed, Purpose::TimeZone, key).random();
        let total: f64 = zones.iter().map(|z| z.share_pct.as_pct()).sum();
        let pick = u * total;
        let mut acc = 0.0;
        for z in zones {
            acc += z.share_pct.as_pct();
            if pick < acc {
                return UtcOffset(z.utc_offset_min);
            }
        }
        zones
            .last()
            .map_or(UtcOffset::UTC, |z| UtcOffset(z.utc_offset_min))
    }

    /// The fixed per-host draws, in stream order: subscriber split, then
    /// two for the habit.
    fn host_draws(seed: u64, host: HostId) -> [f64; 3] {
        let mut r = rng::ShortStream::new(seed, Purpose::HostAvailability, u64::from(host));
        [r.random(), r.random(), r.random()]
    }

    /// Whether a host of a subscriber pool dials up or is on broadband.
    pub fn subscriber_class(&self, seed: u64, host: HostId) -> HostClass {
        self.subscriber_class_of(Self::host_draws(seed, host))
    }

    fn subscriber_class_of(&self, [u, _, _]: [f64; 3]) -> HostClass {
        if u < self.dial_up.subscriber_pct.as_fraction() {
            HostClass::DialUp
        } else {
            HostClass::Broadband
        }
    }

    /// The schedule of a host of a subscriber pool: its class by
    /// [`Availability::subscriber_class`], then its habit, as
    /// [`Availability::schedule`] gives them, from one pass over its draws.
    pub fn subscriber_schedule(&self, seed: u64, host: HostId, offset: UtcOffset) -> HostSchedule {
        let draws = Self::host_draws(seed, host);
        let class = self.subscriber_class_of(draws);
        self.schedule_of(draws, seed, host, class, offset)
    }

    /// A host's schedule for the run with `seed`: its habit drawn from
    /// (seed, host) given its class, at its network's offset.
    pub fn schedule(
        &self,
        seed: u64,
        host: HostId,
        class: HostClass,
        offset: UtcOffset,
    ) -> HostSchedule {
        self.schedule_of(Self::host_draws(seed, host), seed, host, class, offset)
    }

    fn schedule_of(
        &self,
        [_, a, b]: [f64; 3],
        seed: u64,
        host: HostId,
        class: HostClass,
        offset: UtcOffset,
    ) -> HostSchedule {
        let pattern = match class {
            HostClass::Server => Pattern::AlwaysOn,
            HostClass::DialUp => Pattern::DialUp,
            HostClass::Broadband if a < self.broadband.night_off_pct.as_fraction() => {
                Pattern::HomeNightOff
            }
            HostClass::Broadband => Pattern::AlwaysOn,
            HostClass::Mobile => Pattern::Mobile,
            HostClass::Office if b < self.office.left_on_pct.as_fraction() => Pattern::AlwaysOn,
            HostClass::Office => Pattern::OfficeHours,
        };
        HostSchedule {
            seed,
            host,
            offset,
            pattern,
        }
    }

    /// Where the host is at `t_utc_us`.
    pub fn presence_at(&self, h: &HostSchedule, t_utc_us: u64) -> Presence {
        self.next_switch(h, t_utc_us).presence
    }

    /// Where the host is at `t_utc_us`, since when and until when: an
    /// engine schedules the switch at `until_us` as an event and asks
    /// again there. Exact: the state reported holds on `[since_us,
    /// until_us)` and differs at `until_us`.
    pub fn next_switch(&self, h: &HostSchedule, t_utc_us: u64) -> Switch {
        let (presence, until_us) = self.presence_until(h, t_utc_us);
        let since = if self.constant(h).is_some() {
            None
        } else {
            self.timeline(h)
                .prev_change(h.offset.to_local(t_utc_us), presence)
        };
        Switch {
            presence,
            since_us: since.map_or(0, |s| h.offset.to_utc(s)),
            until_us,
        }
    }

    fn timeline<'a>(&'a self, h: &'a HostSchedule) -> Timeline<'a> {
        Timeline {
            cfg: self,
            h,
            arena: Vec::new(),
            days: Default::default(),
            next_slot: 0,
            scratch: Vec::new(),
        }
    }

    /// Where the host is at `t_utc_us` and when that changes ([`NEVER`]
    /// if it does not): [`Availability::next_switch`] without the search
    /// for the state's start, for an engine that only schedules switches.
    pub fn presence_until(&self, h: &HostSchedule, t_utc_us: u64) -> (Presence, u64) {
        if let Some(presence) = self.constant(h) {
            return (presence, NEVER);
        }
        let sweep = Sweep::new(self, h, h.offset.to_local(t_utc_us));
        let presence = sweep.presence;
        let mut until = NEVER;
        sweep.run(|u, _| {
            until = h.offset.to_utc(u);
            false
        });
        (presence, until)
    }

    /// The switches of `h` after `from_utc_us` up to `to_utc_us`
    /// (inclusive), each with the state it begins, in time order; at least
    /// the first switch after `from_utc_us` however late it comes (none if
    /// the host never switches). One pass over the host's days, so an
    /// engine can queue a day of switches for the price of one.
    pub fn switches(
        &self,
        h: &HostSchedule,
        from_utc_us: u64,
        to_utc_us: u64,
        out: &mut Vec<(u64, Presence)>,
    ) {
        if self.constant(h).is_some() {
            return;
        }
        let mut first = true;
        Sweep::new(self, h, h.offset.to_local(from_utc_us)).run(|u, p| {
            let at = h.offset.to_utc(u);
            if !first && at > to_utc_us {
                return false;
            }
            first = false;
            out.push((at, p));
            true
        });
    }

    /// What [`Availability::next_switch`] and [`Availability::switches`]
    /// say of `h` from `from_utc_us` (up to `to_utc_us`), from one pass
    /// over its days: what an engine asks of every host as a run starts.
    /// The state's start (`since_us`) is searched for only when
    /// `wants_since` says so of the state (0 otherwise), since it can
    /// take days of the schedule before `from_utc_us`.
    pub fn opening(
        &self,
        h: &HostSchedule,
        from_utc_us: u64,
        to_utc_us: u64,
        wants_since: impl Fn(Presence) -> bool,
        out: &mut Vec<(u64, Presence)>,
    ) -> Switch {
        if let Some(presence) = self.constant(h) {
            return Switch {
                presence,
                since_us: 0,
                until_us: NEVER,
            };
        }
        let t = h.offset.to_local(from_utc_us);
        let sweep = Sweep::new(self, h, t);
        let presence = sweep.presence;
        let since = if wants_since(presence) {
            self.timeline(h).prev_change(t, presence)
        } else {
            None
        };
        let mut until = None;
        sweep.run(|u, p| {
            let at = h.offset.to_utc(u);
            match until {
                None => until = Some(at),
                Some(_) if at > to_utc_us => return false,
                Some(_) => {}
            }
            out.push((at, p));
            true
        });
        Switch {
            presence,
            since_us: since.map_or(0, |s| h.offset.to_utc(s)),
            until_us: until.unwrap_or(NEVER),
        }
    }

    /// The state of a host whose schedule never changes, if so.
    fn constant(&self, h: &HostSchedule) -> Option<Presence> {
        let never = |s: &DailySession| s.days_pct.as_pct() <= 0.0 || s.on[0] >= s.off[1];
        let office_empty = self.office.on >= self.office.off || self.office.on >= hours(24);
        match h.pattern {
            Pattern::AlwaysOn => Some(Presence::Online),
            Pattern::DialUp => {
                let d = &self.dial_up;
                (d.sessions_per_day.is_nan()
                    || d.sessions_per_day <= 0.0
                    || d.window[0] >= d.window[1].min(hours(24)))
                .then_some(Presence::Offline)
            }
            Pattern::HomeNightOff => (never(&self.broadband.day) && never(&self.broadband.evening))
                .then_some(Presence::Offline),
            Pattern::OfficeHours => office_empty.then_some(Presence::Offline),
            Pattern::Mobile => {
                (office_empty && never(&self.mobile.evening)).then_some(Presence::Offline)
            }
        }
    }

    /// Whether a host of `pattern` can be online past the end of the day
    /// its stretch began: only then does the day before matter to a day.
    fn reaches_next_day(&self, pattern: Pattern) -> bool {
        let past_midnight = |s: &DailySession| s.off[0].max(s.off[1]).as_micros() > DAY_US;
        let office = self.office.off.as_micros() > DAY_US;
        match pattern {
            // Dial-up sessions end inside their window, within the day.
            Pattern::AlwaysOn | Pattern::DialUp => false,
            Pattern::OfficeHours => office,
            Pattern::Mobile => office || past_midnight(&self.mobile.evening),
            Pattern::HomeNightOff => {
                past_midnight(&self.broadband.day) || past_midnight(&self.broadband.evening)
            }
        }
    }

    /// Appends the stretches a host's schedule draws for local day `day`
    /// to `out`: each starts in the day and ends at most a day after its
    /// end.
    fn day_spans(&self, h: &HostSchedule, day: i64, out: &mut Vec<Span>) {
        let d0 = i128::from(day) * DAY;
        let index = (u64::from(h.host) << 32) | u64::from(day as u32);
        let mut r = rng::ShortStream::new(h.seed, Purpose::OnlineDay, index);
        let o = &self.office;
        match h.pattern {
            Pattern::AlwaysOn => push_span(out, d0, 0, DAY_US, Presence::Online),
            Pattern::OfficeHours | Pattern::Mobile => {
                if is_workday(day) {
                    push_span(
                        out,
                        d0,
                        o.on.as_micros(),
                        o.off.as_micros(),
                        Presence::Online,
                    );
                }
                // A mobile host then spends the evening on a home pool.
                if h.pattern == Pattern::Mobile
                    && let Some((on, off)) = draw_session(&self.mobile.evening, &mut r)
                {
                    push_span(out, d0, on, off, Presence::Roaming);
                }
            }
            Pattern::HomeNightOff => {
                for s in [&self.broadband.day, &self.broadband.evening] {
                    if let Some((on, off)) = draw_session(s, &mut r) {
                        push_span(out, d0, on, off, Presence::Online);
                    }
                }
            }
            Pattern::DialUp => dial_up_sessions(&self.dial_up, &mut r, d0, out),
        }
    }
}

/// A day's session: (on, off) in microseconds after local midnight, or
/// `None` on a day without it. Always takes three draws from `r`.
fn draw_session(s: &DailySession, r: &mut impl rand::Rng) -> Option<(u64, u64)> {
    let happens = r.random::<f64>() < s.days_pct.as_fraction();
    let on = between(r, s.on);
    let off = between(r, s.off);
    happens.then_some((on, off))
}

/// A uniform time in [a, b] (in either order), in microseconds.
fn between(r: &mut impl rand::Rng, [a, b]: [SimDuration; 2]) -> u64 {
    r.random_range(a.min(b).as_micros()..=a.max(b).as_micros())
}

/// A day's dial-up sessions: a Poisson count (at most
/// [`MAX_DIAL_SESSIONS`]) of exponential lengths, placed without overlap
/// uniformly in the window: the free time is cut at sorted uniform points,
/// one before each session.
fn dial_up_sessions(c: &DialUpConfig, r: &mut impl rand::Rng, d0: i128, out: &mut Vec<Span>) {
    let start = c.window[0].as_micros().min(DAY_US);
    let end = c.window[1].as_micros().min(DAY_US);
    if start >= end {
        return;
    }
    let width = end - start;
    let n = Poisson::new(c.sessions_per_day)
        .map(|p| p.sample(r))
        .unwrap_or(0.0)
        .min(MAX_DIAL_SESSIONS as f64) as usize;
    let mean = c.mean_session.as_micros() as f64;
    let mut lengths: Vec<u64> = (0..n)
        .map(|_| {
            let e: f64 = Exp1.sample(r);
            ((mean * e).round() as u64).clamp(1, width)
        })
        .collect();
    // Sessions that do not fit the window are dropped (with the defaults,
    // practically never).
    while lengths.iter().sum::<u64>() > width {
        lengths.pop();
    }
    let free = width - lengths.iter().sum::<u64>();
    let mut cuts: Vec<u64> = lengths.iter().map(|_| r.random_range(0..=free)).collect();
    cuts.sort_unstable();
    let mut used = 0;
    for (cut, len) in cuts.iter().zip(&lengths) {
        let on = start + cut + used;
        push_span(out, d0, on, on + len, Presence::Online);
        used += len;
    }
}

/// A stretch of local time in one state.
#[derive(Clone, Copy, Debug)]
struct Span {
    start: i128,
    end: i128,
    presence: Presence,
}

/// Adds [d0 + on, d0 + off) if not empty; `on` is held inside the day and
/// `off` to a day after it, which the searches rely on.
fn push_span(out: &mut Vec<Span>, d0: i128, on: u64, off: u64, presence: Presence) {
    let on = on.min(DAY_US - 1);
    let off = off.min(2 * DAY_US);
    if on < off {
        out.push(Span {
            start: d0 + i128::from(on),
            end: d0 + i128::from(off),
            presence,
        });
    }
}

/// One host's stretches, day by day, with the last few days kept.
struct Timeline<'a> {
    cfg: &'a Availability,
    h: &'a HostSchedule,
    /// The spans of the days looked at, day after day as they were
    /// drawn (a timeline lives for one question, so it only grows).
    arena: Vec<Span>,
    /// The last [`CACHED_DAYS`] days drawn: (day, where its spans start
    /// in `arena`, how many), in a ring.
    days: [Option<(i64, u32, u32)>; CACHED_DAYS],
    /// The ring's slot to fill next.
    next_slot: usize,
    /// Scratch for [`Timeline::boundaries`].
    scratch: Vec<i128>,
}

const CACHED_DAYS: usize = 6;

fn day_of(t: i128) -> i64 {
    // Local times fit 64 bits by far; 128-bit division is a library call.
    match i64::try_from(t) {
        Ok(t) => t.div_euclid(DAY_US as i64),
        Err(_) => {
            i64::try_from(t.div_euclid(DAY)).expect("u64 microseconds are far fewer than i64 days")
        }
    }
}

impl Timeline<'_> {
    fn spans(&mut self, day: i64) -> &[Span] {
        let cached = self.days.iter().flatten().find(|(d, _, _)| *d == day);
        let (start, len) = match cached {
            Some(&(_, start, len)) => (start as usize, len as usize),
            None => {
                let start = self.arena.len();
                self.cfg.day_spans(self.h, day, &mut self.arena);
                let len = self.arena.len() - start;
                self.days[self.next_slot] = Some((day, start as u32, len as u32));
                self.next_slot = (self.next_slot + 1) % CACHED_DAYS;
                (start, len)
            }
        };
        &self.arena[start..start + len]
    }

    /// The state at local time `t`: the strongest of the spans covering
    /// it, which start on its day or the day before.
    fn presence_at(&mut self, t: i128) -> Presence {
        let d = day_of(t);
        let mut p = Presence::Offline;
        for day in [d - 1, d] {
            for s in self.spans(day) {
                if s.start <= t && t < s.end {
                    p = p.max(s.presence);
                }
            }
        }
        p
    }

    /// The ends of spans in [lo, hi), which lies inside local day `k`:
    /// only spans of days k-2 to k can start or end there.
    /// (In a buffer taken from the timeline's scratch: hand it back with
    /// [`Timeline::give_back`].)
    fn boundaries(&mut self, k: i64, lo: i128, hi: i128) -> Vec<i128> {
        let mut out = std::mem::take(&mut self.scratch);
        out.clear();
        for day in [k - 2, k - 1, k] {
            for s in self.spans(day) {
                for b in [s.start, s.end] {
                    if lo <= b && b < hi {
                        out.push(b);
                    }
                }
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Keeps a buffer [`Timeline::boundaries`] gave for its next call.
    fn give_back(&mut self, buffer: Vec<i128>) {
        self.scratch = buffer;
    }

    /// The moment at or before `t` from which the state has been `p`.
    fn prev_change(&mut self, t: i128, p: Presence) -> Option<i128> {
        let first = day_of(t);
        for k in (first - SEARCH_DAYS..=first).rev() {
            let lo = i128::from(k) * DAY;
            let hi = (i128::from(k + 1) * DAY).min(t + 1);
            let bounds = self.boundaries(k, lo, hi);
            let change = bounds
                .iter()
                .rev()
                .copied()
                .find(|&b| self.presence_at(b - 1) != p);
            self.give_back(bounds);
            if change.is_some() {
                return change;
            }
        }
        None
    }
}

/// A pass forward over one host's schedule from a moment, day by day,
/// that finds each change of state in order: what every question about
/// the future asks ([`Availability::switches`], [`Availability::opening`],
/// [`Availability::presence_until`]). Each day is drawn once.
///
/// The state at a moment of local day k is the strongest of the spans of
/// days k-1 and k covering it (spans start in their day and end at most a
/// day after it). So a change within day k lies on a boundary of those
/// spans, or at the day's first moment, where a span of day k-2 may end;
/// the pass looks at exactly those moments.
struct Sweep<'a> {
    cfg: &'a Availability,
    h: &'a HostSchedule,
    /// The day at hand.
    day: i64,
    /// The spans of the day before it (if they can reach into it), then
    /// of the day itself (from `split` on).
    spans: Vec<Span>,
    split: usize,
    /// Whether spans can reach into the day after theirs
    /// ([`Availability::reaches_next_day`]).
    reaching: bool,
    /// Where the pass stands, and the state there.
    at: i128,
    presence: Presence,
}

impl<'a> Sweep<'a> {
    /// A pass from local time `t`, with the state there.
    fn new(cfg: &'a Availability, h: &'a HostSchedule, t: i128) -> Sweep<'a> {
        let day = day_of(t);
        let mut spans = Vec::with_capacity(8);
        // Spans of the day before cover none of this one's moments unless
        // they can run past midnight; the draw is then not needed.
        let reaching = cfg.reaches_next_day(h.pattern);
        if reaching {
            cfg.day_spans(h, day - 1, &mut spans);
        }
        let split = spans.len();
        cfg.day_spans(h, day, &mut spans);
        let mut sweep = Sweep {
            cfg,
            h,
            day,
            spans,
            split,
            reaching,
            at: t,
            presence: Presence::Offline,
        };
        sweep.presence = sweep.presence_at(t);
        sweep
    }

    /// The state at `t`, a moment of the day at hand.
    fn presence_at(&self, t: i128) -> Presence {
        self.spans
            .iter()
            .filter(|s| s.start <= t && t < s.end)
            .map(|s| s.presence)
            .max()
            .unwrap_or(Presence::Offline)
    }

    /// Hands each change after the pass's moment to `on_change` (its local
    /// time, the state it begins) while `on_change` says to go on, and
    /// until no change comes within [`SEARCH_DAYS`] days of the last one.
    fn run(mut self, mut on_change: impl FnMut(i128, Presence) -> bool) {
        let mut last_day = self.day;
        let mut moments: Vec<i128> = Vec::with_capacity(16);
        while self.day <= last_day + SEARCH_DAYS {
            let day_start = i128::from(self.day) * DAY;
            let lo = day_start.max(self.at + 1);
            let hi = day_start + DAY;
            moments.clear();
            if lo == day_start {
                moments.push(day_start);
            }
            for s in &self.spans {
                moments.extend(
                    [s.start, s.end]
                        .into_iter()
                        .filter(|b| (lo..hi).contains(b)),
                );
            }
            moments.sort_unstable();
            moments.dedup();
            for &b in &moments {
                let p = self.presence_at(b);
                if p != self.presence {
                    self.presence = p;
                    self.at = b;
                    last_day = self.day;
                    if !on_change(b, p) {
                        return;
                    }
                }
            }
            // The next day: its own spans and those of the day just done
            // if they can reach into it.
            let keep = if self.reaching {
                self.split
            } else {
                self.spans.len()
            };
            self.spans.drain(..keep);
            self.split = self.spans.len();
            self.day += 1;
            self.cfg.day_spans(self.h, self.day, &mut self.spans);
        }
    }
}

// ---------------------------------------------------------------------
// DHCP churn
// ---------------------------------------------------------------------

/// The address a pool host has during one online stretch (`session`,
/// e.g. its [`Switch::since_us`]): drawn uniformly from the pool's first
/// `size` usable addresses (.1 to .254 of each /24 of `pool`, in order),
/// from (seed, host, session), so the same stretch always gets the same
/// address and a reconnect a fresh one. `None` when the pool is longer
/// than a /24 or holds fewer than `size` usable addresses, or `size` is 0.
///
/// Draws are independent: two hosts of a pool may be given the same
/// address at once; a real DHCP server would not.
pub fn session_address(
    seed: u64,
    host: HostId,
    session: u64,
    pool: Prefix,
    size: u32,
) -> Option<u32> {
    let usable = pool.size() / 256 * 254;
    if pool.prefix_len() > 24 || size == 0 || u64::from(size) > usable {
        return None;
    }
    let mut r = rng::ShortStream::new(seed, Purpose::Dhcp, mix(u64::from(host), session));
    let i: u32 = r.random_range(0..size);
    Some(pool.base() + (i / 254) * 256 + i % 254 + 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{BTreeMap, HashSet};

    use wormscope_scenario::Percent;

    const HOUR: u64 = HOUR_US;

    /// The built-in scenario's values (the only copy of the defaults).
    /// The patterns whose hosts come and go.
    const SWITCHING: [Pattern; 4] = [
        Pattern::DialUp,
        Pattern::HomeNightOff,
        Pattern::OfficeHours,
        Pattern::Mobile,
    ];

    fn defaults() -> Availability {
        Availability::new(wormscope_scenario::default_scenario().world.churn)
    }

    /// Local day number of 2003-08-11, the Monday Blaster appeared.
    fn monday() -> i64 {
        let ts = jiff::civil::date(2003, 8, 11)
            .to_zoned(jiff::tz::TimeZone::UTC)
            .unwrap()
            .timestamp();
        ts.as_second() / 86_400
    }

    /// UTC microseconds of `in_day` after local midnight of `day`.
    fn at(offset: UtcOffset, day: i64, in_day: u64) -> u64 {
        offset.to_utc(i128::from(day) * DAY + i128::from(in_day))
    }

    fn host(pattern: Pattern, id: HostId, offset: UtcOffset) -> HostSchedule {
        HostSchedule {
            seed: 11,
            host: id,
            offset,
            pattern,
        }
    }

    #[test]
    fn days_are_counted_from_a_thursday() {
        assert_eq!(weekday(0), 3);
        assert_eq!(weekday(monday()), 0);
        assert_eq!(weekday(monday() + 5), 5);
        assert_eq!(weekday(-1), 2);
    }

    #[test]
    fn every_designated_slash8_has_a_region() {
        let regions = Slash8Regions::from_registry();
        for (a, (name, reserved)) in iana::designations().iter().enumerate() {
            let r = regions.get(a as u8);
            assert_eq!(r.is_some(), !reserved, "{a}/8 {name}");
        }
        for (a, want) in [
            (3, Region::NorthAmerica),
            (12, Region::NorthAmerica),
            (17, Region::NorthAmerica),
            (24, Region::NorthAmerica),
            (53, Region::Europe),
            (61, Region::AsiaPacific),
            (62, Region::Europe),
            (133, Region::AsiaPacific),
            (154, Region::Africa),
            (200, Region::LatinAmerica),
            (214, Region::NorthAmerica),
        ] {
            assert_eq!(regions.get(a), Some(want), "{a}/8");
        }
        assert_eq!(regions.get(10), None);
        // Every legacy holder in the table is one the registry names.
        let names: HashSet<String> = iana::designations().into_iter().map(|(n, _)| n).collect();
        for (holder, _) in LEGACY_HOLDERS {
            assert!(names.contains(holder), "{holder}");
        }
    }

    /// Chi-square of offsets drawn for 24,000 networks of `slash8` against
    /// the region's shares.
    fn offsets_chi2(cfg: &Availability, slash8: u8, region: Region) -> (f64, usize) {
        let regions = Slash8Regions::from_registry();
        let n = 24_000u32;
        let mut counts: BTreeMap<i16, u32> = BTreeMap::new();
        for i in 0..n {
            let net = Prefix::new((u32::from(slash8) << 24) | (i << 8), 24).unwrap();
            *counts
                .entry(cfg.network_offset(5, net, &regions).minutes())
                .or_default() += 1;
        }
        let zones = cfg.time_zones.zones(region);
        assert!(
            counts
                .keys()
                .all(|m| zones.iter().any(|z| z.utc_offset_min == *m)),
            "{counts:?}"
        );
        let chi2 = zones
            .iter()
            .map(|z| {
                let expected = f64::from(n) * z.share_pct.as_fraction();
                let seen = f64::from(counts.get(&z.utc_offset_min).copied().unwrap_or(0));
                (seen - expected).powi(2) / expected
            })
            .sum();
        (chi2, zones.len() - 1)
    }

    #[test]
    fn network_offsets_follow_the_regions_mixtures() {
        let cfg = defaults();
        // 99.9 % quantiles of chi-square with 5 and 3 degrees of freedom.
        let (chi2, df) = offsets_chi2(&cfg, 24, Region::NorthAmerica);
        assert_eq!(df, 5);
        assert!(chi2 < 20.52, "ARIN: chi2 {chi2}");
        let (chi2, df) = offsets_chi2(&cfg, 61, Region::AsiaPacific);
        assert_eq!(df, 5);
        assert!(chi2 < 20.52, "APNIC: chi2 {chi2}");
        let (chi2, df) = offsets_chi2(&cfg, 62, Region::Europe);
        assert_eq!(df, 3);
        assert!(chi2 < 16.27, "RIPE NCC: chi2 {chi2}");
        // Private space takes the unknown region's (North America's) mix.
        let (chi2, _) = offsets_chi2(&cfg, 10, Region::NorthAmerica);
        assert!(chi2 < 20.52, "10/8: chi2 {chi2}");
        // The test can fail: uniform shares are far off.
        let mut flat = cfg.clone();
        for z in &mut flat.time_zones.north_america {
            z.share_pct = Percent::new(100.0 / 6.0).unwrap();
        }
        let regions = Slash8Regions::from_registry();
        let mut skewed = 0;
        for i in 0..2_000u32 {
            let net = Prefix::new(0x1800_0000 | (i << 8), 24).unwrap();
            if flat.network_offset(5, net, &regions).minutes() == -240 {
                skewed += 1;
            }
        }
        assert!(skewed < 500, "{skewed}");
    }

    #[test]
    fn office_hours_are_nine_to_five_on_weekdays() {
        let cfg = defaults();
        let off = UtcOffset::from_minutes(-240);
        let h = host(Pattern::OfficeHours, 3, off);
        let mon = monday();
        for d in 0..7 {
            for hour in 0..24 {
                let t = at(off, mon + d, hour * HOUR + 30 * 60_000_000);
                let want = d < 5 && (9..17).contains(&hour);
                assert_eq!(cfg.presence_at(&h, t).is_online(), want, "day {d} {hour}h");
            }
        }
        // Exact switch times, across the weekend too.
        let s = cfg.next_switch(&h, at(off, mon, 8 * HOUR));
        assert_eq!(s.presence, Presence::Offline);
        assert_eq!(s.since_us, at(off, mon - 3, 17 * HOUR));
        assert_eq!(s.until_us, at(off, mon, 9 * HOUR));
        let s = cfg.next_switch(&h, at(off, mon + 4, 12 * HOUR));
        assert_eq!(
            (s.presence, s.since_us, s.until_us),
            (
                Presence::Online,
                at(off, mon + 4, 9 * HOUR),
                at(off, mon + 4, 17 * HOUR)
            )
        );
        let s = cfg.next_switch(&h, at(off, mon + 5, 12 * HOUR));
        assert_eq!(s.presence, Presence::Offline);
        assert_eq!(s.until_us, at(off, mon + 7, 9 * HOUR));
        // 9:00 local is 13:00 UTC in EDT.
        assert_eq!(at(off, mon, 9 * HOUR) % DAY_US, 13 * HOUR);
    }

    #[test]
    fn broadband_share_online_has_a_daily_cycle() {
        let cfg = defaults();
        let n = 4_000u32;
        let hosts: Vec<HostSchedule> = (0..n)
            .map(|i| cfg.schedule(2, i, HostClass::Broadband, UtcOffset::UTC))
            .collect();
        let mon = monday();
        let share: Vec<f64> = (0..72u64)
            .map(|hour| {
                let t = at(UtcOffset::UTC, mon, hour * HOUR + 30 * 60_000_000);
                let on = hosts
                    .iter()
                    .filter(|h| cfg.presence_at(h, t).is_online())
                    .count();
                on as f64 / f64::from(n)
            })
            .collect();
        // Same hour a day apart: equal within binomial noise.
        let noise = 4.0 * (2.0 * 0.25 / f64::from(n)).sqrt();
        for hour in 0..48 {
            assert!(
                (share[hour] - share[hour + 24]).abs() < noise,
                "{hour}h: {} vs {}",
                share[hour],
                share[hour + 24]
            );
        }
        // At 04:30 only the machines never switched off are on; in the
        // evening nearly all.
        let always = 1.0 - cfg.broadband.night_off_pct.as_fraction();
        assert!((share[4] - always).abs() < 4.0 * (0.25 / f64::from(n)).sqrt());
        assert!(share[21] > always + 0.3, "{}", share[21]);
        // A cycle of a day, not of half a day.
        assert!(share[21] - share[9] > 0.2, "{} {}", share[21], share[9]);
    }

    /// The online stretches of `h` that lie inside [from, to).
    fn stretches(cfg: &Availability, h: &HostSchedule, from: u64, to: u64) -> Vec<(u64, u64)> {
        let mut out = Vec::new();
        let mut t = from;
        while t < to {
            let s = cfg.next_switch(h, t);
            if s.presence.is_online() && s.since_us >= from && s.until_us <= to {
                out.push((s.since_us, s.until_us));
            }
            t = s.until_us;
        }
        out
    }

    #[test]
    fn dial_up_sessions_have_the_configured_mean_length_and_count() {
        let cfg = defaults();
        let (mon, days) = (monday(), 20);
        let hosts = 300u32;
        let mut lengths = Vec::new();
        for i in 0..hosts {
            let h = host(Pattern::DialUp, i, UtcOffset::from_minutes(120));
            let from = at(h.offset, mon, 0);
            let to = at(h.offset, mon + days, 0);
            for (a, b) in stretches(&cfg, &h, from, to) {
                // Inside the dialling window, 07:00 to midnight.
                let local = (h.offset.to_local(a) % DAY) as u64;
                assert!(local >= 7 * HOUR, "{local}");
                lengths.push(b - a);
            }
        }
        let n = lengths.len() as f64;
        let expected = f64::from(hosts) * days as f64 * cfg.dial_up.sessions_per_day;
        assert!((n - expected).abs() < 4.0 * expected.sqrt(), "{n} sessions");
        let mean = lengths.iter().sum::<u64>() as f64 / n;
        let want = cfg.dial_up.mean_session.as_micros() as f64;
        // Exponential lengths: the standard error is mean / sqrt(n).
        assert!(
            (mean - want).abs() < 4.0 * want / n.sqrt(),
            "mean {mean} us"
        );
    }

    #[test]
    fn mobile_hosts_work_inside_and_spend_evenings_at_home() {
        let cfg = defaults();
        let off = UtcOffset::from_minutes(60);
        let mon = monday();
        let n = 2_000u32;
        let mut roaming = 0;
        for i in 0..n {
            let h = host(Pattern::Mobile, i, off);
            for d in 0..7 {
                let p = |hour: u64| cfg.presence_at(&h, at(off, mon + d, hour * HOUR));
                assert_eq!(p(3), Presence::Offline);
                assert_eq!(p(12) == Presence::Online, d < 5, "day {d}");
                assert_ne!(p(12), Presence::Roaming);
                assert_ne!(p(21), Presence::Online);
            }
            if cfg.presence_at(&h, at(off, mon + 1, 21 * HOUR)) == Presence::Roaming {
                roaming += 1;
            }
        }
        let share = f64::from(roaming) / f64::from(n);
        let want = cfg.mobile.evening.days_pct.as_fraction();
        assert!(
            (share - want).abs() < 4.0 * (0.25 / f64::from(n)).sqrt(),
            "{share}"
        );
    }

    /// One pass over a schedule gives what the separate questions give:
    /// the state with its start and end, and the switches of the day
    /// after, for every pattern, at times all over the day and the week.
    #[test]
    fn an_opening_is_the_next_switch_and_the_switches_at_once() {
        let cfg = defaults();
        let mon = monday();
        let patterns = [
            Pattern::AlwaysOn,
            Pattern::DialUp,
            Pattern::HomeNightOff,
            Pattern::OfficeHours,
            Pattern::Mobile,
        ];
        for pattern in patterns {
            for i in 0..300u32 {
                let offset = UtcOffset::from_minutes(-600 + 60 * (i % 20) as i16);
                let h = host(pattern, i, offset);
                let in_day = (u64::from(i) * 7_919 * 60_000_000) % DAY_US;
                let t = at(offset, mon + i64::from(i % 9), in_day);
                let to = t + DAY_US;
                let mut want = Vec::new();
                cfg.switches(&h, t, to, &mut want);
                let mut got = vec![(1, Presence::Online)];
                let now = cfg.opening(&h, t, to, |_| true, &mut got);
                assert_eq!(got[0], (1, Presence::Online), "appends");
                assert_eq!(got[1..], want[..], "{pattern:?} host {i}");
                assert_eq!(now, cfg.next_switch(&h, t), "{pattern:?} host {i}");
                let mut again = Vec::new();
                let now = cfg.opening(&h, t, to, |_| false, &mut again);
                assert_eq!(again, want);
                assert_eq!(now.since_us, 0);
                assert_eq!((now.presence, now.until_us), cfg.presence_until(&h, t));
            }
        }
    }

    #[test]
    fn per_host_habits_follow_their_shares() {
        let cfg = defaults();
        let n = 20_000u32;
        let count =
            |f: &dyn Fn(HostId) -> bool| (0..n).filter(|&i| f(i)).count() as f64 / f64::from(n);
        let bound = 4.0 * (0.25 / f64::from(n)).sqrt();
        let dial = count(&|i| cfg.subscriber_class(9, i) == HostClass::DialUp);
        assert!(
            (dial - cfg.dial_up.subscriber_pct.as_fraction()).abs() < bound,
            "{dial}"
        );
        let pattern = |i| {
            cfg.schedule(9, i, HostClass::Office, UtcOffset::UTC)
                .pattern
        };
        // Which office hosts are mobile is the world's draw, not this one.
        assert_eq!(count(&|i| pattern(i) == Pattern::Mobile), 0.0);
        let mobile = |i| {
            cfg.schedule(9, i, HostClass::Mobile, UtcOffset::UTC)
                .pattern
        };
        assert_eq!(count(&|i| mobile(i) == Pattern::Mobile), 1.0);
        let left_on = count(&|i| pattern(i) == Pattern::AlwaysOn);
        let want = cfg.office.left_on_pct.as_fraction();
        assert!((left_on - want).abs() < bound, "{left_on}");
        let s = cfg.schedule(9, 1, HostClass::Server, UtcOffset::UTC);
        assert_eq!(
            cfg.next_switch(&s, 12_345),
            Switch {
                presence: Presence::Online,
                since_us: 0,
                until_us: NEVER
            }
        );
    }

    #[test]
    fn next_switch_is_consistent_at_both_ends() {
        let cfg = defaults();
        let start = at(UtcOffset::UTC, monday(), 0);
        let mut r = rng::stream(3, Purpose::Fit, 0);
        for pattern in SWITCHING {
            for i in 0..150u32 {
                let offset = UtcOffset::from_minutes(r.random_range(-720..=840));
                let h = host(pattern, i, offset);
                let t = start + r.random_range(0..14 * DAY_US);
                let s = cfg.next_switch(&h, t);
                let p = s.presence;
                assert!(
                    s.since_us <= t && t < s.until_us,
                    "{pattern:?} {s:?} at {t}"
                );
                assert_ne!(s.until_us, NEVER, "{pattern:?}");
                assert_eq!(cfg.presence_at(&h, s.since_us), p);
                assert_ne!(cfg.presence_at(&h, s.since_us - 1), p);
                assert_eq!(cfg.presence_at(&h, s.until_us - 1), p);
                let next = cfg.next_switch(&h, s.until_us);
                assert_ne!(next.presence, p);
                assert_eq!(next.since_us, s.until_us);
                let inside = r.random_range(s.since_us..s.until_us);
                assert_eq!(cfg.next_switch(&h, inside), s);
                assert_eq!(cfg.presence_until(&h, inside), (p, s.until_us));
                // The switches of the next two days, one by one.
                let mut listed = Vec::new();
                cfg.switches(&h, inside, inside + 2 * DAY_US, &mut listed);
                let mut one_by_one = Vec::new();
                let mut at = cfg.next_switch(&h, inside).until_us;
                while one_by_one.is_empty() || at <= inside + 2 * DAY_US {
                    let next = cfg.next_switch(&h, at);
                    one_by_one.push((at, next.presence));
                    at = next.until_us;
                }
                assert_eq!(listed, one_by_one, "{pattern:?}");
            }
        }
    }

    /// The switches listed are exactly the moments at which the state,
    /// found from every span of the days around (the strongest covering
    /// one), changes: with the defaults, and with evenings that end at
    /// the latest a schedule allows (48 hours after their day began, the
    /// first moment of the day after next) and offices open past
    /// midnight.
    #[test]
    fn switches_are_where_the_spans_change_the_state() {
        let mut late = defaults();
        late.broadband.evening.off = [hours(48), hours(48)];
        late.broadband.evening.days_pct = Percent::new(60.0).unwrap();
        late.mobile.evening.off = [hours(40), hours(48)];
        late.office.off = hours(26);
        let mut r = rng::stream(5, Purpose::Fit, 1);
        for cfg in [defaults(), late] {
            for pattern in SWITCHING {
                for i in 0..120u32 {
                    let offset = UtcOffset::from_minutes(r.random_range(-720..=840));
                    let h = host(pattern, i, offset);
                    let from = at(offset, monday(), 0) + r.random_range(0..7 * DAY_US);
                    let to = from + 2 * DAY_US;
                    let mut listed = Vec::new();
                    cfg.switches(&h, from, to, &mut listed);
                    // Every span of the days that can cover [from, to + a
                    // day], and the state at a local moment from them.
                    let first = day_of(offset.to_local(from));
                    let mut spans = Vec::new();
                    for day in first - 2..=first + 4 {
                        cfg.day_spans(&h, day, &mut spans);
                    }
                    let state = |t: i128| {
                        spans
                            .iter()
                            .filter(|s| s.start <= t && t < s.end)
                            .map(|s| s.presence)
                            .max()
                            .unwrap_or(Presence::Offline)
                    };
                    let (lo, hi) = (offset.to_local(from), offset.to_local(to));
                    let mut moments: Vec<i128> = spans
                        .iter()
                        .flat_map(|s| [s.start, s.end])
                        .filter(|&b| lo < b && b <= hi)
                        .collect();
                    moments.sort_unstable();
                    moments.dedup();
                    let changes: Vec<(u64, Presence)> = moments
                        .into_iter()
                        .filter(|&b| state(b) != state(b - 1))
                        .map(|b| (offset.to_utc(b), state(b)))
                        .collect();
                    // The listing goes on to the first switch after `to`.
                    let within = listed.iter().take_while(|(t, _)| *t <= to).count();
                    assert_eq!(listed[..within], changes[..], "{pattern:?} host {i}");
                    assert_eq!(cfg.presence_at(&h, from), state(lo), "{pattern:?}");
                }
            }
        }
    }

    #[test]
    fn same_seed_same_schedule() {
        let cfg = defaults();
        let t = at(UtcOffset::UTC, monday(), 20 * HOUR);
        let run = |seed: u64| -> Vec<Switch> {
            (0..200u32)
                .map(|i| {
                    let class = cfg.subscriber_class(seed, i);
                    let h = cfg.schedule(seed, i, class, UtcOffset::from_minutes(-300));
                    cfg.next_switch(&h, t)
                })
                .collect()
        };
        assert_eq!(run(4), run(4));
        assert_ne!(run(4), run(5));
        let regions = Slash8Regions::from_registry();
        let net: Prefix = "24.1.0.0/16".parse().unwrap();
        let offsets = |seed: u64| -> Vec<UtcOffset> {
            (0..100u64)
                .map(|s| cfg.network_offset(seed + s, net, &regions))
                .collect()
        };
        assert_eq!(offsets(1), offsets(1));
        assert_ne!(offsets(1), offsets(2));
    }

    #[test]
    fn dhcp_sessions_get_fresh_addresses_from_the_pool() {
        let pool: Prefix = "24.16.0.0/16".parse().unwrap();
        let size = 60_000;
        let mut seen = HashSet::new();
        for session in 0..1_000u64 {
            let a = session_address(7, 42, session, pool, size).unwrap();
            assert_eq!(session_address(7, 42, session, pool, size), Some(a));
            assert!(pool.contains(a));
            assert!((1..=254).contains(&(a & 0xff)), "{a:#x}");
            // Inside the first `size` usable addresses.
            let i = (a - pool.base()) / 256 * 254 + (a & 0xff) - 1;
            assert!(i < size);
            seen.insert(a);
        }
        assert!(seen.len() > 970, "{} distinct", seen.len());
        // Other hosts and seeds draw other addresses.
        let a = session_address(7, 42, 0, pool, size);
        assert_ne!(session_address(7, 43, 0, pool, size), a);
        assert_ne!(session_address(8, 42, 0, pool, size), a);
        // A pool of one usable address.
        let one: Prefix = "10.0.0.0/24".parse().unwrap();
        assert_eq!(session_address(1, 1, 99, one, 1), Some(0x0a00_0001));
        assert_eq!(session_address(1, 1, 0, one, 0), None);
        assert_eq!(session_address(1, 1, 0, one, 255), None);
        assert_eq!(
            session_address(1, 1, 0, "10.0.0.0/25".parse().unwrap(), 1),
            None
        );
    }

    #[test]
    fn the_defaults_pass_their_checks_and_survive_toml() {
        let cfg = defaults();
        assert_eq!(cfg.check(), Ok(()));
        let text = toml::to_string(&cfg.config).unwrap();
        let back: AvailabilityConfig = toml::from_str(&text).unwrap();
        assert_eq!(back, cfg.config);
        let typo = text.replacen("night_off_pct", "nightoff_pct", 1);
        assert!(toml::from_str::<AvailabilityConfig>(&typo).is_err());
    }

    #[test]
    fn check_names_the_field_at_fault() {
        let fields = |cfg: &AvailabilityConfig| -> Vec<String> {
            cfg.check()
                .unwrap_err()
                .into_iter()
                .map(|p| p.field)
                .collect()
        };
        let mut c = defaults();
        c.time_zones.europe[0].share_pct = Percent::new(1.0).unwrap();
        c.time_zones.africa[1].utc_offset_min = 900;
        assert_eq!(
            fields(&c),
            ["time_zones.europe", "time_zones.africa[1].utc_offset_min"]
        );
        let mut c = defaults();
        c.office.off = hours(8);
        c.dial_up.window = [hours(20), hours(7)];
        c.dial_up.sessions_per_day = f64::NAN;
        c.broadband.evening.off = [hours(18), hours(25)];
        assert_eq!(
            fields(&c),
            [
                "dial_up.sessions_per_day",
                "dial_up.window",
                "broadband.evening.off",
                "office.off"
            ]
        );
        let mut c = defaults();
        c.mobile.evening.on = [hours(16), hours(19)];
        c.mobile.evening.off = [hours(22), hours(34)];
        assert_eq!(fields(&c), ["mobile.evening.on", "mobile.evening.off"]);
        let mut c = defaults();
        c.dial_up.mean_session = SimDuration::ZERO;
        assert_eq!(fields(&c), ["dial_up.mean_session"]);
    }

    #[test]
    fn times_at_the_ends_of_the_clock_do_not_overflow() {
        let cfg = defaults();
        for pattern in [Pattern::DialUp, Pattern::HomeNightOff, Pattern::Mobile] {
            for offset in [-720, 840] {
                let h = host(pattern, 1, UtcOffset::from_minutes(offset));
                for t in [0, 1, NEVER - 1] {
                    let s = cfg.next_switch(&h, t);
                    assert!(
                        s.since_us <= t && t < s.until_us,
                        "{pattern:?} {s:?} at {t}"
                    );
                }
            }
        }
    }
}
