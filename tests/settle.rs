//! End-to-end settlement: golden pools with hand-checked answers, every special pool, every
//! arithmetic mode, and late approvals.

mod common;
use common::*;

#[test]
fn golden_pool_fpv_apv_and_provider_payable() {
    let dir = tempfile::tempdir().unwrap();
    let interim = write(dir.path(), "interim.csv", "institution_id,sector,region,quarter,interim_paid\nP001,hospital,taipei,2026Q1,500000\nP001,hospital,taipei,2026Q1,400000\n");
    let o = settle(dir.path(), &format!("{HEADER}\n{GOLDEN_CLAIMS}"), GOLDEN_BUDGET, &["--interim", s(&interim)]);
    assert_ok(&o);
    let pv = &table(&dir.path().join("out/point_values.csv"))[0];
    assert_eq!(pv["fpv"], "0.8725");
    assert_eq!(pv["fpv_exact"], "0.872500000000000000");
    assert_eq!(pv["apv"], "0.9073");
    assert_eq!(pv["floating_points"], "8000000000.0000");
    assert_eq!(pv["deducted_points"], "1000000000.0000");
    assert_eq!(pv["floating_money"], "6980000000");
    assert_eq!(pv["institutions"], "2");
    assert_eq!(pv["status"], "ok");
    let rows = table(&dir.path().join("out/settlements.csv"));
    let p = &rows[0];
    assert_eq!(
        (p["institution_id"].as_str(), p["fixed_amount"].as_str(), p["floating_amount"].as_str()),
        ("P001", "150000", "872500")
    );
    assert_eq!(p["payable"], "996325");
    assert_eq!(p["interim_paid"], "900000");
    assert_eq!(p["adjustment"], "96325");
    // money reconciles: Σ gross + residual = budget − charges
    let gross: i128 = rows.iter().map(|r| r["gross_amount"].parse::<i128>().unwrap()).sum();
    assert_eq!(gross + pv["residual"].parse::<i128>().unwrap(), 10_000_000_000 - 20_000_000);
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("out/manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["counts"]["claim_rows"], 3);
    assert_eq!(manifest["inputs"][2]["sha256"].as_str().unwrap().len(), 64);
    assert!(manifest["phases"].as_array().unwrap().iter().any(|p| p["name"] == "scan claims"));
}

#[test]
fn late_approvals_settle_in_the_later_quarter_and_dilute_it() {
    let dir = tempfile::tempdir().unwrap();
    let budgets = "sector,region,quarter,budget\ndental,east,2026Q1,1000\ndental,east,2026Q2,1000\n";
    let on_time = format!("{HEADER}\nA,dental,east,2026-02,,1000,0,0,0,0\nB,dental,east,2026-05,,1000,0,0,0,0\n");
    assert_ok(&settle(dir.path(), &on_time, budgets, &[]));
    let before = table(&dir.path().join("out/point_values.csv"));
    assert_eq!((before[0]["fpv"].as_str(), before[1]["fpv"].as_str()), ("1.0000", "1.0000"));
    // 250 points of March approved late: settled in 2026Q2 at its value
    let late = format!("{on_time}A,dental,east,2026-03,2026Q2,250,0,0,0,0\n");
    assert_ok(&settle(dir.path(), &late, budgets, &["--force"]));
    let after = table(&dir.path().join("out/point_values.csv"));
    assert_eq!((after[0]["quarter"].as_str(), after[0]["fpv"].as_str()), ("2026Q1", "1.0000"));
    assert_eq!((after[1]["quarter"].as_str(), after[1]["fpv"].as_str()), ("2026Q2", "0.8000"));
    let rows = table(&dir.path().join("out/settlements.csv"));
    let a_q2 = rows.iter().find(|r| r["institution_id"] == "A" && r["quarter"] == "2026Q2").unwrap();
    assert_eq!(a_q2["floating_amount"], "200");
    // --quarter restricts the run to one quarter's pools
    assert_ok(&settle(dir.path(), &late, budgets, &["--force", "--quarter", "2026Q2"]));
    assert_eq!(table(&dir.path().join("out/point_values.csv")).len(), 1);
}

#[test]
fn largest_remainder_closes_the_residual_and_breaks_ties_by_id() {
    let dir = tempfile::tempdir().unwrap();
    let claims = format!("{HEADER}\nC,dental,east,2026-01,,1,0,0,0,0\nA,dental,east,2026-01,,1,0,0,0,0\nB,dental,east,2026-01,,1,0,0,0,0\n");
    let budgets = "sector,region,quarter,budget\ndental,east,2026Q1,101\n";
    assert_ok(&settle(dir.path(), &claims, budgets, &[]));
    let pv = &table(&dir.path().join("out/point_values.csv"))[0];
    assert_eq!((pv["fpv"].as_str(), pv["residual"].as_str()), ("33.6667", "-1"));
    let config = write(dir.path(), "lr.toml", "[reconcile]\nmode = \"largest_remainder\"\n");
    assert_ok(&settle(dir.path(), &claims, budgets, &["--force", "--config", s(&config)]));
    let pv = &table(&dir.path().join("out/point_values.csv"))[0];
    assert_eq!(pv["residual"], "0");
    let amounts: Vec<(String, String)> = table(&dir.path().join("out/settlements.csv"))
        .into_iter()
        .map(|r| (r["institution_id"].clone(), r["floating_amount"].clone()))
        .collect();
    // 101 = 33 × 3 + 2: the two units left go to the tied remainders A and B
    assert_eq!(amounts, [("A", "34"), ("B", "34"), ("C", "33")].map(|(a, b)| (a.to_string(), b.to_string())));
}

#[test]
fn currency_unit_rounding_and_fixed_values_from_config() {
    let dir = tempfile::tempdir().unwrap();
    let claims = format!("{HEADER}\nA,tcm,south,2026-01,,1000.5,100,0,0,10.25\nB,tcm,south,2026-01,,999.5,0,0,0,0\n");
    let budgets = "sector,region,quarter,budget\ntcm,south,2026Q1,1950.55\n";
    let config = write(
        dir.path(),
        "fen.toml",
        "[money]\nunit = \"0.01\"\nrounding = \"half_even\"\n[fixed_value]\ndrug = \"0.9\"\n[point_value]\nscale = 5\npay_with = \"exact\"\n",
    );
    assert_ok(&settle(dir.path(), &claims, budgets, &["--config", s(&config)]));
    let pv = &table(&dir.path().join("out/point_values.csv"))[0];
    // floating money = 1950.55 − 90.00 = 1860.55 over 900.5 + 999.5 = 1900 floating points
    assert_eq!(
        (pv["budget"].as_str(), pv["fixed_amount"].as_str(), pv["fpv"].as_str()),
        ("1950.55", "90.00", "0.97924")
    );
    let rows = table(&dir.path().join("out/settlements.csv"));
    // exact: 900.5 × 1860.55 / 1900 = 881.8028 → 881.80; B: 999.5 × 1860.55 / 1900 = 978.7472 → 978.75
    // (published 0.97924 would give 881.81): half_even to the fen, residual 0
    assert_eq!((rows[0]["floating_amount"].as_str(), rows[0]["payable"].as_str()), ("881.80", "961.55"));
    assert_eq!(rows[1]["floating_amount"], "978.75");
    assert_eq!(pv["residual"], "0.00");
}

#[test]
fn special_pools_no_floating_points_no_claims_interim_only_and_infeasible_zero() {
    let dir = tempfile::tempdir().unwrap();
    let claims = format!("{HEADER}\nD,dialysis,north,2026-01,,500,500,0,0,0\nH,hospital,north,2026-01,,100,90,0,0,0\n");
    let budgets = "sector,region,quarter,budget,charges\ndialysis,north,2026Q1,800,0\nhospital,north,2026Q1,50,0\ndental,north,2026Q1,700,100\n";
    let interim = write(
        dir.path(),
        "interim.csv",
        "institution_id,sector,region,quarter,interim_paid\nZ,dental,north,2026Q1,300\n",
    );
    let o = settle(dir.path(), &claims, budgets, &["--interim", s(&interim)]);
    assert_rejected(
        &o,
        &dir.path().join("out"),
        &[
            "infeasible",
            "sector=hospital region=north quarter=2026Q1",
            "budget 50 − charges 0 − fixed amounts 90 = -40",
        ],
    );
    let config = write(dir.path(), "zero.toml", "[pool]\non_infeasible = \"zero\"\n");
    assert_ok(&settle(dir.path(), &claims, budgets, &["--interim", s(&interim), "--config", s(&config)]));
    let pv = table(&dir.path().join("out/point_values.csv"));
    let by = |sector: &str| pv.iter().find(|r| r["sector"] == sector).unwrap().clone();
    let dental = by("dental");
    assert_eq!(
        (
            dental["status"].as_str(),
            dental["institutions"].as_str(),
            dental["fpv"].as_str(),
            dental["apv"].as_str(),
            dental["residual"].as_str()
        ),
        ("no_claims", "0", "", "", "600")
    );
    let dialysis = by("dialysis");
    assert_eq!(
        (
            dialysis["status"].as_str(),
            dialysis["fpv"].as_str(),
            dialysis["fpv_exact"].as_str(),
            dialysis["apv"].as_str()
        ),
        ("no_floating_points", "", "", "1.6000")
    );
    assert_eq!(dialysis["residual"], "300");
    let hospital = by("hospital");
    assert_eq!(
        (
            hospital["status"].as_str(),
            hospital["fpv"].as_str(),
            hospital["fpv_exact"].as_str(),
            hospital["residual"].as_str()
        ),
        ("infeasible", "0.0000", "0.000000000000000000", "-40")
    );
    assert_eq!(hospital["apv"], "0.5000");
    let rows = table(&dir.path().join("out/settlements.csv"));
    let z = rows.iter().find(|r| r["institution_id"] == "Z").unwrap();
    assert_eq!(
        (z["claimed_points"].as_str(), z["payable"].as_str(), z["adjustment"].as_str()),
        ("0.0000", "0", "-300")
    );
}

#[test]
fn parquet_in_and_out_with_decimal_integer_dictionary_and_date_columns() {
    use arrow_array::types::Int32Type;
    use arrow_array::{ArrayRef, Date32Array, Decimal128Array, DictionaryArray, Int64Array, RecordBatch, StringArray};
    use std::sync::Arc;
    let dir = tempfile::tempdir().unwrap();
    let ids: DictionaryArray<Int32Type> = vec!["P001", "P999", "P999"].into_iter().collect();
    let cols: Vec<(&str, ArrayRef)> = vec![
        ("institution_id", Arc::new(ids)),
        ("sector", Arc::new(StringArray::from(vec!["hospital"; 3]))),
        ("region", Arc::new(StringArray::from(vec!["taipei"; 3]))),
        // 2026-01-15, 2026-02-01, 2026-03-31
        ("service_month", Arc::new(Date32Array::from(vec![20_468, 20_485, 20_543]))),
        (
            "claimed_points",
            Arc::new(
                Decimal128Array::from(vec![1_150_000_0000i128, 10_000_000_000_0000, 1_998_850_000_0000])
                    .with_precision_and_scale(38, 4)
                    .unwrap(),
            ),
        ),
        ("drug_points", Arc::new(Int64Array::from(vec![150_000, 2_999_850_000, 0]))),
        ("deducted_points", Arc::new(Int64Array::from(vec![0, 1_000_000_000, 0]))),
        (
            "copayment",
            Arc::new(Decimal128Array::from(vec![2_617_500i128, 0, 0]).with_precision_and_scale(20, 2).unwrap()),
        ),
    ];
    let batch = RecordBatch::try_from_iter(cols).unwrap();
    let path = dir.path().join("claims.parquet");
    write_parquet(&path, &batch, None);
    let b = write(dir.path(), "budgets.csv", GOLDEN_BUDGET);
    let out = dir.path().join("out");
    assert_ok(&dianzhi(&["settle", "--claims", s(&path), "--budgets", s(&b), "--out", s(&out), "--quiet"]));
    let file = std::fs::File::open(out.join("settlements.parquet")).unwrap();
    let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file).unwrap();
    let schema = reader.schema().clone();
    assert_eq!(schema.field_with_name("payable").unwrap().data_type(), &arrow_schema::DataType::Decimal128(38, 0));
    assert_eq!(
        schema.field_with_name("claimed_points").unwrap().data_type(),
        &arrow_schema::DataType::Decimal128(38, 4)
    );
    let batch = reader.build().unwrap().next().unwrap().unwrap();
    let payable = batch.column_by_name("payable").unwrap().as_any().downcast_ref::<Decimal128Array>().unwrap();
    assert_eq!(payable.value(0), 996_325);
    let pv = std::fs::File::open(out.join("point_values.parquet")).unwrap();
    let batch = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(pv)
        .unwrap()
        .build()
        .unwrap()
        .next()
        .unwrap()
        .unwrap();
    let fpv = batch.column_by_name("fpv").unwrap().as_any().downcast_ref::<Decimal128Array>().unwrap();
    assert_eq!((fpv.value(0), fpv.scale()), (8725, 4));
}

