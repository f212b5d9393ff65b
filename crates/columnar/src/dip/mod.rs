//! DIP inputs and outputs (CONTRACT §6): the small tables, the streamed case scan and the
//! output tables.

pub mod cases;
pub mod outputs;
pub mod spill;
pub mod tables;
