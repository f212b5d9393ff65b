//! Reading the small tables: budgets and interim payments, row by row with their row numbers.

use std::collections::HashMap;

use dianzhi_core::clearing::{BudgetRow, InterimRow};
use dianzhi_core::number::MoneyUnit;
use dianzhi_core::period::Quarter;
use dianzhi_core::pool::PoolKey;

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

/// One row of a small table: its texts, quarter and money values, and where it came from.
pub struct Row {
    pub texts: Vec<String>,
    pub quarter: Quarter,
    pub money: Vec<i128>,
    /// "row N" or "line N", for messages.
    pub at: String,
}

/// Reads every row of a table whose specs are: texts first, then one quarter, then money
/// (≥ 0 if `non_negative`). Every money value must be a multiple of `unit`.
fn read_rows(source: &Source, specs: &[Spec], unit: MoneyUnit, non_negative: bool) -> Result<(Vec<Row>, u64)> {
    let (layout, units): (Layout, _) = column::open(source, specs)?;
    let quarter_at = specs.iter().position(|s| s.kind == Kind::Quarter).expect("a quarter column");
    let mut rows = Vec::new();
    let mut count = 0u64;
    for unit_ in &units {
        column::read_unit(unit_, |batch: &Batch| -> Result<()> {
            let path = &source.path;
            let col = |k: usize| layout.columns[k].map(|c| batch.data.column(c).as_ref());
            let err = |k: usize, i: usize, m: String| cell_error(path, batch, &specs[k], i, m);
            let mut texts = Interner::default();
            let mut text_cols = Vec::new();
            for k in 0..quarter_at {
                let ids = column::text_ids(col(k).expect("required"), &mut texts);
                if let Some(i) =
                    ids.iter().position(|id| id.is_none_or(|id| texts.names[id as usize].trim().is_empty()))
                {
                    return Err(err(k, i, format!("empty {}; every row needs one", specs[k].name)).into());
                }
                text_cols.push(ids);
            }
            let mut periods = Interner::default();
            let quarters = column::quarter_values(col(quarter_at).expect("required"), &mut periods, &mut Vec::new())
                .map_err(|(i, m)| err(quarter_at, i, m))?;
            let mut money_cols = Vec::new();
            for k in quarter_at + 1..specs.len() {
                let values = match col(k) {
                    Some(a) => column::fixed_values(a).map_err(|(i, m)| err(k, i, m))?,
                    None => vec![Some(0); batch.len()],
                };
                money_cols.push((k, values));
            }
            for i in 0..batch.len() {
                let quarter =
                    quarters[i].ok_or_else(|| err(quarter_at, i, "empty quarter; give YYYYQn, e.g. 2026Q1".into()))?;
                let mut money = Vec::with_capacity(money_cols.len());
                for (k, values) in &money_cols {
                    let v = match values[i] {
                        Some(v) => v,
                        None if !specs[*k].required => 0,
                        None => return Err(err(*k, i, format!("empty {}; give an amount", specs[*k].name)).into()),
                    };
                    column::check_money(v, unit).map_err(|m| err(*k, i, m))?;
                    if non_negative && v < 0 {
                        return Err(err(
                            *k,
                            i,
                            format!("{} is negative; {} must be ≥ 0", dianzhi_core::number::show(v), specs[*k].name),
                        )
                        .into());
                    }
                    money.push(v);
                }
                let at =
                    if batch.is_csv() { format!("line {}", batch.row(i)) } else { format!("row {}", batch.row(i)) };
                let texts =
                    text_cols.iter().map(|c| texts.names[c[i].expect("checked") as usize].to_string()).collect();
                rows.push(Row { texts, quarter, money, at });
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
    let mut seen: HashMap<PoolKey, String> = HashMap::new();
    let mut budgets = Vec::with_capacity(rows.len());
    for mut r in rows {
        let region = r.texts.pop().expect("region");
        let sector = r.texts.pop().expect("sector");
        let key = PoolKey { sector, region, quarter: r.quarter };
        if let Some(first) = seen.insert(key.clone(), r.at.clone()) {
            return Err(InputError::file(
                &source.path,
                format!("duplicate budget for {key} at {first} and {}; give each (sector, region, quarter) once", r.at),
            )
            .into());
        }
        budgets.push(BudgetRow { key, budget: r.money[0], charges: r.money[1] });
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
            InterimRow { institution_id, pool: PoolKey { sector, region, quarter: r.quarter }, amount: r.money[0] }
        })
        .collect();
    Ok((interim, count))
}
