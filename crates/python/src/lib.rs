//! `dianzhi._native`: the engine's command line, run inside Python.
//!
//! The Python functions (python/dianzhi/__init__.py) turn their keyword arguments into the
//! command line and hand over the tables they were given in memory; this module registers those
//! tables (read through the Arrow C stream interface by arrow's own pyarrow support) under names
//! that stand where a path would, runs the command as the binary does — the same parser, checks
//! and messages — with the GIL released, and stops it on Ctrl-C.

use std::sync::mpsc;
use std::time::Duration;

use arrow_array::RecordBatchReader;
use arrow_pyarrow::FromPyArrow;
use dianzhi_columnar::read::memory::{self, MemoryTable, Registered};
use pyo3::create_exception;
use pyo3::exceptions::{PyException, PyValueError};
use pyo3::prelude::*;

create_exception!(_native, Error, PyException, "A run of dianzhi failed (the CLI's exit 1).");
create_exception!(_native, InputError, Error, "Bad input or config: the CLI's exit 2, with its message.");

/// How often a waiting call looks for Ctrl-C.
const POLL: Duration = Duration::from_millis(50);

/// Reads a table from anything with `__arrow_c_stream__` (pyarrow tables and readers, polars
/// and pandas data frames) or a `pyarrow.RecordBatchReader`, and registers it under
/// `<what> (in memory)`.
fn register(what: &str, data: &Bound<'_, PyAny>) -> PyResult<Registered> {
    let stream = arrow_array::ffi_stream::RecordBatchStreamReader::from_pyarrow_bound(data)?;
    let schema = stream.schema();
    let batches = stream
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| InputError::new_err(format!("{what} (in memory): cannot read the table's batches: {e}")))?;
    Ok(memory::register(what, MemoryTable { schema, batches }))
}

/// Runs the command line `argv` (without the program name). `tables` maps a placeholder that
/// stands in `argv` to (the flag's name, the table in memory). Returns the exit status (0, or 1
/// when `compare` finds differences); raises `InputError` for the CLI's exit 2, `Error` for
/// exit 1, and `KeyboardInterrupt` when Ctrl-C stopped the run.
#[pyfunction]
fn run(py: Python<'_>, argv: Vec<String>, tables: Vec<(String, String, Bound<'_, PyAny>)>) -> PyResult<u8> {
    let mut registered = Vec::with_capacity(tables.len());
    let mut argv = argv;
    for (placeholder, what, data) in &tables {
        let table = register(what, data)?;
        // the placeholder stands alone (a positional argument) or after `--flag=`
        let name = table.name().to_string_lossy().into_owned();
        for arg in argv.iter_mut().filter(|a| a.ends_with(placeholder.as_str())) {
            *arg = format!("{}{name}", &arg[..arg.len() - placeholder.len()]);
        }
        registered.push(table);
    }
    let (done, outcome) = mpsc::channel();
    // waited on with the GIL released: the wait crosses threads, so the receiver is locked
    let outcome = std::sync::Mutex::new(outcome);
    let worker = std::thread::spawn(move || {
        let args = std::iter::once("dianzhi".to_string()).chain(argv);
        let result = std::panic::catch_unwind(|| dianzhi::run_command_line(args));
        let _ = done.send(result);
    });
    let result = loop {
        match py.detach(|| outcome.lock().expect("one waiter").recv_timeout(POLL)) {
            Ok(result) => break result,
            Err(mpsc::RecvTimeoutError::Timeout) => {
                if let Err(interrupt) = py.check_signals() {
                    // every scan stops at its next batch; the command removes what it wrote
                    memory::request_stop(true);
                    let _ = py.detach(|| worker.join());
                    memory::request_stop(false);
                    return Err(interrupt);
                }
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => break Err(Box::new("the run's thread ended") as _),
        }
    };
    let _ = worker.join();
    drop(registered);
    match result {
        Ok(Ok(code)) => Ok(code),
        Ok(Err(failure)) if failure.code == 2 => Err(InputError::new_err(failure.message)),
        Ok(Err(failure)) if failure.code == 0 => Ok(0),
        Ok(Err(failure)) => Err(Error::new_err(failure.message)),
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown".into());
            Err(Error::new_err(format!(
                "internal error: {what}; nothing was written. This is a bug in dianzhi: please report it"
            )))
        }
    }
}

/// The TOML text of a config or scenarios given as JSON (the Python side's `json.dumps` of
/// its dict): the same file a user would write, so that it is read by the same code.
#[pyfunction]
fn toml_text(json: &str) -> PyResult<String> {
    let value: toml::Value = serde_json::from_str(json).map_err(|e| {
        InputError::new_err(format!(
            "config: not a table of TOML values ({e}); use text, numbers, booleans, lists and dicts"
        ))
    })?;
    toml::to_string(&value).map_err(|e| PyValueError::new_err(e.to_string()))
}

/// The version of the engine, with the commit it was built from.
#[pyfunction]
fn version() -> &'static str {
    dianzhi::VERSION
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("Error", m.py().get_type::<Error>())?;
    m.add("InputError", m.py().get_type::<InputError>())?;
    m.add_function(wrap_pyfunction!(run, m)?)?;
    m.add_function(wrap_pyfunction!(toml_text, m)?)?;
    m.add_function(wrap_pyfunction!(version, m)?)?;
    Ok(())
}
