//! The settle command's output tables, built from the settled pools (CONTRACT §2, Outputs).

use dianzhi_core::number::{MoneyUnit, SCALE};
use dianzhi_core::point_value::EXACT_SCALE;
use dianzhi_core::pool::PoolInput;
use dianzhi_core::settlement::SettledPool;
use dianzhi_core::Config;

use crate::write::Table;

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
    let rows: Vec<_> = pools.iter().zip(settled).flat_map(|(p, s)| s.settlements.iter().map(move |r| (p, r))).collect();
    let money = |f: &dyn Fn(&dianzhi_core::settlement::Settlement) -> i128| {
        rows.iter().map(|(_, r)| unit.to_output(f(r))).collect()
    };
    let points = |f: &dyn Fn(&dianzhi_core::settlement::Settlement) -> i128| rows.iter().map(|(_, r)| f(r)).collect();
    let mut t = Table::default();
    t.text("institution_id", rows.iter().map(|(_, r)| r.institution_id.clone()).collect());
    t.text("sector", rows.iter().map(|(p, _)| p.key.sector.clone()).collect());
    t.text("region", rows.iter().map(|(p, _)| p.key.region.clone()).collect());
    t.text("quarter", rows.iter().map(|(p, _)| p.key.quarter.to_string()).collect());
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
