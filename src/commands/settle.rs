//! `dianzhi settle`: read, aggregate, clear every pool, write the tables and the manifest.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use dianzhi_columnar::read::digest::Hashing;
use dianzhi_columnar::read::source::{resolve, Source};
use dianzhi_columnar::taiwan::claims;
use dianzhi_columnar::taiwan::{outputs, tables};
use dianzhi_columnar::write;
use dianzhi_core::number::SCALE;
use dianzhi_core::period::Quarter;
use dianzhi_core::taiwan::clearing::{assemble, clear, InterimRow};
use dianzhi_core::taiwan::pool::PoolInput;
use dianzhi_core::taiwan::settlement::SettledPool;
use dianzhi_core::Config;
use serde_json::json;

use crate::cli::{parse_quarter, OutArgs};
use crate::console;
use crate::failure::{Failure, Result};
use crate::load_config;
use crate::manifest::{fixed_text, sha256_file, total, Manifest};
use crate::outdir::OutDir;
use crate::progress::Progress;

/// The inputs of a quarter's clearing (settle, scenario).
#[derive(clap::Args)]
pub struct QuarterArgs {
    /// Claims files, directories (every *.parquet / *.csv inside) or globs.
    #[arg(long, required_unless_present = "aggregates", num_args = 1.., value_name = "PATH")]
    pub claims: Vec<PathBuf>,
    /// The output of `dianzhi aggregate` instead of --claims: the same tables, no rescan.
    #[arg(long, conflicts_with = "claims", value_name = "FILE")]
    pub aggregates: Option<PathBuf>,
    /// Budgets table: sector, region, quarter, budget[, charges].
    #[arg(long, value_name = "FILE")]
    pub budgets: PathBuf,
    /// Interim payments: institution_id, sector, region, quarter, interim_paid. Files,
    /// directories or globs (e.g. one file per month); rows for one key are summed.
    #[arg(long, num_args = 1.., value_name = "PATH")]
    pub interim: Vec<PathBuf>,
    /// Policy config (TOML); every key optional (a scenario's config keys merge over it).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Settle only these quarters (YYYYQn); repeatable. Default: every budgeted pool.
    #[arg(long = "quarter", value_parser = parse_quarter, value_name = "YYYYQn")]
    pub quarters: Vec<Quarter>,
}

impl QuarterArgs {
    /// Every path these inputs name (an output must stay apart from them).
    pub fn paths(&self) -> Vec<&Path> {
        let mut p: Vec<&Path> = self.claims.iter().map(PathBuf::as_path).collect();
        p.extend(self.aggregates.as_deref());
        p.push(&self.budgets);
        p.extend(self.interim.iter().map(PathBuf::as_path));
        p.extend(self.config.as_deref());
        p
    }
}

/// Quarterly clearing: each pool's floating point value and every provider's settlement.
#[derive(clap::Args)]
pub struct SettleArgs {
    #[command(flatten)]
    pub quarter: QuarterArgs,
    #[command(flatten)]
    pub output: OutArgs,
}

/// Runs `dianzhi settle` and prints its summary.
pub fn command(args: SettleArgs, s: &crate::cli::Settings) -> Result<u8> {
    let done = run(&args, |_| false, s)?;
    let rows: usize = done.settled.iter().map(|s| s.settlements.len()).sum();
    let outside = done.claim_rows - done.selected_rows;
    s.say(&format!(
        "settled {} pools, {} settlement rows from {} claim rows{} → {}\n",
        done.pools.len(),
        rows,
        done.claim_rows,
        if outside > 0 { format!(" ({outside} outside --quarter left out)") } else { String::new() },
        done.out.display()
    ));
    s.say(&console::not_ok(
        done.pools.iter().zip(&done.settled).map(|(p, s)| (p.key.to_string(), s.point_value.status.as_str())),
    ));
    Ok(0)
}

/// What a settle run produced, for the caller to print.
pub struct Settled {
    pub pools: Vec<PoolInput>,
    pub settled: Vec<SettledPool>,
    pub out: PathBuf,
    /// Claim rows read, and of those the rows in the selected quarters.
    pub claim_rows: u64,
    pub selected_rows: u64,
}

