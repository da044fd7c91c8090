//! Policy versions: pages, banners, redlines, changelog, feed, lock and editor commands.

use crate::common::{Site, squeeze};

fn site() -> Site {
    Site::fixture_with_default_theme("policies")
}

#[test]
fn every_version_and_redline_has_a_stable_url() {
    let site = site();
    site.build_ok();
    for path in [
        "policies/terms/index.html",
        "policies/terms/2026-01-01/index.html",
        "policies/terms/2026-01-01/changes/index.html",
        "policies/terms/2026-06-01/index.html",
        "policies/terms/2026-06-01/changes/index.html",
        "policies/terms/2027-03-01/index.html",
        "policies/terms/2027-03-01/changes/index.html",
        "policies/privacy/index.html",
        "policies/privacy/2026-02-01/index.html",
        "changelog/index.html",
        "changelog/atom.xml",
    ] {
        assert!(site.output_exists(path), "{path} is missing");
    }
}

#[test]
fn current_page_shows_the_version_in_force_and_the_history() {
    let site = site();
    site.build_ok();
    let page = squeeze(&site.output("policies/terms/index.html"));
    assert!(
        page.contains("Effective <time datetime=\"2026-06-01\">June 1, 2026</time>"),
        "{page}"
    );
    assert!(page.contains("We accept orders online."), "{page}");
    for version in ["2026-01-01", "2026-06-01", "2027-03-01"] {
        assert!(
            page.contains(&format!("https://policies.test/policies/terms/{version}/")),
            "{version}: {page}"
        );
    }
}

#[test]
fn superseded_version_says_when_it_was_in_force() {
    let site = site();
    site.build_ok();
    let page = squeeze(&site.output("policies/terms/2026-01-01/index.html"));
    assert!(
        page.contains("This version was in force from <time datetime=\"2026-01-01\">January 1, 2026</time> to <time datetime=\"2026-05-31\">May 31, 2026</time>."),
        "{page}"
    );
    assert!(
        page.contains(
            "<a href=\"https://policies.test/policies/terms/\">Read the current version</a>"
        ),
        "{page}"
    );
    assert!(
        page.contains("We accept orders by phone and online."),
        "{page}"
    );
}

#[test]
fn upcoming_version_is_announced_on_the_current_page() {
    let site = site();
    site.build_ok();
    let page = squeeze(&site.output("policies/terms/index.html"));
    assert!(
        page.contains("This policy changes on <time datetime=\"2027-03-01\">March 1, 2027</time>."),
        "{page}"
    );
    assert!(
        page.contains("<a href=\"https://policies.test/policies/terms/2027-03-01/changes/\">See what changes</a>"),
        "{page}"
    );
    let upcoming = squeeze(&site.output("policies/terms/2027-03-01/index.html"));
    assert!(
        upcoming.contains("This version takes effect on"),
        "{upcoming}"
    );
}

#[test]
fn redline_marks_inserted_and_deleted_words() {
    let site = site();
    site.build_ok();
    let page = site.output("policies/terms/2026-06-01/changes/index.html");
    assert!(
        page.contains("We accept orders <del>by phone and</del> online."),
        "{page}"
    );
    assert!(
        page.contains("within <del>14</del><ins>30</ins> days"),
        "{page}"
    );
    assert!(
        page.contains("<summary>Unchanged: Payment</summary>"),
        "{page}"
    );
    assert!(
        page.contains("Orders are online only; returns extended to 30 days."),
        "{page}"
    );
    let upcoming = site.output("policies/terms/2027-03-01/changes/index.html");
    assert!(
        upcoming.contains("Pay by card <ins>or bank transfer</ins> within"),
        "{upcoming}"
    );
}

#[test]
fn first_version_says_so_instead_of_a_redline() {
    let site = site();
    site.build_ok();
    let page = site.output("policies/terms/2026-01-01/changes/index.html");
    assert!(
        page.contains("This is the first version of the Terms of Sale"),
        "{page}"
    );
    assert!(!page.contains("<ins>"), "{page}");
}

