//! DIP pools and year-end clearing (docs/dip.md, Arithmetic, steps 4–9).
//!
//! ```text
//! money  = B − R − Σ at_cost                      (R: reserve 调剂金, a charge)
//! pv     = money / S  or  money / ρ / S           (basis fund / total_cost; the engine's fpv)
//! P_h    = round(S_h × pv [× ρ])                  (docs/settle.md step 5: published, exact or largest remainder)
//! A_h    = Σ fund_paid of the hospital's scored cases
//! surplus P > A:   kept   = Σ_band slice × keep        E = A + kept
//! overspend A > P: shared = Σ_band slice × fund_share  E = P + shared
//! due    = E + at_cost − W × (1 − a)   | kept × a before rounding | round(E × a) + at_cost
//! adjustment = due − paid
//! ```

use std::collections::BTreeMap;
use std::fmt;

use rayon::prelude::*;

use crate::config::{Config, OnInfeasible};
use crate::dip::config::{AssessmentMode, Basis, OverReserve};
use crate::engine::point_value::{PoolTotals, Status};
use crate::engine::solve::{largest_remainder, solve_pool, Share, Solved};
use crate::engine::PoolOverflow;
use crate::number::{add, div_to_scale, mul, pow10, sub, Dec, Decimal, Overflow, SCALE};
use crate::offenders::{list, Offenders};

/// A DIP pool: one fund of one pooling region (统筹区) for one year. Ordered by region, fund, year.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DipPoolKey {
    /// The pooling region (统筹地区).
    pub region: String,
    /// The fund (employee or resident insurance).
    pub fund: String,
    /// The year settled.
    pub year: i32,
}

impl fmt::Display for DipPoolKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "region={} fund={} year={}", self.region, self.fund, self.year)
    }
}

/// A funds row: the money of one pool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FundRow {
    /// The pool.
    pub key: DipPoolKey,
    /// The fund's budget for the year.
    pub budget: i128,
    /// The reserve (调剂金) kept out of the point value.
    pub reserve: i128,
    /// ρ in (0, 1].
    pub payment_ratio: Decimal,
}

/// One hospital's cases in one pool, summed (counts, scores and money in internal fixed point).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CaseSums {
    /// Cases scored or paid.
    pub cases: u64,
    /// Low-cost outlier cases.
    pub low: u64,
    /// High-cost outlier cases.
    pub high: u64,
    /// Extreme-cost cases (scored as high, flagged for review).
    pub extreme: u64,
    /// Special cases (特例单议).
    pub special: u64,
    /// Cases paid at cost outside the points.
    pub at_cost: u64,
    /// Σ score.
    pub score: i128,
    /// Σ fund_paid of scored cases (A_h).
    pub items: i128,
    /// Σ fund_paid of at-cost cases.
    pub at_cost_amount: i128,
    /// Σ total_cost of every case (the execution watch's cost per case).
    pub total_cost: i128,
    /// Σ exam_cost (检查检验费用) of every case; 0 where the cases do not give it.
    pub exam_cost: i128,
    /// Σ excluded_fund_paid of scored cases (除外支付): paid at cost, outside the points and A_h.
    pub excluded: i128,
}

impl CaseSums {
    /// Adds another hospital's or month's sums.
    pub fn add(&mut self, o: &CaseSums) -> Result<(), Overflow> {
        self.cases += o.cases;
        self.low += o.low;
        self.high += o.high;
        self.extreme += o.extreme;
        self.special += o.special;
        self.at_cost += o.at_cost;
        self.score = add(self.score, o.score, "Σ score")?;
        self.items = add(self.items, o.items, "Σ fund_paid")?;
        self.at_cost_amount = add(self.at_cost_amount, o.at_cost_amount, "Σ at-cost amount")?;
        self.total_cost = add(self.total_cost, o.total_cost, "Σ total_cost")?;
        self.exam_cost = add(self.exam_cost, o.exam_cost, "Σ exam_cost")?;
        self.excluded = add(self.excluded, o.excluded, "Σ excluded")?;
        Ok(())
    }

    /// Every case but the at-cost ones (special cases included).
    pub fn scored(&self) -> u64 {
        self.cases - self.at_cost
    }
}

/// A hospital's cases in a pool with what the institutions table says of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HospitalCases {
    /// The hospital.
    pub institution_id: String,
    /// The pool its cases belong to.
    pub pool: DipPoolKey,
    /// The hospital's level (its row of averages).
    pub level: String,
    /// The hospital's coefficient.
    pub coefficient: Decimal,
    /// The hospital's assessment score (0–1), releasing the withheld reserve.
    pub assessment: Decimal,
    /// The indicators' weighted total behind it (2 decimals), when graded from `--assessment`.
    pub assessment_score: Option<i128>,
    /// The sums of its cases in the pool.
    pub sums: CaseSums,
}

