//! The small DIP tables (docs/dip.md, Inputs): groups, averages, institutions, funds, payments
//! and published point values, read whole and checked row by row.

use std::collections::{BTreeMap, HashMap};

use dianzhi_core::dip::budget::HistoryRow;
use dianzhi_core::dip::clearing::{CaseSums, DipPoolKey, FundRow, PaymentRow};
use dianzhi_core::dip::presettle::{LastYear, MonthCases, PublishedValue, PublishedValues};
use dianzhi_core::dip::score::Group;
use dianzhi_core::number::{show, Decimal, MoneyUnit, ONE, SCALE};
use dianzhi_core::period::Month;

use crate::error::{InputError, Result};
use crate::read::rows::{read_rows, Row, RowAt};
use crate::read::source::Source;
use crate::read::{optional, required, Kind, Spec};

pub const SPECIAL: [Spec; 3] =
    [required("case_id", Kind::Text), required("decision", Kind::Text), optional("score", Kind::Points)];
pub const ASSESSMENT: [Spec; 4] = [
    required("institution_id", Kind::Text),
    optional("fund", Kind::Text),
    required("indicator", Kind::Text),
    required("score", Kind::Points),
];
pub const GROUPS: [Spec; 3] =
    [required("dip_group", Kind::Text), required("score", Kind::Points), required("kind", Kind::Text)];
pub const AVERAGES: [Spec; 3] =
    [required("dip_group", Kind::Text), required("level", Kind::Label), required("avg_cost", Kind::Points)];
pub const INSTITUTIONS: [Spec; 5] = [
    required("institution_id", Kind::Text),
    required("level", Kind::Label),
    required("coefficient", Kind::Points),
    optional("fund", Kind::Text),
    optional("assessment", Kind::Points),
];
pub const FUNDS: [Spec; 6] = [
    required("region", Kind::Text),
    required("fund", Kind::Text),
    required("year", Kind::Label),
    required("budget", Kind::Money),
    required("payment_ratio", Kind::Points),
    optional("reserve", Kind::Money),
];
pub const PAYMENTS: [Spec; 8] = [
    required("institution_id", Kind::Text),
    required("region", Kind::Text),
    required("fund", Kind::Text),
    required("year", Kind::Label),
    required("month", Kind::Label),
    required("paid", Kind::Money),
    required("withheld", Kind::Money),
    optional("gross", Kind::Money),
];
pub const HISTORY: [Spec; 5] = [
    required("region", Kind::Text),
    required("fund", Kind::Text),
    required("year", Kind::Label),
    required("income", Kind::Money),
    required("spending", Kind::Money),
];
pub const LAST_YEAR: [Spec; 6] = [
    required("institution_id", Kind::Text),
    required("region", Kind::Text),
    required("fund", Kind::Text),
    required("year", Kind::Label),
    required("cases", Kind::Label),
    required("total_cost", Kind::Money),
];
/// The `aggregates` table of `dip aggregate` (outputs::case_sums), read back by `dip settle
/// --aggregates`.
pub const CASE_SUMS: [Spec; 17] = [
    required("institution_id", Kind::Text),
    required("region", Kind::Text),
    required("fund", Kind::Text),
    required("year", Kind::Label),
    required("month", Kind::Label),
    required("cases", Kind::Label),
    required("low_cases", Kind::Label),
    required("high_cases", Kind::Label),
    required("extreme_cases", Kind::Label),
    required("special_cases", Kind::Label),
    required("at_cost_cases", Kind::Label),
    required("total_score", Kind::Points),
    required("item_amount", Kind::Money),
    required("at_cost_amount", Kind::Money),
    required("total_cost", Kind::Money),
    required("exam_cost", Kind::Money),
    required("excluded_amount", Kind::Money),
];
pub const POINT_VALUES: [Spec; 4] = [
    required("region", Kind::Text),
    required("fund", Kind::Text),
    required("point_value", Kind::Points),
    optional("payment_ratio", Kind::Points),
];

/// The group catalogue (病种目录库) by code.
pub fn read_groups(source: &Source) -> Result<(HashMap<String, Group>, u64)> {
    let (rows, count) = read_rows(source, &GROUPS, MoneyUnit::WHOLE, true)?;
    let mut out = HashMap::with_capacity(rows.len());
    let mut at: HashMap<String, RowAt> = HashMap::new();
    for r in rows {
        let basic = match r.texts[1].as_str() {
            "core" => false,
            "basic" => true,
            other => {
                return Err(r
                    .at
                    .error(source, "kind", format!("'{other}' is not a group kind; write core or basic (基层病种)"))
                    .into())
            }
        };
        let code = r.texts[0].clone();
        if let Some(first) = at.insert(code.clone(), r.at) {
            return Err(duplicate(source, &format!("dip_group {code}"), first, r.at));
        }
        out.insert(code, Group { score: r.numbers[0], basic });
    }
    Ok((out, count))
}

