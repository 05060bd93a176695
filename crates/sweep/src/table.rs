//! The results table of a sweep: one row per (variant, seed, time step),
//! with the variant's grid values as text columns and every series of
//! `timeseries.csv`; and its Parquet form.
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

/// The series columns: `timeseries.csv`'s after `time_s`.
pub fn series_names() -> &'static [&'static str] {
    &BlasterRow::SERIES
}

const N_SERIES: usize = BlasterRow::SERIES.len();

/// Columns of a sweep table, in the order of the Parquet file: `variant`,
/// `seed`, one text column per grid field (named by its path), `time_s`,
/// then the series.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SweepTable {
    pub param_names: Vec<String>,
    pub variant: Vec<u32>,
    pub seed: Vec<u64>,
    /// One column per grid field.
    pub params: Vec<Vec<String>>,
    pub time_s: Vec<f64>,
    /// One column per name of [`series_names`].
    pub series: Vec<Vec<u64>>,
}

impl SweepTable {
    pub fn new(param_names: Vec<String>) -> SweepTable {
        SweepTable {
            params: vec![Vec::new(); param_names.len()],
            param_names,
            series: vec![Vec::new(); N_SERIES],
            ..SweepTable::default()
        }
    }

    pub fn len(&self) -> usize {
        self.variant.len()
    }

    pub fn is_empty(&self) -> bool {
        self.variant.is_empty()
    }

    /// Appends one run's rows.
    pub fn push_run(&mut self, variant: u32, seed: u64, labels: &[&str], result: &BlasterRun) {
        for (i, row) in result.rows.iter().enumerate() {
            self.variant.push(variant);
            self.seed.push(seed);
            for (col, label) in self.params.iter_mut().zip(labels) {
                col.push((*label).to_string());
            }
            // The step's end, as in timeseries.csv.
            self.time_s
                .push(((i as u64 + 1) * result.step) as f64 / 1e6);
            for (col, v) in self.series.iter_mut().zip(row.series()) {
                col.push(v);
            }
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
        for s in series_names() {
            fields.push(Field::new(*s, DataType::UInt64, false));
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
        let n_params = n
            .checked_sub(3 + N_SERIES)
            .ok_or_else(|| bad(format!("has {n} columns, too few for a sweep table")))?;
        let want_tail: Vec<&str> = std::iter::once("time_s")
            .chain(series_names().iter().copied())
            .collect();
        if names[..2] != ["variant", "seed"] || names[2 + n_params..] != want_tail[..] {
            return Err(bad(format!(
                "columns ({}) are not variant, seed, grid fields, {}",
                names.join(", "),
                want_tail.join(", ")
            )));
        }
        let mut table = SweepTable::new(
            names[2..2 + n_params]
                .iter()
                .map(|s| s.to_string())
                .collect(),
        );
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
            for k in 0..N_SERIES {
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
        let mut t = SweepTable::new(vec!["worm.guess_xp_pct".into()]);
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
}
