//! Text cells as small integer ids: each distinct text is interned once per unit (a dictionary
//! column once per dictionary), so keys compare and hash as integers.

use std::collections::HashMap;

use arrow_array::cast::AsArray;
use arrow_array::types::*;
use arrow_array::{Array, ArrayRef, DictionaryArray, GenericStringArray, OffsetSizeTrait};
use arrow_schema::DataType;

/// Text values (and their interning) shared across the batches of a unit.
#[derive(Default)]
pub struct Interner {
    /// Each distinct cell of up to 15 bytes as it came (blanks included), packed with its
    /// length into one integer ([`pack`]): a plain text column costs a lookup per row, and
    /// this makes it one integer hash and compare, with no trim and no string compare.
    short: ShortCells,
    /// Each distinct longer cell as it came.
    long: HashMap<Box<str>, u32, foldhash::fast::FixedState>,
    /// Each distinct text (trimmed): the cells " 济南" and "济南" are one text.
    ids: HashMap<Box<str>, u32, foldhash::fast::FixedState>,
    pub names: Vec<Box<str>>,
    /// Whether each text is empty or only blanks (checked once per distinct text).
    pub blank: Vec<bool>,
    /// Whether any text is blank: while none is, no row of a column without nulls needs a check.
    any_blank: bool,
    /// The last dictionary seen per column, reused while the reader hands out the same
    /// dictionary buffers (one per Parquet column chunk).
    dictionaries: HashMap<usize, SeenDictionary>,
    /// A batch's packed cells, reused from batch to batch.
    packed: Vec<u128>,
}

impl Interner {
    /// The id of a cell's text.
    pub fn id(&mut self, cell: &str) -> u32 {
        match pack(cell.as_bytes()) {
            Some(key) => self.short_id(key, || cell),
            None => match self.long.get(cell) {
                Some(&id) => id,
                None => {
                    let id = self.text_id(cell);
                    self.long.insert(cell.into(), id);
                    id
                }
            },
        }
    }

    /// The id of a cell of up to 15 bytes given packed (`key`, [`pack`]'s), with its text for
    /// when it is new.
    #[inline]
    fn short_id<'a>(&mut self, key: u128, cell: impl FnOnce() -> &'a str) -> u32 {
        if let Some(id) = self.short.get(key) {
            return id;
        }
        let id = self.text_id(cell());
        self.short.insert(key, id);
        id
    }

    /// The id of a cell's text, numbering it when new.
    fn text_id(&mut self, cell: &str) -> u32 {
        // a text cell is its text without surrounding blanks, in Parquet as in CSV (whose reader
        // trims every cell): " 济南" and "济南" are one region
        let s = cell.trim();
        if let Some(&id) = self.ids.get(s) {
            return id;
        }
        let id = u32::try_from(self.names.len()).expect("fewer than 4 billion distinct texts");
        self.names.push(s.into());
        self.blank.push(s.is_empty());
        self.any_blank |= s.is_empty();
        self.ids.insert(s.into(), id);
        id
    }

    /// Whether a cell is null or blank.
    pub fn is_blank(&self, id: Option<u32>) -> bool {
        id.is_none_or(|id| self.blank[id as usize])
    }
}

/// A cell of at most 15 bytes as one integer: its bytes (little-endian, zero above them) and its
/// length in the top byte, so that two cells have the same key exactly when they are the same
/// bytes.
fn pack(bytes: &[u8]) -> Option<u128> {
    let mut b = [0u8; 16];
    b.get_mut(..bytes.len()).filter(|_| bytes.len() < 16)?.copy_from_slice(bytes);
    b[15] = bytes.len() as u8;
    Some(u128::from_le_bytes(b))
}

/// [`pack`] of `len` (< 16) bytes read as the low bytes of `word` (whatever lies above them).
#[inline]
fn pack_word(word: u128, len: usize) -> u128 {
    // the mask of the low `len` bytes, looked up: computing a 128-bit shift costs more
    const MASKS: [u128; 16] = {
        let mut masks = [0u128; 16];
        let mut len = 1;
        while len < 16 {
            masks[len] = (1u128 << (8 * len)) - 1;
            len += 1;
        }
        masks
    };
    (word & MASKS[len]) | ((len as u128) << 120)
}

