//! The policy a run is configured with (docs/settle.md and docs/taiwan-year.md). Every key is optional; unknown
//! keys are rejected so that a misspelt policy never silently falls back to a default.

use serde::{Deserialize, Serialize};

use crate::number::{decimal_text, Dec, Decimal, MoneyUnit, Rounding};

/// The whole policy: every key of the TOML config, each with its default.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// `[money]`: the currency unit and the rounding of money.
    pub money: MoneyConfig,
    /// `[point_value]`: the published point value's decimals and what floating amounts are paid with.
    pub point_value: PointValueConfig,
    /// `[reconcile]`: how the floating money is closed (report the residual, or largest remainder).
    pub reconcile: ReconcileConfig,
    /// `[fixed_value]`: money per drug and per protected-item point.
    pub fixed_value: FixedValueConfig,
    /// `[pool]`: what an infeasible pool does.
    pub pool: PoolConfig,
    /// `[interim]`: the monthly interim payments' ratios, cap and truncation.
    pub interim: InterimConfig,
    /// `[dip.*]`: the DIP commands' keys.
    pub dip: crate::dip::DipConfig,
}

/// `[money]`: the unit every amount is a multiple of, and how amounts are rounded to it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MoneyConfig {
    /// The currency unit (1, 0.1, 0.01 …).
    #[serde(with = "unit_text")]
    pub unit: MoneyUnit,
    /// The rounding of every amount to the unit.
    pub rounding: Rounding,
}

impl Default for MoneyConfig {
    fn default() -> Self {
        MoneyConfig { unit: MoneyUnit::WHOLE, rounding: Rounding::HalfUp }
    }
}

/// `[point_value]`: the decimals of the published value, whether payments use it, and the
/// caps of earmarked pools.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PointValueConfig {
    /// Decimals of the published point value.
    #[serde(deserialize_with = "decimals")]
    pub scale: u32,
    /// Whether floating amounts are F × published value or F × the exact quotient.
    pub pay_with: PayWith,
    /// `[[point_value.cap]]`: pools that pay at most a value a point (專款專用).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cap: Vec<PointValueCap>,
}

impl Default for PointValueConfig {
    fn default() -> Self {
        PointValueConfig { scale: 4, pay_with: PayWith::Published, cap: Vec::new() }
    }
}

/// A Taiwan pool (a sector, or a sector in one region) whose floating point value may not
/// exceed `value`: what the float leaves over stays in the pot as residual (專款專用).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PointValueCap {
    /// The sector capped.
    pub sector: String,
    /// The region, or every region of the sector.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// The most a floating point is paid.
    #[serde(with = "decimal_text")]
    pub value: Decimal,
}

impl PointValueConfig {
    /// The cap of a pool: the entry naming its sector and region, else the one naming its
    /// sector alone.
    pub fn cap_of(&self, sector: &str, region: &str) -> Option<Dec> {
        let of = |r: Option<&str>| self.cap.iter().find(|c| c.sector == sector && c.region.as_deref() == r);
        of(Some(region)).or_else(|| of(None)).map(|c| Dec::from(c.value))
    }
}

/// What a provider's floating amount is computed with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PayWith {
    /// Floating amounts use the published (rounded) point value.
    #[default]
    Published,
    /// Floating amounts use the exact quotient, rounded once per provider.
    Exact,
}

/// `[reconcile]`: how the pool's floating money is closed.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ReconcileConfig {
    /// Report the residual, or distribute it by largest remainder.
    pub mode: ReconcileMode,
}

/// How the floating money is closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReconcileMode {
    /// Round each provider; report the residual against the budget.
    #[default]
    Report,
    /// Hamilton's method: floating money is split to the unit exactly.
    LargestRemainder,
}

/// `[fixed_value]`: points paid at a fixed value outside the float.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FixedValueConfig {
    /// Money per drug point.
    #[serde(with = "decimal_text")]
    pub drug: Decimal,
    /// Money per protected-item point.
    #[serde(with = "decimal_text")]
    pub protected: Decimal,
}

impl Default for FixedValueConfig {
    fn default() -> Self {
        FixedValueConfig { drug: Decimal::ONE, protected: Decimal::ONE }
    }
}

/// `[pool]`: the treatment of pools whose fixed payments exceed the budget.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PoolConfig {
    /// Refuse an infeasible pool, or settle it at point value 0.
    pub on_infeasible: OnInfeasible,
}

/// What an infeasible pool (fixed payments and charges above the budget) does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OnInfeasible {
    /// Fail the run and name the pools whose fixed payments exceed the budget.
    #[default]
    Error,
    /// Settle such pools at point value 0 and report the negative residual.
    Zero,
}

/// `[interim]`: monthly interim payments (docs/taiwan-year.md).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct InterimConfig {
    /// The ratio paid to a provider with fewer than three months of review history.
    #[serde(with = "decimal_text")]
    pub new_provider_ratio: Decimal,
    /// The highest point value an interim payment uses.
    #[serde(with = "decimal_text")]
    pub point_value_cap: Decimal,
    /// Interim payments are truncated down to a multiple of this.
    #[serde(with = "decimal_text")]
    pub truncate_to: Decimal,
    /// Deduction-rate bands: the first whose max_rate is at least the provider's rate gives its ratio.
    pub bands: Vec<Band>,
}

/// One band of the interim ratio table.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Band {
    /// The highest deduction rate of the band.
    #[serde(with = "decimal_text")]
    pub max_rate: Decimal,
    /// The share of the gross paid to providers in the band.
    #[serde(with = "decimal_text")]
    pub ratio: Decimal,
}

