//! All-or-nothing output. Files are written to a staging directory beside `--out`, unique to the
//! run, and swapped into place only when the whole run succeeded.
//!
//! - The staging directory `.NAME.dianzhi-tmp-XXXXXX` holds a `.lock` file the run keeps locked
//!   for its lifetime. A later run on the same `--out` removes the staging directories whose lock
//!   it can take: their run is gone (killed with SIGKILL, crashed, the machine restarted).
//! - On SIGINT/SIGTERM the run removes its staging directories and exits 130/143 ([`signals`]).
//! - Commit: every file and the directory are fsynced; then, holding a lock on the parent
//!   directory (so that concurrent runs on one `--out` commit one after the other), the old
//!   output is renamed aside, the new one in, the parent fsynced, the old one removed. A crash
//!   between the two renames leaves both on disk, never neither.

use std::fs::{self, File};
use std::path::{Path, PathBuf};

use crate::failure::{Failure, Result};

/// The lock file inside a staging directory.
const LOCK: &str = ".lock";

pub struct OutDir {
    target: PathBuf,
    parent: PathBuf,
    staging: PathBuf,
    /// Whether the run may replace a non-empty `target` at commit: `--force` on a dianzhi
    /// output, or a replaceable one. A run that found no output must not replace one that
    /// another run committed meanwhile.
    may_replace: bool,
    /// Held locked while the run lives; unlocked when it drops.
    _lock: File,
    done: bool,
}

fn other(what: &str, path: &Path, e: impl std::fmt::Display) -> Failure {
    Failure::other(format!("cannot {what} {}: {e}", path.display()))
}

impl OutDir {
    /// Checks `target` before any work: it must not be, hold or lie inside any of `inputs`
    /// (see [`refuse_inputs`]), nor be a non-empty directory unless `force` (or `replaceable`
    /// says its contents may be replaced), nor a file.
    pub fn prepare(
        target: &Path,
        force: bool,
        replaceable: impl Fn(&Path) -> bool,
        inputs: &[&Path],
    ) -> Result<OutDir> {
        refuse_inputs(target, inputs)?;
        if target.exists() {
            if !target.is_dir() {
                return Err(Failure::input(format!(
                    "--out {}: exists and is not a directory; choose another path",
                    target.display()
                )));
            }
            let non_empty = fs::read_dir(target).map_err(Failure::other)?.next().is_some();
            if non_empty && !replaceable(target) {
                if !force {
                    return Err(Failure::input(format!(
                        "--out {}: the directory exists and is not empty; choose a new directory or pass --force to replace it",
                        target.display()
                    )));
                }
                refuse_foreign(target)?;
            }
        }
        let name = target.file_name().map_or_else(|| "out".into(), |n| n.to_string_lossy().to_string());
        let parent = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        crate::signals::create_dir_all(&parent).map_err(|e| other("create", &parent, e))?;
        // under the parent's lock: no other run sees this staging directory before its lock is
        // taken (it would be cleaned up as a dead run's), and clean-ups take turns with commits
        let guard = lock_dir(&parent)?;
        let staging = tempfile::Builder::new()
            .prefix(&staging_prefix(&name))
            .tempdir_in(&parent)
            .map_err(|e| other("create a staging directory in", &parent, e))?
            .keep();
        crate::signals::register(&staging);
        let lock = File::create(staging.join(LOCK)).map_err(|e| other("create", &staging, e))?;
        lock.lock().map_err(|e| other("lock", &staging, e))?;
        let may_replace = force || replaceable(target);
        let out = OutDir { target: target.to_path_buf(), parent, staging, may_replace, _lock: lock, done: false };
        out.remove_stale(&name)?;
        drop(guard);
        Ok(out)
    }

    /// Where to write a file of the output.
    pub fn file(&self, name: &str) -> PathBuf {
        self.staging.join(name)
    }

    /// Removes the staging directories of runs on the same `--out` that are gone (the caller
    /// holds the parent's lock).
    fn remove_stale(&self, name: &str) -> Result<()> {
        let prefix = staging_prefix(name);
        for entry in fs::read_dir(&self.parent).map_err(|e| other("list", &self.parent, e))?.flatten() {
            let path = entry.path();
            let stale = entry.file_name().to_string_lossy().starts_with(&prefix)
                && path != self.staging
                && path.is_dir()
                && match File::open(path.join(LOCK)) {
                    // its run holds the lock while it lives
                    Ok(lock) => lock.try_lock().is_ok(),
                    // no lock file: an output set aside by a commit that did not finish
                    Err(_) => true,
                };
            if stale {
                let _ = fs::remove_dir_all(&path);
            }
        }
        Ok(())
    }

