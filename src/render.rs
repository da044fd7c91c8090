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
use crate::templates::{
    CATALOG_TEMPLATE, CatalogOrder, Job, JobKey, Shown, Templates, finish_recording_shown,
    functions, start_recording_shown,
};

/// The Markdown stage's result: every policy version's rendered body (the record check
/// hashes them and several pages show each), the heading ids and links found in them,
/// and the data files each version read.
pub struct Versions {
    pub bodies: VersionBodies,
    anchors: Vec<Vec<Anchors>>,
    pub reads: DataReads,
    /// The pages' summaries and listings the versions' shortcodes showed (through
    /// `get_page` or `get_section`), for `vellum serve`'s body edits.
    pub shown: Vec<Shown>,
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
    let options = MarkdownOptions::new(site, templates, true);
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
                        start_recording_shown();
                        let rendered =
                            render_body(site, templates, shared, &v.file, options, true, &reused);
                        (rendered, finish_recording_shown())
                    })
                })
                .collect()
        })
        .collect();
    let mut shown: Vec<Shown> = Vec::new();
    let versions: Vec<Vec<_>> = versions
        .into_iter()
        .map(|policy| {
            policy
                .into_iter()
                .map(|((rendered, seen), reads)| {
                    shown.extend(seen);
                    (rendered, reads)
                })
                .collect()
        })
        .collect();
    shown.sort_unstable();
    shown.dedup();
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
                let resolve = resolver(site, &version.file);
                cache.store_markdown(&version.file, options.of(&version.file), &resolve, r);
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
        shown,
    })
}

/// What a file's Markdown renders with besides its text: the site's Markdown settings
/// and the theme strings the render stage writes in the file's language (the heading
/// anchors' label). Every place that names a rendering (the render itself, the cache's
/// identities) asks [`MarkdownOptions::of`], so that they agree.
#[derive(Debug, Clone, Copy)]
pub struct MarkdownOptions {
    base: u64,
    strings: u64,
}

impl MarkdownOptions {
    fn new(site: &Site, templates: &Templates, versions: bool) -> MarkdownOptions {
        MarkdownOptions {
            base: hash_of(&site.config.markdown) ^ u64::from(versions),
            strings: templates.strings_hash(),
        }
    }

    /// The options of `file`'s rendering, as one number.
    fn of(self, file: &SourceFile) -> u64 {
        self.base ^ hash_of(&(&*file.lang, self.strings))
    }
}

/// `@/` links of a file resolve in its language.
fn resolver<'a>(site: &'a Site, file: &'a SourceFile) -> impl Fn(&str) -> Option<String> + 'a {
    move |target: &str| site.link_url_in(target, &file.lang)
}

/// Renders one file's Markdown, or takes it from the cache of `vellum serve`.
fn render_body(
    site: &Site,
    templates: &Templates,
    cache: Option<&Cache>,
    file: &SourceFile,
    options: MarkdownOptions,
    blocks: bool,
    reused: &AtomicUsize,
) -> Result<Rendered, Vec<Diagnostic>> {
    // `@/` links and shortcodes resolve in the page's own language, and the heading
    // anchors' label is in it (which the Markdown's identity then includes).
    let resolve = resolver(site, file);
    let mut config = site.config.markdown.clone();
    config.anchor_label = templates.string(
        &file.lang,
        &site.config.default_language,
        "heading_anchor_label",
    );
    let options = options.of(file);
    if let Some(rendered) = cache.and_then(|c| c.markdown(file, options, &resolve)) {
        reused.fetch_add(1, Ordering::Relaxed);
        return Ok(rendered);
    }
    let shortcode = |call: &crate::shortcodes::Call, body: Option<String>| {
        templates.render_shortcode(call, body, &file.lang)
    };
    let file = file.whole().map_err(|e| vec![e])?;
    markdown::render_with_shortcodes(&file, &config, &resolve, blocks, Some(&shortcode)).map_err(
        |errors| {
            errors
                .into_iter()
                .map(|error| did_you_mean(site, error))
                .collect()
        },
    )
}

