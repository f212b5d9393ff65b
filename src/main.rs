//! dianzhi: settle health-insurance global budgets by the regional point-value method.

mod aggregate;
mod budget;
mod compare;
mod console;
mod demo;
mod dip;
mod export;
mod failure;
mod generate;
mod interim;
mod manifest;
mod outdir;
mod progress;
mod report;
mod scenario;
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
    version = VERSION,
    about = "Settle health-insurance global budgets by the regional point-value method (点值)"
)]
struct Cli {
    /// Worker threads (default and 0: all cores). Results do not depend on it.
    #[arg(long, global = true, value_name = "N", display_order = 900)]
    threads: Option<usize>,
    /// No progress, summaries or warnings; errors only.
    #[arg(long, short, global = true, display_order = 901)]
    quiet: bool,
    /// Text encoding of CSV inputs: utf-8 (default; a BOM is skipped) or gb18030 (GBK is a
    /// subset: what Chinese Windows and Excel save). Outputs are always UTF-8.
    #[arg(long, global = true, value_enum, default_value = "utf-8", value_name = "ENCODING", display_order = 902)]
    encoding: TextEncoding,
    #[command(subcommand)]
    command: Command,
}

/// The version, with the git commit it was built from.
const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), " (commit ", env!("DIANZHI_COMMIT"), ")");

