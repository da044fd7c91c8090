//! Stage three: renders every page's Markdown, then every output file through its
//! template, in parallel. With a [`Cache`] (in `vellum serve`), unchanged work is reused.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use rayon::prelude::*;

use crate::content::SourceFile;
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::incremental::{Cache, hash_of};
use crate::markdown::{self, Anchors, Rendered, VersionBodies};
use crate::output::{self, OutputFile};
use crate::policy;
use crate::policy::record::{DataReads, DataViews};
use crate::site::Site;
use crate::templates::{CATALOG_TEMPLATE, CatalogOrder, Job, Templates, functions};

/// The Markdown stage's result: every policy version's rendered body (the record check
/// hashes them and several pages show each), the heading ids and links found in them,
/// and the data files each version read.
pub struct Versions {
    pub bodies: VersionBodies,
    anchors: Vec<Vec<Anchors>>,
    pub reads: DataReads,
}

/// Renders the Markdown of every policy version. A page's own Markdown is rendered by
/// the job that renders the page ([`render_outputs`]), so that no stage holds every
/// page's HTML at once.
///
/// Policy versions render their shortcodes from `views` (a published version reads the
/// data it was published with).
pub fn render_versions(
    site: &Site,
    templates: &Templates,
    views: &DataViews,
    cache: Option<&mut Cache>,
) -> Result<Versions, Diagnostics> {
    let resolve = |target: &str| site.link_url(target);
    let options = hash_of(&site.config.markdown) ^ 1;
    let shared = cache.as_deref();
    let reused = AtomicUsize::new(0);
    let versions: Vec<Vec<_>> = site
        .policies
        .par_iter()
        .zip(views)
        .map(|(p, views)| {
            p.versions
                .par_iter()
                .zip(views)
                .map(|(v, view)| {
                    functions::with_data_view(view.clone(), || {
                        render_body(site, templates, shared, &v.file, options, true, &reused)
                    })
                })
                .collect()
        })
        .collect();
    let mut errors = Diagnostics::default();
    let (versions, reads): (Vec<Vec<Rendered>>, DataReads) = versions
        .into_iter()
        .map(|v| {
            let (rendered, reads): (Vec<_>, Vec<_>) = v.into_iter().unzip();
            (unwrap_rendered(rendered, &mut errors), reads)
        })
        .unzip();
    if errors.has_errors() {
        return Err(errors);
    }
    if let Some(cache) = cache {
        for (policy, rendered) in site.policies.iter().zip(&versions) {
            for (version, r) in policy.versions.iter().zip(rendered) {
                cache.store_markdown(&version.file, options, &resolve, r);
            }
        }
        let total = versions.iter().map(Vec::len).sum::<usize>();
        let reused = reused.into_inner();
        cache.stats.markdown_reused = reused;
        cache.stats.markdown_rendered = total - reused;
    }
    let (bodies, anchors) = versions
        .into_iter()
        .map(|rendered| rendered.into_iter().map(Rendered::split).unzip())
        .unzip();
    Ok(Versions {
        bodies: VersionBodies::new(bodies, |html| hash_of(&html)),
        anchors,
        reads,
    })
}

