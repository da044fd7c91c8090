//! Stage one of the pipeline: walks `content/`, reads every file and parses the front
//! matter of each Markdown file. Nothing here knows about URLs or templates.

pub mod front_matter;
pub mod mojibake;

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::config::Limits;
use crate::diagnostic::{Diagnostic, Diagnostics, line_of_offset};
use crate::input_files;
use crate::language::Languages;
use front_matter::{FrontMatter, Kind};
use rayon::prelude::*;

/// The folder under the site root that holds the Markdown content.
pub const CONTENT_DIR: &str = "content";

/// Whether a path under `content/` is a section's `_index.md`.
pub fn is_section_path(relative: &str) -> bool {
    relative == "_index.md" || relative.ends_with("/_index.md")
}

/// A Markdown file read from `content/`.
#[derive(Debug, Clone, Default)]
pub struct SourceFile {
    /// Path relative to `content/`, with `/` separators: `products/_index.md`.
    pub relative: String,
    /// The same path without its language suffix: `about.md` for `about.de.md`. URLs,
    /// sections and kinds of file are worked out from it.
    pub base: String,
    /// The file's language code (see [`crate::language`]).
    pub lang: Arc<str>,
    /// Path as shown in messages, relative to the site root: `content/products/_index.md`.
    pub display_path: PathBuf,
    /// The file's text: all of it for policy files, which several stages read; for pages,
    /// only what comes before the Markdown body (the front matter, which errors of the
    /// model stage point into). A page's job reads the body again ([`SourceFile::whole`]),
    /// so that a build of 100,000 pages does not hold every page's text.
    pub text: Arc<str>,
    pub front_matter: FrontMatter,
    /// Byte range of the front matter text (empty when there is none).
    pub front_matter_range: Range<usize>,
    /// Byte range of the Markdown body in the whole file.
    pub body_range: Range<usize>,
    /// Where the file was read from.
    pub source: PathBuf,
    /// SHA-256 of the whole file as read: a page read again must be the page loaded.
    pub digest: [u8; 32],
    /// Words in the Markdown body (0 for a policy version: only pages show a count).
    pub words: usize,
}

impl SourceFile {
    /// `_index.md` files describe a section (a folder with a listing).
    pub fn is_section(&self) -> bool {
        is_section_path(&self.base)
    }

    /// A home page: the site's `_index.md` or a translation of it.
    pub fn is_home(&self) -> bool {
        self.base == "_index.md"
    }

    /// Whether `text` holds the whole file.
    pub fn is_whole(&self) -> bool {
        self.text.len() >= self.body_range.end
    }

    /// The Markdown body; only for a whole file (see [`SourceFile::whole`]).
    pub fn body(&self) -> &str {
        &self.text[self.body_range.clone()]
    }

    /// The file with its whole text: itself, or (for a page) read again from disk. A file
    /// that changed since it was loaded is an error, never a page built from two
    /// different texts.
    pub fn whole(&self) -> Result<std::borrow::Cow<'_, SourceFile>, Diagnostic> {
        if self.is_whole() {
            return Ok(std::borrow::Cow::Borrowed(self));
        }
        let text = read_utf8(&self.source, &self.display_path)?;
        if sha256(&text) != self.digest {
            return Err(Diagnostic::error(
                &self.display_path,
                "this file changed while the site was being built",
            )
            .with_help("build again once the file is saved"));
        }
        Ok(std::borrow::Cow::Owned(SourceFile {
            text,
            ..self.clone()
        }))
    }

    /// The file line where a front matter key is set, or the first line.
    pub fn key_line(&self, key: &str) -> usize {
        let front_matter = &self.text[self.front_matter_range.clone()];
        let first = line_of_offset(&self.text, self.front_matter_range.start);
        front_matter::key_line(front_matter, key).map_or(1, |line| first + line - 1)
    }

    /// An error pointing at the first front matter line that contains `text` (for
    /// values inside inline tables and lists), else at `key`.
    pub fn error_at_text(&self, text: &str, key: &str, message: impl Into<String>) -> Diagnostic {
        let front_matter = &self.text[self.front_matter_range.clone()];
        match front_matter.find(text) {
            Some(at) => Diagnostic::error(&self.display_path, message).at_line(
                &self.text,
                line_of_offset(&self.text, self.front_matter_range.start + at),
            ),
            None => self.error_at_key(key, message),
        }
    }

    /// An error pointing at the line where `key` is set.
    pub fn error_at_key(&self, key: &str, message: impl Into<String>) -> Diagnostic {
        Diagnostic::error(&self.display_path, message).at_line(&self.text, self.key_line(key))
    }
}

/// Garbled lines reported one by one per file; the rest are counted in one warning.
const MOJIBAKE_SHOWN: usize = 3;

/// A non-Markdown file in `content/` (an image beside its page, a PDF), copied as is.
#[derive(Debug, Clone)]
pub struct Asset {
    pub source: PathBuf,
    /// Path relative to `content/`, with `/` separators.
    pub relative: String,
}

