//! The attribution chart: each pool's change of point value split into its three effects.

use super::truncate;
use crate::commands::lang::Lang;
use crate::commands::report::svg::Svg;

/// The three causes of a change of point value and their colours.
pub const EFFECT_COLORS: [(&str, &str); 3] = [("budget", "#3b82c4"), ("volume", "#e0a030"), ("config", "#7c5cbf")];

/// The causes' names in Chinese, in the order of [`EFFECT_COLORS`].
const EFFECT_NAMES_ZH: [&str; 3] = ["预算", "服务量", "参数"];

/// A line of the attribution chart: a scenario's heading, or one pool's effects (budget, volume,
/// config; `None` where a side of the comparison has no value).
#[derive(Debug, Clone)]
pub enum AttributionLine {
    Heading(String),
    Pool { scenario: String, pool: String, effects: Option<[f64; 3]> },
}

/// Each pool's change split into its three effects, stacked from zero (positive right, negative
/// left), with a black tick at their sum; `extent` is the largest reach either way, the same
/// for every line.
pub fn attribution(lines: &[AttributionLine], extent: f64, lang: Lang) -> String {
    let effect = |k: usize| lang.say(EFFECT_COLORS[k].0, EFFECT_NAMES_ZH[k]);
    let (label_w, bar_w, row_h) = (260.0, 520.0, 22.0);
    let height = 34.0 + row_h * lines.len() as f64 + 30.0;
    let zero = label_w + bar_w / 2.0;
    let scale = bar_w / 2.0 / extent;
    let mut svg = Svg::new(label_w + bar_w + 90.0, height);
    for (k, (_, color)) in EFFECT_COLORS.iter().enumerate() {
        let x = label_w + k as f64 * 110.0;
        svg.el("rect").n("x", x).n("y", 6.0).n("width", 12.0).n("height", 12.0).a("fill", color).end();
        svg.el("text").n("x", x + 16.0).n("y", 16.0).n("font-size", 12.0).text(effect(k));
        svg.nl();
    }
    svg.el("line").n("x1", zero).n("y1", 28.0).n("x2", zero).n("y2", height - 24.0).a("stroke", "#9aa5b1").end();
    svg.nl();
    for (n, line) in lines.iter().enumerate() {
        let y = 30.0 + row_h * n as f64;
        let (scenario, pool, effects) = match line {
            AttributionLine::Heading(name) => {
                svg.el("line").n("x1", 0.0).n("y1", y).n("x2", label_w + bar_w).n("y2", y).a("stroke", "#d9e2ec").end();
                svg.el("text")
                    .n("x", 0.0)
                    .n("y", y + 16.0)
                    .n("font-size", 12.5)
                    .a("font-weight", "600")
                    .text(&truncate(name, 60));
                svg.nl();
                continue;
            }
            AttributionLine::Pool { scenario, pool, effects } => (scenario, pool, effects),
        };
        svg.el("text")
            .n("x", label_w - 8.0)
            .n("y", y + 15.0)
            .n("font-size", 12.0)
            .a("text-anchor", "end")
            .text(&truncate(pool, 40));
        svg.nl();
        let Some(effects) = effects else {
            svg.el("text")
                .n("x", zero + 6.0)
                .n("y", y + 15.0)
                .n("font-size", 11.0)
                .a("fill", "#7b8794")
                .text(lang.say("no value on one side", "一方无值"));
            svg.nl();
            continue;
        };
        let (mut pos, mut neg, mut total) = (0.0, 0.0, 0.0);
        for (k, p) in effects.iter().copied().enumerate() {
            total += p;
            let x = if p >= 0.0 { zero + pos * scale } else { zero - (neg + p.abs()) * scale };
            if p >= 0.0 {
                pos += p;
            } else {
                neg += p.abs();
            }
            svg.el("rect")
                .f("x", x, 2)
                .n("y", y + 4.0)
                .f("width", p.abs() * scale, 2)
                .n("height", row_h - 8.0)
                .a("fill", EFFECT_COLORS[k].1)
                .title(&match lang {
                    Lang::En => format!("{scenario} — {pool}: {} effect {p:+.6}", effect(k)),
                    Lang::Zh => format!("{scenario} — {pool}：{}因素影响 {p:+.6}", effect(k)),
                });
            svg.nl();
        }
        let tx = zero + total * scale;
        svg.el("line")
            .f("x1", tx, 2)
            .n("y1", y + 1.0)
            .f("x2", tx, 2)
            .n("y2", y + row_h - 1.0)
            .a("stroke", "#111")
            .n("stroke-width", 2.0)
            .end();
        svg.nl();
        svg.el("text")
            .n("x", label_w + bar_w + 8.0)
            .n("y", y + 15.0)
            .n("font-size", 11.0)
            .a("fill", "#323f4b")
            .text(&format!("{total:+.4}"));
        svg.nl();
    }
    let base = height - 10.0;
    svg.el("text").n("x", zero).n("y", base).n("font-size", 11.0).a("text-anchor", "middle").text("0");
    svg.nl();
    svg.el("text")
        .n("x", label_w + bar_w)
        .n("y", base)
        .n("font-size", 11.0)
        .a("text-anchor", "end")
        .text(&format!("{extent:+.4}"));
    svg.nl();
    svg.el("text")
        .n("x", label_w)
        .n("y", base)
        .n("font-size", 11.0)
        .a("text-anchor", "start")
        .text(&format!("{:+.4}", -extent));
    svg.nl();
    svg.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::report::charts::testing::{marks, num};

    #[test]
    fn attribution_bars_are_as_long_as_their_effects_and_the_tick_sits_at_their_sum() {
        let lines = vec![
            AttributionLine::Heading("more <budget>".into()),
            AttributionLine::Pool { scenario: "s".into(), pool: "p".into(), effects: Some([0.02, -0.01, 0.005]) },
            AttributionLine::Pool { scenario: "s".into(), pool: "q".into(), effects: None },
        ];
        let svg = attribution(&lines, 0.025, Lang::En);
        let bars: Vec<_> = marks(&svg, "rect").into_iter().filter(|(_, t)| t.contains("effect")).collect();
        assert_eq!(bars.len(), 3, "{svg}");
        let w = |i: usize| num(&bars[i].0, "width");
        assert!((w(0) - 2.0 * w(1)).abs() < 0.02 && (w(1) - 2.0 * w(2)).abs() < 0.02);
        // zero is the middle of the bar area (260 + 520 / 2); budget right of it, volume left
        assert!((num(&bars[0].0, "x") - 520.0).abs() < 0.01);
        assert!((num(&bars[1].0, "x") + w(1) - 520.0).abs() < 0.01);
        // the volume bar's left edge is where its negative effect reaches: -0.01 of a 0.025 half-width
        assert!((num(&bars[1].0, "x") - (520.0 - 0.01 / 0.025 * 260.0)).abs() < 0.01);
        let tick = marks(&svg, "line").into_iter().find(|(m, _)| m.get("stroke-width").is_some()).unwrap().0;
        assert!((num(&tick, "x1") - (520.0 + 0.015 / 0.025 * 260.0)).abs() < 0.01, "the tick at the sum 0.015");
        assert!(svg.contains("no value on one side") && svg.contains("more &lt;budget&gt;"));
    }
}
