//! `dianzhi demo`: a whole quarterly clearing on the dataset bundled in the binary
//! (data/demo/, made by `dianzhi generate --rows 6000 --institutions 300 --seed 2026 --format csv`).

use std::path::Path;

use dianzhi_columnar::Format;
use dianzhi_core::Config;

use crate::failure::{Failure, Result};
use crate::report::{point_value_table, say};
use crate::settle::{self, SettleArgs};

const CLAIMS: &str = include_str!("../data/demo/claims/part-00000.csv");
const BUDGETS: &str = include_str!("../data/demo/budgets.csv");
const INTERIM: &str = include_str!("../data/demo/interim.csv");

pub fn run(out: &Path, format: Format, force: bool) -> Result<()> {
    let inputs = std::env::temp_dir().join(format!("dianzhi-demo-inputs-{}", std::process::id()));
    std::fs::create_dir_all(&inputs).map_err(Failure::other)?;
    let result = (|| {
        for (name, text) in [("claims.csv", CLAIMS), ("budgets.csv", BUDGETS), ("interim.csv", INTERIM)] {
            std::fs::write(inputs.join(name), text).map_err(Failure::other)?;
        }
        let args = SettleArgs {
            claims: vec![inputs.join("claims.csv")],
            budgets: inputs.join("budgets.csv"),
            interim: vec![inputs.join("interim.csv")],
            config: Config::default(),
            config_path: None,
            out: out.to_path_buf(),
            format,
            quarters: Vec::new(),
            force,
            quiet: true,
        };
        // a previous demo (or settle) output may be replaced without --force
        settle::run(&args, |dir| dir.join("manifest.json").is_file())
    })();
    let _ = std::fs::remove_dir_all(&inputs);
    let done = result?;
    let rows: usize = done.settled.iter().map(|s| s.settlements.len()).sum();
    say(&point_value_table(&done.pools, &done.settled, &Config::default()));
    say(&format!(
        "\nsettled {} pools, {} settlement rows from {} bundled claim rows → {}\n",
        done.pools.len(),
        rows,
        CLAIMS.lines().count() - 1,
        done.out.display()
    ));
    Ok(())
}
