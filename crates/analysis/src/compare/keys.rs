//! The keys of compare's join, one `u64` per row. Each key column is read alone (from both
//! tables), its distinct texts ranked in text order (empty after every text), and each row's
//! rank packed into the row's key, first key column in the highest bits: two packed keys
//! compare as their rows' keys do, texts compared column by column. When the next column's
//! ranks no longer fit, the keys so far are replaced by their ranks among all keys of both
//! tables (still in order) and packing goes on; the ranks replaced are kept, so every key can
//! be read back as its texts.

use std::borrow::Cow;
use std::collections::HashMap;

use dianzhi_columnar::read::cells::{Cells, ColumnTable, Texts};
use dianzhi_columnar::write::{TextColumn, KEY_COLUMNS};
use dianzhi_core::number::write_fixed;
use rayon::prelude::*;

use crate::Error;

/// Both tables' keys and what reads them back as texts.
pub struct Keys {
    /// The key of each row of A, of B (empty when `aligned`).
    pub a: Vec<u64>,
    pub b: Vec<u64>,
    /// Each key column's distinct texts in order; a column's empty cells rank after them.
    dictionaries: Vec<Dictionary>,
    layers: Vec<Layer>,
    /// When every key column is the same in both tables, row for row (two runs on one input):
    /// the columns (A's), not ranked — the rows are matched by position.
    pub aligned: Option<Vec<Cells>>,
}

/// Key columns packed into one width: from the most significant bits, the rank of the key in
/// the layer below (if any), then each column's rank.
struct Layer {
    /// The keys of the layer below, by rank.
    below: Option<Vec<u64>>,
    /// (key column, bits) in packing order.
    fields: Vec<(usize, u32)>,
}

impl Keys {
    /// Codes the key columns `names` of both tables, packing into `width` bits (64; less in
    /// tests, to exercise the re-ranking).
    pub fn build(a: &ColumnTable, b: &ColumnTable, names: &[&str], width: u32) -> Result<Keys, Error> {
        let mut keys = Keys {
            a: Vec::new(),
            b: Vec::new(),
            dictionaries: Vec::with_capacity(names.len()),
            layers: vec![Layer { below: None, fields: Vec::new() }],
            aligned: None,
        };
        let mut used = 0u32;
        // the leading key columns that are the same in both tables, ranked only once one is not
        let mut same: Vec<Cells> = Vec::new();
        let mut packing = false;
        for (k, name) in names.iter().enumerate() {
            let (ca, cb) = rayon::join(|| a.cells(name), || b.cells(name));
            let (ca, cb) = (ca?, cb?);
            if same.len() == k && ca == cb {
                same.push(ca);
                continue;
            }
            if !packing {
                // (a flag, not `keys.a.is_empty()`: an empty table A must not reset B's keys)
                packing = true;
                keys.a = vec![0; a.rows()];
                keys.b = vec![0; b.rows()];
            }
            for (j, c) in std::mem::take(&mut same).into_iter().enumerate() {
                let (dictionary, ra) = rank_one(c);
                let rb = ra.clone();
                keys.pack(j, dictionary, ra, rb, &mut used, width, (a, b, names[j]))?;
            }
            let (dictionary, ra, rb) = rank(ca, cb);
            keys.pack(k, dictionary, ra, rb, &mut used, width, (a, b, name))?;
        }
        if same.len() == names.len() {
            keys.aligned = Some(same);
        }
        Ok(keys)
    }

    /// Packs key column `k`'s ranks into the keys.
    #[allow(clippy::too_many_arguments)]
    fn pack(
        &mut self,
        k: usize,
        dictionary: Dictionary,
        ra: Vec<u32>,
        rb: Vec<u32>,
        used: &mut u32,
        width: u32,
        (a, b, name): (&ColumnTable, &ColumnTable, &str),
    ) -> Result<(), Error> {
        let empty = u32::try_from(dictionary.len()).expect("fewer than 4 billion distinct keys");
        let bits = u32::BITS - empty.leading_zeros();
        if *used + bits > width {
            let below = self.rerank();
            *used = u64::BITS - (below.len().saturating_sub(1) as u64).leading_zeros();
            self.layers.push(Layer { below: Some(below), fields: Vec::new() });
            if *used + bits > width {
                // not with fewer than 2^31 rows a table: ranks of both fit in 33 bits each
                return Err(Error::Input(format!(
                    "{} and {}: too many distinct keys to compare ({name} among them)",
                    a.path.display(),
                    b.path.display()
                )));
            }
        }
        for (keys, ranks) in [(&mut self.a, ra), (&mut self.b, rb)] {
            keys.par_iter_mut().zip(ranks.par_iter()).for_each(|(key, r)| {
                let r = if *r == EMPTY { empty } else { *r };
                *key = (*key << bits) | u64::from(r);
            });
        }
        *used += bits;
        self.layers.last_mut().expect("a layer").fields.push((k, bits));
        self.dictionaries.push(dictionary);
        Ok(())
    }

