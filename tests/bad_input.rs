//! Bad input never produces output: exit 2, a message naming file, column and row (or
//! institution and pool), and nothing left in --out.

mod common;
use common::*;

const BUDGET: &str = "sector,region,quarter,budget\ndental,east,2026Q1,1000\n";

fn rejected(claims: &str, budgets: &str, extra: &[&str], needles: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let o = settle(dir.path(), claims, budgets, extra);
    assert_rejected(&o, &dir.path().join("out"), needles);
}

fn row(cells: &str) -> String {
    format!("{HEADER}\nA,dental,east,2026-01,,100,10,0,0,0\n{cells}\n")
}

#[test]
fn missing_column() {
    rejected(
        "institution_id,sector,region,service_month,claimed_points\nA,dental,east,2026-01,5\n",
        BUDGET,
        &[],
        &["claims.csv, column 'drug_points'", "required column is missing", "the file has: institution_id"],
    );
}

#[test]
fn text_in_a_number_column() {
    rejected(
        &row("B,dental,east,2026-01,,abc,0,0,0,0"),
        BUDGET,
        &[],
        &["claims.csv, line 3, column 'claimed_points'", "'abc' is not a plain decimal"],
    );
    rejected(&row("B,dental,east,2026-01,,1e3,0,0,0,0"), BUDGET, &[], &["line 3, column 'claimed_points'", "'1e3'"]);
}

#[test]
fn points_with_more_than_four_decimals() {
    rejected(
        &row("B,dental,east,2026-01,,1.23456,0,0,0,0"),
        BUDGET,
        &[],
        &["line 3, column 'claimed_points'", "more than 4 decimals"],
    );
}

#[test]
fn month_not_yyyy_mm() {
    rejected(
        &row("B,dental,east,2026/01,,1,0,0,0,0"),
        BUDGET,
        &[],
        &["line 3, column 'service_month'", "'2026/01' is not a month or a date: expected YYYY-MM"],
    );
}

#[test]
fn settle_quarter_before_the_service_month() {
    rejected(
        &row("B,dental,east,2026-04,2026Q1,1,0,0,0,0"),
        BUDGET,
        &[],
        &["line 3, column 'settle_quarter'", "2026Q1 is earlier than the quarter of service_month 2026-04"],
    );
}

#[test]
fn empty_key() {
    rejected(
        &row(",dental,east,2026-01,,1,0,0,0,0"),
        BUDGET,
        &[],
        &["line 3, column 'institution_id'", "empty institution_id"],
    );
    rejected(&row("B,,east,2026-01,,1,0,0,0,0"), BUDGET, &[], &["line 3, column 'sector'", "empty sector"]);
}

#[test]
fn empty_required_number() {
    rejected(
        &row("B,dental,east,2026-01,,,0,0,0,0"),
        BUDGET,
        &[],
        &["line 3, column 'claimed_points'", "empty claimed_points"],
    );
}

#[test]
fn money_not_a_multiple_of_the_unit() {
    rejected(
        &row("B,dental,east,2026-01,,100,0,0,0,10.5"),
        BUDGET,
        &[],
        &["line 3, column 'copayment'", "10.5 is not a multiple of the money unit 1"],
    );
    rejected(
        &row("B,dental,east,2026-01,,1,0,0,0,0"),
        "sector,region,quarter,budget\ndental,east,2026Q1,1000.50\n",
        &[],
        &["budgets.csv, line 2, column 'budget'", "1000.5 is not a multiple"],
    );
}

#[test]
fn negative_budget() {
    rejected(
        &row("B,dental,east,2026-01,,1,0,0,0,0"),
        "sector,region,quarter,budget,charges\ndental,east,2026Q1,1000,-5\n",
        &[],
        &["budgets.csv, line 2, column 'charges'", "-5 is negative"],
    );
}

#[test]
fn negative_aggregate_after_corrections() {
    rejected(
        &row("A,dental,east,2026-02,,-150,-10,0,0,0"),
        BUDGET,
        &[],
        &["institution A in sector=dental region=east quarter=2026Q1: claimed_points sums to -50"],
    );
}