/// Last year's average cost per (group, level); each > 0.
pub fn read_averages(source: &Source) -> Result<(HashMap<(String, String), i128>, u64)> {
    // avg_cost must be > 0, checked below (the reader's own check would say "≥ 0")
    let (rows, count) = read_rows(source, &AVERAGES, MoneyUnit::WHOLE, false)?;
    let mut out = HashMap::with_capacity(rows.len());
    let mut at: HashMap<(String, String), RowAt> = HashMap::new();
    for mut r in rows {
        if r.numbers[0] <= 0 {
            return Err(r.at.error(source, "avg_cost", format!("{} must be > 0", show(r.numbers[0]))).into());
        }
        let level = r.texts.pop().expect("level");
        let group = r.texts.pop().expect("dip_group");
        let key = (group, level);
        if let Some(first) = at.insert(key.clone(), r.at) {
            return Err(duplicate(source, &format!("dip_group {} level {}", key.0, key.1), first, r.at));
        }
        out.insert(key, r.numbers[0]);
    }
    Ok((out, count))
}

/// What the institutions table says of a hospital for one fund (or every fund).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HospitalTerms {
    pub level: String,
    pub coefficient: Decimal,
    pub assessment: Decimal,
}

/// Institutions: `(institution_id, fund)` → terms, with fund "" for a row without a fund (it
/// applies to every fund a fund-specific row does not override).
pub fn read_institutions(source: &Source) -> Result<(HashMap<(String, String), HospitalTerms>, u64)> {
    // the coefficient must be > 0 and the assessment ≥ 0, each checked below with its own words
    let (rows, count) = read_rows(source, &INSTITUTIONS, MoneyUnit::WHOLE, false)?;
    let mut out = HashMap::with_capacity(rows.len());
    let mut at: HashMap<(String, String), RowAt> = HashMap::new();
    for mut r in rows {
        if r.numbers[0] <= 0 {
            return Err(r
                .at
                .error(source, "coefficient", format!("{} must be > 0 (等级系数)", show(r.numbers[0])))
                .into());
        }
        if r.numbers[1] < 0 {
            return Err(r
                .at
                .error(source, "assessment", format!("{} is negative; assessment must be ≥ 0", show(r.numbers[1])))
                .into());
        }
        let fund = r.texts.pop().expect("fund");
        let level = r.texts.pop().expect("level");
        let id = r.texts.pop().expect("institution_id");
        let assessment = if r.given[1] { fixed_dec(r.numbers[1]) } else { Decimal::ONE };
        let key = (id, fund);
        if let Some(first) = at.insert(key.clone(), r.at) {
            let fund = if key.1.is_empty() { "without a fund".to_string() } else { format!("fund {}", key.1) };
            return Err(duplicate(source, &format!("institution {} {fund}", key.0), first, r.at));
        }
        out.insert(key, HospitalTerms { level, coefficient: fixed_dec(r.numbers[0]), assessment });
    }
    Ok((out, count))
}

/// Funds rows, one per (region, fund, year); payment_ratio in (0, 1].
pub fn read_funds(source: &Source, unit: MoneyUnit) -> Result<(Vec<FundRow>, u64)> {
    let (rows, count) = read_rows(source, &FUNDS, unit, true)?;
    let mut out = Vec::with_capacity(rows.len());
    let mut at: HashMap<DipPoolKey, RowAt> = HashMap::new();
    for r in rows {
        let year = year(source, &r, 2, "year")?;
        let ratio = r.numbers[1];
        if ratio <= 0 || ratio > ONE {
            return Err(r
                .at
                .error(
                    source,
                    "payment_ratio",
                    format!(
                        "{} is outside (0, 1]; the fund payment ratio (基金支付比例) is a share, e.g. 0.72",
                        show(ratio)
                    ),
                )
                .into());
        }
        let key = DipPoolKey { region: r.texts[0].clone(), fund: r.texts[1].clone(), year };
        if let Some(first) = at.insert(key.clone(), r.at) {
            return Err(duplicate(source, &format!("funds row for {key}"), first, r.at));
        }
        out.push(FundRow { key, budget: r.numbers[0], reserve: r.numbers[2], payment_ratio: fixed_dec(ratio) });
    }
    Ok((out, count))
}

