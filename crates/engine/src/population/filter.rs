//! Network filters of a random-scanning worm's own port: which probes
//! aimed at vulnerable hosts an ISP's or an enterprise's border drops;
//! and which network is a host's first hop, for what a source filter
//! lets out of a spoofed flood ([`first_hop_prefix_len`]).
//!
//! The rule is a Blaster scenario's ([`wormscope_model::defense`]): from
//! the filter's start, a share of the networks filter at their border; a
//! probe from network a to network b ≠ a is dropped if a filters and the
//! filter drops the worm's port going out, or b filters and it drops it
//! coming in. Traffic inside one network is not filtered.
//! - `[defenses.isp_filter]`: the networks are the /16 address blocks, a
//!   share `coverage_pct` of them filtering, drawn per block from the
//!   run's seed with Blaster's draw.
//! - `[defenses.border_filter]`: the networks are the enterprise networks
//!   of `[population.enterprises]` (the space tiled by `prefix_len`, each
//!   network an enterprise's by a draw from the scenario's seed, like the
//!   population's addresses); a share `coverage_pct` of the enterprises
//!   filter, drawn per network from the run's seed. Outside the
//!   enterprises nothing is filtered.
//!
//! Only probes aimed at vulnerable hosts are asked about (they are the
//! ones that can infect): the rest reach nothing that matters. Sensors
//! lose what a filter keeps inside a scanner's network, as a Blaster
//! scenario's do: the core asks [`NetworkFilter::closes`] from when, and
//! [`NetworkFilter::network_range`] where (see the core's doc).
//!
//! May not touch: the core's state; it is a rule over addresses and time.

use wormscope_model::defense::{Draw, unit_draw};
use wormscope_scenario::{FilterDefense, PopulationScenario};

/// Whether network `network` (an address shifted right by 32 -
/// `[population.enterprises] prefix_len`) is an enterprise's: a draw from
/// the scenario's seed, so part of the world, not of a run.
fn is_enterprise(s: &PopulationScenario, network: u32) -> bool {
    let e = &s.population.enterprises;
    unit_draw(s.seed, Draw::EnterpriseNetwork, u64::from(network)) < e.share_pct.as_fraction()
}

/// The prefix length of the first-hop network of a host at `addr`: its
/// enterprise network's, or 32 for a host alone on an open network (what
/// a source filter there lets out: `wormscope_model::defense::spoofs_passing`).
pub(super) fn first_hop_prefix_len(s: &PopulationScenario, addr: u32) -> u8 {
    let len = s.population.enterprises.prefix_len;
    let network = addr.checked_shr(32 - u32::from(len)).unwrap_or(0);
    if len < 32 && is_enterprise(s, network) {
        len
    } else {
        32
    }
}

/// Whether a spoofed flood needs the hosts' addresses to say what a
/// source filter lets out of it: a host inside an enterprise network may
/// spoof its network's addresses.
pub(super) fn spoofs_need_addresses(s: &PopulationScenario) -> bool {
    let e = &s.population.enterprises;
    s.payload.as_ref().is_some_and(|p| p.spoofed_sources)
        && e.prefix_len < 32
        && e.share_pct.as_fraction() > 0.0
}

/// One run's filter at one kind of network border.
#[derive(Clone, Debug)]
pub(super) struct NetworkFilter {
    /// When it switches on: ns of real time after the start.
    start_ns: u64,
    drops_out: bool,
    drops_in: bool,
    /// Each vulnerable host's network: its address shifted right by
    /// `shift`.
    network: Vec<u32>,
    shift: u32,
    /// Whether each vulnerable host's network filters.
    filtering: Vec<bool>,
}

