//! The pipeline, stage by stage: load content and templates -> build the site model ->
//! render Markdown and templates -> write. Each stage hands its data to the next; the
//! build fails before writing anything if any stage found an error.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::{DateTime, Utc};
use rayon::prelude::*;
use walkdir::WalkDir;

use crate::config::Config;
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::markdown::{self, Rendered};
use crate::output::{self, CopiedFile, OutputFile};
use crate::policy::{self, lock::Outcome};
use crate::site::Site;
use crate::templates::{self, Templates};

/// What to build and how.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    /// The site root (the folder with `site.toml`).
    pub root: PathBuf,
    /// Where the site goes; replaced as a whole when the build succeeds.
    pub output: PathBuf,
    /// Overrides `base_url` from `site.toml`.
    pub base_url: Option<String>,
    /// Include pages marked `draft = true`.
    pub drafts: bool,
    /// The build's "now" (see [`crate::clock`]).
    pub now: DateTime<Utc>,
    /// Print progress for long builds to stderr.
    pub progress: bool,
    /// Fail instead of updating `policies.lock` (for CI).
    pub locked: bool,
}

/// The site in memory, rendered and ready to write.
#[derive(Debug)]
pub struct RenderedSite {
    pub files: Vec<OutputFile>,
    pub copies: Vec<CopiedFile>,
    pub pages: usize,
    pub sections: usize,
    /// Policy pages written: current pages, versions and redlines.
    pub policy_pages: usize,
    /// New text for `policies.lock`, written once the output is in place.
    pub lock_update: Option<String>,
    pub warnings: Vec<Diagnostic>,
}

/// Runs every stage except writing. `vellum build` writes the result; a check could
/// inspect it without touching the disk.
pub fn render_site(options: &BuildOptions) -> Result<RenderedSite, Diagnostics> {
    let root = options.root.as_path();
    let mut config = Config::load(root)?;
    if let Some(base_url) = &options.base_url {
        config.base_url = base_url.trim_end_matches('/').to_string();
    }
    let (mut content, mut diagnostics) = crate::content::load(root);
    let policies = match policy::collect(&mut content, options.drafts) {
        Ok(policies) => policies,
        Err(errors) => {
            diagnostics.extend(errors);
            Vec::new()
        }
    };
    let templates = Templates::load(root, &config.theme);
    if let Err(errors) = &templates {
        diagnostics.extend(errors.0.iter().cloned());
    }
    let warnings = diagnostics.take_warnings();
    let (Ok(mut templates), false) = (templates, diagnostics.has_errors()) else {
        return Err(fail(diagnostics, warnings));
    };
    let copies = static_files(root, &config.theme);
    let mut site = match Site::new(config, options.now, content, policies, options.drafts) {
        Ok(site) => site,
        Err(errors) => return Err(fail(errors, warnings)),
    };
    // Both checks run so that one build reports a bad template name and a bad link.
    let mut errors = Diagnostics::default();
    if let Err(e) = check_templates_exist(&site, &templates) {
        errors.extend(e);
    }
    if let Err(e) = render_markdown(&mut site) {
        errors.extend(e);
    }
    let lock_update = match policy::lock::check(root, &site.policies, options.locked) {
        Ok(Outcome::Update(text)) => Some(text),
        Ok(Outcome::Unchanged) => None,
        Err(e) => {
            errors.extend(e);
            None
        }
    };
    if errors.has_errors() {
        return Err(fail(errors, warnings));
    }
    let site = Arc::new(site);
    templates.register_functions(Arc::clone(&site));
    let mut files = render_templates(&site, &templates, options.progress)
        .map_err(|e| fail(e, warnings.clone()))?;
    let policy_files =
        render_policy_pages(&site, &templates).map_err(|e| fail(e, warnings.clone()))?;
    let policy_pages = policy_files.len();
    files.extend(policy_files);
    let mut copies = copies;
    copies.extend(site.assets.iter().map(|(asset, path)| CopiedFile {
        source: asset.source.clone(),
        path: path.clone(),
    }));
    let sections = site.pages.iter().filter(|p| p.is_section()).count();
    Ok(RenderedSite {
        pages: site.pages.len() - sections,
        sections,
        policy_pages,
        files,
        copies,
        lock_update,
        warnings,
    })
}

