//! The rules that keep the published record honest, applied on every build, `check` and
//! `serve` (drafts included):
//!
//! - a published version's text (what readers see, data and shortcodes expanded) never
//!   changes unless its front matter records a new correction, dated on or after its
//!   publication and not after today, with a note;
//! - published versions are never deleted and their effective dates never move;
//! - a new version takes effect after every version already recorded, and not before
//!   today (history is append-only); only the first build, with no lock yet, imports a
//!   history as it stands;
//! - a new version must differ from the one before it;
//! - a published version renders from the data files it was published with (the lock
//!   keeps them), so editing `data/` changes only versions not yet published.
//!
//! [`data_views`] tells the render stage which data each version reads; [`check`] then
//! compares what was rendered with the lock and returns the lock to write.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Arc;

use chrono::NaiveDate;

use super::lock::{self, Entry, Event, LOCK_FILE, Lock};
use super::{Policy, Version};
use crate::data::{DATA_DIR, Data};
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::markdown::VersionBodies;

/// For each policy and version: the data files it renders from, when it must not read
/// the live `data/` folder (a published version reads its snapshot).
pub type DataViews = Vec<Vec<Option<Arc<Data>>>>;

/// For each policy and version: the data files (under `data/`) its shortcodes read.
pub type DataReads = Vec<Vec<BTreeSet<String>>>;

/// The data each version renders from: a published version without a new correction
/// reads the snapshot it was published with; any other reads `data/` as it is now.
pub fn data_views(lock: &Lock, policies: &[Policy]) -> Result<DataViews, Diagnostics> {
    let mut errors = Diagnostics::default();
    let views = policies
        .iter()
        .map(|policy| {
            policy
                .versions
                .iter()
                .map(|version| {
                    let entry = lock.latest(&file_key(version))?;
                    if corrections(version) > entry.corrections || entry.data.is_empty() {
                        return None;
                    }
                    let mut data = Data::new();
                    for (file, hash) in &entry.data {
                        let snapshot = lock.snapshot(hash)?;
                        let relative = file.strip_prefix("data/").unwrap_or(file);
                        let text: Arc<str> = Arc::from(snapshot.text.as_str());
                        let shown = Path::new(LOCK_FILE);
                        match crate::data::parse(relative, &text, shown) {
                            Ok(value) => {
                                data.insert(relative.to_string(), value);
                            }
                            Err(e) => errors.push(e),
                        }
                    }
                    Some(Arc::new(data))
                })
                .collect()
        })
        .collect();
    if errors.has_errors() {
        Err(errors)
    } else {
        Ok(views)
    }
}

/// The record's hash of versions' texts already computed, by the hash and length of
/// their rendered HTML: a long history is hashed once in `vellum serve`, not on every
/// save.
pub type KnownTexts = std::sync::Mutex<std::collections::HashMap<(u64, usize), String>>;

/// What a build found.
pub struct Inputs<'a> {
    pub root: &'a Path,
    pub lock: &'a Lock,
    pub policies: &'a [Policy],
    /// Each version's rendered text, whose hash the record keeps.
    pub bodies: &'a VersionBodies,
    pub reads: &'a DataReads,
    /// The text of every file under `data/`, by its path there.
    pub data_texts: &'a BTreeMap<String, Arc<str>>,
    /// The build's date in the shop's time zone.
    pub today: NaiveDate,
    /// `--locked`: the lock must already be complete.
    pub locked: bool,
    /// `vellum policy import NAME`: the policy (by slug, every language) whose versions
    /// are recorded as brought in with its history; it must have no record yet.
    pub import: Option<&'a str>,
    /// `vellum serve`: the text hashes of versions rendered before (kept by
    /// `incremental::Cache::text_hashes`).
    pub known_texts: Option<&'a KnownTexts>,
}

/// The record after this build: the lock to write, and whether it grew.
#[derive(Debug)]
pub struct Record {
    pub lock: Lock,
    pub changed: bool,
    /// In an import: versions whose text is the same as the version before them, left
    /// out of the record (the file, and the version it repeats).
    pub folded: Vec<(std::path::PathBuf, std::path::PathBuf)>,
}

