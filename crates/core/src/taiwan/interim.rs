//! Monthly interim payments (docs/taiwan-year.md), paid within days of a claim, before review.
//!
//! ```text
//! deduction_rate = Σ deducted / Σ claimed over the 3 calendar months before the paid month
//!                  (institution and sector); fewer than 3 months with claims: a new provider
//! ratio          = new_provider_ratio, or the first band whose max_rate ≥ deduction_rate
//! value          = min(point_value_cap, estimated point value)
//! gross          = (claimed − drug − protected) × value + drug × fixed_value.drug
//!                  + protected × fixed_value.protected
//! interim_paid   = truncate(gross × ratio − copayment) down to a multiple of truncate_to, ≥ 0
//! ```

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};

use crate::config::Config;
use crate::number::{add, div_to_scale, mul, pow10, sub, Dec, Overflow, Rounding, SCALE};
use crate::period::Month;
use crate::taiwan::pool::ClaimSums;

/// Decimals of the deduction rate in the output.
pub const RATE_SCALE: u32 = 12;

/// An institution's review history in one sector over the three months before the paid month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct History {
    /// Points claimed in the three months.
    pub claimed: i128,
    /// Points deducted on review of them.
    pub deducted: i128,
    /// Of the three months, how many have claims.
    pub months: u32,
}

/// An interim payment and how it was computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InterimPayment {
    /// The ratio paid.
    pub ratio: Dec,
    /// The point value used.
    pub point_value: Dec,
    /// Σ deducted / Σ claimed at [`RATE_SCALE`] decimals (half_even); `None` without history.
    pub deduction_rate: Option<i128>,
    /// Months of review history found.
    pub history_months: u32,
    /// Internal fixed point, a multiple of `truncate_to`.
    pub interim_paid: i128,
}

/// Claim sums of one institution in one (sector, region) and service month.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonthClaims {
    /// The institution.
    pub institution_id: String,
    /// The sector.
    pub sector: String,
    /// The region.
    pub region: String,
    /// The month of the claims.
    pub month: Month,
    /// The claims' sums.
    pub sums: ClaimSums,
}

/// One line of the interim output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InterimLine {
    /// The institution paid.
    pub institution_id: String,
    /// The sector.
    pub sector: String,
    /// The region.
    pub region: String,
    /// The month paid.
    pub month: Month,
    /// The payment.
    pub payment: InterimPayment,
}

/// Why a month's interim payments cannot be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InterimError {
    /// Sectors and regions without an estimated point value.
    #[error("no estimated point value for {}; add a row (sector, region, estimated_point_value) to the estimates file for each", .0.join(", "))]
    MissingEstimate(Vec<String>),
    /// Institutions whose claims sum below zero.
    #[error("claims of the paid month sum to a negative value:\n  {}\nfix or remove the correction rows of these institutions", .0.join("\n  "))]
    Negative(Vec<String>),
    /// A product beyond 128 bits.
    #[error(transparent)]
    Overflow(#[from] Overflow),
}

/// Interim payments for every (institution, sector, region) with claims in `month`, using the
/// history of the three calendar months before it. `claims` holds any months; others are ignored.
pub fn pay_month(
    claims: &[MonthClaims],
    month: Month,
    estimates: &BTreeMap<(String, String), Dec>,
    config: &Config,
) -> Result<Vec<InterimLine>, InterimError> {
    let window = [month.minus(1), month.minus(2), month.minus(3)];
    let mut history: BTreeMap<(&str, &str), (History, BTreeSet<Month>)> = BTreeMap::new();
    for c in claims.iter().filter(|c| window.contains(&c.month)) {
        let (h, months) = history.entry((&c.institution_id, &c.sector)).or_default();
        h.claimed = add(h.claimed, c.sums.claimed, "history")?;
        h.deducted = add(h.deducted, c.sums.deducted, "history")?;
        months.insert(c.month);
    }
    let mut missing = BTreeSet::new();
    let mut negative = Vec::new();
    let mut lines = Vec::new();
    for c in claims.iter().filter(|c| c.month == month) {
        let Some(estimate) = estimates.get(&(c.sector.clone(), c.region.clone())) else {
            missing.insert(format!("sector={} region={}", c.sector, c.region));
            continue;
        };
        if let Some((column, value)) = c.sums.first_negative() {
            negative.push(format!(
                "institution {} sector={} region={} month={month}: {column} sums to {}",
                c.institution_id,
                c.sector,
                c.region,
                crate::number::show(value)
            ));
            continue;
        }
        let h = history
            .get(&(c.institution_id.as_str(), c.sector.as_str()))
            .map_or(History::default(), |(h, m)| History { months: m.len() as u32, ..*h });
        lines.push(InterimLine {
            institution_id: c.institution_id.clone(),
            sector: c.sector.clone(),
            region: c.region.clone(),
            month,
            payment: interim_payment(&c.sums, &h, *estimate, config)?,
        });
    }
    if !missing.is_empty() {
        return Err(InterimError::MissingEstimate(missing.into_iter().collect()));
    }
    if !negative.is_empty() {
        negative.truncate(20);
        return Err(InterimError::Negative(negative));
    }
    Ok(lines)
}

