//! End-to-end `dip settle`: hand-checked case scores and point values (CONTRACT §6), every case
//! type, special pools, and bad input refused with its place.

mod common;
use common::*;

use std::path::{Path, PathBuf};

const CASES_HEADER: &str =
    "case_id,institution_id,region,fund,discharge_month,dip_group,total_cost,fund_paid,aux_factor,special_score";

/// The lookup tables and funds of a test, written into `dir`.
struct Tables {
    groups: PathBuf,
    averages: PathBuf,
    institutions: PathBuf,
    funds: PathBuf,
}

fn tables(dir: &Path, groups: &str, averages: &str, institutions: &str, funds: &str) -> Tables {
    Tables {
        groups: write(dir, "groups.csv", &format!("dip_group,score,kind\n{groups}")),
        averages: write(dir, "averages.csv", &format!("dip_group,level,avg_cost\n{averages}")),
        institutions: write(dir, "institutions.csv", institutions),
        funds: write(dir, "funds.csv", &format!("region,fund,year,budget,payment_ratio,reserve\n{funds}")),
    }
}

/// Runs `dip settle` on `cases` (CSV text after the header) with CSV output into dir/out.
fn dip_settle(dir: &Path, t: &Tables, cases: &str, extra: &[&str]) -> std::process::Output {
    let c = write(dir, "cases.csv", &format!("{CASES_HEADER}\n{cases}"));
    let out = dir.join("out");
    let mut args = vec![
        "dip",
        "settle",
        "--cases",
        s(&c),
        "--groups",
        s(&t.groups),
        "--averages",
        s(&t.averages),
        "--institutions",
        s(&t.institutions),
        "--funds",
        s(&t.funds),
        "--out",
        s(&out),
        "--format",
        "csv",
        "--quiet",
    ];
    args.extend_from_slice(extra);
    dianzhi(&args)
}

/// CONTRACT §6 / issue 8: group score 800, coefficient 1.05, aux factor 1.10, average 9,000,
/// inclusive bounds.
#[test]
fn hand_checked_case_scores_of_every_type() {
    let dir = tempfile::tempdir().unwrap();
    let t = tables(
        dir.path(),
        "G800,800,core\nB500,500,basic\nZERO,0,core\n",
        "G800,3,9000\nB500,3,1000\n",
        "institution_id,level,coefficient\nH1,3,1.05\n",
        "r1,employee,2026,100000000,1,0\n",
    );
    let cases = "\
c1,H1,r1,employee,2026-01,G800,3600,3000,1.10,
c2,H1,r1,employee,2026-02,G800,4500,3000,1.10,
c3,H1,r1,employee,2026-03,G800,9000,3000,1.10,
c4,H1,r1,employee,2026-04,G800,18000,3000,1.10,
c5,H1,r1,employee,2026-05,G800,27000,3000,1.10,
c6,H1,r1,employee,2026-06,G800,54000,3000,1.10,
c7,H1,r1,employee,2026-07,G800,9000,3000,,1234.5
c8,H1,r1,employee,2026-08,,700.50,650.25,,
c9,H1,r1,employee,2026-09,ZERO,100,90,,
c10,H1,r1,employee,2026-10-15,B500,1000,900,,
";
    let config = write(dir.path(), "dip.toml", "[dip.special]\nquota = \"0.2\"\n");
    let o = dip_settle(dir.path(), &t, cases, &["--config", s(&config)]);
    assert_ok(&o);
    let rows = table(&dir.path().join("out/cases.csv"));
    let got: Vec<(&str, &str, &str)> =
        rows.iter().map(|r| (r["case_id"].as_str(), r["type"].as_str(), r["score"].as_str())).collect();
    assert_eq!(
        got,
        vec![
            ("c1", "low", "369.6000"),
            ("c10", "normal", "500.0000"),
            ("c2", "low", "462.0000"),
            ("c3", "normal", "924.0000"),
            ("c4", "high", "924.0000"),
            ("c5", "high", "1848.0000"),
            ("c6", "extreme", "4620.0000"),
            ("c7", "special", "1234.5000"),
            ("c8", "at_cost", "0.0000"),
            ("c9", "at_cost", "0.0000"),
        ]
    );
    assert_eq!(rows[0]["ratio"], "0.400000");
    assert_eq!(rows[0]["avg_cost"], "9000.0000");
    assert_eq!((rows[7]["ratio"].as_str(), rows[7]["avg_cost"].as_str()), ("", ""));
    assert_eq!((rows[8]["dip_group"].as_str(), rows[8]["kind"].as_str()), ("", ""));
    assert_eq!(rows[1]["kind"], "basic");
    let h = &table(&dir.path().join("out/hospitals.csv"))[0];
    assert_eq!(
        (h["cases"].as_str(), h["low_cases"].as_str(), h["high_cases"].as_str(), h["extreme_cases"].as_str()),
        ("10", "2", "2", "1")
    );
    assert_eq!((h["special_cases"].as_str(), h["at_cost_cases"].as_str()), ("1", "2"));
    // at-cost cases are paid their fund_paid outside the points: 650.25 + 90
    assert_eq!(h["at_cost_amount"], "740.25");
    assert_eq!(h["item_amount"], "21900.00");
    let pv = &table(&dir.path().join("out/point_values.csv"))[0];
    assert_eq!((pv["cases"].as_str(), pv["scored_cases"].as_str()), ("10", "8"));
    assert_eq!(pv["total_score"], "10882.1000");
    assert_eq!(pv["money"], "99999259.75");
}

