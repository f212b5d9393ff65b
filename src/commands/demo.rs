//! `dianzhi demo`: a whole quarterly clearing and a DIP year on the datasets bundled in the
//! binary (data/demo/, made by `dianzhi generate --rows 6000 --institutions 300 --seed 2026
//! --format csv`, and data/demo/dip/ by `dianzhi dip generate --cases 3000 --hospitals 36
//! --regions 3 --groups 400 --seed 2026 --format csv`).

use std::path::{Path, PathBuf};

use dianzhi_columnar::Format;
use dianzhi_core::Config;

use crate::cli::{OutArgs, OutFormat};
use crate::commands::dip::presettle::PresettleArgs;
use crate::commands::dip::settle::DipSettleArgs;
use crate::commands::dip::{Lookups, YearArgs};
use crate::commands::settle::{self, QuarterArgs, SettleArgs};
use crate::console::{clearing_table, dip_point_value_table, point_value_table};
use crate::failure::{Failure, Result};
use crate::outdir::OutDir;

const CLAIMS: &str = include_str!("../../data/demo/claims/part-00000.csv");
const BUDGETS: &str = include_str!("../../data/demo/budgets.csv");
const INTERIM: &str = include_str!("../../data/demo/interim.csv");
/// The quarter's policy: dialysis capped at 1 a point (專款專用).
const TAIWAN_CONFIG: &str = include_str!("../../data/demo/taiwan.toml");

/// The DIP lookups as a bureau keeps them: one workbook with a sheet per table (the same rows as
/// groups.csv, averages.csv and institutions.csv, written by `dianzhi export`).
const CATALOGUE: &[u8] = include_bytes!("../../data/demo/dip/catalogue.xlsx");

const DIP: [(&str, &str); 8] = [
    ("cases.csv", include_str!("../../data/demo/dip/cases.csv")),
    ("groups.csv", include_str!("../../data/demo/dip/groups.csv")),
    ("averages.csv", include_str!("../../data/demo/dip/averages.csv")),
    ("institutions.csv", include_str!("../../data/demo/dip/institutions.csv")),
    ("dip.toml", include_str!("../../data/demo/dip/dip.toml")),
    ("budget.toml", include_str!("../../data/demo/dip/budget.toml")),
    ("history.csv", include_str!("../../data/demo/dip/history.csv")),
    ("scenarios.toml", include_str!("../../data/demo/dip/scenarios.toml")),
];

/// Whether `dir` was written by a demo: its manifest is a settle's whose inputs all came from a
/// demo's temporary input directory.
fn is_demo_output(dir: &Path) -> bool {
    let Ok(text) = std::fs::read_to_string(dir.join("manifest.json")) else { return false };
    let Ok(doc) = serde_json::from_str::<serde_json::Value>(&text) else { return false };
    let inputs = doc.get("inputs").and_then(|i| i.as_array());
    doc.get("command").and_then(|c| c.as_str()) == Some("settle")
        && inputs.is_some_and(|inputs| {
            !inputs.is_empty()
                && inputs.iter().all(|i| {
                    let path = Path::new(i.get("path").and_then(|p| p.as_str()).unwrap_or(""));
                    path.parent()
                        .and_then(|p| p.file_name())
                        .is_some_and(|n| n.to_string_lossy().starts_with(INPUTS_PREFIX))
                })
        })
}

/// The prefix of the temporary directory the bundled inputs are written to.
const INPUTS_PREFIX: &str = "dianzhi-demo-inputs-";

/// Runs the bundled demo: a Taiwan quarter settled, and a DIP year pre-settled month by month
/// and cleared; prints the point values and writes each output with its HTML report.
#[derive(clap::Args)]
pub struct DemoArgs {
    /// Output directory (a previous demo output there is replaced).
    #[arg(long, default_value = "dianzhi-demo", value_name = "DIR")]
    pub out: PathBuf,
    /// Format of the output tables.
    #[arg(long, value_enum, default_value = "csv", value_name = "FORMAT")]
    pub format: OutFormat,
    /// Replace a non-empty output directory that is not a previous dianzhi output.
    #[arg(long)]
    pub force: bool,
}

/// Runs `dianzhi demo`.
pub fn command(args: DemoArgs, s: &crate::cli::Settings) -> Result<u8> {
    run(&args.out, args.format.into(), args.force, s)?;
    Ok(0)
}

