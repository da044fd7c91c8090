//! Stage two: turns the loaded files into the site model. Every page and section gets its
//! URL, its place in the section tree, its template and its order in listings. URLs are
//! checked here so that no output path can leave the output folder.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::config::Config;
use crate::content::front_matter::{FrontMatter, Kind, ProductFront, SortBy};
use crate::content::{Asset, Content, SourceFile};
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::policy::Policy;

/// A page or a section (a folder with an `_index.md`), with everything needed to render it.
#[derive(Debug, Clone)]
pub struct Page {
    pub file: SourceFile,
    /// Root-relative URL path, always starting and ending with `/`: `/products/`.
    pub path: String,
    /// Last part of the URL (empty for the home page).
    pub slug: String,
    /// Template name, e.g. `page.html`.
    pub template: String,
    /// Index of the section this page or section belongs to (`None` for the home page).
    pub parent: Option<usize>,
    /// Sections only: their pages in listing order.
    pub pages: Vec<usize>,
    /// Sections only: their direct subsections, by path.
    pub subsections: Vec<usize>,
    /// This page in every language it exists in (itself included), in the site's
    /// order of languages.
    pub translations: Vec<usize>,
}

impl Page {
    pub fn is_section(&self) -> bool {
        self.file.is_section()
    }

    /// The page's language code.
    pub fn lang(&self) -> &str {
        &self.file.lang
    }

    pub fn front_matter(&self) -> &FrontMatter {
        &self.file.front_matter
    }

    /// A product's own fields (`None` for any other page).
    pub fn product(&self) -> Option<&ProductFront> {
        self.file.front_matter.product()
    }

    /// Sections with `paginate_by`: how many pages each listing page shows.
    pub fn paginate_by(&self) -> Option<usize> {
        let section = self.file.front_matter.section()?;
        section.paginate_by.map(std::num::NonZeroUsize::get)
    }

    /// How many listing pages the section has: one unless it paginates (and one for a
    /// section with no pages, which still shows its own text).
    pub fn pagers(&self) -> usize {
        match self.paginate_by() {
            Some(by) => self.pages.len().div_ceil(by).max(1),
            None => 1,
        }
    }

    /// The URL path of listing page `number` (from 1): the section's own path for the
    /// first, `<path>page/<number>/` after it, as in Zola.
    pub fn pager_path(&self, number: usize) -> String {
        if number <= 1 {
            self.path.clone()
        } else {
            format!("{}{number}/", self.pagers_folder())
        }
    }

    /// The URL path the later listing pages go under: `<path>page/`.
    pub fn pagers_folder(&self) -> String {
        format!("{}{PAGER_FOLDER}/", self.path)
    }

    /// A number that names this page from one build to the next (a hash of its path
    /// under `content/`; its index changes when pages are added before it).
    pub fn key(&self) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        self.file.relative.hash(&mut hasher);
        hasher.finish()
    }

    /// Words in the Markdown body (counted when the file was read).
    pub fn word_count(&self) -> usize {
        self.file.words
    }

    /// The title, falling back to the slug so that listings never show a blank.
    pub fn title(&self) -> &str {
        let front = &self.file.front_matter;
        front
            .title()
            .or(front.product().and_then(|p| p.name.as_deref()))
            .unwrap_or(&self.slug)
    }
}

/// The folder of a paginated section's later listing pages: `/blog/page/2/`.
pub const PAGER_FOLDER: &str = "page";

/// The whole site, ready to render.
///
/// Every part is behind a reference count, so that [`Site::with_bodies`] can make the
/// model of a site where only some pages' bodies changed (what `vellum serve` does on
/// most saves) without copying 10,000 pages.
#[derive(Debug, Clone)]
pub struct Site {
    pub config: Config,
    /// The build's notion of "now" (see [`crate::clock`]).
    pub now: DateTime<Utc>,
    /// Pages and sections; index 0 is the home page.
    pub pages: Vec<Arc<Page>>,
    /// Policies with their versions (see [`crate::policy`]).
    pub policies: Arc<Vec<Policy>>,
    /// Files from `content/` copied as they are, with their output paths.
    pub assets: Arc<Vec<(Asset, String)>>,
    /// Data files under `data/`, for `load_data`.
    pub data: Arc<crate::data::Data>,
    /// Product images by output path, with their sizes and variants.
    pub images: Arc<Images>,
    /// Static files (theme and site `static/`) by output path, with their fingerprints.
    pub fingerprints: Arc<BTreeMap<String, crate::output::fingerprint::Fingerprint>>,
    /// The site's languages, the default first.
    pub languages: Arc<crate::language::Languages>,
    by_relative: Arc<HashMap<String, usize>>,
}

