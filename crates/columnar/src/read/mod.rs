//! Reading input tables, bottom-up: where the files are ([`source`]) and how their text is
//! encoded ([`text`]); a workbook's sheet as text ([`workbook`]); a table's columns found and
//! type-checked ([`schema`]); the table split into units and read as Arrow batches ([`scan`],
//! row groups in one read: `chunk`, hashed as read: [`digest`]); texts interned ([`intern`]);
//! columns turned into exact values ([`values`]). On top: small tables read whole ([`rows`]) and
//! tables of any shape for `compare` and `report` ([`text_table`], [`cells`]).

pub mod cells;
mod chunk;
pub mod digest;
pub(crate) mod intern;
pub mod memory;
pub(crate) mod prefetch;
pub(crate) mod rows;
pub(crate) mod scan;
pub(crate) mod schema;
pub mod source;
pub(crate) mod text;
pub mod text_table;
pub(crate) mod values;
pub mod workbook;

// the public face: tables in memory stand where a path would ([`memory`]);: what a table is (specs), and reading one batch by batch
pub use rows::RowAt;
pub use scan::{open, read_unit, Batch, Layout, Unit};
pub use schema::{at, optional, required, Kind, Spec};
pub use text::Encoding;

// the crate's own scans build on these
pub(crate) use intern::{labels, text_ids, texts, Interner};
pub(crate) use scan::{guarded, largest_key, read_unit_hashed, BATCH_ROWS};
pub(crate) use values::{
    cell_error, check_money, first_null, fixed_values, mantissas, month_values, narrow_values, quarter_values,
};
