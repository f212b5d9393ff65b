//! The key pass through the dictionaries: when a batch's key columns are dictionary-encoded
//! (how Parquet files are usually written), each distinct combination of sector, region,
//! month and settle_quarter is checked and turned into a key once, not once per row.

use arrow_array::types::Int32Type;
use arrow_array::{Array, ArrayRef, DictionaryArray};
use dianzhi_core::period::{Month, Quarter};

use super::accumulator::KeyIds;
use super::{period_code, settle_quarter, By};
use crate::read::{self, Interner};

/// What the dictionary key pass knows about the dictionaries it last saw.
#[derive(Default)]
pub(super) struct DictionaryKeys {
    /// The dictionaries of institution_id, sector, region, service_month and settle_quarter
    /// the tables below are for (kept, so that their buffers cannot be reused by others).
    seen: Vec<Option<ArrayRef>>,
    /// Interned id of each institution text, `BLANK` if blank.
    institutions: Vec<u32>,
    /// Interned id of each text of the sector, region, month and settle_quarter dictionaries.
    ids: [Vec<Option<u32>>; 4],
    /// Sizes of those four dictionaries (settle_quarter's plus one, for null).
    shape: [usize; 4],
    /// Per combination of the four keys, its key id once resolved.
    combinations: Vec<u32>,
}

const UNRESOLVED: u32 = u32::MAX;
const BLANK: u32 = u32::MAX;

/// At most this many combinations of sector, region, month and settle_quarter dictionary keys
/// are tabled; larger dictionaries are read row by row.
const MAX_COMBINATIONS: usize = 1 << 16;

impl DictionaryKeys {
    /// The key pass for a batch whose key columns are all dictionary-encoded with Int32 keys
    /// (how Parquet files are usually written and read here) and have no nulls (settle_quarter
    /// may): every distinct combination of sector, region, month and settle_quarter is checked
    /// and turned into a key once per dictionary instead of once per row. Returns false when
    /// the batch does not qualify or holds anything to report: the row-by-row pass then reads
    /// it and names the cell. Fills `rows` with each row's interned institution and `keys` with
    /// its key's id in `ids`; only interns texts and numbers keys, adds no sums.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn keys(
        &mut self,
        texts: &mut Interner,
        ids: &mut KeyIds,
        columns: [Option<&dyn Array>; 5],
        by: By,
        rows: &mut Vec<u32>,
        keys: &mut Vec<u32>,
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
        let d = self;
        if d.seen.len() != values.len() || !d.seen.iter().zip(&values).all(|(a, b)| same(a, b)) {
            d.seen.clear();
            let mut ids = Vec::new();
            read::text_ids(inst.values().as_ref(), texts, usize::MAX, &mut ids);
            d.institutions = ids.iter().map(|id| id.filter(|id| !texts.blank[*id as usize]).unwrap_or(BLANK)).collect();
            for (n, v) in [Some(sector), Some(region), Some(month), settle].iter().enumerate() {
                d.ids[n].clear();
                if let Some(v) = v {
                    read::text_ids(v.values().as_ref(), texts, usize::MAX, &mut d.ids[n]);
                }
            }
            d.shape = [d.ids[0].len(), d.ids[1].len(), d.ids[2].len(), d.ids[3].len() + 1];
            let combinations = d.shape.iter().product::<usize>();
            if combinations > MAX_COMBINATIONS {
                return false;
            }
            d.combinations.clear();
            d.combinations.resize(combinations, UNRESOLVED);
            d.seen = values;
        }

