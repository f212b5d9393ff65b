//! The report of a `settle` output: the fpv map per quarter, the pools with their institutions'
//! sums, the distribution of adjustments and the largest recoveries.

use std::path::Path;

use dianzhi_analysis::summary::{distinct, frame, left_join, numbers, smallest, sums_by};
use dianzhi_columnar::read::text_table::read_text_table;

use super::charts::{histogram, Palette};
use super::page::{frame_table, rows_table};
use super::{find_table, heatmap_of, read};
use crate::failure::Result;

pub fn body(dir: &Path) -> Result<String> {
    let (pv_t, pv) = read(dir, "point_values")?;
    let mut body = String::new();
    let quarters = distinct(&pv, "quarter")?;
    body.push_str("<h2>Floating point value, region × sector</h2>\n<p class=\"note\">fpv per pool; darker is higher. Empty: no value (no claims, no floating points, or infeasible).</p>\n<div class=\"charts\">");
    for q in &quarters {
        body.push_str(&heatmap_of(&pv_t, &pv, ("quarter", q), ("region", "sector"), "fpv", Palette::Sequential)?);
    }
    body.push_str("</div>\n<h2>Pools</h2>\n<p class=\"note\">Each pool's budget, point values and residual (budget − charges − what is paid out), beside the exact sums over its institutions: what they are owed, what they were paid in interim, and the difference to pay (+) or recover (−).</p>\n");
    let pool_columns =
        ["sector", "region", "quarter", "institutions", "budget", "charges", "fpv", "apv", "residual", "status"];
    let settlements = find_table(dir, "settlements").map(|s| read_text_table(&s)).transpose()?;
    let Some(t) = settlements else {
        body.push_str(&rows_table(&pv_t, &pool_columns, None));
        return Ok(body);
    };
    let f = frame(&t)?;
    let sums = sums_by(&f, &["sector", "region", "quarter"], &["payable", "interim_paid", "adjustment"])?;
    let pools = left_join(&pv, &sums, &["sector", "region", "quarter"])?;
    let mut columns = pool_columns.to_vec();
    columns.extend(["payable", "interim_paid", "adjustment"]);
    body.push_str(&frame_table(&pools, &columns)?);
    body.push_str("<h2>Distribution of adjustments</h2>\n<p class=\"note\">Institutions by their adjustment (payable − interim paid) as a share of what they are owed: right of zero the bureau pays the rest, left of it (orange) it recovers an overpayment.</p>\n");
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
    body.push_str(&histogram(&shares, "adjustment / payable"));
    body.push_str("<h2>Largest recoveries</h2>\n");
    let low = smallest(&f, "adjustment", 10)?;
    let (v, _) = numbers(&low, "adjustment")?;
    let keep = v.iter().take_while(|x| x.is_some_and(|x| x < 0)).count();
    if keep == 0 {
        body.push_str("<p class=\"note\">No institution has money to pay back.</p>\n");
    } else {
        body.push_str(&frame_table(
            &low.head(keep),
            &["institution_id", "sector", "region", "quarter", "payable", "interim_paid", "adjustment"],
        )?);
    }
    Ok(body)
}