/// Applies every rule; returns the grown lock or every problem found.
pub fn check(inputs: &Inputs) -> Result<Record, Diagnostics> {
    let lock = inputs.lock;
    let mut next = lock.clone();
    let mut errors = Diagnostics::default();
    let texts = text_hashes(inputs);
    let mut folded = Vec::new();
    if let Some(name) = inputs.import {
        check_import(lock, inputs.policies, name, &mut errors);
    }
    for (p, policy) in inputs.policies.iter().enumerate() {
        // The first build (no lock yet, or one in the first format) imports every
        // history as it stands, and `vellum policy import` one policy's with no record
        // yet; otherwise even a new policy starts from today.
        let import = inputs.import == Some(policy.slug.as_str());
        let importing = lock.entries.is_empty() || import;
        let newest_recorded = lock
            .chain(&policy.record_name())
            .map(|e| e.effective.clone())
            .max();
        let mut previous: Option<(&str, &Version)> = None;
        for (v, version) in policy.versions.iter().enumerate() {
            let file = file_key(version);
            let html = inputs.bodies.get(p, v).html.as_str();
            let text = texts[p][v].clone();
            let source = lock::source_hash_of(&version.file);
            let entry = lock.latest(&file);
            check_corrections(lock, version, inputs.today, &mut errors);
            if entry.is_none() && version.front().imported && !importing {
                errors.push(
                    version
                        .file
                        .error_at_key(
                            "imported",
                            format!(
                                "this version is marked imported, but the {} policy already has a record: only history brought in before it had one can lack a summary",
                                policy.slug
                            ),
                        )
                        .with_help("remove imported = true and fill in summary = \"...\" and change = \"material\" or \"editorial\""),
                );
            }
            // A new version must show something new: its rendered text, links
            // included (a version that only retargets links is a version, with its own
            // redline). A translation may keep the words of the version before (its
            // source's change can be one that does not show in this language).
            if entry.is_none()
                && !policy.is_translation()
                && let Some((previous_html, before)) = previous
                && same_text(previous_html, html)
            {
                if import {
                    folded.push((
                        version.file.display_path.clone(),
                        before.file.display_path.clone(),
                    ));
                    continue;
                }
                errors.push(
                    Diagnostic::error(
                        &version.file.display_path,
                        format!(
                            "this version's text is the same as the version before it ({})",
                            before.file.display_path.display()
                        ),
                    )
                    .at_line(&version.file.text, body_line(version))
                    .with_help(
                        "edit the text to say what changes, or delete this file if nothing does",
                    ),
                );
            }
            previous = Some((html, version));
            let new_entry = |event: Event, next: &mut Lock| {
                let mut data = BTreeMap::new();
                for path in &inputs.reads[p][v] {
                    if let Some(live) = inputs.data_texts.get(path) {
                        let shown = format!("{DATA_DIR}/{path}");
                        let hash = next.keep_snapshot(&shown, live);
                        data.insert(shown, hash);
                    }
                }
                Entry {
                    policy: policy.record_name(),
                    file: file.clone(),
                    effective: date(version.effective),
                    event,
                    recorded: date(inputs.today),
                    source: source.clone(),
                    text: text.clone(),
                    corrections: corrections(version),
                    data,
                    previous: String::new(),
                    seal: String::new(),
                }
            };
            match entry {
                Some(entry) => {
                    if entry.effective != date(version.effective) {
                        errors.push(moved_date_error(version, entry));
                    } else if entry.source == source && entry.text == text {
                        continue;
                    } else if corrections(version) > entry.corrections {
                        let corrected = new_entry(Event::Corrected, &mut next);
                        next.append(corrected);
                    } else if entry.source != source {
                        errors.push(super::published::changed_source_error(
                            inputs.root,
                            version,
                            &entry.source,
                            inputs.today,
                        ));
                    } else {
                        errors.push(changed_text_error(version, inputs.today));
                    }
                }
                None => {
                    if let Some(legacy) = lock.legacy.iter().find(|l| l.file == file)
                        && legacy.sha256 != source
                        && corrections(version) <= legacy.corrections
                    {
                        errors.push(super::published::changed_source_error(
                            inputs.root,
                            version,
                            &legacy.sha256,
                            inputs.today,
                        ));
                        continue;
                    }
                    // A translation's dates are its source's, held to these rules there;
                    // translating an old version later rewrites nothing that was in force.
                    if !importing && !policy.is_translation() {
                        check_append_only(
                            version,
                            newest_recorded.as_deref(),
                            inputs.today,
                            &mut errors,
                        );
                    }
                    // Drafts are previews: checked like any version, never recorded.
                    if !version.front().draft {
                        let event = if importing {
                            Event::Imported
                        } else {
                            Event::Published
                        };
                        let recorded = new_entry(event, &mut next);
                        next.append(recorded);
                    }
                }
            }
        }
    }
    if errors.has_errors() {
        return Err(errors);
    }
    let added = &next.entries[lock.entries.len()..];
    let changed = !added.is_empty() || !lock.legacy.is_empty();
    if changed && inputs.locked {
        let what: Vec<String> = added
            .iter()
            .map(|e| format!("{} ({})", e.file, event_name(e.event)))
            .collect();
        let message = if what.is_empty() {
            "the lock is in the first lock format and must be rewritten".to_string()
        } else {
            format!(
                "the lock is out of date: it does not yet record {}",
                what.join(", ")
            )
        };
        return Err(Diagnostic::error(LOCK_FILE, message)
            .with_help(
                "run `vellum build` without --locked and commit policies.lock with the change",
            )
            .into());
    }
    next.legacy.clear();
    Ok(Record {
        lock: next,
        changed,
        folded,
    })
}

