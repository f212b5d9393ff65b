//! The pieces of arguments several commands share: where and how an output is written, and
//! the parsers of months, quarters and tolerances.

use std::path::PathBuf;

use clap::ValueEnum;
use dianzhi_columnar::Format;
use dianzhi_core::period::{Month, Quarter};

/// Format of written tables.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutFormat {
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

/// Where and how a command writes its output.
#[derive(clap::Args, Clone)]
pub struct OutArgs {
    /// Output directory (created; an existing non-empty one needs --force).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Format of the output tables.
    #[arg(long, value_enum, default_value = "parquet", value_name = "FORMAT")]
    pub format: OutFormat,
    /// Replace a non-empty output directory.
    #[arg(long)]
    pub force: bool,
}

impl OutArgs {
    /// The output of `out` in `format`, replacing an earlier one when `force`.
    pub fn new(out: PathBuf, format: Format, force: bool) -> Self {
        let format = if format == Format::Csv { OutFormat::Csv } else { OutFormat::Parquet };
        OutArgs { out, format, force }
    }

    pub fn format(&self) -> Format {
        self.format.into()
    }

    /// The extension of the tables written.
    pub fn ext(&self) -> &'static str {
        extension(self.format())
    }
}

/// Where a command that writes one table file writes it (`aggregate`, `dip aggregate`).
#[derive(clap::Args, Clone)]
pub struct FileOutArgs {
    /// Output file, *.parquet or *.csv.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// Format of the output (must agree with the --out extension).
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub format: Option<OutFormat>,
    /// Replace an earlier file of the same table.
    #[arg(long)]
    pub force: bool,
}

/// The file extension of a table format.
pub fn extension(format: Format) -> &'static str {
    match format {
        Format::Parquet => "parquet",
        Format::Csv => "csv",
        Format::Xlsx => "xlsx",
    }
}

pub fn parse_month(s: &str) -> Result<Month, String> {
    s.parse().map_err(|e: dianzhi_core::period::PeriodError| e.to_string())
}

pub fn parse_quarter(s: &str) -> Result<Quarter, String> {
    s.parse().map_err(|e: dianzhi_core::period::PeriodError| e.to_string())
}

pub fn parse_tolerance(s: &str) -> Result<dianzhi_core::number::Dec, String> {
    let d = dianzhi_core::number::parse_decimal(s).map_err(|e| e.to_string())?;
    if d.is_sign_negative() {
        return Err("a tolerance is ≥ 0".into());
    }
    Ok(d.into())
}

/// The run's settings from the global flags, handed to every command: how it speaks
/// ([`crate::console::Printer`]) and how it reads the CSV files it is given (`--encoding`, a read option of
/// each source resolved from the command line).
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    pub printer: crate::console::Printer,
    pub encoding: dianzhi_columnar::Encoding,
}

impl Settings {
    pub fn say(&self, text: &str) {
        self.printer.say(text)
    }
    pub fn note(&self, text: &str) {
        self.printer.note(text)
    }
}
