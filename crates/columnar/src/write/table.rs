//! Writing output tables as Parquet (Decimal128 for every exact number) or CSV (plain
//! decimal text at the column's scale).

use std::borrow::Cow;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::{ArrayRef, Decimal128Array, Int64Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema};
use dianzhi_core::number::format_fixed;
use parquet::arrow::arrow_writer::{compute_leaves, ArrowColumnWriter, ArrowRowGroupWriterFactory};
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::read::source::Format;

/// A text column built without an allocation per value: the texts end to end, where each ends,
/// and which are null.
#[derive(Default)]
pub struct TextColumn {
    data: String,
    ends: Vec<i32>,
    nulls: Vec<bool>,
    any_null: bool,
}

impl TextColumn {
    pub fn with_capacity(rows: usize) -> Self {
        TextColumn {
            data: String::new(),
            ends: Vec::with_capacity(rows),
            nulls: Vec::with_capacity(rows),
            any_null: false,
        }
    }
    pub fn push(&mut self, text: &str) {
        self.data.push_str(text);
        self.ends.push(i32::try_from(self.data.len()).expect("a column chunk under 2 GiB of text"));
        self.nulls.push(false);
    }
    /// A text written straight into the column (a number formatted in place, no allocation).
    pub fn push_with(&mut self, write: impl FnOnce(&mut String)) {
        write(&mut self.data);
        self.ends.push(i32::try_from(self.data.len()).expect("a column chunk under 2 GiB of text"));
        self.nulls.push(false);
    }
    /// `rows` nulls (a column a part of a table lacks).
    pub fn nulls(rows: usize) -> Self {
        TextColumn { data: String::new(), ends: vec![0; rows], nulls: vec![true; rows], any_null: rows > 0 }
    }
    pub fn push_null(&mut self) {
        self.ends.push(i32::try_from(self.data.len()).expect("a column chunk under 2 GiB of text"));
        self.nulls.push(true);
        self.any_null = true;
    }
    pub fn push_option(&mut self, text: Option<&str>) {
        match text {
            Some(t) => self.push(t),
            None => self.push_null(),
        }
    }
    pub fn len(&self) -> usize {
        self.ends.len()
    }
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }
    pub fn get(&self, i: usize) -> Option<&str> {
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        (!self.nulls[i]).then(|| &self.data[start..self.ends[i] as usize])
    }
    fn to_array(&self) -> StringArray {
        let offsets = arrow_buffer::OffsetBuffer::new(std::iter::once(0).chain(self.ends.iter().copied()).collect());
        let nulls = self.any_null.then(|| arrow_buffer::NullBuffer::from_iter(self.nulls.iter().map(|n| !n)));
        StringArray::new(offsets, arrow_buffer::Buffer::from(self.data.as_bytes()), nulls)
    }
}

/// The values of one output column.
pub enum Values {
    Text(Vec<String>),
    /// Text built with a [`TextColumn`]; nullable if `nullable` (fixed per column).
    Texts {
        column: TextColumn,
        nullable: bool,
    },
    /// Text with nulls (written as null in Parquet, empty in CSV).
    NullableText(Vec<Option<String>>),
    Int(Vec<i64>),
    /// Exact decimals: `value × 10^-scale`; `None` is written as null (Parquet) or empty (CSV).
    Decimal {
        values: Vec<Option<i128>>,
        scale: u32,
        /// Whether the column may hold nulls (fixed per column, so the schema is stable).
        nullable: bool,
        /// Decimal digits; ≤ 18 is stored as INT64 in Parquet (smaller and faster to read).
        precision: u8,
    },
}

impl Values {
    /// Row `i` as written to CSV; `None` for a null.
    pub fn text(&self, i: usize) -> Option<String> {
        match self {
            Values::Text(v) => Some(v[i].clone()),
            Values::NullableText(v) => v[i].clone(),
            Values::Texts { column, .. } => column.get(i).map(str::to_string),
            Values::Int(v) => Some(v[i].to_string()),
            Values::Decimal { values, scale, .. } => values[i].map(|x| format_fixed(x, *scale)),
        }
    }
}

