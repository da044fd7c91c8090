//! Redlines: what changed between two versions of a policy, as HTML with `<ins>` and
//! `<del>`.
//!
//! The two versions are compared block by block (paragraphs, headings, lists, tables,
//! as rendered), so headings and lists stay intact. Blocks that changed are compared word
//! by word on their HTML tokens, the way htmldiff does: the new version's tags are kept,
//! deleted words are shown struck through, and a deleted run keeps its tags only if they
//! balance, so the result is always well-formed. Sections (from one `<h1>`/`<h2>` to the
//! next) with no change are folded into a `<details>` element.

use std::borrow::Cow;

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
    /// Links whose target changed, was added or was removed, with their words unchanged.
    pub links_changed: usize,
    /// Blocks whose form changed (a paragraph become a list item or a heading, or back).
    pub forms_changed: usize,
}

/// Below this share of equal tokens, a changed block is shown as a whole deletion
/// followed by a whole insertion: word confetti would be harder to read.
pub const MIN_SIMILARITY: f64 = 0.35;

/// The words a redline writes itself, in the page's language (theme strings).
#[derive(Debug, Clone)]
pub struct Labels {
    /// The summary of a folded unchanged section; `{section}` stands for its title.
    pub unchanged: String,
    /// The title of the text before the first heading.
    pub opening: String,
    /// Said of a block that was a paragraph, a list item or a heading before.
    pub was_paragraph: String,
    pub was_list_item: String,
    pub was_heading: String,
    /// Said after a link whose target changed; `{href}` stands for the old target.
    pub link_was: String,
    /// Said after a link that was not a link before.
    pub link_added: String,
}

impl Default for Labels {
    fn default() -> Labels {
        Labels {
            unchanged: "Unchanged: {section}".to_string(),
            opening: "Opening text".to_string(),
            was_paragraph: "was a paragraph".to_string(),
            was_list_item: "was a list item".to_string(),
            was_heading: "was a heading".to_string(),
            link_was: "link changed, was {href}".to_string(),
            link_added: "link added".to_string(),
        }
    }
}

/// Compares two versions, each given as its rendered top-level blocks.
///
/// Lists and tables are compared by their items and rows (flattened into one sequence
/// of units with the other blocks), so an item or a row added, removed or changed is
/// shown as such, and a paragraph that became a list item or a heading is paired with
/// it, whatever the blocks around it.
pub fn redline(old: &[&str], new: &[&str], labels: &Labels) -> Redline {
    let old = Flat::of(old);
    let new = Flat::of(new);
    let mut out = Emitter::new(&new, labels);
    let old_html: Vec<&str> = old.units.iter().map(|u| u.html).collect();
    let new_html: Vec<&str> = new.units.iter().map(|u| u.html).collect();
    for op in capture_diff_slices(Algorithm::Patience, &old_html, &new_html) {
        match op {
            DiffOp::Equal { new_index, len, .. } => {
                for j in new_index..new_index + len {
                    out.unchanged(j);
                }
            }
            DiffOp::Delete {
                old_index, old_len, ..
            } => {
                for unit in &old.units[old_index..old_index + old_len] {
                    out.deleted(unit);
                }
            }
            DiffOp::Insert {
                new_index, new_len, ..
            } => {
                for j in new_index..new_index + new_len {
                    out.inserted(j);
                }
            }
            DiffOp::Replace {
                old_index,
                old_len,
                new_index,
                new_len,
            } => {
                let olds = &old.units[old_index..old_index + old_len];
                let news = &new.units[new_index..new_index + new_len];
                for step in align(olds, news) {
                    match step {
                        Step::Delete(i) => out.deleted(&olds[i]),
                        Step::Insert(j) => out.inserted(new_index + j),
                        Step::Pair(i, j) => out.paired(&olds[i], new_index + j),
                    }
                }
            }
        }
    }
    out.finish()
}

/// Where a unit stands: among the blocks, in a list or in a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    Top,
    List,
    Table,
}

/// One unit of comparison: a block, one top-level item of a list, or one row of a table.
#[derive(Debug, Clone, Copy)]
struct Unit<'a> {
    /// The whole unit, with the whitespace after it.
    html: &'a str,
    /// Its element: `p`, `h2`, `li`, `tr`, `pre`...
    kind: &'a str,
    /// What encloses an item or a row (`<ul>`, `<table>`...), to show it outside one.
    parent_open: &'a str,
}

impl Unit<'_> {
    fn place(&self) -> Place {
        match self.kind {
            "li" => Place::List,
            "tr" => Place::Table,
            _ => Place::Top,
        }
    }
}

/// A version's units, and the new version's order of units and the list and table tags
/// around them (glue), so the redline keeps the new version's structure.
enum Piece<'a> {
    /// Markup between units, and where the units after it stand.
    Glue(&'a str, Place),
    Unit,
}

