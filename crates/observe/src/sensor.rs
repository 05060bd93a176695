//! Sensors: where each instrument of the scenario sits, which probes it
//! can see, and the per-step counts it keeps while a run goes on.
//!
//! A probe is *on the internet* when it leaves its scanner's site (its
//! destination is not inside the scanner's own NAT LAN or firewalled
//! network) and the site's border lets 135/tcp out; only such probes reach
//! any sensor. The run's network filters ([`DefensePlan`], told through
//! [`Observer::defenses`]) close more from their start: a scanner whose
//! ISP filters 135/tcp going out reaches nothing beyond its /16, and one
//! whose enterprise border does, nothing beyond its site ([`Egress`]).
//! Sensors sit outside the borders of the networks they watch: what a
//! filter drops coming in has reached them already, what it drops going
//! out never does. Its source, as every sensor sees it, is the scanner's
//! public address (a NAT gateway's for hosts behind one). Then:
//! - a telescope sees the probes into its prefix;
//! - a distributed sensor sees the probes to its monitored addresses;
//! - an edge tap sees the probes that cross its prefix's border: from a
//!   source inside to a destination outside, or the other way.
//!
//! Everything is exact: a span of batches is intersected with the visible
//! ranges and split into time steps with the span's own batch-start times
//! (see [`wormscope_engine::observe`]); nothing is sampled or averaged.
//!
//! What it may not touch: the outbreak (it only reads the world) and files.

use std::collections::{HashMap, HashSet};

use rand::RngExt;
use wormscope_engine::observe::{Observer, PlainRun, Span, Watched};
use wormscope_engine::population::PlacedSensor;
use wormscope_model::defense::{DefensePlan, EgressClosing, NEVER};
use wormscope_model::generate::patient_zeros;
use wormscope_model::net;
use wormscope_model::rng::{self, Purpose};
use wormscope_model::service::Service;
use wormscope_model::{HostId, NO_SITE, World, iana};
use wormscope_scenario::{BlasterScenario, Prefix, SensorKind};

/// End of the IPv4 space, as a range bound.
pub const SPACE_END: u64 = 1 << 32;

/// A sensor placed in a world.
#[derive(Clone, Debug, PartialEq)]
pub struct Sensor {
    pub name: String,
    pub kind: SensorKind,
    /// Telescope and edge: the prefix watched.
    pub prefix: Option<Prefix>,
    /// Distributed: the monitored addresses, sorted, distinct.
    pub points: Vec<u32>,
    /// Distributed: reporting delay in microseconds (0 for the others).
    pub delay: u64,
}

impl Sensor {
    /// Number of addresses whose incoming probes the sensor sees.
    pub fn monitored(&self) -> u64 {
        match self.kind {
            SensorKind::Distributed => self.points.len() as u64,
            _ => self.prefix.map_or(0, Prefix::size),
        }
    }

    /// Share of the IPv4 space monitored for incoming probes.
    pub fn share(&self) -> f64 {
        self.monitored() as f64 / SPACE_END as f64
    }

    /// What the reports say of the sensor.
    pub fn placed(&self) -> PlacedSensor {
        PlacedSensor {
            name: self.name.clone(),
            kind: self.kind,
            prefix: self.prefix,
            monitored: self.monitored(),
            delay_us: self.delay,
        }
    }

    pub(crate) fn range(&self) -> (u64, u64) {
        let p = self.prefix.expect("telescopes and edges have a prefix");
        (u64::from(p.base()), u64::from(p.last()) + 1)
    }
}

/// Places the scenario's sensors in `world`: resolves an edge without a
/// prefix to the /16 holding the most patient zeros, and draws a
/// distributed sensor's addresses from the seed.
pub fn place(scenario: &BlasterScenario, world: &World) -> Vec<Sensor> {
    scenario
        .sensors
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let mut s = Sensor {
                name: c.name.clone(),
                kind: c.kind,
                prefix: c.prefix,
                points: Vec::new(),
                delay: c.report_delay.map_or(0, |d| d.as_micros()),
            };
            match c.kind {
                SensorKind::Edge if s.prefix.is_none() => {
                    s.prefix = Some(busiest_slash16(scenario, world));
                }
                SensorKind::Distributed => {
                    s.points = spread_addresses(scenario, i, c.addresses.unwrap_or(0));
                }
                _ => {}
            }
            s
        })
        .collect()
}

