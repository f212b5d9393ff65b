//! `dianzhi dip budget`: the year's DIP budget per pool from its history of income and spending
//! (以收定支), written as the `funds` table the year's presettles and clearing read, and a
//! `growth` table of every step (docs/dip-year.md, "The budget").

use std::path::{Path, PathBuf};

use dianzhi_columnar::dip::{outputs, tables};
use dianzhi_columnar::write;
use dianzhi_core::dip::budget::{build, BudgetSpec, PoolBudget};
use dianzhi_core::number::MoneyUnit;
use dianzhi_core::Config;

use super::single;
use crate::cli::OutArgs;
use crate::console;
use crate::failure::{Failure, Result};
use crate::manifest::{sha256_file, Manifest};
use crate::outdir::OutDir;
use crate::progress::Progress;

/// The year's budget per pool from its history (以收定支): growth model, income cap,
/// provincial transfers; writes the funds table the year's presettles and clearing read.
#[derive(clap::Args)]
pub struct DipBudgetArgs {
    /// Budget spec (TOML, see data/examples/dip-budget.toml).
    #[arg(long, value_name = "FILE")]
    pub spec: PathBuf,
    /// History per pool and year: region, fund, year, income, spending (Y−4 … Y−1).
    #[arg(long, value_name = "FILE")]
    pub history: PathBuf,
    #[command(flatten)]
    pub output: OutArgs,
}

/// Runs `dianzhi dip budget` and prints the budget table.
pub fn command(args: DipBudgetArgs, s: &crate::cli::Settings) -> Result<u8> {
    let done = run(&args, s)?;
    s.say(&console::dip_budget_table(&done.pools, &done.config));
    s.say(&format!("budgeted {} DIP pools → {}\n", done.pools.len(), done.out.display()));
    Ok(0)
}

pub struct Budgeted {
    pub pools: Vec<PoolBudget>,
    pub config: Config,
    pub out: PathBuf,
}

/// Reads a budget spec; money in fen unless `[money] unit` says otherwise.
pub fn read_spec(path: &Path) -> Result<BudgetSpec> {
    let bad = |e: &dyn std::fmt::Display| Failure::input(format!("{}: invalid DIP budget spec: {e}", path.display()));
    let text = std::fs::read_to_string(path).map_err(|e| bad(&e))?;
    let mut spec: BudgetSpec = toml::from_str(&text).map_err(|e| bad(&e))?;
    let table: toml::Table = toml::from_str(&text).map_err(|e| bad(&e))?;
    if table.get("money").and_then(|m| m.get("unit")).is_none() {
        spec.money.unit = MoneyUnit { fixed: 100, decimals: 2 };
    }
    dianzhi_core::dip::budget::validate(&spec).map_err(|e| bad(&e))?;
    Ok(spec)
}

pub fn run(args: &DipBudgetArgs, s: &crate::cli::Settings) -> Result<Budgeted> {
    let out = OutDir::prepare(&args.output.out, args.output.force, |_| false, &[&args.spec, &args.history])?;
    let mut progress = Progress::hidden();
    progress.phase("read spec and history");
    let spec = read_spec(&args.spec)?;
    let config = Config { money: spec.money, ..Config::default() };
    let history_src = single(&args.history, "history", s.encoding)?;
    let (history, rows) = tables::read_history(&history_src, spec.money.unit)?;

    progress.phase("budget pools");
    let pools = build(&spec, &history)
        .map_err(|e| Failure::input(format!("{} with {}: {e}", args.spec.display(), history_src.path.display())))?;

    progress.phase("write outputs");
    let ext = args.output.ext();
    let mut manifest = Manifest::new("dip budget", &config);
    manifest.input("spec", &args.spec, sha256_file(&args.spec)?, 0);
    manifest.input("history", &history_src.path, sha256_file(&history_src.path)?, rows);
    for (name, table) in
        [("funds", outputs::budget_funds(&pools, &config)), ("growth", outputs::budget_growth(&pools, &config))]
    {
        let file = format!("{name}.{ext}");
        write::write_table(&table, &out.file(&file), args.output.format())?;
        manifest.output(&file, table.rows(), sha256_file(&out.file(&file))?);
    }
    manifest.set("year", serde_json::json!(spec.year));
    let w = spec.weights;
    manifest.set(
        "weights",
        serde_json::json!({ "history": w.history.to_string(), "population": w.population.to_string(), "technology": w.technology.to_string() }),
    );
    manifest.finish(&out.file("manifest.json"), progress.phases())?;
    let out = out.commit()?;
    Ok(Budgeted { pools, config, out })
}
