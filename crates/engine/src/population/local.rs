//! Local preference in the population core (`targeting = "local-preference"`,
//! Code Red II's way of choosing targets).
//!
//! Each probe is drawn over one of the host's [`Windows`]: its own /16, its
//! own /8 or the whole scan space, by the worm's shares, and uniformly
//! within it. The windows are cut to the scan space ([`local_windows`]),
//! which the reference draws from too. An address x then gets a probe with
//! chance Σ_w share_w · [x ∈ w] / size_w, the same for every probe of the
//! host, so the core's reasoning for uniform targets carries over window by
//! window:
//! - a probe is *of interest* (a vulnerable host, or an address of an atom
//!   of interest) with chance p = Σ_w share_w · interest_w / size_w, where
//!   interest_w counts those addresses in window w: the count up to the
//!   next one is geometric;
//! - that probe lies in window w with chance ∝ share_w · interest_w /
//!   size_w, uniformly among the addresses of interest there;
//! - the others fall in atom a (outside the interest) with chance ∝
//!   Σ_w share_w · |a ∩ w| / size_w.
//!
//! What a window holds (its vulnerable hosts, by address, and each atom's
//! addresses in it) is counted once per window ([`LocalMap`]) from the
//! placement. Hosts whose windows hold the same counts draw alike, so the
//! core keys its classes by that *signature* too ([`LocalMap::signature_of`];
//! there are far fewer signatures than /16s), and their unlooked probes
//! split alike; a look reads the host's own windows for which host or
//! address it found ([`LocalInterest`]).
//!
//! May not touch: the outbreak's state (the core's), the placement (drawn
//! before a run).

use std::collections::HashMap;
use std::rc::Rc;

use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use smallvec::SmallVec;
use wormscope_model::targeting::{LocalShares, Windows};

use super::{AtomContents, Placement, SensorLayout, Target, atom_at};
use crate::draws::Skips;

/// The windows a local-preference host at `own` draws its targets from, in
/// a scan space of `space` addresses: its /16, its /8 and the whole space,
/// cut to the space.
pub fn local_windows(own: u32, shares: LocalShares, space: u64) -> Windows {
    Windows::local(own, shares, (0, space)).clipped_to(space)
}

/// Which of a host's windows: the own /16, the own /8, or the whole space
/// (what a window the size of the space is, whatever it was cut from).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Level {
    Slash16,
    Slash8,
    Space,
}

impl Level {
    /// The mask of a window's start, from a host's address.
    fn mask(self) -> u64 {
        match self {
            Level::Slash16 => !0xFFFF,
            Level::Slash8 => !0xFF_FFFF,
            Level::Space => 0,
        }
    }
}

/// One of a host's windows: its level, its share of the draws, its bounds
/// `[lo, hi)`.
type HostWindow = (Level, f64, (u64, u64));

/// The vulnerable hosts, where they sit.
#[derive(Debug)]
struct Hosts {
    space: u64,
    /// Per host, where it is (together: a look reads both).
    near: Vec<Near>,
    /// The hosts' addresses, ascending, and the host at each: apart, so
    /// that a look, which reads one host, touches half the memory.
    addrs: Vec<u32>,
    by_addr: Vec<u32>,
}

/// A host's address, and its own /16's and its own /8's spans of
/// `by_addr`.
#[derive(Clone, Copy, Debug)]
struct Near {
    addr: u32,
    spans: [u32; 4],
}

impl Hosts {
    /// Host `host`'s window at `level`: its bounds `[lo, hi)` (cut to the
    /// space) and its vulnerable hosts' span of `by_addr`.
    fn window(&self, host: u32, level: Level) -> ((u64, u64), (usize, usize)) {
        let near = &self.near[host as usize];
        let own = u64::from(near.addr);
        let span = match level {
            Level::Slash16 => (near.spans[0], near.spans[1]),
            Level::Slash8 => (near.spans[2], near.spans[3]),
            Level::Space => (0, self.addrs.len() as u32),
        };
        let lo = own & level.mask();
        let hi = match level {
            Level::Slash16 => lo + (1 << 16),
            Level::Slash8 => lo + (1 << 24),
            Level::Space => self.space,
        };
        ((lo, hi.min(self.space)), (span.0 as usize, span.1 as usize))
    }
}

