//! A scatter of points in four named quadrants, the most extreme named.

use crate::commands::lang::Lang;
use crate::commands::report::svg::Svg;

/// One point of a scatter: where it lies, its tooltip, and its name when it is named.
#[derive(Debug, Clone)]
pub struct Point {
    pub x: f64,
    pub y: f64,
    pub tip: String,
    pub name: String,
}

/// Points in four quadrants around (`x_mid`, `y_mid`), each quadrant named and counted; the
/// `named` points farthest from the centre (in units of each axis's span) carry their name.
pub fn scatter(
    points: &[Point],
    (x_mid, y_mid): (f64, f64),
    x_name: &str,
    y_name: &str,
    named: usize,
    lang: Lang,
) -> String {
    let l = |en, zh| lang.say(en, zh);
    let (w, h, left, bottom) = (720.0, 420.0, 70.0, 40.0);
    let mut svg = Svg::new(w, h);
    if points.is_empty() {
        svg.el("text")
            .n("x", 10.0)
            .n("y", 20.0)
            .n("font-size", 12.0)
            .text(l("no hospitals with cases", "无有病例的医院"));
        return svg.finish();
    }
    let span = |f: &dyn Fn(&Point) -> f64, mid: f64| {
        let lo = points.iter().map(f).fold(mid, f64::min);
        let hi = points.iter().map(f).fold(mid, f64::max);
        let pad = ((hi - lo) * 0.06).max(1e-9);
        // a measure that cannot be negative (CMI) gets no negative axis
        (if lo >= 0.0 { (lo - pad).max(0.0) } else { lo - pad }, hi + pad)
    };
    let (x0, x1) = span(&|p| p.x, x_mid);
    let (y0, y1) = span(&|p| p.y, y_mid);
    let (pw, ph) = (w - left - 20.0, h - bottom - 20.0);
    let px = |x: f64| left + (x - x0) / (x1 - x0) * pw;
    let py = |y: f64| 20.0 + (y1 - y) / (y1 - y0) * ph;
    let quadrant_fill = [
        ("#eaf4ec", x_mid, y1, x1, y_mid),
        ("#fbeeea", x_mid, y_mid, x1, y0),
        ("#eef3fa", x0, y1, x_mid, y_mid),
        ("#fdf6e7", x0, y_mid, x_mid, y0),
    ];
    for (fill, a, b, c, d) in quadrant_fill {
        svg.el("rect")
            .f("x", px(a), 1)
            .f("y", py(b), 1)
            .f("width", px(c) - px(a), 1)
            .f("height", py(d) - py(b), 1)
            .a("fill", fill)
            .end();
        svg.nl();
    }
    let mut counts = [0usize; 4];
    for Point { x, y, tip, .. } in points {
        let q = match (*x >= x_mid, *y >= y_mid) {
            (true, true) => 0,
            (true, false) => 1,
            (false, true) => 2,
            (false, false) => 3,
        };
        counts[q] += 1;
        let color = ["#1f7a4d", "#c2410c", "#2563a8", "#a16207"][q];
        svg.el("circle")
            .f("cx", px(*x), 1)
            .f("cy", py(*y), 1)
            .n("r", 3.2)
            .a("fill", color)
            .n("fill-opacity", 0.75)
            .title(tip);
        svg.nl();
    }
    // the farthest from the centre, named beside their dots
    let far = |p: &Point| ((p.x - x_mid) / (x1 - x0)).hypot((p.y - y_mid) / (y1 - y0));
    let mut order: Vec<&Point> = points.iter().collect();
    order.sort_by(|a, b| far(b).total_cmp(&far(a)).then_with(|| a.name.cmp(&b.name)));
    for p in order.into_iter().take(named) {
        let right = px(p.x) < left + pw * 0.8;
        svg.el("text")
            .f("x", px(p.x) + if right { 5.0 } else { -5.0 }, 1)
            .f("y", py(p.y) - 4.0, 1)
            .n("font-size", 10.0)
            .a("text-anchor", if right { "start" } else { "end" })
            .a("fill", "#1f2933")
            .a("class", "named")
            .text(&p.name);
        svg.nl();
    }
    svg.el("line")
        .f("x1", px(x_mid), 1)
        .n("y1", 20.0)
        .f("x2", px(x_mid), 1)
        .f("y2", 20.0 + ph, 1)
        .a("stroke", "#52606d")
        .end();
    svg.nl();
    svg.el("line")
        .n("x1", left)
        .f("y1", py(y_mid), 1)
        .f("x2", left + pw, 1)
        .f("y2", py(y_mid), 1)
        .a("stroke", "#52606d")
        .end();
    svg.nl();
    let corner = [
        (left + pw - 6.0, 34.0, "end", l("complex, in surplus", "疑难、结余")),
        (left + pw - 6.0, 14.0 + ph, "end", l("complex, over", "疑难、超支")),
        (left + 6.0, 34.0, "start", l("simple, in surplus", "简单、结余")),
        (left + 6.0, 14.0 + ph, "start", l("simple, over", "简单、超支")),
    ];
    for (k, (x, y, anchor, name)) in corner.iter().enumerate() {
        svg.el("text")
            .f("x", *x, 1)
            .f("y", *y, 1)
            .n("font-size", 12.0)
            .a("text-anchor", anchor)
            .a("fill", "#323f4b")
            .text(&format!("{name}: {}", counts[k]));
        svg.nl();
    }
    for x in [x0, x_mid, x1] {
        svg.el("text")
            .f("x", px(x), 1)
            .f("y", 34.0 + ph, 1)
            .n("font-size", 11.0)
            .a("text-anchor", "middle")
            .text(&format!("{x:.2}"));
        svg.nl();
    }
    for y in [y0, y_mid, y1] {
        svg.el("text")
            .f("x", left - 4.0, 1)
            .f("y", py(y) + 4.0, 1)
            .n("font-size", 11.0)
            .a("text-anchor", "end")
            .text(&format!("{y:.0}"));
        svg.nl();
    }
    svg.el("text")
        .f("x", left + pw / 2.0, 1)
        .n("y", h - 6.0)
        .n("font-size", 11.5)
        .a("text-anchor", "middle")
        .text(x_name);
    svg.nl();
    let mid = 20.0 + ph / 2.0;
    svg.el("text")
        .n("x", 12.0)
        .f("y", mid, 1)
        .n("font-size", 11.5)
        .a("text-anchor", "middle")
        .a("transform", &format!("rotate(-90 12 {mid:.1})"))
        .text(y_name);
    svg.nl();
    svg.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::report::charts::testing::{marks, num};

    #[test]
    fn a_scatter_places_points_by_their_values_and_counts_the_quadrants() {
        let p = |x: f64, y: f64, tip: &str, name: &str| Point { x, y, tip: tip.into(), name: name.into() };
        let points = vec![
            p(1.5, 200.0, "complex surplus", "H1"),
            p(1.2, -50.0, "complex over", "H2"),
            p(0.7, 10.0, "simple <surplus>", "H<3>"),
            p(1.01, 1.0, "near the centre", "H4"),
        ];
        let svg = scatter(&points, (1.0, 0.0), "CMI", "balance per case", 2, Lang::En);
        let dots = marks(&svg, "circle");
        assert_eq!(dots.len(), 4);
        let (a, b, c) = (&dots[0].0, &dots[1].0, &dots[2].0);
        assert!(num(a, "cx") > num(b, "cx") && num(b, "cx") > num(c, "cx"), "x grows with CMI");
        assert!(num(a, "cy") < num(c, "cy") && num(c, "cy") < num(b, "cy"), "y grows upward with the balance");
        assert_eq!(dots[2].1, "simple &lt;surplus&gt;");
        assert!(svg.contains("complex, in surplus: 2") && svg.contains("complex, over: 1"));
        // the two farthest from the centre are named, the one near it is not; names escaped
        let named: Vec<String> = svg
            .lines()
            .filter(|l| l.contains("class=\"named\""))
            .map(|l| l.rsplit_once("\">").unwrap().1.trim_end_matches("</text>").to_string())
            .collect();
        assert_eq!(named, vec!["H1".to_string(), "H&lt;3&gt;".to_string()], "{svg}");
        assert!(svg.contains("simple, in surplus: 1") && svg.contains("simple, over: 0"));
    }
}
