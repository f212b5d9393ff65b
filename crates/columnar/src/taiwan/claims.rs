//! Scanning claims files into per-(institution, pool) sums.
//!
//! Each worker thread pulls the next unit (a Parquet row group or a CSV file) and adds its
//! rows into its own accumulator keyed by interned texts; the accumulators are merged at the
//! end. Sums are exact integers, so the result does not depend on thread count, row order or
//! how the rows are split into files.

mod accumulator;
mod dictionary;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use arrow_schema::DataType;
use dianzhi_core::number::{MoneyUnit, Overflow, ONE};
use dianzhi_core::period::{Month, Quarter};
use dianzhi_core::taiwan::clearing::ClaimAggregate;
use dianzhi_core::taiwan::interim::MonthClaims;
use dianzhi_core::taiwan::pool::{ClaimSums, PoolKey};
use rayon::prelude::*;

use accumulator::{Accumulator, KeyIds};
use dictionary::DictionaryKeys;

use crate::error::{InputError, Result};
use crate::read::digest::{Digests, FileDigest, FileRows, Hashing};
use crate::read::source::Source;
use crate::read::{self, at, cell_error, optional, required, Batch, Interner, Kind, Layout, Spec, Unit};

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
const INSTITUTION: usize = at(&CLAIMS, "institution_id");
const SECTOR: usize = at(&CLAIMS, "sector");
const REGION: usize = at(&CLAIMS, "region");
const MONTH: usize = at(&CLAIMS, "service_month");
const SETTLE: usize = at(&CLAIMS, "settle_quarter");
/// The first of the point columns; the money column comes last.
const CLAIMED: usize = at(&CLAIMS, "claimed_points");
const COPAYMENT: usize = at(&CLAIMS, "copayment");

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

/// One worker's state over the units it reads: its interned texts, reused batch buffers, the
/// dictionaries it last saw and its running sums.
struct Partial {
    texts: Interner,
    buffers: Buffers,
    dictionary: DictionaryKeys,
    /// The worker's numbering of (sector, region, period) keys.
    key_ids: KeyIds,
    sums: Accumulator,
    /// Rows read per input file.
    rows: Vec<u64>,
}

impl Partial {
    fn new(files: usize) -> Self {
        Partial {
            texts: Interner::default(),
            buffers: Buffers::default(),
            dictionary: DictionaryKeys::default(),
            key_ids: KeyIds::default(),
            sums: Accumulator::default(),
            rows: vec![0; files],
        }
    }
}

/// A batch's decoded columns, reused from batch to batch.
#[derive(Default)]
struct Buffers {
    inst: Vec<Option<u32>>,
    sector: Vec<Option<u32>>,
    region: Vec<Option<u32>>,
    month: Vec<Option<Month>>,
    settle: Vec<Option<Quarter>>,
    numbers: [Vec<i128>; 5],
    narrow: [Vec<i64>; 5],
    /// Per row: the institution's interned id and its (sector, region, period)'s key id.
    row_inst: Vec<u32>,
    row_key: Vec<u32>,
}

/// Reads and aggregates every claims file per (institution, pool); `progress` is told the
/// rows of each batch read. Setting `stop` ends the scan early with an error (a caller that
/// found a fault elsewhere and will report that instead).
pub fn scan(
    sources: &[Source],
    unit: MoneyUnit,
    hashing: Hashing,
    progress: &(dyn Fn(u64) + Sync),
    stop: &AtomicBool,
) -> Result<Scan> {
    let (sums, files) = scan_by(sources, unit, By::SettleQuarter, hashing, progress, stop)?;
    // in (sector, region, quarter, institution) order: the order of (pool, institution)
    let claims: Vec<ClaimAggregate> = sums
        .into_iter()
        .map(|Group { institution_id, sector, region, period, sums, rows }| {
            let quarter = Quarter { year: period.div_euclid(4), q: (period.rem_euclid(4) + 1) as u8 };
            ClaimAggregate { institution_id, pool: PoolKey { sector, region, quarter }, sums, rows }
        })
        .collect();
    let rows = files.iter().map(|f| f.rows).sum();
    Ok(Scan { claims, files, rows })
}