/// Monthly payments already made to a hospital in a pool (rows are summed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentRow {
    /// The hospital paid.
    pub institution_id: String,
    /// The pool it was paid from.
    pub pool: DipPoolKey,
    /// Money paid during the year (after withholding).
    pub paid: i128,
    /// Money withheld as the quality reserve.
    pub withheld: i128,
}

/// A hospital of a pool before clearing: its cases and what it was paid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hospital {
    /// The hospital's cases.
    pub cases: HospitalCases,
    /// What it was paid during the year.
    pub paid: i128,
    /// What was withheld from it.
    pub withheld: i128,
}

/// Everything needed to clear one pool; hospitals sorted by institution_id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DipPool {
    /// The pool's fund.
    pub fund: FundRow,
    /// Its hospitals, sorted by id.
    pub hospitals: Vec<Hospital>,
    /// A point value given for the pool (`dip settle --point-values`): cleared at it, not solved.
    pub given: Option<Dec>,
    /// Whether a funds row gives the pool's money (a forecast at given values may have none:
    /// no budget, reserve, money or residual, and no reserve cap).
    pub funded: bool,
}

/// Why a DIP year cannot be cleared (each message names the pools or rows).
#[allow(missing_docs)] // each variant's #[error] text says what it means and names its fields
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DipError {
    #[error("cases or payments in {count} pool(s) that have no funds row:\n{}\nadd a row (region, fund, year, budget, payment_ratio) for each to the funds file", list(.pools, *.count))]
    NoFunds { pools: Vec<String>, count: usize },
    #[error("{count} payment row(s) for a hospital without cases in that pool:\n{}\nremove these payments or add the hospital's cases", list(.items, *.count))]
    PaymentsWithoutCases { items: Vec<String>, count: usize },
    #[error("{count} pool(s) have more special cases (特例单议) than dip.special.quota allows:\n{}\nreview the special_score column or raise [dip.special] quota", list(.pools, *.count))]
    SpecialQuota { pools: Vec<String>, count: usize },
    #[error("{count} pool(s) are infeasible: the reserve and the cases paid at cost exceed the fund:\n{}\ncheck the budget and reserve of these pools, or set [pool] on_infeasible = \"zero\" to settle them at point value 0", list(.pools, *.count))]
    Infeasible { pools: Vec<String>, count: usize },
    #[error(transparent)]
    Overflow(#[from] Overflow),
    #[error(transparent)]
    PoolOverflow(#[from] PoolOverflow),
}

/// Joins funds rows, hospitals' case sums and payments into pools (those of `year` if given),
/// sorted by pool and institution_id.
pub fn assemble(
    funds: Vec<FundRow>,
    hospitals: Vec<HospitalCases>,
    payments: Vec<PaymentRow>,
    year: Option<i32>,
) -> Result<Vec<DipPool>, DipError> {
    let selected = |k: &DipPoolKey| year.is_none_or(|y| k.year == y);
    let mut pools: BTreeMap<DipPoolKey, (FundRow, BTreeMap<String, Hospital>)> =
        funds.into_iter().filter(|f| selected(&f.key)).map(|f| (f.key.clone(), (f, BTreeMap::new()))).collect();
    let mut missing = BTreeMap::new();
    for h in hospitals.into_iter().filter(|h| selected(&h.pool)) {
        let Some((_, members)) = pools.get_mut(&h.pool) else {
            missing.insert(h.pool.clone(), ());
            continue;
        };
        match members.get_mut(&h.institution_id) {
            Some(m) => m.cases.sums.add(&h.sums)?,
            None => {
                members.insert(h.institution_id.clone(), Hospital { cases: h, paid: 0, withheld: 0 });
            }
        }
    }
    let mut orphans = Offenders::default();
    for p in payments.into_iter().filter(|p| selected(&p.pool)) {
        let Some((_, members)) = pools.get_mut(&p.pool) else {
            missing.insert(p.pool.clone(), ());
            continue;
        };
        match members.get_mut(&p.institution_id) {
            Some(h) => {
                h.paid = add(h.paid, p.paid, "paid")?;
                h.withheld = add(h.withheld, p.withheld, "withheld")?;
            }
            None => orphans.push(|| format!("institution {} in {}", p.institution_id, p.pool)),
        }
    }
    if !missing.is_empty() {
        let mut o = Offenders::default();
        missing.keys().for_each(|k| o.push(|| k.to_string()));
        return Err(DipError::NoFunds { pools: o.items, count: o.count });
    }
    if orphans.count > 0 {
        return Err(DipError::PaymentsWithoutCases { items: orphans.items, count: orphans.count });
    }
    Ok(pools
        .into_values()
        .map(|(fund, members)| DipPool { fund, hospitals: members.into_values().collect(), given: None, funded: true })
        .collect())
}

/// A hospital cleared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClearedHospital {
    /// CMI at 4 decimals: its score per scored case over the pool's; `None` without scored cases.
    pub cmi: Option<i128>,
    /// P_h, the DIP payment.
    pub dip_amount: i128,
    /// P − A.
    pub balance: i128,
    /// The share of a surplus the hospital keeps (结余留用).
    pub kept: i128,
    /// The share of an overspend the fund bears (合理超支分担), after the reserve cap.
    pub shared: i128,
    /// The share the corridor gives before the reserve cap.
    pub shared_uncapped: i128,
    /// E_h.
    pub entitlement: i128,
    /// What the hospital is owed for the year.
    pub due: i128,
    /// due − paid: to pay (> 0) or recover (< 0).
    pub adjustment: i128,
}

/// A pool cleared: the engine's solved pool, the pool's case sums, and every hospital in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClearedPool {
    /// The engine's solved pool.
    pub solved: Solved,
    /// The pool's case sums.
    pub sums: CaseSums,
    /// Σ E_h.
    pub entitlement: i128,
    /// Σ E_h − Σ P_h: what the corridors cost (or save) the reserve.
    pub reserve_draw: i128,
    /// Σ shared_h before the reserve cap.
    pub shared_uncapped: i128,
    /// Whether the overspend shares fitted in the reserve and the savings.
    pub reserve_cap: ReserveCap,
    /// Every hospital, in order.
    pub hospitals: Vec<ClearedHospital>,
}

