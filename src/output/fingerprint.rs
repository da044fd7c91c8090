//! Fingerprinted static files: `style.css` is also published as `style.<hash>.css`, a
//! URL whose content never changes, so CDNs and browsers may cache it forever.

use std::collections::BTreeMap;

use base64::Engine as _;
use sha2::{Digest, Sha384};

use super::CopiedFile;
use crate::diagnostic::Diagnostic;

/// The fingerprinted name and the Subresource Integrity value of a static file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fingerprint {
    /// Output path with the content hash: `style.3f2a9c1b0d4e5f60.css`.
    pub path: String,
    /// `sha384-...`, for `<link integrity>` and `<script integrity>`.
    pub integrity: String,
}

/// Hex digits of the content hash in fingerprinted names (64 bits).
const HASH_DIGITS: usize = 16;

/// Fingerprints every static file, keyed by its output path.
pub fn fingerprint_all(copies: &[CopiedFile]) -> Result<BTreeMap<String, Fingerprint>, Diagnostic> {
    copies
        .iter()
        .map(|copy| {
            let bytes = std::fs::read(&copy.source).map_err(|e| {
                Diagnostic::error(&copy.source, format!("cannot read this file: {e}"))
            })?;
            let path = copy.path.trim_start_matches('/').to_string();
            let fingerprint = fingerprint(&path, &bytes);
            Ok((path, fingerprint))
        })
        .collect()
}

/// `css/site.css` + bytes -> `css/site.<hash>.css` and its integrity value.
pub fn fingerprint(path: &str, bytes: &[u8]) -> Fingerprint {
    let hash = crate::policy::lock::sha256_hex(bytes);
    let hash = &hash[..HASH_DIGITS];
    let (folder, name) = path.rsplit_once('/').map_or(("", path), |(f, n)| (f, n));
    let name = match name.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => format!("{stem}.{hash}.{ext}"),
        _ => format!("{name}.{hash}"),
    };
    let path = if folder.is_empty() {
        name
    } else {
        format!("{folder}/{name}")
    };
    let integrity = format!(
        "sha384-{}",
        base64::engine::general_purpose::STANDARD.encode(Sha384::digest(bytes))
    );
    Fingerprint { path, integrity }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hash_goes_before_the_extension() {
        let f = fingerprint("css/site.css", b"body{}");
        assert!(
            f.path.starts_with("css/site.") && f.path.ends_with(".css"),
            "{}",
            f.path
        );
        assert_eq!(f.path.len(), "css/site..css".len() + HASH_DIGITS);
        assert!(f.integrity.starts_with("sha384-"));
        assert_eq!(
            fingerprint("LICENSE", b"x").path.len(),
            "LICENSE.".len() + HASH_DIGITS
        );
    }

    #[test]
    fn different_content_gives_a_different_name() {
        assert_ne!(
            fingerprint("a.css", b"a").path,
            fingerprint("a.css", b"b").path
        );
        assert_eq!(fingerprint("a.css", b"a"), fingerprint("a.css", b"a"));
    }

    #[test]
    fn integrity_matches_the_sri_format() {
        // echo -n "alert('Hello, world.');" | openssl dgst -sha384 -binary | base64
        let f = fingerprint("a.js", b"alert('Hello, world.');");
        assert_eq!(
            f.integrity,
            "sha384-H8BRh8j48O9oYatfu5AZzq6A9RINhZO5H16dQZngK7T62em8MUt1FLm52t+eX6xO"
        );
    }
}
