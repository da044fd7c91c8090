//! Incremental rebuilds for `vellum serve`. Two paths share this cache:
//!
//! - A save that changes only pages' bodies renders again just the outputs that record
//!   showing those pages ([`Cache::affected`], from each output's [`Stored`] record:
//!   the page whose Markdown it renders, the summaries and listings it showed), with the
//!   last model otherwise unchanged (`build::render_edits`).
//! - Any other save runs the whole pipeline, reusing each output whose inputs did not
//!   change: its template and every template that reaches (see
//!   `templates::dependency_hash`), its template context (which includes its section's
//!   listing, breadcrumbs and settings, and `policies` where its templates name that
//!   variable: `Templates::context_key`), its Markdown (the file's
//!   SHA-256 and every `@/` link's target, so an unchanged page's Markdown is not even
//!   rendered), and the result of every `get_url`/`get_page`/`get_section`/`now` call
//!   it made.
//!
//! Either way an incremental build gives the same bytes as a full one, by construction;
//! a randomized test checks. Outputs are kept on disk by digest (`output::Sink::Blobs`),
//! not in memory.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};

use crate::content::SourceFile;
use crate::markdown::{Anchors, Rendered};
use crate::output::Digest;
use crate::site::Site;
use crate::templates::functions::{self, Call};
use crate::templates::{JobKey, Shared, Shown};

/// What was rendered last time, kept between rebuilds.
#[derive(Default)]
pub struct Cache {
    markdown: HashMap<PathBuf, MarkdownEntry>,
    outputs: HashMap<String, OutputEntry>,
    /// Every distinct template function call outputs made, each kept once (most pages
    /// make the same few calls: `asset(path="style.css")`, `now()`), so that memory
    /// holds a few numbers per output and a rebuild checks each call once. Behind a
    /// lock: jobs add their calls as they finish, so that a build never holds every
    /// page's calls at once.
    calls: Mutex<CallTable>,
    /// What the last build rendered and reused.
    pub stats: Stats,
    /// The output files the last build rendered (not reused), in its order.
    pub rendered: Vec<String>,
    /// The record's hash of each policy version's text (the record check reads the
    /// text out of every version's HTML), kept between saves.
    pub text_hashes: crate::policy::record::KnownTexts,
}

/// Counts from the last build.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Stats {
    pub markdown_rendered: usize,
    pub markdown_reused: usize,
    pub pages_rendered: usize,
    pub pages_reused: usize,
    /// Pages whose body alone changed, rendered without the whole pipeline (0 when the
    /// whole pipeline ran).
    pub body_edits: usize,
}

struct MarkdownEntry {
    /// SHA-256 of the file the rendering came from.
    digest: [u8; 32],
    options: u64,
    /// The URL each `@/` link resolved to.
    links: Vec<Option<String>>,
    /// Policy versions: the whole rendering (several stages read their bodies).
    rendered: Option<Rendered>,
    /// Pages: only the heading ids and links the anchor check needs; a page's body is
    /// rendered again only when its output is.
    anchors: Anchors,
}

struct OutputEntry {
    stored: Stored,
    /// Where [`crate::output::Sink::Blobs`] keeps the file.
    digest: Digest,
}

/// What the cache keeps of an output file besides its bytes: the dependency record of
/// one output.
pub struct Stored {
    /// The hash of everything it was rendered from (templates, context, settings).
    pub key: u64,
    /// The template functions it called, with their results (see [`Cache::intern`]).
    pub calls: Box<[u32]>,
    /// The pages' summaries and listings it showed (so it depends on their word counts).
    pub shown: Box<[Shown]>,
    /// The page whose Markdown it renders (a page, a section's listing page, a
    /// catalog's sorted copy), by [`crate::site::Page::key`].
    pub source: Option<u64>,
    /// What it is rendered from, with page indices of the latest build (see
    /// [`Cache::refresh_job`]), and whether it is HTML.
    pub job: (JobKey, bool),
}

#[derive(Default)]
struct CallTable {
    calls: Vec<Call>,
    /// Indices into `calls`, by a hash of the call.
    index: HashMap<u64, Vec<u32>>,
}

