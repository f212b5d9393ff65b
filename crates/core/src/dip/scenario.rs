//! DIP scenarios (docs/analysts.md, "DIP what-if"): overlays on a year's pools — budget entries
//! on the funds rows, volume entries on each hospital's per-pool sums, a config of any DIP key —
//! each re-cleared, and the change of every pool's exact point value attributed to budget,
//! volume and config by the same Shapley machinery as the Taiwan quarter's
//! ([`crate::taiwan::scenario`]).
//!
//! A scenario whose config changes scoring is given its pools scored under that config by the
//! caller (a rescan of the cases); the attribution's corners without the config group use the
//! baseline's scores and config, its overlays always round with the scenario's rounding.

use rayon::prelude::*;

use crate::config::Config;
use crate::dip::clearing::{clear, pool_totals, ClearedPool, DipError, DipPool, DipPoolKey};
use crate::engine::attribution::{effects_of, overlaid_budgets, Change, Scenario, ScenarioError};
use crate::number::{div_round, mul, pow10, Overflow, SCALE};

/// One overlay entry of a DIP scenario: the pools (and, for volume, hospitals) it matches
/// (`None` matches any) and its change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DipEntry {
    /// The region matched (`None`: any).
    pub region: Option<String>,
    /// The fund matched (`None`: any).
    pub fund: Option<String>,
    /// The year matched (`None`: any).
    pub year: Option<i32>,
    /// Volume entries only.
    pub institution_id: Option<String>,
    /// What the entry does.
    pub change: Change,
}

impl DipEntry {
    fn matches_pool(&self, key: &DipPoolKey) -> bool {
        self.region.as_ref().is_none_or(|r| *r == key.region)
            && self.fund.as_ref().is_none_or(|f| *f == key.fund)
            && self.year.is_none_or(|y| y == key.year)
    }
}

/// A DIP year's scenario: its entries match pools by region, fund and year.
pub type DipScenario = Scenario<DipEntry>;

/// Whether `s` scores cases differently from `base` (its scores need a rescan), or grades the
/// hospitals' assessment otherwise (their coefficients are made with the pools).
pub fn rescores(s: &DipScenario, base: &Config) -> bool {
    s.config.dip.score != base.dip.score
        || s.config.dip.outliers != base.dip.outliers
        || s.config.money.rounding != base.money.rounding
        || s.config.dip.assessment != base.dip.assessment
}

/// One scenario cleared: its pools (overlays applied), cleared pools, and per pool the
/// attribution of the exact pv change (`None` where any pv involved is empty).
pub struct DipSolved {
    /// The pools with the overlays applied.
    pub pools: Vec<DipPool>,
    /// The pools cleared.
    pub cleared: Vec<ClearedPool>,
    /// Per pool, the (budget, volume, config) effects on the exact point value.
    pub effects: Vec<Option<[i128; 3]>>,
}

/// The funds rows' budgets with the scenario's budget entries applied in file order.
fn budgets(pools: &[DipPool], s: &DipScenario) -> Result<Vec<i128>, ScenarioError> {
    let keys: Vec<&DipPoolKey> = pools.iter().map(|p| &p.fund.key).collect();
    overlaid_budgets(
        pools.iter().map(|p| p.fund.budget).collect(),
        &keys,
        s,
        |e: &DipEntry, k| e.matches_pool(k).then_some(e.change),
        ("funds row", "region/fund/year"),
    )
}

