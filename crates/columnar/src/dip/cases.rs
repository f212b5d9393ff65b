//! Scanning discharged cases: each case is scored as it is read (through the core's
//! [`Scorer`]) and summed per (hospital, region, fund, month); the group, average and
//! institution tables are looked up in memory. Workers pull units (Parquet row groups, CSV
//! files) as in the claims scan; the sums are exact integers, so the result does not depend on
//! thread count, row order or file split.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::hash::BuildHasher;
use std::sync::atomic::{AtomicUsize, Ordering};

use dianzhi_core::dip::clearing::{CaseSums, DipPoolKey};
use dianzhi_core::dip::presettle::MonthCases;
use dianzhi_core::dip::score::{CaseType, Scored, Scorer, Unscorable};
use dianzhi_core::number::{show, MoneyUnit, ONE};
use dianzhi_core::period::Month;
use rayon::prelude::*;

use super::catalog::Catalog;
use super::spill::{CaseSpill, SpillCase, SpillWriter};
use super::tables::{Decision, SpecialDecisions};
use crate::error::{InputError, Place, Result};
use crate::read::digest::FileRows;
use crate::read::digest::{Digests, FileDigest, Hashing};
use crate::read::source::Source;
use crate::read::{self, at, cell_error, optional, required, Batch, Interner, Kind, Layout, Spec, Unit};

pub const CASES: [Spec; 13] = [
    required("case_id", Kind::Text),
    required("institution_id", Kind::Text),
    required("region", Kind::Text),
    required("fund", Kind::Text),
    required("discharge_month", Kind::Month),
    required("dip_group", Kind::Text),
    required("total_cost", Kind::Money),
    required("fund_paid", Kind::Money),
    optional("aux_factor", Kind::Points),
    optional("special_score", Kind::Points),
    optional("exam_cost", Kind::Money),
    optional("excluded_cost", Kind::Money),
    optional("excluded_fund_paid", Kind::Money),
];
const CASE_ID: usize = at(&CASES, "case_id");
const INSTITUTION: usize = at(&CASES, "institution_id");
const REGION: usize = at(&CASES, "region");
const FUND: usize = at(&CASES, "fund");
const MONTH: usize = at(&CASES, "discharge_month");
const GROUP: usize = at(&CASES, "dip_group");
const COST: usize = at(&CASES, "total_cost");
const PAID: usize = at(&CASES, "fund_paid");
const AUX: usize = at(&CASES, "aux_factor");
const SPECIAL: usize = at(&CASES, "special_score");
const EXAM: usize = at(&CASES, "exam_cost");
const EXCLUDED_COST: usize = at(&CASES, "excluded_cost");
const EXCLUDED_PAID: usize = at(&CASES, "excluded_fund_paid");

/// What a scan is for.
#[derive(Clone, Copy)]
pub struct ScanOptions<'a> {
    /// Only cases discharged in this year are scored and summed (all are checked).
    pub year: Option<i32>,
    /// Where every scored case goes for the `cases` output, if it is written.
    pub spill: Option<&'a CaseSpill>,
    /// Whether each file's SHA-256 is computed (for the manifest) from the bytes read.
    pub hashing: Hashing,
    /// Special-case decisions (特病单议, `--special`), replacing the cases' special_score cells.
    pub special: Option<&'a SpecialDecisions>,
}

pub struct CaseScan {
    /// Sorted by institution, pool, month.
    pub sums: Vec<MonthCases>,
    pub files: Vec<FileRows>,
    pub rows: u64,
    /// Cases left out by `ScanOptions::year`, per year of discharge.
    pub other_years: BTreeMap<i32, u64>,
}

/// Where a cell is: file index, row or line number, CSV or not.
type At = (usize, u64, bool);

/// Lookups that failed, each with the first place it failed at (reported after the scan).
#[derive(Default)]
struct Problems {
    unlisted: BTreeMap<(String, String), At>,
    unknown_groups: BTreeMap<String, At>,
    no_average: BTreeMap<(String, String), At>,
}

