//! Redlines: what changed between two versions of a policy, as HTML with `<ins>` and
//! `<del>`.
//!
//! The two versions are compared block by block (paragraphs, headings, lists, tables,
//! as rendered), so headings and lists stay intact. Blocks that changed are compared word
//! by word on their HTML tokens, the way htmldiff does: the new version's tags are kept,
//! deleted words are shown struck through, and a deleted run keeps its tags only if they
//! balance, so the result is always well-formed. Sections (from one `<h1>`/`<h2>` to the
//! next) with no change are folded into a `<details>` element.

use similar::{Algorithm, DiffOp, capture_diff_slices};

/// A redline and how much it changed.
#[derive(Debug, Default, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Redline {
    pub html: String,
    /// Words inserted.
    pub inserted: usize,
    /// Words deleted.
    pub deleted: usize,
    /// Sections (by top-level heading) with at least one change.
    pub changed_sections: usize,
}

/// Below this share of equal tokens, a changed block is shown as a whole deletion
/// followed by a whole insertion: word confetti would be harder to read.
pub const MIN_SIMILARITY: f64 = 0.35;

/// Compares two versions, each given as its rendered top-level blocks.
/// The words a redline writes itself, in the page's language (theme strings).
#[derive(Debug, Clone)]
pub struct Labels {
    /// The summary of a folded unchanged section; `{section}` stands for its title.
    pub unchanged: String,
    /// The title of the text before the first heading.
    pub opening: String,
}

impl Default for Labels {
    fn default() -> Labels {
        Labels {
            unchanged: "Unchanged: {section}".to_string(),
            opening: "Opening text".to_string(),
        }
    }
}

pub fn redline(old: &[&str], new: &[&str], labels: &Labels) -> Redline {
    let mut items: Vec<Item> = Vec::new();
    let mut counts = Counts::default();
    for op in capture_diff_slices(Algorithm::Patience, old, new) {
        match op {
            DiffOp::Equal { new_index, len, .. } => {
                for block in &new[new_index..new_index + len] {
                    items.push(Item::unchanged(block));
                }
            }
            DiffOp::Delete {
                old_index, old_len, ..
            } => {
                for block in &old[old_index..old_index + old_len] {
                    items.push(whole_block(block, Change::Delete, &mut counts));
                }
            }
            DiffOp::Insert {
                new_index, new_len, ..
            } => {
                for block in &new[new_index..new_index + new_len] {
                    items.push(whole_block(block, Change::Insert, &mut counts));
                }
            }
            DiffOp::Replace {
                old_index,
                old_len,
                new_index,
                new_len,
            } => {
                let olds = &old[old_index..old_index + old_len];
                let news = &new[new_index..new_index + new_len];
                replace_blocks(olds, news, &mut items, &mut counts);
            }
        }
    }
    let (html, changed_sections) = fold_unchanged_sections(&items, labels);
    Redline {
        html,
        inserted: counts.inserted,
        deleted: counts.deleted,
        changed_sections,
    }
}

#[derive(Default)]
struct Counts {
    inserted: usize,
    deleted: usize,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Change {
    Insert,
    Delete,
}

impl Change {
    fn tag(self) -> &'static str {
        match self {
            Change::Insert => "ins",
            Change::Delete => "del",
        }
    }
}

impl Counts {
    fn add(&mut self, change: Change, words: usize) {
        match change {
            Change::Insert => self.inserted += words,
            Change::Delete => self.deleted += words,
        }
    }
}

/// One block of the redline.
struct Item {
    html: String,
    changed: bool,
    /// Title of the section this block opens (`<h1>`/`<h2>` of the new version).
    opens_section: Option<String>,
}

impl Item {
    fn unchanged(block: &str) -> Item {
        Item {
            html: block.to_string(),
            changed: false,
            opens_section: section_title(block),
        }
    }
}

fn whole_block(block: &str, change: Change, counts: &mut Counts) -> Item {
    let body = mark_whole(block, change, counts);
    let tag = change.tag();
    Item {
        html: format!("<{tag} class=\"redline-block\">{body}</{tag}>"),
        changed: true,
        opens_section: (change == Change::Insert)
            .then(|| section_title(block))
            .flatten(),
    }
}