#[test]
fn changelog_lists_every_version_newest_first_with_upcoming_marked() {
    let site = site();
    site.build_ok();
    let page = site.output("changelog/index.html");
    let order: Vec<usize> = ["2027-03-01", "2026-06-01", "2026-02-01", "2026-01-01"]
        .iter()
        .map(|d| {
            page.find(&format!("datetime=\"{d}\""))
                .unwrap_or_else(|| panic!("{d} missing"))
        })
        .collect();
    assert!(
        order.windows(2).all(|w| w[0] < w[1]),
        "not newest first: {order:?}"
    );
    assert!(
        page.contains("status-upcoming\">Not yet in force</span>"),
        "{page}"
    );
    assert!(
        page.contains("Adds bank transfer as a way to pay."),
        "{page}"
    );
}

#[test]
fn atom_feed_is_valid_xml_with_stable_ids() {
    let site = site();
    site.build_ok();
    let feed = site.output("changelog/atom.xml");
    let doc = roxmltree::Document::parse(&feed).expect("the feed is well-formed XML");
    let root = doc.root_element();
    let atom = "http://www.w3.org/2005/Atom";
    assert_eq!(root.tag_name().namespace(), Some(atom));
    assert_eq!(root.tag_name().name(), "feed");
    let child = |node: roxmltree::Node, name: &str| {
        node.children()
            .find(|c| c.has_tag_name((atom, name)))
            .map(|c| c.text().unwrap_or("").to_string())
    };
    assert_eq!(
        child(root, "id").as_deref(),
        Some("https://policies.test/changelog/atom.xml")
    );
    assert_eq!(
        child(root, "updated").as_deref(),
        Some("2027-03-01T00:00:00Z")
    );
    let entries: Vec<_> = root
        .children()
        .filter(|c| c.has_tag_name((atom, "entry")))
        .collect();
    assert_eq!(entries.len(), 4);
    for entry in &entries {
        for field in ["id", "title", "updated", "summary"] {
            assert!(
                child(*entry, field).is_some_and(|t| !t.is_empty()),
                "entry without {field}"
            );
        }
    }
    assert_eq!(
        child(entries[0], "id").as_deref(),
        Some("https://policies.test/policies/terms/2027-03-01/")
    );
    assert!(
        child(entries[0], "title")
            .unwrap()
            .starts_with("Upcoming: ")
    );
    // Stable: the same ids on a later build.
    let run = site.vellum(&["build", "--now", "2027-06-01"]);
    assert!(run.success, "{}", run.stderr);
    let later = site.output("changelog/atom.xml");
    assert!(later.contains("<id>https://policies.test/policies/terms/2027-03-01/</id>"));
}

#[test]
fn every_page_links_the_feed_and_knows_the_policies() {
    let site = site();
    site.build_ok();
    let about = squeeze(&site.output("about/index.html"));
    assert!(
        about.contains("<link rel=\"alternate\" type=\"application/atom+xml\" title=\"Policy Shop: policy changes\" href=\"https://policies.test/changelog/atom.xml\">"),
        "{about}"
    );
    assert!(
        about.contains("Terms of Sale</a> <span class=\"updated\">(updated June 1, 2026)</span>"),
        "{about}"
    );
}

#[test]
fn internal_links_reach_policies_and_their_versions() {
    let site = site();
    site.build_ok();
    let home = site.output("index.html");
    assert!(
        home.contains("href=\"https://policies.test/policies/terms/\""),
        "{home}"
    );
    assert!(
        home.contains("href=\"https://policies.test/policies/terms/2026-01-01/#payment\""),
        "{home}"
    );
}

#[test]
fn passing_the_effective_date_makes_the_upcoming_version_current() {
    let site = site();
    let run = site.vellum(&["build", "--now", "2027-03-01"]);
    assert!(run.success, "{}", run.stderr);
    let page = squeeze(&site.output("policies/terms/index.html"));
    assert!(
        page.contains("Pay by card or bank transfer within seven days."),
        "{page}"
    );
    assert!(!page.contains("This policy changes on"), "{page}");
    let june = squeeze(&site.output("policies/terms/2026-06-01/index.html"));
    assert!(
        june.contains("to <time datetime=\"2027-02-28\">February 28, 2027</time>."),
        "{june}"
    );
}

