//! Helpers for the end-to-end tests: run the binary, write fixtures, read outputs.
#![allow(dead_code)]

pub mod browser;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub const HEADER: &str =
    "institution_id,sector,region,service_month,settle_quarter,claimed_points,drug_points,protected_points,deducted_points,copayment";

pub fn dianzhi(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dianzhi")).args(args).output().expect("run dianzhi")
}

pub fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    if let Some(parent) = p.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(&p, text).unwrap();
    p
}

pub fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Runs settle with CSV output into dir/out; returns the output.
pub fn settle(dir: &Path, claims: &str, budgets: &str, extra: &[&str]) -> Output {
    let c = write(dir, "claims.csv", claims);
    let b = write(dir, "budgets.csv", budgets);
    let out = dir.join("out");
    let mut args =
        vec!["settle", "--claims", s(&c), "--budgets", s(&b), "--out", s(&out), "--format", "csv", "--quiet"];
    args.extend_from_slice(extra);
    dianzhi(&args)
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

/// Reads a CSV output into rows of (column → value).
pub fn table(path: &Path) -> Vec<std::collections::BTreeMap<String, String>> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    lines.map(|l| header.iter().map(|h| h.to_string()).zip(l.split(',').map(str::to_string)).collect()).collect()
}

pub fn assert_ok(o: &Output) {
    assert!(
        o.status.success(),
        "exit {:?}\nstderr: {}\nstdout: {}",
        o.status.code(),
        stderr(o),
        String::from_utf8_lossy(&o.stdout)
    );
}

/// Asserts exit 2, that stderr contains every needle, and that no output was left.
pub fn assert_rejected(o: &Output, out: &Path, needles: &[&str]) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(2), "stderr: {err}");
    for n in needles {
        assert!(err.contains(n), "stderr lacks {n:?}:\n{err}");
    }
    assert!(
        !out.exists() || std::fs::read_dir(out).unwrap().next().is_none(),
        "output left behind in {}",
        out.display()
    );
    let parent = out.parent().unwrap();
    let stray: Vec<_> = std::fs::read_dir(parent)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().contains("dianzhi-tmp"))
        .collect();
    assert!(stray.is_empty(), "temporary output left behind: {stray:?}");
}

/// Writes one batch as a Parquet file (`props`: row groups, dictionaries; default if `None`).
pub fn write_parquet(
    path: &Path,
    batch: &arrow_array::RecordBatch,
    props: Option<parquet::file::properties::WriterProperties>,
) {
    let file = std::fs::File::create(path).unwrap();
    let mut w = parquet::arrow::ArrowWriter::try_new(file, batch.schema(), props).unwrap();
    w.write(batch).unwrap();
    w.close().unwrap();
}

/// A file of the bundled Taiwan demo quarter (`data/demo/`).
pub fn demo(file: &str) -> String {
    format!("{}/data/demo/{file}", env!("CARGO_MANIFEST_DIR"))
}

/// Runs `command` (settle or scenario) on the demo quarter's claims, budgets and interim
/// payments into `out`, with `extra` arguments; asserts that it succeeds.
pub fn on_demo_quarter(command: &str, out: &Path, extra: &[&str]) {
    let mut extra = extra.to_vec();
    extra.push("--quiet");
    assert_ok(&run_on_demo_quarter(command, out, &extra));
}

/// Runs `command` on the demo quarter's claims, budgets and interim payments into `out`, with
/// `extra` arguments; what it printed and its exit status.
pub fn run_on_demo_quarter(command: &str, out: &Path, extra: &[&str]) -> Output {
    let (claims, budgets, interim) = (demo("claims"), demo("budgets.csv"), demo("interim.csv"));
    let mut args = vec![command, "--claims", &claims, "--budgets", &budgets, "--interim", &interim, "--out", s(out)];
    args.extend_from_slice(extra);
    dianzhi(&args)
}

/// Runs scenario on `dir/claims.csv` and `dir/budgets.csv` (as [`settle`] writes them) with
/// the scenarios `text`, into `out`.
pub fn scenario(dir: &Path, text: &str, out: &Path, extra: &[&str]) -> Output {
    let (c, b) = (dir.join("claims.csv"), dir.join("budgets.csv"));
    let sc = write(dir, "scenarios.toml", text);
    let mut args = vec!["scenario", "--claims", s(&c), "--budgets", s(&b), "--scenarios", s(&sc), "--out", s(out)];
    args.extend_from_slice(extra);
    dianzhi(&args)
}

/// The staging directories an output left in `dir` (a run that finished or failed leaves none).
pub fn staging_left(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| n.contains("dianzhi-tmp"))
        .collect()
}

