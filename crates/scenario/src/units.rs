//! Value types that appear in scenario files and on the command line:
//! durations, percentages, IPv4 prefixes and port/protocol pairs.
//!
//! Each type parses from the text a person writes (`90s`, `40`, `10.0.0.0/8`,
//! `135/tcp`) and prints back to the same text, so a scenario survives a
//! round trip through `scenario print`. Nothing here knows about worms.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A span of simulated time, kept as whole microseconds so that all
/// arithmetic in the engine is exact and identical on every machine.
///
/// Written as a number followed by a unit: `400ms`, `1.8s`, `90s`, `10m`,
/// `48h`, `7d`; several parts may follow each other (`1h30m`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SimDuration {
    micros: u64,
}

impl SimDuration {
    pub const ZERO: SimDuration = SimDuration { micros: 0 };
    pub const MICROS_PER_SECOND: u64 = 1_000_000;

    pub const fn from_micros(micros: u64) -> Self {
        SimDuration { micros }
    }
    pub const fn from_millis(millis: u64) -> Self {
        SimDuration {
            micros: millis * 1_000,
        }
    }
    pub const fn from_secs(secs: u64) -> Self {
        SimDuration {
            micros: secs * Self::MICROS_PER_SECOND,
        }
    }
    pub const fn as_micros(self) -> u64 {
        self.micros
    }
    pub fn as_secs_f64(self) -> f64 {
        self.micros as f64 / Self::MICROS_PER_SECOND as f64
    }
}

/// Why a duration text was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{text}` is not a duration: {reason} (write e.g. `400ms`, `1.8s`, `10m`, `48h`, `7d`)")]
pub struct DurationError {
    text: String,
    reason: &'static str,
}

impl FromStr for SimDuration {
    type Err = DurationError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let err = |reason| DurationError {
            text: text.to_string(),
            reason,
        };
        let s = text.trim();
        if s.is_empty() {
            return Err(err("it is empty"));
        }
        if s.starts_with('-') {
            return Err(err("durations cannot be negative"));
        }
        let mut total: u128 = 0;
        let mut rest = s;
        while !rest.is_empty() {
            let num_len = rest
                .find(|c: char| !(c.is_ascii_digit() || c == '.'))
                .ok_or_else(|| err("a unit (ms, s, m, h, d) must follow the number"))?;
            if num_len == 0 {
                return Err(err("expected a number"));
            }
            let (num, after) = rest.split_at(num_len);
            let unit_len = after
                .find(|c: char| c.is_ascii_digit() || c == '.')
                .unwrap_or(after.len());
            let (unit, after) = after.split_at(unit_len);
            let unit_micros: u128 = match unit.trim() {
                "us" | "µs" => 1,
                "ms" => 1_000,
                "s" => 1_000_000,
                "m" | "min" => 60_000_000,
                "h" => 3_600_000_000,
                "d" => 86_400_000_000,
                _ => return Err(err("unknown unit (use ms, s, m, h or d)")),
            };
            total += parse_decimal_scaled(num, unit_micros).ok_or_else(|| {
                err("the number is malformed or has more precision than a microsecond")
            })?;
            rest = after;
        }
        u64::try_from(total)
            .map(SimDuration::from_micros)
            .map_err(|_| err("it is too long"))
    }
}

/// `num * scale` for a decimal text, exactly, or None when it is not a
/// plain decimal or leaves a fraction of the smallest unit.
fn parse_decimal_scaled(num: &str, scale: u128) -> Option<u128> {
    let (int_part, frac_part) = match num.split_once('.') {
        Some((i, f)) => (i, f),
        None => (num, ""),
    };
    if int_part.is_empty() && frac_part.is_empty() {
        return None;
    }
    if !int_part.chars().all(|c| c.is_ascii_digit())
        || !frac_part.chars().all(|c| c.is_ascii_digit())
    {
        return None;
    }
    let int: u128 = if int_part.is_empty() {
        0
    } else {
        int_part.parse().ok()?
    };
    let mut value = int.checked_mul(scale)?;
    let mut denom: u128 = 1;
    let mut frac: u128 = 0;
    for c in frac_part.chars() {
        denom = denom.checked_mul(10)?;
        frac = frac * 10 + u128::from(c.to_digit(10)?);
    }
    let scaled = frac.checked_mul(scale)?;
    if scaled % denom != 0 {
        return None;
    }
    value = value.checked_add(scaled / denom)?;
    Some(value)
}

