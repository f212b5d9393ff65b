//! dianzhi: settle health-insurance global budgets by the regional point-value method.

mod budget;
mod demo;
mod dip;
mod failure;
mod generate;
mod interim;
mod manifest;
mod outdir;
mod progress;
mod report;
mod settle;
mod signals;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use dianzhi_columnar::Format;
use dianzhi_core::period::{Month, Quarter};
use dianzhi_core::Config;

use crate::failure::{Failure, Result};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "dianzhi",
    version,
    about = "Settle health-insurance global budgets by the regional point-value method (点值)"
)]
struct Cli {
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long, global = true)]
    threads: Option<usize>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum OutFormat {
    Parquet,
    Csv,
}

impl From<OutFormat> for Format {
    fn from(f: OutFormat) -> Self {
        match f {
            OutFormat::Parquet => Format::Parquet,
            OutFormat::Csv => Format::Csv,
        }
    }
}

#[derive(Subcommand)]
enum Command {
    /// Quarterly clearing: each pool's floating point value and every provider's settlement.
    Settle {
        /// Claims files, directories (every *.parquet / *.csv inside) or globs.
        #[arg(long, required = true, num_args = 1..)]
        claims: Vec<PathBuf>,
        /// Budgets table: sector, region, quarter, budget[, charges].
        #[arg(long)]
        budgets: PathBuf,
        /// Interim payments: institution_id, sector, region, quarter, interim_paid. Files,
        /// directories or globs (e.g. one file per month); rows for one key are summed.
        #[arg(long, num_args = 1..)]
        interim: Vec<PathBuf>,
        /// Policy config (TOML); every key optional.
        #[arg(long)]
        config: Option<PathBuf>,
        /// Output directory (created; an existing non-empty one needs --force).
        #[arg(long)]
        out: PathBuf,
        #[arg(long, value_enum, default_value = "parquet")]
        format: OutFormat,
        /// Settle only these quarters (YYYYQn); repeatable. Default: every budgeted pool.
        #[arg(long = "quarter", value_parser = parse_quarter)]
        quarters: Vec<Quarter>,
        /// Replace a non-empty output directory.
        #[arg(long)]
        force: bool,
        /// No progress on stderr.
        #[arg(long)]
        quiet: bool,
    },
    /// The year's budget: growth per sector and the exact split into regional, quarterly pools.
    Budget {
        /// Budget spec (TOML, see data/examples/budget.toml).
        #[arg(long)]
        spec: PathBuf,
        #[arg(long)]
        out: PathBuf,
        #[arg(long, value_enum, default_value = "parquet")]
        format: OutFormat,
        #[arg(long)]
        force: bool,
    },
    /// Monthly interim payments from claims, review history and estimated point values.
    Interim {
        /// Claims of the month to pay and of the reviewed months before it.
        #[arg(long, required = true, num_args = 1..)]
        claims: Vec<PathBuf>,
        /// Estimated point values: sector, region, estimated_point_value.
        #[arg(long)]
        estimates: PathBuf,
        /// The month to pay (YYYY-MM).
        #[arg(long, value_parser = parse_month)]
        month: Month,
        #[arg(long)]
        config: Option<PathBuf>,
        #[arg(long)]
        out: PathBuf,
        #[arg(long, value_enum, default_value = "parquet")]
        format: OutFormat,
        #[arg(long)]
        force: bool,
    },
    /// Runs a whole quarterly clearing on the bundled demo dataset and prints the point values.
    Demo {
        /// Output directory (a previous demo output there is replaced).
        #[arg(long, default_value = "dianzhi-demo")]
        out: PathBuf,
        #[arg(long, value_enum, default_value = "csv")]
        format: OutFormat,
        /// Replace a non-empty output directory that is not a previous dianzhi output.
        #[arg(long)]
        force: bool,
    },
    /// DIP / DRG points under a regional budget (mainland China): case scores, point values,
    /// year-end clearing.
    Dip {
        #[command(subcommand)]
        command: DipCommand,
    },
    /// Writes a synthetic quarter (claims, budgets, interim payments), deterministic per seed.
    Generate {
        /// Claim rows in all.
        #[arg(long)]
        rows: u64,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[arg(long)]
        out: PathBuf,
        /// Claims files to split the rows into.
        #[arg(long, default_value_t = 1)]
        files: usize,
        #[arg(long, default_value_t = 25_000)]
        institutions: usize,
        /// The quarter of the claims (late approvals come from the quarter before).
        #[arg(long, default_value = "2026Q1", value_parser = parse_quarter)]
        quarter: Quarter,
        #[arg(long, value_enum, default_value = "parquet")]
        format: OutFormat,
        #[arg(long)]
        force: bool,
    },
}