/// The /16 that holds the most patient zeros by public address (ties: the
/// lowest).
fn busiest_slash16(scenario: &BlasterScenario, world: &World) -> Prefix {
    let zeros = patient_zeros(world, scenario.seed, scenario.worm.initial_infected);
    let mut count: HashMap<u32, u32> = HashMap::new();
    for &h in &zeros {
        *count
            .entry(world.public_addr(world.host(h)) >> 16)
            .or_default() += 1;
    }
    let best = count
        .into_iter()
        .max_by_key(|&(net, n)| (n, std::cmp::Reverse(net)))
        .map_or(0, |(net, _)| net);
    Prefix::new(best << 16, 16).expect("aligned")
}

/// `n` distinct addresses drawn uniformly from the world's address space
/// (`world.only_in`, or every allocated /8), on the sensor's own stream.
fn spread_addresses(scenario: &BlasterScenario, index: usize, n: u32) -> Vec<u32> {
    let space: Vec<Prefix> = if scenario.world.only_in.is_empty() {
        iana::allocated_slash8s(&scenario.world.allocated_by)
            .into_iter()
            .map(|a| Prefix::new(u32::from(a) << 24, 8).expect("aligned"))
            .collect()
    } else {
        // Prefixes nest or are apart: one inside another (or listed twice)
        // adds no address, and counted twice it would be drawn twice as
        // often, and its addresses counted as more than there are.
        let only_in = &scenario.world.only_in;
        only_in
            .iter()
            .enumerate()
            .filter(|&(i, p)| {
                !only_in
                    .iter()
                    .enumerate()
                    .any(|(j, q)| j != i && q.contains(p.base()) && (q.size() > p.size() || j < i))
            })
            .map(|(_, p)| *p)
            .collect()
    };
    let total: u64 = space.iter().map(|p| p.size()).sum();
    let want = u64::from(n).min(total) as usize;
    if want as u64 == total {
        // Every address: what the draws below would end with, without
        // collecting the last few coupons one round at a time.
        let mut all: Vec<u32> = space
            .iter()
            .flat_map(|p| (0..p.size()).map(|k| p.base() + k as u32))
            .collect();
        all.sort_unstable();
        all.dedup();
        return all;
    }
    // Rounds of draws, each as many as are still missing, until `want`
    // are distinct. The set makes a round cost its draws, not a sort of
    // all so far: near a full space most rounds add one address or none.
    let mut rng = rng::stream(scenario.seed, Purpose::Sensor, index as u64);
    let mut drawn: HashSet<u32> = HashSet::with_capacity(want);
    while drawn.len() < want {
        let missing = want - drawn.len();
        for _ in 0..missing {
            let mut k = rng.random_range(0..total);
            for p in &space {
                if k < p.size() {
                    drawn.insert(p.base() + k as u32);
                    break;
                }
                k -= p.size();
            }
        }
    }
    let mut out: Vec<u32> = drawn.into_iter().collect();
    out.sort_unstable();
    out
}

/// A few disjoint address ranges `[lo, hi)`, without allocating (the
/// observer runs for every span of a run).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Ranges {
    r: [(u64, u64); 4],
    n: usize,
}

impl Ranges {
    fn one(lo: u64, hi: u64) -> Ranges {
        let mut out = Ranges::default();
        out.push(lo, hi);
        out
    }
    fn push(&mut self, lo: u64, hi: u64) {
        if lo < hi && self.n < self.r.len() {
            self.r[self.n] = (lo, hi);
            self.n += 1;
        }
    }
    pub(crate) fn iter(&self) -> impl Iterator<Item = (u64, u64)> + '_ {
        self.r[..self.n].iter().copied()
    }
    pub(crate) fn is_empty(&self) -> bool {
        self.n == 0
    }
}

/// Destination ranges in which a probe of `scanner` is on the internet:
/// the whole space minus its own site's inside range; nothing if its
/// site's border drops 135/tcp going out.
pub(crate) fn on_internet(world: &World, scanner: HostId) -> Ranges {
    let h = world.host(scanner);
    if !net::egress_allows(&world.sites, h, Service::Rpc135Tcp) {
        return Ranges::default();
    }
    if h.site == NO_SITE {
        return Ranges::one(0, SPACE_END);
    }
    let inside = world.sites[h.site as usize].inside;
    let (lo, hi) = (u64::from(inside.base()), u64::from(inside.last()) + 1);
    let mut out = Ranges::one(0, lo);
    out.push(hi, SPACE_END);
    out
}

/// A stretch of a scanner's reach over a run ([`Egress`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Stretch {
    /// Before any filter closes one of its borders.
    Open,
    /// While its ISP keeps it inside its /16.
    OwnSlash16,
    /// Once nothing gets out of its site.
    Closed,
}

/// How far a scanner's probes reach over a run: its site's border as
/// [`on_internet`] says, narrowed by the run's network filters from the
/// moments they close its borders.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Egress {
    online: Ranges,
    /// The /16 of its public address.
    own_slash16: (u64, u64),
    closing: EgressClosing,
}