/// The interim payment for one institution's claims of one month in one (sector, region).
pub fn interim_payment(
    month: &ClaimSums,
    history: &History,
    estimate: Dec,
    config: &Config,
) -> Result<InterimPayment, Overflow> {
    let c = &config.interim;
    let deduction_rate = if history.claimed > 0 {
        Some(div_to_scale(history.deducted.max(0), history.claimed, RATE_SCALE, Rounding::HalfEven)?)
    } else {
        None
    };
    let ratio = if history.months < 3 { Dec::from(c.new_provider_ratio) } else { band_ratio(history, config)? };
    let cap = Dec::from(c.point_value_cap);
    let point_value = if cap.cmp_exact(estimate)? == Ordering::Less { cap } else { estimate };

    // gross in internal fixed point over 10^scale, then × ratio, − copayment, truncated
    let (fd, fp) = (Dec::from(config.fixed_value.drug), Dec::from(config.fixed_value.protected));
    let scale = point_value.scale.max(fd.scale).max(fp.scale);
    let term = |points: i128, d: Dec| -> Result<i128, Overflow> {
        mul(mul(points, d.mantissa, "interim gross")?, pow10(scale - d.scale)?, "interim gross")
    };
    let floating = sub(sub(month.claimed, month.drug, "interim points")?, month.protected, "interim points")?;
    let gross = add(
        add(term(floating, point_value)?, term(month.drug, fd)?, "interim gross")?,
        term(month.protected, fp)?,
        "interim gross",
    )?;
    let den = mul(pow10(scale)?, pow10(ratio.scale)?, "interim")?;
    let net = sub(mul(gross, ratio.mantissa, "interim")?, mul(month.copayment, den, "interim")?, "interim")?;
    let step = Dec::from(c.truncate_to).rescale_exact(SCALE).expect("validated truncate_to");
    let interim_paid = if net <= 0 { 0 } else { mul(net / mul(den, step, "interim")?, step, "interim")? };
    Ok(InterimPayment { ratio, point_value, deduction_rate, history_months: history.months, interim_paid })
}