    /// Moves the finished output into place, replacing what was there.
    pub fn commit(mut self) -> Result<PathBuf> {
        sync_tree(&self.staging)?;
        let parent = lock_dir(&self.parent)?;
        fs::remove_file(self.staging.join(LOCK)).map_err(|e| other("remove the lock of", &self.staging, e))?;
        let name = self.target.file_name().map_or_else(|| "out".into(), |n| n.to_string_lossy().to_string());
        // what another run put at --out since this one began (checked under the parent's lock,
        // so that of two runs racing for a new --out the second to commit fails, not replaces)
        if self.target.exists() {
            let non_empty =
                !self.target.is_dir() || fs::read_dir(&self.target).map_err(Failure::other)?.next().is_some();
            if non_empty && !self.may_replace {
                return Err(Failure::input(format!(
                    "--out {}: another run wrote an output there while this one ran; nothing was replaced: \
                     choose a new directory, or pass --force to replace it",
                    self.target.display()
                )));
            }
            if non_empty {
                refuse_foreign(&self.target)?;
            }
        }
        let aside = if self.target.exists() {
            // an empty directory with a unique name, which the old output replaces
            let aside = tempfile::Builder::new()
                .prefix(&staging_prefix(&name))
                .tempdir_in(&self.parent)
                .map_err(|e| other("create a directory in", &self.parent, e))?
                .keep();
            fs::rename(&self.target, &aside).map_err(|e| other("set aside", &self.target, e))?;
            Some(aside)
        } else {
            None
        };
        fs::rename(&self.staging, &self.target).map_err(|e| other("move the output into", &self.target, e))?;
        parent.sync_all().map_err(|e| other("sync", &self.parent, e))?;
        self.done = true;
        crate::signals::unregister(&self.staging);
        if let Some(aside) = aside {
            let _ = fs::remove_dir_all(aside);
        }
        Ok(self.target.clone())
    }
}

/// Refuses to replace a non-empty `target` that holds no dianzhi output (a `manifest.json`, or
/// the subdirectory outputs of a demo): `--force` replaces outputs, never a directory of the
/// user's own files.
fn refuse_foreign(target: &Path) -> Result<()> {
    if !target.is_dir() {
        return Err(Failure::input(format!(
            "--out {}: exists and is not a directory; choose another path",
            target.display()
        )));
    }
    if target.join("manifest.json").is_file() {
        return Ok(());
    }
    let mut names: Vec<String> = fs::read_dir(target)
        .map_err(|e| other("list", target, e))?
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let shown = names.iter().take(3).cloned().collect::<Vec<_>>().join(", ");
    let more = if names.len() > 3 { format!(" and {} more", names.len() - 3) } else { String::new() };
    Err(Failure::input(format!(
        "--out {}: holds {shown}{more} but no dianzhi output (no manifest.json); --force replaces an earlier \
         output of dianzhi, never other files: choose a new directory",
        target.display()
    )))
}

/// Refuses a file output (`export`'s workbook, `report`'s page) of the output directory `dir`
/// that would replace what was read: `dir`'s own tables and manifest, and every input its
/// manifest lists; and, when `dir` is no dianzhi output (no manifest), anything inside `dir`.
pub fn refuse_file_over_inputs(out: &Path, dir: &Path) -> Result<()> {
    if out.is_dir() {
        return Err(Failure::input(format!("--out {}: is a directory; name a file", out.display())));
    }
    let manifest = dir.join("manifest.json");
    let mut inputs: Vec<PathBuf> = Vec::new();
    if manifest.is_file() {
        for entry in fs::read_dir(dir).map_err(|e| other("list", dir, e))?.flatten() {
            let path = entry.path();
            let table = matches!(
                dianzhi_columnar::read::source::Format::of(&path),
                Some(dianzhi_columnar::read::source::Format::Parquet | dianzhi_columnar::read::source::Format::Csv)
            );
            if path.is_file() && (table || path == manifest) {
                inputs.push(path);
            }
        }
        inputs.extend(manifest_inputs(&manifest));
    } else {
        inputs.push(dir.to_path_buf());
    }
    let refs: Vec<&Path> = inputs.iter().map(PathBuf::as_path).collect();
    refuse_inputs(out, &refs)
}

/// The inputs a `manifest.json` lists, made absolute against the directory its run worked in
/// (recorded as `working_directory`; an older manifest's relative paths are taken from here).
fn manifest_inputs(manifest: &Path) -> Vec<PathBuf> {
    let Ok(text) = fs::read_to_string(manifest) else {
        return Vec::new();
    };
    let Ok(doc) = serde_json::from_str::<serde_json::Value>(&text) else {
        return Vec::new();
    };
    let base = doc.get("working_directory").and_then(|v| v.as_str()).map(PathBuf::from);
    doc.get("inputs")
        .and_then(|v| v.as_array())
        .into_iter()
        .flatten()
        .filter_map(|i| i.get("path").and_then(|p| p.as_str()))
        .map(|p| match &base {
            Some(base) if Path::new(p).is_relative() => base.join(p),
            _ => PathBuf::from(p),
        })
        .collect()
}

