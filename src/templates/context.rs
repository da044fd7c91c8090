//! What templates see: plain serializable views of the site model, turned into Tera
//! values once per build ([`Shared`]) and shared by every render: a listing of 10,000
//! pages is 10,000 reference counts in each context that shows it, not 10,000 copies.

use std::sync::OnceLock;

use serde::Serialize;
use tera::Value;

use crate::content::front_matter::{ChangeKind, Correction, PageDate};
use crate::markdown::{Body, Heading};
use crate::policy::{Policy, Status};
use crate::site::{Page, Site};

/// How much of a page a view carries.
#[derive(Debug, Clone, Copy)]
pub enum Depth<'b> {
    /// The page being rendered, with its rendered body: content, table of contents, and
    /// its listings.
    Full(&'b Body),
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
    /// Shared values of the pages' summaries ([`Shared::summary`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pages: Option<Vec<Value>>,
    /// Shared values of the subsections' listings ([`Shared::listing`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subsections: Option<Vec<Value>>,
}

/// One listing page of a section with `paginate_by`, as templates see it (`paginator`,
/// with Zola's fields).
#[derive(Debug, Serialize)]
pub struct Paginator {
    pub paginate_by: usize,
    /// This listing page's number, from 1.
    pub current_index: usize,
    pub number_pagers: usize,
    /// Pages in the whole section.
    pub total_pages: usize,
    /// This listing page's pages (summaries, as in `section.pages`).
    pub pages: Vec<Value>,
    /// The permalinks of the first, last, previous and next listing pages.
    pub first: String,
    pub last: String,
    pub previous: Option<String>,
    pub next: Option<String>,
    /// The permalink the later listing pages go under: `https://shop.example/blog/page/`.
    pub base_url: String,
}

impl Paginator {
    /// Listing page `number` (from 1) of `section`, which has `paginate_by`.
    pub fn new(site: &Site, shared: &Shared, section: &Page, number: usize) -> Paginator {
        let by = section.paginate_by().unwrap_or(usize::MAX);
        let count = section.pagers();
        let link = |n: usize| site.permalink(&section.pager_path(n));
        Paginator {
            paginate_by: by,
            current_index: number,
            number_pagers: count,
            total_pages: section.pages.len(),
            pages: section
                .pages
                .iter()
                .skip((number - 1).saturating_mul(by))
                .take(by)
                .map(|&i| shared.passing_summary(site, i))
                .collect(),
            first: link(1),
            last: link(count),
            previous: (number > 1).then(|| link(number - 1)),
            next: (number < count).then(|| link(number + 1)),
            base_url: site.permalink(&section.pagers_folder()),
        }
    }
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
    pub fn new(site: &'a Site, shared: &Shared, page: &'a Page, depth: Depth<'a>) -> Self {
        let front = page.front_matter();
        let words = page.word_count();
        let summaries =
            |indices: &[usize]| indices.iter().map(|&i| shared.summary(site, i)).collect();
        let (pages, subsections) = match (page.is_section(), depth) {
            (true, Depth::Full(_)) => (
                // A paginated section's pages are in `paginator.pages`, a listing page's
                // worth at a time (as in Zola), so no page holds a list of all of them.
                Some(match page.paginate_by() {
                    Some(_) => Vec::new(),
                    None => summaries(&page.pages),
                }),
                Some(
                    page.subsections
                        .iter()
                        .map(|&i| shared.listing(site, i))
                        .collect(),
                ),
            ),
            // A paginated section listed elsewhere shows its first listing page's pages.
            (true, Depth::Listing) => {
                let shown = page
                    .paginate_by()
                    .unwrap_or(usize::MAX)
                    .min(page.pages.len());
                (Some(summaries(&page.pages[..shown])), None)
            }
            _ => (None, None),
        };
        let body = match depth {
            Depth::Full(body) => Some(body),
            _ => None,
        };
        PageView {
            kind: if page.is_section() { "section" } else { "page" },
            title: page.title(),
            description: front.description(),
            content: body.map(|b| b.html.as_str()),
            toc: body.map(|b| b.toc.as_slice()),
            date: front.date(),
            updated: front.updated(),
            weight: front.weight(),
            draft: front.draft(),
            slug: &page.slug,
            path: &page.path,
            permalink: site.permalink(&page.path),
            relative_path: &page.file.relative,
            word_count: words,
            reading_time: words.div_ceil(200).max(1),
            extra: front.extra(),
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
            product: crate::product::ProductView::new(site, page, body.is_some()),
            pages,
            subsections,
        }
    }
}

