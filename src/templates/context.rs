//! What templates see: plain serializable views of the site model. Views borrow from the
//! model, so building one copies no page bodies until Tera serializes it.

use serde::Serialize;

use crate::content::front_matter::PageDate;
use crate::markdown::Heading;
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
            content: full.then_some(page.content.as_str()),
            toc: full.then_some(page.toc.as_slice()),
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
            pages,
            subsections,
        }
    }
}
