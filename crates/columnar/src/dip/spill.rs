//! The `cases` output of a large run, sorted by region, fund, institution_id, case_id without
//! holding every case: the sort key's first three parts are known before the scan (the funds
//! table's (region, fund) pairs × the institutions table's ids), so each case gets an integer
//! rank; workers append compact records to buckets of contiguous ranks on disk; after the scan
//! each bucket is read back, sorted in memory by (rank, case_id) and written, bucket after
//! bucket. Memory is one bucket (about a million cases) at a time.

use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use dianzhi_core::dip::score::{CaseType, Scored};
use rayon::prelude::*;

use super::catalog::Catalog;
use crate::error::{Error, Result};
use crate::write::{Table, TableWriter, TextColumn};

/// Cases per bucket aimed at (the memory of one bucket's sort is about 100 bytes a case).
const BUCKET_CASES: u64 = 1 << 18;
/// Bytes a worker buffers per bucket before appending them to the bucket's file.
const FLUSH_BYTES: usize = 64 * 1024;
/// Rows per table handed to the writer (at most: a bucket's last table is shorter), and per
/// run the writer hands to the Parquet encoder.
pub const WRITE_ROWS: usize = 256 * 1024;

const TYPES: [CaseType; 6] =
    [CaseType::Normal, CaseType::Low, CaseType::High, CaseType::Extreme, CaseType::Special, CaseType::AtCost];

pub struct CaseSpill {
    dir: PathBuf,
    /// (region, fund) pairs, sorted.
    pools: Vec<(String, String)>,
    /// Institution ids, sorted.
    institutions: Vec<String>,
    /// First rank of each bucket.
    bounds: Vec<u32>,
    /// The case columns carried through to the output as text (`--keep`); a table's column
    /// names are `&'static str`, and these few are made so once, here.
    keep: Vec<String>,
    keep_names: Vec<&'static str>,
    files: Vec<Mutex<BufWriter<File>>>,
}

/// One scored case as the spill records it.
pub struct SpillCase<'a> {
    pub case_id: &'a str,
    pub year: i32,
    /// Index into the catalogue's groups, `None` if ungrouped.
    pub group: Option<u32>,
    pub level: u32,
    pub scored: Scored,
    /// The factor the score used in place of the level coefficient (the coefficient, or
    /// basic_factor for a basic group), 4 decimals; `None` for special and at-cost cases.
    pub coefficient: Option<i128>,
    /// The case's money and factors (internal fixed point).
    pub aux: i128,
    pub total_cost: i128,
    pub fund_paid: i128,
    pub excluded_cost: i128,
    /// The `--keep` columns' cells, in the order of [`CaseSpill::keep`].
    pub kept: &'a [Option<&'a str>],
}

/// What a case's payment, payment standard and margin are valued at: each pool's published
/// point value (`point_value.scale` decimals, `None` without one) and payment ratio, by
/// (region, fund, year), and the rules of rounding them (docs/dip.md, the cases table).
pub struct CaseValues {
    pub pools: std::collections::HashMap<(String, String, i32), (Option<i128>, dianzhi_core::number::Dec)>,
    pub scale: u32,
    /// `[dip.point_value] basis = "total_cost"`: the value is quoted per unit of total cost.
    pub total_cost_basis: bool,
    pub unit: dianzhi_core::number::MoneyUnit,
    pub rounding: dianzhi_core::number::Rounding,
}

impl CaseValues {
    /// (payment, standard, margin) of a case of `kind` scoring `score`, valued at `pv` with payment
    /// ratio `ratio`: the payment is what the fund pays for the points (score × pv [× ρ under
    /// basis total_cost]; an at-cost case's fund_paid), the standard the points' worth in
    /// total-cost terms (score × pv ÷ ρ under basis fund; score × pv under total_cost), the
    /// margin the standard less the cost without excluded items; each rounded once to the unit.
    fn price(
        &self,
        r: &Record,
        (pv, ratio): (Option<i128>, dianzhi_core::number::Dec),
    ) -> Result<(Option<i128>, Option<i128>, Option<i128>), dianzhi_core::number::Overflow> {
        use dianzhi_core::number::{mul, pow10, sub};
        if r.kind == CaseType::AtCost {
            return Ok((Some(i128::from(r.fund_paid)), None, None));
        }
        let Some(pv) = pv else { return Ok((None, None, None)) };
        let worth = mul(i128::from(r.score), pv, "a case payment")?; // money at 10^scale
        let den = pow10(self.scale)?;
        let (payment, standard) = if self.total_cost_basis {
            let paid = self.unit.round(
                mul(worth, ratio.mantissa, "a case payment")?,
                mul(den, pow10(ratio.scale)?, "a case payment")?,
                self.rounding,
            )?;
            (paid, self.unit.round(worth, den, self.rounding)?)
        } else {
            let standard = self.unit.round(
                mul(worth, pow10(ratio.scale)?, "a payment standard")?,
                mul(den, ratio.mantissa, "a payment standard")?,
                self.rounding,
            )?;
            (self.unit.round(worth, den, self.rounding)?, standard)
        };
        let cost = sub(i128::from(r.total_cost), i128::from(r.excluded_cost), "a case's cost")?;
        Ok((Some(payment), Some(standard), Some(sub(standard, cost, "a case margin")?)))
    }
}

