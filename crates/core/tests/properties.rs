//! Invariants of a pool's settlement, checked on random pools.

use dianzhi_core::config::{OnInfeasible, PayWith, ReconcileMode};
use dianzhi_core::engine::point_value::Status;
use dianzhi_core::engine::solve::largest_remainder;
use dianzhi_core::number::{div_round, MoneyUnit, Rounding, ONE};
use dianzhi_core::period::Quarter;
use dianzhi_core::taiwan::pool::{ClaimSums, Member, PoolInput, PoolKey};
use dianzhi_core::taiwan::settlement::settle_pool;
use dianzhi_core::Config;
use proptest::prelude::*;

mod oracle;

fn member() -> impl Strategy<Value = Member> {
    // points with up to 4 decimals; drug/protected/deducted parts of the claim
    (1i128..50_000_000_000, 0u8..60, 0u8..20, 0u8..10, 0i128..5_000, 0i128..2_000_000).prop_map(
        |(claimed, d, p, x, copay, interim)| {
            let drug = claimed * i128::from(d) / 100;
            let protected = claimed * i128::from(p) / 100;
            let deducted = (claimed - drug - protected) * i128::from(x) / 100;
            Member {
                institution_id: String::new(),
                sums: ClaimSums { claimed, drug, protected, deducted, copayment: copay * ONE },
                interim_paid: interim * ONE,
                has_claims: true,
            }
        },
    )
}

fn pool() -> impl Strategy<Value = PoolInput> {
    (prop::collection::vec(member(), 1..40), 80u32..130, 0i128..1_000).prop_map(|(mut members, value_pct, charges)| {
        for (i, m) in members.iter_mut().enumerate() {
            m.institution_id = format!("I{:03}", (i * 7919) % 1000);
        }
        members.sort_by(|a, b| a.institution_id.cmp(&b.institution_id));
        let points: i128 = members.iter().map(|m| m.sums.claimed - m.sums.deducted).sum();
        // a budget around value_pct % of the approved points, so most pools are feasible
        let budget = points * i128::from(value_pct) / 100 / ONE * ONE + charges * ONE;
        PoolInput {
            key: PoolKey { sector: "s".into(), region: "r".into(), quarter: Quarter::new(2026, 1).unwrap() },
            budget,
            charges: charges * ONE,
            members,
        }
    })
}

