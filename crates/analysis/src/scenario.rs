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

const KEYS: [&str; 3] = ["sector", "region", "quarter"];

/// `comparison`: one row per scenario and pool (stacked order), the scenario's fpv, exact fpv
/// and apv beside the baseline's and their deltas (scenario − baseline; empty when either is),
/// joined with the attribution `effects` (scenario, sector, region, quarter and the three
/// effects).
pub fn comparison(point_values: &Table, effects: &Table) -> Result<Table, Error> {
    let pv = from_table(point_values)?;
    guard(&pv, &["fpv", "fpv_exact", "apv"])?;
    let keys: Vec<Expr> = KEYS.iter().map(|k| col(*k)).collect();
    let base = pv.clone().lazy().filter(col("scenario").eq(lit(BASELINE))).select([
        col("sector"),
        col("region"),
        col("quarter"),
        col("fpv").alias("fpv_base"),
        col("fpv_exact").alias("fpv_exact_base"),
        col("apv").alias("apv_base"),
    ]);
    let scenarios = pv.lazy().filter(col("scenario").neq(lit(BASELINE))).select([
        col("scenario"),
        col("sector"),
        col("region"),
        col("quarter"),
        col("fpv"),
        col("fpv_exact"),
        col("apv"),
    ]);
    let mut left = JoinArgs::new(JoinType::Left);
    left.maintain_order = MaintainOrderJoin::Left;
    let with_effects: Vec<Expr> = ["scenario", "sector", "region", "quarter"].iter().map(|k| col(*k)).collect();
    let joined = scenarios
        .join(base, keys.clone(), keys, left.clone())
        .join(from_table(effects)?.lazy(), with_effects.clone(), with_effects, left)
        .select([
            col("scenario"),
            col("sector"),
            col("region"),
            col("quarter"),
            col("fpv_base"),
            col("fpv"),
            (col("fpv") - col("fpv_base")).alias("fpv_delta"),
            col("fpv_exact_base"),
            col("fpv_exact"),
            (col("fpv_exact") - col("fpv_exact_base")).alias("fpv_exact_delta"),
            col("apv_base"),
            col("apv"),
            (col("apv") - col("apv_base")).alias("apv_delta"),
            col("budget_effect"),
            col("volume_effect"),
            col("config_effect"),
        ])
        .collect()?;
    let mut like = Table::default();
    like.text("scenario", Vec::new());
    to_table(&joined, &like)
}
