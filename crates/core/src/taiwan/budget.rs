//! The yearly budget (docs/taiwan-year.md): growth of each sector's base, special funds and
//! carve-outs, and the exact split into regional and quarterly pool budgets.
//!
//! ```text
//! non_negotiated = (1 + population_structure + cost_index) × (1 + insured_population) − 1
//!                  (additive: the plain sum of the three)
//! general_rate   = non_negotiated + Σ negotiated rates
//! general_budget = round_money(base × (1 + general_rate))
//! total          = general_budget + Σ special funds;  allocatable = general_budget − Σ carve-outs
//! share(r)       = fixed(r), or (1 − Σ fixed) × Σ_k weight_k × value_k(r) / Σ_r' value_k(r')
//! ```
//! Regions split `allocatable`, quarters split each region's year, both by largest remainder
//! to the money unit, so every split adds up exactly to its parent.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use serde::Deserialize;

use crate::config::MoneyConfig;
use crate::engine::solve::largest_remainder;
use crate::number::{decimal_text, div_to_scale, mul, pow10, sub, Dec, Decimal, Overflow, Rounding, SCALE};
use crate::period::Quarter;

/// Decimals of the regional shares used as split weights (exact decimal shares, such as
/// fixed shares, are kept exactly; weighted shares are rounded half_even at this scale).
pub const SHARE_SCALE: u32 = 18;

/// The year's budget spec (data/examples/budget.toml).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BudgetSpec {
    /// The year budgeted.
    pub year: i32,
    /// The money unit and rounding of the amounts.
    #[serde(default)]
    pub money: MoneyConfig,
    /// One table per sector.
    pub sector: Vec<SectorSpec>,
}

/// One sector's growth, funds and split.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SectorSpec {
    /// The sector's name.
    pub name: String,
    /// Corrected prior-year general-service budget.
    #[serde(with = "decimal_text")]
    pub base: Decimal,
    /// Growth of the insured population.
    #[serde(with = "decimal_text")]
    pub insured_population_growth: Decimal,
    /// Change of the population's structure.
    #[serde(with = "decimal_text")]
    pub population_structure_change: Decimal,
    /// Change of the medical cost index.
    #[serde(with = "decimal_text")]
    pub cost_index_change: Decimal,
    /// How the three non-negotiated factors combine.
    #[serde(default)]
    pub composition: Composition,
    /// Negotiated growth items.
    #[serde(default)]
    pub negotiated: Vec<Negotiated>,
    /// Special funds added on top of the general budget.
    #[serde(default)]
    pub special_funds: Vec<Amount>,
    /// Amounts carved out of the general budget before the regions' split.
    #[serde(default)]
    pub carve_outs: Vec<Amount>,
    /// How the sector's budget is split into regions.
    pub regions: RegionSpec,
    /// Each quarter's share of the year.
    #[serde(with = "decimal_text::map")]
    pub quarters: BTreeMap<String, Decimal>,
}

/// How the non-negotiated factors combine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Composition {
    /// (1 + a)(1 + b)(1 + c) − 1.
    #[default]
    Multiplicative,
    /// a + b + c.
    Additive,
}

/// A negotiated growth item.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Negotiated {
    /// What the item is.
    pub item: String,
    /// Its growth rate.
    #[serde(with = "decimal_text")]
    pub rate: Decimal,
}

/// A named amount (a special fund or a carve-out).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Amount {
    /// What it is.
    pub name: String,
    /// How much.
    #[serde(with = "decimal_text")]
    pub amount: Decimal,
}

/// How a sector's budget is split into its regions.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegionSpec {
    /// Fixed shares, taken first.
    #[serde(default, with = "decimal_text::map")]
    pub fixed: BTreeMap<String, Decimal>,
    /// Weight of each parameter; must sum to 1.
    #[serde(default, with = "decimal_text::map")]
    pub weights: BTreeMap<String, Decimal>,
    /// Per parameter, its value in each region that has no fixed share.
    #[serde(default, deserialize_with = "decimal_text::nested_map::deserialize")]
    pub parameters: BTreeMap<String, BTreeMap<String, Decimal>>,
}

