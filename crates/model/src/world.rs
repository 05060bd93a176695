//! The world: every live host, the sites they sit in, and the views that
//! scanners see. Immutable once built; the engine keeps dynamic state
//! beside it, indexed by [`HostId`].

use rayon::prelude::*;

use crate::host::{Host, HostId, NO_SITE, SiteId};
use crate::net;
use crate::service::Service;
use crate::site::{Site, SiteKind};
use crate::view::{Slot, View, ViewParts, ViewRef, ViewStore};

/// The simulated world.
#[derive(Debug)]
pub struct World {
    /// Every live host; candidates first (`0..n_candidates`).
    pub hosts: Vec<Host>,
    pub n_candidates: u32,
    pub sites: Vec<Site>,
    /// What a host on the public internet with no filter sees.
    pub public: View,
    site_views: ViewStore,
    /// The first home identity (see [`World::office_of`]); `n_candidates`
    /// when there is none.
    first_home: HostId,
    /// `offices[i]`: the office identity of home identity `first_home + i`,
    /// ascending.
    offices: Vec<HostId>,
}

impl World {
    /// The public view.
    pub fn public_view(&self) -> ViewRef<'_> {
        self.public.as_ref()
    }
    /// What a host inside `site` sees of the site's own addresses.
    pub fn site_view(&self, site: SiteId) -> ViewRef<'_> {
        self.site_views.get(site as usize)
    }
    pub fn host(&self, id: HostId) -> &Host {
        &self.hosts[id as usize]
    }
    pub fn candidates(&self) -> &[Host] {
        &self.hosts[..self.n_candidates as usize]
    }
    /// The candidates that are machines of their own: all but the home
    /// identities of mobile machines (ids `0..n_machines()`).
    pub fn machines(&self) -> &[Host] {
        &self.hosts[..self.first_home as usize]
    }
    pub fn n_machines(&self) -> u32 {
        self.first_home
    }
    /// Whether the world has mobile machines (home identities).
    pub fn has_homes(&self) -> bool {
        !self.offices.is_empty()
    }
    /// A mobile machine is two candidates: its *office* identity, inside
    /// its enterprise, and its *home* identity, at an address of a home
    /// pool where it spends some evenings (`[world.churn.mobile]`). One
    /// machine is online as at most one of them at a time, and the engine
    /// moves its state between them. For a home identity: its office
    /// identity.
    pub fn office_of(&self, host: HostId) -> Option<HostId> {
        let i = host.checked_sub(self.first_home)?;
        self.offices.get(i as usize).copied()
    }
    /// For an office identity of a mobile machine: its home identity.
    pub fn home_of(&self, host: HostId) -> Option<HostId> {
        let i = self.offices.binary_search(&host).ok()?;
        Some(self.first_home + i as HostId)
    }
    /// The other identity of a mobile machine, if `host` is one.
    pub fn partner(&self, host: HostId) -> Option<HostId> {
        self.office_of(host).or_else(|| self.home_of(host))
    }
    /// The machine a candidate is: its office identity for a home
    /// identity, itself otherwise. Per-machine draws (patch time, own
    /// firewall, its user) key on this.
    pub fn machine(&self, host: HostId) -> HostId {
        self.office_of(host).unwrap_or(host)
    }
    /// Number of live public addresses (hosts with a public address and NAT
    /// gateways).
    pub fn public_live(&self) -> u64 {
        self.public.len() as u64
    }
    /// A host's address as seen from the public internet: its own address,
    /// or its NAT gateway's.
    pub fn public_addr(&self, host: &Host) -> u32 {
        if host.site == NO_SITE {
            return host.addr;
        }
        match self.sites[host.site as usize].kind {
            SiteKind::Nat { public_addr } => public_addr,
            SiteKind::Enterprise { .. } => host.addr,
        }
    }
}

/// Why a world could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WorldError {
    #[error(
        "the scenario's world would hold about {expected} live addresses, more than this build handles (400 million): lower world.used_slash16_pct, the networks' densities, or restrict world.only_in"
    )]
    TooLarge { expected: u64 },
    #[error("two live hosts share the address {0} in one view")]
    DuplicateAddress(String),
    #[error("host {addr} names site {site}, which does not exist")]
    NoSuchSite { addr: String, site: SiteId },
    #[error("host {addr} of site {site} lies outside the site's prefix {inside}")]
    OutsideSite {
        addr: String,
        site: SiteId,
        inside: String,
    },
    #[error(
        "the home identity {addr} must be a candidate with a public address (in no site, or inside a firewalled network), of a candidate office identity"
    )]
    BadHome { addr: String },
}

