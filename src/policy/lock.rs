//! `policies.lock`: the tamper-evident record of every published policy version.
//!
//! The lock is a log that only grows. Each entry records one event for one version
//! (`imported`, `published` or `corrected`): the hash of its source file, the hash of the
//! text readers see (after shortcodes and data files are expanded), its corrections, and
//! the data files it was rendered from. Each entry is sealed with a SHA-256 over its
//! fields and the seal of the policy's previous entry, as transparency logs do, so a
//! hand-edited entry breaks its own seal and a removed one breaks the next entry's link.
//! The data files a version read are kept in the lock as snapshots, so a published
//! version always renders from the data it was published with.
//!
//! This module reads, verifies and writes the file; [`super::record`] decides what a
//! build adds to it.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::diagnostic::{Diagnostic, Diagnostics};

/// The lock file's name, at the site root.
pub const LOCK_FILE: &str = "policies.lock";

const HEADER: &str = "# Written by vellum: the record of every published policy version.\n\
# Commit this file and never edit it: each entry is sealed with the one before it.\n\n";

/// What happened to a version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Event {
    /// Recorded as it stood when the policy's history was first brought in.
    Imported,
    /// First recorded by a build, on or before the day it takes effect.
    Published,
    /// Its text changed with one or more newly recorded corrections.
    Corrected,
}

impl Event {
    fn name(self) -> &'static str {
        match self {
            Event::Imported => "imported",
            Event::Published => "published",
            Event::Corrected => "corrected",
        }
    }
}

/// One sealed entry of the record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub policy: String,
    /// The version's file, relative to the site root.
    pub file: String,
    /// `YYYY-MM-DD`.
    pub effective: String,
    pub event: Event,
    /// The build date (in the shop's time zone) that recorded this entry.
    pub recorded: String,
    /// SHA-256 of the source file, line endings normalised (`sha256sum` of an LF copy).
    pub source: String,
    /// SHA-256 of the text readers see (see [`reader_text`]).
    pub text: String,
    /// How many corrections the version's front matter records.
    pub corrections: usize,
    /// Data files the version was rendered from (`data/cookies.toml`) and the SHA-256 of
    /// each one's snapshot.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub data: BTreeMap<String, String>,
    /// The seal of this policy's previous entry (empty for its first).
    pub previous: String,
    /// SHA-256 over this entry's fields and `previous` (see [`Entry::seal`]).
    pub seal: String,
}

impl Entry {
    /// The seal of this entry: SHA-256 of its fields, one `name=value` line each, in this
    /// order (README.md documents it so anyone can recompute it from `versions.json`).
    pub fn seal(&self) -> String {
        let data: Vec<String> = self
            .data
            .iter()
            .map(|(file, hash)| format!("{file}:{hash}"))
            .collect();
        let canonical = format!(
            "vellum-record-1\npolicy={}\nfile={}\neffective={}\nevent={}\nrecorded={}\nsource={}\ntext={}\ncorrections={}\ndata={}\nprevious={}\n",
            self.policy,
            self.file,
            self.effective,
            self.event.name(),
            self.recorded,
            self.source,
            self.text,
            self.corrections,
            data.join(","),
            self.previous,
        );
        sha256_hex(canonical.as_bytes())
    }
}

/// A data file as a version read it, kept so the version renders the same forever.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Snapshot {
    /// `data/cookies.toml`.
    pub file: String,
    pub sha256: String,
    pub text: String,
}

/// The lock as read (and verified) or as a build will write it.
#[derive(Debug, Default, Clone)]
pub struct Lock {
    pub entries: Vec<Entry>,
    pub snapshots: Vec<Snapshot>,
    /// Entries of the first lock format (hashes of sources only), read once to migrate.
    pub legacy: Vec<LegacyEntry>,
    /// The line of each entry's `[[entry]]` header, for errors.
    lines: Vec<usize>,
    text: Option<Arc<str>>,
}

