//! Progress on stderr for long runs (only when stderr is a terminal and not --quiet), and
//! the wall time of each phase for the manifest.

use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{channel, RecvTimeoutError, Sender};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct Phase {
    pub name: &'static str,
    pub seconds: f64,
}

pub struct Progress {
    show: bool,
    phases: Vec<Phase>,
    current: Option<(&'static str, Instant)>,
    rows: Arc<AtomicU64>,
    /// The thread redrawing the progress line; dropping the sender stops it at once.
    ticker: Option<(Sender<()>, std::thread::JoinHandle<()>)>,
}

impl Progress {
    /// Progress shown on a terminal unless the printer says not to.
    pub fn new(printer: crate::console::Printer) -> Self {
        Progress {
            show: printer.progress() && std::io::stderr().is_terminal(),
            phases: Vec::new(),
            current: None,
            rows: Arc::default(),
            ticker: None,
        }
    }

    /// Phases timed for the manifest, never shown (runs too short to watch).
    pub fn hidden() -> Self {
        Progress { show: false, phases: Vec::new(), current: None, rows: Arc::default(), ticker: None }
    }

    /// Ends the current phase and starts `name`.
    pub fn phase(&mut self, name: &'static str) {
        self.finish();
        self.current = Some((name, Instant::now()));
        if self.show {
            let (stop, stopped) = channel::<()>();
            let rows = self.rows.clone();
            let start = Instant::now();
            let handle = std::thread::spawn(move || loop {
                let n = rows.load(Ordering::Relaxed);
                let secs = start.elapsed().as_secs_f64();
                let rows = if n > 0 {
                    format!(", {n} rows read ({:.1} M rows/s)", n as f64 / secs.max(1e-9) / 1e6)
                } else {
                    String::new()
                };
                eprint!("\r\x1b[2K{name}: {secs:.1} s{rows}");
                let _ = std::io::stderr().flush();
                if stopped.recv_timeout(Duration::from_millis(200)) != Err(RecvTimeoutError::Timeout) {
                    break;
                }
            });
            self.ticker = Some((stop, handle));
        }
    }

    /// A counter of rows read, for the current phase's progress line.
    pub fn rows(&self) -> Arc<AtomicU64> {
        self.rows.clone()
    }

    fn finish(&mut self) {
        if let Some((stop, handle)) = self.ticker.take() {
            drop(stop);
            let _ = handle.join();
            eprint!("\r\x1b[2K");
        }
        if let Some((name, start)) = self.current.take() {
            self.phases.push(Phase { name, seconds: start.elapsed().as_secs_f64() });
        }
        self.rows.store(0, Ordering::Relaxed);
    }

    /// Ends the last phase and returns all phases with their wall times.
    pub fn phases(&mut self) -> Vec<Phase> {
        self.finish();
        self.phases.clone()
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.finish();
    }
}