/// A spec error, naming the key at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct SpecError(pub String);

impl From<Overflow> for SpecError {
    fn from(e: Overflow) -> Self {
        SpecError(e.to_string())
    }
}

/// One sector's growth (the `growth` table row).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Growth {
    /// The sector.
    pub sector: String,
    /// Last year's base.
    pub base: i128,
    /// The non-negotiated growth rate.
    pub non_negotiated_rate: Dec,
    /// Σ negotiated rates.
    pub negotiated_rate: Dec,
    /// non-negotiated + negotiated.
    pub general_rate: Dec,
    /// round_money(base × (1 + general_rate)).
    pub general_budget: i128,
    /// Σ special funds.
    pub special_funds: i128,
    /// Σ carve-outs.
    pub carve_outs: i128,
    /// general_budget − carve-outs: what the regions split.
    pub allocatable: i128,
    /// general_budget + special funds.
    pub total: i128,
}

/// One pool's budget (the `budgets` table row).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolBudget {
    /// The sector.
    pub sector: String,
    /// The region.
    pub region: String,
    /// The quarter.
    pub quarter: Quarter,
    /// The pool's budget.
    pub budget: i128,
}

/// (1 + structure + cost)(1 + population) − 1, or their sum when additive.
pub fn non_negotiated_rate(s: &SectorSpec) -> Result<Dec, Overflow> {
    let one = Dec::new(1, 0);
    let structure_and_cost = Dec::from(s.population_structure_change).plus(s.cost_index_change.into())?;
    let population = Dec::from(s.insured_population_growth);
    match s.composition {
        Composition::Additive => structure_and_cost.plus(population),
        Composition::Multiplicative => one.plus(structure_and_cost)?.times(one.plus(population)?)?.minus(one),
    }
}

/// Builds the growth rows and the pool budgets of every sector.
pub fn build(spec: &BudgetSpec) -> Result<(Vec<Growth>, Vec<PoolBudget>), SpecError> {
    let mut growth = Vec::new();
    let mut pools = Vec::new();
    let mut names = std::collections::BTreeSet::new();
    for (n, s) in spec.sector.iter().enumerate() {
        let at = |key: &str| format!("sector[{n}] ({}).{key}", s.name);
        if s.name.trim().is_empty() {
            return Err(SpecError(format!("sector[{n}].name is empty")));
        }
        if !names.insert(s.name.clone()) {
            return Err(SpecError(format!("sector[{n}].name \"{}\" is given twice", s.name)));
        }
        let g = sector_growth(s, &spec.money, &at)?;
        let shares = region_shares(&s.regions, &at)?;
        let quarter_shares = quarter_shares(&s.quarters, &at)?;
        let region_budgets = split(g.allocatable, &shares, spec.money)?;
        for (region, year_budget) in region_budgets {
            for (q, amount) in split(year_budget, &quarter_shares, spec.money)? {
                let quarter = Quarter::new(spec.year, q[1..].parse().expect("Q1..Q4")).expect("Q1..Q4");
                pools.push(PoolBudget { sector: s.name.clone(), region: region.clone(), quarter, budget: amount });
            }
        }
        growth.push(g);
    }
    pools.sort_by(|a, b| (&a.sector, &a.region, a.quarter).cmp(&(&b.sector, &b.region, b.quarter)));
    Ok((growth, pools))
}

/// An amount from the spec in internal fixed point: ≥ 0 and a multiple of the money unit.
fn money(value: Decimal, key: &str, m: &MoneyConfig) -> Result<i128, SpecError> {
    let value = Dec::from(value);
    let fixed = value.rescale_exact(SCALE).filter(|v| m.unit.is_multiple(*v)).ok_or_else(|| {
        SpecError(format!("{key} = \"{value}\" is not a multiple of the money unit {}", m.unit.as_dec()))
    })?;
    if fixed < 0 {
        return Err(SpecError(format!("{key} = \"{value}\" is negative; amounts must be ≥ 0")));
    }
    Ok(fixed)
}

