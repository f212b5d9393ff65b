//! `compare` (docs/analysts.md): two tables of the same kind joined on their keys, cell by cell.
//! Numbers compare as numbers (0.8725 = 0.872500) within an absolute, inclusive tolerance;
//! empty equals empty; texts compare as texts.

mod keys;

use std::collections::{HashMap, HashSet};

use dianzhi_columnar::read::cells::{Cells, ColumnTable, EMPTY};
use dianzhi_columnar::write::{Table, TextColumn, Values};
use dianzhi_core::number::{format_fixed, parse_decimal, pow10, write_fixed, Dec};
use rayon::prelude::*;

use crate::frame::{at_scale, SAFE};
use crate::Error;
use keys::Keys;

/// Columns that identify a row, in the order the `differences` table lists them. The keys of
/// a comparison are those of these both tables have.
pub use dianzhi_columnar::write::KEY_COLUMNS;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Differs,
    OnlyInA,
    OnlyInB,
}

impl Kind {
    /// The kind of row `row` of a part of the `differences` table.
    pub fn at(part: &Table, row: usize) -> Kind {
        let is = |text: &str| match part.column("kind") {
            Some(Values::Texts { column, .. }) => column.get(row) == Some(text),
            Some(v) => v.text(row).as_deref() == Some(text),
            None => false,
        };
        if is("only_in_a") {
            Kind::OnlyInA
        } else if is("only_in_b") {
            Kind::OnlyInB
        } else {
            Kind::Differs
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Differs => "differs",
            Kind::OnlyInA => "only_in_a",
            Kind::OnlyInB => "only_in_b",
        }
    }
}

/// One row of `differences`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    pub table: String,
    pub key: Vec<(String, Option<String>)>,
    pub column: Option<String>,
    pub a: Option<String>,
    pub b: Option<String>,
    pub delta: Option<String>,
    pub kind: Kind,
}

impl Difference {
    /// A row (or a whole table, with no key) found on one side only.
    pub fn row(table: &str, key: Vec<(String, Option<String>)>, kind: Kind) -> Self {
        Difference { table: table.to_string(), key, column: None, a: None, b: None, delta: None, kind }
    }
}

/// The columns of the `differences` table after its key columns, in order (before the keys:
/// `table`).
pub const AFTER_KEYS: [&str; 5] = ["column", "a", "b", "delta", "kind"];

impl Difference {
    /// Row `row` of a part of the `differences` table (as [`compare`] hands them on): the
    /// columns between `table` and `column` are its keys.
    pub fn read(part: &Table, row: usize) -> Self {
        let text = |name: &str| part.column(name).and_then(|v| v.text(row));
        let kind = Kind::at(part, row);
        let named = |n: &str| n == "table" || AFTER_KEYS.contains(&n);
        Difference {
            table: text("table").unwrap_or_default(),
            key: part.columns.iter().filter(|(n, _)| !named(n)).map(|(n, v)| (n.to_string(), v.text(row))).collect(),
            column: text("column"),
            a: text("a"),
            b: text("b"),
            delta: text("delta"),
            kind,
        }
    }
}

/// What a comparison of one column found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnSummary {
    pub column: String,
    pub numeric: bool,
    pub differs: usize,
    /// The largest |b − a| of the rows that differ (numbers only).
    pub max_delta: Option<String>,
}

/// What a comparison of one table found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableSummary {
    pub table: String,
    pub keys: Vec<String>,
    pub rows_a: usize,
    pub rows_b: usize,
    pub only_in_a: usize,
    pub only_in_b: usize,
    pub columns: Vec<ColumnSummary>,
}

/// The key columns `a` and `b` are joined on: those of [`KEY_COLUMNS`] both have.
pub fn keys_of(a: &[String], b: &[String]) -> Vec<&'static str> {
    keys_on(a, b, None)
}