impl Egress {
    /// The reach of `scanner`, whose public address is `src`, under the
    /// network filters of `filters`.
    pub(crate) fn of(world: &World, filters: &DefensePlan, scanner: HostId, src: u32) -> Egress {
        let block = u64::from(src >> 16) << 16;
        Egress {
            online: on_internet(world, scanner),
            own_slash16: (block, block + (1 << 16)),
            closing: filters.egress_closing(world.host(scanner).site, src, Service::Rpc135Tcp),
        }
    }

    /// Which of the reach's stretches `t` falls in.
    pub(crate) fn phase(&self, t: u64) -> Stretch {
        if t >= self.closing.beyond_site {
            Stretch::Closed
        } else if t >= self.closing.beyond_slash16 {
            Stretch::OwnSlash16
        } else {
            Stretch::Open
        }
    }

    /// The destinations on the internet in stretch `phase`.
    pub(crate) fn ranges(&self, phase: Stretch) -> Ranges {
        match phase {
            Stretch::Open => self.online,
            Stretch::OwnSlash16 => intersect(&self.online, self.own_slash16.0, self.own_slash16.1),
            Stretch::Closed => Ranges::default(),
        }
    }

    /// The destinations on the internet at `t`.
    pub(crate) fn at(&self, t: u64) -> Ranges {
        self.ranges(self.phase(t))
    }

    /// The times the reach changes, in order (at most two).
    pub(crate) fn changes(&self) -> impl Iterator<Item = u64> {
        // Once the site's border is closed, the /16's closing changes
        // nothing.
        let (slash16, site) = (self.closing.beyond_slash16, self.closing.beyond_site);
        let first = (slash16 < site).then_some(slash16);
        first.into_iter().chain([site]).filter(|&c| c != NEVER)
    }

    /// Whether the scanner reaches no sensor at `t` or after.
    pub(crate) fn closed_from(&self, t: u64) -> bool {
        self.online.is_empty() || self.phase(t) == Stretch::Closed
    }

    /// The first time its probes stop leaving its /16: plain probes (to
    /// no watched address, see [`watched`]) are lost from then on.
    pub(crate) fn plain_until(&self) -> u64 {
        self.closing.first()
    }
}

/// The batches `[from, to)` of a run whose batch `j` starts at
/// `start_of(j)`, `before(t)` of them before `t`, cut where `egress`
/// changes: each piece with its stretch of the reach.
pub(crate) fn pieces<'a>(
    egress: &'a Egress,
    k: u64,
    before: impl Fn(u64) -> u64 + 'a,
    start_of: impl Fn(u64) -> u64 + 'a,
) -> impl Iterator<Item = (u64, u64, Stretch)> + 'a {
    // Lazily, without allocating: every span of every scanner asks.
    let mut j = 0;
    egress
        .changes()
        .chain(std::iter::once(NEVER))
        .filter_map(move |c| {
            let end = if c == NEVER { k } else { before(c).min(k) };
            (end > j).then(|| {
                let piece = (j, end, egress.phase(start_of(j)));
                j = end;
                piece
            })
        })
}

pub(crate) fn intersect(ranges: &Ranges, lo: u64, hi: u64) -> Ranges {
    let mut out = Ranges::default();
    for (a, b) in clipped(ranges, lo, hi) {
        out.push(a, b);
    }
    out
}

/// The non-empty parts of `ranges` inside `[lo, hi)`, as [`intersect`]
/// gives them, without building a [`Ranges`]: a random scanner's probes
/// reach the sensors one address at a time.
fn clipped(ranges: &Ranges, lo: u64, hi: u64) -> impl Iterator<Item = (u64, u64)> + '_ {
    ranges.iter().filter_map(move |(a, b)| {
        let (a, b) = (a.max(lo), b.min(hi));
        (a < b).then_some((a, b))
    })
}

/// The ranges whose random-target probes `sensors` want one by one
/// ([`Observer::watched`]): telescopes' and edges' prefixes, distributed
/// sensors' points. Under an ISP filter of 135/tcp going out (in
/// `filters`), an edge inside a /16 watches the whole /16: once the filter
/// is on, a scanner inside reaches the edge's outside only there, so the
/// probes left unwatched all leave the /16 and are dropped.
pub fn watched(sensors: &[Sensor], filters: &DefensePlan) -> Vec<Watched> {
    let isp_out = filters
        .isp_filter()
        .is_some_and(|f| f.blocks_out.contains(Service::Rpc135Tcp));
    let mut out = Vec::new();
    for s in sensors {
        match s.kind {
            SensorKind::Distributed => out.extend(s.points.iter().map(|&p| Watched {
                lo: u64::from(p),
                hi: u64::from(p) + 1,
            })),
            SensorKind::Telescope => {
                let (lo, hi) = s.range();
                out.push(Watched { lo, hi });
            }
            // Probes into the edge's inside, one by one; its inside
            // scanners' probes out come as plain runs where no other
            // range is watched.
            SensorKind::Edge => {
                let (lo, hi) = s.range();
                out.push(Watched { lo, hi });
                if isp_out && hi - lo < 1 << 16 {
                    let block = lo >> 16 << 16;
                    out.push(Watched {
                        lo: block,
                        hi: block + (1 << 16),
                    });
                }
            }
        }
    }
    out
}

