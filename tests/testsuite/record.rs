//! The published record: what is locked is what readers read, no mode skips the lock,
//! history is append-only, the lock is sealed, `policy verify`, and local time.

use std::path::Path;
use std::process::Command;

use crate::common::{NOW, Site, squeeze};

fn policies() -> Site {
    Site::fixture_with_default_theme("policies")
}

/// The shop's own site (this repository's content, data and theme).
fn shop() -> Site {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    Site::copy_of(
        repo,
        &[
            "target", "public", ".git", "tests", "src", "bench", "benches", "docs",
        ],
    )
}

const COOKIE_VERSIONS: [&str; 4] = [
    "policies/cookies/2026-11-24/index.html",
    "policies/cookies/2027-01-01/index.html",
    "de/policies/cookies/2026-11-24/index.html",
    "de/policies/cookies/2027-01-01/index.html",
];

const MARKETING_COOKIE: &str = "\n[[cookie]]\nname = \"_fbp\"\nprovider = \"Meta\"\npurpose = \"Measures which adverts bring visitors. Set only with your consent.\"\ncategory = \"marketing\"\nduration = \"3 months\"\nparty = \"third\"\n";

#[test]
fn a_data_file_edit_leaves_published_versions_unchanged_byte_for_byte() {
    let site = shop();
    let run = site.build(&["--locked"]);
    assert!(run.success, "the shop's lock is current: {}", run.stderr);
    let before: Vec<String> = COOKIE_VERSIONS.iter().map(|p| site.output(p)).collect();
    let lock = site.read("policies.lock");

    let cookies = site.read("data/cookies.toml") + MARKETING_COOKIE;
    site.write("data/cookies.toml", &cookies);
    // The German cookie list names the same cookies (the build checks it).
    let german = site.read("data/cookies.de.toml") + MARKETING_COOKIE;
    site.write("data/cookies.de.toml", &german);
    let run = site.build(&["--locked"]);
    assert!(run.success, "{}", run.stderr);
    let after: Vec<String> = COOKIE_VERSIONS.iter().map(|p| site.output(p)).collect();
    assert_eq!(before, after, "a published cookie version changed");
    assert!(!after[1].contains("_fbp"));
    assert_eq!(
        lock,
        site.read("policies.lock"),
        "nothing new was published"
    );

    // The new cookie reaches readers through a new version, whose redline shows the row.
    let run = site.vellum(&["policy", "new", "cookies", "--now", NOW]);
    assert!(run.success, "{}", run.stderr);
    let new_file = run.stdout.trim().to_string();
    assert_eq!(new_file, "content/policies/cookies/2027-01-02.md");
    let text = site.read(&new_file).replace(
        "summary = \"\"",
        "summary = \"Adds the Meta advertising cookie.\"",
    );
    site.write(&new_file, text);
    site.build_ok();
    let redline = squeeze(&site.output("policies/cookies/2027-01-02/changes/index.html"));
    assert!(
        redline.contains("<ins>") && redline.contains("_fbp"),
        "{redline}"
    );
    assert!(
        !redline.contains("Unchanged: Cookies we set"),
        "the redline must not call the changed table unchanged: {redline}"
    );
    assert!(site.read("policies.lock").contains("2027-01-02.md"));
}

#[test]
fn no_mode_publishes_an_edited_published_version() {
    let site = policies();
    site.build_ok();
    let before = site.output_tree();
    let path = "content/policies/terms/2026-06-01.md";
    site.write(
        path,
        site.read(path)
            .replace("within seven days", "within ten days"),
    );
    for flags in [
        &["--drafts"][..],
        &["--drafts", "--locked"],
        &["--locked"],
        &[],
    ] {
        let run = site.build(flags);
        assert!(!run.success, "build {flags:?} published the edit");
        assert!(
            run.stderr.contains("content/policies/terms/2026-06-01.md:"),
            "{flags:?}: {}",
            run.stderr
        );
        assert_eq!(before, site.output_tree(), "{flags:?} changed public/");
    }
    let run = site.vellum(&["check", "--now", NOW]);
    assert!(!run.success, "check passed an edited published version");
    assert!(run.stderr.contains("was published and"), "{}", run.stderr);
}

#[test]
fn serve_refuses_an_edited_published_version_and_keeps_the_published_text() {
    let site = policies();
    site.build_ok();
    let server = site.serve();
    let mut events = server.events();
    events.wait_for("event: hello");
    let path = "content/policies/terms/2026-06-01.md";
    site.write(
        path,
        site.read(path)
            .replace("within seven days", "within ten days"),
    );
    let seen = events.wait_for("Build failed");
    assert!(
        seen.contains("content/policies/terms/2026-06-01.md:"),
        "{seen}"
    );
    let page = server.get("/policies/terms/2026-06-01/");
    assert!(page.body.contains("within seven days"), "{}", page.body);
}