/// Renders one file's Markdown, or takes it from the cache of `vellum serve`.
fn render_body(
    site: &Site,
    templates: &Templates,
    cache: Option<&Cache>,
    file: &SourceFile,
    options: u64,
    blocks: bool,
    reused: &AtomicUsize,
) -> Result<Rendered, Vec<Diagnostic>> {
    let resolve = |target: &str| site.link_url(target);
    if let Some(rendered) = cache.and_then(|c| c.markdown(file, options, &resolve)) {
        reused.fetch_add(1, Ordering::Relaxed);
        return Ok(rendered);
    }
    let shortcode = |call: &crate::shortcodes::Call, body: Option<String>| {
        templates.render_shortcode(call, body)
    };
    let file = file.whole().map_err(|e| vec![e])?;
    markdown::render_with_shortcodes(
        &file,
        &site.config.markdown,
        &resolve,
        blocks,
        Some(&shortcode),
    )
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

/// When a build stops before its pages render (a missing template, a problem with the
/// record), their Markdown is still rendered and its links checked, so that one build
/// reports every problem. `versions` is `None` when the versions' Markdown failed.
pub fn check_pages(site: &Site, templates: &Templates, versions: Option<&Versions>) -> Diagnostics {
    let options = hash_of(&site.config.markdown);
    let reused = AtomicUsize::new(0);
    let results: Vec<_> = site
        .pages
        .par_iter()
        .map(|page| render_body(site, templates, None, &page.file, options, false, &reused))
        .collect();
    let mut errors = Diagnostics::default();
    let anchors: Vec<Option<Anchors>> = results
        .into_iter()
        .map(|result| match result {
            Ok(rendered) => Some(rendered.split().1),
            Err(e) => {
                errors.extend(e);
                None
            }
        })
        .collect();
    let versions = versions.map(|v| v.anchors.as_slice());
    check_anchors(site, &anchors, versions, &mut errors);
    errors
}

/// Checks every `@/page.md#anchor` link against the headings of its target: a page, a
/// policy (its version in force) or a policy version. `pages` holds what each page's
/// job found (`None` where its Markdown failed, already reported).
fn check_anchors(
    site: &Site,
    pages: &[Option<Anchors>],
    versions: Option<&[Vec<Anchors>]>,
    errors: &mut Diagnostics,
) {
    let ids_of = |target: &str| -> Option<&[String]> {
        if let Some(i) = site.index_by_relative(target) {
            return pages[i].as_ref().map(|a| a.ids.as_slice());
        }
        let versions = versions?;
        let (p, v) = site.policy_target(target)?;
        let v = v
            .or_else(|| site.policies[p].current_index(site.today()))
            .unwrap_or(0);
        Some(&versions[p][v].ids)
    };
    let sources = site
        .pages
        .iter()
        .zip(pages)
        .filter_map(|(p, a)| Some((&p.file, a.as_ref()?)))
        .chain(
            site.policies
                .iter()
                .zip(versions.unwrap_or_default())
                .flat_map(|(p, a)| p.versions.iter().map(|v| &v.file).zip(a)),
        );
    for (file, anchors) in sources {
        for link in &anchors.links {
            let Some(anchor) = &link.anchor else { continue };
            let Some(ids) = ids_of(&link.target) else {
                continue;
            };
            if ids.iter().any(|id| id == anchor) {
                continue;
            }
            let error = Diagnostic::error(
                &file.display_path,
                format!(
                    "link to `@/{}#{anchor}`: that page has no heading with id `{anchor}`",
                    link.target
                ),
            )
            .with_help(format!("headings there have ids: {}", ids.join(", ")));
            // The link is in the body, which a page reads again to point at it.
            errors.push(match file.whole() {
                Ok(whole) => error.at_span(&whole.text, link.span.clone()),
                Err(_) => error,
            });
        }
    }
}

/// Every output file rendered from a template: pages and sections, policy pages, the
/// changelog and feed, and `404.html`.
fn jobs<'a>(site: &'a Site, templates: &Templates) -> Vec<(String, Job<'a>, bool)> {
    let policy_pages = policy::pages::all(&site.policies, site.today());
    let pagers: usize = site.pages.iter().map(|p| p.pagers() - 1).sum();
    let catalogs = site
        .pages
        .iter()
        .filter(|p| p.template == CATALOG_TEMPLATE)
        .count();
    // Sized once: a list of 100,000 jobs grown by doubling holds up to twice that.
    let mut jobs: Vec<(String, Job, bool)> =
        Vec::with_capacity(site.pages.len() + pagers + policy_pages.len() + 2 * catalogs + 1);
    jobs.extend(
        site.pages
            .iter()
            .map(|page| (format!("{}index.html", page.path), Job::Page(page), true)),
    );
    for page in site.pages.iter().filter(|p| p.pagers() > 1) {
        for number in 2..=page.pagers() {
            let path = format!("{}index.html", page.pager_path(number));
            jobs.push((path, Job::Pager { page, number }, true));
        }
    }
    jobs.extend(
        policy_pages
            .into_iter()
            .map(|p| (p.output_path(&site.policies), Job::Policy(p), p.is_html())),
    );
    for page in site.pages.iter().filter(|p| p.template == CATALOG_TEMPLATE) {
        for order in [CatalogOrder::PriceLowToHigh, CatalogOrder::PriceHighToLow] {
            let path = format!("{}{}index.html", page.path, order.slug());
            jobs.push((path, Job::Sorted { page, order }, true));
        }
    }
    if templates.has("404.html") {
        jobs.push((
            "404.html".into(),
            Job::Standalone {
                template: "404.html",
                path: "/404.html",
            },
            true,
        ));
    }
    jobs
}

