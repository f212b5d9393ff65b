//! Monthly pre-settlement during the year and the budget-execution watch (docs/dip-year.md,
//! `dip presettle`).
//!
//! ```text
//! basis    = Σ fund_paid of the month's cases               (items; at-cost cases included)
//!          = round(Σ score × pv [× ρ])                        (scores; at-cost cases count 0)
//! gross    = round(basis × advance_ratio)
//! withheld = round(gross × withhold_rate)                     (质量保证金, ≤ 5%)
//! paid     = gross − withheld
//! ```
//! Execution: per pool, the year's paid + withheld so far against the budget (`[dip.watch]`
//! levels: blue off unless set, yellow at 80%, red at 100%); per hospital, its item cost so far
//! against its scores at the published value (over when above 100%: an overspend on its way),
//! its cost per case against last year's (次均费用增长率, flagged above 5%) and its exam and lab
//! share of the cost (检查检验占比, flagged above 20%).

use std::collections::{BTreeMap, BTreeSet};

use crate::config::Config;
use crate::dip::clearing::{CaseSums, DipPoolKey, FundRow, PaymentRow};
use crate::dip::config::{Basis, PresettleBasis};
use crate::number::{add, div_to_scale, mul, pow10, sub, Dec, Decimal, Overflow, SCALE};
use crate::offenders::{list, Offenders};
use crate::period::Month;

/// Decimals of the execution shares and ratios.
pub const SHARE_SCALE: u32 = 4;

/// A hospital's cases in a pool discharged in one month.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonthCases {
    /// The hospital.
    pub institution_id: String,
    /// The pool.
    pub pool: DipPoolKey,
    /// The month of discharge.
    pub month: Month,
    /// The cases' sums.
    pub sums: CaseSums,
}

/// A published point value of a (region, fund).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PublishedValue {
    /// Internal fixed point.
    pub point_value: i128,
    /// The share of a unit of total cost the fund pays (basis `total_cost`).
    pub payment_ratio: Option<Decimal>,
}

/// Published point values by (region, fund).
pub type PublishedValues = BTreeMap<(String, String), PublishedValue>;

/// One month's payment to a hospital in a pool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payment {
    /// The hospital paid.
    pub institution_id: String,
    /// The pool paid from.
    pub pool: DipPoolKey,
    /// The month paid.
    pub month: Month,
    /// The month's cases.
    pub cases: u64,
    /// The basis: fund_paid, or scores × the point value.
    pub basis: i128,
    /// basis × advance ratio.
    pub gross: i128,
    /// The quality reserve withheld.
    pub withheld: i128,
    /// gross − withheld: what the hospital is paid.
    pub paid: i128,
}

