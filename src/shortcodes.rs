//! Zola-style shortcodes in Markdown: `{{ name(arg=value) }}` inline, and
//! `{% name(arg=value) %}...{% end %}` with a Markdown body. Each is a Tera template in
//! `templates/shortcodes/NAME.html` (or the theme's). Shortcodes inside code are text.

use std::ops::Range;

use pulldown_cmark::{Event, Options, Parser, Tag};
use serde_json::{Map, Number, Value};

/// A shortcode call found in a Markdown body.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    pub name: String,
    pub args: Map<String, Value>,
    /// The Markdown between `{% name() %}` and `{% end %}`.
    pub body: Option<String>,
    /// Byte range of the whole call in the text.
    pub span: Range<usize>,
}

/// A malformed call: where, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub span: Range<usize>,
    pub message: String,
}

/// Finds every shortcode call in `text`, in order, skipping code spans and blocks.
pub fn find(text: &str) -> Result<Vec<Call>, SyntaxError> {
    // Most pages call no shortcode: skip parsing them for code spans.
    if !text.contains("{{") && !text.contains("{%") {
        return Ok(Vec::new());
    }
    let code = code_ranges(text);
    let in_code = |at: usize| code.iter().any(|r| r.contains(&at));
    let mut calls = Vec::new();
    let mut at = 0;
    while let Some(found) = text[at..].find(['{']) {
        let start = at + found;
        at = start + 1;
        if in_code(start) {
            continue;
        }
        let rest = &text[start..];
        let (close, block) = if rest.starts_with("{{") {
            ("}}", false)
        } else if rest.starts_with("{%") {
            ("%}", true)
        } else {
            continue;
        };
        let Some((name, after_name)) = call_name(text, start + 2) else {
            continue;
        };
        let (args, after_args) = parse_args(text, after_name)?;
        let after_close =
            expect(text, skip_spaces(text, after_args), close).ok_or_else(|| SyntaxError {
                span: start..after_args,
                message: format!("shortcode `{name}` is not closed with `{close}`"),
            })?;
        let (body, end) = if block {
            let (body_end, end) = find_end(text, after_close).ok_or_else(|| SyntaxError {
                span: start..after_close,
                message: format!("shortcode `{name}` has no `{{% end %}}`"),
            })?;
            (
                Some(text[after_close..body_end].trim_matches('\n').to_string()),
                end,
            )
        } else {
            (None, after_close)
        };
        calls.push(Call {
            name,
            args,
            body,
            span: start..end,
        });
        at = end;
    }
    Ok(calls)
}

fn code_ranges(text: &str) -> Vec<Range<usize>> {
    let mut ranges = Vec::new();
    for (event, range) in Parser::new_ext(text, Options::empty()).into_offset_iter() {
        match event {
            Event::Code(_) | Event::Start(Tag::CodeBlock(_)) => ranges.push(range),
            _ => {}
        }
    }
    ranges
}

/// `  name(` after an opening brace pair: the name and the position after `(`.
fn call_name(text: &str, at: usize) -> Option<(String, usize)> {
    let at = skip_spaces(text, at);
    let rest = &text[at..];
    let len = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(rest.len());
    if len == 0 || rest.as_bytes()[0].is_ascii_digit() || rest[..len] == *"end" {
        return None;
    }
    let after = skip_spaces(text, at + len);
    text[after..]
        .starts_with('(')
        .then(|| (rest[..len].to_string(), after + 1))
}

fn skip_spaces(text: &str, at: usize) -> usize {
    at + text[at..].len() - text[at..].trim_start().len()
}

fn expect(text: &str, at: usize, token: &str) -> Option<usize> {
    text[at..].starts_with(token).then_some(at + token.len())
}

/// Finds `{% end %}` from `at`: (where the body ends, where the tag ends).
fn find_end(text: &str, mut at: usize) -> Option<(usize, usize)> {
    while let Some(found) = text[at..].find("{%") {
        let start = at + found;
        let inner = skip_spaces(text, start + 2);
        if let Some(after) = expect(text, inner, "end") {
            let after = skip_spaces(text, after);
            if let Some(end) = expect(text, after, "%}") {
                return Some((start, end));
            }
        }
        at = start + 2;
    }
    None
}

