//! Stage three (second half): Tera themes.
//!
//! A theme is `themes/NAME/templates/` (plus `static/`); a template of the same name in the
//! site's own `templates/` folder overrides the theme's. Autoescaping is on for HTML and
//! XML. Template problems are reported at the template file and line.

mod context;
mod dependencies;
mod filters;
pub mod functions;
mod nesting;
pub mod strings;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tera::{Context, ErrorKind, Tera, Value};

use crate::content::read_utf8;
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::markdown::{Body, VersionBodies};
use crate::policy::pages::{FEED_PATH, PolicyPage};
use crate::policy::redline::redline;
use crate::site::{Page, Site};
pub use context::Shared;
pub use context::{Depth, PageView};
use context::{Paginator, TranslationView, VersionView, alternate_views, changelog_entries};
pub use context::{Shown, finish_recording_shown, start_recording_shown};

/// The site's own template folder, which overrides the theme's.
pub const SITE_TEMPLATES_DIR: &str = "templates";

/// A template's source file, for pointing at lines in errors.
#[derive(Debug)]
struct TemplateFile {
    display_path: PathBuf,
    source: Arc<str>,
}

/// The compiled templates of the theme and the site.
pub struct Templates {
    tera: Tera,
    /// The values every render shares, made when the site is bound
    /// ([`Templates::register_functions`]).
    shared: Option<Arc<Shared>>,
    files: HashMap<String, TemplateFile>,
    dependency_hashes: HashMap<String, (u64, dependencies::Names)>,
    /// The theme strings (`trans`), per language.
    strings: Arc<strings::Strings>,
}

/// A [`Job`] that names its pages by index instead of borrowing them, so that `vellum
/// serve` can keep it with an output between rebuilds ([`JobKey::job`] gives the job
/// back for a site; the caller keeps indices current).
#[derive(Debug, Clone, Copy)]
pub enum JobKey {
    Page(usize),
    Policy(PolicyPage),
    Standalone {
        template: &'static str,
        path: &'static str,
    },
    Sorted {
        page: usize,
        order: CatalogOrder,
    },
    Pager {
        page: usize,
        number: usize,
    },
}

impl JobKey {
    /// The job on `site`, whose pages the indices name.
    pub fn job(self, site: &Site) -> Job<'_> {
        match self {
            JobKey::Page(i) => Job::Page(&site.pages[i]),
            JobKey::Policy(page) => Job::Policy(page),
            JobKey::Standalone { template, path } => Job::Standalone { template, path },
            JobKey::Sorted { page, order } => Job::Sorted {
                page: &site.pages[page],
                order,
            },
            JobKey::Pager { page, number } => Job::Pager {
                page: &site.pages[page],
                number,
            },
        }
    }
}

impl Job<'_> {
    /// The job with its page named by its index in `site` (`None` for a page not in it).
    pub fn key(self, site: &Site) -> Option<JobKey> {
        let index = |page: &Page| site.index_by_relative(&page.file.relative);
        Some(match self {
            Job::Page(page) => JobKey::Page(index(page)?),
            Job::Policy(page) => JobKey::Policy(page),
            Job::Standalone { template, path } => JobKey::Standalone { template, path },
            Job::Sorted { page, order } => JobKey::Sorted {
                page: index(page)?,
                order,
            },
            Job::Pager { page, number } => JobKey::Pager {
                page: index(page)?,
                number,
            },
        })
    }
}

