//! Tables of any shape, read cell by cell as text: what `compare` and `report` read (outputs
//! of any dianzhi command, or tables from elsewhere such as published point values). Numbers
//! keep their written digits (a decimal column its scale), so nothing is lost before the
//! analysis decides what a column holds.

use std::fs::File;
use std::path::{Path, PathBuf};

use arrow_array::cast::AsArray;
use arrow_array::types::*;
use arrow_array::Array;
use arrow_schema::DataType;
use dianzhi_core::number::format_fixed;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use crate::error::InputError;
use crate::read::source::{Format, Source};
use crate::read::{guarded, labels, BATCH_ROWS};

/// A table as text: column names and, per column, one cell per row (`None`: null or empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextTable {
    pub path: PathBuf,
    pub names: Vec<String>,
    pub columns: Vec<Vec<Option<String>>>,
}

impl TextTable {
    pub fn rows(&self) -> usize {
        self.columns.first().map_or(0, Vec::len)
    }

    pub fn column(&self, name: &str) -> Option<&[Option<String>]> {
        self.names.iter().position(|n| n == name).map(|i| self.columns[i].as_slice())
    }
}

/// Reads a whole table. Refuses (naming the file and column) a repeated column name and a
/// Parquet column of a type that has no exact text (lists, structs, binary).
pub fn read_text_table(source: &Source) -> Result<TextTable, InputError> {
    let path = &source.path;
    let memory = crate::read::memory::lookup(path);
    let table = match memory.as_ref().map(|_| Format::Parquet).unwrap_or_else(|| source.format()) {
        Format::Parquet if memory.is_some() => {
            let table = memory.expect("looked up");
            let names = table.schema.fields().iter().map(|f| f.name().clone()).collect();
            text_columns(path, names, table.batches.iter().cloned().map(Ok))?
        }
        Format::Csv => read_csv(source)?,
        Format::Parquet => read_parquet(path)?,
        Format::Xlsx => {
            let sheet = crate::read::workbook::read_sheet(path)?;
            let mut columns = vec![Vec::with_capacity(sheet.rows.len()); sheet.header.len()];
            for (_, row) in &sheet.rows {
                for (c, column) in columns.iter_mut().enumerate() {
                    column.push(row.get(c).cloned().flatten());
                }
            }
            TextTable { path: path.to_path_buf(), names: sheet.header, columns }
        }
    };
    for (i, n) in table.names.iter().enumerate() {
        if let Some(j) = table.names[..i].iter().position(|m| m == n) {
            return Err(InputError::column(
                path,
                n,
                format!("appears twice (columns {} and {}); rename or drop one", j + 1, i + 1),
            ));
        }
    }
    Ok(table)
}

fn read_csv(source: &Source) -> Result<TextTable, InputError> {
    let path = &source.path;
    let mut reader = crate::read::text::csv_reader(path, source.encoding)?;
    let bad = |e: csv::Error| crate::read::text::csv_error(path, "not a readable CSV file", &e);
    let names: Vec<String> = reader.headers().map_err(bad)?.iter().map(|h| h.trim().to_string()).collect();
    let mut columns = vec![Vec::new(); names.len()];
    for record in reader.records() {
        let record = record.map_err(bad)?;
        for (c, cell) in columns.iter_mut().zip(record.iter()) {
            c.push((!cell.is_empty()).then(|| cell.to_string()));
        }
    }
    Ok(TextTable { path: path.to_path_buf(), names, columns })
}

fn read_parquet(path: &Path) -> Result<TextTable, InputError> {
    let file = File::open(path).map_err(|e| InputError::file(path, format!("cannot open: {e}")))?;
    let unreadable =
        |e: parquet::errors::ParquetError| InputError::file(path, format!("not a readable Parquet file: {e}"));
    let builder = guarded(path, || ParquetRecordBatchReaderBuilder::try_new(file))?.map_err(unreadable)?;
    let names: Vec<String> = builder.schema().fields().iter().map(|f| f.name().clone()).collect();
    let reader = guarded(path, || builder.with_batch_size(BATCH_ROWS).build())?.map_err(unreadable)?;
    text_columns(path, names, reader)
}

