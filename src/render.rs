//! Stage three: renders every page's Markdown, then every output file through its
//! template, in parallel. With a [`Cache`] (in `vellum serve`), unchanged work is reused.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use rayon::prelude::*;

use crate::content::SourceFile;
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::incremental::{Cache, hash_of};
use crate::markdown::{self, Body, Rendered};
use crate::output::{self, OutputFile};
use crate::policy;
use crate::policy::record::{DataReads, DataViews};
use crate::site::Site;
use crate::templates::{CATALOG_TEMPLATE, CatalogOrder, Job, Templates, functions};

/// Renders the Markdown of every page and policy version, then checks `@/page.md#anchor`
/// links against the headings of their targets.
///
/// Policy versions render their shortcodes from `views` (a published version reads the
/// data it was published with); returns the data files each version read.
pub fn render_markdown(
    site: &Site,
    templates: &Templates,
    views: &DataViews,
    cache: Option<&mut Cache>,
) -> Result<DataReads, Diagnostics> {
    let resolve = |target: &str| site.path_of(target).map(|path| site.permalink(&path));
    let options = hash_of(&site.config.markdown);
    let shared = cache.as_deref();
    let reused = AtomicUsize::new(0);
    let shortcode = |call: &crate::shortcodes::Call, body: Option<String>| {
        templates.render_shortcode(call, body)
    };
    let render = |file: &SourceFile, blocks: bool| {
        let options = options ^ u64::from(blocks);
        if let Some(rendered) = shared.and_then(|c| c.markdown(file, options, &resolve)) {
            reused.fetch_add(1, Ordering::Relaxed);
            return Ok(rendered);
        }
        markdown::render_with_shortcodes(
            file,
            &site.config.markdown,
            &resolve,
            blocks,
            Some(&shortcode),
        )
    };
    let pages: Vec<_> = site
        .pages
        .par_iter()
        .map(|page| render(&page.file, false))
        .collect();
    let versions: Vec<Vec<_>> = site
        .policies
        .par_iter()
        .zip(views)
        .map(|(p, views)| {
            p.versions
                .par_iter()
                .zip(views)
                .map(|(v, view)| functions::with_data_view(view.clone(), || render(&v.file, true)))
                .collect()
        })
        .collect();
    let mut errors = Diagnostics::default();
    let pages = unwrap_rendered(pages, &mut errors);
    let (versions, reads): (Vec<Vec<Rendered>>, DataReads) = versions
        .into_iter()
        .map(|v| {
            let (rendered, reads): (Vec<_>, Vec<_>) = v.into_iter().unzip();
            (unwrap_rendered(rendered, &mut errors), reads)
        })
        .unzip();
    check_anchors(site, &pages, &versions, &mut errors);
    if errors.has_errors() {
        return Err(errors);
    }
    if let Some(cache) = cache {
        for (page, r) in site.pages.iter().zip(&pages) {
            cache.store_markdown(&page.file, options, &resolve, r);
        }
        for (policy, rendered) in site.policies.iter().zip(&versions) {
            for (version, r) in policy.versions.iter().zip(rendered) {
                cache.store_markdown(&version.file, options ^ 1, &resolve, r);
            }
        }
        let total = pages.len() + versions.iter().map(Vec::len).sum::<usize>();
        let reused = reused.into_inner();
        cache.stats.markdown_reused = reused;
        cache.stats.markdown_rendered = total - reused;
    }
    for (page, r) in site.pages.iter().zip(pages) {
        let _ = page.body.set(Body {
            html: r.html,
            toc: r.toc,
            block_ends: Vec::new(),
        });
    }
    for (policy, rendered) in site.policies.iter().zip(versions) {
        for (version, r) in policy.versions.iter().zip(rendered) {
            let _ = version.body.set(Body {
                html: r.html,
                toc: r.toc,
                block_ends: r.block_ends,
            });
        }
    }
    Ok(reads)
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
    let page_index: HashMap<&str, usize> = site
        .pages
        .iter()
        .enumerate()
        .map(|(i, p)| (p.file.relative.as_str(), i))
        .collect();
    // The headings of whatever a link points at: a page, a policy (its version in force)
    // or a policy version.
    let ids_of = |target: &str| -> Option<&[String]> {
        if let Some(&i) = page_index.get(target) {
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

/// Every output file rendered from a template: pages and sections, policy pages, the
/// changelog and feed, and `404.html`.
fn jobs<'a>(site: &'a Site, templates: &Templates) -> Vec<(String, Job<'a>, bool)> {
    let mut jobs: Vec<(String, Job, bool)> = site
        .pages
        .iter()
        .map(|page| (format!("{}index.html", page.path), Job::Page(page), true))
        .collect();
    jobs.extend(
        policy::pages::all(&site.policies, site.today())
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
                Job::Sorted { page, .. } => page.file.display_path.clone(),
            };
            (path, source)
        })
        .collect()
}

