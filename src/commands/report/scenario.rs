//! The report of a `scenario` or `dip scenario` output: each scenario's change of point value
//! per pool, why it changed (the attribution), the hospitals whose entitlement moves most (DIP)
//! and the comparison.

use std::path::Path;

use dianzhi_analysis::summary::{numbers, texts, Summary};
use dianzhi_columnar::read::text_table::{read_text_table, TextTable};
use dianzhi_core::number::format_fixed;

use super::charts::{AttributionLine, Palette};
use super::page::{rows_table, table};
use super::{find_table, heatmap_of, read};
use crate::commands::lang::Lang;
use crate::failure::{Failure, Result};

/// What differs between the scenario reports of a quarter and of a DIP year.
pub struct ScenarioView {
    /// The pool's key columns.
    keys: [&'static str; 3],
    /// The map's rows and columns.
    map: (&'static str, &'static str),
    /// The value's name and its published delta column.
    value: &'static str,
    delta: &'static str,
    exact_delta: &'static str,
    shown: &'static [&'static str],
}

pub const QUARTER_VIEW: ScenarioView = ScenarioView {
    keys: ["sector", "region", "quarter"],
    map: ("region", "sector"),
    value: "fpv",
    delta: "fpv_delta",
    exact_delta: "fpv_exact_delta",
    shown: &crate::console::COMPARISON_SHOWN,
};

pub const DIP_VIEW: ScenarioView = ScenarioView {
    keys: ["region", "fund", "year"],
    map: ("region", "fund"),
    value: "pv",
    delta: "pv_delta",
    exact_delta: "pv_exact_delta",
    shown: &DIP_SHOWN,
};

/// The DIP comparison's columns on the page: the terminal's, and the reserve draw that a
/// corridor's change moves while pv stays.
const DIP_SHOWN: [&str; 12] = {
    let c = crate::console::DIP_COMPARISON_SHOWN;
    [c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7], c[8], c[9], "reserve_draw_base", "reserve_draw"]
};

pub fn body(dir: &Path, view: &ScenarioView, lang: Lang) -> Result<String> {
    let (cmp_t, cmp) = read(dir, "comparison")?;
    let names = ordered(&texts(&cmp, "scenario")?);
    let mut body = String::new();
    let v = view.value;
    body.push_str(&match lang {
        Lang::En => format!("<h2>Change of the point value per scenario</h2>\n<p class=\"note\">The published change, <code>{d}</code>: {v} − baseline {v} per pool, each rounded to its published decimals (the exact change, which the bars below split, can differ from it in the last decimal); blue where it rises, orange where it falls, white where it stays; one colour scale for all scenarios.</p>\n", d = view.delta),
        Lang::Zh => format!("<h2>各情景的点值变化</h2>\n<p class=\"note\">公布口径的变化 <code>{d}</code>：每个统筹池的 {v} − 基准 {v}，各按公布的小数位取整（下方条形图拆分的是精确变化，末位可能与之相差）；上升为蓝、下降为橙、不变为白；所有情景共用一套色阶。</p>\n", d = view.delta),
    });
    body.push_str("<div class=\"charts\">");
    for s in &names {
        body.push_str(&heatmap_of(lang, &cmp_t, &cmp, ("scenario", s), view.map, view.delta, Palette::Diverging)?);
    }
    if view.value == "pv" {
        body.push_str(&reserve_draw_moves(&cmp, &names, view, lang)?);
    }
    body.push_str("</div>\n");
    body.push_str(&match lang {
        Lang::En => format!("<h2>Why it changed</h2>\n<p class=\"note\">The exact change of each pool's {v} (black tick) split into what the budget overlays, the volume overlays and the config change contribute (Shapley attribution; the three add up to the change exactly). Pools whose {v} did not move are left out.</p>\n"),
        Lang::Zh => format!("<h2>变化的原因</h2>\n<p class=\"note\">每个统筹池 {v} 的精确变化（黑色刻度）拆分为预算调整、服务量调整与参数变化各自的贡献（Shapley 分解，三者之和恰为变化值）。{v} 未变的统筹池不列出。</p>\n"),
    });
    body.push_str(&attribution(&cmp, view, lang)?);
    if view.value == "pv" {
        if let Some(h) = find_table(dir, "hospitals") {
            body.push_str(lang.say(
                "<h2>Hospitals whose entitlement moves most</h2>\n<p class=\"note\">Entitlement (what a hospital is owed after the corridor) in each scenario against the baseline's, the largest changes either way.</p>\n",
                "<h2>应得金额变化最大的医院</h2>\n<p class=\"note\">各情景下医院的应得金额（结余留用与超支分担之后）与基准相比，增减幅度最大者。</p>\n",
            ));
            body.push_str(&entitlement_moves(&read_text_table(&h)?, lang)?);
        }
    }
    body.push_str(&match lang {
        Lang::En => format!("<h2>Comparison</h2>\n<p class=\"note\">Pools whose {v} (or, for a DIP year, reserve draw) moved; the comparison table holds every pool.</p>\n"),
        Lang::Zh => format!("<h2>比较</h2>\n<p class=\"note\">{v}（DIP 年度还包括调节金使用）有变化的统筹池；比较表列出全部统筹池。</p>\n"),
    });
    let (delta, _) = numbers(&cmp, view.exact_delta)?;
    // a DIP pool whose pv stays may still draw on its reserve differently (a corridor's change)
    let draw_moved = |i: usize| view.value == "pv" && reserve_draw_delta(&cmp, i).is_some_and(|d| d != 0);
    let moved: Vec<usize> = (0..cmp.height()).filter(|i| delta[*i] != Some(0) || draw_moved(*i)).collect();
    body.push_str(&rows_table(lang, &cmp_t, view.shown, Some(&moved)));
    Ok(body)
}

