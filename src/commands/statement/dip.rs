//! A DIP year's statements: per hospital and pool, the pool's point value (docs/dip.md,
//! Arithmetic steps 4–5), then the hospital's cases, scores, DIP payment, corridor (each band's
//! slice and share), the reserve cap if it bit, entitlement, assessment and adjustment (steps
//! 1–3 and 6–8), and its 20 cases with the largest losses.

use std::collections::BTreeMap;
use std::path::Path;

use dianzhi_core::dip::clearing::band_slices;
use dianzhi_core::number::{parse_decimal, Dec, SCALE};

use super::page::{figures_of, table as html_table, Lang, Page, Section, Step};
use super::{rows, table, Row};
use crate::failure::{Failure, Result};

/// How many of a hospital's cases the page lists: those with the largest losses.
const LOSSES: usize = 20;

pub fn pages(dir: &Path, manifest: &serde_json::Value, lang: Lang) -> Result<Vec<Page>> {
    let pools = table(dir, "point_values")?;
    let hospitals = table(dir, "hospitals")?;
    let losses = largest_losses(dir)?;
    let clearing = &manifest["config"]["dip"]["clearing"];
    let bands = |side: &str, share: &str| -> Result<Vec<(Dec, Dec)>> {
        let list = clearing[side].as_array().cloned().unwrap_or_default();
        list.iter()
            .map(|b| {
                let band = |k: &str| {
                    decimal(b[k].as_str().unwrap_or("")).map_err(|e| {
                        Failure::input(format!(
                            "{}: config dip.clearing.{side} {k}: {}; the manifest is damaged: settle the year again",
                            dir.join("manifest.json").display(),
                            e.message
                        ))
                    })
                };
                Ok((band("up_to")?, band(share)?))
            })
            .collect()
    };
    let (surplus, overspend) = (bands("surplus", "keep")?, bands("overspend", "fund_share")?);
    let mode = clearing["assessment"].as_str().unwrap_or("withheld").to_string();
    let pool_of: BTreeMap<(String, String, String), Row> =
        rows(&pools).map(|p| ((p.get("region").into(), p.get("fund").into(), p.get("year").into()), p)).collect();

    let mut pages: BTreeMap<String, Page> = BTreeMap::new();
    for h in rows(&hospitals) {
        let id = h.get("institution_id").to_string();
        let key = (h.get("region").to_string(), h.get("fund").to_string(), h.get("year").to_string());
        let p = pool_of.get(&key).ok_or_else(|| {
            Failure::input(format!(
                "{}: hospital {id} is in pool {} / {} / {}, which point_values does not list; the output is incomplete",
                dir.display(),
                key.0,
                key.1,
                key.2
            ))
        })?;
        let mut after = corridor(&h, lang, &surplus, &overspend)?;
        after.push_str(&loss_table(losses.get(&(id.clone(), key.0.clone(), key.1.clone())), lang));
        let section = Section {
            title: format!("{} · {} · {}", key.0, key.1, key.2),
            steps: steps(p, &h, lang, &mode),
            after,
            adjustment: h.get("adjustment").to_string(),
        };
        pages
            .entry(id.clone())
            .or_insert_with(|| Page {
                title: format!("{} · {id}", lang.say("DIP year-end clearing statement", "DIP 年度清算通知")),
                institution: id,
                sections: Vec::new(),
            })
            .sections
            .push(section);
    }
    Ok(pages.into_values().collect())
}

fn decimal(text: &str) -> Result<Dec> {
    parse_decimal(text).map(Dec::from).map_err(|e| Failure::input(format!("{text:?} is no decimal ({e})")))
}

fn step(label: &str, figures: Vec<(&str, super::page::Figure)>, rule: &str) -> Step {
    Step {
        label: label.to_string(),
        figures: figures.into_iter().map(|(n, f)| (n.to_string(), f)).collect(),
        rule: rule.to_string(),
    }
}

