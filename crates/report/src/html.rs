//! The HTML report: one self-contained page (inline CSS and SVG, no
//! script, no external resource) made from an output directory: a run
//! written by `wormscope simulate` or an ensemble (`timeseries.csv` with
//! `_p05/_median/_p95` columns), and the optional `flood.csv`,
//! `sensors.csv`, `comparison.json` and `flaws.json` when they are there.
//!
//! Reads the directory through [`crate::input`], draws through
//! [`crate::plot`]; writes nothing (the caller writes the page, atomically).
//! Every text from the inputs is HTML-escaped.

use std::fmt::Write as _;
use std::path::Path;

use crate::figures::{TimeAxis, comparison_chart, sensor_chart};
use crate::input::{self, Csv, InputError, ListKind, SeriesData, VariantRow};
use crate::numbers::figure_number;
use crate::outputs::OutputFile;
use crate::plot::{self, BarChart, Chart, Scale};

/// Which metrics of a comparison or flaw list a page shows, by the worm's
/// kind, and the one its bar chart draws (metric, title).
struct ListColumns {
    metrics: &'static [&'static str],
    bar: (&'static str, &'static str),
}

const BLASTER_LIST: ListColumns = ListColumns {
    metrics: &[
        "peak_infected",
        "infected_24h",
        "infected_7d",
        "crashed",
        "flood_gbps_aug16",
        "flood_packets",
    ],
    bar: (
        "infected_7d",
        "Infected after 7 days (median, whiskers 5-95 %)",
    ),
};

/// A random-scanning worm's runs last minutes to hours: no week, no
/// crash; its flood (`[payload]`) over the run, if it has one.
const RANDOM_SCAN_LIST: ListColumns = ListColumns {
    metrics: &[
        "peak_infected",
        "infected_24h",
        "infected_final",
        "flood_packets",
    ],
    bar: (
        "infected_final",
        "Infected at the end (median, whiskers 5-95 %)",
    ),
};

/// What the flood section says, by the worm whose flood it is.
struct FloodText {
    intro: &'static str,
    /// The note when nothing arrived.
    none: &'static str,
    /// The packets chart's unit.
    packets: &'static str,
    /// Whether the flood spoofs its sources: then BCP 38 would remove
    /// some, and `flood.csv`'s `_filtered` columns are drawn.
    spoofed: bool,
}

impl FloodText {
    const BLASTER: FloodText = FloodText {
        intro: "The SYN flood that infected hosts send to windowsupdate.com (80/tcp), as it arrives at the target; and what would remain if ISPs applied BCP 38 egress filtering, which drops packets with spoofed source addresses. The worm resolves the name once, when its flood starts: one that starts after the name's record is taken down ([defenses.dns_takedown]) sends nothing. Once the site moves ([defenses.target_move]), floods sent to its old address reach nothing, while those that resolve the name afterwards find the site. (Without the [flaws] flood_target flaw the worm carries the address instead: the takedown does nothing and the move cuts every flood.)",
        none: "No flood reached the target in this run. Infected hosts flood windowsupdate.com on the payload's days: the run may end before them, or no worm started on one (Blaster reads the date when it starts), or the name's record was down when they did ([defenses.dns_takedown]), or the site had moved away ([defenses.target_move]).",
        packets: "SYN packets per second",
        spoofed: true,
    };
    /// A random-scanning worm's `[payload]` (Code Red's): its packets
    /// carry their senders' own addresses.
    const UNSPOOFED: FloodText = FloodText {
        intro: "The flood that the worm's instances send to its target on its payload's days ([payload]), whether they still spread or not, as it arrives at the target: nothing of what is sent to the address the target has moved away from ([defenses.target_move]), and, where the worm resolves a name ([payload] name), nothing from a flood that starts after the record is taken down ([defenses.dns_takedown]). Its packets carry their senders' own addresses, so filtering spoofed sources (BCP 38) would remove none.",
        none: "No flood reached the target in this run: it ends before the payload's days, no instance ran then (or, for a worm that reads the date only when it starts, none started on a flood day), the target had moved away ([defenses.target_move]) or its name's record was down ([defenses.dns_takedown]).",
        packets: "packets per second",
        spoofed: false,
    };
    /// A random-scanning worm's `[payload]` with `spoofed_sources`:
    /// Blaster's kind of flood on another worm's hosts.
    const SPOOFED: FloodText = FloodText {
        intro: "The flood that the worm's instances send to its target on its payload's days ([payload]), whether they still spread or not, as it arrives at the target (after the scenario's own source filter, [defenses.spoof_filter], where it is on); and what would remain if every first-hop network dropped packets with spoofed source addresses from the start (BCP 38). Its SYNs carry spoofed sources, the sender's own A.B and a random C.D ([payload] spoofed_sources): a filtering first hop lets out only its own network's. Nothing of what is sent to the address the target has moved away from arrives ([defenses.target_move]), and, where the worm resolves a name ([payload] name), nothing from a flood that starts after the record is taken down ([defenses.dns_takedown]).",
        none: "No flood reached the target in this run: it ends before the payload's days, no instance ran then (or, for a worm that reads the date only when it starts, none started on a flood day), the target had moved away ([defenses.target_move]) or its name's record was down ([defenses.dns_takedown]).",
        packets: "SYN packets per second",
        spoofed: true,
    };

    /// A random-scanning worm's, by whether its flood spoofs its sources
    /// (as its scenario, in `summary.json`, says; unread, it does not).
    fn population(summary: Option<&serde_json::Value>) -> &'static FloodText {
        let spoofed = summary
            .and_then(|s| s.get("scenario_file")?.as_str())
            .and_then(|file| {
                wormscope_scenario::parse_population(file, "summary.json's scenario_file").ok()
            })
            .and_then(|s| s.payload)
            .is_some_and(|p| p.spoofed_sources);
        if spoofed {
            &FloodText::SPOOFED
        } else {
            &FloodText::UNSPOOFED
        }
    }
}

/// What a run's payload days were, in a sentence, from the scenario file
/// its `summary.json` carries (`None`: none, or a worm without a flood).
fn flood_days_text(summary: &serde_json::Value) -> Option<String> {
    use wormscope_scenario::{AnyScenario, DateCheck};
    let file = summary.get("scenario_file")?.as_str()?;
    let (first, last, every_day_from, checked) =
        match wormscope_scenario::parse_any(file, "summary.json's scenario_file").ok()? {
            AnyScenario::Blaster(s) => {
                let p = &s.payload;
                let last = p.last_day_jan_aug;
                (
                    p.first_day_jan_aug,
                    last,
                    p.every_day_from_month,
                    p.date_checked,
                )
            }
            AnyScenario::Population(s) => {
                let p = s.payload.as_ref()?;
                (
                    p.first_day,
                    p.last_day,
                    p.every_day_from_month,
                    p.date_checked,
                )
            }
        };
    const MONTHS: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    let to = if last >= 31 {
        "the end".to_string()
    } else {
        format!("the {}", ordinal(last))
    };
    let mut days = if last == first {
        format!("the {} of each month", ordinal(first))
    } else {
        format!("from the {} to {to} of each month", ordinal(first))
    };
    if let Some(month) = MONTHS.get(usize::from(every_day_from).wrapping_sub(1)) {
        days.push_str(&format!(", and every day from {month} to December"));
    }
    Some(match checked {
        DateCheck::AtStart => format!(
            "Flood days: {days} (UTC). The worm reads the date once, when it starts: an instance started on a flood day floods for as long as it runs, one started on another day never does."
        ),
        DateCheck::Always => format!(
            "Flood days: {days} (UTC). The worm reads the date all the time: every running instance floods on the flood days and on no others."
        ),
    })
}