/// A policy as templates see it (`policy`, items of `policies`).
#[derive(Debug, Serialize)]
pub struct PolicyView<'a> {
    pub slug: &'a str,
    pub lang: &'a str,
    pub title: &'a str,
    pub description: Option<&'a str>,
    pub path: String,
    pub permalink: String,
    /// The version in force, if one has taken effect.
    pub current: Option<Value>,
    /// The next version to take effect, if one is published in advance.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub upcoming: Option<Value>,
    /// Every version, newest first (shared values of [`VersionView`]s). Only on the
    /// pages that show the whole history (the policy's own page, the compare page, and
    /// templates that are not a version's): a version page showing every version would
    /// make the site grow with the square of its versions.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub versions: Vec<Value>,
    /// The page for comparing any two versions, if there are two.
    pub compare_permalink: Option<String>,
}

impl<'a> PolicyView<'a> {
    /// With every version (`whole`), or, for a version's own pages, without them and
    /// with `current` only `true` when a version is in force, so that announcing a
    /// version, or one coming into force, changes none of the other versions' pages.
    pub fn new(site: &'a Site, shared: &Shared, index: usize, whole: bool) -> Self {
        let policy = &site.policies[index];
        let today = site.today();
        let current = policy.current_index(today);
        let next = current.map_or(0, |c| c + 1);
        let upcoming = (next < policy.versions.len()).then_some(next);
        let view = |v: usize| shared.version(site, index, v);
        let path = policy.path();
        PolicyView {
            slug: &policy.slug,
            lang: &policy.lang,
            title: policy.title(today),
            description: policy
                .index
                .as_ref()
                .and_then(|i| i.front_matter.description()),
            permalink: site.permalink(&path),
            compare_permalink: (policy.versions.len() > 1)
                .then(|| site.permalink(&policy.compare_index_path())),
            path,
            // In brief, only whether a version is in force: which one it is changes with
            // every new version in force, and would change every version's page.
            current: match whole {
                true => current.map(view),
                false => current.map(|_| Value::from(true)),
            },
            upcoming: upcoming.filter(|_| whole).map(view),
            versions: match whole {
                true => (0..policy.versions.len()).rev().map(view).collect(),
                false => Vec::new(),
            },
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
    /// The version's rendered blocks, for the compare page's redlines in the browser.
    pub blocks_permalink: String,
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
    /// With the version's rendered body for its own pages; without, for listings.
    pub fn new(site: &'a Site, policy: &'a Policy, index: usize, body: Option<&'a Body>) -> Self {
        let version = &policy.versions[index];
        let next = policy.next_effective(index);
        let front = version.front();
        let path = policy.version_path(version);
        let changes_path = policy.changes_path(version);
        let status = policy.status(index, site.today());
        let in_force_until = next.and_then(|n| n.pred_opt());
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
            next_effective: next.map(|n| n.format("%Y-%m-%d").to_string()),
            permalink: site.permalink(&path),
            path,
            changes_permalink: site.permalink(&changes_path),
            changes_path,
            blocks_permalink: site.permalink(&policy.blocks_path(version)),
            corrections: &front.corrections,
            change: front.change,
            announced: front.announced.as_ref().map(|d| d.text.as_str()),
            changes_to_current_permalink: policy
                .has_changes_to_current(index, site.today())
                .then(|| site.permalink(&policy.changes_to_current_path(version))),
            json_ld: if body.is_some() {
                crate::machine::json_ld(site, policy, index)
            } else {
                String::new()
            },
            relative_path: &version.file.relative,
            extra: &front.extra,
            content: body.map(|b| b.html.as_str()),
            toc: body.map(|b| b.toc.as_slice()),
        }
    }
}

/// One line of the changelog.
#[derive(Debug, Serialize)]
pub struct ChangelogEntryView<'a> {
    pub policy_title: &'a str,
    pub policy_permalink: String,
    pub version: Value,
    /// Whether the version is a material change (for the material-only changelog).
    #[serde(skip)]
    pub material: bool,
    /// The language of the entry's text: another than the changelog's for a version
    /// not translated into it (listed all the same, so the changelog misses no change).
    pub lang: &'a str,
    /// The name of that language, when the version is not translated.
    pub untranslated: Option<&'a str>,
}

