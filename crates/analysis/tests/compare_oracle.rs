//! `compare` held to a plain oracle written apart from it: random tables (keys repeated across
//! tables in other orders, empty keys, ids sharing long prefixes, numbers at several scales,
//! texts), written as CSV and as Parquet (dictionary-coded texts in row groups of three rows,
//! plain ids, an integer year, a decimal column), compared both ways round; the differences
//! must be exactly the oracle's, in the documented order.

use std::cmp::Ordering;
use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::sync::Arc;

use arrow_array::{Decimal128Array, Int64Array, RecordBatch, StringArray};
use dianzhi_analysis::compare::{compare, Difference, Kind};
use dianzhi_columnar::read::cells::ColumnTable;
use dianzhi_columnar::read::source::Source;
use dianzhi_core::number::{format_fixed, parse_decimal, Dec};
use parquet::arrow::ArrowWriter;
use parquet::file::properties::WriterProperties;

/// One row: the keys (id, region, year) and the values (score, note).
#[derive(Clone)]
struct Row {
    group: Option<String>,
    id: String,
    year: i64,
    /// thousandths
    score: Option<i128>,
    note: Option<String>,
}

impl Row {
    fn key(&self) -> Vec<Option<String>> {
        vec![Some(self.id.clone()), self.group.clone(), Some(self.year.to_string())]
    }
}

struct Random(u64);

