//! A real 细则's rules through the binary, each on the worked example of its docs page:
//! the corridor inside the reserve (docs/dip.md, "The reserve cap"), and the others as they
//! land.

mod common;
use common::*;

use std::path::{Path, PathBuf};

/// A year's lookup tables and funds written into `d`: the flags that name them.
fn tables(d: &Path, groups: &str, averages: &str, institutions: &str, funds: &str) -> Vec<String> {
    let g = write(d, "groups.csv", &format!("dip_group,score,kind\n{groups}"));
    let a = write(d, "averages.csv", &format!("dip_group,level,avg_cost\n{averages}"));
    let i = write(d, "institutions.csv", institutions);
    let f = write(d, "funds.csv", funds);
    ["--groups", s(&g), "--averages", s(&a), "--institutions", s(&i), "--funds", s(&f)].map(String::from).to_vec()
}

/// `dianzhi dip COMMAND --cases CASES <tables> <extra> --out OUT --format csv --quiet`.
fn dip(command: &str, cases: &Path, tables: &[String], extra: &[&str], out: &Path) -> std::process::Output {
    let mut args = vec!["dip", command, "--cases", s(cases)];
    args.extend(tables.iter().map(String::as_str));
    args.extend_from_slice(extra);
    args.extend(["--out", s(out), "--format", "csv", "--quiet"]);
    dianzhi(&args)
}

const CASES: &str = "case_id,institution_id,region,fund,discharge_month,dip_group,total_cost,fund_paid";
const CORRIDOR: &str = "[dip.clearing]\nsurplus = [{ up_to = \"1\", keep = \"0.7\" }]\n\
    overspend = [{ up_to = \"0.1\", fund_share = \"0.7\" }, { up_to = \"0.2\", fund_share = \"0.5\" }]\n";

/// The worked pool of the reserve cap: B 1,010,000.00, R 10,000.00; H1 scores 50,000 and costs
/// the fund 400,000.00, H2 30,000 / 345,000.00, H3 20,000 / 260,000.00 (one normal case each).
fn worked(dir: &Path, extra_config: &str) -> Vec<String> {
    let g = write(dir, "groups.csv", "dip_group,score,kind\nG50,50000,core\nG30,30000,core\nG20,20000,core\n");
    let a = write(dir, "averages.csv", "dip_group,level,avg_cost\nG50,3,400000\nG30,3,345000\nG20,3,260000\n");
    let i = write(dir, "institutions.csv", "institution_id,level,coefficient\nH1,3,1\nH2,3,1\nH3,3,1\n");
    let f = write(
        dir,
        "funds.csv",
        "region,fund,year,budget,payment_ratio,reserve\nr1,employee,2026,1010000.00,1,10000.00\n",
    );
    let c = write(
        dir,
        "cases.csv",
        &format!(
            "{CASES}\nc1,H1,r1,employee,2026-03,G50,400000.00,400000.00\nc2,H2,r1,employee,2026-04,G30,345000.00,345000.00\n\
             c3,H3,r1,employee,2026-05,G20,260000.00,260000.00\n"
        ),
    );
    let config = write(dir, "dip.toml", &format!("{CORRIDOR}{extra_config}"));
    [
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
        "--config",
        s(&config),
    ]
    .map(String::from)
    .to_vec()
}

fn dip_settle(inputs: &[String], out: &Path) -> std::process::Output {
    let mut args: Vec<&str> = vec!["dip", "settle"];
    args.extend(inputs.iter().map(String::as_str));
    args.extend(["--out", s(out), "--format", "csv", "--force"]);
    dianzhi(&args)
}

fn column(rows: &[std::collections::BTreeMap<String, String>], name: &str) -> Vec<String> {
    rows.iter().map(|r| r[name].clone()).collect()
}