/// Parses `key=value, ...)` from `at`; returns the arguments and the position after `)`.
fn parse_args(text: &str, mut at: usize) -> Result<(Map<String, Value>, usize), SyntaxError> {
    let mut args = Map::new();
    let error = |at: usize, message: String| SyntaxError {
        span: at..(at + 1).min(text.len()),
        message,
    };
    loop {
        at = skip_spaces(text, at);
        if let Some(after) = expect(text, at, ")") {
            return Ok((args, after));
        }
        let rest = &text[at..];
        let len = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        if len == 0 {
            return Err(error(at, "expected an argument name or `)`".into()));
        }
        let key = rest[..len].to_string();
        at = skip_spaces(text, at + len);
        at = expect(text, at, "=")
            .ok_or_else(|| error(at, format!("expected `=` after `{key}`")))?;
        let (value, after) = parse_value(text, skip_spaces(text, at)).ok_or_else(|| {
            error(
                at,
                format!("the value of `{key}` is not a string, number, boolean or list"),
            )
        })?;
        args.insert(key, value);
        at = skip_spaces(text, after);
        if let Some(after) = expect(text, at, ",") {
            at = after;
        } else if !text[at..].starts_with(')') {
            return Err(error(at, "expected `,` or `)` between arguments".into()));
        }
    }
}

fn parse_value(text: &str, at: usize) -> Option<(Value, usize)> {
    let rest = &text[at..];
    let first = rest.chars().next()?;
    if first == '"' || first == '\'' {
        let mut value = String::new();
        let mut chars = rest.char_indices().skip(1);
        while let Some((i, c)) = chars.next() {
            match c {
                '\\' => value.push(chars.next()?.1),
                c if c == first => return Some((Value::String(value), at + i + 1)),
                c => value.push(c),
            }
        }
        return None;
    }
    if first == '[' {
        let mut items = Vec::new();
        let mut pos = skip_spaces(text, at + 1);
        loop {
            if let Some(after) = expect(text, pos, "]") {
                return Some((Value::Array(items), after));
            }
            let (item, after) = parse_value(text, pos)?;
            items.push(item);
            pos = skip_spaces(text, after);
            if let Some(after) = expect(text, pos, ",") {
                pos = skip_spaces(text, after);
            }
        }
    }
    for (word, value) in [("true", Value::Bool(true)), ("false", Value::Bool(false))] {
        if rest.starts_with(word) {
            return Some((value, at + word.len()));
        }
    }
    let len = rest
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-'))
        .unwrap_or(rest.len());
    let number = &rest[..len];
    if let Ok(n) = number.parse::<i64>() {
        return Some((Value::Number(n.into()), at + len));
    }
    let n = number.parse::<f64>().ok().and_then(Number::from_f64)?;
    Some((Value::Number(n), at + len))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_and_block_calls_are_found_with_arguments() {
        let text = "Intro {{ product_card(path=\"products/a.md\", featured=true) }} then\n\n{% callout(kind='note', n=2) %}\nBe *careful*.\n{% end %}\n";
        let calls = find(text).unwrap();
        assert_eq!(calls.len(), 2);
        assert_eq!(calls[0].name, "product_card");
        assert_eq!(calls[0].args["path"], "products/a.md");
        assert_eq!(calls[0].args["featured"], true);
        assert_eq!(
            &text[calls[0].span.clone()],
            "{{ product_card(path=\"products/a.md\", featured=true) }}"
        );
        assert_eq!(calls[1].name, "callout");
        assert_eq!(calls[1].args["n"], 2);
        assert_eq!(calls[1].body.as_deref(), Some("Be *careful*."));
    }

    #[test]
    fn code_and_plain_braces_are_left_alone() {
        let text = "`{{ x() }}` and\n\n```\n{{ y() }}\n```\n\n{{ not a call }} {x}";
        assert!(find(text).unwrap().is_empty());
    }

    #[test]
    fn malformed_calls_are_errors_at_their_place() {
        let text = "ok\n{{ callout(kind=) }}";
        let error = find(text).unwrap_err();
        assert!(error.message.contains("value of `kind`"), "{error:?}");
        assert!(error.span.start > 3);
        assert!(
            find("{% callout() %} no end")
                .unwrap_err()
                .message
                .contains("no `{% end %}`")
        );
        assert!(
            find("{{ x(a=1 }}")
                .unwrap_err()
                .message
                .contains("expected `,` or `)`")
        );
    }

    #[test]
    fn lists_and_escapes_parse() {
        let calls = find(r#"{{ t(items=["a", 'b\'c'], x=-1.5) }}"#).unwrap();
        assert_eq!(calls[0].args["items"][1], "b'c");
        assert_eq!(calls[0].args["x"], -1.5);
    }
}
