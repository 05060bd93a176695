//! Reachability: whether a connection from one host to another gets
//! through, given NAT and border firewalls. This is the one place where
//! that rule is written; the world's views and the engine both ask it.

use wormscope_scenario::{PortProto, PortRule};

use crate::defense::DefensePlan;
use crate::host::{Host, HostId, NO_SITE};
use crate::world::{SiteKind, World};

/// The services the worm and its defenders care about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Service {
    /// DCOM RPC, where the exploit goes (MODEL.md).
    Rpc135Tcp = 0,
    /// The exploit's shell (MODEL.md, Infection chain).
    Shell4444Tcp = 1,
    /// TFTP, the worm body's way in (MODEL.md, Infection chain).
    Tftp69Udp = 2,
}

impl Service {
    pub const ALL: [Service; 3] = [
        Service::Rpc135Tcp,
        Service::Shell4444Tcp,
        Service::Tftp69Udp,
    ];

    pub fn port(self) -> PortProto {
        match self {
            Service::Rpc135Tcp => PortProto::tcp(135),
            Service::Shell4444Tcp => PortProto::tcp(4444),
            Service::Tftp69Udp => PortProto::udp(69),
        }
    }
    fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

/// A set of services a filter drops.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct ServiceSet(u8);

impl ServiceSet {
    pub const NONE: ServiceSet = ServiceSet(0);

    /// The services a firewall's port list drops (ports the worm does not
    /// use are irrelevant to the simulation and ignored here).
    pub fn from_rules(rules: &[PortRule]) -> ServiceSet {
        let mut set = ServiceSet::NONE;
        for s in Service::ALL {
            if rules.iter().any(|r| r.matches(s.port())) {
                set.0 |= s.bit();
            }
        }
        set
    }
    pub fn contains(self, s: Service) -> bool {
        self.0 & s.bit() != 0
    }
    pub fn with(self, s: Service) -> ServiceSet {
        ServiceSet(self.0 | s.bit())
    }
}

/// A border firewall's policy.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Firewall {
    pub blocks_in: ServiceSet,
    pub blocks_out: ServiceSet,
}

/// Whether `from` can open a connection to `to` on `service`. Hosts on
/// one site reach each other directly; otherwise the traffic leaves
/// `from`'s site (its egress filter) and enters `to`'s (NAT admits no
/// unsolicited connection; a firewall its ingress filter).
pub fn can_connect(world: &World, from: &Host, to: &Host, service: Service) -> bool {
    if from.site != NO_SITE && from.site == to.site {
        return true;
    }
    egress_allows(world, from, service) && reachable_from_outside(world, to, service)
}

/// Whether a host on the public internet with no filter of its own could
/// connect to `to` on `service`.
pub fn reachable_from_outside(world: &World, to: &Host, service: Service) -> bool {
    if to.site == NO_SITE {
        return true;
    }
    match world.sites[to.site as usize].kind {
        SiteKind::Nat { .. } => false,
        SiteKind::Enterprise { firewall } => !firewall.blocks_in.contains(service),
    }
}

/// Whether `from`'s own site lets traffic for `service` out.
pub fn egress_allows(world: &World, from: &Host, service: Service) -> bool {
    if from.site == NO_SITE {
        return true;
    }
    match world.sites[from.site as usize].kind {
        SiteKind::Nat { .. } => true,
        SiteKind::Enterprise { firewall } => !firewall.blocks_out.contains(service),
    }
}

/// Whether a victim can fetch the worm body from the address its attacker
/// names in the `tftp -i <address> GET` command: the attacker's *own*
/// address (MODEL.md, Infection chain). Behind NAT that address is private
/// and only the attacker's LAN-mates can reach it (seed 000).
pub fn tftp_reachback(world: &World, attacker: &Host, victim: &Host) -> bool {
    if attacker.site != NO_SITE && attacker.site == victim.site {
        return true;
    }
    if attacker.site != NO_SITE
        && matches!(
            world.sites[attacker.site as usize].kind,
            SiteKind::Nat { .. }
        )
    {
        return false;
    }
    can_connect(world, victim, attacker, Service::Tftp69Udp)
}

/// Reachability at a moment of a run: the static rule above, then the
/// run's defenses (network filters switched on by then, the victim's own
/// firewall). The engine and the reference both ask this, never the parts.
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
        can_connect(w, f, v, service)
            && self.defenses_allow(f, v, service, t)
            && self.plan.firewall_at(to) > t
    }

    /// Whether victim `victim` can fetch the worm body from the address
    /// attacker `attacker` names, at `t` (see [`tftp_reachback`]).
    pub fn tftp_reachback(&self, attacker: HostId, victim: HostId, t: u64) -> bool {
        let w = self.world;
        let (a, v) = (w.host(attacker), w.host(victim));
        tftp_reachback(w, a, v)
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

#[cfg(test)]
mod tests {
    use super::*;
    use wormscope_scenario::PortRule;

    #[test]
    fn port_lists_map_to_services() {
        let s = ServiceSet::from_rules(&["135/tcp".parse().unwrap(), "445/tcp".parse().unwrap()]);
        assert!(s.contains(Service::Rpc135Tcp));
        assert!(!s.contains(Service::Shell4444Tcp));
        let all = ServiceSet::from_rules(&[PortRule::All]);
        assert!(Service::ALL.iter().all(|&x| all.contains(x)));
        // 135/udp is not the exploit's port.
        let udp = ServiceSet::from_rules(&["135/udp".parse().unwrap()]);
        assert_eq!(udp, ServiceSet::NONE);
    }
}
