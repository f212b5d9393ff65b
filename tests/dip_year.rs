//! The DIP year on the demo data: twelve monthly pre-settlements, then the year-end clearing
//! against what was paid (docs/dip-year.md and docs/dip.md, Arithmetic, steps 7–8).

mod common;
use common::*;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn demo(file: &str) -> String {
    format!("{}/data/demo/dip/{file}", env!("CARGO_MANIFEST_DIR"))
}

fn lookups() -> Vec<String> {
    let mut args = Vec::new();
    for (flag, file) in
        [("--groups", "groups.csv"), ("--averages", "averages.csv"), ("--institutions", "institutions.csv")]
    {
        args.push(flag.to_string());
        args.push(demo(file));
    }
    args
}

fn run(args: &[String]) -> std::process::Output {
    dianzhi(&args.iter().map(String::as_str).collect::<Vec<_>>())
}

fn presettle(dir: &Path, month: u8, earlier: &[PathBuf], extra: &[&str]) -> (std::process::Output, PathBuf) {
    let out = dir.join(format!("pay-{month:02}"));
    let mut args: Vec<String> =
        ["dip", "presettle", "--cases", &demo("cases.csv")].iter().map(|s| s.to_string()).collect();
    args.extend(lookups());
    args.extend(["--month".into(), format!("2026-{month:02}"), "--funds".into(), demo("funds.csv")]);
    if !extra.contains(&"--config") {
        args.extend(["--config".into(), demo("dip.toml")]);
    }
    args.extend(["--out".into(), s(&out).into(), "--format".into(), "csv".into()]);
    if !earlier.is_empty() {
        args.push("--payments".into());
        args.extend(earlier.iter().map(|p| s(p).to_string()));
    }
    args.extend(extra.iter().map(|s| s.to_string()));
    (run(&args), out)
}

fn money(v: &str) -> i128 {
    let (int, frac) = v.split_once('.').unwrap_or((v, ""));
    let sign = if int.starts_with('-') { -1 } else { 1 };
    let int: i128 = int.trim_start_matches('-').parse().unwrap();
    sign * (int * 100 + frac.parse::<i128>().unwrap_or(0))
}

#[test]
fn a_year_of_monthly_payments_cleared_at_year_end() {
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    let mut shares = Vec::new();
    for m in 1..=12u8 {
        let (o, out) = presettle(dir.path(), m, &files, &["--quiet"]);
        assert_ok(&o);
        let pay = table(&out.join("payments.csv"));
        assert!(!pay.is_empty(), "month {m} pays someone");
        for p in &pay {
            assert_eq!(p["month"], format!("2026-{m:02}"));
            // items basis, advance 1, 5% withheld: each amount rounded once to the fen
            let (basis, gross, withheld, paid) =
                (money(&p["basis"]), money(&p["gross"]), money(&p["withheld"]), money(&p["paid"]));
            assert_eq!(gross, basis);
            assert_eq!(withheld, (gross * 5 + 50) / 100);
            assert_eq!(paid, gross - withheld);
        }
        let pools = table(&out.join("execution_pools.csv"));
        shares.push(pools.iter().map(|p| p["share"].clone()).collect::<Vec<_>>());
        files.push(out.join("payments.csv"));
    }
    // the year's execution only grows, month after month
    for w in shares.windows(2) {
        for (a, b) in w[0].iter().zip(&w[1]) {
            assert!(a.parse::<f64>().unwrap() <= b.parse::<f64>().unwrap());
        }
    }

    // the clearing: every hospital's paid and withheld are its twelve months', adjustment = due − paid
    let mut paid: BTreeMap<(String, String, String), (i128, i128)> = BTreeMap::new();
    for f in &files {
        for p in table(f) {
            let e = paid.entry((p["institution_id"].clone(), p["region"].clone(), p["fund"].clone())).or_default();
            e.0 += money(&p["paid"]);
            e.1 += money(&p["withheld"]);
        }
    }
    let out = dir.path().join("cleared");
    let mut args: Vec<String> =
        ["dip", "settle", "--cases", &demo("cases.csv")].iter().map(|s| s.to_string()).collect();
    args.extend(lookups());
    args.extend(["--funds".into(), demo("funds.csv"), "--config".into(), demo("dip.toml")]);
    args.extend([
        "--out".into(),
        s(&out).into(),
        "--format".into(),
        "csv".into(),
        "--quiet".into(),
        "--payments".into(),
    ]);
    args.extend(files.iter().map(|p| s(p).to_string()));
    assert_ok(&run(&args));
    let hospitals = table(&out.join("hospitals.csv"));
    assert_eq!(hospitals.len(), paid.len());
    let (mut kept, mut shared) = (0, 0);
    for h in &hospitals {
        let (p, w) = paid[&(h["institution_id"].clone(), h["region"].clone(), h["fund"].clone())];
        assert_eq!((money(&h["paid"]), money(&h["withheld"])), (p, w));
        assert_eq!(money(&h["adjustment"]), money(&h["due"]) - p);
        let entitlement = money(&h["entitlement"]);
        let (dip, items) = (money(&h["dip_amount"]), money(&h["item_amount"]));
        assert!(entitlement >= dip.min(items) && entitlement <= dip.max(items));
        kept += i128::from(money(&h["kept"]) > 0);
        shared += i128::from(money(&h["shared"]) > 0);
    }
    // the demo year has hospitals on both sides of the corridor
    assert!(kept > 5 && shared > 5, "kept {kept}, shared {shared}");
}