/// What the model is made of: the load stage's results.
pub struct Inputs {
    pub config: Config,
    /// The build's notion of "now" (see [`crate::clock`]).
    pub now: DateTime<Utc>,
    pub content: Content,
    pub policies: Vec<Policy>,
    /// Data files under `data/`.
    pub data: crate::data::Data,
    /// Static files by output path, with their fingerprints.
    pub fingerprints: BTreeMap<String, crate::output::fingerprint::Fingerprint>,
    pub include_drafts: bool,
}

/// Product images by output path, made by the caller once every page has its URL (a
/// product's images live beside its page).
pub type Images = HashMap<String, crate::images::Processed>;

impl Site {
    /// Builds the model, complete: nothing is added to it afterwards. `images` makes the
    /// product images from the placed pages and assets. Returns every problem found
    /// (unsafe slugs, two pages at one URL, a broken image).
    pub fn new(
        inputs: Inputs,
        images: impl FnOnce(&[Page], &[(Asset, String)], &Config) -> Result<Images, Diagnostics>,
    ) -> Result<Site, Diagnostics> {
        let Inputs {
            config,
            now,
            content,
            policies,
            data,
            fingerprints,
            include_drafts,
        } = inputs;
        let files: Vec<SourceFile> = content
            .files
            .into_iter()
            .filter(|f| include_drafts || !f.front_matter.draft())
            .collect();
        let languages = crate::language::Languages::new(&config);
        let mut diagnostics = Diagnostics::default();
        let folder_urls = folder_urls(&files, &content.assets, &mut diagnostics);
        let policy_langs: Vec<&str> = policies.iter().map(|p| &*p.lang).collect();
        let mut pages = place_pages(
            files,
            &folder_urls,
            &languages,
            &policy_langs,
            &mut diagnostics,
        );
        check_unique_paths(&pages, &mut diagnostics);
        check_reserved_paths(&pages, &policies, &languages, &mut diagnostics);
        link_sections(&mut pages);
        link_translations(&mut pages, &languages);
        check_pager_paths(&pages, &mut diagnostics);
        assign_templates(&mut pages);
        let assets: Vec<(Asset, String)> = content
            .assets
            .into_iter()
            .map(|asset| {
                let (folder, name) = split_parent(&asset.relative);
                let path = format!("{}{}", folder_url(&folder_urls, folder), name);
                (asset, path)
            })
            .collect();
        if diagnostics.has_errors() {
            return Err(diagnostics);
        }
        let images = images(&pages, &assets, &config)?;
        let by_relative = pages
            .iter()
            .enumerate()
            .map(|(i, p)| (p.file.relative.clone(), i))
            .collect();
        Ok(Site {
            config,
            now,
            pages: pages.into_iter().map(Arc::new).collect(),
            policies: Arc::new(policies),
            assets: Arc::new(assets),
            fingerprints: Arc::new(fingerprints),
            images: Arc::new(images),
            data: Arc::new(data),
            languages: Arc::new(languages),
            by_relative: Arc::new(by_relative),
        })
    }

    /// The same site with new files for some pages, whose front matter (and so their
    /// URL, place, order and template) is unchanged: only what the body gives (its
    /// digest and word count) differs. The caller checks that the front matter is the
    /// same; everything else is shared with `self`.
    pub fn with_bodies(&self, files: impl IntoIterator<Item = (usize, SourceFile)>) -> Site {
        let mut site = self.clone();
        for (index, file) in files {
            let page = Page {
                file,
                ..(*site.pages[index]).clone()
            };
            site.pages[index] = Arc::new(page);
        }
        site
    }

