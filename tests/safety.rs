//! Nothing lost, nothing silent: an output never replaces an input, absurd or empty selections
//! are refused or said, and the summary names what did not settle. Each test names the rule it
//! guards; each failed before the rule was enforced.

mod common;
use common::*;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const CLAIMS: &str = "A,dental,east,2026-01,,100,0,0,0,0\nB,dental,east,2026-02,,300,0,0,0,0\n";
const BUDGETS: &str = "sector,region,quarter,budget\ndental,east,2026Q1,200\n";

/// Every file below `dir` with its bytes.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.insert(p.clone(), std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

/// Asserts a refusal (exit 2, stderr naming every needle) that left `dir` exactly as it was.
fn refused_untouched(o: &std::process::Output, dir: &Path, before: &BTreeMap<PathBuf, Vec<u8>>, needles: &[&str]) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(2), "stderr: {err}");
    for n in needles {
        assert!(err.contains(n), "stderr lacks {n:?}:\n{err}");
    }
    assert_eq!(&snapshot(dir), before, "the inputs' directory changed");
}

/// A quarter's inputs in `dir/q/`.
fn quarter(dir: &Path) -> (PathBuf, PathBuf) {
    let c = write(dir, "q/claims.csv", &format!("{HEADER}\n{CLAIMS}"));
    let b = write(dir, "q/budgets.csv", BUDGETS);
    (c, b)
}

#[test]
fn force_never_replaces_the_directory_that_holds_the_inputs() {
    let dir = tempfile::tempdir().unwrap();
    let (c, b) = quarter(dir.path());
    let q = dir.path().join("q");
    let before = snapshot(dir.path());
    // --out is the inputs' directory, and a directory above it
    for out in [q.clone(), dir.path().to_path_buf()] {
        let o = dianzhi(&["settle", "--claims", s(&c), "--budgets", s(&b), "--out", s(&out), "--force", "--quiet"]);
        refused_untouched(&o, dir.path(), &before, &["holds the input", "never inputs"]);
    }
    // a glob's matches count as inputs
    let glob = format!("{}/*.csv", q.display());
    let o = dianzhi(&["settle", "--claims", &glob, "--budgets", s(&b), "--out", s(&q), "--force", "--quiet"]);
    refused_untouched(&o, dir.path(), &before, &["holds the input"]);
    // an --out inside an input directory, or named like it through `..`
    let inside = q.join("settled");
    let o = dianzhi(&["settle", "--claims", s(&q), "--budgets", s(&b), "--out", s(&inside), "--quiet"]);
    refused_untouched(&o, dir.path(), &before, &["lies inside the input"]);
    let dotted = q.join("x").join("..");
    let o = dianzhi(&["settle", "--claims", s(&c), "--budgets", s(&b), "--out", s(&dotted), "--force", "--quiet"]);
    refused_untouched(&o, dir.path(), &before, &["holds the input"]);
    // and an output beside the inputs is fine
    assert_ok(&dianzhi(&[
        "settle",
        "--claims",
        s(&c),
        "--budgets",
        s(&b),
        "--out",
        s(&dir.path().join("out")),
        "--quiet",
    ]));
}

