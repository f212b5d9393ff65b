//! dianzhi: settle health-insurance global budgets by the regional point-value method.
//!
//! The binary: parses the command line, makes the run's settings before any thread starts,
//! removes what a run was writing on Ctrl-C, and reports a failure as its message and exit
//! status. The commands live in the library (src/lib.rs), which the Python package runs too.

use std::process::ExitCode;

use clap::Parser;
use dianzhi::{console, run, settings, use_threads_for_process, Cli};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let settings = match settings(&cli).and_then(|s| use_threads_for_process(&cli).map(|()| s)) {
        Ok(s) => s,
        Err(f) => {
            eprintln!("error: {}", console::visible(&f.message));
            return ExitCode::from(f.code);
        }
    };
    dianzhi::signals::install();
    // a bug must not reach a user as Rust's exit 101 and backtrace: the panic unwinds (removing
    // any output in progress), and is reported as a failure of dianzhi itself, exit 1
    static REPORTED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    std::panic::set_hook(Box::new(|info| {
        if REPORTED.swap(true, std::sync::atomic::Ordering::SeqCst) {
            return; // one message, whichever worker panicked first
        }
        let what = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown".into());
        let at = info.location().map(|l| format!(" ({}:{})", l.file(), l.line())).unwrap_or_default();
        eprintln!("error: internal error: {what}{at}; nothing was written. This is a bug in dianzhi: please report it with the command and, if you can, the inputs");
    }));
    match std::panic::catch_unwind(|| run(cli, &settings)) {
        Ok(Ok(code)) => ExitCode::from(code),
        Ok(Err(f)) => {
            eprintln!("error: {}", console::visible(&f.message));
            ExitCode::from(f.code)
        }
        Err(_) => ExitCode::from(1),
    }
}
