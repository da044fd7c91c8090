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

/// What a content file is, by where it lives; each kind takes its own front matter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Any other Markdown file: `about.md`.
    Page,
    /// A folder's `_index.md`: a listing of its pages.
    Section,
    /// `products/<category>/<product>.md`.
    Product,
    /// `policies/<policy>/<date>.md`.
    PolicyVersion,
    /// `policies/<policy>/_index.md`: the policy's own title and notice period.
    Policy,
}

impl Kind {
    const ALL: [Kind; 5] = [
        Kind::Page,
        Kind::Section,
        Kind::Product,
        Kind::PolicyVersion,
        Kind::Policy,
    ];

    /// The kind's name in messages, plural: "`price` only applies to products".
    fn plural(self) -> &'static str {
        match self {
            Kind::Page => "pages",
            Kind::Section => "sections",
            Kind::Product => "products",
            Kind::PolicyVersion => "policy versions",
            Kind::Policy => "a policy's _index.md",
        }
    }

    /// Where files of this kind live, for the help line of a misplaced field.
    fn place(self) -> &'static str {
        match self {
            Kind::Page => "pages are the Markdown files of content/ other than _index.md",
            Kind::Section => "sections are the _index.md files of content/ and its folders",
            Kind::Product => "products live in content/products/<category>/<product>.md",
            Kind::PolicyVersion => "policy versions live in content/policies/<policy>/<date>.md",
            Kind::Policy => "set it in content/policies/<policy>/_index.md",
        }
    }

    /// The front matter fields this kind takes, as serde reads them.
    fn fields(self) -> &'static [&'static str] {
        match self {
            Kind::Page => field_names::<PageFront>(),
            Kind::Section => field_names::<SectionFront>(),
            Kind::Product => field_names::<ProductFront>(),
            Kind::PolicyVersion => field_names::<VersionFront>(),
            Kind::Policy => field_names::<PolicyFront>(),
        }
    }
}

/// A content file's front matter, typed by the file's [`Kind`]: a field that does not
/// apply to the kind (a `price` on a policy version) is an error at load, with its line.
#[derive(Debug, Clone)]
pub enum FrontMatter {
    Page(PageFront),
    // The larger kinds are boxed so that every page's model stays the size of a plain
    // page's (a site of 100,000 pages holds one per page).
    Section(Box<SectionFront>),
    Product(Box<ProductFront>),
    PolicyVersion(Box<VersionFront>),
    Policy(PolicyFront),
}

/// Runs `$e` with `$f` bound to the front matter of a page, section or product (the
/// kinds that are pages of the site), else gives `$other`.
macro_rules! on_page_kinds {
    ($self:expr, |$f:ident| $e:expr, else $other:expr) => {
        match $self {
            FrontMatter::Page($f) => $e,
            FrontMatter::Section($f) => $e,
            FrontMatter::Product($f) => $e,
            FrontMatter::PolicyVersion(_) | FrontMatter::Policy(_) => $other,
        }
    };
}

/// A page's empty front matter.
impl Default for FrontMatter {
    fn default() -> Self {
        FrontMatter::empty(Kind::Page)
    }
}

impl FrontMatter {
    /// The front matter of a file of `kind` that has none.
    pub fn empty(kind: Kind) -> FrontMatter {
        match kind {
            Kind::Page => FrontMatter::Page(PageFront::default()),
            Kind::Section => FrontMatter::Section(Box::default()),
            Kind::Product => FrontMatter::Product(Box::default()),
            Kind::PolicyVersion => FrontMatter::PolicyVersion(Box::default()),
            Kind::Policy => FrontMatter::Policy(PolicyFront::default()),
        }
    }

    pub fn title(&self) -> Option<&str> {
        match self {
            FrontMatter::PolicyVersion(f) => f.title.as_deref(),
            FrontMatter::Policy(f) => f.title.as_deref(),
            other => on_page_kinds!(other, |f| f.title.as_deref(), else None),
        }
    }

