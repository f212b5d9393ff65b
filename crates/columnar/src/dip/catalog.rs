//! The lookup tables of a DIP run (groups, averages, institutions), indexed once for the scan
//! and for writing the scored cases.

use std::collections::HashMap;

use dianzhi_core::dip::score::Group;

use super::tables::HospitalTerms;

/// The lookup tables of a run, indexed for the scan.
pub struct Catalog {
    groups: Vec<(String, Group)>,
    group_index: HashMap<String, u32>,
    levels: Vec<String>,
    /// Average cost per (group, level): `averages[group × levels + level]`.
    averages: Vec<Option<i128>>,
    terms: Vec<(HospitalTerms, u32)>,
    term_index: HashMap<(String, String), u32>,
}

impl Catalog {
    pub fn new(
        groups: HashMap<String, Group>,
        averages: HashMap<(String, String), i128>,
        institutions: HashMap<(String, String), HospitalTerms>,
    ) -> Self {
        let mut groups: Vec<(String, Group)> = groups.into_iter().collect();
        groups.sort_by(|a, b| a.0.cmp(&b.0));
        let group_index = groups.iter().enumerate().map(|(i, (code, _))| (code.clone(), i as u32)).collect();
        let mut levels: Vec<String> =
            averages.keys().map(|(_, l)| l.clone()).chain(institutions.values().map(|t| t.level.clone())).collect();
        levels.sort();
        levels.dedup();
        let level = |l: &str| levels.binary_search_by(|x| x.as_str().cmp(l)).expect("every level listed") as u32;
        let mut table = vec![None; groups.len() * levels.len()];
        let group_index: HashMap<String, u32> = group_index;
        for ((g, l), avg) in &averages {
            // an average of a group not in the catalogue is never looked up
            if let Some(gi) = group_index.get(g) {
                table[*gi as usize * levels.len() + level(l) as usize] = Some(*avg);
            }
        }
        let mut terms: Vec<((String, String), HospitalTerms)> = institutions.into_iter().collect();
        terms.sort_by(|a, b| a.0.cmp(&b.0));
        let term_index = terms.iter().enumerate().map(|(i, (k, _))| (k.clone(), i as u32)).collect();
        let terms = terms.into_iter().map(|(_, t)| (t.clone(), level(&t.level))).collect();
        Catalog { groups, group_index, levels, averages: table, terms, term_index }
    }

    /// The terms of a hospital for a fund: its fund's row, else its row without a fund.
    pub fn terms(&self, institution: &str, fund: &str) -> Option<&HospitalTerms> {
        self.term_id(institution, fund).map(|i| &self.terms[i as usize].0)
    }

    pub(crate) fn term_id(&self, institution: &str, fund: &str) -> Option<u32> {
        self.term_index
            .get(&(institution.to_string(), fund.to_string()))
            .or_else(|| self.term_index.get(&(institution.to_string(), String::new())))
            .copied()
    }

    /// Every institution id the institutions table lists.
    pub fn institution_ids(&self) -> Vec<String> {
        self.term_index.keys().map(|(id, _)| id.clone()).collect()
    }

    /// A hospital's terms and its level's index, by [`Catalog::term_id`].
    pub(crate) fn terms_at(&self, id: u32) -> &(HospitalTerms, u32) {
        &self.terms[id as usize]
    }

    /// A group's index by its code.
    pub(crate) fn group_id(&self, code: &str) -> Option<u32> {
        self.group_index.get(code).copied()
    }

    /// A group's code and entry by index.
    pub fn group(&self, index: u32) -> (&str, Group) {
        let (code, g) = &self.groups[index as usize];
        (code, *g)
    }

    /// A level's label by index.
    pub fn level(&self, index: u32) -> &str {
        &self.levels[index as usize]
    }

    pub(crate) fn average(&self, group: u32, level: u32) -> Option<i128> {
        self.averages[group as usize * self.levels.len() + level as usize]
    }
}
