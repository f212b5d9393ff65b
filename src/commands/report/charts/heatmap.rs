//! A heatmap: one value over rows × columns (regions × sectors or funds), each cell coloured by
//! its value and labelled with the exact text.

use std::collections::BTreeMap;

use super::{blue, diverging, truncate, Palette};
use crate::commands::lang::Lang;
use crate::commands::report::svg::Svg;

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
    /// A scale per column instead (each fund its own: employee pools run at 12–13 yuan a
    /// point, resident ones at 9–10, and one scale would leave a whole fund pale).
    pub column_ranges: BTreeMap<String, (f64, f64)>,
    pub palette: Palette,
    /// The language of the chart's own words.
    pub lang: Lang,
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
    let legend_h = if m.column_ranges.is_empty() { 34.0 } else { 44.0 };
    let height = 50.0 + cell_h * row_names.len() as f64 + legend_h;
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
                    let (lo, hi) = m.column_ranges.get(*c).copied().or(m.range).unwrap_or((*v, *v));
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
    if !m.column_ranges.is_empty() {
        // each column's own scale under it: the gradient, then its ends
        let y = height - 30.0;
        for (j, c) in col_names.iter().enumerate() {
            let Some((lo, hi)) = m.column_ranges.get(*c) else { continue };
            let x = label_w + cell_w * j as f64 + (cell_w - 2.0 - 21.0 * 5.0) / 2.0;
            for k in 0..=20 {
                let (fill, _) = color(k as f64 / 20.0);
                svg.el("rect")
                    .n("x", x + k as f64 * 5.0)
                    .n("y", y)
                    .n("width", 5.0)
                    .n("height", 8.0)
                    .a("fill", &fill)
                    .end();
            }
            svg.el("text")
                .n("x", label_w + cell_w * (j as f64 + 0.5))
                .n("y", y + 20.0)
                .n("font-size", 10.5)
                .a("text-anchor", "middle")
                .a("fill", "#52606d")
                .text(&format!("{lo:.4}–{hi:.4}"));
            svg.nl();
        }
        svg.el("text")
            .n("x", label_w - 8.0)
            .n("y", y + 8.0)
            .n("font-size", 10.5)
            .a("text-anchor", "end")
            .a("fill", "#52606d")
            .text(m.lang.say("scale per column", "各列分别配色"));
        svg.nl();
    } else if let Some((lo, hi)) = m.range {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::report::charts::testing::{marks, num};

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
            column_ranges: BTreeMap::new(),
            palette: Palette::Sequential,
            lang: Lang::En,
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
    fn a_scale_per_column_colours_each_column_from_its_own_ends() {
        // employee pools at 12–13, resident at 9–10: the lowest of each column is equally pale
        let mut cells = BTreeMap::new();
        for (r, e, res) in [("a", 12.0, 9.0), ("b", 13.0, 10.0)] {
            cells.insert((r.to_string(), "employee".to_string()), (Some(e), Some(format!("{e}"))));
            cells.insert((r.to_string(), "resident".to_string()), (Some(res), Some(format!("{res}"))));
        }
        let column_ranges = [("employee".to_string(), (12.0, 13.0)), ("resident".to_string(), (9.0, 10.0))].into();
        let map = Heatmap {
            heading: ("year".into(), "2026".into()),
            cells,
            range: Some((9.0, 13.0)),
            column_ranges,
            palette: Palette::Sequential,
            lang: Lang::En,
        };
        let svg = heatmap(&map);
        let fill = |label: &str| {
            marks(&svg, "rect").into_iter().find(|(_, t)| t.starts_with(label)).unwrap().0["fill"].clone()
        };
        assert_eq!(fill("a · employee"), fill("a · resident"), "each column's lowest, equally pale");
        assert_eq!(fill("b · employee"), fill("b · resident"), "each column's highest, equally dark");
        assert_ne!(fill("a · resident"), fill("b · resident"));
        assert!(svg.contains("12.0000–13.0000") && svg.contains("scale per column"));
    }
}
