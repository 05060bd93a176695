//! Defenses resolved for one run: which networks filter and which hosts
//! are protected, and from when. A [`DefensePlan`] is drawn once per run
//! from the scenario's `[defenses]` and the run's seed, then only read: it
//! is a pure function of time, so the exact engine and the reference
//! simulator see the same defenses at every moment.
//!
//! What lives here:
//! - network filters that switch on at a time: ISPs (per /16 address block)
//!   and enterprises (per firewalled network) dropping services at their
//!   border ([`DefensePlan::network_allows`]);
//! - per-host protections of the hosts vulnerable at the start: the patch
//!   (a time drawn from the uptake curve), DCOM disabled (both make the
//!   exploit fail) and the host firewall (drops every unsolicited
//!   connection).
//!
//! Defenses that react to what happens (users who notice a crash, removal
//! tools cleaning infected hosts, the flood's DNS record) are dynamic and
//! live in the engine; their draws come from [`unit_draw`] like these.
//!
//! Hosts that answer on 135/tcp but are not vulnerable (patched before the
//! start, or not Windows) are never given host protections: nothing they
//! do would change for the worm, and keeping them static keeps the engine's
//! skips exact.

use wormscope_scenario::{BlasterScenario, FilterDefense, Prefix};

use crate::host::{Host, HostId, NO_SITE, SiteId};
use crate::rng::mix;
use crate::service::{Service, ServiceSet};
use crate::site::SiteKind;
use crate::world::World;

/// A time that never comes.
pub const NEVER: u64 = u64::MAX;

/// What a run's defenses draw from: named like the [`crate::rng`] streams
/// so no two draws share key material.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u64)]
pub enum Draw {
    IspBlock = 101,
    BorderSite = 102,
    HostFirewall = 103,
    DcomDisabled = 104,
    Patch = 105,
    UserNotices = 106,
    Cleanup = 107,
    SpoofFilter = 108,
    /// Which networks of a random-scanning worm's space are enterprises'
    /// (drawn from the scenario's seed: part of the world, not of a run).
    EnterpriseNetwork = 109,
}

/// A uniform draw in [0, 1) named by (seed, what, index): the same
/// numbers whatever order they are asked in.
pub fn unit_draw(seed: u64, what: Draw, index: u64) -> f64 {
    let bits = mix(mix(seed, what as u64), index);
    (bits >> 11) as f64 / (1u64 << 53) as f64
}

/// Filters of one kind of network border that switch on at `start`.
#[derive(Clone, Debug, PartialEq)]
pub struct BorderFilter {
    pub start: u64,
    pub blocks_in: ServiceSet,
    pub blocks_out: ServiceSet,
}

impl BorderFilter {
    fn from_config(d: &FilterDefense, scenario: &BlasterScenario) -> Option<BorderFilter> {
        d.enabled.then(|| BorderFilter {
            start: d
                .start
                .after_start(scenario.start)
                .expect("validated scenario"),
            blocks_in: ServiceSet::from_rules(&d.blocks_in),
            blocks_out: ServiceSet::from_rules(&d.blocks_out),
        })
    }
    fn active(&self, t: u64) -> bool {
        t >= self.start
    }
}

/// When the network filters of a run close a host's own borders to a
/// service going out (times in µs, [`NEVER`] if they never do). Sensors
/// sit outside those borders, so this is what they lose of the host.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EgressClosing {
    /// From then on the host's ISP filters it: it reaches nothing beyond
    /// the /16 of its public address.
    pub beyond_slash16: u64,
    /// From then on its enterprise network's border filters it: it
    /// reaches nothing beyond its own site.
    pub beyond_site: u64,
}

impl EgressClosing {
    /// The first time anything closes.
    pub fn first(&self) -> u64 {
        self.beyond_slash16.min(self.beyond_site)
    }
}

/// The defenses of one run.
#[derive(Clone, Debug, Default)]
pub struct DefensePlan {
    /// ISP filtering: the filter and which /16s (bit per /16) apply it.
    pub isp: Option<(BorderFilter, Vec<u64>)>,
    /// Enterprise border filtering: the filter and the filtering networks'
    /// address ranges, sorted and disjoint.
    pub border: Option<(BorderFilter, Vec<Prefix>)>,
    border_sites: Vec<bool>,
    /// Per vulnerable host: when it can no longer be exploited (patched,
    /// DCOM disabled). Empty when no such defense is on.
    immune_at: Vec<u64>,
    /// Per vulnerable host: when its firewall goes up. Empty when off.
    firewall_at: Vec<u64>,
}