/// Reads and aggregates every claims file per (institution, sector, region, service month),
/// sorted; for interim payments.
pub fn scan_months(sources: &[Source], unit: MoneyUnit, hashing: Hashing) -> Result<(Vec<MonthClaims>, Vec<FileRows>)> {
    let (sums, files) = scan_by(sources, unit, By::ServiceMonth, hashing, &|_| {}, &AtomicBool::new(false))?;
    // in (institution, sector, region, month) order
    let out = sums
        .into_iter()
        .map(|Group { institution_id, sector, region, period, sums, .. }| {
            let month = Month { year: period.div_euclid(12), month: (period.rem_euclid(12) + 1) as u8 };
            MonthClaims { institution_id, sector, region, month, sums }
        })
        .collect();
    Ok((out, files))
}

/// The sums and rows of one (institution, sector, region, period).
struct Group {
    institution_id: String,
    sector: String,
    region: String,
    period: i32,
    sums: ClaimSums,
    rows: u64,
}

/// Sums and rows per (institution, sector, region, period), in the order of `by`: (sector,
/// region, period, institution) for quarters, (institution, sector, region, period) for months.
fn scan_by(
    sources: &[Source],
    unit: MoneyUnit,
    by: By,
    hashing: Hashing,
    progress: &(dyn Fn(u64) + Sync),
    stop: &AtomicBool,
) -> Result<(Vec<Group>, Vec<FileRows>)> {
    let mut units: Vec<(usize, Layout, Unit)> = Vec::new();
    for (f, source) in sources.iter().enumerate() {
        let (layout, file_units) = read::open(source, &CLAIMS)?;
        units.extend(file_units.into_iter().map(|u| (f, layout.clone(), u)));
    }
    let digests = Digests::new(hashing, sources, units.iter().map(|(f, _, u)| (*f, u.span(true))));
    // one accumulator per worker, each pulling the next unit: interned texts and sums are
    // reused across units, and two workers keep two cores busy whatever the unit sizes
    let next = AtomicUsize::new(0);
    let workers = rayon::current_num_threads().min(units.len()).max(1);
    let scan = || {
        (0..workers)
            .into_par_iter()
            .map(|_| {
                let mut p = Partial::new(sources.len());
                loop {
                    let at = next.fetch_add(1, Ordering::Relaxed);
                    let Some(read) = units.get(at) else { return Ok(p) };
                    if stop.load(Ordering::Relaxed) {
                        return Err(InputError::file(&read.2.source.path, "the scan was stopped".to_string()).into());
                    }
                    let digest = digests.as_ref().map(|d| &d.files[read.0]);
                    scan_unit(&mut p, read, digest, unit, by, progress)?;
                }
            })
            .collect::<Result<Vec<Partial>>>()
    };
    let (partials, digested) = Digests::beside(digests.as_ref(), sources.len(), scan)?;

    let mut files: Vec<FileRows> =
        sources.iter().zip(digested).map(|(s, sha256)| FileRows { path: s.path.clone(), rows: 0, sha256 }).collect();
    // the workers' texts in one numbering (each worker interned its own), ranked in byte order
    // so that groups sort on integers; the texts become Strings once per group, at the end
    let mut global: HashMap<&str, u32, foldhash::fast::FixedState> = HashMap::default();
    let mut names: Vec<&str> = Vec::new();
    let local_to_global: Vec<Vec<u32>> = partials
        .iter()
        .map(|p| {
            p.texts
                .names
                .iter()
                .map(|name| {
                    *global.entry(name).or_insert_with(|| {
                        names.push(name);
                        names.len() as u32 - 1
                    })
                })
                .collect()
        })
        .collect();
    let mut order: Vec<u32> = (0..names.len() as u32).collect();
    order.sort_unstable_by_key(|id| names[*id as usize]);
    let mut rank = vec![0u32; names.len()];
    order.iter().enumerate().for_each(|(r, id)| rank[*id as usize] = r as u32);

    type Ranked = (u32, u32, u32, i32);
    let mut merged: HashMap<Ranked, (ClaimSums, u64), foldhash::fast::FixedState> = HashMap::default();
    for (p, ids) in partials.iter().zip(&local_to_global) {
        for (f, rows) in files.iter_mut().zip(&p.rows) {
            f.rows += rows;
        }
        for (inst, (sector, region, period), sums, rows) in p.sums.sums(&p.key_ids) {
            let [inst, sector, region] = [inst, sector, region].map(|id| rank[ids[id as usize] as usize]);
            let total = merged.entry((inst, sector, region, period)).or_default();
            total.0.add(&sums).map_err(|e| {
                let name = |r: u32| names[order[r as usize] as usize];
                // a worker's units span files: name the claims input and the institution/pool
                InputError::file(
                    &sources[0].path,
                    format!(
                        "{e}: the claim sums of institution {} in {}/{} exceed 128-bit integers",
                        name(inst),
                        name(sector),
                        name(region)
                    ),
                )
            })?;
            total.1 += rows;
        }
    }
    let mut groups: Vec<(Ranked, (ClaimSums, u64))> = merged.into_iter().collect();
    match by {
        By::SettleQuarter => groups.sort_unstable_by_key(|((i, s, r, p), _)| (*s, *r, *p, *i)),
        By::ServiceMonth => groups.sort_unstable_by_key(|(key, _)| *key),
    }
    let text = |r: u32| names[order[r as usize] as usize].to_string();
    let groups = groups
        .into_iter()
        .map(|((inst, sector, region, period), (sums, rows))| Group {
            institution_id: text(inst),
            sector: text(sector),
            region: text(region),
            period,
            sums,
            rows,
        })
        .collect();
    Ok((groups, files))
}

