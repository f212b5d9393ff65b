//! Fuzzing the readers: valid CSV and Parquet claims, budgets and the DIP tables (cases, funds,
//! groups), mutated byte by byte (flips, insertions, deletions, truncation), must be read or
//! refused as bad input — never a panic, never an output error. Differential targets go further:
//! a mutated CSV that is accepted must read exactly as its Parquet twin (the same cells in the
//! other container), so a value one reader takes differently from the other is found. `DIANZHI_FUZZ_CASES=100000 cargo test -p
//! dianzhi-columnar --test fuzz --release` runs a long campaign; CI runs a short one.

use std::collections::HashMap;
use std::path::Path;

use dianzhi_columnar::dip::cases::{scan_cases, ScanOptions};
use dianzhi_columnar::dip::catalog::Catalog;
use dianzhi_columnar::dip::tables::HospitalTerms;
use dianzhi_columnar::read::digest::Hashing;
use dianzhi_columnar::taiwan::{claims, tables};
use dianzhi_columnar::write::{Table, TableWriter};
use dianzhi_columnar::{Error, Format, Source};
use dianzhi_core::dip::score::{Group, Scorer};
use dianzhi_core::number::{Decimal, MoneyUnit, ONE};
use dianzhi_core::Config;
use proptest::prelude::*;

fn cases() -> u32 {
    std::env::var("DIANZHI_FUZZ_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(48)
}

const CLAIMS: &str = "institution_id,sector,region,service_month,settle_quarter,claimed_points,drug_points,protected_points,deducted_points,copayment
A,dental,east,2026-01,,100.5,10,0,0,50
B,dental,east,2026-02-15,2026Q1,300,0,1.25,2,0
A,hospital,north,2026-03,,-20,0,0,0,0
";
const BUDGETS: &str = "sector,region,quarter,budget,charges\ndental,east,2026Q1,1000,10\nhospital,north,2026Q1,50,0\n";
const FUNDS: &str = "region,fund,year,budget,payment_ratio,reserve\nr1,employee,2026,1000000.50,0.85,2000\nr1,resident,2026,500000,1,0\n";
const GROUPS: &str = "dip_group,score,kind\nG1,100.5,core\nG2,80,basic\nG3,0.0001,core\n";
const CASES: &str =
    "case_id,institution_id,region,fund,discharge_month,dip_group,total_cost,fund_paid,aux_factor,special_score
c1,H1,r1,employee,2026-01,G1,900.50,800,,
c2,H1,r1,employee,2026-02,,100,90,1.1,
c3,H1,r1,resident,2026-03-31,G1,5000,4000,,12.5
";

/// One mutation of a byte string.
#[derive(Debug, Clone)]
enum Edit {
    Flip(usize, u8),
    Insert(usize, u8),
    Delete(usize),
    Truncate(usize),
}

fn edits() -> impl Strategy<Value = Vec<Edit>> {
    let one = prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Edit::Flip(i, b)),
        (any::<usize>(), prop::sample::select(b",\n\r\".-0123456789eE \x00\xff".to_vec()))
            .prop_map(|(i, b)| Edit::Insert(i, b)),
        any::<usize>().prop_map(Edit::Delete),
        any::<usize>().prop_map(Edit::Truncate),
    ];
    prop::collection::vec(one, 1..6)
}

fn mutate(bytes: &[u8], edits: &[Edit]) -> Vec<u8> {
    let mut b = bytes.to_vec();
    for e in edits {
        if b.is_empty() {
            break;
        }
        match *e {
            Edit::Flip(i, v) => {
                let n = b.len();
                b[i % n] ^= v | 1;
            }
            Edit::Insert(i, v) => b.insert(i % (b.len() + 1), v),
            Edit::Delete(i) => {
                let n = b.len();
                b.remove(i % n);
            }
            Edit::Truncate(i) => b.truncate(i % b.len()),
        }
    }
    b
}

/// A valid Parquet file of the CSV text (texts as text, numbers as DECIMAL(38, 4)).
fn parquet_of(csv: &str, numbers: &[&str], dir: &Path, name: &str) -> Vec<u8> {
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    let mut t = Table::default();
    for (c, h) in header.iter().enumerate() {
        let h: &'static str = Box::leak(h.to_string().into_boxed_str());
        if numbers.contains(&h) {
            let v = rows
                .iter()
                .map(|r| {
                    (!r[c].is_empty())
                        .then(|| r[c].parse::<dianzhi_core::number::Dec>().unwrap().rescale_exact(4).unwrap())
                })
                .collect();
            t.nullable_decimal(h, 4, v);
        } else {
            t.nullable_text(h, rows.iter().map(|r| (!r[c].is_empty()).then(|| r[c].to_string())).collect());
        }
    }
    let path = dir.join(name);
    let mut w = TableWriter::create(&path, Format::Parquet).unwrap();
    w.write(&t).unwrap();
    w.close().unwrap();
    std::fs::read(path).unwrap()
}

