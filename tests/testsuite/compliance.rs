//! Policy compliance: change kinds, enforced notice, notices, comparisons with the
//! current text, machine-readable history, "in force on", staleness.

use crate::common::{Site, squeeze};

fn site() -> Site {
    Site::fixture_with_default_theme("policies")
}

const NEW_TERMS: &str = "content/policies/terms/2027-06-01.md";

fn write_version(site: &Site, front: &str) {
    site.write(NEW_TERMS, format!("+++\ntitle = \"Terms of Sale\"\nsummary = \"Shorter returns.\"\n{front}+++\n\n## Orders\n\nOnline.\n"));
}

#[test]
fn a_version_must_say_what_kind_of_change_it_is() {
    let site = site();
    write_version(&site, "");
    site.build_fails("2027-06-01.md:3", "does not say what kind of change");
}

#[test]
fn a_material_change_with_too_little_notice_fails_and_names_the_shortfall() {
    let site = site();
    write_version(&site, "change = \"material\"\nannounced = 2027-05-20\n");
    let run = site.build_fails("content/policies/terms/2027-06-01.md:5", "material change announced 2027-05-20 takes effect 2027-06-01: 12 days' notice, 18 short of the 30 required");
    assert!(
        run.stderr.contains("2027-06-19"),
        "the first allowed date is suggested: {}",
        run.stderr
    );
}

#[test]
fn a_material_change_needs_an_announcement_date() {
    let site = site();
    write_version(&site, "change = \"material\"\n");
    site.build_fails("needs the date its notice went out", "error:");
}

#[test]
fn notice_days_follow_site_toml_and_the_policy() {
    let site = site();
    write_version(&site, "change = \"material\"\nannounced = 2027-05-20\n");
    let config = site.read("site.toml");
    site.write(
        "site.toml",
        format!("{config}\n[policies]\nnotice_days = 10\n"),
    );
    let run = site.build(&[]);
    assert!(run.success, "12 days meet a 10-day rule: {}", run.stderr);
    site.write(
        "content/policies/terms/_index.md",
        "+++\ntitle = \"Terms of Sale\"\nnotice_days = 60\n+++\n",
    );
    site.build_fails("48 short of the 60 required", "error:");
}

#[test]
fn an_editorial_change_may_take_effect_at_once() {
    let site = site();
    write_version(&site, "change = \"editorial\"\n");
    site.build_ok();
}

#[test]
fn changelog_shows_kinds_and_has_a_material_only_list() {
    let site = site();
    write_version(&site, "change = \"editorial\"\n");
    site.build_ok();
    let all = squeeze(&site.output("changelog/index.html"));
    assert!(
        all.contains("Editorial change</span> Shorter returns."),
        "{all}"
    );
    assert!(
        all.contains("Material change</span> Orders are online only"),
        "{all}"
    );
    assert!(
        all.contains("https://policies.test/changelog/material/"),
        "{all}"
    );
    let material = squeeze(&site.output("changelog/material/index.html"));
    assert!(material.contains("Orders are online only"), "{material}");
    assert!(!material.contains("Shorter returns."), "{material}");
    let feed = site.output("changelog/atom.xml");
    assert!(feed.contains("<category term=\"editorial\""), "{feed}");
    let history = squeeze(&site.output("policies/terms/index.html"));
    assert!(
        history.contains("Material change</span> Orders are online only"),
        "{history}"
    );
}

#[test]
fn superseded_versions_link_a_redline_against_the_current_text() {
    let site = site();
    site.build_ok();
    let old = squeeze(&site.output("policies/terms/2026-01-01/index.html"));
    let since = "https://policies.test/policies/terms/2026-01-01/changes-to-current/";
    assert!(
        old.contains(&format!(
            "<a href=\"{since}\">see everything that has changed since this version</a>"
        )),
        "{old}"
    );
    let redline = site.output("policies/terms/2026-01-01/changes-to-current/index.html");
    assert!(
        redline.contains("We accept orders <del>by phone and</del> online."),
        "{redline}"
    );
    assert!(
        redline.contains("What has changed in the Terms of Sale since"),
        "{redline}"
    );
    // The current and upcoming versions have none.
    assert!(!site.output_exists("policies/terms/2026-06-01/changes-to-current/index.html"));
    assert!(!site.output_exists("policies/terms/2027-03-01/changes-to-current/index.html"));
}

