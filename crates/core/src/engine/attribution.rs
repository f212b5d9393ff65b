//! Scenarios (docs/analysts.md): overlays on a quarter's pools, each re-solved, and the exact
//! Shapley attribution of every pool's change in floating point value to the three groups of
//! changes — budget overlays, volume overlays, config.
//!
//! The value attributed is the exact quotient `floating_money / F` (÷ ρ). With three factors
//! the Shapley value of factor i is
//! `φ_i = Σ_{S ⊆ N∖{i}} |S|! (2 − |S|)! / 3! · (f(S ∪ {i}) − f(S))`,
//! a sum of eight quotients with different denominators: it is computed over big integers on
//! their common denominator, so nothing is rounded until the published 18 decimals.

use num_bigint::BigInt;
use num_integer::Integer;

use crate::config::Config;
use crate::engine::point_value::{point_value, FloatingValue, PointValue, PoolTotals, Status, EXACT_SCALE};
use crate::number::{add, mul, pow10, show, Dec, Overflow, Rounding};
use crate::offenders::list;

/// A named scenario: budget and volume overlay entries (each system's own kind of entry, `E`)
/// in file order, and the config it is solved with (the run's config with the scenario's keys
/// merged over it).
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario<E> {
    /// The scenario's name.
    pub name: String,
    /// Budget entries, in file order.
    pub budget: Vec<E>,
    /// Volume entries, in file order.
    pub volume: Vec<E>,
    /// The config the scenario is solved with.
    pub config: Config,
}

/// What an overlay entry does to the values it matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// Multiply, rounding once (money to the unit, points to 4 decimals).
    Scale(Dec),
    /// Add an amount in internal fixed point: money (a multiple of the unit) for a budget,
    /// claimed points for a volume entry.
    Add(i128),
}

