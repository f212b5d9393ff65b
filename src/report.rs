//! `dianzhi report DIR`: one self-contained HTML page (inline CSS and SVG; no script, no
//! font or style fetched) for a settle, dip settle or scenario output (docs/analysts.md).
//!
//! Every text taken from data goes through [`esc`]. Numbers are shown as the tables hold them
//! (exact decimals); floating point is used for one thing only, the pixel positions of charts.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use dianzhi_analysis::summary::{
    distinct, frame, ints, left_join, numbers, signs_by, smallest, sums_by, texts, DataFrame, DataType,
};
use dianzhi_columnar::any::{read_text_table, TextTable};
use dianzhi_columnar::source::Source;
use dianzhi_core::number::format_fixed;

use crate::failure::{Failure, Result};

/// One self-contained HTML page of charts and tables of a settle, dip settle, dip budget or
/// scenario output.
#[derive(clap::Args)]
pub struct ReportArgs {
    /// The output directory to report on.
    #[arg(value_name = "DIR")]
    pub dir: std::path::PathBuf,
    /// The HTML file to write (default DIR/report.html).
    #[arg(long, value_name = "FILE.html")]
    pub out: Option<std::path::PathBuf>,
}

/// Runs `dianzhi report` and prints where the page went.
pub fn command(args: ReportArgs) -> Result<u8> {
    let out = args.out.unwrap_or_else(|| args.dir.join("report.html"));
    let kind = write_report(&args.dir, &out)?;
    crate::console::say(&format!("{kind} report → {}\n", out.display()));
    Ok(0)
}

/// Writes the report of `dir` to `out`; returns the kind of output it reported on.
pub fn write_report(dir: &Path, out: &Path) -> Result<&'static str> {
    if !dir.is_dir() {
        return Err(Failure::input(format!(
            "{}: not a directory; report reads a settle, dip settle or scenario output",
            dir.display()
        )));
    }
    // a report is a page: never written over a table, a manifest or any input
    let is_html = out
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("html") || e.eq_ignore_ascii_case("htm"));
    if !is_html || out.is_dir() {
        return Err(Failure::input(format!("--out {}: name the report FILE.html", out.display())));
    }
    let kind = kind(dir)?;
    // a page of nothing is no report: the table it draws must have rows
    let main = if kind == "dip budget" { "growth" } else { "point_values" };
    if let Some(source) = table(dir, main) {
        if read_text_table(&source)?.rows() == 0 {
            return Err(Failure::input(format!("{}: holds no rows; there is nothing to draw", source.path.display())));
        }
    }
    if !dir.join("manifest.json").is_file() {
        crate::console::note(&format!(
            "warning: {} has no manifest.json, so it is not a dianzhi output; the page shows what its tables hold, read as a {kind} output\n",
            dir.display()
        ));
    }
    let (title, body) = match kind {
        "settle" => ("Quarterly clearing", settle(dir)?),
        "dip settle" => ("DIP year-end clearing", dip(dir)?),
        "dip budget" => ("DIP budget year", dip_budget(dir)?),
        "dip scenario" => ("DIP scenarios", scenario(dir, &DIP_VIEW)?),
        _ => ("Scenarios", scenario(dir, &QUARTER_VIEW)?),
    };
    let html = page(title, &dir.display().to_string(), &body);
    // written beside its place and renamed: a reader never sees half a page
    let cannot = |e: &dyn std::fmt::Display| Failure::other(format!("cannot write {}: {e}", out.display()));
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent).map_err(|e| cannot(&e))?;
    let tmp = tempfile::Builder::new()
        .prefix(".dianzhi-tmp-")
        .suffix(".html")
        .tempfile_in(&parent)
        .map_err(|e| cannot(&e))?;
    std::fs::write(tmp.path(), html).map_err(|e| cannot(&e))?;
    tmp.persist(out).map_err(|e| cannot(&e))?;
    crate::outdir::readable(out);
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
                _ => {}
            }
        }
    }
    let comparison_has = |c: &str| {
        table(dir, "comparison").and_then(|s| read_text_table(&s).ok()).is_some_and(|t| t.column(c).is_some())
    };
    if table(dir, "growth").is_some() && table(dir, "funds").is_some() {
        Ok("dip budget")
    } else if comparison_has("pv_exact_delta") {
        Ok("dip scenario")
    } else if table(dir, "comparison").is_some() {
        Ok("scenario")
    } else if table(dir, "hospitals").is_some() {
        Ok("dip settle")
    } else if table(dir, "point_values").is_some() {
        Ok("settle")
    } else {
        Err(Failure::input(format!(
            "{}: holds no point_values table; report reads the output of settle, scenario, dip budget, dip settle or dip scenario",
            dir.display()
        )))
    }
}

fn table(dir: &Path, name: &str) -> Option<Source> {
    ["parquet", "csv"].iter().map(|e| dir.join(format!("{name}.{e}"))).find(|p| p.is_file()).map(|path| Source { path })
}

fn read(dir: &Path, name: &str) -> Result<(TextTable, DataFrame)> {
    let source = table(dir, name)
        .ok_or_else(|| Failure::input(format!("{}: has no {name} table (.parquet or .csv)", dir.display())))?;
    let t = read_text_table(&source)?;
    let f = frame(&t)?;
    Ok((t, f))
}