/// For one build: whether each call the cache keeps still gives its result, found out
/// the first time an output asks.
pub struct CallChecks(Vec<OnceLock<bool>>);

impl Shown {
    /// Whether this shows the edited page's word count: its summary or listing, or its
    /// section's listing (which holds its summary).
    pub fn names(&self, edit: &BodyEdit) -> bool {
        match *self {
            Shown::Summary(key) | Shown::Listing(key) if key == edit.page => true,
            Shown::Listing(key) => edit.parent == Some(key),
            Shown::Summary(_) => false,
        }
    }
}

/// A page whose body changed while its front matter did not, as `vellum serve` sees it.
#[derive(Debug, Clone, Copy)]
pub struct BodyEdit {
    /// The page, by [`crate::site::Page::key`] (outputs kept from earlier builds name
    /// pages so).
    pub page: u64,
    /// Its section, by its key.
    pub parent: Option<u64>,
    /// Whether its word count (in every summary of it) changed.
    pub words_changed: bool,
}

/// A stable hash of anything hashable (the std hasher with fixed keys).
pub fn hash_of(value: &impl Hash) -> u64 {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    value.hash(&mut hasher);
    hasher.finish()
}

type Resolve<'a> = dyn Fn(&str) -> Option<String> + 'a;

/// What a page's rendered Markdown depends on when it has no shortcodes: the file, the
/// Markdown settings and where each `@/` link points. Equal identities, equal HTML.
pub fn markdown_identity(digest: &[u8; 32], options: u64, links: &[Option<String>]) -> u64 {
    hash_of(&(digest, options, links))
}

impl Cache {
    /// The entry for `file`, if its text, the options and every link's target URL are
    /// unchanged; with the links' URLs.
    fn markdown_entry(
        &self,
        file: &SourceFile,
        options: u64,
        resolve: &Resolve,
    ) -> Option<&MarkdownEntry> {
        let entry = self.markdown.get(&file.display_path)?;
        let same = entry.options == options
            && entry.digest == file.digest
            && entry.anchors.links.len() == entry.links.len()
            && entry
                .anchors
                .links
                .iter()
                .zip(&entry.links)
                .all(|(link, url)| resolve(&link.target) == *url);
        same.then_some(entry)
    }

    /// The previous rendering of a policy version's `file`, if its text, the options and
    /// every link's target URL are unchanged.
    pub fn markdown(&self, file: &SourceFile, options: u64, resolve: &Resolve) -> Option<Rendered> {
        self.markdown_entry(file, options, resolve)?
            .rendered
            .clone()
    }

    /// For a page whose Markdown is unchanged (see [`Cache::markdown`]): its
    /// [`markdown_identity`] and its anchors, without rendering it.
    pub fn page_markdown(
        &self,
        file: &SourceFile,
        options: u64,
        resolve: &Resolve,
    ) -> Option<(u64, Anchors)> {
        let entry = self.markdown_entry(file, options, resolve)?;
        let identity = markdown_identity(&entry.digest, options, &entry.links);
        Some((identity, entry.anchors.clone()))
    }

    /// Remembers a policy version's rendering, unless shortcodes made it depend on other
    /// files.
    pub fn store_markdown(
        &mut self,
        file: &SourceFile,
        options: u64,
        resolve: &Resolve,
        rendered: &Rendered,
    ) {
        let whole = Some(rendered.clone());
        let anchors = rendered.anchors();
        self.store(
            file,
            options,
            resolve,
            anchors,
            rendered.has_shortcodes,
            whole,
        );
    }

    /// Remembers what a page's rendering needs to be known again without rendering it:
    /// its anchors (not its HTML, which its output file holds).
    pub fn store_page_markdown(
        &mut self,
        file: &SourceFile,
        options: u64,
        resolve: &Resolve,
        anchors: &Anchors,
        has_shortcodes: bool,
    ) {
        self.store(
            file,
            options,
            resolve,
            anchors.clone(),
            has_shortcodes,
            None,
        );
    }

