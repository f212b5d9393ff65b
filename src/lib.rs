//! dianzhi: settle health-insurance global budgets by the regional point-value method.
//!
//! Each command's arguments and run live in its own module; this file parses a command line,
//! makes the run's settings (threads, quiet, encoding) and dispatches. The binary (main.rs)
//! and the Python package (crates/python) both run commands through [`run_command_line`]: one
//! way in, the same flags, checks and messages.

pub mod cli;
pub mod commands;
pub mod console;
pub mod failure;
mod manifest;
mod outdir;
mod progress;
pub mod signals;

use std::ffi::OsString;
use std::path::Path;

use clap::{Parser, Subcommand, ValueEnum};

use crate::commands::config::load_config;
use crate::commands::{
    aggregate, budget, compare, config, demo, dip, export, generate, interim, report, scenario, settle, statement,
};
pub use crate::failure::{Failure, Result};

#[derive(Parser)]
#[command(
    name = "dianzhi",
    version = VERSION,
    about = "Settle health-insurance global budgets by the regional point-value method (点值)"
)]
pub struct Cli {
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
pub const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), " (commit ", env!("DIANZHI_COMMIT"), ")");

#[derive(Clone, Copy, ValueEnum)]
enum TextEncoding {
    #[value(name = "utf-8", alias = "utf8")]
    Utf8,
    #[value(name = "gb18030", alias = "gbk")]
    Gb18030,
}

#[derive(Subcommand)]
enum Command {
    Settle(settle::SettleArgs),
    Aggregate(aggregate::AggregateArgs),
    Scenario(scenario::ScenarioArgs),
    Compare(compare::CompareArgs),
    Report(report::ReportArgs),
    Export(export::ExportArgs),
    Statement(statement::StatementArgs),
    Budget(budget::BudgetArgs),
    Interim(interim::InterimArgs),
    Demo(demo::DemoArgs),
    /// DIP / DRG points under a regional budget (mainland China): case scores, point values,
    /// year-end clearing.
    #[command(subcommand)]
    Dip(dip::DipCommand),
    Config(config::ConfigArgs),
    Generate(generate::GenArgs),
}

/// An input that is one table: a file, or a directory or glob with exactly one file.
pub fn single_file(path: &Path, what: &str, encoding: dianzhi_columnar::Encoding) -> Result<dianzhi_columnar::Source> {
    let mut s = dianzhi_columnar::resolve(&[path.to_path_buf()], encoding)?;
    if s.len() != 1 {
        return Err(Failure::input(format!(
            "{}: expected one {what} file, found {}; name the file",
            path.display(),
            s.len()
        )));
    }
    Ok(s.remove(0))
}

/// More worker threads than this is a typo, not a plan: each one costs a stack and a share of
/// every barrier (10,000 threads made a 6,000-row settle take 83 s).
const MAX_THREADS: usize = 1024;

fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// The run's settings, made before any thread starts: how it prints, the CSV encoding (both
/// handed to the command), and the threads asked for (checked here; see [`run_command_line`]).
pub fn settings(cli: &Cli) -> Result<cli::Settings> {
    let settings = cli::Settings {
        printer: console::Printer::new(cli.quiet),
        encoding: match cli.encoding {
            TextEncoding::Utf8 => dianzhi_columnar::Encoding::Utf8,
            TextEncoding::Gb18030 => dianzhi_columnar::Encoding::Gb18030,
        },
    };
    if let Some(n) = cli.threads.filter(|n| *n > 0) {
        if n > MAX_THREADS {
            return Err(Failure::input(format!(
                "--threads {n}: at most {MAX_THREADS}; this machine has {} cores (0 or no --threads uses them all)",
                cores()
            )));
        }
        if n > cores() {
            settings.note(&format!(
                "warning: --threads {n} on {} cores: more threads than cores is slower, not faster\n",
                cores()
            ));
        }
    }
    Ok(settings)
}

/// Makes `--threads` the process's thread count (rayon's global pool, polars' pool): for the
/// binary, which owns its process; call before any thread starts.
pub fn use_threads_for_process(cli: &Cli) -> Result<()> {
    if let Some(n) = cli.threads.filter(|n| *n > 0) {
        // polars reads its thread count from the environment: set while one thread runs
        dianzhi_analysis::limit_threads(n);
        rayon::ThreadPoolBuilder::new().num_threads(n).build_global().map_err(Failure::other)?;
    }
    Ok(())
}

/// Parses `args` (the program name first) as the command line and runs the command, in a host
/// process that may run many (the Python package): `--threads` gets a pool of this run's own.
/// Returns the exit status (0, or 1 when `compare` finds differences); a command line that does
/// not parse is a failure with exit 2 and clap's message.
pub fn run_command_line(args: impl IntoIterator<Item = impl Into<OsString> + Clone>) -> Result<u8> {
    let cli = Cli::try_parse_from(args).map_err(|e| {
        let text = e.render().to_string();
        let message = text.trim_end().strip_prefix("error: ").unwrap_or(text.trim_end()).to_string();
        Failure { code: if e.use_stderr() { 2 } else { 0 }, message }
    })?;
    let settings = settings(&cli)?;
    match cli.threads.filter(|n| *n > 0) {
        Some(n) => {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(n).build().map_err(Failure::other)?;
            pool.install(|| run(cli, &settings))
        }
        None => run(cli, &settings),
    }
}

/// Runs a command; its exit status (0, or 1 when `compare` finds differences).
pub fn run(cli: Cli, s: &cli::Settings) -> Result<u8> {
    match cli.command {
        Command::Settle(a) => settle::command(a, s),
        Command::Aggregate(a) => aggregate::command(a, s),
        Command::Scenario(a) => scenario::command(a, s),
        Command::Compare(a) => compare::command(a, s),
        Command::Report(a) => report::command(a, s),
        Command::Export(a) => export::command(a, s),
        Command::Statement(a) => statement::command(a, s),
        Command::Budget(a) => budget::command(a, s),
        Command::Interim(a) => interim::command(a, s),
        Command::Demo(a) => demo::command(a, s),
        Command::Dip(c) => dip::command(c, s),
        Command::Config(a) => config::command(a, s),
        Command::Generate(a) => generate::command(a, s),
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