/// The changelog entries of `lang`, newest first: every version of its policies, and
/// every version of the default language's policies that has no translation into it.
pub fn changelog_entries<'a>(
    site: &'a Site,
    shared: &Shared,
    lang: &str,
) -> Vec<ChangelogEntryView<'a>> {
    let policies = &site.policies;
    let translated = |source: &crate::policy::Policy, effective: chrono::NaiveDate| {
        policies
            .iter()
            .any(|p| p.slug == source.slug && &*p.lang == lang && p.version_on(effective).is_some())
    };
    crate::policy::changelog::entries(policies)
        .into_iter()
        .filter(|entry| {
            let policy = &policies[entry.policy];
            &*policy.lang == lang
                || (!policy.is_translation()
                    && !translated(policy, policy.versions[entry.version].effective))
        })
        .map(|entry| {
            let policy = &policies[entry.policy];
            let version = &policy.versions[entry.version];
            let foreign = &*policy.lang != lang;
            ChangelogEntryView {
                policy_title: policy.title(site.today()),
                policy_permalink: site.permalink(&policy.path()),
                version: shared.version(site, entry.policy, entry.version),
                material: version.front().change == Some(ChangeKind::Material),
                lang: &policy.lang,
                untranslated: foreign.then(|| site.config.language_name(&policy.lang)),
            }
        })
        .collect()
}

/// A policy in brief, as every template sees it in `policies`: enough for menus and
/// footers ("Privacy policy, updated ..."). Kept small on purpose: every page depends
/// on it, so anything here re-renders the whole site in `vellum serve` when it changes.
#[derive(Debug, Serialize)]
pub struct PolicyBrief<'a> {
    pub slug: &'a str,
    /// The language of its text (a policy not yet translated shows in the default one).
    pub lang: &'a str,
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

impl VersionBrief {
    /// Version `index` of `policy`, in brief.
    pub fn new(site: &Site, policy: &Policy, index: usize) -> VersionBrief {
        let version = &policy.versions[index];
        VersionBrief {
            effective: version.effective.format("%Y-%m-%d").to_string(),
            permalink: site.permalink(&policy.version_path(version)),
            changes_permalink: site.permalink(&policy.changes_path(version)),
        }
    }
}

/// A policy as `get_policies()` gives it: what navigation shows, without the
/// announced version, so that announcing one changes no page that lists policies so.
#[derive(Debug, Serialize)]
pub struct PolicyLink<'a> {
    pub slug: &'a str,
    pub lang: &'a str,
    pub title: &'a str,
    pub permalink: String,
    pub current: Option<VersionBrief>,
}

impl<'a> From<PolicyBrief<'a>> for PolicyLink<'a> {
    fn from(brief: PolicyBrief<'a>) -> PolicyLink<'a> {
        PolicyLink {
            slug: brief.slug,
            lang: brief.lang,
            title: brief.title,
            permalink: brief.permalink,
            current: brief.current,
        }
    }
}

