//! Reading a table as Arrow batches: a file is opened against its specs and split into units
//! (a Parquet row group, a CSV file, a sheet) that worker threads read batch by batch, each row
//! numbered for messages. A panic of the Parquet reader on a corrupt file becomes a refusal.

use std::fs::File;
use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

use arrow_array::types::*;
use arrow_array::{Array, ArrayRef, DictionaryArray, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema};
use parquet::arrow::arrow_reader::{ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder};
use parquet::arrow::ProjectionMask;
use parquet::file::reader::ChunkReader;

use super::chunk::{RowGroupBytes, MAX_READ};
use super::digest::FileDigest;
use super::memory::{self, MemoryTable};
use super::schema::{bind, Kind, Spec};
use super::source::{Format, Source};
use super::text::{csv_error, csv_reader};
use crate::error::InputError;

/// Rows per batch when reading.
pub const BATCH_ROWS: usize = 8 * 1024;

/// A batch of rows and how to number them in messages.
pub struct Batch {
    pub data: RecordBatch,
    /// Row number (Parquet, 1-based) or line number (CSV) of each row.
    rows: RowNumbers,
}

enum RowNumbers {
    From(u64),
    Lines(Vec<u64>),
}

impl Batch {
    pub fn row(&self, i: usize) -> u64 {
        match &self.rows {
            RowNumbers::From(first) => first + i as u64,
            RowNumbers::Lines(lines) => lines[i],
        }
    }
    pub fn is_csv(&self) -> bool {
        matches!(self.rows, RowNumbers::Lines(_))
    }
    pub fn len(&self) -> usize {
        self.data.num_rows()
    }
    pub fn is_empty(&self) -> bool {
        self.data.num_rows() == 0
    }
}

/// A file bound to the specs of its table: where each spec's column is.
#[derive(Debug, Clone)]
pub struct Layout {
    /// For each spec, its column in the batches this layout produces, if present.
    pub columns: Vec<Option<usize>>,
    pub specs: Vec<Spec>,
}

/// A part of a file that one thread reads: a Parquet row group or a whole CSV file.
#[derive(Debug, Clone)]
pub struct Unit {
    pub source: Source,
    pub row_group: Option<usize>,
    /// Number of the first row of the unit (1-based).
    pub first_row: u64,
    pub rows: u64,
    meta: Option<ArrowReaderMetadata>,
    projection: Vec<usize>,
    /// The column types the schema check accepted, in batch order: a batch decoded otherwise
    /// comes from a corrupt file.
    types: Vec<DataType>,
    /// The length of the file when it was opened.
    file_len: u64,
    /// A table in memory: its slices (batch, offset, rows) that make this unit.
    memory: Option<MemoryPart>,
}

/// The part of a table in memory that one unit reads.
#[derive(Debug, Clone)]
struct MemoryPart {
    table: Arc<MemoryTable>,
    slices: Vec<(usize, usize, usize)>,
}

impl Unit {
    /// The bytes of a Parquet unit's row group: every column's (`all`) or those of the
    /// columns read; None when they lie outside the file or are too many to read at once.
    pub(crate) fn span(&self, all: bool) -> Option<Range<u64>> {
        let (meta, rg) = (self.meta.as_ref()?, self.row_group?);
        let schema = meta.parquet_schema();
        let (start, end) = meta
            .metadata()
            .row_group(rg)
            .columns()
            .iter()
            .enumerate()
            .filter(|(leaf, _)| all || self.projection.contains(&schema.get_column_root_idx(*leaf)))
            // the reader's own byte_range() asserts what corrupt metadata breaks: read the offsets
            // here, and leave a negative one to the page-by-page reader, which refuses the file
            .map(|(_, c)| {
                let at = c.dictionary_page_offset().unwrap_or_else(|| c.data_page_offset());
                let len = c.compressed_size();
                (at >= 0 && len >= 0).then_some((at as u64, len as u64))
            })
            .try_fold((u64::MAX, 0u64), |(s, e), range| {
                let (at, len) = range?;
                Some((s.min(at), e.max(at.saturating_add(len))))
            })?;
        (start < end && end <= self.file_len && end - start <= MAX_READ).then_some(start..end)
    }
}

thread_local! {
    /// Whether this thread is inside [`guarded`]: its panics are reported as a corrupt file.
    static GUARDED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs a call into the Parquet reader, turning a panic of the reader (it has some on corrupt
/// metadata and pages) into a refusal of the file, without the panic's message on stderr.
pub fn guarded<T>(path: &Path, f: impl FnOnce() -> T) -> Result<T, InputError> {
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !GUARDED.with(|g| g.get()) {
                previous(info);
            }
        }));
    });
    GUARDED.with(|g| g.set(true));
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    GUARDED.with(|g| g.set(false));
    outcome.map_err(|panic| {
        let why = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        InputError::file(path, format!("not a readable Parquet file: it is corrupt ({why}); export it again"))
    })
}

