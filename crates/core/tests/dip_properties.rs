//! Invariants of DIP scoring and clearing, checked on random cases and pools.

use dianzhi_core::config::{PayWith, ReconcileMode};
use dianzhi_core::dip::clearing::{clear_pool, CaseSums, DipPool, DipPoolKey, FundRow, Hospital, HospitalCases};
use dianzhi_core::dip::config::{AssessmentMode, Basis, OverReserve, OverspendBand, SurplusBand};
use dianzhi_core::dip::score::{CaseType, Group, Scorer};
use dianzhi_core::number::{Decimal, MoneyUnit, Rounding, ONE};
use dianzhi_core::Config;
use proptest::prelude::*;

mod oracle;

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
        let a = s.case(None, Some(group), (aux, k, "3"), cost, Some(avg)).unwrap();
        let b = s.case(None, Some(group), (aux, k, "3"), cost + more, Some(avg)).unwrap();
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
            assessment_score: None,
            sums: CaseSums {
                cases: 10,
                at_cost: u64::from(at_cost > 0),
                score,
                items,
                at_cost_amount: at_cost,
                // items paid outside the points (除外支付): a fifth of the at-cost draw, scored cases'
                excluded: at_cost / 500 * 100,
                ..CaseSums::default()
            },
        },
        paid,
        withheld: paid / 19,
    }
}

