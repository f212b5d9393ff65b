//! The report of a `dip settle` output: the point value map per year, the pools, the hospitals'
//! CMI × balance quadrants and the corridor's outcome per pool.

use std::path::Path;

use dianzhi_analysis::summary::{distinct, ints, left_join, numbers, signs_by, sums_by, texts, Summary};
use dianzhi_core::number::format_fixed;

use super::charts::{scatter, Palette, Point};
use super::page::{rows_table, table};
use super::{heatmap_scaled, read};
use crate::commands::lang::Lang;
use crate::failure::Result;

pub fn body(dir: &Path, lang: Lang) -> Result<String> {
    let l = |en, zh| lang.say(en, zh);
    let (pv_t, pv) = read(dir, "point_values")?;
    let mut body = String::new();
    body.push_str(l(
        "<h2>Point value, region × fund</h2>\n<p class=\"note\">Yuan per point of each pool (region × fund × year); darker is higher within a fund — each fund has its own colour scale (its ends under its column), since the funds' point values differ in level.</p>\n",
        "<h2>点值（统筹区 × 基金）</h2>\n<p class=\"note\">每个统筹池（统筹区 × 基金 × 年度）每分值的元数；同一基金内颜色越深点值越高。各基金点值水平不同，故各用一套色阶（两端数值标在该列下方）。</p>\n",
    ));
    body.push_str("<div class=\"charts\">");
    for y in distinct(&pv, "year")? {
        let at = ("year", y.as_str());
        body.push_str(&heatmap_scaled(lang, &pv_t, &pv, at, ("region", "fund"), "pv", Palette::Sequential, true)?);
    }
    body.push_str("</div>\n");
    body.push_str(l("<h2>Pools</h2>\n", "<h2>统筹池</h2>\n"));
    body.push_str(&rows_table(
        lang,
        &pv_t,
        &[
            "region",
            "fund",
            "year",
            "cases",
            "budget",
            "pv",
            "dip_amount",
            "item_amount",
            "entitlement",
            "reserve_draw",
            "residual",
            "status",
        ],
        None,
    ));
    let (_, h) = read(dir, "hospitals")?;
    body.push_str(l(
        "<h2>CMI and per-case balance</h2>\n<p class=\"note\">Each hospital by its case-mix index (CMI, 1 = the pool's average case) and its per-case balance (DIP payment − item-based amount, per case). The four quadrants of the CMI reading of DIP results: complex cases paid more than they cost (upper right), complex cases costing more than paid (lower right), simple cases paid more (upper left), simple cases costing more (lower left).</p>\n",
        "<h2>CMI与例均结余</h2>\n<p class=\"note\">每家医院按其病例组合指数（CMI，1 为统筹池平均病例）与例均结余（DIP支付 − 按项目结算金额，按病例平均）定位。四个象限：疑难病例结余（右上）、疑难病例超支（右下）、简单病例结余（左上）、简单病例超支（左下）。</p>\n",
    ));
    body.push_str(&quadrants(&h, lang)?);
    body.push_str(l(
        "<h2>Corridor outcome</h2>\n<p class=\"note\">Per pool: hospitals in surplus and what they keep (结余留用), hospitals over and the share the fund bears (合理超支分担).</p>\n",
        "<h2>结余留用与超支分担</h2>\n<p class=\"note\">每个统筹池：结余医院数及留用金额（结余留用），超支医院数及基金分担金额（合理超支分担）。</p>\n",
    ));
    body.push_str(&corridor(&h, lang)?);
    body.push_str(&margins(dir, lang)?);
    Ok(body)
}

/// Cases a page draws the margin view of; a province's year is read from its file instead.
const MARGIN_CASES: usize = 2_000_000;

/// The margin view (盈亏): Σ margin by group — the 10 losing most and the 10 gaining most — and
/// by each kept column (department, doctor), from the cases table.
fn margins(dir: &Path, lang: Lang) -> Result<String> {
    let Some(source) = super::find_table(dir, "cases") else { return Ok(String::new()) };
    if dianzhi_columnar::read::text_table::parquet_rows(&source.path).is_some_and(|n| n > MARGIN_CASES) {
        return Ok(match lang {
            Lang::En => format!(
                "<h2>Margins</h2>\n<p class=\"note\">More than {MARGIN_CASES} cases: the margin view is left to the cases table itself (e.g. <code>dianzhi export --by institution_id</code>, or a group-by on its margin column).</p>\n"
            ),
            Lang::Zh => format!(
                "<h2>盈亏</h2>\n<p class=\"note\">病例超过 {MARGIN_CASES} 例：盈亏分析请直接读病例表（如 <code>dianzhi export --by institution_id</code>，或按 margin 列分组汇总）。</p>\n"
            ),
        });
    }
    let (t, cases) = read(dir, "cases")?;
    if t.column("margin").is_none() {
        return Ok(String::new());
    }
    let mut html = String::from(lang.say(
        "<h2>Margins (盈亏)</h2>\n<p class=\"note\">Σ margin = Σ (payment standard − cost without excluded items) over the scored cases of each group: where the points pay less than the cases cost (negative) and more (positive). Cases paid at cost have no margin.</p>\n",
        "<h2>盈亏</h2>\n<p class=\"note\">Σ 盈亏 = 各组入组病例的 Σ（支付标准 − 剔除除外项目后的费用）：负值为分值支付低于病例费用，正值为高于。据实结算的病例不计盈亏。</p>\n",
    ));
    let mut by = vec!["dip_group".to_string()];
    by.extend(t.names.iter().filter(|n| !dianzhi_columnar::dip::outputs::CASES_COLUMNS.contains(&n.as_str())).cloned());
    for key in by {
        let sums = sums_by(&cases, &[key.as_str()], &["margin"])?;
        let (margin, scale) = numbers(&sums, "margin")?;
        let names = texts(&sums, &key)?;
        let rows = ints(&sums, "rows")?;
        let mut order: Vec<usize> =
            (0..sums.height()).filter(|&i| margin[i].is_some() && !names[i].is_empty()).collect();
        order.sort_by_key(|&i| (margin[i], names[i].clone()));
        let line = |i: usize| {
            vec![
                (names[i].clone(), ""),
                (rows[i].to_string(), "n"),
                (margin[i].map(|m| format_fixed(m, scale)).unwrap_or_default(), "n"),
            ]
        };
        let header = [key.as_str(), "cases", lang.say("Σ margin", "Σ 盈亏")];
        let by = super::page::esc(lang.column(&key));
        let (losing, gaining) = match lang {
            Lang::En => (format!("By {by}: the 10 losing most"), format!("By {by}: the 10 gaining most")),
            Lang::Zh => (format!("按{by}：亏损最多的 10 个"), format!("按{by}：盈余最多的 10 个")),
        };
        html.push_str(&format!("<h3>{losing}</h3>\n"));
        html.push_str(&table(lang, &header, order.iter().take(10).map(|&i| line(i))));
        html.push_str(&format!("<h3>{gaining}</h3>\n"));
        html.push_str(&table(lang, &header, order.iter().rev().take(10).map(|&i| line(i))));
    }
    Ok(html)
}

