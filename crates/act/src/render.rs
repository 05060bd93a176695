//! Renderers: a [`RuleSet`] as the text a firewall loads.
//!
//! Every output starts with a header comment that cites CERT CA-2003-20 and
//! MS03-026 and says what the rules do, then the rules in the rule set's
//! order, each with its comment. No timestamps, no host names: the same rule
//! set always gives the same bytes.

use std::fmt;
use std::fmt::Write as _;
use std::str::FromStr;

use wormscope_scenario::{PortProto, Transport};

use wormscope_scenario::population::PortEnd;

use crate::defense::{
    Action, Direction, Origin, Placement, Rule, RuleOptions, RuleSet, Traffic, plain,
};

/// The firewall language of a rule file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RuleFormat {
    /// An nftables ruleset file for `nft -f` (Linux).
    Nft,
    /// An `iptables-restore` file (Linux, IPv4).
    Iptables,
    /// A Windows batch file of `netsh advfirewall` commands.
    Netsh,
    /// A pf.conf fragment (OpenBSD, FreeBSD, macOS).
    Pf,
}

impl RuleFormat {
    pub const ALL: [RuleFormat; 4] = [
        RuleFormat::Nft,
        RuleFormat::Iptables,
        RuleFormat::Netsh,
        RuleFormat::Pf,
    ];

    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            RuleFormat::Nft => "nft",
            RuleFormat::Iptables => "iptables",
            RuleFormat::Netsh => "netsh",
            RuleFormat::Pf => "pf",
        }
    }

    /// A conventional file name extension for the output (without a dot).
    pub fn extension(self) -> &'static str {
        match self {
            RuleFormat::Nft => "nft",
            RuleFormat::Iptables => "rules",
            RuleFormat::Netsh => "bat",
            RuleFormat::Pf => "pf.conf",
        }
    }
}

impl fmt::Display for RuleFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A word that names no rule format.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown rule format `{0}`: choose one of nft, iptables, netsh, pf")]
pub struct RuleFormatError(pub String);

impl FromStr for RuleFormat {
    type Err = RuleFormatError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.trim().to_ascii_lowercase().as_str() {
            "nft" | "nftables" => Ok(RuleFormat::Nft),
            "iptables" => Ok(RuleFormat::Iptables),
            "netsh" => Ok(RuleFormat::Netsh),
            "pf" => Ok(RuleFormat::Pf),
            _ => Err(RuleFormatError(text.to_string())),
        }
    }
}

/// Renders `set` in `format`.
pub fn render(set: &RuleSet, format: RuleFormat, options: &RuleOptions) -> String {
    match format {
        RuleFormat::Nft => nft(set, options),
        RuleFormat::Iptables => iptables(set, options),
        RuleFormat::Netsh => netsh(set),
        RuleFormat::Pf => pf(set, options),
    }
}

/// The header shared by all formats, as lines without comment markers.
fn header(set: &RuleSet, format: RuleFormat) -> Vec<String> {
    let mut lines = match &set.origin {
        Origin::Advisory => vec![
            format!(
                "wormscope rules --defense {} --format {}",
                set.defense.name(),
                format.name()
            ),
            "W32/Blaster (MSBlast, Lovsan) defense after CERT Advisory CA-2003-20".to_string(),
            "(2003-08-11) and Microsoft Security Bulletin MS03-026.".to_string(),
        ],
        Origin::Scenario(from) => vec![format!(
            "wormscope rules --scenario {} --defense {} --format {}",
            plain(&from.argument),
            set.defense.name(),
            format.name()
        )],
    };
    lines.push(String::new());
    lines.extend(set.summary());
    lines.push(String::new());
    lines
}

fn comment_block(out: &mut String, prefix: &str, lines: &[String], eol: &str) {
    for line in lines {
        if line.is_empty() {
            out.push_str(prefix.trim_end());
        } else {
            out.push_str(prefix);
            out.push_str(line);
        }
        out.push_str(eol);
    }
}

/// The port match's keyword in nft and iptables: `dport` or `sport`.
fn port_keyword(end: PortEnd) -> &'static str {
    match end {
        PortEnd::Destination => "dport",
        PortEnd::Source => "sport",
    }
}

fn proto(port: PortProto) -> &'static str {
    match port.transport {
        Transport::Tcp => "tcp",
        Transport::Udp => "udp",
    }
}

fn verdict(action: Action) -> &'static str {
    match action {
        Action::Drop => "drop",
    }
}

/// Which interface a rule on a router matches.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Iface {
    /// A host rule: no interface match.
    Any,
    /// Arriving on the external interface.
    InExt,
    /// Leaving through the external interface.
    OutExt,
}

