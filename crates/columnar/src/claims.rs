//! Scanning claims files into per-(institution, pool) sums.
//!
//! Each worker thread pulls the next unit (a Parquet row group or a CSV file) and adds its
//! rows into its own accumulator keyed by interned texts; the accumulators are merged at the
//! end. Sums are exact integers, so the
//! result does not depend on thread count, row order or how the rows are split into files.

use std::collections::HashMap;
use std::path::PathBuf;

use arrow_array::types::Int32Type;
use arrow_array::{Array, ArrayRef, DictionaryArray};
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

/// One worker's partial sums over the units it read. Rows are looked up by interned
/// institution id (a direct index) and then by (sector, region, period): an institution's
/// first such key is kept inline, further ones (another sector, a late approval's quarter)
/// chained in `more`. Faster than hashing the whole key per row.
struct Partial {
    texts: Interner,
    buffers: Buffers,
    dictionary: DictionaryKeys,
    by_institution: Vec<Slot>,
    more: Vec<Slot>,
    /// What outgrew a slot's 64-bit sums, in exact 128-bit sums.
    wide: HashMap<(u32, Key), ClaimSums>,
    /// Rows read per input file.
    rows: Vec<u64>,
}

type Key = (u32, u32, i32);

/// A key no row has: the key of a slot not used yet (texts are interned below `u32::MAX`).
const NO_KEY: Key = (u32::MAX, u32::MAX, 0);

/// A batch's decoded columns, reused from batch to batch.
#[derive(Default)]
struct Buffers {
    inst: Vec<Option<u32>>,
    sector: Vec<Option<u32>>,
    region: Vec<Option<u32>>,
    month: Vec<Option<Month>>,
    settle: Vec<Option<Quarter>>,
    numbers: [Vec<i128>; 5],
    /// Per row: the institution's interned id and its (sector, region, period).
    row_inst: Vec<u32>,
    row_key: Vec<Key>,
}

/// The running sums of one (institution, sector, region, period) in one aligned cache line:
/// 64-bit sums, as real quarters need (a point sum of 9 × 10^14 points at 4 decimals still
/// fits); a row that would carry a sum past 64 bits moves the slot's sums into
/// `Partial::wide` instead, so nothing is ever lost or wrapped.
#[repr(align(64))]
#[derive(Clone)]
struct Slot {
    key: Key,
    /// Index + 1 of the institution's next slot in `Partial::more` (0: none).
    next: u32,
    /// claimed, drug, protected, deducted, copayment.
    sums: [i64; 5],
}

impl Default for Slot {
    fn default() -> Self {
        Slot { key: NO_KEY, next: 0, sums: [0; 5] }
    }
}

fn claim_sums(v: [i128; 5]) -> ClaimSums {
    ClaimSums { claimed: v[0], drug: v[1], protected: v[2], deducted: v[3], copayment: v[4] }
}

impl Partial {
    fn new(files: usize) -> Self {
        Partial {
            texts: Interner::default(),
            buffers: Buffers::default(),
            dictionary: DictionaryKeys::default(),
            by_institution: Vec::new(),
            more: Vec::new(),
            wide: HashMap::new(),
            rows: vec![0; files],
        }
    }

    /// Makes room for every institution interned so far (call before [`Partial::add`]).
    fn reserve_institutions(&mut self) {
        if self.by_institution.len() < self.texts.names.len() {
            self.by_institution.resize_with(self.texts.names.len(), Slot::default);
        }
    }

    /// Asks the CPU to fetch an institution's sums ahead of their use: rows come in no order
    /// of institution, and this lookup is otherwise a cache miss per row.
    #[inline]
    fn prefetch(&self, inst: u32) {
        #[cfg(target_arch = "x86_64")]
        if let Some(slot) = self.by_institution.get(inst as usize) {
            use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
            // SAFETY: prefetching has no effect on memory
            unsafe { _mm_prefetch::<_MM_HINT_T0>((slot as *const Slot).cast::<i8>()) };
        }
    }