/// A worker's buffers, one per bucket.
pub struct SpillWriter {
    buffers: Vec<Vec<u8>>,
}

impl CaseSpill {
    /// A spill in `dir` (created) for the given pools and institutions, with buckets sized for
    /// about `expected` cases.
    pub fn create(
        dir: &Path,
        mut pools: Vec<(String, String)>,
        mut institutions: Vec<String>,
        expected: u64,
        keep: Vec<String>,
    ) -> Result<CaseSpill> {
        let fail = |e: std::io::Error| Error::Output { path: dir.to_path_buf(), message: e.to_string() };
        // in the run's staging directory, which exists (never its ancestors: a stopped run
        // removes the staging directory, and must not find it created again)
        std::fs::create_dir(dir).map_err(fail)?;
        pools.sort();
        pools.dedup();
        institutions.sort();
        institutions.dedup();
        let keys = (pools.len() as u64 * institutions.len() as u64).max(1);
        assert!(keys < u64::from(u32::MAX), "fewer than 4 billion (pool, institution) keys");
        let buckets = expected.div_ceil(BUCKET_CASES).clamp(1, 1024).min(keys);
        let bounds: Vec<u32> = (0..buckets).map(|b| (b * keys / buckets) as u32).collect();
        let files = (0..bounds.len())
            .map(|b| Ok(Mutex::new(BufWriter::new(File::create(dir.join(format!("bucket-{b:04}"))).map_err(fail)?))))
            .collect::<Result<_>>()?;
        let keep_names = keep.iter().map(|k| &*Box::leak(k.clone().into_boxed_str())).collect();
        Ok(CaseSpill { dir: dir.to_path_buf(), pools, institutions, bounds, keep, keep_names, files })
    }

    /// The rank of (region, fund, institution) in the output order, if the tables know it.
    pub fn rank(&self, region: &str, fund: &str, institution: &str) -> Option<u32> {
        let p = self.pools.binary_search_by(|(r, f)| (r.as_str(), f.as_str()).cmp(&(region, fund))).ok()?;
        let i = self.institutions.binary_search_by(|x| x.as_str().cmp(institution)).ok()?;
        Some((p * self.institutions.len() + i) as u32)
    }

    /// The case columns carried through (`--keep`), in output order.
    pub fn keep(&self) -> &[String] {
        &self.keep
    }

    pub fn writer(&self) -> SpillWriter {
        SpillWriter { buffers: vec![Vec::new(); self.bounds.len()] }
    }

    /// Appends a case; `Err` names the value that does not fit the record.
    pub fn push(&self, w: &mut SpillWriter, rank: u32, c: &SpillCase) -> Result<(), String> {
        let b = self.bounds.partition_point(|first| *first <= rank) - 1;
        let buf = &mut w.buffers[b];
        let narrow = |v: Option<i128>, what: &str| -> Result<i64, String> {
            i64::try_from(v.unwrap_or(0))
                .map_err(|_| format!("the case's {what} is too large to record (above 9.2 × 10^14)"))
        };
        Record {
            rank,
            year: i16::try_from(c.year).map_err(|_| format!("the case's year {} is out of range", c.year))?,
            kind: c.scored.kind,
            level: c.level,
            group: c.group.map_or(0, |g| g + 1),
            score: narrow(Some(c.scored.score), "score")?,
            avg: narrow(c.scored.avg, "average cost")?,
            ratio: narrow(c.scored.ratio, "cost ratio")?,
            coefficient: narrow(c.coefficient, "coefficient")?,
            aux: narrow(Some(c.aux), "aux_factor")?,
            total_cost: narrow(Some(c.total_cost), "total_cost")?,
            fund_paid: narrow(Some(c.fund_paid), "fund_paid")?,
            excluded_cost: narrow(Some(c.excluded_cost), "excluded_cost")?,
            case_id: c.case_id.as_bytes(),
            tail: &[],
        }
        .encode(buf, c.kept)?;
        if buf.len() >= FLUSH_BYTES {
            self.flush_bucket(w, b).map_err(|e| e.to_string())?;
        }
        Ok(())
    }

