//! Named defenses and variants of a scenario: the short specs people type
//! on a command line (`isp-block-135@6h`, `patch@24h+dns-takedown`) and the
//! TOML list of variants `wormscope compare --variants FILE` reads.
//!
//! A spec switches a `[defenses]` section on and, with `@TIME`, sets when
//! it starts; every other number keeps the scenario's documented value.
//! Specs are read the same way for both kinds of scenario; a kind says
//! which it has ([`Defended`]): a Blaster scenario every one, a
//! random-scanning worm's only [`RANDOM_SCAN_DEFENSES`].

use std::fmt;
use std::str::FromStr;

use crate::population::PopulationScenario;
use crate::schema::BlasterScenario;
use crate::units::{PortRule, SimDuration, When};
use crate::{ScenarioError, locate};

/// The built-in defenses a spec can name, with a one-line description. A
/// defense's name is its `[defenses]` section's, written with `-` (a spec
/// may use `_` as the section does: `isp_filter@6h`); the rest are the
/// older spellings, kept: presets of a section (`isp-block-135`) or
/// aliases (`dcom-off`).
pub const DEFENSES: &[(&str, &str)] = &[
    (
        "patch",
        "MS03-026 installed over time ([defenses.patch] curve)",
    ),
    (
        "isp-filter",
        "ISPs filter the scenario's [defenses.isp_filter] ports both ways",
    ),
    (
        "isp-block",
        "ISPs drop the worm's own exploit port both ways (Blaster: 135/tcp)",
    ),
    (
        "isp-block-135",
        "ISPs drop 135/tcp both ways at their border",
    ),
    (
        "isp-block-all",
        "ISPs drop 135/tcp, 4444/tcp and 69/udp both ways",
    ),
    (
        "border-filter",
        "enterprises filter the scenario's [defenses.border_filter] ports (Blaster: CA-2003-20's list)",
    ),
    (
        "host-firewall",
        "vulnerable hosts turn on Internet Connection Firewall",
    ),
    ("dcom-disabled", "vulnerable hosts disable DCOM"),
    ("dcom-off", "the same as dcom-disabled"),
    (
        "users",
        "users who see a crash clean up (no @TIME: acts on symptoms)",
    ),
    ("users-notice", "the same as users"),
    ("cleanup", "removal tools clean infected hosts at a rate"),
    (
        "dns-takedown",
        "the record of the name the flood resolves is removed (Blaster's windowsupdate.com)",
    ),
    (
        "target-move",
        "the flooded site moves to another address (Code Red's www1.whitehouse.gov)",
    ),
    (
        "spoof-filter",
        "first-hop networks drop spoofed sources (BCP 38)",
    ),
    ("bcp38", "the same as spoof-filter"),
];

/// One defense switched on, optionally from a given moment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DefenseSpec {
    pub name: String,
    pub at: Option<When>,
}

impl FromStr for DefenseSpec {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        let (name, at) = match text.split_once('@') {
            Some((n, t)) => (n.trim(), Some(t.trim())),
            None => (text.trim(), None),
        };
        let name = name.replace('_', "-");
        let name = name.as_str();
        if !DEFENSES.iter().any(|(n, _)| *n == name) {
            let names: Vec<&str> = DEFENSES.iter().map(|(n, _)| *n).collect();
            // A port named after `isp-block-` (`isp-block-1434`) means the
            // worm's own port, which `isp-block` blocks for any worm; only
            // Blaster's 135 has a name of its own.
            let near = if name.starts_with("isp-block-") {
                "did you mean `isp-block`, the worm's own port? ".to_string()
            } else {
                crate::named::closest(name, names.iter().copied())
                    .map_or(String::new(), |n| format!("did you mean `{n}`? "))
            };
            return Err(format!(
                "`{name}` is not a defense ({near}there are: {})",
                names.join(", ")
            ));
        }
        let at = match at {
            None => None,
            Some(_) if name == "users-notice" || name == "users" => {
                return Err(format!(
                    "`{name}` acts on each host's symptoms and takes no @TIME"
                ));
            }
            Some(t) => Some(t.parse::<When>().map_err(|e| format!("in `{text}`: {e}"))?),
        };
        Ok(DefenseSpec {
            name: name.to_string(),
            at,
        })
    }
}

impl fmt::Display for DefenseSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)?;
        if let Some(at) = self.at {
            write!(f, "@{at}")?;
        }
        Ok(())
    }
}