/// What one output file is rendered from.
#[derive(Debug, Clone, Copy)]
pub enum Job<'a> {
    /// A page or section from `content/`.
    Page(&'a Page),
    /// A policy page, the changelog or its feed.
    Policy(PolicyPage),
    /// A template with no content of its own, such as `404.html`.
    Standalone {
        template: &'static str,
        path: &'static str,
    },
    /// A catalog section (template `catalog.html`) listed in another order, at
    /// `<section>/<order>/`, so shoppers can sort without JavaScript.
    Sorted { page: &'a Page, order: CatalogOrder },
    /// A later listing page of a section with `paginate_by` (the first is its
    /// `Job::Page`): number 2 and on, at [`Page::pager_path`].
    Pager { page: &'a Page, number: usize },
}

pub use crate::product::CatalogOrder;

/// The template that gets pre-rendered sort orders.
pub const CATALOG_TEMPLATE: &str = "catalog.html";

/// The variables a template sees: a few values, most of them built once per build and
/// shared (a `tera::Value` clone is a reference count).
#[derive(Default)]
pub struct PageContext(Vec<(&'static str, Value)>);

impl PageContext {
    pub fn insert(&mut self, key: &'static str, value: &(impl serde::Serialize + ?Sized)) {
        self.insert_value(key, Value::from_serializable(value));
    }

    pub fn insert_value(&mut self, key: &'static str, value: Value) {
        match self.0.iter_mut().find(|(k, _)| *k == key) {
            Some(slot) => slot.1 = value,
            None => self.0.push((key, value)),
        }
    }

    /// The page's language, as its context says.
    fn lang(&self) -> Option<String> {
        self.0
            .iter()
            .find(|(k, _)| *k == "lang")
            .and_then(|(_, v)| v.as_str().map(str::to_string))
    }

    fn to_context(&self) -> Context {
        let mut context = Context::new();
        for (key, value) in &self.0 {
            context.insert_value(*key, value.clone());
        }
        context
    }

    /// The variables `keep` accepts, as JSON, for `vellum serve` to tell whether a page's
    /// inputs changed.
    pub fn to_json_where(&self, keep: impl Fn(&str) -> bool) -> Vec<u8> {
        let kept: Vec<&(&str, Value)> = self.0.iter().filter(|(name, _)| keep(name)).collect();
        serde_json::to_vec(&kept).unwrap_or_default()
    }
}

/// A template with its context, ready to render.
pub struct Prepared {
    pub template: String,
    pub context: PageContext,
    /// The content file (or template) being rendered, for error messages.
    pub source: PathBuf,
    /// A redline the page shows, not computed yet: `vellum serve` first checks whether
    /// the page is unchanged (its inputs are the two versions' bodies), and only a page
    /// that is rendered computes it ([`Templates::complete`]).
    pub redline: Option<RedlineOf>,
    /// HTML the page shows whole and already compact (a redline), which minifying the
    /// page can leave as it is instead of parsing it again.
    pub verbatim: Option<String>,
}

/// The two versions of a policy a redline compares.
#[derive(Debug, Clone, Copy)]
pub struct RedlineOf {
    pub policy: usize,
    pub from: usize,
    pub to: usize,
}

impl RedlineOf {
    /// What the redline depends on: the two versions' rendered bodies.
    pub fn inputs_hash(&self, versions: &VersionBodies) -> (u64, u64) {
        (
            versions.hash(self.policy, self.from),
            versions.hash(self.policy, self.to),
        )
    }
}

/// Where each policy's record stands: the seal of its newest lock entry, published in the
/// feed so that anyone can later check the record only grew (`vellum policy verify`).
#[derive(Debug, serde::Serialize)]
struct RecordHead<'a> {
    policy: &'a str,
    head: &'a str,
    versions_url: String,
}

fn record_heads<'a>(
    site: &'a Site,
    record: &'a crate::policy::lock::Lock,
    lang: &str,
) -> Vec<RecordHead<'a>> {
    site.policies
        .iter()
        .filter(|policy| &*policy.lang == lang)
        .filter_map(|policy| {
            Some(RecordHead {
                policy: &policy.slug,
                head: record.head(&policy.record_name())?,
                versions_url: site.permalink(&crate::machine::versions_path(policy)),
            })
        })
        .collect()
}

/// The folder of a theme's templates.
pub fn theme_dir(root: &Path, theme: &str) -> PathBuf {
    root.join("themes").join(theme)
}

impl Templates {
    /// Reads and compiles the theme's templates, then the site's overrides.
    pub fn load(root: &Path, theme: &str) -> Result<Templates, Diagnostics> {
        let theme_templates = theme_dir(root, theme).join("templates");
        if !theme_templates.is_dir() {
            let shown = Path::new("themes").join(theme).join("templates");
            return Err(Diagnostic::error(
                shown,
                format!("theme `{theme}` has no templates folder"),
            )
            .with_help("check `theme` in site.toml names a folder under themes/")
            .into());
        }
        let mut files = HashMap::new();
        let mut diagnostics = Diagnostics::default();
        for dir in [theme_templates, root.join(SITE_TEMPLATES_DIR)] {
            read_templates(root, &dir, &mut files, &mut diagnostics);
        }
        let strings = strings::Strings::load(root, &theme_dir(root, theme)).unwrap_or_else(|e| {
            diagnostics.extend(e);
            strings::Strings::default()
        });
        for file in files.values() {
            if let Some((at, problem)) = nesting::too_deep(&file.source) {
                let line = crate::diagnostic::line_of_offset(&file.source, at);
                diagnostics.push(
                    Diagnostic::error(&file.display_path, problem)
                        .at_line(&file.source, line)
                        .with_help("split the template with {% include %} or components"),
                );
            }
        }
        if let Some((path, at)) = dependencies::include_cycle(&files) {
            let file = &files[&path[0]];
            let line = crate::diagnostic::line_of_offset(&file.source, at);
            diagnostics.push(
                Diagnostic::error(
                    &file.display_path,
                    format!(
                        "this include leads back to itself ({}), so it would never end",
                        path.join(" → ")
                    ),
                )
                .at_line(&file.source, line)
                .with_help(
                    "remove the include that leads back, or make the repeated part a component",
                ),
            );
        }
        if diagnostics.has_errors() {
            diagnostics.sort();
            return Err(diagnostics);
        }
        let mut tera = Tera::new();
        tera.autoescape_on([".html", ".htm", ".xml"]);
        tera.set_escape_fn(escape_html);
        filters::register(&mut tera);
        functions::register_placeholders(&mut tera);
        let mut sources: Vec<(&str, &str)> = files
            .iter()
            .map(|(name, f)| (name.as_str(), &*f.source))
            .collect();
        sources.sort_unstable();
        if let Err(e) = tera.add_raw_templates(sources) {
            return Err(load_error(&e, &files));
        }
        // Every page may show theme strings: a changed string changes every page's key.
        let dependency_hashes = dependencies::hashes(&files)
            .into_iter()
            .map(|(name, (hash, names))| (name, (hash ^ strings.hash, names)))
            .collect();
        Ok(Templates {
            tera,
            shared: None,
            files,
            dependency_hashes,
            strings: Arc::new(strings),
        })
    }

    /// Whether any template reads the clock (`now()`), so that pages change when the
    /// year does (a footer's ©).
    pub fn read_the_clock(&self) -> bool {
        self.files.values().any(|f| f.source.contains("now("))
    }

    /// The template a misspelt name probably meant.
    pub fn closest(&self, name: &str) -> Option<&str> {
        self.files
            .keys()
            .filter(|known| !known.starts_with("shortcodes/"))
            .map(|known| (strsim::damerau_levenshtein(name, known), known.as_str()))
            .filter(|(distance, _)| *distance <= 3)
            .min()
            .map(|(_, known)| known)
    }

    /// Whether a template of that name exists.
    pub fn has(&self, name: &str) -> bool {
        self.files.contains_key(name)
    }

    /// Makes `get_url`, `get_page`, `get_section` and `now` available to templates.
    pub fn register_functions(&mut self, site: Arc<Site>) {
        let default = site.config.default_language.clone();
        filters::register_localized(&mut self.tera, &default);
        let strings = Arc::clone(&self.strings);
        self.tera
            .register_function("trans", move |kwargs: tera::Kwargs, state: &tera::State| {
                strings::trans(&strings, &default, &kwargs, state)
            });
        let shared = Arc::new(Shared::new(&site));
        functions::register(&mut self.tera, site, Arc::clone(&shared));
        self.shared = Some(shared);
    }

    pub fn shared(&self) -> &Shared {
        self.shared
            .as_deref()
            .expect("templates are bound to the site before rendering")
    }

    /// A theme string in `lang` (else in the default language `default`), for what the
    /// render stage writes itself: heading anchors' labels, redlines' "Unchanged".
    pub fn string(&self, lang: &str, default: &str, key: &str) -> Option<String> {
        self.strings.get(lang, default, key).map(str::to_string)
    }

    /// A hash of every theme string: what the render stage writes from them changes
    /// when it does.
    pub fn strings_hash(&self) -> u64 {
        self.strings.hash
    }

    /// The theme strings' problems for `vellum check`: keys a language lacks.
    pub fn missing_strings(&self, site: &Site) -> Vec<Diagnostic> {
        self.strings.missing(&site.config.language_codes())
    }

    /// What every template sees: `config` and `policies` (both in the page's language),
    /// `lang`, `alternates` (the page in each language), `current_path`, `current_url`
    /// and `feed_url` (the changelog feed in the page's language, when it has one).
    fn base_context(
        &self,
        site: &Site,
        path: &str,
        lang: &str,
        alternates: &[crate::alternates::Alternate],
    ) -> PageContext {
        let shared = self.shared();
        let mut context = PageContext::default();
        context.insert_value("config", shared.config(lang));
        context.insert_value("lang", shared.lang(lang));
        context.insert("current_path", path);
        context.insert("current_url", &site.permalink(path));
        context.insert_value("policies", shared.policies(lang));
        context.insert(
            "alternates",
            &alternate_views(site, shared, lang, alternates),
        );
        let prefix = site.config.url_prefix(lang);
        let has_feed = site.policies.iter().any(|p| p.prefix == prefix);
        if has_feed {
            context.insert("feed_url", &site.permalink(&format!("{prefix}{FEED_PATH}")));
        }
        context
    }

    /// Builds the template and context for one output file.
    /// `record` is the policies' record after this build (its heads go in the feed).
    /// `body` is the rendered Markdown of the page a `Job::Page`, `Job::Sorted` or
    /// `Job::Pager` shows.
    pub fn prepare<'s>(
        &self,
        site: &'s Site,
        job: Job<'s>,
        body: Option<&'s Body>,
        versions: &VersionBodies,
        record: &crate::policy::lock::Lock,
    ) -> Prepared {
        let empty = Body::default();
        let body = body.unwrap_or(&empty);
        match job {
            Job::Page(page) | Job::Pager { page, .. } => {
                let number = match job {
                    Job::Pager { number, .. } => number,
                    _ => 1,
                };
                let mut context = self.base_context(
                    site,
                    &page.pager_path(number),
                    page.lang(),
                    &crate::alternates::of_page(site, page, number),
                );
                let view = PageView::new(site, self.shared(), page, Depth::Full(body));
                context.insert(if page.is_section() { "section" } else { "page" }, &view);
                if page.paginate_by().is_some() {
                    context.insert(
                        "paginator",
                        &Paginator::new(site, self.shared(), page, number),
                    );
                }
                context.insert(
                    "breadcrumbs_ld",
                    &crate::product::breadcrumbs_json_ld(site, page),
                );
                if page.template == CATALOG_TEMPLATE {
                    insert_catalog(
                        &mut context,
                        site,
                        self.shared(),
                        page,
                        CatalogOrder::Featured,
                    );
                }
                Prepared {
                    template: page.template.clone(),
                    context,
                    source: page.file.display_path.clone(),
                    redline: None,
                    verbatim: None,
                }
            }
            Job::Sorted { page, order } => {
                let path = format!("{}{}", page.path, order.slug());
                let mut context = self.base_context(site, &path, page.lang(), &[]);
                context.insert(
                    "section",
                    &PageView::new(site, self.shared(), page, Depth::Full(body)),
                );
                context.insert("canonical_url", &site.permalink(&page.path));
                context.insert(
                    "breadcrumbs_ld",
                    &crate::product::breadcrumbs_json_ld(site, page),
                );
                insert_catalog(&mut context, site, self.shared(), page, order);
                Prepared {
                    template: page.template.clone(),
                    context,
                    source: page.file.display_path.clone(),
                    redline: None,
                    verbatim: None,
                }
            }
            Job::Standalone { template, path } => Prepared {
                template: template.to_string(),
                context: self.base_context(site, path, &site.config.default_language, &[]),
                source: PathBuf::from(template),
                redline: None,
                verbatim: None,
            },
            Job::Policy(page) => self.prepare_policy_page(site, page, versions, record),
        }
    }

    fn prepare_policy_page(
        &self,
        site: &Site,
        page: PolicyPage,
        versions: &VersionBodies,
        record: &crate::policy::lock::Lock,
    ) -> Prepared {
        let path = page.path(&site.policies);
        let shared = self.shared();
        let lang = &site.policies[page.policy()].lang;
        let alternates = crate::alternates::of_policy_page(site, page);
        let mut context = self.base_context(site, &path, lang, &alternates);
        let words = |key: &str, args: &[(&str, &str)]| {
            self.strings
                .fill(lang, &site.config.default_language, key, args)
                .unwrap_or_else(|| key.to_string())
        };
        context.insert(
            "breadcrumbs_ld",
            &policy_breadcrumbs(site, page, &path, &words),
        );
        // A translated policy page says which version of the original it translates.
        let shown = match page {
            PolicyPage::Current { policy } => Some((
                policy,
                site.policies[policy]
                    .current_index(site.today())
                    .unwrap_or(0),
            )),
            PolicyPage::Version { policy, version }
            | PolicyPage::Changes { policy, version }
            | PolicyPage::ChangesToCurrent { policy, version } => Some((policy, version)),
            _ => None,
        };
        if let Some(view) = shown.and_then(|(p, v)| TranslationView::new(site, p, v)) {
            context.insert("translation", &view);
        }
        let mut redline = None;
        let source = match page {
            PolicyPage::Current { policy } => {
                let p = &site.policies[policy];
                let shown = p.current_index(site.today()).unwrap_or(0);
                context.insert_value("policy", shared.policy(site, policy));
                context.insert(
                    "version",
                    &VersionView::new(site, p, shown, Some(versions.get(policy, shown))),
                );
                p.versions[shown].file.display_path.clone()
            }
            PolicyPage::Version { policy, version } => {
                let p = &site.policies[policy];
                context.insert("archive", &true);
                context.insert_value("policy", shared.policy_brief(site, policy));
                context.insert_value("neighbours", shared.neighbours(site, policy, version));
                context.insert(
                    "version",
                    &VersionView::new(site, p, version, Some(versions.get(policy, version))),
                );
                p.versions[version].file.display_path.clone()
            }
            PolicyPage::Changes { policy, version } => {
                let p = &site.policies[policy];
                context.insert("archive", &true);
                context.insert_value("policy", shared.policy_brief(site, policy));
                match version {
                    0 => context.insert_value("version", shared.version(site, policy, 0)),
                    _ => {
                        redline = Some(insert_versions(
                            &mut context,
                            site,
                            shared,
                            policy,
                            version - 1,
                            version,
                        ))
                    }
                }
                p.versions[version].file.display_path.clone()
            }
            PolicyPage::ChangesToCurrent { policy, version } => {
                let p = &site.policies[policy];
                let current = p.current_index(site.today()).unwrap_or(version);
                context.insert_value("policy", shared.policy_brief(site, policy));
                context.insert("since", &true);
                redline = Some(insert_versions(
                    &mut context,
                    site,
                    shared,
                    policy,
                    version,
                    current,
                ));
                // Every superseded version's page shows the version in force: without
                // the dates a version announced after it sets (`in_force_until`), so
                // announcing one re-renders none of them.
                context.insert_value("version", shared.version_in_force(site, policy, current));
                p.versions[version].file.display_path.clone()
            }
            PolicyPage::CompareIndex { policy } => {
                context.insert_value("policy", shared.policy(site, policy));
                PathBuf::from(page.template())
            }
            PolicyPage::Changelog { .. }
            | PolicyPage::MaterialChangelog { .. }
            | PolicyPage::Feed { .. } => {
                let material_only = matches!(page, PolicyPage::MaterialChangelog { .. });
                let mut entries = changelog_entries(site, shared, lang);
                if material_only {
                    entries.retain(|e| e.material);
                }
                context.insert("material_only", &material_only);
                context.insert(
                    "material_changelog_url",
                    &site.permalink(&format!(
                        "{}{}",
                        site.config.url_prefix(lang),
                        crate::policy::pages::MATERIAL_CHANGELOG_PATH
                    )),
                );
                // Entries are newest first; the feed changed when its newest entry began.
                let updated = entries
                    .first()
                    .and_then(|e| e.version.get_from_path("effective_at"))
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string();
                context.insert("feed_updated", &updated);
                context.insert("entries", &entries);
                context.insert("records", &record_heads(site, record, lang));
                PathBuf::from(page.template())
            }
        };
        Prepared {
            template: page.template().to_string(),
            context,
            source,
            redline,
            verbatim: None,
        }
    }

    /// Renders a shortcode from `shortcodes/NAME.html`: its arguments are variables, and
    /// `body` holds the rendered Markdown of a block shortcode.
    pub fn render_shortcode(
        &self,
        call: &crate::shortcodes::Call,
        body: Option<String>,
        lang: &str,
    ) -> Result<String, String> {
        let name = format!("shortcodes/{}.html", call.name);
        if !self.has(&name) {
            return Err(format!(
                "unknown shortcode `{}`: there is no templates/shortcodes/{}.html",
                call.name, call.name
            ));
        }
        let shared = self.shared();
        let mut context = Context::new();
        context.insert_value("config", shared.config(lang));
        context.insert_value("lang", shared.lang(lang));
        for (key, value) in &call.args {
            context.insert(key.clone(), value);
        }
        if let Some(body) = body {
            context.insert("body", &body);
        }
        self.tera.render(&name, &context).map_err(|e| {
            let detail = match e.kind() {
                ErrorKind::RenderingError(report) => report.message().to_string(),
                _ => e.to_string(),
            };
            format!("shortcode `{}`: {detail}", call.name)
        })
    }

    /// Renders a prepared template; errors point at the template line and name the
    /// content file being rendered.
    /// Adds what a page's context leaves for rendering time: the redline it shows.
    pub fn complete(&self, prepared: &mut Prepared, versions: &VersionBodies) {
        if let Some(RedlineOf { policy, from, to }) = prepared.redline.take() {
            let (old, new) = (versions.get(policy, from), versions.get(policy, to));
            let lang = prepared.context.lang().unwrap_or_default();
            let default = self.shared().languages.default.to_string();
            let label = |key: &str, fallback: &str| {
                self.string(&lang, &default, key)
                    .unwrap_or_else(|| fallback.to_string())
            };
            let labels = crate::policy::redline::Labels {
                unchanged: label("redline_unchanged", "Unchanged: {section}"),
                opening: label("redline_opening_text", "Opening text"),
                was_paragraph: label("redline_was_paragraph", "was a paragraph"),
                was_list_item: label("redline_was_list_item", "was a list item"),
                was_heading: label("redline_was_heading", "was a heading"),
                link_was: label("redline_link_was", "link changed, was {href}"),
                link_added: label("redline_link_added", "link added"),
            };
            let redline = redline(&old.blocks(), &new.blocks(), &labels);
            prepared.verbatim = Some(redline.html.clone());
            prepared.context.insert("redline", &redline);
        }
    }

    pub fn render(&self, prepared: &Prepared) -> Result<String, Diagnostic> {
        self.tera
            .render(&prepared.template, &prepared.context.to_context())
            .map_err(|e| self.render_error(&e, &prepared.template, &prepared.source))
    }

    /// A hash of a template and every template it extends, includes or imports: when it
    /// is unchanged, so is everything a page rendered with it can show.
    pub fn dependency_hash(&self, name: &str) -> u64 {
        self.dependency_hashes.get(name).map_or(0, |d| d.0)
    }

    /// What `vellum serve` hashes of a context to tell whether a page's inputs changed:
    /// every variable, but `policies` only where the template (or one it reaches) names
    /// it. Pages that list policies through `get_policies()` are then not rendered again
    /// when a new version is announced, only when a version comes into force.
    pub fn context_key(&self, prepared: &Prepared) -> Vec<u8> {
        let names = self
            .dependency_hashes
            .get(&prepared.template)
            .map_or(dependencies::Names { policies: true }, |d| d.1);
        prepared
            .context
            .to_json_where(|name| name != "policies" || names.policies)
    }

    /// Turns a Tera render error into a message at the template line that caused it
    /// (Tera 2 names the template, parent, include or component, and the span).
    fn render_error(&self, error: &tera::Error, template: &str, rendering: &Path) -> Diagnostic {
        let help = "fix the template, or the front matter value it reads";
        let (failing, message, at) = match error.kind() {
            ErrorKind::RenderingError(report) | ErrorKind::SyntaxError(report) => (
                report.filename(),
                report.message().to_string(),
                At::Span(report.span().range.clone()),
            ),
            _ => (template, error.to_string(), At::File),
        };
        let message = format!(
            "template error while rendering {}: {message}",
            rendering.display()
        );
        at_template(&self.files, failing, at, Path::new(template), message, help)
    }
}

