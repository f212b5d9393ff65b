//! Data as bureaus hold it: CSV saved by Chinese Windows or Excel in GB18030 (GBK) is read with
//! `--encoding gb18030` and settles to the same bytes as the same data in UTF-8; without the flag
//! it is refused naming the line and the fix.

mod common;
use common::*;

use std::path::{Path, PathBuf};

/// The demo DIP year's tables in `dir`, as UTF-8 or as GB18030.
fn tables(dir: &Path, gb18030: bool) -> Vec<PathBuf> {
    std::fs::create_dir_all(dir).unwrap();
    ["cases.csv", "groups.csv", "averages.csv", "institutions.csv", "funds.csv"]
        .iter()
        .map(|f| {
            let text = std::fs::read_to_string(format!("{}/data/demo/dip/{f}", env!("CARGO_MANIFEST_DIR"))).unwrap();
            let bytes = if gb18030 {
                let (b, _, unmappable) = encoding_rs::GB18030.encode(&text);
                assert!(!unmappable);
                b.into_owned()
            } else {
                text.into_bytes()
            };
            let p = dir.join(f);
            std::fs::write(&p, bytes).unwrap();
            p
        })
        .collect()
}

fn settle(files: &[PathBuf], out: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["dip", "settle", "--cases", s(&files[0]), "--groups", s(&files[1]), "--averages", s(&files[2])];
    args.extend([
        "--institutions",
        s(&files[3]),
        "--funds",
        s(&files[4]),
        "--out",
        s(out),
        "--format",
        "csv",
        "--quiet",
    ]);
    args.extend_from_slice(extra);
    dianzhi(&args)
}

#[test]
fn gb18030_settles_to_the_bytes_of_utf8() {
    let dir = tempfile::tempdir().unwrap();
    let utf8 = tables(&dir.path().join("utf8"), false);
    let gb = tables(&dir.path().join("gb"), true);
    assert_ne!(std::fs::read(&gb[0]).unwrap(), std::fs::read(&utf8[0]).unwrap(), "the labels are Chinese");
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    assert_ok(&settle(&utf8, &a, &[]));
    assert_ok(&settle(&gb, &b, &["--encoding", "gb18030"]));
    for t in ["point_values.csv", "hospitals.csv", "cases.csv"] {
        assert_eq!(std::fs::read(a.join(t)).unwrap(), std::fs::read(b.join(t)).unwrap(), "{t}");
    }
    // GBK is a name of it too
    assert_ok(&settle(&gb, &dir.path().join("c"), &["--encoding", "gbk"]));
}

#[test]
fn gb18030_without_the_flag_is_refused_with_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    let gb = tables(&dir.path().join("gb"), true);
    let out = dir.path().join("out");
    let o = settle(&gb, &out, &[]);
    assert_rejected(&o, &out, &["line 2", "not UTF-8", "--encoding gb18030"]);
    // bytes that are no GB18030 text are refused with their place, not replaced by a guess
    let mut bad = std::fs::read(&gb[4]).unwrap();
    bad.extend_from_slice(b"\x81\x20,employee,2026,1,1,0\n");
    std::fs::write(&gb[4], bad).unwrap();
    let o = settle(&gb, &out, &["--encoding", "gb18030"]);
    let lines = std::fs::read_to_string(format!("{}/data/demo/dip/funds.csv", env!("CARGO_MANIFEST_DIR")))
        .unwrap()
        .lines()
        .count();
    assert_rejected(&o, &out, &["funds.csv", "not GB18030 text", &format!("line {}:", lines + 1)]);
}

/// The usual mix: the cases a GBK extract from the hospital system, the tables UTF-8 from the
/// bureau's analyst. Under `--encoding gb18030` each file that is valid UTF-8 is read as UTF-8,
/// the others as GB18030: both mixes, and UTF-8 alone with the flag, settle to the bytes of
/// the all-UTF-8 run (no mojibake, no "pools have no funds row").
#[test]
fn utf8_files_beside_gb18030_ones_are_read_as_utf8() {
    let dir = tempfile::tempdir().unwrap();
    let utf8 = tables(&dir.path().join("utf8"), false);
    let gb = tables(&dir.path().join("gb"), true);
    let a = dir.path().join("a");
    assert_ok(&settle(&utf8, &a, &[]));
    let cases_gbk: Vec<PathBuf> = std::iter::once(gb[0].clone()).chain(utf8[1..].iter().cloned()).collect();
    let tables_gbk: Vec<PathBuf> = std::iter::once(utf8[0].clone()).chain(gb[1..].iter().cloned()).collect();
    for (name, files) in [("utf-8 alone", &utf8), ("gbk cases", &cases_gbk), ("gbk tables", &tables_gbk)] {
        let b = dir.path().join(name.replace(' ', "-"));
        assert_ok(&settle(files, &b, &["--encoding", "gb18030"]));
        for t in ["point_values.csv", "hospitals.csv", "cases.csv"] {
            assert_eq!(std::fs::read(a.join(t)).unwrap(), std::fs::read(b.join(t)).unwrap(), "{name}: {t}");
        }
    }
}

/// A CRLF file (what Windows writes) names the line a text editor shows.
#[test]
fn crlf_files_name_the_line_as_the_file_has_it() {
    let dir = tempfile::tempdir().unwrap();
    let utf8 = tables(&dir.path().join("utf8"), false);
    let text = std::fs::read_to_string(&utf8[0]).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    // line 50 (the header is line 1) gets a cost that is no number
    let mut cells: Vec<String> = lines[49].split(',').map(str::to_string).collect();
    let header: Vec<&str> = lines[0].split(',').collect();
    let cost = header.iter().position(|h| *h == "total_cost").unwrap();
    cells[cost] = "12x".into();
    lines[49] = cells.join(",");
    for (name, eol) in [("lf", "\n"), ("crlf", "\r\n")] {
        std::fs::write(&utf8[0], lines.join(eol) + eol).unwrap();
        let out = dir.path().join("out");
        let o = settle(&utf8, &out, &[]);
        assert_rejected(&o, &out, &["line 50", "12x"]);
        assert!(!stderr(&o).contains("line 49"), "{name}: {}", stderr(&o));
    }
}
