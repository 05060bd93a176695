//! Host availability (issue 18, "hosts that come and go"): when a host is
//! online, from where, and with which address, as pure functions of the
//! scenario seed, the host and the time.
//!
//! - **Time zones.** A network's UTC offset is drawn from (seed, network)
//!   out of a small mixture of offsets for the region its /8 is designated
//!   to in the IANA registry ([`Region::of_designation`], [`Slash8Regions`],
//!   [`AvailabilityConfig::network_offset`]).
//! - **Schedules.** A host's [`Pattern`] is drawn once from (seed, host)
//!   given its [`HostClass`] ([`AvailabilityConfig::schedule`]); its online
//!   stretches on a local day are drawn from (seed, host, day). An engine
//!   asks [`AvailabilityConfig::next_switch`] what the host is doing at a
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
//! arguments. The defaults ([`AvailabilityConfig::default`]) are named
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
use serde::{Deserialize, Serialize};
use wormscope_scenario::{MAX_SPAN, Percent, Prefix, SimDuration};

use crate::defense::NEVER;
use crate::host::HostId;
use crate::iana;
use crate::rng::{self, Purpose, mix};

/// Microseconds in a day.
pub const DAY_US: u64 = 86_400_000_000;
const HOUR_US: u64 = 3_600_000_000;
const MINUTE_US: i64 = 60_000_000;
const DAY: i128 = DAY_US as i128;

/// The most days [`AvailabilityConfig::next_switch`] looks ahead for a
/// change (and back for the start of the current state). A state that
/// holds longer than any scenario may run ([`MAX_SPAN`], 100 years) is
/// reported as holding for ever ([`NEVER`]), or since time 0.
const SEARCH_DAYS: i64 = (MAX_SPAN.as_micros() / DAY_US) as i64 + 2;

/// The most dial-up sessions one host has on one day. Not a model figure:
/// a bound on a day's draws (with the default of 2 a day, a Poisson count
/// exceeds it with a probability far below 1e-40).
pub const MAX_DIAL_SESSIONS: usize = 48;

/// The largest UTC offset anywhere, 14 hours (Kiribati's Line Islands);
/// the smallest is -12 hours.
pub const MAX_OFFSET_MINUTES: i16 = 14 * 60;
const MIN_OFFSET_MINUTES: i16 = -12 * 60;

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

/// The part of the world a /8's hosts are taken to be in, from whom the
/// IANA registry designates the /8 to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Region {
    /// ARIN's region: in 2003 the United States and Canada (and still
    /// parts of the Caribbean and of Africa before AfriNIC).
    NorthAmerica,
    /// RIPE NCC's region: Europe, the Middle East, Russia, Central Asia.
    Europe,
    /// APNIC's region: Asia and the Pacific.
    AsiaPacific,
    /// LACNIC's region: Latin America and the Caribbean.
    LatinAmerica,
    /// AfriNIC's region.
    Africa,
}

impl Region {
    pub const ALL: [Region; 5] = [
        Region::NorthAmerica,
        Region::Europe,
        Region::AsiaPacific,
        Region::LatinAmerica,
        Region::Africa,
    ];

    /// The region an IANA designation names: a regional registry (`ARIN`,
    /// `Administered by RIPE NCC`) or a legacy holder the registry names
    /// ([`LEGACY_HOLDERS`]). `None` for anything else (IANA's reserved
    /// blocks, multicast, future use).
    pub fn of_designation(designation: &str) -> Option<Region> {
        let name = designation.trim();
        let name = name.strip_prefix("Administered by ").unwrap_or(name);
        match name {
            "ARIN" => Some(Region::NorthAmerica),
            "RIPE NCC" => Some(Region::Europe),
            "APNIC" => Some(Region::AsiaPacific),
            "LACNIC" => Some(Region::LatinAmerica),
            "AFRINIC" => Some(Region::Africa),
            _ => LEGACY_HOLDERS
                .iter()
                .find(|(holder, _)| *holder == name)
                .map(|&(_, region)| region),
        }
    }
}

