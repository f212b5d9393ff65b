//! `dianzhi dip settle`: score every case, find each pool's point value, pay and clear every
//! hospital (docs/dip.md).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;

use dianzhi_columnar::dip::cases::{scan_cases, ScanOptions};
use dianzhi_columnar::dip::outputs;
use dianzhi_columnar::dip::spill::CaseSpill;
use dianzhi_columnar::read::digest::Hashing;
use dianzhi_columnar::read::source::resolve;
use dianzhi_columnar::write::{self, TableWriter};
use dianzhi_core::dip::clearing::{assemble, clear, CaseSums, ClearedPool, DipPool, ReserveCap};
use dianzhi_core::dip::score::Scorer;
use dianzhi_core::number::SCALE;
use dianzhi_core::Config;
use serde_json::json;

use super::YearArgs;
use crate::cli::OutArgs;
use crate::console;
use crate::failure::{Failure, Result};
use crate::manifest::{fixed_text, sha256_file, total, Manifest};
use crate::outdir::OutDir;
use crate::progress::Progress;

/// Year-end settlement: every case scored, each pool's point value, every hospital cleared.
#[derive(clap::Args)]
pub struct DipSettleArgs {
    #[command(flatten)]
    pub inputs: YearArgs,
    /// Given point values (region, fund, point_value[, payment_ratio]): the pools are cleared at
    /// them, not solved — a hospital's forecast, a bureau's mid-year estimate; --funds optional.
    #[arg(long, value_name = "FILE")]
    pub point_values: Option<PathBuf>,
    /// Case columns to carry through to the cases table as text, e.g. --keep department,doctor.
    #[arg(long, value_delimiter = ',', conflicts_with = "aggregates", value_name = "COL,…")]
    pub keep: Vec<String>,
    /// With --point-values: write only the cases table, each case valued at the given values;
    /// no pool is cleared or checked (a part of the year's cases — a Spark partition — is no
    /// pool: dianzhi.spark values each partition so).
    #[arg(long, requires = "point_values", conflicts_with = "aggregates")]
    pub cases_only: bool,
    #[command(flatten)]
    pub output: OutArgs,
}

/// Runs `dianzhi dip settle` and prints its summary.
pub fn command(args: DipSettleArgs, s: &crate::cli::Settings) -> Result<u8> {
    let done = settle(&args, |_| false, s)?;
    if args.cases_only {
        s.say(&format!("valued {} cases at the given point values → {}\n", done.cases, done.out.display()));
        return Ok(0);
    }
    let rows: usize = done.pools.iter().map(|p| p.hospitals.len()).sum();
    s.say(&format!(
        "settled {} DIP pools, {} hospital rows from {} cases{} → {}\n",
        done.pools.len(),
        rows,
        done.cases,
        if done.other_years > 0 {
            format!(" ({} of other years than --year left out)", done.other_years)
        } else {
            String::new()
        },
        done.out.display()
    ));
    s.say(&console::not_ok(
        done.pools.iter().zip(&done.cleared).map(|(p, c)| (p.fund.key.to_string(), c.dip_status())),
    ));
    s.say(&reserve_cap_summary(&done.cleared, &done.config));
    Ok(0)
}

/// What the reserve cap did, when it bit: the overspend shares it cut, or (allowed) the draw
/// beyond the reserve.
pub fn reserve_cap_summary(cleared: &[ClearedPool], config: &dianzhi_core::Config) -> String {
    let unit = config.money.unit;
    let money = |v: i128| dianzhi_core::number::format_fixed(unit.to_output(v), unit.decimals);
    let of = |cap: ReserveCap| cleared.iter().filter(move |c| c.reserve_cap == cap);
    let mut s = String::new();
    let capped: Vec<&ClearedPool> = of(ReserveCap::Capped).collect();
    if !capped.is_empty() {
        let before: i128 = capped.iter().map(|c| c.shared_uncapped).sum();
        let after: i128 = capped.iter().flat_map(|c| c.hospitals.iter().map(|h| h.shared)).sum();
        s.push_str(&format!(
            "reserve cap: in {} pool(s) the overspend shares ({}) exceeded the reserve and the surplus hospitals' savings: cut in proportion to {} (shared_uncapped keeps the corridor's figure; [dip.clearing] over_reserve = \"allow\" pays them whole)\n",
            capped.len(),
            money(before),
            money(after)
        ));
    }
    let over = of(ReserveCap::Over).count();
    if over > 0 {
        s.push_str(&format!(
            "warning: in {over} pool(s) the overspend shares draw more than the reserve (over_reserve = \"allow\"): the year pays more than its budget\n"
        ));
    }
    s
}

