//! The small Taiwan tables: budgets, interim payments, claim aggregates and estimated point
//! values, read whole and checked row by row (docs/settle.md, Inputs).

use std::collections::{BTreeMap, HashMap};

use dianzhi_core::number::{show, Dec, MoneyUnit, ONE, SCALE};
use dianzhi_core::taiwan::clearing::{BudgetRow, ClaimAggregate, InterimRow};
use dianzhi_core::taiwan::pool::{ClaimSums, PoolKey};

use crate::error::{InputError, Result};
use crate::read::rows::{read_rows, RowAt};
use crate::read::source::Source;
use crate::read::{optional, required, Kind, Spec};

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
