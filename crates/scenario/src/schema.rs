//! The scenario schema: what a scenario file may say, field by field.
//!
//! The documented default of every field lives in the built-in scenario
//! files (`builtin/*.toml`), which are complete: a user's file is laid over
//! one of them, so a field the user leaves out keeps its documented value.
//! The structs here carry no defaults of their own, so there is one place
//! where a default is written and explained.

use serde::{Deserialize, Serialize};

use crate::units::{MaybeDuration, Percent, PortRule, Prefix, SimDuration, When};

/// A complete, checked scenario.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BlasterScenario {
    /// Which built-in scenario a user's file is laid over (`blaster`).
    #[serde(default = "default_base")]
    pub base: String,
    pub name: String,
    pub description: String,
    /// Seed of every random draw.
    pub seed: u64,
    /// Wall-clock time of simulated time zero (UTC).
    pub start: jiff::Timestamp,
    /// Simulated time to run.
    pub duration: SimDuration,
    /// Resolution of the time series.
    pub step: SimDuration,
    pub world: WorldConfig,
    pub worm: BlasterConfig,
    pub hosts: HostConfig,
    pub payload: PayloadConfig,
    pub defenses: Defenses,
    pub welchia: WelchiaConfig,
    pub flaws: Flaws,
    /// Instruments that watch the outbreak (`[[sensors]]`), in output order.
    pub sensors: Vec<SensorConfig>,
    /// Vantage-point captures (`wormscope capture`).
    pub capture: CaptureConfig,
    /// Runs of a `wormscope validate` ensemble.
    pub runs: u32,
    /// The published figures this scenario reproduces (`[[validation]]`):
    /// Blaster's are measured on its hosts and its sensors.
    pub validation: Vec<crate::figure::Figure>,
}

impl BlasterScenario {
    /// What the network carries of the worm's probes in all, in bits per
    /// second (`[worm.bandwidth] capacity_bits_per_second`), when the
    /// scenario sets a limit: its outputs then count the probes dropped.
    pub fn network_capacity_bps(&self) -> Option<f64> {
        self.worm
            .bandwidth
            .as_ref()
            .map(|bw| bw.capacity_bits_per_second)
            .filter(|&c| c > 0.0)
    }
}

fn default_base() -> String {
    "blaster".to_string()
}

/// How the world's address space is populated.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorldConfig {
    /// `YYYY-MM`: /8s allocated on or before this month can hold hosts.
    pub allocated_by: String,
    /// If not empty, only these prefixes hold hosts.
    pub only_in: Vec<Prefix>,
    /// Share of /16s (inside the allowed space) that hold any host.
    pub used_slash16_pct: Percent,
    /// Kinds of networks that used /16s are split into.
    pub networks: Vec<NetworkKind>,
    /// Hosts that come and go: online hours, sessions, address churn.
    pub churn: crate::churn::AvailabilityConfig,
}

/// One kind of network (ISP subscriber pool, enterprise, hosting).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkKind {
    pub name: String,
    /// Share of used /16s given to this kind; all kinds sum to 100.
    pub share_pct: Percent,
    /// Length of one network of this kind, 16 to 24 (networks tile a /16).
    pub prefix_len: u8,
    /// Share of /24s inside a network that hold any host.
    pub slash24_used_pct: Percent,
    /// Mean live addresses in a used /24 (at most 254).
    pub hosts_per_used_slash24: f64,
    /// Share of live addresses that are NAT gateways with a LAN behind.
    pub nat_pct: Percent,
    /// Least and most hosts on one NAT LAN.
    pub lan_hosts: [u32; 2],
    /// Share of networks of this kind behind a border firewall.
    pub firewall_pct: Percent,
    /// What such a firewall drops coming in (`*`: everything).
    pub firewall_blocks_in: Vec<PortRule>,
    /// What such a firewall drops going out.
    pub firewall_blocks_out: Vec<PortRule>,
    pub os: OsMix,
    /// Share of Windows NT-family hosts patched (MS03-026) at the start.
    pub patched_pct: Percent,
    /// Share of non-Windows hosts that answer on 135/tcp.
    pub other_rpc_open_pct: Percent,
    /// The hours its hosts keep when `[world.churn]` is on.
    #[serde(default)]
    pub hours: crate::churn::NetworkHours,
}