/// Escapes a text for HTML and SVG (element content and quoted attributes).
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn page(title: &str, source: &str, body: &str) -> String {
    format!(
        r#"<!DOCTYPE html>
<html lang="zh">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>dianzhi · {title}</title>
<style>
body {{ font-family: "Noto Sans CJK SC", "WenQuanYi Zen Hei", "PingFang SC", "Microsoft YaHei", system-ui, sans-serif; margin: 24px 32px; color: #1f2933; background: #fff; max-width: 1180px; }}
h1 {{ font-size: 22px; margin: 0 0 4px 0; }}
h2 {{ font-size: 17px; margin: 28px 0 8px 0; border-bottom: 1px solid #d9e2ec; padding-bottom: 4px; }}
p.note {{ color: #52606d; font-size: 13px; margin: 4px 0 10px 0; }}
table {{ border-collapse: collapse; font-size: 12.5px; margin: 6px 0 12px 0; }}
th, td {{ padding: 3px 9px; border-bottom: 1px solid #e4e7eb; text-align: left; white-space: nowrap; }}
th {{ background: #f0f4f8; font-weight: 600; }}
td.n {{ text-align: right; font-variant-numeric: tabular-nums; }}
.ok {{ color: #1f7a4d; }} .warn {{ color: #b44d12; font-weight: 600; }}
.charts {{ display: flex; flex-wrap: wrap; gap: 18px; align-items: flex-start; }}
svg text {{ font-family: inherit; }}
</style>
</head>
<body>
<h1>dianzhi · {title}</h1>
<p class="note">{source}</p>
{body}
</body>
</html>
"#,
        title = esc(title),
        source = esc(source),
        body = body
    )
}

// ---------------------------------------------------------------- settle

fn settle(dir: &Path) -> Result<String> {
    let (pv_t, pv) = read(dir, "point_values")?;
    let mut body = String::new();
    let quarters = distinct(&pv, "quarter")?;
    body.push_str("<h2>Floating point value, region × sector</h2>\n<p class=\"note\">fpv per pool; darker is higher. Empty: no value (no claims, no floating points, or infeasible).</p>\n<div class=\"charts\">");
    for q in &quarters {
        body.push_str(&value_heatmap(&pv_t, &pv, ("quarter", q), ("region", "sector"), "fpv", Palette::Sequential)?);
    }
    body.push_str("</div>\n<h2>Pools</h2>\n<p class=\"note\">Each pool's budget, point values and residual (budget − charges − what is paid out), beside the exact sums over its institutions: what they are owed, what they were paid in interim, and the difference to pay (+) or recover (−).</p>\n");
    let pool_columns =
        ["sector", "region", "quarter", "institutions", "budget", "charges", "fpv", "apv", "residual", "status"];
    let settlements = table(dir, "settlements").map(|s| read_text_table(&s)).transpose()?;
    let Some(t) = settlements else {
        body.push_str(&rows_table(&pv_t, &pool_columns, None));
        return Ok(body);
    };
    let f = frame(&t)?;
    let sums = sums_by(&f, &["sector", "region", "quarter"], &["payable", "interim_paid", "adjustment"])?;
    let pools = left_join(&pv, &sums, &["sector", "region", "quarter"])?;
    let mut columns = pool_columns.to_vec();
    columns.extend(["payable", "interim_paid", "adjustment"]);
    body.push_str(&frame_table(&pools, &columns)?);
    body.push_str("<h2>Distribution of adjustments</h2>\n<p class=\"note\">Institutions by their adjustment (payable − interim paid) as a share of what they are owed: right of zero the bureau pays the rest, left of it (orange) it recovers an overpayment.</p>\n");
    let (adj, a_scale) = numbers(&f, "adjustment")?;
    let (payable, p_scale) = numbers(&f, "payable")?;
    let shares: Vec<f64> = adj
        .iter()
        .zip(&payable)
        .filter_map(|(a, p)| match (a, p) {
            (Some(a), Some(p)) if *p != 0 => {
                Some(*a as f64 / 10f64.powi(a_scale as i32) / (*p as f64 / 10f64.powi(p_scale as i32)) * 100.0)
            }
            _ => None,
        })
        .collect();
    body.push_str(&histogram(&shares, "adjustment / payable"));
    body.push_str("<h2>Largest recoveries</h2>\n");
    let low = smallest(&f, "adjustment", 10)?;
    let (v, _) = numbers(&low, "adjustment")?;
    let keep = v.iter().take_while(|x| x.is_some_and(|x| x < 0)).count();
    if keep == 0 {
        body.push_str("<p class=\"note\">No institution has money to pay back.</p>\n");
    } else {
        body.push_str(&frame_table(
            &low.head(Some(keep)),
            &["institution_id", "sector", "region", "quarter", "payable", "interim_paid", "adjustment"],
        )?);
    }
    Ok(body)
}

// ---------------------------------------------------------------- dip settle

fn dip(dir: &Path) -> Result<String> {
    let (pv_t, pv) = read(dir, "point_values")?;
    let mut body = String::new();
    body.push_str("<h2>Point value, region × fund</h2>\n<p class=\"note\">Yuan per point of each pool (region × fund × year); darker is higher.</p>\n<div class=\"charts\">");
    for y in distinct(&pv, "year")? {
        body.push_str(&value_heatmap(&pv_t, &pv, ("year", &y), ("region", "fund"), "pv", Palette::Sequential)?);
    }
    body.push_str("</div>\n<h2>Pools</h2>\n");
    body.push_str(&rows_table(
        &pv_t,
        &[
            "region",
            "fund",
            "year",
            "cases",
            "budget",
            "pv",
            "dip_amount",
            "item_amount",
            "entitlement",
            "reserve_draw",
            "residual",
            "status",
        ],
        None,
    ));
    let (_, h) = read(dir, "hospitals")?;
    body.push_str("<h2>CMI and per-case balance</h2>\n<p class=\"note\">Each hospital by its case-mix index (CMI, 1 = the pool's average case) and its per-case balance (DIP payment − item-based amount, per case). The four quadrants of the CMI reading of DIP results: complex cases paid more than they cost (upper right), complex cases costing more than paid (lower right), simple cases paid more (upper left), simple cases costing more (lower left).</p>\n");
    body.push_str(&quadrants(&h)?);
    body.push_str("<h2>Corridor outcome</h2>\n<p class=\"note\">Per pool: hospitals in surplus and what they keep (结余留用), hospitals over and the share the fund bears (合理超支分担).</p>\n");
    body.push_str(&corridor(&h)?);
    Ok(body)
}

// ---------------------------------------------------------------- dip budget

fn dip_budget(dir: &Path) -> Result<String> {
    let (g, _) = read(dir, "growth")?;
    let weights = budget_weights(dir);
    let mut body = String::new();
    body.push_str("<h2>Where the cap and the transfers bit</h2>\n<p class=\"note\">Per pool, as shares of its spending forecast (the dashed line at 100%): the budget (dark bar), the cap that keeps the balance rate at its minimum (black mark) and the provincial transfer above the cap (blue). A budget short of 100% was capped (以收定支).</p>\n");
    let col = |name: &str| g.column(name).unwrap_or(&[]).to_vec();
    let (region, fund, flag) = (col("region"), col("fund"), col("flag"));
    let num = |name: &str| -> Vec<f64> {
        g.column(name).unwrap_or(&[]).iter().map(|v| v.as_deref().and_then(|v| v.parse().ok()).unwrap_or(0.0)).collect()
    };
    let (forecast, cap, transfer, budget) = (num("spending_forecast"), num("cap"), num("transfer"), num("budget"));
    let bars: Vec<BudgetBar> = (0..g.rows())
        .map(|i| BudgetBar {
            label: format!("{} {}", region[i].as_deref().unwrap_or(""), fund[i].as_deref().unwrap_or("")),
            forecast: forecast[i],
            cap: cap[i],
            transfer: transfer[i],
            budget: budget[i],
            flag: flag[i].clone().unwrap_or_default(),
        })
        .collect();
    body.push_str(&budget_bars(&bars));
    body.push_str(&format!("<h2>Growth and its components</h2>\n<p class=\"note\">growth_rate = {} × history_rate (the three-year mean of spending growth) + {} × population + {} × technology + adjustment. Each bar is a pool's growth split into these four parts (orange below zero).</p>\n", weights[0], weights[1], weights[2]));
    let parts: Vec<(String, [f64; 4])> = (0..g.rows())
        .map(|i| {
            let w = |k: usize| weights[k].parse::<f64>().unwrap_or(0.0);
            (
                bars[i].label.clone(),
                [
                    w(0) * num("history_rate")[i],
                    w(1) * num("population")[i],
                    w(2) * num("technology")[i],
                    num("adjustment")[i],
                ],
            )
        })
        .collect();
    body.push_str(&growth_bars(&parts));
    body.push_str("<h2>Pools</h2>\n<div style=\"overflow-x: auto\">");
    body.push_str(&rows_table(
        &g,
        &[
            "region",
            "fund",
            "year",
            "spending_base",
            "growth_y3",
            "growth_y2",
            "growth_y1",
            "history_rate",
            "growth_rate",
            "spending_forecast",
            "income_forecast",
            "cap",
            "shortfall",
            "transfer",
            "budget",
            "reserve",
            "balance_rate",
            "flag",
        ],
        None,
    ));
    body.push_str("</div>\n");
    Ok(body)
}

/// The growth model's weights (history, population, technology) the budget was made with, from
/// its manifest; the defaults when it does not say.
fn budget_weights(dir: &Path) -> [String; 3] {
    let read = || -> Option<[String; 3]> {
        let doc: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("manifest.json")).ok()?).ok()?;
        let w = doc.get("weights")?;
        let get = |k: &str| w.get(k).and_then(|v| v.as_str()).map(str::to_string);
        Some([get("history")?, get("population")?, get("technology")?])
    };
    read().unwrap_or_else(|| ["0.4".into(), "0.3".into(), "0.3".into()])
}

/// One pool of the budget chart (money as drawn: floats place pixels only).
struct BudgetBar {
    label: String,
    forecast: f64,
    cap: f64,
    transfer: f64,
    budget: f64,
    flag: String,
}

/// One row per pool, as shares of its spending forecast (100%): the budget (dark bar), the cap
/// (black mark) and the transfer above it (blue), so that a cap 2% below the forecast shows.
fn budget_bars(bars: &[BudgetBar]) -> String {
    let (w, left, row) = (760.0, 170.0, 34.0);
    let h = 44.0 + row * bars.len() as f64;
    let share = |v: f64, b: &BudgetBar| if b.forecast > 0.0 { v / b.forecast * 100.0 } else { 100.0 };
    let all: Vec<f64> =
        bars.iter().flat_map(|b| [share(b.budget, b), share(b.cap, b), share(b.cap + b.transfer, b)]).collect();
    let lo = all.iter().copied().fold(100.0, f64::min).floor() - 1.0;
    let hi = all.iter().copied().fold(100.0, f64::max).ceil() + 1.0;
    let plot = w - left - 90.0;
    let x = |pct: f64| left + (pct - lo) / (hi - lo) * plot;
    let mut svg = format!("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" role=\"img\">\n");
    for (i, b) in bars.iter().enumerate() {
        let y = 10.0 + row * i as f64;
        let _ = writeln!(
            svg,
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"12\" text-anchor=\"end\">{}</text>",
            left - 8.0,
            y + 15.0,
            esc(&b.label)
        );
        let _ = writeln!(svg, "<rect class=\"budget\" x=\"{left}\" y=\"{:.1}\" width=\"{:.2}\" height=\"12\" fill=\"#243b53\"><title>budget {:.2} ({:.2}% of the forecast {:.2})</title></rect>", y + 4.0, x(share(b.budget, b)) - left, b.budget, share(b.budget, b), b.forecast);
        if b.transfer > 0.0 {
            let _ = writeln!(svg, "<rect class=\"transfer\" x=\"{:.2}\" y=\"{y:.1}\" width=\"{:.2}\" height=\"20\" fill=\"#3b82c4\" fill-opacity=\"0.6\"><title>transfer {:.2}</title></rect>", x(share(b.cap, b)), x(share(b.cap + b.transfer, b)) - x(share(b.cap, b)), b.transfer);
        }
        let _ = writeln!(svg, "<line class=\"cap\" x1=\"{0:.2}\" y1=\"{1:.1}\" x2=\"{0:.2}\" y2=\"{2:.1}\" stroke=\"#111\" stroke-width=\"2\"><title>cap {3:.2}</title></line>", x(share(b.cap, b)), y - 2.0, y + 22.0, b.cap);
        if !b.flag.is_empty() {
            let end = share(b.cap + b.transfer, b).max(share(b.budget, b)).max(100.0);
            let _ = writeln!(
                svg,
                "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11.5\" fill=\"#b44d12\">{}</text>",
                x(end) + 6.0,
                y + 15.0,
                esc(&b.flag)
            );
        }
    }
    let axis = 14.0 + row * bars.len() as f64;
    let full = x(100.0);
    let _ = writeln!(svg, "<line x1=\"{full:.2}\" y1=\"4\" x2=\"{full:.2}\" y2=\"{axis:.1}\" stroke=\"#9aa5b1\" stroke-dasharray=\"4 3\"/>");
    let _ = writeln!(
        svg,
        "<line x1=\"{left}\" y1=\"{axis:.1}\" x2=\"{:.1}\" y2=\"{axis:.1}\" stroke=\"#52606d\"/>",
        left + plot
    );
    for (pct, anchor) in [(lo, "start"), (100.0, "middle"), (hi, "end")] {
        let _ = writeln!(
            svg,
            "<text x=\"{:.2}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"{anchor}\">{pct:.0}%</text>",
            x(pct),
            axis + 14.0
        );
    }
    let _ = writeln!(
        svg,
        "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"middle\">share of the spending forecast</text>",
        left + plot / 2.0,
        axis + 28.0
    );
    svg.push_str("</svg>\n");
    svg
}

/// Stacked horizontal bars of each pool's growth parts around a zero line.
fn growth_bars(parts: &[(String, [f64; 4])]) -> String {
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
    let mut svg = format!("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" role=\"img\">\n");
    for (k, name) in NAMES.iter().enumerate() {
        let _ = writeln!(svg, "<rect x=\"{:.1}\" y=\"4\" width=\"12\" height=\"12\" fill=\"{}\"/><text x=\"{:.1}\" y=\"14\" font-size=\"11.5\">{name}</text>", left + 110.0 * k as f64, COLORS[k], left + 110.0 * k as f64 + 16.0);
    }
    for (i, (label, p)) in parts.iter().enumerate() {
        let y = 28.0 + row * i as f64;
        let _ = writeln!(
            svg,
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"12\" text-anchor=\"end\">{}</text>",
            left - 8.0,
            y + 13.0,
            esc(label)
        );
        let (mut up, mut down) = (zero, zero);
        for (k, v) in p.iter().enumerate() {
            if *v == 0.0 {
                continue;
            }
            let width = px(v.abs());
            let x = if *v > 0.0 { up } else { down - width };
            let fill = if *v > 0.0 { COLORS[k] } else { "#d0603a" };
            let _ = writeln!(svg, "<rect class=\"part\" x=\"{x:.2}\" y=\"{y:.1}\" width=\"{width:.2}\" height=\"18\" fill=\"{fill}\" stroke=\"#fff\"><title>{}: {:.4}%</title></rect>", NAMES[k], v * 100.0);
            if *v > 0.0 {
                up += width;
            } else {
                down -= width;
            }
        }
        let _ = writeln!(
            svg,
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\">{:.2}%</text>",
            up + 4.0,
            y + 13.0,
            p.iter().sum::<f64>() * 100.0
        );
    }
    let _ = writeln!(svg, "<line x1=\"{zero:.2}\" y1=\"22\" x2=\"{zero:.2}\" y2=\"{:.1}\" stroke=\"#111\"/>", h - 4.0);
    svg.push_str("</svg>\n");
    svg
}

fn quadrants(h: &DataFrame) -> Result<String> {
    let (cmi, cmi_scale) = numbers(h, "cmi")?;
    let (balance, b_scale) = numbers(h, "balance")?;
    let (cases, _) = numbers(h, "cases")?;
    let ids = texts(h, "institution_id")?;
    let regions = texts(h, "region")?;
    let funds = texts(h, "fund")?;
    let mut points = Vec::new();
    for i in 0..h.height() {
        let (Some(c), Some(b), Some(n)) = (cmi[i], balance[i], cases[i]) else { continue };
        if n == 0 {
            continue;
        }
        let x = c as f64 / 10f64.powi(cmi_scale as i32);
        let y = b as f64 / 10f64.powi(b_scale as i32) / n as f64;
        points.push((
            x,
            y,
            format!(
                "{} · {} · {}: CMI {}, balance per case {:.2}",
                ids[i],
                regions[i],
                funds[i],
                format_fixed(c, cmi_scale),
                y
            ),
        ));
    }
    Ok(scatter(&points, 1.0, 0.0, "CMI", "balance per case"))
}

fn corridor(h: &DataFrame) -> Result<String> {
    let keys = ["region", "fund", "year"];
    let sums = sums_by(h, &keys, &["balance", "kept", "shared"])?;
    let pools = left_join(&sums, &signs_by(h, &keys, "balance")?, &keys)?;
    let mut html = String::from("<table><tr><th>region</th><th>fund</th><th>year</th><th>hospitals</th><th>in surplus</th><th>kept</th><th>over</th><th>fund shares</th><th>Σ balance</th></tr>\n");
    let (r, f, y) = (texts(&pools, "region")?, texts(&pools, "fund")?, texts(&pools, "year")?);
    let (rows, above, below) = (ints(&pools, "rows")?, ints(&pools, "above")?, ints(&pools, "below")?);
    let show = |name: &str| -> Result<Vec<String>> {
        let (v, s) = numbers(&pools, name)?;
        Ok(v.into_iter().map(|x| x.map(|x| format_fixed(x, s)).unwrap_or_default()).collect())
    };
    let (kept, shared, bal) = (show("kept")?, show("shared")?, show("balance")?);
    for i in 0..pools.height() {
        let _ = writeln!(
            html,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            esc(&r[i]),
            esc(&f[i]),
            esc(&y[i]),
            rows[i],
            above[i],
            kept[i],
            below[i],
            shared[i],
            bal[i]
        );
    }
    html.push_str("</table>\n");
    Ok(html)
}

// ---------------------------------------------------------------- scenario

/// What differs between the scenario reports of a quarter and of a DIP year.
struct ScenarioView {
    /// The pool's key columns.
    keys: [&'static str; 3],
    /// The map's rows and columns.
    map: (&'static str, &'static str),
    /// The value's name and its published delta column.
    value: &'static str,
    delta: &'static str,
    exact_delta: &'static str,
    shown: &'static [&'static str],
}

const QUARTER_VIEW: ScenarioView = ScenarioView {
    keys: ["sector", "region", "quarter"],
    map: ("region", "sector"),
    value: "fpv",
    delta: "fpv_delta",
    exact_delta: "fpv_exact_delta",
    shown: &crate::console::COMPARISON_SHOWN,
};

const DIP_VIEW: ScenarioView = ScenarioView {
    keys: ["region", "fund", "year"],
    map: ("region", "fund"),
    value: "pv",
    delta: "pv_delta",
    exact_delta: "pv_exact_delta",
    shown: &crate::console::DIP_COMPARISON_SHOWN,
};

fn scenario(dir: &Path, view: &ScenarioView) -> Result<String> {
    let (cmp_t, cmp) = read(dir, "comparison")?;
    let names = ordered(&texts(&cmp, "scenario")?);
    let mut body = String::new();
    let v = view.value;
    body.push_str(&format!("<h2>Change of the point value per scenario</h2>\n<p class=\"note\">{v} − baseline {v} per pool; blue where it rises, orange where it falls, white where it stays; one colour scale for all scenarios.</p>\n<div class=\"charts\">"));
    for s in &names {
        body.push_str(&value_heatmap(&cmp_t, &cmp, ("scenario", s), view.map, view.delta, Palette::Diverging)?);
    }
    body.push_str(&format!("</div>\n<h2>Why it changed</h2>\n<p class=\"note\">The exact change of each pool's {v} (black tick) split into what the budget overlays, the volume overlays and the config change contribute (Shapley attribution; the three add up to the change exactly). Pools whose {v} did not move are left out.</p>\n"));
    body.push_str(&attribution(&cmp, view)?);
    if view.value == "pv" {
        if let Some(h) = table(dir, "hospitals") {
            body.push_str("<h2>Hospitals whose entitlement moves most</h2>\n<p class=\"note\">Entitlement (what a hospital is owed after the corridor) in each scenario against the baseline's, the largest changes either way.</p>\n");
            body.push_str(&entitlement_moves(&read_text_table(&h)?)?);
        }
    }
    body.push_str(&format!(
        "<h2>Comparison</h2>\n<p class=\"note\">Pools whose {v} moved; the comparison table holds every pool.</p>\n"
    ));
    let (delta, _) = numbers(&cmp, view.exact_delta)?;
    let moved: Vec<usize> = (0..cmp.height()).filter(|i| delta[*i] != Some(0)).collect();
    body.push_str(&rows_table(&cmp_t, view.shown, Some(&moved)));
    Ok(body)
}

/// The fifteen largest changes of a hospital's entitlement against the baseline's, from the
/// stacked `hospitals` table (exact decimals; the change is computed on the fixed-point values).
fn entitlement_moves(h: &TextTable) -> Result<String> {
    let col = |name: &str| -> Result<&[Option<String>]> {
        h.column(name).ok_or_else(|| Failure::input(format!("{}: has no {name} column", h.path.display())))
    };
    let (scenario, id, region, fund, year, e) =
        (col("scenario")?, col("institution_id")?, col("region")?, col("fund")?, col("year")?, col("entitlement")?);
    let fixed = |v: &Option<String>| {
        v.as_deref()
            .and_then(|v| dianzhi_core::number::parse_decimal(v).ok())
            .map(|d| dianzhi_core::number::Dec::from(d).rescale_exact(4).unwrap_or(0))
    };
    let key = |i: usize| (id[i].clone(), region[i].clone(), fund[i].clone(), year[i].clone());
    let base: std::collections::HashMap<_, i128> = (0..h.rows())
        .filter(|i| scenario[*i].as_deref() == Some(dianzhi_analysis::scenario::BASELINE))
        .filter_map(|i| fixed(&e[i]).map(|v| (key(i), v)))
        .collect();
    let mut moves: Vec<(i128, usize, i128)> = (0..h.rows())
        .filter(|i| scenario[*i].as_deref() != Some(dianzhi_analysis::scenario::BASELINE))
        .filter_map(|i| Some((fixed(&e[i])? - base.get(&key(i))?, i, *base.get(&key(i))?)))
        .filter(|(d, _, _)| *d != 0)
        .collect();
    moves.sort_by(|a, b| b.0.abs().cmp(&a.0.abs()).then(a.1.cmp(&b.1)));
    if moves.is_empty() {
        return Ok("<p class=\"note\">No hospital's entitlement moved.</p>\n".into());
    }
    let mut html = String::from("<table><tr><th>scenario</th><th>institution_id</th><th>region</th><th>fund</th><th>year</th><th>entitlement (baseline)</th><th>entitlement</th><th>change</th></tr>\n");
    let text = |v: &Option<String>| esc(v.as_deref().unwrap_or(""));
    // at the decimals the table writes money with (fen for DIP)
    let decimals = e.iter().flatten().next().and_then(|v| v.split_once('.')).map_or(0, |(_, f)| f.len() as u32);
    let money = |v: i128| format_fixed(v / 10i128.pow(4 - decimals.min(4)), decimals.min(4));
    for (d, i, b) in moves.iter().take(15) {
        let _ = writeln!(
            html,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n {}\">{}</td></tr>",
            text(&scenario[*i]),
            text(&id[*i]),
            text(&region[*i]),
            text(&fund[*i]),
            text(&year[*i]),
            money(*b),
            text(&e[*i]),
            if *d < 0 { "warn" } else { "ok" },
            money(*d)
        );
    }
    html.push_str("</table>\n");
    Ok(html)
}

/// Distinct values in first-seen order (the scenarios' file order).
fn ordered(v: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for s in v {
        if !out.contains(s) {
            out.push(s.clone());
        }
    }
    out
}

const EFFECT_COLORS: [(&str, &str); 3] = [("budget", "#3b82c4"), ("volume", "#e0a030"), ("config", "#7c5cbf")];

fn attribution(cmp: &DataFrame, view: &ScenarioView) -> Result<String> {
    let scenario = texts(cmp, "scenario")?;
    let pool: Vec<String> = {
        let [a, b, c] = view.keys;
        let (s, r, q) = (texts(cmp, a)?, texts(cmp, b)?, texts(cmp, c)?);
        (0..cmp.height()).map(|i| format!("{} · {} · {}", s[i], r[i], q[i])).collect()
    };
    let as_f64 = |c: &str| -> Result<Vec<Option<f64>>> {
        let (v, s) = numbers(cmp, c)?;
        Ok(v.into_iter().map(|x| x.map(|x| x as f64 / 10f64.powi(s as i32))).collect())
    };
    let effects = [as_f64("budget_effect")?, as_f64("volume_effect")?, as_f64("config_effect")?];
    let (delta, _) = numbers(cmp, view.exact_delta)?;
    // one line per scenario heading, one per pool that moved (or has no value)
    enum Line {
        Heading(String),
        Pool(usize),
    }
    let mut lines = Vec::new();
    let mut last: Option<&str> = None;
    for i in (0..cmp.height()).filter(|i| delta[*i] != Some(0)) {
        if last != Some(scenario[i].as_str()) {
            lines.push(Line::Heading(scenario[i].clone()));
            last = Some(scenario[i].as_str());
        }
        lines.push(Line::Pool(i));
    }
    if lines.is_empty() {
        return Ok("<p class=\"note\">No scenario moved any pool's point value.</p>\n".into());
    }
    let extent = (0..cmp.height())
        .map(|i| {
            let parts = effects.iter().map(|e| e[i].unwrap_or(0.0));
            let pos: f64 = parts.clone().filter(|x| *x > 0.0).sum();
            let neg: f64 = parts.filter(|x| *x < 0.0).sum();
            pos.max(-neg)
        })
        .fold(0.0f64, f64::max)
        .max(1e-9);
    let (label_w, bar_w, row_h) = (260.0, 520.0, 22.0);
    let height = 34.0 + row_h * lines.len() as f64 + 30.0;
    let zero = label_w + bar_w / 2.0;
    let scale = bar_w / 2.0 / extent;
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{height}\" viewBox=\"0 0 {w} {height}\" role=\"img\">\n",
        w = label_w + bar_w + 90.0
    );
    for (k, (name, color)) in EFFECT_COLORS.iter().enumerate() {
        let x = label_w + k as f64 * 110.0;
        let _ = writeln!(svg, "<rect x=\"{x}\" y=\"6\" width=\"12\" height=\"12\" fill=\"{color}\"/><text x=\"{}\" y=\"16\" font-size=\"12\">{name}</text>", x + 16.0);
    }
    let _ = writeln!(svg, "<line x1=\"{zero}\" y1=\"28\" x2=\"{zero}\" y2=\"{}\" stroke=\"#9aa5b1\"/>", height - 24.0);
    for (n, line) in lines.iter().enumerate() {
        let y = 30.0 + row_h * n as f64;
        let i = match line {
            Line::Heading(name) => {
                let _ = writeln!(svg, "<line x1=\"0\" y1=\"{y}\" x2=\"{}\" y2=\"{y}\" stroke=\"#d9e2ec\"/><text x=\"0\" y=\"{}\" font-size=\"12.5\" font-weight=\"600\">{}</text>", label_w + bar_w, y + 16.0, esc(&truncate(name, 60)));
                continue;
            }
            Line::Pool(i) => *i,
        };
        let _ = writeln!(
            svg,
            "<text x=\"{}\" y=\"{}\" font-size=\"12\" text-anchor=\"end\">{}</text>",
            label_w - 8.0,
            y + 15.0,
            esc(&truncate(&pool[i], 40))
        );
        if effects.iter().any(|e| e[i].is_none()) {
            let _ = writeln!(
                svg,
                "<text x=\"{}\" y=\"{}\" font-size=\"11\" fill=\"#7b8794\">no value on one side</text>",
                zero + 6.0,
                y + 15.0
            );
            continue;
        }
        let (mut pos, mut neg, mut total) = (0.0, 0.0, 0.0);
        for (k, e) in effects.iter().enumerate() {
            let p = e[i].expect("checked");
            total += p;
            let x = if p >= 0.0 { zero + pos * scale } else { zero - (neg + p.abs()) * scale };
            if p >= 0.0 {
                pos += p;
            } else {
                neg += p.abs();
            }
            let _ = writeln!(
                svg,
                "<rect x=\"{x:.2}\" y=\"{}\" width=\"{:.2}\" height=\"{}\" fill=\"{}\"><title>{} — {}: {} effect {p:+.6}</title></rect>",
                y + 4.0,
                p.abs() * scale,
                row_h - 8.0,
                EFFECT_COLORS[k].1,
                esc(&scenario[i]),
                esc(&pool[i]),
                EFFECT_COLORS[k].0
            );
        }
        let tx = zero + total * scale;
        let _ = writeln!(
            svg,
            "<line x1=\"{tx:.2}\" y1=\"{}\" x2=\"{tx:.2}\" y2=\"{}\" stroke=\"#111\" stroke-width=\"2\"/>",
            y + 1.0,
            y + row_h - 1.0
        );
        let _ = writeln!(
            svg,
            "<text x=\"{}\" y=\"{}\" font-size=\"11\" fill=\"#323f4b\">{total:+.4}</text>",
            label_w + bar_w + 8.0,
            y + 15.0
        );
    }
    let base = height - 10.0;
    let _ = writeln!(svg, "<text x=\"{zero}\" y=\"{base}\" font-size=\"11\" text-anchor=\"middle\">0</text>");
    let _ = writeln!(
        svg,
        "<text x=\"{}\" y=\"{base}\" font-size=\"11\" text-anchor=\"end\">{:+.4}</text>",
        label_w + bar_w,
        extent
    );
    let _ = writeln!(
        svg,
        "<text x=\"{label_w}\" y=\"{base}\" font-size=\"11\" text-anchor=\"start\">{:+.4}</text>",
        -extent
    );
    svg.push_str("</svg>\n");
    Ok(svg)
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        s.chars().take(n - 1).chain(std::iter::once('…')).collect()
    }
}

// ---------------------------------------------------------------- charts and tables

/// A heatmap of `value` over `rows` × `cols` for the rows of `t` whose `filter` column is `at`.
#[derive(Clone, Copy, PartialEq)]
enum Palette {
    /// Low to high, light to dark blue.
    Sequential,
    /// Around zero: recoveries and falls in orange, rises in blue.
    Diverging,
}

fn value_heatmap(
    t: &TextTable,
    f: &DataFrame,
    (filter, at): (&str, &str),
    (rows, cols): (&str, &str),
    value: &str,
    palette: Palette,
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
    let mut row_names: Vec<String> = cells.keys().map(|(r, _)| r.clone()).collect();
    row_names.dedup();
    let mut col_names: Vec<String> = cells.keys().map(|(_, c)| c.clone()).collect();
    col_names.sort();
    col_names.dedup();
    // one colour scale for every map of the page (all quarters, all scenarios): the same
    // colour is the same value wherever it stands
    let present: Vec<f64> = vals.iter().flatten().map(|v| *v as f64 / 10f64.powi(scale as i32)).collect();
    let (mut lo, mut hi) =
        present.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(*v), hi.max(*v)));
    if palette == Palette::Diverging && lo.is_finite() {
        let m = lo.abs().max(hi.abs()).max(1e-12);
        (lo, hi) = (-m, m);
    }
    let color = |t: f64| match palette {
        Palette::Sequential => blue(t),
        Palette::Diverging => diverging(t),
    };
    let (label_w, cell_w, cell_h) = (110.0, 118.0, 28.0);
    let width = label_w + cell_w * col_names.len() as f64 + 10.0;
    let height = 50.0 + cell_h * row_names.len() as f64 + 34.0;
    let mut svg = format!("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" role=\"img\">\n");
    let _ =
        writeln!(svg, "<text x=\"0\" y=\"16\" font-size=\"14\" font-weight=\"600\">{} {}</text>", esc(filter), esc(at));
    for (j, c) in col_names.iter().enumerate() {
        let _ = writeln!(
            svg,
            "<text x=\"{}\" y=\"42\" font-size=\"12\" text-anchor=\"middle\">{}</text>",
            label_w + cell_w * (j as f64 + 0.5),
            esc(&truncate(c, 16))
        );
    }
    for (i, r) in row_names.iter().enumerate() {
        let y = 50.0 + cell_h * i as f64;
        let _ = writeln!(
            svg,
            "<text x=\"{}\" y=\"{}\" font-size=\"12\" text-anchor=\"end\">{}</text>",
            label_w - 8.0,
            y + 18.0,
            esc(&truncate(r, 14))
        );
        for (j, c) in col_names.iter().enumerate() {
            let x = label_w + cell_w * j as f64;
            let (fill, text, ink) = match cells.get(&(r.clone(), c.clone())) {
                Some((Some(v), shown)) => {
                    let t = if hi > lo { (v - lo) / (hi - lo) } else { 0.5 };
                    let (fill, ink) = color(t);
                    (fill, shown.clone().unwrap_or_default(), ink)
                }
                Some((None, _)) => ("#f5f7fa".to_string(), "—".to_string(), "#7b8794"),
                None => ("#ffffff".to_string(), String::new(), "#7b8794"),
            };
            let _ = writeln!(
                svg,
                "<rect x=\"{x}\" y=\"{y}\" width=\"{}\" height=\"{}\" fill=\"{fill}\" stroke=\"#fff\"><title>{} · {}: {}</title></rect><text x=\"{}\" y=\"{}\" font-size=\"11.5\" text-anchor=\"middle\" fill=\"{ink}\">{}</text>",
                cell_w - 2.0,
                cell_h - 2.0,
                esc(r),
                esc(c),
                esc(&text),
                x + cell_w / 2.0,
                y + 18.0,
                esc(&text)
            );
        }
    }
    if lo.is_finite() {
        let y = height - 22.0;
        for k in 0..=20 {
            let (fill, _) = color(k as f64 / 20.0);
            let _ = writeln!(
                svg,
                "<rect x=\"{}\" y=\"{y}\" width=\"6\" height=\"10\" fill=\"{fill}\"/>",
                label_w + k as f64 * 6.0
            );
        }
        let _ = writeln!(svg, "<text x=\"{}\" y=\"{}\" font-size=\"11\" text-anchor=\"end\">{lo:.4}</text><text x=\"{}\" y=\"{}\" font-size=\"11\">{hi:.4}</text>", label_w - 4.0, y + 9.0, label_w + 130.0, y + 9.0);
    }
    svg.push_str("</svg>\n");
    Ok(svg)
}

/// Orange below the middle of [0, 1], white at it, blue above; and the ink that reads on it.
fn diverging(t: f64) -> (String, &'static str) {
    let d = (t.clamp(0.0, 1.0) - 0.5) * 2.0;
    let (to, a) = if d < 0.0 { ((194.0, 65.0, 12.0), -d) } else { ((16.0, 70.0, 140.0), d) };
    let mix = |from: f64, to: f64| (from + (to - from) * a).round() as u8;
    let fill = format!("#{:02x}{:02x}{:02x}", mix(247.0, to.0), mix(247.0, to.1), mix(247.0, to.2));
    (fill, if a > 0.55 { "#ffffff" } else { "#102a43" })
}

/// A sequential blue for t in [0, 1], and the ink that reads on it.
fn blue(t: f64) -> (String, &'static str) {
    let t = t.clamp(0.0, 1.0);
    let mix = |a: f64, b: f64| (a + (b - a) * t).round() as u8;
    let fill = format!("#{:02x}{:02x}{:02x}", mix(222.0, 16.0), mix(235.0, 70.0), mix(247.0, 140.0));
    (fill, if t > 0.55 { "#ffffff" } else { "#102a43" })
}

/// Counts of `values` (percentages) in equal bins from the lowest to the highest.
fn histogram(values: &[f64], x_name: &str) -> String {
    let (w, h, left, bottom) = (720.0, 260.0, 50.0, 40.0);
    let mut svg = format!("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" role=\"img\">\n");
    if values.is_empty() {
        svg.push_str("<text x=\"10\" y=\"20\" font-size=\"12\">no settlements</text></svg>\n");
        return svg;
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
        let _ = writeln!(
            svg,
            "<rect x=\"{:.2}\" y=\"{:.2}\" width=\"{:.2}\" height=\"{bh:.2}\" fill=\"{color}\"><title>{from:.1}% to {to:.1}%: {c} institution(s)</title></rect>",
            left + bar * i as f64 + 1.0,
            16.0 + plot_h - bh,
            bar - 2.0,
        );
    }
    let axis = 16.0 + plot_h;
    let px = |v: f64| left + (v - lo) / (width * BINS as f64) * plot_w;
    let _ = writeln!(svg, "<line x1=\"{left}\" y1=\"{axis}\" x2=\"{}\" y2=\"{axis}\" stroke=\"#52606d\"/>", w - 10.0);
    let _ = writeln!(svg, "<line x1=\"{left}\" y1=\"16\" x2=\"{left}\" y2=\"{axis}\" stroke=\"#52606d\"/>");
    let _ = writeln!(svg, "<text x=\"{}\" y=\"20\" font-size=\"11\" text-anchor=\"end\">{top}</text><text x=\"{}\" y=\"{axis}\" font-size=\"11\" text-anchor=\"end\">0</text>", left - 4.0, left - 4.0);
    let mut ticks = vec![(lo, "start"), (hi, "end")];
    if lo < 0.0 && hi > 0.0 {
        ticks.push((0.0, "middle"));
        let x = px(0.0);
        let _ = writeln!(
            svg,
            "<line x1=\"{x:.2}\" y1=\"16\" x2=\"{x:.2}\" y2=\"{axis}\" stroke=\"#111\" stroke-dasharray=\"3 3\"/>"
        );
    }
    for (t, anchor) in ticks {
        let _ = writeln!(
            svg,
            "<text x=\"{:.2}\" y=\"{}\" font-size=\"11\" text-anchor=\"{anchor}\">{t:.1}%</text>",
            px(t),
            axis + 15.0
        );
    }
    let _ = writeln!(
        svg,
        "<text x=\"{}\" y=\"{}\" font-size=\"11\" text-anchor=\"middle\">{}</text>",
        left + plot_w / 2.0,
        h - 4.0,
        esc(x_name)
    );
    svg.push_str("</svg>\n");
    svg
}

fn scatter(points: &[(f64, f64, String)], x_mid: f64, y_mid: f64, x_name: &str, y_name: &str) -> String {
    let (w, h, left, bottom) = (720.0, 420.0, 70.0, 40.0);
    let mut svg = format!("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" role=\"img\">\n");
    if points.is_empty() {
        svg.push_str("<text x=\"10\" y=\"20\" font-size=\"12\">no hospitals with cases</text></svg>\n");
        return svg;
    }
    let span = |f: &dyn Fn(&(f64, f64, String)) -> f64, mid: f64| {
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
        let _ = writeln!(
            svg,
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{fill}\"/>",
            px(a),
            py(b),
            px(c) - px(a),
            py(d) - py(b)
        );
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
        let _ = writeln!(svg, "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"3.2\" fill=\"{color}\" fill-opacity=\"0.75\"><title>{}</title></circle>", px(*x), py(*y), esc(label));
    }
    let _ = writeln!(
        svg,
        "<line x1=\"{:.1}\" y1=\"20\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"#52606d\"/>",
        px(x_mid),
        px(x_mid),
        20.0 + ph
    );
    let _ = writeln!(
        svg,
        "<line x1=\"{left}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"#52606d\"/>",
        py(y_mid),
        left + pw,
        py(y_mid)
    );
    let corner = [
        (left + pw - 6.0, 34.0, "end", "complex, in surplus"),
        (left + pw - 6.0, 14.0 + ph, "end", "complex, over"),
        (left + 6.0, 34.0, "start", "simple, in surplus"),
        (left + 6.0, 14.0 + ph, "start", "simple, over"),
    ];
    for (k, (x, y, anchor, name)) in corner.iter().enumerate() {
        let _ = writeln!(svg, "<text x=\"{x:.1}\" y=\"{y:.1}\" font-size=\"12\" text-anchor=\"{anchor}\" fill=\"#323f4b\">{name}: {}</text>", counts[k]);
    }
    for x in [x0, x_mid, x1] {
        let _ = writeln!(
            svg,
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"middle\">{x:.2}</text>",
            px(x),
            34.0 + ph
        );
    }
    for y in [y0, y_mid, y1] {
        let _ = writeln!(
            svg,
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"end\">{y:.0}</text>",
            left - 4.0,
            py(y) + 4.0
        );
    }
    let _ = writeln!(
        svg,
        "<text x=\"{:.1}\" y=\"{}\" font-size=\"11.5\" text-anchor=\"middle\">{}</text>",
        left + pw / 2.0,
        h - 6.0,
        esc(x_name)
    );
    let _ = writeln!(svg, "<text x=\"12\" y=\"{:.1}\" font-size=\"11.5\" text-anchor=\"middle\" transform=\"rotate(-90 12 {:.1})\">{}</text>", 20.0 + ph / 2.0, 20.0 + ph / 2.0, esc(y_name));
    svg.push_str("</svg>\n");
    svg
}

/// Some columns of a text table as an HTML table (numbers right-aligned, status marked).
fn rows_table(t: &TextTable, columns: &[&str], rows: Option<&[usize]>) -> String {
    let present: Vec<(&str, &[Option<String>])> = columns.iter().filter_map(|c| t.column(c).map(|v| (*c, v))).collect();
    let mut html = String::from("<table><tr>");
    for (c, _) in &present {
        let _ = write!(html, "<th>{}</th>", esc(c));
    }
    html.push_str("</tr>\n");
    let all: Vec<usize> = (0..t.rows()).collect();
    for &i in rows.unwrap_or(&all) {
        html.push_str("<tr>");
        for (c, v) in &present {
            html.push_str(&cell(c, v[i].as_deref().unwrap_or("")));
        }
        html.push_str("</tr>\n");
    }
    html.push_str("</table>\n");
    html
}

fn cell(column: &str, v: &str) -> String {
    if column == "status" {
        let class = if v == "ok" { "ok" } else { "warn" };
        return format!("<td class=\"{class}\">{}</td>", esc(v));
    }
    let numeric = !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit() || b == b'.' || b == b'-');
    if numeric && !["quarter", "year", "institution_id"].contains(&column) {
        format!("<td class=\"n\">{}</td>", esc(v))
    } else {
        format!("<td>{}</td>", esc(v))
    }
}

/// Some columns of a frame as an HTML table.
fn frame_table(f: &DataFrame, columns: &[&str]) -> Result<String> {
    let mut cols: Vec<Vec<String>> = Vec::new();
    for c in columns {
        let col = f.column(c).map_err(Failure::other)?;
        cols.push(match numbers(f, c) {
            Ok((v, s)) => v.into_iter().map(|x| x.map(|x| format_fixed(x, s)).unwrap_or_default()).collect(),
            Err(_) => col
                .cast(&DataType::String)
                .map_err(Failure::other)?
                .str()
                .map_err(Failure::other)?
                .iter()
                .map(|v| v.unwrap_or_default().to_string())
                .collect(),
        });
    }
    let mut html = String::from("<table><tr>");
    for c in columns {
        let _ = write!(html, "<th>{}</th>", esc(c));
    }
    html.push_str("</tr>\n");
    for i in 0..f.height() {
        html.push_str("<tr>");
        for (c, v) in columns.iter().zip(&cols) {
            html.push_str(&cell(c, &v[i]));
        }
        html.push_str("</tr>\n");
    }
    html.push_str("</table>\n");
    Ok(html)
}

#[cfg(test)]
mod budget_chart_tests {
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
}