/// Opens a file, checks its schema against `specs`, and splits it into units.
pub fn open(source: &Source, specs: &[Spec]) -> Result<(Layout, Vec<Unit>), InputError> {
    let path = &source.path;
    if let Some(table) = memory::lookup(path) {
        return open_memory(source, table, specs);
    }
    match source.format() {
        Format::Parquet => {
            let file = File::open(path).map_err(|e| InputError::file(path, format!("cannot open: {e}")))?;
            let file_len = file.metadata().map_err(|e| InputError::file(path, format!("cannot read: {e}")))?.len();
            let unreadable =
                |e: parquet::errors::ParquetError| InputError::file(path, format!("not a readable Parquet file: {e}"));
            let meta =
                guarded(path, || ArrowReaderMetadata::load(&file, ArrowReaderOptions::new()))?.map_err(unreadable)?;
            let schema = meta.schema().clone();
            let found = bind(path, &schema, specs, false)?;
            // read text columns as dictionaries: Parquet stores them dictionary-encoded, so each
            // distinct text is decoded and interned once per page instead of once per row
            let hinted: Vec<Field> = schema
                .fields()
                .iter()
                .enumerate()
                .map(|(i, f)| {
                    let text_spec = specs
                        .iter()
                        .zip(&found)
                        .any(|(s, c)| *c == Some(i) && s.kind != Kind::Points && s.kind != Kind::Money);
                    // the Parquet leaf of a top-level field has the field's name as its whole path
                    let int64 = meta.parquet_schema().columns().iter().any(|c| {
                        c.path().parts() == [f.name().as_str()] && c.physical_type() == parquet::basic::Type::INT64
                    });
                    match f.data_type() {
                        DataType::Utf8 | DataType::LargeUtf8 if text_spec => f.as_ref().clone().with_data_type(
                            DataType::Dictionary(Box::new(DataType::Int32), Box::new(f.data_type().clone())),
                        ),
                        // a decimal stored as INT64 is read as is instead of widened to 128 bits
                        DataType::Decimal128(p, s) if int64 && !text_spec => {
                            f.as_ref().clone().with_data_type(DataType::Decimal64(*p, *s))
                        }
                        _ => f.as_ref().clone(),
                    }
                })
                .collect();
            let options = ArrowReaderOptions::new().with_schema(Arc::new(Schema::new(hinted)));
            let meta = guarded(path, || ArrowReaderMetadata::load(&file, options))?.map_err(unreadable)?;
            // project only the columns we need, in file order; remap spec → batch column
            let mut projection: Vec<usize> = found.iter().flatten().copied().collect();
            projection.sort_unstable();
            let columns = found.iter().map(|c| c.map(|i| projection.binary_search(&i).expect("projected"))).collect();
            let types: Vec<DataType> = projection.iter().map(|i| meta.schema().field(*i).data_type().clone()).collect();
            let mut units = Vec::new();
            let mut first_row = 1u64;
            for (i, rg) in meta.metadata().row_groups().iter().enumerate() {
                let rows = rg.num_rows() as u64;
                units.push(Unit {
                    source: source.clone(),
                    row_group: Some(i),
                    first_row,
                    rows,
                    meta: Some(meta.clone()),
                    projection: projection.clone(),
                    types: types.clone(),
                    file_len,
                    memory: None,
                });
                first_row += rows;
            }
            Ok((Layout { columns, specs: specs.to_vec() }, units))
        }
        Format::Csv | Format::Xlsx => {
            let headers: Vec<String> = if source.format() == Format::Xlsx {
                crate::read::workbook::read_sheet(path)?.header
            } else {
                let mut reader = csv_reader(path, source.encoding)?;
                let h = reader.headers().map_err(|e| csv_error(path, "cannot read the CSV header", &e))?;
                h.iter().map(|h| h.trim().to_string()).collect()
            };
            let schema = Schema::new(headers.iter().map(|h| Field::new(h, DataType::Utf8, true)).collect::<Vec<_>>());
            let columns = bind(path, &schema, specs, true)?;
            let unit = Unit {
                source: source.clone(),
                row_group: None,
                first_row: 2,
                rows: 0,
                meta: None,
                projection: Vec::new(),
                types: Vec::new(),
                file_len: 0,
                memory: None,
            };
            Ok((Layout { columns, specs: specs.to_vec() }, vec![unit]))
        }
    }
}

