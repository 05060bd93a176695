//! Renderers: a [`RuleSet`] as the text a firewall loads.
//!
//! Every output starts with a header comment that cites CERT CA-2003-20 and
//! MS03-026 and says what the rules do, then the rules in the rule set's
//! order, each with its comment. No timestamps, no host names: the same rule
//! set always gives the same bytes.
//!
//! A format that cannot express a rule set refuses it: a Windows host
//! firewall (netsh) has no place for a router's source filter (BCP 38).

use std::fmt;
use std::fmt::Write as _;
use std::str::FromStr;

use wormscope_scenario::{PortProto, Transport};

use wormscope_scenario::population::PortEnd;

use crate::defense::{
    Action, Defense, Direction, NoRules, Origin, Placement, Rule, RuleOptions, RuleSet, Traffic,
    plain,
};

/// The iptables chain that returns the inside sources and drops the rest.
const BCP38_CHAIN: &str = "WORMSCOPE_BCP38";

/// The pf table of the inside prefixes.
const INSIDE_TABLE: &str = "wormscope_inside";

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

/// Renders `set` in `format`; refused where the format cannot deploy it
/// (a source filter as a Windows host firewall's rules).
pub fn render(set: &RuleSet, format: RuleFormat, options: &RuleOptions) -> Result<String, NoRules> {
    Ok(match format {
        RuleFormat::Nft => nft(set, options),
        RuleFormat::Iptables => iptables(set, options),
        RuleFormat::Netsh => netsh(set)?,
        RuleFormat::Pf => pf(set, options),
    })
}

/// The `--inside` flags that gave a rule set's prefixes, with a leading
/// space; empty for the defenses that take none.
fn inside_flags(set: &RuleSet) -> String {
    set.inside
        .iter()
        .map(|p| format!(" --inside {p}"))
        .collect()
}