/// Gives a redline template `version` (the newer), `previous` (the older) and the
/// `redline` between them: the changes, changes-to-current and compare pages.
/// The two versions a redline page shows (`version`, `previous`); the redline itself is
/// added when the page is rendered ([`Templates::complete`]).
fn insert_versions(
    context: &mut PageContext,
    site: &Site,
    shared: &Shared,
    policy: usize,
    from: usize,
    to: usize,
) -> RedlineOf {
    context.insert_value("version", shared.version(site, policy, to));
    context.insert_value("previous", shared.version(site, policy, from));
    RedlineOf { policy, from, to }
}

/// A theme string by key, with its `{name}` placeholders filled.
type Words<'a> = dyn Fn(&str, &[(&str, &str)]) -> String + 'a;

/// Home, the policy (or the changelog), and the page itself, in the page's language.
fn policy_breadcrumbs(site: &Site, page: PolicyPage, path: &str, words: &Words) -> String {
    let lang = &site.policies[page.policy()].lang;
    let title = site
        .config
        .languages
        .get(&**lang)
        .and_then(|l| l.title.as_ref());
    let home = (
        title.unwrap_or(&site.config.title).clone(),
        format!("{}/", site.config.url_prefix(lang)),
    );
    let trail = match page {
        PolicyPage::Current { policy } => {
            let p = &site.policies[policy];
            vec![home, (p.title(site.today()).to_string(), p.path())]
        }
        PolicyPage::Version { policy, version }
        | PolicyPage::Changes { policy, version }
        | PolicyPage::ChangesToCurrent { policy, version } => {
            let p = &site.policies[policy];
            let effective = p.versions[version].effective.format("%Y-%m-%d").to_string();
            vec![
                home,
                (p.title(site.today()).to_string(), p.path()),
                (
                    words("effective", &[("date", &effective)]),
                    path.to_string(),
                ),
            ]
        }
        PolicyPage::CompareIndex { policy } => {
            let p = &site.policies[policy];
            vec![
                home,
                (p.title(site.today()).to_string(), p.path()),
                (words("crumb_compare_versions", &[]), path.to_string()),
            ]
        }
        PolicyPage::Changelog { .. }
        | PolicyPage::MaterialChangelog { .. }
        | PolicyPage::Feed { .. } => {
            vec![home, (words("changelog_title", &[]), path.to_string())]
        }
    };
    crate::product::breadcrumb_list(site, &trail)
}

