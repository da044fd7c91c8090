//! `vellum check`: builds the site in memory (writing nothing) and verifies what a
//! visitor would trip over: every internal link and `#anchor` leads somewhere, every
//! referenced file exists, every page can be reached from the home page, and every
//! policy version has its redline. With `--external`, links to other sites are fetched
//! too (with a timeout, a few at a time).

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use lol_html::{HtmlRewriter, Settings, element};
use rayon::prelude::*;

use crate::build::{BuildOptions, RenderedSite, render_site};
use crate::diagnostic::{Diagnostic, Diagnostics, line_of_offset};

/// What `vellum check` found.
#[derive(Debug, Default)]
pub struct Report {
    pub pages_checked: usize,
    pub links_checked: usize,
    pub external_checked: usize,
    pub problems: Diagnostics,
}

/// Links and ids found in one HTML page.
#[derive(Debug, Default)]
struct Scan {
    links: Vec<String>,
    ids: BTreeSet<String>,
}

/// Checks the site described by `options`. `external` also fetches links to other sites.
pub fn check(options: &BuildOptions, external: bool) -> Result<Report, Diagnostics> {
    let site = render_site(options, None, crate::output::Sink::Memory)?;
    let sources = Sources::load(&options.root, &site);
    let outputs: BTreeSet<String> = site
        .files
        .iter()
        .map(|f| f.path.trim_start_matches('/').to_string())
        .chain(
            site.copies
                .iter()
                .map(|c| c.path.trim_start_matches('/').to_string()),
        )
        .collect();
    let html: BTreeMap<String, Scan> = site
        .files
        .par_iter()
        .filter(|f| f.path.ends_with(".html"))
        .map(|f| (f.path.trim_start_matches('/').to_string(), scan(&f.bytes)))
        .collect();
    let base = site.base_url.trim_end_matches('/').to_string();
    let mut report = Report {
        pages_checked: html.len(),
        ..Report::default()
    };
    let mut edges: HashMap<&str, Vec<String>> = HashMap::new();
    let mut external_links: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    let mut broken = BrokenLinks::default();
    for (page, scan) in &html {
        for link in &scan.links {
            report.links_checked += 1;
            match classify(link, page, &base) {
                Target::Skip => {}
                Target::External(url) => external_links.entry(url).or_default().push(page),
                Target::Internal { path, fragment } => {
                    let Some(key) = resolve(&path, &outputs) else {
                        let message =
                            format!("link to `{link}` goes nowhere: the site has no {path}");
                        broken.add(&sources, page, link, Broken::Nowhere, message);
                        continue;
                    };
                    if let Some(fragment) = fragment.filter(|f| !f.is_empty())
                        && let Some(target) = html.get(&key)
                        && !target.ids.contains(&fragment)
                    {
                        let message =
                            format!("link to `{link}`: {key} has no element with id `{fragment}`");
                        broken.add(&sources, page, link, Broken::NoSuchId, message);
                    }
                    edges.entry(page.as_str()).or_default().push(key);
                }
            }
        }
    }
    report.problems.extend(broken.problems(&sources));
    // The pull request must carry the record of what it publishes: CI's
    // `vellum build --locked` refuses a lock that does not record it yet. A warning (an
    // error with --strict): a site never built has no lock at all.
    if site.lock_update.is_some() {
        report.problems.push(
            Diagnostic::warning(
                crate::policy::lock::LOCK_FILE,
                "policies.lock does not yet record a new policy version or correction of this change",
            )
            .with_help(
                "run `vellum build` (it updates policies.lock) and commit policies.lock with your change; CI's `vellum build --locked` fails until then",
            ),
        );
    }
    check_reachable(&html, &edges, &sources, &mut report);
    report.problems.extend(site.check_warnings.iter().cloned());
    check_redlines(&outputs, &mut report);
    if external {
        report.external_checked = external_links.len();
        check_external(&external_links, &sources, &mut report);
    }
    report.problems.sort();
    Ok(report)
}

/// Broken links, each reported once: a link written in a policy version shows on its
/// version page, its redlines and the policy's page, and a history of hundreds of
/// versions repeats it in each, so a link is one problem per policy, at the first
/// version that has it, naming every version it is in.
#[derive(Default)]
struct BrokenLinks<'a> {
    /// By (policy folder, or the source file of any other page; link; what is wrong):
    /// the pages it was found on, each with its message (an anchor's names the page it
    /// was looked for on, which differs from one version to the next).
    found: BTreeMap<LinkGroup<'a>, Vec<(&'a str, String)>>,
}

/// A broken link's group: its policy folder (or page's source file), link and fault.
type LinkGroup<'a> = (PathBuf, &'a str, Broken);

/// What is wrong with a link, whatever page it is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Broken {
    Nowhere,
    NoSuchId,
}

