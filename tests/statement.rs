//! `dianzhi statement DIR --out DIR2` (docs/statements.md): a page per institution whose every
//! figure is the output table's own text, the corridor's bands, safe file names and escaped
//! texts, Chinese labels, and pages that render and print (a page per pool).

mod common;
use common::browser::{chromium, pdf_pages, picture, print_pdf, render};
use common::*;

use std::collections::BTreeMap;
use std::path::Path;

fn statement(dir: &Path, out: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["statement", s(dir), "--out", s(out), "--quiet"];
    args.extend_from_slice(extra);
    dianzhi(&args)
}

/// Every figure of a page: (table, column, text), in page order.
fn figures(html: &str) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    let needle = "<span class=\"v\" data-table=\"";
    for (at, _) in html.match_indices(needle) {
        let rest = &html[at + needle.len()..];
        let (table, rest) = rest.split_once('"').unwrap();
        let rest = rest.strip_prefix(" data-column=\"").unwrap();
        let (column, rest) = rest.split_once('"').unwrap();
        let text = &rest[1..rest.find("</span>").unwrap()];
        out.push((table.to_string(), column.to_string(), text.to_string()));
    }
    out
}

/// The rows of a table's HTML (`<tr>` … `</tr>` after `heading`), their cells' texts.
fn html_rows(html: &str, heading: &str) -> Vec<Vec<String>> {
    let at = html.find(heading).unwrap_or_else(|| panic!("no {heading:?} on the page"));
    let table = &html[at..at + html[at..].find("</table>").unwrap()];
    table
        .split("<tr>")
        .skip(2)
        .map(|r| {
            r.split("<td").skip(1).map(|c| c[c.find('>').unwrap() + 1..c.find("</td>").unwrap()].to_string()).collect()
        })
        .collect()
}

#[test]
fn every_figure_of_a_dip_statement_is_the_table_s_text() {
    let dir = tempfile::tempdir().unwrap();
    let year = worked_dip_year(dir.path());
    let out = dir.path().join("statements");
    assert_ok(&statement(&year, &out, &[]));
    let pool = &table(&year.join("point_values.csv"))[0];
    let hospitals = table(&year.join("hospitals.csv"));
    for h in &hospitals {
        let id = &h["institution_id"];
        let html = std::fs::read_to_string(out.join(format!("{id}.html"))).unwrap();
        let figs = figures(&html);
        assert!(figs.len() > 30, "{id}: {} figures", figs.len());
        for (t, column, text) in &figs {
            let row: &BTreeMap<String, String> = if t == "point_values" { pool } else { h };
            assert_eq!(row.get(column), Some(text), "{id}: {t}.{column}");
        }
        // the steps run in the order of the arithmetic, ending with the adjustment
        let columns: Vec<&str> = figs.iter().map(|f| f.1.as_str()).collect();
        let at = |c: &str| columns.iter().position(|x| *x == c).unwrap();
        assert!(at("pv") < at("dip_amount") && at("dip_amount") < at("balance") && at("balance") < at("entitlement"));
        assert_eq!(figs.last().unwrap().1, "adjustment");
        assert!(html.contains("docs/dip.md, Arithmetic, step 7") && !html.contains("<script"));
    }
    // the corridor's bands: H1 keeps 70% of its surplus, H2's overspend in two bands
    let h1 = std::fs::read_to_string(out.join("H1.html")).unwrap();
    assert_eq!(html_rows(&h1, "Corridor bands: the surplus"), [["0 – 600000 (1 × P_h)", "300000", "0.7", "210000"]]);
    let h2 = std::fs::read_to_string(out.join("H2.html")).unwrap();
    assert_eq!(
        html_rows(&h2, "Corridor bands: the overspend"),
        [["0 – 30000 (0.1 × P_h)", "30000", "0.7", "21000"], ["30000 – 60000 (0.2 × P_h)", "30000", "0.5", "15000"]]
    );
    // its losing case, and the index linking both
    let losses = html_rows(&h2, "The 20 cases with the largest losses");
    assert_eq!(losses, [["c3", "G2", "normal", "30000.0000", "400000.00", "300000.00", "-100000.00"]]);
    let index = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(index.contains("href=\"H1.html\"") && index.contains("href=\"H2.html\""));
    assert!(index.contains("data-column=\"adjustment\">-25800.00<"));

    // one institution, in Chinese
    let zh = dir.path().join("zh");
    assert_ok(&statement(&year, &zh, &["--institution", "H2", "--lang", "zh"]));
    let names: Vec<String> =
        std::fs::read_dir(&zh).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    assert_eq!(names.len(), 2, "{names:?}");
    let page = std::fs::read_to_string(zh.join("H2.html")).unwrap();
    for word in ["DIP 年度清算通知", "点值", "结余留用", "超支分担", "清算补差"] {
        assert!(page.contains(word), "{word} missing");
    }
    // a damaged manifest (a band that is no decimal) is refused naming the file and the key
    let damaged = dir.path().join("damaged");
    std::fs::create_dir(&damaged).unwrap();
    for f in ["point_values.csv", "hospitals.csv", "cases.csv"] {
        std::fs::copy(year.join(f), damaged.join(f)).unwrap();
    }
    let manifest = std::fs::read_to_string(year.join("manifest.json")).unwrap();
    std::fs::write(damaged.join("manifest.json"), manifest.replacen("\"keep\": \"0.7\"", "\"keep\": \"x\"", 1))
        .unwrap();
    let o = statement(&damaged, &dir.path().join("d-out"), &[]);
    assert_rejected(&o, &dir.path().join("d-out"), &["manifest.json", "dip.clearing.surplus keep", "\"x\""]);
    // an institution the output does not have is refused, naming it
    let o = statement(&year, &dir.path().join("none"), &["--institution", "H9"]);
    assert_rejected(&o, &dir.path().join("none"), &["--institution H9", "not an institution"]);
}