/// The key columns of a join on `on` (`compare --on`): those of `on` both tables have, in the
/// order of [`KEY_COLUMNS`]; every key column when `on` is None.
pub fn keys_on(a: &[String], b: &[String], on: Option<&[&'static str]>) -> Vec<&'static str> {
    KEY_COLUMNS
        .iter()
        .copied()
        .filter(|k| on.is_none_or(|on| on.contains(k)))
        .filter(|k| a.iter().any(|n| n == k) && b.iter().any(|n| n == k))
        .collect()
}

/// The key column named `name`, for `compare --on`: one of [`KEY_COLUMNS`].
pub fn key_column(name: &str) -> Result<&'static str, Error> {
    KEY_COLUMNS.iter().copied().find(|k| *k == name).ok_or_else(|| {
        Error::Input(format!("--on {name}: not a key column; join on some of {}", KEY_COLUMNS.join(", ")))
    })
}

/// No row of the other table.
const NONE: u32 = u32::MAX;

/// Compares `a` with `b` (the same table of two runs, or a run's and one from elsewhere),
/// handing the differences to `out` as they are found, a part of the `differences` table at a
/// time (the columns `table`, the keys, `column`, `a`, `b`, `delta`, `kind`; each part holds
/// rows on one side only or the differing cells of one column), in order: rows on one side
/// only (in key order), then column by column the rows that differ (in key order). Besides the keys (a packed key per row and each key
/// column's distinct texts; for two runs on one input, A's key columns themselves), one column
/// of each table is held at a time.
pub fn compare(
    table: &str,
    a: &ColumnTable,
    b: &ColumnTable,
    tolerance: Option<Dec>,
    out: &mut dyn FnMut(Table) -> Result<(), Error>,
) -> Result<TableSummary, Error> {
    compare_on(table, a, b, None, tolerance, out)
}

/// [`compare`] joined on the key columns `on` only (`compare --on sector,region`: one quarter
/// set against another): the other key columns (the quarter) are neither keys nor values.
pub fn compare_on(
    table: &str,
    a: &ColumnTable,
    b: &ColumnTable,
    on: Option<&[&'static str]>,
    tolerance: Option<Dec>,
    out: &mut dyn FnMut(Table) -> Result<(), Error>,
) -> Result<TableSummary, Error> {
    let keys = keys_on(&a.names, &b.names, on);
    if let Some(on) = on {
        for k in on {
            for t in [a, b] {
                if !t.has(k) {
                    return Err(Error::Input(format!(
                        "{table}: --on {k}: {} has no column {k}; join on columns both tables have",
                        t.path.display()
                    )));
                }
            }
        }
    }
    if keys.is_empty() {
        return Err(Error::Input(format!(
            "{table}: {} and {} have no key column in common (one of {}); compare joins rows on them",
            a.path.display(),
            b.path.display(),
            KEY_COLUMNS.join(", ")
        )));
    }
    // joined on chosen keys, the other key columns are left out (they differ by design)
    let left_out = |n: &str| on.is_some() && KEY_COLUMNS.contains(&n);
    let values: Vec<&str> =
        a.names.iter().map(String::as_str).filter(|n| !keys.contains(n) && !left_out(n) && b.has(n)).collect();
    if values.is_empty() {
        return Err(Error::Input(format!(
            "{table}: {} and {} have no value column in common beside the keys ({}); nothing to compare",
            a.path.display(),
            b.path.display(),
            keys.join(", ")
        )));
    }
    for t in [a, b] {
        if t.rows() >= NONE as usize / 2 {
            return Err(Error::Input(format!(
                "{}: {} rows; compare takes tables of fewer than 2^31 rows: split it (by region, say)",
                t.path.display(),
                t.rows()
            )));
        }
    }
    let k = Keys::build(a, b, &keys, 64)?;
    let parts = Parts { table, keys: &keys, k: &k };
    let mut summary = TableSummary {
        table: table.to_string(),
        keys: keys.iter().map(|k| k.to_string()).collect(),
        rows_a: a.rows(),
        rows_b: b.rows(),
        only_in_a: 0,
        only_in_b: 0,
        columns: Vec::new(),
    };

    // the join: B's row of each row of A (the same rows when both list the same keys in the
    // same order, as two runs on one input do), and A's rows in key order
    let identical = k.aligned.is_some() || k.a == k.b;
    let (b_of_a, order): (Vec<u32>, Option<Vec<u32>>) = if identical {
        let order = if k.aligned.is_some() {
            if let Some((first, second)) = k.repeated_aligned() {
                let texts = k.of_a(first);
                let texts: Vec<Option<&str>> = texts.iter().map(|t| t.as_deref()).collect();
                return Err(repeated(a, &keys, b, first, second, &texts)?);
            }
            k.order(None)
        } else {
            let sorted = by_key(&k.a);
            unique_sorted(a, &sorted, &keys, b, &k)?;
            k.order(Some(&sorted))
        };
        ((0..a.rows() as u32).collect(), order)
    } else {
        let (sa, sb) = rayon::join(|| by_key(&k.a), || by_key(&k.b));
        unique_sorted(a, &sa, &keys, b, &k)?;
        unique_sorted(b, &sb, &keys, a, &k)?;
        let mut b_of_a = vec![NONE; a.rows()];
        // the rows on one side only, in key order, written a group of parts at a time
        let mut alone: Vec<(u64, Kind)> = Vec::new();
        let (mut i, mut j) = (0, 0);
        while i < sa.len() || j < sb.len() {
            let order = match (sa.get(i), sb.get(j)) {
                (Some(x), Some(y)) => x.0.cmp(&y.0),
                (Some(_), None) => std::cmp::Ordering::Less,
                _ => std::cmp::Ordering::Greater,
            };
            match order {
                std::cmp::Ordering::Equal => {
                    b_of_a[sa[i].1 as usize] = sb[j].1;
                    i += 1;
                    j += 1;
                }
                std::cmp::Ordering::Less => {
                    summary.only_in_a += 1;
                    alone.push((sa[i].0, Kind::OnlyInA));
                    i += 1;
                }
                std::cmp::Ordering::Greater => {
                    summary.only_in_b += 1;
                    alone.push((sb[j].0, Kind::OnlyInB));
                    j += 1;
                }
            }
            if alone.len() == GROUP_ROWS {
                parts.emit(&alone, |part| parts.alone(part), out)?;
                alone.clear();
            }
        }
        parts.emit(&alone, |part| parts.alone(part), out)?;
        drop(sb);
        let order = k.order(Some(&sa));
        (b_of_a, order)
    };

    let matched = Matched::of(&b_of_a, identical, b.rows());
    for v in values {
        let (ca, cb) = rayon::join(|| a.cells(v), || b.cells(v));
        let (ca, cb) = (ca?, cb?);
        let mut s = ColumnSummary { column: v.to_string(), numeric: false, differs: 0, max_delta: None };
        if identical && ca == cb {
            // the same cells in the same rows (two runs on one input): nothing differs
            s.numeric = matches!(ca, Cells::Numbers { .. }) || numbers(ca).is_ok();
            summary.columns.push(s);
            continue;
        }
        let mut emit = |rows: Vec<u32>, cells: &(dyn Fn(usize, usize, &mut [TextColumn; 3]) + Sync)| {
            let rows = in_order(rows, order.as_deref(), a.rows());
            s.differs = rows.len();
            parts.emit(&rows, |part| parts.differing(part, v, &b_of_a, cells), out)
        };
        match (numbers(ca), numbers(cb)) {
            (Ok(na), Ok(nb)) => {
                s.numeric = true;
                let scale = na.needed.max(nb.needed);
                let (va, vb) = (na.at(scale, v)?, nb.at(scale, v)?);
                let tol = tolerance.map(|t| within(t, scale));
                let differs = |i: usize, j: usize| -> bool {
                    match (va.get(i), vb.get(j)) {
                        (None, None) => false,
                        (Some(x), Some(y)) => tol.as_ref().map_or(x != y, |t| t.exceeded_by(y - x)),
                        _ => true,
                    }
                };
                let rows = differing(&matched, differs);
                let max = rows
                    .par_iter()
                    .filter_map(|i| Some(vb.get(b_of_a[*i as usize] as usize)? - va.get(*i as usize)?))
                    .map(i128::abs)
                    .max();
                let push = |c: &mut TextColumn, x: Option<i128>| match x {
                    Some(x) => c.push_with(|t| write_fixed(t, x, scale)),
                    None => c.push_null(),
                };
                emit(rows, &|i, j, [ta, tb, delta]| {
                    let (x, y) = (va.get(i), vb.get(j));
                    push(ta, x);
                    push(tb, y);
                    push(delta, x.zip(y).map(|(x, y)| y - x));
                })?;
                s.max_delta = max.map(|m| format_fixed(m, scale));
            }
            (ca, cb) => {
                let cells = |r: Result<Numbers, Cells>| r.map_or_else(|c| c, Numbers::cells);
                let (ca, cb) = (cells(ca), cells(cb));
                let rows = match (&ca, &cb) {
                    // two dictionary columns: rows compare as ids of their texts
                    (Cells::Coded { texts: ta, codes: a }, Cells::Coded { texts: tb, codes: b }) => {
                        let (ia, ib) = shared_ids(ta, tb);
                        let id = |ids: &[u32], code: u32| ids.get(code as usize).copied().unwrap_or(EMPTY);
                        differing(&matched, |i, j| id(&ia, a[i]) != id(&ib, b[j]))
                    }
                    _ => differing(&matched, |i, j| ca.text(i) != cb.text(j)),
                };
                emit(rows, &|i, j, [ta, tb, delta]| {
                    ta.push_option(ca.text(i).as_deref());
                    tb.push_option(cb.text(j).as_deref());
                    delta.push_null();
                })?;
            }
        }
        summary.columns.push(s);
    }
    Ok(summary)
}

/// Rows of a part of the `differences` table: the parts are cut at the same rows whatever the
/// number of threads, so the file's bytes are too.
const PART_ROWS: usize = 64 * 1024;

/// Differences built at once before they are handed on (several parts, one per thread).
const GROUP_ROWS: usize = 8 * PART_ROWS;

/// Builds parts of the `differences` table of one table compared: the columns `table`, the
/// key columns, `column`, `a`, `b`, `delta` and `kind`.
struct Parts<'k> {
    table: &'k str,
    keys: &'k [&'static str],
    k: &'k Keys,
}

