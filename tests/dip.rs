//! End-to-end `dip settle`: hand-checked case scores and point values (docs/dip.md), every case
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
    dip_settle_file(dir, t, &c, extra)
}

/// Runs `dip settle` on a cases file with CSV output into dir/out.
fn dip_settle_file(dir: &Path, t: &Tables, cases: &Path, extra: &[&str]) -> std::process::Output {
    let out = dir.join("out");
    let mut args = vec!["dip", "settle", "--cases", s(cases)];
    for (flag, table) in [
        ("--groups", &t.groups),
        ("--averages", &t.averages),
        ("--institutions", &t.institutions),
        ("--funds", &t.funds),
    ] {
        args.extend([flag, s(table)]);
    }
    args.extend(["--out", s(&out), "--format", "csv", "--quiet"]);
    args.extend_from_slice(extra);
    dianzhi(&args)
}

/// docs/dip.md: group score 800, coefficient 1.05, aux factor 1.10, average 9,000,
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

/// docs/dip.md's worked point value on the total_cost basis: B 1,260,000,000, R 63,000,000, ρ 0.72,
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

/// The default tables of the behaviour tests: one core group, one hospital per fund shape.
fn small(dir: &Path, funds: &str) -> Tables {
    tables(
        dir,
        "G1,100,core\nG2,200,core\n",
        "G1,3,1000\nG2,3,2000\nG1,2,800\n",
        "institution_id,level,coefficient,fund,assessment\nH1,3,1.2,,\nH1,2,0.9,resident,0.95\nH2,3,1,,\n",
        funds,
    )
}

const FUNDS: &str = "r1,employee,2026,100000,1,0\nr1,resident,2026,100000,1,0\n";

#[test]
fn a_fund_row_of_the_institution_overrides_its_row_without_a_fund() {
    let dir = tempfile::tempdir().unwrap();
    let t = small(dir.path(), FUNDS);
    // employee: level 3, 1.2 → 120; resident: level 2, 0.9, average 800 → 90
    let cases = "a,H1,r1,employee,2026-01,G1,1000,900,,\nb,H1,r1,resident,2026-01,G1,800,700,,\n";
    assert_ok(&dip_settle(dir.path(), &t, cases, &[]));
    let rows = table(&dir.path().join("out/cases.csv"));
    assert_eq!((rows[0]["level"].as_str(), rows[0]["score"].as_str()), ("3", "120.0000"));
    assert_eq!((rows[1]["level"].as_str(), rows[1]["score"].as_str()), ("2", "90.0000"));
    let h = table(&dir.path().join("out/hospitals.csv"));
    assert_eq!((h[1]["coefficient"].as_str(), h[1]["assessment"].as_str()), ("0.9000", "0.9500"));
    assert_eq!(h[0]["assessment"], "1.0000");
}