#[test]
fn negative_floating_points() {
    rejected(
        &row("B,dental,east,2026-01,,100,80,10,20,0"),
        BUDGET,
        &[],
        &["institution B in sector=dental region=east quarter=2026Q1: floating points", "sums to -10"],
    );
}

#[test]
fn duplicate_budget_key() {
    rejected(
        &row("B,dental,east,2026-01,,1,0,0,0,0"),
        "sector,region,quarter,budget\ndental,east,2026Q1,1000\ndental,east,2026Q1,2000\n",
        &[],
        &["budgets.csv", "duplicate budget for sector=dental region=east quarter=2026Q1 at line 2 and line 3"],
    );
}

#[test]
fn claims_in_a_pool_without_budget() {
    rejected(
        &row("B,hospital,east,2026-01,,1,0,0,0,0"),
        BUDGET,
        &[],
        &["no budget row", "sector=hospital region=east quarter=2026Q1"],
    );
}

#[test]
fn infeasible_pool() {
    rejected(
        &row("B,dental,east,2026-01,,2000,2000,0,0,0"),
        BUDGET,
        &[],
        &["infeasible", "sector=dental region=east quarter=2026Q1", "on_infeasible"],
    );
}

#[test]
fn unknown_and_invalid_config() {
    let dir = tempfile::tempdir().unwrap();
    let bad = write(dir.path(), "bad.toml", "[money]\nunit = \"1\"\nrounding_mode = \"half_up\"\n");
    rejected(
        &row("B,dental,east,2026-01,,1,0,0,0,0"),
        BUDGET,
        &["--config", s(&bad)],
        &["bad.toml", "unknown field `rounding_mode`"],
    );
    let bad = write(dir.path(), "bad2.toml", "[money]\nrounding = \"half_down\"\n");
    rejected(&row("B,dental,east,2026-01,,1,0,0,0,0"), BUDGET, &["--config", s(&bad)], &["bad2.toml", "half_down"]);
    let bad = write(dir.path(), "bad3.toml", "[fixed_value]\ndrug = 0.9\n");
    rejected(&row("B,dental,east,2026-01,,1,0,0,0,0"), BUDGET, &["--config", s(&bad)], &["bad3.toml", "binary float"]);
}

