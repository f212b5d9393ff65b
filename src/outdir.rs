//! All-or-nothing output: files are written to a hidden sibling directory and moved into
//! `--out` only when the whole run succeeded. On failure the temporary directory is removed.

use std::fs;
use std::path::{Path, PathBuf};

use crate::failure::{Failure, Result};

pub struct OutDir {
    target: PathBuf,
    staging: PathBuf,
    done: bool,
}

impl OutDir {
    /// Checks `target` before any work: it must not be a non-empty directory unless `force`
    /// (or `replaceable` says its contents may be replaced), and not a file.
    pub fn prepare(target: &Path, force: bool, replaceable: impl Fn(&Path) -> bool) -> Result<OutDir> {
        if target.exists() {
            if !target.is_dir() {
                return Err(Failure::input(format!(
                    "--out {}: exists and is not a directory; choose another path",
                    target.display()
                )));
            }
            let non_empty = fs::read_dir(target).map_err(Failure::other)?.next().is_some();
            if non_empty && !force && !replaceable(target) {
                return Err(Failure::input(format!(
                    "--out {}: the directory exists and is not empty; choose a new directory or pass --force to replace it",
                    target.display()
                )));
            }
        }
        let name = target.file_name().map_or_else(|| "out".into(), |n| n.to_string_lossy().to_string());
        let parent = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        fs::create_dir_all(&parent).map_err(|e| Failure::other(format!("cannot create {}: {e}", parent.display())))?;
        let staging = parent.join(format!(".{name}.dianzhi-tmp-{}", std::process::id()));
        if staging.exists() {
            fs::remove_dir_all(&staging).map_err(Failure::other)?;
        }
        fs::create_dir(&staging).map_err(|e| Failure::other(format!("cannot create {}: {e}", staging.display())))?;
        Ok(OutDir { target: target.to_path_buf(), staging, done: false })
    }

    /// Where to write a file of the output.
    pub fn file(&self, name: &str) -> PathBuf {
        self.staging.join(name)
    }

    /// Moves the finished output into place, replacing what was there.
    pub fn commit(mut self) -> Result<PathBuf> {
        if self.target.exists() {
            fs::remove_dir_all(&self.target)
                .map_err(|e| Failure::other(format!("cannot replace {}: {e}", self.target.display())))?;
        }
        fs::rename(&self.staging, &self.target)
            .map_err(|e| Failure::other(format!("cannot move the output into {}: {e}", self.target.display())))?;
        self.done = true;
        Ok(self.target.clone())
    }
}

impl Drop for OutDir {
    fn drop(&mut self) {
        if !self.done {
            let _ = fs::remove_dir_all(&self.staging);
        }
    }
}
