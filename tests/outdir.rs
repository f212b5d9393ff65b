//! The output directory under crashes, signals and concurrent runs (all-or-nothing, nothing
//! left behind).

mod common;
use common::*;

use std::path::Path;
use std::process::{Command, Stdio};

fn inputs(dir: &Path) -> (String, String) {
    let c = write(
        dir,
        "claims.csv",
        &format!("{HEADER}\nA,dental,east,2026-01,,100,0,0,0,0\nB,dental,east,2026-02,,300,0,0,0,0\n"),
    );
    let b = write(dir, "budgets.csv", "sector,region,quarter,budget\ndental,east,2026Q1,200\n");
    (s(&c).to_string(), s(&b).to_string())
}

/// Six budgets files, run k's budget 200 + 40 k: an output says which run wrote it.
fn budgets_by_run(dir: &Path) -> Vec<String> {
    (0..6)
        .map(|k| {
            let b = write(
                dir,
                &format!("budgets-{k}.csv"),
                &format!("sector,region,quarter,budget\ndental,east,2026Q1,{}\n", 200 + 40 * k),
            );
            s(&b).to_string()
        })
        .collect()
}

#[test]
fn stale_staging_of_a_dead_run_is_removed_and_a_live_one_kept() {
    let dir = tempfile::tempdir().unwrap();
    let (c, b) = inputs(dir.path());
    // a run killed with SIGKILL left this behind; its lock is free
    let dead = dir.path().join(".out.dianzhi-tmp-DEAD01");
    write(&dead, "point_values.csv", "half written");
    write(&dead, ".lock", "");
    // a run still writing holds its lock
    let live = dir.path().join(".out.dianzhi-tmp-LIVE01");
    let lock = std::fs::File::open(write(&live, ".lock", "")).unwrap();
    lock.lock().unwrap();
    let out = dir.path().join("out");
    assert_ok(&dianzhi(&["settle", "--claims", &c, "--budgets", &b, "--out", s(&out), "--format", "csv", "--quiet"]));
    assert!(!dead.exists(), "the dead run's staging directory is removed");
    assert!(live.exists(), "a live run's staging directory is kept");
    drop(lock);
    assert_eq!(staging_left(dir.path()), vec![".out.dianzhi-tmp-LIVE01".to_string()]);
    // replacing an output leaves the new one and nothing aside
    assert_ok(&dianzhi(&[
        "settle",
        "--claims",
        &c,
        "--budgets",
        &b,
        "--out",
        s(&out),
        "--format",
        "csv",
        "--quiet",
        "--force",
    ]));
    assert!(staging_left(dir.path()).is_empty());
    assert!(out.join("manifest.json").is_file());
}