    /// The build's date, which decides which policy versions are in force.
    pub fn today(&self) -> chrono::NaiveDate {
        crate::clock::local_date(self.now, self.config.policies.timezone)
    }

    /// The instant a local date begins in the shop's time zone, in RFC 3339 with its offset.
    pub fn start_of(&self, day: chrono::NaiveDate) -> String {
        let zone = self.config.policies.timezone;
        crate::clock::rfc3339(crate::clock::local_midnight(day, zone), zone)
    }

    /// The URL path of anything a `@/` link can name: a page or section by its file, a
    /// policy by `policies/NAME/_index.md`, a policy version by its file.
    pub fn path_of(&self, relative: &str) -> Option<String> {
        self.path_in(relative, &self.config.default_language)
    }

    /// [`Site::path_of`] as a page in `lang` means it: the translation into `lang` of
    /// what `relative` names, where there is one, else the page itself.
    pub fn path_in(&self, relative: &str, lang: &str) -> Option<String> {
        let relative = relative.trim_start_matches('/');
        if lang != self.config.default_language {
            let translated = self.languages.translated(relative, lang);
            if let Some(page) = self.page_by_relative(&translated) {
                return Some(page.path.clone());
            }
        }
        if let Some(page) = self.page_by_relative(relative) {
            return Some(page.path.clone());
        }
        let (policy, version) = self.policy_target_in(relative, lang)?;
        let policy = &self.policies[policy];
        Some(match version {
            Some(v) => policy.version_path(&policy.versions[v]),
            None => policy.path(),
        })
    }

    /// The absolute URL an `@/` link to `relative` resolves to.
    pub fn link_url(&self, relative: &str) -> Option<String> {
        self.path_of(relative).map(|path| self.permalink(&path))
    }

    /// [`Site::link_url`] from a page in `lang` (see [`Site::path_in`]).
    pub fn link_url_in(&self, relative: &str, lang: &str) -> Option<String> {
        self.path_in(relative, lang)
            .map(|path| self.permalink(&path))
    }

    /// A policy (and version, if the link names one) from a path under `content/`.
    pub fn policy_target(&self, relative: &str) -> Option<(usize, Option<usize>)> {
        self.policy_target_in(relative, &self.config.default_language)
    }

    /// [`Site::policy_target`] from a page in `lang`: the policy's translation into
    /// `lang` when it has one, and there the translation of the version named, if any.
    pub fn policy_target_in(&self, relative: &str, lang: &str) -> Option<(usize, Option<usize>)> {
        let relative = relative.trim_start_matches('/');
        let (base, named_lang) = self.languages.split(relative).ok()?;
        // A link that names a translation (`_index.de.md`) means that language.
        let lang = if relative != base { &*named_lang } else { lang };
        let rest = base
            .strip_prefix(crate::policy::POLICIES_DIR)?
            .strip_prefix('/')?;
        let (slug, name) = rest.split_once('/').unwrap_or((rest, ""));
        let named = |lang: &str| {
            self.policies
                .iter()
                .position(|p| p.slug == slug && &*p.lang == lang)
        };
        let in_lang = named(lang);
        let default = named(&self.config.default_language);
        if name.is_empty() || name == "_index.md" {
            return Some((in_lang.or(default)?, None));
        }
        let version = |p: usize| {
            self.policies[p]
                .versions
                .iter()
                .position(|v| v.file.base == base)
                .map(|v| (p, Some(v)))
        };
        // A link to a version's file names exactly that text when it names a translation.
        if relative != base {
            return self
                .policies
                .iter()
                .position(|p| p.versions.iter().any(|v| v.file.relative == relative))
                .and_then(|p| {
                    let v = self.policies[p]
                        .versions
                        .iter()
                        .position(|v| v.file.relative == relative)?;
                    Some((p, Some(v)))
                });
        }
        in_lang
            .and_then(version)
            .or_else(|| default.and_then(version))
    }

