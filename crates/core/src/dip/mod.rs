//! DIP / DRG points under a regional budget (区域点数法总额预算, docs/dip.md): every discharged
//! case is scored from its group, the hospital's coefficient and its cost; each pooling region's
//! fund is divided by all scores to give the point value; every hospital is cleared against what
//! it was paid, keeping part of a surplus and sharing part of an overspend.
//!
//! A DIP pool is the engine's pool under other names, settled by [`crate::engine::solve::solve_pool`]: the
//! fund is the budget, the reserve (调剂金) is a charge, cases paid at cost are fixed amounts and
//! case scores are floating points.
//!
//! - [`config`]: the `[dip.*]` policy keys
//! - [`score`]: one case's type and score
//! - [`budget`]: the year's budget per pool from its history (以收定支)
//! - [`clearing`]: pools, point values, each hospital's payment and year-end clearing
//! - [`assessment`]: the year's assessment coefficient from indicator scores

pub mod assessment;
pub mod budget;
pub mod clearing;
pub mod config;
pub mod presettle;
pub mod scenario;
pub mod score;

pub use config::DipConfig;
