//! Resolving `--claims PATH...` (files, directories, globs) into a sorted list of input files.

use std::path::{Path, PathBuf};

use crate::error::InputError;
use crate::read::text::Encoding;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Parquet,
    Csv,
    /// An Excel workbook's sheet (read only).
    Xlsx,
}

impl Format {
    /// The format named by the file extension, if it is one we read.
    pub fn of(path: &Path) -> Option<Format> {
        let (file, _) = crate::read::source::split_sheet(path);
        match file.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "parquet" | "pq" => Some(Format::Parquet),
            "csv" => Some(Format::Csv),
            "xlsx" => Some(Format::Xlsx),
            _ => None,
        }
    }
}

/// One input file, with how to read it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Source {
    pub path: PathBuf,
    /// The encoding of a CSV file that is not valid UTF-8 (the run's `--encoding`).
    pub encoding: Encoding,
}

impl Source {
    /// A file read as UTF-8 (an output of dianzhi, a table named by the user without a setting).
    pub fn new(path: PathBuf) -> Self {
        Source { path, encoding: Encoding::Utf8 }
    }

    pub fn format(&self) -> Format {
        Format::of(&self.path).expect("sources are resolved by extension")
    }
}

/// Expands each argument: a table registered in memory stands for itself; a path that exists is taken literally (a file must be .parquet or
/// .csv; a directory gives every `*.parquet` / `*.csv` directly inside it); otherwise an argument
/// with `*?[` is a glob. The result is sorted and de-duplicated, so file order never depends on
/// the file system.
pub fn resolve(args: &[PathBuf], encoding: Encoding) -> Result<Vec<Source>, InputError> {
    let mut out = Vec::new();
    for arg in args {
        let text = arg.to_string_lossy();
        if crate::read::memory::lookup(arg).is_some() {
            out.push(Source { path: arg.clone(), encoding });
        } else if arg.is_dir() {
            let entries =
                std::fs::read_dir(arg).map_err(|e| InputError::file(arg, format!("cannot list the directory: {e}")))?;
            let before = out.len();
            for e in entries {
                let path = e.map_err(|e| InputError::file(arg, format!("cannot list the directory: {e}")))?.path();
                // a workbook is read when named (its sheet chosen), never picked up from a folder
                if path.is_file() && matches!(Format::of(&path), Some(Format::Parquet | Format::Csv)) {
                    out.push(Source { path, encoding });
                }
            }
            if out.len() == before {
                return Err(InputError::file(arg, "the directory holds no *.parquet or *.csv file"));
            }
        } else if arg.exists()
            || crate::read::source::split_sheet(arg)
                .1
                .is_some_and(|_| crate::read::source::split_sheet(arg).0.is_file())
        {
            if Format::of(arg).is_none() {
                return Err(InputError::file(
                    arg,
                    "unknown file type: name Parquet files *.parquet, CSV files *.csv and Excel workbooks *.xlsx",
                ));
            }
            out.push(Source { path: arg.clone(), encoding });
        } else if text.contains(['*', '?', '[']) {
            let paths =
                glob::glob(&text).map_err(|e| InputError::file(arg, format!("not a valid glob pattern: {e}")))?;
            let before = out.len();
            for p in paths {
                let path = p.map_err(|e| InputError::file(arg, format!("cannot read a match of the glob: {e}")))?;
                // a workbook is read when named (its sheet chosen), never picked up from a folder
                if path.is_file() && matches!(Format::of(&path), Some(Format::Parquet | Format::Csv)) {
                    out.push(Source { path, encoding });
                }
            }
            if out.len() == before {
                return Err(InputError::file(arg, "the glob matches no *.parquet or *.csv file"));
            }
        } else {
            return Err(InputError::file(arg, "no such file or directory"));
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// Every path an argument names, whatever its extension: the path itself when it exists (or
/// is no glob), else the glob's matches; a workbook's sheet names the workbook. Used to keep
/// outputs away from inputs.
pub fn named_paths(arg: &Path) -> Vec<PathBuf> {
    let (file, sheet) = crate::read::source::split_sheet(arg);
    if sheet.is_some() {
        return vec![file];
    }
    let text = arg.to_string_lossy();
    if arg.exists() || !text.contains(['*', '?', '[']) {
        return vec![arg.to_path_buf()];
    }
    match glob::glob(&text) {
        Ok(paths) => paths.flatten().collect(),
        Err(_) => vec![arg.to_path_buf()],
    }
}

/// `file.xlsx#Sheet` split into the file and the sheet named, if any.
pub fn split_sheet(path: &Path) -> (PathBuf, Option<String>) {
    let text = path.to_string_lossy();
    if let Some(at) = text.to_ascii_lowercase().rfind(".xlsx#") {
        let (file, sheet) = text.split_at(at + 5);
        return (PathBuf::from(file), Some(sheet[1..].to_string()));
    }
    (path.to_path_buf(), None)
}
