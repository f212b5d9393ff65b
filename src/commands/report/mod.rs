//! `dianzhi report DIR`: one self-contained HTML page (inline CSS and SVG; no script, no
//! font or style fetched) for a settle, dip settle, dip budget or scenario output
//! (docs/analysts.md).
//!
//! - [`page`]: the page, its style and its HTML tables
//! - [`svg`]: SVG written through one door that escapes every text and attribute value
//! - [`charts`]: the charts, each drawn from plain data
//! - one builder per kind of output, reading its tables into the charts' data:
//!   [`settle`], [`dip`] (dip settle), [`budget`] (dip budget), [`scenario`] (scenario and dip
//!   scenario)
//!
//! Numbers are shown as the tables hold them (exact decimals); floating point is used for one
//! thing only, the pixel positions of charts.

mod budget;
mod charts;
mod differences;
mod dip;
pub(crate) mod page;
mod scenario;
mod settle;
mod svg;
mod trends;
mod watch;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use dianzhi_analysis::summary::{frame, numbers, texts, Summary};
use dianzhi_columnar::read::source::Source;
use dianzhi_columnar::read::text_table::{read_text_table, TextTable};

use self::charts::{Heatmap, Palette};
use crate::commands::lang::Lang;
use crate::failure::{Failure, Result};

/// One self-contained HTML page of charts and tables of a settle, dip settle, dip budget or
/// scenario output; of several settle (or dip settle) outputs, their point values over the
/// periods.
#[derive(clap::Args)]
pub struct ReportArgs {
    /// The output directory to report on; several settle (or dip settle) outputs for the trend
    /// of their point values over the quarters (or years).
    #[arg(value_name = "DIR", required = true, num_args = 1..)]
    pub dirs: Vec<PathBuf>,
    /// The HTML file to write (default DIR/report.html; required for several outputs).
    #[arg(long, value_name = "FILE.html")]
    pub out: Option<PathBuf>,
    /// The page's language: en, or zh (headings, notes and column labels in Chinese; every
    /// table keeps its column names under the labels).
    #[arg(long, value_enum, default_value = "en")]
    pub lang: Lang,
}

/// Runs `dianzhi report` and prints where the page went.
pub fn command(args: ReportArgs, s: &crate::cli::Settings) -> Result<u8> {
    if let [dir] = args.dirs.as_slice() {
        let out = args.out.unwrap_or_else(|| dir.join("report.html"));
        let kind = write_report(dir, &out, &dir.display().to_string(), args.lang, s.printer)?;
        s.say(&format!("{kind} report → {}\n", out.display()));
        return Ok(0);
    }
    let out = args.out.ok_or_else(|| {
        Failure::input("several outputs make one trend page: name it with --out FILE.html (it belongs to none of them)")
    })?;
    check_page(&out)?;
    let (title, body) = trends::body(&args.dirs, args.lang)?;
    let sources: Vec<String> = args.dirs.iter().map(|d| d.display().to_string()).collect();
    write_page(&out, &page::page(args.lang, title, &sources.join(" · "), &body))?;
    s.say(&format!("trend of {} outputs → {}\n", args.dirs.len(), out.display()));
    Ok(0)
}

/// A report's page may be written at `out`: a FILE.html that is no table, manifest or input,
/// and replaced only when it is a page of dianzhi.
fn check_page(out: &Path) -> Result<()> {
    let is_html = out
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("html") || e.eq_ignore_ascii_case("htm"));
    if !is_html || out.is_dir() {
        return Err(Failure::input(format!("--out {}: name the report FILE.html", out.display())));
    }
    crate::outdir::refuse_foreign_file(out, "report", |p| {
        std::fs::read_to_string(p).is_ok_and(|t| {
            t.contains("<meta name=\"generator\" content=\"dianzhi\">") || t.contains("<title>dianzhi · ")
        })
    })
}

