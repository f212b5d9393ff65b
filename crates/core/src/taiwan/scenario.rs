//! A quarter's scenarios (docs/analysts.md): budget and volume overlays on its pools, each
//! scenario re-solved and every pool's change of point value attributed by
//! [`crate::engine::attribution`].

use rayon::prelude::*;

use crate::config::{Config, OnInfeasible};
use crate::engine::attribution::{effects_of, overlaid_budgets, Change, ScenarioError};
use crate::engine::point_value::Status;
use crate::number::{add, div_round, mul, pow10, show, Overflow, Rounding, SCALE};
use crate::offenders::Offenders;
use crate::taiwan::pool::{ClaimSums, Member, PoolInput, PoolKey};
use crate::taiwan::settlement::{pool_totals, pool_totals_with, settle_with, SettledPool};

/// One overlay entry: the rows it matches (`None` matches any) and its change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The sector matched (`None`: any).
    pub sector: Option<String>,
    /// The region matched (`None`: any).
    pub region: Option<String>,
    /// The quarter matched (`None`: any).
    pub quarter: Option<crate::period::Quarter>,
    /// Volume entries only.
    pub institution_id: Option<String>,
    /// What the entry does.
    pub change: Change,
}

impl Entry {
    fn matches_pool(&self, key: &PoolKey) -> bool {
        self.sector.as_ref().is_none_or(|s| *s == key.sector)
            && self.region.as_ref().is_none_or(|r| *r == key.region)
            && self.quarter.is_none_or(|q| q == key.quarter)
    }
}

/// A quarter's scenario: its entries match pools by sector, region and quarter.
pub type Scenario = crate::engine::attribution::Scenario<Entry>;

/// A scenario's overlays applied: each pool's budget, and each member's claim sums (in member
/// order, per pool) — the budget overlays alone and the volume overlays alone are the
/// attribution's corners.
struct Overlaid {
    budgets: Vec<i128>,
    volumes: Vec<Vec<ClaimSums>>,
}

fn overlay(pools: &[PoolInput], s: &Scenario) -> Result<Overlaid, ScenarioError> {
    let rounding = s.config.money.rounding;
    let overflow = |source| ScenarioError::Overflow { scenario: s.name.clone(), source };

    let keys: Vec<&PoolKey> = pools.iter().map(|p| &p.key).collect();
    let budgets = overlaid_budgets(
        pools.iter().map(|p| p.budget).collect(),
        &keys,
        s,
        |e: &Entry, k| e.matches_pool(k).then_some(e.change),
        ("budget row", "sector/region/quarter"),
    )?;

    // the members' sums only, not the members: a hundred scenarios of a province would
    // otherwise copy every institution's id a hundred times
    let mut volumes: Vec<Vec<ClaimSums>> = pools.iter().map(|p| p.members.iter().map(|m| m.sums).collect()).collect();
    for (n, e) in s.volume.iter().enumerate() {
        let mut matched = false;
        let mut negative = Offenders::default();
        for (p, sums) in pools.iter().zip(&mut volumes).filter(|(p, _)| e.matches_pool(&p.key)) {
            for (m, sums) in p.members.iter().zip(sums.iter_mut()).filter(|(m, _)| m.has_claims) {
                if e.institution_id.as_ref().is_some_and(|id| *id != m.institution_id) {
                    continue;
                }
                matched = true;
                *sums = scaled(*sums, e.change, rounding).map_err(overflow)?;
                if let Some((column, value)) = sums.first_negative() {
                    negative.push(|| {
                        format!("institution {} in {}: {column} becomes {}", m.institution_id, p.key, show(value))
                    });
                }
            }
        }
        if !matched {
            return Err(ScenarioError::NoMatch {
                scenario: s.name.clone(),
                kind: "volume",
                entry: n + 1,
                what: "aggregate (institution with claims in a pool)",
                keys: "sector/region/quarter/institution_id",
            });
        }
        if negative.count > 0 {
            return Err(ScenarioError::NegativeVolume {
                scenario: s.name.clone(),
                entry: n + 1,
                items: negative.items,
                count: negative.count,
            });
        }
    }
    Ok(Overlaid { budgets, volumes })
}

/// Volume scales the points (never copayment or interim), each rounded once to 4 decimals;
/// an add adds claimed points.
fn scaled(sums: ClaimSums, change: Change, rounding: Rounding) -> Result<ClaimSums, Overflow> {
    match change {
        Change::Add(points) => Ok(ClaimSums { claimed: add(sums.claimed, points, "claimed points + add")?, ..sums }),
        Change::Scale(f) => {
            let den = pow10(f.scale)?;
            let scale = |v: i128| -> Result<i128, Overflow> {
                Ok(div_round(mul(v, f.mantissa, "points × scale")?, den, rounding))
            };
            debug_assert_eq!(SCALE, 4, "points are held at 4 decimals");
            Ok(ClaimSums {
                claimed: scale(sums.claimed)?,
                drug: scale(sums.drug)?,
                protected: scale(sums.protected)?,
                deducted: scale(sums.deducted)?,
                copayment: sums.copayment,
            })
        }
    }
}