/// Funds rows of no money for a forecast without funds: one per pool of the cases, with the
/// payment ratio of its given value (needed under basis total_cost; else 1).
fn unfunded(
    hospitals: &[dianzhi_core::dip::clearing::HospitalCases],
    values: &dianzhi_core::dip::presettle::PublishedValues,
    config: &dianzhi_core::Config,
) -> Result<Vec<dianzhi_core::dip::clearing::FundRow>> {
    let total_cost = config.dip.point_value.basis == dianzhi_core::dip::config::Basis::TotalCost;
    let mut rows: BTreeMap<dianzhi_core::dip::clearing::DipPoolKey, dianzhi_core::dip::clearing::FundRow> =
        BTreeMap::new();
    for h in hospitals {
        if rows.contains_key(&h.pool) {
            continue;
        }
        let ratio = values.get(&(h.pool.region.clone(), h.pool.fund.clone())).and_then(|v| v.payment_ratio);
        if total_cost && ratio.is_none() {
            return Err(Failure::input(format!(
                "--point-values: {} has no payment_ratio; under basis total_cost a forecast without --funds needs it (a column payment_ratio)",
                h.pool
            )));
        }
        let row = dianzhi_core::dip::clearing::FundRow {
            key: h.pool.clone(),
            budget: 0,
            reserve: 0,
            payment_ratio: ratio.unwrap_or(dianzhi_core::number::Decimal::ONE),
        };
        rows.insert(h.pool.clone(), row);
    }
    Ok(rows.into_values().collect())
}

/// Sets each pool's given value (every pool with cases needs one) and whether funds back it.
fn at_given_values(
    pools: &mut [DipPool],
    values: &dianzhi_core::dip::presettle::PublishedValues,
    funded: bool,
) -> Result<()> {
    let mut missing = Vec::new();
    for p in pools.iter_mut() {
        p.funded = funded;
        match values.get(&(p.fund.key.region.clone(), p.fund.key.fund.clone())) {
            Some(v) => p.given = Some(dianzhi_core::number::Dec::new(v.point_value, dianzhi_core::number::SCALE)),
            None if !p.hospitals.is_empty() => missing.push(format!("  {}", p.fund.key)),
            None => {}
        }
    }
    if !missing.is_empty() {
        return Err(Failure::input(format!(
            "--point-values gives no value for {} pool(s) with cases:\n{}\ngive each pool a row (region, fund, point_value)",
            missing.len(),
            missing.join("\n")
        )));
    }
    Ok(())
}

pub struct DipSettled {
    pub pools: Vec<DipPool>,
    pub cleared: Vec<ClearedPool>,
    /// Case rows read, and of those the rows left out by `--year`.
    pub cases: u64,
    pub other_years: u64,
    pub out: PathBuf,
    /// The config the year was cleared under.
    pub config: dianzhi_core::Config,
}

