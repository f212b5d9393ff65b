//! Reading input tables as Arrow batches (Parquet row groups, CSV chunks) and turning their
//! columns into exact values, one column of a batch at a time.

use std::collections::HashMap;
use std::fs::File;
use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::*;
use arrow_array::{Array, ArrayRef, DictionaryArray, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema, TimeUnit};
use dianzhi_core::number::{pow10, Dec, MoneyUnit, SCALE};
use dianzhi_core::period::{Month, Quarter};
use parquet::arrow::arrow_reader::{ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder};
use parquet::arrow::ProjectionMask;
use parquet::file::reader::ChunkReader;

use crate::chunk::RowGroupBytes;
use crate::digest::{FileDigest, MAX_READ};
use crate::error::{InputError, Place};
use crate::source::{Format, Source};

/// Rows per batch when reading.
pub const BATCH_ROWS: usize = 8 * 1024;

/// What a column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Non-empty text (a key).
    Text,
    /// A label: text, or an integer in Parquet, read as its text (a hospital level, a year).
    Label,
    /// Points: exact, at most 4 decimals.
    Points,
    /// Money: exact, a multiple of the money unit.
    Money,
    /// `YYYY-MM` text or a date.
    Month,
    /// `YYYYQn` text.
    Quarter,
}

/// A column an input table must (or may) have.
#[derive(Debug, Clone, Copy)]
pub struct Spec {
    pub name: &'static str,
    pub kind: Kind,
    pub required: bool,
}

pub const fn required(name: &'static str, kind: Kind) -> Spec {
    Spec { name, kind, required: true }
}
pub const fn optional(name: &'static str, kind: Kind) -> Spec {
    Spec { name, kind, required: false }
}

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
                });
                first_row += rows;
            }
            Ok((Layout { columns, specs: specs.to_vec() }, units))
        }
        Format::Csv | Format::Xlsx => {
            let headers: Vec<String> = if source.format() == Format::Xlsx {
                crate::xlsx::read_sheet(path)?.header
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
            };
            Ok((Layout { columns, specs: specs.to_vec() }, vec![unit]))
        }
    }
}

use crate::text::{csv_error, csv_reader};

/// Finds each spec's column and checks that its type can hold the kind exactly.
fn bind(path: &Path, schema: &Schema, specs: &[Spec], csv: bool) -> Result<Vec<Option<usize>>, InputError> {
    specs
        .iter()
        .map(|spec| {
            // a column given twice is ambiguous: which one holds the values?
            let at: Vec<usize> =
                schema.fields().iter().enumerate().filter(|(_, f)| f.name() == spec.name).map(|(i, _)| i + 1).collect();
            if at.len() > 1 {
                let at: Vec<String> = at.iter().map(ToString::to_string).collect();
                return Err(InputError::column(
                    path,
                    spec.name,
                    format!(
                        "the column appears {} times (columns {}); keep one and remove or rename the others",
                        at.len(),
                        at.join(" and ")
                    ),
                ));
            }
            let Some((i, field)) = schema.column_with_name(spec.name) else {
                if spec.required {
                    let present: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
                    let has = if present.is_empty() {
                        "the file has no header row: it is empty".to_string()
                    } else {
                        format!("the file has: {}", present.join(", "))
                    };
                    return Err(InputError::column(
                        path,
                        spec.name,
                        format!("required column is missing ({has}); add it or rename the column that holds it"),
                    ));
                }
                return Ok(None);
            };
            if !csv {
                check_type(spec, field.data_type()).map_err(|m| InputError::column(path, spec.name, m))?;
            }
            Ok(Some(i))
        })
        .collect()
}

fn is_text(t: &DataType) -> bool {
    match t {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => true,
        DataType::Dictionary(_, v) => is_text(v),
        _ => false,
    }
}