#[test]
fn existing_non_empty_output_needs_force() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("keep.txt"), "precious").unwrap();
    let o = settle(dir.path(), &row("B,dental,east,2026-01,,1,0,0,0,0"), BUDGET, &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("not empty") && stderr(&o).contains("--force"), "{}", stderr(&o));
    assert_eq!(std::fs::read_to_string(out.join("keep.txt")).unwrap(), "precious");
    // a failed run with --force leaves the old output untouched too
    let o = settle(dir.path(), &row("B,dental,east,2026-01,,x,0,0,0,0"), BUDGET, &["--force"]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(std::fs::read_to_string(out.join("keep.txt")).unwrap(), "precious");
    // --force replaces an output of dianzhi, never a directory of other files
    let o = settle(dir.path(), &row("B,dental,east,2026-01,,1,0,0,0,0"), BUDGET, &["--force"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no dianzhi output"), "{}", stderr(&o));
    assert_eq!(std::fs::read_to_string(out.join("keep.txt")).unwrap(), "precious");
    std::fs::remove_file(out.join("keep.txt")).unwrap();
    assert_ok(&settle(dir.path(), &row("B,dental,east,2026-01,,1,0,0,0,0"), BUDGET, &[]));
    assert_ok(&settle(dir.path(), &row("B,dental,east,2026-01,,2,0,0,0,0"), BUDGET, &["--force"]));
    assert!(out.join("point_values.csv").exists());
}

#[test]
fn missing_claims_file_and_unknown_extension() {
    let dir = tempfile::tempdir().unwrap();
    let b = write(dir.path(), "budgets.csv", BUDGET);
    let out = dir.path().join("out");
    let o = dianzhi(&["settle", "--claims", "/nonexistent/claims.parquet", "--budgets", s(&b), "--out", s(&out)]);
    assert_rejected(&o, &out, &["/nonexistent/claims.parquet", "no such file"]);
    let t = write(dir.path(), "claims.txt", "x");
    let o = dianzhi(&["settle", "--claims", s(&t), "--budgets", s(&b), "--out", s(&out)]);
    assert_rejected(&o, &out, &["claims.txt", "unknown file type"]);
}

/// Parquet columns of the wrong type: binary floats and text where numbers belong.
#[test]
fn parquet_float_and_text_number_columns() {
    use arrow_array::{ArrayRef, Float64Array, RecordBatch, StringArray};
    use std::sync::Arc;
    for (claimed, needles) in [
        (
            Arc::new(Float64Array::from(vec![1.0])) as ArrayRef,
            vec!["column 'claimed_points'", "Float64", "DECIMAL(38,4)"],
        ),
        (
            Arc::new(StringArray::from(vec!["1"])) as ArrayRef,
            vec!["column 'claimed_points'", "is text", "CSV files only"],
        ),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let text = |v: &str| Arc::new(StringArray::from(vec![v])) as ArrayRef;
        let batch = RecordBatch::try_from_iter([
            ("institution_id", text("A")),
            ("sector", text("dental")),
            ("region", text("east")),
            ("service_month", text("2026-01")),
            ("claimed_points", claimed),
            ("drug_points", Arc::new(arrow_array::Int64Array::from(vec![0])) as ArrayRef),
        ])
        .unwrap();
        let path = dir.path().join("claims.parquet");
        write_parquet(&path, &batch, None);
        let b = write(dir.path(), "budgets.csv", BUDGET);
        let out = dir.path().join("out");
        let o = dianzhi(&["settle", "--claims", s(&path), "--budgets", s(&b), "--out", s(&out)]);
        let mut needles = needles.clone();
        let p = path.display().to_string();
        needles.push(&p);
        assert_rejected(&o, &out, &needles);
    }
}

/// Parquet cells are named by their row in the file, across row groups, whether the text is
/// dictionary-encoded (read through the dictionaries) or not (read row by row).
#[test]
fn parquet_bad_cells_are_named_by_row_across_row_groups() {
    use arrow_array::{ArrayRef, Int64Array, RecordBatch, StringArray};
    use parquet::file::properties::WriterProperties;
    use std::sync::Arc;
    const ROWS: usize = 6;
    /// A row to spoil: (row index, column, value) and what the message must say.
    type Case = (usize, &'static str, Option<&'static str>, &'static [&'static str]);
    let cases: [Case; 6] = [
        (4, "institution_id", Some(" "), &["row 5, column 'institution_id'", "empty institution_id"]),
        (3, "sector", None, &["row 4, column 'sector'", "empty sector"]),
        (1, "region", Some(""), &["row 2, column 'region'", "empty region"]),
        (5, "drug_points", None, &["row 6, column 'drug_points'", "empty drug_points"]),
        (2, "service_month", Some("2026-13"), &["row 3, column 'service_month'", "2026-13"]),
        (3, "settle_quarter", Some("2025Q4"), &["row 4, column 'settle_quarter'", "2025Q4 is earlier"]),
    ];
    for dictionary in [true, false] {
        for (at, column, value, needles) in cases {
            let dir = tempfile::tempdir().unwrap();
            let cell = |name: &str, good: Option<&'static str>| -> Vec<Option<&str>> {
                (0..ROWS).map(|i| if i == at && name == column { value } else { good }).collect()
            };
            let text =
                |name: &str, good: Option<&'static str>| Arc::new(StringArray::from(cell(name, good))) as ArrayRef;
            let institutions: Vec<Option<&str>> = (0..ROWS)
                .map(
                    |i| if i == at && column == "institution_id" { value } else { ["A", "B", "C"].get(i % 3).copied() },
                )
                .collect();
            let drug: Vec<Option<i64>> = (0..ROWS).map(|i| (i != at || column != "drug_points").then_some(0)).collect();
            let batch = RecordBatch::try_from_iter([
                ("institution_id", Arc::new(StringArray::from(institutions)) as ArrayRef),
                ("sector", text("sector", Some("dental"))),
                ("region", text("region", Some("east"))),
                ("service_month", text("service_month", Some("2026-01"))),
                ("settle_quarter", text("settle_quarter", None)),
                ("claimed_points", Arc::new(Int64Array::from(vec![10; ROWS])) as ArrayRef),
                ("drug_points", Arc::new(Int64Array::from(drug)) as ArrayRef),
            ])
            .unwrap();
            let path = dir.path().join("claims.parquet");
            let props = WriterProperties::builder()
                .set_max_row_group_row_count(Some(2))
                .set_dictionary_enabled(dictionary)
                .build();
            write_parquet(&path, &batch, Some(props));
            let b = write(dir.path(), "budgets.csv", BUDGET);
            let out = dir.path().join("out");
            let o = dianzhi(&["settle", "--claims", s(&path), "--budgets", s(&b), "--out", s(&out)]);
            assert_rejected(&o, &out, needles);
        }
    }
}