/// Operating systems of a network's hosts; the shares sum to 100.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OsMix {
    pub xp_pct: Percent,
    pub w2000_pct: Percent,
    pub nt4_pct: Percent,
    pub w2003_pct: Percent,
    pub other_pct: Percent,
}

impl OsMix {
    pub fn total_pct(&self) -> f64 {
        self.xp_pct.as_pct()
            + self.w2000_pct.as_pct()
            + self.nt4_pct.as_pct()
            + self.w2003_pct.as_pct()
            + self.other_pct.as_pct()
    }
}

/// How a Blaster-like worm chooses the addresses of its batches.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TargetingKind {
    /// Blaster's own: consecutive addresses from its start address
    /// (MODEL.md, Target selection).
    Sequential,
    /// Each address drawn uniformly from the whole IPv4 space, as Slammer
    /// chose its targets: the what-if of Blaster scanning like Slammer.
    UniformRandom,
    /// Each address drawn from the host's own /16, its own /8 or the whole
    /// space, by the shares of `[worm.local_preference]`: Code Red II's
    /// local-preference scanning (MODEL.md section 2).
    LocalPreference,
    /// Each instance walks one keyed permutation of the IPv4 space
    /// (`[worm.permutation]`) from a random position, and jumps to another
    /// when its exploit finds a host that carries the worm already:
    /// Staniford, Paxson and Weaver's permutation scanning (2002).
    Permutation,
}

/// The shares of a local-preference scan (`targeting =
/// "local-preference"`): of the addresses drawn, this share is drawn from
/// the host's own /16, this from its own /8, the rest from the whole IPv4
/// space. A host behind NAT draws around its own (private) address.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LocalPreferenceConfig {
    pub same_slash16_pct: Percent,
    pub same_slash8_pct: Percent,
}

impl LocalPreferenceConfig {
    /// The share of draws over the whole space.
    pub fn anywhere_pct(&self) -> f64 {
        (100.0 - self.same_slash16_pct.as_pct() - self.same_slash8_pct.as_pct()).max(0.0)
    }

    /// What is wrong with the shares, if anything: the /16 and /8 shares
    /// may not sum to more than 100 (rounding aside: 33.3 and 66.7 do not).
    pub fn problem(&self) -> Option<String> {
        let sum = self.same_slash16_pct.as_pct() + self.same_slash8_pct.as_pct();
        (sum > 100.0 + 1e-9).then(|| format!("the /16 and /8 shares sum to {sum}, more than 100"))
    }
}

/// W32/Blaster's behaviour and timings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BlasterConfig {
    /// Hosts infected at time zero.
    pub initial_infected: u32,
    /// Addresses probed per batch.
    pub batch_size: u32,
    /// Fixed wait after a batch's connects.
    pub batch_wait: SimDuration,
    /// Share of worm starts that begin near the host's own address.
    pub local_start_pct: Percent,
    /// Share of worm starts that use the XP exploit (else 2000).
    pub guess_xp_pct: Percent,
    /// Pause between sending the exploit and connecting to the shell.
    pub exploit_pause: SimDuration,
    /// One network round trip.
    pub round_trip: SimDuration,
    /// Time a connect to a filtered port takes to fail.
    pub connect_timeout: SimDuration,
    /// Size of the worm body fetched over TFTP, bytes.
    pub body_bytes: u32,
    /// TFTP block size, bytes.
    pub tftp_block_bytes: u32,
    /// Time between TFTP blocks.
    pub tftp_block_interval: SimDuration,
    /// How long the attacker waits for a TFTP download that never comes.
    pub tftp_wait: SimDuration,
    /// Delay from a boot to the worm's first scan.
    pub start_after_boot: SimDuration,
    /// How each batch's addresses are chosen.
    pub targeting: TargetingKind,
    /// The shares `targeting = "local-preference"` draws by (read by no
    /// other targeting). Last, with `targeting`: an array written where the
    /// table goes is refused for its length, naming the table.
    pub local_preference: LocalPreferenceConfig,
    /// The permutation `targeting = "permutation"` walks (read by no other
    /// targeting; required by it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permutation: Option<PermutationConfig>,
    /// Each host scans as fast as its uplink carries its batches
    /// (`[worm.bandwidth]`; absent: every host waits `batch_wait`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bandwidth: Option<BandwidthConfig>,
    /// Addresses the initial hosts probe before they scan
    /// (`[worm.hit_list]`; absent: none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hit_list: Option<HitListConfig>,
    /// When every instance stops spreading (`[worm.stop]`: a date, a
    /// probe limit; absent: never).
    #[serde(default, skip_serializing_if = "StopConfig::is_none")]
    pub stop: StopConfig,
}

