//! Command-line conventions: --version, --quiet, --threads 0, config --show.

mod common;
use common::*;

#[test]
fn version_names_the_commit() {
    let o = dianzhi(&["--version"]);
    assert_ok(&o);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.starts_with("dianzhi ") && text.contains("(commit "), "{text}");
}

#[test]
fn quiet_prints_nothing_and_threads_0_means_all_cores() {
    let dir = tempfile::tempdir().unwrap();
    let claims = format!("{HEADER}\nA,dental,east,2026-01,,100,0,0,0,0\n");
    let budgets = "sector,region,quarter,budget\ndental,east,2026Q1,50\n";
    let o = settle(dir.path(), &claims, budgets, &["--threads", "0"]);
    assert_ok(&o);
    assert!(o.stdout.is_empty() && o.stderr.is_empty(), "{}", String::from_utf8_lossy(&o.stdout));
    // --threads 0 is a valid count (all cores), not a pool of none: the demo quarter settles to
    // the bytes one thread writes, and no warning is printed
    let (zero, one) = (dir.path().join("zero"), dir.path().join("one"));
    on_demo_quarter("settle", &zero, &["--threads", "0", "--format", "csv"]);
    on_demo_quarter("settle", &one, &["--threads", "1", "--format", "csv"]);
    for t in ["point_values.csv", "settlements.csv"] {
        assert_eq!(std::fs::read(zero.join(t)).unwrap(), std::fs::read(one.join(t)).unwrap(), "{t}");
    }
    let o = dianzhi(&["--threads", "0", "config", "--show"]);
    assert_ok(&o);
    assert!(o.stderr.is_empty(), "{}", stderr(&o));
    let out = dir.path().join("b");
    let spec = format!("{}/data/examples/budget.toml", env!("CARGO_MANIFEST_DIR"));
    let o = dianzhi(&["budget", "--spec", &spec, "--out", s(&out), "--quiet"]);
    assert_ok(&o);
    assert!(o.stdout.is_empty());
    let o = dianzhi(&["-q", "budget", "--spec", &spec, "--out", s(&out), "--force"]);
    assert_ok(&o);
    assert!(o.stdout.is_empty());
}

#[test]
fn config_show_prints_every_key_and_reads_back_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let o = dianzhi(&["config", "--show"]);
    assert_ok(&o);
    let shown = String::from_utf8_lossy(&o.stdout).to_string();
    for key in [
        "[money]",
        "unit = \"1\"",
        "rounding = \"half_up\"",
        "[point_value]",
        "[reconcile]",
        "[fixed_value]",
        "[pool]",
        "[interim]",
        "[dip.score]",
        "[dip.outliers]",
        "extreme = \"5\"",
        "[dip.clearing]",
        "withhold_rate = \"0.05\"",
    ] {
        assert!(shown.contains(key), "{key} missing from\n{shown}");
    }
    // what it prints is a config: read back, the same config comes out
    let mine = write(dir.path(), "mine.toml", "[money]\nunit = \"0.1\"\n[dip.outliers]\nextreme = \"\"\n");
    let o = dianzhi(&["config", "--show", "--config", s(&mine)]);
    assert_ok(&o);
    let first = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(first.contains("unit = \"0.1\"") && first.contains("extreme = \"\""), "{first}");
    let archived = write(dir.path(), "archived.toml", &first);
    let o = dianzhi(&["config", "--show", "--config", s(&archived)]);
    let body = |t: &str| t.lines().skip(1).collect::<Vec<_>>().join("\n");
    assert_eq!(body(&String::from_utf8_lossy(&o.stdout)), body(&first));
    // the DIP defaults are in fen
    let o = dianzhi(&["config", "--show", "--dip"]);
    assert!(String::from_utf8_lossy(&o.stdout).contains("unit = \"0.01\""));
    let o = dianzhi(&["config"]);
    assert_eq!(o.status.code(), Some(2));
}
