//! The schema of population scenarios, the random-scanning worms' (Code
//! Red v2, SQL Slammer, Witty): a population of vulnerable hosts in an
//! address space, the worm's behaviour as composable pieces (targeting,
//! delivery, rate limit, stop rule, flood), the defenses and sensors, and
//! the published figures the scenario claims to reproduce, each with its
//! tolerance and source.
//!
//! Like [`crate::BlasterScenario`], these structs carry no defaults: the
//! built-in files (`builtin/codered2.toml`, `builtin/slammer.toml`,
//! `builtin/witty.toml`) hold and explain every value, and a user's file
//! names one of them as its `base`.

use serde::{Deserialize, Serialize};

use crate::check::sensor_problems;
use crate::check::{
    end_problem, moment_problem, partial_step_problem, patch_problems, scan_wait_problem,
    span_problem, stop_problem,
};
use crate::figure::figures_problem;
pub use crate::figure::{Figure, Measure, Tolerance};
use crate::schema::{
    CleanupDefense, DateCheck, DnsTakedown, FilterDefense, HostDefense, PatchDefense, SensorConfig,
    SensorKind,
};
pub use crate::schema::{
    CrashConfig, HitListConfig, LocalPreferenceConfig, PermutationConfig, StopConfig,
};
use crate::units::{Percent, PortProto, Prefix, SimDuration};

/// A complete, checked population scenario.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PopulationScenario {
    /// The built-in random-scanning scenario this file is laid over.
    pub base: String,
    pub name: String,
    pub description: String,
    /// Seed of every random draw.
    pub seed: u64,
    /// Wall-clock time of simulated time zero (UTC): the release.
    pub start: jiff::Timestamp,
    /// Simulated time to run.
    pub duration: SimDuration,
    /// Resolution of the time series.
    pub step: SimDuration,
    /// Runs in the ensemble `wormscope validate` compares with the figures.
    pub runs: u32,
    pub population: Population,
    pub worm: PopulationWorm,
    /// A flood the worm sends on days of the month (`[payload]`; absent:
    /// none), Code Red's against www1.whitehouse.gov.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload: Option<FloodPayload>,
    /// What defenders do (`[defenses.*]`; each off unless `enabled`).
    pub defenses: PopulationDefenses,
    /// Vantage-point captures (`wormscope capture`).
    pub capture: PopulationCaptureConfig,
    /// Dark address blocks that record every probe reaching them
    /// (`[[telescopes]]`): the older spelling of telescope sensors, still
    /// read. [`PopulationScenario::all_sensors`] lists them first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub telescopes: Vec<Telescope>,
    /// Instruments watching the outbreak (`[[sensors]]`): the kinds and
    /// fields of a Blaster scenario's, with the same meaning (see
    /// `wormscope-engine`'s `random` module for how each sees a random
    /// scanner). A distributed sensor's addresses are dark, and its
    /// `report_delay` is a whole number of steps.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sensors: Vec<SensorConfig>,
    /// The published figures this scenario reproduces (`[[validation]]`).
    pub validation: Vec<Figure>,
}

/// The defenses a random-scanning scenario runs: the same sections, with
/// the same meaning, as a Blaster scenario's.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PopulationDefenses {
    /// Vulnerable hosts install the patch over time: a patched host that
    /// is not infected yet cannot be (a probe to it reaches a live host
    /// that cannot be infected); one already infected keeps scanning.
    pub patch: PatchDefense,
    /// A share of the vulnerable hosts put up their own firewall, dropping
    /// the worm's probes, from `start`: a host covered before the worm
    /// reaches it cannot be infected.
    pub host_firewall: HostDefense,
    /// ISPs filter the worm's own port at the border of a share of the
    /// /16 address blocks from `start`: a probe aimed at a vulnerable host
    /// across a filtering block's border is dropped (inside one /16 it is
    /// not). Sensors lose what it keeps inside a /16, as a Blaster
    /// scenario's do. Absent from older files: off.
    #[serde(default = "FilterDefense::off")]
    pub isp_filter: FilterDefense,
    /// Enterprise networks (`[population.enterprises]`) filter the worm's
    /// own port at their border, a share `coverage_pct` of them from
    /// `start`: a probe aimed at a vulnerable host across a filtering
    /// network's border is dropped (inside one network it is not). Sensors
    /// lose what it keeps inside a network, as a Blaster scenario's do.
    /// Absent from older files: off.
    #[serde(default = "FilterDefense::off")]
    pub border_filter: FilterDefense,
    /// Infected hosts are cleaned (and patched) at `per_day_pct` a day from
    /// `start`, each after an exponential time from its infection (or the
    /// start): a cleaned host stops probing and cannot be infected again.
    /// Absent from older files: off.
    #[serde(default = "CleanupDefense::off")]
    pub cleanup: CleanupDefense,
    /// The flooded site moves to another address at `at` (the White House
    /// did so before Code Red's flood): from then on a flood sent to the
    /// address it had reaches nothing. A flood of a name (`[payload]
    /// name`) resolved afterwards finds the site where it is. Absent from
    /// older files: off.
    #[serde(
        default = "DnsTakedown::off",
        skip_serializing_if = "DnsTakedown::is_off"
    )]
    pub target_move: DnsTakedown,
    /// The flood's name stops resolving at `at` (Blaster's
    /// windowsupdate.com was taken down so): a flood that starts
    /// afterwards sends nothing; one already sending goes on. Only for a
    /// `[payload]` with a `name`. Absent from older files: off.
    #[serde(
        default = "DnsTakedown::off",
        skip_serializing_if = "DnsTakedown::is_off"
    )]
    pub dns_takedown: DnsTakedown,
    /// First-hop networks drop packets whose source is not theirs (BCP 38,
    /// RFC 2827), a share `coverage_pct` of the vulnerable hosts' from
    /// `start`, drawn per host from the run's seed as a Blaster scenario's
    /// are: of a filtered host's spoofed flood only the sources of its own
    /// network get out (its address alone, or its enterprise network's
    /// addresses in its /16). Only for a `[payload]` with
    /// `spoofed_sources`. Absent from older files: off.
    #[serde(
        default = "HostDefense::off",
        skip_serializing_if = "HostDefense::is_off"
    )]
    pub spoof_filter: HostDefense,
}