    /// The source an `@/` link that goes nowhere probably meant: the nearest path (by
    /// edit distance, at most a third of its length) of a page, section, policy or
    /// policy version.
    pub fn closest_source(&self, target: &str) -> Option<String> {
        let target = target.split('#').next().unwrap_or(target);
        let policies = self.policies.iter().flat_map(|p| {
            std::iter::once(format!(
                "{}/{}/_index.md",
                crate::policy::POLICIES_DIR,
                p.slug
            ))
            .chain(p.versions.iter().map(|v| v.file.relative.clone()))
        });
        self.pages
            .iter()
            .map(|p| p.file.relative.clone())
            .chain(policies)
            .map(|known| (strsim::damerau_levenshtein(target, &known), known))
            .filter(|(distance, _)| *distance <= (target.len() / 3).max(2))
            .min()
            .map(|(_, known)| known)
    }

    /// Whether a page, policy version or asset is at `relative` (a path under
    /// `content/`) or in a folder there.
    pub fn has_source(&self, relative: &str) -> bool {
        let is_at = |source: &str| {
            source
                .strip_prefix(relative)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
        };
        self.pages.iter().any(|p| is_at(&p.file.relative))
            || self.assets.iter().any(|(a, _)| is_at(&a.relative))
            || self
                .policies
                .iter()
                .flat_map(|p| &p.versions)
                .any(|v| is_at(&v.file.relative))
    }

    /// Finds a page or section by its path under `content/`, e.g. `products/_index.md`.
    pub fn page_by_relative(&self, relative: &str) -> Option<&Page> {
        self.index_by_relative(relative).map(|i| &*self.pages[i])
    }

    /// The index in `pages` of the page at `relative`.
    pub fn index_by_relative(&self, relative: &str) -> Option<usize> {
        self.by_relative
            .get(relative.trim_start_matches('/'))
            .copied()
    }

    /// Absolute URL of a root-relative path.
    pub fn permalink(&self, path: &str) -> String {
        self.config.permalink(path)
    }

    /// The sections from the home page down to (not including) `page`.
    pub fn ancestors(&self, page: &Page) -> Vec<&Page> {
        let mut chain = Vec::new();
        let mut parent = page.parent;
        while let Some(i) = parent {
            chain.push(&*self.pages[i]);
            parent = self.pages[i].parent;
        }
        chain.reverse();
        chain
    }
}

/// Folder path (relative to `content/`, `""` for the root) -> its URL path.
type FolderUrls = BTreeMap<String, String>;

/// Works out each folder's URL: its parent's URL plus its section slug or its slugified
/// name. Folders are visited parents first, thanks to the sorted map.
fn folder_urls(
    files: &[SourceFile],
    assets: &[Asset],
    diagnostics: &mut Diagnostics,
) -> FolderUrls {
    // A folder's URL comes from its section in the default language; a translated
    // section lives at the same URL under its language's prefix.
    let section_slugs: HashMap<&str, &SourceFile> = files
        .iter()
        .filter(|f| f.is_section() && f.relative == f.base)
        .map(|f| (split_parent(&f.base).0, f))
        .collect();
    // Folders holding only assets (images, PDFs) need URLs too.
    let mut folders: Vec<&str> = files
        .iter()
        .map(|f| f.base.as_str())
        .chain(assets.iter().map(|a| a.relative.as_str()))
        .map(|relative| split_parent(relative).0)
        .collect();
    folders.sort_unstable();
    folders.dedup();
    let mut urls = FolderUrls::new();
    urls.insert(String::new(), "/".to_string());
    for folder in folders {
        let mut prefix = String::new();
        for part in folder.split('/').filter(|p| !p.is_empty()) {
            let parent_url = urls[&prefix].clone();
            if !prefix.is_empty() {
                prefix.push('/');
            }
            prefix.push_str(part);
            if urls.contains_key(&prefix) {
                continue;
            }
            let slug = match section_slugs.get(prefix.as_str()) {
                Some(section) => slug_of(section, part, diagnostics),
                None => slugify_or_keep(part),
            };
            urls.insert(prefix.clone(), format!("{parent_url}{slug}/"));
        }
    }
    urls
}

