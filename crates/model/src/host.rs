//! A host's fixed attributes: where it is, what it runs, whether it is
//! patched. What happens to it over time is the engine's business.

/// Index of a host in [`crate::World::hosts`]. Hosts whose state the worm
/// can change (the *candidates*) come first: ids `0..n_candidates`.
pub type HostId = u32;

/// Index of a site (NAT LAN or firewalled enterprise network).
pub type SiteId = u32;

/// `Host::site` of a host directly on the public internet.
pub const NO_SITE: SiteId = u32::MAX;

/// Operating system, as far as Blaster cares (MODEL.md: vulnerable are
/// NT 4.0, 2000, XP, Server 2003; only XP and 2000 get infected).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum Os {
    Xp,
    W2000,
    Nt4,
    W2003,
    /// Anything not NT-family: Windows 9x/ME, Mac OS, Unix.
    Other,
}

impl Os {
    /// Has the DCOM RPC interface of MS03-026 (CA-2003-20, Systems Affected).
    pub fn is_nt_family(self) -> bool {
        !matches!(self, Os::Other)
    }
    /// Can run the worm if exploited with the matching guess (MODEL.md).
    pub fn is_infectable(self) -> bool {
        matches!(self, Os::Xp | Os::W2000)
    }
    pub fn name(self) -> &'static str {
        match self {
            Os::Xp => "xp",
            Os::W2000 => "2000",
            Os::Nt4 => "nt4",
            Os::W2003 => "2003",
            Os::Other => "other",
        }
    }
}

/// A live host. 12 bytes: the world holds tens of millions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Host {
    /// The address the host has on its own interface: public, or private
    /// inside a NAT LAN.
    pub addr: u32,
    /// Its site, or [`NO_SITE`].
    pub site: SiteId,
    pub os: Os,
    /// MS03-026 installed.
    pub patched: bool,
    /// Listens on 135/tcp.
    pub rpc_open: bool,
    /// The index of its network's kind in the scenario's
    /// `world.networks` (0 in a world built by hand).
    pub network: u8,
}

impl Host {
    /// A probe to this host may change its state: vulnerable and listening.
    pub fn is_candidate(&self) -> bool {
        self.os.is_nt_family() && !self.patched && self.rpc_open
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn host_is_compact() {
        assert_eq!(std::mem::size_of::<Host>(), 12);
    }
}
