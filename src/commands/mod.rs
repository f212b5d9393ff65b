//! One module per command: its arguments (one Args struct), its run (what it reads, computes
//! and writes, returned to the caller) and its summary. The infrastructure they share lives
//! beside this directory: cli (settings), console (printing), outdir, manifest, failure,
//! signals, progress.

pub mod aggregate;
pub mod budget;
pub mod compare;
pub mod config;
pub mod demo;
pub mod dip;
pub mod export;
pub mod generate;
pub mod interim;
pub mod lang;
pub mod report;
pub mod scenario;
pub mod settle;
pub mod statement;
