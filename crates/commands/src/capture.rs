//! `wormscope capture`: what a vantage point of the scenario captured in a
//! time window, as pcap or pcapng: a Blaster scenario's
//! ([`wormscope_observe::capture`]) or a random-scanning worm's, Code Red
//! v2, Slammer or Witty ([`wormscope_observe::population_capture`]), with the
//! same flags.

use std::path::PathBuf;
use std::time::Instant;

use wormscope_model::world::WorldError;
use wormscope_observe::capture::{CaptureOptions, VantageCaptureError};
use wormscope_scenario::{
    AnyScenario, MAX_BLASTER_ROWS, MAX_POPULATION_ROWS, PopulationScenario, SimDuration,
};
use wormscope_wire::write::OutputFormat;

use crate::{CommandError, CommandOutcome, Progress, Task, common};

/// Which vantage, window and file.
#[derive(Clone, Debug)]
pub struct CaptureRequest {
    /// A built-in name or a scenario file of either kind; `None` is
    /// `blaster`.
    pub scenario: Option<PathBuf>,
    /// Overrides the scenario's seed.
    pub seed: Option<u64>,
    /// An edge or telescope sensor of the scenario.
    pub vantage: String,
    /// The window, since the scenario's start; `to` is exclusive.
    pub from: SimDuration,
    pub to: SimDuration,
    /// The capture file.
    pub output: PathBuf,
    /// The format asked for (`--pcapng`); a file named `*.pcapng` is
    /// written as pcapng whatever this says ([`CaptureRequest::format_written`]).
    pub format: OutputFormat,
    /// Overrides the scenario's `capture.max_packets`.
    pub max_packets: Option<u64>,
    /// Overrides the scenario's `capture.background_pps`.
    pub background_pps: Option<f64>,
}

impl CaptureRequest {
    /// A run's duration that reaches the window's end: `duration`, or
    /// `--to` in whole steps of `step` if that is later. What a run shows
    /// up to a moment does not depend on when it would end, so a window
    /// past the scenario's end is the same run carried on.
    fn reaching_to(
        &self,
        duration: SimDuration,
        step: SimDuration,
        max_rows: u64,
    ) -> Result<SimDuration, CommandError> {
        let (to, step_us) = (self.to.as_micros(), step.as_micros().max(1));
        if to <= duration.as_micros() {
            return Ok(duration);
        }
        let rows = to.div_ceil(step_us);
        // The scenario's own check would blame its step, which the user
        // did not touch.
        if rows > max_rows {
            return Err(CommandError::Input(format!(
                "--to: {} is past the scenario's {duration}, so the run would carry on to it: \
                 {rows} time-series rows of {step}, more than the {max_rows} a run may have; \
                 choose an earlier window, or a scenario with a longer step",
                self.to.compound(),
            )));
        }
        Ok(SimDuration::from_micros(rows.saturating_mul(step_us)))
    }

    /// The format the file is written in: pcapng where asked for or where
    /// the file's name ends in `.pcapng`, else pcap. A name of a
    /// compressed file is refused: captures are written uncompressed.
    pub fn format_written(&self) -> Result<OutputFormat, CommandError> {
        let extension = self
            .output
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        match extension.as_deref() {
            Some("pcapng") => Ok(OutputFormat::PcapNg),
            Some(z @ ("gz" | "xz" | "zst" | "bz2")) => Err(CommandError::Input(format!(
                "{}: a .{z} name, but captures are written uncompressed (`detect` reads \
                 compressed ones): name it .pcap or .pcapng, and compress it afterwards",
                self.output.display()
            ))),
            _ => Ok(self.format),
        }
    }

    /// `opts` (the scenario's defaults) with the request's format and
    /// overrides.
    fn overriding(&self, mut opts: CaptureOptions) -> Result<CaptureOptions, CommandError> {
        opts.format = self.format_written()?;
        if let Some(n) = self.max_packets {
            opts.max_packets = n;
        }
        if let Some(r) = self.background_pps {
            opts.background_pps = r;
        }
        Ok(opts)
    }
}

