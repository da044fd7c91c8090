//! Theme strings per language: `themes/NAME/i18n/de.toml`, with the site's own
//! `i18n/de.toml` over it key by key. Templates read them with `trans(key="...")`; a key
//! missing in a language falls back to the default language's, and `vellum check` lists
//! what each language lacks.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tera::{Error, Kwargs, State, TeraResult, Value};

use crate::diagnostic::{Diagnostic, Diagnostics};

/// The folder of theme strings, in a theme and at the site root.
pub const I18N_DIR: &str = "i18n";

/// Every language's strings.
#[derive(Debug, Default)]
pub struct Strings {
    /// Language -> key -> text.
    by_lang: BTreeMap<String, BTreeMap<String, String>>,
    /// Language -> the file it was read from last (the site's, if it has one), for
    /// pointing at it.
    files: BTreeMap<String, PathBuf>,
    /// A hash of every string: a page that shows theme strings changes when one does.
    pub hash: u64,
}

impl Strings {
    /// Reads the theme's strings, then the site's.
    pub fn load(root: &Path, theme: &Path) -> Result<Strings, Diagnostics> {
        let mut strings = Strings::default();
        let mut problems = Diagnostics::default();
        for dir in [theme.join(I18N_DIR), root.join(I18N_DIR)] {
            if !dir.is_dir() {
                continue;
            }
            let (found, listed) =
                crate::input_files::list(root, &dir, crate::input_files::is_hidden);
            problems.extend(listed);
            for file in found {
                let Some(lang) = file.relative.strip_suffix(".toml") else {
                    continue;
                };
                let display_path = file
                    .path
                    .strip_prefix(root)
                    .unwrap_or(&file.path)
                    .to_path_buf();
                match read(&file.path, &display_path) {
                    Ok(table) => {
                        strings
                            .by_lang
                            .entry(lang.to_string())
                            .or_default()
                            .extend(table);
                        strings.files.insert(lang.to_string(), display_path);
                    }
                    Err(problem) => problems.push(problem),
                }
            }
        }
        if problems.has_errors() {
            return Err(problems);
        }
        strings.hash = {
            use std::hash::{Hash, Hasher};
            let mut hasher = std::collections::hash_map::DefaultHasher::new();
            strings.by_lang.hash(&mut hasher);
            hasher.finish()
        };
        Ok(strings)
    }

    /// The text of `key` in `lang`, else in its base language (`pt` for `pt-BR`), else
    /// in `default` and its base language (an `en-GB` site reads the theme's `en.toml`).
    pub fn get(&self, lang: &str, default: &str, key: &str) -> Option<&str> {
        [lang, base_language(lang), default, base_language(default)]
            .into_iter()
            .find_map(|l| self.by_lang.get(l)?.get(key))
            .map(String::as_str)
    }

    /// The text of `key` (as [`Strings::get`] finds it) with each `{name}` replaced by
    /// the argument of that name: for what Rust writes from theme strings (a notice, a
    /// breadcrumb), where no template's escaping applies.
    pub fn fill(
        &self,
        lang: &str,
        default: &str,
        key: &str,
        args: &[(&str, &str)],
    ) -> Option<String> {
        let mut text = self.get(lang, default, key)?.to_string();
        for (name, value) in args {
            text = text.replace(&format!("{{{name}}}"), value);
        }
        Some(text)
    }

    /// A language's own strings, else its base language's.
    fn table(&self, lang: &str) -> Option<&BTreeMap<String, String>> {
        self.by_lang
            .get(lang)
            .or_else(|| self.by_lang.get(base_language(lang)))
    }

    /// For `vellum check`: the keys the default language has and another lacks (shown in
    /// the default language on that language's pages), one warning per language.
    pub fn missing(&self, languages: &[&str]) -> Vec<Diagnostic> {
        let Some((default, others)) = languages.split_first() else {
            return Vec::new();
        };
        let empty = BTreeMap::new();
        let reference = self.table(default).unwrap_or(&empty);
        others
            .iter()
            .filter_map(|lang| {
                let own = self.table(lang).unwrap_or(&empty);
                let missing: Vec<&str> = reference
                    .keys()
                    .filter(|k| !own.contains_key(*k))
                    .map(String::as_str)
                    .collect();
                if missing.is_empty() {
                    return None;
                }
                let file = self
                    .files
                    .get(*lang)
                    .cloned()
                    .unwrap_or_else(|| PathBuf::from(format!("{I18N_DIR}/{lang}.toml")));
                let shown: Vec<&str> = missing.iter().take(10).copied().collect();
                let more = match missing.len() > shown.len() {
                    true => format!(" and {} more", missing.len() - shown.len()),
                    false => String::new(),
                };
                Some(
                    Diagnostic::warning(
                        file,
                        format!(
                            "{} theme string(s) are not translated into `{lang}`, so its pages show them in `{default}`: {}{more}",
                            missing.len(),
                            shown.join(", ")
                        ),
                    )
                    .with_help(format!(
                        "add them to {I18N_DIR}/{lang}.toml (the site's own file overrides the theme's key by key)"
                    )),
                )
            })
            .collect()
    }
}

/// `pt` for `pt-BR`: the language without its region or script.
fn base_language(lang: &str) -> &str {
    lang.split('-').next().unwrap_or(lang)
}

/// One strings file: a table of texts, keys at the top level.
fn read(path: &Path, display_path: &Path) -> Result<BTreeMap<String, String>, Diagnostic> {
    let text = crate::content::read_utf8(path, display_path)?;
    let table: toml::Table = toml::from_str(&text)
        .map_err(|e| crate::diagnostic::toml_error(display_path, &text, e.message(), e.span()))?;
    let mut strings = BTreeMap::new();
    for (key, value) in table {
        let Some(value) = value.as_str() else {
            let line = crate::diagnostic::key_line(&text, &key).unwrap_or(1);
            return Err(Diagnostic::error(
                display_path,
                format!("theme string `{key}` is not a text"),
            )
            .at_line(&text, line)
            .with_help(format!("write it as {key} = \"...\"")));
        };
        strings.insert(key, value.to_string());
    }
    Ok(strings)
}

/// `trans(key="effective_on", date=...)`: the string in the page's language (or
/// `lang=`), with each `{name}` replaced by the argument of that name.
pub fn trans(
    strings: &Arc<Strings>,
    default: &str,
    kwargs: &Kwargs,
    state: &State,
) -> TeraResult<Value> {
    let key: &str = kwargs
        .get("key")?
        .ok_or_else(|| Error::message("`trans` needs a `key`, e.g. trans(key=\"home\")"))?;
    let lang: String = match kwargs.get::<String>("lang")? {
        Some(lang) => lang,
        None => state
            .get::<String>("lang")?
            .unwrap_or_else(|| default.to_string()),
    };
    let text = strings.get(&lang, default, key).ok_or_else(|| {
        Error::message(format!(
            "trans: there is no theme string `{key}` (not in i18n/{default}.toml either)"
        ))
    })?;
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else {
            out.push_str(&rest[open..]);
            rest = "";
            break;
        };
        let name = &after[..close];
        let value = kwargs.get::<Value>(name)?.ok_or_else(|| {
            Error::message(format!(
                "trans: the string `{key}` shows `{{{name}}}`, but no `{name}` was given"
            ))
        })?;
        match value.as_str() {
            Some(text) => out.push_str(text),
            None => out.push_str(&value.to_string()),
        }
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    Ok(Value::from(out))
}