    /// The texts of the key of row `row` of A.
    pub fn of_a(&self, row: usize) -> Vec<Option<Cow<'_, str>>> {
        match &self.aligned {
            Some(columns) => columns.iter().map(|c| c.text(row)).collect(),
            None => self.texts(self.a[row]).into_iter().map(|t| t.map(Cow::Borrowed)).collect(),
        }
    }

    /// A's rows in key order, when they are not in it already (`None`: they are). `sorted`:
    /// A's packed keys and rows by key, when not `aligned`.
    pub fn order(&self, sorted: Option<&[(u64, u32)]>) -> Option<Vec<u32>> {
        match (&self.aligned, sorted) {
            (Some(columns), _) => {
                let cmp = |x: usize, y: usize| {
                    columns
                        .iter()
                        .map(|c| match (c.text(x), c.text(y)) {
                            (Some(p), Some(q)) => p.cmp(&q),
                            // an empty key after every text
                            (p, q) => p.is_none().cmp(&q.is_none()),
                        })
                        .find(|o| o.is_ne())
                        .unwrap_or(std::cmp::Ordering::Equal)
                };
                let rows = columns.first().map_or(0, Cells::len);
                // two runs on one input are mostly written in key order: checked first
                if (1..rows).into_par_iter().all(|i| cmp(i - 1, i).is_le()) {
                    return None;
                }
                let mut order: Vec<u32> = (0..rows as u32).collect();
                order.par_sort_unstable_by(|x, y| cmp(*x as usize, *y as usize).then(x.cmp(y)));
                Some(order)
            }
            (None, Some(sorted)) => {
                let in_order = sorted.par_iter().enumerate().all(|(p, x)| x.1 as usize == p);
                (!in_order).then(|| sorted.par_iter().map(|x| x.1).collect())
            }
            (None, None) => unreachable!("packed keys come sorted"),
        }
    }

    /// Appends the texts of row `row` of A's key to `columns`, one per key column.
    pub fn push_of_a(&self, row: usize, columns: &mut [TextColumn]) {
        match &self.aligned {
            Some(cells) => cells.iter().zip(columns).for_each(|(c, column)| match c {
                Cells::Numbers { scale, values, nulls } if nulls.is_empty() || !nulls[row] => {
                    column.push_with(|s| write_fixed(s, values[row], *scale))
                }
                c => column.push_option(c.text(row).as_deref()),
            }),
            None => self.push_texts(self.a[row], columns),
        }
    }

    /// Appends the texts of `key` to `columns`, one per key column.
    pub fn push_texts(&self, key: u64, columns: &mut [TextColumn]) {
        let mut texts = [None; KEY_COLUMNS.len()];
        let texts = &mut texts[..self.dictionaries.len()];
        self.texts_into(key, texts);
        columns.iter_mut().zip(texts.iter()).for_each(|(c, t)| c.push_option(*t));
    }

    /// When `aligned`: the first two rows of A (in A's order: the earliest second row) whose
    /// keys are the same, found through a hash of each row's key texts.
    pub fn repeated_aligned(&self) -> Option<(usize, usize)> {
        let columns = self.aligned.as_ref()?;
        let rows = columns.first().map_or(0, Cells::len);
        let hashes = row_hashes(columns, rows);
        let mut sorted = hashes.clone();
        radix_sort(&mut sorted, 8, |x, byte| (*x >> (8 * (7 - byte))) as u8);
        let colliding: std::collections::HashSet<u64> =
            sorted.windows(2).filter(|w| w[0] == w[1]).map(|w| w[0]).collect();
        if colliding.is_empty() {
            return None;
        }
        // the rows of each colliding hash, in order; equal hashes are checked text by text
        let mut groups: HashMap<u64, Vec<usize>> = HashMap::new();
        for (i, h) in hashes.iter().enumerate() {
            if colliding.contains(h) {
                groups.entry(*h).or_default().push(i);
            }
        }
        let same = |x: usize, y: usize| columns.iter().all(|c| c.text(x) == c.text(y));
        groups
            .values()
            .filter_map(|rows| {
                // the first row that repeats an earlier one of this hash
                rows.iter().enumerate().find_map(|(n, y)| rows[..n].iter().find(|x| same(**x, *y)).map(|x| (*x, *y)))
            })
            .min_by_key(|(_, y)| *y)
    }

    /// Replaces every key by its rank among the distinct keys of both tables; returns those.
    fn rerank(&mut self) -> Vec<u64> {
        let mut all: Vec<u64> = self.a.iter().chain(&self.b).copied().collect();
        all.par_sort_unstable();
        all.dedup();
        for keys in [&mut self.a, &mut self.b] {
            keys.par_iter_mut().for_each(|k| *k = all.binary_search(k).expect("a key of both") as u64);
        }
        all
    }

    /// A key read back: each key column's text (`None`: empty), in the order of the columns.
    pub fn texts(&self, key: u64) -> Vec<Option<&str>> {
        let mut out = vec![None; self.dictionaries.len()];
        self.texts_into(key, &mut out);
        out
    }

    fn texts_into<'s>(&'s self, key: u64, out: &mut [Option<&'s str>]) {
        let mut v = key;
        for layer in self.layers.iter().rev() {
            for &(k, bits) in layer.fields.iter().rev() {
                let r = if bits == 0 { 0 } else { v & (u64::MAX >> (64 - bits)) };
                v = if bits == 64 { 0 } else { v >> bits };
                out[k] = self.dictionaries[k].get(r as usize);
            }
            if let Some(below) = &layer.below {
                v = below[v as usize];
            }
        }
    }
}

