//! Scoring one discharged case (docs/dip.md, Arithmetic, steps 1–3).
//!
//! ```text
//! special_score given        → special, score = special_score
//! no group, or group score 0 → at_cost, score 0 (paid its fund_paid outside the points)
//! r = total_cost / avg_cost(group, level)
//!   r < low (≤ if inclusive)  → low,     factor r
//!   r > extreme               → extreme, factor r − 1 (flagged for review)
//!   r > high (≥ if inclusive) → high,    factor r − 1
//!   otherwise                 → normal,  factor 1
//! base  = group score × aux_factor × (basic group ? basic_factor : level coefficient)
//! score = round(base × factor, dip.score.scale)   one rounding of the exact product
//! ```

use std::cmp::Ordering;

use crate::config::Config;
use crate::number::{div_round, mul, pow10, Dec, Decimal, Overflow, Rounding, SCALE};

/// Decimals of the ratio r in the cases output (docs/dip.md: 6 decimals, half_even).
pub const RATIO_SCALE: u32 = 6;

/// A case's type (病例类型), which decides how it is scored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CaseType {
    /// Cost within the outlier bounds: the group's score.
    Normal,
    /// Cost below the low bound (费用极低).
    Low,
    /// Cost above the high bound (费用极高).
    High,
    /// Cost above the extreme bound: scored as high, flagged for review.
    Extreme,
    /// A special case (特例单议).
    Special,
    /// Paid its fund_paid outside the points.
    AtCost,
}

impl CaseType {
    /// The type as the cases table writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            CaseType::Normal => "normal",
            CaseType::Low => "low",
            CaseType::High => "high",
            CaseType::Extreme => "extreme",
            CaseType::Special => "special",
            CaseType::AtCost => "at_cost",
        }
    }
}

/// A group of the catalogue (病种目录库).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Group {
    /// Internal fixed point (4 decimals).
    pub score: i128,
    /// `basic` (基层病种): paid alike at every level, so no level coefficient.
    pub basic: bool,
}

/// The outlier bounds and score rounding of a run, prepared once.
#[derive(Debug, Clone)]
pub struct Scorer {
    general: Prepared,
    /// Bounds of the levels the config names (few: a lookup by label beats a map).
    levels: Vec<(Box<str>, Prepared)>,
    basic_factor: Dec,
    scale: u32,
    rounding: Rounding,
    ungrouped_at_cost: bool,
}

/// Outlier bounds ready to compare.
#[derive(Debug, Clone, Copy)]
struct Prepared {
    low: Dec,
    low_inclusive: bool,
    high: Dec,
    high_inclusive: bool,
    extreme: Option<Dec>,
}

impl Prepared {
    fn of(b: crate::dip::config::Bounds) -> Self {
        Prepared {
            low: Dec::from(b.low).normalized(),
            low_inclusive: b.low_inclusive,
            high: Dec::from(b.high).normalized(),
            high_inclusive: b.high_inclusive,
            extreme: b.extreme.map(|x| Dec::from(x).normalized()),
        }
    }
}

impl Scorer {
    /// The scorer of `config`'s `[dip.*]` keys (validated: every level's bounds read).
    pub fn new(config: &Config) -> Self {
        let (o, s) = (&config.dip.outliers, &config.dip.score);
        let levels = o
            .levels
            .keys()
            .map(|l| (l.as_str().into(), Prepared::of(o.level(l).expect("validated with the config"))))
            .collect();
        Scorer {
            general: Prepared::of(o.general()),
            levels,
            basic_factor: Dec::from(s.basic_factor).normalized(),
            scale: s.scale,
            rounding: config.money.rounding,
            ungrouped_at_cost: s.ungrouped == crate::dip::config::Ungrouped::AtCost,
        }
    }

    /// The factor a case's score uses in place of the level coefficient, at 4 decimals (rounded
    /// half_even when basic_factor has more): basic_factor for a basic group, else `coefficient`.
    pub fn factor_of(&self, basic: bool, coefficient: Decimal) -> i128 {
        let k = if basic { self.basic_factor } else { Dec::from(coefficient) };
        match k.rescale_exact(SCALE) {
            Some(v) => v,
            None => div_round(k.mantissa, 10i128.pow(k.scale - SCALE), Rounding::HalfEven),
        }
    }

    /// The outlier type of a case of a hospital of `level` with total cost `cost` against
    /// average `avg` (both internal fixed point, avg > 0): normal, low, high or extreme.
    pub fn outlier(&self, level: &str, cost: i128, avg: i128) -> Result<CaseType, Overflow> {
        let b = match self.levels.iter().find(|(l, _)| &**l == level) {
            Some((_, b)) => b,
            None => &self.general,
        };
        // r ? bound  ⇔  cost × 10^s ? avg × m   (bound = m / 10^s)
        let cmp = |bound: Dec| -> Result<Ordering, Overflow> {
            Ok(mul(cost, pow10(bound.scale)?, "a cost ratio")?.cmp(&mul(avg, bound.mantissa, "a cost ratio")?))
        };
        let low = cmp(b.low)?;
        if low == Ordering::Less || (b.low_inclusive && low == Ordering::Equal) {
            return Ok(CaseType::Low);
        }
        if let Some(x) = b.extreme {
            if cmp(x)? == Ordering::Greater {
                return Ok(CaseType::Extreme);
            }
        }
        let high = cmp(b.high)?;
        if high == Ordering::Greater || (b.high_inclusive && high == Ordering::Equal) {
            return Ok(CaseType::High);
        }
        Ok(CaseType::Normal)
    }

