//! dianzhi-core: the domain of regional point-value settlement, with no IO.
//!
//! - [`number`]: exact fixed-point numbers and named roundings
//! - [`period`]: months and quarters
//! - [`point_value`]: a pool's floating and average point value
//! - [`settlement`]: each provider's settlement in a pool
//! - [`clearing`]: joining budgets, claims and interim payments; settling all pools
//! - [`budget`]: yearly budget growth and its split into regional and quarterly pools
//! - [`interim`]: monthly interim payments
//! - [`dip`]: DIP / DRG case scores, point values and year-end clearing (mainland China)
#![deny(clippy::float_arithmetic)]

pub mod budget;
pub mod clearing;
pub mod config;
pub mod dip;
pub mod interim;
pub mod number;
pub mod period;
pub mod point_value;
pub mod pool;
pub mod rational;
pub mod scenario;
pub mod settlement;

pub use config::Config;