struct Flat<'a> {
    units: Vec<Unit<'a>>,
    pieces: Vec<Piece<'a>>,
    /// Index into `pieces` of each unit.
    unit_piece: Vec<usize>,
}

impl<'a> Flat<'a> {
    fn of(blocks: &[&'a str]) -> Flat<'a> {
        let mut flat = Flat {
            units: Vec::new(),
            pieces: Vec::new(),
            unit_piece: Vec::new(),
        };
        for block in blocks {
            let kind = block_kind(block);
            let split = match kind {
                "ul" | "ol" => split_children(block, &["li"], &[]).map(|l| (l, Place::List)),
                "table" => split_rows(block).map(|l| (l, Place::Table)),
                _ => None,
            };
            let Some((parts, place)) = split else {
                flat.unit(block, kind, "");
                continue;
            };
            for (glue, item) in parts.glue.iter().zip(&parts.items) {
                if !glue.is_empty() {
                    flat.pieces.push(Piece::Glue(glue, place));
                }
                flat.unit(item, block_kind(item), parts.open);
            }
            flat.pieces.push(Piece::Glue(parts.close, Place::Top));
        }
        flat
    }

    fn unit(&mut self, html: &'a str, kind: &'a str, parent_open: &'a str) {
        self.unit_piece.push(self.pieces.len());
        self.pieces.push(Piece::Unit);
        self.units.push(Unit {
            html,
            kind,
            parent_open,
        });
    }
}

/// An element split into its children: `glue[k]` is the markup before child `k`
/// (`glue[0]` starts with the element's opening tag `open`; in a table, `<thead>`,
/// `</thead><tbody>`... come between rows), `close` the markup after the last child.
struct Children<'a> {
    open: &'a str,
    glue: Vec<&'a str>,
    items: Vec<&'a str>,
    close: &'a str,
}

/// Splits an element into its top-level children named in `child` (each with the
/// whitespace after it); between them only the tags in `between` may stand. `None`
/// when the element holds anything else at its top level, or no child.
fn split_children<'a>(block: &'a str, child: &[&str], between: &[&str]) -> Option<Children<'a>> {
    let lead = block.len() - block.trim_start().len();
    let open_end = lead + block[lead..].find('>')? + 1;
    let close_start = block.trim_end().rfind("</")?;
    if close_start < open_end {
        return None;
    }
    let inner = &block[open_end..close_start];
    let mut glue = Vec::new();
    let mut items = Vec::new();
    let (mut depth, mut start, mut glue_start, mut offset) = (0usize, 0usize, 0usize, 0usize);
    // Only tags matter here: text is skipped a run at a time (as `tokenize` reads it,
    // an entity included), and any at the top level refuses the split.
    while offset < inner.len() {
        let rest = &inner[offset..];
        let next = rest.find(['<', '&']).unwrap_or(rest.len());
        if next > 0 {
            if depth == 0 && !rest[..next].trim().is_empty() {
                return None;
            }
            offset += next;
            continue;
        }
        let token = Tokens { html: rest, at: 0 }.next()?;
        let end = offset + token.text.len();
        match token.kind {
            Kind::Tag if child.contains(&tag_name(token.text)) => {
                if token.text.starts_with("</") {
                    depth = depth.checked_sub(1)?;
                    if depth == 0 {
                        let rest = &inner[end..];
                        let gap = rest.len() - rest.trim_start().len();
                        items.push(&inner[start..end + gap]);
                        glue_start = end + gap;
                    }
                } else {
                    if depth == 0 {
                        glue.push(glue_start..offset);
                        start = offset;
                    }
                    depth += 1;
                }
            }
            Kind::Tag if depth == 0 && !between.contains(&tag_name(token.text)) => return None,
            Kind::Tag => {}
            _ if depth == 0 => return None,
            _ => {}
        }
        offset = end;
    }
    if depth != 0 || items.is_empty() {
        return None;
    }
    let glue = glue
        .into_iter()
        .enumerate()
        .map(|(k, range)| match k {
            0 => &block[..open_end + range.end],
            _ => &inner[range],
        })
        .collect();
    Some(Children {
        open: &block[..open_end],
        glue,
        items,
        close: &block[open_end + glue_start.min(inner.len())..],
    })
}

/// A table's rows, with `<thead>`/`<tbody>` as glue. Rows of a table nested in a cell
/// stay inside their cell.
fn split_rows(block: &str) -> Option<Children<'_>> {
    split_children(
        block,
        &["tr"],
        &["thead", "tbody", "tfoot", "caption", "colgroup", "col"],
    )
}

