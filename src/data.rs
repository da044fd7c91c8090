//! Data files: TOML, JSON and CSV files under `data/`, for templates to read with
//! `load_data(path="cookies.toml")`. Parse errors name the file and line. The cookie
//! list (`data/cookies.toml`) is checked field by field, since the cookie policy is
//! rendered from it.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::diagnostic::{Diagnostic, Diagnostics};

/// The folder under the site root holding data files.
pub const DATA_DIR: &str = "data";

/// Every data file, parsed, by its path under `data/` (`cookies.toml`).
pub type Data = BTreeMap<String, Value>;

/// The text of every data file, by its path under `data/`: published policy versions
/// keep snapshots of the files they read (see [`crate::policy::record`]).
pub type DataTexts = BTreeMap<String, Arc<str>>;

/// Reads and parses `root/data/`, keeping each file's text too.
pub fn load(root: &Path, limits: &crate::config::Limits) -> (Data, DataTexts, Diagnostics) {
    let mut data = Data::new();
    let mut texts = DataTexts::new();
    let mut diagnostics = Diagnostics::default();
    let dir = root.join(DATA_DIR);
    let (found, problems) = crate::input_files::list(root, &dir, crate::input_files::is_hidden);
    diagnostics.extend(problems);
    for file in found {
        let relative = file.relative;
        if !is_data_file(&relative) {
            continue;
        }
        let shown = Path::new(DATA_DIR).join(&relative);
        let limit =
            crate::input_files::too_big(&shown, file.len, limits.page_megabytes, "page_megabytes");
        if let Some(problem) = limit {
            diagnostics.push(problem);
            continue;
        }
        let text = match crate::content::read_utf8(&file.path, &shown) {
            Ok(text) => text,
            Err(e) => {
                diagnostics.push(e);
                continue;
            }
        };
        match parse(&relative, &text, &shown) {
            Ok(value) => {
                texts.insert(relative.clone(), text);
                data.insert(relative, value);
            }
            Err(e) => diagnostics.push(e),
        }
    }
    diagnostics.extend(check_translated_cookie_lists(&data, &texts));
    (data, texts, diagnostics)
}

fn is_data_file(relative: &str) -> bool {
    matches!(
        relative.rsplit_once('.').map(|(_, ext)| ext),
        Some("toml" | "json" | "csv")
    )
}

/// Parses one data file's text by its extension (`relative` is its path under `data/`);
/// errors are reported at `shown`.
pub fn parse(relative: &str, text: &Arc<str>, shown: &Path) -> Result<Value, Diagnostic> {
    let value = match relative.rsplit_once('.').map(|(_, ext)| ext) {
        Some("toml") => parse_toml(text, shown),
        Some("json") => parse_json(text, shown),
        Some("csv") => parse_csv(text, shown),
        _ => Err(Diagnostic::error(
            shown,
            format!("`{relative}` is not a TOML, JSON or CSV data file"),
        )),
    }?;
    if is_cookie_list(relative) {
        check_cookies(text, shown)?;
    }
    Ok(value)
}

/// `cookies.toml`, or its translation into a language (`cookies.de.toml`).
fn is_cookie_list(relative: &str) -> bool {
    relative == "cookies.toml"
        || relative
            .strip_prefix("cookies.")
            .and_then(|rest| rest.strip_suffix(".toml"))
            .is_some_and(crate::locale::looks_like_code)
}