fn folder_url<'a>(urls: &'a FolderUrls, folder: &str) -> &'a str {
    urls.get(folder).map_or("/", String::as_str)
}

/// Splits `a/b/c.md` into (`a/b`, `c.md`).
fn split_parent(relative: &str) -> (&str, &str) {
    relative.rsplit_once('/').unwrap_or(("", relative))
}

/// The slug set in front matter (checked), or the slugified file or folder name.
fn slug_of(file: &SourceFile, name: &str, diagnostics: &mut Diagnostics) -> String {
    let Some(slug) = file.front_matter.slug() else {
        let slug = slug::slugify(name);
        if slug.is_empty() {
            diagnostics.push(
                Diagnostic::error(
                    &file.display_path,
                    format!("the name `{name}` gives this page an empty URL"),
                )
                .with_help("rename the file or folder with letters or digits, or set `slug`"),
            );
        }
        return slug;
    };
    match check_slug(slug) {
        Ok(()) => slug.to_string(),
        Err(why) => {
            diagnostics.push(
                file.error_at_key("slug", format!("slug `{slug}` {why}"))
                    .with_help(
                        "use lowercase letters, digits and dashes, e.g. slug = \"fitbit-sense-2\"",
                    ),
            );
            slug::slugify(name)
        }
    }
}

/// A folder name as a URL segment; names that slugify to nothing are kept (escaped by
/// the browser) rather than collapsing into their parent folder.
fn slugify_or_keep(name: &str) -> String {
    let slug = slug::slugify(name);
    if slug.is_empty() {
        name.to_string()
    } else {
        slug
    }
}

/// A slug is one URL segment: it must not climb out of its folder or name a hidden file.
pub fn check_slug(slug: &str) -> Result<(), &'static str> {
    if slug.is_empty() {
        return Err("is empty");
    }
    if slug.contains(['/', '\\']) || slug == "." || slug == ".." || slug.starts_with('.') {
        return Err("would write outside its folder (slashes and leading dots are not allowed)");
    }
    if slug
        .chars()
        .any(|c| c.is_control() || c.is_whitespace() || "?#%<>\"'`|*:".contains(c))
    {
        return Err("contains characters that are not allowed in a URL segment");
    }
    Ok(())
}

fn place_pages(
    files: Vec<SourceFile>,
    folder_urls: &FolderUrls,
    languages: &crate::language::Languages,
    policy_langs: &[&str],
    diagnostics: &mut Diagnostics,
) -> Vec<Page> {
    let mut pages: Vec<Page> = Vec::with_capacity(files.len() + 1);
    // Every language with pages or policies has a home page, which its sections hang
    // from and its breadcrumbs start at.
    for lang in &languages.all {
        let written = files.iter().any(|f| f.is_home() && f.lang == *lang);
        let needed = *lang == languages.default
            || files.iter().any(|f| f.lang == *lang)
            || policy_langs.contains(&&**lang);
        if needed && !written {
            pages.push(implicit_home(
                lang,
                &languages.translated("_index.md", lang),
            ));
        }
    }
    for file in files {
        let (folder, name) = split_parent(&file.base);
        let prefix = if file.lang == languages.default {
            String::new()
        } else {
            format!("/{}", file.lang)
        };
        let folder_path = format!("{prefix}{}", folder_url(folder_urls, folder));
        // A section, or a page bundle (`about/index.md` is the page `/about/`), takes
        // its folder's URL.
        let (path, slug) = if file.is_section() || name == "index.md" {
            let slug = folder_path
                .trim_end_matches('/')
                .rsplit('/')
                .next()
                .unwrap_or("");
            (folder_path.clone(), slug.to_string())
        } else {
            let stem = name.trim_end_matches(".md");
            let slug = slug_of(&file, stem, diagnostics);
            (format!("{folder_path}{slug}/"), slug)
        };
        pages.push(Page {
            file,
            path,
            slug,
            template: String::new(),
            parent: None,
            pages: Vec::new(),
            subsections: Vec::new(),
            translations: Vec::new(),
        });
    }
    // The home page first, then sections and pages by path, so indices are stable.
    pages.sort_by(|a, b| {
        (a.file.relative != "_index.md", &a.file.relative)
            .cmp(&(b.file.relative != "_index.md", &b.file.relative))
    });
    pages
}

