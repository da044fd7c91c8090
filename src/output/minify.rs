//! HTML minification with minify-html, inline CSS and JS included.

use std::sync::LazyLock;

static CFG: LazyLock<minify_html::Cfg> = LazyLock::new(|| minify_html::Cfg {
    minify_css: true,
    minify_js: true,
    // Keeps `<html lang>` and `<head>` explicit; validators and some crawlers expect them.
    keep_html_and_head_opening_tags: true,
    keep_closing_tags: true,
    ..minify_html::Cfg::new()
});

/// Minifies a whole HTML document.
pub fn minify_html(html: &str) -> Vec<u8> {
    minify_html::minify(html.as_bytes(), &CFG)
}

/// Stands for the verbatim part while the rest is minified: private-use characters, which
/// the minifier leaves alone and no page writes.
const MARKER: &str = "\u{E000}vellum-verbatim\u{E000}";

/// Minifies a document in which `verbatim` (HTML already compact: a redline, as long as
/// the policy it compares) is written exactly once: the rest is minified and `verbatim`
/// put back as it is, so that a long redline is not parsed a second time. Otherwise (not
/// found, found twice, no marker left) the whole document is minified.
pub fn minify_html_around(html: &str, verbatim: Option<&str>) -> Vec<u8> {
    let whole = || minify_html(html);
    let Some(verbatim) = verbatim.filter(|v| !v.trim().is_empty()) else {
        return whole();
    };
    let Some(at) = html.find(verbatim) else {
        return whole();
    };
    let after = at + verbatim.len();
    if html[after..].contains(verbatim) || html.contains(MARKER) {
        return whole();
    }
    let outer = format!("{}{MARKER}{}", &html[..at], &html[after..]);
    let minified = minify_html(&outer);
    let Ok(minified) = String::from_utf8(minified) else {
        return whole();
    };
    match minified.split_once(MARKER) {
        Some((before, rest)) if !rest.contains(MARKER) => {
            let mut out = String::with_capacity(minified.len() + verbatim.len());
            out.push_str(before);
            out.push_str(verbatim.trim());
            out.push_str(rest);
            out.into_bytes()
        }
        _ => whole(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_verbatim_part_is_kept_as_written_and_the_rest_minified() {
        let redline = "<p>We <del>keep</del><ins>hold</ins> it.</p>\n<p class=\"x\">Two</p>\n";
        let html = format!(
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head><title> T </title></head>\n<body>\n  <div class=\"redline-body\">\n    {redline}\n  </div>\n</body>\n</html>\n"
        );
        let out = String::from_utf8(minify_html_around(&html, Some(redline))).unwrap();
        assert!(
            out.contains(&format!("<div class=redline-body>{}</div>", redline.trim())),
            "{out}"
        );
        assert!(out.starts_with("<!doctype html><html lang=en>"), "{out}");
        // Not there, or there twice: the whole page is minified.
        let twice = format!("{html}{redline}");
        assert_eq!(
            minify_html_around(&twice, Some(redline)),
            minify_html(&twice)
        );
        assert_eq!(
            minify_html_around(&html, Some("absent")),
            minify_html(&html)
        );
    }

    #[test]
    fn whitespace_css_and_comments_shrink() {
        let html = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<style>\n  body {  color : red ; }\n</style>\n</head>\n<body>\n  <!-- note -->\n  <p>  Hello   world  </p>\n</body>\n</html>\n";
        let out = String::from_utf8(minify_html(html)).unwrap();
        assert!(out.len() < html.len());
        assert!(out.contains("<html lang=en>"), "{out}");
        assert!(out.contains("body{color:red}"), "{out}");
        assert!(!out.contains("note"), "{out}");
    }
}