/// The legacy /8s the registry designates by their holder, and where the
/// holder is: US companies and US government bodies are North America,
/// Daimler (Germany) is Europe. This is every holder the compiled-in
/// registry names (a test holds it to that).
pub const LEGACY_HOLDERS: [(&str, Region); 15] = [
    ("Army Information Systems Center", Region::NorthAmerica),
    ("DoD Intel Information Systems", Region::NorthAmerica),
    ("AT&T Bell Laboratories", Region::NorthAmerica),
    ("Apple Computer Inc.", Region::NorthAmerica),
    ("Ford Motor Company", Region::NorthAmerica),
    // The US Defense Data Network.
    ("DDN-RVN", Region::NorthAmerica),
    ("Defense Information Systems Agency", Region::NorthAmerica),
    // A US Department of Defense network.
    ("DSI-North", Region::NorthAmerica),
    // The US Defense Logistics Agency.
    ("DLA Systems Automation Center", Region::NorthAmerica),
    ("PSINet, Inc.", Region::NorthAmerica),
    ("Prudential Securities Inc.", Region::NorthAmerica),
    ("DoD Network Information Center", Region::NorthAmerica),
    ("US Postal Service", Region::NorthAmerica),
    ("US-DOD", Region::NorthAmerica),
    ("Daimler AG", Region::Europe),
];

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

/// One time zone of a region's mixture.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ZoneShare {
    /// Minutes east of UTC in August 2003 (daylight time where it was
    /// kept): -240 is US Eastern (EDT), 120 central Europe (CEST).
    pub utc_offset_min: i16,
    /// Share of the region's networks in this zone; a region's shares sum
    /// to 100.
    pub share_pct: Percent,
}

/// US time zones in August 2003 (daylight time; Hawaii keeps none), with
/// the shares of the US population living in each: a USA Today snapshot
/// of 2010 quoted second-hand (module doc). ASSUMPTION: ARIN's networks
/// (Canada's included) are spread like the US population, and 2010's
/// shares are 2003's. Arizona (Mountain, no daylight time, so UTC-7 in
/// August) is counted with Mountain.
pub const NORTH_AMERICA_ZONES: [(i16, f64); 6] = [
    (-4 * 60, 47.5), // Eastern (EDT)
    (-5 * 60, 28.9), // Central (CDT)
    (-6 * 60, 6.6),  // Mountain (MDT)
    (-7 * 60, 16.4), // Pacific (PDT)
    (-8 * 60, 0.2),  // Alaska (AKDT)
    (-10 * 60, 0.4), // Hawaii (HST)
];

/// RIPE NCC's region in August 2003 (summer time). ASSUMPTION: shares
/// guessed from where Europe's Internet users were (no figure checked):
/// the UK, Ireland and Portugal at UTC+1, most of the continent at UTC+2,
/// Finland, Greece, Romania, Ukraine, Turkey and Israel at UTC+3, Moscow
/// at UTC+4.
pub const EUROPE_ZONES: [(i16, f64); 4] =
    [(60, 20.0), (2 * 60, 60.0), (3 * 60, 15.0), (4 * 60, 5.0)];

/// APNIC's region in August 2003 (southern winter: no daylight time in
/// Australia or New Zealand). ASSUMPTION: shares guessed (no figure
/// checked): Japan and Korea UTC+9; China, Hong Kong, Taiwan, Singapore,
/// Malaysia and the Philippines UTC+8; Thailand, Vietnam and Indonesia
/// UTC+7; India UTC+5:30; eastern Australia UTC+10; New Zealand UTC+12.
pub const ASIA_PACIFIC_ZONES: [(i16, f64); 6] = [
    (9 * 60, 40.0),
    (8 * 60, 35.0),
    (7 * 60, 5.0),
    (5 * 60 + 30, 5.0),
    (10 * 60, 12.0),
    (12 * 60, 3.0),
];