#[test]
fn the_corridor_stays_inside_the_reserve() {
    let dir = tempfile::tempdir().unwrap();
    let out: PathBuf = dir.path().join("out");
    let o = dip_settle(&worked(dir.path(), ""), &out);
    assert_ok(&o);
    let said = String::from_utf8_lossy(&o.stdout);
    assert!(said.contains("reserve cap: in 1 pool(s) the overspend shares (52500.00)"), "{said}");
    assert!(said.contains("cut in proportion to 40000.00"), "{said}");
    let pv = &table(&out.join("point_values.csv"))[0];
    let got = ["pv", "dip_amount", "entitlement", "reserve_draw", "status", "shared_uncapped"].map(|k| pv[k].as_str());
    assert_eq!(got, ["10.0000", "1000000.00", "1010000.00", "10000.00", "reserve_capped", "52500.00"]);
    let h = table(&out.join("hospitals.csv"));
    assert_eq!(column(&h, "dip_amount"), ["500000.00", "300000.00", "200000.00"]);
    assert_eq!(column(&h, "kept"), ["70000.00", "0.00", "0.00"]);
    // 40,000.00 split 28,500 : 24,000 is 21,714.2857… and 18,285.7142…: the leftover fen to H2
    assert_eq!(column(&h, "shared"), ["0.00", "21714.29", "18285.71"]);
    assert_eq!(column(&h, "shared_uncapped"), ["0.00", "28500.00", "24000.00"]);
    assert_eq!(column(&h, "entitlement"), ["470000.00", "321714.29", "218285.71"]);
    assert_eq!(column(&h, "due"), ["470000.00", "321714.29", "218285.71"]);

    // allowed: nothing cut, the year pays more than its budget and says so
    let o = dip_settle(&worked(dir.path(), "over_reserve = \"allow\"\n"), &out);
    assert_ok(&o);
    assert!(String::from_utf8_lossy(&o.stdout).contains("the year pays more than its budget"));
    let pv = &table(&out.join("point_values.csv"))[0];
    let got = ["entitlement", "reserve_draw", "status", "shared_uncapped"].map(|k| pv[k].as_str());
    assert_eq!(got, ["1022500.00", "22500.00", "over_reserve", "52500.00"]);
    let h = table(&out.join("hospitals.csv"));
    assert_eq!(column(&h, "shared"), ["0.00", "28500.00", "24000.00"]);

    // a reserve that holds the shares: untouched, status ok
    let inputs = worked(dir.path(), "");
    write(
        dir.path(),
        "funds.csv",
        "region,fund,year,budget,payment_ratio,reserve\nr1,employee,2026,1060000.00,1,60000.00\n",
    );
    assert_ok(&dip_settle(&inputs, &out));
    let pv = &table(&out.join("point_values.csv"))[0];
    assert_eq!([pv["status"].as_str(), pv["reserve_draw"].as_str()], ["ok", "22500.00"]);
    // an unknown value of the key is refused naming it
    let o = dip_settle(&worked(dir.path(), "over_reserve = \"sometimes\"\n"), &dir.path().join("bad"));
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("over_reserve"), "{}", stderr(&o));
}

/// The watch against time elapsed (序时进度): a pool at 27.5% of its budget by March is ahead of
/// the year's 25% — pace 1.1000, red — while its level flag (80%, 100%) is empty.
#[test]
fn the_watch_runs_against_time_elapsed() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let t = tables(
        d,
        "G1,100,core\n",
        "G1,3,1000\n",
        "institution_id,level,coefficient\nH1,3,1\n",
        "region,fund,year,budget,payment_ratio\nr1,employee,2026,1200000.00,1\n",
    );
    // items paid so far: 313,500.00 paid + 16,500.00 withheld = 330,000.00 (5% withheld)
    let c = write(d, "cases.csv", &format!("{CASES}\nc1,H1,r1,employee,2026-03,G1,330000.00,330000.00\n"));
    let run = |extra: &str, out: &Path| {
        let config = write(d, "watch.toml", extra);
        // not --quiet: the watch's notes on stderr are part of what is checked
        let mut args = vec!["dip", "presettle", "--cases", s(&c)];
        args.extend(t.iter().map(String::as_str));
        args.extend(["--month", "2026-03", "--config", s(&config), "--out", s(out), "--format", "csv"]);
        dianzhi(&args)
    };
    let out = d.join("march");
    let o = run("", &out);
    assert_ok(&o);
    let p = &table(&out.join("execution_pools.csv"))[0];
    let got = ["share", "flag", "elapsed", "pace", "pace_flag"].map(|k| p[k].as_str());
    assert_eq!(got, ["0.2750", "", "0.2500", "1.1000", "red"]);
    assert!(
        stderr(&o).contains(
            "red pace: region=r1 fund=employee year=2026 — 0.2750 of the budget used by 2026-03 against 0.2500"
        ),
        "{}",
        stderr(&o)
    );
    // the bounds are the config's, compared exactly: a pace of exactly 1.1 is below a red bound of 1.100001
    let o = run("[dip.watch]\npace_red = \"1.100001\"\n", &d.join("looser"));
    assert_ok(&o);
    assert_eq!(table(&d.join("looser/execution_pools.csv"))[0]["pace_flag"], "yellow");
    // bounds out of order are refused naming the key
    let o = run("[dip.watch]\npace_red = \"1\"\n", &d.join("bad"));
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("dip.watch.pace_red = \"1\" must be above dip.watch.pace_yellow = \"1.05\""),
        "{}",
        stderr(&o)
    );
}