/// A table in memory bound to its specs as a Parquet file's schema is (the same types
/// accepted), and cut into units of about a million rows.
fn open_memory(source: &Source, table: Arc<MemoryTable>, specs: &[Spec]) -> Result<(Layout, Vec<Unit>), InputError> {
    let found = bind(&source.path, &table.schema, specs, false)?;
    let mut projection: Vec<usize> = found.iter().flatten().copied().collect();
    projection.sort_unstable();
    let columns = found.iter().map(|c| c.map(|i| projection.binary_search(&i).expect("projected"))).collect();
    let mut first_row = 1u64;
    let units = table
        .parts()
        .into_iter()
        .map(|slices| {
            let rows = slices.iter().map(|s| s.2 as u64).sum::<u64>();
            let unit = Unit {
                source: source.clone(),
                row_group: None,
                first_row,
                rows,
                meta: None,
                projection: projection.clone(),
                types: Vec::new(),
                file_len: 0,
                memory: Some(MemoryPart { table: table.clone(), slices }),
            };
            first_row += rows;
            unit
        })
        .collect();
    Ok((Layout { columns, specs: specs.to_vec() }, units))
}

/// Reads a unit batch by batch. The callback may stop the read by returning an error.
pub fn read_unit<E: From<InputError>>(unit: &Unit, each: impl FnMut(&Batch) -> Result<(), E>) -> Result<(), E> {
    read_unit_hashed(unit, None, each)
}

/// [`read_unit`], handing the bytes of a Parquet row group to `digest` when it expects them.
pub(crate) fn read_unit_hashed<E: From<InputError>>(
    unit: &Unit,
    digest: Option<&FileDigest>,
    mut each: impl FnMut(&Batch) -> Result<(), E>,
) -> Result<(), E> {
    let path = &unit.source.path;
    if let Some(part) = &unit.memory {
        let mut next = unit.first_row;
        for &(b, offset, len) in &part.slices {
            let batch =
                part.table.batches[b].project(&unit.projection).map_err(|e| InputError::file(path, e.to_string()))?;
            for at in (offset..offset + len).step_by(BATCH_ROWS) {
                stop_if_asked(path)?;
                let data = batch.slice(at, BATCH_ROWS.min(offset + len - at));
                let n = data.num_rows() as u64;
                each(&Batch { data, rows: RowNumbers::From(next) })?;
                next += n;
            }
        }
        return Ok(());
    }
    if unit.meta.is_some() {
        let file = File::open(path).map_err(|e| InputError::file(path, format!("cannot open: {e}")))?;
        // the row group in one read: every column's bytes when the digest takes them, else
        // those of the columns read; page by page when it is too large to hold
        let hashed = unit.span(true).filter(|s| digest.is_some_and(|d| d.expects(s)));
        let Some(span) = hashed.clone().or_else(|| unit.span(false)) else {
            return decode_row_group(unit, file, each);
        };
        let chunk = RowGroupBytes::read(&file, span.clone())
            .map_err(|e| InputError::file(path, format!("cannot read: {e}")))?;
        if let (Some(digest), Some(_)) = (digest, hashed) {
            digest.offer(span.start, chunk.bytes().clone())?;
        }
        return decode_row_group(unit, chunk, each);
    }
    let decode = |e: &dyn std::fmt::Display| InputError::file(path, format!("cannot decode: {e}"));
    if unit.source.format() == Format::Xlsx {
        // a sheet: every column as text, numbered as Excel numbers its rows
        let sheet = crate::read::workbook::read_sheet(path)?;
        let width = sheet.header.len();
        let schema = Arc::new(Schema::new(
            (0..width).map(|i| Field::new(format!("c{i}"), DataType::Utf8, true)).collect::<Vec<_>>(),
        ));
        for chunk in sheet.rows.chunks(BATCH_ROWS) {
            let mut cells: Vec<Vec<Option<String>>> = vec![Vec::with_capacity(chunk.len()); width];
            for (_, row) in chunk {
                for (c, column) in cells.iter_mut().enumerate() {
                    column.push(row.get(c).cloned().flatten());
                }
            }
            let arrays: Vec<ArrayRef> = cells.into_iter().map(|c| Arc::new(StringArray::from(c)) as ArrayRef).collect();
            let data = RecordBatch::try_new(schema.clone(), arrays).map_err(|e| decode(&e))?;
            each(&Batch { data, rows: RowNumbers::Lines(chunk.iter().map(|(n, _)| *n).collect()) })?;
        }
        return Ok(());
    }
    // CSV: every column as text, numbered by line
    let mut reader = csv_reader(path, unit.source.encoding)?;
    let width = reader.headers().map_err(|e| csv_error(path, "cannot read the CSV header", &e))?.len();
    let schema = Arc::new(Schema::new(
        (0..width).map(|i| Field::new(format!("c{i}"), DataType::Utf8, true)).collect::<Vec<_>>(),
    ));
    let mut record = csv::StringRecord::new();
    loop {
        let mut cells: Vec<Vec<Option<String>>> = vec![Vec::with_capacity(BATCH_ROWS); width];
        let mut lines = Vec::with_capacity(BATCH_ROWS);
        while lines.len() < BATCH_ROWS {
            let more = reader.read_record(&mut record).map_err(|e| csv_error(path, "malformed CSV", &e))?;
            if !more {
                break;
            }
            lines.push(record.position().map_or(0, |p| p.line()));
            for (c, cell) in cells.iter_mut().zip(record.iter()) {
                let cell = cell.trim();
                c.push((!cell.is_empty()).then(|| cell.to_string()));
            }
        }
        if lines.is_empty() {
            return Ok(());
        }
        stop_if_asked(path)?;
        let arrays: Vec<ArrayRef> = cells.into_iter().map(|c| Arc::new(StringArray::from(c)) as ArrayRef).collect();
        let data = RecordBatch::try_new(schema.clone(), arrays).map_err(|e| decode(&e))?;
        let full = lines.len() == BATCH_ROWS;
        each(&Batch { data, rows: RowNumbers::Lines(lines) })?;
        if !full {
            return Ok(());
        }
    }
}