fn implicit_home(lang: &Arc<str>, relative: &str) -> Page {
    let prefix = if relative == "_index.md" {
        String::new()
    } else {
        format!("/{lang}")
    };
    let file = SourceFile {
        relative: relative.into(),
        base: "_index.md".into(),
        lang: Arc::clone(lang),
        display_path: format!("content/{relative}").into(),
        front_matter: FrontMatter::empty(Kind::Section),
        ..SourceFile::default()
    };
    Page {
        file,
        path: format!("{prefix}/"),
        slug: String::new(),
        template: String::new(),
        parent: None,
        pages: Vec::new(),
        subsections: Vec::new(),
        translations: Vec::new(),
    }
}

fn check_unique_paths(pages: &[Page], diagnostics: &mut Diagnostics) {
    let mut seen: HashMap<&str, &Page> = HashMap::new();
    for page in pages {
        let Some(&first) = seen.get(page.path.as_str()) else {
            seen.insert(&page.path, page);
            continue;
        };
        // Point at the page whose `slug` caused the clash, if one of them has one.
        let (culprit, other) = if first.front_matter().slug().is_some() {
            (first, page)
        } else {
            (page, first)
        };
        diagnostics.push(
            culprit
                .file
                .error_at_key(
                    "slug",
                    format!(
                        "this page has the same URL {} as {}",
                        page.path,
                        other.file.display_path.display()
                    ),
                )
                .with_help("give one of them a different file name or `slug`"),
        );
    }
}

/// Policy pages and the changelog own their URLs; a page there would be overwritten.
fn check_reserved_paths(
    pages: &[Page],
    policies: &[Policy],
    languages: &crate::language::Languages,
    diagnostics: &mut Diagnostics,
) {
    let reserved_prefixes: Vec<String> = policies.iter().map(Policy::path).collect();
    let changelogs: Vec<String> = languages
        .all
        .iter()
        .map(|lang| crate::policy::pages::changelog_path(languages, lang))
        .collect();
    for page in pages {
        let clash = changelogs.contains(&page.path)
            || reserved_prefixes
                .iter()
                .any(|prefix| page.path.starts_with(prefix.as_str()));
        if clash {
            diagnostics.push(
                page.file
                    .error_at_key(
                        "slug",
                        format!("the URL {} belongs to a policy or the changelog", page.path),
                    )
                    .with_help("rename this page or give it another `slug`"),
            );
        }
    }
}

/// A paginated section's later listing pages (`/blog/page/2/`) must not land on a page.
fn check_pager_paths(pages: &[Page], diagnostics: &mut Diagnostics) {
    let by_path: HashMap<&str, &Page> = pages.iter().map(|p| (p.path.as_str(), p)).collect();
    for section in pages.iter().filter(|p| p.paginate_by().is_some()) {
        for number in 2..=section.pagers() {
            let path = section.pager_path(number);
            if let Some(page) = by_path.get(path.as_str()) {
                diagnostics.push(
                    section
                        .file
                        .error_at_key(
                            "paginate_by",
                            format!(
                                "page {number} of this section's listing would be at {path}, the URL of {}",
                                page.file.display_path.display()
                            ),
                        )
                        .with_help("rename that page or give it another `slug`"),
                );
            }
        }
    }
}