/// `settle` of a claims and a budgets file under a config, CSV into `out`.
fn settle_with(claims: &Path, budgets: &Path, config: &Path, out: &Path) -> std::process::Output {
    dianzhi(&[
        "settle",
        "--claims",
        s(claims),
        "--budgets",
        s(budgets),
        "--config",
        s(config),
        "--out",
        s(out),
        "--format",
        "csv",
        "--quiet",
    ])
}

/// Taiwan: an earmarked pool's value capped (專款專用): budget 1,200,000, no charges, 1,000,000
/// floating points → 1.2 computed, 1.0000 published and paid, 200,000 left as residual.
#[test]
fn an_earmarked_pool_pays_at_most_its_cap() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let c = write(
        d,
        "claims.csv",
        &format!("{HEADER}\nA,dialysis,east,2026-01,,600000,0,0,0,0\nB,dialysis,east,2026-02,,400000,0,0,0,0\nA,dental,east,2026-01,,1000000,0,0,0,0\n"),
    );
    let b = write(
        d,
        "budgets.csv",
        "sector,region,quarter,budget\ndialysis,east,2026Q1,1200000\ndental,east,2026Q1,1200000\n",
    );
    for (mode, extra) in [
        ("report", ""),
        ("largest_remainder", "[reconcile]\nmode = \"largest_remainder\"\n"),
        ("exact", "[point_value]\npay_with = \"exact\"\n"),
    ] {
        let config =
            write(d, "cap.toml", &format!("{extra}[[point_value.cap]]\nsector = \"dialysis\"\nvalue = \"1\"\n"));
        let out = d.join(mode);
        assert_ok(&settle_with(&c, &b, &config, &out));
        let pv = table(&out.join("point_values.csv"));
        let dialysis = pv.iter().find(|r| r["sector"] == "dialysis").unwrap();
        let got = ["fpv", "fpv_exact", "distributed", "residual", "status"].map(|k| dialysis[k].as_str());
        assert_eq!(got, ["1.0000", "1.000000000000000000", "1000000", "200000", "capped"], "{mode}");
        // the other sector of the region is not capped
        let dental = pv.iter().find(|r| r["sector"] == "dental").unwrap();
        assert_eq!([dental["fpv"].as_str(), dental["status"].as_str()], ["1.2000", "ok"], "{mode}");
        let st = table(&out.join("settlements.csv"));
        let paid: Vec<&str> =
            st.iter().filter(|r| r["sector"] == "dialysis").map(|r| r["floating_amount"].as_str()).collect();
        assert_eq!(paid, ["600000", "400000"], "{mode}");
    }
    // a cap above the computed value does not bite: status ok
    let config =
        write(d, "cap.toml", "[[point_value.cap]]\nsector = \"dialysis\"\nregion = \"east\"\nvalue = \"1.5\"\n");
    let out = d.join("loose");
    assert_ok(&settle_with(&c, &b, &config, &out));
    let pv = table(&out.join("point_values.csv"));
    assert_eq!(pv.iter().find(|r| r["sector"] == "dialysis").unwrap()["status"], "ok");
    // a cap of 0, or a pool capped twice, is refused naming the entry
    for (text, needle) in [
        ("[[point_value.cap]]\nsector = \"dialysis\"\nvalue = \"0\"\n", "value = \"0\" must be > 0"),
        (
            "[[point_value.cap]]\nsector = \"dialysis\"\nvalue = \"1\"\n[[point_value.cap]]\nsector = \"dialysis\"\nvalue = \"0.9\"\n",
            "capped twice",
        ),
    ] {
        let config = write(d, "cap.toml", text);
        let o = settle_with(&c, &b, &config, &d.join("bad"));
        assert_rejected(&o, &d.join("bad"), &["[[point_value.cap]]", needle]);
    }
}

