//! dianzhi-core: the domain of regional point-value settlement, with no IO.
//!
//! - [`engine`]: the pool arithmetic both systems share (point value, each member's amount,
//!   the attribution of a change)
//! - [`taiwan`]: Taiwan NHI's quarter, year budget, interim payments and scenarios
//! - [`dip`]: DIP / DRG case scores, point values, presettlement, clearing, the year's budget and
//!   scenarios (mainland China)
//! - [`number`], [`rational`], [`period`], [`config`]: exact numbers, months and quarters, the
//!   policy keys

pub mod config;
pub mod dip;
pub mod engine;
pub mod number;
mod offenders;
pub mod period;
pub mod rational;
pub mod taiwan;

pub use config::Config;