/// Reads budgets, interim payments and claims (or their aggregates) into the pools, recording
/// every input in the manifest. Refuses a selection that holds nothing to settle.
pub fn read_pools(
    inputs: &QuarterArgs,
    config: &Config,
    progress: &mut Progress,
    manifest: &mut Manifest,
    s: &crate::cli::Settings,
) -> Result<Pools> {
    let unit = config.money.unit;
    progress.phase("read budgets");
    let budgets_src = crate::single_file(&inputs.budgets, "budgets", s.encoding)?;
    let (budgets, budget_rows) = tables::read_budgets(&budgets_src, unit)?;
    manifest.input("budgets", &budgets_src.path, sha256_file(&budgets_src.path)?, budget_rows);
    // interim payments may come as several files, e.g. one per month
    let interim_src = if inputs.interim.is_empty() { Vec::new() } else { resolve(&inputs.interim, s.encoding)? };
    let read_interim = || -> Result<Vec<InterimFile>> {
        let read = |s: &Source| -> Result<InterimFile> {
            let (rows, count) = tables::read_interim(s, unit)?;
            Ok(InterimFile { path: s.path.clone(), rows, count, sha256: sha256_file(&s.path)? })
        };
        interim_src.iter().map(read).collect()
    };
    let mut interim = Vec::new();
    let mut record_interim = |manifest: &mut Manifest, files: Vec<InterimFile>| {
        for f in files {
            manifest.input("interim", &f.path, f.sha256, f.count);
            interim.extend(f.rows);
        }
    };

    progress.phase("scan claims");
    let (claims, claim_rows) = match &inputs.aggregates {
        // a rerun: the sums the scan wrote before
        Some(path) => {
            record_interim(manifest, read_interim()?);
            let source = crate::single_file(path, "aggregates", s.encoding)?;
            let (claims, _) = tables::read_aggregates(&source, unit)?;
            let rows: u64 = claims.iter().map(|c| c.rows).sum();
            manifest.input("aggregates", &source.path, sha256_file(&source.path)?, claims.len() as u64);
            (claims, rows)
        }
        None => {
            let sources = resolve(&inputs.claims, s.encoding)?;
            let counter = progress.rows();
            // beside the scan, which keeps every core busy and hashes the claims files as it
            // reads them: the interim payments. A fault in them stops the scan and is reported
            // first, as when they were read before it.
            let stop = AtomicBool::new(false);
            let count = |n| {
                counter.fetch_add(n, Ordering::Relaxed);
            };
            let (scan, interim_files) = rayon::join(
                || claims::scan(&sources, unit, Hashing::Sha256, &count, &stop),
                || {
                    let interim_files = read_interim();
                    if interim_files.is_err() {
                        stop.store(true, Ordering::Relaxed);
                    }
                    interim_files
                },
            );
            record_interim(manifest, interim_files?);
            let scan = scan?;
            for f in &scan.files {
                manifest.input("claims", &f.path, f.sha256.clone().expect("hashed by the scan"), f.rows);
            }
            (scan.claims, scan.rows)
        }
    };
    if let Some(p) = &inputs.config {
        manifest.input("config", p, sha256_file(p)?, 0);
    }

    progress.phase("settle pools");
    let quarters = (!inputs.quarters.is_empty()).then_some(inputs.quarters.as_slice());
    let selected = |q: &Quarter| quarters.is_none_or(|qs| qs.contains(q));
    let selected_rows: u64 = claims.iter().filter(|c| selected(&c.pool.quarter)).map(|c| c.rows).sum();
    let claim_files = if inputs.aggregates.is_some() { "--aggregates" } else { "--claims" };
    if claim_rows == 0 {
        // settling would pay nothing and recover every interim payment in full
        return Err(Failure::input(format!(
            "{claim_files}: the claims hold no rows (a header alone); give the quarter's claims"
        )));
    }
    if let Some(qs) = quarters {
        let named = qs.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ");
        let of = |it: &mut dyn Iterator<Item = Quarter>| {
            it.collect::<std::collections::BTreeSet<_>>().iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
        };
        if !budgets.iter().any(|b| selected(&b.key.quarter)) {
            return Err(Failure::input(format!(
                "--quarter {named}: the budgets have no pool in it (they budget {}); name one of those quarters",
                of(&mut budgets.iter().map(|b| b.key.quarter))
            )));
        }
        if selected_rows == 0 {
            return Err(Failure::input(format!(
                "--quarter {named}: no claims settle in it (the claims settle in {}); name one of those quarters",
                of(&mut claims.iter().map(|c| c.pool.quarter))
            )));
        }
    }
    Ok(Pools { pools: assemble(budgets, claims, interim, quarters)?, claim_rows, selected_rows })
}