/// CONTRACT §6 worked value on the total_cost basis: B 1,260,000,000, R 63,000,000, ρ 0.72,
/// S 160,000,000 → pv_exact 10.390625; a hospital of 2,000,000 scores is paid 14,962,464.00
/// at the published 10.3906 and 14,962,500.00 with pay_with = "exact".
#[test]
fn worked_point_value_on_the_total_cost_basis() {
    let dir = tempfile::tempdir().unwrap();
    let t = tables(
        dir.path(),
        "BIG,1000000,core\n",
        "BIG,2,50000\n",
        "institution_id,level,coefficient\nA,2,1\nB,2,1\n",
        "r1,resident,2026,1260000000,0.72,63000000\n",
    );
    let mut cases = String::new();
    for n in 0..160 {
        let h = if n < 2 { "A" } else { "B" };
        cases.push_str(&format!("k{n:03},{h},r1,resident,2026-03,BIG,50000,36000,,\n"));
    }
    let basis = write(dir.path(), "basis.toml", "[dip.point_value]\nbasis = \"total_cost\"\n");
    assert_ok(&dip_settle(dir.path(), &t, &cases, &["--config", s(&basis)]));
    let pv = &table(&dir.path().join("out/point_values.csv"))[0];
    assert_eq!((pv["pv"].as_str(), pv["pv_exact"].as_str()), ("10.3906", "10.390625000000000000"));
    assert_eq!(pv["total_score"], "160000000.0000");
    assert_eq!(pv["money"], "1197000000.00");
    assert_eq!(pv["status"], "ok");
    let a = &table(&dir.path().join("out/hospitals.csv"))[0];
    assert_eq!((a["institution_id"].as_str(), a["dip_amount"].as_str()), ("A", "14962464.00"));
    let exact = write(
        dir.path(),
        "exact.toml",
        "[dip.point_value]\nbasis = \"total_cost\"\n[point_value]\npay_with = \"exact\"\n",
    );
    assert_ok(&dip_settle(dir.path(), &t, &cases, &["--config", s(&exact), "--force"]));
    let a = &table(&dir.path().join("out/hospitals.csv"))[0];
    assert_eq!(a["dip_amount"], "14962500.00");
}
