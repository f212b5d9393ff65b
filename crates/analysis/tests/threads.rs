//! `--threads N` bounds polars too: set before polars starts its pool, the pool has N threads.
//! (A test file of its own: the pool starts once per process.)

use dianzhi_analysis::summary::{frame, sums_by};
use dianzhi_columnar::read::text_table::TextTable;

/// The threads of this process whose name starts with `prefix` (Linux: /proc/self/task).
#[cfg(target_os = "linux")]
fn threads_named(prefix: &str) -> usize {
    std::fs::read_dir("/proc/self/task")
        .unwrap()
        .flatten()
        .filter(|t| std::fs::read_to_string(t.path().join("comm")).is_ok_and(|n| n.starts_with(prefix)))
        .count()
}

#[cfg(target_os = "linux")]
#[test]
fn the_analysis_pool_has_the_threads_it_is_given() {
    let wanted = 3;
    dianzhi_analysis::limit_threads(wanted);
    assert_eq!(threads_named("polars-"), 0, "polars has not started yet");
    let t = TextTable {
        path: "t.csv".into(),
        names: vec!["sector".into(), "amount".into()],
        columns: vec![
            (0..1000).map(|i| Some(format!("s{}", i % 7))).collect(),
            (0..1000).map(|i| Some(format!("{i}.25"))).collect(),
        ],
    };
    let sums = sums_by(&frame(&t).unwrap(), &["sector"], &["amount"]).unwrap();
    assert_eq!(sums.height(), 7);
    // a thread takes its name once it runs (Rust's std names it from the new thread): on a busy
    // machine the last may not have run yet when the work is done, so wait for it a while
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let mut named = threads_named("polars-");
    while named < wanted && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(20));
        named = threads_named("polars-");
    }
    assert_eq!(named, wanted, "polars' pool has the threads --threads gave it");
}
