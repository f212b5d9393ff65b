//! `dianzhi dip aggregate`: the case scan's sums per hospital, pool and month as one table —
//! what `dip settle --aggregates` clears without scoring the cases again, and what the scans of
//! parts of the cases (Spark's partitions) add up to (docs/dip.md, "Aggregates").

use std::path::{Path, PathBuf};

use dianzhi_columnar::dip::cases::{scan_cases, ScanOptions};
use dianzhi_columnar::dip::{outputs, tables};
use dianzhi_columnar::read::digest::Hashing;
use dianzhi_columnar::read::source::resolve;
use dianzhi_core::dip::score::Scorer;

use super::Lookups;
use crate::cli::FileOutArgs;
use crate::commands::aggregate::{check_out, write_file};
use crate::failure::Result;
use crate::manifest::Manifest;

/// The cases scored and summed per hospital, pool and month of discharge, for clearing without
/// a rescan (`dip settle --aggregates`).
#[derive(clap::Args)]
pub struct DipAggregateArgs {
    /// Discharged cases: files, directories (every *.parquet / *.csv inside) or globs.
    #[arg(long, required = true, num_args = 1.., value_name = "PATH")]
    pub cases: Vec<PathBuf>,
    #[command(flatten)]
    pub lookups: Lookups,
    /// Policy config (TOML): the scoring rules and the money unit.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Only this year's cases. Default: every year in the cases.
    #[arg(long, value_name = "YYYY")]
    pub year: Option<i32>,
    /// Special-case decisions (特病单议): case_id, decision (score | at_cost | reject), score.
    #[arg(long, value_name = "FILE")]
    pub special: Option<PathBuf>,
    #[command(flatten)]
    pub output: FileOutArgs,
}

/// Runs `dianzhi dip aggregate` and prints its summary.
pub fn command(args: DipAggregateArgs, s: &crate::cli::Settings) -> Result<u8> {
    let (cases, rows) = run(&args, s)?;
    s.say(&format!("scored {cases} cases into {rows} (hospital, pool, month) rows → {}\n", args.output.out.display()));
    Ok(0)
}

/// Returns the case rows scored and the rows written.
pub fn run(args: &DipAggregateArgs, s: &crate::cli::Settings) -> Result<(u64, usize)> {
    let mut inputs: Vec<&Path> = args.cases.iter().map(PathBuf::as_path).collect();
    inputs.extend(args.lookups.paths());
    inputs.extend(args.config.as_deref());
    inputs.extend(args.special.as_deref());
    let format = check_out(&args.output, &inputs, &["institution_id", "month", "total_score"])?;
    let config = &super::load_config(args.config.as_deref())?;
    // the lookups are checked as dip settle checks them; no manifest is written beside one file
    let mut manifest = Manifest::new("dip aggregate", config);
    let catalog = super::catalog(&args.lookups, &mut manifest, s.encoding)?;
    let special = match &args.special {
        Some(path) => Some(tables::read_special(&super::single(path, "special decisions", s.encoding)?)?.0),
        None => None,
    };
    let sources = resolve(&args.cases, s.encoding)?;
    let options = ScanOptions { year: args.year, spill: None, hashing: Hashing::Skip, special: special.as_ref() };
    let scan = scan_cases(&sources, &catalog, &Scorer::new(config), config.money.unit, options, &|_| {})?;
    super::cases_of_year(&scan, args.year)?;
    let table = outputs::case_sums(&scan.sums, config);
    write_file(&args.output, format, &table)?;
    Ok((scan.rows, table.rows()))
}
