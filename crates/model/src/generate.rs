//! Generating a world from a scenario's `[world]` table.
//!
//! The space is walked /8 by /8 (each /8 on its own random stream, in
//! parallel), /16 by /16: a used /16 gets a network kind, is tiled into
//! networks of that kind's length (each firewalled or not), whose used /24s
//! get a binomial number of live addresses. A live address is a NAT gateway
//! with a small LAN behind it or a host with an OS drawn from the kind's mix.
//! The result depends only on the scenario and its seed, never on the
//! thread count.

use rand::RngExt;
use rand::seq::index;
use rand_distr::{Binomial, Distribution};
use rayon::prelude::*;
use std::collections::HashSet;

use wormscope_scenario::churn::NetworkHours;
use wormscope_scenario::{BlasterScenario, NetworkKind, Prefix, SensorKind};

use crate::host::{Host, HostId, NO_SITE, Os, SiteId};
use crate::iana;
use crate::rng::{self, Purpose};
use crate::service::{Firewall, ServiceSet};
use crate::site::{Site, SiteKind};
use crate::world::{World, WorldBuilder, WorldError};

/// Private prefixes home NAT routers put their LAN in. ASSUMPTION: the
/// common factory defaults of 2003-era home routers; which one a LAN uses
/// only matters to a worm behind it (its local start lands there).
const LAN_PREFIXES: [u32; 4] = [0xc0a8_0000, 0xc0a8_0100, 0xc0a8_0200, 0x0a00_0000];

/// First host address on a LAN (the router is .1). ASSUMPTION: DHCP pools
/// of home routers commonly started at .100.
const LAN_FIRST_HOST: u32 = 100;

/// The most live addresses a generated world may have on average: beyond
/// this the host arrays alone outgrow the memory of the machines wormscope
/// is built for (12 bytes a host, plus views).
pub const MAX_EXPECTED_HOSTS: f64 = 400e6;

/// The expected number of live addresses (NAT gateways counted once, LAN
/// hosts not) the scenario's world would have.
pub fn expected_live_addresses(s: &BlasterScenario) -> f64 {
    let w = &s.world;
    let per_used_slash16: f64 = w
        .networks
        .iter()
        .map(|k| {
            k.share_pct.as_fraction()
                * 256.0
                * k.slash24_used_pct.as_fraction()
                * k.hosts_per_used_slash24
        })
        .sum();
    let slash16s: f64 = if w.only_in.is_empty() {
        iana::allocated_slash8s(&w.allocated_by).len() as f64 * 256.0
    } else {
        w.only_in
            .iter()
            .map(|p| (p.size() as f64 / 65_536.0).max(1.0 / 256.0))
            .sum()
    };
    slash16s * w.used_slash16_pct.as_fraction() * per_used_slash16
}

/// Generates the scenario's world.
pub fn generate(s: &BlasterScenario) -> Result<World, WorldError> {
    let expected = expected_live_addresses(s);
    if expected > MAX_EXPECTED_HOSTS {
        return Err(WorldError::TooLarge {
            expected: expected as u64,
        });
    }
    let w = &s.world;
    let slash8s: Vec<u8> = if w.only_in.is_empty() {
        iana::allocated_slash8s(&w.allocated_by)
    } else {
        // Explicit prefixes may lie anywhere (small test worlds use private
        // space); they still need a whole number of /8s to walk.
        let mut v: Vec<u8> = (0..=255u8)
            .filter(|&a| {
                let p8 = Prefix::new(u32::from(a) << 24, 8).expect("aligned");
                w.only_in.iter().any(|p| overlaps(*p, p8))
            })
            .collect();
        v.dedup();
        v
    };
    let parts: Vec<Slash8> = slash8s.par_iter().map(|&a| generate_slash8(s, a)).collect();

    let n_hosts: usize = parts.iter().map(|p| p.hosts.len()).sum();
    let n_sites: usize = parts.iter().map(|p| p.sites.len()).sum();
    let mut builder = WorldBuilder::with_capacity(n_hosts, n_sites);
    for part in parts {
        let offset = builder_site_count(&builder);
        let first_host = builder.host_count();
        for site in part.sites {
            builder.add_site(site);
        }
        for (office, mut home) in part.homes {
            if home.site != NO_SITE {
                home.site += offset;
            }
            builder.add_home(first_host + office, home);
        }
        builder.extend_hosts(part.hosts.into_iter().map(|mut h| {
            if h.site != NO_SITE {
                h.site += offset;
            }
            h
        }));
    }
    builder.build()
}