#[test]
fn every_writing_command_keeps_its_inputs() {
    let dir = tempfile::tempdir().unwrap();
    let (c, b) = quarter(dir.path());
    let q = dir.path().join("q");
    let spec = write(dir.path(), "q/budget.toml", &std::fs::read_to_string(demo("budget.toml")).unwrap());
    let est = write(dir.path(), "q/estimates.csv", "sector,region,estimated_point_value\ndental,east,0.9\n");
    let scen = write(dir.path(), "q/scenarios.toml", "[[scenario]]\nname = \"b\"\nbudget = [{ scale = \"1.1\" }]\n");
    let before = snapshot(dir.path());
    let cases: [Vec<&str>; 5] = [
        vec!["budget", "--spec", s(&spec), "--out", s(&q), "--force"],
        vec!["aggregate", "--claims", s(&c), "--out", s(&c), "--force"],
        vec!["interim", "--claims", s(&c), "--estimates", s(&est), "--month", "2026-01", "--out", s(&q), "--force"],
        vec!["scenario", "--claims", s(&c), "--budgets", s(&b), "--scenarios", s(&scen), "--out", s(&q), "--force"],
        vec!["compare", s(&q), s(&q), "--out", s(&q), "--force"],
    ];
    for args in cases {
        let o = dianzhi(&args);
        refused_untouched(&o, dir.path(), &before, &["never inputs"]);
    }
    // aggregate's file output is the input itself
    let o = dianzhi(&["aggregate", "--claims", s(&c), "--out", s(&c), "--force"]);
    refused_untouched(&o, dir.path(), &before, &["is the input"]);
    // a report is a page: never written over a table
    assert_ok(&dianzhi(&[
        "settle",
        "--claims",
        s(&c),
        "--budgets",
        s(&b),
        "--out",
        s(&dir.path().join("s")),
        "--format",
        "csv",
        "--quiet",
    ]));
    let table = dir.path().join("s/point_values.csv");
    let kept = std::fs::read(&table).unwrap();
    let o = dianzhi(&["report", s(&dir.path().join("s")), "--out", s(&table)]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("FILE.html"), "{}", stderr(&o));
    assert_eq!(std::fs::read(&table).unwrap(), kept);
}

#[test]
fn dip_settle_keeps_cases_inside_out() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("dip");
    for f in ["cases.csv", "groups.csv", "averages.csv", "institutions.csv", "funds.csv"] {
        write(&d, f, &std::fs::read_to_string(demo(&format!("dip/{f}"))).unwrap());
    }
    let before = snapshot(dir.path());
    let p = |f: &str| d.join(f).to_str().unwrap().to_string();
    let (cases, groups, averages, inst, funds) =
        (p("cases.csv"), p("groups.csv"), p("averages.csv"), p("institutions.csv"), p("funds.csv"));
    let o = dianzhi(&[
        "dip",
        "settle",
        "--cases",
        &cases,
        "--groups",
        &groups,
        "--averages",
        &averages,
        "--institutions",
        &inst,
        "--funds",
        &funds,
        "--out",
        s(&d),
        "--force",
        "--quiet",
    ]);
    refused_untouched(&o, dir.path(), &before, &["holds the input", "cases.csv"]);
}

#[test]
fn out_dot_is_refused_before_any_work_and_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (c, b) = quarter(dir.path());
    let work = dir.path().join("work");
    std::fs::create_dir(&work).unwrap();
    let before = snapshot(dir.path());
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_dianzhi"))
        .current_dir(&work)
        .args(["settle", "--claims", s(&c), "--budgets", s(&b), "--out", ".", "--force", "--quiet"])
        .output()
        .unwrap();
    refused_untouched(&o, dir.path(), &before, &["working directory"]);
    assert!(std::fs::read_dir(dir.path()).unwrap().flatten().all(|e| !e.file_name().to_string_lossy().contains("tmp")));
}

#[test]
fn absurd_thread_counts_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (c, b) = quarter(dir.path());
    let out = dir.path().join("out");
    let o = dianzhi(&["--threads", "100000", "settle", "--claims", s(&c), "--budgets", s(&b), "--out", s(&out)]);
    assert_rejected(&o, &out, &["--threads 100000", "at most 1024"]);
    // a few more than the cores is allowed, and said
    let o = dianzhi(&["--threads", "64", "settle", "--claims", s(&c), "--budgets", s(&b), "--out", s(&out)]);
    assert_ok(&o);
}

