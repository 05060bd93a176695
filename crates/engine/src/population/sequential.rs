//! Sequential scanning on the population core (`[worm] targeting =
//! "sequential"`, Blaster's way): every instance probes consecutive
//! addresses upward from its start, wrapping at the top of the scan space.
//! The start is Blaster's rule ([`walk_start`]).
//!
//! A walk decides every probe's address, so the driver draws nothing about
//! where probes go. It hands the core the probes that reach a vulnerable
//! host and the probes into atoms of interest (the first a sensor sees of
//! the host, or those a filter may keep inside the host's network), each
//! at the address the walk reaches it, and it tells the core how many of
//! the other probes fell in each atom ([`ProbeDraws::unlooked_by_atom`]),
//! counted from the walk's stretch of addresses. The sensors' counts are
//! then the walk's own, probe for probe, as the reference's are. Only
//! whether a probe into live space finds another live host is drawn (with
//! the layout's share, as for every driver), where the reference places
//! those hosts at addresses: the split of live space between other hosts
//! and none is exact in distribution for one walk, and walks that cross
//! the same addresses draw it independently.
//!
//! May not touch: the core's state. Its randomness is each host's start,
//! drawn from (run seed, host), and the core's stream it is handed for the
//! other-host draws.

use std::collections::HashMap;

use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use wormscope_model::blaster::draw_start_address;
use wormscope_model::rng::{Purpose, stream};

use super::{Interest, Placement, ProbeDraws, SensorLayout, Target};
use crate::positions::PositionIndex;

/// Where host `host` (at address `own`) of run seed `seed` starts its walk
/// of `addresses` addresses: Blaster's start rule
/// ([`draw_start_address`]), local with chance `local_fraction`, its bits
/// above the scan space dropped. The exact driver and the reference both
/// start here.
pub fn walk_start(seed: u64, host: u32, own: u32, local_fraction: f64, addresses: u64) -> u32 {
    let mut rng = stream(seed, Purpose::WormStart, u64::from(host));
    let (start, _) = draw_start_address(&mut rng, own, local_fraction);
    (u64::from(start) & (addresses - 1)) as u32
}

/// The sequential-scanning driver.
pub struct SequentialDraws {
    layout: SensorLayout,
    placement: Placement,
    /// The vulnerable hosts by address.
    by_address: PositionIndex,
    /// The layout's ranges ([`SensorLayout::ranges`]), ascending.
    ranges: Vec<(u64, u64, u8)>,
    /// Per atom, the addresses of its ranges: what a lap of the space
    /// walks through each, vulnerable hosts' and distributed sensors'
    /// addresses included.
    lap: Vec<u64>,
    /// The distributed sensors' indices (their addresses are
    /// `placement.points[j]`, sorted).
    distributed: Vec<usize>,
    local_fraction: f64,
    seed: u64,
    /// Per host, where its walk starts. Apart from the rest of a walk's
    /// state: every step's count reads it for every scanner.
    walks: Vec<Walk>,
    /// Per host, the look scheduled last: its probe, and what it reaches.
    pending: Vec<(u64, Pending)>,
    /// Per host that has any, the looks handed to the core since its
    /// unlooked probes were last counted, by the atom of their address's
    /// range: (atom, looks).
    looked: HashMap<u32, Vec<(u8, u64)>>,
}

#[derive(Clone, Copy, Default)]
struct Walk {
    /// The probes up to which the walk's unlooked probes are counted.
    counted: u64,
    /// The address of the walk's first probe, once `made`.
    start: u32,
    /// Where its last count ended in the ranges: a walk goes forward, so
    /// its next count begins there or just after.
    range: u16,
    made: bool,
    /// Whether `looked` holds looks of the host.
    looked: bool,
}

#[derive(Clone, Copy)]
enum Pending {
    Vulnerable(u32),
    Space { atom: u8, addr: u32 },
}

impl SequentialDraws {
    /// The driver of run seed `seed` for walks that start near their own
    /// address with chance `local_fraction`, the vulnerable hosts and
    /// sensors placed as `placement` has them.
    pub fn new(
        layout: SensorLayout,
        placement: &Placement,
        local_fraction: f64,
        seed: u64,
    ) -> SequentialDraws {
        let space_bits = layout.addresses.trailing_zeros() as u8;
        let by_address = PositionIndex::new(
            placement
                .vulnerable
                .iter()
                .enumerate()
                .map(|(v, &addr)| (addr, v as u32))
                .collect(),
            space_bits,
        );
        let distributed = placement
            .points
            .iter()
            .enumerate()
            .filter(|(_, p)| !p.is_empty())
            .map(|(j, _)| j)
            .collect();
        let ranges = layout.ranges();
        let mut lap = vec![0; layout.atoms.len()];
        for &(lo, hi, atom) in &ranges {
            lap[usize::from(atom)] += hi - lo;
        }
        SequentialDraws {
            ranges,
            lap,
            by_address,
            distributed,
            walks: vec![Walk::default(); placement.vulnerable.len()],
            pending: vec![(0, Pending::Vulnerable(0)); placement.vulnerable.len()],
            looked: HashMap::new(),
            placement: placement.clone(),
            layout,
            local_fraction,
            seed,
        }
    }

