//! Excel workbooks: a bureau's tables read from a workbook settle to the same bytes as the same
//! tables in CSV; `export` writes an output as a workbook whose every value reads back equal; a
//! cell that needs more decimals than its column allows is refused naming sheet, row and column.

mod common;
use common::*;

use std::path::{Path, PathBuf};

fn demo(file: &str) -> PathBuf {
    PathBuf::from(format!("{}/data/demo/dip/{file}", env!("CARGO_MANIFEST_DIR")))
}

/// The demo year's lookup tables and funds as one workbook, made by `export`.
fn workbook(dir: &Path, funds: &str) -> PathBuf {
    let tables = dir.join("tables");
    for f in ["groups.csv", "averages.csv", "institutions.csv"] {
        std::fs::create_dir_all(&tables).unwrap();
        std::fs::copy(demo(f), tables.join(f)).unwrap();
    }
    write(&tables, "funds.csv", funds);
    let book = dir.join("tables.xlsx");
    assert_ok(&dianzhi(&["export", s(&tables), "--out", s(&book), "--quiet"]));
    book
}

fn settle(inputs: [String; 4], out: &Path) -> std::process::Output {
    let cases = demo("cases.csv");
    dianzhi(&[
        "dip",
        "settle",
        "--cases",
        s(&cases),
        "--groups",
        &inputs[0],
        "--averages",
        &inputs[1],
        "--institutions",
        &inputs[2],
        "--funds",
        &inputs[3],
        "--out",
        s(out),
        "--format",
        "csv",
        "--quiet",
    ])
}

#[test]
fn tables_from_a_workbook_settle_to_the_bytes_of_csv() {
    let dir = tempfile::tempdir().unwrap();
    let funds = std::fs::read_to_string(demo("funds.csv")).unwrap();
    let book = workbook(dir.path(), &funds);
    let sheet = |name: &str| format!("{}#{name}", book.display());
    let (a, b) = (dir.path().join("csv"), dir.path().join("xlsx"));
    let csv = ["groups.csv", "averages.csv", "institutions.csv", "funds.csv"].map(|f| s(&demo(f)).to_string());
    assert_ok(&settle(csv, &a));
    assert_ok(&settle(["groups", "averages", "institutions", "funds"].map(sheet), &b));
    for t in ["point_values.csv", "hospitals.csv", "cases.csv"] {
        assert_eq!(std::fs::read(a.join(t)).unwrap(), std::fs::read(b.join(t)).unwrap(), "{t}");
    }
}

#[test]
fn an_exported_output_reads_back_equal() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("settled");
    let csv = ["groups.csv", "averages.csv", "institutions.csv", "funds.csv"].map(|f| s(&demo(f)).to_string());
    assert_ok(&settle(csv, &out));
    let book = dir.path().join("results.xlsx");
    let o = dianzhi(&["export", s(&out), "--out", s(&book)]);
    assert_ok(&o);
    // every table compared with its sheet: numbers as numbers, texts as texts (Chinese labels too)
    for t in ["point_values", "hospitals", "cases"] {
        let o = dianzhi(&["compare", s(&out.join(format!("{t}.csv"))), &format!("{}#{t}", book.display()), "--quiet"]);
        assert_eq!(o.status.code(), Some(0), "{t}: {}", String::from_utf8_lossy(&o.stdout));
        // compare reads the columns both sides share: every column must be on the sheet, in order
        let sheet =
            dianzhi_columnar::read::workbook::read_sheet(&PathBuf::from(format!("{}#{t}", book.display()))).unwrap();
        let text = std::fs::read_to_string(out.join(format!("{t}.csv"))).unwrap();
        let header: Vec<&str> = text.lines().next().unwrap().split(',').collect();
        assert_eq!(sheet.header, header, "{t}: the sheet's columns");
        assert_eq!(sheet.rows.len(), text.lines().count() - 1, "{t}: the sheet's rows");
    }
    // and from Parquet: the decimals of the Parquet columns, read back from the sheets
    let pq = dir.path().join("settled-parquet");
    let cases = demo("cases.csv");
    let lookups = ["groups.csv", "averages.csv", "institutions.csv", "funds.csv"].map(|f| s(&demo(f)).to_string());
    assert_ok(&dianzhi(&[
        "dip",
        "settle",
        "--cases",
        s(&cases),
        "--groups",
        &lookups[0],
        "--averages",
        &lookups[1],
        "--institutions",
        &lookups[2],
        "--funds",
        &lookups[3],
        "--out",
        s(&pq),
        "--quiet",
    ]));
    let book_pq = dir.path().join("results-parquet.xlsx");
    assert_ok(&dianzhi(&["export", s(&pq), "--out", s(&book_pq), "--quiet"]));
    for t in ["point_values", "hospitals", "cases"] {
        let o = dianzhi(&[
            "compare",
            s(&pq.join(format!("{t}.parquet"))),
            &format!("{}#{t}", book_pq.display()),
            "--quiet",
        ]);
        assert_eq!(o.status.code(), Some(0), "{t}: {}", String::from_utf8_lossy(&o.stdout));
    }
    // the workbook is refused as an --out over an existing file without --force
    let o = dianzhi(&["export", s(&out), "--out", s(&book)]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--force"), "{}", stderr(&o));
}

