//! The pool engine both systems run on: a budget less its charges, shared by members that each
//! bring floating points and money paid outside the float (docs/settle.md, docs/dip.md).
//!
//! - [`point_value`]: a pool's totals, its floating and average point value, its status
//! - [`solve`]: each member's floating amount and how the money reconciles
//! - [`attribution`]: what-if changes and the exact Shapley split of a point value's change

pub mod attribution;
pub mod point_value;
pub mod solve;

use crate::number::Overflow;

/// A pool whose arithmetic leaves 128 bits, named: the error both systems' clearing gives.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{pool}: {overflow}; the pool's amounts are beyond what 128-bit integers hold: check its budget and sums for a misplaced decimal point")]
pub struct PoolOverflow {
    /// The pool, as its key prints.
    pub pool: String,
    /// What overflowed.
    pub overflow: Overflow,
}

impl PoolOverflow {
    /// The overflow of the pool keyed `pool`.
    pub fn of(pool: &impl std::fmt::Display) -> impl FnOnce(Overflow) -> PoolOverflow + '_ {
        move |overflow| PoolOverflow { pool: pool.to_string(), overflow }
    }
}