#[test]
fn both_point_value_bases_largest_remainder_and_the_residual() {
    let dir = tempfile::tempdir().unwrap();
    let t = small(dir.path(), "r1,employee,2026,100000,0.8,1000\n");
    // three hospitals' worth of scores 120 + 100 + 100 = 320; money 99,000
    let cases = "a,H1,r1,employee,2026-01,G1,1000,900,,\nb,H2,r1,employee,2026-01,G1,1000,900,,\nc,H2,r1,employee,2026-02,G1,1000,900,,\n";
    assert_ok(&dip_settle(dir.path(), &t, cases, &[]));
    let pv = &table(&dir.path().join("out/point_values.csv"))[0];
    // fund basis: 99,000 / 320 = 309.375
    assert_eq!((pv["pv"].as_str(), pv["pv_exact"].as_str()), ("309.3750", "309.375000000000000000"));
    let basis = write(dir.path(), "b.toml", "[dip.point_value]\nbasis = \"total_cost\"\n");
    assert_ok(&dip_settle(dir.path(), &t, cases, &["--config", s(&basis), "--force"]));
    let pv = &table(&dir.path().join("out/point_values.csv"))[0];
    // total_cost basis: 99,000 / 0.8 / 320 = 386.71875; H1 is paid 120 × 386.7188 × 0.8
    assert_eq!((pv["pv"].as_str(), pv["pv_exact"].as_str()), ("386.7188", "386.718750000000000000"));
    let h = table(&dir.path().join("out/hospitals.csv"));
    assert_eq!(h[0]["dip_amount"], "37125.00");
    // 99,000 over 120 : 200 exactly with largest remainder = 37,125 + 61,875, residual 0
    let lr = write(dir.path(), "lr.toml", "[reconcile]\nmode = \"largest_remainder\"\n[money]\nunit = \"1\"\n");
    let odd = write(
        dir.path(),
        "odd.csv",
        "region,fund,year,budget,payment_ratio,reserve\nr1,employee,2026,100001,0.8,1000\n",
    );
    let t = Tables { funds: odd, ..t };
    assert_ok(&dip_settle(dir.path(), &t, cases, &["--config", s(&lr), "--force"]));
    let pv = &table(&dir.path().join("out/point_values.csv"))[0];
    let h = table(&dir.path().join("out/hospitals.csv"));
    assert_eq!((h[0]["dip_amount"].as_str(), h[1]["dip_amount"].as_str()), ("37125", "61876"));
    assert_eq!((pv["residual"].as_str(), pv["dip_amount"].as_str()), ("0", "99001"));
}

#[test]
fn special_pools_infeasible_only_at_cost_and_no_cases() {
    let dir = tempfile::tempdir().unwrap();
    // r1 employee: only at-cost cases (no_scores); r1 resident: fund row without cases;
    // r2 employee: at-cost payments above the fund (infeasible)
    let funds = "r1,employee,2026,5000,1,0\nr1,resident,2026,5000,1,0\nr2,employee,2026,100,1,50\n";
    let t = small(dir.path(), funds);
    let cases = "a,H1,r1,employee,2026-01,,1000,900,,\nb,H2,r2,employee,2026-01,,1000,900,,\nc,H2,r2,employee,2026-01,G1,1000,900,,\n";
    let o = dip_settle(dir.path(), &t, cases, &[]);
    assert_rejected(
        &o,
        &dir.path().join("out"),
        &[
            "infeasible",
            "region=r2 fund=employee year=2026: budget 100.00 − reserve 50.00 − at-cost amounts 900.00 = -850.00",
        ],
    );
    let zero = write(dir.path(), "z.toml", "[pool]\non_infeasible = \"zero\"\n");
    assert_ok(&dip_settle(dir.path(), &t, cases, &["--config", s(&zero)]));
    let pv = table(&dir.path().join("out/point_values.csv"));
    let status: Vec<(&str, &str, &str)> =
        pv.iter().map(|p| (p["status"].as_str(), p["pv"].as_str(), p["residual"].as_str())).collect();
    assert_eq!(
        status,
        vec![("no_scores", "", "4100.00"), ("no_cases", "", "5000.00"), ("infeasible", "0.0000", "-850.00")]
    );
    assert_eq!(pv[1]["cases"], "0");
}

/// Runs with the defaults of `small` and expects a refusal naming every needle.
fn refused(dir: &Path, t: &Tables, cases: &str, extra: &[&str], needles: &[&str]) {
    let o = dip_settle(dir, t, cases, extra);
    assert_rejected(&o, &dir.join("out"), needles);
}