impl DefensePlan {
    /// No defenses at all.
    pub fn none() -> DefensePlan {
        DefensePlan::default()
    }

    /// Draws the scenario's defenses for the run with `seed`.
    pub fn draw(scenario: &BlasterScenario, world: &World, seed: u64) -> DefensePlan {
        let d = &scenario.defenses;
        let isp = BorderFilter::from_config(&d.isp_filter, scenario).map(|f| {
            let p = d.isp_filter.coverage_pct.as_fraction();
            let mut bits = vec![0u64; 65_536 / 64];
            for b in 0..65_536u64 {
                if unit_draw(seed, Draw::IspBlock, b) < p {
                    bits[(b / 64) as usize] |= 1 << (b % 64);
                }
            }
            (f, bits)
        });
        let mut border_sites = vec![false; world.sites.len()];
        let border = BorderFilter::from_config(&d.border_filter, scenario).map(|f| {
            let p = d.border_filter.coverage_pct.as_fraction();
            let mut ranges = Vec::new();
            for (i, site) in world.sites.iter().enumerate() {
                if matches!(site.kind, SiteKind::Enterprise { .. })
                    && unit_draw(seed, Draw::BorderSite, i as u64) < p
                {
                    border_sites[i] = true;
                    ranges.push(site.inside);
                }
            }
            ranges.sort_unstable();
            (f, ranges)
        });

        let n = world.n_candidates as u64;
        let mut firewall_at = host_defense_times(
            &d.host_firewall,
            Draw::HostFirewall,
            scenario.start,
            seed,
            n,
        );
        let dcom_at = host_defense_times(
            &d.dcom_disabled,
            Draw::DcomDisabled,
            scenario.start,
            seed,
            n,
        );
        let patch_at = patch_times(&d.patch, scenario.start, seed, n);
        let mut immune_at = match (dcom_at.is_empty(), patch_at.is_empty()) {
            (true, _) => patch_at,
            (false, true) => dcom_at,
            (false, false) => dcom_at
                .iter()
                .zip(&patch_at)
                .map(|(&a, &b)| a.min(b))
                .collect(),
        };
        // A mobile machine's home identity is the same machine: patched and
        // firewalled when its office identity is.
        for per_host in [&mut immune_at, &mut firewall_at] {
            if per_host.is_empty() {
                continue;
            }
            for home in world.n_machines()..world.n_candidates {
                per_host[home as usize] = per_host[world.machine(home) as usize];
            }
        }
        DefensePlan {
            isp,
            border,
            border_sites,
            immune_at,
            firewall_at,
        }
    }

    /// The times at which a network filter switches on, sorted: a scanner's
    /// view of the space changes then.
    pub fn filter_changes(&self) -> Vec<u64> {
        let mut v: Vec<u64> = [
            self.isp.as_ref().map(|(f, _)| f.start),
            self.border.as_ref().map(|(f, _)| f.start),
        ]
        .into_iter()
        .flatten()
        .collect();
        v.sort_unstable();
        v.dedup();
        v
    }

    /// Whether any network filter (ISP or enterprise border) is in the plan.
    pub fn has_network_filters(&self) -> bool {
        self.isp.is_some() || self.border.is_some()
    }

    /// Whether the ISP filter is on at `t`.
    pub fn isp_active(&self, t: u64) -> bool {
        self.isp.as_ref().is_some_and(|(f, _)| f.active(t))
    }

    /// Whether the /16 `block` (the address's top 16 bits) filters.
    pub fn isp_filters(&self, block: u32) -> bool {
        self.isp
            .as_ref()
            .is_some_and(|(_, bits)| bits[(block / 64) as usize] >> (block % 64) & 1 == 1)
    }

    /// Whether the ISP filter drops `service` from /16 `from_block` to /16
    /// `to_block` at `t` (traffic inside one /16 is never filtered).
    fn isp_drops(&self, from_block: u32, to_block: u32, service: Service, t: u64) -> bool {
        let Some((f, _)) = &self.isp else {
            return false;
        };
        f.active(t)
            && from_block != to_block
            && ((self.isp_filters(from_block) && f.blocks_out.contains(service))
                || (self.isp_filters(to_block) && f.blocks_in.contains(service)))
    }

