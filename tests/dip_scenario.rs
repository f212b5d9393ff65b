//! `dianzhi dip scenario` (docs/analysts.md, "DIP what-if"): the worked pool by hand, an empty
//! scenario that must reproduce the baseline, a budget-only scenario whose change is all budget,
//! a rescored scenario, invariance under threads, row order and file split, and the refusals.

mod common;
use common::*;

use std::path::{Path, PathBuf};

const CASES: &str = "case_id,institution_id,region,fund,discharge_month,dip_group,total_cost,fund_paid";

/// The lookups and funds of the worked pool: H1's case scores 60,000, H2's 40,000 (one normal
/// case each, coefficient 1), a fund of 1,000,000.00.
fn worked(dir: &Path) -> Vec<String> {
    let g = write(dir, "groups.csv", "dip_group,score,kind\nG60,60000,core\nG40,40000,core\n");
    let a = write(dir, "averages.csv", "dip_group,level,avg_cost\nG60,3,1000\nG40,3,1000\n");
    let i = write(dir, "institutions.csv", "institution_id,level,coefficient\nH1,3,1\nH2,3,1\n");
    let f = write(dir, "funds.csv", "region,fund,year,budget,payment_ratio\nr1,employee,2026,1000000.00,1\n");
    let c = write(
        dir,
        "cases.csv",
        &format!(
            "{CASES}\nc1,H1,r1,employee,2026-03,G60,1000.00,900.00\nc2,H2,r1,employee,2026-04,G40,1000.00,800.00\n"
        ),
    );
    ["--cases", s(&c), "--groups", s(&g), "--averages", s(&a), "--institutions", s(&i), "--funds", s(&f)]
        .map(String::from)
        .to_vec()
}

fn run(inputs: &[String], scenarios: &Path, out: &Path, extra: &[&str]) -> std::process::Output {
    let mut args: Vec<&str> = vec!["dip", "scenario"];
    args.extend(inputs.iter().map(String::as_str));
    args.extend(["--scenarios", s(scenarios), "--out", s(out), "--format", "csv", "--quiet", "--force"]);
    args.extend_from_slice(extra);
    dianzhi(&args)
}

#[test]
fn the_worked_pool() {
    let dir = tempfile::tempdir().unwrap();
    let inputs = worked(dir.path());
    let sc = write(
        dir.path(),
        "s.toml",
        "[[scenario]]\nname = \"b\"\nbudget = [{ scale = \"1.1\" }]\nvolume = [{ institution_id = \"H1\", scale = \"1.2\" }]\n",
    );
    let out = dir.path().join("out");
    assert_ok(&run(&inputs, &sc, &out, &["--hospitals"]));
    let c = &table(&out.join("comparison.csv"))[0];
    let got = ["pv_exact_base", "pv_exact", "pv_exact_delta", "pv", "budget_effect", "volume_effect", "config_effect"]
        .map(|k| c[k].as_str());
    assert_eq!(
        got,
        [
            "10.000000000000000000",
            "9.821428571428571429",
            "-0.178571428571428571",
            "9.8214",
            "0.946428571428571429",
            "-1.125000000000000000",
            "0.000000000000000000"
        ]
    );
    // what the fund pays, before and after
    assert_eq!((c["dip_amount_base"].as_str(), c["dip_amount"].as_str()), ("1000000.00", "1099996.80"));
    let h = table(&out.join("hospitals.csv"));
    let paid: Vec<(&str, &str, &str)> =
        h.iter().map(|r| (r["scenario"].as_str(), r["institution_id"].as_str(), r["dip_amount"].as_str())).collect();
    assert_eq!(
        paid,
        [
            ("baseline", "H1", "600000.00"),
            ("baseline", "H2", "400000.00"),
            ("b", "H1", "707140.80"),
            ("b", "H2", "392856.00")
        ]
    );
    let pv = table(&out.join("point_values.csv"));
    assert_eq!((pv[1]["scenario"].as_str(), pv[1]["residual"].as_str()), ("b", "3.20"));
}