    /// The score (internal fixed point) of a grouped case of outlier type `kind` (normal, low,
    /// high or extreme): `group.score × aux × coefficient × factor`, rounded once to the scale.
    pub fn score(
        &self,
        kind: CaseType,
        group: Group,
        aux: i128,
        coefficient: Decimal,
        cost: i128,
        avg: i128,
    ) -> Result<i128, Overflow> {
        let k = if group.basic { self.basic_factor } else { Dec::from(coefficient) };
        // score × aux are at 4 decimals each, k at k.scale: base = num / 10^(8 + k.scale)
        let num = mul(mul(group.score, aux, "a case score")?, k.mantissa, "a case score")?;
        let den = pow10(2 * SCALE + k.scale)?;
        let (num, den) = match kind {
            CaseType::Normal => (num, den),
            CaseType::Low => (mul(num, cost, "a case score")?, mul(den, avg, "a case score")?),
            CaseType::High | CaseType::Extreme => {
                (mul(num, cost - avg, "a case score")?, mul(den, avg, "a case score")?)
            }
            CaseType::Special | CaseType::AtCost => unreachable!("special and at-cost cases are not scored"),
        };
        let at_scale = div_round(mul(num, pow10(self.scale)?, "a case score")?, den, self.rounding);
        mul(at_scale, pow10(SCALE - self.scale)?, "a case score")
    }
}

/// A case as scored: its type, score (internal fixed point) and, for an outlier-checked case,
/// the average it was compared with and r.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scored {
    /// The case's type.
    pub kind: CaseType,
    /// The case's score, internal fixed point.
    pub score: i128,
    /// The average cost of its group and level, when looked up.
    pub avg: Option<i128>,
    /// r at [`RATIO_SCALE`] decimals.
    pub ratio: Option<i128>,
}

/// Why a case cannot be scored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unscorable {
    /// No group (or a group of score 0) while `dip.score.ungrouped = "error"`.
    Ungrouped,
    /// The (group, level) pair has no average cost.
    NoAverage,
    /// A product beyond 128 bits.
    Overflow(Overflow),
}

impl From<Overflow> for Unscorable {
    fn from(e: Overflow) -> Self {
        Unscorable::Overflow(e)
    }
}

impl Scorer {
    /// Scores one case (steps 1–3): `special` is its special_score, `group` its catalogue entry
    /// (`None` when dip_group is empty), `avg` the average of its (group, level).
    pub fn case(
        &self,
        special: Option<i128>,
        group: Option<Group>,
        (aux, coefficient, level): (i128, Decimal, &str),
        cost: i128,
        avg: Option<i128>,
    ) -> Result<Scored, Unscorable> {
        if let Some(score) = special {
            return Ok(Scored { kind: CaseType::Special, score, avg: None, ratio: None });
        }
        let group = match group {
            Some(g) if g.score != 0 => g,
            _ if self.ungrouped_at_cost => {
                return Ok(Scored { kind: CaseType::AtCost, score: 0, avg: None, ratio: None })
            }
            _ => return Err(Unscorable::Ungrouped),
        };
        let avg = avg.ok_or(Unscorable::NoAverage)?;
        let kind = self.outlier(level, cost, avg)?;
        let score = self.score(kind, group, aux, coefficient, cost, avg)?;
        Ok(Scored { kind, score, avg: Some(avg), ratio: Some(ratio(cost, avg)?) })
    }
}

