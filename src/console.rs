//! Human-readable summaries printed on stdout.

use dianzhi_core::dip::clearing::{ClearedPool, DipPool};
use dianzhi_core::number::format_fixed;
use dianzhi_core::taiwan::pool::PoolInput;
use dianzhi_core::taiwan::settlement::SettledPool;
use dianzhi_core::Config;

/// Where a command's words go: summaries to stdout and notes to stderr, both silenced by
/// `--quiet`; progress lines on a terminal, not with `--quiet` nor inside the demo's runs. Made
/// once from the global flags and handed to each command (no global state).
#[derive(Debug, Clone, Copy)]
pub struct Printer {
    quiet: bool,
    progress: bool,
}

impl Printer {
    pub fn new(quiet: bool) -> Printer {
        Printer { quiet, progress: !quiet }
    }

    /// The same printer without progress lines (a run inside another command's).
    pub fn without_progress(self) -> Printer {
        Printer { progress: false, ..self }
    }

    /// Whether long runs show their progress.
    pub fn progress(&self) -> bool {
        self.progress
    }

    /// Prints a summary to stdout, unless `--quiet`.
    pub fn say(&self, text: &str) {
        if !self.quiet {
            print(text);
        }
    }

    /// Prints a note (a summary, a warning) to stderr, unless `--quiet`.
    pub fn note(&self, text: &str) {
        if !self.quiet {
            eprint!("{}", visible(text));
        }
    }
}

/// Prints a command's own output to stdout; a closed pipe (`dianzhi demo | head`) is not an error.
pub fn print(text: &str) {
    use std::io::Write;
    let _ = std::io::stdout().write_all(visible(text).as_bytes());
}

/// `text` with every character a terminal shows as nothing (a zero-width space in a label, a
/// control character, a blank other than the space) written as its escape `\u{200b}`: two
/// labels that differ only by such a character must not read alike in a message.
pub fn visible(text: &str) -> std::borrow::Cow<'_, str> {
    fn hidden(c: char) -> bool {
        (c.is_control() && c != '\n' && c != '\t')
            || (c.is_whitespace() && !matches!(c, ' ' | '\n' | '\t' | '\r'))
            || matches!(c,
                '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}'
                | '\u{180B}'..='\u{180F}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
                | '\u{2060}'..='\u{206F}' | '\u{3164}' | '\u{FE00}'..='\u{FE0F}' | '\u{FEFF}' | '\u{FFA0}'
                | '\u{FFF0}'..='\u{FFFB}')
    }
    if !text.chars().any(hidden) {
        return std::borrow::Cow::Borrowed(text);
    }
    std::borrow::Cow::Owned(
        text.chars().map(|c| if hidden(c) { c.escape_unicode().to_string() } else { c.to_string() }).collect(),
    )
}

/// The pools that did not settle to a point value, one line each (empty when every pool is ok):
/// a reader of the summary must not have to find them in the table.
pub fn not_ok<'a>(pools: impl Iterator<Item = (String, &'a str)>) -> String {
    let odd: Vec<(String, &str)> = pools.filter(|(_, status)| *status != "ok").collect();
    if odd.is_empty() {
        return String::new();
    }
    let mut s = format!("{} pool(s) not ok:\n", odd.len());
    for (pool, status) in odd {
        s.push_str(&format!("  {pool}: {status}\n"));
    }
    s
}

/// The budget of each DIP pool: growth, forecasts, the cap and the transfer, one line per pool.
pub fn dip_budget_table(pools: &[dianzhi_core::dip::budget::PoolBudget], config: &Config) -> String {
    use dianzhi_core::dip::budget::RATE_SCALE;
    let unit = config.money.unit;
    let money = |v: i128| format_fixed(unit.to_output(v), unit.decimals);
    // a rate as a percentage with 2 decimals, for reading; the table holds 12 decimals
    let pct = |v: i128| {
        format!(
            "{}%",
            format_fixed(dianzhi_core::number::div_round(v, 10i128.pow(RATE_SCALE - 4), config.money.rounding), 2)
        )
    };
    let header =
        ["region", "fund", "year", "growth", "spending forecast", "cap", "transfer", "budget", "balance", "flag"];
    let rows = pools.iter().map(|p| {
        vec![
            p.region.clone(),
            p.fund.clone(),
            p.year.to_string(),
            pct(p.growth_rate),
            money(p.spending_forecast),
            money(p.cap),
            money(p.transfer),
            money(p.budget),
            p.balance_rate.map_or_else(|| "-".into(), pct),
            p.flag.as_str().to_string(),
        ]
    });
    text_table(&header, rows, 3..9)
}

/// The point-value table of a quarterly clearing: one line per pool.
pub fn point_value_table(pools: &[PoolInput], settled: &[SettledPool], config: &Config) -> String {
    let unit = config.money.unit;
    let scale = config.point_value.scale;
    let money = |v: i128| format_fixed(unit.to_output(v), unit.decimals);
    let value = |v: Option<i128>| v.map_or_else(|| "-".to_string(), |v| format_fixed(v, scale));
    let header = ["sector", "region", "quarter", "institutions", "budget", "fpv", "apv", "residual", "status"];
    let rows = pools.iter().zip(settled).map(|(p, s)| {
        vec![
            p.key.sector.clone(),
            p.key.region.clone(),
            p.key.quarter.to_string(),
            s.institutions.to_string(),
            money(p.budget),
            value(s.point_value.fpv),
            value(s.point_value.apv),
            money(s.residual),
            s.point_value.status.as_str().to_string(),
        ]
    });
    text_table(&header, rows, 3..8)
}