/// What a redline is being built into: the items so far, the place in the new
/// version's pieces, and deleted units waiting for a place they can stand in.
struct Emitter<'a, 'l> {
    new: &'a Flat<'a>,
    labels: &'l Labels,
    items: Vec<Item<'a>>,
    counts: Counts,
    /// Index into `new.pieces` of the next piece to write.
    piece: usize,
    place: Place,
    /// Deleted blocks met inside a list or table, shown once it closes.
    waiting: Vec<Item<'a>>,
}

impl<'a, 'l> Emitter<'a, 'l> {
    fn new(new: &'a Flat<'a>, labels: &'l Labels) -> Emitter<'a, 'l> {
        Emitter {
            new,
            labels,
            items: Vec::new(),
            counts: Counts::default(),
            piece: 0,
            place: Place::Top,
            waiting: Vec::new(),
        }
    }

    fn push(
        &mut self,
        html: impl Into<Cow<'a, str>>,
        changed: bool,
        opens_section: Option<String>,
    ) {
        self.items.push(Item {
            html: html.into(),
            changed,
            opens_section,
        });
    }

    /// Writes the glue up to unit `j` of the new version (or to the end).
    fn advance_to(&mut self, j: usize) {
        let target = self
            .new
            .unit_piece
            .get(j)
            .copied()
            .unwrap_or(self.new.pieces.len());
        while self.piece < target {
            if let Piece::Glue(html, place) = self.new.pieces[self.piece] {
                self.push(html, false, None);
                self.place = place;
                if place == Place::Top {
                    let waiting = std::mem::take(&mut self.waiting);
                    self.items.extend(waiting);
                }
            }
            self.piece += 1;
        }
    }

    /// Moves to unit `j` of the new version and returns it; the caller writes it.
    fn take(&mut self, j: usize) -> Unit<'a> {
        self.advance_to(j);
        self.piece += 1;
        self.new.units[j]
    }

    fn unchanged(&mut self, j: usize) {
        let unit = self.take(j);
        self.push(unit.html, false, section_title(unit.html));
    }

    fn inserted(&mut self, j: usize) {
        let unit = self.take(j);
        self.insert_whole(unit);
    }

    fn insert_whole(&mut self, unit: Unit) {
        let counts = &mut self.counts;
        let item = match unit.place() {
            Place::Top => whole_block(unit.html, Change::Insert, counts),
            Place::List => changed_item(whole_item(unit.html, Change::Insert, counts)),
            Place::Table => changed_item(whole_row(unit.html, Change::Insert, counts)),
        };
        self.items.push(item);
    }

    fn deleted(&mut self, unit: &Unit) {
        let counts = &mut self.counts;
        let item = match (self.place, unit.place()) {
            (Place::List, Place::List) => {
                changed_item(whole_item(unit.html, Change::Delete, counts))
            }
            (Place::Table, Place::Table) => {
                changed_item(whole_row(unit.html, Change::Delete, counts))
            }
            (_, Place::Top) => whole_block(unit.html, Change::Delete, counts),
            (_, Place::List) => {
                let close = format!("</{}>", tag_name(unit.parent_open));
                let item = whole_item(unit.html, Change::Delete, counts);
                wrapped_block(
                    &format!("{}{item}{close}", unit.parent_open),
                    Change::Delete,
                )
            }
            (_, Place::Table) => {
                let row = whole_row(unit.html, Change::Delete, counts);
                wrapped_block(&format!("<table>{row}</table>"), Change::Delete)
            }
        };
        if self.place != Place::Top && unit.place() != self.place {
            self.waiting.push(item);
        } else {
            self.items.push(item);
        }
    }

    fn paired(&mut self, old: &Unit, j: usize) {
        let new = self.take(j);
        let (labels, counts) = (self.labels, &mut self.counts);
        let html = if old.kind == "tr" && new.kind == "tr" {
            Some(row_diff(old.html, new.html, labels, counts))
        } else if old.kind == new.kind {
            word_diff(old.html, new.html, labels, counts)
        } else if comparable(old.kind, new.kind) {
            form_diff(old, &new, labels, counts)
        } else {
            // Only a very long replaced run is paired in order, whatever the forms.
            None
        };
        match html {
            Some(html) => self.push(html, true, section_title(new.html)),
            None => {
                // Too different to mark word by word: the old unit deleted, the new
                // inserted, each where it can stand.
                self.deleted(old);
                self.insert_whole(new);
            }
        }
    }

    fn finish(mut self) -> Redline {
        self.advance_to(self.new.units.len());
        let waiting = std::mem::take(&mut self.waiting);
        self.items.extend(waiting);
        let (html, changed_sections) = fold_unchanged_sections(&self.items, self.labels);
        Redline {
            html,
            inserted: self.counts.inserted,
            deleted: self.counts.deleted,
            changed_sections,
            links_changed: self.counts.links,
            forms_changed: self.counts.forms,
        }
    }
}

