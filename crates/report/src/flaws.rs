//! The flaw study in the forms people read: `flaws.json` (one object per
//! variant and defense set), the reliance table, the text tables, and the
//! written finding (`flaws.md`), whose every number comes from the study.

use std::fmt::Write as _;

use serde_json::{Map, Value};
use wormscope_study::Band;
use wormscope_study::flaws::{FlawStudy, Loss, metric_name};

use crate::ensemble::{comparison_objects, short};

/// One object per row of the first table: `variant`, `defenses`, and for
/// each metric `M` the keys `M_p05`, `M_median`, `M_p95`,
/// `M_delta_median` (change from the worm as it was, same defenses).
pub fn flaws_objects(study: &FlawStudy) -> Vec<Value> {
    let results: Vec<_> = study.rows.iter().map(|r| r.result.clone()).collect();
    comparison_objects(&results)
        .into_iter()
        .zip(&study.rows)
        .map(|(mut o, row)| {
            if let Value::Object(m) = &mut o {
                m.insert("defenses".into(), Value::String(row.defenses.into()));
            }
            o
        })
        .collect()
}

fn number(v: f64) -> Value {
    serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number)
}

/// One object per defense that relied on a flaw.
pub fn reliance_objects(study: &FlawStudy) -> Vec<Value> {
    study
        .reliance
        .iter()
        .map(|r| {
            let mut o = Map::new();
            o.insert("defense".into(), Value::String(r.defense.clone()));
            o.insert("flaw".into(), Value::String(r.flaw.clone()));
            o.insert("metric".into(), Value::String(metric_name(r.metric).into()));
            let band = |b: Band, o: &mut Map<String, Value>, key: &str| {
                o.insert(format!("{key}_p05"), number(b.p05));
                o.insert(format!("{key}_median"), number(b.median));
                o.insert(format!("{key}_p95"), number(b.p95));
            };
            band(r.effect_with_flaw, &mut o, "effect_with_flaw");
            band(r.effect_without_flaw, &mut o, "effect_without_flaw");
            o.insert("share_lost".into(), number(r.share_lost()));
            Value::Object(o)
        })
        .collect()
}

/// `flaws.json`: the first table's objects.
pub fn flaws_json(study: &FlawStudy) -> String {
    let mut s = serde_json::to_string_pretty(&flaws_objects(study)).expect("serializes");
    s.push('\n');
    s
}

/// `flaws-reliance.json`: the second table's objects.
pub fn reliance_json(study: &FlawStudy) -> String {
    let mut s = serde_json::to_string_pretty(&reliance_objects(study)).expect("serializes");
    s.push('\n');
    s
}

const TABLE_METRICS: [(&str, usize); 5] = [
    ("infected 24 h", 1),
    ("infected 7 d", 2),
    ("hosts crashed", 3),
    ("users noticed", 4),
    ("flood Gbit/s 16 Aug", 5),
];

/// Both tables as text.
pub fn flaws_table(study: &FlawStudy) -> String {
    let mut out = String::new();
    let w = 22;
    writeln!(
        out,
        "{} per variant on common seeds; median [5 %, 95 %] and paired change from the worm as it was\nbaseline defenses: {}",
        crate::ensemble::counted(u64::from(study.runs), "run"),
        study.defenses
    )
    .expect("String");
    write!(out, "{:<w$}{:<10}", "variant", "defenses").expect("String");
    for (name, _) in TABLE_METRICS {
        write!(out, "  {name:>24}").expect("String");
    }
    out.push('\n');
    for row in &study.rows {
        let r = &row.result;
        write!(out, "{:<w$}{:<10}", row.variant, row.defenses).expect("String");
        for (_, k) in TABLE_METRICS {
            let b = r.bands[k];
            let cell = format!("{} [{}, {}]", short(b.median), short(b.p05), short(b.p95));
            write!(out, "  {cell:>24}").expect("String");
        }
        out.push('\n');
        if row.variant != "baseline" {
            write!(out, "{:<w$}{:<10}", "", "").expect("String");
            for (_, k) in TABLE_METRICS {
                let d = r.delta_median[k];
                let cell = format!("{}{}", if d > 0.0 { "+" } else { "" }, short(d));
                write!(out, "  {cell:>24}").expect("String");
            }
            out.push('\n');
        }
    }
    out.push('\n');
    writeln!(
        out,
        "{:<40}{:<18}{:<18}{:>24}{:>24}{:>12}",
        "defense (alone, against none)",
        "relied on",
        "metric",
        "effect with flaw",
        "effect without",
        "lost"
    )
    .expect("String");
    for r in &study.reliance {
        let e = |b: Band| format!("{} [{}, {}]", short(b.median), short(b.p05), short(b.p95));
        let lost = match r.loss() {
            Loss::NothingToLose => "n/a".to_string(),
            Loss::Share(share) => format!("{:.0} %", 100.0 * share),
            Loss::Reversed => "reversed".to_string(),
        };
        writeln!(
            out,
            "{:<40}{:<18}{:<18}{:>24}{:>24}{:>12}",
            r.defense,
            r.flaw,
            metric_name(r.metric),
            e(r.effect_with_flaw),
            e(r.effect_without_flaw),
            lost
        )
        .expect("String");
    }
    out
}