#[test]
fn bad_cases_are_named_by_file_row_and_value() {
    let dir = tempfile::tempdir().unwrap();
    let t = small(dir.path(), FUNDS);
    let ok = "a,H1,r1,employee,2026-01,G1,1000,900,,\n";
    refused(
        dir.path(),
        &t,
        &format!("{ok}b,H1,r1,employee,2026-01,G1,1000,900,,\na,H2,r1,employee,2026-02,G1,1,1,,\n"),
        &[],
        &["cases.csv, line 4, column 'case_id'", "case_id 'a' is repeated", "line 2"],
    );
    refused(
        dir.path(),
        &t,
        &format!("{ok}b,H1,r1,employee,2026-01,X9,1000,900,,\n"),
        &[],
        &["column 'dip_group'", "'X9'", "line 3", "not in the groups table"],
    );
    refused(
        dir.path(),
        &t,
        &format!("{ok}b,H2,r1,resident,2026-01,G2,1000,900,,\nc,H1,r1,resident,2026-01,G2,1000,900,,\n"),
        &[],
        &["no average cost", "dip_group 'G2' level 2", "line 4"],
    );
    refused(
        dir.path(),
        &t,
        &format!("{ok}b,H7,r1,employee,2026-01,G1,1000,900,,\n"),
        &[],
        &["column 'institution_id'", "institution H7 fund employee", "line 3", "not in the institutions table"],
    );
    refused(
        dir.path(),
        &t,
        &format!("{ok}b,H1,r9,employee,2026-01,G1,1000,900,,\n"),
        &[],
        &["no funds row", "region=r9 fund=employee year=2026"],
    );
    refused(
        dir.path(),
        &t,
        &format!("{ok}b,H1,r1,employee,2026-01,G1,-5,900,,\n"),
        &[],
        &["line 3, column 'total_cost'", "-5 is negative"],
    );
    refused(
        dir.path(),
        &t,
        &format!("{ok}b,H1,r1,employee,2026-01,G1,10.005,9,,\n"),
        &[],
        &["line 3, column 'total_cost'", "not a multiple of the money unit 0.01"],
    );
    refused(
        dir.path(),
        &t,
        &format!("{ok}b,H1,r1,employee,2026-01,G1,10,9,0,\n"),
        &[],
        &["line 3, column 'aux_factor'", "must be > 0"],
    );
    refused(
        dir.path(),
        &t,
        &format!("{ok}b,H1,r1,employee,2026-13,G1,10,9,,\n"),
        &[],
        &["line 3, column 'discharge_month'", "2026-13"],
    );
    refused(
        dir.path(),
        &t,
        &format!("{ok}b,,r1,employee,2026-01,G1,10,9,,\n"),
        &[],
        &["line 3, column 'institution_id'", "empty institution_id"],
    );
    refused(
        dir.path(),
        &t,
        &format!("{ok}b,H1,r1,employee,2026-01,G1,12345678901234567890123456789,9,,\n"),
        &[],
        &["line 3, column 'total_cost'", "is too large: a decimal has at most 28 significant digits"],
    );
    // one special case in two is over the default quota of 5‰
    refused(
        dir.path(),
        &t,
        &format!("{ok}b,H1,r1,employee,2026-01,G1,10,9,,50\n"),
        &[],
        &["more special cases", "region=r1 fund=employee year=2026: 1 special cases of 2"],
    );
    let strict = write(dir.path(), "strict.toml", "[dip.score]\nungrouped = \"error\"\n");
    refused(
        dir.path(),
        &t,
        &format!("{ok}b,H1,r1,employee,2026-01,,10,9,,\n"),
        &["--config", s(&strict)],
        &["line 3, column 'dip_group'", "ungrouped = \"error\""],
    );
}