impl DefenseSpec {
    /// The `[defenses]` section the spec switches on: specs of one section
    /// (`isp-block@2m`, `isp-filter@6h`) would overwrite each other.
    fn section(&self) -> &'static str {
        match self.name.as_str() {
            "isp-filter" | "isp-block" | "isp-block-135" | "isp-block-all" => "isp_filter",
            "dcom-disabled" | "dcom-off" => "dcom_disabled",
            "users" | "users-notice" => "users",
            "dns-takedown" => "dns_takedown",
            "target-move" => "target_move",
            "spoof-filter" | "bcp38" => "spoof_filter",
            "patch" => "patch",
            "border-filter" => "border_filter",
            "host-firewall" => "host_firewall",
            "cleanup" => "cleanup",
            other => unreachable!("`{other}` was checked when parsed"),
        }
    }

    /// Switches the defense on in `s`.
    pub fn apply(&self, s: &mut BlasterScenario) {
        let d = &mut s.defenses;
        let ports = |list: &[&str]| -> Vec<PortRule> {
            list.iter()
                .map(|p| p.parse().expect("built-in port lists parse"))
                .collect()
        };
        let set = |enabled: &mut bool, start: &mut When| turn_on(enabled, start, self.at);
        match self.name.as_str() {
            "patch" => set(&mut d.patch.enabled, &mut d.patch.start),
            "isp-filter" => set(&mut d.isp_filter.enabled, &mut d.isp_filter.start),
            "isp-block" | "isp-block-135" | "isp-block-all" => {
                set(&mut d.isp_filter.enabled, &mut d.isp_filter.start);
                // The worm-neutral `isp-block` names the worm's own exploit
                // port; a Blaster scenario's is RPC's 135/tcp (MODEL.md).
                let list: &[&str] = if self.name == "isp-block-all" {
                    &["135/tcp", "4444/tcp", "69/udp"]
                } else {
                    &["135/tcp"]
                };
                d.isp_filter.blocks_in = ports(list);
                d.isp_filter.blocks_out = ports(list);
            }
            "border-filter" => set(&mut d.border_filter.enabled, &mut d.border_filter.start),
            "host-firewall" => set(&mut d.host_firewall.enabled, &mut d.host_firewall.start),
            "dcom-disabled" | "dcom-off" => {
                set(&mut d.dcom_disabled.enabled, &mut d.dcom_disabled.start)
            }
            "users" | "users-notice" => d.users.enabled = true,
            "cleanup" => set(&mut d.cleanup.enabled, &mut d.cleanup.start),
            "dns-takedown" => set(&mut d.dns_takedown.enabled, &mut d.dns_takedown.at),
            "target-move" => set(&mut d.target_move.enabled, &mut d.target_move.at),
            "spoof-filter" | "bcp38" => set(&mut d.spoof_filter.enabled, &mut d.spoof_filter.start),
            other => unreachable!("`{other}` was checked when parsed"),
        }
    }
}

/// Refuses a variant that switches one section on twice: the later spec
/// would silently replace the earlier one's start (or ports).
fn once_each(defenses: &[DefenseSpec]) -> Result<(), String> {
    for (i, d) in defenses.iter().enumerate() {
        if let Some(earlier) = defenses[..i].iter().find(|e| e.section() == d.section()) {
            return Err(format!(
                "`{earlier}` and `{d}` both set [defenses.{}]: a variant sets each defense once \
                 (to compare two starts, make them two variants)",
                d.section()
            ));
        }
    }
    Ok(())
}

/// Switches a section on, from `at` if given.
fn turn_on(enabled: &mut bool, start: &mut When, at: Option<When>) {
    *enabled = true;
    if let Some(at) = at {
        *start = at;
    }
}

/// The specs a random-scanning worm's scenario runs: its `[defenses]`
/// sections (`PopulationDefenses`).
pub const RANDOM_SCAN_DEFENSES: [&str; 9] = [
    "patch",
    "host-firewall",
    "isp-filter",
    "isp-block",
    "border-filter",
    "cleanup",
    "target-move",
    "dns-takedown",
    "spoof-filter",
];