/// Refuses an output path that is, holds or lies inside an input (a file, directory or the
/// matches of a glob), or that is the working directory or one above it: replacing it would
/// delete what the run reads, and `--force` replaces outputs, never inputs. Checked before
/// anything is read or written.
pub fn refuse_inputs(target: &Path, inputs: &[&Path]) -> Result<()> {
    let out = absolute(target)?;
    let here = std::env::current_dir().and_then(|d| d.canonicalize()).map_err(Failure::other)?;
    if here.starts_with(&out) {
        return Err(Failure::input(format!(
            "--out {}: is the working directory{}; an output replaces its directory whole: name a new directory, e.g. --out ./settled",
            target.display(),
            if here == out { "" } else { " or a directory above it" }
        )));
    }
    for input in inputs {
        for path in dianzhi_columnar::read::source::named_paths(input) {
            let p = absolute(&path)?;
            let relation = if p == out {
                "is"
            } else if p.starts_with(&out) {
                "holds"
            } else if out.starts_with(&p) {
                "lies inside"
            } else {
                continue;
            };
            return Err(Failure::input(format!(
                "--out {}: {relation} the input {}; --force replaces outputs, never inputs: choose an --out apart from the inputs",
                target.display(),
                path.display()
            )));
        }
    }
    Ok(())
}

/// `path` made absolute: `.` and `..` taken as written, then links resolved as far as the
/// path exists.
fn absolute(path: &Path) -> Result<PathBuf> {
    absolute_at(path, 0)
}

/// [`absolute`], `depth` links deep (a loop of links ends after 40).
fn absolute_at(path: &Path, depth: u32) -> Result<PathBuf> {
    use std::path::Component;
    let joined = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir().map_err(Failure::other)?.join(path)
    };
    let mut clean = PathBuf::new();
    for c in joined.components() {
        match c {
            Component::ParentDir => {
                clean.pop();
            }
            Component::CurDir => {}
            c => clean.push(c),
        }
    }
    let mut existing = clean.as_path();
    let mut rest = Vec::new();
    while existing.canonicalize().is_err() {
        // a dangling link is followed: its target is where the output would be written
        if let Ok(target) = fs::read_link(existing) {
            let mut followed = existing.parent().map(|p| p.join(&target)).unwrap_or(target);
            for name in rest.into_iter().rev() {
                followed.push(name);
            }
            return if depth < 40 { absolute_at(&followed, depth + 1) } else { Ok(followed) };
        }
        match (existing.parent(), existing.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_os_string());
                existing = parent;
            }
            _ => break,
        }
    }
    let mut base = existing.canonicalize().unwrap_or_else(|_| existing.to_path_buf());
    for name in rest.into_iter().rev() {
        base.push(name);
    }
    Ok(base)
}

/// A file made through a temporary file (private to its owner) made readable as any file the
/// user writes (rw-r--r--): a report or a workbook is meant to be passed on.
pub fn readable(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = fs::set_permissions(path, fs::Permissions::from_mode(0o644));
    }
}

/// An exclusive lock on a directory (the parent of `--out`): creations, clean-ups and commits
/// take turns. Released when the returned handle drops.
fn lock_dir(dir: &Path) -> Result<File> {
    let handle = File::open(dir).map_err(|e| other("open", dir, e))?;
    handle.lock().map_err(|e| other("lock", dir, e))?;
    Ok(handle)
}

/// `.NAME.dianzhi-tmp-`: the prefix of a run's staging directory for `--out NAME`.
fn staging_prefix(name: &str) -> String {
    format!(".{name}.dianzhi-tmp-")
}

/// fsyncs every file below `dir`, then each directory.
fn sync_tree(dir: &Path) -> Result<()> {
    for entry in fs::read_dir(dir).map_err(|e| other("list", dir, e))?.flatten() {
        let path = entry.path();
        if path.is_dir() {
            sync_tree(&path)?;
        } else {
            File::open(&path).and_then(|f| f.sync_all()).map_err(|e| other("sync", &path, e))?;
        }
    }
    File::open(dir).and_then(|d| d.sync_all()).map_err(|e| other("sync", dir, e))
}

impl Drop for OutDir {
    fn drop(&mut self) {
        if !self.done {
            let _ = fs::remove_dir_all(&self.staging);
            crate::signals::unregister(&self.staging);
        }
    }
}

/// Refuses to replace an existing file that is no output of dianzhi (`is_output` says what one
/// looks like): `--force` replaces outputs, never a file of the user's own.
pub fn refuse_foreign_file(out: &Path, what: &str, is_output: impl Fn(&Path) -> bool) -> Result<()> {
    if out.is_file() && !is_output(out) {
        return Err(Failure::input(format!(
            "--out {}: the file exists and is no {what} of dianzhi; dianzhi replaces its own outputs, never other files: choose another path",
            out.display()
        )));
    }
    Ok(())
}
