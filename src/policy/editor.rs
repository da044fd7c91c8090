//! Editor commands: `vellum policy new` and `vellum policy list`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use super::{POLICIES_DIR, Policy, Status};
use crate::content::CONTENT_DIR;
use crate::diagnostic::Diagnostics;

/// Reads the site's policies (drafts included), for the editor commands.
pub fn load(root: &Path) -> Result<Vec<Policy>, Diagnostics> {
    let config = crate::config::Config::load(root)?;
    let (mut content, mut diagnostics) = crate::content::load(root);
    diagnostics.take_warnings();
    if diagnostics.has_errors() {
        return Err(diagnostics);
    }
    super::collect(&mut content, &config.policies, true)
}

/// Starts a new version of `slug` taking effect on `effective`: copies the latest
/// version's text to `content/policies/SLUG/DATE.md` with an empty summary for the
/// editor to fill in. Returns the new file's path.
pub fn new_version(
    root: &Path,
    policies: &[Policy],
    slug: &str,
    effective: NaiveDate,
    today: NaiveDate,
) -> Result<PathBuf, String> {
    let policy = find(policies, slug)?;
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
    text.push_str(
        "# \"material\" if anyone's rights or obligations change (needs notice), else \"editorial\":\nchange = \"\"\n",
    );
    let _ = writeln!(
        text,
        "# The day notice of a material change goes out:\nannounced = {}",
        today.format("%Y-%m-%d")
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

/// The version of `slug` in force on `day`: its index, or why there is none.
pub fn in_force_on<'a>(
    policies: &'a [Policy],
    slug: &str,
    day: NaiveDate,
) -> Result<(&'a Policy, usize), String> {
    let policy = find(policies, slug)?;
    match policy.current_index(day) {
        Some(index) => Ok((policy, index)),
        None => Err(format!(
            "no version of the {slug} policy was in force on {day}: the first took effect on {}",
            policy.versions[0].effective
        )),
    }
}

/// `vellum policy at`: which version was in force on a day, and its file.
pub fn describe_in_force(policy: &Policy, index: usize) -> String {
    let version = &policy.versions[index];
    let until = policy
        .versions
        .get(index + 1)
        .and_then(|n| n.effective.pred_opt())
        .map_or("until further notice".to_string(), |d| format!("to {d}"));
    format!(
        "{}  {}  (in force from {} {until})\n",
        version.effective,
        version.file.display_path.display(),
        version.effective
    )
}

/// `vellum policy notice`: a ready-to-send notice of the next upcoming version, as
/// Markdown and as plain text.
pub fn notice(
    policies: &[Policy],
    slug: &str,
    today: NaiveDate,
    config: &crate::config::Config,
) -> Result<String, String> {
    let policy = find(policies, slug)?;
    let next = policy.current_index(today).map_or(0, |c| c + 1);
    let Some(version) = policy.versions.get(next) else {
        return Err(format!(
            "the {slug} policy has no upcoming version: start one with `vellum policy new {slug}`"
        ));
    };
    let title = policy.title(today);
    let effective = version.effective.format("%B %-d, %Y");
    let summary = version
        .summary()
        .unwrap_or("This is the first version of this policy.");
    let page = config.permalink(&policy.path());
    let redline = config.permalink(&policy.changes_path(version));
    let full = config.permalink(&policy.version_path(version));
    let kind = match version.file.front_matter.change {
        Some(crate::content::front_matter::ChangeKind::Material) => {
            "This is a material change: it affects your rights or our obligations.\n\n"
        }
        _ => "",
    };
    let mut out = String::new();
    let _ = write!(
        out,
        "----- Markdown -----\n\n\
         **Changes to our {title}, effective {effective}**\n\n\
         We are updating our [{title}]({page}). The new version takes effect on **{effective}**.\n\n\
         {summary}\n\n{kind}\
         - [See exactly what changes]({redline})\n\
         - [Read the new version in full]({full})\n\n\
         ----- Plain text -----\n\n\
         Changes to our {title}, effective {effective}\n\n\
         We are updating our {title} ({page}). The new version takes effect on {effective}.\n\n\
         {summary}\n\n{kind}\
         See exactly what changes: {redline}\n\
         Read the new version in full: {full}\n"
    );
    Ok(out)
}

fn find<'a>(policies: &'a [Policy], slug: &str) -> Result<&'a Policy, String> {
    policies.iter().find(|p| p.slug == slug).ok_or_else(|| {
        let known: Vec<&str> = policies.iter().map(|p| p.slug.as_str()).collect();
        format!(
            "there is no policy `{slug}` (policies: {})",
            known.join(", ")
        )
    })
}

/// Policies whose newest version is older than `review_months` on `today`: warnings
/// at the newest version's file.
pub fn stale(
    policies: &[Policy],
    today: NaiveDate,
    review_months: u32,
) -> Vec<crate::diagnostic::Diagnostic> {
    policies
        .iter()
        .filter_map(|policy| {
            let newest = policy.versions.last()?;
            let due = newest.effective.checked_add_months(chrono::Months::new(review_months))?;
            (due < today).then(|| {
                crate::diagnostic::Diagnostic::warning(
                    &newest.file.display_path,
                    format!(
                        "the {} policy was last revised on {}, more than {review_months} months ago",
                        policy.slug, newest.effective
                    ),
                )
                .with_help(format!(
                    "review it (laws such as the CCPA ask for a yearly review) and publish a new version, even an editorial one; it was due on {due}"
                ))
            })
        })
        .collect()
}
