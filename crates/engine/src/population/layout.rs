//! Where a random scanner's population and sensors sit, and what each
//! sensor sees of a probe.
//!
//! The population core never needs every address: a probe aimed at a
//! vulnerable host is looked at one by one, and the rest are uniform over
//! the other addresses. What a sensor sees depends only on which of its
//! regions a probe lands in, so the non-vulnerable addresses are split into
//! *atoms*: the addresses with the same dark sensor (a telescope's prefix or
//! a distributed sensor's addresses, or none) and the same edges around
//! them. A probe is uniform within its atom, so an atom's size is all the
//! drivers need.
//!
//! - a telescope (a dark prefix) and a distributed sensor (dark addresses
//!   spread over the space) see every probe into them, incoming;
//! - an edge (the border of a prefix) sees the probes that cross it: from a
//!   host inside to an address outside (outgoing), or from outside in
//!   (incoming). Without a prefix it watches the /16 holding the most
//!   patient zeros (ties: the lowest), as a Blaster scenario's edge does.
//!
//! Everything here is drawn from the scenario's own seed ([`Placement`]),
//! so every run and every driver of a scenario share it: the exact driver
//! places the vulnerable hosts only when an edge needs to know who is
//! inside; the reference always does, and then places the other hosts.
//!
//! May not touch: the outbreak (it is geometry, fixed before a run).

use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use wormscope_model::rng::{Purpose, stream};
use wormscope_scenario::population::HostsIn;
use wormscope_scenario::{ClusterBlocks, Clusters, PopulationScenario, Prefix, SensorKind};

/// A sensor as the population core places it.
#[derive(Clone, Debug, PartialEq)]
pub struct PlacedSensor {
    pub name: String,
    pub kind: SensorKind,
    /// Telescope and edge: the prefix watched (an edge's default resolved).
    pub prefix: Option<Prefix>,
    /// Addresses whose incoming probes the sensor sees.
    pub monitored: u64,
    /// Report delay, µs (a whole number of steps).
    pub delay_us: u64,
}

/// The addresses drawn from the scenario's seed: each distributed sensor's
/// dark addresses, then the vulnerable hosts at distinct addresses outside
/// every dark one.
#[derive(Clone, Debug, PartialEq)]
pub struct Placement {
    /// Per sensor (in [`PopulationScenario::all_sensors`] order): a
    /// distributed sensor's addresses, sorted; empty for the others.
    pub points: Vec<Vec<u32>>,
    /// Each vulnerable host's address; hosts `0..initial_infected` are the
    /// initially infected ones.
    pub vulnerable: Vec<u32>,
    /// The telescopes' prefixes.
    telescopes: Vec<Prefix>,
}

impl Placement {
    /// Whether a driver that does not look at addresses still needs the
    /// placement: an edge asks who lives inside it, a network filter which
    /// network each host is in, a local-preference host where it is, a
    /// walk (permutation, sequential) where each host lies on it, and a
    /// distributed sensor in allocated space which of its addresses lie
    /// where other hosts live.
    pub fn needed(s: &PopulationScenario) -> bool {
        let sensors = s.all_sensors();
        sensors.iter().any(|c| c.kind == SensorKind::Edge)
            || (HostsIn::slash8s(s).is_some()
                && sensors.iter().any(|c| c.kind == SensorKind::Distributed))
            || super::filter::NetworkFilter::needed(s)
            || super::filter::spoofs_need_addresses(s)
            || s.worm.targeting == wormscope_scenario::PERMUTATION
            || s.worm.targeting == wormscope_scenario::LOCAL_PREFERENCE
            || s.worm.targeting == wormscope_scenario::SEQUENTIAL
    }

