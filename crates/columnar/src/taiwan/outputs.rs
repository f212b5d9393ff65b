//! The settle command's output tables, built from the settled pools (docs/settle.md, Outputs).

use dianzhi_core::engine::point_value::EXACT_SCALE;
use dianzhi_core::number::{MoneyUnit, SCALE};
use dianzhi_core::taiwan::pool::{ClaimSums, PoolInput};
use dianzhi_core::taiwan::settlement::{SettledPool, Settlement};
use dianzhi_core::Config;

use crate::write::{Table, TextColumn};

/// `point_values`: one row per pool, in pool order.
pub fn point_values(pools: &[PoolInput], settled: &[SettledPool], config: &Config) -> Table {
    let unit = config.money.unit;
    let money = |f: &dyn Fn(&PoolInput, &SettledPool) -> i128| {
        pools.iter().zip(settled).map(|(p, s)| unit.to_output(f(p, s))).collect()
    };
    let points = |f: &dyn Fn(&SettledPool) -> i128| settled.iter().map(f).collect();
    let pv_scale = config.point_value.scale;
    let mut t = Table::default();
    t.text("sector", pools.iter().map(|p| p.key.sector.clone()).collect());
    t.text("region", pools.iter().map(|p| p.key.region.clone()).collect());
    t.text("quarter", pools.iter().map(|p| p.key.quarter.to_string()).collect());
    t.decimal("budget", unit.decimals, money(&|p, _| p.budget));
    t.decimal("charges", unit.decimals, money(&|p, _| p.charges));
    t.int("institutions", settled.iter().map(|s| s.institutions as i64).collect());
    t.decimal("claimed_points", SCALE, points(&|s| s.sums.claimed));
    t.decimal("drug_points", SCALE, points(&|s| s.sums.drug));
    t.decimal("protected_points", SCALE, points(&|s| s.sums.protected));
    t.decimal("deducted_points", SCALE, points(&|s| s.sums.deducted));
    t.decimal("floating_points", SCALE, points(&|s| s.totals.floating_points));
    t.decimal("fixed_amount", unit.decimals, money(&|_, s| s.totals.fixed_amount));
    t.decimal("floating_money", unit.decimals, money(&|_, s| s.point_value.floating_money));
    t.nullable_decimal("fpv", pv_scale, settled.iter().map(|s| s.point_value.fpv).collect());
    t.nullable_decimal("fpv_exact", EXACT_SCALE, settled.iter().map(|s| s.point_value.fpv_exact).collect());
    t.nullable_decimal("apv", pv_scale, settled.iter().map(|s| s.point_value.apv).collect());
    t.decimal("distributed", unit.decimals, money(&|_, s| s.distributed));
    t.decimal("residual", unit.decimals, money(&|_, s| s.residual));
    t.text("status", settled.iter().map(|s| s.point_value.status.as_str().to_string()).collect());
    t
}