/// Gives each page its parent section (the nearest folder above with an `_index.md`) and
/// each section its sorted page list and subsections.
fn link_sections(pages: &mut [Page]) {
    // Sections by language and folder: a page hangs from the nearest section above it
    // in its own language, up to its language's home page.
    let section_by_folder: HashMap<(Arc<str>, String), usize> = pages
        .iter()
        .enumerate()
        .filter(|(_, p)| p.is_section())
        .map(|(i, p)| {
            let folder = split_parent(&p.file.base).0.to_string();
            ((Arc::clone(&p.file.lang), folder), i)
        })
        .collect();
    for i in 0..pages.len() {
        let base = pages[i].file.base.clone();
        let lang = Arc::clone(&pages[i].file.lang);
        let mut folder = split_parent(&base).0;
        if pages[i].is_section() {
            if folder.is_empty() {
                continue;
            }
            folder = split_parent(folder).0;
        }
        let parent = loop {
            if let Some(&s) = section_by_folder.get(&(Arc::clone(&lang), folder.to_string())) {
                break s;
            }
            if folder.is_empty() {
                break 0;
            }
            folder = split_parent(folder).0;
        };
        pages[i].parent = Some(parent);
        if pages[i].is_section() {
            pages[parent].subsections.push(i);
        } else {
            pages[parent].pages.push(i);
        }
    }
    for s in 0..pages.len() {
        if !pages[s].is_section() {
            continue;
        }
        let sort_by = pages[s]
            .front_matter()
            .section()
            .and_then(|f| f.sort_by)
            .unwrap_or_default();
        let mut list = std::mem::take(&mut pages[s].pages);
        sort_pages(&mut list, pages, sort_by);
        pages[s].pages = list;
        let mut subsections = std::mem::take(&mut pages[s].subsections);
        sort_pages(&mut subsections, pages, SortBy::Weight);
        pages[s].subsections = subsections;
    }
}

/// Gives each page the list of its translations (itself included), by language order.
fn link_translations(pages: &mut [Page], languages: &crate::language::Languages) {
    let mut by_base: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, page) in pages.iter().enumerate() {
        by_base.entry(page.file.base.as_str()).or_default().push(i);
    }
    let lists: Vec<(usize, Vec<usize>)> = by_base
        .into_values()
        .flat_map(|mut list| {
            list.sort_by_key(|&i| languages.index(&pages[i].file.lang));
            list.clone().into_iter().map(move |i| (i, list.clone()))
        })
        .collect();
    for (i, list) in lists {
        pages[i].translations = list;
    }
}

/// Sorts page indices; ties fall back to the file path so the order never depends on luck.
fn sort_pages(list: &mut [usize], pages: &[Page], sort_by: SortBy) {
    list.sort_by(|&a, &b| {
        let (a, b) = (&pages[a], &pages[b]);
        let path = a.file.relative.cmp(&b.file.relative);
        match sort_by {
            SortBy::Weight => {
                let weight = |p: &Page| p.front_matter().weight().unwrap_or(i64::MAX);
                weight(a)
                    .cmp(&weight(b))
                    .then_with(|| a.title().to_lowercase().cmp(&b.title().to_lowercase()))
                    .then(path)
            }
            // Newest first; undated pages last.
            SortBy::Date => b
                .front_matter()
                .date()
                .cmp(&a.front_matter().date())
                .then(path),
            SortBy::Title => a
                .title()
                .to_lowercase()
                .cmp(&b.title().to_lowercase())
                .then(path),
            SortBy::None => path,
        }
    });
}

/// Picks each page's template: its own `template`, else its section's `page_template`,
/// else the default for its kind.
fn assign_templates(pages: &mut [Page]) {
    for i in 0..pages.len() {
        let page = &pages[i];
        let template = if let Some(template) = page.front_matter().template() {
            template.to_string()
        } else if page.file.is_home() {
            "index.html".to_string()
        } else if page.is_section() {
            "section.html".to_string()
        } else {
            page.parent
                .and_then(|p| pages[p].front_matter().section()?.page_template.clone())
                .unwrap_or_else(|| "page.html".to_string())
        };
        pages[i].template = template;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_that_climb_out_are_rejected() {
        assert!(check_slug("../../x").is_err());
        assert!(check_slug("..").is_err());
        assert!(check_slug("a/b").is_err());
        assert!(check_slug("a\\b").is_err());
        assert!(check_slug(".hidden").is_err());
        assert!(check_slug("").is_err());
        assert!(check_slug("fitbit-sense-2").is_ok());
        assert!(check_slug("2026-11-24").is_ok());
    }

    #[test]
    fn split_parent_handles_root_files() {
        assert_eq!(split_parent("about.md"), ("", "about.md"));
        assert_eq!(split_parent("a/b/c.md"), ("a/b", "c.md"));
    }
}
