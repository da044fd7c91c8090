//! The `Content-Type` of an output file, from its name.

/// `text/html; charset=utf-8` for `about/index.html`, and so on.
pub fn content_type(path: &str) -> String {
    if path.ends_with("atom.xml") {
        return "application/atom+xml; charset=utf-8".into();
    }
    if path.ends_with("/_headers") || path == "_headers" {
        return "text/plain; charset=utf-8".into();
    }
    let mime = mime_guess::from_path(path).first_or_octet_stream();
    let textual = mime.type_() == mime_guess::mime::TEXT
        || ["javascript", "json", "xml"].contains(&mime.subtype().as_str());
    if textual {
        format!("{mime}; charset=utf-8")
    } else {
        mime.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_types() {
        assert_eq!(content_type("a/index.html"), "text/html; charset=utf-8");
        assert_eq!(content_type("style.1234.css"), "text/css; charset=utf-8");
        assert_eq!(
            content_type("changelog/atom.xml"),
            "application/atom+xml; charset=utf-8"
        );
        assert_eq!(content_type("sitemap.xml"), "text/xml; charset=utf-8");
        assert_eq!(content_type("logo.png"), "image/png");
    }
}
