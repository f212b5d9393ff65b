//! `dianzhi dip presettle`: one month's payments to every hospital (advance, withholding) and
//! the budget-execution watch (docs/dip-year.md).

use std::path::{Path, PathBuf};

use dianzhi_columnar::dip::cases::{scan_cases, ScanOptions};
use dianzhi_columnar::dip::{outputs, tables};
use dianzhi_columnar::read::digest::Hashing;
use dianzhi_columnar::read::source::resolve;
use dianzhi_columnar::write;
use dianzhi_core::dip::presettle::{execution, presettle, HospitalExecution, PoolExecution};
use dianzhi_core::dip::score::Scorer;
use dianzhi_core::number::format_fixed;
use dianzhi_core::period::Month;
use dianzhi_core::Config;

use super::{catalog, single, Lookups};
use crate::cli::{parse_month, OutArgs};
use crate::failure::{Failure, Result};
use crate::manifest::{sha256_file, Manifest};
use crate::outdir::OutDir;
use crate::progress::Progress;

/// One month's payments during the year (advance, quality reserve withheld) and the
/// budget-execution warnings.
#[derive(clap::Args)]
pub struct PresettleArgs {
    /// Discharged cases (the month's and, for the execution figures, the year's before it).
    #[arg(long, required = true, num_args = 1.., value_name = "PATH")]
    pub cases: Vec<PathBuf>,
    #[command(flatten)]
    pub lookups: Lookups,
    /// The month to pay (YYYY-MM).
    #[arg(long, value_parser = parse_month, value_name = "YYYY-MM")]
    pub month: Month,
    /// Published point values: region, fund, point_value[, payment_ratio] (basis "scores",
    /// and the hospitals' execution figures).
    #[arg(long, value_name = "FILE")]
    pub point_values: Option<PathBuf>,
    /// Payments of the months before --month (earlier presettle outputs), for the execution.
    #[arg(long, num_args = 1.., value_name = "PATH")]
    pub payments: Vec<PathBuf>,
    /// Funds per pool (the budgets the execution is measured against). A revised table given
    /// to a later month is the budget in force from that month on.
    #[arg(long, value_name = "FILE")]
    pub funds: Option<PathBuf>,
    /// Last year's dip settle output (its hospitals table): each hospital's cost per case
    /// is watched against last year's.
    #[arg(long, value_name = "DIR")]
    pub last_year: Option<PathBuf>,
    /// Policy config (TOML); money.unit defaults to 0.01 here.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    #[command(flatten)]
    pub output: OutArgs,
}

/// Runs `dianzhi dip presettle`: the watch's warnings on stderr, the summary on stdout.
pub fn command(args: PresettleArgs, s: &crate::cli::Settings) -> Result<u8> {
    let done = run(&args, s)?;
    s.note(&warnings(&done, &done.config));
    s.say(&format!("{} payments for {} → {}\n", done.payments, args.month, done.out.display()));
    Ok(0)
}

pub struct Presettled {
    pub payments: usize,
    pub pools: Vec<PoolExecution>,
    pub hospitals: Vec<HospitalExecution>,
    pub out: PathBuf,
    /// Whether published point values were given (the hospitals' watch needs them).
    pub valued: bool,
    /// Whether funds were given (the pools' watch needs the budgets).
    pub funded: bool,
    /// Whether earlier months' payments were given (the figures to date need them).
    pub earlier: bool,
    /// The month paid.
    pub month: Month,
    /// The config the month was paid under (its watch thresholds).
    pub config: Config,
}