/// The netfilter chains of a rule set, in order (input, forward, output),
/// each with its rules and their interface match; empty chains are left out.
/// Shared by nft and iptables.
fn chains(set: &RuleSet) -> Vec<(&'static str, Vec<(Iface, &Rule)>)> {
    let inbound: Vec<&Rule> = set.in_direction(Direction::Inbound).collect();
    let outbound: Vec<&Rule> = set.in_direction(Direction::Outbound).collect();
    let mut chains = Vec::new();
    match set.placement {
        Placement::Router => {
            // Traffic to the router itself, through it, and from it.
            let input: Vec<_> = inbound.iter().map(|r| (Iface::InExt, *r)).collect();
            let forward: Vec<_> = inbound
                .iter()
                .map(|r| (Iface::InExt, *r))
                .chain(outbound.iter().map(|r| (Iface::OutExt, *r)))
                .collect();
            let output: Vec<_> = outbound.iter().map(|r| (Iface::OutExt, *r)).collect();
            chains.push(("input", input));
            chains.push(("forward", forward));
            chains.push(("output", output));
        }
        Placement::Host => {
            chains.push(("input", inbound.iter().map(|r| (Iface::Any, *r)).collect()));
            chains.push((
                "output",
                outbound.iter().map(|r| (Iface::Any, *r)).collect(),
            ));
        }
    }
    chains.retain(|(_, rules)| !rules.is_empty());
    chains
}

fn nft(set: &RuleSet, options: &RuleOptions) -> String {
    let table = format!("wormscope_{}", set.object_name());
    let mut lines = header(set, RuleFormat::Nft);
    lines.push(
        "Check with `nft -c -f FILE`, load with `nft -f FILE` (as root). The file".to_string(),
    );
    lines.push(format!(
        "replaces only its own table, inet {table} (IPv4 and IPv6); other"
    ));
    lines
        .push("tables are untouched. Every chain has policy accept and drops only the".to_string());
    lines.push("listed traffic.".to_string());
    if set.placement == Placement::Router {
        lines.push(String::new());
        lines.push(
            "Inbound: arriving on the external interface (to the router or through".to_string(),
        );
        lines.push("it); outbound: leaving through it. Set EXT_IF to your interface.".to_string());
    }
    let mut out = String::new();
    comment_block(&mut out, "# ", &lines, "\n");
    out.push('\n');
    if set.placement == Placement::Router {
        let _ = writeln!(out, "define EXT_IF = \"{}\"\n", options.external_interface);
    }
    // Declaring the table first makes the delete succeed on a fresh system.
    let _ = writeln!(out, "table inet {table}");
    let _ = writeln!(out, "delete table inet {table}\n");
    let _ = writeln!(out, "table inet {table} {{");
    for (i, (chain, rules)) in chains(set).iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let _ = writeln!(out, "\tchain {chain} {{");
        let _ = writeln!(
            out,
            "\t\ttype filter hook {chain} priority filter; policy accept;"
        );
        for (iface, rule) in rules {
            out.push_str("\t\t");
            match iface {
                Iface::Any => {}
                Iface::InExt => out.push_str("iifname $EXT_IF "),
                Iface::OutExt => out.push_str("oifname $EXT_IF "),
            }
            let matched = match rule.traffic {
                Traffic::Port { port, end } => {
                    format!("{} {} {}", proto(port), port_keyword(end), port.port)
                }
                Traffic::ToAddress(address) => format!("ip daddr {address}"),
            };
            let _ = writeln!(
                out,
                "{matched} {} comment \"{}\"",
                verdict(rule.action),
                rule.comment
            );
        }
        out.push_str("\t}\n");
    }
    out.push_str("}\n");
    out
}

fn iptables(set: &RuleSet, options: &RuleOptions) -> String {
    let mut lines = header(set, RuleFormat::Iptables);
    lines.push(
        "Check with `iptables-restore --test FILE`, load with `iptables-restore FILE`".to_string(),
    );
    lines.push(
        "(as root). This is the whole IPv4 filter table: loading it replaces the".to_string(),
    );
    lines.push(
        "rules and policies there (policy ACCEPT, drop only the listed traffic).".to_string(),
    );
    lines.push(
        "Merge the -A lines by hand into an existing ruleset instead of loading it".to_string(),
    );
    lines.push("over one. IPv6 needs the same rules through ip6tables-restore.".to_string());
    if set.placement == Placement::Router {
        lines.push(String::new());
        lines.push(format!(
            "Inbound: arriving on the external interface {} (to the router or",
            options.external_interface
        ));
        lines.push(
            "through it); outbound: leaving through it. Edit -i/-o to your interface.".to_string(),
        );
    }
    let mut out = String::new();
    comment_block(&mut out, "# ", &lines, "\n");
    out.push_str("*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n");
    let iface = &options.external_interface;
    for (chain, rules) in chains(set) {
        let chain = chain.to_ascii_uppercase();
        for (dir, rule) in rules {
            let _ = write!(out, "-A {chain} ");
            match dir {
                Iface::Any => {}
                Iface::InExt => {
                    let _ = write!(out, "-i {iface} ");
                }
                Iface::OutExt => {
                    let _ = write!(out, "-o {iface} ");
                }
            }
            let matched = match rule.traffic {
                Traffic::Port { port, end } => {
                    let p = proto(port);
                    format!("-p {p} -m {p} --{} {}", port_keyword(end), port.port)
                }
                Traffic::ToAddress(address) => format!("-d {address}/32"),
            };
            let _ = writeln!(
                out,
                "{matched} -m comment --comment \"{}\" -j {}",
                rule.comment,
                match rule.action {
                    Action::Drop => "DROP",
                }
            );
        }
    }
    out.push_str("COMMIT\n");
    out
}

