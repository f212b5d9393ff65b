//! The reader's floor: decode the claim columns of Parquet files exactly as `settle` does
//! (same projection, dictionaries, batch size and parallelism) and do nothing with them.
//! Compare its time with `dianzhi settle` to see what the aggregation itself costs.
//!
//!     cargo run --release -p dianzhi-columnar --example read_floor -- DIR/claims

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Instant;

use dianzhi_columnar::read::{open, read_unit};
use dianzhi_columnar::taiwan::claims::CLAIMS;
use dianzhi_columnar::{resolve, InputError};
use rayon::prelude::*;

fn main() -> Result<(), InputError> {
    let args: Vec<std::path::PathBuf> = std::env::args_os().skip(1).map(Into::into).collect();
    let start = Instant::now();
    let mut units = Vec::new();
    for source in resolve(&args, Default::default())? {
        units.extend(open(&source, &CLAIMS)?.1);
    }
    let (next, rows) = (AtomicUsize::new(0), AtomicU64::new(0));
    (0..rayon::current_num_threads()).into_par_iter().try_for_each(|_| loop {
        let Some(unit) = units.get(next.fetch_add(1, Ordering::Relaxed)) else { return Ok(()) };
        read_unit(unit, |batch| -> Result<(), InputError> {
            rows.fetch_add(batch.len() as u64, Ordering::Relaxed);
            Ok(())
        })?;
    })?;
    println!("{} rows decoded in {:.3} s", rows.into_inner(), start.elapsed().as_secs_f64());
    Ok(())
}