/// A hash of each row's key texts (equal texts, equal hashes), for the repeat check.
fn row_hashes(columns: &[Cells], rows: usize) -> Vec<u64> {
    use std::hash::BuildHasher;
    let state = foldhash::fast::FixedState::with_seed(0x0064_6961_6e7a_6869);
    // a dictionary's texts are hashed once, not once per row
    let coded: Vec<Option<Vec<u64>>> = columns
        .iter()
        .map(|c| match c {
            Cells::Coded { texts, .. } => Some(texts.iter().map(|t| state.hash_one(t.as_str())).collect()),
            _ => None,
        })
        .collect();
    (0..rows)
        .into_par_iter()
        .map(|i| {
            let mut h = 0u64;
            for (c, dict) in columns.iter().zip(&coded) {
                let x = match (c, dict) {
                    (Cells::Coded { codes, .. }, Some(d)) => {
                        if codes[i] == dianzhi_columnar::read::cells::EMPTY {
                            0
                        } else {
                            d[codes[i] as usize]
                        }
                    }
                    (Cells::Texts(t), _) => t.get(i).map_or(0, |t| state.hash_one(t)),
                    (Cells::Numbers { values, nulls, .. }, _) => {
                        if !nulls.is_empty() && nulls[i] {
                            0
                        } else {
                            state.hash_one(values[i])
                        }
                    }
                    _ => unreachable!("a dictionary for every coded column"),
                };
                h = (h.rotate_left(23) ^ x).wrapping_mul(0x9e37_79b9_7f4a_7c15);
            }
            h
        })
        .collect()
}

/// An empty cell's rank before the column's empty rank is known.
const EMPTY: u32 = u32::MAX;

/// A key column's distinct texts in order.
enum Dictionary {
    Texts(Texts),
    /// The column of a table, kept: each distinct text as a row that has it, or (with
    /// [`OTHER`] set) as a text of `other`, those of the other table alone.
    Rows {
        column: Cells,
        ranks: Vec<u32>,
        other: Texts,
    },
}