/// Why a scenario cannot be solved (each message names the scenario and the entry or pools).
#[allow(missing_docs)] // each variant's #[error] text says what it means and names its fields
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScenarioError {
    #[error("scenario {scenario:?}, {kind} entry {entry}: matches no {what}; check its {keys}")]
    NoMatch { scenario: String, kind: &'static str, entry: usize, what: &'static str, keys: &'static str },
    #[error("scenario {scenario:?}, budget entry {entry}: makes the budget of {pool} negative ({value}); use a scale ≥ 0 or a smaller deduction")]
    NegativeBudget { scenario: String, entry: usize, pool: String, value: String },
    #[error("scenario {scenario:?}, volume entry {entry}: makes {count} aggregate(s) negative:\n{}\nuse a scale ≥ 0 or a smaller deduction", list(.items, *.count))]
    NegativeVolume { scenario: String, entry: usize, items: Vec<String>, count: usize },
    #[error("scenario {scenario:?}, volume entry {entry}: scale = \"{value}\" must be > 0 (a volume scale multiplies scores and costs; 0.9 is 10% fewer)")]
    VolumeScale { scenario: String, entry: usize, value: String },
    #[error("scenario {scenario:?}: {count} pool(s) are infeasible: fixed-value payments and charges exceed the budget:\n{}\nset [pool] on_infeasible = \"zero\" in the scenario's config (or --config) to settle them at point value 0", list(.pools, *.count))]
    Infeasible { scenario: String, pools: Vec<String>, count: usize },
    #[error("scenario {scenario:?}: {source}")]
    Overflow { scenario: String, source: Overflow },
    /// A DIP scenario's year that cannot be cleared (a special quota broken, an infeasible pool).
    #[error("scenario {scenario:?}: {message}")]
    Dip { scenario: String, message: String },
}

/// Each pool's budget with the scenario's budget entries applied in file order (`keys[i]` is
/// pool i's key; `change_of(entry, key)` is the entry's change where it matches): an entry that matches no pool, or
/// a budget made negative, is refused naming the entry; `what` and `keys_named` name the rows
/// and the keys in that message ("budget row", "sector/region/quarter").
pub fn overlaid_budgets<E, K: std::fmt::Display>(
    budgets: Vec<i128>,
    keys: &[K],
    s: &Scenario<E>,
    change_of: impl Fn(&E, &K) -> Option<Change>,
    (what, keys_named): (&'static str, &'static str),
) -> Result<Vec<i128>, ScenarioError> {
    let overflow = |source| ScenarioError::Overflow { scenario: s.name.clone(), source };
    let (unit, rounding) = (s.config.money.unit, s.config.money.rounding);
    let mut out = budgets;
    for (n, e) in s.budget.iter().enumerate() {
        let mut matched = false;
        for (key, budget) in keys.iter().zip(&mut out) {
            let Some(change) = change_of(e, key) else { continue };
            matched = true;
            *budget = changed_budget(*budget, change, unit, rounding).map_err(overflow)?;
            if *budget < 0 {
                return Err(ScenarioError::NegativeBudget {
                    scenario: s.name.clone(),
                    entry: n + 1,
                    pool: key.to_string(),
                    value: show(*budget),
                });
            }
        }
        if !matched {
            return Err(ScenarioError::NoMatch {
                scenario: s.name.clone(),
                kind: "budget",
                entry: n + 1,
                what,
                keys: keys_named,
            });
        }
    }
    Ok(out)
}

/// A budget under one entry: scaled and rounded once to the unit, or with money added.
pub(crate) fn changed_budget(
    budget: i128,
    change: Change,
    unit: crate::number::MoneyUnit,
    rounding: Rounding,
) -> Result<i128, Overflow> {
    match change {
        Change::Scale(f) => unit.round(mul(budget, f.mantissa, "budget × scale")?, pow10(f.scale)?, rounding),
        Change::Add(a) => add(budget, a, "budget + add"),
    }
}

/// The attribution of one pool's change between `ends` (the baseline's and the scenario's totals
/// and point values) to (budget, volume, config): `corner(v, c)` gives the pool's totals, and the
/// config it is valued under, with the volume and config groups switched on or off; the budget
/// group only swaps `budgets.0` for `budgets.1`, so four totals serve all eight corners. `None`
/// where any point value involved is empty.
pub(crate) fn effects_of<'c>(
    ends: ((&PoolTotals, &PointValue), (&PoolTotals, &PointValue)),
    budgets: (i128, i128),
    corner: impl Fn(bool, bool) -> Result<(PoolTotals, &'c Config), Overflow>,
) -> Result<Option<[i128; 3]>, Overflow> {
    let ((base_t, base_pv), (scn_t, scn_pv)) = ends;
    let (Some(base_exact), Some(scn_exact)) = (base_pv.fpv_exact, scn_pv.fpv_exact) else {
        return Ok(None);
    };
    // f over (budget, volume, config) switched on by the bits of the index
    let mut corners: [Option<Exact>; 8] = Default::default();
    corners[0] = exact(base_t, base_pv);
    corners[7] = exact(scn_t, scn_pv);
    for (v, c) in [(false, false), (true, false), (false, true), (true, true)] {
        let (totals, config) = corner(v, c)?;
        for b in [false, true] {
            let k = usize::from(b) | usize::from(v) << 1 | usize::from(c) << 2;
            if k == 0 || k == 7 {
                continue;
            }
            let t = PoolTotals { budget: if b { budgets.1 } else { budgets.0 }, ..totals };
            let pv = point_value(&t, config)?;
            corners[k] = exact(&t, &pv);
        }
    }
    Ok(corners.into_iter().collect::<Option<Vec<Exact>>>().map(|c| attribute(&c, scn_exact - base_exact)))
}

/// An exact point value `num / den` (den > 0).
#[derive(Debug, Clone)]
pub(crate) struct Exact {
    num: BigInt,
    den: BigInt,
}

/// The exact value attributed: floating_money / (F × ρ); 0 for an infeasible pool; `None`
/// where the pool has no value (no claims, no floating points).
pub(crate) fn exact(t: &PoolTotals, pv: &PointValue) -> Option<Exact> {
    if pv.status == Status::Infeasible {
        return Some(Exact { num: BigInt::from(0), den: BigInt::from(1) });
    }
    match pv.value {
        FloatingValue::Ratio { money, points } => {
            let ratio = t.payment_ratio;
            Some(Exact {
                num: BigInt::from(money) * BigInt::from(10).pow(ratio.scale),
                den: BigInt::from(points) * BigInt::from(ratio.mantissa),
            })
        }
        _ => None,
    }
}

/// The Shapley values of the three factors at [`EXACT_SCALE`] decimals, rounded by largest
/// remainder so that they sum to `total` (the change of the published 18-decimal values).
/// `f[k]` is the value with the factors of the bits of `k` switched on.
pub(crate) fn attribute(f: &[Exact], total: i128) -> [i128; 3] {
    // 6 φ_i = Σ_S w_S (f(S ∪ i) − f(S)), w = 2 for |S| ∈ {0, 2}, 1 for |S| = 1; over the common
    // denominator D = Π den, each φ_i = A_i / (6 D)
    let d: BigInt = f.iter().map(|e| &e.den).product();
    let scaled: Vec<BigInt> = f.iter().map(|e| &e.num * (&d / &e.den)).collect();
    let mut a = [BigInt::from(0), BigInt::from(0), BigInt::from(0)];
    for (i, a) in a.iter_mut().enumerate() {
        for s in 0..8usize {
            if s & (1 << i) != 0 {
                continue;
            }
            let weight = if s.count_ones() == 1 { 1 } else { 2 };
            *a += (&scaled[s | 1 << i] - &scaled[s]) * weight;
        }
    }
    let den = d * 6;
    let exp = BigInt::from(10).pow(EXACT_SCALE);
    let mut parts = [0i128; 3];
    let mut remainders = Vec::with_capacity(3);
    for (i, a) in a.iter().enumerate() {
        let (q, r) = (a * &exp).div_mod_floor(&den);
        parts[i] = i128::try_from(q).expect("an effect at 18 decimals fits in 128 bits when the values do");
        remainders.push((r, i));
    }
    // largest remainder first; ties in factor order
    remainders.sort_by(|(ra, ia), (rb, ib)| rb.cmp(ra).then(ia.cmp(ib)));
    let mut left = total - parts.iter().sum::<i128>();
    let order: Vec<usize> = remainders.iter().map(|(_, i)| *i).collect();
    let mut k = 0;
    while left > 0 {
        parts[order[k % 3]] += 1;
        left -= 1;
        k += 1;
    }
    // the published values may sum below the floors (half-even rounding of each side):
    // take back from the smallest remainders
    let mut k = 0;
    while left < 0 {
        parts[order[2 - k % 3]] -= 1;
        left += 1;
        k += 1;
    }
    parts
}

/// The overlays' rounding never touches money.unit or the point-value scale: scenarios that
/// did would not be comparable with the baseline.
pub fn comparable(base: &Config, scenario: &Config) -> Option<&'static str> {
    if base.money.unit != scenario.money.unit {
        Some("money.unit")
    } else if base.point_value.scale != scenario.point_value.scale {
        Some("point_value.scale")
    } else {
        None
    }
}
