//! Golden (snapshot) tests: the whole output of one page of every kind, every class of
//! error message and the command line's own output, kept in `tests/testsuite/snapshots/`
//! and reviewed in the diff. A change to any of them fails here until it is accepted:
//! `INSTA_UPDATE=always cargo test --test testsuite golden`, then read `git diff`.

use std::path::Path;

use crate::common::{NOW, Site};

/// Checks `text` against the snapshot `name` (under `snapshots/`, no module prefix).
pub fn assert_text(name: &str, text: &str) {
    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(false);
    settings
        .set_snapshot_path(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/testsuite/snapshots"));
    settings.bind(|| insta::assert_snapshot!(name, text));
}

/// Snapshots what a failed build printed, named after the running test (numbered when a
/// test fails several builds): every error message class is reviewed whole, file, line,
/// excerpt and help included.
pub fn assert_failure(site: &Site, stderr: &str) {
    thread_local! {
        static COUNT: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
    }
    let n = COUNT.with(|c| {
        c.set(c.get() + 1);
        c.get()
    });
    let mut name = format!("failure__{}", test_name());
    if n > 1 {
        name.push_str(&format!("-{n}"));
    }
    assert_text(&name, &normalize(site, stderr));
}

/// The running test's name (`module::test`), which the test harness gives its thread, as
/// a snapshot name: `module__test`.
pub fn test_name() -> String {
    std::thread::current()
        .name()
        .unwrap_or("unnamed")
        .replace("::", "__")
}

/// What vellum printed, with what differs between machines and runs taken out: the
/// temporary folder becomes `[SITE]` and timings `[TIME]`.
pub fn normalize(site: &Site, text: &str) -> String {
    let root = site.root.to_string_lossy().into_owned();
    let parent = site.root.parent().unwrap().to_string_lossy().into_owned();
    let text = text.replace(&root, "[SITE]").replace(&parent, "[TMP]");
    mask_timings(&mask_temp_dirs(&text))
}

/// Other temporary folders a test made (`/tmp/.tmpAbC123`) become `[TMP]`.
fn mask_temp_dirs(text: &str) -> String {
    let prefix = std::env::temp_dir()
        .join(".tmp")
        .to_string_lossy()
        .into_owned();
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(&prefix) {
        out.push_str(&rest[..at]);
        out.push_str("[TMP]");
        rest = &rest[at + prefix.len()..];
        let name = rest
            .find(|c: char| !c.is_ascii_alphanumeric())
            .unwrap_or(rest.len());
        rest = &rest[name..];
    }
    out.push_str(rest);
    out
}

/// `in 21 ms` and `in 1.2 s` become `in [TIME]`.
fn mask_timings(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(" in ") {
        out.push_str(&rest[..at + 4]);
        rest = &rest[at + 4..];
        let digits = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let unit = [" ms", " s", " µs"]
            .into_iter()
            .find(|u| rest[digits..].starts_with(u) && digits > 0);
        if let Some(unit) = unit {
            out.push_str("[TIME]");
            rest = &rest[digits + unit.len()..];
        }
    }
    out.push_str(rest);
    out
}

/// Minified HTML broken before each tag, so that a change shows as a line in the diff.
/// Minified output never has `>` directly before `<` with a line break, so the view
/// loses nothing.
fn reviewable(text: &str) -> String {
    text.replace("><", ">\n<")
}

/// Snapshots each output file of `site` under `prefix__path`.
fn pages(site: &Site, prefix: &str, paths: &[&str]) {
    for path in paths {
        let stem = match path.trim_end_matches('/') {
            "" => "home".to_string(),
            p => p.replace(['/', '.'], "_"),
        };
        let name = format!("{prefix}__{stem}");
        let file = if path.is_empty() || path.ends_with('/') {
            format!("{path}index.html")
        } else {
            path.to_string()
        };
        assert_text(&name, &reviewable(&site.output(&file)));
    }
}

/// The list of every output file, so that a page appearing or vanishing shows too.
fn listing(site: &Site, name: &str) {
    let files: Vec<String> = crate::common::tree(&site.root.join("public"))
        .into_iter()
        .map(|(path, bytes)| format!("{path} ({} bytes)", bytes.len()))
        .collect();
    assert_text(name, &files.join("\n"));
}

/// The repository's own site (Wristline), copied without the code and the build.
pub fn shop_site() -> Site {
    Site::copy_of(
        Path::new(env!("CARGO_MANIFEST_DIR")),
        &[
            ".git",
            "target",
            "public",
            "public.manifest.json",
            ".vellum-cache",
            "src",
            "tests",
            "benches",
            "bench",
            "docs",
            "tools",
        ],
    )
}

#[test]
fn the_shops_pages_of_every_kind() {
    let site = shop_site();
    let run = site.build_ok();
    assert_text("shop__build_stdout", &normalize(&site, &run.stdout));
    listing(&site, "shop__files");
    // The manifest lists every file with its hash: any byte that changes shows here.
    assert_text("shop__manifest", &site.read("public.manifest.json"));
    pages(
        &site,
        "shop",
        &[
            "",
            "about/",
            "404.html",
            "products/",
            "products/price-low-to-high/",
            "products/smart-watches/",
            "products/smart-watches/sense-2/",
            "policies/",
            "policies/privacy/",
            "policies/privacy/2025-06-01/",
            "policies/privacy/2025-06-01/changes/",
            "policies/privacy/2026-11-24/changes/",
            "policies/privacy/2025-06-01/changes-to-current/",
            "policies/privacy/2027-01-01/",
            "policies/privacy/compare/",
            "policies/privacy/2027-01-01/blocks.json",
            "policies/cookies/",
            "changelog/",
            "changelog/material/",
            "changelog/atom.xml",
            "policies/privacy/versions.json",
            "policies/index.json",
            "sitemap.xml",
            "robots.txt",
            "_headers",
            "de/",
            "de/about/",
            "de/policies/privacy/",
            "de/policies/privacy/2026-11-24/changes/",
            "de/policies/cookies/",
            "de/changelog/",
            "de/changelog/atom.xml",
            "de/policies/privacy/versions.json",
        ],
    );
}

#[test]
fn the_fixtures_pages_of_every_kind() {
    let basic = Site::fixture("basic");
    basic.build_ok();
    listing(&basic, "basic__files");
    pages(
        &basic,
        "basic",
        &[
            "",
            "about/",
            "blog/",
            "blog/first/",
            "guide/setup/",
            "404.html",
        ],
    );

    let policies = Site::fixture_with_default_theme("policies");
    policies.build_ok();
    listing(&policies, "policies__files");
    pages(
        &policies,
        "policies",
        &[
            "",
            "about/",
            "policies/",
            "policies/terms/",
            "policies/terms/2026-01-01/",
            "policies/terms/2026-06-01/changes/",
            "policies/terms/compare/",
            "changelog/atom.xml",
        ],
    );

    let shop = Site::fixture_with_default_theme("shop");
    shop.build_ok();
    listing(&shop, "shopfixture__files");
    pages(
        &shop,
        "shopfixture",
        &["", "cookies/", "products/", "products/watches/"],
    );
}

/// Runs `vellum ARGS` and snapshots its exit status, stdout and stderr together.
fn command(site: &Site, name: &str, args: &[&str]) {
    let run = site.vellum(args);
    let shown = format!(
        "$ vellum {}\nexit: {}\n--- stdout\n{}--- stderr\n{}",
        args.join(" "),
        if run.success { "success" } else { "failure" },
        normalize(site, &run.stdout),
        normalize(site, &run.stderr)
    );
    assert_text(&format!("cli__{name}"), &shown);
}

#[test]
fn the_command_lines_output() {
    let site = shop_site();
    command(&site, "help", &["--help"]);
    command(&site, "build_help", &["build", "--help"]);
    command(&site, "serve_help", &["serve", "--help"]);
    command(&site, "check_help", &["check", "--help"]);
    command(&site, "deploy_help", &["deploy", "--help"]);
    command(&site, "policy_help", &["policy", "--help"]);
    command(&site, "build", &["build", "--now", NOW]);
    command(&site, "build_again", &["build", "--now", NOW]);
    command(&site, "policy_list", &["policy", "list", "--now", NOW]);
    command(
        &site,
        "policy_at",
        &["policy", "at", "privacy", "2026-01-01"],
    );
    command(
        &site,
        "policy_diff",
        &["policy", "diff", "privacy", "--now", NOW],
    );
    command(
        &site,
        "policy_diff_markdown",
        &["policy", "diff", "privacy", "--markdown", "--now", NOW],
    );
    command(
        &site,
        "policy_diff_unknown_date",
        &["policy", "diff", "privacy", "1999-01-01", "--now", NOW],
    );
    command(
        &site,
        "policy_notice",
        &["policy", "notice", "privacy", "--now", NOW],
    );
    command(&site, "check", &["check", "--now", NOW]);
    command(&site, "bad_now", &["build", "--now", "tomorrow"]);
    command(&site, "unknown_command", &["publish"]);
}

/// The redline of each kind of change, whole (`tests/fixtures/redlines`: one version per
/// case): a changed table cell, a row added and a row removed, paragraphs become list
/// items, a heading become a paragraph, a link's target changed. Each body is reviewed
/// in its snapshot, beside the counts the page gives.
#[test]
fn the_redline_of_each_kind_of_change() {
    let site = Site::fixture_with_default_theme("redlines");
    site.build_ok();
    for (day, case) in [
        ("2026-02-01", "a_changed_cell"),
        ("2026-03-01", "a_row_added_and_a_row_removed"),
        ("2026-04-01", "paragraphs_become_list_items"),
        ("2026-05-01", "a_heading_becomes_a_paragraph"),
        ("2026-06-01", "a_link_target_changed"),
    ] {
        let page = site.output(&format!("policies/sample/{day}/changes/index.html"));
        let stats_at = page
            .find("<p class=\"redline-stats\">")
            .expect("the counts");
        let stats = &page[stats_at..stats_at + page[stats_at..].find("</p>").unwrap() + 4];
        let body_at = page
            .find("<div class=\"prose redline-body\">")
            .expect("a redline");
        let body = &page[body_at..body_at + page[body_at..].find("</article>").unwrap()];
        assert_text(
            &format!("redline__{case}"),
            &format!("{stats}\n\n{}", body.trim()),
        );
    }
}
