//! A worker's running sums per (institution, sector, region, period).
//!
//! Rows are looked up by interned institution id (a direct index) and then by key id: an
//! institution's first key is kept inline, further ones (another sector, a late approval's
//! quarter) are chained behind it. Faster than hashing the whole key per row.

use std::collections::HashMap;

use dianzhi_core::number::Overflow;
use dianzhi_core::taiwan::pool::ClaimSums;

/// (sector id, region id, period code).
pub(super) type Key = (u32, u32, i32);

/// A worker's numbering of the keys it has seen, so that a row carries one `u32` for its key.
pub(super) struct KeyIds {
    ids: HashMap<Key, u32, foldhash::fast::FixedState>,
    keys: Vec<Key>,
    /// The keys met last, by a hash of the key: a quarter has a few dozen keys and rows read
    /// without dictionaries look one up per row, which hashing the tuple made a sixth of the
    /// time. Only a memo: the numbering is the map's.
    recent: Box<[(Key, u32); RECENT]>,
}

/// Slots of [`KeyIds::recent`] (a power of two).
const RECENT: usize = 256;

impl Default for KeyIds {
    fn default() -> Self {
        // a slot's id is u32::MAX until a key is put there, so no key is ever found in it
        KeyIds { ids: HashMap::default(), keys: Vec::new(), recent: Box::new([((0, 0, 0), u32::MAX); RECENT]) }
    }
}

impl KeyIds {
    /// The key numbered `id`.
    pub(super) fn key(&self, id: u32) -> Key {
        self.keys[id as usize]
    }

    pub(super) fn id(&mut self, key: Key) -> u32 {
        let (s, r, p) = key;
        let h = u64::from(s).wrapping_mul(0x9E37_79B9_7F4A_7C15)
            ^ u64::from(r).wrapping_mul(0xC2B2_AE3D_27D4_EB4F)
            ^ u64::from(p as u32).wrapping_mul(0x1656_67B1_9E37_79F9);
        let slot = &mut self.recent[(h >> (64 - RECENT.trailing_zeros())) as usize];
        if slot.0 == key && slot.1 != u32::MAX {
            return slot.1;
        }
        let next = self.keys.len() as u32;
        let id = *self.ids.entry(key).or_insert_with(|| {
            self.keys.push(key);
            next
        });
        *slot = (key, id);
        id
    }
}

/// A key id no row has: the key of a slot not used yet.
const NO_KEY: u32 = u32::MAX;

/// The running sums of one (institution, key) in one aligned cache line: 64-bit sums, as real
/// quarters need (a point sum of 9 × 10^14 points at 4 decimals still fits); a row that would
/// carry a sum past 64 bits moves the slot's sums into `Accumulator::wide` instead, so nothing
/// is ever lost or wrapped.
#[repr(align(64))]
#[derive(Clone)]
struct Slot {
    key: u32,
    /// Index + 1 of the institution's next slot in `Accumulator::more` (0: none).
    next: u32,
    /// claimed, drug, protected, deducted, copayment.
    sums: [i64; 5],
    /// Rows added (a slot's count stays here when its sums are carried into `wide`).
    rows: u64,
}

impl Default for Slot {
    fn default() -> Self {
        Slot { key: NO_KEY, next: 0, sums: [0; 5], rows: 0 }
    }
}

#[derive(Default)]
pub(super) struct Accumulator {
    by_institution: Vec<Slot>,
    more: Vec<Slot>,
    /// What outgrew a slot's 64-bit sums, in exact 128-bit sums.
    wide: HashMap<(u32, u32), ClaimSums>,
}

fn claim_sums(v: [i128; 5]) -> ClaimSums {
    ClaimSums { claimed: v[0], drug: v[1], protected: v[2], deducted: v[3], copayment: v[4] }
}

impl Accumulator {
    /// Makes room for institution ids below `institutions` (call before [`Accumulator::add`]).
    pub(super) fn reserve(&mut self, institutions: usize) {
        if self.by_institution.len() < institutions {
            self.by_institution.resize_with(institutions, Slot::default);
        }
    }

    /// Asks the CPU to fetch an institution's sums ahead of their use: rows come in no order
    /// of institution, and this lookup is otherwise a cache miss per row.
    #[inline]
    pub(super) fn prefetch(&self, inst: u32) {
        crate::read::prefetch::prefetch(self.by_institution.get(inst as usize));
    }