/// Gives a catalog template `products` (every product under the section, in `order`),
/// `sort` (the order's name) and `sort_urls` (the page for each order).
fn insert_catalog(
    context: &mut PageContext,
    site: &Site,
    shared: &Shared,
    section: &Page,
    order: CatalogOrder,
) {
    let views: Vec<Value> = crate::product::catalog(site, section, order)
        .into_iter()
        .map(|i| shared.summary(site, i))
        .collect();
    context.insert("products", &views);
    context.insert("sort", &order);
    let urls: std::collections::BTreeMap<&str, String> = [
        ("featured", CatalogOrder::Featured),
        ("price_low_to_high", CatalogOrder::PriceLowToHigh),
        ("price_high_to_low", CatalogOrder::PriceHighToLow),
    ]
    .into_iter()
    .map(|(name, o)| {
        (
            name,
            site.permalink(&format!("{}{}", section.path, o.slug())),
        )
    })
    .collect();
    context.insert("sort_urls", &urls);
}

/// Escapes what can break out of text or a quoted attribute, as Tera 1 did for vellum
/// (`'` as `&#x27;`, and `/` left alone: escaping it bloats every URL for no safety).
fn escape_html(input: &str, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let bytes = input.as_bytes();
    let mut last = 0;
    for (i, byte) in bytes.iter().enumerate() {
        let replacement: &[u8] = match byte {
            b'&' => b"&amp;",
            b'<' => b"&lt;",
            b'>' => b"&gt;",
            b'"' => b"&quot;",
            b'\'' => b"&#x27;",
            _ => continue,
        };
        out.write_all(&bytes[last..i])?;
        out.write_all(replacement)?;
        last = i + 1;
    }
    out.write_all(&bytes[last..])
}

