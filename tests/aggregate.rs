//! `dianzhi aggregate` and `settle --aggregates`: a rerun from the scan's sums writes the same
//! bytes as a settlement from the claims (docs/analysts.md).

mod common;
use common::*;

use std::path::Path;

fn same_tables(a: &Path, b: &Path, ext: &str) {
    for t in ["point_values", "settlements"] {
        let f = format!("{t}.{ext}");
        assert_eq!(std::fs::read(a.join(&f)).unwrap(), std::fs::read(b.join(&f)).unwrap(), "{f} differs");
    }
}

#[test]
fn settling_from_aggregates_writes_the_same_bytes_as_from_claims() {
    let dir = tempfile::tempdir().unwrap();
    let claims = demo("claims");
    let (budgets, interim) = (demo("budgets.csv"), demo("interim.csv"));
    for (ext, agg) in [("csv", "agg.csv"), ("parquet", "agg.parquet")] {
        let agg = dir.path().join(agg);
        assert_ok(&dianzhi(&["aggregate", "--claims", &claims, "--out", s(&agg), "--quiet"]));
        let (a, b) = (dir.path().join(format!("a-{ext}")), dir.path().join(format!("b-{ext}")));
        let common = ["--budgets", &budgets, "--interim", &interim, "--format", ext, "--quiet"];
        let mut args = vec!["settle", "--claims", &claims, "--out", s(&a)];
        args.extend(common);
        assert_ok(&dianzhi(&args));
        let mut args = vec!["settle", "--aggregates", s(&agg), "--out", s(&b)];
        args.extend(common);
        assert_ok(&dianzhi(&args));
        same_tables(&a, &b, ext);
        let manifest = |d: &Path| -> serde_json::Value {
            serde_json::from_str(&std::fs::read_to_string(d.join("manifest.json")).unwrap()).unwrap()
        };
        assert_eq!(manifest(&a)["counts"], manifest(&b)["counts"]);
        assert_eq!(manifest(&b)["counts"]["claim_rows"], 6000);
        assert_eq!(manifest(&b)["inputs"][2]["role"], "aggregates");
    }
    // the aggregates: one row per (institution, pool), sorted, rows counted
    let rows = table(&dir.path().join("agg.csv"));
    let total: u64 = rows.iter().map(|r| r["claim_rows"].parse::<u64>().unwrap()).sum();
    assert_eq!(total, 6000);
    let keys: Vec<(String, String, String, String)> = rows
        .iter()
        .map(|r| (r["sector"].clone(), r["region"].clone(), r["quarter"].clone(), r["institution_id"].clone()))
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(keys, sorted);
}

#[test]
fn generated_parquet_in_several_files() {
    let dir = tempfile::tempdir().unwrap();
    let gen = dir.path().join("q");
    assert_ok(&dianzhi(&["generate", "--rows", "40000", "--files", "3", "--institutions", "500", "--out", s(&gen)]));
    let agg = dir.path().join("agg.parquet");
    assert_ok(&dianzhi(&["aggregate", "--claims", s(&gen.join("claims")), "--out", s(&agg)]));
    let budgets = gen.join("budgets.parquet");
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    assert_ok(&dianzhi(&["settle", "--claims", s(&gen.join("claims")), "--budgets", s(&budgets), "--out", s(&a)]));
    assert_ok(&dianzhi(&["settle", "--aggregates", s(&agg), "--budgets", s(&budgets), "--out", s(&b)]));
    same_tables(&a, &b, "parquet");
}

#[test]
fn aggregate_refusals() {
    let dir = tempfile::tempdir().unwrap();
    let claims = demo("claims");
    let txt = dir.path().join("agg.txt");
    let o = dianzhi(&["aggregate", "--claims", &claims, "--out", s(&txt)]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("name the file *.parquet or *.csv"));
    let csv = dir.path().join("agg.csv");
    let o = dianzhi(&["aggregate", "--claims", &claims, "--out", s(&csv), "--format", "parquet"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("the extension says csv but --format says parquet"));
    assert!(!csv.exists(), "nothing written when the format and extension disagree");
    assert_ok(&dianzhi(&["aggregate", "--claims", &claims, "--out", s(&csv)]));
    let o = dianzhi(&["aggregate", "--claims", &claims, "--out", s(&csv)]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("the file exists"));
    let stray: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().contains("dianzhi-tmp"))
        .collect();
    assert!(stray.is_empty());
    // a fractional row count is not an aggregate
    let bad = write(
        dir.path(),
        "bad.csv",
        "institution_id,sector,region,quarter,claim_rows,claimed_points,drug_points,protected_points,deducted_points,copayment\nA,dental,east,2026Q1,1.5,10,0,0,0,0\n",
    );
    let budgets = write(dir.path(), "b.csv", "sector,region,quarter,budget\ndental,east,2026Q1,10\n");
    let out = dir.path().join("out");
    let o = dianzhi(&["settle", "--aggregates", s(&bad), "--budgets", s(&budgets), "--out", s(&out)]);
    assert_rejected(&o, &out, &["bad.csv, line 2, column 'claim_rows'", "1.5 is not a count of rows"]);
}

/// The aggregates file is readable by others, as every output is (rw-r--r--).
#[cfg(unix)]
#[test]
fn the_aggregates_file_is_written_like_every_output() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let agg = dir.path().join("agg.parquet");
    assert_ok(&dianzhi(&["aggregate", "--claims", &demo("claims"), "--out", s(&agg), "--quiet"]));
    assert_eq!(std::fs::metadata(&agg).unwrap().permissions().mode() & 0o777, 0o644);
}
