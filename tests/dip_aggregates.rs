//! `dip aggregate` and `dip settle --aggregates`: the year cleared from the cases' sums is the
//! year cleared from the cases (point_values and hospitals byte for byte); the sums of parts of
//! the cases add up to the sums of all; `--cases-only` values each case at given point values
//! without clearing a pool (what Spark does with each partition).

mod common;

use std::path::Path;

use common::*;

const LOOKUPS: [(&str, &str); 5] = [
    ("--groups", "dip/groups.csv"),
    ("--averages", "dip/averages.csv"),
    ("--institutions", "dip/institutions.csv"),
    ("--funds", "dip/funds.csv"),
    ("--config", "dip/dip.toml"),
];

fn year_args() -> Vec<String> {
    LOOKUPS.iter().flat_map(|(flag, file)| [flag.to_string(), demo(file)]).collect()
}

fn run(args: &[&str], more: &[String]) -> std::process::Output {
    let mut all: Vec<&str> = args.to_vec();
    all.extend(more.iter().map(String::as_str));
    all.push("--quiet");
    dianzhi(&all)
}

/// `dip aggregate` of `cases` (no funds: it scores, it does not clear) into `out`.
fn aggregate(cases: &str, out: &Path) {
    let lookups: Vec<String> = year_args()
        .into_iter()
        .collect::<Vec<_>>()
        .chunks(2)
        .filter(|c| c[0] != "--funds")
        .flatten()
        .cloned()
        .collect();
    assert_ok(&run(&["dip", "aggregate", "--cases", cases, "--out", s(out)], &lookups));
}

#[test]
fn the_year_from_its_sums_is_the_year_from_its_cases() {
    let d = tempfile::tempdir().unwrap();
    let cases = demo("dip/cases.csv");
    assert_ok(&run(&["dip", "settle", "--cases", &cases, "--out", s(&d.path().join("cases"))], &year_args()));
    let sums = d.path().join("sums.parquet");
    aggregate(&cases, &sums);
    assert_ok(&run(&["dip", "settle", "--aggregates", s(&sums), "--out", s(&d.path().join("sums"))], &year_args()));
    for table in ["point_values.parquet", "hospitals.parquet"] {
        let a = std::fs::read(d.path().join("cases").join(table)).unwrap();
        let b = std::fs::read(d.path().join("sums").join(table)).unwrap();
        assert!(a == b, "{table} differs");
    }
    // no cases table without the cases
    assert!(!d.path().join("sums/cases.parquet").exists());
    let manifest = std::fs::read_to_string(d.path().join("sums/manifest.json")).unwrap();
    assert!(manifest.contains("\"role\": \"aggregates\""), "{manifest}");
}

#[test]
fn sums_of_parts_add_up_and_a_row_given_twice_is_refused() {
    let d = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(demo("dip/cases.csv")).unwrap();
    let (header, rows) = text.split_once('\n').unwrap();
    let rows: Vec<&str> = rows.lines().collect();
    // two halves by row: a hospital's cases in both
    let (a, b) = rows.split_at(rows.len() / 2);
    let a = write(d.path(), "a.csv", &format!("{header}\n{}\n", a.join("\n")));
    let b = write(d.path(), "b.csv", &format!("{header}\n{}\n", b.join("\n")));
    let all = d.path().join("all.csv");
    aggregate(&demo("dip/cases.csv"), &all);
    aggregate(s(&a), &d.path().join("a-sums.csv"));
    aggregate(s(&b), &d.path().join("b-sums.csv"));
    let parse = |p: &Path| table(p);
    let (whole, half_a, half_b) =
        (parse(&all), parse(&d.path().join("a-sums.csv")), parse(&d.path().join("b-sums.csv")));
    // every key's cases and score: the halves' sum is the whole's
    let key = |r: &std::collections::BTreeMap<String, String>| {
        (r["institution_id"].clone(), r["region"].clone(), r["fund"].clone(), r["month"].clone())
    };
    let score = |v: &str| -> i128 { v.replace('.', "").parse().unwrap() };
    let mut summed: std::collections::BTreeMap<_, (i128, i128)> = Default::default();
    for r in half_a.iter().chain(&half_b) {
        let e = summed.entry(key(r)).or_default();
        e.0 += r["cases"].parse::<i128>().unwrap();
        e.1 += score(&r["total_score"]);
    }
    assert_eq!(summed.len(), whole.len());
    for r in &whole {
        assert_eq!(summed[&key(r)], (r["cases"].parse().unwrap(), score(&r["total_score"])), "{:?}", key(r));
    }
    // the halves' rows side by side repeat keys: summed twice, cases would count twice
    let both = std::fs::read_to_string(d.path().join("a-sums.csv")).unwrap()
        + std::fs::read_to_string(d.path().join("b-sums.csv")).unwrap().split_once('\n').unwrap().1;
    let both = write(d.path(), "both.csv", &both);
    let out = d.path().join("refused");
    let o = run(&["dip", "settle", "--aggregates", s(&both), "--out", s(&out)], &year_args());
    assert_rejected(&o, &out, &["both.csv", "is given twice", "line"]);
}

#[test]
fn cases_only_values_the_cases_of_a_part_at_given_values() {
    let d = tempfile::tempdir().unwrap();
    let cases = demo("dip/cases.csv");
    assert_ok(&run(
        &["dip", "settle", "--cases", &cases, "--out", s(&d.path().join("year")), "--format", "csv"],
        &year_args(),
    ));
    // the year's published values, as --point-values reads them
    let year = table(&d.path().join("year/point_values.csv"));
    let mut pv = String::from("region,fund,point_value,payment_ratio\n");
    for r in &year {
        pv += &format!("{},{},{},{}\n", r["region"], r["fund"], r["pv"], r["payment_ratio"]);
    }
    let pv = write(d.path(), "pv.csv", &pv);
    // a part of the cases (the first 700 rows), valued alone, no funds
    let text = std::fs::read_to_string(&cases).unwrap();
    let part: Vec<&str> = text.lines().take(701).collect();
    let part = write(d.path(), "part.csv", &(part.join("\n") + "\n"));
    let lookups: Vec<String> = year_args().chunks(2).filter(|c| c[0] != "--funds").flatten().cloned().collect();
    let out = d.path().join("part");
    assert_ok(&run(
        &[
            "dip",
            "settle",
            "--cases",
            s(&part),
            "--point-values",
            s(&pv),
            "--cases-only",
            "--out",
            s(&out),
            "--format",
            "csv",
        ],
        &lookups,
    ));
    assert!(!out.join("point_values.csv").exists() && !out.join("hospitals.csv").exists());
    let whole: std::collections::BTreeMap<String, _> =
        table(&d.path().join("year/cases.csv")).into_iter().map(|r| (r["case_id"].clone(), r)).collect();
    let valued = table(&out.join("cases.csv"));
    assert_eq!(valued.len(), 700);
    for r in &valued {
        assert_eq!(r, &whole[&r["case_id"]], "case {}", r["case_id"]);
    }
    // --cases-only needs the values
    let o = run(&["dip", "settle", "--cases", s(&part), "--cases-only", "--out", s(&d.path().join("x"))], &lookups);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("--point-values"), "{}", stderr(&o));
}
