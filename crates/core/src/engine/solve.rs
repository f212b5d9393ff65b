//! The pool arithmetic both systems share (docs/settle.md, Arithmetic, steps 3–7; docs/dip.md,
//! Arithmetic, steps 4–6 and 9): a pool is a budget less its charges, shared by members that
//! each bring floating points and an amount paid outside the float. A Taiwan provider and a DIP
//! hospital are both a [`Share`]; [`solve_pool`] values the floating points and pays them.
//!
//! ```text
//! floating_amount_i = round_money(F_i × fpv)                 report + published
//!                   = round_money(F_i × floating_money / F)  report + exact
//!                   = Hamilton share of floating_money        largest_remainder
//! distributed = Σ (fixed_amount_i + floating_amount_i);  residual = B − C − distributed
//! ```

use crate::config::{Config, PayWith, ReconcileMode};
use crate::engine::point_value::{point_value, FloatingValue, PointValue, PoolTotals};
use crate::number::{add, mul, pow10, sub, Overflow};

/// One member of a pool as the pool arithmetic sees it: an institution's floating points (a
/// Taiwan provider's approved floating points, a DIP hospital's case scores) and the money it is
/// paid outside the float (fixed-value points, DIP cases paid at cost), already rounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Share<'a> {
    /// The member's id (ties of largest remainder go to the smaller id).
    pub id: &'a str,
    /// Its floating points.
    pub floating_points: i128,
    /// Money paid to it outside the float, already rounded.
    pub fixed_amount: i128,
}

/// A pool solved: its totals, point value, each share's floating amount (in share order),
/// and how the money reconciles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Solved {
    /// The pool's totals.
    pub totals: PoolTotals,
    /// Its point values.
    pub point_value: PointValue,
    /// Each share's floating amount, in share order.
    pub floating_amounts: Vec<i128>,
    /// Σ (fixed_amount + floating_amount).
    pub distributed: i128,
    /// budget − charges − distributed.
    pub residual: i128,
}

/// The pool arithmetic shared by every kind of pool (docs/settle.md, Arithmetic, steps 3–7; docs/dip.md, Arithmetic, steps 4–6 and 9):
/// `base` gives the budget, charges, payment ratio, fixed points and whether the pool has claims;
/// the fixed amounts and floating points are summed from `shares`, which are sorted by id.
pub fn solve_pool(base: PoolTotals, shares: &[Share], config: &Config) -> Result<Solved, Overflow> {
    let totals = summed(base, shares)?;
    let point_value = point_value(&totals, config)?;
    let floating_amounts = floating_amounts(shares, &totals, &point_value, config)?;
    let mut distributed = 0i128;
    for (s, f) in shares.iter().zip(&floating_amounts) {
        distributed = add(distributed, add(s.fixed_amount, *f, "gross amount")?, "distributed")?;
    }
    let residual = sub(sub(totals.budget, totals.charges, "residual")?, distributed, "residual")?;
    Ok(Solved { totals, point_value, floating_amounts, distributed, residual })
}

/// `base` with the fixed amounts and floating points of `shares` summed in.
pub(crate) fn summed(base: PoolTotals, shares: &[Share]) -> Result<PoolTotals, Overflow> {
    let mut totals = PoolTotals { fixed_amount: 0, floating_points: 0, ..base };
    for s in shares {
        totals.fixed_amount = add(totals.fixed_amount, s.fixed_amount, "Σ fixed_amount")?;
        totals.floating_points = add(totals.floating_points, s.floating_points, "Σ floating points")?;
    }
    Ok(totals)
}
/// Each share's floating amount, in share order.
fn floating_amounts(
    shares: &[Share],
    totals: &PoolTotals,
    pv: &PointValue,
    config: &Config,
) -> Result<Vec<i128>, Overflow> {
    let (unit, rounding) = (config.money.unit, config.money.rounding);
    let FloatingValue::Ratio { money, points } = pv.value else {
        return Ok(vec![0; shares.len()]);
    };
    let floating = shares.iter().map(|s| s.floating_points);
    match (config.reconcile.mode, config.point_value.pay_with) {
        (ReconcileMode::Report, PayWith::Published) => {
            // F_i × fpv × ρ, rounded once
            let fpv = pv.fpv.expect("a valued pool has a published fpv");
            let ratio = totals.payment_ratio;
            let den = pow10(config.point_value.scale + ratio.scale)?;
            let value = mul(fpv, ratio.mantissa, "fpv × payment ratio")?;
            floating.map(|f| unit.round(mul(f, value, "F_i × fpv")?, den, rounding)).collect()
        }
        (ReconcileMode::Report, PayWith::Exact) => {
            // F_i × money / (F × ρ) × ρ: the ratio cancels
            floating.map(|f| unit.round(mul(f, money, "F_i × floating money")?, points, rounding)).collect()
        }
        (ReconcileMode::LargestRemainder, _) => {
            // the money the float pays, in whole units: the floating money, or capped value × F
            let f = totals.floating_points;
            let units = if points == f {
                money / unit.fixed
            } else {
                mul(money, f, "floating money")? / mul(points, unit.fixed, "floating money")?
            };
            let ids: Vec<&str> = shares.iter().map(|s| s.id).collect();
            let shares = largest_remainder(units, &floating.collect::<Vec<_>>(), &ids)?;
            shares.into_iter().map(|u| mul(u, unit.fixed, "floating amount")).collect()
        }
    }
}

/// Hamilton's method: splits `units` (≥ 0) in proportion to `weights` (≥ 0, Σ > 0). Each gets
/// ⌊units × w / Σw⌋; the units left over go one each to the largest remainders, ties to the
/// smaller id (byte order). The shares add up to `units` exactly.
pub fn largest_remainder(units: i128, weights: &[i128], ids: &[&str]) -> Result<Vec<i128>, Overflow> {
    let total: i128 = weights.iter().try_fold(0i128, |s, w| add(s, *w, "Σ weights"))?;
    assert!(total > 0 && units >= 0, "largest_remainder needs a positive total and units ≥ 0");
    let mut shares = Vec::with_capacity(weights.len());
    let mut remainders = Vec::with_capacity(weights.len());
    for (i, w) in weights.iter().enumerate() {
        let p = mul(units, *w, "units × weight")?;
        shares.push(p / total);
        remainders.push((p % total, i));
    }
    let left = units - shares.iter().sum::<i128>();
    // remainders share the denominator `total`, so they compare as integers
    remainders
        .sort_unstable_by(|(ra, ia), (rb, ib)| rb.cmp(ra).then_with(|| ids[*ia].as_bytes().cmp(ids[*ib].as_bytes())));
    for &(_, i) in remainders.iter().take(usize::try_from(left).expect("fewer units left than members")) {
        shares[i] += 1;
    }
    Ok(shares)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hamilton_ties_go_to_the_smaller_id() {
        // 10 units over three equal weights: 3 each, one left, tie → "a"
        assert_eq!(largest_remainder(10, &[1, 1, 1], &["c", "a", "b"]).unwrap(), vec![3, 4, 3]);
        // 2 left over three equal remainders → "a", "b"
        assert_eq!(largest_remainder(5, &[1, 1, 1], &["c", "a", "b"]).unwrap(), vec![1, 2, 2]);
        // a larger remainder beats a smaller id
        assert_eq!(largest_remainder(1, &[1, 2], &["a", "b"]).unwrap(), vec![0, 1]);
    }
}
