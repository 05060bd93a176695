//! wormscope-act: what a defender deploys, derived from the model.
//!
//! Two products, both plain text the caller writes wherever it wants:
//!
//! - **Firewall rules** ([`rules`]): a [`Defense`] of the model (border
//!   filtering of CERT CA-2003-20's port list, ISP filtering of 135/tcp, a
//!   host firewall on 135/tcp) resolved to a list of drop rules
//!   ([`defense::RuleSet`]) and rendered as an nftables ruleset, an
//!   `iptables-restore` file, a `netsh advfirewall` batch file or a pf.conf
//!   fragment ([`RuleFormat`]). Every output opens with a header comment that
//!   cites CA-2003-20 and MS03-026 and says what the rules do; every rule
//!   carries a comment citing its source. For any worm, a scenario's own
//!   `[defenses.*]` section gives the rules instead
//!   ([`defense::scenario_rule_set`], [`scenario_rules`]): Slammer's ISP
//!   filter drops 1434/udp, Witty's host firewall datagrams from source
//!   port 4000, each rule citing the section's `source`; Code Red's target
//!   move ([`Defense::TargetMove`]) null-routes the address its flood
//!   aims at. Source-address filtering ([`Defense::SpoofFilter`], BCP 38)
//!   drops packets leaving whose source is not one of the network's own
//!   prefixes ([`RuleOptions::inside`]), as W32/Blaster's spoofed flood, in
//!   nft, iptables or pf ([`scenario_rules_with`] for a scenario's).
//! - **Host indicators** ([`ioc`]): the artefacts of MODEL.md section 1
//!   (msblast.exe and the variants' file names, the MD5 of the original, the
//!   Run key value, the mutex), each with its source, as CSV or as a STIX 2.1
//!   bundle ([`IocFormat`]).
//!
//! ```
//! use wormscope_act::{Defense, RuleFormat, rules};
//! let text = rules(Defense::Host, "nft".parse::<RuleFormat>().unwrap()).unwrap();
//! assert!(text.contains("tcp dport 135 drop"));
//! ```
//!
//! **Architecture invariants:** no I/O (no files, no terminal, no network,
//! no clock): every function returns a `String` and the CLI writes it. The
//! output is a function of the arguments only, byte for byte (fixed order,
//! fixed STIX timestamps, UUIDv5 identifiers). This crate knows nothing of
//! the engine, the world or the detector; it shares only the port vocabulary
//! of `wormscope-scenario` ([`PortProto`]). Defensive only: it writes rules
//! that drop traffic and indicators that find the worm, nothing that sends a
//! packet.

pub mod defense;
pub mod ioc;
pub mod render;

pub use defense::{
    CA_2003_20_PORTS, Defense, DefenseError, Direction, IspScope, NoRules, Origin, Placement, Rule,
    RuleOptions, RuleSet, ScenarioDefense, Traffic, scenario_rule_set, scenario_rule_set_with,
};
pub use ioc::{Indicator, IndicatorKind, IocFormat, IocFormatError, indicators};
pub use render::{RuleFormat, RuleFormatError};
pub use wormscope_scenario::{PortProto, Prefix, Transport};

/// The rules that deploy W32/Blaster's `defense`, in `format`, with the
/// default options (ISP filtering of 135/tcp only, external interface
/// `eth0`). The target move has none: Blaster floods a name.
pub fn rules(defense: Defense, format: RuleFormat) -> Result<String, NoRules> {
    rules_with(defense, format, &RuleOptions::default())
}

/// The rules that deploy W32/Blaster's `defense`, in `format`, with
/// `options`. The spoof filter's need `options.inside`, and have no netsh
/// form.
pub fn rules_with(
    defense: Defense,
    format: RuleFormat,
    options: &RuleOptions,
) -> Result<String, NoRules> {
    render::render(&defense.rule_set_with(options)?, format, options)
}

/// The rules that deploy `defense` as `scenario`'s own section describes
/// it, in `format`, for a scenario of any worm; `argument` is how the user
/// named the scenario (the header repeats it).
pub fn scenario_rules(
    scenario: &wormscope_scenario::AnyScenario,
    argument: &str,
    defense: Defense,
    format: RuleFormat,
) -> Result<String, NoRules> {
    scenario_rules_with(scenario, argument, defense, format, &RuleOptions::default())
}

/// [`scenario_rules`] with `options`: the spoof filter's rules need the
/// network's own prefixes (`options.inside`).
pub fn scenario_rules_with(
    scenario: &wormscope_scenario::AnyScenario,
    argument: &str,
    defense: Defense,
    format: RuleFormat,
    options: &RuleOptions,
) -> Result<String, NoRules> {
    let set = scenario_rule_set_with(scenario, argument, defense, options)?;
    render::render(&set, format, options)
}

/// The host indicators of W32/Blaster in `format`.
pub fn ioc(format: IocFormat) -> String {
    ioc::render(&indicators(), format)
}
