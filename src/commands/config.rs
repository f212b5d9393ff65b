//! The policy config: read from TOML (unknown keys and bad values refused), and `dianzhi config
//! --show`, the effective config with every default.

use std::path::{Path, PathBuf};

use dianzhi_core::Config;

use crate::failure::{Failure, Result};

/// The policy config: `--show` prints the effective config with every default (TOML), so a
/// bureau can archive the exact policy it ran.
#[derive(clap::Args)]
pub struct ConfigArgs {
    /// Print the effective config.
    #[arg(long)]
    pub show: bool,
    /// A config file merged over the defaults.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// The defaults of the DIP commands (money in fen, 0.01).
    #[arg(long)]
    pub dip: bool,
}

/// Runs `dianzhi config`.
pub fn command(args: ConfigArgs, _: &crate::cli::Settings) -> Result<u8> {
    if !args.show {
        return Err(Failure::input(
            "nothing to do: `dianzhi config --show [--config FILE] [--dip]` prints the effective config",
        ));
    }
    let effective = if args.dip {
        crate::commands::dip::load_config(args.config.as_deref())?
    } else {
        load_config(args.config.as_deref())?
    };
    let text = toml::to_string(&effective).map_err(Failure::other)?;
    crate::console::print(&format!(
        "# dianzhi {}: the effective {}config{}; every key shown, defaults included\n{text}",
        crate::VERSION,
        if args.dip { "DIP " } else { "" },
        args.config.map_or(String::new(), |p| format!(" of {}", p.display()))
    ));
    Ok(0)
}

/// Reads a TOML config; unknown keys and bad values are errors naming the key.
pub fn load_config(path: Option<&Path>) -> Result<Config> {
    let Some(path) = path else {
        return Ok(Config::default());
    };
    let text = std::fs::read_to_string(path)
        .map_err(|e| Failure::input(format!("{}: cannot read the config: {e}", path.display())))?;
    let config: Config =
        toml::from_str(&text).map_err(|e| Failure::input(format!("{}: invalid config: {e}", path.display())))?;
    config.validate().map_err(|e| Failure::input(format!("{}: invalid config: {e}", path.display())))?;
    Ok(config)
}