/// The written finding, point by point against seed 000's essay, every
/// number taken from `study`.
pub fn flaws_markdown(study: &FlawStudy, scenario: &str) -> String {
    let row = |variant: &str, defenses: &str| {
        study
            .rows
            .iter()
            .find(|r| r.variant == variant && r.defenses == defenses)
            .map(|r| &r.result)
    };
    let med = |variant: &str, defenses: &str, k: usize| {
        row(variant, defenses).map_or(f64::NAN, |r| r.bands[k].median)
    };
    let reliance = |defense_prefix: &str| {
        study
            .reliance
            .iter()
            .find(|r| r.defense.starts_with(defense_prefix))
    };
    let lost = |prefix: &str| {
        reliance(prefix).map_or("not measured (the defense is not in the set)".into(), |r| {
            let (metric, with, without) = (
                metric_name(r.metric),
                short(r.effect_with_flaw.median),
                short(r.effect_without_flaw.median),
            );
            match r.loss() {
                Loss::NothingToLose => format!(
                    "nothing: it had no protective effect to lose (its effect on {metric} was {with} with the flaw and {without} without)"
                ),
                Loss::Share(share) if share < 0.0 => format!(
                    "nothing: it gained {:.0} % (its effect on {metric} grows from {with} to {without})",
                    -100.0 * share
                ),
                Loss::Share(share) => format!(
                    "{:.0} % (its effect on {metric} falls from {with} to {without})",
                    100.0 * share
                ),
                Loss::Reversed => format!(
                    "all of it, and more: without the flaw it does harm (its effect on {metric} goes from {with} to {without})"
                ),
            }
        })
    };
    let (peak, inf, crashed, noticed, flood) = (0, 2, 3, 4, 5);
    let mut out = String::new();
    let w = |out: &mut String, s: String| {
        out.push_str(&s);
        out.push('\n');
    };
    w(
        &mut out,
        "# What Blaster's flaws cost it: the essay, measured".into(),
    );
    w(&mut out, String::new());
    w(
        &mut out,
        format!(
            "Generated by `wormscope flaws --markdown` on scenario `{scenario}`, {} per variant on common seeds, medians of the runs. Defenses of the defended runs: `{}`. Regenerate it rather than edit it.",
            crate::ensemble::counted(u64::from(study.runs), "run"),
            study.defenses
        ),
    );
    w(&mut out, String::new());
    w(
        &mut out,
        "Seed 000 argues that Blaster was held back by its own design. Point by point:".into(),
    );
    w(&mut out, String::new());
    w(
        &mut out,
        format!(
            "1. **The wrong exploit guess crashed machines, and the crashes made users notice.** With the guess always right, hosts crashed fall from {} to {} (no defenses) and users who noticed from {} to {} (with defenses); infected hosts at 7 days go from {} to {} with defenses. Users noticing lost {} of its effect without the flaw.",
            short(med("baseline", "none", crashed)),
            short(med("no-os-guess", "none", crashed)),
            short(med("baseline", "baseline", noticed)),
            short(med("no-os-guess", "baseline", noticed)),
            short(med("baseline", "baseline", inf)),
            short(med("no-os-guess", "baseline", inf)),
            lost("users-notice")
        ),
    );
    w(
        &mut out,
        format!(
            "2. **Stage 2 fetched the worm over TFTP from the attacker's own address, which NAT and firewalls broke.** With the body inside the exploit connection, the peak of infected hosts goes from {} to {} without defenses; infected hosts at 7 days go from {} to {} without defenses and from {} to {} with them. ISP blocking lost {}; enterprise border filtering lost {}.",
            short(med("baseline", "none", peak)),
            short(med("no-stage2-reachback", "none", peak)),
            short(med("baseline", "none", inf)),
            short(med("no-stage2-reachback", "none", inf)),
            short(med("baseline", "baseline", inf)),
            short(med("no-stage2-reachback", "baseline", inf)),
            lost("isp-block"),
            lost("border-filter")
        ),
    );
    w(
        &mut out,
        format!(
            "3. **The flood target's name could be taken down.** With the takedown in the defenses, the flood at windowsupdate.com on 16 August averages {} Gbit/s; against a name that cannot be taken down it averages {} Gbit/s. The DNS takedown lost {}.",
            short(med("baseline", "baseline", flood)),
            short(med("no-flood-target", "baseline", flood)),
            lost("dns-takedown")
        ),
    );
    w(
        &mut out,
        format!(
            "4. **Random starts seeded from the milliseconds since boot concentrated.** With a well-mixed seed, the peak of infected hosts goes from {} to {} and infected hosts at 7 days from {} to {} without defenses (a model of the concentration: the boot tick count is a documented parameter of the scenario).",
            short(med("baseline", "none", peak)),
            short(med("no-start-seed", "none", peak)),
            short(med("baseline", "none", inf)),
            short(med("no-start-seed", "none", inf)),
        ),
    );
    w(
        &mut out,
        format!(
            "5. **All four removed:** a peak of {} infected hosts without defenses (as it was: {}); infected hosts at 7 days {} without defenses and {} with them (as it was: {} and {}). Counts at 7 days include Welchia's cleanup from 18 August: it takes over hosts that Blaster left running, and a worm that crashes nothing leaves it more to take.",
            short(med("no-flaws", "none", peak)),
            short(med("baseline", "none", peak)),
            short(med("no-flaws", "none", inf)),
            short(med("no-flaws", "baseline", inf)),
            short(med("baseline", "none", inf)),
            short(med("baseline", "baseline", inf)),
        ),
    );
    w(&mut out, String::new());
    w(
        &mut out,
        "The full tables, as `wormscope flaws` prints them:".into(),
    );
    w(&mut out, String::new());
    w(&mut out, "```".into());
    out.push_str(&flaws_table(study));
    w(&mut out, "```".into());
    out
}
