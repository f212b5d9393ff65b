//! Writing output tables: Parquet or CSV ([`table`]), and workbooks for `export` ([`workbook`]).

pub mod table;
pub mod workbook;

pub use table::{write_table, Table, TableWriter, TextColumn, Values, ROW_GROUP_ROWS};