/// r = cost / avg at [`RATIO_SCALE`] decimals, half_even.
pub fn ratio(cost: i128, avg: i128) -> Result<i128, Overflow> {
    Ok(div_round(mul(cost, pow10(RATIO_SCALE)?, "a cost ratio")?, avg, Rounding::HalfEven))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::number::ONE;

    fn scorer(low_inclusive: bool, high_inclusive: bool) -> Scorer {
        let mut config = Config::default();
        config.dip.outliers.low_inclusive = low_inclusive;
        config.dip.outliers.high_inclusive = high_inclusive;
        Scorer::new(&config)
    }

    /// docs/dip.md: group score 800, coefficient 1.05, aux 1.10, average 9,000.
    #[test]
    fn hand_checked_scores_of_every_outlier_type() {
        let s = scorer(true, true);
        let group = Group { score: 800 * ONE, basic: false };
        let k = Decimal::new(105, 2);
        let avg = 9_000 * ONE;
        let cases = [
            (3_600, CaseType::Low, 369_6000),
            (4_500, CaseType::Low, 462_0000),
            (9_000, CaseType::Normal, 924_0000),
            (18_000, CaseType::High, 924_0000),
            (27_000, CaseType::High, 1_848_0000),
            (54_000, CaseType::Extreme, 4_620_0000),
        ];
        for (cost, kind, score) in cases {
            let cost = cost * ONE;
            assert_eq!(s.outlier("3", cost, avg).unwrap(), kind, "cost {cost}");
            assert_eq!(s.score(kind, group, 11_000, k, cost, avg).unwrap(), score, "cost {cost}");
        }
    }

    #[test]
    fn bounds_inclusive_and_exclusive() {
        let avg = 9_000 * ONE;
        let (inc, exc) = (scorer(true, true), scorer(false, false));
        // exactly at low (0.5) and high (2)
        assert_eq!(inc.outlier("3", 4_500 * ONE, avg).unwrap(), CaseType::Low);
        assert_eq!(exc.outlier("3", 4_500 * ONE, avg).unwrap(), CaseType::Normal);
        assert_eq!(inc.outlier("3", 18_000 * ONE, avg).unwrap(), CaseType::High);
        assert_eq!(exc.outlier("3", 18_000 * ONE, avg).unwrap(), CaseType::Normal);
        // one fen beside the bounds
        assert_eq!(exc.outlier("3", 4_500 * ONE - 100, avg).unwrap(), CaseType::Low);
        assert_eq!(inc.outlier("3", 4_500 * ONE + 100, avg).unwrap(), CaseType::Normal);
        assert_eq!(exc.outlier("3", 18_000 * ONE + 100, avg).unwrap(), CaseType::High);
        assert_eq!(inc.outlier("3", 18_000 * ONE - 100, avg).unwrap(), CaseType::Normal);
        // extreme is strictly above 5: at 5 a high case, just above an extreme one
        assert_eq!(inc.outlier("3", 45_000 * ONE, avg).unwrap(), CaseType::High);
        assert_eq!(inc.outlier("3", 45_000 * ONE + 100, avg).unwrap(), CaseType::Extreme);
        let mut config = Config::default();
        config.dip.outliers.extreme = None;
        assert_eq!(Scorer::new(&config).outlier("3", 90_000 * ONE, avg).unwrap(), CaseType::High);
    }

    #[test]
    fn basic_groups_take_the_basic_factor_not_the_level_coefficient() {
        let s = scorer(true, true);
        let basic = Group { score: 500 * ONE, basic: true };
        assert_eq!(s.score(CaseType::Normal, basic, ONE, Decimal::new(13, 1), 0, ONE).unwrap(), 500 * ONE);
        let mut config = Config::default();
        config.dip.score.basic_factor = Decimal::new(9, 1);
        let s = Scorer::new(&config);
        assert_eq!(s.score(CaseType::Normal, basic, ONE, Decimal::new(13, 1), 0, ONE).unwrap(), 450 * ONE);
    }

    #[test]
    fn one_rounding_at_the_score_scale() {
        // 333.3333 × 1 × 1 × r (1/3): 111.11111 → 111.1111 at 4 decimals, 111 at 0
        let group = Group { score: 333_3333, basic: false };
        let s = scorer(true, true);
        assert_eq!(s.score(CaseType::Low, group, ONE, Decimal::ONE, ONE, 3 * ONE).unwrap(), 111_1111);
        let mut config = Config::default();
        config.dip.score.scale = 0;
        let s = Scorer::new(&config);
        assert_eq!(s.score(CaseType::Low, group, ONE, Decimal::ONE, ONE, 3 * ONE).unwrap(), 111 * ONE);
        assert_eq!(ratio(ONE, 3 * ONE).unwrap(), 333_333);
        assert_eq!(ratio(2 * ONE, 3 * ONE).unwrap(), 666_667);
    }

    #[test]
    fn special_and_at_cost_cases() {
        let s = scorer(true, true);
        let g = Group { score: 800 * ONE, basic: false };
        let k = Decimal::ONE;
        let special = s.case(Some(1_234_5678), Some(g), (ONE, k, "3"), ONE, None).unwrap();
        assert_eq!((special.kind, special.score, special.ratio), (CaseType::Special, 1_234_5678, None));
        let ungrouped = s.case(None, None, (ONE, k, "3"), ONE, None).unwrap();
        assert_eq!((ungrouped.kind, ungrouped.score), (CaseType::AtCost, 0));
        let zero = s.case(None, Some(Group { score: 0, basic: false }), (ONE, k, "3"), ONE, None).unwrap();
        assert_eq!(zero.kind, CaseType::AtCost);
        assert_eq!(s.case(None, Some(g), (ONE, k, "3"), ONE, None), Err(Unscorable::NoAverage));
        let mut config = Config::default();
        config.dip.score.ungrouped = crate::dip::config::Ungrouped::Error;
        assert_eq!(Scorer::new(&config).case(None, None, (ONE, k, "3"), ONE, None), Err(Unscorable::Ungrouped));
    }
}
