//! Rules the docs state that no other test exercised, each held to its statement: exit codes,
//! signals, inputs named by directory or glob, refusals of the DIP tables and policy, the
//! scenarios file, compare's printout, the generators' seeds, and the budget's additive
//! composition.

mod common;
use common::*;

use std::path::Path;
use std::process::{Command, Stdio};

const ONE_CLAIM: &str = "A,dental,east,2026-01,,100,0,0,0,0\n";
const BUDGET: &str = "sector,region,quarter,budget\ndental,east,2026Q1,50\n";

fn root(p: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(p).display().to_string()
}

/// Exit 1 is for what is not the input's fault: an output that cannot be created.
#[test]
fn an_output_that_cannot_be_created_is_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    let c = write(dir.path(), "c.csv", &format!("{HEADER}\n{ONE_CLAIM}"));
    let b = write(dir.path(), "b.csv", BUDGET);
    let o = dianzhi(&["settle", "--claims", s(&c), "--budgets", s(&b), "--out", "/proc/dianzhi-cannot-write-here"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("/proc"), "{}", stderr(&o));
}

/// SIGTERM and SIGINT stop `settle` and `dip settle` while they read, leaving no output and no
/// staging directory. The input is a named pipe nobody writes to, so the run waits in its read.
#[test]
fn signals_stop_settle_and_dip_settle_cleanly() {
    for (command, signal, code) in [("settle", "-TERM", 143), ("settle", "-INT", 130), ("dip", "-TERM", 143)] {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("input.csv");
        assert!(Command::new("mkfifo").arg(&fifo).status().unwrap().success());
        let out = dir.path().join("out");
        let b = write(dir.path(), "b.csv", BUDGET);
        let args: Vec<String> = if command == "settle" {
            ["settle", "--claims", s(&fifo), "--budgets", s(&b), "--out", s(&out)].map(String::from).to_vec()
        } else {
            [
                "dip",
                "settle",
                "--cases",
                s(&fifo),
                "--groups",
                &root("data/demo/dip/groups.csv"),
                "--averages",
                &root("data/demo/dip/averages.csv"),
                "--institutions",
                &root("data/demo/dip/institutions.csv"),
                "--funds",
                &root("data/demo/dip/funds.csv"),
                "--out",
                s(&out),
            ]
            .map(String::from)
            .to_vec()
        };
        let child = Command::new(env!("CARGO_BIN_EXE_dianzhi")).args(&args).stderr(Stdio::piped()).spawn().unwrap();
        let started = std::time::Instant::now();
        while staging_left(dir.path()).is_empty() && started.elapsed().as_secs() < 30 {
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        assert!(!staging_left(dir.path()).is_empty(), "{command}: the run never started its output");
        std::thread::sleep(std::time::Duration::from_millis(100));
        assert!(Command::new("kill").args([signal, &child.id().to_string()]).status().unwrap().success());
        let o = child.wait_with_output().unwrap();
        assert_eq!(o.status.code(), Some(code), "{command} {signal}: {}", String::from_utf8_lossy(&o.stderr));
        assert!(staging_left(dir.path()).is_empty(), "{command} {signal}: {:?}", staging_left(dir.path()));
        assert!(!out.exists());
    }
}

/// Inputs named by directory or glob: an empty directory and a glob matching nothing are
/// refused naming them; a literal name containing `*` is that file; a directory contributes its
/// *.parquet and *.csv files only (notes, checksums, `_SUCCESS` markers beside an extract are not
/// data, and a run over such a directory is the run over its tables).
#[test]
fn directories_and_globs_name_what_they_read() {
    let dir = tempfile::tempdir().unwrap();
    let b = write(dir.path(), "b.csv", BUDGET);
    let run = |claims: &str, out: &str| dianzhi(&["settle", "--claims", claims, "--budgets", s(&b), "--out", out]);
    std::fs::create_dir(dir.path().join("empty")).unwrap();
    let out = dir.path().join("o1");
    let o = run(s(&dir.path().join("empty")), s(&out));
    assert_rejected(&o, &out, &["empty: the directory holds no *.parquet or *.csv file"]);
    let glob = dir.path().join("nothing-*.csv");
    let o = run(s(&glob), s(&out));
    assert_rejected(&o, &out, &["nothing-*.csv: the glob matches no *.parquet or *.csv file"]);

    let starred = write(dir.path(), "claims*2026.csv", &format!("{HEADER}\n{ONE_CLAIM}"));
    let other = write(dir.path(), "claims-other-2026.csv", &format!("{HEADER}\nB,dental,east,2026-01,,900,0,0,0,0\n"));
    let o3 = dir.path().join("o3");
    assert_ok(&run(s(&starred), s(&o3)));
    let manifest = std::fs::read_to_string(o3.join("manifest.json")).unwrap();
    assert!(manifest.contains("claims*2026.csv") && !manifest.contains(s(&other)), "the literal file, not the glob");

    let extract = dir.path().join("extract");
    std::fs::create_dir(&extract).unwrap();
    std::fs::copy(&starred, extract.join("part-0.csv")).unwrap();
    for (name, text) in [("_SUCCESS", ""), ("README.txt", "claims of January"), ("part-0.csv.crc", "x")] {
        std::fs::write(extract.join(name), text).unwrap();
    }
    let (o4, o5) = (dir.path().join("o4"), dir.path().join("o5"));
    assert_ok(&run(s(&extract), s(&o4)));
    assert_ok(&run(s(&extract.join("part-0.csv")), s(&o5)));
    for t in ["point_values.parquet", "settlements.parquet"] {
        assert_eq!(std::fs::read(o4.join(t)).unwrap(), std::fs::read(o5.join(t)).unwrap(), "{t}");
    }
}

/// Interim rows may be corrections (negative), their sum per institution and pool may not.
#[test]
fn interim_payments_summing_below_zero_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let i = write(
        dir.path(),
        "i.csv",
        "institution_id,sector,region,quarter,interim_paid\nA,dental,east,2026Q1,-10\nA,dental,east,2026Q1,5\n",
    );
    let o = settle(dir.path(), &format!("{HEADER}\n{ONE_CLAIM}"), BUDGET, &["--interim", s(&i)]);
    assert_rejected(&o, &dir.path().join("out"), &["institution A", "interim_paid sums to -5"]);
    // a correction that leaves the sum ≥ 0 is taken
    let i = write(
        dir.path(),
        "i.csv",
        "institution_id,sector,region,quarter,interim_paid\nA,dental,east,2026Q1,-10\nA,dental,east,2026Q1,30\n",
    );
    let o = settle(dir.path(), &format!("{HEADER}\n{ONE_CLAIM}"), BUDGET, &["--interim", s(&i)]);
    assert_ok(&o);
    assert_eq!(table(&dir.path().join("out/settlements.csv"))[0]["interim_paid"], "20");
}