    fn flush_bucket(&self, w: &mut SpillWriter, b: usize) -> Result<()> {
        let mut file = self.files[b].lock().expect("no panic while writing");
        file.write_all(&w.buffers[b]).map_err(|e| Error::Output { path: self.dir.clone(), message: e.to_string() })?;
        w.buffers[b].clear();
        Ok(())
    }

    /// Writes what a worker still buffers.
    pub fn finish(&self, mut w: SpillWriter) -> Result<()> {
        (0..w.buffers.len()).try_for_each(|b| self.flush_bucket(&mut w, b))
    }

    /// Sorts every bucket and writes the cases in output order; removes the spill. Returns the
    /// number of cases written. The next bucket is read and sorted while one is written.
    pub fn write_sorted(self, catalog: &Catalog, values: &CaseValues, out: &mut TableWriter) -> Result<u64> {
        let fail = |e: std::io::Error| Error::Output { path: self.dir.clone(), message: e.to_string() };
        for f in &self.files {
            f.lock().expect("no panic while writing").flush().map_err(fail)?;
        }
        let mut written = 0u64;
        std::thread::scope(|scope| -> Result<()> {
            let (send, receive) = std::sync::mpsc::sync_channel::<Result<Table>>(1);
            let this = &self;
            scope.spawn(move || {
                for b in 0..this.bounds.len() {
                    match this.sorted_bucket(b) {
                        Ok((bytes, index)) => {
                            // one table at a time: memory is the bucket and a table or two
                            for rows in index.chunks(WRITE_ROWS) {
                                if send.send(this.table(catalog, values, &bytes, rows)).is_err() {
                                    return;
                                }
                            }
                        }
                        Err(e) => {
                            let _ = send.send(Err(e));
                            return;
                        }
                    }
                }
            });
            for table in receive {
                let table = table?;
                written += table.rows() as u64;
                out.write(&table)?;
            }
            Ok(())
        })?;
        if written == 0 {
            // the schema still goes out, so that an empty output is a readable table
            out.write(&self.table(catalog, values, &[], &[])?)?;
        }
        drop(self.files);
        std::fs::remove_dir_all(&self.dir).map_err(fail)?;
        Ok(written)
    }

    /// A bucket's records and their order: (rank, offset) sorted by rank, then case_id.
    fn sorted_bucket(&self, b: usize) -> Result<(Vec<u8>, Vec<(u32, u64)>)> {
        let fail = |e: std::io::Error| Error::Output { path: self.dir.clone(), message: e.to_string() };
        let mut bytes = Vec::new();
        File::open(self.dir.join(format!("bucket-{b:04}")))
            .and_then(|mut f| f.read_to_end(&mut bytes))
            .map_err(fail)?;
        let mut index: Vec<Entry> = Vec::new();
        let mut at = 0usize;
        while at < bytes.len() {
            // only what the sort needs: the rank and where the next record starts
            let (rank, len) = Record::rank_and_len(&bytes[at..]);
            index.push(Entry { rank, key: 0, at: at as u64 });
            at += len;
        }
        let id = |at: u64| Record::case_id_at(&bytes[at as usize..]);
        // by rank first (an integer sort), then each rank's cases by case_id: 16 bytes of each id
        // past the prefix the rank's ids share, as an integer, decide most comparisons
        index.par_sort_unstable_by_key(|e| e.rank);
        index.par_chunk_by_mut(|a, b| a.rank == b.rank).for_each(|group| {
            let first = id(group[0].at);
            let shared = group.iter().fold(first.len(), |n, e| n.min(common_prefix(first, id(e.at))));
            for e in group.iter_mut() {
                let rest = &id(e.at)[shared..];
                let mut key = [0u8; 16];
                let n = rest.len().min(16);
                key[..n].copy_from_slice(&rest[..n]);
                e.key = u128::from_be_bytes(key);
            }
            group.sort_unstable_by(|a, b| a.key.cmp(&b.key).then_with(|| id(a.at).cmp(id(b.at))));
        });
        let order = index.into_iter().map(|e| (e.rank, e.at)).collect();
        Ok((bytes, order))
    }