#[test]
fn versions_json_matches_the_pages() {
    let site = site();
    site.build_ok();
    let json: serde_json::Value =
        serde_json::from_str(&site.output("policies/terms/versions.json")).unwrap();
    assert_eq!(json["policy"], "terms");
    assert_eq!(json["notice_days"], 30);
    let versions = json["versions"].as_array().unwrap();
    assert_eq!(versions.len(), 3);
    let statuses: Vec<&str> = versions
        .iter()
        .map(|v| v["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["superseded", "current", "upcoming"]);
    let june = &versions[1];
    assert_eq!(june["effective"], "2026-06-01");
    assert_eq!(june["announced"], "2026-04-15");
    assert_eq!(june["change"], "material");
    assert_eq!(june["in_force_until"], "2027-02-28");
    assert_eq!(
        june["summary"],
        "Orders are online only; returns extended to 30 days."
    );
    for version in versions {
        for key in ["url", "changes_url"] {
            let url = version[key].as_str().unwrap();
            let path = url.trim_start_matches("https://policies.test/");
            assert!(
                site.output_exists(&format!("{path}index.html")),
                "{key} {url} is not a page"
            );
        }
        let source = version["source"].as_str().unwrap();
        let text = site.read(source);
        use sha2::Digest;
        let hash: String = sha2::Sha256::digest(text.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(version["sha256"], hash.as_str(), "{source}");
    }
    assert!(
        versions[0]["changes_to_current_url"]
            .as_str()
            .unwrap()
            .ends_with("/2026-01-01/changes-to-current/")
    );
    let index: serde_json::Value =
        serde_json::from_str(&site.output("policies/index.json")).unwrap();
    let terms = index["policies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["policy"] == "terms")
        .unwrap();
    assert_eq!(terms["current"], "2026-06-01");
    assert_eq!(terms["upcoming"], "2027-03-01");
    assert_eq!(
        terms["versions_url"],
        "https://policies.test/policies/terms/versions.json"
    );
}

#[test]
fn version_pages_carry_json_ld_with_their_validity() {
    let site = site();
    site.build_ok();
    let html = site.output("policies/terms/2026-06-01/index.html");
    let ld = crate::common::json_ld(&html, "WebPage");
    assert_eq!(ld["@context"], "https://schema.org");
    assert_eq!(ld["@type"], "WebPage");
    let work = &ld["mainEntity"];
    assert_eq!(work["@type"], "CreativeWork");
    assert_eq!(work["version"], "2026-06-01");
    assert_eq!(work["datePublished"], "2026-04-15");
    assert_eq!(work["dateModified"], "2026-04-15");
    assert_eq!(work["temporalCoverage"], "2026-06-01/2027-03-01");
    assert_eq!(work["expires"], "2027-03-01");
}

#[test]
fn policy_at_picks_the_version_in_force_at_the_boundaries() {
    let site = site();
    let at = |day: &str| site.vellum(&["policy", "at", "terms", day]);
    let run = at("2026-06-01");
    assert!(run.success, "{}", run.stderr);
    assert!(
        run.stdout
            .starts_with("2026-06-01  content/policies/terms/2026-06-01.md"),
        "{}",
        run.stdout
    );
    let run = at("2026-05-31");
    assert!(
        run.stdout
            .starts_with("2026-01-01  content/policies/terms/2026-01-01.md"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("to 2026-05-31"), "{}", run.stdout);
    let run = at("2027-03-01");
    assert!(
        run.stdout
            .starts_with("2027-03-01  content/policies/terms/spring-update.md"),
        "{}",
        run.stdout
    );
    let run = at("2025-12-31");
    assert!(!run.success);
    assert!(
        run.stderr
            .contains("no version of the terms policy was in force on 2025-12-31"),
        "{}",
        run.stderr
    );
}

#[test]
fn history_shows_each_versions_range_for_readers_without_javascript() {
    let site = site();
    site.build_ok();
    let page = squeeze(&site.output("policies/terms/index.html"));
    assert!(
        page.contains("data-from=\"2026-01-01\" data-until=\"2026-05-31\""),
        "{page}"
    );
    assert!(
        page.contains(
            "January 1, 2026</time></a> to <time datetime=\"2026-05-31\">May 31, 2026</time>"
        ),
        "{page}"
    );
    let form = page
        .split("<form class=\"version-at\"")
        .nth(1)
        .and_then(|rest| rest.split('>').next())
        .unwrap_or_default();
    assert!(
        form.ends_with(" hidden"),
        "the date form stays hidden without JavaScript: {form}"
    );
    assert!(page.contains("policy-date."), "{page}");
}

#[test]
fn policy_notice_prints_a_ready_to_send_notice() {
    let site = site();
    let run = site.vellum(&["policy", "notice", "terms", "--now", "2026-11-25"]);
    assert!(run.success, "{}", run.stderr);
    for needle in [
        "**Changes to our Terms of Sale, effective March 1, 2027**",
        "Adds bank transfer as a way to pay.",
        "[See exactly what changes](https://policies.test/policies/terms/2027-03-01/changes/)",
        "----- Plain text -----",
        "See exactly what changes: https://policies.test/policies/terms/2027-03-01/changes/",
        "This is a material change",
    ] {
        assert!(run.stdout.contains(needle), "{needle} in {}", run.stdout);
    }
    let run = site.vellum(&["policy", "notice", "privacy", "--now", "2026-11-25"]);
    assert!(!run.success);
    assert!(run.stderr.contains("no upcoming version"), "{}", run.stderr);
}

#[test]
fn policy_new_fills_in_the_announcement_date() {
    let site = site();
    let run = site.vellum(&[
        "policy",
        "new",
        "privacy",
        "--effective",
        "2027-01-15",
        "--now",
        "2026-11-25",
    ]);
    assert!(run.success, "{}", run.stderr);
    let text = site.read("content/policies/privacy/2027-01-15.md");
    assert!(text.contains("announced = 2026-11-25"), "{text}");
    assert!(text.contains("change = \"material\""), "{text}");
}

#[test]
fn check_warns_about_a_policy_not_reviewed_for_a_year_and_strict_fails() {
    let site = site();
    // Built once, so that policies.lock records every version.
    let run = site.vellum(&["build", "--now", "2026-11-25"]);
    assert!(run.success, "{}", run.stderr);
    let run = site.vellum(&["check", "--now", "2028-04-01"]);
    assert!(run.success, "a warning alone passes: {}", run.stderr);
    assert!(
        run.stderr
            .contains("the terms policy was last revised on 2027-03-01, more than 12 months ago"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("content/policies/terms/spring-update.md"),
        "{}",
        run.stderr
    );
    let run = site.vellum(&["check", "--strict", "--now", "2028-04-01"]);
    assert!(!run.success, "--strict fails on it");
    let run = site.vellum(&["check", "--strict", "--now", "2026-11-25"]);
    assert!(run.success, "{}", run.stderr);
}
