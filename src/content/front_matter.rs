//! Splits a content file into its front matter and body, and parses the front matter.
//!
//! Front matter is TOML between `+++` lines (as in Zola) or YAML between `---` lines (as
//! in Hugo and Jekyll). Offsets are kept so that every problem points at a line of the
//! original file.

use std::ops::Range;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, NaiveDateTime};
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize};

use crate::diagnostic::Diagnostic;

/// The language of a front matter block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Toml,
    Yaml,
}

/// Where the parts of a content file lie, as byte ranges of its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split {
    pub format: Option<Format>,
    /// The front matter text, without its fences. Empty when there is none.
    pub front_matter: Range<usize>,
    pub body: Range<usize>,
}

/// Finds the front matter fences. A file without an opening fence is all body.
pub fn split(text: &str) -> Result<Split, SplitError> {
    let start = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let mut lines = LineIter::new(text, start);
    let Some(first) = lines.next() else {
        return Ok(Split {
            format: None,
            front_matter: start..start,
            body: start..text.len(),
        });
    };
    let format = match text[first.clone()].trim_end() {
        "+++" => Format::Toml,
        "---" => Format::Yaml,
        _ => {
            return Ok(Split {
                format: None,
                front_matter: start..start,
                body: start..text.len(),
            });
        }
    };
    let fence = if format == Format::Toml { "+++" } else { "---" };
    let fm_start = first.end;
    for line in lines {
        if text[line.start..line.end].trim_end() == fence {
            let fm_start = (fm_start + 1).min(line.start);
            return Ok(Split {
                format: Some(format),
                front_matter: fm_start..line.start,
                body: (line.end + 1).min(text.len())..text.len(),
            });
        }
    }
    Err(SplitError::Unclosed { fence })
}

/// A front matter block that is opened but never closed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SplitError {
    #[error("the front matter opened with `{fence}` on line 1 is never closed")]
    Unclosed { fence: &'static str },
}

/// Byte ranges of lines (without the `\n`), starting at an offset.
struct LineIter<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> LineIter<'a> {
    fn new(text: &'a str, pos: usize) -> Self {
        LineIter { text, pos }
    }
}

impl Iterator for LineIter<'_> {
    type Item = Range<usize>;
    fn next(&mut self) -> Option<Range<usize>> {
        if self.pos >= self.text.len() {
            return None;
        }
        let start = self.pos;
        let end = self.text[start..]
            .find('\n')
            .map_or(self.text.len(), |i| start + i);
        self.pos = end + 1;
        Some(start..end)
    }
}

/// The fields a page or section may set. Unknown fields are errors, so a typo such as
/// `titel` is caught instead of silently ignored.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FrontMatter {
    pub title: Option<String>,
    pub description: Option<String>,
    pub date: Option<PageDate>,
    pub updated: Option<PageDate>,
    /// Template to render with, instead of `page.html` / `section.html`.
    pub template: Option<String>,
    /// Last part of the URL, instead of the file name.
    pub slug: Option<String>,
    #[serde(default)]
    pub draft: bool,
    pub weight: Option<i64>,
    /// Sections only: how the section lists its pages.
    pub sort_by: Option<SortBy>,
    /// Sections only: the template for the section's pages.
    pub page_template: Option<String>,
    /// Policy versions only: the date the version takes effect, if not the file name.
    pub effective: Option<PageDate>,
    /// Policy versions only: what changed and why, for the changelog.
    pub summary: Option<String>,
    /// Policy versions only: changes made after the version was published.
    #[serde(default)]
    pub corrections: Vec<Correction>,
    /// Policy versions only: `material` (needs notice) or `editorial`.
    pub change: Option<ChangeKind>,
    /// Policy versions only: the day notice of a material change went out.
    pub announced: Option<PageDate>,
    /// A policy's `_index.md` only: days of notice its material changes need.
    pub notice_days: Option<u32>,
    /// Products only: see [`crate::product`].
    pub name: Option<String>,
    pub sku: Option<String>,
    pub brand: Option<String>,
    /// A decimal string such as "199.95", never a float.
    pub price: Option<String>,
    /// ISO 4217 code such as "USD".
    pub currency: Option<String>,
    pub availability: Option<Availability>,
    #[serde(default)]
    pub images: Vec<ProductImage>,
    #[serde(default, deserialize_with = "deserialize_specs")]
    pub specs: Vec<Spec>,
    #[serde(default)]
    pub variants: Vec<String>,
    pub buy_url: Option<String>,
    /// Free values for themes.
    #[serde(default, deserialize_with = "deserialize_extra")]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// How much a policy version changes: a material change alters rights or obligations
/// and needs advance notice; an editorial one (wording, layout, typos) does not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangeKind {
    Material,
    Editorial,
}

/// Whether a product can be bought now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Availability {
    InStock,
    OutOfStock,
    Preorder,
}

