//! `dianzhi interim`: the monthly interim payments of one month.

use std::path::{Path, PathBuf};

use dianzhi_columnar::read::digest::Hashing;
use dianzhi_columnar::read::source::resolve;
use dianzhi_columnar::taiwan::{claims, outputs, tables};
use dianzhi_columnar::write;
use dianzhi_core::period::Month;
use dianzhi_core::taiwan::interim::pay_month;

use crate::cli::{parse_month, OutArgs};
use crate::failure::{Failure, Result};
use crate::manifest::{sha256_file, Manifest};
use crate::outdir::OutDir;
use crate::progress::Progress;

/// Monthly interim payments from claims, review history and estimated point values.
#[derive(clap::Args)]
pub struct InterimArgs {
    /// Claims of the month to pay and of the reviewed months before it.
    #[arg(long, required = true, num_args = 1.., value_name = "PATH")]
    pub claims: Vec<PathBuf>,
    /// Estimated point values: sector, region, estimated_point_value.
    #[arg(long, value_name = "FILE")]
    pub estimates: PathBuf,
    /// The month to pay (YYYY-MM).
    #[arg(long, value_parser = parse_month, value_name = "YYYY-MM")]
    pub month: Month,
    /// Policy config (TOML); every key optional (`dianzhi config --show` lists them).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    #[command(flatten)]
    pub output: OutArgs,
}

/// Runs `dianzhi interim` and prints its summary.
pub fn command(args: InterimArgs, s: &crate::cli::Settings) -> Result<u8> {
    let (out, n) = run(&args, s)?;
    s.say(&format!("{n} interim payments for {} → {}\n", args.month, out.display()));
    Ok(0)
}

/// Returns the output directory and the number of payments.
pub fn run(args: &InterimArgs, s: &crate::cli::Settings) -> Result<(PathBuf, usize)> {
    let config = crate::load_config(args.config.as_deref())?;
    let mut inputs: Vec<&Path> = args.claims.iter().map(PathBuf::as_path).collect();
    inputs.push(&args.estimates);
    inputs.extend(args.config.as_deref());
    let out = OutDir::prepare(&args.output.out, args.output.force, |_| false, &inputs)?;
    let mut progress = Progress::hidden();
    let unit = config.money.unit;
    let truncate_to = dianzhi_core::number::Dec::from(config.interim.truncate_to);
    if !unit.is_multiple(truncate_to.rescale_exact(4).unwrap_or(1)) {
        return Err(Failure::input(format!(
            "interim.truncate_to \"{}\" must be a multiple of money.unit \"{}\"",
            config.interim.truncate_to,
            unit.as_dec()
        )));
    }
    progress.phase("read estimates and claims");
    let estimates_src = crate::single_file(&args.estimates, "estimates", s.encoding)?;
    let (estimates, estimate_rows) = tables::read_estimates(&estimates_src)?;
    let sources = resolve(&args.claims, s.encoding)?;
    let (months, files) = claims::scan_months(&sources, unit, Hashing::Sha256)?;

    if !months.iter().any(|m| m.month == args.month) {
        let held: std::collections::BTreeSet<String> = months.iter().map(|m| m.month.to_string()).collect();
        return Err(Failure::input(format!(
            "--month {}: no claims were served in it ({}); pay a month the claims hold",
            args.month,
            if held.is_empty() {
                "the claims hold no rows".to_string()
            } else {
                format!("the claims are of {}", held.into_iter().collect::<Vec<_>>().join(", "))
            }
        )));
    }

    progress.phase("compute payments");
    let lines = pay_month(&months, args.month, &estimates, &config).map_err(Failure::input)?;

    progress.phase("write outputs");
    let ext = args.output.ext();
    let mut manifest = Manifest::new("interim", &config);
    manifest.input("estimates", &estimates_src.path, sha256_file(&estimates_src.path)?, estimate_rows);
    for f in files {
        manifest.input("claims", &f.path, f.sha256.expect("hashed by the scan"), f.rows);
    }
    if let Some(p) = &args.config {
        manifest.input("config", p, sha256_file(p)?, 0);
    }
    let table = outputs::interim(&lines, unit);
    let file = format!("interim.{ext}");
    write::write_table(&table, &out.file(&file), args.output.format())?;
    manifest.output(&file, table.rows(), sha256_file(&out.file(&file))?);
    let paid: i128 = lines.iter().map(|l| l.payment.interim_paid).sum();
    manifest.set("month", serde_json::json!(args.month.to_string()));
    manifest.set(
        "totals",
        serde_json::json!({ "payments": lines.len(), "interim_paid": dianzhi_core::number::format_fixed(unit.to_output(paid), unit.decimals) }),
    );
    manifest.finish(&out.file("manifest.json"), progress.phases())?;
    Ok((out.commit()?, lines.len()))
}