/// Writes a page beside its place and renames it: a reader never sees half a page.
fn write_page(out: &Path, html: &str) -> Result<()> {
    let cannot = |e: &dyn std::fmt::Display| Failure::other(format!("cannot write {}: {e}", out.display()));
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    crate::signals::create_dir_all(&parent).map_err(|e| cannot(&e))?;
    let tmp = tempfile::Builder::new()
        .prefix(".dianzhi-tmp-")
        .suffix(".html")
        .tempfile_in(&parent)
        .map_err(|e| cannot(&e))?;
    std::fs::write(tmp.path(), html).map_err(|e| cannot(&e))?;
    tmp.persist(out).map_err(|e| cannot(&e))?;
    crate::outdir::readable(out);
    Ok(())
}

/// Writes the report of `dir` to `out`, naming `source` as what it reports on; returns the kind
/// of output it reported on.
pub fn write_report(
    dir: &Path,
    out: &Path,
    source: &str,
    lang: Lang,
    printer: crate::console::Printer,
) -> Result<&'static str> {
    if !dir.is_dir() {
        return Err(Failure::input(format!(
            "{}: not a directory; report reads a settle, dip settle or scenario output",
            dir.display()
        )));
    }
    // a report is a page: never written over a table, a manifest or any input
    check_page(out)?;
    let kind = kind(dir)?;
    // a page of nothing is no report: the table it draws must have rows
    let main = match kind {
        "dip budget" => "growth",
        "dip presettle" => "execution_pools",
        // no differences is a finding: A and B agree
        "compare" => "",
        _ => "point_values",
    };
    if let Some(source) = find_table(dir, main) {
        if read_text_table(&source)?.rows() == 0 {
            return Err(Failure::input(format!("{}: holds no rows; there is nothing to draw", source.path.display())));
        }
    }
    if !dir.join("manifest.json").is_file() {
        printer.note(&format!(
            "warning: {} has no manifest.json, so it is not a dianzhi output; the page shows what its tables hold, read as a {kind} output\n",
            dir.display()
        ));
    }
    let l = |en, zh| lang.say(en, zh);
    let (title, body) = match kind {
        "settle" => (l("Quarterly clearing", "季度总额结算"), settle::body(dir, lang)?),
        "dip settle" => (l("DIP year-end clearing", "DIP年度清算"), dip::body(dir, lang)?),
        "dip budget" => (l("DIP budget year", "DIP年度预算"), budget::body(dir, lang)?),
        "dip presettle" => (l("DIP budget execution watch", "DIP预算执行监测"), watch::body(dir, lang)?),
        "compare" => (l("Differences", "比对差异"), differences::body(dir, lang)?),
        "dip scenario" => (l("DIP scenarios", "DIP情景模拟"), scenario::body(dir, &scenario::DIP_VIEW, lang)?),
        _ => (l("Scenarios", "情景模拟"), scenario::body(dir, &scenario::QUARTER_VIEW, lang)?),
    };
    let html = page::page(lang, title, source, &body);
    write_page(out, &html)?;
    Ok(kind)
}

/// The command that wrote `dir`, from its manifest, else from the tables it holds.
fn kind(dir: &Path) -> Result<&'static str> {
    if let Ok(text) = std::fs::read_to_string(dir.join("manifest.json")) {
        if let Ok(doc) = serde_json::from_str::<serde_json::Value>(&text) {
            match doc.get("command").and_then(|c| c.as_str()) {
                Some("settle") => return Ok("settle"),
                Some("dip settle") => return Ok("dip settle"),
                Some("scenario") => return Ok("scenario"),
                Some("dip budget") => return Ok("dip budget"),
                Some("dip scenario") => return Ok("dip scenario"),
                Some("dip presettle") => return Ok("dip presettle"),
                Some("compare") => return Ok("compare"),
                _ => {}
            }
        }
    }
    let comparison_has = |c: &str| {
        find_table(dir, "comparison").and_then(|s| read_text_table(&s).ok()).is_some_and(|t| t.column(c).is_some())
    };
    if find_table(dir, "differences").is_some() {
        Ok("compare")
    } else if find_table(dir, "execution_pools").is_some() {
        Ok("dip presettle")
    } else if find_table(dir, "growth").is_some() && find_table(dir, "funds").is_some() {
        Ok("dip budget")
    } else if comparison_has("pv_exact_delta") {
        Ok("dip scenario")
    } else if find_table(dir, "comparison").is_some() {
        Ok("scenario")
    } else if find_table(dir, "hospitals").is_some() {
        Ok("dip settle")
    } else if find_table(dir, "point_values").is_some() {
        Ok("settle")
    } else {
        Err(Failure::input(format!(
            "{}: holds no point_values table; report reads the output of settle, scenario, dip budget, dip presettle, dip settle or dip scenario",
            dir.display()
        )))
    }
}

