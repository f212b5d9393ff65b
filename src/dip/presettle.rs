//! `dianzhi dip presettle`: one month's payments to every hospital (advance, withholding) and
//! the budget-execution watch (CONTRACT §6).

use std::path::PathBuf;

use dianzhi_columnar::dip::cases::{scan_cases, ScanOptions};
use dianzhi_columnar::dip::{outputs, tables};
use dianzhi_columnar::source::{resolve, Format};
use dianzhi_columnar::write;
use dianzhi_core::dip::presettle::{execution, presettle, HospitalExecution, PoolExecution};
use dianzhi_core::dip::score::Scorer;
use dianzhi_core::number::format_fixed;
use dianzhi_core::period::Month;
use dianzhi_core::Config;

use super::{catalog, single, Lookups};
use crate::failure::{Failure, Result};
use crate::manifest::{sha256_file, Manifest};
use crate::outdir::OutDir;
use crate::progress::Progress;

pub struct PresettleArgs {
    pub cases: Vec<PathBuf>,
    pub lookups: Lookups,
    pub month: Month,
    pub point_values: Option<PathBuf>,
    pub payments: Vec<PathBuf>,
    pub funds: Option<PathBuf>,
    pub config: Config,
    pub config_path: Option<PathBuf>,
    pub out: PathBuf,
    pub format: Format,
    pub force: bool,
    pub quiet: bool,
}

pub struct Presettled {
    pub payments: usize,
    pub pools: Vec<PoolExecution>,
    pub hospitals: Vec<HospitalExecution>,
    pub out: PathBuf,
}

pub fn run(args: &PresettleArgs) -> Result<Presettled> {
    let out = OutDir::prepare(&args.out, args.force, |_| false)?;
    let mut progress = Progress::new(args.quiet);
    let config = &args.config;
    let unit = config.money.unit;
    let mut manifest = Manifest::new("dip presettle", config);

    progress.phase("read tables");
    let catalog = catalog(&args.lookups, &mut manifest)?;
    let values = match &args.point_values {
        Some(p) => {
            let s = single(p, "point values")?;
            let (v, n) = tables::read_point_values(&s)?;
            manifest.input("point_values", &s.path, sha256_file(&s.path)?, n);
            Some(v)
        }
        None => None,
    };
    let funds = match &args.funds {
        Some(p) => {
            let s = single(p, "funds")?;
            let (f, n) = tables::read_funds(&s, unit)?;
            manifest.input("funds", &s.path, sha256_file(&s.path)?, n);
            f
        }
        None => Vec::new(),
    };
    let mut earlier = Vec::new();
    for s in if args.payments.is_empty() { Vec::new() } else { resolve(&args.payments)? } {
        let (rows, n) = tables::read_payments(&s, unit, Some(args.month))?;
        earlier.extend(rows);
        manifest.input("payments", &s.path, sha256_file(&s.path)?, n);
    }

    progress.phase("score cases");
    let sources = resolve(&args.cases)?;
    let scorer = Scorer::new(config);
    let options = ScanOptions { year: Some(args.month.year), spill: None };
    let scan = scan_cases(&sources, &catalog, &scorer, unit, options, &|_| {})?;
    for f in &scan.files {
        manifest.input("cases", &f.path, sha256_file(&f.path)?, f.rows);
    }

    progress.phase("pay the month");
    let no_values = Default::default();
    let payments =
        presettle(&scan.sums, args.month, values.as_ref().unwrap_or(&no_values), config).map_err(Failure::input)?;
    let (pools, hospitals) = execution(&scan.sums, args.month, &payments, &earlier, &funds, values.as_ref(), config)
        .map_err(Failure::input)?;

    progress.phase("write outputs");
    let ext = if args.format == Format::Csv { "csv" } else { "parquet" };
    for (name, table) in [
        ("payments", outputs::payments(&payments, config)),
        ("execution_pools", outputs::execution_pools(&pools, config)),
        ("execution_hospitals", outputs::execution_hospitals(&hospitals, config)),
    ] {
        let file = format!("{name}.{ext}");
        write::write_table(&table, &out.file(&file), args.format)?;
        manifest.output(&file, table.rows(), sha256_file(&out.file(&file))?);
    }
    if let Some(p) = &args.config_path {
        manifest.input("config", p, sha256_file(p)?, 0);
    }
    let money = |v: i128| format_fixed(unit.to_output(v), unit.decimals);
    manifest.set("month", serde_json::json!(args.month.to_string()));
    manifest.set(
        "totals",
        serde_json::json!({
            "payments": payments.len(),
            "gross": money(payments.iter().map(|p| p.gross).sum()),
            "withheld": money(payments.iter().map(|p| p.withheld).sum()),
            "paid": money(payments.iter().map(|p| p.paid).sum()),
            "flagged_pools": pools.iter().filter(|p| !p.flag.is_empty()).count(),
            "hospitals_over": hospitals.iter().filter(|h| !h.flag.is_empty()).count(),
        }),
    );
    manifest.finish(&out.file("manifest.json"), progress.phases())?;
    let out = out.commit()?;
    Ok(Presettled { payments: payments.len(), pools, hospitals, out })
}

/// The budget-execution warnings: flagged pools and the ten hospitals furthest over.
pub fn warnings(done: &Presettled, config: &Config) -> String {
    let unit = config.money.unit;
    let money = |v: i128| format_fixed(unit.to_output(v), unit.decimals);
    let share = |v: Option<i128>| v.map_or_else(|| "-".into(), |v| format_fixed(v, 4));
    let mut s = String::new();
    for p in done.pools.iter().filter(|p| !p.flag.is_empty()) {
        s.push_str(&format!(
            "{}: {} — {} of the budget used by {} (paid {} + withheld {} of {})\n",
            p.flag,
            p.pool,
            share(p.share),
            p.month,
            money(p.paid_to_date),
            money(p.withheld_to_date),
            p.budget.map_or_else(|| "-".into(), money),
        ));
    }
    let mut over: Vec<&HospitalExecution> = done.hospitals.iter().filter(|h| !h.flag.is_empty()).collect();
    over.sort_by(|a, b| b.ratio.cmp(&a.ratio).then_with(|| a.institution_id.cmp(&b.institution_id)));
    if !over.is_empty() {
        s.push_str(&format!(
            "{} hospital(s) with item costs above their scores' value; the furthest over:\n",
            over.len()
        ));
        for h in over.iter().take(10) {
            s.push_str(&format!(
                "  {} in {}: items {} against scores worth {} (ratio {})\n",
                h.institution_id,
                h.pool,
                money(h.item_to_date),
                h.score_value_to_date.map_or_else(|| "-".into(), money),
                share(h.ratio)
            ));
        }
    }
    s
}
