//! Human-readable summaries printed on stdout.

use dianzhi_core::number::format_fixed;
use dianzhi_core::pool::PoolInput;
use dianzhi_core::settlement::SettledPool;
use dianzhi_core::Config;

/// Prints to stdout; a closed pipe (`dianzhi demo | head`) is not an error.
pub fn say(text: &str) {
    use std::io::Write;
    let _ = std::io::stdout().write_all(text.as_bytes());
}

/// The point-value table: one line per pool.
pub fn point_value_table(pools: &[PoolInput], settled: &[SettledPool], config: &Config) -> String {
    let unit = config.money.unit;
    let scale = config.point_value.scale;
    let money = |v: i128| format_fixed(unit.to_output(v), unit.decimals);
    let value = |v: Option<i128>| v.map_or_else(|| "-".to_string(), |v| format_fixed(v, scale));
    let header = ["sector", "region", "quarter", "institutions", "budget", "fpv", "apv", "residual", "status"];
    let mut rows: Vec<Vec<String>> = vec![header.iter().map(ToString::to_string).collect()];
    for (p, s) in pools.iter().zip(settled) {
        rows.push(vec![
            p.key.sector.clone(),
            p.key.region.clone(),
            p.key.quarter.to_string(),
            s.institutions.to_string(),
            money(p.budget),
            value(s.point_value.fpv),
            value(s.point_value.apv),
            money(s.residual),
            s.point_value.status.as_str().to_string(),
        ]);
    }
    let widths: Vec<usize> =
        (0..header.len()).map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0)).collect();
    let mut out = String::new();
    for r in &rows {
        let line: Vec<String> = r
            .iter()
            .enumerate()
            .map(|(c, cell)| {
                let pad = widths[c] - cell.chars().count();
                // numbers right-aligned, labels left-aligned
                if (3..8).contains(&c) {
                    format!("{}{cell}", " ".repeat(pad))
                } else {
                    format!("{cell}{}", " ".repeat(pad))
                }
            })
            .collect();
        out.push_str(line.join("  ").trim_end());
        out.push('\n');
    }
    out
}