/// Why a month cannot be paid (each message names the pools).
#[allow(missing_docs)] // each variant's #[error] text says what it means and names its fields
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PresettleError {
    #[error("no published point value for {count} pool(s) (needed with [dip.presettle] basis = \"scores\"):\n{}\ngive --point-values with a row (region, fund, point_value) for each", list(.pools, *.count))]
    NoPointValue { pools: Vec<String>, count: usize },
    #[error("no payment_ratio for {count} pool(s) in --point-values, needed with [dip.point_value] basis = \"total_cost\":\n{}\nadd the payment_ratio column", list(.pools, *.count))]
    NoPaymentRatio { pools: Vec<String>, count: usize },
    #[error(transparent)]
    Overflow(#[from] Overflow),
}

/// `Σ score × pv [× ρ]` of `score` in a pool, rounded to the unit; `None` without a value.
fn score_value(
    score: i128,
    pool: &DipPoolKey,
    values: &PublishedValues,
    config: &Config,
) -> Result<Option<i128>, PresettleError> {
    let Some(v) = values.get(&(pool.region.clone(), pool.fund.clone())) else { return Ok(None) };
    let ratio = match config.dip.point_value.basis {
        Basis::Fund => Dec::new(1, 0),
        Basis::TotalCost => match v.payment_ratio {
            Some(r) => Dec::from(r),
            None => return Err(PresettleError::NoPaymentRatio { pools: vec![pool.to_string()], count: 1 }),
        },
    };
    // score and pv at 4 decimals each, ρ at its scale
    let num = mul(mul(score, v.point_value, "score value")?, ratio.mantissa, "score value")?;
    let den = mul(pow10(SCALE)?, pow10(ratio.scale)?, "score value")?;
    Ok(Some(config.money.unit.round(num, den, config.money.rounding)?))
}

/// The payments of `month`: one per (hospital, pool) with cases discharged in it, sorted by
/// region, fund, institution_id.
pub fn presettle(
    cases: &[MonthCases],
    month: Month,
    values: &PublishedValues,
    config: &Config,
) -> Result<Vec<Payment>, PresettleError> {
    let p = &config.dip.presettle;
    let (unit, rounding) = (config.money.unit, config.money.rounding);
    let (advance, withhold) = (Dec::from(p.advance_ratio), Dec::from(p.withhold_rate));
    let mut missing = Offenders::default();
    let mut missing_pools = BTreeSet::new();
    let mut out = Vec::new();
    for c in cases.iter().filter(|c| c.month == month) {
        let basis = match p.basis {
            PresettleBasis::Items => add(add(c.sums.items, c.sums.at_cost_amount, "basis")?, c.sums.excluded, "basis")?,
            PresettleBasis::Scores => match score_value(c.sums.score, &c.pool, values, config) {
                Ok(Some(v)) => v,
                Ok(None) => {
                    if missing_pools.insert(c.pool.clone()) {
                        missing.push(|| format!("region={} fund={}", c.pool.region, c.pool.fund));
                    }
                    continue;
                }
                Err(e) => return Err(e),
            },
        };
        let gross = unit.round(mul(basis, advance.mantissa, "gross")?, pow10(advance.scale)?, rounding)?;
        let withheld = unit.round(mul(gross, withhold.mantissa, "withheld")?, pow10(withhold.scale)?, rounding)?;
        out.push(Payment {
            institution_id: c.institution_id.clone(),
            pool: c.pool.clone(),
            month,
            cases: c.sums.cases,
            basis,
            gross,
            withheld,
            paid: sub(gross, withheld, "paid")?,
        });
    }
    if missing.count > 0 {
        return Err(PresettleError::NoPointValue { pools: missing.items, count: missing.count });
    }
    out.sort_by(|a, b| {
        (&a.pool.region, &a.pool.fund, &a.institution_id, a.month).cmp(&(
            &b.pool.region,
            &b.pool.fund,
            &b.institution_id,
            b.month,
        ))
    });
    Ok(out)
}

/// A pool's budget execution up to and including the month.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolExecution {
    /// The pool.
    pub pool: DipPoolKey,
    /// The month the figures run to.
    pub month: Month,
    /// The budget in force, if the funds table gives one.
    pub budget: Option<i128>,
    /// Paid so far in the year.
    pub paid_to_date: i128,
    /// Withheld so far in the year.
    pub withheld_to_date: i128,
    /// (paid + withheld) / budget at [`SHARE_SCALE`] decimals; `None` without a budget.
    pub share: Option<i128>,
    /// The highest `[dip.watch]` level reached: "", "blue", "yellow" or "red".
    pub flag: &'static str,
    /// The year's time elapsed by the end of `month`: month / 12 at [`SHARE_SCALE`] decimals.
    pub elapsed: i128,
    /// share / elapsed at [`SHARE_SCALE`] decimals (序时进度); `None` without a budget.
    pub pace: Option<i128>,
    /// "", "yellow" or "red": the pace against `pace_yellow` and `pace_red`, compared exactly.
    pub pace_flag: &'static str,
}

/// Last year's cases and Σ total_cost per (institution_id, region, fund), from last year's
/// `hospitals` table.
pub type LastYear = BTreeMap<(String, String, String), (u64, i128)>;