/// Whether a pool's overspend shares fitted in what could pay them: its reserve and what its
/// surplus hospitals left to the fund.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReserveCap {
    /// They fitted: nothing was cut.
    Within,
    /// They did not and were cut in proportion (`over_reserve = "prorate"`): the draw is the reserve.
    Capped,
    /// They did not and were paid whole (`over_reserve = "allow"`): the draw exceeds the reserve.
    Over,
}

impl ClearedPool {
    /// The engine's status of the pool's point value (named in DIP's words by [`Status::dip_name`]).
    pub fn status(&self) -> Status {
        self.solved.point_value.status
    }

    /// The status a DIP table writes: the point value's, or what the reserve cap did.
    pub fn dip_status(&self) -> &'static str {
        match self.reserve_cap {
            ReserveCap::Within => self.status().dip_name(),
            ReserveCap::Capped => "reserve_capped",
            ReserveCap::Over => "over_reserve",
        }
    }
}

/// Clears every pool (in parallel). Fails naming the pools over the special quota, and the
/// infeasible ones unless `on_infeasible = "zero"`.
pub fn clear(pools: &[DipPool], config: &Config) -> Result<Vec<ClearedPool>, DipError> {
    let quota = Dec::from(config.dip.special.quota);
    let mut over = Offenders::default();
    for p in pools {
        let (cases, special) =
            p.hospitals.iter().fold((0u64, 0u64), |(c, s), h| (c + h.cases.sums.cases, s + h.cases.sums.special));
        // special ≤ quota × cases, exactly
        if mul(i128::from(special), pow10(quota.scale)?, "special quota")?
            > mul(quota.mantissa, i128::from(cases), "special quota")?
        {
            over.push(|| format!("{}: {special} special cases of {cases} (quota {quota})", p.fund.key));
        }
    }
    if over.count > 0 {
        return Err(DipError::SpecialQuota { pools: over.items, count: over.count });
    }
    let cleared: Vec<ClearedPool> = pools
        .par_iter()
        .map(|p| clear_pool(p, config).map_err(PoolOverflow::of(&p.fund.key)).map_err(DipError::from))
        .collect::<Result<_, _>>()?;
    if config.pool.on_infeasible == OnInfeasible::Error {
        let unit = config.money.unit;
        let money = |v: i128| crate::number::format_fixed(unit.to_output(v), unit.decimals);
        let mut o = Offenders::default();
        for (p, c) in pools.iter().zip(&cleared) {
            if c.status() == Status::Infeasible {
                o.push(|| {
                    format!(
                        "{}: budget {} − reserve {} − at-cost amounts {} = {}",
                        p.fund.key,
                        money(p.fund.budget),
                        money(p.fund.reserve),
                        money(c.sums.at_cost_amount),
                        money(c.solved.point_value.floating_money)
                    )
                });
            }
        }
        if o.count > 0 {
            return Err(DipError::Infeasible { pools: o.items, count: o.count });
        }
    }
    Ok(cleared)
}

