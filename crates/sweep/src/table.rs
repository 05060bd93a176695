//! The results table of a sweep: one row per (variant, seed, time step),
//! with the variant's grid values as text columns, every series of the
//! worm's `timeseries.csv` (Blaster's, or a random-scanning worm's:
//! [`SeriesKind`]) and the payload's flood arriving at its target
//! ([`FLOOD_COLUMN`]); and its Parquet form. Tables written before the
//! flood column are still read.
//!
//! Parquet files are written with snappy compression, one row group per
//! million rows and fixed metadata (the `created_by` of the parquet crate,
//! wormscope's own keys; no time, no host, no random id), so the same
//! table gives the same bytes.

use std::path::Path;
use std::sync::Arc;

use arrow_array::{
    Array, ArrayRef, Float64Array, RecordBatch, StringArray, UInt32Array, UInt64Array,
};
use arrow_schema::{DataType, Field, Schema};
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::basic::Compression;
use parquet::file::metadata::KeyValue;
use parquet::file::properties::WriterProperties;
use wormscope_engine::population::{PopulationRow, PopulationRun};
use wormscope_engine::{BlasterRow, BlasterRun};

use crate::SweepError;

/// Columns as Parquet bytes, written the way every wormscope Parquet file
/// is (module docs): snappy, a row group per million rows, `metadata` as
/// key-value metadata, nothing that changes between runs.
pub fn parquet_bytes(
    schema: Arc<Schema>,
    columns: Vec<ArrayRef>,
    metadata: &[(String, String)],
) -> Result<Vec<u8>, String> {
    let batch = RecordBatch::try_new(schema.clone(), columns)
        .map_err(|e| format!("building the table: {e}"))?;
    let props = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_max_row_group_row_count(Some(1 << 20))
        .set_key_value_metadata(Some(
            metadata
                .iter()
                .map(|(k, v)| KeyValue::new(k.clone(), v.clone()))
                .collect(),
        ))
        .build();
    let mut bytes = Vec::new();
    let fail = |e: parquet::errors::ParquetError| format!("writing Parquet: {e}");
    let mut w = ArrowWriter::try_new(&mut bytes, schema, Some(props)).map_err(fail)?;
    w.write(&batch).map_err(fail)?;
    w.close().map_err(fail)?;
    Ok(bytes)
}

/// Whose series a table holds: the columns of that worm's
/// `timeseries.csv` after its time column.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SeriesKind {
    /// Blaster's ([`BlasterRow::SERIES`]).
    #[default]
    Blaster,
    /// A random-scanning worm's: Code Red, Slammer, Witty
    /// ([`PopulationRow::COLUMNS`] after `time_us`).
    Population,
}

impl SeriesKind {
    /// Both kinds, in the order a file's columns are tried against them.
    pub const ALL: [SeriesKind; 2] = [SeriesKind::Blaster, SeriesKind::Population];

    /// The series columns, in file order.
    pub fn names(self) -> &'static [&'static str] {
        match self {
            SeriesKind::Blaster => &BlasterRow::SERIES,
            SeriesKind::Population => &PopulationRow::COLUMNS[1..],
        }
    }
}

/// The last column of a sweep table: the payload's flood packets that
/// reached their target during the step, whole packets (Blaster's SYNs
/// after any source-address filter, rounded; a random-scanning worm's
/// flood until its target moves), 0 for a worm without a flood.
pub const FLOOD_COLUMN: &str = "flood_arriving";

/// Columns of a sweep table, in the order of the Parquet file: `variant`,
/// `seed`, one text column per grid field (named by its path), `time_s`,
/// then the series of its [`SeriesKind`] and, but in a table written
/// before it, [`FLOOD_COLUMN`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SweepTable {
    pub kind: SeriesKind,
    /// Whether the table has [`FLOOD_COLUMN`] (every table made now does).
    pub flood: bool,
    pub param_names: Vec<String>,
    pub variant: Vec<u32>,
    pub seed: Vec<u64>,
    /// One column per grid field.
    pub params: Vec<Vec<String>>,
    pub time_s: Vec<f64>,
    /// One column per name of [`SweepTable::series_names`].
    pub series: Vec<Vec<u64>>,
}

impl SweepTable {
    /// An empty table of `kind`, with the flood column.
    pub fn new(kind: SeriesKind, param_names: Vec<String>) -> SweepTable {
        SweepTable::with_columns(kind, true, param_names)
    }

    fn with_columns(kind: SeriesKind, flood: bool, param_names: Vec<String>) -> SweepTable {
        let mut t = SweepTable {
            kind,
            flood,
            params: vec![Vec::new(); param_names.len()],
            param_names,
            ..SweepTable::default()
        };
        t.series = vec![Vec::new(); t.series_names().len()];
        t
    }

