//! The page of a sweep's directory (`wormscope sweep merge DIR` wrote
//! `merged.parquet` there): each variant's infected hosts over time, the
//! median over its seeds with the 5th to 95th percentile, and a table of
//! the grid with where each variant's outbreak ended.
//!
//! Reads the table through `wormscope_sweep` (its columns checked there);
//! draws with [`crate::plot`]; writes nothing.

use std::fmt::Write as _;
use std::path::Path;

use wormscope_study::Band;
use wormscope_sweep::{MERGED_FILE, SeriesKind, SweepError, SweepTable};

use crate::figures::TimeAxis;
use crate::html::{CONTENTS_MARK, Page, Report, escape, number};
use crate::input::{self, InputError};
use crate::plot::{Chart, Scale, Series};

/// Variants drawn on one chart: the palette's colours.
const PER_CHART: usize = crate::plot::PALETTE.len();
/// Charts drawn at most; the table holds every variant.
const MAX_CHARTS: usize = 8;

/// Whether `dir` holds a sweep's output: its merged table, or only shards.
pub(crate) fn is_sweep_dir(dir: &Path) -> bool {
    dir.join(MERGED_FILE).exists() || shard_count(dir) > 0
}

fn shard_count(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .filter(|e| {
                    e.file_name()
                        .to_str()
                        .is_some_and(|n| n.starts_with("shard-") && n.ends_with(".parquet"))
                })
                .count()
        })
        .unwrap_or(0)
}

/// Why `dir`'s merged table may not be the merge of the shards beside it,
/// if it may not: a shard written after it, or shards missing (the merge
/// fails then, and leaves the earlier table).
fn stale_merge(dir: &Path) -> Option<String> {
    let merged = std::fs::metadata(dir.join(MERGED_FILE))
        .ok()?
        .modified()
        .ok()?;
    let mut names = Vec::new();
    let mut newer = None;
    for e in std::fs::read_dir(dir).ok()?.filter_map(|e| e.ok()) {
        let Some(name) = e.file_name().to_str().map(str::to_string) else {
            continue;
        };
        if !(name.starts_with("shard-") && name.ends_with(".parquet")) {
            continue;
        }
        if e.metadata()
            .and_then(|m| m.modified())
            .is_ok_and(|t| t > merged)
        {
            newer = Some(name.clone());
        }
        names.push(name);
    }
    if let Some(name) = newer {
        return Some(format!("{name} was written after it"));
    }
    // shard-I-of-N.parquet: N shards make the sweep.
    let of = |n: &str| -> Option<usize> {
        n.strip_suffix(".parquet")?
            .rsplit_once("-of-")?
            .1
            .parse()
            .ok()
    };
    let wanted = names.iter().filter_map(|n| of(n)).max()?;
    (names.len() < wanted).then(|| {
        format!(
            "only {} of the sweep's {wanted} shard files are beside it",
            names.len()
        )
    })
}

/// One variant's runs: its grid values and, per seed, its infected hosts
/// per step.
struct Variant {
    index: u32,
    labels: Vec<String>,
    infected: Vec<Vec<f64>>,
    /// Per seed, the flood packets that reached the target in each step
    /// (empty: the table has no flood column).
    flood: Vec<Vec<f64>>,
}

impl Variant {
    /// Per seed, the flood packets that reached the target over the run.
    fn flood_totals(&self) -> Vec<f64> {
        self.flood.iter().map(|s| s.iter().sum()).collect()
    }
}

