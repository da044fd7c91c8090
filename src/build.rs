//! The pipeline, stage by stage: load content and templates -> build the site model ->
//! render Markdown and templates -> write. Each stage hands its data to the next; the
//! build fails before writing anything if any stage found an error.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use crate::config::Config;
use crate::content::front_matter::Kind;
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::incremental::Cache;
use crate::markdown::VersionBodies;
use crate::output::fingerprint::fingerprint_all;
use crate::output::headers;
use crate::output::manifest::{Manifest, manifest_path};
use crate::output::{self, CopiedFile, OutputFile};
use crate::policy;
use crate::render;
use crate::site::Site;
use crate::templates::{self, Templates};
use crate::{images, product};
use crate::{machine, sitemap};

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
    /// The build's "now", resolved in the site's time zone (see [`crate::clock`]).
    pub now: crate::clock::Now,
    /// Print progress for long builds to stderr.
    pub progress: bool,
    /// Fail instead of updating `policies.lock` (for CI).
    pub locked: bool,
    /// `vellum policy import NAME`: record this policy's versions as brought in with
    /// its history (it must have no record yet).
    pub import: Option<String>,
}

/// The site in memory, rendered and ready to write.
#[derive(Debug)]
pub struct RenderedSite {
    /// The files still to write: every output in memory, or, when the pages went to a
    /// folder as they were rendered, the generated files only.
    pub files: Vec<OutputFile>,
    /// The size and SHA-256 of each page written as it was rendered, by path.
    pub digests: HashMap<String, output::Digest>,
    pub copies: Vec<CopiedFile>,
    pub pages: usize,
    pub sections: usize,
    /// Policy pages written: current pages, versions and redlines.
    pub policy_pages: usize,
    /// The site's base URL, as built.
    pub base_url: String,
    /// Output paths of fingerprinted copies.
    pub fingerprinted: Vec<String>,
    /// For each rendered output path, the content file it shows.
    pub sources: Vec<(String, PathBuf)>,
    /// Warnings only `vellum check` shows (and `--strict` fails on): policies not
    /// revised within `review_months`, translations behind their source, theme strings
    /// a language lacks.
    pub check_warnings: Vec<Diagnostic>,
    /// New text for `policies.lock`, written once the output is in place.
    pub lock_update: Option<String>,
    /// The versions this build adds to the record, by file, in order.
    pub recorded: Vec<String>,
    /// In an import: versions left out of the record because their text is the same as
    /// the version before them (the file, and the version it repeats).
    pub folded: Vec<(PathBuf, PathBuf)>,
    /// The next day the output changes with no edit (a version takes effect).
    pub next_change: Option<policy::NextChange>,
    pub warnings: Vec<Diagnostic>,
    /// `vellum serve` (a build with a cache): the model and values it keeps to render
    /// the next body edit ([`render_edits`]).
    pub kept: Option<Box<render::Kept>>,
}

/// The load stage's first half, which every command shares (`build`, `check`, `serve`,
/// the `policy` commands): the content files, and the policy versions taken out of them.
/// Problems are gathered, not returned early, so one run reports them all.
pub fn load_content(
    root: &Path,
    config: &Config,
    drafts: bool,
) -> (crate::content::Content, Vec<policy::Policy>, Diagnostics) {
    let languages = crate::language::Languages::new(config);
    let (mut content, mut diagnostics) =
        crate::content::load(root, &config.limits, &languages, &file_kind);
    // A source that failed to load is not missing: its translations wait for it rather
    // than add a second, misleading error.
    let failed: std::collections::HashSet<PathBuf> = diagnostics
        .0
        .iter()
        .filter(|d| d.is_error())
        .map(|d| d.path.clone())
        .collect();
    diagnostics.extend(untranslated_sources(&content, &failed));
    diagnostics.extend(translated_products(&content));
    if diagnostics.has_errors() {
        diagnostics.extend(links_going_nowhere(&content, config, &languages, &failed));
    }
    let policies = match policy::collect(&mut content, &config.policies, &languages, drafts) {
        Ok(policies) => policies,
        Err(errors) => {
            diagnostics.extend(errors);
            Vec::new()
        }
    };
    (content, policies, diagnostics)
}