impl<'a> BrokenLinks<'a> {
    fn add(
        &mut self,
        sources: &Sources,
        page: &'a str,
        link: &'a str,
        broken: Broken,
        message: String,
    ) {
        let source = sources.source_of(page);
        let group = match policy_folder(&source) {
            Some(folder) => folder.to_path_buf(),
            None => source,
        };
        self.found
            .entry((group, link, broken))
            .or_default()
            .push((page, message));
    }

    /// One problem per link and group, at the first page (by source) that has it.
    fn problems(self, sources: &Sources) -> Vec<Diagnostic> {
        let mut problems = Vec::new();
        for ((group, link, _), mut pages) in self.found {
            pages.sort_by_key(|(p, _)| (sources.source_of(p), *p));
            let mut versions: Vec<String> = pages
                .iter()
                .map(|(p, _)| sources.source_of(p))
                .filter(|s| policy_folder(s) == Some(group.as_path()))
                .filter_map(|s| s.file_stem().map(|f| f.to_string_lossy().into_owned()))
                .collect();
            versions.dedup();
            // Every group was made by `add` with a page.
            let (first, message) = pages.into_iter().next().expect("a group has a page");
            let message = match versions.len() {
                0 | 1 => message,
                n => {
                    let named = if n <= 6 {
                        versions.join(", ")
                    } else {
                        format!(
                            "{}, {}, {} … {}",
                            versions[0],
                            versions[1],
                            versions[2],
                            versions[n - 1]
                        )
                    };
                    format!("{message} (in {n} versions of this policy: {named})")
                }
            };
            problems.push(sources.problem(first, link, message));
        }
        problems
    }
}

/// `content/policies/privacy` for a version file `content/policies/privacy/2026-11-24.md`.
fn policy_folder(source: &Path) -> Option<&Path> {
    let folder = source.parent()?;
    let under = folder.parent()?;
    (under.ends_with("content/policies")
        && source
            .file_stem()
            .is_some_and(|s| !s.to_string_lossy().starts_with('_')))
    .then_some(folder)
}

enum Target {
    Skip,
    External(String),
    Internal {
        path: String,
        fragment: Option<String>,
    },
}

/// Sorts a link into internal (a path of this site), external or not checkable.
fn classify(link: &str, page: &str, base: &str) -> Target {
    let link = link.trim();
    let lower = link.to_ascii_lowercase();
    if link.is_empty()
        || ["mailto:", "tel:", "data:", "javascript:", "sms:"]
            .iter()
            .any(|s| lower.starts_with(s))
    {
        return Target::Skip;
    }
    let local = if let Some(rest) = link.strip_prefix(base) {
        if rest.is_empty() {
            "/".to_string()
        } else {
            rest.to_string()
        }
    } else if lower.starts_with("http://") || lower.starts_with("https://") {
        return Target::External(link.split('#').next().unwrap_or(link).to_string());
    } else if link.starts_with("//") {
        return Target::External(format!("https:{link}"));
    } else if link.starts_with('/') {
        link.to_string()
    } else {
        // Relative to the page's folder; `#x` alone means this page.
        let folder = match page.rsplit_once('/') {
            Some((folder, _)) => format!("/{folder}/"),
            None => "/".to_string(),
        };
        if link.starts_with('#') {
            format!("/{page}{link}")
        } else {
            format!("{folder}{link}")
        }
    };
    let (path, fragment) = match local.split_once('#') {
        Some((p, f)) => (p.to_string(), Some(f.to_string())),
        None => (local, None),
    };
    let path = path.split('?').next().unwrap_or("").to_string();
    Target::Internal {
        path: normalize(&path),
        fragment,
    }
}

/// Removes `.` and `..` segments and decodes percent escapes.
fn normalize(path: &str) -> String {
    let decoded = percent_encoding::percent_decode_str(path).decode_utf8_lossy();
    let mut parts: Vec<&str> = Vec::new();
    for part in decoded.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            _ => parts.push(part),
        }
    }
    let mut out = format!("/{}", parts.join("/"));
    if decoded.ends_with('/') && out != "/" {
        out.push('/');
    }
    out
}

/// The output file a site path is served from: `/about/` is `about/index.html`.
fn resolve(path: &str, outputs: &BTreeSet<String>) -> Option<String> {
    let key = path.trim_start_matches('/');
    let candidates = if key.is_empty() || key.ends_with('/') {
        vec![format!("{key}index.html")]
    } else {
        vec![key.to_string(), format!("{key}/index.html")]
    };
    candidates.into_iter().find(|c| outputs.contains(c))
}