/// Hospitals the quadrant chart of a fund names: the most extreme ones.
const NAMED: usize = 10;

/// The CMI × balance chart of each fund (a fund's pools are paid at their own level): every
/// hospital a dot with its id, pool and figures as its tooltip, the 10 farthest from the centre
/// named.
fn quadrants(h: &Summary, lang: Lang) -> Result<String> {
    let balance_per_case = lang.say("balance per case", "例均结余");
    let (cmi, cmi_scale) = numbers(h, "cmi")?;
    let (balance, b_scale) = numbers(h, "balance")?;
    let (cases, _) = numbers(h, "cases")?;
    let ids = texts(h, "institution_id")?;
    let regions = texts(h, "region")?;
    let funds = texts(h, "fund")?;
    let mut by_fund: std::collections::BTreeMap<&str, Vec<Point>> = Default::default();
    for i in 0..h.height() {
        let (Some(c), Some(b), Some(n)) = (cmi[i], balance[i], cases[i]) else { continue };
        if n == 0 {
            continue;
        }
        let x = c as f64 / 10f64.powi(cmi_scale as i32);
        let y = b as f64 / 10f64.powi(b_scale as i32) / n as f64;
        let tip = format!(
            "{} · {} · {}: CMI {}, {balance_per_case} {:.2}",
            ids[i],
            regions[i],
            funds[i],
            format_fixed(c, cmi_scale),
            y
        );
        by_fund.entry(funds[i].as_str()).or_default().push(Point { x, y, tip, name: ids[i].clone() });
    }
    if by_fund.is_empty() {
        return Ok(scatter(&[], (1.0, 0.0), "CMI", balance_per_case, 0, lang));
    }
    let mut html = String::from("<div class=\"charts\">");
    for (fund, points) in &by_fund {
        html.push_str(&format!("<figure><figcaption>{}: {}</figcaption>", lang.column("fund"), super::page::esc(fund)));
        html.push_str(&scatter(points, (1.0, 0.0), "CMI", balance_per_case, NAMED, lang));
        html.push_str("</figure>");
    }
    html.push_str("</div>\n");
    Ok(html)
}

fn corridor(h: &Summary, lang: Lang) -> Result<String> {
    let keys = ["region", "fund", "year"];
    let sums = sums_by(h, &keys, &["balance", "kept", "shared"])?;
    let pools = left_join(&sums, &signs_by(h, &keys, "balance")?, &keys)?;
    let (r, f, y) = (texts(&pools, "region")?, texts(&pools, "fund")?, texts(&pools, "year")?);
    let (rows, above, below) = (ints(&pools, "rows")?, ints(&pools, "above")?, ints(&pools, "below")?);
    let show = |name: &str| -> Result<Vec<String>> {
        let (v, s) = numbers(&pools, name)?;
        Ok(v.into_iter().map(|x| x.map(|x| format_fixed(x, s)).unwrap_or_default()).collect())
    };
    let (kept, shared, bal) = (show("kept")?, show("shared")?, show("balance")?);
    let header = match lang {
        Lang::En => ["region", "fund", "year", "hospitals", "in surplus", "kept", "over", "fund shares", "Σ balance"],
        Lang::Zh => {
            ["region", "fund", "year", "医院数", "结余医院数", "kept", "超支医院数", "基金分担", "Σ 结余（超支）"]
        }
    };
    Ok(table(
        lang,
        &header,
        (0..pools.height()).map(|i| {
            vec![
                (r[i].clone(), ""),
                (f[i].clone(), ""),
                (y[i].clone(), ""),
                (rows[i].to_string(), "n"),
                (above[i].to_string(), "n"),
                (kept[i].clone(), "n"),
                (below[i].to_string(), "n"),
                (shared[i].clone(), "n"),
                (bal[i].clone(), "n"),
            ]
        }),
    ))
}
