//! The China budget year's first step (以收定支、收支平衡): each pool's DIP budget for year Y from
//! its history of income and spending (docs/dip-year.md, "The budget").
//!
//! ```text
//! g_t            = S_t / S_(t−1) − 1                 t = Y−3, Y−2, Y−1
//! history_rate   = (g_(Y−3) + g_(Y−2) + g_(Y−1)) / 3  (three-year moving average)
//! growth_rate    = w_h × history_rate + w_p × population + w_t × technology + adjustment
//! spending_fc    = round(S_(Y−1) × (1 + growth_rate));   income_fc = round(I_(Y−1) × (1 + income_growth))
//! cap            = income_fc − round(income_fc × min_balance_rate);  shortfall = max(0, spending_fc − cap)
//! transfer       = shortfall, or the province's pool split by largest remainder when it is short
//! budget         = min(spending_fc, cap + transfer);  reserve = round(budget × reserve_rate)
//! balance_rate   = (income_fc − budget) / income_fc
//! ```
//! Every quantity is exact until its named rounding (money to the unit with `money.rounding`,
//! rates to 12 decimals half_even); the growth ratios are taken over big integers.

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;

use crate::config::MoneyConfig;
use crate::engine::solve::largest_remainder;
use crate::number::{decimal_text, Dec, Decimal, Overflow, Rounding, SCALE};
use crate::rational::Ratio;

/// Decimals of every rate in the `growth` table.
pub const RATE_SCALE: u32 = 12;

/// The budget spec (TOML).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BudgetSpec {
    /// Y, the year budgeted.
    pub year: i32,
    /// The money unit of the spec's amounts (fen unless `[money] unit` says otherwise).
    #[serde(default)]
    pub money: MoneyConfig,
    /// The growth model's weights.
    #[serde(default)]
    pub weights: Weights,
    /// The terms every pool takes unless it overrides them.
    #[serde(default)]
    pub defaults: Terms,
    /// Per-pool terms overriding `defaults`.
    #[serde(default)]
    pub pool: Vec<PoolTerms>,
    /// The province's transfer pool for the shortfalls.
    #[serde(default)]
    pub province: Province,
}

/// The weights of the growth model: historical spending growth, population structure, medical
/// technology (历史支出增长率 40%, 人口结构变化 30%, 医疗技术进步 30% by default).
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Weights {
    /// Weight of the three-year mean of spending growth.
    #[serde(with = "decimal_text")]
    pub history: Decimal,
    /// Weight of the population structure's change.
    #[serde(with = "decimal_text")]
    pub population: Decimal,
    /// Weight of medical technology's progress.
    #[serde(with = "decimal_text")]
    pub technology: Decimal,
}

impl Default for Weights {
    fn default() -> Self {
        Weights { history: Decimal::new(4, 1), population: Decimal::new(3, 1), technology: Decimal::new(3, 1) }
    }
}

/// A pool's terms for the year (every key optional; the values shown by `Default`).
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Terms {
    /// 人口结构变化: the population-structure rate for Y.
    #[serde(with = "decimal_text")]
    pub population: Decimal,
    /// 医疗技术进步: the medical-technology rate for Y.
    #[serde(with = "decimal_text")]
    pub technology: Decimal,
    /// The bureau's discretion, at most ±0.03 (±3 percentage points).
    #[serde(with = "decimal_text")]
    pub adjustment: Decimal,
    /// income forecast = I(Y−1) × (1 + income_growth).
    #[serde(with = "decimal_text")]
    pub income_growth: Decimal,
    /// 调剂金: the share of the budget set aside as reserve.
    #[serde(with = "decimal_text")]
    pub reserve_rate: Decimal,
    /// 基金支付比例, copied into the funds table.
    #[serde(with = "decimal_text")]
    pub payment_ratio: Decimal,
}

impl Default for Terms {
    fn default() -> Self {
        Terms {
            population: Decimal::ZERO,
            technology: Decimal::ZERO,
            adjustment: Decimal::ZERO,
            income_growth: Decimal::ZERO,
            reserve_rate: Decimal::ZERO,
            payment_ratio: Decimal::ONE,
        }
    }
}