    pub fn description(&self) -> Option<&str> {
        match self {
            FrontMatter::PolicyVersion(f) => f.description.as_deref(),
            FrontMatter::Policy(f) => f.description.as_deref(),
            other => on_page_kinds!(other, |f| f.description.as_deref(), else None),
        }
    }

    /// Drafts are left out of a build unless it asks for them.
    pub fn draft(&self) -> bool {
        match self {
            FrontMatter::PolicyVersion(f) => f.draft,
            other => on_page_kinds!(other, |f| f.draft, else false),
        }
    }

    /// Free values for themes (none for a policy's `_index.md`).
    pub fn extra(&self) -> &serde_json::Map<String, serde_json::Value> {
        static NONE: std::sync::LazyLock<serde_json::Map<String, serde_json::Value>> =
            std::sync::LazyLock::new(serde_json::Map::new);
        match self {
            FrontMatter::PolicyVersion(f) => &f.extra,
            other => on_page_kinds!(other, |f| &f.extra, else &NONE),
        }
    }

    pub fn date(&self) -> Option<&PageDate> {
        on_page_kinds!(self, |f| f.date.as_ref(), else None)
    }

    pub fn updated(&self) -> Option<&PageDate> {
        on_page_kinds!(self, |f| f.updated.as_ref(), else None)
    }

    pub fn template(&self) -> Option<&str> {
        on_page_kinds!(self, |f| f.template.as_deref(), else None)
    }

    pub fn slug(&self) -> Option<&str> {
        on_page_kinds!(self, |f| f.slug.as_deref(), else None)
    }

    pub fn weight(&self) -> Option<i64> {
        on_page_kinds!(self, |f| f.weight, else None)
    }

    pub fn section(&self) -> Option<&SectionFront> {
        match self {
            FrontMatter::Section(f) => Some(f.as_ref()),
            _ => None,
        }
    }

    pub fn product(&self) -> Option<&ProductFront> {
        match self {
            FrontMatter::Product(f) => Some(f.as_ref()),
            _ => None,
        }
    }

    pub fn version(&self) -> Option<&VersionFront> {
        match self {
            FrontMatter::PolicyVersion(f) => Some(f.as_ref()),
            _ => None,
        }
    }

    /// A translated policy version takes some fields from its source (see
    /// `policy::collect`).
    pub fn version_mut(&mut self) -> Option<&mut VersionFront> {
        match self {
            FrontMatter::PolicyVersion(f) => Some(f.as_mut()),
            _ => None,
        }
    }

    pub fn policy(&self) -> Option<&PolicyFront> {
        match self {
            FrontMatter::Policy(f) => Some(f),
            _ => None,
        }
    }
}