/// A flood of one address that every running instance of the worm sends
/// from 00:00 UTC on `first_day` of each month to the end of `last_day`
/// (or of the month, if it is shorter), whether it has stopped probing or
/// not: a worm whose payload is a date-driven denial of service, as Code
/// Red's was. It ends with the worm on its host (a crash, a cleaning; a
/// probe limit, like the stop date, ends the probing only); it needs no
/// probe to be delivered, so congestion does not slow it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FloodPayload {
    /// The first day of the month it floods (1 to 31).
    pub first_day: u8,
    /// The last (from `first_day` to 31).
    pub last_day: u8,
    /// From this month on (1 to 12) every day is a flood day, to the
    /// year's end, as Blaster's September to December (absent: 13, never).
    #[serde(default = "never_month", skip_serializing_if = "is_never_month")]
    pub every_day_from_month: u8,
    /// When the worm reads the date (absent: `always`, as Code Red did:
    /// every running instance floods on the flood days). `at_start`: once,
    /// when it starts, as Blaster did.
    #[serde(
        default = "DateCheck::always",
        skip_serializing_if = "DateCheck::is_always"
    )]
    pub date_checked: DateCheck,
    /// Packets per second each flooding host sends to the target.
    pub packets_per_second: u32,
    /// Size of one flood packet on the wire (IP header included), bytes.
    pub packet_bytes: u32,
    /// The address flooded (for a `name`, the address the name resolves
    /// to until the site moves: what captures show).
    pub target: std::net::Ipv4Addr,
    /// A name the worm resolves when its flood starts (each flood window,
    /// or its own start inside one), as Blaster did, instead of carrying
    /// the address (absent: it carries the address, as Code Red did).
    /// `[defenses.dns_takedown]` then applies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The TCP port the packets go to: what a capture shows (absent: 80,
    /// the web server's; files written before it had none).
    #[serde(default = "web_port")]
    pub port: u16,
    /// Whether each packet's source is spoofed as Blaster's were (MODEL.md,
    /// The payload: the host's own A.B plus a random C.D), so that each is
    /// a SYN (`packet_bytes` at least 40) and a first-hop source filter
    /// (`[defenses.spoof_filter]`) removes it. Absent: false, the host's
    /// own address, as Code Red's.
    #[serde(default)]
    pub spoofed_sources: bool,
}

fn web_port() -> u16 {
    80
}

fn never_month() -> u8 {
    13
}

fn is_never_month(month: &u8) -> bool {
    *month == 13
}

/// Parameters of `wormscope capture` for a random-scanning worm: those of
/// a Blaster scenario's `[capture]`, and which end of the worm's datagrams
/// carries `worm.delivery.port`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PopulationCaptureConfig {
    /// Ordinary background traffic (web, DNS) mixed into an edge's
    /// capture, packets per second.
    pub background_pps: f64,
    /// A capture that would hold more frames than this is refused before
    /// anything is written.
    pub max_packets: u64,
    /// A UDP worm's `worm.delivery.port` is the destination port of its
    /// datagrams (Slammer, to 1434/udp) or their source port (Witty, from
    /// 4000/udp to a random destination port). A TCP worm's port is always
    /// the destination; this is not read for it.
    pub delivery_port_is: PortEnd,
}

/// Which end of a packet a port is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PortEnd {
    Destination,
    Source,
}

/// Who can be infected and what else lives in the scanned space.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Population {
    /// Hosts a probe can infect.
    pub vulnerable: u64,
    /// Live hosts that receive probes but cannot be infected.
    pub other_hosts: u64,
    /// Hosts infected at time zero.
    pub initial_infected: u64,
    /// The worm scans 2^bits addresses (32: all of IPv4). Smaller spaces are
    /// for small test worlds.
    pub scan_space_bits: u8,
    /// Which hosts sit inside enterprise networks, behind a border that
    /// `[defenses.border_filter]` can filter. Absent from older files: none.
    #[serde(default = "Enterprises::none")]
    pub enterprises: Enterprises,
    /// Where the vulnerable hosts' addresses are drawn. Absent from older
    /// files: anywhere.
    #[serde(default)]
    pub hosts_in: HostsIn,
    /// Vulnerable hosts gathered in a few address blocks
    /// (`[population.clusters]`); absent: spread evenly over `hosts_in`'s
    /// space.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clusters: Option<Clusters>,
}

/// Vulnerable hosts gathered in a few address blocks
/// (`[population.clusters]`): `count` blocks `prefix_len` long are drawn at
/// random where `hosts_in` allows, none overlapping a telescope, and every
/// vulnerable host is drawn uniformly among them.
///
/// MODEL.md section 3 asks for hosts clustered the way ISP and enterprise
/// blocks were; no source at hand says how one worm's vulnerable hosts
/// clustered, so this is a what-if with no built-in value. It matters to a
/// worm that prefers its own /16 or /8 (`targeting = "local-preference"`),
/// and to sensors and filters that watch blocks; uniform draws over the
/// whole space do not care where the hosts are.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Clusters {
    /// Length of a cluster's prefix: 8 (a /8) to 24 (a /24).
    pub prefix_len: u8,
    /// How many clusters.
    pub count: u64,
}

/// The blocks a scenario's clusters are drawn from: those `prefix_len`
/// long in `hosts_in`'s space, less those overlapping a telescope. Blocks
/// are numbered by their first address shifted right by `32 - prefix_len`.
#[derive(Clone, Debug, PartialEq)]
pub struct ClusterBlocks {
    /// The allowed blocks: ranges `[first, end)`, in order.
    allowed: Vec<(u32, u32)>,
    /// The blocks overlapping a telescope: ranges `[first, end)`, merged.
    dark: Vec<(u32, u32)>,
}

