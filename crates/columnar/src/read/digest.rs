//! SHA-256 digests of input files for the manifest, computed from the bytes a scan reads.
//!
//! A Parquet scan reads each row group's bytes in one read (`chunk`); the digest of
//! the file is fed those same bytes, in file order, as the workers hand them over, and reads
//! itself only what no row group covers (the header, the footer). Each byte of the claims is
//! then read from disk once, and the digest is of exactly the bytes that were settled. Files
//! read otherwise (CSV, a workbook, a Parquet file whose row groups are not laid out one after
//! another) are hashed whole beside the scan.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::Read;
use std::ops::Range;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use bytes::Bytes;
use sha2::{Digest, Sha256};

use crate::error::InputError;
use crate::read::source::Source;

/// Whether a scan computes the SHA-256 of the files it reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hashing {
    Sha256,
    Skip,
}

/// The SHA-256 of a file (of the workbook, for a sheet `file.xlsx#Sheet`), in lowercase hex;
/// empty for a table in memory.
pub fn sha256_file(path: &Path) -> Result<String, InputError> {
    // a table handed over in memory has no bytes of its own to hash: its digest is left empty
    if crate::read::memory::lookup(path).is_some() {
        return Ok(String::new());
    }
    let (file, _) = crate::read::source::split_sheet(path);
    let mut reader = File::open(&file).map_err(|e| InputError::file(&file, format!("cannot open: {e}")))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = reader.read(&mut buf).map_err(|e| InputError::file(&file, format!("cannot read: {e}")))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex(hasher))
}