    pub fn of(s: &PopulationScenario) -> Placement {
        let space = 1u64 << s.population.scan_space_bits;
        let sensors = s.all_sensors();
        let telescopes: Vec<Prefix> = sensors
            .iter()
            .filter(|c| c.kind == SensorKind::Telescope)
            .filter_map(|c| c.prefix)
            .collect();
        let in_telescope = |a: u32| telescopes.iter().any(|t| t.contains(a));
        // Distributed sensors watch addresses where the population lives.
        let slash8s = HostsIn::slash8s(s);
        let mut dark: HashSet<u32> = HashSet::new();
        let mut points = Vec::with_capacity(sensors.len());
        for (j, c) in sensors.iter().enumerate() {
            let n = match c.kind {
                SensorKind::Distributed => u64::from(c.addresses.unwrap_or(0)),
                _ => 0,
            };
            let mut rng = stream(s.seed, Purpose::Sensor, j as u64);
            let mut mine = Vec::with_capacity(n as usize);
            while (mine.len() as u64) < n {
                let a = live_address(slash8s.as_deref(), space, &mut rng);
                if !in_telescope(a) && dark.insert(a) {
                    mine.push(a);
                }
            }
            mine.sort_unstable();
            points.push(mine);
        }
        let clusters = s
            .population
            .clusters
            .as_ref()
            .map(|c| (cluster_blocks(s, c), 32 - u32::from(c.prefix_len)));
        let mut rng = stream(s.seed, Purpose::RandomPlacement, 0);
        let mut used = dark;
        let mut vulnerable = Vec::with_capacity(s.population.vulnerable as usize);
        // Uniform over the clusters, the allowed /8s, or the whole space.
        let mut draw = || match &clusters {
            Some((blocks, shift)) => {
                (blocks[rng.random_range(0..blocks.len())] << shift)
                    | rng.random_range(0..1u32 << shift)
            }
            None => live_address(slash8s.as_deref(), space, &mut rng),
        };
        while (vulnerable.len() as u64) < s.population.vulnerable {
            let a = draw();
            if !in_telescope(a) && used.insert(a) {
                vulnerable.push(a);
            }
        }
        Placement {
            points,
            vulnerable,
            telescopes,
        }
    }

    /// Whether `addr` is dark: in a telescope or a distributed sensor's.
    pub fn is_dark(&self, addr: u32) -> bool {
        self.telescopes.iter().any(|t| t.contains(addr))
            || self.points.iter().any(|p| p.binary_search(&addr).is_ok())
    }
}

/// Each atom's addresses within windows of the space (a local-preference
/// host's /16 or /8, a filtered host's network), counted from the layout
/// and the placement, each window once.
pub(crate) struct AtomContents {
    /// The layout's ranges ([`SensorLayout::ranges`]).
    ranges: Vec<(u64, u64, u8)>,
    /// Per distributed sensor (by sensor index), its addresses, sorted.
    points: Vec<(u8, Vec<u32>)>,
    /// The vulnerable hosts' addresses, sorted.
    vulnerable: Vec<u32>,
    /// Atom sizes by window.
    cache: HashMap<(u64, u64), Rc<[u64]>>,
}

impl AtomContents {
    pub(crate) fn new(layout: &SensorLayout, placement: &Placement) -> AtomContents {
        let mut vulnerable = placement.vulnerable.clone();
        vulnerable.sort_unstable();
        AtomContents {
            ranges: layout.ranges(),
            points: placement
                .points
                .iter()
                .enumerate()
                .filter(|(_, p)| !p.is_empty())
                .map(|(j, p)| (j as u8, p.clone()))
                .collect(),
            vulnerable,
            cache: HashMap::new(),
        }
    }