fn check_type(spec: &Spec, t: &DataType) -> Result<(), String> {
    let ok = match spec.kind {
        Kind::Text | Kind::Quarter => is_text(t),
        Kind::Label => is_text(t) || t.is_integer(),
        Kind::Month => is_text(t) || matches!(t, DataType::Date32 | DataType::Date64 | DataType::Timestamp(..)),
        Kind::Points | Kind::Money => {
            if matches!(t, DataType::Float16 | DataType::Float32 | DataType::Float64) {
                return Err(format!(
                    "is {t}, a binary floating-point type that cannot hold exact {what}; write it as DECIMAL(38,4) or an integer \
                     (DuckDB: CAST({name} AS DECIMAL(38,4)); pyarrow: pc.cast(col, pa.decimal128(38, 4)))",
                    what = if spec.kind == Kind::Money { "money" } else { "points" },
                    name = spec.name
                ));
            }
            if is_text(t) {
                return Err(format!(
                    "is text ({t}) but holds numbers; write it as DECIMAL(38,4) or an integer column (decimal text is accepted in CSV files only)"
                ));
            }
            t.is_integer() || matches!(t, DataType::Decimal32(..) | DataType::Decimal64(..) | DataType::Decimal128(..))
        }
    };
    if ok {
        Ok(())
    } else {
        let expected = match spec.kind {
            Kind::Text => "text",
            Kind::Label => "text or an integer",
            Kind::Quarter => "text YYYYQn",
            Kind::Month => "text YYYY-MM or a date",
            Kind::Points | Kind::Money => "an integer or DECIMAL",
        };
        let hint = match spec.kind {
            // a numeric code read as a number: cast it back to text
            Kind::Text if t.is_integer() => format!(
                " (DuckDB: CAST({name} AS VARCHAR); pyarrow: pc.cast(col, pa.string()); mind leading zeros a number has lost)",
                name = spec.name
            ),
            _ => String::new(),
        };
        Err(format!("has type {t}; expected {expected}{hint}"))
    }
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
        let sheet = crate::xlsx::read_sheet(path)?;
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
        let data = batch.map_err(|e| decode(&e))?;
        check_decoded(&data, &unit.types)
            .map_err(|m| InputError::file(path, format!("not a readable Parquet file: {m}; export it again")))?;
        let n = data.num_rows() as u64;
        each(&Batch { data, rows: RowNumbers::From(next) })?;
        next += n;
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

/// An error at a cell of a batch.
pub fn cell_error(path: &Path, batch: &Batch, spec: &Spec, i: usize, message: impl Into<String>) -> InputError {
    InputError {
        file: path.to_path_buf(),
        place: Place::Cell { column: spec.name.to_string(), row: batch.row(i), csv: batch.is_csv() },
        message: message.into(),
    }
}

/// Text values (and their interning) shared across the batches of a unit.
#[derive(Default)]
pub struct Interner {
    ids: HashMap<Box<str>, u32, foldhash::fast::FixedState>,
    pub names: Vec<Box<str>>,
    /// Whether each text is empty or only blanks (checked once per distinct text).
    pub blank: Vec<bool>,
    /// The last dictionary seen per column, reused while the reader hands out the same
    /// dictionary buffers (one per Parquet column chunk).
    dictionaries: HashMap<usize, SeenDictionary>,
}

impl Interner {
    pub fn id(&mut self, s: &str) -> u32 {
        // a text cell is its text without surrounding blanks, in Parquet as in CSV (whose reader
        // trims every cell): " 济南" and "济南" are one region
        let s = s.trim();
        if let Some(&id) = self.ids.get(s) {
            return id;
        }
        let id = u32::try_from(self.names.len()).expect("fewer than 4 billion distinct texts");
        self.names.push(s.into());
        self.blank.push(s.is_empty());
        self.ids.insert(s.into(), id);
        id
    }

    /// Whether a cell is null or blank.
    pub fn is_blank(&self, id: Option<u32>) -> bool {
        id.is_none_or(|id| self.blank[id as usize])
    }
}

/// Interned text per row into `out` (cleared first); `None` for null cells. Dictionary
/// columns are interned once per dictionary; `column` keys the dictionary cache. Returns the
/// first row that is null or blank.
pub fn text_ids(
    array: &dyn Array,
    interner: &mut Interner,
    column: usize,
    out: &mut Vec<Option<u32>>,
) -> Option<usize> {
    out.clear();
    out.reserve(array.len());
    let may_be_blank = each_text_id(array, interner, column, |_, _, id| {
        out.push(id);
        Ok::<(), ()>(())
    })
    .expect("pushing cannot fail");
    if may_be_blank {
        out.iter().position(|id| interner.is_blank(*id))
    } else {
        None
    }
}

/// The text of each row, borrowed from the array (`None` for null cells); for tables read
/// once, where interning would cost more than it saves.
pub fn texts(array: &dyn Array) -> Vec<Option<&str>> {
    fn plain(array: &dyn Array) -> Vec<Option<&str>> {
        match array.data_type() {
            DataType::Utf8 => array.as_string::<i32>().iter().collect(),
            DataType::LargeUtf8 => array.as_string::<i64>().iter().collect(),
            DataType::Utf8View => array.as_string_view().iter().collect(),
            t => unreachable!("text column of type {t} passed the schema check"),
        }
    }
    match array.as_any_dictionary_opt() {
        Some(dict) => {
            let values = plain(dict.values().as_ref());
            let keys = dict.normalized_keys();
            (0..array.len()).map(|i| if array.is_null(i) { None } else { values[keys[i]] }).collect()
        }
        None => plain(array),
    }
}

/// The text of each row of a label column: its texts, or the decimal digits of its integers.
pub fn labels(array: &dyn Array) -> Vec<Option<std::borrow::Cow<'_, str>>> {
    use std::borrow::Cow;
    fn ints<T: ArrowPrimitiveType>(a: &dyn Array) -> Vec<Option<Cow<'static, str>>>
    where
        T::Native: ToString,
    {
        a.as_primitive::<T>().iter().map(|v| v.map(|v| Cow::Owned(v.to_string()))).collect()
    }
    match array.data_type() {
        DataType::Int8 => ints::<Int8Type>(array),
        DataType::Int16 => ints::<Int16Type>(array),
        DataType::Int32 => ints::<Int32Type>(array),
        DataType::Int64 => ints::<Int64Type>(array),
        DataType::UInt8 => ints::<UInt8Type>(array),
        DataType::UInt16 => ints::<UInt16Type>(array),
        DataType::UInt32 => ints::<UInt32Type>(array),
        DataType::UInt64 => ints::<UInt64Type>(array),
        _ => texts(array).into_iter().map(|t| t.map(Cow::Borrowed)).collect(),
    }
}

