//! Tables in and out of polars: dianzhi's output tables ([`Table`]) and tables read as text
//! ([`TextTable`]) become DataFrames with exact Decimal columns, and DataFrames become tables
//! the columnar crate writes. Decimals stay i128 mantissas at their scale throughout.

use std::borrow::Cow;

use dianzhi_columnar::read::text_table::TextTable;
use dianzhi_columnar::write::{Table, TextColumn, Values};
use dianzhi_core::number::{parse_decimal, Dec};
use polars::prelude::*;

use crate::Error;

/// The largest magnitude a Decimal column may hold before polars arithmetic on it: polars
/// 0.55 adds and subtracts i128 mantissas without checking, so two values below 10^37 (and
/// sums of fewer than 17 of them) cannot wrap.
pub const SAFE: i128 = 10i128.pow(37);

pub fn from_table(t: &Table) -> Result<DataFrame, Error> {
    let mut columns = Vec::with_capacity(t.columns.len());
    for (name, v) in &t.columns {
        let name = PlSmallStr::from(name.as_ref());
        columns.push(match v {
            Values::Text(v) => Column::new(name, v),
            Values::NullableText(v) => Column::new(name, v),
            Values::Texts { column, .. } => {
                Column::new(name, (0..column.len()).map(|i| column.get(i)).collect::<Vec<_>>())
            }
            Values::Int(v) => Column::new(name, v),
            Values::Decimal { values, scale, .. } => decimal(name, values.iter().copied(), *scale)?,
        });
    }
    Ok(DataFrame::new(t.rows(), columns)?)
}

/// A Decimal(38, scale) column of mantissas.
pub fn decimal(name: PlSmallStr, values: impl Iterator<Item = Option<i128>>, scale: u32) -> Result<Column, Error> {
    let ca = Int128Chunked::from_iter_options(name, values);
    Ok(ca.into_decimal(38, scale as usize)?.into_series().into_column())
}

/// A frame as a table to write. A column keeps the nullability and precision it has in `like`
/// (so a stacked table has the schema of its parts); others are nullable if they hold a null.
pub fn to_table(df: &DataFrame, like: &Table) -> Result<Table, Error> {
    let mut t = Table::default();
    for c in df.columns() {
        let name = c.name().to_string();
        let model = like.columns.iter().find(|(n, _)| *n == name).map(|(_, v)| v);
        let nullable = match model {
            Some(Values::Text(_) | Values::Int(_)) => false,
            Some(Values::NullableText(_)) => true,
            Some(Values::Texts { nullable, .. }) => *nullable,
            Some(Values::Decimal { nullable, .. }) => *nullable,
            None => c.null_count() > 0,
        };
        let values = match c.dtype() {
            DataType::String => {
                let mut column = TextColumn::with_capacity(c.len());
                c.str()?.iter().for_each(|v| column.push_option(v));
                Values::Texts { column, nullable }
            }
            DataType::Int64 => Values::Int(c.i64()?.iter().map(|v| v.unwrap_or_default()).collect()),
            DataType::Decimal(_, scale) => {
                let precision = match model {
                    Some(Values::Decimal { precision, .. }) => *precision,
                    _ => 38,
                };
                Values::Decimal { values: mantissas(c)?, scale: *scale as u32, nullable, precision }
            }
            t => return Err(Error::Internal(format!("column {name} has type {t}, which no output table holds"))),
        };
        t.push(Cow::Owned(name), values);
    }
    Ok(t)
}

/// The i128 mantissas of a Decimal column.
pub fn mantissas(c: &Column) -> Result<Vec<Option<i128>>, Error> {
    Ok(c.as_materialized_series().decimal()?.physical().iter().collect())
}

/// Fails unless every value of these Decimal columns is below [`SAFE`] in magnitude.
pub fn guard(df: &DataFrame, columns: &[&str]) -> Result<(), Error> {
    for name in columns {
        let c = df.column(name)?;
        if mantissas(c)?.into_iter().flatten().any(|v| v.unsigned_abs() >= SAFE as u128) {
            return Err(Error::TooLarge(name.to_string()));
        }
    }
    Ok(())
}

/// How a text column of a table read from a file is taken: as exact numbers (all its cells are
/// decimals) at the scale of its longest fraction, or as text.
pub enum Typed {
    Number { scale: u32, values: Vec<Option<i128>> },
    Text(Vec<Option<String>>),
}

pub fn typed(cells: &[Option<String>]) -> Typed {
    let mut parsed = Vec::with_capacity(cells.len());
    for c in cells {
        match c.as_deref().map(parse_decimal) {
            Some(Ok(d)) => parsed.push(Some(Dec::from(d).normalized())),
            Some(Err(_)) => return Typed::Text(cells.to_vec()),
            None => parsed.push(None),
        }
    }
    let scale = parsed.iter().flatten().map(|d| d.scale).max().unwrap_or(0);
    Typed::Number { scale, values: parsed.into_iter().map(|d| d.map(|d| at_scale(d, scale))).collect() }
}

/// `d` at a scale at least its own (exact: only adds zeros).
pub fn at_scale(d: Dec, scale: u32) -> i128 {
    d.rescale_exact(scale).expect("a decimal of ≤ 28 digits widens to a larger scale within i128")
}

/// A text table's cell column by name.
pub fn cells<'a>(t: &'a TextTable, name: &str) -> &'a [Option<String>] {
    t.column(name).unwrap_or(&[])
}
