//! dianzhi-columnar: the IO of dianzhi. Reads and validates input tables (Parquet, CSV, Excel),
//! scans claims and cases into sums, and writes output tables. The only crate that touches a
//! file format; it decides no policy.
//!
//! Read bottom-up: [`read`] (files to exact values), [`write`] (tables to files), then the two
//! systems' tables on top of both: [`taiwan`] and [`dip`].

mod error;
pub mod read;
pub mod write;

pub mod dip;
pub mod taiwan;

pub use error::{Error, InputError, Place, Result};
pub use read::digest::Hashing;
pub use read::source::{resolve, Format, Source};
pub use read::Encoding;
