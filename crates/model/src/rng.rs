//! Deterministic randomness. Every random draw in wormscope comes from a
//! ChaCha8 stream named by (scenario seed, purpose, index), so a draw never
//! depends on the order in which threads or events ran.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// What a random stream is used for; part of its name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u64)]
pub enum Purpose {
    /// Generating one /8 of the world (index: the /8).
    WorldSlash8 = 1,
    /// Choosing the initially infected hosts.
    PatientZero = 2,
    /// A worm's start on a host (index: host id and start generation).
    WormStart = 3,
    /// Choosing a NAT LAN's private prefix and host addresses.
    NatLan = 4,
    /// Choosing the hosts Welchia is released on.
    WelchiaRelease = 5,
    /// The start choices of a worm seeded with a given tick count (index:
    /// the tick in microseconds). Used with a fixed seed: the mapping from
    /// tick count to choices is the worm's code, the same in every run.
    TickStart = 6,
    /// Placing a distributed sensor's monitored addresses (index: the
    /// sensor's position in the scenario).
    Sensor = 7,
    /// Background traffic and ports of an exported capture.
    Capture = 8,
    /// A random scanner's uplink (index: the host).
    Uplink = 9,
    /// A random scanner's probes: skips, targets (index: the host).
    RandomScan = 10,
    /// Placing a random scanner's population at addresses (reference).
    RandomPlacement = 11,
    /// A fit's proposals and simulation seeds (index: the generation).
    Fit = 12,
    /// The cycle at which a random scanner's payload crashes its host
    /// (index: the host).
    Crash = 13,
    /// A network's UTC offset (index: the network's base address and
    /// prefix length, `base << 8 | len`).
    TimeZone = 14,
    /// A host's fixed availability draws: dial-up or broadband, switched
    /// off at night or not, an office machine's habits (index: the host).
    HostAvailability = 15,
    /// A host's online sessions on one local day (index: `host << 32 |
    /// day`, the day counted from 1970-01-01 in the host's local time).
    OnlineDay = 16,
    /// The address a host gets from its DHCP pool for one online stretch
    /// (index: `mix(host, session)`).
    Dhcp = 17,
    /// Whether an office host is a mobile machine, and where its home is
    /// (index: `slash8 << 32 | the host's place in its /8's list`).
    MobileHome = 18,
    /// A Blaster-like scanner's uniformly random targets (index: host id
    /// and start count, as [`Purpose::WormStart`]).
    RandomTargets = 19,
    /// What observers see of those targets: probes into watched ranges
    /// that do not matter to the outbreak (index: as `RandomTargets`).
    RandomTargetsSeen = 20,
    /// Which of those targets' other probes reach a silent host rather
    /// than no host: a split of counts (index: as `RandomTargets`).
    RandomTargetsSilent = 21,
    /// Which vulnerable hosts a Blaster-like worm's hit list names, in
    /// its order (index: 0).
    HitList = 22,
    /// Where a permutation-scanning instance starts in the shared
    /// permutation, and where it jumps on finding a host infected already
    /// (index: the host).
    PermutationWalk = 23,
}

/// The random stream for (seed, purpose, index).
pub fn stream(seed: u64, purpose: Purpose, index: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(mix(seed, purpose as u64));
    rng.set_stream(index);
    rng
}

/// A 64-bit mix of two words (SplitMix64's finaliser on their combination),
/// so that nearby seeds give unrelated key material.
pub fn mix(a: u64, b: u64) -> u64 {
    let mut z = a ^ b.wrapping_mul(0x9E37_79B9_7F4A_7C15).rotate_left(17);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::RngExt;

    #[test]
    fn streams_are_reproducible_and_distinct() {
        let a: u64 = stream(1, Purpose::WormStart, 5).random();
        let b: u64 = stream(1, Purpose::WormStart, 5).random();
        let c: u64 = stream(1, Purpose::WormStart, 6).random();
        let d: u64 = stream(2, Purpose::WormStart, 5).random();
        let e: u64 = stream(1, Purpose::PatientZero, 5).random();
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_ne!(a, d);
        assert_ne!(a, e);
    }
}
