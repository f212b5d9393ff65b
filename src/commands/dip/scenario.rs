//! `dianzhi dip scenario`: the DIP year read once, the baseline and every scenario's overlays
//! cleared, the stacked tables and the comparison with its attribution written
//! (docs/analysts.md, "DIP what-if").
//!
//! Overlays of budget and volume, and configs that leave scoring alone, are solved from each
//! hospital's per-pool sums in memory. A scenario whose config changes scoring (`[dip.score]`,
//! `[dip.outliers]`, `money.rounding`) rescans the cases once with its own scorer: scoring needs
//! every case's group, level, cost and factors, which a year holds by the ten million.

use std::path::{Path, PathBuf};

use dianzhi_analysis::scenario::{dip_comparison, stack, BASELINE};
use dianzhi_columnar::dip::cases::{scan_cases, ScanOptions};
use dianzhi_columnar::dip::catalog::Catalog;
use dianzhi_columnar::dip::outputs;
use dianzhi_columnar::dip::tables::SpecialDecisions;
use dianzhi_columnar::read::digest::FileRows;
use dianzhi_columnar::read::digest::Hashing;
use dianzhi_columnar::read::source::{resolve, Source};
use dianzhi_columnar::write::{self, Table};
use dianzhi_core::dip::clearing::{assemble, clear, DipPool, FundRow, PaymentRow};
use dianzhi_core::dip::scenario::{rescores, solve, DipEntry, DipScenario};
use dianzhi_core::dip::score::Scorer;
use dianzhi_core::engine::point_value::EXACT_SCALE;
use dianzhi_core::Config;
use serde_json::json;

use super::YearArgs;
use crate::cli::OutArgs;
use crate::commands::scenario::{read_written, Shape};
use crate::console;
use crate::failure::{Failure, Result};
use crate::manifest::{sha256_file, Manifest};
use crate::outdir::OutDir;
use crate::progress::Progress;

/// What-if runs on the year: budget, volume and policy overlays (scoring included) cleared
/// after one scan, stacked with the baseline, each pool's change of point value attributed.
#[derive(clap::Args)]
pub struct DipScenarioArgs {
    #[command(flatten)]
    pub inputs: YearArgs,
    /// Scenarios (TOML): [[scenario]] tables with a name and budget, volume or config overlays.
    #[arg(long, value_name = "FILE")]
    pub scenarios: PathBuf,
    /// Also write every scenario's hospitals (stacked, one row per hospital and pool).
    #[arg(long)]
    pub hospitals: bool,
    #[command(flatten)]
    pub output: OutArgs,
}

/// Runs `dianzhi dip scenario` and prints the comparison.
pub fn command(args: DipScenarioArgs, s: &crate::cli::Settings) -> Result<u8> {
    let done = run(&args, s)?;
    s.say(&console::comparison_table(&done.comparison, &console::DIP_COMPARISON_SHOWN, "pv_exact_delta"));
    s.say(&format!(
        "solved {} scenario(s) over {} DIP pools ({} rescored from the cases) → {}\n",
        done.scenarios,
        done.pools,
        done.rescans,
        done.out.display()
    ));
    Ok(0)
}

pub struct Done {
    pub scenarios: usize,
    pub pools: usize,
    pub rescans: usize,
    pub comparison: Table,
    pub out: PathBuf,
}

/// Reads a DIP scenarios file: budget entries on funds rows (region, fund, year; scale or add),
/// volume entries on hospitals (region, fund, institution_id; scale only), any config key.
pub fn read_scenarios(path: &Path, config_path: Option<&Path>, base: &Config) -> Result<Vec<DipScenario>> {
    let shape = Shape {
        budget: &["region", "fund", "year"],
        volume: &["region", "fund", "institution_id"],
        volume_add: false,
        example: "[{ fund = \"resident\", scale = \"1.03\" }]",
    };
    let file = path.display().to_string();
    let mut out = Vec::new();
    for w in read_written(path, config_path, base, &shape)? {
        let name = w.name.clone();
        let entries = |list: Vec<crate::commands::scenario::Written>| -> Result<Vec<DipEntry>> {
            list.into_iter()
                .map(|e| {
                    let year = e
                        .keys
                        .get("year")
                        .map(|y| {
                            y.parse::<i32>().map_err(|_| {
                                Failure::input(format!(
                                    "{file}: scenario {name:?}, {}: year {y:?} is not a year (YYYY)",
                                    e.at
                                ))
                            })
                        })
                        .transpose()?;
                    Ok(DipEntry {
                        region: e.keys.get("region").cloned(),
                        fund: e.keys.get("fund").cloned(),
                        year,
                        institution_id: e.keys.get("institution_id").cloned(),
                        change: e.change,
                    })
                })
                .collect()
        };
        out.push(DipScenario {
            name: w.name.clone(),
            budget: entries(w.budget)?,
            volume: entries(w.volume)?,
            config: w.config,
        });
    }
    Ok(out)
}

/// The funds a scenario overlays: required here (a forecast at given values is `dip settle`'s).
fn funds_path(inputs: &YearArgs) -> Result<&Path> {
    inputs
        .funds
        .as_deref()
        .ok_or_else(|| Failure::input("dip scenario needs --funds: its budget overlays apply to the funds rows"))
}