/// Everything read from `content/`, in path order.
#[derive(Debug, Default)]
pub struct Content {
    pub files: Vec<SourceFile>,
    pub assets: Vec<Asset>,
}

/// Reads `root/content/`. Returns what could be read and the problems found (errors and
/// mojibake warnings); the caller decides whether errors stop the build.
/// `kind_of` says what each Markdown file is (by its path under `content/`), which
/// decides the front matter it takes. Policy files keep their whole text in memory; the
/// others keep only their front matter (see [`SourceFile::text`]).
pub fn load(
    root: &Path,
    limits: &Limits,
    languages: &Languages,
    kind_of: &(dyn Fn(&str) -> Kind + Sync),
) -> (Content, Diagnostics) {
    let content_dir = root.join(CONTENT_DIR);
    if !content_dir.is_dir() {
        let missing = Diagnostic::error(CONTENT_DIR, "the content folder is missing")
            .with_help("create content/ with an _index.md for the home page, or run `vellum init`");
        return (Content::default(), missing.into());
    }
    let (found, mut diagnostics) = input_files::list(root, &content_dir, is_ignored);
    let mut markdown = Vec::new();
    let mut assets = Vec::new();
    for file in found {
        let display_path = Path::new(CONTENT_DIR).join(&file.relative);
        if file.relative.ends_with(".md") {
            match input_files::too_big(
                &display_path,
                file.len,
                limits.page_megabytes,
                "page_megabytes",
            ) {
                Some(problem) => diagnostics.push(problem),
                None => markdown.push((file.path, file.relative)),
            }
        } else {
            match input_files::too_big(
                &display_path,
                file.len,
                limits.asset_megabytes,
                "asset_megabytes",
            ) {
                Some(problem) => diagnostics.push(problem),
                None => assets.push(Asset {
                    source: file.path,
                    relative: file.relative,
                }),
            }
        }
    }
    let results: Vec<Result<(SourceFile, Vec<Diagnostic>), Diagnostic>> = markdown
        .par_iter()
        .map(|(path, relative)| read_file(path, relative, languages, kind_of))
        .collect();
    let mut files = Vec::with_capacity(results.len());
    for result in results {
        match result {
            Ok((file, warnings)) => {
                diagnostics.extend(warnings);
                files.push(file);
            }
            Err(diagnostic) => diagnostics.push(diagnostic),
        }
    }
    (Content { files, assets }, diagnostics)
}

/// Reads one Markdown file of `content/` again (for `vellum serve`, after a save), under
/// the rules [`load`] applies to it: a regular file inside the folder (not a link), no
/// larger than `[limits]`. Returns the file and its warnings, or its problem.
pub fn read_one(
    root: &Path,
    relative: &str,
    limits: &Limits,
    languages: &Languages,
    kind_of: &(dyn Fn(&str) -> Kind + Sync),
) -> Result<(SourceFile, Vec<Diagnostic>), Diagnostic> {
    let display_path = Path::new(CONTENT_DIR).join(relative);
    let path = root.join(CONTENT_DIR).join(relative);
    let metadata = std::fs::symlink_metadata(&path)
        .map_err(|e| Diagnostic::error(&display_path, format!("cannot read this file: {e}")))?;
    if !metadata.is_file() {
        return Err(Diagnostic::error(
            &display_path,
            "this is no longer a plain file",
        ));
    }
    if let Some(problem) = input_files::too_big(
        &display_path,
        metadata.len(),
        limits.page_megabytes,
        "page_megabytes",
    ) {
        return Err(problem);
    }
    read_file(&path, relative, languages, kind_of)
}

/// Hidden files and editors' temporary files are never content.
fn is_ignored(name: &std::ffi::OsStr) -> bool {
    let name = name.to_string_lossy();
    name.starts_with('.')
        || name.starts_with('#')
        || name.ends_with('~')
        || name.ends_with(".swp")
        || name.ends_with(".tmp")
}