impl ClusterBlocks {
    /// The blocks of `s`'s clusters (`s.population.clusters`, whose
    /// `prefix_len` is checked to lie in 8..=24 and within the space).
    pub fn of(s: &PopulationScenario, c: &Clusters) -> ClusterBlocks {
        let len = u32::from(c.prefix_len);
        let shift = 32 - len;
        let allowed = match HostsIn::slash8s(s) {
            Some(slash8s) => slash8s
                .iter()
                .map(|&o| (u32::from(o) << (len - 8), (u32::from(o) + 1) << (len - 8)))
                .collect(),
            None => vec![(0, ((1u64 << s.population.scan_space_bits) >> shift) as u32)],
        };
        let mut dark: Vec<(u32, u32)> = s
            .all_sensors()
            .iter()
            .filter(|c| c.kind == SensorKind::Telescope)
            .filter_map(|c| c.prefix)
            .map(|p| (p.base() >> shift, (p.last() >> shift) + 1))
            .collect();
        dark.sort_unstable();
        let mut merged: Vec<(u32, u32)> = Vec::with_capacity(dark.len());
        for (a, b) in dark {
            match merged.last_mut() {
                Some(last) if a <= last.1 => last.1 = last.1.max(b),
                _ => merged.push((a, b)),
            }
        }
        ClusterBlocks {
            allowed,
            dark: merged,
        }
    }

    /// How many blocks are allowed, telescopes or not.
    pub fn allowed(&self) -> u64 {
        self.allowed.iter().map(|&(a, b)| u64::from(b - a)).sum()
    }

    /// How many blocks a cluster may be.
    pub fn candidates(&self) -> u64 {
        let dark: u64 = self
            .dark
            .iter()
            .flat_map(|&(a, b)| {
                self.allowed
                    .iter()
                    .map(move |&(lo, hi)| u64::from(b.min(hi).saturating_sub(a.max(lo))))
            })
            .sum();
        self.allowed() - dark
    }

    /// The `i`-th allowed block (`i` below [`ClusterBlocks::allowed`]).
    pub fn nth_allowed(&self, mut i: u64) -> u32 {
        for &(a, b) in &self.allowed {
            let n = u64::from(b - a);
            if i < n {
                return a + i as u32;
            }
            i -= n;
        }
        panic!("block {i} past the allowed ones")
    }

    /// Whether `block` overlaps a telescope.
    pub fn is_dark(&self, block: u32) -> bool {
        self.dark.iter().any(|&(a, b)| (a..b).contains(&block))
    }
}

/// Where a random-scanning worm's vulnerable hosts live
/// (`[population] hosts_in`). The other live hosts (which only split the
/// probes' outcomes) and distributed sensors' addresses are drawn there
/// too (`[population.clusters]` gathers only the vulnerable hosts).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum HostsIn {
    /// Anywhere in the scanned space, reserved blocks included.
    #[default]
    Anywhere,
    /// In the /8s the IANA registry lists as allocated by the start's month
    /// (MODEL.md section 3: the world is the public space of the start
    /// date; [`crate::iana`]). A space smaller than IPv4 (a test world) has
    /// no /8s to choose from: there the hosts go anywhere in it.
    Allocated,
}

impl HostsIn {
    /// The first octets the vulnerable hosts of `s` may have: `None` when
    /// any address of the scanned space will do.
    pub fn slash8s(s: &PopulationScenario) -> Option<Vec<u8>> {
        (s.population.hosts_in == HostsIn::Allocated && s.population.scan_space_bits == 32)
            .then(|| crate::iana::allocated_slash8s(&start_month(s)))
    }
}

/// The start's month as the IANA registry dates rows (`YYYY-MM`, UTC).
fn start_month(s: &PopulationScenario) -> String {
    s.start.strftime("%Y-%m").to_string()
}

/// Enterprise networks in the scanned space (`[population.enterprises]`):
/// the space is tiled by networks `prefix_len` long, and each is an
/// enterprise's with chance `share_pct`, drawn from the scenario's seed
/// (the population's addresses are uniform, so that is also, in
/// expectation, the share of the vulnerable hosts inside one).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Enterprises {
    pub share_pct: Percent,
    /// Length of an enterprise network's prefix (1 to 32).
    pub prefix_len: u8,
}

impl Enterprises {
    /// No enterprise networks, for scenario files written before the table.
    pub fn none() -> Enterprises {
        Enterprises {
            share_pct: Percent::new(0.0).expect("0 is a share"),
            prefix_len: 32,
        }
    }
}

/// The most sensors (telescopes included) a random-scanning scenario
/// may have: the population core keeps, per scanning host, which of them have
/// seen it, in a 16-bit mask, and one class of hosts per combination.
pub const MAX_RANDOM_SENSORS: usize = 8;

impl PopulationScenario {
    /// Every sensor in output order: the `[[telescopes]]` as telescope
    /// sensors, then the `[[sensors]]`.
    pub fn all_sensors(&self) -> Vec<SensorConfig> {
        self.telescopes
            .iter()
            .map(|t| SensorConfig {
                name: t.name.clone(),
                kind: SensorKind::Telescope,
                prefix: Some(t.prefix),
                addresses: None,
                report_delay: None,
            })
            .chain(self.sensors.iter().cloned())
            .collect()
    }
}

/// A network telescope: a routed prefix with no hosts, where every probe
/// that arrives is recorded.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Telescope {
    pub name: String,
    /// Inside the scan space; no host of the population lives there.
    pub prefix: Prefix,
}

/// `worm.targeting` of a worm that draws every target uniformly at random.
pub const UNIFORM_RANDOM: &str = "uniform-random";
/// `worm.targeting` of a worm that walks a shared permutation of the scan
/// space (`[worm.permutation]`).
pub const PERMUTATION: &str = "permutation";
/// `worm.targeting` of a worm that draws each target over its own /16, its
/// own /8 or the whole scan space (`[worm.local_preference]`; Code Red
/// II's way).
pub const LOCAL_PREFERENCE: &str = "local-preference";
/// `worm.targeting` of a worm that probes consecutive addresses upward
/// from a start near its own address or anywhere (`[worm.sequential]`;
/// Blaster's way): the what-if of Slammer or Code Red scanning like
/// Blaster.
pub const SEQUENTIAL: &str = "sequential";