#[test]
fn empty_selections_are_refused_not_settled_to_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    // a header-only claims file would recover every interim payment in full
    let o = settle(dir.path(), &format!("{HEADER}\n"), BUDGETS, &[]);
    assert_rejected(&o, &out, &["no rows"]);
    // a quarter no budget row has, and one no claim settles in
    let o = settle(dir.path(), &format!("{HEADER}\n{CLAIMS}"), BUDGETS, &["--quarter", "2026Q3"]);
    assert_rejected(&o, &out, &["--quarter 2026Q3", "budget 2026Q1"]);
    let budgets = "sector,region,quarter,budget\ndental,east,2026Q1,200\ndental,east,2026Q2,200\n";
    let o = settle(dir.path(), &format!("{HEADER}\n{CLAIMS}"), budgets, &["--quarter", "2026Q2"]);
    assert_rejected(&o, &out, &["--quarter 2026Q2", "no claims settle in it", "settle in 2026Q1"]);
    // interim for a month without claims
    let c = dir.path().join("claims.csv");
    let est = write(dir.path(), "est.csv", "sector,region,estimated_point_value\ndental,east,0.9\n");
    let o = dianzhi(&["interim", "--claims", s(&c), "--estimates", s(&est), "--month", "2026-05", "--out", s(&out)]);
    assert_rejected(&o, &out, &["--month 2026-05", "2026-01, 2026-02"]);
}

/// The demo's DIP inputs, with `cases` replacing the cases' rows when given.
fn dip_inputs(dir: &Path, cases: Option<&str>) -> Vec<String> {
    let d = dir.join("in");
    for f in ["groups.csv", "averages.csv", "institutions.csv", "funds.csv", "cases.csv"] {
        write(&d, f, &std::fs::read_to_string(demo(&format!("dip/{f}"))).unwrap());
    }
    if let Some(rows) = cases {
        let all = std::fs::read_to_string(d.join("cases.csv")).unwrap();
        write(&d, "cases.csv", &format!("{}\n{rows}", all.lines().next().unwrap()));
    }
    let p = |f: &str| d.join(f).to_str().unwrap().to_string();
    [
        "--cases",
        &p("cases.csv"),
        "--groups",
        &p("groups.csv"),
        "--averages",
        &p("averages.csv"),
        "--institutions",
        &p("institutions.csv"),
    ]
    .iter()
    .map(|x| x.to_string())
    .chain(["--funds".to_string(), p("funds.csv")])
    .collect()
}

fn dip(command: &str, inputs: &[String], extra: &[&str]) -> std::process::Output {
    let mut args: Vec<&str> = vec!["dip", command];
    args.extend(inputs.iter().map(String::as_str));
    args.extend_from_slice(extra);
    dianzhi(&args)
}

#[test]
fn dip_empty_cases_a_year_or_month_without_cases_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let o = dip("settle", &dip_inputs(dir.path(), Some("")), &["--out", s(&out)]);
    assert_rejected(&o, &out, &["no rows"]);
    let inputs = dip_inputs(dir.path(), None);
    let o = dip("settle", &inputs, &["--out", s(&out), "--year", "2025"]);
    assert_rejected(&o, &out, &["--year 2025", "of 2026"]);
    let o = dip("presettle", &inputs[..8], &["--month", "2025-03", "--out", s(&out)]);
    assert_rejected(&o, &out, &["--month 2025-03", "no case"]);
}

#[test]
fn dip_settle_says_how_many_cases_another_year_held() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let d = dir.path().join("in");
    let inputs = dip_inputs(dir.path(), None);
    // move three cases into 2025: they are left out of --year 2026, and the summary says so
    let text = std::fs::read_to_string(d.join("cases.csv")).unwrap();
    let moved: String = text
        .lines()
        .enumerate()
        .map(|(i, l)| if (1..=3).contains(&i) { l.replacen(",2026-", ",2025-", 1) } else { l.to_string() } + "\n")
        .collect();
    write(&d, "cases.csv", &moved);
    let o = dip("settle", &inputs, &["--out", s(&out), "--year", "2026", "--format", "csv"]);
    assert_ok(&o);
    let said = String::from_utf8_lossy(&o.stdout);
    assert!(said.contains("from 3000 cases (3 of other years than --year left out)"), "{said}");
}

