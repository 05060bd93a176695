//! # wormscope-commands: every subcommand as a library call
//!
//! One module per subcommand of `wormscope`. Each takes a typed request
//! (plain data, already parsed: paths, names, durations) and a [`Progress`]
//! to report long work to, and returns an [`CommandOutcome`] (the files written,
//! the text to show, a [`CommandVerdict`]) or a [`CommandError`] that says whose
//! fault the failure was: bad input, or a failure while running.
//!
//! A program that wants what `wormscope compare` does calls
//! [`compare::run`] with a [`CompareRequest`] instead of spawning the
//! binary; the tests of the commands do the same:
//!
//! ```no_run
//! use wormscope_commands::compare::{self, StudyRequest};
//! use wormscope_commands::{CompareRequest, Silent};
//!
//! let outcome = compare::run(
//!     &CompareRequest {
//!         study: StudyRequest {
//!             scenario: Some("blaster-sample".into()),
//!             runs: 4,
//!             ..Default::default()
//!         },
//!         defenses: vec!["isp-filter@6h".into()],
//!         ..Default::default()
//!     },
//!     &Silent, // or a `Progress` of your own
//! )?;
//! print!("{}", outcome.text);
//! # Ok::<(), wormscope_commands::CommandError>(())
//! ```
//!
//! **What this crate may not touch.** It never prints, reads a terminal,
//! parses command lines or exits: the `wormscope` binary parses arguments
//! into a [`Request`], draws the progress, prints the [`CommandOutcome`] and maps
//! it to an exit code. No crate below it decides an exit code either: they
//! say what went wrong, and this crate classifies it. Every file goes
//! through `wormscope-atomic`, and every output path is checked before any
//! work starts (a path that cannot be written is bad input).

pub mod bench;
pub mod capture;
pub mod compare;
pub mod detect;
pub mod fit;
pub mod flaws;
pub mod ioc;
pub mod report;
pub mod rules;
pub mod scenario;
pub mod simulate;
pub mod sweep;
pub mod validate;

mod common;

use std::fmt;
use std::path::PathBuf;

pub use bench::BenchRequest;
pub use capture::CaptureRequest;
pub use compare::CompareRequest;
pub use detect::DetectRequest;
pub use fit::FitRequest;
pub use flaws::FlawsRequest;
pub use ioc::IocRequest;
pub use report::ReportRequest;
pub use rules::RulesRequest;
pub use scenario::ScenarioRequest;
pub use simulate::SimulateRequest;
pub use sweep::SweepRequest;
pub use validate::ValidateRequest;

/// A subcommand with its request.
#[derive(Clone, Debug)]
pub enum Request {
    Simulate(SimulateRequest),
    Compare(CompareRequest),
    Flaws(FlawsRequest),
    Scenario(ScenarioRequest),
    Rules(RulesRequest),
    Ioc(IocRequest),
    /// Boxed: the detection parameters make it much the largest request.
    Detect(Box<DetectRequest>),
    Capture(CaptureRequest),
    Report(ReportRequest),
    Sweep(SweepRequest),
    Validate(ValidateRequest),
    Fit(FitRequest),
    Bench(BenchRequest),
}

/// Runs a request.
pub fn execute(request: &Request, progress: &dyn Progress) -> Result<CommandOutcome, CommandError> {
    match request {
        Request::Simulate(r) => simulate::run(r, progress),
        Request::Compare(r) => compare::run(r, progress),
        Request::Flaws(r) => flaws::run(r, progress),
        Request::Scenario(r) => scenario::run(r),
        Request::Rules(r) => rules::run(r),
        Request::Ioc(r) => ioc::run(r),
        Request::Detect(r) => detect::run(r),
        Request::Capture(r) => capture::run(r, progress),
        Request::Report(r) => report::run(r),
        Request::Sweep(r) => sweep::run(r, progress),
        Request::Validate(r) => validate::run(r, progress),
        Request::Fit(r) => fit::run(r, progress),
        Request::Bench(r) => bench::run(r, progress),
    }
}

/// What a command did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CommandOutcome {
    /// The command's answer, for standard output (a table, a summary, a
    /// document).
    pub text: String,
    /// Remarks beside the answer, for standard error: how long it took,
    /// runs resumed, what could not be kept. Never needed to read the
    /// answer.
    pub notes: String,
    /// The files written, in the order written.
    pub files: Vec<PathBuf>,
    /// Whether what the command checked or read held up.
    pub verdict: CommandVerdict,
}

impl CommandOutcome {
    /// An outcome that is only text.
    pub fn text(text: String) -> CommandOutcome {
        CommandOutcome {
            text,
            ..CommandOutcome::default()
        }
    }
}

/// The command's judgement, for commands that judge something (`validate`
/// holds figures, `detect` reads captures, `bench` compares the engine with
/// its reference). Its answer and files are complete either way.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum CommandVerdict {
    /// Done, and nothing failed.
    #[default]
    Done,
    /// Done, but what was checked failed: why, in one line.
    Failed(String),
}

/// Why a command stopped without an outcome.
#[derive(Debug)]
pub enum CommandError {
    /// The user's input is at fault (a flag, a scenario file, a capture,
    /// an output path): nothing was written.
    Input(String),
    /// Something failed while running (a file system error, an internal
    /// disagreement).
    Run(anyhow::Error),
}

impl fmt::Display for CommandError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CommandError::Input(m) => f.write_str(m),
            CommandError::Run(e) => write!(f, "{e:#}"),
        }
    }
}

impl std::error::Error for CommandError {}

impl From<wormscope_scenario::ScenarioError> for CommandError {
    fn from(e: wormscope_scenario::ScenarioError) -> Self {
        CommandError::Input(e.to_string())
    }
}

impl From<wormscope_sweep::SweepError> for CommandError {
    fn from(e: wormscope_sweep::SweepError) -> Self {
        match e {
            wormscope_sweep::SweepError::Input(m) => CommandError::Input(m),
            wormscope_sweep::SweepError::Run(m) => CommandError::Run(anyhow::anyhow!(m)),
        }
    }
}

/// Where a command reports long work. The binary draws bars; a library
/// user may ignore it ([`Silent`]).
pub trait Progress: Sync {
    /// A task begins; it ends when the returned tracker is dropped.
    fn start(&self, task: Task<'_>) -> Box<dyn Tracker>;
    /// A remark to see before the work ends, because it may make the work
    /// pointless (a defense that starts after the run): the binary prints
    /// it at once. Whole lines, each ending in a newline.
    fn note(&self, text: &str);
}

/// A piece of long work.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Task<'a> {
    /// A step of unknown length, described.
    Step(&'a str),
    /// Simulated time, in seconds: the tracker's position is the simulated
    /// second reached.
    SimulatedSeconds(u64),
    /// Runs (of an ensemble, a study, a sweep's shard), labelled: the
    /// position is the runs finished.
    Runs { total: u64, label: &'a str },
}

/// Follows one [`Task`].
pub trait Tracker: Send + Sync {
    /// Sets the position.
    fn set(&self, position: u64);
    /// Advances the position by `n`.
    fn advance(&self, n: u64);
}

/// Progress that goes nowhere.
#[derive(Clone, Copy, Debug, Default)]
pub struct Silent;

impl Progress for Silent {
    fn start(&self, _task: Task<'_>) -> Box<dyn Tracker> {
        Box::new(Silent)
    }
    fn note(&self, _text: &str) {}
}

impl Tracker for Silent {
    fn set(&self, _position: u64) {}
    fn advance(&self, _n: u64) {}
}
