//! The services the worm and its defenders care about, and the firewall
//! policies that drop them. A leaf: it knows ports, not hosts, sites or
//! the world, so that everything that filters (sites' firewalls, a run's
//! defenses, reachability) can name services without depending on each
//! other.

use wormscope_scenario::{PortProto, PortRule};

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