impl fmt::Display for SimDuration {
    /// The shortest exact text in the largest unit that divides it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const UNITS: [(u64, &str); 4] = [
            (86_400_000_000, "d"),
            (3_600_000_000, "h"),
            (60_000_000, "m"),
            (1_000_000, "s"),
        ];
        if self.micros == 0 {
            return f.write_str("0s");
        }
        for (scale, unit) in UNITS {
            if self.micros.is_multiple_of(scale) {
                return write!(f, "{}{}", self.micros / scale, unit);
            }
        }
        if self.micros.is_multiple_of(100_000) && self.micros >= 1_000_000 {
            let tenths = self.micros / 100_000;
            return write!(f, "{}.{}s", tenths / 10, tenths % 10);
        }
        if self.micros.is_multiple_of(1_000) {
            return write!(f, "{}ms", self.micros / 1_000);
        }
        write!(f, "{}us", self.micros)
    }
}

impl SimDuration {
    /// The duration as people read it, in every whole unit from the
    /// largest down: `19h2m`, `2m500ms`, `1d12h`, `1m30s` (plain text, as
    /// [`Display`](fmt::Display) writes it, would say `1142m`, `120.5s`,
    /// `36h`, `90s`). Exact, and read back by the same parser.
    pub fn compound(self) -> String {
        const UNITS: [(u64, &str); 3] = [
            (86_400_000_000, "d"),
            (3_600_000_000, "h"),
            (60_000_000, "m"),
        ];
        let mut left = self.micros;
        let mut text = String::new();
        for (scale, unit) in UNITS {
            if left >= scale {
                text.push_str(&format!("{}{unit}", left / scale));
                left %= scale;
            }
        }
        if left > 0 || text.is_empty() {
            text.push_str(&SimDuration::from_micros(left).to_string());
        }
        text
    }
}

/// Microseconds as seconds with up to six decimals and no trailing zeros:
/// the `time_s` column of every CSV file wormscope writes.
pub fn fmt_seconds(us: u64) -> String {
    if us.is_multiple_of(1_000_000) {
        (us / 1_000_000).to_string()
    } else {
        let s = format!("{}.{:06}", us / 1_000_000, us % 1_000_000);
        s.trim_end_matches('0').to_string()
    }
}

impl Serialize for SimDuration {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for SimDuration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// A share written as a percentage from 0 to 100 (fractions allowed).
/// Values outside that range are refused when the scenario is read.
#[derive(Clone, Copy, Debug, Default, PartialEq, PartialOrd, Serialize)]
#[serde(transparent)]
pub struct Percent(f64);

impl Percent {
    /// 100 %.
    pub fn all() -> Percent {
        Percent(100.0)
    }

    pub fn new(pct: f64) -> Option<Percent> {
        (pct.is_finite() && (0.0..=100.0).contains(&pct)).then_some(Percent(pct))
    }
    pub fn as_pct(self) -> f64 {
        self.0
    }
    /// The share as a probability in [0, 1].
    pub fn as_fraction(self) -> f64 {
        self.0 / 100.0
    }
}

impl<'de> Deserialize<'de> for Percent {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let pct = f64::deserialize(d)?;
        Percent::new(pct).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "{pct} is not a percentage: it must lie between 0 and 100"
            ))
        })
    }
}

