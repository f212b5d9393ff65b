//! Scanning claims files into per-(institution, pool) sums.
//!
//! Every unit (a Parquet row group or a CSV file) is read on its own thread into a hash map
//! keyed by interned texts; the maps are merged at the end. Sums are exact integers, so the
//! result does not depend on thread count, row order or how the rows are split into files.

use std::collections::HashMap;
use std::path::PathBuf;

use dianzhi_core::clearing::ClaimAggregate;
use dianzhi_core::interim::MonthClaims;
use dianzhi_core::number::MoneyUnit;
use dianzhi_core::period::{Month, Quarter};
use dianzhi_core::pool::{ClaimSums, PoolKey};
use rayon::prelude::*;

use crate::column::{self, cell_error, optional, required, Batch, Interner, Kind, Layout, Spec, Unit};
use crate::error::{InputError, Result};
use crate::source::Source;

pub const CLAIMS: [Spec; 10] = [
    required("institution_id", Kind::Text),
    required("sector", Kind::Text),
    required("region", Kind::Text),
    required("service_month", Kind::Month),
    optional("settle_quarter", Kind::Quarter),
    required("claimed_points", Kind::Points),
    required("drug_points", Kind::Points),
    optional("protected_points", Kind::Points),
    optional("deducted_points", Kind::Points),
    optional("copayment", Kind::Money),
];
const INSTITUTION: usize = 0;
const SECTOR: usize = 1;
const REGION: usize = 2;
const MONTH: usize = 3;
const SETTLE: usize = 4;
const CLAIMED: usize = 5;
const COPAYMENT: usize = 9;

/// Rows read from one input file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileRows {
    pub path: PathBuf,
    pub rows: u64,
}

/// The aggregated claims of a run.
#[derive(Debug)]
pub struct Scan {
    /// One entry per (institution, pool), sorted.
    pub claims: Vec<ClaimAggregate>,
    pub files: Vec<FileRows>,
    pub rows: u64,
}

/// What the sums are grouped by besides (institution, sector, region).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum By {
    /// The settlement quarter (settle_quarter, or the quarter of service_month).
    SettleQuarter,
    /// The service month.
    ServiceMonth,
}

/// A period as a small ordered integer: a quarter or a month since year 0.
fn period_code(by: By, month: Month, quarter: Quarter) -> i32 {
    match by {
        By::SettleQuarter => quarter.year * 4 + i32::from(quarter.q) - 1,
        By::ServiceMonth => month.year * 12 + i32::from(month.month) - 1,
    }
}

/// A unit's partial sums, keyed by interned (institution, sector, region) and period code.
struct Partial {
    texts: Interner,
    sums: HashMap<(u32, u32, u32, i32), ClaimSums, foldhash::fast::FixedState>,
    rows: u64,
    file: usize,
}

/// Reads and aggregates every claims file per (institution, pool); `progress` is told the
/// rows of each batch read.
pub fn scan(sources: &[Source], unit: MoneyUnit, progress: &(dyn Fn(u64) + Sync)) -> Result<Scan> {
    let (sums, files) = scan_by(sources, unit, By::SettleQuarter, progress)?;
    let mut claims: Vec<ClaimAggregate> = sums
        .into_iter()
        .map(|((institution_id, sector, region, code), sums)| {
            let quarter = Quarter { year: code.div_euclid(4), q: (code.rem_euclid(4) + 1) as u8 };
            ClaimAggregate { institution_id, pool: PoolKey { sector, region, quarter }, sums }
        })
        .collect();
    claims.sort_unstable_by(|a, b| (&a.pool, &a.institution_id).cmp(&(&b.pool, &b.institution_id)));
    let rows = files.iter().map(|f| f.rows).sum();
    Ok(Scan { claims, files, rows })
}

/// Reads and aggregates every claims file per (institution, sector, region, service month),
/// sorted; for interim payments.
pub fn scan_months(sources: &[Source], unit: MoneyUnit) -> Result<(Vec<MonthClaims>, Vec<FileRows>)> {
    let (sums, files) = scan_by(sources, unit, By::ServiceMonth, &|_| {})?;
    let mut out: Vec<MonthClaims> = sums
        .into_iter()
        .map(|((institution_id, sector, region, code), sums)| {
            let month = Month { year: code.div_euclid(12), month: (code.rem_euclid(12) + 1) as u8 };
            MonthClaims { institution_id, sector, region, month, sums }
        })
        .collect();
    out.sort_unstable_by(|a, b| {
        (&a.institution_id, &a.sector, &a.region, a.month).cmp(&(&b.institution_id, &b.sector, &b.region, b.month))
    });
    Ok((out, files))
}

type Merged = HashMap<(String, String, String, i32), ClaimSums, foldhash::fast::FixedState>;

