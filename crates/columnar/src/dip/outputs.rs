//! The `dip settle` output tables (docs/dip.md, Outputs).

use dianzhi_core::dip::budget::{PoolBudget, RATE_SCALE};
use dianzhi_core::dip::clearing::{ClearedHospital, ClearedPool, DipPool, Hospital};
use dianzhi_core::dip::presettle::{HospitalExecution, MonthCases, Payment, PoolExecution, SHARE_SCALE};
use dianzhi_core::engine::point_value::EXACT_SCALE;
use dianzhi_core::number::{Dec, Decimal, SCALE};
use dianzhi_core::Config;

use crate::write::Table;

/// A decimal written by a person (a ratio, a coefficient: at most 4 decimals) at 4 decimals.
fn at4(d: Decimal) -> i128 {
    Dec::from(d).rescale_exact(SCALE).expect("read with at most 4 decimals")
}

/// The `cases` table's own columns, in order (written by the spill); any other column of it is
/// one carried through with `--keep`.
pub const CASES_COLUMNS: [&str; 20] = [
    "case_id",
    "institution_id",
    "region",
    "fund",
    "year",
    "dip_group",
    "kind",
    "level",
    "avg_cost",
    "ratio",
    "type",
    "score",
    "coefficient",
    "aux_factor",
    "total_cost",
    "fund_paid",
    "excluded_cost",
    "payment",
    "standard",
    "margin",
];

/// `point_values`: one row per pool, in pool order.
pub fn point_values(pools: &[DipPool], cleared: &[ClearedPool], config: &Config) -> Table {
    let unit = config.money.unit;
    let both = || pools.iter().zip(cleared);
    let money = |f: &dyn Fn(&DipPool, &ClearedPool) -> i128| both().map(|(p, c)| unit.to_output(f(p, c))).collect();
    let count = |f: &dyn Fn(&ClearedPool) -> u64| cleared.iter().map(|c| f(c) as i64).collect();
    let mut t = Table::default();
    t.text("region", pools.iter().map(|p| p.fund.key.region.clone()).collect());
    t.text("fund", pools.iter().map(|p| p.fund.key.fund.clone()).collect());
    t.int("year", pools.iter().map(|p| i64::from(p.fund.key.year)).collect());
    // a forecast without funds has no budget, reserve, money or residual to show
    let unfunded = pools.iter().any(|p| !p.funded);
    let funded_money = |t: &mut Table, name: &'static str, f: &dyn Fn(&DipPool, &ClearedPool) -> i128| {
        if unfunded {
            t.nullable_decimal(
                name,
                unit.decimals,
                both().map(|(p, c)| p.funded.then(|| unit.to_output(f(p, c)))).collect(),
            );
        } else {
            t.decimal(name, unit.decimals, money(f));
        }
    };
    funded_money(&mut t, "budget", &|p, _| p.fund.budget);
    funded_money(&mut t, "reserve", &|p, _| p.fund.reserve);
    t.decimal("payment_ratio", SCALE, pools.iter().map(|p| at4(p.fund.payment_ratio)).collect());
    t.int("cases", count(&|c| c.sums.cases));
    t.int("scored_cases", count(&|c| c.sums.scored()));
    t.int("special_cases", count(&|c| c.sums.special));
    t.int("at_cost_cases", count(&|c| c.sums.at_cost));
    t.decimal("at_cost_amount", unit.decimals, money(&|_, c| c.sums.at_cost_amount));
    funded_money(&mut t, "money", &|_, c| c.solved.point_value.floating_money);
    t.decimal("total_score", SCALE, cleared.iter().map(|c| c.sums.score).collect());
    t.nullable_decimal("pv", config.point_value.scale, cleared.iter().map(|c| c.solved.point_value.fpv).collect());
    t.nullable_decimal("pv_exact", EXACT_SCALE, cleared.iter().map(|c| c.solved.point_value.fpv_exact).collect());
    t.decimal("dip_amount", unit.decimals, money(&|_, c| c.hospitals.iter().map(|h| h.dip_amount).sum()));
    t.decimal("item_amount", unit.decimals, money(&|_, c| c.sums.items));
    t.decimal("entitlement", unit.decimals, money(&|_, c| c.entitlement));
    t.decimal("reserve_draw", unit.decimals, money(&|_, c| c.reserve_draw));
    funded_money(&mut t, "residual", &|_, c| c.solved.residual);
    t.text("status", cleared.iter().map(|c| c.dip_status().to_string()).collect());
    // appended: Σ overspend shares before the reserve cap (what the corridor alone would pay)
    t.decimal("shared_uncapped", unit.decimals, money(&|_, c| c.shared_uncapped));
    // items paid outside the points (除外支付), at cost
    t.decimal("excluded_amount", unit.decimals, money(&|_, c| c.sums.excluded));
    t
}

