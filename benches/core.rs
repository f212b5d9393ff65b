//! The core's share of a clearing run, on 1M institutions: solving a pool (point value) and
//! settling every provider in each arithmetic mode, and the whole clearing step after the scan
//! (joining claim sums, budgets and interim payments into 30 pools, checking and settling them).
//!
//!     cargo bench --bench core

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use dianzhi_core::config::{PayWith, ReconcileMode};
use dianzhi_core::number::ONE;
use dianzhi_core::period::Quarter;
use dianzhi_core::taiwan::clearing::{assemble, clear, BudgetRow, ClaimAggregate, InterimRow};
use dianzhi_core::taiwan::pool::{ClaimSums, Member, PoolInput, PoolKey};
use dianzhi_core::taiwan::settlement::settle_pool;
use dianzhi_core::Config;

const INSTITUTIONS: usize = 1_000_000;

/// A deterministic heavy-tailed provider: a few large hospitals, many small clinics.
fn sums(i: usize) -> ClaimSums {
    let x = (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 40; // 24 pseudo-random bits
    let claimed =
        (1_000 + (x % 50_000) * if x.is_multiple_of(97) { 400 } else { 1 }) as i128 * ONE + (x % 10_000) as i128;
    let drug = claimed / 4;
    let protected = claimed / 50;
    let deducted = claimed / 33;
    ClaimSums { claimed, drug, protected, deducted, copayment: (claimed / 20 / ONE) * ONE }
}

fn pool_of(n: usize) -> PoolInput {
    let members: Vec<Member> = (0..n)
        .map(|i| Member {
            institution_id: format!("{:010}", 3_500_000_000usize + i),
            sums: sums(i),
            interim_paid: 0,
            has_claims: true,
        })
        .collect();
    let floating: i128 = members.iter().map(|m| m.sums.floating()).sum();
    let fixed: i128 = members.iter().map(|m| m.sums.drug + m.sums.protected).sum();
    // a point value near 0.9: budget = fixed + 0.9 × floating, to the unit
    let budget = (fixed + floating * 9 / 10) / ONE * ONE;
    PoolInput {
        key: PoolKey { sector: "hospital".into(), region: "taipei".into(), quarter: Quarter::new(2026, 1).unwrap() },
        budget,
        charges: 0,
        members,
    }
}

fn modes() -> Vec<(&'static str, Config)> {
    let published = Config::default();
    let mut exact = Config::default();
    exact.point_value.pay_with = PayWith::Exact;
    let mut largest = Config::default();
    largest.reconcile.mode = ReconcileMode::LargestRemainder;
    vec![("report_published", published), ("report_exact", exact), ("largest_remainder", largest)]
}

fn settle_one_pool(c: &mut Criterion) {
    let pool = pool_of(INSTITUTIONS);
    let mut group = c.benchmark_group("settle_pool_1M_institutions");
    group.sample_size(10);
    for (name, config) in modes() {
        group.bench_function(name, |b| b.iter(|| settle_pool(&pool, &config).unwrap()));
    }
    group.finish();
}

fn clearing(c: &mut Criterion) {
    let sectors = ["chinese_medicine", "dental", "dialysis", "hospital", "primary_care"];
    let regions = ["central", "east", "kaoping", "north", "south", "taipei"];
    let key = |i: usize| PoolKey {
        sector: sectors[i % 5].into(),
        region: regions[(i / 5) % 6].into(),
        quarter: Quarter::new(2026, 1).unwrap(),
    };
    let claims: Vec<ClaimAggregate> = (0..INSTITUTIONS)
        .map(|i| ClaimAggregate {
            institution_id: format!("{:010}", 3_500_000_000usize + i),
            pool: key(i),
            sums: sums(i),
            rows: 1,
        })
        .collect();
    let interim: Vec<InterimRow> = claims
        .iter()
        .map(|c| InterimRow {
            institution_id: c.institution_id.clone(),
            pool: c.pool.clone(),
            amount: c.sums.claimed / 2 / ONE * ONE,
        })
        .collect();
    let budgets: Vec<BudgetRow> = (0..30)
        .map(|p| {
            let members = claims.iter().skip(p).step_by(30);
            let floating: i128 = members.clone().map(|c| c.sums.floating()).sum();
            let fixed: i128 = members.map(|c| c.sums.drug + c.sums.protected).sum();
            BudgetRow { key: key(p), budget: (fixed + floating * 9 / 10) / ONE * ONE, charges: 0 }
        })
        .collect();
    let config = Config::default();
    let mut group = c.benchmark_group("clearing_1M_institutions_30_pools");
    group.sample_size(10);
    group.bench_function("assemble_and_clear", |b| {
        b.iter_batched(
            || (budgets.clone(), claims.clone(), interim.clone()),
            |(budgets, claims, interim)| {
                let pools = assemble(budgets, claims, interim, None).unwrap();
                clear(&pools, &config).unwrap()
            },
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

criterion_group!(benches, settle_one_pool, clearing);
criterion_main!(benches);