#[test]
fn the_feed_and_versions_json_publish_the_record_head() {
    let site = policies();
    site.build_ok();
    let versions: serde_json::Value =
        serde_json::from_str(&site.output("policies/terms/versions.json")).unwrap();
    let head = versions["record_head"].as_str().unwrap();
    let record = versions["record"].as_array().unwrap();
    assert_eq!(record.len(), 3);
    assert_eq!(record[2]["seal"], head);
    assert_eq!(record[1]["previous"], record[0]["seal"]);
    let feed = site.output("changelog/atom.xml");
    let expected = format!("<record:head policy=\"terms\" seal=\"{head}\"");
    assert!(feed.contains(&expected), "{feed}");
    roxmltree::Document::parse(&feed).expect("the feed stays well-formed XML");
}

#[test]
fn a_backdated_version_is_an_error_at_its_file() {
    let site = policies();
    site.build_ok();
    let front = "+++\ntitle = \"Terms of Sale\"\nsummary = \"Shorter returns.\"\nchange = \"editorial\"\n+++\n\n## Returns\n\nReturn items within 20 days.\n";
    // Between two published versions.
    site.write("content/policies/terms/2026-09-01.md", front);
    let run = site.build_fails(
        "content/policies/terms/2026-09-01.md:1",
        "a version taking effect on 2027-03-01 is already published",
    );
    assert!(run.stderr.contains("give it a date after 2027-03-01"));
    site.remove("content/policies/terms/2026-09-01.md");
    // After every published version, but in the past.
    site.write("content/policies/privacy/2026-11-01.md", front);
    site.build_fails(
        "content/policies/privacy/2026-11-01.md:1",
        "which has already passed (today is 2026-12-02)",
    );
}

#[test]
fn a_first_build_imports_the_history_as_it_stands() {
    let site = policies();
    site.build_ok();
    let lock = site.read("policies.lock");
    assert_eq!(lock.matches("event = \"imported\"").count(), 4, "{lock}");
    site.write(
        "content/policies/privacy/2026-12-15.md",
        "+++\ntitle = \"Privacy Notice\"\nsummary = \"Shorter retention.\"\nchange = \"editorial\"\n+++\n\n## Data\n\nWe keep it briefly.\n",
    );
    site.build_ok();
    let lock = site.read("policies.lock");
    assert_eq!(lock.matches("event = \"published\"").count(), 1, "{lock}");
}

#[test]
fn policy_new_follows_the_upcoming_version_and_prints_the_next_steps() {
    let site = policies();
    site.build_ok();
    let refused = site.vellum(&[
        "policy",
        "new",
        "terms",
        "--effective",
        "2027-02-01",
        "--now",
        NOW,
    ]);
    assert!(!refused.success);
    assert!(
        refused
            .stderr
            .contains("is not after the newest version (2027-03-01"),
        "{}",
        refused.stderr
    );
    let past = site.vellum(&[
        "policy",
        "new",
        "privacy",
        "--effective",
        "2026-11-01",
        "--change",
        "editorial",
        "--now",
        NOW,
    ]);
    assert!(
        past.stderr.contains("is before today (2026-12-02)"),
        "{}",
        past.stderr
    );
    let short = site.vellum(&[
        "policy",
        "new",
        "privacy",
        "--effective",
        "2026-12-15",
        "--now",
        NOW,
    ]);
    assert!(
        short.stderr.contains("needs 30 days' notice") && short.stderr.contains("2027-01-01"),
        "{}",
        short.stderr
    );

    let run = site.vellum(&["policy", "new", "terms", "--now", NOW]);
    assert!(run.success, "{}", run.stderr);
    assert_eq!(run.stdout.trim(), "content/policies/terms/2027-03-02.md");
    for step in [
        "fill in `summary`",
        "vellum build",
        "policies.lock",
        "vellum policy notice terms",
    ] {
        assert!(run.stderr.contains(step), "no `{step}` in {}", run.stderr);
    }
    let text = site.read("content/policies/terms/2027-03-02.md");
    assert!(
        text.contains("Pay by card or bank transfer within seven days."),
        "the upcoming version's text is the one copied: {text}"
    );
    assert!(text.contains("announced = 2026-12-02"), "{text}");
    // Unchanged, it is refused: a version must change something.
    let text = text.replace("summary = \"\"", "summary = \"Nothing yet.\"");
    site.write("content/policies/terms/2027-03-02.md", text);
    site.build_fails(
        "content/policies/terms/2027-03-02.md:",
        "this version's text is the same as the version before it (content/policies/terms/spring-update.md)",
    );
}

