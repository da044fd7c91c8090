//! `sitemap.xml` and `robots.txt`.

use std::fmt::Write as _;

use chrono::NaiveDate;

use crate::alternates::{self, Alternate};
use crate::policy::pages::{self, PolicyPage};
use crate::site::Site;

/// A sitemap entry: the URL path, the day it last changed, and the same page in the
/// site's other languages.
type Entry = (String, Option<NaiveDate>, Vec<Alternate>);

/// Every page of the site with the date it last changed, as a sitemap; on a site in
/// several languages, each URL lists its translations (`xhtml:link`, as Google reads
/// them), itself included.
pub fn sitemap(site: &Site) -> String {
    let mut entries: Vec<Entry> = site
        .pages
        .iter()
        .flat_map(|page| {
            let front = page.front_matter();
            let changed = front.updated().or(front.date()).map(|d| d.date());
            // A paginated section's later listing pages too (`/blog/page/2/`).
            (1..=page.pagers()).map(move |number| {
                let alternates = alternates::of_page(site, page, number);
                (page.pager_path(number), changed, alternates)
            })
        })
        .collect();
    let today = site.today();
    for page in pages::all(&site.policies, site.today()) {
        let changed = match page {
            PolicyPage::Current { policy } => {
                let p = &site.policies[policy];
                p.current_index(today).map(|v| p.versions[v].effective)
            }
            PolicyPage::Version { policy, version } | PolicyPage::Changes { policy, version } => {
                Some(site.policies[policy].versions[version].effective)
            }
            PolicyPage::ChangesToCurrent { policy, .. } => {
                let p = &site.policies[policy];
                p.current_index(today).map(|v| p.versions[v].effective)
            }
            PolicyPage::CompareIndex { policy } => {
                site.policies[policy].versions.last().map(|v| v.effective)
            }
            PolicyPage::Changelog { lang_of } | PolicyPage::MaterialChangelog { lang_of } => site
                .policies
                .iter()
                .filter(|p| p.lang == site.policies[lang_of].lang)
                .flat_map(|p| p.versions.iter().map(|v| v.effective))
                .filter(|d| *d <= today)
                .max(),
            PolicyPage::Feed { .. } => continue,
        };
        // An upcoming version is published today, not on the day it takes effect.
        entries.push((
            page.path(&site.policies),
            changed.map(|d| d.min(today)),
            alternates::of_policy_page(site, page),
        ));
    }
    entries.sort_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
    let several = site.config.language_codes().len() > 1;
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\"",
    );
    if several {
        out.push_str(" xmlns:xhtml=\"http://www.w3.org/1999/xhtml\"");
    }
    out.push_str(">\n");
    for (path, changed, alternates) in entries {
        let _ = write!(
            out,
            "  <url><loc>{}</loc>",
            escape_xml(&site.permalink(&path))
        );
        if let Some(date) = changed {
            let _ = write!(out, "<lastmod>{}</lastmod>", date.format("%Y-%m-%d"));
        }
        if several && alternates.len() > 1 {
            for alternate in &alternates {
                let _ = write!(
                    out,
                    "<xhtml:link rel=\"alternate\" hreflang=\"{}\" href=\"{}\"/>",
                    escape_xml(&alternate.lang),
                    escape_xml(&site.permalink(&alternate.path))
                );
            }
            if let Some(default) = alternates
                .iter()
                .find(|a| *a.lang == site.config.default_language)
            {
                let _ = write!(
                    out,
                    "<xhtml:link rel=\"alternate\" hreflang=\"x-default\" href=\"{}\"/>",
                    escape_xml(&site.permalink(&default.path))
                );
            }
        }
        out.push_str("</url>\n");
    }
    out.push_str("</urlset>\n");
    out
}

/// Allows everything and points crawlers at the sitemap.
pub fn robots(site: &Site) -> String {
    format!(
        "User-agent: *\nAllow: /\n\nSitemap: {}\n",
        site.permalink("/sitemap.xml")
    )
}

fn escape_xml(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