/// 1st, 2nd, 3rd, 4th, ... 21st, 22nd, 23rd, 31st.
fn ordinal(day: u8) -> String {
    let suffix = match (day % 10, day % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{day}{suffix}")
}

/// A rendered report.
#[derive(Clone, Debug)]
pub struct Report {
    pub html: String,
    /// What the directory held: "one run", "an ensemble" (of runs, as
    /// medians and bands) or "a fit".
    pub source: &'static str,
    /// Inputs found and rendered.
    pub rendered: Vec<&'static str>,
    /// Optional inputs absent (their section says so).
    pub skipped: Vec<&'static str>,
}

/// An optional input of `dir`, parsed by `parse(text, file name)`; `None`
/// when the file is absent.
fn optional<T>(
    dir: &Path,
    file: OutputFile,
    parse: impl FnOnce(&str, &str) -> Result<T, InputError>,
) -> Result<Option<T>, InputError> {
    let path = dir.join(file.name());
    input::read_text(&path)?
        .map(|text| parse(&text, &path.display().to_string()))
        .transpose()
}

fn run_or_ensemble(ensemble: bool) -> &'static str {
    if ensemble { "an ensemble" } else { "one run" }
}

/// A required input of a fit's directory.
fn required(dir: &Path, file: OutputFile) -> Result<String, InputError> {
    let path = dir.join(file.name());
    input::read_text(&path)?.ok_or_else(|| {
        input::input_error(
            &path.display().to_string(),
            None,
            None,
            "missing: `wormscope fit --out DIR` writes it beside fit.json".into(),
        )
    })
}

/// The page of a fit's directory (`wormscope fit --out`).
fn render_fit(dir: &Path) -> Result<Report, InputError> {
    let name = |f: OutputFile| dir.join(f.name()).display().to_string();
    let fit = input::parse_json(&required(dir, OutputFile::Fit)?, &name(OutputFile::Fit))?;
    let predictive = Csv::parse(
        &required(dir, OutputFile::FitPredictive)?,
        &name(OutputFile::FitPredictive),
    )?;
    let observed = Csv::parse(
        &required(dir, OutputFile::FitObserved)?,
        &name(OutputFile::FitObserved),
    )?;
    let draws = optional(dir, OutputFile::FitDraws, Csv::parse)?;
    let recovery = optional(dir, OutputFile::FitRecovery, input::parse_json)?;
    let text = |k: &str| {
        fit.get(k)
            .and_then(|v| v.as_str())
            .unwrap_or("")
            .to_string()
    };
    let num = |v: Option<&serde_json::Value>| v.and_then(|v| v.as_f64()).unwrap_or(f64::NAN);
    let fit_num = |k: &str| num(fit.get(k));
    let mut page = Page {
        body: String::new(),
        title: format!("wormscope fit: {}", text("scenario")),
        contents: Vec::new(),
    };
    let _ = writeln!(page.body, "<h1>{}</h1>", escape(&page.title));
    let _ = writeln!(
        page.body,
        "<p class=\"lede\">Scenario <code>{}</code> fitted to the observations in <code>{}</code>: the scenarios that agree with what the sensors saw, and the true outbreak they imply. Made by wormscope, a defensive laboratory: every curve here is simulated.</p>",
        escape(&text("scenario")),
        escape(&text("observed"))
    );
    page.body.push_str(CONTENTS_MARK);
    let mut rendered = vec![
        OutputFile::Fit.name(),
        OutputFile::FitPredictive.name(),
        OutputFile::FitObserved.name(),
    ];
    let mut skipped = Vec::new();

    page.section("fit", "The fit");
    page.kv_table(&[
        ("command".into(), text("command")),
        ("method".into(), text("method")),
        ("distance".into(), text("distance")),
        ("simulations".into(), number(fit_num("simulations"))),
        ("kept per generation".into(), number(fit_num("population"))),
        (
            "last tolerance".into(),
            format!("{:.3}", fit_num("tolerance")),
        ),
        (
            "effective sample size".into(),
            format!("{:.1}", fit_num("effective_sample_size")),
        ),
    ]);
    // As the table and fit.md warn.
    if fit_num("effective_sample_size") < crate::fit::FEW_EFFECTIVE_DRAWS {
        page.note(&format!(
            "The effective sample size is under {:.0}: the bands and verdicts below rest on too few runs to trust. Fit with more runs (--runs) or more generations.",
            crate::fit::FEW_EFFECTIVE_DRAWS
        ));
    }
    let axis = TimeAxis::for_span(num(fit.get("duration_s")), Some(&fit));
    let charts = crate::figures::fit_charts(&predictive, &observed, &axis)?;
    page.section("observed", "Observed against predicted");
    page.para("Each observed series (dots) against what the fitted scenarios' sensors saw: the median of the accepted runs, shaded from the 5th to the 95th percentile (the posterior-predictive band).");
    let (truth, series): (Vec<&Chart>, Vec<&Chart>) = charts
        .iter()
        .partition(|c| c.title.starts_with("The truth"));
    for c in series {
        page.figure(c);
    }
    page.section("truth", "The true outbreak");
    page.para(
        "Infected hosts, which no sensor sees, in the scenarios that agree with the observations.",
    );
    for c in truth {
        page.figure(c);
    }
    if let Some(rows) = fit.get("infected").and_then(|v| v.as_array()) {
        page.body.push_str("<table>\n<tr><th>time since the start</th><th>infected, median</th><th>5 % to 95 %</th></tr>\n");
        for r in rows {
            let _ = writeln!(
                page.body,
                "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{} to {}</td></tr>",
                escape(&human_duration(num(r.get("time_s")))),
                number(num(r.get("median"))),
                number(num(r.get("p05"))),
                number(num(r.get("p95")))
            );
        }
        page.body.push_str("</table>\n");
    }
    page.section("parameters", "The parameters");
    page.para("Each fitted field: its uniform prior, and the 5th, 50th and 95th percentiles of the posterior. An interval that still spans most of the prior is an assumption these observations cannot pin down.");
    let params = fit
        .get("parameters")
        .and_then(|v| v.as_array())
        .cloned()
        .unwrap_or_default();
    page.body.push_str("<table>\n<tr><th>field</th><th>prior</th><th>5 %</th><th>median</th><th>95 %</th><th>interval / prior</th></tr>\n");
    for p in &params {
        let _ = writeln!(
            page.body,
            "<tr><td><code>{}</code></td><td class=\"num\">{} to {}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{:.0} %</td></tr>",
            escape(p.get("name").and_then(|v| v.as_str()).unwrap_or("")),
            number(num(p.get("prior_lo"))),
            number(num(p.get("prior_hi"))),
            number(num(p.get("p05"))),
            number(num(p.get("median"))),
            number(num(p.get("p95"))),
            100.0 * num(p.get("interval_to_prior"))
        );
    }
    page.body.push_str("</table>\n");
    match &draws {
        Some(d) => {
            let weights = d.numbers("weight")?;
            for p in &params {
                let field = p.get("name").and_then(|v| v.as_str()).unwrap_or("");
                let values = d.numbers(field)?;
                let chart = crate::figures::posterior_histogram(
                    field,
                    &values,
                    &weights,
                    (num(p.get("prior_lo")), num(p.get("prior_hi"))),
                    12,
                );
                page.svg(&plot::bar_chart(&chart), &chart.title);
            }
            rendered.push(OutputFile::FitDraws.name());
        }
        None => {
            page.note("No fit-draws.csv in this directory: the posterior histograms are skipped.");
            skipped.push(OutputFile::FitDraws.name());
        }
    }
    if let Some(r) = &recovery {
        page.section("recovery", "Recovering known truths");
        page.para(&format!(
            "{} synthetic truths: hidden values drawn from the prior, simulated on hidden seeds, observed at the same times, and fitted the same way. Coverage is the share whose 90 % interval holds the hidden value (nominal 90 %).",
            number(num(r.get("truths")))
        ));
        let rows: Vec<(String, String)> = r
            .get("parameters")
            .and_then(|v| v.as_array())
            .into_iter()
            .flatten()
            .map(|p| {
                (
                    p.get("name")
                        .and_then(|v| v.as_str())
                        .unwrap_or("")
                        .to_string(),
                    format!(
                        "coverage {:.0} %, interval {:.0} % of the prior",
                        100.0 * num(p.get("coverage")),
                        100.0 * num(p.get("mean_interval_to_prior"))
                    ),
                )
            })
            .collect();
        page.kv_table(&rows);
        rendered.push(OutputFile::FitRecovery.name());
    }
    Ok(Report {
        html: page.finish(),
        source: "a fit",
        rendered,
        skipped,
    })
}

