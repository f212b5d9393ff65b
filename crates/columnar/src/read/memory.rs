//! Tables handed over in memory (the Python package's pyarrow tables and data frames, read
//! through the Arrow C stream interface): registered under a name that stands where a path
//! would on the command line, then read as a Parquet file is read — the same column rules, the
//! same messages (naming the table by that name), split into units that the workers share.
//!
//! The registry is the one place a table crosses from the caller into a command without a file:
//! every command resolves its table arguments through `resolve` (read::source), which looks here
//! first, so no command has a second way in.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use arrow_array::RecordBatch;
use arrow_schema::SchemaRef;

/// Rows per unit of a table in memory: enough to keep a worker busy, small enough that two
/// workers share a table of a few million rows.
const UNIT_ROWS: usize = 1 << 20;

/// A table in memory: its schema and batches, as the caller handed them over.
#[derive(Debug)]
pub struct MemoryTable {
    pub schema: SchemaRef,
    pub batches: Vec<RecordBatch>,
}

impl MemoryTable {
    pub fn rows(&self) -> u64 {
        self.batches.iter().map(|b| b.num_rows() as u64).sum()
    }

    /// The table cut into units of about [`UNIT_ROWS`] rows: each a list of (batch, offset, len).
    pub(crate) fn parts(&self) -> Vec<Vec<(usize, usize, usize)>> {
        let mut parts = Vec::new();
        let mut part = Vec::new();
        let mut filled = 0;
        for (b, batch) in self.batches.iter().enumerate() {
            let mut at = 0;
            while at < batch.num_rows() {
                let len = (UNIT_ROWS - filled).min(batch.num_rows() - at);
                part.push((b, at, len));
                (at, filled) = (at + len, filled + len);
                if filled == UNIT_ROWS {
                    parts.push(std::mem::take(&mut part));
                    filled = 0;
                }
            }
        }
        if !part.is_empty() || parts.is_empty() {
            parts.push(part);
        }
        parts
    }
}

static TABLES: Mutex<BTreeMap<PathBuf, Arc<MemoryTable>>> = Mutex::new(BTreeMap::new());

/// A registered table: its name is what a command is given in place of a path; dropping the
/// handle takes the table out of the registry.
#[derive(Debug)]
pub struct Registered {
    name: PathBuf,
}

impl Registered {
    pub fn name(&self) -> &Path {
        &self.name
    }
}

impl Drop for Registered {
    fn drop(&mut self) {
        TABLES.lock().unwrap_or_else(|e| e.into_inner()).remove(&self.name);
    }
}

/// Registers a table as `<what> (in memory)` (numbered when that name is taken), the name its
/// messages will carry.
pub fn register(what: &str, table: MemoryTable) -> Registered {
    let mut tables = TABLES.lock().unwrap_or_else(|e| e.into_inner());
    let mut name = PathBuf::from(format!("{what} (in memory)"));
    let mut n = 1;
    while tables.contains_key(&name) {
        n += 1;
        name = PathBuf::from(format!("{what} (in memory #{n})"));
    }
    tables.insert(name.clone(), Arc::new(table));
    Registered { name }
}

/// The table registered under `path`, if it names one.
pub fn lookup(path: &Path) -> Option<Arc<MemoryTable>> {
    TABLES.lock().unwrap_or_else(|e| e.into_inner()).get(path).cloned()
}

/// Set by a caller that wants the run stopped (Ctrl-C in a notebook): every scan stops at its
/// next batch with [`interrupted`]'s refusal, and the command removes what it was writing.
static STOP: AtomicBool = AtomicBool::new(false);

/// Asks every running scan to stop; `false` lets scans run again.
pub fn request_stop(stop: bool) {
    STOP.store(stop, Ordering::SeqCst);
}

/// Whether a stop was asked for.
pub fn stop_requested() -> bool {
    STOP.load(Ordering::Relaxed)
}

#[cfg(test)]
mod tests {
    use arrow_array::{ArrayRef, Int64Array};
    use arrow_schema::{DataType, Field, Schema};

    use super::*;

    fn table(sizes: &[usize]) -> MemoryTable {
        let schema = Arc::new(Schema::new(vec![Field::new("x", DataType::Int64, false)]));
        let batches = sizes
            .iter()
            .map(|n| {
                let a: ArrayRef = Arc::new(Int64Array::from(vec![1; *n]));
                RecordBatch::try_new(schema.clone(), vec![a]).unwrap()
            })
            .collect();
        MemoryTable { schema, batches }
    }

    #[test]
    fn parts_cover_every_row_once_in_order() {
        let t = table(&[UNIT_ROWS - 5, 10, 2 * UNIT_ROWS + 3, 0]);
        let parts = t.parts();
        assert_eq!(parts.len(), 4);
        let rows: Vec<usize> = parts.iter().map(|p| p.iter().map(|s| s.2).sum()).collect();
        assert_eq!(rows, vec![UNIT_ROWS, UNIT_ROWS, UNIT_ROWS, 8]);
        assert_eq!(parts[0], vec![(0, 0, UNIT_ROWS - 5), (1, 0, 5)]);
        assert_eq!(parts[1][0], (1, 5, 5));
        // an empty table is one empty unit: its header is still checked
        assert_eq!(table(&[]).parts(), vec![Vec::<(usize, usize, usize)>::new()]);
    }

    #[test]
    fn names_are_unique_while_registered_and_freed_on_drop() {
        let a = register("claims-test", table(&[1]));
        let b = register("claims-test", table(&[2]));
        assert_eq!(a.name(), Path::new("claims-test (in memory)"));
        assert_eq!(b.name(), Path::new("claims-test (in memory #2)"));
        assert_eq!(lookup(b.name()).unwrap().rows(), 2);
        drop(a);
        assert!(lookup(Path::new("claims-test (in memory)")).is_none());
    }
}
