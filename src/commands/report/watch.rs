//! The report of a `dip presettle` output: the execution watch of the month — each pool's share
//! of its budget used against the year's time elapsed (序时进度), with its level and pace flags,
//! and the hospitals the watch flags.

use std::path::Path;

use super::page::rows_table;
use super::read;
use crate::failure::Result;

pub fn body(dir: &Path) -> Result<String> {
    let (pools, _) = read(dir, "execution_pools")?;
    let mut body = String::new();
    body.push_str(
        "<h2>Pools: budget used against time elapsed</h2>\n<p class=\"note\">share = (paid + withheld to date) / budget; \
         elapsed = the month / 12; pace = share / elapsed. <b>flag</b> is the level reached (blue, yellow 80%, red 100% of the budget); \
         <b>pace_flag</b> marks a pool running ahead of the year (yellow at pace ≥ 1.05, red at ≥ 1.1, as configured): a pool at 26% of \
         its budget in March is ahead of time, though far from any level.</p>\n<div style=\"overflow-x: auto\">",
    );
    body.push_str(&rows_table(
        &pools,
        &[
            "region",
            "fund",
            "year",
            "month",
            "budget",
            "paid_to_date",
            "withheld_to_date",
            "share",
            "flag",
            "elapsed",
            "pace",
            "pace_flag",
        ],
        None,
    ));
    body.push_str("</div>\n");
    if let Ok((hospitals, _)) = read(dir, "execution_hospitals") {
        let flagged: Vec<usize> = (0..hospitals.rows())
            .filter(|&i| {
                ["flag", "cost_flag", "exam_flag"]
                    .iter()
                    .any(|c| hospitals.column(c).and_then(|v| v[i].as_deref()).is_some_and(|v| !v.is_empty()))
            })
            .collect();
        body.push_str(&format!(
            "<h2>Hospitals the watch flags ({} of {})</h2>\n<p class=\"note\">over: items above the scores' value at the published point \
             value; high cost growth against last year; high exam and lab share of the cost.</p>\n<div style=\"overflow-x: auto\">",
            flagged.len(),
            hospitals.rows()
        ));
        body.push_str(&rows_table(
            &hospitals,
            &[
                "institution_id",
                "region",
                "fund",
                "item_to_date",
                "score_value_to_date",
                "ratio",
                "flag",
                "cost_growth",
                "cost_flag",
                "exam_share",
                "exam_flag",
            ],
            Some(&flagged),
        ));
        body.push_str("</div>\n");
    }
    Ok(body)
}