fn sector_growth(s: &SectorSpec, m: &MoneyConfig, at: &dyn Fn(&str) -> String) -> Result<Growth, SpecError> {
    let base = money(s.base, &at("base"), m)?;
    let non_negotiated = non_negotiated_rate(s)?;
    let negotiated = s.negotiated.iter().try_fold(Dec::ZERO, |sum, n| sum.plus(n.rate.into()))?;
    let general_rate = non_negotiated.plus(negotiated)?;
    let factor = Dec::new(1, 0).plus(general_rate)?;
    if factor.is_negative() {
        // blame what took it there: the three non-negotiated factors, or the negotiated items
        let non_negotiated_alone = Dec::new(1, 0).plus(non_negotiated)?.is_negative();
        let culprit = if non_negotiated_alone {
            format!(
                "{}: insured_population_growth = \"{}\", population_structure_change = \"{}\" and cost_index_change = \"{}\" give a non-negotiated rate of {non_negotiated}, which takes the budget below zero; rates are decimal fractions (0.00336 is 0.336%)",
                at("insured_population_growth"),
                s.insured_population_growth,
                s.population_structure_change,
                s.cost_index_change
            )
        } else {
            format!(
                "{}: the negotiated rates (Σ {negotiated}) with the non-negotiated rate {non_negotiated} take the budget below zero; rates are decimal fractions (0.005 is 0.5%)",
                at("negotiated")
            )
        };
        return Err(SpecError(culprit));
    }
    let general_budget =
        m.unit.round(mul(base, factor.mantissa, "general budget")?, pow10(factor.scale)?, m.rounding)?;
    let mut special_funds = 0i128;
    for (i, f) in s.special_funds.iter().enumerate() {
        special_funds += money(f.amount, &at(&format!("special_funds[{i}] ({})", f.name)), m)?;
    }
    let mut carve_outs = 0i128;
    for (i, c) in s.carve_outs.iter().enumerate() {
        carve_outs += money(c.amount, &at(&format!("carve_outs[{i}] ({})", c.name)), m)?;
    }
    let allocatable = sub(general_budget, carve_outs, "allocatable")?;
    if allocatable < 0 {
        return Err(SpecError(format!("{}: carve-outs exceed the general budget", at("carve_outs"))));
    }
    Ok(Growth {
        sector: s.name.clone(),
        base,
        non_negotiated_rate: non_negotiated,
        negotiated_rate: negotiated,
        general_rate,
        general_budget,
        special_funds,
        carve_outs,
        allocatable,
        total: general_budget + special_funds,
    })
}

