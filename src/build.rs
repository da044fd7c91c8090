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
}

/// The site in memory, rendered and ready to write.
#[derive(Debug)]
pub struct RenderedSite {
    pub files: Vec<OutputFile>,
    pub copies: Vec<CopiedFile>,
    pub pages: usize,
    pub sections: usize,
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
    let (content, mut diagnostics) = crate::content::load(root);
    let templates = Templates::load(root, &config.theme);
    if let Err(errors) = &templates {
        diagnostics.extend(errors.0.iter().cloned());
    }
    let warnings = diagnostics.take_warnings();
    let (Ok(mut templates), false) = (templates, diagnostics.has_errors()) else {
        return Err(fail(diagnostics, warnings));
    };
    let copies = static_files(root, &config.theme);
    let mut site = match Site::new(config, options.now, content, options.drafts) {
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
    if errors.has_errors() {
        return Err(fail(errors, warnings));
    }
    let site = Arc::new(site);
    templates.register_functions(Arc::clone(&site));
    let files = render_templates(&site, &templates, options.progress)
        .map_err(|e| fail(e, warnings.clone()))?;
    let mut copies = copies;
    copies.extend(site.assets.iter().map(|(asset, path)| CopiedFile {
        source: asset.source.clone(),
        path: path.clone(),
    }));
    let sections = site.pages.iter().filter(|p| p.is_section()).count();
    Ok(RenderedSite {
        pages: site.pages.len() - sections,
        sections,
        files,
        copies,
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

/// Renders every page's Markdown in parallel, then checks `@/page.md#anchor` links.
fn render_markdown(site: &mut Site) -> Result<(), Diagnostics> {
    let resolve = |target: &str| {
        site.page_by_relative(target)
            .map(|p| site.permalink(&p.path))
    };
    let results: Vec<Result<Rendered, Vec<Diagnostic>>> = site
        .pages
        .par_iter()
        .map(|page| markdown::render(&page.file, &site.config.markdown, &resolve))
        .collect();
    let mut errors = Diagnostics::default();
    let mut rendered = Vec::with_capacity(results.len());
    for result in results {
        match result {
            Ok(r) => rendered.push(r),
            Err(e) => {
                errors.extend(e);
                rendered.push(Rendered::default());
            }
        }
    }
    check_anchors(site, &rendered, &mut errors);
    if errors.has_errors() {
        return Err(errors);
    }
    for (page, r) in site.pages.iter_mut().zip(rendered) {
        page.content = r.html;
        page.toc = r.toc;
    }
    Ok(())
}

fn check_anchors(site: &Site, rendered: &[Rendered], errors: &mut Diagnostics) {
    let index: std::collections::HashMap<&str, usize> = site
        .pages
        .iter()
        .enumerate()
        .map(|(i, p)| (p.file.relative.as_str(), i))
        .collect();
    for (page, r) in site.pages.iter().zip(rendered) {
        for link in &r.internal_links {
            let (Some(anchor), Some(&target)) = (&link.anchor, index.get(link.target.as_str()))
            else {
                continue;
            };
            if rendered[target].ids.iter().any(|id| id == anchor) {
                continue;
            }
            errors.push(
                Diagnostic::error(
                    &page.file.display_path,
                    format!(
                        "link to `@/{}#{anchor}`: that page has no heading with id `{anchor}`",
                        link.target
                    ),
                )
                .at_span(&page.file.text, link.span.clone())
                .with_help(format!(
                    "headings there have ids: {}",
                    rendered[target].ids.join(", ")
                )),
            );
        }
    }
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