/// A DIP pool as the pool arithmetic sees it: the fund as the budget, the reserve as a charge,
/// one share per hospital (its scores floating, its at-cost cases fixed), and the case sums.
fn pool_shares<'a>(pool: &'a DipPool, config: &Config) -> Result<(PoolTotals, Vec<Share<'a>>, CaseSums), Overflow> {
    let mut sums = CaseSums::default();
    let shares: Vec<Share> = pool
        .hospitals
        .iter()
        .map(|h| {
            sums.add(&h.cases.sums)?;
            Ok(Share {
                id: &h.cases.institution_id,
                floating_points: h.cases.sums.score,
                // paid at cost outside the points: at-cost cases and excluded items (除外支付)
                fixed_amount: add(h.cases.sums.at_cost_amount, h.cases.sums.excluded, "paid at cost")?,
            })
        })
        .collect::<Result<_, Overflow>>()?;
    let payment_ratio = match config.dip.point_value.basis {
        Basis::Fund => Dec::new(1, 0),
        Basis::TotalCost => pool.fund.payment_ratio.into(),
    };
    let base = PoolTotals {
        budget: pool.fund.budget,
        charges: pool.fund.reserve,
        has_claims: !pool.hospitals.is_empty(),
        payment_ratio,
        given: pool.given,
        ..PoolTotals::default()
    };
    Ok((base, shares, sums))
}

/// The totals a DIP pool's point value depends on, without clearing its hospitals (what a
/// scenario's attribution solves many times).
pub fn pool_totals(pool: &DipPool, config: &Config) -> Result<PoolTotals, Overflow> {
    let (base, shares, _) = pool_shares(pool, config)?;
    crate::engine::solve::summed(base, &shares)
}

/// Clears one pool: its point value, every hospital's payment, corridor and adjustment.
pub fn clear_pool(pool: &DipPool, config: &Config) -> Result<ClearedPool, Overflow> {
    let (base, shares, sums) = pool_shares(pool, config)?;
    let solved = solve_pool(base, &shares, config)?;
    // step 7: each hospital's corridor
    let corridors: Vec<(i128, i128)> = pool
        .hospitals
        .iter()
        .zip(&solved.floating_amounts)
        .map(|(h, p)| corridor_of(h, *p, config))
        .collect::<Result<_, _>>()?;
    let uncapped: Vec<i128> = corridors.iter().map(|c| c.1).collect();
    let (shared, reserve_cap, shared_uncapped) = reserve_capped(pool, &solved.floating_amounts, &corridors, config)?;
    let mut hospitals = Vec::with_capacity(pool.hospitals.len());
    let (mut entitlement, mut dip_amount) = (0i128, 0i128);
    for (i, (h, p)) in pool.hospitals.iter().zip(&solved.floating_amounts).enumerate() {
        let c = clear_hospital(h, *p, (corridors[i].0, shared[i], uncapped[i]), &sums, config)?;
        entitlement = add(entitlement, c.entitlement, "Σ entitlement")?;
        dip_amount = add(dip_amount, c.dip_amount, "Σ DIP amount")?;
        hospitals.push(c);
    }
    Ok(ClearedPool {
        solved,
        sums,
        entitlement,
        reserve_draw: sub(entitlement, dip_amount, "reserve draw")?,
        shared_uncapped,
        reserve_cap,
        hospitals,
    })
}

/// The corridor keeps the reserve (docs/dip.md, "The reserve cap"): overspend shares are paid
/// from the reserve and from what surplus hospitals leave to the fund (P − E); when they come to
/// more, each is cut to its share of that in proportion, to the unit by largest remainder (ties
/// by institution_id), so that the draw is the reserve exactly. Returns every hospital's share,
/// what the cap did and Σ shares before it.
fn reserve_capped(
    pool: &DipPool,
    payments: &[i128],
    corridors: &[(i128, i128)],
    config: &Config,
) -> Result<(Vec<i128>, ReserveCap, i128), Overflow> {
    let shared: Vec<i128> = corridors.iter().map(|c| c.1).collect();
    let total = shared.iter().try_fold(0i128, |s, v| add(s, *v, "Σ shared"))?;
    // a forecast without funds knows no reserve to stay inside
    if !pool.funded {
        return Ok((shared, ReserveCap::Within, total));
    }
    let mut savings = 0i128;
    for ((h, p), (kept, _)) in pool.hospitals.iter().zip(payments).zip(corridors) {
        if *p > h.cases.sums.items {
            savings = add(savings, *p - h.cases.sums.items - kept, "Σ savings")?;
        }
    }
    // an assessment above 1 under the "surplus" mode can keep more than the surplus
    let available = add(pool.fund.reserve, savings, "reserve + savings")?.max(0);
    if total <= available {
        return Ok((shared, ReserveCap::Within, total));
    }
    if config.dip.clearing.over_reserve == OverReserve::Allow {
        return Ok((shared, ReserveCap::Over, total));
    }
    let unit = config.money.unit.fixed;
    let ids: Vec<&str> = pool.hospitals.iter().map(|h| h.cases.institution_id.as_str()).collect();
    let units = largest_remainder(available / unit, &shared, &ids)?;
    let cut = units.iter().map(|u| mul(*u, unit, "a capped share")).collect::<Result<_, _>>()?;
    Ok((cut, ReserveCap::Capped, total))
}