fn pool() -> impl Strategy<Value = DipPool> {
    let h = (1i128..10_000_000_000, 0i128..2_000_000, 0i128..1_000, 80i128..120, 0i128..5_000_000);
    (prop::collection::vec(h, 1..30), 50i128..150, 20u32..100, 0i128..50_000).prop_map(|(hs, ratio, pv, reserve)| {
        let mut hospitals: Vec<Hospital> = hs
            .into_iter()
            .enumerate()
            .map(|(i, (score, items, at_cost, a, paid))| hospital(i, score, items * ONE, at_cost * 100, a, paid * 100))
            .collect();
        hospitals.sort_by(|a, b| a.cases.institution_id.cmp(&b.cases.institution_id));
        hospitals.dedup_by(|a, b| a.cases.institution_id == b.cases.institution_id);
        let score: i128 = hospitals.iter().map(|h| h.cases.sums.score).sum();
        let at_cost: i128 = hospitals.iter().map(|h| h.cases.sums.at_cost_amount + h.cases.sums.excluded).sum();
        // a fund around pv yuan a point, in fen
        let budget = (score / ONE * i128::from(pv) + at_cost / 100 + 10_000 + reserve) * 100;
        DipPool {
            fund: FundRow {
                key: DipPoolKey { region: "r".into(), fund: "employee".into(), year: 2026 },
                budget,
                reserve: reserve * ONE,
                payment_ratio: Decimal::new(ratio.min(100) as i64, 2),
            },
            hospitals,
            given: None,
            funded: true,
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

/// Σ over the corridor's bands of the slice of `diff` (a surplus or an overspend) in the band
/// times the band's share, as hundredths of money: the bands of `clearing_config` written out
/// by hand (surplus: 100% kept to 10%, 60% to 100%; overspend: 70% borne to 10%, 50% to 20%,
/// nothing beyond).
fn band_hundredths(p: i128, diff: i128, surplus: bool) -> i128 {
    // slices in tenths of money: 10 × diff against p × (bound in tenths)
    let (first, second, shares) = if surplus { (1, 10, (10, 6)) } else { (1, 2, (7, 5)) };
    let slice1 = (10 * diff).min(first * p);
    let slice2 = ((10 * diff).min(second * p) - first * p).max(0);
    slice1 * shares.0 + slice2 * shares.1
}

proptest! {
    /// Every hospital is paid and cleared as the rules say, computed apart from the engine
    /// (tests/oracle for the pool's payments; the corridor's bands written out by hand above):
    /// its DIP payment, what it keeps of a surplus or the fund bears of an overspend, its
    /// entitlement, what it is due under each assessment mode, its adjustment; the residual is
    /// what is left of the floating money.
    #[test]
    fn every_hospital_is_paid_and_cleared_as_the_rules_say(
        pool in pool(),
        config in clearing_config(),
        mode in prop::sample::select(vec![AssessmentMode::Withheld, AssessmentMode::Surplus, AssessmentMode::Entitlement]),
        over_reserve in prop::sample::select(vec![OverReserve::Prorate, OverReserve::Allow]),
    ) {
        let mut config = config;
        config.dip.clearing.assessment = mode;
        config.dip.clearing.over_reserve = over_reserve;
        let c = clear_pool(&pool, &config).unwrap();
        let (unit, rounding) = (config.money.unit.fixed, config.money.rounding);
        // at-cost cases and excluded items are both paid at cost, before the point value
        let at_cost: i128 = pool.hospitals.iter().map(|h| h.cases.sums.at_cost_amount).sum();
        let excluded: i128 = pool.hospitals.iter().map(|h| h.cases.sums.excluded).sum();
        let money = pool.fund.budget - pool.fund.reserve - at_cost - excluded;
        let ratio = match config.dip.point_value.basis {
            Basis::Fund => (1, 0),
            Basis::TotalCost => (pool.fund.payment_ratio.mantissa(), pool.fund.payment_ratio.scale()),
        };
        let members: Vec<oracle::Member> = pool
            .hospitals
            .iter()
            .map(|h| oracle::Member { id: &h.cases.institution_id, floating: h.cases.sums.score, fixed: h.cases.sums.at_cost_amount })
            .collect();
        let policy = oracle::Policy {
            unit,
            rounding,
            mode: config.reconcile.mode,
            pay_with: config.point_value.pay_with,
            scale: config.point_value.scale,
            ratio,
        };
        prop_assume!(money >= 0);
        let (paid, residual) = oracle::floating_amounts(money, &members, &policy);
        prop_assert_eq!(c.solved.residual, residual);
        // each corridor on its own, then the shares the reserve and the savings can pay
        let mut corridors = Vec::new();
        let mut savings = 0;
        for (h, p) in pool.hospitals.iter().zip(&paid) {
            let items = h.cases.sums.items;
            let a = h.cases.assessment.mantissa(); // hundredths
            let (kept, shared) = if *p > items {
                let hundredths = band_hundredths(*p, *p - items, true);
                let kept = if mode == AssessmentMode::Surplus {
                    oracle::round_to(hundredths * a, 100 * 100, unit, rounding)
                } else {
                    oracle::round_to(hundredths, 100, unit, rounding)
                };
                savings += *p - items - kept;
                (kept, 0)
            } else if items > *p {
                (0, oracle::round_to(band_hundredths(*p, items - *p, false), 100, unit, rounding))
            } else {
                (0, 0)
            };
            corridors.push((h.cases.institution_id.as_str(), kept, shared));
        }
        let uncapped: Vec<(&str, i128)> = corridors.iter().map(|c| (c.0, c.2)).collect();
        let capped = match over_reserve {
            OverReserve::Prorate => oracle::capped_shares((pool.fund.reserve + savings).max(0), &uncapped, unit),
            OverReserve::Allow => uncapped.iter().map(|c| c.1).collect(),
        };
        let total: i128 = uncapped.iter().map(|c| c.1).sum();
        prop_assert_eq!(c.shared_uncapped, total);
        if over_reserve == OverReserve::Prorate {
            // 以收定支: the corridor never draws more than the reserve — unless an assessment
            // above 1 under the "surplus" mode lets hospitals keep more than their surplus (the
            // savings go negative), which no cut of the overspend shares can undo
            let bound = pool.fund.reserve.max(-savings);
            prop_assert!(c.reserve_draw <= bound, "draw {} over reserve {} (savings {})", c.reserve_draw, pool.fund.reserve, savings);
        }
        for (((h, ch), p), ((_, kept, shared_uncapped), shared)) in
            pool.hospitals.iter().zip(&c.hospitals).zip(&paid).zip(corridors.iter().zip(&capped))
        {
            let (kept, shared) = (*kept, *shared);
            let id = &h.cases.institution_id;
            prop_assert_eq!(ch.dip_amount, *p, "DIP payment of {}", id);
            prop_assert_eq!(ch.shared_uncapped, *shared_uncapped, "uncapped share of {}", id);
            let items = h.cases.sums.items;
            let a = h.cases.assessment.mantissa(); // hundredths
            prop_assert_eq!((ch.kept, ch.shared), (kept, shared), "corridor of {} (P {}, A {})", id, p, items);
            let entitlement = if *p > items { items + kept } else { *p + shared };
            prop_assert_eq!(ch.entitlement, entitlement);
            let at_cost = h.cases.sums.at_cost_amount + h.cases.sums.excluded;
            let due = match mode {
                AssessmentMode::Withheld => {
                    oracle::round_to((entitlement + at_cost) * 100 - h.withheld * (100 - a), 100, unit, rounding)
                }
                AssessmentMode::Surplus => entitlement + at_cost,
                AssessmentMode::Entitlement => oracle::round_to(entitlement * a, 100, unit, rounding) + at_cost,
            };
            prop_assert_eq!(ch.due, due, "due of {}", id);
            prop_assert_eq!(ch.adjustment, due - h.paid);
        }
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