/// Builds the site into `options.output`, replacing it only if everything succeeded.
pub fn build(options: &BuildOptions) -> Result<RenderedSite, Diagnostics> {
    output::check_output_dir(&options.root, &options.output)?;
    let rendered = render_site(options)?;
    output::replace_dir(&options.output, |dir| {
        output::write_all(dir, &rendered.copies, &rendered.files)
    })
    .map_err(|e| fail(e.into(), rendered.warnings.clone()))?;
    if let Some(lock) = &rendered.lock_update {
        policy::lock::write(&options.root, lock)
            .map_err(|e| fail(e.into(), rendered.warnings.clone()))?;
    }
    Ok(rendered)
}

fn fail(mut errors: Diagnostics, warnings: Vec<Diagnostic>) -> Diagnostics {
    errors.extend(warnings);
    errors.sort();
    errors
}

fn check_templates_exist(site: &Site, templates: &Templates) -> Result<(), Diagnostics> {
    let mut errors = Diagnostics::default();
    for page in &site.pages {
        if templates.has(&page.template) {
            continue;
        }
        let own = page.front_matter().template.is_some();
        let (file, key) = match page.parent.map(|p| &site.pages[p]) {
            Some(section) if !own && section.front_matter().page_template.is_some() => {
                (&section.file, "page_template")
            }
            _ => (&page.file, "template"),
        };
        errors.push(
            file.error_at_key(key, format!("unknown template `{}`", page.template))
                .with_help(format!(
                    "use a template from themes/{}/templates/ or templates/ (e.g. page.html)",
                    site.config.theme
                )),
        );
    }
    if errors.has_errors() {
        Err(errors)
    } else {
        Ok(())
    }
}

/// Renders every page's and policy version's Markdown in parallel, then checks
/// `@/page.md#anchor` links against the headings of their targets.
fn render_markdown(site: &mut Site) -> Result<(), Diagnostics> {
    let resolve = |target: &str| site.path_of(target).map(|path| site.permalink(&path));
    let markdown = &site.config.markdown;
    let render = |file, blocks| markdown::render(file, markdown, &resolve, blocks);
    let pages: Vec<_> = site
        .pages
        .par_iter()
        .map(|page| render(&page.file, false))
        .collect();
    let versions: Vec<Vec<_>> = site
        .policies
        .par_iter()
        .map(|p| {
            p.versions
                .par_iter()
                .map(|v| render(&v.file, true))
                .collect()
        })
        .collect();
    let mut errors = Diagnostics::default();
    let pages = unwrap_rendered(pages, &mut errors);
    let versions: Vec<Vec<Rendered>> = versions
        .into_iter()
        .map(|v| unwrap_rendered(v, &mut errors))
        .collect();
    check_anchors(site, &pages, &versions, &mut errors);
    if errors.has_errors() {
        return Err(errors);
    }
    for (page, r) in site.pages.iter_mut().zip(pages) {
        page.content = r.html;
        page.toc = r.toc;
    }
    for (policy, rendered) in site.policies.iter_mut().zip(versions) {
        for (version, r) in policy.versions.iter_mut().zip(rendered) {
            version.content = r.html;
            version.toc = r.toc;
            version.block_ends = r.block_ends;
        }
    }
    Ok(())
}

fn unwrap_rendered(
    results: Vec<Result<Rendered, Vec<Diagnostic>>>,
    errors: &mut Diagnostics,
) -> Vec<Rendered> {
    results
        .into_iter()
        .map(|result| {
            result.unwrap_or_else(|e| {
                errors.extend(e);
                Rendered::default()
            })
        })
        .collect()
}

fn check_anchors(
    site: &Site,
    pages: &[Rendered],
    versions: &[Vec<Rendered>],
    errors: &mut Diagnostics,
) {
    // The headings of whatever a link points at: a page, a policy (its version in force)
    // or a policy version.
    let ids_of = |target: &str| -> Option<&[String]> {
        if let Some(i) = site.pages.iter().position(|p| p.file.relative == target) {
            return Some(&pages[i].ids);
        }
        let (p, v) = site.policy_target(target)?;
        let v = v
            .or_else(|| site.policies[p].current_index(site.today()))
            .unwrap_or(0);
        Some(&versions[p][v].ids)
    };
    let sources = site.pages.iter().map(|p| &p.file).zip(pages).chain(
        site.policies
            .iter()
            .zip(versions)
            .flat_map(|(p, r)| p.versions.iter().map(|v| &v.file).zip(r)),
    );
    for (file, rendered) in sources {
        for link in &rendered.internal_links {
            let Some(anchor) = &link.anchor else { continue };
            let Some(ids) = ids_of(&link.target) else {
                continue;
            };
            if ids.iter().any(|id| id == anchor) {
                continue;
            }
            errors.push(
                Diagnostic::error(
                    &file.display_path,
                    format!(
                        "link to `@/{}#{anchor}`: that page has no heading with id `{anchor}`",
                        link.target
                    ),
                )
                .at_span(&file.text, link.span.clone())
                .with_help(format!("headings there have ids: {}", ids.join(", "))),
            );
        }
    }
}