/// Row `i`'s reserve draw less the baseline's (fixed point at the column's scale).
fn reserve_draw_delta(cmp: &Summary, i: usize) -> Option<i128> {
    let (draw, _) = numbers(cmp, "reserve_draw").ok()?;
    let (base, _) = numbers(cmp, "reserve_draw_base").ok()?;
    Some(draw[i]? - base[i]?)
}

/// The change of each DIP pool's reserve draw per scenario, as maps, when any scenario moves
/// it: a corridor's or a reserve's change moves the draw and the hospitals' entitlements while
/// the point value stays.
fn reserve_draw_moves(cmp: &Summary, names: &[String], view: &ScenarioView, lang: Lang) -> Result<String> {
    let (Ok((draw, scale)), Ok((base, _))) = (numbers(cmp, "reserve_draw"), numbers(cmp, "reserve_draw_base")) else {
        return Ok(String::new());
    };
    let delta: Vec<Option<i128>> = draw.iter().zip(&base).map(|(d, b)| Some((*d)? - (*b)?)).collect();
    if delta.iter().all(|d| d.is_none_or(|d| d == 0)) {
        return Ok(String::new());
    }
    let scenario = texts(cmp, "scenario")?;
    let (rows, cols) = (texts(cmp, view.map.0)?, texts(cmp, view.map.1)?);
    let reach =
        delta.iter().flatten().map(|d| d.unsigned_abs()).max().unwrap_or(1).max(1) as f64 / 10f64.powi(scale as i32);
    let mut html = String::from(lang.say(
        "<h2>Change of the reserve draw per scenario</h2>\n<p class=\"note\">reserve_draw − baseline reserve_draw per pool: what the corridor's overspend shares take from the reserve. A scenario that changes the corridor or the reserve moves it — and the hospitals' entitlements (below) — though the point value stays. Blue where the draw rises, orange where it falls.</p>\n",
        "<h2>各情景的调节金使用变化</h2>\n<p class=\"note\">每个统筹池的 reserve_draw − 基准 reserve_draw：超支分担从调节金中支出的金额。改变分担区间或调节金的情景会使其变化——医院的应得金额（见下）随之变化——即使点值不变。使用增加为蓝、减少为橙。</p>\n",
    ));
    html.push_str("<div class=\"charts\">");
    for name in names {
        let mut cells = std::collections::BTreeMap::new();
        for i in (0..cmp.height()).filter(|i| &scenario[*i] == name) {
            let shown = delta[i].map(|d| format_fixed(d, scale));
            cells.insert(
                (rows[i].clone(), cols[i].clone()),
                (delta[i].map(|d| d as f64 / 10f64.powi(scale as i32)), shown),
            );
        }
        let map = super::charts::Heatmap {
            heading: (lang.column("scenario").into(), name.clone()),
            cells,
            range: Some((-reach, reach)),
            column_ranges: Default::default(),
            palette: Palette::Diverging,
            lang,
        };
        html.push_str(&super::charts::heatmap(&map));
    }
    html.push_str("</div>\n");
    Ok(html)
}

