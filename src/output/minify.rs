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

#[cfg(test)]
mod tests {
    use super::*;

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
