//! dianzhi-columnar: the IO of dianzhi. Reads and validates input tables (Parquet, CSV),
//! aggregates claims into per-(institution, pool) sums, and writes output tables. The only
//! crate that touches a file format; it decides no policy.

pub mod any;
pub mod cells;
mod chunk;
pub mod claims;
pub mod column;
pub mod digest;
pub mod dip;
pub mod error;
pub mod outputs;
pub mod source;
pub mod tables;
pub mod text;
pub mod write;
pub mod xlsx;

pub use error::{Error, InputError};
pub use source::{resolve, Format, Source};