/// A budget history (`dip budget --history`): each pool's income and DIP spending per year,
/// money ≥ 0 and a multiple of the unit; a (region, fund, year) given twice is an error.
pub fn read_history(source: &Source, unit: MoneyUnit) -> Result<(Vec<HistoryRow>, u64)> {
    let (rows, count) = read_rows(source, &HISTORY, unit, true)?;
    let mut out = Vec::with_capacity(rows.len());
    let mut at: HashMap<(String, String, i32), RowAt> = HashMap::new();
    for r in rows {
        let year = year(source, &r, 2, "year")?;
        for (i, column) in ["income", "spending"].into_iter().enumerate() {
            if r.numbers[i] < 0 {
                return Err(r
                    .at
                    .error(source, column, format!("{} is negative; a year's {column} is ≥ 0", show(r.numbers[i])))
                    .into());
            }
        }
        let key = (r.texts[0].clone(), r.texts[1].clone(), year);
        if let Some(first) = at.insert(key.clone(), r.at) {
            return Err(duplicate(
                source,
                &format!("history row for region={} fund={} year={}", key.0, key.1, key.2),
                first,
                r.at,
            ));
        }
        out.push(HistoryRow { region: key.0, fund: key.1, year, income: r.numbers[0], spending: r.numbers[1] });
    }
    Ok((out, count))
}

/// Last year's `hospitals` table of `dip settle` (`dip presettle --last-year`): cases and Σ
/// total_cost per (institution_id, region, fund) of `year`; other years' rows are left aside.
pub fn read_last_year(source: &Source, unit: MoneyUnit, year: i32) -> Result<(LastYear, u64)> {
    let (rows, count) = read_rows(source, &LAST_YEAR, unit, true)?;
    let mut out = LastYear::new();
    let mut at: HashMap<(String, String, String), RowAt> = HashMap::new();
    for r in rows {
        if self::year(source, &r, 3, "year")? != year {
            continue;
        }
        let cases: u64 = r.texts[4]
            .parse()
            .map_err(|_| r.at.error(source, "cases", format!("'{}' is not a count of cases", r.texts[4])))?;
        let key = (r.texts[0].clone(), r.texts[1].clone(), r.texts[2].clone());
        if let Some(first) = at.insert(key.clone(), r.at) {
            return Err(duplicate(
                source,
                &format!("hospital {} in region={} fund={}", key.0, key.1, key.2),
                first,
                r.at,
            ));
        }
        out.insert(key, (cases, r.numbers[0]));
    }
    Ok((out, count))
}

/// Payment rows of every file (outputs of `dip presettle`, e.g. one per month), with each file's
/// row count; rows for one (institution, pool) are summed later. A month paid twice to one
/// hospital and pool — the same month given again under another file name — is an error naming
/// both rows: summed, it would count the month twice. With `before`, every row must be of an
/// earlier month (the months already paid).
pub fn read_payments(
    sources: &[Source],
    unit: MoneyUnit,
    before: Option<Month>,
) -> Result<(Vec<PaymentRow>, Vec<u64>)> {
    let mut out = Vec::new();
    let mut counts = Vec::with_capacity(sources.len());
    let mut seen: HashMap<(String, DipPoolKey, Month), (usize, RowAt)> = HashMap::new();
    for (f, source) in sources.iter().enumerate() {
        let (rows, count) = read_payment_file(source, unit, before)?;
        for (row, month, at) in rows {
            let key = (row.institution_id.clone(), row.pool.clone(), month);
            if let Some((first_file, first)) = seen.insert(key, (f, at)) {
                let first_place = if first_file == f {
                    first.to_string()
                } else {
                    format!("{} {first}", sources[first_file].path.display())
                };
                return Err(InputError::file(
                    &source.path,
                    format!(
                        "{at}: institution {} in {} is paid for {month} again (first at {first_place}); give each month's payments once",
                        row.institution_id, row.pool
                    ),
                )
                .into());
            }
            out.push(row);
        }
        counts.push(count);
    }
    Ok((out, counts))
}

