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

/// The rows of the first Markdown table after `heading` in `text`, cells trimmed (the header
/// and its rule left out).
fn table_after(text: &str, heading: &str) -> Vec<Vec<String>> {
    let at = text.find(heading).unwrap_or_else(|| panic!("the page no longer has {heading:?}"));
    text[at..]
        .lines()
        .skip_while(|l| !l.starts_with('|'))
        .take_while(|l| l.starts_with('|'))
        .skip(2)
        .map(|l| l.trim_matches('|').split('|').map(|c| c.trim().to_string()).collect())
        .collect()
}

/// The bold figure of a cell (`… = **996,325 payable**` → `996325`), commas and signs kept
/// apart: the digits, the point and a leading minus.
fn bold(cell: &str) -> String {
    let at = cell.find("**").unwrap_or_else(|| panic!("no bold figure in {cell:?}")) + 2;
    let inner = &cell[at..at + cell[at..].find("**").unwrap()];
    inner
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == '.' || *c == '-' || *c == '−')
        .collect::<String>()
        .replace('−', "-")
}

/// A money or points figure as the page writes it (`−25,800.00`, `1,848`) in the form the CSV
/// outputs write it at `scale` decimals.
fn at_scale(figure: &str, scale: usize) -> String {
    let plain: String = figure.replace(',', "").replace('−', "-").chars().filter(|c| !c.is_whitespace()).collect();
    let (int, frac) = plain.split_once('.').unwrap_or((&plain, ""));
    if scale == 0 {
        return int.to_string();
    }
    format!("{int}.{frac:0<scale$}")
}

/// docs/settle.md's golden pool: fpv, apv, P001's payable and adjustment as the table gives them.
#[test]
fn the_settle_page_worked_pool_is_the_program() {
    let rows = table_after(&page("docs/settle.md"), "The golden pool, settled by hand");
    let figure = |label: &str| bold(&rows.iter().find(|r| r[0].contains(label)).unwrap()[1]);
    let dir = tempfile::tempdir().unwrap();
    let interim = write(
        dir.path(),
        "interim.csv",
        "institution_id,sector,region,quarter,interim_paid\nP001,hospital,taipei,2026Q1,900000\n",
    );
    assert_ok(&settle(dir.path(), &format!("{HEADER}\n{GOLDEN_CLAIMS}"), GOLDEN_BUDGET, &["--interim", s(&interim)]));
    let pv = &table(&dir.path().join("out/point_values.csv"))[0];
    assert_eq!(pv["fpv"], figure("**fpv**"));
    assert_eq!(pv["apv"], figure("**apv**"));
    let p001 = &table(&dir.path().join("out/settlements.csv"))[0];
    assert_eq!(p001["payable"], figure("provider P001"));
    assert_eq!(p001["adjustment"], figure("interim payments"));
}

/// docs/dip.md's case scoring table: each total cost scored as the page says (group score 800,
/// coefficient 1.05, aux factor 1.10, average 9,000).
#[test]
fn the_dip_page_scoring_table_is_the_program() {
    let rows = table_after(&page("docs/dip.md"), "### How a case is scored, worked");
    assert_eq!(rows.len(), 6, "{rows:?}");
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut cases =
        String::from("case_id,institution_id,region,fund,discharge_month,dip_group,total_cost,fund_paid,aux_factor\n");
    for (i, r) in rows.iter().enumerate() {
        cases.push_str(&format!("c{i},H1,r1,employee,2026-01,G800,{},1000.00,1.10\n", r[0].replace(',', "")));
    }
    let c = write(d, "cases.csv", &cases);
    let g = write(d, "groups.csv", "dip_group,score,kind\nG800,800,core\n");
    let a = write(d, "averages.csv", "dip_group,level,avg_cost\nG800,3,9000\n");
    let i = write(d, "institutions.csv", "institution_id,level,coefficient\nH1,3,1.05\n");
    let f = write(d, "funds.csv", "region,fund,year,budget,payment_ratio\nr1,employee,2026,100000000,1\n");
    let out = d.join("out");
    assert_ok(&dip_settle_csv(&c, [&g, &a, &i, &f], &[], &out));
    let scored = table(&out.join("cases.csv"));
    for (n, r) in rows.iter().enumerate() {
        let case = scored.iter().find(|c| c["case_id"] == format!("c{n}")).unwrap();
        assert_eq!(case["score"], at_scale(&bold(&r[3]), 4), "the page's row {n}: {r:?}");
        assert!(
            r[2].starts_with(case["type"].as_str()),
            "row {n}: the page says {}, the program {}",
            r[2],
            case["type"]
        );
    }
}

/// docs/dip-year.md's worked year: every step of both hospitals as the page's table gives it.
#[test]
fn the_dip_year_page_worked_year_is_the_program() {
    let rows = table_after(&page("docs/dip-year.md"), "## A year cleared, worked");
    let dir = tempfile::tempdir().unwrap();
    let out = worked_dip_year(dir.path());
    let hospitals = table(&out.join("hospitals.csv"));
    // the first figure of each cell (a cell may add a share or the withheld in brackets)
    let first = |cell: &str| -> String {
        let cell = cell.trim_start_matches("pv ").replace("**", "");
        cell.split_whitespace().next().unwrap().to_string()
    };
    let steps = [
        ("DIP payment P", "dip_amount"),
        ("item cost A", "item_amount"),
        ("balance P − A", "balance"),
        ("kept:", "kept"),
        ("shared:", "shared"),
        ("entitlement E", "entitlement"),
        ("paid in the year", "paid"),
        ("due =", "due"),
        ("adjustment = due − paid", "adjustment"),
    ];
    for (label, column) in steps {
        let row = rows.iter().find(|r| r[0].contains(label)).unwrap_or_else(|| panic!("no step {label:?}"));
        for (h, cell) in hospitals.iter().zip(&row[1..]) {
            assert_eq!(h[column], at_scale(&first(cell), 2), "{label} of {}", h["institution_id"]);
        }
    }
    let withheld: Vec<String> = rows.iter().find(|r| r[0].contains("paid in the year")).unwrap()[1..]
        .iter()
        .map(|c| at_scale(c.split('(').nth(1).unwrap().trim_end_matches(')'), 2))
        .collect();
    assert_eq!(hospitals.iter().map(|h| h["withheld"].clone()).collect::<Vec<_>>(), withheld);
    let pv_row = rows.iter().find(|r| r[0].starts_with("money = budget")).unwrap();
    let pool = &table(&out.join("point_values.csv"))[0];
    assert_eq!(pool["pv"], at_scale(&first(&pv_row[1]), 4));
    let text = page("docs/dip-year.md");
    let after = &text[text.find("## A year cleared, worked").unwrap()..];
    assert_eq!(
        pool["reserve_draw"],
        at_scale(after[after.find("reserve draw is ").unwrap() + 16..].split_whitespace().next().unwrap(), 2)
    );
}
