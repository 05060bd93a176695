//! Permutation scanning on the population core (`[worm] targeting =
//! "permutation"`; Staniford, Paxson and Weaver 2002): every instance walks
//! one keyed permutation of the scan space from a random position, and
//! jumps to another when it finds a host that carries the worm, a sign
//! that another instance has walked there.
//!
//! What the walk decides, the driver follows exactly. Each vulnerable
//! host's position in the permutation comes from its address, so the probe
//! that reaches it is the walk's own, and so is every jump, drawn from the
//! instance's stream as [`PermutationScan`] draws it. The reference takes
//! every target from a `PermutationScan` and makes the same looks at the
//! same probes, with the same outcomes.
//!
//! The probes between two vulnerable hosts' positions land where no
//! vulnerable host lives. Which atom each falls in (what the sensors see of
//! it) is drawn as for uniform scanning: independently, by the atoms'
//! sizes, a geometric skip to the next probe into an atom of interest.
//! That is exact in distribution over permutations drawn at random (the
//! reference agrees when every run has a key of its own), not for one
//! key: a walk runs from a random start up to an infected host, so the
//! positions just before infected hosts are walked more often than others,
//! and with one key and one placement a sensor's count carries the bias of
//! where its addresses fall. In a test world of 2^16 addresses, walked
//! some 30 times over, the reference's telescope saw 1.6 % more probes
//! than the drawn counts. The outbreak itself has no such bias.
//!
//! May not touch: the core's state. Its randomness is the walks' streams
//! (per host, from the run's seed) and the core's stream it is handed for
//! the atom draws.

use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use wormscope_model::rng::{Purpose, stream};
use wormscope_model::targeting::{Permutation, PermutationScan, TargetSource};

use super::{Interest, Placement, ProbeDraws, SensorLayout, Target, space_target};
use crate::draws::SkipsByWeight;
use crate::positions::PositionIndex;

/// The permutation-scanning driver.
pub struct PermutationDraws {
    layout: SensorLayout,
    perm: Permutation,
    /// The vulnerable hosts by their position in the permutation.
    by_position: PositionIndex,
    seed: u64,
    /// Per host, its walk, made when it first scans.
    walks: Vec<Option<Walk>>,
    /// The skip over addresses without a vulnerable host to the next one in
    /// an atom of interest, per weight of those atoms.
    skips: SkipsByWeight,
}

struct Walk {
    scan: PermutationScan,
    /// The number of the probe whose target lies at `scan.position()`
    /// (probes are numbered from 1).
    probe: u64,
    /// The look scheduled last: its probe, and the vulnerable host it
    /// reaches (`None`: an address in an atom of interest).
    pending: (u64, Option<u32>),
}

impl PermutationDraws {
    /// The driver of run seed `seed` for a walk of the permutation of key
    /// `key` over 2^`space_bits` addresses, the vulnerable hosts placed as
    /// `placement` has them.
    ///
    /// # Panics
    /// When `space_bits` is outside 8..=32 or a host lies outside the space
    /// (the scenario's checks refuse both).
    pub fn new(
        layout: SensorLayout,
        placement: &Placement,
        space_bits: u8,
        key: u64,
        seed: u64,
    ) -> PermutationDraws {
        let perm = Permutation::new(space_bits, key).expect("a checked scan space");
        let by_position = PositionIndex::new(
            placement
                .vulnerable
                .iter()
                .enumerate()
                .map(|(v, &addr)| {
                    let at = perm.index_of(addr).expect("hosts inside the scan space");
                    (at, v as u32)
                })
                .collect(),
            space_bits,
        );
        let hosts = placement.vulnerable.len();
        PermutationDraws {
            perm,
            by_position,
            seed,
            walks: (0..hosts).map(|_| None).collect(),
            skips: SkipsByWeight::new(layout.addresses - layout.vulnerable),
            layout,
        }
    }

    /// The walk of `host`, from a random position on its first scan.
    fn walk(&mut self, host: u32) -> &mut Walk {
        let (perm, seed) = (self.perm, self.seed);
        self.walks[host as usize].get_or_insert_with(|| Walk {
            scan: PermutationScan::at_random_position(
                perm,
                stream(seed, Purpose::PermutationWalk, u64::from(host)),
            ),
            probe: 1,
            pending: (0, None),
        })
    }

    /// How many positions from `at` (at included) lie before the next
    /// vulnerable host's, and that host; `None` without one. The walk
    /// wraps after the last position.
    fn next_vulnerable(&self, at: u32) -> Option<(u64, u32)> {
        self.by_position.next_from(at)
    }
}

impl ProbeDraws for PermutationDraws {
    fn next_look(
        &mut self,
        host: u32,
        after: u64,
        interest: &Interest,
        rng: &mut ChaCha8Rng,
    ) -> u64 {
        let atoms = interest.weight - self.layout.vulnerable;
        let to_atom = (atoms > 0).then(|| self.skips.get(atoms).sample(rng));
        let walk = self.walk(host);
        // The core draws again from a later probe when a capture's window
        // opens; the look it drops lay beyond, so no vulnerable host's
        // position is passed over here.
        debug_assert!(after + 1 >= walk.probe, "looks go forward");
        walk.scan.advance((after + 1).saturating_sub(walk.probe));
        walk.probe = after + 1;
        let at = walk.scan.position();
        let to_vulnerable = self.next_vulnerable(at);
        let (skip, reaches) = match (to_vulnerable, to_atom) {
            (Some((d, _)), Some(s)) if s < d => (s, None),
            (Some((d, v)), _) => (d, Some(v)),
            (None, Some(s)) => (s, None),
            (None, None) => return u64::MAX,
        };
        let k = (after + 1).saturating_add(skip);
        self.walks[host as usize]
            .as_mut()
            .expect("made above")
            .pending = (k, reaches);
        k
    }

    fn look(&mut self, host: u32, interest: &Interest, rng: &mut ChaCha8Rng) -> Target {
        let walk = self.walks[host as usize]
            .as_mut()
            .expect("a look follows its host's next_look");
        let (k, reaches) = walk.pending;
        // The walk moves past the probe looked at.
        walk.scan.advance(k + 1 - walk.probe);
        walk.probe = k + 1;
        match reaches {
            Some(v) => Target::Vulnerable(v),
            None => {
                let atoms = interest.weight - self.layout.vulnerable;
                let u = rng.random_range(0..atoms);
                space_target(&self.layout, interest, u, rng)
            }
        }
    }

    fn found_infected(&mut self, host: u32) {
        if let Some(walk) = self.walks[host as usize].as_mut() {
            // The jump is the position of the walk's next probe.
            walk.scan.found_infected();
        }
    }
}