#[derive(Subcommand)]
enum DipCommand {
    /// Year-end settlement: every case scored, each pool's point value, every hospital cleared.
    Settle {
        /// Discharged cases: files, directories (every *.parquet / *.csv inside) or globs.
        #[arg(long, required = true, num_args = 1..)]
        cases: Vec<PathBuf>,
        /// Group catalogue: dip_group, score, kind (core | basic).
        #[arg(long)]
        groups: PathBuf,
        /// Last year's average cost per group and hospital level: dip_group, level, avg_cost.
        #[arg(long)]
        averages: PathBuf,
        /// Hospitals: institution_id, level, coefficient[, fund][, assessment].
        #[arg(long)]
        institutions: PathBuf,
        /// Funds per pool: region, fund, year, budget, payment_ratio[, reserve].
        #[arg(long)]
        funds: PathBuf,
        /// Monthly payments already made (the output of `dip presettle`); rows are summed.
        #[arg(long, num_args = 1..)]
        payments: Vec<PathBuf>,
        /// Policy config (TOML); every key optional; money.unit defaults to 0.01 here.
        #[arg(long)]
        config: Option<PathBuf>,
        /// Output directory (created; an existing non-empty one needs --force).
        #[arg(long)]
        out: PathBuf,
        #[arg(long, value_enum, default_value = "parquet")]
        format: OutFormat,
        /// Settle only this year (cases, funds rows and payments). Default: every year in the cases.
        #[arg(long)]
        year: Option<i32>,
        /// Replace a non-empty output directory.
        #[arg(long)]
        force: bool,
        /// No progress on stderr.
        #[arg(long)]
        quiet: bool,
    },
    /// One month's payments during the year (advance, quality reserve withheld) and the
    /// budget-execution warnings.
    Presettle {
        /// Discharged cases (the month's and, for the execution figures, the year's before it).
        #[arg(long, required = true, num_args = 1..)]
        cases: Vec<PathBuf>,
        /// Group catalogue: dip_group, score, kind.
        #[arg(long)]
        groups: PathBuf,
        /// Average cost per group and level: dip_group, level, avg_cost.
        #[arg(long)]
        averages: PathBuf,
        /// Hospitals: institution_id, level, coefficient[, fund][, assessment].
        #[arg(long)]
        institutions: PathBuf,
        /// The month to pay (YYYY-MM).
        #[arg(long, value_parser = parse_month)]
        month: Month,
        /// Published point values: region, fund, point_value[, payment_ratio] (basis "scores",
        /// and the hospitals' execution figures).
        #[arg(long)]
        point_values: Option<PathBuf>,
        /// Payments of the months before --month (earlier presettle outputs), for the execution.
        #[arg(long, num_args = 1..)]
        payments: Vec<PathBuf>,
        /// Funds per pool (the budgets the execution is measured against).
        #[arg(long)]
        funds: Option<PathBuf>,
        /// Policy config (TOML); money.unit defaults to 0.01 here.
        #[arg(long)]
        config: Option<PathBuf>,
        #[arg(long)]
        out: PathBuf,
        #[arg(long, value_enum, default_value = "parquet")]
        format: OutFormat,
        #[arg(long)]
        force: bool,
        /// No progress and no warnings on stderr.
        #[arg(long)]
        quiet: bool,
    },
    /// Writes a synthetic province-year (cases, groups, averages, institutions, funds),
    /// deterministic per seed.
    Generate {
        /// Discharged cases in all.
        #[arg(long)]
        cases: u64,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[arg(long)]
        out: PathBuf,
        /// Case files to split the cases into.
        #[arg(long, default_value_t = 1)]
        files: usize,
        #[arg(long, default_value_t = 1_500)]
        hospitals: usize,
        /// Pooling regions (1–16).
        #[arg(long, default_value_t = 16)]
        regions: usize,
        /// Groups in the catalogue.
        #[arg(long, default_value_t = 10_000)]
        groups: usize,
        #[arg(long, default_value_t = 2026)]
        year: i32,
        #[arg(long, value_enum, default_value = "parquet")]
        format: OutFormat,
        #[arg(long)]
        force: bool,
    },
}

fn parse_month(s: &str) -> std::result::Result<Month, String> {
    s.parse().map_err(|e: dianzhi_core::period::PeriodError| e.to_string())
}

fn parse_quarter(s: &str) -> std::result::Result<Quarter, String> {
    s.parse().map_err(|e: dianzhi_core::period::PeriodError| e.to_string())
}

/// An input that is one table: a file, or a directory or glob with exactly one file.
pub fn single_file(path: &Path, what: &str) -> Result<dianzhi_columnar::Source> {
    let mut s = dianzhi_columnar::resolve(&[path.to_path_buf()])?;
    if s.len() != 1 {
        return Err(Failure::input(format!(
            "{}: expected one {what} file, found {}; name the file",
            path.display(),
            s.len()
        )));
    }
    Ok(s.remove(0))
}