/// An output table: named columns of equal length.
#[derive(Default)]
pub struct Table {
    pub columns: Vec<(Cow<'static, str>, Values)>,
}

impl Table {
    /// A column under a name made at run time (tables built by the analysis layer).
    pub fn push(&mut self, name: impl Into<Cow<'static, str>>, values: Values) {
        self.columns.push((name.into(), values));
    }
    pub fn text(&mut self, name: &'static str, v: Vec<String>) {
        self.columns.push((name.into(), Values::Text(v)));
    }
    pub fn nullable_text(&mut self, name: &'static str, v: Vec<Option<String>>) {
        self.columns.push((name.into(), Values::NullableText(v)));
    }
    /// A text column from a builder; `nullable` fixes the schema whatever the values.
    pub fn texts(&mut self, name: &'static str, column: TextColumn, nullable: bool) {
        self.columns.push((name.into(), Values::Texts { column, nullable }));
    }
    pub fn int(&mut self, name: &'static str, v: Vec<i64>) {
        self.columns.push((name.into(), Values::Int(v)));
    }
    pub fn decimal(&mut self, name: &'static str, scale: u32, v: Vec<i128>) {
        self.columns.push((
            name.into(),
            Values::Decimal { values: v.into_iter().map(Some).collect(), scale, nullable: false, precision: 38 },
        ));
    }
    /// A decimal column of at most 18 digits (e.g. per-row points of a claims extract).
    pub fn decimal18(&mut self, name: &'static str, scale: u32, v: Vec<i128>) {
        let values = v.into_iter().map(Some).collect();
        self.columns.push((name.into(), Values::Decimal { values, scale, nullable: false, precision: 18 }));
    }
    /// A nullable decimal column of at most 18 digits (a case's own amounts and factors).
    pub fn nullable_decimal18(&mut self, name: &'static str, scale: u32, v: Vec<Option<i128>>) {
        self.columns.push((name.into(), Values::Decimal { values: v, scale, nullable: true, precision: 18 }));
    }
    pub fn nullable_decimal(&mut self, name: &'static str, scale: u32, v: Vec<Option<i128>>) {
        self.columns.push((name.into(), Values::Decimal { values: v, scale, nullable: true, precision: 38 }));
    }
    pub fn column(&self, name: &str) -> Option<&Values> {
        self.columns.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }
    pub fn rows(&self) -> usize {
        self.columns.first().map_or(0, |(_, v)| match v {
            Values::Text(v) => v.len(),
            Values::NullableText(v) => v.len(),
            Values::Texts { column, .. } => column.len(),
            Values::Int(v) => v.len(),
            Values::Decimal { values, .. } => values.len(),
        })
    }
}

/// Writes `table` to `path` in `format`.
pub fn write_table(table: &Table, path: &Path, format: Format) -> Result<()> {
    let mut w = TableWriter::create(path, format)?;
    w.write(table)?;
    w.close()
}

/// Writes a table batch by batch, for outputs too large to hold at once. Parquet row groups
/// hold about a million rows and are compressed with zstd.
pub struct TableWriter {
    path: PathBuf,
    format: Format,
    /// The file until the first batch gives the Parquet schema.
    file: Option<File>,
    parquet: Option<ParquetOut>,
    csv: Option<csv::Writer<File>>,
    /// Columns written without a dictionary (values that rarely repeat, such as case ids).
    plain: Vec<&'static str>,
    /// Every decimal column written without a dictionary.
    plain_decimals: bool,
    /// Parquet: the rows are handed to the encoder in runs of this many (see [`Self::aligned`]).
    aligned: Option<usize>,
}

impl TableWriter {
    pub fn create(path: &Path, format: Format) -> Result<Self> {
        let file =
            File::create(path).map_err(|e| Error::Output { path: path.to_path_buf(), message: e.to_string() })?;
        Ok(TableWriter {
            path: path.to_path_buf(),
            format,
            file: Some(file),
            parquet: None,
            csv: None,
            plain: Vec::new(),
            plain_decimals: false,
            aligned: None,
        })
    }