/// Scanning limited by each host's uplink, not by a fixed wait
/// (`[worm.bandwidth]`, a what-if: Slammer's kind of speed, MODEL.md
/// section 2): a host's wait between batches is the time its uplink takes
/// to carry a batch's probes ([`batch_wait_us`]), its uplink drawn per
/// host from `uplinks` (the same draw as a random-scanning worm's). A
/// batch's exploits still pause the scan.
///
/// `capacity_bits_per_second` is what the network carries of the worm's
/// probes in all (Slammer's saturation, MODEL.md section 2; 0: no
/// limit). When the scanning hosts' uplinks together offer more (each at
/// its full rate while its worm scans, its exploits' pauses included), it
/// carries the capacity: each probe that leaves its scanner's own site
/// arrives with the chance capacity / offered, set for each time step
/// from the load as the step begins, and the rest are dropped. It needs
/// random targets and no Welchia (see the check).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BandwidthConfig {
    /// Bytes one probe puts on the wire, IP header included.
    pub probe_bytes: u32,
    pub uplinks: Vec<crate::population::Uplink>,
    /// What the network carries of the worm's probes in all, in bits per
    /// second (0: no limit).
    #[serde(default, skip_serializing_if = "is_zero_rate")]
    pub capacity_bits_per_second: f64,
}

fn is_zero_rate(x: &f64) -> bool {
    *x == 0.0
}

/// The time an uplink of `bits_per_second` takes to carry `bits`, in whole
/// microseconds, rounded up (at least 1): a host's wait between batches
/// under `[worm.bandwidth]`.
pub fn batch_wait_us(bits: u64, bits_per_second: f64) -> u64 {
    ((bits as f64 * 1e6 / bits_per_second).ceil() as u64).max(1)
}

/// When the worm stops probing (`[worm.stop]`). All the rules given
/// apply. Shared by both kinds of scenario, with the same meaning; none
/// is a Blaster scenario's default.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StopConfig {
    /// Every instance stops at this moment (a date check in the worm).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<When>,
    /// Each instance stops after sending this many probes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after_probes: Option<u64>,
    /// A payload that may crash its own host (`[worm.stop.crash]`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crash: Option<CrashConfig>,
}

impl StopConfig {
    /// No rule: the worm never stops by itself.
    pub fn is_none(&self) -> bool {
        self.at.is_none() && self.after_probes.is_none() && self.crash.is_none()
    }
}

/// A payload run every `cycle_probes` probes that crashes the host, and so
/// stops the worm on it for good, with chance `chance_pct` each time
/// (Witty's writes to a random place on a random disk). In a Blaster
/// scenario's world the host is then off the network for good: it does
/// not reboot.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CrashConfig {
    pub cycle_probes: u64,
    pub chance_pct: Percent,
}

/// Staniford, Paxson and Weaver's permutation scanning (2002): every
/// instance walks the same pseudo-random permutation of the scan space, from
/// a random position, and jumps to another when it finds a host infected
/// already (another instance has been there). Shared by both kinds of
/// scenario (`[worm.permutation]`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PermutationConfig {
    /// The permutation's key: part of the worm's code, the same in every
    /// instance. Any key gives a permutation.
    pub key: u64,
}

/// A hit list: `hosts` vulnerable hosts, known to the worm's author, that
/// the initial hosts probe first (the entries dealt among them in turn),
/// each at `probes_per_second`, before they scan by the worm's targeting.
/// Shared by both kinds of scenario (`[worm.hit_list]`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HitListConfig {
    pub hosts: u64,
    pub probes_per_second: f64,
}