/// Where `sensor` sees probes of a scanner whose public address is `src`
/// and whose probes are on the internet in `online`: destination ranges,
/// and whether probes there are incoming (towards the monitored space).
pub(crate) fn visible(sensor: &Sensor, src: u32, online: &Ranges) -> (Ranges, bool) {
    match sensor.kind {
        SensorKind::Telescope => {
            let (lo, hi) = sensor.range();
            (intersect(online, lo, hi), true)
        }
        SensorKind::Distributed => (*online, true),
        SensorKind::Edge => {
            let (lo, hi) = sensor.range();
            if sensor.prefix.is_some_and(|p| p.contains(src)) {
                let mut out = intersect(online, 0, lo);
                for (a, b) in intersect(online, hi, SPACE_END).iter() {
                    out.push(a, b);
                }
                (out, false)
            } else {
                (intersect(online, lo, hi), true)
            }
        }
    }
}

/// What one sensor counted, per time step (steps of the sensor's own
/// reporting time: probe time plus its delay).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Probes seen, per step.
    pub probes: Vec<u64>,
    /// Of those, probes towards the monitored space (all but an edge's
    /// outgoing ones).
    pub incoming: Vec<u64>,
    /// Each source address seen: the reporting time it was first seen.
    pub first_seen: HashMap<u32, u64>,
    /// Each host behind those addresses: the reporting time it was first
    /// seen. Under `[world.churn]` a host shows itself from a new address
    /// in each session, and hosts behind NAT share their gateway's.
    pub hosts_first_seen: HashMap<HostId, u64>,
}

/// Who sent a probe: the host, and the source address sensors see.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Source {
    host: HostId,
    addr: u32,
}

/// A scanner, its source, its reach, the stretch of its reach, and per
/// sensor the destination ranges where it sees that scanner's probes then
/// (and whether incoming).
struct ScannerViews {
    scanner: HostId,
    src: Source,
    egress: Egress,
    phase: Stretch,
    views: Vec<(Ranges, bool)>,
}

/// Every sensor of a run, as one [`Observer`].
pub struct SensorSet<'w> {
    world: &'w World,
    pub sensors: Vec<Sensor>,
    step: u64,
    end: u64,
    pub counts: Vec<Counts>,
    /// Per sensor, the last source added and its first-seen time then
    /// (the later of its address's and its host's).
    last_seen: Vec<Option<(Source, u64)>>,
    /// Candidates' own addresses told by [`Observer::address`] (empty
    /// until one is; 0: the world's).
    session: Vec<u32>,
    /// The last scanner of [`SensorSet::add_block`], its source and views.
    last_views: Option<ScannerViews>,
    /// The run's network filters (none until [`Observer::defenses`]).
    filters: DefensePlan,
    /// Per sensor, where its points begin in each /16 (distributed sensors;
    /// empty for the others).
    point_index: Vec<PointIndex>,
}

/// Where each /16's points begin in a distributed sensor's sorted list, so
/// that ranking an address is one read here and a search among the few
/// points of its /16, not a binary search over them all (every span and
/// batch of every scanner asks, and the list is far out of cache).
struct PointIndex {
    /// `first[p]`: the rank of the first point at or above `p << 16`;
    /// 65,537 entries (the last: all points).
    first: Vec<u32>,
}

impl PointIndex {
    fn new(points: &[u32]) -> PointIndex {
        if points.is_empty() {
            return PointIndex { first: Vec::new() };
        }
        let mut first = Vec::with_capacity((1 << 16) + 1);
        let mut r = 0usize;
        for p in 0..=(1u64 << 16) {
            while r < points.len() && u64::from(points[r]) < p << 16 {
                r += 1;
            }
            first.push(r as u32);
        }
        PointIndex { first }
    }

    /// The number of `points` (the list this was built from) below `pos`.
    fn rank(&self, points: &[u32], pos: u64) -> usize {
        if pos >= SPACE_END {
            return points.len();
        }
        if self.first.is_empty() {
            return 0; // no points
        }
        let p = (pos >> 16) as usize;
        let (a, z) = (self.first[p] as usize, self.first[p + 1] as usize);
        a + points[a..z].partition_point(|&x| u64::from(x) < pos)
    }

