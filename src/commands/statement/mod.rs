//! `dianzhi statement DIR --out DIR2`: a printable notice per institution of how its figures
//! arose (docs/statements.md) — the pool's figures, then the institution's, step by step in the
//! order of the arithmetic, each figure the output table's own text and each step naming its
//! rule; plus an index. DIR is an output of `settle` (a Taiwan quarter) or `dip settle` (a DIP
//! year).

mod dip;
mod page;
mod taiwan;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use dianzhi_columnar::read::text_table::{read_text_table, TextTable};

use crate::commands::export::safe_name;
use crate::failure::{Failure, Result};
pub use page::Lang;
use page::Page;

/// A printable statement per institution of an output directory (`settle` or `dip settle`):
/// its figures step by step, each naming its rule, and an index.
#[derive(clap::Args)]
pub struct StatementArgs {
    /// The output directory of a `settle` or `dip settle` run.
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
    /// The directory to write (index.html and a page per institution).
    #[arg(long, value_name = "DIR2")]
    pub out: PathBuf,
    /// Only these institutions (repeat the flag, or separate ids by commas); default: all.
    #[arg(long = "institution", value_name = "ID", value_delimiter = ',')]
    pub institutions: Vec<String>,
    /// The language of the pages: en or zh (the bureaus' own).
    #[arg(long, value_enum, default_value = "en", value_name = "LANG")]
    pub lang: Lang,
    /// Replace an earlier output directory of dianzhi.
    #[arg(long)]
    pub force: bool,
}

/// Runs `dianzhi statement` and prints where the pages went.
pub fn command(args: StatementArgs, s: &crate::cli::Settings) -> Result<u8> {
    let (n, out) = run(&args)?;
    s.say(&format!("{n} statements → {}\n", out.display()));
    Ok(0)
}

/// An output table read whole, by name (`.parquet` or `.csv`, as the report finds them).
pub(crate) fn table(dir: &Path, name: &str) -> Result<TextTable> {
    let source = crate::commands::report::find_table(dir, name)
        .ok_or_else(|| Failure::input(format!("{}: has no {name} table (.parquet or .csv)", dir.display())))?;
    Ok(read_text_table(&source)?)
}

/// A row of a table by column name, as the table's own text ("" for an empty cell).
pub(crate) struct Row<'a> {
    table: &'a TextTable,
    at: usize,
}

impl<'a> Row<'a> {
    pub(crate) fn get(&self, column: &str) -> &'a str {
        self.table.column(column).and_then(|c| c[self.at].as_deref()).unwrap_or("")
    }
}

pub(crate) fn rows(table: &TextTable) -> impl Iterator<Item = Row<'_>> {
    (0..table.rows()).map(move |at| Row { table, at })
}

/// Writes the statements; returns how many and where.
pub fn run(args: &StatementArgs) -> Result<(usize, PathBuf)> {
    let dir = &args.dir;
    let manifest: serde_json::Value = std::fs::read_to_string(dir.join("manifest.json"))
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .ok_or_else(|| {
            Failure::input(format!(
                "{}: not an output of dianzhi (no readable manifest.json); give the directory of a settle or dip settle run",
                dir.display()
            ))
        })?;
    let command = manifest.get("command").and_then(|c| c.as_str()).unwrap_or("");
    if command != "settle" && command != "dip settle" {
        return Err(Failure::input(format!(
            "{}: an output of `{command}`; statements are made of a settle or dip settle output",
            dir.display()
        )));
    }
    crate::outdir::refuse_file_over_inputs(&args.out.join("index.html"), dir)?;
    let staged = crate::outdir::OutDir::prepare(&args.out, args.force, |_| false, &[])?;
    let source = format!("{} · {}", dir.display(), program(&manifest));
    let pages: Vec<Page> =
        if command == "dip settle" { dip::pages(dir, &manifest, args.lang)? } else { taiwan::pages(dir, args.lang)? };
    let pages = selected(pages, &args.institutions)?;
    let mut files: BTreeMap<String, &str> = BTreeMap::new();
    for p in &pages {
        let file = format!("{}.html", safe_name(&p.institution));
        if let Some(other) = files.insert(file.clone(), &p.institution) {
            return Err(Failure::input(format!(
                "the institutions {other:?} and {:?} both make the file name {file}; rename one of them",
                p.institution
            )));
        }
        std::fs::write(staged.file(&file), p.html(&source, args.lang)).map_err(Failure::other)?;
    }
    std::fs::write(staged.file("index.html"), page::index(&pages, &source, args.lang)).map_err(Failure::other)?;
    Ok((pages.len(), staged.commit()?))
}

/// The program that wrote the output, as its manifest names it.
fn program(manifest: &serde_json::Value) -> String {
    let p = &manifest["program"];
    format!(
        "{} {} (commit {})",
        p["name"].as_str().unwrap_or("dianzhi"),
        p["version"].as_str().unwrap_or(""),
        p["commit"].as_str().unwrap_or("")
    )
}

/// The pages of the institutions asked for (all when none is named); an id not in the output
/// is refused naming it.
fn selected(pages: Vec<Page>, wanted: &[String]) -> Result<Vec<Page>> {
    if wanted.is_empty() {
        return Ok(pages);
    }
    if let Some(missing) = wanted.iter().find(|w| !pages.iter().any(|p| &p.institution == *w)) {
        return Err(Failure::input(format!(
            "--institution {missing}: not an institution of this output ({} institutions, e.g. {})",
            pages.len(),
            pages.iter().take(3).map(|p| p.institution.as_str()).collect::<Vec<_>>().join(", ")
        )));
    }
    Ok(pages.into_iter().filter(|p| wanted.contains(&p.institution)).collect())
}