/// An entry of the first lock format.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LegacyEntry {
    pub file: String,
    pub sha256: String,
    pub corrections: usize,
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct LockFile {
    #[serde(default, rename = "entry", skip_serializing_if = "Vec::is_empty")]
    entries: Vec<Entry>,
    #[serde(default, rename = "snapshot", skip_serializing_if = "Vec::is_empty")]
    snapshots: Vec<Snapshot>,
    #[serde(default, rename = "version", skip_serializing_if = "Vec::is_empty")]
    legacy: Vec<LegacyEntry>,
}

impl Lock {
    /// The latest entry for a version file, if it was ever recorded.
    pub fn latest(&self, file: &str) -> Option<&Entry> {
        self.entries.iter().rev().find(|e| e.file == file)
    }

    /// The first entry for a version file: when it entered the record.
    pub fn first(&self, file: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.file == file)
    }

    /// Every entry of one policy, oldest first: its chain.
    pub fn chain<'a>(&'a self, policy: &str) -> impl Iterator<Item = &'a Entry> {
        self.entries.iter().filter(move |e| e.policy == policy)
    }

    /// The seal of a policy's newest entry.
    pub fn head<'a>(&'a self, policy: &str) -> Option<&'a str> {
        self.chain(policy).last().map(|e| e.seal.as_str())
    }

    /// The snapshot text of a data file with this hash.
    pub fn snapshot(&self, sha256: &str) -> Option<&Snapshot> {
        self.snapshots.iter().find(|s| s.sha256 == sha256)
    }

    /// Appends an entry, linking and sealing it.
    pub fn append(&mut self, mut entry: Entry) {
        entry.previous = self.head(&entry.policy).unwrap_or_default().to_string();
        entry.seal = entry.seal();
        self.entries.push(entry);
    }

    /// Keeps a data file's text, once per distinct content.
    pub fn keep_snapshot(&mut self, file: &str, text: &str) -> String {
        let sha256 = sha256_hex(text.as_bytes());
        if self.snapshot(&sha256).is_none() {
            self.snapshots.push(Snapshot {
                file: file.to_string(),
                sha256: sha256.clone(),
                text: text.to_string(),
            });
        }
        sha256
    }

    /// The line of entry `index` in the file as read (1 when unknown).
    pub fn line_of(&self, index: usize) -> usize {
        self.lines.get(index).copied().unwrap_or(1)
    }

    /// An error at entry `index` of the lock file, showing its line.
    pub fn error_at(&self, index: usize, message: impl Into<String>) -> Diagnostic {
        let diagnostic = Diagnostic::error(LOCK_FILE, message);
        match &self.text {
            Some(text) => diagnostic.at_line(text, self.line_of(index)),
            None => diagnostic,
        }
    }

    /// The lock file's text.
    pub fn to_text(&self) -> String {
        let file = LockFile {
            entries: self.entries.clone(),
            snapshots: self.snapshots.clone(),
            legacy: Vec::new(),
        };
        let body = toml::to_string(&file).expect("the lock always serializes");
        format!("{HEADER}{body}")
    }
}

/// Reads `policies.lock` from `root` (an empty lock if there is none) and verifies
/// every seal, link and snapshot.
pub fn read(root: &Path) -> Result<Lock, Diagnostics> {
    let path = root.join(LOCK_FILE);
    if !path.exists() {
        return Ok(Lock::default());
    }
    crate::input_files::check_site_file(root, &path)?;
    let text = crate::content::read_utf8(&path, Path::new(LOCK_FILE))?;
    parse(text)
}

