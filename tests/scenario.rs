//! `dianzhi scenario` (docs/analysts.md): overlays solved after one scan, stacked outputs, and the
//! comparison whose Shapley effects add up exactly to the change of the exact fpv.

mod common;
use common::*;

use std::path::Path;

/// One pool computed by hand: budget 1000, institution a claims 600 points of which 200 drug
/// points, b claims 400; floating points 800, fpv = (1000 − 200) / 800 = 1.
const CLAIMS: &str = "institution_id,sector,region,service_month,settle_quarter,claimed_points,drug_points,protected_points,deducted_points,copayment
a,hospital,north,2026-01,,600,200,0,0,0
b,hospital,north,2026-02,,400,0,0,0,0
c,dental,south,2026-01,,100,0,0,0,0
";
const BUDGETS: &str = "sector,region,quarter,budget,charges\nhospital,north,2026Q1,1000,0\ndental,south,2026Q1,100,0\n";

fn run(dir: &Path, scenarios: &str, extra: &[&str]) -> std::process::Output {
    write(dir, "claims.csv", CLAIMS);
    write(dir, "budgets.csv", BUDGETS);
    let mut args = vec!["--format", "csv"];
    args.extend_from_slice(extra);
    scenario(dir, scenarios, &dir.join("out"), &args)
}

#[test]
fn attribution_of_a_hand_computed_pool_sums_to_the_exact_change() {
    let dir = tempfile::tempdir().unwrap();
    // budget ×1.1 → 1100; volume ×1.5 → a: 900 claimed, 300 drug; drugs paid at 0.5.
    // f(∅)=1, f(B)=900/800, f(V)=700/1200, f(C)=900/800, f(BV)=800/1200, f(BC)=1000/800,
    // f(VC)=850/1200, f(BVC)=950/1200 = 0.791666…
    // φ_B = 0.1041666…, φ_V = −0.4375, φ_C = 0.125; φ_B + φ_V + φ_C = −0.2083333…
    let o = run(
        dir.path(),
        r#"
[[scenario]]
name = "all three"
budget = [{ sector = "hospital", scale = "1.1" }]
volume = [{ region = "north", scale = "1.5" }]
config = { fixed_value = { drug = "0.5" } }

[[scenario]]
name = "dental +10"
budget = [{ sector = "dental", quarter = "2026Q1", add = "10" }]
"#,
        &["--settlements"],
    );
    assert_ok(&o);
    let out = dir.path().join("out");
    let cmp = table(&out.join("comparison.csv"));
    assert_eq!(cmp.len(), 4, "one row per scenario and pool");
    let row = cmp.iter().find(|r| r["scenario"] == "all three" && r["sector"] == "hospital").unwrap();
    assert_eq!(row["fpv_exact_base"], "1.000000000000000000");
    assert_eq!(row["fpv_exact"], "0.791666666666666667");
    assert_eq!(row["fpv_exact_delta"], "-0.208333333333333333");
    assert_eq!(
        (row["fpv_base"].as_str(), row["fpv"].as_str(), row["fpv_delta"].as_str()),
        ("1.0000", "0.7917", "-0.2083")
    );
    // the unit left over by the three floors goes to the largest remainder (budget's)
    assert_eq!(row["budget_effect"], "0.104166666666666667");
    assert_eq!(row["volume_effect"], "-0.437500000000000000");
    assert_eq!(row["config_effect"], "0.125000000000000000");
    // the dental pool only sees the config change (no drug points: no change at all)
    let dental = cmp.iter().find(|r| r["scenario"] == "all three" && r["sector"] == "dental").unwrap();
    assert_eq!(dental["fpv_exact_delta"], "0.000000000000000000");
    // dental +10: (110) / 100 = 1.1, all of it the budget's
    let d = cmp.iter().find(|r| r["scenario"] == "dental +10" && r["sector"] == "dental").unwrap();
    assert_eq!(
        (d["fpv_exact_delta"].as_str(), d["budget_effect"].as_str()),
        ("0.100000000000000000", "0.100000000000000000")
    );
    assert_eq!(
        (d["volume_effect"].as_str(), d["config_effect"].as_str()),
        ("0.000000000000000000", "0.000000000000000000")
    );

    // stacked tables: baseline first, then file order; budgets overlaid, volumes scaled
    let pv = table(&out.join("point_values.csv"));
    let order: Vec<&str> = pv.iter().map(|r| r["scenario"].as_str()).collect();
    assert_eq!(order, ["baseline", "baseline", "all three", "all three", "dental +10", "dental +10"]);
    let scn = pv.iter().find(|r| r["scenario"] == "all three" && r["sector"] == "hospital").unwrap();
    assert_eq!(
        (scn["budget"].as_str(), scn["claimed_points"].as_str(), scn["drug_points"].as_str()),
        ("1100", "1500.0000", "300.0000")
    );
    let st = table(&out.join("settlements.csv"));
    assert_eq!(st.len(), 9, "3 institutions × (baseline + 2 scenarios)");
    assert_eq!(st[0]["scenario"], "baseline");
    let manifest = std::fs::read_to_string(out.join("manifest.json")).unwrap();
    assert!(manifest.contains("\"command\": \"scenario\"") && manifest.contains("dental +10"));
}