/// A cell that [`pack`] does not take: null, or longer than 15 bytes. No packed cell is this
/// (its top byte, the length, is at most 15).
const NOT_PACKED: u128 = u128::MAX;

/// Packed cells ([`pack`]) → their text's id: open addressing with linear probing, so that a
/// column's lookups can be fetched a few rows ahead ([`ShortCells::prefetch`]): the table of a
/// quarter's 25,000 institutions outgrows the core's cache, and waiting for it was half the time
/// of a column read without dictionaries.
#[derive(Default)]
struct ShortCells {
    /// A power of two of slots (none until the first cell), at most seven eighths taken: a
    /// quarter's 25,000 institutions fit 32K slots (768 KB).
    slots: Vec<ShortSlot>,
    taken: usize,
}

#[derive(Clone, Copy)]
struct ShortSlot {
    /// The packed cell, as two words (a `u128` would align the slot to 32 bytes).
    key: [u64; 2],
    /// [`NO_ID`] while the slot is free.
    id: u32,
}

const NO_ID: u32 = u32::MAX;

impl ShortCells {
    /// The slot where the search for `key` starts: a folded multiply of its two words.
    #[inline]
    fn home(&self, key: u128) -> usize {
        let (lo, hi) = (key as u64 ^ 0x243F_6A88_85A3_08D3, (key >> 64) as u64 ^ 0x1319_8A2E_0370_7344);
        let product = u128::from(lo) * u128::from(hi);
        ((product as u64) ^ ((product >> 64) as u64)) as usize & (self.slots.len().wrapping_sub(1))
    }

    /// Fetches the slot where `key`'s search starts, when the table is too big to stay in the
    /// first-level cache (a column of a few distinct texts needs no fetching).
    #[inline]
    fn prefetch(&self, key: u128) {
        if self.slots.len() > 1024 {
            super::prefetch::prefetch(self.slots.get(self.home(key)));
        }
    }

    #[inline]
    fn get(&self, key: u128) -> Option<u32> {
        if self.slots.is_empty() {
            return None;
        }
        let words = [key as u64, (key >> 64) as u64];
        let mask = self.slots.len() - 1;
        let mut at = self.home(key);
        loop {
            let slot = &self.slots[at];
            if slot.id == NO_ID {
                return None;
            }
            if slot.key == words {
                return Some(slot.id);
            }
            at = (at + 1) & mask;
        }
    }

    /// Adds a key not in the table.
    fn insert(&mut self, key: u128, id: u32) {
        if (self.taken + 1) * 8 > self.slots.len() * 7 {
            let old = std::mem::take(&mut self.slots);
            self.slots = vec![ShortSlot { key: [0; 2], id: NO_ID }; (old.len() * 2).max(64)];
            self.taken = 0;
            for slot in old.into_iter().filter(|s| s.id != NO_ID) {
                self.insert(u128::from(slot.key[0]) | (u128::from(slot.key[1]) << 64), slot.id);
            }
        }
        let mask = self.slots.len() - 1;
        let mut at = self.home(key);
        while self.slots[at].id != NO_ID {
            at = (at + 1) & mask;
        }
        self.slots[at] = ShortSlot { key: [key as u64, (key >> 64) as u64], id };
        self.taken += 1;
    }
}

/// Interned text per row into `out` (cleared first); `None` for null cells. Dictionary
/// columns are interned once per dictionary; `column` keys the dictionary cache. Returns the
/// first row that is null or blank.
pub fn text_ids(
    array: &dyn Array,
    interner: &mut Interner,
    column: usize,
    out: &mut Vec<Option<u32>>,
) -> Option<usize> {
    out.clear();
    out.reserve(array.len());
    let may_be_blank = each_text_id(array, interner, column, |_, _, id| {
        out.push(id);
        Ok::<(), ()>(())
    })
    .expect("pushing cannot fail");
    if may_be_blank {
        out.iter().position(|id| interner.is_blank(*id))
    } else {
        None
    }
}

