//! A quarterly clearing: join budgets, aggregated claims and interim payments into pools,
//! check them, and settle every pool (in parallel; each pool is independent).

use std::collections::{BTreeMap, HashMap};

use rayon::prelude::*;

use crate::config::{Config, OnInfeasible};
use crate::engine::point_value::Status;
use crate::engine::PoolOverflow;
use crate::number::{add, show, Overflow};
use crate::offenders::{list, Offenders};
use crate::period::Quarter;
use crate::taiwan::pool::{ClaimSums, Member, PoolInput, PoolKey};
use crate::taiwan::settlement::{settle_pool, SettledPool};

/// One row of the budgets table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BudgetRow {
    /// The pool.
    pub key: PoolKey,
    /// Its budget.
    pub budget: i128,
    /// Charges taken out before the float.
    pub charges: i128,
}

/// Claim sums of one institution in one pool (possibly one of several partial sums).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimAggregate {
    /// The institution.
    pub institution_id: String,
    /// The pool its claims settle in.
    pub pool: PoolKey,
    /// The claims' sums.
    pub sums: ClaimSums,
    /// Claim rows summed.
    pub rows: u64,
}

/// One row of the interim payments table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InterimRow {
    /// The institution paid.
    pub institution_id: String,
    /// The pool paid in.
    pub pool: PoolKey,
    /// The amount paid.
    pub amount: i128,
}

/// Why a quarter cannot be cleared (each message names the pools or rows).
#[allow(missing_docs)] // each variant's #[error] text says what it means and names its fields
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClearingError {
    #[error("claims or interim payments in {count} pool(s) that have no budget row:\n{}\nadd a row (sector, region, quarter, budget) for each to the budgets file, or restrict the run with --quarter", list(.pools, *.count))]
    NoBudget { pools: Vec<String>, count: usize },
    #[error("{count} institution/pool total(s) are negative (correction rows may be negative, their sum per institution and pool may not):\n{}\nfix or remove the correction rows of these institutions", list(.items, *.count))]
    Negative { items: Vec<String>, count: usize },
    #[error("{count} pool(s) are infeasible: fixed-value payments and charges exceed the budget:\n{}\ncheck the budget and the drug/protected points of these pools, or set [pool] on_infeasible = \"zero\" to settle them at point value 0", list(.pools, *.count))]
    Infeasible { pools: Vec<String>, count: usize },
    #[error(transparent)]
    Overflow(#[from] Overflow),
    #[error(transparent)]
    PoolOverflow(#[from] PoolOverflow),
}

/// Builds one [`PoolInput`] per budget row (in `quarters`, if given), summing partial claim
/// sums and interim rows per institution. Pools come out sorted by key, members by id.
pub fn assemble(
    budgets: Vec<BudgetRow>,
    claims: Vec<ClaimAggregate>,
    interim: Vec<InterimRow>,
    quarters: Option<&[Quarter]>,
) -> Result<Vec<PoolInput>, ClearingError> {
    let selected = |q: &Quarter| quarters.is_none_or(|qs| qs.contains(q));
    let budgets: BTreeMap<PoolKey, BudgetRow> =
        budgets.into_iter().filter(|b| selected(&b.key.quarter)).map(|b| (b.key.clone(), b)).collect();
    let mut pools = Pools {
        index: budgets.keys().enumerate().map(|(k, key)| (key.clone(), k)).collect(),
        pools: budgets.into_values().map(|b| (b, Members::default())).collect(),
    };

    let mut missing: BTreeMap<PoolKey, ()> = BTreeMap::new();
    for c in claims.into_iter().filter(|c| selected(&c.pool.quarter)) {
        if let Some(m) = member(&mut pools, &mut missing, c.institution_id, &c.pool) {
            m.sums.add(&c.sums)?;
            m.has_claims = true;
        }
    }
    for i in interim.into_iter().filter(|i| selected(&i.pool.quarter)) {
        if let Some(m) = member(&mut pools, &mut missing, i.institution_id, &i.pool) {
            m.interim_paid = add(m.interim_paid, i.amount, "interim_paid")?;
        }
    }
    if !missing.is_empty() {
        let mut o = Offenders::default();
        missing.keys().for_each(|k| o.push(|| k.to_string()));
        return Err(ClearingError::NoBudget { pools: o.items, count: o.count });
    }

    // each pool's members in institution order: the order of every output
    let pools: Vec<(BudgetRow, Vec<Member>)> = pools
        .pools
        .into_iter()
        .map(|(b, members)| {
            let mut members: Vec<Member> = members.into_values().collect();
            members.sort_unstable_by(|a, b| a.institution_id.cmp(&b.institution_id));
            (b, members)
        })
        .collect();
    let mut negative = Offenders::default();
    for (b, members) in &pools {
        let key = &b.key;
        for m in members {
            if let Some((column, value)) = m.sums.first_negative() {
                negative
                    .push(|| format!("institution {} in {key}: {column} sums to {}", m.institution_id, show(value)));
            } else if m.interim_paid < 0 {
                negative.push(|| {
                    format!("institution {} in {key}: interim_paid sums to {}", m.institution_id, show(m.interim_paid))
                });
            }
        }
    }
    if negative.count > 0 {
        return Err(ClearingError::Negative { items: negative.items, count: negative.count });
    }

    Ok(pools
        .into_iter()
        .map(|(b, members)| PoolInput { key: b.key, budget: b.budget, charges: b.charges, members })
        .collect())
}

/// The budgeted pools in key order, each with its members by institution (sorted once at the
/// end), and each pool's place by its key (a hash lookup per claim and interim row).
struct Pools {
    pools: Vec<(BudgetRow, Members)>,
    index: HashMap<PoolKey, usize, foldhash::fast::FixedState>,
}

/// A pool's members by institution id (a fast hash: ids are the bureau's, not an attacker's).
type Members = HashMap<String, Member, foldhash::fast::FixedState>;

/// The member `institution_id` of `pool`, created empty; `None` (and noted) if the pool has no budget.
fn member<'a>(
    pools: &'a mut Pools,
    missing: &mut BTreeMap<PoolKey, ()>,
    institution_id: String,
    pool: &PoolKey,
) -> Option<&'a mut Member> {
    let Some(&k) = pools.index.get(pool) else {
        missing.insert(pool.clone(), ());
        return None;
    };
    let members = &mut pools.pools[k].1;
    Some(members.entry(institution_id).or_insert_with_key(|id| Member {
        institution_id: id.clone(),
        sums: ClaimSums::default(),
        interim_paid: 0,
        has_claims: false,
    }))
}

