//! `_headers`: cache and security headers in the format Netlify and Cloudflare Pages read.
//!
//! Rules are written so that no two of them set the same header for one path (both hosts
//! would join the values): security headers on `/*`, revalidation on pages (`/` and
//! `/*/`) and feeds, and `immutable` on each fingerprinted file.

use std::fmt::Write as _;

use crate::config::HeadersConfig;

/// Revalidating caching: a CDN keeps the file but asks the origin whether it changed.
pub const REVALIDATE: &str = "public, max-age=0, must-revalidate";
/// Fingerprinted files never change at their URL.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// The `_headers` text. `fingerprinted` and `feeds` are output paths.
pub fn headers_file(config: &HeadersConfig, fingerprinted: &[&str], feeds: &[&str]) -> String {
    let mut out =
        String::from("# Written by vellum. Headers for Netlify and Cloudflare Pages.\n\n/*\n");
    let _ = writeln!(
        out,
        "  Content-Security-Policy: {}",
        config.content_security_policy
    );
    let _ = writeln!(out, "  Referrer-Policy: {}", config.referrer_policy);
    out.push_str("  X-Content-Type-Options: nosniff\n");
    for (name, value) in &config.extra {
        let _ = writeln!(out, "  {name}: {value}");
    }
    for pages in ["/", "/*/"] {
        let _ = write!(out, "\n{pages}\n  Cache-Control: {REVALIDATE}\n");
    }
    for feed in feeds {
        let _ = write!(
            out,
            "\n/{}\n  Cache-Control: {REVALIDATE}\n",
            feed.trim_start_matches('/')
        );
    }
    for path in fingerprinted {
        let _ = write!(
            out,
            "\n/{}\n  Cache-Control: {IMMUTABLE}\n",
            path.trim_start_matches('/')
        );
    }
    out
}

/// One block of a `_headers` file: a path pattern and the headers it sets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    pub pattern: String,
    pub headers: Vec<(String, String)>,
}

/// Reads a `_headers` file (the generated one or a site's own), so the preview can
/// send what production sends. Comments and malformed lines are skipped.
pub fn parse(text: &str) -> Vec<Rule> {
    let mut rules: Vec<Rule> = Vec::new();
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        if !line.starts_with(char::is_whitespace) {
            rules.push(Rule {
                pattern: trimmed.to_string(),
                headers: Vec::new(),
            });
        } else if let (Some(rule), Some((name, value))) =
            (rules.last_mut(), trimmed.split_once(':'))
        {
            rule.headers
                .push((name.trim().to_string(), value.trim().to_string()));
        }
    }
    rules
}

/// The headers the rules give a URL path, in file order (a later rule's value for the
/// same name wins).
pub fn for_path<'a>(rules: &'a [Rule], path: &str) -> Vec<(&'a str, &'a str)> {
    let mut out: Vec<(&str, &str)> = Vec::new();
    for rule in rules.iter().filter(|r| matches(&r.pattern, path)) {
        for (name, value) in &rule.headers {
            out.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
            out.push((name, value));
        }
    }
    out
}

/// Netlify's patterns: `*` matches any run of characters, slashes included.
fn matches(pattern: &str, path: &str) -> bool {
    let mut parts = pattern.split('*');
    let first = parts.next().unwrap_or_default();
    let Some(mut rest) = path.strip_prefix(first) else {
        return false;
    };
    let parts: Vec<&str> = parts.collect();
    if parts.is_empty() {
        return rest.is_empty();
    }
    for (i, part) in parts.iter().enumerate() {
        if i == parts.len() - 1 {
            return rest.ends_with(part);
        }
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_preview_reads_the_rules_production_gets() {
        let text = headers_file(
            &HeadersConfig::default(),
            &["app.0123.js"],
            &["sitemap.xml"],
        );
        let rules = parse(&text);
        let page = for_path(&rules, "/about/");
        assert!(
            page.iter()
                .any(|(n, v)| *n == "Content-Security-Policy" && v.contains("script-src 'self'"))
        );
        assert!(page.contains(&("Cache-Control", REVALIDATE)));
        let script = for_path(&rules, "/app.0123.js");
        assert!(script.contains(&("Cache-Control", IMMUTABLE)));
        assert!(script.contains(&("X-Content-Type-Options", "nosniff")));
        assert!(matches("/*", "/"));
        assert!(!matches("/", "/about/"));
        assert!(matches("/*/", "/a/b/"));
        assert!(!matches("/*/", "/a/b.css"));
    }

    #[test]
    fn every_rule_sets_cache_control_once_per_path() {
        let text = headers_file(
            &HeadersConfig::default(),
            &["style.0123456789abcdef.css"],
            &["sitemap.xml"],
        );
        assert!(text.contains("/style.0123456789abcdef.css\n  Cache-Control: public, max-age=31536000, immutable\n"), "{text}");
        assert!(
            text.contains("/*/\n  Cache-Control: public, max-age=0, must-revalidate\n"),
            "{text}"
        );
        assert!(text.contains("X-Content-Type-Options: nosniff"), "{text}");
        let star = text.split("\n\n").find(|b| b.starts_with("/*\n")).unwrap();
        assert!(!star.contains("Cache-Control"), "{star}");
    }
}
