//! Stage three (first half): Markdown to HTML with pulldown-cmark.
//!
//! Adds what long policies need: a stable `id` on every heading, an anchor link to it,
//! a table of contents, and internal links written `@/path/file.md#anchor` that resolve
//! to the target page's URL (a missing target is an error at its line).

use std::collections::{HashMap, HashSet};
use std::ops::Range;

use pulldown_cmark::{CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd, html};
use serde::Serialize;

use crate::config::{MarkdownConfig, RawHtml};
use crate::content::SourceFile;
use crate::diagnostic::Diagnostic;
use crate::shortcodes::{self, Call};

/// An entry of a page's table of contents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Heading {
    pub level: u8,
    pub id: String,
    pub title: String,
    pub children: Vec<Heading>,
}

/// A rendered Markdown body: what templates show of a page or policy version.
#[derive(Debug, Clone, Default)]
pub struct Body {
    pub html: String,
    pub toc: Vec<Heading>,
    /// Where each top-level block of `html` ends (policy versions only, for redlines).
    pub block_ends: Vec<usize>,
}

impl Body {
    /// The top-level blocks of `html` (policy versions only, for redlines).
    pub fn blocks(&self) -> Vec<&str> {
        let mut start = 0;
        self.block_ends
            .iter()
            .map(|&end| {
                let block = &self.html[start..end];
                start = end;
                block
            })
            .collect()
    }
}

/// The rendered bodies of every policy version, by policy and then version (in the
/// model's order). The Markdown stage makes them before the record check, which hashes
/// them; the model itself never holds rendered text.
#[derive(Debug, Default)]
pub struct VersionBodies {
    bodies: Vec<Vec<Body>>,
    /// A hash of each body's HTML, taken once: what a redline of two versions depends
    /// on, so that `vellum serve` can tell an unchanged redline without computing it.
    hashes: Vec<Vec<u64>>,
}

impl VersionBodies {
    /// The rendered versions of each policy, in the model's order, each hashed once by
    /// `hash` (the caller's, since this module sits below `incremental`).
    pub fn new(bodies: Vec<Vec<Body>>, hash: impl Fn(&str) -> u64) -> VersionBodies {
        let hashes = bodies
            .iter()
            .map(|policy| policy.iter().map(|body| hash(&body.html)).collect())
            .collect();
        VersionBodies { bodies, hashes }
    }

    pub fn get(&self, policy: usize, version: usize) -> &Body {
        &self.bodies[policy][version]
    }

    /// The versions of policy `policy`, oldest first.
    pub fn of(&self, policy: usize) -> &[Body] {
        &self.bodies[policy]
    }

    pub fn hash(&self, policy: usize, version: usize) -> u64 {
        self.hashes[policy][version]
    }
}

/// The heading ids a rendered body offers and the `@/` links it makes, kept (without the
/// HTML) until every body is rendered and `#anchor`s can be checked.
#[derive(Debug, Default, Clone)]
pub struct Anchors {
    pub ids: Vec<String>,
    pub links: Vec<InternalLink>,
}

/// An `@/` link found in a page, kept so that its `#anchor` can be checked once every
/// page is rendered.
#[derive(Debug, Clone)]
pub struct InternalLink {
    /// Path under `content/`, e.g. `policies/privacy.md`.
    pub target: String,
    pub anchor: Option<String>,
    /// Byte range of the link in the source file.
    pub span: std::ops::Range<usize>,
}

/// The HTML of a page body and what was learned while rendering it.
#[derive(Debug, Default, Clone)]
pub struct Rendered {
    pub html: String,
    pub toc: Vec<Heading>,
    /// Every heading id, for anchor checks.
    pub ids: Vec<String>,
    pub internal_links: Vec<InternalLink>,
    /// Where each top-level block of `html` ends (only when asked for, for redlines).
    pub block_ends: Vec<usize>,
    /// Whether shortcodes were expanded: their output depends on more than this file.
    pub has_shortcodes: bool,
    /// Where the text first nests deeper than [`MAX_NESTING`] (rendering stops there).
    too_deep: Option<Range<usize>>,
}