/// The header shared by all formats, as lines without comment markers.
fn header(set: &RuleSet, format: RuleFormat) -> Vec<String> {
    let mut lines = match &set.origin {
        Origin::Advisory => {
            let mut lines = vec![format!(
                "wormscope rules --defense {}{} --format {}",
                set.defense.name(),
                inside_flags(set),
                format.name()
            )];
            if set.defense == Defense::SpoofFilter {
                lines.push(
                    "A defense against W32/Blaster's (MSBlast, Lovsan) spoofed SYN flood, after"
                        .to_string(),
                );
                lines.push("BCP 38 (RFC 2827) and MODEL.md (The payload).".to_string());
            } else {
                lines.push(
                    "W32/Blaster (MSBlast, Lovsan) defense after CERT Advisory CA-2003-20"
                        .to_string(),
                );
                lines.push("(2003-08-11) and Microsoft Security Bulletin MS03-026.".to_string());
            }
            lines
        }
        Origin::Scenario(from) => vec![format!(
            "wormscope rules --scenario {} --defense {}{} --format {}",
            plain(&from.argument),
            set.defense.name(),
            inside_flags(set),
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
            // Traffic to the router itself, through it, and from it. The
            // router's own packets leave with its external address, which
            // is not inside: a source filter is for forwarded packets only.
            let input: Vec<_> = inbound.iter().map(|r| (Iface::InExt, *r)).collect();
            let forward: Vec<_> = inbound
                .iter()
                .map(|r| (Iface::InExt, *r))
                .chain(outbound.iter().map(|r| (Iface::OutExt, *r)))
                .collect();
            let output: Vec<_> = outbound
                .iter()
                .filter(|r| r.traffic != Traffic::SpoofedSource)
                .map(|r| (Iface::OutExt, *r))
                .collect();
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

/// What a router that translates addresses means for a source filter on
/// Linux, where `chain` sees packets before their source is rewritten.
fn nat_lines(lines: &mut Vec<String>, chain: &str) {
    lines.push(format!(
        "On a router that translates addresses (masquerade, SNAT), {chain}"
    ));
    lines.push(
        "sees the sources before translation: INSIDE is then the inside network's".to_string(),
    );
    lines.push("prefixes (10.0.0.0/8, ...), not the public ones, or every translated".to_string());
    lines.push("packet is dropped.".to_string());
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
    if set.spoofs() {
        lines.push(String::new());
        lines.push(
            "Outbound: forwarded out through the external interface (the forward chain".to_string(),
        );
        lines.push(
            "only: the router's own packets leave with its external address). The rule".to_string(),
        );
        lines.push(
            "matches IPv4 only. Set EXT_IF to your interface, and the prefixes after".to_string(),
        );
        lines.push("`ip saddr !=` to INSIDE, your network's own.".to_string());
        nat_lines(&mut lines, "the forward chain");
    } else if set.placement == Placement::Router {
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
                Traffic::SpoofedSource => match set.inside.as_slice() {
                    [one] => format!("ip saddr != {one}"),
                    _ => format!("ip saddr != {{ {} }}", set.inside_list()),
                },
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
    if set.spoofs() {
        lines.push("over one. It filters IPv4 only.".to_string());
    } else {
        lines.push("over one. IPv6 needs the same rules through ip6tables-restore.".to_string());
    }
    if set.spoofs() {
        lines.push(String::new());
        lines.push(format!(
            "Outbound: forwarded out through the external interface {} (FORWARD",
            options.external_interface
        ));
        lines.push(
            "only: the router's own packets leave with its external address). The".to_string(),
        );
        lines.push(format!(
            "{BCP38_CHAIN} chain (declare it too when merging: iptables -N) returns"
        ));
        lines.push(
            "INSIDE, your network's own prefixes, and drops the rest. Edit -o to your".to_string(),
        );
        lines.push("interface and -s to your prefixes.".to_string());
        nat_lines(&mut lines, "FORWARD");
    } else if set.placement == Placement::Router {
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
    let spoofed = set
        .rules
        .iter()
        .find(|r| r.traffic == Traffic::SpoofedSource);
    if spoofed.is_some() {
        let _ = writeln!(out, ":{BCP38_CHAIN} - [0:0]");
    }
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
                // To the chain that returns the inside sources.
                Traffic::SpoofedSource => {
                    let _ = writeln!(
                        out,
                        "-m comment --comment \"{}\" -j {BCP38_CHAIN}",
                        rule.comment
                    );
                    continue;
                }
            };
            let _ = writeln!(
                out,
                "{matched} -m comment --comment \"{}\" -j {}",
                rule.comment,
                iptables_target(rule.action)
            );
        }
    }
    if let Some(rule) = spoofed {
        for prefix in &set.inside {
            let _ = writeln!(out, "-A {BCP38_CHAIN} -s {prefix} -j RETURN");
        }
        let _ = writeln!(
            out,
            "-A {BCP38_CHAIN} -m comment --comment \"{}\" -j {}",
            rule.comment,
            iptables_target(rule.action)
        );
    }
    out.push_str("COMMIT\n");
    out
}

fn iptables_target(action: Action) -> &'static str {
    match action {
        Action::Drop => "DROP",
    }
}

/// Why a source filter has no netsh rules.
const NETSH_HAS_NO_SOURCE_FILTER: &str = "a Windows host firewall cannot deploy BCP 38: a \
     source filter drops what a whole network sends, at its first-hop router, and netsh \
     advfirewall filters one host's own traffic; choose --format nft, iptables or pf for the \
     router";

fn netsh(set: &RuleSet) -> Result<String, NoRules> {
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
            Traffic::SpoofedSource => {
                return Err(NoRules(NETSH_HAS_NO_SOURCE_FILTER.to_string(), None));
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
    Ok(out)
}

fn pf(set: &RuleSet, options: &RuleOptions) -> String {
    let mut lines = header(set, RuleFormat::Pf);
    lines.push(
        "A pf.conf fragment: add it before your pass rules (the rules are `quick`:".to_string(),
    );
    lines.push(
        "the first one that matches decides, so an earlier `pass quick` would win).".to_string(),
    );
    lines.push("Check with `pfctl -nf FILE`.".to_string());
    if set.spoofs() {
        lines.push(String::new());
        lines.push(
            "Outbound: leaving through the external interface. Set ext_if to your".to_string(),
        );
        lines.push(format!(
            "interface and the table <{INSIDE_TABLE}> to INSIDE, your network's own"
        ));
        lines.push(
            "prefixes. pf matches the router's own packets too: add its external".to_string(),
        );
        lines
            .push("address to the table, or they are dropped. Where ext_if translates".to_string());
        lines.push(
            "addresses (nat-to), pf may see the translated source: block the spoofed".to_string(),
        );
        lines.push("packets as they come in on the inside interface instead.".to_string());
    } else if set.placement == Placement::Router {
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
    if set.spoofs() {
        // A table: pf has no negated list (`! { a b }` matches every
        // address, each element negated alone).
        let prefixes: Vec<String> = set.inside.iter().map(ToString::to_string).collect();
        let _ = writeln!(
            out,
            "table <{INSIDE_TABLE}> const {{ {} }}",
            prefixes.join(" ")
        );
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
            // `inet`: the table holds IPv4 prefixes, so without it every
            // IPv6 source would be outside and dropped.
            Traffic::SpoofedSource => format!("inet from ! <{INSIDE_TABLE}> to any"),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::defense::Source;

    fn spoof_options() -> RuleOptions {
        RuleOptions {
            inside: vec![
                "192.0.2.0/24".parse().unwrap(),
                "198.51.100.0/23".parse().unwrap(),
            ],
            ..RuleOptions::default()
        }
    }

    fn spoof_set() -> RuleSet {
        Defense::SpoofFilter
            .rule_set_with(&spoof_options())
            .unwrap()
    }

    #[test]
    fn a_source_filter_is_in_the_forward_path_only() {
        let names: Vec<&str> = chains(&spoof_set()).iter().map(|(c, _)| *c).collect();
        assert_eq!(names, ["forward"]);
        // Beside an outbound port rule, which the router's own packets
        // meet too, the source rule stays out of the output chain.
        let mut mixed = spoof_set();
        mixed.rules.insert(
            0,
            Rule {
                direction: Direction::Outbound,
                traffic: Traffic::Port {
                    port: PortProto::tcp(135),
                    end: PortEnd::Destination,
                },
                action: Action::Drop,
                source: Source::Scenario,
                comment: "port".to_string(),
            },
        );
        let spoofed = |rules: &[(Iface, &Rule)]| {
            rules
                .iter()
                .filter(|(_, r)| r.traffic == Traffic::SpoofedSource)
                .count()
        };
        let chains = chains(&mixed);
        let forward = &chains.iter().find(|(c, _)| *c == "forward").unwrap().1;
        let output = &chains.iter().find(|(c, _)| *c == "output").unwrap().1;
        assert_eq!((forward.len(), spoofed(forward)), (2, 1));
        assert_eq!((output.len(), spoofed(output)), (1, 0));

        let options = spoof_options();
        let nft = nft(&spoof_set(), &options);
        assert!(!nft.contains("chain output") && !nft.contains("chain input"));
        assert!(
            nft.contains(
                "\t\toifname $EXT_IF ip saddr != { 192.0.2.0/24, 198.51.100.0/23 } drop comment"
            ),
            "{nft}"
        );
        let iptables = iptables(&spoof_set(), &options);
        assert!(!iptables.contains("-A OUTPUT") && !iptables.contains("-A INPUT"));
        let rules: Vec<&str> = iptables
            .lines()
            .filter(|l| l.starts_with("-A ") || l.starts_with(":WORMSCOPE"))
            .map(|l| l.split(" -m comment").next().unwrap())
            .collect();
        assert_eq!(
            rules,
            [
                ":WORMSCOPE_BCP38 - [0:0]",
                "-A FORWARD -o eth0",
                "-A WORMSCOPE_BCP38 -s 192.0.2.0/24 -j RETURN",
                "-A WORMSCOPE_BCP38 -s 198.51.100.0/23 -j RETURN",
                "-A WORMSCOPE_BCP38",
            ]
        );
        assert!(iptables.contains("-j WORMSCOPE_BCP38\n") && iptables.contains("-j DROP\n"));
    }

    #[test]
    fn one_inside_prefix_needs_no_braces_and_pf_uses_a_table() {
        let options = RuleOptions {
            inside: vec!["192.0.2.0/24".parse().unwrap()],
            ..RuleOptions::default()
        };
        let set = Defense::SpoofFilter.rule_set_with(&options).unwrap();
        assert!(nft(&set, &options).contains("oifname $EXT_IF ip saddr != 192.0.2.0/24 drop"));
        let pf = pf(&spoof_set(), &spoof_options());
        let lines: Vec<&str> = pf.lines().filter(|l| !l.starts_with('#')).collect();
        assert!(
            lines.contains(&"table <wormscope_inside> const { 192.0.2.0/24 198.51.100.0/23 }"),
            "{pf}"
        );
        // IPv4 only: the table holds no IPv6 prefix, so without `inet`
        // every IPv6 packet would be outside it.
        assert!(
            lines
                .contains(&"block drop out quick on $ext_if inet from ! <wormscope_inside> to any"),
            "{pf}"
        );
    }

    #[test]
    fn netsh_refuses_a_source_filter() {
        let e = render(&spoof_set(), RuleFormat::Netsh, &spoof_options()).unwrap_err();
        assert!(e.to_string().contains("nft, iptables or pf"), "{e}");
        let e = crate::rules_with(Defense::SpoofFilter, RuleFormat::Netsh, &spoof_options())
            .unwrap_err()
            .to_string();
        assert!(e.contains("cannot deploy BCP 38"), "{e}");
        let blaster = wormscope_scenario::ScenarioSource::Builtin("blaster")
            .load()
            .unwrap();
        let e = crate::scenario_rules_with(
            &blaster,
            "blaster",
            Defense::SpoofFilter,
            RuleFormat::Netsh,
            &spoof_options(),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("cannot deploy BCP 38"), "{e}");
        // The other formats deploy it.
        for format in [RuleFormat::Nft, RuleFormat::Iptables, RuleFormat::Pf] {
            assert!(render(&spoof_set(), format, &spoof_options()).is_ok());
        }
    }
}