fn scan_by(
    sources: &[Source],
    unit: MoneyUnit,
    by: By,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<(Merged, Vec<FileRows>)> {
    let mut units: Vec<(usize, Layout, Unit)> = Vec::new();
    for (f, source) in sources.iter().enumerate() {
        let (layout, file_units) = column::open(source, &CLAIMS)?;
        units.extend(file_units.into_iter().map(|u| (f, layout.clone(), u)));
    }
    let partials: Vec<Partial> =
        units.par_iter().map(|(f, layout, u)| scan_unit(*f, layout, u, unit, by, progress)).collect::<Result<_>>()?;

    let mut files: Vec<FileRows> = sources.iter().map(|s| FileRows { path: s.path.clone(), rows: 0 }).collect();
    let mut merged = Merged::default();
    for p in partials {
        files[p.file].rows += p.rows;
        for ((inst, sector, region, period), sums) in p.sums {
            let name = |id: u32| p.texts.names[id as usize].to_string();
            let key = (name(inst), name(sector), name(region), period);
            merged
                .entry(key)
                .or_default()
                .add(&sums)
                .map_err(|e| InputError::file(&sources[p.file].path, e.to_string()))?;
        }
    }
    Ok((merged, files))
}

fn scan_unit(
    file: usize,
    layout: &Layout,
    unit: &Unit,
    money: MoneyUnit,
    by: By,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Partial> {
    let mut p = Partial { texts: Interner::default(), sums: HashMap::default(), rows: 0, file };
    let mut periods = Interner::default();
    let mut months: Vec<Option<Month>> = Vec::new();
    let mut quarters: Vec<Option<Quarter>> = Vec::new();
    column::read_unit(unit, |batch: &Batch| -> Result<()> {
        let path = &unit.source.path;
        let col = |k: usize| layout.columns[k].map(|c| batch.data.column(c).as_ref());
        let err = |k: usize, i: usize, m: String| cell_error(path, batch, &layout.specs[k], i, m);

        let mut keys = [INSTITUTION, SECTOR, REGION].map(|k| column::text_ids(col(k).expect("required"), &mut p.texts));
        for (n, k) in [INSTITUTION, SECTOR, REGION].into_iter().enumerate() {
            if let Some(i) =
                keys[n].iter().position(|id| id.is_none_or(|id| p.texts.names[id as usize].trim().is_empty()))
            {
                return Err(err(
                    k,
                    i,
                    format!(
                        "empty {}; every claim row needs a non-empty {}",
                        layout.specs[k].name, layout.specs[k].name
                    ),
                )
                .into());
            }
        }
        let [inst, sector, region] = std::mem::take(&mut keys);
        let month = column::month_values(col(MONTH).expect("required"), &mut periods, &mut months)
            .map_err(|(i, m)| err(MONTH, i, m))?;
        let settle = match col(SETTLE) {
            Some(a) => column::quarter_values(a, &mut periods, &mut quarters).map_err(|(i, m)| err(SETTLE, i, m))?,
            None => vec![None; batch.len()],
        };
        let mut numbers: [Vec<Option<i128>>; 5] = Default::default();
        for (n, k) in (CLAIMED..=COPAYMENT).enumerate() {
            numbers[n] = match col(k) {
                Some(a) => column::fixed_values(a).map_err(|(i, m)| err(k, i, m))?,
                None => vec![Some(0); batch.len()],
            };
        }
        for i in 0..batch.len() {
            let Some(month) = month[i] else {
                return Err(err(MONTH, i, "empty service_month; give YYYY-MM or a date".into()).into());
            };
            let quarter = match settle[i] {
                None => month.quarter(),
                Some(q) if q >= month.quarter() => q,
                Some(q) => {
                    return Err(err(SETTLE, i, format!("{q} is earlier than the quarter of service_month {month}; late approvals settle in a later quarter, never an earlier one")).into())
                }
            };
            let mut v = [0i128; 5];
            for (n, k) in (CLAIMED..=COPAYMENT).enumerate() {
                v[n] = match numbers[n][i] {
                    Some(x) => x,
                    None if !layout.specs[k].required => 0,
                    None => {
                        return Err(
                            err(k, i, format!("empty {}; give a number (0 if none)", layout.specs[k].name)).into()
                        )
                    }
                };
            }
            if !money.is_multiple(v[4]) {
                return Err(err(COPAYMENT, i, column::check_money(v[4], money).unwrap_err()).into());
            }
            let row = ClaimSums { claimed: v[0], drug: v[1], protected: v[2], deducted: v[3], copayment: v[4] };
            let key = (
                inst[i].expect("checked"),
                sector[i].expect("checked"),
                region[i].expect("checked"),
                period_code(by, month, quarter),
            );
            p.sums
                .entry(key)
                .or_default()
                .add(&row)
                .map_err(|e| err(CLAIMED, i, format!("{e}: the sums exceed 128-bit integers")))?;
        }
        p.rows += batch.len() as u64;
        progress(batch.len() as u64);
        Ok(())
    })?;
    Ok(p)
}
