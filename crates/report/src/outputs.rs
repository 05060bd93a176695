//! The files of an output directory, each with one name: the writers
//! (`simulate`, `compare --out`, `flaws --out`, `fit --out`) put them in an
//! [`OutputSet`], and the page's reader ([`crate::html`]) looks for the same
//! names. A file that one side knew and the other did not would be a page
//! that silently skips it.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

/// A file wormscope writes into an output directory and reads back from
/// one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum OutputFile {
    /// The series per step: one run's counts, or an ensemble's bands.
    Timeseries,
    /// The payload's SYN flood per step.
    Flood,
    /// The run or ensemble in numbers, with the scenario that made it.
    Summary,
    /// What each sensor saw per step, beside the truth.
    Sensors,
    /// The sensors' estimators and settings.
    SensorsJson,
    /// Each sensor's estimate against the truth, drawn.
    SensorsFigure,
    /// A random-scanning run's telescope counts, in `sensors.csv`'s shape.
    Telescope,
    /// Published figures held against the simulated bands.
    Validation,
    /// A random-scanning outbreak with its published figures, drawn.
    OutbreakFigure,
    /// `compare`'s variants with bands.
    Comparison,
    /// `compare`'s table, as printed.
    ComparisonTable,
    /// Each variant's infected hosts over time, as bands.
    ComparisonSeries,
    /// The flaw study's variants with bands.
    Flaws,
    /// Which defenses worked only because of a flaw.
    FlawsReliance,
    /// The flaw study's tables, as printed.
    FlawsTable,
    /// The flaw study's written finding.
    FlawsFinding,
    /// A fit: the parameters' and the truth's bands, the observations.
    Fit,
    /// A fit's accepted draws.
    FitDraws,
    /// A fit's accepted draws, as Parquet.
    FitDrawsParquet,
    /// A fit's posterior-predictive bands per step.
    FitPredictive,
    /// The observations a fit was given.
    FitObserved,
    /// A fit's written finding.
    FitFinding,
    /// A recovery study: synthetic truths fitted, and the coverage.
    FitRecovery,
}

impl OutputFile {
    /// Every output file.
    pub const ALL: [OutputFile; 23] = [
        OutputFile::Timeseries,
        OutputFile::Flood,
        OutputFile::Summary,
        OutputFile::Sensors,
        OutputFile::SensorsJson,
        OutputFile::SensorsFigure,
        OutputFile::Telescope,
        OutputFile::Validation,
        OutputFile::OutbreakFigure,
        OutputFile::Comparison,
        OutputFile::ComparisonTable,
        OutputFile::ComparisonSeries,
        OutputFile::Flaws,
        OutputFile::FlawsReliance,
        OutputFile::FlawsTable,
        OutputFile::FlawsFinding,
        OutputFile::Fit,
        OutputFile::FitDraws,
        OutputFile::FitDrawsParquet,
        OutputFile::FitPredictive,
        OutputFile::FitObserved,
        OutputFile::FitFinding,
        OutputFile::FitRecovery,
    ];

    /// Its name in the directory.
    pub const fn name(self) -> &'static str {
        match self {
            OutputFile::Timeseries => "timeseries.csv",
            OutputFile::Flood => "flood.csv",
            OutputFile::Summary => "summary.json",
            OutputFile::Sensors => "sensors.csv",
            OutputFile::SensorsJson => "sensors.json",
            OutputFile::SensorsFigure => "sensors.svg",
            OutputFile::Telescope => "telescope.csv",
            OutputFile::Validation => "validation.json",
            OutputFile::OutbreakFigure => "outbreak.svg",
            OutputFile::Comparison => "comparison.json",
            OutputFile::ComparisonTable => "comparison.txt",
            OutputFile::ComparisonSeries => "comparison-timeseries.csv",
            OutputFile::Flaws => "flaws.json",
            OutputFile::FlawsReliance => "flaws-reliance.json",
            OutputFile::FlawsTable => "flaws.txt",
            OutputFile::FlawsFinding => "flaws.md",
            OutputFile::Fit => "fit.json",
            OutputFile::FitDraws => "fit-draws.csv",
            OutputFile::FitDrawsParquet => "fit-draws.parquet",
            OutputFile::FitPredictive => "fit-predictive.csv",
            OutputFile::FitObserved => "fit-observed.csv",
            OutputFile::FitFinding => "fit.md",
            OutputFile::FitRecovery => "fit-recovery.json",
        }
    }
}

