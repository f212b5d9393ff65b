//! `dip settle` writes the same bytes whatever the thread count, the order of the case rows,
//! how they are split into files, and whether they come as CSV or Parquet.

mod common;
use common::*;

use std::path::Path;

fn settle(dir: &Path, cases: &[&str], threads: &str, name: &str) -> Vec<Vec<u8>> {
    let g = |f: &str| dir.join("gen").join(f).to_string_lossy().to_string();
    let out = dir.join(name);
    let mut args = vec!["--threads".to_string(), threads.into(), "dip".into(), "settle".into(), "--cases".into()];
    args.extend(cases.iter().map(|c| c.to_string()));
    for (flag, file) in [
        ("--groups", "groups.csv"),
        ("--averages", "averages.csv"),
        ("--institutions", "institutions.csv"),
        ("--funds", "funds.csv"),
    ] {
        args.push(flag.into());
        args.push(g(file));
    }
    args.extend(["--out".into(), out.to_string_lossy().to_string(), "--format".into(), "csv".into(), "--quiet".into()]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    assert_ok(&dianzhi(&args));
    assert!(assert_input_digests(&out, "cases") >= cases.len());
    ["point_values.csv", "hospitals.csv", "cases.csv"].iter().map(|f| std::fs::read(out.join(f)).unwrap()).collect()
}

#[test]
fn dip_outputs_do_not_depend_on_threads_row_order_file_split_or_format() {
    let dir = tempfile::tempdir().unwrap();
    // the same cases (same seed) as CSV here and as Parquet below
    let generate = |format: &str, out: &Path| {
        let args = "dip generate --cases 20000 --hospitals 60 --regions 4 --groups 300 --seed 11 --files 1 --format";
        let mut args: Vec<&str> = args.split(' ').collect();
        args.extend([format, "--out", s(out)]);
        assert_ok(&dianzhi(&args));
    };
    let gen = dir.path().join("gen");
    generate("csv", &gen);
    let one = gen.join("cases/part-00000.csv");
    let base = settle(dir.path(), &[s(&one)], "1", "a");
    assert_eq!(base, settle(dir.path(), &[s(&one)], "2", "b"));

    // the rows shuffled and dealt into three files
    let text = std::fs::read_to_string(&one).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    let header = lines.remove(0);
    let mut state = 12345u64;
    for i in (1..lines.len()).rev() {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        lines.swap(i, (state >> 33) as usize % (i + 1));
    }
    let mut parts = Vec::new();
    for (k, chunk) in lines.chunks(lines.len() / 3 + 1).enumerate() {
        parts.push(write(dir.path(), &format!("split/p{k}.csv"), &format!("{header}\n{}\n", chunk.join("\n"))));
    }
    let split = dir.path().join("split");
    assert_eq!(base, settle(dir.path(), &[s(&split)], "2", "c"));

    let pq = dir.path().join("pq");
    generate("parquet", &pq);
    assert_eq!(base, settle(dir.path(), &[s(&pq.join("cases"))], "2", "d"));
}