/// A translated cookie list names the same cookies as `cookies.toml`: a reader of the
/// translation must not miss one (or read of one the site does not set).
fn check_translated_cookie_lists(data: &Data, texts: &DataTexts) -> Vec<Diagnostic> {
    let names = |value: &Value| -> std::collections::BTreeSet<String> {
        value["cookie"]
            .as_array()
            .map(|list| {
                list.iter()
                    .filter_map(|c| c["name"].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    let Some(original) = data.get("cookies.toml").map(names) else {
        return Vec::new();
    };
    data.iter()
        .filter(|(path, _)| *path != "cookies.toml" && is_cookie_list(path))
        .filter_map(|(path, value)| {
            let translated = names(value);
            if translated == original {
                return None;
            }
            let missing: Vec<&String> = original.difference(&translated).collect();
            let extra: Vec<&String> = translated.difference(&original).collect();
            let shown = Path::new(DATA_DIR).join(path);
            let mut message = format!("data/{path} does not list the same cookies as data/cookies.toml:");
            if !missing.is_empty() {
                message.push_str(&format!(" missing {missing:?}"));
            }
            if !extra.is_empty() {
                message.push_str(&format!(" not in data/cookies.toml {extra:?}"));
            }
            let text = texts.get(path.as_str())?;
            Some(
                Diagnostic::error(shown, message)
                    .at_line(text, 1)
                    .with_help("a translated cookie list has an entry for every cookie of data/cookies.toml, with the same name"),
            )
        })
        .collect()
}

fn parse_toml(text: &Arc<str>, shown: &Path) -> Result<Value, Diagnostic> {
    let value: toml::Value = toml::from_str(text).map_err(|e| toml_error(&e, text, shown))?;
    let mut json =
        serde_json::to_value(value).map_err(|e| Diagnostic::error(shown, e.to_string()))?;
    crate::content::front_matter::flatten_toml_dates(&mut json);
    Ok(json)
}

fn toml_error(e: &toml::de::Error, text: &Arc<str>, shown: &Path) -> Diagnostic {
    crate::diagnostic::toml_error(shown, text, e.message(), e.span())
}

fn parse_json(text: &Arc<str>, shown: &Path) -> Result<Value, Diagnostic> {
    serde_json::from_str(text).map_err(|e| {
        let message = e.to_string();
        let message = message
            .split(" at line ")
            .next()
            .unwrap_or(&message)
            .to_string();
        Diagnostic::error(shown, message).at_line(text, e.line().max(1))
    })
}

/// A CSV file becomes a list of objects keyed by the header row.
fn parse_csv(text: &Arc<str>, shown: &Path) -> Result<Value, Diagnostic> {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let csv_error = |e: csv::Error| {
        let line = e.position().map_or(1, |p| p.line() as usize);
        Diagnostic::error(shown, format!("CSV: {e}")).at_line(text, line)
    };
    let headers = reader.headers().map_err(csv_error)?.clone();
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(csv_error)?;
        let row: serde_json::Map<String, Value> = headers
            .iter()
            .zip(record.iter())
            .map(|(h, v)| (h.to_string(), Value::String(v.to_string())))
            .collect();
        rows.push(Value::Object(row));
    }
    Ok(Value::Array(rows))
}

/// One cookie the shop sets (`[[cookie]]` in `data/cookies.toml`).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Cookie {
    pub name: String,
    pub provider: String,
    pub purpose: String,
    pub category: CookieCategory,
    /// How long it lasts, as readers should see it: "Session", "13 months".
    pub duration: String,
    pub party: Party,
}

/// The consent categories cookie laws use.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum CookieCategory {
    StrictlyNecessary,
    Preferences,
    Analytics,
    Marketing,
}

/// Whether the shop itself or another company sets the cookie.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Party {
    First,
    Third,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CookieFile {
    #[allow(dead_code)]
    cookie: Vec<Cookie>,
}

fn check_cookies(text: &Arc<str>, shown: &Path) -> Result<(), Diagnostic> {
    toml::from_str::<CookieFile>(text).map(drop).map_err(|e| {
        toml_error(&e, text, shown).with_help(
            "every [[cookie]] needs name, provider, purpose, category (strictly_necessary, preferences, analytics or marketing), duration and party (first or third)",
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site_with(files: &[(&str, &str)]) -> tempfile::TempDir {
        let tmp = tempfile::tempdir().unwrap();
        for (path, text) in files {
            let target = tmp.path().join(DATA_DIR).join(path);
            std::fs::create_dir_all(target.parent().unwrap()).unwrap();
            std::fs::write(target, text).unwrap();
        }
        tmp
    }

    #[test]
    fn toml_json_and_csv_are_read() {
        let tmp = site_with(&[
            ("shop.toml", "name = \"Wristline\"\nopened = 2020-01-01\n"),
            ("hours.json", "{\"open\": \"9:00\"}"),
            ("stores.csv", "city,phone\nSpringfield,555\n"),
        ]);
        let (data, _, problems) = load(tmp.path(), &Default::default());
        assert!(!problems.has_errors(), "{problems}");
        assert_eq!(data["shop.toml"]["opened"], "2020-01-01");
        assert_eq!(data["hours.json"]["open"], "9:00");
        assert_eq!(data["stores.csv"][0]["city"], "Springfield");
    }

    #[test]
    fn parse_errors_name_the_line() {
        let tmp = site_with(&[("a.json", "{\n\"x\": 1,\n}\n"), ("b.toml", "x = 1\ny = \n")]);
        let (_, _, problems) = load(tmp.path(), &Default::default());
        let lines: Vec<_> = problems
            .0
            .iter()
            .map(|d| (d.path.display().to_string(), d.line))
            .collect();
        assert_eq!(
            lines,
            [
                ("data/a.json".to_string(), Some(3)),
                ("data/b.toml".to_string(), Some(2))
            ]
        );
    }

    #[test]
    fn a_cookie_missing_a_field_is_an_error_at_its_entry() {
        let tmp = site_with(&[(
            "cookies.toml",
            "[[cookie]]\nname = \"cart\"\nprovider = \"Wristline\"\npurpose = \"Basket\"\ncategory = \"strictly_necessary\"\nduration = \"Session\"\nparty = \"first\"\n\n[[cookie]]\nname = \"_ga\"\nprovider = \"Google\"\ncategory = \"analytics\"\nduration = \"13 months\"\nparty = \"third\"\n",
        )]);
        let (_, _, problems) = load(tmp.path(), &Default::default());
        let error = &problems.0[0];
        assert!(error.message.contains("missing field `purpose`"), "{error}");
        assert!(error.line.is_some_and(|l| l >= 9), "{error}");
    }
}