#[derive(Clone, Copy, ValueEnum)]
enum TextEncoding {
    #[value(name = "utf-8", alias = "utf8")]
    Utf8,
    #[value(name = "gb18030", alias = "gbk")]
    Gb18030,
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
        #[command(flatten)]
        quarter: QuarterArgs,
        #[command(flatten)]
        output: OutArgs,
    },
    /// The claims scan's per-(institution, pool) sums as one table, for reruns without a rescan.
    Aggregate {
        /// Claims files, directories (every *.parquet / *.csv inside) or globs.
        #[arg(long, required = true, num_args = 1.., value_name = "PATH")]
        claims: Vec<PathBuf>,
        /// Policy config (TOML): its money.unit checks the copayments.
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
        /// Output file, *.parquet or *.csv.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// Format of the output (must agree with the --out extension).
        #[arg(long, value_enum, value_name = "FORMAT")]
        format: Option<OutFormat>,
        /// Replace an existing file.
        #[arg(long)]
        force: bool,
    },
    /// What-if runs: every scenario's overlays (budget, volume, config) solved after one scan,
    /// stacked with the baseline, and each pool's change attributed to its causes.
    Scenario {
        #[command(flatten)]
        quarter: QuarterArgs,
        /// Scenarios (TOML): [[scenario]] tables with a name and budget, volume or config overlays.
        #[arg(long, value_name = "FILE")]
        scenarios: PathBuf,
        /// Also write every scenario's settlements (stacked, one row per institution and pool).
        #[arg(long)]
        settlements: bool,
        #[command(flatten)]
        output: OutArgs,
    },
    /// Compares two outputs (directories or single tables, Parquet or CSV) on their keys: exit 0
    /// when they agree, 1 with the differences, 2 on bad input.
    Compare {
        /// The first output: a directory or one table.
        #[arg(value_name = "A")]
        a: PathBuf,
        /// The second output (or published figures: the key columns and a value column).
        #[arg(value_name = "B")]
        b: PathBuf,
        /// Numbers within this absolute difference are equal (inclusive), e.g. 0.0001.
        #[arg(long, value_parser = parse_tolerance, value_name = "X")]
        tolerance: Option<dianzhi_core::number::Dec>,
        /// Write the `differences` table into this directory.
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Format of the differences table.
        #[arg(long, value_enum, default_value = "parquet", value_name = "FORMAT")]
        format: OutFormat,
        /// Replace a non-empty --out directory.
        #[arg(long)]
        force: bool,
    },
    /// One self-contained HTML page of charts and tables of a settle, dip settle or scenario output.
    Report {
        /// The output directory to report on.
        #[arg(value_name = "DIR")]
        dir: PathBuf,
        /// The HTML file to write (default DIR/report.html).
        #[arg(long, value_name = "FILE.html")]
        out: Option<PathBuf>,
    },
    /// One Excel workbook of an output directory: a sheet per table (header frozen, numbers at
    /// their decimals), and an `about` sheet listing them.
    Export {
        /// The output directory to export.
        #[arg(value_name = "DIR")]
        dir: PathBuf,
        /// The workbook to write (FILE.xlsx).
        #[arg(long, value_name = "FILE.xlsx")]
        out: PathBuf,
        /// Replace an existing workbook.
        #[arg(long)]
        force: bool,
    },
    /// The year's budget: growth per sector and the exact split into regional, quarterly pools.
    Budget {
        /// Budget spec (TOML, see data/examples/budget.toml).
        #[arg(long, value_name = "FILE")]
        spec: PathBuf,
        #[command(flatten)]
        output: OutArgs,
    },
    /// Monthly interim payments from claims, review history and estimated point values.
    Interim {
        /// Claims of the month to pay and of the reviewed months before it.
        #[arg(long, required = true, num_args = 1.., value_name = "PATH")]
        claims: Vec<PathBuf>,
        /// Estimated point values: sector, region, estimated_point_value.
        #[arg(long, value_name = "FILE")]
        estimates: PathBuf,
        /// The month to pay (YYYY-MM).
        #[arg(long, value_parser = parse_month, value_name = "YYYY-MM")]
        month: Month,
        /// Policy config (TOML); every key optional (`dianzhi config --show` lists them).
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
        #[command(flatten)]
        output: OutArgs,
    },
    /// Runs the bundled demo: a Taiwan quarter settled, and a DIP year pre-settled month by month
    /// and cleared; prints the point values and writes each output with its HTML report.
    Demo {
        /// Output directory (a previous demo output there is replaced).
        #[arg(long, default_value = "dianzhi-demo", value_name = "DIR")]
        out: PathBuf,
        /// Format of the output tables.
        #[arg(long, value_enum, default_value = "csv", value_name = "FORMAT")]
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
    /// The policy config: `--show` prints the effective config with every default (TOML), so a
    /// bureau can archive the exact policy it ran.
    Config {
        /// Print the effective config.
        #[arg(long)]
        show: bool,
        /// A config file merged over the defaults.
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
        /// The defaults of the DIP commands (money in fen, 0.01).
        #[arg(long)]
        dip: bool,
    },
    /// Writes a synthetic quarter (claims, budgets, interim payments), deterministic per seed.
    Generate {
        /// Claim rows in all.
        #[arg(long, value_name = "N")]
        rows: u64,
        /// Seed: the same seed writes the same bytes.
        #[arg(long, default_value_t = 1, value_name = "SEED")]
        seed: u64,
        /// Claims files to split the rows into.
        #[arg(long, default_value_t = 1, value_name = "N")]
        files: usize,
        /// Institutions to spread the claims over.
        #[arg(long, default_value_t = 25_000, value_name = "N")]
        institutions: usize,
        /// The quarter of the claims (late approvals come from the quarter before).
        #[arg(long, default_value = "2026Q1", value_parser = parse_quarter, value_name = "YYYYQn")]
        quarter: Quarter,
        #[command(flatten)]
        output: OutArgs,
    },
}

/// The inputs of a quarter's clearing (settle, scenario).
#[derive(clap::Args)]
struct QuarterArgs {
    /// Claims files, directories (every *.parquet / *.csv inside) or globs.
    #[arg(long, required_unless_present = "aggregates", num_args = 1.., value_name = "PATH")]
    claims: Vec<PathBuf>,
    /// The output of `dianzhi aggregate` instead of --claims: the same tables, no rescan.
    #[arg(long, conflicts_with = "claims", value_name = "FILE")]
    aggregates: Option<PathBuf>,
    /// Budgets table: sector, region, quarter, budget[, charges].
    #[arg(long, value_name = "FILE")]
    budgets: PathBuf,
    /// Interim payments: institution_id, sector, region, quarter, interim_paid. Files,
    /// directories or globs (e.g. one file per month); rows for one key are summed.
    #[arg(long, num_args = 1.., value_name = "PATH")]
    interim: Vec<PathBuf>,
    /// Policy config (TOML); every key optional (a scenario's config keys merge over it).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Settle only these quarters (YYYYQn); repeatable. Default: every budgeted pool.
    #[arg(long = "quarter", value_parser = parse_quarter, value_name = "YYYYQn")]
    quarters: Vec<Quarter>,
}