impl Parts<'_> {
    /// The parts of `items` (in order), built a group at a time on every thread and handed to
    /// `out` in order.
    fn emit<T: Sync>(
        &self,
        items: &[T],
        build: impl Fn(&[T]) -> Table + Sync,
        out: &mut dyn FnMut(Table) -> Result<(), Error>,
    ) -> Result<(), Error> {
        for group in items.chunks(GROUP_ROWS) {
            let parts: Vec<Table> = group.par_chunks(PART_ROWS).map(&build).collect();
            parts.into_iter().try_for_each(&mut *out)?;
        }
        Ok(())
    }

    fn key_columns(&self, rows: usize) -> Vec<TextColumn> {
        self.keys.iter().map(|_| TextColumn::with_capacity(rows)).collect()
    }

    /// The table of a part: its key columns and the columns after them.
    fn table(&self, keys: Vec<TextColumn>, column: TextColumn, cells: [TextColumn; 3], kinds: TextColumn) -> Table {
        let mut name = TextColumn::with_capacity(kinds.len());
        (0..kinds.len()).for_each(|_| name.push(self.table));
        let mut t = Table::default();
        t.texts("table", name, false);
        for (k, c) in self.keys.iter().zip(keys) {
            t.push(*k, Values::Texts { column: c, nullable: true });
        }
        t.texts("column", column, true);
        let [x, y, delta] = cells;
        t.texts("a", x, true);
        t.texts("b", y, true);
        t.texts("delta", delta, true);
        t.texts("kind", kinds, false);
        t
    }

    /// A part of the rows on one side only (A's first, then B's).
    fn alone(&self, rows: &[(u64, Kind)]) -> Table {
        let mut keys = self.key_columns(rows.len());
        let mut kinds = TextColumn::with_capacity(rows.len());
        for (key, kind) in rows {
            self.k.push_texts(*key, &mut keys);
            kinds.push(kind.as_str());
        }
        let none = || TextColumn::nulls(rows.len());
        self.table(keys, none(), [none(), none(), none()], kinds)
    }

    /// A part of the rows of A (`rows`, in key order) whose cells of `column` differ from
    /// their rows' in B; `cells` appends a row's a, b and delta.
    fn differing(
        &self,
        rows: &[u32],
        column: &str,
        b_of_a: &[u32],
        cells: &(dyn Fn(usize, usize, &mut [TextColumn; 3]) + Sync),
    ) -> Table {
        let mut keys = self.key_columns(rows.len());
        let mut values: [TextColumn; 3] = std::array::from_fn(|_| TextColumn::with_capacity(rows.len()));
        let (mut name, mut kinds) = (TextColumn::with_capacity(rows.len()), TextColumn::with_capacity(rows.len()));
        for i in rows {
            let i = *i as usize;
            self.k.push_of_a(i, &mut keys);
            cells(i, b_of_a[i] as usize, &mut values);
            name.push(column);
            kinds.push(Kind::Differs.as_str());
        }
        self.table(keys, name, values, kinds)
    }
}