    /// Adds a row's values (claimed, drug, protected, deducted, copayment) to its sums.
    #[inline]
    fn add(&mut self, inst: u32, key: Key, row: [i128; 5]) -> Result<(), dianzhi_core::number::Overflow> {
        let head = &mut self.by_institution[inst as usize];
        if head.key == NO_KEY {
            head.key = key;
        }
        let slot = if head.key == key { head } else { more_slot(head, &mut self.more, key) };
        let mut sums = slot.sums;
        for (sum, value) in sums.iter_mut().zip(row) {
            match i64::try_from(value).ok().and_then(|v| sum.checked_add(v)) {
                Some(s) => *sum = s,
                None => {
                    let carried = claim_sums(slot.sums.map(i128::from));
                    slot.sums = [0; 5];
                    let wide = self.wide.entry((inst, key)).or_default();
                    wide.add(&carried)?;
                    return wide.add(&claim_sums(row));
                }
            }
        }
        slot.sums = sums;
        Ok(())
    }

    /// Every (institution id, key) with its sums; a key may come twice (a slot and what it
    /// carried into `wide`).
    fn sums(&self) -> Vec<(u32, Key, ClaimSums)> {
        let mut out = Vec::with_capacity(self.by_institution.len() + self.more.len() + self.wide.len());
        for (inst, head) in self.by_institution.iter().enumerate().filter(|(_, h)| h.key != NO_KEY) {
            let mut slot = head;
            loop {
                out.push((inst as u32, slot.key, claim_sums(slot.sums.map(i128::from))));
                if slot.next == 0 {
                    break;
                }
                slot = &self.more[slot.next as usize - 1];
            }
        }
        out.extend(self.wide.iter().map(|((inst, key), sums)| (*inst, *key, *sums)));
        out
    }
}

/// The slot of `key` among an institution's further slots, appended when new.
fn more_slot<'a>(head: &'a mut Slot, more: &'a mut Vec<Slot>, key: Key) -> &'a mut Slot {
    let mut at = head.next;
    let mut last = None;
    while at > 0 {
        if more[at as usize - 1].key == key {
            return &mut more[at as usize - 1];
        }
        last = Some(at);
        at = more[at as usize - 1].next;
    }
    more.push(Slot { key, ..Slot::default() });
    let new = more.len() as u32;
    match last {
        None => head.next = new,
        Some(l) => more[l as usize - 1].next = new,
    }
    &mut more[new as usize - 1]
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
    // one accumulator per worker, each pulling the next unit: interned texts and sums are
    // reused across units, and two workers keep two cores busy whatever the unit sizes
    let next = std::sync::atomic::AtomicUsize::new(0);
    let workers = rayon::current_num_threads().min(units.len()).max(1);
    let partials: Vec<Partial> = (0..workers)
        .into_par_iter()
        .map(|_| {
            let mut p = Partial::new(sources.len());
            loop {
                let at = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some((f, layout, u)) = units.get(at) else { return Ok(p) };
                scan_unit(&mut p, *f, layout, u, unit, by, progress)?;
            }
        })
        .collect::<Result<_>>()?;

    let mut files: Vec<FileRows> = sources.iter().map(|s| FileRows { path: s.path.clone(), rows: 0 }).collect();
    let mut merged = Merged::default();
    for p in partials {
        for (f, rows) in files.iter_mut().zip(&p.rows) {
            f.rows += rows;
        }
        for (inst, (sector, region, period), sums) in p.sums() {
            let name = |id: u32| p.texts.names[id as usize].to_string();
            let key = (name(inst), name(sector), name(region), period);
            let overflow = |e: dianzhi_core::number::Overflow| {
                let (inst, sector, region, _) = &key;
                // a worker's units span files: name the claims input and the institution/pool
                InputError::file(
                    &sources[0].path,
                    format!("{e}: the claim sums of institution {inst} in {sector}/{region} exceed 128-bit integers"),
                )
            };
            let total = merged.entry(key.clone()).or_default();
            total.add(&sums).map_err(overflow)?;
        }
    }
    Ok((merged, files))
}

