//! Defenses as data: which traffic each defense of the model drops, and why.
//!
//! A [`Defense`] resolves to a [`RuleSet`]: where the rules are deployed
//! ([`Placement`]), and an ordered list of [`Rule`]s, each a direction, the
//! traffic it matches ([`Traffic`]: a port and protocol, at the packet's
//! destination or, for a worm like Witty, its source; or every packet to
//! one address, a flooded site's old one), an action and a comment that
//! cites its source; or, for source-address filtering (BCP 38), every
//! packet leaving whose source is not one of the network's own prefixes
//! ([`RuleSet::inside`]).
//! The renderers in [`crate::render`] only translate this list; they
//! decide nothing about what is blocked.
//!
//! A rule set comes either from CERT CA-2003-20 and MODEL.md, for
//! W32/Blaster ([`Defense::rule_set`]), or from a scenario of any worm
//! ([`scenario_rule_set`]): the ports its `[defenses.*]` section lists,
//! cited by the section's own `source`. The target move
//! ([`Defense::TargetMove`]) has rules only from a scenario whose worm
//! floods an address: Blaster floods a name, and taking a name's record
//! down is done at its DNS servers, not by a firewall.

use std::fmt;
use std::net::Ipv4Addr;
use std::str::FromStr;

use wormscope_scenario::population::PortEnd;
use wormscope_scenario::{AnyScenario, FilterDefense, PortProto, PortRule, Prefix, Transport};

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
    /// The flooded site moves to another address and the old one is
    /// null-routed (`[defenses.target_move]`, Code Red's flood): every
    /// packet to the old address is dropped. Only a scenario whose worm
    /// floods an address has rules for it.
    TargetMove,
    /// Source-address filtering at a network's first hop (BCP 38, RFC
    /// 2827, `[defenses.spoof_filter]`): packets leaving whose source is not
    /// one of the network's own prefixes are dropped, as W32/Blaster's
    /// spoofed flood. Its rules need those prefixes
    /// ([`RuleOptions::inside`]). Not one of CA-2003-20's defenses, so not
    /// in [`Defense::ALL`].
    SpoofFilter,
}

impl Defense {
    /// The defenses CERT CA-2003-20 and MODEL.md give W32/Blaster's rules
    /// for, in the order the CLI lists them.
    pub const ALL: [Defense; 3] = [Defense::Border, Defense::Isp, Defense::Host];

    /// The name used on the command line and in table and file names.
    pub fn name(self) -> &'static str {
        match self {
            Defense::Border => "border",
            Defense::Isp => "isp",
            Defense::Host => "host",
            Defense::TargetMove => "target-move",
            Defense::SpoofFilter => "spoof-filter",
        }
    }

    /// The scenario section that describes this defense.
    pub fn section(self) -> &'static str {
        match self {
            Defense::Border => "border_filter",
            Defense::Isp => "isp_filter",
            Defense::Host => "host_firewall",
            Defense::TargetMove => "target_move",
            Defense::SpoofFilter => "spoof_filter",
        }
    }

    /// W32/Blaster's rules of this defense with default options.
    pub fn rule_set(self) -> Result<RuleSet, NoRules> {
        self.rule_set_with(&RuleOptions::default())
    }

    /// W32/Blaster's rules of this defense, after CERT CA-2003-20 and
    /// MODEL.md; the spoof filter's after BCP 38 (RFC 2827), around the
    /// prefixes `options.inside` names. The target move has none: Blaster
    /// floods a name.
    pub fn rule_set_with(self, options: &RuleOptions) -> Result<RuleSet, NoRules> {
        Ok(match self {
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
                    origin: Origin::Advisory,
                    inside: Vec::new(),
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
                    origin: Origin::Advisory,
                    inside: Vec::new(),
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
                origin: Origin::Advisory,
                inside: Vec::new(),
            },
            Defense::TargetMove => return Err(NoRules::because(BLASTER_FLOODS_A_NAME.to_string())),
            Defense::SpoofFilter => RuleSet {
                defense: self,
                placement: Placement::Router,
                rules: vec![Rule::spoofed(format!(
                    "{}: drop outbound packets whose source is not inside (spoofed, as W32/Blaster's flood)",
                    Source::Bcp38.short()
                ))],
                origin: Origin::Advisory,
                inside: own_prefixes(&options.inside)?,
            },
        })
    }
}

/// Why Blaster's target move has no firewall rules.
const BLASTER_FLOODS_A_NAME: &str = "W32/Blaster floods a name, windowsupdate.com, not an \
     address: its defense was taking the name's DNS record down (dns-takedown), which is done \
     at the name's DNS servers, not by a firewall rule; and the address the name led to in \
     August 2003 is not in the sources (a Blaster scenario's [payload] target is a stand-in), so \
     there is none to null-route. The target move has rules for a scenario whose worm floods an \
     address, such as codered2";

/// Why a Blaster scenario whose worm carries its flood's address (without
/// the `flood_target` flaw) still has no target move rules.
const BLASTER_ADDRESS_IS_A_STAND_IN: &str = "this Blaster scenario's worm carries its flood's \
     address ([flaws] flood_target = false), but the address windowsupdate.com led to in August \
     2003 is not in the sources: [payload] target is a documentation address standing in for it \
     in captures, so there is nothing real to null-route";

/// Why no defense of that name has rules: the DNS takedown.
const TAKEDOWN_IS_DNS: &str = "taking down the record of the name a worm's flood resolves \
     (Blaster's windowsupdate.com; a random-scanning worm's [payload] name) is done at the \
     name's DNS servers, not by a firewall rule; moving the site away from the address a flood \
     is sent to has rules: --defense target-move";

/// Why the spoof filter has no rules without the network's own prefixes.
const NO_INSIDE: &str = "a source filter lets out only packets from the network's own \
     addresses, and wormscope does not know yours: name the network's own prefixes with \
     --inside PREFIX (repeatable, e.g. --inside 192.0.2.0/24)";

