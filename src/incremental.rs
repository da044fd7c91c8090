//! Incremental rebuilds for `vellum serve`: the full pipeline runs on every change, but
//! Markdown and pages whose inputs did not change are reused instead of rendered again.
//!
//! A page is reused only when everything it was rendered from is the same: its template
//! and every template that reaches (see `templates::dependency_hash`), its whole template
//! context (which includes its section's listing, breadcrumbs, policies and settings),
//! and the result of every `get_url`/`get_page`/`get_section`/`now` call it made. So an
//! incremental build gives the same bytes as a full one, by construction; a test checks.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::path::PathBuf;

use crate::content::SourceFile;
use crate::markdown::Rendered;
use crate::site::Site;
use crate::templates::Shared;
use crate::templates::functions::{self, Call};

/// What was rendered last time, kept between rebuilds.
#[derive(Default)]
pub struct Cache {
    markdown: HashMap<PathBuf, MarkdownEntry>,
    outputs: HashMap<String, OutputEntry>,
    /// What the last build rendered and reused.
    pub stats: Stats,
}

/// Counts from the last build.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Stats {
    pub markdown_rendered: usize,
    pub markdown_reused: usize,
    pub pages_rendered: usize,
    pub pages_reused: usize,
}

struct MarkdownEntry {
    /// SHA-256 of the file the rendering came from.
    digest: [u8; 32],
    options: u64,
    /// The URL each `@/` link resolved to.
    links: Vec<Option<String>>,
    rendered: Rendered,
}

struct OutputEntry {
    key: u64,
    calls: Vec<Call>,
    bytes: Vec<u8>,
}

/// A stable hash of anything hashable (the std hasher with fixed keys).
pub fn hash_of(value: &impl Hash) -> u64 {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    value.hash(&mut hasher);
    hasher.finish()
}

type Resolve<'a> = dyn Fn(&str) -> Option<String> + 'a;

impl Cache {
    /// The previous rendering of `file`, if its text, the options and every link's
    /// target URL are unchanged.
    pub fn markdown(&self, file: &SourceFile, options: u64, resolve: &Resolve) -> Option<Rendered> {
        let entry = self.markdown.get(&file.display_path)?;
        let same = entry.options == options
            && entry.digest == file.digest
            && entry.rendered.internal_links.len() == entry.links.len()
            && entry
                .rendered
                .internal_links
                .iter()
                .zip(&entry.links)
                .all(|(link, url)| resolve(&link.target) == *url);
        same.then(|| entry.rendered.clone())
    }

    /// Remembers a rendering, unless shortcodes made it depend on other files.
    pub fn store_markdown(
        &mut self,
        file: &SourceFile,
        options: u64,
        resolve: &Resolve,
        rendered: &Rendered,
    ) {
        if rendered.has_shortcodes {
            self.markdown.remove(&file.display_path);
            return;
        }
        let links = rendered
            .internal_links
            .iter()
            .map(|l| resolve(&l.target))
            .collect();
        let entry = MarkdownEntry {
            digest: file.digest,
            options,
            links,
            rendered: rendered.clone(),
        };
        self.markdown.insert(file.display_path.clone(), entry);
    }

    /// The previous bytes of an output file, if its key matches and every function call
    /// its template made gives the same result on the new site.
    pub fn output(&self, path: &str, key: u64, site: &Site, shared: &Shared) -> Option<Vec<u8>> {
        let entry = self.outputs.get(path)?;
        let valid = entry.key == key
            && entry.calls.iter().all(|c| {
                functions::call(site, shared, c.name, &c.args).ok().as_ref() == Some(&c.result)
            });
        valid.then(|| entry.bytes.clone())
    }

    pub fn store_output(&mut self, path: String, key: u64, calls: Vec<Call>, bytes: &[u8]) {
        self.outputs.insert(
            path,
            OutputEntry {
                key,
                calls,
                bytes: bytes.to_vec(),
            },
        );
    }

    /// Forgets outputs that the latest build no longer has.
    pub fn retain_outputs(&mut self, keep: impl Fn(&str) -> bool) {
        self.outputs.retain(|path, _| keep(path));
    }
}
