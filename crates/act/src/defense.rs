//! Defenses as data: which traffic each defense of the model drops, and why.
//!
//! A [`Defense`] resolves to a [`RuleSet`]: where the rules are deployed
//! ([`Placement`]), and an ordered list of [`Rule`]s, each a direction, a
//! port and protocol, an action and a comment that cites its source. The
//! renderers in [`crate::render`] only translate this list; they decide
//! nothing about what is blocked.

use std::fmt;
use std::str::FromStr;

use wormscope_scenario::{PortProto, Transport};

/// CERT Advisory CA-2003-20, "Filter network traffic": the services to block
/// at network borders, in the advisory's order.
pub const CA_2003_20_PORTS: [PortProto; 8] = [
    PortProto::udp(69),
    PortProto::tcp(135),
    PortProto::udp(135),
    PortProto::tcp(139),
    PortProto::udp(139),
    PortProto::tcp(445),
    PortProto::udp(445),
    PortProto::tcp(4444),
];

/// One defense of the model (MODEL.md section 3, "Defenses").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Defense {
    /// Border filtering of CA-2003-20's port list, inbound and outbound.
    Border,
    /// ISP filtering of 135/tcp (seed 002); see [`IspScope`] for the wider
    /// variant some ISPs ran.
    Isp,
    /// A host-level filter blocking incoming 135/tcp (CA-2003-20, step 4).
    Host,
}

impl Defense {
    /// Every defense, in the order the CLI lists them.
    pub const ALL: [Defense; 3] = [Defense::Border, Defense::Isp, Defense::Host];

    /// The name used on the command line and in table and file names.
    pub fn name(self) -> &'static str {
        match self {
            Defense::Border => "border",
            Defense::Isp => "isp",
            Defense::Host => "host",
        }
    }

    /// The rules of this defense with default options.
    pub fn rule_set(self) -> RuleSet {
        self.rule_set_with(&RuleOptions::default())
    }

    /// The rules of this defense.
    pub fn rule_set_with(self, options: &RuleOptions) -> RuleSet {
        match self {
            Defense::Border => {
                let mut rules = Vec::new();
                for direction in [Direction::Inbound, Direction::Outbound] {
                    for port in CA_2003_20_PORTS {
                        rules.push(Rule::drop(direction, port, Source::Ca2003_20Filter));
                    }
                }
                RuleSet {
                    defense: self,
                    placement: Placement::Router,
                    rules,
                }
            }
            Defense::Isp => {
                let ports: &[PortProto] = match options.isp_scope {
                    IspScope::Port135 => &[PortProto::tcp(135)],
                    IspScope::WithShellAndTftp => &[
                        PortProto::tcp(135),
                        PortProto::tcp(4444),
                        PortProto::udp(69),
                    ],
                };
                let mut rules = Vec::new();
                for direction in [Direction::Inbound, Direction::Outbound] {
                    for &port in ports {
                        let source = if port == PortProto::tcp(135) {
                            Source::Seed002Isp
                        } else {
                            Source::ModelIspSome
                        };
                        rules.push(Rule::drop(direction, port, source));
                    }
                }
                RuleSet {
                    defense: self,
                    placement: Placement::Router,
                    rules,
                }
            }
            Defense::Host => RuleSet {
                defense: self,
                placement: Placement::Host,
                rules: vec![Rule::drop(
                    Direction::Inbound,
                    PortProto::tcp(135),
                    Source::Ca2003_20Step4,
                )],
            },
        }
    }
}

impl fmt::Display for Defense {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A word that names no defense.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown defense `{0}`: choose one of border-filter, isp-filter, host-firewall \
     (the scenario's [defenses] sections; border, isp and host also work)"
)]
pub struct DefenseError(pub String);

impl FromStr for Defense {
    type Err = DefenseError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        // The scenario section's name (`border_filter`, with `-` or `_`)
        // is the defense's name everywhere; the short words and the
        // `compare` spelling of ISP blocking stay as aliases.
        match text.trim().to_ascii_lowercase().replace('_', "-").as_str() {
            "border-filter" | "border" => Ok(Defense::Border),
            "isp-filter" | "isp" | "isp-block-135" => Ok(Defense::Isp),
            "host-firewall" | "host" => Ok(Defense::Host),
            _ => Err(DefenseError(text.to_string())),
        }
    }
}