    /// Adds a row's values (claimed, drug, protected, deducted, copayment) to its sums.
    #[inline]
    pub(super) fn add<T: Copy>(&mut self, inst: u32, key: u32, row: [T; 5]) -> Result<(), Overflow>
    where
        i64: TryFrom<T>,
        i128: From<T>,
    {
        let head = &mut self.by_institution[inst as usize];
        if head.key == NO_KEY {
            head.key = key;
        }
        let slot = if head.key == key { head } else { more_slot(head, &mut self.more, key) };
        slot.rows += 1;
        let mut sums = slot.sums;
        for (sum, value) in sums.iter_mut().zip(row) {
            match i64::try_from(value).ok().and_then(|v| sum.checked_add(v)) {
                Some(s) => *sum = s,
                None => {
                    let carried = claim_sums(slot.sums.map(<i128 as From<i64>>::from));
                    slot.sums = [0; 5];
                    let wide = self.wide.entry((inst, key)).or_default();
                    wide.add(&carried)?;
                    return wide.add(&claim_sums(row.map(|v: T| i128::from(v))));
                }
            }
        }
        slot.sums = sums;
        Ok(())
    }

    /// Every (institution id, key) with its sums and rows; a key may come twice (a slot and
    /// what it carried into `wide`, with 0 rows). `keys` numbered the keys.
    pub(super) fn sums(&self, keys: &KeyIds) -> Vec<(u32, Key, ClaimSums, u64)> {
        let mut out = Vec::with_capacity(self.by_institution.len() + self.more.len() + self.wide.len());
        for (inst, head) in self.by_institution.iter().enumerate().filter(|(_, h)| h.key != NO_KEY) {
            let mut slot = head;
            loop {
                out.push((inst as u32, keys.key(slot.key), claim_sums(slot.sums.map(i128::from)), slot.rows));
                if slot.next == 0 {
                    break;
                }
                slot = &self.more[slot.next as usize - 1];
            }
        }
        out.extend(self.wide.iter().map(|((inst, key), sums)| (*inst, keys.key(*key), *sums, 0)));
        out
    }
}

/// The slot of `key` among an institution's further slots, appended when new.
fn more_slot<'a>(head: &'a mut Slot, more: &'a mut Vec<Slot>, key: u32) -> &'a mut Slot {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn total(a: &Accumulator, ids: &KeyIds, inst: u32, key: Key) -> ClaimSums {
        let mut t = ClaimSums::default();
        a.sums(ids).iter().filter(|(i, k, _, _)| (*i, *k) == (inst, key)).for_each(|(_, _, s, _)| t.add(s).unwrap());
        t
    }

    #[test]
    fn keys_are_numbered_in_the_order_first_met_whatever_the_memo_holds() {
        // more keys than the memo has slots, met again in another order: each keeps its number
        let keys: Vec<Key> = (0..2_000u32).map(|n| (n % 7, n / 7 % 13, 8_000 + (n % 11) as i32 - 5)).collect();
        let mut ids = KeyIds::default();
        let mut first: HashMap<Key, u32> = HashMap::new();
        for key in keys.iter().chain(keys.iter().rev()).chain(keys.iter().step_by(3)) {
            let next = first.len() as u32;
            let want = *first.entry(*key).or_insert(next);
            assert_eq!(ids.id(*key), want, "{key:?}");
            assert_eq!(ids.key(want), *key);
        }
        // the memo's empty slots hold (0, 0, 0): that key is numbered too, not found there
        let mut ids = KeyIds::default();
        assert_eq!(ids.id((1, 1, 1)), 0);
        assert_eq!(ids.id((0, 0, 0)), 1);
        assert_eq!(ids.id((0, 0, 0)), 1);
    }

    #[test]
    fn keys_of_one_institution_are_chained_and_wide_sums_carried() {
        let (mut a, mut ids) = (Accumulator::default(), KeyIds::default());
        a.reserve(2);
        let (k1, k2, k3) = ((1, 1, 10), (2, 1, 10), (1, 1, 11));
        for key in [k1, k2, k3, k2, k1] {
            a.add(0, ids.id(key), [1i64, 0, 0, 0, 0]).unwrap();
        }
        a.add(1, ids.id(k1), [5i64, 0, 0, 0, 0]).unwrap();
        assert_eq!([k1, k2, k3].map(|k| total(&a, &ids, 0, k).claimed), [2, 2, 1]);
        assert_eq!(total(&a, &ids, 1, k1).claimed, 5);
        // past 64 bits: a running sum that would overflow, and a row that does not fit at all
        let big = i128::from(i64::MAX) - 1;
        a.add(1, ids.id(k1), [big, 0, 0, 0, 3]).unwrap();
        a.add(1, ids.id(k1), [i128::from(u64::MAX), 0, 0, 0, 0]).unwrap();
        a.add(1, ids.id(k1), [1i128, 0, 0, 0, 0]).unwrap();
        let t = total(&a, &ids, 1, k1);
        assert_eq!((t.claimed, t.copayment), (5 + big + i128::from(u64::MAX) + 1, 3));
        // every row is counted once, carried or not
        let rows: u64 = a.sums(&ids).iter().filter(|(i, k, _, _)| (*i, *k) == (1, k1)).map(|(_, _, _, r)| r).sum();
        assert_eq!(rows, 4);
    }
}