    /// Hands the rows to the Parquet encoder in runs of `rows` whatever the batches they come
    /// in (the last run shorter): the encoder ends pages only between the runs it is handed, so
    /// the file's bytes then depend on the rows alone, not on how the caller cut them (the DIP
    /// `cases` file, whose batches end where its sort buckets do, and those follow the input's
    /// size). A caller that writes batches of `rows` already writes the same bytes.
    pub fn aligned(mut self, rows: usize) -> Self {
        self.aligned = Some(rows.max(1));
        self
    }

    /// Writes these columns without a dictionary: their values rarely repeat, so a dictionary
    /// only costs time before the writer gives up on it.
    pub fn plain(mut self, columns: &[&'static str]) -> Self {
        self.plain.extend_from_slice(columns);
        self
    }

    /// Writes every decimal column without a dictionary: amounts per institution rarely repeat,
    /// and a dictionary of them is larger and slower than the values.
    pub fn plain_decimals(mut self) -> Self {
        self.plain_decimals = true;
        self
    }

    fn fail(&self, e: impl std::fmt::Display) -> Error {
        Error::Output { path: self.path.clone(), message: e.to_string() }
    }

    pub fn write(&mut self, table: &Table) -> Result<()> {
        match self.format {
            Format::Parquet => {
                let batch = to_batch(table).map_err(|e| self.fail(e))?;
                if self.parquet.is_none() {
                    let mut props = WriterProperties::builder()
                        .set_compression(Compression::ZSTD(ZstdLevel::default()))
                        .set_max_row_group_row_count(Some(ROW_GROUP_ROWS));
                    let decimals = batch
                        .schema()
                        .fields()
                        .iter()
                        .filter(|f| self.plain_decimals && matches!(f.data_type(), DataType::Decimal128(_, _)))
                        .map(|f| f.name().clone())
                        .collect::<Vec<_>>();
                    for c in self.plain.iter().map(|c| c.to_string()).chain(decimals) {
                        props = props.set_column_dictionary_enabled(parquet::schema::types::ColumnPath::from(c), false);
                    }
                    let props = props.build();
                    let pieces = Pieces { batch: props.write_batch_size(), page: props.data_page_row_count_limit() };
                    let file = self.file.take().expect("file kept for the first batch");
                    // ArrowWriter sets the file up (schema, properties, the Arrow schema in the
                    // metadata); the row groups are then encoded a column per thread
                    let (file, factory) = ArrowWriter::try_new(file, batch.schema(), Some(props))
                        .and_then(ArrowWriter::into_serialized_writer)
                        .map_err(|e| self.fail(e))?;
                    self.parquet = Some(ParquetOut {
                        file,
                        factory,
                        pieces,
                        group: None,
                        rows: 0,
                        groups: 0,
                        aligned: self.aligned,
                        pending: Vec::new(),
                    });
                }
                let result = self.parquet.as_mut().expect("opened").push(batch);
                result.map_err(|e| self.fail(e))?;
            }
            Format::Xlsx => {
                return Err(Error::Output {
                    path: self.path.clone(),
                    message: "tables are written as Parquet or CSV; `dianzhi export` makes a workbook".into(),
                })
            }
            Format::Csv => {
                if self.csv.is_none() {
                    let mut w = csv::Writer::from_writer(self.file.take().expect("file kept for the first batch"));
                    w.write_record(table.columns.iter().map(|(n, _)| n.as_ref())).map_err(|e| self.fail(e))?;
                    self.csv = Some(w);
                }
                let w = self.csv.as_mut().expect("opened");
                let mut result = Ok(());
                for i in 0..table.rows() {
                    result = w.write_record(table.columns.iter().map(|(_, v)| v.text(i).unwrap_or_default()));
                    if result.is_err() {
                        break;
                    }
                }
                result.map_err(|e| self.fail(e))?;
            }
        }
        Ok(())
    }

    pub fn close(mut self) -> Result<()> {
        if let Some(mut w) = self.parquet.take() {
            w.write_pending().and_then(|_| w.flush()).map_err(|e| self.fail(e))?;
            w.file.close().map_err(|e| self.fail(e))?;
        }
        if let Some(mut w) = self.csv.take() {
            w.flush().map_err(|e| self.fail(e))?;
        }
        Ok(())
    }
}

/// Rows per Parquet row group.
pub const ROW_GROUP_ROWS: usize = 1024 * 1024;

/// A Parquet file being written row group by row group, each column of a batch encoded on its
/// own thread. The batches are cut at the same rows ArrowWriter cuts them and each column
/// writer sees the same slices in the same order, so the bytes are ArrowWriter's.
struct ParquetOut {
    file: SerializedFileWriter<File>,
    factory: ArrowRowGroupWriterFactory,
    pieces: Pieces,
    /// The row group being filled: a writer per column.
    group: Option<Vec<ArrowColumnWriter>>,
    rows: usize,
    groups: usize,
    /// With runs of `aligned` rows: the rows not handed to the encoder yet (fewer than a run).
    aligned: Option<usize>,
    pending: Vec<RecordBatch>,
}

impl ParquetOut {
    /// A batch, encoded at once or, with aligned runs, once a run is complete.
    fn push(&mut self, batch: RecordBatch) -> parquet::errors::Result<()> {
        let Some(run) = self.aligned else { return self.write(&batch) };
        let mut batch = batch;
        loop {
            let held: usize = self.pending.iter().map(RecordBatch::num_rows).sum();
            if held + batch.num_rows() < run {
                self.pending.push(batch);
                return Ok(());
            }
            let take = run - held;
            self.pending.push(batch.slice(0, take));
            self.write_pending()?;
            batch = batch.slice(take, batch.num_rows() - take);
        }
    }