#[test]
fn an_empty_scenario_is_the_baseline_and_a_budget_one_is_all_budget() {
    let dir = tempfile::tempdir().unwrap();
    let d = format!("{}/data/demo/dip", env!("CARGO_MANIFEST_DIR"));
    let inputs: Vec<String> = ["cases.csv", "groups.csv", "averages.csv", "institutions.csv", "funds.csv"]
        .iter()
        .zip(["--cases", "--groups", "--averages", "--institutions", "--funds"])
        .flat_map(|(f, flag)| [flag.to_string(), format!("{d}/{f}")])
        .chain(["--config".to_string(), format!("{d}/dip.toml")])
        .collect();
    let sc = write(
        dir.path(),
        "s.toml",
        "[[scenario]]\nname = \"same\"\nconfig = {}\n[[scenario]]\nname = \"resident +3%\"\nbudget = [{ fund = \"resident\", scale = \"1.03\" }]\n",
    );
    let out = dir.path().join("out");
    assert_ok(&run(&inputs, &sc, &out, &["--hospitals"]));
    for name in ["point_values.csv", "hospitals.csv"] {
        let text = std::fs::read_to_string(out.join(name)).unwrap();
        let rows = |scenario: &str| -> Vec<String> {
            text.lines().filter_map(|l| l.strip_prefix(&format!("{scenario},"))).map(str::to_string).collect()
        };
        assert!(!rows("baseline").is_empty());
        assert_eq!(rows("baseline"), rows("same"), "{name}: the empty scenario is the baseline, byte for byte");
    }
    let cmp = table(&out.join("comparison.csv"));
    let budget_only: Vec<_> = cmp.iter().filter(|r| r["scenario"] == "resident +3%").collect();
    assert_eq!(budget_only.len(), 6);
    for r in budget_only {
        assert_eq!(
            (r["volume_effect"].as_str(), r["config_effect"].as_str()),
            ("0.000000000000000000", "0.000000000000000000")
        );
        assert_eq!(r["budget_effect"], r["pv_exact_delta"], "{r:?}");
        assert_eq!(r["pv_exact_delta"] == "0.000000000000000000", r["fund"] == "employee");
    }
}

/// The demo year's inputs with its cases as given.
fn demo_inputs(cases: &[PathBuf]) -> Vec<String> {
    let d = format!("{}/data/demo/dip", env!("CARGO_MANIFEST_DIR"));
    let mut v = vec!["--cases".to_string()];
    v.extend(cases.iter().map(|c| s(c).to_string()));
    for (flag, f) in [
        ("--groups", "groups.csv"),
        ("--averages", "averages.csv"),
        ("--institutions", "institutions.csv"),
        ("--funds", "funds.csv"),
        ("--config", "dip.toml"),
    ] {
        v.extend([flag.to_string(), format!("{d}/{f}")]);
    }
    v
}

#[test]
fn threads_row_order_and_file_split_change_no_byte() {
    let dir = tempfile::tempdir().unwrap();
    let demo_cases = PathBuf::from(format!("{}/data/demo/dip/cases.csv", env!("CARGO_MANIFEST_DIR")));
    let text = std::fs::read_to_string(&demo_cases).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    let header = lines.remove(0);
    lines.reverse();
    let half = lines.len() / 2;
    let a = write(dir.path(), "split/a.csv", &format!("{header}\n{}\n", lines[..half].join("\n")));
    let b = write(dir.path(), "split/b.csv", &format!("{header}\n{}\n", lines[half..].join("\n")));
    let sc = PathBuf::from(format!("{}/data/demo/dip/scenarios.toml", env!("CARGO_MANIFEST_DIR")));
    let one = dir.path().join("one");
    let two = dir.path().join("two");
    assert_ok(&run(&demo_inputs(&[demo_cases]), &sc, &one, &["--hospitals", "--threads", "1"]));
    assert_ok(&run(&demo_inputs(&[b, a]), &sc, &two, &["--hospitals", "--threads", "2"]));
    for name in ["point_values.csv", "hospitals.csv", "comparison.csv"] {
        assert_eq!(std::fs::read(one.join(name)).unwrap(), std::fs::read(two.join(name)).unwrap(), "{name}");
    }
    // the demo's scenarios move something, rescore twice and attribute to every factor
    let manifest = std::fs::read_to_string(one.join("manifest.json")).unwrap();
    assert!(manifest.contains("\"rescans\": 2"), "{manifest}");
    let cmp = table(&one.join("comparison.csv"));
    for effect in ["budget_effect", "volume_effect", "config_effect"] {
        assert!(
            cmp.iter().any(|r| !r[effect].starts_with("0.000") && !r[effect].starts_with("-0.000000000000000000")),
            "{effect}"
        );
    }
}