    /// Where `host`'s walk starts.
    fn start(&mut self, host: u32) -> u32 {
        let walk = &mut self.walks[host as usize];
        if !walk.made {
            let own = self.placement.vulnerable[host as usize];
            walk.start = walk_start(
                self.seed,
                host,
                own,
                self.local_fraction,
                self.layout.addresses,
            );
            walk.made = true;
        }
        walk.start
    }

    /// Notes a look of `host` at an address of range atom `atom`, to take
    /// out of the next count of its unlooked probes.
    fn note_look(&mut self, host: u32, atom: Option<u8>) {
        // An address whose range has no atom was counted in none.
        let Some(atom) = atom else { return };
        self.walks[host as usize].looked = true;
        let looked = self.looked.entry(host).or_default();
        match looked.iter_mut().find(|(a, _)| *a == atom) {
            Some((_, n)) => *n += 1,
            None => looked.push((atom, 1)),
        }
    }

    /// Adds to `by_atom` the addresses `[lo, hi)` by their range's atom
    /// (vulnerable hosts' and distributed sensors' addresses included).
    /// `hint` is where to look for the first range first; returns the
    /// last range counted from, the next count's hint.
    fn add_ranges(&self, lo: u64, hi: u64, hint: usize, by_atom: &mut [u64]) -> usize {
        let ranges = &self.ranges;
        // The first range that ends after `lo`: at the hint or just after
        // for a walk that goes on, else searched for.
        let ends_after = |i: usize| ranges[i].1 > lo;
        let first = (hint..ranges.len().min(hint + 2))
            .find(|&i| ends_after(i) && (i == 0 || !ends_after(i - 1)))
            .unwrap_or_else(|| ranges.partition_point(|&(_, r_hi, _)| r_hi <= lo));
        let mut last = first;
        for (i, &(r_lo, r_hi, atom)) in ranges.iter().enumerate().skip(first) {
            if r_lo >= hi {
                break;
            }
            by_atom[usize::from(atom)] += r_hi.min(hi) - r_lo.max(lo);
            last = i;
        }
        last
    }

    /// Moves the distributed sensors' addresses in `[lo, hi)`, `times`
    /// over, from their range's atom to their own in `by_atom`.
    fn move_points(&self, lo: u64, hi: u64, times: u64, by_atom: &mut [u64]) {
        for &j in &self.distributed {
            let points = &self.placement.points[j];
            let from = points.partition_point(|&p| u64::from(p) < lo);
            let to = points.partition_point(|&p| u64::from(p) < hi);
            for &p in &points[from..to] {
                if let Some(range) = self.layout.atom_with(None, p) {
                    by_atom[usize::from(range)] -= times;
                }
                if let Some(own) = self.layout.atom_with(Some(j as u8), p) {
                    by_atom[usize::from(own)] += times;
                }
            }
        }
    }

    /// The address of probe `k` (from 1) of a walk from `start`.
    fn address(&self, start: u32, k: u64) -> u32 {
        ((u64::from(start) + k - 1) & (self.layout.addresses - 1)) as u32
    }

    /// How many addresses from `from` (included) lie before the first one
    /// in an atom of `atoms` (bit i: atom i), and that address and atom,
    /// looking no further than `limit` addresses: the walk goes forward
    /// and wraps. A vulnerable host's address may come back (the caller
    /// takes the vulnerable host there first).
    fn next_of_interest(&self, from: u32, atoms: u64, limit: u64) -> Option<(u64, u32, u8)> {
        if atoms == 0 {
            return None;
        }
        let space = self.layout.addresses;
        let distance = |a: u64| (a + space - u64::from(from)) % space;
        let mut best: Option<(u64, u32, u8)> = None;
        // The ranges, from the one holding `from`, once around the space.
        let first = self
            .ranges
            .partition_point(|&(_, hi, _)| hi <= u64::from(from));
        let n = self.ranges.len();
        for step in 0..=n {
            if n == 0 {
                break;
            }
            let (lo, hi, atom) = self.ranges[(first + step) % n];
            let start = if step == 0 {
                lo.max(u64::from(from))
            } else {
                lo
            };
            if step == n && start >= u64::from(from) {
                // Back where the walk began.
                break;
            }
            if distance(start) > limit.min(best.map_or(u64::MAX, |b| b.0)) {
                break;
            }
            if atoms & (1 << atom) == 0 || start >= hi {
                continue;
            }
            // A distributed sensor's address in the range is in its own
            // atom: pass over those.
            let mut a = start;
            while a < hi && self.is_point(a as u32) {
                a += 1;
            }
            if a < hi {
                let d = distance(a);
                if best.is_none_or(|b| d < b.0) {
                    best = Some((d, a as u32, atom));
                }
                break;
            }
        }
        // The distributed sensors' addresses, by their own atoms.
        for &j in &self.distributed {
            let points = &self.placement.points[j];
            let i = points.partition_point(|&p| p < from);
            for step in 0..points.len() {
                let p = points[(i + step) % points.len()];
                let d = distance(u64::from(p));
                if d > limit.min(best.map_or(u64::MAX, |b| b.0)) {
                    break;
                }
                if let Some(atom) = self.layout.atom_with(Some(j as u8), p)
                    && atoms & (1 << atom) != 0
                {
                    best = Some((d, p, atom));
                    break;
                }
            }
        }
        best.filter(|b| b.0 <= limit)
    }