/// Step 7's corridor of one hospital paid `p`: (kept, shared), each rounded once to the unit
/// (`surplus` assessment: kept × a before that rounding).
fn corridor_of(h: &Hospital, p: i128, config: &Config) -> Result<(i128, i128), Overflow> {
    let (unit, rounding) = (config.money.unit, config.money.rounding);
    let c = &config.dip.clearing;
    let items = h.cases.sums.items;
    if p > items {
        let a = Dec::from(h.cases.assessment);
        let bands: Vec<(Dec, Dec)> = c.surplus.iter().map(|b| (b.up_to.into(), b.keep.into())).collect();
        let (mut num, mut den) = corridor(p, p - items, &bands)?;
        if c.assessment == AssessmentMode::Surplus {
            num = mul(num, a.mantissa, "kept × assessment")?;
            den = mul(den, pow10(a.scale)?, "kept × assessment")?;
        }
        Ok((unit.round(num, den, rounding)?, 0))
    } else if items > p {
        let bands: Vec<(Dec, Dec)> = c.overspend.iter().map(|b| (b.up_to.into(), b.fund_share.into())).collect();
        let (num, den) = corridor(p, items - p, &bands)?;
        Ok((0, unit.round(num, den, rounding)?))
    } else {
        Ok((0, 0))
    }
}

/// One hospital's clearing (steps 6–8) given its DIP payment `p` and its corridor (kept,
/// shared after the reserve cap, shared before it).
fn clear_hospital(
    h: &Hospital,
    p: i128,
    (kept, shared, shared_uncapped): (i128, i128, i128),
    pool: &CaseSums,
    config: &Config,
) -> Result<ClearedHospital, Overflow> {
    let (unit, rounding) = (config.money.unit, config.money.rounding);
    let c = &config.dip.clearing;
    let s = &h.cases.sums;
    let a = Dec::from(h.cases.assessment);
    let items = s.items;
    let entitlement = if p > items {
        add(items, kept, "entitlement")?
    } else if items > p {
        add(p, shared, "entitlement")?
    } else {
        p
    };
    let at_cost = add(s.at_cost_amount, s.excluded, "paid at cost")?;
    let due = match c.assessment {
        AssessmentMode::Withheld => {
            // E + at_cost − W × (1 − a), one rounding
            let scale = pow10(a.scale)?;
            let gross = mul(add(entitlement, at_cost, "due")?, scale, "due")?;
            let forfeit = mul(h.withheld, sub(scale, a.mantissa, "1 − assessment")?, "due")?;
            unit.round(sub(gross, forfeit, "due")?, scale, rounding)?
        }
        AssessmentMode::Surplus => add(entitlement, at_cost, "due")?,
        AssessmentMode::Entitlement => add(
            unit.round(mul(entitlement, a.mantissa, "E × assessment")?, pow10(a.scale)?, rounding)?,
            at_cost,
            "due",
        )?,
    };
    let cmi = if s.scored() > 0 && pool.score > 0 {
        // (S_h / n_h) / (S / n) = S_h × n / (n_h × S)
        let num = mul(s.score, i128::from(pool.scored()), "cmi")?;
        let den = mul(i128::from(s.scored()), pool.score, "cmi")?;
        Some(div_to_scale(num, den, 4, rounding)?)
    } else {
        None
    };
    Ok(ClearedHospital {
        cmi,
        dip_amount: p,
        balance: sub(p, items, "balance")?,
        kept,
        shared,
        shared_uncapped,
        entitlement,
        due,
        adjustment: sub(due, h.paid, "adjustment")?,
    })
}

/// One band of a hospital's corridor: the part of its surplus or overspend between the band's
/// bounds (`from` and `to`, in money: the previous band's and its own `up_to` × P), that slice,
/// the band's share and the slice × share — all exact (not rounded to the unit).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BandSlice {
    /// Where the band starts, in money (the previous band's bound × P).
    pub from: Dec,
    /// Where it ends (its own `up_to` × P).
    pub to: Dec,
    /// The part of the difference in the band.
    pub slice: Dec,
    /// The band's share (`keep` of a surplus, `fund_share` of an overspend).
    pub share: Dec,
    /// slice × share.
    pub amount: Dec,
}

