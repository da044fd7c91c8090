//! What templates see: plain serializable views of the site model. Views borrow from the
//! model, so building one copies no page bodies until Tera serializes it.

use serde::Serialize;

use crate::content::front_matter::{ChangeKind, Correction, PageDate};
use crate::markdown::Heading;
use crate::policy::{Policy, Status};
use crate::site::{Page, Site};

/// How much of a page a view carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Depth {
    /// The page being rendered: content, table of contents, and its listings.
    Full,
    /// A subsection in a listing: its own page list, no content.
    Listing,
    /// A page in a listing: metadata only.
    Summary,
}

/// A page or section as templates see it (`page`, `section`, items of `section.pages`).
#[derive(Debug, Serialize)]
pub struct PageView<'a> {
    /// `"page"` or `"section"`.
    pub kind: &'static str,
    pub title: &'a str,
    pub description: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub toc: Option<&'a [Heading]>,
    pub date: Option<&'a PageDate>,
    pub updated: Option<&'a PageDate>,
    pub weight: Option<i64>,
    pub draft: bool,
    pub slug: &'a str,
    /// Root-relative URL path, e.g. `/products/`.
    pub path: &'a str,
    /// Absolute URL.
    pub permalink: String,
    /// Source path under `content/`, e.g. `products/_index.md`.
    pub relative_path: &'a str,
    pub word_count: usize,
    /// Minutes, at 200 words a minute, at least 1.
    pub reading_time: usize,
    pub extra: &'a serde_json::Map<String, serde_json::Value>,
    /// Sections from the home page down to the parent, for breadcrumbs.
    pub ancestors: Vec<Crumb<'a>>,
    /// Products only: price, images, specs... (see `crate::product::ProductView`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product: Option<crate::product::ProductView<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pages: Option<Vec<PageView<'a>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subsections: Option<Vec<PageView<'a>>>,
}

/// A link in a breadcrumb trail.
#[derive(Debug, Serialize)]
pub struct Crumb<'a> {
    pub title: &'a str,
    pub path: &'a str,
    /// Source path under `content/`, for `get_section(path=...)`.
    pub relative_path: &'a str,
    pub permalink: String,
}

impl<'a> PageView<'a> {
    pub fn new(site: &'a Site, page: &'a Page, depth: Depth) -> Self {
        let front = page.front_matter();
        let words = page.word_count();
        let list = |indices: &'a [usize], depth| {
            indices
                .iter()
                .map(|&i| PageView::new(site, &site.pages[i], depth))
                .collect()
        };
        let (pages, subsections) = match (page.is_section(), depth) {
            (true, Depth::Full) => (
                Some(list(&page.pages, Depth::Summary)),
                Some(list(&page.subsections, Depth::Listing)),
            ),
            (true, Depth::Listing) => (Some(list(&page.pages, Depth::Summary)), None),
            _ => (None, None),
        };
        let full = depth == Depth::Full;
        PageView {
            kind: if page.is_section() { "section" } else { "page" },
            title: page.title(),
            description: front.description.as_deref(),
            content: full.then_some(page.content()),
            toc: full.then_some(page.toc()),
            date: front.date.as_ref(),
            updated: front.updated.as_ref(),
            weight: front.weight,
            draft: front.draft,
            slug: &page.slug,
            path: &page.path,
            permalink: site.permalink(&page.path),
            relative_path: &page.file.relative,
            word_count: words,
            reading_time: words.div_ceil(200).max(1),
            extra: &front.extra,
            ancestors: site
                .ancestors(page)
                .into_iter()
                .map(|a| Crumb {
                    title: a.title(),
                    path: &a.path,
                    relative_path: &a.file.relative,
                    permalink: site.permalink(&a.path),
                })
                .collect(),
            product: crate::product::ProductView::new(site, page, full),
            pages,
            subsections,
        }
    }
}