fn builder_site_count(b: &WorldBuilder) -> SiteId {
    b.site_count() as SiteId
}

fn overlaps(a: Prefix, b: Prefix) -> bool {
    a.contains(b.base()) || b.contains(a.base())
}

/// One /8's hosts and sites (site ids local to the /8), and its mobile
/// machines' home identities (by the office's index in `hosts`).
struct Slash8 {
    hosts: Vec<Host>,
    sites: Vec<Site>,
    homes: Vec<(usize, Host)>,
}

fn generate_slash8(s: &BlasterScenario, a: u8) -> Slash8 {
    let w = &s.world;
    let mut rng = rng::stream(s.seed, Purpose::WorldSlash8, u64::from(a));
    let mut out = Slash8 {
        hosts: Vec::new(),
        sites: Vec::new(),
        homes: Vec::new(),
    };
    let kinds: Vec<(f64, &NetworkKind, Firewall, u8)> = {
        let mut acc = 0.0;
        w.networks
            .iter()
            .enumerate()
            .map(|(i, k)| {
                acc += k.share_pct.as_fraction();
                let fw = Firewall {
                    blocks_in: ServiceSet::from_rules(&k.firewall_blocks_in),
                    blocks_out: ServiceSet::from_rules(&k.firewall_blocks_out),
                };
                let index = u8::try_from(i).expect("validated: at most 256 kinds");
                (acc, k, fw, index)
            })
            .collect()
    };
    // Telescopes' prefixes stay dark. Other /8s are untouched: each /8
    // has its own random stream.
    let dark = dark_prefixes(s);
    let allowed = |addr: u32| {
        (w.only_in.is_empty() || w.only_in.iter().any(|p| p.contains(addr)))
            && !dark.iter().any(|p| p.contains(addr))
    };
    for b in 0..=255u32 {
        let base16 = (u32::from(a) << 24) | (b << 16);
        let p16 = Prefix::new(base16, 16).expect("aligned");
        if !w.only_in.is_empty() && !w.only_in.iter().any(|p| overlaps(*p, p16)) {
            continue;
        }
        if !rng.random_bool(w.used_slash16_pct.as_fraction()) {
            continue;
        }
        let pick: f64 = rng.random();
        let &(_, kind, firewall, network) = kinds
            .iter()
            .find(|(acc, _, _, _)| pick < *acc)
            .unwrap_or_else(|| kinds.last().expect("validated: at least one kind"));
        let net_len = u32::from(kind.prefix_len);
        let per_host = Binomial::new(254, (kind.hosts_per_used_slash24 / 254.0).min(1.0))
            .expect("validated: 0 < mean <= 254");
        for n in 0..(1u32 << (net_len - 16)) {
            let net_base = base16 | (n << (32 - net_len));
            let site = if rng.random_bool(kind.firewall_pct.as_fraction()) {
                out.sites.push(Site {
                    kind: SiteKind::Enterprise { firewall },
                    inside: Prefix::new(net_base, net_len as u8).expect("aligned"),
                });
                (out.sites.len() - 1) as SiteId
            } else {
                NO_SITE
            };
            for c in 0..(1u32 << (24 - net_len)) {
                let base24 = net_base | (c << 8);
                if !rng.random_bool(kind.slash24_used_pct.as_fraction()) {
                    continue;
                }
                let k = per_host.sample(&mut rng) as usize;
                let mut offsets = index::sample(&mut rng, 254, k).into_vec();
                offsets.sort_unstable();
                for d in offsets {
                    let addr = base24 | (d as u32 + 1);
                    let nat = rng.random_bool(kind.nat_pct.as_fraction());
                    if !allowed(addr) {
                        continue;
                    }
                    let first = out.hosts.len();
                    if nat && site == NO_SITE {
                        add_nat_lan(&mut rng, &mut out, kind, addr);
                    } else {
                        out.hosts.push(draw_host(&mut rng, kind, addr, site));
                    }
                    for h in &mut out.hosts[first..] {
                        h.network = network;
                    }
                }
            }
        }
    }
    place_homes(s, a, &mut out, &allowed);
    out
}