/// Counts the words of HTML shown whole as inserted or deleted; deleted HTML is made
/// inert (see [`strip_ids`]).
fn mark_whole(html: &str, change: Change, counts: &mut Counts) -> String {
    counts.add(
        change,
        tokenize(html).iter().filter(|t| t.is_word()).count(),
    );
    match change {
        Change::Delete => strip_ids(html),
        Change::Insert => html.to_string(),
    }
}

/// Pairs the blocks of a replaced run in order; unpaired or dissimilar blocks are shown
/// whole.
fn replace_blocks(olds: &[&str], news: &[&str], items: &mut Vec<Item>, counts: &mut Counts) {
    let paired = olds.len().min(news.len());
    for (old, new) in olds.iter().zip(news) {
        if block_kind(old) != block_kind(new) {
            items.push(whole_block(old, Change::Delete, counts));
            items.push(whole_block(new, Change::Insert, counts));
            continue;
        }
        if let (Some(old_list), Some(new_list)) = (split_list(old), split_list(new)) {
            let html = list_diff(&old_list, &new_list, counts);
            items.push(Item {
                html,
                changed: true,
                opens_section: None,
            });
            continue;
        }
        match word_diff(old, new, counts) {
            Some(html) => items.push(Item {
                html,
                changed: true,
                opens_section: section_title(new),
            }),
            None => {
                items.push(whole_block(old, Change::Delete, counts));
                items.push(whole_block(new, Change::Insert, counts));
            }
        }
    }
    for old in &olds[paired..] {
        items.push(whole_block(old, Change::Delete, counts));
    }
    for new in &news[paired..] {
        items.push(whole_block(new, Change::Insert, counts));
    }
}

/// A list split into its opening tag, its items (each with the whitespace after it)
/// and its closing tag.
struct List<'a> {
    open: &'a str,
    items: Vec<&'a str>,
    close: &'a str,
}

/// Splits `<ul>...</ul>` or `<ol>...</ol>` into top-level items; `None` for other blocks.
fn split_list(block: &str) -> Option<List<'_>> {
    let lead = block.len() - block.trim_start().len();
    let kind = block_kind(block);
    if kind != "ul" && kind != "ol" {
        return None;
    }
    let open_end = lead + block[lead..].find('>')? + 1;
    let close_start = block.rfind("</")?;
    let inner = &block[open_end..close_start];
    let mut items = Vec::new();
    let (mut depth, mut start, mut offset) = (0usize, 0usize, 0usize);
    for token in tokenize(inner) {
        let end = offset + token.text.len();
        if token.kind == Kind::Tag && tag_name(token.text) == "li" {
            if token.text.starts_with("</") {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    // The item runs to its closing tag plus the line break after it.
                    let rest = &inner[end..];
                    let gap = rest.len() - rest.trim_start().len();
                    items.push(&inner[start..end + gap]);
                    start = end + gap;
                }
            } else {
                if depth == 0 && offset > start {
                    // Whitespace before the first item belongs to the opening tag.
                    if items.is_empty() && inner[start..offset].trim().is_empty() {
                        start = offset;
                    } else {
                        return None;
                    }
                }
                depth += 1;
            }
        }
        offset = end;
    }
    if depth != 0 || !inner[start..].trim().is_empty() {
        return None;
    }
    Some(List {
        open: &block[..open_end],
        items,
        close: &block[close_start..],
    })
}

/// Compares two lists item by item, so that an added or removed item stays an item.
fn list_diff(old: &List, new: &List, counts: &mut Counts) -> String {
    let mut out = String::from(new.open);
    for op in capture_diff_slices(Algorithm::Patience, &old.items, &new.items) {
        match op {
            DiffOp::Equal { new_index, len, .. } => {
                new.items[new_index..new_index + len]
                    .iter()
                    .for_each(|i| out.push_str(i));
            }
            DiffOp::Delete {
                old_index, old_len, ..
            } => {
                for item in &old.items[old_index..old_index + old_len] {
                    out.push_str(&whole_item(item, Change::Delete, counts));
                }
            }
            DiffOp::Insert {
                new_index, new_len, ..
            } => {
                for item in &new.items[new_index..new_index + new_len] {
                    out.push_str(&whole_item(item, Change::Insert, counts));
                }
            }
            DiffOp::Replace {
                old_index,
                old_len,
                new_index,
                new_len,
            } => {
                let olds = &old.items[old_index..old_index + old_len];
                let news = &new.items[new_index..new_index + new_len];
                for (o, n) in olds.iter().zip(news) {
                    match word_diff(o, n, counts) {
                        Some(html) => out.push_str(&html),
                        None => {
                            out.push_str(&whole_item(o, Change::Delete, counts));
                            out.push_str(&whole_item(n, Change::Insert, counts));
                        }
                    }
                }
                for o in &olds[news.len().min(olds.len())..] {
                    out.push_str(&whole_item(o, Change::Delete, counts));
                }
                for n in &news[olds.len().min(news.len())..] {
                    out.push_str(&whole_item(n, Change::Insert, counts));
                }
            }
        }
    }
    out.push_str(new.close);
    out
}