#[test]
fn a_hand_edited_lock_hash_fails_at_its_line() {
    let site = policies();
    site.build_ok();
    let lock = site.read("policies.lock");
    let entry = lock
        .find("file = \"content/policies/terms/2026-06-01.md\"")
        .unwrap();
    // The entry's `[[entry]]` header is the line before its `policy`, before its `file`.
    let header_line = lock[..entry].lines().count() - 1;
    let source_at = entry + lock[entry..].find("source = \"").unwrap() + "source = \"".len();
    let mut forged = lock.clone();
    forged.replace_range(source_at..source_at + 64, &"0".repeat(64));
    site.write("policies.lock", &forged);
    let before = site.output_tree();
    let run = site.build(&["--locked"]);
    assert!(!run.success);
    let location = format!("policies.lock:{header_line}");
    assert!(
        run.stderr.contains(&location),
        "no {location} in {}",
        run.stderr
    );
    assert!(
        run.stderr.contains("does not match its seal"),
        "{}",
        run.stderr
    );
    assert_eq!(before, site.output_tree());

    // Removing an entry breaks the link of the policy's next one.
    let first = lock.find("[[entry]]\npolicy = \"terms\"").unwrap();
    let second = first + 1 + lock[first + 1..].find("[[entry]]").unwrap();
    site.write(
        "policies.lock",
        format!("{}{}", &lock[..first], &lock[second..]),
    );
    site.build_fails("policies.lock:", "is broken before this entry");

    // Removing a whole policy's record does not re-import it: its history is new, and
    // new versions cannot take effect in the past.
    let privacy = lock.find("[[entry]]\npolicy = \"privacy\"").unwrap();
    site.write(
        "policies.lock",
        format!("{}{}", &lock[..privacy], &lock[first..]),
    );
    site.build_fails(
        "content/policies/privacy/2026-02-01.md:1",
        "which has already passed",
    );
}

fn git(root: &Path, args: &[&str]) {
    let status = Command::new("git")
        .args([
            "-c",
            "user.name=Editor",
            "-c",
            "user.email=editor@example.com",
        ])
        .args(args)
        .current_dir(root)
        .status()
        .expect("git runs");
    assert!(status.success(), "git {args:?}");
}

#[test]
fn a_lock_error_shows_the_published_and_the_new_line() {
    let site = policies();
    site.build_ok();
    git(&site.root, &["init", "-q"]);
    git(&site.root, &["add", "-A"]);
    git(&site.root, &["commit", "-q", "-m", "Publish"]);
    let path = "content/policies/terms/2026-06-01.md";
    let text = site.read(path);
    let line = text
        .lines()
        .position(|l| l.contains("within seven days"))
        .unwrap()
        + 1;
    site.write(path, text.replace("within seven days", "within ten days"));
    let run = site.build_fails(
        &format!("{path}:{line}"),
        &format!("line {line} has changed"),
    );
    assert!(
        run.stderr
            .contains("published: Pay by card within seven days."),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("now: Pay by card within ten days."),
        "{}",
        run.stderr
    );
}

#[test]
fn corrections_need_a_note_and_a_date_from_publication_to_today() {
    let site = policies();
    site.build_ok();
    let path = "content/policies/terms/2026-06-01.md";
    let text = site.read(path);
    let line =
        |needle: &str, text: &str| text.lines().position(|l| l.contains(needle)).unwrap() + 1;
    let corrected = text
        .replace("within seven days", "within ten days")
        .replace(
            "announced = 2026-04-15\n",
            "announced = 2026-04-15\ncorrections = [\n  { date = 1900-01-01, note = \"Ten days.\" },\n  { date = 2026-11-20, note = \" \" },\n  { date = 2027-01-01, note = \"Later.\" },\n]\n",
        );
    site.write(path, &corrected);
    let run = site.build(&[]);
    assert!(!run.success);
    for (needle, message) in [
        (
            "1900-01-01",
            "dated 1900-01-01, before the version was published (2026-04-15)",
        ),
        ("2026-11-20", "this correction has no note"),
        ("2027-01-01", "dated 2027-01-01, after today (2026-12-02)"),
    ] {
        let location = format!("{path}:{}", line(needle, &corrected));
        assert!(
            run.stderr.contains(&location),
            "no {location} in {}",
            run.stderr
        );
        assert!(
            run.stderr.contains(message),
            "no `{message}` in {}",
            run.stderr
        );
    }
}