/// Where a `sequential` worm starts (`[worm.sequential]`, optional): the
/// start rule is Blaster's (MODEL.md, Target selection): with
/// `local_start_pct` %, A.B.C.0 of the host's own address, C lowered by
/// 0 to 19 when above 20; otherwise a random A.B.C.0. In a scan space
/// smaller than IPv4 (a test world's) the address's bits above the space
/// are dropped.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SequentialConfig {
    /// The share of instances that start near their own address; MODEL.md's
    /// figure for Blaster, 40 %, when the section is absent.
    pub local_start_pct: Percent,
}

impl SequentialConfig {
    /// Blaster's start rule (MODEL.md: "40 % local, 60 % random").
    pub fn blasters() -> SequentialConfig {
        SequentialConfig {
            local_start_pct: Percent::new(40.0).expect("a percentage"),
        }
    }
}

/// The worm of a population scenario: how it picks its targets in the
/// scan space (any targeting) and the rest of its pieces.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PopulationWorm {
    /// How targets are chosen: [`UNIFORM_RANDOM`], [`PERMUTATION`],
    /// [`LOCAL_PREFERENCE`] or [`SEQUENTIAL`].
    pub targeting: String,
    /// Where a `sequential` worm starts (`[worm.sequential]`); read only
    /// with that targeting, [`SequentialConfig::blasters`] when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sequential: Option<SequentialConfig>,
    /// The permutation a `permutation` worm walks (`[worm.permutation]`);
    /// read only with that targeting.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permutation: Option<PermutationConfig>,
    /// The shares a `local-preference` worm draws by
    /// (`[worm.local_preference]`); read only with that targeting. Draws
    /// over the own /16 or /8 stay inside the scan space: in a space
    /// smaller than a /8 (a test world's) they fall on its part of it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub local_preference: Option<LocalPreferenceConfig>,
    /// A list of vulnerable hosts the initial hosts probe before they turn
    /// to the targeting (`[worm.hit_list]`; absent: none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hit_list: Option<HitListConfig>,
    pub delivery: DeliveryConfig,
    pub rate: RateConfig,
    pub stop: StopConfig,
}

impl DeliveryConfig {
    /// The worm's own port, the one filters of "the worm's port" name.
    pub fn port(&self) -> PortProto {
        match *self {
            DeliveryConfig::TcpExploit { port, .. } => PortProto::tcp(port),
            DeliveryConfig::UdpPacket { port, .. } => PortProto::udp(port),
        }
    }
}

/// What one probe is on the wire.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum DeliveryConfig {
    /// A TCP connection that carries the exploit; the victim starts
    /// scanning `duration` after the probe that infected it.
    TcpExploit { port: u16, duration: SimDuration },
    /// One UDP packet that is the whole worm; `packet_bytes` is its size on
    /// the wire (IP header included), which the bandwidth limit divides.
    UdpPacket { port: u16, packet_bytes: u32 },
}

/// How fast an infected host probes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum RateConfig {
    /// Every host sends the same number of probes per second.
    ProbeRate { probes_per_second: f64 },
    /// Every host sends `batch_size` probes together, then waits
    /// `batch_wait` before the next batch (Blaster's loop, MODEL.md: 20
    /// connects and a fixed 1.8 s wait, without its exploit chain's
    /// pauses). A stop rule is checked between batches.
    Batches {
        batch_size: u32,
        batch_wait: SimDuration,
    },
    /// Every host sends as fast as its uplink carries its packets; uplink
    /// speeds are drawn per host from `uplinks`. When the infected hosts
    /// together offer more than `capacity_bits_per_second`, the network
    /// carries only that much and every host's delivered probes slow by the
    /// same share (0 means no such limit).
    Bandwidth {
        uplinks: Vec<Uplink>,
        capacity_bits_per_second: f64,
    },
}

/// One kind of uplink and its share of the vulnerable hosts.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Uplink {
    pub name: String,
    pub share_pct: Percent,
    pub bits_per_second: f64,
}

/// The first problem with a list of uplinks at `field`, as (field path,
/// message): none, a name given twice (blamed on the second), shares that
/// do not sum to 100, or a speed outside 1 kbit/s to 100 Gbit/s. Both
/// kinds of scenario check theirs here.
pub(crate) fn uplinks_problem(uplinks: &[Uplink], field: &str) -> Option<(String, String)> {
    if uplinks.is_empty() {
        return Some((field.into(), "at least one uplink is needed".into()));
    }
    let mut seen: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for (i, u) in uplinks.iter().enumerate() {
        if let Some(first) = seen.insert(u.name.as_str(), i) {
            return Some((
                format!("{field}[{i}].name"),
                format!(
                    "the uplink name {:?} is already that of {field}[{first}]; names must differ",
                    u.name
                ),
            ));
        }
    }
    let total: f64 = uplinks.iter().map(|u| u.share_pct.as_pct()).sum();
    if (total - 100.0).abs() > 1e-6 {
        return Some((
            field.into(),
            format!("the share_pct of the uplinks sum to {total}, not 100"),
        ));
    }
    uplinks.iter().enumerate().find_map(|(i, u)| {
        (!(u.bits_per_second.is_finite()
            && u.bits_per_second >= 1_000.0
            && u.bits_per_second <= 1e11))
            .then(|| {
                (
                    format!("{field}[{i}].bits_per_second"),
                    format!("{} is not between 1000 and 1e11", u.bits_per_second),
                )
            })
    })
}

/// The most time-series rows a random-scanning run may have (each row of
/// each run is kept until its figures are measured).
pub const MAX_POPULATION_ROWS: u64 = 1_000_000;

