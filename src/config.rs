//! Site settings, read from `site.toml` at the site root.

use std::path::Path;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::diagnostic::Diagnostic;

/// The name of the settings file at the site root.
pub const CONFIG_FILE: &str = "site.toml";

/// Everything `site.toml` can set. Templates see it as `config`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The site's name, shown in headers and page titles.
    pub title: String,
    /// Absolute URL the site is published at, e.g. `https://shop.example.com`.
    pub base_url: String,
    #[serde(default)]
    pub description: String,
    /// BCP 47 tag of the site's main language (`<html lang>`): its pages live at `/`,
    /// and every translation says which of its versions it translates. `language` is
    /// the older name.
    #[serde(default = "default_language", alias = "language")]
    pub default_language: String,
    /// The other languages (`[languages.de]`), whose pages live under `/de/`, and
    /// optionally the default language's own name (`[languages.en] name = "English"`).
    #[serde(default)]
    pub languages: std::collections::BTreeMap<String, LanguageConfig>,
    /// Folder name under `themes/`.
    #[serde(default = "default_theme")]
    pub theme: String,
    /// Minify HTML (and its inline CSS and JS) on output.
    #[serde(default = "yes")]
    pub minify: bool,
    #[serde(default)]
    pub markdown: MarkdownConfig,
    /// HTTP headers for the CDN (`_headers`).
    #[serde(default)]
    pub headers: HeadersConfig,
    /// What `vellum check` accepts.
    #[serde(default)]
    pub check: CheckConfig,
    /// Rules for policy changes.
    #[serde(default)]
    pub policies: PolicyRules,
    /// The largest input vellum accepts (content arrives in pull requests).
    #[serde(default)]
    pub limits: Limits,
    /// Free settings for themes.
    #[serde(default)]
    pub extra: toml::Table,
}

/// One language's settings: `[languages.de]`. What is given replaces the site's own
/// setting on that language's pages (templates see it in `config`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LanguageConfig {
    /// The language's name in itself, for the language switcher: "Deutsch".
    pub name: Option<String>,
    pub title: Option<String>,
    pub description: Option<String>,
    /// The main menu (`extra.menu` of the default language).
    pub menu: Option<toml::Value>,
    /// Values merged over `extra`, key by key.
    #[serde(default)]
    pub extra: toml::Table,
}

/// Markdown options.
#[derive(Debug, Clone, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MarkdownConfig {
    /// Turn straight quotes and `--` into typographic ones.
    #[serde(default = "yes")]
    pub smart_punctuation: bool,
    /// Add a `#` link after every heading so readers can link to a section.
    #[serde(default = "yes")]
    pub heading_anchors: bool,
    /// Open links to other sites in a new tab (with `rel="noopener"`).
    #[serde(default)]
    pub external_links_new_tab: bool,
    /// What happens to HTML written inside Markdown: `"sanitize"` (the default) keeps
    /// harmless markup (`<br>`, `<sup>`, tables, `<details>`, `<abbr>`) and drops
    /// scripts, styles, event handlers, forms, frames and `javascript:` links (with
    /// ammonia), so a pull request cannot slip a script, a form or a tracking pixel into
    /// a page and an imported policy's `<br>` is a line break; `"escape"` shows it all
    /// as text; `"allow"` passes it through, for sites whose reviewers read every tag.
    #[serde(default)]
    pub raw_html: RawHtml,
    /// What the `#` link after a heading says to a screen reader, in the page's language
    /// (the theme's `heading_anchor_label`); not a setting of site.toml.
    #[serde(skip)]
    pub anchor_label: Option<String>,
}

/// See [`MarkdownConfig::raw_html`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RawHtml {
    Allow,
    Escape,
    #[default]
    Sanitize,
}

pub use crate::input_files::Limits;

impl Default for MarkdownConfig {
    fn default() -> Self {
        MarkdownConfig {
            smart_punctuation: true,
            heading_anchors: true,
            external_links_new_tab: false,
            raw_html: RawHtml::default(),
            anchor_label: None,
        }
    }
}

/// The `_headers` file (Netlify and Cloudflare Pages format).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HeadersConfig {
    /// Write `_headers` at all.
    #[serde(default = "yes")]
    pub enabled: bool,
    /// The default theme needs nothing but its own files.
    #[serde(default = "default_csp")]
    pub content_security_policy: String,
    #[serde(default = "default_referrer_policy")]
    pub referrer_policy: String,
    /// More headers for every response, e.g. `"Permissions-Policy" = "camera=()"`.
    #[serde(default)]
    pub extra: std::collections::BTreeMap<String, String>,
}

impl Default for HeadersConfig {
    fn default() -> Self {
        HeadersConfig {
            enabled: true,
            content_security_policy: default_csp(),
            referrer_policy: default_referrer_policy(),
            extra: Default::default(),
        }
    }
}