/// `rows` of A (in any order) in key order: `order` lists A's rows by key (`None`: A's own
/// order is key order).
fn in_order(rows: Vec<u32>, order: Option<&[u32]>, a_rows: usize) -> Vec<u32> {
    let mut marked = vec![0u64; a_rows.div_ceil(64)];
    rows.iter().for_each(|r| marked[*r as usize / 64] |= 1 << (r % 64));
    drop(rows);
    let is = |r: u32| marked[r as usize / 64] >> (r % 64) & 1 == 1;
    match order {
        None => (0..a_rows as u32).into_par_iter().with_min_len(1 << 16).filter(|r| is(*r)).collect(),
        Some(order) => order.par_iter().with_min_len(1 << 16).copied().filter(|r| is(*r)).collect(),
    }
}

/// The matched rows of the two tables, in the order their cells are compared.
enum Matched<'a> {
    /// B's row of each row of A, or `NONE` (two runs on one input: B's rows are A's).
    InOrder(&'a [u32]),
    /// (row of A, row of B), grouped by blocks of B's rows and in A's order within a block: a
    /// column of B is then read a block at a time from cache, and A's in rising rows, instead
    /// of B's cells fetched all over for rows of A taken in order.
    ByBlock(Vec<(u32, u32)>),
}

/// Rows of B per block of [`Matched::ByBlock`] (a block of a decimal column is 1 MiB).
const BLOCK: usize = 1 << 16;

