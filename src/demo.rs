//! `dianzhi demo`: a whole quarterly clearing and a DIP year on the datasets bundled in the
//! binary (data/demo/, made by `dianzhi generate --rows 6000 --institutions 300 --seed 2026
//! --format csv`, and data/demo/dip/ by `dianzhi dip generate --cases 3000 --hospitals 36
//! --regions 3 --groups 400 --seed 2026 --format csv`).

use std::path::{Path, PathBuf};

use dianzhi_columnar::Format;
use dianzhi_core::Config;

use crate::dip::settle::DipSettleArgs;
use crate::dip::Lookups;
use crate::failure::{Failure, Result};
use crate::report::{dip_point_value_table, point_value_table, say};
use crate::settle::{self, SettleArgs};

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

pub fn run(out: &Path, format: Format, force: bool) -> Result<()> {
    // the inputs are written to a fresh temporary directory, removed when it drops
    let inputs = tempfile::Builder::new().prefix("dianzhi-demo-inputs-").tempdir().map_err(Failure::other)?;
    let put = |name: &str, text: &str| -> Result<PathBuf> {
        let p = inputs.path().join(name);
        std::fs::write(&p, text).map_err(Failure::other)?;
        Ok(p)
    };
    let args = SettleArgs {
        claims: vec![put("claims.csv", CLAIMS)?],
        budgets: put("budgets.csv", BUDGETS)?,
        interim: vec![put("interim.csv", INTERIM)?],
        config: Config::default(),
        config_path: None,
        out: out.to_path_buf(),
        format,
        quarters: Vec::new(),
        force,
        quiet: true,
    };
    // a previous demo (or settle) output may be replaced without --force
    let done = settle::run(&args, |dir| dir.join("manifest.json").is_file())?;
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
    let args = DipSettleArgs {
        cases: vec![dip[0].clone()],
        lookups: Lookups { groups: dip[1].clone(), averages: dip[2].clone(), institutions: dip[3].clone() },
        funds: dip[4].clone(),
        payments: Vec::new(),
        config: crate::dip::load_config(Some(&config_path))?,
        config_path: Some(config_path),
        out: done.out.join("dip"),
        format,
        year: None,
        force: true,
        quiet: true,
    };
    let dip = crate::dip::settle::settle(&args, |_| true)?;
    say("\nDIP: one year of inpatient cases, point value per region × fund (yuan per point)\n\n");
    say(&dip_point_value_table(&dip.pools, &dip.cleared, &args.config));
    let hospitals: usize = dip.pools.iter().map(|p| p.hospitals.len()).sum();
    say(&format!(
        "\nscored {} bundled cases, cleared {} pools and {} hospital rows → {}\n",
        dip.cases,
        dip.pools.len(),
        hospitals,
        dip.out.display()
    ));
    Ok(())
}