fn default_csp() -> String {
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; \
     object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
        .to_string()
}

fn default_referrer_policy() -> String {
    "strict-origin-when-cross-origin".to_string()
}

/// Rules for policy changes (GDPR-style notice, CCPA-style yearly review).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyRules {
    /// Days between `announced` and `effective` a material change needs at least.
    /// A policy's `_index.md` may set its own `notice_days`.
    #[serde(default = "default_notice_days")]
    pub notice_days: u32,
    /// `vellum check` warns when a policy's newest version is older than this.
    #[serde(default = "default_review_months")]
    pub review_months: u32,
    /// The shop's time zone (an IANA name such as `Europe/Berlin`): policy versions take
    /// effect at local midnight there, and "today" is the local date. UTC by default.
    #[serde(default = "default_timezone")]
    pub timezone: chrono_tz::Tz,
}

impl Default for PolicyRules {
    fn default() -> Self {
        PolicyRules {
            notice_days: default_notice_days(),
            review_months: default_review_months(),
            timezone: default_timezone(),
        }
    }
}

fn default_notice_days() -> u32 {
    30
}

fn default_review_months() -> u32 {
    12
}

fn default_timezone() -> chrono_tz::Tz {
    chrono_tz::Tz::UTC
}

/// `vellum check` settings.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckConfig {
    /// URL paths that may have no link to them from the rest of the site, e.g. "/thanks/".
    #[serde(default)]
    pub allow_orphans: Vec<String>,
    /// External URLs (prefixes) `vellum check --external` skips.
    #[serde(default)]
    pub skip_external: Vec<String>,
}

fn default_language() -> String {
    "en".into()
}

/// The line (from 1) of `[languages.CODE]` (or a table under it) in site.toml.
fn language_table_line(source: &str, code: &str) -> Option<usize> {
    let table = format!("[languages.{code}");
    source
        .lines()
        .position(|l| l.trim_start().starts_with(&table))
        .map(|i| i + 1)
}

fn default_theme() -> String {
    "default".into()
}

fn yes() -> bool {
    true
}

impl Config {
    /// Reads and checks `site.toml` in `root`.
    pub fn load(root: &Path) -> Result<Config, Diagnostic> {
        let path = root.join(CONFIG_FILE);
        crate::input_files::check_site_file(root, &path)?;
        let text = std::fs::read_to_string(&path).map_err(|e| {
            Diagnostic::error(CONFIG_FILE, format!("cannot read the site settings: {e}")).with_help(
                "run vellum from the site's folder (the one with site.toml), or pass --root",
            )
        })?;
        Config::parse(&text)
    }

    /// Parses the text of `site.toml`.
    pub fn parse(text: &str) -> Result<Config, Diagnostic> {
        let source: Arc<str> = Arc::from(text);
        let mut config: Config = toml::from_str(text).map_err(|e| {
            crate::diagnostic::toml_error(CONFIG_FILE, &source, e.message(), e.span())
        })?;
        config.base_url = config.base_url.trim_end_matches('/').to_string();
        config.check(&source)?;
        config.check_language_case(&source)?;
        Ok(config)
    }

    fn check(&self, source: &Arc<str>) -> Result<(), Diagnostic> {
        let at_key = |key: &str, message: String| {
            let diagnostic = Diagnostic::error(CONFIG_FILE, message);
            match crate::diagnostic::key_line(source, key) {
                Some(line) => diagnostic.at_line(source, line),
                None => diagnostic,
            }
        };
        if !(self.base_url.starts_with("http://") || self.base_url.starts_with("https://")) {
            return Err(at_key(
                "base_url",
                format!(
                    "base_url `{}` is not an absolute http(s) URL",
                    self.base_url
                ),
            )
            .with_help("write it like base_url = \"https://shop.example.com\""));
        }
        let theme_ok = !self.theme.is_empty()
            && self
                .theme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !theme_ok {
            return Err(at_key(
                "theme",
                format!("theme `{}` is not a folder name", self.theme),
            )
            .with_help("use the name of a folder under themes/, e.g. theme = \"default\""));
        }
        for code in std::iter::once(&self.default_language).chain(self.languages.keys()) {
            if let Err(why) = crate::locale::check_code(code, *code == self.default_language) {
                let message = format!("language `{code}` {why}");
                let diagnostic = match language_table_line(source, code) {
                    Some(line) if *code != self.default_language => {
                        Diagnostic::error(CONFIG_FILE, message).at_line(source, line)
                    }
                    _ => at_key("default_language", message),
                };
                return Err(
                    diagnostic.with_help("use a BCP 47 language code such as \"de\" or \"pt-BR\"")
                );
            }
        }
        Ok(())
    }