/// Builds a world from hosts and sites: orders the hosts candidates first
/// and computes every view with [`net`]'s reachability rule.
#[derive(Debug, Default)]
pub struct WorldBuilder {
    hosts: Vec<Host>,
    sites: Vec<Site>,
    /// Home identities: (index of the office identity in `hosts`, home).
    homes: Vec<(usize, Host)>,
}

impl WorldBuilder {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn with_capacity(hosts: usize, sites: usize) -> Self {
        WorldBuilder {
            hosts: Vec::with_capacity(hosts),
            sites: Vec::with_capacity(sites),
            homes: Vec::new(),
        }
    }

    pub fn add_site(&mut self, site: Site) -> SiteId {
        self.sites.push(site);
        (self.sites.len() - 1) as SiteId
    }

    pub fn site_count(&self) -> usize {
        self.sites.len()
    }

    pub fn add_host(&mut self, host: Host) {
        self.hosts.push(host);
    }

    pub fn extend_hosts(&mut self, hosts: impl IntoIterator<Item = Host>) {
        self.hosts.extend(hosts);
    }

    pub fn host_count(&self) -> usize {
        self.hosts.len()
    }

    /// Gives the host added as number `office` (counting from 0) a home
    /// identity `home` (see [`World::office_of`]): a candidate with a
    /// public address of its own (in no site, or inside a firewalled
    /// network). Homes get the candidate ids after the
    /// other candidates', in the order they are added, which must follow
    /// the order of their offices.
    pub fn add_home(&mut self, office: usize, home: Host) {
        self.homes.push((office, home));
    }

    pub fn build(self) -> Result<World, WorldError> {
        let WorldBuilder {
            hosts,
            sites,
            homes,
        } = self;
        for &(office, home) in &homes {
            let office_ok = hosts.get(office).is_some_and(Host::is_candidate);
            let public = home.site == NO_SITE
                || sites.get(home.site as usize).is_some_and(|site| {
                    matches!(site.kind, SiteKind::Enterprise { .. })
                        && site.inside.contains(home.addr)
                });
            if !office_ok || !public || !home.is_candidate() {
                return Err(WorldError::BadHome {
                    addr: crate::addr::fmt(home.addr),
                });
            }
        }
        // The offices' ids once candidates come first (order kept).
        let mut offices = Vec::with_capacity(homes.len());
        if !homes.is_empty() {
            let mut next = homes.iter().map(|&(i, _)| i).peekable();
            let mut id: HostId = 0;
            for (i, h) in hosts.iter().enumerate() {
                if next.peek() == Some(&i) {
                    next.next();
                    offices.push(id);
                }
                id += HostId::from(h.is_candidate());
            }
            if offices.len() != homes.len() || offices.windows(2).any(|w| w[0] >= w[1]) {
                let (_, home) = homes[offices.len().min(homes.len() - 1)];
                return Err(WorldError::BadHome {
                    addr: crate::addr::fmt(home.addr),
                });
            }
        }
        for h in &hosts {
            if h.site != NO_SITE {
                let Some(site) = sites.get(h.site as usize) else {
                    return Err(WorldError::NoSuchSite {
                        addr: crate::addr::fmt(h.addr),
                        site: h.site,
                    });
                };
                if !site.inside.contains(h.addr) {
                    return Err(WorldError::OutsideSite {
                        addr: crate::addr::fmt(h.addr),
                        site: h.site,
                        inside: site.inside.to_string(),
                    });
                }
            }
        }
        // Candidates first, each part keeping the given order.
        let (mut ordered, statics): (Vec<Host>, Vec<Host>) =
            hosts.into_par_iter().partition(|h| h.is_candidate());
        let first_home = ordered.len() as HostId;
        ordered.extend(homes.iter().map(|&(_, home)| home));
        let n_candidates = ordered.len() as u32;
        ordered.extend(statics);

        let mut world = World {
            hosts: ordered,
            n_candidates,
            sites,
            public: View::default(),
            site_views: ViewStore::default(),
            first_home,
            offices,
        };
        world.public = public_view(&world)?;
        world.public.build_index();
        world.site_views = site_views(&world)?;
        Ok(world)
    }
}