/// A policy as templates see it (`policy`, items of `policies`).
#[derive(Debug, Serialize)]
pub struct PolicyView<'a> {
    pub slug: &'a str,
    pub title: &'a str,
    pub description: Option<&'a str>,
    pub path: String,
    pub permalink: String,
    /// The version in force, if one has taken effect.
    pub current: Option<VersionView<'a>>,
    /// The next version to take effect, if one is published in advance.
    pub upcoming: Option<VersionView<'a>>,
    /// Every version, newest first.
    pub versions: Vec<VersionView<'a>>,
    /// The page for comparing any two versions, if there are two.
    pub compare_permalink: Option<String>,
}

impl<'a> PolicyView<'a> {
    pub fn new(site: &'a Site, policy: &'a Policy) -> Self {
        let today = site.today();
        let current = policy.current_index(today);
        let next = current.map_or(0, |c| c + 1);
        let upcoming = (next < policy.versions.len()).then_some(next);
        let view = |v: usize| VersionView::new(site, policy, v, false);
        let path = policy.path();
        PolicyView {
            slug: &policy.slug,
            title: policy.title(today),
            description: policy
                .index
                .as_ref()
                .and_then(|i| i.front_matter.description.as_deref()),
            permalink: site.permalink(&path),
            compare_permalink: (policy.versions.len() > 1)
                .then(|| site.permalink(&policy.compare_index_path())),
            path,
            current: current.map(view),
            upcoming: upcoming.map(view),
            versions: (0..policy.versions.len()).rev().map(view).collect(),
        }
    }
}

/// A policy version as templates see it (`version`, `previous`, items of `versions`).
#[derive(Debug, Serialize)]
pub struct VersionView<'a> {
    /// The policy's slug.
    pub policy: &'a str,
    pub title: &'a str,
    pub description: Option<&'a str>,
    /// `YYYY-MM-DD`.
    pub effective: String,
    pub summary: Option<&'a str>,
    pub status: Status,
    /// The first version of its policy (no redline).
    pub first: bool,
    /// The last day this version was (or will be) in force, if a later version exists.
    pub in_force_until: Option<String>,
    /// When the version after this one takes effect.
    pub next_effective: Option<String>,
    pub path: String,
    pub permalink: String,
    pub changes_path: String,
    pub changes_permalink: String,
    pub corrections: &'a [Correction],
    /// `material` or `editorial` (none for a first version).
    pub change: Option<ChangeKind>,
    /// The day notice of the change went out.
    pub announced: Option<&'a str>,
    /// For superseded versions: the redline against the version in force.
    pub changes_to_current_permalink: Option<String>,
    /// The instant the version takes effect: local midnight in the shop's time zone,
    /// in RFC 3339 with its offset (for feeds and `<time datetime>`).
    pub effective_at: String,
    /// schema.org JSON-LD for the version page, ready to put in a `<script>` element.
    pub json_ld: String,
    /// Source path under `content/`.
    pub relative_path: &'a str,
    pub extra: &'a serde_json::Map<String, serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub toc: Option<&'a [Heading]>,
}

impl<'a> VersionView<'a> {
    pub fn new(site: &'a Site, policy: &'a Policy, index: usize, full: bool) -> Self {
        let version = &policy.versions[index];
        let next = policy.versions.get(index + 1);
        let front = &version.file.front_matter;
        let path = policy.version_path(version);
        let changes_path = policy.changes_path(version);
        let status = policy.status(index, site.today());
        let in_force_until = next.and_then(|n| n.effective.pred_opt());
        VersionView {
            policy: &policy.slug,
            title: front.title.as_deref().unwrap_or(&policy.slug),
            description: front.description.as_deref(),
            effective: version.effective.format("%Y-%m-%d").to_string(),
            effective_at: site.start_of(version.effective),
            summary: version.summary(),
            status,
            first: index == 0,
            in_force_until: in_force_until.map(|d| d.format("%Y-%m-%d").to_string()),
            next_effective: next.map(|n| n.effective.format("%Y-%m-%d").to_string()),
            permalink: site.permalink(&path),
            path,
            changes_permalink: site.permalink(&changes_path),
            changes_path,
            corrections: &front.corrections,
            change: front.change,
            announced: front.announced.as_ref().map(|d| d.text.as_str()),
            changes_to_current_permalink: (status == Status::Superseded)
                .then(|| site.permalink(&policy.changes_to_current_path(version))),
            json_ld: if full {
                crate::policy::machine::json_ld(site, policy, index)
            } else {
                String::new()
            },
            relative_path: &version.file.relative,
            extra: &front.extra,
            content: full.then_some(version.content()),
            toc: full.then_some(version.toc()),
        }
    }
}