#[test]
fn two_versions_with_one_effective_date_are_an_error() {
    let site = site();
    site.write(
        "content/policies/terms/copy.md",
        "+++\ntitle = \"Terms\"\nsummary = \"x\"\neffective = 2026-06-01\n+++\nText\n",
    );
    site.build_fails(
        "content/policies/terms/copy.md:4",
        "take effect on 2026-06-01",
    );
}

#[test]
fn missing_summary_after_the_first_version_is_an_error() {
    let site = site();
    site.write(
        "content/policies/terms/2026-09-01.md",
        "+++\ntitle = \"Terms\"\n+++\nText\n",
    );
    site.build_fails("content/policies/terms/2026-09-01.md:1", "no summary");
}

#[test]
fn version_without_a_date_is_an_error() {
    let site = site();
    site.write(
        "content/policies/terms/draft-ideas.md",
        "+++\ntitle = \"Terms\"\nsummary = \"x\"\n+++\n",
    );
    site.build_fails(
        "content/policies/terms/draft-ideas.md:1",
        "no effective date",
    );
}

#[test]
fn bad_effective_date_is_an_error_at_its_line() {
    let site = site();
    site.write(
        "content/policies/terms/later.md",
        "+++\ntitle = \"Terms\"\nsummary = \"x\"\neffective = \"2027-02-30\"\n+++\n",
    );
    site.build_fails("content/policies/terms/later.md:4", "error:");
}

#[test]
fn the_lock_rejects_an_edited_published_version_until_a_correction_is_recorded() {
    let site = site();
    let run = site.build_ok();
    assert!(
        run.stdout.contains("Updated policies.lock"),
        "{}",
        run.stdout
    );
    assert!(
        site.read("policies.lock")
            .contains("content/policies/terms/2026-06-01.md")
    );
    let before = site.output_tree();

    let path = "content/policies/terms/2026-06-01.md";
    let edited = site
        .read(path)
        .replace("within seven days", "within ten days");
    site.write(path, &edited);
    let run = site.build_fails(
        "content/policies/terms/2026-06-01.md:1",
        "was published and its text has changed",
    );
    assert!(run.stderr.contains("corrections = ["), "{}", run.stderr);
    assert_eq!(before, site.output_tree(), "a failed build changed public/");

    let corrected = edited.replace(
        "+++\n\n## Orders",
        "corrections = [{ date = 2026-11-20, note = \"Payment period corrected to ten days.\" }]\n+++\n\n## Orders",
    );
    site.write(path, &corrected);
    let run = site.build(&[]);
    assert!(run.success, "{}", run.stderr);
    let version = squeeze(&site.output("policies/terms/2026-06-01/index.html"));
    assert!(
        version.contains("Payment period corrected to ten days."),
        "{version}"
    );
    assert!(
        site.output("changelog/index.html")
            .contains("Payment period corrected to ten days.")
    );
    let run = site.build(&["--locked"]);
    assert!(run.success, "the updated lock is current: {}", run.stderr);
}

#[test]
fn locked_build_fails_when_the_lock_would_change() {
    let site = site();
    site.build_ok();
    site.write(
        "content/policies/privacy/2026-12-15.md",
        "+++\ntitle = \"Privacy Notice\"\nsummary = \"Shorter retention.\"\nchange = \"editorial\"\n+++\n\n## Data\n\nWe keep it briefly.\n",
    );
    let lock = site.read("policies.lock");
    let run = site.build(&["--locked"]);
    assert!(!run.success);
    assert!(run.stderr.contains("policies.lock"), "{}", run.stderr);
    assert!(run.stderr.contains("out of date"), "{}", run.stderr);
    assert_eq!(
        lock,
        site.read("policies.lock"),
        "--locked must not write the lock"
    );
}

#[test]
fn deleting_a_published_version_is_an_error() {
    let site = site();
    site.build_ok();
    site.remove("content/policies/terms/2026-01-01.md");
    site.build_fails("content/policies/terms/2026-01-01.md", "was deleted");
}