/// A link that goes nowhere, with the page it probably meant.
fn did_you_mean(site: &Site, mut error: Diagnostic) -> Diagnostic {
    if error.help.as_deref() != Some(markdown::MISSING_LINK_HELP) {
        return error;
    }
    let target = error
        .message
        .strip_prefix("link to `@/")
        .and_then(|rest| rest.split('`').next());
    if let Some(known) = target.and_then(|t| site.closest_source(t)) {
        error.help = Some(format!(
            "did you mean @/{known}? (paths are under content/)"
        ));
    }
    error
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
    let options = MarkdownOptions::new(site, templates, false);
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

/// One output file to render: its path, its job and whether it is HTML.
type Task<'a> = (String, Job<'a>, bool);

/// Every output file rendered from a template: pages and sections, policy pages, the
/// changelog and feed, and `404.html`.
fn jobs<'a>(site: &'a Site, templates: &Templates) -> Vec<Task<'a>> {
    let policy_pages = policy::pages::all(&site.policies, site.today());
    let pagers: usize = site.pages.iter().map(|p| p.pagers() - 1).sum();
    let catalogs = site
        .pages
        .iter()
        .filter(|p| p.template == CATALOG_TEMPLATE)
        .count();
    // Sized once: a list of 100,000 jobs grown by doubling holds up to twice that.
    let mut jobs: Vec<Task> =
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
                    // Its redline shows the text of the version in force.
                    policy::pages::PolicyPage::ChangesToCurrent { policy, version } => {
                        let p = &site.policies[policy];
                        let shown = p.current_index(site.today()).unwrap_or(version);
                        p.versions[shown].file.display_path.clone()
                    }
                    policy::pages::PolicyPage::Version { policy, version }
                    | policy::pages::PolicyPage::Changes { policy, version } => {
                        site.policies[policy].versions[version]
                            .file
                            .display_path
                            .clone()
                    }
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
    /// `vellum serve`: what the cache keeps of a fresh render.
    fresh: Option<Fresh>,
    /// Pages only: the page's index and the anchors of its Markdown.
    page: Option<(usize, Anchors)>,
    /// `vellum serve`: when the page's job rendered its Markdown, whether it had
    /// shortcodes (the cache keeps its anchors unless it had).
    markdown: Option<bool>,
    /// `vellum serve`: the job, by page index, and whether it is HTML.
    job: Option<(JobKey, bool)>,
}

/// What `vellum serve` keeps of an output rendered afresh: its cache key, the functions
/// it called, the pages' data it showed, and the page whose Markdown it renders.
struct Fresh {
    key: u64,
    /// The template functions it called, interned by the cache.
    calls: Box<[u32]>,
    shown: Box<[Shown]>,
    /// The page whose Markdown it renders, by its key.
    source: Option<u64>,
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
    /// The anchors of every page's Markdown, by page index (`None` where it failed),
    /// which `vellum serve` keeps to check links again after an edit.
    pub anchors: Vec<Option<Anchors>>,
}

/// What every job of one render reads.
struct Render<'a> {
    site: &'a Site,
    templates: &'a Templates,
    versions: &'a Versions,
    record: &'a policy::lock::Lock,
    cache: Option<&'a Cache>,
    sink: &'a output::Sink<'a>,
    /// The Markdown settings (a cached rendering must have used the same).
    options: MarkdownOptions,
    /// Pages whose Markdown came from the cache.
    reused: AtomicUsize,
    /// Which calls kept by the cache still give their result, in this build.
    checks: Option<crate::incremental::CallChecks>,
}