/// LACNIC's region in August 2003 (southern winter; Mexico kept daylight
/// time). ASSUMPTION: shares guessed (no figure checked): Brazil's south
/// east and Argentina UTC-3; Chile and Venezuela UTC-4; Mexico (CDT),
/// Colombia and Peru UTC-5.
pub const LATIN_AMERICA_ZONES: [(i16, f64); 3] =
    [(-3 * 60, 55.0), (-4 * 60, 15.0), (-5 * 60, 30.0)];

/// AfriNIC's region in August 2003. ASSUMPTION: shares guessed (no figure
/// checked): South Africa UTC+2; Egypt (summer time) and Kenya UTC+3;
/// Nigeria UTC+1; Morocco UTC.
pub const AFRICA_ZONES: [(i16, f64); 4] = [(2 * 60, 45.0), (3 * 60, 25.0), (60, 20.0), (0, 10.0)];

/// The region of a /8 whose designation names none (reserved and private
/// space, which small test worlds use). ASSUMPTION: North America, where
/// most legacy holders the registry names are.
pub const UNKNOWN_REGION: Region = Region::NorthAmerica;

/// Each region's mixture of UTC offsets.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimeZoneConfig {
    pub north_america: Vec<ZoneShare>,
    pub europe: Vec<ZoneShare>,
    pub asia_pacific: Vec<ZoneShare>,
    pub latin_america: Vec<ZoneShare>,
    pub africa: Vec<ZoneShare>,
    /// The region of /8s whose designation names none.
    pub unknown_region: Region,
}

impl TimeZoneConfig {
    pub fn zones(&self, region: Region) -> &[ZoneShare] {
        match region {
            Region::NorthAmerica => &self.north_america,
            Region::Europe => &self.europe,
            Region::AsiaPacific => &self.asia_pacific,
            Region::LatinAmerica => &self.latin_america,
            Region::Africa => &self.africa,
        }
    }

    fn field(region: Region) -> &'static str {
        match region {
            Region::NorthAmerica => "north_america",
            Region::Europe => "europe",
            Region::AsiaPacific => "asia_pacific",
            Region::LatinAmerica => "latin_america",
            Region::Africa => "africa",
        }
    }
}

// ---------------------------------------------------------------------
// Schedules
// ---------------------------------------------------------------------

/// What kind of machine a host is, as far as its hours go. Which network
/// kind of a scenario holds which class is the caller's choice; a host in
/// a subscriber pool is dial-up or broadband by
/// [`AvailabilityConfig::subscriber_class`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HostClass {
    DialUp,
    Broadband,
    /// A desktop in an enterprise (some of them mobile).
    Office,
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
    /// Its network's offset ([`AvailabilityConfig::network_offset`]).
    pub offset: UtcOffset,
    pub pattern: Pattern,
}

/// A session that happens on some days, coming on and going off at times
/// drawn uniformly (each day afresh) between an earliest and a latest
/// local time after local midnight. It may go off after the next midnight
/// (`"25h"` is 01:00 the next day), but not more than a day later.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DailySession {
    /// Share of days on which the session happens.
    pub days_pct: Percent,
    /// Earliest and latest time it comes on (before 24h).
    pub on: [SimDuration; 2],
    /// Earliest and latest time it goes off (after the latest `on`, at
    /// most 48h).
    pub off: [SimDuration; 2],
}

/// Dial-up hosts of subscriber pools.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DialUpConfig {
    /// Share of a subscriber pool's hosts that dial up (the rest are
    /// broadband).
    pub subscriber_pct: Percent,
    /// Mean sessions a day (a Poisson count per day, at most 24).
    pub sessions_per_day: f64,
    /// Mean session length (exponential lengths).
    pub mean_session: SimDuration,
    /// The local hours sessions fall in, [start, end), end at most 24h.
    pub window: [SimDuration; 2],
}