/// Adds one unit (of the file numbered `file`) to a worker's sums.
fn scan_unit(
    p: &mut Partial,
    (file, layout, unit): &(usize, Layout, Unit),
    digest: Option<&FileDigest>,
    money: MoneyUnit,
    by: By,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<()> {
    let mut periods = Interner::default();
    let mut months: Vec<Option<Month>> = Vec::new();
    let mut quarters: Vec<Option<Quarter>> = Vec::new();
    // taken out while the batches are read, so that `p` can be borrowed beside them
    let mut buffers = std::mem::take(&mut p.buffers);
    let b = &mut buffers;
    let read = read::read_unit_hashed(unit, digest, |batch: &Batch| -> Result<()> {
        let path = &unit.source.path;
        let col = |k: usize| layout.columns[k].map(|c| batch.data.column(c).as_ref());
        let err = |k: usize, i: usize, m: String| cell_error(path, batch, &layout.specs[k], i, m);

        for k in CLAIMED..=COPAYMENT {
            if let (true, Some(i)) = (layout.specs[k].required, col(k).and_then(read::first_null)) {
                let name = layout.specs[k].name;
                return Err(err(k, i, format!("empty {name}; give a number (0 if none)")).into());
            }
        }
        // 64-bit columns when every one allows (the usual DECIMAL(18, 4) and integers), else 128-bit
        let mut narrow: [&[i64]; 5] = Default::default();
        let mut wide: [&[i128]; 5] = Default::default();
        let all_narrow = (CLAIMED..=COPAYMENT).zip(&mut b.narrow).enumerate().all(|(n, (k, buffer))| {
            let values = match col(k) {
                Some(a) => read::narrow_values(a, buffer),
                None => {
                    buffer.clear();
                    buffer.resize(batch.len(), 0);
                    Some(&buffer[..])
                }
            };
            values.map(|v| narrow[n] = v).is_some()
        });
        if !all_narrow {
            for ((n, k), buffer) in (CLAIMED..=COPAYMENT).enumerate().zip(&mut b.numbers) {
                wide[n] = match col(k) {
                    Some(a) => read::fixed_values(a, buffer).map_err(|(i, m)| err(k, i, m))?,
                    None => {
                        buffer.clear();
                        buffer.resize(batch.len(), 0);
                        buffer
                    }
                };
            }
        }
        // copayments are whole units of money: integers are, whenever the unit divides 1
        let integers = col(COPAYMENT).is_none_or(|a| matches!(a.data_type(), DataType::Int64 | DataType::Int32));
        let not_whole = if integers && ONE % money.fixed == 0 {
            None
        } else if let (true, Ok(unit)) = (all_narrow, i64::try_from(money.fixed)) {
            narrow[4].iter().position(|v| v % unit != 0)
        } else {
            (0..batch.len())
                .find(|i| !money.is_multiple(if all_narrow { i128::from(narrow[4][*i]) } else { wide[4][*i] }))
        };
        if let Some(i) = not_whole {
            let copayment = if all_narrow { i128::from(narrow[4][i]) } else { wide[4][i] };
            return Err(err(COPAYMENT, i, read::check_money(copayment, money).unwrap_err()).into());
        }

        // each row's institution and (sector, region, period): from the dictionaries when the
        // batch allows, else (and to name a bad cell) row by row
        let key_columns = [INSTITUTION, SECTOR, REGION, MONTH, SETTLE].map(col);
        if !p.dictionary.keys(&mut p.texts, &mut p.key_ids, key_columns, by, &mut b.row_inst, &mut b.row_key) {
            for (k, ids) in [(INSTITUTION, &mut b.inst), (SECTOR, &mut b.sector), (REGION, &mut b.region)] {
                if let Some(i) = read::text_ids(col(k).expect("required"), &mut p.texts, k, ids) {
                    let name = layout.specs[k].name;
                    return Err(err(k, i, format!("empty {name}; every claim row needs a non-empty {name}")).into());
                }
            }
            read::month_values(col(MONTH).expect("required"), MONTH, &mut periods, &mut months, &mut b.month)
                .map_err(|(i, m)| err(MONTH, i, m))?;
            match col(SETTLE) {
                Some(a) => read::quarter_values(a, SETTLE, &mut periods, &mut quarters, &mut b.settle)
                    .map_err(|(i, m)| err(SETTLE, i, m))?,
                None => {
                    b.settle.clear();
                    b.settle.resize(batch.len(), None);
                }
            }
            b.row_inst.clear();
            b.row_key.clear();
            for i in 0..batch.len() {
                let Some(month) = b.month[i] else {
                    return Err(err(MONTH, i, "empty service_month; give YYYY-MM or a date".into()).into());
                };
                let quarter = settle_quarter(month, b.settle[i]).map_err(|m| err(SETTLE, i, m))?;
                let text = |ids: &[Option<u32>]| ids[i].expect("checked");
                b.row_inst.push(text(&b.inst));
                b.row_key.push(p.key_ids.id((text(&b.sector), text(&b.region), period_code(by, month, quarter))));
            }
        }

        p.sums.reserve(p.texts.names.len());
        let added = if all_narrow {
            accumulate(&mut p.sums, &b.row_inst, &b.row_key, narrow)
        } else {
            accumulate(&mut p.sums, &b.row_inst, &b.row_key, wide)
        };
        added.map_err(|(i, e)| err(CLAIMED, i, format!("{e}: the sums exceed 128-bit integers")))?;
        p.rows[*file] += batch.len() as u64;
        progress(batch.len() as u64);
        Ok(())
    });
    p.buffers = buffers;
    read
}

/// Adds each row's five numbers to the sums of its institution and key.
fn accumulate<T: Copy>(
    sums: &mut Accumulator,
    inst: &[u32],
    keys: &[u32],
    numbers: [&[T]; 5],
) -> std::result::Result<(), (usize, Overflow)>
where
    i64: TryFrom<T>,
    i128: From<T>,
{
    // the accumulator is a cache miss per row (rows come in no order of institution): fetch
    // the one a few rows ahead
    const AHEAD: usize = 16;
    inst.iter().take(AHEAD).for_each(|id| sums.prefetch(*id));
    for (i, (id, key)) in inst.iter().zip(keys).enumerate() {
        if let Some(ahead) = inst.get(i + AHEAD) {
            sums.prefetch(*ahead);
        }
        let row = [numbers[0][i], numbers[1][i], numbers[2][i], numbers[3][i], numbers[4][i]];
        sums.add(*id, *key, row).map_err(|e| (i, e))?;
    }
    Ok(())
}

/// The quarter that settles a row: its settle_quarter, or the quarter of its service month.
fn settle_quarter(month: Month, settle: Option<Quarter>) -> Result<Quarter, String> {
    match settle {
        None => Ok(month.quarter()),
        Some(q) if q >= month.quarter() => Ok(q),
        Some(q) => Err(format!(
            "{q} is earlier than the quarter of service_month {month}; late approvals settle in a later quarter, never an earlier one"
        )),
    }
}
