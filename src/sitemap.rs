//! `sitemap.xml` and `robots.txt`.

use std::fmt::Write as _;

use chrono::NaiveDate;

use crate::policy::pages::{self, PolicyPage};
use crate::site::Site;

/// Every page of the site with the date it last changed, as a sitemap.
pub fn sitemap(site: &Site) -> String {
    let mut entries: Vec<(String, Option<NaiveDate>)> = site
        .pages
        .iter()
        .flat_map(|page| {
            let front = page.front_matter();
            let changed = front.updated().or(front.date()).map(|d| d.date());
            // A paginated section's later listing pages too (`/blog/page/2/`).
            (1..=page.pagers()).map(move |number| (page.pager_path(number), changed))
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
            PolicyPage::Compare { policy, to, .. } => {
                Some(site.policies[policy].versions[to].effective)
            }
            PolicyPage::CompareIndex { policy } => {
                site.policies[policy].versions.last().map(|v| v.effective)
            }
            PolicyPage::Changelog | PolicyPage::MaterialChangelog => site
                .policies
                .iter()
                .flat_map(|p| p.versions.iter().map(|v| v.effective))
                .filter(|d| *d <= today)
                .max(),
            PolicyPage::Feed => continue,
        };
        // An upcoming version is published today, not on the day it takes effect.
        entries.push((page.path(&site.policies), changed.map(|d| d.min(today))));
    }
    entries.sort();
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    for (path, changed) in entries {
        let _ = write!(
            out,
            "  <url><loc>{}</loc>",
            escape_xml(&site.permalink(&path))
        );
        if let Some(date) = changed {
            let _ = write!(out, "<lastmod>{}</lastmod>", date.format("%Y-%m-%d"));
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
