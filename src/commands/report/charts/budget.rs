//! The budget charts: each pool's budget, cap and transfer against its forecast, and the parts of
//! its growth.

use crate::commands::lang::Lang;
use crate::commands::report::svg::Svg;

/// One pool of the budget chart (money as drawn: floats place pixels only).
#[derive(Debug, Clone, Default)]
pub struct BudgetBar {
    pub label: String,
    pub forecast: f64,
    pub cap: f64,
    pub transfer: f64,
    pub budget: f64,
    pub flag: String,
}

/// One row per pool, as shares of its spending forecast (100%): the budget (dark bar), the cap
/// (black mark) and the transfer above it (blue), so that a cap 2% below the forecast shows.
pub fn budget_bars(bars: &[BudgetBar], lang: Lang) -> String {
    let l = |en, zh| lang.say(en, zh);
    let (w, left, row) = (760.0, 170.0, 34.0);
    let h = 44.0 + row * bars.len() as f64;
    let share = |v: f64, b: &BudgetBar| if b.forecast > 0.0 { v / b.forecast * 100.0 } else { 100.0 };
    let all: Vec<f64> =
        bars.iter().flat_map(|b| [share(b.budget, b), share(b.cap, b), share(b.cap + b.transfer, b)]).collect();
    let lo = all.iter().copied().fold(100.0, f64::min).floor() - 1.0;
    let hi = all.iter().copied().fold(100.0, f64::max).ceil() + 1.0;
    let plot = w - left - 90.0;
    let x = |pct: f64| left + (pct - lo) / (hi - lo) * plot;
    let mut svg = Svg::new(w, h);
    for (i, b) in bars.iter().enumerate() {
        let y = 10.0 + row * i as f64;
        svg.el("text")
            .f("x", left - 8.0, 1)
            .f("y", y + 15.0, 1)
            .n("font-size", 12.0)
            .a("text-anchor", "end")
            .text(&b.label);
        svg.nl();
        svg.el("rect")
            .a("class", "budget")
            .n("x", left)
            .f("y", y + 4.0, 1)
            .f("width", x(share(b.budget, b)) - left, 2)
            .n("height", 12.0)
            .a("fill", "#243b53")
            .title(&match lang {
                Lang::En => {
                    format!("budget {:.2} ({:.2}% of the forecast {:.2})", b.budget, share(b.budget, b), b.forecast)
                }
                Lang::Zh => format!("预算 {:.2}（支出预测 {:.2} 的 {:.2}%）", b.budget, b.forecast, share(b.budget, b)),
            });
        svg.nl();
        if b.transfer > 0.0 {
            svg.el("rect")
                .a("class", "transfer")
                .f("x", x(share(b.cap, b)), 2)
                .f("y", y, 1)
                .f("width", x(share(b.cap + b.transfer, b)) - x(share(b.cap, b)), 2)
                .n("height", 20.0)
                .a("fill", "#3b82c4")
                .n("fill-opacity", 0.6)
                .title(&format!("{} {:.2}", l("transfer", "调剂金额"), b.transfer));
            svg.nl();
        }
        let cap = x(share(b.cap, b));
        svg.el("line")
            .a("class", "cap")
            .f("x1", cap, 2)
            .f("y1", y - 2.0, 1)
            .f("x2", cap, 2)
            .f("y2", y + 22.0, 1)
            .a("stroke", "#111")
            .n("stroke-width", 2.0)
            .title(&format!("{} {:.2}", l("cap", "上限"), b.cap));
        svg.nl();
        if !b.flag.is_empty() {
            let end = share(b.cap + b.transfer, b).max(share(b.budget, b)).max(100.0);
            svg.el("text")
                .f("x", x(end) + 6.0, 1)
                .f("y", y + 15.0, 1)
                .n("font-size", 11.5)
                .a("fill", "#b44d12")
                .text(&b.flag);
            svg.nl();
        }
    }
    let axis = 14.0 + row * bars.len() as f64;
    let full = x(100.0);
    svg.el("line")
        .f("x1", full, 2)
        .n("y1", 4.0)
        .f("x2", full, 2)
        .f("y2", axis, 1)
        .a("stroke", "#9aa5b1")
        .a("stroke-dasharray", "4 3")
        .end();
    svg.nl();
    svg.el("line").n("x1", left).f("y1", axis, 1).f("x2", left + plot, 1).f("y2", axis, 1).a("stroke", "#52606d").end();
    svg.nl();
    for (pct, anchor) in [(lo, "start"), (100.0, "middle"), (hi, "end")] {
        svg.el("text")
            .f("x", x(pct), 2)
            .f("y", axis + 14.0, 1)
            .n("font-size", 11.0)
            .a("text-anchor", anchor)
            .text(&format!("{pct:.0}%"));
        svg.nl();
    }
    // the bars start where the axis does: a zoomed axis says so, with a break mark at its start,
    // so that a budget 2% under its forecast is not read as a third cut
    let caption = if lo > 0.0 {
        svg.el("text")
            .f("x", left - 4.0, 1)
            .f("y", axis + 4.0, 1)
            .n("font-size", 13.0)
            .a("class", "axis-break")
            .a("text-anchor", "middle")
            .text("≈");
        svg.nl();
        match lang {
            Lang::En => format!("share of the spending forecast — the axis starts at {lo:.0}%, not at 0"),
            Lang::Zh => format!("占支出预测的比例——坐标轴从 {lo:.0}% 起，不从 0 起"),
        }
    } else {
        l("share of the spending forecast", "占支出预测的比例").to_string()
    };
    svg.el("text")
        .f("x", left + plot / 2.0, 1)
        .f("y", axis + 28.0, 1)
        .n("font-size", 11.0)
        .a("text-anchor", "middle")
        .text(&caption);
    svg.nl();
    svg.finish()
}