/// The network's own prefixes as the spoof filter's rules use them: in the
/// order given, without repeats or prefixes another one holds; refused when
/// there is none, or one holds every address (then nothing is spoofed).
fn own_prefixes(inside: &[Prefix]) -> Result<Vec<Prefix>, NoRules> {
    if inside.is_empty() {
        return Err(NoRules::because(NO_INSIDE.to_string()));
    }
    // No network sends from these: given as its own, they would make
    // every forwarded packet spoofed.
    const NOT_A_SOURCE: [(&str, &str); 4] = [
        ("0.0.0.0/8", "\"this network\", never a source on the wire"),
        ("127.0.0.0/8", "loopback, which never leaves a host"),
        ("224.0.0.0/4", "multicast, a destination only"),
        ("240.0.0.0/4", "reserved"),
    ];
    for p in inside {
        for (range, what) in NOT_A_SOURCE {
            let range: Prefix = range.parse().expect("a prefix");
            if range.prefix_len() <= p.prefix_len() && range.contains(p.base()) {
                return Err(NoRules::because(format!(
                    "--inside {p} is in {range}, {what}: it cannot be the network's own \
                     sources; name the prefixes its hosts send from"
                )));
            }
        }
    }
    let mut kept: Vec<Prefix> = Vec::new();
    for (i, &p) in inside.iter().enumerate() {
        // Held by another (or by an earlier copy of itself): left out.
        let held = inside.iter().enumerate().any(|(j, &q)| {
            j != i && q.prefix_len() <= p.prefix_len() && q.contains(p.base()) && (q != p || j < i)
        });
        if !held {
            kept.push(p);
        }
    }
    // Kept prefixes are disjoint (two prefixes nest or do not meet).
    let covered: u64 = kept.iter().map(|p| 1u64 << (32 - p.prefix_len())).sum();
    if covered == 1 << 32 {
        return Err(NoRules::because(format!(
            "--inside {} holds every address: no source is outside it, so a source filter \
             would drop nothing; name the network's own prefixes",
            kept.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(" --inside ")
        )));
    }
    Ok(kept)
}

/// Why a defense gives no firewall rules (W32/Blaster's, or as a
/// scenario's section describes it).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct NoRules(pub String, pub Option<String>);

impl NoRules {
    /// Why, with no scenario field to blame.
    fn because(message: String) -> NoRules {
        NoRules(message, None)
    }

    /// The scenario field at fault (`defenses.border_filter.blocks_in`),
    /// for the caller to name with its line.
    pub fn field(&self) -> Option<&str> {
        self.1.as_deref()
    }
}

impl fmt::Display for Defense {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A word that names no defense.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", describe_unknown(.0))]
pub struct DefenseError(pub String);

fn describe_unknown(word: &str) -> String {
    if normalised(word) == "dns-takedown" {
        return format!("`{word}` has no firewall rules: {TAKEDOWN_IS_DNS}");
    }
    format!(
        "unknown defense `{word}`: choose one of border-filter, isp-filter, host-firewall, \
         target-move, spoof-filter (the scenario's [defenses] sections; border, isp and host \
         also work, and bcp38 for spoof-filter)"
    )
}

/// A defense's name as the parser compares it: trimmed, lowercase, `_` as `-`.
fn normalised(text: &str) -> String {
    text.trim().to_ascii_lowercase().replace('_', "-")
}

impl FromStr for Defense {
    type Err = DefenseError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        // The scenario section's name (`border_filter`, with `-` or `_`)
        // is the defense's name everywhere; the short words and the
        // `compare` spelling of ISP blocking stay as aliases.
        match normalised(text).as_str() {
            "border-filter" | "border" => Ok(Defense::Border),
            "isp-filter" | "isp" | "isp-block-135" => Ok(Defense::Isp),
            "host-firewall" | "host" => Ok(Defense::Host),
            "target-move" => Ok(Defense::TargetMove),
            "spoof-filter" | "bcp38" => Ok(Defense::SpoofFilter),
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
    /// output for the router's defenses (a placeholder to edit).
    pub external_interface: String,
    /// The network's own prefixes, whose sources the spoof filter lets
    /// out (BCP 38); the other defenses do not read them. Empty by
    /// default: the spoof filter's rules are refused without them.
    pub inside: Vec<Prefix>,
}

impl Default for RuleOptions {
    fn default() -> Self {
        RuleOptions {
            isp_scope: IspScope::default(),
            external_interface: "eth0".to_string(),
            inside: Vec::new(),
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
    /// BCP 38 (RFC 2827, May 2000), network ingress filtering against
    /// source address spoofing.
    Bcp38,
    /// A scenario's defense section (its `source` is in [`Origin`]).
    Scenario,
}

impl Source {
    /// A short citation, fit for a firewall rule's comment.
    pub fn short(self) -> &'static str {
        match self {
            Source::Ca2003_20Filter => "CERT CA-2003-20 filter list",
            Source::Ca2003_20Step4 => "CERT CA-2003-20 step 4",
            Source::Seed002Isp => "ISPs blocked 135, 12 Aug 2003",
            Source::ModelIspSome => "some ISPs, 12 Aug 2003",
            Source::Bcp38 => "BCP 38 (RFC 2827)",
            Source::Scenario => "the scenario's defense section",
        }
    }
}

/// One firewall rule of a defense.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Rule {
    pub direction: Direction,
    pub traffic: Traffic,
    pub action: Action,
    pub source: Source,
    /// One line, ASCII, without double quotes, at most 120 bytes (nft
    /// limits comments to 128): cites the source and says what the port is.
    pub comment: String,
}

/// The packets a rule matches.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Traffic {
    /// One port of one transport, matched at `end`: the destination, but
    /// for a worm that sends from a fixed port to random ones (Witty, from
    /// 4000/udp) the source.
    Port { port: PortProto, end: PortEnd },
    /// Every packet to one IPv4 address, whatever its protocol: a null
    /// route of a flooded site's old address.
    ToAddress(Ipv4Addr),
    /// A packet leaving whose source is outside the rule set's inside
    /// prefixes ([`RuleSet::inside`]): a spoofed source (BCP 38).
    SpoofedSource,
}

impl Rule {
    /// The port the rule matches, if it matches one.
    pub fn port(&self) -> Option<PortProto> {
        match self.traffic {
            Traffic::Port { port, .. } => Some(port),
            Traffic::ToAddress(_) | Traffic::SpoofedSource => None,
        }
    }