fn read_file(
    path: &Path,
    relative: &str,
    languages: &Languages,
    kind_of: &(dyn Fn(&str) -> Kind + Sync),
) -> Result<(SourceFile, Vec<Diagnostic>), Diagnostic> {
    let display_path = Path::new(CONTENT_DIR).join(relative);
    let (base, lang) = languages
        .split(relative)
        .map_err(|(message, help)| Diagnostic::error(&display_path, message).with_help(help))?;
    let kind = kind_of(&base);
    // Several stages read a policy's text (the record check, redlines); a page's is read
    // again by its own job.
    let keep_whole = matches!(kind, Kind::PolicyVersion | Kind::Policy);
    let text = read_utf8(path, &display_path)?;
    let split = front_matter::split(&text).map_err(|e| {
        Diagnostic::error(&display_path, e.to_string())
            .at_line(&text, 1)
            .with_help("end the front matter with a line holding only the same fence (+++ or ---)")
    })?;
    let front_matter = match split.format {
        Some(format) => front_matter::parse(
            &text,
            format,
            split.front_matter.clone(),
            kind,
            &display_path,
        )?,
        None => FrontMatter::empty(kind),
    };
    let suspects = mojibake::scan(&text);
    let more = suspects.len().saturating_sub(MOJIBAKE_SHOWN);
    let mut warnings: Vec<Diagnostic> = suspects
        .into_iter()
        .take(MOJIBAKE_SHOWN)
        .map(|suspect| {
            let garbled = text[suspect.span.clone()].to_string();
            Diagnostic::warning(
                &display_path,
                format!("`{garbled}` looks like garbled text (wrong encoding when pasted)"),
            )
            .at_span(&text, suspect.span)
            .with_help(format!(
                "it was probably {}: retype it or delete it",
                suspect.likely
            ))
        })
        .collect();
    if more > 0 {
        warnings.push(
            Diagnostic::warning(
                &display_path,
                format!("{more} more lines look like garbled text"),
            )
            .with_help("the file was probably pasted with the wrong encoding: paste it again from the original"),
        );
    }
    let digest = sha256(&text);
    // Word counts are for pages (reading time, listings); a policy version has none.
    let words = match keep_whole {
        true => 0,
        false => count_words(&text[split.body.clone()]),
    };
    let kept = match keep_whole {
        true => text,
        false => Arc::from(&text[..split.body.start]),
    };
    let file = SourceFile {
        relative: relative.to_string(),
        base,
        lang,
        display_path,
        text: kept,
        front_matter,
        front_matter_range: split.front_matter,
        body_range: split.body,
        source: path.to_path_buf(),
        digest,
        words,
    };
    Ok((file, warnings))
}

/// The words of `text`, as `split_whitespace().count()` counts them, a byte at a time
/// for ASCII text (a tenth of the time at 10,000 pages: `split_whitespace` decodes every
/// character).
pub fn count_words(text: &str) -> usize {
    if !text.is_ascii() {
        return text.split_whitespace().count();
    }
    let mut words = 0;
    let mut in_word = false;
    for &byte in text.as_bytes() {
        // `char::is_whitespace` for ASCII: space, tab, line feed, vertical tab, form feed
        // and carriage return.
        let space = matches!(byte, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r');
        words += usize::from(!space && !in_word);
        in_word = !space;
    }
    words
}

fn sha256(text: &str) -> [u8; 32] {
    use sha2::Digest;
    sha2::Sha256::digest(text.as_bytes()).into()
}

/// Reads a file as UTF-8; a bad byte is reported at its line.
pub fn read_utf8(path: &Path, display_path: &Path) -> Result<Arc<str>, Diagnostic> {
    let bytes = std::fs::read(path).map_err(|e| {
        Diagnostic::error(display_path, format!("cannot read this file: {e}"))
            .with_help("check that the file exists and that you may read it")
    })?;
    match String::from_utf8(bytes) {
        Ok(text) => Ok(Arc::from(text)),
        Err(e) => {
            let valid = e.utf8_error().valid_up_to();
            let bytes = e.into_bytes();
            let line = bytes[..valid].iter().filter(|&&b| b == b'\n').count() + 1;
            let lossy: Arc<str> = Arc::from(String::from_utf8_lossy(&bytes).into_owned());
            Err(Diagnostic::error(
                display_path,
                format!("this file is not valid UTF-8 text (bad byte at line {line})"),
            )
            .at_line(&lossy, line)
            .with_help("save the file with UTF-8 encoding in your editor"))
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn words_are_counted_as_split_whitespace_counts_them() {
        for text in [
            "",
            "  ",
            "one",
            " one  two\tthree\n",
            "a\x0bb\x0cc\rd",
            "café au lait\u{a0}noir",
        ] {
            assert_eq!(
                super::count_words(text),
                text.split_whitespace().count(),
                "{text:?}"
            );
        }
    }

    #[test]
    fn a_page_keeps_its_front_matter_and_reads_its_body_again_unchanged() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.md");
        std::fs::write(&path, "+++\ntitle = \"A\"\n+++\nOne two three.\n").unwrap();
        let languages = crate::language::Languages::single("en");
        let (file, _) =
            super::read_file(&path, "a.md", &languages, &|_| super::Kind::Page).unwrap();
        assert_eq!(&*file.text, "+++\ntitle = \"A\"\n+++\n");
        assert_eq!(file.words, 3);
        assert_eq!(file.whole().unwrap().body(), "One two three.\n");
        std::fs::write(&path, "+++\ntitle = \"A\"\n+++\nOne two four.\n").unwrap();
        let changed = file.whole().unwrap_err();
        assert!(
            changed.message.contains("changed while"),
            "{}",
            changed.message
        );
    }
}
