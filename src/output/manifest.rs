//! The build manifest: every output file with its size, hash and type, written beside
//! the output folder (not inside it, so it is not published). `vellum diff` compares two
//! manifests so that CI uploads only what changed and purges only what it must.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::content_type;
use super::headers::{IMMUTABLE, REVALIDATE};
use crate::diagnostic::Diagnostic;

/// One output file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub size: u64,
    pub sha256: String,
    pub content_type: String,
    /// What to send as `Cache-Control` when uploading to storage that does not read
    /// `_headers` (S3, R2, GCS).
    pub cache_control: String,
}

/// The manifest of one build.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub base_url: String,
    /// By output path (`about/index.html`).
    pub files: BTreeMap<String, Entry>,
    /// The next day this output changes by itself (a policy version takes effect), so
    /// a scheduled job knows to build and deploy again; absent when nothing is due.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_change: Option<crate::policy::NextChange>,
}

/// Where the manifest of `output` goes: `public.manifest.json` beside `public/`.
pub fn manifest_path(output: &Path) -> PathBuf {
    let name = output
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    output.with_file_name(format!("{name}.manifest.json"))
}

impl Manifest {
    /// The manifest of a written output folder from what was written into it: each
    /// rendered page's digest (hashed as it was written), the generated files' bytes,
    /// and the copies (read back from `dir`). No walk over the folder: at 10,000 pages,
    /// opening 10,000 folders again cost a third of a second.
    pub fn of_written(
        dir: &Path,
        base_url: &str,
        immutable: &BTreeSet<&str>,
        written: &std::collections::HashMap<String, super::Digest>,
        files: &[super::OutputFile],
        copies: &[super::CopiedFile],
    ) -> Result<Manifest, Diagnostic> {
        use rayon::prelude::*;
        let copied: Vec<(String, Entry)> = copies
            .par_iter()
            .map(|copy| {
                let path = super::safe_join(dir, &copy.path)
                    .map_err(|why| Diagnostic::error(&copy.source, why))?;
                let bytes = std::fs::read(&path).map_err(|e| {
                    Diagnostic::error(&path, format!("cannot read the written output: {e}"))
                })?;
                let key = copy.path.trim_start_matches('/');
                Ok((key.to_string(), entry(key, &bytes, immutable)))
            })
            .collect::<Result<_, Diagnostic>>()?;
        let mut entries: BTreeMap<String, Entry> = copied.into_iter().collect();
        // Output paths as the manifest keeps them: relative, with no leading slash.
        for file in files {
            let key = file.path.trim_start_matches('/');
            entries.insert(key.to_string(), entry(key, &file.bytes, immutable));
        }
        for (path, digest) in written {
            let key = path.trim_start_matches('/');
            let entry = entry_of(key, digest.size, digest.sha256.clone(), immutable);
            entries.insert(key.to_string(), entry);
        }
        Ok(Manifest {
            base_url: base_url.to_string(),
            files: entries,
            next_change: None,
        })
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a manifest always serializes") + "\n"
    }

    pub fn read(path: &Path) -> Result<Manifest, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        serde_json::from_str(&text)
            .map_err(|e| format!("{} is not a vellum manifest: {e}", path.display()))
    }

    /// The public URL of an output path: folders for `index.html` pages.
    pub fn url(&self, path: &str) -> String {
        let path = path.strip_suffix("index.html").unwrap_or(path);
        format!("{}/{}", self.base_url.trim_end_matches('/'), path)
    }
}

/// The entry of the file at output path `path` with these bytes.
fn entry(path: &str, bytes: &[u8], immutable: &BTreeSet<&str>) -> Entry {
    let sha256 = crate::policy::lock::sha256_hex(bytes);
    entry_of(path, bytes.len() as u64, sha256, immutable)
}

/// The entry of a file whose size and hash are known (fingerprinted files never change).
fn entry_of(path: &str, size: u64, sha256: String, immutable: &BTreeSet<&str>) -> Entry {
    let cache_control = if immutable.contains(path) {
        IMMUTABLE
    } else {
        REVALIDATE
    };
    Entry {
        size,
        sha256,
        content_type: content_type(path),
        cache_control: cache_control.to_string(),
    }
}

