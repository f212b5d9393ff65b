//! A small multiple of a trend: one region's point values over the periods, a line per sector
//! or fund.

use super::truncate;
use crate::commands::lang::Lang;
use crate::commands::report::svg::Svg;

/// One line of a trend: its name and, per period (in the chart's order), its value (as drawn)
/// and the text shown on hover; `None` where the pool has no value in that period.
pub struct TrendLine {
    pub name: String,
    pub points: Vec<Option<(f64, String)>>,
}

/// Colours of the lines, in the order of their names.
const COLOURS: [&str; 8] = ["#2563a8", "#c2410c", "#1f7a4d", "#7c3aed", "#a16207", "#0e7490", "#be185d", "#52606d"];

/// The trend of `title` (a region) over `periods`: a polyline and dots per line, its name at
/// its last value; the value axis spans the values drawn (and says where it starts).
pub fn trend(title: &str, periods: &[String], lines: &[TrendLine], lang: Lang) -> String {
    let (w, h, left, right, top, bottom) = (380.0, 240.0, 56.0, 110.0, 28.0, 34.0);
    let mut svg = Svg::new(w, h);
    svg.el("text").n("x", 0.0).n("y", 16.0).n("font-size", 13.0).a("font-weight", "600").text(title);
    svg.nl();
    let values: Vec<f64> = lines.iter().flat_map(|l| l.points.iter().flatten().map(|(v, _)| *v)).collect();
    if values.is_empty() || periods.is_empty() {
        svg.el("text").n("x", 0.0).n("y", 40.0).n("font-size", 12.0).text(lang.say("no values", "无值"));
        return svg.finish();
    }
    let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let pad = ((hi - lo) * 0.08).max(hi.abs() * 0.005).max(1e-9);
    let (y0, y1) = (lo - pad, hi + pad);
    let (pw, ph) = (w - left - right, h - top - bottom);
    let px = |k: usize| left + if periods.len() > 1 { pw * k as f64 / (periods.len() - 1) as f64 } else { pw / 2.0 };
    let py = |v: f64| top + (y1 - v) / (y1 - y0) * ph;
    // the frame, the value axis's ends (a zoomed axis: it does not start at 0)
    svg.el("rect").n("x", left).n("y", top).f("width", pw, 1).f("height", ph, 1).a("fill", "#f8fafc").end();
    svg.nl();
    for v in [y0, y1] {
        svg.el("text")
            .n("x", left - 4.0)
            .f("y", py(v) + 4.0, 1)
            .n("font-size", 10.5)
            .a("text-anchor", "end")
            .text(&format!("{v:.4}"));
        svg.nl();
    }
    for (k, p) in periods.iter().enumerate() {
        svg.el("text")
            .f("x", px(k), 1)
            .f("y", top + ph + 14.0, 1)
            .n("font-size", 10.5)
            .a("text-anchor", "middle")
            .text(p);
        svg.nl();
    }
    for (n, line) in lines.iter().enumerate() {
        let colour = COLOURS[n % COLOURS.len()];
        // a line through the periods with a value; a period without one breaks it
        let mut runs: Vec<Vec<(f64, f64)>> = vec![Vec::new()];
        for (k, point) in line.points.iter().enumerate() {
            match point {
                Some((v, _)) => runs.last_mut().expect("one run").push((px(k), py(*v))),
                None => runs.push(Vec::new()),
            }
        }
        for run in runs.iter().filter(|r| r.len() > 1) {
            let points: Vec<String> = run.iter().map(|(x, y)| format!("{x:.1},{y:.1}")).collect();
            svg.el("polyline")
                .a("points", &points.join(" "))
                .a("fill", "none")
                .a("stroke", colour)
                .n("stroke-width", 2.0)
                .end();
            svg.nl();
        }
        for (k, point) in line.points.iter().enumerate() {
            let Some((v, shown)) = point else { continue };
            svg.el("circle")
                .f("cx", px(k), 1)
                .f("cy", py(*v), 1)
                .n("r", 3.5)
                .a("fill", colour)
                .title(&format!("{} · {}: {shown}", line.name, periods[k]));
            svg.nl();
        }
    }
    // each line's name at its last value, moved apart where two would overlap
    let mut names: Vec<(f64, f64, &str, &str)> = lines
        .iter()
        .enumerate()
        .filter_map(|(n, line)| {
            let (k, (v, _)) = line.points.iter().enumerate().rev().find_map(|(k, p)| p.as_ref().map(|p| (k, p)))?;
            Some((px(k) + 8.0, py(*v) + 4.0, line.name.as_str(), COLOURS[n % COLOURS.len()]))
        })
        .collect();
    names.sort_by(|a, b| a.1.total_cmp(&b.1));
    for i in 1..names.len() {
        if names[i].1 - names[i - 1].1 < 12.0 && (names[i].0 - names[i - 1].0).abs() < 1.0 {
            names[i].1 = names[i - 1].1 + 12.0;
        }
    }
    for (x, y, name, colour) in names {
        svg.el("text").f("x", x, 1).f("y", y, 1).n("font-size", 11.0).a("fill", colour).text(&truncate(name, 16));
        svg.nl();
    }
    svg.el("text").n("x", left).n("y", h - 4.0).n("font-size", 10.0).a("fill", "#7b8794").text(&match lang {
        Lang::En => format!("the axis spans {y0:.4} to {y1:.4}, not from 0"),
        Lang::Zh => format!("坐标轴范围 {y0:.4} 至 {y1:.4}，不从 0 起"),
    });
    svg.nl();
    svg.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::report::charts::testing::{marks, num};

    #[test]
    fn a_trend_draws_each_line_through_its_periods_higher_when_higher() {
        let periods: Vec<String> = ["2025Q1", "2025Q2", "2026Q1"].iter().map(|s| s.to_string()).collect();
        let v = |x: f64| Some((x, format!("{x:.4}")));
        let lines = vec![
            TrendLine { name: "hospital".into(), points: vec![v(0.90), v(0.95), v(1.00)] },
            TrendLine { name: "<dental>".into(), points: vec![v(1.10), None, v(1.05)] },
        ];
        let svg = trend("north", &periods, &lines, Lang::En);
        let dots = marks(&svg, "circle");
        assert_eq!(dots.len(), 5, "a dot per value");
        let at = |t: &str| dots.iter().find(|(_, title)| title.starts_with(t)).unwrap().0.clone();
        let (first, last) = (at("hospital · 2025Q1"), at("hospital · 2026Q1"));
        assert!(num(&first, "cx") < num(&last, "cx"), "periods left to right");
        assert!(num(&last, "cy") < num(&first, "cy"), "a higher value is higher");
        assert!(num(&at("&lt;dental&gt; · 2025Q1"), "cy") < num(&last, "cy"));
        // the hospital's line is one polyline; dental's, broken by its missing period, none
        assert_eq!(marks(&svg, "polyline").len(), 1);
        assert!(svg.contains("&lt;dental&gt;") && !svg.contains("<dental>"));
        assert!(svg.contains("not from 0"));
    }
}