/// A hospital's item cost so far against its scores at the published value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HospitalExecution {
    /// The hospital.
    pub institution_id: String,
    /// The pool.
    pub pool: DipPoolKey,
    /// Its fund_paid so far in the year.
    pub item_to_date: i128,
    /// Its scores so far × the published point value, if given.
    pub score_value_to_date: Option<i128>,
    /// item / score value at [`SHARE_SCALE`] decimals.
    pub ratio: Option<i128>,
    /// "over" when the ratio is above 1.
    pub flag: &'static str,
    /// Its cases so far in the year.
    pub cases_to_date: u64,
    /// Σ total_cost / cases to date, rounded to the money unit.
    pub cost_per_case: i128,
    /// Cost per case over last year's − 1 at [`SHARE_SCALE`] decimals; `None` without last year.
    pub cost_growth: Option<i128>,
    /// "high" when the growth is above `max_cost_growth`.
    pub cost_flag: &'static str,
    /// Σ exam_cost / Σ total_cost at [`SHARE_SCALE`] decimals; `None` without exam costs.
    pub exam_share: Option<i128>,
    /// "high" when the share is above `max_exam_share`.
    pub exam_flag: &'static str,
}

impl HospitalExecution {
    /// How many of the watch's flags are raised.
    pub fn flags(&self) -> usize {
        [self.flag, self.cost_flag, self.exam_flag].iter().filter(|f| !f.is_empty()).count()
    }
}