/// `hospitals`: one row per (hospital, pool), sorted by pool then institution_id.
pub fn hospitals(pools: &[DipPool], cleared: &[ClearedPool], config: &Config) -> Table {
    let unit = config.money.unit;
    let rows: Vec<(&DipPool, &Hospital, &ClearedHospital)> = pools
        .iter()
        .zip(cleared)
        .flat_map(|(p, c)| p.hospitals.iter().zip(&c.hospitals).map(move |(h, ch)| (p, h, ch)))
        .collect();
    let money = |f: &dyn Fn(&Hospital, &ClearedHospital) -> i128| {
        rows.iter().map(|(_, h, c)| unit.to_output(f(h, c))).collect()
    };
    let count = |f: &dyn Fn(&Hospital) -> u64| rows.iter().map(|(_, h, _)| f(h) as i64).collect();
    let mut t = Table::default();
    t.text("institution_id", rows.iter().map(|(_, h, _)| h.cases.institution_id.clone()).collect());
    t.text("region", rows.iter().map(|(p, _, _)| p.fund.key.region.clone()).collect());
    t.text("fund", rows.iter().map(|(p, _, _)| p.fund.key.fund.clone()).collect());
    t.int("year", rows.iter().map(|(p, _, _)| i64::from(p.fund.key.year)).collect());
    t.text("level", rows.iter().map(|(_, h, _)| h.cases.level.clone()).collect());
    t.decimal("coefficient", SCALE, rows.iter().map(|(_, h, _)| at4(h.cases.coefficient)).collect());
    t.int("cases", count(&|h| h.cases.sums.cases));
    t.int("low_cases", count(&|h| h.cases.sums.low));
    t.int("high_cases", count(&|h| h.cases.sums.high));
    t.int("extreme_cases", count(&|h| h.cases.sums.extreme));
    t.int("special_cases", count(&|h| h.cases.sums.special));
    t.int("at_cost_cases", count(&|h| h.cases.sums.at_cost));
    t.decimal("total_score", SCALE, rows.iter().map(|(_, h, _)| h.cases.sums.score).collect());
    t.nullable_decimal("cmi", 4, rows.iter().map(|(_, _, c)| c.cmi).collect());
    t.decimal("dip_amount", unit.decimals, money(&|_, c| c.dip_amount));
    t.decimal("item_amount", unit.decimals, money(&|h, _| h.cases.sums.items));
    t.decimal("balance", unit.decimals, money(&|_, c| c.balance));
    t.decimal("kept", unit.decimals, money(&|_, c| c.kept));
    t.decimal("shared", unit.decimals, money(&|_, c| c.shared));
    t.decimal("entitlement", unit.decimals, money(&|_, c| c.entitlement));
    t.decimal("at_cost_amount", unit.decimals, money(&|h, _| h.cases.sums.at_cost_amount));
    t.decimal("assessment", SCALE, rows.iter().map(|(_, h, _)| at4(h.cases.assessment)).collect());
    t.decimal("withheld", unit.decimals, money(&|h, _| h.withheld));
    t.decimal("paid", unit.decimals, money(&|h, _| h.paid));
    t.decimal("due", unit.decimals, money(&|_, c| c.due));
    t.decimal("adjustment", unit.decimals, money(&|_, c| c.adjustment));
    // Σ total_cost of every case: next year's watch compares its cost per case with this
    t.decimal("total_cost", unit.decimals, money(&|h, _| h.cases.sums.total_cost));
    t.decimal("shared_uncapped", unit.decimals, money(&|_, c| c.shared_uncapped));
    t.decimal("excluded_amount", unit.decimals, money(&|h, _| h.cases.sums.excluded));
    // the indicators' weighted total behind the assessment, when graded from --assessment
    t.nullable_decimal("assessment_score", 2, rows.iter().map(|(_, h, _)| h.cases.assessment_score).collect());
    t
}