/// Stacked horizontal bars of each pool's growth parts (history, population, technology,
/// adjustment) around a zero line; negative parts in orange left of it.
pub fn growth_bars(parts: &[(String, [f64; 4])], lang: Lang) -> String {
    const COLORS: [&str; 4] = ["#3b82c4", "#7cc4a4", "#9b7fd1", "#e8b04b"];
    let names = match lang {
        Lang::En => ["history", "population", "technology", "adjustment"],
        Lang::Zh => ["历史增长", "参保人口", "新技术", "调整"],
    };
    let (w, left, row) = (760.0, 170.0, 30.0);
    let h = 46.0 + row * parts.len() as f64;
    // room on the right for the total's label
    let reach = |f: fn(f64) -> bool| {
        parts.iter().map(|(_, p)| p.iter().filter(|v| f(**v)).sum::<f64>().abs()).fold(0.0, f64::max)
    };
    let (neg, pos) = (reach(|v| v < 0.0), reach(|v| v > 0.0));
    let span = (neg + pos).max(1e-9);
    let plot = w - left - 70.0;
    let zero = left + neg / span * plot;
    let px = |v: f64| v / span * plot;
    let mut svg = Svg::new(w, h);
    for (k, name) in names.iter().enumerate() {
        let x = left + 110.0 * k as f64;
        svg.el("rect").f("x", x, 1).n("y", 4.0).n("width", 12.0).n("height", 12.0).a("fill", COLORS[k]).end();
        svg.el("text").f("x", x + 16.0, 1).n("y", 14.0).n("font-size", 11.5).text(name);
        svg.nl();
    }
    for (i, (label, p)) in parts.iter().enumerate() {
        let y = 28.0 + row * i as f64;
        svg.el("text")
            .f("x", left - 8.0, 1)
            .f("y", y + 13.0, 1)
            .n("font-size", 12.0)
            .a("text-anchor", "end")
            .text(label);
        svg.nl();
        let (mut up, mut down) = (zero, zero);
        for (k, v) in p.iter().enumerate() {
            if *v == 0.0 {
                continue;
            }
            let width = px(v.abs());
            let x = if *v > 0.0 { up } else { down - width };
            let fill = if *v > 0.0 { COLORS[k] } else { "#d0603a" };
            svg.el("rect")
                .a("class", "part")
                .f("x", x, 2)
                .f("y", y, 1)
                .f("width", width, 2)
                .n("height", 18.0)
                .a("fill", fill)
                .a("stroke", "#fff")
                .title(&format!("{}: {:.4}%", names[k], v * 100.0));
            svg.nl();
            if *v > 0.0 {
                up += width;
            } else {
                down -= width;
            }
        }
        svg.el("text")
            .f("x", up + 4.0, 1)
            .f("y", y + 13.0, 1)
            .n("font-size", 11.0)
            .text(&format!("{:.2}%", p.iter().sum::<f64>() * 100.0));
        svg.nl();
    }
    svg.el("line").f("x1", zero, 2).n("y1", 22.0).f("x2", zero, 2).f("y2", h - 4.0, 1).a("stroke", "#111").end();
    svg.nl();
    svg.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bar(label: &str, forecast: f64, cap: f64, transfer: f64, budget: f64) -> BudgetBar {
        BudgetBar { label: label.into(), forecast, cap, transfer, budget, flag: String::new() }
    }

    /// The x of the first `<line class="cap">` after `from` in `svg`.
    fn cap_x(svg: &str, nth: usize) -> f64 {
        let at = svg.match_indices("class=\"cap\" x1=\"").nth(nth).expect("a cap mark").0 + 16;
        svg[at..].split('"').next().unwrap().parse().unwrap()
    }

    #[test]
    fn the_cap_mark_sits_at_its_share_of_the_forecast_and_labels_are_escaped() {
        // a cap at 95% of the forecast sits left of the 100% line, one at 105% right of it
        let svg =
            budget_bars(&[bar("<b>济南</b>", 100.0, 95.0, 0.0, 95.0), bar("b", 100.0, 105.0, 0.0, 100.0)], Lang::En);
        let full = {
            let at = svg.find("stroke-dasharray").unwrap();
            let line = &svg[svg[..at].rfind("<line").unwrap()..at];
            line.split("x1=\"").nth(1).unwrap().split('"').next().unwrap().parse::<f64>().unwrap()
        };
        assert!(cap_x(&svg, 0) < full && cap_x(&svg, 1) > full, "{svg}");
        // the scale is linear: 95% and 105% stand as far from 100%
        assert!(((full - cap_x(&svg, 0)) - (cap_x(&svg, 1) - full)).abs() < 0.01);
        assert!(svg.contains("&lt;b&gt;济南&lt;/b&gt;") && !svg.contains("<b>"));
        // a transfer is drawn from the cap to the cap plus the transfer
        let svg = budget_bars(&[bar("a", 100.0, 95.0, 3.0, 98.0)], Lang::En);
        assert!(svg.contains("class=\"transfer\""));
        // the axis is zoomed to 94%–101%: it says where it starts and marks the break
        assert!(svg.contains("the axis starts at 94%, not at 0") && svg.contains("class=\"axis-break\""), "{svg}");
        // an axis from 0 has no break to mark
        let svg = budget_bars(&[bar("z", 100.0, 0.5, 0.0, 0.5)], Lang::En);
        assert!(!svg.contains("axis-break") && svg.contains(">share of the spending forecast<"), "{svg}");
    }

    #[test]
    fn growth_parts_stack_on_their_side_of_zero() {
        let svg = growth_bars(&[("p".into(), [0.02, 0.01, 0.0, -0.01])], Lang::En);
        let rects: Vec<(f64, f64)> = svg
            .match_indices("class=\"part\" x=\"")
            .map(|(i, _)| {
                let rest = &svg[i + 16..];
                let x: f64 = rest.split('"').next().unwrap().parse().unwrap();
                let w: f64 = rest.split("width=\"").nth(1).unwrap().split('"').next().unwrap().parse().unwrap();
                (x, w)
            })
            .collect();
        // three parts drawn (the zero one is not); the first two abut, the negative ends where they start
        assert_eq!(rects.len(), 3);
        assert!((rects[0].0 + rects[0].1 - rects[1].0).abs() < 0.01);
        assert!((rects[2].0 + rects[2].1 - rects[0].0).abs() < 0.01);
        // widths in proportion to the values: 2 : 1 : 1
        assert!((rects[0].1 - 2.0 * rects[1].1).abs() < 0.01 && (rects[1].1 - rects[2].1).abs() < 0.01);
    }
}
