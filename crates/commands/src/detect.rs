//! `wormscope detect`: worm-infected hosts in captures, with evidence.

use std::fmt::Write as _;
use std::path::PathBuf;

use wormscope_detect::{DetectConfig, DetectError, Options};

use crate::{CommandError, CommandOutcome, CommandVerdict, common};

/// Which captures, and where the alerts and the host table go.
#[derive(Clone, Debug, Default)]
pub struct DetectRequest {
    /// Capture files (pcap or pcapng), read in order as one stream; `-`
    /// is standard input.
    pub captures: Vec<PathBuf>,
    /// Suricata EVE JSON lines.
    pub eve: Option<PathBuf>,
    /// The per-host verdict table (CSV).
    pub hosts: Option<PathBuf>,
    /// Detection parameters.
    pub config: DetectConfig,
}

/// Runs the request. A capture damaged partway is not an error: the
/// answer covers the frames before the damage, the outputs are written
/// from them, and the verdict says where it broke. A capture that cannot
/// be read at all, or an output that cannot be written, is bad input.
pub fn run(req: &DetectRequest) -> Result<CommandOutcome, CommandError> {
    for path in req.eve.iter().chain(&req.hosts) {
        common::check_file(path)?;
    }
    let options = Options {
        eve: req.eve.clone(),
        hosts: req.hosts.clone(),
        config: req.config.clone(),
    };
    let files: Vec<PathBuf> = req.eve.iter().chain(&req.hosts).cloned().collect();
    match wormscope_detect::run(&req.captures, &options) {
        Ok(report) => Ok(CommandOutcome {
            text: report.summary(),
            files,
            ..CommandOutcome::default()
        }),
        Err(e @ DetectError::Damaged { .. }) => {
            let mut text = e.report().map(|r| r.summary()).unwrap_or_default();
            let _ = writeln!(text, "verdicts above are up to the damaged point");
            Ok(CommandOutcome {
                text,
                files,
                verdict: CommandVerdict::Failed(e.to_string()),
                ..CommandOutcome::default()
            })
        }
        Err(e @ (DetectError::Unreadable { .. } | DetectError::Output { .. })) => {
            Err(CommandError::Input(e.to_string()))
        }
    }
}