#[test]
fn bad_tables_and_config_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let ok = "a,H1,r1,employee,2026-01,G1,1000,900,,\n";
    let t = small(dir.path(), "r1,employee,2026,100000,1.2,0\n");
    refused(dir.path(), &t, ok, &[], &["funds.csv, line 2, column 'payment_ratio'", "1.2 is outside (0, 1]"]);
    let t = small(dir.path(), "r1,employee,2026,100000,0,0\n");
    refused(dir.path(), &t, ok, &[], &["column 'payment_ratio'", "0 is outside (0, 1]"]);
    let t = small(dir.path(), "r1,employee,2026,100000,1,0\nr1,employee,2026,5,1,0\n");
    refused(
        dir.path(),
        &t,
        ok,
        &[],
        &["funds row for region=r1 fund=employee year=2026 is given twice, at line 2 and line 3"],
    );
    let mut t = small(dir.path(), FUNDS);
    t.institutions = write(dir.path(), "inst2.csv", "institution_id,level,coefficient\nH1,3,0\n");
    refused(dir.path(), &t, ok, &[], &["inst2.csv, line 2, column 'coefficient'", "must be > 0"]);
    t.institutions = write(dir.path(), "inst3.csv", "institution_id,level,coefficient,fund\nH1,3,1,\nH1,2,1,\n");
    refused(dir.path(), &t, ok, &[], &["institution H1 without a fund is given twice"]);
    let t = small(dir.path(), FUNDS);
    let groups = write(dir.path(), "g2.csv", "dip_group,score,kind\nG1,100,major\n");
    let t = Tables { groups, ..t };
    refused(dir.path(), &t, ok, &[], &["g2.csv, line 2, column 'kind'", "'major' is not a group kind"]);
    let t = small(dir.path(), FUNDS);
    for (config, needle) in [
        ("[dip.presettle]\nwithhold_rate = \"0.06\"\n", "national rule caps the quality reserve"),
        ("[dip.clearing]\noverspend = [{ up_to = \"0.2\", fund_share = \"0.5\" }, { up_to = \"0.1\", fund_share = \"0.7\" }]\n", "rising up_to"),
        ("[dip.clearing]\nsurplus = [{ up_to = \"1\", keep = \"1.5\" }]\n", "dip.clearing.surplus[0].keep = \"1.5\" must be between 0 and 1"),
        ("[dip.outliers]\nhigh = \"0.4\"\n", "dip.outliers.high"),
        ("[dip.score]\nscale = 5\n", "dip.score.scale"),
        ("[dip.outliers]\nlow = 0.5\n", "not a binary float"),
        ("[dip]\nunknown = 1\n", "unknown field"),
        ("[fixed_value]\ndrug = \"1_000\"\n", "'1_000' is not a plain decimal number"),
        ("[dip.special]\nquota = \"5e-3\"\n", "'5e-3' is not a plain decimal number"),
    ] {
        let c = write(dir.path(), "bad.toml", config);
        refused(dir.path(), &t, ok, &["--config", s(&c)], &["bad.toml", needle]);
    }
}

/// Cases in Parquet with DECIMAL(38, 4) money and no nulls (the reader hands out the column's own
/// values then) score like the same cases in CSV.
#[test]
fn parquet_cases_with_decimal_38_4_columns() {
    use arrow_array::{ArrayRef, Decimal128Array, RecordBatch, StringArray};
    use std::sync::Arc;
    let dir = tempfile::tempdir().unwrap();
    let t = small(dir.path(), FUNDS);
    let text = |v: &[&str]| Arc::new(StringArray::from(v.to_vec())) as ArrayRef;
    let money =
        |v: &[i128]| Arc::new(Decimal128Array::from(v.to_vec()).with_precision_and_scale(38, 4).unwrap()) as ArrayRef;
    let batch = RecordBatch::try_from_iter([
        ("case_id", text(&["a", "b"])),
        ("institution_id", text(&["H1", "H2"])),
        ("region", text(&["r1", "r1"])),
        ("fund", text(&["employee", "employee"])),
        ("discharge_month", text(&["2026-01", "2026-02"])),
        ("dip_group", text(&["G1", "G2"])),
        ("total_cost", money(&[400_0000, 2_000_0000])),
        ("fund_paid", money(&[300_0000, 1_500_0000])),
    ])
    .unwrap();
    let pq = dir.path().join("cases.parquet");
    write_parquet(&pq, &batch, None);
    let out = dir.path().join("out");
    assert_ok(&dip_settle_file(dir.path(), &t, &pq, &[]));
    let rows = table(&out.join("cases.csv"));
    // a: 100 × 1.2 × 400 / 1000 (low); b: 200 × 1 (normal)
    assert_eq!((rows[0]["type"].as_str(), rows[0]["score"].as_str()), ("low", "48.0000"));
    assert_eq!((rows[1]["type"].as_str(), rows[1]["score"].as_str()), ("normal", "200.0000"));
}

