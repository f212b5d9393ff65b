//! The DIP commands (docs/dip.md): `dip settle`, `dip presettle`, `dip generate`, and what
//! they share.

pub mod aggregate;
pub mod budget;
pub mod generate;
pub mod presettle;
pub mod scenario;
pub mod settle;

use std::path::{Path, PathBuf};

use dianzhi_columnar::dip::cases::CaseScan;
use dianzhi_columnar::dip::catalog::Catalog;
use dianzhi_columnar::dip::tables;
use dianzhi_columnar::read::source::Source;
use dianzhi_columnar::Encoding;
use dianzhi_core::number::MoneyUnit;
use dianzhi_core::Config;

use crate::failure::{Failure, Result};
use crate::manifest::{sha256_file, Manifest};

/// The DIP commands.
#[derive(clap::Subcommand)]
pub enum DipCommand {
    Aggregate(aggregate::DipAggregateArgs),
    Budget(budget::DipBudgetArgs),
    Settle(settle::DipSettleArgs),
    Presettle(presettle::PresettleArgs),
    Scenario(scenario::DipScenarioArgs),
    Generate(generate::DipGenArgs),
}

/// Runs a DIP command.
pub fn command(cmd: DipCommand, s: &crate::cli::Settings) -> Result<u8> {
    match cmd {
        DipCommand::Aggregate(a) => aggregate::command(a, s),
        DipCommand::Budget(a) => budget::command(a, s),
        DipCommand::Settle(a) => settle::command(a, s),
        DipCommand::Presettle(a) => presettle::command(a, s),
        DipCommand::Scenario(a) => scenario::command(a, s),
        DipCommand::Generate(a) => generate::command(a, s),
    }
}

/// The lookup tables every DIP command reads.
#[derive(clap::Args, Clone)]
pub struct Lookups {
    /// Group catalogue: dip_group, score, kind (core | basic).
    #[arg(long, value_name = "FILE")]
    pub groups: PathBuf,
    /// Last year's average cost per group and hospital level: dip_group, level, avg_cost.
    #[arg(long, value_name = "FILE")]
    pub averages: PathBuf,
    /// Hospitals: institution_id, level, coefficient[, fund][, assessment].
    #[arg(long, value_name = "FILE")]
    pub institutions: PathBuf,
}

impl Lookups {
    /// The three tables' paths.
    pub fn paths(&self) -> [&Path; 3] {
        [&self.groups, &self.averages, &self.institutions]
    }
}

/// A DIP year's inputs (dip settle, dip scenario).
#[derive(clap::Args, Clone)]
pub struct YearArgs {
    /// Discharged cases: files, directories (every *.parquet / *.csv inside) or globs.
    #[arg(long, required_unless_present = "aggregates", num_args = 1.., value_name = "PATH")]
    pub cases: Vec<PathBuf>,
    /// The cases' sums per hospital, pool and month (`dip aggregate`), instead of --cases:
    /// the same point_values and hospitals, without scoring the cases again (no cases table).
    #[arg(long, conflicts_with_all = ["cases", "special"], value_name = "FILE")]
    pub aggregates: Option<PathBuf>,
    #[command(flatten)]
    pub lookups: Lookups,
    /// Funds per pool: region, fund, year, budget, payment_ratio[, reserve] (dip settle may do
    /// without them when --point-values gives the values).
    #[arg(long, value_name = "FILE")]
    pub funds: Option<PathBuf>,
    /// Monthly payments already made (the outputs of `dip presettle`); rows are summed.
    #[arg(long, num_args = 1.., value_name = "PATH")]
    pub payments: Vec<PathBuf>,
    /// Policy config (TOML); every key optional; money.unit defaults to 0.01 here (a scenario's
    /// config keys merge over it).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Only this year (cases, funds rows and payments). Default: every year in the cases.
    #[arg(long, value_name = "YYYY")]
    pub year: Option<i32>,
    /// Special-case decisions (特病单议): case_id, decision (score | at_cost | reject), score.
    #[arg(long, value_name = "FILE")]
    pub special: Option<PathBuf>,
    /// Indicator scores of the year's assessment (年度考核): institution_id[, fund], indicator,
    /// score; graded by [dip.assessment] into each hospital's assessment coefficient.
    #[arg(long, value_name = "FILE")]
    pub assessment: Option<PathBuf>,
}