impl Render<'_> {
    /// Renders one output file: a page's job renders its Markdown, then its template,
    /// hands the result to the sink and drops both.
    ///
    /// With a cache (`vellum serve`), the output's key is taken first from its context
    /// with an empty body and its Markdown's identity (for an unchanged page, known
    /// without rendering it): an output whose key and function results are unchanged is
    /// reused without rendering anything.
    fn job(&self, path: String, job: Job<'_>, html: bool) -> Result<Done, Failed> {
        let Render {
            site,
            templates,
            versions,
            cache,
            ..
        } = *self;
        let (shown, own) = match job {
            Job::Page(page) => (Some(page), true),
            Job::Sorted { page, .. } | Job::Pager { page, .. } => (Some(page), false),
            _ => (None, false),
        };
        let source = shown.and_then(|p| site.index_by_relative(&p.file.relative));
        let Some(cache) = cache else {
            let rendered = match shown {
                Some(page) => Some(self.markdown(page, own)?),
                None => None,
            };
            let (body, anchors) = rendered.map(Rendered::split).unzip();
            let page = source
                .filter(|_| own)
                .map(|i| (i, anchors.unwrap_or_default()));
            let mut prepared =
                templates.prepare(site, job, body.as_ref(), &versions.bodies, self.record);
            drop(body);
            templates.complete(&mut prepared, &versions.bodies);
            let text = templates.render(&prepared).map_err(Failed::Template)?;
            let verbatim = prepared.verbatim.take();
            drop(prepared);
            return self.finish(path, text, html, None, page, verbatim.as_deref());
        };
        // Which functions a page called and which pages' data it showed; recording
        // starts before the Markdown, whose shortcodes call functions too.
        functions::start_recording();
        start_recording_shown();
        let _recording = Recording;
        let job_key = job.key(site).map(|key| (key, html));
        let (identity, mut rendered, anchors) = match shown {
            Some(page) => match cache.page_markdown(
                &page.file,
                self.options.of(&page.file),
                &resolver(site, &page.file),
            ) {
                Some((identity, anchors)) => {
                    if own {
                        self.reused.fetch_add(1, Ordering::Relaxed);
                    }
                    (identity, None, Some(anchors))
                }
                None => {
                    let rendered = self.markdown(page, own)?;
                    let identity = identity_of(
                        &page.file,
                        self.options.of(&page.file),
                        &rendered,
                        &resolver(site, &page.file),
                    );
                    (identity, Some(rendered), None)
                }
            },
            None => (0, None, None),
        };
        let prepared = templates.prepare(site, job, None, &versions.bodies, self.record);
        let key = hash_of(&(
            templates.dependency_hash(&prepared.template),
            templates.context_key(&prepared),
            identity,
            prepared
                .redline
                .as_ref()
                .map(|r| r.inputs_hash(&versions.bodies)),
            site.config.minify,
            html,
        ));
        // The page's anchors: the cache's, or those of the rendering (called once, on
        // whichever way the job ends).
        let anchors_of = |rendered: &Option<Rendered>| {
            anchors.or_else(|| rendered.as_ref().map(Rendered::anchors))
        };
        let checks = self.checks.as_ref().expect("made with the cache");
        if let Some(digest) = cache.output(&path, key, site, templates.shared(), checks) {
            let page = source
                .filter(|_| own)
                .map(|i| (i, anchors_of(&rendered).unwrap_or_default()));
            let done = Done {
                file: OutputFile {
                    path,
                    bytes: Vec::new(),
                },
                digest: Some(digest),
                fresh: None,
                page,
                markdown: rendered.filter(|_| own).map(|r| r.has_shortcodes),
                job: job_key,
            };
            return Ok(done);
        }
        let mut prepared = match (shown, &rendered) {
            (Some(page), None) => {
                rendered = Some(self.markdown(page, own)?);
                let body = rendered.as_ref().map(|r| r.body());
                templates.prepare(site, job, body.as_ref(), &versions.bodies, self.record)
            }
            (Some(_), Some(r)) => {
                let body = r.body();
                templates.prepare(site, job, Some(&body), &versions.bodies, self.record)
            }
            (None, _) => prepared,
        };
        templates.complete(&mut prepared, &versions.bodies);
        let text = templates.render(&prepared);
        let verbatim = prepared.verbatim.take();
        drop(prepared);
        let fresh = Fresh {
            key,
            calls: cache.intern(functions::finish_recording()),
            shown: finish_recording_shown(),
            source: shown.map(|page| page.key()),
        };
        let text = text.map_err(Failed::Template)?;
        let page = source
            .filter(|_| own)
            .map(|i| (i, anchors_of(&rendered).unwrap_or_default()));
        let mut done = self.finish(path, text, html, Some(fresh), page, verbatim.as_deref())?;
        done.markdown = rendered.filter(|_| own).map(|r| r.has_shortcodes);
        done.job = job_key;
        Ok(done)
    }

    /// The Markdown of the page a job shows, rendered now. A catalog's sorted copies
    /// and a section's later listing pages render it again: only the page's own job
    /// reports its problems.
    fn markdown(&self, page: &crate::site::Page, own: bool) -> Result<Rendered, Failed> {
        let unused = AtomicUsize::new(0);
        let rendered = render_body(
            self.site,
            self.templates,
            None,
            &page.file,
            self.options,
            false,
            &unused,
        );
        match rendered {
            Ok(rendered) => Ok(rendered),
            Err(e) if own => Err(Failed::Markdown(e)),
            Err(_) => Err(Failed::Reported),
        }
    }

    /// Minifies a rendered page and hands it to the sink.
    fn finish(
        &self,
        path: String,
        text: String,
        html: bool,
        fresh: Option<Fresh>,
        page: Option<(usize, Anchors)>,
        verbatim: Option<&str>,
    ) -> Result<Done, Failed> {
        let bytes = if html {
            finish_html(self.site, text, verbatim)
        } else {
            text.into_bytes()
        };
        let (file, digest) = self
            .sink
            .accept(OutputFile { path, bytes })
            .map_err(Failed::Template)?;
        Ok(Done {
            file,
            digest,
            fresh,
            page,
            markdown: None,
            job: None,
        })
    }
}