    /// The number of `points` in `[lo, hi)`.
    fn count(&self, points: &[u32], lo: u64, hi: u64) -> u64 {
        (self.rank(points, hi) - self.rank(points, lo)) as u64
    }
}

impl<'w> SensorSet<'w> {
    /// Sensors that file probes into steps of `step` until `end`.
    pub fn new(world: &'w World, sensors: Vec<Sensor>, step: u64, end: u64) -> Self {
        let rows = end.div_ceil(step) as usize;
        let counts = sensors
            .iter()
            .map(|_| Counts {
                probes: vec![0; rows],
                incoming: vec![0; rows],
                first_seen: HashMap::new(),
                hosts_first_seen: HashMap::new(),
            })
            .collect();
        let point_index = sensors.iter().map(|s| PointIndex::new(&s.points)).collect();
        SensorSet {
            world,
            point_index,
            session: Vec::new(),
            last_seen: vec![None; sensors.len()],
            last_views: None,
            filters: DefensePlan::none(),
            sensors,
            step,
            end,
            counts,
        }
    }

    /// The scenario's sensors placed in `world`, stepping like the run.
    pub fn for_scenario(scenario: &BlasterScenario, world: &'w World) -> Self {
        SensorSet::new(
            world,
            place(scenario, world),
            scenario.step.as_micros(),
            scenario.duration.as_micros(),
        )
    }

    /// Adds `n` probes of `src` sent at `t` to sensor `i`.
    fn add(&mut self, i: usize, src: Source, t: u64, n: u64, incoming: bool) {
        let at = t + self.sensors[i].delay;
        if n == 0 || at >= self.end {
            return;
        }
        let row = (at / self.step) as usize;
        let c = &mut self.counts[i];
        c.probes[row] += n;
        if incoming {
            c.incoming[row] += n;
        }
        // Probes come in runs from one source: skip the lookup when this
        // source is known to have been seen no later.
        if matches!(self.last_seen[i], Some((s, f)) if s == src && f <= at) {
            return;
        }
        let f = *c
            .first_seen
            .entry(src.addr)
            .and_modify(|f| *f = (*f).min(at))
            .or_insert(at);
        let h = *c
            .hosts_first_seen
            // A mobile machine is one host at either of its identities.
            .entry(self.world.machine(src.host))
            .and_modify(|f| *f = (*f).min(at))
            .or_insert(at);
        self.last_seen[i] = Some((src, f.max(h)));
    }

    /// Probes into `[lo, hi)` (inside one span, non-empty) for sensor `i`,
    /// split by the step each batch starts in.
    fn add_span_range(
        &mut self,
        i: usize,
        src: Source,
        span: &Span<'_>,
        lo: u64,
        hi: u64,
        inc: bool,
    ) {
        let b = u64::from(span.batch_size);
        let delay = self.sensors[i].delay;
        let last = span.batch_of(hi - 1);
        let mut j = span.batch_of(lo);
        while j <= last {
            let t = span.batch_start(j);
            let at = t + delay;
            if at >= self.end {
                return;
            }
            // First time (probe clock) that falls into the next step.
            let boundary = (at / self.step + 1) * self.step - delay;
            let jb = span.batches_before(boundary).min(last + 1);
            let (a, z) = (lo.max(span.pos + j * b), hi.min(span.pos + jb * b));
            self.add(i, src, t, z - a, inc);
            j = jb;
        }
    }

    /// The probes of `span` to `[from, to)` (whole batches of it) whose
    /// destinations are on the internet in `online`, for every sensor.
    fn add_span_part(&mut self, src: Source, span: &Span<'_>, online: &Ranges, from: u64, to: u64) {
        for i in 0..self.sensors.len() {
            let (ranges, inc) = visible(&self.sensors[i], src.addr, online);
            for (lo, hi) in intersect(&ranges, from, to).iter() {
                if self.sensors[i].kind == SensorKind::Distributed {
                    let (a, z) = {
                        let (pts, index) = (&self.sensors[i].points, &self.point_index[i]);
                        (index.rank(pts, lo), index.rank(pts, hi))
                    };
                    // Points rise, so their batches' times do: add them
                    // a step's run at a time.
                    let (step, delay) = (self.step, self.sensors[i].delay);
                    let mut run: Option<(u64, u64, u64)> = None; // (step, first t, n)
                    let mut last_batch = None;
                    let mut t = 0;
                    for k in a..z {
                        let j = span.batch_of(u64::from(self.sensors[i].points[k]));
                        if last_batch != Some(j) {
                            t = span.batch_start(j);
                            last_batch = Some(j);
                        }
                        if t + delay >= self.end {
                            // Reported after the run ends; so are all the
                            // later points (their batches start later).
                            break;
                        }
                        let row = (t + delay) / step;
                        match run {
                            Some((r, _, ref mut n)) if r == row => *n += 1,
                            _ => {
                                if let Some((_, t0, n)) = run {
                                    self.add(i, src, t0, n, inc);
                                }
                                run = Some((row, t, 1));
                            }
                        }
                    }
                    if let Some((_, t0, n)) = run {
                        self.add(i, src, t0, n, inc);
                    }
                } else {
                    self.add_span_range(i, src, span, lo, hi, inc);
                }
            }
        }
    }

