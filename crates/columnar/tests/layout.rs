//! The crate reads bottom-up: `read` needs nothing above it, `write` only `read`, and the two
//! systems (`taiwan`, `dip`) build on both but not on each other; no module imports one that
//! imports it back. Checked from the sources, so a new import that breaks the order fails here.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Each module's path (`read::scan`) and the modules its non-test code names.
fn imports() -> BTreeMap<String, BTreeSet<String>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out = BTreeMap::new();
    let mut stack = vec![root.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let rel = path.strip_prefix(&root).unwrap().with_extension("");
            let name = rel.to_string_lossy().replace('/', "::");
            let name = name.trim_end_matches("::mod").to_string();
            if name == "lib" {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let code = text.split("#[cfg(test)]").next().unwrap();
            let parent = name.rsplit_once("::").map_or("", |(p, _)| p);
            let mut names = BTreeSet::new();
            for (prefix, base) in [("crate::", ""), ("super::", parent)] {
                for (at, _) in code.match_indices(prefix) {
                    let rest = &code[at + prefix.len()..];
                    let word: String = rest.chars().take_while(|c| c.is_ascii_lowercase() || *c == '_').collect();
                    if word.is_empty() {
                        continue;
                    }
                    let full = if base.is_empty() { word } else { format!("{base}::{word}") };
                    if full != name {
                        names.insert(full);
                    }
                }
            }
            out.insert(name, names);
        }
    }
    out
}

fn top(module: &str) -> &str {
    module.split("::").next().unwrap()
}

#[test]
fn layers_point_down() {
    let allowed: BTreeMap<&str, &[&str]> = BTreeMap::from([
        ("error", &[][..]),
        ("read", &["error", "read"][..]),
        ("write", &["error", "read", "write"][..]),
        ("taiwan", &["error", "read", "write", "taiwan"][..]),
        ("dip", &["error", "read", "write", "dip"][..]),
    ]);
    let imports = imports();
    assert!(imports.len() > 20, "the sources were found: {:?}", imports.keys());
    for (module, names) in &imports {
        let ok = allowed[top(module)];
        for name in names {
            assert!(ok.contains(&top(name)), "{module} imports {name}: {} may use only {ok:?}", top(module));
        }
    }
}

#[test]
fn no_module_imports_one_that_imports_it_back() {
    let imports = imports();
    // depth-first search for a cycle through the modules' imports (a name resolves to the
    // module itself, or to the parent module whose re-export it is)
    fn visit<'a>(
        m: &'a str,
        imports: &'a BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<&'a str>,
        done: &mut BTreeSet<&'a str>,
    ) {
        if done.contains(m) {
            return;
        }
        if let Some(at) = path.iter().position(|p| *p == m) {
            panic!("import circle: {} → {m}", path[at..].join(" → "));
        }
        path.push(m);
        for next in imports.get(m).into_iter().flatten() {
            // a parent module's re-exports are not an edge back into it
            if m.starts_with(&format!("{next}::")) || !imports.contains_key(next.as_str()) {
                continue;
            }
            visit(next, imports, path, done);
        }
        path.pop();
        done.insert(m);
    }
    let mut done = BTreeSet::new();
    for m in imports.keys() {
        visit(m, &imports, &mut Vec::new(), &mut done);
    }
}