#[test]
fn presettle_refusals_name_what_and_where() {
    let dir = tempfile::tempdir().unwrap();
    let (o, first) = presettle(dir.path(), 1, &[], &["--quiet"]);
    assert_ok(&o);
    // a payment of March given to the run of February
    let (o, out) = presettle(dir.path(), 2, &[], &["--quiet"]);
    assert_ok(&o);
    let (o, out3) = presettle(dir.path(), 3, &[first.join("payments.csv"), out.join("payments.csv")], &["--quiet"]);
    assert_ok(&o);
    let refused = dir.path().join("refused");
    let (o, bad) = presettle(&refused, 2, &[out3.join("payments.csv")], &[]);
    assert_rejected(&o, &bad, &["payments.csv, line 2, column 'month'", "2026-03 is not before --month 2026-02"]);
    // a payment month outside its year
    let odd = write(
        dir.path(),
        "odd.csv",
        "institution_id,region,fund,year,month,paid,withheld\nH0100000,济南,employee,2026,2025-12,1.00,0.00\n",
    );
    let (o, bad) = presettle(&refused, 2, &[odd], &[]);
    assert_rejected(&o, &bad, &["odd.csv, line 2, column 'month'", "2025-12 is outside the payment's year 2026"]);
    // scores basis without published values
    let scores = write(dir.path(), "scores.toml", "[dip.presettle]\nbasis = \"scores\"\n");
    let (o, bad) = presettle(&refused, 4, &[], &["--config", s(&scores)]);
    assert_rejected(&o, &bad, &["no published point value", "region=济南 fund=employee"]);
    let rate = write(dir.path(), "rate.toml", "[dip.presettle]\nwithhold_rate = \"0.08\"\n");
    let (o, bad) = presettle(&refused, 4, &[], &["--config", s(&rate)]);
    assert_rejected(&o, &bad, &["withhold_rate = \"0.08\"", "national rule caps the quality reserve"]);
}