/// How a host looks to a prober for which 135/tcp and 4444/tcp get
/// through or not.
fn classify(id: HostId, h: &Host, rpc_reachable: bool, shell_reachable: bool) -> Slot {
    if !(h.rpc_open && rpc_reachable) {
        Slot::Silent
    } else if h.is_candidate() {
        Slot::Candidate(id)
    } else {
        Slot::Answerer {
            slow: !shell_reachable,
        }
    }
}

fn doubled(addr: u32) -> WorldError {
    WorldError::DuplicateAddress(crate::addr::fmt(addr))
}

fn public_view(world: &World) -> Result<View, WorldError> {
    let mut v = ViewParts::default();
    for (id, h) in world.hosts.iter().enumerate() {
        let public = h.site == NO_SITE
            || matches!(
                world.sites[h.site as usize].kind,
                SiteKind::Enterprise { .. }
            );
        if public {
            let slot = classify(
                id as HostId,
                h,
                net::reachable_from_outside(&world.sites, h, Service::Rpc135Tcp),
                net::reachable_from_outside(&world.sites, h, Service::Shell4444Tcp),
            );
            v.push(h.addr, slot);
        }
    }
    for s in &world.sites {
        if let SiteKind::Nat { public_addr } = s.kind {
            v.silent.push(public_addr);
        }
    }
    View::build(v).map_err(doubled)
}

fn site_views(world: &World) -> Result<ViewStore, WorldError> {
    // Counting sort of host ids by site, keeping id order within a site.
    let n_sites = world.sites.len();
    let mut counts = vec![0u32; n_sites + 1];
    for h in &world.hosts {
        if h.site != NO_SITE {
            counts[h.site as usize + 1] += 1;
        }
    }
    for i in 0..n_sites {
        counts[i + 1] += counts[i];
    }
    let mut by_site = vec![0 as HostId; counts[n_sites] as usize];
    let mut next = counts.clone();
    for (id, h) in world.hosts.iter().enumerate() {
        if h.site != NO_SITE {
            by_site[next[h.site as usize] as usize] = id as HostId;
            next[h.site as usize] += 1;
        }
    }
    let parts: Vec<ViewParts> = (0..n_sites)
        .into_par_iter()
        .map(|s| {
            let mut v = ViewParts::default();
            for &id in &by_site[counts[s] as usize..counts[s + 1] as usize] {
                // Inside a site everything reaches everything.
                v.push(
                    world.host(id).addr,
                    classify(id, world.host(id), true, true),
                );
            }
            if let Some(gw) = world.sites[s].lan_gateway() {
                v.silent.push(gw);
            }
            v
        })
        .collect();
    ViewStore::from_parts(parts).map_err(doubled)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::Os;

    fn host(addr: u32, patched: bool) -> Host {
        Host {
            addr,
            site: NO_SITE,
            os: Os::Xp,
            patched,
            rpc_open: true,
            network: 0,
        }
    }

    #[test]
    fn home_identities_follow_the_candidates_and_name_their_office() {
        let mut b = WorldBuilder::new();
        b.add_host(host(0x0a00_0001, true)); // not a candidate
        b.add_host(host(0x0a00_0002, false));
        b.add_host(host(0x0a00_0003, false));
        b.add_home(2, host(0x0b00_0003, false));
        let w = b.build().unwrap();
        assert_eq!((w.n_machines(), w.n_candidates), (2, 3));
        assert_eq!(w.host(2).addr, 0x0b00_0003);
        assert_eq!(w.host(3).addr, 0x0a00_0001);
        assert_eq!(w.host(1).addr, 0x0a00_0003);
        assert_eq!((w.office_of(2), w.home_of(1)), (Some(1), Some(2)));
        assert_eq!(
            (w.partner(1), w.partner(2), w.partner(0)),
            (Some(2), Some(1), None)
        );
        assert_eq!((w.machine(2), w.machine(0)), (1, 0));
        assert_eq!(w.office_of(3), None);

        // A home must be a public candidate of a candidate.
        let bad = |office: usize, home: Host| {
            let mut b = WorldBuilder::new();
            b.add_host(host(0x0a00_0001, true));
            b.add_host(host(0x0a00_0002, false));
            b.add_home(office, home);
            b.build().unwrap_err()
        };
        let err = WorldError::BadHome {
            addr: "11.0.0.9".into(),
        };
        assert_eq!(bad(0, host(0x0b00_0009, false)), err);
        assert_eq!(bad(5, host(0x0b00_0009, false)), err);
        assert_eq!(bad(1, host(0x0b00_0009, true)), err);
    }
}