/// A dictionary seen last in a column, with the interned id of each of its texts. The
/// dictionary itself is kept so that its buffers cannot be freed and reused by one with other
/// texts while it is compared against.
struct SeenDictionary {
    values: ArrayRef,
    ids: Vec<Option<u32>>,
    /// Whether any of its texts is null or blank.
    blank: bool,
}

/// Calls `f(interner, row, id)` for every row of a text column, interning as it goes; stops at
/// the first error. Returns whether any row may be null or blank (false only when neither the
/// column nor its dictionary has one, so that rows need no check).
fn each_text_id<E>(
    array: &dyn Array,
    interner: &mut Interner,
    column: usize,
    mut f: impl FnMut(&Interner, usize, Option<u32>) -> Result<(), E>,
) -> Result<bool, E> {
    if let Some(dict) = array.as_any_dictionary_opt() {
        let values = dict.values();
        if interner.dictionaries.get(&column).is_none_or(|d| !d.values.to_data().ptr_eq(&values.to_data())) {
            let mut ids = Vec::with_capacity(values.len());
            each_plain_text_id(values.as_ref(), interner, |_, _, id| {
                ids.push(id);
                Ok::<(), ()>(())
            })
            .expect("pushing cannot fail");
            let blank = ids.iter().any(|id| interner.is_blank(*id));
            interner.dictionaries.insert(column, SeenDictionary { values: values.clone(), ids, blank });
        }
        let interner = &*interner;
        let seen = &interner.dictionaries[&column];
        let nulls = array.logical_nulls();
        let with_nulls = nulls.is_some();
        let id = |i: usize, k: usize| match &nulls {
            Some(n) if n.is_null(i) => None,
            _ => seen.ids[k],
        };
        // Int32 keys (what the reader is asked for) are read in place
        if let Some(d) = array.as_any().downcast_ref::<DictionaryArray<Int32Type>>() {
            d.keys().values().iter().enumerate().try_for_each(|(i, k)| f(interner, i, id(i, *k as usize)))?;
        } else {
            dict.normalized_keys().into_iter().enumerate().try_for_each(|(i, k)| f(interner, i, id(i, k)))?;
        }
        return Ok(with_nulls || seen.blank);
    }
    each_plain_text_id(array, interner, f)?;
    Ok(true)
}

