//! The pages the policy feature publishes, and where each goes.

use chrono::NaiveDate;

use super::{CHANGELOG_PATH, Policy};

/// A page generated from the policies rather than from one content file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyPage {
    /// `/policies/NAME/`: the version in force, with the version history.
    Current { policy: usize },
    /// `/policies/NAME/DATE/`: one version, forever at this URL.
    Version { policy: usize, version: usize },
    /// `/policies/NAME/DATE/changes/`: the redline against the version before it.
    Changes { policy: usize, version: usize },
    /// `/policies/NAME/DATE/changes-to-current/`: a superseded version's redline against
    /// the version in force, for readers holding an old copy.
    ChangesToCurrent { policy: usize, version: usize },
    /// `/policies/NAME/compare/`: pick any two versions; the reader's browser computes
    /// their redline from each version's `blocks.json` (the site publishes only the
    /// redlines against the version before and the version in force, so its size stays
    /// linear in the versions).
    CompareIndex { policy: usize },
    /// `/changelog/`: every version of every policy in one language (`/de/changelog/`
    /// in German). `lang_of` is the first policy in that language, which names it.
    Changelog { lang_of: usize },
    /// `/changelog/material/`: only the material changes.
    MaterialChangelog { lang_of: usize },
    /// `/changelog/atom.xml`: the changelog as an Atom feed.
    Feed { lang_of: usize },
}

/// URL path of the changelog's Atom feed.
pub const FEED_PATH: &str = "/changelog/atom.xml";
/// URL path of the changelog of material changes.
pub const MATERIAL_CHANGELOG_PATH: &str = "/changelog/material/";

/// The changelog of one language: `/changelog/`, `/de/changelog/`.
pub fn changelog_path(languages: &crate::language::Languages, lang: &str) -> String {
    match lang == &*languages.default {
        true => CHANGELOG_PATH.to_string(),
        false => format!("/{lang}{CHANGELOG_PATH}"),
    }
}

impl PolicyPage {
    /// The template that renders the page.
    pub fn template(self) -> &'static str {
        match self {
            PolicyPage::Current { .. } => "policy.html",
            PolicyPage::Version { .. } => "policy-version.html",
            PolicyPage::Changes { .. } | PolicyPage::ChangesToCurrent { .. } => {
                "policy-changes.html"
            }
            PolicyPage::CompareIndex { .. } => "policy-compare.html",
            PolicyPage::Changelog { .. } | PolicyPage::MaterialChangelog { .. } => "changelog.html",
            PolicyPage::Feed { .. } => "atom.xml",
        }
    }

    /// Root-relative URL path.
    pub fn path(self, policies: &[Policy]) -> String {
        match self {
            PolicyPage::Current { policy } => policies[policy].path(),
            PolicyPage::Version { policy, version } => {
                policies[policy].version_path(&policies[policy].versions[version])
            }
            PolicyPage::Changes { policy, version } => {
                policies[policy].changes_path(&policies[policy].versions[version])
            }
            PolicyPage::ChangesToCurrent { policy, version } => {
                policies[policy].changes_to_current_path(&policies[policy].versions[version])
            }
            PolicyPage::CompareIndex { policy } => policies[policy].compare_index_path(),
            PolicyPage::Changelog { lang_of } => {
                format!("{}{CHANGELOG_PATH}", policies[lang_of].prefix)
            }
            PolicyPage::MaterialChangelog { lang_of } => {
                format!("{}{MATERIAL_CHANGELOG_PATH}", policies[lang_of].prefix)
            }
            PolicyPage::Feed { lang_of } => format!("{}{FEED_PATH}", policies[lang_of].prefix),
        }
    }

    /// The policy whose language the page is in (for a changelog, the first policy in
    /// that language).
    pub fn policy(self) -> usize {
        match self {
            PolicyPage::Current { policy }
            | PolicyPage::Version { policy, .. }
            | PolicyPage::Changes { policy, .. }
            | PolicyPage::ChangesToCurrent { policy, .. }
            | PolicyPage::CompareIndex { policy } => policy,
            PolicyPage::Changelog { lang_of }
            | PolicyPage::MaterialChangelog { lang_of }
            | PolicyPage::Feed { lang_of } => lang_of,
        }
    }

    /// Path of the output file under the output folder.
    pub fn output_path(self, policies: &[Policy]) -> String {
        let path = self.path(policies);
        if path.ends_with('/') {
            format!("{path}index.html")
        } else {
            path
        }
    }

    /// Whether the output is HTML (and so is minified).
    pub fn is_html(self) -> bool {
        !matches!(self, PolicyPage::Feed { .. })
    }
}

/// Every policy page of the site on `today`, in a stable order.
pub fn all(policies: &[Policy], today: NaiveDate) -> Vec<PolicyPage> {
    let mut pages = Vec::new();
    for (p, policy) in policies.iter().enumerate() {
        pages.push(PolicyPage::Current { policy: p });
        for v in 0..policy.versions.len() {
            pages.push(PolicyPage::Version {
                policy: p,
                version: v,
            });
            pages.push(PolicyPage::Changes {
                policy: p,
                version: v,
            });
            if policy.has_changes_to_current(v, today) {
                pages.push(PolicyPage::ChangesToCurrent {
                    policy: p,
                    version: v,
                });
            }
        }
        // Any pair is compared in the reader's browser: publishing every pair would
        // grow with the square of the versions.
        if policy.versions.len() > 1 {
            pages.push(PolicyPage::CompareIndex { policy: p });
        }
    }
    // One changelog per language with policies, named by its first policy.
    let mut seen: Vec<&str> = Vec::new();
    for (p, policy) in policies.iter().enumerate() {
        if seen.contains(&&*policy.lang) {
            continue;
        }
        seen.push(&policy.lang);
        pages.push(PolicyPage::Changelog { lang_of: p });
        pages.push(PolicyPage::MaterialChangelog { lang_of: p });
        pages.push(PolicyPage::Feed { lang_of: p });
    }
    pages
}
