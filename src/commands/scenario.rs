//! `dianzhi scenario`: read the quarter once, solve the baseline and every scenario's
//! overlays, write the stacked tables and the comparison with its attribution (docs/analysts.md).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use dianzhi_analysis::scenario::{comparison, stack, BASELINE};
use dianzhi_columnar::taiwan::outputs;
use dianzhi_columnar::write::{self, Table};
use dianzhi_core::engine::attribution::{comparable, Change};
use dianzhi_core::engine::point_value::EXACT_SCALE;
use dianzhi_core::number::{parse_decimal, Dec, SCALE};
use dianzhi_core::taiwan::clearing::clear;
use dianzhi_core::taiwan::scenario::{solve, Entry, Scenario};
use dianzhi_core::Config;
use serde_json::json;

use crate::cli::OutArgs;
use crate::commands::settle::{read_pools, QuarterArgs};
use crate::console;
use crate::failure::{Failure, Result};
use crate::load_config;
use crate::manifest::{sha256_file, Manifest};
use crate::outdir::OutDir;
use crate::progress::Progress;

/// What-if runs: every scenario's overlays (budget, volume, config) solved after one scan,
/// stacked with the baseline, and each pool's change attributed to its causes.
#[derive(clap::Args)]
pub struct ScenarioArgs {
    #[command(flatten)]
    pub quarter: QuarterArgs,
    /// Scenarios (TOML): [[scenario]] tables with a name and budget, volume or config overlays.
    #[arg(long, value_name = "FILE")]
    pub scenarios: PathBuf,
    /// Also write every scenario's settlements (stacked, one row per institution and pool).
    #[arg(long)]
    pub settlements: bool,
    #[command(flatten)]
    pub output: OutArgs,
}

/// Runs `dianzhi scenario` and prints the comparison.
pub fn command(args: ScenarioArgs, s: &crate::cli::Settings) -> Result<u8> {
    let done = run(&args, s)?;
    s.say(&console::comparison_table(&done.comparison, &console::COMPARISON_SHOWN, "fpv_exact_delta"));
    s.say(&format!("solved {} scenario(s) over {} pools → {}\n", done.scenarios, done.pools, done.out.display()));
    Ok(0)
}

pub struct Done {
    pub scenarios: usize,
    pub pools: usize,
    pub comparison: Table,
    pub out: PathBuf,
}

pub fn run(args: &ScenarioArgs, s: &crate::cli::Settings) -> Result<Done> {
    // the scenarios are checked before the scan: a typo should not cost a 100M-row read
    let config = &load_config(args.quarter.config.as_deref())?;
    let mut inputs = args.quarter.paths();
    inputs.push(&args.scenarios);
    let out = OutDir::prepare(&args.output.out, args.output.force, |_| false, &inputs)?;
    let scenarios = read_scenarios(&args.scenarios, args.quarter.config.as_deref(), config)?;
    let mut progress = Progress::new(s.printer);
    let mut manifest = Manifest::new("scenario", config);
    manifest.input("scenarios", &args.scenarios, sha256_file(&args.scenarios)?, scenarios.len() as u64);
    let pools = read_pools(&args.quarter, config, &mut progress, &mut manifest, s)?.pools;
    let baseline = clear(&pools, config)?;
    progress.phase("solve scenarios");
    let solved = solve(&pools, &baseline, config, &scenarios, args.settlements)?;

    progress.phase("write outputs");
    let unit = config.money.unit;
    let mut point_values = vec![(BASELINE.to_string(), outputs::point_values(&pools, &baseline, config))];
    let mut settlements = Vec::new();
    if args.settlements {
        settlements.push((BASELINE.to_string(), outputs::settlements(&pools, &baseline, unit)));
    }
    let mut effects = Table::default();
    let (mut names, mut sectors, mut regions, mut quarters) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut parts: [Vec<Option<i128>>; 3] = Default::default();
    for (s, r) in scenarios.iter().zip(&solved) {
        point_values.push((s.name.clone(), outputs::point_values(&r.pools, &r.settled, &s.config)));
        if args.settlements {
            settlements.push((s.name.clone(), outputs::settlements(&r.pools, &r.settled, unit)));
        }
        for (p, e) in r.pools.iter().zip(&r.effects) {
            names.push(s.name.clone());
            sectors.push(p.key.sector.clone());
            regions.push(p.key.region.clone());
            quarters.push(p.key.quarter.to_string());
            for (k, part) in parts.iter_mut().enumerate() {
                part.push(e.map(|e| e[k]));
            }
        }
    }
    effects.text("scenario", names);
    effects.text("sector", sectors);
    effects.text("region", regions);
    effects.text("quarter", quarters);
    for (name, part) in ["budget_effect", "volume_effect", "config_effect"].into_iter().zip(parts) {
        effects.nullable_decimal(name, EXACT_SCALE, part);
    }
    let stacked = stack(&point_values)?;
    let comparison = comparison(&stacked, &effects)?;

    let ext = args.output.ext();
    let mut tables = vec![("point_values", stacked), ("comparison", comparison)];
    if args.settlements {
        tables.push(("settlements", stack(&settlements)?));
    }
    for (name, table) in &tables {
        let file = format!("{name}.{ext}");
        write::write_table(table, &out.file(&file), args.output.format())?;
        manifest.output(&file, table.rows(), sha256_file(&out.file(&file))?);
    }
    manifest.set("scenarios", json!(scenarios.iter().map(|s| s.name.as_str()).collect::<Vec<_>>()));
    manifest.finish(&out.file("manifest.json"), progress.phases())?;
    let out = out.commit()?;
    let comparison = tables.swap_remove(1).1;
    Ok(Done { scenarios: scenarios.len(), pools: pools.len(), comparison, out })
}

