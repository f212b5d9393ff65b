//! Refusals that name what they refuse: every offending row, pool or hospital is counted, the
//! first few are listed in the message (both systems' errors use it).

/// How many offending items an error message lists before it only counts them.
pub(crate) const LISTED: usize = 20;

/// The listed items, one per line, and how many more there were.
pub(crate) fn list(items: &[String], count: usize) -> String {
    let mut s: String = items.iter().map(|i| format!("  {i}\n")).collect();
    if count > items.len() {
        s.push_str(&format!("  … and {} more\n", count - items.len()));
    }
    s.trim_end().to_string()
}

/// Collects at most [`LISTED`] messages while counting all of them.
#[derive(Default)]
pub(crate) struct Offenders {
    pub(crate) items: Vec<String>,
    pub(crate) count: usize,
}

impl Offenders {
    pub(crate) fn push(&mut self, item: impl FnOnce() -> String) {
        if self.items.len() < LISTED {
            self.items.push(item());
        }
        self.count += 1;
    }
}
