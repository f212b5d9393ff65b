//! A Taiwan quarter's statements: per institution and pool, the pool's floating point value
//! (docs/settle.md, Arithmetic steps 1–4), then the institution's points by category, fixed and
//! floating amounts, payable, interim paid and the adjustment (steps 1, 2, 5, 6).

use std::collections::BTreeMap;
use std::path::Path;

use super::page::{figures_of, Lang, Page, Section, Step};
use super::{rows, table, Row};
use crate::failure::{Failure, Result};

pub fn pages(dir: &Path, lang: Lang) -> Result<Vec<Page>> {
    let pools = table(dir, "point_values")?;
    let settlements = table(dir, "settlements")?;
    let pool_of: BTreeMap<(String, String, String), Row> =
        rows(&pools).map(|p| ((p.get("sector").into(), p.get("region").into(), p.get("quarter").into()), p)).collect();
    let mut pages: BTreeMap<String, Page> = BTreeMap::new();
    for r in rows(&settlements) {
        let id = r.get("institution_id").to_string();
        let key = (r.get("sector").to_string(), r.get("region").to_string(), r.get("quarter").to_string());
        let p = pool_of.get(&key).ok_or_else(|| {
            Failure::input(format!(
                "{}: institution {id} settles in pool {} / {} / {}, which point_values does not list; the output is incomplete",
                dir.display(),
                key.0,
                key.1,
                key.2
            ))
        })?;
        let section = Section {
            title: format!("{} · {} · {}", key.0, key.1, key.2),
            steps: steps(p, &r, lang),
            after: String::new(),
            adjustment: r.get("adjustment").to_string(),
        };
        pages
            .entry(id.clone())
            .or_insert_with(|| Page {
                title: format!("{} · {id}", lang.say("Quarterly clearing statement", "季度总额结算通知")),
                institution: id,
                sections: Vec::new(),
            })
            .sections
            .push(section);
    }
    Ok(pages.into_values().collect())
}

fn step(label: &str, figures: Vec<(&str, super::page::Figure)>, rule: String) -> Step {
    Step { label: label.to_string(), figures: figures.into_iter().map(|(n, f)| (n.to_string(), f)).collect(), rule }
}

fn steps(p: &Row, r: &Row, lang: Lang) -> Vec<Step> {
    let l = |en, zh| lang.say(en, zh);
    let (pool, own) = (figures_of("point_values", p), figures_of("settlements", r));
    let rule = |n: &str| match lang {
        Lang::En => format!("docs/settle.md, Arithmetic, step {n}"),
        Lang::Zh => format!("docs/settle.md 算法 第{n}步"),
    };
    vec![
        step(
            l("The pool's budget B and charges C", "总额预算 B 与先行扣除 C"),
            vec![("B", pool("budget")), ("C", pool("charges"))],
            l("docs/settle.md, Inputs: budgets", "docs/settle.md 输入：budgets 表").to_string(),
        ),
        step(
            l("Fixed-value amounts (drugs, protected services)", "固定点值费用（药品、保障项目）"),
            vec![("Σ", pool("fixed_amount"))],
            rule("1"),
        ),
        step(
            l("Floating money = B − C − fixed", "浮动点数可分配金额 = B − C − 固定"),
            vec![(l("money", "金额"), pool("floating_money"))],
            rule("3"),
        ),
        step(
            l("Floating point value (浮动点值) = money / floating points", "浮动点值 = 可分配金额 ÷ 浮动点数"),
            vec![
                ("F", pool("floating_points")),
                (l("exact", "精确值"), pool("fpv_exact")),
                (l("published", "公布值"), pool("fpv")),
                (l("average", "平均点值"), pool("apv")),
                (l("status", "状态"), pool("status")),
            ],
            rule("4, 7"),
        ),
        step(
            l("The institution's points by category", "本机构点数（按类别）"),
            vec![
                (l("claimed", "申报"), own("claimed_points")),
                (l("drugs", "药品"), own("drug_points")),
                (l("protected", "保障"), own("protected_points")),
                (l("deducted", "核减"), own("deducted_points")),
                (l("floating", "浮动"), own("floating_points")),
            ],
            rule("2"),
        ),
        step(
            l("Fixed amount at the fixed values", "固定点值金额"),
            vec![(l("fixed", "固定"), own("fixed_amount"))],
            rule("1"),
        ),
        step(
            l("Floating amount = floating points × point value", "浮动金额 = 浮动点数 × 浮动点值"),
            vec![(l("floating", "浮动"), own("floating_amount"))],
            rule("5"),
        ),
        step(
            l("Gross, less the copayment: payable", "合计减部分负担：应付"),
            vec![
                (l("gross", "合计"), own("gross_amount")),
                (l("copayment", "部分负担"), own("copayment")),
                (l("payable", "应付"), own("payable")),
            ],
            rule("6"),
        ),
        step(l("Interim payments made", "已暂付"), vec![(l("paid", "已付"), own("interim_paid"))], rule("6")),
        step(
            l(
                "Adjustment = payable − interim (to pay +, to recover −)",
                "结算补差 = 应付 − 暂付（应付为正、收回为负）",
            ),
            vec![("Δ", own("adjustment"))],
            rule("6"),
        ),
    ]
}
