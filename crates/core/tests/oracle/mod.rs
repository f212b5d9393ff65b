//! An independent statement of the pool arithmetic (docs/settle.md, steps 3–6): what each member
//! of a pool is paid, written from the rules in plain integer arithmetic, without the engine's
//! code. The property tests hold the engine to it.
#![allow(dead_code)]

use dianzhi_core::config::{PayWith, ReconcileMode};
use dianzhi_core::number::Rounding;

/// `num / den` (den > 0) rounded by `mode` to a whole number of `unit`, in internal fixed
/// point: from the definition, on the magnitude (down is toward zero, half_up away from it),
/// comparing twice the remainder with the divisor.
pub fn round_to(num: i128, den: i128, unit: i128, mode: Rounding) -> i128 {
    assert!(den > 0, "a positive divisor");
    if num < 0 {
        return -round_to(-num, den, unit, mode);
    }
    let d = den * unit;
    let (q, r) = (num / d, num % d);
    let up = match mode {
        Rounding::Down => false,
        Rounding::HalfUp => 2 * r >= d,
        Rounding::HalfEven => 2 * r > d || (2 * r == d && q % 2 == 1),
    };
    (q + i128::from(up && r > 0)) * unit
}

/// One member as the rule sees it: its id, floating points and money paid outside the float.
pub struct Member<'a> {
    pub id: &'a str,
    pub floating: i128,
    pub fixed: i128,
}

/// The policy the rule reads.
pub struct Policy {
    pub unit: i128,
    pub rounding: Rounding,
    pub mode: ReconcileMode,
    pub pay_with: PayWith,
    pub scale: u32,
    /// ρ as (mantissa, scale): the fund pays ρ of a value quoted per unit of total cost.
    pub ratio: (i128, u32),
}

/// Each member's floating amount and the pool's residual, for floating money `money` ≥ 0 shared
/// by members with Σ floating > 0.
pub fn floating_amounts(money: i128, members: &[Member], p: &Policy) -> (Vec<i128>, i128) {
    let total: i128 = members.iter().map(|m| m.floating).sum();
    assert!(money >= 0 && total > 0);
    let amounts: Vec<i128> = match (p.mode, p.pay_with) {
        (ReconcileMode::Report, PayWith::Published) => {
            // the published value: money / (F × ρ) at `scale` decimals, then F_i × value × ρ
            let (rm, rs) = p.ratio;
            let value = round_to(money * 10i128.pow(rs) * 10i128.pow(p.scale), total * rm, 1, p.rounding);
            members
                .iter()
                .map(|m| round_to(m.floating * value * rm, 10i128.pow(p.scale + rs), p.unit, p.rounding))
                .collect()
        }
        (ReconcileMode::Report, PayWith::Exact) => {
            members.iter().map(|m| round_to(m.floating * money, total, p.unit, p.rounding)).collect()
        }
        (ReconcileMode::LargestRemainder, _) => {
            // whole units by Hamilton's method: floors first, then one more unit to each of
            // the largest remainders, ties to the smaller id
            let units = money / p.unit;
            let mut floors: Vec<i128> = members.iter().map(|m| units * m.floating / total).collect();
            let mut order: Vec<usize> = (0..members.len()).collect();
            order.sort_by(|&a, &b| {
                let (ra, rb) = (units * members[a].floating % total, units * members[b].floating % total);
                rb.cmp(&ra).then(members[a].id.cmp(members[b].id))
            });
            let left = units - floors.iter().sum::<i128>();
            for &i in order.iter().take(left as usize) {
                floors[i] += 1;
            }
            floors.into_iter().map(|u| u * p.unit).collect()
        }
    };
    let residual = money - amounts.iter().sum::<i128>();
    (amounts, residual)
}

/// The overspend shares a pool can pay (docs/dip.md, "The reserve cap"): when they add up to
/// more than `available` (the reserve and the surplus hospitals' savings), `available` split in
/// whole units in proportion to them — each the floor of its share, the units left one each to
/// the largest remainders, ties to the smaller id; else the shares as they are.
pub fn capped_shares(available: i128, shares: &[(&str, i128)], unit: i128) -> Vec<i128> {
    let total: i128 = shares.iter().map(|s| s.1).sum();
    if total <= available {
        return shares.iter().map(|s| s.1).collect();
    }
    let units = available / unit;
    let mut floors: Vec<i128> = shares.iter().map(|s| units * s.1 / total).collect();
    let mut order: Vec<usize> = (0..shares.len()).collect();
    order.sort_by(|&a, &b| {
        (units * shares[b].1 % total).cmp(&(units * shares[a].1 % total)).then(shares[a].0.cmp(shares[b].0))
    });
    let left = units - floors.iter().sum::<i128>();
    for &i in order.iter().take(left as usize) {
        floors[i] += 1;
    }
    floors.into_iter().map(|u| u * unit).collect()
}