/// Outlier bounds per hospital level: r = 2.2 is `high` at level 3 under the general bound 2,
/// and `normal` at level 2, whose high is 2.5; keys a level does not give are the general ones.
#[test]
fn outlier_bounds_per_hospital_level() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let t = tables(
        d,
        "G1,100,core\n",
        "G1,3,10000\nG1,2,10000\n",
        "institution_id,level,coefficient\nH2,2,1\nH3,3,1\n",
        "region,fund,year,budget,payment_ratio\nr1,employee,2026,100000.00,1\n",
    );
    let c = write(
        d,
        "cases.csv",
        &format!(
            "{CASES}\nc1,H2,r1,employee,2026-03,G1,22000.00,20000.00\nc2,H3,r1,employee,2026-03,G1,22000.00,20000.00\n\
             c3,H2,r1,employee,2026-03,G1,4000.00,4000.00\n"
        ),
    );
    let run = |config: &str, out: &Path| {
        let config = write(d, "levels.toml", config);
        dip("settle", &c, &t, &["--config", s(&config)], out)
    };
    let out = d.join("out");
    assert_ok(&run("[dip.outliers.levels.\"2\"]\nhigh = \"2.5\"\n", &out));
    let cases = table(&out.join("cases.csv"));
    let types: Vec<(&str, &str)> = cases.iter().map(|r| (r["case_id"].as_str(), r["type"].as_str())).collect();
    // c3 at r = 0.4 is low at level 2 too: the general low bound 0.5 stands
    assert_eq!(types, [("c1", "normal"), ("c3", "low"), ("c2", "high")]);
    let score = |id: &str| cases.iter().find(|r| r["case_id"] == id).unwrap()["score"].clone();
    assert_eq!((score("c1"), score("c2")), ("100.0000".into(), "120.0000".into()), "normal 100; high 100 × (2.2 − 1)");
    // a level's bound below its low is refused naming the level and key
    let o = run("[dip.outliers.levels.\"2\"]\nhigh = \"0.4\"\n", &d.join("bad"));
    assert_rejected(&o, &d.join("bad"), &["dip.outliers.levels.\"2\".high = \"0.4\" must be above its low = \"0.5\""]);
    let o = run("[dip.outliers.levels.\"2\"]\nextreme = \"2\"\nhigh = \"2.5\"\n", &d.join("bad"));
    assert_rejected(
        &o,
        &d.join("bad"),
        &["dip.outliers.levels.\"2\".extreme = \"2\" must be above its high = \"2.5\""],
    );
    let o = run("[dip.outliers.levels.\"2\"]\nhigh = \"2.5\"\nmedium = \"1\"\n", &d.join("bad"));
    assert_rejected(&o, &d.join("bad"), &["medium"]);
}

/// Items paid outside the points (除外支付): a case of total cost 30,000 with 8,000 of excluded
/// items against an average of 10,000 is classified on 22,000 — r = 2.2, high, factor 1.2 — not
/// on 3.0; its excluded_fund_paid is paid at cost (off the money, into due) and left out of A_h.
#[test]
fn excluded_items_are_paid_at_cost_outside_the_points() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let t = tables(
        d,
        "G1,100,core\n",
        "G1,3,10000\n",
        "institution_id,level,coefficient\nH1,3,1\nH2,3,1\n",
        "region,fund,year,budget,payment_ratio,reserve\nr1,employee,2026,50000.00,1,0\n",
    );
    let head = format!("{CASES},excluded_cost,excluded_fund_paid");
    let c = write(
        d,
        "cases.csv",
        &format!(
            "{head}\nc1,H1,r1,employee,2026-03,G1,30000.00,27000.00,8000.00,6000.00\n\
             c2,H2,r1,employee,2026-03,G1,10000.00,9000.00,0,0\n"
        ),
    );
    let out = d.join("out");
    let o = dip("settle", &c, &t, &[], &out);
    assert_ok(&o);
    let cases = table(&out.join("cases.csv"));
    let got: Vec<[&str; 3]> =
        cases.iter().map(|r| [r["type"].as_str(), r["ratio"].as_str(), r["score"].as_str()]).collect();
    assert_eq!(got, [["high", "2.200000", "120.0000"], ["normal", "1.000000", "100.0000"]]);
    // money = 50,000 − 6,000 excluded = 44,000 over 220 points: pv 200
    let pv = &table(&out.join("point_values.csv"))[0];
    let got = ["money", "pv", "item_amount", "excluded_amount"].map(|k| pv[k].as_str());
    assert_eq!(got, ["44000.00", "200.0000", "30000.00", "6000.00"]);
    let h = table(&out.join("hospitals.csv"));
    // H1: P 24,000, A 21,000 (27,000 − 6,000), kept 3,000 (keep 1), due = 24,000 + 6,000 excluded
    let h1 = ["dip_amount", "item_amount", "entitlement", "excluded_amount", "due"].map(|k| h[0][k].as_str());
    assert_eq!(h1, ["24000.00", "21000.00", "24000.00", "6000.00", "30000.00"]);
    // refused: one column without the other, excluded above its bounds
    for (text, needle) in [
        (
            format!("{CASES},excluded_cost\nc1,H1,r1,employee,2026-03,G1,30000.00,27000.00,8000.00\n"),
            "has the column excluded_cost but not excluded_fund_paid",
        ),
        (
            format!("{head}\nc1,H1,r1,employee,2026-03,G1,30000.00,27000.00,31000.00,0\n"),
            "column 'excluded_cost': 31000",
        ),
        (
            format!("{head}\nc1,H1,r1,employee,2026-03,G1,30000.00,27000.00,8000.00,9000.00\n"),
            "column 'excluded_fund_paid': 9000",
        ),
    ] {
        let c = write(d, "bad.csv", &text);
        let bad = d.join("bad");
        let o = dip("settle", &c, &t, &[], &bad);
        assert_rejected(&o, &bad, &[needle]);
    }
}