    /// Drops packets leaving with a source outside the inside prefixes.
    fn spoofed(comment: String) -> Rule {
        Rule {
            direction: Direction::Outbound,
            traffic: Traffic::SpoofedSource,
            action: Action::Drop,
            source: Source::Bcp38,
            comment,
        }
    }

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
            traffic: Traffic::Port {
                port,
                end: PortEnd::Destination,
            },
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
    /// Where the rules come from.
    pub origin: Origin,
    /// The network's own prefixes, for [`Traffic::SpoofedSource`]: what
    /// is not inside them is spoofed. Empty for the other defenses.
    pub inside: Vec<Prefix>,
}

/// Where a rule set comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// CERT CA-2003-20 and MODEL.md: W32/Blaster's defenses.
    Advisory,
    /// A scenario's defense section.
    Scenario(ScenarioDefense),
}

/// The scenario a rule set was read from, as its header tells it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScenarioDefense {
    /// The scenario as the user named it (a built-in's name or a file).
    pub argument: String,
    /// Its `name`, made safe for firewall object names (letters, digits,
    /// `-` and `_`).
    pub slug: String,
    /// Its `description`.
    pub description: String,
    /// The section read, e.g. `isp_filter`.
    pub section: &'static str,
    /// The section's `source`.
    pub source: String,
}

impl RuleSet {
    /// A name for the rule set's firewall objects (nft table, netsh rule
    /// names): the defense's, after the scenario's for a scenario's rules.
    pub fn object_name(&self) -> String {
        // nft identifiers take no `-`.
        let defense = self.defense.name().replace('-', "_");
        match &self.origin {
            Origin::Advisory => defense,
            Origin::Scenario(s) => format!("{}_{defense}", s.slug),
        }
    }
}

impl RuleSet {
    /// Whether a rule drops spoofed sources (the spoof filter's).
    pub fn spoofs(&self) -> bool {
        self.rules
            .iter()
            .any(|r| r.traffic == Traffic::SpoofedSource)
    }

    /// The inside prefixes as text: `192.0.2.0/24, 198.51.100.0/23`.
    pub fn inside_list(&self) -> String {
        let prefixes: Vec<String> = self.inside.iter().map(Prefix::to_string).collect();
        prefixes.join(", ")
    }

    /// What a spoofed-source rule drops, for a summary; none without one.
    fn spoof_lines(&self) -> Vec<String> {
        if !self.spoofs() {
            return Vec::new();
        }
        wrap(&format!(
            "Drops IPv4 packets leaving through the external interface whose source is \
             not inside INSIDE = {}: your network's own prefixes, as given with --inside.",
            self.inside_list()
        ))
    }

    fn scenario_summary(&self, from: &ScenarioDefense) -> Vec<String> {
        let place = match self.defense {
            Defense::Border => "border filtering at a network border router",
            Defense::Isp => "ISP filtering at the provider's edge router",
            Defense::Host => "a host-level packet filter on one host",
            Defense::TargetMove => {
                "a null route of the flooded site's old address at the routers of its \
                 provider and peers"
            }
            Defense::SpoofFilter => {
                "source-address filtering (BCP 38, RFC 2827) at the network's first-hop router"
            }
        };
        let mut lines = wrap(&format!(
            "Defense: {place} (wormscope `{}`), as the [defenses.{}] section of scenario {} describes it.",
            self.defense.name(),
            from.section,
            from.argument
        ));
        lines.extend(wrap(&format!("Worm: {}", from.description)));
        for direction in [Direction::Inbound, Direction::Outbound] {
            let at = |end: Option<PortEnd>| {
                let matched: Vec<String> = self
                    .in_direction(direction)
                    .filter_map(|r| match r.traffic {
                        Traffic::Port { port, end: e } if Some(e) == end => Some(port.to_string()),
                        Traffic::ToAddress(address) if end.is_none() => {
                            Some(format!("{address}, every protocol"))
                        }
                        _ => None,
                    })
                    .collect();
                matched.join(", ")
            };
            let parts: Vec<String> = [
                ("to ", at(Some(PortEnd::Destination))),
                ("from source port ", at(Some(PortEnd::Source))),
                ("to ", at(None)),
            ]
            .into_iter()
            .filter(|(_, ports)| !ports.is_empty())
            .map(|(how, ports)| format!("{how}{ports}"))
            .collect();
            if !parts.is_empty() {
                let towards = match (self.placement, direction) {
                    (Placement::Host, Direction::Inbound) => "incoming",
                    (Placement::Host, Direction::Outbound) => "outgoing",
                    (Placement::Router, Direction::Inbound) => "inbound",
                    (Placement::Router, Direction::Outbound) => "outbound",
                };
                lines.extend(wrap(&format!(
                    "Drops {towards} traffic {}.",
                    parts.join(" and ")
                )));
            }
        }
        lines.extend(self.spoof_lines());
        if from.source.trim().is_empty() {
            lines.extend(wrap(&format!(
                "Source: none; the scenario's [defenses.{}] gives no `source`.",
                from.section
            )));
        } else {
            lines.extend(wrap(&format!("Source (the scenario's): {}", from.source)));
        }
        if self.spoofs() {
            lines.extend(wrap(
                "The worm's flood spoofs its sources (as W32/Blaster's: the host's own A.B \
                 plus a random C.D): these rules keep it from leaving the network, but for \
                 the spoofs that fall inside INSIDE: a prefix of /16 or wider holds all of \
                 its hosts' spoofs, and stops none. They stop spoofed floods leaving, not \
                 the worm's spreading: its probes carry its hosts' own addresses.",
            ));
        }
        if self.defense == Defense::TargetMove {
            lines.extend(wrap(
                "The site itself answers at its new address; these rules keep the flood \
                 from reaching the old one. They protect the site: the worm spreads on.",
            ));
        } else {
            lines.push(
                "Filtering mitigates; it does not replace patching the vulnerable service."
                    .to_string(),
            );
        }
        lines
    }
}

/// Text for a header line: printable ASCII without the characters a
/// batch file or a quoted string would read (`%&|<>^"`).
pub(crate) fn plain(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '%' | '&' | '|' | '<' | '>' | '^' | '"' => '_',
            c if c == ' ' || c.is_ascii_graphic() => c,
            _ => '?',
        })
        .collect()
}