    /// Each atom's addresses in `[lo, hi)` (counted the first time).
    pub(crate) fn of(&mut self, layout: &SensorLayout, lo: u64, hi: u64) -> Rc<[u64]> {
        if let Some(c) = self.cache.get(&(lo, hi)) {
            return c.clone();
        }
        let mut sizes = vec![0u64; layout.atoms.len()];
        for &(r_lo, r_hi, atom) in &self.ranges {
            let (a, b) = (r_lo.max(lo), r_hi.min(hi));
            if a < b {
                sizes[usize::from(atom)] += b - a;
            }
        }
        // A distributed sensor's addresses and the vulnerable hosts lie in
        // the ranges' atoms and are none of theirs: move them out.
        // (An atom the layout left out, having no address left, had no
        // range either.)
        let mut take = |dark: Option<u8>, addr: u32, by: i64| {
            if let Some(i) = layout.atom_with(dark, addr) {
                let size = &mut sizes[usize::from(i)];
                *size = size.checked_add_signed(by).expect("atom sizes");
            }
        };
        let within = |list: &[u32]| {
            let from = list.partition_point(|&a| u64::from(a) < lo);
            let to = list.partition_point(|&a| u64::from(a) < hi);
            from..to
        };
        for (j, points) in &self.points {
            for &a in &points[within(points)] {
                take(None, a, -1);
                take(Some(*j), a, 1);
            }
        }
        for &a in &self.vulnerable[within(&self.vulnerable)] {
            take(None, a, -1);
        }
        let sizes: Rc<[u64]> = sizes.into();
        self.cache.insert((lo, hi), sizes.clone());
        sizes
    }
}

/// The blocks `s`'s vulnerable hosts live in (`[population.clusters]`):
/// `c.count` distinct ones drawn uniformly from [`ClusterBlocks`], from the
/// scenario's seed.
fn cluster_blocks(s: &PopulationScenario, c: &Clusters) -> Vec<u32> {
    let blocks = ClusterBlocks::of(s, c);
    let allowed = blocks.allowed();
    let mut rng = stream(s.seed, Purpose::RandomPlacement, 2);
    let mut chosen = HashSet::new();
    let mut list = Vec::with_capacity(c.count as usize);
    // The scenario's check keeps the count within the candidates.
    while (list.len() as u64) < c.count {
        let b = blocks.nth_allowed(rng.random_range(0..allowed));
        if !blocks.is_dark(b) && chosen.insert(b) {
            list.push(b);
        }
    }
    list
}

/// Addresses with the same dark sensor, the same edges around them, and
/// alike in whether other live hosts may sit there.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Atom {
    /// The dark sensor they belong to, if any.
    pub dark: Option<u8>,
    /// The edges whose prefix holds them (bit j: sensor j).
    pub inside: u16,
    /// Whether other live hosts sit among them, each address with
    /// [`SensorLayout::other_share`]: not dark, and where the population
    /// lives (`[population] hosts_in`: in an allocated /8, or anywhere).
    pub live: bool,
    /// How many non-vulnerable addresses.
    pub size: u64,
}

/// The sensors of a random-scanning scenario placed in its space.
#[derive(Clone, Debug, PartialEq)]
pub struct SensorLayout {
    pub sensors: Vec<PlacedSensor>,
    /// Addresses scanned: 2^bits.
    pub addresses: u64,
    pub vulnerable: u64,
    /// The non-vulnerable addresses, by atom (sizes sum to addresses -
    /// vulnerable; at most 64 atoms).
    pub atoms: Vec<Atom>,
    /// Share of the addresses of the live atoms that hold another live
    /// host.
    pub other_share: f64,
    /// The edge sensors (bit j: sensor j).
    edges: u16,
    /// Per /8 (by first octet), whether the population lives there.
    lived_in: Vec<bool>,
    /// Each vulnerable host's edges; empty when there is no edge.
    home: Vec<u16>,
}