/// [`each_text_id`] of a text column that is not a dictionary.
fn each_plain_text_id<E>(
    array: &dyn Array,
    interner: &mut Interner,
    mut f: impl FnMut(&Interner, usize, Option<u32>) -> Result<(), E>,
) -> Result<(), E> {
    macro_rules! each {
        ($a:expr) => {
            for (i, v) in $a.iter().enumerate() {
                let id = v.map(|s| interner.id(s));
                f(interner, i, id)?;
            }
        };
    }
    match array.data_type() {
        DataType::Utf8 => each!(array.as_string::<i32>()),
        DataType::LargeUtf8 => each!(array.as_string::<i64>()),
        DataType::Utf8View => each!(array.as_string_view()),
        t => unreachable!("text column of type {t} passed the schema check"),
    }
    Ok(())
}

/// Appends the values of an integer or decimal array to `out` as exact i128 (a decimal's
/// mantissa, at its own scale); false, appending nothing, for any other type.
pub fn mantissas(a: &dyn Array, out: &mut Vec<i128>) -> bool {
    fn widen<T: ArrowPrimitiveType>(a: &dyn Array, out: &mut Vec<i128>)
    where
        i128: From<T::Native>,
    {
        out.extend(a.as_primitive::<T>().values().iter().map(|v| i128::from(*v)));
    }
    match a.data_type() {
        DataType::Decimal128(..) => out.extend_from_slice(a.as_primitive::<Decimal128Type>().values()),
        DataType::Decimal64(..) => widen::<Decimal64Type>(a, out),
        DataType::Decimal32(..) => widen::<Decimal32Type>(a, out),
        DataType::Int8 => widen::<Int8Type>(a, out),
        DataType::Int16 => widen::<Int16Type>(a, out),
        DataType::Int32 => widen::<Int32Type>(a, out),
        DataType::Int64 => widen::<Int64Type>(a, out),
        DataType::UInt8 => widen::<UInt8Type>(a, out),
        DataType::UInt16 => widen::<UInt16Type>(a, out),
        DataType::UInt32 => widen::<UInt32Type>(a, out),
        DataType::UInt64 => widen::<UInt64Type>(a, out),
        _ => return false,
    }
    true
}

/// Exact values at internal scale (4 decimals) per row, nulls as 0 (callers that must tell a
/// null from 0 ask the array): the array's own values when they are DECIMAL(_, 4) without
/// nulls, else converted into `out`. `Err((row index, message))` for a value that is not
/// exact at 4 decimals.
pub fn fixed_values<'a>(array: &'a dyn Array, out: &'a mut Vec<i128>) -> Result<&'a [i128], (usize, String)> {
    if let (DataType::Decimal128(_, 4), 0) = (array.data_type(), array.null_count()) {
        return Ok(array.as_primitive::<Decimal128Type>().values());
    }
    out.clear();
    out.reserve(array.len());
    match array.data_type() {
        // integers are whole: × 10^4
        t if t.is_integer() => {
            mantissas(array, out);
            out.iter_mut().for_each(|v| *v *= 10_000);
        }
        DataType::Decimal32(_, s) | DataType::Decimal64(_, s) | DataType::Decimal128(_, s) => {
            mantissas(array, out);
            let scale = (*s).max(0) as u32;
            if scale != SCALE {
                for (i, m) in out.iter_mut().enumerate() {
                    let d = Dec::new(*m, scale);
                    *m = d.rescale_exact(SCALE).ok_or_else(|| {
                        // fewer decimals can only fail by overflowing; more only by losing digits
                        let why = if scale > SCALE {
                            "has more than 4 decimals".to_string()
                        } else {
                            format!(
                                "is too large: the engine holds at most {} digits before the decimal point",
                                38 - SCALE
                            )
                        };
                        (i, format!("{d} {why}"))
                    })?;
                }
            }
        }
        DataType::Utf8 => {
            for (i, v) in array.as_string::<i32>().iter().enumerate() {
                out.push(match v {
                    None => 0,
                    Some(text) => {
                        let d: Dec = text.parse().map_err(|e: dianzhi_core::number::NotDecimal| (i, e.to_string()))?;
                        d.rescale_exact(SCALE).ok_or_else(|| (i, format!("{text} has more than 4 decimals")))?
                    }
                });
            }
        }
        t => unreachable!("number column of type {t} passed the schema check"),
    }
    if array.null_count() > 0 {
        // the slot under a null may hold anything; nulls count as 0
        out.iter_mut().enumerate().filter(|(i, _)| array.is_null(*i)).for_each(|(_, v)| *v = 0);
    }
    Ok(out)
}

