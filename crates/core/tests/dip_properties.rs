//! Invariants of DIP scoring and clearing, checked on random cases and pools.

use dianzhi_core::config::{PayWith, ReconcileMode};
use dianzhi_core::dip::clearing::{clear_pool, CaseSums, DipPool, DipPoolKey, FundRow, Hospital, HospitalCases};
use dianzhi_core::dip::config::{Basis, OverspendBand, SurplusBand};
use dianzhi_core::dip::score::{CaseType, Group, Scorer};
use dianzhi_core::number::{Decimal, MoneyUnit, Rounding, ONE};
use dianzhi_core::Config;
use proptest::prelude::*;

fn scorer_config() -> impl Strategy<Value = Config> {
    (
        any::<bool>(),
        any::<bool>(),
        0u32..=4,
        prop::sample::select(vec![Rounding::HalfUp, Rounding::HalfEven, Rounding::Down]),
    )
        .prop_map(|(low_inclusive, high_inclusive, scale, rounding)| {
            let mut c = Config::default();
            c.dip.outliers.low_inclusive = low_inclusive;
            c.dip.outliers.high_inclusive = high_inclusive;
            c.dip.score.scale = scale;
            c.money.rounding = rounding;
            c
        })
}

proptest! {
    /// A higher cost never lowers a case's score, except across the low bound (the cliff the
    /// national rule has: a low case is scored r × base, a normal one base).
    #[test]
    fn a_higher_cost_never_lowers_the_score_except_across_the_low_bound(
        config in scorer_config(),
        score in 1i128..50_000_000,
        aux in 5_000i128..20_000,
        k in 50i128..200,
        avg in 100i128..100_000_000,
        cost in 0i128..1_000_000_000,
        more in 1i128..100_000_000,
    ) {
        let s = Scorer::new(&config);
        let group = Group { score, basic: false };
        let k = Decimal::new(k as i64, 2);
        let a = s.case(None, Some(group), aux, k, cost, Some(avg)).unwrap();
        let b = s.case(None, Some(group), aux, k, cost + more, Some(avg)).unwrap();
        let across_low = a.kind == CaseType::Low && b.kind != CaseType::Low;
        prop_assert!(b.score >= a.score || across_low, "{a:?} → {b:?}");
    }
}

fn hospital(i: usize, score: i128, items: i128, at_cost: i128, assessment: i128, paid: i128) -> Hospital {
    Hospital {
        cases: HospitalCases {
            institution_id: format!("H{:03}", (i * 7919) % 1000),
            pool: DipPoolKey { region: "r".into(), fund: "employee".into(), year: 2026 },
            level: "2".into(),
            coefficient: Decimal::new(1, 0),
            assessment: Decimal::new(assessment as i64, 2),
            sums: CaseSums {
                cases: 10,
                at_cost: u64::from(at_cost > 0),
                score,
                items,
                at_cost_amount: at_cost,
                ..CaseSums::default()
            },
        },
        paid,
        withheld: paid / 19,
    }
}

fn pool() -> impl Strategy<Value = DipPool> {
    let h = (1i128..10_000_000_000, 0i128..2_000_000, 0i128..1_000, 80i128..120, 0i128..5_000_000);
    (prop::collection::vec(h, 1..30), 50i128..150, 20u32..100).prop_map(|(hs, ratio, pv)| {
        let mut hospitals: Vec<Hospital> = hs
            .into_iter()
            .enumerate()
            .map(|(i, (score, items, at_cost, a, paid))| hospital(i, score, items * ONE, at_cost * 100, a, paid * 100))
            .collect();
        hospitals.sort_by(|a, b| a.cases.institution_id.cmp(&b.cases.institution_id));
        hospitals.dedup_by(|a, b| a.cases.institution_id == b.cases.institution_id);
        let score: i128 = hospitals.iter().map(|h| h.cases.sums.score).sum();
        let at_cost: i128 = hospitals.iter().map(|h| h.cases.sums.at_cost_amount).sum();
        // a fund around pv yuan a point, in fen
        let budget = (score / ONE * i128::from(pv) + at_cost / 100 + 10_000) * 100;
        DipPool {
            fund: FundRow {
                key: DipPoolKey { region: "r".into(), fund: "employee".into(), year: 2026 },
                budget,
                reserve: 1_000 * ONE,
                payment_ratio: Decimal::new(ratio.min(100) as i64, 2),
            },
            hospitals,
        }
    })
}