/// Collects `href`, `src` and `srcset` targets and every `id` of an HTML page.
fn scan(bytes: &[u8]) -> Scan {
    let scan = std::cell::RefCell::new(Scan::default());
    let settings = Settings::new()
        .append_element_content_handler(element!("[href]", |el| {
            let rel = el.get_attribute("rel").unwrap_or_default();
            // Hints such as preconnect point at origins, not pages.
            if !rel.contains("preconnect")
                && !rel.contains("dns-prefetch")
                && let Some(href) = el.get_attribute("href")
            {
                scan.borrow_mut().links.push(href);
            }
            Ok(())
        }))
        .append_element_content_handler(element!("[src]", |el| {
            if let Some(src) = el.get_attribute("src") {
                scan.borrow_mut().links.push(src);
            }
            Ok(())
        }))
        .append_element_content_handler(element!("[srcset]", |el| {
            if let Some(srcset) = el.get_attribute("srcset") {
                let urls = srcset
                    .split(',')
                    .filter_map(|c| c.split_whitespace().next().map(str::to_string));
                scan.borrow_mut().links.extend(urls);
            }
            Ok(())
        }))
        .append_element_content_handler(element!("[id]", |el| {
            if let Some(id) = el.get_attribute("id") {
                scan.borrow_mut().ids.insert(id);
            }
            Ok(())
        }))
        .append_element_content_handler(element!("a[name]", |el| {
            if let Some(name) = el.get_attribute("name") {
                scan.borrow_mut().ids.insert(name);
            }
            Ok(())
        }));
    let mut rewriter = HtmlRewriter::new(settings, |_: &[u8]| {});
    // Output is discarded; a malformed page still yields what could be read.
    let _ = rewriter.write(bytes);
    let _ = rewriter.end();
    scan.into_inner()
}

/// Every page must be reachable from the home page by following links, unless listed in
/// `[check] allow_orphans`.
fn check_reachable(
    html: &BTreeMap<String, Scan>,
    edges: &HashMap<&str, Vec<String>>,
    sources: &Sources,
    report: &mut Report,
) {
    let mut seen: BTreeSet<&str> = BTreeSet::new();
    let mut queue: VecDeque<&str> = VecDeque::from(["index.html"]);
    while let Some(page) = queue.pop_front() {
        if !seen.insert(page) {
            continue;
        }
        for next in edges.get(page).into_iter().flatten() {
            if html.contains_key(next) {
                queue.push_back(next);
            }
        }
    }
    let allowed = sources.allow_orphans();
    for page in html.keys() {
        let url = format!("/{}", page.strip_suffix("index.html").unwrap_or(page));
        if seen.contains(page.as_str()) || page == "404.html" || allowed.contains(&url) {
            continue;
        }
        let source = sources.source_of(page);
        report.problems.push(
            Diagnostic::error(source, format!("no page links to {url}: visitors cannot find it from the home page"))
                .with_help(format!("link to it from a page or menu, or add \"{url}\" to allow_orphans under [check] in site.toml")),
        );
    }
}

/// Every policy version has its redline page.
fn check_redlines(outputs: &BTreeSet<String>, report: &mut Report) {
    for page in outputs.iter().filter(|p| p.starts_with("policies/")) {
        let Some(version) = page.strip_suffix("/index.html") else {
            continue;
        };
        let is_version = version
            .rsplit('/')
            .next()
            .is_some_and(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").is_ok());
        if is_version && !outputs.contains(&format!("{version}/changes/index.html")) {
            report.problems.push(Diagnostic::error(
                page.as_str(),
                format!("the version at /{version}/ has no redline page"),
            ));
        }
    }
}

/// Fetches external links with a timeout, eight at a time.
fn check_external(links: &BTreeMap<String, Vec<&str>>, sources: &Sources, report: &mut Report) {
    let skip = sources.skip_external();
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(10)))
        .http_status_as_error(false)
        .user_agent("vellum-check")
        .build()
        .into();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(8)
        .build()
        .expect("a small thread pool starts");
    let failures: Vec<(String, String)> = pool.install(|| {
        links
            .par_iter()
            .filter(|(url, _)| !skip.iter().any(|s| url.starts_with(s.as_str())))
            .filter_map(|(url, _)| {
                fetch_status(&agent, url)
                    .err()
                    .map(|why| (url.clone(), why))
            })
            .collect()
    });
    for (url, why) in failures {
        for page in &links[&url] {
            report.problems.push(sources.problem(
                page,
                &url,
                format!("external link `{url}` is broken: {why}"),
            ));
        }
    }
}

fn fetch_status(agent: &ureq::Agent, url: &str) -> Result<(), String> {
    let status = match agent.head(url).call() {
        Ok(response) if response.status().as_u16() == 405 => {
            agent.get(url).call().map(|r| r.status().as_u16())
        }
        other => other.map(|r| r.status().as_u16()),
    }
    .map_err(|e| e.to_string())?;
    if status < 400 {
        Ok(())
    } else {
        Err(format!("HTTP {status}"))
    }
}