/// The first problem with a random-scanning scenario's values, as (field
/// path, message).
pub(crate) fn first_problem(s: &PopulationScenario) -> Option<(String, String)> {
    let bad = |field: &str, message: String| Some((field.to_string(), message));
    if s.name.trim().is_empty() {
        return bad("name", "must not be empty".into());
    }
    if s.duration == SimDuration::ZERO {
        return bad("duration", "must be longer than 0s".into());
    }
    // The population core's clock counts nanoseconds: see MAX_SPAN.
    if let Some(e) = span_problem(s.duration) {
        return bad("duration", e);
    }
    if let Some(e) = end_problem(s.start, s.duration) {
        return bad("start", e);
    }
    if s.step == SimDuration::ZERO {
        return bad("step", "must be longer than 0s".into());
    }
    if s.step > s.duration {
        return bad(
            "step",
            format!("{} is longer than the duration {}", s.step, s.duration),
        );
    }
    if s.duration.as_micros() / s.step.as_micros() > MAX_POPULATION_ROWS {
        return bad(
            "step",
            "gives more than a million time-series rows; choose a longer step".into(),
        );
    }
    if let Some(e) = partial_step_problem(s.duration, s.step) {
        return bad("duration", e);
    }
    // Every run's infection times are kept until the figures are measured.
    if s.runs == 0 || s.runs > 1_000 {
        return bad("runs", format!("{} is not between 1 and 1000", s.runs));
    }
    let p = &s.population;
    if !(8..=32).contains(&p.scan_space_bits) {
        return bad(
            "population.scan_space_bits",
            format!("{} is not between 8 and 32", p.scan_space_bits),
        );
    }
    let space = 1u64 << p.scan_space_bits;
    if p.vulnerable == 0 {
        return bad("population.vulnerable", "must be at least 1".into());
    }
    if p.vulnerable > 50_000_000 {
        return bad(
            "population.vulnerable",
            "more than 50 million vulnerable hosts is beyond this model".into(),
        );
    }
    if p.vulnerable + p.other_hosts > space {
        return bad(
            "population.other_hosts",
            format!(
                "{} vulnerable and {} other hosts do not fit in 2^{} addresses",
                p.vulnerable, p.other_hosts, p.scan_space_bits
            ),
        );
    }
    if let Some(slash8s) = HostsIn::slash8s(s) {
        // Drawn at random without repeats: leave room to spare.
        let room = (slash8s.len() as u64) << 24;
        if p.vulnerable > room / 2 {
            return bad(
                "population.hosts_in",
                format!(
                    "`allocated`: the IANA registry lists {} /8s allocated by {}, too few \
                     addresses for {} vulnerable hosts (use `anywhere`, or a later start)",
                    slash8s.len(),
                    start_month(s),
                    p.vulnerable
                ),
            );
        }
        // The other hosts live there too.
        if p.vulnerable + p.other_hosts > room / 2 {
            return bad(
                "population.other_hosts",
                format!(
                    "{} vulnerable and {} other hosts do not fit in half of the {} /8s the IANA \
                     registry lists as allocated by {} (`hosts_in = \"allocated\"`)",
                    p.vulnerable,
                    p.other_hosts,
                    slash8s.len(),
                    start_month(s)
                ),
            );
        }
    }
    if p.initial_infected == 0 || p.initial_infected > p.vulnerable {
        return bad(
            "population.initial_infected",
            format!(
                "{} is not between 1 and the {} vulnerable hosts",
                p.initial_infected, p.vulnerable
            ),
        );
    }
    if let Some(problem) = sensors_problem(s) {
        return Some(problem);
    }
    let c = &s.capture;
    if !(c.background_pps.is_finite() && (0.0..=1e6).contains(&c.background_pps)) {
        return bad(
            "capture.background_pps",
            format!("{} is outside 0..=1000000", c.background_pps),
        );
    }
    if c.max_packets == 0 {
        return bad("capture.max_packets", "must be at least 1".into());
    }
    let w = &s.worm;
    let targetings = [UNIFORM_RANDOM, PERMUTATION, LOCAL_PREFERENCE, SEQUENTIAL];
    if !targetings.contains(&w.targeting.as_str()) {
        let hint = crate::named::closest(&w.targeting, targetings)
            .map_or(String::new(), |n| format!("; did you mean `{n}`?"));
        return bad(
            "worm.targeting",
            format!(
                "`{}` is not a targeting this scenario kind runs \
                 ({UNIFORM_RANDOM}, {PERMUTATION}, {LOCAL_PREFERENCE}, {SEQUENTIAL}){hint}",
                w.targeting
            ),
        );
    }

    if w.targeting == LOCAL_PREFERENCE {
        let Some(local) = &w.local_preference else {
            return bad(
                "worm.local_preference",
                format!(
                    "targeting = \"{LOCAL_PREFERENCE}\" draws by the shares of \
                     [worm.local_preference] (same_slash16_pct, same_slash8_pct), which is missing"
                ),
            );
        };
        if let Some(problem) = local.problem() {
            return bad("worm.local_preference.same_slash8_pct", problem);
        }
    }
    if w.targeting == PERMUTATION && w.permutation.is_none() {
        return bad(
            "worm.permutation",
            format!(
                "targeting = \"{PERMUTATION}\" walks the permutation of [worm.permutation] key, which is missing"
            ),
        );
    }
    match w.delivery {
        DeliveryConfig::UdpPacket { packet_bytes, .. }
            if !(28..=65_535).contains(&packet_bytes) =>
        {
            return bad(
                "worm.delivery.packet_bytes",
                format!("{packet_bytes} is not an IPv4 UDP packet size (28 to 65535)"),
            );
        }
        DeliveryConfig::TcpExploit { duration, .. } => {
            if let Some(e) = span_problem(duration) {
                return bad("worm.delivery.duration", e);
            }
        }
        DeliveryConfig::UdpPacket { .. } => {}
    }
    match &w.rate {
        RateConfig::ProbeRate { probes_per_second } => {
            if !(probes_per_second.is_finite()
                && *probes_per_second > 0.0
                && *probes_per_second <= 1e7)
            {
                return bad(
                    "worm.rate.probes_per_second",
                    format!("{probes_per_second} is not between 0 (exclusive) and 10 million"),
                );
            }
        }
        RateConfig::Batches {
            batch_size,
            batch_wait,
        } => {
            if !(1..=1024).contains(batch_size) {
                return bad(
                    "worm.rate.batch_size",
                    format!("{batch_size} is outside 1..=1024"),
                );
            }
            if *batch_wait < SimDuration::from_millis(1) {
                return bad("worm.rate.batch_wait", "must be at least 1ms".into());
            }
            if scan_wait_problem(*batch_wait).is_some() {
                return bad(
                    "worm.rate.batch_wait",
                    format!(
                        "{batch_wait} is longer than {}, the longest wait between batches",
                        crate::MAX_SCAN_WAIT
                    ),
                );
            }
        }
        RateConfig::Bandwidth {
            uplinks,
            capacity_bits_per_second,
        } => {
            if !matches!(w.delivery, DeliveryConfig::UdpPacket { .. }) {
                return bad(
                    "worm.rate",
                    "a bandwidth-limited rate needs a delivery of one packet per probe \
                     (kind = \"udp-packet\")"
                        .into(),
                );
            }
            if let Some(problem) = uplinks_problem(uplinks, "worm.rate.uplinks") {
                return Some(problem);
            }
            if !(capacity_bits_per_second.is_finite() && *capacity_bits_per_second >= 0.0) {
                return bad(
                    "worm.rate.capacity_bits_per_second",
                    format!(
                        "{capacity_bits_per_second} is not a finite rate of 0 (no limit) or more"
                    ),
                );
            }
        }
    }
    if let Some((field, why)) = stop_problem(&w.stop, s.start) {
        return bad(field, why);
    }
    if let Some(list) = &w.hit_list {
        let room = p.vulnerable - p.initial_infected;
        let what = "vulnerable hosts that are not initially infected";
        if let Some((field, why)) = list.problem(room, what) {
            return bad(field, why);
        }
    }
    // A section switched off is never read (as in a Blaster scenario).
    for (field, at) in crate::variant::Defended::moments(s) {
        if let Some(e) = moment_problem(at, s.start) {
            return bad(field, e);
        }
    }
    if let Some(problem) = patch_problems(&s.defenses.patch).into_iter().next() {
        return Some(problem);
    }
    if let Some(f) = &s.payload {
        if !(1..=31).contains(&f.first_day) {
            return bad(
                "payload.first_day",
                format!("{} is not a day of the month (1 to 31)", f.first_day),
            );
        }
        if !(f.first_day..=31).contains(&f.last_day) {
            return bad(
                "payload.last_day",
                format!(
                    "{} is not a day from first_day ({}) to 31",
                    f.last_day, f.first_day
                ),
            );
        }
        if !(1..=13).contains(&f.every_day_from_month) {
            return bad(
                "payload.every_day_from_month",
                format!(
                    "{} is not a month 1..=12 (or 13: never)",
                    f.every_day_from_month
                ),
            );
        }
        if !(1..=1_000_000).contains(&f.packets_per_second) {
            return bad(
                "payload.packets_per_second",
                format!("{} is not between 1 and 1000000", f.packets_per_second),
            );
        }
        if let Some(name) = &f.name
            && let Some(e) = crate::check::host_name_problem(name)
        {
            return bad("payload.name", e);
        }
        // Every flood packet is TCP: a segment of a connection, or a
        // spoofed SYN.
        if !(40..=65_535).contains(&f.packet_bytes) {
            return bad(
                "payload.packet_bytes",
                format!(
                    "{} is not the size of a TCP packet with its IPv4 header (40 to 65535)",
                    f.packet_bytes
                ),
            );
        }
    }
    if s.defenses.target_move.enabled && s.payload.is_none() {
        return bad(
            "defenses.target_move.enabled",
            "the worm floods no target: moving it needs a [payload]".into(),
        );
    }
    if s.defenses.spoof_filter.enabled && s.payload.as_ref().is_none_or(|p| !p.spoofed_sources) {
        return bad(
            "defenses.spoof_filter.enabled",
            match &s.payload {
                None => "the worm floods no target: a source filter needs a [payload]",
                Some(_) => {
                    "the worm's flood comes from its hosts' own addresses: a source filter \
                     lets all of it through (give [payload] `spoofed_sources = true`)"
                }
            }
            .into(),
        );
    }
    if s.defenses.dns_takedown.enabled && s.payload.as_ref().is_none_or(|p| p.name.is_none()) {
        return bad(
            "defenses.dns_takedown.enabled",
            match &s.payload {
                None => "the worm floods no target: a takedown needs a [payload] with a name",
                Some(_) => {
                    "the worm's flood carries its target's address: there is no name to take \
                     down (give [payload] a `name`, or move the site: [defenses.target_move])"
                }
            }
            .into(),
        );
    }
    let port = s.worm.delivery.port();
    for (section, filter) in [
        ("defenses.isp_filter", &s.defenses.isp_filter),
        ("defenses.border_filter", &s.defenses.border_filter),
    ] {
        if filter.enabled
            && !filter
                .blocks_in
                .iter()
                .chain(&filter.blocks_out)
                .any(|r| r.matches(port))
        {
            return bad(
                &format!("{section}.blocks_in"),
                format!(
                    "the filter is on but drops neither way the worm's own port {port}: it would drop nothing (list \"{port}\" in blocks_in or blocks_out, or turn it off)"
                ),
            );
        }
    }
    let prefix_len = p.enterprises.prefix_len;
    if !(1..=32).contains(&prefix_len) {
        return bad(
            "population.enterprises.prefix_len",
            format!("/{prefix_len} is not a network's prefix length (1 to 32)"),
        );
    }
    if let Some(c) = &p.clusters
        && let Some((field, message)) = clusters_problem(s, c)
    {
        return bad(&format!("population.clusters.{field}"), message);
    }
    if let Some((field, message)) = figures_problem(&s.validation) {
        return bad(&field, message);
    }
    for (i, fig) in s.validation.iter().enumerate() {
        if matches!(fig.measure, Measure::ActivityAfterStop) && w.stop.at.is_none() {
            return bad(
                &format!("validation[{i}].measure"),
                "activity-after-stop needs a stop date (worm.stop.at)".into(),
            );
        }
    }
    None
}