impl Rendered {
    /// What templates show, copied (the rendering stays whole).
    pub fn body(&self) -> Body {
        Body {
            html: self.html.clone(),
            toc: self.toc.clone(),
            block_ends: self.block_ends.clone(),
        }
    }

    /// What the anchor check needs, copied (the rendering stays whole).
    pub fn anchors(&self) -> Anchors {
        Anchors {
            ids: self.ids.clone(),
            links: self.internal_links.clone(),
        }
    }

    /// What templates show, and what the anchor check needs.
    pub fn split(self) -> (Body, Anchors) {
        let body = Body {
            html: self.html,
            toc: self.toc,
            block_ends: self.block_ends,
        };
        let anchors = Anchors {
            ids: self.ids,
            links: self.internal_links,
        };
        (body, anchors)
    }
}

fn too_deep_error(file: &SourceFile, span: Range<usize>) -> Diagnostic {
    Diagnostic::error(
        &file.display_path,
        format!("lists, quotes or HTML tags here are nested more than {MAX_NESTING} levels deep"),
    )
    .at_span(&file.text, span)
    .with_help("flatten the nesting: no reader can follow a list inside a list this deep")
}

/// Separates top-level blocks while rendering; a control character that Markdown text
/// never carries into HTML.
const BLOCK_MARK: char = '\u{1f}';

/// How deep lists, quotes, emphasis and HTML tags may nest inside each other. Later
/// stages (minification, the redline) walk the HTML recursively, so a 4 KB file of
/// `>>>>>>` must stop here, at its line, rather than overflow the stack there. No real
/// page comes near it (markdown-it stops at the same depth).
pub const MAX_NESTING: usize = 100;

/// Renders a shortcode call, given the call and its body rendered to HTML.
pub type ShortcodeFn<'a> = dyn Fn(&Call, Option<String>) -> Result<String, String> + Sync + 'a;

/// Renders a file's body. `resolve` maps a path under `content/` to the page's URL.
pub fn render(
    file: &SourceFile,
    config: &MarkdownConfig,
    resolve: &dyn Fn(&str) -> Option<String>,
    with_blocks: bool,
) -> Result<Rendered, Vec<Diagnostic>> {
    render_with_shortcodes(file, config, resolve, with_blocks, None)
}

