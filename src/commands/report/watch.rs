//! The report of a `dip presettle` output: the execution watch of the month — each pool's share
//! of its budget used against the year's time elapsed (序时进度), with its level and pace flags,
//! and the hospitals the watch flags.

use std::path::Path;

use super::page::rows_table;
use super::read;
use crate::commands::lang::Lang;
use crate::failure::Result;

pub fn body(dir: &Path, lang: Lang) -> Result<String> {
    let (pools, _) = read(dir, "execution_pools")?;
    let mut body = String::new();
    body.push_str(lang.say(
        "<h2>Pools: budget used against time elapsed</h2>\n<p class=\"note\">share = (paid + withheld to date) / budget; \
         elapsed = the month / 12; pace = share / elapsed. <b>flag</b> is the level reached (blue, yellow 80%, red 100% of the budget); \
         <b>pace_flag</b> marks a pool running ahead of the year (yellow at pace ≥ 1.05, red at ≥ 1.1, as configured): a pool at 26% of \
         its budget in March is ahead of time, though far from any level.</p>\n",
        "<h2>统筹池：预算执行与序时进度</h2>\n<p class=\"note\">占比 share =（累计已拨付 + 累计预留）/ 预算；\
         序时进度 elapsed = 月份 / 12；执行进度 pace = 占比 / 序时进度。<b>预警标记 flag</b> 为达到的预算水平（蓝、黄 80%、红 100%）；\
         <b>进度预警 pace_flag</b> 标出快于序时进度的统筹池（按配置，pace ≥ 1.05 为黄、≥ 1.1 为红）：三月已用去 26% 预算的统筹池\
         虽远未到任何水平线，却已超前于序时进度。</p>\n",
    ));
    body.push_str("<div style=\"overflow-x: auto\">");
    body.push_str(&rows_table(
        lang,
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
        body.push_str(&match lang {
            Lang::En => format!(
                "<h2>Hospitals the watch flags ({} of {})</h2>\n<p class=\"note\">over: items above the scores' value at the published point \
                 value; high cost growth against last year; high exam and lab share of the cost.</p>\n",
                flagged.len(),
                hospitals.rows()
            ),
            Lang::Zh => format!(
                "<h2>监测预警的医院（{} 家，共 {} 家）</h2>\n<p class=\"note\">over：按项目结算金额高于按公布点值计算的分值金额；\
                 费用增长率较上年偏高；检查检验费用占比偏高。</p>\n",
                flagged.len(),
                hospitals.rows()
            ),
        });
        body.push_str("<div style=\"overflow-x: auto\">");
        body.push_str(&rows_table(
            lang,
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