/// The page of a sweep's directory.
pub(crate) fn render_sweep(dir: &Path) -> Result<Report, InputError> {
    let path = dir.join(MERGED_FILE);
    let name = path.display().to_string();
    if !path.exists() {
        return Err(input::input_error(
            &name,
            None,
            None,
            format!(
                "missing: the directory holds {} shard files but no merged table (run `wormscope sweep merge {}` first)",
                shard_count(dir),
                dir.display()
            ),
        ));
    }
    let (table, metadata) = SweepTable::read_parquet(&path).map_err(|e| match e {
        SweepError::Input(m) | SweepError::Run(m) => input::input_error(&name, None, None, m),
    })?;
    let table = table.sorted();
    let infected_col = table
        .kind
        .names()
        .iter()
        .position(|&n| n == "infected")
        .expect("both kinds have infected hosts");
    let (times, variants) = variants(&table, infected_col);
    let seeds = variants.first().map_or(0, |v| v.infected.len());
    let meta = |k: &str| {
        metadata
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
    };

    let worm = match table.kind {
        SeriesKind::Blaster => "W32/Blaster",
        SeriesKind::Population => "a random-scanning worm",
    };
    let mut page = Page {
        body: String::new(),
        title: format!(
            "wormscope sweep: {} variants x {} seeds",
            variants.len(),
            seeds
        ),
        contents: Vec::new(),
    };
    let _ = writeln!(page.body, "<h1>{}</h1>", escape(&page.title));
    let _ = writeln!(
        page.body,
        "<p class=\"lede\">A parameter sweep of {worm}: every combination of the grid's values, each run on the same seeds, from <code>{}</code>. Made by wormscope, a defensive laboratory: every curve here is simulated.</p>",
        escape(&name)
    );
    if let Some(why) = stale_merge(dir) {
        page.note(&format!(
            "{MERGED_FILE} may not be the merge of the shards in this directory: {why}. \
             Run wormscope sweep merge {} again to draw them as they are.",
            dir.display()
        ));
    }
    page.body.push_str(CONTENTS_MARK);

    page.section("grid", "The grid");
    let mut rows = vec![
        ("variants".to_string(), number(variants.len() as f64)),
        (
            "seeds".to_string(),
            meta("wormscope.sweep.seeds")
                .unwrap_or_default()
                .replace(',', ", "),
        ),
        ("rows".to_string(), number(table.len() as f64)),
    ];
    if let Some(v) = meta("wormscope.version") {
        rows.push(("made by wormscope".to_string(), v));
    }
    page.kv_table(&rows);
    let flooded = variants
        .iter()
        .any(|v| v.flood_totals().iter().any(|&f| f > 0.0));
    page.para(if flooded {
        "Each variant's infected hosts at the end of the run and at their peak, and the flood packets that reached the payload's target over the run: the median over its seeds, and the 5th to 95th percentile."
    } else {
        "Each variant's infected hosts at the end of the run and at their peak: the median over its seeds, and the 5th to 95th percentile."
    });
    variant_table(&mut page, &table.param_names, &variants, flooded);

    page.section("infected", "Infected hosts over time");
    let infected = Drawn {
        y_label: "infected hosts",
        per_seed: |v| &v.infected,
        scale: 1.0,
    };
    variant_charts(
        &mut page,
        &times,
        &variants,
        &table.param_names,
        "Infected hosts",
        &infected,
    );
    if flooded {
        page.section("flood", "The flood at its target");
        page.para("Flood packets per second that reached the payload's target, by variant: the median over its seeds, and the 5th to 95th percentile, per step.");
        // Packets per step, drawn per second of the step.
        let step_s = times.first().copied().unwrap_or(1.0).max(1e-9);
        let per_second = Drawn {
            y_label: "packets per second",
            per_seed: |v| &v.flood,
            scale: 1.0 / step_s,
        };
        variant_charts(
            &mut page,
            &times,
            &variants,
            &table.param_names,
            "Flood at the target",
            &per_second,
        );
    }
    Ok(Report {
        html: page.finish(),
        source: "a sweep",
        rendered: vec![MERGED_FILE],
        skipped: Vec::new(),
    })
}