/// An IPv4 prefix such as `10.0.0.0/8`; host bits must be zero.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Prefix {
    base: u32,
    len: u8,
}

impl Prefix {
    pub const fn new(base: u32, len: u8) -> Option<Prefix> {
        if len > 32 {
            return None;
        }
        let p = Prefix { base, len };
        if base & !p.mask() == 0 { Some(p) } else { None }
    }
    /// The prefix of length `len` (at most 32) that holds `addr`.
    pub const fn containing(addr: u32, len: u8) -> Option<Prefix> {
        if len > 32 {
            return None;
        }
        let p = Prefix { base: 0, len };
        Prefix::new(addr & p.mask(), len)
    }
    pub fn base(self) -> u32 {
        self.base
    }
    pub fn prefix_len(self) -> u8 {
        self.len
    }
    pub const fn mask(self) -> u32 {
        if self.len == 0 {
            0
        } else {
            u32::MAX << (32 - self.len)
        }
    }
    /// Number of addresses, as u64 because a /0 holds 2^32.
    pub fn size(self) -> u64 {
        1u64 << (32 - self.len)
    }
    /// The last address inside the prefix.
    pub fn last(self) -> u32 {
        self.base | !self.mask()
    }
    pub const fn contains(self, addr: u32) -> bool {
        addr & self.mask() == self.base
    }
}

/// Why a text is not a [`Prefix`]: the text, and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not an IPv4 prefix like 10.0.0.0/8: {1}")]
pub struct PrefixError(String, String);

impl FromStr for Prefix {
    type Err = PrefixError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let err = |why: &str| PrefixError(text.to_string(), why.to_string());
        let (addr, len) = text
            .trim()
            .split_once('/')
            .ok_or_else(|| err("no `/` and length (a single address is a /32)"))?;
        let addr: std::net::Ipv4Addr = addr
            .parse()
            .map_err(|_| err("what comes before `/` is not an IPv4 address"))?;
        let len: u8 = len
            .parse()
            .ok()
            .filter(|&l| l <= 32)
            .ok_or_else(|| err("the length after `/` is not a whole number from 0 to 32"))?;
        Prefix::new(u32::from(addr), len).ok_or_else(|| {
            let first = u32::from(addr) & u32::MAX.checked_shl(32 - u32::from(len)).unwrap_or(0);
            err(&format!(
                "the address has bits set past the length: a network is named by its first \
                 address, {}/{len}",
                std::net::Ipv4Addr::from(first)
            ))
        })
    }
}

impl fmt::Display for Prefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", std::net::Ipv4Addr::from(self.base), self.len)
    }
}

impl Serialize for Prefix {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Prefix {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

/// Transport protocol of a port rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Transport {
    Tcp,
    Udp,
}

/// A port and protocol such as `135/tcp`, as firewall rules name them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PortProto {
    pub port: u16,
    pub transport: Transport,
}

impl PortProto {
    pub const fn tcp(port: u16) -> Self {
        PortProto {
            port,
            transport: Transport::Tcp,
        }
    }
    pub const fn udp(port: u16) -> Self {
        PortProto {
            port,
            transport: Transport::Udp,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a port rule: write PORT/tcp or PORT/udp, PORT 1 to 65535, e.g. `135/tcp`")]
pub struct PortProtoError(String);

impl FromStr for PortProto {
    type Err = PortProtoError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let err = || PortProtoError(text.to_string());
        let (port, proto) = text.trim().split_once('/').ok_or_else(err)?;
        // Port 0 is no packet's: no firewall syntax takes it.
        let port: u16 = port.parse().ok().filter(|&p| p != 0).ok_or_else(err)?;
        let transport = match proto.to_ascii_lowercase().as_str() {
            "tcp" => Transport::Tcp,
            "udp" => Transport::Udp,
            _ => return Err(err()),
        };
        Ok(PortProto { port, transport })
    }
}

impl fmt::Display for PortProto {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let proto = match self.transport {
            Transport::Tcp => "tcp",
            Transport::Udp => "udp",
        };
        write!(f, "{}/{}", self.port, proto)
    }
}

impl Serialize for PortProto {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for PortProto {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

/// One entry of a firewall's port list: a single port rule or `*`, every
/// port of every protocol (a default-deny border).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PortRule {
    All,
    One(PortProto),
}

impl PortRule {
    pub fn matches(self, port: PortProto) -> bool {
        match self {
            PortRule::All => true,
            PortRule::One(p) => p == port,
        }
    }
}

impl FromStr for PortRule {
    type Err = PortProtoError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if text.trim() == "*" {
            Ok(PortRule::All)
        } else {
            text.parse().map(PortRule::One)
        }
    }
}

impl fmt::Display for PortRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PortRule::All => f.write_str("*"),
            PortRule::One(p) => p.fmt(f),
        }
    }
}