/// The bands of step 7's corridor for a hospital paid `p` (internal fixed point) with a
/// difference `diff` ≥ 0 (surplus or overspend) — what [`corridor`] sums; a statement lists them.
pub fn band_slices(p: i128, diff: i128, bands: &[(Dec, Dec)]) -> Result<Vec<BandSlice>, Overflow> {
    let (raw, bound_scale, share_scale) = raw_bands(p, diff, bands)?;
    let money = |v: i128| Dec::new(v, SCALE + bound_scale).normalized();
    Ok(raw
        .into_iter()
        .zip(bands)
        .map(|((lower, upper, slice, amount), (_, share))| BandSlice {
            from: money(lower),
            to: money(upper),
            slice: money(slice),
            share: *share,
            amount: Dec::new(amount, SCALE + bound_scale + share_scale).normalized(),
        })
        .collect())
}

/// Σ over bands of the slice of `diff` that falls in the band, times the band's share, as an
/// exact fraction `(num, den)` of internal fixed point. Band i covers the ratio diff / p between
/// the previous `up_to` and its own; beyond the last band the share is 0; with p = 0 every band
/// is empty.
fn corridor(p: i128, diff: i128, bands: &[(Dec, Dec)]) -> Result<(i128, i128), Overflow> {
    let (raw, bound_scale, share_scale) = raw_bands(p, diff, bands)?;
    let num = raw.iter().try_fold(0i128, |n, (_, _, _, amount)| add(n, *amount, "a corridor"))?;
    Ok((num, pow10(bound_scale + share_scale)?))
}

