//! Policies and their versions.
//!
//! A policy is a folder under `content/policies/` (`content/policies/privacy/`); each
//! Markdown file in it is one version, named by the date it takes effect
//! (`2026-11-24.md`, or any name with `effective = 2026-11-24` in its front matter). An
//! optional `_index.md` in the folder gives the policy's own title and description.
//!
//! Which version is current, superseded or upcoming depends only on the build's "now",
//! so an upcoming version becomes current by itself on the first build after its date.

pub mod changelog;
pub mod editor;
pub mod import;
pub mod lock;

pub mod pages;
pub mod published;
pub mod record;
pub mod redline;
pub mod verify;
pub mod word_diff;

use std::collections::HashMap;

use chrono::NaiveDate;
use serde::Serialize;

use crate::config::PolicyRules;
use crate::content::front_matter::{ChangeKind, Kind, VersionFront};
use crate::content::{Content, SourceFile};
use crate::diagnostic::{Diagnostic, Diagnostics};

/// The folder under `content/` that holds policies.
pub const POLICIES_DIR: &str = "policies";

/// Where the changelog of every policy version is published.
pub const CHANGELOG_PATH: &str = "/changelog/";

/// A policy in one language with its versions, oldest first. A translation is a policy
/// of its own (`lang` `de`, at `/de/policies/privacy/`) whose versions translate some of
/// the default language's and take their effective dates and kinds of change from them.
#[derive(Debug)]
pub struct Policy {
    /// Folder name, e.g. `privacy`; also the URL segment.
    pub slug: String,
    /// The language of its text.
    pub lang: std::sync::Arc<str>,
    /// What its URLs start with: `` in the default language, `/de` in German.
    pub prefix: String,
    /// The policy's optional `_index.md`.
    pub index: Option<SourceFile>,
    pub versions: Vec<Version>,
    /// A translation: the effective dates of every version of its source, which decide
    /// when each translated version is in force (a translation may skip versions).
    pub source_dates: Vec<NaiveDate>,
    /// A translation: its source's notice period.
    pub source_notice_days: Option<u32>,
}

/// One version of a policy.
#[derive(Debug)]
pub struct Version {
    pub file: SourceFile,
    pub effective: NaiveDate,
}

impl Version {
    /// The version's front matter.
    pub fn front(&self) -> &VersionFront {
        // The loader parses every file of a policy folder but `_index.md` as a version
        // (`file_kind`), and `collect` makes versions only of those files.
        self.file
            .front_matter
            .version()
            .expect("a policy version's file is parsed as a version")
    }

    pub fn summary(&self) -> Option<&str> {
        self.front()
            .summary
            .as_deref()
            .filter(|s| !s.trim().is_empty())
    }
}

/// Where a version stands on the build's date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// In force now.
    Current,
    /// Was in force; a later version replaced it.
    Superseded,
    /// Published in advance; takes effect later.
    Upcoming,
}

impl Policy {
    /// The policy's page: `/policies/privacy/` (`/de/policies/privacy/` in German).
    pub fn path(&self) -> String {
        format!("{}/{POLICIES_DIR}/{}/", self.prefix, self.slug)
    }

    /// Whether this is a translation (not in the site's default language).
    pub fn is_translation(&self) -> bool {
        !self.prefix.is_empty()
    }

    /// The name of its chain in `policies.lock`: the slug, and for a translation the
    /// slug and language (`privacy.de`), so that translated text is held to the record
    /// as the original is.
    pub fn record_name(&self) -> String {
        if self.is_translation() {
            format!("{}.{}", self.slug, self.lang)
        } else {
            self.slug.clone()
        }
    }

    /// Whether version `index` has a page of what changed from it to the text in force
    /// (`changes-to-current`): it is superseded, and another version of this policy is
    /// in force (a translation behind its source may still show this one).
    pub fn has_changes_to_current(&self, index: usize, today: NaiveDate) -> bool {
        self.status(index, today) == Status::Superseded
            && self.current_index(today).is_some_and(|c| c != index)
    }

    /// When the version after version `index` takes effect, ending it: the next version,
    /// or for a translation the source's next version (translated or not).
    pub fn next_effective(&self, index: usize) -> Option<NaiveDate> {
        let effective = self.versions[index].effective;
        if self.is_translation() {
            return self.source_dates.iter().find(|d| **d > effective).copied();
        }
        self.versions.get(index + 1).map(|v| v.effective)
    }

    /// The version that takes effect on `day`.
    pub fn version_on(&self, day: NaiveDate) -> Option<usize> {
        self.versions.iter().position(|v| v.effective == day)
    }