fn changed_item(html: String) -> Item<'static> {
    Item {
        html: Cow::Owned(html),
        changed: true,
        opens_section: None,
    }
}

/// One step of pairing a replaced run of units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Delete(usize),
    Insert(usize),
    Pair(usize, usize),
}

/// Beyond this many candidate pairs a replaced run is paired in order instead.
const MAX_ALIGN_CELLS: usize = 250_000;

/// Pairs the units of a replaced run: the order-keeping pairing with the most shared
/// words (a changed item is found beside added ones; a paragraph beside the heading it
/// became), units of forms that cannot be compared never paired.
fn align(olds: &[Unit], news: &[Unit]) -> Vec<Step> {
    let (n, m) = (olds.len(), news.len());
    // One unit for one of the same form (the usual edit): paired without weighing
    // words; if they are too different, the pair is shown as a deletion and an
    // insertion in the new unit's place. Rows take the pairing below (a paired row is
    // always compared cell by cell).
    if n == 1 && m == 1 && olds[0].kind == news[0].kind && olds[0].kind != "tr" {
        return vec![Step::Pair(0, 0)];
    }
    if n * m > MAX_ALIGN_CELLS {
        let mut steps: Vec<Step> = (0..n.min(m)).map(|k| Step::Pair(k, k)).collect();
        steps.extend((m.min(n)..n).map(Step::Delete));
        steps.extend((n.min(m)..m).map(Step::Insert));
        return steps;
    }
    let bags: Vec<WordBag> = olds.iter().map(|u| WordBag::of(u.html)).collect();
    let new_bags: Vec<WordBag> = news.iter().map(|u| WordBag::of(u.html)).collect();
    // Similarity in thousandths, 0 when the two cannot be paired.
    let sim = |i: usize, j: usize| -> u64 {
        if !comparable(olds[i].kind, news[j].kind) {
            return 0;
        }
        let s = bags[i].similarity(&new_bags[j]);
        if s < MIN_SIMILARITY {
            0
        } else {
            (s * 1000.0) as u64 + 1
        }
    };
    let width = m + 1;
    let mut score = vec![0u64; (n + 1) * width];
    for i in 1..=n {
        for j in 1..=m {
            let pair = match sim(i - 1, j - 1) {
                0 => 0,
                s => score[(i - 1) * width + j - 1] + s,
            };
            score[i * width + j] = pair
                .max(score[(i - 1) * width + j])
                .max(score[i * width + j - 1]);
        }
    }
    let mut steps = Vec::with_capacity(n + m);
    let (mut i, mut j) = (n, m);
    while i > 0 || j > 0 {
        let here = score[i * width + j];
        if i > 0 && j > 0 {
            let s = sim(i - 1, j - 1);
            if s > 0 && here == score[(i - 1) * width + j - 1] + s {
                steps.push(Step::Pair(i - 1, j - 1));
                i -= 1;
                j -= 1;
                continue;
            }
        }
        if j > 0 && here == score[i * width + j - 1] {
            steps.push(Step::Insert(j - 1));
            j -= 1;
        } else {
            steps.push(Step::Delete(i - 1));
            i -= 1;
        }
    }
    steps.reverse();
    steps
}

/// Paragraphs, list items and headings can become one another; other forms compare only
/// with their own kind.
fn comparable(old: &str, new: &str) -> bool {
    old == new || (is_text_form(old) && is_text_form(new))
}

fn is_text_form(kind: &str) -> bool {
    matches!(kind, "p" | "li" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6")
}

/// A unit's words, sorted, for pairing: the words two units share are counted by one
/// merge of the two lists (each shared word as often as the rarer side has it).
struct WordBag<'a> {
    words: Vec<&'a str>,
}

impl<'a> WordBag<'a> {
    fn of(html: &'a str) -> WordBag<'a> {
        let mut words: Vec<&str> = Tokens { html, at: 0 }
            .filter(Token::is_word)
            .map(|t| t.text)
            .collect();
        words.sort_unstable();
        WordBag { words }
    }

    fn similarity(&self, other: &WordBag) -> f64 {
        let (a, b) = (self.words.len(), other.words.len());
        let longest = a.max(b);
        if longest == 0 {
            return 1.0;
        }
        // They share at most the shorter one's words: decided without counting.
        if (a.min(b) as f64) / (longest as f64) < MIN_SIMILARITY {
            return 0.0;
        }
        let (mut i, mut j, mut shared) = (0, 0, 0usize);
        while i < a && j < b {
            match self.words[i].cmp(other.words[j]) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => {
                    shared += 1;
                    i += 1;
                    j += 1;
                }
            }
        }
        shared as f64 / longest as f64
    }
}