/// When some files failed to load, the build stops before rendering, where links are
/// checked; so that one run still lists a broken link with the broken front matter,
/// the files that did load are rendered here against every file there is (those that
/// failed included: a link to them is not broken). Only errors the render stage would
/// report in the same words come out; with no failed file this is not run at all.
fn links_going_nowhere(
    content: &crate::content::Content,
    config: &Config,
    languages: &crate::language::Languages,
    failed: &std::collections::HashSet<PathBuf>,
) -> Vec<Diagnostic> {
    let content_dir = Path::new(crate::content::CONTENT_DIR);
    let mut known: std::collections::HashSet<String> = content
        .files
        .iter()
        .flat_map(|f| [f.relative.clone(), f.base.clone()])
        .chain(failed.iter().flat_map(|path| {
            let relative = path
                .strip_prefix(content_dir)
                .ok()
                .and_then(|p| p.to_str())
                .map(str::to_string);
            let base = relative
                .as_deref()
                .and_then(|r| languages.split(r).ok())
                .map(|(base, _)| base);
            relative.into_iter().chain(base)
        }))
        .collect();
    // A folder's `_index.md` may be implicit (the home page, a policy's index).
    let folders: Vec<String> = known
        .iter()
        .flat_map(|path| {
            let mut folders = vec!["_index.md".to_string()];
            let mut at = path.as_str();
            while let Some((folder, _)) = at.rsplit_once('/') {
                folders.push(format!("{folder}/_index.md"));
                at = folder;
            }
            folders
        })
        .collect();
    known.extend(folders);
    let resolve = |path: &str| known.contains(path).then(String::new);
    content
        .files
        .par_iter()
        .filter_map(|file| {
            // Pages are kept without their body until rendering; read it for this.
            let file = file.whole().ok()?;
            crate::markdown::render(&file, &config.markdown, &resolve, false).err()
        })
        .flatten()
        .filter(|d| d.is_error() && d.help.as_deref() == Some(crate::markdown::MISSING_LINK_HELP))
        .collect()
}

/// Translations whose source file does not exist: `about.de.md` without `about.md`
/// would be a page in no language of record. The home page may be implicit.
fn untranslated_sources(
    content: &crate::content::Content,
    failed: &std::collections::HashSet<PathBuf>,
) -> Vec<Diagnostic> {
    let sources: std::collections::HashSet<&str> = content
        .files
        .iter()
        .filter(|f| f.relative == f.base)
        .map(|f| f.base.as_str())
        .collect();
    content
        .files
        .iter()
        .filter(|f| f.relative != f.base && !f.is_home() && !sources.contains(f.base.as_str()))
        .filter(|f| !product::is_product(&f.base))
        .filter(|f| !failed.contains(&Path::new(crate::content::CONTENT_DIR).join(&f.base)))
        .map(|f| {
            Diagnostic::error(
                &f.display_path,
                format!(
                    "this is a translation (language `{}`) of content/{}, which does not exist",
                    f.lang, f.base
                ),
            )
            .with_help(format!(
                "write content/{} in the site's default language first, or check the file name",
                f.base
            ))
        })
        .collect()
}

/// Product pages are not translated yet: a product's price, stock, SKU and pictures
/// would have to be kept equal in every language, and its pictures live beside the
/// original. The other languages' pages link the original product page.
fn translated_products(content: &crate::content::Content) -> Vec<Diagnostic> {
    content
        .files
        .iter()
        .filter(|f| f.relative != f.base && product::is_product(&f.base))
        .map(|f| {
            Diagnostic::error(
                &f.display_path,
                format!(
                    "product pages cannot be translated yet (this is content/{} in `{}`)",
                    f.base, f.lang
                ),
            )
            .with_help(format!(
                "remove this file: pages in `{}` link the product page of content/{}",
                f.lang, f.base
            ))
        })
        .collect()
}

/// What a Markdown file under `content/` is, by where it lives: its kind decides the
/// front matter it takes.
fn file_kind(relative: &str) -> Kind {
    if let Some(kind) = policy::file_kind(relative) {
        kind
    } else if crate::content::is_section_path(relative) {
        Kind::Section
    } else if product::is_product(relative) {
        Kind::Product
    } else {
        Kind::Page
    }
}

/// The settings and the policies (drafts included), for the `policy` commands.
pub fn load_policies(root: &Path) -> Result<(Config, Vec<policy::Policy>), Diagnostics> {
    let config = Config::load(root)?;
    let (_, policies, mut diagnostics) = load_content(root, &config, true);
    diagnostics.take_warnings();
    if diagnostics.has_errors() {
        return Err(diagnostics);
    }
    Ok((config, policies))
}