/// One payments file: each row with its month and place.
fn read_payment_file(
    source: &Source,
    unit: MoneyUnit,
    before: Option<Month>,
) -> Result<(Vec<(PaymentRow, Month, RowAt)>, u64)> {
    let (rows, count) = read_rows(source, &PAYMENTS, unit, true)?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let (year, month) = month_of_year(source, &r, "payment")?;
        if let Some(m) = before.filter(|m| month >= *m) {
            return Err(r
                .at
                .error(
                    source,
                    "month",
                    format!("{month} is not before --month {m}; give the payments of the months already paid"),
                )
                .into());
        }
        let pool = DipPoolKey { region: r.texts[1].clone(), fund: r.texts[2].clone(), year };
        let row = PaymentRow { institution_id: r.texts[0].clone(), pool, paid: r.numbers[0], withheld: r.numbers[1] };
        out.push((row, month, r.at));
    }
    Ok((out, count))
}

/// Published point values per (region, fund), with the payment ratio if given.
pub fn read_point_values(source: &Source) -> Result<(PublishedValues, u64)> {
    let (rows, count) = read_rows(source, &POINT_VALUES, MoneyUnit::WHOLE, true)?;
    let mut out = BTreeMap::new();
    let mut at: HashMap<(String, String), RowAt> = HashMap::new();
    for r in rows {
        let key = (r.texts[0].clone(), r.texts[1].clone());
        if let Some(first) = at.insert(key.clone(), r.at) {
            return Err(duplicate(source, &format!("point value for region={} fund={}", key.0, key.1), first, r.at));
        }
        let payment_ratio = r.given[1].then(|| fixed_dec(r.numbers[1]));
        if r.given[1] && (r.numbers[1] <= 0 || r.numbers[1] > ONE) {
            return Err(r
                .at
                .error(source, "payment_ratio", format!("{} is outside (0, 1]", show(r.numbers[1])))
                .into());
        }
        out.insert(key, PublishedValue { point_value: r.numbers[0], payment_ratio });
    }
    Ok((out, count))
}

/// A ratio or coefficient read at 4 decimals, as the decimal it was written as.
fn fixed_dec(v: i128) -> Decimal {
    Decimal::from_i128_with_scale(v, SCALE).normalize()
}

fn year(source: &Source, r: &Row, text: usize, column: &str) -> Result<i32, InputError> {
    let t = &r.texts[text];
    t.parse::<i32>()
        .ok()
        .filter(|y| (1000..=9999).contains(y) && t.len() == 4)
        .ok_or_else(|| r.at.error(source, column, format!("'{t}' is not a year; write YYYY, e.g. 2026")))
}

/// The year (text column 3) and month (text column 4) of a row of a year's months (payments,
/// case sums): the month must lie in the year.
fn month_of_year(source: &Source, r: &Row, what: &str) -> Result<(i32, Month), InputError> {
    let year = year(source, r, 3, "year")?;
    let month: Month = r.texts[4]
        .parse()
        .map_err(|e: dianzhi_core::period::PeriodError| r.at.error(source, "month", e.to_string()))?;
    if month.year != year {
        return Err(r.at.error(
            source,
            "month",
            format!("{month} is outside the {what}'s year {year}; a year's {what}s are its own months"),
        ));
    }
    Ok((year, month))
}

fn duplicate(source: &Source, what: &str, first: RowAt, again: RowAt) -> crate::error::Error {
    InputError::file(&source.path, format!("{what} is given twice, at {first} and {again}; give it once")).into()
}

/// A special-case decision (特病单议) on one case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Scored as a special case with this score (internal fixed point).
    Score(i128),
    /// Paid at cost, outside the points.
    AtCost,
    /// Scored as an ordinary case, whatever its special_score cell says.
    Reject,
}

/// The decisions of a `--special` table, by case_id, with the row each came from.
#[derive(Debug, Clone, Default)]
pub struct SpecialDecisions {
    /// Index into `decisions` per case_id.
    pub by_case: HashMap<String, u32>,
    /// Each decision, its case_id and its row, in file order.
    pub decisions: Vec<(Decision, String, RowAt)>,
    /// The file read.
    pub source: Option<Source>,
}