/// Each region's share at [`SHARE_SCALE`] decimals, by region name.
pub fn region_shares(r: &RegionSpec, at: &dyn Fn(&str) -> String) -> Result<BTreeMap<String, i128>, SpecError> {
    let one = pow10(SHARE_SCALE)?;
    let share_of = |v: Decimal, key: String| -> Result<i128, SpecError> {
        let v = Dec::from(v);
        if v.is_negative() || v.scale > SHARE_SCALE || v.cmp_exact(Dec::new(1, 0))? == Ordering::Greater {
            return Err(SpecError(format!(
                "{key} = \"{v}\" must be between 0 and 1 with at most {SHARE_SCALE} decimals"
            )));
        }
        Ok(v.rescale_exact(SHARE_SCALE).expect("checked scale"))
    };
    let mut shares = BTreeMap::new();
    let mut fixed_total = 0i128;
    for (region, v) in &r.fixed {
        let s = share_of(*v, at(&format!("regions.fixed.{region}")))?;
        fixed_total += s;
        shares.insert(region.clone(), s);
    }
    if fixed_total > one {
        return Err(SpecError(format!("{}: fixed shares sum to more than 1", at("regions.fixed"))));
    }

    // the regions without a fixed share are those of the parameters; all must name the same
    let mut regions: Option<(&String, Vec<&String>)> = None;
    for (param, values) in &r.parameters {
        if !r.weights.contains_key(param) {
            return Err(SpecError(format!(
                "{}: parameter {param} has no weight in regions.weights",
                at("regions.parameters")
            )));
        }
        for region in values.keys() {
            if r.fixed.contains_key(region) {
                return Err(SpecError(format!(
                    "{}: region {region} has a fixed share; remove it from the parameter",
                    at(&format!("regions.parameters.{param}"))
                )));
            }
        }
        let names: Vec<&String> = values.keys().collect();
        match &regions {
            None => regions = Some((param, names)),
            Some((first, expected)) => {
                if let Some(unknown) = names.iter().find(|n| !expected.contains(n)) {
                    return Err(SpecError(format!(
                        "{}: unknown region {unknown} (parameter {first} has {})",
                        at(&format!("regions.parameters.{param}")),
                        expected.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
                    )));
                }
                if let Some(missing) = expected.iter().find(|n| !names.contains(n)) {
                    return Err(SpecError(format!(
                        "{}: no value for region {missing}",
                        at(&format!("regions.parameters.{param}"))
                    )));
                }
            }
        }
    }
    if let Some(w) = r.weights.keys().find(|w| !r.parameters.contains_key(*w)) {
        return Err(SpecError(format!(
            "{}: weight {w} names no parameter in regions.parameters",
            at("regions.weights")
        )));
    }
    let Some((_, floating_regions)) = regions else {
        if fixed_total != one {
            return Err(SpecError(format!("{}: with no parameters, the fixed shares must sum to 1", at("regions"))));
        }
        return Ok(shares);
    };
    let mut weight_total = Dec::ZERO;
    for (k, w) in &r.weights {
        share_of(*w, at(&format!("regions.weights.{k}")))?;
        weight_total = weight_total.plus((*w).into())?;
    }
    if weight_total.cmp_exact(Dec::new(1, 0))? != Ordering::Equal {
        return Err(SpecError(format!("{}: weights sum to {weight_total}, not 1", at("regions.weights"))));
    }
    // share(r) = (1 − Σ fixed) × Σ_k w_k × v_k(r) / Σ_r' v_k(r'), rounded once per region
    let rest = one - fixed_total;
    for region in floating_regions {
        let mut share = 0i128;
        for (param, values) in &r.parameters {
            let w = Dec::from(r.weights[param]);
            let total = values.values().try_fold(Dec::ZERO, |s, v| s.plus((*v).into()))?;
            let v = Dec::from(values[region]);
            if v.is_negative() || !total.is_positive() {
                return Err(SpecError(format!(
                    "{}: values must be ≥ 0 and not all 0",
                    at(&format!("regions.parameters.{param}"))
                )));
            }
            // rest × w × v / total, each parameter's term rounded half_even at SHARE_SCALE
            let (v, total, _) = v.aligned(total)?;
            let num = mul(mul(rest, w.mantissa, "a regional share")?, v, "a regional share")?;
            let den = mul(pow10(w.scale)?, total, "a regional share")?;
            share += div_to_scale(num, den, 0, Rounding::HalfEven)?;
        }
        shares.insert(region.clone(), share);
    }
    Ok(shares)
}

fn quarter_shares(
    q: &BTreeMap<String, Decimal>,
    at: &dyn Fn(&str) -> String,
) -> Result<BTreeMap<String, i128>, SpecError> {
    let mut out = BTreeMap::new();
    let mut total = Dec::ZERO;
    for (k, v) in q {
        let v = &Dec::from(*v);
        if !["Q1", "Q2", "Q3", "Q4"].contains(&k.as_str()) {
            return Err(SpecError(format!("{}: unknown quarter {k}; use Q1, Q2, Q3, Q4", at("quarters"))));
        }
        if v.is_negative() || v.scale > SHARE_SCALE {
            return Err(SpecError(format!("{} = \"{v}\" must be ≥ 0", at(&format!("quarters.{k}")))));
        }
        total = total.plus(*v)?;
        out.insert(k.clone(), v.rescale_exact(SHARE_SCALE).expect("checked scale"));
    }
    if out.len() != 4 {
        return Err(SpecError(format!("{}: give all four quarters Q1..Q4", at("quarters"))));
    }
    if total.cmp_exact(Dec::new(1, 0))? != Ordering::Equal {
        return Err(SpecError(format!("{}: shares sum to {total}, not 1", at("quarters"))));
    }
    Ok(out)
}

