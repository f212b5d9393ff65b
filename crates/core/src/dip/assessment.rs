//! The year's assessment from indicators (年度考核, docs/dip.md, "The assessment"): each
//! hospital's indicator scores weighted into a total, the total graded into the coefficient that
//! releases its withheld reserve (or scales its surplus or entitlement).
//!
//! ```text
//! total       = Σ weight_i × score_i        (exact; weights sum to 1, scores in [0, 100])
//! coefficient = the first grade with total ≥ min   (grades' mins falling)
//! ```

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::number::{decimal_text, div_round, mul, pow10, Dec, Decimal, Overflow, Rounding};

/// `[dip.assessment]`: the weights of the indicators and the grades of the total.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AssessmentConfig {
    /// Each indicator's weight (summing to 1); empty: no `--assessment` is read.
    #[serde(with = "decimal_text::map")]
    pub weights: BTreeMap<String, Decimal>,
    /// Grades, mins falling: the first whose min the total reaches gives the coefficient.
    pub grades: Vec<Grade>,
}

/// One grade of the total.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Grade {
    /// The least total of the grade.
    #[serde(with = "decimal_text")]
    pub min: Decimal,
    /// The assessment coefficient of the grade.
    #[serde(with = "decimal_text")]
    pub coefficient: Decimal,
}

impl Default for AssessmentConfig {
    fn default() -> Self {
        let grade = |min: i64, c: i64, s: u32| Grade { min: Decimal::new(min, 0), coefficient: Decimal::new(c, s) };
        AssessmentConfig {
            weights: BTreeMap::new(),
            grades: vec![grade(90, 1, 0), grade(80, 98, 2), grade(70, 95, 2), grade(0, 9, 1)],
        }
    }
}

impl AssessmentConfig {
    /// Weights in [0, 1] summing to 1 exactly; grades with mins falling in [0, 100] and
    /// coefficients ≥ 0. Names the key at fault.
    pub fn validate(&self) -> Result<(), String> {
        if !self.weights.is_empty() {
            let mut sum = Dec::ZERO;
            for (name, w) in &self.weights {
                let w = Dec::from(*w);
                if w.is_negative() || w.cmp_exact(Dec::new(1, 0)).map_err(|e| e.to_string())?.is_gt() || w.scale > 6 {
                    return Err(format!(
                        "dip.assessment.weights.{name} = \"{w}\" must be between 0 and 1 (at most 6 decimals)"
                    ));
                }
                sum = sum.plus(w).map_err(|e| e.to_string())?;
            }
            if sum.cmp_exact(Dec::new(1, 0)).map_err(|e| e.to_string())?.is_ne() {
                return Err(format!(
                    "dip.assessment.weights sum to {sum}, not 1; the weights share the total among the indicators"
                ));
            }
        }
        if self.grades.is_empty() {
            return Err(
                "dip.assessment.grades is empty; give at least one grade, e.g. [{ min = \"0\", coefficient = \"1\" }]"
                    .into(),
            );
        }
        let mut previous: Option<Dec> = None;
        for (n, g) in self.grades.iter().enumerate() {
            let (min, c) = (Dec::from(g.min), Dec::from(g.coefficient));
            let at = format!("dip.assessment.grades[{}]", n + 1);
            if min.is_negative() || min.cmp_exact(Dec::new(100, 0)).map_err(|e| e.to_string())?.is_gt() || min.scale > 2
            {
                return Err(format!("{at}: min = \"{min}\" must be a score from 0 to 100 (at most 2 decimals)"));
            }
            if c.is_negative() || c.scale > 4 {
                return Err(format!("{at}: coefficient = \"{c}\" must be ≥ 0 with at most 4 decimals"));
            }
            if let Some(p) = previous {
                if !min.cmp_exact(p).map_err(|e| e.to_string())?.is_lt() {
                    return Err(format!(
                        "{at}: min = \"{min}\" must be below the grade before it (\"{p}\"): grades fall"
                    ));
                }
            }
            previous = Some(min);
        }
        Ok(())
    }

    /// The total of one hospital's indicator `scores` (internal fixed point, 4 decimals) as an
    /// exact fraction `(num, den)`, and its grade's coefficient (`None` below every grade).
    pub fn grade(&self, scores: &BTreeMap<String, i128>) -> Result<((i128, i128), Option<Decimal>), Overflow> {
        let scale = self.weights.values().map(|w| Dec::from(*w).scale).max().unwrap_or(0);
        let mut num = 0i128;
        for (name, w) in &self.weights {
            let w = Dec::from(*w);
            let s = scores.get(name).copied().unwrap_or(0);
            let w = mul(w.mantissa, pow10(scale - w.scale)?, "an assessment total")?;
            num = crate::number::add(num, mul(w, s, "an assessment total")?, "an assessment total")?;
        }
        let den = mul(pow10(scale)?, crate::number::ONE, "an assessment total")?;
        let mut coefficient = None;
        for g in &self.grades {
            let min = Dec::from(g.min);
            // total ≥ min ⇔ num × 10^s ≥ min_m × den
            if mul(num, pow10(min.scale)?, "a grade")? >= mul(min.mantissa, den, "a grade")? {
                coefficient = Some(g.coefficient);
                break;
            }
        }
        Ok(((num, den), coefficient))
    }
}

/// A total `(num, den)` at 2 decimals, half_even (as `assessment_score` is written).
pub fn at_two_decimals((num, den): (i128, i128)) -> Result<i128, Overflow> {
    Ok(div_round(mul(num, 100, "an assessment total")?, den, Rounding::HalfEven))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> AssessmentConfig {
        let d = |s: &str| crate::number::parse_decimal(s).unwrap();
        AssessmentConfig {
            weights: [("quality", "0.4"), ("cost", "0.3"), ("satisfaction", "0.3")]
                .iter()
                .map(|(k, v)| (k.to_string(), d(v)))
                .collect(),
            ..AssessmentConfig::default()
        }
    }

    /// docs/dip.md: quality 92 × 0.4 + cost 85 × 0.3 + satisfaction 70 × 0.3 = 83.3 → 0.98.
    #[test]
    fn the_worked_hospital_grades_to_0_98() {
        let one = crate::number::ONE;
        let scores = [("quality", 92 * one), ("cost", 85 * one), ("satisfaction", 70 * one)]
            .iter()
            .map(|(k, v)| (k.to_string(), *v))
            .collect();
        let c = config();
        c.validate().unwrap();
        let (total, grade) = c.grade(&scores).unwrap();
        assert_eq!(at_two_decimals(total).unwrap(), 8330);
        assert_eq!(grade, Some(Decimal::new(98, 2)));
        // exactly at a grade's min reaches it
        let at_90 = [("quality", 90 * one), ("cost", 90 * one), ("satisfaction", 90 * one)]
            .iter()
            .map(|(k, v)| (k.to_string(), *v))
            .collect();
        assert_eq!(c.grade(&at_90).unwrap().1, Some(Decimal::ONE));
    }

    #[test]
    fn weights_and_grades_are_checked() {
        let mut c = config();
        c.weights.insert("extra".into(), Decimal::new(1, 1));
        assert!(c.validate().unwrap_err().contains("sum to 1.1, not 1"));
        let mut c = config();
        c.grades.swap(0, 1);
        assert!(c.validate().unwrap_err().contains("grades fall"), "{}", c.validate().unwrap_err());
    }
}