/// The identity of a page's Markdown just rendered, as [`Cache::page_markdown`] gives
/// it on the next build; for a page with shortcodes (never cached), a hash of the
/// rendering itself.
fn identity_of(
    file: &SourceFile,
    options: u64,
    rendered: &Rendered,
    resolve: &dyn Fn(&str) -> Option<String>,
) -> u64 {
    if rendered.has_shortcodes {
        let toc = serde_json::to_vec(&rendered.toc).unwrap_or_default();
        return hash_of(&(&rendered.html, toc));
    }
    let links: Vec<Option<String>> = rendered
        .internal_links
        .iter()
        .map(|l| resolve(&l.target))
        .collect();
    crate::incremental::markdown_identity(&file.digest, options, &links)
}

/// Ends this thread's recording of calls and shown pages however a job ends, so that
/// nothing rendered later on the thread (another stage's shortcodes) is recorded.
struct Recording;

impl Drop for Recording {
    fn drop(&mut self) {
        functions::finish_recording();
        finish_recording_shown();
    }
}

/// What a list of jobs gave: the files, every page's anchors found, how many were
/// rendered afresh, and the problems.
struct Collected {
    files: Vec<OutputFile>,
    digests: HashMap<String, output::Digest>,
    anchors: Vec<(usize, Anchors)>,
    rendered: usize,
    markdown_errors: Diagnostics,
    template_errors: BTreeMap<(PathBuf, Option<usize>), (Diagnostic, usize)>,
}

