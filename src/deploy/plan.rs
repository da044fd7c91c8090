//! What a deploy does, decided from the built files and the bucket's listing alone, so
//! it can be printed (`--dry-run`), tested without a server, and then carried out.

use std::collections::BTreeMap;

use serde::Serialize;

use super::local::LocalFile;

/// One object as the bucket's listing describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteObject {
    pub size: u64,
    /// The listing's ETag without quotes: the MD5 of the bytes for a plain upload on
    /// S3, R2, B2, MinIO and Garage, but not for multipart or KMS-encrypted objects.
    pub etag: Option<String>,
}

/// How a built file compares with the bucket, before any object is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    New,
    Changed,
    Same,
    /// Same size but an ETag that is not the file's MD5: only the SHA-256 vellum stores
    /// with each object (one HEAD request) can tell.
    Unsure,
}

/// Compares one built file with the object at its key.
pub fn compare(local: &LocalFile, remote: Option<&RemoteObject>, force: bool) -> Verdict {
    match remote {
        None => Verdict::New,
        Some(_) if force => Verdict::Changed,
        Some(remote) if remote.size != local.size => Verdict::Changed,
        Some(remote) if remote.etag.as_deref() == Some(local.md5.as_str()) => Verdict::Same,
        Some(_) => Verdict::Unsure,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Reason {
    New,
    Changed,
}

impl Reason {
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::New => "new",
            Reason::Changed => "changed",
        }
    }
}

/// One file to upload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Upload {
    pub path: String,
    pub reason: Reason,
    pub size: u64,
    pub content_type: String,
    pub cache_control: String,
    #[serde(skip)]
    pub step: Step,
}

/// Uploads run in steps, each finished before the next starts, so that whatever a file
/// links to is in the bucket before the file is: images and fonts, then stylesheets and
/// scripts (which link to those), then pages, then feeds and the sitemap (which list
/// pages). New files go before changed ones: a changed page may link to a new file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Step {
    reason: u8,
    kind: u8,
}

impl Step {
    fn of(reason: Reason, content_type: &str) -> Step {
        let mime = content_type.split(';').next().unwrap_or_default().trim();
        let kind = match mime {
            "text/css" | "text/javascript" | "application/javascript" => 1,
            "text/html" => 2,
            "text/xml"
            | "application/xml"
            | "application/atom+xml"
            | "application/rss+xml"
            | "application/json"
            | "text/plain" => 3,
            _ => 0,
        };
        Step {
            reason: reason as u8,
            kind,
        }
    }
}

/// Everything a deploy does, in order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Plan {
    pub uploads: Vec<Upload>,
    /// Keys (output paths) in the bucket that the build no longer has.
    pub deletes: Vec<String>,
    pub unchanged: usize,
    /// URLs a CDN must forget: changed and deleted files, and new ones that are not
    /// fingerprinted (a CDN may have cached their 404).
    #[serde(skip)]
    pub purge: Vec<String>,
}

impl Plan {
    /// The plan from each built file's final verdict (`Unsure` resolved) and the
    /// bucket's listing. `url` gives a file's public URL.
    pub fn new(
        files: &[(&LocalFile, Verdict)],
        remote: &BTreeMap<String, RemoteObject>,
        url: impl Fn(&str) -> String,
    ) -> Plan {
        let mut plan = Plan::default();
        for (file, verdict) in files {
            let reason = match verdict {
                Verdict::New => Reason::New,
                Verdict::Changed => Reason::Changed,
                Verdict::Same => {
                    plan.unchanged += 1;
                    continue;
                }
                Verdict::Unsure => unreachable!("resolved before planning"),
            };
            if reason == Reason::Changed || !file.immutable {
                plan.purge.push(url(&file.path));
            }
            plan.uploads.push(Upload {
                path: file.path.clone(),
                reason,
                size: file.size,
                content_type: file.content_type.clone(),
                cache_control: file.cache_control.clone(),
                step: Step::of(reason, &file.content_type),
            });
        }
        // Stable: within a step, files keep the build's (sorted) order.
        plan.uploads.sort_by_key(|u| u.step);
        let built: std::collections::HashSet<&str> =
            files.iter().map(|(f, _)| f.path.as_str()).collect();
        plan.deletes = remote
            .keys()
            .filter(|key| !built.contains(key.as_str()))
            .cloned()
            .collect();
        plan.purge.extend(plan.deletes.iter().map(|p| url(p)));
        plan
    }

