//! `dianzhi export DIR --out FILE.xlsx`: one workbook of an output directory, a sheet per table
//! (docs/analysts.md, "Workbooks"), for results that go back to hospitals as Excel files.

use std::path::{Path, PathBuf};

use dianzhi_columnar::read::source::{Format, Source};
use dianzhi_columnar::read::text_table::{parquet_rows, read_text_table};
use dianzhi_columnar::write::workbook::{export, Exported, Listed, SHEET_ROWS};

use crate::commands::lang::{column_label, Lang};
use crate::failure::{Failure, Result};

/// One Excel workbook of an output directory: a sheet per table (header frozen, numbers at
/// their decimals), and an `about` sheet listing them.
#[derive(clap::Args)]
pub struct ExportArgs {
    /// The output directory to export.
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
    /// The workbook to write (FILE.xlsx); with --by, the directory of workbooks.
    #[arg(long, value_name = "FILE.xlsx")]
    pub out: PathBuf,
    /// One workbook per value of this column (e.g. institution_id: each hospital's rows, for
    /// sending out), named by the value, in the directory --out.
    #[arg(long, value_name = "COLUMN")]
    pub by: Option<String>,
    /// The headers' language: en (the column names), or zh (each column's Chinese label above
    /// its name; the names stay, for scripts).
    #[arg(long, value_enum, default_value = "en")]
    pub lang: Lang,
    /// Replace an existing workbook (or, with --by, an earlier output directory).
    #[arg(long)]
    pub force: bool,
}

/// The labels a workbook's headers carry in `lang` (none in English: the names alone).
fn labels(lang: Lang) -> Option<dianzhi_columnar::write::workbook::Labels<'static>> {
    (lang == Lang::Zh).then_some(&column_label)
}

/// Runs `dianzhi export`: notes the tables too long for a sheet, prints where it wrote.
pub fn command(args: ExportArgs, s: &crate::cli::Settings) -> Result<u8> {
    if let Some(column) = &args.by {
        let (books, out) = by_value(&args.dir, &args.out, column, args.force, args.lang)?;
        s.say(&format!("{books} workbooks, one per {column} → {}\n", out.display()));
        return Ok(0);
    }
    for e in run(&args.dir, &args.out, args.force, args.lang)? {
        if !e.sheet {
            s.note(&format!(
                "{}: {} rows are more than a sheet holds; listed on the about sheet, read the file\n",
                e.table, e.rows
            ));
        }
    }
    s.say(&format!("workbook → {}\n", args.out.display()));
    Ok(0)
}

/// Writes the workbook; returns what each table became.
pub fn run(dir: &Path, out: &Path, force: bool, lang: Lang) -> Result<Vec<Exported>> {
    let is_xlsx = out.extension().and_then(|e| e.to_str()).is_some_and(|e| e.eq_ignore_ascii_case("xlsx"));
    if !is_xlsx {
        return Err(Failure::input(format!("--out {}: name the workbook FILE.xlsx", out.display())));
    }
    if !dir.is_dir() {
        return Err(Failure::input(format!("{}: not a directory; export reads an output directory", dir.display())));
    }
    crate::outdir::refuse_file_over_inputs(out, dir)?;
    // a workbook is replaced only when it is an export of dianzhi: its first sheet is `about`,
    // headed by the names table … sheet (in its first row, or under the labels' row)
    crate::outdir::refuse_foreign_file(out, "workbook", |p| {
        let about = |names: Vec<&str>| names.first() == Some(&"table") && names.contains(&"sheet");
        dianzhi_columnar::read::workbook::read_sheet(p).is_ok_and(|s| {
            about(s.header.iter().map(String::as_str).collect())
                || s.rows
                    .first()
                    .is_some_and(|(_, row)| about(row.iter().map(|c| c.as_deref().unwrap_or("")).collect()))
        })
    })?;
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
    crate::signals::create_dir_all(&parent).map_err(|e| cannot(&e))?;
    let tmp = tempfile::Builder::new()
        .prefix(".dianzhi-tmp-")
        .suffix(".xlsx")
        .tempfile_in(&parent)
        .map_err(|e| cannot(&e))?;
    let done = export(&tables, tmp.path(), labels(lang))?;
    tmp.persist(out).map_err(|e| cannot(&e))?;
    crate::outdir::readable(out);
    Ok(done)
}

/// A value as a file name: letters, digits, `-`, `_` and `.` as they are, anything else (and a
/// leading `.`) as `_XX` per byte, so that `../H1` or `<H1>` can never name another place.
pub fn safe_name(value: &str) -> String {
    let mut out = String::new();
    for (i, b) in value.bytes().enumerate() {
        let plain = b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || (b == b'.' && i > 0);
        if plain {
            out.push(b as char);
        } else {
            out.push_str(&format!("_{b:02X}"));
        }
    }
    if out.is_empty() {
        out.push('_');
    }
    out
}

/// One workbook per distinct value of `column` in the directory `out` (all or nothing): each
/// with the rows of that value of every table that has the column. Returns how many.
fn by_value(dir: &Path, out: &Path, column: &str, force: bool, lang: Lang) -> Result<(usize, PathBuf)> {
    if !dir.is_dir() {
        return Err(Failure::input(format!("{}: not a directory; export reads an output directory", dir.display())));
    }
    let mut inputs: Vec<PathBuf> = vec![dir.to_path_buf()];
    if dir.join("manifest.json").is_file() {
        inputs.clear();
        crate::outdir::refuse_file_over_inputs(&out.join("x.xlsx"), dir)?;
    }
    let refs: Vec<&Path> = inputs.iter().map(PathBuf::as_path).collect();
    let staged = crate::outdir::OutDir::prepare(out, force, |_| false, &refs)?;
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| Failure::input(format!("{}: cannot list: {e}", dir.display())))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && matches!(Format::of(p), Some(Format::Parquet | Format::Csv)))
        .collect();
    paths.sort();
    let mut tables = Vec::new();
    for path in paths {
        let name = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        let t = read_text_table(&Source::new(path))?;
        if t.column(column).is_some() {
            tables.push((name, t));
        }
    }
    if tables.is_empty() {
        return Err(Failure::input(format!(
            "{}: no table has a column {column}; name a column of its tables, e.g. --by institution_id",
            dir.display()
        )));
    }
    let mut values: Vec<String> =
        tables.iter().flat_map(|(_, t)| t.column(column).unwrap_or(&[]).iter().flatten().cloned()).collect();
    values.sort();
    values.dedup();
    let mut names: std::collections::BTreeMap<String, &String> = std::collections::BTreeMap::new();
    for value in &values {
        let file = format!("{}.xlsx", safe_name(value));
        if let Some(other) = names.insert(file.clone(), value) {
            return Err(Failure::input(format!(
                "--by {column}: the values {other:?} and {value:?} both make the file name {file}; rename one of them"
            )));
        }
        let listed: Vec<(String, Listed)> = tables
            .iter()
            .map(|(name, t)| {
                let keep: Vec<usize> = (0..t.rows())
                    .filter(|&i| t.column(column).is_some_and(|c| c[i].as_deref() == Some(value.as_str())))
                    .collect();
                let columns = t.columns.iter().map(|c| keep.iter().map(|&i| c[i].clone()).collect()).collect();
                let rows = dianzhi_columnar::read::text_table::TextTable {
                    path: t.path.clone(),
                    names: t.names.clone(),
                    columns,
                };
                (name.clone(), Listed::Table(rows))
            })
            .collect();
        export(&listed, &staged.file(&file), labels(lang))?;
    }
    Ok((values.len(), staged.commit()?))
}