impl<'a> Matched<'a> {
    fn of(b_of_a: &'a [u32], in_order: bool, b_rows: usize) -> Self {
        if in_order {
            return Matched::InOrder(b_of_a);
        }
        Matched::ByBlock(by_block(b_of_a, b_rows, BLOCK))
    }
}

/// The matched pairs (row of A, row of B) by blocks of `block` rows of B, A's rows rising within
/// a block: a counting sort, stable.
fn by_block(b_of_a: &[u32], b_rows: usize, block: usize) -> Vec<(u32, u32)> {
    let mut starts = vec![0usize; b_rows.div_ceil(block) + 1];
    b_of_a.iter().filter(|j| **j != NONE).for_each(|j| starts[*j as usize / block + 1] += 1);
    for k in 1..starts.len() {
        starts[k] += starts[k - 1];
    }
    let mut pairs = vec![(0u32, 0u32); starts.last().copied().unwrap_or(0)];
    for (i, j) in b_of_a.iter().enumerate().filter(|(_, j)| **j != NONE) {
        let at = &mut starts[*j as usize / block];
        pairs[*at] = (i as u32, *j);
        *at += 1;
    }
    pairs
}

/// The rows of A with a row in B where `differs(row of A, row of B)` (in no set order: the
/// caller sorts them by key).
fn differing(matched: &Matched, differs: impl Fn(usize, usize) -> bool + Sync) -> Vec<u32> {
    match matched {
        Matched::InOrder(b_of_a) => b_of_a
            .par_chunks(64 * 1024)
            .enumerate()
            .flat_map_iter(|(c, chunk)| {
                let base = c * 64 * 1024;
                let mut rows = Vec::new();
                for (o, j) in chunk.iter().enumerate() {
                    if *j != NONE && differs(base + o, *j as usize) {
                        rows.push((base + o) as u32);
                    }
                }
                rows
            })
            .collect(),
        Matched::ByBlock(pairs) => pairs
            .par_chunks(64 * 1024)
            .flat_map_iter(|chunk| {
                chunk.iter().filter(|(i, j)| differs(*i as usize, *j as usize)).map(|(i, _)| *i).collect::<Vec<_>>()
            })
            .collect(),
    }
}