/// Parses and verifies the text of a lock file.
pub fn parse(text: Arc<str>) -> Result<Lock, Diagnostics> {
    let file: LockFile = toml::from_str(&text).map_err(|e| {
        let diagnostic = Diagnostic::error(
            LOCK_FILE,
            format!("the lock file is damaged: {}", e.message().trim_end()),
        )
        .with_help("restore it from version control (git checkout policies.lock)");
        match e.span() {
            Some(span) => diagnostic.at_span(&text, span),
            None => diagnostic,
        }
    })?;
    let lines = text
        .lines()
        .enumerate()
        .filter(|(_, line)| line.trim() == "[[entry]]")
        .map(|(i, _)| i + 1)
        .collect();
    let lock = Lock {
        entries: file.entries,
        snapshots: file.snapshots,
        legacy: file.legacy,
        lines,
        text: Some(text),
    };
    verify(&lock)?;
    Ok(lock)
}

/// Checks every seal and link of the chain, and every snapshot's hash.
fn verify(lock: &Lock) -> Result<(), Diagnostics> {
    let mut errors = Diagnostics::default();
    let mut heads: BTreeMap<&str, &str> = BTreeMap::new();
    let restore = "policies.lock must never be edited by hand: restore it from version control (git checkout policies.lock); if the published record really is wrong, record a correction in the version's front matter instead";
    for (i, entry) in lock.entries.iter().enumerate() {
        let expected_previous = heads.get(entry.policy.as_str()).copied().unwrap_or("");
        if entry.seal != entry.seal() {
            errors.push(
                lock.error_at(
                    i,
                    format!(
                        "this entry of the record ({}) does not match its seal: it was edited after it was written",
                        entry.file
                    ),
                )
                .with_help(restore),
            );
        } else if entry.previous != expected_previous {
            errors.push(
                lock.error_at(
                    i,
                    format!(
                        "the record of the {} policy is broken before this entry ({}): an earlier entry was removed, reordered or edited",
                        entry.policy, entry.file
                    ),
                )
                .with_help(restore),
            );
        }
        for hash in entry.data.values() {
            if lock.snapshot(hash).is_none() {
                errors.push(
                    lock.error_at(
                        i,
                        format!(
                            "this entry ({}) names a data snapshot the lock does not hold",
                            entry.file
                        ),
                    )
                    .with_help(restore),
                );
            }
        }
        heads.insert(&entry.policy, &entry.seal);
    }
    for snapshot in &lock.snapshots {
        if sha256_hex(snapshot.text.as_bytes()) != snapshot.sha256 {
            let diagnostic = Diagnostic::error(
                LOCK_FILE,
                format!(
                    "the snapshot of {} does not match its hash: it was edited after it was written",
                    snapshot.file
                ),
            )
            .with_help(restore);
            let line = lock.text.as_ref().and_then(|text| {
                text.lines()
                    .position(|l| l.contains(&snapshot.sha256))
                    .map(|i| (text, i + 1))
            });
            errors.push(match line {
                Some((text, line)) => diagnostic.at_line(text, line),
                None => diagnostic,
            });
        }
    }
    if errors.has_errors() {
        Err(errors)
    } else {
        Ok(())
    }
}

/// SHA-256 of the source with line endings normalised, so a Windows checkout matches.
pub fn source_hash(text: &str) -> String {
    // Exactly `sha256sum` of the file once CRLF line endings are made LF, so anyone
    // can verify a published hash against the source.
    sha256_hex(text.replace("\r\n", "\n").as_bytes())
}

/// [`source_hash`] of a version file, from the SHA-256 its loading took where the file
/// has no CRLF line ending to normalise (hashing a long history's text once, not twice).
pub fn source_hash_of(file: &crate::content::SourceFile) -> String {
    if file.text.contains('\r') {
        return source_hash(&file.text);
    }
    hex(&file.digest)
}

