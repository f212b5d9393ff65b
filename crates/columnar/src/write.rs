//! Writing output tables as Parquet (Decimal128 for every exact number) or CSV (plain
//! decimal text at the column's scale).

use std::fs::File;
use std::path::Path;
use std::sync::Arc;

use arrow_array::{ArrayRef, Decimal128Array, Int64Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema};
use dianzhi_core::number::format_fixed;
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;

use crate::error::{Error, Result};
use crate::source::Format;

/// The values of one output column.
pub enum Values {
    Text(Vec<String>),
    Int(Vec<i64>),
    /// Exact decimals: `value × 10^-scale`; `None` is written as null (Parquet) or empty (CSV).
    Decimal {
        values: Vec<Option<i128>>,
        scale: u32,
    },
}

/// An output table: named columns of equal length.
#[derive(Default)]
pub struct Table {
    pub columns: Vec<(&'static str, Values)>,
}

impl Table {
    pub fn text(&mut self, name: &'static str, v: Vec<String>) {
        self.columns.push((name, Values::Text(v)));
    }
    pub fn int(&mut self, name: &'static str, v: Vec<i64>) {
        self.columns.push((name, Values::Int(v)));
    }
    pub fn decimal(&mut self, name: &'static str, scale: u32, v: Vec<i128>) {
        self.columns.push((
            name,
            Values::Decimal {
                values: v.into_iter().map(Some).collect(),
                scale,
            },
        ));
    }
    pub fn nullable_decimal(&mut self, name: &'static str, scale: u32, v: Vec<Option<i128>>) {
        self.columns
            .push((name, Values::Decimal { values: v, scale }));
    }
    pub fn rows(&self) -> usize {
        self.columns.first().map_or(0, |(_, v)| match v {
            Values::Text(v) => v.len(),
            Values::Int(v) => v.len(),
            Values::Decimal { values, .. } => values.len(),
        })
    }
}

/// Writes `table` to `path` in `format`.
pub fn write_table(table: &Table, path: &Path, format: Format) -> Result<()> {
    let fail = |e: &dyn std::fmt::Display| Error::Output {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    match format {
        Format::Parquet => {
            let mut fields = Vec::new();
            let mut arrays: Vec<ArrayRef> = Vec::new();
            for (name, values) in &table.columns {
                let (field, array): (Field, ArrayRef) = match values {
                    Values::Text(v) => (
                        Field::new(*name, DataType::Utf8, false),
                        Arc::new(StringArray::from(v.clone())),
                    ),
                    Values::Int(v) => (
                        Field::new(*name, DataType::Int64, false),
                        Arc::new(Int64Array::from(v.clone())),
                    ),
                    Values::Decimal { values, scale } => {
                        let scale = i8::try_from(*scale).expect("scale ≤ 38");
                        let array = Decimal128Array::from(values.clone())
                            .with_precision_and_scale(38, scale)
                            .map_err(|e| fail(&e))?;
                        (
                            Field::new(
                                *name,
                                DataType::Decimal128(38, scale),
                                values.iter().any(Option::is_none),
                            ),
                            Arc::new(array),
                        )
                    }
                };
                fields.push(field);
                arrays.push(array);
            }
            let batch = RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays)
                .map_err(|e| fail(&e))?;
            let props = WriterProperties::builder()
                .set_compression(Compression::ZSTD(ZstdLevel::default()))
                .build();
            let file = File::create(path).map_err(|e| fail(&e))?;
            let mut writer =
                ArrowWriter::try_new(file, batch.schema(), Some(props)).map_err(|e| fail(&e))?;
            writer.write(&batch).map_err(|e| fail(&e))?;
            writer.close().map_err(|e| fail(&e))?;
        }
        Format::Csv => {
            let mut w = csv::Writer::from_path(path).map_err(|e| fail(&e))?;
            w.write_record(table.columns.iter().map(|(n, _)| *n))
                .map_err(|e| fail(&e))?;
            for i in 0..table.rows() {
                let record = table.columns.iter().map(|(_, v)| match v {
                    Values::Text(v) => v[i].clone(),
                    Values::Int(v) => v[i].to_string(),
                    Values::Decimal { values, scale } => {
                        values[i].map_or(String::new(), |x| format_fixed(x, *scale))
                    }
                });
                w.write_record(record).map_err(|e| fail(&e))?;
            }
            w.flush().map_err(|e| fail(&e))?;
        }
    }
    Ok(())
}