/// An upcoming version brought in with the shop's history (recorded 2026-11-25, in force
/// from 2027-01-01) has been public since it was brought in, so a correction made today
/// is accepted: before, the build said "before the version was published (2027-01-01)"
/// and, dated 2027-01-01, "after today", and an editor could not correct it at all.
#[test]
fn an_upcoming_version_already_published_can_be_corrected_today() {
    let site = shop();
    let path = "content/policies/privacy/2027-01-01.md";
    let text = site
        .read(path)
        .replace("Our top priority", "Our highest priority")
        .replace(
            "change = \"editorial\"\n",
            "change = \"editorial\"\ncorrections = [{ date = 2026-12-02, note = \"Reworded the introduction.\" }]\n",
        );
    site.write(path, &text);
    let run = site.build(&[]);
    assert!(run.success, "{}", run.stderr);
    assert!(
        site.output("policies/privacy/2027-01-01/index.html")
            .contains("Our highest priority")
    );
    let dated_before = text.replace("date = 2026-12-02", "date = 2026-11-20");
    site.write(path, dated_before);
    site.build_fails(
        path,
        "dated 2026-11-20, before the version was published (2026-11-25)",
    );
}

#[test]
fn policy_verify_tells_a_rewritten_history_from_one_that_grew() {
    let site = policies();
    site.build_ok();
    let saved = site.root.join("saved.json");
    std::fs::write(&saved, site.output("policies/privacy/versions.json")).unwrap();
    let verify = |site: &Site| site.vellum(&["policy", "verify", "saved.json", "--now", NOW]);

    let run = verify(&site);
    assert!(run.success, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("only grew"), "{}", run.stdout);

    site.write(
        "content/policies/privacy/2026-12-15.md",
        "+++\ntitle = \"Privacy Notice\"\nsummary = \"Shorter retention.\"\nchange = \"editorial\"\n+++\n\n## Data\n\nWe keep it briefly.\n",
    );
    site.build_ok();
    let run = verify(&site);
    assert!(run.success, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout
            .contains("added: the version effective 2026-12-15"),
        "{}",
        run.stdout
    );

    // Rewriting the past needs the lock thrown away; the saved record catches it.
    let path = "content/policies/privacy/2026-02-01.md";
    site.write(
        path,
        site.read(path)
            .replace("ship your order", "ship and advertise"),
    );
    site.remove("policies.lock");
    site.build_ok();
    let run = verify(&site);
    assert!(!run.success, "{}", run.stdout);
    assert!(run.stdout.contains("REWRITTEN"), "{}", run.stdout);
    assert!(
        run.stdout.contains(
            "the text of the version effective 2026-02-01 changed with no recorded correction"
        ),
        "{}",
        run.stdout
    );
    // The same comparison with today's file given explicitly, as a regulator would.
    std::fs::write(
        site.root.join("today.json"),
        site.output("policies/privacy/versions.json"),
    )
    .unwrap();
    let run = site.vellum(&["policy", "verify", "saved.json", "--against", "today.json"]);
    assert!(!run.success);
    assert!(run.stdout.contains("REWRITTEN"), "{}", run.stdout);
}

#[test]
fn a_policy_switches_at_local_midnight_in_a_zone_ahead_of_utc() {
    let site = policies();
    let config = site.read("site.toml") + "\n[policies]\ntimezone = \"Pacific/Auckland\"\n";
    site.write("site.toml", config);
    // 11:30 UTC on Feb 28 is 00:30 on March 1 in Auckland (UTC+13 in summer).
    let run = site.vellum(&["build", "--now", "2027-02-28T11:30:00Z"]);
    assert!(run.success, "{}", run.stderr);
    let current = squeeze(&site.output("policies/terms/index.html"));
    assert!(current.contains("bank transfer"), "{current}");
    let versions = site.output("policies/terms/versions.json");
    assert!(
        versions.contains("\"effective_at\": \"2027-03-01T00:00:00+13:00\""),
        "{versions}"
    );
    assert!(versions.contains("\"timezone\": \"Pacific/Auckland\""));
    let feed = site.output("changelog/atom.xml");
    assert!(
        feed.contains("<updated>2027-03-01T00:00:00+13:00</updated>"),
        "{feed}"
    );

    // Half an hour earlier it is still February 28 in Auckland.
    let run = site.vellum(&["build", "--now", "2027-02-28T10:30:00Z"]);
    assert!(run.success, "{}", run.stderr);
    let current = squeeze(&site.output("policies/terms/index.html"));
    assert!(
        !current.contains("Pay by card or bank transfer"),
        "{current}"
    );
    // A bare --now is local midnight there.
    let run = site.vellum(&["policy", "list", "--now", "2027-03-01"]);
    assert!(
        squeeze(&run.stdout).contains("2027-03-01 current"),
        "{}",
        run.stdout
    );
}

#[test]
fn an_unknown_time_zone_is_an_error_at_its_line() {
    let site = policies();
    let config = site.read("site.toml") + "\n[policies]\ntimezone = \"Europe/Berlinn\"\n";
    let line = config.lines().count();
    site.write("site.toml", config);
    site.build_fails(&format!("site.toml:{line}"), "Europe/Berlinn");
}
