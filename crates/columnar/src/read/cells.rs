//! A table of any shape read one column at a time, for `compare` on tables of any size: a
//! Parquet column is decoded when it is asked for (decimals and integers as exact numbers,
//! text columns stored with a dictionary as codes into it), so that no more than a column or
//! two of either table is held at once. CSV and workbook sheets cannot be read by column: they
//! are read once, every cell as text, and kept compact.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::*;
use arrow_array::{Array, ArrayRef};
use arrow_schema::{DataType, Field, Schema};
use parquet::arrow::arrow_reader::{ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder};
use parquet::arrow::ProjectionMask;

use crate::error::InputError;
use crate::read::guarded;
use crate::read::source::{Format, Source};
use crate::read::text_table::TextTable;

/// Rows per decoded batch.
const BATCH: usize = 64 * 1024;

/// Texts end to end, one per row, each `None` when the cell is empty.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Texts {
    data: String,
    ends: Vec<usize>,
    nulls: Vec<bool>,
}

impl Texts {
    pub fn with_capacity(rows: usize) -> Self {
        Texts::with_capacity_and_bytes(rows, 0)
    }
    /// Room for `rows` cells of `bytes` of text in all: a column read whole is held without the
    /// spare half (and the copy) of a buffer grown by doubling.
    pub fn with_capacity_and_bytes(rows: usize, bytes: usize) -> Self {
        Texts { data: String::with_capacity(bytes), ends: Vec::with_capacity(rows), nulls: Vec::with_capacity(rows) }
    }
    /// Appends a cell; an empty text is an empty cell, as in CSV.
    pub fn push(&mut self, text: Option<&str>) {
        let text = text.filter(|t| !t.is_empty());
        self.data.push_str(text.unwrap_or(""));
        self.ends.push(self.data.len());
        self.nulls.push(text.is_none());
    }
    /// Appends an Arrow text array's cells, its text copied whole.
    fn extend<O: arrow_array::OffsetSizeTrait>(&mut self, a: &arrow_array::GenericStringArray<O>) {
        let offsets = a.value_offsets();
        let (first, last) = (offsets[0].as_usize(), offsets[a.len()].as_usize());
        let base = self.data.len();
        self.data.push_str(std::str::from_utf8(&a.value_data()[first..last]).expect("an Arrow text array is UTF-8"));
        self.ends.extend(offsets[1..].iter().map(|o| base + o.as_usize() - first));
        let nulls = a.logical_nulls();
        // an empty text is an empty cell, as in CSV
        self.nulls.extend(
            offsets.windows(2).enumerate().map(|(i, w)| w[0] == w[1] || nulls.as_ref().is_some_and(|n| n.is_null(i))),
        );
    }
    pub fn len(&self) -> usize {
        self.ends.len()
    }
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }
    pub fn get(&self, i: usize) -> Option<&str> {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        (!self.nulls[i]).then(|| &self.data[start..self.ends[i]])
    }
}

/// The code of an empty cell in [`Cells::Coded`].
pub const EMPTY: u32 = u32::MAX;

/// The cells of one column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cells {
    /// Exact numbers (a Parquet decimal or integer column): mantissas at `scale`; `nulls` is
    /// empty when no cell is, else one flag per row.
    Numbers { scale: u32, values: Vec<i128>, nulls: Vec<bool> },
    /// Texts stored with a dictionary: each row's index into `texts` ([`EMPTY`]: an empty
    /// cell). A text may appear more than once in `texts` (one dictionary per Parquet row group).
    Coded { texts: Vec<String>, codes: Vec<u32> },
    /// Texts, one per row: CSV cells, Parquet texts without a dictionary, floats in their
    /// shortest exact form, booleans.
    Texts(Texts),
}