/// Renders a file's body, expanding shortcodes with `shortcode`.
pub fn render_with_shortcodes(
    file: &SourceFile,
    config: &MarkdownConfig,
    resolve: &dyn Fn(&str) -> Option<String>,
    with_blocks: bool,
    shortcode: Option<&ShortcodeFn>,
) -> Result<Rendered, Vec<Diagnostic>> {
    let body = file.body();
    let offset = file.body_range.start;
    let at = |range: Range<usize>| offset + range.start..offset + range.end;
    let calls = match shortcode {
        Some(_) => shortcodes::find(body).map_err(|e| {
            vec![
                Diagnostic::error(&file.display_path, format!("shortcode: {}", e.message))
                    .at_span(&file.text, at(e.span))
                    .with_help("write shortcodes like {{ name(arg=\"value\") }} or {% name() %}...{% end %}"),
            ]
        })?,
        None => Vec::new(),
    };
    let expanded = Expanded::new(body, &calls);
    let (mut rendered, missing) = render_text(&expanded.text, config, resolve, with_blocks);
    if let Some(span) = rendered.too_deep.take() {
        return Err(vec![too_deep_error(file, at(expanded.original(span)))]);
    }
    if !missing.is_empty() {
        return Err(missing
            .into_iter()
            .map(|(target, span)| missing_link_error(file, &target, at(expanded.original(span))))
            .collect());
    }
    for link in &mut rendered.internal_links {
        link.span = at(expanded.original(link.span.clone()));
    }
    if let Some(shortcode) = shortcode.filter(|_| !calls.is_empty()) {
        rendered.has_shortcodes = true;
        let mut outputs = Vec::with_capacity(calls.len());
        let mut errors = Vec::new();
        for call in &calls {
            let body = call
                .body
                .as_deref()
                .map(|b| render_fragment(b, config, resolve));
            let result = match body {
                Some(Err(message)) => Err(message),
                Some(Ok(html)) => shortcode(call, Some(html)),
                None => shortcode(call, None),
            };
            match result {
                Ok(html) => outputs.push(html),
                Err(message) => errors.push(
                    Diagnostic::error(&file.display_path, message)
                        .at_span(&file.text, at(call.span.clone()))
                        .with_help("check the shortcode's name and arguments (templates/shortcodes/NAME.html)"),
                ),
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        rendered.html = substitute(&rendered.html, &outputs);
    }
    if with_blocks {
        split_blocks(&mut rendered);
    }
    Ok(rendered)
}

/// A shortcode body's Markdown as HTML; a link that goes nowhere is an error.
fn render_fragment(
    text: &str,
    config: &MarkdownConfig,
    resolve: &dyn Fn(&str) -> Option<String>,
) -> Result<String, String> {
    let (rendered, missing) = render_text(text, config, resolve, false);
    if rendered.too_deep.is_some() {
        return Err(format!(
            "the shortcode's body is nested more than {MAX_NESTING} levels deep"
        ));
    }
    match missing.first() {
        Some((target, _)) => Err(format!(
            "link to `@/{target}` goes nowhere: there is no content/{target}"
        )),
        None => Ok(rendered.html),
    }
}

/// The body with each shortcode call replaced by a placeholder, and the way back to
/// the original offsets.
struct Expanded {
    text: String,
    /// (start in `text`, placeholder length, original span).
    replaced: Vec<(usize, usize, Range<usize>)>,
}

/// Marks a placeholder; a control character Markdown passes through untouched.
const PLACEHOLDER: char = '\u{1a}';

impl Expanded {
    fn new(body: &str, calls: &[Call]) -> Expanded {
        let mut text = String::with_capacity(body.len());
        let mut replaced = Vec::with_capacity(calls.len());
        let mut last = 0;
        for (i, call) in calls.iter().enumerate() {
            text.push_str(&body[last..call.span.start]);
            let token = format!("{PLACEHOLDER}{i}{PLACEHOLDER}");
            replaced.push((text.len(), token.len(), call.span.clone()));
            text.push_str(&token);
            last = call.span.end;
        }
        text.push_str(&body[last..]);
        Expanded { text, replaced }
    }

    /// Maps a range of `text` back to the body.
    fn original(&self, range: Range<usize>) -> Range<usize> {
        let map = |at: usize| {
            let mut shift: isize = 0;
            for (start, len, span) in &self.replaced {
                if at < *start {
                    break;
                }
                if at < start + len {
                    return span.start;
                }
                shift += span.len() as isize - *len as isize;
            }
            (at as isize + shift) as usize
        };
        map(range.start)..map(range.end).max(map(range.start))
    }
}

/// Puts each shortcode's HTML where its placeholder is; a placeholder alone in a
/// paragraph takes the paragraph's place, so block output is not wrapped in `<p>`.
/// One pass over the HTML, so a page of many shortcodes stays linear.
fn substitute(html: &str, outputs: &[String]) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(at) = rest.find(PLACEHOLDER) {
        let after = &rest[at + PLACEHOLDER.len_utf8()..];
        let digits = after.len() - after.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        let token_end = at + PLACEHOLDER.len_utf8() + digits;
        let output = rest[token_end..]
            .starts_with(PLACEHOLDER)
            .then(|| after[..digits].parse::<usize>().ok())
            .flatten()
            .and_then(|i| outputs.get(i));
        let Some(output) = output else {
            // Not one of ours (an editor typed the character): keep it as it is.
            out.push_str(&rest[..at + PLACEHOLDER.len_utf8()]);
            rest = after;
            continue;
        };
        let end = token_end + PLACEHOLDER.len_utf8();
        let (before, after) = (&rest[..at], &rest[end..]);
        let (before, after) = match (before.strip_suffix("<p>"), after.strip_prefix("</p>")) {
            (Some(before), Some(after)) => (before, after),
            _ => (before, after),
        };
        out.push_str(before);
        out.push_str(output);
        rest = after;
    }
    out.push_str(rest);
    out
}

/// The event pipeline: heading ids and anchors, `@/` links, block marks. Returns the
/// rendering and the `@/` targets that do not exist, with their spans in `text`.
fn render_text(
    text: &str,
    config: &MarkdownConfig,
    resolve: &dyn Fn(&str) -> Option<String>,
    with_blocks: bool,
) -> (Rendered, Vec<(String, Range<usize>)>) {
    let mut options = Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_HEADING_ATTRIBUTES;
    if config.smart_punctuation {
        options |= Options::ENABLE_SMART_PUNCTUATION;
    }
    let mut events: Vec<Event> = Vec::new();
    let mut rendered = Rendered::default();
    let mut missing = Vec::new();
    let mut ids = HeadingIds::default();
    let mut headings: Vec<(u8, String, String)> = Vec::new();
    let mut open_heading: Option<usize> = None;
    let mut depth = 0usize;
    let mut open_tags = OpenTags::default();
    // Where the top-level block being read starts in `events`, and whether it holds
    // HTML to sanitize.
    let (mut block_start, mut block_raw) = (0usize, false);
    for (event, range) in Parser::new_ext(text, options).into_offset_iter() {
        match &event {
            Event::Start(_) => depth += 1,
            Event::End(_) => depth -= 1,
            Event::Html(html) | Event::InlineHtml(html) if config.raw_html != RawHtml::Escape => {
                open_tags.read(html);
                block_raw |= config.raw_html == RawHtml::Sanitize;
            }
            _ => {}
        }
        if depth + open_tags.depth() > MAX_NESTING {
            rendered.too_deep = Some(range);
            return (rendered, missing);
        }
        let block_ends_here = depth == 0;
        match event {
            Event::Html(html) | Event::InlineHtml(html) if config.raw_html == RawHtml::Escape => {
                events.push(Event::Text(html));
            }
            Event::Start(Tag::Heading {
                level,
                id,
                classes,
                attrs,
            }) => {
                open_heading = Some(events.len());
                events.push(Event::Start(Tag::Heading {
                    level,
                    id,
                    classes,
                    attrs,
                }));
            }
            Event::End(TagEnd::Heading(level)) => {
                let start = open_heading
                    .take()
                    .expect("pulldown-cmark balances headings");
                let (id, title) = name_heading(&mut events, start, &mut ids);
                if config.heading_anchors {
                    events.push(Event::Html(anchor_html(&id, config).into()));
                }
                events.push(Event::End(TagEnd::Heading(level)));
                headings.push((heading_level(level), id.clone(), title));
                rendered.ids.push(id);
            }
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                let dest_url = match resolve_link(&dest_url, resolve) {
                    LinkTarget::External => dest_url,
                    LinkTarget::Internal { url, link } => {
                        rendered.internal_links.push(InternalLink {
                            span: range,
                            ..link
                        });
                        url.into()
                    }
                    LinkTarget::Missing(target) => {
                        missing.push((target, range));
                        dest_url
                    }
                };
                events.push(Event::Start(Tag::Link {
                    link_type,
                    dest_url,
                    title,
                    id,
                }));
            }
            other => events.push(other),
        }
        // A top-level block with HTML typed into it is sanitized whole, so that a tag
        // and the tag closing it are judged together.
        if block_ends_here && block_raw {
            let mut written = String::new();
            html::push_html(&mut written, events.drain(block_start..));
            events.push(Event::Html(sanitize(&written).into()));
            block_raw = false;
        }
        if with_blocks && block_ends_here {
            events.push(Event::Html(BLOCK_MARK.to_string().into()));
        }
        if block_ends_here {
            block_start = events.len();
        }
    }
    html::push_html(&mut rendered.html, events.into_iter());
    rendered.toc = nest_headings(&headings);
    (rendered, missing)
}

