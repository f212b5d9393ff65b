//! dianzhi-analysis: the analysts' DataFrame layer (polars). It stacks and joins the tables of
//! scenario runs, joins two runs (or a run and published figures) for `compare`, and
//! summarises outputs for `report`. It computes no settlement: the exact arithmetic is the
//! core's; here tables are reshaped, joined and compared, with decimals kept exact.

pub mod compare;
pub mod frame;

/// Bounds polars' own thread pool to `n` threads (`--threads`). Call it before any thread of the
/// process starts: polars reads the setting from the environment when its pool first starts, and
/// the environment may only change while a single thread runs.
pub fn limit_threads(n: usize) {
    std::env::set_var("POLARS_MAX_THREADS", n.to_string());
}
pub mod scenario;
pub mod summary;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Polars(#[from] polars::error::PolarsError),
    /// A value too large for polars' unchecked decimal arithmetic.
    #[error("column {0} holds a value of 10^37 or more, beyond what can be compared exactly")]
    TooLarge(String),
    /// Bad input (exit 2): the message names the table, column or key.
    #[error("{0}")]
    Input(String),
    #[error("{0}")]
    Internal(String),
    /// A table that cannot be read or written (the columnar crate says which and why).
    #[error(transparent)]
    Columnar(#[from] dianzhi_columnar::Error),
}

impl From<dianzhi_columnar::InputError> for Error {
    fn from(e: dianzhi_columnar::InputError) -> Self {
        Error::Columnar(dianzhi_columnar::Error::Input(e))
    }
}
