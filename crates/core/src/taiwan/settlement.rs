//! Re-settling every provider of a pool (docs/settle.md, Arithmetic, steps 1, 2, 5 and 6).
//!
//! ```text
//! fixed_amount_i    = round_money(drug_i × fixed_value.drug + protected_i × fixed_value.protected)
//! floating_amount_i = round_money(F_i × fpv)                 report + published
//!                   = round_money(F_i × floating_money / F)  report + exact
//!                   = Hamilton share of floating_money        largest_remainder
//! gross_i = fixed_amount_i + floating_amount_i; payable_i = gross_i − copayment_i
//! adjustment_i = payable_i − interim_paid_i   (> 0 pay the provider, < 0 recover)
//! ```

use crate::config::Config;
use crate::engine::point_value::{PointValue, PoolTotals};
use crate::engine::solve::{solve_pool, summed, Share};
use crate::number::{add, mul, pow10, sub, Dec, Overflow};
use crate::taiwan::pool::{ClaimSums, Member, PoolInput};

/// One settlement row: an institution in a pool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settlement {
    /// The institution.
    pub institution_id: String,
    /// Its claims' sums.
    pub sums: ClaimSums,
    /// claimed − drug − protected − deducted.
    pub floating_points: i128,
    /// Money for its drug and protected points.
    pub fixed_amount: i128,
    /// Money for its floating points.
    pub floating_amount: i128,
    /// fixed + floating amount.
    pub gross_amount: i128,
    /// gross − copayment: what it is owed.
    pub payable: i128,
    /// What it was paid in interim.
    pub interim_paid: i128,
    /// payable − interim: to pay (> 0) or recover (< 0).
    pub adjustment: i128,
}

/// A settled pool: its point values, totals and every provider's settlement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettledPool {
    /// The pool's totals.
    pub totals: PoolTotals,
    /// Σ of every claim column over the pool's institutions.
    pub sums: ClaimSums,
    /// Institutions in the pool.
    pub institutions: usize,
    /// Its point values.
    pub point_value: PointValue,
    /// Σ (fixed + floating amount).
    pub distributed: i128,
    /// budget − charges − distributed.
    pub residual: i128,
    /// Every institution's settlement, sorted by id.
    pub settlements: Vec<Settlement>,
}

/// `drug × fixed_value.drug + protected × fixed_value.protected`, rounded once to the unit.
pub fn fixed_amount(sums: &ClaimSums, config: &Config) -> Result<i128, Overflow> {
    let (d, p) = (Dec::from(config.fixed_value.drug), Dec::from(config.fixed_value.protected));
    let scale = d.scale.max(p.scale);
    let num = add(
        mul(mul(sums.drug, d.mantissa, "drug amount")?, pow10(scale - d.scale)?, "drug amount")?,
        mul(mul(sums.protected, p.mantissa, "protected amount")?, pow10(scale - p.scale)?, "protected amount")?,
        "fixed amount",
    )?;
    config.money.unit.round(num, pow10(scale)?, config.money.rounding)
}

/// A Taiwan pool as the pool arithmetic sees it, with `budget` and each member's claim sums
/// `member_sums[i]` (its own, or a scenario's volume overlay of them): its base totals, one share
/// per member (in member order) and the members' summed claims.
fn pool_shares<'a>(
    pool: &'a PoolInput,
    budget: i128,
    member_sums: &[ClaimSums],
    config: &Config,
) -> Result<(PoolTotals, Vec<Share<'a>>, ClaimSums), Overflow> {
    let cap = config.point_value.cap_of(&pool.key.sector, &pool.key.region);
    let mut base = PoolTotals { budget, charges: pool.charges, cap, ..PoolTotals::default() };
    let mut sums = ClaimSums::default();
    let mut shares = Vec::with_capacity(pool.members.len());
    for (m, s) in pool.members.iter().zip(member_sums) {
        shares.push(Share {
            id: &m.institution_id,
            floating_points: s.floating(),
            fixed_amount: fixed_amount(s, config)?,
        });
        base.fixed_points = add(base.fixed_points, add(s.drug, s.protected, "fixed points")?, "Σ fixed points")?;
        base.has_claims |= m.has_claims;
        sums.add(s)?;
    }
    Ok((base, shares, sums))
}