        let [s, r, m] = [sector, region, month].map(|a| a.keys().values());
        let [sectors, regions, months, settles] = d.shape;
        // a key outside its dictionary would alias another combination: read such a batch row
        // by row (negative keys become huge as u32). Each pass below is one branch-free loop.
        let outside = |keys: &[i32], size: usize| read::largest_key(keys) >= size;
        let inst = inst.keys().values();
        if outside(inst, d.institutions.len()) || outside(s, sectors) || outside(r, regions) || outside(m, months) {
            return false;
        }
        // each row's institution, a blank one sending the batch row by row
        rows.clear();
        rows.extend(inst.iter().map(|k| d.institutions[*k as usize]));
        if rows.iter().copied().max() == Some(BLANK) {
            return false;
        }
        // each row's combination of the four dictionaries (settle_quarter's null is 0), then
        // in place its key id
        keys.clear();
        keys.extend(s.iter().zip(r).zip(m).map(|((s, r), m)| {
            ((*s as u32 * regions as u32 + *r as u32) * months as u32 + *m as u32) * settles as u32
        }));
        if let Some(settle) = settle {
            let q = settle.keys().values();
            if outside(q, settles - 1) {
                // only a null row may hold a key outside the dictionary
                if settle.keys().iter().flatten().any(|k| k as u32 as usize >= settles - 1) {
                    return false;
                }
            }
            match settle.logical_nulls() {
                None => keys.iter_mut().zip(q).for_each(|(at, q)| *at += *q as u32 + 1),
                Some(valid) => keys.iter_mut().zip(q).zip(valid.iter()).for_each(|((at, q), valid)| {
                    if valid {
                        *at += *q as u32 + 1;
                    }
                }),
            }
        }
        for (i, at) in keys.iter_mut().enumerate() {
            let resolved = d.combinations[*at as usize];
            if resolved != UNRESOLVED {
                *at = resolved;
                continue;
            }
            let text = |n: usize, k: usize| d.ids[n].get(k).copied().flatten().filter(|id| !texts.blank[*id as usize]);
            let name = |id: u32| &*texts.names[id as usize];
            let q = *at as usize % settles;
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
            let id = ids.id(key);
            d.combinations[*at as usize] = id;
            *at = id;
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
        let (mut d, mut texts, mut ids) = (DictionaryKeys::default(), Interner::default(), KeyIds::default());
        let (mut rows, mut keys) = (Vec::new(), Vec::new());
        assert!(d.keys(&mut texts, &mut ids, columns, By::SettleQuarter, &mut rows, &mut keys));
        let name = |id: u32| texts.names[id as usize].to_string();
        assert_eq!(rows.iter().map(|id| name(*id)).collect::<Vec<_>>(), ["A", "B", "A", "B"]);
        let q1 = 2026 * 4;
        assert!(keys
            .iter()
            .map(|id| ids.key(*id))
            .all(|(s, r, period)| name(s) == "dental" && name(r) == "east" && period == q1));
        let resolved = d.combinations.iter().filter(|c| **c != UNRESOLVED).count();
        assert_eq!(resolved, 2, "two combinations (month 01 without settle, month 12 with 2026Q1), one key");

        // anything to report goes to the row-by-row pass: a blank institution, a settle
        // quarter before the month, a month that is not one, a null sector
        let blank = dictionary(vec![0, 1, 0, 1], vec![Some("A"), Some(" ")]);
        let columns: [Option<&dyn Array>; 5] = [Some(&blank), Some(&sector), Some(&region), Some(&month), None];
        assert!(!d.keys(&mut texts, &mut ids, columns, By::SettleQuarter, &mut rows, &mut keys));
        let early = DictionaryArray::<Int32Type>::try_new(
            vec![Some(0), None, None, None].into(),
            Arc::new(StringArray::from(vec!["2025Q4"])),
        )
        .unwrap();
        let columns: [Option<&dyn Array>; 5] = [Some(&inst), Some(&sector), Some(&region), Some(&month), Some(&early)];
        assert!(!d.keys(&mut texts, &mut ids, columns, By::SettleQuarter, &mut rows, &mut keys));
        let bad_month = dictionary(vec![0, 0, 0, 0], vec![Some("2026-13")]);
        let columns: [Option<&dyn Array>; 5] = [Some(&inst), Some(&sector), Some(&region), Some(&bad_month), None];
        assert!(!d.keys(&mut texts, &mut ids, columns, By::SettleQuarter, &mut rows, &mut keys));
        let null_sector = DictionaryArray::<Int32Type>::try_new(
            vec![Some(0), None, Some(0), Some(0)].into(),
            Arc::new(StringArray::from(vec!["dental"])),
        )
        .unwrap();
        let columns: [Option<&dyn Array>; 5] = [Some(&inst), Some(&null_sector), Some(&region), Some(&month), None];
        assert!(!d.keys(&mut texts, &mut ids, columns, By::SettleQuarter, &mut rows, &mut keys));
        // a null settle_quarter may hold any key (here one past its dictionary): not a fault
        let garbage = arrow_array::Int32Array::new(vec![0, 7, 0, 0].into(), Some(vec![true, false, true, true].into()));
        let under_null =
            DictionaryArray::<Int32Type>::try_new(garbage, Arc::new(StringArray::from(vec!["2026Q1"]))).unwrap();
        let columns: [Option<&dyn Array>; 5] =
            [Some(&inst), Some(&sector), Some(&region), Some(&month), Some(&under_null)];
        assert!(d.keys(&mut texts, &mut ids, columns, By::SettleQuarter, &mut rows, &mut keys));
        assert_eq!(keys.iter().map(|id| ids.key(*id).2).collect::<Vec<_>>(), [q1, q1 - 1, q1, q1]);
        // plain (not dictionary) text is read row by row
        let plain = StringArray::from(vec!["A", "B", "A", "B"]);
        let columns: [Option<&dyn Array>; 5] = [Some(&plain), Some(&sector), Some(&region), Some(&month), None];
        assert!(!d.keys(&mut texts, &mut ids, columns, By::SettleQuarter, &mut rows, &mut keys));
    }
}