#[test]
fn demo_runs_and_prints_the_point_value_table() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("demo");
    let o = dianzhi(&["demo", "--out", s(&out)]);
    assert_ok(&o);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(stdout.contains("fpv") && stdout.contains("settled 30 pools"), "{stdout}");
    let pv = table(&out.join("point_values.csv"));
    assert_eq!(pv.len(), 30);
    for r in &pv {
        let fpv: f64 = r["fpv"].parse().unwrap(); // a test-only sanity range, not arithmetic
        assert!((0.8..=1.2).contains(&fpv), "{r:?}");
    }
    // and draws both outputs
    for page in [out.join("report.html"), out.join("dip/report.html")] {
        assert!(stdout.contains(&format!("report → {}", page.display())), "{stdout}");
        assert!(std::fs::read_to_string(&page).unwrap().contains("<svg"), "{}", page.display());
    }
    // a second demo replaces its own previous output without --force
    assert_ok(&dianzhi(&["demo", "--out", s(&out)]));
}

/// Sums far beyond any real quarter stay exact: a scan keeps 64-bit running sums and carries
/// them into 128 bits when a row would overflow them (and takes a row beyond 64 bits at once).
#[test]
fn sums_beyond_64_bits_stay_exact() {
    let dir = tempfile::tempdir().unwrap();
    // 6 × 10^14 points is 6 × 10^18 at 4 decimals: two of them leave i64; 10^16 points never fit
    let claims = format!(
        "{HEADER}\n\
         A,hospital,taipei,2026-01,,600000000000000,0,0,0,1\n\
         A,hospital,taipei,2026-02,,600000000000000.0001,0,0,0,2\n\
         A,hospital,taipei,2026-03,,10000000000000000,100,0,0,3\n\
         A,hospital,taipei,2026-03,,1,0,0,0,4\n\
         B,hospital,taipei,2026-01,,5,0,0,0,0\n"
    );
    let budget = "sector,region,quarter,budget\nhospital,taipei,2026Q1,100000000000000000\n";
    assert_ok(&settle(dir.path(), &claims, budget, &[]));
    let rows = table(&dir.path().join("out/settlements.csv"));
    assert_eq!(rows[0]["claimed_points"], "11200000000000001.0001");
    assert_eq!((rows[0]["drug_points"].as_str(), rows[0]["copayment"].as_str()), ("100.0000", "10"));
    assert_eq!(rows[1]["claimed_points"], "5.0000");
    let pv = &table(&dir.path().join("out/point_values.csv"))[0];
    assert_eq!(pv["claimed_points"], "11200000000000006.0001");
}