/// Cleans a block holding HTML typed into Markdown (`raw_html = "sanitize"`) with
/// ammonia's allow-list, which keeps harmless markup and drops scripts, styles, event
/// handlers, forms, frames and `javascript:` URLs. What vellum writes itself around it
/// (heading ids and anchors, table alignment, link targets) is allowed too.
fn sanitize(html: &str) -> String {
    static CLEANER: std::sync::LazyLock<ammonia::Builder<'static>> =
        std::sync::LazyLock::new(|| {
            let mut builder = ammonia::Builder::default();
            builder
                .add_generic_attributes(["id", "class", "aria-label", "aria-hidden", "style"])
                .add_tag_attributes("a", ["target", "rel"])
                .add_tag_attributes("ol", ["start"])
                .link_rel(None)
                // Only the alignment pulldown-cmark writes on table cells; any other style
                // could load addresses or hide text.
                .attribute_filter(|_, attribute, value| match attribute {
                    "style" => matches!(
                        value,
                        "text-align: left" | "text-align: center" | "text-align: right"
                    )
                    .then_some(value.into()),
                    _ => Some(value.into()),
                });
            builder
        });
    CLEANER.clean(html).to_string()
}

/// Removes the block marks from the HTML, remembering where each block ended.
fn split_blocks(rendered: &mut Rendered) {
    let mut html = String::with_capacity(rendered.html.len());
    for block in rendered.html.split(BLOCK_MARK) {
        // The mark made the writer start a new line; drop it to match a plain render.
        let block = match block.strip_prefix('\n') {
            Some(rest) if html.ends_with('\n') => rest,
            _ => block,
        };
        if block.trim().is_empty() {
            html.push_str(block);
            continue;
        }
        html.push_str(block);
        rendered.block_ends.push(html.len());
    }
    // Trailing whitespace after the last block belongs to it.
    if let Some(last) = rendered.block_ends.last_mut() {
        *last = html.len();
    }
    rendered.html = html;
}