/// Gathers the jobs' results in input order, and stores what the cache keeps.
fn collect(
    site: &Site,
    results: Vec<Result<Done, Failed>>,
    mut cache: Option<&mut Cache>,
    options: MarkdownOptions,
    holds_files: bool,
) -> Collected {
    let mut collected = Collected {
        files: Vec::with_capacity(if holds_files { results.len() } else { 0 }),
        digests: HashMap::new(),
        anchors: Vec::new(),
        rendered: 0,
        markdown_errors: Diagnostics::default(),
        template_errors: BTreeMap::new(),
    };
    for result in results {
        match result {
            Ok(done) => {
                if let Some((index, found)) = done.page {
                    if let (Some(cache), Some(shortcodes)) = (cache.as_deref_mut(), done.markdown) {
                        let file = &site.pages[index].file;
                        let resolve = resolver(site, file);
                        let options = options.of(file);
                        cache.store_page_markdown(file, options, &resolve, &found, shortcodes);
                    }
                    collected.anchors.push((index, found));
                }
                match (cache.as_deref_mut(), done.fresh, &done.digest, done.job) {
                    (Some(cache), Some(fresh), Some(digest), Some(job)) => {
                        let stored = crate::incremental::Stored {
                            key: fresh.key,
                            calls: fresh.calls,
                            shown: fresh.shown,
                            source: fresh.source,
                            job,
                        };
                        cache.store_output(done.file.path.clone(), stored, digest.clone());
                        cache.rendered.push(done.file.path.clone());
                        collected.rendered += 1;
                    }
                    (Some(cache), None, _, Some(job)) => cache.refresh_job(&done.file.path, job),
                    _ => {}
                }
                match (done.digest, holds_files) {
                    (Some(digest), false) => {
                        collected.digests.insert(done.file.path, digest);
                    }
                    (Some(digest), true) => {
                        collected.digests.insert(done.file.path.clone(), digest);
                        collected.files.push(done.file);
                    }
                    (None, true) => collected.files.push(done.file),
                    (None, false) => {}
                }
            }
            Err(Failed::Markdown(e)) => collected.markdown_errors.extend(e),
            // One broken template fails every page that uses it: report it once.
            Err(Failed::Template(e)) => {
                collected
                    .template_errors
                    .entry((e.path.clone(), e.line))
                    .or_insert((e, 0))
                    .1 += 1
            }
            Err(Failed::Reported) => {}
        }
    }
    collected
}

impl Collected {
    /// Every problem, the Markdown's first; a template's once, with a count.
    fn into_errors(self) -> Diagnostics {
        let mut all = self.markdown_errors;
        all.extend(self.template_errors.into_values().map(|(mut e, count)| {
            if count > 1 {
                e.message
                    .push_str(&format!(" (and {} more pages)", count - 1));
            }
            e
        }));
        all
    }
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
    let render = Render {
        site,
        templates,
        versions,
        record,
        cache: cache.as_deref(),
        sink: &sink,
        options: MarkdownOptions::new(site, templates, false),
        reused: AtomicUsize::new(0),
        checks: cache.as_deref().map(Cache::call_checks),
    };
    let results: Vec<Result<Done, Failed>> = jobs
        .into_par_iter()
        .map(|(path, job, html)| {
            let result = render.job(path, job, html);
            let n = done.fetch_add(1, Ordering::Relaxed) + 1;
            if show_progress && n.is_multiple_of(1000) {
                eprint!("\rrendered {n}/{total} pages");
            }
            result
        })
        .collect();
    if show_progress {
        eprintln!("\rrendered {total}/{total} pages");
    }
    let reused = render.reused.into_inner();
    let options = render.options;
    let holds_files = matches!(sink, output::Sink::Memory);
    if let Some(cache) = cache.as_deref_mut() {
        cache.rendered.clear();
    }
    let mut collected = collect(site, results, cache.as_deref_mut(), options, holds_files);
    let mut anchors: Vec<Option<Anchors>> = vec![None; site.pages.len()];
    for (index, found) in collected.anchors.drain(..) {
        anchors[index] = Some(found);
    }
    check_anchors(
        site,
        &anchors,
        Some(&versions.anchors),
        &mut collected.markdown_errors,
    );
    if let Some(cache) = cache {
        // A cache goes with `Sink::Blobs`, which gives every output's digest.
        cache.retain_outputs(|p| collected.digests.contains_key(p));
        cache.stats.pages_rendered = collected.rendered;
        cache.stats.pages_reused = collected.digests.len() - collected.rendered;
        cache.stats.markdown_reused += reused;
        cache.stats.markdown_rendered += site.pages.len() - reused.min(site.pages.len());
    }
    if collected.template_errors.is_empty() && !collected.markdown_errors.has_errors() {
        return Ok(Outputs {
            files: collected.files,
            digests: collected.digests,
            anchors,
        });
    }
    Err(collected.into_errors())
}

