//! Editor commands: `vellum policy new` and `vellum policy list`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use super::{POLICIES_DIR, Policy, Status};
use crate::content::CONTENT_DIR;
use crate::diagnostic::Diagnostics;

/// Reads the site's policies (drafts included), for the editor commands.
pub fn load(root: &Path) -> Result<Vec<Policy>, Diagnostics> {
    let (mut content, mut diagnostics) = crate::content::load(root);
    diagnostics.take_warnings();
    if diagnostics.has_errors() {
        return Err(diagnostics);
    }
    super::collect(&mut content, true)
}

/// Starts a new version of `slug` taking effect on `effective`: copies the latest
/// version's text to `content/policies/SLUG/DATE.md` with an empty summary for the
/// editor to fill in. Returns the new file's path.
pub fn new_version(
    root: &Path,
    policies: &[Policy],
    slug: &str,
    effective: NaiveDate,
) -> Result<PathBuf, String> {
    let policy = policies.iter().find(|p| p.slug == slug).ok_or_else(|| {
        let known: Vec<&str> = policies.iter().map(|p| p.slug.as_str()).collect();
        format!(
            "there is no policy `{slug}` (policies: {})",
            known.join(", ")
        )
    })?;
    let latest = policy
        .versions
        .last()
        .expect("policies without versions are dropped");
    if let Some(clash) = policy.versions.iter().find(|v| v.effective == effective) {
        return Err(format!(
            "{} already takes effect on {effective}: choose another date with --effective",
            clash.file.display_path.display()
        ));
    }
    let relative = Path::new(CONTENT_DIR)
        .join(POLICIES_DIR)
        .join(slug)
        .join(format!("{}.md", effective.format("%Y-%m-%d")));
    let front = &latest.file.front_matter;
    let mut text = String::from("+++\n");
    let quote = |s: &str| toml::Value::String(s.to_string()).to_string();
    if let Some(title) = &front.title {
        let _ = writeln!(text, "title = {}", quote(title));
    }
    if let Some(description) = &front.description {
        let _ = writeln!(text, "description = {}", quote(description));
    }
    text.push_str(
        "# What changed and why, in a sentence or two, for the changelog:\nsummary = \"\"\n",
    );
    if !front.extra.is_empty() {
        let extra = toml::to_string(&serde_json::json!({ "extra": front.extra }))
            .map_err(|e| format!("cannot copy the [extra] table: {e}"))?;
        text.push('\n');
        text.push_str(&extra);
    }
    text.push_str("+++\n");
    text.push_str(latest.file.body());
    let target = root.join(&relative);
    // Never overwrite: a file of that name may be a published version with another date.
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&target)
        .map_err(|e| format!("cannot create {}: {e}", relative.display()))?;
    std::io::Write::write_all(&mut file, text.as_bytes())
        .map_err(|e| format!("cannot write {}: {e}", relative.display()))?;
    Ok(relative)
}

/// Every policy with its versions and their status on `today`, newest first.
pub fn list(policies: &[Policy], today: NaiveDate) -> String {
    let mut out = String::new();
    for policy in policies {
        let _ = writeln!(out, "{} ({})", policy.title(today), policy.path());
        for (i, version) in policy.versions.iter().enumerate().rev() {
            let status = match policy.status(i, today) {
                Status::Current => "current",
                Status::Superseded => "superseded",
                Status::Upcoming => "upcoming",
            };
            let _ = writeln!(
                out,
                "  {}  {:<10}  {}",
                version.effective,
                status,
                version.file.display_path.display()
            );
        }
    }
    out
}