/// The fifteen largest changes of a hospital's entitlement against the baseline's, from the
/// stacked `hospitals` table (exact decimals; the change is computed on the fixed-point values).
fn entitlement_moves(h: &TextTable, lang: Lang) -> Result<String> {
    let col = |name: &str| -> Result<&[Option<String>]> {
        h.column(name).ok_or_else(|| Failure::input(format!("{}: has no {name} column", h.path.display())))
    };
    let (scenario, id, region, fund, year, e) =
        (col("scenario")?, col("institution_id")?, col("region")?, col("fund")?, col("year")?, col("entitlement")?);
    let fixed = |v: &Option<String>| {
        v.as_deref()
            .and_then(|v| dianzhi_core::number::parse_decimal(v).ok())
            .map(|d| dianzhi_core::number::Dec::from(d).rescale_exact(4).unwrap_or(0))
    };
    let key = |i: usize| (id[i].clone(), region[i].clone(), fund[i].clone(), year[i].clone());
    let base: std::collections::HashMap<_, i128> = (0..h.rows())
        .filter(|i| scenario[*i].as_deref() == Some(dianzhi_analysis::scenario::BASELINE))
        .filter_map(|i| fixed(&e[i]).map(|v| (key(i), v)))
        .collect();
    let mut moves: Vec<(i128, usize, i128)> = (0..h.rows())
        .filter(|i| scenario[*i].as_deref() != Some(dianzhi_analysis::scenario::BASELINE))
        .filter_map(|i| Some((fixed(&e[i])? - base.get(&key(i))?, i, *base.get(&key(i))?)))
        .filter(|(d, _, _)| *d != 0)
        .collect();
    moves.sort_by(|a, b| b.0.abs().cmp(&a.0.abs()).then(a.1.cmp(&b.1)));
    if moves.is_empty() {
        return Ok(lang
            .say(
                "<p class=\"note\">No hospital's entitlement moved.</p>\n",
                "<p class=\"note\">没有医院的应得金额发生变化。</p>\n",
            )
            .into());
    }
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    // at the decimals the table writes money with (fen for DIP)
    let decimals = e.iter().flatten().next().and_then(|v| v.split_once('.')).map_or(0, |(_, f)| f.len() as u32);
    let money = |v: i128| format_fixed(v / 10i128.pow(4 - decimals.min(4)), decimals.min(4));
    let header = [
        "scenario",
        "institution_id",
        "region",
        "fund",
        "year",
        lang.say("entitlement (baseline)", "基准应得金额"),
        "entitlement",
        lang.say("change", "变化"),
    ];
    Ok(table(
        lang,
        &header,
        moves.iter().take(15).map(|(d, i, b)| {
            vec![
                (text(&scenario[*i]), ""),
                (text(&id[*i]), ""),
                (text(&region[*i]), ""),
                (text(&fund[*i]), ""),
                (text(&year[*i]), ""),
                (money(*b), "n"),
                (text(&e[*i]), "n"),
                (money(*d), if *d < 0 { "n warn" } else { "n ok" }),
            ]
        }),
    ))
}

/// Distinct values in first-seen order (the scenarios' file order).
fn ordered(v: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for s in v {
        if !out.contains(s) {
            out.push(s.clone());
        }
    }
    out
}

/// Each pool's change of point value, split into its three effects: one heading per scenario,
/// one line per pool that moved; the scale's reach is the largest of any pool.
fn attribution(cmp: &Summary, view: &ScenarioView, lang: Lang) -> Result<String> {
    let scenario = texts(cmp, "scenario")?;
    let pool: Vec<String> = {
        let [a, b, c] = view.keys;
        let (s, r, q) = (texts(cmp, a)?, texts(cmp, b)?, texts(cmp, c)?);
        (0..cmp.height()).map(|i| format!("{} · {} · {}", s[i], r[i], q[i])).collect()
    };
    let as_f64 = |c: &str| -> Result<Vec<Option<f64>>> {
        let (v, s) = numbers(cmp, c)?;
        Ok(v.into_iter().map(|x| x.map(|x| x as f64 / 10f64.powi(s as i32))).collect())
    };
    let effects = [as_f64("budget_effect")?, as_f64("volume_effect")?, as_f64("config_effect")?];
    let (delta, _) = numbers(cmp, view.exact_delta)?;
    let mut lines = Vec::new();
    let mut last: Option<&str> = None;
    for i in (0..cmp.height()).filter(|i| delta[*i] != Some(0)) {
        if last != Some(scenario[i].as_str()) {
            lines.push(AttributionLine::Heading(scenario[i].clone()));
            last = Some(scenario[i].as_str());
        }
        let parts = match (effects[0][i], effects[1][i], effects[2][i]) {
            (Some(b), Some(v), Some(c)) => Some([b, v, c]),
            _ => None,
        };
        lines.push(AttributionLine::Pool { scenario: scenario[i].clone(), pool: pool[i].clone(), effects: parts });
    }
    if lines.is_empty() {
        return Ok(lang
            .say(
                "<p class=\"note\">No scenario moved any pool's point value.</p>\n",
                "<p class=\"note\">没有情景使任何统筹池的点值发生变化。</p>\n",
            )
            .into());
    }
    let extent = (0..cmp.height())
        .map(|i| {
            let parts = effects.iter().map(|e| e[i].unwrap_or(0.0));
            let pos: f64 = parts.clone().filter(|x| *x > 0.0).sum();
            let neg: f64 = parts.filter(|x| *x < 0.0).sum();
            pos.max(-neg)
        })
        .fold(0.0f64, f64::max)
        .max(1e-9);
    Ok(super::charts::attribution(&lines, extent, lang))
}
