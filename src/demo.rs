//! `dianzhi demo`: a whole quarterly clearing and a DIP year on the datasets bundled in the
//! binary (data/demo/, made by `dianzhi generate --rows 6000 --institutions 300 --seed 2026
//! --format csv`, and data/demo/dip/ by `dianzhi dip generate --cases 3000 --hospitals 36
//! --regions 3 --groups 400 --seed 2026 --format csv`).

use std::path::{Path, PathBuf};

use dianzhi_columnar::Format;
use dianzhi_core::Config;

use crate::dip::presettle::PresettleArgs;
use crate::dip::settle::DipSettleArgs;
use crate::dip::Lookups;
use crate::failure::{Failure, Result};
use crate::report::{clearing_table, dip_point_value_table, point_value_table, say};
use crate::settle::{self, QuarterInputs, SettleArgs};

const CLAIMS: &str = include_str!("../data/demo/claims/part-00000.csv");
const BUDGETS: &str = include_str!("../data/demo/budgets.csv");
const INTERIM: &str = include_str!("../data/demo/interim.csv");

const DIP: [(&str, &str); 6] = [
    ("cases.csv", include_str!("../data/demo/dip/cases.csv")),
    ("groups.csv", include_str!("../data/demo/dip/groups.csv")),
    ("averages.csv", include_str!("../data/demo/dip/averages.csv")),
    ("institutions.csv", include_str!("../data/demo/dip/institutions.csv")),
    ("funds.csv", include_str!("../data/demo/dip/funds.csv")),
    ("dip.toml", include_str!("../data/demo/dip/dip.toml")),
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

pub fn run(out: &Path, format: Format, force: bool) -> Result<()> {
    // the inputs are written to a fresh temporary directory, removed when it drops
    let inputs = tempfile::Builder::new().prefix(INPUTS_PREFIX).tempdir().map_err(Failure::other)?;
    crate::signals::register(inputs.path());
    let put = |name: &str, text: &str| -> Result<PathBuf> {
        let p = inputs.path().join(name);
        std::fs::write(&p, text).map_err(Failure::other)?;
        Ok(p)
    };
    let args = SettleArgs {
        inputs: QuarterInputs {
            claims: vec![put("claims.csv", CLAIMS)?],
            aggregates: None,
            budgets: put("budgets.csv", BUDGETS)?,
            interim: vec![put("interim.csv", INTERIM)?],
            config_path: None,
            quarters: Vec::new(),
        },
        config: Config::default(),
        out: out.to_path_buf(),
        format,
        force,
        quiet: true,
    };
    // a previous demo's output may be replaced without --force; anything else needs it
    let done = settle::run(&args, is_demo_output)?;
    let rows: usize = done.settled.iter().map(|s| s.settlements.len()).sum();
    say("Taiwan NHI: one quarter, floating point value per sector × region\n\n");
    say(&point_value_table(&done.pools, &done.settled, &Config::default()));
    say(&format!(
        "\nsettled {} pools, {} settlement rows from {} bundled claim rows → {}\n",
        done.pools.len(),
        rows,
        CLAIMS.lines().count() - 1,
        done.out.display()
    ));

    let mut dip = Vec::new();
    for (name, text) in DIP {
        dip.push(put(&format!("dip-{name}"), text)?);
    }
    let config_path = dip[5].clone();
    let config = crate::dip::load_config(Some(&config_path))?;
    let lookups = || Lookups { groups: dip[1].clone(), averages: dip[2].clone(), institutions: dip[3].clone() };
    // the year: each month pre-settled (items paid, 5% withheld), then cleared at year end
    let mut payments = Vec::new();
    for month in 1..=12u8 {
        let month = dianzhi_core::period::Month::new(2026, month).expect("a month");
        let args = PresettleArgs {
            cases: vec![dip[0].clone()],
            lookups: lookups(),
            month,
            point_values: None,
            payments: payments.clone(),
            funds: Some(dip[4].clone()),
            last_year: None,
            config: config.clone(),
            config_path: Some(config_path.clone()),
            out: done.out.join("dip-payments").join(month.to_string()),
            format,
            force: true,
            quiet: true,
        };
        let paid = crate::dip::presettle::run(&args)?;
        let ext = if format == Format::Csv { "csv" } else { "parquet" };
        payments.push(paid.out.join(format!("payments.{ext}")));
    }
    let args = DipSettleArgs {
        cases: vec![dip[0].clone()],
        lookups: lookups(),
        funds: dip[4].clone(),
        payments,
        config,
        config_path: Some(config_path),
        out: done.out.join("dip"),
        format,
        year: None,
        force: true,
        quiet: true,
    };
    let dip = crate::dip::settle::settle(&args, |_| true)?;
    say("\nDIP: a year of inpatient cases, point value per region × fund (yuan per point)\n\n");
    say(&dip_point_value_table(&dip.pools, &dip.cleared, &args.config));
    say("\nYear-end clearing against twelve monthly payments (seed 000's corridor: 70% of a surplus kept,\n\
         70%/50% of an overspend up to 10%/20% borne by the fund; withholding released by the assessment)\n\n");
    say(&clearing_table(&dip.pools, &dip.cleared, &args.config));
    let hospitals: usize = dip.pools.iter().map(|p| p.hospitals.len()).sum();
    say(&format!(
        "\nscored {} bundled cases, pre-settled 12 months, cleared {} pools and {} hospital rows → {}\n",
        dip.cases,
        dip.pools.len(),
        hospitals,
        dip.out.display()
    ));
    // what an analyst opens next: each output drawn as one offline page
    for dir in [&done.out, &dip.out] {
        let page = dir.join("report.html");
        crate::html::write_report(dir, &page)?;
        say(&format!("report → {}\n", page.display()));
    }
    crate::signals::unregister(inputs.path());
    Ok(())
}