impl SensorLayout {
    /// The layout of `s`'s sensors; `placement` is needed when
    /// [`Placement::needed`] says so, and may be given anyway.
    pub fn of(s: &PopulationScenario, placement: Option<&Placement>) -> SensorLayout {
        let space = 1u64 << s.population.scan_space_bits;
        let configs = s.all_sensors();
        let mut edges = 0u16;
        let mut sensors = Vec::with_capacity(configs.len());
        for (j, c) in configs.iter().enumerate() {
            let prefix = match (c.kind, c.prefix) {
                (SensorKind::Edge, None) => {
                    let p = placement.expect("an edge needs the placement");
                    Some(busiest_slash16(
                        &p.vulnerable[..s.population.initial_infected as usize],
                    ))
                }
                (_, p) => p,
            };
            if c.kind == SensorKind::Edge {
                edges |= 1 << j;
            }
            let monitored = match c.kind {
                SensorKind::Distributed => u64::from(c.addresses.unwrap_or(0)),
                _ => prefix.map_or(0, |p| p.size().min(space)),
            };
            sensors.push(PlacedSensor {
                name: c.name.clone(),
                kind: c.kind,
                prefix,
                monitored,
                delay_us: c.report_delay.map_or(0, |d| d.as_micros()),
            });
        }
        let inside_of = |a: u64| -> u16 {
            let mut m = 0;
            for (j, p) in sensors.iter().enumerate() {
                if edges & (1 << j) != 0
                    && let Some(p) = p.prefix
                    && p.contains(a as u32)
                {
                    m |= 1 << j;
                }
            }
            m
        };
        let dark_of = |a: u64| telescope_of(&sensors, a as u32);
        let lived_in = lived_in(s);
        let live_of = |dark: Option<u8>, a: u64| dark.is_none() && lived_in[(a >> 24) as usize];
        // Prefix regions and the /8s where the population lives or not:
        // between consecutive boundaries nothing changes.
        let mut cuts = prefix_cuts(space, &sensors);
        cuts.extend(
            (1..256u64)
                .filter(|&o| lived_in[o as usize] != lived_in[o as usize - 1])
                .map(|o| o << 24),
        );
        cuts.sort_unstable();
        cuts.dedup();
        let mut atoms: Vec<Atom> = Vec::new();
        let mut add = |dark: Option<u8>, inside: u16, live: bool, size: i64| match atoms
            .iter_mut()
            .find(|a| a.dark == dark && a.inside == inside && a.live == live)
        {
            Some(a) => a.size = a.size.checked_add_signed(size).expect("atom sizes"),
            None => atoms.push(Atom {
                dark,
                inside,
                live,
                size: u64::try_from(size).expect("a new atom grows"),
            }),
        };
        for w in cuts.windows(2) {
            let dark = dark_of(w[0]);
            add(
                dark,
                inside_of(w[0]),
                live_of(dark, w[0]),
                (w[1] - w[0]) as i64,
            );
        }
        let everywhere = lived_in.iter().all(|&l| l);
        let mut dark_total = 0u64;
        for (j, c) in configs.iter().enumerate() {
            if c.kind == SensorKind::Telescope {
                dark_total += sensors[j].monitored;
            }
            if c.kind != SensorKind::Distributed {
                continue;
            }
            let n = sensors[j].monitored;
            dark_total += n;
            if edges == 0 && everywhere {
                add(None, 0, true, -(n as i64));
                add(Some(j as u8), 0, false, n as i64);
            } else {
                let p = placement.expect("the placement, for an edge or hosts_in");
                for &a in &p.points[j] {
                    let a = u64::from(a);
                    let inside = inside_of(a);
                    add(None, inside, live_of(None, a), -1);
                    add(Some(j as u8), inside, false, 1);
                }
            }
        }
        let mut home = Vec::new();
        // The vulnerable hosts live where the population does.
        if edges == 0 {
            add(None, 0, true, -(s.population.vulnerable as i64));
        } else {
            let p = placement.expect("an edge needs the placement");
            home = p
                .vulnerable
                .iter()
                .map(|&a| inside_of(u64::from(a)))
                .collect();
            for &inside in &home {
                add(None, inside, true, -1);
            }
        }
        atoms.retain(|a| a.size > 0);
        // Edges cut the space into at most 2k + 1 regions, each live or
        // not; dark atoms never are: 8 sensors make at most 55 atoms.
        assert!(atoms.len() <= 64, "{} atoms", atoms.len());
        let live_room: u64 = atoms.iter().filter(|a| a.live).map(|a| a.size).sum();
        debug_assert!(!everywhere || live_room == space - s.population.vulnerable - dark_total);
        SensorLayout {
            sensors,
            addresses: space,
            vulnerable: s.population.vulnerable,
            atoms,
            // The scenario's check leaves room for the other hosts.
            other_share: if live_room == 0 {
                0.0
            } else {
                (s.population.other_hosts as f64 / live_room as f64).min(1.0)
            },
            edges,
            lived_in,
            home,
        }
    }