/// One interim payments file as read: its rows, their count and the file's digest.
struct InterimFile {
    path: PathBuf,
    rows: Vec<InterimRow>,
    count: u64,
    sha256: String,
}

/// The pools of a quarter, assembled; the claim rows read and those in the selected quarters.
pub struct Pools {
    pub pools: Vec<PoolInput>,
    pub claim_rows: u64,
    pub selected_rows: u64,
}

pub fn run(args: &SettleArgs, replaceable: impl Fn(&Path) -> bool, s: &crate::cli::Settings) -> Result<Settled> {
    let config = &load_config(args.quarter.config.as_deref())?;
    let out = OutDir::prepare(&args.output.out, args.output.force, replaceable, &args.quarter.paths())?;
    let mut progress = Progress::new(s.printer);
    let mut manifest = Manifest::new("settle", config);
    let Pools { pools, claim_rows, selected_rows } =
        read_pools(&args.quarter, config, &mut progress, &mut manifest, s)?;
    let settled = clear(&pools, config)?;

    progress.phase("write outputs");
    let ext = args.output.ext();
    // the two tables built, written and hashed side by side
    let write = |name: &str, table: &dyn Fn() -> write::Table| -> Result<(String, usize, String)> {
        let (file, table) = (format!("{name}.{ext}"), table());
        let mut writer = write::TableWriter::create(&out.file(&file), args.output.format())?.plain_decimals();
        writer.write(&table)?;
        writer.close()?;
        let sha256 = sha256_file(&out.file(&file))?;
        Ok((file, table.rows(), sha256))
    };
    let (point_values, settlements) = rayon::join(
        || write("point_values", &|| outputs::point_values(&pools, &settled, config)),
        || write("settlements", &|| outputs::settlements(&pools, &settled, config.money.unit)),
    );
    for written in [point_values, settlements] {
        let (file, rows, sha256) = written?;
        manifest.output(&file, rows, sha256);
    }
    manifest.set("quarters", json!(args.quarter.quarters.iter().map(ToString::to_string).collect::<Vec<_>>()));
    manifest.set("counts", counts(claim_rows, &pools, &settled));
    manifest.set("totals", totals(&pools, &settled, config));
    manifest.finish(&out.file("manifest.json"), progress.phases())?;
    let out = out.commit()?;
    Ok(Settled { pools, settled, out, claim_rows, selected_rows })
}

fn counts(claim_rows: u64, pools: &[PoolInput], settled: &[SettledPool]) -> serde_json::Value {
    let mut status: BTreeMap<&str, usize> = BTreeMap::new();
    for s in settled {
        *status.entry(s.point_value.status.as_str()).or_default() += 1;
    }
    let institutions: std::collections::BTreeSet<&str> = pools
        .iter()
        .flat_map(|p| p.members.iter().filter(|m| m.has_claims).map(|m| m.institution_id.as_str()))
        .collect();
    json!({
        "claim_rows": claim_rows,
        "pools": pools.len(),
        "pools_by_status": status,
        "settlement_rows": settled.iter().map(|s| s.settlements.len()).sum::<usize>(),
        "institutions": institutions.len(),
    })
}

fn totals(pools: &[PoolInput], settled: &[SettledPool], config: &Config) -> serde_json::Value {
    let unit = config.money.unit;
    let sum = |f: &dyn Fn(&PoolInput, &SettledPool) -> i128| total(pools.iter().zip(settled).map(|(p, s)| f(p, s)));
    let money = |v: Option<i128>| fixed_text(v.map(|v| unit.to_output(v)), unit.decimals);
    let points = |v: Option<i128>| fixed_text(v, SCALE);
    let per_row = |f: &dyn Fn(&dianzhi_core::taiwan::settlement::Settlement) -> i128| {
        money(total(settled.iter().flat_map(|s| &s.settlements).map(f)))
    };
    json!({
        "budget": money(sum(&|p, _| p.budget)),
        "charges": money(sum(&|p, _| p.charges)),
        "claimed_points": points(sum(&|_, s| s.sums.claimed)),
        "floating_points": points(sum(&|_, s| s.totals.floating_points)),
        "fixed_amount": money(sum(&|_, s| s.totals.fixed_amount)),
        "distributed": money(sum(&|_, s| s.distributed)),
        "residual": money(sum(&|_, s| s.residual)),
        "copayment": per_row(&|r| r.sums.copayment),
        "payable": per_row(&|r| r.payable),
        "interim_paid": per_row(&|r| r.interim_paid),
        "adjustment": per_row(&|r| r.adjustment),
    })
}
