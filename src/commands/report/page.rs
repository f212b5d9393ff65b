//! The page around the charts (its style: no script, no font fetched) and the HTML tables of
//! the report; every text from the data goes through [`esc`].

use std::fmt::Write as _;

use dianzhi_analysis::summary::Summary;
use dianzhi_columnar::read::text_table::TextTable;

use crate::commands::lang::Lang;
use crate::failure::{Failure, Result};

/// Escapes a text for HTML and SVG (element content and quoted attributes).
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The whole page: its title, the source it reports on, and the body (already HTML).
pub fn page(lang: Lang, title: &str, source: &str, body: &str) -> String {
    format!(
        r#"<!DOCTYPE html>
<html lang="{code}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="dianzhi">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>dianzhi · {title}</title>
<style>
body {{ font-family: "Noto Sans CJK SC", "WenQuanYi Zen Hei", "PingFang SC", "Microsoft YaHei", system-ui, sans-serif; margin: 24px 32px; color: #1f2933; background: #fff; max-width: 1180px; }}
h1 {{ font-size: 22px; margin: 0 0 4px 0; }}
h2 {{ font-size: 17px; margin: 28px 0 8px 0; border-bottom: 1px solid #d9e2ec; padding-bottom: 4px; }}
p.note {{ color: #52606d; font-size: 13px; margin: 4px 0 10px 0; }}
table {{ border-collapse: collapse; font-size: 12.5px; margin: 6px 0 12px 0; }}
th, td {{ padding: 3px 9px; border-bottom: 1px solid #e4e7eb; text-align: left; white-space: nowrap; }}
th {{ background: #f0f4f8; font-weight: 600; vertical-align: bottom; }}
th span.col {{ display: block; font-weight: 400; font-size: 10.5px; color: #7b8794; }}
td.n {{ text-align: right; font-variant-numeric: tabular-nums; }}
.ok {{ color: #1f7a4d; }} .warn {{ color: #b44d12; font-weight: 600; }}
.charts {{ display: flex; flex-wrap: wrap; gap: 18px; align-items: flex-start; }}
svg text {{ font-family: inherit; }}
/* in print a wide table wraps its headers and shrinks its type rather than lose its last columns;
   a chart is not cut across pages */
@media print {{
  body {{ margin: 0; max-width: none; }}
  table {{ font-size: 9px; width: 100%; }}
  th {{ white-space: normal; }}
  div {{ overflow: visible !important; }}
  th, td {{ padding: 2px 4px; }}
  svg {{ break-inside: avoid; max-width: 100%; height: auto; }}
  h2 {{ break-after: avoid; }}
}}
</style>
</head>
<body>
<h1>dianzhi · {title}</h1>
<p class="note">{source}</p>
{body}
</body>
</html>
"#,
        code = lang.code(),
        title = esc(title),
        source = esc(source),
        body = body
    )
}

/// Some columns of a text table as an HTML table (numbers right-aligned, status marked).
pub fn rows_table(lang: Lang, t: &TextTable, columns: &[&str], rows: Option<&[usize]>) -> String {
    let present: Vec<(&str, &[Option<String>])> = columns.iter().filter_map(|c| t.column(c).map(|v| (*c, v))).collect();
    let mut html = String::from("<table><tr>");
    for (c, _) in &present {
        let _ = write!(html, "<th>{}</th>", th_text(lang, c));
    }
    html.push_str("</tr>\n");
    let all: Vec<usize> = (0..t.rows()).collect();
    for &i in rows.unwrap_or(&all) {
        html.push_str("<tr>");
        for (c, v) in &present {
            html.push_str(&cell(c, v[i].as_deref().unwrap_or("")));
        }
        html.push_str("</tr>\n");
    }
    html.push_str("</table>\n");
    html
}

fn cell(column: &str, v: &str) -> String {
    if column == "status" {
        let class = if v == "ok" { "ok" } else { "warn" };
        return format!("<td class=\"{class}\">{}</td>", esc(v));
    }
    // a raised flag stands out (a pool ahead of its year, a hospital over its scores)
    if column.ends_with("flag") && !v.is_empty() {
        return format!("<td class=\"warn\">{}</td>", esc(v));
    }
    if is_decimal(v) && !["quarter", "year", "month", "institution_id"].contains(&column) {
        // an effect reads at 4 decimals; its exact value (18 decimals) is the cell's hover title
        let (frac, exact) = (v.split_once('.').map_or(0, |(_, f)| f.len()), column.ends_with("_effect"));
        if exact && frac > 4 {
            return format!("<td class=\"n\" title=\"{}\">{}</td>", esc(v), esc(&grouped(&rounded4(v))));
        }
        format!("<td class=\"n\">{}</td>", esc(&grouped(v)))
    } else {
        format!("<td>{}</td>", esc(v))
    }
}

/// Whether a text is a plain decimal (`-12.50`, `7`): what is shown grouped and right-aligned; a
/// month (`2026-02`) or a code is not.
fn is_decimal(v: &str) -> bool {
    let digits = v.strip_prefix('-').unwrap_or(v);
    let (int, frac) = digits.split_once('.').unwrap_or((digits, "0"));
    !int.is_empty() && !frac.is_empty() && int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit())
}

/// Some columns of a frame as an HTML table.
pub fn frame_table(lang: Lang, f: &Summary, columns: &[&str]) -> Result<String> {
    let cols = columns.iter().map(|c| f.cells(c).map_err(Failure::other)).collect::<Result<Vec<_>>>()?;
    let mut html = String::from("<table><tr>");
    for c in columns {
        let _ = write!(html, "<th>{}</th>", th_text(lang, c));
    }
    html.push_str("</tr>\n");
    for i in 0..f.height() {
        html.push_str("<tr>");
        for (c, v) in columns.iter().zip(&cols) {
            html.push_str(&cell(c, &v[i]));
        }
        html.push_str("</tr>\n");
    }
    html.push_str("</table>\n");
    Ok(html)
}

/// A column header, escaped, that may wrap after each `_` (in print, where a wide table wraps its
/// headers; on screen headers stay on one line). In Chinese the column's label, with its name
/// below it (the name scripts know the column by); a header that is no column name, as it is.
fn th_text(lang: Lang, name: &str) -> String {
    let wrapped = |s: &str| esc(s).replace('_', "_<wbr>");
    match (lang, crate::commands::lang::column_label(name)) {
        (Lang::Zh, Some(label)) => format!("{}<span class=\"col\">{}</span>", esc(label), wrapped(name)),
        _ => wrapped(name),
    }
}

/// A cell of an HTML table: its text (escaped when written) and its class (`""` for none).
pub type Td = (String, &'static str);

/// An HTML table of a fixed header and rows of cells, every text escaped; a header that is a
/// column's name is labelled as the tables' columns are.
pub fn table(lang: Lang, header: &[&str], rows: impl Iterator<Item = Vec<Td>>) -> String {
    table_of(lang, header, rows, true)
}

/// [`table`] with every text as written (a statement shows each figure as its table writes it).
pub fn table_as_written(header: &[&str], rows: impl Iterator<Item = Vec<Td>>) -> String {
    table_of(Lang::En, header, rows, false)
}

fn table_of(lang: Lang, header: &[&str], rows: impl Iterator<Item = Vec<Td>>, group: bool) -> String {
    let mut html = String::from("<table><tr>");
    for h in header {
        let _ = write!(html, "<th>{}</th>", th_text(lang, h));
    }
    html.push_str("</tr>\n");
    for row in rows {
        html.push_str("<tr>");
        for (text, class) in row {
            if class.is_empty() {
                let _ = write!(html, "<td>{}</td>", esc(&text));
            } else {
                // a number reads in groups of three, as in the tables' own rows
                let number = group && class.split(' ').any(|c| c == "n") && is_decimal(&text);
                let text = if number { grouped(&text) } else { text };
                let _ = write!(html, "<td class=\"{class}\">{}</td>", esc(&text));
            }
        }
        html.push_str("</tr>\n");
    }
    html.push_str("</table>\n");
    html
}

/// A plain decimal text with its integer digits in groups of three (`1515868092.50` →
/// `1,515,868,092.50`); the digits themselves unchanged.
pub fn grouped(v: &str) -> String {
    let (sign, digits) = v.strip_prefix('-').map_or(("", v), |d| ("-", d));
    let (int, frac) = digits.split_once('.').map_or((digits, None), |(i, f)| (i, Some(f)));
    let mut out = String::with_capacity(v.len() + int.len() / 3);
    out.push_str(sign);
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if let Some(f) = frac {
        out.push('.');
        out.push_str(f);
    }
    out
}

/// A decimal text shown at 4 decimals (for reading only: the exact text is the cell's title).
fn rounded4(v: &str) -> String {
    dianzhi_core::number::parse_decimal(v).map_or_else(|_| v.to_string(), |d| format!("{d:.4}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_in_groups_of_three_and_effects_at_four_decimals() {
        assert_eq!(grouped("1515868092"), "1,515,868,092");
        assert_eq!(grouped("-1206553215.10"), "-1,206,553,215.10");
        assert_eq!(grouped("999.5"), "999.5");
        assert_eq!(grouped("0.872500000000000000"), "0.872500000000000000");
        assert_eq!(
            cell("budget_effect", "-0.137845678901234567"),
            "<td class=\"n\" title=\"-0.137845678901234567\">-0.1378</td>"
        );
        assert_eq!(cell("budget_effect", "0.5"), "<td class=\"n\">0.5</td>");
        assert_eq!(cell("budget", "1765546.52"), "<td class=\"n\">1,765,546.52</td>");
        assert_eq!(cell("year", "2026"), "<td>2026</td>");
        // a month is no number, wherever it stands
        assert_eq!(cell("month", "2026-02"), "<td>2026-02</td>");
        assert_eq!(cell("period", "2026-02"), "<td>2026-02</td>");
        assert_eq!(cell("kept", "-38535.78"), "<td class=\"n\">-38,535.78</td>");
    }

    #[test]
    fn chinese_headers_keep_the_column_name_below_the_label() {
        assert_eq!(th_text(Lang::Zh, "pv_exact"), "点值（精确）<span class=\"col\">pv_<wbr>exact</span>");
        assert_eq!(th_text(Lang::En, "pv_exact"), "pv_<wbr>exact");
        assert_eq!(th_text(Lang::Zh, "Σ <b>"), "Σ &lt;b&gt;");
    }
}