/// Mobile machines (issue 18): under `[world.churn]`, each candidate of an
/// office network in this /8 is, with the chance `mobile.share_pct`, a
/// laptop taken home some evenings. Its home is a /24 of this /8's
/// subscriber pools, drawn uniformly among those with live addresses, and
/// it is connected there like the pool's own hosts: behind a home router
/// with the pool's `nat_pct` where the pool has home routers (then
/// nothing outside reaches it, and it gets no home identity), otherwise at
/// a free address of the /24 (its *home identity*), inside the ISP's
/// filter if the pool has one. ASSUMPTION: its home is in the same /8 as
/// its office (the same region, so the evening is the same evening). An
/// office in a /8 without pools has no mobile machines. Draws come from
/// their own streams, so the rest of the world is the same with mobile
/// machines or without.
fn place_homes(s: &BlasterScenario, a: u8, out: &mut Slash8, allowed: &dyn Fn(u32) -> bool) {
    let churn = &s.world.churn;
    let share = churn.mobile.share_pct.as_fraction();
    if !churn.enabled || share <= 0.0 {
        return;
    }
    let hours = |h: &Host| {
        s.world
            .networks
            .get(usize::from(h.network))
            .map(|k| k.hours)
    };
    // Each pool /24 with a live public address: (its base, network kind,
    // the ISP filter's site or NO_SITE).
    let mut pools: Vec<(u32, u8, SiteId)> = Vec::new();
    let mut used = UsedInSlash8::new(a);
    for h in &out.hosts {
        let (public, site) = match out.sites.get(h.site as usize).map(|x| x.kind) {
            None => (h.addr, NO_SITE),
            Some(SiteKind::Nat { public_addr }) => (public_addr, NO_SITE),
            Some(SiteKind::Enterprise { .. }) => (h.addr, h.site),
        };
        used.insert(public);
        if hours(h) == Some(NetworkHours::Subscriber) {
            pools.push((public & !0xff, h.network, site));
        }
    }
    pools.sort_unstable();
    pools.dedup();
    if pools.is_empty() {
        return;
    }
    // A few tries at a free address; a full /24 leaves the host at work.
    const TRIES: usize = 16;
    for (i, h) in out.hosts.iter().enumerate() {
        if !h.is_candidate() || hours(h) != Some(NetworkHours::Office) {
            continue;
        }
        let index = (u64::from(a) << 32) | i as u64;
        let mut rng = rng::ShortStream::new(s.seed, Purpose::MobileHome, index);
        if !rng.random_bool(share) {
            continue;
        }
        let (pool, network, site) = pools[rng.random_range(0..pools.len())];
        // The generator puts home routers only where no filter is (see
        // `generate_slash8`).
        let nat = s.world.networks[usize::from(network)].nat_pct.as_fraction();
        if site == NO_SITE && rng.random_bool(nat) {
            continue;
        }
        let free = (0..TRIES)
            .map(|_| pool | rng.random_range(1..=254u32))
            .find(|&addr| !used.contains(addr) && allowed(addr));
        if let Some(addr) = free {
            used.insert(addr);
            let home = Host {
                addr,
                site,
                network,
                ..*h
            };
            out.homes.push((i, home));
        }
    }
}

/// The addresses taken in one /8, as a bit each (2 MiB, where a hash set
/// of its millions of hosts cost a tenth of a run's start); an address
/// outside the /8, which the generator never makes, in a set beside.
struct UsedInSlash8 {
    slash8: u8,
    bits: Vec<u64>,
    elsewhere: HashSet<u32>,
}

impl UsedInSlash8 {
    fn new(slash8: u8) -> UsedInSlash8 {
        UsedInSlash8 {
            slash8,
            bits: vec![0; (1 << 24) / 64],
            elsewhere: HashSet::new(),
        }
    }

    fn insert(&mut self, addr: u32) {
        if (addr >> 24) as u8 == self.slash8 {
            let i = (addr & 0x00ff_ffff) as usize;
            self.bits[i / 64] |= 1 << (i % 64);
        } else {
            self.elsewhere.insert(addr);
        }
    }

    fn contains(&self, addr: u32) -> bool {
        if (addr >> 24) as u8 == self.slash8 {
            let i = (addr & 0x00ff_ffff) as usize;
            self.bits[i / 64] >> (i % 64) & 1 == 1
        } else {
            self.elsewhere.contains(&addr)
        }
    }
}

/// The prefixes of the scenario's telescopes, which hold no host.
pub fn dark_prefixes(s: &BlasterScenario) -> Vec<Prefix> {
    s.sensors
        .iter()
        .filter(|x| x.kind == SensorKind::Telescope)
        .filter_map(|x| x.prefix)
        .collect()
}