pub fn run(args: &PresettleArgs, s: &crate::cli::Settings) -> Result<Presettled> {
    let config = &super::load_config(args.config.as_deref())?;
    let mut inputs: Vec<&Path> = args.cases.iter().map(PathBuf::as_path).collect();
    inputs.extend(args.lookups.paths());
    inputs.extend(args.point_values.as_deref());
    inputs.extend(args.payments.iter().map(PathBuf::as_path));
    inputs.extend(args.funds.as_deref());
    inputs.extend(args.last_year.as_deref());
    inputs.extend(args.config.as_deref());
    let out = OutDir::prepare(&args.output.out, args.output.force, |_| false, &inputs)?;
    let mut progress = Progress::new(s.printer);
    let unit = config.money.unit;
    let mut manifest = Manifest::new("dip presettle", config);

    progress.phase("read tables");
    let catalog = catalog(&args.lookups, &mut manifest, s.encoding)?;
    let values = match &args.point_values {
        Some(p) => {
            let source = single(p, "point values", s.encoding)?;
            let (v, n) = tables::read_point_values(&source)?;
            manifest.input("point_values", &source.path, sha256_file(&source.path)?, n);
            Some(v)
        }
        None => None,
    };
    let funds = match &args.funds {
        Some(p) => {
            let source = single(p, "funds", s.encoding)?;
            let (f, n) = tables::read_funds(&source, unit)?;
            manifest.input("funds", &source.path, sha256_file(&source.path)?, n);
            f
        }
        None => Vec::new(),
    };
    let last_year = match &args.last_year {
        Some(dir) => {
            let source = last_year_table(dir, s)?;
            let (l, n) = tables::read_last_year(&source, unit, args.month.year - 1)?;
            manifest.input("last_year", &source.path, sha256_file(&source.path)?, n);
            if l.is_empty() {
                return Err(Failure::input(format!(
                    "--last-year {}: holds no hospital of {}; give the {} year's dip settle output",
                    source.path.display(),
                    args.month.year - 1,
                    args.month.year - 1
                )));
            }
            Some(l)
        }
        None => None,
    };
    let payment_src = super::payment_sources(&args.payments, s.encoding)?;
    let (earlier, counts) = tables::read_payments(&payment_src, unit, Some(args.month))?;
    for (s, n) in payment_src.iter().zip(counts) {
        manifest.input("payments", &s.path, sha256_file(&s.path)?, n);
    }

    progress.phase("score cases");
    let sources = resolve(&args.cases, s.encoding)?;
    let scorer = Scorer::new(config);
    let options = ScanOptions { year: Some(args.month.year), spill: None, hashing: Hashing::Sha256, special: None };
    let scan = scan_cases(&sources, &catalog, &scorer, unit, options, &|_| {})?;
    for f in &scan.files {
        manifest.input("cases", &f.path, f.sha256.clone().expect("hashed by the scan"), f.rows);
    }

    if scan.rows == 0 {
        return Err(Failure::input("--cases: the cases hold no rows (a header alone); give the discharged cases"));
    }
    if !scan.sums.iter().any(|m| m.month == args.month) {
        let months: std::collections::BTreeSet<String> = scan.sums.iter().map(|m| m.month.to_string()).collect();
        return Err(Failure::input(format!(
            "--month {}: no case was discharged in it ({}); pay a month the cases hold",
            args.month,
            if months.is_empty() {
                format!("no case of {} either", args.month.year)
            } else {
                format!("the cases of {} are of {}", args.month.year, months.into_iter().collect::<Vec<_>>().join(", "))
            }
        )));
    }

    progress.phase("pay the month");
    let no_values = Default::default();
    let payments =
        presettle(&scan.sums, args.month, values.as_ref().unwrap_or(&no_values), config).map_err(Failure::input)?;
    let (pools, hospitals) =
        execution(&scan.sums, args.month, &payments, &earlier, &funds, values.as_ref(), last_year.as_ref(), config)
            .map_err(Failure::input)?;

    progress.phase("write outputs");
    let ext = args.output.ext();
    for (name, table) in [
        ("payments", outputs::payments(&payments, config)),
        ("execution_pools", outputs::execution_pools(&pools, config)),
        ("execution_hospitals", outputs::execution_hospitals(&hospitals, config)),
    ] {
        let file = format!("{name}.{ext}");
        write::write_table(&table, &out.file(&file), args.output.format())?;
        manifest.output(&file, table.rows(), sha256_file(&out.file(&file))?);
    }
    if let Some(p) = &args.config {
        manifest.input("config", p, sha256_file(p)?, 0);
    }
    let money = |v: Option<i128>| crate::manifest::fixed_text(v.map(|v| unit.to_output(v)), unit.decimals);
    manifest.set("month", serde_json::json!(args.month.to_string()));
    manifest.set(
        "totals",
        serde_json::json!({
            "payments": payments.len(),
            "gross": money(crate::manifest::total(payments.iter().map(|p| p.gross))),
            "withheld": money(crate::manifest::total(payments.iter().map(|p| p.withheld))),
            "paid": money(crate::manifest::total(payments.iter().map(|p| p.paid))),
            "flagged_pools": pools.iter().filter(|p| !p.flag.is_empty()).count(),
            "hospitals_over": hospitals.iter().filter(|h| !h.flag.is_empty()).count(),
        }),
    );
    manifest.finish(&out.file("manifest.json"), progress.phases())?;
    let out = out.commit()?;
    Ok(Presettled {
        payments: payments.len(),
        pools,
        hospitals,
        out,
        valued: values.is_some(),
        funded: args.funds.is_some(),
        earlier: !args.payments.is_empty(),
        month: args.month,
        config: config.clone(),
    })
}

