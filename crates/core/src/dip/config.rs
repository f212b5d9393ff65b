//! The `[dip.*]` policy keys (docs/dip.md, Config). Every key optional; unknown keys are errors.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::number::{decimal_text, Dec, Decimal};

/// `[dip.*]`: the policy of the DIP commands.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DipConfig {
    /// `[dip.score]`: how a case is scored.
    pub score: ScoreConfig,
    /// `[dip.outliers]`: the cost-outlier bounds.
    pub outliers: OutlierConfig,
    /// `[dip.point_value]`: what the point value is quoted on.
    pub point_value: DipPointValueConfig,
    /// `[dip.special]`: the quota of special cases.
    pub special: SpecialConfig,
    /// `[dip.clearing]`: the surplus and overspend corridors and the assessment.
    pub clearing: ClearingConfig,
    /// `[dip.presettle]`: the monthly payments.
    pub presettle: PresettleConfig,
    /// `[dip.watch]`: the execution watch.
    pub watch: WatchConfig,
    /// `[dip.assessment]`: the indicators' weights and the grades of the year's assessment.
    pub assessment: crate::dip::assessment::AssessmentConfig,
}

/// `[dip.score]`: the decimals of a score, basic groups, ungrouped cases.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ScoreConfig {
    /// Decimals of a case score (0–4), rounded once with money.rounding.
    #[serde(deserialize_with = "crate::config::decimals")]
    pub scale: u32,
    /// Replaces the level coefficient for groups of kind `basic` (基层病种).
    #[serde(with = "decimal_text")]
    pub basic_factor: Decimal,
    /// What a case without a group is.
    pub ungrouped: Ungrouped,
}

impl Default for ScoreConfig {
    fn default() -> Self {
        ScoreConfig { scale: 4, basic_factor: Decimal::ONE, ungrouped: Ungrouped::AtCost }
    }
}

/// What a case without a group (or of a group scoring 0) is.
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OutlierConfig {
    /// r below this is a low case.
    #[serde(with = "decimal_text")]
    pub low: Decimal,
    /// "以下" includes the bound: r = low is a low case.
    pub low_inclusive: bool,
    /// r above this is a high case.
    #[serde(with = "decimal_text")]
    pub high: Decimal,
    /// Whether r = high is a high case.
    pub high_inclusive: bool,
    /// r strictly above is extreme (scored as high, flagged for review); "" disables.
    #[serde(with = "decimal_text::optional")]
    pub extreme: Option<Decimal>,
    /// `[dip.outliers.levels."3"]`: bounds for the cases of hospitals of one level (the label
    /// as text); a key not given there is the general one.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub levels: BTreeMap<String, LevelOutliers>,
}

/// The outlier keys one hospital level overrides; each absent key is the general one.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LevelOutliers {
    /// r below this is a low case.
    #[serde(with = "decimal_text::optional", skip_serializing_if = "Option::is_none")]
    pub low: Option<Decimal>,
    /// Whether r = low is a low case.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub low_inclusive: Option<bool>,
    /// r above this is a high case.
    #[serde(with = "decimal_text::optional", skip_serializing_if = "Option::is_none")]
    pub high: Option<Decimal>,
    /// Whether r = high is a high case.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub high_inclusive: Option<bool>,
    /// r strictly above is extreme; "" disables it at this level.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extreme: Option<String>,
}

/// Bounds as one case is classified by them (the general ones, or a level's).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bounds {
    /// r below this is a low case.
    pub low: Decimal,
    /// Whether r = low is low.
    pub low_inclusive: bool,
    /// r above this is a high case.
    pub high: Decimal,
    /// Whether r = high is high.
    pub high_inclusive: bool,
    /// r strictly above is extreme.
    pub extreme: Option<Decimal>,
}

impl OutlierConfig {
    /// The general bounds.
    pub fn general(&self) -> Bounds {
        Bounds {
            low: self.low,
            low_inclusive: self.low_inclusive,
            high: self.high,
            high_inclusive: self.high_inclusive,
            extreme: self.extreme,
        }
    }

    /// The bounds of a level: its keys over the general ones (its `extreme` read as text).
    pub fn level(&self, level: &str) -> Result<Bounds, String> {
        let g = self.general();
        let Some(l) = self.levels.get(level) else { return Ok(g) };
        let extreme = match &l.extreme {
            None => g.extreme,
            Some(t) if t.trim().is_empty() => None,
            Some(t) => Some(
                crate::number::parse_decimal(t)
                    .map_err(|e| format!("dip.outliers.levels.\"{level}\".extreme = \"{t}\": {e}"))?,
            ),
        };
        Ok(Bounds {
            low: l.low.unwrap_or(g.low),
            low_inclusive: l.low_inclusive.unwrap_or(g.low_inclusive),
            high: l.high.unwrap_or(g.high),
            high_inclusive: l.high_inclusive.unwrap_or(g.high_inclusive),
            extreme,
        })
    }
}

impl Default for OutlierConfig {
    fn default() -> Self {
        OutlierConfig {
            low: Decimal::new(5, 1),
            low_inclusive: true,
            high: Decimal::TWO,
            high_inclusive: true,
            extreme: Some(Decimal::new(5, 0)),
            levels: BTreeMap::new(),
        }
    }
}