#[test]
fn a_month_of_payments_given_twice_is_refused_naming_both() {
    let dir = tempfile::tempdir().unwrap();
    let inputs = dip_inputs(dir.path(), None);
    let jan = dir.path().join("jan");
    assert_ok(&dip("presettle", &inputs[..8], &["--month", "2026-01", "--out", s(&jan), "--format", "csv", "--quiet"]));
    let copy = dir.path().join("jan-copy.csv");
    std::fs::copy(jan.join("payments.csv"), &copy).unwrap();
    let out = dir.path().join("out");
    let first = jan.join("payments.csv");
    let o = dip("settle", &inputs, &["--payments", s(&first), s(&copy), "--out", s(&out)]);
    assert_rejected(&o, &out, &["jan-copy.csv", "paid for 2026-01 again", "jan/payments.csv line 2"]);
}

#[test]
fn fund_paid_above_total_cost_is_refused_naming_the_row() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let cases = "c1,H0100000,济南,employee,2026-03,D00000,3000.00,2900.00,,,\n\
                 c2,H0100000,济南,employee,2026-03,D00000,5800.00,105900.00,,,\n";
    let o = dip("settle", &dip_inputs(dir.path(), Some(cases)), &["--out", s(&out)]);
    assert_rejected(&o, &out, &["fund_paid", "line 3", "105900", "above the case's total_cost 5800"]);
}

#[test]
fn the_summary_lists_the_pools_that_did_not_settle() {
    let dir = tempfile::tempdir().unwrap();
    let budgets = "sector,region,quarter,budget\ndental,east,2026Q1,200\ndental,west,2026Q1,500\n";
    let c = write(dir.path(), "claims.csv", &format!("{HEADER}\n{CLAIMS}"));
    let b = write(dir.path(), "budgets.csv", budgets);
    let out = dir.path().join("out");
    let o = dianzhi(&["settle", "--claims", s(&c), "--budgets", s(&b), "--out", s(&out)]);
    assert_ok(&o);
    let said = String::from_utf8_lossy(&o.stdout);
    assert!(said.contains("from 2 claim rows"), "{said}");
    assert!(said.contains("1 pool(s) not ok:\n  sector=dental region=west quarter=2026Q1: no_claims"), "{said}");
}