#[test]
fn settle_refuses_payments_of_a_hospital_without_cases_and_negative_assessments() {
    let dir = tempfile::tempdir().unwrap();
    let orphan = write(
        dir.path(),
        "orphan.csv",
        "institution_id,region,fund,year,month,paid,withheld\nNOBODY,济南,employee,2026,2026-05,1.00,0.00\n",
    );
    let out = dir.path().join("out");
    let mut args: Vec<String> =
        ["dip", "settle", "--cases", &demo("cases.csv")].iter().map(|s| s.to_string()).collect();
    args.extend(lookups());
    args.extend([
        "--funds".into(),
        demo("funds.csv"),
        "--out".into(),
        s(&out).into(),
        "--payments".into(),
        s(&orphan).into(),
    ]);
    assert_rejected(
        &run(&args),
        &out,
        &["payment row(s) for a hospital without cases", "institution NOBODY in region=济南 fund=employee year=2026"],
    );
    let inst = write(
        dir.path(),
        "inst.csv",
        &std::fs::read_to_string(demo("institutions.csv")).unwrap().replacen(
            "\nH0100000,2,0.98,,",
            "\nH0100000,2,0.98,,-0.5",
            1,
        ),
    );
    let mut args: Vec<String> =
        ["dip", "settle", "--cases", &demo("cases.csv")].iter().map(|s| s.to_string()).collect();
    args.extend([
        "--groups".into(),
        demo("groups.csv"),
        "--averages".into(),
        demo("averages.csv"),
        "--institutions".into(),
        s(&inst).into(),
    ]);
    args.extend(["--funds".into(), demo("funds.csv"), "--out".into(), s(&out).into()]);
    assert_rejected(&run(&args), &out, &["inst.csv, line 2, column 'assessment'", "-0.5 is negative"]);
}

/// Basis "scores": the month's scores × the published point value from `--point-values`, and the
/// hospitals' execution figures against it.
#[test]
fn presettle_on_published_point_values() {
    let dir = tempfile::tempdir().unwrap();
    let values = write(
        dir.path(),
        "pv.csv",
        "region,fund,point_value\n济南,employee,10\n济南,resident,10\n淄博,employee,10\n淄博,resident,10\n青岛,employee,10\n青岛,resident,10\n",
    );
    let scores = write(dir.path(), "scores.toml", "[dip.presettle]\nbasis = \"scores\"\nwithhold_rate = \"0\"\n");
    let (o, out) = presettle(dir.path(), 6, &[], &["--config", s(&scores), "--point-values", s(&values), "--quiet"]);
    assert_ok(&o);
    // the month's scores from the cases output of a settlement of the same data
    let settled = dir.path().join("settled");
    let mut args: Vec<String> =
        ["dip", "settle", "--cases", &demo("cases.csv")].iter().map(|s| s.to_string()).collect();
    args.extend(lookups());
    args.extend([
        "--funds".into(),
        demo("funds.csv"),
        "--out".into(),
        s(&settled).into(),
        "--format".into(),
        "csv".into(),
    ]);
    assert_ok(&run(&args));
    let cases = std::fs::read_to_string(demo("cases.csv")).unwrap();
    let june: std::collections::HashSet<&str> =
        cases.lines().filter(|l| l.contains(",2026-06")).map(|l| l.split(',').next().unwrap()).collect();
    // Σ score per (hospital, fund), in 1/10,000 of a point
    let mut expected: BTreeMap<(String, String), i128> = BTreeMap::new();
    for c in table(&settled.join("cases.csv")).into_iter().filter(|c| june.contains(c["case_id"].as_str())) {
        *expected.entry((c["institution_id"].clone(), c["fund"].clone())).or_default() +=
            c["score"].replace('.', "").parse::<i128>().unwrap();
    }
    let pay = table(&out.join("payments.csv"));
    assert_eq!(pay.len(), expected.len());
    for p in pay {
        // basis = Σ score × 10 yuan, rounded once to the fen (half_up); nothing withheld
        let score = expected[&(p["institution_id"].clone(), p["fund"].clone())];
        assert_eq!(money(&p["basis"]), (score * 10 + 50) / 100, "{p:?}");
        assert_eq!((p["withheld"].as_str(), p["gross"].as_str()), ("0.00", p["basis"].as_str()));
    }
    let h = table(&out.join("execution_hospitals.csv"));
    // every hospital paid in June is watched (with those paid earlier in the year)
    for (id, fund) in expected.keys() {
        assert!(h.iter().any(|r| &r["institution_id"] == id && &r["fund"] == fund), "{id} {fund} not watched");
    }
    assert!(h.iter().all(|r| !r["score_value_to_date"].is_empty() && !r["ratio"].is_empty()));
}