    /// Whether `addr` is a distributed sensor's.
    fn is_point(&self, addr: u32) -> bool {
        self.distributed
            .iter()
            .any(|&j| self.placement.points[j].binary_search(&addr).is_ok())
    }
}

impl ProbeDraws for SequentialDraws {
    fn next_look(
        &mut self,
        host: u32,
        after: u64,
        interest: &Interest,
        _rng: &mut ChaCha8Rng,
    ) -> u64 {
        let start = self.start(host);
        let from = self.address(start, after + 1);
        // Every walk passes its own host's address within one lap.
        let (dv, v) = self
            .by_address
            .next_from(from)
            .expect("the walking host is a vulnerable host");
        let (skip, pending) = match self.next_of_interest(from, interest.atoms, dv) {
            Some((d, addr, atom)) if d < dv => (d, Pending::Space { atom, addr }),
            _ => (dv, Pending::Vulnerable(v)),
        };
        let k = (after + 1).saturating_add(skip);
        self.pending[host as usize] = (k, pending);
        k
    }

    fn look(&mut self, host: u32, _interest: &Interest, rng: &mut ChaCha8Rng) -> Target {
        match self.pending[host as usize].1 {
            Pending::Vulnerable(v) => {
                let addr = self.placement.vulnerable[v as usize];
                self.note_look(host, self.layout.atom_with(None, addr));
                Target::Vulnerable(v)
            }
            Pending::Space { atom, addr } => {
                // Counted by the count as its range's atom, and as its own
                // (a distributed sensor's) once moved there: take it out of
                // its own.
                self.note_look(host, Some(atom));
                let other = self.layout.atoms[usize::from(atom)].live
                    && rng.random_bool(self.layout.other_share);
                Target::Space {
                    atom,
                    other,
                    // The address itself: the core tells from it whether
                    // the probe stays inside a filtered host's network.
                    within: Some((u64::from(addr), u64::from(addr) + 1)),
                }
            }
        }
    }

    fn places_every_probe(&self) -> bool {
        true
    }

    fn prefetch(&self, host: u32) {
        if let Some(walk) = self.walks.get(host as usize) {
            wormscope_model::view::prefetch(walk);
        }
    }

    fn unlooked_by_atom(&mut self, host: u32, upto: u64, by_atom: &mut [u64]) -> bool {
        let space = self.layout.addresses;
        let start = self.start(host);
        let walk = &mut self.walks[host as usize];
        let after = walk.counted;
        if upto <= after {
            return false;
        }
        walk.counted = upto;
        let n = upto - after;
        // Every address of the stretch by its range's atom: whole laps of
        // the space, then what is left. The distributed sensors' addresses
        // move to their own atoms; every vulnerable host's address in the
        // stretch was a look (a walk passes none), taken out below with
        // the other looks.
        let laps = n / space;
        if laps > 0 {
            for (count, lap) in by_atom.iter_mut().zip(&self.lap) {
                *count += laps * lap;
            }
            self.move_points(0, space, laps, by_atom);
        }
        let rest = n % space;
        if rest > 0 {
            let from = u64::from(self.address(start, after + 1));
            let to = from + rest;
            let hint = usize::from(self.walks[host as usize].range);
            let mut last = self.add_ranges(from, to.min(space), hint, by_atom);
            self.move_points(from, to.min(space), 1, by_atom);
            if to > space {
                last = self.add_ranges(0, to - space, 0, by_atom);
                self.move_points(0, to - space, 1, by_atom);
            }
            // A space of more ranges than a hint holds searches each time.
            self.walks[host as usize].range = u16::try_from(last).unwrap_or(0);
        }
        let walk = &mut self.walks[host as usize];
        if !std::mem::take(&mut walk.looked) {
            return true;
        }
        for (atom, looked) in self.looked.remove(&host).into_iter().flatten() {
            let count = &mut by_atom[usize::from(atom)];
            debug_assert!(*count >= looked, "looks lie within the stretch");
            *count = count.saturating_sub(looked);
        }
        true
    }
}