/// Renders the report of output directory `dir`. `timeseries.csv` is
/// required; each optional input is rendered when present. Any input that
/// is there but malformed is an error naming its file, line and field.
pub fn render(dir: &Path) -> Result<Report, InputError> {
    let timeseries = dir.join(OutputFile::Timeseries.name());
    let timeseries_name = timeseries.display().to_string();
    if !dir.is_dir() {
        return Err(input::input_error(
            &dir.display().to_string(),
            None,
            None,
            "no such directory (give the --out directory of `wormscope simulate`)".into(),
        ));
    }
    if !timeseries.exists() && dir.join(OutputFile::Fit.name()).exists() {
        return render_fit(dir);
    }
    if !timeseries.exists() && crate::sweep::is_sweep_dir(dir) {
        return crate::sweep::render_sweep(dir);
    }
    let ts_text = input::read_text(&timeseries)?.ok_or_else(|| {
        input::input_error(
            &timeseries_name,
            None,
            None,
            "missing: the directory holds no run (write one with `wormscope simulate --out DIR`)"
                .into(),
        )
    })?;
    let ts = Csv::parse(&ts_text, &timeseries_name)?;
    let times = ts.increasing_times()?;
    let mut series: Vec<SeriesData> = Vec::new();
    let population_columns = &wormscope_engine::population::PopulationRow::COLUMNS[1..];
    for s in wormscope_engine::BlasterRow::SERIES
        .iter()
        .chain(population_columns)
    {
        if !series.iter().any(|d| d.name == *s)
            && let Some(d) = ts.series(s)?
        {
            series.push(d);
        }
    }
    if !series.iter().any(|s| s.name == "infected") {
        return Err(input::input_error(
            &timeseries_name,
            Some(1),
            Some("infected"),
            "missing from the header (as `infected` or `infected_p05,infected_median,infected_p95`)"
                .into(),
        ));
    }
    let ensemble = series.iter().any(|s| s.band.is_some());

    let summary = optional(dir, OutputFile::Summary, input::parse_json)?;
    let flood = optional(dir, OutputFile::Flood, Csv::parse)?;
    let sensors = optional(dir, OutputFile::Sensors, Csv::parse)?;
    let comparison = optional(dir, OutputFile::Comparison, |t, f| {
        input::parse_variants(t, f, ListKind::Comparison)
    })?;
    let variant_series = optional(dir, OutputFile::ComparisonSeries, Csv::parse)?;
    let flaws = optional(dir, OutputFile::Flaws, |t, f| {
        input::parse_variants(t, f, ListKind::Flaws)
    })?;

    // A random-scanning run (Code Red, Slammer, Witty) has probe outcomes
    // instead of Blaster's crashes and flood.
    let population = series.iter().any(|d| d.name == "probes_delivered");
    let telescope = optional(dir, OutputFile::Telescope, Csv::parse)?;
    let validation = optional(dir, OutputFile::Validation, input::parse_figures)?;

    let axis = TimeAxis::for_span(times.last().copied().unwrap_or(0.0), summary.as_ref());
    let days = summary.as_ref().and_then(flood_days_text);
    let mut page = Page::new(summary.as_ref(), ensemble);
    let mut rendered = vec![OutputFile::Timeseries.name()];
    let mut skipped = Vec::new();
    let mut mark = |present: bool, file: &'static str| {
        if present {
            rendered.push(file)
        } else {
            skipped.push(file)
        }
    };

    page.section("scenario", "Scenario");
    match &summary {
        Some(s) => page.summary_table(s),
        None => {
            page.note("No summary.json in this directory: the scenario's description is skipped.")
        }
    }
    mark(summary.is_some(), OutputFile::Summary.name());

    let pick = |names: &[&str]| -> Vec<&SeriesData> {
        names
            .iter()
            .filter_map(|n| series.iter().find(|s| s.name == *n))
            .collect()
    };
    page.section("infection", "Infection curve");
    page.para(
        "Hosts carrying the worm (infected) and hosts whose worm is running and spreading (scanning; past a [worm.stop] date or probe limit a worm runs without scanning, and a host its payload crashed is down for good with the worm still on it), at the end of each time step.",
    );
    let mut infection = axis.chart(
        "Infected and scanning hosts",
        "hosts",
        Scale::Linear,
        &times,
        &pick(&["infected", "scanning"]),
    );
    // Scanning often equals infected: dashed, it does not hide it.
    if let Some(s) = infection.series.get_mut(1) {
        s.dashed = true;
    }
    page.figure(&infection);
    // Series that only some runs make (a defense, churn): drawn where
    // they are not all zero.
    let made_some = |name: &str| {
        series
            .iter()
            .any(|d| d.name == name && d.values.iter().any(|v| *v > 0.0))
    };
    if made_some("offline") {
        page.para("Vulnerable hosts switched off or disconnected by their daily habits ([world.churn]) at the end of each step (a laptop at home is online, at its home address): an offline host neither scans nor answers, and its worm starts again when it comes back.");
        page.figure(&axis.chart(
            "Hosts offline",
            "hosts",
            Scale::Linear,
            &times,
            &pick(&["offline"]),
        ));
    }
    if population {
        page.section("probes", "Probes per step");
        page.para("Probes the infected hosts sent (offered), the network carried (delivered) and congestion dropped, and where the delivered ones went, in each step (logarithmic scale).");
        let mut sent = axis.chart(
            "Probes offered, delivered and dropped",
            "probes per step",
            Scale::Log,
            &times,
            &pick(&["probes_offered", "probes_delivered", "probes_dropped"]),
        );
        if let Some(s) = sent.series.get_mut(1) {
            s.dashed = true;
        }
        page.figure(&sent);
        let mut went = vec![
            "probes_infecting",
            "probes_infected",
            "probes_other",
            "probes_empty",
        ];
        if made_some("probes_blocked") {
            went.push("probes_blocked");
        }
        page.figure(&axis.chart(
            "Where the delivered probes went",
            "probes per step",
            Scale::Log,
            &times,
            &pick(&went),
        ));
        if made_some("cleaned") {
            page.figure(&axis.chart(
                "Hosts cleaned",
                "hosts per step",
                Scale::Linear,
                &times,
                &pick(&["cleaned"]),
            ));
        }
        // Only a worm with a payload writes one.
        if let Some(f) = &flood {
            page.section("flood", "The flood at its target");
            let text = FloodText::population(summary.as_ref());
            page.flood(f, &axis, text, days.as_deref())?;
        }
        mark(flood.is_some(), OutputFile::Flood.name());
        page.section("telescopes", "Telescopes against the truth");
        match &telescope {
            Some(t) => page.telescopes(t, &axis)?,
            None => page.note("No telescope.csv in this directory (a scenario without telescopes): the telescope section is skipped."),
        }
        mark(telescope.is_some(), OutputFile::Telescope.name());
        page.section("sensors", "Sensors against the truth");
        match &sensors {
            Some(s) => page.sensors(s, &axis)?,
            None => page.note("No sensors.csv in this directory: the sensors section is skipped."),
        }
        mark(sensors.is_some(), OutputFile::Sensors.name());
        page.section("figures", "Published figures");
        match &validation {
            Some(v) => page.figures(v),
            None => page
                .note("No validation.json in this directory: the published figures are skipped."),
        }
        mark(validation.is_some(), OutputFile::Validation.name());
        page.comparison_section(
            comparison.as_deref(),
            variant_series.as_ref(),
            &axis,
            &RANDOM_SCAN_LIST,
            &mut mark,
        )?;
        return Ok(Report {
            html: page.finish(),
            source: run_or_ensemble(ensemble),
            rendered,
            skipped,
        });
    }
    page.section("crashes", "Crashes and reboots");
    page.para("Hosts online with a crashed RPC service and hosts off the network for a reboot, at each step's end; then the crashes, reboots and new infections during each step.");
    page.figure(&axis.chart(
        "Crashed and rebooting hosts",
        "hosts",
        Scale::Linear,
        &times,
        &pick(&["crashed", "rebooting"]),
    ));
    page.figure(&axis.chart(
        "Events per step",
        "events per step",
        Scale::Linear,
        &times,
        &pick(&["new_infections", "crashes", "reboots"]),
    ));
    page.section("probes", "Probes per step");
    if made_some("probes_dropped") {
        page.para("Probes all scanning hosts sent in each step (probes), those the network's capacity dropped ([worm.bandwidth] capacity_bits_per_second) and, for one run, those that arrived, on a logarithmic scale (steps without any are gaps). Telescopes and sensors see only what arrived: their estimates, which divide what they saw by each host's probe rate, fall short once the network saturates.");
        let mut shown = pick(&["probes", "probes_dropped"]);
        // One run's arrived probes are its sent less its dropped (an
        // ensemble's medians do not subtract).
        let arrived = match (shown.as_slice(), ensemble) {
            ([sent, dropped], false) => Some(SeriesData {
                name: "probes_arrived".into(),
                values: sent
                    .values
                    .iter()
                    .zip(&dropped.values)
                    .map(|(s, d)| s - d)
                    .collect(),
                band: None,
            }),
            _ => None,
        };
        if let Some(a) = &arrived {
            shown.insert(1, a);
        }
        page.figure(&axis.chart(
            "Probes sent, arrived and dropped per step",
            "probes",
            Scale::Log,
            &times,
            &shown,
        ));
    } else {
        page.para("Connection attempts to 135/tcp by all scanning hosts in each step (logarithmic scale; steps without probes are gaps).");
        page.figure(&axis.chart(
            "Probes per step",
            "probes",
            Scale::Log,
            &times,
            &pick(&["probes"]),
        ));
    }

    page.section("flood", "The SYN flood at windowsupdate.com");
    if let Some(f) = &flood {
        page.flood(f, &axis, &FloodText::BLASTER, days.as_deref())?;
    } else {
        page.note("No flood.csv in this directory: the flood section is skipped.");
    }
    mark(flood.is_some(), OutputFile::Flood.name());

    page.section("sensors", "Sensors against the truth");
    if let Some(s) = &sensors {
        page.sensors(s, &axis)?;
    } else {
        page.note("No sensors.csv in this directory: the sensors section is skipped.");
    }
    mark(sensors.is_some(), OutputFile::Sensors.name());

    page.comparison_section(
        comparison.as_deref(),
        variant_series.as_ref(),
        &axis,
        &BLASTER_LIST,
        &mut mark,
    )?;

    page.section("flaws", "The worm's flaws");
    if let Some(f) = &flaws {
        page.flaws(f);
    } else {
        page.note("No flaws.json in this directory: the flaws table is skipped.");
    }
    mark(flaws.is_some(), OutputFile::Flaws.name());

    Ok(Report {
        html: page.finish(),
        source: run_or_ensemble(ensemble),
        rendered,
        skipped,
    })
}

