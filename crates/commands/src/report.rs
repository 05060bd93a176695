//! `wormscope report`: one self-contained HTML page from an output
//! directory.

use std::fmt::Write as _;
use std::path::PathBuf;

use crate::{CommandError, CommandOutcome, common};

/// Which directory, to which page.
#[derive(Clone, Debug, Default)]
pub struct ReportRequest {
    /// The output directory of `simulate`, `compare --out`, `flaws --out`
    /// or `fit --out`.
    pub dir: PathBuf,
    /// The page; `None` is `DIR/report.html`.
    pub output: Option<PathBuf>,
}

/// Runs the request.
pub fn run(req: &ReportRequest) -> Result<CommandOutcome, CommandError> {
    let path = req
        .output
        .clone()
        .unwrap_or_else(|| req.dir.join(wormscope_report::REPORT_PAGE));
    common::check_file(&path)?;
    let report = wormscope_report::render_report(&req.dir)
        .map_err(|e| CommandError::Input(e.to_string()))?;
    common::write_output(&path, report.html.as_bytes())?;
    let mut text = format!(
        "wrote {} ({} KiB) from {}\n",
        path.display(),
        report.html.len().div_ceil(1024),
        report.source
    );
    if !report.rendered.is_empty() {
        let _ = writeln!(text, "  rendered: {}", report.rendered.join(", "));
    }
    if !report.skipped.is_empty() {
        let _ = writeln!(text, "  absent, skipped: {}", report.skipped.join(", "));
    }
    Ok(CommandOutcome {
        text,
        files: vec![path],
        ..CommandOutcome::default()
    })
}