pub fn settle(
    args: &DipSettleArgs,
    replaceable: impl Fn(&Path) -> bool,
    s: &crate::cli::Settings,
) -> Result<DipSettled> {
    let config = &super::load_config(args.inputs.config.as_deref())?;
    let out = OutDir::prepare(&args.output.out, args.output.force, replaceable, &args.inputs.paths())?;
    let mut progress = Progress::new(s.printer);
    let unit = config.money.unit;
    let mut manifest = Manifest::new("dip settle", config);

    progress.phase("read tables");
    let (catalog, funds, payments) = super::year_tables(
        &args.inputs.lookups,
        args.inputs.funds.as_deref(),
        &args.inputs.payments,
        unit,
        &mut manifest,
        s.encoding,
    )?;
    let given = match &args.point_values {
        Some(p) => {
            let source = super::single(p, "point values", s.encoding)?;
            let (v, n) = dianzhi_columnar::dip::tables::read_point_values(&source)?;
            manifest.input("point_values", &source.path, sha256_file(&source.path)?, n);
            Some(v)
        }
        None => None,
    };
    let funded = args.inputs.funds.is_some();
    if !funded && given.is_none() {
        return Err(Failure::input(
            "--funds is needed to solve the point values; give it, or --point-values to clear the year at given values",
        ));
    }

    progress.phase("score cases");
    let (sums, case_rows, other_years, spill, assessed) = match &args.inputs.aggregates {
        // the sums of a scan made before (dip aggregate, or Spark's sum of partial scans)
        Some(path) => {
            let source = super::single(path, "aggregates", s.encoding)?;
            let (sums, rows) = dianzhi_columnar::dip::tables::read_case_sums(&source, unit)?;
            manifest.input("aggregates", &source.path, sha256_file(&source.path)?, rows);
            let (sums, cases, other_years) = super::sums_of_year(sums, args.inputs.year, &source.path)?;
            let assessed = args.inputs.assessment(config, &mut manifest, s.encoding)?;
            (sums, cases, other_years, None, assessed)
        }
        None => {
            let sources = resolve(&args.inputs.cases, s.encoding)?;
            let counter = progress.rows();
            let scorer = Scorer::new(config);
            // the cases are spilled to disk in buckets of the output order, sorted after the scan
            let bytes: u64 = sources.iter().map(|s| std::fs::metadata(&s.path).map_or(0, |m| m.len())).sum();
            let pools_known = match (&given, funded) {
                (Some(values), false) => values.keys().cloned().collect(),
                _ => funds.iter().map(|f| (f.key.region.clone(), f.key.fund.clone())).collect(),
            };
            let mut keep: Vec<String> = Vec::new();
            for name in args.keep.iter().map(|k| k.trim()) {
                if name.is_empty()
                    || dianzhi_columnar::dip::outputs::CASES_COLUMNS.contains(&name)
                    || keep.iter().any(|k| k == name)
                {
                    return Err(Failure::input(format!(
                        "--keep {name:?}: {}; name case columns to carry through, e.g. --keep department,doctor",
                        if name.is_empty() {
                            "an empty name"
                        } else {
                            "already a column of the cases table (or kept twice)"
                        }
                    )));
                }
                keep.push(name.to_string());
            }
            let spill =
                CaseSpill::create(&out.file(".cases-spill"), pools_known, catalog.institution_ids(), bytes / 16, keep)?;
            let special = args.inputs.special(&mut manifest, s.encoding)?;
            let assessed = args.inputs.assessment(config, &mut manifest, s.encoding)?;
            let options = ScanOptions {
                year: args.inputs.year,
                spill: Some(&spill),
                hashing: Hashing::Sha256,
                special: special.as_ref(),
            };
            let scan = scan_cases(&sources, &catalog, &scorer, unit, options, &|n| {
                counter.fetch_add(n, Ordering::Relaxed);
            })?;
            for f in &scan.files {
                manifest.input("cases", &f.path, f.sha256.clone().expect("hashed by the scan"), f.rows);
            }
            let other_years = super::cases_of_year(&scan, args.inputs.year)?;
            (scan.sums, scan.rows, other_years, Some(spill), assessed)
        }
    };

    progress.phase("clear pools");
    let hospitals = super::hospitals(&sums, &catalog, assessed.as_ref(), config)?;
    let funds = if funded { funds } else { unfunded(&hospitals, given.as_ref().expect("checked"), config)? };
    let mut pools = assemble(funds, hospitals, payments, args.inputs.year)?;
    if let Some(values) = &given {
        at_given_values(&mut pools, values, funded)?;
    }
    let cleared = if args.cases_only {
        // each pool at its given value, without the year's checks of a whole pool (the quota)
        pools
            .iter()
            .map(|p| {
                dianzhi_core::dip::clearing::clear_pool(p, config)
                    .map_err(dianzhi_core::engine::PoolOverflow::of(&p.fund.key))
            })
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|e| Failure::input(e.to_string()))?
    } else {
        clear(&pools, config)?
    };

    progress.phase("write outputs");
    let ext = args.output.ext();
    let tables = [
        ("point_values", outputs::point_values(&pools, &cleared, config)),
        ("hospitals", outputs::hospitals(&pools, &cleared, config)),
    ];
    for (name, table) in tables.into_iter().filter(|_| !args.cases_only) {
        let file = format!("{name}.{ext}");
        write::write_table(&table, &out.file(&file), args.output.format())?;
        manifest.output(&file, table.rows(), sha256_file(&out.file(&file))?);
    }
    // the scored cases, when they were read (not with --aggregates)
    if let Some(spill) = spill {
        let file = format!("cases.{ext}");
        // case ids and a case's own amounts rarely repeat: a dictionary of them would only cost
        // time; the tables come cut where the sort's buckets end (their number follows the
        // input's size): aligned, the file's bytes do not
        let mut writer = TableWriter::create(&out.file(&file), args.output.format())?
            .plain(&["case_id", "total_cost", "fund_paid", "payment", "standard", "margin"])
            .aligned(dianzhi_columnar::dip::spill::WRITE_ROWS);
        // each case valued at its pool's published point value
        let values = dianzhi_columnar::dip::spill::CaseValues {
            pools: pools
                .iter()
                .zip(&cleared)
                .map(|(p, c)| {
                    let k = &p.fund.key;
                    (
                        (k.region.clone(), k.fund.clone(), k.year),
                        (c.solved.point_value.fpv, p.fund.payment_ratio.into()),
                    )
                })
                .collect(),
            scale: config.point_value.scale,
            total_cost_basis: config.dip.point_value.basis == dianzhi_core::dip::config::Basis::TotalCost,
            unit: config.money.unit,
            rounding: config.money.rounding,
        };
        let written = spill.write_sorted(&catalog, &values, &mut writer)?;
        writer.close()?;
        manifest.output(&file, written as usize, sha256_file(&out.file(&file))?);
    }
    if let Some(p) = &args.inputs.config {
        manifest.input("config", p, sha256_file(p)?, 0);
    }
    manifest.set("year", json!(args.inputs.year));
    manifest.set("counts", counts(case_rows, &pools, &cleared));
    manifest.set("totals", totals(&pools, &cleared, config));
    manifest.finish(&out.file("manifest.json"), progress.phases())?;
    let out = out.commit()?;
    Ok(DipSettled { pools, cleared, cases: case_rows, other_years, out, config: config.clone() })
}

