//! A bound on how deep a template nests, checked before Tera sees it, so that a theme
//! file from a pull request gets vellum's message at its line. Tera 2 bounds tag and
//! bracket nesting itself (40 levels, shared), but its parser recurses once per `elif`
//! of one `if` with no bound, so 100,000 `{% elif %}` would overflow the stack and abort
//! the build.

/// Deeper than any real theme goes, and under Tera 2's own bound of 40 (which counts a
/// child template's block and the tag itself).
pub const MAX_NESTING: usize = 30;

/// More branches than any real `if` has, few enough for every stack vellum runs on.
pub const MAX_ELIFS: usize = 500;

/// The byte offset where `source` first nests deeper than [`MAX_NESTING`], if it does.
/// Counts on the high side (a bracket inside a string in a tag is skipped, but any
/// `{% if %}` counts), which is what a limit wants.
pub fn too_deep(source: &str) -> Option<(usize, String)> {
    let deep = || format!("blocks or brackets here are nested more than {MAX_NESTING} levels deep");
    // Comments and `raw` blocks are text: quotes in them (`don't`) open nothing, and
    // tags in them are not parsed. Blanking keeps every offset.
    let source = &without_comments(source);
    let mut blocks = 0usize;
    // The `elif` count of each open `if`.
    let mut elifs: Vec<usize> = Vec::new();
    let mut at = 0;
    while let Some(found) = source[at..].find('{') {
        let start = at + found;
        let rest = &source[start..];
        let close = if rest.starts_with("{%") {
            "%}"
        } else if rest.starts_with("{{") {
            "}}"
        } else {
            at = start + 1;
            continue;
        };
        let body_start = start + 2;
        let tag = scan_tag(&source[body_start..], close);
        if tag.deepest > MAX_NESTING || tag.operators > MAX_OPERATORS {
            return Some((start, deep()));
        }
        let body = &source[body_start..body_start + tag.body_len];
        let words: Vec<&str> = body
            .trim_matches(['-', ' ', '\t', '\n', '\r'])
            .split_whitespace()
            .collect();
        match words.first().copied() {
            Some("if") if close == "%}" => {
                blocks += 1;
                elifs.push(0);
            }
            Some("endif") if close == "%}" => {
                blocks = blocks.saturating_sub(1);
                elifs.pop();
            }
            Some("elif") if close == "%}" => {
                let count = elifs.last_mut().map_or(0, |n| {
                    *n += 1;
                    *n
                });
                if count > MAX_ELIFS {
                    return Some((
                        start,
                        format!("this `if` has more than {MAX_ELIFS} `elif` branches"),
                    ));
                }
            }
            Some("for" | "block" | "component" | "filter") if close == "%}" => blocks += 1,
            // A component called with a body: `{% <card> %}...{% </card> %}`.
            Some(word) if close == "%}" && word.starts_with("</") => {
                blocks = blocks.saturating_sub(1);
            }
            Some(word) if close == "%}" && word.starts_with('<') => blocks += 1,
            Some("set" | "set_global") if close == "%}" && !body.contains('=') => blocks += 1,
            Some(word) if close == "%}" && word.starts_with("end") => {
                blocks = blocks.saturating_sub(1);
            }
            _ => {}
        }
        if blocks > MAX_NESTING {
            return Some((start, deep()));
        }
        at = body_start + tag.len;
    }
    None
}

/// `source` with comments and `raw` blocks blanked out (same length, so offsets hold):
/// a tag written inside them is not one. Other tags are skipped whole, so `{#` inside
/// a string (`{{ "{#" }}`) opens no comment. One pass over the text.
pub(super) fn without_comments(source: &str) -> String {
    let mut out = String::with_capacity(source.len());
    let mut copied = 0;
    let mut at = 0;
    while let Some(found) = source[at..].find('{') {
        let start = at + found;
        let rest = &source[start..];
        let end_mark = if rest.starts_with("{#") {
            "#}"
        } else if rest.starts_with("{%") && first_word(&rest[2..]) == "raw" {
            "endraw"
        } else if rest.starts_with("{%") || rest.starts_with("{{") {
            let close = if rest.starts_with("{%") { "%}" } else { "}}" };
            at = start + 2 + scan_tag(&rest[2..], close).len;
            continue;
        } else {
            at = start + 1;
            continue;
        };
        let end = rest[2..]
            .find(end_mark)
            .map_or(source.len(), |e| start + 2 + e + end_mark.len());
        out.push_str(&source[copied..start]);
        // A blanked character becomes as many spaces as it had bytes.
        for c in source[start..end].chars() {
            match c {
                '\n' => out.push('\n'),
                c => out.extend(std::iter::repeat_n(' ', c.len_utf8())),
            }
        }
        copied = end;
        at = end;
    }
    out.push_str(&source[copied..]);
    out
}