/// Runs every stage except writing. `vellum build` writes the result; a check could
/// inspect it without touching the disk.
pub fn render_site(
    options: &BuildOptions,
    mut cache: Option<&mut Cache>,
    sink: output::Sink,
) -> Result<RenderedSite, Diagnostics> {
    let root = options.root.as_path();
    let mut timer = StageTimer::new();
    let mut config = Config::load(root)?;
    if let Some(base_url) = &options.base_url {
        config.base_url = base_url.trim_end_matches('/').to_string();
    }
    let (content, policies, mut diagnostics) = load_content(root, &config, options.drafts);
    let (data, data_texts, data_problems) = crate::data::load(root, &config.limits);
    diagnostics.extend(data_problems);
    let lock = policy::lock::read(root).unwrap_or_else(|errors| {
        diagnostics.extend(errors);
        policy::lock::Lock::default()
    });
    let templates = Templates::load(root, &config.theme);
    if let Err(errors) = &templates {
        diagnostics.extend(errors.0.iter().cloned());
    }
    let mut copies = static_files(root, &config).unwrap_or_else(|errors| {
        diagnostics.extend(errors);
        Vec::new()
    });
    let warnings = diagnostics.take_warnings();
    let (Ok(mut templates), false) = (templates, diagnostics.has_errors()) else {
        return Err(fail(diagnostics, warnings));
    };
    timer.lap("load");
    let now = options.now.resolve(config.policies.timezone);
    let fingerprints = fingerprint_all(&copies).map_err(|e| fail(e.into(), warnings.clone()))?;
    copies.extend(
        fingerprints
            .iter()
            .map(|(path, fingerprint)| CopiedFile {
                source: copies
                    .iter()
                    .find(|c| c.path == *path)
                    .map(|c| c.source.clone())
                    .unwrap_or_default(),
                path: fingerprint.path.clone(),
            })
            .collect::<Vec<_>>(),
    );
    let inputs = crate::site::Inputs {
        config,
        now,
        content,
        policies,
        data,
        fingerprints,
        include_drafts: options.drafts,
    };
    let mut image_files = Vec::new();
    let site = Site::new(inputs, |pages, assets, config| {
        let images = product_images(root, pages, assets, config, &copies)?;
        image_files = images.files;
        Ok(images.processed)
    });
    let site = match site {
        Ok(site) => site,
        Err(errors) => return Err(fail(errors, warnings)),
    };
    copies.extend(image_files);
    let product_problems = product::check(&site, &site.images);
    if product_problems.has_errors() {
        return Err(fail(product_problems, warnings));
    }
    // The model is complete: from here it is shared read-only, by template functions
    // (also used by shortcodes while Markdown renders) and every render.
    timer.lap("model and images");
    let site = Arc::new(site);
    templates.register_functions(Arc::clone(&site));
    // Both checks run so that one build reports a bad template name and a bad link.
    let mut errors = Diagnostics::default();
    if let Err(e) = check_templates_exist(&site, &templates) {
        errors.extend(e);
    }
    // Every mode (drafts, serve, check, --locked) holds published versions to the record.
    errors.extend(policy::record::deleted(&lock, &site.policies));
    let versions = policy::record::data_views(&lock, &site.policies)
        .and_then(|views| render::render_versions(&site, &templates, &views, cache.as_deref_mut()));
    let record = match &versions {
        Ok(versions) => policy::record::check(&policy::record::Inputs {
            root,
            lock: &lock,
            policies: &site.policies,
            bodies: &versions.bodies,
            reads: &versions.reads,
            data_texts: &data_texts,
            today: site.today(),
            locked: options.locked,
            import: options.import.as_deref(),
            known_texts: cache.as_deref().map(|c| &c.text_hashes),
        })
        .map_err(|e| errors.extend(e))
        .ok(),
        Err(e) => {
            errors.extend(e.0.iter().cloned());
            None
        }
    };
    if errors.has_errors() || record.is_none() || versions.is_err() {
        errors.extend(render::check_pages(
            &site,
            &templates,
            versions.as_ref().ok(),
        ));
        return Err(fail(errors, warnings));
    }
    let (Some(record), Ok(versions)) = (record, versions) else {
        return Err(fail(errors, warnings));
    };
    // A drafts build is a preview: it never writes the record.
    let lock_update = (record.changed && !options.drafts).then(|| record.lock.to_text());
    let recorded = record.lock.entries[lock.entries.len()..]
        .iter()
        .map(|e| e.file.clone())
        .collect();
    let folded = record.folded.clone();
    timer.lap("policy versions and record");
    let policy_pages = policy::pages::all(&site.policies, site.today()).len();
    // Only a file in static/ replaces a generated one on purpose; a content asset of
    // the same name is a clash. Checked before rendering, so that no two outputs race
    // for one path in the staging folder.
    let generated = site_files(&site, &versions.bodies, &copies, &record.lock);
    copies.extend(site.assets.iter().map(|(asset, path)| CopiedFile {
        source: asset.source.clone(),
        path: path.clone(),
    }));
    let sources = render::sources(&site, &templates);
    // Each version's blocks.json claims its path here; it is written after the pages,
    // one at a time, since together they are as large as every version's text.
    let blocks = blocks_paths(&site);
    let claimed: Vec<&str> = generated
        .iter()
        .map(|f| f.path.as_str())
        .chain(blocks.iter().map(|(path, _, _)| path.as_str()))
        .collect();
    check_output_clashes(root, &site, &sources, &copies, &claimed)
        .map_err(|e| fail(e, warnings.clone()))?;
    let keep = cache.is_some();
    let outputs = render::render_outputs(
        &site,
        &templates,
        &versions,
        &record.lock,
        cache,
        options.progress,
        sink,
    )
    .map_err(|e| fail(e, warnings.clone()))?;
    timer.lap("pages: Markdown, templates, minify and write");
    let mut files = match sink {
        output::Sink::Memory => outputs.files,
        output::Sink::Folder(_) | output::Sink::Blobs(_) => Vec::new(),
    };
    let mut digests = outputs.digests;
    let written = write_blocks(&site, &versions.bodies, &sink, blocks)
        .map_err(|e| fail(e.into(), warnings.clone()))?;
    for (file, digest) in written {
        match digest {
            Some(digest) => {
                digests.insert(file.path, digest);
            }
            None => files.push(file),
        }
    }
    files.extend(generated);
    let sections = site.pages.iter().filter(|p| p.is_section()).count();
    let mut check_warnings = policy::editor::stale(
        &site.policies,
        site.today(),
        site.config.policies.review_months,
    );
    check_warnings.extend(policy::lagging_translations(&site.policies, site.today()));
    check_warnings.extend(templates.missing_strings(&site));
    let next_change = policy::next_change(
        &site.policies,
        site.today(),
        site.config.policies.review_months,
        templates.read_the_clock(),
    );
    Ok(RenderedSite {
        pages: site.pages.len() - sections,
        sections,
        policy_pages,
        base_url: site.config.base_url.clone(),
        sources,
        check_warnings,
        fingerprinted: site.fingerprints.values().map(|f| f.path.clone()).collect(),
        next_change,
        files,
        digests,
        copies,
        lock_update,
        recorded,
        folded,
        warnings,
        kept: keep.then(|| {
            Box::new(render::Kept {
                site,
                templates,
                versions,
                record: record.lock,
                anchors: outputs.anchors,
            })
        }),
    })
}

