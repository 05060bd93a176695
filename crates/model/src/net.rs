//! Reachability: whether a connection from one host to another gets
//! through, given NAT and border firewalls. This is the one place where
//! that rule is written; the world's views, the run's `reach` and
//! the engine all ask it. It reads the sites a host sits in, never the
//! world or a run's defenses.

use crate::host::{Host, NO_SITE};
use crate::service::Service;
use crate::site::{Site, SiteKind};

/// Whether `from` can open a connection to `to` on `service`. Hosts on
/// one site reach each other directly; otherwise the traffic leaves
/// `from`'s site (its egress filter) and enters `to`'s (NAT admits no
/// unsolicited connection; a firewall its ingress filter).
pub fn can_connect(sites: &[Site], from: &Host, to: &Host, service: Service) -> bool {
    if from.site != NO_SITE && from.site == to.site {
        return true;
    }
    egress_allows(sites, from, service) && reachable_from_outside(sites, to, service)
}

/// Whether a host on the public internet with no filter of its own could
/// connect to `to` on `service`.
pub fn reachable_from_outside(sites: &[Site], to: &Host, service: Service) -> bool {
    if to.site == NO_SITE {
        return true;
    }
    match sites[to.site as usize].kind {
        SiteKind::Nat { .. } => false,
        SiteKind::Enterprise { firewall } => !firewall.blocks_in.contains(service),
    }
}

/// Whether `from`'s own site lets traffic for `service` out.
pub fn egress_allows(sites: &[Site], from: &Host, service: Service) -> bool {
    if from.site == NO_SITE {
        return true;
    }
    match sites[from.site as usize].kind {
        SiteKind::Nat { .. } => true,
        SiteKind::Enterprise { firewall } => !firewall.blocks_out.contains(service),
    }
}

/// Whether a victim can fetch the worm body from the address its attacker
/// names in the `tftp -i <address> GET` command: the attacker's *own*
/// address (MODEL.md, Infection chain). Behind NAT that address is private
/// and only the attacker's LAN-mates can reach it (seed 000).
pub fn tftp_reachback(sites: &[Site], attacker: &Host, victim: &Host) -> bool {
    if attacker.site != NO_SITE && attacker.site == victim.site {
        return true;
    }
    if attacker.site != NO_SITE
        && matches!(sites[attacker.site as usize].kind, SiteKind::Nat { .. })
    {
        return false;
    }
    can_connect(sites, victim, attacker, Service::Tftp69Udp)
}
