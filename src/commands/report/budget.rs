//! The report of a `dip budget` output: where the cap and the provincial transfers bit, the
//! growth rate's parts, and the pools.

use std::path::Path;

use super::charts::{budget_bars, growth_bars, BudgetBar};
use super::page::rows_table;
use super::read;
use crate::commands::lang::Lang;
use crate::failure::Result;

pub fn body(dir: &Path, lang: Lang) -> Result<String> {
    let l = |en, zh| lang.say(en, zh);
    let (g, _) = read(dir, "growth")?;
    let weights = budget_weights(dir);
    let mut body = String::new();
    body.push_str(l(
        "<h2>Where the cap and the transfers bit</h2>\n<p class=\"note\">Per pool, as shares of its spending forecast (the dashed line at 100%): the budget (dark bar), the cap that keeps the balance rate at its minimum (black mark) and the provincial transfer above the cap (blue). A budget short of 100% was capped (以收定支).</p>\n",
        "<h2>上限与省级调剂在何处起作用</h2>\n<p class=\"note\">每个统筹池，以占其支出预测的比例表示（虚线为 100%）：预算（深色条）、使结余率不低于下限的支出上限（黑色标记）、上限之上的省级调剂（蓝色）。预算不足 100% 即受上限约束（以收定支）。</p>\n",
    ));
    let col = |name: &str| g.column(name).unwrap_or(&[]).to_vec();
    let (region, fund, flag) = (col("region"), col("fund"), col("flag"));
    let num = |name: &str| -> Vec<f64> {
        g.column(name).unwrap_or(&[]).iter().map(|v| v.as_deref().and_then(|v| v.parse().ok()).unwrap_or(0.0)).collect()
    };
    let (forecast, cap, transfer, budget) = (num("spending_forecast"), num("cap"), num("transfer"), num("budget"));
    let bars: Vec<BudgetBar> = (0..g.rows())
        .map(|i| BudgetBar {
            label: format!("{} {}", region[i].as_deref().unwrap_or(""), fund[i].as_deref().unwrap_or("")),
            forecast: forecast[i],
            cap: cap[i],
            transfer: transfer[i],
            budget: budget[i],
            flag: flag[i].clone().unwrap_or_default(),
        })
        .collect();
    body.push_str(&budget_bars(&bars, lang));
    body.push_str(&match lang {
        Lang::En => format!("<h2>Growth and its components</h2>\n<p class=\"note\">growth_rate = {} × history_rate (the three-year mean of spending growth) + {} × population + {} × technology + adjustment. Each bar is a pool's growth split into these four parts (orange below zero).</p>\n", weights[0], weights[1], weights[2]),
        Lang::Zh => format!("<h2>增长率及其构成</h2>\n<p class=\"note\">增长率 growth_rate = {} × 历史增长率 history_rate（近三年支出增长的平均）+ {} × 参保人口 population + {} × 新技术 technology + 调整 adjustment。每条为一个统筹池的增长率按这四部分拆分（负值为橙色）。</p>\n", weights[0], weights[1], weights[2]),
    });
    let parts: Vec<(String, [f64; 4])> = (0..g.rows())
        .map(|i| {
            let w = |k: usize| weights[k].parse::<f64>().unwrap_or(0.0);
            (
                bars[i].label.clone(),
                [
                    w(0) * num("history_rate")[i],
                    w(1) * num("population")[i],
                    w(2) * num("technology")[i],
                    num("adjustment")[i],
                ],
            )
        })
        .collect();
    body.push_str(&growth_bars(&parts, lang));
    body.push_str(l("<h2>Pools</h2>\n", "<h2>统筹池</h2>\n"));
    body.push_str("<div style=\"overflow-x: auto\">");
    body.push_str(&rows_table(
        lang,
        &g,
        &[
            "region",
            "fund",
            "year",
            "spending_base",
            "growth_y3",
            "growth_y2",
            "growth_y1",
            "history_rate",
            "growth_rate",
            "spending_forecast",
            "income_forecast",
            "cap",
            "shortfall",
            "transfer",
            "budget",
            "reserve",
            "balance_rate",
            "flag",
        ],
        None,
    ));
    body.push_str("</div>\n");
    Ok(body)
}

/// The growth model's weights (history, population, technology) the budget was made with, from
/// its manifest; the defaults when it does not say.
fn budget_weights(dir: &Path) -> [String; 3] {
    let read = || -> Option<[String; 3]> {
        let doc: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("manifest.json")).ok()?).ok()?;
        let w = doc.get("weights")?;
        let get = |k: &str| w.get(k).and_then(|v| v.as_str()).map(str::to_string);
        Some([get("history")?, get("population")?, get("technology")?])
    };
    read().unwrap_or_else(|| ["0.4".into(), "0.3".into(), "0.3".into()])
}