/// Reads `bytes` as `name` with `read`; a panic or an output error fails the test.
fn survives<T>(
    dir: &Path,
    name: &str,
    bytes: &[u8],
    read: impl Fn(&Source) -> Result<T, Error>,
) -> Result<(), TestCaseError> {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    let source = Source::new(path);
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| read(&source)));
    match outcome {
        Err(_) => Err(TestCaseError::fail(format!("panic reading {name}"))),
        Ok(Err(Error::Output { .. })) => Err(TestCaseError::fail(format!("output error reading {name}"))),
        Ok(_) => Ok(()),
    }
}

fn catalog() -> Catalog {
    let groups = HashMap::from([("G1".to_string(), Group { score: 100 * ONE, basic: false })]);
    let averages = HashMap::from([(("G1".to_string(), "2".to_string()), 1_000 * ONE)]);
    let terms = HospitalTerms { level: "2".into(), coefficient: Decimal::ONE, assessment: Decimal::ONE };
    let institutions = HashMap::from([(("H1".to_string(), String::new()), terms)]);
    Catalog::new(groups, averages, institutions)
}

fn read_claims(s: &Source) -> Result<(), Error> {
    claims::scan(std::slice::from_ref(s), MoneyUnit::WHOLE, Hashing::Sha256, &|_| {}, &Default::default()).map(|_| ())
}

fn read_cases(s: &Source) -> Result<(), Error> {
    let config = Config::default();
    let unit = MoneyUnit::from_decimal(Decimal::new(1, 2)).unwrap();
    let options = ScanOptions { year: None, spill: None, hashing: Hashing::Sha256, special: None };
    scan_cases(std::slice::from_ref(s), &catalog(), &Scorer::new(&config), unit, options, &|_| {}).map(|_| ())
}

fn fen() -> MoneyUnit {
    MoneyUnit::from_decimal(Decimal::new(1, 2)).unwrap()
}

/// A decimal text as a mantissa at 4 decimals, parsed here apart from the engine's parser (so
/// that a parsing bug cannot cancel out between the CSV and its twin): an optional sign, digits,
/// an optional point with up to 4 digits after it; `None` for anything else.
fn independent_fixed4(cell: &str) -> Option<i128> {
    let (negative, digits) = match cell.as_bytes().first()? {
        b'-' => (true, &cell[1..]),
        b'+' => (false, &cell[1..]),
        _ => (false, cell),
    };
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    if int.is_empty()
        || int.len() > 24
        || frac.len() > 4
        || !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let mut v: i128 = 0;
    for b in int.bytes().chain(frac.bytes()).chain(std::iter::repeat_n(b'0', 4 - frac.len())) {
        v = v * 10 + i128::from(b - b'0');
    }
    Some(if negative { -v } else { v })
}

/// The Parquet twin of a CSV text (each cell the same text, numbers as DECIMAL(38, 4) parsed by
/// [`independent_fixed4`]), or `None` where the text has no twin: quoting, carriage returns, a
/// ragged row, a number that parser would not take or with more than 4 decimals.
fn twin(csv: &[u8], numbers: &[&str], dir: &Path, name: &str) -> Option<Vec<u8>> {
    let text = std::str::from_utf8(csv).ok()?;
    if text.contains(['"', '\r']) || text.starts_with('\u{feff}') {
        return None;
    }
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next()?.split(',').collect();
    let rows: Vec<Vec<&str>> = lines.filter(|l| !l.is_empty()).map(|l| l.split(',').collect()).collect();
    if rows.iter().any(|r| r.len() != header.len()) || header.iter().any(|h| h.trim() != *h || h.is_empty()) {
        return None;
    }
    let mut t = Table::default();
    for (c, h) in header.iter().enumerate() {
        let h: &'static str = Box::leak(h.to_string().into_boxed_str());
        if numbers.contains(&h) {
            let mut v = Vec::new();
            for r in &rows {
                let cell = r[c].trim();
                v.push(if cell.is_empty() { None } else { Some(independent_fixed4(cell)?) });
            }
            t.nullable_decimal(h, 4, v);
        } else {
            t.nullable_text(h, rows.iter().map(|r| (!r[c].is_empty()).then(|| r[c].to_string())).collect());
        }
    }
    let path = dir.join(name);
    let mut w = TableWriter::create(&path, Format::Parquet).ok()?;
    w.write(&t).ok()?;
    w.close().ok()?;
    std::fs::read(path).ok()
}