    /// The rows held back, as one run.
    fn write_pending(&mut self) -> parquet::errors::Result<()> {
        let pending = std::mem::take(&mut self.pending);
        match pending.len() {
            0 => Ok(()),
            1 => self.write(&pending[0]),
            _ => {
                let run = arrow_select::concat::concat_batches(&pending[0].schema(), &pending)?;
                drop(pending);
                self.write(&run)
            }
        }
    }

    fn write(&mut self, batch: &RecordBatch) -> parquet::errors::Result<()> {
        let mut at = 0;
        while at < batch.num_rows() {
            if self.group.is_none() {
                self.group = Some(self.factory.create_column_writers(self.groups)?);
            }
            let take = (ROW_GROUP_ROWS - self.rows).min(batch.num_rows() - at);
            let part = batch.slice(at, take);
            let writers = self.group.as_mut().expect("a row group");
            // a flat schema: one leaf, and one writer, per field
            let pieces = self.pieces;
            writers.par_iter_mut().zip(part.columns().par_iter()).zip(part.schema().fields().par_iter()).try_for_each(
                |((writer, column), field)| -> parquet::errors::Result<()> {
                    let step = pieces.of(field, column);
                    let mut from = 0;
                    while from < column.len() {
                        let piece = column.slice(from, step.min(column.len() - from));
                        for leaf in compute_leaves(field, &piece)? {
                            writer.write(&leaf)?;
                        }
                        from += step;
                    }
                    Ok(())
                },
            )?;
            self.rows += take;
            at += take;
            if self.rows == ROW_GROUP_ROWS {
                self.flush()?;
            }
        }
        Ok(())
    }

