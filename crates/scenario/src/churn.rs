//! `[world.churn]`: the parameters of hosts that come and go (issue 18),
//! as a scenario file writes them, and their checks. What they mean as
//! schedules (time zones drawn per network, online stretches per host and
//! day, DHCP addresses) is `wormscope_model::availability`'s business; the
//! values and their sources are in the built-in `blaster.toml`, the only
//! copy of every default.
//!
//! May not touch: anything beyond the values (no drawing, no clock).

use serde::{Deserialize, Serialize};

use crate::units::{Percent, SimDuration};

/// The largest UTC offset anywhere, 14 hours (Kiribati's Line Islands);
/// the smallest is -12 hours.
pub const MAX_OFFSET_MINUTES: i16 = 14 * 60;
const MIN_OFFSET_MINUTES: i16 = -12 * 60;

const HOUR_US: u64 = 3_600_000_000;

const fn hours(h: u64) -> SimDuration {
    SimDuration::from_micros(h * HOUR_US)
}

/// What kind of machines a network kind holds, as far as their hours go
/// (`[[world.networks]]`'s `hours`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NetworkHours {
    /// ISP subscriber pools: dial-up sessions or broadband home machines,
    /// with a new address from the pool on each reconnect.
    Subscriber,
    /// Enterprise desktops: working hours, some left on, some mobile.
    Office,
    /// Always on, one address. The default for a network kind that does not
    /// say, which is how every host behaved before churn.
    #[default]
    Server,
}

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
    /// Share of office hosts that are mobile: each gets a second,
    /// home identity at a free address of a subscriber pool in its /8
    /// (none where the /8 has no directly connected pool), where it is
    /// online on its evenings at home.
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
    /// Hosts come and go; off: every host is online all the time at one
    /// address.
    pub enabled: bool,
    pub time_zones: TimeZoneConfig,
    pub dial_up: DialUpConfig,
    pub broadband: BroadbandConfig,
    pub office: OfficeConfig,
    pub mobile: MobileConfig,
}

/// A problem with an [`AvailabilityConfig`]: the field's dotted path
/// (relative to the config) and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct ConfigProblem {
    pub field: String,
    pub message: String,
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
        // office.on may itself be out of range (reported above): saturate
        // rather than overflow while comparing.
        if e.off[1].as_micros() > day.as_micros().saturating_add(o.on.as_micros()) {
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
}