/// Two dictionaries' texts numbered together: equal texts (within one dictionary or across the
/// two) get one id, so that the codes of two columns compare as integers.
fn shared_ids<'t>(a: &'t [String], b: &'t [String]) -> (Vec<u32>, Vec<u32>) {
    let mut ids: HashMap<&'t str, u32> = HashMap::new();
    let mut number = |texts: &'t [String]| -> Vec<u32> {
        texts
            .iter()
            .map(|t| {
                let next = ids.len() as u32;
                *ids.entry(t.as_str()).or_insert(next)
            })
            .collect()
    };
    let ia = number(a);
    (ia, number(b))
}

/// Each row's key and row number, by key (then row).
fn by_key(keys: &[u64]) -> Vec<(u64, u32)> {
    let mut v: Vec<(u64, u32)> = keys.iter().enumerate().map(|(i, k)| (*k, i as u32)).collect();
    // stable, from rows in order: within a key the rows stay in order
    keys::radix_sort(&mut v, 8, |x, byte| (x.0 >> (8 * (7 - byte))) as u8);
    v
}

/// A column's cells as exact numbers, if every one of them is a number.
struct Numbers {
    /// The scale of `values`.
    scale: u32,
    values: Vec<i128>,
    nulls: Vec<bool>,
    /// The scale its longest fraction needs (trailing zeros aside).
    needed: u32,
    /// The cells as read, to compare as text when the other table's column is not numbers.
    cells: Option<Cells>,
}

impl Numbers {
    fn cells(self) -> Cells {
        self.cells.unwrap_or(Cells::Numbers { scale: self.scale, values: self.values, nulls: self.nulls })
    }

    /// The values at `scale` (≥ `needed`: exact), `None` for an empty cell. Refuses a value of
    /// 10^37 or more, as the other analyses do: beyond it a difference could overflow.
    fn at(self, scale: u32, column: &str) -> Result<Exact, Error> {
        let too_large = || Error::TooLarge(column.to_string());
        let (up, down) = if scale >= self.scale {
            (pow10(scale - self.scale).map_err(|_| too_large())?, 1)
        } else {
            (1, pow10(self.scale - scale).map_err(|_| too_large())?)
        };
        let mut values = self.values;
        if up != 1 || down != 1 {
            values.par_iter_mut().try_for_each(|v| -> Result<(), Error> {
                *v = v.checked_mul(up).ok_or_else(too_large)? / down;
                Ok(())
            })?;
        }
        let nulls = self.nulls;
        let large = values
            .par_iter()
            .enumerate()
            .any(|(i, v)| v.unsigned_abs() >= SAFE as u128 && (nulls.is_empty() || !nulls[i]));
        if large {
            return Err(too_large());
        }
        Ok(Exact { values, nulls })
    }
}

/// A column's numbers at the scale both tables' columns are compared at.
struct Exact {
    values: Vec<i128>,
    /// Empty when no cell is empty.
    nulls: Vec<bool>,
}

impl Exact {
    fn get(&self, i: usize) -> Option<i128> {
        (self.nulls.is_empty() || !self.nulls[i]).then(|| self.values[i])
    }
}

/// Reads a column as numbers: a Parquet decimal or integer column is; a text column is when
/// every cell parses as a decimal (else it is handed back as it is).
fn numbers(c: Cells) -> Result<Numbers, Cells> {
    match c {
        Cells::Numbers { scale, values, nulls } => {
            let needed = needed_scale(scale, &values, &nulls);
            Ok(Numbers { scale, values, nulls, needed, cells: None })
        }
        Cells::Coded { ref texts, ref codes } => {
            let parsed: Option<Vec<Dec>> = texts
                .iter()
                .map(|t| {
                    if t.is_empty() {
                        Some(Dec::new(0, 0))
                    } else {
                        parse_decimal(t).ok().map(|d| Dec::from(d).normalized())
                    }
                })
                .collect();
            let Some(parsed) = parsed else { return Err(c) };
            let scale = parsed.iter().map(|d| d.scale).max().unwrap_or(0);
            let empty = dianzhi_columnar::read::cells::EMPTY;
            let values =
                codes.iter().map(|x| if *x == empty { 0 } else { at_scale(parsed[*x as usize], scale) }).collect();
            let nulls = codes.iter().map(|x| *x == empty).collect();
            Ok(Numbers { scale, values, nulls, needed: scale, cells: Some(c) })
        }
        Cells::Texts(ref t) => {
            let mut scale = 0;
            for i in 0..t.len() {
                match t.get(i).map(parse_decimal) {
                    Some(Ok(d)) => scale = scale.max(Dec::from(d).normalized().scale),
                    Some(Err(_)) => return Err(c),
                    None => {}
                }
            }
            let parsed =
                |i: usize| t.get(i).map(|x| at_scale(Dec::from(parse_decimal(x).expect("parsed")).normalized(), scale));
            let values = (0..t.len()).map(|i| parsed(i).unwrap_or(0)).collect();
            let nulls = (0..t.len()).map(|i| t.get(i).is_none()).collect();
            Ok(Numbers { scale, values, nulls, needed: scale, cells: Some(c) })
        }
    }
}