/// Reads the quarter's scenarios file: names, overlay entries and config overlays, each checked
/// and errors naming the scenario and entry.
pub fn read_scenarios(path: &Path, config_path: Option<&Path>, base: &Config) -> Result<Vec<Scenario>> {
    let shape = Shape {
        budget: &["sector", "region", "quarter"],
        volume: &["sector", "region", "quarter", "institution_id"],
        volume_add: true,
        example: "[{ sector = \"hospital\", scale = \"1.02\" }]",
    };
    let file = path.display().to_string();
    let mut out = Vec::new();
    for w in read_written(path, config_path, base, &shape)? {
        let entries = |list: Vec<Written>| -> Result<Vec<Entry>> {
            list.into_iter()
                .map(|e| {
                    let quarter = e.keys.get("quarter").map(|q| q.parse()).transpose().map_err(
                        |err: dianzhi_core::period::PeriodError| {
                            Failure::input(format!("{file}: scenario {:?}, {}: quarter: {err}", w.name, e.at))
                        },
                    )?;
                    Ok(Entry {
                        sector: e.keys.get("sector").cloned(),
                        region: e.keys.get("region").cloned(),
                        quarter,
                        institution_id: e.keys.get("institution_id").cloned(),
                        change: e.change,
                    })
                })
                .collect()
        };
        out.push(Scenario {
            name: w.name.clone(),
            budget: entries(w.budget)?,
            volume: entries(w.volume)?,
            config: w.config,
        });
    }
    Ok(out)
}

/// What a kind of scenarios file allows: the keys its budget and volume entries match on, and
/// whether a volume entry may add.
pub struct Shape {
    pub budget: &'static [&'static str],
    pub volume: &'static [&'static str],
    pub volume_add: bool,
    /// A budget entry, as help in messages.
    pub example: &'static str,
}

/// An overlay entry as written: its matching keys (text), its change, and where it stands.
pub struct Written {
    pub keys: std::collections::BTreeMap<String, String>,
    pub change: Change,
    pub at: String,
}

/// A scenario as written, its config merged over the run's.
pub struct WrittenScenario {
    pub name: String,
    pub budget: Vec<Written>,
    pub volume: Vec<Written>,
    pub config: Config,
}

/// Reads a scenarios file of either kind: names, entries and config overlays, each checked,
/// errors naming the scenario and entry. `base` is the run's effective config (`config_path`
/// as written is what a scenario's `config` merges over).
pub fn read_written(
    path: &Path,
    config_path: Option<&Path>,
    base: &Config,
    shape: &Shape,
) -> Result<Vec<WrittenScenario>> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| Failure::input(format!("{file}: cannot read: {e}")))?;
    let doc: toml::Table = toml::from_str(&text).map_err(|e| Failure::input(format!("{file}: not valid TOML: {e}")))?;
    let bad = |m: String| Failure::input(format!("{file}: {m}"));
    if let Some(k) = doc.keys().find(|k| *k != "scenario") {
        return Err(bad(format!("unknown key '{k}': the file holds [[scenario]] tables only")));
    }
    let Some(list) = doc.get("scenario").and_then(|s| s.as_array()) else {
        return Err(bad("no [[scenario]] table; each needs a name and budget, volume or config overlays".into()));
    };
    // the run's config as written, for the scenarios' keys to merge over
    let base_table: toml::Table = match config_path {
        Some(p) => toml::from_str(&std::fs::read_to_string(p).map_err(Failure::other)?).map_err(Failure::other)?,
        None => toml::Table::new(),
    };
    let mut seen = BTreeSet::new();
    let mut out = Vec::with_capacity(list.len());
    for (n, item) in list.iter().enumerate() {
        let Some(t) = item.as_table() else {
            return Err(bad(format!("scenario {} is not a table", n + 1)));
        };
        let Some(name) = t.get("name").and_then(|v| v.as_str()).map(str::trim).filter(|s| !s.is_empty()) else {
            return Err(bad(format!("scenario {} has no name; give it name = \"…\"", n + 1)));
        };
        let what = |m: String| bad(format!("scenario {name:?}: {m}"));
        if name == BASELINE {
            return Err(what("'baseline' names the run without overlays; choose another name".into()));
        }
        if !seen.insert(name.to_string()) {
            return Err(what("the name is used twice; scenario names must be unique".into()));
        }
        if let Some(k) = t.keys().find(|k| !["name", "budget", "volume", "config"].contains(&k.as_str())) {
            return Err(what(format!("unknown key '{k}' (a scenario has name, budget, volume, config)")));
        }
        let config = match t.get("config") {
            None => base.clone(),
            Some(toml::Value::Table(c)) => {
                for (section, key) in [("money", "unit"), ("point_value", "scale")] {
                    if c.get(section).and_then(|s| s.get(key)).is_some() {
                        return Err(what(format!(
                            "config overrides {section}.{key}; scenarios share the baseline's, or they could not be compared"
                        )));
                    }
                }
                let mut merged = base_table.clone();
                merge(&mut merged, c);
                let mut config: Config = toml::Value::Table(merged)
                    .try_into()
                    .map_err(|e: toml::de::Error| what(format!("config: {}", e.message())))?;
                // the unit is the run's (a DIP run's fen is a default, not written): a scenario
                // cannot change it (refused above)
                config.money.unit = base.money.unit;
                config.validate().map_err(|e| what(format!("config: {e}")))?;
                if let Some(key) = comparable(base, &config) {
                    return Err(what(format!("config changes {key}")));
                }
                config
            }
            Some(_) => {
                return Err(what(
                    "config must be a table of config keys, e.g. { fixed_value = { drug = \"0.95\" } }".into(),
                ))
            }
        };
        let budget = entries(t, "budget", &config, shape).map_err(&what)?;
        let volume = entries(t, "volume", &config, shape).map_err(&what)?;
        if budget.is_empty() && volume.is_empty() && t.get("config").is_none() {
            return Err(what("has no overlay; give it budget, volume or config".into()));
        }
        out.push(WrittenScenario { name: name.to_string(), budget, volume, config });
    }
    Ok(out)
}