/// A whole list item added or removed: `<li><ins>...</ins></li>`.
fn whole_item(item: &str, change: Change, counts: &mut Counts) -> String {
    let open_end = item.find('>').map_or(0, |i| i + 1);
    let close_start = item.rfind("</li>").unwrap_or(item.len());
    let inner = mark_whole(&item[open_end..close_start], change, counts);
    let tag = change.tag();
    format!(
        "{}<{tag}>{inner}</{tag}>{}",
        &item[..open_end],
        &item[close_start..]
    )
}

/// Word-level diff of two versions of one block; `None` if they are too different.
fn word_diff(old: &str, new: &str, counts: &mut Counts) -> Option<String> {
    let old_tokens = tokenize(old);
    let new_tokens = tokenize(new);
    let ops = capture_diff_slices(Algorithm::Myers, &old_tokens, &new_tokens);
    // Similarity counts words only: shared spaces and tags say nothing about meaning.
    let words = |tokens: &[Token]| tokens.iter().filter(|t| t.is_word()).count();
    let equal: usize = ops
        .iter()
        .map(|op| match op {
            DiffOp::Equal { new_index, len, .. } => words(&new_tokens[*new_index..new_index + len]),
            _ => 0,
        })
        .sum();
    let longest = words(&old_tokens).max(words(&new_tokens));
    if longest > 0 && (equal as f64) / (longest as f64) < MIN_SIMILARITY {
        return None;
    }
    // In tables and lists, deleted text whose tags do not balance would land between
    // cells or items; show such a block as replaced whole instead.
    let structured = matches!(block_kind(new), "table" | "ul" | "ol" | "dl");
    let merged = merge_space_runs(&ops, &new_tokens);
    if structured
        && merged.iter().any(|op| match op {
            DiffOp::Delete {
                old_index, old_len, ..
            }
            | DiffOp::Replace {
                old_index, old_len, ..
            } => !tags_balance(&old_tokens[*old_index..old_index + old_len]),
            _ => false,
        })
    {
        return None;
    }
    let mut out = String::with_capacity(new.len() + 64);
    for op in merged {
        match op {
            DiffOp::Equal { new_index, len, .. } => {
                new_tokens[new_index..new_index + len]
                    .iter()
                    .for_each(|t| out.push_str(t.text));
            }
            DiffOp::Delete {
                old_index, old_len, ..
            } => {
                emit_deleted(
                    &old_tokens[old_index..old_index + old_len],
                    &mut out,
                    counts,
                );
            }
            DiffOp::Insert {
                new_index, new_len, ..
            } => {
                emit_inserted(
                    &new_tokens[new_index..new_index + new_len],
                    &mut out,
                    counts,
                );
            }
            DiffOp::Replace {
                old_index,
                old_len,
                new_index,
                new_len,
            } => {
                emit_deleted(
                    &old_tokens[old_index..old_index + old_len],
                    &mut out,
                    counts,
                );
                emit_inserted(
                    &new_tokens[new_index..new_index + new_len],
                    &mut out,
                    counts,
                );
            }
        }
    }
    Some(out)
}

