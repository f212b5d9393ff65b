//! `manifest.json`: what was run, on which inputs (with SHA-256), with which config, what came
//! out, and how long each phase took. The audit trail of a clearing run.

use std::path::Path;

use dianzhi_core::Config;
use serde_json::{json, Map, Value};

use crate::failure::{Failure, Result};
use crate::progress::Phase;

pub struct Manifest {
    doc: Map<String, Value>,
    inputs: Vec<Value>,
    outputs: Vec<Value>,
}

impl Manifest {
    pub fn new(command: &str, config: &Config) -> Self {
        let mut doc = Map::new();
        doc.insert(
            "program".into(),
            json!({ "name": "dianzhi", "version": env!("CARGO_PKG_VERSION"), "commit": env!("DIANZHI_COMMIT") }),
        );
        doc.insert("command".into(), json!(command));
        // the inputs' relative paths are relative to it (export and report check their outputs
        // against the inputs a manifest lists)
        if let Ok(here) = std::env::current_dir() {
            doc.insert("working_directory".into(), json!(here.display().to_string()));
        }
        doc.insert("config".into(), serde_json::to_value(config).expect("config serialises"));
        Manifest { doc, inputs: Vec::new(), outputs: Vec::new() }
    }

    pub fn input(&mut self, role: &str, path: &Path, sha256: String, rows: u64) {
        self.inputs.push(json!({ "role": role, "path": path.display().to_string(), "sha256": sha256, "rows": rows }));
    }

    pub fn output(&mut self, file: &str, rows: usize, sha256: String) {
        self.outputs.push(json!({ "file": file, "rows": rows, "sha256": sha256 }));
    }

    pub fn set(&mut self, key: &str, value: Value) {
        self.doc.insert(key.into(), value);
    }

    pub fn finish(mut self, path: &Path, phases: Vec<Phase>) -> Result<()> {
        self.doc.insert("inputs".into(), Value::Array(self.inputs));
        self.doc.insert("outputs".into(), Value::Array(self.outputs));
        self.doc.insert("phases".into(), serde_json::to_value(phases).expect("phases serialise"));
        let text = serde_json::to_string_pretty(&Value::Object(self.doc)).expect("manifest serialises");
        std::fs::write(path, text + "\n").map_err(|e| Failure::other(format!("cannot write {}: {e}", path.display())))
    }
}

/// A total for the manifest, summed without wrapping: `None` beyond 128-bit integers (each
/// pool's figures are checked; only a sum over many pools could get there).
pub fn total(values: impl IntoIterator<Item = i128>) -> Option<i128> {
    values.into_iter().try_fold(0i128, i128::checked_add)
}

/// A total written at `scale` decimals, or said to be too large.
pub fn fixed_text(v: Option<i128>, scale: u32) -> String {
    v.map_or_else(|| "beyond 128-bit integers".to_string(), |v| dianzhi_core::number::format_fixed(v, scale))
}

/// The SHA-256 of an input file (of the workbook, for a sheet `file.xlsx#Sheet`).
pub fn sha256_file(path: &Path) -> Result<String> {
    Ok(dianzhi_columnar::read::digest::sha256_file(path)?)
}
