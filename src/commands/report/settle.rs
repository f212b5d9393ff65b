//! The report of a `settle` output: the fpv map per quarter, the pools with their institutions'
//! sums, the distribution of adjustments and the largest recoveries.

use std::path::Path;

use dianzhi_analysis::summary::{distinct, frame, left_join, numbers, smallest, sums_by};
use dianzhi_columnar::read::text_table::read_text_table;

use super::charts::{histogram, Palette};
use super::page::{frame_table, rows_table};
use super::{find_table, heatmap_of, read};
use crate::commands::lang::Lang;
use crate::failure::Result;

pub fn body(dir: &Path, lang: Lang) -> Result<String> {
    let l = |en, zh| lang.say(en, zh);
    let (pv_t, pv) = read(dir, "point_values")?;
    let mut body = String::new();
    let quarters = distinct(&pv, "quarter")?;
    body.push_str(l(
        "<h2>Floating point value, region × sector</h2>\n<p class=\"note\">fpv per pool; darker is higher. Empty: no value (no claims, no floating points, or infeasible).</p>\n",
        "<h2>浮动点值（分区 × 总额部门）</h2>\n<p class=\"note\">每个统筹池的浮动点值（fpv），颜色越深值越高。空格：无值（无申报、无浮动点数或无解）。</p>\n",
    ));
    body.push_str("<div class=\"charts\">");
    for q in &quarters {
        body.push_str(&heatmap_of(lang, &pv_t, &pv, ("quarter", q), ("region", "sector"), "fpv", Palette::Sequential)?);
    }
    body.push_str("</div>\n");
    body.push_str(l(
        "<h2>Pools</h2>\n<p class=\"note\">Each pool's budget, point values and residual (budget − charges − what is paid out), beside the exact sums over its institutions: what they are owed, what they were paid in interim, and the difference to pay (+) or recover (−).</p>\n",
        "<h2>统筹池</h2>\n<p class=\"note\">每个统筹池的预算、点值与余额（预算 − 预先扣除 − 已分配），以及其医疗机构的精确合计：应付金额、暂付金额、清算补差（正为补付，负为追回）。</p>\n",
    ));
    let pool_columns =
        ["sector", "region", "quarter", "institutions", "budget", "charges", "fpv", "apv", "residual", "status"];
    let settlements = find_table(dir, "settlements").map(|s| read_text_table(&s)).transpose()?;
    let Some(t) = settlements else {
        body.push_str(&rows_table(lang, &pv_t, &pool_columns, None));
        return Ok(body);
    };
    let f = frame(&t)?;
    let sums = sums_by(&f, &["sector", "region", "quarter"], &["payable", "interim_paid", "adjustment"])?;
    let pools = left_join(&pv, &sums, &["sector", "region", "quarter"])?;
    let mut columns = pool_columns.to_vec();
    columns.extend(["payable", "interim_paid", "adjustment"]);
    body.push_str(&frame_table(lang, &pools, &columns)?);
    body.push_str(l(
        "<h2>Distribution of adjustments</h2>\n<p class=\"note\">Institutions by their adjustment (payable − interim paid) as a share of what they are owed: right of zero the bureau pays the rest, left of it (orange) it recovers an overpayment.</p>\n",
        "<h2>清算补差分布</h2>\n<p class=\"note\">各医疗机构的清算补差（应付 − 暂付）占应付金额的比例：零的右侧由医保补付，左侧（橙色）为多付追回。</p>\n",
    ));
    let (adj, a_scale) = numbers(&f, "adjustment")?;
    let (payable, p_scale) = numbers(&f, "payable")?;
    let shares: Vec<f64> = adj
        .iter()
        .zip(&payable)
        .filter_map(|(a, p)| match (a, p) {
            (Some(a), Some(p)) if *p != 0 => {
                Some(*a as f64 / 10f64.powi(a_scale as i32) / (*p as f64 / 10f64.powi(p_scale as i32)) * 100.0)
            }
            _ => None,
        })
        .collect();
    body.push_str(&histogram(&shares, l("adjustment / payable", "清算补差 / 应付金额"), lang));
    body.push_str(l("<h2>Largest recoveries</h2>\n", "<h2>追回金额最大的机构</h2>\n"));
    let low = smallest(&f, "adjustment", 10)?;
    let (v, _) = numbers(&low, "adjustment")?;
    let keep = v.iter().take_while(|x| x.is_some_and(|x| x < 0)).count();
    if keep == 0 {
        body.push_str(l(
            "<p class=\"note\">No institution has money to pay back.</p>\n",
            "<p class=\"note\">没有需要追回的机构。</p>\n",
        ));
    } else {
        body.push_str(&frame_table(
            lang,
            &low.head(keep),
            &["institution_id", "sector", "region", "quarter", "payable", "interim_paid", "adjustment"],
        )?);
    }
    Ok(body)
}