/// Marks a rank's text as one of [`Dictionary::Rows`]' `other` texts.
const OTHER: u32 = 1 << 31;

impl Dictionary {
    fn len(&self) -> usize {
        match self {
            Dictionary::Texts(t) => t.len(),
            Dictionary::Rows { ranks, .. } => ranks.len(),
        }
    }

    /// The text of rank `r` (`None` past the last: an empty cell).
    fn get(&self, r: usize) -> Option<&str> {
        match self {
            Dictionary::Texts(t) => (r < t.len()).then(|| t.get(r)).flatten(),
            Dictionary::Rows { column: Cells::Texts(t), ranks, other } => ranks.get(r).and_then(|x| {
                if x & OTHER != 0 {
                    other.get((x & !OTHER) as usize)
                } else {
                    t.get(*x as usize)
                }
            }),
            Dictionary::Rows { .. } => unreachable!("only text columns are kept whole"),
        }
    }
}

/// The distinct texts of a column of both tables, in order, and each row's rank among them
/// (`EMPTY` for an empty cell).
fn rank(a: Cells, b: Cells) -> (Dictionary, Vec<u32>, Vec<u32>) {
    if a == b {
        // two runs on one input list the same keys in the same rows: rank them once
        drop(b);
        let (dictionary, rows) = rank_one(a);
        return (dictionary, rows.clone(), rows);
    }
    // texts of both tables keyed past the prefix both share, so that their keys compare
    let skip = match (&a, &b) {
        (Cells::Texts(x), Cells::Texts(y)) => match (shared_prefix(x), shared_prefix(y)) {
            (Some(p), Some(q)) => p.iter().zip(q).take_while(|(x, y)| x == y).count(),
            _ => 0,
        },
        _ => 0,
    };
    // one table after the other: each uses every core, and only one's sort buffers are held
    let sa = Side::of(&a, skip);
    let sb = Side::of(&b, skip);
    // merge the two sorted lists of distinct texts; a text of B alone is copied, A's stay put
    let (mut ma, mut mb) = (vec![0u32; sa.sorted.len()], vec![0u32; sb.sorted.len()]);
    let mut ranks: Vec<u32> = Vec::with_capacity(sa.sorted.len().max(sb.sorted.len()));
    let mut other = Texts::default();
    let (mut i, mut j) = (0, 0);
    while i < sa.sorted.len() || j < sb.sorted.len() {
        let next = ranks.len() as u32;
        let order = match (sa.sorted.get(i), sb.sorted.get(j)) {
            (Some(x), Some(y)) => match (&sa.keys, &sb.keys) {
                (Some(ka), Some(kb)) => ka[i].cmp(&kb[j]).then_with(|| {
                    if long(&ka[i]) {
                        sa.text(*x).cmp(sb.text(*y))
                    } else {
                        std::cmp::Ordering::Equal
                    }
                }),
                _ => sa.text(*x).cmp(sb.text(*y)),
            },
            (Some(_), None) => std::cmp::Ordering::Less,
            _ => std::cmp::Ordering::Greater,
        };
        if order.is_le() {
            ranks.push(sa.sorted[i]);
            ma[i] = next;
            i += 1;
            if order.is_eq() {
                mb[j] = next;
                j += 1;
            }
        } else {
            ranks.push(OTHER | other.len() as u32);
            other.push(Some(sb.text(sb.sorted[j])));
            mb[j] = next;
            j += 1;
        }
    }
    // a table whose distinct texts are all of them keeps its ranks
    let global = |side: Side, m: &[u32]| -> Vec<u32> {
        if m.iter().enumerate().all(|(i, r)| i as u32 == *r) {
            return side.rows;
        }
        side.rows.par_iter().map(|r| if *r == EMPTY { EMPTY } else { m[*r as usize] }).collect()
    };
    let copied = (!matches!(sa.strings, Strings::Rows(_))).then(|| {
        // a small column: its texts copied, in order (A's by their index in A's side)
        let mut t = Texts::with_capacity(ranks.len());
        for r in &ranks {
            // (a dictionary may hold an empty text no row has: it stays empty)
            t.push(if r & OTHER != 0 { other.get((r & !OTHER) as usize) } else { Some(sa.text(*r)) });
        }
        t
    });
    let (ra, rb) = (global(sa, &ma), global(sb, &mb));
    let dictionary = match copied {
        Some(t) => Dictionary::Texts(t),
        None => Dictionary::Rows { column: a, ranks, other },
    };
    (dictionary, ra, rb)
}