/// The output files a save changed, when the save changed only the bodies of pages
/// (not their front matter, not sections, policies, templates, data or settings):
/// those pages are read again, the model is the last one with their new bodies, and
/// only the outputs that render those pages or show their word counts are rendered
/// again ([`Cache::affected`]); every `#anchor` link is checked again. `None` when the
/// save was anything else, or when a file needs the whole pipeline to report its
/// problem: then the caller runs [`render_site`], which gives the same result, slower.
pub fn render_edits(
    options: &BuildOptions,
    kept: &mut render::Kept,
    cache: &mut Cache,
    changed: &[PathBuf],
    sink: output::Sink,
) -> Option<Result<HashMap<String, output::Digest>, Diagnostics>> {
    let mut timer = StageTimer::new();
    let site = &kept.site;
    if options.now.resolve(site.config.policies.timezone) != site.now {
        return None;
    }
    let root = std::fs::canonicalize(&options.root).ok()?;
    let content = root.join(crate::content::CONTENT_DIR);
    let mut changed: Vec<&PathBuf> = changed.iter().collect();
    changed.sort();
    changed.dedup();
    let mut edits = Vec::new();
    let mut files = Vec::new();
    for path in changed {
        let relative = path.strip_prefix(&content).ok()?.to_str()?;
        let relative = relative.replace(std::path::MAIN_SEPARATOR, "/");
        let Some(index) = site.index_by_relative(&relative) else {
            // Gone, and never a source of the site: a tool's temporary file (`sed -i`
            // writes one beside the file it edits). Anything else needs the pipeline.
            let gone = !path.exists() && !relative.ends_with(".md");
            let policy = relative.starts_with(policy::POLICIES_DIR);
            if gone && !policy && !site.has_source(&relative) {
                continue;
            }
            return None;
        };
        let old = &site.pages[index];
        let kind = file_kind(&old.file.base);
        if old.is_section() || !matches!(kind, Kind::Page | Kind::Product) {
            return None;
        }
        let (file, warnings) = crate::content::read_one(
            &root,
            &relative,
            &site.config.limits,
            &site.languages,
            &file_kind,
        )
        .ok()?;
        let same_front_matter = file.text == old.file.text
            && file.front_matter_range == old.file.front_matter_range
            && file.body_range.start == old.file.body_range.start;
        if !warnings.is_empty() || !same_front_matter {
            return None;
        }
        if file.digest == old.file.digest {
            continue;
        }
        edits.push(crate::incremental::BodyEdit {
            page: old.key(),
            parent: old.parent.map(|p| site.pages[p].key()),
            words_changed: file.words != old.file.words,
        });
        files.push((index, file));
    }
    // A policy version whose shortcodes show an edited page's word count: its body
    // (which the record checks) is made by the whole pipeline.
    let shows_in_versions = |edit: &crate::incremental::BodyEdit| {
        edit.words_changed && kept.versions.shown.iter().any(|shown| shown.names(edit))
    };
    if edits.iter().any(shows_in_versions) {
        return None;
    }
    cache.stats = crate::incremental::Stats {
        body_edits: edits.len(),
        ..Default::default()
    };
    if files.is_empty() {
        cache.stats.pages_reused = cache.output_count();
        return Some(Ok(HashMap::new()));
    }
    timer.lap("edit: read the changed files");
    let site = Arc::new(site.with_bodies(files));
    kept.templates.register_functions(Arc::clone(&site));
    timer.lap("edit: model with the new bodies");
    let outputs = cache.affected(&edits);
    timer.lap("edit: outputs affected");
    let rendered = render::render_changed(kept, &site, cache, outputs, sink);
    timer.lap("edit: render, write and check anchors");
    match &rendered {
        Ok(_) => kept.site = site,
        // The last good model stays, for the next save.
        Err(_) => kept.templates.register_functions(Arc::clone(&kept.site)),
    }
    Some(rendered)
}