/// Broadband hosts of subscriber pools (always connected; the machine
/// behind the line is switched on and off).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BroadbandConfig {
    /// Share of broadband machines switched off at night (the rest are
    /// always on).
    pub night_off_pct: Percent,
    /// A night-off machine's daytime session.
    pub day: DailySession,
    /// A night-off machine's evening session.
    pub evening: DailySession,
}

/// Office machines in enterprises.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OfficeConfig {
    /// Local time machines are switched on, Monday to Friday.
    pub on: SimDuration,
    /// Local time they are switched off (at most 24h).
    pub off: SimDuration,
    /// Share of (non-mobile) office machines left on at night and at
    /// weekends.
    pub left_on_pct: Percent,
}

/// Mobile enterprise hosts (laptops taken home).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MobileConfig {
    /// Share of office hosts that are mobile.
    pub share_pct: Percent,
    /// Their evening at home, every day of the week: it must begin after
    /// the office's `off` and end before the next day's `on`.
    pub evening: DailySession,
}

/// Every parameter of host availability; meant for a scenario's
/// `[world.churn]`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AvailabilityConfig {
    pub time_zones: TimeZoneConfig,
    pub dial_up: DialUpConfig,
    pub broadband: BroadbandConfig,
    pub office: OfficeConfig,
    pub mobile: MobileConfig,
}

/// Share of subscriber-pool hosts that dial up. From Pew (module doc): 39
/// % of US online users had broadband at home in February 2004, 60 % more
/// than in March 2003 (so about 24 % then), half of the growth after
/// November 2003: about 29 % in August 2003, 71 % dial-up. ASSUMPTION:
/// the world's subscriber pools split like US home users.
pub const DIAL_UP_SUBSCRIBER_PCT: f64 = 70.0;
/// ASSUMPTION: two dial-up sessions a day on average (check against
/// Hutchins et al., module doc).
pub const DIAL_UP_SESSIONS_PER_DAY: f64 = 2.0;
/// ASSUMPTION: dial-up sessions last 30 minutes on average, exponentially
/// distributed (Hutchins et al. saw heavy tails; check).
pub const DIAL_UP_MEAN_SESSION: SimDuration = SimDuration::from_secs(30 * 60);
/// ASSUMPTION: dial-up sessions fall between 07:00 and midnight local
/// (Hutchins et al.: peaks in the late afternoon and mid-evening).
pub const DIAL_UP_WINDOW: [SimDuration; 2] = [hours(7), hours(24)];
/// ASSUMPTION: half of broadband home machines are switched off at night
/// (Dagon et al. see diurnal activity "because victims turn their
/// computers off at night" but give no share).
pub const BROADBAND_NIGHT_OFF_PCT: f64 = 50.0;
/// ASSUMPTION: a night-off machine is used in the day on 40 % of days,
/// coming on between 08:00 and 11:00 and going off between 12:00 and
/// 17:00.
pub const BROADBAND_DAY: (f64, [SimDuration; 2], [SimDuration; 2]) =
    (40.0, [hours(8), hours(11)], [hours(12), hours(17)]);
/// ASSUMPTION: a night-off machine is on in the evening on 90 % of days,
/// coming on between 17:00 and 20:00 (seed 002: home users "return from
/// work and connect") and going off between 22:00 and 01:00.
pub const BROADBAND_EVENING: (f64, [SimDuration; 2], [SimDuration; 2]) =
    (90.0, [hours(17), hours(20)], [hours(22), hours(25)]);
/// ASSUMPTION: working hours 09:00 to 17:00 local, Monday to Friday.
pub const OFFICE_HOURS: [SimDuration; 2] = [hours(9), hours(17)];
/// Share of office machines left on at night: Webber et al. found "only
/// 44 percent of computers ... turned off at night" (module doc).
/// ASSUMPTION: a machine left on at night stays on at weekends.
pub const OFFICE_LEFT_ON_PCT: f64 = 56.0;
/// ASSUMPTION: a tenth of enterprise hosts are laptops that go home.
pub const MOBILE_PCT: f64 = 10.0;
/// ASSUMPTION: a mobile host is online at home on 70 % of evenings,
/// coming on between 18:00 and 20:00 and going off between 22:00 and
/// midnight.
pub const MOBILE_EVENING: (f64, [SimDuration; 2], [SimDuration; 2]) =
    (70.0, [hours(18), hours(20)], [hours(22), hours(24)]);