fn heading_level(level: HeadingLevel) -> u8 {
    level as u8
}

/// Gives the heading that starts at `events[start]` an id (its own `{#id}` or one made
/// from its text, unique within the page) and returns the id and the plain title.
fn name_heading(events: &mut [Event], start: usize, ids: &mut HeadingIds) -> (String, String) {
    let title: String = events[start + 1..]
        .iter()
        .filter_map(|e| match e {
            Event::Text(t) | Event::Code(t) => Some(t.as_ref()),
            _ => None,
        })
        .collect();
    let Event::Start(Tag::Heading { id, .. }) = &mut events[start] else {
        unreachable!("the event at `start` is the heading's start");
    };
    let wanted = match id {
        // A hand-written `{#id}` is kept if it is a plain name, so it can never break out
        // of the attribute or the anchor link.
        Some(given) if is_plain_id(given) => given.to_string(),
        Some(given) => slug::slugify(given.as_ref()),
        None => {
            let slug = slug::slugify(&title);
            if slug.is_empty() {
                "section".to_string()
            } else {
                slug
            }
        }
    };
    let unique = ids.claim(wanted);
    *id = Some(CowStr::from(unique.clone()));
    (unique, title)
}

/// The ids given so far in a page. Each wanted id remembers the next suffix to try, so
/// 100,000 headings called "Notes" take linear time, not 100,000 retries each.
#[derive(Default)]
struct HeadingIds {
    used: HashSet<String>,
    next_suffix: HashMap<String, usize>,
}

impl HeadingIds {
    fn claim(&mut self, wanted: String) -> String {
        if self.used.insert(wanted.clone()) {
            return wanted;
        }
        let n = self.next_suffix.entry(wanted.clone()).or_insert(1);
        loop {
            let unique = format!("{wanted}-{n}");
            *n += 1;
            if self.used.insert(unique.clone()) {
                return unique;
            }
        }
    }
}

/// The raw HTML elements open so far in a page, to bound their nesting. Counted as the
/// minifier's parser will see them, on the high side: `<div/>` opens a `div` (HTML
/// has no self-closing `div`), and a closing tag closes only the innermost element
/// when its name matches (the minifier drops a mismatched one).
#[derive(Default)]
struct OpenTags(Vec<String>);