    /// Whether an enterprise network's new border filter drops `service`
    /// from site `from` to site `to` at `t`.
    fn border_drops(&self, from: SiteId, to: SiteId, service: Service, t: u64) -> bool {
        let Some((f, _)) = &self.border else {
            return false;
        };
        let filters = |s: SiteId| s != NO_SITE && self.border_sites[s as usize];
        f.active(t)
            && from != to
            && ((filters(from) && f.blocks_out.contains(service))
                || (filters(to) && f.blocks_in.contains(service)))
    }

    /// When the network filters close the borders of a host at `site`,
    /// with public address `public`, to `service` going out (see
    /// [`EgressClosing`]). It is [`DefensePlan::network_allows`] for
    /// every destination outside the host's /16 and its site at once.
    pub fn egress_closing(&self, site: SiteId, public: u32, service: Service) -> EgressClosing {
        let closes = |f: &BorderFilter, filters: bool| {
            if filters && f.blocks_out.contains(service) {
                f.start
            } else {
                NEVER
            }
        };
        EgressClosing {
            beyond_slash16: self
                .isp
                .as_ref()
                .map_or(NEVER, |(f, _)| closes(f, self.isp_filters(public >> 16))),
            beyond_site: self
                .border
                .as_ref()
                .map_or(NEVER, |(f, _)| closes(f, self.border_filters_site(site))),
        }
    }

    /// The plan's network filters alone, without its per-host
    /// protections: what an observer keeps of it.
    pub fn network_filters(&self) -> DefensePlan {
        DefensePlan {
            isp: self.isp.clone(),
            border: self.border.clone(),
            border_sites: self.border_sites.clone(),
            immune_at: Vec::new(),
            firewall_at: Vec::new(),
        }
    }

    /// Whether the network filters let a connection from `from` to `to` on
    /// `service` through at `t`. `from_public`/`to_public` are the hosts'
    /// public addresses (a NAT gateway's for hosts behind one). Only the
    /// defenses are asked here; the static rule is [`crate::net`]'s.
    pub fn network_allows(
        &self,
        from: &Host,
        from_public: u32,
        to: &Host,
        to_public: u32,
        service: Service,
        t: u64,
    ) -> bool {
        if from.site != NO_SITE && from.site == to.site {
            return true;
        }
        !self.isp_drops(from_public >> 16, to_public >> 16, service, t)
            && !self.border_drops(from.site, to.site, service, t)
    }

    /// The enterprise border filter's ranges from `pos` on: whether `pos`
    /// lies in a filtering network's range, and where that status ends.
    pub fn border_range_at(&self, pos: u64) -> Option<(bool, u64)> {
        let (_, ranges) = self.border.as_ref()?;
        let i = ranges.partition_point(|p| u64::from(p.last()) < pos);
        Some(match ranges.get(i) {
            Some(p) if u64::from(p.base()) <= pos => (true, u64::from(p.last()) + 1),
            Some(p) => (false, u64::from(p.base())),
            None => (false, 1 << 32),
        })
    }

    /// Whether site `site` filters at its border (from the filter's start).
    pub fn border_filters_site(&self, site: SiteId) -> bool {
        site != NO_SITE
            && self
                .border_sites
                .get(site as usize)
                .copied()
                .unwrap_or(false)
    }

    /// The border filter, if any.
    pub fn border_filter(&self) -> Option<&BorderFilter> {
        self.border.as_ref().map(|(f, _)| f)
    }

    /// The ISP filter, if any.
    pub fn isp_filter(&self) -> Option<&BorderFilter> {
        self.isp.as_ref().map(|(f, _)| f)
    }

    /// When vulnerable host `h` stops being exploitable by a defense.
    pub fn immune_at(&self, h: HostId) -> u64 {
        self.immune_at.get(h as usize).copied().unwrap_or(NEVER)
    }

    /// When vulnerable host `h`'s own firewall goes up.
    pub fn firewall_at(&self, h: HostId) -> u64 {
        self.firewall_at.get(h as usize).copied().unwrap_or(NEVER)
    }
}