    /// The dated page of a version: `/policies/privacy/2026-11-24/`.
    pub fn version_path(&self, version: &Version) -> String {
        format!("{}{}/", self.path(), version.effective.format("%Y-%m-%d"))
    }

    /// The redline of a version against the one before it.
    pub fn changes_path(&self, version: &Version) -> String {
        format!("{}changes/", self.version_path(version))
    }

    /// The page comparing any two versions: `/policies/privacy/compare/`.
    pub fn compare_index_path(&self) -> String {
        format!("{}compare/", self.path())
    }

    /// A version's rendered blocks, from which the compare page computes a redline of
    /// any two versions in the reader's browser: `/policies/privacy/2026-11-24/blocks.json`.
    pub fn blocks_path(&self, version: &Version) -> String {
        format!("{}blocks.json", self.version_path(version))
    }

    /// Days of notice a material change to this policy needs (a translation's are its
    /// source's).
    pub fn notice_days(&self, rules: &PolicyRules) -> u32 {
        if let Some(days) = self.source_notice_days {
            return days;
        }
        self.index
            .as_ref()
            .and_then(|i| i.front_matter.policy()?.notice_days)
            .unwrap_or(rules.notice_days)
    }

    /// A superseded version's redline against the version in force.
    pub fn changes_to_current_path(&self, version: &Version) -> String {
        format!("{}changes-to-current/", self.version_path(version))
    }

    /// Index of the version in force on `today`, if any has taken effect yet.
    pub fn current_index(&self, today: NaiveDate) -> Option<usize> {
        self.versions.iter().rposition(|v| v.effective <= today)
    }

    /// Where version `index` stands on `today`. A translated version is in force exactly
    /// while the version it translates is: when the source has moved on to a version
    /// not translated yet, the newest translation is superseded (and its page says the
    /// translation is behind).
    pub fn status(&self, index: usize, today: NaiveDate) -> Status {
        if self.is_translation() {
            let effective = self.versions[index].effective;
            let in_force = self.source_dates.iter().rev().find(|d| **d <= today);
            return match in_force {
                Some(day) if *day == effective => Status::Current,
                Some(day) if *day > effective => Status::Superseded,
                _ => Status::Upcoming,
            };
        }
        match self.current_index(today) {
            Some(current) if index == current => Status::Current,
            Some(current) if index < current => Status::Superseded,
            _ => Status::Upcoming,
        }
    }

    /// The title: the `_index.md` title, else the newest version's in force (or first).
    pub fn title(&self, today: NaiveDate) -> &str {
        let from_index = self.index.as_ref().and_then(|i| i.front_matter.title());
        let shown = self.current_index(today).unwrap_or(0);
        from_index
            .or(self.versions[shown].front().title.as_deref())
            .unwrap_or(&self.slug)
    }
}

/// The policy a translation translates: the default-language policy of its slug.
pub fn source_of(policies: &[Policy], translation: usize) -> Option<usize> {
    let policy = &policies[translation];
    if !policy.is_translation() {
        return None;
    }
    policies
        .iter()
        .position(|p| p.slug == policy.slug && !p.is_translation())
}

/// How far a translation is behind its source on `today`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TranslationStatus {
    /// The source's version in force (its index) has no translation: readers of the
    /// translation see an older text, or none, as the translation in force.
    pub lagging: Option<usize>,
    /// The source's next version (its index), announced and not translated.
    pub untranslated_upcoming: Option<usize>,
}

pub fn translation_status(
    source: &Policy,
    translation: &Policy,
    today: NaiveDate,
) -> TranslationStatus {
    let translated = |v: usize| {
        translation
            .version_on(source.versions[v].effective)
            .is_some()
    };
    let current = source.current_index(today);
    let next = current.map_or(0, |c| c + 1);
    TranslationStatus {
        lagging: current.filter(|&c| !translated(c)),
        untranslated_upcoming: (next < source.versions.len() && !translated(next)).then_some(next),
    }
}