/// A pool whose fixed payments exceed its budget is `infeasible` even when it also has no
/// floating points: refused by default, settled at point value 0 with `on_infeasible = "zero"`.
#[test]
fn infeasible_comes_before_no_floating_points() {
    let dir = tempfile::tempdir().unwrap();
    // 100 drug points of 100 claimed: nothing floats; paid 100 at the fixed value of 1 > 50
    let claims = format!("{HEADER}\nA,dental,east,2026-01,,100,100,0,0,0\n");
    let o = settle(dir.path(), &claims, BUDGET, &[]);
    assert_rejected(&o, &dir.path().join("out"), &["infeasible", "budget 50 − charges 0 − fixed amounts 100 = -50"]);
    let config = write(dir.path(), "zero.toml", "[pool]\non_infeasible = \"zero\"\n");
    let o = settle(dir.path(), &claims, BUDGET, &["--config", s(&config)]);
    assert_ok(&o);
    let pv = &table(&dir.path().join("out/point_values.csv"))[0];
    assert_eq!((pv["status"].as_str(), pv["fpv"].as_str(), pv["residual"].as_str()), ("infeasible", "0.0000", "-50"));
}

/// docs/settle.md, steps 1–6, on a pool with protected points valued at 1.1: worked by hand.
#[test]
fn protected_points_are_paid_at_their_fixed_value() {
    let dir = tempfile::tempdir().unwrap();
    // A: 1,000 claimed of which 100 drug and 200 protected; B: 500 claimed
    // fixed: A 100 × 1 + 200 × 1.1 = 320; floating money 1,000 − 320 = 680 over 700 + 500 = 1,200
    // points: fpv = 0.5667; A 700 × 0.5667 = 396.69 → 397, B 500 × 0.5667 = 283.35 → 283
    let claims = format!("{HEADER}\nA,dental,east,2026-01,,1000,100,200,0,17\nB,dental,east,2026-02,,500,0,0,0,0\n");
    let budgets = "sector,region,quarter,budget\ndental,east,2026Q1,1000\n";
    let config = write(dir.path(), "p.toml", "[fixed_value]\nprotected = \"1.1\"\n");
    let o = settle(dir.path(), &claims, budgets, &["--config", s(&config)]);
    assert_ok(&o);
    let pv = &table(&dir.path().join("out/point_values.csv"))[0];
    assert_eq!(
        (pv["fixed_amount"].as_str(), pv["floating_money"].as_str(), pv["fpv"].as_str(), pv["residual"].as_str()),
        ("320", "680", "0.5667", "0")
    );
    let rows = table(&dir.path().join("out/settlements.csv"));
    let get = |i: usize, k: &str| rows[i][k].clone();
    assert_eq!(
        (get(0, "fixed_amount"), get(0, "floating_amount"), get(0, "payable")),
        ("320".into(), "397".into(), "700".into())
    );
    assert_eq!(
        (get(1, "fixed_amount"), get(1, "floating_amount"), get(1, "payable")),
        ("0".into(), "283".into(), "283".into())
    );
}

