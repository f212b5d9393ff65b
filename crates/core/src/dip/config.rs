//! The `[dip.*]` policy keys (CONTRACT §6, Config). Every key optional; unknown keys are errors.

use serde::{Deserialize, Serialize};

use crate::number::Dec;

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DipConfig {
    pub score: ScoreConfig,
    pub outliers: OutlierConfig,
    pub point_value: DipPointValueConfig,
    pub special: SpecialConfig,
    pub clearing: ClearingConfig,
    pub presettle: PresettleConfig,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ScoreConfig {
    /// Decimals of a case score (0–4), rounded once with money.rounding.
    pub scale: u32,
    /// Replaces the level coefficient for groups of kind `basic` (基层病种).
    pub basic_factor: Dec,
    pub ungrouped: Ungrouped,
}

impl Default for ScoreConfig {
    fn default() -> Self {
        ScoreConfig { scale: 4, basic_factor: Dec::new(1, 0), ungrouped: Ungrouped::AtCost }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Ungrouped {
    /// An empty dip_group (or a group of score 0) is paid its fund_paid outside the points.
    #[default]
    AtCost,
    /// Such a case is an error naming it.
    Error,
}

/// Cost-outlier bounds on r = total_cost / avg_cost (费用偏差病例).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OutlierConfig {
    pub low: Dec,
    /// "以下" includes the bound: r = low is a low case.
    pub low_inclusive: bool,
    pub high: Dec,
    pub high_inclusive: bool,
    /// r strictly above is extreme (scored as high, flagged for review); "" disables.
    #[serde(with = "optional_dec")]
    pub extreme: Option<Dec>,
}

impl Default for OutlierConfig {
    fn default() -> Self {
        OutlierConfig {
            low: Dec::new(5, 1),
            low_inclusive: true,
            high: Dec::new(2, 0),
            high_inclusive: true,
            extreme: Some(Dec::new(5, 0)),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DipPointValueConfig {
    pub basis: Basis,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// PV = money / Σ scores; the fund pays score × PV.
    #[default]
    Fund,
    /// PV = money / payment_ratio / Σ scores; the fund pays score × PV × payment_ratio.
    TotalCost,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SpecialConfig {
    /// Special cases (特例单议) may be at most quota × the pool's cases (千分之五).
    pub quota: Dec,
}

impl Default for SpecialConfig {
    fn default() -> Self {
        SpecialConfig { quota: Dec::new(5, 3) }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ClearingConfig {
    /// Bands of (P − A) / P: the share of the surplus the hospital keeps (结余留用).
    pub surplus: Vec<SurplusBand>,
    /// Bands of (A − P) / P: the share of the overspend the fund bears (合理超支分担).
    pub overspend: Vec<OverspendBand>,
    pub assessment: AssessmentMode,
}

impl Default for ClearingConfig {
    fn default() -> Self {
        ClearingConfig {
            surplus: vec![SurplusBand { up_to: Dec::new(1, 0), keep: Dec::new(1, 0) }],
            overspend: vec![OverspendBand { up_to: Dec::new(1, 0), fund_share: Dec::new(0, 0) }],
            assessment: AssessmentMode::Withheld,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SurplusBand {
    pub up_to: Dec,
    pub keep: Dec,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OverspendBand {
    pub up_to: Dec,
    pub fund_share: Dec,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AssessmentMode {
    /// due = E + at_cost − withheld × (1 − assessment): the assessment releases the withholding.
    #[default]
    Withheld,
    /// The assessment scales the kept surplus.
    Surplus,
    /// due = E × assessment + at_cost.
    Entitlement,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PresettleConfig {
    pub basis: PresettleBasis,
    /// Share of the basis paid monthly before withholding.
    pub advance_ratio: Dec,
    /// Quality reserve (质量保证金) withheld from each monthly payment; at most 0.05.
    pub withhold_rate: Dec,
}

impl Default for PresettleConfig {
    fn default() -> Self {
        PresettleConfig { basis: PresettleBasis::Items, advance_ratio: Dec::new(1, 0), withhold_rate: Dec::new(5, 2) }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PresettleBasis {
    /// The month's fund_paid, item by item.
    #[default]
    Items,
    /// The month's scores × the published point value.
    Scores,
}

/// Most decimals accepted in a factor, bound or share (keeps every exact product in 128 bits).
const FACTOR_DECIMALS: u32 = 6;

impl DipConfig {
    /// Ranges and orderings serde cannot check; names the key at fault.
    pub fn validate(&self) -> Result<(), String> {
        let one = Dec::new(1, 0);
        let at_most = |key: &str, v: Dec, decimals: u32| -> Result<(), String> {
            if v.normalized().scale > decimals {
                return Err(format!("{key} = \"{v}\" has more than {decimals} decimals"));
            }
            Ok(())
        };
        let positive = |key: &str, v: Dec| -> Result<(), String> {
            at_most(key, v, FACTOR_DECIMALS)?;
            if !v.is_positive() {
                return Err(format!("{key} = \"{v}\" must be > 0"));
            }
            Ok(())
        };
        let share = |key: &str, v: Dec| -> Result<(), String> {
            at_most(key, v, FACTOR_DECIMALS)?;
            if v.is_negative() || v.cmp_exact(one).map_err(|e| e.to_string())?.is_gt() {
                return Err(format!("{key} = \"{v}\" must be between 0 and 1"));
            }
            Ok(())
        };
        if self.score.scale > 4 {
            return Err(format!("dip.score.scale = {} is out of range: scores have 0 to 4 decimals", self.score.scale));
        }
        positive("dip.score.basic_factor", self.score.basic_factor)?;
        let o = &self.outliers;
        at_most("dip.outliers.low", o.low, FACTOR_DECIMALS)?;
        if o.low.is_negative() {
            return Err(format!("dip.outliers.low = \"{}\" must be ≥ 0", o.low));
        }
        positive("dip.outliers.high", o.high)?;
        if o.high.cmp_exact(o.low).map_err(|e| e.to_string())?.is_le() {
            return Err(format!("dip.outliers.high = \"{}\" must be above dip.outliers.low = \"{}\"", o.high, o.low));
        }
        if let Some(x) = o.extreme {
            positive("dip.outliers.extreme", x)?;
            if x.cmp_exact(o.high).map_err(|e| e.to_string())?.is_le() {
                return Err(format!(
                    "dip.outliers.extreme = \"{x}\" must be above dip.outliers.high = \"{}\" (or \"\" to disable)",
                    o.high
                ));
            }
        }
        share("dip.special.quota", self.special.quota)?;
        let c = &self.clearing;
        bands("dip.clearing.surplus", c.surplus.iter().map(|b| (b.up_to, b.keep)), "keep", &share)?;
        bands("dip.clearing.overspend", c.overspend.iter().map(|b| (b.up_to, b.fund_share)), "fund_share", &share)?;
        let p = &self.presettle;
        share("dip.presettle.advance_ratio", p.advance_ratio)?;
        if !p.advance_ratio.is_positive() {
            return Err(format!("dip.presettle.advance_ratio = \"{}\" must be > 0", p.advance_ratio));
        }
        at_most("dip.presettle.withhold_rate", p.withhold_rate, FACTOR_DECIMALS)?;
        if p.withhold_rate.is_negative()
            || p.withhold_rate.cmp_exact(Dec::new(5, 2)).map_err(|e| e.to_string())?.is_gt()
        {
            return Err(format!(
                "dip.presettle.withhold_rate = \"{}\" is out of range: the national rule caps the quality reserve \
                 withheld from monthly payments at 5% (0.05)",
                p.withhold_rate
            ));
        }
        Ok(())
    }
}

/// Bands with `up_to` rising above 0, each share in [0, 1].
fn bands(
    key: &str,
    bands: impl Iterator<Item = (Dec, Dec)>,
    share_name: &str,
    share: &dyn Fn(&str, Dec) -> Result<(), String>,
) -> Result<(), String> {
    let mut previous = Dec::ZERO;
    for (n, (up_to, s)) in bands.enumerate() {
        if up_to.normalized().scale > FACTOR_DECIMALS {
            return Err(format!("{key}[{n}].up_to = \"{up_to}\" has more than {FACTOR_DECIMALS} decimals"));
        }
        if up_to.cmp_exact(previous).map_err(|e| e.to_string())?.is_le() {
            return Err(format!(
                "{key} must have rising up_to above 0: {key}[{n}].up_to = \"{up_to}\" is not above \"{previous}\""
            ));
        }
        share(&format!("{key}[{n}].{share_name}"), s)?;
        previous = up_to;
    }
    Ok(())
}

/// An optional decimal written as a string; "" is none.
mod optional_dec {
    use super::*;
    pub fn serialize<S: serde::Serializer>(v: &Option<Dec>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(d) => d.serialize(s),
            None => s.serialize_str(""),
        }
    }
    pub fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Dec>, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Option<Dec>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a decimal written as a string (e.g. \"5\"), or \"\" for none")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Option<Dec>, E> {
                if v.trim().is_empty() {
                    return Ok(None);
                }
                v.parse().map(Some).map_err(E::custom)
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Option<Dec>, E> {
                Ok(Some(Dec::new(i128::from(v), 0)))
            }
        }
        d.deserialize_any(V)
    }
}