pub(crate) fn find_table(dir: &Path, name: &str) -> Option<Source> {
    ["parquet", "csv"].iter().map(|e| dir.join(format!("{name}.{e}"))).find(|p| p.is_file()).map(Source::new)
}

fn read(dir: &Path, name: &str) -> Result<(TextTable, Summary)> {
    let source = find_table(dir, name)
        .ok_or_else(|| Failure::input(format!("{}: has no {name} table (.parquet or .csv)", dir.display())))?;
    let t = read_text_table(&source)?;
    let f = frame(&t)?;
    Ok((t, f))
}

/// The heatmap of `value` over `rows` × `cols` for the rows of `f` whose `filter` column is
/// `at`, with the texts `t` holds; one colour scale over the whole column, so that the same
/// colour is the same value in every map of the page (all quarters, all scenarios).
fn heatmap_of(
    lang: Lang,
    t: &TextTable,
    f: &Summary,
    (filter, at): (&str, &str),
    (rows, cols): (&str, &str),
    value: &str,
    palette: Palette,
) -> Result<String> {
    heatmap_scaled(lang, t, f, (filter, at), (rows, cols), value, palette, false)
}

/// [`heatmap_of`], with a colour scale per column when `per_column` (from the column's values in
/// every map of the page, so that the maps of several years compare).
#[allow(clippy::too_many_arguments)]
fn heatmap_scaled(
    lang: Lang,
    t: &TextTable,
    f: &Summary,
    (filter, at): (&str, &str),
    (rows, cols): (&str, &str),
    value: &str,
    palette: Palette,
    per_column: bool,
) -> Result<String> {
    let (vals, scale) = numbers(f, value).unwrap_or((vec![None; f.height()], 0));
    let (keys, r, c) = (texts(f, filter)?, texts(f, rows)?, texts(f, cols)?);
    let shown = t.column(value).unwrap_or(&[]);
    let mut cells = BTreeMap::new();
    for i in (0..f.height()).filter(|i| keys[*i] == at) {
        cells.insert(
            (r[i].clone(), c[i].clone()),
            (vals[i].map(|v| v as f64 / 10f64.powi(scale as i32)), shown.get(i).cloned().flatten()),
        );
    }
    let present: Vec<f64> = vals.iter().flatten().map(|v| *v as f64 / 10f64.powi(scale as i32)).collect();
    let (mut lo, mut hi) =
        present.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(*v), hi.max(*v)));
    if palette == Palette::Diverging && lo.is_finite() {
        let m = lo.abs().max(hi.abs()).max(1e-12);
        (lo, hi) = (-m, m);
    }
    let mut column_ranges: BTreeMap<String, (f64, f64)> = BTreeMap::new();
    if per_column {
        for (i, v) in vals.iter().enumerate() {
            let Some(v) = v.map(|v| v as f64 / 10f64.powi(scale as i32)) else { continue };
            let e = column_ranges.entry(c[i].clone()).or_insert((v, v));
            *e = (e.0.min(v), e.1.max(v));
        }
    }
    let range = lo.is_finite().then_some((lo, hi));
    let map = Heatmap { heading: (lang.column(filter).into(), at.into()), cells, range, column_ranges, palette, lang };
    Ok(charts::heatmap(&map))
}
