//! The figures the README and docs/ quote from the demo data, read from those pages and held to
//! what the program prints and writes, so that the pages cannot drift from the program.

mod common;
use common::*;

use std::path::Path;

fn page(p: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(p)).unwrap()
}

fn root(p: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(p).display().to_string()
}

/// The number in `text` right after `before` (digits and thousands commas).
fn number_after(text: &str, before: &str) -> usize {
    let at = text.find(before).unwrap_or_else(|| panic!("the page no longer says {before:?}")) + before.len();
    let digits: String = text[at..].chars().take_while(|c| c.is_ascii_digit() || *c == ',').collect();
    digits.replace(',', "").parse().unwrap_or_else(|_| panic!("no number after {before:?}"))
}

/// The line of `text` that starts with `prefix`.
fn line_starting<'a>(text: &'a str, prefix: &str) -> &'a str {
    text.lines().find(|l| l.starts_with(prefix)).unwrap_or_else(|| panic!("no line starts with {prefix:?}"))
}

/// docs/taiwan-year.md's yearly cycle: the hospital growth row, the providers paid in January,
/// and provider 3200000003's settlement (the columns the page shows on both sides of its "…").
#[test]
fn the_taiwan_year_page_quotes_the_program() {
    let doc = page("docs/taiwan-year.md");
    let dir = tempfile::tempdir().unwrap();
    let budget = dir.path().join("budget-2026");
    assert_ok(&dianzhi(&["budget", "--spec", &root("data/demo/budget.toml"), "--out", s(&budget), "--format", "csv"]));
    let growth = std::fs::read_to_string(budget.join("growth.csv")).unwrap();
    let quoted = line_starting(&doc, "hospital,");
    assert_eq!(line_starting(&growth, "hospital,"), quoted, "docs/taiwan-year.md's growth row");

    let mut interim = Vec::new();
    for m in ["01", "02", "03"] {
        let out = dir.path().join(format!("interim-{m}"));
        assert_ok(&dianzhi(&[
            "interim",
            "--claims",
            &demo("claims"),
            "--estimates",
            &demo("estimates.csv"),
            "--month",
            &format!("2026-{m}"),
            "--out",
            s(&out),
            "--format",
            "csv",
        ]));
        interim.push(out.join("interim.csv"));
    }
    assert_eq!(
        table(&interim[0]).len(),
        number_after(&doc, "`interim-01/interim.csv` pays "),
        "providers paid in January"
    );

    let settled = dir.path().join("settled");
    let mut args = vec![
        "settle".to_string(),
        "--claims".into(),
        demo("claims"),
        "--budgets".into(),
        s(&budget.join("budgets.csv")).into(),
        "--quarter".into(),
        "2026Q1".into(),
        "--out".into(),
        s(&settled).into(),
        "--format".into(),
        "csv".into(),
        "--interim".into(),
    ];
    args.extend(interim.iter().map(|p| s(p).to_string()));
    assert_ok(&dianzhi(&args.iter().map(String::as_str).collect::<Vec<_>>()));
    let rows = std::fs::read_to_string(settled.join("settlements.csv")).unwrap();
    let header: Vec<&str> = rows.lines().next().unwrap().split(',').collect();
    let row: Vec<&str> = line_starting(&rows, "3200000003,").split(',').collect();
    let quoted_header = line_starting(&doc, "institution_id,sector,region,quarter,…");
    let quoted = line_starting(&doc, "3200000003,");
    let (head, tail) = quoted.split_once(",…,").unwrap();
    let (qhead, qtail) = quoted_header.split_once(",…,").unwrap();
    let (head, tail): (Vec<&str>, Vec<&str>) = (head.split(',').collect(), tail.split(',').collect());
    let (qhead, qtail): (Vec<&str>, Vec<&str>) = (qhead.split(',').collect(), qtail.split(',').collect());
    assert_eq!(header[..qhead.len()], qhead[..]);
    assert_eq!(header[header.len() - qtail.len()..], qtail[..]);
    assert_eq!(row[..head.len()], head[..], "3200000003's first columns");
    assert_eq!(row[row.len() - tail.len()..], tail[..], "3200000003's last columns");
}

/// docs/analysts.md's scenario run on the demo quarter: the count of pools moved and every line
/// of its excerpt of the printed comparison.
#[test]
fn the_analysts_page_quotes_the_scenario_run() {
    let doc = page("docs/analysts.md");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("what-if");
    let o = run_on_demo_quarter("scenario", &out, &["--scenarios", &demo("scenarios.toml")]);
    assert_ok(&o);
    let printed = String::from_utf8_lossy(&o.stdout).to_string();
    let (moved, of) =
        (number_after(&doc, "moved ("), number_after(&doc, &format!("moved ({} of ", number_after(&doc, "moved ("))));
    assert!(printed.contains(&format!("({moved} of {of} scenario × pool rows moved")), "{printed}");
    // the excerpt: the code block after "It prints the pools each scenario moved"
    let after = &doc[doc.find("It prints the pools each scenario moved").unwrap()..];
    let block = after.split("```").nth(1).unwrap();
    let lines: Vec<&str> = block.lines().filter(|l| !l.trim().is_empty()).collect();
    assert!(lines.len() >= 5, "the excerpt has its header, rows and count");
    for l in lines {
        assert!(
            printed.lines().any(|p| p.trim_end() == l.trim_end()),
            "docs/analysts.md quotes a line the program does not print:\n{l}"
        );
    }
}

/// The README's description of the demo: 300 institutions of which so many claim, the claim
/// rows, the DIP year's hospitals and cases, and the pools the budget caps.
#[test]
fn the_readme_describes_the_demo_it_runs() {
    let readme = page("README.md");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("demo");
    assert_ok(&dianzhi(&["demo", "--out", s(&out), "--quiet"]));
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    let counts = &manifest["counts"];
    assert_eq!(counts["institutions"].as_u64().unwrap() as usize, number_after(&readme, "300 institutions of which "));
    assert_eq!(counts["claim_rows"].as_u64().unwrap() as usize, number_after(&readme, "claim in the quarter, "));
    let cases = table(&out.join("dip/cases.csv"));
    let hospitals: std::collections::BTreeSet<&str> = cases.iter().map(|c| c["institution_id"].as_str()).collect();
    assert_eq!(hospitals.len(), number_after(&readme, "twelve monthly presettles of "));
    assert_eq!(cases.len(), number_after(&readme, "hospitals' "));
    let growth = table(&out.join("dip-budget/growth.csv"));
    let capped = growth.iter().filter(|g| !g["flag"].is_empty()).count();
    assert!(readme.contains("(two pools capped by their income and topped up by the province)"));
    assert_eq!(capped, 2, "two pools capped: {:?}", growth.iter().map(|g| g["flag"].clone()).collect::<Vec<_>>());
}
