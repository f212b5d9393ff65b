//! Writing output tables: Parquet or CSV ([`table`]), and workbooks for `export` ([`workbook`]).

pub mod table;
pub mod workbook;

/// The columns that identify a row of dianzhi's tables, in key order (what `compare` joins on
/// and lists its differences by; labels that a workbook keeps as text).
pub const KEY_COLUMNS: [&str; 11] = [
    "scenario",
    "institution_id",
    "case_id",
    "sector",
    "region",
    "fund",
    "year",
    "quarter",
    "month",
    "dip_group",
    "level",
];

pub use table::{write_table, Table, TableWriter, TextColumn, Values, ROW_GROUP_ROWS};
