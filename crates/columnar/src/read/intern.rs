//! Text cells as small integer ids: each distinct text is interned once per unit (a dictionary
//! column once per dictionary), so keys compare and hash as integers.

use std::collections::HashMap;

use arrow_array::cast::AsArray;
use arrow_array::types::*;
use arrow_array::{Array, ArrayRef, DictionaryArray};
use arrow_schema::DataType;

/// Text values (and their interning) shared across the batches of a unit.
#[derive(Default)]
pub struct Interner {
    ids: HashMap<Box<str>, u32, foldhash::fast::FixedState>,
    pub names: Vec<Box<str>>,
    /// Whether each text is empty or only blanks (checked once per distinct text).
    pub blank: Vec<bool>,
    /// The last dictionary seen per column, reused while the reader hands out the same
    /// dictionary buffers (one per Parquet column chunk).
    dictionaries: HashMap<usize, SeenDictionary>,
}

impl Interner {
    pub fn id(&mut self, s: &str) -> u32 {
        // a text cell is its text without surrounding blanks, in Parquet as in CSV (whose reader
        // trims every cell): " 济南" and "济南" are one region
        let s = s.trim();
        if let Some(&id) = self.ids.get(s) {
            return id;
        }
        let id = u32::try_from(self.names.len()).expect("fewer than 4 billion distinct texts");
        self.names.push(s.into());
        self.blank.push(s.is_empty());
        self.ids.insert(s.into(), id);
        id
    }

    /// Whether a cell is null or blank.
    pub fn is_blank(&self, id: Option<u32>) -> bool {
        id.is_none_or(|id| self.blank[id as usize])
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
/// the first error. Returns whether any row may be null or blank (false only when neither the
/// column nor its dictionary has one, so that rows need no check).
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
    each_plain_text_id(array, interner, f)?;
    Ok(true)
}

/// [`each_text_id`] of a text column that is not a dictionary.
fn each_plain_text_id<E>(
    array: &dyn Array,
    interner: &mut Interner,
    mut f: impl FnMut(&Interner, usize, Option<u32>) -> Result<(), E>,
) -> Result<(), E> {
    macro_rules! each {
        ($a:expr) => {
            for (i, v) in $a.iter().enumerate() {
                let id = v.map(|s| interner.id(s));
                f(interner, i, id)?;
            }
        };
    }
    match array.data_type() {
        DataType::Utf8 => each!(array.as_string::<i32>()),
        DataType::LargeUtf8 => each!(array.as_string::<i64>()),
        DataType::Utf8View => each!(array.as_string_view()),
        t => unreachable!("text column of type {t} passed the schema check"),
    }
    Ok(())
}
