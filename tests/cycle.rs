//! The yearly cycle through the binary: budget → monthly interim payments → quarterly settlement.

mod common;
use common::*;

use std::collections::BTreeMap;
use std::path::Path;

fn root(p: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(p).display().to_string()
}

#[test]
fn budget_of_the_contract_example_adds_up_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("b");
    assert_ok(&dianzhi(&["budget", "--spec", &root("data/examples/budget.toml"), "--out", s(&out), "--format", "csv"]));
    let g = &table(&out.join("growth.csv"))[0];
    assert_eq!(g["non_negotiated_rate"], "0.020527489600"); // (1 + 0.02064 − 0.00353) × 1.00336 − 1
    assert_eq!(g["general_rate"], "0.025427489600");
    assert_eq!(g["general_budget"], "439088051047"); // 428,200,000,000 × 1.0254274896, half_up
    assert_eq!((g["allocatable"].as_str(), g["total"].as_str()), ("438743051047", "440288051047"));
    let pools = table(&out.join("budgets.csv"));
    assert_eq!(pools.len(), 24);
    let mut per_region: BTreeMap<String, i128> = BTreeMap::new();
    for p in &pools {
        *per_region.entry(p["region"].clone()).or_default() += p["budget"].parse::<i128>().unwrap();
    }
    assert_eq!(per_region.values().sum::<i128>(), 438_743_051_047);
    // east has the fixed 2.22% share: 9,740,095,733.2… → 9,740,095,733 (its remainder is too small)
    assert_eq!(per_region["east"], 9_740_095_733);
    // quarters of each region: 24.5/25/25/25.5 %, Q2/Q3 ties broken in quarter order
    let east: Vec<&str> = pools.iter().filter(|p| p["region"] == "east").map(|p| p["budget"].as_str()).collect();
    assert_eq!(east, ["2386323455", "2435023933", "2435023933", "2483724412"]);
}

#[test]
fn bad_budget_specs_name_the_key() {
    let base = std::fs::read_to_string(root("data/examples/budget.toml")).unwrap();
    for (from, to, needles) in [
        (
            "weights = { r_value = \"0.5\", s_value = \"0.5\" }",
            "weights = { r_value = \"0.5\", s_value = \"0.6\" }",
            vec!["regions.weights", "sum to 1.1, not 1"],
        ),
        (
            "fixed = { east = \"0.0222\" }",
            "fixed = { east = \"1.0222\" }",
            vec!["regions.fixed.east", "between 0 and 1"],
        ),
        (
            "kaoping = \"56700\"",
            "kaoping = \"56700\", penghu = \"1\"",
            vec!["regions.parameters.s_value", "unknown region penghu"],
        ),
        ("amount = \"1200000000\"", "amount = \"-1200000000\"", vec!["special_funds[0] (remote areas)", "negative"]),
        ("base = \"428200000000\"", "base = \"428200000000\"\nbase_year = 2025", vec!["unknown field `base_year`"]),
        ("Q4 = \"0.255\"", "Q4 = \"0.256\"", vec!["quarters", "not 1"]),
    ] {
        let dir = tempfile::tempdir().unwrap();
        assert!(base.contains(from), "{from}");
        let spec = write(dir.path(), "spec.toml", &base.replace(from, to));
        let out = dir.path().join("b");
        let o = dianzhi(&["budget", "--spec", s(&spec), "--out", s(&out)]);
        let mut needles = needles.clone();
        needles.push("spec.toml");
        assert_rejected(&o, &out, &needles);
    }
}