impl HitListConfig {
    /// What is wrong with the list, if anything: the field under
    /// `worm.hit_list` and why. `room` is the most hosts it may name and
    /// `of_what` says what those are ("the {room} {of_what}").
    pub fn problem(&self, room: u64, of_what: &str) -> Option<(&'static str, String)> {
        if self.hosts == 0 || self.hosts > room {
            return Some((
                "worm.hit_list.hosts",
                format!("{} is not between 1 and the {room} {of_what}", self.hosts),
            ));
        }
        let rate = self.probes_per_second;
        if !(rate.is_finite() && rate > 0.0 && rate <= 1e7) {
            return Some((
                "worm.hit_list.probes_per_second",
                format!("{rate} is not between 0 (exclusive) and 10 million"),
            ));
        }
        None
    }
}

/// How hosts react to the worm's side effects.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HostConfig {
    pub xp_crash_reboot_after: MaybeDuration,
    pub w2000_crash_reboot_after: MaybeDuration,
    pub nt4_crash_reboot_after: MaybeDuration,
    pub w2003_crash_reboot_after: MaybeDuration,
    /// Time a reboot keeps a machine off the network.
    pub reboot_duration: SimDuration,
}

/// Blaster's payload: the SYN flood against windowsupdate.com (MODEL.md,
/// The payload).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PayloadConfig {
    /// SYNs per second per flooding host.
    pub packets_per_second: u32,
    /// Size of one flood packet on the wire (IP + TCP headers), bytes.
    pub packet_bytes: u32,
    /// In January to August the flood runs from this day of the month to
    /// the month's end.
    pub first_day_jan_aug: u8,
    /// From this month on (September = 9) it runs every day.
    pub every_day_from_month: u8,
    /// In the months before `every_day_from_month`, the last flood day of
    /// the month (absent: 31, the month's end, as Blaster's; a day past a
    /// month's end is its last).
    #[serde(default = "month_end", skip_serializing_if = "is_month_end")]
    pub last_day_jan_aug: u8,
    /// When the worm reads the date (absent: `at_start`, as Blaster did,
    /// MODEL.md: "the date is checked once, at process start").
    #[serde(
        default = "DateCheck::at_start",
        skip_serializing_if = "DateCheck::is_at_start"
    )]
    pub date_checked: DateCheck,
    /// Whether a home NAT gateway rewrites the flood's spoofed private
    /// source to its own public address (then no source filter removes it).
    pub nat_rewrites_spoofed_source: bool,
    /// The address windowsupdate.com resolved to (captures show it).
    pub target: std::net::Ipv4Addr,
}

fn month_end() -> u8 {
    31
}

fn is_month_end(day: &u8) -> bool {
    *day == 31
}

/// When a worm reads the date that decides whether it floods: a payload's
/// days (`date_checked`), for any worm.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DateCheck {
    /// Once, when the worm starts: started on a flood day, it floods for
    /// as long as it runs; started on another day, never (Blaster).
    AtStart,
    /// All the time: every running instance floods on the flood days and
    /// on no others (Code Red).
    Always,
}

impl DateCheck {
    pub fn at_start() -> DateCheck {
        DateCheck::AtStart
    }

    pub fn always() -> DateCheck {
        DateCheck::Always
    }

    pub fn is_at_start(&self) -> bool {
        *self == DateCheck::AtStart
    }

    pub fn is_always(&self) -> bool {
        *self == DateCheck::Always
    }
}