/// The record's hash of every version's text (what readers see of its HTML), by policy
/// and version: in parallel, and, in `vellum serve`, once per rendering.
fn text_hashes(inputs: &Inputs) -> Vec<Vec<String>> {
    use rayon::prelude::*;
    let hash = |p: usize, v: usize| {
        let html = inputs.bodies.get(p, v).html.as_str();
        let Some(known) = inputs.known_texts else {
            return lock::text_hash(html);
        };
        let key = (inputs.bodies.hash(p, v), html.len());
        let found = known
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&key)
            .cloned();
        found.unwrap_or_else(|| {
            let text = lock::text_hash(html);
            known
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(key, text.clone());
            text
        })
    };
    inputs
        .policies
        .iter()
        .enumerate()
        .map(|(p, policy)| {
            (0..policy.versions.len())
                .into_par_iter()
                .map(|v| hash(p, v))
                .collect()
        })
        .collect()
}

/// Two renderings that differ at most in spacing (a line re-wrapped, a double space).
fn same_text(a: &str, b: &str) -> bool {
    a == b || a.split_whitespace().eq(b.split_whitespace())
}

/// `vellum policy import NAME` brings in the history of a policy that exists and has no
/// record yet: a record only grows by new versions, never by rewriting what it holds.
fn check_import(lock: &Lock, policies: &[Policy], name: &str, errors: &mut Diagnostics) {
    let matching: Vec<&Policy> = policies.iter().filter(|p| p.slug == name).collect();
    if matching.is_empty() {
        errors.push(
            Diagnostic::error(
                format!("content/policies/{name}"),
                format!("there is no policy named `{name}` to import"),
            )
            .with_help(format!(
                "put its versions in content/policies/{name}/ (one file per version, named by the date it took effect), or read them from git with --from-git PATH"
            )),
        );
    }
    for policy in matching {
        let recorded = lock.chain(&policy.record_name()).count();
        if recorded > 0 {
            errors.push(
                Diagnostic::error(
                    LOCK_FILE,
                    format!(
                        "the {} policy already has a record of {recorded} version{} in policies.lock: its history can no longer be brought in",
                        policy.record_name(),
                        if recorded == 1 { "" } else { "s" }
                    ),
                )
                .with_help("`vellum policy import` records the history of a policy that has none yet; a policy with a record grows only by new versions (`vellum policy new`)"),
            );
        }
    }
}

/// Published versions whose files are gone (or were turned into drafts). Checked apart
/// from [`check`], before rendering, so a broken link elsewhere cannot hide it.
pub fn deleted(lock: &Lock, policies: &[Policy]) -> Diagnostics {
    let present: BTreeSet<String> = policies
        .iter()
        .flat_map(|p| &p.versions)
        .map(file_key)
        .collect();
    let recorded: BTreeSet<&str> = lock
        .entries
        .iter()
        .map(|e| e.file.as_str())
        .chain(lock.legacy.iter().map(|l| l.file.as_str()))
        .collect();
    let mut errors = Diagnostics::default();
    for gone in recorded.into_iter().filter(|f| !present.contains(*f)) {
        errors.push(
            Diagnostic::error(gone, "this published policy version was deleted (or marked as a draft)")
                .with_help("restore the file as it was published: a published version stays published; to change what is in force, add a new version with `vellum policy new`"),
        );
    }
    errors
}

/// The lock's key for a version: its file, relative to the site root, with `/`.
pub fn file_key(version: &Version) -> String {
    version
        .file
        .display_path
        .to_string_lossy()
        .replace('\\', "/")
}

fn corrections(version: &Version) -> usize {
    version.front().corrections.len()
}

fn date(day: NaiveDate) -> String {
    day.format("%Y-%m-%d").to_string()
}

fn event_name(event: Event) -> &'static str {
    match event {
        Event::Imported => "to import",
        Event::Published => "newly published",
        Event::Corrected => "corrected",
    }
}

/// The first line of the version's text after its front matter.
fn body_line(version: &Version) -> usize {
    let file = &version.file;
    let start = file.body_range.start;
    let skipped = file.text[start..]
        .chars()
        .take_while(|c| c.is_whitespace())
        .map(char::len_utf8)
        .sum::<usize>();
    crate::diagnostic::line_of_offset(&file.text, (start + skipped).min(file.text.len()))
}