/// Joins changes separated only by spaces into one change, so "as long as" -> "the
/// period" reads as one replacement instead of interleaved fragments.
fn merge_space_runs(ops: &[DiffOp], new_tokens: &[Token]) -> Vec<DiffOp> {
    let mut merged: Vec<DiffOp> = Vec::with_capacity(ops.len());
    let ranges = |op: &DiffOp| (op.old_range(), op.new_range());
    let mut i = 0;
    while i < ops.len() {
        let op = ops[i];
        let is_change = !matches!(op, DiffOp::Equal { .. });
        let spaces_only = |op: &DiffOp| match op {
            DiffOp::Equal { new_index, len, .. } => new_tokens[*new_index..new_index + len]
                .iter()
                .all(|t| t.kind == Kind::Space),
            _ => false,
        };
        let joins =
            |prev: Option<&DiffOp>| prev.is_some_and(|p| !matches!(p, DiffOp::Equal { .. }));
        if (is_change
            || (spaces_only(&op)
                && joins(merged.last())
                && ops
                    .get(i + 1)
                    .is_some_and(|n| !matches!(n, DiffOp::Equal { .. }))))
            && let Some(last) = merged.last_mut()
            && !matches!(last, DiffOp::Equal { .. })
        {
            let (old_a, new_a) = ranges(last);
            let (old_b, new_b) = ranges(&op);
            *last = DiffOp::Replace {
                old_index: old_a.start,
                old_len: old_b.end - old_a.start,
                new_index: new_a.start,
                new_len: new_b.end - new_a.start,
            };
        } else {
            merged.push(op);
        }
        i += 1;
    }
    merged
}

/// Inserted tokens belong to the new version: tags are kept, text runs wrapped in `<ins>`.
fn emit_inserted(tokens: &[Token], out: &mut String, counts: &mut Counts) {
    counts.add(
        Change::Insert,
        tokens.iter().filter(|t| t.is_word()).count(),
    );
    wrap_text_runs(tokens, "ins", true, out);
}

/// Deleted tokens keep their tags only if those balance within the run (a whole deleted
/// list item stays a list item); otherwise only their text is shown.
fn emit_deleted(tokens: &[Token], out: &mut String, counts: &mut Counts) {
    counts.add(
        Change::Delete,
        tokens.iter().filter(|t| t.is_word()).count(),
    );
    wrap_text_runs(tokens, "del", tags_balance(tokens), out);
}

fn wrap_text_runs(tokens: &[Token], tag: &str, keep_tags: bool, out: &mut String) {
    // The text of the run being marked: written out when it closes, once it is known
    // whether it holds a word or only punctuation.
    let mut run: Option<String> = None;
    // Spaces inside a run wait here, so that a run never ends with a marked space.
    let mut pending = String::new();
    for token in tokens {
        match token.kind {
            Kind::Space if run.is_some() => pending.push_str(token.text),
            Kind::Tag => {
                if let Some(text) = run.take() {
                    close_run(tag, &text, out);
                }
                out.push_str(&std::mem::take(&mut pending));
                if keep_tags {
                    if tag == "del" {
                        out.push_str(&strip_ids(token.text));
                    } else {
                        out.push_str(token.text);
                    }
                }
            }
            Kind::Space => out.push_str(token.text),
            _ => {
                let text = run.get_or_insert_with(String::new);
                text.push_str(&std::mem::take(&mut pending));
                text.push_str(token.text);
            }
        }
    }
    if let Some(text) = run.take() {
        close_run(tag, &text, out);
    }
    out.push_str(&pending);
}

/// Writes one marked run. A run of punctuation alone (a comma become a semicolon, a
/// full stop added) gets the class `redline-punct`, which the theme draws as a boxed
/// mark: an underline or strike-through on a single comma is all but invisible, and
/// such a change can turn a list's meaning.
fn close_run(tag: &str, text: &str, out: &mut String) {
    if is_punctuation_only(text) {
        out.push_str(&format!("<{tag} class=\"redline-punct\">{text}</{tag}>"));
    } else {
        out.push_str(&format!("<{tag}>{text}</{tag}>"));
    }
}

/// True when escaped HTML text has no letter or digit (its character references, such
/// as `&amp;`, count as the one character they stand for).
fn is_punctuation_only(text: &str) -> bool {
    let mut rest = text;
    let mut any = false;
    while let Some(c) = rest.chars().next() {
        if c == '&'
            && let Some(end) = rest.find(';').filter(|&end| end <= 10)
        {
            rest = &rest[end + 1..];
            any = true;
            continue;
        }
        if c.is_alphanumeric() {
            return false;
        }
        any |= !c.is_whitespace();
        rest = &rest[c.len_utf8()..];
    }
    any
}

const VOID_TAGS: &[&str] = &["br", "hr", "img", "input", "wbr", "col", "source"];

fn tags_balance(tokens: &[Token]) -> bool {
    let mut stack: Vec<&str> = Vec::new();
    for token in tokens.iter().filter(|t| t.kind == Kind::Tag) {
        let name = tag_name(token.text);
        if token.text.starts_with("</") {
            if stack.pop() != Some(name) {
                return false;
            }
        } else if !VOID_TAGS.contains(&name) && !token.text.ends_with("/>") {
            stack.push(name);
        }
    }
    stack.is_empty()
}