/// What each window holds, counted once per window, for a run's placement.
///
/// Hosts whose windows hold the same (the same shares, sizes, numbers of
/// vulnerable hosts and atom sizes, window by window) draw alike but for
/// *which* host or address a look finds, which the look reads from the
/// host's own windows: they share a *signature*, and so a class.
pub(crate) struct LocalMap {
    shares: LocalShares,
    hosts: Rc<Hosts>,
    /// Atom sizes within a window, by the window's bounds.
    contents: AtomContents,
    /// Signatures by /16, and their numbers by what they hold.
    signature_of: HashMap<u32, u32>,
    signatures: HashMap<Vec<u64>, u32>,
}

impl LocalMap {
    /// Starts loading where `host` is: its next look reads it, and at
    /// internet scale that is a cache miss.
    #[inline]
    pub(crate) fn prefetch(&self, host: u32) {
        if let Some(n) = self.hosts.near.get(host as usize) {
            wormscope_model::view::prefetch(n);
        }
    }

    pub(crate) fn new(shares: LocalShares, layout: &SensorLayout, placement: &Placement) -> Self {
        let mut pairs: Vec<(u32, u32)> = placement
            .vulnerable
            .iter()
            .enumerate()
            .map(|(host, &a)| (a, host as u32))
            .collect();
        pairs.sort_unstable();
        let (addrs, by_addr): (Vec<u32>, Vec<u32>) = pairs.into_iter().unzip();
        let at = |x: u64| addrs.partition_point(|&a| u64::from(a) < x) as u32;
        let near = placement
            .vulnerable
            .iter()
            .map(|&addr| {
                let a = u64::from(addr);
                let (s16, s8) = (a & Level::Slash16.mask(), a & Level::Slash8.mask());
                Near {
                    addr,
                    spans: [at(s16), at(s16 + (1 << 16)), at(s8), at(s8 + (1 << 24))],
                }
            })
            .collect();
        LocalMap {
            shares,
            hosts: Rc::new(Hosts {
                space: layout.addresses,
                addrs,
                by_addr,
                near,
            }),
            contents: AtomContents::new(layout, placement),
            signature_of: HashMap::new(),
            signatures: HashMap::new(),
        }
    }

    /// Host `host`'s windows, each with its level, its share and bounds.
    fn windows(&self, host: u32) -> SmallVec<[HostWindow; 3]> {
        let own = self.hosts.near[host as usize].addr;
        local_windows(own, self.shares, self.hosts.space)
            .as_slice()
            .iter()
            .map(|w| {
                let bounds = (w.lo, w.hi);
                let level = [Level::Space, Level::Slash16, Level::Slash8]
                    .into_iter()
                    .find(|&l| self.hosts.window(host, l).0 == bounds)
                    .expect("a host's windows are its /16, its /8 or the space");
                (level, w.share, bounds)
            })
            .collect()
    }

    /// The signature of `host`'s windows (its classes' key).
    pub(crate) fn signature_of(&mut self, layout: &SensorLayout, host: u32) -> u32 {
        let slash16 = self.hosts.near[host as usize].addr >> 16;
        if let Some(&id) = self.signature_of.get(&slash16) {
            return id;
        }
        let mut key = Vec::new();
        for (level, share, (lo, hi)) in self.windows(host) {
            let span = self.hosts.window(host, level).1;
            key.extend([
                level as u64,
                share.to_bits(),
                hi - lo,
                (span.1 - span.0) as u64,
            ]);
            key.extend_from_slice(&self.contents(layout, lo, hi));
        }
        let next = self.signatures.len() as u32;
        let id = *self.signatures.entry(key).or_insert(next);
        self.signature_of.insert(slash16, id);
        id
    }

    /// Each atom's addresses in `[lo, hi)` (made the first time).
    fn contents(&mut self, layout: &SensorLayout, lo: u64, hi: u64) -> Rc<[u64]> {
        self.contents.of(layout, lo, hi)
    }

