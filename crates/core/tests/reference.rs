//! The published 2011 figures of data/reference/ (Taiwan NHI's published 2011 global budget and point values), reproduced by the core.

use dianzhi_core::engine::point_value::{point_value, PoolTotals, Status};
use dianzhi_core::number::{Dec, Decimal, Rounding, ONE};
use dianzhi_core::taiwan::budget::{non_negotiated_rate, Composition, RegionSpec, SectorSpec};
use dianzhi_core::Config;

fn csv(text: &str) -> Vec<Vec<&str>> {
    text.lines().map(|l| l.split(',').collect()).collect()
}

fn d(s: &str) -> Dec {
    s.parse().unwrap()
}

/// Percent text → decimal fraction, as a person would write it in a spec.
fn fraction(percent: &str) -> Decimal {
    let f = d(percent).times(d("0.01")).unwrap();
    Decimal::from_i128_with_scale(f.mantissa, f.scale)
}

#[test]
fn non_negotiated_growth_2011_from_its_components() {
    let rows = csv(include_str!("../../../data/reference/growth_2011.csv"));
    let row = |name: &str| rows.iter().find(|r| r[0] == name).unwrap().clone();
    let (ipg, psc, cic, published) = (
        row("insured_population_growth"),
        row("population_structure_change"),
        row("cost_index_change"),
        row("non_negotiated_growth"),
    );
    assert_eq!(rows[0].len(), 6);
    for col in 1..rows[0].len() {
        let spec = SectorSpec {
            name: rows[0][col].to_string(),
            base: Decimal::ZERO,
            insured_population_growth: fraction(ipg[col]),
            population_structure_change: fraction(psc[col]),
            cost_index_change: fraction(cic[col]),
            composition: Composition::Multiplicative,
            negotiated: vec![],
            special_funds: vec![],
            carve_outs: vec![],
            regions: RegionSpec::default(),
            quarters: Default::default(),
        };
        let rate = non_negotiated_rate(&spec).unwrap();
        // as a percent with the published 3 decimals
        let percent = rate.times(d("100")).unwrap().rescale_round(3, Rounding::HalfUp).unwrap();
        assert_eq!(Dec::new(percent, 3), d(published[col]), "{}", rows[0][col]);
    }
}

#[test]
fn cost_index_weights_are_the_published_rounded_figures() {
    let rows = csv(include_str!("../../../data/reference/cost_index_weights.csv"));
    let total = rows[1..].iter().try_fold(Dec::ZERO, |s, r| s.plus(d(r[2]))).unwrap();
    assert_eq!(rows.len() - 1, 5);
    assert_eq!(total, d("100.01"), "published weights, each rounded to 0.01");
}

/// The published 2011 Q1 values are four-decimal figures; no published budget or point count
/// comes with them, so what can be checked against them is the rounding that publishes a value:
/// every exact quotient in [v − 0.00005, v + 0.00005) is published as v (half_up, the default),
/// and the quotients just outside that interval as its neighbours. Each published value is a
/// sample point of the rule, with 1,000,000 floating points and 123,456,789 drug points.
#[test]
fn each_published_2011q1_value_is_the_half_up_rounding_of_its_interval() {
    let rows = csv(include_str!("../../../data/reference/fpv_2011q1.csv"));
    let config = Config::default();
    assert_eq!(config.money.rounding, Rounding::HalfUp);
    let floating_points = 1_000_000 * ONE;
    let fixed = 123_456_789 * ONE;
    let published = |money: i128| {
        let t = PoolTotals {
            budget: fixed + money,
            charges: 0,
            fixed_amount: fixed,
            floating_points,
            fixed_points: fixed,
            has_claims: true,
            ..PoolTotals::default()
        };
        let pv = point_value(&t, &config).unwrap();
        assert_eq!(pv.status, Status::Ok);
        pv.fpv.unwrap()
    };
    let mut seen = 0;
    for row in &rows[1..] {
        for cell in &row[1..] {
            let v = d(cell).rescale_exact(4).unwrap();
            // money = q × F: v itself is v × 100 money units a point-million; ±0.00005 is ±50
            let at = v * 100 * ONE;
            let half = 50 * ONE;
            assert_eq!(published(at), v, "{} {cell}", row[0]);
            assert_eq!(published(at - half), v, "{} {cell}: the lower edge rounds up to it", row[0]);
            assert_eq!(published(at + half - 1), v, "{} {cell}: just below the upper edge", row[0]);
            assert_eq!(published(at + half), v + 1, "{} {cell}: the upper edge is the next value's", row[0]);
            assert_eq!(published(at - half - 1), v - 1, "{} {cell}: below the lower edge", row[0]);
            seen += 1;
        }
    }
    assert_eq!(seen, 24);
}