const fn hours(h: u64) -> SimDuration {
    SimDuration::from_micros(h * HOUR_US)
}

fn pct(value: f64) -> Percent {
    Percent::new(value).expect("the documented defaults are percentages")
}

fn zones(table: &[(i16, f64)]) -> Vec<ZoneShare> {
    table
        .iter()
        .map(|&(utc_offset_min, share)| ZoneShare {
            utc_offset_min,
            share_pct: pct(share),
        })
        .collect()
}

fn session(d: (f64, [SimDuration; 2], [SimDuration; 2])) -> DailySession {
    DailySession {
        days_pct: pct(d.0),
        on: d.1,
        off: d.2,
    }
}

impl Default for AvailabilityConfig {
    /// The documented defaults (the constants above, each with its source
    /// or ASSUMPTION).
    fn default() -> Self {
        AvailabilityConfig {
            time_zones: TimeZoneConfig {
                north_america: zones(&NORTH_AMERICA_ZONES),
                europe: zones(&EUROPE_ZONES),
                asia_pacific: zones(&ASIA_PACIFIC_ZONES),
                latin_america: zones(&LATIN_AMERICA_ZONES),
                africa: zones(&AFRICA_ZONES),
                unknown_region: UNKNOWN_REGION,
            },
            dial_up: DialUpConfig {
                subscriber_pct: pct(DIAL_UP_SUBSCRIBER_PCT),
                sessions_per_day: DIAL_UP_SESSIONS_PER_DAY,
                mean_session: DIAL_UP_MEAN_SESSION,
                window: DIAL_UP_WINDOW,
            },
            broadband: BroadbandConfig {
                night_off_pct: pct(BROADBAND_NIGHT_OFF_PCT),
                day: session(BROADBAND_DAY),
                evening: session(BROADBAND_EVENING),
            },
            office: OfficeConfig {
                on: OFFICE_HOURS[0],
                off: OFFICE_HOURS[1],
                left_on_pct: pct(OFFICE_LEFT_ON_PCT),
            },
            mobile: MobileConfig {
                share_pct: pct(MOBILE_PCT),
                evening: session(MOBILE_EVENING),
            },
        }
    }
}

/// A problem with an [`AvailabilityConfig`]: the field's dotted path
/// (relative to the config) and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct ConfigProblem {
    pub field: String,
    pub message: String,
}

