//! Problems found while building, each tied to a file (and, where known, a line) and
//! worded so that a content editor can act on it.
//!
//! Every stage of the pipeline reports problems as [`Diagnostic`]s instead of stopping at
//! the first one, so that one build shows everything that needs fixing.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use annotate_snippets::{AnnotationKind, Group, Level, Origin, Renderer, Snippet};

/// How bad a problem is: errors fail the build, warnings are printed and the build goes on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
}

/// One problem, with its place in a source file.
#[derive(Debug, Clone)]
pub struct Diagnostic {
    pub severity: Severity,
    /// The file, relative to the site root where possible.
    pub path: PathBuf,
    /// 1-based line number, when the problem has a place in the file.
    pub line: Option<usize>,
    pub message: String,
    /// What to do about it.
    pub help: Option<String>,
    /// The file's text and the part of it to show; boxed to keep results small.
    excerpt: Option<Box<Excerpt>>,
}

#[derive(Debug, Clone)]
struct Excerpt {
    source: Arc<str>,
    span: Range<usize>,
}

impl Diagnostic {
    pub fn error(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            path: path.into(),
            line: None,
            message: message.into(),
            help: None,
            excerpt: None,
        }
    }

    pub fn warning(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(path, message)
        }
    }

    /// Points at a byte range of the file's text; the line is derived from it.
    pub fn at_span(mut self, source: &Arc<str>, span: Range<usize>) -> Self {
        let start = floor_char_boundary(source, span.start.min(source.len()));
        let end = floor_char_boundary(source, span.end.clamp(start, source.len()));
        self.line = Some(line_of_offset(source, start));
        self.excerpt = Some(Box::new(Excerpt {
            source: Arc::clone(source),
            span: start..end,
        }));
        self
    }

    /// Points at a whole (1-based) line of the file's text.
    pub fn at_line(self, source: &Arc<str>, line: usize) -> Self {
        let span = line_span(source, line);
        self.at_span(source, span)
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// `path:line`, the way editors and terminals make clickable.
    pub fn location(&self) -> String {
        match self.line {
            Some(line) => format!("{}:{line}", self.path.display()),
            None => self.path.display().to_string(),
        }
    }

    /// Renders the problem the way `rustc` does: message, location, the offending line
    /// with a marker under it, and the help text.
    pub fn render(&self, color: bool) -> String {
        let level = match self.severity {
            Severity::Error => Level::ERROR,
            Severity::Warning => Level::WARNING,
        };
        let path = self.path.display().to_string();
        let title = level.primary_title(&self.message);
        let mut group = match &self.excerpt {
            Some(excerpt) => title.element(
                Snippet::source(&*excerpt.source)
                    .path(path.as_str())
                    .fold(true)
                    .annotation(AnnotationKind::Primary.span(excerpt.span.clone())),
            ),
            None => title.element(Origin::path(path.as_str())),
        };
        if let Some(help) = &self.help {
            group = group.element(Level::HELP.message(help));
        }
        let report: [Group; 1] = [group];
        let renderer = if color {
            Renderer::styled()
        } else {
            Renderer::plain()
        };
        renderer.render(&report)
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.location(), self.message)
    }
}

