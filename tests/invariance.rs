//! The output tables are byte-identical whatever the thread count, the order of input rows,
//! or how the rows are split into files and row groups.

mod common;
use common::*;

use std::path::Path;
use std::sync::Arc;

use arrow_array::{ArrayRef, Decimal128Array, Int64Array, RecordBatch, StringArray};

fn settle_to(claims: &[&Path], budgets: &Path, interim: &Path, out: &Path, threads: &str) -> (Vec<u8>, Vec<u8>) {
    let mut args = vec![
        "--threads",
        threads,
        "settle",
        "--budgets",
        s(budgets),
        "--interim",
        s(interim),
        "--out",
        s(out),
        "--quiet",
        "--claims",
    ];
    args.extend(claims.iter().map(|c| s(c)));
    assert_ok(&dianzhi(&args));
    // whichever way the claims were read (CSV, Parquet row groups of any size, 1 or 2 threads)
    assert!(assert_input_digests(out, "claims") >= claims.len());
    (std::fs::read(out.join("point_values.parquet")).unwrap(), std::fs::read(out.join("settlements.parquet")).unwrap())
}

/// A deterministic shuffle (an LCG-driven Fisher–Yates).
fn shuffle<T>(v: &mut [T]) {
    let mut x: u64 = 0x2545_F491_4F6C_DD1D;
    for i in (1..v.len()).rev() {
        x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        v.swap(i, (x >> 33) as usize % (i + 1));
    }
}

fn fixed(text: &str, scale: u32) -> i128 {
    let (int, frac) = text.split_once('.').unwrap_or((text, ""));
    let frac = format!("{frac:0<width$}", width = scale as usize);
    let v: i128 = format!("{}{}", int.trim_start_matches('-'), frac).parse().unwrap();
    if text.starts_with('-') {
        -v
    } else {
        v
    }
}

/// Writes CSV claim lines as a Parquet file with small row groups and typed columns: points as
/// DECIMAL(`precision`, 4) (≤ 18 is stored as 64-bit integers, read on the 64-bit path), texts
/// dictionary-encoded or plain (read through the dictionaries or row by row).
fn to_parquet(lines: &[&str], path: &Path, row_group: usize, precision: u8, dictionary: bool) {
    let cells: Vec<Vec<&str>> = lines.iter().map(|l| l.split(',').collect()).collect();
    let text = |c: usize| Arc::new(StringArray::from(cells.iter().map(|r| r[c]).collect::<Vec<_>>())) as ArrayRef;
    let points = |c: usize| {
        Arc::new(
            Decimal128Array::from(cells.iter().map(|r| fixed(r[c], 4)).collect::<Vec<_>>())
                .with_precision_and_scale(precision, 4)
                .unwrap(),
        ) as ArrayRef
    };
    let batch = RecordBatch::try_from_iter([
        ("institution_id", text(0)),
        ("sector", text(1)),
        ("region", text(2)),
        ("service_month", text(3)),
        (
            "settle_quarter",
            Arc::new(StringArray::from(cells.iter().map(|r| (!r[4].is_empty()).then_some(r[4])).collect::<Vec<_>>()))
                as ArrayRef,
        ),
        ("claimed_points", points(5)),
        ("drug_points", points(6)),
        ("protected_points", points(7)),
        ("deducted_points", points(8)),
        (
            "copayment",
            Arc::new(Int64Array::from(cells.iter().map(|r| r[9].parse::<i64>().unwrap()).collect::<Vec<_>>()))
                as ArrayRef,
        ),
    ])
    .unwrap();
    let props = parquet::file::properties::WriterProperties::builder()
        .set_max_row_group_row_count(Some(row_group))
        .set_dictionary_enabled(dictionary)
        .build();
    write_parquet(path, &batch, Some(props));
}

#[test]
fn outputs_do_not_depend_on_threads_row_order_or_file_split() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    assert_ok(&dianzhi(&[
        "generate",
        "--rows",
        "40000",
        "--institutions",
        "500",
        "--seed",
        "11",
        "--format",
        "csv",
        "--out",
        s(&data),
    ]));
    let (budgets, interim) = (data.join("budgets.csv"), data.join("interim.csv"));
    let original = data.join("claims/part-00000.csv");

    let reference = settle_to(&[&original], &budgets, &interim, &dir.path().join("t1"), "1");
    assert!(reference.1.len() > 1000);
    assert_eq!(settle_to(&[&original], &budgets, &interim, &dir.path().join("t2"), "2"), reference, "1 vs 2 threads");

    // the same rows shuffled and split into three CSV files
    let text = std::fs::read_to_string(&original).unwrap();
    let mut lines: Vec<&str> = text.lines().skip(1).collect();
    shuffle(&mut lines);
    let parts: Vec<_> = lines
        .chunks(lines.len() / 3 + 1)
        .enumerate()
        .map(|(i, chunk)| {
            write(dir.path(), &format!("split/part{i}.csv"), &format!("{HEADER}\n{}\n", chunk.join("\n")))
        })
        .collect();
    let split: Vec<&Path> = parts.iter().map(|p| p.as_path()).collect();
    assert_eq!(settle_to(&split, &budgets, &interim, &dir.path().join("t3"), "2"), reference, "shuffled and split CSV");

    // the same rows as Parquet: two files with small row groups, read through a glob
    let half = lines.len() / 2;
    std::fs::create_dir_all(dir.path().join("pq")).unwrap();
    to_parquet(&lines[..half], &dir.path().join("pq/a.parquet"), 3_000, 18, true);
    to_parquet(&lines[half..], &dir.path().join("pq/b.parquet"), 7_000, 18, true);
    let glob = dir.path().join("pq/*.parquet");
    assert_eq!(settle_to(&[&glob], &budgets, &interim, &dir.path().join("t4"), "2"), reference, "Parquet row groups");

    // the same rows again, split otherwise, through every reading path at once: 64-bit numbers
    // with dictionaries, 128-bit numbers (DECIMAL(38, 4)) without, and one thread
    let third = lines.len() / 3;
    std::fs::create_dir_all(dir.path().join("mixed")).unwrap();
    to_parquet(&lines[..third], &dir.path().join("mixed/a.parquet"), 5_000, 18, true);
    to_parquet(&lines[third..2 * third], &dir.path().join("mixed/b.parquet"), 4_000, 38, false);
    to_parquet(&lines[2 * third..], &dir.path().join("mixed/c.parquet"), 6_000, 38, true);
    let mixed = dir.path().join("mixed");
    assert_eq!(settle_to(&[&mixed], &budgets, &interim, &dir.path().join("t5"), "1"), reference, "mixed encodings");

    // more workers than cores, with the budgets and interim rows shuffled too
    let shuffled = |path: &Path, name: &str| {
        let text = std::fs::read_to_string(path).unwrap();
        let mut rows: Vec<&str> = text.lines().collect();
        let header = rows.remove(0);
        shuffle(&mut rows);
        write(dir.path(), &format!("shuffled/{name}"), &format!("{header}\n{}\n", rows.join("\n")))
    };
    let (b, i) = (shuffled(&budgets, "budgets.csv"), shuffled(&interim, "interim.csv"));
    assert_ne!(std::fs::read(&b).unwrap(), std::fs::read(&budgets).unwrap(), "the budgets were shuffled");
    assert_eq!(settle_to(&split, &b, &i, &dir.path().join("t6"), "7"), reference, "7 threads, every input shuffled");
}