/// The first problem with a scenario's `[population.clusters]`: the field
/// and what is wrong.
fn clusters_problem(s: &PopulationScenario, c: &Clusters) -> Option<(&'static str, String)> {
    let p = &s.population;
    let len = c.prefix_len;
    if !(8..=24).contains(&len) {
        return Some((
            "prefix_len",
            format!("/{len} is not a cluster's prefix length (8 to 24)"),
        ));
    }
    if 32 - u32::from(len) > u32::from(p.scan_space_bits) {
        return Some((
            "prefix_len",
            format!(
                "a /{len} is larger than the scanned 2^{} addresses",
                p.scan_space_bits
            ),
        ));
    }
    if c.count == 0 {
        return Some(("count", "must be at least 1".into()));
    }
    let blocks = ClusterBlocks::of(s, c);
    let candidates = blocks.candidates();
    if c.count > candidates {
        let place = match HostsIn::slash8s(s) {
            Some(_) => format!("in the /8s allocated by {}", start_month(s)),
            None => "in the scanned space".into(),
        };
        return Some((
            "count",
            format!(
                "{} clusters, but only {candidates} /{len} blocks lie {place} outside the telescopes",
                c.count
            ),
        ));
    }
    // Drawn at random without repeats: leave room to spare, as `hosts_in`
    // does.
    let room = c.count << (32 - u32::from(len));
    if p.vulnerable > room / 2 {
        return Some((
            "count",
            format!(
                "{} /{len} clusters hold {room} addresses, too few for {} vulnerable hosts \
                 (at most half of them may be taken)",
                c.count, p.vulnerable
            ),
        ));
    }
    None
}

