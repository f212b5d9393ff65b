//! The report of a `dip budget` output: where the cap and the provincial transfers bit, the
//! growth rate's parts, and the pools.

use std::path::Path;

use super::charts::{budget_bars, growth_bars, BudgetBar};
use super::page::rows_table;
use super::read;
use crate::failure::Result;

pub fn body(dir: &Path) -> Result<String> {
    let (g, _) = read(dir, "growth")?;
    let weights = budget_weights(dir);
    let mut body = String::new();
    body.push_str("<h2>Where the cap and the transfers bit</h2>\n<p class=\"note\">Per pool, as shares of its spending forecast (the dashed line at 100%): the budget (dark bar), the cap that keeps the balance rate at its minimum (black mark) and the provincial transfer above the cap (blue). A budget short of 100% was capped (以收定支).</p>\n");
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
    body.push_str(&budget_bars(&bars));
    body.push_str(&format!("<h2>Growth and its components</h2>\n<p class=\"note\">growth_rate = {} × history_rate (the three-year mean of spending growth) + {} × population + {} × technology + adjustment. Each bar is a pool's growth split into these four parts (orange below zero).</p>\n", weights[0], weights[1], weights[2]));
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
    body.push_str(&growth_bars(&parts));
    body.push_str("<h2>Pools</h2>\n<div style=\"overflow-x: auto\">");
    body.push_str(&rows_table(
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