/// The columns of a DIP scenario comparison shown to a person.
pub const DIP_COMPARISON_SHOWN: [&str; 10] = [
    "scenario",
    "region",
    "fund",
    "year",
    "pv_base",
    "pv",
    "pv_delta",
    "budget_effect",
    "volume_effect",
    "config_effect",
];

/// The columns of a scenario comparison shown to a person (printed, and in the report).
pub const COMPARISON_SHOWN: [&str; 10] = [
    "scenario",
    "sector",
    "region",
    "quarter",
    "fpv_base",
    "fpv",
    "fpv_delta",
    "budget_effect",
    "volume_effect",
    "config_effect",
];

/// The comparison of a scenario run: each scenario's pools, their fpv change and its attribution.
pub fn comparison_table(t: &dianzhi_columnar::write::Table, header: &[&str], moved_by: &str) -> String {
    let columns: Vec<_> = header.iter().map(|h| t.column(h).expect("a comparison column")).collect();
    // a pool a scenario leaves alone says nothing: only those that moved are printed
    let delta = t.column(moved_by).expect("a comparison column");
    let moved: Vec<usize> = (0..t.rows())
        .filter(|i| delta.text(*i).is_none_or(|d| !d.trim_start_matches(['0', '.', '-']).is_empty()))
        .collect();
    let rows = moved.iter().map(|&i| columns.iter().map(|c| c.text(i).unwrap_or_else(|| "-".into())).collect());
    let mut out = text_table(header, rows, 4..header.len());
    if moved.len() < t.rows() {
        out.push_str(&format!(
            "({} of {} scenario × pool rows moved; the comparison table holds them all)\n",
            moved.len(),
            t.rows()
        ));
    }
    out
}

/// The point-value table of a DIP year: one line per pool.
pub fn dip_point_value_table(pools: &[DipPool], cleared: &[ClearedPool], config: &Config) -> String {
    let unit = config.money.unit;
    let money = |v: i128| format_fixed(unit.to_output(v), unit.decimals);
    let value = |v: Option<i128>| v.map_or_else(|| "-".to_string(), |v| format_fixed(v, config.point_value.scale));
    let header = [
        "region",
        "fund",
        "year",
        "hospitals",
        "cases",
        "budget",
        "pv",
        "dip_amount",
        "reserve_draw",
        "residual",
        "status",
    ];
    let rows = pools.iter().zip(cleared).map(|(p, c)| {
        vec![
            p.fund.key.region.clone(),
            p.fund.key.fund.clone(),
            p.fund.key.year.to_string(),
            p.hospitals.len().to_string(),
            c.sums.cases.to_string(),
            money(p.fund.budget),
            value(c.solved.point_value.fpv),
            money(c.hospitals.iter().map(|h| h.dip_amount).sum()),
            money(c.reserve_draw),
            money(c.solved.residual),
            c.dip_status().to_string(),
        ]
    });
    text_table(&header, rows, 2..10)
}

/// The year-end clearing of a DIP year: per pool, the hospitals with a surplus and what they
/// keep, those with an overspend and what the fund shares, what was withheld and what is paid
/// or recovered.
pub fn clearing_table(pools: &[DipPool], cleared: &[ClearedPool], config: &Config) -> String {
    let unit = config.money.unit;
    let money = |v: i128| format_fixed(unit.to_output(v), unit.decimals);
    let header = [
        "region",
        "fund",
        "surplus",
        "kept",
        "overspend",
        "shared",
        "withheld",
        "assessment<1",
        "to pay",
        "to recover",
    ];
    let rows = pools.iter().zip(cleared).map(|(p, c)| {
        let both = || p.hospitals.iter().zip(&c.hospitals);
        let count = |f: &dyn Fn(&dianzhi_core::dip::clearing::ClearedHospital) -> bool| {
            c.hospitals.iter().filter(|h| f(h)).count().to_string()
        };
        vec![
            p.fund.key.region.clone(),
            p.fund.key.fund.clone(),
            count(&|h| h.balance > 0),
            money(c.hospitals.iter().map(|h| h.kept).sum()),
            count(&|h| h.balance < 0),
            money(c.hospitals.iter().map(|h| h.shared).sum()),
            money(p.hospitals.iter().map(|h| h.withheld).sum()),
            both().filter(|(h, _)| h.cases.assessment < dianzhi_core::number::Decimal::ONE).count().to_string(),
            money(c.hospitals.iter().map(|h| h.adjustment.max(0)).sum()),
            money(c.hospitals.iter().map(|h| h.adjustment.min(0)).sum()),
        ]
    });
    text_table(&header, rows, 2..10)
}

/// Columns padded to their widest cell (counted in characters, so Chinese labels line up as
/// well as a terminal allows); columns in `numbers` right-aligned.
fn text_table(header: &[&str], rows: impl Iterator<Item = Vec<String>>, numbers: std::ops::Range<usize>) -> String {
    let rows: Vec<Vec<String>> =
        std::iter::once(header.iter().map(ToString::to_string).collect()).chain(rows).collect();
    let width = |s: &str| s.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum::<usize>();
    let widths: Vec<usize> = (0..header.len()).map(|c| rows.iter().map(|r| width(&r[c])).max().unwrap_or(0)).collect();
    let mut out = String::new();
    for r in &rows {
        let line: Vec<String> = r
            .iter()
            .enumerate()
            .map(|(c, cell)| {
                let pad = " ".repeat(widths[c] - width(cell));
                if numbers.contains(&c) {
                    format!("{pad}{cell}")
                } else {
                    format!("{cell}{pad}")
                }
            })
            .collect();
        out.push_str(line.join("  ").trim_end());
        out.push('\n');
    }
    out
}