/// Earlier presettle runs given as their directories read their `payments` tables (not the
/// execution tables beside them); the watch says what it cannot show: the year to date without
/// `--payments`, a pool without a funds row.
#[test]
fn presettle_reads_earlier_runs_by_directory_and_says_what_it_lacks() {
    let dir = tempfile::tempdir().unwrap();
    let (o, jan) = presettle(dir.path(), 1, &[], &["--quiet"]);
    assert_ok(&o);
    let (o, feb) = presettle(dir.path(), 2, &[], &[]);
    assert_ok(&o);
    assert!(
        stderr(&o).contains("without --payments, paid_to_date and withheld_to_date hold 2026-02 alone"),
        "{}",
        stderr(&o)
    );
    // the directories of January and February, as --payments' help suggests
    let (o, by_dir) = presettle(dir.path(), 3, &[jan.clone(), feb.clone()], &["--quiet"]);
    assert_ok(&o);
    let by_file_dir = dir.path().join("files");
    std::fs::create_dir(&by_file_dir).unwrap();
    let (o, by_file) = presettle(&by_file_dir, 3, &[jan.join("payments.csv"), feb.join("payments.csv")], &["--quiet"]);
    assert_ok(&o);
    for t in ["payments.csv", "execution_pools.csv", "execution_hospitals.csv"] {
        assert_eq!(std::fs::read(by_dir.join(t)).unwrap(), std::fs::read(by_file.join(t)).unwrap(), "{t}");
    }
    // a funds table that lacks a pool: named, its share empty
    let funds = std::fs::read_to_string(demo("funds.csv")).unwrap();
    let mut lines: Vec<&str> = funds.lines().collect();
    let dropped = lines.remove(1).to_string();
    let short = write(dir.path(), "short-funds.csv", &(lines.join("\n") + "\n"));
    let out = dir.path().join("short");
    let mut args: Vec<String> =
        ["dip", "presettle", "--cases", &demo("cases.csv")].iter().map(|s| s.to_string()).collect();
    args.extend(lookups());
    args.extend(
        ["--month", "2026-01", "--funds", s(&short), "--config", &demo("dip.toml"), "--out", s(&out)].map(String::from),
    );
    let o = run(&args);
    assert_ok(&o);
    let cells: Vec<&str> = dropped.split(',').collect();
    assert!(stderr(&o).contains("--funds has no row for 1 pool(s)"), "{}", stderr(&o));
    assert!(stderr(&o).contains(&format!("region={} fund={}", cells[0], cells[1])), "{}", stderr(&o));
}

/// The worked year of docs/dip-year.md ("A year cleared, worked"): two hospitals, one in surplus
/// and one overspent, an assessment below 1, twelve months of payments — every figure exact.
#[test]
fn a_worked_year_cleared_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let out = worked_dip_year(dir.path());
    let pool = &table(&out.join("point_values.csv"))[0];
    let got: Vec<&str> = ["pv", "dip_amount", "item_amount", "entitlement", "reserve_draw", "residual", "status"]
        .iter()
        .map(|c| pool[*c].as_str())
        .collect();
    assert_eq!(got, ["10.0000", "900000.00", "700000.00", "846000.00", "-54000.00", "0.00", "ok"]);
    let columns = [
        "institution_id",
        "dip_amount",
        "item_amount",
        "balance",
        "kept",
        "shared",
        "entitlement",
        "paid",
        "withheld",
        "assessment",
        "due",
        "adjustment",
    ];
    let rows: Vec<Vec<String>> =
        table(&out.join("hospitals.csv")).iter().map(|h| columns.iter().map(|c| h[*c].clone()).collect()).collect();
    assert_eq!(
        rows,
        [
            [
                "H1",
                "600000.00",
                "300000.00",
                "300000.00",
                "210000.00",
                "0.00",
                "510000.00",
                "480000.00",
                "24000.00",
                "1.0000",
                "510000.00",
                "30000.00"
            ],
            [
                "H2",
                "300000.00",
                "400000.00",
                "-100000.00",
                "0.00",
                "36000.00",
                "336000.00",
                "360000.00",
                "18000.00",
                "0.9000",
                "334200.00",
                "-25800.00"
            ]
        ]
    );
}
