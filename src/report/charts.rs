//! The report's charts, each drawn from plain data (labels, values as f64 pixels' worth, texts
//! to show) through [`Svg`], which escapes everything it writes. Floating point places pixels
//! only: the numbers a reader reads are the tables' exact decimals, passed in as text.

use std::collections::BTreeMap;

use super::svg::Svg;

/// How a heatmap colours its values.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub enum Palette {
    /// Low to high, light to dark blue.
    #[default]
    Sequential,
    /// Around zero: falls in orange, rises in blue.
    Diverging,
}

/// A map of one value over rows × columns (regions × sectors or funds).
#[derive(Debug, Default)]
pub struct Heatmap {
    /// The heading: the column that selects the map and its value, e.g. ("quarter", "2026Q1").
    pub heading: (String, String),
    /// (row, column) → the value as drawn and the text shown; a value of `None` is a pool with
    /// no value, a missing cell a pool that does not exist.
    pub cells: BTreeMap<(String, String), (Option<f64>, Option<String>)>,
    /// The ends of the colour scale, shared by every map of a page; `None` when nothing has a
    /// value.
    pub range: Option<(f64, f64)>,
    pub palette: Palette,
}

const CELL_W: f64 = 118.0;
const CELL_H: f64 = 28.0;
const MAP_LABEL_W: f64 = 110.0;

pub fn heatmap(m: &Heatmap) -> String {
    let mut row_names: Vec<&String> = m.cells.keys().map(|(r, _)| r).collect();
    row_names.dedup();
    let mut col_names: Vec<&String> = m.cells.keys().map(|(_, c)| c).collect();
    col_names.sort();
    col_names.dedup();
    let palette = m.palette;
    let color = |t: f64| match palette {
        Palette::Sequential => blue(t),
        Palette::Diverging => diverging(t),
    };
    let (label_w, cell_w, cell_h) = (MAP_LABEL_W, CELL_W, CELL_H);
    let width = label_w + cell_w * col_names.len() as f64 + 10.0;
    let height = 50.0 + cell_h * row_names.len() as f64 + 34.0;
    let mut svg = Svg::new(width, height);
    svg.el("text")
        .n("x", 0.0)
        .n("y", 16.0)
        .n("font-size", 14.0)
        .a("font-weight", "600")
        .text(&format!("{} {}", m.heading.0, m.heading.1));
    svg.nl();
    for (j, c) in col_names.iter().enumerate() {
        svg.el("text")
            .n("x", label_w + cell_w * (j as f64 + 0.5))
            .n("y", 42.0)
            .n("font-size", 12.0)
            .a("text-anchor", "middle")
            .text(&truncate(c, 16));
        svg.nl();
    }
    for (i, r) in row_names.iter().enumerate() {
        let y = 50.0 + cell_h * i as f64;
        svg.el("text")
            .n("x", label_w - 8.0)
            .n("y", y + 18.0)
            .n("font-size", 12.0)
            .a("text-anchor", "end")
            .text(&truncate(r, 14));
        svg.nl();
        for (j, c) in col_names.iter().enumerate() {
            let x = label_w + cell_w * j as f64;
            let (fill, text, ink) = match m.cells.get(&((*r).clone(), (*c).clone())) {
                Some((Some(v), shown)) => {
                    let (lo, hi) = m.range.unwrap_or((*v, *v));
                    let t = if hi > lo { (v - lo) / (hi - lo) } else { 0.5 };
                    let (fill, ink) = color(t);
                    (fill, shown.clone().unwrap_or_default(), ink)
                }
                Some((None, _)) => ("#f5f7fa".to_string(), "—".to_string(), "#7b8794"),
                None => ("#ffffff".to_string(), String::new(), "#7b8794"),
            };
            svg.el("rect")
                .n("x", x)
                .n("y", y)
                .n("width", cell_w - 2.0)
                .n("height", cell_h - 2.0)
                .a("fill", &fill)
                .a("stroke", "#fff")
                .title(&format!("{r} · {c}: {text}"));
            svg.el("text")
                .n("x", x + cell_w / 2.0)
                .n("y", y + 18.0)
                .n("font-size", 11.5)
                .a("text-anchor", "middle")
                .a("fill", ink)
                .text(&text);
            svg.nl();
        }
    }
    if let Some((lo, hi)) = m.range {
        let y = height - 22.0;
        for k in 0..=20 {
            let (fill, _) = color(k as f64 / 20.0);
            svg.el("rect")
                .n("x", label_w + k as f64 * 6.0)
                .n("y", y)
                .n("width", 6.0)
                .n("height", 10.0)
                .a("fill", &fill)
                .end();
            svg.nl();
        }
        svg.el("text")
            .n("x", label_w - 4.0)
            .n("y", y + 9.0)
            .n("font-size", 11.0)
            .a("text-anchor", "end")
            .text(&format!("{lo:.4}"));
        svg.el("text").n("x", label_w + 130.0).n("y", y + 9.0).n("font-size", 11.0).text(&format!("{hi:.4}"));
        svg.nl();
    }
    svg.finish()
}