/// A kind of scenario that variants switch defenses on in.
pub trait Defended: Clone + PartialEq {
    /// Switches `spec`'s defense on, or says why this scenario cannot run
    /// it (naming the spec, the worm and the specs it runs).
    fn switch_on(&mut self, spec: &DefenseSpec) -> Result<(), String>;
    /// The scenario's first problem, as (field path, message).
    fn check(&self) -> Result<(), (String, String)>;
    /// When the run starts, and how long it runs.
    fn span(&self) -> (jiff::Timestamp, SimDuration);
    /// The moments of the defense sections switched on, as (field path,
    /// moment).
    fn moments(&self) -> Vec<(&'static str, When)>;

    /// The sections switched on whose moment is at or after the run's end
    /// (a run cut short by `--duration`, or a mistyped date), as
    /// `field = moment`: in this run they change nothing.
    fn after_the_end(&self) -> Vec<String> {
        let (start, duration) = self.span();
        self.moments()
            .into_iter()
            .filter(|(_, at)| {
                at.after_start(start)
                    .is_ok_and(|us| us >= duration.as_micros())
            })
            .map(|(field, at)| format!("{field} = {at}"))
            .collect()
    }
}

/// The moments of the sections of `defenses` that are switched on, each
/// named by its field path (`defenses.SECTION.FIELD`).
macro_rules! switched_on {
    ($defenses:expr; $($section:ident . $field:ident),+ $(,)?) => {
        [$((
            $defenses.$section.enabled,
            concat!("defenses.", stringify!($section), ".", stringify!($field)),
            $defenses.$section.$field,
        )),+]
        .into_iter()
        .filter_map(|(on, path, at)| on.then_some((path, at)))
        .collect()
    };
}

impl Defended for BlasterScenario {
    /// A Blaster scenario has every section a spec names.
    fn switch_on(&mut self, spec: &DefenseSpec) -> Result<(), String> {
        spec.apply(self);
        Ok(())
    }
    fn check(&self) -> Result<(), (String, String)> {
        crate::check(self)
    }
    fn span(&self) -> (jiff::Timestamp, SimDuration) {
        (self.start, self.duration)
    }
    fn moments(&self) -> Vec<(&'static str, When)> {
        switched_on!(self.defenses;
            patch.start, isp_filter.start, border_filter.start, host_firewall.start,
            dcom_disabled.start, cleanup.start, dns_takedown.at, target_move.at,
            spoof_filter.start)
    }
}

impl Defended for PopulationScenario {
    fn switch_on(&mut self, spec: &DefenseSpec) -> Result<(), String> {
        let d = &mut self.defenses;
        let (enabled, start) = match spec.name.as_str() {
            "patch" => (&mut d.patch.enabled, &mut d.patch.start),
            "host-firewall" => (&mut d.host_firewall.enabled, &mut d.host_firewall.start),
            "isp-filter" => (&mut d.isp_filter.enabled, &mut d.isp_filter.start),
            "border-filter" => (&mut d.border_filter.enabled, &mut d.border_filter.start),
            "cleanup" => (&mut d.cleanup.enabled, &mut d.cleanup.start),
            "target-move" => (&mut d.target_move.enabled, &mut d.target_move.at),
            "dns-takedown" => (&mut d.dns_takedown.enabled, &mut d.dns_takedown.at),
            "spoof-filter" | "bcp38" => (&mut d.spoof_filter.enabled, &mut d.spoof_filter.start),
            "isp-block" => {
                // The worm's own port, both ways.
                let port = vec![PortRule::One(self.worm.delivery.port())];
                d.isp_filter.blocks_in = port.clone();
                d.isp_filter.blocks_out = port;
                (&mut d.isp_filter.enabled, &mut d.isp_filter.start)
            }
            other => {
                // The target move needs a flood to move away from, the
                // takedown a flood of a name.
                let runs: Vec<&str> = RANDOM_SCAN_DEFENSES
                    .iter()
                    .copied()
                    .filter(|d| match *d {
                        "target-move" => self.payload.is_some(),
                        "dns-takedown" => self.payload.as_ref().is_some_and(|p| p.name.is_some()),
                        "spoof-filter" => self.payload.as_ref().is_some_and(|p| p.spoofed_sources),
                        _ => true,
                    })
                    .collect();
                return Err(format!(
                    "`{other}` is not a defense of `{}`: it runs {}",
                    self.name,
                    runs.join(", ")
                ));
            }
        };
        turn_on(enabled, start, spec.at);
        Ok(())
    }
    fn check(&self) -> Result<(), (String, String)> {
        crate::check_population(self)
    }
    fn span(&self) -> (jiff::Timestamp, SimDuration) {
        (self.start, self.duration)
    }
    fn moments(&self) -> Vec<(&'static str, When)> {
        switched_on!(self.defenses;
            patch.start, isp_filter.start, border_filter.start, host_firewall.start,
            cleanup.start, dns_takedown.at, target_move.at, spoof_filter.start)
    }
}

/// A variant: a name and the defenses it switches on (`a+b` on the command
/// line).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Variant {
    pub name: String,
    pub defenses: Vec<DefenseSpec>,
}