fn add_nat_lan(rng: &mut impl rand::Rng, out: &mut Slash8, kind: &NetworkKind, public_addr: u32) {
    let lan = LAN_PREFIXES[rng.random_range(0..LAN_PREFIXES.len())];
    out.sites.push(Site {
        kind: SiteKind::Nat { public_addr },
        inside: Prefix::new(lan, 24).expect("aligned"),
    });
    let site = (out.sites.len() - 1) as SiteId;
    let [lo, hi] = kind.lan_hosts;
    let n = rng.random_range(lo..=hi);
    for i in 0..n {
        out.hosts
            .push(draw_host(rng, kind, lan | (LAN_FIRST_HOST + i), site));
    }
}

fn draw_host(rng: &mut impl rand::Rng, kind: &NetworkKind, addr: u32, site: SiteId) -> Host {
    let m = &kind.os;
    let pick = rng.random::<f64>() * 100.0;
    let mut acc = 0.0;
    let mut os = Os::Other;
    for (pct, candidate) in [
        (m.xp_pct, Os::Xp),
        (m.w2000_pct, Os::W2000),
        (m.nt4_pct, Os::Nt4),
        (m.w2003_pct, Os::W2003),
    ] {
        acc += pct.as_pct();
        if pick < acc {
            os = candidate;
            break;
        }
    }
    let (patched, rpc_open) = if os.is_nt_family() {
        (rng.random_bool(kind.patched_pct.as_fraction()), true)
    } else {
        (
            false,
            rng.random_bool(kind.other_rpc_open_pct.as_fraction()),
        )
    };
    Host {
        addr,
        site,
        os,
        patched,
        rpc_open,
        network: 0,
    }
}

/// The hosts infected at time zero: `n` distinct infectable hosts with a
/// public address (not behind NAT), drawn uniformly. Fewer if the world
/// has fewer.
pub fn patient_zeros(world: &World, seed: u64, n: u32) -> Vec<HostId> {
    let eligible: Vec<HostId> = world
        .machines()
        .iter()
        .enumerate()
        .filter(|(_, h)| h.os.is_infectable() && reachable_from_outside(world, h))
        .map(|(i, _)| i as HostId)
        .collect();
    let n = (n as usize).min(eligible.len());
    let mut rng = rng::stream(seed, Purpose::PatientZero, 0);
    let mut chosen: Vec<HostId> = index::sample(&mut rng, eligible.len(), n)
        .into_iter()
        .map(|i| eligible[i])
        .collect();
    chosen.sort_unstable();
    chosen
}

/// The hosts of a hit list of `n` entries, in the list's order: the
/// vulnerable hosts a worm's author finds by scanning from outside before
/// the release (the candidates of the public view: their RPC port answers
/// from the internet, with no NAT, host firewall or network filter in the
/// way), drawn uniformly among those that are not `patient_zeros`. Whether
/// each is online, or still vulnerable, when its entry comes is the run's
/// business. A list longer than there are such hosts names them all.
pub fn hit_list(world: &World, seed: u64, n: u64, patient_zeros: &[HostId]) -> Vec<HostId> {
    let seeded: HashSet<HostId> = patient_zeros.iter().copied().collect();
    let mut eligible: Vec<HostId> = world
        .public_view()
        .candidates()
        .map(|(_, h)| h)
        .filter(|h| !seeded.contains(h))
        .collect();
    eligible.sort_unstable();
    eligible.dedup();
    let n = usize::try_from(n).unwrap_or(usize::MAX).min(eligible.len());
    let mut rng = rng::stream(seed, Purpose::HitList, 0);
    index::sample(&mut rng, eligible.len(), n)
        .into_iter()
        .map(|i| eligible[i])
        .collect()
}