/// The values of a number column at internal scale in 64 bits, when the column allows it
/// without a null: its own buffer for DECIMAL(≤ 18, 4), integers × 10^4 (checked) into `out`.
/// `None` sends the batch to [`fixed_values`].
pub fn narrow_values<'a>(array: &'a dyn Array, out: &'a mut Vec<i64>) -> Option<&'a [i64]> {
    if array.null_count() > 0 {
        return None;
    }
    let scaled = |out: &'a mut Vec<i64>, values: &mut dyn Iterator<Item = i64>| {
        out.clear();
        for v in values {
            out.push(v.checked_mul(10_000)?);
        }
        Some(&out[..])
    };
    match array.data_type() {
        DataType::Decimal64(_, 4) => Some(array.as_primitive::<Decimal64Type>().values()),
        DataType::Int64 => scaled(out, &mut array.as_primitive::<Int64Type>().values().iter().copied()),
        DataType::Int32 => scaled(out, &mut array.as_primitive::<Int32Type>().values().iter().map(|v| i64::from(*v))),
        _ => None,
    }
}

/// The first null row of a column, if any.
pub fn first_null(array: &dyn Array) -> Option<usize> {
    (array.null_count() > 0).then(|| (0..array.len()).find(|i| array.is_null(*i))).flatten()
}

/// Months per row into `out` (cleared first); text months are parsed once per distinct value.
/// `column` keys the dictionary cache.
pub fn month_values(
    array: &dyn Array,
    column: usize,
    interner: &mut Interner,
    parsed: &mut Vec<Option<Month>>,
    out: &mut Vec<Option<Month>>,
) -> Result<(), (usize, String)> {
    let from_days = |days: Option<i64>| days.map(Month::from_epoch_days);
    let per_day = |unit: &TimeUnit| match unit {
        TimeUnit::Second => 86_400i64,
        TimeUnit::Millisecond => 86_400_000,
        TimeUnit::Microsecond => 86_400_000_000,
        TimeUnit::Nanosecond => 86_400_000_000_000,
    };
    out.clear();
    match array.data_type() {
        DataType::Date32 => out.extend(array.as_primitive::<Date32Type>().iter().map(|d| from_days(d.map(i64::from)))),
        DataType::Date64 => out.extend(
            array.as_primitive::<Date64Type>().iter().map(|d| from_days(d.map(|ms| ms.div_euclid(86_400_000)))),
        ),
        // an instant in a zone is placed in that zone's calendar (2026-04-01 00:30 in Taipei is
        // April there, though March in UTC); a naive timestamp is wall-clock time as written
        DataType::Timestamp(unit, Some(zone)) => {
            let zone = Zone::parse(zone).map_err(|m| (0, m))?;
            let per_second = per_day(unit) / 86_400;
            let day = |t: Option<i64>| from_days(t.map(|t| zone.local_days(t.div_euclid(per_second))));
            match unit {
                TimeUnit::Second => out.extend(array.as_primitive::<TimestampSecondType>().iter().map(day)),
                TimeUnit::Millisecond => out.extend(array.as_primitive::<TimestampMillisecondType>().iter().map(day)),
                TimeUnit::Microsecond => out.extend(array.as_primitive::<TimestampMicrosecondType>().iter().map(day)),
                TimeUnit::Nanosecond => out.extend(array.as_primitive::<TimestampNanosecondType>().iter().map(day)),
            }
        }
        DataType::Timestamp(unit, None) => {
            let per = per_day(unit);
            let day = |t: Option<i64>| from_days(t.map(|t| t.div_euclid(per)));
            match unit {
                TimeUnit::Second => out.extend(array.as_primitive::<TimestampSecondType>().iter().map(day)),
                TimeUnit::Millisecond => out.extend(array.as_primitive::<TimestampMillisecondType>().iter().map(day)),
                TimeUnit::Microsecond => out.extend(array.as_primitive::<TimestampMicrosecondType>().iter().map(day)),
                TimeUnit::Nanosecond => out.extend(array.as_primitive::<TimestampNanosecondType>().iter().map(day)),
            }
        }
        _ => parsed_text(
            array,
            column,
            interner,
            parsed,
            |s| Month::from_month_or_date(s).map_err(|e| e.to_string()),
            out,
        )?,
    }
    Ok(())
}