#[test]
fn interim_check_of_the_contract_and_history() {
    let dir = tempfile::tempdir().unwrap();
    // A: three reviewed months with 0.5% deductions, then 1,234,567 floating points in April
    // B: only two months of history → new provider ratio 0.85
    let claims = format!(
        "{HEADER}\n\
         A,dental,east,2026-01,,100000,0,0,500,0\nA,dental,east,2026-02,,100000,0,0,500,0\nA,dental,east,2026-03,,100000,0,0,500,0\n\
         A,dental,east,2026-04,,1234567,0,0,0,0\n\
         B,dental,east,2026-02,,1000,0,0,0,0\nB,dental,east,2026-03,,1000,0,0,0,0\nB,dental,east,2026-04,,10000,2000,0,0,300\n"
    );
    let c = write(dir.path(), "claims.csv", &claims);
    let e = write(dir.path(), "estimates.csv", "sector,region,estimated_point_value\ndental,east,0.9123\n");
    let out = dir.path().join("i");
    assert_ok(&dianzhi(&[
        "interim",
        "--claims",
        s(&c),
        "--estimates",
        s(&e),
        "--month",
        "2026-04",
        "--out",
        s(&out),
        "--format",
        "csv",
    ]));
    let rows = table(&out.join("interim.csv"));
    assert_eq!(rows.len(), 2);
    assert_eq!(
        (rows[0]["institution_id"].as_str(), rows[0]["interim_paid"].as_str(), rows[0]["ratio"].as_str()),
        ("A", "1069900", "0.95")
    );
    assert_eq!(
        (rows[0]["deduction_rate"].as_str(), rows[0]["history_months"].as_str(), rows[0]["quarter"].as_str()),
        ("0.005000000000", "3", "2026Q2")
    );
    // B: (8,000 × 0.9123 + 2,000) × 0.85 − 300 = 7,603.64 → 7,600
    assert_eq!(
        (rows[1]["interim_paid"].as_str(), rows[1]["ratio"].as_str(), rows[1]["history_months"].as_str()),
        ("7600", "0.85", "2")
    );
    // a (sector, region) without an estimate is an error naming it
    let e2 = write(dir.path(), "estimates2.csv", "sector,region,estimated_point_value\ndental,north,0.9\n");
    let out2 = dir.path().join("i2");
    let o = dianzhi(&["interim", "--claims", s(&c), "--estimates", s(&e2), "--month", "2026-04", "--out", s(&out2)]);
    assert_rejected(&o, &out2, &["no estimated point value for sector=dental region=east"]);
}

#[test]
fn full_cycle_on_the_demo_data() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let budget = d.join("budget");
    assert_ok(&dianzhi(&["budget", "--spec", &root("data/demo/budget.toml"), "--out", s(&budget), "--format", "csv"]));
    let mut interim_files = Vec::new();
    for m in ["2026-01", "2026-02", "2026-03"] {
        let out = d.join(format!("interim-{m}"));
        assert_ok(&dianzhi(&[
            "interim",
            "--claims",
            &root("data/demo/claims"),
            "--estimates",
            &root("data/demo/estimates.csv"),
            "--month",
            m,
            "--out",
            s(&out),
            "--format",
            "csv",
        ]));
        interim_files.push(out.join("interim.csv"));
    }
    let settled = d.join("settled");
    let mut args = vec![
        "settle",
        "--claims",
        "CLAIMS",
        "--budgets",
        "BUDGETS",
        "--quarter",
        "2026Q1",
        "--out",
        s(&settled),
        "--format",
        "csv",
        "--interim",
    ];
    let claims = root("data/demo/claims");
    let budgets = budget.join("budgets.csv").display().to_string();
    args[2] = &claims;
    args[4] = &budgets;
    args.extend(interim_files.iter().map(|p| s(p)));
    assert_ok(&dianzhi(&args));
    let pv = table(&settled.join("point_values.csv"));
    assert_eq!(pv.len(), 30);
    assert!(pv.iter().all(|r| r["status"] == "ok"), "{pv:?}");
    // every adjustment is payable − the interim paid in the three months
    let mut paid: BTreeMap<(String, String, String), i128> = BTreeMap::new();
    for f in &interim_files {
        for r in table(f) {
            *paid.entry((r["institution_id"].clone(), r["sector"].clone(), r["region"].clone())).or_default() +=
                r["interim_paid"].parse::<i128>().unwrap();
        }
    }
    let rows = table(&settled.join("settlements.csv"));
    assert!(paid.values().sum::<i128>() > 0);
    for r in &rows {
        let key = (r["institution_id"].clone(), r["sector"].clone(), r["region"].clone());
        let interim = paid.get(&key).copied().unwrap_or(0);
        assert_eq!(r["interim_paid"].parse::<i128>().unwrap(), interim);
        assert_eq!(r["adjustment"].parse::<i128>().unwrap(), r["payable"].parse::<i128>().unwrap() - interim);
    }
}