/// One pool's overrides of the defaults.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PoolTerms {
    /// The pool's region.
    pub region: String,
    /// The pool's fund.
    pub fund: String,
    /// Population structure change.
    #[serde(default, with = "decimal_text::optional")]
    pub population: Option<Decimal>,
    /// Medical technology progress.
    #[serde(default, with = "decimal_text::optional")]
    pub technology: Option<Decimal>,
    /// Policy adjustment added to the growth rate.
    #[serde(default, with = "decimal_text::optional")]
    pub adjustment: Option<Decimal>,
    /// Growth of the fund's income.
    #[serde(default, with = "decimal_text::optional")]
    pub income_growth: Option<Decimal>,
    /// Share of the budget kept as the reserve (调剂金).
    #[serde(default, with = "decimal_text::optional")]
    pub reserve_rate: Option<Decimal>,
    /// Share of a case's cost the fund pays, written to the funds table.
    #[serde(default, with = "decimal_text::optional")]
    pub payment_ratio: Option<Decimal>,
}

/// The province's transfer (省级调剂) to pools whose balance would fall below the minimum.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Province {
    /// A pool's budget may not bring its balance rate (结余率) below this without a transfer.
    #[serde(with = "decimal_text")]
    pub min_balance_rate: Decimal,
    /// Money the province can transfer to the pools short of it.
    #[serde(with = "decimal_text")]
    pub transfer_pool: Decimal,
}

impl Default for Province {
    fn default() -> Self {
        Province { min_balance_rate: Decimal::new(5, 2), transfer_pool: Decimal::ZERO }
    }
}

/// One year of a pool's history: the fund's income and its spending on what the DIP budget
/// covers (internal fixed point).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryRow {
    /// The pool's region.
    pub region: String,
    /// The pool's fund.
    pub fund: String,
    /// The year the row records.
    pub year: i32,
    /// The fund's income that year.
    pub income: i128,
    /// The fund's spending that year on what the DIP budget covers.
    pub spending: i128,
}

/// A pool's budget for the year and how it came about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolBudget {
    /// The pool's region.
    pub region: String,
    /// The pool's fund.
    pub fund: String,
    /// The year budgeted.
    pub year: i32,
    /// S(Y−1).
    pub spending_base: i128,
    /// g(Y−3), g(Y−2), g(Y−1) at [`RATE_SCALE`] decimals.
    pub growth: [i128; 3],
    /// The mean of the three growths, at [`RATE_SCALE`] decimals.
    pub history_rate: i128,
    /// Population structure change, at [`RATE_SCALE`] decimals.
    pub population: i128,
    /// Technology progress, at [`RATE_SCALE`] decimals.
    pub technology: i128,
    /// Policy adjustment, at [`RATE_SCALE`] decimals.
    pub adjustment: i128,
    /// The weighted growth rate, at [`RATE_SCALE`] decimals.
    pub growth_rate: i128,
    /// Money, internal fixed point.
    pub spending_forecast: i128,
    /// The fund's income forecast for the year.
    pub income_forecast: i128,
    /// The most the fund can spend at the minimum balance rate.
    pub cap: i128,
    /// Forecast spending above the cap.
    pub shortfall: i128,
    /// The province's transfer to the pool.
    pub transfer: i128,
    /// The year's budget: the forecast, held to the cap plus the transfer.
    pub budget: i128,
    /// The reserve (调剂金) kept back from the budget.
    pub reserve: i128,
    /// `None` when the income forecast is 0.
    pub balance_rate: Option<i128>,
    /// Whether the cap and the transfer bit.
    pub flag: Flag,
    /// The payment ratio written to the funds table.
    pub payment_ratio: Decimal,
}

/// Whether the province's transfer bit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flag {
    /// No shortfall.
    None,
    /// The shortfall was covered in full by a transfer.
    Transfer,
    /// The budget is held below the spending forecast: the transfer did not cover the shortfall.
    Capped,
}

impl Flag {
    /// The flag as the growth table writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Flag::None => "",
            Flag::Transfer => "transfer",
            Flag::Capped => "capped",
        }
    }
}

/// A spec or history that cannot be budgeted; the message names the key or the pool.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct BudgetError(pub String);

impl From<Overflow> for BudgetError {
    fn from(e: Overflow) -> Self {
        BudgetError(e.to_string())
    }
}