impl AvailabilityConfig {
    /// Every problem with the values (what serde's types cannot say: sums,
    /// orderings, ranges), each naming its field.
    pub fn check(&self) -> Result<(), Vec<ConfigProblem>> {
        let mut out = Vec::new();
        let mut bad = |field: String, message: String| out.push(ConfigProblem { field, message });
        let day = hours(24);

        for region in Region::ALL {
            let name = format!("time_zones.{}", TimeZoneConfig::field(region));
            let zs = self.time_zones.zones(region);
            if zs.is_empty() {
                bad(name.clone(), "must list at least one zone".into());
            }
            for (i, z) in zs.iter().enumerate() {
                if !(MIN_OFFSET_MINUTES..=MAX_OFFSET_MINUTES).contains(&z.utc_offset_min) {
                    bad(
                        format!("{name}[{i}].utc_offset_min"),
                        format!(
                            "{} is not an offset from UTC: it must lie between {MIN_OFFSET_MINUTES} and {MAX_OFFSET_MINUTES} minutes",
                            z.utc_offset_min
                        ),
                    );
                }
            }
            let total: f64 = zs.iter().map(|z| z.share_pct.as_pct()).sum();
            if !zs.is_empty() && (total - 100.0).abs() > 1e-6 {
                bad(
                    name,
                    format!("the share_pct of the zones sum to {total}, not 100"),
                );
            }
        }

        let d = &self.dial_up;
        if !(d.sessions_per_day.is_finite() && (0.0..=24.0).contains(&d.sessions_per_day)) {
            bad(
                "dial_up.sessions_per_day".into(),
                format!("{} must lie between 0 and 24", d.sessions_per_day),
            );
        }
        if d.window[0] >= d.window[1] || d.window[1] > day {
            bad(
                "dial_up.window".into(),
                format!(
                    "[{}, {}] must start before it ends, and end by 24h",
                    d.window[0], d.window[1]
                ),
            );
        } else if d.mean_session == SimDuration::ZERO
            || d.mean_session.as_micros() > d.window[1].as_micros() - d.window[0].as_micros()
        {
            bad(
                "dial_up.mean_session".into(),
                format!(
                    "{} must be longer than 0s and fit in the window",
                    d.mean_session
                ),
            );
        }

        for (field, s) in [
            ("broadband.day", &self.broadband.day),
            ("broadband.evening", &self.broadband.evening),
            ("mobile.evening", &self.mobile.evening),
        ] {
            if let Some((part, message)) = session_problem(s) {
                bad(format!("{field}.{part}"), message);
            }
        }

        let o = &self.office;
        if o.on >= o.off || o.off > day {
            bad(
                "office.off".into(),
                format!("{} must come after office.on ({}) and by 24h", o.off, o.on),
            );
        }
        let e = &self.mobile.evening;
        if e.on[0] < o.off {
            bad(
                "mobile.evening.on".into(),
                format!(
                    "{} is before office.off ({}): a mobile host is at work then",
                    e.on[0], o.off
                ),
            );
        }
        if e.off[1].as_micros() > day.as_micros() + o.on.as_micros() {
            bad(
                "mobile.evening.off".into(),
                format!(
                    "{} is after the next day's office.on ({} + 24h)",
                    e.off[1], o.on
                ),
            );
        }

        if out.is_empty() { Ok(()) } else { Err(out) }
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
        let u: f64 = rng::stream(seed, Purpose::TimeZone, key).random();
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
        let mut r = rng::stream(seed, Purpose::HostAvailability, u64::from(host));
        [r.random(), r.random(), r.random()]
    }

