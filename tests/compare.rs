//! `dianzhi compare A B` (docs/analysts.md): exit 0 when equal within the tolerance, 1 with a
//! `differences` table, 2 on bad input; directories, single tables, and tables from elsewhere.

mod common;
use common::*;

use std::path::{Path, PathBuf};

fn settle_demo(dir: &Path, name: &str, format: &str) -> PathBuf {
    let out = dir.join(name);
    on_demo_quarter("settle", &out, &["--format", format]);
    out
}

#[test]
fn equal_runs_agree_across_formats() {
    let dir = tempfile::tempdir().unwrap();
    let a = settle_demo(dir.path(), "a", "csv");
    let b = settle_demo(dir.path(), "b", "parquet");
    let o = dianzhi(&["compare", s(&a), s(&b)]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("point_values: 30 rows in A, 30 in B") && err.contains("A and B agree"), "{err}");
    assert!(err.contains("settlements:") && err.contains("adjustment"), "a summary line per table and column: {err}");
}

#[test]
fn published_values_reconcile_within_the_tolerance() {
    let dir = tempfile::tempdir().unwrap();
    let run = settle_demo(dir.path(), "run", "csv");
    // published with other decimals: the same numbers; one value off by one in the 4th decimal
    let published = write(
        dir.path(),
        "point_values.csv",
        "sector,region,quarter,fpv\nhospital,north,2026Q1,0.841700\nhospital,south,2026Q1,0.8447\n",
    );
    let only_these = write(dir.path(), "pv-subset.csv", "sector,region,quarter,fpv\nhospital,north,2026Q1,0.841700\n");
    // the directory side is narrowed to the pools published: compare the two tables
    let o = dianzhi(&["compare", s(&published), s(&run.join("point_values.csv"))]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));

    let out = dir.path().join("diff");
    let o = dianzhi(&["compare", s(&run.join("point_values.csv")), s(&published), "--out", s(&out), "--format", "csv"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let rows = table(&out.join("differences.csv"));
    let differs: Vec<_> = rows.iter().filter(|r| r["kind"] == "differs").collect();
    assert_eq!(differs.len(), 1, "{rows:?}");
    let d = differs[0];
    assert_eq!(
        (d["table"].as_str(), d["sector"].as_str(), d["region"].as_str()),
        ("point_values", "hospital", "south")
    );
    assert_eq!(
        (d["column"].as_str(), d["a"].as_str(), d["b"].as_str(), d["delta"].as_str()),
        ("fpv", "0.8446", "0.8447", "0.0001")
    );
    assert_eq!(rows.iter().filter(|r| r["kind"] == "only_in_a").count(), 28, "pools not published");
    assert!(stderr(&o).contains("fpv                  1 differ, max |delta| 0.0001"), "{}", stderr(&o));

    // the tolerance is absolute and inclusive
    let o = dianzhi(&["compare", s(&only_these), s(&published), "--tolerance", "0.0001"]);
    assert_eq!(o.status.code(), Some(1), "a row only in B is a difference whatever the tolerance");
    let both = write(
        dir.path(),
        "pv-both.csv",
        "sector,region,quarter,fpv\nhospital,north,2026Q1,0.8417\nhospital,south,2026Q1,0.8446\n",
    );
    let o = dianzhi(&["compare", s(&both), s(&published), "--tolerance", "0.0001"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = dianzhi(&["compare", s(&both), s(&published), "--tolerance", "0.00009"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
}

#[test]
fn tables_rows_and_texts_that_differ() {
    let dir = tempfile::tempdir().unwrap();
    let a = settle_demo(dir.path(), "a", "csv");
    let b = dir.path().join("b");
    std::fs::create_dir(&b).unwrap();
    // b: settlements missing; a status changed; a pool dropped; empty equals empty
    let pv = std::fs::read_to_string(a.join("point_values.csv")).unwrap();
    let mut lines: Vec<String> = pv.lines().map(str::to_string).collect();
    lines.remove(1);
    lines[1] = lines[1].replace(",ok", ",infeasible");
    std::fs::write(b.join("point_values.csv"), lines.join("\n") + "\n").unwrap();
    let out = dir.path().join("diff");
    let o = dianzhi(&["compare", s(&a), s(&b), "--out", s(&out), "--format", "csv"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let rows = table(&out.join("differences.csv"));
    let kinds: Vec<(&str, &str, &str)> =
        rows.iter().map(|r| (r["table"].as_str(), r["column"].as_str(), r["kind"].as_str())).collect();
    assert!(kinds.contains(&("point_values", "", "only_in_a")), "{kinds:?}");
    assert!(kinds.contains(&("point_values", "status", "differs")), "{kinds:?}");
    assert!(kinds.contains(&("settlements", "", "only_in_a")), "a table in one directory only: {kinds:?}");
    assert!(stderr(&o).contains("settlements: only in A"));
}

#[test]
fn bad_input_is_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let a = write(dir.path(), "a.csv", "sector,region,quarter,fpv\nhospital,north,2026Q1,0.8\n");
    let cases: [(&str, &[&str]); 4] = [
        ("x,y\n1,2\n", &["no key column in common"]),
        ("sector,region,quarter,other\nhospital,north,2026Q1,1\n", &["no value column in common"]),
        ("sector,fpv\nhospital,0.8\nhospital,0.9\n", &["lines 2 and 3 have the same key (sector=hospital)"]),
        ("sector,region,quarter,fpv,fpv\nhospital,north,2026Q1,0.8,0.8\n", &["'fpv'", "appears twice"]),
    ];
    for (text, needles) in cases {
        let b = write(dir.path(), "b.csv", text);
        let o = dianzhi(&["compare", s(&a), s(&b)]);
        assert_eq!(o.status.code(), Some(2), "{text}: {}", stderr(&o));
        for n in needles {
            assert!(stderr(&o).contains(n), "{text}: {n:?} not in {}", stderr(&o));
        }
    }
    let o = dianzhi(&["compare", s(&a), s(&dir.path().join("missing.csv"))]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    // two copies of one table (rows matched by position, keys not ranked): a repeated key is
    // still refused, naming the first repeat in the file
    let text = "sector,region,fpv\nh,n,1\nd,n,2\nh,s,3\nd,n,4\nh,n,5\n";
    let (t1, t2) = (write(dir.path(), "t1.csv", text), write(dir.path(), "t2.csv", text));
    let o = dianzhi(&["compare", s(&t1), s(&t2)]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("lines 3 and 5 have the same key (sector=d region=n)"), "{}", stderr(&o));
}

#[test]
fn dip_and_scenario_outputs_compare() {
    let dir = tempfile::tempdir().unwrap();
    let demo_out = dir.path().join("demo");
    assert_ok(&dianzhi(&["demo", "--out", s(&demo_out), "--quiet"]));
    let dip = demo_out.join("dip");
    // the same year cleared again under another reconcile mode: largest remainder closes each
    // pool's residual, so the pools' residuals (and some payments) differ while every point
    // value, case count and budget stays
    let policy =
        std::fs::read_to_string(demo("dip/dip.toml")).unwrap() + "\n[reconcile]\nmode = \"largest_remainder\"\n";
    let policy = write(dir.path(), "lr.toml", &policy);
    let payments: Vec<String> =
        (1..=12).map(|m| s(&demo_out.join(format!("dip-payments/2026-{m:02}/payments.csv"))).to_string()).collect();
    let other = dir.path().join("lr");
    let mut args =
        vec!["dip", "settle", "--cases", "--groups", "--averages", "--institutions", "--funds", "--config", "--out"];
    let values = [
        demo("dip/cases.csv"),
        demo("dip/groups.csv"),
        demo("dip/averages.csv"),
        demo("dip/institutions.csv"),
        s(&demo_out.join("dip-budget/funds.csv")).to_string(),
        s(&policy).to_string(),
        s(&other).to_string(),
    ];
    let mut run: Vec<&str> = args.drain(..2).collect();
    for (flag, value) in args.iter().zip(&values) {
        run.push(flag);
        run.push(value);
    }
    run.push("--payments");
    run.extend(payments.iter().map(String::as_str));
    run.extend(["--format", "csv", "--quiet"]);
    assert_ok(&dianzhi(&run));
    let o = dianzhi(&["compare", s(&dip), s(&other)]);
    assert_eq!(o.status.code(), Some(1), "the residuals differ: {}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("hospitals:") && err.contains("joined on institution_id, region, fund, year"), "{err}");
    let line = |column: &str| {
        err.lines().find(|l| l.trim_start().starts_with(column) && l.contains("  ")).unwrap_or("").to_string()
    };
    assert!(line("pv ").contains("same"), "{err}");
    assert!(line("residual ").contains("differ"), "{err}");
    assert!(
        table(&other.join("point_values.csv")).iter().all(|r| r["residual"] == "0.00"),
        "largest remainder leaves none"
    );
    // a point value as a bureau publishes it: typed, not copied, and one ten-thousandth off
    let pv = table(&dip.join("point_values.csv"));
    let typed: i128 = pv[0]["pv"].replace('.', "").parse::<i128>().unwrap() + 1;
    let published = format!(
        "region,fund,year,pv\n{},{},{},{}\n",
        pv[0]["region"],
        pv[0]["fund"],
        pv[0]["year"],
        dianzhi_core::number::format_fixed(typed, 4)
    );
    let published = write(dir.path(), "published.csv", &published);
    let o = dianzhi(&["compare", s(&published), s(&dip.join("point_values.csv"))]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(line_of(&stderr(&o), "pv").contains("differ"), "{}", stderr(&o));
    let o = dianzhi(&["compare", s(&published), s(&dip.join("point_values.csv")), "--tolerance", "0.0001"]);
    assert_eq!(o.status.code(), Some(1), "the other pools are only in B: {}", stderr(&o));
    assert!(line_of(&stderr(&o), "pv").contains("same"), "within the tolerance: {}", stderr(&o));
}

/// The summary line of `column` in compare's report.
fn line_of(err: &str, column: &str) -> String {
    err.lines().find(|l| l.split_whitespace().next() == Some(column)).unwrap_or("").to_string()
}

/// Two tables listing their rows in different orders, one CSV and one Parquet written in row
/// groups of two rows (a dictionary per row group, an integer year, a decimal score): rows are
/// matched by key whatever their order, and the differences come in the documented order — rows
/// on one side only, then column by column, each in key order (texts: "10" before "7" before
/// "9"; an empty key after every text).
#[test]
fn differences_come_in_key_order_whatever_the_tables_order() {
    use arrow_array::{Decimal128Array, Int64Array, RecordBatch, StringArray};
    use std::sync::Arc;
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("a")).unwrap();
    std::fs::create_dir_all(dir.path().join("b")).unwrap();
    let a = write(
        &dir.path().join("a"),
        "cases.csv",
        "region,case_id,year,score,note\nr2,10,2026,1.50,x\nr1,9,2026,2,y\n,7,2026,3,z\nr1,10,2026,4.0,w\nr3,1,2026,5,v\n,10,2026,6,u\n",
    );
    let rows: [(Option<&str>, &str, i128, &str); 6] = [
        (None, "10", 625, "u"),
        (Some("r1"), "10", 410, "w"),
        (Some("r0"), "2", 100, "v"),
        (Some("r1"), "9", 250, "y"),
        (Some("r2"), "10", 150, "q"),
        (None, "7", 350, "z"),
    ];
    let batch = RecordBatch::try_from_iter(vec![
        ("region", Arc::new(StringArray::from(rows.iter().map(|r| r.0).collect::<Vec<_>>())) as _),
        ("case_id", Arc::new(StringArray::from(rows.iter().map(|r| r.1).collect::<Vec<_>>())) as _),
        ("year", Arc::new(Int64Array::from(vec![2026; 6])) as _),
        (
            "score",
            Arc::new(
                Decimal128Array::from(rows.iter().map(|r| r.2).collect::<Vec<_>>())
                    .with_precision_and_scale(38, 2)
                    .unwrap(),
            ) as _,
        ),
        ("note", Arc::new(StringArray::from(rows.iter().map(|r| r.3).collect::<Vec<_>>())) as _),
    ])
    .unwrap();
    let b = dir.path().join("b").join("cases.parquet");
    let props = parquet::file::properties::WriterProperties::builder().set_max_row_group_row_count(Some(2)).build();
    write_parquet(&b, &batch, Some(props));
    let out = dir.path().join("d");
    let o = dianzhi(&["compare", s(&a), s(&b), "--out", s(&out), "--format", "csv"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("1 only in A, 1 only in B"), "{}", stderr(&o));
    let written = std::fs::read_to_string(out.join("differences.csv")).unwrap();
    assert_eq!(
        written,
        "table,case_id,region,year,column,a,b,delta,kind\n\
         cases,1,r3,2026,,,,,only_in_a\n\
         cases,2,r0,2026,,,,,only_in_b\n\
         cases,10,r1,2026,score,4.00,4.10,0.10,differs\n\
         cases,10,,2026,score,6.00,6.25,0.25,differs\n\
         cases,7,,2026,score,3.00,3.50,0.50,differs\n\
         cases,9,r1,2026,score,2.00,2.50,0.50,differs\n\
         cases,10,r2,2026,note,x,q,,differs\n"
    );
    // the other way round (the Parquet table, its texts coded by row group, as A)
    let back = dir.path().join("back");
    let o = dianzhi(&["compare", s(&b), s(&a), "--out", s(&back), "--format", "csv"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(
        std::fs::read_to_string(back.join("differences.csv")).unwrap(),
        "table,case_id,region,year,column,a,b,delta,kind\n\
         cases,1,r3,2026,,,,,only_in_b\n\
         cases,2,r0,2026,,,,,only_in_a\n\
         cases,10,r1,2026,score,4.10,4.00,-0.10,differs\n\
         cases,10,,2026,score,6.25,6.00,-0.25,differs\n\
         cases,7,,2026,score,3.50,3.00,-0.50,differs\n\
         cases,9,r1,2026,score,2.50,2.00,-0.50,differs\n\
         cases,10,r2,2026,note,q,x,,differs\n"
    );
}

/// `--on sector,region` sets one quarter against another: rows meet on the chosen keys, the
/// quarter is neither a key nor compared, and only the value changed is a difference.
#[test]
fn on_chosen_keys_one_quarter_meets_another() {
    let d = tempfile::tempdir().unwrap();
    let (a, text, fpv) = demo_point_values(d.path());
    // last year's quarter: the same pools, one point value other
    let mut lines: Vec<String> = text.lines().map(|l| l.replace("2026Q1", "2025Q1")).collect();
    let mut cells: Vec<String> = lines[1].split(',').map(str::to_string).collect();
    cells[fpv] = "0.5000".into();
    lines[1] = cells.join(",");
    let b = write(d.path(), "last-year.csv", &(lines.join("\n") + "\n"));
    // on every key the quarters never meet
    let all = dianzhi(&["compare", s(&a), s(&b), "--out", s(&d.path().join("all")), "--format", "csv", "--quiet"]);
    assert_eq!(all.status.code(), Some(1));
    let rows = table(&d.path().join("all/differences.csv"));
    assert!(rows.iter().all(|r| r["kind"] == "only_in_a" || r["kind"] == "only_in_b"), "{rows:?}");
    // on sector and region they do: one difference, the value changed
    let on = d.path().join("on");
    let o = dianzhi(&["compare", s(&a), s(&b), "--on", "sector,region", "--out", s(&on), "--format", "csv", "--quiet"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let rows = table(&on.join("differences.csv"));
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["column"], "fpv");
    assert!(!rows[0].contains_key("quarter"), "the quarter is not a key: {rows:?}");
    // a key that is none is refused, naming the keys there are
    let o = dianzhi(&["compare", s(&a), s(&b), "--on", "sector,moon"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--on moon: not a key column"), "{}", stderr(&o));
}

/// `report` of a compare output: what differs by table and column with its largest delta, the
/// rows on one side only, the largest differences with their keys; an empty one says A and B agree.
#[test]
fn the_report_of_a_compare_output() {
    let d = tempfile::tempdir().unwrap();
    let (a, text, fpv) = demo_point_values(d.path());
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let mut cells: Vec<String> = lines[1].split(',').map(str::to_string).collect();
    let was = cells[fpv].clone();
    cells[fpv] = "0.5000".into();
    lines[1] = cells.join(",");
    lines.pop(); // a pool in A only
    let b = write(d.path(), "b.csv", &(lines.join("\n") + "\n"));
    let out = d.path().join("diff");
    let o = dianzhi(&["compare", s(&a), s(&b), "--out", s(&out), "--quiet"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_ok(&dianzhi(&["report", s(&out), "--quiet"]));
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("<h2>What differs</h2>") && html.contains("<td>fpv</td>"), "{html}");
    assert!(html.contains("<td>only_in_a</td>"), "{html}");
    let delta = {
        let (w, n) = (was.replace('.', "").parse::<i128>().unwrap(), 5000i128);
        let d = (n - w).abs();
        format!("{}.{:04}", d / 10_000, d % 10_000)
    };
    assert!(
        html.contains(&format!("<td class=\"n\">{}</td>", delta.trim_end_matches('0').trim_end_matches('.'))),
        "{html}"
    );
    let same = d.path().join("same");
    assert_ok(&dianzhi(&["compare", s(&a), s(&a), "--out", s(&same), "--quiet"]));
    assert_ok(&dianzhi(&["report", s(&same), "--quiet"]));
    assert!(std::fs::read_to_string(same.join("report.html")).unwrap().contains("A and B agree"));
}

/// The demo quarter's point values settled into `dir` as CSV: the file, its text and the index
/// of its fpv column.
fn demo_point_values(dir: &Path) -> (PathBuf, String, usize) {
    on_demo_quarter("settle", &dir.join("q"), &["--format", "csv"]);
    let a = dir.join("q/point_values.csv");
    let text = std::fs::read_to_string(&a).unwrap();
    let fpv = text.lines().next().unwrap().split(',').position(|h| h == "fpv").unwrap();
    (a, text, fpv)
}

/// Differences enough for several parts of the table (built on every thread): the same bytes
/// with 1 and 2 threads, every row once, in key order — for tables in the same row order (rows
/// matched by position, A not in key order) and in another (packed keys).
#[test]
fn many_differences_come_whole_in_key_order_on_any_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let n = 150_000usize;
    // A lists the cases in no key order; every third score differs in B
    let order: Vec<usize> = (0..n).map(|i| i * 7919 % n).collect();
    let csv = |rows: &mut dyn Iterator<Item = usize>, changed: bool| {
        let mut t = String::from("case_id,region,score\n");
        for i in rows {
            let score = if changed && i % 3 == 0 { i + 1 } else { i };
            t.push_str(&format!("c{i:06},r{},{score}.5\n", i % 4));
        }
        t
    };
    let a = write(dir.path(), "a.csv", &csv(&mut order.iter().copied(), false));
    let same_order = write(dir.path(), "same.csv", &csv(&mut order.iter().copied(), true));
    // the other order: reversed, and every 50th case left out
    let other = write(dir.path(), "other.csv", &csv(&mut order.iter().rev().copied().filter(|i| i % 50 != 7), true));
    for (b, alone) in [(&same_order, 0), (&other, n / 50)] {
        let run = |threads: &str, format: &str| -> PathBuf {
            let out = dir.path().join(format!("d-{}-{threads}-{format}", b.file_stem().unwrap().to_string_lossy()));
            let o = dianzhi(&["--threads", threads, "compare", s(&a), s(b), "--out", s(&out), "--format", format]);
            assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
            out.join(format!("differences.{format}"))
        };
        let one = std::fs::read(run("1", "parquet")).unwrap();
        assert_eq!(one, std::fs::read(run("2", "parquet")).unwrap(), "{}: 1 and 2 threads", b.display());
        let rows = table(&run("2", "csv"));
        let differing = (0..n).filter(|i| i % 3 == 0 && (alone == 0 || i % 50 != 7)).count();
        assert_eq!(rows.len(), alone + differing, "{}", b.display());
        // the rows on one side first, then the scores, each in key order
        let keys: Vec<(bool, &str)> = rows.iter().map(|r| (r["kind"] == "differs", r["case_id"].as_str())).collect();
        assert!(keys.windows(2).all(|w| w[0] < w[1]), "{}: not in key order", b.display());
        let last = rows.last().unwrap();
        assert_eq!((last["a"].as_str(), last["b"].as_str(), last["delta"].as_str()), ("149997.5", "149998.5", "1.0"));
    }
}