#[test]
fn a_cell_with_more_decimals_than_money_has_is_refused_naming_sheet_row_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let funds = std::fs::read_to_string(demo("funds.csv")).unwrap().replace("1788322.60", "1788322.605");
    let book = workbook(dir.path(), &funds);
    let sheet = |name: &str| format!("{}#{name}", book.display());
    let out = dir.path().join("out");
    let o = settle(["groups", "averages", "institutions", "funds"].map(sheet), &out);
    assert_rejected(&o, &out, &["tables.xlsx#funds, row 2, column 'budget'", "1788322.605"]);
    // a sheet that is not there is named with those that are
    let o = settle(["groups", "averages", "institutions", "资金"].map(sheet), &out);
    assert_rejected(&o, &out, &["no sheet '资金'", "about, averages, funds, groups, institutions"]);
}

/// `export --lang zh`: each sheet headed by the columns' Chinese labels, their names in the row
/// under them (what a script reads the sheet by), then the rows; the workbook is dianzhi's own, so
/// `--force` replaces it.
#[test]
fn a_chinese_workbook_has_the_labels_above_the_names() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("settled");
    let csv = ["groups.csv", "averages.csv", "institutions.csv", "funds.csv"].map(|f| s(&demo(f)).to_string());
    assert_ok(&settle(csv, &out));
    let book = dir.path().join("结算结果.xlsx");
    assert_ok(&dianzhi(&["export", s(&out), "--out", s(&book), "--lang", "zh", "--quiet"]));
    let text = std::fs::read_to_string(out.join("hospitals.csv")).unwrap();
    let names: Vec<&str> = text.lines().next().unwrap().split(',').collect();
    let sheet =
        dianzhi_columnar::read::workbook::read_sheet(&PathBuf::from(format!("{}#hospitals", book.display()))).unwrap();
    let at = |name: &str| names.iter().position(|n| *n == name).unwrap();
    assert_eq!(sheet.header[at("institution_id")], "医疗机构编码");
    assert_eq!(sheet.header[at("kept")], "结余留用");
    assert_eq!(sheet.header[at("shared")], "超支分担");
    let (_, under) = &sheet.rows[0];
    let under: Vec<&str> = under.iter().map(|c| c.as_deref().unwrap_or("")).collect();
    assert_eq!(under, names, "the names under the labels");
    assert_eq!(sheet.rows.len(), text.lines().count(), "the names' row and every row of the table");
    let first: Vec<&str> = text.lines().nth(1).unwrap().split(',').collect();
    let (_, row) = &sheet.rows[1];
    for c in ["institution_id", "region", "fund", "entitlement"] {
        assert_eq!(row[at(c)].as_deref(), Some(first[at(c)]), "{c} of the first hospital");
    }
    let about = dianzhi_columnar::read::workbook::read_sheet(&book).unwrap();
    assert_eq!(about.header[..2], ["表".to_string(), "行数".to_string()]);
    // dianzhi's own workbook: replaced with --force, in either language
    assert_ok(&dianzhi(&["export", s(&out), "--out", s(&book), "--lang", "zh", "--force", "--quiet"]));
    assert_ok(&dianzhi(&["export", s(&out), "--out", s(&book), "--force", "--quiet"]));
}