/// A product photo; `alt` is required, for people who cannot see it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ProductImage {
    /// Relative to the product's file, or absolute from the site root (`/images/x.png`).
    pub src: String,
    pub alt: String,
}

/// One row of a product's specification table.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Spec {
    pub name: String,
    pub value: String,
}

/// `specs` as a table (`Display = "1.58 in"`, in the order written) or as a list of
/// `{ name, value }` rows.
fn deserialize_specs<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<Spec>, D::Error> {
    struct SpecsVisitor;
    impl<'de> Visitor<'de> for SpecsVisitor {
        type Value = Vec<Spec>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a table of specification names and values")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Vec<Spec>, A::Error> {
            let mut specs = Vec::new();
            while let Some((name, value)) = map.next_entry::<String, String>()? {
                specs.push(Spec { name, value });
            }
            Ok(specs)
        }
        fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<Spec>, A::Error> {
            let mut specs = Vec::new();
            while let Some(spec) = seq.next_element::<Spec>()? {
                specs.push(spec);
            }
            Ok(specs)
        }
    }
    deserializer.deserialize_any(SpecsVisitor)
}

/// A change to a published policy version, recorded so that readers can see it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Correction {
    pub date: PageDate,
    pub note: String,
}

/// The order of a section's page list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SortBy {
    /// Lightest first, then by title.
    #[default]
    Weight,
    /// Newest first.
    Date,
    /// Alphabetical.
    Title,
    /// File name order.
    None,
}

/// Parses a front matter block. Errors point at the offending line of `source`, whose
/// front matter starts at byte `offset`.
pub fn parse(
    source: &Arc<str>,
    format: Format,
    range: Range<usize>,
    path: &std::path::Path,
) -> Result<FrontMatter, Diagnostic> {
    let text = &source[range.clone()];
    match format {
        Format::Toml => toml::from_str(text).map_err(|e| {
            let diagnostic = Diagnostic::error(path, toml_message(&e));
            match e.span() {
                Some(span) => {
                    diagnostic.at_span(source, range.start + span.start..range.start + span.end)
                }
                None => diagnostic,
            }
        }),
        Format::Yaml if text.trim().is_empty() => Ok(FrontMatter::default()),
        Format::Yaml => serde_saphyr::from_str(text).map_err(|e| {
            let message = yaml_message(&e);
            let diagnostic = Diagnostic::error(path, message);
            match e.location() {
                Some(location) if location.line() > 0 => {
                    let first_line = crate::diagnostic::line_of_offset(source, range.start);
                    diagnostic.at_line(source, first_line + location.line() as usize - 1)
                }
                _ => diagnostic,
            }
        }),
    }
}

fn toml_message(error: &toml::de::Error) -> String {
    format!("front matter: {}", error.message().trim_end())
}

fn yaml_message(error: &serde_saphyr::Error) -> String {
    let full = error.without_snippet().to_string();
    // serde-saphyr appends " at line L column C"; the diagnostic shows the place itself.
    let message = full.split(" at line ").next().unwrap_or(&full).trim_end();
    format!("front matter: {message}")
}

pub use crate::diagnostic::key_line;

/// A front matter date: `2026-11-24` or `2026-11-24T09:00:00Z`, as a TOML date or a string.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct PageDate {
    /// UTC date and time, for sorting and comparison.
    pub at: NaiveDateTime,
    /// The ISO 8601 text templates see (`2026-11-24` or `2026-11-24T09:00:00Z`).
    pub text: String,
}

impl PageDate {
    pub fn parse(text: &str) -> Result<PageDate, String> {
        let text = text.trim();
        if let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
            let at = date.and_hms_opt(0, 0, 0).expect("midnight is a valid time");
            return Ok(PageDate {
                at,
                text: date.format("%Y-%m-%d").to_string(),
            });
        }
        if let Ok(t) = DateTime::parse_from_rfc3339(text) {
            let utc = t.naive_utc();
            return Ok(PageDate {
                at: utc,
                text: utc.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
            });
        }
        for format in ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M"] {
            if let Ok(at) = NaiveDateTime::parse_from_str(text, format) {
                return Ok(PageDate {
                    at,
                    text: at.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
                });
            }
        }
        Err(format!(
            "`{text}` is not a valid date: write it as YYYY-MM-DD (e.g. 2026-11-24) \
             or YYYY-MM-DDTHH:MM:SSZ"
        ))
    }

    /// The calendar date part, `YYYY-MM-DD`.
    pub fn date(&self) -> NaiveDate {
        self.at.date()
    }
}

impl Serialize for PageDate {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.text)
    }
}