/// Why `vellum build` failed, and whether the output folder was replaced all the same
/// (only when a file beside it could not be renamed after the swap).
#[derive(Debug)]
pub struct BuildFailure {
    pub diagnostics: Diagnostics,
    pub output_replaced: bool,
}

impl From<Diagnostics> for BuildFailure {
    fn from(diagnostics: Diagnostics) -> BuildFailure {
        BuildFailure {
            diagnostics,
            output_replaced: false,
        }
    }
}

/// Builds the site into `options.output`, replacing it only if everything succeeded.
/// Everything that can fail (rendering, writing every file, the manifest, the lock) is
/// done before the new output is swapped in; only renames come after.
pub fn build(options: &BuildOptions) -> Result<RenderedSite, BuildFailure> {
    // Checked before the lock so that a refused path gets no lock file beside it, and
    // again after, when a build killed mid-swap may have left its output to put back.
    output::check_output_dir(&options.root, &options.output).map_err(Diagnostics::from)?;
    let _held = output::OutputLock::acquire(&options.output).map_err(Diagnostics::from)?;
    output::check_output_dir(&options.root, &options.output).map_err(Diagnostics::from)?;
    output::PendingFile::clear_leftovers(&options.root.join(policy::lock::LOCK_FILE));
    // Pages are written into the staging folder as they are rendered; if anything
    // fails, dropping the staging folder removes them and the output is untouched.
    let staged = output::Staged::create(&options.output).map_err(Diagnostics::from)?;
    let rendered = render_site(options, None, output::Sink::Folder(staged.path()))?;
    let mut timer = StageTimer::new();
    let failed = |e: Diagnostic| fail(e.into(), rendered.warnings.clone());
    output::write_all(staged.path(), &rendered.copies, &rendered.files).map_err(failed)?;
    timer.lap("copies and generated files");
    let mut manifest = Manifest::of_written(
        staged.path(),
        &rendered.base_url,
        &rendered.immutable(),
        &rendered.digests,
        &rendered.files,
        &rendered.copies,
    )
    .map_err(failed)?;
    manifest.next_change = rendered.next_change.clone();
    timer.lap("manifest");
    let manifest_path = manifest_path(&options.output);
    let mut pending = vec![
        output::PendingFile::write(
            &manifest_path,
            &manifest_path,
            manifest.to_json().as_bytes(),
        )
        .map_err(failed)?,
    ];
    if let Some(lock) = &rendered.lock_update {
        let path = options.root.join(policy::lock::LOCK_FILE);
        let shown = Path::new(policy::lock::LOCK_FILE);
        pending.push(output::PendingFile::write(&path, shown, lock.as_bytes()).map_err(failed)?);
    }
    staged.swap().map_err(failed)?;
    timer.lap("swap");
    for file in pending {
        file.commit().map_err(|e| BuildFailure {
            diagnostics: failed(e),
            output_replaced: true,
        })?;
    }
    Ok(rendered)
}

