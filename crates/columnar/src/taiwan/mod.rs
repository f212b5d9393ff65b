//! Taiwan inputs and outputs (docs/settle.md): the claims scan, the small tables and the output
//! tables of `settle`, `budget`, `interim` and `aggregate`.

pub mod claims;
pub mod outputs;
pub mod tables;