impl Cells {
    pub fn len(&self) -> usize {
        match self {
            Cells::Numbers { values, .. } => values.len(),
            Cells::Coded { codes, .. } => codes.len(),
            Cells::Texts(t) => t.len(),
        }
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Row `i` as text: numbers with their scale's digits (what [`TextTable`] holds).
    pub fn text(&self, i: usize) -> Option<std::borrow::Cow<'_, str>> {
        use std::borrow::Cow;
        match self {
            Cells::Numbers { scale, values, nulls } => (nulls.is_empty() || !nulls[i])
                .then(|| Cow::Owned(dianzhi_core::number::format_fixed(values[i], *scale))),
            Cells::Coded { texts, codes } => {
                (codes[i] != EMPTY).then(|| Cow::Borrowed(texts[codes[i] as usize].as_str()))
            }
            Cells::Texts(t) => t.get(i).map(Cow::Borrowed),
        }
    }
}

/// A table whose columns are read when asked for.
pub struct ColumnTable {
    pub path: PathBuf,
    pub names: Vec<String>,
    rows: usize,
    /// Parquet: the file's metadata; else every column, read once.
    content: Content,
}

enum Content {
    Parquet(ArrowReaderMetadata),
    Text(Vec<Texts>),
}

impl ColumnTable {
    /// Opens a table: reads a Parquet file's metadata, a CSV file or sheet whole. Refuses a
    /// repeated column name (naming file and columns).
    pub fn open(source: &Source) -> Result<ColumnTable, InputError> {
        let path = &source.path;
        let table = match source.format() {
            Format::Parquet => {
                let file = File::open(path).map_err(|e| InputError::file(path, format!("cannot open: {e}")))?;
                let meta = guarded(path, || ArrowReaderMetadata::load(&file, ArrowReaderOptions::new()))?
                    .map_err(|e| InputError::file(path, format!("not a readable Parquet file: {e}")))?;
                let names = meta.schema().fields().iter().map(|f| f.name().clone()).collect();
                let rows = usize::try_from(meta.metadata().file_metadata().num_rows()).unwrap_or(0);
                ColumnTable { path: path.clone(), names, rows, content: Content::Parquet(meta) }
            }
            Format::Csv => {
                // straight into compact columns: a cell is never a String of its own
                let mut reader = crate::read::text::csv_reader(path, source.encoding)?;
                let bad = |e: csv::Error| crate::read::text::csv_error(path, "not a readable CSV file", &e);
                let names: Vec<String> = reader.headers().map_err(bad)?.iter().map(|h| h.trim().to_string()).collect();
                let mut columns = vec![Texts::default(); names.len()];
                let mut record = csv::StringRecord::new();
                let mut rows = 0;
                while reader.read_record(&mut record).map_err(bad)? {
                    for (c, cell) in columns.iter_mut().zip(record.iter()) {
                        c.push(Some(cell));
                    }
                    rows += 1;
                }
                ColumnTable { path: path.clone(), names, rows, content: Content::Text(columns) }
            }
            Format::Xlsx => {
                let t = crate::read::text_table::read_text_table(source)?;
                return Ok(ColumnTable::from(t));
            }
        };
        refuse_repeated(path, &table.names)?;
        Ok(table)
    }

    pub fn rows(&self) -> usize {
        self.rows
    }

    pub fn has(&self, name: &str) -> bool {
        self.names.iter().any(|n| n == name)
    }

    /// One column's cells. Refuses (naming file and column) a Parquet type that has no exact
    /// text (lists, structs, binary).
    pub fn cells(&self, name: &str) -> Result<Cells, InputError> {
        let at = self
            .names
            .iter()
            .position(|n| n == name)
            .ok_or_else(|| InputError::column(&self.path, name, "no such column".to_string()))?;
        match &self.content {
            Content::Text(columns) => Ok(Cells::Texts(columns[at].clone())),
            Content::Parquet(meta) => read_parquet_column(&self.path, meta, at, name),
        }
    }
}

impl From<TextTable> for ColumnTable {
    /// A table already read as text (CSV, a sheet, or one made in a test).
    fn from(t: TextTable) -> Self {
        let rows = t.rows();
        let columns = t
            .columns
            .iter()
            .map(|c| {
                let mut texts = Texts::with_capacity(c.len());
                c.iter().for_each(|v| texts.push(v.as_deref()));
                texts
            })
            .collect();
        ColumnTable { path: t.path, names: t.names, rows, content: Content::Text(columns) }
    }
}

