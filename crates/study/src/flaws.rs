//! The essay's question, measured (seed 000): what each of Blaster's flaws
//! cost it, and which defenses worked only because of a flaw.
//!
//! Two tables. The first runs the worm as it was, each flaw removed alone,
//! and all removed, each under a set of defenses (by default those of
//! August 2003) and under none, on common seeds. The second takes each
//! defense that relied on a flaw and measures its effect (the paired
//! difference it makes against no defenses) with the flaw and without it:
//! the share of the effect that disappears is what the defense owed to the
//! flaw.

use wormscope_model::World;
use wormscope_scenario::BlasterScenario;
use wormscope_scenario::variant::Variant;

use crate::{Band, METRICS, Metrics, VariantResult, ensemble_stored};

/// The flaws, by the names `wormscope flaws` prints.
pub const FLAWS: [&str; 4] = ["os-guess", "stage2-reachback", "flood-target", "start-seed"];

/// The defenses of August 2003 the default study runs under: ISPs blocking
/// 135, 4444 and 69 from 12 August (seed 002), enterprises filtering the
/// advisory's list (seed 004), users who noticed the crashes (seeds 000,
/// 002), and windowsupdate.com's record taken down before the 16th
/// (seed 000).
pub const DEFENSES_2003: &str =
    "isp-block-all@2003-08-12T12:00:00Z+border-filter+users-notice+dns-takedown";

/// Each defense that relied on a flaw, the flaw, and the metric it acted on
/// (an index into [`METRICS`]).
pub const RELIANCE: [(&str, &str, usize); 4] = [
    ("isp-block-all", "stage2-reachback", 2),
    ("border-filter", "stage2-reachback", 2),
    ("users-notice", "os-guess", 2),
    ("dns-takedown", "flood-target", 5),
];

/// `s` with the named flaw removed.
pub fn without_flaw(s: &BlasterScenario, flaw: &str) -> BlasterScenario {
    let mut v = s.clone();
    let f = &mut v.flaws;
    match flaw {
        "os-guess" => f.os_guess = false,
        "stage2-reachback" => f.stage2_reachback = false,
        "flood-target" => f.flood_target = false,
        "start-seed" => f.start_seed = false,
        other => unreachable!("`{other}` is not one of FLAWS"),
    }
    v
}

/// `s` with every defense switched off.
pub fn without_defenses(s: &BlasterScenario) -> BlasterScenario {
    let mut v = s.clone();
    let d = &mut v.defenses;
    d.patch.enabled = false;
    d.isp_filter.enabled = false;
    d.border_filter.enabled = false;
    d.host_firewall.enabled = false;
    d.dcom_disabled.enabled = false;
    d.users.enabled = false;
    d.cleanup.enabled = false;
    d.dns_takedown.enabled = false;
    d.spoof_filter.enabled = false;
    d.target_move.enabled = false;
    v
}

/// The worm as it was, each flaw removed alone, and all removed, on `s`.
pub fn worm_variants(s: &BlasterScenario) -> Vec<(String, BlasterScenario)> {
    let mut v = vec![("baseline".to_string(), s.clone())];
    for flaw in FLAWS {
        v.push((format!("no-{flaw}"), without_flaw(s, flaw)));
    }
    let all = FLAWS.iter().fold(s.clone(), |v, f| without_flaw(&v, f));
    v.push(("no-flaws".to_string(), all));
    v
}

/// One row of the first table.
#[derive(Clone, Debug)]
pub struct FlawRow {
    /// `baseline`, `no-<flaw>` or `no-flaws`.
    pub variant: String,
    /// `baseline` (the study's defenses) or `none`.
    pub defenses: &'static str,
    /// Bands and paired changes from the worm as it was, under the same
    /// defenses.
    pub result: VariantResult,
}

/// One row of the second table.
#[derive(Clone, Debug)]
pub struct RelianceRow {
    pub defense: String,
    pub flaw: String,
    /// Index into [`METRICS`].
    pub metric: usize,
    /// The defense's effect (metric without it minus with it, paired) with
    /// the flaw and with the flaw removed.
    pub effect_with_flaw: Band,
    pub effect_without_flaw: Band,
}

impl RelianceRow {
    /// The share of the defense's median effect that is gone without the
    /// flaw (NaN when it had no effect to lose).
    pub fn share_lost(&self) -> f64 {
        let (a, b) = (
            self.effect_with_flaw.median,
            self.effect_without_flaw.median,
        );
        if a == 0.0 { f64::NAN } else { 1.0 - b / a }
    }

    /// What the defense lost without the flaw, in words' terms: a share of
    /// its protective effect is only meaningful while the effect stays
    /// protective.
    pub fn loss(&self) -> Loss {
        let (a, b) = (
            self.effect_with_flaw.median,
            self.effect_without_flaw.median,
        );
        if a.is_nan() || b.is_nan() || a <= 0.0 {
            Loss::NothingToLose
        } else if b < 0.0 {
            Loss::Reversed
        } else {
            Loss::Share(1.0 - b / a)
        }
    }
}