/// What `vellum policy import` did: the versions it recorded and those it folded.
#[derive(Debug)]
pub struct Imported {
    pub recorded: Vec<String>,
    pub folded: Vec<(PathBuf, PathBuf)>,
}

/// `vellum policy import NAME`: renders the site in memory, as `check` does, with
/// `NAME`'s versions recorded as brought in with its history; writes `policies.lock`
/// (every entry already in it unchanged, the new ones after them) and removes the
/// version files folded into the version before them. Nothing else is written.
pub fn import(options: &BuildOptions) -> Result<Imported, Diagnostics> {
    debug_assert!(options.import.is_some());
    let rendered = render_site(options, None, output::Sink::Memory)?;
    if let Some(lock) = &rendered.lock_update {
        let path = options.root.join(policy::lock::LOCK_FILE);
        let shown = Path::new(policy::lock::LOCK_FILE);
        output::PendingFile::write(&path, shown, lock.as_bytes())
            .and_then(|file| file.commit())
            .map_err(Diagnostics::from)?;
    }
    for (file, _) in &rendered.folded {
        std::fs::remove_file(options.root.join(file)).map_err(|e| {
            Diagnostics::from(Diagnostic::error(
                file,
                format!("could not remove this folded version: {e}"),
            ))
        })?;
    }
    Ok(Imported {
        recorded: rendered.recorded,
        folded: rendered.folded,
    })
}

impl RenderedSite {
    /// Output paths of fingerprinted files, which never change.
    pub fn immutable(&self) -> std::collections::BTreeSet<&str> {
        self.fingerprinted.iter().map(String::as_str).collect()
    }
}

/// Prints how long each stage took when `VELLUM_TIMINGS` is set (for profiling).
#[derive(Default)]
pub struct StageTimer {
    last: Option<std::time::Instant>,
}

impl StageTimer {
    /// Starts timing, if `VELLUM_TIMINGS=1`.
    pub fn new() -> StageTimer {
        let on = std::env::var_os("VELLUM_TIMINGS").is_some_and(|v| v == "1");
        StageTimer {
            last: on.then(std::time::Instant::now),
        }
    }

    pub fn lap(&mut self, stage: &str) {
        if let Some(last) = self.last.as_mut() {
            eprintln!("{stage}: {:.1} ms", last.elapsed().as_secs_f64() * 1000.0);
            *last = std::time::Instant::now();
        }
    }
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
        let own = page.front_matter().template().is_some();
        let (file, key) = match page.parent.map(|p| &site.pages[p]) {
            Some(section)
                if !own
                    && section
                        .front_matter()
                        .section()
                        .is_some_and(|s| s.page_template.is_some()) =>
            {
                (&section.file, "page_template")
            }
            _ => (&page.file, "template"),
        };
        let help = match templates.closest(&page.template) {
            Some(known) => format!(
                "did you mean `{known}`? (templates are in themes/{}/templates/ and templates/)",
                site.config.theme
            ),
            None => format!(
                "use a template from themes/{}/templates/ or templates/ (e.g. page.html)",
                site.config.theme
            ),
        };
        errors.push(
            file.error_at_key(key, format!("unknown template `{}`", page.template))
                .with_help(help),
        );
    }
    if errors.has_errors() {
        Err(errors)
    } else {
        Ok(())
    }
}

/// Resizes the images products show (cached between builds).
fn product_images(
    root: &Path,
    pages: &[crate::site::Page],
    assets: &[(crate::content::Asset, String)],
    config: &Config,
    copies: &[CopiedFile],
) -> Result<images::Images, Diagnostics> {
    let mut sources: Vec<(PathBuf, String)> = Vec::new();
    for (page, product) in pages
        .iter()
        .filter_map(|p| Some((p, p.front_matter().product()?)))
    {
        for image in &product.images {
            let key = product::image_key(page, &image.src);
            let source = assets
                .iter()
                .find(|(_, path)| path.trim_start_matches('/') == key)
                .map(|(asset, _)| asset.source.clone())
                .or_else(|| {
                    copies
                        .iter()
                        .find(|c| c.path.trim_start_matches('/') == key)
                        .map(|c| c.source.clone())
                });
            if let Some(source) = source
                && !sources.iter().any(|(_, k)| *k == key)
            {
                sources.push((source, key));
            }
        }
    }
    images::process(root, &sources, config.limits.image_pixels()).map_err(Diagnostics::from)
}