pub fn run(out: &Path, format: Format, force: bool, settings: &crate::cli::Settings) -> Result<()> {
    // the demo's runs are short: their summaries are printed here, without progress lines; the
    // inputs it writes are UTF-8 whatever --encoding says
    let s = &crate::cli::Settings {
        printer: settings.printer.without_progress(),
        encoding: dianzhi_columnar::Encoding::Utf8,
    };
    // the whole demo is one output: each step commits below a staging directory, which moves
    // into place only when every step has succeeded (a failed demo leaves nothing)
    let staged = OutDir::prepare(out, force, is_demo_output, &[])?;
    let work = staged.file("demo");
    let shown = |p: &Path| match p.strip_prefix(&work) {
        Ok(rest) if rest.as_os_str().is_empty() => out.display().to_string(),
        Ok(rest) => out.join(rest).display().to_string(),
        Err(_) => p.display().to_string(),
    };
    // the inputs are written to a fresh temporary directory, removed when it drops
    let inputs = tempfile::Builder::new().prefix(INPUTS_PREFIX).tempdir().map_err(Failure::other)?;
    crate::signals::register(inputs.path());
    let put = |name: &str, text: &str| -> Result<PathBuf> {
        let p = inputs.path().join(name);
        std::fs::write(&p, text).map_err(Failure::other)?;
        Ok(p)
    };
    let args = SettleArgs {
        quarter: QuarterArgs {
            claims: vec![put("claims.csv", CLAIMS)?],
            aggregates: None,
            budgets: put("budgets.csv", BUDGETS)?,
            interim: vec![put("interim.csv", INTERIM)?],
            config: Some(put("taiwan.toml", TAIWAN_CONFIG)?),
            quarters: Vec::new(),
        },
        output: OutArgs::new(work.clone(), format, true),
    };
    let done = settle::run(&args, |_| true, s)?;
    let rows: usize = done.settled.iter().map(|s| s.settlements.len()).sum();
    s.say("Taiwan NHI: one quarter, floating point value per sector × region\n\n");
    s.say(&point_value_table(&done.pools, &done.settled, &Config::default()));
    s.say(&format!(
        "\nsettled {} pools, {} settlement rows from {} bundled claim rows → {}\n",
        done.pools.len(),
        rows,
        CLAIMS.lines().count() - 1,
        shown(&done.out)
    ));

    let mut dip_files = Vec::new();
    for (name, text) in DIP {
        dip_files.push(put(&format!("dip-{name}"), text)?);
    }
    let config_path = dip_files[4].clone();
    let config = crate::commands::dip::load_config(Some(&config_path))?;
    // the year's first step: each pool's budget from its history (以收定支)
    let budget = crate::commands::dip::budget::run(
        &crate::commands::dip::budget::DipBudgetArgs {
            spec: dip_files[5].clone(),
            history: dip_files[6].clone(),
            output: OutArgs::new(done.out.join("dip-budget"), format, true),
        },
        s,
    )?;
    s.say("\nDIP: the 2026 budget of each pool from its income and spending of 2022–2025 (以收定支)\n\n");
    s.say(&crate::console::dip_budget_table(&budget.pools, &budget.config));
    let ext = if format == Format::Csv { "csv" } else { "parquet" };
    let funds_path = budget.out.join(format!("funds.{ext}"));
    // the catalogue, averages and hospitals come from the bureau's workbook (sheets by table)
    let catalogue = inputs.path().join("catalogue.xlsx");
    std::fs::write(&catalogue, CATALOGUE).map_err(Failure::other)?;
    let sheet = |name: &str| PathBuf::from(format!("{}#{name}", catalogue.display()));
    let lookups =
        || Lookups { groups: sheet("groups"), averages: sheet("averages"), institutions: sheet("institutions") };
    // the year: each month pre-settled (items paid, 5% withheld), then cleared at year end
    let mut payments = Vec::new();
    let mut watch = None;
    for month in 1..=12u8 {
        let month = dianzhi_core::period::Month::new(2026, month).expect("a month");
        let args = PresettleArgs {
            cases: vec![dip_files[0].clone()],
            lookups: lookups(),
            month,
            point_values: None,
            payments: payments.clone(),
            funds: Some(funds_path.clone()),
            last_year: None,
            config: Some(config_path.clone()),
            output: OutArgs::new(done.out.join("dip-payments").join(month.to_string()), format, true),
        };
        let paid = crate::commands::dip::presettle::run(&args, s)?;
        // each month's watch as a page (a pool ahead of its year is marked)
        let (page, lang) = (paid.out.join("report.html"), crate::commands::lang::Lang::En);
        crate::commands::report::write_report(&paid.out, &page, &shown(&paid.out), lang, s.printer)?;
        payments.push(paid.out.join(format!("payments.{ext}")));
        watch = Some(paid);
    }
    if let Some(december) = watch {
        s.say(
            "\nThe execution watch after December's payments (blue at 60% of a budget, yellow 80%, red 100%;\n\
             exam and lab cost above 20% of a hospital's cost):\n\n",
        );
        s.say(&crate::commands::dip::presettle::warnings(&december, &config));
    }
    let year = YearArgs {
        cases: vec![dip_files[0].clone()],
        aggregates: None,
        lookups: lookups(),
        funds: Some(funds_path.clone()),
        payments,
        config: Some(config_path),
        year: None,
        special: None,
        assessment: None,
    };
    let args = DipSettleArgs {
        point_values: None,
        cases_only: false,
        inputs: year.clone(),
        keep: Vec::new(),
        output: OutArgs::new(done.out.join("dip"), format, true),
    };
    let dip = crate::commands::dip::settle::settle(&args, |_| true, s)?;
    s.say("\nDIP: a year of inpatient cases, point value per region × fund (yuan per point)\n\n");
    s.say(&dip_point_value_table(&dip.pools, &dip.cleared, &config));
    s.say("\nYear-end clearing against twelve monthly payments (the corridor of data/policies/corridor-70-70-50.toml: 70% of a surplus kept,\n\
         70%/50% of an overspend up to 10%/20% borne by the fund; withholding released by the assessment)\n\n");
    s.say(&clearing_table(&dip.pools, &dip.cleared, &config));
    s.say(&crate::commands::dip::settle::reserve_cap_summary(&dip.cleared, &config));
    let hospitals: usize = dip.pools.iter().map(|p| p.hospitals.len()).sum();
    s.say(&format!(
        "\nscored {} bundled cases, pre-settled 12 months, cleared {} pools and {} hospital rows → {}\n",
        dip.cases,
        dip.pools.len(),
        hospitals,
        shown(&dip.out)
    ));
    // the analyst's what-if on the same year: budget, volume and policy overlays
    let what_if = crate::commands::dip::scenario::run(
        &crate::commands::dip::scenario::DipScenarioArgs {
            inputs: YearArgs { payments: Vec::new(), ..year },
            scenarios: dip_files[7].clone(),
            hospitals: true,
            output: OutArgs::new(done.out.join("dip-scenario"), format, true),
        },
        s,
    )?;
    s.say("\nWhat if? Five scenarios on the year, each pool's change of point value split into budget, volume and policy\n\n");
    s.say(&crate::console::comparison_table(
        &what_if.comparison,
        &crate::console::DIP_COMPARISON_SHOWN,
        "pv_exact_delta",
    ));
    // what an analyst opens next: each output drawn as one offline page
    // (the year's also in Chinese, as a bureau would hand it on)
    use crate::commands::lang::Lang;
    let pages = [&done.out, &budget.out, &dip.out, &what_if.out].map(|dir| (dir, "report.html", Lang::En));
    for (dir, name, lang) in pages.into_iter().chain([(&dip.out, "report.zh.html", Lang::Zh)]) {
        let page = dir.join(name);
        crate::commands::report::write_report(dir, &page, &shown(dir), lang, s.printer)?;
        s.say(&format!("report → {}\n", shown(&page)));
    }
    s.say(&format!("the watch of each month → {}\n", shown(&done.out.join("dip-payments/2026-MM/report.html"))));
    // and the results go back to the hospitals as a workbook
    let book = dip.out.join("results.xlsx");
    crate::commands::export::run(&dip.out, &book, true, Lang::En)?;
    s.say(&format!("workbook → {}\n", shown(&book)));
    // and each institution's statement of how its figures arose, for the quarter and the year
    for (dir, what) in [(&done.out, "quarter"), (&dip.out, "year")] {
        let (n, written) = crate::commands::statement::run(&crate::commands::statement::StatementArgs {
            dir: dir.clone(),
            out: dir.join("statements"),
            institutions: Vec::new(),
            lang: Lang::En,
            force: true,
        })?;
        s.say(&format!("{n} statements of the {what} → {}\n", shown(&written.join("index.html"))));
    }
    // the steps' outputs up into the staging directory, which then replaces --out whole
    for entry in std::fs::read_dir(&work).map_err(Failure::other)?.flatten() {
        std::fs::rename(entry.path(), staged.file(&entry.file_name().to_string_lossy())).map_err(Failure::other)?;
    }
    std::fs::remove_dir(&work).map_err(Failure::other)?;
    staged.commit()?;
    crate::signals::unregister(inputs.path());
    Ok(())
}