/// Renders policy pages, the changelog and its feed in parallel.
fn render_policy_pages(site: &Site, templates: &Templates) -> Result<Vec<OutputFile>, Diagnostics> {
    let results: Vec<Result<OutputFile, Diagnostic>> = policy::pages::all(&site.policies)
        .into_par_iter()
        .map(|page| {
            let text = templates.render_policy_page(site, page)?;
            let bytes = if page.is_html() {
                finish_html(site, text)
            } else {
                text.into_bytes()
            };
            Ok(OutputFile {
                path: page.output_path(&site.policies),
                bytes,
            })
        })
        .collect();
    let mut errors = Diagnostics::default();
    let mut files = Vec::with_capacity(results.len());
    for result in results {
        match result {
            Ok(file) => files.push(file),
            Err(e) => errors.push(e),
        }
    }
    if errors.has_errors() {
        errors
            .0
            .dedup_by(|a, b| a.path == b.path && a.line == b.line);
        return Err(errors);
    }
    Ok(files)
}

fn render_templates(
    site: &Site,
    templates: &Templates,
    progress: bool,
) -> Result<Vec<OutputFile>, Diagnostics> {
    let done = AtomicUsize::new(0);
    let total = site.pages.len();
    let show_progress = progress && total >= 2000;
    let results: Vec<Result<OutputFile, Diagnostic>> = site
        .pages
        .par_iter()
        .map(|page| {
            let html = templates.render_page(site, page)?;
            let n = done.fetch_add(1, Ordering::Relaxed) + 1;
            if show_progress && n.is_multiple_of(1000) {
                eprint!("\rrendered {n}/{total} pages");
            }
            Ok(OutputFile {
                path: format!("{}index.html", page.path),
                bytes: finish_html(site, html),
            })
        })
        .collect();
    if show_progress {
        eprintln!("\rrendered {total}/{total} pages");
    }
    let mut files = Vec::with_capacity(results.len() + 1);
    let mut errors: BTreeMap<(PathBuf, Option<usize>), (Diagnostic, usize)> = BTreeMap::new();
    for result in results {
        match result {
            Ok(file) => files.push(file),
            // One broken template fails every page that uses it: report it once.
            Err(e) => errors.entry((e.path.clone(), e.line)).or_insert((e, 0)).1 += 1,
        }
    }
    if templates.has("404.html") {
        match templates.render_standalone(site, "404.html", "/404.html") {
            Ok(html) => files.push(OutputFile {
                path: "404.html".into(),
                bytes: finish_html(site, html),
            }),
            Err(e) => errors.entry((e.path.clone(), e.line)).or_insert((e, 0)).1 += 1,
        }
    }
    if errors.is_empty() {
        return Ok(files);
    }
    Err(Diagnostics(
        errors
            .into_values()
            .map(|(mut e, count)| {
                if count > 1 {
                    e.message
                        .push_str(&format!(" (and {} more pages)", count - 1));
                }
                e
            })
            .collect(),
    ))
}

fn finish_html(site: &Site, html: String) -> Vec<u8> {
    if site.config.minify {
        output::minify_html(&html)
    } else {
        html.into_bytes()
    }
}

/// The theme's `static/` files, then the site's own `static/`, which win on a clash.
fn static_files(root: &Path, theme: &str) -> Vec<CopiedFile> {
    let mut by_path = BTreeMap::new();
    for dir in [
        templates::theme_dir(root, theme).join("static"),
        root.join("static"),
    ] {
        let walker = WalkDir::new(&dir).sort_by_file_name().into_iter();
        for entry in walker
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_file())
        {
            let relative = entry.path().strip_prefix(&dir).unwrap_or(entry.path());
            let path = relative
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            if path.split('/').any(|part| part.starts_with('.')) {
                continue;
            }
            by_path.insert(
                path.clone(),
                CopiedFile {
                    source: entry.into_path(),
                    path,
                },
            );
        }
    }
    by_path.into_values().collect()
}