/// Every translation behind its source, as warnings at the translated policy's newest
/// file (for `vellum check`, which `--strict` makes fail).
pub fn lagging_translations(policies: &[Policy], today: NaiveDate) -> Vec<Diagnostic> {
    let mut found = Vec::new();
    for (t, translation) in policies.iter().enumerate() {
        let Some(source) = source_of(policies, t).map(|s| &policies[s]) else {
            continue;
        };
        let Some(newest) = translation.versions.last() else {
            continue;
        };
        let status = translation_status(source, translation, today);
        let lang = &translation.lang;
        let slug = &source.slug;
        let translated = translation
            .current_index(today)
            .map(|c| translation.versions[c].effective);
        if let Some(current) = status.lagging {
            let version = &source.versions[current];
            let shown = match translated {
                Some(day) => format!("still shows its translation of the version of {day}"),
                None => "has no translation in force".to_string(),
            };
            found.push(
                Diagnostic::warning(
                    &newest.file.display_path,
                    format!(
                        "the `{lang}` translation of the {slug} policy is behind: the version of {} is in force, and the `{lang}` page {shown}",
                        version.effective
                    ),
                )
                .with_help(format!(
                    "translate {} as {}",
                    version.file.display_path.display(),
                    translated_path(version, lang)
                )),
            );
        }
        if let Some(upcoming) = status.untranslated_upcoming {
            let version = &source.versions[upcoming];
            found.push(
                Diagnostic::warning(
                    &newest.file.display_path,
                    format!(
                        "the `{lang}` translation of the {slug} policy lacks the version taking effect on {}: from that day its readers see an older text",
                        version.effective
                    ),
                )
                .with_help(format!(
                    "translate {} as {} before {}",
                    version.file.display_path.display(),
                    translated_path(version, lang),
                    version.effective
                )),
            );
        }
    }
    found
}

/// Where a version's translation into `lang` goes, as messages show it.
fn translated_path(version: &Version, lang: &str) -> String {
    let shown = version
        .file
        .display_path
        .to_string_lossy()
        .replace('\\', "/");
    crate::language::with_suffix(&shown, lang)
}

/// The next day after `today` on which the built site changes by itself, with why: a
/// version takes effect (its pages, banners, feed and changelog change), or a policy
/// falls due for review (`vellum check` starts warning). A publish job that builds
/// and deploys on or after that day, with no commit, keeps the live site true.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct NextChange {
    pub date: NaiveDate,
    pub why: Vec<String>,
}

pub fn next_change(
    policies: &[Policy],
    today: NaiveDate,
    review_months: u32,
    templates_read_the_clock: bool,
) -> Option<NextChange> {
    let mut events: Vec<(NaiveDate, String)> = Vec::new();
    let new_year = NaiveDate::from_ymd_opt(chrono::Datelike::year(&today) + 1, 1, 1);
    if let Some(new_year) = new_year.filter(|_| templates_read_the_clock) {
        events.push((
            new_year,
            "a new year begins (templates show `now()`)".to_string(),
        ));
    }
    // A translation's versions take effect with its source's.
    for policy in policies.iter().filter(|p| !p.is_translation()) {
        for version in policy.versions.iter().filter(|v| v.effective > today) {
            events.push((
                version.effective,
                format!(
                    "the {} policy version of {} takes effect",
                    policy.slug, version.effective
                ),
            ));
        }
        let due = policy.versions.last().and_then(|v| {
            v.effective
                .checked_add_months(chrono::Months::new(review_months))
        });
        if let Some(due) = due.filter(|due| *due > today) {
            events.push((
                due,
                format!("the {} policy falls due for review", policy.slug),
            ));
        }
    }
    let date = events.iter().map(|(date, _)| *date).min()?;
    let why = events
        .into_iter()
        .filter(|(d, _)| *d == date)
        .map(|(_, why)| why)
        .collect();
    Some(NextChange { date, why })
}