fn err<T>(message: impl Into<String>) -> Result<T, BudgetError> {
    Err(BudgetError(message.into()))
}

/// The terms of one pool: the defaults with its `[[pool]]` entry over them.
fn terms_of(defaults: &Terms, p: Option<&PoolTerms>) -> Terms {
    let Some(p) = p else { return *defaults };
    Terms {
        population: p.population.unwrap_or(defaults.population),
        technology: p.technology.unwrap_or(defaults.technology),
        adjustment: p.adjustment.unwrap_or(defaults.adjustment),
        income_growth: p.income_growth.unwrap_or(defaults.income_growth),
        reserve_rate: p.reserve_rate.unwrap_or(defaults.reserve_rate),
        payment_ratio: p.payment_ratio.unwrap_or(defaults.payment_ratio),
    }
}

/// Checks every value written in the spec, naming its key.
pub fn validate(spec: &BudgetSpec) -> Result<(), BudgetError> {
    let w = spec.weights;
    if w.history + w.population + w.technology != Decimal::ONE {
        return err(format!(
            "weights: history {} + population {} + technology {} = {}; the weights must sum to 1",
            w.history,
            w.population,
            w.technology,
            w.history + w.population + w.technology
        ));
    }
    for (name, v) in [("history", w.history), ("population", w.population), ("technology", w.technology)] {
        if v.is_sign_negative() {
            return err(format!("weights.{name} = \"{v}\" is negative; a weight is ≥ 0"));
        }
    }
    check_terms("defaults", &terms_as_written(&spec.defaults))?;
    let mut seen = BTreeSet::new();
    for p in &spec.pool {
        let at = format!("[[pool]] region = \"{}\" fund = \"{}\"", p.region, p.fund);
        if !seen.insert((&p.region, &p.fund)) {
            return err(format!("{at} is given twice; give each pool's terms once"));
        }
        let written = [
            ("population", p.population),
            ("technology", p.technology),
            ("adjustment", p.adjustment),
            ("income_growth", p.income_growth),
            ("reserve_rate", p.reserve_rate),
            ("payment_ratio", p.payment_ratio),
        ];
        check_terms(&at, &written)?;
    }
    let pr = spec.province;
    if pr.min_balance_rate.is_sign_negative() || pr.min_balance_rate >= Decimal::ONE {
        return err(format!(
            "province.min_balance_rate = \"{}\" is outside [0, 1); it is a share of the income, e.g. \"0.05\"",
            pr.min_balance_rate
        ));
    }
    let unit = spec.money.unit;
    let fixed = Dec::from(pr.transfer_pool).rescale_exact(SCALE);
    if pr.transfer_pool.is_sign_negative() || fixed.is_none_or(|v| !unit.is_multiple(v)) {
        return err(format!(
            "province.transfer_pool = \"{}\" must be money ≥ 0 and a multiple of money.unit {}",
            pr.transfer_pool,
            unit.as_dec()
        ));
    }
    Ok(())
}