/// One scenario solved: its pools (overlays applied), settled pools, and per pool the
/// attribution of the exact fpv change (`None` where any fpv involved is empty).
pub struct Solved {
    /// The pools with the overlays applied.
    pub pools: Vec<PoolInput>,
    /// The pools settled.
    pub settled: Vec<SettledPool>,
    /// Per pool, the (budget, volume, config) effects on the exact point value.
    pub effects: Vec<Option<[i128; 3]>>,
}

/// Solves every scenario against `baseline` (pools and settled pools of the run's config),
/// in parallel; results come back in scenario order. Without `members`, each scenario's
/// members and settlements are dropped once solved (only the pools' figures are kept: a
/// hundred scenarios of a province would otherwise hold a hundred copies of every institution).
pub fn solve(
    pools: &[PoolInput],
    baseline: &[SettledPool],
    base_config: &Config,
    scenarios: &[Scenario],
    members: bool,
) -> Result<Vec<Solved>, ScenarioError> {
    scenarios.par_iter().map(|s| solve_one(pools, baseline, base_config, s, members)).collect()
}

fn solve_one(
    pools: &[PoolInput],
    baseline: &[SettledPool],
    base_config: &Config,
    s: &Scenario,
    members: bool,
) -> Result<Solved, ScenarioError> {
    let overflow = |source| ScenarioError::Overflow { scenario: s.name.clone(), source };
    let Overlaid { budgets, volumes } = overlay(pools, s)?;
    let settled: Vec<SettledPool> = pools
        .iter()
        .zip(&budgets)
        .zip(&volumes)
        .map(|((p, budget), sums)| settle_with(p, *budget, sums, &s.config, members))
        .collect::<Result<_, _>>()
        .map_err(overflow)?;
    if s.config.pool.on_infeasible == OnInfeasible::Error {
        let mut o = Offenders::default();
        for (p, r) in pools.iter().zip(&settled) {
            if r.point_value.status == Status::Infeasible {
                o.push(|| format!("{}: floating money {}", p.key, show(r.point_value.floating_money)));
            }
        }
        if o.count > 0 {
            return Err(ScenarioError::Infeasible { scenario: s.name.clone(), pools: o.items, count: o.count });
        }
    }

    // a corner that switches on a group the scenario does not have is the corner without it,
    // and the two ends are the baseline's and the scenario's own totals: only the corners with
    // one of two changed groups on are summed anew
    let (volume, config) = (!s.volume.is_empty(), s.config != *base_config);
    let mut effects = Vec::with_capacity(pools.len());
    for (i, p) in pools.iter().enumerate() {
        let corner = |v: bool, c: bool| {
            let (v, c) = (v && volume, c && config);
            let config = if c { &s.config } else { base_config };
            let totals = match (v, c) {
                (false, false) => baseline[i].totals,
                (true, true) => settled[i].totals,
                (true, false) => pool_totals_with(p, &volumes[i], config)?,
                (false, true) => pool_totals(p, config)?,
            };
            Ok((totals, config))
        };
        let ends = ((&baseline[i].totals, &baseline[i].point_value), (&settled[i].totals, &settled[i].point_value));
        effects.push(effects_of(ends, (p.budget, budgets[i]), corner).map_err(overflow)?);
    }
    // the pools as the scenario has them: with their members (and sums) only when asked for
    let pools = pools
        .iter()
        .zip(&budgets)
        .zip(volumes)
        .map(|((p, budget), sums)| PoolInput {
            key: p.key.clone(),
            budget: *budget,
            charges: p.charges,
            members: if members {
                p.members.iter().zip(sums).map(|(m, sums)| Member { sums, ..m.clone() }).collect()
            } else {
                Vec::new()
            },
        })
        .collect();
    Ok(Solved { pools, settled, effects })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::number::Dec;
    use crate::number::ONE;
    use crate::period::Quarter;
    use crate::taiwan::pool::Member;
    use crate::taiwan::settlement::settle_pool;

    fn member(id: &str, claimed: i128, drug: i128) -> Member {
        Member {
            institution_id: id.into(),
            sums: ClaimSums { claimed: claimed * ONE, drug: drug * ONE, ..ClaimSums::default() },
            interim_paid: 0,
            has_claims: true,
        }
    }

    fn pool() -> PoolInput {
        PoolInput {
            key: PoolKey { sector: "hospital".into(), region: "north".into(), quarter: Quarter::new(2026, 1).unwrap() },
            budget: 1000 * ONE,
            charges: 0,
            members: vec![member("a", 600, 200), member("b", 400, 0)],
        }
    }

    fn run(s: Scenario) -> Solved {
        let config = Config::default();
        let pools = vec![pool()];
        let baseline: Vec<SettledPool> = pools.iter().map(|p| settle_pool(p, &config).unwrap()).collect();
        solve(&pools, &baseline, &config, &[s], true).unwrap().pop().unwrap()
    }

    /// Computed by hand: budget 1000, claimed 1000 of which drug 200 at 1, floating 800.
    /// f(∅) = (1000 − 200) / 800 = 1.
    /// budget ×1.1 → 1100; volume ×1.5 → claimed 1500, drug 300, floating 1200;
    /// drug at 0.5 → fixed 100 (or 150 with the volume).
    /// f(B) = 900/800 = 1.125      f(V) = 700/1200 = 0.58333…    f(C) = 900/800 = 1.125
    /// f(BV) = 800/1200 = 0.6666…  f(BC) = 1000/800 = 1.25        f(VC) = 850/1200 = 0.708333…
    /// f(BVC) = 950/1200 = 0.791666…
    /// φ_B = [2(0.125) + (0.083333…) + (0.125) + 2(0.083333…)] / 6 = 0.104166…
    /// φ_V = [2(−0.416666…) + (−0.458333…) + (−0.416666…) + 2(−0.458333…)] / 6 = −0.4375
    /// φ_C = [2(0.125) + (0.125) + (0.125) + 2(0.125)] / 6 = 0.125
    /// sum = −0.2083333… = 0.791666… − 1.
    #[test]
    fn shapley_on_a_hand_computed_pool() {
        let mut config = Config::default();
        config.fixed_value.drug = rust_decimal::Decimal::new(5, 1);
        let s = Scenario {
            name: "all three".into(),
            budget: vec![Entry {
                sector: None,
                region: None,
                quarter: None,
                institution_id: None,
                change: Change::Scale(Dec::new(11, 1)),
            }],
            volume: vec![Entry {
                sector: None,
                region: Some("north".into()),
                quarter: None,
                institution_id: None,
                change: Change::Scale(Dec::new(15, 1)),
            }],
            config,
        };
        let r = run(s);
        let pv = r.settled[0].point_value;
        assert_eq!(pv.fpv_exact, Some(791_666_666_666_666_667));
        let [b, v, c] = r.effects[0].unwrap();
        // φ_B = 0.1041666…67 (takes the unit left over: largest remainder), φ_V = −0.4375, φ_C = 0.125
        assert_eq!(c, 125_000_000_000_000_000);
        assert_eq!(b, 104_166_666_666_666_667);
        assert_eq!(v, -437_500_000_000_000_000);
        assert_eq!(b + v + c, 791_666_666_666_666_667 - 1_000_000_000_000_000_000);
    }

    #[test]
    fn a_single_factor_takes_the_whole_change() {
        let s = Scenario {
            name: "budget".into(),
            budget: vec![Entry {
                sector: Some("hospital".into()),
                region: None,
                quarter: None,
                institution_id: None,
                change: Change::Add(100 * ONE),
            }],
            volume: vec![],
            config: Config::default(),
        };
        let r = run(s);
        // (1100 − 200) / 800 = 1.125
        assert_eq!(r.effects[0], Some([125_000_000_000_000_000, 0, 0]));
    }

    #[test]
    fn entries_that_match_nothing_or_go_negative_are_refused() {
        let config = Config::default();
        let pools = vec![pool()];
        let baseline: Vec<SettledPool> = pools.iter().map(|p| settle_pool(p, &config).unwrap()).collect();
        let entry = |region: &str, change| Entry {
            sector: None,
            region: Some(region.into()),
            quarter: None,
            institution_id: None,
            change,
        };
        let s = |budget, volume| Scenario { name: "x".into(), budget, volume, config: config.clone() };
        let err = |sc| solve(&pools, &baseline, &config, &[sc], false).err().unwrap().to_string();
        assert!(
            err(s(vec![entry("south", Change::Add(ONE))], vec![])).contains("budget entry 1: matches no budget row")
        );
        assert!(err(s(vec![entry("north", Change::Add(-2000 * ONE))], vec![])).contains("negative (-1000)"));
        let e = err(s(vec![], vec![entry("north", Change::Add(-700 * ONE))]));
        assert!(e.contains("volume entry 1") && e.contains("institution a") && e.contains("institution b"), "{e}");
    }
}