/// docs/taiwan-year.md: `composition = "additive"` adds the three factors instead of compounding
/// them; the example's negotiated items include a negative rate (a penalty).
#[test]
fn an_additive_budget_sums_its_factors() {
    let dir = tempfile::tempdir().unwrap();
    let spec = std::fs::read_to_string(root("data/examples/budget.toml")).unwrap();
    assert!(spec.contains("rate = \"-0.0001\""), "the example keeps its negative negotiated rate");
    let spec = write(
        dir.path(),
        "additive.toml",
        &spec.replace("composition = \"multiplicative\"", "composition = \"additive\""),
    );
    let out = dir.path().join("b");
    assert_ok(&dianzhi(&["budget", "--spec", s(&spec), "--out", s(&out), "--format", "csv"]));
    let g = &table(&out.join("growth.csv"))[0];
    // 0.00336 + 0.02064 − 0.00353 = 0.02047; + 0.0050 − 0.0001 = 0.02537
    assert_eq!(g["non_negotiated_rate"], "0.020470000000");
    assert_eq!(g["negotiated_rate"], "0.004900000000");
    assert_eq!(g["general_rate"], "0.025370000000");
    // 428,200,000,000 × 1.02537 exactly
    assert_eq!(g["general_budget"], "439063434000");
}

