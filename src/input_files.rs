//! Lists the files of an input folder (`content/`, `static/`, `data/`, templates and
//! themes) under one rule, so that nothing outside the site can reach the output:
//!
//! - a symbolic link is followed only when its target, fully resolved, is inside the
//!   site folder; any other link is an error naming the link and its target (content
//!   arrives in pull requests, and a link to `/proc/self/environ` would publish CI's
//!   secrets);
//! - a name with a control character (a newline, a tab, an escape) is an error naming
//!   the folder and the escaped name, since such names steer the tools that read
//!   vellum's output line by line;
//! - every file comes with its size, so callers can refuse oversized input before
//!   reading it.
//!
//! Every stage that reads a folder (`build`, `check`, `serve`, the policy commands)
//! goes through [`list`], so the rule cannot differ between them.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use walkdir::WalkDir;

use crate::diagnostic::{Diagnostic, Diagnostics};

/// A file found in an input folder.
#[derive(Debug, Clone)]
pub struct InputFile {
    /// Where to read it (a link's path; its target is inside the site).
    pub path: PathBuf,
    /// Path under the listed folder, with `/` separators.
    pub relative: String,
    /// Size in bytes (of the link's target, for a link).
    pub len: u64,
}

/// Lists the files under `dir` (a folder inside the site `root`), sorted by path.
/// Entries for which `skip` returns true (hidden files, editors' backups) are left out
/// with everything under them and are never read. A missing `dir` lists nothing.
pub fn list(
    root: &Path,
    dir: &Path,
    skip: impl Fn(&OsStr) -> bool,
) -> (Vec<InputFile>, Diagnostics) {
    let mut files = Vec::new();
    let mut problems = Diagnostics::default();
    if std::fs::symlink_metadata(dir).is_err() {
        return (files, problems);
    }
    let site = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    let shown = |path: &Path| path.strip_prefix(root).unwrap_or(path).to_path_buf();
    // The folder itself may be reached through a link higher up (`themes/x` -> /srv).
    if let Some(real) = where_outside(&site, dir) {
        let real = real.unwrap_or_else(|| dir.to_path_buf());
        problems.push(
            Diagnostic::error(
                shown(dir),
                format!(
                    "this folder is reached through a link to {}, which is outside the site folder",
                    real.display()
                ),
            )
            .with_help("vellum follows only links that stay inside the site folder: copy the folder into the site instead"),
        );
        return (files, problems);
    }
    let mut walker = WalkDir::new(dir)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !skip(e.file_name()));
    while let Some(entry) = walker.next() {
        let entry = match entry {
            Ok(entry) => entry,
            Err(e) => {
                let at = e.path().map(shown).unwrap_or_else(|| shown(dir));
                // A dangling link cannot be followed, so it arrives as an error.
                let dangling = e
                    .path()
                    .and_then(|path| link_out_of(&site, path, at.clone()));
                let why = match e.loop_ancestor() {
                    Some(ancestor) => format!(
                        "this link leads back to {}, so the folder would never end",
                        shown(ancestor).display()
                    ),
                    None => format!(
                        "cannot read this: {}",
                        e.io_error().map_or(e.to_string(), ToString::to_string)
                    ),
                };
                problems.push(dangling.unwrap_or_else(|| {
                    Diagnostic::error(at, why).with_help(
                        "remove the link, or replace it with a copy of what it points to",
                    )
                }));
                continue;
            }
        };
        if entry.depth() > 0 && has_control_character(entry.file_name()) {
            let folder = entry.path().parent().map(shown).unwrap_or_default();
            problems.push(
                Diagnostic::error(
                    &folder,
                    format!(
                        "this folder holds a file named \"{}\", with a control character in its name",
                        entry.file_name().to_string_lossy().escape_debug()
                    ),
                )
                .with_help("rename it using letters, digits, dashes and dots only"),
            );
            if entry.file_type().is_dir() {
                walker.skip_current_dir();
            }
            continue;
        }
        if entry.path_is_symlink()
            && let Some(problem) = link_out_of(&site, entry.path(), shown(entry.path()))
        {
            problems.push(problem);
            if entry.file_type().is_dir() {
                walker.skip_current_dir();
            }
            continue;
        }
        if entry.file_type().is_dir() {
            continue;
        }
        let len = match entry.metadata() {
            Ok(metadata) => metadata.len(),
            Err(e) => {
                problems.push(Diagnostic::error(
                    shown(entry.path()),
                    format!("cannot read this file: {e}"),
                ));
                continue;
            }
        };
        let relative = entry
            .path()
            .strip_prefix(dir)
            .unwrap_or(entry.path())
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        files.push(InputFile {
            path: entry.into_path(),
            relative,
            len,
        });
    }
    (files, problems)
}

/// Refuses a single file of the site (`site.toml`, `policies.lock`) that is a link
/// leading out of it, by the same rule as [`list`].
pub fn check_site_file(root: &Path, path: &Path) -> Result<(), Diagnostic> {
    let is_link = std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
    if !is_link {
        return Ok(());
    }
    let site = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    let shown = path.strip_prefix(root).unwrap_or(path).to_path_buf();
    link_out_of(&site, path, shown).map_or(Ok(()), Err)
}

/// An error if the link at `path` leads outside `site` (canonical), into a hidden
/// folder of it, or nowhere.
fn link_out_of(site: &Path, path: &Path, shown: PathBuf) -> Option<Diagnostic> {
    let why = match where_outside(site, path)? {
        Some(resolved) => format!(
            "this is a link to {}, which is outside the site folder (or hidden in it)",
            resolved.display()
        ),
        None => format!(
            "this is a link to {}, which does not exist",
            std::fs::read_link(path).unwrap_or_default().display()
        ),
    };
    Some(Diagnostic::error(shown, why).with_help(
        "vellum follows only links that stay inside the site folder: \
         copy the file into the site instead, or remove the link",
    ))
}