/// A paragraph become a list item or a heading, or back: the new element with its words
/// compared to the old one's, and a note of the form it had.
fn form_diff(old: &Unit, new: &Unit, labels: &Labels, counts: &mut Counts) -> Option<String> {
    let (_, old_inner, _) = split_element(old.html)?;
    let (new_open, new_inner, new_close) = split_element(new.html)?;
    // A heading's `#` link is not part of its text: compared without it, kept after it.
    let (old_inner, _) = split_heading_anchor(old_inner);
    let (new_inner, anchor) = split_heading_anchor(new_inner);
    let diffed = word_diff(old_inner, new_inner, labels, counts)?;
    counts.forms += 1;
    let was = match old.kind {
        "p" => &labels.was_paragraph,
        "li" => &labels.was_list_item,
        _ => &labels.was_heading,
    };
    let note = format!("<span class=\"redline-form\">{}</span> ", escape_text(was));
    Some(format!("{new_open}{note}{diffed}{anchor}{new_close}"))
}

/// A heading's content before its `#` link, and the link (with the space before it).
fn split_heading_anchor(inner: &str) -> (&str, &str) {
    match inner.find("<a class=\"heading-anchor\"") {
        Some(at) => {
            let text = inner[..at].trim_end_matches(' ');
            inner.split_at(text.len())
        }
        None => (inner, ""),
    }
}

/// An element's opening tag, its content and the rest (closing tag and whitespace).
fn split_element(html: &str) -> Option<(&str, &str, &str)> {
    let lead = html.len() - html.trim_start().len();
    let open_end = lead + html[lead..].find('>')? + 1;
    let close_start = html.trim_end().rfind("</")?;
    (close_start >= open_end).then(|| {
        (
            &html[..open_end],
            &html[open_end..close_start],
            &html[close_start..],
        )
    })
}

fn escape_text(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[derive(Default)]
struct Counts {
    inserted: usize,
    deleted: usize,
    links: usize,
    forms: usize,
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

/// One block of the redline: an unchanged unit or glue borrowed from the new version,
/// anything marked made anew.
struct Item<'a> {
    html: Cow<'a, str>,
    changed: bool,
    /// Title of the section this block opens (`<h1>`/`<h2>` of the new version).
    opens_section: Option<String>,
}

fn whole_block(block: &str, change: Change, counts: &mut Counts) -> Item<'static> {
    let body = mark_whole(block, change, counts);
    let mut item = wrapped_block(&body, change);
    item.opens_section = (change == Change::Insert)
        .then(|| section_title(block))
        .flatten();
    item
}

/// A block already counted and made inert, shown as one insertion or deletion.
fn wrapped_block(body: &str, change: Change) -> Item<'static> {
    let tag = change.tag();
    Item {
        html: Cow::Owned(format!("<{tag} class=\"redline-block\">{body}</{tag}>")),
        changed: true,
        opens_section: None,
    }
}

/// Counts the words of HTML shown whole as inserted or deleted; deleted HTML is made
/// inert (see [`strip_ids`]).
fn mark_whole(html: &str, change: Change, counts: &mut Counts) -> String {
    counts.add(change, count_words(html));
    match change {
        Change::Delete => strip_ids(html),
        Change::Insert => html.to_string(),
    }
}

/// A whole table row added or removed: each cell's content marked.
fn whole_row(row: &str, change: Change, counts: &mut Counts) -> String {
    match split_children(row, &["td", "th"], &[]) {
        Some(cells) => {
            let mut out = cells.glue[0].to_string();
            for (k, cell) in cells.items.iter().enumerate() {
                if k > 0 {
                    out.push_str(cells.glue[k]);
                }
                out.push_str(&whole_item(cell, change, counts));
            }
            out.push_str(cells.close);
            out
        }
        None => {
            let words = count_words(row);
            counts.add(change, words);
            let text: String = tokenize(row)
                .iter()
                .filter(|t| t.kind != Kind::Tag)
                .map(|t| t.text)
                .collect();
            let tag = change.tag();
            format!("<tr><td><{tag}>{}</{tag}></td></tr>", text.trim())
        }
    }
}