/// What a defense lost without a flaw it relied on.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Loss {
    /// It had no protective effect with the flaw.
    NothingToLose,
    /// This share of its protective effect (negative: it gained).
    Share(f64),
    /// All of it, and more: without the flaw the defense does harm.
    Reversed,
}

/// Both tables.
#[derive(Clone, Debug)]
pub struct FlawStudy {
    pub defenses: String,
    pub runs: u32,
    pub rows: Vec<FlawRow>,
    pub reliance: Vec<RelianceRow>,
}

/// Runs the study on `s` (which should run for
/// [`crate::comparison_duration`]) with `defenses` as the baseline's
/// defenses (on top of the scenario's own).
pub fn study(
    s: &BlasterScenario,
    world: &World,
    defenses: &Variant,
    runs: u32,
    done: &(dyn Fn() + Sync),
    store: &dyn crate::RunStore,
) -> Result<FlawStudy, String> {
    let defended = defenses.applied_to(s)?;
    let open = without_defenses(s);
    let mut rows = Vec::new();
    let mut by_key: Vec<(String, &'static str, Vec<[f64; METRICS.len()]>)> = Vec::new();
    for (label, base) in [("baseline", &defended), ("none", &open)] {
        let scenarios = worm_variants(base);
        for result in crate::run_variants(&scenarios, world, runs, done, store) {
            let sc = &scenarios
                .iter()
                .find(|(n, _)| *n == result.variant)
                .expect("ran")
                .1;
            by_key.push((
                result.variant.clone(),
                label,
                result
                    .runs
                    .iter()
                    .map(|r| Metrics::of(sc, r).values())
                    .collect(),
            ));
            rows.push(FlawRow {
                variant: result.variant.clone(),
                defenses: label,
                result,
            });
        }
    }
    let metrics_of = |variant: &str, defenses: &str| -> &Vec<[f64; METRICS.len()]> {
        &by_key
            .iter()
            .find(|(v, d, _)| v == variant && *d == defenses)
            .expect("ran")
            .2
    };
    let mut reliance = Vec::new();
    for (defense, flaw, metric) in RELIANCE {
        let spec = defenses
            .defenses
            .iter()
            .find(|d| d.name == defense)
            .map(|d| Variant {
                name: d.to_string(),
                defenses: vec![d.clone()],
            });
        let Some(alone) = spec else {
            continue; // not among the study's defenses
        };
        let effect = |worm: &BlasterScenario, none_key: &str| -> Result<Band, String> {
            let with_d = alone.applied_to(worm)?;
            let runs_d = ensemble_stored(&with_d, world, runs, done, store);
            let none = metrics_of(none_key, "none");
            let diffs: Vec<f64> = runs_d
                .iter()
                .zip(none)
                .map(|(r, n)| n[metric] - Metrics::of(&with_d, r).values()[metric])
                .collect();
            Ok(Band::of(&diffs))
        };
        let with_flaw = effect(&open, "baseline")?;
        let without = effect(&without_flaw(&open, flaw), &format!("no-{flaw}"))?;
        reliance.push(RelianceRow {
            defense: alone.name.clone(),
            flaw: flaw.to_string(),
            metric,
            effect_with_flaw: with_flaw,
            effect_without_flaw: without,
        });
    }
    Ok(FlawStudy {
        defenses: defenses.name.clone(),
        runs,
        rows,
        reliance,
    })
}

/// The number of ensembles [`study`] runs for a defense set.
pub fn ensembles(defenses: &Variant) -> u32 {
    let relied = RELIANCE
        .iter()
        .filter(|(d, _, _)| defenses.defenses.iter().any(|s| s.name == *d))
        .count() as u32;
    2 * (FLAWS.len() as u32 + 2) + 2 * relied
}

/// The metric names, for the reliance table.
pub fn metric_name(k: usize) -> &'static str {
    METRICS[k]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(with: f64, without: f64) -> RelianceRow {
        let band = |m: f64| Band {
            p05: m,
            median: m,
            p95: m,
        };
        RelianceRow {
            defense: "isp-block-135@6h".into(),
            flaw: "stage2_reachback".into(),
            metric: 2,
            effect_with_flaw: band(with),
            effect_without_flaw: band(without),
        }
    }

    #[test]
    fn a_share_is_lost_only_from_a_protective_effect_that_stays_protective() {
        assert_eq!(row(1000.0, 250.0).loss(), Loss::Share(0.75));
        assert_eq!(row(1000.0, 0.0).loss(), Loss::Share(1.0));
        // Stronger without the flaw: a negative share lost.
        assert_eq!(row(1000.0, 1500.0).loss(), Loss::Share(-0.5));
        // From protective to harmful: not "2167 %".
        assert_eq!(row(2733.0, -56_500.0).loss(), Loss::Reversed);
        // Never protective: nothing to lose, whatever happens without.
        assert_eq!(row(-1230.0, -113_000.0).loss(), Loss::NothingToLose);
        assert_eq!(row(0.0, 5.0).loss(), Loss::NothingToLose);
        assert_eq!(row(f64::NAN, 5.0).loss(), Loss::NothingToLose);
    }
}