/// Orange below the middle of [0, 1], white at it, blue above; and the ink that reads on it.
pub fn diverging(t: f64) -> (String, &'static str) {
    let d = (t.clamp(0.0, 1.0) - 0.5) * 2.0;
    let (to, a) = if d < 0.0 { ((194.0, 65.0, 12.0), -d) } else { ((16.0, 70.0, 140.0), d) };
    let mix = |from: f64, to: f64| (from + (to - from) * a).round() as u8;
    let fill = format!("#{:02x}{:02x}{:02x}", mix(247.0, to.0), mix(247.0, to.1), mix(247.0, to.2));
    (fill, if a > 0.55 { "#ffffff" } else { "#102a43" })
}

/// A sequential blue for t in [0, 1], and the ink that reads on it.
pub fn blue(t: f64) -> (String, &'static str) {
    let t = t.clamp(0.0, 1.0);
    let mix = |a: f64, b: f64| (a + (b - a) * t).round() as u8;
    let fill = format!("#{:02x}{:02x}{:02x}", mix(222.0, 16.0), mix(235.0, 70.0), mix(247.0, 140.0));
    (fill, if t > 0.55 { "#ffffff" } else { "#102a43" })
}

/// Counts of `values` (percentages) in 30 equal bins from the lowest to the highest (zero always
/// inside): orange bins wholly below zero, blue wholly above.
pub fn histogram(values: &[f64], x_name: &str) -> String {
    let (w, h, left, bottom) = (720.0, 260.0, 50.0, 40.0);
    let mut svg = Svg::new(w, h);
    if values.is_empty() {
        svg.el("text").n("x", 10.0).n("y", 20.0).n("font-size", 12.0).text("no settlements");
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
            .title(&format!("{from:.1}% to {to:.1}%: {c} institution(s)"));
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

/// One point of a scatter: x, y and its tooltip.
pub type Point = (f64, f64, String);

/// Points in four quadrants around (`x_mid`, `y_mid`), each quadrant named and counted.
pub fn scatter(points: &[Point], x_mid: f64, y_mid: f64, x_name: &str, y_name: &str) -> String {
    let (w, h, left, bottom) = (720.0, 420.0, 70.0, 40.0);
    let mut svg = Svg::new(w, h);
    if points.is_empty() {
        svg.el("text").n("x", 10.0).n("y", 20.0).n("font-size", 12.0).text("no hospitals with cases");
        return svg.finish();
    }
    let span = |f: &dyn Fn(&Point) -> f64, mid: f64| {
        let lo = points.iter().map(f).fold(mid, f64::min);
        let hi = points.iter().map(f).fold(mid, f64::max);
        let pad = ((hi - lo) * 0.06).max(1e-9);
        // a measure that cannot be negative (CMI) gets no negative axis
        (if lo >= 0.0 { (lo - pad).max(0.0) } else { lo - pad }, hi + pad)
    };
    let (x0, x1) = span(&|p| p.0, x_mid);
    let (y0, y1) = span(&|p| p.1, y_mid);
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
    for (x, y, label) in points {
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
            .title(label);
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
        (left + pw - 6.0, 34.0, "end", "complex, in surplus"),
        (left + pw - 6.0, 14.0 + ph, "end", "complex, over"),
        (left + 6.0, 34.0, "start", "simple, in surplus"),
        (left + 6.0, 14.0 + ph, "start", "simple, over"),
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
pub fn budget_bars(bars: &[BudgetBar]) -> String {
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
            .title(&format!("budget {:.2} ({:.2}% of the forecast {:.2})", b.budget, share(b.budget, b), b.forecast));
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
                .title(&format!("transfer {:.2}", b.transfer));
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
            .title(&format!("cap {:.2}", b.cap));
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
    svg.el("text")
        .f("x", left + plot / 2.0, 1)
        .f("y", axis + 28.0, 1)
        .n("font-size", 11.0)
        .a("text-anchor", "middle")
        .text("share of the spending forecast");
    svg.nl();
    svg.finish()
}

/// Stacked horizontal bars of each pool's growth parts (history, population, technology,
/// adjustment) around a zero line; negative parts in orange left of it.
pub fn growth_bars(parts: &[(String, [f64; 4])]) -> String {
    const COLORS: [&str; 4] = ["#3b82c4", "#7cc4a4", "#9b7fd1", "#e8b04b"];
    const NAMES: [&str; 4] = ["history", "population", "technology", "adjustment"];
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
    for (k, name) in NAMES.iter().enumerate() {
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
                .title(&format!("{}: {:.4}%", NAMES[k], v * 100.0));
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

/// The three causes of a change of point value and their colours.
pub const EFFECT_COLORS: [(&str, &str); 3] = [("budget", "#3b82c4"), ("volume", "#e0a030"), ("config", "#7c5cbf")];

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
pub fn attribution(lines: &[AttributionLine], extent: f64) -> String {
    let (label_w, bar_w, row_h) = (260.0, 520.0, 22.0);
    let height = 34.0 + row_h * lines.len() as f64 + 30.0;
    let zero = label_w + bar_w / 2.0;
    let scale = bar_w / 2.0 / extent;
    let mut svg = Svg::new(label_w + bar_w + 90.0, height);
    for (k, (name, color)) in EFFECT_COLORS.iter().enumerate() {
        let x = label_w + k as f64 * 110.0;
        svg.el("rect").n("x", x).n("y", 6.0).n("width", 12.0).n("height", 12.0).a("fill", color).end();
        svg.el("text").n("x", x + 16.0).n("y", 16.0).n("font-size", 12.0).text(name);
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
                .text("no value on one side");
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
                .title(&format!("{scenario} — {pool}: {} effect {p:+.6}", EFFECT_COLORS[k].0));
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

/// `s` cut to `n` characters, the last one an ellipsis when cut.
pub fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        s.chars().take(n - 1).chain(std::iter::once('…')).collect()
    }
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
        let svg = budget_bars(&[bar("<b>济南</b>", 100.0, 95.0, 0.0, 95.0), bar("b", 100.0, 105.0, 0.0, 100.0)]);
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
        let svg = budget_bars(&[bar("a", 100.0, 95.0, 3.0, 98.0)]);
        assert!(svg.contains("class=\"transfer\""));
    }

    #[test]
    fn growth_parts_stack_on_their_side_of_zero() {
        let svg = growth_bars(&[("p".into(), [0.02, 0.01, 0.0, -0.01])]);
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

    /// Every `<tag …>` of a chart, as its attributes and the text or title inside it.
    fn marks(svg: &str, tag: &str) -> Vec<(std::collections::HashMap<String, String>, String)> {
        let open = format!("<{tag} ");
        svg.match_indices(&open)
            .map(|(at, _)| {
                let rest = &svg[at + open.len()..];
                let head = &rest[..rest.find('>').unwrap()];
                let mut attrs = std::collections::HashMap::new();
                for part in head.trim_end_matches('/').split("\" ") {
                    if let Some((k, v)) = part.split_once("=\"") {
                        attrs.insert(k.trim().to_string(), v.trim_end_matches('"').to_string());
                    }
                }
                let inner = if head.ends_with('/') {
                    String::new()
                } else {
                    let body = &rest[head.len() + 1..];
                    let body = body.strip_prefix("<title>").unwrap_or(body);
                    body[..body.find('<').unwrap()].to_string()
                };
                (attrs, inner)
            })
            .collect()
    }

    fn num(m: &std::collections::HashMap<String, String>, k: &str) -> f64 {
        m[k].parse().unwrap()
    }

    #[test]
    fn a_heatmap_puts_each_value_in_its_row_and_column_darker_when_higher() {
        let mut cells = BTreeMap::new();
        cells.insert(("north".to_string(), "clinic".to_string()), (Some(0.8), Some("0.8000".to_string())));
        cells.insert(("north".to_string(), "hospital".to_string()), (Some(1.0), Some("1.0000".to_string())));
        cells.insert(("<south>".to_string(), "clinic".to_string()), (None, None));
        let map = Heatmap {
            heading: ("quarter".into(), "2026Q1".into()),
            cells,
            range: Some((0.8, 1.0)),
            palette: Palette::Sequential,
        };
        let svg = heatmap(&map);
        // cells are the rects with a tooltip; rows sorted ("<south>" before "north"), columns sorted
        let cells: Vec<_> = marks(&svg, "rect").into_iter().filter(|(_, t)| t.contains(':')).collect();
        assert_eq!(cells.len(), 4, "{svg}");
        let at = |label: &str| cells.iter().find(|(_, t)| t.starts_with(label)).unwrap().0.clone();
        let (low, high, none) = (at("north · clinic"), at("north · hospital"), at("&lt;south&gt; · clinic"));
        assert_eq!(num(&low, "y"), num(&high, "y"), "one row");
        assert!(num(&low, "x") < num(&high, "x"), "clinic's column left of hospital's");
        assert!(num(&none, "y") < num(&low, "y"), "<south> sorts above north");
        assert_eq!(none["fill"], "#f5f7fa", "a pool without a value is grey");
        // darker is higher: the sum of the channels falls as the value rises
        let shade = |m: &std::collections::HashMap<String, String>| {
            (0..3).map(|k| u32::from_str_radix(&m["fill"][1 + 2 * k..3 + 2 * k], 16).unwrap()).sum::<u32>()
        };
        assert!(shade(&high) < shade(&low));
        assert!(svg.contains(">1.0000</text>") && svg.contains("&lt;south&gt;") && !svg.contains("<south>"));
    }

    #[test]
    fn a_histogram_draws_each_count_at_its_height_and_colours_the_sign() {
        // 30 bins over [-10, 20]: one value in the first bin, three in the last
        let svg = histogram(&[-10.0, 20.0, 19.9, 19.5], "adjustment / payable");
        let bars = marks(&svg, "rect");
        assert_eq!(bars.len(), 30);
        let (first, last) = (&bars[0].0, &bars[29].0);
        assert!((num(last, "height") - 3.0 * num(first, "height")).abs() < 0.02, "{svg}");
        assert_eq!(num(&bars[10].0, "height"), 0.0, "an empty bin has no height");
        assert_eq!(first["fill"], "#d0603a", "below zero: orange");
        assert_eq!(last["fill"], "#3b82c4", "above zero: blue");
        assert!(bars[29].1.ends_with(": 3 institution(s)"));
    }

    #[test]
    fn a_scatter_places_points_by_their_values_and_counts_the_quadrants() {
        let points = vec![
            (1.5, 200.0, "complex surplus".to_string()),
            (1.2, -50.0, "complex over".to_string()),
            (0.7, 10.0, "simple <surplus>".to_string()),
        ];
        let svg = scatter(&points, 1.0, 0.0, "CMI", "balance per case");
        let dots = marks(&svg, "circle");
        assert_eq!(dots.len(), 3);
        let (a, b, c) = (&dots[0].0, &dots[1].0, &dots[2].0);
        assert!(num(a, "cx") > num(b, "cx") && num(b, "cx") > num(c, "cx"), "x grows with CMI");
        assert!(num(a, "cy") < num(c, "cy") && num(c, "cy") < num(b, "cy"), "y grows upward with the balance");
        assert_eq!(dots[2].1, "simple &lt;surplus&gt;");
        assert!(svg.contains("complex, in surplus: 1") && svg.contains("complex, over: 1"));
        assert!(svg.contains("simple, in surplus: 1") && svg.contains("simple, over: 0"));
    }

    #[test]
    fn attribution_bars_are_as_long_as_their_effects_and_the_tick_sits_at_their_sum() {
        let lines = vec![
            AttributionLine::Heading("more <budget>".into()),
            AttributionLine::Pool { scenario: "s".into(), pool: "p".into(), effects: Some([0.02, -0.01, 0.005]) },
            AttributionLine::Pool { scenario: "s".into(), pool: "q".into(), effects: None },
        ];
        let svg = attribution(&lines, 0.025);
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
