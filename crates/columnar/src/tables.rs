//! Reading the small tables: budgets and interim payments, row by row with their row numbers.

use std::collections::{BTreeMap, HashMap};

use dianzhi_core::number::{show, Dec, MoneyUnit, ONE, SCALE};
use dianzhi_core::period::Quarter;
use dianzhi_core::taiwan::clearing::{BudgetRow, ClaimAggregate, InterimRow};
use dianzhi_core::taiwan::pool::{ClaimSums, PoolKey};

use crate::column::{self, cell_error, optional, required, Batch, Interner, Kind, Layout, Spec};
use crate::error::{InputError, Result};
use crate::source::Source;

pub const BUDGETS: [Spec; 5] = [
    required("sector", Kind::Text),
    required("region", Kind::Text),
    required("quarter", Kind::Quarter),
    required("budget", Kind::Money),
    optional("charges", Kind::Money),
];

pub const INTERIM: [Spec; 5] = [
    required("institution_id", Kind::Text),
    required("sector", Kind::Text),
    required("region", Kind::Text),
    required("quarter", Kind::Quarter),
    required("interim_paid", Kind::Money),
];

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
    let (layout, units): (Layout, _) = column::open(source, specs)?;
    let mut rows = Vec::new();
    let mut count = 0u64;
    for unit_ in &units {
        column::read_unit(unit_, |batch: &Batch| -> Result<()> {
            let path = &source.path;
            let err = |k: usize, i: usize, m: String| cell_error(path, batch, &specs[k], i, m);
            let mut periods = Interner::default();
            let mut cells = Vec::with_capacity(specs.len());
            for (k, spec) in specs.iter().enumerate() {
                let col = layout.columns[k].map(|c| batch.data.column(c).as_ref());
                cells.push(match (spec.kind, col) {
                    (Kind::Text | Kind::Label, Some(a)) => Cells::Text(column::labels(a)),
                    (Kind::Text | Kind::Label, None) => Cells::Text(vec![None; batch.len()]),
                    (Kind::Quarter, Some(a)) => {
                        let mut quarters = Vec::new();
                        column::quarter_values(a, k, &mut periods, &mut Vec::new(), &mut quarters)
                            .map_err(|(i, m)| err(k, i, m))?;
                        Cells::Quarter(quarters)
                    }
                    (Kind::Points | Kind::Money, Some(a)) => {
                        let mut buffer = Vec::new();
                        let values = column::fixed_values(a, &mut buffer).map_err(|(i, m)| err(k, i, m))?;
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
                                column::check_money(v, unit).map_err(|m| err(k, i, m))?;
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

/// The budgets table: one row per pool; a pool given twice is an error naming both rows.
pub fn read_budgets(source: &Source, unit: MoneyUnit) -> Result<(Vec<BudgetRow>, u64)> {
    let (rows, count) = read_rows(source, &BUDGETS, unit, true)?;
    let mut seen: HashMap<PoolKey, RowAt> = HashMap::new();
    let mut budgets = Vec::with_capacity(rows.len());
    for mut r in rows {
        let region = r.texts.pop().expect("region");
        let sector = r.texts.pop().expect("sector");
        let key = PoolKey { sector, region, quarter: r.quarter.expect("a quarter column") };
        if let Some(first) = seen.insert(key.clone(), r.at) {
            return Err(InputError::file(
                &source.path,
                format!("duplicate budget for {key} at {first} and {}; give each (sector, region, quarter) once", r.at),
            )
            .into());
        }
        budgets.push(BudgetRow { key, budget: r.numbers[0], charges: r.numbers[1] });
    }
    Ok((budgets, count))
}

/// The interim payments table; several rows for one key are summed later.
pub fn read_interim(source: &Source, unit: MoneyUnit) -> Result<(Vec<InterimRow>, u64)> {
    let (rows, count) = read_rows(source, &INTERIM, unit, false)?;
    let interim = rows
        .into_iter()
        .map(|mut r| {
            let region = r.texts.pop().expect("region");
            let sector = r.texts.pop().expect("sector");
            let institution_id = r.texts.pop().expect("institution_id");
            InterimRow {
                institution_id,
                pool: PoolKey { sector, region, quarter: r.quarter.expect("a quarter column") },
                amount: r.numbers[0],
            }
        })
        .collect();
    Ok((interim, count))
}

pub const AGGREGATES: [Spec; 10] = [
    required("institution_id", Kind::Text),
    required("sector", Kind::Text),
    required("region", Kind::Text),
    required("quarter", Kind::Quarter),
    required("claim_rows", Kind::Points),
    required("claimed_points", Kind::Points),
    required("drug_points", Kind::Points),
    required("protected_points", Kind::Points),
    required("deducted_points", Kind::Points),
    required("copayment", Kind::Money),
];

/// The output of `dianzhi aggregate`: per-(institution, pool) claim sums. Rows for one key are
/// summed later, as partial sums of claims are; negative totals are refused there.
pub fn read_aggregates(source: &Source, unit: MoneyUnit) -> Result<(Vec<ClaimAggregate>, u64)> {
    let (rows, count) = read_rows(source, &AGGREGATES, unit, false)?;
    let mut out = Vec::with_capacity(rows.len());
    for mut r in rows {
        let n = r.numbers[0];
        if n < 0 || n % ONE != 0 {
            return Err(r.at.error(source, "claim_rows", format!("{} is not a count of rows", show(n))).into());
        }
        let region = r.texts.pop().expect("region");
        let sector = r.texts.pop().expect("sector");
        let institution_id = r.texts.pop().expect("institution_id");
        let v = &r.numbers;
        out.push(ClaimAggregate {
            institution_id,
            pool: PoolKey { sector, region, quarter: r.quarter.expect("a quarter column") },
            sums: ClaimSums { claimed: v[1], drug: v[2], protected: v[3], deducted: v[4], copayment: v[5] },
            rows: (n / ONE) as u64,
        });
    }
    Ok((out, count))
}

pub const ESTIMATES: [Spec; 3] =
    [required("sector", Kind::Text), required("region", Kind::Text), required("estimated_point_value", Kind::Points)];

/// Estimated point values per (sector, region); a pair given twice is an error.
pub fn read_estimates(source: &Source) -> Result<(BTreeMap<(String, String), Dec>, u64)> {
    let (rows, count) = read_rows(source, &ESTIMATES, MoneyUnit::WHOLE, true)?;
    let mut out = BTreeMap::new();
    let mut at: HashMap<(String, String), RowAt> = HashMap::new();
    for mut r in rows {
        let region = r.texts.pop().expect("region");
        let sector = r.texts.pop().expect("sector");
        let key = (sector, region);
        if let Some(first) = at.insert(key.clone(), r.at) {
            return Err(InputError::file(
                &source.path,
                format!(
                    "duplicate estimate for sector={} region={} at {first} and {}; give each pair once",
                    key.0, key.1, r.at
                ),
            )
            .into());
        }
        out.insert(key, Dec::new(r.numbers[0], SCALE).normalized());
    }
    Ok((out, count))
}