/// One line of the changelog.
#[derive(Debug, Serialize)]
pub struct ChangelogEntryView<'a> {
    pub policy_title: &'a str,
    pub policy_permalink: String,
    pub version: VersionView<'a>,
}

/// The changelog entries, newest first.
pub fn changelog_entries(site: &Site) -> Vec<ChangelogEntryView<'_>> {
    crate::policy::changelog::entries(&site.policies)
        .into_iter()
        .map(|entry| {
            let policy = &site.policies[entry.policy];
            ChangelogEntryView {
                policy_title: policy.title(site.today()),
                policy_permalink: site.permalink(&policy.path()),
                version: VersionView::new(site, policy, entry.version, false),
            }
        })
        .collect()
}

/// The versions a newer version can be compared with, for the compare page's list.
#[derive(Debug, Serialize)]
pub struct CompareGroup {
    /// The newer version's effective date.
    pub to: String,
    pub to_permalink: String,
    /// Each older version, newest first.
    pub from: Vec<CompareLink>,
}

#[derive(Debug, Serialize)]
pub struct CompareLink {
    pub effective: String,
    /// The redline from this version to the group's.
    pub permalink: String,
}

/// Every pair of a policy's versions, grouped by the newer one, newest first.
pub fn compare_pairs(site: &Site, policy: &Policy) -> Vec<CompareGroup> {
    let day = |i: usize| policy.versions[i].effective.format("%Y-%m-%d").to_string();
    (1..policy.versions.len())
        .rev()
        .map(|to| CompareGroup {
            to: day(to),
            to_permalink: site.permalink(&policy.version_path(&policy.versions[to])),
            from: (0..to)
                .rev()
                .map(|from| CompareLink {
                    effective: day(from),
                    permalink: site.permalink(
                        &policy.compare_path(&policy.versions[from], &policy.versions[to]),
                    ),
                })
                .collect(),
        })
        .collect()
}

/// A policy in brief, as every template sees it in `policies`: enough for menus and
/// footers ("Privacy policy, updated ..."). Kept small on purpose: every page depends
/// on it, so anything here re-renders the whole site in `vellum serve` when it changes.
#[derive(Debug, Serialize)]
pub struct PolicyBrief<'a> {
    pub slug: &'a str,
    pub title: &'a str,
    pub permalink: String,
    pub current: Option<VersionBrief>,
    pub upcoming: Option<VersionBrief>,
}

/// A version in brief: when, and where.
#[derive(Debug, Serialize)]
pub struct VersionBrief {
    pub effective: String,
    pub permalink: String,
    pub changes_permalink: String,
}

/// Every policy, for every template (`policies`).
pub fn policy_briefs(site: &Site) -> Vec<PolicyBrief<'_>> {
    let today = site.today();
    site.policies
        .iter()
        .map(|policy| {
            let brief = |index: usize| {
                let version = &policy.versions[index];
                VersionBrief {
                    effective: version.effective.format("%Y-%m-%d").to_string(),
                    permalink: site.permalink(&policy.version_path(version)),
                    changes_permalink: site.permalink(&policy.changes_path(version)),
                }
            };
            let current = policy.current_index(today);
            let next = current.map_or(0, |c| c + 1);
            PolicyBrief {
                slug: &policy.slug,
                title: policy.title(today),
                permalink: site.permalink(&policy.path()),
                current: current.map(brief),
                upcoming: (next < policy.versions.len()).then(|| brief(next)),
            }
        })
        .collect()
}
