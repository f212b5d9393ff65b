//! The China budget year: `dip budget` (以收定支) from a history to the funds table the year
//! reads, and the execution watch of `dip presettle` (levels, cost growth, exam share, a budget
//! revised mid-year). The worked figures are docs/dip-year.md's, computed by hand there.

mod common;
use common::*;

use std::path::{Path, PathBuf};

fn example(file: &str) -> String {
    format!("{}/data/examples/{file}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn the_worked_spec_budgets_three_pools() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("budget");
    let o = dianzhi(&[
        "dip",
        "budget",
        "--spec",
        &example("dip-budget.toml"),
        "--history",
        &example("dip-history.csv"),
        "--out",
        s(&out),
        "--format",
        "csv",
    ]);
    assert_ok(&o);
    let funds = std::fs::read_to_string(out.join("funds.csv")).unwrap();
    assert_eq!(
        funds,
        "region,fund,year,budget,payment_ratio,reserve\n\
         济南,employee,2027,1206553215.00,1.0000,36196596.45\n\
         济南,resident,2027,532680383.58,1.0000,15980411.51\n\
         青岛,resident,2027,344859616.42,1.0000,10345788.49\n"
    );
    let g = table(&out.join("growth.csv"));
    let row = |i: usize, keys: &[&str]| keys.iter().map(|k| g[i][*k].clone()).collect::<Vec<_>>();
    assert_eq!(
        row(
            0,
            &[
                "growth_y3",
                "growth_y2",
                "growth_y1",
                "history_rate",
                "growth_rate",
                "spending_forecast",
                "cap",
                "balance_rate",
                "flag"
            ]
        ),
        [
            "0.050000000000",
            "0.060000000000",
            "0.050000000000",
            "0.053333333333",
            "0.032433333333",
            "1206553215.00",
            "1235000000.00",
            "0.071882142308",
            ""
        ]
    );
    assert_eq!(
        row(
            1,
            &["adjustment", "spending_forecast", "income_forecast", "cap", "shortfall", "transfer", "budget", "flag"]
        ),
        [
            "-0.010000000000",
            "539586141.41",
            "556200000.00",
            "528390000.00",
            "11196141.41",
            "4290383.58",
            "532680383.58",
            "capped"
        ]
    );
    assert_eq!(
        row(2, &["shortfall", "transfer", "budget", "flag"]),
        ["14899757.00", "5709616.42", "344859616.42", "capped"]
    );
    // the two transfers use the whole provincial pool, to the fen
    assert_eq!(g.iter().map(|r| money(&r["transfer"])).sum::<i128>(), 10_000_000_00);
    let said = String::from_utf8_lossy(&o.stdout);
    assert!(said.contains("budgeted 3 DIP pools"), "{said}");
}

fn money(v: &str) -> i128 {
    let (int, frac) = v.split_once('.').unwrap_or((v, ""));
    let sign = if int.starts_with('-') { -1 } else { 1 };
    sign * (int.trim_start_matches('-').parse::<i128>().unwrap() * 100 + format!("{frac:0<2}").parse::<i128>().unwrap())
}

#[test]
fn bad_history_and_spec_are_refused_naming_row_or_key() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let spec = example("dip-budget.toml");
    let history = std::fs::read_to_string(example("dip-history.csv")).unwrap();
    let run = |h: &str, spec: &str| {
        let p = write(dir.path(), "history.csv", h);
        dianzhi(&["dip", "budget", "--spec", spec, "--history", s(&p), "--out", s(&out)])
    };
    let repeated = format!("{history}济南,employee,2026,1.00,1.00\n");
    assert_rejected(
        &run(&repeated, &spec),
        &out,
        &["history.csv", "region=济南 fund=employee year=2026", "line 5 and line 14"],
    );
    let negative = history.replace("青岛,resident,2025,335000000.00", "青岛,resident,2025,-335000000.00");
    assert_rejected(&run(&negative, &spec), &out, &["income", "line 12", "negative"]);
    let fen = history.replace("1100000000.00", "1100000000.005");
    assert_rejected(&run(&fen, &spec), &out, &["income", "line 2"]);
    let gap: String =
        history.lines().filter(|l| !l.starts_with("青岛,resident,2024")).map(|l| format!("{l}\n")).collect();
    assert_rejected(&run(&gap, &spec), &out, &["region=青岛 fund=resident: 2024"]);
    let zero = history.replace("济南,resident,2024,480000000.00,440000000.00", "济南,resident,2024,480000000.00,0.00");
    assert_rejected(&run(&zero, &spec), &out, &["region=济南 fund=resident: spending of 2024 is 0"]);
    let text = std::fs::read_to_string(&spec).unwrap();
    for (from, to, needle) in [
        ("adjustment = \"-0.01\"", "adjustment = \"-0.035\"", "adjustment = \"-0.035\" is beyond ±0.03"),
        ("history = \"0.4\"", "history = \"0.5\"", "must sum to 1"),
        ("reserve_rate = \"0.03\"", "reserve_rate = 0.03", "reserve_rate"),
        ("transfer_pool = \"10000000\"", "transfer_pool = \"10000000.001\"", "province.transfer_pool"),
        ("[province]", "[province]\nsurplus = \"1\"", "unknown field `surplus`"),
    ] {
        assert!(text.contains(from), "{from}");
        let bad = write(dir.path(), "bad.toml", &text.replace(from, to));
        assert_rejected(&run(&history, s(&bad)), &out, &["bad.toml", needle]);
    }
}