/// Special-case decisions (特病单议) as a table: `score` makes a case special with that score,
/// `at_cost` pays it at cost, `reject` scores it as an ordinary case whatever its special_score
/// cell said; decisions on unknown or repeated case_ids, and unknown decisions, are refused.
#[test]
fn special_case_decisions_replace_the_cells() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let t = tables(
        d,
        "G1,100,core\n",
        "G1,3,1000\n",
        "institution_id,level,coefficient\nH1,3,1\n",
        "region,fund,year,budget,payment_ratio\nr1,employee,2026,100000.00,1\n",
    );
    let c = write(
        d,
        "cases.csv",
        &format!(
            "{CASES},special_score\nc1,H1,r1,employee,2026-03,G1,1000.00,900.00,50\nc2,H1,r1,employee,2026-03,G1,1000.00,900.00,\n\
             c3,H1,r1,employee,2026-03,G1,1000.00,800.00,\nc4,H1,r1,employee,2026-03,G1,1000.00,900.00,\n"
        ),
    );
    let quota = write(d, "quota.toml", "[dip.special]\nquota = \"1\"\n");
    let run = |special: &str, out: &Path| {
        let sp = write(d, "special.csv", special);
        dip("settle", &c, &t, &["--config", s(&quota), "--special", s(&sp)], out)
    };
    let out = d.join("out");
    assert_ok(&run("case_id,decision,score\nc1,reject,\nc2,score,77.5\nc3,at_cost,\n", &out));
    let cases = table(&out.join("cases.csv"));
    let got: Vec<[&str; 3]> =
        cases.iter().map(|r| [r["case_id"].as_str(), r["type"].as_str(), r["score"].as_str()]).collect();
    assert_eq!(
        got,
        [
            ["c1", "normal", "100.0000"],
            ["c2", "special", "77.5000"],
            ["c3", "at_cost", "0.0000"],
            ["c4", "normal", "100.0000"]
        ]
    );
    let pv = &table(&out.join("point_values.csv"))[0];
    assert_eq!(
        [pv["special_cases"].as_str(), pv["at_cost_cases"].as_str(), pv["at_cost_amount"].as_str()],
        ["1", "1", "800.00"]
    );
    let manifest = std::fs::read_to_string(out.join("manifest.json")).unwrap();
    assert!(manifest.contains("\"role\": \"special\""), "the decisions are an input of the run");
    for (text, needles) in [
        (
            "case_id,decision,score\nc9,reject,\n",
            &["1 decision(s) name a case that is not among the cases", "line 2: case_id c9"][..],
        ),
        (
            "case_id,decision,score\nc1,reject,\nc1,score,5\n",
            &["a decision on case_id c1 is given twice, at line 2 and line 3"][..],
        ),
        ("case_id,decision,score\nc1,approve,\n", &["column 'decision'", "'approve' is no decision"][..]),
        ("case_id,decision,score\nc1,score,\n", &["column 'score'", "empty"][..]),
        ("case_id,decision,score\nc1,score,-1\n", &["column 'score'"][..]),
    ] {
        let bad = d.join("bad");
        assert_rejected(&run(text, &bad), &bad, needles);
    }
}