/// The first band whose max_rate ≥ deducted / claimed (no claims: rate 0).
fn band_ratio(h: &History, config: &Config) -> Result<Dec, Overflow> {
    let bands = &config.interim.bands;
    for b in bands {
        let (max_rate, ratio) = (Dec::from(b.max_rate), Dec::from(b.ratio));
        // deducted / claimed ≤ m / 10^s  ⇔  deducted × 10^s ≤ m × claimed  (claimed > 0)
        let within = h.claimed <= 0
            || mul(h.deducted, pow10(max_rate.scale)?, "deduction rate")?
                <= mul(max_rate.mantissa, h.claimed, "deduction rate")?;
        if within {
            return Ok(ratio);
        }
    }
    // validated: the last band's max_rate is 1, and deductions never exceed claims
    Ok(bands.last().expect("validated bands").ratio.into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::number::ONE;

    fn sums(floating: i128, drug: i128, copayment: i128) -> ClaimSums {
        ClaimSums {
            claimed: (floating + drug) * ONE,
            drug: drug * ONE,
            copayment: copayment * ONE,
            ..ClaimSums::default()
        }
    }
    fn history(claimed: i128, deducted: i128, months: u32) -> History {
        History { claimed: claimed * ONE, deducted: deducted * ONE, months }
    }
    fn d(s: &str) -> Dec {
        s.parse().unwrap()
    }

    #[test]
    fn contract_check_1_069_900() {
        // 1,234,567 floating points, no drugs, ratio 0.95 (deduction rate ≤ 1%), estimate 0.9123
        let p = interim_payment(&sums(1_234_567, 0, 0), &history(1_000_000, 5_000, 3), d("0.9123"), &Config::default())
            .unwrap();
        assert_eq!(p.ratio, d("0.95"));
        assert_eq!(p.interim_paid, 1_069_900 * ONE);
        assert_eq!(p.deduction_rate, Some(5_000_000_000)); // 0.005 at 12 decimals
    }

    #[test]
    fn band_boundaries_are_inclusive() {
        let config = Config::default();
        let ratio =
            |deducted| interim_payment(&sums(100, 0, 0), &history(10_000, deducted, 3), d("1"), &config).unwrap().ratio;
        assert_eq!(ratio(100), d("0.95")); // exactly 1%
        assert_eq!(ratio(101), d("0.90"));
        assert_eq!(ratio(300), d("0.90")); // exactly 3%
        assert_eq!(ratio(301), d("0.85"));
    }

    #[test]
    fn two_months_of_history_is_a_new_provider() {
        let p = interim_payment(&sums(10_000, 0, 0), &history(10_000, 0, 2), d("1"), &Config::default()).unwrap();
        assert_eq!((p.ratio, p.history_months), (d("0.85"), 2));
        assert_eq!(p.interim_paid, 8_500 * ONE);
    }

    #[test]
    fn estimate_above_the_cap_is_capped_and_drugs_are_paid_at_fixed_value() {
        let p =
            interim_payment(&sums(10_000, 5_000, 0), &history(10_000, 0, 3), d("1.1522"), &Config::default()).unwrap();
        assert_eq!(p.point_value, d("1"));
        // (10,000 × 1 + 5,000 × 1) × 0.95 = 14,250 → 14,200
        assert_eq!(p.interim_paid, 14_200 * ONE);
    }

    #[test]
    fn history_is_the_three_months_before_per_institution_and_sector() {
        let m = |s: &str| s.parse::<Month>().unwrap();
        let claim = |region: &str, month: &str, claimed: i128, deducted: i128| MonthClaims {
            institution_id: "A".into(),
            sector: "dental".into(),
            region: region.into(),
            month: m(month),
            sums: ClaimSums { claimed: claimed * ONE, deducted: deducted * ONE, ..ClaimSums::default() },
        };
        let estimates = BTreeMap::from([(("dental".to_string(), "east".to_string()), d("0.9"))]);
        // Dec, Jan, Feb reviewed (one of them in another region), March paid; Nov is outside
        let claims = vec![
            claim("east", "2025-11", 1_000, 900),
            claim("east", "2025-12", 1_000, 20),
            claim("north", "2026-01", 1_000, 10),
            claim("east", "2026-02", 1_000, 0),
            claim("east", "2026-03", 10_000, 0),
        ];
        let lines = pay_month(&claims, m("2026-03"), &estimates, &Config::default()).unwrap();
        assert_eq!(lines.len(), 1);
        let p = lines[0].payment;
        assert_eq!((p.history_months, p.deduction_rate, p.ratio), (3, Some(10_000_000_000), d("0.95")));
        // 10,000 × 0.9 × 0.95 = 8,550 → 8,500
        assert_eq!(p.interim_paid, 8_500 * ONE);
        let err = pay_month(&claims, m("2026-03"), &BTreeMap::new(), &Config::default()).unwrap_err();
        assert!(err.to_string().contains("sector=dental region=east"), "{err}");
    }

    #[test]
    fn never_below_zero() {
        let p = interim_payment(&sums(100, 0, 500), &history(0, 0, 0), d("0.9"), &Config::default()).unwrap();
        assert_eq!(p.interim_paid, 0);
    }
}