impl QuarterArgs {
    /// The config it names, and the inputs.
    fn load(self) -> Result<(Config, settle::QuarterInputs)> {
        let QuarterArgs { claims, aggregates, budgets, interim, config, quarters } = self;
        let loaded = load_config(config.as_deref())?;
        Ok((loaded, settle::QuarterInputs { claims, aggregates, budgets, interim, config_path: config, quarters }))
    }
}

/// Where and how a command writes its output.
#[derive(clap::Args)]
struct OutArgs {
    /// Output directory (created; an existing non-empty one needs --force).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Format of the output tables.
    #[arg(long, value_enum, default_value = "parquet", value_name = "FORMAT")]
    format: OutFormat,
    /// Replace a non-empty output directory.
    #[arg(long)]
    force: bool,
}

/// The lookup tables every DIP command reads.
#[derive(clap::Args)]
struct LookupArgs {
    /// Group catalogue: dip_group, score, kind (core | basic).
    #[arg(long, value_name = "FILE")]
    groups: PathBuf,
    /// Last year's average cost per group and hospital level: dip_group, level, avg_cost.
    #[arg(long, value_name = "FILE")]
    averages: PathBuf,
    /// Hospitals: institution_id, level, coefficient[, fund][, assessment].
    #[arg(long, value_name = "FILE")]
    institutions: PathBuf,
}

impl From<LookupArgs> for dip::Lookups {
    fn from(l: LookupArgs) -> Self {
        dip::Lookups { groups: l.groups, averages: l.averages, institutions: l.institutions }
    }
}

/// A DIP year's inputs (dip settle, dip scenario).
#[derive(clap::Args)]
struct YearArgs {
    /// Discharged cases: files, directories (every *.parquet / *.csv inside) or globs.
    #[arg(long, required = true, num_args = 1.., value_name = "PATH")]
    cases: Vec<PathBuf>,
    #[command(flatten)]
    lookups: LookupArgs,
    /// Funds per pool: region, fund, year, budget, payment_ratio[, reserve].
    #[arg(long, value_name = "FILE")]
    funds: PathBuf,
    /// Monthly payments already made (the outputs of `dip presettle`); rows are summed.
    #[arg(long, num_args = 1.., value_name = "PATH")]
    payments: Vec<PathBuf>,
    /// Policy config (TOML); every key optional; money.unit defaults to 0.01 here (a scenario's
    /// config keys merge over it).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Only this year (cases, funds rows and payments). Default: every year in the cases.
    #[arg(long, value_name = "YYYY")]
    year: Option<i32>,
}