fn read_templates(
    root: &Path,
    dir: &Path,
    files: &mut HashMap<String, TemplateFile>,
    diagnostics: &mut Diagnostics,
) {
    if !dir.is_dir() {
        return;
    }
    let (found, problems) = crate::input_files::list(root, dir, crate::input_files::is_hidden);
    diagnostics.extend(problems);
    for file in found {
        let name = file.relative;
        let display_path = file
            .path
            .strip_prefix(root)
            .unwrap_or(&file.path)
            .to_path_buf();
        match read_utf8(&file.path, &display_path) {
            Ok(source) => {
                files.insert(
                    name,
                    TemplateFile {
                        display_path,
                        source,
                    },
                );
            }
            Err(diagnostic) => diagnostics.push(diagnostic),
        }
    }
}

/// A template that does not load: a syntax error (with its span), or a reference Tera 2
/// checks at load time (an unknown filter, function, component or include), which it
/// reports as text with `--> name:line:col` markers. One diagnostic per problem.
fn load_error(error: &tera::Error, files: &HashMap<String, TemplateFile>) -> Diagnostics {
    let help = "check the {{ }} and {% %} tags on this line";
    let mut diagnostics = Diagnostics::default();
    match error.kind() {
        ErrorKind::SyntaxError(report) => diagnostics.push(at_template(
            files,
            report.filename(),
            At::Span(report.span().range.clone()),
            Path::new(SITE_TEMPLATES_DIR),
            format!("template syntax error: {}", report.message()),
            help,
        )),
        ErrorKind::Msg(text) if text.contains(" --> ") => {
            for report in text.split("\n\n").filter(|r| r.contains(" --> ")) {
                let message = report
                    .lines()
                    .next()
                    .unwrap_or_default()
                    .trim_start_matches("error: ");
                let (name, line) = report_location(report).unwrap_or_default();
                diagnostics.push(at_template(
                    files,
                    &name,
                    line.map_or(At::File, At::Line),
                    Path::new(SITE_TEMPLATES_DIR),
                    format!("template error: {message}"),
                    help,
                ));
            }
        }
        _ => diagnostics.push(Diagnostic::error(
            SITE_TEMPLATES_DIR,
            format!("template error: {error}"),
        )),
    }
    diagnostics.sort();
    diagnostics
}

