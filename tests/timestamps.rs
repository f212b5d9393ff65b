//! Zoned timestamps are placed in their own zone's calendar (Arrow's zoned timestamps are
//! instants; a claim served at 00:30 on 1 April in Taipei is April's, though it is still 31 March
//! in UTC); naive timestamps are wall-clock times as written.

mod common;
use common::*;

use std::sync::Arc;

use arrow_array::{ArrayRef, Int64Array, RecordBatch, StringArray, TimestampMillisecondArray};

/// Milliseconds since the epoch of a UTC date and time.
fn utc_ms(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> i64 {
    let days = {
        // days from 1970-01-01 (civil calendar)
        let (y, m) = if mo <= 2 { (y - 1, mo + 9) } else { (y, mo - 3) };
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let doy = (153 * m as i32 + 2) / 5 + d as i32 - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        (era * 146_097 + doe - 719_468) as i64
    };
    ((days * 24 + h as i64) * 60 + mi as i64) * 60_000
}

fn text(v: &[&str]) -> ArrayRef {
    Arc::new(StringArray::from(v.to_vec()))
}

fn ints(v: &[i64]) -> ArrayRef {
    Arc::new(Int64Array::from(v.to_vec()))
}

#[test]
fn claims_are_placed_in_their_zones_quarter() {
    let dir = tempfile::tempdir().unwrap();
    // 2026-04-01 00:30 in Taipei (UTC+8) is 2026-03-31 16:30 UTC: April, so Q2
    let taipei = TimestampMillisecondArray::from(vec![utc_ms(2026, 3, 31, 16, 30)]).with_timezone("Asia/Taipei");
    // 2026-03-31 23:30 in Shanghai (UTC+8) is 15:30 UTC the same day: Q1
    let shanghai = TimestampMillisecondArray::from(vec![utc_ms(2026, 3, 31, 15, 30)]).with_timezone("+08:00");
    // naive: the wall-clock time as written, 2026-04-01 00:30: Q2
    let naive = TimestampMillisecondArray::from(vec![utc_ms(2026, 4, 1, 0, 30)]);
    let budgets = write(dir.path(), "budgets.csv", "sector,region,quarter,budget\nd,e,2026Q1,100\nd,e,2026Q2,100\n");
    for (name, month, quarter) in [
        ("taipei", Arc::new(taipei) as ArrayRef, "2026Q2"),
        ("shanghai", Arc::new(shanghai), "2026Q1"),
        ("naive", Arc::new(naive), "2026Q2"),
    ] {
        let batch = RecordBatch::try_from_iter([
            ("institution_id", text(&["A"])),
            ("sector", text(&["d"])),
            ("region", text(&["e"])),
            ("service_month", month),
            ("claimed_points", ints(&[100])),
            ("drug_points", ints(&[0])),
        ])
        .unwrap();
        let c = dir.path().join(format!("{name}.parquet"));
        write_parquet(&c, &batch, None);
        let out = dir.path().join(name);
        assert_ok(&dianzhi(&[
            "settle",
            "--claims",
            s(&c),
            "--budgets",
            s(&budgets),
            "--out",
            s(&out),
            "--format",
            "csv",
            "--quiet",
        ]));
        let rows = table(&out.join("settlements.csv"));
        let placed: Vec<&str> =
            rows.iter().filter(|r| r["claimed_points"] != "0.0000").map(|r| r["quarter"].as_str()).collect();
        assert_eq!(placed, [quarter], "{name}");
    }
}

#[test]
fn cases_are_placed_in_their_zones_year() {
    let dir = tempfile::tempdir().unwrap();
    let g = write(dir.path(), "groups.csv", "dip_group,score,kind\nG1,100,core\n");
    let a = write(dir.path(), "averages.csv", "dip_group,level,avg_cost\nG1,3,1000\n");
    let i = write(dir.path(), "institutions.csv", "institution_id,level,coefficient\nH1,3,1\n");
    let f = write(dir.path(), "funds.csv", "region,fund,year,budget,payment_ratio\nr1,employee,2026,1000,1\n");
    // 2026-12-31 23:30 and 2027-01-01 00:30 in Shanghai: the second is 2027's, though UTC says 2026
    let discharged = TimestampMillisecondArray::from(vec![utc_ms(2026, 12, 31, 15, 30), utc_ms(2026, 12, 31, 16, 30)])
        .with_timezone("Asia/Shanghai");
    let batch = RecordBatch::try_from_iter([
        ("case_id", text(&["c1", "c2"])),
        ("institution_id", text(&["H1", "H1"])),
        ("region", text(&["r1", "r1"])),
        ("fund", text(&["employee", "employee"])),
        ("discharge_month", Arc::new(discharged) as ArrayRef),
        ("dip_group", text(&["G1", "G1"])),
        ("total_cost", ints(&[1000, 1000])),
        ("fund_paid", ints(&[900, 900])),
    ])
    .unwrap();
    let c = dir.path().join("cases.parquet");
    write_parquet(&c, &batch, None);
    let out = dir.path().join("out");
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
        "--year",
        "2026",
        "--out",
        s(&out),
        "--format",
        "csv",
    ]);
    assert_ok(&o);
    let said = String::from_utf8_lossy(&o.stdout);
    assert!(said.contains("from 2 cases (1 of other years than --year left out)"), "{said}");
    assert_eq!(table(&out.join("point_values.csv"))[0]["cases"], "1");
}

/// A blank settle_quarter in Parquet is an empty cell, as a blank CSV cell is (the quarter of
/// service_month); a timestamp as text (a CSV export's) counts by its date, as a Parquet
/// timestamp does.
#[test]
fn blank_quarters_and_text_timestamps_read_as_in_every_container() {
    let dir = tempfile::tempdir().unwrap();
    let budgets = write(dir.path(), "budgets.csv", "sector,region,quarter,budget\nd,e,2026Q1,100\nd,e,2026Q2,100\n");
    let batch = RecordBatch::try_from_iter([
        ("institution_id", text(&["A", "B"])),
        ("sector", text(&["d", "d"])),
        ("region", text(&["e", "e"])),
        ("service_month", text(&["2026-03", "2026-03"])),
        ("settle_quarter", text(&["", "2026Q2"])),
        ("claimed_points", ints(&[100, 100])),
        ("drug_points", ints(&[0, 0])),
    ])
    .unwrap();
    let c = dir.path().join("claims.parquet");
    write_parquet(&c, &batch, None);
    let csv = write(
        dir.path(),
        "claims.csv",
        "institution_id,sector,region,service_month,settle_quarter,claimed_points,drug_points\n\
         A,d,e,2026-03-31 23:59:59,,100,0\nB,d,e,2026-03-15T08:00:00+08:00,2026Q2,100,0\n",
    );
    let mut placed = Vec::new();
    for (name, claims) in [("parquet", &c), ("csv", &csv)] {
        let out = dir.path().join(name);
        assert_ok(&dianzhi(&[
            "settle",
            "--claims",
            s(claims),
            "--budgets",
            s(&budgets),
            "--out",
            s(&out),
            "--format",
            "csv",
            "--quiet",
        ]));
        let rows = table(&out.join("settlements.csv"));
        placed.push(rows.iter().map(|r| format!("{} {}", r["institution_id"], r["quarter"])).collect::<Vec<_>>());
    }
    assert_eq!(placed[0], ["A 2026Q1", "B 2026Q2"]);
    assert_eq!(placed[0], placed[1]);
}