/// The files every published site needs beside its pages: `sitemap.xml`, `robots.txt`
/// and `_headers`. A static file of the same name replaces the generated one.
fn site_files(
    site: &Site,
    bodies: &VersionBodies,
    copies: &[CopiedFile],
    record: &policy::lock::Lock,
) -> Vec<OutputFile> {
    let provided = |name: &str| {
        copies
            .iter()
            .any(|c| c.path.trim_start_matches('/') == name)
    };
    let mut files = Vec::new();
    if !provided("sitemap.xml") {
        files.push(OutputFile {
            path: "sitemap.xml".into(),
            bytes: sitemap::sitemap(site).into_bytes(),
        });
    }
    if !provided("robots.txt") {
        files.push(OutputFile {
            path: "robots.txt".into(),
            bytes: sitemap::robots(site).into_bytes(),
        });
    }
    for (i, policy) in site.policies.iter().enumerate() {
        let bodies = bodies.of(i);
        let path = machine::versions_path(policy);
        files.push(OutputFile {
            path: path.trim_start_matches('/').to_string(),
            bytes: machine::versions_json(site, policy, bodies, record).into_bytes(),
        });
    }
    if !site.policies.is_empty() {
        files.push(OutputFile {
            path: "policies/index.json".into(),
            bytes: machine::index_json(site).into_bytes(),
        });
    }
    if site.config.headers.enabled && !provided("_headers") {
        let fingerprinted: Vec<&str> = site
            .fingerprints
            .values()
            .map(|f| f.path.as_str())
            .collect();
        let versions: Vec<String> = site.policies.iter().map(machine::versions_path).collect();
        let mut feeds = vec!["sitemap.xml", "robots.txt"];
        if !site.policies.is_empty() {
            feeds.push(crate::policy::pages::FEED_PATH);
            feeds.push("policies/index.json");
            feeds.extend(versions.iter().map(String::as_str));
        }
        let text = headers::headers_file(&site.config.headers, &fingerprinted, &feeds);
        files.push(OutputFile {
            path: "_headers".into(),
            bytes: text.into_bytes(),
        });
    }
    files
}

/// Every policy version's `blocks.json`: its output path, policy and version.
fn blocks_paths(site: &Site) -> Vec<(String, usize, usize)> {
    site.policies
        .iter()
        .enumerate()
        .flat_map(|(p, policy)| {
            policy.versions.iter().enumerate().map(move |(v, version)| {
                let path = policy
                    .blocks_path(version)
                    .trim_start_matches('/')
                    .to_string();
                (path, p, v)
            })
        })
        .collect()
}

/// Writes every version's `blocks.json` through the sink, in parallel, each made and
/// handed over alone: a history of hundreds of long versions never holds them all.
fn write_blocks(
    site: &Site,
    bodies: &VersionBodies,
    sink: &output::Sink,
    blocks: Vec<(String, usize, usize)>,
) -> Result<Vec<(OutputFile, Option<output::Digest>)>, Diagnostic> {
    blocks
        .into_par_iter()
        .map(|(path, p, v)| {
            let version = &site.policies[p].versions[v];
            let bytes = machine::blocks_json(version, bodies.get(p, v)).into_bytes();
            sink.accept(OutputFile { path, bytes })
        })
        .collect()
}

/// Where an output file comes from, for messages about clashes.
enum Origin<'a> {
    /// A copied file (`static/`, a content asset), by its path under the site root.
    Copied(String),
    /// A page rendered from a content file.
    Page(&'a crate::content::SourceFile),
    /// A page from a template alone (the 404 page, listings).
    Template(String),
    /// A file vellum generates (`sitemap.xml`, `_headers`, `versions.json`).
    Generated,
}

