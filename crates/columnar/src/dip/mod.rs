//! DIP inputs and outputs (docs/dip.md): the small tables, the streamed case scan and the
//! output tables.

pub mod cases;
pub mod catalog;
pub mod outputs;
pub mod spill;
pub mod tables;
