//! Scenario tables (docs/analysts.md): the per-scenario tables stacked under a leading `scenario`
//! column, and the `comparison` of every scenario's pools with the baseline's.

use dianzhi_columnar::write::{Table, Values};
use polars::prelude::*;

use crate::frame::{from_table, guard, to_table};
use crate::Error;

pub const BASELINE: &str = "baseline";

/// Stacks tables of the same shape, each under its scenario's name, in the given order.
pub fn stack(parts: &[(String, Table)]) -> Result<Table, Error> {
    let Some((_, first)) = parts.first() else {
        return Ok(Table::default());
    };
    let mut stacked: Option<DataFrame> = None;
    for (name, t) in parts {
        let mut df = from_table(t)?;
        df.insert_column(0, Column::new("scenario".into(), vec![name.as_str(); df.height()]))?;
        match &mut stacked {
            None => stacked = Some(df),
            Some(s) => {
                s.vstack_mut_owned(df)?;
            }
        }
    }
    let mut like = Table::default();
    like.text("scenario", Vec::new());
    like.columns.extend(first.columns.iter().map(|(n, v)| (n.clone(), empty_like(v))));
    to_table(&stacked.expect("one part at least"), &like)
}

fn empty_like(v: &Values) -> Values {
    match v {
        Values::Text(_) => Values::Text(Vec::new()),
        Values::NullableText(_) => Values::NullableText(Vec::new()),
        Values::Texts { nullable, .. } => Values::Texts { column: Default::default(), nullable: *nullable },
        Values::Int(_) => Values::Int(Vec::new()),
        Values::Decimal { scale, nullable, precision, .. } => {
            Values::Decimal { values: Vec::new(), scale: *scale, nullable: *nullable, precision: *precision }
        }
    }
}

/// `comparison` of a quarter: one row per scenario and pool (stacked order), the scenario's fpv,
/// exact fpv and apv beside the baseline's with their deltas, and the attribution `effects`
/// (scenario, sector, region, quarter and the three effects).
pub fn comparison(point_values: &Table, effects: &Table) -> Result<Table, Error> {
    comparison_of(
        point_values,
        effects,
        &["sector", "region", "quarter"],
        &[("fpv", true), ("fpv_exact", true), ("apv", true)],
    )
}

/// `comparison` of a DIP year: pv and exact pv with deltas, what the fund pays (dip_amount) and
/// what the corridors draw from the reserve, before and after, and the effects.
pub fn dip_comparison(point_values: &Table, effects: &Table) -> Result<Table, Error> {
    comparison_of(
        point_values,
        effects,
        &["region", "fund", "year"],
        &[("pv", true), ("pv_exact", true), ("dip_amount", false), ("reserve_draw", false)],
    )
}

/// One row per scenario and pool (`keys`), in stacked order: for each of `values` the baseline's
/// (`NAME_base`), the scenario's, and with `true` the delta (scenario − baseline; empty when
/// either is), then the three effects joined from `effects` on (scenario, keys).
fn comparison_of(
    point_values: &Table,
    effects: &Table,
    keys: &[&str],
    values: &[(&str, bool)],
) -> Result<Table, Error> {
    let pv = from_table(point_values)?;
    let names: Vec<&str> = values.iter().map(|(v, _)| *v).collect();
    guard(&pv, &names)?;
    let on: Vec<Expr> = keys.iter().map(|k| col(*k)).collect();
    let base_cols: Vec<Expr> =
        keys.iter().map(|k| col(*k)).chain(values.iter().map(|(v, _)| col(*v).alias(format!("{v}_base")))).collect();
    let base = pv.clone().lazy().filter(col("scenario").eq(lit(BASELINE))).select(base_cols);
    let scn_cols: Vec<Expr> = std::iter::once(col("scenario"))
        .chain(keys.iter().map(|k| col(*k)))
        .chain(values.iter().map(|(v, _)| col(*v)))
        .collect();
    let scenarios = pv.lazy().filter(col("scenario").neq(lit(BASELINE))).select(scn_cols);
    let mut left = JoinArgs::new(JoinType::Left);
    left.maintain_order = MaintainOrderJoin::Left;
    let with_effects: Vec<Expr> = std::iter::once(col("scenario")).chain(keys.iter().map(|k| col(*k))).collect();
    let mut out: Vec<Expr> = std::iter::once(col("scenario")).chain(keys.iter().map(|k| col(*k))).collect();
    for (v, delta) in values {
        let b = format!("{v}_base");
        out.push(col(b.as_str()));
        out.push(col(*v));
        if *delta {
            out.push((col(*v) - col(b.as_str())).alias(format!("{v}_delta")));
        }
    }
    out.extend(["budget_effect", "volume_effect", "config_effect"].map(col));
    let joined = scenarios
        .join(base, on.clone(), on, left.clone())
        .join(from_table(effects)?.lazy(), with_effects.clone(), with_effects, left)
        .select(out)
        .collect()?;
    let mut like = Table::default();
    like.text("scenario", Vec::new());
    to_table(&joined, &like)
}