/// Decodes a unit's row group from `reader` batch by batch.
fn decode_row_group<E: From<InputError>, R: ChunkReader + 'static>(
    unit: &Unit,
    reader: R,
    mut each: impl FnMut(&Batch) -> Result<(), E>,
) -> Result<(), E> {
    let path = &unit.source.path;
    let (meta, rg) = (unit.meta.as_ref().expect("a Parquet unit"), unit.row_group.expect("a Parquet unit"));
    let decode = |e: &dyn std::fmt::Display| InputError::file(path, format!("cannot decode: {e}"));
    let mask = ProjectionMask::roots(meta.parquet_schema(), unit.projection.iter().copied());
    let build = || {
        ParquetRecordBatchReaderBuilder::new_with_metadata(reader, meta.clone())
            .with_row_groups(vec![rg])
            .with_projection(mask)
            .with_batch_size(BATCH_ROWS)
            .build()
    };
    let mut batches = guarded(path, build)?.map_err(|e| decode(&e))?;
    let mut next = unit.first_row;
    while let Some(batch) = guarded(path, || batches.next())? {
        stop_if_asked(path)?;
        let data = batch.map_err(|e| decode(&e))?;
        check_decoded(&data, &unit.types)
            .map_err(|m| InputError::file(path, format!("not a readable Parquet file: {m}; export it again")))?;
        let n = data.num_rows() as u64;
        each(&Batch { data, rows: RowNumbers::From(next) })?;
        next += n;
    }
    Ok(())
}

/// Refuses to go on when the caller asked every scan to stop (Ctrl-C in a notebook).
fn stop_if_asked(path: &Path) -> Result<(), InputError> {
    if memory::stop_requested() {
        return Err(InputError::file(path, "interrupted: the run was stopped before this table was read"));
    }
    Ok(())
}

/// A decoded batch has the types its schema promised and dictionary keys inside their
/// dictionaries (the reader does not check either on corrupt pages).
fn check_decoded(data: &RecordBatch, types: &[DataType]) -> Result<(), String> {
    for (column, (array, expected)) in data.columns().iter().zip(types).enumerate() {
        let name = || data.schema().field(column).name().clone();
        if array.data_type() != expected {
            return Err(format!(
                "column '{}' decodes as {} where its schema says {expected}",
                name(),
                array.data_type()
            ));
        }
        if let Some(dict) = array.as_any().downcast_ref::<DictionaryArray<Int32Type>>() {
            let size = dict.values().len();
            // a negative key is huge as u32: the largest key as u32 (one vectorized pass) decides,
            // unless it lies under a null, which may hold anything
            let outside = |k: i32| k as u32 as usize >= size;
            if largest_key(dict.keys().values()) >= size && dict.keys().iter().flatten().any(outside) {
                return Err(format!("column '{}' has dictionary keys outside its dictionary", name()));
            }
        }
    }
    Ok(())
}

/// The largest of dictionary keys read as u32 (a negative key is huge), 0 for none.
pub fn largest_key(keys: &[i32]) -> usize {
    keys.iter().map(|k| *k as u32).max().unwrap_or(0) as usize
}