/// When the reader accepts `csv`, its Parquet twin must read to the same value.
fn agrees_with_twin<T: PartialEq + std::fmt::Debug>(
    dir: &Path,
    stem: &str,
    csv: &[u8],
    numbers: &[&str],
    read: impl Fn(&Source) -> Result<T, Error>,
) -> Result<bool, TestCaseError> {
    let path = dir.join(format!("{stem}.csv"));
    std::fs::write(&path, csv).unwrap();
    let Ok(from_csv) = read(&Source::new(path)) else { return Ok(false) };
    let Some(bytes) = twin(csv, numbers, dir, &format!("{stem}.parquet")) else { return Ok(false) };
    let from_parquet = read(&Source::new(dir.join(format!("{stem}.parquet"))));
    match from_parquet {
        Ok(v) => {
            prop_assert_eq!(
                &v,
                &from_csv,
                "{} read otherwise from its Parquet twin:\n{}",
                stem,
                String::from_utf8_lossy(csv)
            );
        }
        Err(e) => {
            return Err(TestCaseError::fail(format!(
                "{stem}: the CSV is accepted, its Parquet twin ({} bytes) refused: {e}\n{}",
                bytes.len(),
                String::from_utf8_lossy(csv)
            )));
        }
    }
    Ok(true)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), failure_persistence: None, ..ProptestConfig::default() })]

    /// The unmutated tables agree with their twins (the differential target's own check).
    #[test]
    fn the_valid_tables_read_as_their_twins(_x in 0u8..1) {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let funds = agrees_with_twin(d, "funds", FUNDS.as_bytes(), &["budget", "payment_ratio", "reserve"], |s| {
            dianzhi_columnar::dip::tables::read_funds(s, fen())
        })?;
        prop_assert!(funds, "the valid funds have a twin");
        let cases = agrees_with_twin(d, "cases", CASES.as_bytes(), &["total_cost", "fund_paid", "aux_factor", "special_score"], |s| {
            let config = Config::default();
            let options = ScanOptions { year: None, spill: None, hashing: Hashing::Sha256, special: None };
            scan_cases(std::slice::from_ref(s), &catalog(), &Scorer::new(&config), fen(), options, &|_| {}).map(|scan| (scan.sums, scan.rows))
        })?;
        prop_assert!(cases, "the valid cases have a twin");
    }

    #[test]
    fn mutated_csv_inputs_are_read_or_refused(e in edits()) {
        let dir = tempfile::tempdir().unwrap();
        survives(dir.path(), "claims.csv", &mutate(CLAIMS.as_bytes(), &e), read_claims)?;
        survives(dir.path(), "budgets.csv", &mutate(BUDGETS.as_bytes(), &e), |s| tables::read_budgets(s, MoneyUnit::WHOLE).map(|_| ()))?;
        survives(dir.path(), "cases.csv", &mutate(CASES.as_bytes(), &e), read_cases)?;
        survives(dir.path(), "funds.csv", &mutate(FUNDS.as_bytes(), &e), |s| dianzhi_columnar::dip::tables::read_funds(s, fen()).map(|_| ()))?;
        survives(dir.path(), "groups.csv", &mutate(GROUPS.as_bytes(), &e), |s| dianzhi_columnar::dip::tables::read_groups(s).map(|_| ()))?;
    }

    #[test]
    fn mutated_parquet_inputs_are_read_or_refused(e in edits()) {
        let dir = tempfile::tempdir().unwrap();
        let claims = parquet_of(CLAIMS, &["claimed_points", "drug_points", "protected_points", "deducted_points", "copayment"], dir.path(), "valid-claims.parquet");
        survives(dir.path(), "claims.parquet", &mutate(&claims, &e), read_claims)?;
        let cases = parquet_of(CASES, &["total_cost", "fund_paid", "aux_factor", "special_score"], dir.path(), "valid-cases.parquet");
        survives(dir.path(), "cases.parquet", &mutate(&cases, &e), read_cases)?;
    }

    #[test]
    fn mutated_configs_are_read_or_refused(e in edits()) {
        let text = include_str!("../../../data/demo/dip/dip.toml").to_string()
            + "[money]\nunit = \"0.01\"\n[interim]\nbands = [{ max_rate = \"1\", ratio = \"0.9\" }]\n";
        let bytes = mutate(text.as_bytes(), &e);
        let outcome = std::panic::catch_unwind(|| {
            let text = String::from_utf8_lossy(&bytes);
            toml::from_str::<Config>(&text).map(|c| c.validate())
        });
        prop_assert!(outcome.is_ok(), "panic on config {:?}", String::from_utf8_lossy(&bytes));
    }
}

