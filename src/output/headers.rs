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

#[cfg(test)]
mod tests {
    use super::*;

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