/// Last year's `hospitals` table: `DIR/hospitals.parquet` or `.csv`, or the table itself.
fn last_year_table(path: &Path, s: &crate::cli::Settings) -> Result<dianzhi_columnar::Source> {
    if !path.is_dir() {
        return single(path, "last year's hospitals", s.encoding);
    }
    let found: Vec<PathBuf> =
        ["parquet", "csv"].iter().map(|e| path.join(format!("hospitals.{e}"))).filter(|p| p.is_file()).collect();
    match found.as_slice() {
        [one] => single(one, "last year's hospitals", s.encoding),
        _ => Err(Failure::input(format!(
            "--last-year {}: expected one hospitals table (hospitals.parquet or hospitals.csv) of last year's dip settle, found {}",
            path.display(),
            found.len()
        ))),
    }
}

/// The budget-execution warnings: flagged pools, the ten hospitals furthest over, and the
/// hospitals with the most of the watch's flags.
pub fn warnings(done: &Presettled, config: &Config) -> String {
    let unit = config.money.unit;
    let money = |v: i128| format_fixed(unit.to_output(v), unit.decimals);
    let share = |v: Option<i128>| v.map_or_else(|| "-".into(), |v| format_fixed(v, 4));
    let mut s = String::new();
    for p in done.pools.iter().filter(|p| !p.flag.is_empty()) {
        s.push_str(&format!(
            "{}: {} — {} of the budget used by {} (paid {} + withheld {} of {})\n",
            p.flag,
            p.pool,
            share(p.share),
            p.month,
            money(p.paid_to_date),
            money(p.withheld_to_date),
            p.budget.map_or_else(|| "-".into(), money),
        ));
    }
    for p in done.pools.iter().filter(|p| !p.pace_flag.is_empty()) {
        s.push_str(&format!(
            "{} pace: {} — {} of the budget used by {} against {} of the year elapsed (pace {})\n",
            p.pace_flag,
            p.pool,
            share(p.share),
            p.month,
            format_fixed(p.elapsed, 4),
            share(p.pace),
        ));
    }
    let unfunded: Vec<String> =
        done.pools.iter().filter(|p| p.budget.is_none()).map(|p| format!("  {}\n", p.pool)).collect();
    if done.funded && !unfunded.is_empty() {
        s.push_str(&format!(
            "note: --funds has no row for {} pool(s) with cases this month; their execution share is empty:\n{}",
            unfunded.len(),
            unfunded.concat()
        ));
    }
    if !done.earlier && done.month.month > 1 {
        s.push_str(&format!(
            "note: without --payments, paid_to_date and withheld_to_date hold {} alone; give the earlier months' presettle outputs for the year to date\n",
            done.month
        ));
    }
    if !done.valued {
        s.push_str("note: without --point-values the hospitals' execution (items against their scores' value) is empty; give the published point values to watch hospitals\n");
    }
    let mut over: Vec<&HospitalExecution> = done.hospitals.iter().filter(|h| !h.flag.is_empty()).collect();
    over.sort_by(|a, b| b.ratio.cmp(&a.ratio).then_with(|| a.institution_id.cmp(&b.institution_id)));
    if !over.is_empty() {
        s.push_str(&format!(
            "{} hospital(s) with item costs above their scores' value; the furthest over:\n",
            over.len()
        ));
        for h in over.iter().take(10) {
            s.push_str(&format!(
                "  {} in {}: items {} against scores worth {} (ratio {})\n",
                h.institution_id,
                h.pool,
                money(h.item_to_date),
                h.score_value_to_date.map_or_else(|| "-".into(), money),
                share(h.ratio)
            ));
        }
    }
    let watched = done.hospitals.iter().filter(|h| !h.cost_flag.is_empty() || !h.exam_flag.is_empty()).count();
    if watched > 0 {
        let mut most: Vec<&HospitalExecution> = done.hospitals.iter().filter(|h| h.flags() > 0).collect();
        most.sort_by(|a, b| {
            b.flags().cmp(&a.flags()).then_with(|| (&a.pool, &a.institution_id).cmp(&(&b.pool, &b.institution_id)))
        });
        s.push_str(&format!(
            "{watched} hospital(s) above the watch's cost growth or exam share; those with the most flags:\n"
        ));
        for h in most.iter().take(10) {
            let flags: Vec<&str> = [(h.flag, "over"), (h.cost_flag, "cost growth"), (h.exam_flag, "exam share")]
                .iter()
                .filter(|(f, _)| !f.is_empty())
                .map(|(_, name)| *name)
                .collect();
            s.push_str(&format!(
                "  {} in {}: {} (cost growth {}, exam share {})\n",
                h.institution_id,
                h.pool,
                flags.join(", "),
                share(h.cost_growth),
                share(h.exam_share)
            ));
        }
    }
    s
}