/// The same through Parquet: DECIMAL(18, 4) columns (read as 64-bit) whose running sum leaves
/// 64 bits, and in another file an integer column whose values × 10^4 do not fit in 64 bits.
#[test]
fn parquet_sums_beyond_64_bits_stay_exact() {
    use arrow_array::{ArrayRef, Decimal128Array, Int64Array, RecordBatch, StringArray};
    use std::sync::Arc;
    let dir = tempfile::tempdir().unwrap();
    let claims = |name: &str, claimed: ArrayRef| {
        let n = claimed.len();
        let text = |v: &str| Arc::new(StringArray::from(vec![v; n])) as ArrayRef;
        let batch = RecordBatch::try_from_iter([
            ("institution_id", text("A")),
            ("sector", text("hospital")),
            ("region", text("taipei")),
            ("service_month", text("2026-01")),
            ("claimed_points", claimed),
            ("drug_points", Arc::new(Int64Array::from(vec![0i64; n])) as ArrayRef),
        ])
        .unwrap();
        let path = dir.path().join(name);
        write_parquet(&path, &batch, None);
        path
    };
    let max18 = 999_999_999_999_999_999i128; // 99,999,999,999,999.9999 points
    let a =
        claims("a.parquet", Arc::new(Decimal128Array::from(vec![max18; 12]).with_precision_and_scale(18, 4).unwrap()));
    let b = claims("b.parquet", Arc::new(Int64Array::from(vec![1_000_000_000_000_000i64])));
    let budgets =
        write(dir.path(), "budgets.csv", "sector,region,quarter,budget\nhospital,taipei,2026Q1,100000000000000000\n");
    let out = dir.path().join("out");
    assert_ok(&dianzhi(&[
        "settle",
        "--claims",
        s(&a),
        s(&b),
        "--budgets",
        s(&budgets),
        "--out",
        s(&out),
        "--format",
        "csv",
    ]));
    let rows = table(&out.join("settlements.csv"));
    assert_eq!(rows[0]["claimed_points"], "2199999999999999.9988");
}