#[test]
fn refusals_name_the_scenario_and_entry_and_leave_nothing() {
    let cases: [(&str, &[&str]); 9] = [
        ("[[scenario]]\nname = \"x\"\nbudget = [{ region = \"east\", scale = \"1.1\" }]\n", &["scenario \"x\"", "budget entry 1", "matches no budget row"]),
        ("[[scenario]]\nname = \"x\"\nbudget = [{ scale = \"1.1\" }]\n[[scenario]]\nname = \"x\"\nbudget = [{ scale = \"1.2\" }]\n", &["\"x\"", "used twice"]),
        ("[[scenario]]\nname = \"baseline\"\nbudget = [{ scale = \"1.1\" }]\n", &["'baseline'"]),
        ("[[scenario]]\nname = \"x\"\nconfig = { money = { unit = \"0.01\" } }\n", &["\"x\"", "money.unit"]),
        ("[[scenario]]\nname = \"x\"\nconfig = { point_value = { scale = 6 } }\n", &["\"x\"", "point_value.scale"]),
        ("[[scenario]]\nname = \"x\"\nbudget = [{ sector = \"dental\", add = \"-500\" }]\n", &["\"x\"", "budget entry 1", "negative"]),
        ("[[scenario]]\nname = \"x\"\nvolume = [{ institution_id = \"a\", add = \"-700\" }]\n", &["\"x\"", "volume entry 1", "institution a"]),
        ("[[scenario]]\nname = \"x\"\nbudget = [{ scale = \"1.1\", add = \"5\" }]\n", &["\"x\"", "budget entry 1", "both scale and add"]),
        ("[[scenario]]\nname = \"x\"\nbudget = [{ add = \"0.5\" }]\n", &["\"x\"", "not a multiple of the money unit"]),
    ];
    for (scenarios, needles) in cases {
        let dir = tempfile::tempdir().unwrap();
        let o = run(dir.path(), scenarios, &[]);
        assert_rejected(&o, &dir.path().join("out"), needles);
    }
}

#[test]
fn an_infeasible_scenario_is_refused_unless_zeroed() {
    let dir = tempfile::tempdir().unwrap();
    let text = "[[scenario]]\nname = \"cut\"\nbudget = [{ sector = \"hospital\", scale = \"0.1\" }]\n";
    let o = run(dir.path(), text, &[]);
    assert_rejected(&o, &dir.path().join("out"), &["scenario \"cut\"", "infeasible", "sector=hospital region=north"]);
    let text = "[[scenario]]\nname = \"cut\"\nbudget = [{ sector = \"hospital\", scale = \"0.1\" }]\nconfig = { pool = { on_infeasible = \"zero\" } }\n";
    let o = run(dir.path(), text, &[]);
    assert_ok(&o);
    let cmp = table(&dir.path().join("out/comparison.csv"));
    let row = cmp.iter().find(|r| r["sector"] == "hospital").unwrap();
    // 100 − 200 < 0: settled at 0; the budget cut takes the whole change (the infeasible
    // corners count as 0)
    assert_eq!(row["fpv_exact"], "0.000000000000000000");
    assert_eq!(row["budget_effect"], "-1.000000000000000000");
    assert_eq!(row["config_effect"], "0.000000000000000000");
}