/// Asserts that the manifest in `out` gives each input of `role` the SHA-256 of the file's
/// bytes (computed here from the whole file; the run hashes what its scan reads); returns how
/// many it checked.
#[allow(dead_code)]
pub fn assert_input_digests(out: &Path, role: &str) -> usize {
    use sha2::{Digest, Sha256};
    let text = std::fs::read_to_string(out.join("manifest.json")).unwrap();
    let manifest: serde_json::Value = serde_json::from_str(&text).unwrap();
    let inputs = manifest["inputs"].as_array().unwrap();
    let of_role: Vec<_> = inputs.iter().filter(|i| i["role"] == role).collect();
    for input in &of_role {
        let path = input["path"].as_str().unwrap();
        let expected: String =
            Sha256::digest(std::fs::read(path).unwrap()).iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(input["sha256"].as_str().unwrap(), expected, "digest of {path} in {}", out.display());
    }
    of_role.len()
}

/// The worked year of docs/dip-year.md ("A year cleared, worked") cleared into `d/cleared`:
/// pool r1/employee/2026, budget 1,000,000.00, reserve 100,000.00; H1 two cases of 30,000
/// scores costing 150,000.00 each, H2 one of 30,000 costing 400,000.00, assessment 0.9; twelve
/// monthly payments; the corridor of data/policies/corridor-70-70-50.toml.
#[allow(dead_code)]
pub fn worked_dip_year(d: &Path) -> PathBuf {
    let cases = write(
        d,
        "cases.csv",
        "case_id,institution_id,region,fund,discharge_month,dip_group,total_cost,fund_paid\n\
         c1,H1,r1,employee,2026-02,G1,150000.00,150000.00\nc2,H1,r1,employee,2026-07,G1,150000.00,150000.00\n\
         c3,H2,r1,employee,2026-05,G2,400000.00,400000.00\n",
    );
    let groups = write(d, "groups.csv", "dip_group,score,kind\nG1,30000,core\nG2,30000,core\n");
    let averages = write(d, "averages.csv", "dip_group,level,avg_cost\nG1,3,150000\nG2,3,400000\n");
    let institutions =
        write(d, "institutions.csv", "institution_id,level,coefficient,assessment\nH1,3,1,1\nH2,3,1,0.9\n");
    let funds = write(
        d,
        "funds.csv",
        "region,fund,year,budget,payment_ratio,reserve\nr1,employee,2026,1000000.00,1,100000.00\n",
    );
    let mut payments = String::from("institution_id,region,fund,year,month,paid,withheld\n");
    for m in 1..=12 {
        payments.push_str(&format!("H1,r1,employee,2026,2026-{m:02},40000.00,2000.00\n"));
        payments.push_str(&format!("H2,r1,employee,2026,2026-{m:02},30000.00,1500.00\n"));
    }
    let payments = write(d, "payments.csv", &payments);
    // the corridor policy as the bureau keeps it; its assessment mode is the default, `withheld`
    let config =
        std::path::PathBuf::from(format!("{}/data/policies/corridor-70-70-50.toml", env!("CARGO_MANIFEST_DIR")));
    let out = d.join("cleared");
    let o = dip_settle_csv(
        &cases,
        [&groups, &averages, &institutions, &funds],
        &["--payments", s(&payments), "--config", s(&config)],
        &out,
    );
    assert_ok(&o);
    out
}

/// The golden pool of docs/settle.md: budget 10,000,000,000, charges 20,000,000, 3,000,000,000 fixed
/// points, 8,000,000,000 floating points. P001 has 1,000,000 floating and 150,000 drug points.
#[allow(dead_code)]
pub const GOLDEN_CLAIMS: &str = "\
P001,hospital,taipei,2026-01,,1150000,150000,0,0,26175
P999,hospital,taipei,2026-02,,10000000000,2999850000,0,1000000000,0
P999,hospital,taipei,2026-03,,1998850000,0,0,0,0
";
#[allow(dead_code)]
pub const GOLDEN_BUDGET: &str = "sector,region,quarter,budget,charges\nhospital,taipei,2026Q1,10000000000,20000000\n";

/// `dianzhi dip settle --cases CASES --groups … --averages … --institutions … --funds …
/// <extra> --out OUT --format csv --quiet`.
#[allow(dead_code)]
pub fn dip_settle_csv(
    cases: &Path,
    [groups, averages, institutions, funds]: [&Path; 4],
    extra: &[&str],
    out: &Path,
) -> Output {
    let mut args = vec!["dip", "settle", "--cases", s(cases), "--groups", s(groups), "--averages", s(averages)];
    args.extend(["--institutions", s(institutions), "--funds", s(funds)]);
    args.extend_from_slice(extra);
    args.extend(["--out", s(out), "--format", "csv", "--quiet"]);
    dianzhi(&args)
}