/// `pools` with the scenario's volume entries applied in file order: each multiplies a matched
/// hospital's total score (to `dip.score.scale`), its item amount and its at-cost amount (to the
/// unit), each rounded once with the scenario's rounding; case counts stay.
fn volumes(pools: &[DipPool], s: &DipScenario) -> Result<Vec<DipPool>, ScenarioError> {
    let overflow = |source| ScenarioError::Overflow { scenario: s.name.clone(), source };
    let (unit, rounding) = (s.config.money.unit, s.config.money.rounding);
    let score_unit = pow10(SCALE - s.config.dip.score.scale).map_err(overflow)?;
    let mut out = pools.to_vec();
    for (n, e) in s.volume.iter().enumerate() {
        let Change::Scale(f) = e.change else {
            unreachable!("volume entries are scales (checked when read)");
        };
        // scores and costs are never negative, and a hospital scaled to nothing still has its cases
        if !f.is_positive() {
            return Err(ScenarioError::VolumeScale { scenario: s.name.clone(), entry: n + 1, value: f.to_string() });
        }
        let den = pow10(f.scale).map_err(overflow)?;
        let scale_to = |v: i128, step: i128| -> Result<i128, Overflow> {
            Ok(div_round(mul(v, f.mantissa, "volume × scale")?, mul(den, step, "volume × scale")?, rounding) * step)
        };
        let mut matched = false;
        for p in out.iter_mut().filter(|p| e.matches_pool(&p.fund.key)) {
            for h in p.hospitals.iter_mut().filter(|h| h.cases.sums.cases > 0) {
                if e.institution_id.as_ref().is_some_and(|id| *id != h.cases.institution_id) {
                    continue;
                }
                matched = true;
                let sums = &mut h.cases.sums;
                sums.score = scale_to(sums.score, score_unit).map_err(overflow)?;
                sums.items = scale_to(sums.items, unit.fixed).map_err(overflow)?;
                sums.at_cost_amount = scale_to(sums.at_cost_amount, unit.fixed).map_err(overflow)?;
                sums.excluded = scale_to(sums.excluded, unit.fixed).map_err(overflow)?;
            }
        }
        if !matched {
            return Err(ScenarioError::NoMatch {
                scenario: s.name.clone(),
                kind: "volume",
                entry: n + 1,
                what: "hospital with cases in a pool",
                keys: "region/fund/institution_id",
            });
        }
    }
    Ok(out)
}

/// Solves every scenario against the baseline (`pools` cleared as `baseline` under
/// `base_config`), in parallel, results in scenario order. `rescored[k]` holds scenario k's
/// pools scored under its own config when it rescores (same funds, same order), else `None`.
/// Hospitals are kept (a year has thousands, not millions: the pools' sums need them).
pub fn solve(
    pools: &[DipPool],
    baseline: &[ClearedPool],
    base_config: &Config,
    scenarios: &[DipScenario],
    rescored: &[Option<Vec<DipPool>>],
) -> Result<Vec<DipSolved>, ScenarioError> {
    scenarios.par_iter().zip(rescored).map(|(s, r)| solve_one(pools, baseline, base_config, s, r.as_deref())).collect()
}

