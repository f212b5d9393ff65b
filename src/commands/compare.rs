//! `dianzhi compare A B`: two runs (or a run and published figures) joined on their keys;
//! exit 0 when they agree within the tolerance, 1 with the differences (docs/analysts.md).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use dianzhi_analysis::compare::{
    compare_on, differences_table, key_column, keys_on, Difference, Kind, TableSummary, AFTER_KEYS, KEY_COLUMNS,
};
use dianzhi_columnar::read::cells::{column_names, ColumnTable};
use dianzhi_columnar::read::source::{Format, Source};
use dianzhi_columnar::write::{Table, TableWriter, TextColumn, Values};
use dianzhi_core::number::Dec;

use crate::cli::{extension, parse_tolerance, OutFormat};
use crate::console::print;
use crate::failure::{Failure, Result};
use crate::manifest::{sha256_file, Manifest};
use crate::outdir::OutDir;

/// Compares two outputs (directories or single tables, Parquet or CSV) on their keys: exit 0
/// when they agree, 1 with the differences, 2 on bad input.
#[derive(clap::Args)]
pub struct CompareArgs {
    /// The first output: a directory or one table.
    #[arg(value_name = "A")]
    pub a: PathBuf,
    /// The second output (or published figures: the key columns and a value column).
    #[arg(value_name = "B")]
    pub b: PathBuf,
    /// Join on these key columns only, e.g. --on sector,region to set one quarter against another
    /// (the other key columns, the quarter, are then not compared). Default: every key column.
    #[arg(long, value_delimiter = ',', value_name = "KEY,…")]
    pub on: Vec<String>,
    /// Numbers within this absolute difference are equal (inclusive), e.g. 0.0001.
    #[arg(long, value_parser = parse_tolerance, value_name = "X")]
    pub tolerance: Option<Dec>,
    /// Write the `differences` table into this directory.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Format of the differences table.
    #[arg(long, value_enum, default_value = "parquet", value_name = "FORMAT")]
    pub format: OutFormat,
    /// Replace a non-empty --out directory.
    #[arg(long)]
    pub force: bool,
}

/// Runs `dianzhi compare`: exit status 0 when A and B agree, 1 when they differ.
pub fn command(args: CompareArgs, s: &crate::cli::Settings) -> Result<u8> {
    Ok(if run(&args, s)? { 0 } else { 1 })
}

/// Compares and reports; returns whether A and B agree.
pub fn run(args: &CompareArgs, settings: &crate::cli::Settings) -> Result<bool> {
    // a bad --out is said before the work, not after it
    let dir = match &args.out {
        Some(out) => Some(OutDir::prepare(out, args.force, |_| false, &[&args.a, &args.b])?),
        None => None,
    };
    let on: Vec<&'static str> =
        args.on.iter().map(|k| key_column(k.trim())).collect::<std::result::Result<_, _>>().map_err(Failure::from)?;
    let on = (!on.is_empty()).then_some(on.as_slice());
    let pairs = pairs(&args.a, &args.b, settings)?;
    // the differences table has the key columns of every table compared, known before the
    // first difference is written
    let mut keys: Vec<&'static str> = Vec::new();
    for (_, a, b) in &pairs {
        if let (Some(a), Some(b)) = (a, b) {
            keys.extend(keys_on(&column_names(a)?, &column_names(b)?, on));
        }
    }
    let keys: Vec<&'static str> = KEY_COLUMNS.iter().copied().filter(|k| keys.contains(k)).collect();
    let file = format!("differences.{}", extension(args.format.into()));
    let writer = match &dir {
        Some(dir) => Some(TableWriter::create(&dir.file(&file), args.format.into())?),
        None => None,
    };
    let mut found = Found::new(keys, writer);
    // the manifest's digests of the inputs are taken beside the comparison, not after it
    let inputs: Vec<PathBuf> = pairs.iter().flat_map(|(_, a, b)| [a, b]).flatten().map(|s| s.path.clone()).collect();
    let digests = dir.is_some().then(|| {
        std::thread::spawn(move || inputs.iter().map(|p| Ok((p.clone(), sha256_file(p)?))).collect::<Result<Vec<_>>>())
    });
    let mut summaries = Vec::new();
    for (table, a, b) in &pairs {
        match (a, b) {
            (Some(a), Some(b)) => {
                let (ta, tb) = (ColumnTable::open(a)?, ColumnTable::open(b)?);
                summaries.push(compare_on(table, &ta, &tb, on, args.tolerance, &mut |part| found.push(part))?);
            }
            (a, _) => {
                let kind = if a.is_some() { Kind::OnlyInA } else { Kind::OnlyInB };
                settings.note(&format!("{table}: {}\n", if a.is_some() { "only in A" } else { "only in B" }));
                found.push(differences_table(&[Difference::row(table, Vec::new(), kind)], &[]))?;
            }
        }
    }
    for s in &summaries {
        settings.note(&summary(s));
    }
    let total = found.total;
    let same = total == 0;
    settings.note(&format!("{}\n", if same { "A and B agree".to_string() } else { format!("{total} difference(s)") }));
    let (differs, others) = (std::mem::take(&mut found.differs), std::mem::take(&mut found.others));
    found.finish()?;
    if let Some(dir) = dir {
        let mut manifest = Manifest::new("compare", &dianzhi_core::Config::default());
        let digests =
            digests.expect("taken with --out").join().map_err(|_| Failure::other("hashing the inputs failed"))?;
        for (path, digest) in digests? {
            manifest.input("table", &path, digest, 0);
        }
        manifest.output(&file, total, sha256_file(&dir.file(&file))?);
        manifest.finish(&dir.file("manifest.json"), Vec::new())?;
        let done = dir.commit()?;
        settings.say(&format!("differences → {}\n", done.display()));
    } else if !same {
        print(&first_differences(&differs, &others, total));
    }
    Ok(same)
}

