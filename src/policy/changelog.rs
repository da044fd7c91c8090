//! The changelog: every version of every policy, newest first.

use chrono::NaiveDate;

use super::Policy;

/// A changelog entry: which version of which policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    pub policy: usize,
    pub version: usize,
}

/// All entries, newest effective date first; same-day entries by policy slug.
pub fn entries(policies: &[Policy]) -> Vec<Entry> {
    let mut entries: Vec<(NaiveDate, &str, Entry)> = policies
        .iter()
        .enumerate()
        .flat_map(|(p, policy)| {
            policy.versions.iter().enumerate().map(move |(v, version)| {
                (
                    version.effective,
                    policy.slug.as_str(),
                    Entry {
                        policy: p,
                        version: v,
                    },
                )
            })
        })
        .collect();
    entries.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(b.1)));
    entries.into_iter().map(|(_, _, entry)| entry).collect()
}