impl Default for InterimConfig {
    fn default() -> Self {
        let d = |m, s| Decimal::new(m, s);
        InterimConfig {
            new_provider_ratio: d(85, 2),
            point_value_cap: d(1, 0),
            truncate_to: d(100, 0),
            bands: vec![
                Band { max_rate: d(1, 2), ratio: d(95, 2) },
                Band { max_rate: d(3, 2), ratio: d(90, 2) },
                Band { max_rate: d(1, 0), ratio: d(85, 2) },
            ],
        }
    }
}

impl Config {
    /// Checks the values serde cannot: ranges and orderings. Names the key at fault.
    pub fn validate(&self) -> Result<(), String> {
        if self.point_value.scale > 18 {
            return Err(format!(
                "point_value.scale = {} is out of range: use 0 to 18 decimals",
                self.point_value.scale
            ));
        }
        let mut seen = std::collections::BTreeSet::new();
        for (n, c) in self.point_value.cap.iter().enumerate() {
            let at = format!(
                "[[point_value.cap]] {} (sector = \"{}\"{})",
                n + 1,
                c.sector,
                c.region.as_ref().map_or(String::new(), |r| format!(", region = \"{r}\""))
            );
            let v = Dec::from(c.value);
            if c.sector.trim().is_empty() || c.region.as_ref().is_some_and(|r| r.trim().is_empty()) {
                return Err(format!("{at}: name the sector (and the region, if one), e.g. sector = \"dialysis\""));
            }
            if !v.is_positive() || v.scale > 12 {
                return Err(format!("{at}: value = \"{v}\" must be > 0 with at most 12 decimals"));
            }
            if !seen.insert((c.sector.clone(), c.region.clone())) {
                return Err(format!("{at}: this pool is capped twice; keep one entry"));
            }
        }
        for (key, v) in
            [("fixed_value.drug", self.fixed_value.drug), ("fixed_value.protected", self.fixed_value.protected)]
        {
            let v = Dec::from(v);
            if v.is_negative() || v.scale > 12 {
                return Err(format!("{key} = \"{v}\" must be ≥ 0 with at most 12 decimals"));
            }
        }
        let i = &self.interim;
        let unit_ratio = |key: &str, v: Decimal| -> Result<(), String> {
            let v = Dec::from(v);
            if v.is_negative() || v.rescale_exact(12).is_none_or(|m| m > 10i128.pow(12)) {
                return Err(format!("{key} = \"{v}\" must be between 0 and 1 with at most 12 decimals"));
            }
            Ok(())
        };
        unit_ratio("interim.new_provider_ratio", i.new_provider_ratio)?;
        if i.point_value_cap.is_sign_negative() || i.point_value_cap.scale() > 12 {
            return Err(format!("interim.point_value_cap = \"{}\" must be ≥ 0", i.point_value_cap));
        }
        if Dec::from(i.truncate_to).rescale_exact(crate::number::SCALE).is_none_or(|m| m <= 0) {
            return Err(format!(
                "interim.truncate_to = \"{}\" must be a positive amount with at most 4 decimals",
                i.truncate_to
            ));
        }
        if i.bands.is_empty() {
            return Err("interim.bands is empty: give at least one { max_rate, ratio }".into());
        }
        let mut previous: Option<Dec> = None;
        let bands: Vec<(Decimal, Decimal)> = i.bands.iter().map(|b| (b.max_rate, b.ratio)).collect();
        for (n, (max_rate, ratio)) in bands.into_iter().enumerate() {
            unit_ratio(&format!("interim.bands[{n}].max_rate"), max_rate)?;
            unit_ratio(&format!("interim.bands[{n}].ratio"), ratio)?;
            let max_rate = Dec::from(max_rate);
            if let Some(p) = previous {
                if max_rate.rescale_exact(12) <= p.rescale_exact(12) {
                    return Err(format!(
                        "interim.bands must have increasing max_rate: bands[{n}].max_rate = \"{max_rate}\" is not above \"{p}\""
                    ));
                }
            }
            previous = Some(max_rate);
        }
        if previous.and_then(|p| p.rescale_exact(12)) != Some(10i128.pow(12)) {
            return Err(
                "interim.bands: the last band's max_rate must be \"1\" so that every deduction rate has a band".into(),
            );
        }
        self.dip.validate()
    }
}

/// `money.unit` is written as text ("0.01") and must be positive with at most 4 decimals.
mod unit_text {
    use super::*;
    pub fn serialize<S: serde::Serializer>(u: &MoneyUnit, s: S) -> Result<S::Ok, S::Error> {
        decimal_text::serialize(&u.as_decimal(), s)
    }
    pub fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<MoneyUnit, D::Error> {
        let dec = decimal_text::deserialize(d)?;
        MoneyUnit::from_decimal(dec).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "money.unit \"{dec}\" must be positive with at most 4 decimals, e.g. \"1\" or \"0.01\""
            ))
        })
    }
}

/// A count of decimals (`scale = 4`): a bare whole number. Text such as `"4"` is refused with
/// that fix, where serde alone would say "expected u32".
pub fn decimals<'de, D: serde::Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    struct Visitor;
    impl serde::de::Visitor<'_> for Visitor {
        type Value = u32;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a whole number of decimals written without quotes, e.g. scale = 4")
        }
        fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<u32, E> {
            u32::try_from(v)
                .map_err(|_| E::custom(format!("{v} is not a number of decimals (0 or more), e.g. scale = 4")))
        }
        fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<u32, E> {
            u32::try_from(v).map_err(|_| E::custom(format!("{v} is too many decimals")))
        }
        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<u32, E> {
            Err(E::custom(format!(
                "\"{v}\" is text; a number of decimals is written without quotes, e.g. scale = {}",
                v.trim()
            )))
        }
    }
    d.deserialize_any(Visitor)
}