impl OpenTags {
    const VOID: &[&str] = &[
        "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr",
    ];

    fn depth(&self) -> usize {
        self.0.len()
    }

    /// Reads one piece of raw HTML; stops early once deeper than [`MAX_NESTING`].
    fn read(&mut self, html: &str) {
        let name_at = |at: usize| {
            let rest = &html[at..];
            let len = rest
                .find(|c: char| !c.is_ascii_alphanumeric() && c != '-')
                .unwrap_or(rest.len());
            rest[..len].to_ascii_lowercase()
        };
        for (at, _) in html.match_indices('<') {
            let rest = &html[at + 1..];
            if let Some(closing) = rest.strip_prefix('/') {
                if closing.starts_with(|c: char| c.is_ascii_alphabetic())
                    && self.0.last() == Some(&name_at(at + 2))
                {
                    self.0.pop();
                }
                continue;
            }
            if !rest.starts_with(|c: char| c.is_ascii_alphabetic()) {
                continue;
            }
            let name = name_at(at + 1);
            if !Self::VOID.contains(&name.as_str()) {
                self.0.push(name);
                if self.depth() > MAX_NESTING {
                    return;
                }
            }
        }
    }
}

fn is_plain_id(id: &str) -> bool {
    !id.is_empty()
        && id
            .chars()
            .all(|c| c.is_alphanumeric() || "-_.:".contains(c))
}

