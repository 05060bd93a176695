//! What a run produces: one row per time step and the run's totals.

use serde::{Deserialize, Serialize};
use wormscope_model::blaster::Outcome;

/// One time step `[i*step, (i+1)*step)`. Counts of hosts are taken at the
/// step's end; counts of events are those that happened during it; probes
/// are those whose batch started during it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlasterRow {
    /// Hosts carrying the worm (running, or installed while rebooting).
    pub infected: u64,
    /// Hosts whose worm is running and spreading (past `[worm.stop] at`
    /// a running worm does not).
    pub scanning: u64,
    /// Hosts online with a crashed RPC service.
    pub crashed: u64,
    /// Hosts off the network for a reboot.
    pub rebooting: u64,
    /// Candidate hosts switched off or disconnected by their availability
    /// schedule (`[world.churn]`; 0 without it).
    pub offline: u64,
    pub probes: u64,
    pub new_infections: u64,
    pub crashes: u64,
    pub reboots: u64,
    /// Hosts cleaned of Blaster (by users, removal tools or Welchia).
    pub cleaned: u64,
    /// Hosts carrying Welchia at the step's end.
    pub welchia: u64,
    /// Flood SYNs sent to the target during the step.
    pub flood_packets: u64,
    /// Of those, how many arrive, in 1/65536 packets: sources filtered by
    /// the scenario's source-address filter (if any) are removed.
    pub flood_arriving_units: u64,
    /// How many would arrive if every first-hop network filtered spoofed
    /// sources (BCP 38), in 1/65536 packets.
    pub flood_bcp38_units: u64,
    /// Of `probes`, those a network capacity dropped
    /// (`[worm.bandwidth] capacity_bits_per_second`; 0 without one): the
    /// rest arrived.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub dropped: u64,
}

impl BlasterRow {
    /// The names of the per-step series, as `timeseries.csv` heads them.
    pub const SERIES: [&'static str; 11] = [
        "infected",
        "scanning",
        "crashed",
        "rebooting",
        "probes",
        "new_infections",
        "crashes",
        "reboots",
        "cleaned",
        "welchia",
        "offline",
    ];

    /// The values of [`BlasterRow::SERIES`], in that order.
    pub fn series(&self) -> [u64; 11] {
        [
            self.infected,
            self.scanning,
            self.crashed,
            self.rebooting,
            self.probes,
            self.new_infections,
            self.crashes,
            self.reboots,
            self.cleaned,
            self.welchia,
            self.offline,
        ]
    }

    /// The flood packets that reached the target in the step, whole ones,
    /// rounded (they are counted in 1/65536).
    pub fn flood_arriving_packets(&self) -> u64 {
        whole_packets(self.flood_arriving_units)
    }

    /// The flood packets that would have reached the target in the step
    /// had every first hop dropped spoofed sources (BCP 38), rounded as
    /// [`BlasterRow::flood_arriving_packets`].
    pub fn flood_bcp38_packets(&self) -> u64 {
        whole_packets(self.flood_bcp38_units)
    }
}

/// 1/65536 packets as whole ones, rounded.
fn whole_packets(units: u64) -> u64 {
    units.saturating_add(1 << 15) >> 16
}

/// Totals of a run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    pub probes: u64,
    /// Probes that arrived, by [`Outcome`], indexed by `Outcome as usize`.
    pub by_outcome: [u64; 8],
    /// Worm installations (a host cleaned and infected again counts twice).
    pub infections: u64,
    /// Distinct hosts ever infected.
    pub ever_infected: u64,
    pub crashes: u64,
    /// Distinct hosts whose RPC service crashed at least once.
    pub hosts_crashed: u64,
    pub reboots: u64,
    /// Hosts whose user noticed a symptom and acted.
    pub noticed: u64,
    /// Blaster removals by users, removal tools or Welchia.
    pub cleaned: u64,
    /// Hosts Welchia installed itself on.
    pub welchia_infections: u64,
    /// Hosts the worm's own payload crashed for good
    /// (`[worm.stop.crash]`). Left out of the JSON when none, as it is
    /// for every scenario without the payload.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub payload_crashes: u64,
    /// Probes a network capacity dropped on the way (they have no outcome:
    /// `by_outcome` sums to `probes` less these). Left out of the JSON
    /// when none.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub probes_dropped: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl Totals {
    pub fn outcome(&self, o: Outcome) -> u64 {
        self.by_outcome[o as usize]
    }
}

/// The result of one run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlasterRun {
    /// Row width in microseconds.
    pub step: u64,
    pub rows: Vec<BlasterRow>,
    pub totals: Totals,
    /// Events the simulator processed (a cost measure: it differs between
    /// the exact engine and the reference, which give the same rows and
    /// totals).
    pub events: u64,
}

impl BlasterRun {
    /// Same rows and totals: the outbreak was the same.
    pub fn same_outbreak(&self, other: &BlasterRun) -> bool {
        self.step == other.step && self.rows == other.rows && self.totals == other.totals
    }
}