/// `[dip.point_value]`: the basis the point value is quoted on.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DipPointValueConfig {
    /// The fund's money per score, or per unit of total cost.
    pub basis: Basis,
}

/// What the point value is quoted on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// PV = money / Σ scores; the fund pays score × PV.
    #[default]
    Fund,
    /// PV = money / payment_ratio / Σ scores; the fund pays score × PV × payment_ratio.
    TotalCost,
}

/// `[dip.special]`: special cases (特例单议).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SpecialConfig {
    /// Special cases (特例单议) may be at most quota × the pool's cases (千分之五).
    #[serde(with = "decimal_text")]
    pub quota: Decimal,
}

impl Default for SpecialConfig {
    fn default() -> Self {
        SpecialConfig { quota: Decimal::new(5, 3) }
    }
}

/// `[dip.clearing]`: year-end clearing (结余留用、合理超支分担).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ClearingConfig {
    /// Bands of (P − A) / P: the share of the surplus the hospital keeps (结余留用).
    pub surplus: Vec<SurplusBand>,
    /// Bands of (A − P) / P: the share of the overspend the fund bears (合理超支分担).
    pub overspend: Vec<OverspendBand>,
    /// How the assessment releases the withheld reserve.
    pub assessment: AssessmentMode,
    /// Whether overspend shares are cut to what the reserve and the surplus hospitals' savings
    /// hold (以收定支: a year never pays more than its budget).
    pub over_reserve: OverReserve,
}

/// What happens when the overspend shares exceed the reserve and the savings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OverReserve {
    /// Every share is cut in proportion, to the unit by largest remainder: the draw is the reserve.
    #[default]
    Prorate,
    /// Nothing is cut; the pool's status says the reserve was overdrawn.
    Allow,
}

impl Default for ClearingConfig {
    fn default() -> Self {
        ClearingConfig {
            surplus: vec![SurplusBand { up_to: Decimal::ONE, keep: Decimal::ONE }],
            overspend: vec![OverspendBand { up_to: Decimal::ONE, fund_share: Decimal::ZERO }],
            assessment: AssessmentMode::Withheld,
            over_reserve: OverReserve::Prorate,
        }
    }
}

/// One band of the surplus corridor.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SurplusBand {
    /// The band reaches this share of the payment.
    #[serde(with = "decimal_text")]
    pub up_to: Decimal,
    /// The share of the band's surplus the hospital keeps.
    #[serde(with = "decimal_text")]
    pub keep: Decimal,
}

/// One band of the overspend corridor.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OverspendBand {
    /// The band reaches this share of the payment.
    #[serde(with = "decimal_text")]
    pub up_to: Decimal,
    /// The share of the band's overspend the fund bears.
    #[serde(with = "decimal_text")]
    pub fund_share: Decimal,
}

/// How a hospital's assessment enters what it is due.
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

/// `[dip.presettle]`: the monthly payments during the year.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PresettleConfig {
    /// What a month's payment is computed from.
    pub basis: PresettleBasis,
    /// Share of the basis paid monthly before withholding.
    #[serde(with = "decimal_text")]
    pub advance_ratio: Decimal,
    /// Quality reserve (质量保证金) withheld from each monthly payment; at most 0.05.
    #[serde(with = "decimal_text")]
    pub withhold_rate: Decimal,
}

impl Default for PresettleConfig {
    fn default() -> Self {
        PresettleConfig { basis: PresettleBasis::Items, advance_ratio: Decimal::ONE, withhold_rate: Decimal::new(5, 2) }
    }
}

/// The execution watch (预算执行监控): warning levels on a pool's share of the budget used, and
/// the per-hospital indicators of cost growth and exam share.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WatchConfig {
    /// Blue (the first, mildest level); "" leaves it off.
    #[serde(with = "decimal_text::optional")]
    pub blue: Option<Decimal>,
    /// Yellow: a pool's share of its budget used at or above this.
    #[serde(with = "decimal_text")]
    pub yellow: Decimal,
    /// Red: a pool's share of its budget used at or above this.
    #[serde(with = "decimal_text")]
    pub red: Decimal,
    /// 次均费用增长率: a hospital's cost per case may grow this much on last year's.
    #[serde(with = "decimal_text")]
    pub max_cost_growth: Decimal,
    /// 检查检验占比: exam and lab cost's share of the total cost.
    #[serde(with = "decimal_text")]
    pub max_exam_share: Decimal,
    /// 序时进度: yellow when the share used runs this far ahead of the year's time elapsed.
    #[serde(with = "decimal_text")]
    pub pace_yellow: Decimal,
    /// Red when the share used runs this far ahead of the time elapsed.
    #[serde(with = "decimal_text")]
    pub pace_red: Decimal,
}

impl Default for WatchConfig {
    fn default() -> Self {
        WatchConfig {
            blue: None,
            yellow: Decimal::new(8, 1),
            red: Decimal::ONE,
            max_cost_growth: Decimal::new(5, 2),
            max_exam_share: Decimal::new(2, 1),
            pace_yellow: Decimal::new(105, 2),
            pace_red: Decimal::new(11, 1),
        }
    }
}

