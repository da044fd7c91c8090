//! `policies.lock`: nothing published changes silently.
//!
//! The lock, committed beside `content/`, records a hash of each published version's
//! source. If a recorded version's text changes, the build fails unless the version's
//! front matter records one more correction than the lock knows of. A deleted version
//! is an error too. `vellum build --locked` fails instead of updating the lock.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::Policy;
use crate::diagnostic::{Diagnostic, Diagnostics};

/// The lock file's name, at the site root.
pub const LOCK_FILE: &str = "policies.lock";

const HEADER: &str = "# Written by vellum: a hash of every published policy version.\n\
# Commit this file. A version whose text changes needs a recorded correction.\n\n";

#[derive(Debug, Default, Serialize, Deserialize)]
struct LockFile {
    #[serde(default, rename = "version")]
    versions: Vec<Entry>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Entry {
    file: String,
    sha256: String,
    corrections: usize,
}

/// What the lock check decided.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The lock already matches.
    Unchanged,
    /// The lock needs this new text (new versions, or accepted corrections).
    Update(String),
}

/// Compares the policies with the lock in `root`.
pub fn check(root: &Path, policies: &[Policy], locked: bool) -> Result<Outcome, Diagnostics> {
    let previous = read(root)?;
    let recorded: BTreeMap<&str, &Entry> = previous
        .versions
        .iter()
        .map(|e| (e.file.as_str(), e))
        .collect();
    let mut errors = Diagnostics::default();
    let mut current: BTreeMap<String, Entry> = BTreeMap::new();
    for version in policies.iter().flat_map(|p| &p.versions) {
        let file = version
            .file
            .display_path
            .to_string_lossy()
            .replace('\\', "/");
        let entry = Entry {
            file: file.clone(),
            sha256: source_hash(&version.file.text),
            corrections: version.file.front_matter.corrections.len(),
        };
        if let Some(old) = recorded.get(file.as_str())
            && old.sha256 != entry.sha256
            && entry.corrections <= old.corrections
        {
            errors.push(
                Diagnostic::error(
                    &version.file.display_path,
                    "this policy version was published and its text has changed",
                )
                .at_line(&version.file.text, 1)
                .with_help(
                    "published versions must not change silently: restore the text, or record \
                     the change in the front matter: corrections = [{ date = 2026-11-25, note = \"Fixed a typo in section 2.\" }]",
                ),
            );
        }
        current.insert(file, entry);
    }
    for gone in recorded.keys().filter(|f| !current.contains_key(**f)) {
        errors.push(
            Diagnostic::error(*gone, "this published policy version was deleted").with_help(
                format!(
                    "restore the file; if it was never published, remove its entry from {LOCK_FILE}"
                ),
            ),
        );
    }
    if errors.has_errors() {
        return Err(errors);
    }
    let next: Vec<Entry> = current.into_values().collect();
    if next == previous.versions {
        return Ok(Outcome::Unchanged);
    }
    if locked {
        return Err(Diagnostic::error(
            LOCK_FILE,
            "the lock is out of date: new or corrected policy versions are not recorded in it",
        )
        .with_help("run `vellum build` without --locked and commit policies.lock")
        .into());
    }
    let body = toml::to_string(&LockFile { versions: next }).expect("the lock always serializes");
    Ok(Outcome::Update(format!("{HEADER}{body}")))
}

/// Writes the lock text chosen by [`check`].
pub fn write(root: &Path, text: &str) -> Result<(), Diagnostic> {
    std::fs::write(root.join(LOCK_FILE), text)
        .map_err(|e| Diagnostic::error(LOCK_FILE, format!("cannot write the lock file: {e}")))
}

fn read(root: &Path) -> Result<LockFile, Diagnostic> {
    let path = root.join(LOCK_FILE);
    if !path.exists() {
        return Ok(LockFile::default());
    }
    let text = crate::content::read_utf8(&path, Path::new(LOCK_FILE))?;
    toml::from_str(&text).map_err(|e| {
        let diagnostic = Diagnostic::error(
            LOCK_FILE,
            format!("the lock file is damaged: {}", e.message()),
        )
        .with_help("restore it from version control");
        match e.span() {
            Some(span) => diagnostic.at_span(&text, span),
            None => diagnostic,
        }
    })
}

/// SHA-256 of the source with line endings normalised, so a Windows checkout matches.
pub fn source_hash(text: &Arc<str>) -> String {
    // Exactly `sha256sum` of the file once CRLF line endings are made LF, so anyone
    // can verify a published hash against the source.
    let normalised = text.replace("\r\n", "\n");
    Sha256::digest(normalised.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_ignores_line_ending_style() {
        assert_eq!(
            source_hash(&Arc::from("a\r\nb")),
            source_hash(&Arc::from("a\nb"))
        );
        assert_ne!(
            source_hash(&Arc::from("a\nb")),
            source_hash(&Arc::from("a\nc"))
        );
    }
}