/// The DIP tables and policy refuse what would score or clear wrongly, naming file, row and
/// value: an average cost of 0 or below, or with more than 4 decimals; a negative hospital
/// coefficient; a fund share outside [0, 1].
#[test]
fn dip_tables_and_policy_refuse_impossible_values() {
    let dir = tempfile::tempdir().unwrap();
    let demo_dip = |f: &str| std::fs::read_to_string(root(&format!("data/demo/dip/{f}"))).unwrap();
    let replace_second_line = |text: &str, f: &dyn Fn(&str) -> String| -> String {
        let mut lines: Vec<String> = text.lines().map(String::from).collect();
        lines[1] = f(&lines[1]);
        lines.join("\n") + "\n"
    };
    let with_last = |v: &'static str| move |l: &str| format!("{},{v}", l.rsplit_once(',').unwrap().0);
    let run = |averages: &Path, institutions: &Path, config: Option<&Path>, out: &Path| {
        let mut args = vec![
            "dip".to_string(),
            "settle".into(),
            "--cases".into(),
            root("data/demo/dip/cases.csv"),
            "--groups".into(),
            root("data/demo/dip/groups.csv"),
            "--averages".into(),
            s(averages).into(),
            "--institutions".into(),
            s(institutions).into(),
            "--funds".into(),
            root("data/demo/dip/funds.csv"),
            "--out".into(),
            s(out).into(),
        ];
        if let Some(c) = config {
            args.extend(["--config".into(), s(c).into()]);
        }
        dianzhi(&args.iter().map(String::as_str).collect::<Vec<_>>())
    };
    let averages = root("data/demo/dip/averages.csv");
    let institutions = root("data/demo/dip/institutions.csv");
    let out = dir.path().join("out");
    for (value, needle) in
        [("0", "0 must be > 0"), ("-12.5", "-12.5 must be > 0"), ("123.12345", "123.12345 has more than 4 decimals")]
    {
        let bad = write(dir.path(), "averages.csv", &replace_second_line(&demo_dip("averages.csv"), &with_last(value)));
        let o = run(&bad, Path::new(&institutions), None, &out);
        assert_rejected(&o, &out, &["averages.csv, line 2, column 'avg_cost'", needle]);
    }
    let bad = write(
        dir.path(),
        "institutions.csv",
        &replace_second_line(&demo_dip("institutions.csv"), &|l: &str| {
            let f: Vec<&str> = l.split(',').collect();
            format!("{},{},-0.5,{},{}", f[0], f[1], f[3], f[4])
        }),
    );
    let o = run(Path::new(&averages), &bad, None, &out);
    assert_rejected(&o, &out, &["institutions.csv, line 2, column 'coefficient'", "-0.5 must be > 0"]);
    for share in ["1.2", "-0.1"] {
        let config = write(
            dir.path(),
            "share.toml",
            &format!("[dip.clearing]\noverspend = [{{ up_to = \"0.1\", fund_share = \"{share}\" }}]\n"),
        );
        let o = run(Path::new(&averages), Path::new(&institutions), Some(&config), &out);
        assert_rejected(&o, &out, &["share.toml", &format!("fund_share = \"{share}\" must be between 0 and 1")]);
    }
}