impl FromStr for Variant {
    type Err = String;
    /// `isp-block-135@6h` or `patch@24h+dns-takedown`.
    fn from_str(text: &str) -> Result<Self, String> {
        let defenses = text
            .split('+')
            .map(str::parse)
            .collect::<Result<Vec<DefenseSpec>, String>>()?;
        once_each(&defenses)?;
        Ok(Variant {
            name: text.trim().to_string(),
            defenses,
        })
    }
}

impl Variant {
    /// The first of its defenses that starts at or after `s`'s end, when
    /// it could change nothing of a run of `s`.
    pub fn starting_after_the_end<S: Defended>(&self, s: &S) -> Option<&DefenseSpec> {
        let (start, duration) = s.span();
        self.defenses.iter().find(|d| {
            d.at.is_some_and(|at| {
                at.after_start(start)
                    .is_ok_and(|us| us >= duration.as_micros())
            })
        })
    }

    /// This variant's defenses whose section `s` already switches on,
    /// with the moment it does so there (`defenses.patch.start = 0h`):
    /// against such a baseline the variant measures a change of the
    /// section's moment, not the defense itself.
    pub fn already_on_in<S: Defended>(&self, s: &S) -> Vec<(&DefenseSpec, String)> {
        // A section whose moment falls after the run does nothing there:
        // against it, the variant measures the defense.
        let late = s.after_the_end();
        let on: Vec<_> = s
            .moments()
            .into_iter()
            .filter(|(path, at)| !late.contains(&format!("{path} = {at}")))
            .collect();
        self.defenses
            .iter()
            .filter_map(|d| {
                let section = format!("defenses.{}.", d.section());
                on.iter()
                    .find(|(path, _)| path.starts_with(&section))
                    .map(|(path, at)| (d, format!("{path} = {at}")))
            })
            .collect()
    }

    /// When this variant's defenses that name a start (`NAME@TIME`) start
    /// in a run of `s`, µs after its start, ascending and each once. A
    /// defense without one starts when its scenario section says.
    pub fn starts_us<S: Defended>(&self, s: &S) -> Vec<u64> {
        let (start, _) = s.span();
        let mut at: Vec<u64> = self
            .defenses
            .iter()
            .filter_map(|d| d.at?.after_start(start).ok())
            .collect();
        at.sort_unstable();
        at.dedup();
        at
    }

    /// `s` with this variant's defenses on, checked again.
    pub fn applied_to<S: Defended>(&self, s: &S) -> Result<S, String> {
        let mut v = s.clone();
        for d in &self.defenses {
            v.switch_on(d)
                .map_err(|e| format!("variant `{}`: {e}", self.name))?;
        }
        v.check()
            .map_err(|(field, msg)| format!("variant `{}`: field `{field}`: {msg}", self.name))?;
        Ok(v)
    }
}

/// [`parse_variants`] for scenario `s`: a defense `s` does not run is
/// blamed on the file's line and field, as a misspelt one is.
pub fn parse_variants_for<S: Defended>(
    text: &str,
    origin: &str,
    s: &S,
) -> Result<Vec<Variant>, ScenarioError> {
    let variants = parse_variants(text, origin)?;
    for (i, v) in variants.iter().enumerate() {
        let mut on = s.clone();
        for d in &v.defenses {
            on.switch_on(d).map_err(|message| {
                let field = format!("variant[{i}].defenses");
                ScenarioError {
                    file: origin.to_string(),
                    line: locate::line_of_path(text, &field),
                    field: Some(field),
                    message,
                }
            })?;
        }
    }
    Ok(variants)
}