/// `aggregates` (`dip aggregate`): the case scan's sums per hospital, pool and month of
/// discharge, in the scan's order (region, fund, year, institution, month) — what `dip settle
/// --aggregates` clears without scoring the cases again, and what partial scans (one per Spark
/// partition) add up to: every column but the keys is a sum.
pub fn case_sums(rows: &[MonthCases], config: &Config) -> Table {
    let unit = config.money.unit;
    let money = |f: &dyn Fn(&MonthCases) -> i128| rows.iter().map(|m| unit.to_output(f(m))).collect();
    let count = |f: &dyn Fn(&MonthCases) -> u64| rows.iter().map(|m| f(m) as i64).collect();
    let mut t = Table::default();
    t.text("institution_id", rows.iter().map(|m| m.institution_id.clone()).collect());
    t.text("region", rows.iter().map(|m| m.pool.region.clone()).collect());
    t.text("fund", rows.iter().map(|m| m.pool.fund.clone()).collect());
    t.int("year", rows.iter().map(|m| i64::from(m.pool.year)).collect());
    t.text("month", rows.iter().map(|m| m.month.to_string()).collect());
    t.int("cases", count(&|m| m.sums.cases));
    t.int("low_cases", count(&|m| m.sums.low));
    t.int("high_cases", count(&|m| m.sums.high));
    t.int("extreme_cases", count(&|m| m.sums.extreme));
    t.int("special_cases", count(&|m| m.sums.special));
    t.int("at_cost_cases", count(&|m| m.sums.at_cost));
    t.decimal("total_score", SCALE, rows.iter().map(|m| m.sums.score).collect());
    t.decimal("item_amount", unit.decimals, money(&|m| m.sums.items));
    t.decimal("at_cost_amount", unit.decimals, money(&|m| m.sums.at_cost_amount));
    t.decimal("total_cost", unit.decimals, money(&|m| m.sums.total_cost));
    t.decimal("exam_cost", unit.decimals, money(&|m| m.sums.exam_cost));
    t.decimal("excluded_amount", unit.decimals, money(&|m| m.sums.excluded));
    t
}

/// `payments` (presettle): one row per (hospital, pool) paid for the month, sorted by region,
/// fund, institution_id, month.
pub fn payments(rows: &[Payment], config: &Config) -> Table {
    let unit = config.money.unit;
    let money = |f: &dyn Fn(&Payment) -> i128| rows.iter().map(|p| unit.to_output(f(p))).collect();
    let mut t = Table::default();
    t.text("institution_id", rows.iter().map(|p| p.institution_id.clone()).collect());
    t.text("region", rows.iter().map(|p| p.pool.region.clone()).collect());
    t.text("fund", rows.iter().map(|p| p.pool.fund.clone()).collect());
    t.int("year", rows.iter().map(|p| i64::from(p.pool.year)).collect());
    t.text("month", rows.iter().map(|p| p.month.to_string()).collect());
    t.int("cases", rows.iter().map(|p| p.cases as i64).collect());
    t.decimal("basis", unit.decimals, money(&|p| p.basis));
    t.decimal("gross", unit.decimals, money(&|p| p.gross));
    t.decimal("withheld", unit.decimals, money(&|p| p.withheld));
    t.decimal("paid", unit.decimals, money(&|p| p.paid));
    t
}

/// `execution_pools`: one row per pool paid so far this year.
pub fn execution_pools(rows: &[PoolExecution], config: &Config) -> Table {
    let unit = config.money.unit;
    let mut t = Table::default();
    t.text("region", rows.iter().map(|p| p.pool.region.clone()).collect());
    t.text("fund", rows.iter().map(|p| p.pool.fund.clone()).collect());
    t.int("year", rows.iter().map(|p| i64::from(p.pool.year)).collect());
    t.text("month", rows.iter().map(|p| p.month.to_string()).collect());
    t.nullable_decimal("budget", unit.decimals, rows.iter().map(|p| p.budget.map(|b| unit.to_output(b))).collect());
    t.decimal("paid_to_date", unit.decimals, rows.iter().map(|p| unit.to_output(p.paid_to_date)).collect());
    t.decimal("withheld_to_date", unit.decimals, rows.iter().map(|p| unit.to_output(p.withheld_to_date)).collect());
    t.nullable_decimal("share", SHARE_SCALE, rows.iter().map(|p| p.share).collect());
    t.text("flag", rows.iter().map(|p| p.flag.to_string()).collect());
    // 序时进度: the share against the year's time elapsed
    t.decimal("elapsed", SHARE_SCALE, rows.iter().map(|p| p.elapsed).collect());
    t.nullable_decimal("pace", SHARE_SCALE, rows.iter().map(|p| p.pace).collect());
    t.text("pace_flag", rows.iter().map(|p| p.pace_flag.to_string()).collect());
    t
}