/// The year's pools as scored by `scorer`: a scan of the cases (no cases output written),
/// with the rows read per file (and their digests when `hashing` asks).
fn score_year(
    sources: &[Source],
    catalog: &Catalog,
    scorer: &Scorer,
    config: &Config,
    (funds, payments, year, special, assessed): (
        &[FundRow],
        &[PaymentRow],
        Option<i32>,
        Option<&SpecialDecisions>,
        Option<&super::Assessed>,
    ),
    hashing: Hashing,
) -> Result<(Vec<DipPool>, Vec<FileRows>)> {
    let options = ScanOptions { year, spill: None, hashing, special };
    let scan = scan_cases(sources, catalog, scorer, config.money.unit, options, &|_| {})?;
    super::cases_of_year(&scan, year)?;
    let hospitals = super::hospitals(&scan.sums, catalog, assessed, config)?;
    Ok((assemble(funds.to_vec(), hospitals, payments.to_vec(), year)?, scan.files))
}

pub fn run(args: &DipScenarioArgs, s: &crate::cli::Settings) -> Result<Done> {
    if let Some(path) = &args.inputs.aggregates {
        return Err(Failure::input(format!(
            "--aggregates {}: dip scenario scores the cases again under each scenario; give --cases",
            path.display()
        )));
    }
    let config = &super::load_config(args.inputs.config.as_deref())?;
    let mut inputs = args.inputs.paths();
    inputs.push(&args.scenarios);
    let out = OutDir::prepare(&args.output.out, args.output.force, |_| false, &inputs)?;
    // the scenarios are checked before the scan: a typo should not cost a year's read
    let scenarios = read_scenarios(&args.scenarios, args.inputs.config.as_deref(), config)?;
    let mut progress = Progress::new(s.printer);
    let unit = config.money.unit;
    let mut manifest = Manifest::new("dip scenario", config);
    manifest.input("scenarios", &args.scenarios, sha256_file(&args.scenarios)?, scenarios.len() as u64);

    progress.phase("read tables");
    let (catalog, funds, payments) = super::year_tables(
        &args.inputs.lookups,
        Some(funds_path(&args.inputs)?),
        &args.inputs.payments,
        unit,
        &mut manifest,
        s.encoding,
    )?;
    if let Some(p) = &args.inputs.config {
        manifest.input("config", p, sha256_file(p)?, 0);
    }

    progress.phase("score cases");
    let sources = resolve(&args.inputs.cases, s.encoding)?;
    let special = args.inputs.special(&mut manifest, s.encoding)?;
    let assessed = args.inputs.assessment(config, &mut manifest, s.encoding)?;
    let year_inputs = (funds.as_slice(), payments.as_slice(), args.inputs.year, special.as_ref(), assessed.as_ref());
    let (pools, files) = score_year(&sources, &catalog, &Scorer::new(config), config, year_inputs, Hashing::Sha256)?;
    for f in files {
        manifest.input("cases", &f.path, f.sha256.expect("hashed by the scan"), f.rows);
    }
    let baseline = clear(&pools, config)?;

    progress.phase("rescore scenarios");
    let mut rescored = Vec::with_capacity(scenarios.len());
    for s in &scenarios {
        rescored.push(if rescores(s, config) {
            Some(score_year(&sources, &catalog, &Scorer::new(&s.config), &s.config, year_inputs, Hashing::Skip)?.0)
        } else {
            None
        });
    }
    let rescans = rescored.iter().filter(|r| r.is_some()).count();

    progress.phase("solve scenarios");
    let solved = solve(&pools, &baseline, config, &scenarios, &rescored)?;
    drop(rescored);

    progress.phase("write outputs");
    let mut point_values = vec![(BASELINE.to_string(), outputs::point_values(&pools, &baseline, config))];
    let mut hospitals = Vec::new();
    if args.hospitals {
        hospitals.push((BASELINE.to_string(), outputs::hospitals(&pools, &baseline, config)));
    }
    let (mut names, mut regions, mut funds_col, mut years) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut parts: [Vec<Option<i128>>; 3] = Default::default();
    for (s, r) in scenarios.iter().zip(&solved) {
        point_values.push((s.name.clone(), outputs::point_values(&r.pools, &r.cleared, &s.config)));
        if args.hospitals {
            hospitals.push((s.name.clone(), outputs::hospitals(&r.pools, &r.cleared, &s.config)));
        }
        for (p, e) in r.pools.iter().zip(&r.effects) {
            names.push(s.name.clone());
            regions.push(p.fund.key.region.clone());
            funds_col.push(p.fund.key.fund.clone());
            years.push(i64::from(p.fund.key.year));
            for (k, part) in parts.iter_mut().enumerate() {
                part.push(e.map(|e| e[k]));
            }
        }
    }
    let mut effects = Table::default();
    effects.text("scenario", names);
    effects.text("region", regions);
    effects.text("fund", funds_col);
    effects.int("year", years);
    for (name, part) in ["budget_effect", "volume_effect", "config_effect"].into_iter().zip(parts) {
        effects.nullable_decimal(name, EXACT_SCALE, part);
    }
    let stacked = stack(&point_values)?;
    let comparison = dip_comparison(&stacked, &effects)?;
    let ext = args.output.ext();
    let mut tables = vec![("point_values", stacked), ("comparison", comparison)];
    if args.hospitals {
        tables.push(("hospitals", stack(&hospitals)?));
    }
    for (name, table) in &tables {
        let file = format!("{name}.{ext}");
        write::write_table(table, &out.file(&file), args.output.format())?;
        manifest.output(&file, table.rows(), sha256_file(&out.file(&file))?);
    }
    manifest.set("year", json!(args.inputs.year));
    manifest.set("scenarios", json!(scenarios.iter().map(|s| s.name.as_str()).collect::<Vec<_>>()));
    manifest.set("rescans", json!(rescans));
    manifest.finish(&out.file("manifest.json"), progress.phases())?;
    let out = out.commit()?;
    let comparison = tables.swap_remove(1).1;
    Ok(Done { scenarios: scenarios.len(), pools: pools.len(), rescans, comparison, out })
}
