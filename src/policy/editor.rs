//! Editor commands: `vellum policy new` and `vellum policy list`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use super::{POLICIES_DIR, Policy, Status};
use crate::config::{Config, PolicyRules};
use crate::content::CONTENT_DIR;
use crate::content::front_matter::ChangeKind;

/// What `vellum policy new` was asked for.
#[derive(Debug, Clone, Copy)]
pub struct NewVersion {
    /// The date asked for with `--effective`; else the first allowed date.
    pub effective: Option<NaiveDate>,
    pub change: ChangeKind,
}

/// Why `vellum policy new` refused.
#[derive(Debug, thiserror::Error)]
pub enum NewVersionError {
    #[error("{0}")]
    UnknownPolicy(String),
    #[error(
        "--effective {asked} is before today ({today}): a new version cannot take effect in the past; the first allowed date is {first}"
    )]
    InThePast {
        asked: NaiveDate,
        today: NaiveDate,
        first: NaiveDate,
    },
    #[error(
        "--effective {asked} is not after the newest version ({newest}, {file}): a new version takes effect after every published one; the first allowed date is {first}"
    )]
    NotAfterNewest {
        asked: NaiveDate,
        newest: NaiveDate,
        file: String,
        first: NaiveDate,
    },
    #[error(
        "a material change needs {notice_days} days' notice: --effective {asked} is only {given} days after today ({today}); the first allowed date is {first} (or use --change editorial for a wording-only change)"
    )]
    TooLittleNotice {
        asked: NaiveDate,
        today: NaiveDate,
        given: i64,
        notice_days: u32,
        first: NaiveDate,
    },
    #[error("cannot copy the [extra] table of the newest version: {0}")]
    Extra(String),
    #[error("cannot write {path}: {message}")]
    Write { path: String, message: String },
}

/// The first date a new version of `policy` may take effect on `today`: after the newest
/// version (upcoming included), and for a material change, after the notice period.
pub fn first_allowed_date(
    policy: &Policy,
    change: ChangeKind,
    today: NaiveDate,
    rules: &PolicyRules,
) -> NaiveDate {
    let notice = match change {
        ChangeKind::Material => u64::from(policy.notice_days(rules)),
        ChangeKind::Editorial => 0,
    };
    let after_notice = today + chrono::Days::new(notice);
    let after_newest = policy
        .versions
        .last()
        .map_or(today, |v| v.effective + chrono::Days::new(1));
    after_notice.max(after_newest)
}

/// Starts a new version of `slug`: copies the newest version's text (an upcoming one
/// included, so the chain of texts stays linear) to `content/policies/SLUG/DATE.md`, with
/// an empty summary for the editor to fill in. Returns the new file's path.
pub fn new_version(
    root: &Path,
    policies: &[Policy],
    slug: &str,
    asked: NewVersion,
    today: NaiveDate,
    rules: &PolicyRules,
) -> Result<PathBuf, NewVersionError> {
    let policy = find(policies, slug).map_err(NewVersionError::UnknownPolicy)?;
    let newest = policy
        .versions
        .last()
        .expect("policies without versions are dropped");
    let first = first_allowed_date(policy, asked.change, today, rules);
    let effective = asked.effective.unwrap_or(first);
    if effective < today {
        return Err(NewVersionError::InThePast {
            asked: effective,
            today,
            first,
        });
    }
    if effective <= newest.effective {
        return Err(NewVersionError::NotAfterNewest {
            asked: effective,
            newest: newest.effective,
            file: newest.file.display_path.display().to_string(),
            first,
        });
    }
    let notice_days = policy.notice_days(rules);
    let given = (effective - today).num_days();
    if asked.change == ChangeKind::Material && given < i64::from(notice_days) {
        return Err(NewVersionError::TooLittleNotice {
            asked: effective,
            today,
            given,
            notice_days,
            first,
        });
    }
    let relative = Path::new(CONTENT_DIR)
        .join(POLICIES_DIR)
        .join(slug)
        .join(format!("{}.md", effective.format("%Y-%m-%d")));
    let text = new_version_text(newest, asked.change, today)?;
    let target = root.join(&relative);
    let write_error = |e: std::io::Error| NewVersionError::Write {
        path: relative.display().to_string(),
        message: e.to_string(),
    };
    // Never overwrite: a file of that name may be a published version with another date.
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&target)
        .map_err(write_error)?;
    std::io::Write::write_all(&mut file, text.as_bytes()).map_err(write_error)?;
    Ok(relative)
}

fn new_version_text(
    newest: &super::Version,
    change: ChangeKind,
    today: NaiveDate,
) -> Result<String, NewVersionError> {
    let front = newest.front();
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
    match change {
        ChangeKind::Material => {
            text.push_str("# Anyone's rights or obligations change, so readers get notice first:\nchange = \"material\"\n");
            let _ = writeln!(
                text,
                "# The day notice of the change goes out (send it with `vellum policy notice`):\nannounced = {}",
                today.format("%Y-%m-%d")
            );
        }
        ChangeKind::Editorial => {
            text.push_str(
                "# Wording only: nobody's rights or obligations change:\nchange = \"editorial\"\n",
            );
        }
    }
    if !front.extra.is_empty() {
        let extra = toml::to_string(&serde_json::json!({ "extra": front.extra }))
            .map_err(|e| NewVersionError::Extra(e.to_string()))?;
        text.push('\n');
        text.push_str(&extra);
    }
    text.push_str("+++\n");
    text.push_str(newest.file.body());
    Ok(text)
}

