//! A pool's floating and average point value (docs/settle.md, Arithmetic, steps 3, 4 and 7).
//!
//! ```text
//! floating_money = B − C − Σ fixed_amount_i
//! fpv            = floating_money / Σ F_i / ρ                  (rounded to point_value.scale)
//! apv            = (B − C) / (Σ F_i + Σ drug_i + Σ protected_i) (rounded to point_value.scale)
//! ```
//! ρ is the payment ratio of a value quoted per unit of total cost (DIP's `total_cost` basis,
//! docs/dip.md, Arithmetic, step 5): the fund pays ρ of it. It is 1 for Taiwan's pools and DIP's `fund` basis.

use crate::config::{Config, OnInfeasible};
use crate::number::{add, div_to_scale, mul, pow10, sub, Dec, Overflow, Rounding};

/// Decimals of `fpv_exact` in the output (docs/settle.md: 18 decimals, half_even).
pub const EXACT_SCALE: u32 = 18;

/// Pool totals the point value depends on (internal fixed point).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolTotals {
    /// The pool's budget.
    pub budget: i128,
    /// Charges taken out before the float (Taiwan's charges, DIP's reserve).
    pub charges: i128,
    /// Σ fixed_amount_i, already rounded per provider.
    pub fixed_amount: i128,
    /// Σ F_i.
    pub floating_points: i128,
    /// Σ drug_i + Σ protected_i.
    pub fixed_points: i128,
    /// Whether any institution has claims in the pool.
    pub has_claims: bool,
    /// ρ in (0, 1]: the share of the quoted value the payer pays.
    pub payment_ratio: Dec,
    /// The most a floating point may be valued at (an earmarked pool, 專款專用), if capped.
    pub cap: Option<Dec>,
    /// The value a floating point is paid, given rather than solved (a forecast).
    pub given: Option<Dec>,
}

impl Default for PoolTotals {
    fn default() -> Self {
        PoolTotals {
            budget: 0,
            charges: 0,
            fixed_amount: 0,
            floating_points: 0,
            fixed_points: 0,
            has_claims: false,
            payment_ratio: Dec::new(1, 0),
            cap: None,
            given: None,
        }
    }
}

impl PoolTotals {
    /// Σ F_i × ρ as a fraction `(num, den)`: what the floating money is divided by.
    pub fn valued_points(&self) -> Result<(i128, i128), Overflow> {
        let ratio = self.payment_ratio;
        Ok((mul(self.floating_points, ratio.mantissa, "floating points × payment ratio")?, pow10(ratio.scale)?))
    }
}

/// How a pool was valued: named for Taiwan by [`Status::as_str`], for DIP by [`Status::dip_name`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// The pool has a point value.
    Ok,
    /// Claims, but no floating points to value.
    NoFloatingPoints,
    /// Fixed payments and charges exceed the budget.
    Infeasible,
    /// No claims in the pool.
    NoClaims,
    /// The pool's value was held at its cap; what the float leaves over is residual.
    Capped,
    /// The pool was cleared at a given value (a forecast), not solved.
    Given,
}

impl Status {
    /// The status as Taiwan's tables write it.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::NoFloatingPoints => "no_floating_points",
            Status::Infeasible => "infeasible",
            Status::NoClaims => "no_claims",
            Status::Capped => "capped",
            Status::Given => "given",
        }
    }

    /// The same status in a DIP pool's words: its floating points are case scores, its
    /// claims are cases.
    pub fn dip_name(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::NoFloatingPoints => "no_scores",
            Status::Infeasible => "infeasible",
            Status::NoClaims => "no_cases",
            Status::Capped => "capped",
            Status::Given => "given",
        }
    }
}

/// How floating points are valued in a pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FloatingValue {
    /// Nothing to value: no claims, or no floating points. Floating amounts are 0.
    None,
    /// Infeasible pool settled at zero (`on_infeasible = "zero"`). Floating amounts are 0.
    Zero,
    /// What a floating point is paid, `money / points` (both > 0 … or money = 0): the floating
    /// money over the floating points, or for a capped pool the cap × ρ as a fraction; the
    /// float pays `money × F / points` in all.
    Ratio {
        /// The floating money.
        money: i128,
        /// The floating points.
        points: i128,
    },
}