/// The first word of a tag's body (`raw` in `{%- raw -%}`).
fn first_word(body: &str) -> &str {
    let body = body.trim_start_matches(['-', ' ', '\t', '\n', '\r']);
    let len = body
        .find(|c: char| !c.is_alphanumeric() && c != '_')
        .unwrap_or(body.len());
    &body[..len]
}

/// Most operators (`+`, `and`, `|`, `==`...) in one tag. Tera parses a chain of them
/// into a tree as deep as the chain and walks it recursively; real tags have a handful.
pub const MAX_OPERATORS: usize = 200;

/// What [`scan_tag`] learned about one tag.
struct Tag {
    /// Bytes up to and including the closing delimiter (or to the end of the text).
    len: usize,
    /// Bytes of the tag's body, without the closing delimiter.
    body_len: usize,
    /// The deepest bracket nesting outside strings.
    deepest: usize,
    /// Operators outside strings.
    operators: usize,
}

/// Reads a tag's body up to and including `close`.
fn scan_tag(body: &str, close: &str) -> Tag {
    let mut depth = 0usize;
    let mut deepest = 0usize;
    let mut operators = 0usize;
    let mut quote: Option<char> = None;
    let closed = |i: usize, deepest, operators| Tag {
        len: i + close.len(),
        body_len: i,
        deepest,
        operators,
    };
    for (i, c) in body.char_indices() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None => match c {
                '"' | '\'' | '`' => quote = Some(c),
                '(' | '[' | '{' => {
                    depth += 1;
                    deepest = deepest.max(depth);
                }
                // Tera has no map literals, so `}}` or `%}` always ends the tag.
                '}' | '%' if body[i..].starts_with(close) => {
                    return closed(i, deepest, operators);
                }
                ')' | ']' | '}' => depth = depth.saturating_sub(1),
                '+' | '-' | '*' | '/' | '%' | '~' | '|' | '=' | '<' | '>' | '!' => operators += 1,
                ' ' if body[i..].starts_with(" and ") || body[i..].starts_with(" or ") => {
                    operators += 1;
                }
                _ => {}
            },
        }
    }
    Tag {
        len: body.len(),
        body_len: body.len(),
        deepest,
        operators,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_templates_pass_and_deep_ones_are_found_where_they_go_too_deep() {
        let fine = "{% extends \"base.html\" %}{% block content %}{% for p in pages %}\
                    {% if p.title %}<h2>{{ p.title | default(value=\"(untitled\") }}</h2>\
                    {% endif %}{% endfor %}{% endblock content %}{# a { comment #}";
        assert_eq!(too_deep(fine), None);
        let ifs = "{% if true %}".repeat(3000);
        let (at, _) = too_deep(&ifs).unwrap();
        assert_eq!(at, "{% if true %}".len() * MAX_NESTING);
        let brackets = format!("{{{{ {}1{} }}}}", "(".repeat(5000), ")".repeat(5000));
        assert_eq!(too_deep(&brackets).map(|(at, _)| at), Some(0));
        let closed = "{% if a %}{% endif %}".repeat(500);
        let branches = format!("{{% if a %}}{}{{% endif %}}", "{% elif b %}".repeat(600));
        let (at, problem) = too_deep(&branches).unwrap();
        assert_eq!(at, "{% if a %}".len() + "{% elif b %}".len() * MAX_ELIFS);
        assert!(problem.contains("`elif`"), "{problem}");
        let separate = "{% if a %}{% elif b %}{% endif %}".repeat(600);
        assert_eq!(too_deep(&separate), None);
        assert_eq!(too_deep(&closed), None);
        let raw = format!("{{% raw %}}{}{{% endraw %}}", "{% if x %}".repeat(500));
        assert_eq!(too_deep(&raw), None);
        let comment = format!("{{# it's fine #}}{}", "{% if x %}".repeat(3000));
        assert!(too_deep(&comment).is_some());
        let hidden = format!(
            "{{{{ \"{{#\" }}}}{}{{{{ \"#}}\" }}}}",
            "{% if x %}".repeat(3000)
        );
        assert!(
            too_deep(&hidden).is_some(),
            "a comment opener in a string hides nothing"
        );
        let sum = format!("{{{{ 1{} }}}}", "+1".repeat(100_000));
        assert_eq!(too_deep(&sum).map(|(at, _)| at), Some(0));
        // An unclosed tag ending in a multi-byte character does not panic.
        assert_eq!(too_deep("{{ éa"), None);
    }
}