#[test]
fn policy_new_copies_the_latest_version_with_an_empty_summary() {
    let site = site();
    let new = [
        "policy",
        "new",
        "privacy",
        "--effective",
        "2026-12-15",
        "--change",
        "editorial",
        "--now",
        "2026-11-25",
    ];
    let run = site.vellum(&new);
    assert!(run.success, "{}", run.stderr);
    assert_eq!(run.stdout.trim(), "content/policies/privacy/2026-12-15.md");
    let text = site.read("content/policies/privacy/2026-12-15.md");
    assert!(text.contains("summary = \"\""), "{text}");
    assert!(
        text.contains("We keep your address to ship your order."),
        "{text}"
    );
    site.build_fails("content/policies/privacy/2026-12-15.md:", "error:");
    let run = site.vellum(&new);
    assert!(!run.success, "a second version on the same date is refused");
}

#[test]
fn policy_list_shows_each_version_status() {
    let site = site();
    let run = site.vellum(&["policy", "list", "--now", "2026-11-25"]);
    assert!(run.success, "{}", run.stderr);
    let out = squeeze(&run.stdout);
    assert!(
        out.contains("2027-03-01 upcoming content/policies/terms/spring-update.md"),
        "{out}"
    );
    assert!(
        out.contains("2026-06-01 current content/policies/terms/2026-06-01.md"),
        "{out}"
    );
    assert!(out.contains("2026-01-01 superseded"), "{out}");
}

#[test]
fn effective_with_a_time_of_day_is_an_error() {
    let site = site();
    site.write(
        "content/policies/terms/later.md",
        "+++\ntitle = \"Terms\"\nsummary = \"x\"\neffective = 2027-05-01T00:00:00+02:00\n+++\n",
    );
    site.build_fails("content/policies/terms/later.md:4", "time of day");
}

#[test]
fn a_policy_folder_name_that_is_not_a_url_segment_is_an_error() {
    let site = site();
    site.write(
        "content/policies/Refund Rules/2026-01-01.md",
        "+++\ntitle = \"Refunds\"\n+++\n",
    );
    site.build_fails("`Refund Rules` cannot be a URL", "error:");
}

#[test]
fn a_drafts_preview_does_not_record_drafts_in_the_lock() {
    let site = site();
    site.write(
        "content/policies/privacy/2026-12-15.md",
        "+++\ntitle = \"Privacy Notice\"\nsummary = \"Work in progress.\"\nchange = \"editorial\"\ndraft = true\n+++\n",
    );
    let run = site.build(&["--drafts"]);
    assert!(run.success, "{}", run.stderr);
    assert!(
        !site.root.join("policies.lock").exists()
            || !site.read("policies.lock").contains("2026-12-15")
    );
    site.build_ok();
}