type JobResult = Result<
    (
        OutputFile,
        Option<output::Digest>,
        Option<(u64, Vec<functions::Call>)>,
    ),
    Diagnostic,
>;

/// The rendered files (with empty bytes for those written by a folder sink) and the
/// digest of each written one, by path.
pub struct Outputs {
    pub files: Vec<OutputFile>,
    pub digests: HashMap<String, output::Digest>,
}

/// Renders every output file in parallel. Pages whose inputs are unchanged since the
/// cached build are reused.
pub fn render_outputs(
    site: &Site,
    templates: &Templates,
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
    let results: Vec<JobResult> = jobs
        .into_par_iter()
        .map(|(path, job, html)| {
            let prepared = templates.prepare(site, job, record);
            let key = shared.map(|_| {
                let context = prepared.context.to_json();
                hash_of(&(
                    templates.dependency_hash(&prepared.template),
                    context,
                    site.config.minify,
                    html,
                ))
            });
            if let (Some(cache), Some(key)) = (shared, key)
                && let Some(bytes) = cache.output(&path, key, site, templates.shared())
            {
                return Ok((OutputFile { path, bytes }, None, None));
            }
            // Only `vellum serve` needs to know which functions a page called.
            if shared.is_some() {
                functions::start_recording();
            }
            let rendered = templates.render(&prepared);
            let calls = if shared.is_some() {
                functions::finish_recording()
            } else {
                Vec::new()
            };
            let text = rendered?;
            let n = done.fetch_add(1, Ordering::Relaxed) + 1;
            if show_progress && n.is_multiple_of(1000) {
                eprint!("\rrendered {n}/{total} pages");
            }
            let bytes = if html {
                finish_html(site, text)
            } else {
                text.into_bytes()
            };
            let (file, digest) = sink.accept(OutputFile { path, bytes })?;
            Ok((file, digest, key.map(|k| (k, calls))))
        })
        .collect();
    if show_progress {
        eprintln!("\rrendered {total}/{total} pages");
    }
    let mut files = Vec::with_capacity(results.len());
    let mut digests = HashMap::new();
    let mut errors: BTreeMap<(PathBuf, Option<usize>), (Diagnostic, usize)> = BTreeMap::new();
    let mut rendered = 0;
    for result in results {
        match result {
            Ok((file, digest, fresh)) => {
                if let Some(digest) = digest {
                    digests.insert(file.path.clone(), digest);
                }
                if let (Some(cache), Some((key, calls))) = (cache.as_deref_mut(), fresh) {
                    cache.store_output(file.path.clone(), key, calls, &file.bytes);
                    rendered += 1;
                }
                files.push(file);
            }
            // One broken template fails every page that uses it: report it once.
            Err(e) => errors.entry((e.path.clone(), e.line)).or_insert((e, 0)).1 += 1,
        }
    }
    if let Some(cache) = cache {
        let paths: std::collections::HashSet<&str> =
            files.iter().map(|f| f.path.as_str()).collect();
        cache.retain_outputs(|p| paths.contains(p));
        cache.stats.pages_rendered = rendered;
        cache.stats.pages_reused = files.len() - rendered;
    }
    if errors.is_empty() {
        return Ok(Outputs { files, digests });
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