/// Splits `amount` (a multiple of the unit) by `shares` with largest remainders, ties by key.
fn split(amount: i128, shares: &BTreeMap<String, i128>, m: MoneyConfig) -> Result<Vec<(String, i128)>, SpecError> {
    let keys: Vec<&str> = shares.keys().map(String::as_str).collect();
    let weights: Vec<i128> = shares.values().copied().collect();
    if weights.iter().sum::<i128>() == 0 {
        return Err(SpecError("all shares are zero".into()));
    }
    let units = largest_remainder(amount / m.unit.fixed, &weights, &keys)?;
    Ok(keys.iter().zip(units).map(|(k, u)| (k.to_string(), u * m.unit.fixed)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Dec {
        s.parse().unwrap()
    }

    /// A growth rate that takes the budget below zero is blamed on what did it.
    #[test]
    fn a_negative_budget_names_the_rate_that_made_it() {
        let text = include_str!("../../../../data/examples/budget.toml");
        let bad = text.replacen("insured_population_growth = \"0.00336\"", "insured_population_growth = \"-3.36\"", 1);
        assert_ne!(bad, text, "the example names the rate");
        let e = build(&toml::from_str::<BudgetSpec>(&bad).unwrap()).unwrap_err().0;
        assert!(e.contains("insured_population_growth = \"-3.36\""), "{e}");
        assert!(!e.contains(".negotiated"), "{e}");
        let bad = text.replacen("rate = \"0.0050\"", "rate = \"-5\"", 1);
        assert_ne!(bad, text, "the example has the negotiated rate");
        let e = build(&toml::from_str::<BudgetSpec>(&bad).unwrap()).unwrap_err().0;
        assert!(e.contains(".negotiated: the negotiated rates"), "{e}");
    }

    #[test]
    fn hospital_example_of_the_contract() {
        let spec: BudgetSpec = toml::from_str(include_str!("../../../../data/examples/budget.toml")).unwrap();
        let (growth, pools) = build(&spec).unwrap();
        let g = &growth[0];
        assert_eq!(g.non_negotiated_rate, d("0.0205274896"));
        assert_eq!(g.general_rate, d("0.0254274896"));
        assert_eq!(g.general_budget, 439_088_051_047 * crate::number::ONE);
        assert_eq!(g.total, g.general_budget + 1_200_000_000 * crate::number::ONE);
        let sum: i128 = pools.iter().map(|p| p.budget).sum();
        assert_eq!(sum, g.allocatable);
        let east: i128 = pools.iter().filter(|p| p.region == "east").map(|p| p.budget).sum();
        // 2.22% of the allocatable, exactly (a fixed share splits without remainder here)
        assert_eq!(east, g.allocatable * 222 / 10_000 / crate::number::ONE * crate::number::ONE);
    }

    #[test]
    fn shares_that_do_not_add_up_are_errors() {
        let mut r = RegionSpec::default();
        r.fixed.insert("east".into(), Decimal::new(6, 1));
        r.fixed.insert("west".into(), Decimal::new(6, 1));
        let at = |k: &str| k.to_string();
        assert!(region_shares(&r, &at).unwrap_err().0.contains("more than 1"));
        r.fixed.insert("west".into(), Decimal::new(3, 1));
        assert!(region_shares(&r, &at).unwrap_err().0.contains("must sum to 1"));
    }
}
