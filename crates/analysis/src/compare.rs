//! `compare` (docs/analysts.md): two tables of the same kind joined on their keys, cell by cell.
//! Numbers compare as numbers (0.8725 = 0.872500) within an absolute, inclusive tolerance;
//! empty equals empty; texts compare as texts.

use std::collections::HashMap;

use dianzhi_columnar::any::TextTable;
use dianzhi_columnar::write::{Table, Values};
use dianzhi_core::number::{format_fixed, pow10, Dec};
use polars::prelude::*;

use crate::frame::{decimal, guard, mantissas, typed, Typed};
use crate::Error;

/// Columns that identify a row, in the order the `differences` table lists them. The keys of
/// a comparison are those of these both tables have.
pub const KEY_COLUMNS: [&str; 11] = [
    "scenario",
    "institution_id",
    "case_id",
    "sector",
    "region",
    "fund",
    "year",
    "quarter",
    "month",
    "dip_group",
    "level",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Differs,
    OnlyInA,
    OnlyInB,
}

impl Kind {
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

/// Compares `a` with `b` (the same table of two runs, or a run's and one from elsewhere).
pub fn compare(
    table: &str,
    a: &TextTable,
    b: &TextTable,
    tolerance: Option<Dec>,
) -> Result<(Vec<Difference>, TableSummary), Error> {
    let keys: Vec<&str> =
        KEY_COLUMNS.iter().copied().filter(|k| a.column(k).is_some() && b.column(k).is_some()).collect();
    if keys.is_empty() {
        return Err(Error::Input(format!(
            "{table}: {} and {} have no key column in common (one of {}); compare joins rows on them",
            a.path.display(),
            b.path.display(),
            KEY_COLUMNS.join(", ")
        )));
    }
    let values: Vec<&str> =
        a.names.iter().map(String::as_str).filter(|n| !keys.contains(n) && b.column(n).is_some()).collect();
    if values.is_empty() {
        return Err(Error::Input(format!(
            "{table}: {} and {} have no value column in common beside the keys ({}); nothing to compare",
            a.path.display(),
            b.path.display(),
            keys.join(", ")
        )));
    }
    unique(a, &keys, b)?;
    unique(b, &keys, a)?;

    // each value column typed once for both sides: numbers at the larger scale, else text
    let mut numeric = Vec::with_capacity(values.len());
    let (mut a_cols, mut b_cols) = (key_columns(a, &keys), key_columns(b, &keys));
    for v in &values {
        let (ta, tb) = (typed(a.column(v).expect("in a")), typed(b.column(v).expect("in b")));
        let b_name = format!("{v}__b");
        match (ta, tb) {
            (Typed::Number { scale: sa, values: va }, Typed::Number { scale: sb, values: vb }) => {
                let s = sa.max(sb);
                let widen = |vals: Vec<Option<i128>>, from: u32| -> Result<Vec<Option<i128>>, Error> {
                    let f = pow10(s - from).map_err(|_| Error::TooLarge(v.to_string()))?;
                    vals.into_iter()
                        .map(|x| x.map(|x| x.checked_mul(f).ok_or_else(|| Error::TooLarge(v.to_string()))).transpose())
                        .collect()
                };
                a_cols.push(decimal((*v).into(), widen(va, sa)?.into_iter(), s)?);
                b_cols.push(decimal(b_name.as_str().into(), widen(vb, sb)?.into_iter(), s)?);
                numeric.push(Some(s));
            }
            _ => {
                a_cols.push(Column::new((*v).into(), a.column(v).expect("in a")));
                b_cols.push(Column::new(b_name.as_str().into(), b.column(v).expect("in b")));
                numeric.push(None);
            }
        }
    }
    a_cols.push(Column::new("__in_a".into(), vec![true; a.rows()]));
    b_cols.push(Column::new("__in_b".into(), vec![true; b.rows()]));
    let fa = DataFrame::new(a.rows(), a_cols)?;
    let fb = DataFrame::new(b.rows(), b_cols)?;
    let numeric_a: Vec<&str> = values.iter().zip(&numeric).filter(|(_, n)| n.is_some()).map(|(v, _)| *v).collect();
    let numeric_b: Vec<String> = numeric_a.iter().map(|v| format!("{v}__b")).collect();
    guard(&fa, &numeric_a)?;
    guard(&fb, &numeric_b.iter().map(String::as_str).collect::<Vec<_>>())?;

    let on: Vec<Expr> = keys.iter().map(|k| col(*k)).collect();
    let mut args = JoinArgs::new(JoinType::Full).with_coalesce(JoinCoalesce::CoalesceColumns);
    args.nulls_equal = true;
    let deltas: Vec<Expr> =
        numeric_a.iter().map(|v| (col(format!("{v}__b")) - col(*v)).alias(format!("{v}__delta"))).collect();
    let joined = fa
        .lazy()
        .join(fb.lazy(), on.clone(), on, args)
        .with_columns(deltas)
        .sort(
            keys.iter().map(|k| k.to_string()).collect::<Vec<_>>(),
            SortMultipleOptions::default().with_nulls_last(true),
        )
        .collect()?;

    let texts = |name: &str| -> Result<Vec<Option<String>>, Error> {
        Ok(joined.column(name)?.str()?.iter().map(|v| v.map(str::to_string)).collect())
    };
    let key_values: Vec<Vec<Option<String>>> = keys.iter().map(|k| texts(k)).collect::<Result<_, _>>()?;
    let in_a: Vec<bool> = joined.column("__in_a")?.bool()?.iter().map(|v| v.unwrap_or(false)).collect();
    let in_b: Vec<bool> = joined.column("__in_b")?.bool()?.iter().map(|v| v.unwrap_or(false)).collect();
    let key_of = |i: usize| -> Vec<(String, Option<String>)> {
        keys.iter().zip(&key_values).map(|(k, v)| (k.to_string(), v[i].clone())).collect()
    };

    let mut diffs = Vec::new();
    let mut summary = TableSummary {
        table: table.to_string(),
        keys: keys.iter().map(|k| k.to_string()).collect(),
        rows_a: a.rows(),
        rows_b: b.rows(),
        only_in_a: 0,
        only_in_b: 0,
        columns: Vec::new(),
    };
    for i in 0..joined.height() {
        if !(in_a[i] && in_b[i]) {
            let kind = if in_a[i] { Kind::OnlyInA } else { Kind::OnlyInB };
            if in_a[i] {
                summary.only_in_a += 1;
            } else {
                summary.only_in_b += 1;
            }
            diffs.push(Difference {
                table: table.to_string(),
                key: key_of(i),
                column: None,
                a: None,
                b: None,
                delta: None,
                kind,
            });
        }
    }
    for (v, scale) in values.iter().zip(&numeric) {
        let mut s = ColumnSummary { column: v.to_string(), numeric: scale.is_some(), differs: 0, max_delta: None };
        let mut max: Option<i128> = None;
        match scale {
            Some(scale) => {
                let va = mantissas(joined.column(v)?)?;
                let vb = mantissas(joined.column(&format!("{v}__b"))?)?;
                let vd = mantissas(joined.column(&format!("{v}__delta"))?)?;
                let tol = tolerance.map(|t| within(t, *scale));
                for i in (0..joined.height()).filter(|i| in_a[*i] && in_b[*i]) {
                    let differs = match (va[i], vb[i], vd[i]) {
                        (None, None, _) => false,
                        (Some(_), Some(_), Some(d)) => tol.as_ref().map_or(d != 0, |t| t.exceeded_by(d)),
                        _ => true,
                    };
                    if differs {
                        s.differs += 1;
                        if let Some(d) = vd[i] {
                            max = Some(max.map_or(d.abs(), |m| m.max(d.abs())));
                        }
                        let show = |x: Option<i128>| x.map(|x| format_fixed(x, *scale));
                        diffs.push(Difference {
                            table: table.to_string(),
                            key: key_of(i),
                            column: Some(v.to_string()),
                            a: show(va[i]),
                            b: show(vb[i]),
                            delta: show(vd[i]),
                            kind: Kind::Differs,
                        });
                    }
                }
                s.max_delta = max.map(|m| format_fixed(m, *scale));
            }
            None => {
                let (va, vb) = (texts(v)?, texts(&format!("{v}__b"))?);
                for i in (0..joined.height()).filter(|i| in_a[*i] && in_b[*i]) {
                    if va[i] != vb[i] {
                        s.differs += 1;
                        diffs.push(Difference {
                            table: table.to_string(),
                            key: key_of(i),
                            column: Some(v.to_string()),
                            a: va[i].clone(),
                            b: vb[i].clone(),
                            delta: None,
                            kind: Kind::Differs,
                        });
                    }
                }
            }
        }
        summary.columns.push(s);
    }
    Ok((diffs, summary))
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

fn key_columns(t: &TextTable, keys: &[&str]) -> Vec<Column> {
    keys.iter().map(|k| Column::new((*k).into(), t.column(k).expect("a key of both"))).collect()
}

/// The first two rows of `t` with one key, if any.
fn repeated(t: &TextTable, keys: &[&str]) -> Option<(usize, usize)> {
    let columns: Vec<&[Option<String>]> = keys.iter().map(|k| t.column(k).expect("a key")).collect();
    let mut seen: HashMap<Vec<Option<&str>>, usize> = HashMap::with_capacity(t.rows());
    for i in 0..t.rows() {
        let key: Vec<Option<&str>> = columns.iter().map(|c| c[i].as_deref()).collect();
        if let Some(first) = seen.insert(key, i) {
            return Some((first, i));
        }
    }
    None
}

/// Refuses a table with two rows of one key: which of them would be compared? When the table
/// is unique on its own key columns, the fault is the other table's: it lacks some of them.
fn unique(t: &TextTable, keys: &[&str], other: &TextTable) -> Result<(), Error> {
    let Some((first, i)) = repeated(t, keys) else { return Ok(()) };
    let own: Vec<&str> = KEY_COLUMNS.iter().copied().filter(|k| t.column(k).is_some()).collect();
    if own.len() > keys.len() && repeated(t, &own).is_none() {
        let lacks: Vec<&str> = own.iter().copied().filter(|k| !keys.contains(k)).collect();
        return Err(Error::Input(format!(
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
    let shown: Vec<String> =
        keys.iter().map(|k| format!("{k}={}", t.column(k).expect("a key")[i].as_deref().unwrap_or(""))).collect();
    Err(Error::Input(format!(
        "{}: rows {} and {} have the same key ({}); compare needs one row per key: \
         give the tables the columns that tell these rows apart",
        t.path.display(),
        first + 1,
        i + 1,
        shown.join(" ")
    )))
}

/// The `differences` table: `table`, the key columns of every table compared (in
/// [`KEY_COLUMNS`] order), `column, a, b, delta, kind`.
pub fn differences_table(diffs: &[Difference]) -> Table {
    let keys: Vec<&str> =
        KEY_COLUMNS.iter().copied().filter(|k| diffs.iter().any(|d| d.key.iter().any(|(n, _)| n == k))).collect();
    let mut t = Table::default();
    t.text("table", diffs.iter().map(|d| d.table.clone()).collect());
    for k in keys {
        let v = diffs.iter().map(|d| d.key.iter().find(|(n, _)| n == k).and_then(|(_, v)| v.clone())).collect();
        t.push(k, Values::NullableText(v));
    }
    t.nullable_text("column", diffs.iter().map(|d| d.column.clone()).collect());
    t.nullable_text("a", diffs.iter().map(|d| d.a.clone()).collect());
    t.nullable_text("b", diffs.iter().map(|d| d.b.clone()).collect());
    t.nullable_text("delta", diffs.iter().map(|d| d.delta.clone()).collect());
    t.text("kind", diffs.iter().map(|d| d.kind.as_str().to_string()).collect());
    t
}