fn refuse_repeated(path: &Path, names: &[String]) -> Result<(), InputError> {
    for (i, n) in names.iter().enumerate() {
        if let Some(j) = names[..i].iter().position(|m| m == n) {
            return Err(InputError::column(
                path,
                n,
                format!("appears twice (columns {} and {}); rename or drop one", j + 1, i + 1),
            ));
        }
    }
    Ok(())
}

fn read_parquet_column(path: &Path, meta: &ArrowReaderMetadata, at: usize, name: &str) -> Result<Cells, InputError> {
    let unreadable =
        |e: parquet::errors::ParquetError| InputError::file(path, format!("not a readable Parquet file: {e}"));
    let no_text = |t: &DataType| {
        InputError::column(path, name, format!("has type {t}, which has no exact text; export it as text or a decimal"))
    };
    let field = meta.schema().field(at);
    // a text column whose every row group has a dictionary is read as codes into it: each
    // distinct text is decoded once per row group, not once per row
    let dictionary = matches!(field.data_type(), DataType::Utf8 | DataType::LargeUtf8)
        && meta.metadata().row_groups().iter().all(|rg| rg.column(at).dictionary_page_offset().is_some());
    let meta = if dictionary {
        let fields: Vec<Field> = meta
            .schema()
            .fields()
            .iter()
            .enumerate()
            .map(|(i, f)| {
                if i == at {
                    f.as_ref().clone().with_data_type(DataType::Dictionary(
                        Box::new(DataType::Int32),
                        Box::new(f.data_type().clone()),
                    ))
                } else {
                    f.as_ref().clone()
                }
            })
            .collect();
        let options = ArrowReaderOptions::new().with_schema(Arc::new(Schema::new(fields)));
        let file = File::open(path).map_err(|e| InputError::file(path, format!("cannot open: {e}")))?;
        guarded(path, || ArrowReaderMetadata::load(&file, options))?.map_err(unreadable)?
    } else {
        meta.clone()
    };
    let file = File::open(path).map_err(|e| InputError::file(path, format!("cannot open: {e}")))?;
    let builder = ParquetRecordBatchReaderBuilder::new_with_metadata(file, meta.clone());
    // a flat schema: the field's leaf is the root column of the same index
    let mask = ProjectionMask::roots(meta.parquet_schema(), [at]);
    let reader = guarded(path, || builder.with_projection(mask).with_batch_size(BATCH).build())?.map_err(unreadable)?;
    let rows = usize::try_from(meta.metadata().file_metadata().num_rows()).unwrap_or(0);
    // the text's bytes, about: the column's uncompressed size less a plain text's 4-byte length
    let bytes = meta.metadata().row_groups().iter().map(|rg| {
        let c = rg.column(at);
        usize::try_from(c.uncompressed_size() - 4 * c.num_values()).unwrap_or(0)
    });
    let mut out = Builder::new(meta.schema().field(at).data_type(), rows, bytes.sum())
        .ok_or_else(|| no_text(field.data_type()))?;
    for batch in reader {
        let batch = batch.map_err(|e| InputError::file(path, format!("not a readable Parquet file: {e}")))?;
        out.push(batch.column(0)).map_err(|t| no_text(&t))?;
    }
    Ok(out.finish())
}

/// Cells being gathered batch by batch.
enum Builder {
    Numbers { scale: u32, values: Vec<i128>, nulls: Vec<bool>, any_null: bool },
    Coded { texts: Vec<String>, codes: Vec<u32>, seen: Option<(ArrayRef, u32)> },
    Texts(Texts),
}

impl Builder {
    /// `bytes`: about how many bytes of text a text column holds.
    fn new(t: &DataType, rows: usize, bytes: usize) -> Option<Builder> {
        let numbers = |scale: i8| {
            Some(Builder::Numbers {
                scale: u32::try_from(scale).ok()?,
                values: Vec::with_capacity(rows),
                nulls: Vec::with_capacity(rows),
                any_null: false,
            })
        };
        match t {
            DataType::Decimal128(_, s) | DataType::Decimal64(_, s) | DataType::Decimal32(_, s) => numbers(*s),
            t if t.is_integer() => numbers(0),
            DataType::Dictionary(_, _) => {
                Some(Builder::Coded { texts: Vec::new(), codes: Vec::with_capacity(rows), seen: None })
            }
            DataType::Utf8
            | DataType::LargeUtf8
            | DataType::Utf8View
            | DataType::Float64
            | DataType::Float32
            | DataType::Boolean
            | DataType::Null => Some(Builder::Texts(Texts::with_capacity_and_bytes(rows, bytes))),
            _ => None,
        }
    }