impl YearArgs {
    /// Every path these inputs name (an output must stay apart from them).
    pub fn paths(&self) -> Vec<&Path> {
        let mut p: Vec<&Path> = self.cases.iter().map(PathBuf::as_path).collect();
        p.extend(self.aggregates.as_deref());
        p.extend(self.lookups.paths());
        p.extend(self.funds.as_deref());
        p.extend(self.payments.iter().map(PathBuf::as_path));
        p.extend(self.config.as_deref());
        p.extend(self.special.as_deref());
        p.extend(self.assessment.as_deref());
        p
    }

    /// The `--assessment` indicator scores, recorded in the manifest; checked against the
    /// weights of `config` (every indicator weighted).
    pub fn assessment(&self, config: &Config, manifest: &mut Manifest, encoding: Encoding) -> Result<Option<Assessed>> {
        let Some(path) = &self.assessment else { return Ok(None) };
        let source = single(path, "assessment", encoding)?;
        let (scores, rows) = tables::read_assessment(&source)?;
        manifest.input("assessment", &source.path, sha256_file(&source.path)?, rows);
        let weights = &config.dip.assessment.weights;
        if weights.is_empty() {
            return Err(Failure::input(format!(
                "--assessment {}: the config gives no [dip.assessment] weights; weight the indicators, e.g. weights = {{ quality = \"0.4\", cost = \"0.3\", satisfaction = \"0.3\" }}",
                path.display()
            )));
        }
        for rows in scores.values() {
            if let Some((name, (_, at))) = rows.iter().find(|(name, _)| !weights.contains_key(*name)) {
                return Err(Failure::input(format!(
                    "{}, {at}: the indicator {name} has no weight in [dip.assessment] weights (weighted: {}); weight it or drop its rows",
                    source.path.display(),
                    weights.keys().cloned().collect::<Vec<_>>().join(", ")
                )));
            }
        }
        Ok(Some(Assessed { scores, path: source.path }))
    }

    /// The `--special` decisions, recorded in the manifest (empty without the flag).
    pub fn special(&self, manifest: &mut Manifest, encoding: Encoding) -> Result<Option<tables::SpecialDecisions>> {
        let Some(path) = &self.special else { return Ok(None) };
        let source = single(path, "special decisions", encoding)?;
        let (decisions, rows) = tables::read_special(&source)?;
        manifest.input("special", &source.path, sha256_file(&source.path)?, rows);
        Ok(Some(decisions))
    }
}

/// The money unit of DIP commands is the fen (0.01 yuan) unless the config names one.
pub fn load_config(path: Option<&Path>) -> Result<Config> {
    let mut config = crate::load_config(path)?;
    let named = match path {
        Some(p) => {
            let text = std::fs::read_to_string(p).map_err(Failure::other)?;
            let table: toml::Table =
                toml::from_str(&text).map_err(|e| Failure::input(format!("{}: {e}", p.display())))?;
            table.get("money").and_then(|m| m.get("unit")).is_some()
        }
        None => false,
    };
    if !named {
        config.money.unit = MoneyUnit { fixed: 100, decimals: 2 };
    }
    if !config.point_value.cap.is_empty() {
        return Err(Failure::input(format!(
            "{}: [[point_value.cap]] caps Taiwan pools (sector, region); a DIP pool has no sector: remove it from the DIP config",
            path.map_or_else(|| "config".into(), |p| p.display().to_string())
        )));
    }
    Ok(config)
}

/// Reads the three lookup tables into the scan's catalogue; records them in the manifest.
pub fn catalog(l: &Lookups, manifest: &mut Manifest, encoding: Encoding) -> Result<Catalog> {
    let groups_src = single(&l.groups, "groups", encoding)?;
    let averages_src = single(&l.averages, "averages", encoding)?;
    let institutions_src = single(&l.institutions, "institutions", encoding)?;
    let (groups, n) = tables::read_groups(&groups_src)?;
    manifest.input("groups", &groups_src.path, sha256_file(&groups_src.path)?, n);
    let (averages, n) = tables::read_averages(&averages_src)?;
    manifest.input("averages", &averages_src.path, sha256_file(&averages_src.path)?, n);
    let (institutions, n) = tables::read_institutions(&institutions_src)?;
    manifest.input("institutions", &institutions_src.path, sha256_file(&institutions_src.path)?, n);
    Ok(Catalog::new(groups, averages, institutions))
}

