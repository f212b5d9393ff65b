//! The shapes a clearing works on: pool keys, per-(institution, pool) sums, pool inputs.

use std::fmt;

use crate::number::{add, Overflow};
use crate::period::Quarter;

/// A budget pool: one sector in one region for one settlement quarter.
/// Ordered by sector, region, quarter (byte order of the labels), the output order.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PoolKey {
    /// The sector (hospital, clinic, dental …).
    pub sector: String,
    /// The region.
    pub region: String,
    /// The settlement quarter.
    pub quarter: Quarter,
}

impl fmt::Display for PoolKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "sector={} region={} quarter={}", self.sector, self.region, self.quarter)
    }
}

/// Approved claim totals of one institution in one pool (points and money in internal fixed
/// point, see [`crate::number`]). Rows may be negative; the sums may not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ClaimSums {
    /// Points claimed.
    pub claimed: i128,
    /// Of them, drug points (paid at the fixed value).
    pub drug: i128,
    /// Of them, protected-item points (paid at the fixed value).
    pub protected: i128,
    /// Points deducted on review.
    pub deducted: i128,
    /// Copayment, money.
    pub copayment: i128,
}

impl ClaimSums {
    /// Adds another row's sums.
    pub fn add(&mut self, other: &ClaimSums) -> Result<(), Overflow> {
        self.claimed = add(self.claimed, other.claimed, "claimed_points")?;
        self.drug = add(self.drug, other.drug, "drug_points")?;
        self.protected = add(self.protected, other.protected, "protected_points")?;
        self.deducted = add(self.deducted, other.deducted, "deducted_points")?;
        self.copayment = add(self.copayment, other.copayment, "copayment")?;
        Ok(())
    }

    /// Points paid at the floating value: claimed − drug − protected − deducted.
    pub fn floating(&self) -> i128 {
        // each term is bounded by the checked sums above; four i128 terms of that size fit
        self.claimed - self.drug - self.protected - self.deducted
    }

    /// The first column whose sum is negative, as (column, value).
    pub fn first_negative(&self) -> Option<(&'static str, i128)> {
        [
            ("claimed_points", self.claimed),
            ("drug_points", self.drug),
            ("protected_points", self.protected),
            ("deducted_points", self.deducted),
            ("copayment", self.copayment),
            ("floating points (claimed − drug − protected − deducted)", self.floating()),
        ]
        .into_iter()
        .find(|(_, v)| *v < 0)
    }
}

/// One institution's part in a pool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// The institution.
    pub institution_id: String,
    /// Its claims' sums in the pool.
    pub sums: ClaimSums,
    /// Interim payments made to it for the pool.
    pub interim_paid: i128,
    /// False for an institution that only has interim payments in this pool.
    pub has_claims: bool,
}

/// Everything needed to settle one pool. `members` are sorted by institution_id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolInput {
    /// The pool.
    pub key: PoolKey,
    /// Its budget.
    pub budget: i128,
    /// Charges taken out before the float.
    pub charges: i128,
    /// Its members, sorted by id.
    pub members: Vec<Member>,
}