fn own_sums(pool: &PoolInput) -> Vec<ClaimSums> {
    pool.members.iter().map(|m| m.sums).collect()
}

/// The totals a Taiwan pool's point value depends on, without settling its members
/// (what a scenario's attribution solves many times).
pub fn pool_totals(pool: &PoolInput, config: &Config) -> Result<PoolTotals, Overflow> {
    pool_totals_with(pool, &own_sums(pool), config)
}

/// [`pool_totals`] with each member's claim sums replaced by `member_sums[i]`.
pub fn pool_totals_with(pool: &PoolInput, member_sums: &[ClaimSums], config: &Config) -> Result<PoolTotals, Overflow> {
    let (base, shares, _) = pool_shares(pool, pool.budget, member_sums, config)?;
    summed(base, &shares)
}

/// Settles one pool: its point values and every provider's settlement.
pub fn settle_pool(pool: &PoolInput, config: &Config) -> Result<SettledPool, Overflow> {
    settle_with(pool, pool.budget, &own_sums(pool), config, true)
}

/// Settles `pool` with `budget` and each member's claim sums `member_sums[i]`; the members'
/// settlement rows only when `rows` (a scenario without --settlements needs the pool's figures
/// alone).
pub fn settle_with(
    pool: &PoolInput,
    budget: i128,
    member_sums: &[ClaimSums],
    config: &Config,
    rows: bool,
) -> Result<SettledPool, Overflow> {
    let unit = config.money.unit;
    let (base, shares, sums) = pool_shares(pool, budget, member_sums, config)?;
    let solved = solve_pool(base, &shares, config)?;
    let members: &[Member] = if rows { &pool.members } else { &[] };

    let mut settlements = Vec::with_capacity(members.len());
    for (((m, share), floating_amount), s) in members.iter().zip(&shares).zip(&solved.floating_amounts).zip(member_sums)
    {
        let gross_amount = add(share.fixed_amount, *floating_amount, "gross amount")?;
        let payable = sub(gross_amount, s.copayment, "payable")?;
        settlements.push(Settlement {
            institution_id: m.institution_id.clone(),
            sums: *s,
            floating_points: share.floating_points,
            fixed_amount: share.fixed_amount,
            floating_amount: *floating_amount,
            gross_amount,
            payable,
            interim_paid: m.interim_paid,
            adjustment: sub(payable, m.interim_paid, "adjustment")?,
        });
    }
    debug_assert!(settlements.iter().all(|s| unit.is_multiple(s.gross_amount)));
    Ok(SettledPool {
        totals: solved.totals,
        sums,
        institutions: pool.members.iter().filter(|m| m.has_claims).count(),
        point_value: solved.point_value,
        distributed: solved.distributed,
        residual: solved.residual,
        settlements,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{PayWith, ReconcileMode};
    use crate::number::ONE;
    use crate::period::Quarter;
    use crate::taiwan::pool::{Member, PoolKey};

    fn member(id: &str, claimed: i128, drug: i128, copayment: i128, interim: i128) -> Member {
        Member {
            institution_id: id.into(),
            sums: ClaimSums {
                claimed: claimed * ONE,
                drug: drug * ONE,
                protected: 0,
                deducted: 0,
                copayment: copayment * ONE,
            },
            interim_paid: interim * ONE,
            has_claims: true,
        }
    }

    fn pool(budget: i128, members: Vec<Member>) -> PoolInput {
        PoolInput {
            key: PoolKey { sector: "dental".into(), region: "east".into(), quarter: Quarter::new(2026, 1).unwrap() },
            budget: budget * ONE,
            charges: 0,
            members,
        }
    }

    #[test]
    fn report_mode_reports_the_residual_and_largest_remainder_closes_it() {
        // three providers with 1 floating point each share 100: 33.33… each
        let p = pool(100, vec![member("a", 1, 0, 0, 0), member("b", 1, 0, 0, 0), member("c", 1, 0, 0, 0)]);
        let mut config = Config::default();
        let report = settle_pool(&p, &config).unwrap();
        assert_eq!(report.point_value.fpv, Some(333_333)); // 33.3333
        assert!(report.settlements.iter().all(|s| s.floating_amount == 33 * ONE));
        assert_eq!(report.residual, ONE);
        config.reconcile.mode = ReconcileMode::LargestRemainder;
        let lr = settle_pool(&p, &config).unwrap();
        let amounts: Vec<i128> = lr.settlements.iter().map(|s| s.floating_amount / ONE).collect();
        assert_eq!(amounts, vec![34, 33, 33]);
        assert_eq!(lr.residual, 0);
    }

    #[test]
    fn exact_pay_rounds_once_per_provider() {
        // fpv_exact = 2/3: a provider with 3,000 points gets 2,000 exactly, not 3,000 × 0.6667
        let p = pool(2_000, vec![member("a", 3_000, 0, 0, 0)]);
        let mut config = Config::default();
        assert_eq!(settle_pool(&p, &config).unwrap().settlements[0].floating_amount, 2_000 * ONE);
        // fpv 2/3 published as 0.6667: 29,999 × 0.6667 = 20,000.33 but 29,999 × 2/3 = 19,999.33
        let p = pool(20_000, vec![member("a", 29_999, 0, 0, 0), member("b", 1, 0, 0, 0)]);
        let published = settle_pool(&p, &config).unwrap();
        config.point_value.pay_with = PayWith::Exact;
        let exact = settle_pool(&p, &config).unwrap();
        assert_eq!(published.settlements[0].floating_amount, 20_000 * ONE);
        assert_eq!(exact.settlements[0].floating_amount, 19_999 * ONE);
        assert_eq!((published.residual, exact.residual), (-ONE, 0));
    }

    #[test]
    fn golden_provider_payable() {
        // the golden pool of docs/settle.md at fpv 0.8725; the provider: 1,000,000 floating points,
        // 150,000 drug points, 26,175 copayment, 900,000 interim → payable 996,325
        let provider = member("P001", 1_150_000, 150_000, 26_175, 900_000);
        let rest = Member {
            institution_id: "P999".into(),
            sums: ClaimSums {
                claimed: 11_000_000_000 * ONE - 1_150_000 * ONE,
                drug: 3_000_000_000 * ONE - 150_000 * ONE,
                ..ClaimSums::default()
            },
            interim_paid: 0,
            has_claims: true,
        };
        let mut p = pool(10_000_000_000, vec![provider, rest]);
        p.charges = 20_000_000 * ONE;
        let settled = settle_pool(&p, &Config::default()).unwrap();
        assert_eq!(settled.point_value.fpv, Some(8725));
        let s = &settled.settlements[0];
        assert_eq!(s.fixed_amount, 150_000 * ONE);
        assert_eq!(s.floating_amount, 872_500 * ONE);
        assert_eq!(s.payable, 996_325 * ONE);
        assert_eq!(s.adjustment, 96_325 * ONE);
    }

    #[test]
    fn fixed_values_other_than_one() {
        let mut config = Config::default();
        config.fixed_value.drug = "0.95".parse().unwrap();
        config.fixed_value.protected = "1.1".parse().unwrap();
        let sums = ClaimSums { drug: 1_001 * ONE, protected: 5 * ONE, ..ClaimSums::default() };
        // 950.95 + 5.5 = 956.45 → 956 half_up
        assert_eq!(fixed_amount(&sums, &config).unwrap(), 956 * ONE);
    }
}