impl Serialize for PortRule {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for PortRule {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

/// A delay that may never happen: `never` or a duration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MaybeDuration {
    Never,
    After(SimDuration),
}

impl MaybeDuration {
    pub fn as_option(self) -> Option<SimDuration> {
        match self {
            MaybeDuration::Never => None,
            MaybeDuration::After(d) => Some(d),
        }
    }
}

impl fmt::Display for MaybeDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MaybeDuration::Never => f.write_str("never"),
            MaybeDuration::After(d) => d.fmt(f),
        }
    }
}

impl Serialize for MaybeDuration {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for MaybeDuration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        if text.trim() == "never" {
            return Ok(MaybeDuration::Never);
        }
        text.parse()
            .map(MaybeDuration::After)
            .map_err(|e: DurationError| serde::de::Error::custom(format!("{e}, or `never`")))
    }
}

/// A moment of the simulation, written either as a duration after the
/// scenario's start (`6h`, `4d5h`) or as a UTC timestamp
/// (`2003-08-16T00:00:00Z`). Resolved against the start with
/// [`When::after_start`]; a timestamp before the start is refused there.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum When {
    After(SimDuration),
    At(jiff::Timestamp),
}

impl When {
    /// The start itself.
    pub fn zero() -> When {
        When::After(SimDuration::ZERO)
    }

    /// Microseconds after `start`, or why the moment cannot be one.
    pub fn after_start(self, start: jiff::Timestamp) -> Result<u64, String> {
        match self {
            When::After(d) => Ok(d.as_micros()),
            When::At(t) => {
                let us = t.as_microsecond() - start.as_microsecond();
                u64::try_from(us).map_err(|_| format!("{t} is before the simulation start {start}"))
            }
        }
    }
}

impl FromStr for When {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        let t = text.trim();
        if t.contains('T') || t.matches('-').count() >= 2 {
            return t.parse::<jiff::Timestamp>().map(When::At).map_err(|e| {
                format!("`{t}` is not a UTC timestamp like 2003-08-16T00:00:00Z: {e}")
            });
        }
        t.parse::<SimDuration>()
            .map(When::After)
            .map_err(|e| format!("{e}, or a UTC timestamp like 2003-08-16T00:00:00Z"))
    }
}

impl fmt::Display for When {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            When::After(d) => d.fmt(f),
            When::At(t) => t.fmt(f),
        }
    }
}

impl Serialize for When {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for When {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moments_are_durations_or_timestamps() {
        let start: jiff::Timestamp = "2003-08-11T19:00:00Z".parse().unwrap();
        let six: When = "6h".parse().unwrap();
        assert_eq!(six.after_start(start), Ok(6 * 3_600_000_000));
        let aug16: When = "2003-08-16T00:00:00Z".parse().unwrap();
        assert_eq!(aug16.after_start(start), Ok((4 * 24 + 5) * 3_600_000_000));
        let before: When = "2003-08-10T00:00:00Z".parse().unwrap();
        assert!(
            before
                .after_start(start)
                .unwrap_err()
                .contains("before the simulation start")
        );
        assert!("yesterday".parse::<When>().is_err());
        assert_eq!(aug16.to_string(), "2003-08-16T00:00:00Z");
    }