/// Reads a TOML list of variants:
///
/// ```toml
/// [[variant]]
/// name = "ISPs block 135 on the 12th"
/// defenses = ["isp-block-135@2003-08-12T12:00:00Z"]
/// ```
pub fn parse_variants(text: &str, origin: &str) -> Result<Vec<Variant>, ScenarioError> {
    let err = |line: Option<usize>, field: Option<String>, message: String| ScenarioError {
        file: origin.to_string(),
        line,
        field,
        message,
    };
    let doc: toml::Table = toml::from_str(text).map_err(|e| {
        let line = e.span().map(|s| locate::line_of_offset(text, s.start));
        err(line, None, e.message().trim().to_string())
    })?;
    let Some(toml::Value::Array(list)) = doc.get("variant") else {
        return Err(err(
            None,
            Some("variant".into()),
            "expected a list of [[variant]] tables".into(),
        ));
    };
    let mut out = Vec::new();
    for (i, v) in list.iter().enumerate() {
        let field = |name: &str| format!("variant[{i}].{name}");
        let at = |name: &str| {
            let f = field(name);
            (locate::line_of_path(text, &f), Some(f))
        };
        let Some(table) = v.as_table() else {
            let (l, f) = at("name");
            return Err(err(l, f, "each variant must be a table".into()));
        };
        if let Some(unknown) = table.keys().find(|k| *k != "name" && *k != "defenses") {
            let (l, f) = at(unknown);
            return Err(err(
                l,
                f,
                "unknown field (a variant has `name` and `defenses`)".into(),
            ));
        }
        let Some(name) = table.get("name").and_then(|n| n.as_str()) else {
            let (l, f) = at("name");
            return Err(err(l, f, "a variant needs a `name` string".into()));
        };
        // The name is a cell of comparison-timeseries.csv and a label.
        let problem = if name.trim().is_empty()
            || name.chars().any(|c| c == ',' || c == '"' || c.is_control())
        {
            Some("a variant's name is one line of text without commas or quotes".to_string())
        } else if name == "baseline" || out.iter().any(|v: &Variant| v.name == name) {
            Some(format!("another variant is already called `{name}`"))
        } else {
            None
        };
        if let Some(message) = problem {
            let (l, f) = at("name");
            return Err(err(l, f, message));
        }
        let Some(specs) = table.get("defenses").and_then(|d| d.as_array()) else {
            let (l, f) = at("defenses");
            return Err(err(
                l,
                f,
                "a variant needs a `defenses` list of strings".into(),
            ));
        };
        let mut defenses = Vec::new();
        for spec in specs {
            let parsed = spec
                .as_str()
                .ok_or_else(|| "defenses are strings like `isp-block-135@6h`".to_string())
                .and_then(|text| match text.split_once('+') {
                    // The command line's `a+b` is a list here.
                    Some((a, b)) => Err(format!(
                        "`{text}`: list each defense as a string of its own: \
                         [\"{}\", \"{}\"]",
                        a.trim(),
                        b.trim()
                    )),
                    None => text.parse::<DefenseSpec>(),
                });
            match parsed {
                Ok(d) => defenses.push(d),
                Err(message) => {
                    let (l, f) = at("defenses");
                    return Err(err(l, f, message));
                }
            }
        }
        if let Err(message) = once_each(&defenses) {
            let (l, f) = at("defenses");
            return Err(err(l, f, message));
        }
        out.push(Variant {
            name: name.to_string(),
            defenses,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_parse_and_switch_defenses_on() {
        // The takedown of Blaster's name and a move of its site are two
        // sections, each switched on alone.
        let moved: Variant = "target-move@3d".parse().unwrap();
        let taken_down: Variant = "dns-takedown@3d".parse().unwrap();
        let moved = moved.applied_to(&crate::default_scenario()).unwrap();
        let taken_down = taken_down.applied_to(&crate::default_scenario()).unwrap();
        assert!(moved.defenses.target_move.enabled && !moved.defenses.dns_takedown.enabled);
        assert!(
            taken_down.defenses.dns_takedown.enabled && !taken_down.defenses.target_move.enabled
        );
        assert_eq!(moved.defenses.target_move.at, "3d".parse().unwrap());
        let v: Variant = "isp-block-135@6h+dns-takedown".parse().unwrap();
        let s = v.applied_to(&crate::default_scenario()).unwrap();
        assert!(s.defenses.isp_filter.enabled);
        assert_eq!(s.defenses.isp_filter.start, "6h".parse().unwrap());
        assert_eq!(
            s.defenses.isp_filter.blocks_in,
            vec!["135/tcp".parse().unwrap()]
        );
        assert!(s.defenses.dns_takedown.enabled);
        assert!(!s.defenses.patch.enabled);
        assert_eq!(v.to_owned().defenses[0].to_string(), "isp-block-135@6h");
    }

    #[test]
    fn a_variant_names_the_sections_its_baseline_already_switches_on() {
        let v: Variant = "patch@24h+cleanup@2h".parse().unwrap();
        let mut s = crate::default_scenario();
        assert!(v.already_on_in(&s).is_empty());
        s.defenses.patch.enabled = true;
        let on = v.already_on_in(&s);
        assert_eq!(on.len(), 1);
        assert_eq!(on[0].0.to_string(), "patch@1d");
        assert!(
            on[0].1.starts_with("defenses.patch.start = "),
            "{}",
            on[0].1
        );
        // Switched on only after the run, it does nothing there: not named.
        s.defenses.patch.start = "2d".parse().unwrap();
        assert!(v.already_on_in(&s).is_empty());
    }

    #[test]
    fn sections_switched_on_at_or_after_the_end_are_named() {
        // Blaster's default runs 24 h: a patch from 24 h on changes nothing,
        // one from 23 h does; a section switched off is not named.
        let late: Variant = "patch@24h+cleanup@23h".parse().unwrap();
        let mut s = late.applied_to(&crate::default_scenario()).unwrap();
        assert_eq!(s.after_the_end(), vec!["defenses.patch.start = 1d"]);
        s.defenses.patch.enabled = false;
        assert!(s.after_the_end().is_empty());
        // A date, on a random-scanning worm.
        let mut c = crate::builtin_population("codered2").unwrap();
        assert!(c.after_the_end().is_empty());
        c.defenses.host_firewall.enabled = true;
        c.defenses.host_firewall.start = When::At("2001-07-21T00:00:00Z".parse().unwrap());
        assert_eq!(
            c.after_the_end(),
            vec!["defenses.host_firewall.start = 2001-07-21T00:00:00Z"]
        );
    }

    #[test]
    fn every_defense_section_is_a_spec_by_its_own_name() {
        let base = crate::default_scenario();
        let sections = |s: &BlasterScenario| -> toml::Table {
            toml::Table::try_from(&s.defenses).expect("defenses serialize")
        };
        let before = sections(&base);
        assert_eq!(before.len(), 10, "{:?}", before.keys().collect::<Vec<_>>());
        for (section, _) in &before {
            for spelling in [section.clone(), section.replace('_', "-")] {
                let v: Variant = spelling.parse().unwrap_or_else(|e| panic!("{e}"));
                let after = sections(&v.applied_to(&base).unwrap());
                // The section of that name, and no other, is switched on.
                for (name, table) in &after {
                    let on = table.get("enabled") == Some(&toml::Value::Boolean(true));
                    let was = before[name].get("enabled") == Some(&toml::Value::Boolean(true));
                    assert_eq!(on, was || name == section, "{spelling}: {name}");
                }
                assert_eq!(v.defenses[0].name, section.replace('_', "-"));
            }
        }
    }

    #[test]
    fn a_random_scanning_worm_runs_its_own_sections_and_refuses_the_rest() {
        // Code Red: the worm with a flood, whose target can move, here
        // resolving its name so that the record can be taken down.
        let mut base = crate::builtin_population("codered2").unwrap();
        let flood = base.payload.as_mut().unwrap();
        flood.name = Some("www1.whitehouse.gov".into());
        // Spoofed, so that the source filter has something to filter.
        (flood.spoofed_sources, flood.packet_bytes) = (true, 40);
        let sections = |s: &PopulationScenario| -> toml::Table {
            toml::Table::try_from(&s.defenses).expect("defenses serialize")
        };
        let before = sections(&base);
        let mut names: Vec<String> = before.keys().map(|k| k.replace('_', "-")).collect();
        names.sort();
        // `isp-block` is a preset of the ISP filter's section.
        fn section_of(spec: &str) -> &str {
            if spec == "isp-block" {
                "isp-filter"
            } else {
                spec
            }
        }
        let mut supported: Vec<&str> = RANDOM_SCAN_DEFENSES
            .iter()
            .filter(|s| section_of(s) == **s)
            .copied()
            .collect();
        supported.sort();
        assert_eq!(names, supported, "one spec per [defenses] section");
        for spec in RANDOM_SCAN_DEFENSES {
            let v: Variant = format!("{spec}@2m").parse().unwrap();
            let after = sections(&v.applied_to(&base).unwrap());
            for (name, table) in &after {
                let on = table.get("enabled") == Some(&toml::Value::Boolean(true));
                assert_eq!(
                    on,
                    name.replace('_', "-") == section_of(spec),
                    "{spec}: {name}"
                );
                if on {
                    let two_minutes: When = "2m".parse().unwrap();
                    let moment = if name == "target_move" || name == "dns_takedown" {
                        "at"
                    } else {
                        "start"
                    };
                    assert_eq!(
                        table.get(moment),
                        Some(&toml::Value::try_from(two_minutes).unwrap())
                    );
                }
            }
        }
        // A port after `isp-block-` points at the worm's own.
        let e = "isp-block-1434@2m".parse::<DefenseSpec>().unwrap_err();
        assert!(
            e.contains("did you mean `isp-block`, the worm's own port?"),
            "{e}"
        );
        let e = "isp-blok@2m".parse::<DefenseSpec>().unwrap_err();
        assert!(e.contains("did you mean `isp-block`?"), "{e}");
        for (name, what) in DEFENSES {
            // An alias of one of them (`bcp38`) is one of them.
            let alias_of = what.strip_prefix("the same as ");
            if RANDOM_SCAN_DEFENSES.contains(name)
                || alias_of.is_some_and(|a| RANDOM_SCAN_DEFENSES.contains(&a))
            {
                continue;
            }
            let v: Variant = format!("patch@0h+{name}").parse().unwrap();
            let e = v.applied_to(&base).unwrap_err();
            assert!(
                e.contains(&format!("`{name}` is not a defense of `codered2`"))
                    && e.contains(
                        "patch, host-firewall, isp-filter, isp-block, border-filter, cleanup, \
                         target-move, dns-takedown"
                    ),
                "{e}"
            );
        }
        // Given a spoofed flood, Slammer (whose built-in has no source
        // filter) is filtered at every first hop from the spec's moment.
        let mut spoofing = crate::builtin_population("slammer").unwrap();
        let mut flood = base.payload.clone().unwrap();
        flood.name = None;
        spoofing.payload = Some(flood);
        let v: Variant = "bcp38@1m".parse().unwrap();
        let filtered = v.applied_to(&spoofing).unwrap();
        let f = &filtered.defenses.spoof_filter;
        assert!(f.enabled);
        assert_eq!(
            (f.start, f.coverage_pct.as_fraction()),
            ("1m".parse().unwrap(), 1.0)
        );
        // Slammer floods no one: the target move and the takedown are not
        // offered, and asked for, they say why.
        let slammer = crate::builtin_population("slammer").unwrap();
        let e = "dcom-disabled@0h"
            .parse::<Variant>()
            .unwrap()
            .applied_to(&slammer)
            .unwrap_err();
        assert!(e.ends_with("border-filter, cleanup"), "{e}");
        for spec in ["dns-takedown@0h", "target-move@0h"] {
            let e = spec
                .parse::<Variant>()
                .unwrap()
                .applied_to(&slammer)
                .unwrap_err();
            assert!(e.contains("the worm floods no target"), "{e}");
        }
        // Code Red as it was carries the address: no record to take down.
        let e = "dns-takedown@0h"
            .parse::<Variant>()
            .unwrap()
            .applied_to(&crate::builtin_population("codered2").unwrap())
            .unwrap_err();
        assert!(e.contains("there is no name to take down"), "{e}");
        // In a file, the refusal names the file, line and field.
        let text = "[[variant]]\nname = \"a\"\ndefenses = [\"patch@1m\"]\n\n[[variant]]\nname = \"b\"\ndefenses = [\"dcom-off@1h\"]\n";
        let e = parse_variants_for(text, "v.toml", &base).unwrap_err();
        assert_eq!(
            (e.line, e.field.as_deref()),
            (Some(7), Some("variant[1].defenses")),
            "{e}"
        );
        assert!(e.to_string().contains("`dcom-off`"), "{e}");
        assert_eq!(
            parse_variants_for(text, "v.toml", &crate::default_scenario())
                .unwrap()
                .len(),
            2
        );
    }

    #[test]
    fn bad_specs_are_named() {
        // The worm-neutral spelling blocks Blaster's own port, as the
        // preset that names it does.
        let mut neutral = crate::default_scenario();
        let mut named = neutral.clone();
        "isp-block@6h"
            .parse::<DefenseSpec>()
            .unwrap()
            .apply(&mut neutral);
        "isp-block-135@6h"
            .parse::<DefenseSpec>()
            .unwrap()
            .apply(&mut named);
        assert_eq!(neutral, named);
        assert!(neutral.defenses.isp_filter.enabled);
        // On another worm it blocks that worm's port, both ways.
        for (worm, port) in [
            ("slammer", "1434/udp"),
            ("codered2", "80/tcp"),
            ("witty", "4000/udp"),
        ] {
            let v: Variant = "isp-block@6h".parse().unwrap();
            let s = v
                .applied_to(&crate::builtin_population(worm).unwrap())
                .unwrap();
            let f = &s.defenses.isp_filter;
            assert!(f.enabled, "{worm}");
            assert_eq!(f.start, "6h".parse().unwrap());
            let port: PortRule = port.parse().unwrap();
            assert_eq!(
                (&f.blocks_in[..], &f.blocks_out[..]),
                (&[port][..], &[port][..]),
                "{worm}"
            );
        }
        let e = "isp-block-139@6h".parse::<Variant>().unwrap_err();
        assert!(
            e.contains("not a defense") && e.contains("isp-block-135"),
            "{e}"
        );
        // A typo gets the nearest name; a word far from every name, none.
        let e = "isp-blok@1h".parse::<Variant>().unwrap_err();
        assert!(e.contains("did you mean `isp-block`?"), "{e}");
        let e = "sandbag@1h".parse::<Variant>().unwrap_err();
        assert!(
            e.contains("not a defense") && !e.contains("did you mean"),
            "{e}"
        );
        let e = "patch@soon".parse::<Variant>().unwrap_err();
        assert!(e.contains("patch@soon"), "{e}");
        let e = "users-notice@1h".parse::<Variant>().unwrap_err();
        assert!(e.contains("no @TIME"), "{e}");
        // One section twice: the later would replace the earlier's start.
        for twice in [
            "patch@1m+patch@20m",
            "isp-block@2m+isp-filter@25m",
            "dcom-off+dcom-disabled@1h",
        ] {
            let e = twice.parse::<Variant>().unwrap_err();
            assert!(e.contains("each defense once"), "{twice}: {e}");
        }
        let e = "isp-block@2m+isp-filter@25m"
            .parse::<Variant>()
            .unwrap_err();
        assert!(e.contains("[defenses.isp_filter]"), "{e}");
        assert!(
            "patch@1m+isp-block@2m+cleanup@3m"
                .parse::<Variant>()
                .is_ok()
        );
        // A timestamp before the simulation start is refused when applied.
        let v: Variant = "patch@2003-08-01T00:00:00Z".parse().unwrap();
        let e = v.applied_to(&crate::default_scenario()).unwrap_err();
        assert!(
            e.contains("defenses.patch.start") && e.contains("before"),
            "{e}"
        );
    }

    #[test]
    fn variant_files_name_file_line_and_field() {
        let ok = "[[variant]]\nname = \"a\"\ndefenses = [\"patch@24h\"]\n";
        let v = parse_variants(ok, "v.toml").unwrap();
        assert_eq!(v[0].defenses[0].name, "patch");
        let bad = "[[variant]]\nname = \"a\"\ndefenses = [\"patch@24h\", \"moat\"]\n";
        let e = parse_variants(bad, "v.toml").unwrap_err();
        assert_eq!(e.line, Some(3), "{e}");
        assert_eq!(e.field.as_deref(), Some("variant[0].defenses"));
        assert!(
            e.to_string()
                .starts_with("v.toml:3: field `variant[0].defenses`"),
            "{e}"
        );
        // A list holds one defense a string; one section once.
        for (text, says) in [
            (
                "[\"patch@8m+cleanup@4m\"]",
                "[\"patch@8m\", \"cleanup@4m\"]",
            ),
            ("[\"patch@1m\", \"patch@20m\"]", "each defense once"),
        ] {
            let bad = format!("[[variant]]\nname = \"a\"\ndefenses = {text}\n");
            let e = parse_variants(&bad, "v.toml").unwrap_err();
            assert_eq!(e.field.as_deref(), Some("variant[0].defenses"), "{e}");
            assert!(e.message.contains(says), "{e}");
        }
    }

    #[test]
    fn variant_names_are_one_cell_each_and_unique() {
        for (text, says) in [
            (
                "[[variant]]\nname = \"a,b\"\ndefenses = []\n",
                "without commas",
            ),
            (
                "[[variant]]\nname = \" \"\ndefenses = []\n",
                "without commas",
            ),
            (
                "[[variant]]\nname = \"baseline\"\ndefenses = []\n",
                "already called",
            ),
            (
                "[[variant]]\nname = \"a\"\ndefenses = []\n[[variant]]\nname = \"a\"\ndefenses = []\n",
                "already called `a`",
            ),
        ] {
            let e = parse_variants(text, "v.toml").unwrap_err();
            assert!(e.field.as_deref().unwrap().ends_with("].name"), "{e}");
            assert!(e.to_string().contains(says), "{e}");
        }
    }
}
