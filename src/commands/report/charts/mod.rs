//! The report's charts, one file each, drawn from plain data (labels, values as f64 pixels'
//! worth, texts to show) through [`Svg`](super::svg::Svg), which escapes everything it writes.
//! Floating point places pixels only: the numbers a reader reads are the tables' exact
//! decimals, passed in as text.

mod attribution;
mod budget;
mod heatmap;
mod histogram;
mod scatter;
mod trend;

pub use attribution::{attribution, AttributionLine};
pub use budget::{budget_bars, growth_bars, BudgetBar};
pub use heatmap::{heatmap, Heatmap};
pub use histogram::histogram;
pub use scatter::{scatter, Point};
pub use trend::{trend, TrendLine};

/// How a heatmap colours its values.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub enum Palette {
    /// Low to high, light to dark blue.
    #[default]
    Sequential,
    /// Around zero: falls in orange, rises in blue.
    Diverging,
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

/// `s` cut to `n` characters, the last one an ellipsis when cut.
pub fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        s.chars().take(n - 1).chain(std::iter::once('…')).collect()
    }
}

/// Reading a chart back in tests: its marks and their attributes.
#[cfg(test)]
pub(crate) mod testing {
    /// Every `<tag …>` of a chart, as its attributes and the text or title inside it.
    pub(crate) fn marks(svg: &str, tag: &str) -> Vec<(std::collections::HashMap<String, String>, String)> {
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

    pub(crate) fn num(m: &std::collections::HashMap<String, String>, k: &str) -> f64 {
        m[k].parse().unwrap()
    }
}