fn terms_as_written(t: &Terms) -> [(&'static str, Option<Decimal>); 6] {
    [
        ("population", Some(t.population)),
        ("technology", Some(t.technology)),
        ("adjustment", Some(t.adjustment)),
        ("income_growth", Some(t.income_growth)),
        ("reserve_rate", Some(t.reserve_rate)),
        ("payment_ratio", Some(t.payment_ratio)),
    ]
}

fn check_terms(at: &str, written: &[(&'static str, Option<Decimal>)]) -> Result<(), BudgetError> {
    let minus_one = Decimal::NEGATIVE_ONE;
    let max_adjustment = Decimal::new(3, 2);
    for (key, v) in written {
        let Some(v) = *v else { continue };
        let bad = match *key {
            "adjustment" if v.abs() > max_adjustment => {
                Some("is beyond ±0.03: the discretion is at most 3 percentage points either way")
            }
            "population" | "technology" | "income_growth" if v <= minus_one => {
                Some("is ≤ −1: a rate of change must stay above −1 (−100%)")
            }
            "reserve_rate" if v.is_sign_negative() || v >= Decimal::ONE => {
                Some("is outside [0, 1): the reserve is a share of the budget")
            }
            "payment_ratio" if v <= Decimal::ZERO || v > Decimal::ONE || v.normalize().scale() > SCALE => {
                Some("is outside (0, 1] or has more than 4 decimals: the fund payment ratio is a share, e.g. \"0.72\"")
            }
            _ => None,
        };
        if let Some(why) = bad {
            return err(format!("{at}: {key} = \"{v}\" {why}"));
        }
    }
    Ok(())
}

/// Budgets every pool with a history row for Y − 1, sorted by region then fund (bytes).
pub fn build(spec: &BudgetSpec, history: &[HistoryRow]) -> Result<Vec<PoolBudget>, BudgetError> {
    validate(spec)?;
    let y = spec.year;
    let mut by_pool: BTreeMap<(&str, &str), BTreeMap<i32, &HistoryRow>> = BTreeMap::new();
    for h in history {
        by_pool.entry((&h.region, &h.fund)).or_default().insert(h.year, h);
    }
    if by_pool.values().all(|years| !years.contains_key(&(y - 1))) {
        return err(format!(
            "the history has no row for {} (the year before {y}); budgeting {y} needs each pool's income and spending of {} to {}",
            y - 1,
            y - 4,
            y - 1
        ));
    }
    for p in &spec.pool {
        if !by_pool.contains_key(&(p.region.as_str(), p.fund.as_str())) {
            return err(format!(
                "[[pool]] region = \"{}\" fund = \"{}\": the history has no row of it for {}; fix the names or add its history",
                p.region,
                p.fund,
                y - 1
            ));
        }
    }
    // a pool whose history stops before Y − 1 would get no budget: named, never dropped
    let stopped: Vec<String> = by_pool
        .iter()
        .filter(|(_, years)| !years.contains_key(&(y - 1)))
        .map(|((region, fund), years)| {
            let last = years.keys().next_back().copied().unwrap_or(y);
            format!("  region={region} fund={fund}: its history stops at {last}")
        })
        .collect();
    if !stopped.is_empty() {
        return err(format!(
            "the history has no row for {} (the year before {y}) of {} pool(s):\n{}\nadd each pool's income and spending of {}, or remove the history of a pool that no longer exists",
            y - 1,
            stopped.len(),
            stopped.join("\n"),
            y - 1
        ));
    }
    let mut missing = Vec::new();
    for ((region, fund), years) in &by_pool {
        let lacks: Vec<String> = (y - 4..y).filter(|t| !years.contains_key(t)).map(|t| t.to_string()).collect();
        if !lacks.is_empty() {
            missing.push(format!("  region={region} fund={fund}: {}", lacks.join(", ")));
        }
    }
    if !missing.is_empty() {
        return err(format!(
            "the history lacks years that the three-year growth needs ({} to {}):\n{}\nadd a row (region, fund, year, income, spending) for each",
            y - 4,
            y - 1,
            missing.join("\n")
        ));
    }

    let money = spec.money;
    let round_money = |r: &Ratio| -> Result<i128, BudgetError> {
        let units = r.times(&Ratio::new(1, money.unit.fixed)).round(0, money.rounding)?;
        Ok(units.checked_mul(money.unit.fixed).ok_or(Overflow("a money amount"))?)
    };
    let rate = |r: &Ratio| r.round(RATE_SCALE, Rounding::HalfEven);
    let one = Ratio::int(1);
    let w = spec.weights;
    let mut out = Vec::with_capacity(by_pool.len());
    let mut reserve_rates = Vec::with_capacity(by_pool.len());
    for ((region, fund), years) in &by_pool {
        let pool = format!("region={region} fund={fund}");
        // an overflow names the pool and the amounts it came from
        let named = |e: BudgetError| {
            if !e.0.starts_with("arithmetic overflow") {
                return e;
            }
            let last = &years[&(y - 1)];
            BudgetError(format!(
                "{pool}: {} from its history (income {} and spending {} in {}); check the amounts and their unit (yuan)",
                e.0,
                crate::number::format_fixed(last.income, SCALE),
                crate::number::format_fixed(last.spending, SCALE),
                y - 1
            ))
        };
        let (budget, reserve_rate) = (|| -> Result<(PoolBudget, Ratio), BudgetError> {
            let terms = terms_of(&spec.defaults, spec.pool.iter().find(|p| p.region == *region && p.fund == *fund));
            let s = |t: i32| Ratio::int(years[&t].spending);
            let mut growth = Vec::with_capacity(3);
            for t in y - 3..y {
                let prev = s(t - 1);
                let Some(g) = s(t).over(&prev) else {
                    return err(format!(
                        "{pool}: spending of {} is 0, so the growth into {t} has no base; correct the history",
                        t - 1
                    ));
                };
                growth.push(g.minus(&one));
            }
            if years[&(y - 1)].spending == 0 {
                return err(format!(
                    "{pool}: spending of {} is 0, so the budget of {y} has no base; correct the history",
                    y - 1
                ));
            }
            let history_rate = growth[0].plus(&growth[1]).plus(&growth[2]).times(&Ratio::new(1, 3));
            let d = |v: Decimal| Ratio::dec(Dec::from(v));
            let growth_rate = d(w.history)
                .times(&history_rate)
                .plus(&d(w.population).times(&d(terms.population)))
                .plus(&d(w.technology).times(&d(terms.technology)))
                .plus(&d(terms.adjustment));
            if growth_rate.cmp_exact(&Ratio::int(-1)) != std::cmp::Ordering::Greater {
                return err(format!(
                "{pool}: the growth rate comes to {} (≤ −1), which leaves no budget; check the history and the rates",
                crate::number::format_fixed(rate(&growth_rate)?, RATE_SCALE)
            ));
            }
            let spending_base = years[&(y - 1)].spending;
            let spending_forecast = round_money(&Ratio::int(spending_base).times(&one.plus(&growth_rate)))?;
            let income_forecast =
                round_money(&Ratio::int(years[&(y - 1)].income).times(&one.plus(&d(terms.income_growth))))?;
            let kept = round_money(&Ratio::int(income_forecast).times(&d(spec.province.min_balance_rate)))?;
            let cap = income_forecast - kept;
            let shortfall = (spending_forecast - cap).max(0);
            let budget = PoolBudget {
                region: region.to_string(),
                fund: fund.to_string(),
                year: y,
                spending_base,
                growth: [rate(&growth[0])?, rate(&growth[1])?, rate(&growth[2])?],
                history_rate: rate(&history_rate)?,
                population: rate(&d(terms.population))?,
                technology: rate(&d(terms.technology))?,
                adjustment: rate(&d(terms.adjustment))?,
                growth_rate: rate(&growth_rate)?,
                spending_forecast,
                income_forecast,
                cap,
                shortfall,
                transfer: 0,
                budget: 0,
                reserve: 0,
                balance_rate: None,
                flag: Flag::None,
                payment_ratio: terms.payment_ratio,
            };
            // the reserve is a share of the budget, known after the transfers
            Ok((budget, d(terms.reserve_rate)))
        })()
        .map_err(named)?;
        out.push(budget);
        reserve_rates.push(reserve_rate);
    }

    transfers(&mut out, spec)?;
    for (p, reserve_rate) in out.iter_mut().zip(&reserve_rates) {
        p.budget = p.spending_forecast.min(p.cap + p.transfer);
        p.reserve = round_money(&Ratio::int(p.budget).times(reserve_rate))?;
        p.balance_rate = Ratio::int(p.income_forecast - p.budget)
            .over(&Ratio::int(p.income_forecast))
            .map(|r| rate(&r))
            .transpose()?;
        p.flag = match (p.shortfall > 0, p.transfer == p.shortfall) {
            (false, _) => Flag::None,
            (true, true) => Flag::Transfer,
            (true, false) => Flag::Capped,
        };
    }
    Ok(out)
}

/// Step 5: each pool's shortfall when the province's pool covers them all; else the pool split
/// in proportion to the shortfalls by largest remainder to the money unit (ties by region, then
/// fund).
fn transfers(pools: &mut [PoolBudget], spec: &BudgetSpec) -> Result<(), BudgetError> {
    let unit = spec.money.unit.fixed;
    let available = Dec::from(spec.province.transfer_pool).rescale_exact(SCALE).expect("validated");
    let total: i128 = pools.iter().map(|p| p.shortfall).sum();
    if total <= available {
        for p in pools.iter_mut() {
            p.transfer = p.shortfall;
        }
        return Ok(());
    }
    let ids: Vec<String> = pools.iter().map(|p| format!("{}\u{0}{}", p.region, p.fund)).collect();
    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    // shortfalls are multiples of the unit (differences of rounded amounts)
    let weights: Vec<i128> = pools.iter().map(|p| p.shortfall / unit).collect();
    let shares = largest_remainder(available / unit, &weights, &ids)?;
    for (p, share) in pools.iter_mut().zip(shares) {
        p.transfer = share * unit;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::number::MoneyUnit;

    const FEN: MoneyUnit = MoneyUnit { fixed: 100, decimals: 2 };

    fn yuan(v: i128) -> i128 {
        v * 10_000
    }

    fn history(region: &str, fund: &str, spending: [i128; 4], income: i128) -> Vec<HistoryRow> {
        (0..4)
            .map(|i| HistoryRow {
                region: region.into(),
                fund: fund.into(),
                year: 2023 + i as i32,
                income: yuan(income),
                spending: yuan(spending[i]),
            })
            .collect()
    }

    /// The worked spec of docs/dip-year.md: three pools, two of them short of the cap.
    fn worked() -> (BudgetSpec, Vec<HistoryRow>) {
        let spec: BudgetSpec = toml_spec(
            r#"
year = 2027
[defaults]
population = "0.012"
technology = "0.025"
income_growth = "0.04"
reserve_rate = "0.03"
[[pool]]
region = "济南"
fund = "resident"
adjustment = "-0.01"
income_growth = "0.03"
[[pool]]
region = "青岛"
fund = "resident"
income_growth = "0.02"
[province]
transfer_pool = "10000000"
"#,
        );
        let mut h =
            history("济南", "employee", [1_000_000_000, 1_050_000_000, 1_113_000_000, 1_168_650_000], 1_250_000_000);
        h.extend(history("济南", "resident", [400_000_000, 440_000_000, 480_000_000, 520_000_000], 540_000_000));
        h.extend(history("青岛", "resident", [280_000_000, 300_000_000, 322_000_000, 341_000_000], 350_000_000));
        (spec, h)
    }

    /// The spec in fen (what the binary's loader makes the DIP default).
    fn toml_spec(text: &str) -> BudgetSpec {
        let mut spec: BudgetSpec = toml::from_str(text).expect("a valid spec");
        spec.money.unit = FEN;
        spec
    }

    #[test]
    fn the_worked_spec() {
        let (spec, h) = worked();
        let b = build(&spec, &h).unwrap();
        let fen = |v: i128| v / 100;
        let got: Vec<(&str, &str, i128, i128, i128, &str)> = b
            .iter()
            .map(|p| {
                (p.region.as_str(), p.fund.as_str(), fen(p.budget), fen(p.transfer), fen(p.shortfall), p.flag.as_str())
            })
            .collect();
        assert_eq!(
            got,
            vec![
                ("济南", "employee", 120_655_321_500, 0, 0, ""),
                ("济南", "resident", 53_268_038_358, 429_038_358, 1_119_614_141, "capped"),
                ("青岛", "resident", 34_485_961_642, 570_961_642, 1_489_975_700, "capped"),
            ]
        );
        let e = &b[0];
        assert_eq!(e.growth_rate, 32_433_333_333);
        assert_eq!(e.growth, [50_000_000_000, 60_000_000_000, 50_000_000_000]);
        assert_eq!(fen(e.reserve), 3_619_659_645);
        assert_eq!(e.balance_rate, Some(71_882_142_308));
        assert_eq!(fen(e.cap), 123_500_000_000);
    }

    /// A flat history: spending `s` and income `i` (yuan) in every year.
    fn flat(region: &str, fund: &str, s: i128, i: i128) -> Vec<HistoryRow> {
        history(region, fund, [s; 4], i)
    }

    fn spec(extra: &str) -> BudgetSpec {
        toml_spec(&format!("year = 2027\n{extra}"))
    }

    #[test]
    fn a_shortfall_of_exactly_zero_is_no_shortfall() {
        // no growth: the forecast is the spending, 95; the cap is 100 − 5% = 95
        let b = build(&spec(""), &flat("r", "f", 95, 100)).unwrap();
        assert_eq!((b[0].spending_forecast, b[0].cap, b[0].shortfall, b[0].flag), (yuan(95), yuan(95), 0, Flag::None));
        assert_eq!(b[0].budget, yuan(95));
        assert_eq!(b[0].balance_rate, Some(50_000_000_000));
        // one fen more is short by one fen, and with no transfer pool the budget is capped
        let mut h = flat("r", "f", 95, 100);
        h[3].spending += 100;
        let b = build(&spec(""), &h).unwrap();
        assert_eq!((b[0].shortfall, b[0].transfer, b[0].budget, b[0].flag), (100, 0, yuan(95), Flag::Capped));
    }

    #[test]
    fn a_transfer_pool_of_exactly_the_total_shortfall_covers_every_pool() {
        let mut h = flat("a", "f", 100, 100);
        h.extend(flat("b", "f", 97, 100));
        // shortfalls 5 and 2 yuan; 7 yuan in the pool covers both, 6.99 does not
        let b = build(&spec("[province]\ntransfer_pool = \"7\""), &h).unwrap();
        assert_eq!(
            b.iter().map(|p| (p.transfer, p.flag)).collect::<Vec<_>>(),
            vec![(yuan(5), Flag::Transfer), (yuan(2), Flag::Transfer)]
        );
        assert_eq!(b.iter().map(|p| p.budget).collect::<Vec<_>>(), vec![yuan(100), yuan(97)]);
        let b = build(&spec("[province]\ntransfer_pool = \"6.99\""), &h).unwrap();
        // 699 fen in proportion 5 : 2 → 499.28… and 199.71…: floors 499 + 199, the fen left to
        // the larger remainder (b's 0.71), which covers b in full
        assert_eq!(b.iter().map(|p| p.transfer).collect::<Vec<_>>(), vec![49_900, 20_000]);
        assert_eq!(b.iter().map(|p| p.flag).collect::<Vec<_>>(), vec![Flag::Capped, Flag::Transfer]);
    }

    #[test]
    fn equal_remainders_go_to_region_then_fund_in_byte_order() {
        // three pools each short by 1 yuan, 2.00 yuan to split: 66.66… fen each; 2 fen left go
        // to the first two by (region, fund)
        let mut h = flat("b", "x", 96, 100);
        h.extend(flat("a", "y", 96, 100));
        h.extend(flat("a", "x", 96, 100));
        let b = build(&spec("[province]\ntransfer_pool = \"2\""), &h).unwrap();
        let got: Vec<(&str, &str, i128)> =
            b.iter().map(|p| (p.region.as_str(), p.fund.as_str(), p.transfer / 100)).collect();
        assert_eq!(got, vec![("a", "x", 67), ("a", "y", 67), ("b", "x", 66)]);
    }

    #[test]
    fn every_spec_error_names_its_key() {
        let h = flat("r", "f", 95, 100);
        let cases = [
            ("[weights]\nhistory = \"0.5\"", "weights must sum to 1"),
            ("[defaults]\nadjustment = \"0.031\"", "defaults: adjustment = \"0.031\" is beyond ±0.03"),
            (
                "[[pool]]\nregion = \"r\"\nfund = \"f\"\nadjustment = \"-0.04\"",
                "region = \"r\" fund = \"f\": adjustment",
            ),
            ("[defaults]\npopulation = \"-1\"", "population = \"-1\" is ≤ −1"),
            ("[defaults]\ntechnology = \"-1.5\"", "technology"),
            ("[defaults]\nincome_growth = \"-1\"", "income_growth"),
            ("[defaults]\nreserve_rate = \"1\"", "reserve_rate = \"1\" is outside [0, 1)"),
            ("[defaults]\nreserve_rate = \"-0.01\"", "reserve_rate"),
            ("[defaults]\npayment_ratio = \"0\"", "payment_ratio = \"0\" is outside (0, 1]"),
            ("[defaults]\npayment_ratio = \"1.01\"", "payment_ratio"),
            ("[province]\nmin_balance_rate = \"1\"", "province.min_balance_rate"),
            ("[province]\ntransfer_pool = \"-1\"", "province.transfer_pool"),
            ("[province]\ntransfer_pool = \"0.001\"", "multiple of money.unit"),
            ("[[pool]]\nregion = \"r\"\nfund = \"f\"\n[[pool]]\nregion = \"r\"\nfund = \"f\"", "given twice"),
            ("[[pool]]\nregion = \"q\"\nfund = \"f\"", "the history has no row of it for 2026"),
        ];
        for (extra, needle) in cases {
            let e = build(&spec(extra), &h).unwrap_err().0;
            assert!(e.contains(needle), "{extra}: {e}");
        }
        // a growth rate at −1 (history falling to nothing is caught first: spending of 0)
        let falling = history("r", "f", [100, 50, 25, 10], 100);
        let e = build(&spec("[weights]\nhistory = \"1\"\npopulation = \"0\"\ntechnology = \"0\"\n[defaults]\nadjustment = \"-0.03\""), &falling);
        assert!(e.is_ok(), "a steep fall is still a budget: {e:?}");
        let zero = history("r", "f", [100, 0, 25, 10], 100);
        let e = build(&spec(""), &zero).unwrap_err().0;
        assert!(e.contains("region=r fund=f: spending of 2024 is 0"), "{e}");
        // the base year too: a budget of 0 would follow, balance 100%, and no flag
        let zero = history("r", "f", [100, 100, 100, 0], 100);
        let e = build(&spec(""), &zero).unwrap_err().0;
        assert!(e.contains("region=r fund=f: spending of 2026 is 0, so the budget of 2027 has no base"), "{e}");
        // a pool whose history stops at Y − 2 is named, not dropped
        let mut two = history("r", "f", [100, 100, 100, 100], 100);
        let mut short = history("r", "g", [100, 100, 100, 100], 100);
        short.pop();
        two.extend(short);
        let e = build(&spec(""), &two).unwrap_err().0;
        assert!(e.contains("region=r fund=g: its history stops at 2025"), "{e}");
        assert!(!e.contains("fund=f:"), "{e}");
        // years missing, listed
        let mut gap = flat("r", "f", 95, 100);
        gap.remove(1);
        let e = build(&spec(""), &gap).unwrap_err().0;
        assert!(e.contains("region=r fund=f: 2024"), "{e}");
        // no row for Y − 1 at all
        let e = build(&toml_spec("year = 2030"), &h).unwrap_err().0;
        assert!(e.contains("no row for 2029"), "{e}");
    }

    #[test]
    fn a_growth_rate_at_or_below_minus_one_is_refused() {
        // history −90% a year, weighted 1, minus the largest adjustment: −0.9 − 0.03 − 0.3 × 0.5…
        let h = history("r", "f", [1_000_000, 100_000, 10_000, 1_000], 100);
        let s = spec(
            "[weights]\nhistory = \"1\"\npopulation = \"0\"\ntechnology = \"0\"\n[defaults]\nadjustment = \"-0.03\"\n",
        );
        // −0.9 − 0.03 = −0.93 > −1: still a budget
        assert!(build(&s, &h).is_ok());
        let s = spec("[weights]\nhistory = \"0.5\"\npopulation = \"0.5\"\ntechnology = \"0\"\n[defaults]\npopulation = \"-0.99\"\nadjustment = \"-0.03\"\n");
        // 0.5 × −0.9 + 0.5 × −0.99 − 0.03 = −0.975: still above
        assert!(build(&s, &h).is_ok());
        let h = history("r", "f", [1_000_000, 1_000, 1, 1], 100);
        let s = spec("[weights]\nhistory = \"0.6\"\npopulation = \"0.4\"\ntechnology = \"0\"\n[defaults]\npopulation = \"-0.99\"\nadjustment = \"-0.03\"\n");
        // history_rate (−0.999 − 0.999 + 0) / 3 = −0.666; 0.6 × −0.666 + 0.4 × −0.99 − 0.03 = −0.8256: above
        assert!(build(&s, &h).is_ok());
        let h = history("r", "f", [1_000_000_000, 1_000, 1, 1], 100);
        let s = spec("[weights]\nhistory = \"0\"\npopulation = \"1\"\ntechnology = \"0\"\n[defaults]\npopulation = \"-0.999\"\nadjustment = \"-0.03\"\n");
        // −0.999 − 0.03 = −1.029 ≤ −1
        let e = build(&s, &h).unwrap_err().0;
        assert!(e.contains("region=r fund=f: the growth rate comes to -1.029"), "{e}");
    }
}
