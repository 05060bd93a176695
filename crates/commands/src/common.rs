//! What several commands share: finding and overriding scenarios,
//! generating the world, checking and writing outputs, keeping a study's
//! runs, timing.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

use wormscope_model::World;
use wormscope_report::OutputSet;
use wormscope_report::run_store::{DirRunStore, RUN_STORE_DIR};
use wormscope_scenario::{AnyScenario, BlasterScenario, PopulationScenario, SimDuration};
use wormscope_study::{NoStore, RunStore};

use crate::{CommandError, Progress, Task};

/// A scenario of either kind given as "NAME or FILE", or the default
/// (`blaster`).
pub(crate) fn any_scenario(name_or_file: Option<&Path>) -> Result<AnyScenario, CommandError> {
    Ok(match name_or_file {
        Some(p) => wormscope_scenario::load_named(p)?,
        None => AnyScenario::Blaster(wormscope_scenario::default_scenario()),
    })
}

/// A Blaster scenario given as "NAME or FILE" (default `blaster`), with
/// the command line's seed and duration applied and checked again: an
/// override out of bounds is blamed on its flag.
pub(crate) fn blaster_scenario(
    name_or_file: Option<&Path>,
    seed: Option<u64>,
    duration: Option<SimDuration>,
) -> Result<BlasterScenario, CommandError> {
    match any_scenario(name_or_file)? {
        AnyScenario::Blaster(s) => blaster_with(s, seed, duration),
        AnyScenario::Population(r) => Err(CommandError::Input(format!(
            "{}: `{}` is a random-scanning scenario; this command runs Blaster \
             scenarios (random-scanning ones run with `simulate` and `validate`)",
            name_or_file.map_or("<default>".into(), |p| p.display().to_string()),
            r.name
        ))),
    }
}

/// A scenario of either kind given as "NAME or FILE" (default `blaster`),
/// with the command line's seed and duration applied and checked again.
pub(crate) fn any_scenario_with(
    name_or_file: Option<&Path>,
    seed: Option<u64>,
    duration: Option<SimDuration>,
) -> Result<AnyScenario, CommandError> {
    Ok(match any_scenario(name_or_file)? {
        AnyScenario::Blaster(s) => AnyScenario::Blaster(blaster_with(s, seed, duration)?),
        AnyScenario::Population(r) => AnyScenario::Population(population_with(r, seed, duration)?),
    })
}

/// A Blaster scenario with the command line's seed and duration applied
/// and checked again.
fn blaster_with(
    mut s: BlasterScenario,
    seed: Option<u64>,
    duration: Option<SimDuration>,
) -> Result<BlasterScenario, CommandError> {
    if let Some(seed) = seed {
        s.seed = checked_seed(seed)?;
    }
    if let Some(d) = duration {
        s.duration = d;
    }
    wormscope_scenario::check(&s)
        .map_err(|(field, msg)| CommandError::Input(format!("{}: {msg}", flag_of(&field))))?;
    Ok(s)
}

/// A random-scanning scenario with the command line's seed and duration
/// applied and checked again.
pub(crate) fn population_with(
    mut s: PopulationScenario,
    seed: Option<u64>,
    duration: Option<SimDuration>,
) -> Result<PopulationScenario, CommandError> {
    if let Some(seed) = seed {
        s.seed = checked_seed(seed)?;
    }
    if let Some(d) = duration {
        // Figures measured past the new end read n/a; those of the whole
        // outbreak cannot be measured on a run cut short of it.
        if d < s.duration {
            s.validation.retain(|f| !f.measure.needs_whole_run());
        }
        s.duration = d;
    }
    wormscope_scenario::check_population(&s).map_err(|(field, msg)| {
        let field = if field == "step" { "duration" } else { &field };
        CommandError::Input(format!("{}: {msg}", flag_of(field)))
    })?;
    Ok(s)
}

/// A seed from the command line, refused where no scenario file could
/// hold it: every output records its scenario as a file to run again, and
/// TOML's integers are signed 64-bit.
pub(crate) fn checked_seed(seed: u64) -> Result<u64, CommandError> {
    if i64::try_from(seed).is_err() {
        return Err(CommandError::Input(format!(
            "--seed: {seed} is larger than {}, the largest seed a scenario file can hold",
            i64::MAX
        )));
    }
    Ok(seed)
}

/// The flag that sets a scenario field, where there is one.
fn flag_of(field: &str) -> &str {
    match field {
        "duration" => "--duration",
        "seed" => "--seed",
        other => other,
    }
}

/// The scenario's world, behind a progress step. A world larger than the
/// engine takes is the scenario's fault.
pub(crate) fn world(s: &BlasterScenario, progress: &dyn Progress) -> Result<World, CommandError> {
    let world = {
        let _step = progress.start(Task::Step("generating the world"));
        wormscope_model::generate::generate(s).map_err(|e| match e {
            wormscope_model::world::WorldError::TooLarge { .. } => {
                CommandError::Input(e.to_string())
            }
            e => CommandError::Run(anyhow::anyhow!("generating the world: {e}")),
        })?
    };
    progress.note(&fewer_than_asked(s, &world));
    Ok(world)
}

