//! The site's languages, and which language a content file is in.
//!
//! Files follow Zola's convention: `about.md` is in the default language, `about.de.md`
//! is its German translation, `content/policies/privacy/2026-11-24.de.md` the German
//! text of that policy version. A translation's URL is its source's under `/de/`.

use std::sync::Arc;

use crate::config::Config;

/// The languages a build knows, the default first.
#[derive(Debug, Clone)]
pub struct Languages {
    pub default: Arc<str>,
    /// Every language, the default first, then by code.
    pub all: Vec<Arc<str>>,
}

impl Languages {
    pub fn new(config: &Config) -> Languages {
        let all: Vec<Arc<str>> = config.language_codes().into_iter().map(Arc::from).collect();
        Languages {
            default: Arc::clone(&all[0]),
            all,
        }
    }

    /// A site in one language.
    pub fn single(code: &str) -> Languages {
        let default: Arc<str> = Arc::from(code);
        Languages {
            all: vec![Arc::clone(&default)],
            default,
        }
    }

    /// The shared value of a known code.
    pub fn get(&self, code: &str) -> Option<&Arc<str>> {
        self.all.iter().find(|l| &***l == code)
    }

    /// The position of a language in [`Languages::all`] (0 for the default; unknown
    /// codes count as the default).
    pub fn index(&self, code: &str) -> usize {
        self.all.iter().position(|l| &**l == code).unwrap_or(0)
    }

    /// A file's path in the default language and its language:
    /// `about.de.md` -> (`about.md`, `de`). A suffix that looks like a language code but
    /// is none of the site's is an error, so that a typo (`about.dee.md`) or a language
    /// missing from `site.toml` never publishes a page at a wrong URL.
    pub fn split(&self, relative: &str) -> Result<(String, Arc<str>), (String, String)> {
        let plain = || Ok((relative.to_string(), Arc::clone(&self.default)));
        // A site in one language has no translations: `faq.old.md` is a file name.
        let Some(stem) = relative.strip_suffix(".md").filter(|_| self.all.len() > 1) else {
            return plain();
        };
        let (folder, name) = match stem.rsplit_once('/') {
            Some((folder, name)) => (Some(folder), name),
            None => (None, stem),
        };
        let Some((base_name, code)) = name.rsplit_once('.') else {
            return plain();
        };
        if !crate::locale::looks_like_code(code) || base_name.is_empty() {
            return plain();
        }
        let base = match folder {
            Some(folder) => format!("{folder}/{base_name}.md"),
            None => format!("{base_name}.md"),
        };
        if code == &*self.default {
            return Err((
                format!(
                    "`.{code}.md` marks a translation, but {code} is the site's default language"
                ),
                format!(
                    "rename the file to {}",
                    base.rsplit('/').next().unwrap_or(&base)
                ),
            ));
        }
        match self.get(code) {
            Some(lang) => Ok((base, Arc::clone(lang))),
            None => {
                let known = self.all[1..]
                    .iter()
                    .map(|l| l.to_string())
                    .collect::<Vec<_>>()
                    .join(", ");
                let help = if known.is_empty() {
                    format!("add [languages.{code}] to site.toml to publish pages in that language")
                } else {
                    format!(
                        "the site's other languages are {known}; add [languages.{code}] to site.toml to publish pages in {code}"
                    )
                };
                Err((
                    format!(
                        "this file is marked as language `{code}`, which site.toml does not declare"
                    ),
                    help,
                ))
            }
        }
    }

    /// The path of `base`'s translation into `lang`: (`about.md`, `de`) -> `about.de.md`.
    pub fn translated(&self, base: &str, lang: &str) -> String {
        if lang == &*self.default {
            return base.to_string();
        }
        with_suffix(base, lang)
    }
}

/// A file's name in `lang`: the code goes before the file's extension, in its last
/// path segment (`policies/privacy/2026-11-24.md` -> `…/2026-11-24.de.md`,
/// `cookies.toml` -> `cookies.de.toml`). A name with no extension is kept.
pub fn with_suffix(path: &str, lang: &str) -> String {
    let name_starts = path.rfind('/').map_or(0, |i| i + 1);
    match path[name_starts..].rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => {
            format!("{}{stem}.{lang}.{ext}", &path[..name_starts])
        }
        _ => path.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn languages() -> Languages {
        Languages {
            default: Arc::from("en"),
            all: vec![Arc::from("en"), Arc::from("de")],
        }
    }

    #[test]
    fn a_suffix_names_the_language() {
        let l = languages();
        assert_eq!(
            l.split("about.md").unwrap(),
            ("about.md".to_string(), Arc::from("en"))
        );
        assert_eq!(
            l.split("policies/privacy/2026-11-24.de.md").unwrap(),
            (
                "policies/privacy/2026-11-24.md".to_string(),
                Arc::from("de")
            )
        );
        assert_eq!(l.split("_index.de.md").unwrap().0, "_index.md");
        assert_eq!(l.split("notes.v2.md").unwrap().0, "notes.v2.md");
        assert!(l.split("about.fr.md").unwrap_err().0.contains("`fr`"));
        assert!(l.split("about.en.md").unwrap_err().1.contains("about.md"));
        assert_eq!(l.translated("about.md", "de"), "about.de.md");
        assert_eq!(l.translated("about.md", "en"), "about.md");
        assert_eq!(with_suffix("cookies.toml", "de"), "cookies.de.toml");
        assert_eq!(with_suffix("a.b/notes", "de"), "a.b/notes");
    }
}
