//! `dianzhi report A B C … --out FILE.html`: the point values of several outputs of one kind
//! (quarters of `settle`, years of `dip settle`) side by side — each region's trend, a line per
//! sector or fund, and a table of each pool's change from the period before and from the same
//! period a year before (docs/analysts.md).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use dianzhi_core::number::{format_fixed, parse_decimal, Dec};

use super::charts::{trend, TrendLine};
use super::page::table;
use super::{find_table, kind};
use crate::commands::lang::Lang;
use crate::failure::{Failure, Result};
use dianzhi_columnar::read::text_table::read_text_table;

/// What a pool is keyed by in each kind of output.
struct View {
    line: &'static str,
    period: &'static str,
    value: &'static str,
}

/// A pool's value in one period: fixed point at 4 decimals, and the text the table holds.
type Value = (Option<i128>, String);

/// The trends page's title and body for `dirs` (two or more outputs of one kind).
pub fn body(dirs: &[PathBuf], lang: Lang) -> Result<(&'static str, String)> {
    let mut kinds = Vec::new();
    for dir in dirs {
        if !dir.is_dir() {
            return Err(Failure::input(format!(
                "{}: not a directory; a trend reads settle or dip settle outputs",
                dir.display()
            )));
        }
        kinds.push(kind(dir)?);
    }
    let first = kinds[0];
    if let Some((dir, k)) =
        dirs.iter().zip(&kinds).find(|(_, k)| **k != first || !matches!(**k, "settle" | "dip settle"))
    {
        return Err(Failure::input(format!(
            "{}: a {k} output; a trend sets outputs of one kind side by side: settle outputs (quarters) or dip settle outputs (years)",
            dir.display()
        )));
    }
    let (title, view) = if first == "settle" {
        (
            lang.say("Point values over the quarters", "各季度点值走势"),
            View { line: "sector", period: "quarter", value: "fpv" },
        )
    } else {
        (lang.say("Point values over the years", "各年度点值走势"), View { line: "fund", period: "year", value: "pv" })
    };
    // (region, line) → period → value, each period from one output only
    let mut pools: BTreeMap<(String, String), BTreeMap<String, Value>> = BTreeMap::new();
    let mut from: BTreeMap<String, &Path> = BTreeMap::new();
    for dir in dirs {
        let source = find_table(dir, "point_values")
            .ok_or_else(|| Failure::input(format!("{}: has no point_values table", dir.display())))?;
        let t = read_text_table(&source)?;
        let col = |name: &str| {
            t.column(name).ok_or_else(|| Failure::input(format!("{}: has no {name} column", source.path.display())))
        };
        let (region, line, period, value) = (col("region")?, col(view.line)?, col(view.period)?, col(view.value)?);
        for i in 0..t.rows() {
            let text = |c: &[Option<String>]| c[i].clone().unwrap_or_default();
            let p = text(period);
            if let Some(other) = from.get(&p).filter(|d| **d != dir.as_path()) {
                return Err(Failure::input(format!(
                    "{} {p} is in {} and in {}: give each period once",
                    view.period,
                    other.display(),
                    dir.display()
                )));
            }
            from.insert(p.clone(), dir);
            let fixed =
                value[i].as_deref().and_then(|v| parse_decimal(v).ok()).and_then(|d| Dec::from(d).rescale_exact(4));
            pools.entry((text(region), text(line))).or_default().insert(p, (fixed, text(value)));
        }
    }
    let periods: Vec<String> = from.keys().cloned().collect();
    let (first_p, last_p, n) = (&periods[0], &periods[periods.len() - 1], dirs.len());
    let (v, p, l) = (view.value, view.period, view.line);
    let mut html = match lang {
        Lang::En => format!(
            "<h2>{title}</h2>\n<p class=\"note\">{v} of each pool per {p}, a chart per region and a line per {l}; each chart's axis spans its own values (it does not start at 0). From {n} outputs: {first_p} to {last_p}.</p>\n"
        ),
        Lang::Zh => format!(
            "<h2>{title}</h2>\n<p class=\"note\">每个统筹池各{p_zh}的 {v}，每个统筹区一张图、每个{l_zh}一条线；各图坐标轴按其自身数值范围（不从 0 起）。来自 {n} 个输出：{first_p} 至 {last_p}。</p>\n",
            p_zh = lang.column(p),
            l_zh = lang.column(l),
        ),
    };
    html.push_str("<div class=\"charts\">");
    let mut regions: BTreeMap<&str, Vec<TrendLine>> = BTreeMap::new();
    for ((region, line), values) in &pools {
        let points = periods
            .iter()
            .map(|p| match values.get(p) {
                Some((Some(v), shown)) => Some((*v as f64 / 1e4, shown.clone())),
                _ => None,
            })
            .collect();
        regions.entry(region).or_default().push(TrendLine { name: line.clone(), points });
    }
    for (region, lines) in &regions {
        html.push_str(&trend(region, &periods, lines, lang));
    }
    html.push_str("</div>\n");
    html.push_str(&match lang {
        Lang::En => format!(
            "<h2>Changes</h2>\n<p class=\"note\">Each pool's {v} and its change from the {p} before it (of those given) and from the same {p} a year before, exact to the table's 4 decimals.</p>\n"
        ),
        Lang::Zh => format!(
            "<h2>变化</h2>\n<p class=\"note\">每个统筹池的 {v}，及其较上一{p_zh}（所给输出中）和较上年同期的变化，精确到表中的 4 位小数。</p>\n",
            p_zh = lang.column(p),
        ),
    });
    let year_before = |p: &str| -> Option<String> {
        let (year, rest) = p.split_at(4.min(p.len()));
        let year: i32 = year.parse().ok()?;
        Some(format!("{}{rest}", year - 1))
    };
    let change = |now: Option<i128>, then: Option<&Value>| -> (String, &'static str) {
        match (now, then.and_then(|t| t.0)) {
            (Some(a), Some(b)) => {
                let d = a - b;
                let class = if d < 0 {
                    "n warn"
                } else if d > 0 {
                    "n ok"
                } else {
                    "n"
                };
                (format!("{}{}", if d > 0 { "+" } else { "" }, format_fixed(d, 4)), class)
            }
            _ => (String::new(), "n"),
        }
    };
    let header = [
        "region",
        view.line,
        view.period,
        view.value,
        lang.say("from the period before", "上一期"),
        lang.say("change", "环比变化"),
        lang.say("from a year before", "上年同期"),
        lang.say("change ", "同比变化"),
    ];
    let mut rows = Vec::new();
    for ((region, line), values) in &pools {
        for (k, p) in periods.iter().enumerate() {
            let Some((now, shown)) = values.get(p) else { continue };
            let before = periods[..k].iter().rev().find(|q| values.contains_key(*q));
            let last_year = year_before(p).filter(|q| values.contains_key(q));
            let (d1, c1) = change(*now, before.and_then(|q| values.get(q)));
            let (d2, c2) = change(*now, last_year.as_ref().and_then(|q| values.get(q)));
            rows.push(vec![
                (region.clone(), ""),
                (line.clone(), ""),
                (p.clone(), ""),
                (shown.clone(), "n"),
                (before.cloned().unwrap_or_default(), ""),
                (d1, c1),
                (last_year.unwrap_or_default(), ""),
                (d2, c2),
            ]);
        }
    }
    html.push_str(&table(lang, &header, rows.into_iter()));
    Ok((title, html))
}