/// The page `report` draws of an output directory, in it unless told
/// otherwise.
pub const REPORT_PAGE: &str = "report.html";

impl fmt::Display for OutputFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Output files with their contents, in the order they are written.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OutputSet {
    files: Vec<(OutputFile, Vec<u8>)>,
}

impl OutputSet {
    /// An empty set.
    pub fn new() -> OutputSet {
        OutputSet::default()
    }

    /// Adds a file, replacing one of the same name.
    pub fn push(&mut self, file: OutputFile, contents: impl Into<Vec<u8>>) {
        let contents = contents.into();
        match self.files.iter_mut().find(|(f, _)| *f == file) {
            Some(slot) => slot.1 = contents,
            None => self.files.push((file, contents)),
        }
    }

    /// The contents of a file, if the set has it.
    pub fn get(&self, file: OutputFile) -> Option<&[u8]> {
        self.files
            .iter()
            .find(|(f, _)| *f == file)
            .map(|(_, c)| c.as_slice())
    }

    /// The files, in order.
    pub fn files(&self) -> impl Iterator<Item = OutputFile> + '_ {
        self.files.iter().map(|(f, _)| *f)
    }

    /// Names and contents, in order, as [`wormscope_atomic::write_dir`]
    /// takes them.
    pub fn named(&self) -> Vec<(&'static str, Vec<u8>)> {
        self.files
            .iter()
            .map(|(f, c)| (f.name(), c.clone()))
            .collect()
    }

    /// Writes the set into `dir` as one directory, atomically, and returns
    /// the paths written.
    /// Wormscope's other output files in `dir` (an earlier command's) are
    /// removed once the set is written, and so is the page `report` drew
    /// of them ([`REPORT_PAGE`]): a directory holds one set, and the page
    /// never draws an earlier run beside this one, nor describes it.
    pub fn write(&self, dir: &Path) -> io::Result<Vec<PathBuf>> {
        let mut every: Vec<&str> = OutputFile::ALL.iter().map(|f| f.name()).collect();
        every.push(REPORT_PAGE);
        let dir = wormscope_atomic::write_dir(dir, &self.named(), &every)?;
        Ok(self.files().map(|f| dir.join(f.name())).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_every_file_is_listed_once() {
        let mut names: Vec<&str> = OutputFile::ALL.iter().map(|f| f.name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), OutputFile::ALL.len());
    }

    #[test]
    fn a_set_keeps_order_and_one_file_per_name() {
        let mut set = OutputSet::new();
        set.push(OutputFile::Summary, "a");
        set.push(OutputFile::Timeseries, "b");
        set.push(OutputFile::Summary, "c");
        assert_eq!(
            set.files().collect::<Vec<_>>(),
            [OutputFile::Summary, OutputFile::Timeseries]
        );
        assert_eq!(set.get(OutputFile::Summary), Some(&b"c"[..]));
        assert_eq!(set.get(OutputFile::Flood), None);
        let dir = tempfile::tempdir().unwrap();
        let written = set.write(&dir.path().join("out")).unwrap();
        assert_eq!(
            written,
            [
                dir.path().join("out/summary.json"),
                dir.path().join("out/timeseries.csv")
            ]
        );
        assert_eq!(std::fs::read(&written[0]).unwrap(), b"c");
    }

    #[test]
    fn a_new_set_removes_the_earlier_sets_files_and_its_page() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        let mut first = OutputSet::new();
        first.push(OutputFile::Summary, "1");
        first.push(OutputFile::Flood, "1");
        first.write(&out).unwrap();
        std::fs::write(out.join(REPORT_PAGE), "the first run's page").unwrap();
        std::fs::write(out.join("notes.txt"), "the user's").unwrap();
        let mut second = OutputSet::new();
        second.push(OutputFile::Summary, "2");
        second.write(&out).unwrap();
        let mut left: Vec<String> = std::fs::read_dir(&out)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(left, ["notes.txt", "summary.json"]);
    }
}