#[derive(Subcommand)]
enum DipCommand {
    /// The year's budget per pool from its history (以收定支): growth model, income cap,
    /// provincial transfers; writes the funds table the year's presettles and clearing read.
    Budget {
        /// Budget spec (TOML, see data/examples/dip-budget.toml).
        #[arg(long, value_name = "FILE")]
        spec: PathBuf,
        /// History per pool and year: region, fund, year, income, spending (Y−4 … Y−1).
        #[arg(long, value_name = "FILE")]
        history: PathBuf,
        #[command(flatten)]
        output: OutArgs,
    },
    /// Year-end settlement: every case scored, each pool's point value, every hospital cleared.
    Settle {
        #[command(flatten)]
        year: YearArgs,
        #[command(flatten)]
        output: OutArgs,
    },
    /// One month's payments during the year (advance, quality reserve withheld) and the
    /// budget-execution warnings.
    Presettle {
        /// Discharged cases (the month's and, for the execution figures, the year's before it).
        #[arg(long, required = true, num_args = 1.., value_name = "PATH")]
        cases: Vec<PathBuf>,
        #[command(flatten)]
        lookups: LookupArgs,
        /// The month to pay (YYYY-MM).
        #[arg(long, value_parser = parse_month, value_name = "YYYY-MM")]
        month: Month,
        /// Published point values: region, fund, point_value[, payment_ratio] (basis "scores",
        /// and the hospitals' execution figures).
        #[arg(long, value_name = "FILE")]
        point_values: Option<PathBuf>,
        /// Payments of the months before --month (earlier presettle outputs), for the execution.
        #[arg(long, num_args = 1.., value_name = "PATH")]
        payments: Vec<PathBuf>,
        /// Funds per pool (the budgets the execution is measured against). A revised table given
        /// to a later month is the budget in force from that month on.
        #[arg(long, value_name = "FILE")]
        funds: Option<PathBuf>,
        /// Last year's dip settle output (its hospitals table): each hospital's cost per case
        /// is watched against last year's.
        #[arg(long, value_name = "DIR")]
        last_year: Option<PathBuf>,
        /// Policy config (TOML); money.unit defaults to 0.01 here.
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
        #[command(flatten)]
        output: OutArgs,
    },
    /// What-if runs on the year: budget, volume and policy overlays (scoring included) cleared
    /// after one scan, stacked with the baseline, each pool's change of point value attributed.
    Scenario {
        #[command(flatten)]
        year: YearArgs,
        /// Scenarios (TOML): [[scenario]] tables with a name and budget, volume or config overlays.
        #[arg(long, value_name = "FILE")]
        scenarios: PathBuf,
        /// Also write every scenario's hospitals (stacked, one row per hospital and pool).
        #[arg(long)]
        hospitals: bool,
        #[command(flatten)]
        output: OutArgs,
    },
    /// Writes a synthetic province-year (cases, groups, averages, institutions, funds),
    /// deterministic per seed.
    Generate {
        /// Discharged cases in all.
        #[arg(long, value_name = "N")]
        cases: u64,
        /// Seed: the same seed writes the same bytes.
        #[arg(long, default_value_t = 1, value_name = "SEED")]
        seed: u64,
        /// Case files to split the cases into.
        #[arg(long, default_value_t = 1, value_name = "N")]
        files: usize,
        /// Hospitals to spread the cases over.
        #[arg(long, default_value_t = 1_500, value_name = "N")]
        hospitals: usize,
        /// Pooling regions (1–16).
        #[arg(long, default_value_t = 16, value_name = "N")]
        regions: usize,
        /// Groups in the catalogue.
        #[arg(long, default_value_t = 10_000, value_name = "N")]
        groups: usize,
        /// The year of the cases.
        #[arg(long, default_value_t = 2026, value_name = "YYYY")]
        year: i32,
        #[command(flatten)]
        output: OutArgs,
    },
}

fn parse_month(s: &str) -> std::result::Result<Month, String> {
    s.parse().map_err(|e: dianzhi_core::period::PeriodError| e.to_string())
}