#[test]
fn bad_scenarios_are_refused_naming_scenario_and_entry() {
    let dir = tempfile::tempdir().unwrap();
    let inputs = worked(dir.path());
    let out = dir.path().join("out");
    for (text, needles) in [
        (
            "name = \"v\"\nvolume = [{ region = \"r1\", add = \"100\" }]",
            &["scenario \"v\"", "volume entry 1", "a volume entry scales"][..],
        ),
        ("name = \"u\"\nconfig = { money = { unit = \"1\" } }", &["scenario \"u\"", "money.unit"][..]),
        (
            "name = \"n\"\nbudget = [{ region = \"r9\", scale = \"1.1\" }]",
            &["scenario \"n\"", "budget entry 1", "matches no funds row"][..],
        ),
        (
            "name = \"k\"\nbudget = [{ sector = \"x\", scale = \"1.1\" }]",
            &["scenario \"k\"", "unknown key 'sector'"][..],
        ),
        ("name = \"q\"\nconfig = { dip = { special = { quota = \"0\" } } }", &[][..]),
        ("name = \"baseline\"\nconfig = {}", &["'baseline' names the run"][..]),
        (
            "name = \"y\"\nbudget = [{ year = \"20x6\", scale = \"1\" }]",
            &["scenario \"y\"", "budget entry 1", "not a year"][..],
        ),
        // a negative or zero volume would pay a hospital a negative amount (or panic)
        (
            "name = \"neg\"\nvolume = [{ region = \"r1\", scale = \"-1\" }]",
            &["scenario \"neg\"", "volume entry 1", "scale = \"-1\" must be > 0"][..],
        ),
        (
            "name = \"half\"\nvolume = [{ region = \"r1\", scale = \"1\" }, { institution_id = \"H1\", scale = \"-0.5\" }]",
            &["scenario \"half\"", "volume entry 2", "must be > 0"][..],
        ),
        ("name = \"zero\"\nvolume = [{ institution_id = \"H2\", scale = \"0\" }]", &["volume entry 1", "must be > 0"][..]),
    ] {
        let sc = write(dir.path(), "s.toml", &format!("[[scenario]]\n{text}\n"));
        if needles.is_empty() {
            // no special case in this year: a zero quota is met
            assert_ok(&run(&inputs, &sc, &dir.path().join("ok"), &[]));
            continue;
        }
        assert_rejected(&run(&inputs, &sc, &out, &[]), &out, needles);
        assert_rejected(&run(&inputs, &sc, &out, &["--hospitals"]), &out, needles);
    }
    // a year without cases is the year's fault, not the scenario's: what dip settle says
    let sc = write(dir.path(), "s.toml", "[[scenario]]\nname = \"b\"\nbudget = [{ scale = \"1.1\" }]\n");
    let o = run(&inputs, &sc, &out, &["--year", "2025"]);
    assert_rejected(&o, &out, &["--year 2025: no case was discharged in it (the cases are of 2026)"]);
    assert!(!stderr(&o).contains("sector/region/quarter"), "{}", stderr(&o));
    // a special case the scenario's quota refuses, named with the scenario and the pool
    let c = write(
        dir.path(),
        "special.csv",
        &format!("{CASES},special_score\nc1,H1,r1,employee,2026-03,G60,1000.00,900.00,\nc2,H2,r1,employee,2026-04,G40,1000.00,800.00,5\n"),
    );
    let mut special = inputs.clone();
    special[1] = s(&c).to_string();
    let loose = write(dir.path(), "loose.toml", "[dip.special]\nquota = \"0.5\"\n");
    special.extend(["--config".to_string(), s(&loose).to_string()]);
    let sc = write(
        dir.path(),
        "s.toml",
        "[[scenario]]\nname = \"strict\"\nconfig = { dip = { special = { quota = \"0.005\" } } }\n",
    );
    assert_rejected(
        &run(&special, &sc, &out, &[]),
        &out,
        &["scenario \"strict\"", "region=r1 fund=employee year=2026: 1 special cases of 2"],
    );
}

/// A scenario that changes only the corridor leaves every pv as it is but moves the reserve
/// draw; the report shows that draw per pool and lists those pools in its comparison.
#[test]
fn a_corridor_scenario_moves_the_reserve_draw_and_the_report_shows_it() {
    let dir = tempfile::tempdir().unwrap();
    let cases = PathBuf::from(format!("{}/data/demo/dip/cases.csv", env!("CARGO_MANIFEST_DIR")));
    let scenarios = write(
        dir.path(),
        "corridor.toml",
        "[[scenario]]\nname = \"fund bears half\"\nconfig = { dip = { clearing = { overspend = [{ up_to = \"1\", fund_share = \"0.5\" }] } } }\n",
    );
    let out = dir.path().join("out");
    assert_ok(&run(&demo_inputs(&[cases]), &scenarios, &out, &["--hospitals"]));
    let rows = table(&out.join("comparison.csv"));
    let corridor: Vec<_> = rows.iter().filter(|r| r["scenario"] == "fund bears half").collect();
    assert!(!corridor.is_empty() && corridor.iter().all(|r| r["pv_delta"] == "0.0000"), "pv stays");
    let moved = corridor.iter().filter(|r| r["reserve_draw"] != r["reserve_draw_base"]).count();
    assert!(moved > 0, "the reserve draw moves");
    assert_ok(&dianzhi(&["report", s(&out), "--quiet"]));
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("Change of the reserve draw per scenario"), "no reserve draw maps");
    // the comparison lists the pools whose draw moved, with the draw
    let comparison = &html[html.rfind("<h2>Comparison</h2>").unwrap()..];
    assert_eq!(comparison.matches("<td>fund bears half</td>").count(), moved, "{comparison}");
    assert!(comparison.contains("<th>reserve_<wbr>draw</th>"));
}