    /// The edges vulnerable host `v` sits inside.
    pub fn home(&self, v: u32) -> u16 {
        self.home.get(v as usize).copied().unwrap_or(0)
    }

    /// The atom of a non-vulnerable address (the reference's lookup).
    pub fn atom_of(&self, placement: &Placement, addr: u32) -> u8 {
        let dark = self
            .sensors
            .iter()
            .enumerate()
            .position(|(j, p)| match p.kind {
                SensorKind::Telescope => p.prefix.is_some_and(|p| p.contains(addr)),
                SensorKind::Distributed => placement.points[j].binary_search(&addr).is_ok(),
                SensorKind::Edge => false,
            })
            .map(|j| j as u8);
        self.atom_with(dark, addr)
            .expect("every non-vulnerable address is in an atom")
    }

    /// The atom of `addr` were it dark for sensor `dark` (or not dark) and
    /// not a vulnerable host's: none when that atom has no address.
    pub(crate) fn atom_with(&self, dark: Option<u8>, addr: u32) -> Option<u8> {
        self.atom_index(dark, self.inside_of(addr), self.live_at(dark, addr))
    }

    /// Whether other live hosts may sit at `addr`, dark for `dark`.
    fn live_at(&self, dark: Option<u8>, addr: u32) -> bool {
        dark.is_none() && self.lived_in[(addr >> 24) as usize]
    }

    /// The edges whose prefix holds `addr`.
    fn inside_of(&self, addr: u32) -> u16 {
        let mut inside = 0u16;
        for (j, p) in self.sensors.iter().enumerate() {
            if self.edges & (1 << j) != 0 && p.prefix.is_some_and(|p| p.contains(addr)) {
                inside |= 1 << j;
            }
        }
        inside
    }

    fn atom_index(&self, dark: Option<u8>, inside: u16, live: bool) -> Option<u8> {
        self.atoms
            .iter()
            .position(|a| a.dark == dark && a.inside == inside && a.live == live)
            .map(|i| i as u8)
    }

    /// The space cut where sensors' prefixes begin and end: ranges
    /// `[lo, hi)` in order, each with the atom its addresses are in, but
    /// for the vulnerable hosts and distributed sensors' addresses among
    /// them (a range whose atom has no address left is left out).
    pub fn ranges(&self) -> Vec<(u64, u64, u8)> {
        let space = self.addresses;
        let mut cuts = prefix_cuts(space, &self.sensors);
        cuts.extend((1..256u64).filter(|&o| o << 24 < space).map(|o| o << 24));
        cuts.sort_unstable();
        cuts.dedup();
        let mut ranges: Vec<(u64, u64, u8)> = Vec::new();
        for w in cuts.windows(2) {
            let lo = w[0] as u32;
            let Some(atom) = self.atom_with(telescope_of(&self.sensors, lo), lo) else {
                continue;
            };
            // Ranges cut only at a /8 are joined again.
            match ranges.last_mut() {
                Some(last) if last.1 == w[0] && last.2 == atom => last.1 = w[1],
                _ => ranges.push((w[0], w[1], atom)),
            }
        }
        ranges
    }

    /// Which sensors see a probe from a host inside edges `src` to a
    /// destination inside edges `dst` (and dark for sensor `dark`): bit j of
    /// the first mask; the second marks those that count it as incoming.
    pub fn seen(&self, src: u16, dst: u16, dark: Option<u8>) -> (u16, u16) {
        let crossed = (src ^ dst) & self.edges;
        let dark = dark.map_or(0, |j| 1u16 << j);
        (crossed | dark, (crossed & dst) | dark)
    }

