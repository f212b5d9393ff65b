//! The DataFrame layer keeps decimals exact: tables round-trip through polars, numbers compare
//! as numbers, and sums that polars 0.55 would wrap are refused instead.

use std::path::PathBuf;

use dianzhi_analysis::compare::{compare, Difference, Kind};
use dianzhi_analysis::frame::{from_table, to_table};
use dianzhi_analysis::scenario::stack;
use dianzhi_analysis::summary::{frame, sums_by, Summary};
use dianzhi_analysis::Error;
use dianzhi_columnar::read::cells::ColumnTable;
use dianzhi_columnar::read::text_table::TextTable;
use dianzhi_columnar::write::{Table, Values};
use dianzhi_core::number::Dec;

fn text_table(names: &[&str], rows: &[&[&str]]) -> TextTable {
    TextTable {
        path: PathBuf::from("t.csv"),
        names: names.iter().map(|n| n.to_string()).collect(),
        columns: (0..names.len())
            .map(|c| rows.iter().map(|r| (!r[c].is_empty()).then(|| r[c].to_string())).collect())
            .collect(),
    }
}

#[test]
fn a_table_round_trips_through_polars_exactly() {
    let mut t = Table::default();
    t.text("sector", vec!["hospital".into(), "dental".into()]);
    t.int("institutions", vec![3, 4]);
    // the largest mantissas a Decimal(38) column holds, and a null
    let big = 10i128.pow(38) - 1;
    t.nullable_decimal("fpv_exact", 18, vec![Some(big), None]);
    t.decimal("budget", 0, vec![-7, 12]);
    let df = from_table(&t).unwrap();
    let back = to_table(&df, &t).unwrap();
    for (name, v) in &t.columns {
        let w = back.column(name).unwrap();
        for i in 0..t.rows() {
            assert_eq!(v.text(i), w.text(i), "{name} row {i}");
        }
        if let (Values::Decimal { nullable: a, precision: p, .. }, Values::Decimal { nullable: b, precision: q, .. }) =
            (v, w)
        {
            assert_eq!((a, p), (b, q), "{name} keeps its schema");
        }
    }
}

#[test]
fn stacking_puts_the_scenario_first_in_order() {
    let part = |v: i128| {
        let mut t = Table::default();
        t.text("sector", vec!["hospital".into()]);
        t.nullable_decimal("fpv", 4, vec![Some(v)]);
        t
    };
    let s = stack(&[("baseline".into(), part(8725)), ("b".into(), part(9000)), ("a".into(), part(1))]).unwrap();
    let names: Vec<_> = (0..3).map(|i| s.columns[0].1.text(i).unwrap()).collect();
    assert_eq!(s.columns[0].0, "scenario");
    assert_eq!(names, ["baseline", "b", "a"]);
    assert_eq!(s.column("fpv").unwrap().text(1).as_deref(), Some("0.9000"));
}

#[test]
fn numbers_compare_as_numbers_within_an_inclusive_tolerance() {
    let a = text_table(
        &["region", "fpv", "note"],
        &[&["north", "0.8725", "x"], &["south", "1", ""], &["east", "0.5", "y"]],
    );
    let b = text_table(
        &["region", "fpv", "note"],
        &[&["north", "0.872500", "x"], &["south", "1.00005", ""], &["west", "0.5", "y"]],
    );
    let run = |tolerance: Option<Dec>| {
        let mut d = Vec::new();
        let (a, b) = (ColumnTable::from(a.clone()), ColumnTable::from(b.clone()));
        let s = compare("pv", &a, &b, tolerance, &mut |part| {
            d.extend((0..part.rows()).map(|row| Difference::read(&part, row)));
            Ok(())
        })
        .unwrap();
        (d, s)
    };
    let (d, s) = run(None);
    let kinds: Vec<_> = d.iter().map(|d| (d.kind, d.column.as_deref(), d.delta.as_deref())).collect();
    assert!(kinds.contains(&(Kind::Differs, Some("fpv"), Some("0.00005"))), "{kinds:?}");
    assert!(kinds.contains(&(Kind::OnlyInA, None, None)) && kinds.contains(&(Kind::OnlyInB, None, None)));
    assert_eq!(s.columns.iter().find(|c| c.column == "note").unwrap().differs, 0, "empty equals empty");
    let (d, _) = run(Some(Dec::new(5, 5)));
    assert!(d.iter().all(|d| d.kind != Kind::Differs), "0.00005 is within 0.00005 (inclusive)");
    let (d, _) = run(Some(Dec::new(4, 5)));
    assert!(d.iter().any(|d| d.kind == Kind::Differs));
}

#[test]
fn sums_that_could_wrap_are_refused() {
    // 20 values of 9 × 10^36: each below the guard's 10^37, their sum beyond i128, which polars
    // 0.55 would wrap without a word
    let mut t = Table::default();
    t.text("sector", vec!["h".into(); 20]);
    t.decimal("adjustment", 2, vec![9 * 10i128.pow(36); 20]);
    let err = sums_by(&Summary::of_table(&t).unwrap(), &["sector"], &["adjustment"]).unwrap_err();
    assert!(matches!(err, Error::TooLarge(_)), "{err}");
    // small sums pass and are exact
    let t = text_table(&["sector", "adjustment"], &[&["h", "0.10"], &["h", "0.20"], &["d", "-1"]]);
    let f = sums_by(&frame(&t).unwrap(), &["sector"], &["adjustment"]).unwrap();
    let (v, scale) = dianzhi_analysis::summary::numbers(&f, "adjustment").unwrap();
    assert_eq!(
        (v, scale),
        (vec![Some(-10), Some(3)], 1),
        "d: -1.0, h: 0.3 (at the longest fraction written, trailing zeros aside)"
    );
}