    /// The draws of the hosts of `host`'s signature whose probes into the
    /// atoms in `atoms` (bit i: atom i) are of interest, with the
    /// vulnerable hosts'.
    pub(crate) fn interest(
        &mut self,
        layout: &SensorLayout,
        host: u32,
        atoms: u64,
    ) -> LocalInterest {
        let mut parts = SmallVec::new();
        let mut unlooked: SmallVec<[f64; 6]> = smallvec::smallvec![0.0; layout.atoms.len()];
        let mut chance = 0.0;
        for (level, share, (lo, hi)) in self.windows(host) {
            let density = share / (hi - lo) as f64;
            let sizes = self.contents(layout, lo, hi);
            let span = self.hosts.window(host, level).1;
            let vulnerable = (span.1 - span.0) as u64;
            let mut interest = vulnerable;
            for (i, &size) in sizes.iter().enumerate() {
                if atoms & (1 << i) != 0 {
                    interest += size;
                } else {
                    unlooked[i] += density * size as f64;
                }
            }
            chance += density * interest as f64;
            parts.push(Part {
                level,
                weight: density * interest as f64,
                interest,
                vulnerable,
                sizes,
            });
        }
        let mut unlooked_from: SmallVec<[f64; 6]> = smallvec::smallvec![0.0; unlooked.len()];
        let mut room = 0.0;
        for i in (0..unlooked.len()).rev() {
            room += unlooked[i];
            unlooked_from[i] = room;
        }
        LocalInterest {
            unlooked_from,
            chance,
            skips: Skips::new(chance.min(1.0)),
            parts,
            unlooked,
            hosts: self.hosts.clone(),
        }
    }
}

/// One window of a signature's, counted.
#[derive(Debug)]
struct Part {
    level: Level,
    /// The window's share of the probes of interest (unnormalised).
    weight: f64,
    /// Addresses of interest in it: its vulnerable hosts, then its
    /// addresses of the atoms of interest.
    interest: u64,
    /// Its vulnerable hosts.
    vulnerable: u64,
    /// Each atom's addresses in it.
    sizes: Rc<[u64]>,
}

/// A local-preference class's draws: the skip to its next probe of
/// interest, where that probe lands, and how the rest split over atoms.
#[derive(Debug)]
pub struct LocalInterest {
    /// The chance that a probe is of interest.
    chance: f64,
    skips: Skips,
    parts: SmallVec<[Part; 3]>,
    /// Per atom outside the interest, its share of the probes that are not
    /// of interest (unnormalised; 0 for the atoms of interest).
    pub(super) unlooked: SmallVec<[f64; 6]>,
    /// Per atom, what it and the atoms after it take together.
    pub(super) unlooked_from: SmallVec<[f64; 6]>,
    hosts: Rc<Hosts>,
}

impl LocalInterest {
    /// Probes that are not of interest before the next one that is.
    pub(super) fn skip(&self, rng: &mut ChaCha8Rng) -> u64 {
        self.skips.sample(rng)
    }

