//! `dianzhi budget`: the year's growth per sector and its exact split into pool budgets.

use std::path::PathBuf;

use dianzhi_columnar::taiwan::outputs;
use dianzhi_columnar::{write, Format};
use dianzhi_core::taiwan::budget::{build, BudgetSpec};
use dianzhi_core::Config;

use crate::cli::OutArgs;
use crate::failure::{Failure, Result};
use crate::manifest::{sha256_file, Manifest};
use crate::outdir::OutDir;
use crate::progress::Progress;

/// The year's budget: growth per sector and the exact split into regional, quarterly pools.
#[derive(clap::Args)]
pub struct BudgetArgs {
    /// Budget spec (TOML, see data/examples/budget.toml).
    #[arg(long, value_name = "FILE")]
    pub spec: PathBuf,
    #[command(flatten)]
    pub output: OutArgs,
}

/// Runs `dianzhi budget` and prints where it wrote.
pub fn command(args: BudgetArgs, s: &crate::cli::Settings) -> Result<u8> {
    let out = run(&args)?;
    s.say(&format!("wrote budgets and growth → {}\n", out.display()));
    Ok(0)
}

pub fn run(args: &BudgetArgs) -> Result<PathBuf> {
    let (spec_path, format) = (args.spec.as_path(), args.output.format());
    let out = OutDir::prepare(&args.output.out, args.output.force, |_| false, &[spec_path])?;
    let mut progress = Progress::hidden();
    progress.phase("build budgets");
    let bad = |e: &dyn std::fmt::Display| Failure::input(format!("{}: invalid budget spec: {e}", spec_path.display()));
    let text = std::fs::read_to_string(spec_path).map_err(|e| bad(&e))?;
    let spec: BudgetSpec = toml::from_str(&text).map_err(|e| bad(&e))?;
    let (growth, pools) = build(&spec).map_err(|e| bad(&e))?;

    progress.phase("write outputs");
    let unit = spec.money.unit;
    let ext = if format == Format::Csv { "csv" } else { "parquet" };
    let config = Config { money: spec.money, ..Config::default() };
    let mut manifest = Manifest::new("budget", &config);
    manifest.input("spec", spec_path, sha256_file(spec_path)?, 0);
    for (name, table) in [("budgets", outputs::budgets(&pools, unit)), ("growth", outputs::growth(&growth, unit))] {
        let file = format!("{name}.{ext}");
        write::write_table(&table, &out.file(&file), format)?;
        manifest.output(&file, table.rows(), sha256_file(&out.file(&file))?);
    }
    manifest.set("year", serde_json::json!(spec.year));
    manifest.finish(&out.file("manifest.json"), progress.phases())?;
    out.commit()
}