#[test]
fn a_demo_replaces_only_a_demo() {
    let dir = tempfile::tempdir().unwrap();
    let (c, b) = quarter(dir.path());
    let settled = dir.path().join("settled");
    assert_ok(&dianzhi(&["settle", "--claims", s(&c), "--budgets", s(&b), "--out", s(&settled), "--quiet"]));
    let before = snapshot(&settled);
    let o = dianzhi(&["demo", "--out", s(&settled), "--quiet"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("--force"), "{}", stderr(&o));
    assert_eq!(snapshot(&settled), before);
    let d = dir.path().join("demo");
    assert_ok(&dianzhi(&["demo", "--out", s(&d), "--quiet"]));
    assert_ok(&dianzhi(&["demo", "--out", s(&d), "--quiet"]));
}

#[test]
fn compare_quiet_is_quiet_and_values_come_before_missing_rows() {
    let dir = tempfile::tempdir().unwrap();
    let a = write(dir.path(), "a/point_values.csv", "sector,region,quarter,fpv\nd,e,2026Q1,0.9\nd,w,2026Q1,1.0\n");
    let b = write(dir.path(), "b/point_values.csv", "sector,region,quarter,fpv\nd,a,2026Q1,0.5\nd,w,2026Q1,1.1\n");
    let o = dianzhi(&["compare", s(&a), s(&b), "--quiet"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(stderr(&o), "", "--quiet prints no summary");
    let o = dianzhi(&["compare", s(&a), s(&b)]);
    let first = String::from_utf8_lossy(&o.stdout).lines().next().unwrap_or("").to_string();
    assert!(first.contains("fpv: 1.0 → 1.1"), "the differing value comes first: {first}");
    // a bad --out is said before the tables are read
    let out = write(dir.path(), "file.txt", "x");
    let o = dianzhi(&["compare", s(&a), s(&dir.path().join("missing.csv")), "--out", s(&out)]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("not a directory"), "{}", stderr(&o));
}

#[test]
fn messages_say_what_is_wrong() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    // a 0-byte CSV
    let empty = write(dir.path(), "empty.csv", "");
    let b = write(dir.path(), "budgets.csv", BUDGETS);
    let o = dianzhi(&["settle", "--claims", s(&empty), "--budgets", s(&b), "--out", s(&out)]);
    assert_rejected(&o, &out, &["no header row: it is empty"]);
    // a scale written as text
    let config = write(dir.path(), "c.toml", "[point_value]\nscale = \"4\"\n");
    let c = write(dir.path(), "claims.csv", &format!("{HEADER}\n{CLAIMS}"));
    let o = dianzhi(&["settle", "--claims", s(&c), "--budgets", s(&b), "--config", s(&config), "--out", s(&out)]);
    assert_rejected(&o, &out, &["written without quotes, e.g. scale = 4"]);
    // an infeasible DIP pool shows its money in fen
    let funds = "region,fund,year,budget,payment_ratio,reserve\n济南,employee,2026,100.50,1,100.20\n";
    let cases = "c1,H0100000,济南,employee,2026-03,,3000.00,2900.00,,,\n";
    let inputs = dip_inputs(dir.path(), Some(cases));
    write(&dir.path().join("in"), "funds.csv", funds);
    let o = dip("settle", &inputs, &["--out", s(&out)]);
    assert_rejected(&o, &out, &["budget 100.50 − reserve 100.20 − at-cost amounts 2900.00 = -2899.70"]);
}

#[test]
fn report_creates_the_parents_of_its_page() {
    let dir = tempfile::tempdir().unwrap();
    let (c, b) = quarter(dir.path());
    let settled = dir.path().join("settled");
    assert_ok(&dianzhi(&["settle", "--claims", s(&c), "--budgets", s(&b), "--out", s(&settled), "--quiet"]));
    let page = dir.path().join("a/b/r.html");
    assert_ok(&dianzhi(&["report", s(&settled), "--out", s(&page), "--quiet"]));
    assert!(std::fs::read_to_string(&page).unwrap().starts_with("<!DOCTYPE html>"));
}

#[test]
fn comparing_outputs_of_different_kinds_says_they_share_too_few_keys() {
    let dir = tempfile::tempdir().unwrap();
    // settlements (keyed by institution and pool) against point values (keyed by pool): the
    // settlements table is unique on its own keys, not on the pool alone
    let a = write(
        dir.path(),
        "settlements.csv",
        "institution_id,sector,region,quarter,fpv\nA,d,e,2026Q1,1\nB,d,e,2026Q1,1\n",
    );
    let b = write(dir.path(), "point_values.csv", "sector,region,quarter,fpv\nd,e,2026Q1,1\n");
    let o = dianzhi(&["compare", s(&a), s(&b)]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("share too few key columns: only sector, region, quarter"), "{err}");
    assert!(err.contains("point_values.csv lacks institution_id"), "{err}");
    // a table repeated on its own keys is still blamed with both rows
    let c = write(dir.path(), "c/point_values.csv", "sector,region,quarter,fpv\nd,e,2026Q1,1\nd,e,2026Q1,2\n");
    let o = dianzhi(&["compare", s(&c), s(&b)]);
    assert!(stderr(&o).contains("lines 2 and 3 have the same key"), "{}", stderr(&o));
}

#[test]
fn an_overflow_names_its_pool() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    // a budget of 10^27 over 0.0001 points: the point value does not fit in 128 bits
    let budgets = "sector,region,quarter,budget\ndental,east,2026Q1,1000000000000000000000000000\n";
    let o = settle(dir.path(), &format!("{HEADER}\nA,dental,east,2026-01,,0.0001,0,0,0,0\n"), budgets, &[]);
    assert_rejected(
        &o,
        &out,
        &["sector=dental region=east quarter=2026Q1: arithmetic overflow", "misplaced decimal point"],
    );
    // a case cost far beyond any stay: named by file, line and value
    let d = dir.path();
    let g = write(d, "g.csv", "dip_group,score,kind\nG1,100,core\n");
    let a = write(d, "a.csv", "dip_group,level,avg_cost\nG1,3,1000\n");
    let i = write(d, "i.csv", "institution_id,level,coefficient\nH1,3,1\n");
    let f = write(d, "f.csv", "region,fund,year,budget,payment_ratio\nr,e,2026,1000000,1\n");
    let c = write(
        d,
        "c.csv",
        "case_id,institution_id,region,fund,discharge_month,dip_group,total_cost,fund_paid\nc1,H1,r,e,2026-01,G1,90000000000000000000000,100\n",
    );
    let o = dianzhi(&[
        "dip",
        "settle",
        "--cases",
        s(&c),
        "--groups",
        s(&g),
        "--averages",
        s(&a),
        "--institutions",
        s(&i),
        "--funds",
        s(&f),
        "--out",
        s(&out),
    ]);
    assert_rejected(&o, &out, &["c.csv, line 2, column 'total_cost'", "total_cost 90000000000000000000000"]);
    // a history in the wrong unit: the pool and its amounts
    let h = write(
        d,
        "h.csv",
        "region,fund,year,income,spending\nr,e,2022,1,1\nr,e,2023,1,1\nr,e,2024,100000000000000000000000,100000000000000000000000\nr,e,2025,100000000000000000000000,100000000000000000000000\n",
    );
    let spec = write(d, "spec.toml", "year = 2026\n");
    let o = dianzhi(&["dip", "budget", "--spec", s(&spec), "--history", s(&h), "--out", s(&out)]);
    assert_rejected(&o, &out, &["region=r fund=e: arithmetic overflow", "income 100000000000000000000000", "in 2025"]);
    assert!(!stderr(&o).contains("rational"), "{}", stderr(&o));
}

#[test]
fn report_refuses_an_empty_table_and_warns_on_a_directory_that_is_no_output() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty");
    write(&empty, "point_values.csv", "sector,region,quarter,fpv\n");
    let o = dianzhi(&["report", s(&empty)]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("holds no rows; there is nothing to draw"), "{}", stderr(&o));
    assert!(!empty.join("report.html").exists());
    let published = dir.path().join("published");
    write(&published, "point_values.csv", "sector,region,quarter,fpv\ndental,east,2026Q1,0.91\n");
    let o = dianzhi(&["report", s(&published)]);
    assert_ok(&o);
    assert!(stderr(&o).contains("has no manifest.json, so it is not a dianzhi output"), "{}", stderr(&o));
}