/// Declares the front matter of a kind that is a page of the site: the fields every
/// page has, then the kind's own. (serde cannot flatten a shared struct into one that
/// denies unknown fields, so the shared fields are written into each.)
macro_rules! page_kind {
    ($(#[$attr:meta])* $name:ident { $($(#[$field_attr:meta])* $field:ident: $ty:ty,)* }) => {
        $(#[$attr])*
        #[derive(Debug, Clone, Default, Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct $name {
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
            $($(#[$field_attr])* pub $field: $ty,)*
            /// Free values for themes.
            #[serde(default, deserialize_with = "deserialize_extra")]
            pub extra: serde_json::Map<String, serde_json::Value>,
        }
    };
}

page_kind!(
    /// A page's front matter.
    PageFront {}
);

page_kind!(
    /// A section's front matter.
    SectionFront {
        /// How the section lists its pages.
        sort_by: Option<SortBy>,
        /// The template for the section's pages.
        page_template: Option<String>,
        /// Lists the section's pages this many to a listing page (`/blog/`,
        /// `/blog/page/2/`, ...) instead of all on one.
        #[serde(default, deserialize_with = "deserialize_page_count")]
        paginate_by: Option<std::num::NonZeroUsize>,
    }
);

page_kind!(
    /// A product's front matter: see [`crate::product`].
    ProductFront {
        name: Option<String>,
        sku: Option<String>,
        brand: Option<String>,
        /// A decimal string such as "199.95", never a float.
        price: Option<String>,
        /// ISO 4217 code such as "USD".
        currency: Option<String>,
        availability: Option<Availability>,
        #[serde(default)]
        images: Vec<ProductImage>,
        #[serde(default, deserialize_with = "deserialize_specs")]
        specs: Vec<Spec>,
        #[serde(default)]
        variants: Vec<String>,
        buy_url: Option<String>,
    }
);

/// A policy version's front matter. Its date is its effective date (the file name, or
/// `effective`), and its URL is made from that date, so the page fields do not apply.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VersionFront {
    pub title: Option<String>,
    pub description: Option<String>,
    #[serde(default)]
    pub draft: bool,
    /// The date the version takes effect, if not the file name.
    pub effective: Option<PageDate>,
    /// What changed and why, for the changelog.
    pub summary: Option<String>,
    /// Changes made after the version was published.
    #[serde(default)]
    pub corrections: Vec<Correction>,
    /// `material` (needs notice) or `editorial`.
    pub change: Option<ChangeKind>,
    /// The day notice of a material change went out.
    pub announced: Option<PageDate>,
    /// Brought in with the policy's earlier history (`vellum policy import`): it may
    /// lack a summary and a kind of change, which were never recorded.
    #[serde(default)]
    pub imported: bool,
    /// Free values for themes.
    #[serde(default, deserialize_with = "deserialize_extra")]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// A policy's `_index.md`: the policy's own title and description, and its notice period.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyFront {
    pub title: Option<String>,
    pub description: Option<String>,
    /// Days of notice the policy's material changes need.
    pub notice_days: Option<u32>,
}

/// The field names a struct's `Deserialize` asks for: serde passes them to
/// `deserialize_struct`, which this deserializer records and then declines.
fn field_names<T: serde::de::DeserializeOwned>() -> &'static [&'static str] {
    struct Names<'a>(&'a mut &'static [&'static str]);
    impl<'de> Deserializer<'de> for Names<'_> {
        type Error = de::value::Error;
        fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
            Err(de::Error::custom("not a struct"))
        }
        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _name: &'static str,
            fields: &'static [&'static str],
            _visitor: V,
        ) -> Result<V::Value, Self::Error> {
            *self.0 = fields;
            Err(de::Error::custom("names taken"))
        }
        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes
            byte_buf option unit unit_struct newtype_struct seq tuple tuple_struct map
            enum identifier ignored_any
        }
    }
    let mut names: &'static [&'static str] = &[];
    let _ = T::deserialize(Names(&mut names));
    names
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

/// `paginate_by`: a whole number of pages, at least one.
fn deserialize_page_count<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<std::num::NonZeroUsize>, D::Error> {
    let count = u64::deserialize(deserializer)?;
    usize::try_from(count)
        .ok()
        .and_then(std::num::NonZeroUsize::new)
        .map(Some)
        .ok_or_else(|| {
            de::Error::custom(format!(
                "paginate_by = {count}: give how many pages each listing page shows, 1 or more"
            ))
        })
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

/// Parses the front matter block of a file of `kind`. Errors point at the offending line
/// of `source`, whose front matter lies at `range`.
pub fn parse(
    source: &Arc<str>,
    format: Format,
    range: Range<usize>,
    kind: Kind,
    path: &std::path::Path,
) -> Result<FrontMatter, Diagnostic> {
    let typed = Typed {
        source,
        format,
        range,
        kind,
        path,
    };
    match kind {
        Kind::Page => typed.parse().map(FrontMatter::Page),
        Kind::Section => typed.parse().map(|f| FrontMatter::Section(Box::new(f))),
        Kind::Product => typed.parse().map(|f| FrontMatter::Product(Box::new(f))),
        Kind::PolicyVersion => typed
            .parse()
            .map(|f| FrontMatter::PolicyVersion(Box::new(f))),
        Kind::Policy => typed.parse().map(FrontMatter::Policy),
    }
}

/// One front matter block to parse as its kind's type.
struct Typed<'a> {
    source: &'a Arc<str>,
    format: Format,
    range: Range<usize>,
    kind: Kind,
    path: &'a std::path::Path,
}