/// [`rank`] of a column that is the same in both tables.
fn rank_one(a: Cells) -> (Dictionary, Vec<u32>) {
    let skip = match &a {
        Cells::Texts(t) => shared_prefix(t).map_or(0, <[u8]>::len),
        _ => 0,
    };
    let side = Side::of(&a, skip);
    if !matches!(side.strings, Strings::Rows(_)) {
        let mut t = Texts::with_capacity(side.sorted.len());
        side.sorted.iter().for_each(|x| t.push(Some(side.text(*x))));
        return (Dictionary::Texts(t), side.rows);
    }
    // the column itself is the dictionary: no text is copied
    let Side { sorted, rows, .. } = side;
    (Dictionary::Rows { column: a, ranks: sorted, other: Texts::default() }, rows)
}

/// The bytes every text of a column begins with (`None`: no text).
fn shared_prefix(t: &Texts) -> Option<&[u8]> {
    fn common<'t>(x: Option<&'t [u8]>, y: Option<&'t [u8]>) -> Option<&'t [u8]> {
        match (x, y) {
            (Some(x), Some(y)) => Some(&x[..x.iter().zip(y).take_while(|(p, q)| p == q).count()]),
            (x, y) => x.or(y),
        }
    }
    (0..t.len())
        .into_par_iter()
        .with_min_len(1 << 16)
        .fold(|| None, |shared, i| common(shared, t.get(i).map(str::as_bytes)))
        .reduce(|| None, common)
}

/// Whether a text's sort key leaves the rest of the text to compare (see [`Side::of_texts`]).
fn long(key: &[u64; 2]) -> bool {
    key[1] & 0xff == 16
}

/// Where a side's distinct texts are.
enum Strings<'a> {
    Rows(&'a Texts),
    Borrowed(&'a [String]),
    Owned(Vec<String>),
}

/// One table's column: its distinct texts in order (each as an index into `strings`), their
/// sort keys (texts one per row), and each row's rank among them.
struct Side<'a> {
    strings: Strings<'a>,
    sorted: Vec<u32>,
    keys: Option<Vec<[u64; 2]>>,
    rows: Vec<u32>,
}

impl<'a> Side<'a> {
    fn text(&self, x: u32) -> &str {
        match &self.strings {
            Strings::Rows(t) => t.get(x as usize).expect("a text"),
            Strings::Borrowed(v) => &v[x as usize],
            Strings::Owned(v) => &v[x as usize],
        }
    }