/// The countermeasures of August 2003 (seeds 000, 002, 004; MODEL.md
/// section 3). Each is off unless `enabled`; its numbers are documented in
/// the built-in scenario.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Defenses {
    pub patch: PatchDefense,
    pub isp_filter: FilterDefense,
    pub border_filter: FilterDefense,
    pub host_firewall: HostDefense,
    pub dcom_disabled: HostDefense,
    pub users: UsersDefense,
    pub cleanup: CleanupDefense,
    pub dns_takedown: DnsTakedown,
    pub spoof_filter: HostDefense,
    /// The flooded site moves to another address at `at`: a flood sent to
    /// the address it had reaches nothing from then on. Blaster resolved
    /// a name (`[flaws] flood_target`), so a flood that starts afterwards
    /// finds the site where it is; without the flaw the worm carries the
    /// address, and the move cuts every flood. Absent from older files:
    /// off.
    #[serde(
        default = "DnsTakedown::off",
        skip_serializing_if = "DnsTakedown::is_off"
    )]
    pub target_move: DnsTakedown,
}

/// Installing MS03-026 over time on hosts that were vulnerable at the start.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PatchDefense {
    pub enabled: bool,
    pub source: String,
    pub start: When,
    /// Share of the vulnerable hosts patched by a time after `start`:
    /// points `[duration, pct]`, linear in between, flat after the last.
    pub curve: Vec<(SimDuration, Percent)>,
}

/// Filtering at network borders from a time on: ISPs (per /16 address
/// block) or enterprises (per firewalled network).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FilterDefense {
    pub enabled: bool,
    pub source: String,
    pub start: When,
    /// Share of the networks that filter.
    pub coverage_pct: Percent,
    /// What they drop coming in from outside the network.
    pub blocks_in: Vec<PortRule>,
    /// What they drop going out of the network.
    pub blocks_out: Vec<PortRule>,
}

impl FilterDefense {
    /// A filter that is off, for scenario files written before a kind of
    /// scenario had the section.
    pub fn off() -> FilterDefense {
        FilterDefense {
            enabled: false,
            source: String::new(),
            start: When::After(SimDuration::ZERO),
            coverage_pct: Percent::new(0.0).expect("0 is a share"),
            blocks_in: Vec::new(),
            blocks_out: Vec::new(),
        }
    }
}

/// A measure taken on a share of hosts from a time on.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HostDefense {
    pub enabled: bool,
    /// The fields below are read from the scenario's base where the file
    /// leaves them out; only a section the base lacks (a random-scanning
    /// worm's `spoof_filter` over `slammer`) takes these defaults: no
    /// source, from the start, every host.
    #[serde(default)]
    pub source: String,
    #[serde(default = "When::zero")]
    pub start: When,
    #[serde(default = "Percent::all")]
    pub coverage_pct: Percent,
}

impl HostDefense {
    /// A measure that is off, its fields the defaults, for scenario files
    /// written before a kind of scenario had the section: switched on (a
    /// spec's `spoof-filter@T`), it covers every host.
    pub fn off() -> HostDefense {
        HostDefense {
            enabled: false,
            source: String::new(),
            start: When::zero(),
            coverage_pct: Percent::all(),
        }
    }

    /// Whether this is [`HostDefense::off`] (which a file need not spell).
    pub fn is_off(&self) -> bool {
        *self == HostDefense::off()
    }
}

/// Users who notice the worm's symptoms (an RPC crash, a reboot).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UsersDefense {
    pub enabled: bool,
    pub source: String,
    /// Share of hosts whose user acts on the first symptom.
    pub notice_pct: Percent,
    /// Time from the symptom to the action.
    pub delay: SimDuration,
    /// `clean` (remove the worm and patch) or `unplug` (off the network).
    pub action: UserAction,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum UserAction {
    Clean,
    Unplug,
}

/// Removal tools disinfecting (and patching) infected hosts at a rate.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CleanupDefense {
    pub enabled: bool,
    pub source: String,
    pub start: When,
    /// Share of the infected hosts cleaned per day (an exponential rate:
    /// each infected host is cleaned after an exponential time).
    pub per_day_pct: Percent,
}

impl CleanupDefense {
    /// Cleanup that is off, for scenario files written before a kind of
    /// scenario had the section.
    pub fn off() -> CleanupDefense {
        CleanupDefense {
            enabled: false,
            source: String::new(),
            start: When::After(SimDuration::ZERO),
            per_day_pct: Percent::new(0.0).expect("0 is a share"),
        }
    }
}