/// Which ports the ISP defense filters.
///
/// MODEL.md (Timeline, 12 Aug): "ISPs block 135 (some also 4444, 69)". The
/// default is what ISPs did in general, 135/tcp only.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum IspScope {
    /// 135/tcp only (seed 002: "ISPs blocked port 135").
    #[default]
    Port135,
    /// 135/tcp plus the worm's shell (4444/tcp) and TFTP (69/udp), as some
    /// ISPs did (MODEL.md).
    WithShellAndTftp,
}

/// Options of rule generation; the defaults follow MODEL.md.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleOptions {
    /// Ports of the ISP defense.
    pub isp_scope: IspScope,
    /// Name of the router's external interface in nft, iptables and pf
    /// output for the border and ISP defenses (a placeholder to edit).
    pub external_interface: String,
}

impl Default for RuleOptions {
    fn default() -> Self {
        RuleOptions {
            isp_scope: IspScope::default(),
            external_interface: "eth0".to_string(),
        }
    }
}

/// Where a rule set is deployed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Placement {
    /// A router between an inside and an outside network: inbound means
    /// arriving from the external interface, outbound leaving through it.
    Router,
    /// A single host: inbound is traffic to it, outbound traffic from it.
    Host,
}

/// Direction of traffic relative to the protected network or host.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Direction {
    Inbound,
    Outbound,
}

impl Direction {
    pub fn name(self) -> &'static str {
        match self {
            Direction::Inbound => "inbound",
            Direction::Outbound => "outbound",
        }
    }
}

/// What a rule does with matching traffic. Every rule of the model drops.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    Drop,
}

/// The document a rule comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Source {
    /// CA-2003-20, "Filter network traffic".
    Ca2003_20Filter,
    /// CA-2003-20, Solutions, step 4 (host-level filter for 135/tcp).
    Ca2003_20Step4,
    /// Seed 002, the news report of 12 Aug 2003.
    Seed002Isp,
    /// MODEL.md, Timeline: "some also 4444, 69".
    ModelIspSome,
}

impl Source {
    /// A short citation, fit for a firewall rule's comment.
    pub fn short(self) -> &'static str {
        match self {
            Source::Ca2003_20Filter => "CERT CA-2003-20 filter list",
            Source::Ca2003_20Step4 => "CERT CA-2003-20 step 4",
            Source::Seed002Isp => "ISPs blocked 135, 12 Aug 2003",
            Source::ModelIspSome => "some ISPs, 12 Aug 2003",
        }
    }
}

/// One firewall rule of a defense.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Rule {
    pub direction: Direction,
    pub port: PortProto,
    pub action: Action,
    pub source: Source,
    /// One line, ASCII, without double quotes, at most 120 bytes (nft
    /// limits comments to 128): cites the source and says what the port is.
    pub comment: String,
}

impl Rule {
    fn drop(direction: Direction, port: PortProto, source: Source) -> Rule {
        let comment = format!(
            "{}: drop {} {} ({})",
            source.short(),
            direction.name(),
            port,
            service(port)
        );
        Rule {
            direction,
            port,
            action: Action::Drop,
            source,
            comment,
        }
    }
}

/// What the worm (or the advisory) uses a port for, in a few words.
pub fn service(port: PortProto) -> &'static str {
    match (port.port, port.transport) {
        (69, Transport::Udp) => "TFTP, the worm fetches msblast.exe",
        (135, Transport::Tcp) => "DCOM RPC, the MS03-026 exploit",
        (135, Transport::Udp) => "RPC endpoint mapper",
        (139, _) => "NetBIOS, also an attack vector",
        (445, _) => "SMB, also an attack vector",
        (4444, Transport::Tcp) => "the worm's remote shell",
        _ => "listed port",
    }
}

/// The resolved rules of one defense.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleSet {
    pub defense: Defense,
    pub placement: Placement,
    /// In a fixed order: inbound before outbound, ports as their source
    /// lists them.
    pub rules: Vec<Rule>,
}

impl RuleSet {
    /// The rules of one direction, in order.
    pub fn in_direction(&self, direction: Direction) -> impl Iterator<Item = &Rule> {
        self.rules.iter().filter(move |r| r.direction == direction)
    }