/// `text`, made [`plain`], in lines of at most 76 columns (a longer word
/// stands alone).
fn wrap(text: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in plain(text).split_whitespace() {
        if !line.is_empty() && line.len() + 1 + word.len() > 76 {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// The rules that deploy `defense` as `scenario`'s section of it describes
/// it, for a scenario of any worm (`argument` is how the user named it).
///
/// - `border-filter` and `isp-filter`: a router's drops of the section's
///   `blocks_in` (inbound) and `blocks_out` (outbound), in their order.
///   The section's `enabled` says whether a simulation runs the defense;
///   the rules deploy it either way.
/// - `host-firewall`: a host's drop of incoming traffic to the worm's own
///   port: 135/tcp for Blaster (the MS03-026 exploit), a random-scanning
///   worm's `worm.delivery.port`.
///
/// A random-scanning worm's own port is matched where its datagrams carry
/// it (`capture.delivery_port_is`: Witty's 4000/udp is their source); any
/// other port, at the destination. A list holding `*` (every port) is
/// refused: that is a network cut off, not a filter to write.
pub fn scenario_rule_set(
    scenario: &AnyScenario,
    argument: &str,
    defense: Defense,
) -> Result<RuleSet, NoRules> {
    scenario_rule_set_with(scenario, argument, defense, &RuleOptions::default())
}

/// [`scenario_rule_set`] with `options`: the spoof filter's
/// (`spoof-filter`) needs the network's own prefixes, `options.inside`.
///
/// - `spoof-filter`: a router's drop of packets leaving whose source is
///   not inside, for a worm whose flood spoofs its sources: a Blaster
///   scenario's always does, a random-scanning worm's with `[payload]
///   spoofed_sources = true`; any other is refused.
pub fn scenario_rule_set_with(
    scenario: &AnyScenario,
    argument: &str,
    defense: Defense,
    options: &RuleOptions,
) -> Result<RuleSet, NoRules> {
    let (name, description, filters, host_source, worm_port, worm_end) = match scenario {
        AnyScenario::Blaster(s) => (
            &s.name,
            &s.description,
            [&s.defenses.border_filter, &s.defenses.isp_filter],
            &s.defenses.host_firewall.source,
            // The MS03-026 exploit's port (MODEL.md section 1).
            PortProto::tcp(135),
            PortEnd::Destination,
        ),
        AnyScenario::Population(s) => {
            let port = s.worm.delivery.port();
            let end = match port.transport {
                Transport::Tcp => PortEnd::Destination,
                Transport::Udp => s.capture.delivery_port_is,
            };
            (
                &s.name,
                &s.description,
                [&s.defenses.border_filter, &s.defenses.isp_filter],
                &s.defenses.host_firewall.source,
                port,
                end,
            )
        }
    };
    let end_of = |port: PortProto| {
        if port == worm_port {
            worm_end
        } else {
            PortEnd::Destination
        }
    };
    let cite = format!("{} {}", sanitize(name, 40), defense.section());
    let rule = |direction: Direction, port: PortProto| {
        let end = end_of(port);
        let what = if port == worm_port {
            "the worm's own port".to_string()
        } else {
            service(port).to_string()
        };
        let at = match end {
            PortEnd::Destination => "",
            PortEnd::Source => " from source port",
        };
        Rule {
            direction,
            traffic: Traffic::Port { port, end },
            action: Action::Drop,
            source: Source::Scenario,
            comment: format!("{cite}: drop {}{at} {port} ({what})", direction.name()),
        }
    };
    let (placement, rules, source) = match defense {
        Defense::Border | Defense::Isp => {
            let section = filters[usize::from(defense == Defense::Isp)];
            (
                Placement::Router,
                filter_rules(section, defense, &rule)?,
                &section.source,
            )
        }
        Defense::Host => (
            Placement::Host,
            vec![rule(Direction::Inbound, worm_port)],
            host_source,
        ),
        Defense::TargetMove => return target_move_rule_set(scenario, argument),
        Defense::SpoofFilter => return spoof_filter_rule_set(scenario, argument, options),
    };
    Ok(RuleSet {
        defense,
        placement,
        rules,
        origin: scenario_origin(argument, name, description, defense, source),
        inside: Vec::new(),
    })
}

/// Where a scenario's rules come from: the scenario as the user named it,
/// and its section of `defense` with that section's `source`.
fn scenario_origin(
    argument: &str,
    name: &str,
    description: &str,
    defense: Defense,
    source: &str,
) -> Origin {
    Origin::Scenario(ScenarioDefense {
        argument: argument.to_string(),
        slug: slug(name),
        description: description.to_string(),
        section: defense.section(),
        source: source.to_string(),
    })
}

/// The target move's rules: a router's drops of every packet to the
/// flooded address, arriving and leaving, so that nothing of the flood
/// passes it whichever side the old address lies on. The section's
/// `enabled` and `at` say when a simulation runs the move; the rules deploy
/// it either way.
fn target_move_rule_set(scenario: &AnyScenario, argument: &str) -> Result<RuleSet, NoRules> {
    let s = match scenario {
        AnyScenario::Blaster(b) => {
            let why = if b.flaws.flood_target {
                BLASTER_FLOODS_A_NAME
            } else {
                BLASTER_ADDRESS_IS_A_STAND_IN
            };
            return Err(NoRules::because(format!("[defenses.target_move]: {why}")));
        }
        AnyScenario::Population(s) => s,
    };
    let Some(payload) = &s.payload else {
        return Err(NoRules::because(
            "[defenses.target_move]: the scenario has no [payload]: its worm floods no \
             address, so there is none to null-route"
                .to_string(),
        ));
    };
    let defense = Defense::TargetMove;
    let cite = format!("{} {}", sanitize(&s.name, 40), defense.section());
    // A worm that resolves a name follows the site: the rules stop only
    // the floods that resolved it before the move.
    let follows = match &payload.name {
        Some(name) => format!(
            "; floods that resolve {} after the move follow the site",
            sanitize(name, 64)
        ),
        None => String::new(),
    };
    let rules = [Direction::Inbound, Direction::Outbound]
        .into_iter()
        .map(|direction| Rule {
            direction,
            traffic: Traffic::ToAddress(payload.target),
            action: Action::Drop,
            source: Source::Scenario,
            comment: format!(
                "{cite}: drop {} traffic to {} (the flooded address{follows})",
                direction.name(),
                payload.target
            ),
        })
        .collect();
    Ok(RuleSet {
        defense,
        placement: Placement::Router,
        rules,
        origin: scenario_origin(
            argument,
            &s.name,
            &s.description,
            defense,
            &s.defenses.target_move.source,
        ),
        inside: Vec::new(),
    })
}

/// The spoof filter's rules: a router's drop of every packet leaving
/// whose source is not inside `options.inside`, for a worm whose flood
/// spoofs its sources. The section's `enabled`, `start` and
/// `coverage_pct` say how a simulation runs the filter; the rules deploy
/// it either way.
fn spoof_filter_rule_set(
    scenario: &AnyScenario,
    argument: &str,
    options: &RuleOptions,
) -> Result<RuleSet, NoRules> {
    let (name, description, source) = match scenario {
        // Blaster's SYN flood always spoofs (MODEL.md, The payload).
        AnyScenario::Blaster(b) => (&b.name, &b.description, &b.defenses.spoof_filter.source),
        AnyScenario::Population(s) => {
            match &s.payload {
                None => {
                    return Err(NoRules::because(
                        "[defenses.spoof_filter]: the scenario has no [payload]: the worm \
                         floods no target, so there is no spoofed flood to drop"
                            .to_string(),
                    ));
                }
                Some(payload) if !payload.spoofed_sources => {
                    return Err(NoRules(
                        "[defenses.spoof_filter]: the worm's flood comes from its hosts' own \
                         addresses: a source filter drops none of it (a flood that spoofs its \
                         sources as Blaster's is [payload] spoofed_sources = true)"
                            .to_string(),
                        Some("payload.spoofed_sources".to_string()),
                    ));
                }
                Some(_) => {}
            }
            (&s.name, &s.description, &s.defenses.spoof_filter.source)
        }
    };
    let defense = Defense::SpoofFilter;
    let inside = own_prefixes(&options.inside)?;
    let cite = format!("{} {}", sanitize(name, 40), defense.section());
    Ok(RuleSet {
        defense,
        placement: Placement::Router,
        rules: vec![Rule {
            source: Source::Scenario,
            ..Rule::spoofed(format!(
                "{cite}: drop outbound packets whose source is not inside (spoofed flood)"
            ))
        }],
        origin: scenario_origin(argument, name, description, defense, source),
        inside,
    })
}

/// A filter section's rules: inbound, then outbound, each in list order.
fn filter_rules(
    section: &FilterDefense,
    defense: Defense,
    rule: &dyn Fn(Direction, PortProto) -> Rule,
) -> Result<Vec<Rule>, NoRules> {
    let mut rules = Vec::new();
    for (direction, list, field) in [
        (Direction::Inbound, &section.blocks_in, "blocks_in"),
        (Direction::Outbound, &section.blocks_out, "blocks_out"),
    ] {
        for entry in list {
            match *entry {
                PortRule::One(port) => {
                    if !rules
                        .iter()
                        .any(|r: &Rule| r.direction == direction && r.port() == Some(port))
                    {
                        rules.push(rule(direction, port));
                    }
                }
                PortRule::All => {
                    return Err(NoRules(
                        format!(
                            "[defenses.{}] {field} lists `*` (every port): that cuts the \
                             network off rather than filtering it, and no rules are written \
                             for it; list the ports to drop",
                            defense.section()
                        ),
                        Some(format!("defenses.{}.{field}", defense.section())),
                    ));
                }
            }
        }
    }
    if rules.is_empty() {
        return Err(NoRules(
            format!(
                "[defenses.{}] lists no port in blocks_in or blocks_out: there is nothing to drop",
                defense.section()
            ),
            Some(format!("defenses.{}.blocks_in", defense.section())),
        ));
    }
    Ok(rules)
}

/// Text fit for a rule comment: ASCII letters, digits, spaces and
/// `._-/()[]:,` only (each firewall language quotes comments differently),
/// at most `max` bytes.
fn sanitize(text: &str, max: usize) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || " ._-/()[]:,".contains(c) {
                c
            } else {
                '_'
            }
        })
        .take(max)
        .collect()
}