    /// The series columns, in file order: the kind's, then the flood's.
    pub fn series_names(&self) -> Vec<&'static str> {
        let mut names = self.kind.names().to_vec();
        if self.flood {
            names.push(FLOOD_COLUMN);
        }
        names
    }

    /// The flood column, if the table has it.
    pub fn flood_series(&self) -> Option<&[u64]> {
        self.flood
            .then(|| self.series[self.series.len() - 1].as_slice())
    }

    pub fn len(&self) -> usize {
        self.variant.len()
    }

    pub fn is_empty(&self) -> bool {
        self.variant.is_empty()
    }

    /// Appends one Blaster run's rows (a table of [`SeriesKind::Blaster`]).
    pub fn push_run(&mut self, variant: u32, seed: u64, labels: &[&str], result: &BlasterRun) {
        assert_eq!(self.kind, SeriesKind::Blaster, "a Blaster run's rows");
        for (i, row) in result.rows.iter().enumerate() {
            // The step's end, as in timeseries.csv.
            let end_us = (i as u64 + 1) * result.step;
            let mut values = row.series().to_vec();
            values.push(row.flood_arriving_packets());
            self.push_row(variant, seed, labels, end_us, &values);
        }
    }

    /// Appends one random-scanning run's rows (a table of
    /// [`SeriesKind::Population`]).
    pub fn push_population_run(
        &mut self,
        variant: u32,
        seed: u64,
        labels: &[&str],
        result: &PopulationRun,
    ) {
        assert_eq!(self.kind, SeriesKind::Population, "a random scan's rows");
        for row in &result.rows {
            let mut values = row.values().to_vec();
            values.push(row.flood_packets);
            self.push_row(variant, seed, labels, row.time_us, &values);
        }
    }

    fn push_row(&mut self, variant: u32, seed: u64, labels: &[&str], end_us: u64, series: &[u64]) {
        self.variant.push(variant);
        self.seed.push(seed);
        for (col, label) in self.params.iter_mut().zip(labels) {
            col.push((*label).to_string());
        }
        self.time_s.push(end_us as f64 / 1e6);
        for (col, &v) in self.series.iter_mut().zip(series) {
            col.push(v);
        }
    }

    /// Appends every row of `other` (same columns).
    pub fn append(&mut self, other: SweepTable) {
        self.variant.extend(other.variant);
        self.seed.extend(other.seed);
        for (a, b) in self.params.iter_mut().zip(other.params) {
            a.extend(b);
        }
        self.time_s.extend(other.time_s);
        for (a, b) in self.series.iter_mut().zip(other.series) {
            a.extend(b);
        }
    }

    /// The rows sorted by (variant, seed, time_s), stably.
    pub fn sorted(&self) -> SweepTable {
        let mut order: Vec<usize> = (0..self.len()).collect();
        order.sort_by(|&a, &b| {
            (self.variant[a], self.seed[a])
                .cmp(&(self.variant[b], self.seed[b]))
                .then(self.time_s[a].total_cmp(&self.time_s[b]))
        });
        let pick_u64 = |c: &Vec<u64>| order.iter().map(|&i| c[i]).collect();
        SweepTable {
            kind: self.kind,
            flood: self.flood,
            param_names: self.param_names.clone(),
            variant: order.iter().map(|&i| self.variant[i]).collect(),
            seed: pick_u64(&self.seed),
            params: self
                .params
                .iter()
                .map(|c| order.iter().map(|&i| c[i].clone()).collect())
                .collect(),
            time_s: order.iter().map(|&i| self.time_s[i]).collect(),
            series: self.series.iter().map(pick_u64).collect(),
        }
    }

    fn schema(&self) -> Schema {
        let mut fields = vec![
            Field::new("variant", DataType::UInt32, false),
            Field::new("seed", DataType::UInt64, false),
        ];
        for p in &self.param_names {
            fields.push(Field::new(p, DataType::Utf8, false));
        }
        fields.push(Field::new("time_s", DataType::Float64, false));
        for s in self.series_names() {
            fields.push(Field::new(s, DataType::UInt64, false));
        }
        Schema::new(fields)
    }

    /// The table as Parquet bytes, with `metadata` as key-value metadata.
    pub fn to_parquet(&self, metadata: &[(String, String)]) -> Result<Vec<u8>, SweepError> {
        let schema = Arc::new(self.schema());
        let mut columns: Vec<ArrayRef> = vec![
            Arc::new(UInt32Array::from(self.variant.clone())),
            Arc::new(UInt64Array::from(self.seed.clone())),
        ];
        for p in &self.params {
            columns.push(Arc::new(StringArray::from_iter_values(p)));
        }
        columns.push(Arc::new(Float64Array::from(self.time_s.clone())));
        for s in &self.series {
            columns.push(Arc::new(UInt64Array::from(s.clone())));
        }
        parquet_bytes(schema, columns, metadata).map_err(SweepError::Run)
    }

    /// Reads a table written by [`SweepTable::to_parquet`], with its
    /// wormscope metadata. A file of another shape is an input error
    /// naming the file and the column.
    pub fn read_parquet(path: &Path) -> Result<(SweepTable, Vec<(String, String)>), SweepError> {
        let name = path.display().to_string();
        let bad = |msg: String| SweepError::Input(format!("{name}: {msg}"));
        let file = std::fs::File::open(path).map_err(|e| bad(format!("cannot open: {e}")))?;
        let builder = ParquetRecordBatchReaderBuilder::try_new(file)
            .map_err(|e| bad(format!("not a readable Parquet file: {e}")))?;
        let metadata: Vec<(String, String)> = builder
            .metadata()
            .file_metadata()
            .key_value_metadata()
            .map(|kv| {
                kv.iter()
                    .filter(|k| k.key.starts_with("wormscope."))
                    .map(|k| (k.key.clone(), k.value.clone().unwrap_or_default()))
                    .collect()
            })
            .unwrap_or_default();
        let schema = builder.schema().clone();
        let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
        let n = names.len();
        let fits = |kind: SeriesKind, flood: bool| {
            let tail = SweepTable::with_columns(kind, flood, Vec::new()).series_names();
            n >= 3 + tail.len()
                && names[..2] == ["variant", "seed"]
                && names[n - tail.len() - 1] == "time_s"
                && names[n - tail.len()..] == *tail
        };
        // With the flood column, or without it (a table written before it).
        let Some((kind, flood)) = [true, false]
            .into_iter()
            .flat_map(|flood| SeriesKind::ALL.map(|k| (k, flood)))
            .find(|&(k, flood)| fits(k, flood))
        else {
            let expected: Vec<String> = SeriesKind::ALL
                .iter()
                .map(|k| format!("time_s, {}, {FLOOD_COLUMN}", k.names().join(", ")))
                .collect();
            return Err(bad(format!(
                "columns ({}) are not variant, seed, grid fields, then either {}",
                names.join(", "),
                expected.join(" or ")
            )));
        };
        let mut table = SweepTable::with_columns(kind, flood, Vec::new());
        let n_series = table.series_names().len();
        let n_params = n - 3 - n_series;
        table.param_names = names[2..2 + n_params]
            .iter()
            .map(|s| s.to_string())
            .collect();
        table.params = vec![Vec::new(); n_params];
        let reader = builder.build().map_err(|e| bad(e.to_string()))?;
        for batch in reader {
            let batch = batch.map_err(|e| bad(e.to_string()))?;
            let col = |i: usize| batch.column(i).as_any();
            let typed = |i: usize, t: &str| bad(format!("column `{}` is not {t}", names[i]));
            let v = col(0)
                .downcast_ref::<UInt32Array>()
                .ok_or_else(|| typed(0, "UInt32"))?;
            let s = col(1)
                .downcast_ref::<UInt64Array>()
                .ok_or_else(|| typed(1, "UInt64"))?;
            if v.null_count() + s.null_count() > 0 {
                return Err(bad("null variant or seed".into()));
            }
            table.variant.extend(v.values().iter());
            table.seed.extend(s.values().iter());
            for p in 0..n_params {
                let a = col(2 + p)
                    .downcast_ref::<StringArray>()
                    .ok_or_else(|| typed(2 + p, "text"))?;
                table.params[p].extend(a.iter().map(|x| x.unwrap_or_default().to_string()));
            }
            let t = col(2 + n_params)
                .downcast_ref::<Float64Array>()
                .ok_or_else(|| typed(2 + n_params, "Float64"))?;
            table.time_s.extend(t.values().iter());
            for k in 0..n_series {
                let i = 3 + n_params + k;
                let a = col(i)
                    .downcast_ref::<UInt64Array>()
                    .ok_or_else(|| typed(i, "UInt64"))?;
                table.series[k].extend(a.values().iter());
            }
        }
        Ok((table, metadata))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wormscope_engine::BlasterRow;

    fn result(n: usize) -> BlasterRun {
        BlasterRun {
            step: 30_000_000,
            rows: (0..n)
                .map(|i| BlasterRow {
                    infected: i as u64,
                    probes: 1000 + i as u64,
                    ..BlasterRow::default()
                })
                .collect(),
            totals: Default::default(),
            events: 0,
        }
    }

    #[test]
    fn parquet_round_trips_with_metadata_and_identical_bytes() {
        let mut t = SweepTable::new(SeriesKind::Blaster, vec!["worm.guess_xp_pct".into()]);
        t.push_run(1, 7, &["80"], &result(3));
        t.push_run(0, 9, &["60"], &result(2));
        let meta = vec![("wormscope.sweep.shard".to_string(), "0/1".to_string())];
        let bytes = t.to_parquet(&meta).unwrap();
        assert_eq!(
            bytes,
            t.to_parquet(&meta).unwrap(),
            "same table, same bytes"
        );
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.parquet");
        std::fs::write(&path, &bytes).unwrap();
        let (back, m) = SweepTable::read_parquet(&path).unwrap();
        assert_eq!(back, t);
        assert_eq!(m, meta);
        assert_eq!(back.time_s[..3], [30.0, 60.0, 90.0]);
        let sorted = back.sorted();
        assert_eq!(sorted.variant, vec![0, 0, 1, 1, 1]);
        assert_eq!(sorted.params[0], vec!["60", "60", "80", "80", "80"]);
        assert_eq!(sorted.series[4], vec![1000, 1001, 1000, 1001, 1002]);
        // Not a sweep table.
        std::fs::write(&path, b"PAR1 nonsense").unwrap();
        assert!(matches!(
            SweepTable::read_parquet(&path),
            Err(SweepError::Input(_))
        ));
    }

    #[test]
    fn a_random_scanning_table_round_trips_and_its_kind_is_read_from_the_columns() {
        let run = PopulationRun {
            step_us: 1_000_000,
            rows: (1..=3)
                .map(|i| PopulationRow {
                    time_us: i * 1_000_000,
                    infected: 5 * i,
                    probes_blocked: 7 * i,
                    ..PopulationRow::default()
                })
                .collect(),
            infection_times_us: Vec::new(),
            vulnerable: 100,
            sensors: Vec::new(),
            stop_us: None,
            events: 0,
        };
        let mut t = SweepTable::new(SeriesKind::Population, vec!["population.vulnerable".into()]);
        t.push_population_run(0, 3, &["100"], &run);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.parquet");
        std::fs::write(&path, t.to_parquet(&[]).unwrap()).unwrap();
        let (back, _) = SweepTable::read_parquet(&path).unwrap();
        assert_eq!(back.kind, SeriesKind::Population);
        assert_eq!(back, t);
        assert_eq!(back.time_s, vec![1.0, 2.0, 3.0]);
        let blocked = SeriesKind::Population
            .names()
            .iter()
            .position(|&n| n == "probes_blocked")
            .unwrap();
        assert_eq!(back.series[blocked], vec![7, 14, 21]);

        // Columns of neither kind (a series missing) are refused, naming both.
        let mut fields = t.schema().fields().to_vec();
        fields.remove(fields.len() - 2);
        let mut columns: Vec<ArrayRef> = vec![
            Arc::new(UInt32Array::from(t.variant.clone())),
            Arc::new(UInt64Array::from(t.seed.clone())),
            Arc::new(StringArray::from_iter_values(&t.params[0])),
            Arc::new(Float64Array::from(t.time_s.clone())),
        ];
        let n = t.series.len();
        for c in t.series[..n - 2].iter().chain(&t.series[n - 1..]) {
            columns.push(Arc::new(UInt64Array::from(c.clone())));
        }
        let bytes = parquet_bytes(Arc::new(Schema::new(fields)), columns, &[]).unwrap();
        std::fs::write(&path, bytes).unwrap();
        let Err(SweepError::Input(e)) = SweepTable::read_parquet(&path) else {
            panic!("a short table is refused")
        };
        assert!(e.contains("offline") && e.contains("cleaned"), "{e}");
    }

    #[test]
    fn the_flood_is_the_last_column_and_a_table_without_it_is_still_read() {
        let mut run = result(2);
        // 1.5 packets and 2.25 packets arrive: whole ones, rounded.
        run.rows[0].flood_arriving_units = 3 << 15;
        run.rows[1].flood_arriving_units = 9 << 14;
        let mut t = SweepTable::new(SeriesKind::Blaster, vec!["defenses.dns_takedown.at".into()]);
        t.push_run(0, 1, &["2h"], &run);
        assert_eq!(t.series_names().last(), Some(&FLOOD_COLUMN));
        assert_eq!(t.flood_series(), Some(&[2, 2][..]));
        // A table written before the flood column: the same columns less
        // the last, read back as such.
        let mut old = SweepTable::with_columns(SeriesKind::Blaster, false, t.param_names.clone());
        old.push_run(0, 1, &["2h"], &run);
        assert_eq!(old.series.len() + 1, t.series.len());
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.parquet");
        std::fs::write(&path, old.to_parquet(&[]).unwrap()).unwrap();
        let (back, _) = SweepTable::read_parquet(&path).unwrap();
        assert!(!back.flood);
        assert_eq!(back.flood_series(), None);
        assert_eq!(back, old);
    }
}