fn tag_name(tag: &str) -> &str {
    let inner = tag.trim_start_matches('<').trim_start_matches('/');
    let end = inner
        .find(|c: char| c.is_whitespace() || c == '>' || c == '/')
        .unwrap_or(inner.len());
    &inner[..end]
}

/// The element name a block starts with: `p`, `h2`, `ul`...
fn block_kind(block: &str) -> &str {
    tag_name(block.trim_start())
}

/// The text of an `<h1>` or `<h2>` block, without its anchor link.
fn section_title(block: &str) -> Option<String> {
    let kind = block_kind(block);
    if kind != "h1" && kind != "h2" {
        return None;
    }
    let text: String = tokenize(block)
        .iter()
        .filter(|t| t.kind != Kind::Tag)
        .map(|t| t.text)
        .collect();
    Some(text.trim().trim_end_matches('#').trim().to_string())
}

/// Makes deleted HTML inert: removes `id` attributes (so deleted headings don't duplicate
/// ids of the new text) and the heading anchor links that pointed at them.
fn strip_ids(html: &str) -> String {
    strip_attribute_ids(&strip_heading_anchors(html))
}

fn strip_heading_anchors(html: &str) -> String {
    const START: &str = "<a class=\"heading-anchor\"";
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(at) = rest.find(START) {
        out.push_str(rest[..at].trim_end_matches(' '));
        rest = match rest[at..].find("</a>") {
            Some(end) => &rest[at + end + 4..],
            None => "",
        };
    }
    out.push_str(rest);
    out
}

fn strip_attribute_ids(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(at) = rest.find(" id=\"") {
        out.push_str(&rest[..at]);
        let after = &rest[at + 5..];
        rest = match after.find('"') {
            Some(end) => &after[end + 1..],
            None => "",
        };
    }
    out.push_str(rest);
    out
}

/// Folds runs of unchanged sections into `<details>`; returns the HTML and the number of
/// changed sections.
fn fold_unchanged_sections(items: &[Item], labels: &Labels) -> (String, usize) {
    let escape = |text: &str| {
        text.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    };
    let (before, after) = labels
        .unchanged
        .split_once("{section}")
        .unwrap_or((labels.unchanged.as_str(), ""));
    let (before, after, opening) = (escape(before), escape(after), escape(&labels.opening));
    let mut sections: Vec<(Option<&str>, &[Item])> = Vec::new();
    let mut start = 0;
    for (i, item) in items.iter().enumerate() {
        if item.opens_section.is_some() && i > start {
            sections.push((items[start].opens_section.as_deref(), &items[start..i]));
            start = i;
        }
    }
    if start < items.len() {
        sections.push((items[start].opens_section.as_deref(), &items[start..]));
    }
    let mut html = String::new();
    let mut changed = 0;
    for (title, blocks) in sections {
        if blocks.iter().any(|b| b.changed) {
            changed += 1;
            blocks.iter().for_each(|b| html.push_str(&b.html));
            continue;
        }
        // The section's title is its heading's HTML, already escaped.
        let title = title.unwrap_or(&opening);
        html.push_str("<details class=\"redline-unchanged\"><summary>");
        html.push_str(&before);
        html.push_str(title);
        html.push_str(&after);
        html.push_str("</summary>");
        blocks.iter().for_each(|b| html.push_str(&b.html));
        html.push_str("</details>");
    }
    (html, changed)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Kind {
    Tag,
    Word,
    Space,
    Punct,
}

/// A piece of HTML: a whole tag, a word, a run of spaces, or one punctuation mark (or
/// entity), so that "policy." and "policy," differ only in their last token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct Token<'a> {
    kind: Kind,
    text: &'a str,
}

impl Token<'_> {
    fn is_word(&self) -> bool {
        self.kind == Kind::Word
    }
}