/// A new version goes after every recorded one and not into the past.
fn check_append_only(
    version: &Version,
    newest_recorded: Option<&str>,
    today: NaiveDate,
    errors: &mut Diagnostics,
) {
    let effective = date(version.effective);
    let at = |message: String| error_at_date(version, message);
    if let Some(newest) = newest_recorded
        && effective.as_str() <= newest
    {
        errors.push(
            at(format!(
                "this new version takes effect on {effective}, but a version taking effect on {newest} is already published: the record of what was in force cannot be rewritten"
            ))
            .with_help(format!(
                "give it a date after {newest} (rename the file), or, to change a published version, record a correction in that version's front matter"
            )),
        );
    } else if version.effective < today {
        errors.push(
            at(format!(
                "this new version takes effect on {effective}, which has already passed (today is {today}): it would rewrite what was in force on those days"
            ))
            .with_help(format!(
                "give it today's date ({today}) or a later one, and rename the file to match; `vellum policy new` picks the first allowed date"
            )),
        );
    }
}

/// Corrections need a note, and a date from the version's publication up to today.
fn check_corrections(lock: &Lock, version: &Version, today: NaiveDate, errors: &mut Diagnostics) {
    let front = version.front();
    let published = publication_date(lock, version, today);
    for correction in &front.corrections {
        let day = correction.date.date();
        let at = |message: String| {
            version
                .file
                .error_at_text(&correction.date.text, "corrections", message)
        };
        if correction.note.trim().is_empty() {
            errors.push(
                at("this correction has no note".into())
                    .with_help("say what was corrected and why, e.g. note = \"Fixed the retention period in section 4.\""),
            );
        }
        if day > today {
            errors.push(
                at(format!(
                    "this correction is dated {day}, after today ({today})"
                ))
                .with_help(format!("date it the day it is made: date = {today}")),
            );
        } else if day < published {
            errors.push(
                at(format!(
                    "this correction is dated {day}, before the version was published ({published})"
                ))
                .with_help(format!(
                    "a correction is dated the day it is made, between {published} and today ({today})"
                )),
            );
        }
    }
}

/// When a version was published: the day a build recorded it, or for a version brought
/// in with the policy's history, the day its notice went out (else its effective date)
/// or the day it was brought in, whichever is first: an upcoming version brought in
/// was public from then, so it can be corrected from then.
/// A version not yet recorded is published today.
fn publication_date(lock: &Lock, version: &Version, today: NaiveDate) -> NaiveDate {
    let front = version.front();
    let announced_or_effective = front
        .announced
        .as_ref()
        .map_or(version.effective, |a| a.date().min(version.effective));
    let recorded = |entry: &crate::policy::lock::Entry| {
        NaiveDate::parse_from_str(&entry.recorded, "%Y-%m-%d").unwrap_or(today)
    };
    match lock.first(&file_key(version)) {
        Some(entry) if entry.event == Event::Published => recorded(entry),
        Some(entry) => announced_or_effective.min(recorded(entry)),
        None if lock.legacy.iter().any(|l| l.file == file_key(version)) => announced_or_effective,
        None => today,
    }
}

/// An error at where the version's date is written: its `effective` key, or else its
/// file name (the first line stands for it).
fn error_at_date(version: &Version, message: String) -> Diagnostic {
    if version.front().effective.is_some() {
        version.file.error_at_key("effective", message)
    } else {
        Diagnostic::error(&version.file.display_path, message).at_line(&version.file.text, 1)
    }
}

fn moved_date_error(version: &Version, entry: &Entry) -> Diagnostic {
    let message = format!(
        "this published version took effect on {} and its date has changed to {}",
        entry.effective, version.effective
    );
    error_at_date(version, message).with_help(format!(
        "restore effective = {}; to change what is in force, add a new version with `vellum policy new`",
        entry.effective
    ))
}

fn changed_text_error(version: &Version, today: NaiveDate) -> Diagnostic {
    let file = &version.file;
    let body = file.body();
    let line = ["{{", "{%"]
        .iter()
        .filter_map(|open| body.find(open))
        .min()
        .map_or_else(
            || body_line(version),
            |at| crate::diagnostic::line_of_offset(&file.text, file.body_range.start + at),
        );
    Diagnostic::error(
        &file.display_path,
        "the text readers see in this published version changed, though its file did not",
    )
    .at_line(&file.text, line)
    .with_help(format!(
        "a shortcode template (templates/shortcodes/), a Markdown setting in site.toml or the theme changed the words this version shows: undo that change, or record it in this version's front matter: corrections = [{{ date = {today}, note = \"What changed and why.\" }}]"
    ))
}
