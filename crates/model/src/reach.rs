//! Reachability at a moment of a run: the static rule of [`crate::net`],
//! then the run's defenses (network filters switched on by then, the
//! victim's own firewall). The engine and the reference both ask
//! [`Reach`], never the parts.

use crate::defense::DefensePlan;
use crate::host::{Host, HostId};
use crate::net::{can_connect, tftp_reachback};
use crate::service::Service;
use crate::world::World;

/// A run's reachability: its world and its drawn defenses.
#[derive(Clone, Copy)]
pub struct Reach<'a> {
    pub world: &'a World,
    pub plan: &'a DefensePlan,
}

impl Reach<'_> {
    /// Whether host `from` can open a connection to host `to` on `service`
    /// at `t`.
    pub fn connects(&self, from: HostId, to: HostId, service: Service, t: u64) -> bool {
        let w = self.world;
        let (f, v) = (w.host(from), w.host(to));
        can_connect(&w.sites, f, v, service)
            && self.defenses_allow(f, v, service, t)
            && self.plan.firewall_at(to) > t
    }

    /// Whether victim `victim` can fetch the worm body from the address
    /// attacker `attacker` names, at `t` (see [`tftp_reachback`]).
    pub fn tftp_reachback(&self, attacker: HostId, victim: HostId, t: u64) -> bool {
        let w = self.world;
        let (a, v) = (w.host(attacker), w.host(victim));
        tftp_reachback(&w.sites, a, v)
            && self.defenses_allow(v, a, Service::Tftp69Udp, t)
            && self.plan.firewall_at(attacker) > t
    }

    fn defenses_allow(&self, from: &Host, to: &Host, service: Service, t: u64) -> bool {
        if !self.plan.has_network_filters() {
            return true; // the common case: skip the address lookups
        }
        let w = self.world;
        self.plan
            .network_allows(from, w.public_addr(from), to, w.public_addr(to), service, t)
    }
}