/// The assessment from indicators (年度考核): quality 92 × 0.4 + cost 85 × 0.3 + satisfaction 70
/// × 0.3 = 83.3 → grade 0.98, which releases 98% of the withheld reserve; bad weights, grades and
/// scores are refused naming them.
#[test]
fn the_assessment_is_graded_from_indicators() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let t = tables(
        d,
        "G1,100,core\n",
        "G1,3,1000\n",
        "institution_id,level,coefficient,assessment\nH1,3,1,1\nH2,3,1,1\n",
        "region,fund,year,budget,payment_ratio\nr1,employee,2026,2000.00,1\n",
    );
    let c = write(
        d,
        "cases.csv",
        &format!(
            "{CASES}\nc1,H1,r1,employee,2026-03,G1,1000.00,1000.00\nc2,H2,r1,employee,2026-03,G1,1000.00,1000.00\n"
        ),
    );
    // each hospital was paid 950.00 with 50.00 withheld
    let p = write(
        d,
        "payments.csv",
        "institution_id,region,fund,year,month,paid,withheld\nH1,r1,employee,2026,2026-03,950.00,50.00\nH2,r1,employee,2026,2026-03,950.00,50.00\n",
    );
    const WEIGHTS: &str = "[dip.assessment]\nweights = { quality = \"0.4\", cost = \"0.3\", satisfaction = \"0.3\" }\n";
    let scores = "institution_id,indicator,score\nH1,quality,92\nH1,cost,85\nH1,satisfaction,70\nH2,quality,95\nH2,cost,90\nH2,satisfaction,90\n";
    let run = |config: &str, scores: &str, out: &Path| {
        let config = write(d, "assess.toml", config);
        let scores = write(d, "scores.csv", scores);
        dip("settle", &c, &t, &["--payments", s(&p), "--config", s(&config), "--assessment", s(&scores)], out)
    };
    let out = d.join("out");
    assert_ok(&run(WEIGHTS, scores, &out));
    let h = table(&out.join("hospitals.csv"));
    let got: Vec<[&str; 4]> = h
        .iter()
        .map(|r| {
            [r["institution_id"].as_str(), r["assessment_score"].as_str(), r["assessment"].as_str(), r["due"].as_str()]
        })
        .collect();
    // due = E 1,000.00 − withheld 50.00 × (1 − a): H1 forfeits 1.00, H2 (92.00 → 1) nothing
    assert_eq!(got, [["H1", "83.30", "0.9800", "999.00"], ["H2", "92.00", "1.0000", "1000.00"]]);
    for (config, scores_text, needles) in [
        (
            "[dip.assessment]\nweights = { quality = \"0.5\", cost = \"0.3\", satisfaction = \"0.3\" }\n",
            scores,
            &["dip.assessment.weights sum to 1.1, not 1"][..],
        ),
        (
            &*format!("{WEIGHTS}grades = [{{ min = \"80\", coefficient = \"1\" }}, {{ min = \"90\", coefficient = \"0.9\" }}]\n"),
            scores,
            &["dip.assessment.grades[2]", "grades fall"][..],
        ),
        (WEIGHTS, "institution_id,indicator,score\nH1,quality,92\nH1,cost,85\nH1,satisfaction,70\nH1,speed,50\nH2,quality,95\nH2,cost,90\nH2,satisfaction,90\n", &["line 5", "the indicator speed has no weight"][..]),
        (WEIGHTS, "institution_id,indicator,score\nH1,quality,92\nH1,cost,85\nH1,satisfaction,70\nH2,quality,95\nH2,cost,90\n", &["institution H2", "no score for the weighted indicator satisfaction"][..]),
        (WEIGHTS, "institution_id,indicator,score\nH1,quality,101\n", &["column 'score'", "not a score from 0 to 100"][..]),
        ("", scores, &["no [dip.assessment] weights"][..]),
    ] {
        let bad = d.join("bad");
        assert_rejected(&run(config, scores_text, &bad), &bad, needles);
    }
}