impl Problems {
    fn merge(&mut self, other: Problems) {
        fn first<K: Ord>(into: &mut BTreeMap<K, At>, from: BTreeMap<K, At>) {
            for (k, at) in from {
                let e = into.entry(k).or_insert(at);
                *e = (*e).min(at);
            }
        }
        first(&mut self.unlisted, other.unlisted);
        first(&mut self.unknown_groups, other.unknown_groups);
        first(&mut self.no_average, other.no_average);
    }
}

/// (institution, region, fund, month code) as interned ids.
type LocalKey = (u32, u32, u32);

/// What a worker knows of one (institution, region, fund): the hospital's terms, the output
/// rank of its cases, and its sums per discharge month (a year has twelve: a short list).
struct Slot {
    terms: Option<u32>,
    rank: Option<u32>,
    months: Vec<(i32, CaseSums)>,
}

/// One worker's state over the units it reads.
struct Worker {
    texts: Interner,
    /// Per interned text: its group index if looked up (`Some(None)`: not in the catalogue).
    group_of: Vec<Option<Option<u32>>>,
    /// One lookup per case: its (institution, region, fund) slot.
    slot_of: HashMap<LocalKey, u32, foldhash::fast::FixedState>,
    slots: Vec<Slot>,
    hashes: Vec<u64>,
    spill: Option<SpillWriter>,
    problems: Problems,
    rows: Vec<u64>,
    other_years: BTreeMap<i32, u64>,
    /// Which special decisions met their case.
    decided: Vec<bool>,
}

/// The hash of a case_id in the duplicate check (fixed seed: the same in every worker).
fn case_hash(id: &str) -> u64 {
    foldhash::fast::FixedState::with_seed(0x6469_616e_7a68_6921).hash_one(id)
}

/// Refuses an optional column that some files have and others lack: the default of a missing
/// column (aux_factor 1, no special score, exam cost 0) would stand for values the other files
/// show exist — a year's exam shares would fall and its flags vanish.
fn same_optional_columns(sources: &[Source], layouts: &[Layout]) -> Result<()> {
    for (c, spec) in CASES.iter().enumerate().filter(|(_, s)| !s.required) {
        let (with, without): (Vec<usize>, Vec<usize>) =
            (0..sources.len()).partition(|&f| layouts[f].columns[c].is_some());
        if with.is_empty() || without.is_empty() {
            continue;
        }
        let names = |files: &[usize]| {
            let mut shown: Vec<String> = files.iter().take(3).map(|&f| sources[f].path.display().to_string()).collect();
            if files.len() > 3 {
                shown.push(format!("and {} more", files.len() - 3));
            }
            shown.join(", ")
        };
        return Err(crate::error::Error::Input(InputError::file(
            &sources[without[0]].path,
            format!(
                "has no column {name} while {} of the cases files have it ({}); {} file(s) lack it ({}): \
                 give every file the column (or none), so that no case counts as without it",
                with.len(),
                names(&with),
                without.len(),
                names(&without),
                name = spec.name
            ),
        )));
    }
    Ok(())
}

/// Refuses decisions whose case_id no case has, naming their rows.
fn undecided(special: &SpecialDecisions, decided: &[bool]) -> Result<()> {
    let missing: Vec<String> = special
        .decisions
        .iter()
        .zip(decided)
        .filter(|(_, seen)| !**seen)
        .map(|((_, id, at), _)| format!("  {at}: case_id {id}"))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let shown = missing.iter().take(10).cloned().collect::<Vec<_>>().join("\n");
    let more = if missing.len() > 10 { format!("\n  … and {} more", missing.len() - 10) } else { String::new() };
    let path = special.source.as_ref().map(|s| s.path.clone()).unwrap_or_default();
    Err(crate::error::Error::Input(InputError::file(
        &path,
        format!(
            "{} decision(s) name a case that is not among the cases:\n{shown}{more}\ncheck the case_ids (or the --year)",
            missing.len()
        ),
    )))
}