/// What to do after `vellum policy new`, in order.
pub fn next_steps(path: &Path, slug: &str, change: ChangeKind) -> String {
    let mut steps = format!(
        "Next:\n  1. Edit {} to say what changes, and fill in `summary`.\n  2. Run `vellum build` (or `vellum serve`) to see the version and its redline.\n  3. Commit the new file together with policies.lock.\n",
        path.display()
    );
    if change == ChangeKind::Material {
        let _ = writeln!(
            steps,
            "  4. Send the notice: `vellum policy notice {slug}` prints it, ready for email."
        );
    }
    steps
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

/// A theme string by language and key, with its `{name}` placeholders filled.
pub type ThemeStrings<'a> = dyn Fn(&str, &str, &[(&str, &str)]) -> Option<String> + 'a;

/// `vellum policy notice`: a ready-to-send notice of the next upcoming version, as
/// Markdown and as plain text, in `lang` (the default language unless given): its
/// sentences are the theme's strings (`notice_*` in `i18n/LANG.toml`, which `strings`
/// looks up by language and key and fills in), its date is written as readers of that language
/// write dates.
pub fn notice(
    policies: &[Policy],
    slug: &str,
    today: NaiveDate,
    config: &Config,
    lang: Option<&str>,
    strings: &ThemeStrings,
) -> Result<String, String> {
    let source = find(policies, slug)?;
    let lang = lang.unwrap_or(&config.default_language);
    let next = source.current_index(today).map_or(0, |c| c + 1);
    let Some(upcoming) = source.versions.get(next) else {
        return Err(format!(
            "the {slug} policy has no upcoming version: start one with `vellum policy new {slug}`"
        ));
    };
    let policy = match lang == config.default_language {
        true => source,
        false => {
            if !config.languages.contains_key(lang) {
                return Err(format!(
                    "the site has no language `{lang}` (languages: {})",
                    config.language_codes().join(", ")
                ));
            }
            policies
                .iter()
                .find(|p| p.slug == slug && &*p.lang == lang)
                .filter(|p| p.version_on(upcoming.effective).is_some())
                .ok_or_else(|| {
                    format!(
                        "the {slug} policy's version of {} has no `{lang}` translation yet: translate {} as {} first",
                        upcoming.effective,
                        upcoming.file.display_path.display(),
                        crate::language::with_suffix(&upcoming.file.display_path.to_string_lossy(), lang)
                    )
                })?
        }
    };
    let version = &policy.versions[policy.version_on(upcoming.effective).unwrap_or(0)];
    let text = |key: &str, args: &[(&str, &str)]| -> Result<String, String> {
        strings(lang, key, args).ok_or_else(|| {
            format!("the theme has no string `{key}` for the notice (in i18n/{lang}.toml)")
        })
    };
    let title = policy.title(today);
    let effective =
        crate::locale::format_date(lang, version.effective, crate::locale::DateStyle::Long)?;
    let first = text("notice_first", &[])?;
    let summary = version.summary().unwrap_or(&first);
    let page = config.permalink(&policy.path());
    let redline = config.permalink(&policy.changes_path(version));
    let full = config.permalink(&policy.version_path(version));
    let kind = match version.front().change {
        Some(crate::content::front_matter::ChangeKind::Material) => {
            format!("{}\n\n", text("notice_material", &[])?)
        }
        _ => String::new(),
    };
    let heading = text("notice_heading", &[("title", title), ("date", &effective)])?;
    let linked_title = format!("[{title}]({page})");
    let bold_date = format!("**{effective}**");
    let intro_markdown = text(
        "notice_intro",
        &[("title", &linked_title), ("date", &bold_date)],
    )?;
    let plain_title = format!("{title} ({page})");
    let intro_plain = text(
        "notice_intro",
        &[("title", &plain_title), ("date", &effective)],
    )?;
    let changes = text("notice_changes", &[])?;
    let read = text("notice_full", &[])?;
    let mut out = String::new();
    let _ = write!(
        out,
        "----- Markdown -----\n\n\
         **{heading}**\n\n\
         {intro_markdown}\n\n\
         {summary}\n\n{kind}\
         - [{changes}]({redline})\n\
         - [{read}]({full})\n\n\
         ----- Plain text -----\n\n\
         {heading}\n\n\
         {intro_plain}\n\n\
         {summary}\n\n{kind}\
         {changes}: {redline}\n\
         {read}: {full}\n"
    );
    Ok(out)
}

/// The policy with folder name `slug`, or an error listing the policies there are.
pub fn find<'a>(policies: &'a [Policy], slug: &str) -> Result<&'a Policy, String> {
    policies.iter().find(|p| p.slug == slug).ok_or_else(|| {
        // Each policy once, though every language has its own.
        let known: std::collections::BTreeSet<&str> =
            policies.iter().map(|p| p.slug.as_str()).collect();
        format!(
            "there is no policy `{slug}` (policies: {}); to start one, create its first version as content/{POLICIES_DIR}/{slug}/YYYY-MM-DD.md (the date it takes effect) with a title in its front matter",
            known.into_iter().collect::<Vec<_>>().join(", ")
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
    // A translation is reviewed with its source (and lags behind it: see
    // `policy::lagging_translations`).
    policies
        .iter()
        .filter(|policy| !policy.is_translation())
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