/// `None` if `path`, links resolved, is inside `site` (canonical) and not in a hidden
/// folder of it; else where it really is, or `Some(None)` if it leads nowhere.
/// Hidden folders inside the site count as outside: CI keeps the deploy token of a
/// checkout in `.git/config`.
fn where_outside(site: &Path, path: &Path) -> Option<Option<PathBuf>> {
    let Ok(resolved) = std::fs::canonicalize(path) else {
        return Some(None);
    };
    match resolved.strip_prefix(site) {
        Ok(inside) if !inside.iter().any(is_hidden) => None,
        _ => Some(Some(resolved)),
    }
}

/// An error for a file larger than `[limits] key` megabytes allow, if it is.
pub fn too_big(display_path: &Path, len: u64, megabytes: u64, key: &str) -> Option<Diagnostic> {
    (len > megabytes.saturating_mul(Limits::MEGABYTE)).then(|| {
        Diagnostic::error(
            display_path,
            format!(
                "this file is {:.1} MB, more than the {megabytes} MB a build accepts",
                len as f64 / Limits::MEGABYTE as f64
            ),
        )
        .with_help(format!(
            "split or shrink it, or raise `{key}` under [limits] in site.toml if it really must be this big"
        ))
    })
}

/// Hidden files (`.git`, `.DS_Store`) are never input.
pub fn is_hidden(name: &OsStr) -> bool {
    name.to_string_lossy().starts_with('.')
}

/// Control characters, and the Unicode line and paragraph separators that some tools
/// also split lines at.
pub fn is_line_breaking(c: char) -> bool {
    c.is_control() || matches!(c, '\u{2028}' | '\u{2029}')
}

fn has_control_character(name: &OsStr) -> bool {
    name.to_string_lossy().chars().any(is_line_breaking)
}

/// The `[limits]` table of site.toml: the largest input a build accepts, each with a clear error
/// naming the file when exceeded. Defaults fit any real shop with a wide margin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    /// Largest Markdown page or data file, in megabytes.
    #[serde(default = "default_page_megabytes")]
    pub page_megabytes: u64,
    /// Largest copied file (images, PDFs, static files), in megabytes.
    #[serde(default = "default_asset_megabytes")]
    pub asset_megabytes: u64,
    /// Most pixels in an image that vellum decodes (product images), in millions.
    #[serde(default = "default_image_megapixels")]
    pub image_megapixels: u64,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            page_megabytes: default_page_megabytes(),
            asset_megabytes: default_asset_megabytes(),
            image_megapixels: default_image_megapixels(),
        }
    }
}

impl Limits {
    pub const MEGABYTE: u64 = 1024 * 1024;

    pub fn page_bytes(&self) -> u64 {
        self.page_megabytes.saturating_mul(Self::MEGABYTE)
    }

    pub fn asset_bytes(&self) -> u64 {
        self.asset_megabytes.saturating_mul(Self::MEGABYTE)
    }

    pub fn image_pixels(&self) -> u64 {
        self.image_megapixels.saturating_mul(1_000_000)
    }
}

fn default_page_megabytes() -> u64 {
    4
}

fn default_asset_megabytes() -> u64 {
    50
}

fn default_image_megapixels() -> u64 {
    40
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn links_inside_the_site_are_followed_and_links_outside_are_errors() {
        let site = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        let dir = site.path().join("static");
        std::fs::create_dir_all(dir.join("shared")).unwrap();
        std::fs::write(dir.join("shared/logo.svg"), "<svg/>").unwrap();
        std::fs::write(outside.path().join("secret"), "token").unwrap();
        std::os::unix::fs::symlink(dir.join("shared/logo.svg"), dir.join("logo.svg")).unwrap();
        std::os::unix::fs::symlink(outside.path().join("secret"), dir.join("secret.txt")).unwrap();
        std::os::unix::fs::symlink(outside.path(), dir.join("elsewhere")).unwrap();
        std::os::unix::fs::symlink("/nowhere/at/all", dir.join("dangling")).unwrap();
        std::fs::create_dir_all(site.path().join(".git")).unwrap();
        std::fs::write(site.path().join(".git/config"), "token").unwrap();
        std::os::unix::fs::symlink(site.path().join(".git/config"), dir.join("git.txt")).unwrap();
        let (files, problems) = list(site.path(), &dir, is_hidden);
        let names: Vec<&str> = files.iter().map(|f| f.relative.as_str()).collect();
        assert_eq!(names, ["logo.svg", "shared/logo.svg"]);
        let messages: Vec<String> = problems.0.iter().map(|d| d.render(false)).collect();
        assert_eq!(messages.len(), 4, "{messages:#?}");
        assert!(messages.iter().any(|m| m.contains("static/git.txt")));
        assert!(
            messages
                .iter()
                .any(|m| m.contains("static/secret.txt") && m.contains("outside the site folder"))
        );
        assert!(messages.iter().any(|m| m.contains("static/elsewhere")));
        assert!(
            messages
                .iter()
                .any(|m| m.contains("/nowhere/at/all") && m.contains("does not exist"))
        );
    }

    #[test]
    fn control_characters_in_names_are_errors_with_the_name_escaped() {
        let site = tempfile::tempdir().unwrap();
        let dir = site.path().join("content");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("a\nremoved index.html.md"), "x").unwrap();
        std::fs::write(dir.join("fine.md"), "x").unwrap();
        let (files, problems) = list(site.path(), &dir, is_hidden);
        assert_eq!(files.len(), 1);
        let message = problems.0[0].render(false);
        assert!(
            message.contains(r#""a\nremoved index.html.md""#),
            "{message}"
        );
    }
}