/// `settlements`: one row per (institution, pool), sorted by pool then institution_id.
pub fn settlements(pools: &[PoolInput], settled: &[SettledPool], unit: MoneyUnit) -> Table {
    // each row: its pool's index and its settlement
    let rows: Vec<(usize, &Settlement)> =
        settled.iter().enumerate().flat_map(|(k, s)| s.settlements.iter().map(move |r| (k, r))).collect();
    let money = |f: &dyn Fn(&Settlement) -> i128| rows.iter().map(|(_, r)| unit.to_output(f(r))).collect();
    let points = |f: &dyn Fn(&Settlement) -> i128| rows.iter().map(|(_, r)| f(r)).collect();
    // texts gathered into one buffer per column, not a String per cell
    let quarters: Vec<String> = pools.iter().map(|p| p.key.quarter.to_string()).collect();
    fn text<'s, 'o>(rows: &[(usize, &'s Settlement)], f: impl Fn(usize, &'s Settlement) -> &'o str) -> TextColumn {
        let mut c = TextColumn::with_capacity(rows.len());
        rows.iter().for_each(|(k, r)| c.push(f(*k, r)));
        c
    }
    let mut t = Table::default();
    t.texts("institution_id", text(&rows, |_, r| &r.institution_id), false);
    t.texts("sector", text(&rows, |k, _| &pools[k].key.sector), false);
    t.texts("region", text(&rows, |k, _| &pools[k].key.region), false);
    t.texts("quarter", text(&rows, |k, _| &quarters[k]), false);
    t.decimal("claimed_points", SCALE, points(&|r| r.sums.claimed));
    t.decimal("drug_points", SCALE, points(&|r| r.sums.drug));
    t.decimal("protected_points", SCALE, points(&|r| r.sums.protected));
    t.decimal("deducted_points", SCALE, points(&|r| r.sums.deducted));
    t.decimal("floating_points", SCALE, points(&|r| r.floating_points));
    t.decimal("fixed_amount", unit.decimals, money(&|r| r.fixed_amount));
    t.decimal("floating_amount", unit.decimals, money(&|r| r.floating_amount));
    t.decimal("gross_amount", unit.decimals, money(&|r| r.gross_amount));
    t.decimal("copayment", unit.decimals, money(&|r| r.sums.copayment));
    t.decimal("payable", unit.decimals, money(&|r| r.payable));
    t.decimal("interim_paid", unit.decimals, money(&|r| r.interim_paid));
    t.decimal("adjustment", unit.decimals, money(&|r| r.adjustment));
    t
}

/// `aggregates`: the claims scan's sums, one row per (institution, pool) in pool order
/// (docs/analysts.md) — what `settle --aggregates` reads instead of scanning the claims again.
pub fn aggregates(claims: &[dianzhi_core::taiwan::clearing::ClaimAggregate], unit: MoneyUnit) -> Table {
    let points = |f: &dyn Fn(&ClaimSums) -> i128| claims.iter().map(|c| f(&c.sums)).collect();
    let mut t = Table::default();
    t.text("institution_id", claims.iter().map(|c| c.institution_id.clone()).collect());
    t.text("sector", claims.iter().map(|c| c.pool.sector.clone()).collect());
    t.text("region", claims.iter().map(|c| c.pool.region.clone()).collect());
    t.text("quarter", claims.iter().map(|c| c.pool.quarter.to_string()).collect());
    t.int("claim_rows", claims.iter().map(|c| c.rows as i64).collect());
    t.decimal("claimed_points", SCALE, points(&|s| s.claimed));
    t.decimal("drug_points", SCALE, points(&|s| s.drug));
    t.decimal("protected_points", SCALE, points(&|s| s.protected));
    t.decimal("deducted_points", SCALE, points(&|s| s.deducted));
    t.decimal("copayment", unit.decimals, claims.iter().map(|c| unit.to_output(c.sums.copayment)).collect());
    t
}

/// `budgets`: one row per pool, readable by `settle --budgets`.
pub fn budgets(pools: &[dianzhi_core::taiwan::budget::PoolBudget], unit: MoneyUnit) -> Table {
    let mut t = Table::default();
    t.text("sector", pools.iter().map(|p| p.sector.clone()).collect());
    t.text("region", pools.iter().map(|p| p.region.clone()).collect());
    t.text("quarter", pools.iter().map(|p| p.quarter.to_string()).collect());
    t.decimal("budget", unit.decimals, pools.iter().map(|p| unit.to_output(p.budget)).collect());
    t
}

/// `growth`: one row per sector; rates exact to 12 decimals, half_even.
pub fn growth(rows: &[dianzhi_core::taiwan::budget::Growth], unit: MoneyUnit) -> Table {
    use dianzhi_core::number::{Dec, Rounding};
    let rate = |f: &dyn Fn(&dianzhi_core::taiwan::budget::Growth) -> Dec| {
        rows.iter().map(|g| f(g).rescale_round(12, Rounding::HalfEven).expect("a rate fits")).collect()
    };
    let money =
        |f: &dyn Fn(&dianzhi_core::taiwan::budget::Growth) -> i128| rows.iter().map(|g| unit.to_output(f(g))).collect();
    let mut t = Table::default();
    t.text("sector", rows.iter().map(|g| g.sector.clone()).collect());
    t.decimal("base", unit.decimals, money(&|g| g.base));
    t.decimal("non_negotiated_rate", 12, rate(&|g| g.non_negotiated_rate));
    t.decimal("negotiated_rate", 12, rate(&|g| g.negotiated_rate));
    t.decimal("general_rate", 12, rate(&|g| g.general_rate));
    t.decimal("general_budget", unit.decimals, money(&|g| g.general_budget));
    t.decimal("special_funds", unit.decimals, money(&|g| g.special_funds));
    t.decimal("carve_outs", unit.decimals, money(&|g| g.carve_outs));
    t.decimal("allocatable", unit.decimals, money(&|g| g.allocatable));
    t.decimal("total", unit.decimals, money(&|g| g.total));
    t
}

/// `interim`: one row per (institution, sector, region) paid, readable by `settle --interim`.
pub fn interim(lines: &[dianzhi_core::taiwan::interim::InterimLine], unit: MoneyUnit) -> Table {
    use dianzhi_core::number::Dec;
    use dianzhi_core::taiwan::interim::RATE_SCALE;
    // one scale per column: the most decimals any row needs
    let scale_of = |f: &dyn Fn(&dianzhi_core::taiwan::interim::InterimLine) -> Dec, min: u32| {
        lines.iter().map(|l| f(l).normalized().scale).max().unwrap_or(0).max(min)
    };
    let exact = |f: &dyn Fn(&dianzhi_core::taiwan::interim::InterimLine) -> Dec, scale: u32| {
        lines.iter().map(|l| f(l).rescale_exact(scale).expect("fits its column scale")).collect()
    };
    let ratio_scale = scale_of(&|l| l.payment.ratio, 2);
    let value_scale = scale_of(&|l| l.payment.point_value, 4);
    let mut t = Table::default();
    t.text("institution_id", lines.iter().map(|l| l.institution_id.clone()).collect());
    t.text("sector", lines.iter().map(|l| l.sector.clone()).collect());
    t.text("region", lines.iter().map(|l| l.region.clone()).collect());
    t.text("quarter", lines.iter().map(|l| l.month.quarter().to_string()).collect());
    t.text("service_month", lines.iter().map(|l| l.month.to_string()).collect());
    t.decimal("interim_paid", unit.decimals, lines.iter().map(|l| unit.to_output(l.payment.interim_paid)).collect());
    t.decimal("ratio", ratio_scale, exact(&|l| l.payment.ratio, ratio_scale));
    t.decimal("point_value", value_scale, exact(&|l| l.payment.point_value, value_scale));
    t.nullable_decimal("deduction_rate", RATE_SCALE, lines.iter().map(|l| l.payment.deduction_rate).collect());
    t.int("history_months", lines.iter().map(|l| i64::from(l.payment.history_months)).collect());
    t
}