#[test]
fn an_integer_institution_id_gets_a_cast_hint() {
    use arrow_array::{ArrayRef, Int64Array, RecordBatch, StringArray};
    use std::sync::Arc;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let text = |v: &str| Arc::new(StringArray::from(vec![v])) as ArrayRef;
    let int = |v: i64| Arc::new(Int64Array::from(vec![v])) as ArrayRef;
    let batch = RecordBatch::try_from_iter([
        ("institution_id", int(3200000003)),
        ("sector", text("dental")),
        ("region", text("east")),
        ("service_month", text("2026-01")),
        ("claimed_points", int(100)),
        ("drug_points", int(0)),
    ])
    .unwrap();
    let c = dir.path().join("claims.parquet");
    write_parquet(&c, &batch, None);
    let b = write(dir.path(), "budgets.csv", BUDGETS);
    let o = dianzhi(&["settle", "--claims", s(&c), "--budgets", s(&b), "--out", s(&out)]);
    assert_rejected(&o, &out, &["institution_id", "Int64", "CAST(institution_id AS VARCHAR)", "leading zeros"]);
}

/// `--force` replaces an earlier output of dianzhi (a directory with its manifest.json), never
/// a directory of the user's own files; the demo's rule, for every command.
#[test]
fn force_replaces_only_an_output_of_dianzhi() {
    let dir = tempfile::tempdir().unwrap();
    let (c, b) = quarter(dir.path());
    let notes = dir.path().join("notes_dir");
    write(dir.path(), "notes_dir/notes.txt", "the minutes of the budget meeting");
    let before = snapshot(&notes);
    for args in [
        vec!["settle", "--claims", s(&c), "--budgets", s(&b), "--out", s(&notes), "--force", "--quiet"],
        vec!["demo", "--out", s(&notes), "--force", "--quiet"],
        vec!["generate", "--rows", "100", "--out", s(&notes), "--force", "--quiet"],
    ] {
        let o = dianzhi(&args);
        refused_untouched(&o, &notes, &before, &["notes.txt", "no dianzhi output", "never other files"]);
    }
    // an earlier output is replaced
    let out = dir.path().join("out");
    assert_ok(&dianzhi(&["settle", "--claims", s(&c), "--budgets", s(&b), "--out", s(&out), "--quiet"]));
    assert_ok(&dianzhi(&["settle", "--claims", s(&c), "--budgets", s(&b), "--out", s(&out), "--force", "--quiet"]));
}

