//! The same page in the site's other languages: for `<link rel="alternate" hreflang>`,
//! the language switcher and the sitemap's `xhtml:link`s. Each language's version of a
//! page names the others, so the links always go both ways (as search engines require).

use std::sync::Arc;

use crate::policy::CHANGELOG_PATH;
use crate::policy::pages::PolicyPage;
use crate::site::{Page, Site};

/// A page's URL path in one language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alternate {
    pub lang: Arc<str>,
    pub path: String,
}

/// A page or section in every language it exists in (itself included), listing page
/// `number` of a paginated section.
pub fn of_page(site: &Site, page: &Page, number: usize) -> Vec<Alternate> {
    page.translations
        .iter()
        .map(|&i| &site.pages[i])
        .filter(|p| number <= p.pagers())
        .map(|p| Alternate {
            lang: Arc::clone(&p.file.lang),
            path: p.pager_path(number),
        })
        .collect()
}

/// A policy page in every language it exists in: the policy's translations that hold
/// the same versions.
pub fn of_policy_page(site: &Site, page: PolicyPage) -> Vec<Alternate> {
    let policies = &site.policies;
    let today = site.today();
    let own = &policies[page.policy()];
    let mut found = Vec::new();
    let mut langs_seen: Vec<&str> = Vec::new();
    for policy in policies.iter() {
        let path = match page {
            PolicyPage::Changelog { .. }
            | PolicyPage::MaterialChangelog { .. }
            | PolicyPage::Feed { .. } => {
                if langs_seen.contains(&&*policy.lang) {
                    continue;
                }
                langs_seen.push(&policy.lang);
                let changelog = format!("{}{CHANGELOG_PATH}", policy.prefix);
                Some(match page {
                    PolicyPage::MaterialChangelog { .. } => format!("{changelog}material/"),
                    PolicyPage::Feed { .. } => format!("{changelog}atom.xml"),
                    _ => changelog,
                })
            }
            _ if policy.slug != own.slug => None,
            PolicyPage::Current { .. } => Some(policy.path()),
            PolicyPage::Version { version, .. } => policy
                .version_on(own.versions[version].effective)
                .map(|v| policy.version_path(&policy.versions[v])),
            PolicyPage::Changes { version, .. } => policy
                .version_on(own.versions[version].effective)
                .map(|v| policy.changes_path(&policy.versions[v])),
            PolicyPage::ChangesToCurrent { version, .. } => policy
                .version_on(own.versions[version].effective)
                .filter(|&v| policy.has_changes_to_current(v, today))
                .map(|v| policy.changes_to_current_path(&policy.versions[v])),
            PolicyPage::CompareIndex { .. } => {
                (policy.versions.len() > 1).then(|| policy.compare_index_path())
            }
        };
        if let Some(path) = path {
            found.push(Alternate {
                lang: Arc::clone(&policy.lang),
                path,
            });
        }
    }
    found
}