/// Runs the request.
pub fn run(req: &CaptureRequest, progress: &dyn Progress) -> Result<CommandOutcome, CommandError> {
    common::check_file(&req.output)?;
    req.format_written()?;
    if let AnyScenario::Population(r) = common::any_scenario(req.scenario.as_deref())? {
        let duration = req.reaching_to(r.duration, r.step, MAX_POPULATION_ROWS)?;
        let s = common::population_with(r, req.seed, Some(duration))?;
        return population(&s, req, progress);
    }
    let s = common::blaster_scenario(req.scenario.as_deref(), req.seed, None)?;
    let s = match req.reaching_to(s.duration, s.step, MAX_BLASTER_ROWS)? {
        d if d > s.duration => {
            common::blaster_scenario(req.scenario.as_deref(), req.seed, Some(d))?
        }
        _ => s,
    };
    let opts = req.overriding(CaptureOptions::new(&s, &req.vantage, req.from, req.to))?;
    let started = Instant::now();
    let world = common::world(&s, progress)?;
    let written = {
        let bar = progress.start(Task::SimulatedSeconds(req.to.as_micros() / 1_000_000));
        wormscope_observe::capture::capture(&s, &world, &opts, &req.output, &mut |t| {
            bar.set(t / 1_000_000)
        })
    };
    let c = written.map_err(|e| match e {
        VantageCaptureError::Input(_) | VantageCaptureError::World(WorldError::TooLarge { .. }) => {
            CommandError::Input(e.to_string())
        }
        e => CommandError::Run(e.into()),
    })?;
    let text = format!(
        "{}: {} (seed {}), vantage {} ({}), {} to {}: {} frames, {} bytes\n  \
         {} probes (135/tcp SYNs) from {}; engine count for this vantage and window: {}\n  \
         {} exploits in view, {} flood packets to {}:80 from {} hosts, {} background frames\n",
        req.output.display(),
        s.name,
        s.seed,
        req.vantage,
        c.prefix,
        req.from.compound(),
        req.to.compound(),
        c.frames,
        c.bytes,
        c.probes,
        wormscope_report::counted(c.sources, "source"),
        c.engine_probes
            .map_or("not computed".to_string(), |n| n.to_string()),
        c.exploits,
        c.flood_packets,
        s.payload.target,
        c.flooding_hosts,
        c.background
    );
    Ok(CommandOutcome {
        text,
        notes: common::timing(started, None),
        files: vec![req.output.clone()],
        ..CommandOutcome::default()
    })
}

/// The capture of a random-scanning worm's vantage.
fn population(
    s: &PopulationScenario,
    req: &CaptureRequest,
    progress: &dyn Progress,
) -> Result<CommandOutcome, CommandError> {
    let opts = req.overriding(CaptureOptions::for_population(
        s,
        &req.vantage,
        req.from,
        req.to,
    ))?;
    // Refused before the run: an unknown vantage, a bad window.
    wormscope_observe::population_capture::check(s, &opts)
        .map_err(|e| CommandError::Input(e.to_string()))?;
    let started = Instant::now();
    let written = {
        let bar = progress.start(Task::SimulatedSeconds(req.to.as_micros() / 1_000_000));
        wormscope_observe::population_capture::capture(s, &opts, &req.output, &mut |t| {
            bar.set(t / 1_000_000)
        })
    };
    let c = written.map_err(|e| match e {
        VantageCaptureError::Input(_) => CommandError::Input(e.to_string()),
        e => CommandError::Run(e.into()),
    })?;
    let flood = match &s.payload {
        Some(p) => format!(
            "{} flood packets to {}:{} from {} hosts{}, ",
            c.flood_packets,
            p.target,
            p.port,
            c.flooding_hosts,
            if p.spoofed_sources {
                " (spoofed sources, as sent: [defenses.spoof_filter] is not applied to captures)"
            } else {
                ""
            }
        ),
        None => String::new(),
    };
    let text = format!(
        "{}: {} (seed {}), vantage {} ({} {}), {} to {}: {} frames, {} bytes\n  \
         {} probes ({}) from {}; engine count for this vantage and window: {}\n  \
         {} reached a live host ({} infecting), {flood}{} background frames\n",
        req.output.display(),
        s.name,
        s.seed,
        req.vantage,
        c.kind.name(),
        c.prefix,
        req.from.compound(),
        req.to.compound(),
        c.frames,
        c.bytes,
        c.probes,
        c.probe_label,
        wormscope_report::counted(c.sources, "source"),
        c.engine_probes
            .map_or("not computed".to_string(), |n| n.to_string()),
        c.live,
        c.infecting,
        c.background
    );
    Ok(CommandOutcome {
        text,
        notes: common::timing(started, None),
        files: vec![req.output.clone()],
        ..CommandOutcome::default()
    })
}