#[test]
fn a_column_given_twice_is_refused_naming_both_positions() {
    let dir = tempfile::tempdir().unwrap();
    let claims = "institution_id,sector,region,service_month,claimed_points,drug_points,claimed_points\nA,dental,east,2026-01,10,0,99\n";
    let budgets = "sector,region,quarter,budget\ndental,east,2026Q1,100\n";
    let o = settle(dir.path(), claims, budgets, &[]);
    assert_rejected(&o, &dir.path().join("out"), &["column 'claimed_points'", "appears 2 times (columns 5 and 7)"]);

    use arrow_array::{ArrayRef, Int64Array, RecordBatch, StringArray};
    use std::sync::Arc;
    let text = |v: &str| Arc::new(StringArray::from(vec![v])) as ArrayRef;
    let int = |v: i64| Arc::new(Int64Array::from(vec![v])) as ArrayRef;
    let schema = arrow_schema::Schema::new(
        ["institution_id", "sector", "region", "service_month", "claimed_points", "drug_points", "drug_points"]
            .iter()
            .enumerate()
            .map(|(i, n)| {
                arrow_schema::Field::new(
                    *n,
                    if i < 4 { arrow_schema::DataType::Utf8 } else { arrow_schema::DataType::Int64 },
                    false,
                )
            })
            .collect::<Vec<_>>(),
    );
    let batch = RecordBatch::try_new(
        Arc::new(schema),
        vec![text("A"), text("dental"), text("east"), text("2026-01"), int(10), int(0), int(5)],
    )
    .unwrap();
    let pq = dir.path().join("twice.parquet");
    write_parquet(&pq, &batch, None);
    let b = write(dir.path(), "b.csv", budgets);
    let out = dir.path().join("out2");
    let o = dianzhi(&["settle", "--claims", s(&pq), "--budgets", s(&b), "--out", s(&out)]);
    assert_rejected(&o, &out, &["twice.parquet, column 'drug_points'", "appears 2 times (columns 6 and 7)"]);
}

#[test]
fn numbers_beyond_the_engine_are_called_too_large() {
    let dir = tempfile::tempdir().unwrap();
    let o = settle(
        dir.path(),
        &row("A,dental,east,2026-01,,123456789012345678901234567890,0,0,0,0"),
        "sector,region,quarter,budget\ndental,east,2026Q1,100\n",
        &[],
    );
    assert_rejected(&o, &dir.path().join("out"), &["column 'claimed_points'", "is too large"]);
}

#[test]
fn literal_paths_with_glob_characters_and_one_file_inputs() {
    let dir = tempfile::tempdir().unwrap();
    let claims = write(dir.path(), "claims[1].csv", &format!("{HEADER}\nA,dental,east,2026-01,,100,0,0,0,0\n"));
    let budgets = write(dir.path(), "budgets.csv", "sector,region,quarter,budget\ndental,east,2026Q1,100\n");
    let out = dir.path().join("out");
    assert_ok(&dianzhi(&["settle", "--claims", s(&claims), "--budgets", s(&budgets), "--out", s(&out), "--quiet"]));
    // a directory of two estimates files is refused, not read in part
    let est = dir.path().join("est");
    write(&est, "a.csv", "sector,region,estimated_point_value\ndental,east,0.9\n");
    write(&est, "b.csv", "sector,region,estimated_point_value\ndental,west,0.9\n");
    let out = dir.path().join("interim");
    let o =
        dianzhi(&["interim", "--claims", s(&claims), "--estimates", s(&est), "--month", "2026-01", "--out", s(&out)]);
    assert_rejected(&o, &out, &["expected one estimates file, found 2"]);
}