/// The text readers see in a rendered version: every text node of its HTML, with runs of
/// whitespace made one space. Markup (classes, attributes, tags) is left out, so a theme
/// that restyles the cookie table does not count as a change, but every word does.
pub fn reader_text(html: &str) -> String {
    let mut text = String::with_capacity(html.len() / 2);
    let text_cell = std::cell::RefCell::new(&mut text);
    let settings =
        lol_html::Settings::new().append_document_content_handler(lol_html::doc_text!(|chunk| {
            let mut text = text_cell.borrow_mut();
            text.push_str(chunk.as_str());
            // Text nodes of neighbouring elements (table cells) stay apart.
            if chunk.last_in_text_node() {
                text.push(' ');
            }
            Ok(())
        }));
    let mut rewriter = lol_html::HtmlRewriter::new(settings, |_: &[u8]| {});
    // Rewriting into a sink cannot fail on well-formed input; on anything else the text
    // seen so far still stands for the version.
    let _ = rewriter.write(html.as_bytes());
    let _ = rewriter.end();
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// SHA-256 of the text readers see.
pub fn text_hash(html: &str) -> String {
    sha256_hex(reader_text(html).as_bytes())
}

/// Lowercase hex SHA-256.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// Lowercase hex of a digest.
fn hex(digest: &[u8]) -> String {
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(policy: &str, file: &str) -> Entry {
        Entry {
            policy: policy.into(),
            file: file.into(),
            effective: "2026-01-01".into(),
            event: Event::Published,
            recorded: "2025-12-01".into(),
            source: "a".repeat(64),
            text: "b".repeat(64),
            corrections: 0,
            data: BTreeMap::new(),
            previous: String::new(),
            seal: String::new(),
        }
    }

    fn sample() -> Lock {
        let mut lock = Lock::default();
        lock.append(entry("privacy", "content/policies/privacy/2026-01-01.md"));
        lock.append(entry("terms", "content/policies/terms/2026-01-01.md"));
        lock.append(entry("privacy", "content/policies/privacy/2026-02-01.md"));
        lock
    }

    #[test]
    fn hash_ignores_line_ending_style() {
        assert_eq!(source_hash("a\r\nb"), source_hash("a\nb"));
        assert_ne!(source_hash("a\nb"), source_hash("a\nc"));
    }

    #[test]
    fn entries_chain_per_policy() {
        let lock = sample();
        assert_eq!(lock.entries[0].previous, "");
        assert_eq!(lock.entries[1].previous, "");
        assert_eq!(lock.entries[2].previous, lock.entries[0].seal);
        let text = lock.to_text();
        let read = parse(Arc::from(text.as_str())).unwrap();
        assert_eq!(read.entries, lock.entries);
    }

    #[test]
    fn an_edited_field_breaks_the_seal_at_its_entry() {
        let text = sample().to_text();
        let third = text.match_indices("[[entry]]").nth(2).unwrap().0;
        let edited = format!(
            "{}{}",
            &text[..third],
            text[third..].replacen(&"a".repeat(64), &"c".repeat(64), 1)
        );
        let errors = parse(Arc::from(edited.as_str())).unwrap_err();
        let line = edited[..third].lines().count() + 1;
        assert_eq!(errors.0.len(), 1, "{errors}");
        assert_eq!(errors.0[0].line, Some(line), "{errors}");
        assert!(errors.0[0].message.contains("does not match its seal"));
    }

    #[test]
    fn a_removed_entry_breaks_the_next_link() {
        let mut lock = sample();
        lock.entries.remove(0);
        let errors = parse(Arc::from(lock.to_text().as_str())).unwrap_err();
        assert!(errors.0[0].message.contains("is broken before this entry"));
    }

    #[test]
    fn reader_text_keeps_words_and_drops_markup() {
        let a = reader_text("<table class=\"x\"><tr><td>wl_cart</td><td>30 days</td></tr></table>");
        let b = reader_text("<table><tr>\n<td>wl_cart</td>  <td>30 days</td></tr></table>");
        assert_eq!(a, b);
        assert_eq!(a, "wl_cart 30 days");
        assert_ne!(text_hash("<p>30 days</p>"), text_hash("<p>31 days</p>"));
    }
}