    /// Closes the row group being filled, if any, and appends it to the file.
    fn flush(&mut self) -> parquet::errors::Result<()> {
        let Some(writers) = self.group.take() else { return Ok(()) };
        let chunks =
            writers.into_par_iter().map(ArrowColumnWriter::close).collect::<parquet::errors::Result<Vec<_>>>()?;
        let mut group = self.file.next_row_group()?;
        for chunk in chunks {
            chunk.append_to_row_group(&mut group)?;
        }
        group.close()?;
        self.rows = 0;
        self.groups += 1;
        Ok(())
    }
}

/// How many rows of a column to hand the Parquet encoder at a time.
///
/// A Decimal128 wider than 18 digits is stored as 16-byte fixed-length values, which the parquet
/// crate copies into one buffer per call and hands on as slices of it; the column chunk's
/// minimum and maximum keep their slices, and with them the whole buffer, until the file is
/// closed. Handed over whole, a 50M-row `cases` file kept about a gigabyte of such buffers
/// (measured with heaptrack). So such a column goes in pieces of the encoder's own mini-batch —
/// `write_batch_size` rows, or `data_page_row_count_limit` for a nullable column without nulls —
/// cut from the same row the encoder cuts them: the pages end where they did, the bytes are
/// ArrowWriter's, and each buffer is a few kilobytes.
#[derive(Clone, Copy)]
struct Pieces {
    batch: usize,
    page: usize,
}

impl Pieces {
    fn of(self, field: &Field, column: &ArrayRef) -> usize {
        match field.data_type() {
            DataType::Decimal128(precision, _) if *precision > 18 => {
                if field.is_nullable() && column.null_count() == 0 {
                    self.page
                } else {
                    self.batch
                }
            }
            _ => column.len().max(1),
        }
    }
}

fn to_batch(table: &Table) -> std::result::Result<RecordBatch, String> {
    let mut fields = Vec::new();
    let mut arrays: Vec<ArrayRef> = Vec::new();
    for (name, values) in &table.columns {
        let (field, array): (Field, ArrayRef) = match values {
            Values::Text(v) => {
                (Field::new(name.as_ref(), DataType::Utf8, false), Arc::new(StringArray::from(v.clone())))
            }
            Values::NullableText(v) => {
                (Field::new(name.as_ref(), DataType::Utf8, true), Arc::new(StringArray::from(v.clone())))
            }
            Values::Texts { column, nullable } => {
                (Field::new(name.as_ref(), DataType::Utf8, *nullable), Arc::new(column.to_array()))
            }
            Values::Int(v) => {
                (Field::new(name.as_ref(), DataType::Int64, false), Arc::new(Int64Array::from(v.clone())))
            }
            Values::Decimal { values, scale, nullable, precision } => {
                let scale = i8::try_from(*scale).expect("scale ≤ 38");
                // straight from the values, without a copy of them (and, where none is null, without
                // a validity buffer to build)
                let array = if values.iter().all(Option::is_some) {
                    Decimal128Array::from_iter_values(values.iter().map(|v| v.expect("checked")))
                } else {
                    values.iter().copied().collect::<Decimal128Array>()
                };
                let array = array.with_precision_and_scale(*precision, scale).map_err(|e| e.to_string())?;
                (Field::new(name.as_ref(), DataType::Decimal128(*precision, scale), *nullable), Arc::new(array))
            }
        };
        fields.push(field);
        arrays.push(array);
    }
    RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The column-parallel writer writes ArrowWriter's bytes: over several row groups, with
    /// batches that straddle a row group's end, with nulls, texts that rarely repeat and decimals.
    #[test]
    fn parallel_row_groups_are_arrow_writers_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let rows = ROW_GROUP_ROWS + ROW_GROUP_ROWS / 3;
        let table = |from: usize, to: usize| {
            let mut t = Table::default();
            let mut ids = TextColumn::with_capacity(to - from);
            let mut groups = TextColumn::with_capacity(to - from);
            for i in from..to {
                ids.push(&format!("case-{:09}", i * 7919 % 1_000_003));
                groups.push_option((i % 11 != 0).then(|| ["A", "B", "C"][i % 3]));
            }
            t.texts("case_id", ids, false);
            t.texts("group", groups, true);
            t.int("year", (from..to).map(|i| 2020 + (i % 7) as i64).collect());
            t.nullable_decimal("score", 4, (from..to).map(|i| (i % 5 != 0).then_some(i as i128 * 37)).collect());
            // 38-digit decimals go to the encoder in pieces (`Pieces`): without nulls; nullable
            // with nulls in a few places only (pieces without any, batches with and without);
            // nullable, never null
            t.decimal("points", 12, (from..to).map(|i| i as i128 * 1_000_003).collect());
            let rare = |i: usize| !(100_000..100_010).contains(&i) && i % 400_000 != 7;
            t.nullable_decimal("avg_cost", 12, (from..to).map(|i| rare(i).then_some(i as i128 * 29)).collect());
            t.nullable_decimal("ratio", 6, (from..to).map(|i| Some(i as i128 % 1_000)).collect());
            t
        };
        // batches of 300,001 rows: the third and the seventh cross a row group's end
        let cuts: Vec<usize> = (0..rows).step_by(300_001).chain(std::iter::once(rows)).collect();
        let ours = dir.path().join("ours.parquet");
        let mut w = TableWriter::create(&ours, Format::Parquet).unwrap().plain(&["case_id"]);
        for pair in cuts.windows(2) {
            w.write(&table(pair[0], pair[1])).unwrap();
        }
        w.close().unwrap();

        let theirs = dir.path().join("theirs.parquet");
        let mut props = WriterProperties::builder()
            .set_compression(Compression::ZSTD(ZstdLevel::default()))
            .set_max_row_group_row_count(Some(ROW_GROUP_ROWS));
        props = props.set_column_dictionary_enabled(parquet::schema::types::ColumnPath::from("case_id"), false);
        let first = to_batch(&table(0, 1)).unwrap();
        let mut arrow =
            ArrowWriter::try_new(File::create(&theirs).unwrap(), first.schema(), Some(props.build())).unwrap();
        for pair in cuts.windows(2) {
            arrow.write(&to_batch(&table(pair[0], pair[1])).unwrap()).unwrap();
        }
        arrow.close().unwrap();
        let (a, b) = (std::fs::read(&ours).unwrap(), std::fs::read(&theirs).unwrap());
        assert_eq!(a.len(), b.len());
        assert!(a == b, "the parallel writer's bytes differ from ArrowWriter's");
    }