/// The text of each row, borrowed from the array (`None` for null cells); for tables read
/// once, where interning would cost more than it saves.
pub fn texts(array: &dyn Array) -> Vec<Option<&str>> {
    fn plain(array: &dyn Array) -> Vec<Option<&str>> {
        match array.data_type() {
            DataType::Utf8 => array.as_string::<i32>().iter().collect(),
            DataType::LargeUtf8 => array.as_string::<i64>().iter().collect(),
            DataType::Utf8View => array.as_string_view().iter().collect(),
            t => unreachable!("text column of type {t} passed the schema check"),
        }
    }
    match array.as_any_dictionary_opt() {
        Some(dict) => {
            let values = plain(dict.values().as_ref());
            let keys = dict.normalized_keys();
            (0..array.len()).map(|i| if array.is_null(i) { None } else { values[keys[i]] }).collect()
        }
        None => plain(array),
    }
}

/// The text of each row of a label column: its texts, or the decimal digits of its integers.
pub fn labels(array: &dyn Array) -> Vec<Option<std::borrow::Cow<'_, str>>> {
    use std::borrow::Cow;
    fn ints<T: ArrowPrimitiveType>(a: &dyn Array) -> Vec<Option<Cow<'static, str>>>
    where
        T::Native: ToString,
    {
        a.as_primitive::<T>().iter().map(|v| v.map(|v| Cow::Owned(v.to_string()))).collect()
    }
    match array.data_type() {
        DataType::Int8 => ints::<Int8Type>(array),
        DataType::Int16 => ints::<Int16Type>(array),
        DataType::Int32 => ints::<Int32Type>(array),
        DataType::Int64 => ints::<Int64Type>(array),
        DataType::UInt8 => ints::<UInt8Type>(array),
        DataType::UInt16 => ints::<UInt16Type>(array),
        DataType::UInt32 => ints::<UInt32Type>(array),
        DataType::UInt64 => ints::<UInt64Type>(array),
        _ => texts(array).into_iter().map(|t| t.map(Cow::Borrowed)).collect(),
    }
}

/// A dictionary seen last in a column, with the interned id of each of its texts. The
/// dictionary itself is kept so that its buffers cannot be freed and reused by one with other
/// texts while it is compared against.
struct SeenDictionary {
    values: ArrayRef,
    ids: Vec<Option<u32>>,
    /// Whether any of its texts is null or blank.
    blank: bool,
}

/// Calls `f(interner, row, id)` for every row of a text column, interning as it goes; stops at
/// the first error. Returns whether any row may be null or blank (false only when the column has
/// no null and neither its dictionary nor, for plain texts, any text interned so far is blank:
/// then rows need no check).
pub(crate) fn each_text_id<E>(
    array: &dyn Array,
    interner: &mut Interner,
    column: usize,
    mut f: impl FnMut(&Interner, usize, Option<u32>) -> Result<(), E>,
) -> Result<bool, E> {
    if let Some(dict) = array.as_any_dictionary_opt() {
        let values = dict.values();
        if interner.dictionaries.get(&column).is_none_or(|d| !d.values.to_data().ptr_eq(&values.to_data())) {
            let mut ids = Vec::with_capacity(values.len());
            each_plain_text_id(values.as_ref(), interner, |_, _, id| {
                ids.push(id);
                Ok::<(), ()>(())
            })
            .expect("pushing cannot fail");
            let blank = ids.iter().any(|id| interner.is_blank(*id));
            interner.dictionaries.insert(column, SeenDictionary { values: values.clone(), ids, blank });
        }
        let interner = &*interner;
        let seen = &interner.dictionaries[&column];
        let nulls = array.logical_nulls();
        let with_nulls = nulls.is_some();
        let id = |i: usize, k: usize| match &nulls {
            Some(n) if n.is_null(i) => None,
            _ => seen.ids[k],
        };
        // Int32 keys (what the reader is asked for) are read in place
        if let Some(d) = array.as_any().downcast_ref::<DictionaryArray<Int32Type>>() {
            d.keys().values().iter().enumerate().try_for_each(|(i, k)| f(interner, i, id(i, *k as usize)))?;
        } else {
            dict.normalized_keys().into_iter().enumerate().try_for_each(|(i, k)| f(interner, i, id(i, k)))?;
        }
        return Ok(with_nulls || seen.blank);
    }
    each_plain_text_id(array, interner, f)
}