/// The reserve cap belongs to clearing, so a scenario's entitlements respect it too, and a
/// scenario may change the key: on the worked pool the baseline draws the reserve (10,000.00)
/// and a scenario allowing the overdraw draws 22,500.00.
#[test]
fn scenarios_clear_inside_the_reserve_and_may_change_the_rule() {
    let dir = tempfile::tempdir().unwrap();
    let inputs = worked(dir.path(), "");
    let sc = write(
        dir.path(),
        "s.toml",
        "[[scenario]]\nname = \"allow\"\nconfig = { dip = { clearing = { over_reserve = \"allow\" } } }\n",
    );
    let out = dir.path().join("what-if");
    let mut args: Vec<&str> = vec!["dip", "scenario"];
    args.extend(inputs.iter().map(String::as_str));
    args.extend(["--scenarios", s(&sc), "--out", s(&out), "--format", "csv", "--quiet"]);
    assert_ok(&dianzhi(&args));
    let c = &table(&out.join("comparison.csv"))[0];
    let got = ["scenario", "reserve_draw_base", "reserve_draw", "pv_exact_delta"].map(|k| c[k].as_str());
    assert_eq!(got, ["allow", "10000.00", "22500.00", "0.000000000000000000"]);
    let pv = table(&out.join("point_values.csv"));
    let status: Vec<(&str, &str)> = pv.iter().map(|r| (r["scenario"].as_str(), r["status"].as_str())).collect();
    assert_eq!(status, [("baseline", "reserve_capped"), ("allow", "over_reserve")]);
}

/// One hospital's view of its cases: each case's factors, money, payment, payment standard
/// (支付标准) and margin (盈亏). Basis fund, payment ratio 0.8, pv 10: a case scoring 1,000 is
/// paid 10,000.00, its standard in total-cost terms is 12,500.00, and against a total cost of
/// 15,000.00 its margin is −2,500.00; an at-cost case is paid its fund_paid, with no standard.
#[test]
fn each_case_has_its_payment_standard_and_margin() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let t = tables(
        d,
        "G1,1000,core\n",
        "G1,3,15000\n",
        "institution_id,level,coefficient\nH1,3,1\n",
        "region,fund,year,budget,payment_ratio\nr1,employee,2026,10300.00,0.8\n",
    );
    let c = write(
        d,
        "cases.csv",
        &format!("{CASES}\nc1,H1,r1,employee,2026-03,G1,15000.00,12000.00\nc2,H1,r1,employee,2026-04,,400.00,300.00\n"),
    );
    let out = d.join("out");
    assert_ok(&dip("settle", &c, &t, &[], &out));
    let cases = table(&out.join("cases.csv"));
    let cols = [
        "case_id",
        "type",
        "score",
        "coefficient",
        "aux_factor",
        "total_cost",
        "fund_paid",
        "excluded_cost",
        "payment",
        "standard",
        "margin",
    ];
    let got: Vec<Vec<&str>> = cases.iter().map(|r| cols.iter().map(|k| r[*k].as_str()).collect()).collect();
    assert_eq!(
        got,
        [
            [
                "c1",
                "normal",
                "1000.0000",
                "1.0000",
                "1.0000",
                "15000.00",
                "12000.00",
                "0.00",
                "10000.00",
                "12500.00",
                "-2500.00"
            ],
            ["c2", "at_cost", "0.0000", "", "1.0000", "400.00", "300.00", "0.00", "300.00", "", ""],
        ]
    );
    // Σ payment over the hospital is its P_h and at-cost amount (here exactly)
    let h = &table(&out.join("hospitals.csv"))[0];
    assert_eq!([h["dip_amount"].as_str(), h["at_cost_amount"].as_str()], ["10000.00", "300.00"]);
}