    /// Every sensor's bit.
    pub fn all(&self) -> u16 {
        ((1u32 << self.sensors.len()) - 1) as u16
    }
}

/// Per /8 (by first octet), whether `s`'s population lives there: the
/// allocated ones for `hosts_in = "allocated"` over all of IPv4, else all.
fn lived_in(s: &PopulationScenario) -> Vec<bool> {
    match HostsIn::slash8s(s) {
        Some(list) => {
            let mut table = vec![false; 256];
            for o in list {
                table[usize::from(o)] = true;
            }
            table
        }
        None => vec![true; 256],
    }
}

/// An address where `s`'s population lives, uniformly: in one of
/// `slash8s` ([`HostsIn::slash8s`]), or anywhere in a space of `space`
/// addresses.
pub fn live_address(slash8s: Option<&[u8]>, space: u64, rng: &mut ChaCha8Rng) -> u32 {
    match slash8s {
        Some(list) => {
            (u32::from(list[rng.random_range(0..list.len())]) << 24)
                | rng.random_range(0..1u32 << 24)
        }
        None => rng.random_range(0..space) as u32,
    }
}

/// The telescope whose prefix holds `addr`, if any.
fn telescope_of(sensors: &[PlacedSensor], addr: u32) -> Option<u8> {
    sensors
        .iter()
        .position(|p| p.kind == SensorKind::Telescope && p.prefix.is_some_and(|p| p.contains(addr)))
        .map(|j| j as u8)
}

/// Where the sensors' prefixes begin and end in a space of `space`
/// addresses, with its ends, in order: between two consecutive cuts no
/// prefix begins or ends.
fn prefix_cuts(space: u64, sensors: &[PlacedSensor]) -> Vec<u64> {
    let mut cuts = vec![0, space];
    for p in sensors.iter().filter_map(|p| p.prefix) {
        cuts.push(u64::from(p.base()).min(space));
        cuts.push((u64::from(p.last()) + 1).min(space));
    }
    cuts.sort_unstable();
    cuts.dedup();
    cuts
}

/// The /16 that holds the most of `addrs` (ties: the lowest).
fn busiest_slash16(addrs: &[u32]) -> Prefix {
    let mut nets: Vec<u32> = addrs.iter().map(|a| a >> 16).collect();
    nets.sort_unstable();
    let mut best = (0usize, 0u32);
    let mut i = 0;
    while i < nets.len() {
        let j = i + nets[i..].iter().take_while(|&&n| n == nets[i]).count();
        if j - i > best.0 {
            best = (j - i, nets[i]);
        }
        i = j;
    }
    Prefix::new(best.1 << 16, 16).expect("aligned")
}

#[cfg(test)]
mod tests {
    use super::*;
    use wormscope_scenario::parse_population;

    #[test]
    fn allocated_hosts_sit_in_the_registrys_slash8s_and_anywhere_keeps_its_draws() {
        let slammer = wormscope_scenario::builtin_population("slammer").unwrap();
        let allowed = HostsIn::slash8s(&slammer).unwrap();
        let placement = Placement::of(&slammer);
        assert_eq!(placement.vulnerable.len(), 75_000);
        assert!(
            placement
                .vulnerable
                .iter()
                .all(|a| allowed.contains(&((a >> 24) as u8))),
            "every vulnerable host in an allocated /8"
        );
        // Every allocated /8 holds some of them (drawn over all, not a
        // few) but the telescope's, 44/8, which is dark.
        let mut used: Vec<u8> = placement
            .vulnerable
            .iter()
            .map(|a| (a >> 24) as u8)
            .collect();
        used.sort_unstable();
        used.dedup();
        let lit: Vec<u8> = allowed.iter().copied().filter(|&o| o != 44).collect();
        assert_eq!(used, lit);
        // `anywhere` draws as files without the field always did: uniform
        // over the space, reserved /8s included.
        let mut anywhere = slammer.clone();
        anywhere.population.hosts_in = HostsIn::Anywhere;
        let p = Placement::of(&anywhere);
        let mut rng = stream(anywhere.seed, Purpose::RandomPlacement, 0);
        let first: u32 = rng.random_range(0..1u64 << 32) as u32;
        assert_eq!(p.vulnerable[0], first);
        assert!(
            p.vulnerable.iter().any(|a| a >> 24 >= 240),
            "reserved space too"
        );
    }