/// The same output exports to the same bytes (no clock in the workbook); a text longer than a
/// cell holds is named by table, row and column.
#[test]
fn export_is_reproducible_and_names_a_cell_too_long() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let c = write(d, "claims.csv", &format!("{HEADER}\nA,dental,east,2026-01,,100,0,0,0,0\n"));
    let b = write(d, "budgets.csv", "sector,region,quarter,budget\ndental,east,2026Q1,200\n");
    let out = d.join("out");
    assert_ok(&dianzhi(&["settle", "--claims", s(&c), "--budgets", s(&b), "--out", s(&out), "--quiet"]));
    let (x, y) = (d.join("x.xlsx"), d.join("y.xlsx"));
    assert_ok(&dianzhi(&["export", s(&out), "--out", s(&x), "--quiet"]));
    std::thread::sleep(std::time::Duration::from_millis(1100));
    assert_ok(&dianzhi(&["export", s(&out), "--out", s(&y), "--quiet"]));
    assert_eq!(std::fs::read(&x).unwrap(), std::fs::read(&y).unwrap(), "two exports of one output differ");
    // a label of 40,000 characters (a pasted note) in a table of an output
    let long = "长".repeat(40_000);
    write(d, "out/notes.csv", &format!("institution_id,note\nA,{long}\n"));
    let z = d.join("z.xlsx");
    let o = dianzhi(&["export", s(&out), "--out", s(&z)]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("table notes, row 1, column note: a text of 40000 characters"), "{}", stderr(&o));
    assert!(!stderr(&o).contains("dianzhi-tmp"), "{}", stderr(&o));
    assert!(!z.exists());
}

/// `export --by institution_id`: one workbook per hospital for sending out, each with that
/// hospital's rows of every table that has the column; ids that are no safe file name (`/`,
/// `..`, `<`) are written as `_XX`; the directory is all or nothing.
#[test]
fn export_by_institution_writes_one_workbook_each() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let g = write(d, "groups.csv", "dip_group,score,kind\nG1,100,core\n");
    let a = write(d, "averages.csv", "dip_group,level,avg_cost\nG1,3,1000\n");
    let i = write(d, "institutions.csv", "institution_id,level,coefficient\nH1,3,1\n../H2<x>,3,1\n");
    let f = write(d, "funds.csv", "region,fund,year,budget,payment_ratio\nr1,employee,2026,1000.00,1\n");
    let c = write(
        d,
        "cases.csv",
        "case_id,institution_id,region,fund,discharge_month,dip_group,total_cost,fund_paid\n\
         c1,H1,r1,employee,2026-03,G1,1000.00,900.00\nc2,../H2<x>,r1,employee,2026-03,G1,1000.00,900.00\n\
         c3,H1,r1,employee,2026-04,G1,1000.00,900.00\n",
    );
    let out = d.join("settled");
    assert_ok(&dip_settle_csv(&c, [&g, &a, &i, &f], &[], &out));
    let books = d.join("books");
    assert_ok(&dianzhi(&["export", s(&out), "--by", "institution_id", "--out", s(&books), "--quiet"]));
    let mut names: Vec<String> =
        std::fs::read_dir(&books).unwrap().flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    assert_eq!(names, ["H1.xlsx", "_2E._2FH2_3Cx_3E.xlsx"]);
    let sheet = |book: &str, t: &str| {
        dianzhi_columnar::read::workbook::read_sheet(&PathBuf::from(format!("{}#{t}", books.join(book).display())))
            .unwrap()
    };
    let cases = sheet("H1.xlsx", "cases");
    let id = cases.header.iter().position(|h| h == "case_id").unwrap();
    let ids: Vec<&str> = cases.rows.iter().map(|(_, r)| r[id].as_deref().unwrap()).collect();
    assert_eq!(ids, ["c1", "c3"], "H1's cases only");
    assert_eq!(sheet("_2E._2FH2_3Cx_3E.xlsx", "hospitals").rows.len(), 1);
    // no column of that name: refused, nothing written
    let bad = d.join("bad");
    let o = dianzhi(&["export", s(&out), "--by", "doctor", "--out", s(&bad)]);
    assert_rejected(&o, &bad, &["no table has a column doctor"]);
}