/// Two versions of a table row: cell by cell when they have as many cells, otherwise
/// cells matched as a list's items are.
fn row_diff(old: &str, new: &str, labels: &Labels, counts: &mut Counts) -> String {
    let (Some(old_cells), Some(new_cells)) = (
        split_children(old, &["td", "th"], &[]),
        split_children(new, &["td", "th"], &[]),
    ) else {
        return word_diff(old, new, labels, counts).unwrap_or_else(|| {
            let mut out = whole_row(old, Change::Delete, counts);
            out.push_str(&whole_row(new, Change::Insert, counts));
            out
        });
    };
    let mut out = new_cells.glue[0].to_string();
    let same_shape = old_cells.items.len() == new_cells.items.len();
    let mut cells_out: Vec<String> = Vec::with_capacity(new_cells.items.len());
    if same_shape {
        for (o, n) in old_cells.items.iter().zip(&new_cells.items) {
            cells_out.push(cell_diff(o, n, labels, counts));
        }
    } else {
        for op in capture_diff_slices(Algorithm::Patience, &old_cells.items, &new_cells.items) {
            match op {
                DiffOp::Equal { new_index, len, .. } => {
                    cells_out.extend(
                        new_cells.items[new_index..new_index + len]
                            .iter()
                            .map(|c| c.to_string()),
                    );
                }
                DiffOp::Delete {
                    old_index, old_len, ..
                } => {
                    for c in &old_cells.items[old_index..old_index + old_len] {
                        cells_out.push(whole_item(c, Change::Delete, counts));
                    }
                }
                DiffOp::Insert {
                    new_index, new_len, ..
                } => {
                    for c in &new_cells.items[new_index..new_index + new_len] {
                        cells_out.push(whole_item(c, Change::Insert, counts));
                    }
                }
                DiffOp::Replace {
                    old_index,
                    old_len,
                    new_index,
                    new_len,
                } => {
                    let olds = &old_cells.items[old_index..old_index + old_len];
                    let news = &new_cells.items[new_index..new_index + new_len];
                    for (o, n) in olds.iter().zip(news) {
                        cells_out.push(cell_diff(o, n, labels, counts));
                    }
                    for o in &olds[news.len().min(olds.len())..] {
                        cells_out.push(whole_item(o, Change::Delete, counts));
                    }
                    for n in &news[olds.len().min(news.len())..] {
                        cells_out.push(whole_item(n, Change::Insert, counts));
                    }
                }
            }
        }
    }
    for (k, cell) in cells_out.iter().enumerate() {
        if k > 0 && same_shape {
            out.push_str(new_cells.glue[k]);
        }
        out.push_str(cell);
    }
    out.push_str(new_cells.close);
    out
}

/// Two versions of one cell: word by word, or its old content struck and the new
/// content inserted inside the new cell.
fn cell_diff(old: &str, new: &str, labels: &Labels, counts: &mut Counts) -> String {
    if old == new {
        return new.to_string();
    }
    if let Some(html) = word_diff(old, new, labels, counts) {
        return html;
    }
    let (Some((_, old_inner, _)), Some((open, new_inner, close))) =
        (split_element(old), split_element(new))
    else {
        return new.to_string();
    };
    let deleted = mark_whole(old_inner, Change::Delete, counts);
    let inserted = mark_whole(new_inner, Change::Insert, counts);
    format!("{open}<del>{deleted}</del> <ins>{inserted}</ins>{close}")
}

/// A whole list item or cell added or removed: `<li><ins>...</ins></li>`.
fn whole_item(item: &str, change: Change, counts: &mut Counts) -> String {
    let open_end = item.find('>').map_or(0, |i| i + 1);
    let close_start = item
        .trim_end()
        .rfind("</")
        .filter(|&c| c >= open_end)
        .unwrap_or(item.len());
    let inner = mark_whole(&item[open_end..close_start], change, counts);
    let tag = change.tag();
    format!(
        "{}<{tag}>{inner}</{tag}>{}",
        &item[..open_end],
        &item[close_start..]
    )
}

/// Word-level diff of two versions of one block; `None` if they are too different.
fn word_diff(old: &str, new: &str, labels: &Labels, counts: &mut Counts) -> Option<String> {
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
        let (old_range, new_range) = (op.old_range(), op.new_range());
        let (olds, news) = (&old_tokens[old_range], &new_tokens[new_range]);
        if !matches!(op, DiffOp::Equal { .. }) {
            mark_link_change(olds, news, labels, &mut out, counts);
        }
        match op {
            DiffOp::Equal { .. } => news.iter().for_each(|t| out.push_str(t.text)),
            DiffOp::Delete { .. } => emit_deleted(olds, &mut out, counts),
            DiffOp::Insert { .. } => emit_inserted(news, &mut out, counts),
            DiffOp::Replace { .. } => {
                emit_deleted(olds, &mut out, counts);
                emit_inserted(news, &mut out, counts);
            }
        }
    }
    Some(out)
}