impl NetworkFilter {
    /// The filters of run `seed` of `s` (ISP, then enterprise border), for
    /// vulnerable hosts at `addresses`; those that are off or drop nothing
    /// of the worm's are left out.
    pub(super) fn of(s: &PopulationScenario, seed: u64, addresses: &[u32]) -> Vec<NetworkFilter> {
        let d = &s.defenses;
        let isp = Self::switched_on(s, &d.isp_filter, addresses, 16, |block| {
            unit_draw(seed, Draw::IspBlock, block as u64) < d.isp_filter.coverage_pct.as_fraction()
        });
        let e = &s.population.enterprises;
        // The scenario's check keeps the length in 1..=32; a /0 (one
        // network, never filtered inside) is read as such all the same.
        let shift = 32 - u32::from(e.prefix_len);
        let border = Self::switched_on(s, &d.border_filter, addresses, shift, |network| {
            is_enterprise(s, network)
                && unit_draw(seed, Draw::BorderSite, network as u64)
                    < d.border_filter.coverage_pct.as_fraction()
        });
        isp.into_iter().chain(border).collect()
    }

    /// The filter `f` with networks of addresses alike but for their low
    /// `shift` bits, each filtering if `filters`; none if `f` is off or
    /// drops nothing of the worm's port.
    fn switched_on(
        s: &PopulationScenario,
        f: &FilterDefense,
        addresses: &[u32],
        shift: u32,
        filters: impl Fn(u32) -> bool,
    ) -> Option<NetworkFilter> {
        let network_of = |a: u32| a.checked_shr(shift).unwrap_or(0);
        let port = s.worm.delivery.port();
        let drops_in = f.blocks_in.iter().any(|r| r.matches(port));
        let drops_out = f.blocks_out.iter().any(|r| r.matches(port));
        if !f.enabled || !(drops_in || drops_out) {
            return None;
        }
        let network: Vec<u32> = addresses.iter().map(|&a| network_of(a)).collect();
        let filtering = network.iter().map(|&n| filters(n)).collect();
        let start_us = f.start.after_start(s.start).expect("a checked scenario");
        Some(NetworkFilter {
            start_ns: start_us.saturating_mul(1000),
            drops_out,
            drops_in,
            network,
            shift,
            filtering,
        })
    }

    /// Whether it drops the worm's port going out of a network.
    pub(super) fn drops_out(&self) -> bool {
        self.drops_out
    }

    /// When it switches on, ns of real time after the start.
    pub(super) fn start_ns(&self) -> u64 {
        self.start_ns
    }

    /// When the filter keeps `host`'s probes inside its network (ns of
    /// real time), if it ever does.
    pub(super) fn closes(&self, host: u32) -> Option<u64> {
        (self.drops_out && self.filtering[host as usize]).then_some(self.start_ns)
    }

    /// The addresses of `host`'s network, `[lo, hi)`, in a space of
    /// `space` addresses.
    pub(super) fn network_range(&self, host: u32, space: u64) -> (u64, u64) {
        let lo = u64::from(self.network[host as usize])
            .checked_shl(self.shift)
            .unwrap_or(0);
        let size = 1u64 << self.shift.min(32);
        (lo.min(space), (lo + size).min(space))
    }

    /// Whether vulnerable hosts `a` and `b` share a network.
    pub(super) fn same_network(&self, a: u32, b: u32) -> bool {
        self.network[a as usize] == self.network[b as usize]
    }

    /// Whether the scenario needs the hosts' addresses for its filters.
    pub(super) fn needed(s: &PopulationScenario) -> bool {
        s.defenses.isp_filter.enabled || s.defenses.border_filter.enabled
    }

    /// Whether a probe from vulnerable host `src` to vulnerable host `dst`
    /// at real time `real_ns` is dropped.
    pub(super) fn drops(&self, src: u32, dst: u32, real_ns: u64) -> bool {
        let (src, dst) = (src as usize, dst as usize);
        real_ns >= self.start_ns
            && self.network[src] != self.network[dst]
            && ((self.drops_out && self.filtering[src]) || (self.drops_in && self.filtering[dst]))
    }
}