/// The largest scale any value of a column at `scale` needs once its trailing zeros are
/// dropped (0.5000 needs 1).
fn needed_scale(scale: u32, values: &[i128], nulls: &[bool]) -> u32 {
    // whether 10^e divides v (in 64 bits where both fit: most money does)
    let divides = |v: i128, e: u32| match (i64::try_from(v), pow10(e)) {
        (_, Err(_)) => v == 0,
        (Ok(v), Ok(p)) if p <= i128::from(i64::MAX) => v % (p as i64) == 0,
        (_, Ok(p)) => v % p == 0,
    };
    values
        .par_chunks(64 * 1024)
        .enumerate()
        .map(|(c, chunk)| {
            let mut needed = 0;
            for (o, v) in chunk.iter().enumerate() {
                if needed == scale {
                    break;
                }
                if (!nulls.is_empty() && nulls[c * 64 * 1024 + o]) || divides(*v, scale - needed) {
                    continue;
                }
                while needed < scale && !divides(*v, scale - needed) {
                    needed += 1;
                }
            }
            needed
        })
        .max()
        .unwrap_or(0)
}
/// The tolerance at a column's scale: `|delta| ≤ tolerance` is equal (inclusive).
struct Tolerance {
    /// tolerance × 10^scale, exactly, as a fraction `num / den`.
    num: i128,
    den: i128,
}

impl Tolerance {
    fn exceeded_by(&self, delta: i128) -> bool {
        // |delta| > num / den  ⇔  |delta| × den > num (both sides exact; saturating is safe as
        // |delta| < 2 × 10^37 and den ≤ 10^28)
        delta.unsigned_abs().saturating_mul(self.den as u128) > self.num as u128
    }
}

fn within(t: Dec, scale: u32) -> Tolerance {
    let t = t.normalized();
    if t.scale <= scale {
        Tolerance { num: t.mantissa.saturating_mul(pow10(scale - t.scale).unwrap_or(i128::MAX)), den: 1 }
    } else {
        Tolerance { num: t.mantissa, den: pow10(t.scale - scale).unwrap_or(i128::MAX) }
    }
}

/// Refuses a table with two rows of one key (`sorted`: its keys and rows, by key): which of
/// them would be compared? The first such rows are named.
fn unique_sorted(
    t: &ColumnTable,
    sorted: &[(u64, u32)],
    keys: &[&str],
    other: &ColumnTable,
    k: &Keys,
) -> Result<(), Error> {
    // the repeat that comes first in the file: the run whose second row is smallest
    let first = sorted.windows(2).filter(|w| w[0].0 == w[1].0).min_by_key(|w| w[1].1);
    let Some(w) = first else { return Ok(()) };
    // within a run the rows are in order: its first two are the run's start and the next
    let start = sorted.partition_point(|x| x.0 < w[0].0);
    let (first, second) = (sorted[start].1 as usize, sorted[start + 1].1 as usize);
    Err(repeated(t, keys, other, first, second, &k.texts(w[0].0))?)
}