/// Where differences go as they are found: the table being written (if --out), their count,
/// and the first few of each kind for the terminal.
struct Found {
    keys: Vec<&'static str>,
    writer: Option<TableWriter>,
    total: usize,
    differs: Vec<Difference>,
    others: Vec<Difference>,
}

impl Found {
    fn new(keys: Vec<&'static str>, writer: Option<TableWriter>) -> Self {
        Found { keys, writer, total: 0, differs: Vec::new(), others: Vec::new() }
    }

    /// A part of the differences of one table: counted, its first rows kept to show, and
    /// written with every key column of the comparison (empty where this table has none).
    fn push(&mut self, part: Table) -> std::result::Result<(), dianzhi_analysis::Error> {
        let rows = part.rows();
        self.total += rows;
        // a part holds the differing cells of one column, or rows on one side only
        let differing = rows > 0 && Kind::at(&part, 0) == Kind::Differs;
        let shown = if differing { &mut self.differs } else { &mut self.others };
        let first = rows.min(SHOWN - shown.len());
        shown.extend((0..first).map(|row| Difference::read(&part, row)));
        if let Some(w) = &mut self.writer {
            let mut columns = part.columns;
            let mut take = |name: &str| {
                let at = columns.iter().position(|(n, _)| n == name)?;
                Some(columns.remove(at).1)
            };
            let mut t = Table::default();
            t.push("table", take("table").expect("a table column"));
            for k in &self.keys {
                t.push(*k, take(k).unwrap_or(Values::Texts { column: TextColumn::nulls(rows), nullable: true }));
            }
            for name in AFTER_KEYS {
                t.push(name, take(name).expect("the columns of differences"));
            }
            w.write(&t)?;
        }
        Ok(())
    }

    /// Writes an empty table (with its columns) if nothing differs, and closes the file.
    fn finish(mut self) -> Result<()> {
        if self.total == 0 {
            if let Some(w) = &mut self.writer {
                w.write(&differences_table(&[], &self.keys))?;
            }
        }
        if let Some(w) = self.writer.take() {
            w.close()?;
        }
        Ok(())
    }
}

/// Differences shown on the terminal without --out.
const SHOWN: usize = 20;

type Pair = (String, Option<Source>, Option<Source>);

/// The tables dianzhi writes.
const KNOWN: [&str; 10] = [
    "point_values",
    "settlements",
    "comparison",
    "hospitals",
    "cases",
    "payments",
    "execution_pools",
    "execution_hospitals",
    "differences",
    "aggregates",
];

