//! Showing how a published version changed: finds the text that was published (the
//! newest revision in git history whose hash matches the lock) and points at the first
//! line that differs, with the published and the new line side by side.
//!
//! Git is only asked after a build has already found a changed version, so a site
//! outside git still builds; its error then points at the top of the text instead.

use std::path::Path;
use std::process::Command;

use chrono::NaiveDate;

use super::Version;
use super::lock::source_hash;
use super::record::file_key;
use crate::diagnostic::Diagnostic;

/// How many revisions of a file to look through for its published text.
const HISTORY_DEPTH: &str = "200";

/// For a version `vellum build` recorded in the editor's own pull request: the record
/// is undone with the lock, not corrected.
const UNMERGED: &str = "If this version is part of your own change and not merged yet (`vellum build` recorded it in policies.lock), undo that record instead: `git checkout policies.lock`, then `vellum build`";

/// The error for a published version whose source changed without a correction.
pub fn changed_source_error(
    root: &Path,
    version: &Version,
    published_hash: &str,
    today: NaiveDate,
) -> Diagnostic {
    let file = &version.file;
    let correction =
        format!("corrections = [{{ date = {today}, note = \"What was corrected and why.\" }}]");
    let Some(published) = published_text(root, &file_key(version), published_hash) else {
        return Diagnostic::error(
            &file.display_path,
            "this policy version was published and its text has changed",
        )
        .at_line(&file.text, 1)
        .with_help(format!(
            "published versions must not change silently: restore the published text from version control, or record the change in the front matter: {correction}. {UNMERGED}"
        ));
    };
    let now = file.text.replace("\r\n", "\n");
    let (line, old, new) = first_change(&published, &now);
    Diagnostic::error(
        &file.display_path,
        format!("this policy version was published and line {line} has changed"),
    )
    .at_line(&file.text, line)
    .with_help({
        let (old, new) = match (old, new) {
            (Some(old), Some(new)) => changed_parts(old, new),
            _ => (shown(old), shown(new)),
        };
        format!(
            "published: {old}\n      now: {new}\npublished versions must not change silently: restore the line as published, or record the change in the front matter: {correction}. {UNMERGED}"
        )
    })
}

/// How much of a long line to show on each side of a change.
const CONTEXT: usize = 30;

/// The published and the new line, cut down to the part that differs and a few words
/// either side: in a 500-character paragraph, one changed word is otherwise hard to find.
fn changed_parts(old: &str, new: &str) -> (String, String) {
    if old.chars().count() <= 2 * CONTEXT + 40 && new.chars().count() <= 2 * CONTEXT + 40 {
        return (shown(Some(old)), shown(Some(new)));
    }
    let prefix: usize = old
        .chars()
        .zip(new.chars())
        .take_while(|(a, b)| a == b)
        .map(|(a, _)| a.len_utf8())
        .sum();
    let suffix: usize = old[prefix..]
        .chars()
        .rev()
        .zip(new[prefix..].chars().rev())
        .take_while(|(a, b)| a == b)
        .map(|(a, _)| a.len_utf8())
        .sum();
    let cut = |line: &str| {
        let end = line.len() - suffix;
        // Back to a word's start before the change, on to a word's end after it.
        let start = line[..prefix]
            .char_indices()
            .rev()
            .nth(CONTEXT)
            .map_or(0, |(i, _)| {
                line[..i].rfind(' ').map_or(0, |space| space + 1)
            });
        let stop = line[end..]
            .char_indices()
            .nth(CONTEXT)
            .map_or(line.len(), |(i, _)| {
                line[end + i..]
                    .find(' ')
                    .map_or(line.len(), |space| end + i + space)
            });
        let before = if start > 0 { "…" } else { "" };
        let after = if stop < line.len() { "…" } else { "" };
        format!("{before}{}{after}", &line[start..stop])
    };
    (cut(old), cut(new))
}

/// The first line where `new` differs from `old`: its number in `new` (1-based) and the
/// published and the new line (`None` where one text has no line there).
pub fn first_change<'a>(old: &'a str, new: &'a str) -> (usize, Option<&'a str>, Option<&'a str>) {
    let old_lines: Vec<&str> = old.lines().collect();
    let new_lines: Vec<&str> = new.lines().collect();
    let same = old_lines
        .iter()
        .zip(&new_lines)
        .take_while(|(a, b)| a == b)
        .count();
    let line = (same + 1).min(new_lines.len().max(1));
    (
        line,
        old_lines.get(same).copied(),
        new_lines.get(same).copied(),
    )
}

fn shown(line: Option<&str>) -> String {
    match line {
        Some("") => "(an empty line)".to_string(),
        Some(line) => line.to_string(),
        None => "(no line: the text ended)".to_string(),
    }
}

/// The published text of `file` (relative to `root`): the staged or newest committed
/// revision whose hash is `hash`.
fn published_text(root: &Path, file: &str, hash: &str) -> Option<String> {
    let git = |args: &[&str]| -> Option<String> {
        let output = Command::new("git")
            .arg("-C")
            .arg(root)
            .args(["-c", "core.quotepath=off"])
            .args(args)
            .env("GIT_TERMINAL_PROMPT", "0")
            .output()
            .ok()?;
        output
            .status
            .success()
            .then(|| String::from_utf8_lossy(&output.stdout).into_owned())
    };
    let relative = format!("./{file}");
    let staged = std::iter::once(String::new());
    let revisions =
        git(&["log", "--format=%H", "-n", HISTORY_DEPTH, "--", &relative]).unwrap_or_default();
    staged
        .chain(revisions.lines().map(str::to_string))
        .filter_map(|rev| git(&["show", &format!("{rev}:{relative}")]))
        .find(|text| source_hash(text) == hash)
        .map(|text| text.replace("\r\n", "\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_line_is_shown_around_its_change() {
        let old = "This Privacy Policy explains how we collect, use, store, protect, and manage the personal information submitted by users. Our top priority is to fully protect user privacy and personal data security, and all data processing behaviors strictly follow standardized principles.";
        let new = old.replace("Our top priority", "Our highest priority");
        let (was, now) = changed_parts(old, &new);
        assert!(was.starts_with('…') && was.ends_with('…'), "{was}");
        assert!(was.contains("Our top priority"), "{was}");
        assert!(now.contains("Our highest priority"), "{now}");
        assert!(was.chars().count() < 100, "{was}");
        // Short lines are shown whole; a change at the very start or end keeps its edge.
        assert_eq!(changed_parts("a b", "a c"), ("a b".into(), "a c".into()));
        let (_, now) = changed_parts(old, &format!("Now: {old}"));
        assert!(now.starts_with("Now: This") && now.ends_with('…'), "{now}");
    }

    #[test]
    fn first_change_names_the_line_and_both_texts() {
        let old = "a\nb\nc\n";
        assert_eq!(first_change(old, "a\nB\nc\n"), (2, Some("b"), Some("B")));
        assert_eq!(first_change(old, "a\nb\n"), (2, Some("c"), None));
        assert_eq!(first_change(old, "a\nb\nc\nd\n"), (4, None, Some("d")));
    }
}