/// `export` holds to the guard of every command: its workbook never replaces a table of the
/// directory it reads, an input that directory's manifest lists (a workbook it read), nor
/// anything inside a directory that is no dianzhi output.
#[test]
fn export_never_writes_over_an_input() {
    let dir = tempfile::tempdir().unwrap();
    let (c, _) = quarter(dir.path());
    let q = dir.path().join("q");
    // the bureau's budgets as a workbook (a sheet per table of q)
    let book = dir.path().join("tables.xlsx");
    assert_ok(&dianzhi(&["export", s(&q), "--out", s(&book), "--quiet"]));
    let sheet = format!("{}#budgets", book.display());
    let settled = dir.path().join("settled");
    assert_ok(&dianzhi(&["settle", "--claims", s(&c), "--budgets", &sheet, "--out", s(&settled), "--quiet"]));
    let before = snapshot(dir.path());
    // the workbook the run read, named through its manifest
    let o = dianzhi(&["export", s(&settled), "--out", s(&book), "--force"]);
    refused_untouched(&o, dir.path(), &before, &["is the input", "tables.xlsx", "never inputs"]);
    // inside a directory of inputs (no manifest: not an output)
    let o = dianzhi(&["export", s(&q), "--out", s(&q.join("catalogue.xlsx")), "--force"]);
    refused_untouched(&o, dir.path(), &before, &["lies inside the input"]);
    // the same from a manifest with relative paths, run from another directory
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_dianzhi"))
        .current_dir(dir.path())
        .args(["settle", "--claims", "q/claims.csv", "--budgets", "tables.xlsx#budgets", "--out", "rel", "--quiet"])
        .output()
        .unwrap();
    assert_ok(&o);
    let before = snapshot(dir.path());
    let o = dianzhi(&["export", s(&dir.path().join("rel")), "--out", s(&c.with_extension("xlsx")), "--force"]);
    assert_ok(&o);
    std::fs::remove_file(c.with_extension("xlsx")).unwrap();
    let o = dianzhi(&["export", s(&dir.path().join("rel")), "--out", s(&book), "--force"]);
    refused_untouched(&o, dir.path(), &before, &["is the input"]);
    // a workbook beside the tables of an output is fine (the demo's results.xlsx)
    assert_ok(&dianzhi(&["export", s(&settled), "--out", s(&settled.join("results.xlsx")), "--quiet"]));
}

/// The generators refuse more files than rows (an empty Parquet file is no table) and a year
/// that is no calendar year.
#[test]
fn generators_refuse_more_files_than_rows() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("g");
    let o = dianzhi(&["generate", "--rows", "3", "--files", "10", "--out", s(&out)]);
    assert_rejected(&o, &out, &["--files 10 with --rows 3", "--files ≤ --rows"]);
    let o = dianzhi(&["dip", "generate", "--cases", "2", "--files", "5", "--out", s(&out)]);
    assert_rejected(&o, &out, &["--files 5 with --cases 2"]);
    let o = dianzhi(&["dip", "generate", "--cases", "20", "--year", "0", "--out", s(&out)]);
    assert_rejected(&o, &out, &["--year 0"]);
    assert_ok(&dianzhi(&["generate", "--rows", "10", "--files", "10", "--out", s(&out), "--quiet"]));
}