/// Each hospital's cases per pool, summed over the months of a scan, with its terms.
/// Refuses a scan with no case, or none in `--year`, naming the years the cases hold; the
/// number of cases of other years left out.
pub fn cases_of_year(scan: &CaseScan, year: Option<i32>) -> Result<u64> {
    let other_years: u64 = scan.other_years.values().sum();
    if scan.rows == 0 {
        return Err(Failure::input(
            "--cases: the cases hold no rows (a header alone); give the year's discharged cases",
        ));
    }
    if let Some(year) = year.filter(|_| other_years == scan.rows) {
        let years: Vec<String> = scan.other_years.keys().map(ToString::to_string).collect();
        return Err(Failure::input(format!(
            "--year {year}: no case was discharged in it (the cases are of {}); name one of those years",
            years.join(", ")
        )));
    }
    Ok(other_years)
}

/// The sums of `--aggregates` of `year` (every year without it): the rows kept, their cases,
/// and the cases of other years left out. Refuses sums with no case, or none in `year`, as
/// [`cases_of_year`] refuses such cases.
pub fn sums_of_year(
    sums: Vec<dianzhi_core::dip::presettle::MonthCases>,
    year: Option<i32>,
    path: &Path,
) -> Result<(Vec<dianzhi_core::dip::presettle::MonthCases>, u64, u64)> {
    let all: u64 = sums.iter().map(|m| m.sums.cases).sum();
    if all == 0 {
        return Err(Failure::input(format!(
            "--aggregates {}: the sums hold no case; give the sums of the year's discharged cases",
            path.display()
        )));
    }
    let years: std::collections::BTreeSet<i32> = sums.iter().map(|m| m.pool.year).collect();
    let kept: Vec<_> = sums.into_iter().filter(|m| year.is_none_or(|y| m.pool.year == y)).collect();
    let cases: u64 = kept.iter().map(|m| m.sums.cases).sum();
    if let (Some(year), 0) = (year, cases) {
        let years: Vec<String> = years.iter().map(ToString::to_string).collect();
        return Err(Failure::input(format!(
            "--year {year}: no case was discharged in it (the sums are of {}); name one of those years",
            years.join(", ")
        )));
    }
    Ok((kept, all, all - cases))
}

/// The indicator scores of an `--assessment` file.
pub struct Assessed {
    pub scores: tables::IndicatorScores,
    pub path: PathBuf,
}

impl Assessed {
    /// Grades a hospital by its scores (its fund's rows, else its rows without a fund): its
    /// assessment coefficient and the total behind it.
    fn grade(&self, h: &mut dianzhi_core::dip::clearing::HospitalCases, config: &Config) -> Result<()> {
        let a = &config.dip.assessment;
        let id = &h.institution_id;
        let rows = self
            .scores
            .get(&(id.clone(), h.pool.fund.clone()))
            .or_else(|| self.scores.get(&(id.clone(), String::new())))
            .ok_or_else(|| {
                Failure::input(format!(
                    "{}: institution {id} has cases in {} but no indicator scores; give its rows (institution_id, indicator, score)",
                    self.path.display(),
                    h.pool
                ))
            })?;
        if let Some(missing) = a.weights.keys().find(|w| !rows.contains_key(*w)) {
            return Err(Failure::input(format!(
                "{}: institution {id} ({}) has no score for the weighted indicator {missing}; give it",
                self.path.display(),
                h.pool
            )));
        }
        let scores = rows.iter().map(|(k, (v, _))| (k.clone(), *v)).collect();
        let (total, coefficient) = a.grade(&scores).map_err(Failure::input)?;
        let score = dianzhi_core::dip::assessment::at_two_decimals(total).map_err(Failure::input)?;
        h.assessment = coefficient.ok_or_else(|| {
            Failure::input(format!(
                "{}: institution {id} ({}) totals {} below every grade of [dip.assessment] grades; add a grade with min = \"0\"",
                self.path.display(),
                h.pool,
                dianzhi_core::number::format_fixed(score, 2)
            ))
        })?;
        h.assessment_score = Some(score);
        Ok(())
    }
}