/// The variants' curves of `drawn`, a chart per [`PER_CHART`] variants (at
/// most [`MAX_CHARTS`]), titled `what`.
fn variant_charts(
    page: &mut Page,
    times: &[f64],
    variants: &[Variant],
    param_names: &[String],
    what: &str,
    drawn: &Drawn<'_>,
) {
    if variants.is_empty() || times.is_empty() {
        page.note("The table holds no rows.");
        return;
    }
    let axis = TimeAxis::for_span(times.last().copied().unwrap_or(0.0), None);
    let charts = variants.chunks(PER_CHART).take(MAX_CHARTS);
    let n_charts = charts.len();
    for (k, chunk) in charts.enumerate() {
        let title = if n_charts == 1 {
            format!("{what} by variant (median, 5-95 %)")
        } else {
            format!(
                "{what}, variants {} to {} (median, 5-95 %)",
                chunk[0].index,
                chunk[chunk.len() - 1].index
            )
        };
        page.figure(&chart(
            &title,
            &axis,
            times,
            chunk,
            param_names,
            k * PER_CHART,
            drawn,
        ));
    }
    if variants.len() > PER_CHART * MAX_CHARTS {
        page.note(&format!(
            "The charts show the first {} of {} variants; the table above holds them all.",
            PER_CHART * MAX_CHARTS,
            variants.len()
        ));
    }
}

/// The sorted table's variants, each with its seeds' infected series, and
/// the step times (those of the first run; every run of a sweep shares
/// its scenario's steps).
fn variants(table: &SweepTable, infected_col: usize) -> (Vec<f64>, Vec<Variant>) {
    let mut out: Vec<Variant> = Vec::new();
    let mut times = Vec::new();
    let mut i = 0;
    while i < table.len() {
        let (variant, seed) = (table.variant[i], table.seed[i]);
        let start = i;
        while i < table.len() && table.variant[i] == variant && table.seed[i] == seed {
            i += 1;
        }
        if times.is_empty() {
            times = table.time_s[start..i].to_vec();
        }
        let series: Vec<f64> = table.series[infected_col][start..i]
            .iter()
            .map(|&v| v as f64)
            .collect();
        let flood: Option<Vec<f64>> = table
            .flood_series()
            .map(|f| f[start..i].iter().map(|&v| v as f64).collect());
        match out.last_mut() {
            Some(v) if v.index == variant => {
                v.infected.push(series);
                v.flood.extend(flood);
            }
            _ => out.push(Variant {
                index: variant,
                labels: table.params.iter().map(|c| c[start].clone()).collect(),
                infected: vec![series],
                flood: flood.into_iter().collect(),
            }),
        }
    }
    (times, out)
}

