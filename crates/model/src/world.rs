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
}

/// Builds a world from hosts and sites: orders the hosts candidates first
/// and computes every view with [`net`]'s reachability rule.
#[derive(Debug, Default)]
pub struct WorldBuilder {
    hosts: Vec<Host>,
    sites: Vec<Site>,
}

impl WorldBuilder {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn with_capacity(hosts: usize, sites: usize) -> Self {
        WorldBuilder {
            hosts: Vec::with_capacity(hosts),
            sites: Vec::with_capacity(sites),
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

    pub fn build(self) -> Result<World, WorldError> {
        let WorldBuilder { hosts, sites } = self;
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
        let n_candidates = ordered.len() as u32;
        ordered.extend(statics);

        let mut world = World {
            hosts: ordered,
            n_candidates,
            sites,
            public: View::default(),
            site_views: ViewStore::default(),
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