/// Where in a template a problem is, as far as Tera says.
enum At {
    Span(std::ops::Range<usize>),
    Line(usize),
    File,
}

/// A problem in the template `name`, at its file and place; at `fallback` if Tera named
/// no template vellum read.
fn at_template(
    files: &HashMap<String, TemplateFile>,
    name: &str,
    at: At,
    fallback: &Path,
    message: String,
    help: &str,
) -> Diagnostic {
    let Some(file) = files.get(name) else {
        return Diagnostic::error(fallback, message).with_help(help);
    };
    let diagnostic = Diagnostic::error(&file.display_path, message).with_help(help);
    match at {
        At::Span(span) => diagnostic.at_span(&file.source, span),
        At::Line(line) => diagnostic.at_line(&file.source, line),
        At::File => diagnostic,
    }
}

/// The template name and line of a report's ` --> name:line:col` marker.
fn report_location(report: &str) -> Option<(String, Option<usize>)> {
    let marker = report.lines().find_map(|l| l.trim().strip_prefix("--> "))?;
    let mut parts = marker.rsplitn(3, ':');
    let _column = parts.next()?;
    let line = parts.next()?.parse().ok();
    let name = parts.next()?.to_string();
    Some((name, line))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_covers_text_and_attribute_breakouts_but_not_slashes() {
        let escape = |text: &str| {
            let mut out = Vec::new();
            escape_html(text, &mut out).unwrap();
            String::from_utf8(out).unwrap()
        };
        assert_eq!(
            escape(r#"<a href="x">'&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&#x27;&amp;&#x27;&lt;/a&gt;"
        );
        assert_eq!(escape("https://x.test/a/"), "https://x.test/a/");
    }

    #[test]
    fn report_location_is_read_from_the_marker() {
        let report = "error: Unknown filter `nope`\n --> page.html:3:14\n  |\n3 | {{ x | nope }}";
        assert_eq!(
            report_location(report),
            Some(("page.html".to_string(), Some(3)))
        );
        assert_eq!(report_location("nothing"), None);
    }
}