/// When each of `hosts` vulnerable hosts installs the patch, µs after the
/// scenario's `start` ([`NEVER`] if it does not), drawn per host from
/// (seed, host); empty when the defense is off. Shared by every worm's
/// engine, so a host's patch time does not depend on the worm.
pub fn patch_times(
    patch: &wormscope_scenario::PatchDefense,
    start: jiff::Timestamp,
    seed: u64,
    hosts: u64,
) -> Vec<u64> {
    if !patch.enabled {
        return Vec::new();
    }
    let from = patch.start.after_start(start).expect("validated scenario");
    (0..hosts)
        .map(|h| {
            patch_time(&patch.curve, unit_draw(seed, Draw::Patch, h))
                .map_or(NEVER, |after| from.saturating_add(after))
        })
        .collect()
}

/// When each of `hosts` vulnerable hosts is covered by a per-host defense
/// (its own firewall, DCOM off), µs after the scenario's `start`: the
/// defense's start for a share `coverage_pct` of them drawn from (seed,
/// `what`, host), [`NEVER`] for the rest; empty when the defense is off.
/// Shared by every worm's engine, like [`patch_times`].
pub fn host_defense_times(
    defense: &wormscope_scenario::HostDefense,
    what: Draw,
    start: jiff::Timestamp,
    seed: u64,
    hosts: u64,
) -> Vec<u64> {
    if !defense.enabled {
        return Vec::new();
    }
    let at = defense
        .start
        .after_start(start)
        .expect("validated scenario");
    let share = defense.coverage_pct.as_fraction();
    (0..hosts)
        .map(|h| {
            if unit_draw(seed, what, h) < share {
                at
            } else {
                NEVER
            }
        })
        .collect()
}

/// Of the 65,536 sources a spoofed flood packet may carry (the sender's
/// own A.B plus a random C.D, MODEL.md, The payload), how many get past a
/// first-hop filter that lets out only its network's own addresses (BCP
/// 38), for a sender whose network has prefix length `len`: a /16 or
/// wider passes them all, a host alone on an open network (32) only its
/// own address. Shared by every worm's engine.
pub fn spoofs_passing(len: u8) -> u64 {
    1u64 << (32 - u32::from(len.clamp(16, 32)))
}

/// When (after the patch defense's start) a host whose uniform draw is `u`
/// installs the patch: where the uptake curve first reaches `u`, or `None`
/// if it never does.
pub fn patch_time(
    curve: &[(wormscope_scenario::SimDuration, wormscope_scenario::Percent)],
    u: f64,
) -> Option<u64> {
    let share = |i: usize| curve[i].1.as_fraction();
    let time = |i: usize| curve[i].0.as_micros();
    if curve.is_empty() || u >= share(curve.len() - 1) {
        return None;
    }
    if u < share(0) {
        return Some(time(0));
    }
    let i = (1..curve.len()).find(|&i| share(i) > u)?;
    let (s0, s1, t0, t1) = (share(i - 1), share(i), time(i - 1), time(i));
    let frac = (u - s0) / (s1 - s0);
    Some(t0 + ((t1 - t0) as f64 * frac).round() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_first_hop_lets_out_the_spoofs_inside_its_own_network() {
        // A host alone: its address; a /22: its 1,024; a /16 or wider:
        // all 65,536 of the host's A.B.
        let passing: Vec<u64> = [32, 24, 22, 16, 8, 0].map(spoofs_passing).to_vec();
        assert_eq!(passing, [1, 256, 1024, 65_536, 65_536, 65_536]);
    }

    #[test]
    fn draws_are_uniform_and_named() {
        let n = 100_000;
        let mean: f64 = (0..n).map(|i| unit_draw(3, Draw::Patch, i)).sum::<f64>() / n as f64;
        assert!((mean - 0.5).abs() < 0.01, "{mean}");
        assert_ne!(
            unit_draw(3, Draw::Patch, 7),
            unit_draw(3, Draw::HostFirewall, 7)
        );
        assert_eq!(unit_draw(3, Draw::Patch, 7), unit_draw(3, Draw::Patch, 7));
    }

    #[test]
    fn patch_times_invert_the_uptake_curve() {
        let d = |s: &str| s.parse().unwrap();
        let p = |x: f64| wormscope_scenario::Percent::new(x).unwrap();
        let curve = [(d("0h"), p(10.0)), (d("10h"), p(60.0))];
        let hour = 3_600_000_000u64;
        assert_eq!(patch_time(&curve, 0.05), Some(0));
        assert_eq!(patch_time(&curve, 0.35), Some(5 * hour));
        assert_eq!(patch_time(&curve, 0.6), None);
        assert_eq!(patch_time(&curve, 0.99), None);
    }
}