/// [`each_text_id`] of a text column that is not a dictionary. Returns whether any row may be
/// null or blank.
fn each_plain_text_id<E>(
    array: &dyn Array,
    interner: &mut Interner,
    f: impl FnMut(&Interner, usize, Option<u32>) -> Result<(), E>,
) -> Result<bool, E> {
    // first every cell of up to 15 bytes packed straight from the array's buffers (from the 16
    // bytes at its offset while 16 remain, or from a view's inline bytes), then the lookups,
    // each fetched a few rows ahead
    fn packed_offsets<O: OffsetSizeTrait>(a: &GenericStringArray<O>, packed: &mut Vec<u128>) {
        let (offsets, bytes) = (a.value_offsets(), a.value_data());
        packed.extend(offsets.windows(2).map(|w| {
            let (start, end) = (w[0].as_usize(), w[1].as_usize());
            match bytes.get(start..start + 16) {
                Some(word) if end - start < 16 => {
                    pack_word(u128::from_le_bytes(word.try_into().expect("16 bytes")), end - start)
                }
                _ => pack(&bytes[start..end]).unwrap_or(NOT_PACKED),
            }
        }));
        not_packed_if_null(a, packed);
    }
    /// Marks the null rows (whose offsets may point at anything).
    fn not_packed_if_null(a: &dyn Array, packed: &mut [u128]) {
        if let Some(nulls) = a.nulls().filter(|n| n.null_count() > 0) {
            packed.iter_mut().enumerate().filter(|(i, _)| nulls.is_null(*i)).for_each(|(_, p)| *p = NOT_PACKED);
        }
    }
    fn lookups<'a, E>(
        array: &dyn Array,
        packed: &[u128],
        value: impl Fn(usize) -> &'a str,
        interner: &mut Interner,
        mut f: impl FnMut(&Interner, usize, Option<u32>) -> Result<(), E>,
    ) -> Result<(), E> {
        const AHEAD: usize = 24;
        let nulls = array.nulls();
        for (i, &key) in packed.iter().enumerate() {
            if let Some(&ahead) = packed.get(i + AHEAD) {
                interner.short.prefetch(ahead);
            }
            let id = match key {
                NOT_PACKED if nulls.is_some_and(|n| n.is_null(i)) => None,
                NOT_PACKED => Some(interner.id(value(i))),
                key => Some(interner.short_id(key, || value(i))),
            };
            f(interner, i, id)?;
        }
        Ok(())
    }
    let mut packed = std::mem::take(&mut interner.packed);
    packed.clear();
    let looked_up = match array.data_type() {
        DataType::Utf8 => {
            let a = array.as_string::<i32>();
            packed_offsets(a, &mut packed);
            lookups(array, &packed, |i| a.value(i), interner, f)
        }
        DataType::LargeUtf8 => {
            let a = array.as_string::<i64>();
            packed_offsets(a, &mut packed);
            lookups(array, &packed, |i| a.value(i), interner, f)
        }
        DataType::Utf8View => {
            let a = array.as_string_view();
            // a view holds a cell of up to 12 bytes after its 4-byte length
            packed.extend(a.views().iter().enumerate().map(|(i, view)| match *view as u32 as usize {
                len if len <= 12 => pack_word(view >> 32, len),
                // a null row's view need not point at a buffer
                _ if a.is_null(i) => NOT_PACKED,
                _ => pack(a.value(i).as_bytes()).unwrap_or(NOT_PACKED),
            }));
            not_packed_if_null(a, &mut packed);
            lookups(array, &packed, |i| a.value(i), interner, f)
        }
        t => unreachable!("text column of type {t} passed the schema check"),
    };
    interner.packed = packed;
    looked_up?;
    Ok(array.null_count() > 0 || interner.any_blank)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow_array::{LargeStringArray, StringArray, StringViewArray};

    use super::*;

    /// Cells chosen to meet every packing: short and long, at the end of the values buffer
    /// (fewer than 16 bytes after them), blanks around them, a NUL inside, Chinese texts of 6,
    /// 12, 15 and 18 bytes, the empty cell and nulls.
    fn cells() -> Vec<Option<&'static str>> {
        vec![
            Some("1400000434"),
            Some(" 1400000434 "),
            Some("济南"),
            Some("\u{3000}济南"),
            Some("a"),
            Some("a\0"),
            None,
            Some("primary_care"),
            Some("黑龙江省哈"),
            Some("黑龙江省哈尔"),
            Some("ab\0\0\0\0\0\0\0\0\0\0\0\0"),
            Some("ab\0\0\0\0\0\0\0\0\0\0\0\0\0"),
            Some("abcdefghijklmnop"),
            Some(" abcdefghijklmnop"),
            Some(""),
            Some("   "),
            Some("黑龙江省哈"),
            Some("a"),
            Some("1400000434"),
        ]
    }

    fn ids(array: &dyn Array) -> (Vec<Option<String>>, Option<usize>) {
        let mut interner = Interner::default();
        let mut out = Vec::new();
        let first_blank = text_ids(array, &mut interner, 0, &mut out);
        let texts = out.iter().map(|id| id.map(|id| interner.names[id as usize].to_string())).collect();
        (texts, first_blank)
    }

    #[test]
    fn every_cell_is_its_trimmed_text_in_every_string_layout() {
        let cells = cells();
        let want: Vec<Option<String>> = cells.iter().map(|c| c.map(|c| c.trim().to_string())).collect();
        let arrays: Vec<ArrayRef> = vec![
            Arc::new(StringArray::from(cells.clone())),
            Arc::new(LargeStringArray::from(cells.clone())),
            Arc::new(StringViewArray::from(cells.clone())),
            // a slice: offsets that do not start at zero
            Arc::new(StringArray::from([vec![Some("x")], cells.clone()].concat()).slice(1, cells.len())),
        ];
        for a in &arrays {
            let (got, first_blank) = ids(a.as_ref());
            assert_eq!(got, want, "{}", a.data_type());
            assert_eq!(first_blank, Some(6), "{}", a.data_type());
        }
        // one interner for every layout (a view's inline bytes and a buffer's 16 bytes pack the
        // same cell alike): each cell still gets its own text, and the same id in every layout
        let mut interner = Interner::default();
        let mut ids: Vec<Vec<Option<u32>>> = Vec::new();
        for a in &arrays {
            let mut out = Vec::new();
            text_ids(a.as_ref(), &mut interner, 0, &mut out);
            let texts: Vec<Option<String>> =
                out.iter().map(|id| id.map(|id| interner.names[id as usize].to_string())).collect();
            assert_eq!(texts, want, "{} after the others", a.data_type());
            ids.push(out);
        }
        assert!(ids.iter().all(|i| *i == ids[0]));
    }

    #[test]
    fn many_texts_keep_their_ids_as_the_table_grows() {
        // institution-like codes of 10 and of 15 bytes, and longer ones, met twice in other orders
        let codes: Vec<String> = (0..60_000u64)
            .map(|n| match n % 3 {
                0 => format!("{:010}", n * 7919),
                1 => format!("{:015}", n * 7919),
                _ => format!("{:020}", n * 7919),
            })
            .collect();
        let first = StringArray::from_iter_values(&codes);
        let again = StringArray::from_iter_values(codes.iter().rev());
        let mut interner = Interner::default();
        let (mut a, mut b) = (Vec::new(), Vec::new());
        text_ids(&first, &mut interner, 0, &mut a);
        text_ids(&again, &mut interner, 0, &mut b);
        assert_eq!(interner.names.len(), codes.len());
        b.reverse();
        assert_eq!(a, b);
        assert!(a.iter().enumerate().all(|(i, id)| *interner.names[id.unwrap() as usize] == codes[i]));
    }

    #[test]
    fn a_column_without_nulls_or_blanks_needs_no_check_until_a_blank_text_is_seen() {
        let mut interner = Interner::default();
        let mut out = Vec::new();
        let clean = StringArray::from(vec!["a", "b", "a"]);
        assert_eq!(text_ids(&clean, &mut interner, 0, &mut out), None);
        assert!(!each_text_id(&clean, &mut interner, 0, |_, _, _| Ok::<(), ()>(())).unwrap());
        let blank = StringArray::from(vec!["a", " ", "b"]);
        assert_eq!(text_ids(&blank, &mut interner, 0, &mut out), Some(1));
        assert!(each_text_id(&clean, &mut interner, 0, |_, _, _| Ok::<(), ()>(())).unwrap());
        assert_eq!(text_ids(&clean, &mut interner, 0, &mut out), None);
    }
}
