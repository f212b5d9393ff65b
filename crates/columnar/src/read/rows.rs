//! Reading a small table whole (budgets, interim payments, the DIP lookup tables), row by row
//! with each row's number for messages.

use dianzhi_core::number::{show, MoneyUnit};
use dianzhi_core::period::Quarter;

use crate::error::{InputError, Result};
use crate::read::source::Source;
use crate::read::{self, cell_error, Batch, Interner, Kind, Layout, Spec};

/// One row of a small table: its texts, quarter and numbers in spec order, and where it came from.
pub struct Row {
    /// Text and label cells; an empty optional one is "".
    pub texts: Vec<String>,
    pub quarter: Option<Quarter>,
    /// Number cells; an empty optional one is 0 (see `given`).
    pub numbers: Vec<i128>,
    /// Whether each number cell was given (not empty).
    pub given: Vec<bool>,
    pub at: RowAt,
}

/// Where a row came from, shown as "row N" (Parquet) or "line N" (CSV) in messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RowAt {
    pub number: u64,
    pub csv: bool,
}

impl RowAt {
    /// An error at this row's cell of `column`.
    pub fn error(self, source: &Source, column: &str, message: impl Into<String>) -> InputError {
        InputError {
            file: source.path.clone(),
            place: crate::error::Place::Cell { column: column.into(), row: self.number, csv: self.csv },
            message: message.into(),
        }
    }
}

impl std::fmt::Display for RowAt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", if self.csv { "line" } else { "row" }, self.number)
    }
}

/// A column of a batch, read as its kind.
enum Cells<'a> {
    Text(Vec<Option<std::borrow::Cow<'a, str>>>),
    Quarter(Vec<Option<Quarter>>),
    Number(Vec<Option<i128>>),
}

/// Reads every row of a small table. Numbers must be ≥ 0 if `non_negative`; money must be a
/// multiple of `unit`; an absent optional number is 0, an absent optional text "".
pub fn read_rows(source: &Source, specs: &[Spec], unit: MoneyUnit, non_negative: bool) -> Result<(Vec<Row>, u64)> {
    let (layout, units): (Layout, _) = read::open(source, specs)?;
    let mut rows = Vec::new();
    let mut count = 0u64;
    for unit_ in &units {
        read::read_unit(unit_, |batch: &Batch| -> Result<()> {
            let path = &source.path;
            let err = |k: usize, i: usize, m: String| cell_error(path, batch, &specs[k], i, m);
            let mut periods = Interner::default();
            let mut cells = Vec::with_capacity(specs.len());
            for (k, spec) in specs.iter().enumerate() {
                let col = layout.columns[k].map(|c| batch.data.column(c).as_ref());
                cells.push(match (spec.kind, col) {
                    (Kind::Text | Kind::Label, Some(a)) => Cells::Text(read::labels(a)),
                    (Kind::Text | Kind::Label, None) => Cells::Text(vec![None; batch.len()]),
                    (Kind::Quarter, Some(a)) => {
                        let mut quarters = Vec::new();
                        read::quarter_values(a, k, &mut periods, &mut Vec::new(), &mut quarters)
                            .map_err(|(i, m)| err(k, i, m))?;
                        Cells::Quarter(quarters)
                    }
                    (Kind::Points | Kind::Money, Some(a)) => {
                        let mut buffer = Vec::new();
                        let values = read::fixed_values(a, &mut buffer).map_err(|(i, m)| err(k, i, m))?;
                        Cells::Number(values.iter().enumerate().map(|(i, v)| (!a.is_null(i)).then_some(*v)).collect())
                    }
                    (Kind::Points | Kind::Money, None) => Cells::Number(vec![None; batch.len()]),
                    (kind, _) => unreachable!("{kind:?} column {} is required in small tables", spec.name),
                });
            }
            for i in 0..batch.len() {
                let mut row = Row {
                    texts: Vec::with_capacity(specs.len()),
                    quarter: None,
                    numbers: Vec::with_capacity(specs.len()),
                    given: Vec::with_capacity(specs.len()),
                    at: RowAt { number: batch.row(i), csv: batch.is_csv() },
                };
                for (k, c) in cells.iter().enumerate() {
                    let name = specs[k].name;
                    match c {
                        Cells::Text(texts) => match &texts[i] {
                            // without surrounding blanks, in Parquet as in CSV
                            Some(t) if !t.trim().is_empty() => row.texts.push(t.trim().to_string()),
                            _ if !specs[k].required => row.texts.push(String::new()),
                            _ => return Err(err(k, i, format!("empty {name}; every row needs one")).into()),
                        },
                        Cells::Quarter(q) => {
                            row.quarter =
                                Some(q[i].ok_or_else(|| err(k, i, "empty quarter; give YYYYQn, e.g. 2026Q1".into()))?);
                        }
                        Cells::Number(values) => {
                            let v = match values[i] {
                                Some(v) => v,
                                None if !specs[k].required => 0,
                                None => return Err(err(k, i, format!("empty {name}; give a number")).into()),
                            };
                            if specs[k].kind == Kind::Money {
                                read::check_money(v, unit).map_err(|m| err(k, i, m))?;
                            }
                            if non_negative && v < 0 {
                                return Err(err(k, i, format!("{} is negative; {name} must be ≥ 0", show(v))).into());
                            }
                            row.numbers.push(v);
                            row.given.push(values[i].is_some());
                        }
                    }
                }
                rows.push(row);
            }
            count += batch.len() as u64;
            Ok(())
        })?;
    }
    Ok((rows, count))
}