    /// Aligned, the bytes depend on the rows alone: the same rows in batches cut anywhere (the
    /// DIP cases come cut where sort buckets end) and in batches of the run's size.
    #[test]
    fn aligned_runs_make_the_bytes_independent_of_the_batches() {
        let dir = tempfile::tempdir().unwrap();
        let rows = 70_000;
        let table = |from: usize, to: usize| {
            let mut t = Table::default();
            let mut ids = TextColumn::with_capacity(to - from);
            (from..to).for_each(|i| ids.push(&format!("c{:07}", i * 7919 % 100_003)));
            t.texts("case_id", ids, false);
            t.nullable_decimal("payment", 2, (from..to).map(|i| (i % 13 != 0).then_some(i as i128 * 31)).collect());
            t
        };
        let write = |name: &str, cuts: &[usize], run: Option<usize>| -> Vec<u8> {
            let path = dir.path().join(name);
            let w = TableWriter::create(&path, Format::Parquet).unwrap();
            let mut w = match run {
                Some(run) => w.aligned(run),
                None => w,
            };
            cuts.windows(2).for_each(|c| w.write(&table(c[0], c[1])).unwrap());
            w.close().unwrap();
            std::fs::read(path).unwrap()
        };
        let runs: Vec<usize> = (0..rows).step_by(16_384).chain([rows]).collect();
        let odd = [0, 5, 1_000, 16_383, 16_385, 40_000, 40_001, 69_999, rows];
        let reference = write("runs.parquet", &runs, None);
        assert_eq!(write("aligned-runs.parquet", &runs, Some(16_384)), reference);
        assert_eq!(write("aligned-odd.parquet", &odd, Some(16_384)), reference);
        assert_eq!(write("aligned-whole.parquet", &[0, rows], Some(16_384)), reference);
        // (without alignment the odd cuts end pages elsewhere)
        assert_ne!(write("odd.parquet", &odd, None), reference);
    }

    #[test]
    fn plain_decimals_leave_texts_their_dictionary() {
        let dir = tempfile::tempdir().unwrap();
        let mut t = Table::default();
        let mut ids = TextColumn::with_capacity(1000);
        (0..1000).for_each(|i| ids.push(["A", "B"][i % 2]));
        t.texts("institution_id", ids, false);
        t.decimal("payable", 0, (0..1000).map(|i| i * 7919).collect());
        let dictionaries = |plain: bool| -> Vec<bool> {
            let path = dir.path().join(format!("{plain}.parquet"));
            let w = TableWriter::create(&path, Format::Parquet).unwrap();
            let mut w = if plain { w.plain_decimals() } else { w };
            w.write(&t).unwrap();
            w.close().unwrap();
            let reader = parquet::file::reader::SerializedFileReader::new(File::open(&path).unwrap()).unwrap();
            use parquet::file::reader::FileReader;
            let group = reader.metadata().row_group(0).clone();
            group.columns().iter().map(|c| c.dictionary_page_offset().is_some()).collect()
        };
        assert_eq!(dictionaries(false), [true, true]);
        assert_eq!(dictionaries(true), [true, false]);
    }
}