    fn src_of(&self, scanner: HostId) -> Source {
        let addr = match self.session.get(scanner as usize) {
            Some(&a) if a != 0 => a,
            _ => self.world.public_addr(self.world.host(scanner)),
        };
        Source {
            host: scanner,
            addr,
        }
    }

    fn egress_of(&self, scanner: HostId, src: Source) -> Egress {
        Egress::of(self.world, &self.filters, scanner, src.addr)
    }

    /// Where each sensor sees probes of `src` in stretch `phase` of its
    /// reach `egress`.
    fn views(&self, src: Source, egress: &Egress, phase: Stretch) -> Vec<(Ranges, bool)> {
        let online = egress.ranges(phase);
        self.sensors
            .iter()
            .map(|x| visible(x, src.addr, &online))
            .collect()
    }

    /// Probes `[lo, hi)` all sent at `t` (part of one explicit batch), for
    /// the sensors `seen_by` names (by index).
    fn add_block(
        &mut self,
        scanner: HostId,
        lo: u64,
        hi: u64,
        t: u64,
        seen_by: impl Fn(usize) -> bool,
    ) {
        // Batches and probes come in runs from one scanner: keep what it
        // sees from the last call.
        let last = match self.last_views.take() {
            Some(v) if v.scanner == scanner => v,
            _ => {
                let src = self.src_of(scanner);
                let egress = self.egress_of(scanner, src);
                let phase = egress.phase(t);
                ScannerViews {
                    scanner,
                    src,
                    egress,
                    phase,
                    views: self.views(src, &egress, phase),
                }
            }
        };
        let last = match last.egress.phase(t) {
            p if p == last.phase => last,
            phase => ScannerViews {
                phase,
                views: self.views(last.src, &last.egress, phase),
                ..last
            },
        };
        let src = last.src;
        for (i, (ranges, inc)) in last.views.iter().enumerate() {
            if !seen_by(i) {
                continue;
            }
            for (a, z) in clipped(ranges, lo, hi) {
                let n = match self.sensors[i].kind {
                    SensorKind::Distributed => {
                        self.point_index[i].count(&self.sensors[i].points, a, z)
                    }
                    _ => z - a,
                };
                self.add(i, src, t, n, *inc);
            }
        }
        self.last_views = Some(last);
    }
}

