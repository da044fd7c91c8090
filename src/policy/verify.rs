//! `vellum policy verify`: did the shop ever rewrite a policy's published record?
//!
//! Compares a `versions.json` saved from the site at any earlier time with today's. The
//! history only grew when every saved version is still there with its dates and text
//! (or with corrections added after the saved ones), every new version takes effect after
//! the saved ones, and the saved record (the sealed chain of lock entries) is the start of
//! today's, whose every seal still checks out.

use std::fmt::Write as _;

use serde::Deserialize;

use super::lock::Entry;

/// The parts of a `versions.json` that verification reads.
#[derive(Debug, Deserialize)]
pub struct VersionsDocument {
    pub policy: String,
    /// The language of the text (absent in copies saved before languages existed: the
    /// site's default).
    #[serde(default)]
    pub language: Option<String>,
    /// A translation: its versions take effect with its source's, so a version
    /// translated later fills in a period without rewriting it.
    #[serde(default)]
    pub translation: bool,
    pub versions: Vec<SavedVersion>,
    #[serde(default)]
    pub record: Vec<Entry>,
}

/// One version as `versions.json` lists it.
#[derive(Debug, Deserialize)]
pub struct SavedVersion {
    pub effective: String,
    pub in_force_until: Option<String>,
    pub sha256: String,
    #[serde(default)]
    pub text_sha256: Option<String>,
    #[serde(default)]
    pub corrections: Vec<serde_json::Value>,
}

/// What changed between the saved copy and today.
#[derive(Debug, Default)]
pub struct Report {
    pub policy: String,
    /// Anything that rewrote the published record.
    pub rewritten: Vec<String>,
    /// Versions added after the saved ones.
    pub added: Vec<String>,
    /// Corrections recorded since.
    pub corrected: Vec<String>,
}

impl Report {
    pub fn only_grew(&self) -> bool {
        self.rewritten.is_empty()
    }

    /// The report in plain words, one finding a line.
    pub fn text(&self) -> String {
        let mut out = String::new();
        if self.only_grew() {
            let _ = writeln!(
                out,
                "The {} policy's history only grew since the saved copy: nothing published was rewritten.",
                self.policy
            );
        } else {
            let _ = writeln!(
                out,
                "The {} policy's published record was REWRITTEN since the saved copy:",
                self.policy
            );
            for line in &self.rewritten {
                let _ = writeln!(out, "  rewritten: {line}");
            }
        }
        for line in &self.corrected {
            let _ = writeln!(out, "  corrected: {line}");
        }
        for line in &self.added {
            let _ = writeln!(out, "  added: {line}");
        }
        if self.added.is_empty() && self.corrected.is_empty() && self.only_grew() {
            let _ = writeln!(out, "  (no change at all)");
        }
        out
    }
}

/// Parses a `versions.json`.
pub fn parse(text: &str, name: &str) -> Result<VersionsDocument, String> {
    serde_json::from_str(text).map_err(|e| format!("{name} is not a policy's versions.json: {e}"))
}

/// Compares a saved `versions.json` with today's.
pub fn compare(saved: &VersionsDocument, today: &VersionsDocument) -> Report {
    let mut report = Report {
        policy: today.policy.clone(),
        ..Report::default()
    };
    if saved.policy != today.policy {
        report.rewritten.push(format!(
            "the saved copy is of the {} policy, not the {} policy",
            saved.policy, today.policy
        ));
        return report;
    }
    if saved.language.is_some() && saved.language != today.language {
        report.rewritten.push(format!(
            "the saved copy is in `{}`, today's in `{}`",
            saved.language.as_deref().unwrap_or_default(),
            today.language.as_deref().unwrap_or_default()
        ));
        return report;
    }
    check_record(saved, today, &mut report);
    for old in &saved.versions {
        let Some(new) = today.versions.iter().find(|v| v.effective == old.effective) else {
            report.rewritten.push(format!(
                "the version effective {} is gone from today's history",
                old.effective
            ));
            continue;
        };
        compare_version(old, new, &mut report);
    }
    let last_saved = saved.versions.iter().map(|v| v.effective.as_str()).max();
    for new in &today.versions {
        if saved.versions.iter().any(|v| v.effective == new.effective) {
            continue;
        }
        match last_saved {
            Some(last) if new.effective.as_str() <= last && !today.translation => report.rewritten.push(format!(
                "a version effective {} was added into a period the saved copy already covered (its newest version took effect {last})",
                new.effective
            )),
            _ => report
                .added
                .push(format!("the version effective {}", new.effective)),
        }
    }
    report
}

fn compare_version(old: &SavedVersion, new: &SavedVersion, report: &mut Report) {
    let day = &old.effective;
    let text_changed = old.sha256 != new.sha256
        || (old.text_sha256.is_some() && old.text_sha256 != new.text_sha256);
    let kept_corrections = new.corrections.starts_with(&old.corrections);
    if !kept_corrections {
        report.rewritten.push(format!(
            "the corrections recorded for the version effective {day} were changed or removed"
        ));
    } else if text_changed && new.corrections.len() > old.corrections.len() {
        for correction in &new.corrections[old.corrections.len()..] {
            report.corrected.push(format!(
                "the version effective {day}, on {}: {}",
                correction["date"].as_str().unwrap_or("an undated day"),
                correction["note"].as_str().unwrap_or("")
            ));
        }
    } else if text_changed {
        report.rewritten.push(format!(
            "the text of the version effective {day} changed with no recorded correction"
        ));
    }
    if let Some(until) = &old.in_force_until
        && new.in_force_until.as_ref() != Some(until)
    {
        report.rewritten.push(format!(
            "the version effective {day} was in force until {until}; today's history says {}",
            new.in_force_until.as_deref().unwrap_or("it still is")
        ));
    }
}

/// Today's record must verify seal by seal and begin with the saved record.
fn check_record(saved: &VersionsDocument, today: &VersionsDocument, report: &mut Report) {
    let mut previous = String::new();
    for entry in &today.record {
        if entry.seal != entry.seal() || entry.previous != previous {
            report.rewritten.push(format!(
                "today's record does not verify at its entry for {} ({:?}, recorded {}): it was edited",
                entry.file, entry.event, entry.recorded
            ));
            return;
        }
        previous.clone_from(&entry.seal);
    }
    for (i, old) in saved.record.iter().enumerate() {
        match today.record.get(i) {
            Some(new) if new.seal == old.seal => {}
            Some(new) => {
                report.rewritten.push(format!(
                    "the record's entry {} was sealed {} in the saved copy ({}, recorded {}) and is {} today ({}, recorded {})",
                    i + 1,
                    short(&old.seal),
                    old.file,
                    old.recorded,
                    short(&new.seal),
                    new.file,
                    new.recorded
                ));
                return;
            }
            None => {
                report.rewritten.push(format!(
                    "today's record is shorter than the saved one: entries from {} ({}) on are gone",
                    i + 1,
                    old.file
                ));
                return;
            }
        }
    }
}

fn short(seal: &str) -> &str {
    seal.get(..12).unwrap_or(seal)
}
