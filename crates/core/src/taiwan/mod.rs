//! Taiwan NHI's rules on the pool engine (docs/settle.md, docs/taiwan-year.md,
//! docs/analysts.md): a pool per sector × region × quarter, providers' approved points.
//!
//! - [`pool`]: pool keys, per-(institution, pool) claim sums, pool inputs
//! - [`settlement`]: each provider's fixed and floating amounts, payable and adjustment
//! - [`clearing`]: budgets, claims and interim payments joined into pools; every pool settled
//! - [`budget`]: the year's growth and its split into regional and quarterly pools
//! - [`interim`]: monthly interim payments
//! - [`scenario`]: a quarter's what-if overlays

pub mod budget;
pub mod clearing;
pub mod interim;
pub mod pool;
pub mod scenario;
pub mod settlement;