    /// What the rules do and where they come from, as lines of prose
    /// (without comment markers) for the header of every output.
    pub fn summary(&self) -> Vec<String> {
        let mut lines = Vec::new();
        match self.defense {
            Defense::Border => {
                lines.push(
                    "Defense: border filtering at a network border router (wormscope `border`)."
                        .to_string(),
                );
                lines.push(
                    "Drops traffic to 69/udp, 135/tcp, 135/udp, 139/tcp, 139/udp, 445/tcp,"
                        .to_string(),
                );
                lines.push(
                    "445/udp and 4444/tcp, inbound and outbound, per CERT CA-2003-20,".to_string(),
                );
                lines.push(
                    "\"Filter network traffic\": \"Sites should consider blocking both inbound"
                        .to_string(),
                );
                lines.push("and outbound traffic to these ports\".".to_string());
            }
            Defense::Isp => {
                let ports: Vec<String> = self
                    .in_direction(Direction::Inbound)
                    .map(|r| r.port.to_string())
                    .collect();
                lines.push(
                    "Defense: ISP filtering at the provider's edge router (wormscope `isp`)."
                        .to_string(),
                );
                lines.push(format!(
                    "Drops traffic to {}, to and from the customers.",
                    ports.join(", ")
                ));
                lines.push(
                    "News report of 12 Aug 2003: \"ISPs blocked port 135, which the worm used"
                        .to_string(),
                );
                lines.push(
                    "for propagation\"; some ISPs also blocked 4444/tcp and 69/udp.".to_string(),
                );
            }
            Defense::Host => {
                lines.push(
                    "Defense: a host-level packet filter on one Windows host (wormscope `host`)."
                        .to_string(),
                );
                lines.push(
                    "Drops incoming connections to 135/tcp, per CERT CA-2003-20, Solutions,"
                        .to_string(),
                );
                lines.push(
                    "step 4: \"another host-level packet filtering program to block incoming"
                        .to_string(),
                );
                lines.push("connections for 135/tcp\".".to_string());
            }
        }
        lines.push(
            "The hole: Microsoft Security Bulletin MS03-026 (DCOM RPC, CVE-2003-0352).".to_string(),
        );
        lines.push(
            "Filtering mitigates; it does not replace installing the MS03-026 patch.".to_string(),
        );
        lines
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn border_is_the_advisory_list_both_ways() {
        let set = Defense::Border.rule_set();
        assert_eq!(set.rules.len(), 16);
        for direction in [Direction::Inbound, Direction::Outbound] {
            let ports: Vec<PortProto> = set.in_direction(direction).map(|r| r.port).collect();
            assert_eq!(ports, CA_2003_20_PORTS);
        }
    }

    #[test]
    fn isp_default_is_135_only() {
        let set = Defense::Isp.rule_set();
        assert!(set.rules.iter().all(|r| r.port == PortProto::tcp(135)));
        assert_eq!(set.rules.len(), 2);
        let wide = Defense::Isp.rule_set_with(&RuleOptions {
            isp_scope: IspScope::WithShellAndTftp,
            ..RuleOptions::default()
        });
        let ports: Vec<String> = wide
            .in_direction(Direction::Inbound)
            .map(|r| r.port.to_string())
            .collect();
        assert_eq!(ports, ["135/tcp", "4444/tcp", "69/udp"]);
    }

    #[test]
    fn host_is_inbound_135() {
        let set = Defense::Host.rule_set();
        assert_eq!(set.placement, Placement::Host);
        assert_eq!(set.rules.len(), 1);
        assert_eq!(set.rules[0].direction, Direction::Inbound);
        assert_eq!(set.rules[0].port, PortProto::tcp(135));
    }

    #[test]
    fn comments_fit_every_format() {
        for wide in [IspScope::Port135, IspScope::WithShellAndTftp] {
            let options = RuleOptions {
                isp_scope: wide,
                ..RuleOptions::default()
            };
            for d in Defense::ALL {
                for r in d.rule_set_with(&options).rules {
                    assert!(r.comment.len() <= 120, "{}", r.comment);
                    assert!(r.comment.is_ascii());
                    assert!(!r.comment.contains(['"', '\n', '\\', '%', '&', '|']));
                }
            }
        }
    }

    #[test]
    fn parse_names() {
        for d in Defense::ALL {
            assert_eq!(d.name().parse::<Defense>().unwrap(), d);
        }
        // The scenario section's names, with `-` or `_`, are the same
        // defenses.
        for (name, d) in [
            ("border_filter", Defense::Border),
            ("border-filter", Defense::Border),
            ("isp_filter", Defense::Isp),
            ("isp-filter", Defense::Isp),
            ("isp-block-135", Defense::Isp),
            ("host_firewall", Defense::Host),
            ("Host-Firewall", Defense::Host),
        ] {
            assert_eq!(name.parse::<Defense>().unwrap(), d, "{name}");
        }
        let err = "dmz".parse::<Defense>().unwrap_err().to_string();
        assert!(
            err.contains("border-filter, isp-filter, host-firewall"),
            "{err}"
        );
    }
}