/// A change of markup only (no word or mark changed) that adds, removes or retargets a
/// link: counted, and noted before the link (`link changed, was /old/`), since the
/// link's words alone would show nothing.
fn mark_link_change(
    olds: &[Token],
    news: &[Token],
    labels: &Labels,
    out: &mut String,
    counts: &mut Counts,
) {
    let markup_only = |tokens: &[Token]| {
        tokens
            .iter()
            .all(|t| matches!(t.kind, Kind::Tag | Kind::Space))
    };
    if !markup_only(olds) || !markup_only(news) {
        return;
    }
    // A heading's own `#` link follows its id, which the renderer numbers: not a link
    // an editor changed.
    let link = |tokens: &[Token]| {
        tokens
            .iter()
            .find(|t| {
                t.kind == Kind::Tag
                    && tag_name(t.text) == "a"
                    && !t.text.starts_with("</")
                    && !t.text.contains("class=\"heading-anchor\"")
            })
            .map(|t| href(t.text))
    };
    let (was, now) = (link(olds), link(news));
    if was.is_none() && now.is_none() {
        return;
    }
    counts.links += 1;
    if now.is_none() {
        return;
    }
    // The old target is written as it was in its attribute, escaped already.
    let note = match was {
        Some(href) => escape_text(&labels.link_was).replace("{href}", &href),
        None => escape_text(&labels.link_added),
    };
    out.push_str("<span class=\"redline-link\">");
    out.push_str(&note);
    out.push_str("</span> ");
}

/// The `href` of an `<a>` tag, as written (already escaped), or empty.
fn href(tag: &str) -> String {
    tag.split_once("href=\"")
        .and_then(|(_, rest)| rest.split_once('"'))
        .map(|(href, _)| href.to_string())
        .unwrap_or_default()
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
    let mut html = String::with_capacity(items.iter().map(|i| i.html.len()).sum::<usize>() + 1024);
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
    Tokens { html, at: 0 }.collect()
}

/// The words of some HTML, counted as [`tokenize`] finds them, without keeping them.
fn count_words(html: &str) -> usize {
    Tokens { html, at: 0 }.filter(Token::is_word).count()
}

/// [`tokenize`]'s tokens one at a time, for callers that only look at some of them.
struct Tokens<'a> {
    html: &'a str,
    at: usize,
}

impl<'a> Iterator for Tokens<'a> {
    type Item = Token<'a>;