/// `dip presettle` prints the watch's flags on stderr (a pool's level, the hospitals raising
/// flags); `--quiet` prints nothing and writes the same tables.
#[test]
fn presettle_prints_the_watch_unless_quiet() {
    let dir = tempfile::tempdir().unwrap();
    let demo_out = dir.path().join("demo");
    assert_ok(&dianzhi(&["demo", "--out", s(&demo_out), "--quiet"]));
    let earlier: Vec<String> =
        (1..12).map(|m| s(&demo_out.join(format!("dip-payments/2026-{m:02}/payments.csv"))).to_string()).collect();
    let run = |out: &Path, quiet: bool| {
        let mut args = vec![
            "dip".to_string(),
            "presettle".into(),
            "--cases".into(),
            root("data/demo/dip/cases.csv"),
            "--groups".into(),
            root("data/demo/dip/groups.csv"),
            "--averages".into(),
            root("data/demo/dip/averages.csv"),
            "--institutions".into(),
            root("data/demo/dip/institutions.csv"),
            "--funds".into(),
            s(&demo_out.join("dip-budget/funds.csv")).into(),
            "--config".into(),
            root("data/demo/dip/dip.toml"),
            "--month".into(),
            "2026-12".into(),
            "--format".into(),
            "csv".into(),
            "--out".into(),
            s(out).into(),
            "--payments".into(),
        ];
        args.extend(earlier.iter().cloned());
        if quiet {
            args.push("--quiet".into());
        }
        dianzhi(&args.iter().map(String::as_str).collect::<Vec<_>>())
    };
    let (loud, quiet) = (dir.path().join("loud"), dir.path().join("quiet"));
    let o = run(&loud, false);
    assert_ok(&o);
    let err = stderr(&o);
    let pools = table(&loud.join("execution_pools.csv"));
    let flagged: Vec<&std::collections::BTreeMap<String, String>> =
        pools.iter().filter(|p| !p["flag"].is_empty()).collect();
    assert!(!flagged.is_empty(), "December of the demo year raises warnings");
    for p in flagged {
        assert!(
            err.contains(&p["region"]) && err.contains(&p["flag"]),
            "{} {} not on stderr:\n{err}",
            p["region"],
            p["flag"]
        );
    }
    assert!(!o.stdout.is_empty());
    let o = run(&quiet, true);
    assert_ok(&o);
    assert!(o.stdout.is_empty() && o.stderr.is_empty(), "{}", stderr(&o));
    for t in ["payments.csv", "execution_pools.csv", "execution_hospitals.csv"] {
        assert_eq!(std::fs::read(loud.join(t)).unwrap(), std::fs::read(quiet.join(t)).unwrap(), "{t}");
    }
}

/// The scenarios file is checked before the claims are read (a typo should not cost a scan):
/// an unknown key, a number with a separator, a config value that is not one are refused
/// naming the scenario and entry, while the claims given would fail if read at all.
#[test]
fn scenario_files_are_checked_before_the_claims() {
    let dir = tempfile::tempdir().unwrap();
    let claims = write(dir.path(), "claims.csv", "not,claims\n1,2\n");
    let b = write(dir.path(), "b.csv", BUDGET);
    for (text, needles) in [
        ("budgets = [{ scale = \"1.1\" }]", vec!["scenario \"x\"", "unknown key 'budgets'"]),
        ("budget = [{ scale = \"1,1\" }]", vec!["budget entry 1", "'1,1' is not a plain decimal number"]),
        ("config = { money = { rounding = \"nearest\" } }", vec!["scenario \"x\"", "unknown variant `nearest`"]),
    ] {
        let sc = write(dir.path(), "s.toml", &format!("[[scenario]]\nname = \"x\"\n{text}\n"));
        let out = dir.path().join("out");
        let o =
            dianzhi(&["scenario", "--claims", s(&claims), "--budgets", s(&b), "--scenarios", s(&sc), "--out", s(&out)]);
        let mut needles = needles.clone();
        needles.push("s.toml");
        assert_rejected(&o, &out, &needles);
        assert!(!stderr(&o).contains("claims.csv"), "the claims were read first: {}", stderr(&o));
    }
}

/// docs/analysts.md: volume scales the points, never copayments or interim payments; a
/// scenario's entries apply in file order, each rounding once.
#[test]
fn volume_scales_points_only_and_entries_apply_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let claims = format!("{HEADER}\nA,dental,east,2026-01,,100,0,0,0,7\nB,dental,east,2026-02,,300,0,0,0,0\n");
    write(dir.path(), "claims.csv", &claims);
    write(dir.path(), "budgets.csv", "sector,region,quarter,budget\ndental,east,2026Q1,200\n");
    let i = write(
        dir.path(),
        "interim.csv",
        "institution_id,sector,region,quarter,interim_paid\nA,dental,east,2026Q1,40\n",
    );
    let text = r#"
[[scenario]]
name = "double volume"
volume = [{ scale = "2" }]

[[scenario]]
name = "add then scale"
budget = [{ add = "10" }, { scale = "2" }]

