//! The statement pages: one institution's pools, each a table of steps (what, the figures, the
//! rule), printable on A4 (a page per pool), no script, every text escaped. Each figure carries
//! the column it is the text of (`data-column`), so that a reader — or a test — can find it in
//! the output table.

use std::fmt::Write as _;

use crate::commands::export::safe_name;
pub use crate::commands::report::page::esc;
pub use crate::commands::report::page::esc as esc_text;

pub use crate::commands::lang::Lang;

/// A figure of a step: the text of `column` in the output table `table`.
pub struct Figure {
    pub table: &'static str,
    pub column: &'static str,
    pub text: String,
}

/// The figures of one row of an output table, by column.
pub fn figures_of<'a>(table: &'static str, row: &'a super::Row<'a>) -> impl Fn(&'static str) -> Figure + 'a {
    move |column| Figure { table, column, text: row.get(column).to_string() }
}

/// One step: its label, figures and the rule it follows.
pub struct Step {
    pub label: String,
    pub figures: Vec<(String, Figure)>,
    pub rule: String,
}

/// One pool on an institution's page.
pub struct Section {
    pub title: String,
    /// The pool's own figures, then the institution's.
    pub steps: Vec<Step>,
    /// Tables after the steps (corridor bands, the largest losses), already HTML.
    pub after: String,
    /// The institution's adjustment in this pool, as its table writes it.
    pub adjustment: String,
}

/// An institution's page.
pub struct Page {
    pub institution: String,
    pub title: String,
    pub sections: Vec<Section>,
}

const STYLE: &str = r#"
body { font-family: "Noto Sans CJK SC", "WenQuanYi Zen Hei", "PingFang SC", "Microsoft YaHei", system-ui, sans-serif; margin: 24px 32px; color: #1f2933; background: #fff; max-width: 960px; }
h1 { font-size: 20px; margin: 0 0 4px 0; }
h2 { font-size: 16px; margin: 22px 0 6px 0; border-bottom: 1px solid #d9e2ec; padding-bottom: 4px; }
h3 { font-size: 14px; margin: 14px 0 4px 0; }
p.note { color: #52606d; font-size: 12px; margin: 4px 0 10px 0; }
table { border-collapse: collapse; font-size: 12px; margin: 4px 0 10px 0; width: 100%; table-layout: fixed; }
th, td { padding: 3px 7px; border-bottom: 1px solid #e4e7eb; text-align: left; vertical-align: top; overflow-wrap: anywhere; }
th { background: #f0f4f8; font-weight: 600; }
table.steps col.n { width: 5%; } table.steps col.what { width: 30%; } table.steps col.figures { width: 40%; } table.steps col.rule { width: 25%; }
td.n, span.v { font-variant-numeric: tabular-nums; }
span.v { font-weight: 600; }
span.k { color: #52606d; font-size: 11px; }
td.rule { color: #52606d; font-size: 11px; }
tr.result td { background: #f7fafc; }
td.n, td.num { text-align: right; font-variant-numeric: tabular-nums; }
@page { size: A4; margin: 14mm; }
@media print {
  body { margin: 0; max-width: none; }
  section.pool + section.pool { break-before: page; }
  tr { break-inside: avoid; }
  h2, h3 { break-after: avoid-page; }
  div.block { break-inside: avoid; }
}
"#;

fn document(lang: Lang, title: &str, body: &str) -> String {
    format!(
        r#"<!DOCTYPE html>
<html lang="{code}">
<head>
<meta charset="utf-8">
<meta name="generator" content="dianzhi">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>{title}</title>
<style>{STYLE}</style>
</head>
<body>
{body}
</body>
</html>
"#,
        code = lang.code(),
        title = esc(title),
    )
}

impl Page {
    /// The page as HTML.
    pub fn html(&self, source: &str, lang: Lang) -> String {
        let mut body = format!(
            "<h1>{}</h1>\n<p class=\"note\">{}</p>\n<p class=\"note\">{}</p>\n",
            esc(&self.title),
            esc(source),
            esc(lang.say(
                "Every figure is the text of the output table's column named beside it; each step names the rule it follows.",
                "每个数字均为输出表中所注列的原文；每一步注明所依据的规则。"
            ))
        );
        for s in &self.sections {
            let _ = write!(body, "<section class=\"pool\">\n<h2>{}</h2>\n", esc(&s.title));
            body.push_str(&steps_table(&s.steps, lang));
            body.push_str(&s.after);
            body.push_str("</section>\n");
        }
        document(lang, &self.title, &body)
    }
}

fn steps_table(steps: &[Step], lang: Lang) -> String {
    let mut html = format!(
        "<table class=\"steps\"><colgroup><col class=\"n\"><col class=\"what\"><col class=\"figures\"><col class=\"rule\"></colgroup>\n<tr><th>#</th><th>{}</th><th>{}</th><th>{}</th></tr>\n",
        lang.say("step", "步骤"),
        lang.say("figures", "数值"),
        lang.say("rule", "规则")
    );
    for (i, s) in steps.iter().enumerate() {
        let figures: Vec<String> = s
            .figures
            .iter()
            .map(|(name, f)| {
                format!(
                    "{} <span class=\"v\" data-table=\"{}\" data-column=\"{}\">{}</span> <span class=\"k\">{}</span>",
                    esc(name),
                    f.table,
                    esc(f.column),
                    esc(&f.text),
                    esc(f.column)
                )
            })
            .collect();
        let _ = writeln!(
            html,
            "<tr><td class=\"n\">{}</td><td>{}</td><td>{}</td><td class=\"rule\">{}</td></tr>",
            i + 1,
            esc(&s.label),
            figures.join("<br>"),
            esc(&s.rule)
        );
    }
    html.push_str("</table>\n");
    html
}

/// A small table of texts (header, rows; numbers right-aligned where `numeric`), written by the
/// report's table writer; the header as given (the statement's callers say it in its language).
pub fn table(header: &[&str], rows: &[Vec<String>], numeric: &[bool]) -> String {
    let cells = rows.iter().map(|r| {
        r.iter()
            .enumerate()
            .map(|(i, c)| (c.clone(), if numeric.get(i).copied().unwrap_or(false) { "n" } else { "" }))
            .collect()
    });
    crate::commands::report::page::table_as_written(header, cells)
}

/// The index: each institution, its pools and its adjustment in each, linked to its page.
pub fn index(pages: &[Page], source: &str, lang: Lang) -> String {
    let title = lang.say("Statements of clearing", "清算通知");
    let mut body = format!("<h1>{}</h1>\n<p class=\"note\">{}</p>\n", esc(title), esc(source));
    body.push_str(&format!(
        "<table><tr><th>{}</th><th>{}</th><th>{}</th></tr>\n",
        lang.say("institution", "医疗机构"),
        lang.say("pool", "统筹池"),
        lang.say("adjustment (to pay + / recover −)", "清算补差（应付为正、应收回为负）")
    ));
    for p in pages {
        for (i, s) in p.sections.iter().enumerate() {
            let who = if i == 0 {
                format!("<a href=\"{}.html\">{}</a>", esc(&safe_name(&p.institution)), esc(&p.institution))
            } else {
                String::new()
            };
            let _ = writeln!(
                body,
                "<tr><td>{who}</td><td>{}</td><td class=\"num\" data-column=\"adjustment\">{}</td></tr>",
                esc(&s.title),
                esc(&s.adjustment)
            );
        }
    }
    body.push_str("</table>\n");
    document(lang, title, &body)
}
