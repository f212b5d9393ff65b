//! A histogram of percentages, bins coloured by their sign.

use crate::commands::lang::Lang;
use crate::commands::report::svg::Svg;

/// Counts of `values` (percentages) in 30 equal bins from the lowest to the highest (zero always
/// inside): orange bins wholly below zero, blue wholly above.
pub fn histogram(values: &[f64], x_name: &str, lang: Lang) -> String {
    let (w, h, left, bottom) = (720.0, 260.0, 50.0, 40.0);
    let mut svg = Svg::new(w, h);
    if values.is_empty() {
        svg.el("text").n("x", 10.0).n("y", 20.0).n("font-size", 12.0).text(lang.say("no settlements", "无结算记录"));
        return svg.finish();
    }
    let lo = values.iter().copied().fold(f64::INFINITY, f64::min).min(0.0);
    let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max).max(0.0);
    const BINS: usize = 30;
    let width = ((hi - lo) / BINS as f64).max(1e-9);
    let mut counts = [0usize; BINS];
    for v in values {
        counts[(((v - lo) / width) as usize).min(BINS - 1)] += 1;
    }
    let top = *counts.iter().max().expect("bins") as f64;
    let plot_w = w - left - 10.0;
    let plot_h = h - bottom - 16.0;
    let bar = plot_w / BINS as f64;
    for (i, c) in counts.iter().enumerate() {
        let bh = *c as f64 / top * plot_h;
        let from = lo + width * i as f64;
        let to = from + width;
        let color = if to <= 0.0 {
            "#d0603a"
        } else if from >= 0.0 {
            "#3b82c4"
        } else {
            "#9aa5b1"
        };
        svg.el("rect")
            .f("x", left + bar * i as f64 + 1.0, 2)
            .f("y", 16.0 + plot_h - bh, 2)
            .f("width", bar - 2.0, 2)
            .f("height", bh, 2)
            .a("fill", color)
            .title(&match lang {
                Lang::En => format!("{from:.1}% to {to:.1}%: {c} institution(s)"),
                Lang::Zh => format!("{from:.1}% 至 {to:.1}%：{c} 家机构"),
            });
        svg.nl();
    }
    let axis = 16.0 + plot_h;
    let px = |v: f64| left + (v - lo) / (width * BINS as f64) * plot_w;
    svg.el("line").n("x1", left).n("y1", axis).n("x2", w - 10.0).n("y2", axis).a("stroke", "#52606d").end();
    svg.nl();
    svg.el("line").n("x1", left).n("y1", 16.0).n("x2", left).n("y2", axis).a("stroke", "#52606d").end();
    svg.nl();
    svg.el("text").n("x", left - 4.0).n("y", 20.0).n("font-size", 11.0).a("text-anchor", "end").text(&top.to_string());
    svg.el("text").n("x", left - 4.0).n("y", axis).n("font-size", 11.0).a("text-anchor", "end").text("0");
    svg.nl();
    let mut ticks = vec![(lo, "start"), (hi, "end")];
    if lo < 0.0 && hi > 0.0 {
        ticks.push((0.0, "middle"));
        let x = px(0.0);
        svg.el("line")
            .f("x1", x, 2)
            .n("y1", 16.0)
            .f("x2", x, 2)
            .n("y2", axis)
            .a("stroke", "#111")
            .a("stroke-dasharray", "3 3")
            .end();
        svg.nl();
    }
    for (t, anchor) in ticks {
        svg.el("text")
            .f("x", px(t), 2)
            .n("y", axis + 15.0)
            .n("font-size", 11.0)
            .a("text-anchor", anchor)
            .text(&format!("{t:.1}%"));
        svg.nl();
    }
    svg.el("text")
        .n("x", left + plot_w / 2.0)
        .n("y", h - 4.0)
        .n("font-size", 11.0)
        .a("text-anchor", "middle")
        .text(x_name);
    svg.nl();
    svg.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::report::charts::testing::{marks, num};

    #[test]
    fn a_histogram_draws_each_count_at_its_height_and_colours_the_sign() {
        // 30 bins over [-10, 20]: one value in the first bin, three in the last
        let svg = histogram(&[-10.0, 20.0, 19.9, 19.5], "adjustment / payable", Lang::En);
        let bars = marks(&svg, "rect");
        assert_eq!(bars.len(), 30);
        let (first, last) = (&bars[0].0, &bars[29].0);
        assert!((num(last, "height") - 3.0 * num(first, "height")).abs() < 0.02, "{svg}");
        assert_eq!(num(&bars[10].0, "height"), 0.0, "an empty bin has no height");
        assert_eq!(first["fill"], "#d0603a", "below zero: orange");
        assert_eq!(last["fill"], "#3b82c4", "above zero: blue");
        assert!(bars[29].1.ends_with(": 3 institution(s)"));
    }
}