/// Every policy, for every template in `lang` (`policies`): each in `lang` where it is
/// translated, else in the default language.
pub fn policy_briefs<'a>(site: &'a Site, lang: &str) -> Vec<PolicyBrief<'a>> {
    let today = site.today();
    site.policies
        .iter()
        .filter(|policy| !policy.is_translation())
        .map(|policy| {
            site.policies
                .iter()
                .find(|p| p.slug == policy.slug && &*p.lang == lang)
                .unwrap_or(policy)
        })
        .map(|policy| {
            let brief = |index: usize| VersionBrief::new(site, policy, index);
            let current = policy.current_index(today);
            let next = current.map_or(0, |c| c + 1);
            PolicyBrief {
                slug: &policy.slug,
                lang: &policy.lang,
                title: policy.title(today),
                permalink: site.permalink(&policy.path()),
                current: current.map(brief),
                upcoming: (next < policy.versions.len()).then(|| brief(next)),
            }
        })
        .collect()
}

/// A page's data that an output showed through [`Shared`]: what `vellum serve` needs to
/// know to re-render exactly the outputs an edit to that page's body affects (its word
/// count and reading time are in both). Pages are named by [`Page::key`], which holds
/// from one build to the next.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Shown {
    /// The page's summary (in a listing).
    Summary(u64),
    /// The page's listing value (a section with its first pages' summaries, or what
    /// `get_page` and `get_section` give).
    Listing(u64),
}

thread_local! {
    /// What the output being rendered on this thread showed, while recording.
    static SHOWN: std::cell::RefCell<Option<Vec<Shown>>> = const { std::cell::RefCell::new(None) };
}

/// Starts recording, on this thread, the pages' data the next output shows (a job runs
/// on one thread from its Markdown to its template).
pub fn start_recording_shown() {
    SHOWN.with(|s| *s.borrow_mut() = Some(Vec::new()));
}

/// Stops recording and returns what was shown, sorted, each once.
pub fn finish_recording_shown() -> Box<[Shown]> {
    let mut shown = SHOWN.with(|s| s.borrow_mut().take()).unwrap_or_default();
    shown.sort_unstable();
    shown.dedup();
    shown.into_boxed_slice()
}

fn record_shown(shown: Shown) {
    SHOWN.with(|s| {
        if let Some(list) = s.borrow_mut().as_mut() {
            list.push(shown);
        }
    });
}

/// Template values built once per build, each when first asked for, and shared by
/// every render (a `tera::Value` clone is a reference count).
pub struct Shared {
    /// The site's languages; the values below are per language, in this order.
    pub languages: std::sync::Arc<crate::language::Languages>,
    configs: Vec<Value>,
    langs: Vec<Value>,
    policies: Vec<Value>,
    /// What `get_policies()` gives.
    policy_links: Vec<Value>,
    /// What `get_policies(dated=false)` gives: `current` only says whether a version is
    /// in force (`true`), so a new version in force changes none of the pages using it.
    undated_policy_links: Vec<Value>,
    summaries: Vec<OnceLock<Value>>,
    listings: Vec<OnceLock<Value>>,
    policy_views: Vec<OnceLock<Value>>,
    policy_briefs: Vec<OnceLock<Value>>,
    versions: Vec<Vec<OnceLock<Value>>>,
}

fn slots(n: usize) -> Vec<OnceLock<Value>> {
    (0..n).map(|_| OnceLock::new()).collect()
}

impl Shared {
    pub fn new(site: &Site) -> Shared {
        let languages = std::sync::Arc::clone(&site.languages);
        let per_language = |value: &dyn Fn(&str) -> Value| -> Vec<Value> {
            languages.all.iter().map(|lang| value(lang)).collect()
        };
        Shared {
            configs: per_language(&|lang| {
                Value::from_serializable(&site.config.for_language(lang))
            }),
            langs: per_language(&|lang| Value::from(lang)),
            policies: per_language(&|lang| Value::from_serializable(&policy_briefs(site, lang))),
            policy_links: per_language(&|lang| {
                Value::from_serializable(
                    &policy_briefs(site, lang)
                        .into_iter()
                        .map(PolicyLink::from)
                        .collect::<Vec<_>>(),
                )
            }),
            undated_policy_links: per_language(&|lang| {
                Value::from_serializable(
                    &policy_briefs(site, lang)
                        .into_iter()
                        .map(|brief| {
                            let in_force = brief.current.is_some();
                            let mut link = serde_json::to_value(PolicyLink::from(brief))
                                .expect("JSON values always serialize");
                            link["current"] = serde_json::Value::Bool(in_force);
                            link
                        })
                        .collect::<Vec<_>>(),
                )
            }),
            languages: languages.clone(),
            summaries: slots(site.pages.len()),
            listings: slots(site.pages.len()),
            policy_views: slots(site.policies.len()),
            policy_briefs: slots(site.policies.len()),
            versions: site
                .policies
                .iter()
                .map(|p| slots(p.versions.len()))
                .collect(),
        }
    }