/// Budget execution after `month`'s payments: `earlier` are the year's payments of months
/// before it; `cases` hold the year's months (those after `month` are ignored).
#[allow(clippy::too_many_arguments)]
pub fn execution(
    cases: &[MonthCases],
    month: Month,
    this_month: &[Payment],
    earlier: &[PaymentRow],
    funds: &[FundRow],
    values: Option<&PublishedValues>,
    last_year: Option<&LastYear>,
    config: &Config,
) -> Result<(Vec<PoolExecution>, Vec<HospitalExecution>), PresettleError> {
    let year = month.year;
    let mut pools: BTreeMap<DipPoolKey, (i128, i128)> = BTreeMap::new();
    for p in earlier.iter().filter(|p| p.pool.year == year) {
        let e = pools.entry(p.pool.clone()).or_default();
        e.0 = add(e.0, p.paid, "paid to date")?;
        e.1 = add(e.1, p.withheld, "withheld to date")?;
    }
    for p in this_month {
        let e = pools.entry(p.pool.clone()).or_default();
        e.0 = add(e.0, p.paid, "paid to date")?;
        e.1 = add(e.1, p.withheld, "withheld to date")?;
    }
    let budgets: BTreeMap<&DipPoolKey, i128> = funds.iter().map(|f| (&f.key, f.budget)).collect();
    let rounding = config.money.rounding;
    let mut pool_rows = Vec::with_capacity(pools.len());
    for (pool, (paid, withheld)) in pools {
        let budget = budgets.get(&pool).copied();
        let used = add(paid, withheld, "paid + withheld")?;
        let share = match budget {
            Some(b) if b > 0 => Some(div_to_scale(used, b, SHARE_SCALE, rounding)?),
            _ => None,
        };
        // compare exactly, not the rounded share: used ≥ level × budget
        let w = &config.dip.watch;
        let reached = |level: Decimal, b: i128| -> Result<bool, Overflow> {
            let l = Dec::from(level);
            Ok(mul(used, pow10(l.scale)?, "share")? >= mul(b, l.mantissa, "share")?)
        };
        let flag = match budget {
            Some(b) if reached(w.red, b)? => "red",
            Some(b) if reached(w.yellow, b)? => "yellow",
            Some(b) if w.blue.map(|blue| reached(blue, b)).transpose()?.unwrap_or(false) => "blue",
            _ => "",
        };
        // the pace: (used / budget) / (m / 12) = 12 × used / (m × budget), exactly
        let m = i128::from(month.month);
        let elapsed = div_to_scale(m, 12, SHARE_SCALE, rounding)?;
        let pace = match budget {
            Some(b) if b > 0 => Some(div_to_scale(mul(12, used, "pace")?, mul(m, b, "pace")?, SHARE_SCALE, rounding)?),
            _ => None,
        };
        let ahead = |level: Decimal, b: i128| -> Result<bool, Overflow> {
            let l = Dec::from(level);
            Ok(mul(mul(12, used, "pace")?, pow10(l.scale)?, "pace")? >= mul(mul(m, b, "pace")?, l.mantissa, "pace")?)
        };
        let pace_flag = match budget {
            Some(b) if b > 0 && ahead(w.pace_red, b)? => "red",
            Some(b) if b > 0 && ahead(w.pace_yellow, b)? => "yellow",
            _ => "",
        };
        pool_rows.push(PoolExecution {
            pool,
            month,
            budget,
            paid_to_date: paid,
            withheld_to_date: withheld,
            share,
            flag,
            elapsed,
            pace,
            pace_flag,
        });
    }

    let mut hospitals: BTreeMap<(DipPoolKey, &str), (i128, i128, CaseSums)> = BTreeMap::new();
    for c in cases.iter().filter(|c| c.month.year == year && c.month <= month) {
        let e = hospitals.entry((c.pool.clone(), c.institution_id.as_str())).or_default();
        let items = add(add(c.sums.items, c.sums.at_cost_amount, "items")?, c.sums.excluded, "items")?;
        e.0 = add(e.0, items, "item to date")?;
        e.1 = add(e.1, c.sums.score, "score to date")?;
        e.2.add(&c.sums)?;
    }
    let w = &config.dip.watch;
    let unit = config.money.unit;
    let mut hospital_rows = Vec::with_capacity(hospitals.len());
    for ((pool, id), (items, score, sums)) in hospitals {
        let value = match values {
            Some(v) => score_value(score, &pool, v, config)?,
            None => None,
        };
        let ratio = match value {
            Some(v) if v > 0 => Some(div_to_scale(items, v, SHARE_SCALE, rounding)?),
            _ => None,
        };
        let flag = match value {
            Some(v) if items > v => "over",
            _ => "",
        };
        let cases = i128::from(sums.cases);
        let cost_per_case = unit.round(sums.total_cost, cases.max(1), rounding)?;
        // growth = (cost / cases) / (last cost / last cases) − 1, exact: cost × last cases vs
        // last cost × cases
        let last = last_year
            .and_then(|l| l.get(&(id.to_string(), pool.region.clone(), pool.fund.clone())))
            .filter(|(n, cost)| *n > 0 && *cost > 0 && cases > 0);
        let (cost_growth, cost_flag) = match last {
            Some(&(last_cases, last_cost)) => {
                let num = mul(sums.total_cost, i128::from(last_cases), "cost growth")?;
                let den = mul(last_cost, cases, "cost growth")?;
                let growth = sub(div_to_scale(num, den, SHARE_SCALE, rounding)?, pow10(SHARE_SCALE)?, "cost growth")?;
                let limit = Dec::from(w.max_cost_growth).plus(Dec::new(1, 0))?;
                // above the limit, exactly: num / den > 1 + max  ⇔  num × 10^s > (1 + max)ᵐ × den
                let high = mul(num, pow10(limit.scale)?, "cost growth")? > mul(den, limit.mantissa, "cost growth")?;
                (Some(growth), if high { "high" } else { "" })
            }
            None => (None, ""),
        };
        let (exam_share, exam_flag) = if sums.exam_cost > 0 && sums.total_cost > 0 {
            let limit = Dec::from(w.max_exam_share);
            let high = mul(sums.exam_cost, pow10(limit.scale)?, "exam share")?
                > mul(sums.total_cost, limit.mantissa, "exam share")?;
            (
                Some(div_to_scale(sums.exam_cost, sums.total_cost, SHARE_SCALE, rounding)?),
                if high { "high" } else { "" },
            )
        } else {
            (None, "")
        };
        hospital_rows.push(HospitalExecution {
            institution_id: id.to_string(),
            pool,
            item_to_date: items,
            score_value_to_date: value,
            ratio,
            flag,
            cases_to_date: sums.cases,
            cost_per_case,
            cost_growth,
            cost_flag,
            exam_share,
            exam_flag,
        });
    }
    Ok((pool_rows, hospital_rows))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::number::{parse_decimal, MoneyUnit, ONE};

    fn pool() -> DipPoolKey {
        DipPoolKey { region: "r1".into(), fund: "employee".into(), year: 2026 }
    }

    fn fen() -> Config {
        let mut c = Config::default();
        c.money.unit = MoneyUnit::from_decimal(parse_decimal("0.01").unwrap()).unwrap();
        c
    }

    fn month_cases(m: u8, items: i128, score: i128) -> MonthCases {
        MonthCases {
            institution_id: "H1".into(),
            pool: pool(),
            month: Month::new(2026, m).unwrap(),
            sums: CaseSums {
                cases: 3,
                items: items * ONE,
                score: score * ONE,
                at_cost_amount: 1_0000,
                ..CaseSums::default()
            },
        }
    }

    #[test]
    fn items_basis_advance_and_withholding_round_once_each() {
        let mut config = fen();
        config.dip.presettle.advance_ratio = parse_decimal("0.95").unwrap();
        // items 1,000.01 + at cost 1.00 = 1,001.01; × 0.95 = 950.9595 → 950.96; × 5% = 47.548 → 47.55
        let cases =
            [MonthCases { sums: CaseSums { items: 1_000_0100, ..month_cases(3, 0, 0).sums }, ..month_cases(3, 0, 0) }];
        let p = &presettle(&cases, Month::new(2026, 3).unwrap(), &PublishedValues::new(), &config).unwrap()[0];
        assert_eq!((p.basis, p.gross, p.withheld, p.paid), (1_001_0100, 950_9600, 47_5500, 903_4100));
    }

    #[test]
    fn scores_basis_needs_a_published_value_and_a_ratio_on_the_total_cost_basis() {
        let mut config = fen();
        config.dip.presettle.basis = PresettleBasis::Scores;
        let cases = [month_cases(3, 0, 1_000)];
        let march = Month::new(2026, 3).unwrap();
        let err = presettle(&cases, march, &PublishedValues::new(), &config).unwrap_err();
        assert!(err.to_string().contains("region=r1 fund=employee"), "{err}");
        let mut values = PublishedValues::new();
        values.insert(("r1".into(), "employee".into()), PublishedValue { point_value: 10_3906, payment_ratio: None });
        // 1,000 × 10.3906 = 10,390.60; 5% withheld 519.53
        let p = &presettle(&cases, march, &values, &config).unwrap()[0];
        assert_eq!((p.basis, p.withheld), (10_390_6000, 519_5300));
        config.dip.point_value.basis = Basis::TotalCost;
        assert!(presettle(&cases, march, &values, &config).unwrap_err().to_string().contains("payment_ratio"));
        values.get_mut(&("r1".into(), "employee".into())).unwrap().payment_ratio = Some(parse_decimal("0.72").unwrap());
        // × 0.72 = 7,481.232 → 7,481.23
        assert_eq!(presettle(&cases, march, &values, &config).unwrap()[0].basis, 7_481_2300);
    }

    #[test]
    fn execution_flags_pools_at_80_and_100_percent_and_hospitals_over_their_scores() {
        let config = fen();
        let march = Month::new(2026, 3).unwrap();
        let cases =
            [month_cases(1, 400, 100), month_cases(2, 300, 100), month_cases(3, 500, 100), month_cases(4, 9_999, 1)];
        let payments = presettle(&cases, march, &PublishedValues::new(), &config).unwrap();
        let earlier: Vec<PaymentRow> = [(1, 700_0000), (2, 100_0000)]
            .iter()
            .map(|(_, paid)| PaymentRow { institution_id: "H1".into(), pool: pool(), paid: *paid, withheld: 0 })
            .collect();
        // paid so far 800 + this month's 501 less 5% withheld: 475.95 → 1,275.95 + 25.05 withheld = 1,301
        let funds =
            |budget: i128| vec![FundRow { key: pool(), budget: budget * ONE, reserve: 0, payment_ratio: Decimal::ONE }];
        for (budget, flag) in [(1_302, "yellow"), (1_301, "red"), (1_626, "yellow"), (1_627, "")] {
            let (p, _) = execution(&cases, march, &payments, &earlier, &funds(budget), None, None, &config).unwrap();
            assert_eq!(p[0].flag, flag, "budget {budget}");
        }
        let mut values = PublishedValues::new();
        values.insert(("r1".into(), "employee".into()), PublishedValue { point_value: 4 * ONE, payment_ratio: None });
        // items to date 1,203 (with 1 at cost each month) against 300 scores × 4 = 1,200: over
        let (_, h) =
            execution(&cases, march, &payments, &earlier, &funds(5_000), Some(&values), None, &config).unwrap();
        assert_eq!(
            (h[0].item_to_date, h[0].score_value_to_date, h[0].ratio, h[0].flag),
            (1_203 * ONE, Some(1_200 * ONE), Some(1_0025), "over")
        );
    }
}