impl Typed<'_> {
    fn parse<T: serde::de::DeserializeOwned + Default>(&self) -> Result<T, Diagnostic> {
        let (source, range) = (self.source, self.range.clone());
        let text = &source[range.clone()];
        match self.format {
            Format::Toml => toml::from_str(text).map_err(|e| {
                let line_text = e.span().map_or("", |span| {
                    let at = range.start + span.start;
                    let start = source[..at].rfind('\n').map_or(0, |i| i + 1);
                    let end = source[at..].find('\n').map_or(source.len(), |i| at + i);
                    &source[start..end]
                });
                // Unknown fields get this kind's own words (which kind takes the field).
                let plain = match unknown_field(e.message()) {
                    Some(_) => None,
                    None => crate::diagnostic::plain_toml_error(e.message(), line_text),
                };
                let diagnostic = match plain {
                    Some((message, help)) => {
                        Diagnostic::error(self.path, format!("front matter: {message}"))
                            .with_help(help)
                    }
                    None => self.error(e.message()),
                };
                match e.span() {
                    Some(span) => {
                        diagnostic.at_span(source, range.start + span.start..range.start + span.end)
                    }
                    None => diagnostic,
                }
            }),
            Format::Yaml if text.trim().is_empty() => Ok(T::default()),
            Format::Yaml => serde_saphyr::from_str(text).map_err(|e| {
                let full = e.without_snippet().to_string();
                // serde-saphyr appends " at line L column C"; the diagnostic shows the place.
                let diagnostic = self.error(full.split(" at line ").next().unwrap_or(&full));
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

    /// The diagnostic for a parser's message. A field this kind does not take is named
    /// with the kind it belongs to, or the field it is probably a typo of.
    fn error(&self, message: &str) -> Diagnostic {
        let message = message.trim_end();
        let Some(field) = unknown_field(message) else {
            return Diagnostic::error(self.path, format!("front matter: {message}"));
        };
        let owners: Vec<Kind> = Kind::ALL
            .into_iter()
            .filter(|k| *k != self.kind && k.fields().contains(&field))
            .collect();
        let takes = || {
            format!(
                "{} take: {}",
                self.kind.plural(),
                self.kind.fields().join(", ")
            )
        };
        match owners.as_slice() {
            [owner] => Diagnostic::error(
                self.path,
                format!("front matter: `{field}` only applies to {}", owner.plural()),
            )
            .with_help(owner.place()),
            [] => {
                let closest = self
                    .kind
                    .fields()
                    .iter()
                    .map(|f| (strsim::damerau_levenshtein(field, f), *f))
                    .min()
                    .filter(|(distance, _)| *distance <= 2);
                let help = match closest {
                    Some((_, known)) => format!("did you mean `{known}`? ({})", takes()),
                    None => takes(),
                };
                Diagnostic::error(self.path, format!("front matter: unknown field `{field}`"))
                    .with_help(help)
            }
            _ => Diagnostic::error(
                self.path,
                format!(
                    "front matter: `{field}` does not apply to {}",
                    self.kind.plural()
                ),
            )
            .with_help(takes()),
        }
    }
}

/// The field of serde's "unknown field `x`, expected ..." message.
fn unknown_field(message: &str) -> Option<&str> {
    let rest = message.strip_prefix("unknown field `")?;
    Some(&rest[..rest.find('`')?])
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
        parse_as(text, Kind::Page)
    }

    fn parse_as(text: &str, kind: Kind) -> Result<FrontMatter, Diagnostic> {
        let source: Arc<str> = Arc::from(text);
        let split = split(text).unwrap();
        parse(
            &source,
            split.format.unwrap(),
            split.front_matter,
            kind,
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
        assert_eq!(fm.date().unwrap().text, "2026-11-24");
        assert_eq!(fm.updated().unwrap().text, "2026-11-25T10:00:00Z");
        let fm = parse_str("---\ndate: 2026-11-24\n---\n").unwrap();
        assert_eq!(fm.date().unwrap().text, "2026-11-24");
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
    fn a_mistyped_field_gets_the_closest_known_one() {
        let err = parse_str("+++\ntitle = \"A\"\ntitel = \"B\"\n+++\n").unwrap_err();
        assert_eq!(err.message, "front matter: unknown field `titel`");
        let help = err.help.unwrap();
        assert!(
            help.starts_with("did you mean `title`? (pages take: title,"),
            "{help}"
        );
        let err = parse_str("---\nzzz: 1\n---\n").unwrap_err();
        assert!(err.help.unwrap().starts_with("pages take: title,"));
    }

    #[test]
    fn each_kind_takes_its_own_fields() {
        let product = "+++\nname = \"Sense 2\"\nprice = \"249.95\"\nweight = 2\n+++\n";
        let fm = parse_as(product, Kind::Product).unwrap();
        assert_eq!(fm.product().unwrap().price.as_deref(), Some("249.95"));
        assert_eq!(fm.weight(), Some(2));
        let err = parse_as(product, Kind::Page).unwrap_err();
        assert_eq!(err.message, "front matter: `name` only applies to products");
        assert_eq!(err.line, Some(2));
        assert_eq!(err.help.as_deref(), Some(Kind::Product.place()));

        let version = "---\nsummary: Clearer.\nchange: editorial\n---\n";
        let fm = parse_as(version, Kind::PolicyVersion).unwrap();
        assert_eq!(fm.version().unwrap().change, Some(ChangeKind::Editorial));
        let err = parse_as(version, Kind::Section).unwrap_err();
        assert_eq!(
            err.message,
            "front matter: `summary` only applies to policy versions"
        );
        assert_eq!(err.line, Some(2));

        let err = parse_as("+++\nsort_by = \"date\"\n+++\n", Kind::Page).unwrap_err();
        assert_eq!(
            err.message,
            "front matter: `sort_by` only applies to sections"
        );
        let err = parse_as("+++\nnotice_days = 30\n+++\n", Kind::Section).unwrap_err();
        assert_eq!(
            err.message,
            "front matter: `notice_days` only applies to a policy's _index.md"
        );

        // A field several kinds take, on a kind that does not.
        let err = parse_as("+++\ndate = 2026-01-01\n+++\n", Kind::PolicyVersion).unwrap_err();
        assert_eq!(
            err.message,
            "front matter: `date` does not apply to policy versions"
        );
        let help = err.help.unwrap();
        assert!(
            help.starts_with("policy versions take: title, description, draft, effective"),
            "{help}"
        );
    }

    #[test]
    fn field_names_are_what_serde_reads() {
        assert_eq!(
            Kind::Policy.fields(),
            ["title", "description", "notice_days"]
        );
        assert!(Kind::Product.fields().contains(&"buy_url"));
        assert!(Kind::Section.fields().contains(&"extra"));
    }

    #[test]
    fn extra_keeps_free_values_and_toml_dates_as_text() {
        let fm = parse_str("+++\n[extra]\nprice = \"9.99\"\nlaunch = 2026-01-01\n+++\n").unwrap();
        assert_eq!(fm.extra()["price"], "9.99");
        assert_eq!(fm.extra()["launch"], "2026-01-01");
    }

    #[test]
    fn key_line_finds_toml_and_yaml_keys() {
        assert_eq!(key_line("title = 1\ntemplate = \"x\"", "template"), Some(2));
        assert_eq!(key_line("title: 1\ntemplate: x", "template"), Some(2));
        assert_eq!(key_line("templates = 1", "template"), None);
    }
}