    /// Two language codes that differ only in case would share a folder on
    /// case-insensitive file systems (and a CDN's URLs).
    fn check_language_case(&self, source: &Arc<str>) -> Result<(), Diagnostic> {
        let codes = self.language_codes();
        for (i, a) in codes.iter().enumerate() {
            if let Some(b) = codes[..i].iter().find(|b| b.eq_ignore_ascii_case(a)) {
                let line = language_table_line(source, a).unwrap_or(1);
                return Err(Diagnostic::error(
                    CONFIG_FILE,
                    format!("languages `{b}` and `{a}` differ only in case"),
                )
                .at_line(source, line)
                .with_help("declare each language once"));
            }
        }
        Ok(())
    }

    /// The site's languages, the default first, then the others by code.
    pub fn language_codes(&self) -> Vec<&str> {
        std::iter::once(self.default_language.as_str())
            .chain(
                self.languages
                    .keys()
                    .map(String::as_str)
                    .filter(|code| *code != self.default_language),
            )
            .collect()
    }

    /// What `lang`'s pages see as `config`: the site's settings with `[languages.LANG]`
    /// over them.
    pub fn for_language(&self, lang: &str) -> Config {
        let mut config = self.clone();
        let Some(language) = self.languages.get(lang) else {
            return config;
        };
        if let Some(title) = &language.title {
            config.title = title.clone();
        }
        if let Some(description) = &language.description {
            config.description = description.clone();
        }
        for (key, value) in &language.extra {
            config.extra.insert(key.clone(), value.clone());
        }
        if let Some(menu) = &language.menu {
            config.extra.insert("menu".to_string(), menu.clone());
        }
        config
    }

    /// The name a language is shown by: its `name`, else its code.
    pub fn language_name<'a>(&'a self, lang: &'a str) -> &'a str {
        self.languages
            .get(lang)
            .and_then(|l| l.name.as_deref())
            .unwrap_or(lang)
    }

    /// What a language's URLs start with: nothing for the default, `/de` for German.
    pub fn url_prefix(&self, lang: &str) -> String {
        if lang == self.default_language || lang.is_empty() {
            String::new()
        } else {
            format!("/{lang}")
        }
    }

    /// Absolute URL of a site path such as `/about/`.
    pub fn permalink(&self, path: &str) -> String {
        format!("{}{}", self.base_url, path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// README's `site.toml` reference is a valid site.toml that names every setting
    /// vellum reads (serialising a parsed config lists them all, defaults included), so
    /// a new setting cannot go undocumented.
    #[test]
    fn readme_reference_names_every_setting() {
        let readme = include_str!("../README.md");
        let section = readme
            .split("## Site settings: `site.toml`")
            .nth(1)
            .expect("README has a site.toml section");
        let block = section
            .split("```toml\n")
            .nth(1)
            .and_then(|rest| rest.split("\n```").next())
            .expect("the section starts with a toml block");
        let config = Config::parse(block).expect("README's site.toml parses");
        let all = toml::Value::try_from(&config).unwrap();
        fn names(table: &toml::Table, prefix: &str, out: &mut Vec<String>) {
            for (key, value) in table {
                // Free-form tables: their keys are the user's, not vellum's.
                if key == "extra" {
                    out.push(format!("{prefix}{key}"));
                    continue;
                }
                match value {
                    toml::Value::Table(inner) => names(inner, &format!("{prefix}{key}."), out),
                    _ => out.push(format!("{prefix}{key}")),
                }
            }
        }
        let mut settings = Vec::new();
        names(all.as_table().unwrap(), "", &mut settings);
        assert!(settings.len() > 25, "{settings:?}");
        let written: toml::Table = toml::from_str(block).unwrap();
        let missing: Vec<&String> = settings
            .iter()
            .filter(|name| {
                let mut at = Some(&written);
                let mut found = true;
                for part in name.split('.') {
                    match at.and_then(|t| t.get(part)) {
                        Some(toml::Value::Table(t)) => at = Some(t),
                        Some(_) => at = None,
                        None => found = false,
                    }
                }
                !found
            })
            .collect();
        assert!(
            missing.is_empty(),
            "README's site.toml reference misses {missing:?}"
        );
    }

    #[test]
    fn minimal_config_takes_defaults() {
        let config = Config::parse("title = \"Shop\"\nbase_url = \"https://x.test/\"\n").unwrap();
        assert_eq!(config.base_url, "https://x.test");
        assert_eq!(config.default_language, "en");
        assert!(config.minify);
        assert_eq!(config.permalink("/about/"), "https://x.test/about/");
    }

    #[test]
    fn unknown_key_names_its_line() {
        let err = Config::parse("title = \"Shop\"\nbase_url = \"https://x.test\"\nminfy = true\n")
            .unwrap_err();
        assert_eq!(err.line, Some(3), "{err}");
    }

    #[test]
    fn relative_base_url_is_rejected() {
        let err = Config::parse("title = \"Shop\"\nbase_url = \"shop.test\"\n").unwrap_err();
        assert_eq!(err.line, Some(2), "{err}");
    }
}