fn anchor_html(id: &str, config: &MarkdownConfig) -> String {
    let label = config
        .anchor_label
        .as_deref()
        .unwrap_or("Link to this section")
        .replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;");
    format!(r##" <a class="heading-anchor" href="#{id}" aria-label="{label}">#</a>"##)
}

enum LinkTarget {
    External,
    Internal { url: String, link: InternalLink },
    Missing(String),
}

fn resolve_link(dest: &str, resolve: &dyn Fn(&str) -> Option<String>) -> LinkTarget {
    let Some(rest) = dest.strip_prefix("@/") else {
        return LinkTarget::External;
    };
    let (target, anchor) = match rest.split_once('#') {
        Some((target, anchor)) => (target, Some(anchor.to_string())),
        None => (rest, None),
    };
    match resolve(target) {
        Some(url) => {
            let url = match &anchor {
                Some(anchor) => format!("{url}#{anchor}"),
                None => url,
            };
            let link = InternalLink {
                target: target.to_string(),
                anchor,
                span: 0..0,
            };
            LinkTarget::Internal { url, link }
        }
        None => LinkTarget::Missing(target.to_string()),
    }
}

fn missing_link_error(file: &SourceFile, target: &str, span: std::ops::Range<usize>) -> Diagnostic {
    Diagnostic::error(
        &file.display_path,
        format!("link to `@/{target}` goes nowhere: there is no content/{target}"),
    )
    .at_span(&file.text, span)
    .with_help(MISSING_LINK_HELP)
}

/// The help of a link that goes nowhere, until the render stage, which knows every
/// page, names the one probably meant.
pub const MISSING_LINK_HELP: &str =
    "check the path under content/ (e.g. @/policies/privacy/_index.md), or remove the link";

/// Turns a flat heading list into a tree: each heading holds the deeper ones after it.
fn nest_headings(flat: &[(u8, String, String)]) -> Vec<Heading> {
    let mut roots: Vec<Heading> = Vec::new();
    for (level, id, title) in flat {
        let heading = Heading {
            level: *level,
            id: id.clone(),
            title: title.clone(),
            children: vec![],
        };
        insert_heading(&mut roots, heading);
    }
    roots
}

fn insert_heading(siblings: &mut Vec<Heading>, heading: Heading) {
    match siblings.last_mut() {
        Some(last) if last.level < heading.level => insert_heading(&mut last.children, heading),
        _ => siblings.push(heading),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn file(body: &str) -> SourceFile {
        SourceFile {
            relative: "a.md".into(),
            display_path: "content/a.md".into(),
            text: Arc::from(body),
            body_range: 0..body.len(),
            ..SourceFile::default()
        }
    }

    fn resolve(path: &str) -> Option<String> {
        (path == "about.md").then(|| "https://x.test/about/".to_string())
    }

    fn render_str(body: &str) -> Result<Rendered, Vec<Diagnostic>> {
        render(&file(body), &MarkdownConfig::default(), &resolve, false)
    }

    #[test]
    fn blocks_split_at_top_level_only() {
        let body = "# T\n\nPara one.\n\n- a\n- b\n\n> quote\n> more\n";
        let out = render(&file(body), &MarkdownConfig::default(), &resolve, true).unwrap();
        let plain = render_str(body).unwrap();
        assert_eq!(out.html, plain.html, "marks are removed");
        assert_eq!(out.block_ends.len(), 4, "{:?}", out.block_ends);
        assert_eq!(*out.block_ends.last().unwrap(), out.html.len());
        let second = &out.html[out.block_ends[0]..out.block_ends[1]];
        assert!(
            second.trim_start().starts_with("<p>Para one.</p>"),
            "{second}"
        );
    }

    #[test]
    fn headings_get_unique_ids_and_anchors() {
        let out = render_str("# Data\n\n## Data\n\n## Your rights {#rights}\n").unwrap();
        assert!(out.html.contains(r#"<h1 id="data">"#), "{}", out.html);
        assert!(out.html.contains(r#"<h2 id="data-1">"#), "{}", out.html);
        assert!(out.html.contains(r#"<h2 id="rights">"#), "{}", out.html);
        assert!(out.html.contains(r##"href="#rights""##), "{}", out.html);
        assert_eq!(out.ids, ["data", "data-1", "rights"]);
    }

    #[test]
    fn many_identical_headings_get_numbered_ids_in_order() {
        let body = "## Notes\n\n".repeat(5) + "## Notes-1\n";
        let out = render_str(&body).unwrap();
        assert_eq!(
            out.ids,
            [
                "notes",
                "notes-1",
                "notes-2",
                "notes-3",
                "notes-4",
                "notes-1-1"
            ]
        );
    }

    #[test]
    fn nesting_deeper_than_the_limit_is_an_error_at_its_line() {
        let body = format!("Intro\n\n{}deep\n", ">".repeat(3000));
        let errors = render_str(&body).unwrap_err();
        assert_eq!(errors[0].line, Some(3), "{}", errors[0]);
        assert!(
            errors[0].message.contains("nested more than"),
            "{}",
            errors[0]
        );
        let list: String = (0..2000)
            .map(|i| format!("{}- x\n", "  ".repeat(i)))
            .collect();
        assert!(render_str(&list).is_err());
        let html = "<div>".repeat(500);
        let allow = MarkdownConfig {
            raw_html: RawHtml::Allow,
            ..Default::default()
        };
        assert!(render(&file(&html), &allow, &resolve, false).is_err());
        // Escaped, the same text is harmless and renders.
        let escape = MarkdownConfig {
            raw_html: RawHtml::Escape,
            ..Default::default()
        };
        assert!(render(&file(&html), &escape, &resolve, false).is_ok());
        let fine = format!("{}fine\n", "> ".repeat(20));
        assert!(render_str(&fine).is_ok());
    }

    #[test]
    fn raw_html_is_sanitized_keeping_harmless_markup() {
        let body = "Line one<br><br>line two, H<sub>2</sub>O and x<sup>2</sup> <script>alert(1)</script><img src=x onerror=alert(1)> [a](javascript:alert(1))\n\n<form action=\"https://evil.example\"><input name=card></form>\n\n<iframe src=\"https://evil.example\"></iframe>\n\n<table><tr><td style=\"background:url(https://track.example)\">cell</td></tr></table>\n\n<details><summary>More</summary>Text</details>\n";
        let out = render_str(body).unwrap();
        for kept in [
            "<br><br>",
            "<sub>2</sub>",
            "<sup>2</sup>",
            "<td>cell</td>",
            "<details><summary>More</summary>Text</details>",
        ] {
            assert!(out.html.contains(kept), "{kept}: {}", out.html);
        }
        for dropped in [
            "<script",
            "alert(1)",
            "onerror",
            "<form",
            "<input",
            "<iframe",
            "track.example",
            "&lt;br",
        ] {
            assert!(!out.html.contains(dropped), "{dropped}: {}", out.html);
        }
        // A block with no HTML is written exactly as before.
        let plain = render_str("## Title\n\n| a | b |\n|:-|-:|\n| 1 | 2 |\n").unwrap();
        assert!(
            plain.html.contains("<th style=\"text-align: left\">a</th>"),
            "{}",
            plain.html
        );
    }

    #[test]
    fn raw_html_is_escaped_when_asked_or_allowed() {
        let body = "Hi <script>alert(1)</script>\n\n<div class=\"x\">block</div>\n";
        let escape = MarkdownConfig {
            raw_html: RawHtml::Escape,
            ..Default::default()
        };
        let out = render(&file(body), &escape, &resolve, false).unwrap();
        assert!(!out.html.contains("<script>"), "{}", out.html);
        assert!(out.html.contains("&lt;script&gt;"), "{}", out.html);
        let allow = MarkdownConfig {
            raw_html: RawHtml::Allow,
            ..Default::default()
        };
        let out = render(&file(body), &allow, &resolve, false).unwrap();
        assert!(
            out.html.contains("<script>alert(1)</script>"),
            "{}",
            out.html
        );
        assert!(out.html.contains(r#"<div class="x">"#), "{}", out.html);
    }

    #[test]
    fn open_tags_are_counted_as_the_minifier_sees_them() {
        let depth = |html: &str| {
            let mut open = OpenTags::default();
            open.read(html);
            open.depth()
        };
        assert_eq!(depth("<div><p>a</p><br><img src=x/>"), 1);
        assert_eq!(depth("a < b <3 <!-- c -->"), 0);
        assert_eq!(depth("<div/><div/>"), 2, "a div never closes itself");
        assert_eq!(
            depth("<div></i><div></i>"),
            2,
            "a mismatched close closes nothing"
        );
        assert_eq!(
            depth(&"<div/>".repeat(200_000)),
            MAX_NESTING + 1,
            "stops early"
        );
    }

    #[test]
    fn toc_nests_deeper_headings() {
        let out = render_str("## A\n### A1\n### A2\n## B\n").unwrap();
        assert_eq!(out.toc.len(), 2);
        assert_eq!(out.toc[0].children.len(), 2);
        assert_eq!(out.toc[0].children[1].title, "A2");
        assert_eq!(out.toc[1].id, "b");
    }

    #[test]
    fn internal_links_resolve_with_anchor() {
        let out = render_str("See [about](@/about.md#team).\n").unwrap();
        assert!(
            out.html.contains(r#"href="https://x.test/about/#team""#),
            "{}",
            out.html
        );
        assert_eq!(out.internal_links[0].anchor.as_deref(), Some("team"));
    }

    #[test]
    fn missing_internal_link_is_an_error_at_its_line() {
        let errors = render_str("Intro\n\nSee [x](@/nowhere.md).\n").unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].line, Some(3));
        assert!(errors[0].message.contains("@/nowhere.md"));
    }

    #[test]
    fn extensions_are_on() {
        let out =
            render_str("| a |\n|---|\n| b |\n\n~~x~~\n\n- [x] done\n\nNote[^1]\n\n[^1]: Foot\n")
                .unwrap();
        for needle in ["<table>", "<del>x</del>", "checkbox", "footnote-definition"] {
            assert!(out.html.contains(needle), "{needle} in {}", out.html);
        }
    }

    #[test]
    fn heading_title_keeps_punctuation_and_id_drops_it() {
        let out = render_str("## Fees & charges\n").unwrap();
        assert_eq!(out.toc[0].title, "Fees & charges");
        assert!(out.html.contains("id=\"fees-charges\""), "{}", out.html);
    }
}