    #[test]
    fn other_hosts_live_where_the_population_does() {
        let slammer = wormscope_scenario::builtin_population("slammer").unwrap();
        let placement = Placement::of(&slammer);
        let layout = SensorLayout::of(&slammer, Some(&placement));
        let allocated = HostsIn::slash8s(&slammer).unwrap();
        assert!(allocated.contains(&44), "the telescope's /8 was allocated");
        let sum = |f: &dyn Fn(&Atom) -> bool| -> u64 {
            layout.atoms.iter().filter(|a| f(a)).map(|a| a.size).sum()
        };
        let p = &slammer.population;
        let live_room = ((allocated.len() as u64) << 24) - p.vulnerable - (1 << 24);
        assert_eq!(sum(&|a| a.live), live_room);
        assert_eq!(
            sum(&|a| !a.live && a.dark.is_none()),
            ((256 - allocated.len() as u64) << 24)
        );
        assert_eq!(sum(&|a| a.dark.is_some()), 1 << 24, "the telescope");
        assert!(layout.atoms.iter().all(|a| !(a.live && a.dark.is_some())));
        assert_eq!(layout.other_share, p.other_hosts as f64 / live_room as f64);
        // Every range's atom says so of its /8s.
        for (lo, hi, atom) in layout.ranges() {
            let a = layout.atoms[usize::from(atom)];
            for o in (lo >> 24)..=((hi - 1) >> 24) {
                let lived = allocated.contains(&(o as u8)) && o != 44;
                assert_eq!(a.live, lived, "{lo:#x}..{hi:#x} in /8 {o}");
            }
        }
        // Anywhere: one live plain atom, as before the split.
        let mut anywhere = slammer.clone();
        anywhere.population.hosts_in = HostsIn::Anywhere;
        let placement = Placement::of(&anywhere);
        let layout = SensorLayout::of(&anywhere, Some(&placement));
        assert!(layout.atoms.iter().all(|a| a.live == a.dark.is_none()));
    }

    #[test]
    fn clustered_hosts_fill_their_blocks_and_nothing_else() {
        let mut slammer = wormscope_scenario::builtin_population("slammer").unwrap();
        let spread = Placement::of(&slammer);
        slammer.population.clusters = Some(Clusters {
            prefix_len: 16,
            count: 500,
        });
        let placement = Placement::of(&slammer);
        assert_eq!(
            placement,
            Placement::of(&slammer),
            "from the scenario's seed"
        );
        let mut blocks: Vec<u32> = placement.vulnerable.iter().map(|a| a >> 16).collect();
        blocks.sort_unstable();
        blocks.dedup();
        // 75,000 hosts over 500 /16s: every block used, and no other.
        assert_eq!(blocks.len(), 500);
        let allowed = HostsIn::slash8s(&slammer).unwrap();
        assert!(
            blocks
                .iter()
                .all(|b| allowed.contains(&((b >> 8) as u8)) && b >> 8 != 44)
        );
        let mut spread_blocks: Vec<u32> = spread.vulnerable.iter().map(|a| a >> 16).collect();
        spread_blocks.sort_unstable();
        spread_blocks.dedup();
        assert!(
            spread_blocks.len() > 20_000,
            "spread: {}",
            spread_blocks.len()
        );
        // Hosts are spread over their blocks: each holds about 150.
        let mut per_block = std::collections::HashMap::new();
        for a in &placement.vulnerable {
            *per_block.entry(a >> 16).or_insert(0u32) += 1;
        }
        assert!(
            per_block.values().all(|&n| (80..=230).contains(&n)),
            "{per_block:?}"
        );
    }