/// Each band's (from, to, slice) at `bound_scale` decimals beyond the internal scale and its
/// amount at `bound_scale + share_scale`; with those two scales.
#[allow(clippy::type_complexity)]
fn raw_bands(p: i128, diff: i128, bands: &[(Dec, Dec)]) -> Result<(Vec<(i128, i128, i128, i128)>, u32, u32), Overflow> {
    let bound_scale = bands.iter().map(|(u, _)| u.scale).max().unwrap_or(0);
    let share_scale = bands.iter().map(|(_, s)| s.scale).max().unwrap_or(0);
    let diff = mul(diff, pow10(bound_scale)?, "a corridor")?;
    let mut lower = 0i128;
    let mut out = Vec::with_capacity(bands.len());
    for (up_to, share) in bands {
        // p × up_to at bound_scale decimals
        let upper = mul(p, mul(up_to.mantissa, pow10(bound_scale - up_to.scale)?, "a corridor")?, "a corridor")?;
        let slice = (diff.min(upper) - lower).max(0);
        let share = mul(share.mantissa, pow10(share_scale - share.scale)?, "a corridor")?;
        out.push((lower, upper, slice, mul(slice, share, "a corridor")?));
        lower = upper;
    }
    Ok((out, bound_scale, share_scale))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dip::config::{OverspendBand, SurplusBand};
    use crate::number::{MoneyUnit, ONE};

    fn d(s: &str) -> Decimal {
        crate::number::parse_decimal(s).unwrap()
    }

    /// The worked corridor of docs/dip.md: P = 10,000,000 against items of 11,500,000.
    #[test]
    fn band_slices_list_what_the_corridor_sums() {
        let bands = [(Dec::from(d("0.1")), Dec::from(d("0.7"))), (Dec::from(d("0.2")), Dec::from(d("0.5")))];
        let slices = band_slices(10_000_000 * ONE, 1_500_000 * ONE, &bands).unwrap();
        let shown: Vec<[String; 4]> = slices
            .iter()
            .map(|b| [b.from.to_string(), b.to.to_string(), b.slice.to_string(), b.amount.to_string()])
            .collect();
        assert_eq!(shown, [["0", "1000000", "1000000", "700000"], ["1000000", "2000000", "500000", "250000"]]);
        let (num, den) = corridor(10_000_000 * ONE, 1_500_000 * ONE, &bands).unwrap();
        assert_eq!(num / den, 950_000 * ONE);
    }

    /// One hospital cleared on its own corridor (no reserve cap: that is a pool's matter).
    fn alone(h: &Hospital, p: i128, pool: &CaseSums, config: &Config) -> Result<ClearedHospital, Overflow> {
        let (kept, shared) = corridor_of(h, p, config)?;
        clear_hospital(h, p, (kept, shared, shared), pool, config)
    }

    fn key() -> DipPoolKey {
        DipPoolKey { region: "r1".into(), fund: "employee".into(), year: 2026 }
    }

    fn hospital(id: &str, score: i128, items: i128, assessment: &str) -> Hospital {
        Hospital {
            cases: HospitalCases {
                institution_id: id.into(),
                pool: key(),
                level: "3".into(),
                coefficient: d("1"),
                assessment: d(assessment),
                assessment_score: None,
                sums: CaseSums { cases: 10, score: score * ONE, items: items * ONE, ..CaseSums::default() },
            },
            paid: 0,
            withheld: 0,
        }
    }

    fn fen() -> Config {
        let mut c = Config::default();
        c.money.unit = MoneyUnit::from_decimal(d("0.01")).unwrap();
        c
    }

    /// docs/dip.md's worked point value: basis total_cost, B 1,260,000,000, R 63,000,000, ρ 0.72,
    /// S 160,000,000; a hospital of 2,000,000 scores.
    #[test]
    fn worked_point_value_and_payment_on_the_total_cost_basis() {
        let pool = DipPool {
            fund: FundRow {
                key: key(),
                budget: 1_260_000_000 * ONE,
                reserve: 63_000_000 * ONE,
                payment_ratio: d("0.72"),
            },
            hospitals: vec![hospital("H1", 2_000_000, 0, "1"), hospital("H2", 158_000_000, 0, "1")],
            given: None,
            funded: true,
        };
        let mut config = fen();
        config.dip.point_value.basis = Basis::TotalCost;
        let c = clear_pool(&pool, &config).unwrap();
        assert_eq!(c.solved.point_value.fpv_exact, Some(10_390_625_000_000_000_000));
        assert_eq!(c.solved.point_value.fpv, Some(103_906));
        assert_eq!(c.hospitals[0].dip_amount, 14_962_464 * ONE);
        config.point_value.pay_with = crate::config::PayWith::Exact;
        assert_eq!(clear_pool(&pool, &config).unwrap().hospitals[0].dip_amount, 14_962_500 * ONE);
        config.point_value.pay_with = crate::config::PayWith::Published;
        config.point_value.scale = 6;
        assert_eq!(clear_pool(&pool, &config).unwrap().hospitals[0].dip_amount, 14_962_500 * ONE);
    }

    /// The 70 / 70–50 corridor (data/policies/corridor-70-70-50.toml): keep 70% of a surplus;
    /// overspend within 10% shared 70%, 10–20% shared 50%.
    #[test]
    fn the_70_70_50_corridor() {
        let mut config = fen();
        config.dip.clearing.surplus = vec![SurplusBand { up_to: d("1"), keep: d("0.7") }];
        config.dip.clearing.overspend = vec![
            OverspendBand { up_to: d("0.1"), fund_share: d("0.7") },
            OverspendBand { up_to: d("0.2"), fund_share: d("0.5") },
        ];
        let h = hospital("H", 0, 9_000_000, "1");
        let c = alone(&h, 12_000_000 * ONE, &h.cases.sums, &config).unwrap();
        assert_eq!((c.kept, c.entitlement), (2_100_000 * ONE, 11_100_000 * ONE));
        let h = hospital("H", 0, 11_500_000, "1");
        let c = alone(&h, 10_000_000 * ONE, &h.cases.sums, &config).unwrap();
        assert_eq!((c.shared, c.entitlement), (950_000 * ONE, 10_950_000 * ONE));
        // P = 0: every band is empty
        let c = alone(&h, 0, &h.cases.sums, &config).unwrap();
        assert_eq!((c.shared, c.entitlement), (0, 0));
    }

    /// Shenzhen-shaped bands, P = 14,962,500.00, items paid monthly at 95% with 5% withheld,
    /// the withholding released by the assessment.
    #[test]
    fn shenzhen_bands_with_withheld_assessment() {
        let mut config = fen();
        config.dip.clearing.surplus =
            vec![SurplusBand { up_to: d("0.1"), keep: d("1") }, SurplusBand { up_to: d("0.2"), keep: d("0.6") }];
        config.dip.clearing.overspend = vec![
            OverspendBand { up_to: d("0.05"), fund_share: d("0.6") },
            OverspendBand { up_to: d("0.1"), fund_share: d("0.5") },
        ];
        let p = 14_962_500 * ONE;
        for (items, a, adjustment) in [
            (15_800_000, "0.92", 382_862_5000),
            (13_000_000, "1", 2_426_000 * ONE),
            (19_750_000, "0.80", -3_174_562_5000),
        ] {
            let mut h = hospital("H", 0, items, a);
            h.withheld = items * ONE / 20;
            h.paid = items * ONE - h.withheld;
            let c = alone(&h, p, &h.cases.sums, &config).unwrap();
            assert_eq!(c.adjustment, adjustment, "items {items}");
        }
    }

    /// Band edges exactly at 5% and 10%, and a band sum of odd cents rounded once.
    #[test]
    fn band_edges_and_one_rounding_of_the_band_sum() {
        let mut config = fen();
        config.dip.clearing.overspend = vec![
            OverspendBand { up_to: d("0.05"), fund_share: d("0.6") },
            OverspendBand { up_to: d("0.1"), fund_share: d("0.5") },
        ];
        let p = 1_000_000 * ONE;
        for (items, shared) in [(1_050_000, 30_000), (1_100_000, 55_000), (1_200_000, 55_000)] {
            let h = hospital("H", 0, items, "1");
            assert_eq!(alone(&h, p, &h.cases.sums, &config).unwrap().shared, shared * ONE, "items {items}");
        }
        // P = 100.01, A = 105.02: 5.0005 × 0.6 + 0.0095 × 0.5 = 3.00505 → 3.01 once (3.00 + 0.00 per band)
        let mut h = hospital("H", 0, 0, "1");
        h.cases.sums.items = 105_0200;
        assert_eq!(alone(&h, 100_0100, &h.cases.sums, &config).unwrap().shared, 3_0100);
    }

    #[test]
    fn assessment_modes() {
        let mut config = fen();
        config.dip.clearing.surplus = vec![SurplusBand { up_to: d("1"), keep: d("0.7") }];
        let mut h = hospital("H", 0, 9_000_000, "0.9");
        h.cases.sums.at_cost_amount = 100 * ONE;
        h.withheld = 1_000 * ONE;
        let p = 12_000_000 * ONE;
        // withheld: 11,100,000 + 100 − 1,000 × 0.1
        let c = alone(&h, p, &h.cases.sums, &config).unwrap();
        assert_eq!(c.due, 11_100_000 * ONE);
        config.dip.clearing.assessment = AssessmentMode::Surplus;
        // kept 3,000,000 × 0.7 × 0.9 = 1,890,000
        let c = alone(&h, p, &h.cases.sums, &config).unwrap();
        assert_eq!((c.kept, c.due), (1_890_000 * ONE, 10_890_100 * ONE));
        config.dip.clearing.assessment = AssessmentMode::Entitlement;
        // 11,100,000 × 0.9 + 100
        let c = alone(&h, p, &h.cases.sums, &config).unwrap();
        assert_eq!(c.due, 9_990_100 * ONE);
    }

    #[test]
    fn largest_remainder_splits_the_money_exactly_and_at_cost_is_outside_the_points() {
        let mut h1 = hospital("A", 1, 0, "1");
        h1.cases.sums.at_cost_amount = 50 * ONE;
        h1.cases.sums.at_cost = 1;
        let pool = DipPool {
            fund: FundRow { key: key(), budget: 150 * ONE, reserve: 0, payment_ratio: d("1") },
            hospitals: vec![h1, hospital("B", 1, 0, "1"), hospital("C", 1, 0, "1")],
            given: None,
            funded: true,
        };
        let mut config = fen();
        config.reconcile.mode = crate::config::ReconcileMode::LargestRemainder;
        let c = clear_pool(&pool, &config).unwrap();
        // money = 150 − 50 = 100 over three equal scores: 33.34 + 33.33 + 33.33 to the fen
        let p: Vec<i128> = c.hospitals.iter().map(|h| h.dip_amount).collect();
        assert_eq!(p, vec![33_3400, 33_3300, 33_3300]);
        assert_eq!(c.solved.residual, 0);
        assert_eq!(c.solved.point_value.floating_money, 100 * ONE);
    }

    #[test]
    fn special_quota_infeasible_and_pools_without_funds() {
        let mut h = hospital("A", 10, 0, "1");
        h.cases.sums.special = 1;
        h.cases.sums.cases = 199;
        let pool = |h: Hospital, budget: i128| DipPool {
            fund: FundRow { key: key(), budget, reserve: 0, payment_ratio: d("1") },
            hospitals: vec![h],
            given: None,
            funded: true,
        };
        // 1 special of 199 cases > 0.005 × 199
        let err = clear(&[pool(h.clone(), 100 * ONE)], &fen()).unwrap_err();
        assert!(err.to_string().contains("region=r1 fund=employee year=2026: 1 special cases of 199"), "{err}");
        h.cases.sums.cases = 200;
        assert!(clear(&[pool(h.clone(), 100 * ONE)], &fen()).is_ok());
        h.cases.sums.at_cost_amount = 200 * ONE;
        let err = clear(&[pool(h.clone(), 100 * ONE)], &fen()).unwrap_err();
        assert!(err.to_string().contains("at-cost amounts 200.00 = -100.00"), "{err}");
        let err = assemble(vec![], vec![h.cases.clone()], vec![], None).unwrap_err();
        assert!(err.to_string().contains("region=r1 fund=employee year=2026"), "{err}");
        let orphan = PaymentRow { institution_id: "Z".into(), pool: key(), paid: ONE, withheld: 0 };
        let funds = vec![FundRow { key: key(), budget: ONE, reserve: 0, payment_ratio: d("1") }];
        let err = assemble(funds, vec![h.cases], vec![orphan], None).unwrap_err();
        assert!(err.to_string().contains("institution Z in region=r1"), "{err}");
    }
}