/// A dangling link as `--out` that points into an input directory is refused before the run,
/// like the path it points to.
#[cfg(unix)]
#[test]
fn a_dangling_link_into_an_input_is_refused_before_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let (c, b) = quarter(dir.path());
    let link = dir.path().join("out");
    std::os::unix::fs::symlink(dir.path().join("q/settled"), &link).unwrap();
    let before = snapshot(&dir.path().join("q"));
    let o =
        dianzhi(&["settle", "--claims", s(&dir.path().join("q")), "--budgets", s(&b), "--out", s(&link), "--quiet"]);
    refused_untouched(&o, &dir.path().join("q"), &before, &["lies inside the input"]);
    let _ = c;
}

/// A label with an invisible character (a zero-width space pasted from a web page) is shown
/// escaped in the message, so that it does not read like the label it fails to match.
#[test]
fn an_invisible_character_in_a_label_is_shown_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let c = write(dir.path(), "claims.csv", &format!("{HEADER}\nA,dental,east\u{200b},2026-01,,100,0,0,0,0\n"));
    let b = write(dir.path(), "budgets.csv", BUDGETS);
    let out = dir.path().join("out");
    let o = dianzhi(&["settle", "--claims", s(&c), "--budgets", s(&b), "--out", s(&out)]);
    assert_rejected(&o, &out, &["east\\u{200b}"]);
    assert!(!stderr(&o).contains('\u{200b}'), "{}", stderr(&o));
}

/// The file outputs (a report's page, an export's workbook, an aggregates table) replace only
/// an earlier output of dianzhi, `--force` or not: a user's page, workbook or table of the same
/// name is refused and kept.
#[test]
fn file_outputs_replace_only_outputs_of_dianzhi() {
    let dir = tempfile::tempdir().unwrap();
    let (c, b) = quarter(dir.path());
    let settled = dir.path().join("settled");
    assert_ok(&dianzhi(&["settle", "--claims", s(&c), "--budgets", s(&b), "--out", s(&settled), "--quiet"]));
    let page = write(dir.path(), "mine/index.html", "<html><body>the bureau's own page</body></html>");
    let book = write(dir.path(), "mine/book.xlsx", "not a workbook of dianzhi");
    let table = write(dir.path(), "mine/agg.csv", "region,note\neast,minutes\n");
    let before = snapshot(&dir.path().join("mine"));
    for (args, needle) in [
        (vec!["report", s(&settled), "--out", s(&page)], "no report of dianzhi"),
        (vec!["export", s(&settled), "--out", s(&book), "--force"], "no workbook of dianzhi"),
        (vec!["aggregate", "--claims", s(&c), "--out", s(&table), "--force"], "no aggregates table of dianzhi"),
    ] {
        let o = dianzhi(&args);
        refused_untouched(&o, &dir.path().join("mine"), &before, &[needle]);
    }
    // their own outputs are replaced
    assert_ok(&dianzhi(&["report", s(&settled), "--out", s(&dir.path().join("r.html"))]));
    assert_ok(&dianzhi(&["report", s(&settled), "--out", s(&dir.path().join("r.html"))]));
    let x = dir.path().join("x.xlsx");
    assert_ok(&dianzhi(&["export", s(&settled), "--out", s(&x), "--quiet"]));
    assert_ok(&dianzhi(&["export", s(&settled), "--out", s(&x), "--force", "--quiet"]));
    let agg = dir.path().join("agg.csv");
    assert_ok(&dianzhi(&["aggregate", "--claims", s(&c), "--out", s(&agg), "--quiet"]));
    assert_ok(&dianzhi(&["aggregate", "--claims", s(&c), "--out", s(&agg), "--force", "--quiet"]));
}