impl<'de> Deserialize<'de> for PageDate {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct DateVisitor;
        impl<'de> Visitor<'de> for DateVisitor {
            type Value = PageDate;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a date like 2026-11-24")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<PageDate, E> {
                PageDate::parse(v).map_err(E::custom)
            }
            // TOML dates arrive as a one-entry map holding their text.
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<PageDate, A::Error> {
                let Some((_, text)) = map.next_entry::<String, String>()? else {
                    return Err(de::Error::custom("expected a date like 2026-11-24"));
                };
                PageDate::parse(&text).map_err(de::Error::custom)
            }
        }
        deserializer.deserialize_any(DateVisitor)
    }
}

/// Parses `extra` into JSON values (what Tera works with), turning TOML dates into text.
fn deserialize_extra<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<serde_json::Map<String, serde_json::Value>, D::Error> {
    let mut map = serde_json::Map::<String, serde_json::Value>::deserialize(deserializer)?;
    for value in map.values_mut() {
        flatten_toml_dates(value);
    }
    Ok(map)
}

/// Turns TOML dates (which serialize as a one-entry map) into their text.
pub fn flatten_toml_dates(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            if map.len() == 1
                && let Some(serde_json::Value::String(text)) = map.get("$__toml_private_datetime")
            {
                *value = serde_json::Value::String(text.clone());
                return;
            }
            map.values_mut().for_each(flatten_toml_dates);
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(flatten_toml_dates),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn parse_str(text: &str) -> Result<FrontMatter, Diagnostic> {
        let source: Arc<str> = Arc::from(text);
        let split = split(text).unwrap();
        parse(
            &source,
            split.format.unwrap(),
            split.front_matter,
            Path::new("a.md"),
        )
    }

    #[test]
    fn toml_front_matter_is_split_from_body() {
        let text = "+++\ntitle = \"A\"\n+++\nBody\n";
        let s = split(text).unwrap();
        assert_eq!(s.format, Some(Format::Toml));
        assert_eq!(&text[s.front_matter], "title = \"A\"\n");
        assert_eq!(&text[s.body], "Body\n");
    }

    #[test]
    fn yaml_front_matter_with_crlf_is_split() {
        let text = "---\r\ntitle: A\r\n---\r\nBody";
        let s = split(text).unwrap();
        assert_eq!(s.format, Some(Format::Yaml));
        assert_eq!(&text[s.front_matter], "title: A\r\n");
        assert_eq!(&text[s.body], "Body");
    }

    #[test]
    fn file_without_front_matter_is_all_body() {
        let s = split("# Hello\n").unwrap();
        assert_eq!(s.format, None);
        assert_eq!(s.body, 0..8);
    }

    #[test]
    fn empty_front_matter_and_no_body() {
        let text = "+++\n+++";
        let s = split(text).unwrap();
        assert_eq!(s.front_matter, 4..4);
        assert_eq!(s.body, 7..7);
    }

    #[test]
    fn unclosed_front_matter_is_an_error() {
        assert_eq!(
            split("+++\ntitle = 1\n"),
            Err(SplitError::Unclosed { fence: "+++" })
        );
    }

    #[test]
    fn dates_come_as_toml_dates_or_strings() {
        let fm =
            parse_str("+++\ndate = 2026-11-24\nupdated = \"2026-11-25T10:00:00Z\"\n+++\n").unwrap();
        assert_eq!(fm.date.unwrap().text, "2026-11-24");
        assert_eq!(fm.updated.unwrap().text, "2026-11-25T10:00:00Z");
        let fm = parse_str("---\ndate: 2026-11-24\n---\n").unwrap();
        assert_eq!(fm.date.unwrap().text, "2026-11-24");
    }

    #[test]
    fn bad_date_points_at_its_line() {
        let err = parse_str("+++\ntitle = \"A\"\ndate = \"2026-13-45\"\n+++\n").unwrap_err();
        assert_eq!(err.line, Some(3), "{err}");
        assert!(err.message.contains("YYYY-MM-DD"), "{err}");
        let err = parse_str("---\ntitle: A\ndate: 24/11/2026\n---\n").unwrap_err();
        assert_eq!(err.line, Some(3), "{err}");
    }

    #[test]
    fn unknown_field_points_at_its_line() {
        let err = parse_str("+++\ntitle = \"A\"\ntitel = \"B\"\n+++\n").unwrap_err();
        assert_eq!(err.line, Some(3), "{err}");
        assert!(err.message.contains("titel"), "{err}");
    }

    #[test]
    fn extra_keeps_free_values_and_toml_dates_as_text() {
        let fm = parse_str("+++\n[extra]\nprice = \"9.99\"\nlaunch = 2026-01-01\n+++\n").unwrap();
        assert_eq!(fm.extra["price"], "9.99");
        assert_eq!(fm.extra["launch"], "2026-01-01");
    }

    #[test]
    fn key_line_finds_toml_and_yaml_keys() {
        assert_eq!(key_line("title = 1\ntemplate = \"x\"", "template"), Some(2));
        assert_eq!(key_line("title: 1\ntemplate: x", "template"), Some(2));
        assert_eq!(key_line("templates = 1", "template"), None);
    }
}