[[scenario]]
name = "scale then add"
budget = [{ scale = "2" }, { add = "10" }]
"#;
    let out = dir.path().join("out");
    assert_ok(&scenario(dir.path(), text, &out, &["--settlements", "--interim", s(&i), "--format", "csv"]));
    let rows = table(&out.join("settlements.csv"));
    let row =
        |scn: &str, id: &str| rows.iter().find(|r| r["scenario"] == scn && r["institution_id"] == id).unwrap().clone();
    let (base, double) = (row("baseline", "A"), row("double volume", "A"));
    assert_eq!(double["claimed_points"], "200.0000", "points doubled");
    assert_eq!((double["copayment"].as_str(), double["interim_paid"].as_str()), ("7", "40"), "money untouched");
    assert_eq!((base["copayment"].as_str(), base["interim_paid"].as_str()), ("7", "40"));
    let pv = table(&out.join("point_values.csv"));
    let budget = |scn: &str| pv.iter().find(|r| r["scenario"] == scn).unwrap()["budget"].clone();
    assert_eq!(budget("add then scale"), "420", "(200 + 10) × 2");
    assert_eq!(budget("scale then add"), "410", "200 × 2 + 10");
}

/// compare reads Parquet double columns as the shortest decimal that reads back as the same
/// double, so 0.1 + 0.2 differs from 0.3 unless a tolerance says they are equal; it prints the
/// first 20 differences and counts the rest.
#[test]
fn compare_reads_doubles_and_prints_the_first_twenty() {
    use arrow_array::{ArrayRef, Float64Array, RecordBatch, StringArray};
    use std::sync::Arc;
    let dir = tempfile::tempdir().unwrap();
    let batch = |values: Vec<f64>| {
        let keys: Vec<String> = (0..values.len()).map(|i| format!("r{i:02}")).collect();
        RecordBatch::try_from_iter([
            ("region", Arc::new(StringArray::from(keys)) as ArrayRef),
            ("value", Arc::new(Float64Array::from(values)) as ArrayRef),
        ])
        .unwrap()
    };
    let (a, b) = (dir.path().join("a.parquet"), dir.path().join("b.parquet"));
    write_parquet(&a, &batch(vec![0.1 + 0.2, 1.5]), None);
    write_parquet(&b, &batch(vec![0.3, 1.5]), None);
    let o = dianzhi(&["compare", s(&a), s(&b)]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let printed = String::from_utf8_lossy(&o.stdout);
    assert!(
        printed.contains("value: 0.30000000000000004 → 0.30000000000000000 (delta -0.00000000000000004)"),
        "{printed}"
    );
    let o = dianzhi(&["compare", s(&a), s(&b), "--tolerance", "0.000001"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));

    let (a, b) = (dir.path().join("a25.parquet"), dir.path().join("b25.parquet"));
    write_parquet(&a, &batch((0..25).map(|i| f64::from(i) + 0.5).collect()), None);
    write_parquet(&b, &batch((0..25).map(|i| f64::from(i) + 0.25).collect()), None);
    let o = dianzhi(&["compare", s(&a), s(&b)]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stdout).to_string() + &stderr(&o);
    assert_eq!(err.lines().filter(|l| l.contains(" value: ")).count(), 20, "{err}");
    assert!(err.contains("… and 5 more (--out DIR writes them all)"), "{err}");
    assert!(err.contains("region=r19") && !err.contains("region=r20"), "the first twenty in key order");
}

/// The generators write the same bytes for the same seed, and other bytes for another.
#[test]
fn generators_are_deterministic_per_seed() {
    let dir = tempfile::tempdir().unwrap();
    let gen = |args: &[&str], out: &str| {
        let out = dir.path().join(out);
        let mut a: Vec<&str> = args.to_vec();
        a.extend(["--out", s(&out), "--format", "csv", "--quiet"]);
        assert_ok(&dianzhi(&a));
        out
    };
    let files = |d: &Path| -> Vec<(String, Vec<u8>)> {
        let mut v: Vec<(String, Vec<u8>)> = walk(d)
            .into_iter()
            .filter(|p| p.extension().is_some_and(|e| e == "csv"))
            .map(|p| (p.strip_prefix(d).unwrap().display().to_string(), std::fs::read(&p).unwrap()))
            .collect();
        v.sort();
        v
    };
    let taiwan = ["generate", "--rows", "3000", "--institutions", "60", "--files", "2"];
    let (a, b, c) = (
        gen(&[&taiwan[..], &["--seed", "11"]].concat(), "a"),
        gen(&[&taiwan[..], &["--seed", "11", "--threads", "1"]].concat(), "b"),
        gen(&[&taiwan[..], &["--seed", "12"]].concat(), "c"),
    );
    assert!(files(&a) == files(&b), "the same seed wrote other bytes");
    // every table of another seed is another table (budgets and interim follow the claims)
    for ((name, x), (_, y)) in files(&a).iter().zip(files(&c).iter()) {
        assert!(x != y, "{name} is the same under another seed");
    }
    let dip = ["dip", "generate", "--cases", "2000", "--hospitals", "20", "--regions", "2", "--groups", "50"];
    let (a, b, c) = (
        gen(&[&dip[..], &["--seed", "5"]].concat(), "da"),
        gen(&[&dip[..], &["--seed", "5", "--threads", "1"]].concat(), "db"),
        gen(&[&dip[..], &["--seed", "6"]].concat(), "dc"),
    );
    assert!(files(&a) == files(&b), "the same seed wrote other bytes");
    // the cases are drawn from the seed (the other tables too, but the cases above all)
    for ((name, x), (_, y)) in files(&a).iter().zip(files(&c).iter()).filter(|((n, _), _)| n.starts_with("cases")) {
        assert!(x != y, "{name} is the same under another seed");
    }
}

fn walk(d: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(d).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// Every rounding mode through the binary, on exact ties: drug points at 0.5 NTD make fixed
/// amounts of 1.5 and 2.5, and a point value of 0.5000 makes floating amounts of 1.5 and 2.5.
/// half_up rounds them away from zero, half_even to the even unit, down toward zero; each
/// budget leaves 4 NTD of floating money over 8 points, and each residual is what the
/// roundings left.
#[test]
fn every_rounding_mode_on_exact_ties() {
    let dir = tempfile::tempdir().unwrap();
    // A: 3 drug + 3 floating points; B: 5 drug + 5 floating points
    let claims = format!("{HEADER}\nA,dental,east,2026-01,,6,3,0,0,0\nB,dental,east,2026-02,,10,5,0,0,0\n");
    for (mode, budget, fixed, floating, residual) in [
        ("half_up", 9, ["2", "3"], ["2", "3"], "-1"),
        ("half_even", 8, ["2", "2"], ["2", "2"], "0"),
        ("down", 7, ["1", "2"], ["1", "2"], "1"),
    ] {
        let config = write(
            dir.path(),
            "round.toml",
            &format!("[money]\nrounding = \"{mode}\"\n[fixed_value]\ndrug = \"0.5\"\n"),
        );
        let budgets = format!("sector,region,quarter,budget\ndental,east,2026Q1,{budget}\n");
        let o = settle(dir.path(), &claims, &budgets, &["--config", s(&config), "--force"]);
        assert_ok(&o);
        let out = dir.path().join("out");
        let pv = &table(&out.join("point_values.csv"))[0];
        assert_eq!(
            [pv["floating_money"].as_str(), pv["fpv"].as_str(), pv["residual"].as_str()],
            ["4", "0.5000", residual],
            "{mode}"
        );
        let st = table(&out.join("settlements.csv"));
        let got: Vec<[&str; 2]> =
            st.iter().map(|r| [r["fixed_amount"].as_str(), r["floating_amount"].as_str()]).collect();
        assert_eq!(got, [[fixed[0], floating[0]], [fixed[1], floating[1]]], "{mode}");
    }
}