/// The first problem with a random scanner's telescopes and sensors.
fn sensors_problem(s: &PopulationScenario) -> Option<(String, String)> {
    let bad = |field: String, message: String| Some((field, message));
    let p = &s.population;
    let space = 1u64 << p.scan_space_bits;
    let all = s.all_sensors();
    // Field paths: the telescopes come first in `all`.
    let field = |i: usize, name: &str| {
        if i < s.telescopes.len() {
            format!("telescopes[{i}].{name}")
        } else {
            format!("sensors[{}].{name}", i - s.telescopes.len())
        }
    };
    if all.len() > MAX_RANDOM_SENSORS {
        return bad(
            "sensors".into(),
            format!(
                "{} sensors (telescopes included); a random-scanning scenario has at most {MAX_RANDOM_SENSORS}",
                all.len()
            ),
        );
    }
    for (i, sensor) in all.iter().enumerate() {
        let mut first = None;
        sensor_problems(i, sensor, &all[..i], &mut |f: &str, m: String| {
            if first.is_none() {
                // `f` is `sensors[i].name`; put the name on the right list.
                let name = f.rsplit('.').next().unwrap_or(f);
                first = Some((field(i, name), m));
            }
        });
        if first.is_some() {
            return first;
        }
        if let Some(prefix) = sensor.prefix
            && u64::from(prefix.last()) >= space
        {
            return bad(
                field(i, "prefix"),
                format!(
                    "{prefix} is outside the scanned 2^{} addresses (a smaller space needs its own \
                     sensors: `sensors = []` drops the built-in ones)",
                    p.scan_space_bits
                ),
            );
        }
        let dark = |o: &SensorConfig| o.kind == SensorKind::Telescope;
        if dark(sensor)
            && let Some(a) = sensor.prefix
            && let Some(o) = all[..i].iter().find(|o| {
                dark(o)
                    && o.prefix
                        .is_some_and(|b| b.contains(a.base()) || a.contains(b.base()))
            })
        {
            return bad(
                field(i, "prefix"),
                format!("overlaps telescope `{}`", o.name),
            );
        }
        if sensor.kind == SensorKind::Edge
            && sensor.prefix.is_none()
            && let Some(o) = all[..i]
                .iter()
                .find(|o| o.kind == SensorKind::Edge && o.prefix.is_none())
        {
            return bad(
                field(i, "prefix"),
                format!(
                    "edge `{}` already watches the /16 of the most patient zeros; give this one a prefix",
                    o.name
                ),
            );
        }
        if let Some(delay) = sensor.report_delay
            && delay.as_micros() % s.step.as_micros() != 0
        {
            return bad(
                field(i, "report_delay"),
                format!(
                    "{delay} is not a whole number of steps ({}): a random scanner's probes are counted per step",
                    s.step
                ),
            );
        }
    }
    let dark: u64 = all
        .iter()
        .map(|o| match o.kind {
            SensorKind::Telescope => o.prefix.map_or(0, |p| p.size()),
            SensorKind::Distributed => u64::from(o.addresses.unwrap_or(0)),
            SensorKind::Edge => 0,
        })
        .sum();
    if p.vulnerable + p.other_hosts + dark > space {
        return bad(
            if s.sensors.is_empty() {
                "telescopes".into()
            } else {
                "sensors".into()
            },
            format!(
                "the sensors' {dark} dark addresses leave too little room for {} hosts in 2^{}",
                p.vulnerable + p.other_hosts,
                p.scan_space_bits
            ),
        );
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tolerances_print_as_people_read_them() {
        let t = |json: &str| -> String {
            let tol: Tolerance = toml::from_str(json).unwrap();
            tol.to_string()
        };
        assert_eq!(t("within = [10000000, 99999999]"), "10M to 100M");
        assert_eq!(t("within = [2500, 45000]"), "2500 to 45k");
        assert_eq!(t("at_least = 1500000000"), "≥1.5G");
        assert_eq!(t("absolute = 0.25"), "±0.25");
        assert_eq!(t("relative_pct = 10"), "±10%");
    }

    #[test]
    fn a_run_is_told_in_whole_steps_as_a_blasters_is() {
        let e = crate::parse_population("base = \"witty\"\nduration = \"65s\"\n", "w.toml")
            .unwrap_err();
        assert_eq!(
            (e.line, e.field.as_deref()),
            (Some(2), Some("duration")),
            "{e}"
        );
        assert!(e.message.contains("make it 1m or 70s"), "{e}");
        assert!(
            crate::parse_population("base = \"witty\"\nduration = \"70s\"\n", "w.toml").is_ok()
        );
    }

    #[test]
    fn clusters_are_blocks_of_the_allowed_space_outside_the_telescopes() {
        let parse = |text: &str| crate::parse_population(text, "clusters.toml");
        let s = parse("base = \"slammer\"\n[population.clusters]\nprefix_len = 16\ncount = 3000\n")
            .unwrap();
        let c = s.population.clusters.clone().unwrap();
        let blocks = ClusterBlocks::of(&s, &c);
        let slash8s = HostsIn::slash8s(&s).unwrap();
        // Every /16 of the allocated /8s, less the telescope's 44/8.
        assert_eq!(blocks.allowed(), slash8s.len() as u64 * 256);
        assert_eq!(blocks.candidates(), blocks.allowed() - 256);
        assert!(blocks.is_dark(44 << 8) && blocks.is_dark((45 << 8) - 1));
        assert!(!blocks.is_dark(43 << 8) && !blocks.is_dark(45 << 8));
        let first = blocks.nth_allowed(0);
        assert_eq!(first >> 8, u32::from(slash8s[0]));
        // In a test world: the space's blocks, a nested telescope cut once.
        let s = parse(
            "base = \"slammer\"\nsensors = []\n\
             telescopes = [{ name = \"a\", prefix = \"0.0.0.0/20\" }, { name = \"b\", prefix = \"0.1.0.0/24\" }]\n\
             [population]\nvulnerable = 100\nother_hosts = 100\nscan_space_bits = 18\n\
             [population.clusters]\nprefix_len = 20\ncount = 5\n",
        )
        .unwrap();
        let blocks = ClusterBlocks::of(&s, s.population.clusters.as_ref().unwrap());
        assert_eq!((blocks.allowed(), blocks.candidates()), (64, 62));
        // Mistakes, named.
        for (extra, field, words) in [
            ("prefix_len = 4\ncount = 1\n", "prefix_len", "8 to 24"),
            ("prefix_len = 16\ncount = 0\n", "count", "at least 1"),
            ("prefix_len = 16\ncount = 70000\n", "count", "only"),
            ("prefix_len = 24\ncount = 1\n", "count", "too few for 75000"),
            (
                "prefix_len = 16\ncount = 3\ncuont = 1\n",
                "cuont",
                "unknown field",
            ),
        ] {
            let e = parse(&format!(
                "base = \"slammer\"\n[population.clusters]\n{extra}"
            ))
            .unwrap_err();
            assert_eq!(
                e.field.as_deref(),
                Some(format!("population.clusters.{field}").as_str()),
                "{e}"
            );
            assert!(e.to_string().contains(words), "{e}");
        }
        let e = parse(
            "base = \"slammer\"\nsensors = []\n[population]\nvulnerable = 100\nother_hosts = 100\n\
             scan_space_bits = 12\n[population.clusters]\nprefix_len = 16\ncount = 1\n",
        )
        .unwrap_err();
        assert!(
            e.to_string().contains("larger than the scanned 2^12"),
            "{e}"
        );
    }

    #[test]
    fn an_uplink_name_given_twice_is_refused_at_its_second_place() {
        let e = crate::parse_population(
            "base = \"slammer\"\n[worm.rate]\nkind = \"bandwidth\"\nuplinks = [\n\
             { name = \"T1\", share_pct = 50, bits_per_second = 1544000 },\n\
             { name = \"T1\", share_pct = 50, bits_per_second = 10000000 },\n]\n",
            "dup.toml",
        )
        .unwrap_err();
        assert_eq!(
            (e.field.as_deref(), e.line),
            (Some("worm.rate.uplinks[1].name"), Some(6)),
            "{e}"
        );
        assert!(
            e.message
                .contains("\"T1\" is already that of worm.rate.uplinks[0]"),
            "{e}"
        );
        assert!(e.to_string().contains("dup.toml"), "{e}");
        // The same names in other cases are other uplinks.
        assert!(
            crate::parse_population(
                "base = \"slammer\"\n[worm.rate]\nkind = \"bandwidth\"\nuplinks = [\n\
                 { name = \"T1\", share_pct = 50, bits_per_second = 1544000 },\n\
                 { name = \"t1\", share_pct = 50, bits_per_second = 10000000 },\n]\n",
                "ok.toml",
            )
            .is_ok()
        );
    }

    #[test]
    fn vulnerable_hosts_live_in_allocated_space_where_the_registry_has_room() {
        let parse = |text: &str| crate::parse_population(text, "hosts.toml");
        // The built-ins place them in the /8s allocated by their start.
        let slammer = crate::builtin_population("slammer").unwrap();
        assert_eq!(slammer.population.hosts_in, HostsIn::Allocated);
        let slash8s = HostsIn::slash8s(&slammer).unwrap();
        assert_eq!(slash8s, crate::iana::allocated_slash8s("2003-01"));
        assert!(!slash8s.contains(&10) && !slash8s.contains(&251));
        // A file without the field: anywhere, as before the field.
        let s = parse("base = \"slammer\"\n[population]\nhosts_in = \"anywhere\"\n").unwrap();
        assert_eq!(HostsIn::slash8s(&s), None);
        // A small test space has no /8s to choose from.
        let s = parse(
            "base = \"slammer\"\nsensors = []\n[population]\nvulnerable = 100\nother_hosts = 100\nscan_space_bits = 16\n",
        )
        .unwrap();
        assert_eq!(s.population.hosts_in, HostsIn::Allocated);
        assert_eq!(HostsIn::slash8s(&s), None);
        // Before the registry lists any allocation there is no room.
        let e = parse("base = \"slammer\"\nstart = \"1985-01-01T00:00:00Z\"\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("population.hosts_in") && e.contains("0 /8s allocated by 1985-01"),
            "{e}"
        );
        // The other hosts live there too.
        let e = parse("base = \"slammer\"\n[population]\nother_hosts = 2000000000\n").unwrap_err();
        assert_eq!(e.field.as_deref(), Some("population.other_hosts"), "{e}");
        assert!(parse("base = \"slammer\"\n[population]\nother_hosts = 500000000\n").is_ok());
        let e = parse("base = \"slammer\"\n[population]\nhosts_in = \"alocated\"\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("hosts_in") && e.contains("allocated"), "{e}");
    }
}