/// Reads, scores and sums every case.
pub fn scan_cases(
    sources: &[Source],
    catalog: &Catalog,
    scorer: &Scorer,
    unit: MoneyUnit,
    options: ScanOptions,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<CaseScan> {
    let mut units: Vec<(usize, Layout, Unit)> = Vec::new();
    let mut layouts = Vec::with_capacity(sources.len());
    // the columns carried through to the cases output (--keep): required in every file
    let mut specs = CASES.to_vec();
    for name in options.spill.map(CaseSpill::keep).unwrap_or_default() {
        specs.push(required(Box::leak(name.clone().into_boxed_str()), Kind::Text));
    }
    for (f, source) in sources.iter().enumerate() {
        let (layout, file_units) = read::open(source, &specs)?;
        units.extend(file_units.into_iter().map(|u| (f, layout.clone(), u)));
        layouts.push(layout);
    }
    same_optional_columns(sources, &layouts)?;
    for (source, layout) in sources.iter().zip(&layouts) {
        if layout.columns[EXCLUDED_COST].is_some() != layout.columns[EXCLUDED_PAID].is_some() {
            let (has, lacks) = if layout.columns[EXCLUDED_COST].is_some() {
                ("excluded_cost", "excluded_fund_paid")
            } else {
                ("excluded_fund_paid", "excluded_cost")
            };
            return Err(crate::error::Error::Input(InputError::file(
                &source.path,
                format!("has the column {has} but not {lacks}: items paid outside the points (除外支付) need both"),
            )));
        }
    }
    let digests = Digests::new(options.hashing, sources, units.iter().map(|(f, _, u)| (*f, u.span(true))));
    let next = AtomicUsize::new(0);
    let workers = rayon::current_num_threads().min(units.len()).max(1);
    let scan = || {
        (0..workers)
            .into_par_iter()
            .map(|_| {
                let mut w = Worker {
                    texts: Interner::default(),
                    group_of: Vec::new(),
                    slot_of: HashMap::default(),
                    slots: Vec::new(),
                    hashes: Vec::new(),
                    spill: options.spill.map(CaseSpill::writer),
                    problems: Problems::default(),
                    rows: vec![0; sources.len()],
                    other_years: BTreeMap::new(),
                    decided: vec![false; options.special.map_or(0, |s| s.decisions.len())],
                };
                loop {
                    let at = next.fetch_add(1, Ordering::Relaxed);
                    let Some((f, layout, u)) = units.get(at) else {
                        if let (Some(spill), Some(writer)) = (options.spill, w.spill.take()) {
                            spill.finish(writer)?;
                        }
                        return Ok(w);
                    };
                    let digest = digests.as_ref().map(|d| &d.files[*f]);
                    scan_unit(&mut w, *f, layout, u, digest, catalog, scorer, unit, options, progress)?;
                }
            })
            .collect::<Result<Vec<Worker>>>()
    };
    let (done, digested) = Digests::beside(digests.as_ref(), sources.len(), scan)?;

    let mut problems = Problems::default();
    let mut files: Vec<FileRows> =
        sources.iter().zip(digested).map(|(s, sha256)| FileRows { path: s.path.clone(), rows: 0, sha256 }).collect();
    let mut hashes = Vec::with_capacity(done.len());
    let mut sums: BTreeMap<(String, DipPoolKey, Month), CaseSums> = BTreeMap::new();
    let mut other_years: BTreeMap<i32, u64> = BTreeMap::new();
    let mut decided = vec![false; options.special.map_or(0, |s| s.decisions.len())];
    for w in &done {
        for (d, seen) in decided.iter_mut().zip(&w.decided) {
            *d |= seen;
        }
    }
    if let Some(special) = options.special {
        undecided(special, &decided)?;
    }
    for mut w in done {
        for (y, n) in &w.other_years {
            *other_years.entry(*y).or_default() += n;
        }
        for (f, rows) in files.iter_mut().zip(&w.rows) {
            f.rows += rows;
        }
        hashes.push(std::mem::take(&mut w.hashes));
        let name = |id: u32| w.texts.names[id as usize].to_string();
        let months = w
            .slot_of
            .iter()
            .flat_map(|(key, slot)| w.slots[*slot as usize].months.iter().map(move |(code, s)| (key, code, s)));
        for ((inst, region, fund), code, s) in months {
            let month = Month { year: code.div_euclid(12), month: (code.rem_euclid(12) + 1) as u8 };
            let pool = DipPoolKey { region: name(*region), fund: name(*fund), year: month.year };
            sums.entry((name(*inst), pool, month)).or_default().add(s).map_err(|e| {
                InputError::file(
                    &sources[0].path,
                    format!("{e}: the case sums of institution {} exceed 128-bit integers", name(*inst)),
                )
            })?;
        }
        problems.merge(w.problems);
    }
    report_problems(sources, &problems)?;
    check_unique_ids(sources, hashes)?;
    let sums = sums
        .into_iter()
        .map(|((institution_id, pool, month), sums)| MonthCases { institution_id, pool, month, sums })
        .collect();
    let rows = files.iter().map(|f| f.rows).sum();
    Ok(CaseScan { sums, files, rows, other_years })
}

#[allow(clippy::too_many_arguments)]
fn scan_unit(
    w: &mut Worker,
    file: usize,
    layout: &Layout,
    unit: &Unit,
    digest: Option<&FileDigest>,
    catalog: &Catalog,
    scorer: &Scorer,
    money: MoneyUnit,
    options: ScanOptions,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<()> {
    let mut periods = Interner::default();
    let mut parsed: Vec<Option<Month>> = Vec::new();
    let (mut inst, mut region, mut fund, mut group) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut months = Vec::new();
    let mut numbers: [Vec<i128>; 7] = Default::default();
    // which number buffers hold only zeros (an absent column's): refilled only when they grow
    let mut zeroed = [false; 7];
    let mut scratch = Vec::new();
    read::read_unit_hashed(unit, digest, |batch: &Batch| -> Result<()> {
        let path = &unit.source.path;
        let col = |k: usize| layout.columns[k].map(|c| batch.data.column(c).as_ref());
        let err = |k: usize, i: usize, m: String| cell_error(path, batch, &layout.specs[k], i, m);
        let at = |i: usize| (file, batch.row(i), batch.is_csv());

        let ids = read::texts(col(CASE_ID).expect("required"));
        let kept_columns: Vec<Vec<Option<&str>>> =
            (CASES.len()..layout.specs.len()).map(|k| read::texts(col(k).expect("required"))).collect();
        let mut kept: Vec<Option<&str>> = Vec::with_capacity(kept_columns.len());
        for (k, out) in [(INSTITUTION, &mut inst), (REGION, &mut region), (FUND, &mut fund)] {
            if let Some(i) = read::text_ids(col(k).expect("required"), &mut w.texts, k, out) {
                let name = layout.specs[k].name;
                return Err(err(k, i, format!("empty {name}; every case needs a non-empty {name}")).into());
            }
        }
        // an empty group is an ungrouped case, not an error
        read::text_ids(col(GROUP).expect("required"), &mut w.texts, GROUP, &mut group);
        read::month_values(col(MONTH).expect("required"), MONTH, &mut periods, &mut parsed, &mut months)
            .map_err(|(i, m)| err(MONTH, i, m))?;
        for (n, k) in [COST, PAID, AUX, SPECIAL, EXAM, EXCLUDED_COST, EXCLUDED_PAID].into_iter().enumerate() {
            match col(k) {
                Some(a) => {
                    if layout.specs[k].required {
                        if let Some(i) = read::first_null(a) {
                            let name = layout.specs[k].name;
                            return Err(err(k, i, format!("empty {name}; give an amount (0 if none)")).into());
                        }
                    }
                    // the column's own values (DECIMAL(_, 4) without nulls) or converted ones
                    let values = read::fixed_values(a, &mut scratch).map_err(|(i, m)| err(k, i, m))?;
                    numbers[n].clear();
                    numbers[n].extend_from_slice(values);
                    zeroed[n] = false;
                }
                None if zeroed[n] && numbers[n].len() >= batch.len() => {}
                None => {
                    numbers[n].clear();
                    numbers[n].resize(batch.len(), 0);
                    zeroed[n] = true;
                }
            }
        }
        let aux_null = |i: usize| col(AUX).is_none_or(|a| a.is_null(i));
        let special_given = |i: usize| col(SPECIAL).is_some_and(|a| !a.is_null(i));
        if w.group_of.len() < w.texts.names.len() {
            w.group_of.resize(w.texts.names.len(), None);
        }

        for i in 0..batch.len() {
            let Some(case_id) = ids[i].filter(|t| !t.trim().is_empty()) else {
                return Err(err(CASE_ID, i, "empty case_id; every case needs a unique case_id".into()).into());
            };
            w.hashes.push(case_hash(case_id));
            let decision = options.special.and_then(|d| d.by_case.get(case_id.trim()).copied()).map(|k| {
                w.decided[k as usize] = true;
                options.special.expect("looked up").decisions[k as usize].0
            });
            let Some(month) = months[i] else {
                return Err(err(MONTH, i, "empty discharge_month; give YYYY-MM or a date".into()).into());
            };
            let (cost, paid) = (numbers[0][i], numbers[1][i]);
            for (k, v) in [(COST, cost), (PAID, paid)] {
                read::check_money(v, money).map_err(|m| err(k, i, m))?;
                if v < 0 {
                    let name = layout.specs[k].name;
                    return Err(err(k, i, format!("{} is negative; a case's {name} is ≥ 0", show(v))).into());
                }
            }
            let aux = if aux_null(i) { ONE } else { numbers[2][i] };
            if aux <= 0 {
                return Err(err(AUX, i, format!("{} must be > 0 (辅助目录系数; empty means 1)", show(aux))).into());
            }
            let special = special_given(i).then_some(numbers[3][i]);
            if special.is_some_and(|s| s < 0) {
                return Err(
                    err(SPECIAL, i, format!("{} is negative; a special score is ≥ 0", show(numbers[3][i]))).into()
                );
            }
            // a decision replaces the special_score cell
            let special = match decision {
                Some(Decision::Score(s)) => Some(s),
                Some(Decision::Reject) => None,
                Some(Decision::AtCost) | None => special,
            };
            let exam = numbers[4][i];
            read::check_money(exam, money).map_err(|m| err(EXAM, i, m))?;
            if exam < 0 || exam > cost {
                return Err(err(
                    EXAM,
                    i,
                    format!(
                        "{} is outside [0, total_cost {}]; exam and lab cost is part of the case's cost",
                        show(exam),
                        show(cost)
                    ),
                )
                .into());
            }
            if paid > cost {
                return Err(err(
                    PAID,
                    i,
                    format!(
                        "{} is above the case's total_cost {}; the fund pays at most the case's cost",
                        show(paid),
                        show(cost)
                    ),
                )
                .into());
            }
            // items paid outside the points (除外支付): excluded_fund_paid ≤ fund_paid, and
            // excluded_fund_paid ≤ excluded_cost ≤ total_cost
            let (excluded_cost, excluded_paid) = (numbers[5][i], numbers[6][i]);
            for (k, v) in [(EXCLUDED_COST, excluded_cost), (EXCLUDED_PAID, excluded_paid)] {
                read::check_money(v, money).map_err(|m| err(k, i, m))?;
            }
            if excluded_cost < 0 || excluded_cost > cost {
                return Err(err(
                    EXCLUDED_COST,
                    i,
                    format!(
                        "{} is outside [0, total_cost {}]; the excluded items are part of the case's cost",
                        show(excluded_cost),
                        show(cost)
                    ),
                )
                .into());
            }
            if excluded_paid < 0 || excluded_paid > paid || excluded_paid > excluded_cost {
                return Err(err(
                    EXCLUDED_PAID,
                    i,
                    format!(
                        "{} is outside [0, min(fund_paid {}, excluded_cost {})]; the fund pays at most the excluded items' cost, out of what it pays for the case",
                        show(excluded_paid),
                        show(paid),
                        show(excluded_cost)
                    ),
                )
                .into());
            }
            if options.year.is_some_and(|y| y != month.year) {
                *w.other_years.entry(month.year).or_default() += 1;
                continue;
            }
            let (h, r, f) = (inst[i].expect("checked"), region[i].expect("checked"), fund[i].expect("checked"));
            let slot = *w.slot_of.entry((h, r, f)).or_insert_with(|| {
                let names = &w.texts.names;
                let (h, r, f) = (&*names[h as usize], &*names[r as usize], &*names[f as usize]);
                w.slots.push(Slot {
                    terms: catalog.term_id(h, f),
                    rank: options.spill.and_then(|s| s.rank(r, f, h)),
                    months: Vec::new(),
                });
                (w.slots.len() - 1) as u32
            });
            let Some(terms) = w.slots[slot as usize].terms else {
                let key = (w.texts.names[h as usize].to_string(), w.texts.names[f as usize].to_string());
                w.problems.unlisted.entry(key).or_insert(at(i));
                continue;
            };
            let (t, level) = catalog.terms_at(terms);
            let g = match group[i].filter(|g| !w.texts.blank[*g as usize]) {
                None => None,
                Some(g) => {
                    let slot = &mut w.group_of[g as usize];
                    let found = *slot.get_or_insert_with(|| catalog.group_id(&w.texts.names[g as usize]));
                    match found {
                        Some(index) => Some((g, index)),
                        None => {
                            w.problems.unknown_groups.entry(w.texts.names[g as usize].to_string()).or_insert(at(i));
                            continue;
                        }
                    }
                }
            };
            let entry = g.map(|(_, index)| catalog.group(index).1);
            let avg = g.and_then(|(_, index)| catalog.average(index, *level));
            // classified and scored on the cost without the excluded items; a decision may pay it at cost
            let scored = match decision {
                Some(Decision::AtCost) => Ok(Scored { kind: CaseType::AtCost, score: 0, avg: None, ratio: None }),
                _ => scorer.case(special, entry, (aux, t.coefficient, &t.level), cost - excluded_cost, avg),
            };
            let scored = match scored {
                Ok(s) => s,
                Err(Unscorable::NoAverage) => {
                    let code = catalog.group(g.expect("grouped").1).0.to_string();
                    w.problems.no_average.entry((code, t.level.clone())).or_insert(at(i));
                    continue;
                }
                Err(Unscorable::Ungrouped) => {
                    return Err(err(
                        GROUP,
                        i,
                        "the case has no group (or a group of score 0) and [dip.score] ungrouped = \"error\"; group it, or set ungrouped = \"at_cost\"".into(),
                    )
                    .into())
                }
                Err(Unscorable::Overflow(e)) => {
                    let shown = dianzhi_core::number::format_fixed(cost, dianzhi_core::number::SCALE);
                    let message = format!(
                        "{e}: total_cost {shown} against the group's average is beyond 128-bit integers; check the amount and its unit (yuan)"
                    );
                    return Err(err(COST, i, message).into());
                }
            };
            let code = month.year * 12 + i32::from(month.month) - 1;
            let slot = &mut w.slots[slot as usize];
            let s = match slot.months.iter().position(|(c, _)| *c == code) {
                Some(m) => &mut slot.months[m].1,
                None => {
                    slot.months.push((code, CaseSums::default()));
                    &mut slot.months.last_mut().expect("pushed").1
                }
            };
            s.cases += 1;
            s.total_cost = s
                .total_cost
                .checked_add(cost)
                .ok_or(dianzhi_core::number::Overflow("Σ total_cost"))
                .map_err(|e| err(COST, i, format!("{e}: the sums exceed 128-bit integers")))?;
            s.exam_cost = s
                .exam_cost
                .checked_add(exam)
                .ok_or(dianzhi_core::number::Overflow("Σ exam_cost"))
                .map_err(|e| err(EXAM, i, format!("{e}: the sums exceed 128-bit integers")))?;
            match scored.kind {
                CaseType::Low => s.low += 1,
                CaseType::High => s.high += 1,
                CaseType::Extreme => s.extreme += 1,
                CaseType::Special => s.special += 1,
                CaseType::AtCost => s.at_cost += 1,
                CaseType::Normal => {}
            }
            let overflow =
                |e: dianzhi_core::number::Overflow| err(PAID, i, format!("{e}: the sums exceed 128-bit integers"));
            if scored.kind == CaseType::AtCost {
                s.at_cost_amount = s
                    .at_cost_amount
                    .checked_add(paid)
                    .ok_or(dianzhi_core::number::Overflow("Σ at-cost"))
                    .map_err(overflow)?;
            } else {
                s.items = s
                    .items
                    .checked_add(paid - excluded_paid)
                    .ok_or(dianzhi_core::number::Overflow("Σ fund_paid"))
                    .map_err(overflow)?;
                s.excluded = s
                    .excluded
                    .checked_add(excluded_paid)
                    .ok_or(dianzhi_core::number::Overflow("Σ excluded_fund_paid"))
                    .map_err(overflow)?;
                s.score = s
                    .score
                    .checked_add(scored.score)
                    .ok_or(dianzhi_core::number::Overflow("Σ score"))
                    .map_err(overflow)?;
            }
            if let (Some(spill), Some(writer)) = (options.spill, w.spill.as_mut()) {
                // a pool without a funds row is refused after the scan: nothing to write
                if let Some(rank) = slot.rank {
                    // the factor the score used: basic_factor for a basic group, else the coefficient
                    let coefficient = match scored.kind {
                        CaseType::Special | CaseType::AtCost => None,
                        _ => Some(scorer.factor_of(entry.is_some_and(|e| e.basic), t.coefficient)),
                    };
                    kept.clear();
                    kept.extend(kept_columns.iter().map(|c| c[i].map(str::trim).filter(|t| !t.is_empty())));
                    let case = SpillCase {
                        case_id,
                        year: month.year,
                        group: g.map(|(_, index)| index),
                        level: *level,
                        scored,
                        coefficient,
                        aux,
                        total_cost: cost,
                        fund_paid: paid,
                        excluded_cost,
                        kept: &kept,
                    };
                    spill.push(writer, rank, &case).map_err(|m| err(CASE_ID, i, m))?;
                }
            }
        }
        w.rows[file] += batch.len() as u64;
        progress(batch.len() as u64);
        Ok(())
    })
}

fn place(sources: &[Source], at: At) -> String {
    format!("{} {} {}", sources[at.0].path.display(), if at.2 { "line" } else { "row" }, at.1)
}

/// Lists what the lookups could not find, each with the first place it was seen: hospitals
/// first, then groups, then averages (the first kind found is reported).
fn report_problems(sources: &[Source], p: &Problems) -> Result<()> {
    fn named<K>(items: &BTreeMap<K, At>, show: impl Fn(&K) -> String) -> Vec<(String, At)> {
        items.iter().map(|(k, at)| (show(k), *at)).collect()
    }
    let kinds = [
        (
            named(&p.unlisted, |(h, f)| format!("institution {h} fund {f}")),
            "institution_id",
            "hospital/fund pair(s) with cases are not in the institutions table",
            "add a row (institution_id, level, coefficient[, fund]) for each",
        ),
        (
            named(&p.unknown_groups, |g| format!("'{g}'")),
            "dip_group",
            "dip_group code(s) are not in the groups table",
            "add them to the group catalogue (dip_group, score, kind) or correct the cases",
        ),
        (
            named(&p.no_average, |(g, l)| format!("dip_group '{g}' level {l}")),
            "dip_group",
            "(group, level) pair(s) have no average cost",
            "add a row (dip_group, level, avg_cost) for each to the averages table",
        ),
    ];
    for (items, column, what, fix) in kinds {
        let Some(first) = items.iter().map(|(_, at)| *at).min() else { continue };
        let mut list: String =
            items.iter().take(20).map(|(name, at)| format!("  {name} (first at {})\n", place(sources, *at))).collect();
        if items.len() > 20 {
            list.push_str(&format!("  … and {} more\n", items.len() - 20));
        }
        let message = format!("{} {what}:\n{}\n{fix}", items.len(), list.trim_end());
        return Err(InputError::column(&sources[first.0].path, column, message).into());
    }
    Ok(())
}

/// The hashes found more than once in the workers' lists, without joining the lists into one
/// (at 50M cases a joined copy is another 400 MB, and more while it grows): each list is sorted
/// in place, then each range of the hash's top byte gathers its slices of every list — a few
/// MB — and sorts them (a stable sort merges the lists' sorted runs).
fn repeated_hashes(mut lists: Vec<Vec<u64>>) -> HashSet<u64> {
    for list in &mut lists {
        list.par_sort_unstable();
    }
    let lists = &lists;
    (0u64..256)
        .into_par_iter()
        .flat_map_iter(|top| {
            let below = |bound: Option<u64>| move |h: &u64| bound.is_none_or(|b| *h < b);
            let (lo, hi) = (Some(top << 56), (top < 255).then(|| (top + 1) << 56));
            let mut range: Vec<u64> = Vec::new();
            for list in lists {
                let (a, b) = (list.partition_point(below(lo)), list.partition_point(below(hi)));
                range.extend_from_slice(&list[a..b]);
            }
            range.sort();
            range.windows(2).filter(|w| w[0] == w[1]).map(|w| w[0]).collect::<Vec<u64>>()
        })
        .collect()
}

/// Every case_id once: the 64-bit hashes (a list per worker) are sorted and compared; a repeated
/// hash sends the case_id columns through a second read that names both rows (or finds a mere
/// collision).
fn check_unique_ids(sources: &[Source], hashes: Vec<Vec<u64>>) -> Result<()> {
    let repeated = repeated_hashes(hashes);
    if repeated.is_empty() {
        return Ok(());
    }
    let mut seen: HashMap<String, At> = HashMap::new();
    let mut first_duplicate: Option<(String, At, At)> = None;
    for (f, source) in sources.iter().enumerate() {
        let (layout, units) = read::open(source, &CASES[..1])?;
        for u in &units {
            read::read_unit(u, |batch: &Batch| -> Result<()> {
                let ids = read::texts(batch.data.column(layout.columns[0].expect("required")).as_ref());
                for (i, id) in ids.iter().enumerate() {
                    let Some(id) = id else { continue };
                    if !repeated.contains(&case_hash(id)) {
                        continue;
                    }
                    let here = (f, batch.row(i), batch.is_csv());
                    if let Some(first) = seen.insert(id.to_string(), here) {
                        let earlier = first_duplicate.as_ref().is_none_or(|(_, _, again)| here < *again);
                        if earlier {
                            first_duplicate = Some((id.to_string(), first.min(here), first.max(here)));
                        }
                    }
                }
                Ok(())
            })?;
        }
    }
    match first_duplicate {
        None => Ok(()),
        Some((id, first, again)) => Err(InputError {
            file: sources[again.0].path.clone(),
            place: Place::Cell { column: "case_id".into(), row: again.1, csv: again.2 },
            message: format!(
                "case_id '{id}' is repeated: it is also at {}; every case is one row with a unique case_id",
                place(sources, first)
            ),
        }
        .into()),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn repeated_hashes_are_found_within_and_across_the_workers_lists() {
        let top = |b: u64| b << 56;
        let lists = vec![
            vec![5, top(255) + 1, top(3), 7, top(255) + 1],
            vec![top(3), 9, u64::MAX],
            vec![],
            vec![u64::MAX, 0, 1],
        ];
        let mut found: Vec<u64> = super::repeated_hashes(lists).into_iter().collect();
        found.sort();
        assert_eq!(found, vec![top(3), top(255) + 1, u64::MAX]);
        assert!(super::repeated_hashes(vec![vec![1, 2, 3], vec![4]]).is_empty());
    }
}