    /// The `cases` table of some records of a bucket.
    fn table(&self, catalog: &Catalog, values: &CaseValues, bytes: &[u8], rows: &[(u32, u64)]) -> Result<Table> {
        let n = rows.len();
        let given = || Vec::<i128>::with_capacity(n);
        let maybe = || Vec::<Option<i128>>::with_capacity(n);
        let (mut aux, mut total_cost, mut fund_paid, mut excluded) = (given(), given(), given(), given());
        let (mut coefficient, mut payment, mut standard, mut margin) = (maybe(), maybe(), maybe(), maybe());
        let mut kept: Vec<TextColumn> = self.keep.iter().map(|_| TextColumn::with_capacity(n)).collect();
        // each pool's value, looked up once per run of a pool's cases
        let mut last: Option<(usize, i32, (Option<i128>, dianzhi_core::number::Dec))> = None;
        let text = || TextColumn::with_capacity(n);
        let (mut case_id, mut inst, mut region, mut fund, mut group, mut kind, mut level, mut kinds) =
            (text(), text(), text(), text(), text(), text(), text(), text());
        let (mut year, mut avg, mut ratio, mut score) =
            (Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n));
        for (i, &(rank, at)) in rows.iter().enumerate() {
            // the records are read in the order of the sort, each somewhere else in the bucket:
            // fetching a few ahead hides the cache miss each would be (profiled: the largest
            // single cost of writing the sorted cases)
            if let Some(&(_, ahead)) = rows.get(i + 8) {
                prefetch(bytes, ahead);
            }
            let r = Record::decode(&bytes[at as usize..]);
            let (p, h) = (rank as usize / self.institutions.len(), rank as usize % self.institutions.len());
            let outlier_checked = !matches!(r.kind, CaseType::Special | CaseType::AtCost);
            // ids are written from &str: valid UTF-8
            case_id.push(std::str::from_utf8(r.case_id).expect("UTF-8"));
            inst.push(&self.institutions[h]);
            region.push(&self.pools[p].0);
            fund.push(&self.pools[p].1);
            year.push(i64::from(r.year));
            let entry = (r.group > 0).then(|| catalog.group(r.group - 1));
            group.push_option(entry.map(|(code, _)| code));
            kind.push_option(entry.map(|(_, e)| if e.basic { "basic" } else { "core" }));
            level.push(catalog.level(r.level));
            score.push(i128::from(r.score));
            avg.push(outlier_checked.then(|| i128::from(r.avg)));
            ratio.push(outlier_checked.then(|| i128::from(r.ratio)));
            kinds.push(r.kind.as_str());
            coefficient.push((r.coefficient > 0).then(|| i128::from(r.coefficient)));
            aux.push(i128::from(r.aux));
            let unit = values.unit;
            total_cost.push(unit.to_output(i128::from(r.total_cost)));
            fund_paid.push(unit.to_output(i128::from(r.fund_paid)));
            excluded.push(unit.to_output(i128::from(r.excluded_cost)));
            let pool = match last {
                Some((lp, ly, v)) if lp == p && ly == i32::from(r.year) => v,
                _ => {
                    let key = (self.pools[p].0.clone(), self.pools[p].1.clone(), i32::from(r.year));
                    let v = values.pools.get(&key).copied().unwrap_or((None, dianzhi_core::number::Dec::new(1, 0)));
                    last = Some((p, i32::from(r.year), v));
                    v
                }
            };
            let (pay, std_, gain) = values.price(&r, pool).map_err(|e| Error::Output {
                path: self.dir.clone(),
                message: format!(
                    "{e}: the case {} is valued beyond 128-bit integers",
                    String::from_utf8_lossy(r.case_id)
                ),
            })?;
            for (column, cell) in kept.iter_mut().zip(r.kept()) {
                // written from &str: valid UTF-8
                column.push_option(cell.map(|c| std::str::from_utf8(c).expect("UTF-8")));
            }
            payment.push(pay.map(|v| unit.to_output(v)));
            standard.push(std_.map(|v| unit.to_output(v)));
            margin.push(gain.map(|v| unit.to_output(v)));
        }
        let mut tab = Table::default();
        tab.texts("case_id", case_id, false);
        tab.texts("institution_id", inst, false);
        tab.texts("region", region, false);
        tab.texts("fund", fund, false);
        tab.int("year", year);
        tab.texts("dip_group", group, true);
        tab.texts("kind", kind, true);
        tab.texts("level", level, false);
        tab.nullable_decimal("avg_cost", dianzhi_core::number::SCALE, avg);
        tab.nullable_decimal("ratio", dianzhi_core::dip::score::RATIO_SCALE, ratio);
        tab.texts("type", kinds, false);
        tab.decimal("score", dianzhi_core::number::SCALE, score);
        // one hospital's view (docs/dip.md, the cases table): the factors, the money, and what
        // the case is worth at the pool's point value
        // a case's amounts and factors fit 18 digits (the record holds them in 64 bits): stored
        // as 64-bit integers in Parquet, half the bytes of 38 digits to encode and to read
        let d = values.unit.decimals;
        tab.nullable_decimal18("coefficient", dianzhi_core::number::SCALE, coefficient);
        tab.decimal18("aux_factor", dianzhi_core::number::SCALE, aux);
        tab.decimal18("total_cost", d, total_cost);
        tab.decimal18("fund_paid", d, fund_paid);
        tab.decimal18("excluded_cost", d, excluded);
        tab.nullable_decimal18("payment", d, payment);
        tab.nullable_decimal18("standard", d, standard);
        tab.nullable_decimal18("margin", d, margin);
        for (name, column) in self.keep_names.iter().zip(kept) {
            tab.texts(name, column, true);
        }
        Ok(tab)
    }
}