/// A bit flipped in a column chunk's offset (found by the mutation test above): the metadata
/// says the chunk starts at a negative offset, which the Parquet reader's own range helper
/// asserts against. The file is refused, never a panic.
#[test]
fn a_negative_column_offset_is_refused_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let numbers = ["claimed_points", "drug_points", "protected_points", "deducted_points", "copayment"];
    let claims = parquet_of(CLAIMS, &numbers, dir.path(), "valid-claims.parquet");
    survives(dir.path(), "claims.parquet", &mutate(&claims, &[Edit::Flip(3353163821000615108, 0)]), read_claims)
        .unwrap();
}

/// Differential: every accepted mutation of the claims, budgets, funds, groups and cases reads
/// as its Parquet twin; and enough of them were compared for the check to mean something (a
/// mutation the CSV reader refuses, or that has no twin, compares nothing).
#[test]
fn an_accepted_mutation_reads_as_its_parquet_twin() {
    let compared = std::sync::atomic::AtomicUsize::new(0);
    let config = ProptestConfig { cases: cases(), failure_persistence: None, ..ProptestConfig::default() };
    let mut runner = proptest::test_runner::TestRunner::new(config);
    runner
        .run(&edits(), |e| {
            let dir = tempfile::tempdir().unwrap();
            let d = dir.path();
            let claim_numbers = ["claimed_points", "drug_points", "protected_points", "deducted_points", "copayment"];
            count(
                &compared,
                agrees_with_twin(d, "claims", &mutate(CLAIMS.as_bytes(), &e), &claim_numbers, |s| {
                    claims::scan(
                        std::slice::from_ref(s),
                        MoneyUnit::WHOLE,
                        Hashing::Sha256,
                        &|_| {},
                        &Default::default(),
                    )
                    .map(|scan| (scan.claims, scan.rows))
                }),
            )?;
            count(
                &compared,
                agrees_with_twin(d, "budgets", &mutate(BUDGETS.as_bytes(), &e), &["budget", "charges"], |s| {
                    tables::read_budgets(s, MoneyUnit::WHOLE)
                }),
            )?;
            count(
                &compared,
                agrees_with_twin(
                    d,
                    "funds",
                    &mutate(FUNDS.as_bytes(), &e),
                    &["budget", "payment_ratio", "reserve"],
                    |s| dianzhi_columnar::dip::tables::read_funds(s, fen()),
                ),
            )?;
            count(
                &compared,
                agrees_with_twin(d, "groups", &mutate(GROUPS.as_bytes(), &e), &["score"], |s| {
                    dianzhi_columnar::dip::tables::read_groups(s)
                        .map(|(g, n)| (g.into_iter().collect::<std::collections::BTreeMap<_, _>>(), n))
                }),
            )?;
            count(
                &compared,
                agrees_with_twin(
                    d,
                    "cases",
                    &mutate(CASES.as_bytes(), &e),
                    &["total_cost", "fund_paid", "aux_factor", "special_score"],
                    |s| {
                        let config = Config::default();
                        let options = ScanOptions { year: None, spill: None, hashing: Hashing::Sha256, special: None };
                        scan_cases(std::slice::from_ref(s), &catalog(), &Scorer::new(&config), fen(), options, &|_| {})
                            .map(|scan| (scan.sums, scan.rows))
                    },
                ),
            )?;
            Ok(())
        })
        .unwrap();
    // five tables a mutation; most mutations break a table (refused, or without a twin), and
    // about one table in fifteen is read and twinned: at least one in forty must be
    let n = compared.load(std::sync::atomic::Ordering::Relaxed);
    eprintln!("{n} tables compared over {} mutations", cases());
    assert!(n * 8 >= cases() as usize, "only {n} tables were compared over {} mutations", cases());
}

/// Counts a comparison that took place.
fn count(
    compared: &std::sync::atomic::AtomicUsize,
    outcome: Result<bool, TestCaseError>,
) -> Result<bool, TestCaseError> {
    if outcome.as_ref().is_ok_and(|c| *c) {
        compared.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }
    outcome
}
