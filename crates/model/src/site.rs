//! Sites: the NAT LANs and firewalled enterprise networks hosts sit in.
//! Knows services and prefixes, not the world that holds the sites.

use wormscope_scenario::Prefix;

use crate::service::Firewall;

/// What kind of site a host sits in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SiteKind {
    /// A home LAN behind a NAT gateway at `public_addr`. The gateway
    /// admits no unsolicited connection and answers nothing itself.
    Nat { public_addr: u32 },
    /// A network with public addresses behind a border firewall.
    Enterprise { firewall: Firewall },
}

/// A NAT LAN or a firewalled network.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Site {
    pub kind: SiteKind,
    /// The addresses that stay inside the site: the private LAN prefix of
    /// a NAT site, the network block of an enterprise.
    pub inside: Prefix,
}

impl Site {
    /// The NAT gateway's own address on the LAN (.1 of the LAN prefix), a
    /// live address that answers nothing.
    pub fn lan_gateway(&self) -> Option<u32> {
        match self.kind {
            SiteKind::Nat { .. } => Some(self.inside.base() | 1),
            SiteKind::Enterprise { .. } => None,
        }
    }
}
