//! Finding a scenario from what a user typed: a file or a built-in name.
//!
//! Every place that takes a scenario argument ("NAME or FILE": the CLI's
//! `--scenario`, a sweep's `base`) resolves it here, with one rule: a file
//! that exists at the path wins; otherwise the argument is a built-in name;
//! otherwise it is an error that says which built-in the user probably
//! meant. A scenario file's own `base` field names built-ins only; a
//! misspelt one gets the same suggestion ([`suggestion`]).
//!
//! It may not touch anything but the file it is asked to read.

use std::path::{Path, PathBuf};

use crate::{AnyScenario, BUILTIN, POPULATION_BUILTIN, ScenarioError};

/// Where a scenario argument leads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ScenarioSource {
    /// A file that exists.
    File(PathBuf),
    /// A built-in scenario of either kind, by its name.
    Builtin(&'static str),
}

impl ScenarioSource {
    /// Resolves `arg` as a path relative to `dir` (`""` for the current
    /// directory) or a built-in name: an existing file first, then a
    /// built-in, else an error naming `arg` with the nearest built-in
    /// names. A directory is never a scenario: `simulate --out slammer`
    /// makes one, and `--scenario slammer` still means the built-in.
    pub fn find(arg: &str, dir: &Path) -> Result<ScenarioSource, ScenarioError> {
        let path = dir.join(arg);
        if path.exists() && !path.is_dir() {
            return Ok(ScenarioSource::File(path));
        }
        if let Some((name, _, _)) = all_builtins().find(|(n, _, _)| *n == arg) {
            return Ok(ScenarioSource::Builtin(name));
        }
        if path.is_dir() {
            return Err(ScenarioError {
                file: path.display().to_string(),
                line: None,
                field: None,
                message: "is a directory, not a scenario file".to_string(),
            });
        }
        let hint = match suggestion(arg) {
            Some(near) => format!("; did you mean `{near}`?"),
            None => String::new(),
        };
        // A path is plainly a file the user meant; a bare word may have
        // been a built-in's name.
        let looks_like_a_path = arg.contains('/') || arg.ends_with(".toml");
        let message = if looks_like_a_path {
            format!("cannot read the file: no such file{hint}")
        } else {
            format!(
                "no such file, and no built-in scenario of that name{hint} (built-ins: {})",
                builtin_names().join(", ")
            )
        };
        Err(ScenarioError {
            file: path.display().to_string(),
            line: None,
            field: None,
            message,
        })
    }

    /// The scenario's text and its origin, as errors name it (the file's
    /// path, or `<built-in NAME>`).
    pub fn text(&self) -> Result<(String, String), ScenarioError> {
        match self {
            ScenarioSource::File(p) => Ok((crate::read(p)?, p.display().to_string())),
            ScenarioSource::Builtin(name) => Ok((
                crate::builtin_text(name)
                    .expect("found among the built-ins")
                    .to_string(),
                format!("<built-in {name}>"),
            )),
        }
    }

    /// An error about `field` (a path such as
    /// `defenses.border_filter.blocks_in`) of this scenario, found after
    /// loading it: named with its line where this text sets the field
    /// (none where it comes from the base).
    pub fn error_at(&self, field: &str, message: String) -> ScenarioError {
        let (line, file) = match self.text() {
            Ok((text, origin)) => (crate::locate::line_of_path(&text, field), origin),
            Err(e) => (None, e.file),
        };
        ScenarioError {
            file,
            line,
            field: Some(field.to_string()),
            message,
        }
    }

    /// The scenario, parsed and checked.
    pub fn load(&self) -> Result<AnyScenario, ScenarioError> {
        let (text, origin) = self.text()?;
        match self {
            ScenarioSource::File(_) => crate::parse_any(&text, &origin),
            ScenarioSource::Builtin(name) => Ok(match crate::builtin(name) {
                Some(s) => AnyScenario::Blaster(s),
                None => AnyScenario::Population(
                    crate::builtin_population(name).expect("found among the built-ins"),
                ),
            }),
        }
    }
}

/// Reads a scenario given as "NAME or FILE" (see [`ScenarioSource::find`]),
/// relative to the current directory.
pub fn load_named(arg: &Path) -> Result<AnyScenario, ScenarioError> {
    ScenarioSource::find(&arg.to_string_lossy(), Path::new(""))?.load()
}

/// The names of every built-in scenario, Blaster's first.
pub fn builtin_names() -> Vec<&'static str> {
    all_builtins().map(|(n, _, _)| *n).collect()
}

fn all_builtins() -> impl Iterator<Item = &'static (&'static str, &'static str, &'static str)> {
    BUILTIN.iter().chain(POPULATION_BUILTIN)
}

/// The built-in name nearest to `typed`, if one is near enough to be a
/// slip of the keyboard: at most a third of its letters apart (transposed
/// letters count once), or `typed` without a file extension or directory.
pub fn suggestion(typed: &str) -> Option<&'static str> {
    let stem = Path::new(typed)
        .file_stem()
        .map(|s| s.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    closest(&stem, all_builtins().map(|(n, _, _)| *n))
}

/// Of `names`, the one `typed` most likely meant: the nearest by edit
/// distance, if within a third of its length (ties: the first).
pub fn closest<'a>(typed: &str, names: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    names
        .into_iter()
        .map(|n| (strsim::osa_distance(typed, n), n))
        .filter(|(d, n)| *d * 3 <= n.len().max(3))
        .min_by_key(|(d, _)| *d)
        .map(|(_, n)| n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_misspelt_builtin_gets_the_name_it_meant() {
        assert_eq!(suggestion("blaster-smaple"), Some("blaster-sample"));
        assert_eq!(suggestion("Blaster"), Some("blaster"));
        assert_eq!(suggestion("slamer"), Some("slammer"));
        assert_eq!(suggestion("scenarios/codered2.toml"), Some("codered2"));
        assert_eq!(suggestion("my-own-outbreak.toml"), None);
        let e = ScenarioSource::find("blaster-smaple", Path::new("")).unwrap_err();
        assert_eq!(e.file, "blaster-smaple");
        assert!(
            e.message.contains("did you mean `blaster-sample`?"),
            "{}",
            e.message
        );
        assert!(e.message.contains("slammer"), "lists the built-ins");
    }

    #[test]
    fn a_file_wins_over_a_builtin_of_the_same_name_and_paths_are_relative_to_dir() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(
            ScenarioSource::find("blaster", dir.path()).unwrap(),
            ScenarioSource::Builtin("blaster")
        );
        std::fs::write(dir.path().join("blaster"), "seed = 7\n").unwrap();
        let found = ScenarioSource::find("blaster", dir.path()).unwrap();
        assert_eq!(found, ScenarioSource::File(dir.path().join("blaster")));
        match found.load().unwrap() {
            AnyScenario::Blaster(s) => assert_eq!(s.seed, 7),
            AnyScenario::Population(_) => panic!("a Blaster file"),
        }
        // A directory of that name (an output directory) is not a file.
        std::fs::create_dir(dir.path().join("slammer")).unwrap();
        std::fs::create_dir(dir.path().join("outputs")).unwrap();
        let e = ScenarioSource::find("outputs", dir.path()).unwrap_err();
        assert!(e.message.contains("is a directory"), "{e:?}");
        match ScenarioSource::find("slammer", dir.path())
            .unwrap()
            .load()
            .unwrap()
        {
            AnyScenario::Population(s) => assert_eq!(s.name, "slammer"),
            AnyScenario::Blaster(_) => panic!("slammer scans at random"),
        }
    }
}