    /// Where a probe of interest of `host` lands, the atoms of interest
    /// being `atoms`: its window by the windows' weights, then an address
    /// of interest uniformly within the host's own window there.
    pub(super) fn look(
        &self,
        layout: &SensorLayout,
        host: u32,
        atoms: u64,
        rng: &mut ChaCha8Rng,
    ) -> Target {
        debug_assert!(self.chance > 0.0, "a look follows a skip that ends");
        let part = match &self.parts[..] {
            [only] => only,
            all => {
                let total: f64 = all.iter().map(|p| p.weight).sum();
                let mut u = rng.random::<f64>() * total;
                // The last window with any weight takes what rounding leaves.
                let last = all.iter().rposition(|p| p.weight > 0.0).unwrap_or(0);
                all[..last]
                    .iter()
                    .find(|p| {
                        u -= p.weight;
                        u < 0.0
                    })
                    .unwrap_or(&all[last])
            }
        };
        let u = rng.random_range(0..part.interest);
        let (bounds, (from, to)) = self.hosts.window(host, part.level);
        debug_assert_eq!((to - from) as u64, part.vulnerable, "the signature's count");
        if u < part.vulnerable {
            return Target::Vulnerable(self.hosts.by_addr[from + u as usize]);
        }
        atom_at(
            layout,
            atoms,
            |i| part.sizes[i],
            Some(bounds),
            u - part.vulnerable,
            rng,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use wormscope_scenario::parse_population;

    /// 2,000 hosts in a space of four /16s, a telescope on the first /20.
    fn world() -> (SensorLayout, Placement, LocalShares) {
        let s = parse_population(
            "base = \"codered2\"\nvalidation = []\nsensors = []\n\
             telescopes = [{ name = \"dark\", prefix = \"0.0.0.0/20\" }]\n\
             [worm]\ntargeting = \"local-preference\"\n\
             [worm.local_preference]\nsame_slash16_pct = 37.5\nsame_slash8_pct = 50\n\
             [population]\nvulnerable = 2000\nother_hosts = 0\ninitial_infected = 1\n\
             scan_space_bits = 18\n",
            "local.toml",
        )
        .unwrap();
        let placement = Placement::of(&s);
        let layout = SensorLayout::of(&s, Some(&placement));
        (layout, placement, LocalShares::new(0.375, 0.5).unwrap())
    }

    /// A probe's chance to reach `addr` from a host at `own`: 3/8 over its
    /// /16 (2^16 addresses), 5/8 over the space (the own /8, cut to the
    /// space, and the rest; 2^18 addresses).
    fn chance_to(own: u32, addr: u32) -> f64 {
        let near = if own >> 16 == addr >> 16 {
            0.375 / 65_536.0
        } else {
            0.0
        };
        near + 0.625 / 262_144.0
    }

    #[test]
    fn a_local_hosts_chances_are_its_windows_summed() {
        let (layout, placement, shares) = world();
        let mut map = LocalMap::new(shares, &layout, &placement);
        // Hosts in the telescope's /16 and out of it.
        for host in [0u32, 1, 2, 3, 4, 5] {
            let own = placement.vulnerable[host as usize];
            let telescope = layout.atoms.iter().position(|a| a.dark.is_some()).unwrap();
            let mut want: f64 = placement
                .vulnerable
                .iter()
                .map(|&v| chance_to(own, v))
                .sum();
            let into_telescope: f64 = (0..4096).map(|a| chance_to(own, a)).sum();
            // The telescope of interest, then not.
            let of_interest = map.interest(&layout, host, 1 << telescope);
            assert!((of_interest.chance - (want + into_telescope)).abs() < 1e-12);
            let plain = map.interest(&layout, host, 0);
            assert!(
                (plain.chance - want).abs() < 1e-12,
                "{} vs {want}",
                plain.chance
            );
            assert!((plain.unlooked[telescope] - into_telescope).abs() < 1e-12);
            want += plain.unlooked.iter().sum::<f64>();
            assert!(
                (want - 1.0).abs() < 1e-9,
                "every probe lands somewhere: {want}"
            );
        }
    }

    #[test]
    fn a_look_lands_on_a_host_by_its_chance() {
        let (layout, placement, shares) = world();
        let mut map = LocalMap::new(shares, &layout, &placement);
        let host = 7;
        let own = placement.vulnerable[host as usize];
        let interest = map.interest(&layout, host, 0);
        let weights: Vec<f64> = placement
            .vulnerable
            .iter()
            .map(|&v| chance_to(own, v))
            .collect();
        let total: f64 = weights.iter().sum();
        let near_share: f64 = placement
            .vulnerable
            .iter()
            .zip(&weights)
            .filter(|(v, _)| *v >> 16 == own >> 16)
            .map(|(_, w)| w / total)
            .sum();
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let n = 100_000;
        let mut near = 0;
        for _ in 0..n {
            let Target::Vulnerable(v) = interest.look(&layout, host, 0, &mut rng) else {
                panic!("only vulnerable hosts are of interest")
            };
            near += u64::from(placement.vulnerable[v as usize] >> 16 == own >> 16);
        }
        let sd = (near_share * (1.0 - near_share) / n as f64).sqrt();
        let got = near as f64 / n as f64;
        assert!(
            (got - near_share).abs() < 5.0 * sd,
            "looks in the own /16: {got:.4}, expected {near_share:.4}"
        );
    }
}