fn netsh(set: &RuleSet) -> String {
    const EOL: &str = "\r\n";
    let mut lines = header(set, RuleFormat::Netsh);
    lines.push("A Windows batch file: run it from an elevated command prompt. It adds".to_string());
    lines.push("block rules to the Windows Firewall of the machine it runs on (netsh".to_string());
    lines.push(
        "advfirewall, Windows Vista and later; on XP SP2 the older `netsh firewall`".to_string(),
    );
    lines
        .push("or the Internet Connection Firewall plays this part). Remove the rules".to_string());
    lines.push("with: netsh advfirewall firewall delete rule name=NAME".to_string());
    if set.placement == Placement::Router {
        lines.push(String::new());
        lines.push(
            "These are the network rules applied at the host level, as the advisory".to_string(),
        );
        lines.push(
            "allows (\"at the host and network level\"): inbound means to this host's".to_string(),
        );
        lines.push("port, outbound from this host to that port elsewhere.".to_string());
    }
    let mut out = String::new();
    comment_block(&mut out, "@REM ", &lines, EOL);
    out.push_str("@echo off");
    out.push_str(EOL);
    for rule in &set.rules {
        let dir = match rule.direction {
            Direction::Inbound => "in",
            Direction::Outbound => "out",
        };
        // Windows names ports and addresses by this host's end: an
        // incoming packet's destination is local, an outgoing one's is
        // remote.
        let local =
            |end: PortEnd| (rule.direction == Direction::Inbound) == (end == PortEnd::Destination);
        let (what, matched) = match rule.traffic {
            Traffic::Port { port, end } => {
                let key = if local(end) {
                    "localport"
                } else {
                    "remoteport"
                };
                (
                    port.to_string(),
                    format!(
                        "protocol={} {key}={}",
                        proto(port).to_ascii_uppercase(),
                        port.port
                    ),
                )
            }
            Traffic::ToAddress(address) => {
                let key = if local(PortEnd::Destination) {
                    "localip"
                } else {
                    "remoteip"
                };
                (
                    format!("to {address}"),
                    format!("protocol=any {key}={address}"),
                )
            }
        };
        out.push_str(EOL);
        let _ = write!(out, "REM {}{EOL}", rule.comment);
        let _ = write!(
            out,
            "netsh advfirewall firewall add rule name=\"wormscope {} {dir} {what}\" dir={dir} action=block {matched} profile=any{EOL}",
            set.object_name(),
        );
    }
    out
}

fn pf(set: &RuleSet, options: &RuleOptions) -> String {
    let mut lines = header(set, RuleFormat::Pf);
    lines.push(
        "A pf.conf fragment: add it before your pass rules (the rules are `quick`,".to_string(),
    );
    lines.push("so they win wherever they stand). Check with `pfctl -nf FILE`.".to_string());
    if set.placement == Placement::Router {
        lines.push(String::new());
        lines.push(
            "Inbound: arriving on the external interface (to the router or through".to_string(),
        );
        lines.push("it); outbound: leaving through it. Set ext_if to your interface.".to_string());
    }
    let mut out = String::new();
    comment_block(&mut out, "# ", &lines, "\n");
    if set.placement == Placement::Router {
        let _ = writeln!(out, "\next_if = \"{}\"", options.external_interface);
    }
    for rule in &set.rules {
        let dir = match rule.direction {
            Direction::Inbound => "in",
            Direction::Outbound => "out",
        };
        let on = match set.placement {
            Placement::Router => " on $ext_if",
            Placement::Host => "",
        };
        let matched = match rule.traffic {
            Traffic::Port {
                port,
                end: PortEnd::Destination,
            } => format!("proto {} from any to any port {}", proto(port), port.port),
            Traffic::Port {
                port,
                end: PortEnd::Source,
            } => format!("proto {} from any port {} to any", proto(port), port.port),
            Traffic::ToAddress(address) => format!("from any to {address}"),
        };
        let _ = write!(
            out,
            "\n# {}\nblock {} {dir} quick{on} {matched}\n",
            rule.comment,
            verdict(rule.action),
        );
    }
    out
}