/// For every output file rendered from a template, the content file it shows (for
/// pointing at lines in `vellum check`).
pub fn sources(site: &Site, templates: &Templates) -> Vec<(String, PathBuf)> {
    jobs(site, templates)
        .into_iter()
        .map(|(path, job, _)| {
            let source = match job {
                Job::Page(page) => page.file.display_path.clone(),
                Job::Policy(page) => match page {
                    policy::pages::PolicyPage::Current { policy } => {
                        let p = &site.policies[policy];
                        let shown = p.current_index(site.today()).unwrap_or(0);
                        p.versions[shown].file.display_path.clone()
                    }
                    policy::pages::PolicyPage::Version { policy, version }
                    | policy::pages::PolicyPage::Changes { policy, version }
                    | policy::pages::PolicyPage::Compare {
                        policy,
                        to: version,
                        ..
                    } => site.policies[policy].versions[version]
                        .file
                        .display_path
                        .clone(),
                    _ => PathBuf::from(page.template()),
                },
                Job::Standalone { template, .. } => PathBuf::from(template),
                Job::Sorted { page, .. } | Job::Pager { page, .. } => {
                    page.file.display_path.clone()
                }
            };
            (path, source)
        })
        .collect()
}

/// A rendered output file, and what the job learned on the way.
struct Done {
    file: OutputFile,
    /// The file's digest, when the sink wrote it.
    digest: Option<output::Digest>,
    /// `vellum serve`: the output's cache key and the functions it called (fresh renders).
    fresh: Option<(u64, Vec<functions::Call>)>,
    /// Pages only: the page's index, the anchors of its Markdown, and (for the cache of
    /// `vellum serve`) the rendering itself.
    page: Option<(usize, Anchors, Option<Box<Rendered>>)>,
}

enum Failed {
    /// The page's Markdown: every problem, each at its line.
    Markdown(Vec<Diagnostic>),
    Template(Diagnostic),
    /// A catalog's sorted copy or a later listing page whose Markdown failed: its
    /// `Job::Page` reports it.
    Reported,
}

/// The rendered files (with empty bytes for those written by a folder sink) and the
/// digest of each written one, by path.
pub struct Outputs {
    /// The files a [`output::Sink::Memory`] holds (none for a folder sink, whose files
    /// are on disk: see `digests`).
    pub files: Vec<OutputFile>,
    pub digests: HashMap<String, output::Digest>,
}