/// The cells of every batch as text, column by column.
fn text_columns(
    path: &Path,
    names: Vec<String>,
    batches: impl IntoIterator<Item = Result<arrow_array::RecordBatch, arrow_schema::ArrowError>>,
) -> Result<TextTable, InputError> {
    let mut columns = vec![Vec::new(); names.len()];
    for batch in batches {
        let batch = batch.map_err(|e| InputError::file(path, format!("not a readable Parquet file: {e}")))?;
        for ((c, name), array) in columns.iter_mut().zip(&names).zip(batch.columns()) {
            let texts = cells(array.as_ref()).map_err(|t| {
                InputError::column(
                    path,
                    name,
                    format!("has type {t}, which has no exact text; export it as text or a decimal"),
                )
            })?;
            // an empty text is empty, as in CSV
            c.extend(texts.into_iter().map(|t| t.filter(|t| !t.is_empty())));
        }
    }
    Ok(TextTable { path: path.to_path_buf(), names, columns })
}

/// Each cell of a column as text: decimals with their scale's digits, floats in their shortest
/// exact form, texts and integers as they are.
fn cells(array: &dyn Array) -> Result<Vec<Option<String>>, DataType> {
    let own = |v: Vec<Option<std::borrow::Cow<'_, str>>>| v.into_iter().map(|c| c.map(|c| c.into_owned())).collect();
    Ok(match array.data_type() {
        DataType::Decimal128(_, s) => {
            let s = u32::try_from(*s).map_err(|_| array.data_type().clone())?;
            array.as_primitive::<Decimal128Type>().iter().map(|v| v.map(|v| format_fixed(v, s))).collect()
        }
        DataType::Decimal64(_, s) => {
            let s = u32::try_from(*s).map_err(|_| array.data_type().clone())?;
            array.as_primitive::<Decimal64Type>().iter().map(|v| v.map(|v| format_fixed(i128::from(v), s))).collect()
        }
        DataType::Decimal32(_, s) => {
            let s = u32::try_from(*s).map_err(|_| array.data_type().clone())?;
            array.as_primitive::<Decimal32Type>().iter().map(|v| v.map(|v| format_fixed(i128::from(v), s))).collect()
        }
        // Rust prints a float as the shortest decimal that reads back to it, never with an exponent
        DataType::Float64 => array.as_primitive::<Float64Type>().iter().map(|v| v.map(|v| v.to_string())).collect(),
        DataType::Float32 => array.as_primitive::<Float32Type>().iter().map(|v| v.map(|v| v.to_string())).collect(),
        DataType::Boolean => array.as_boolean().iter().map(|v| v.map(|v| v.to_string())).collect(),
        DataType::Null => vec![None; array.len()],
        DataType::Int8
        | DataType::Int16
        | DataType::Int32
        | DataType::Int64
        | DataType::UInt8
        | DataType::UInt16
        | DataType::UInt32
        | DataType::UInt64
        | DataType::Utf8
        | DataType::LargeUtf8
        | DataType::Utf8View => own(labels(array)),
        DataType::Dictionary(_, v) if matches!(**v, DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View) => {
            own(labels(array))
        }
        t => return Err(t.clone()),
    })
}

/// The rows of a Parquet file from its metadata alone (`None` for another format or a file
/// that cannot be read: reading it whole will say why).
pub fn parquet_rows(path: &Path) -> Option<usize> {
    if Format::of(path) != Some(Format::Parquet) {
        return None;
    }
    let file = File::open(path).ok()?;
    let meta =
        guarded(path, || parquet::file::metadata::ParquetMetaDataReader::new().parse_and_finish(&file)).ok()?.ok()?;
    usize::try_from(meta.file_metadata().num_rows()).ok()
}