    fn store(
        &mut self,
        file: &SourceFile,
        options: u64,
        resolve: &Resolve,
        anchors: Anchors,
        has_shortcodes: bool,
        rendered: Option<Rendered>,
    ) {
        if has_shortcodes {
            self.markdown.remove(&file.display_path);
            return;
        }
        let links = anchors.links.iter().map(|l| resolve(&l.target)).collect();
        let entry = MarkdownEntry {
            digest: file.digest,
            options,
            links,
            rendered,
            anchors,
        };
        self.markdown.insert(file.display_path.clone(), entry);
    }

    /// Where the previous rendering of an output file is kept, if its key matches and
    /// every function call its template made gives the same result on the new site.
    /// `checks` remembers, for one build, which kept calls still give their result
    /// (see [`Cache::call_checks`]).
    pub fn output(
        &self,
        path: &str,
        key: u64,
        site: &Site,
        shared: &Shared,
        checks: &CallChecks,
    ) -> Option<Digest> {
        let entry = self.outputs.get(path)?;
        let valid = entry.stored.key == key
            && entry.stored.calls.iter().all(|&index| {
                *checks.0[index as usize].get_or_init(|| {
                    let c = self.call_table().calls[index as usize].clone();
                    functions::call(site, shared, c.name, &c.args).ok().as_ref() == Some(&c.result)
                })
            });
        valid.then(|| entry.digest.clone())
    }

    /// A fresh record of which kept calls still give their result, for one build.
    pub fn call_checks(&self) -> CallChecks {
        let kept = self.call_table().calls.len();
        CallChecks((0..kept).map(|_| OnceLock::new()).collect())
    }

    fn call_table(&self) -> std::sync::MutexGuard<'_, CallTable> {
        self.calls.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The numbers of these calls in the cache's list, each call kept once.
    pub fn intern(&self, calls: Vec<Call>) -> Box<[u32]> {
        let mut table = self.call_table();
        let CallTable { calls: kept, index } = &mut *table;
        calls
            .into_iter()
            .map(|call| {
                let hash = hash_of(&format!("{}{:?}{:?}", call.name, call.args, call.result));
                let bucket = index.entry(hash).or_default();
                if let Some(&at) = bucket.iter().find(|&&i| kept[i as usize] == call) {
                    return at;
                }
                let at = kept.len() as u32;
                kept.push(call);
                bucket.push(at);
                at
            })
            .collect()
    }

    pub fn store_output(&mut self, path: String, stored: Stored, digest: Digest) {
        self.outputs.insert(path, OutputEntry { stored, digest });
    }

    /// How many output files the cache holds.
    pub fn output_count(&self) -> usize {
        self.outputs.len()
    }

    /// Keeps the job of an output reused by a whole build current: page indices change
    /// when pages are added or removed before it.
    pub fn refresh_job(&mut self, path: &str, job: (JobKey, bool)) {
        if let Some(entry) = self.outputs.get_mut(path) {
            entry.stored.job = job;
        }
    }

    /// The output files that body edits affect: those that render an edited page's
    /// Markdown, and, where its word count changed, those that showed its summary or
    /// listing, or its section's listing (which holds its summary). Every output has a
    /// record (`vellum serve` asks only when its last build, whole or not, succeeded),
    /// so none is missed.
    pub fn affected(&self, edits: &[BodyEdit]) -> Vec<(String, JobKey, bool)> {
        let shows = |stored: &Stored| {
            edits.iter().any(|edit| {
                stored.source == Some(edit.page)
                    || (edit.words_changed && stored.shown.iter().any(|shown| shown.names(edit)))
            })
        };
        let mut affected: Vec<(String, JobKey, bool)> = self
            .outputs
            .iter()
            .filter(|(_, entry)| shows(&entry.stored))
            .map(|(path, entry)| (path.clone(), entry.stored.job.0, entry.stored.job.1))
            .collect();
        // Pages in the model's order, as a whole build renders them and reports their
        // Markdown's problems; the rest by path.
        affected.sort_by_key(|(path, job, _)| match job {
            JobKey::Page(index) => (0, *index, String::new()),
            _ => (1, 0, path.clone()),
        });
        affected
    }

    /// Forgets outputs that the latest build no longer has.
    pub fn retain_outputs(&mut self, keep: impl Fn(&str) -> bool) {
        self.outputs.retain(|path, _| keep(path));
    }
}