#[test]
fn concurrent_runs_to_one_output_end_with_one_complete_output() {
    let dir = tempfile::tempdir().unwrap();
    let (c, _) = inputs(dir.path());
    let out = dir.path().join("out");
    // each run has a budget of its own, so that its point value, its payments and its manifest
    // say which run wrote them: a mixed output would show two runs' marks
    let budgets = budgets_by_run(dir.path());
    let runs: Vec<_> = budgets
        .iter()
        .map(|b| {
            Command::new(env!("CARGO_BIN_EXE_dianzhi"))
                .args([
                    "settle",
                    "--claims",
                    &c,
                    "--budgets",
                    b,
                    "--out",
                    s(&out),
                    "--format",
                    "csv",
                    "--quiet",
                    "--force",
                ])
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for r in runs {
        let o = r.wait_with_output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    assert!(staging_left(dir.path()).is_empty(), "{:?}", staging_left(dir.path()));
    let mut names: Vec<String> =
        std::fs::read_dir(&out).unwrap().flatten().map(|e| e.file_name().to_string_lossy().to_string()).collect();
    names.sort();
    assert_eq!(names, vec!["manifest.json", "point_values.csv", "settlements.csv"]);
    // which run: 400 points share the budget, so fpv = budget / 400
    let pv = table(&out.join("point_values.csv"));
    let budget: i128 = pv[0]["budget"].parse().unwrap();
    let k = ((budget - 200) / 40) as usize;
    assert!(k < 6 && budget == 200 + 40 * k as i128, "{budget}");
    assert_eq!(pv[0]["fpv"], dianzhi_core::number::format_fixed(budget * 10_000 / 400, 4));
    // the payments are that run's: A's 100 points and B's 300 points at its fpv
    let paid: Vec<i128> = table(&out.join("settlements.csv")).iter().map(|r| r["payable"].parse().unwrap()).collect();
    assert_eq!(paid, vec![budget / 4, budget * 3 / 4], "settlements of another run than point_values'");
    let manifest = std::fs::read_to_string(out.join("manifest.json")).unwrap();
    assert!(manifest.contains(&format!("budgets-{k}.csv")), "the manifest names another run's budgets");
}

#[test]
fn sigterm_and_sigint_remove_the_staging_directory() {
    for (signal, code) in [("-TERM", 143), ("-INT", 130)] {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("gen");
        // a run long enough to be interrupted while it writes
        let child = Command::new(env!("CARGO_BIN_EXE_dianzhi"))
            .args(["generate", "--rows", "200000000", "--seed", "1", "--out", s(&out)])
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // wait until it has started writing
        let started = std::time::Instant::now();
        while staging_left(dir.path()).is_empty() && started.elapsed().as_secs() < 30 {
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
        assert!(Command::new("kill").args([signal, &child.id().to_string()]).status().unwrap().success());
        let o = child.wait_with_output().unwrap();
        assert_eq!(o.status.code(), Some(code), "{}", String::from_utf8_lossy(&o.stderr));
        assert!(staging_left(dir.path()).is_empty(), "{signal}: {:?}", staging_left(dir.path()));
        assert!(!out.exists());
    }
}

/// Two runs racing for one new `--out` without `--force`: the second to commit fails (exit 2:
/// the output exists) and leaves the first's output whole.
#[test]
fn runs_racing_for_a_new_output_without_force_replace_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (c, _) = inputs(dir.path());
    let out = dir.path().join("out");
    let budgets = budgets_by_run(dir.path());
    let runs: Vec<_> = budgets
        .iter()
        .map(|b| {
            Command::new(env!("CARGO_BIN_EXE_dianzhi"))
                .args(["settle", "--claims", &c, "--budgets", b, "--out", s(&out), "--format", "csv", "--quiet"])
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut won = Vec::new();
    for (k, r) in runs.into_iter().enumerate() {
        let o = r.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&o.stderr).to_string();
        match o.status.code() {
            Some(0) => won.push(k),
            Some(2) => assert!(err.contains("--force"), "{err}"),
            other => panic!("run {k} exited {other:?}: {err}"),
        }
    }
    assert_eq!(won.len(), 1, "exactly one run writes a new output without --force: {won:?}");
    let pv = table(&out.join("point_values.csv"));
    assert_eq!(pv[0]["budget"], (200 + 40 * won[0]).to_string(), "the output is the winner's");
    assert!(staging_left(dir.path()).is_empty(), "{:?}", staging_left(dir.path()));
}

/// A demo stopped after its Taiwan quarter (printed) leaves nothing in `--out`: the whole demo
/// moves into place at its end.
#[test]
fn a_demo_stopped_midway_leaves_nothing() {
    use std::io::{BufRead, BufReader};
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("demo");
    let mut child = Command::new(env!("CARGO_BIN_EXE_dianzhi"))
        .args(["demo", "--out", s(&out)])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    // the Taiwan quarter is settled (and was committed to --out before the DIP year ran)
    for line in lines.by_ref() {
        if line.unwrap().starts_with("settled ") {
            break;
        }
    }
    assert!(Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap().success());
    // stdout stays open until the run has ended (a closed pipe would fail its next print)
    let o = child.wait_with_output().unwrap();
    drop(lines);
    assert_eq!(o.status.code(), Some(143), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(!out.exists(), "a stopped demo left {:?}", std::fs::read_dir(&out).map(|d| d.count()));
    assert!(staging_left(dir.path()).is_empty(), "{:?}", staging_left(dir.path()));
}
