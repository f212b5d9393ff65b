//! Ctrl-C and `kill`: a run interrupted by SIGINT or SIGTERM removes the directories it was
//! writing (staging outputs, the demo's inputs) and exits 130 or 143, as shells expect.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// The directories to remove if the run is interrupted; `true` once it is being stopped. The
/// signal's thread holds this lock from its removal to the exit.
static LIVE: Mutex<(Vec<PathBuf>, bool)> = Mutex::new((Vec::new(), false));

/// Starts the thread that waits for SIGINT and SIGTERM.
pub fn install() {
    use signal_hook::consts::{SIGINT, SIGTERM};
    let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM]) else { return };
    std::thread::spawn(move || {
        if let Some(signal) = signals.forever().next() {
            let mut live = LIVE.lock().unwrap_or_else(|e| e.into_inner());
            live.1 = true;
            for dir in live.0.iter() {
                remove_while_written(dir);
            }
            eprintln!("\ninterrupted: nothing was written");
            std::process::exit(128 + signal);
        }
    });
}

/// Removes `dir` while the run's other threads may still be writing into it (a removal that
/// meets a file created meanwhile fails with "not empty"): tried again until it is gone. A
/// loaded machine can keep the writers ahead for a while, so the tries are bounded by time (10
/// s), not by count.
fn remove_while_written(dir: &Path) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while std::time::Instant::now() < deadline {
        match std::fs::remove_dir_all(dir) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound && dir.exists() => {
                std::thread::sleep(std::time::Duration::from_millis(2));
            }
            _ => return,
        }
    }
}

pub fn register(dir: &Path) {
    LIVE.lock().unwrap_or_else(|e| e.into_inner()).0.push(dir.to_path_buf());
}

pub fn unregister(dir: &Path) {
    LIVE.lock().unwrap_or_else(|e| e.into_inner()).0.retain(|d| d != dir);
}

/// `fs::create_dir_all`, refused once the run is being stopped: the stop removes the staging
/// directories, and creating a directory below one again would create it again — and leave it
/// behind. Every directory a run creates for its outputs is created through here.
pub fn create_dir_all(dir: &Path) -> std::io::Result<()> {
    let live = LIVE.lock().unwrap_or_else(|e| e.into_inner());
    if live.1 {
        return Err(std::io::Error::new(std::io::ErrorKind::Interrupted, "the run is being stopped"));
    }
    std::fs::create_dir_all(dir)
}