/// A defense at a flood's target, from `at`: taking down the record of
/// the name it floods (`[defenses.dns_takedown]`), or moving the flooded
/// site to another address (`[defenses.target_move]`). What each does to
/// a flood depends on whether it aims at a name or an address
/// (`wormscope-model`'s `FloodTarget`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DnsTakedown {
    pub enabled: bool,
    /// Absent: none (a worm whose built-in has no such section, Slammer's,
    /// is then told what is wrong with switching it on).
    #[serde(default)]
    pub source: String,
    #[serde(default = "When::zero")]
    pub at: When,
}

impl DnsTakedown {
    /// A takedown that is off, for scenario files written before a kind
    /// of scenario had the section.
    pub fn off() -> DnsTakedown {
        DnsTakedown {
            enabled: false,
            source: String::new(),
            at: When::zero(),
        }
    }

    /// Whether this is [`DnsTakedown::off`] (which a file need not spell).
    pub fn is_off(&self) -> bool {
        *self == DnsTakedown::off()
    }
}

/// W32/Welchia (Nachi), the counter-worm: same DCOM hole, removes Blaster,
/// installs the patch (MODEL.md, Timeline). It scans like Blaster in this
/// model (batches, a wait, then exploits), with its own numbers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WelchiaConfig {
    pub enabled: bool,
    pub source: String,
    /// When its first copies start.
    pub release: When,
    /// Hosts it starts on at `release`.
    pub initial_infected: u32,
    /// Addresses swept (ICMP echo, then 135/tcp to those that answer) per
    /// batch, and the wait after a batch.
    pub batch_size: u32,
    pub batch_wait: SimDuration,
    /// Share of starts near the host's own address.
    pub local_start_pct: Percent,
    /// Share of starts that use the XP exploit (else 2000).
    pub guess_xp_pct: Percent,
}

/// Blaster's design flaws (seed 000), each a switch: `true` is the worm as
/// it was in 2003, `false` removes the flaw.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Flaws {
    /// One exploit guess per worm for every victim (crashes the others).
    pub os_guess: bool,
    /// Stage 2 fetches the body over TFTP from the attacker's own address.
    pub stage2_reachback: bool,
    /// The flood resolves a name whose record can be taken down. `false`:
    /// the worm carries its target's address instead (no record to take
    /// down; a site that moves leaves every flood behind).
    pub flood_target: bool,
    /// The random start is seeded from the milliseconds since boot.
    pub start_seed: bool,
    /// The milliseconds since boot when a worm started from the Run key
    /// seeds its random start: least and most.
    pub boot_tick: [SimDuration; 2],
    /// The resolution of that tick count.
    pub tick_granularity: SimDuration,
}

/// What kind of instrument a sensor is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SensorKind {
    /// A darknet: an unused prefix that answers nothing and logs every
    /// probe into it. The world generator leaves it empty.
    Telescope,
    /// A sensor network like the Internet Storm Center's: `addresses`
    /// monitored addresses spread over many networks, reporting after
    /// `report_delay`.
    Distributed,
    /// A tap on the border of one network: probes that cross it, either way.
    Edge,
}

impl SensorKind {
    pub fn name(self) -> &'static str {
        match self {
            SensorKind::Telescope => "telescope",
            SensorKind::Distributed => "distributed",
            SensorKind::Edge => "edge",
        }
    }
}

/// One sensor. Which fields apply depends on `kind` (see the built-in
/// scenario); a field that does not apply is refused.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SensorConfig {
    /// Unique name (column `sensor` of sensors.csv, `--vantage` of capture).
    pub name: String,
    pub kind: SensorKind,
    /// Telescope: the dark prefix (required). Edge: the network whose
    /// border is tapped; left out, the /16 holding the most patient zeros.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix: Option<Prefix>,
    /// Distributed: how many addresses are monitored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub addresses: Option<u32>,
    /// Distributed: delay between a probe and its appearance in a report.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report_delay: Option<SimDuration>,
}

/// Parameters of `wormscope capture`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaptureConfig {
    /// Ordinary background traffic (web, DNS) mixed into a capture,
    /// packets per second.
    pub background_pps: f64,
    /// A capture that would hold more frames than this is refused before
    /// anything is written.
    pub max_packets: u64,
}
