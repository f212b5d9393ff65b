//! Summaries of output tables for `report`: a table read as text becomes a typed [`Summary`]
//! (numbers as exact Decimals), then is filtered, sorted and grouped by polars. polars stays
//! inside this crate: callers hold a `Summary` and read plain columns out of it.

use dianzhi_columnar::read::text_table::TextTable;
use polars::prelude::*;

use crate::frame::{decimal, guard, mantissas, typed, Typed, SAFE};
use crate::Error;

/// A table typed for summaries (a polars frame, kept private to this crate).
#[derive(Clone, Debug)]
pub struct Summary(DataFrame);

impl Summary {
    /// Its number of rows.
    pub fn height(&self) -> usize {
        self.0.height()
    }

    /// A table written by the engine (exact decimals at their scale), typed as it is.
    pub fn of_table(t: &dianzhi_columnar::write::Table) -> Result<Summary, Error> {
        Ok(Summary(crate::frame::from_table(t)?))
    }

    /// Its first `n` rows.
    pub fn head(&self, n: usize) -> Summary {
        Summary(self.0.head(Some(n)))
    }

    /// Any column's cells as text: numbers at their scale, texts as they are, "" for empty.
    pub fn cells(&self, name: &str) -> Result<Vec<String>, Error> {
        if let Ok((values, scale)) = numbers(self, name) {
            return Ok(values
                .into_iter()
                .map(|v| v.map(|v| dianzhi_core::number::format_fixed(v, scale)).unwrap_or_default())
                .collect());
        }
        let c = self.0.column(name)?.cast(&DataType::String)?;
        Ok(c.str()?.iter().map(|v| v.unwrap_or_default().to_string()).collect())
    }
}

/// A typed frame of a table: numeric columns (every cell a decimal) as Decimal(38, s), the
/// rest as String. Key-like columns stay text even when they look like numbers.
pub fn frame(t: &TextTable) -> Result<Summary, Error> {
    let mut columns = Vec::with_capacity(t.names.len());
    for (name, cells) in t.names.iter().zip(&t.columns) {
        let text = crate::compare::KEY_COLUMNS.contains(&name.as_str()) || name.ends_with("_id") || name == "status";
        columns.push(match if text { Typed::Text(cells.clone()) } else { typed(cells) } {
            Typed::Number { scale, values } => decimal(name.as_str().into(), values.into_iter(), scale)?,
            Typed::Text(v) => Column::new(name.as_str().into(), v),
        });
    }
    Ok(Summary(DataFrame::new(t.rows(), columns)?))
}

/// A numeric column's values as (mantissa, scale); `None` for empty cells.
pub fn numbers(summary: &Summary, name: &str) -> Result<(Vec<Option<i128>>, u32), Error> {
    let df = &summary.0;
    let c = df.column(name)?;
    match c.dtype() {
        DataType::Decimal(_, s) => Ok((mantissas(c)?, *s as u32)),
        t => Err(Error::Input(format!("column {name} holds text ({t}), not numbers"))),
    }
}

/// An integer column (e.g. a group's `rows`).
pub fn ints(summary: &Summary, name: &str) -> Result<Vec<i64>, Error> {
    let df = &summary.0;
    Ok(df.column(name)?.cast(&DataType::Int64)?.i64()?.iter().map(|v| v.unwrap_or_default()).collect())
}

pub fn texts(summary: &Summary, name: &str) -> Result<Vec<String>, Error> {
    let df = &summary.0;
    Ok(df.column(name)?.str()?.iter().map(|v| v.unwrap_or_default().to_string()).collect())
}

/// The `n` rows with the smallest values of `by` (stable: ties keep table order).
pub fn smallest(summary: &Summary, by: &str, n: usize) -> Result<Summary, Error> {
    let df = &summary.0;
    Ok(Summary(
        df.clone()
            .lazy()
            .sort([by], SortMultipleOptions::default().with_maintain_order(true).with_nulls_last(true))
            .limit(n as IdxSize)
            .collect()?,
    ))
}

/// Per group of `keys` (sorted): the row count as `rows` and the exact sum of each of
/// `values`. Sums are guarded: polars 0.55 adds decimals without checking for overflow.
pub fn sums_by(summary: &Summary, keys: &[&str], values: &[&str]) -> Result<Summary, Error> {
    let df = &summary.0;
    guard(df, values)?;
    // at most `rows` terms below 10^37 each: refuse what could exceed i128
    if (df.height() as u128).saturating_mul(SAFE as u128) > i128::MAX as u128 {
        let largest = values
            .iter()
            .map(|v| Ok(mantissas(df.column(v)?)?.into_iter().flatten().map(i128::unsigned_abs).max().unwrap_or(0)))
            .collect::<Result<Vec<u128>, Error>>()?;
        if largest.iter().any(|m| m.saturating_mul(df.height() as u128) > i128::MAX as u128) {
            return Err(Error::TooLarge(values.join(", ")));
        }
    }
    let mut aggs = vec![len().alias("rows")];
    aggs.extend(values.iter().map(|v| col(*v).sum()));
    Ok(Summary(
        df.clone()
            .lazy()
            .group_by_stable(keys.iter().map(|k| col(*k)).collect::<Vec<_>>())
            .agg(aggs)
            .sort(keys.iter().map(|k| k.to_string()).collect::<Vec<_>>(), SortMultipleOptions::default())
            .collect()?,
    ))
}

/// Per group of `keys` (sorted): how many rows have `column` above zero (`above`) and below it
/// (`below`). Only the sign of each decimal is looked at.
pub fn signs_by(summary: &Summary, keys: &[&str], column: &str) -> Result<Summary, Error> {
    let df = &summary.0;
    // a decimal's sign survives the cast to f64 (no nonzero decimal becomes 0.0)
    let v = col(column).cast(DataType::Float64);
    Ok(Summary(
        df.clone()
            .lazy()
            .group_by_stable(keys.iter().map(|k| col(*k)).collect::<Vec<_>>())
            .agg([v.clone().gt(lit(0.0)).sum().alias("above"), v.lt(lit(0.0)).sum().alias("below")])
            .sort(keys.iter().map(|k| k.to_string()).collect::<Vec<_>>(), SortMultipleOptions::default())
            .collect()?,
    ))
}

/// `a` with the columns of `b` beside each row whose `keys` match (rows of `a` in their order).
pub fn left_join(a: &Summary, b: &Summary, keys: &[&str]) -> Result<Summary, Error> {
    let on: Vec<Expr> = keys.iter().map(|k| col(*k)).collect();
    let mut args = JoinArgs::new(JoinType::Left);
    args.maintain_order = MaintainOrderJoin::Left;
    Ok(Summary(a.0.clone().lazy().join(b.0.clone().lazy(), on.clone(), on, args).collect()?))
}

/// The distinct values of a text column, sorted.
pub fn distinct(summary: &Summary, name: &str) -> Result<Vec<String>, Error> {
    let mut v = texts(summary, name)?;
    v.sort();
    v.dedup();
    Ok(v)
}