/// `--keep department,doctor` carries those case columns through to the cases table as text
/// (in the cases' sorted order), so that a hospital can ask which departments lose money; a kept
/// column missing from a file, or naming a column of the table, is refused.
#[test]
fn kept_case_columns_are_carried_through() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let t = tables(
        d,
        "G1,100,core\n",
        "G1,3,1000\n",
        "institution_id,level,coefficient\nH1,3,1\nH2,3,1\n",
        "region,fund,year,budget,payment_ratio\nr1,employee,2026,1000.00,1\n",
    );
    let c = write(
        d,
        "cases/a.csv",
        &format!(
            "{CASES},department,doctor\nc2,H2,r1,employee,2026-03,G1,1000.00,900.00,心内科,王医生\n\
             c1,H1,r1,employee,2026-03,G1,1000.00,900.00,骨科,\n"
        ),
    );
    let run = |keep: &str, cases: &Path, out: &Path| dip("settle", cases, &t, &["--keep", keep], out);
    let out = d.join("out");
    assert_ok(&run("department,doctor", &c, &out));
    let cases = table(&out.join("cases.csv"));
    let got: Vec<[&str; 3]> =
        cases.iter().map(|r| [r["case_id"].as_str(), r["department"].as_str(), r["doctor"].as_str()]).collect();
    assert_eq!(got, [["c1", "骨科", ""], ["c2", "心内科", "王医生"]]);
    let header = std::fs::read_to_string(out.join("cases.csv")).unwrap().lines().next().unwrap().to_string();
    assert!(header.ends_with(",payment,standard,margin,department,doctor"), "{header}");
    // the report's margin view, by group and by each kept column
    assert_ok(&dianzhi(&["report", s(&out)]));
    let page = std::fs::read_to_string(out.join("report.html")).unwrap();
    for needle in ["By dip_group: the 10 losing most", "By department: the 10 gaining most", "<td>骨科</td>"] {
        assert!(page.contains(needle), "the report lacks {needle:?}");
    }
    // a file without the kept column is named
    write(d, "cases/b.csv", &format!("{CASES},department\nc3,H1,r1,employee,2026-04,G1,1000.00,900.00,骨科\n"));
    let bad = d.join("bad");
    assert_rejected(&run("department,doctor", &d.join("cases"), &bad), &bad, &["b.csv", "doctor"]);
    assert_rejected(&run("region", &c, &bad), &bad, &["--keep \"region\"", "already a column"]);
}

/// A forecast at a given point value (a hospital's 医保办 with its own cases and an expected
/// value; a bureau mid-year): the pools are cleared at the value, not solved. At pv 12.5 every
/// hospital's payment, corridor, entitlement and due equal those of a settle whose budget makes
/// pv exactly 12.5 — with the funds or without them (then no budget, reserve, money or residual);
/// a pool with cases but no value is refused.
#[test]
fn a_forecast_at_a_given_point_value() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let inputs = worked(d, "");
    // 1,260,000.00 − 10,000.00 reserve over 100,000 points: pv 12.5 exactly
    write(d, "funds.csv", "region,fund,year,budget,payment_ratio,reserve\nr1,employee,2026,1260000.00,1,10000.00\n");
    let solved = d.join("solved");
    assert_ok(&dip_settle(&inputs, &solved));
    assert_eq!(table(&solved.join("point_values.csv"))[0]["pv"], "12.5000");
    let values = write(d, "values.csv", "region,fund,point_value\nr1,employee,12.5\n");
    let with_funds = d.join("forecast");
    let mut args = inputs.clone();
    args.extend(["--point-values".to_string(), s(&values).to_string()]);
    assert_ok(&dip_settle(&args, &with_funds));
    let without = d.join("forecast-nofunds");
    let mut no_funds: Vec<String> = Vec::new();
    let mut skip = false;
    for a in &args {
        if skip {
            skip = false;
            continue;
        }
        if a == "--funds" {
            skip = true;
            continue;
        }
        no_funds.push(a.clone());
    }
    assert_ok(&dip_settle(&no_funds, &without));
    let hospitals = std::fs::read(solved.join("hospitals.csv")).unwrap();
    assert_eq!(std::fs::read(with_funds.join("hospitals.csv")).unwrap(), hospitals, "with funds");
    assert_eq!(std::fs::read(without.join("hospitals.csv")).unwrap(), hospitals, "without funds");
    assert_eq!(std::fs::read(without.join("cases.csv")).unwrap(), std::fs::read(solved.join("cases.csv")).unwrap());
    let pv = &table(&without.join("point_values.csv"))[0];
    let got = ["budget", "reserve", "money", "pv", "pv_exact", "residual", "status"].map(|k| pv[k].as_str());
    assert_eq!(got, ["", "", "", "12.5000", "12.500000000000000000", "", "given"]);
    assert_eq!(table(&with_funds.join("point_values.csv"))[0]["status"], "given");
    // a pool without a value
    let values = write(d, "values.csv", "region,fund,point_value\nr2,employee,12.5\n");
    let mut bad_args = no_funds.clone();
    let at = bad_args.iter().position(|a| a == "--point-values").unwrap();
    bad_args[at + 1] = s(&values).to_string();
    let bad = d.join("bad");
    assert_rejected(
        &dip_settle(&bad_args, &bad),
        &bad,
        &["--point-values gives no value for 1 pool(s) with cases", "region=r1 fund=employee year=2026"],
    );
}