/// `execution_hospitals`: one row per hospital and pool with cases so far this year.
pub fn execution_hospitals(rows: &[HospitalExecution], config: &Config) -> Table {
    let unit = config.money.unit;
    let mut t = Table::default();
    t.text("institution_id", rows.iter().map(|h| h.institution_id.clone()).collect());
    t.text("region", rows.iter().map(|h| h.pool.region.clone()).collect());
    t.text("fund", rows.iter().map(|h| h.pool.fund.clone()).collect());
    t.int("year", rows.iter().map(|h| i64::from(h.pool.year)).collect());
    t.decimal("item_to_date", unit.decimals, rows.iter().map(|h| unit.to_output(h.item_to_date)).collect());
    t.nullable_decimal(
        "score_value_to_date",
        unit.decimals,
        rows.iter().map(|h| h.score_value_to_date.map(|v| unit.to_output(v))).collect(),
    );
    t.nullable_decimal("ratio", SHARE_SCALE, rows.iter().map(|h| h.ratio).collect());
    t.text("flag", rows.iter().map(|h| h.flag.to_string()).collect());
    t.int("cases_to_date", rows.iter().map(|h| h.cases_to_date as i64).collect());
    t.decimal("cost_per_case", unit.decimals, rows.iter().map(|h| unit.to_output(h.cost_per_case)).collect());
    t.nullable_decimal("cost_growth", SHARE_SCALE, rows.iter().map(|h| h.cost_growth).collect());
    t.text("cost_flag", rows.iter().map(|h| h.cost_flag.to_string()).collect());
    t.nullable_decimal("exam_share", SHARE_SCALE, rows.iter().map(|h| h.exam_share).collect());
    t.text("exam_flag", rows.iter().map(|h| h.exam_flag.to_string()).collect());
    t
}

/// `funds` of `dip budget`: the year's budget per pool, what `dip settle --funds` and `dip
/// presettle --funds` read as is.
pub fn budget_funds(pools: &[PoolBudget], config: &Config) -> Table {
    let unit = config.money.unit;
    let money = |f: &dyn Fn(&PoolBudget) -> i128| pools.iter().map(|p| unit.to_output(f(p))).collect();
    let mut t = Table::default();
    t.text("region", pools.iter().map(|p| p.region.clone()).collect());
    t.text("fund", pools.iter().map(|p| p.fund.clone()).collect());
    t.int("year", pools.iter().map(|p| i64::from(p.year)).collect());
    t.decimal("budget", unit.decimals, money(&|p| p.budget));
    t.decimal("payment_ratio", SCALE, pools.iter().map(|p| at4(p.payment_ratio)).collect());
    t.decimal("reserve", unit.decimals, money(&|p| p.reserve));
    t
}

/// `growth` of `dip budget`: every step from the history to the budget, per pool.
pub fn budget_growth(pools: &[PoolBudget], config: &Config) -> Table {
    let unit = config.money.unit;
    let money = |f: &dyn Fn(&PoolBudget) -> i128| pools.iter().map(|p| unit.to_output(f(p))).collect();
    let rate = |f: &dyn Fn(&PoolBudget) -> i128| pools.iter().map(f).collect();
    let mut t = Table::default();
    t.text("region", pools.iter().map(|p| p.region.clone()).collect());
    t.text("fund", pools.iter().map(|p| p.fund.clone()).collect());
    t.int("year", pools.iter().map(|p| i64::from(p.year)).collect());
    t.decimal("spending_base", unit.decimals, money(&|p| p.spending_base));
    t.decimal("growth_y3", RATE_SCALE, rate(&|p| p.growth[0]));
    t.decimal("growth_y2", RATE_SCALE, rate(&|p| p.growth[1]));
    t.decimal("growth_y1", RATE_SCALE, rate(&|p| p.growth[2]));
    t.decimal("history_rate", RATE_SCALE, rate(&|p| p.history_rate));
    t.decimal("population", RATE_SCALE, rate(&|p| p.population));
    t.decimal("technology", RATE_SCALE, rate(&|p| p.technology));
    t.decimal("adjustment", RATE_SCALE, rate(&|p| p.adjustment));
    t.decimal("growth_rate", RATE_SCALE, rate(&|p| p.growth_rate));
    t.decimal("spending_forecast", unit.decimals, money(&|p| p.spending_forecast));
    t.decimal("income_forecast", unit.decimals, money(&|p| p.income_forecast));
    t.decimal("cap", unit.decimals, money(&|p| p.cap));
    t.decimal("shortfall", unit.decimals, money(&|p| p.shortfall));
    t.decimal("transfer", unit.decimals, money(&|p| p.transfer));
    t.decimal("budget", unit.decimals, money(&|p| p.budget));
    t.decimal("reserve", unit.decimals, money(&|p| p.reserve));
    t.nullable_decimal("balance_rate", RATE_SCALE, pools.iter().map(|p| p.balance_rate).collect());
    t.text("flag", pools.iter().map(|p| p.flag.as_str().to_string()).collect());
    t
}