fn scan_unit(
    p: &mut Partial,
    file: usize,
    layout: &Layout,
    unit: &Unit,
    money: MoneyUnit,
    by: By,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<()> {
    let mut periods = Interner::default();
    let mut months: Vec<Option<Month>> = Vec::new();
    let mut quarters: Vec<Option<Quarter>> = Vec::new();
    // taken out while the batches are read, as `p.slot` borrows all of `p`
    let mut buffers = std::mem::take(&mut p.buffers);
    let b = &mut buffers;
    let read = column::read_unit(unit, |batch: &Batch| -> Result<()> {
        let path = &unit.source.path;
        let col = |k: usize| layout.columns[k].map(|c| batch.data.column(c).as_ref());
        let err = |k: usize, i: usize, m: String| cell_error(path, batch, &layout.specs[k], i, m);

        let mut numbers: [&[i128]; 5] = Default::default();
        for ((n, k), buffer) in (CLAIMED..=COPAYMENT).enumerate().zip(&mut b.numbers) {
            numbers[n] = match col(k) {
                Some(a) => {
                    if let (true, Some(i)) = (layout.specs[k].required, column::first_null(a)) {
                        let name = layout.specs[k].name;
                        return Err(err(k, i, format!("empty {name}; give a number (0 if none)")).into());
                    }
                    column::fixed_values(a, buffer).map_err(|(i, m)| err(k, i, m))?
                }
                None => {
                    buffer.clear();
                    buffer.resize(batch.len(), 0);
                    buffer
                }
            };
        }
        if let Some(i) = numbers[4].iter().position(|c| !money.is_multiple(*c)) {
            return Err(err(COPAYMENT, i, column::check_money(numbers[4][i], money).unwrap_err()).into());
        }

        // each row's institution and (sector, region, period): from the dictionaries when the
        // batch allows, else (and to name a bad cell) row by row
        let key_columns = [INSTITUTION, SECTOR, REGION, MONTH, SETTLE].map(col);
        if !p.dictionary_keys(key_columns, by, &mut b.row_inst, &mut b.row_key) {
            for (k, ids) in [(INSTITUTION, &mut b.inst), (SECTOR, &mut b.sector), (REGION, &mut b.region)] {
                if let Some(i) = column::text_ids(col(k).expect("required"), &mut p.texts, k, ids) {
                    let name = layout.specs[k].name;
                    return Err(err(k, i, format!("empty {name}; every claim row needs a non-empty {name}")).into());
                }
            }
            column::month_values(col(MONTH).expect("required"), MONTH, &mut periods, &mut months, &mut b.month)
                .map_err(|(i, m)| err(MONTH, i, m))?;
            match col(SETTLE) {
                Some(a) => column::quarter_values(a, SETTLE, &mut periods, &mut quarters, &mut b.settle)
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
                b.row_key.push((text(&b.sector), text(&b.region), period_code(by, month, quarter)));
            }
        }

        p.reserve_institutions();
        const AHEAD: usize = 16;
        b.row_inst.iter().take(AHEAD).for_each(|id| p.prefetch(*id));
        for (i, (inst, key)) in b.row_inst.iter().zip(&b.row_key).enumerate() {
            if let Some(id) = b.row_inst.get(i + AHEAD) {
                p.prefetch(*id);
            }
            let row = [numbers[0][i], numbers[1][i], numbers[2][i], numbers[3][i], numbers[4][i]];
            p.add(*inst, *key, row).map_err(|e| err(CLAIMED, i, format!("{e}: the sums exceed 128-bit integers")))?;
        }
        p.rows[file] += batch.len() as u64;
        progress(batch.len() as u64);
        Ok(())
    });
    p.buffers = buffers;
    read
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

/// What the dictionary key pass knows about the dictionaries it last saw.
#[derive(Default)]
struct DictionaryKeys {
    /// The dictionaries of institution_id, sector, region, service_month and settle_quarter
    /// the tables below are for (kept, so that their buffers cannot be reused by others).
    seen: Vec<Option<ArrayRef>>,
    /// Interned id of each institution text, `None` if blank.
    institutions: Vec<Option<u32>>,
    /// Interned id of each text of the sector, region, month and settle_quarter dictionaries.
    texts: [Vec<Option<u32>>; 4],
    /// Sizes of those four dictionaries (settle_quarter's plus one, for null).
    shape: [usize; 4],
    /// Per combination of the four keys, its index in `keys` once resolved.
    combinations: Vec<u32>,
    keys: Vec<Key>,
}

const UNRESOLVED: u32 = u32::MAX;

/// At most this many combinations of sector, region, month and settle_quarter dictionary keys
/// are tabled; larger dictionaries are read row by row.
const MAX_COMBINATIONS: usize = 1 << 16;

impl Partial {
    /// The key pass for a batch whose key columns are all dictionary-encoded with Int32 keys
    /// (how Parquet files are usually written and read here) and have no nulls (settle_quarter
    /// may): every distinct combination of sector, region, month and settle_quarter is checked
    /// and turned into a key once per dictionary instead of once per row. Returns false when
    /// the batch does not qualify or holds anything to report: the row-by-row pass then reads
    /// it and names the cell. Only interns texts; adds no sums.
    fn dictionary_keys(
        &mut self,
        columns: [Option<&dyn Array>; 5],
        by: By,
        rows: &mut Vec<u32>,
        keys: &mut Vec<Key>,
    ) -> bool {
        fn dictionary(a: Option<&dyn Array>) -> Option<&DictionaryArray<Int32Type>> {
            a?.as_any().downcast_ref()
        }
        let [Some(inst), Some(sector), Some(region), Some(month)] = [0, 1, 2, 3].map(|k| dictionary(columns[k])) else {
            return false;
        };
        let settle = match columns[4] {
            None => None,
            Some(a) => match dictionary(Some(a)) {
                Some(d) => Some(d),
                None => return false,
            },
        };
        if [inst, sector, region, month].iter().any(|a| a.null_count() > 0) {
            return false;
        }
        let values: Vec<Option<ArrayRef>> = [Some(inst), Some(sector), Some(region), Some(month), settle]
            .iter()
            .map(|d| d.map(|d| d.values().clone()))
            .collect();
        let same = |a: &Option<ArrayRef>, b: &Option<ArrayRef>| match (a, b) {
            (Some(a), Some(b)) => a.to_data().ptr_eq(&b.to_data()),
            (None, None) => true,
            _ => false,
        };
        let d = &mut self.dictionary;
        if d.seen.len() != values.len() || !d.seen.iter().zip(&values).all(|(a, b)| same(a, b)) {
            d.seen.clear();
            let mut ids = Vec::new();
            column::text_ids(inst.values().as_ref(), &mut self.texts, usize::MAX, &mut ids);
            d.institutions = ids.iter().map(|id| id.filter(|id| !self.texts.blank[*id as usize])).collect();
            for (n, v) in [Some(sector), Some(region), Some(month), settle].iter().enumerate() {
                d.texts[n].clear();
                if let Some(v) = v {
                    column::text_ids(v.values().as_ref(), &mut self.texts, usize::MAX, &mut d.texts[n]);
                }
            }
            d.shape = [d.texts[0].len(), d.texts[1].len(), d.texts[2].len(), d.texts[3].len() + 1];
            let combinations = d.shape.iter().product::<usize>();
            if combinations > MAX_COMBINATIONS {
                return false;
            }
            d.combinations.clear();
            d.combinations.resize(combinations, UNRESOLVED);
            d.keys.clear();
            d.seen = values;
        }

        let [s, r, m] = [sector, region, month].map(|a| a.keys().values());
        let settle = settle.map(|a| (a.keys().values(), a.logical_nulls()));
        let [_, regions, months, settles] = d.shape;
        rows.clear();
        keys.clear();
        for (i, k) in inst.keys().values().iter().enumerate() {
            let Some(Some(id)) = d.institutions.get(*k as usize) else { return false };
            let q = match &settle {
                Some((q, nulls)) if nulls.as_ref().is_none_or(|n| n.is_valid(i)) => q[i] as usize + 1,
                _ => 0,
            };
            let at = ((s[i] as usize * regions + r[i] as usize) * months + m[i] as usize) * settles + q;
            let Some(&resolved) = d.combinations.get(at) else { return false };
            let key = if resolved != UNRESOLVED {
                d.keys[resolved as usize]
            } else {
                let text = |n: usize, k: usize| {
                    d.texts[n].get(k).copied().flatten().filter(|id| !self.texts.blank[*id as usize])
                };
                let name = |id: u32| &*self.texts.names[id as usize];
                let key = (|| {
                    let (sector, region) = (text(0, s[i] as usize)?, text(1, r[i] as usize)?);
                    let month: Month = name(text(2, m[i] as usize)?).parse().ok()?;
                    let settle = match q {
                        0 => None,
                        q => Some(name(text(3, q - 1)?).parse::<Quarter>().ok()?),
                    };
                    let quarter = settle_quarter(month, settle).ok()?;
                    Some((sector, region, period_code(by, month, quarter)))
                })();
                let Some(key) = key else { return false };
                d.combinations[at] = d.keys.len() as u32;
                d.keys.push(key);
                key
            };
            rows.push(*id);
            keys.push(key);
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow_array::{Array, DictionaryArray, StringArray};

    use super::*;

    fn dictionary(keys: Vec<i32>, values: Vec<Option<&str>>) -> DictionaryArray<Int32Type> {
        DictionaryArray::try_new(keys.into(), Arc::new(StringArray::from(values))).unwrap()
    }

    fn partial() -> Partial {
        Partial::new(0)
    }

    #[test]
    fn dictionary_keys_resolve_each_combination_once_and_defer_bad_rows() {
        let inst = dictionary(vec![0, 1, 0, 1], vec![Some("A"), Some("B")]);
        let sector = dictionary(vec![0, 0, 0, 0], vec![Some("dental")]);
        let region = dictionary(vec![0, 0, 0, 0], vec![Some("east")]);
        let month = dictionary(vec![0, 1, 0, 0], vec![Some("2026-01"), Some("2025-12")]);
        // row 2 is a late approval of 2025-12 settled in 2026Q1; the others have no settle_quarter
        let settle = DictionaryArray::<Int32Type>::try_new(
            vec![None, Some(0), None, None].into(),
            Arc::new(StringArray::from(vec!["2026Q1"])),
        )
        .unwrap();
        let columns: [Option<&dyn Array>; 5] = [Some(&inst), Some(&sector), Some(&region), Some(&month), Some(&settle)];
        let mut p = partial();
        let (mut rows, mut keys) = (Vec::new(), Vec::new());
        assert!(p.dictionary_keys(columns, By::SettleQuarter, &mut rows, &mut keys));
        let name = |id: u32| p.texts.names[id as usize].to_string();
        assert_eq!(rows.iter().map(|id| name(*id)).collect::<Vec<_>>(), ["A", "B", "A", "B"]);
        let q1 = 2026 * 4;
        assert!(keys.iter().all(|(s, r, period)| name(*s) == "dental" && name(*r) == "east" && *period == q1));
        assert_eq!(p.dictionary.keys.len(), 2, "two combinations (month 01 without settle, month 12 with 2026Q1)");

        // anything to report goes to the row-by-row pass: a blank institution, a settle
        // quarter before the month, a month that is not one, a null sector
        let blank = dictionary(vec![0, 1, 0, 1], vec![Some("A"), Some(" ")]);
        let columns: [Option<&dyn Array>; 5] = [Some(&blank), Some(&sector), Some(&region), Some(&month), None];
        assert!(!p.dictionary_keys(columns, By::SettleQuarter, &mut rows, &mut keys));
        let early = DictionaryArray::<Int32Type>::try_new(
            vec![Some(0), None, None, None].into(),
            Arc::new(StringArray::from(vec!["2025Q4"])),
        )
        .unwrap();
        let columns: [Option<&dyn Array>; 5] = [Some(&inst), Some(&sector), Some(&region), Some(&month), Some(&early)];
        assert!(!p.dictionary_keys(columns, By::SettleQuarter, &mut rows, &mut keys));
        let bad_month = dictionary(vec![0, 0, 0, 0], vec![Some("2026-13")]);
        let columns: [Option<&dyn Array>; 5] = [Some(&inst), Some(&sector), Some(&region), Some(&bad_month), None];
        assert!(!p.dictionary_keys(columns, By::SettleQuarter, &mut rows, &mut keys));
        let null_sector = DictionaryArray::<Int32Type>::try_new(
            vec![Some(0), None, Some(0), Some(0)].into(),
            Arc::new(StringArray::from(vec!["dental"])),
        )
        .unwrap();
        let columns: [Option<&dyn Array>; 5] = [Some(&inst), Some(&null_sector), Some(&region), Some(&month), None];
        assert!(!p.dictionary_keys(columns, By::SettleQuarter, &mut rows, &mut keys));
        // plain (not dictionary) text is read row by row
        let plain = StringArray::from(vec!["A", "B", "A", "B"]);
        let columns: [Option<&dyn Array>; 5] = [Some(&plain), Some(&sector), Some(&region), Some(&month), None];
        assert!(!p.dictionary_keys(columns, By::SettleQuarter, &mut rows, &mut keys));
    }
}