#[test]
fn service_month_as_date_text() {
    let dir = tempfile::tempdir().unwrap();
    let o = settle(
        dir.path(),
        &format!("{HEADER}\nA,dental,east,2025-01-15,,100,0,0,0,0\n"),
        "sector,region,quarter,budget\ndental,east,2025Q1,50\n",
        &[],
    );
    assert_ok(&o);
    assert_eq!(table(&dir.path().join("out/point_values.csv"))[0]["fpv"], "0.5000");
}

/// Parquet copayments are whole units of money, whatever their column's type: integers need no
/// check when the unit divides 1, but do when it is larger; decimals are checked row by row.
#[test]
fn parquet_copayments_are_checked_against_the_money_unit() {
    use arrow_array::{ArrayRef, Decimal128Array, Int64Array, RecordBatch, StringArray};
    use std::sync::Arc;
    let claims = |dir: &std::path::Path, copayment: ArrayRef| {
        let text = |v: &str| Arc::new(StringArray::from(vec![v; 3])) as ArrayRef;
        let batch = RecordBatch::try_from_iter([
            ("institution_id", Arc::new(StringArray::from(vec!["A", "B", "C"])) as ArrayRef),
            ("sector", text("dental")),
            ("region", text("east")),
            ("service_month", text("2026-01")),
            ("claimed_points", Arc::new(Int64Array::from(vec![100; 3])) as ArrayRef),
            ("drug_points", Arc::new(Int64Array::from(vec![0; 3])) as ArrayRef),
            ("copayment", copayment),
        ])
        .unwrap();
        let path = dir.join("claims.parquet");
        write_parquet(&path, &batch, None);
        path
    };
    let run = |copayment: ArrayRef, unit: &str| {
        let dir = tempfile::tempdir().unwrap();
        let path = claims(dir.path(), copayment);
        let b = write(dir.path(), "budgets.csv", "sector,region,quarter,budget\ndental,east,2026Q1,1000\n");
        let config = write(dir.path(), "policy.toml", &format!("[money]\nunit = \"{unit}\"\n"));
        let out = dir.path().join("out");
        let args = ["settle", "--claims", s(&path), "--budgets", s(&b), "--config", s(&config), "--out", s(&out)];
        let o = dianzhi(&[&args[..], &["--format", "csv", "--quiet"]].concat());
        (o, out, dir)
    };
    let integers = || Arc::new(Int64Array::from(vec![10, 15, 20])) as ArrayRef;
    let (o, out, _dir) = run(integers(), "10");
    assert_rejected(&o, &out, &["row 2, column 'copayment'", "15 is not a multiple of the money unit 10"]);
    let (o, out, _dir) = run(integers(), "0.01");
    assert_ok(&o);
    let copayments: Vec<String> = table(&out.join("settlements.csv")).iter().map(|r| r["copayment"].clone()).collect();
    assert_eq!(copayments, ["10.00", "15.00", "20.00"]);
    let decimals =
        Arc::new(Decimal128Array::from(vec![100_000, 200_000, 105_000]).with_precision_and_scale(18, 4).unwrap())
            as ArrayRef;
    let (o, out, _dir) = run(decimals, "1");
    assert_rejected(&o, &out, &["row 3, column 'copayment'", "10.5 is not a multiple of the money unit 1"]);
}

/// Interim payments are read beside the claims scan; a fault in them is still what is reported
/// (as when they were read first), also when the claims hold a fault of their own.
#[test]
fn a_bad_interim_file_is_reported_before_bad_claims() {
    let dir = tempfile::tempdir().unwrap();
    let interim = write(
        dir.path(),
        "interim.csv",
        "institution_id,sector,region,quarter,interim_paid\nA,dental,east,2026Q1,abc\n",
    );
    for claims in [row("B,dental,east,2026-01,,1,0,0,0,0"), row("B,dental,east,2026-01,,abc,0,0,0,0")] {
        let o = settle(dir.path(), &claims, BUDGET, &["--interim", s(&interim)]);
        assert_rejected(&o, &dir.path().join("out"), &["interim.csv, line 2, column 'interim_paid'", "'abc'"]);
    }
}
