//! Machine-readable policy history: `versions.json` per policy, `policies/index.json`,
//! and schema.org JSON-LD for each version page. The schema is documented in README.md.

use serde::Serialize;
use serde_json::json;

use crate::content::front_matter::{ChangeKind, Correction};
use crate::markdown::Body;
use crate::policy::lock::{Entry, Lock, source_hash, text_hash};
use crate::policy::record::file_key;
use crate::policy::{Policy, Status};
use crate::site::Site;

/// One version in `versions.json`.
#[derive(Debug, Serialize)]
struct VersionRecord<'a> {
    effective: String,
    /// The instant it takes effect: local midnight in the shop's time zone, with offset.
    effective_at: String,
    announced: Option<&'a str>,
    /// Last day in force, if a later version exists.
    in_force_until: Option<String>,
    status: Status,
    change: Option<ChangeKind>,
    summary: Option<&'a str>,
    corrections: &'a [Correction],
    url: String,
    changes_url: String,
    changes_to_current_url: Option<String>,
    /// The source file, relative to the site root.
    source: String,
    /// SHA-256 of the source (line endings normalised), as in `policies.lock`.
    sha256: String,
    /// SHA-256 of the text readers see (shortcodes and data expanded), as in the lock.
    text_sha256: String,
}

/// `/policies/NAME/versions.json`.
///
/// It carries the policy's whole record from `policies.lock` (`record`, oldest first) and
/// its newest seal (`record_head`), so a copy saved today can later be compared with the
/// site's record by `vellum policy verify`.
/// `bodies` are the policy's rendered versions, in order.
pub fn versions_json(site: &Site, policy: &Policy, bodies: &[Body], record: &Lock) -> String {
    let today = site.today();
    let versions: Vec<VersionRecord> = policy
        .versions
        .iter()
        .enumerate()
        .map(|(i, version)| {
            let front = version.front();
            let status = policy.status(i, today);
            let source = file_key(version);
            // The record check left every recorded version's hashes in the record, equal
            // to its file's; only a draft (never recorded) is hashed here.
            let (sha256, text_sha256) = match record.latest(&source) {
                Some(entry) => (entry.source.clone(), entry.text.clone()),
                None => (source_hash(&version.file.text), text_hash(&bodies[i].html)),
            };
            VersionRecord {
                effective: date(version.effective),
                effective_at: site.start_of(version.effective),
                announced: front.announced.as_ref().map(|d| d.text.as_str()),
                in_force_until: policy
                    .next_effective(i)
                    .and_then(|n| n.pred_opt())
                    .map(date),
                status,
                change: front.change,
                summary: version.summary(),
                corrections: &front.corrections,
                url: site.permalink(&policy.version_path(version)),
                changes_url: site.permalink(&policy.changes_path(version)),
                changes_to_current_url: policy
                    .has_changes_to_current(i, today)
                    .then(|| site.permalink(&policy.changes_to_current_path(version))),
                source,
                sha256,
                text_sha256,
            }
        })
        .collect();
    let document = json!({
        "policy": policy.slug,
        "language": &*policy.lang,
        "translation": policy.is_translation(),
        "title": policy.title(today),
        "url": site.permalink(&policy.path()),
        "notice_days": policy.notice_days(&site.config.policies),
        "timezone": site.config.policies.timezone.name(),
        "versions": versions,
        "record_head": record.head(&policy.record_name()),
        "record": record.chain(&policy.record_name()).collect::<Vec<&Entry>>(),
    });
    serde_json::to_string_pretty(&document).expect("JSON values always serialize") + "\n"
}

/// `/policies/NAME/DATE/blocks.json`: a version's rendered top-level blocks, from which
/// the compare page computes the redline of any two versions in the reader's browser
/// with the same rules as the published redlines (`redline.js`).
pub fn blocks_json(version: &crate::policy::Version, body: &Body) -> String {
    let document = json!({
        "effective": date(version.effective),
        "blocks": body.blocks(),
    });
    serde_json::to_string(&document).expect("JSON values always serialize") + "\n"
}

/// `/policies/index.json`: every policy and where its history is.
pub fn index_json(site: &Site) -> String {
    let today = site.today();
    let policies: Vec<_> = site
        .policies
        .iter()
        .map(|policy| {
            let current = policy.current_index(today);
            let upcoming = policy
                .versions
                .get(current.map_or(0, |c| c + 1))
                .map(|v| date(v.effective));
            json!({
                "policy": policy.slug,
                "language": &*policy.lang,
                "title": policy.title(today),
                "url": site.permalink(&policy.path()),
                "versions_url": site.permalink(&versions_path(policy)),
                "current": current.map(|c| date(policy.versions[c].effective)),
                "upcoming": upcoming,
            })
        })
        .collect();
    serde_json::to_string_pretty(&json!({ "policies": policies }))
        .expect("JSON values always serialize")
        + "\n"
}

/// Where a policy's `versions.json` is published.
pub fn versions_path(policy: &Policy) -> String {
    format!("{}versions.json", policy.path())
}

/// schema.org JSON-LD for a version page: a `WebPage` whose main entity is the policy
/// text as a `CreativeWork`, with its version, dates and the period it is valid for.
/// Escaped so that it is safe inside `<script type="application/ld+json">`.
pub fn json_ld(site: &Site, policy: &Policy, index: usize) -> String {
    let today = site.today();
    let version = &policy.versions[index];
    let front = version.front();
    let next = policy.next_effective(index);
    let published = front
        .announced
        .as_ref()
        .map_or(version.effective, |a| a.date());
    let modified = front
        .corrections
        .iter()
        .map(|c| c.date.date())
        .max()
        .unwrap_or(published)
        .max(published);
    let period_end = next.map_or("..".to_string(), date);
    let url = site.permalink(&policy.version_path(version));
    let mut work = json!({
        "@type": "CreativeWork",
        "name": policy.title(today),
        "version": date(version.effective),
        "datePublished": date(published),
        "dateModified": date(modified),
        "temporalCoverage": format!("{}/{period_end}", date(version.effective)),
        "inLanguage": &*policy.lang,
    });
    if let Some(next) = next {
        work["expires"] = json!(date(next));
    }
    if let Some(summary) = version.summary() {
        work["abstract"] = json!(summary);
    }
    let document = json!({
        "@context": "https://schema.org",
        "@type": "WebPage",
        "url": url,
        "name": format!("{}, effective {}", policy.title(today), date(version.effective)),
        "isPartOf": { "@type": "WebSite", "name": site.config.title, "url": site.permalink("/") },
        "mainEntity": work,
    });
    let text = serde_json::to_string(&document).expect("JSON values always serialize");
    // `</script>` in a summary must not end the script element.
    text.replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

fn date(day: chrono::NaiveDate) -> String {
    day.format("%Y-%m-%d").to_string()
}