/// The tables to compare: two directories pair their tables by name (a table in one only is
/// a difference); two files are one table; a file and a directory pair the file with the
/// directory's table of its name.
fn pairs(a: &Path, b: &Path, s: &crate::cli::Settings) -> Result<Vec<Pair>> {
    match (a.is_dir(), b.is_dir()) {
        (true, true) => {
            let (ta, tb) = (tables(a, s)?, tables(b, s)?);
            let names: std::collections::BTreeSet<&String> = ta.keys().chain(tb.keys()).collect();
            if names.is_empty() {
                return Err(Failure::input(format!(
                    "{} and {}: no tables (*.parquet, *.csv) to compare",
                    a.display(),
                    b.display()
                )));
            }
            Ok(names.into_iter().map(|n| (n.clone(), ta.get(n).cloned(), tb.get(n).cloned())).collect())
        }
        (false, false) => {
            let (sa, sb) = (file(a, s)?, file(b, s)?);
            // a table from elsewhere (published.csv) takes the name of dianzhi's table it is checked against
            let name =
                if KNOWN.contains(&stem(a).as_str()) || !KNOWN.contains(&stem(b).as_str()) { stem(a) } else { stem(b) };
            Ok(vec![(name, Some(sa), Some(sb))])
        }
        (dir_a, _) => {
            let (dir, f) = if dir_a { (a, b) } else { (b, a) };
            let name = stem(f);
            let Some(t) = tables(dir, s)?.remove(&name) else {
                return Err(Failure::input(format!(
                    "{}: has no table named {name} to compare with {}; name the file",
                    dir.display(),
                    f.display()
                )));
            };
            let f = file(f, s)?;
            Ok(vec![if dir_a { (name, Some(t), Some(f)) } else { (name, Some(f), Some(t)) }])
        }
    }
}

fn stem(p: &Path) -> String {
    p.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default()
}

fn file(p: &Path, s: &crate::cli::Settings) -> Result<Source> {
    if Format::of(p).is_none() {
        return Err(Failure::input(format!("{}: not a table (*.parquet or *.csv) or a directory", p.display())));
    }
    crate::single_file(p, "table", s.encoding)
}

/// A directory's tables by name; a name there in two formats is ambiguous.
fn tables(dir: &Path, s: &crate::cli::Settings) -> Result<BTreeMap<String, Source>> {
    let mut found = BTreeMap::new();
    let entries = std::fs::read_dir(dir).map_err(|e| Failure::input(format!("{}: cannot list: {e}", dir.display())))?;
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    // the tables dianzhi writes; a workbook (an export) is compared by naming its sheet
    for p in paths.into_iter().filter(|p| p.is_file() && matches!(Format::of(p), Some(Format::Parquet | Format::Csv))) {
        let name = stem(&p);
        let source = file(&p, s)?;
        if let Some(other) = found.insert(name.clone(), source) {
            return Err(Failure::input(format!(
                "{}: table {name} is there twice ({} and {}); compare one of them by name",
                dir.display(),
                other.path.display(),
                p.display()
            )));
        }
    }
    Ok(found)
}

fn summary(s: &TableSummary) -> String {
    let mut out = format!(
        "{}: {} rows in A, {} in B, joined on {}; {} only in A, {} only in B\n",
        s.table,
        s.rows_a,
        s.rows_b,
        s.keys.join(", "),
        s.only_in_a,
        s.only_in_b
    );
    for c in &s.columns {
        let what = if c.differs == 0 {
            "same".to_string()
        } else {
            let max = c.max_delta.as_ref().map(|m| format!(", max |delta| {m}")).unwrap_or_default();
            format!("{} differ{max}", c.differs)
        };
        out.push_str(&format!("  {:<20} {what}\n", c.column));
    }
    out
}

fn first_differences(differs: &[Difference], others: &[Difference], total: usize) -> String {
    let mut out = String::new();
    // values that differ first: rows present on one side only are the lesser news
    for d in differs.iter().chain(others).take(SHOWN) {
        let key: Vec<String> = d.key.iter().map(|(k, v)| format!("{k}={}", v.as_deref().unwrap_or(""))).collect();
        let show = |v: &Option<String>| v.clone().unwrap_or_else(|| "∅".into());
        match d.kind {
            Kind::Differs => out.push_str(&format!(
                "{} {} {}: {} → {}{}\n",
                d.table,
                key.join(" "),
                d.column.as_deref().unwrap_or(""),
                show(&d.a),
                show(&d.b),
                d.delta.as_ref().map(|x| format!(" (delta {x})")).unwrap_or_default()
            )),
            k => out.push_str(&format!("{} {} {}\n", d.table, key.join(" "), k.as_str())),
        }
    }
    if total > SHOWN {
        out.push_str(&format!("… and {} more (--out DIR writes them all)\n", total - SHOWN));
    }
    out
}