/// The zone of a zoned timestamp column: an IANA name (Asia/Taipei) or a fixed offset (+08:00).
enum Zone {
    Named(chrono_tz::Tz),
    Fixed(chrono::FixedOffset),
}

impl Zone {
    fn parse(text: &str) -> Result<Zone, String> {
        if let Ok(tz) = text.parse::<chrono_tz::Tz>() {
            return Ok(Zone::Named(tz));
        }
        let offset = |t: &str| -> Option<chrono::FixedOffset> {
            let (sign, rest) = match t.as_bytes().first()? {
                b'+' => (1, &t[1..]),
                b'-' => (-1, &t[1..]),
                _ => return None,
            };
            let (h, m) = rest.split_once(':').unwrap_or((rest.get(..2)?, rest.get(2..).unwrap_or("0")));
            let seconds = h.parse::<i32>().ok()? * 3600 + m.parse::<i32>().ok()? * 60;
            chrono::FixedOffset::east_opt(sign * seconds)
        };
        offset(text).map(Zone::Fixed).ok_or_else(|| {
            format!(
                "the timestamps' zone '{text}' is neither a time zone name (e.g. Asia/Taipei) nor an offset (+08:00)"
            )
        })
    }

    /// Days since 1970-01-01 of the local date of an instant (seconds since the epoch, UTC).
    fn local_days(&self, seconds: i64) -> i64 {
        use chrono::{NaiveDate, TimeZone};
        let utc = chrono::DateTime::from_timestamp(seconds, 0).unwrap_or_default().naive_utc();
        let date = match self {
            Zone::Named(tz) => tz.from_utc_datetime(&utc).date_naive(),
            Zone::Fixed(o) => o.from_utc_datetime(&utc).date_naive(),
        };
        (date - NaiveDate::from_ymd_opt(1970, 1, 1).expect("the epoch")).num_days()
    }
}

/// Quarters per row from `YYYYQn` text into `out` (cleared first), parsed once per distinct value.
pub fn quarter_values(
    array: &dyn Array,
    column: usize,
    interner: &mut Interner,
    parsed: &mut Vec<Option<Quarter>>,
    out: &mut Vec<Option<Quarter>>,
) -> Result<(), (usize, String)> {
    out.clear();
    out.reserve(array.len());
    each_text_id(array, interner, column, |interner, i, id| {
        let Some(id) = id.map(|id| id as usize) else {
            out.push(None);
            return Ok(());
        };
        if parsed.len() <= id {
            parsed.resize(interner.names.len(), None);
        }
        // a blank text (texts are trimmed) is an empty cell, as in CSV: the quarter of service_month
        if parsed[id].is_none() && !interner.names[id].is_empty() {
            parsed[id] = Some(interner.names[id].parse::<Quarter>().map_err(|e| (i, e.to_string()))?);
        }
        out.push(parsed[id]);
        Ok(())
    })
    .map(|_| ())
}

/// Parses a text column through the interner into `out`, caching the parse of each distinct value.
fn parsed_text<T: Copy>(
    array: &dyn Array,
    column: usize,
    interner: &mut Interner,
    cache: &mut Vec<Option<T>>,
    parse: impl Fn(&str) -> Result<T, String>,
    out: &mut Vec<Option<T>>,
) -> Result<(), (usize, String)> {
    out.reserve(array.len());
    each_text_id(array, interner, column, |interner, i, id| {
        let Some(id) = id else {
            out.push(None);
            return Ok(());
        };
        let id = id as usize;
        if cache.len() <= id {
            cache.resize(interner.names.len(), None);
        }
        if cache[id].is_none() {
            cache[id] = Some(parse(&interner.names[id]).map_err(|e| (i, e))?);
        }
        out.push(cache[id]);
        Ok(())
    })?;
    Ok(())
}

/// Checks a money value (internal scale) is a multiple of the unit.
pub fn check_money(value: i128, unit: MoneyUnit) -> Result<(), String> {
    if unit.is_multiple(value) {
        Ok(())
    } else {
        Err(format!(
            "{} is not a multiple of the money unit {}; round the amount to the unit or set [money] unit in the config",
            dianzhi_core::number::show(value),
            unit.as_dec()
        ))
    }
}

/// `10^exp` as i128 for scaling output.
pub fn scale_factor(exp: u32) -> i128 {
    pow10(exp).expect("small exponent")
}