/// Notes, one a line, where the world holds fewer patient zeros or hit
/// list entries than the scenario asks for: a small world would otherwise
/// read as a worm that did not take off.
fn fewer_than_asked(s: &BlasterScenario, world: &World) -> String {
    use wormscope_model::generate::{hit_list, patient_zeros};
    let mut notes = String::new();
    let asked = s.worm.initial_infected;
    let zeros = patient_zeros(world, s.seed, asked);
    if (zeros.len() as u64) < u64::from(asked) {
        let _ = writeln!(
            notes,
            "note: worm.initial_infected asks for {asked} hosts; the world has {} infectable hosts with a public address, and all of them are the initial hosts (under [world.churn], those switched off at the start carry the worm from when they come online)",
            zeros.len()
        );
    }
    if let Some(list) = &s.worm.hit_list {
        let named = hit_list(world, s.seed, list.hosts, &zeros).len() as u64;
        // The list is of hosts whose exploit port answers from outside;
        // the initial hosts need only a public address, and may sit behind
        // a border filter.
        let why = "answer 135/tcp from outside (NAT, a border filter or a host's own firewall keeps the others out)";
        if named == 0 {
            let _ = writeln!(
                notes,
                "note: worm.hit_list asks for {} hosts, but no vulnerable host besides the initial ones would {why}: the list is empty",
                list.hosts
            );
        } else if named < list.hosts {
            let _ = writeln!(
                notes,
                "note: worm.hit_list asks for {} hosts; only {named} vulnerable hosts besides the initial ones {why}, and the list names them",
                list.hosts
            );
        }
    }
    notes
}

/// Refuses, before any work, a directory of outputs that cannot be
/// written (a file in its place or in its parents'). Missing parents are
/// fine: the writer creates them.
pub(crate) fn check_dir(dir: &Path) -> Result<(), CommandError> {
    wormscope_atomic::check_dir_target(dir).map_err(|e| CommandError::Input(e.to_string()))
}

/// Refuses, before any work, an output file that cannot be written.
pub(crate) fn check_file(path: &Path) -> Result<(), CommandError> {
    wormscope_atomic::check_file_target(path).map_err(|e| CommandError::Input(e.to_string()))
}

/// Writes a set of output files into `dir` as one directory (atomically)
/// and returns their paths.
/// A path that cannot take a file (a directory in its place, no right to
/// write) is bad input; anything else (a full disk) a failure.
pub(crate) fn write_outputs(dir: &Path, files: &OutputSet) -> Result<Vec<PathBuf>, CommandError> {
    files.write(dir).map_err(|e| {
        let text = format!("writing {}: {e}", dir.display());
        match e.kind() {
            std::io::ErrorKind::IsADirectory
            | std::io::ErrorKind::NotADirectory
            | std::io::ErrorKind::PermissionDenied
            | std::io::ErrorKind::ReadOnlyFilesystem => CommandError::Input(text),
            _ => CommandError::Run(anyhow::anyhow!(text)),
        }
    })
}

/// Writes one file atomically.
pub(crate) fn write_output(path: &Path, bytes: &[u8]) -> Result<(), CommandError> {
    wormscope_atomic::write_file(path, bytes)
        .map_err(|e| CommandError::Run(anyhow::anyhow!("writing {}: {e}", path.display())))
}

/// Text for the notes: how long the command took, and the events it ran
/// when it counts them.
pub(crate) fn timing(started: Instant, events: Option<u64>) -> String {
    let secs = started.elapsed().as_secs_f64();
    match events {
        Some(n) => format!("done in {secs:.1}s ({n} events)\n"),
        None => format!("done in {secs:.1}s\n"),
    }
}

/// Where a study keeps its finished runs: in its output directory, if it
/// has one (a study run again with the same arguments resumes), else
/// nowhere. A store that cannot be opened is a note, not a failure.
pub(crate) struct StudyStore {
    dir: Option<(PathBuf, DirRunStore)>,
    pub(crate) notes: String,
}

impl StudyStore {
    pub(crate) fn open(out: Option<&Path>) -> StudyStore {
        let mut notes = String::new();
        let dir = out.and_then(|out| match DirRunStore::open(out) {
            Ok(store) => Some((out.to_path_buf(), store)),
            Err(e) => {
                let _ = writeln!(notes, "note: runs will not be kept for resuming ({e})");
                None
            }
        });
        StudyStore { dir, notes }
    }

    pub(crate) fn store(&self) -> &dyn RunStore {
        match &self.dir {
            Some((_, s)) => s,
            None => &NoStore,
        }
    }

    /// The same store, for a fit's simulations.
    pub(crate) fn simulations(&self) -> &dyn wormscope_fit::SimulationStore {
        match &self.dir {
            Some((_, s)) => s,
            None => &wormscope_fit::NoSimulationStore,
        }
    }

    /// The notes of a finished command: [`StudyStore::into_notes`], then
    /// how long it took.
    pub(crate) fn into_notes_timed(self, started: Instant) -> String {
        let mut notes = self.into_notes();
        notes.push_str(&timing(started, None));
        notes
    }

    /// The notes, with how many runs were found kept rather than run.
    pub(crate) fn into_notes(self) -> String {
        let mut notes = self.notes;
        if let Some((out, store)) = &self.dir
            && store.found() > 0
        {
            let _ = writeln!(
                notes,
                "resumed: {} runs were kept in {}",
                store.found(),
                out.join(RUN_STORE_DIR).display()
            );
        }
        notes
    }
}

/// Notes on the sections switched on in `s` that start at or after its
/// run's end (`Defended::after_the_end`), for [`crate::Progress::note`]
/// before the runs: a run cut short, or a mistyped date, would otherwise
/// read as a defense that did nothing.
pub(crate) fn after_the_end<S: wormscope_scenario::variant::Defended>(s: &S) -> String {
    let (_, duration) = s.span();
    s.after_the_end()
        .iter()
        .map(|late| {
            format!(
                "note: {late} is at or after the end ({} after the start): it changes nothing in a run this long\n",
                duration.compound()
            )
        })
        .collect()
}
