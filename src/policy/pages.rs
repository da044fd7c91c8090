//! The pages the policy feature publishes, and where each goes.

use chrono::NaiveDate;

use super::{CHANGELOG_PATH, Policy, Status};

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
    /// `/policies/NAME/compare/`: every pair of versions, to pick two to compare.
    CompareIndex { policy: usize },
    /// `/policies/NAME/compare/FROM...TO/`: the redline of any two versions, `from`
    /// older than `to`.
    Compare {
        policy: usize,
        from: usize,
        to: usize,
    },
    /// `/changelog/`: every version of every policy.
    Changelog,
    /// `/changelog/material/`: only the material changes.
    MaterialChangelog,
    /// `/changelog/atom.xml`: the changelog as an Atom feed.
    Feed,
}

/// URL path of the changelog's Atom feed.
pub const FEED_PATH: &str = "/changelog/atom.xml";
/// URL path of the changelog of material changes.
pub const MATERIAL_CHANGELOG_PATH: &str = "/changelog/material/";

impl PolicyPage {
    /// The template that renders the page.
    pub fn template(self) -> &'static str {
        match self {
            PolicyPage::Current { .. } => "policy.html",
            PolicyPage::Version { .. } => "policy-version.html",
            PolicyPage::Changes { .. } | PolicyPage::ChangesToCurrent { .. } => {
                "policy-changes.html"
            }
            PolicyPage::Compare { .. } => "policy-changes.html",
            PolicyPage::CompareIndex { .. } => "policy-compare.html",
            PolicyPage::Changelog | PolicyPage::MaterialChangelog => "changelog.html",
            PolicyPage::Feed => "atom.xml",
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
            PolicyPage::Compare { policy, from, to } => {
                let p = &policies[policy];
                p.compare_path(&p.versions[from], &p.versions[to])
            }
            PolicyPage::Changelog => CHANGELOG_PATH.to_string(),
            PolicyPage::MaterialChangelog => MATERIAL_CHANGELOG_PATH.to_string(),
            PolicyPage::Feed => FEED_PATH.to_string(),
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
        self != PolicyPage::Feed
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
            if policy.status(v, today) == Status::Superseded {
                pages.push(PolicyPage::ChangesToCurrent {
                    policy: p,
                    version: v,
                });
            }
        }
        // Every pair: a reader holding any two copies can see what changed between them.
        if policy.versions.len() > 1 {
            pages.push(PolicyPage::CompareIndex { policy: p });
            for to in 1..policy.versions.len() {
                for from in 0..to {
                    pages.push(PolicyPage::Compare {
                        policy: p,
                        from,
                        to,
                    });
                }
            }
        }
    }
    if !policies.is_empty() {
        pages.push(PolicyPage::Changelog);
        pages.push(PolicyPage::MaterialChangelog);
        pages.push(PolicyPage::Feed);
    }
    pages
}