#[test]
fn a_taiwan_statement_with_an_unsafe_id_is_a_safe_file_and_escaped_text() {
    let dir = tempfile::tempdir().unwrap();
    let claims =
        format!("{HEADER}\n../<b>x,dental,east,2026-01,,1000,100,0,0,10\nA1,dental,east,2026-02,,3000,0,0,0,0\n");
    assert_ok(&settle(dir.path(), &claims, "sector,region,quarter,budget\ndental,east,2026Q1,3500\n", &[]));
    let quarter = dir.path().join("out");
    let out = dir.path().join("statements");
    assert_ok(&statement(&quarter, &out, &[]));
    let mut names: Vec<String> =
        std::fs::read_dir(&out).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    names.sort();
    assert_eq!(names, ["A1.html", "_2E._2F_3Cb_3Ex.html", "index.html"]);
    let page = std::fs::read_to_string(out.join("_2E._2F_3Cb_3Ex.html")).unwrap();
    assert!(page.contains("../&lt;b&gt;x") && !page.contains("<b>x"));
    let rows = table(&quarter.join("settlements.csv"));
    let row = rows.iter().find(|r| r["institution_id"] == "../<b>x").unwrap();
    let pool = &table(&quarter.join("point_values.csv"))[0];
    for (t, column, text) in figures(&page) {
        let source = if t == "point_values" { pool } else { row };
        assert_eq!(source[&column], text, "{t}.{column}");
    }
    assert!(page.contains("docs/settle.md, Arithmetic, step 6"));
    // a directory that is no settle output is refused
    let o = statement(&dir.path().join("claims.csv"), &dir.path().join("x"), &[]);
    assert_rejected(&o, &dir.path().join("x"), &["not an output of dianzhi"]);
}

#[test]
fn statements_render_and_print_a_page_per_pool() {
    if chromium().is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let demo_out = dir.path().join("demo");
    assert_ok(&dianzhi(&["demo", "--out", s(&demo_out), "--quiet"]));
    let shots = Path::new(env!("CARGO_TARGET_TMPDIR")).join("statement-pictures");
    std::fs::create_dir_all(&shots).unwrap();
    for (name, statements) in [("dip", demo_out.join("dip/statements")), ("taiwan", demo_out.join("statements"))] {
        let index = std::fs::read_to_string(statements.join("index.html")).unwrap();
        let first = index.split("href=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
        let page = statements.join(&first);
        let html = std::fs::read_to_string(&page).unwrap();
        let pools = html.matches("<section class=\"pool\">").count();
        // the step table stays inside the page: at 800 px nothing is drawn in the right margin
        let png = shots.join(format!("{name}.png"));
        render(&page, &png, 800, 1400);
        let ((w, _), inked, _) = picture(&png);
        assert!(inked > 0.02, "{name}: the page is blank");
        let margin = common::browser::column_inked(&png, w - 24..w);
        assert_eq!(margin, 0, "{name}: something is drawn in the right margin (a table wider than the page)");
        let pdf = shots.join(format!("{name}.pdf"));
        print_pdf(&page, &pdf);
        assert!(pdf_pages(&pdf) >= pools, "{name}: {} PDF pages for {pools} pools", pdf_pages(&pdf));
    }
}