/// Asks the CPU to fetch the record at `at` ahead of its use.
#[inline]
fn prefetch(bytes: &[u8], at: u64) {
    crate::read::prefetch::prefetch(bytes.get(at as usize));
}

/// A record's place in its bucket's sort.
struct Entry {
    rank: u32,
    /// Up to 16 bytes of the case_id past the prefix its rank's ids share, big-endian.
    key: u128,
    at: u64,
}

fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    a.iter().zip(b).take_while(|(x, y)| x == y).count()
}

/// One case as the spill holds it on disk: the only place that knows the record's layout.
/// Little-endian fields at fixed offsets, then the case_id's bytes.
struct Record<'a> {
    rank: u32,
    year: i16,
    kind: CaseType,
    level: u32,
    /// Index into the catalogue's groups plus one; 0 for an ungrouped case.
    group: u32,
    score: i64,
    avg: i64,
    ratio: i64,
    coefficient: i64,
    aux: i64,
    total_cost: i64,
    fund_paid: i64,
    excluded_cost: i64,
    case_id: &'a [u8],
    /// The kept cells: for each, a u32 length (u32::MAX: empty) and the bytes.
    tail: &'a [u8],
}

// the offsets, each after the one before
const RANK: usize = 0;
const YEAR: usize = RANK + 4;
const KIND: usize = YEAR + 2;
const LEVEL: usize = KIND + 1;
const GROUP: usize = LEVEL + 4;
const SCORE: usize = GROUP + 4;
const AVG: usize = SCORE + 8;
const RATIO: usize = AVG + 8;
const COEFFICIENT: usize = RATIO + 8;
const AUX: usize = COEFFICIENT + 8;
const TOTAL_COST: usize = AUX + 8;
const FUND_PAID: usize = TOTAL_COST + 8;
const EXCLUDED_COST: usize = FUND_PAID + 8;
const TAIL_LEN: usize = EXCLUDED_COST + 8;
const ID_LEN: usize = TAIL_LEN + 4;
const ID: usize = ID_LEN + 2;