    /// `config` as pages in `lang` see it.
    pub fn config(&self, lang: &str) -> Value {
        self.configs[self.languages.index(lang)].clone()
    }

    /// `lang` as a shared value.
    pub fn lang(&self, lang: &str) -> Value {
        self.langs[self.languages.index(lang)].clone()
    }

    /// `policies` as pages in `lang` see it.
    pub fn policies(&self, lang: &str) -> Value {
        self.policies[self.languages.index(lang)].clone()
    }

    /// What `get_policies()` gives on a page in `lang`.
    pub fn policy_links(&self, lang: &str) -> Value {
        self.policy_links[self.languages.index(lang)].clone()
    }

    /// What `get_policies(dated=false)` gives on a page in `lang`.
    pub fn undated_policy_links(&self, lang: &str) -> Value {
        self.undated_policy_links[self.languages.index(lang)].clone()
    }

    /// A page in a listing: metadata only.
    pub fn summary(&self, site: &Site, page: usize) -> Value {
        record_shown(Shown::Summary(site.pages[page].key()));
        self.page_view(&self.summaries, site, page, Depth::Summary)
    }

    /// A page on one listing page of a paginated section: made for that listing page and
    /// not kept (each appears on one listing page), so memory never holds a summary of
    /// every page of a long list. A summary already kept is reused.
    pub fn passing_summary(&self, site: &Site, page: usize) -> Value {
        record_shown(Shown::Summary(site.pages[page].key()));
        match self.summaries[page].get() {
            Some(kept) => kept.clone(),
            None => Value::from_serializable(&PageView::new(
                site,
                self,
                &site.pages[page],
                Depth::Summary,
            )),
        }
    }

    /// A section in a listing (and what `get_page`/`get_section` give): its own pages.
    pub fn listing(&self, site: &Site, page: usize) -> Value {
        record_shown(Shown::Listing(site.pages[page].key()));
        self.page_view(&self.listings, site, page, Depth::Listing)
    }

    fn page_view(
        &self,
        slots: &[OnceLock<Value>],
        site: &Site,
        page: usize,
        depth: Depth,
    ) -> Value {
        slots[page]
            .get_or_init(|| {
                Value::from_serializable(&PageView::new(site, self, &site.pages[page], depth))
            })
            .clone()
    }

    /// A policy with all its versions (`policy`).
    pub fn policy(&self, site: &Site, policy: usize) -> Value {
        self.policy_views[policy]
            .get_or_init(|| Value::from_serializable(&PolicyView::new(site, self, policy, true)))
            .clone()
    }

    /// A policy without its versions (`policy` on a version's own pages).
    pub fn policy_brief(&self, site: &Site, policy: usize) -> Value {
        self.policy_briefs[policy]
            .get_or_init(|| Value::from_serializable(&PolicyView::new(site, self, policy, false)))
            .clone()
    }

    /// The version in force as every "changes up to today" page shows it: without
    /// `in_force_until` and `next_effective`, which a version announced after it sets.
    pub fn version_in_force(&self, site: &Site, policy: usize, version: usize) -> Value {
        let p = &site.policies[policy];
        let mut view = VersionView::new(site, p, version, None);
        view.in_force_until = None;
        view.next_effective = None;
        Value::from_serializable(&view)
    }