/// What changed between two builds.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Changes {
    pub added: Vec<String>,
    pub changed: Vec<String>,
    pub removed: Vec<String>,
}

impl Changes {
    pub fn between(old: &Manifest, new: &Manifest) -> Changes {
        let mut changes = Changes::default();
        for (path, entry) in &new.files {
            match old.files.get(path) {
                None => changes.added.push(path.clone()),
                Some(before) if before != entry => changes.changed.push(path.clone()),
                Some(_) => {}
            }
        }
        changes.removed = old
            .files
            .keys()
            .filter(|p| !new.files.contains_key(*p))
            .cloned()
            .collect();
        changes
    }

    /// One line per path (`added`, `changed`, `removed`), then the URLs a CDN must
    /// purge (`purge`): everything changed or removed. A control character in a path
    /// (only an old or hand-made manifest can hold one) is escaped, so a name can never
    /// add a line; `--json` gives such names exactly.
    pub fn report(&self, new: &Manifest) -> String {
        let mut out = String::new();
        for (kind, paths) in [
            ("added", &self.added),
            ("changed", &self.changed),
            ("removed", &self.removed),
        ] {
            for path in paths {
                let _ = writeln!(out, "{kind} {}", one_line(path));
            }
        }
        for path in self.changed.iter().chain(&self.removed) {
            let _ = writeln!(out, "purge {}", one_line(&new.url(path)));
        }
        out
    }

    /// The same as one JSON object, for publish scripts.
    pub fn json(&self, new: &Manifest) -> String {
        let purge: Vec<String> = self
            .changed
            .iter()
            .chain(&self.removed)
            .map(|path| new.url(path))
            .collect();
        serde_json::json!({
            "added": self.added,
            "changed": self.changed,
            "removed": self.removed,
            "purge": purge,
        })
        .to_string()
    }
}

fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| match crate::input_files::is_line_breaking(c) {
            true => c.escape_default().to_string(),
            false => c.to_string(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest(files: &[(&str, &str)]) -> Manifest {
        let files = files
            .iter()
            .map(|(p, h)| {
                (
                    p.to_string(),
                    Entry {
                        size: 1,
                        sha256: h.to_string(),
                        content_type: content_type(p),
                        cache_control: REVALIDATE.into(),
                    },
                )
            })
            .collect();
        Manifest {
            base_url: "https://x.test".into(),
            files,
            next_change: None,
        }
    }

    #[test]
    fn changes_are_sorted_into_added_changed_removed_and_purges() {
        let old = manifest(&[
            ("index.html", "a"),
            ("about/index.html", "b"),
            ("old.css", "c"),
        ]);
        let new = manifest(&[
            ("index.html", "a"),
            ("about/index.html", "B"),
            ("new.css", "d"),
        ]);
        let changes = Changes::between(&old, &new);
        assert_eq!(changes.added, ["new.css"]);
        assert_eq!(changes.changed, ["about/index.html"]);
        assert_eq!(changes.removed, ["old.css"]);
        let report = changes.report(&new);
        assert!(report.contains("purge https://x.test/about/\n"), "{report}");
        assert!(
            report.contains("purge https://x.test/old.css\n"),
            "{report}"
        );
        assert!(!report.contains("purge https://x.test/new.css"), "{report}");
    }

    #[test]
    fn names_with_newlines_cannot_add_lines() {
        let old = manifest(&[("index.html", "a"), ("x\nremoved index.html", "b")]);
        let new = manifest(&[("index.html", "a")]);
        let changes = Changes::between(&old, &new);
        let report = changes.report(&new);
        assert_eq!(report.lines().count(), 2, "{report}");
        assert!(
            report.starts_with("removed x\\nremoved index.html\n"),
            "{report}"
        );
        let json: serde_json::Value = serde_json::from_str(&changes.json(&new)).unwrap();
        assert_eq!(json["removed"][0], "x\nremoved index.html");
        assert_eq!(json["added"].as_array().unwrap().len(), 0);
    }
}