/// What a monthly payment is based on.
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
        let cmp = |a: Dec, b: Dec| a.cmp_exact(b).map_err(|e| e.to_string());
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
            if v.is_negative() || cmp(v, one)?.is_gt() {
                return Err(format!("{key} = \"{v}\" must be between 0 and 1"));
            }
            Ok(())
        };
        if self.score.scale > 4 {
            return Err(format!("dip.score.scale = {} is out of range: scores have 0 to 4 decimals", self.score.scale));
        }
        positive("dip.score.basic_factor", self.score.basic_factor.into())?;
        // the general bounds, then each level's as its keys make them
        let levels = std::iter::once((String::from("dip.outliers"), self.outliers.general())).chain(
            self.outliers
                .levels
                .keys()
                .map(|l| Ok((format!("dip.outliers.levels.\"{l}\""), self.outliers.level(l)?)))
                .collect::<Result<Vec<_>, String>>()?,
        );
        for (at, o) in levels {
            let (low, high) = (Dec::from(o.low), Dec::from(o.high));
            at_most(&format!("{at}.low"), low, FACTOR_DECIMALS)?;
            if low.is_negative() {
                return Err(format!("{at}.low = \"{low}\" must be ≥ 0"));
            }
            positive(&format!("{at}.high"), high)?;
            if cmp(high, low)?.is_le() {
                return Err(format!("{at}.high = \"{high}\" must be above its low = \"{low}\""));
            }
            if let Some(x) = o.extreme.map(Dec::from) {
                positive(&format!("{at}.extreme"), x)?;
                if cmp(x, high)?.is_le() {
                    return Err(format!(
                        "{at}.extreme = \"{x}\" must be above its high = \"{high}\" (or \"\" to disable)"
                    ));
                }
            }
        }
        share("dip.special.quota", self.special.quota.into())?;
        let c = &self.clearing;
        bands("dip.clearing.surplus", c.surplus.iter().map(|b| (b.up_to, b.keep)), "keep", &share)?;
        bands("dip.clearing.overspend", c.overspend.iter().map(|b| (b.up_to, b.fund_share)), "fund_share", &share)?;
        let p = &self.presettle;
        let (advance, withhold) = (Dec::from(p.advance_ratio), Dec::from(p.withhold_rate));
        share("dip.presettle.advance_ratio", advance)?;
        if !advance.is_positive() {
            return Err(format!("dip.presettle.advance_ratio = \"{advance}\" must be > 0"));
        }
        at_most("dip.presettle.withhold_rate", withhold, FACTOR_DECIMALS)?;
        if withhold.is_negative() || cmp(withhold, Dec::new(5, 2))?.is_gt() {
            return Err(format!(
                "dip.presettle.withhold_rate = \"{withhold}\" is out of range: the national rule caps the quality \
                 reserve withheld from monthly payments at 5% (0.05)"
            ));
        }
        let w = &self.watch;
        let (yellow, red) = (Dec::from(w.yellow), Dec::from(w.red));
        positive("dip.watch.yellow", yellow)?;
        positive("dip.watch.red", red)?;
        if cmp(red, yellow)?.is_le() {
            return Err(format!("dip.watch.red = \"{red}\" must be above dip.watch.yellow = \"{yellow}\""));
        }
        if let Some(blue) = w.blue.map(Dec::from) {
            positive("dip.watch.blue", blue)?;
            if cmp(yellow, blue)?.is_le() {
                return Err(format!(
                    "dip.watch.blue = \"{blue}\" must be below dip.watch.yellow = \"{yellow}\" (or \"\" to leave it off)"
                ));
            }
        }
        let growth = Dec::from(w.max_cost_growth);
        at_most("dip.watch.max_cost_growth", growth, FACTOR_DECIMALS)?;
        if cmp(growth, Dec::new(-1, 0))?.is_le() {
            return Err(format!("dip.watch.max_cost_growth = \"{growth}\" must be above -1"));
        }
        share("dip.watch.max_exam_share", w.max_exam_share.into())?;
        self.assessment.validate()?;
        let (pace_yellow, pace_red) = (Dec::from(w.pace_yellow), Dec::from(w.pace_red));
        positive("dip.watch.pace_yellow", pace_yellow)?;
        positive("dip.watch.pace_red", pace_red)?;
        if cmp(pace_red, pace_yellow)?.is_le() {
            return Err(format!(
                "dip.watch.pace_red = \"{pace_red}\" must be above dip.watch.pace_yellow = \"{pace_yellow}\""
            ));
        }
        Ok(())
    }
}

/// Bands with `up_to` rising above 0, each share in [0, 1].
fn bands(
    key: &str,
    bands: impl Iterator<Item = (Decimal, Decimal)>,
    share_name: &str,
    share: &dyn Fn(&str, Dec) -> Result<(), String>,
) -> Result<(), String> {
    let mut previous = Dec::ZERO;
    for (n, (up_to, s)) in bands.enumerate() {
        let (up_to, s) = (Dec::from(up_to), Dec::from(s));
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
