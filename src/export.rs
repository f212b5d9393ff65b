//! `dianzhi export DIR --out FILE.xlsx`: one workbook of an output directory, a sheet per table
//! (docs/analysts.md, "Workbooks"), for results that go back to hospitals as Excel files.

use std::path::{Path, PathBuf};

use dianzhi_columnar::any::{parquet_rows, read_text_table};
use dianzhi_columnar::source::{Format, Source};
use dianzhi_columnar::xlsx::{export, Exported, Listed, SHEET_ROWS};

use crate::failure::{Failure, Result};

/// One Excel workbook of an output directory: a sheet per table (header frozen, numbers at
/// their decimals), and an `about` sheet listing them.
#[derive(clap::Args)]
pub struct ExportArgs {
    /// The output directory to export.
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
    /// The workbook to write (FILE.xlsx).
    #[arg(long, value_name = "FILE.xlsx")]
    pub out: PathBuf,
    /// Replace an existing workbook.
    #[arg(long)]
    pub force: bool,
}

/// Runs `dianzhi export`: notes the tables too long for a sheet, prints where it wrote.
pub fn command(args: ExportArgs) -> Result<u8> {
    for e in run(&args.dir, &args.out, args.force)? {
        if !e.sheet {
            crate::console::note(&format!(
                "{}: {} rows are more than a sheet holds; listed on the about sheet, read the file\n",
                e.table, e.rows
            ));
        }
    }
    crate::console::say(&format!("workbook → {}\n", args.out.display()));
    Ok(0)
}

/// Writes the workbook; returns what each table became.
pub fn run(dir: &Path, out: &Path, force: bool) -> Result<Vec<Exported>> {
    let is_xlsx = out.extension().and_then(|e| e.to_str()).is_some_and(|e| e.eq_ignore_ascii_case("xlsx"));
    if !is_xlsx {
        return Err(Failure::input(format!("--out {}: name the workbook FILE.xlsx", out.display())));
    }
    if !dir.is_dir() {
        return Err(Failure::input(format!("{}: not a directory; export reads an output directory", dir.display())));
    }
    crate::outdir::refuse_file_over_inputs(out, dir)?;
    if out.exists() && !force {
        return Err(Failure::input(format!(
            "--out {}: the file exists; choose a new path or pass --force to replace it",
            out.display()
        )));
    }
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| Failure::input(format!("{}: cannot list: {e}", dir.display())))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && matches!(Format::of(p), Some(Format::Parquet | Format::Csv)))
        .collect();
    paths.sort();
    if paths.is_empty() {
        return Err(Failure::input(format!("{}: holds no table (*.parquet, *.csv) to export", dir.display())));
    }
    let mut tables = Vec::with_capacity(paths.len());
    for path in paths {
        let name = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        // a Parquet file says its length without being read: a table longer than a sheet is listed only
        let rows = parquet_rows(&path);
        let listed = match rows {
            Some(rows) if rows > SHEET_ROWS => Listed::TooLong { rows, path },
            _ => Listed::Table(read_text_table(&Source::new(path))?),
        };
        tables.push((name, listed));
    }
    // written beside its place and renamed: nobody opens half a workbook
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let cannot = |e: &dyn std::fmt::Display| Failure::other(format!("cannot write {}: {e}", out.display()));
    std::fs::create_dir_all(&parent).map_err(|e| cannot(&e))?;
    let tmp = tempfile::Builder::new()
        .prefix(".dianzhi-tmp-")
        .suffix(".xlsx")
        .tempfile_in(&parent)
        .map_err(|e| cannot(&e))?;
    let done = export(&tables, tmp.path())?;
    tmp.persist(out).map_err(|e| cannot(&e))?;
    crate::outdir::readable(out);
    Ok(done)
}