    fn push(&mut self, array: &ArrayRef) -> Result<(), DataType> {
        let a = array.as_ref();
        match self {
            Builder::Numbers { values, nulls, any_null, .. } => {
                let start = values.len();
                // every integer and decimal type widens to i128 exactly
                if !crate::read::mantissas(a, values) {
                    return Err(a.data_type().clone());
                }
                match a.logical_nulls() {
                    Some(n) => {
                        *any_null |= n.null_count() > 0;
                        nulls.extend(n.iter().map(|valid| !valid));
                    }
                    None => nulls.resize(start + a.len(), false),
                }
            }
            Builder::Coded { texts, codes, seen } => {
                let dict = a.as_any_dictionary_opt().ok_or_else(|| a.data_type().clone())?;
                let values = dict.values();
                // one dictionary per row group: its texts are added once, when it first appears
                let base = match seen {
                    Some((v, base)) if v.to_data().ptr_eq(&values.to_data()) => *base,
                    _ => {
                        let base = u32::try_from(texts.len()).expect("fewer than 4 billion dictionary texts");
                        let cells = crate::read::texts(values.as_ref());
                        texts.extend(cells.into_iter().map(|t| t.unwrap_or("").to_string()));
                        *seen = Some((values.clone(), base));
                        base
                    }
                };
                let nulls = a.logical_nulls();
                for (i, k) in dict.normalized_keys().into_iter().enumerate() {
                    let null = nulls.as_ref().is_some_and(|n| n.is_null(i));
                    // an empty text is an empty cell, as in CSV
                    let empty = !null && texts[base as usize + k].is_empty();
                    codes.push(if null || empty { EMPTY } else { base + k as u32 });
                }
            }
            Builder::Texts(t) => match a.data_type() {
                DataType::Utf8 => t.extend(a.as_string::<i32>()),
                DataType::LargeUtf8 => t.extend(a.as_string::<i64>()),
                DataType::Utf8View => a.as_string_view().iter().for_each(|v| t.push(v)),
                // Rust prints a float as the shortest decimal that reads back to it
                DataType::Float64 => {
                    a.as_primitive::<Float64Type>().iter().for_each(|v| t.push(v.map(|v| v.to_string()).as_deref()))
                }
                DataType::Float32 => {
                    a.as_primitive::<Float32Type>().iter().for_each(|v| t.push(v.map(|v| v.to_string()).as_deref()))
                }
                DataType::Boolean => a.as_boolean().iter().for_each(|v| t.push(v.map(|v| v.to_string()).as_deref())),
                DataType::Null => (0..a.len()).for_each(|_| t.push(None)),
                other => return Err(other.clone()),
            },
        }
        Ok(())
    }

    fn finish(self) -> Cells {
        match self {
            Builder::Numbers { scale, values, mut nulls, any_null } => {
                if !any_null {
                    nulls = Vec::new();
                }
                Cells::Numbers { scale, values, nulls }
            }
            Builder::Coded { texts, codes, .. } => Cells::Coded { texts, codes },
            Builder::Texts(t) => Cells::Texts(t),
        }
    }
}

/// A table's column names, read without its rows where the format allows (a Parquet file's
/// metadata, a CSV file's header).
pub fn column_names(source: &Source) -> Result<Vec<String>, InputError> {
    let path = &source.path;
    match source.format() {
        Format::Parquet => Ok(ColumnTable::open(source)?.names),
        Format::Csv => {
            let mut reader = crate::read::text::csv_reader(path, source.encoding)?;
            let h =
                reader.headers().map_err(|e| crate::read::text::csv_error(path, "cannot read the CSV header", &e))?;
            Ok(h.iter().map(|h| h.trim().to_string()).collect())
        }
        Format::Xlsx => Ok(crate::read::workbook::read_sheet(path)?.header),
    }
}