    /// `skip`: how many leading bytes all texts (of both tables) share.
    fn of(cells: &'a Cells, skip: usize) -> Side<'a> {
        match cells {
            Cells::Texts(t) => Side::of_texts(t, skip),
            Cells::Coded { texts, codes } => {
                // a text may be in several row groups' dictionaries: rank the distinct ones
                let (sorted, rank_of) = distinct(texts);
                let empty = dianzhi_columnar::read::cells::EMPTY;
                let rows = codes.par_iter().map(|c| if *c == empty { EMPTY } else { rank_of[*c as usize] }).collect();
                Side { strings: Strings::Borrowed(texts), sorted, keys: None, rows }
            }
            Cells::Numbers { scale, values, nulls } => {
                // keys compare as their texts: the distinct numbers are written out and ranked as text
                let mut first: HashMap<i128, u32, foldhash::fast::FixedState> = HashMap::default();
                let mut rows: Vec<u32> = Vec::with_capacity(values.len());
                let mut texts = Vec::new();
                for (i, v) in values.iter().enumerate() {
                    if !nulls.is_empty() && nulls[i] {
                        rows.push(EMPTY);
                        continue;
                    }
                    let id = *first.entry(*v).or_insert_with(|| {
                        texts.push(dianzhi_core::number::format_fixed(*v, *scale));
                        texts.len() as u32 - 1
                    });
                    rows.push(id);
                }
                let (sorted, rank_of) = distinct(&texts);
                rows.iter_mut().filter(|r| **r != EMPTY).for_each(|r| *r = rank_of[*r as usize]);
                Side { strings: Strings::Owned(texts), sorted, keys: None, rows }
            }
        }
    }

    /// Texts one per row: the rows are sorted by their text and runs of one text get one rank.
    /// The sort key of a text is the 15 bytes after the first `skip`, then the length of the
    /// rest (16: longer than 15, compared whole when the bytes before tie): in the order of the
    /// texts, and equal only for equal texts unless both are that long.
    fn of_texts(t: &'a Texts, skip: usize) -> Side<'a> {
        let tail = |i: u32| &t.get(i as usize).expect("a text").as_bytes()[skip..];
        let key = |i: u32| -> [u64; 2] {
            let mut p = [0u8; 16];
            let tail = tail(i);
            let n = tail.len().min(15);
            p[..n].copy_from_slice(&tail[..n]);
            p[15] = tail.len().min(16) as u8;
            [u64::from_be_bytes(p[..8].try_into().expect("8")), u64::from_be_bytes(p[8..].try_into().expect("8"))]
        };
        let mut keyed: Vec<([u64; 2], u32)> =
            (0..t.len() as u32).into_par_iter().filter(|i| t.get(*i as usize).is_some()).map(|i| (key(i), i)).collect();
        radix_sort(&mut keyed, 16, |x, byte| (x.0[byte / 8] >> (8 * (7 - byte % 8))) as u8);
        // long texts alike in their first bytes: ordered whole (rows in order within a text)
        let mut start = 0;
        while start < keyed.len() {
            let end = start + keyed[start..].iter().take_while(|x| x.0 == keyed[start].0).count();
            if end - start > 1 && long(&keyed[start].0) {
                keyed[start..end].sort_by(|x, y| tail(x.1).cmp(tail(y.1)).then(x.1.cmp(&y.1)));
            }
            start = end;
        }
        let mut rows = vec![EMPTY; t.len()];
        let (mut sorted, mut keys): (Vec<u32>, Vec<[u64; 2]>) = (Vec::new(), Vec::new());
        let mut last: Option<([u64; 2], u32)> = None;
        for (k, i) in keyed {
            if last.is_none_or(|(lk, li)| lk != k || (long(&k) && tail(li) != tail(i))) {
                sorted.push(i);
                keys.push(k);
                last = Some((k, i));
            }
            rows[i as usize] = sorted.len() as u32 - 1;
        }
        Side { strings: Strings::Rows(t), sorted, keys: Some(keys), rows }
    }
}

/// Sorts `v` by `bytes` key bytes (`digit(x, 0)` the most significant), stably: least
/// significant byte first, skipping a byte that all share. Each pass counts and moves the
/// values a chunk per thread, every chunk into its own part of each byte's bucket.
pub(super) fn radix_sort<T: Copy + Default + Send + Sync>(
    v: &mut Vec<T>,
    bytes: usize,
    digit: impl Fn(&T, usize) -> u8 + Sync,
) {
    let Some(first) = v.first().copied() else { return };
    let chunk = v.len().div_ceil(rayon::current_num_threads().max(1) * 2).max(1 << 16);
    // the bytes in which some value differs from the first
    let varies = v
        .par_chunks(chunk)
        .map(|c| {
            let mut d = vec![0u8; bytes];
            for x in c {
                d.iter_mut().enumerate().for_each(|(b, d)| *d |= digit(x, b) ^ digit(&first, b));
            }
            d
        })
        .reduce(|| vec![0u8; bytes], |a, b| a.iter().zip(&b).map(|(x, y)| x | y).collect());
    let mut buffer = vec![T::default(); v.len()];
    for b in (0..bytes).rev().filter(|b| varies[*b] != 0) {
        let counts: Vec<[usize; 256]> = v
            .par_chunks(chunk)
            .map(|c| {
                let mut n = [0usize; 256];
                c.iter().for_each(|x| n[digit(x, b) as usize] += 1);
                n
            })
            .collect();
        // the buffer cut bucket by bucket, and within a bucket chunk by chunk (stable)
        let mut parts: Vec<Vec<&mut [T]>> = (0..counts.len()).map(|_| Vec::with_capacity(256)).collect();
        let mut rest: &mut [T] = &mut buffer;
        for d in 0..256 {
            for (c, n) in counts.iter().enumerate() {
                let (part, tail) = std::mem::take(&mut rest).split_at_mut(n[d]);
                parts[c].push(part);
                rest = tail;
            }
        }
        v.par_chunks(chunk).zip(parts.into_par_iter()).for_each(|(src, mut dst)| {
            let mut at = [0usize; 256];
            for x in src {
                let d = digit(x, b) as usize;
                dst[d][at[d]] = *x;
                at[d] += 1;
            }
        });
        std::mem::swap(v, &mut buffer);
    }
}

/// The distinct texts of `texts` in order (as indices into it), and each one's rank.
fn distinct(texts: &[String]) -> (Vec<u32>, Vec<u32>) {
    let mut order: Vec<u32> = (0..texts.len() as u32).collect();
    order.sort_unstable_by(|x, y| texts[*x as usize].cmp(&texts[*y as usize]));
    let mut rank_of = vec![0u32; texts.len()];
    let mut sorted: Vec<u32> = Vec::new();
    for x in order {
        if sorted.last().is_none_or(|l| texts[*l as usize] != texts[x as usize]) {
            sorted.push(x);
        }
        rank_of[x as usize] = sorted.len() as u32 - 1;
    }
    (sorted, rank_of)
}

#[cfg(test)]
mod tests {
    use super::*;
    use dianzhi_columnar::read::text_table::TextTable;

    fn table(columns: &[(&str, &[&str])]) -> ColumnTable {
        ColumnTable::from(TextTable {
            path: "t.csv".into(),
            names: columns.iter().map(|(n, _)| n.to_string()).collect(),
            columns: columns
                .iter()
                .map(|(_, v)| v.iter().map(|c| (!c.is_empty()).then(|| c.to_string())).collect())
                .collect(),
        })
    }

    #[test]
    fn packed_keys_order_and_read_back_as_their_texts() {
        let a = table(&[
            ("r", &["b", "a", "", "a", "b"]),
            ("c", &["10", "9", "1", "", "10"]),
            ("x", &["z", "z", "z", "z", "y"]),
        ]);
        let b = table(&[("r", &["a", "c"]), ("c", &["9", "2"]), ("x", &["z", "z"])]);
        let texts = |k: &Keys, key: u64| -> Vec<Option<String>> {
            k.texts(key).into_iter().map(|t| t.map(str::to_string)).collect()
        };
        // 64 bits, and a width that forces a re-ranking before the third column, give the same
        // order and texts
        for width in [64, 5] {
            let k = Keys::build(&a, &b, &["r", "c", "x"], width).unwrap();
            let mut rows: Vec<usize> = (0..5).collect();
            rows.sort_by_key(|i| k.a[*i]);
            let read: Vec<Vec<Option<String>>> = rows.iter().map(|i| texts(&k, k.a[*i])).collect();
            let s = |v: &str| (!v.is_empty()).then(|| v.to_string());
            assert_eq!(
                read,
                vec![
                    vec![s("a"), s("9"), s("z")],
                    vec![s("a"), None, s("z")],
                    vec![s("b"), s("10"), s("y")],
                    vec![s("b"), s("10"), s("z")],
                    vec![None, s("1"), s("z")],
                ],
                "width {width}: texts in order (\"10\" before \"9\"), empty last"
            );
            assert_eq!(k.b[0], k.a[1], "width {width}: one key, one packed value in both tables");
            assert!(k.aligned.is_none());
            // sorting rows: the same order by the packed keys and, for a table compared with a
            // copy of itself (keys not ranked), by the texts
            let a2 = table(&[
                ("r", &["b", "a", "", "a", "b"]),
                ("c", &["10", "9", "1", "", "10"]),
                ("x", &["z", "z", "z", "z", "y"]),
            ]);
            let same = Keys::build(&a, &a2, &["r", "c", "x"], width).unwrap();
            assert!(same.aligned.is_some() && same.a.is_empty());
            // A's rows in key order: by the packed keys and, for a table compared with a copy
            // of itself (keys not ranked), by the texts
            let sorted: Vec<(u64, u32)> = {
                let mut v: Vec<(u64, u32)> = k.a.iter().enumerate().map(|(i, x)| (*x, i as u32)).collect();
                v.sort_unstable();
                v
            };
            for order in [k.order(Some(&sorted)), same.order(None)] {
                let order = order.expect("not in key order");
                let read: Vec<Vec<Option<String>>> = order
                    .iter()
                    .map(|i| k.of_a(*i as usize).into_iter().map(|t| t.map(|t| t.into_owned())).collect())
                    .collect();
                assert_eq!(read[0], vec![s("a"), s("9"), s("z")]);
                assert_eq!(read[1], vec![s("a"), None, s("z")], "an empty key after every text");
                assert_eq!(read[2], vec![s("b"), s("10"), s("y")]);
                assert_eq!(read[4], vec![None, s("1"), s("z")]);
                // the texts pushed into columns are the texts read back
                let mut columns: Vec<TextColumn> = (0..3).map(|_| TextColumn::default()).collect();
                order.iter().for_each(|i| same.push_of_a(*i as usize, &mut columns));
                order.iter().for_each(|i| k.push_texts(k.a[*i as usize], &mut columns));
                for (n, row) in read.iter().chain(&read).enumerate() {
                    let pushed: Vec<Option<String>> = columns.iter().map(|c| c.get(n).map(str::to_string)).collect();
                    assert_eq!(&pushed, row);
                }
            }
            // rows already in key order: no order to follow
            let in_order = table(&[("r", &["a", "a", "b", ""]), ("c", &["1", "", "0", "0"])]);
            let copy = table(&[("r", &["a", "a", "b", ""]), ("c", &["1", "", "0", "0"])]);
            assert!(Keys::build(&in_order, &copy, &["r", "c"], width).unwrap().order(None).is_none());
            assert_eq!(texts(&k, k.b[1]), vec![s("c"), s("2"), s("z")]);
            assert!(k.a.iter().all(|x| *x != k.b[1]));
        }
    }

    #[test]
    fn long_texts_alike_in_their_first_bytes_rank_by_the_whole_text() {
        let long = |tail: &str| format!("2026-000-{}-{tail}", "0".repeat(20));
        let (x2, x10, x3) = (long("2"), long("10"), long("3"));
        let a = table(&[("id", &[x2.as_str(), "z", x10.as_str(), x2.as_str()][..3])]);
        let b = table(&[("id", &[x10.as_str(), x3.as_str()])]);
        let k = Keys::build(&a, &b, &["id"], 64).unwrap();
        // the same text, the same key, in either table; "…-10" < "…-2" < "…-3" < "z"
        assert_eq!(k.a[2], k.b[0]);
        assert!(k.a[2] < k.a[0] && k.a[0] < k.b[1] && k.b[1] < k.a[1]);
        assert_eq!(k.texts(k.b[1]), vec![Some(x3.as_str())]);
        assert_eq!(k.texts(k.a[0]), vec![Some(x2.as_str())]);
    }

    #[test]
    fn a_dictionary_may_hold_an_empty_text_no_row_has() {
        use dianzhi_columnar::read::cells::EMPTY as E;
        let a = Cells::Coded { texts: vec!["x".into(), "y".into()], codes: vec![0, E, 1] };
        let b = Cells::Coded { texts: vec!["".into(), "w".into()], codes: vec![1, E] };
        let (dictionary, ra, rb) = rank(a, b);
        let text = |r: u32| if r == EMPTY { None } else { dictionary.get(r as usize) };
        assert_eq!(ra.iter().map(|r| text(*r)).collect::<Vec<_>>(), vec![Some("x"), None, Some("y")]);
        assert_eq!(rb.iter().map(|r| text(*r)).collect::<Vec<_>>(), vec![Some("w"), None]);
        assert!(rb[0] < ra[0] && ra[0] < ra[2], "w < x < y");
    }

    #[test]
    fn an_empty_table_leaves_the_other_tables_keys_whole() {
        let a = table(&[("r", &[]), ("c", &[])]);
        let b = table(&[("r", &["x", "y"]), ("c", &["1", "2"])]);
        let k = Keys::build(&a, &b, &["r", "c"], 64).unwrap();
        assert_eq!(k.texts(k.b[0]), vec![Some("x"), Some("1")]);
        assert_eq!(k.texts(k.b[1]), vec![Some("y"), Some("2")]);
    }
}