    /// The versions before and after one (`neighbours.earlier`, `neighbours.later`), in
    /// brief (effective date and addresses): what a neighbour shows of its own
    /// neighbours must not make this page change when a version is announced.
    pub fn neighbours(&self, site: &Site, policy: usize, version: usize) -> Value {
        let p = &site.policies[policy];
        let brief = |index: usize| Value::from_serializable(&VersionBrief::new(site, p, index));
        let mut map = tera::Map::new();
        if version > 0 {
            map.insert("earlier".into(), brief(version - 1));
        }
        if version + 1 < p.versions.len() {
            map.insert("later".into(), brief(version + 1));
        }
        Value::from(map)
    }

    /// A version without its text (`previous`, items of `policy.versions`).
    pub fn version(&self, site: &Site, policy: usize, version: usize) -> Value {
        self.versions[policy][version]
            .get_or_init(|| {
                let p = &site.policies[policy];
                Value::from_serializable(&VersionView::new(site, p, version, None))
            })
            .clone()
    }
}

/// One language's version of the page being rendered (`alternates`), for `hreflang`
/// links and the language switcher.
#[derive(Debug, Serialize)]
pub struct AlternateView<'a> {
    pub lang: &'a str,
    /// The language's name in itself ("Deutsch").
    pub name: &'a str,
    /// The page in that language; empty when it is not translated.
    pub permalink: String,
    /// The page's own language.
    pub current: bool,
}

/// Every language of the site, with the page's URL in each where it exists.
pub fn alternate_views<'a>(
    site: &'a Site,
    shared: &'a Shared,
    lang: &str,
    found: &[crate::alternates::Alternate],
) -> Vec<AlternateView<'a>> {
    shared
        .languages
        .all
        .iter()
        .map(|code| AlternateView {
            lang: code,
            name: site.config.language_name(code),
            permalink: found
                .iter()
                .find(|a| a.lang == *code)
                .map(|a| site.permalink(&a.path))
                .unwrap_or_default(),
            current: &**code == lang,
        })
        .collect()
}

/// What a translated policy page says about its text (`translation`): which version of
/// the original it translates, and whether the original has moved on.
#[derive(Debug, Serialize)]
pub struct TranslationView<'a> {
    pub source_lang: &'a str,
    pub source_name: &'a str,
    /// The effective date of the version this text translates.
    pub translates: String,
    /// That version's page in the original language.
    pub source_permalink: String,
    /// A newer version of the original is in force than any translated one.
    pub lagging: bool,
    /// The original's version in force: the authoritative text.
    pub in_force: Option<DatedLink>,
    /// An announced version of the original not translated yet.
    pub upcoming: Option<DatedLink>,
}

#[derive(Debug, Serialize)]
pub struct DatedLink {
    pub effective: String,
    pub permalink: String,
}

impl<'a> TranslationView<'a> {
    /// For a page of translated policy `policy` that shows its version `version`.
    pub fn new(site: &'a Site, policy: usize, version: usize) -> Option<TranslationView<'a>> {
        let translated = &site.policies[policy];
        let source = &site.policies[crate::policy::source_of(&site.policies, policy)?];
        let today = site.today();
        let day = translated.versions[version].effective;
        let source_version = source.version_on(day)?;
        let status = crate::policy::translation_status(source, translated, today);
        let date = |d: chrono::NaiveDate| d.format("%Y-%m-%d").to_string();
        Some(TranslationView {
            source_lang: &source.lang,
            source_name: site.config.language_name(&source.lang),
            translates: date(day),
            source_permalink: site
                .permalink(&source.version_path(&source.versions[source_version])),
            lagging: status.lagging.is_some(),
            in_force: source.current_index(today).map(|c| DatedLink {
                effective: date(source.versions[c].effective),
                permalink: site.permalink(&source.path()),
            }),
            upcoming: status.untranslated_upcoming.map(|u| DatedLink {
                effective: date(source.versions[u].effective),
                permalink: site.permalink(&source.version_path(&source.versions[u])),
            }),
        })
    }
}