/// The steps of one hospital in one pool, in the order of the arithmetic.
fn steps(p: &Row, h: &Row, lang: Lang, mode: &str) -> Vec<Step> {
    let l = |en, zh| lang.say(en, zh);
    let (pool, own) = (figures_of("point_values", p), figures_of("hospitals", h));
    let rule = |n: &str| match lang {
        Lang::En => format!("docs/dip.md, Arithmetic, step {n}"),
        Lang::Zh => format!("docs/dip.md 算法 第{n}步"),
    };
    let mut steps = vec![
        step(
            l(
                "The pool's fund: budget B, reserve R (调剂金), payment ratio ρ",
                "统筹池基金：预算 B、调剂金 R、支付比例 ρ",
            ),
            vec![("B", pool("budget")), ("R", pool("reserve")), ("ρ", pool("payment_ratio"))],
            l("docs/dip.md, Inputs: funds", "docs/dip.md 输入：funds 表"),
        ),
        step(
            l("Cases paid at cost, outside the points", "按项目付费（不计分值）病例"),
            vec![(l("cases", "例数"), pool("at_cost_cases")), ("Σ", pool("at_cost_amount"))],
            &rule("2, 4"),
        ),
        step(
            l("Money to share: B − R − at-cost", "可分配基金：B − R − 按项目付费"),
            vec![(l("money", "金额"), pool("money"))],
            &rule("4"),
        ),
        step(
            l("Point value (点值): money over the pool's scores", "点值：可分配基金 ÷ 统筹池总分值"),
            vec![
                ("S", pool("total_score")),
                (l("exact", "精确值"), pool("pv_exact")),
                (l("published", "公布值"), pool("pv")),
                (l("status", "状态"), pool("status")),
            ],
            &rule("5"),
        ),
        step(
            l("The hospital's cases by type", "本机构病例（按类型）"),
            vec![
                (l("all", "全部"), own("cases")),
                (l("low", "低倍率"), own("low_cases")),
                (l("high", "高倍率"), own("high_cases")),
                (l("extreme", "极端"), own("extreme_cases")),
                (l("special", "特例单议"), own("special_cases")),
                (l("at cost", "按项目"), own("at_cost_cases")),
            ],
            &rule("1–3"),
        ),
        step(
            l("Its scores S_h (level coefficient applied)", "本机构总分值 S_h（已乘等级系数）"),
            vec![("S_h", own("total_score")), (l("coefficient", "系数"), own("coefficient")), ("CMI", own("cmi"))],
            &rule("3"),
        ),
        step(
            l("DIP payment P_h = S_h × point value", "DIP 支付 P_h = S_h × 点值"),
            vec![("P_h", own("dip_amount"))],
            &rule("6"),
        ),
        step(
            l("Its cases' item cost to the fund A_h", "按项目计算的基金支付 A_h"),
            vec![("A_h", own("item_amount")), (l("excluded", "除外"), own("excluded_amount"))],
            &rule("7"),
        ),
        step(
            l("Balance P_h − A_h (surplus +, overspend −)", "结余（+）或超支（−）P_h − A_h"),
            vec![("P_h − A_h", own("balance"))],
            &rule("7"),
        ),
        step(
            l(
                "Corridor: kept of a surplus (结余留用), fund's share of an overspend (合理超支分担)",
                "结余留用、合理超支分担",
            ),
            vec![
                (l("kept", "结余留用"), own("kept")),
                (l("shared, by the bands", "超支分担（按分段）"), own("shared_uncapped")),
                (l("shared, paid", "超支分担（实付）"), own("shared")),
            ],
            &format!("{}; {}", rule("7"), l("the bands below", "分段见下表")),
        ),
    ];
    if h.get("shared") != h.get("shared_uncapped") {
        steps.push(step(
            l(
                "Reserve cap: the pool's shares cut to what the reserve and the savings hold",
                "调剂金封顶：超支分担按调剂金与结余可承担额削减",
            ),
            vec![(l("pool", "统筹池"), pool("status")), (l("shared, paid", "实付"), own("shared"))],
            l("docs/dip.md, The reserve cap", "docs/dip.md 调剂金封顶"),
        ));
    }
    let due_rule = match mode {
        "surplus" => l("kept × assessment", "结余留用 × 考核系数"),
        "entitlement" => l("E_h × assessment + at-cost", "E_h × 考核系数 + 按项目"),
        _ => l("E_h + at-cost − withheld × (1 − assessment)", "E_h + 按项目 − 预留金 × (1 − 考核系数)"),
    };
    steps.extend([
        step(
            l("Entitlement E_h", "应得 E_h"),
            vec![("E_h", own("entitlement")), (l("at cost", "按项目"), own("at_cost_amount"))],
            &rule("7"),
        ),
        step(
            l("Assessment and the withheld reserve", "考核系数与质量保证金（预留）"),
            vec![(l("assessment", "考核系数"), own("assessment")), (l("withheld", "预留"), own("withheld"))],
            &rule("8"),
        ),
        step(&format!("{}: {due_rule}", l("Due", "应付")), vec![(l("due", "应付"), own("due"))], &rule("8")),
        step(
            l("Paid in the year's pre-settlements", "年度预付已付"),
            vec![(l("paid", "已付"), own("paid"))],
            &rule("8"),
        ),
        step(
            l("Adjustment = due − paid (to pay +, to recover −)", "清算补差 = 应付 − 已付（应付为正、收回为负）"),
            vec![("Δ", own("adjustment"))],
            &rule("8"),
        ),
    ]);
    steps
}