impl Random {
    fn next(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

fn table(r: &mut Random, rows: usize) -> Vec<Row> {
    let groups = [None, Some("a"), Some("b"), Some("10"), Some("9"), Some("东营")];
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    while out.len() < rows {
        let id = match r.next(3) {
            0 => format!("{}", r.next(30)),
            1 => format!("2026-000-{}-{}", "0".repeat(12), r.next(30)),
            _ => format!("c{:03}", r.next(30)),
        };
        let row = Row {
            group: groups[r.next(6) as usize].map(str::to_string),
            id,
            year: 2025 + r.next(2) as i64,
            score: (r.next(8) != 0).then(|| [1500, 2000, 2250, 2255, -750, 0][r.next(6) as usize]),
            note: (r.next(6) != 0).then(|| ["x", "y", "十"][r.next(3) as usize].to_string()),
        };
        if seen.insert(row.key()) {
            out.push(row);
        }
    }
    out
}

/// B: mostly A's rows, some changed, some dropped, some new, shuffled.
fn other(r: &mut Random, a: &[Row]) -> Vec<Row> {
    let mut b: Vec<Row> = a.iter().filter(|_| r.next(10) != 0).cloned().collect();
    for row in &mut b {
        match r.next(6) {
            0 => row.score = row.score.map(|s| s + 1),
            1 => row.note = Some("z".into()),
            2 => row.score = None,
            _ => {}
        }
    }
    let keys: BTreeSet<_> = a.iter().map(Row::key).collect();
    b.extend(table(r, 5).into_iter().filter(|x| !keys.contains(&x.key())));
    let mut seen = BTreeSet::new();
    b.retain(|x| seen.insert(x.key()));
    for i in (1..b.len()).rev() {
        b.swap(i, r.next(i as u64 + 1) as usize);
    }
    b
}

fn write_csv(path: &Path, rows: &[Row]) {
    let mut text = String::from("region,case_id,year,score,note\n");
    for x in rows {
        text.push_str(&format!(
            "{},{},{},{},{}\n",
            x.group.as_deref().unwrap_or(""),
            x.id,
            x.year,
            x.score.map(|s| format_fixed(s, 3)).unwrap_or_default(),
            x.note.as_deref().unwrap_or("")
        ));
    }
    std::fs::write(path, text).unwrap();
}

fn write_parquet(path: &Path, rows: &[Row]) {
    let batch = RecordBatch::try_from_iter(vec![
        ("region", Arc::new(StringArray::from(rows.iter().map(|x| x.group.clone()).collect::<Vec<_>>())) as _),
        ("case_id", Arc::new(StringArray::from(rows.iter().map(|x| x.id.clone()).collect::<Vec<_>>())) as _),
        ("year", Arc::new(Int64Array::from(rows.iter().map(|x| x.year).collect::<Vec<_>>())) as _),
        (
            "score",
            Arc::new(
                Decimal128Array::from(rows.iter().map(|x| x.score).collect::<Vec<_>>())
                    .with_precision_and_scale(38, 3)
                    .unwrap(),
            ) as _,
        ),
        ("note", Arc::new(StringArray::from(rows.iter().map(|x| x.note.clone()).collect::<Vec<_>>())) as _),
    ])
    .unwrap();
    let props = WriterProperties::builder()
        .set_max_row_group_row_count(Some(3))
        .set_column_dictionary_enabled("case_id".into(), false)
        .build();
    let mut w = ArrowWriter::try_new(std::fs::File::create(path).unwrap(), batch.schema(), Some(props)).unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
}

/// Texts in order, an empty key after every text.
fn key_order(x: &[Option<String>], y: &[Option<String>]) -> Ordering {
    for (p, q) in x.iter().zip(y) {
        let o = match (p, q) {
            (Some(p), Some(q)) => p.cmp(q),
            (p, q) => p.is_none().cmp(&q.is_none()),
        };
        if o.is_ne() {
            return o;
        }
    }
    Ordering::Equal
}

/// What compare must find, written plainly: (kind, key, column, a, b, delta).
type Expected = (Kind, Vec<Option<String>>, Option<String>, Option<String>, Option<String>, Option<String>);

fn oracle(a: &[Row], b: &[Row]) -> Vec<Expected> {
    let by_key = |t: &[Row]| t.iter().map(|x| (x.key(), x.clone())).collect::<HashMap<_, _>>();
    let (ka, kb) = (by_key(a), by_key(b));
    let mut only: Vec<(Kind, Vec<Option<String>>)> = ka
        .keys()
        .filter(|k| !kb.contains_key(*k))
        .map(|k| (Kind::OnlyInA, k.clone()))
        .chain(kb.keys().filter(|k| !ka.contains_key(*k)).map(|k| (Kind::OnlyInB, k.clone())))
        .collect();
    only.sort_by(|x, y| key_order(&x.1, &y.1));
    let mut out: Vec<Expected> = only.into_iter().map(|(kind, k)| (kind, k, None, None, None, None)).collect();
    let mut both: Vec<&Vec<Option<String>>> = ka.keys().filter(|k| kb.contains_key(*k)).collect();
    both.sort_by(|x, y| key_order(x, y));
    // scores compare as numbers at the longest fraction any cell of either table needs
    let scale = a
        .iter()
        .chain(b)
        .filter_map(|x| x.score)
        .map(|s| Dec::from(parse_decimal(&format_fixed(s, 3)).unwrap()).normalized().scale)
        .max()
        .unwrap_or(0);
    let at = |s: i128| s / 10i128.pow(3 - scale);
    for k in &both {
        let (x, y) = (&ka[*k], &kb[*k]);
        if x.score != y.score {
            let show = |s: Option<i128>| s.map(|s| format_fixed(at(s), scale));
            let delta = x.score.zip(y.score).map(|(p, q)| format_fixed(at(q) - at(p), scale));
            out.push((Kind::Differs, (*k).clone(), Some("score".into()), show(x.score), show(y.score), delta));
        }
    }
    for k in &both {
        let (x, y) = (&ka[*k], &kb[*k]);
        if x.note != y.note {
            out.push((Kind::Differs, (*k).clone(), Some("note".into()), x.note.clone(), y.note.clone(), None));
        }
    }
    out
}

fn run(a: &Path, b: &Path) -> Vec<Expected> {
    let open = |p: &Path| ColumnTable::open(&Source::new(p.to_path_buf())).unwrap();
    let (ta, tb) = (open(a), open(b));
    let mut found: Vec<Difference> = Vec::new();
    compare("cases", &ta, &tb, None, &mut |part| {
        found.extend((0..part.rows()).map(|row| Difference::read(&part, row)));
        Ok(())
    })
    .unwrap();
    found
        .into_iter()
        .map(|d| {
            let get = |n: &str| d.key.iter().find(|(k, _)| k == n).and_then(|(_, v)| v.clone());
            assert_eq!(d.key.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>(), ["case_id", "region", "year"]);
            (d.kind, vec![get("case_id"), get("region"), get("year")], d.column, d.a, d.b, d.delta)
        })
        .collect()
}

#[test]
fn compare_finds_what_the_oracle_finds_in_every_format_and_order() {
    let dir = tempfile::tempdir().unwrap();
    for seed in 1..=40u64 {
        let mut r = Random(0x9e37_79b9_7f4a_7c15 ^ seed);
        let rows = 10 + r.next(30) as usize;
        let a = table(&mut r, rows);
        let b = other(&mut r, &a);
        let paths = |name: &str, rows: &[Row]| {
            let (csv, parquet) = (dir.path().join(format!("{name}.csv")), dir.path().join(format!("{name}.parquet")));
            write_csv(&csv, rows);
            write_parquet(&parquet, rows);
            (csv, parquet)
        };
        let ((a_csv, a_pq), (b_csv, b_pq)) = (paths("a", &a), paths("b", &b));
        // the same keys in the same rows, other values: rows matched by position
        let mut changed = a.clone();
        for row in &mut changed {
            if r.next(4) == 0 {
                row.score = row.score.map(|s| s - 5);
            }
            if r.next(5) == 0 {
                row.note = None;
            }
        }
        let (c_csv, c_pq) = paths("c", &changed);
        let expected = oracle(&a, &b);
        let back = oracle(&b, &a);
        let aligned = oracle(&a, &changed);
        for (x, y, want) in [
            (&a_csv, &b_csv, &expected),
            (&a_csv, &b_pq, &expected),
            (&a_pq, &b_csv, &expected),
            (&a_pq, &b_pq, &expected),
            (&b_pq, &a_csv, &back),
            (&a_pq, &a_csv, &Vec::new()),
            (&a_csv, &c_csv, &aligned),
            (&a_pq, &c_pq, &aligned),
        ] {
            assert_eq!(&run(x, y), want, "seed {seed}: {} against {}", x.display(), y.display());
        }
    }
}
