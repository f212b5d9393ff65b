//! The report of a `compare --out` output: what differs between A and B, counted by table and
//! column, the rows found on one side only, and the largest differences with their keys.

use std::collections::BTreeMap;
use std::path::Path;

use dianzhi_columnar::read::text_table::read_text_table;
use dianzhi_core::number::{format_fixed, parse_decimal, Dec};

use super::find_table;
use super::page::{grouped, table};
use crate::commands::lang::Lang;
use crate::failure::{Failure, Result};

/// Differences listed on the page, the largest first; the table holds them all.
const LISTED: usize = 50;

pub fn body(dir: &Path, lang: Lang) -> Result<String> {
    let l = |en, zh| lang.say(en, zh);
    let source = find_table(dir, "differences")
        .ok_or_else(|| Failure::input(format!("{}: has no differences table (.parquet or .csv)", dir.display())))?;
    let t = read_text_table(&source)?;
    let col = |name: &str| {
        t.column(name).ok_or_else(|| Failure::input(format!("{}: has no {name} column", source.path.display())))
    };
    let (tables, columns, a, b, delta, kind) =
        (col("table")?, col("column")?, col("a")?, col("b")?, col("delta")?, col("kind")?);
    let fixed = |v: &Option<String>| {
        v.as_deref().and_then(|v| parse_decimal(v).ok()).and_then(|d| Dec::from(d).rescale_exact(18))
    };
    // the key columns are those between `table` and `column`
    let keys: Vec<&str> = t
        .names
        .iter()
        .map(String::as_str)
        .skip_while(|n| *n != "table")
        .skip(1)
        .take_while(|n| *n != "column")
        .collect();
    let text = |c: &[Option<String>], i: usize| c[i].clone().unwrap_or_default();
    if t.rows() == 0 {
        return Ok(l(
            "<h2>A and B agree</h2>\n<p class=\"note\">The differences table has no rows: every table, row and value is the same (within the tolerance the comparison was run with).</p>\n",
            "<h2>甲乙两方一致</h2>\n<p class=\"note\">差异表没有行：每张表、每一行、每个值都相同（在比对所用的容差之内）。</p>\n",
        )
        .into());
    }
    // per (table, column): how many differ and the largest |delta|; per table: rows on one side
    let mut by_column: BTreeMap<(String, String), (usize, Option<i128>)> = BTreeMap::new();
    let mut one_side: BTreeMap<(String, String), usize> = BTreeMap::new();
    for (i, change) in delta.iter().enumerate() {
        let k = text(kind, i);
        if k == "differs" {
            let e = by_column.entry((text(tables, i), text(columns, i))).or_default();
            e.0 += 1;
            if let Some(d) = fixed(change).map(i128::abs) {
                e.1 = Some(e.1.map_or(d, |m: i128| m.max(d)));
            }
        } else {
            *one_side.entry((text(tables, i), k)).or_default() += 1;
        }
    }
    let max = |m: Option<i128>| m.map(|m| trimmed(format_fixed(m, 18))).unwrap_or_default();
    let mut html = match lang {
        Lang::En => format!(
            "<h2>What differs</h2>\n<p class=\"note\">{} difference(s) between A and B: values that differ, counted by table and column with the largest absolute difference, and rows found in one of them only. The differences table lists every one.</p>\n",
            grouped(&t.rows().to_string())
        ),
        Lang::Zh => format!(
            "<h2>差异所在</h2>\n<p class=\"note\">甲乙两方共 {} 处差异：按表和列统计取值不同的行数及最大绝对差，以及只在一方出现的行。差异表逐条列出全部差异。</p>\n",
            grouped(&t.rows().to_string())
        ),
    };
    if !by_column.is_empty() {
        html.push_str(&table(
            lang,
            &["table", "column", l("rows that differ", "取值不同的行数"), l("largest |delta|", "最大 |差值|")],
            by_column.iter().map(|((tb, c), (n, m))| {
                vec![(tb.clone(), ""), (c.clone(), ""), (grouped(&n.to_string()), "n"), (max(*m), "n")]
            }),
        ));
    }
    if !one_side.is_empty() {
        html.push_str(l(
            "<h2>Rows on one side only</h2>\n<p class=\"note\">Rows whose keys are in A only or in B only (a pool or provider the other run does not have, or a period that differs: <code>compare --on</code> joins on chosen keys).</p>\n",
            "<h2>只在一方出现的行</h2>\n<p class=\"note\">键只在甲方或只在乙方出现的行（另一方没有的统筹池或机构，或期间不同：<code>compare --on</code> 可指定连接的键）。</p>\n",
        ));
        html.push_str(&table(
            lang,
            &["table", "kind", l("rows", "行数")],
            one_side.iter().map(|((tb, k), n)| vec![(tb.clone(), ""), (k.clone(), ""), (grouped(&n.to_string()), "n")]),
        ));
    }
    // the largest differences, with their keys
    let mut differs: Vec<(i128, usize)> = (0..t.rows())
        .filter(|i| text(kind, *i) == "differs")
        .map(|i| (fixed(&delta[i]).map_or(0, i128::abs), i))
        .collect();
    differs.sort_by(|x, y| y.0.cmp(&x.0).then(x.1.cmp(&y.1)));
    if !differs.is_empty() {
        html.push_str(&match lang {
            Lang::En => format!(
                "<h2>The largest differences</h2>\n<p class=\"note\">The {} largest by |delta| (texts that differ have none and come last), with the keys that name their row.</p>\n",
                LISTED.min(differs.len())
            ),
            Lang::Zh => format!(
                "<h2>最大的差异</h2>\n<p class=\"note\">按 |差值| 排列的前 {} 条（文字不同的没有差值，排在最后），附标识其所在行的键。</p>\n",
                LISTED.min(differs.len())
            ),
        });
        let mut header = vec!["table"];
        header.extend(keys.iter().copied());
        header.extend(["column", "a", "b", "delta"]);
        let key_cols: Vec<&[Option<String>]> = keys.iter().filter_map(|k| t.column(k)).collect();
        html.push_str(&table(
            lang,
            &header,
            differs.iter().take(LISTED).map(|(_, i)| {
                let mut row = vec![(text(tables, *i), "")];
                row.extend(key_cols.iter().map(|c| (text(c, *i), "")));
                let d = text(delta, *i);
                let class = if d.starts_with('-') { "n warn" } else { "n" };
                row.extend([(text(columns, *i), ""), (text(a, *i), "n"), (text(b, *i), "n"), (d, class)]);
                row
            }),
        ));
    }
    Ok(html)
}

/// A decimal without the zeros after its last digit (and without a bare point).
fn trimmed(s: String) -> String {
    if !s.contains('.') {
        return s;
    }
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}