/// Where each output page came from, to point problems at a file and line.
struct Sources {
    /// Output path -> content file (relative to the site root) and its text.
    pages: HashMap<String, (PathBuf, Arc<str>)>,
    /// Template files, searched when a link is not in the page's content.
    templates: Vec<(PathBuf, Arc<str>)>,
    config: Option<crate::config::Config>,
}

impl Sources {
    fn load(root: &Path, site: &RenderedSite) -> Sources {
        let pages = site
            .sources
            .iter()
            .filter_map(|(output, source)| {
                let text = std::fs::read_to_string(root.join(source)).ok()?;
                Some((
                    output.trim_start_matches('/').to_string(),
                    (source.clone(), Arc::from(text)),
                ))
            })
            .collect();
        // Read through the same rule as the build, so a link out of the site is never
        // read, even to quote it in a message.
        let templates = ["templates", "themes"]
            .iter()
            .flat_map(|dir| {
                crate::input_files::list(root, &root.join(dir), crate::input_files::is_hidden).0
            })
            .filter_map(|file| {
                let text = std::fs::read_to_string(&file.path).ok()?;
                Some((
                    file.path
                        .strip_prefix(root)
                        .unwrap_or(&file.path)
                        .to_path_buf(),
                    Arc::from(text),
                ))
            })
            .collect();
        let config = crate::config::Config::load(root).ok();
        Sources {
            pages,
            templates,
            config,
        }
    }

    fn source_of(&self, page: &str) -> PathBuf {
        self.pages
            .get(page)
            .map(|(p, _)| p.clone())
            .unwrap_or_else(|| PathBuf::from(page))
    }

    /// A problem with a link on `page`, at the line of the content file (or template)
    /// where the link is written.
    fn problem(&self, page: &str, link: &str, message: String) -> Diagnostic {
        let needles = needles(link);
        if let Some((path, text)) = self.pages.get(page)
            && let Some(at) = needles.iter().find_map(|n| text.find(n.as_str()))
        {
            return Diagnostic::error(path, message)
                .at_span(text, at..at + 1)
                .with_help(format!("rendered into {page}"));
        }
        for (path, text) in &self.templates {
            if let Some(at) = needles.iter().find_map(|n| text.find(n.as_str())) {
                return Diagnostic::error(path, message)
                    .at_line(text, line_of_offset(text, at))
                    .with_help(format!("rendered into {page}"));
            }
        }
        Diagnostic::error(self.source_of(page), message).with_help(format!("rendered into {page}"))
    }

    fn allow_orphans(&self) -> Vec<String> {
        self.config
            .as_ref()
            .map(|c| c.check.allow_orphans.clone())
            .unwrap_or_default()
    }

    fn skip_external(&self) -> Vec<String> {
        self.config
            .as_ref()
            .map(|c| c.check.skip_external.clone())
            .unwrap_or_default()
    }
}

/// Ways a link may be written in a source: as is, without the site's address, or as the
/// bare `#anchor`.
fn needles(link: &str) -> Vec<String> {
    let mut needles = vec![format!("({link}"), format!("\"{link}\""), link.to_string()];
    if let Some(rest) = link
        .split_once("://")
        .and_then(|(_, r)| r.split_once('/'))
        .map(|(_, p)| format!("/{p}"))
    {
        needles.push(format!("({rest}"));
    }
    if let Some((_, fragment)) = link.split_once('#') {
        needles.push(format!("#{fragment})"));
    }
    needles
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_are_classified_and_normalised() {
        let base = "https://x.test";
        let internal = |link: &str, page: &str| match classify(link, page, base) {
            Target::Internal { path, fragment } => (path, fragment),
            _ => panic!("{link} should be internal"),
        };
        assert_eq!(
            internal("https://x.test/about/#team", "index.html"),
            ("/about/".into(), Some("team".into()))
        );
        assert_eq!(
            internal("img.png", "guide/index.html"),
            ("/guide/img.png".into(), None)
        );
        assert_eq!(internal("../b/", "a/index.html"), ("/b/".into(), None));
        assert_eq!(
            internal("#top", "a/index.html"),
            ("/a/index.html".into(), Some("top".into()))
        );
        assert!(matches!(
            classify("mailto:a@b", "index.html", base),
            Target::Skip
        ));
        assert!(
            matches!(classify("https://other.test/x#y", "index.html", base), Target::External(u) if u == "https://other.test/x")
        );
    }

    #[test]
    fn scan_finds_links_and_ids() {
        let scan = scan(br#"<h2 id="a">A</h2><a href="/b/">b</a><img src="c.png" srcset="c1.png 1x, c2.png 2x"><link rel="preconnect" href="https://cdn">"#);
        assert_eq!(scan.links, ["/b/", "c.png", "c1.png", "c2.png"]);
        assert!(scan.ids.contains("a"));
    }
}