fn clearing_config() -> impl Strategy<Value = Config> {
    (
        prop::sample::select(vec![Rounding::HalfUp, Rounding::HalfEven, Rounding::Down]),
        prop::sample::select(vec![ReconcileMode::Report, ReconcileMode::LargestRemainder]),
        prop::sample::select(vec![PayWith::Published, PayWith::Exact]),
        prop::sample::select(vec![Basis::Fund, Basis::TotalCost]),
        2u32..8,
    )
        .prop_map(|(rounding, mode, pay_with, basis, scale)| {
            let mut c = Config::default();
            c.money.unit = MoneyUnit::from_decimal(Decimal::new(1, 2)).unwrap();
            c.money.rounding = rounding;
            c.reconcile.mode = mode;
            c.point_value.pay_with = pay_with;
            c.point_value.scale = scale;
            c.dip.point_value.basis = basis;
            c.dip.clearing.surplus = vec![
                SurplusBand { up_to: Decimal::new(1, 1), keep: Decimal::new(1, 0) },
                SurplusBand { up_to: Decimal::new(1, 0), keep: Decimal::new(6, 1) },
            ];
            c.dip.clearing.overspend = vec![
                OverspendBand { up_to: Decimal::new(1, 1), fund_share: Decimal::new(7, 1) },
                OverspendBand { up_to: Decimal::new(2, 1), fund_share: Decimal::new(5, 1) },
            ];
            c
        })
}

proptest! {
    /// Money is conserved: Σ P + at-cost + reserve + residual = budget; largest_remainder leaves
    /// no residual; the entitlement lies between the DIP payment and the item amount; every
    /// amount is a whole fen.
    #[test]
    fn money_is_conserved_and_entitlements_lie_in_the_corridor(pool in pool(), config in clearing_config()) {
        let c = clear_pool(&pool, &config).unwrap();
        let p: i128 = c.hospitals.iter().map(|h| h.dip_amount).sum();
        prop_assert_eq!(p + c.sums.at_cost_amount + pool.fund.reserve + c.solved.residual, pool.fund.budget);
        if config.reconcile.mode == ReconcileMode::LargestRemainder {
            prop_assert_eq!(c.solved.residual, 0);
        }
        for (h, ch) in pool.hospitals.iter().zip(&c.hospitals) {
            let (lo, hi) = (ch.dip_amount.min(h.cases.sums.items), ch.dip_amount.max(h.cases.sums.items));
            prop_assert!(lo <= ch.entitlement && ch.entitlement <= hi, "{:?}", ch);
            prop_assert_eq!(ch.adjustment, ch.due - h.paid);
            for v in [ch.dip_amount, ch.kept, ch.shared, ch.entitlement, ch.due] {
                prop_assert_eq!(v % 100, 0);
            }
        }
        prop_assert_eq!(c.reserve_draw, c.entitlement - p);
    }
}

mod scenarios {
    use super::*;
    use dianzhi_core::dip::clearing::clear;
    use dianzhi_core::dip::scenario::{solve, DipEntry, DipScenario};
    use dianzhi_core::engine::attribution::Change;
    use dianzhi_core::number::Dec;

    fn all(change: Change) -> DipEntry {
        DipEntry { region: None, fund: None, year: None, institution_id: None, change }
    }

    proptest! {
        /// A scenario without overlays clears every pool exactly as the baseline does, and its
        /// effects are all zero; a budget-only scenario puts its whole change in the budget effect
        /// and the effects always sum to the published change. Checked against the baseline
        /// cleared by `clear`, not against the scenario's own figures.
        #[test]
        fn an_empty_scenario_is_the_baseline_and_a_budget_one_is_all_budget(
            pool in pool(),
            config in clearing_config(),
            scale in 900i64..1100,
        ) {
            let pools = vec![pool];
            let Ok(baseline) = clear(&pools, &config) else { return Ok(()) };
            let empty = DipScenario { name: "same".into(), budget: vec![], volume: vec![], config: config.clone() };
            let budget = DipScenario {
                name: "budget".into(),
                budget: vec![all(Change::Scale(Dec::new(scale.into(), 3)))],
                volume: vec![],
                config: config.clone(),
            };
            let Ok(solved) = solve(&pools, &baseline, &config, &[empty, budget], &[None, None]) else { return Ok(()) };
            prop_assert_eq!(&solved[0].cleared, &baseline);
            prop_assert_eq!(&solved[0].pools, &pools);
            if let Some(e) = solved[0].effects[0] {
                prop_assert_eq!(e, [0, 0, 0]);
            }
            let (base, scn) = (baseline[0].solved.point_value.fpv_exact, solved[1].cleared[0].solved.point_value.fpv_exact);
            match (base, scn, solved[1].effects[0]) {
                (Some(b), Some(s), Some([budget, volume, config])) => {
                    prop_assert_eq!((volume, config), (0, 0));
                    prop_assert_eq!(budget, s - b);
                }
                (Some(_), Some(_), None) => prop_assert!(false, "effects missing where both values exist"),
                _ => {}
            }
        }
    }
}