/// Whether `host` has an address of its own on the internet: outside any
/// site, or in an enterprise (whose addresses are public).
fn reachable_from_outside(world: &World, host: &Host) -> bool {
    host.site == NO_SITE
        || matches!(
            world.sites[host.site as usize].kind,
            SiteKind::Enterprise { .. }
        )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::Service;

    fn small(seed: u64) -> BlasterScenario {
        let mut s = wormscope_scenario::default_scenario();
        s.seed = seed;
        s.world.only_in = vec!["61.0.0.0/12".parse().unwrap()];
        s.world.used_slash16_pct = wormscope_scenario::Percent::new(100.0).unwrap();
        s
    }

    #[test]
    fn mobile_machines_get_a_home_in_a_pool_of_their_slash8() {
        let mut s = small(7);
        // Two /8s: the second's sites are numbered after the first's.
        s.world.only_in.push("24.0.0.0/13".parse().unwrap());
        let w = generate(&s).unwrap();
        let hours = |h: &Host| s.world.networks[usize::from(h.network)].hours;
        let homes = w.n_candidates - w.n_machines();
        assert!(homes > 0);
        for home in w.n_machines()..w.n_candidates {
            let office = w.office_of(home).unwrap();
            assert_eq!(w.home_of(office), Some(home));
            assert_eq!((w.machine(home), w.machine(office)), (office, office));
            let (h, o) = (w.host(home), w.host(office));
            assert_eq!(
                (hours(h), hours(o)),
                (NetworkHours::Subscriber, NetworkHours::Office)
            );
            assert_eq!((h.os, h.addr >> 24), (o.os, o.addr >> 24));
            // Directly connected, inside its ISP's filter if it has one.
            if h.site != NO_SITE {
                let site = &w.sites[h.site as usize];
                assert!(matches!(site.kind, SiteKind::Enterprise { .. }));
                assert!(site.inside.contains(h.addr));
            }
            // Found at its home address like any host there (through the
            // ISP's filter, when the service gets through).
            if h.site == NO_SITE {
                assert_eq!(
                    w.public_view().slot(h.addr),
                    crate::view::Slot::Candidate(home)
                );
            }
            // In a /24 where the pool has directly connected hosts.
            let neighbours = (0..w.hosts.len() as HostId)
                .filter(|&i| w.office_of(i).is_none())
                .map(|i| w.host(i))
                .filter(|x| w.public_addr(x) >> 8 == h.addr >> 8)
                .filter(|x| hours(x) == hours(h));
            assert!(neighbours.count() > 0);
        }
        // The share of office machines that are mobile is the scenario's,
        // less those behind a home router (the pools here are broadband:
        // 40 % unfiltered, 85 % of those behind home routers).
        let offices = w
            .machines()
            .iter()
            .filter(|h| hours(h) == NetworkHours::Office);
        let n = offices.count() as f64;
        let pools = &s.world.networks[0];
        assert_eq!(pools.hours, NetworkHours::Subscriber);
        let filtered = pools.firewall_pct.as_fraction();
        let reachable = filtered + (1.0 - filtered) * (1.0 - pools.nat_pct.as_fraction());
        let want = s.world.churn.mobile.share_pct.as_fraction() * reachable;
        let got = f64::from(homes) / n;
        assert!(
            (got - want).abs() < 4.0 * (want * (1.0 - want) / n).sqrt(),
            "{got} of {n}"
        );
        // Without churn there are none, and the rest of the world is the
        // same host for host.
        let mut still = s.clone();
        still.world.churn.enabled = false;
        let w0 = generate(&still).unwrap();
        assert!(!w0.has_homes());
        assert_eq!(w0.n_candidates, w.n_machines());
        assert_eq!(w0.machines(), w.machines());
        assert_eq!(
            &w0.hosts[w0.n_candidates as usize..],
            &w.hosts[w.n_candidates as usize..]
        );
    }

    #[test]
    fn generation_is_deterministic_and_seeded() {
        let a = generate(&small(3)).unwrap();
        let b = generate(&small(3)).unwrap();
        let c = generate(&small(4)).unwrap();
        assert_eq!(a.hosts, b.hosts);
        assert_eq!(a.public, b.public);
        assert_ne!(a.hosts, c.hosts);
    }

    #[test]
    fn hosts_stay_inside_only_in_and_views_are_consistent() {
        let w = generate(&small(5)).unwrap();
        let p: Prefix = "61.0.0.0/12".parse().unwrap();
        assert!(w.hosts.len() > 10_000, "{}", w.hosts.len());
        for h in &w.hosts {
            if h.site == NO_SITE {
                assert!(p.contains(h.addr));
            }
        }
        // Every public candidate is a candidate reachable on 135 from outside.
        let v = w.public_view();
        for (a, id) in v.candidates() {
            let h = w.host(id);
            assert_eq!(h.addr, a);
            assert!(h.is_candidate());
            assert!(crate::net::reachable_from_outside(
                &w.sites,
                h,
                Service::Rpc135Tcp
            ));
        }
        assert!(w.n_candidates > 0);
        assert!(w.candidates().iter().all(Host::is_candidate));
        assert!(
            w.hosts[w.n_candidates as usize..]
                .iter()
                .all(|h| !h.is_candidate())
        );
        // Some hosts sit behind NAT and some behind firewalls.
        assert!(
            w.sites
                .iter()
                .any(|s| matches!(s.kind, SiteKind::Nat { .. }))
        );
        assert!(
            w.sites
                .iter()
                .any(|s| matches!(s.kind, SiteKind::Enterprise { .. }))
        );
    }

    #[test]
    fn oversized_worlds_are_refused_before_any_allocation() {
        let mut s = small(1);
        s.world.only_in = vec!["0.0.0.0/0".parse().unwrap()];
        for k in &mut s.world.networks {
            k.hosts_per_used_slash24 = 254.0;
            k.slash24_used_pct = wormscope_scenario::Percent::new(100.0).unwrap();
        }
        assert!(matches!(generate(&s), Err(WorldError::TooLarge { .. })));
        // The default world is well inside the limit.
        let d = wormscope_scenario::default_scenario();
        let e = expected_live_addresses(&d);
        assert!(e > 10e6 && e < MAX_EXPECTED_HOSTS, "{e}");
    }

    #[test]
    fn patient_zeros_are_public_and_infectable() {
        let w = generate(&small(6)).unwrap();
        let p = patient_zeros(&w, 6, 30);
        assert_eq!(p.len(), 30);
        for &id in &p {
            let h = w.host(id);
            assert!(h.os.is_infectable() && !h.patched);
            assert_ne!(w.public_addr(h), 0);
        }
        assert_eq!(p, patient_zeros(&w, 6, 30));
    }

    #[test]
    fn a_hit_list_names_distinct_reachable_candidates_and_no_seed() {
        let w = generate(&small(6)).unwrap();
        let seeds = patient_zeros(&w, 6, 30);
        let list = hit_list(&w, 6, 500, &seeds);
        assert_eq!(list.len(), 500);
        let reachable: HashSet<HostId> = w.public_view().candidates().map(|(_, h)| h).collect();
        let distinct: HashSet<HostId> = list.iter().copied().collect();
        assert_eq!(distinct.len(), list.len(), "no host listed twice");
        assert!(list.iter().all(|h| reachable.contains(h)));
        assert!(list.iter().all(|h| !seeds.contains(h)));
        assert_eq!(list, hit_list(&w, 6, 500, &seeds), "the seed decides");
        assert_ne!(list, hit_list(&w, 7, 500, &seeds));
        // Drawn over all of them, not the lowest ids first.
        let mut ids = list.clone();
        ids.sort_unstable();
        assert!(ids[499] > ids[0] + 500 * 50, "{} .. {}", ids[0], ids[499]);
        // A list longer than the world names every reachable host once.
        let all = hit_list(&w, 6, u64::MAX, &seeds);
        let left = reachable.iter().filter(|h| !seeds.contains(h)).count();
        assert_eq!(all.len(), left);
    }

    #[test]
    fn telescope_prefixes_stay_dark_and_other_slash8s_do_not_move() {
        let mut s = small(7);
        s.world.only_in.push("62.0.0.0/13".parse().unwrap());
        s.sensors.clear();
        let lit = generate(&s).unwrap();
        let dark: Prefix = "62.0.0.0/8".parse().unwrap();
        s.sensors = wormscope_scenario::default_scenario().sensors;
        s.sensors[0].prefix = Some(dark);
        let carved = generate(&s).unwrap();
        // Public addresses (LAN hosts are private); site ids may shift.
        let p12: Prefix = "61.0.0.0/12".parse().unwrap();
        let public = |w: &World, p: Prefix| -> Vec<(u32, Os, bool, bool)> {
            let mut v: Vec<_> = w
                .hosts
                .iter()
                .filter(|h| p.contains(h.addr))
                .map(|h| (h.addr, h.os, h.patched, h.rpc_open))
                .collect();
            v.sort_unstable();
            v
        };
        assert!(!public(&lit, dark).is_empty(), "the test needs hosts there");
        assert!(public(&carved, dark).is_empty());
        let (o_sorted, b_sorted) = (public(&lit, p12), public(&carved, p12));
        assert!(!o_sorted.is_empty());
        assert_eq!(o_sorted, b_sorted);
    }
}