/// A small DIP pool: two hospitals of one region and fund, one group.
struct Watch {
    lookups: Vec<String>,
    dir: PathBuf,
}

const CASES: &str = "case_id,institution_id,region,fund,discharge_month,dip_group,total_cost,fund_paid,exam_cost";

impl Watch {
    fn new(dir: &Path) -> Watch {
        let g = write(dir, "groups.csv", "dip_group,score,kind\nG1,100,core\n");
        let a = write(dir, "averages.csv", "dip_group,level,avg_cost\nG1,3,1000\n");
        let i = write(dir, "institutions.csv", "institution_id,level,coefficient\nH1,3,1\nH2,3,1\n");
        let lookups = ["--groups", s(&g), "--averages", s(&a), "--institutions", s(&i)].map(String::from).to_vec();
        Watch { lookups, dir: dir.to_path_buf() }
    }

    /// Presettles `month` of `cases` against a budget, with `extra` arguments; the output's dir.
    fn presettle(&self, cases: &str, month: &str, budget: &str, extra: &[&str]) -> (std::process::Output, PathBuf) {
        let c = write(&self.dir, "cases.csv", &format!("{CASES}\n{cases}"));
        let f = write(
            &self.dir,
            &format!("funds-{budget}.csv"),
            &format!("region,fund,year,budget,payment_ratio\nr1,employee,2026,{budget},1\n"),
        );
        let out = self.dir.join(format!("pay-{month}-{budget}"));
        let mut args = vec!["dip", "presettle", "--cases", s(&c)];
        args.extend(self.lookups.iter().map(String::as_str));
        args.extend(["--month", month, "--funds", s(&f), "--out", s(&out), "--format", "csv", "--force"]);
        args.extend_from_slice(extra);
        (dianzhi(&args), out)
    }
}

/// Paid + withheld of the month: 1,050.00 + 1,050.01 = 2,100.01 (items basis, advance 1).
const MONTH: &str =
    "c1,H1,r1,employee,2026-01,G1,1050.00,1050.00,300.00\nc2,H2,r1,employee,2026-01,G1,1050.01,1050.01,210.00\n";

#[test]
fn pool_levels_flag_at_their_bounds_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let w = Watch::new(dir.path());
    let blue = write(dir.path(), "blue.toml", "[dip.watch]\nblue = \"0.5\"\n");
    // used 2,100.01: red at a budget of 2,100.01, yellow at 2,625.0125 → not a fen: 2,625.01
    // puts used at 80.0000476%, yellow; 2,625.02 below 80%; blue at 4,200.02 (exactly 50%)
    for (budget, flag) in [
        ("2100.01", "red"),
        ("2100.02", "yellow"),
        ("2625.01", "yellow"),
        ("2625.02", "blue"),
        ("4200.02", "blue"),
        ("4200.03", ""),
    ] {
        let (o, out) = w.presettle(MONTH, "2026-01", budget, &["--config", s(&blue), "--quiet"]);
        assert_ok(&o);
        let pools = table(&out.join("execution_pools.csv"));
        assert_eq!(pools[0]["flag"], flag, "budget {budget}");
    }
    // without a blue level, 4,200.02 is no flag at all
    let (o, out) = w.presettle(MONTH, "2026-01", "4200.02", &["--quiet"]);
    assert_ok(&o);
    assert_eq!(table(&out.join("execution_pools.csv"))[0]["flag"], "");
}