/// `--year Y` keeps year Y's cases, funds rows and payments; CMI is the hospital's score per
/// scored case over the pool's.
#[test]
fn year_filter_and_cmi() {
    let dir = tempfile::tempdir().unwrap();
    let t = small(dir.path(), "r1,employee,2026,100000,1,0\nr1,employee,2025,5000,1,0\n");
    // 2026: H1 120 (one case), H2 100 + 100 → pool 320 over 3 scored cases; 2025: one case
    let cases = "a,H1,r1,employee,2026-01,G1,1000,900,,\nb,H2,r1,employee,2026-01,G1,1000,900,,\n\
                 c,H2,r1,employee,2026-02,G1,1000,900,,\nz,H2,r1,employee,2025-12,G1,1000,900,,\n";
    let payments = write(
        dir.path(),
        "paid.csv",
        "institution_id,region,fund,year,month,paid,withheld\nH2,r1,employee,2025,2025-12,10.00,0.50\nH2,r1,employee,2026,2026-01,20.00,1.00\n",
    );
    assert_ok(&dip_settle(dir.path(), &t, cases, &["--year", "2026", "--payments", s(&payments)]));
    let pv = table(&dir.path().join("out/point_values.csv"));
    assert_eq!(pv.len(), 1);
    assert_eq!((pv[0]["year"].as_str(), pv[0]["cases"].as_str()), ("2026", "3"));
    let h = table(&dir.path().join("out/hospitals.csv"));
    // H1: 120 / (320 / 3) = 1.125; H2: 100 / (320 / 3) = 0.9375
    assert_eq!((h[0]["cmi"].as_str(), h[1]["cmi"].as_str()), ("1.1250", "0.9375"));
    assert_eq!((h[1]["paid"].as_str(), h[1]["withheld"].as_str()), ("20.00", "1.00"));
    assert_eq!(table(&dir.path().join("out/cases.csv")).len(), 3);
    // without --year every year is settled, each its own pool
    assert_ok(&dip_settle(dir.path(), &t, cases, &["--payments", s(&payments), "--force"]));
    let pv = table(&dir.path().join("out/point_values.csv"));
    assert_eq!(pv.iter().map(|p| p["year"].as_str()).collect::<Vec<_>>(), vec!["2025", "2026"]);
}

/// Cases split over files where only some have an optional column (here exam_cost) are refused
/// naming the files: the others' cases would count as without it (exam shares fall, flags vanish).
#[test]
fn an_optional_column_in_some_files_only_is_refused_naming_them() {
    let dir = tempfile::tempdir().unwrap();
    let t = small(dir.path(), FUNDS);
    let head = "case_id,institution_id,region,fund,discharge_month,dip_group,total_cost,fund_paid";
    let with =
        write(dir.path(), "cases/a.csv", &format!("{head},exam_cost\nc1,H1,r1,employee,2026-01,G1,1000,900,200\n"));
    let without = write(dir.path(), "cases/b.csv", &format!("{head}\nc2,H2,r1,employee,2026-02,G1,1000,900\n"));
    let o = dip_settle_file(dir.path(), &t, &dir.path().join("cases"), &[]);
    assert_rejected(
        &o,
        &dir.path().join("out"),
        &["has no column exam_cost", s(&with), s(&without), "give every file the column"],
    );
    // every file with it, or none: settled
    let o = dip_settle_file(dir.path(), &t, &with, &[]);
    assert_ok(&o);
}
