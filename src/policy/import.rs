//! Bringing a policy's earlier history in (`vellum policy import NAME`): its versions
//! read from the git history of the one file a shop kept it in (one version for each
//! day the file changed), written as version files marked `imported = true`, with
//! links to the original site made absolute. Recording them is the record's business
//! (`record::check` with `import`); this module only reads and writes files.

use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::NaiveDate;

/// One version of the file, as it stood at the end of a day it changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatedText {
    pub day: NaiveDate,
    /// The commit it comes from.
    pub commit: String,
    pub text: String,
}

/// What went wrong reading a history or writing its versions, in words to act on.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("could not run git ({0}); is git installed?")]
    NoGit(std::io::Error),
    #[error("git could not read the history of {path}: {message}")]
    Git { path: PathBuf, message: String },
    #[error("{path} has no history in git: commit it first, or pass the file git knows it by")]
    NoHistory { path: PathBuf },
    #[error("{path} already exists with other text: a version for {day} is already there")]
    Exists { path: PathBuf, day: NaiveDate },
    #[error("could not write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// The versions of `file` in its git history, oldest first: for each day a commit
/// changed it (by committer date), the text at that day's last such commit. Renames
/// are followed.
pub fn versions_from_git(file: &Path) -> Result<Vec<DatedText>, ImportError> {
    let folder = file
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = file.file_name().map(PathBuf::from).unwrap_or_default();
    let git = |args: &[&str]| -> Result<String, ImportError> {
        let out = Command::new("git")
            .arg("-C")
            .arg(folder)
            .args(args)
            .output()
            .map_err(ImportError::NoGit)?;
        if !out.status.success() {
            return Err(ImportError::Git {
                path: file.to_path_buf(),
                message: String::from_utf8_lossy(&out.stderr).trim().to_string(),
            });
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    };
    let name_arg = name.to_string_lossy().into_owned();
    // Newest first: each commit as "\x1eHASH DATE", then the file's path at that commit
    // (relative to the repository's top) on its own line.
    let log = git(&[
        "log",
        "--follow",
        "--name-only",
        "--format=%x1e%H %cs",
        "--",
        &name_arg,
    ])?;
    let mut days: Vec<(NaiveDate, String, String)> = Vec::new();
    for record in log.split('\x1e').filter(|r| !r.trim().is_empty()) {
        let mut lines = record.lines().filter(|l| !l.trim().is_empty());
        let (Some(head), Some(path)) = (lines.next(), lines.next()) else {
            continue;
        };
        let Some((commit, day)) = head.split_once(' ') else {
            continue;
        };
        let Ok(day) = NaiveDate::parse_from_str(day.trim(), "%Y-%m-%d") else {
            continue;
        };
        // The newest commit of a day comes first and stands for that day.
        if days.last().is_some_and(|(d, _, _)| *d == day) {
            continue;
        }
        days.push((day, commit.to_string(), path.trim().to_string()));
    }
    if days.is_empty() {
        return Err(ImportError::NoHistory {
            path: file.to_path_buf(),
        });
    }
    days.reverse();
    let mut versions = Vec::with_capacity(days.len());
    for (day, commit, path) in days {
        // A commit that deleted the file has no text at that commit: skip it.
        let Ok(text) = git(&["show", &format!("{commit}:{path}")]) else {
            continue;
        };
        versions.push(DatedText { day, commit, text });
    }
    Ok(versions)
}

/// Writes each version to `content/policies/NAME/DAY.md`, marked `imported = true`
/// (kept front matter gets the mark added), with links to the original site made
/// absolute against `link_base` when given. Returns the files written; a file already
/// there with the same text is left alone, one with other text is an error (nothing
/// is written then).
pub fn write_versions(
    root: &Path,
    name: &str,
    versions: &[DatedText],
    link_base: Option<&str>,
) -> Result<Vec<PathBuf>, ImportError> {
    let folder = folder(root, name);
    let planned: Vec<(PathBuf, String)> = versions
        .iter()
        .map(|v| {
            let body = match link_base {
                Some(base) => absolute_links(&v.text, base),
                None => v.text.clone(),
            };
            let path = folder.join(format!("{}.md", v.day.format("%Y-%m-%d")));
            (path, mark_imported(&body))
        })
        .collect();
    for ((path, text), version) in planned.iter().zip(versions) {
        if let Ok(existing) = std::fs::read_to_string(path)
            && existing != *text
        {
            return Err(ImportError::Exists {
                path: path.strip_prefix(root).unwrap_or(path).to_path_buf(),
                day: version.day,
            });
        }
    }
    std::fs::create_dir_all(&folder).map_err(|source| ImportError::Write {
        path: folder.clone(),
        source,
    })?;
    let mut written = Vec::new();
    for (path, text) in planned {
        if path.exists() {
            continue;
        }
        std::fs::write(&path, text).map_err(|source| ImportError::Write {
            path: path.clone(),
            source,
        })?;
        written.push(path);
    }
    Ok(written)
}

/// Adds `imported = true` to a version's front matter, or gives it front matter.
pub fn mark_imported(text: &str) -> String {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    for (fence, line) in [("+++", "imported = true"), ("---", "imported: true")] {
        if let Some(rest) = text.strip_prefix(fence)
            && let Some(rest) = rest
                .strip_prefix('\n')
                .or_else(|| rest.strip_prefix("\r\n"))
        {
            if rest.lines().any(|l| l.trim_start().starts_with("imported")) {
                return text.to_string();
            }
            return format!("{fence}\n{line}\n{rest}");
        }
    }
    format!("+++\nimported = true\n+++\n\n{text}")
}

/// Makes the Markdown links and HTML `href`s of a version written for another site
/// point there: root-relative (`/help`) and relative (`terms.html`) targets, and `#x`
/// anchors that name no heading of this text, become addresses under `base`
/// (`https://example.com/legal/privacy`). Absolute addresses, `mailto:`, `tel:` and
/// vellum's own `@/` links are kept.
pub fn absolute_links(markdown: &str, base: &str) -> String {
    let base = base.trim_end_matches('/');
    let origin = origin_of(base);
    let headings = heading_ids(markdown);
    let rewrite = |target: &str| -> Option<String> {
        let kept = [
            "http://", "https://", "mailto:", "tel:", "@/", "//", "data:",
        ];
        if target.is_empty() || kept.iter().any(|k| target.starts_with(k)) {
            return None;
        }
        if let Some(anchor) = target.strip_prefix('#') {
            return (!headings.iter().any(|h| h == anchor)).then(|| format!("{base}{target}"));
        }
        if target.starts_with('/') {
            return Some(format!("{origin}{target}"));
        }
        let folder = base.rsplit_once('/').map_or(base, |(folder, _)| folder);
        Some(format!("{folder}/{target}"))
    };
    let mut out = String::with_capacity(markdown.len());
    let mut rest = markdown;
    loop {
        // The nearer of a Markdown link target `](` and an HTML `href="`.
        let md = rest.find("](");
        let html = rest.find("href=\"");
        let (at, open, close) = match (md, html) {
            (Some(m), Some(h)) if h < m => (h, "href=\"".len(), '"'),
            (Some(m), _) => (m, 2, ')'),
            (None, Some(h)) => (h, "href=\"".len(), '"'),
            (None, None) => break,
        };
        let start = at + open;
        out.push_str(&rest[..start]);
        rest = &rest[start..];
        let end = rest
            .find(|c: char| c == close || (close == ')' && c.is_whitespace()))
            .unwrap_or(rest.len());
        let target = &rest[..end];
        match rewrite(target) {
            Some(absolute) => out.push_str(&absolute),
            None => out.push_str(target),
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// `https://example.com` of `https://example.com/legal/privacy`.
fn origin_of(base: &str) -> &str {
    let after_scheme = base.find("://").map_or(0, |i| i + 3);
    match base[after_scheme..].find('/') {
        Some(slash) => &base[..after_scheme + slash],
        None => base,
    }
}

/// The ids the Markdown stage gives this text's headings: `{#id}` where given, else
/// the slug of the title (as `markdown.rs` makes them).
fn heading_ids(markdown: &str) -> Vec<String> {
    markdown
        .lines()
        .filter(|l| l.starts_with('#'))
        .map(|l| {
            let title = l.trim_start_matches('#').trim();
            match title.rsplit_once("{#") {
                Some((_, id)) => id.trim_end_matches('}').trim().to_string(),
                None => slug::slugify(title),
            }
        })
        .collect()
}

/// Where `policy import` writes a policy's versions.
pub fn folder(root: &Path, name: &str) -> PathBuf {
    root.join("content").join("policies").join(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_to_the_original_site_become_absolute_and_own_anchors_stay() {
        let text = "## Your rights\n\nSee [help](/help/), [terms](terms.html), [rights](#your-rights), [cookies](#cookie-table), [mail](mailto:a@b.c), [ours](@/about.md) and <a href=\"/x\">x</a>.";
        let out = absolute_links(text, "https://shop.example/legal/privacy");
        assert!(out.contains("[help](https://shop.example/help/)"), "{out}");
        assert!(
            out.contains("[terms](https://shop.example/legal/terms.html)"),
            "{out}"
        );
        assert!(out.contains("[rights](#your-rights)"), "{out}");
        assert!(
            out.contains("[cookies](https://shop.example/legal/privacy#cookie-table)"),
            "{out}"
        );
        assert!(
            out.contains("(mailto:a@b.c)") && out.contains("(@/about.md)"),
            "{out}"
        );
        assert!(out.contains("<a href=\"https://shop.example/x\">"), "{out}");
    }

    #[test]
    fn the_mark_goes_into_kept_front_matter() {
        assert_eq!(mark_imported("text"), "+++\nimported = true\n+++\n\ntext");
        assert_eq!(
            mark_imported("+++\ntitle = \"T\"\n+++\nx"),
            "+++\nimported = true\ntitle = \"T\"\n+++\nx"
        );
        assert_eq!(
            mark_imported("---\ntitle: T\n---\nx"),
            "---\nimported: true\ntitle: T\n---\nx"
        );
    }
}
