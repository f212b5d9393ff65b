//! SVG through one door: element and attribute names are constants of the code, every attribute
//! value and every text is escaped as it is written, so no chart can put a label from the data
//! into the page unescaped. Numbers are written as Rust shows an f64, or at fixed decimals.

use std::fmt::Write as _;

use super::page::esc;

/// A chart being drawn.
pub struct Svg {
    out: String,
}

impl Svg {
    /// An `<svg>` of `width` × `height` pixels.
    pub fn new(width: f64, height: f64) -> Svg {
        Svg {
            out: format!(
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" role=\"img\">\n"
            ),
        }
    }

    /// Starts an element; end it with [`El::end`], [`El::text`] or [`El::title`].
    pub fn el(&mut self, name: &'static str) -> El<'_> {
        self.out.push('<');
        self.out.push_str(name);
        El { svg: self, name }
    }

    /// Ends a line of the source (what a reader of the page's source sees; nothing drawn).
    pub fn nl(&mut self) {
        self.out.push('\n');
    }

    /// The chart's markup.
    pub fn finish(mut self) -> String {
        self.out.push_str("</svg>\n");
        self.out
    }
}

/// An element being written: its attributes, then how it ends.
pub struct El<'a> {
    svg: &'a mut Svg,
    name: &'static str,
}

impl El<'_> {
    /// A number as Rust shows it (170.0 → `170`).
    pub fn n(self, attr: &'static str, v: f64) -> Self {
        let _ = write!(self.svg.out, " {attr}=\"{v}\"");
        self
    }

    /// A number at `decimals` decimals.
    pub fn f(self, attr: &'static str, v: f64, decimals: usize) -> Self {
        let _ = write!(self.svg.out, " {attr}=\"{v:.decimals$}\"");
        self
    }

    /// A text value, escaped.
    pub fn a(self, attr: &'static str, v: &str) -> Self {
        let _ = write!(self.svg.out, " {attr}=\"{}\"", esc(v));
        self
    }

    /// Ends an empty element: `<line … />`.
    pub fn end(self) {
        self.svg.out.push_str("/>");
    }

    /// Ends with a text, escaped: `<text …>content</text>`.
    pub fn text(self, content: &str) {
        let _ = write!(self.svg.out, ">{}</{}>", esc(content), self.name);
    }

    /// Ends with a tooltip, escaped: `<rect …><title>content</title></rect>`.
    pub fn title(self, content: &str) {
        let _ = write!(self.svg.out, "><title>{}</title></{}>", esc(content), self.name);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_is_escaped_wherever_it_goes() {
        let mut svg = Svg::new(10.0, 20.0);
        svg.el("text").n("x", 1.0).f("y", 2.26, 1).a("fill", "\"><script>").text("<b>济南 & 青岛</b>");
        svg.nl();
        svg.el("rect").n("x", 0.5).title("a'b\"c");
        let s = svg.finish();
        assert!(s.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"20\""));
        assert!(s.contains(
            "<text x=\"1\" y=\"2.3\" fill=\"&quot;&gt;&lt;script&gt;\">&lt;b&gt;济南 &amp; 青岛&lt;/b&gt;</text>\n"
        ));
        assert!(s.contains("<rect x=\"0.5\"><title>a&#39;b&quot;c</title></rect></svg>\n"));
        assert!(!s.contains("<script") && !s.contains("<b>"));
    }
}