fn tokenize(html: &str) -> Vec<Token<'_>> {
    let mut tokens = Vec::new();
    let bytes = html.as_bytes();
    let mut i = 0;
    while i < html.len() {
        let rest = &html[i..];
        let c = rest.chars().next().expect("i is inside the string");
        let (kind, len) = if c == '<' {
            (Kind::Tag, rest.find('>').map_or(rest.len(), |e| e + 1))
        } else if c == '&' {
            let entity = rest
                .find(';')
                .filter(|&e| e < 10 && !rest[1..e].contains(' '));
            (Kind::Punct, entity.map_or(1, |e| e + 1))
        } else if c.is_whitespace() {
            (
                Kind::Space,
                rest.find(|c: char| !c.is_whitespace())
                    .unwrap_or(rest.len()),
            )
        } else if c.is_alphanumeric() {
            (
                Kind::Word,
                rest.find(|c: char| !c.is_alphanumeric())
                    .unwrap_or(rest.len()),
            )
        } else {
            (Kind::Punct, c.len_utf8())
        };
        tokens.push(Token {
            kind,
            text: &html[i..i + len],
        });
        i += len;
        debug_assert!(i <= bytes.len());
    }
    tokens
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changed_words_are_marked_inserted_and_deleted() {
        let r = redline(
            &["<p>We keep data for one year.</p>"],
            &["<p>We keep data for two years.</p>"],
            &Labels::default(),
        );
        assert!(
            r.html.contains("<del>one year</del><ins>two years</ins>"),
            "{}",
            r.html
        );
        assert_eq!((r.inserted, r.deleted), (2, 2));
    }

    #[test]
    fn unchanged_sections_fold_and_changed_ones_stay_open() {
        let old = [
            "<h2 id=\"a\">Alpha</h2>",
            "<p>same</p>",
            "<h2 id=\"b\">Beta</h2>",
            "<p>old text here</p>",
        ];
        let new = [
            "<h2 id=\"a\">Alpha</h2>",
            "<p>same</p>",
            "<h2 id=\"b\">Beta</h2>",
            "<p>new text here</p>",
        ];
        let r = redline(&old, &new, &Labels::default());
        assert!(
            r.html.starts_with(
                "<details class=\"redline-unchanged\"><summary>Unchanged: Alpha</summary>"
            ),
            "{}",
            r.html
        );
        assert!(
            r.html
                .contains("<h2 id=\"b\">Beta</h2><p><del>old</del><ins>new</ins> text here</p>"),
            "{}",
            r.html
        );
        assert_eq!(r.changed_sections, 1);
    }

    #[test]
    fn inserted_list_item_keeps_list_structure() {
        let r = redline(
            &["<ul>\n<li>name</li>\n</ul>"],
            &["<ul>\n<li>name</li>\n<li>phone number</li>\n</ul>"],
            &Labels::default(),
        );
        assert!(
            r.html.contains("<li><ins>phone number</ins></li>"),
            "{}",
            r.html
        );
    }

    #[test]
    fn deleted_list_item_stays_a_list_item() {
        let r = redline(
            &["<ul>\n<li>name</li>\n<li>address</li>\n</ul>"],
            &["<ul>\n<li>name</li>\n</ul>"],
            &Labels::default(),
        );
        assert!(r.html.contains("<li><del>address</del></li>"), "{}", r.html);
        assert!(tags_balance(&tokenize(&r.html)), "{}", r.html);
    }

    #[test]
    fn removed_section_is_one_deleted_block_without_ids() {
        let anchored = "<h2 id=\"gone\">Gone <a class=\"heading-anchor\" href=\"#gone\" aria-label=\"Link to this section\">#</a></h2>";
        let r = redline(
            &[anchored, "<p>kept</p>"],
            &["<p>kept</p>"],
            &Labels::default(),
        );
        assert!(
            r.html
                .contains("<del class=\"redline-block\"><h2>Gone</h2></del>"),
            "{}",
            r.html
        );
        let r = redline(
            &[
                "<h2 id=\"a\">Alpha</h2>",
                "<h2 id=\"cookies\">Cookies</h2>",
                "<p>We use cookies.</p>",
            ],
            &["<h2 id=\"a\">Alpha</h2>"],
            &Labels::default(),
        );
        assert!(
            r.html
                .contains("<del class=\"redline-block\"><h2>Cookies</h2></del>"),
            "{}",
            r.html
        );
        assert!(!r.html.contains("id=\"cookies\""), "{}", r.html);
        assert_eq!(r.deleted, 4);
    }

    #[test]
    fn changed_link_target_keeps_new_link_balanced() {
        let r = redline(
            &["<p>See <a href=\"/old/\">our page</a> now.</p>"],
            &["<p>See <a href=\"/new/\">our page</a> now.</p>"],
            &Labels::default(),
        );
        assert!(
            r.html.contains("<a href=\"/new/\">our page</a>"),
            "{}",
            r.html
        );
        assert!(!r.html.contains("/old/"), "{}", r.html);
        assert!(tags_balance(&tokenize(&r.html)));
    }

    #[test]
    fn very_different_blocks_are_replaced_whole() {
        let r = redline(
            &["<p>Alpha beta gamma delta.</p>"],
            &["<p>Completely other words here.</p>"],
            &Labels::default(),
        );
        assert!(
            r.html.contains("<del class=\"redline-block\"><p>Alpha"),
            "{}",
            r.html
        );
        assert!(
            r.html
                .contains("<ins class=\"redline-block\"><p>Completely"),
            "{}",
            r.html
        );
    }

    #[test]
    fn replaced_phrase_reads_as_one_change() {
        let r = redline(
            &["<p>We keep it for as long as necessary to ship.</p>"],
            &["<p>We keep it for the period necessary to ship.</p>"],
            &Labels::default(),
        );
        assert!(
            r.html
                .contains("for <del>as long as</del><ins>the period</ins> necessary"),
            "{}",
            r.html
        );
    }

    #[test]
    fn a_punctuation_only_change_is_marked_as_such_and_a_word_change_is_not() {
        let r = redline(
            &["<p>We share it with couriers, and payment providers.</p>"],
            &["<p>We share it with couriers; and payment providers &amp; banks.</p>"],
            &Labels::default(),
        );
        assert!(
            r.html.contains(
                "couriers<del class=\"redline-punct\">,</del><ins class=\"redline-punct\">;</ins>"
            ),
            "{}",
            r.html
        );
        assert!(r.html.contains("<ins>&amp; banks</ins>"), "{}", r.html);
        assert!(is_punctuation_only("&amp;"));
        assert!(is_punctuation_only(" – "));
        assert!(!is_punctuation_only("3."));
        assert!(!is_punctuation_only(" "));
    }

    #[test]
    fn removed_last_item_is_a_deleted_item_and_the_edit_before_it_is_a_word_change() {
        let old =
            "<ul>\n<li>delivery;</li>\n<li>payment;</li>\n<li>marketing partners.</li>\n</ul>\n";
        let new = "<ul>\n<li>delivery;</li>\n<li>payment.</li>\n</ul>\n";
        let r = redline(&[old], &[new], &Labels::default());
        assert!(
            r.html.contains(
                "<li>payment<del class=\"redline-punct\">;</del><ins class=\"redline-punct\">.</ins></li>"
            ),
            "{}",
            r.html
        );
        assert!(
            r.html.contains("<li><del>marketing partners.</del></li>"),
            "{}",
            r.html
        );
        assert!(
            r.html.starts_with("<ul>") && r.html.trim_end().ends_with("</ul>"),
            "{}",
            r.html
        );
        assert!(tags_balance(&tokenize(&r.html)), "{}", r.html);
    }

    #[test]
    fn nested_lists_split_only_at_top_level_items() {
        let list =
            split_list("<ul>\n<li>a<ul>\n<li>a1</li>\n</ul>\n</li>\n<li>b</li>\n</ul>\n").unwrap();
        assert_eq!(list.items.len(), 2, "{:?}", list.items);
        assert!(list.items[0].contains("a1"));
    }

    #[test]
    fn inserted_words_do_not_underline_the_space_after_them() {
        let r = redline(
            &["<p>We retain data.</p>"],
            &["<p>We only retain data.</p>"],
            &Labels::default(),
        );
        assert!(r.html.contains("We <ins>only</ins> retain"), "{}", r.html);
    }

    #[test]
    fn table_edits_that_cross_cells_replace_the_table_whole() {
        let old = "<table><tr><td>a b c</td><td>x</td></tr><tr><td>d</td><td>e</td></tr></table>";
        let new = "<table><tr><td>a b c</td><td>x</td></tr></table>";
        let r = redline(&[old], &[new], &Labels::default());
        assert!(tags_balance(&tokenize(&r.html)), "{}", r.html);
        assert!(!r.html.contains("</tr><del>"), "{}", r.html);
    }

    #[test]
    fn identical_versions_have_no_changes() {
        let r = redline(&["<p>x</p>"], &["<p>x</p>"], &Labels::default());
        assert_eq!((r.inserted, r.deleted, r.changed_sections), (0, 0, 0));
    }
}