/// A variant's legend: its grid values by the last part of each field's
/// path (`guess_xp_pct=60, reboot_duration=1m`).
fn legend(param_names: &[String], labels: &[String]) -> String {
    if labels.is_empty() {
        return "the base scenario".to_string();
    }
    param_names
        .iter()
        .zip(labels)
        .map(|(p, l)| format!("{}={l}", p.rsplit('.').next().unwrap_or(p)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Per step, the band over a variant's seeds (steps all its runs have).
fn bands(per_seed: &[Vec<f64>]) -> Vec<Band> {
    let steps = per_seed.iter().map(Vec::len).min().unwrap_or(0);
    (0..steps)
        .map(|t| {
            let sample: Vec<f64> = per_seed.iter().map(|s| s[t]).collect();
            Band::of(&sample)
        })
        .collect()
}

/// What a chart of the variants draws: its y axis, and each variant's
/// series per seed, multiplied by `scale`.
struct Drawn<'a> {
    y_label: &'a str,
    per_seed: fn(&Variant) -> &[Vec<f64>],
    scale: f64,
}

fn chart(
    title: &str,
    axis: &TimeAxis,
    times: &[f64],
    variants: &[Variant],
    param_names: &[String],
    first_colour: usize,
    drawn: &Drawn<'_>,
) -> Chart {
    let series: Vec<Series> = variants
        .iter()
        .enumerate()
        .map(|(k, v)| {
            let b = bands((drawn.per_seed)(v));
            let scale = drawn.scale;
            let mut s = Series::banded(
                &format!("{}: {}", v.index, legend(param_names, &v.labels)),
                times
                    .iter()
                    .zip(&b)
                    .map(|(t, b)| (t / axis.divisor, b.median * scale))
                    .collect(),
                b.iter().map(|b| (b.p05 * scale, b.p95 * scale)).collect(),
            );
            s.color = Some(crate::plot::PALETTE[(first_colour + k) % PER_CHART]);
            s
        })
        .collect();
    Chart {
        title: title.to_string(),
        x_label: axis.label.clone(),
        y_label: drawn.y_label.into(),
        y_scale: Scale::Linear,
        series,
        ..Chart::default()
    }
}

fn variant_table(page: &mut Page, param_names: &[String], variants: &[Variant], flooded: bool) {
    page.body
        .push_str("<table>\n<tr><th class=\"num\">variant</th>");
    for p in param_names {
        let _ = write!(page.body, "<th><code>{}</code></th>", escape(p));
    }
    page.body
        .push_str("<th class=\"num\">infected at the end</th><th class=\"num\">at the peak</th>");
    if flooded {
        page.body
            .push_str("<th class=\"num\">flood packets that reached the target</th>");
    }
    page.body.push_str("</tr>\n");
    for v in variants {
        let _ = write!(page.body, "<tr><td class=\"num\">{}</td>", v.index);
        for l in &v.labels {
            let _ = write!(page.body, "<td>{}</td>", escape(l));
        }
        let end: Vec<f64> = v
            .infected
            .iter()
            .map(|s| s.last().copied().unwrap_or(f64::NAN))
            .collect();
        let peak: Vec<f64> = v
            .infected
            .iter()
            .map(|s| s.iter().copied().fold(f64::NAN, f64::max))
            .collect();
        let mut samples = vec![end, peak];
        if flooded {
            samples.push(v.flood_totals());
        }
        for sample in samples {
            let b = Band::of(&sample);
            let _ = write!(
                page.body,
                "<td class=\"num\">{}<br><span class=\"band\">{} to {}</span></td>",
                number(b.median),
                number(b.p05),
                number(b.p95)
            );
        }
        page.body.push_str("</tr>\n");
    }
    page.body.push_str("</table>\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use wormscope_engine::{BlasterRow, BlasterRun};

    /// A Blaster run of three 1-hour steps whose infected hosts are `v`.
    fn run(v: [u64; 3]) -> BlasterRun {
        BlasterRun {
            step: 3_600_000_000,
            rows: v
                .iter()
                .map(|&infected| BlasterRow {
                    infected,
                    ..BlasterRow::default()
                })
                .collect(),
            totals: Default::default(),
            events: 0,
        }
    }

    #[test]
    fn a_merged_table_that_may_not_match_its_shards_is_said_so() {
        let dir = tempfile::tempdir().unwrap();
        let mut t = SweepTable::new(SeriesKind::Blaster, vec!["worm.guess_xp_pct".into()]);
        t.push_run(0, 1, &["60"], &run([5, 6, 7]));
        let bytes = t.to_parquet(&[]).unwrap();
        // The whole sweep's shards, then their merge: nothing to say.
        for i in 0..2 {
            let shard = dir.path().join(format!("shard-0000{i}-of-00002.parquet"));
            std::fs::write(shard, &bytes).unwrap();
        }
        std::fs::write(dir.path().join(MERGED_FILE), &bytes).unwrap();
        let said = |dir: &Path| {
            crate::html::render(dir)
                .unwrap()
                .html
                .contains("may not be the merge")
        };
        assert!(!said(dir.path()));
        // A shard gone (a merge that failed left the table).
        std::fs::remove_file(dir.path().join("shard-00001-of-00002.parquet")).unwrap();
        assert!(said(dir.path()));
        assert!(
            stale_merge(dir.path())
                .unwrap()
                .contains("only 1 of the sweep's 2")
        );
    }

    #[test]
    fn a_sweeps_page_draws_each_variant_over_its_seeds_and_tabulates_the_grid() {
        let dir = tempfile::tempdir().unwrap();
        let mut t = SweepTable::new(SeriesKind::Blaster, vec!["worm.guess_xp_pct".into()]);
        // Variant 1 first: the page sorts.
        for (seed, v) in [(1, [5, 50, 40]), (2, [5, 70, 90]), (3, [5, 60, 20])] {
            t.push_run(1, seed, &["100"], &run(v));
        }
        for (seed, v) in [(1, [5, 6, 7]), (2, [5, 8, 9]), (3, [5, 10, 11])] {
            t.push_run(0, seed, &["60"], &run(v));
        }
        let meta = vec![("wormscope.sweep.seeds".to_string(), "1,2,3".to_string())];
        std::fs::write(dir.path().join(MERGED_FILE), t.to_parquet(&meta).unwrap()).unwrap();
        let report = crate::html::render(dir.path()).unwrap();
        assert_eq!(report.source, "a sweep");
        let html = &report.html;
        assert!(html.contains("2 variants x 3 seeds"), "title");
        assert!(html.contains("<td>1, 2, 3</td>"));
        assert!(html.contains("<code>worm.guess_xp_pct</code>"));
        // Variant 1: ends at 40, 90, 20 (median 40); peaks at 50, 90, 60
        // (median 60). Variant 0 ends at 7, 9, 11 (median 9).
        let row1 = html.split("<tr><td class=\"num\">1</td>").nth(1).unwrap();
        let row1 = &row1[..row1.find("</tr>").unwrap()];
        assert!(
            row1.starts_with("<td>100</td><td class=\"num\">40<br>"),
            "{row1}"
        );
        assert!(row1.contains("<td class=\"num\">60<br>"), "{row1}");
        let row0 = html.split("<tr><td class=\"num\">0</td>").nth(1).unwrap();
        assert!(
            row0.starts_with("<td>60</td><td class=\"num\">9<br>"),
            "{row0}"
        );
        // One chart, a line per variant, legends by the field's last part.
        assert_eq!(html.matches("<figure").count(), 1);
        assert!(html.contains("0: guess_xp_pct=60"));
        assert!(html.contains("1: guess_xp_pct=100"));
        assert!(html.contains("minutes since the start"));
        // Without a flood, no flood column.
        assert!(!html.contains("reached the target"));
    }

    #[test]
    fn a_flooding_sweep_tabulates_the_flood_that_reached_the_target() {
        let dir = tempfile::tempdir().unwrap();
        let mut t = SweepTable::new(SeriesKind::Blaster, vec!["defenses.dns_takedown.at".into()]);
        // Per step, 1000 packets arrive (in 1/65536 units) until the
        // variant's takedown; seeds alike.
        for (variant, label, steps) in [(0u32, "1h", 1usize), (1, "3h", 3)] {
            for seed in 1..=3 {
                let mut r = run([5, 6, 7]);
                for row in &mut r.rows[..steps] {
                    row.flood_arriving_units = 1000 << 16;
                }
                t.push_run(variant, seed, &[label], &r);
            }
        }
        std::fs::write(dir.path().join(MERGED_FILE), t.to_parquet(&[]).unwrap()).unwrap();
        let html = crate::html::render(dir.path()).unwrap().html;
        assert!(
            html.contains("flood packets that reached the target"),
            "header"
        );
        // The flood over time: a second chart, per second of each step.
        assert_eq!(html.matches("<figure").count(), 2);
        assert!(html.contains("The flood at its target"));
        assert!(html.contains("packets per second"));
        for (variant, total) in [(0, "1,000"), (1, "3,000")] {
            let row = html
                .split(&format!("<tr><td class=\"num\">{variant}</td>"))
                .nth(1)
                .unwrap();
            let row = &row[..row.find("</tr>").unwrap()];
            let last = row.rsplit("<td class=\"num\">").next().unwrap();
            assert!(last.starts_with(&format!("{total}<br>")), "{row}");
        }
    }

    #[test]
    fn shards_without_their_merge_are_named_as_the_missing_step() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("shard-00000-of-00002.parquet"), b"x").unwrap();
        let e = crate::html::render(dir.path()).unwrap_err().to_string();
        assert!(
            e.contains("merged.parquet") && e.contains("wormscope sweep merge"),
            "{e}"
        );
        // A merged table that is not one names its file.
        std::fs::write(dir.path().join(MERGED_FILE), b"PAR1 nonsense").unwrap();
        let e = crate::html::render(dir.path()).unwrap_err().to_string();
        assert!(
            e.contains("merged.parquet") && e.contains("not a readable Parquet"),
            "{e}"
        );
    }
}