/// Merges `over` into `base`, table by table (a scenario's `config` over the run's config file).
fn merge(base: &mut toml::Table, over: &toml::Table) {
    for (k, v) in over {
        match (base.get_mut(k), v) {
            (Some(toml::Value::Table(b)), toml::Value::Table(o)) => merge(b, o),
            _ => {
                base.insert(k.clone(), v.clone());
            }
        }
    }
}

fn entries(t: &toml::Table, kind: &str, config: &Config, shape: &Shape) -> std::result::Result<Vec<Written>, String> {
    let Some(v) = t.get(kind) else {
        return Ok(Vec::new());
    };
    let Some(list) = v.as_array() else {
        return Err(format!("{kind} must be a list of entries, e.g. {}", shape.example));
    };
    let volume = kind == "volume";
    let keys = if volume { shape.volume } else { shape.budget };
    let mut out = Vec::with_capacity(list.len());
    for (n, item) in list.iter().enumerate() {
        let place = format!("{kind} entry {}", n + 1);
        let at = |m: String| format!("{place}: {m}");
        let Some(e) = item.as_table() else {
            return Err(at("not a table".into()));
        };
        if let Some(k) = e.keys().find(|k| !keys.contains(&k.as_str()) && !["scale", "add"].contains(&k.as_str())) {
            return Err(at(format!("unknown key '{k}' (allowed: {}, scale, add)", keys.join(", "))));
        }
        let text = |k: &str| -> std::result::Result<Option<String>, String> {
            match e.get(k) {
                None => Ok(None),
                Some(toml::Value::String(s)) => Ok(Some(s.clone())),
                Some(toml::Value::Integer(i)) => Ok(Some(i.to_string())),
                Some(v) => Err(at(format!("{k} = {v}: write it as a string, e.g. {k} = \"{v}\""))),
            }
        };
        let number = |k: &str| -> std::result::Result<Option<Dec>, String> {
            text(k)?.map(|s| parse_decimal(&s).map(Dec::from).map_err(|e| at(format!("{k} = {s:?}: {e}")))).transpose()
        };
        let change = match (number("scale")?, number("add")?) {
            (Some(_), Some(_)) => return Err(at("has both scale and add; give one".into())),
            (None, None) => return Err(at("has neither scale nor add".into())),
            (Some(f), None) => Change::Scale(f),
            (None, Some(_)) if volume && !shape.volume_add => {
                return Err(at("a volume entry scales (scale = \"1.05\"); add is for budgets".into()))
            }
            (None, Some(a)) => {
                let what = if volume { "claimed points" } else { "money" };
                let fixed =
                    a.rescale_exact(SCALE).ok_or_else(|| at(format!("add = {a}: {what} have at most 4 decimals")))?;
                if !volume && !config.money.unit.is_multiple(fixed) {
                    return Err(at(format!(
                        "add = {a} is not a multiple of the money unit {}",
                        config.money.unit.as_decimal()
                    )));
                }
                Change::Add(fixed)
            }
        };
        let mut matched = std::collections::BTreeMap::new();
        for k in keys {
            if let Some(v) = text(k)? {
                matched.insert(k.to_string(), v);
            }
        }
        out.push(Written { keys: matched, change, at: place });
    }
    Ok(out)
}