/// A pool's point values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PointValue {
    /// B − C − Σ fixed amounts: the money the floating points share.
    pub floating_money: i128,
    /// How floating points are valued.
    pub value: FloatingValue,
    /// Published floating point value at `point_value.scale` decimals.
    pub fpv: Option<i128>,
    /// The exact quotient at [`EXACT_SCALE`] decimals, half_even.
    pub fpv_exact: Option<i128>,
    /// Average point value at `point_value.scale` decimals.
    pub apv: Option<i128>,
    /// How the pool was valued.
    pub status: Status,
}

/// The pool's point values from its totals (docs/settle.md, steps 3, 4 and 7).
pub fn point_value(t: &PoolTotals, config: &Config) -> Result<PointValue, Overflow> {
    let scale = config.point_value.scale;
    let rounding = config.money.rounding;
    let available = sub(t.budget, t.charges, "budget − charges")?;
    let floating_money = sub(available, t.fixed_amount, "floating money")?;
    let all_points = add(t.floating_points, t.fixed_points, "approved points")?;

    let apv =
        if t.has_claims && all_points > 0 { Some(div_to_scale(available, all_points, scale, rounding)?) } else { None };
    let mut pv =
        PointValue { floating_money, value: FloatingValue::None, fpv: None, fpv_exact: None, apv, status: Status::Ok };
    if !t.has_claims {
        pv.status = Status::NoClaims;
    } else if let (Some(v), true) = (t.given, t.floating_points > 0) {
        // given, not solved: a point is paid v × ρ, whatever the money
        let ratio = t.payment_ratio;
        pv.value = FloatingValue::Ratio {
            money: mul(v.mantissa, ratio.mantissa, "a given value")?,
            points: mul(pow10(v.scale)?, pow10(ratio.scale)?, "a given value")?,
        };
        pv.status = Status::Given;
        pv.fpv = Some(div_to_scale(v.mantissa, pow10(v.scale)?, scale, rounding)?);
        pv.fpv_exact = Some(div_to_scale(v.mantissa, pow10(v.scale)?, EXACT_SCALE, Rounding::HalfEven)?);
    } else if floating_money < 0 {
        // fixed payments exceed the budget; `clearing` fails the run unless told to zero it
        pv.status = Status::Infeasible;
        if config.pool.on_infeasible == OnInfeasible::Zero {
            pv.value = FloatingValue::Zero;
            pv.fpv = Some(0);
            pv.fpv_exact = Some(0);
        }
    } else if t.floating_points == 0 {
        pv.status = Status::NoFloatingPoints;
    } else {
        pv.value = FloatingValue::Ratio { money: floating_money, points: t.floating_points };
        // money / (F × ρ) = money × den / (F × num)
        let (mut num, den) = t.valued_points()?;
        let mut money = mul(floating_money, den, "floating money / payment ratio")?;
        if let Some(cap) = t.cap {
            // above the cap (money × 10^s > cap × F × ρ): the value is the cap, c = c_m / 10^s,
            // paid as c × ρ a point — the ratio (c_m × ρ_num) / (10^s × ρ_den), which every
            // payment rule reads as it reads the quotient of money and points
            if mul(money, pow10(cap.scale)?, "a capped value")? > mul(cap.mantissa, num, "a capped value")? {
                let ratio = t.payment_ratio;
                pv.value = FloatingValue::Ratio {
                    money: mul(cap.mantissa, ratio.mantissa, "a capped value")?,
                    points: mul(pow10(cap.scale)?, pow10(ratio.scale)?, "a capped value")?,
                };
                pv.status = Status::Capped;
                money = cap.mantissa;
                num = pow10(cap.scale)?;
            }
        }
        pv.fpv = Some(div_to_scale(money, num, scale, rounding)?);
        pv.fpv_exact = Some(div_to_scale(money, num, EXACT_SCALE, Rounding::HalfEven)?);
    }
    Ok(pv)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::number::ONE;

    /// docs/settle.md's golden pool: budget 10,000,000,000, charges 20,000,000,
    /// 3,000,000,000 fixed points at 1, 8,000,000,000 floating points.
    fn example() -> PoolTotals {
        PoolTotals {
            budget: 10_000_000_000 * ONE,
            charges: 20_000_000 * ONE,
            fixed_amount: 3_000_000_000 * ONE,
            floating_points: 8_000_000_000 * ONE,
            fixed_points: 3_000_000_000 * ONE,
            has_claims: true,
            ..PoolTotals::default()
        }
    }

    #[test]
    fn golden_example_fpv_and_apv() {
        let pv = point_value(&example(), &Config::default()).unwrap();
        assert_eq!(pv.status, Status::Ok);
        assert_eq!(pv.floating_money, 6_980_000_000 * ONE);
        assert_eq!(pv.fpv, Some(8725)); // 0.8725
        assert_eq!(pv.fpv_exact, Some(872_500_000_000_000_000));
        assert_eq!(pv.apv, Some(9073)); // 9,980,000,000 / 11,000,000,000 = 0.90727…
    }

    #[test]
    fn special_pools() {
        let config = Config::default();
        let no_claims =
            PoolTotals { has_claims: false, floating_points: 0, fixed_points: 0, fixed_amount: 0, ..example() };
        let pv = point_value(&no_claims, &config).unwrap();
        assert_eq!((pv.status, pv.fpv, pv.apv), (Status::NoClaims, None, None));

        let only_fixed = PoolTotals { floating_points: 0, ..example() };
        let pv = point_value(&only_fixed, &config).unwrap();
        assert_eq!((pv.status, pv.fpv, pv.fpv_exact), (Status::NoFloatingPoints, None, None));
        assert!(pv.apv.is_some());

        let overspent = PoolTotals { fixed_amount: 11_000_000_000 * ONE, ..example() };
        let pv = point_value(&overspent, &config).unwrap();
        assert_eq!((pv.status, pv.fpv), (Status::Infeasible, None));
        let mut zero = config.clone();
        zero.pool.on_infeasible = OnInfeasible::Zero;
        let pv = point_value(&overspent, &zero).unwrap();
        assert_eq!(
            (pv.status, pv.fpv, pv.fpv_exact, pv.value),
            (Status::Infeasible, Some(0), Some(0), FloatingValue::Zero)
        );
        assert_eq!(pv.apv, Some(9073));
    }

    #[test]
    fn published_value_rounds_the_exact_quotient_once() {
        // 2 / 3 at scale 4: half_up 0.6667, down 0.6666
        let t = PoolTotals {
            budget: 2 * ONE,
            charges: 0,
            fixed_amount: 0,
            floating_points: 3 * ONE,
            fixed_points: 0,
            has_claims: true,
            ..PoolTotals::default()
        };
        let mut config = Config::default();
        assert_eq!(point_value(&t, &config).unwrap().fpv, Some(6667));
        config.money.rounding = Rounding::Down;
        assert_eq!(point_value(&t, &config).unwrap().fpv, Some(6666));
        config.point_value.scale = 6;
        assert_eq!(point_value(&t, &config).unwrap().fpv, Some(666_666));
    }

    #[test]
    fn a_payment_ratio_quotes_the_value_per_unit_of_total_cost() {
        // docs/dip.md: (1,260,000,000 − 63,000,000) / 0.72 / 160,000,000 = 10.390625
        let t = PoolTotals {
            budget: 1_260_000_000 * ONE,
            charges: 63_000_000 * ONE,
            floating_points: 160_000_000 * ONE,
            has_claims: true,
            payment_ratio: Dec::new(72, 2),
            ..PoolTotals::default()
        };
        let pv = point_value(&t, &Config::default()).unwrap();
        assert_eq!(pv.fpv, Some(103_906));
        assert_eq!(pv.fpv_exact, Some(10_390_625_000_000_000_000));
    }
}