/// Renders every output file in parallel: a page's job renders its Markdown, then its
/// template, writes the result and drops both, so memory holds one page per thread.
/// Pages whose inputs are unchanged since the cached build are reused.
pub fn render_outputs(
    site: &Site,
    templates: &Templates,
    versions: &Versions,
    record: &policy::lock::Lock,
    mut cache: Option<&mut Cache>,
    progress: bool,
    sink: output::Sink,
) -> Result<Outputs, Diagnostics> {
    let jobs = jobs(site, templates);
    let total = jobs.len();
    let done = AtomicUsize::new(0);
    let show_progress = progress && total >= 2000;
    let shared = cache.as_deref();
    let options = hash_of(&site.config.markdown);
    let reused = AtomicUsize::new(0);
    let results: Vec<Result<Done, Failed>> = jobs
        .into_par_iter()
        .map(|(path, job, html)| {
            let (shown, own) = match job {
                Job::Page(page) => (Some(page), true),
                Job::Sorted { page, .. } | Job::Pager { page, .. } => (Some(page), false),
                _ => (None, false),
            };
            // A catalog's sorted copies and a section's later listing pages render its
            // Markdown again; only its own page
            // counts as a reuse.
            let ignored = AtomicUsize::new(0);
            let counter = if own { &reused } else { &ignored };
            let rendered = match shown {
                Some(page) => {
                    match render_body(site, templates, shared, &page.file, options, false, counter)
                    {
                        Ok(rendered) => Some(rendered),
                        Err(e) if own => return Err(Failed::Markdown(e)),
                        Err(_) => return Err(Failed::Reported),
                    }
                }
                None => None,
            };
            let kept = rendered
                .as_ref()
                .filter(|_| own && shared.is_some())
                .map(|r| Box::new(r.clone()));
            let (body, anchors) = rendered.map(Rendered::split).unzip();
            let page = shown.filter(|_| own).and_then(|p| {
                let index = site.index_by_relative(&p.file.relative)?;
                Some((index, anchors.unwrap_or_default(), kept))
            });
            let mut prepared =
                templates.prepare(site, job, body.as_ref(), &versions.bodies, record);
            drop(body);
            let key = shared.map(|_| {
                let context = prepared.context.to_json();
                hash_of(&(
                    templates.dependency_hash(&prepared.template),
                    context,
                    prepared.redline.map(|r| r.inputs_hash(&versions.bodies)),
                    site.config.minify,
                    html,
                ))
            });
            if let (Some(cache), Some(key)) = (shared, key)
                && let Some(bytes) = cache.output(&path, key, site, templates.shared())
            {
                let file = OutputFile { path, bytes };
                let (file, digest) = sink.accept(file).map_err(Failed::Template)?;
                return Ok(Done {
                    file,
                    digest,
                    fresh: None,
                    page,
                });
            }
            // Only `vellum serve` needs to know which functions a page called.
            if shared.is_some() {
                functions::start_recording();
            }
            templates.complete(&mut prepared, &versions.bodies);
            let rendered = templates.render(&prepared);
            drop(prepared);
            let calls = if shared.is_some() {
                functions::finish_recording()
            } else {
                Vec::new()
            };
            let text = rendered.map_err(Failed::Template)?;
            let n = done.fetch_add(1, Ordering::Relaxed) + 1;
            if show_progress && n.is_multiple_of(1000) {
                eprint!("\rrendered {n}/{total} pages");
            }
            let bytes = if html {
                finish_html(site, text)
            } else {
                text.into_bytes()
            };
            let (file, digest) = sink
                .accept(OutputFile { path, bytes })
                .map_err(Failed::Template)?;
            let fresh = key.map(|k| (k, calls));
            Ok(Done {
                file,
                digest,
                fresh,
                page,
            })
        })
        .collect();
    if show_progress {
        eprintln!("\rrendered {total}/{total} pages");
    }
    let holds_files = matches!(sink, output::Sink::Memory);
    let mut files = Vec::with_capacity(if holds_files { results.len() } else { 0 });
    let mut digests = HashMap::new();
    let mut markdown_errors = Diagnostics::default();
    let mut errors: BTreeMap<(PathBuf, Option<usize>), (Diagnostic, usize)> = BTreeMap::new();
    let mut anchors: Vec<Option<Anchors>> = vec![None; site.pages.len()];
    let mut rendered = 0;
    for result in results {
        match result {
            Ok(done) => {
                if let Some((index, found, kept)) = done.page {
                    if let (Some(cache), Some(kept)) = (cache.as_deref_mut(), kept) {
                        let resolve = |t: &str| site.link_url(t);
                        let file = &site.pages[index].file;
                        cache.store_markdown(file, options, &resolve, &kept);
                    }
                    anchors[index] = Some(found);
                }
                if let (Some(cache), Some((key, calls))) = (cache.as_deref_mut(), done.fresh) {
                    cache.store_output(done.file.path.clone(), key, calls, &done.file.bytes);
                    rendered += 1;
                }
                match (done.digest, holds_files) {
                    (Some(digest), false) => {
                        digests.insert(done.file.path, digest);
                    }
                    (Some(digest), true) => {
                        digests.insert(done.file.path.clone(), digest);
                        files.push(done.file);
                    }
                    (None, true) => files.push(done.file),
                    (None, false) => {}
                }
            }
            Err(Failed::Markdown(e)) => markdown_errors.extend(e),
            // One broken template fails every page that uses it: report it once.
            Err(Failed::Template(e)) => {
                errors.entry((e.path.clone(), e.line)).or_insert((e, 0)).1 += 1
            }
            Err(Failed::Reported) => {}
        }
    }
    check_anchors(
        site,
        &anchors,
        Some(&versions.anchors),
        &mut markdown_errors,
    );
    if let Some(cache) = cache {
        let paths: std::collections::HashSet<&str> =
            files.iter().map(|f| f.path.as_str()).collect();
        cache.retain_outputs(|p| paths.contains(p));
        cache.stats.pages_rendered = rendered;
        cache.stats.pages_reused = files.len() - rendered;
        let reused = reused.into_inner();
        cache.stats.markdown_reused += reused;
        cache.stats.markdown_rendered += site.pages.len() - reused.min(site.pages.len());
    }
    if errors.is_empty() && !markdown_errors.has_errors() {
        return Ok(Outputs { files, digests });
    }
    let mut all = markdown_errors;
    all.extend(errors.into_values().map(|(mut e, count)| {
        if count > 1 {
            e.message
                .push_str(&format!(" (and {} more pages)", count - 1));
        }
        e
    }));
    Err(all)
}

fn finish_html(site: &Site, html: String) -> Vec<u8> {
    if site.config.minify {
        output::minify_html(&html)
    } else {
        html.into_bytes()
    }
}