/// Reads a TOML config; unknown keys and bad values are errors naming the key.
pub fn load_config(path: Option<&Path>) -> Result<Config> {
    let Some(path) = path else {
        return Ok(Config::default());
    };
    let text = std::fs::read_to_string(path)
        .map_err(|e| Failure::input(format!("{}: cannot read the config: {e}", path.display())))?;
    let config: Config =
        toml::from_str(&text).map_err(|e| Failure::input(format!("{}: invalid config: {e}", path.display())))?;
    config.validate().map_err(|e| Failure::input(format!("{}: invalid config: {e}", path.display())))?;
    Ok(config)
}

fn run(cli: Cli) -> Result<()> {
    if let Some(n) = cli.threads {
        rayon::ThreadPoolBuilder::new().num_threads(n.max(1)).build_global().map_err(Failure::other)?;
    }
    match cli.command {
        Command::Settle { claims, budgets, interim, config, out, format, quarters, force, quiet } => {
            let args = settle::SettleArgs {
                claims,
                budgets,
                interim,
                config: load_config(config.as_deref())?,
                config_path: config,
                out,
                format: format.into(),
                quarters,
                force,
                quiet,
            };
            let done = settle::run(&args, |_| false)?;
            let rows: usize = done.settled.iter().map(|s| s.settlements.len()).sum();
            report::say(&format!(
                "settled {} pools, {} settlement rows → {}\n",
                done.pools.len(),
                rows,
                done.out.display()
            ));
        }
        Command::Budget { spec, out, format, force } => {
            let out = budget::run(&spec, &out, format.into(), force)?;
            report::say(&format!("wrote budgets and growth → {}\n", out.display()));
        }
        Command::Interim { claims, estimates, month, config, out, format, force } => {
            let args = interim::InterimArgs {
                claims,
                estimates,
                month,
                config: load_config(config.as_deref())?,
                config_path: config,
                out,
                format: format.into(),
                force,
            };
            let (out, n) = interim::run(&args)?;
            report::say(&format!("{n} interim payments for {month} → {}\n", out.display()));
        }
        Command::Dip { command } => match command {
            DipCommand::Settle {
                cases,
                groups,
                averages,
                institutions,
                funds,
                payments,
                config,
                out,
                format,
                year,
                force,
                quiet,
            } => {
                let args = dip::settle::DipSettleArgs {
                    cases,
                    lookups: dip::Lookups { groups, averages, institutions },
                    funds,
                    payments,
                    config: dip::load_config(config.as_deref())?,
                    config_path: config,
                    out,
                    format: format.into(),
                    year,
                    force,
                    quiet,
                };
                let done = dip::settle::settle(&args, |_| false)?;
                let rows: usize = done.pools.iter().map(|p| p.hospitals.len()).sum();
                report::say(&format!(
                    "settled {} DIP pools, {} hospital rows from {} cases → {}\n",
                    done.pools.len(),
                    rows,
                    done.cases,
                    done.out.display()
                ));
            }
            DipCommand::Presettle {
                cases,
                groups,
                averages,
                institutions,
                month,
                point_values,
                payments,
                funds,
                config,
                out,
                format,
                force,
                quiet,
            } => {
                let args = dip::presettle::PresettleArgs {
                    cases,
                    lookups: dip::Lookups { groups, averages, institutions },
                    month,
                    point_values,
                    payments,
                    funds,
                    config: dip::load_config(config.as_deref())?,
                    config_path: config,
                    out,
                    format: format.into(),
                    force,
                    quiet,
                };
                let done = dip::presettle::run(&args)?;
                if !quiet {
                    eprint!("{}", dip::presettle::warnings(&done, &args.config));
                }
                report::say(&format!("{} payments for {month} → {}\n", done.payments, done.out.display()));
            }
            DipCommand::Generate { cases, seed, out, files, hospitals, regions, groups, year, format, force } => {
                let args = dip::generate::DipGenArgs {
                    cases,
                    seed,
                    out,
                    files,
                    hospitals,
                    regions,
                    groups,
                    year,
                    format: format.into(),
                    force,
                };
                let out = dip::generate::run(&args)?;
                report::say(&format!(
                    "wrote {cases} cases in {files} file(s), groups, averages, institutions and funds → {}\n",
                    out.display()
                ));
            }
        },
        Command::Demo { out, format, force } => demo::run(&out, format.into(), force)?,
        Command::Generate { rows, seed, out, files, institutions, quarter, format, force } => {
            let args =
                generate::GenArgs { rows, seed, out, files, institutions, quarter, format: format.into(), force };
            let out = generate::run(&args)?;
            report::say(&format!(
                "wrote {rows} claim rows in {files} file(s), budgets and interim payments → {}\n",
                out.display()
            ));
        }
    }
    Ok(())
}

fn main() -> ExitCode {
    signals::install();
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            eprintln!("error: {f}");
            ExitCode::from(f.code)
        }
    }
}