/// The error for rows `first` and `second` of `t` sharing one key. When the table is unique on
/// all its own key columns, the fault is the other table's: it lacks some of them.
fn repeated(
    t: &ColumnTable,
    keys: &[&str],
    other: &ColumnTable,
    first: usize,
    second: usize,
    texts: &[Option<&str>],
) -> Result<Error, Error> {
    let own: Vec<&str> = KEY_COLUMNS.iter().copied().filter(|k| t.has(k)).collect();
    if own.len() > keys.len() {
        let columns: Vec<Cells> = own.iter().map(|k| t.cells(k)).collect::<Result<_, _>>()?;
        let mut seen = HashSet::with_capacity(t.rows());
        let unique_on_own = (0..t.rows()).all(|i| seen.insert(columns.iter().map(|c| c.text(i)).collect::<Vec<_>>()));
        if unique_on_own {
            let lacks: Vec<&str> = own.iter().copied().filter(|k| !keys.contains(k)).collect();
            return Ok(Error::Input(format!(
                "{} and {} share too few key columns: only {}; {} is keyed by {}, and {} lacks {}. \
                 Compare two outputs of the same kind (or a table with all of these key columns)",
                t.path.display(),
                other.path.display(),
                keys.join(", "),
                t.path.display(),
                own.join(", "),
                other.path.display(),
                lacks.join(", ")
            )));
        }
    }
    let shown: Vec<String> = keys.iter().zip(texts).map(|(k, v)| format!("{k}={}", v.unwrap_or(""))).collect();
    // as every other message: a CSV file's lines (the header is line 1), a Parquet file's rows
    let csv = t.path.extension().is_some_and(|e| e.eq_ignore_ascii_case("csv"));
    let (what, base) = if csv { ("lines", 2) } else { ("rows", 1) };
    Ok(Error::Input(format!(
        "{}: {what} {} and {} have the same key ({}); compare needs one row per key: \
         give the tables the columns that tell these rows apart",
        t.path.display(),
        first + base,
        second + base,
        shown.join(" ")
    )))
}

/// The `differences` table: `table`, the key columns `keys` (those of every table compared,
/// in [`KEY_COLUMNS`] order), `column, a, b, delta, kind`.
pub fn differences_table(diffs: &[Difference], keys: &[&'static str]) -> Table {
    let mut t = Table::default();
    t.text("table", diffs.iter().map(|d| d.table.clone()).collect());
    for k in keys {
        let v = diffs.iter().map(|d| d.key.iter().find(|(n, _)| n == k).and_then(|(_, v)| v.clone())).collect();
        t.push(*k, Values::NullableText(v));
    }
    t.nullable_text("column", diffs.iter().map(|d| d.column.clone()).collect());
    t.nullable_text("a", diffs.iter().map(|d| d.a.clone()).collect());
    t.nullable_text("b", diffs.iter().map(|d| d.b.clone()).collect());
    t.nullable_text("delta", diffs.iter().map(|d| d.delta.clone()).collect());
    t.text("kind", diffs.iter().map(|d| d.kind.as_str().to_string()).collect());
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_differences_table_has_table_keys_then_the_columns_after_them() {
        let t = differences_table(&[], &["region", "institution_id"]);
        let names: Vec<&str> = t.columns.iter().map(|(n, _)| n.as_ref()).collect();
        let expected: Vec<&str> = ["table", "region", "institution_id"].into_iter().chain(AFTER_KEYS).collect();
        assert_eq!(names, expected);
    }

    #[test]
    fn pairs_come_by_block_of_b_and_in_a_s_order_within_one() {
        // B's rows of A's rows 0..8 (NONE: a row of A alone); blocks of 3 rows of B
        let b_of_a = [7, NONE, 0, 4, 8, 1, NONE, 3, 6];
        let pairs = by_block(&b_of_a, 9, 3);
        assert_eq!(pairs, [(2, 0), (5, 1), (3, 4), (7, 3), (0, 7), (4, 8), (8, 6)]);
        // every matched pair once, none of a row alone
        let mut sorted = pairs.clone();
        sorted.sort_unstable();
        let expected: Vec<(u32, u32)> =
            b_of_a.iter().enumerate().filter(|(_, j)| **j != NONE).map(|(i, j)| (i as u32, *j)).collect();
        assert_eq!(sorted, expected);
        assert!(by_block(&[NONE, NONE], 0, 3).is_empty());
    }
}