    #[test]
    fn atoms_partition_the_non_vulnerable_addresses_however_sensors_nest() {
        // A telescope inside an edge, an edge nested in another, and a
        // distributed sensor whose addresses fall anywhere outside the
        // telescope, in 2^16 addresses.
        let text = "base = \"codered2\"\nvalidation = []\nduration = \"1m\"\nstep = \"10s\"\n\
            [population]\nvulnerable = 3000\nother_hosts = 5000\ninitial_infected = 3\n\
            scan_space_bits = 16\n\
            [[sensors]]\nname = \"dark\"\nkind = \"telescope\"\nprefix = \"0.0.130.0/23\"\n\
            [[sensors]]\nname = \"isc\"\nkind = \"distributed\"\naddresses = 2000\nreport_delay = \"0s\"\n\
            [[sensors]]\nname = \"isp\"\nkind = \"edge\"\nprefix = \"0.0.128.0/18\"\n\
            [[sensors]]\nname = \"inner\"\nkind = \"edge\"\nprefix = \"0.0.128.0/20\"\n";
        let s = parse_population(text, "nest.toml").unwrap();
        let placement = Placement::of(&s);
        let layout = SensorLayout::of(&s, Some(&placement));
        let total: u64 = layout.atoms.iter().map(|a| a.size).sum();
        assert_eq!(total, (1 << 16) - 3000, "every non-vulnerable address once");
        // Count every address by hand and compare atom by atom.
        let vulnerable: std::collections::HashSet<u32> =
            placement.vulnerable.iter().copied().collect();
        let mut counted = vec![0u64; layout.atoms.len()];
        for addr in 0..1u32 << 16 {
            if !vulnerable.contains(&addr) {
                counted[usize::from(layout.atom_of(&placement, addr))] += 1;
            }
        }
        let sizes: Vec<u64> = layout.atoms.iter().map(|a| a.size).collect();
        assert_eq!(counted, sizes);
        let dark = |j: u8| -> u64 {
            layout
                .atoms
                .iter()
                .filter(|a| a.dark == Some(j))
                .map(|a| a.size)
                .sum()
        };
        assert_eq!(dark(0), 512, "the /23 telescope");
        assert_eq!(dark(1), 2000, "the distributed sensor's addresses");
        // The telescope sits inside both edges.
        assert!(
            layout
                .atoms
                .iter()
                .any(|a| a.dark == Some(0) && a.inside == 0b1100)
        );
        // Nobody lives on a dark address, and hosts inside an edge are homed there.
        for (v, &a) in placement.vulnerable.iter().enumerate() {
            assert!(!placement.is_dark(a));
            let home = layout.home(v as u32);
            assert_eq!(home & 0b0100 != 0, (0x8000..0xc000).contains(&a), "{a:#x}");
            assert_eq!(home & 0b1000 != 0, (0x8000..0x9000).contains(&a), "{a:#x}");
        }
        // A probe from inside the inner edge to the outer ring crosses only
        // the inner edge, outgoing; from outside into the inner edge, both,
        // incoming.
        assert_eq!(layout.seen(0b1100, 0b0100, None), (0b1000, 0));
        assert_eq!(layout.seen(0, 0b1100, None), (0b1100, 0b1100));
        assert_eq!(layout.seen(0, 0, Some(1)), (0b0010, 0b0010));
    }

    #[test]
    fn the_busiest_slash16_wins_and_ties_go_low() {
        let p = busiest_slash16(&[
            0x0a01_0001,
            0x0b00_0001,
            0x0b00_0002,
            0x0a01_0002,
            0x0c00_0000,
        ]);
        assert_eq!(p.base(), 0x0a01_0000);
        let p = busiest_slash16(&[0x0c00_0000, 0x0b00_0001, 0x0b00_0002]);
        assert_eq!(p.base(), 0x0b00_0000);
    }
}
