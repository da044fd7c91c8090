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
            "published versions must not change silently: restore the published text from version control, or record the change in the front matter: {correction}"
        ));
    };
    let now = file.text.replace("\r\n", "\n");
    let (line, old, new) = first_change(&published, &now);
    Diagnostic::error(
        &file.display_path,
        format!("this policy version was published and line {line} has changed"),
    )
    .at_line(&file.text, line)
    .with_help(format!(
        "published: {}\n      now: {}\npublished versions must not change silently: restore the line as published, or record the change in the front matter: {correction}",
        shown(old),
        shown(new)
    ))
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
    fn first_change_names_the_line_and_both_texts() {
        let old = "a\nb\nc\n";
        assert_eq!(first_change(old, "a\nB\nc\n"), (2, Some("b"), Some("B")));
        assert_eq!(first_change(old, "a\nb\n"), (2, Some("c"), None));
        assert_eq!(first_change(old, "a\nb\nc\nd\n"), (4, None, Some("d")));
    }
}