/// Takes the policy version files out of `content`, checks them and returns the
/// policies, sorted by slug, each default-language policy before its translations.
/// Drafts are dropped unless `include_drafts`; a translation of a dropped version goes
/// with it.
pub fn collect(
    content: &mut Content,
    rules: &PolicyRules,
    languages: &crate::language::Languages,
    include_drafts: bool,
) -> Result<Vec<Policy>, Diagnostics> {
    let mut diagnostics = Diagnostics::default();
    let mut by_key: HashMap<(String, std::sync::Arc<str>), Policy> = HashMap::new();
    let mut translations = Vec::new();
    let files = std::mem::take(&mut content.files);
    for file in files {
        let Some((slug, name)) = policy_file(&file.base) else {
            content.files.push(file);
            continue;
        };
        if name.contains('/') {
            diagnostics.push(
                Diagnostic::error(
                    &file.display_path,
                    "a policy folder holds only its version files",
                )
                .with_help("move this file out of the policy folder, or into it directly"),
            );
            continue;
        }
        if !is_policy_slug(slug) {
            diagnostics.push(
                Diagnostic::error(&file.display_path, format!("the policy folder name `{slug}` cannot be a URL"))
                    .with_help("name policy folders with lowercase letters, digits and dashes, e.g. content/policies/privacy/"),
            );
            continue;
        }
        let (slug, is_index) = (slug.to_string(), name == "_index.md");
        let lang = std::sync::Arc::clone(&file.lang);
        let policy = by_key
            .entry((slug.clone(), std::sync::Arc::clone(&lang)))
            .or_insert_with(|| Policy {
                slug,
                prefix: if lang == languages.default {
                    String::new()
                } else {
                    format!("/{lang}")
                },
                lang,
                index: None,
                versions: Vec::new(),
                source_dates: Vec::new(),
                source_notice_days: None,
            });
        if is_index {
            policy.index = Some(file);
            continue;
        }
        if policy.is_translation() {
            translations.push(file);
            continue;
        }
        if file.front_matter.draft() && !include_drafts {
            continue;
        }
        match effective_date(&file, name) {
            Ok(effective) => policy.versions.push(Version { file, effective }),
            Err(diagnostic) => diagnostics.push(diagnostic),
        }
    }
    for file in translations {
        let Some(slug) = policy_file(&file.base).map(|(slug, _)| slug.to_string()) else {
            continue;
        };
        let source = by_key
            .get(&(slug.clone(), std::sync::Arc::clone(&languages.default)))
            .and_then(|p| p.versions.iter().find(|v| v.file.base == file.base))
            .map(|v| {
                let front = v.front();
                (
                    v.effective,
                    front.change,
                    front.announced.clone(),
                    front.draft,
                )
            });
        // No source: a draft left out of this build, or a missing file (reported by
        // the load stage).
        let Some((effective, change, announced, draft)) = source else {
            continue;
        };
        match inherit_from_source(file, effective, change, announced, draft) {
            Ok(version) => {
                let key = (slug, std::sync::Arc::clone(&version.file.lang));
                if let Some(policy) = by_key.get_mut(&key) {
                    policy.versions.push(version);
                }
            }
            Err(diagnostic) => diagnostics.push(diagnostic),
        }
    }
    let mut policies: Vec<Policy> = by_key.into_values().collect();
    policies.sort_by(|a, b| {
        (&a.slug, languages.index(&a.lang)).cmp(&(&b.slug, languages.index(&b.lang)))
    });
    for policy in &mut policies {
        policy.versions.sort_by_key(|v| v.effective);
    }
    // A translation's versions are in force when its source's are, with its notice.
    for t in 0..policies.len() {
        if !policies[t].is_translation() {
            continue;
        }
        let source = policies
            .iter()
            .find(|p| p.slug == policies[t].slug && !p.is_translation());
        let (dates, days) = match source {
            Some(source) => (
                source.versions.iter().map(|v| v.effective).collect(),
                Some(source.notice_days(rules)),
            ),
            None => (Vec::new(), None),
        };
        policies[t].source_dates = dates;
        policies[t].source_notice_days = days;
    }
    for policy in &policies {
        check_versions(policy, &mut diagnostics);
        // A translation's notice is its source's, checked there.
        if !policy.is_translation() {
            check_notice(policy, rules, &mut diagnostics);
        }
    }
    policies.retain(|p| !p.versions.is_empty());
    if diagnostics.has_errors() {
        return Err(diagnostics);
    }
    Ok(policies)
}

/// A translated version takes its effective date and kind of change from the version it
/// translates: setting them again could only disagree with it.
fn inherit_from_source(
    mut file: SourceFile,
    effective: NaiveDate,
    change: Option<ChangeKind>,
    announced: Option<crate::content::front_matter::PageDate>,
    draft: bool,
) -> Result<Version, Diagnostic> {
    let source = file.base.clone();
    let own = file.front_matter.version().and_then(|front| {
        [
            ("effective", front.effective.is_some()),
            ("change", front.change.is_some()),
            ("announced", front.announced.is_some()),
            ("draft", front.draft),
        ]
        .into_iter()
        .find(|(_, set)| *set)
    });
    if let Some((key, _)) = own {
        return Err(file
            .error_at_key(
                key,
                format!(
                    "a translation takes `{key}` from the version it translates (content/{source})"
                ),
            )
            .with_help(format!(
                "remove `{key}` from this file; set it in content/{source}"
            )));
    }
    let Some(front) = file.front_matter.version_mut() else {
        return Err(Diagnostic::error(
            &file.display_path,
            "this file is not a policy version",
        ));
    };
    front.change = change;
    front.announced = announced;
    front.draft = draft;
    Ok(Version { file, effective })
}