impl<'a> Record<'a> {
    fn encode(&self, buf: &mut Vec<u8>, kept: &[Option<&str>]) -> Result<(), String> {
        let id_len =
            u16::try_from(self.case_id.len()).map_err(|_| "the case_id is longer than 65,535 bytes".to_string())?;
        let tail_len: usize = kept.iter().map(|c| 4 + c.map_or(0, str::len)).sum();
        let tail_len = u32::try_from(tail_len).map_err(|_| "the kept cells are longer than 4 GB".to_string())?;
        let start = buf.len();
        buf.extend_from_slice(&self.rank.to_le_bytes());
        buf.extend_from_slice(&self.year.to_le_bytes());
        buf.push(TYPES.iter().position(|t| *t == self.kind).expect("a type") as u8);
        buf.extend_from_slice(&self.level.to_le_bytes());
        buf.extend_from_slice(&self.group.to_le_bytes());
        buf.extend_from_slice(&self.score.to_le_bytes());
        buf.extend_from_slice(&self.avg.to_le_bytes());
        buf.extend_from_slice(&self.ratio.to_le_bytes());
        for v in [self.coefficient, self.aux, self.total_cost, self.fund_paid, self.excluded_cost] {
            buf.extend_from_slice(&v.to_le_bytes());
        }
        buf.extend_from_slice(&tail_len.to_le_bytes());
        buf.extend_from_slice(&id_len.to_le_bytes());
        debug_assert_eq!(buf.len() - start, ID, "the fields are written at their offsets");
        buf.extend_from_slice(self.case_id);
        for cell in kept {
            match cell {
                Some(c) => {
                    buf.extend_from_slice(&(c.len() as u32).to_le_bytes());
                    buf.extend_from_slice(c.as_bytes());
                }
                None => buf.extend_from_slice(&u32::MAX.to_le_bytes()),
            }
        }
        Ok(())
    }

