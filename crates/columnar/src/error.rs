//! Errors that point at the cell: file, column, row (or line), the value, and what to do.

use std::fmt;
use std::path::{Path, PathBuf};

/// Where in an input table a problem is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    File,
    Column(String),
    /// A data row: 1-based row number of a Parquet file, or line number of a CSV file.
    Cell {
        column: String,
        row: u64,
        csv: bool,
    },
}

/// Bad input: the run must stop with exit status 2 and write nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    pub file: PathBuf,
    pub place: Place,
    pub message: String,
}

impl InputError {
    pub fn file(file: &Path, message: impl Into<String>) -> Self {
        InputError { file: file.to_path_buf(), place: Place::File, message: message.into() }
    }
    pub fn column(file: &Path, column: &str, message: impl Into<String>) -> Self {
        InputError { file: file.to_path_buf(), place: Place::Column(column.into()), message: message.into() }
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        match &self.place {
            Place::File => {}
            Place::Column(c) => write!(f, ", column '{c}'")?,
            // a workbook's rows are numbered as Excel numbers them
            Place::Cell { column, row, csv: true }
                if self.file.to_string_lossy().to_ascii_lowercase().contains(".xlsx") =>
            {
                write!(f, ", row {row}, column '{column}'")?
            }
            Place::Cell { column, row, csv: true } => write!(f, ", line {row}, column '{column}'")?,
            Place::Cell { column, row, csv: false } => write!(f, ", row {row}, column '{column}'")?,
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for InputError {}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Invalid input (exit 2).
    #[error("{0}")]
    Input(#[from] InputError),
    /// Writing an output failed (exit 1).
    #[error("cannot write {path}: {message}")]
    Output { path: PathBuf, message: String },
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