fn counts(case_rows: u64, pools: &[DipPool], cleared: &[ClearedPool]) -> serde_json::Value {
    let mut status: BTreeMap<&str, usize> = BTreeMap::new();
    for c in cleared {
        *status.entry(c.dip_status()).or_default() += 1;
    }
    let sum = |f: &dyn Fn(&CaseSums) -> u64| cleared.iter().map(|c| f(&c.sums)).sum::<u64>();
    json!({
        "case_rows": case_rows,
        "pools": pools.len(),
        "pools_by_status": status,
        "hospital_rows": pools.iter().map(|p| p.hospitals.len()).sum::<usize>(),
        "cases": sum(&|s| s.cases),
        "low_cases": sum(&|s| s.low),
        "high_cases": sum(&|s| s.high),
        "extreme_cases": sum(&|s| s.extreme),
        "special_cases": sum(&|s| s.special),
        "at_cost_cases": sum(&|s| s.at_cost),
    })
}

fn totals(pools: &[DipPool], cleared: &[ClearedPool], config: &Config) -> serde_json::Value {
    let unit = config.money.unit;
    let money = |v: Option<i128>| fixed_text(v.map(|v| unit.to_output(v)), unit.decimals);
    let sum = |f: &dyn Fn(&DipPool, &ClearedPool) -> i128| total(pools.iter().zip(cleared).map(|(p, c)| f(p, c)));
    let hospitals = |f: &dyn Fn(&dianzhi_core::dip::clearing::ClearedHospital) -> i128| {
        money(total(cleared.iter().flat_map(|c| &c.hospitals).map(f)))
    };
    json!({
        "budget": money(sum(&|p, _| p.fund.budget)),
        "reserve": money(sum(&|p, _| p.fund.reserve)),
        "at_cost_amount": money(sum(&|_, c| c.sums.at_cost_amount)),
        "total_score": fixed_text(sum(&|_, c| c.sums.score), SCALE),
        "dip_amount": hospitals(&|h| h.dip_amount),
        "item_amount": money(sum(&|_, c| c.sums.items)),
        "entitlement": money(sum(&|_, c| c.entitlement)),
        "residual": money(sum(&|_, c| c.solved.residual)),
        "due": hospitals(&|h| h.due),
        "adjustment": hospitals(&|h| h.adjustment),
    })
}
