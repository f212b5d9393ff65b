//! The pool engine both systems run on: a budget less its charges, shared by members that each
//! bring floating points and money paid outside the float (docs/settle.md, docs/dip.md).
//!
//! - [`point_value`]: a pool's totals, its floating and average point value, its status
//! - [`solve`]: each member's floating amount and how the money reconciles
//! - [`attribution`]: what-if changes and the exact Shapley split of a point value's change

pub mod attribution;
pub mod point_value;
pub mod solve;