fn parse_tolerance(s: &str) -> std::result::Result<dianzhi_core::number::Dec, String> {
    let d = dianzhi_core::number::parse_decimal(s).map_err(|e| e.to_string())?;
    if d.is_sign_negative() {
        return Err("a tolerance is ≥ 0".into());
    }
    Ok(d.into())
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

/// More worker threads than this is a typo, not a plan: each one costs a stack and a share of
/// every barrier (10,000 threads made a 6,000-row settle take 83 s).
const MAX_THREADS: usize = 1024;

fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Runs a command; its exit status (0, or 1 when `compare` finds differences).
fn run(cli: Cli) -> Result<u8> {
    console::set_quiet(cli.quiet);
    dianzhi_columnar::text::set_encoding(match cli.encoding {
        TextEncoding::Utf8 => dianzhi_columnar::text::Encoding::Utf8,
        TextEncoding::Gb18030 => dianzhi_columnar::text::Encoding::Gb18030,
    });
    let quiet = cli.quiet;
    if let Some(n) = cli.threads.filter(|n| *n > 0) {
        if n > MAX_THREADS {
            return Err(Failure::input(format!(
                "--threads {n}: at most {MAX_THREADS}; this machine has {} cores (0 or no --threads uses them all)",
                cores()
            )));
        }
        if n > cores() && !quiet {
            eprintln!("warning: --threads {n} on {} cores: more threads than cores is slower, not faster", cores());
        }
        // polars (the analysts' layer) keeps a pool of its own: bound it too
        std::env::set_var("POLARS_MAX_THREADS", n.to_string());
        rayon::ThreadPoolBuilder::new().num_threads(n).build_global().map_err(Failure::other)?;
    }
    match cli.command {
        Command::Settle { quarter, output: OutArgs { out, format, force } } => {
            let (config, inputs) = quarter.load()?;
            let args = settle::SettleArgs { config, inputs, out, format: format.into(), force, quiet };
            let done = settle::run(&args, |_| false)?;
            let rows: usize = done.settled.iter().map(|s| s.settlements.len()).sum();
            let outside = done.claim_rows - done.selected_rows;
            console::say(&format!(
                "settled {} pools, {} settlement rows from {} claim rows{} → {}\n",
                done.pools.len(),
                rows,
                done.claim_rows,
                if outside > 0 { format!(" ({outside} outside --quarter left out)") } else { String::new() },
                done.out.display()
            ));
            console::say(&console::not_ok(
                done.pools.iter().zip(&done.settled).map(|(p, s)| (p.key.to_string(), s.point_value.status.as_str())),
            ));
        }
        Command::Scenario { quarter, scenarios, settlements, output: OutArgs { out, format, force } } => {
            let (config, inputs) = quarter.load()?;
            let args = scenario::ScenarioArgs {
                config,
                inputs,
                scenarios,
                out,
                format: format.into(),
                settlements,
                force,
                quiet,
            };
            let done = scenario::run(&args)?;
            console::say(&console::comparison_table(&done.comparison, &console::COMPARISON_SHOWN, "fpv_exact_delta"));
            console::say(&format!(
                "solved {} scenario(s) over {} pools → {}\n",
                done.scenarios,
                done.pools,
                done.out.display()
            ));
        }
        Command::Compare { a, b, tolerance, out, format, force } => {
            let args = compare::CompareArgs { a, b, tolerance, out, format: format.into(), force };
            return Ok(if compare::run(&args)? { 0 } else { 1 });
        }
        Command::Export { dir, out, force } => {
            for e in export::run(&dir, &out, force)? {
                if !e.sheet {
                    console::note(&format!(
                        "{}: {} rows are more than a sheet holds; listed on the about sheet, read the file\n",
                        e.table, e.rows
                    ));
                }
            }
            console::say(&format!("workbook → {}\n", out.display()));
        }
        Command::Report { dir, out } => {
            let out = out.unwrap_or_else(|| dir.join("report.html"));
            let kind = report::write_report(&dir, &out)?;
            console::say(&format!("{kind} report → {}\n", out.display()));
        }
        Command::Aggregate { claims, config, out, format, force } => {
            let args = aggregate::AggregateArgs {
                claims,
                config: load_config(config.as_deref())?,
                config_path: config,
                out,
                format: format.map(Into::into),
                force,
            };
            let (rows, written) = aggregate::run(&args)?;
            console::say(&format!(
                "aggregated {rows} claim rows into {written} (institution, pool) rows → {}\n",
                args.out.display()
            ));
        }
        Command::Budget { spec, output: OutArgs { out, format, force } } => {
            let out = budget::run(&spec, &out, format.into(), force)?;
            console::say(&format!("wrote budgets and growth → {}\n", out.display()));
        }
        Command::Interim { claims, estimates, month, config, output: OutArgs { out, format, force } } => {
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
            console::say(&format!("{n} interim payments for {month} → {}\n", out.display()));
        }
        Command::Dip { command } => match command {
            DipCommand::Scenario {
                year: YearArgs { cases, lookups, funds, payments, config, year },
                scenarios,
                hospitals,
                output: OutArgs { out, format, force },
            } => {
                let args = dip::scenario::DipScenarioArgs {
                    cases,
                    lookups: lookups.into(),
                    funds,
                    payments,
                    scenarios,
                    config: dip::load_config(config.as_deref())?,
                    config_path: config,
                    year,
                    out,
                    format: format.into(),
                    hospitals,
                    force,
                    quiet,
                };
                let done = dip::scenario::run(&args)?;
                console::say(&console::comparison_table(
                    &done.comparison,
                    &console::DIP_COMPARISON_SHOWN,
                    "pv_exact_delta",
                ));
                console::say(&format!(
                    "solved {} scenario(s) over {} DIP pools ({} rescored from the cases) → {}\n",
                    done.scenarios,
                    done.pools,
                    done.rescans,
                    done.out.display()
                ));
            }
            DipCommand::Budget { spec, history, output: OutArgs { out, format, force } } => {
                let args = dip::budget::DipBudgetArgs { spec, history, out, format: format.into(), force };
                let done = dip::budget::run(&args)?;
                console::say(&console::dip_budget_table(&done.pools, &done.config));
                console::say(&format!("budgeted {} DIP pools → {}\n", done.pools.len(), done.out.display()));
            }
            DipCommand::Settle {
                year: YearArgs { cases, lookups, funds, payments, config, year },
                output: OutArgs { out, format, force },
            } => {
                let args = dip::settle::DipSettleArgs {
                    cases,
                    lookups: lookups.into(),
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
                console::say(&format!(
                    "settled {} DIP pools, {} hospital rows from {} cases{} → {}\n",
                    done.pools.len(),
                    rows,
                    done.cases,
                    if done.other_years > 0 {
                        format!(" ({} of other years than --year left out)", done.other_years)
                    } else {
                        String::new()
                    },
                    done.out.display()
                ));
                console::say(&console::not_ok(
                    done.pools.iter().zip(&done.cleared).map(|(p, c)| (p.fund.key.to_string(), c.status().dip_name())),
                ));
            }
            DipCommand::Presettle {
                cases,
                lookups,
                month,
                point_values,
                payments,
                funds,
                last_year,
                config,
                output: OutArgs { out, format, force },
            } => {
                let args = dip::presettle::PresettleArgs {
                    cases,
                    lookups: lookups.into(),
                    month,
                    point_values,
                    payments,
                    funds,
                    last_year,
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
                console::say(&format!("{} payments for {month} → {}\n", done.payments, done.out.display()));
            }
            DipCommand::Generate {
                cases,
                seed,
                files,
                hospitals,
                regions,
                groups,
                year,
                output: OutArgs { out, format, force },
            } => {
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
                console::say(&format!(
                    "wrote {cases} cases in {files} file(s), groups, averages, institutions and funds → {}\n",
                    out.display()
                ));
            }
        },
        Command::Config { show, config, dip } => {
            if !show {
                return Err(Failure::input(
                    "nothing to do: `dianzhi config --show [--config FILE] [--dip]` prints the effective config",
                ));
            }
            let effective = if dip { dip::load_config(config.as_deref())? } else { load_config(config.as_deref())? };
            let text = toml::to_string(&effective).map_err(Failure::other)?;
            console::print(&format!(
                "# dianzhi {VERSION}: the effective {}config{}; every key shown, defaults included\n{text}",
                if dip { "DIP " } else { "" },
                config.map_or(String::new(), |p| format!(" of {}", p.display()))
            ));
        }
        Command::Demo { out, format, force } => demo::run(&out, format.into(), force)?,
        Command::Generate { rows, seed, files, institutions, quarter, output: OutArgs { out, format, force } } => {
            let args =
                generate::GenArgs { rows, seed, out, files, institutions, quarter, format: format.into(), force };
            let out = generate::run(&args)?;
            console::say(&format!(
                "wrote {rows} claim rows in {files} file(s), budgets and interim payments → {}\n",
                out.display()
            ));
        }
    }
    Ok(0)
}

fn main() -> ExitCode {
    signals::install();
    match run(Cli::parse()) {
        Ok(code) => ExitCode::from(code),
        Err(f) => {
            eprintln!("error: {f}");
            ExitCode::from(f.code)
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    /// Every argument of every command says what it is, and names its value.
    #[test]
    fn every_argument_has_help_and_a_value_name() {
        fn check(cmd: &clap::Command, path: &str) {
            for arg in cmd.get_arguments() {
                let id = arg.get_id().as_str();
                if id == "help" || id == "version" {
                    continue;
                }
                assert!(arg.get_help().is_some(), "{path} --{id} has no help text");
                let takes_value = arg.get_num_args().is_some_and(|n| n.takes_values());
                if takes_value {
                    assert!(arg.get_value_names().is_some(), "{path} --{id} has no value name");
                }
            }
            for sub in cmd.get_subcommands() {
                check(sub, &format!("{path} {}", sub.get_name()));
            }
        }
        let mut cli = super::Cli::command();
        cli.build();
        check(&cli, "dianzhi");
    }
}