fn solve_one(
    pools: &[DipPool],
    baseline: &[ClearedPool],
    base_config: &Config,
    s: &DipScenario,
    rescored: Option<&[DipPool]>,
) -> Result<DipSolved, ScenarioError> {
    let overflow = |source| ScenarioError::Overflow { scenario: s.name.clone(), source };
    let scored = rescored.unwrap_or(pools);
    let budgets = budgets(pools, s)?;
    let base_volumes = if s.volume.is_empty() { pools.to_vec() } else { volumes(pools, s)? };
    let mut overlaid = if rescored.is_none() { base_volumes.clone() } else { volumes(scored, s)? };
    for (p, b) in overlaid.iter_mut().zip(&budgets) {
        p.fund.budget = *b;
    }
    let cleared = clear(&overlaid, &s.config).map_err(|e| match e {
        DipError::Overflow(source) => ScenarioError::Overflow { scenario: s.name.clone(), source },
        e => ScenarioError::Dip { scenario: s.name.clone(), message: e.to_string() },
    })?;

    let mut effects = Vec::with_capacity(pools.len());
    for (i, p) in pools.iter().enumerate() {
        let corner = |v: bool, c: bool| -> Result<_, Overflow> {
            let config = if c { &s.config } else { base_config };
            let pool = match (v, c) {
                (false, false) => p,
                (true, false) => &base_volumes[i],
                (false, true) => &scored[i],
                // the scenario's own pool, before its budget entries
                (true, true) => &overlaid[i],
            };
            let totals = pool_totals(pool, config)?;
            Ok((totals, config))
        };
        let ends = (
            (&baseline[i].solved.totals, &baseline[i].solved.point_value),
            (&cleared[i].solved.totals, &cleared[i].solved.point_value),
        );
        effects.push(effects_of(ends, (p.fund.budget, budgets[i]), corner).map_err(overflow)?);
    }
    Ok(DipSolved { pools: overlaid, cleared, effects })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dip::clearing::CaseSums;
    use crate::dip::clearing::{assemble, FundRow, HospitalCases};
    use crate::number::{Dec, Decimal, MoneyUnit, ONE};

    fn fen() -> Config {
        let mut c = Config::default();
        c.money.unit = MoneyUnit { fixed: 100, decimals: 2 };
        c
    }

    fn key() -> DipPoolKey {
        DipPoolKey { region: "r1".into(), fund: "employee".into(), year: 2026 }
    }

    fn hospital(id: &str, score: i128) -> HospitalCases {
        HospitalCases {
            institution_id: id.into(),
            pool: key(),
            level: "3".into(),
            coefficient: Decimal::ONE,
            assessment: Decimal::ONE,
            assessment_score: None,
            sums: CaseSums { cases: 100, score: score * ONE, items: score * 10 * ONE, ..CaseSums::default() },
        }
    }

    /// docs/analysts.md's worked DIP pool: budget 1,000,000.00, H1 60,000 scores, H2 40,000.
    fn worked() -> (Vec<DipPool>, Config) {
        let funds = vec![FundRow { key: key(), budget: 1_000_000 * ONE, reserve: 0, payment_ratio: Decimal::ONE }];
        let pools = assemble(funds, vec![hospital("H1", 60_000), hospital("H2", 40_000)], vec![], None).unwrap();
        (pools, fen())
    }

    fn entry(institution: Option<&str>, change: Change) -> DipEntry {
        DipEntry { region: None, fund: None, year: None, institution_id: institution.map(Into::into), change }
    }

    #[test]
    fn the_worked_scenario_splits_its_change_exactly() {
        let (pools, config) = worked();
        let baseline = clear(&pools, &config).unwrap();
        assert_eq!(baseline[0].solved.point_value.fpv_exact, Some(10 * 10i128.pow(18)));
        let s = DipScenario {
            name: "budget ×1.1, H1 ×1.2".into(),
            budget: vec![entry(None, Change::Scale(Dec::new(11, 1)))],
            volume: vec![entry(Some("H1"), Change::Scale(Dec::new(12, 1)))],
            config: config.clone(),
        };
        let solved = solve(&pools, &baseline, &config, &[s], &[None]).unwrap();
        let c = &solved[0].cleared[0];
        assert_eq!(c.solved.point_value.fpv_exact, Some(9_821_428_571_428_571_429));
        assert_eq!(c.solved.point_value.fpv, Some(98_214));
        let paid: Vec<i128> = c.hospitals.iter().map(|h| h.dip_amount).collect();
        assert_eq!(paid, vec![707_140_80 * 100, 392_856_00 * 100]);
        assert_eq!(c.solved.residual, 3_20 * 100);
        assert_eq!(
            solved[0].effects[0],
            Some([946_428_571_428_571_429, -1_125_000_000_000_000_000, 0]),
            "budget, volume, config"
        );
    }

    #[test]
    fn a_budget_only_scenario_puts_its_whole_change_in_the_budget_effect() {
        let (pools, config) = worked();
        let baseline = clear(&pools, &config).unwrap();
        let s = DipScenario {
            name: "resident +3%".into(),
            budget: vec![entry(None, Change::Add(30_000 * ONE))],
            volume: vec![],
            config: config.clone(),
        };
        let solved = solve(&pools, &baseline, &config, &[s], &[None]).unwrap();
        // 1,030,000 / 100,000 = 10.3: +0.3 all from the budget
        assert_eq!(solved[0].effects[0], Some([300_000_000_000_000_000, 0, 0]));
    }

    #[test]
    fn overlays_that_match_nothing_or_add_volume_are_refused() {
        let (pools, config) = worked();
        let baseline = clear(&pools, &config).unwrap();
        let s = DipScenario {
            name: "nowhere".into(),
            budget: vec![DipEntry { region: Some("r9".into()), ..entry(None, Change::Scale(Dec::new(1, 0))) }],
            volume: vec![],
            config: config.clone(),
        };
        let e = solve(&pools, &baseline, &config, &[s], &[None]).err().unwrap().to_string();
        assert!(e.contains("\"nowhere\", budget entry 1: matches no funds row"), "{e}");
        // a special quota the year breaks, named with the scenario and pool
        let mut strict = config.clone();
        strict.dip.special.quota = Decimal::ZERO;
        let mut special = pools.clone();
        special[0].hospitals[0].cases.sums.special = 1;
        let base = clear(&special, &config).unwrap();
        let s = DipScenario { name: "no specials".into(), budget: vec![], volume: vec![], config: strict };
        let e = solve(&special, &base, &config, &[s], &[None]).err().unwrap().to_string();
        assert!(
            e.contains("\"no specials\"") && e.contains("region=r1 fund=employee year=2026: 1 special cases of 200"),
            "{e}"
        );
    }
}