/// Each hospital's cases per pool with its terms from the catalogue; its assessment graded from
/// `assessed` under `config` when given.
pub fn hospitals(
    sums: &[dianzhi_core::dip::presettle::MonthCases],
    catalog: &Catalog,
    assessed: Option<&Assessed>,
    config: &Config,
) -> Result<Vec<dianzhi_core::dip::clearing::HospitalCases>> {
    use dianzhi_core::dip::clearing::{CaseSums, DipPoolKey, HospitalCases};
    let mut per_hospital: std::collections::BTreeMap<(String, DipPoolKey), CaseSums> = Default::default();
    for m in sums {
        per_hospital
            .entry((m.institution_id.clone(), m.pool.clone()))
            .or_default()
            .add(&m.sums)
            .map_err(Failure::input)?;
    }
    per_hospital
        .into_iter()
        .map(|((institution_id, pool), sums)| {
            let t = catalog.terms(&institution_id, &pool.fund).expect("scanned cases have terms");
            let mut h = HospitalCases {
                level: t.level.clone(),
                coefficient: t.coefficient,
                assessment: t.assessment,
                assessment_score: None,
                institution_id,
                pool,
                sums,
            };
            if let Some(a) = assessed {
                a.grade(&mut h, config)?;
            }
            Ok(h)
        })
        .collect()
}

/// The year's tables besides the cases — the lookups as the scan's catalogue, the funds rows and
/// the payments already made — each recorded in the manifest.
pub fn year_tables(
    lookups: &Lookups,
    funds: Option<&Path>,
    payments: &[PathBuf],
    unit: MoneyUnit,
    manifest: &mut Manifest,
    encoding: Encoding,
) -> Result<(Catalog, Vec<dianzhi_core::dip::clearing::FundRow>, Vec<dianzhi_core::dip::clearing::PaymentRow>)> {
    let catalog = catalog(lookups, manifest, encoding)?;
    let funds = match funds {
        Some(path) => {
            let funds_src = single(path, "funds", encoding)?;
            let (funds, n) = tables::read_funds(&funds_src, unit)?;
            manifest.input("funds", &funds_src.path, sha256_file(&funds_src.path)?, n);
            funds
        }
        None => Vec::new(),
    };
    let payment_src = payment_sources(payments, encoding)?;
    let (payments, rows) = tables::read_payments(&payment_src, unit, None)?;
    for (s, n) in payment_src.iter().zip(rows) {
        manifest.input("payments", &s.path, sha256_file(&s.path)?, n);
    }
    Ok((catalog, funds, payments))
}

/// The payments tables `paths` name: a presettle output directory (it has a manifest.json)
/// gives its `payments` table, not its execution tables beside it; files, other directories and
/// globs as everywhere.
pub fn payment_sources(paths: &[PathBuf], encoding: Encoding) -> Result<Vec<Source>> {
    let mut named = Vec::with_capacity(paths.len());
    for p in paths {
        if p.is_dir() && p.join("manifest.json").is_file() {
            let table = ["payments.parquet", "payments.csv"].iter().map(|f| p.join(f)).find(|f| f.is_file());
            named.push(table.ok_or_else(|| {
                Failure::input(format!(
                    "--payments {}: a dianzhi output without a payments table; give the directories of dip presettle runs (or their payments files)",
                    p.display()
                ))
            })?);
        } else {
            named.push(p.clone());
        }
    }
    if named.is_empty() {
        return Ok(Vec::new());
    }
    Ok(dianzhi_columnar::resolve(&named, encoding)?)
}

/// A lookup table is one file.
pub fn single(path: &Path, what: &str, encoding: Encoding) -> Result<Source> {
    crate::single_file(path, what, encoding)
}