    /// Whether a host of a subscriber pool dials up or is on broadband.
    pub fn subscriber_class(&self, seed: u64, host: HostId) -> HostClass {
        let [u, _, _] = Self::host_draws(seed, host);
        if u < self.dial_up.subscriber_pct.as_fraction() {
            HostClass::DialUp
        } else {
            HostClass::Broadband
        }
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
        let [_, a, b] = Self::host_draws(seed, host);
        let pattern = match class {
            HostClass::Server => Pattern::AlwaysOn,
            HostClass::DialUp => Pattern::DialUp,
            HostClass::Broadband if a < self.broadband.night_off_pct.as_fraction() => {
                Pattern::HomeNightOff
            }
            HostClass::Broadband => Pattern::AlwaysOn,
            HostClass::Office if a < self.mobile.share_pct.as_fraction() => Pattern::Mobile,
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
        if let Some(presence) = self.constant(h) {
            return Switch {
                presence,
                since_us: 0,
                until_us: NEVER,
            };
        }
        let t = h.offset.to_local(t_utc_us);
        let mut line = Timeline {
            cfg: self,
            h,
            cache: Vec::new(),
        };
        let presence = line.presence_at(t);
        let since = line.prev_change(t, presence);
        let until = line.next_change(t, presence);
        Switch {
            presence,
            since_us: since.map_or(0, |s| h.offset.to_utc(s)),
            until_us: until.map_or(NEVER, |u| h.offset.to_utc(u)),
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

    /// The stretches a host's schedule draws for local day `day`: each
    /// starts in the day and ends at most a day after its end.
    fn day_spans(&self, h: &HostSchedule, day: i64, out: &mut Vec<Span>) {
        out.clear();
        let d0 = i128::from(day) * DAY;
        let index = (u64::from(h.host) << 32) | u64::from(day as u32);
        let mut r = rng::stream(h.seed, Purpose::OnlineDay, index);
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

/// Why a daily session is refused: (the part at fault, message).
fn session_problem(s: &DailySession) -> Option<(&'static str, String)> {
    let [on0, on1] = s.on;
    let [off0, off1] = s.off;
    if on0 > on1 || on1 >= hours(24) {
        return Some((
            "on",
            format!("[{on0}, {on1}] must be in order and before 24h"),
        ));
    }
    if off0 > off1 || off1 > hours(48) {
        return Some((
            "off",
            format!("[{off0}, {off1}] must be in order and at most 48h"),
        ));
    }
    if off0 <= on1 {
        return Some((
            "off",
            format!("{off0} must come after the latest on ({on1})"),
        ));
    }
    None
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
    cfg: &'a AvailabilityConfig,
    h: &'a HostSchedule,
    cache: Vec<(i64, Vec<Span>)>,
}

const CACHED_DAYS: usize = 6;

fn day_of(t: i128) -> i64 {
    i64::try_from(t.div_euclid(DAY)).expect("u64 microseconds are far fewer than i64 days")
}

impl Timeline<'_> {
    fn spans(&mut self, day: i64) -> &[Span] {
        let i = match self.cache.iter().position(|(d, _)| *d == day) {
            Some(i) => i,
            None => {
                let mut v = Vec::new();
                self.cfg.day_spans(self.h, day, &mut v);
                if self.cache.len() == CACHED_DAYS {
                    self.cache.remove(0);
                }
                self.cache.push((day, v));
                self.cache.len() - 1
            }
        };
        &self.cache[i].1
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
    fn boundaries(&mut self, k: i64, lo: i128, hi: i128) -> Vec<i128> {
        let mut out = Vec::new();
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

    /// The first moment after `t` whose state is not `p`.
    fn next_change(&mut self, t: i128, p: Presence) -> Option<i128> {
        let first = day_of(t);
        for k in first..=first + SEARCH_DAYS {
            let lo = (i128::from(k) * DAY).max(t + 1);
            let hi = i128::from(k + 1) * DAY;
            for b in self.boundaries(k, lo, hi) {
                if self.presence_at(b) != p {
                    return Some(b);
                }
            }
        }
        None
    }

    /// The moment at or before `t` from which the state has been `p`.
    fn prev_change(&mut self, t: i128, p: Presence) -> Option<i128> {
        let first = day_of(t);
        for k in (first - SEARCH_DAYS..=first).rev() {
            let lo = i128::from(k) * DAY;
            let hi = (i128::from(k + 1) * DAY).min(t + 1);
            for b in self.boundaries(k, lo, hi).into_iter().rev() {
                if self.presence_at(b - 1) != p {
                    return Some(b);
                }
            }
        }
        None
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
    let mut r = rng::stream(seed, Purpose::Dhcp, mix(u64::from(host), session));
    let i: u32 = r.random_range(0..size);
    Some(pool.base() + (i / 254) * 256 + i % 254 + 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{BTreeMap, HashSet};

    const HOUR: u64 = HOUR_US;

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
    fn offsets_chi2(cfg: &AvailabilityConfig, slash8: u8, region: Region) -> (f64, usize) {
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
        let cfg = AvailabilityConfig::default();
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
        let cfg = AvailabilityConfig::default();
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
        let cfg = AvailabilityConfig::default();
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
        let always = 1.0 - BROADBAND_NIGHT_OFF_PCT / 100.0;
        assert!((share[4] - always).abs() < 4.0 * (0.25 / f64::from(n)).sqrt());
        assert!(share[21] > always + 0.3, "{}", share[21]);
        // A cycle of a day, not of half a day.
        assert!(share[21] - share[9] > 0.2, "{} {}", share[21], share[9]);
    }

    /// The online stretches of `h` that lie inside [from, to).
    fn stretches(
        cfg: &AvailabilityConfig,
        h: &HostSchedule,
        from: u64,
        to: u64,
    ) -> Vec<(u64, u64)> {
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
        let cfg = AvailabilityConfig::default();
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
        let expected = f64::from(hosts) * days as f64 * DIAL_UP_SESSIONS_PER_DAY;
        assert!((n - expected).abs() < 4.0 * expected.sqrt(), "{n} sessions");
        let mean = lengths.iter().sum::<u64>() as f64 / n;
        let want = DIAL_UP_MEAN_SESSION.as_micros() as f64;
        // Exponential lengths: the standard error is mean / sqrt(n).
        assert!(
            (mean - want).abs() < 4.0 * want / n.sqrt(),
            "mean {mean} us"
        );
    }

    #[test]
    fn mobile_hosts_work_inside_and_spend_evenings_at_home() {
        let cfg = AvailabilityConfig::default();
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
        let want = MOBILE_EVENING.0 / 100.0;
        assert!(
            (share - want).abs() < 4.0 * (0.25 / f64::from(n)).sqrt(),
            "{share}"
        );
    }

    #[test]
    fn per_host_habits_follow_their_shares() {
        let cfg = AvailabilityConfig::default();
        let n = 20_000u32;
        let count =
            |f: &dyn Fn(HostId) -> bool| (0..n).filter(|&i| f(i)).count() as f64 / f64::from(n);
        let bound = 4.0 * (0.25 / f64::from(n)).sqrt();
        let dial = count(&|i| cfg.subscriber_class(9, i) == HostClass::DialUp);
        assert!(
            (dial - DIAL_UP_SUBSCRIBER_PCT / 100.0).abs() < bound,
            "{dial}"
        );
        let pattern = |i| {
            cfg.schedule(9, i, HostClass::Office, UtcOffset::UTC)
                .pattern
        };
        let mobile = count(&|i| pattern(i) == Pattern::Mobile);
        assert!((mobile - MOBILE_PCT / 100.0).abs() < bound, "{mobile}");
        let left_on = count(&|i| pattern(i) == Pattern::AlwaysOn);
        let want = (1.0 - MOBILE_PCT / 100.0) * OFFICE_LEFT_ON_PCT / 100.0;
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
        let cfg = AvailabilityConfig::default();
        let start = at(UtcOffset::UTC, monday(), 0);
        let mut r = rng::stream(3, Purpose::Fit, 0);
        for pattern in [
            Pattern::DialUp,
            Pattern::HomeNightOff,
            Pattern::OfficeHours,
            Pattern::Mobile,
        ] {
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
            }
        }
    }

    #[test]
    fn same_seed_same_schedule() {
        let cfg = AvailabilityConfig::default();
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
        let cfg = AvailabilityConfig::default();
        assert_eq!(cfg.check(), Ok(()));
        let text = toml::to_string(&cfg).unwrap();
        let back: AvailabilityConfig = toml::from_str(&text).unwrap();
        assert_eq!(back, cfg);
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
        let mut c = AvailabilityConfig::default();
        c.time_zones.europe[0].share_pct = Percent::new(1.0).unwrap();
        c.time_zones.africa[1].utc_offset_min = 900;
        assert_eq!(
            fields(&c),
            ["time_zones.europe", "time_zones.africa[1].utc_offset_min"]
        );
        let mut c = AvailabilityConfig::default();
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
        let mut c = AvailabilityConfig::default();
        c.mobile.evening.on = [hours(16), hours(19)];
        c.mobile.evening.off = [hours(22), hours(34)];
        assert_eq!(fields(&c), ["mobile.evening.on", "mobile.evening.off"]);
        let mut c = AvailabilityConfig::default();
        c.dial_up.mean_session = SimDuration::ZERO;
        assert_eq!(fields(&c), ["dial_up.mean_session"]);
    }

    #[test]
    fn times_at_the_ends_of_the_clock_do_not_overflow() {
        let cfg = AvailabilityConfig::default();
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