/// A name fit for firewall objects: lowercase letters, digits and `_`.
fn slug(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .take(32)
        .collect();
    if s.is_empty() { "scenario".into() } else { s }
}

impl RuleSet {
    /// The rules of one direction, in order.
    pub fn in_direction(&self, direction: Direction) -> impl Iterator<Item = &Rule> {
        self.rules.iter().filter(move |r| r.direction == direction)
    }

    /// What the rules do and where they come from, as lines of prose
    /// (without comment markers) for the header of every output.
    pub fn summary(&self) -> Vec<String> {
        if let Origin::Scenario(from) = &self.origin {
            return self.scenario_summary(from);
        }
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
                    .filter_map(|r| r.port().map(|p| p.to_string()))
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
            Defense::TargetMove => {
                // Not built from the advisory (Blaster floods a name), but
                // a hand-made set still says what it does.
                lines.push(
                    "Defense: a null route of a flooded site's old address (wormscope `target-move`)."
                        .to_string(),
                );
            }
            Defense::SpoofFilter => {
                lines.extend(wrap(
                    "Defense: source-address filtering at the network's first-hop router \
                     (wormscope `spoof-filter`), per BCP 38 (RFC 2827, May 2000).",
                ));
                lines.extend(self.spoof_lines());
                lines.extend(wrap(
                    "W32/Blaster's SYN flood of windowsupdate.com spoofs its sources (the \
                     host's own A.B plus a random C.D, MODEL.md): the filter keeps those \
                     packets in, but for the spoofs that fall inside INSIDE: a prefix of /16 \
                     or wider holds all of its hosts' spoofs, and stops none. It stops \
                     spoofed floods leaving the network, not the worm's spreading: its \
                     probes and exploits carry the host's own address.",
                ));
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
        let set = Defense::Border.rule_set().unwrap();
        assert_eq!(set.rules.len(), 16);
        for direction in [Direction::Inbound, Direction::Outbound] {
            let ports: Vec<PortProto> =
                set.in_direction(direction).filter_map(Rule::port).collect();
            assert_eq!(ports, CA_2003_20_PORTS);
        }
    }

    #[test]
    fn isp_default_is_135_only() {
        let set = Defense::Isp.rule_set().unwrap();
        assert!(
            set.rules
                .iter()
                .all(|r| r.port() == Some(PortProto::tcp(135)))
        );
        assert_eq!(set.rules.len(), 2);
        let wide = Defense::Isp
            .rule_set_with(&RuleOptions {
                isp_scope: IspScope::WithShellAndTftp,
                ..RuleOptions::default()
            })
            .unwrap();
        let ports: Vec<String> = wide
            .in_direction(Direction::Inbound)
            .filter_map(|r| r.port().map(|p| p.to_string()))
            .collect();
        assert_eq!(ports, ["135/tcp", "4444/tcp", "69/udp"]);
    }

    #[test]
    fn host_is_inbound_135() {
        let set = Defense::Host.rule_set().unwrap();
        assert_eq!(set.placement, Placement::Host);
        assert_eq!(set.rules.len(), 1);
        assert_eq!(set.rules[0].direction, Direction::Inbound);
        assert_eq!(set.rules[0].port(), Some(PortProto::tcp(135)));
    }

    #[test]
    fn comments_fit_every_format() {
        for wide in [IspScope::Port135, IspScope::WithShellAndTftp] {
            let options = RuleOptions {
                isp_scope: wide,
                ..RuleOptions::default()
            };
            for d in Defense::ALL {
                for r in d.rule_set_with(&options).unwrap().rules {
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

    fn scenario(text: &str) -> AnyScenario {
        wormscope_scenario::parse_any(text, "test.toml").unwrap()
    }

    fn builtin(name: &'static str) -> AnyScenario {
        wormscope_scenario::ScenarioSource::Builtin(name)
            .load()
            .unwrap()
    }

    #[test]
    fn a_scenario_gives_its_own_sections_ports_at_the_worms_end() {
        let slammer = scenario_rule_set(&builtin("slammer"), "slammer", Defense::Isp).unwrap();
        assert_eq!(slammer.placement, Placement::Router);
        let matched: Vec<(Direction, Traffic)> = slammer
            .rules
            .iter()
            .map(|r| (r.direction, r.traffic))
            .collect();
        let udp_1434 = Traffic::Port {
            port: PortProto::udp(1434),
            end: PortEnd::Destination,
        };
        assert_eq!(
            matched,
            [
                (Direction::Inbound, udp_1434),
                (Direction::Outbound, udp_1434)
            ]
        );
        assert_eq!(slammer.object_name(), "slammer_isp");
        let Origin::Scenario(from) = &slammer.origin else {
            panic!("a scenario's rules")
        };
        assert_eq!(from.section, "isp_filter");
        assert!(from.source.contains("MPSSSW"), "{}", from.source);

        // Witty's datagrams carry its port as their source.
        let witty = scenario_rule_set(&builtin("witty"), "witty", Defense::Host).unwrap();
        assert_eq!(witty.placement, Placement::Host);
        assert_eq!(witty.rules.len(), 1);
        assert_eq!(
            witty.rules[0].traffic,
            Traffic::Port {
                port: PortProto::udp(4000),
                end: PortEnd::Source
            }
        );
        assert!(
            witty
                .summary()
                .iter()
                .any(|l| l.contains("from source port 4000/udp"))
        );

        // Code Red's TCP port is a destination; Blaster's border filter is
        // the advisory's list, as the advisory's own rule set has it.
        let red = scenario_rule_set(&builtin("codered2"), "codered2", Defense::Host).unwrap();
        assert_eq!(
            red.rules[0].traffic,
            Traffic::Port {
                port: PortProto::tcp(80),
                end: PortEnd::Destination
            }
        );
        let blaster = scenario_rule_set(&builtin("blaster"), "blaster", Defense::Border).unwrap();
        let advisory = Defense::Border.rule_set().unwrap();
        let key = |set: &RuleSet| -> Vec<(Direction, Traffic)> {
            set.rules.iter().map(|r| (r.direction, r.traffic)).collect()
        };
        assert_eq!(key(&blaster), key(&advisory));
    }

    #[test]
    fn a_sections_own_list_is_followed_and_cuts_or_empty_lists_are_refused() {
        // A file over Slammer whose border filter drops 1434/udp coming in
        // and 135/tcp too, and nothing going out.
        let set = scenario_rule_set(
            &scenario(
                "base = \"slammer\"\nname = \"my \\\"odd\\\" lab; rm -rf\"\n[defenses.border_filter]\nblocks_in = [\"1434/udp\", \"135/tcp\", \"1434/udp\"]\nblocks_out = []\n",
            ),
            "lab.toml",
            Defense::Border,
        );
        // The scenario checks that a filter drops the worm's own port; a
        // list with another beside it is still the user's to write.
        let set = match set {
            Ok(set) => set,
            Err(e) => panic!("{e}"),
        };
        let ports: Vec<PortProto> = set.rules.iter().filter_map(Rule::port).collect();
        assert_eq!(
            ports,
            [PortProto::udp(1434), PortProto::tcp(135)],
            "duplicates dropped"
        );
        assert!(set.rules.iter().all(|r| r.direction == Direction::Inbound));
        assert_eq!(set.object_name(), "my__odd__lab__rm__rf_border");
        for r in &set.rules {
            assert!(
                r.comment.len() <= 120 && r.comment.is_ascii(),
                "{}",
                r.comment
            );
            assert!(
                !r.comment.contains(['"', '\n', '\\', '%', '&', '|', ';']),
                "{}",
                r.comment
            );
        }

        let e = scenario_rule_set(
            &scenario("base = \"slammer\"\n[defenses.isp_filter]\nblocks_in = [\"*\"]\n"),
            "x.toml",
            Defense::Isp,
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("[defenses.isp_filter] blocks_in lists `*`"),
            "{e}"
        );
    }

    #[test]
    fn a_target_move_null_routes_the_flooded_address_of_its_own_scenario() {
        let red = scenario_rule_set(&builtin("codered2"), "codered2", Defense::TargetMove).unwrap();
        assert_eq!(red.placement, Placement::Router);
        let whitehouse = Traffic::ToAddress(Ipv4Addr::new(198, 137, 240, 91));
        let matched: Vec<(Direction, Traffic)> =
            red.rules.iter().map(|r| (r.direction, r.traffic)).collect();
        assert_eq!(
            matched,
            [
                (Direction::Inbound, whitehouse),
                (Direction::Outbound, whitehouse)
            ]
        );
        assert!(red.rules.iter().all(|r| r.port().is_none()));
        let Origin::Scenario(from) = &red.origin else {
            panic!("a scenario's rules")
        };
        assert_eq!(from.section, "target_move");
        assert!(from.source.contains("White House moved"), "{}", from.source);
        let summary = red.summary().join(" ");
        assert!(
            summary.contains("to 198.137.240.91, every protocol"),
            "{summary}"
        );
        assert!(red.rules.iter().all(|r| !r.comment.contains("follow")));
        // A worm that resolves a name: the same null route, which says
        // what it does not stop.
        let named = scenario("base = \"codered2\"\n[payload]\nname = \"www1.whitehouse.gov\"\n");
        let set = scenario_rule_set(&named, "named.toml", Defense::TargetMove).unwrap();
        assert_eq!(set.rules.len(), 2);
        for r in &set.rules {
            assert!(
                r.comment.contains(
                    "floods that resolve www1.whitehouse.gov after the move follow the site"
                ),
                "{}",
                r.comment
            );
        }

        // The address is the scenario's, not Code Red's: a file that moves
        // the flood elsewhere gets rules for its own target, and a long
        // name still leaves comments every format takes.
        let mine = scenario(&format!(
            "base = \"codered2\"\nname = \"{}\"\n[payload]\ntarget = \"203.0.113.255\"\n",
            "r".repeat(300)
        ));
        let set = scenario_rule_set(&mine, "mine.toml", Defense::TargetMove).unwrap();
        for r in &set.rules {
            assert_eq!(
                r.traffic,
                Traffic::ToAddress(Ipv4Addr::new(203, 0, 113, 255))
            );
            assert!(
                r.comment.len() <= 120 && r.comment.is_ascii(),
                "{}",
                r.comment
            );
        }
    }

    #[test]
    fn a_section_without_a_source_says_so() {
        // Witty given a flood has the move's section off and unsourced.
        let flooding = scenario(
            "base = \"witty\"\n[payload]\nfirst_day = 1\nlast_day = 2\npackets_per_second = 1\npacket_bytes = 40\ntarget = \"10.0.0.1\"\n",
        );
        let set = scenario_rule_set(&flooding, "w.toml", Defense::TargetMove).unwrap();
        let summary = set.summary().join(" ");
        assert!(
            summary
                .contains("Source: none; the scenario's [defenses.target_move] gives no `source`."),
            "{summary}"
        );
    }

    #[test]
    fn a_worm_that_floods_no_address_has_no_target_move_rules() {
        // Blaster floods a name: the advisory set and its scenario both
        // say where that defense is deployed instead.
        let advisory = Defense::TargetMove.rule_set().unwrap_err().to_string();
        assert!(advisory.contains("DNS record"), "{advisory}");
        let blaster = scenario_rule_set(&builtin("blaster"), "blaster", Defense::TargetMove)
            .unwrap_err()
            .to_string();
        assert!(
            blaster.starts_with("[defenses.target_move]") && blaster.contains("windowsupdate.com"),
            "{blaster}"
        );
        // Without its flaw Blaster carries the address, whose real value
        // is not known.
        let carried = scenario("base = \"blaster\"\n[flaws]\nflood_target = false\n");
        let carried = scenario_rule_set(&carried, "b.toml", Defense::TargetMove)
            .unwrap_err()
            .to_string();
        assert!(
            carried.contains("documentation address") && !carried.contains("floods a name"),
            "{carried}"
        );
        // Slammer floods nothing.
        let slammer = scenario_rule_set(&builtin("slammer"), "slammer", Defense::TargetMove)
            .unwrap_err()
            .to_string();
        assert!(slammer.contains("has no [payload]"), "{slammer}");
        // The move parses by its section's names; the DNS takedown is named
        // and explained rather than unknown.
        for name in ["target-move", "target_move", "Target-Move"] {
            assert_eq!(name.parse::<Defense>().unwrap(), Defense::TargetMove);
        }
        let takedown = "dns_takedown".parse::<Defense>().unwrap_err().to_string();
        assert!(
            takedown.contains("no firewall rules") && takedown.contains("DNS servers"),
            "{takedown}"
        );
        assert!(!takedown.contains("codered2"), "worm-neutral: {takedown}");
        let unknown = "dmz".parse::<Defense>().unwrap_err().to_string();
        assert!(unknown.contains("target-move"), "{unknown}");
    }

    #[test]
    fn scenario_comments_fit_every_format_whatever_the_name() {
        let long = format!("base = \"witty\"\nname = \"{}\"\n", "w".repeat(300));
        for defense in Defense::ALL {
            let set = scenario_rule_set(&scenario(&long), "long.toml", defense).unwrap();
            for r in &set.rules {
                assert!(r.comment.len() <= 120, "{}", r.comment);
            }
            assert!(set.object_name().len() <= 32 + 1 + 6);
        }
    }

    fn prefixes(list: &[&str]) -> Vec<Prefix> {
        list.iter().map(|p| p.parse().unwrap()).collect()
    }

    fn inside(list: &[&str]) -> RuleOptions {
        RuleOptions {
            inside: prefixes(list),
            ..RuleOptions::default()
        }
    }

    #[test]
    fn the_spoof_filter_drops_what_leaves_from_outside_the_inside_prefixes() {
        let set = Defense::SpoofFilter
            .rule_set_with(&inside(&["192.0.2.0/24", "198.51.100.0/23"]))
            .unwrap();
        assert_eq!(set.placement, Placement::Router);
        assert_eq!(set.inside, prefixes(&["192.0.2.0/24", "198.51.100.0/23"]));
        assert_eq!(set.rules.len(), 1);
        let rule = &set.rules[0];
        assert_eq!(
            (rule.direction, rule.traffic, rule.action, rule.source),
            (
                Direction::Outbound,
                Traffic::SpoofedSource,
                Action::Drop,
                Source::Bcp38
            )
        );
        assert_eq!(rule.port(), None);
        assert!(rule.comment.starts_with("BCP 38 (RFC 2827): drop outbound"));
        assert!(rule.comment.len() <= 120 && rule.comment.is_ascii());
        assert!(!rule.comment.contains(['"', '\n', '\\', '%', '&', '|']));
        let summary = set.summary().join(" ");
        for needle in [
            "INSIDE = 192.0.2.0/24, 198.51.100.0/23",
            "not the worm's spreading",
            "Drops IPv4 packets leaving",
        ] {
            assert!(summary.contains(needle), "{needle}: {summary}");
        }
        // Repeats and prefixes another holds are left out, in the order
        // given; a prefix of every address filters nothing.
        let set = Defense::SpoofFilter
            .rule_set_with(&inside(&[
                "10.1.0.0/16",
                "192.0.2.0/24",
                "10.0.0.0/8",
                "192.0.2.0/24",
            ]))
            .unwrap();
        assert_eq!(set.inside, prefixes(&["192.0.2.0/24", "10.0.0.0/8"]));
        let all = Defense::SpoofFilter
            .rule_set_with(&inside(&["0.0.0.0/0"]))
            .unwrap_err()
            .to_string();
        assert!(all.contains("drop nothing"), "{all}");
        // Two halves hold every address too.
        let halves = Defense::SpoofFilter
            .rule_set_with(&inside(&["0.0.0.0/1", "128.0.0.0/1"]))
            .unwrap_err()
            .to_string();
        assert!(halves.contains("holds every address"), "{halves}");
        // No network sends from loopback or multicast addresses.
        for range in ["127.0.0.0/8", "127.1.0.0/16", "224.0.0.1/32", "0.0.0.0/32"] {
            let e = Defense::SpoofFilter
                .rule_set_with(&inside(&["192.0.2.0/24", range]))
                .unwrap_err()
                .to_string();
            assert!(
                e.contains("cannot be the network's own sources"),
                "{range}: {e}"
            );
        }
        // The other defenses do not read the prefixes.
        let border = Defense::Border.rule_set_with(&inside(&["10.0.0.0/8"]));
        assert_eq!(border, Defense::Border.rule_set());
    }

    #[test]
    fn the_spoof_filter_without_inside_prefixes_is_refused() {
        let e = Defense::SpoofFilter.rule_set().unwrap_err();
        assert!(e.to_string().contains("--inside PREFIX (repeatable"), "{e}");
        assert_eq!(e.field(), None);
        let e = scenario_rule_set(&builtin("blaster"), "blaster", Defense::SpoofFilter)
            .unwrap_err()
            .to_string();
        assert!(e.contains("--inside PREFIX"), "{e}");
    }

    #[test]
    fn the_spoof_filter_parses_by_its_names_and_stays_out_of_the_advisory_set() {
        for name in ["spoof-filter", "spoof_filter", "BCP38", "Spoof_Filter"] {
            assert_eq!(name.parse::<Defense>().unwrap(), Defense::SpoofFilter);
        }
        assert_eq!(Defense::SpoofFilter.name(), "spoof-filter");
        assert_eq!(Defense::SpoofFilter.section(), "spoof_filter");
        assert!(!Defense::ALL.contains(&Defense::SpoofFilter));
        let unknown = "dmz".parse::<Defense>().unwrap_err().to_string();
        assert!(unknown.contains("spoof-filter"), "{unknown}");
    }

    #[test]
    fn a_scenarios_spoof_filter_needs_a_flood_that_spoofs() {
        let options = inside(&["192.0.2.0/24"]);
        // Blaster's flood always spoofs: the section's source is cited.
        let set = scenario_rule_set_with(
            &builtin("blaster-sample"),
            "blaster-sample",
            Defense::SpoofFilter,
            &options,
        )
        .unwrap();
        assert_eq!(set.rules.len(), 1);
        assert_eq!(set.rules[0].traffic, Traffic::SpoofedSource);
        assert_eq!(set.inside, options.inside);
        let Origin::Scenario(from) = &set.origin else {
            panic!("a scenario's rules")
        };
        assert_eq!(from.section, "spoof_filter");
        assert!(from.source.starts_with("BCP 38"), "{}", from.source);
        assert!(
            set.rules[0]
                .comment
                .starts_with("blaster-sample spoof_filter: ")
        );
        let summary = set.summary().join(" ");
        assert!(
            summary.contains("INSIDE = 192.0.2.0/24")
                && summary.contains("not the worm's spreading"),
            "{summary}"
        );

        // Code Red floods from its hosts' own addresses.
        let red = scenario_rule_set_with(
            &builtin("codered2"),
            "codered2",
            Defense::SpoofFilter,
            &options,
        )
        .unwrap_err();
        assert!(
            red.to_string()
                .contains("the worm's flood comes from its hosts' own addresses: a source filter drops none of it"),
            "{red}"
        );
        assert_eq!(red.field(), Some("payload.spoofed_sources"));
        // Slammer floods nothing.
        let slammer = scenario_rule_set_with(
            &builtin("slammer"),
            "slammer",
            Defense::SpoofFilter,
            &options,
        )
        .unwrap_err()
        .to_string();
        assert!(slammer.contains("the worm floods no target"), "{slammer}");
        // Code Red given a spoofed flood has rules, and a long name still
        // leaves a comment every format takes.
        let spoofing = scenario(&format!(
            "base = \"codered2\"\nname = \"{}\"\n[payload]\nspoofed_sources = true\npacket_bytes = 40\n",
            "r".repeat(300)
        ));
        let set =
            scenario_rule_set_with(&spoofing, "s.toml", Defense::SpoofFilter, &options).unwrap();
        assert_eq!(set.rules[0].traffic, Traffic::SpoofedSource);
        assert!(
            set.rules[0].comment.len() <= 120,
            "{}",
            set.rules[0].comment
        );
    }
}
