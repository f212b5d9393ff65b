//! `dianzhi aggregate`: the claims scan's per-(institution, pool) sums as one table, so that
//! reruns (`settle --aggregates`, scenarios) never scan the claims again (docs/analysts.md).

use std::path::{Path, PathBuf};

use dianzhi_columnar::read::digest::Hashing;
use dianzhi_columnar::read::source::resolve;
use dianzhi_columnar::taiwan::{claims, outputs};
use dianzhi_columnar::{write, Format};

use crate::cli::FileOutArgs;
use crate::failure::{Failure, Result};

/// The claims scan's per-(institution, pool) sums as one table, for reruns without a rescan.
#[derive(clap::Args)]
pub struct AggregateArgs {
    /// Claims files, directories (every *.parquet / *.csv inside) or globs.
    #[arg(long, required = true, num_args = 1.., value_name = "PATH")]
    pub claims: Vec<PathBuf>,
    /// Policy config (TOML): its money.unit checks the copayments.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    #[command(flatten)]
    pub output: FileOutArgs,
}

/// Runs `dianzhi aggregate` and prints its summary.
pub fn command(args: AggregateArgs, s: &crate::cli::Settings) -> Result<u8> {
    let (rows, written) = run(&args, s)?;
    s.say(&format!(
        "aggregated {rows} claim rows into {written} (institution, pool) rows → {}\n",
        args.output.out.display()
    ));
    Ok(0)
}

/// Returns the rows read and the aggregates written.
pub fn run(args: &AggregateArgs, s: &crate::cli::Settings) -> Result<(u64, usize)> {
    let mut inputs: Vec<&Path> = args.claims.iter().map(PathBuf::as_path).collect();
    inputs.extend(args.config.as_deref());
    let format = check_out(&args.output, &inputs, &["institution_id", "claim_rows", "claimed_points"])?;
    let config = crate::load_config(args.config.as_deref())?;
    let sources = resolve(&args.claims, s.encoding)?;
    let scan = claims::scan(&sources, config.money.unit, Hashing::Skip, &|_| {}, &Default::default())?;
    let table = outputs::aggregates(&scan.claims, config.money.unit);
    write_file(&args.output, format, &table)?;
    Ok((scan.rows, table.rows()))
}

/// The checks of an aggregates file's `--out` before anything is read: away from the inputs,
/// named *.parquet or *.csv (agreeing with `--format`), and replacing (with `--force`) only an
/// earlier aggregates table — a file with the `columns` one has. Returns the format.
pub fn check_out(output: &FileOutArgs, inputs: &[&Path], columns: &[&str]) -> Result<Format> {
    let (out, force) = (&output.out, output.force);
    crate::outdir::refuse_inputs(out, inputs)?;
    let format = out_format(out, output.format.map(Into::into))?;
    crate::outdir::refuse_foreign_file(out, "aggregates table", |p| {
        dianzhi_columnar::read::cells::column_names(&dianzhi_columnar::Source::new(p.to_path_buf()))
            .is_ok_and(|names| columns.iter().all(|c| names.iter().any(|n| n == c)))
    })?;
    if out.exists() && !force {
        return Err(Failure::input(format!(
            "--out {}: the file exists; choose a new path or pass --force to replace it",
            out.display()
        )));
    }
    Ok(format)
}

/// Writes one table to `out`, all or nothing: beside the target, synced, then renamed over it.
pub fn write_file(output: &FileOutArgs, format: Format, table: &write::Table) -> Result<()> {
    let (out, force) = (output.out.as_path(), output.force);
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    crate::signals::create_dir_all(&parent).map_err(Failure::other)?;
    let staging = tempfile::Builder::new()
        .prefix(".dianzhi-tmp-")
        .suffix(&format!(".{}", if format == Format::Csv { "csv" } else { "parquet" }))
        .tempfile_in(&parent)
        .map_err(|e| Failure::other(format!("cannot create a file in {}: {e}", parent.display())))?;
    write::write_table(table, staging.path(), format)?;
    std::fs::File::open(staging.path()).and_then(|f| f.sync_all()).map_err(Failure::other)?;
    // without --force, a file another run wrote meanwhile is not replaced
    let moved = if force { staging.persist(out) } else { staging.persist_noclobber(out) };
    moved.map_err(|e| {
        if e.error.kind() == std::io::ErrorKind::AlreadyExists {
            Failure::input(format!(
                "--out {}: another run wrote the file while this one ran; nothing was replaced: choose a new path or pass --force",
                out.display()
            ))
        } else {
            Failure::other(format!("cannot move the output into {}: {}", out.display(), e.error))
        }
    })?;
    crate::outdir::readable(out);
    Ok(())
}

/// The format named by the file's extension; `--format`, if given, must agree with it, so that
/// what is written is read back as what it is.
fn out_format(out: &Path, asked: Option<Format>) -> Result<Format> {
    let named = Format::of(out)
        .ok_or_else(|| Failure::input(format!("--out {}: name the file *.parquet or *.csv", out.display())))?;
    match asked {
        Some(f) if f != named => Err(Failure::input(format!(
            "--out {}: the extension says {} but --format says {}; make them agree",
            out.display(),
            if named == Format::Csv { "csv" } else { "parquet" },
            if f == Format::Csv { "csv" } else { "parquet" }
        ))),
        _ => Ok(named),
    }
}