#[test]
fn cost_growth_and_exam_share_are_watched_per_hospital() {
    let dir = tempfile::tempdir().unwrap();
    let w = Watch::new(dir.path());
    // last year: both hospitals at 1,000.00 a case
    let last = write(
        dir.path(),
        "last/hospitals.csv",
        "institution_id,region,fund,year,cases,total_cost\nH1,r1,employee,2025,2,2000.00\nH2,r1,employee,2025,1,1000.00\nH1,r1,employee,2024,1,5.00\n",
    );
    let (o, out) = w.presettle(MONTH, "2026-01", "100000", &["--last-year", s(last.parent().unwrap())]);
    assert_ok(&o);
    let h = table(&out.join("execution_hospitals.csv"));
    let row = |i: usize| {
        ["institution_id", "cost_per_case", "cost_growth", "cost_flag", "exam_share", "exam_flag"]
            .map(|k| h[i][k].clone())
    };
    // H1: 1,050.00 / 1,000.00 − 1 = 0.05 exactly: not above; exam 300 / 1,050 = 0.2857: above 0.2
    assert_eq!(row(0), ["H1", "1050.00", "0.0500", "", "0.2857", "high"]);
    // H2: 1,050.01 is above 5% by a fen; exam 210 / 1,050.01 = 0.19999…: not above
    assert_eq!(row(1), ["H2", "1050.01", "0.0500", "high", "0.2000", ""]);
    let err = stderr(&o);
    assert!(err.contains("2 hospital(s) above the watch's cost growth or exam share"), "{err}");
    assert!(
        err.contains("H1 in region=r1 fund=employee year=2026: exam share (cost growth 0.0500, exam share 0.2857)"),
        "{err}"
    );
    // without --last-year or exam_cost the indicators are empty, not zero
    let plain = MONTH.replace(",300.00", ",").replace(",210.00", ",");
    let (o, out) = w.presettle(&plain, "2026-01", "100000", &["--quiet"]);
    assert_ok(&o);
    let h = table(&out.join("execution_hospitals.csv"));
    assert_eq!((h[0]["cost_growth"].as_str(), h[0]["exam_share"].as_str()), ("", ""));
    // an exam cost above the case's cost is refused naming the row
    let (o, out) = w.presettle(&MONTH.replace(",300.00", ",1050.01"), "2026-01", "100001", &[]);
    assert_rejected(&o, &out, &["exam_cost", "line 2", "outside [0, total_cost 1050]"]);
}

#[test]
fn a_budget_revised_mid_year_is_in_force_from_its_month_on() {
    let dir = tempfile::tempdir().unwrap();
    let w = Watch::new(dir.path());
    let year = format!("{MONTH}c3,H1,r1,employee,2026-02,G1,1000.00,1000.00,0\n");
    let (o, jan) = w.presettle(&year, "2026-01", "4000", &["--quiet"]);
    assert_ok(&o);
    assert_eq!(table(&jan.join("execution_pools.csv"))[0]["budget"], "4000.00");
    // February with the revised funds (动态调整): 3,100.01 used of 3,500 is 88.57%: yellow
    let paid = jan.join("payments.csv");
    let (o, feb) = w.presettle(&year, "2026-02", "3500", &["--payments", s(&paid), "--quiet"]);
    assert_ok(&o);
    let p = &table(&feb.join("execution_pools.csv"))[0];
    assert_eq!((p["budget"].as_str(), p["share"].as_str(), p["flag"].as_str()), ("3500.00", "0.8857", "yellow"));
}

#[test]
fn dip_settle_hospitals_carry_their_total_cost() {
    let dir = tempfile::tempdir().unwrap();
    let w = Watch::new(dir.path());
    let c = write(dir.path(), "cases.csv", &format!("{CASES}\n{MONTH}"));
    let f = write(dir.path(), "funds.csv", "region,fund,year,budget,payment_ratio\nr1,employee,2026,2000,1\n");
    let out = dir.path().join("settled");
    let mut args =
        vec!["dip", "settle", "--cases", s(&c), "--funds", s(&f), "--out", s(&out), "--format", "csv", "--quiet"];
    args.extend(w.lookups.iter().map(String::as_str));
    assert_ok(&dianzhi(&args));
    let h = table(&out.join("hospitals.csv"));
    assert_eq!((h[0]["total_cost"].as_str(), h[1]["total_cost"].as_str()), ("1050.00", "1050.01"));
    // and next year's presettle reads that output as its --last-year
    let next = MONTH.replace("2026-01", "2027-01");
    let f27 = write(dir.path(), "f27.csv", "region,fund,year,budget,payment_ratio\nr1,employee,2027,100000,1\n");
    let c27 = write(dir.path(), "c27.csv", &format!("{CASES}\n{next}"));
    let o = dianzhi(
        &[
            vec![
                "dip",
                "presettle",
                "--cases",
                s(&c27),
                "--month",
                "2027-01",
                "--funds",
                s(&f27),
                "--last-year",
                s(&out),
            ],
            w.lookups.iter().map(String::as_str).collect(),
            vec!["--out", s(&dir.path().join("p27")), "--format", "csv", "--quiet"],
        ]
        .concat(),
    );
    assert_ok(&o);
    let h = table(&dir.path().join("p27/execution_hospitals.csv"));
    assert_eq!((h[0]["cost_growth"].as_str(), h[1]["cost_growth"].as_str()), ("0.0000", "0.0000"));
}