    /// The record at the start of `bytes`.
    fn decode(bytes: &'a [u8]) -> Record<'a> {
        fn at<const N: usize>(bytes: &[u8], offset: usize) -> [u8; N] {
            bytes[offset..offset + N].try_into().expect("a whole record")
        }
        let id_len = usize::from(u16::from_le_bytes(at(bytes, ID_LEN)));
        let tail_len = u32::from_le_bytes(at(bytes, TAIL_LEN)) as usize;
        Record {
            rank: u32::from_le_bytes(at(bytes, RANK)),
            year: i16::from_le_bytes(at(bytes, YEAR)),
            kind: TYPES[usize::from(bytes[KIND])],
            level: u32::from_le_bytes(at(bytes, LEVEL)),
            group: u32::from_le_bytes(at(bytes, GROUP)),
            score: i64::from_le_bytes(at(bytes, SCORE)),
            avg: i64::from_le_bytes(at(bytes, AVG)),
            ratio: i64::from_le_bytes(at(bytes, RATIO)),
            coefficient: i64::from_le_bytes(at(bytes, COEFFICIENT)),
            aux: i64::from_le_bytes(at(bytes, AUX)),
            total_cost: i64::from_le_bytes(at(bytes, TOTAL_COST)),
            fund_paid: i64::from_le_bytes(at(bytes, FUND_PAID)),
            excluded_cost: i64::from_le_bytes(at(bytes, EXCLUDED_COST)),
            case_id: &bytes[ID..ID + id_len],
            tail: &bytes[ID + id_len..ID + id_len + tail_len],
        }
    }

    /// The rank and the length of the record at the start of `bytes`, read alone.
    fn rank_and_len(bytes: &[u8]) -> (u32, usize) {
        let word = |offset: usize, n: usize| {
            bytes[offset..offset + n].iter().rev().fold(0usize, |v, b| v << 8 | usize::from(*b))
        };
        let rank = u32::from_le_bytes(bytes[RANK..RANK + 4].try_into().expect("a whole record"));
        (rank, ID + word(ID_LEN, 2) + word(TAIL_LEN, 4))
    }

    /// The case_id of the record at the start of `bytes`, read alone.
    fn case_id_at(bytes: &[u8]) -> &[u8] {
        let id_len = usize::from(u16::from_le_bytes(bytes[ID_LEN..ID_LEN + 2].try_into().expect("a whole record")));
        &bytes[ID..ID + id_len]
    }

    /// The kept cells, in order.
    fn kept(&self) -> impl Iterator<Item = Option<&'a [u8]>> {
        let mut rest = self.tail;
        std::iter::from_fn(move || {
            let (len, after) = rest.split_first_chunk::<4>()?;
            let len = u32::from_le_bytes(*len);
            if len == u32::MAX {
                rest = after;
                return Some(None);
            }
            let (cell, after) = after.split_at(len as usize);
            rest = after;
            Some(Some(cell))
        })
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use dianzhi_core::dip::score::Group;
    use dianzhi_core::number::{Decimal, ONE};

    use super::*;
    use crate::dip::tables::HospitalTerms;
    use crate::read::source::Format;

    #[test]
    fn many_buckets_and_writers_come_out_in_output_order() {
        let dir = tempfile::tempdir().unwrap();
        let ids: Vec<String> = (0..40).map(|i| format!("H{i:02}")).collect();
        let terms =
            |_: &String| HospitalTerms { level: "2".into(), coefficient: Decimal::ONE, assessment: Decimal::ONE };
        let institutions: HashMap<(String, String), HospitalTerms> =
            ids.iter().map(|id| ((id.clone(), String::new()), terms(id))).collect();
        let groups = HashMap::from([("G1".to_string(), Group { score: 100 * ONE, basic: false })]);
        let catalog = Catalog::new(groups, HashMap::new(), institutions);
        let pools = vec![
            ("r2".to_string(), "resident".to_string()),
            ("r1".into(), "employee".into()),
            ("r1".into(), "resident".into()),
        ];
        // about 7 buckets for 120 keys
        let spill = CaseSpill::create(
            &dir.path().join("spill"),
            pools,
            catalog.institution_ids(),
            7 * BUCKET_CASES,
            Vec::new(),
        )
        .unwrap();
        assert_eq!(spill.bounds.len(), 7);
        let scored = Scored { kind: CaseType::Normal, score: 12 * ONE, avg: Some(9 * ONE), ratio: Some(1_000_000) };
        let (mut a, mut b) = (spill.writer(), spill.writer());
        let mut expected = Vec::new();
        let mut state = 7u64;
        for n in 0..3_000u32 {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let (pool, inst) = [("r1", "employee"), ("r1", "resident"), ("r2", "resident")][(state >> 40) as usize % 3];
            let h = &ids[(state >> 20) as usize % ids.len()];
            let case_id = format!("c{:05}", (state >> 8) % 100_000 * 10 + u64::from(n % 10));
            let rank = spill.rank(pool, inst, h).unwrap();
            let case = SpillCase {
                case_id: &case_id,
                year: 2026,
                group: Some(0),
                level: 0,
                scored,
                coefficient: Some(ONE),
                aux: ONE,
                total_cost: 9 * ONE,
                fund_paid: 8 * ONE,
                excluded_cost: 0,
                kept: &[],
            };
            spill.push(if n % 2 == 0 { &mut a } else { &mut b }, rank, &case).unwrap();
            expected.push(format!("{case_id},{h},{pool},{inst}"));
        }
        spill.finish(a).unwrap();
        spill.finish(b).unwrap();
        let path = dir.path().join("cases.csv");
        let mut w = TableWriter::create(&path, Format::Csv).unwrap();
        let values = CaseValues {
            pools: [("r1", "employee"), ("r1", "resident"), ("r2", "resident")]
                .iter()
                .map(|(r, f)| {
                    ((r.to_string(), f.to_string(), 2026), (Some(1_0000), dianzhi_core::number::Dec::new(1, 0)))
                })
                .collect(),
            scale: 4,
            total_cost_basis: false,
            unit: dianzhi_core::number::MoneyUnit { fixed: 100, decimals: 2 },
            rounding: dianzhi_core::number::Rounding::HalfUp,
        };
        assert_eq!(spill.write_sorted(&catalog, &values, &mut w).unwrap(), 3_000);
        w.close().unwrap();
        assert!(!dir.path().join("spill").exists());
        let text = std::fs::read_to_string(&path).unwrap();
        // the columns the table's name list says (kept columns come after them)
        assert_eq!(text.lines().next().unwrap(), crate::dip::outputs::CASES_COLUMNS.join(","));
        let got: Vec<String> =
            text.lines().skip(1).map(|l| l.split(',').take(4).collect::<Vec<_>>().join(",")).collect();
        let key = |l: &String| {
            let c: Vec<String> = l.split(',').map(str::to_string).collect();
            (c[2].clone(), c[3].clone(), c[1].clone(), c[0].clone())
        };
        expected.sort_by_key(key);
        assert_eq!(got, expected);
        // score 12 at pv 1: paid 12.00, worth 12.00 against a cost of 9.00
        assert!(
            text.lines().nth(1).unwrap().ends_with(
                ",2026,G1,core,2,9.0000,1.000000,normal,12.0000,1.0000,1.0000,9.00,8.00,0.00,12.00,12.00,3.00"
            ),
            "{}",
            text.lines().nth(1).unwrap()
        );
    }
}