/// All the problems of a failed stage or build, errors first, in file and line order.
#[derive(Debug, Default)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.0.push(diagnostic);
    }

    pub fn extend(&mut self, other: impl IntoIterator<Item = Diagnostic>) {
        self.0.extend(other);
    }

    pub fn has_errors(&self) -> bool {
        self.0.iter().any(Diagnostic::is_error)
    }

    pub fn error_count(&self) -> usize {
        self.0.iter().filter(|d| d.is_error()).count()
    }

    /// Sorts into a stable order so that output does not depend on thread timing.
    pub fn sort(&mut self) {
        self.0.sort_by(|a, b| {
            (a.severity, &a.path, a.line, &a.message)
                .cmp(&(b.severity, &b.path, b.line, &b.message))
        });
    }

    /// Splits off the warnings, leaving only errors in `self`.
    pub fn take_warnings(&mut self) -> Vec<Diagnostic> {
        let (errors, warnings) = std::mem::take(&mut self.0)
            .into_iter()
            .partition(Diagnostic::is_error);
        self.0 = errors;
        warnings
    }
}

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl From<Diagnostic> for Diagnostics {
    fn from(diagnostic: Diagnostic) -> Self {
        Diagnostics(vec![diagnostic])
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for diagnostic in &self.0 {
            writeln!(f, "{diagnostic}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostics {}

/// A TOML parse error of the file at `path` (whose text is `source`), at its place, in
/// an editor's words where [`plain_toml_error`] has them.
pub fn toml_error(
    path: impl Into<PathBuf>,
    source: &Arc<str>,
    message: &str,
    span: Option<std::ops::Range<usize>>,
) -> Diagnostic {
    let line_text = span.as_ref().map_or("", |span| {
        let at = span.start.min(source.len());
        let start = source[..at].rfind('\n').map_or(0, |i| i + 1);
        let end = source[at..].find('\n').map_or(source.len(), |i| at + i);
        &source[start..end]
    });
    let diagnostic = match plain_toml_error(message, line_text) {
        Some((message, help)) => Diagnostic::error(path, message).with_help(help),
        None => Diagnostic::error(path, message.trim_end().to_string()),
    };
    match span {
        Some(span) => diagnostic.at_span(source, span),
        None => diagnostic,
    }
}

/// A TOML parser's message in an editor's words, with the fix, for the mistakes people
/// make most: curly quotes pasted from a word processor, YAML's `key: value` inside TOML,
/// and a value that is not one of the allowed ones. `line` is the text of the line the
/// error is on. `None` when the parser's own message is the clearest there is.
pub fn plain_toml_error(message: &str, line: &str) -> Option<(String, String)> {
    let key = line
        .split(['=', ':'])
        .next()
        .unwrap_or("")
        .trim()
        .trim_matches('"');
    let curly = [
        '\u{201c}', '\u{201d}', '\u{2018}', '\u{2019}', '\u{201e}', '\u{00ab}', '\u{00bb}',
    ];
    if line.contains(curly) && !key.is_empty() {
        let value = line.split_once('=').map_or("", |(_, v)| v).trim();
        let inner = value.trim_matches(|c: char| curly.contains(&c) || c == '"');
        return Some((
            format!(
                "the value of `{key}` is in curly quotes (“ ”), which TOML does not read as quotes"
            ),
            format!(
                "write it with straight quotes: {key} = \"{inner}\" (a word processor makes quotes curly; type them in a plain text editor)"
            ),
        ));
    }
    if message.starts_with("key with no value") && line.contains(':') && !line.contains('=') {
        let value = line.split_once(':').map_or("", |(_, v)| v).trim();
        let quoted = if value.starts_with('"')
            || value.parse::<f64>().is_ok()
            || value == "true"
            || value == "false"
        {
            value.to_string()
        } else {
            format!("\"{}\"", value.trim_matches('\''))
        };
        return Some((
            format!("`{key}:` is written the YAML way, but this file's settings are TOML"),
            format!(
                "write {key} = {quoted} (TOML sets a value with `=`), or put the settings between --- lines to write them in YAML"
            ),
        ));
    }
    if let Some(rest) = message.strip_prefix("unknown field `") {
        let (given, rest) = rest.split_once('`')?;
        let known: Vec<&str> = rest.split('`').skip(1).step_by(2).collect();
        let closest = known
            .iter()
            .map(|k| (strsim::damerau_levenshtein(given, k), *k))
            .min()
            .filter(|(distance, _)| *distance <= 2);
        let help = match closest {
            Some((_, known_key)) => format!(
                "did you mean `{known_key}`? (allowed here: {})",
                known.join(", ")
            ),
            None => format!("allowed here: {}", known.join(", ")),
        };
        return Some((format!("unknown setting `{given}`"), help));
    }
    if let Some(rest) = message.strip_prefix("unknown variant `") {
        let (given, rest) = rest.split_once('`')?;
        let allowed: Vec<&str> = rest.split('`').skip(1).step_by(2).collect();
        let choices = allowed
            .iter()
            .map(|a| format!("{key} = \"{a}\""))
            .collect::<Vec<_>>()
            .join(" or ");
        let problem = if given.is_empty() {
            format!("`{key}` is empty")
        } else {
            format!("`{given}` is not a value `{key}` takes")
        };
        return Some((problem, format!("write {choices}")));
    }
    None
}

/// The 1-based line (within `text`) where `key` is set in TOML or YAML, for errors found
/// after parsing (site.toml, front matter).
pub fn key_line(text: &str, key: &str) -> Option<usize> {
    text.lines()
        .position(|line| {
            let Some(rest) = line.trim_start().strip_prefix(key) else {
                return false;
            };
            let rest = rest.trim_start();
            rest.starts_with('=') || rest.starts_with(':')
        })
        .map(|i| i + 1)
}

/// 1-based line number of a byte offset.
pub fn line_of_offset(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// Byte range of a 1-based line, without its line break.
pub fn line_span(text: &str, line: usize) -> Range<usize> {
    let mut start = 0;
    for _ in 1..line {
        match text[start..].find('\n') {
            Some(i) => start += i + 1,
            None => return text.len()..text.len(),
        }
    }
    let end = text[start..].find('\n').map_or(text.len(), |i| start + i);
    let end = if text[start..end].ends_with('\r') {
        end - 1
    } else {
        end
    };
    start..end
}

fn floor_char_boundary(text: &str, mut index: usize) -> usize {
    while !text.is_char_boundary(index) {
        index -= 1;
    }
    index
}

/// Shows a path relative to `root` when it lies inside it, as editors think of files.
pub fn relative_to(path: &Path, root: &Path) -> PathBuf {
    path.strip_prefix(root).unwrap_or(path).to_path_buf()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_of_offset_counts_from_one() {
        let text = "a\nbb\nccc";
        assert_eq!(line_of_offset(text, 0), 1);
        assert_eq!(line_of_offset(text, 2), 2);
        assert_eq!(line_of_offset(text, 5), 3);
    }

    #[test]
    fn line_span_excludes_line_break() {
        let text = "a\r\nbb\nccc";
        assert_eq!(&text[line_span(text, 1)], "a");
        assert_eq!(&text[line_span(text, 2)], "bb");
        assert_eq!(&text[line_span(text, 3)], "ccc");
    }

    #[test]
    fn rendered_error_names_file_line_and_shows_the_line() {
        let source: Arc<str> = Arc::from("+++\ntitle = 3\n+++\n");
        let diagnostic = Diagnostic::error("content/a.md", "invalid type")
            .at_line(&source, 2)
            .with_help("put the title in quotes");
        let text = diagnostic.render(false);
        assert!(text.contains("content/a.md:2"), "{text}");
        assert!(text.contains("title = 3"), "{text}");
        assert!(text.contains("put the title in quotes"), "{text}");
    }
}