/// Two files at one output path, or a file where another needs a folder (a page with
/// slug `sitemap.xml`), would fail or race when written: refuse, naming the content
/// file and line where there is one.
fn check_output_clashes(
    root: &Path,
    site: &Site,
    sources: &[(String, PathBuf)],
    copies: &[CopiedFile],
    generated: &[&str],
) -> Result<(), Diagnostics> {
    let mut content: HashMap<&Path, &crate::content::SourceFile> = HashMap::new();
    for page in &site.pages {
        content.insert(&page.file.display_path, &page.file);
    }
    for version in site.policies.iter().flat_map(|p| &p.versions) {
        content.insert(&version.file.display_path, &version.file);
    }
    let mut all: Vec<(&str, Origin)> = Vec::new();
    for copy in copies {
        let shown = copy.source.strip_prefix(root).unwrap_or(&copy.source);
        all.push((&copy.path, Origin::Copied(shown.display().to_string())));
    }
    // Every rendered file, with the content file (or template) it comes from.
    for (path, source) in sources {
        let origin = match content.get(source.as_path()) {
            Some(file) => Origin::Page(file),
            None => Origin::Template(source.display().to_string()),
        };
        all.push((path, origin));
    }
    for path in generated {
        all.push((path, Origin::Generated));
    }
    let mut seen: HashMap<&str, usize> = HashMap::new();
    let mut errors = Diagnostics::default();
    for (index, (path, _)) in all.iter().enumerate() {
        let key = path.trim_start_matches('/');
        if let Some(&first) = seen.get(key) {
            errors.push(clash(
                &all,
                index,
                first,
                &format!("would be written to /{key}"),
            ));
        } else {
            seen.insert(key, index);
        }
    }
    // A file at `a` and a file at `a/b` cannot both exist.
    for (index, (path, _)) in all.iter().enumerate() {
        let key = path.trim_start_matches('/');
        let folders = key.match_indices('/').map(|(at, _)| &key[..at]);
        for folder in folders {
            if let Some(&file) = seen.get(folder) {
                let why = format!("needs /{folder} to be a folder, but it is a file");
                errors.push(clash(&all, index, file, &why));
            }
        }
    }
    if errors.has_errors() {
        Err(errors)
    } else {
        Ok(())
    }
}

/// The error for a clash between `all[one]` and `all[other]`, at whichever of the two
/// an editor can change (a content file, at its `slug` line), naming the other.
fn clash(all: &[(&str, Origin)], one: usize, other: usize, why: &str) -> Diagnostic {
    // Blame what an editor added: a content file or a copied file before a template,
    // a template before a generated file.
    let rank = |index: usize| match all[index].1 {
        Origin::Page(_) | Origin::Copied(_) => 0,
        Origin::Template(_) => 1,
        Origin::Generated => 2,
    };
    let (blamed, named) = if rank(other) < rank(one) {
        (other, one)
    } else {
        (one, other)
    };
    let name = |index: usize| match &all[index].1 {
        Origin::Copied(path) | Origin::Template(path) => path.clone(),
        Origin::Page(file) => file.display_path.display().to_string(),
        Origin::Generated => format!(
            "the {} vellum generates",
            all[index].0.trim_start_matches('/')
        ),
    };
    let message = format!("this {why}, clashing with {}", name(named));
    let help = match all[named].1 {
        Origin::Generated => {
            "choose another slug or file name; to replace a generated file on purpose, put your own in static/"
        }
        _ => "rename one of them, or give one of the pages another slug",
    };
    let diagnostic = match &all[blamed].1 {
        Origin::Page(file) => file.error_at_key("slug", message),
        Origin::Generated => Diagnostic::error(all[blamed].0.trim_start_matches('/'), message),
        Origin::Copied(path) | Origin::Template(path) => Diagnostic::error(path, message),
    };
    diagnostic.with_help(help)
}

/// The theme's `static/` files, then the site's own `static/`, which win on a clash.
fn static_files(root: &Path, config: &Config) -> Result<Vec<CopiedFile>, Diagnostics> {
    let mut by_path = BTreeMap::new();
    let mut problems = Diagnostics::default();
    for dir in [
        templates::theme_dir(root, &config.theme).join("static"),
        root.join("static"),
    ] {
        let (found, errors) = crate::input_files::list(root, &dir, crate::input_files::is_hidden);
        problems.extend(errors);
        for file in found {
            let shown = file.path.strip_prefix(root).unwrap_or(&file.path);
            let limit = config.limits.asset_megabytes;
            if let Some(problem) =
                crate::input_files::too_big(shown, file.len, limit, "asset_megabytes")
            {
                problems.push(problem);
                continue;
            }
            by_path.insert(
                file.relative.clone(),
                CopiedFile {
                    source: file.path,
                    path: file.relative,
                },
            );
        }
    }
    if problems.has_errors() {
        Err(problems)
    } else {
        Ok(by_path.into_values().collect())
    }
}