/// Escapes text for HTML content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The page being written.
pub(crate) struct Page {
    pub(crate) body: String,
    pub(crate) title: String,
    /// The sections so far (id, heading), for the table of contents.
    pub(crate) contents: Vec<(String, String)>,
}

/// Where the table of contents goes in the body, once every section is
/// known.
pub(crate) const CONTENTS_MARK: &str = "<!-- contents -->\n";

const CSS: &str = "
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#1b1b1b;background:#fafafa;margin:0}
main{max-width:1000px;margin:0 auto;padding:1.5rem 1.5rem 4rem;background:#fff}
h1{font-size:1.7rem;margin:.5rem 0 .25rem}
h2{font-size:1.3rem;margin:2.2rem 0 .5rem;border-bottom:1px solid #ddd;padding-bottom:.2rem}
p{line-height:1.45}
.lede{color:#444}
nav h2{font-size:1.05rem;margin:1.2rem 0 .3rem;border:0}
nav ol{margin:0;padding-left:1.4rem;columns:2}
.note{color:#666;font-style:italic}
figure{margin:1rem 0}
figure svg{max-width:100%;height:auto;display:block}
table{border-collapse:collapse;margin:.5rem 0 1rem;font-size:.9rem}
th,td{border:1px solid #ddd;padding:.25rem .55rem;text-align:left;vertical-align:top}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
th{background:#f2f2f2}
.band{color:#777;font-size:.85em}
pre.scenario{background:#f6f6f6;border:1px solid #ddd;padding:.6rem .8rem;overflow-x:auto;font-size:.85rem;line-height:1.4}
pre.scenario mark{background:#fff3b0}
pre.scenario .was{color:#777}
@media print{pre.scenario{white-space:pre-wrap;overflow-wrap:anywhere}}
.pos{color:#a33}.neg{color:#275}
footer{margin-top:3rem;color:#777;font-size:.85rem}
";

impl Page {
    fn new(summary: Option<&serde_json::Value>, ensemble: bool) -> Page {
        let scenario = summary
            .and_then(|s| s.get("scenario"))
            .and_then(|s| s.as_str())
            .unwrap_or("(no summary.json)");
        let title = format!("wormscope report: {scenario}");
        let mut body = String::new();
        let _ = writeln!(body, "<h1>{}</h1>", escape(&title));
        let kind = if ensemble {
            "an ensemble of runs: lines are medians, shaded bands the 5th to 95th percentiles"
        } else {
            "one run"
        };
        let what = summary
            .and_then(|s| s.get("description"))
            .and_then(|d| d.as_str())
            .unwrap_or("W32/Blaster (August 2003)");
        let _ = writeln!(
            body,
            "<p class=\"lede\">A simulated outbreak of {}, from {kind}. Made by wormscope, a defensive laboratory: nothing here was measured on a real network.</p>",
            escape(what)
        );
        body.push_str(CONTENTS_MARK);
        Page {
            body,
            title,
            contents: Vec::new(),
        }
    }

    pub(crate) fn section(&mut self, id: &str, heading: &str) {
        self.contents.push((id.to_string(), heading.to_string()));
        let _ = writeln!(
            self.body,
            "<h2 id=\"{}\">{}</h2>",
            escape(id),
            escape(heading)
        );
    }

    pub(crate) fn para(&mut self, text: &str) {
        let _ = writeln!(self.body, "<p>{}</p>", escape(text));
    }

    pub(crate) fn note(&mut self, text: &str) {
        let _ = writeln!(self.body, "<p class=\"note\">{}</p>", escape(text));
    }

    pub(crate) fn figure(&mut self, chart: &Chart) {
        self.svg(&plot::line_chart(chart), &chart.title);
    }

    pub(crate) fn svg(&mut self, svg: &str, label: &str) {
        let _ = writeln!(
            self.body,
            "<figure role=\"img\" aria-label=\"{}\">\n{}</figure>",
            escape(label),
            svg.trim_end()
        );
    }

    /// Rows of (label, value) as a two-column table.
    pub(crate) fn kv_table(&mut self, rows: &[(String, String)]) {
        self.body.push_str("<table>\n");
        for (k, v) in rows {
            let _ = writeln!(
                self.body,
                "<tr><th>{}</th><td>{}</td></tr>",
                escape(k),
                escape(v)
            );
        }
        self.body.push_str("</table>\n");
    }

    /// The scenario section: the file that reproduces the run, then what
    /// it came to, rounded.
    fn summary_table(&mut self, summary: &serde_json::Value) {
        match summary.get("scenario_file").and_then(|f| f.as_str()) {
            Some(file) => {
                self.para("The scenario file that reproduces this run: `base` names the built-in scenario it is laid over, and every other line is a setting changed from it (highlighted), with the built-in's value in a comment. Save it and run `wormscope simulate --scenario FILE`.");
                self.body.push_str("<pre class=\"scenario\">");
                for line in file.lines() {
                    // A changed setting carries the built-in's value, or says
                    // the built-in has none (a table it leaves out).
                    let changed = line
                        .split_once("  # built-in: ")
                        .map(|(setting, was)| (setting, format!("  # built-in: {was}")))
                        .or_else(|| {
                            line.strip_suffix("  # not in the built-in")
                                .map(|setting| (setting, "  # not in the built-in".to_string()))
                        });
                    match changed {
                        Some((setting, was)) => {
                            let _ = writeln!(
                                self.body,
                                "<mark>{}</mark><span class=\"was\">{}</span>",
                                escape(setting),
                                escape(&was)
                            );
                        }
                        None => {
                            let _ = writeln!(self.body, "{}", escape(line));
                        }
                    }
                }
                self.body.push_str("</pre>\n");
            }
            None => self.note(
                "This summary.json has no scenario_file (written by an older wormscope): the settings that reproduce the run are not shown.",
            ),
        }
        // The headline fields first, in this order, then the rest.
        const FIRST: &[&str] = &[
            "scenario",
            "seed",
            "seeds",
            "runs",
            "start",
            "duration_s",
            "step_s",
            "peak_infected",
            "peak_infected_time_s",
        ];
        // Shown above, or identifiers that are not quantities.
        const NOT_ROUNDED: &[&str] = &["seed", "seeds", "run_seeds", "wormscope_version"];
        let all: Vec<(String, String)> = input::flatten_json(summary)
            .into_iter()
            .filter(|(k, _)| k != "scenario_file")
            .collect();
        let mut rows: Vec<(String, String)> = FIRST
            .iter()
            .filter_map(|k| all.iter().find(|(key, _)| key == k).cloned())
            .collect();
        rows.extend(
            all.iter()
                .filter(|(k, _)| !FIRST.contains(&k.as_str()))
                .cloned(),
        );
        for (k, v) in rows.iter_mut() {
            if NOT_ROUNDED.contains(&k.as_str()) {
                *v = shortened_list(v);
            } else if let Ok(x) = v.parse::<f64>() {
                *v = if k.ends_with("_s") {
                    format!("{} ({})", number(x), human_duration(x))
                } else {
                    number(x)
                };
            }
        }
        self.para("What it came to:");
        self.kv_table(&rows);
    }

    /// The flood section; `days` says on which days the worm floods (the
    /// scenario's `[payload]`), when the run's scenario is known.
    fn flood(
        &mut self,
        f: &Csv,
        axis: &TimeAxis,
        text: &FloodText,
        days: Option<&str>,
    ) -> Result<(), InputError> {
        let times = f.increasing_times()?;
        let get = |name: &str| -> Result<SeriesData, InputError> {
            f.series(name)?.ok_or_else(|| {
                input::input_error(
                    &f.file,
                    Some(1),
                    Some(name),
                    format!("missing from the header (as `{name}` or `{name}_p05,{name}_median,{name}_p95`)"),
                )
            })
        };
        let bps = get("flood_bps")?;
        let bps_f = get("flood_bps_filtered")?;
        let pps = get("flood_pps")?;
        let pps_f = get("flood_pps_filtered")?;
        if bps.values.iter().chain(&pps.values).all(|v| *v == 0.0) {
            self.note(text.none);
            return Ok(());
        }
        self.para(text.intro);
        if let Some(days) = days {
            self.para(days);
        }
        let chart = |title: &str, unit: &str, a: &SeriesData, b: &SeriesData, scale: f64| {
            let mut series = vec![axis.series("arriving", &times, a, scale)];
            if text.spoofed {
                let mut filtered = axis.series("after BCP 38 filtering", &times, b, scale);
                filtered.dashed = true;
                series.push(filtered);
            }
            Chart {
                title: title.to_string(),
                x_label: axis.label.clone(),
                y_label: unit.to_string(),
                y_scale: Scale::Linear,
                series,
                ..Chart::default()
            }
        };
        self.figure(&chart(
            "Flood traffic at the target",
            "Gbit/s",
            &bps,
            &bps_f,
            1e9,
        ));
        self.figure(&chart(
            "Flood packets at the target",
            text.packets,
            &pps,
            &pps_f,
            1.0,
        ));
        let peak = |s: &SeriesData| s.values.iter().copied().fold(0.0f64, f64::max);
        let peak_of = |bps: &SeriesData, pps: &SeriesData| {
            format!(
                "{:.3} Gbit/s, {} packets/s",
                peak(bps) / 1e9,
                group_digits(peak(pps).round() as u64)
            )
        };
        let mut rows = vec![("peak arriving".to_string(), peak_of(&bps, &pps))];
        if text.spoofed {
            rows.push((
                "peak after BCP 38 filtering".into(),
                peak_of(&bps_f, &pps_f),
            ));
        }
        self.kv_table(&rows);
        Ok(())
    }

    fn sensors(&mut self, s: &Csv, axis: &TimeAxis) -> Result<(), InputError> {
        let Some((chart, order)) = sensor_chart(s, axis)? else {
            self.note("sensors.csv has a header but no rows: no sensor to show.");
            return Ok(());
        };
        let names = s.strings("sensor")?;
        let probes = s.numbers("probes")?;
        let sources = s.numbers("sources")?;
        let estimate = s.numbers("estimate")?;
        let truth = s.numbers("truth")?;
        let order: Vec<&str> = order.iter().map(String::as_str).collect();
        let rows_of = |sensor: &str| -> Vec<usize> {
            (0..names.len()).filter(|&i| names[i] == sensor).collect()
        };
        self.para("What each sensor estimates the number of infected hosts to be, from the probes it sees, against the true number in the simulation. An estimate scales up what the sensor saw by the share of the address space it watches, so a sensor that watches little moves in large steps when one more source reaches it. It assumes that every infected host scans the whole space uniformly at the worm's nominal rate: it reads low when hosts send less (a congested network, a worm that has stopped scanning) or when scans seldom enter the sensor's range (an edge that sequential scanners starting near their own addresses seldom cross), and high when the sensor's addresses lie where scans concentrate. The table compares each estimate with the truth when the infected hosts were most numerous.");
        if chart.y_scale == Scale::Log {
            self.note(
                "Logarithmic scale: the estimates span decades. An estimate of zero is a gap.",
            );
        }
        self.figure(&chart);
        self.body.push_str("<table>\n<tr><th>sensor</th><th class=\"num\">probes seen</th><th class=\"num\">most sources</th><th class=\"num\">estimate at the peak</th><th class=\"num\">infected then</th><th class=\"num\">estimate / truth</th></tr>\n");
        for sensor in &order {
            let rows = rows_of(sensor);
            // The first step at which the infected hosts were most
            // numerous: after it a worm may stop scanning (Code Red's
            // date) while its hosts stay infected.
            let most_infected = rows.iter().map(|&i| truth[i]).fold(0.0f64, f64::max);
            let at = *rows
                .iter()
                .find(|&&i| truth[i] == most_infected)
                .or(rows.last())
                .expect("a sensor has a row");
            let total: f64 = rows.iter().map(|&i| probes[i]).sum();
            let most = rows.iter().map(|&i| sources[i]).fold(0.0f64, f64::max);
            let ratio = if truth[at] > 0.0 {
                format!("{:.3}", estimate[at] / truth[at])
            } else {
                "n/a".into()
            };
            let _ = writeln!(
                self.body,
                "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                escape(sensor),
                number(total),
                number(most),
                number(estimate[at]),
                number(truth[at]),
                ratio
            );
        }
        self.body.push_str("</table>\n");
        Ok(())
    }

    /// The metrics table of a comparison or flaw list: the metrics of
    /// `shown` the list has.
    fn variant_table(&mut self, rows: &[VariantRow], deltas: bool, shown: &ListColumns) {
        let flaws = rows.iter().any(|r| r.defenses.is_some());
        let columns: Vec<usize> = input::METRICS
            .iter()
            .enumerate()
            .filter(|(k, (m, _))| {
                shown.metrics.contains(m) && rows.first().is_some_and(|r| r.metrics[*k].is_some())
            })
            .map(|(k, _)| k)
            .collect();
        self.body.push_str("<table>\n<tr><th>variant</th>");
        if flaws {
            self.body.push_str("<th>defenses</th>");
        }
        for &k in &columns {
            let _ = write!(
                self.body,
                "<th class=\"num\">{}</th>",
                escape(input::METRICS[k].1)
            );
        }
        if flaws {
            self.body
                .push_str("<th class=\"num\">noticed (median)</th>");
        }
        self.body.push_str("</tr>\n");
        for r in rows {
            let _ = write!(self.body, "<tr><td>{}</td>", escape(&r.variant));
            if flaws {
                let _ = write!(
                    self.body,
                    "<td>{}</td>",
                    escape(r.defenses.as_deref().unwrap_or(""))
                );
            }
            for &k in &columns {
                let q = r.metrics[k].unwrap_or_default();
                let _ = write!(
                    self.body,
                    "<td class=\"num\">{}<br><span class=\"band\">{} – {}</span>",
                    opt_number(q.median),
                    opt_number(q.p05),
                    opt_number(q.p95)
                );
                if deltas && let Some(d) = q.delta_median {
                    let class = if d > 0.0 {
                        "pos"
                    } else if d < 0.0 {
                        "neg"
                    } else {
                        "band"
                    };
                    let sign = if d > 0.0 { "+" } else { "" };
                    let _ = write!(
                        self.body,
                        "<br><span class=\"{class}\">Δ {sign}{}</span>",
                        number(d)
                    );
                }
                self.body.push_str("</td>");
            }
            if flaws {
                let _ = write!(
                    self.body,
                    "<td class=\"num\">{}</td>",
                    opt_number(r.noticed_median)
                );
            }
            self.body.push_str("</tr>\n");
        }
        self.body.push_str("</table>\n");
    }

    /// What the telescopes of a random-scanning run imply about the scan
    /// rate, against the truth (telescope.csv).
    fn telescopes(&mut self, t: &Csv, axis: &TimeAxis) -> Result<(), InputError> {
        let Some((mut chart, _)) = sensor_chart(t, axis)? else {
            self.note("telescope.csv has a header but no rows: no telescope to show.");
            return Ok(());
        };
        chart.title = "Aggregate scan rate: telescope estimates and the truth".into();
        chart.y_label = "probes per second".into();
        chart.y_scale = Scale::Log;
        self.para("The probes each telescope recorded in a step, scaled up by the share of the scanned space it covers, against the rate of probes the network actually delivered. This is how the published scan rates were measured.");
        self.figure(&chart);
        Ok(())
    }

    /// Published figures beside the simulated ones (validation.json).
    fn figures(&mut self, rows: &[input::FigureRow]) {
        self.body.push_str(
            "<table>\n<tr><th>figure</th><th class=\"num\">published</th><th class=\"num\">simulated</th><th>tolerance</th><th>result</th><th>source</th></tr>\n",
        );
        for r in rows {
            let band = match (r.p05, r.p95) {
                (Some(lo), Some(hi)) if lo != hi => {
                    format!(
                        " <span class=\"band\">[{}, {}]</span>",
                        figure_number(lo),
                        figure_number(hi)
                    )
                }
                _ => String::new(),
            };
            let _ = writeln!(
                self.body,
                "<tr><td>{} ({})</td><td class=\"num\">{}</td><td class=\"num\">{}{band}</td><td>{}</td><td class=\"{}\">{}</td><td>{}</td></tr>",
                escape(&r.figure),
                escape(&r.unit),
                figure_number(r.published),
                r.simulated.map_or("n/a".into(), figure_number),
                escape(&r.tolerance),
                if r.pass { "neg" } else { "pos" },
                match (r.pass, r.simulated) {
                    (true, _) => "PASS",
                    (false, Some(_)) => "FAIL",
                    (false, None) => "n/a",
                },
                escape(&r.source)
            );
        }
        self.body.push_str("</table>\n");
    }

    /// The section of `comparison.json` and `comparison-timeseries.csv`,
    /// with the columns of the page's kind of worm.
    fn comparison_section(
        &mut self,
        comparison: Option<&[VariantRow]>,
        variant_series: Option<&Csv>,
        axis: &TimeAxis,
        shown: &ListColumns,
        mark: &mut dyn FnMut(bool, &'static str),
    ) -> Result<(), InputError> {
        self.section("comparison", "Defenses compared");
        if let Some(c) = comparison {
            self.comparison(c, shown);
            match variant_series {
                Some(v) => self.variant_series(v, axis, c)?,
                None => self.note(&format!(
                    "No {} in this directory: the variants' curves over time are skipped (`wormscope compare --out` writes it).",
                    OutputFile::ComparisonSeries
                )),
            }
            mark(
                variant_series.is_some(),
                OutputFile::ComparisonSeries.name(),
            );
        } else {
            self.note(
                "No comparison.json in this directory: the comparison of defenses is skipped.",
            );
        }
        mark(comparison.is_some(), OutputFile::Comparison.name());
        Ok(())
    }

    fn comparison(&mut self, rows: &[VariantRow], shown: &ListColumns) {
        self.para("Each variant is an ensemble of runs. A cell gives the median, below it the 5th to 95th percentile, and the median's difference from the baseline (Δ).");
        self.variant_table(rows, true, shown);
        let (metric, title) = shown.bar;
        let k = input::METRICS
            .iter()
            .position(|(m, _)| *m == metric)
            .expect("a metric");
        if rows.first().is_none_or(|r| r.metrics[k].is_none()) {
            return;
        }
        let bars = rows
            .iter()
            .map(|r| {
                let q = r.metrics[k].unwrap_or_default();
                (
                    r.variant.clone(),
                    q.median.unwrap_or(f64::NAN),
                    q.p05.zip(q.p95),
                )
            })
            .collect();
        let chart = BarChart {
            title: title.into(),
            y_label: "hosts".into(),
            bars,
            ..BarChart::default()
        };
        self.svg(&plot::bar_chart(&chart), &chart.title);
    }

    /// Each variant's infected hosts over time.
    fn variant_series(
        &mut self,
        c: &Csv,
        axis: &TimeAxis,
        rows: &[VariantRow],
    ) -> Result<(), InputError> {
        let Some(chart) = comparison_chart(c, axis, rows)? else {
            self.note(&format!(
                "{} has a header but no rows: no curve to show.",
                OutputFile::ComparisonSeries
            ));
            return Ok(());
        };
        self.para(if chart.markers.is_empty() {
            "Infected hosts over time under each variant, on the same seeds: the median of the runs, shaded from the 5th to the 95th percentile."
        } else {
            "Infected hosts over time under each variant, on the same seeds: the median of the runs, shaded from the 5th to the 95th percentile. A thin dashed line in a variant's colour marks when its defense starts."
        });
        if chart.y_scale == Scale::Log {
            self.note("Logarithmic scale: the variants' peaks lie two decades or more apart. Equal gaps between curves are equal ratios.");
        }
        self.figure(&chart);
        Ok(())
    }

    fn flaws(&mut self, rows: &[VariantRow]) {
        self.para("The baseline is the worm as it was; each other variant takes one of its flaws away, with the baseline's defenses or none. A cell gives the median and, below it, the 5th to 95th percentile; “noticed” counts the hosts whose users noticed the worm.");
        self.variant_table(rows, false, &BLASTER_LIST);
    }

    pub(crate) fn finish(self) -> String {
        let mut nav = String::from("<nav aria-label=\"Contents\"><h2>Contents</h2>\n<ol>\n");
        for (id, heading) in &self.contents {
            let _ = writeln!(
                nav,
                "<li><a href=\"#{}\">{}</a></li>",
                escape(id),
                escape(heading)
            );
        }
        nav.push_str("</ol>\n</nav>\n");
        let body = self.body.replacen(CONTENTS_MARK, &nav, 1);
        format!(
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>\n{}<footer>Made by wormscope {} from the files of one output directory. Self-contained: no script, no external resource.</footer>\n</main>\n</body>\n</html>\n",
            escape(&self.title),
            body,
            env!("CARGO_PKG_VERSION")
        )
    }
}

/// A long JSON list (an ensemble's seeds) as its first values and its
/// length, so that it does not run off the page; anything else as it is.
fn shortened_list(v: &str) -> String {
    let Some(inner) = v.strip_prefix('[').and_then(|r| r.strip_suffix(']')) else {
        return v.to_string();
    };
    let items: Vec<&str> = inner.split(',').collect();
    if items.len() <= 3 {
        return v.to_string();
    }
    format!("{}, … ({} in all)", items[..3].join(", "), items.len())
}

/// A number for a table: integers with thousands separators, others with
/// three significant decimals.
pub(crate) fn number(v: f64) -> String {
    if !v.is_finite() {
        return v.to_string();
    }
    if (v == v.trunc() || v.abs() >= 100.0) && v.abs() < 1e15 {
        let s = group_digits(v.abs().round() as u64);
        if v < 0.0 { format!("-{s}") } else { s }
    } else {
        let s = format!("{v:.3}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

fn opt_number(v: Option<f64>) -> String {
    v.map_or("n/a".to_string(), number)
}

/// `1234567` as `1,234,567`.
fn group_digits(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Seconds as `90 s`, `10 min`, `1.5 h`, `7 d`.
fn human_duration(s: f64) -> String {
    if s < 120.0 {
        format!("{} s", number(s))
    } else if s < 7_200.0 {
        format!("{} min", number(s / 60.0))
    } else if s < 3.0 * 86_400.0 {
        format!("{} h", number(s / 3_600.0))
    } else {
        format!("{} d", number(s / 86_400.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_random_scanning_worms_spoofed_flood_is_drawn_with_what_bcp38_leaves() {
        let text = |file: &str| {
            let summary = serde_json::json!({ "scenario_file": file });
            FloodText::population(Some(&summary)).spoofed
        };
        assert!(!text("base = \"codered2\"\n"));
        assert!(text(
            "base = \"codered2\"\n[payload]\nspoofed_sources = true\npacket_bytes = 40\n"
        ));
        // Without its scenario, the flood is read as Code Red's.
        assert!(!FloodText::population(None).spoofed);
        assert!(FloodText::SPOOFED.intro.contains("BCP 38"));
    }

    #[test]
    fn the_flood_section_says_on_which_days_and_how_the_worm_reads_the_date() {
        let text = |file: &str| flood_days_text(&serde_json::json!({ "scenario_file": file }));
        assert_eq!(
            text("base = \"blaster-sample\"\n").as_deref(),
            Some(
                "Flood days: from the 16th to the end of each month, and every day from September to December (UTC). The worm reads the date once, when it starts: an instance started on a flood day floods for as long as it runs, one started on another day never does."
            )
        );
        assert_eq!(
            text("base = \"codered2\"\n").as_deref(),
            Some(
                "Flood days: from the 20th to the 27th of each month (UTC). The worm reads the date all the time: every running instance floods on the flood days and on no others."
            )
        );
        let blaster_always = text(
            "base = \"blaster\"\n[payload]\ndate_checked = \"always\"\nlast_day_jan_aug = 21\nfirst_day_jan_aug = 1\n",
        )
        .unwrap();
        assert!(
            blaster_always.starts_with("Flood days: from the 1st to the 21st of each month")
                && blaster_always.contains("reads the date all the time"),
            "{blaster_always}"
        );
        // One day a month is named alone.
        let one_day =
            text("base = \"codered2\"\n[payload]\nfirst_day = 25\nlast_day = 25\n").unwrap();
        assert!(
            one_day.starts_with("Flood days: the 25th of each month (UTC)."),
            "{one_day}"
        );
        // No flood, no scenario, or one that no longer parses: nothing said.
        assert_eq!(text("base = \"slammer\"\n"), None);
        assert_eq!(flood_days_text(&serde_json::json!({})), None);
        assert_eq!(text("base = \"nonesuch\"\n"), None);
        assert_eq!(
            (1..=31)
                .map(ordinal)
                .filter(|o| o.ends_with("st"))
                .collect::<Vec<_>>(),
            ["1st", "21st", "31st"]
        );
        assert_eq!(
            (ordinal(2), ordinal(12), ordinal(23)),
            ("2nd".into(), "12th".into(), "23rd".into())
        );
    }

    #[test]
    fn every_changed_setting_of_the_scenario_file_is_marked() {
        let file = "base = \"blaster-sample\"\nduration = \"3h\"  # built-in: \"1d\"\n\n\
                    [worm]\nhit_list = { hosts = 2000, probes_per_second = 50.0 }  # not in the built-in\n";
        let summary = serde_json::json!({ "scenario_file": file });
        let mut page = Page::new(Some(&summary), false);
        page.summary_table(&summary);
        let html = &page.body;
        assert!(
            html.contains("<mark>duration = &quot;3h&quot;</mark><span class=\"was\">  # built-in: &quot;1d&quot;</span>"),
            "{html}"
        );
        assert!(
            html.contains("<mark>hit_list = { hosts = 2000, probes_per_second = 50.0 }</mark><span class=\"was\">  # not in the built-in</span>"),
            "{html}"
        );
        assert!(!html.contains("<mark>base"), "{html}");
        assert!(!html.contains("<mark>[worm]"), "{html}");
    }

    #[test]
    fn inputs_with_headers_only_render() {
        let dir = tempfile::tempdir().unwrap();
        let header = |cols: &[&str]| format!("{}\n", cols.join(","));
        let mut columns = vec!["time_s"];
        columns.extend(wormscope_engine::BlasterRow::SERIES);
        std::fs::write(dir.path().join("timeseries.csv"), header(&columns)).unwrap();
        std::fs::write(
            dir.path().join("sensors.csv"),
            "time_s,sensor,probes,sources,estimate,truth\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("flood.csv"),
            "time_s,flood_pps,flood_bps,flood_pps_filtered,flood_bps_filtered\n",
        )
        .unwrap();
        std::fs::write(dir.path().join("comparison.json"), "[]").unwrap();
        std::fs::write(
            dir.path().join("comparison-timeseries.csv"),
            format!("{}\n", crate::COMPARISON_SERIES_HEADER),
        )
        .unwrap();
        let r = render(dir.path()).unwrap();
        assert!(r.html.contains("no sensor to show"));
        assert!(r.html.contains("no curve to show"));
        assert!(r.html.contains("no data"));
        assert_eq!(r.skipped, vec!["summary.json", "flaws.json"]);
    }

    #[test]
    fn a_page_has_contents_and_a_run_without_a_flood_gets_a_note_not_charts() {
        let dir = tempfile::tempdir().unwrap();
        let mut columns = vec!["time_s".to_string()];
        columns.extend(
            wormscope_engine::BlasterRow::SERIES
                .iter()
                .map(|s| s.to_string()),
        );
        let zeros = vec!["0"; columns.len() - 1].join(",");
        std::fs::write(
            dir.path().join("timeseries.csv"),
            format!("{}\n3600,{zeros}\n7200,{zeros}\n", columns.join(",")),
        )
        .unwrap();
        std::fs::write(
            dir.path().join("flood.csv"),
            "time_s,flood_pps,flood_bps,flood_pps_filtered,flood_bps_filtered\n3600,0,0,0,0\n7200,0,0,0,0\n",
        )
        .unwrap();
        let html = render(dir.path()).unwrap().html;
        assert!(
            html.contains("No flood reached the target in this run"),
            "the note"
        );
        assert!(
            !html.contains("Flood traffic at the target"),
            "no empty chart"
        );
        // Every section is in the contents, in page order, and linked.
        let nav = &html[html.find("<nav").unwrap()..html.find("</nav>").unwrap()];
        let mut last = 0;
        for id in [
            "scenario",
            "infection",
            "crashes",
            "flood",
            "sensors",
            "flaws",
        ] {
            let at = nav
                .find(&format!("href=\"#{id}\""))
                .unwrap_or_else(|| panic!("{id}"));
            assert!(at > last, "{id} in order");
            last = at;
            assert!(html.contains(&format!("<h2 id=\"{id}\">")));
        }
        assert!(nav.contains("The worm&#39;s flaws"));
        assert!(!html.contains("<!-- contents -->"));
    }

    /// A run under a network capacity (`timeseries.csv`'s last column
    /// `probes_dropped`, which `run::timeseries_csv` writes then) draws
    /// what was dropped beside what was sent; a run without drops keeps
    /// the single series.
    #[test]
    fn dropped_probes_are_drawn_beside_those_sent() {
        let html_of = |dropped: &str| {
            let dir = tempfile::tempdir().unwrap();
            let mut run = wormscope_engine::BlasterRun {
                step: 3_600_000_000,
                rows: vec![wormscope_engine::BlasterRow::default(); 2],
                totals: Default::default(),
                events: 0,
            };
            for r in &mut run.rows {
                r.probes = 1_000;
                r.dropped = dropped.parse().unwrap();
            }
            std::fs::write(
                dir.path().join("timeseries.csv"),
                crate::run::timeseries_csv(&run, true),
            )
            .unwrap();
            render(dir.path()).unwrap().html
        };
        let congested = html_of("600");
        assert!(congested.contains("Probes sent, arrived and dropped per step"));
        assert!(congested.contains("probes dropped"), "its legend");
        assert!(congested.contains("probes arrived"), "its legend");
        let free = html_of("0");
        assert!(free.contains("<h2 id=\"probes\">"));
        assert!(!free.contains("Probes sent, arrived"));
    }

    /// A worm that stops scanning (Code Red's date) leaves its hosts
    /// infected and its sensors' estimates at zero: the table compares the
    /// estimate with the truth when the infected were most numerous, not at
    /// the run's end.
    #[test]
    fn the_sensor_table_compares_at_the_peak_of_infected_hosts() {
        let dir = tempfile::tempdir().unwrap();
        let mut columns = vec!["time_s"];
        columns.extend(wormscope_engine::BlasterRow::SERIES);
        std::fs::write(
            dir.path().join("timeseries.csv"),
            format!("{}\n", columns.join(",")),
        )
        .unwrap();
        std::fs::write(
            dir.path().join("sensors.csv"),
            "time_s,sensor,probes,sources,estimate,truth\n\
             3600,scope,10,5,40,50\n7200,scope,90,30,820,1000\n\
             10800,scope,0,30,0,1000\n14400,scope,0,30,0,1000\n",
        )
        .unwrap();
        let html = render(dir.path()).unwrap().html;
        let table = &html[html
            .find("estimate at the peak")
            .unwrap_or_else(|| panic!("{html}"))..];
        let row = &table[table.find("<td>scope</td>").unwrap()..];
        let row = &row[..row.find("</tr>").unwrap()];
        assert!(row.contains(">820<"), "{row}");
        assert!(row.contains(">0.820<"), "{row}");
    }

    #[test]
    fn escaping_and_numbers() {
        assert_eq!(
            escape("<a href='x'>&\"</a>"),
            "&lt;a href=&#39;x&#39;&gt;&amp;&quot;&lt;/a&gt;"
        );
        assert_eq!(group_digits(1_234_567), "1,234,567");
        assert_eq!(group_digits(999), "999");
        assert_eq!(number(-1500.0), "-1,500");
        assert_eq!(number(0.12345), "0.123");
        assert_eq!(number(13.6), "13.6");
        assert_eq!(number(61242.75), "61,243");
        assert_eq!(human_duration(86_400.0), "24 h");
        assert_eq!(human_duration(60.0), "60 s");
        assert_eq!(human_duration(604_800.0), "7 d");
    }
}