/// Policy folder names become URL segments as they are.
fn is_policy_slug(slug: &str) -> bool {
    !slug.is_empty()
        && !slug.starts_with('-')
        && slug
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// What a file of a policy folder is: its `_index.md` or a version. `None` for a file
/// outside every policy folder.
pub fn file_kind(relative: &str) -> Option<Kind> {
    let (_, name) = policy_file(relative)?;
    Some(if name == "_index.md" {
        Kind::Policy
    } else {
        Kind::PolicyVersion
    })
}

/// `policies/privacy/2026-11-24.md` -> (`privacy`, `2026-11-24.md`).
fn policy_file(relative: &str) -> Option<(&str, &str)> {
    let rest = relative.strip_prefix(POLICIES_DIR)?.strip_prefix('/')?;
    let (slug, name) = rest.split_once('/')?;
    Some((slug, name))
}

fn effective_date(file: &SourceFile, name: &str) -> Result<NaiveDate, Diagnostic> {
    if let Some(effective) = file
        .front_matter
        .version()
        .and_then(|f| f.effective.as_ref())
    {
        // A time of day would shift the date when converted to UTC, and a policy takes
        // effect for a whole day anyway.
        if effective.text.contains('T') {
            return Err(file
                .error_at_key(
                    "effective",
                    format!("effective = {} has a time of day", effective.text),
                )
                .with_help("give only the date: effective = 2026-11-24"));
        }
        return Ok(effective.date());
    }
    let stem = name.trim_end_matches(".md");
    NaiveDate::parse_from_str(stem, "%Y-%m-%d").map_err(|_| {
        Diagnostic::error(
            &file.display_path,
            format!("policy version `{name}` has no effective date"),
        )
        .at_line(&file.text, 1)
        .with_help("name the file by the date it takes effect (2026-11-24.md) or set effective = 2026-11-24")
    })
}

/// Effective dates must be unique; every version after the first needs a summary.
fn check_versions(policy: &Policy, diagnostics: &mut Diagnostics) {
    for pair in policy.versions.windows(2) {
        if pair[0].effective == pair[1].effective {
            diagnostics.push(
                pair[1]
                    .file
                    .error_at_key(
                        "effective",
                        format!(
                            "two versions of the {} policy take effect on {}: this one and {}",
                            policy.slug,
                            pair[1].effective,
                            pair[0].file.display_path.display()
                        ),
                    )
                    .with_help("each version needs its own effective date"),
            );
        }
    }
    for version in policy.versions.iter().skip(1) {
        if version.summary().is_none() && !version.front().imported {
            diagnostics.push(
                version
                    .file
                    .error_at_key("summary", "this policy version has no summary of what changed")
                    .with_help("fill in summary = \"...\" in the front matter with what changed and why, in a sentence or two; readers see it in the changelog and the version history"),
            );
        }
    }
}

/// Every version after the first says whether it is a material or an editorial change,
/// and a material one was announced at least the notice period before it takes effect.
fn check_notice(policy: &Policy, rules: &PolicyRules, diagnostics: &mut Diagnostics) {
    let notice_days = policy.notice_days(rules);
    for version in policy.versions.iter().skip(1) {
        let front = version.front();
        if front.imported && front.change.is_none() {
            continue;
        }
        let Some(kind) = front.change else {
            diagnostics.push(
                version
                    .file
                    .error_at_key("summary", "this policy version does not say what kind of change it is")
                    .with_help("add change = \"material\" (rights or obligations change: needs notice) or change = \"editorial\" (wording only)"),
            );
            continue;
        };
        if kind != ChangeKind::Material {
            continue;
        }
        let Some(announced) = &front.announced else {
            diagnostics.push(
                version
                    .file
                    .error_at_key(
                        "change",
                        "a material change needs the date its notice went out",
                    )
                    .with_help(format!(
                        "add announced = YYYY-MM-DD, at least {notice_days} days before {}",
                        version.effective
                    )),
            );
            continue;
        };
        let given = (version.effective - announced.date()).num_days();
        if given < i64::from(notice_days) {
            let shortfall = i64::from(notice_days) - given;
            diagnostics.push(
                version
                    .file
                    .error_at_key(
                        "announced",
                        format!(
                            "material change announced {} takes effect {}: {given} days' notice, {shortfall} short of the {notice_days} required",
                            announced.date(),
                            version.effective
                        ),
                    )
                    .with_help(format!(
                        "move `effective` to {} or later (and rename the file), or mark the change editorial if it does not change anyone's rights",
                        announced.date() + chrono::Days::new(u64::from(notice_days))
                    )),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_files_are_recognised_by_folder() {
        assert_eq!(
            policy_file("policies/privacy/2026-11-24.md"),
            Some(("privacy", "2026-11-24.md"))
        );
        assert_eq!(policy_file("policies/_index.md"), None);
        assert_eq!(policy_file("policies/terms.md"), None);
        assert_eq!(policy_file("about.md"), None);
    }
}