/// Settles every pool. Fails, naming the pools, if any is infeasible and the config says so.
pub fn clear(pools: &[PoolInput], config: &Config) -> Result<Vec<SettledPool>, ClearingError> {
    let settled: Vec<SettledPool> = pools
        .par_iter()
        .map(|p| settle_pool(p, config).map_err(PoolOverflow::of(&p.key)).map_err(ClearingError::from))
        .collect::<Result<_, _>>()?;
    if config.pool.on_infeasible == OnInfeasible::Error {
        let unit = config.money.unit;
        let money = |v: i128| crate::number::format_fixed(unit.to_output(v), unit.decimals);
        let mut o = Offenders::default();
        for (p, s) in pools.iter().zip(&settled) {
            if s.point_value.status == Status::Infeasible {
                o.push(|| {
                    format!(
                        "{}: budget {} − charges {} − fixed amounts {} = {}",
                        p.key,
                        money(p.budget),
                        money(p.charges),
                        money(s.totals.fixed_amount),
                        money(s.point_value.floating_money)
                    )
                });
            }
        }
        if o.count > 0 {
            return Err(ClearingError::Infeasible { pools: o.items, count: o.count });
        }
    }
    Ok(settled)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::number::ONE;

    fn key(sector: &str, q: u8) -> PoolKey {
        PoolKey { sector: sector.into(), region: "north".into(), quarter: Quarter::new(2026, q).unwrap() }
    }
    fn claim(id: &str, pool: PoolKey, claimed: i128, drug: i128) -> ClaimAggregate {
        ClaimAggregate {
            institution_id: id.into(),
            pool,
            sums: ClaimSums { claimed: claimed * ONE, drug: drug * ONE, ..ClaimSums::default() },
            rows: 1,
        }
    }
    fn budget(pool: PoolKey, amount: i128) -> BudgetRow {
        BudgetRow { key: pool, budget: amount * ONE, charges: 0 }
    }

    #[test]
    fn partial_sums_are_added_and_corrections_may_be_negative() {
        let pools = assemble(
            vec![budget(key("dental", 1), 1_000)],
            vec![
                claim("A", key("dental", 1), 100, 10),
                claim("A", key("dental", 1), -20, 0),
                claim("B", key("dental", 1), 5, 0),
            ],
            vec![],
            None,
        )
        .unwrap();
        assert_eq!(pools[0].members.len(), 2);
        assert_eq!(pools[0].members[0].sums.claimed, 80 * ONE);
    }

    #[test]
    fn claims_without_budget_and_negative_totals_are_named() {
        let err = assemble(vec![budget(key("dental", 1), 1)], vec![claim("A", key("hospital", 1), 1, 0)], vec![], None)
            .unwrap_err();
        assert!(err.to_string().contains("sector=hospital region=north quarter=2026Q1"), "{err}");
        let err = assemble(vec![budget(key("dental", 1), 1)], vec![claim("A", key("dental", 1), 5, 10)], vec![], None)
            .unwrap_err();
        assert!(
            err.to_string().contains("institution A in sector=dental region=north quarter=2026Q1: floating points"),
            "{err}"
        );
        let err = assemble(vec![budget(key("dental", 1), 1)], vec![claim("A", key("dental", 1), -5, 0)], vec![], None)
            .unwrap_err();
        assert!(err.to_string().contains("claimed_points sums to -5"), "{err}");
    }

    #[test]
    fn quarter_filter_and_interim_only_members() {
        let pools = assemble(
            vec![budget(key("dental", 1), 1_000), budget(key("dental", 2), 1_000)],
            vec![claim("A", key("dental", 1), 100, 0), claim("A", key("hospital", 2), 1, 0)],
            vec![InterimRow { institution_id: "Z".into(), pool: key("dental", 1), amount: 50 * ONE }],
            Some(&[Quarter::new(2026, 1).unwrap()]),
        )
        .unwrap();
        assert_eq!(pools.len(), 1);
        let settled = clear(&pools, &Config::default()).unwrap();
        let z = &settled[0].settlements[1];
        assert_eq!((z.institution_id.as_str(), z.adjustment), ("Z", -50 * ONE));
        assert_eq!(settled[0].institutions, 1);
    }

    #[test]
    fn infeasible_pools_fail_the_run_unless_zeroed() {
        let pools =
            assemble(vec![budget(key("dental", 1), 5)], vec![claim("A", key("dental", 1), 100, 10)], vec![], None)
                .unwrap();
        let err = clear(&pools, &Config::default()).unwrap_err();
        assert!(err.to_string().contains("budget 5 − charges 0 − fixed amounts 10 = -5"), "{err}");
        let mut config = Config::default();
        config.pool.on_infeasible = OnInfeasible::Zero;
        let settled = clear(&pools, &config).unwrap();
        assert_eq!((settled[0].point_value.status, settled[0].residual), (Status::Infeasible, -5 * ONE));
    }
}