/// The corridor's bands for this hospital: each band's slice of its surplus or overspend and
/// its share, exact (their sum, rounded once to the unit, is `kept` or `shared` above).
fn corridor(h: &Row, lang: Lang, surplus: &[(Dec, Dec)], overspend: &[(Dec, Dec)]) -> Result<String> {
    let internal = |column: &str| -> Result<i128> {
        let d = decimal(h.get(column))?;
        d.rescale_exact(SCALE).ok_or_else(|| Failure::input(format!("{column} {d} has more than {SCALE} decimals")))
    };
    let (p, balance) = (internal("dip_amount")?, internal("balance")?);
    let (bands, share_name, title) = if balance > 0 {
        (surplus, lang.say("kept", "留用比例"), lang.say("Corridor bands: the surplus", "结余分段"))
    } else if balance < 0 {
        (overspend, lang.say("fund's share", "基金分担比例"), lang.say("Corridor bands: the overspend", "超支分段"))
    } else {
        return Ok(String::new());
    };
    let slices = band_slices(p, balance.abs(), bands).map_err(Failure::other)?;
    let rows: Vec<Vec<String>> = slices
        .iter()
        .zip(bands)
        .map(|(b, (up_to, _))| {
            vec![
                format!("{} – {} ({} × P_h)", b.from, b.to, up_to.normalized()),
                b.slice.to_string(),
                b.share.normalized().to_string(),
                b.amount.to_string(),
            ]
        })
        .collect();
    let header = [
        lang.say("band", "分段"),
        lang.say("slice", "分段金额"),
        share_name,
        lang.say("slice × share (exact)", "分段金额 × 比例（精确）"),
    ];
    Ok(format!(
        "<div class=\"block\"><h3>{}</h3>\n{}<p class=\"note\">{}</p></div>\n",
        super::page::esc_text(title),
        html_table(&header, &rows, &[false, true, true, true]),
        super::page::esc_text(lang.say(
            "Beyond the last band the share is 0. The sum, rounded once to the money unit, is the step's figure.",
            "超出最后一段的部分比例为 0。各段合计按货币单位舍入一次，即上表中的数值。"
        ))
    ))
}

/// Per (institution, region, fund): its cases with a loss, the largest first (at most 20).
type Losses = BTreeMap<(String, String, String), Vec<[String; 7]>>;

fn largest_losses(dir: &Path) -> Result<Losses> {
    let cases = table(dir, "cases")?;
    let mut out: Losses = BTreeMap::new();
    let mut all: BTreeMap<(String, String, String), Vec<(i128, [String; 7])>> = BTreeMap::new();
    for c in rows(&cases) {
        // money has at most the internal scale's decimals; an empty margin (at cost) is no loss
        let Some(m) = parse_decimal(c.get("margin")).ok().and_then(|d| Dec::from(d).rescale_exact(SCALE)) else {
            continue;
        };
        if m >= 0 {
            continue;
        }
        let key = (c.get("institution_id").into(), c.get("region").into(), c.get("fund").into());
        let shown =
            ["case_id", "dip_group", "type", "score", "total_cost", "standard", "margin"].map(|k| c.get(k).to_string());
        all.entry(key).or_default().push((m, shown));
    }
    for (key, mut list) in all {
        // the largest loss first; ties in case order
        list.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1[0].cmp(&b.1[0])));
        out.insert(key, list.into_iter().take(LOSSES).map(|(_, r)| r).collect());
    }
    Ok(out)
}

fn loss_table(losses: Option<&Vec<[String; 7]>>, lang: Lang) -> String {
    let title = lang.say(
        "The 20 cases with the largest losses (margin = standard − cost)",
        "亏损最大的 20 个病例（盈亏 = 支付标准 − 费用）",
    );
    let Some(losses) = losses.filter(|l| !l.is_empty()) else {
        return format!(
            "<div class=\"block\"><h3>{}</h3>\n<p class=\"note\">{}</p></div>\n",
            super::page::esc_text(title),
            super::page::esc_text(lang.say("No case with a loss.", "无亏损病例。"))
        );
    };
    let header = [
        "case_id",
        lang.say("DIP group", "病种"),
        lang.say("type", "类型"),
        lang.say("score", "分值"),
        lang.say("total cost", "总费用"),
        lang.say("standard", "支付标准"),
        lang.say("margin", "盈亏"),
    ];
    let rows: Vec<Vec<String>> = losses.iter().map(|r| r.to_vec()).collect();
    format!(
        "<div class=\"block\"><h3>{}</h3>\n{}</div>",
        super::page::esc_text(title),
        html_table(&header, &rows, &[false, false, false, true, true, true, true])
    )
}