    #[test]
    fn compound_text_is_read_back_exactly() {
        for (micros, text) in [
            (68_520_000_000, "19h2m"),
            (120_500_000, "2m500ms"),
            (129_600_000_000, "1d12h"),
            (90_000_000, "1m30s"),
            (0, "0s"),
            (400_000, "400ms"),
            (86_400_000_001, "1d1us"),
        ] {
            let d = SimDuration::from_micros(micros);
            assert_eq!(d.compound(), text);
            assert_eq!(text.parse::<SimDuration>().unwrap(), d, "{text}");
        }
    }

    #[test]
    fn durations_parse_in_every_unit() {
        let cases = [
            ("90s", 90_000_000),
            ("10m", 600_000_000),
            ("48h", 172_800_000_000),
            ("7d", 604_800_000_000),
            ("1.8s", 1_800_000),
            ("400ms", 400_000),
            ("1h30m", 5_400_000_000),
            ("0s", 0),
        ];
        for (text, micros) in cases {
            assert_eq!(
                text.parse::<SimDuration>().unwrap().as_micros(),
                micros,
                "{text}"
            );
        }
    }

    #[test]
    fn durations_refuse_nonsense() {
        for text in [
            "",
            "-5s",
            "5",
            "5x",
            "s",
            "1.5",
            "0.0000001s",
            "1..2s",
            "99999999999999999d",
        ] {
            assert!(
                text.parse::<SimDuration>().is_err(),
                "{text:?} was accepted"
            );
        }
    }

    #[test]
    fn durations_print_back_to_what_parses() {
        for text in ["90s", "10m", "48h", "7d", "1.8s", "400ms", "0s", "1500us"] {
            let d: SimDuration = text.parse().unwrap();
            assert_eq!(d.to_string().parse::<SimDuration>().unwrap(), d);
        }
        assert_eq!("1.8s".parse::<SimDuration>().unwrap().to_string(), "1.8s");
        assert_eq!("120m".parse::<SimDuration>().unwrap().to_string(), "2h");
    }

    #[test]
    fn percent_bounds() {
        assert!(Percent::new(100.0).is_some());
        assert!(Percent::new(0.0).is_some());
        assert!(Percent::new(100.5).is_none());
        assert!(Percent::new(-1.0).is_none());
        assert!(Percent::new(f64::NAN).is_none());
    }

    #[test]
    fn prefixes() {
        let p: Prefix = "10.0.0.0/8".parse().unwrap();
        assert!(p.contains(0x0a01_0203));
        assert!(!p.contains(0x0b00_0000));
        assert_eq!(p.size(), 1 << 24);
        assert_eq!(p.last(), 0x0aff_ffff);
        assert!("10.0.0.1/8".parse::<Prefix>().is_err());
        assert!("10.0.0.0/33".parse::<Prefix>().is_err());
        assert_eq!("0.0.0.0/0".parse::<Prefix>().unwrap().size(), 1 << 32);
        assert_eq!(p.to_string(), "10.0.0.0/8");
    }

    #[test]
    fn port_rules() {
        assert_eq!("135/tcp".parse::<PortProto>().unwrap(), PortProto::tcp(135));
        assert_eq!("69/UDP".parse::<PortProto>().unwrap(), PortProto::udp(69));
        assert!("135".parse::<PortProto>().is_err());
        assert!("70000/tcp".parse::<PortProto>().is_err());
        assert!("0/tcp".parse::<PortProto>().is_err() && "0/udp".parse::<PortRule>().is_err());
        assert!("65535/udp".parse::<PortProto>().is_ok());
        assert!("135/sctp".parse::<PortProto>().is_err());
    }
}