fn hex(hasher: Sha256) -> String {
    hasher.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Rows read from one input file, and its SHA-256 when the scan was asked for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileRows {
    pub path: PathBuf,
    pub rows: u64,
    pub sha256: Option<String>,
}

/// The digest of one file, fed by the scan's reads.
pub(crate) struct FileDigest {
    path: PathBuf,
    /// The byte ranges the scan hands over, in file order (empty: the file is hashed whole).
    expected: Vec<Range<u64>>,
    state: Mutex<State>,
}

struct State {
    /// Taken out while a thread hashes outside the lock; whoever finds it gone leaves its
    /// bytes in `pending` for that thread.
    hasher: Option<Sha256>,
    /// Bytes before this offset are hashed.
    at: u64,
    /// Ranges handed over ahead of `at`, by their start.
    pending: BTreeMap<u64, Bytes>,
    /// The first of `expected` not hashed yet.
    next: usize,
    /// The digest of a file hashed whole, or the read that failed.
    whole: Option<Result<String, InputError>>,
}

impl FileDigest {
    /// `spans`: what each unit of the file reads in one read, in unit order (None: a unit read
    /// otherwise). Spans that do not follow one another are ignored: the file is hashed whole.
    pub(crate) fn new(path: &Path, spans: &[Option<Range<u64>>]) -> Self {
        let mut expected: Vec<Range<u64>> = spans.iter().flatten().cloned().collect();
        if expected.windows(2).any(|w| w[0].end > w[1].start) {
            expected.clear();
        }
        let state = State { hasher: Some(Sha256::new()), at: 0, pending: BTreeMap::new(), next: 0, whole: None };
        FileDigest { path: crate::read::source::split_sheet(path).0, expected, state: Mutex::new(state) }
    }

    /// Whether the scan hands over the bytes at `span`.
    pub(crate) fn expects(&self, span: &Range<u64>) -> bool {
        self.expected.binary_search_by_key(&span.start, |r| r.start).is_ok_and(|i| self.expected[i] == *span)
    }

    /// Whether the file is hashed whole beside the scan.
    fn whole(&self) -> bool {
        self.expected.is_empty()
    }

    /// Takes the bytes the scan read at `start` and hashes whatever now follows the bytes
    /// hashed so far (on this thread, unless another is hashing already).
    pub(crate) fn offer(&self, start: u64, bytes: Bytes) -> Result<(), InputError> {
        let mut state = self.state.lock().expect("no panic while locked");
        state.pending.insert(start, bytes);
        let Some(mut hasher) = state.hasher.take() else { return Ok(()) };
        loop {
            // the next piece: a range handed over, or the bytes before the next expected one
            let piece = match state.pending.first_key_value() {
                Some((s, _)) if *s == state.at => Some(state.pending.pop_first().expect("present").1),
                _ => None,
            };
            let gap = match (&piece, self.expected.get(state.next)) {
                (None, Some(r)) if r.start > state.at => Some(state.at..r.start),
                _ => None,
            };
            if piece.is_none() && gap.is_none() {
                state.hasher = Some(hasher);
                return Ok(());
            }
            drop(state);
            let hashed = match (piece, gap) {
                (Some(bytes), _) => {
                    hasher.update(&bytes);
                    Ok((bytes.len() as u64, true))
                }
                (None, Some(gap)) => self.hash_range(&mut hasher, gap.clone()).map(|()| (gap.end - gap.start, false)),
                (None, None) => unreachable!("one of them"),
            };
            state = self.state.lock().expect("no panic while locked");
            match hashed {
                Ok((n, whole_span)) => {
                    state.at += n;
                    state.next += usize::from(whole_span);
                }
                Err(e) => {
                    state.hasher = Some(hasher);
                    return Err(e);
                }
            }
        }
    }

    /// Reads `range` of the file and hashes it.
    fn hash_range(&self, hasher: &mut Sha256, range: Range<u64>) -> Result<(), InputError> {
        let file = File::open(&self.path).map_err(|e| InputError::file(&self.path, format!("cannot open: {e}")))?;
        let mut buf = vec![0u8; (range.end - range.start).min(1 << 20) as usize];
        let mut at = range.start;
        while at < range.end {
            let n = buf.len().min((range.end - at) as usize);
            file.read_exact_at(&mut buf[..n], at)
                .map_err(|e| InputError::file(&self.path, format!("cannot read: {e}")))?;
            hasher.update(&buf[..n]);
            at += n as u64;
        }
        Ok(())
    }

    /// Hashes the file whole, when the scan hands nothing over (call beside the scan).
    fn hash_whole(&self) {
        if self.whole() {
            let digest = sha256_file(&self.path);
            self.state.lock().expect("no panic while locked").whole = Some(digest);
        }
    }

    /// The file's digest, once the scan has read every unit: hashes what is left, up to the
    /// end of the file as it is now.
    fn finish(&self) -> Result<String, InputError> {
        let mut state = self.state.lock().expect("no panic while locked");
        if let Some(whole) = state.whole.take() {
            return whole;
        }
        let mut hasher = state.hasher.take().expect("no thread hashing after the scan");
        let len =
            std::fs::metadata(&self.path).map_err(|e| InputError::file(&self.path, format!("cannot read: {e}")))?.len();
        while state.at < len {
            let at = state.at;
            let n = match state.pending.remove(&at) {
                Some(bytes) => {
                    hasher.update(&bytes);
                    bytes.len() as u64
                }
                None => {
                    let end = state.pending.range(at..).next().map_or(len, |(s, _)| *s).min(len);
                    self.hash_range(&mut hasher, at..end)?;
                    end - at
                }
            };
            state.at += n;
        }
        Ok(hex(hasher))
    }
}

/// The digests of a scan's files, in the order of its sources.
pub(crate) struct Digests {
    pub(crate) files: Vec<FileDigest>,
}

impl Digests {
    /// The digests of `sources`, fed by the reads of their units: each unit's source index
    /// and the bytes it reads in one read (`Unit::span`), in unit order; None when `hashing`
    /// skips them.
    pub(crate) fn new(
        hashing: Hashing,
        sources: &[Source],
        units: impl Iterator<Item = (usize, Option<Range<u64>>)>,
    ) -> Option<Digests> {
        if hashing == Hashing::Skip {
            return None;
        }
        let mut spans: Vec<Vec<Option<Range<u64>>>> = vec![Vec::new(); sources.len()];
        units.for_each(|(f, span)| spans[f].push(span));
        Some(Digests { files: sources.iter().zip(&spans).map(|(s, spans)| FileDigest::new(&s.path, spans)).collect() })
    }

    /// Runs `scan` (which reads every unit, handing its bytes to `digests`) beside the hashing
    /// of the files it hands nothing over, then finishes every digest: each file's SHA-256, in
    /// the order of the sources (None when `digests` is None).
    pub(crate) fn beside<T: Send, E: From<InputError> + Send>(
        digests: Option<&Digests>,
        files: usize,
        scan: impl FnOnce() -> Result<T, E> + Send,
    ) -> Result<(T, Vec<Option<String>>), E> {
        let whole = || digests.map_or((), |d| d.files.iter().for_each(FileDigest::hash_whole));
        let (scanned, ()) = rayon::join(scan, whole);
        let scanned = scanned?;
        let hashes = match digests {
            Some(d) => d.files.iter().map(|f| f.finish().map(Some)).collect::<Result<_, _>>()?,
            None => vec![None; files],
        };
        Ok((scanned, hashes))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow_array::{ArrayRef, Int64Array, RecordBatch, StringArray};
    use parquet::arrow::ArrowWriter;
    use parquet::file::properties::WriterProperties;

    use super::*;
    use crate::read::{self, required, Kind, Unit};

    /// A Parquet file of 1,000 rows in row groups of 128 rows, and its units.
    fn file(dir: &Path) -> (Source, Vec<Unit>) {
        let path = dir.join("t.parquet");
        let ids: Vec<String> = (0..1000).map(|i| format!("H{:04}", i * 7919 % 1000)).collect();
        let batch = RecordBatch::try_from_iter([
            ("id", Arc::new(StringArray::from(ids)) as ArrayRef),
            ("n", Arc::new(Int64Array::from((0..1000).collect::<Vec<i64>>())) as ArrayRef),
        ])
        .unwrap();
        let props = WriterProperties::builder().set_max_row_group_row_count(Some(128)).build();
        let mut w = ArrowWriter::try_new(File::create(&path).unwrap(), batch.schema(), Some(props)).unwrap();
        w.write(&batch).unwrap();
        w.close().unwrap();
        let source = Source::new(path);
        let (_, units) = read::open(&source, &[required("id", Kind::Text)]).unwrap();
        assert_eq!(units.len(), 8);
        (source, units)
    }

    /// The digest of the file, fed by the reads of all its units.
    fn of_units(source: &Source, units: &[Unit]) -> Digests {
        Digests::new(Hashing::Sha256, std::slice::from_ref(source), units.iter().map(|u| (0, u.span(true)))).unwrap()
    }

    fn whole(path: &Path) -> String {
        hex(Sha256::new_with_prefix(std::fs::read(path).unwrap()))
    }

    fn bytes_of(path: &Path, span: &Range<u64>) -> Bytes {
        std::fs::read(path).unwrap()[span.start as usize..span.end as usize].to_vec().into()
    }

    #[test]
    fn row_groups_handed_over_in_any_order_give_the_file_s_digest() {
        let dir = tempfile::tempdir().unwrap();
        let (source, units) = file(dir.path());
        let digests = of_units(&source, &units);
        let digest = &digests.files[0];
        let spans: Vec<Range<u64>> = units.iter().map(|u| u.span(true).unwrap()).collect();
        assert!(spans.iter().all(|s| digest.expects(s)) && spans[0].start > 0, "the header is a gap: {spans:?}");
        // the last first, then the others: nothing is hashed until the first comes
        for at in [7, 2, 3, 0, 1, 6, 4, 5] {
            digest.offer(spans[at].start, bytes_of(&source.path, &spans[at])).unwrap();
        }
        assert!(digest.state.lock().unwrap().pending.is_empty(), "all hashed as they became contiguous");
        assert_eq!(digest.finish().unwrap(), whole(&source.path));
    }

    #[test]
    fn what_no_read_hands_over_is_read_by_the_digest() {
        let dir = tempfile::tempdir().unwrap();
        let (source, units) = file(dir.path());
        let mut spans: Vec<Option<Range<u64>>> = units.iter().map(|u| u.span(true)).collect();
        // row groups 2 and 5 read page by page (too large to read at once): gaps in the middle
        let (two, five) = (spans[2].take().unwrap(), spans[5].take().unwrap());
        let digest = FileDigest::new(&source.path, &spans);
        assert!(!digest.expects(&two) && !digest.expects(&five) && !digest.whole());
        for s in spans.iter().flatten().rev() {
            digest.offer(s.start, bytes_of(&source.path, s)).unwrap();
        }
        assert_eq!(digest.finish().unwrap(), whole(&source.path));

        // spans that do not follow one another (here: out of order) are not trusted: the file
        // is hashed whole, beside the scan
        let all: Vec<Option<Range<u64>>> = units.iter().map(|u| u.span(true)).collect();
        let out_of_order = [all[1].clone(), all[0].clone()];
        let digest = FileDigest::new(&source.path, &out_of_order);
        assert!(digest.whole() && !digest.expects(all[0].as_ref().unwrap()));
        digest.hash_whole();
        assert_eq!(digest.finish().unwrap(), whole(&source.path));
    }

    #[test]
    fn a_scan_hands_over_each_row_group_as_it_reads_it() {
        let dir = tempfile::tempdir().unwrap();
        let (source, units) = file(dir.path());
        let digests = of_units(&source, &units);
        let digest = &digests.files[0];
        // two threads reading alternate row groups, as the scans' workers do
        let (read, hashes) = Digests::beside(Some(&digests), 1, || -> Result<u64, InputError> {
            let rows = std::sync::atomic::AtomicU64::new(0);
            rayon::scope(|s| {
                for parity in 0..2 {
                    let (units, rows) = (&units, &rows);
                    s.spawn(move |_| {
                        for u in units.iter().skip(parity).step_by(2) {
                            read::read_unit_hashed(u, Some(digest), |b| -> Result<(), InputError> {
                                rows.fetch_add(b.data.num_rows() as u64, std::sync::atomic::Ordering::Relaxed);
                                Ok(())
                            })
                            .unwrap();
                        }
                    });
                }
            });
            Ok(rows.into_inner())
        })
        .unwrap();
        assert_eq!((read, hashes), (1000, vec![Some(whole(&source.path))]));
        // without a digest nothing is computed
        let (_, none) = Digests::beside(None, 1, || Ok::<_, InputError>(())).unwrap();
        assert_eq!(none, vec![None]);
    }
}