impl Observer for SensorSet<'_> {
    fn address(&mut self, host: HostId, addr: u32, _t: u64) {
        // A host behind NAT shows its gateway's address whatever its own.
        let h = self.world.host(host);
        if self.world.public_addr(h) != h.addr {
            return;
        }
        if self.session.is_empty() {
            self.session = vec![0; self.world.n_candidates as usize];
        }
        if let Some(s) = self.session.get_mut(host as usize) {
            *s = addr;
        }
        if self.last_views.as_ref().is_some_and(|v| v.scanner == host) {
            self.last_views = None;
        }
    }

    fn defenses(&mut self, plan: &DefensePlan) {
        self.filters = plan.network_filters();
        self.last_views = None;
    }

    fn span(&mut self, scanner: HostId, span: &Span<'_>) {
        let src = self.src_of(scanner);
        let egress = self.egress_of(scanner, src);
        let b = u64::from(span.batch_size);
        let pieces = pieces(
            &egress,
            span.k,
            |t| span.batches_before(t),
            |j| span.batch_start(j),
        );
        for (ja, jb, phase) in pieces {
            let online = egress.ranges(phase);
            let (from, to) = (span.pos + ja * b, span.pos + jb * b);
            self.add_span_part(src, span, &online, from, to);
        }
    }

    fn batch(&mut self, scanner: HostId, pos: u32, n: u32, t: u64) {
        let lo = u64::from(pos);
        let hi = lo + u64::from(n);
        self.add_block(scanner, lo, hi.min(SPACE_END), t, |_| true);
        if hi > SPACE_END {
            self.add_block(scanner, 0, hi - SPACE_END, t, |_| true);
        }
    }

    fn probe(&mut self, scanner: HostId, addr: u32, t: u64) {
        let a = u64::from(addr);
        self.add_block(scanner, a, a + 1, t, |_| true);
    }

    fn dropped(&mut self, scanner: HostId, addr: u32, t: u64) {
        // Dropped past the scanner's edge: only an edge around the
        // scanner, and not around the destination, saw it (on its way out).
        let src = self.src_of(scanner).addr;
        let edges: Vec<bool> = self
            .sensors
            .iter()
            .map(|s| {
                s.kind == SensorKind::Edge
                    && s.prefix
                        .is_some_and(|p| p.contains(src) && !p.contains(addr))
            })
            .collect();
        if edges.contains(&true) {
            let a = u64::from(addr);
            self.add_block(scanner, a, a + 1, t, |i| edges[i]);
        }
    }

    fn plain(&mut self, scanner: HostId, run: &PlainRun) {
        // Plain probes go to no watched range (no telescope, no point, no
        // edge's inside, no /16 around a narrower edge under an ISP filter)
        // and leave their site: only an edge around the scanner sees them,
        // on their way out, until a filter closes its borders (they leave
        // its /16 too, see `watched`).
        let src = self.src_of(scanner);
        let egress = self.egress_of(scanner, src);
        if egress.closed_from(0) {
            return;
        }
        let open = match egress.plain_until() {
            NEVER => run.k,
            t => run.batches_before(t),
        };
        for i in 0..self.sensors.len() {
            let s = &self.sensors[i];
            if !(s.kind == SensorKind::Edge && s.prefix.is_some_and(|p| p.contains(src.addr))) {
                continue;
            }
            let delay = s.delay;
            let mut j = 0;
            while j < open {
                let t = run.batch_start(j);
                let at = t + delay;
                if at >= self.end {
                    break;
                }
                let boundary = (at / self.step + 1) * self.step - delay;
                let jb = run.batches_before(boundary).clamp(j + 1, open);
                self.add(i, src, t, (jb - j) * run.per_batch, false);
                j = jb;
            }
        }
    }

    fn watched(&self) -> Vec<Watched> {
        watched(&self.sensors, &self.filters)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The draws as they were first written: rounds of the missing
    /// count, the whole list sorted after each. Slow near a full space,
    /// and the reference the set's rounds must agree with.
    fn spread_by_sorting(scenario: &BlasterScenario, index: usize, n: u32) -> Vec<u32> {
        let space = &scenario.world.only_in;
        let total: u64 = space.iter().map(|p| p.size()).sum();
        let want = u64::from(n).min(total) as usize;
        let mut rng = rng::stream(scenario.seed, Purpose::Sensor, index as u64);
        let mut out: Vec<u32> = Vec::new();
        while out.len() < want {
            for _ in 0..want - out.len() {
                let mut k = rng.random_range(0..total);
                for p in space {
                    if k < p.size() {
                        out.push(p.base() + k as u32);
                        break;
                    }
                    k -= p.size();
                }
            }
            out.sort_unstable();
            out.dedup();
        }
        out
    }

    fn only_in(prefixes: &[&str], seed: u64) -> BlasterScenario {
        let mut s = wormscope_scenario::default_scenario();
        s.seed = seed;
        s.world.only_in = prefixes.iter().map(|p| p.parse().unwrap()).collect();
        s
    }

    #[test]
    fn spread_addresses_draw_what_sorting_rounds_drew() {
        for (prefixes, n) in [
            (&["61.4.0.0/16"][..], 100),
            (&["61.4.0.0/16"], 60_000),
            (&["61.4.0.0/20", "10.0.0.0/22"], 5_000),
            (&["10.0.0.0/22", "61.4.0.0/20"], 5_119),
            (&["192.0.2.0/24"], 255),
        ] {
            for seed in [1, 2] {
                let s = only_in(prefixes, seed);
                for index in [0, 3] {
                    let got = spread_addresses(&s, index, n);
                    assert_eq!(got, spread_by_sorting(&s, index, n), "{prefixes:?} {n}");
                    assert_eq!(got.len(), n as usize);
                }
            }
        }
    }

    #[test]
    fn spread_addresses_of_a_whole_space_are_every_address() {
        let s = only_in(&["61.4.0.0/16", "10.1.0.0/23"], 1);
        let mut every: Vec<u32> = (0x3D04_0000..0x3D05_0000).collect();
        every.extend(0x0A01_0000..0x0A01_0200);
        every.sort_unstable();
        assert_eq!(spread_addresses(&s, 0, 100_000), every);
        assert_eq!(spread_addresses(&s, 0, every.len() as u32), every);
        // One short of the whole: every address but one, each once.
        let most = spread_addresses(&s, 0, every.len() as u32 - 1);
        assert_eq!(most.len(), every.len() - 1);
        assert!(most.windows(2).all(|w| w[0] < w[1]));
        assert!(most.iter().all(|a| every.binary_search(a).is_ok()));
    }

    #[test]
    fn spread_addresses_count_nested_prefixes_once() {
        // The /24 lies inside the /16, which is listed twice: 65,536
        // addresses in all, so 100,000 wanted are every one of them.
        let nested = only_in(&["61.4.7.0/24", "61.4.0.0/16", "61.4.0.0/16"], 1);
        let whole = only_in(&["61.4.0.0/16"], 1);
        assert_eq!(
            spread_addresses(&nested, 0, 100_000),
            spread_addresses(&whole, 0, 100_000)
        );
        // Fewer than all: the same draws as the /16 alone.
        assert_eq!(
            spread_addresses(&nested, 2, 40_000),
            spread_addresses(&whole, 2, 40_000)
        );
    }

    fn rank(points: &[u32], pos: u64) -> usize {
        points.partition_point(|&p| u64::from(p) < pos)
    }

    fn egress(beyond_slash16: u64, beyond_site: u64) -> Egress {
        Egress {
            online: Ranges::one(0, SPACE_END),
            own_slash16: (0x0A00_0000, 0x0A01_0000),
            closing: EgressClosing {
                beyond_slash16,
                beyond_site,
            },
        }
    }

    /// A span's batches cut where the reach changes: batch j starts at
    /// 10 j, so the cuts fall at the first batch at or after each change.
    #[test]
    fn pieces_cut_a_span_where_its_scanners_reach_changes() {
        let cut = |e: &Egress, k: u64| {
            pieces(e, k, move |t| t.div_ceil(10).min(k), |j| 10 * j).collect::<Vec<_>>()
        };
        use Stretch::{Closed, Open, OwnSlash16};
        assert_eq!(cut(&egress(NEVER, NEVER), 7), vec![(0, 7, Open)]);
        assert_eq!(
            cut(&egress(25, NEVER), 7),
            vec![(0, 3, Open), (3, 7, OwnSlash16)]
        );
        assert_eq!(
            cut(&egress(NEVER, 25), 7),
            vec![(0, 3, Open), (3, 7, Closed)]
        );
        assert_eq!(
            cut(&egress(15, 41), 7),
            vec![(0, 2, Open), (2, 5, OwnSlash16), (5, 7, Closed)]
        );
        // The site's border first: the /16's closing changes nothing.
        assert_eq!(cut(&egress(41, 15), 7), vec![(0, 2, Open), (2, 7, Closed)]);
        assert_eq!(cut(&egress(30, 30), 7), vec![(0, 3, Open), (3, 7, Closed)]);
        // Before the span, after it.
        assert_eq!(cut(&egress(0, NEVER), 7), vec![(0, 7, OwnSlash16)]);
        assert_eq!(cut(&egress(70, NEVER), 7), vec![(0, 7, Open)]);
        let e = egress(15, 41);
        assert_eq!(
            e.ranges(OwnSlash16).iter().collect::<Vec<_>>(),
            vec![e.own_slash16]
        );
        assert!(e.ranges(Closed).is_empty() && e.closed_from(41) && !e.closed_from(40));
        assert_eq!(e.plain_until(), 15);
    }

    proptest! {
        /// Ranks through the /16 index against a search of the whole list,
        /// at random addresses and at the edges of /16s and of the space.
        #[test]
        fn the_point_index_ranks_like_a_search(
            mut points in prop::collection::vec(any::<u32>(), 0..300),
            clustered in prop::collection::vec(0u32..4096, 0..100),
            probes in prop::collection::vec(any::<u32>(), 1..50),
        ) {
            // Some points crowd into a few /16s, the rest anywhere.
            points.extend(clustered.iter().map(|&c| 0x0A0B_0000 + c * 37));
            points.sort_unstable();
            points.dedup();
            let index = PointIndex::new(&points);
            let mut at: Vec<u64> = probes.iter().map(|&p| u64::from(p)).collect();
            at.extend([0, 1, 0xFFFF, 0x1_0000, 0x0A0B_0000, 0x0A0C_0000, SPACE_END - 1, SPACE_END]);
            at.extend(points.iter().flat_map(|&p| [u64::from(p), u64::from(p) + 1]));
            for &pos in &at {
                prop_assert_eq!(index.rank(&points, pos), rank(&points, pos), "at {}", pos);
            }
            for w in at.windows(2) {
                let (lo, hi) = (w[0].min(w[1]), w[0].max(w[1]));
                prop_assert_eq!(
                    index.count(&points, lo, hi),
                    (rank(&points, hi) - rank(&points, lo)) as u64
                );
            }
        }
    }
}