    pub fn upload_bytes(&self) -> u64 {
        self.uploads.iter().map(|u| u.size).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.uploads.is_empty() && self.deletes.is_empty()
    }

    /// The uploads step by step, in order.
    pub fn steps(&self) -> impl Iterator<Item = &[Upload]> {
        self.uploads.chunk_by(|a, b| a.step == b.step)
    }

    /// The purge URLs in batches of at most `size` (a CDN's per-request limit:
    /// Cloudflare takes 30 URLs a request on most plans).
    pub fn purge_batches(&self, size: usize) -> Vec<Vec<String>> {
        self.purge
            .chunks(size.max(1))
            .map(|batch| batch.to_vec())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str, content_type: &str, immutable: bool, md5: &str) -> LocalFile {
        LocalFile {
            path: path.into(),
            size: 10,
            md5: md5.into(),
            sha256: format!("sha-{md5}"),
            content_type: content_type.into(),
            cache_control: "c".into(),
            immutable,
        }
    }

    fn remote(md5: &str) -> RemoteObject {
        RemoteObject {
            size: 10,
            etag: Some(md5.into()),
        }
    }

    #[test]
    fn verdicts_come_from_size_and_etag() {
        let f = file("a.html", "text/html", false, "m1");
        assert_eq!(compare(&f, None, false), Verdict::New);
        assert_eq!(compare(&f, Some(&remote("m1")), false), Verdict::Same);
        assert_eq!(compare(&f, Some(&remote("m1")), true), Verdict::Changed);
        assert_eq!(compare(&f, Some(&remote("m2")), false), Verdict::Unsure);
        let bigger = RemoteObject {
            size: 11,
            etag: Some("m1".into()),
        };
        assert_eq!(compare(&f, Some(&bigger), false), Verdict::Changed);
    }

    #[test]
    fn what_is_linked_goes_up_before_what_links_to_it_and_deletes_come_last() {
        let page = file("about/index.html", "text/html; charset=utf-8", false, "p");
        let css = file("style.1.css", "text/css; charset=utf-8", true, "c");
        let font = file("font.1.woff2", "font/woff2", true, "f");
        let sitemap = file("sitemap.xml", "text/xml; charset=utf-8", false, "s");
        let home = file("index.html", "text/html; charset=utf-8", false, "h");
        let files = [
            (&page, Verdict::Changed),
            (&sitemap, Verdict::Changed),
            (&css, Verdict::New),
            (&home, Verdict::Same),
            (&font, Verdict::New),
        ];
        let bucket: BTreeMap<String, RemoteObject> = [
            ("about/index.html", remote("old")),
            ("index.html", remote("h")),
            ("style.0.css", remote("x")),
            ("gone/index.html", remote("y")),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        let plan = Plan::new(&files, &bucket, |p| format!("https://x.test/{p}"));
        let order: Vec<&str> = plan.uploads.iter().map(|u| u.path.as_str()).collect();
        assert_eq!(
            order,
            [
                "font.1.woff2",
                "style.1.css",
                "about/index.html",
                "sitemap.xml"
            ]
        );
        assert_eq!(plan.steps().count(), 4);
        assert_eq!(plan.deletes, ["gone/index.html", "style.0.css"]);
        assert_eq!(plan.unchanged, 1);
        // Fingerprinted new files need no purge; changed and deleted ones do.
        assert_eq!(
            plan.purge,
            [
                "https://x.test/about/index.html",
                "https://x.test/sitemap.xml",
                "https://x.test/gone/index.html",
                "https://x.test/style.0.css"
            ]
        );
        let batches = plan.purge_batches(3);
        assert_eq!(batches.len(), 2);
        assert_eq!(batches[1].len(), 1);
    }
}