/// Reads a `--special` table: `case_id, decision, score` — decision `score` (with a score ≥ 0,
/// ≤ 4 decimals), `at_cost` or `reject` (without one); a case_id given twice is refused
/// naming both rows.
pub fn read_special(source: &Source) -> Result<(SpecialDecisions, u64)> {
    let (rows, count) = read_rows(source, &SPECIAL, MoneyUnit::WHOLE, true)?;
    let mut out = SpecialDecisions { source: Some(source.clone()), ..SpecialDecisions::default() };
    for r in rows {
        let case_id = r.texts[0].clone();
        let decision = match (r.texts[1].as_str(), r.given[0]) {
            ("score", true) => Decision::Score(r.numbers[0]),
            ("score", false) => {
                return Err(r.at.error(source, "score", "empty; the decision 'score' gives the case's score").into())
            }
            ("at_cost" | "reject", true) => {
                return Err(r
                    .at
                    .error(
                        source,
                        "score",
                        format!(
                            "{} given with the decision '{}'; only 'score' takes a score",
                            show(r.numbers[0]),
                            r.texts[1]
                        ),
                    )
                    .into())
            }
            ("at_cost", false) => Decision::AtCost,
            ("reject", false) => Decision::Reject,
            (other, _) => {
                return Err(r
                    .at
                    .error(source, "decision", format!("'{other}' is no decision; write score, at_cost or reject"))
                    .into())
            }
        };
        let index = out.decisions.len() as u32;
        if let Some(first) = out.by_case.insert(case_id.clone(), index) {
            let first = out.decisions[first as usize].2;
            return Err(duplicate(source, &format!("a decision on case_id {case_id}"), first, r.at));
        }
        out.decisions.push((decision, case_id, r.at));
    }
    Ok((out, count))
}

/// Indicator scores per (institution_id, fund — "" for every fund): indicator → score
/// (internal fixed point), with the row each came from.
pub type IndicatorScores = BTreeMap<(String, String), BTreeMap<String, (i128, RowAt)>>;

/// Reads an `--assessment` table: `institution_id[, fund], indicator, score` — a score from 0 to
/// 100 with at most 2 decimals; a (hospital, fund, indicator) given twice is refused naming both
/// rows.
pub fn read_assessment(source: &Source) -> Result<(IndicatorScores, u64)> {
    let (rows, count) = read_rows(source, &ASSESSMENT, MoneyUnit::WHOLE, true)?;
    let mut out: IndicatorScores = BTreeMap::new();
    for r in rows {
        let score = r.numbers[0];
        if score > 100 * ONE || score % 100 != 0 {
            return Err(r
                .at
                .error(source, "score", format!("{} is not a score from 0 to 100 with at most 2 decimals", show(score)))
                .into());
        }
        let key = (r.texts[0].clone(), r.texts[1].clone());
        let indicator = r.texts[2].clone();
        let scores = out.entry(key.clone()).or_default();
        if let Some((_, first)) = scores.insert(indicator.clone(), (score, r.at)) {
            return Err(duplicate(
                source,
                &format!(
                    "indicator {indicator} of institution {} {}",
                    key.0,
                    if key.1.is_empty() { String::new() } else { format!("fund {}", key.1) }
                ),
                first,
                r.at,
            ));
        }
    }
    Ok((out, count))
}

/// The case sums of a `dip aggregate` output (or of Spark's sum of partial ones): one row per
/// hospital, pool and month, counts whole and amounts not negative; a row repeated is refused
/// naming both rows (summed twice, the cases would count twice).
pub fn read_case_sums(source: &Source, unit: MoneyUnit) -> Result<(Vec<MonthCases>, u64)> {
    let (rows, count) = read_rows(source, &CASE_SUMS, unit, true)?;
    let mut seen: HashMap<(String, DipPoolKey, Month), RowAt> = HashMap::new();
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let (year, month) = month_of_year(source, &r, "row")?;
        let whole = |i: usize| -> Result<u64> {
            let name = CASE_SUMS[i].name;
            r.texts[i].parse::<u64>().map_err(|_| {
                r.at.error(source, name, format!("'{}' is not a count of cases (a whole number ≥ 0)", r.texts[i]))
                    .into()
            })
        };
        let pool = DipPoolKey { region: r.texts[1].clone(), fund: r.texts[2].clone(), year };
        let sums = CaseSums {
            cases: whole(5)?,
            low: whole(6)?,
            high: whole(7)?,
            extreme: whole(8)?,
            special: whole(9)?,
            at_cost: whole(10)?,
            score: r.numbers[0],
            items: r.numbers[1],
            at_cost_amount: r.numbers[2],
            total_cost: r.numbers[3],
            exam_cost: r.numbers[4],
            excluded: r.numbers[5],
        };
        if let Some(first) = seen.insert((r.texts[0].clone(), pool.clone(), month), r.at) {
            return Err(duplicate(
                source,
                &format!("the sums of institution {} in {pool} for {month}", r.texts[0]),
                first,
                r.at,
            ));
        }
        out.push(MonthCases { institution_id: r.texts[0].clone(), pool, month, sums });
    }
    Ok((out, count))
}