    fn next(&mut self) -> Option<Token<'a>> {
        let rest = &self.html[self.at..];
        let c = rest.chars().next()?;
        let (kind, len) = if c == '<' {
            (Kind::Tag, rest.find('>').map_or(rest.len(), |e| e + 1))
        } else if c == '&' {
            // An entity ends within ten bytes; a lone `&` is one mark.
            let near = &rest.as_bytes()[..rest.len().min(10)];
            let entity = near
                .iter()
                .position(|&b| b == b';')
                .filter(|&e| !rest[1..e].contains(' '));
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
        let token = Token {
            kind,
            text: &rest[..len],
        };
        self.at += len;
        Some(token)
    }
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
        assert!(
            r.html.contains(
                "See <span class=\"redline-link\">link changed, was /old/</span> <a href=\"/new/\">"
            ),
            "{}",
            r.html
        );
        assert_eq!((r.inserted, r.deleted, r.links_changed), (0, 0, 1));
        assert_eq!(r.changed_sections, 1);
        assert!(tags_balance(&tokenize(&r.html)));
    }

    #[test]
    fn a_renumbered_heading_anchor_is_not_a_changed_link() {
        let r = redline(
            &["<h3 id=\"basis-2\">Basis <a class=\"heading-anchor\" href=\"#basis-2\">#</a></h3>"],
            &["<h3 id=\"basis-3\">Basis <a class=\"heading-anchor\" href=\"#basis-3\">#</a></h3>"],
            &Labels::default(),
        );
        assert_eq!(r.links_changed, 0, "{}", r.html);
        assert!(!r.html.contains("redline-link"), "{}", r.html);
    }

    #[test]
    fn a_changed_cell_is_marked_alone_and_the_table_stays_whole() {
        let old = "<table>\n<thead>\n<tr>\n<th>Data</th>\n<th>Kept for</th>\n</tr>\n</thead>\n<tbody>\n<tr>\n<td>Orders</td>\n<td>ten years</td>\n</tr>\n<tr>\n<td>Emails</td>\n<td>two years</td>\n</tr>\n</tbody>\n</table>\n";
        let new = old.replace("two years", "three years");
        let r = redline(&[old], &[&new], &Labels::default());
        assert_eq!((r.inserted, r.deleted), (1, 1), "{}", r.html);
        assert!(
            r.html
                .contains("<td><del>two</del><ins>three</ins> years</td>"),
            "{}",
            r.html
        );
        assert!(r.html.starts_with("<table>"), "{}", r.html);
        assert!(r.html.contains("<td>Orders</td>"), "{}", r.html);
        assert!(tags_balance(&tokenize(&r.html)), "{}", r.html);
    }

    #[test]
    fn an_added_row_is_an_inserted_row_and_a_removed_row_a_deleted_one() {
        let row = |a: &str, b: &str| format!("<tr>\n<td>{a}</td>\n<td>{b}</td>\n</tr>\n");
        let table = |rows: &[String]| {
            format!(
                "<table>\n<thead>\n<tr>\n<th>Data</th>\n<th>Kept for</th>\n</tr>\n</thead>\n<tbody>\n{}</tbody>\n</table>\n",
                rows.concat()
            )
        };
        let old = table(&[row("Orders", "ten years"), row("Emails", "two years")]);
        let new = table(&[
            row("Orders", "ten years"),
            row("Returns", "one year"),
            row("Emails", "two years"),
        ]);
        let r = redline(&[&old], &[&new], &Labels::default());
        assert!(
            r.html
                .contains("<tr>\n<td><ins>Returns</ins></td>\n<td><ins>one year</ins></td>\n</tr>"),
            "{}",
            r.html
        );
        assert_eq!((r.inserted, r.deleted), (3, 0));
        let r = redline(&[&new], &[&old], &Labels::default());
        assert!(
            r.html
                .contains("<tr>\n<td><del>Returns</del></td>\n<td><del>one year</del></td>\n</tr>"),
            "{}",
            r.html
        );
        assert_eq!((r.inserted, r.deleted), (0, 3));
        assert!(tags_balance(&tokenize(&r.html)), "{}", r.html);
    }

    #[test]
    fn paragraphs_that_become_list_items_show_only_the_words_that_changed() {
        let old = [
            "<p>We collect:</p>\n",
            "<p>Your name and address.</p>\n",
            "<p>Your order history.</p>\n",
            "<p>Contact us any time.</p>\n",
        ];
        let new = [
            "<p>We collect:</p>\n",
            "<ul>\n<li>Your name and address.</li>\n<li>Your full order history.</li>\n</ul>\n",
            "<p>Contact us any time.</p>\n",
        ];
        let r = redline(&old, &new, &Labels::default());
        assert_eq!(
            (r.inserted, r.deleted, r.forms_changed),
            (1, 0, 2),
            "{}",
            r.html
        );
        assert!(
            r.html.contains("<li><span class=\"redline-form\">was a paragraph</span> Your <ins>full</ins> order history.</li>"),
            "{}",
            r.html
        );
        assert!(r.html.contains("<p>Contact us any time.</p>"), "{}", r.html);
        assert!(tags_balance(&tokenize(&r.html)), "{}", r.html);
        // And back: the items become paragraphs again.
        let r = redline(&new, &old, &Labels::default());
        assert_eq!(
            (r.inserted, r.deleted, r.forms_changed),
            (0, 1, 2),
            "{}",
            r.html
        );
        assert!(r.html.contains("was a list item"), "{}", r.html);
    }

    #[test]
    fn a_paragraph_become_a_heading_keeps_its_words_and_the_anchor() {
        let r = redline(
            &["<p>Your rights</p>\n", "<p>You may ask.</p>\n"],
            &[
                "<h3 id=\"your-rights\">Your rights <a class=\"heading-anchor\" href=\"#your-rights\">#</a></h3>\n",
                "<p>You may ask.</p>\n",
            ],
            &Labels::default(),
        );
        assert_eq!(
            (r.inserted, r.deleted, r.forms_changed),
            (0, 0, 1),
            "{}",
            r.html
        );
        assert!(
            r.html.contains("<h3 id=\"your-rights\"><span class=\"redline-form\">was a paragraph</span> Your rights <a class=\"heading-anchor\""),
            "{}",
            r.html
        );
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
        let list = split_children(
            "<ul>\n<li>a<ul>\n<li>a1</li>\n</ul>\n</li>\n<li>b</li>\n</ul>\n",
            &["li"],
            &[],
        )
        .unwrap();
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
    fn a_removed_row_is_a_deleted_row() {
        let old = "<table><tr><td>a b c</td><td>x</td></tr><tr><td>d</td><td>e</td></tr></table>";
        let new = "<table><tr><td>a b c</td><td>x</td></tr></table>";
        let r = redline(&[old], &[new], &Labels::default());
        assert!(tags_balance(&tokenize(&r.html)), "{}", r.html);
        assert!(
            r.html
                .contains("<tr><td><del>d</del></td><td><del>e</del></td></tr>"),
            "{}",
            r.html
        );
        assert_eq!((r.inserted, r.deleted), (0, 2));
    }

    #[test]
    fn identical_versions_have_no_changes() {
        let r = redline(&["<p>x</p>"], &["<p>x</p>"], &Labels::default());
        assert_eq!((r.inserted, r.deleted, r.changed_sections), (0, 0, 0));
    }
}