fn config() -> impl Strategy<Value = Config> {
    (
        prop::sample::select(vec![Rounding::HalfUp, Rounding::HalfEven, Rounding::Down]),
        prop::sample::select(vec!["1", "0.01", "0.1"]),
        prop::sample::select(vec![ReconcileMode::Report, ReconcileMode::LargestRemainder]),
        prop::sample::select(vec![PayWith::Published, PayWith::Exact]),
        0u32..8,
    )
        .prop_map(|(rounding, unit, mode, pay_with, scale)| {
            let mut c = Config::default();
            c.money.rounding = rounding;
            c.money.unit = MoneyUnit::from_dec(unit.parse().unwrap()).unwrap();
            c.reconcile.mode = mode;
            c.point_value.pay_with = pay_with;
            c.point_value.scale = scale;
            c.pool.on_infeasible = OnInfeasible::Zero;
            c
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Every member is paid what the rule says, computed apart from the engine
    /// (tests/oracle): fixed amounts rounded once, floating amounts by the published value, the
    /// exact quotient or largest remainder; the residual is what is left, at most one unit per
    /// member when each is rounded from the exact quotient, under one unit with largest remainder.
    #[test]
    fn every_member_is_paid_what_the_rule_says(p in pool(), c in config()) {
        let s = settle_pool(&p, &c).unwrap();
        let unit = c.money.unit.fixed;
        let fixed: Vec<i128> =
            p.members.iter().map(|m| oracle::round_to(m.sums.drug + m.sums.protected, 1, unit, c.money.rounding)).collect();
        let floating_points: Vec<i128> =
            p.members.iter().map(|m| m.sums.claimed - m.sums.drug - m.sums.protected - m.sums.deducted).collect();
        let money = p.budget - p.charges - fixed.iter().sum::<i128>();
        let members: Vec<oracle::Member> = p
            .members
            .iter()
            .zip(&floating_points)
            .zip(&fixed)
            .map(|((m, f), x)| oracle::Member { id: &m.institution_id, floating: *f, fixed: *x })
            .collect();
        let policy = oracle::Policy {
            unit,
            rounding: c.money.rounding,
            mode: c.reconcile.mode,
            pay_with: c.point_value.pay_with,
            scale: c.point_value.scale,
            ratio: (1, 0),
        };
        let (floating, residual) = if money < 0 || floating_points.iter().sum::<i128>() == 0 {
            // infeasible (settled at zero) or nothing floating: no floating amounts
            (vec![0; members.len()], money)
        } else {
            oracle::floating_amounts(money, &members, &policy)
        };
        prop_assert_eq!(s.settlements.len(), p.members.len());
        for (i, (r, m)) in s.settlements.iter().zip(&p.members).enumerate() {
            prop_assert_eq!(r.fixed_amount, fixed[i], "fixed amount of {}", m.institution_id);
            prop_assert_eq!(r.floating_amount, floating[i], "floating amount of {}", m.institution_id);
            prop_assert_eq!(r.payable, fixed[i] + floating[i] - m.sums.copayment);
            prop_assert_eq!(r.adjustment, fixed[i] + floating[i] - m.sums.copayment - m.interim_paid);
        }
        prop_assert_eq!(s.residual, residual);
        if s.point_value.status == Status::Ok {
            match (c.reconcile.mode, c.point_value.pay_with) {
                (ReconcileMode::LargestRemainder, _) => prop_assert!((0..unit).contains(&s.residual)),
                (ReconcileMode::Report, PayWith::Exact) => prop_assert!(s.residual.abs() <= unit * p.members.len() as i128),
                _ => {}
            }
        }
    }

    #[test]
    fn more_points_never_raise_the_point_value(p in pool(), c in config(), who in 0usize..40, extra in 1i128..10_000_000_000) {
        let before = settle_pool(&p, &c).unwrap();
        let mut more = p.clone();
        let i = who % more.members.len();
        more.members[i].sums.claimed += extra; // more floating points, same fixed points
        let after = settle_pool(&more, &c).unwrap();
        if let (Some(b), Some(a)) = (before.point_value.fpv_exact, after.point_value.fpv_exact) {
            prop_assert!(a <= b, "fpv rose from {} to {}", b, a);
        }
        if let (Some(b), Some(a)) = (before.point_value.fpv, after.point_value.fpv) {
            prop_assert!(a <= b);
        }
    }

    /// Hamilton's method: each share is its quota rounded down or up, they add up to the units,
    /// and the shares rounded up are exactly those of the largest remainders, ties to the
    /// smaller id.
    #[test]
    fn hamilton_rounds_up_the_largest_remainders(
        units in 0i128..1_000_000,
        weights in prop::collection::vec(0i128..1_000, 1..30),
        order in any::<u64>(),
    ) {
        prop_assume!(weights.iter().sum::<i128>() > 0);
        // ids in a shuffled order, so that id order and position differ
        let ids: Vec<String> = (0..weights.len()).map(|i| format!("{:03}", (i as u64 * 7919 + order) % 1000)).collect();
        prop_assume!(ids.iter().collect::<std::collections::BTreeSet<_>>().len() == ids.len());
        let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
        let shares = largest_remainder(units, &weights, &ids).unwrap();
        prop_assert_eq!(shares.iter().sum::<i128>(), units);
        let total: i128 = weights.iter().sum();
        let floor = |i: usize| units * weights[i] / total;
        let remainder = |i: usize| units * weights[i] % total;
        let up: Vec<usize> = (0..weights.len()).filter(|&i| shares[i] == floor(i) + 1).collect();
        prop_assert!((0..weights.len()).all(|i| shares[i] == floor(i) || shares[i] == floor(i) + 1));
        // every member rounded up beats every member rounded down: a larger remainder, or the
        // same remainder and a smaller id
        for &u in &up {
            for d in (0..weights.len()).filter(|i| !up.contains(i)) {
                let beats = remainder(u) > remainder(d) || (remainder(u) == remainder(d) && ids[u] < ids[d]);
                prop_assert!(beats, "{} rounded up (remainder {}) but not {} (remainder {})", ids[u], remainder(u), ids[d], remainder(d));
            }
        }
    }

    /// div_round (which takes a 64-bit path when it can) against the definition: the
    /// quotient rounded by comparing twice the remainder with the divisor, in i128 only.
    #[test]
    fn div_round_matches_its_definition(
        num in prop_oneof![any::<i64>().prop_map(i128::from), -(1i128 << 100)..(1i128 << 100)],
        den in prop_oneof![1i64..i64::MAX, -1_000_000i64..-1].prop_map(i128::from),
        mode in prop_oneof![Just(Rounding::HalfUp), Just(Rounding::HalfEven), Just(Rounding::Down)],
    ) {
        let (n, d) = if den < 0 { (-num, -den) } else { (num, den) };
        let (q, r) = (n / d, n % d);
        let twice = 2 * r.abs();
        let away = if n < 0 { q - 1 } else { q + 1 };
        let expected = match mode {
            _ if r == 0 => q,
            Rounding::Down => q,
            _ if twice > d => away,
            _ if twice < d => q,
            Rounding::HalfUp => away,
            Rounding::HalfEven => if q % 2 == 0 { q } else { away },
        };
        prop_assert_eq!(div_round(num, den, mode), expected);
    }
}