#[test]
fn policy_diff_shows_the_upcoming_change_word_by_word_and_as_markdown() {
    let site = Site::fixture_with_default_theme("policies");
    let run = site.vellum(&["policy", "diff", "terms", "--now", crate::common::NOW]);
    assert!(run.success, "{}", run.stderr);
    assert_eq!(
        run.stdout,
        "terms policy: 2026-06-01 → 2027-03-01 (3 words inserted, 0 words deleted)\n\n\
         Pay by card {+or bank transfer+} within seven days.\n"
    );
    let run = site.vellum(&[
        "policy",
        "diff",
        "terms",
        "2026-01-01",
        "2026-06-01",
        "--markdown",
        "--now",
        crate::common::NOW,
    ]);
    assert!(run.success, "{}", run.stderr);
    assert_eq!(
        run.stdout,
        "### terms policy: 2026-01-01 → 2026-06-01 (1 word inserted, 4 words deleted)\n\n\
         We accept orders <del>by phone and</del> online.\n\n\
         *(unchanged text)*\n\n\
         Return items within <del>14</del><ins>30</ins> days.\n"
    );
    let run = site.vellum(&[
        "policy",
        "diff",
        "terms",
        "2025-01-01",
        "--now",
        crate::common::NOW,
    ]);
    assert!(!run.success);
    assert!(
        run.stderr
            .contains("no version taking effect on 2025-01-01"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("2026-01-01, 2026-06-01, 2027-03-01"),
        "{}",
        run.stderr
    );
}

#[test]
fn any_two_versions_are_compared_in_the_browser_from_each_versions_published_blocks() {
    let site = site();
    site.build_ok();
    let compare = "https://policies.test/policies/terms/compare/";
    for page in [
        "policies/terms/index.html",
        "policies/terms/2026-01-01/index.html",
    ] {
        assert!(
            site.output(page).contains(&format!(
                "<a href=\"{compare}\">Compare any two versions</a>"
            )),
            "{page} links the compare page"
        );
    }
    let index = site.output("policies/terms/compare/index.html");
    // Each version is an option whose blocks the page's script fetches; no page per
    // pair exists (that would grow with the square of the versions).
    for day in ["2026-01-01", "2026-06-01", "2027-03-01"] {
        let blocks = format!("https://policies.test/policies/terms/{day}/blocks.json");
        assert!(
            index.contains(&format!("data-blocks=\"{blocks}\"")),
            "{day}"
        );
        let json: serde_json::Value =
            serde_json::from_str(&site.output(&format!("policies/terms/{day}/blocks.json")))
                .unwrap();
        assert_eq!(json["effective"], day);
        let html: String = json["blocks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b.as_str().unwrap())
            .collect();
        assert!(
            site.output(&format!("policies/terms/{day}/index.html"))
                .contains(html.split('\n').next().unwrap().trim()),
            "{day}'s blocks are its text"
        );
    }
    assert!(!index.contains("...20"), "no pair is linked");
    assert!(!site.output_exists("policies/terms/compare/2026-01-01...2026-06-01/index.html"));
    // Without JavaScript, the page links every published redline.
    for link in [
        "policies/terms/2026-06-01/changes/",
        "policies/terms/2027-03-01/changes/",
        "policies/terms/2026-01-01/changes-to-current/",
    ] {
        assert!(
            index.contains(&format!("href=\"https://policies.test/{link}\"")),
            "{link}"
        );
    }
    assert!(index.contains("/redline."), "{}", squeeze(&index));
    assert!(site.vellum(&["check", "--now", crate::common::NOW]).success);
    // The privacy policy has one version: nothing to compare, no link.
    let privacy = site.output("policies/privacy/index.html");
    assert!(!privacy.contains("Compare any two versions"));
    assert!(!site.output_exists("policies/privacy/compare/index.html"));
}

/// A generated history (bench/history.py) of 8 and of 24 versions: each version adds the
/// same four files (its page, its changes, its changes up to today, its blocks.json),
/// and a version's page is the same size whatever the length of the history (it shows
/// its neighbours, not every version), so nothing grows with the square of the versions.
#[test]
fn a_longer_history_adds_the_same_files_and_bytes_per_version() {
    let build = |versions: usize| {
        let site = Site::generated_history(versions, 20, 2);
        let run = site.build(&[]);
        assert!(run.success, "{}", run.stderr);
        let files: Vec<(String, Vec<u8>)> = site
            .output_tree()
            .into_iter()
            .filter(|(path, _)| path.starts_with("policies/privacy/"))
            .collect();
        let bytes: usize = files.iter().map(|(_, b)| b.len()).sum();
        let first = site.output("policies/privacy/2022-01-03/index.html").len();
        (files.len(), bytes, first)
    };
    let (short, long) = (build(8), build(24));
    // The policy's own page, its compare page and versions.json, then four per version
    // (the version in force has no changes up to today).
    assert_eq!(short.0, 3 + 4 * 8 - 1, "{short:?}");
    assert_eq!(long.0, 3 + 4 * 24 - 1, "{long:?}");
    let per_version = |(_, bytes, _): (usize, usize, usize), n: usize| bytes as f64 / n as f64;
    let ratio = per_version(long, 24) / per_version(short, 8);
    assert!(
        ratio < 1.15,
        "bytes per version grew {ratio:.2}x: {short:?} {long:?}"
    );
    let first = long.2 as f64 / short.2 as f64;
    assert!(
        (0.98..1.02).contains(&first),
        "the first version's page grew {first:.3}x"
    );
}