#[test]
fn scenarios_from_aggregates_and_in_parquet_agree_with_claims_and_csv() {
    let dir = tempfile::tempdir().unwrap();
    let agg = dir.path().join("agg.parquet");
    assert_ok(&dianzhi(&["aggregate", "--claims", &demo("claims"), "--out", s(&agg), "--quiet"]));
    let run = |input: [&str; 2], format: &str, out: &str, threads: &str| -> std::path::PathBuf {
        let out = dir.path().join(out);
        let mut args = vec!["scenario", input[0], input[1]];
        let rest = [
            "--budgets",
            &demo("budgets.csv"),
            "--interim",
            &demo("interim.csv"),
            "--scenarios",
            &demo("scenarios.toml"),
            "--out",
            s(&out),
            "--format",
            format,
            "--threads",
            threads,
            "--quiet",
        ]
        .map(|a| a.to_string());
        args.extend(rest.iter().map(String::as_str));
        assert_ok(&dianzhi(&args));
        out
    };
    let claims = demo("claims");
    let a = run(["--claims", &claims], "csv", "a", "1");
    let b = run(["--aggregates", s(&agg)], "csv", "b", "2");
    for t in ["point_values.csv", "comparison.csv"] {
        assert_eq!(std::fs::read(a.join(t)).unwrap(), std::fs::read(b.join(t)).unwrap(), "{t}");
    }
    let c = run(["--claims", &claims], "parquet", "c", "2");
    let o = dianzhi(&["compare", s(&a), s(&c)]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

/// The demo quarter's "all three" scenario against an exact Shapley value computed here: every
/// corner of the three causes is run as a scenario of its own, its point value taken as the exact
/// fraction floating_money / floating_points from the stacked point_values, and
/// φ_i = Σ_{S ⊆ N∖{i}} |S|! (2 − |S|)! / 3! · (f(S ∪ {i}) − f(S)) is formed over big integers.
/// Each published effect is φ_i at 18 decimals, rounded down or up (the rounding that makes the
/// three add up to the published change).
#[test]
fn each_effect_is_the_exact_shapley_value_of_its_cause() {
    use dianzhi_core::number::{parse_decimal, Dec};
    use dianzhi_core::rational::Ratio;
    use std::collections::BTreeMap;

    let dir = tempfile::tempdir().unwrap();
    let (b, v, c) = (
        r#"budget = [{ sector = "hospital", scale = "1.02" }]"#,
        r#"volume = [{ region = "north", scale = "1.05" }]"#,
        r#"config = { fixed_value = { drug = "0.95" } }"#,
    );
    // corner k switches on budget (bit 0), volume (bit 1), config (bit 2)
    let mut text = String::new();
    for k in 1..8usize {
        text.push_str(&format!("[[scenario]]\nname = \"corner {k}\"\n"));
        for (bit, entry) in [b, v, c].iter().enumerate() {
            if k & (1 << bit) != 0 {
                text.push_str(entry);
                text.push('\n');
            }
        }
    }
    let out = dir.path().join("out");
    let scenarios = write(dir.path(), "corners.toml", &text);
    on_demo_quarter("scenario", &out, &["--scenarios", s(&scenarios), "--format", "csv"]);
    let ratio = |t: &str| Ratio::dec(Dec::from(parse_decimal(t).unwrap()));
    // f[pool][corner]: the exact floating point value
    let mut f: BTreeMap<(String, String), [Option<Ratio>; 8]> = BTreeMap::new();
    for r in table(&out.join("point_values.csv")) {
        let k =
            if r["scenario"] == "baseline" { 0 } else { r["scenario"]["corner ".len()..].parse::<usize>().unwrap() };
        let points = ratio(&r["floating_points"]);
        let value = (r["status"] == "ok").then(|| ratio(&r["floating_money"]).over(&points).unwrap());
        f.entry((r["sector"].clone(), r["region"].clone())).or_default()[k] = value;
    }
    let comparison = table(&out.join("comparison.csv"));
    let all_three: Vec<_> = comparison.iter().filter(|r| r["scenario"] == "corner 7").collect();
    assert_eq!(all_three.len(), f.len(), "one comparison row per pool");
    let scale = Ratio::int(10i128.pow(18));
    let mut moved = 0;
    for r in all_three {
        let corners = &f[&(r["sector"].clone(), r["region"].clone())];
        let Some(corners) = corners.iter().cloned().collect::<Option<Vec<Ratio>>>() else { continue };
        for (i, column) in ["budget_effect", "volume_effect", "config_effect"].iter().enumerate() {
            // 6 φ_i = Σ over the subsets S without i: 2 (|S| = 0 or 2) or 1 (|S| = 1) × the step
            let mut six_phi = Ratio::int(0);
            for set in (0..8usize).filter(|set| set & (1 << i) == 0) {
                let weight = if set.count_ones() == 1 { 1 } else { 2 };
                six_phi = six_phi.plus(&corners[set | 1 << i].minus(&corners[set]).times(&Ratio::int(weight)));
            }
            let phi_at_18 = six_phi.over(&Ratio::int(6)).unwrap().times(&scale);
            let published = Ratio::int(r[*column].replace('.', "").parse::<i128>().unwrap());
            let off = phi_at_18.minus(&published);
            assert!(
                off.minus(&Ratio::int(1)).signum() < 0 && off.plus(&Ratio::int(1)).signum() > 0,
                "{}/{} {column}: published {} is not the Shapley value rounded",
                r["sector"],
                r["region"],
                r[*column]
            );
            moved += usize::from(published.signum() != 0);
        }
    }
    assert!(moved >= 6, "the scenario moves several pools by more than one cause ({moved} effects)");
}