/// What `vellum serve` keeps of its last whole build, so that a save which changes only
/// pages' bodies is rendered without the whole pipeline (`build::render_edits`).
pub struct Kept {
    /// The model the outputs were rendered from.
    pub site: std::sync::Arc<Site>,
    /// The templates, whose functions read `site`.
    pub templates: Templates,
    pub versions: Versions,
    pub record: policy::lock::Lock,
    /// The anchors of every page's Markdown, by page index.
    pub anchors: Vec<Option<Anchors>>,
}

impl std::fmt::Debug for Kept {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Kept")
            .field("pages", &self.site.pages.len())
            .finish_non_exhaustive()
    }
}

/// `vellum serve` after an edit the cache can place: renders again only the output
/// files `outputs` of `site` (the kept model with the edited pages' new files, to which
/// the kept templates are bound) into `sink` (a [`output::Sink::Blobs`]), and checks
/// every `#anchor` link again with the new anchors of the pages rendered. The kept
/// anchors are updated only when everything succeeded. Returns the digest of each file
/// rendered.
pub fn render_changed(
    kept: &mut Kept,
    site: &Site,
    cache: &mut Cache,
    outputs: Vec<(String, JobKey, bool)>,
    sink: output::Sink,
) -> Result<HashMap<String, output::Digest>, Diagnostics> {
    let Kept {
        templates,
        versions,
        record,
        anchors,
        ..
    } = kept;
    let jobs: Vec<Task> = outputs
        .into_iter()
        .map(|(path, key, html)| (path, key.job(site), html))
        .collect();
    let render = Render {
        site,
        templates,
        versions,
        record,
        cache: Some(cache),
        sink: &sink,
        options: MarkdownOptions::new(site, templates, false),
        reused: AtomicUsize::new(0),
        checks: Some(cache.call_checks()),
    };
    let results: Vec<Result<Done, Failed>> = jobs
        .into_par_iter()
        .map(|(path, job, html)| render.job(path, job, html))
        .collect();
    let options = render.options;
    cache.rendered.clear();
    let mut collected = collect(site, results, Some(cache), options, false);
    // The new anchors go in place for the check, and back out if the edit failed.
    let previous: Vec<(usize, Option<Anchors>)> = collected
        .anchors
        .drain(..)
        .map(|(index, found)| (index, anchors[index].replace(found)))
        .collect();
    check_anchors(
        site,
        anchors,
        Some(&versions.anchors),
        &mut collected.markdown_errors,
    );
    let outputs = cache.output_count();
    cache.stats.pages_rendered = collected.rendered;
    cache.stats.pages_reused = outputs - collected.rendered.min(outputs);
    if collected.template_errors.is_empty() && !collected.markdown_errors.has_errors() {
        return Ok(collected.digests);
    }
    for (index, found) in previous {
        anchors[index] = found;
    }
    Err(collected.into_errors())
}

fn finish_html(site: &Site, html: String, verbatim: Option<&str>) -> Vec<u8> {
    if site.config.minify {
        output::minify_html_around(&html, verbatim)
    } else {
        html.into_bytes()
    }
}
