//! Bringing a policy's earlier history in at any time (`vellum policy import`), and the
//! rules that let a real history in: versions that repeat the one before are folded,
//! imported versions need no summary, a change of links alone is a version.

use std::path::Path;
use std::process::Command;

use crate::common::{NOW, Site};

fn policies() -> Site {
    Site::fixture_with_default_theme("policies")
}

/// Commits `text` as `file` in the git repository at `repo`, dated `day`.
fn commit(repo: &Path, file: &str, text: &str, day: &str) {
    std::fs::create_dir_all(repo).unwrap();
    if !repo.join(".git").exists() {
        git(repo, &["init", "-q"], day);
    }
    std::fs::write(repo.join(file), text).unwrap();
    git(repo, &["add", file], day);
    git(repo, &["commit", "-q", "-m", day], day);
}

fn git(repo: &Path, args: &[&str], day: &str) {
    let stamp = format!("{day}T12:00:00+00:00");
    let status = Command::new("git")
        .args([
            "-c",
            "user.name=Editor",
            "-c",
            "user.email=editor@example.com",
        ])
        .args(args)
        .env("GIT_AUTHOR_DATE", &stamp)
        .env("GIT_COMMITTER_DATE", &stamp)
        .current_dir(repo)
        .status()
        .expect("git runs");
    assert!(status.success(), "git {args:?}");
}

/// The `[[entry]]` blocks of a lock, as written.
fn entries(lock: &str) -> Vec<String> {
    lock.split("[[entry]]")
        .skip(1)
        .map(|e| e.split("\n[[").next().unwrap().trim().to_string())
        .collect()
}

/// A history kept in one file, the way many shops keep it: four days of changes, one
/// of them only re-spacing a line (folded), the last only changing a link target.
fn history(site: &Site) -> std::path::PathBuf {
    let repo = site.root.join("legal");
    let text = |words: &str, help: &str| {
        format!(
            "## Sale\n\nYou buy {words} from us. See [help]({help}) and [returns](#returns-table).\n"
        )
    };
    commit(
        &repo,
        "terms-of-sale.md",
        &text("watches", "/help/"),
        "2023-01-10",
    );
    commit(
        &repo,
        "terms-of-sale.md",
        &text("watches and bands", "/help/"),
        "2023-03-05",
    );
    commit(
        &repo,
        "terms-of-sale.md",
        &text("watches and bands", "/help/").replace("from us.", "from us.  "),
        "2023-06-01",
    );
    commit(
        &repo,
        "terms-of-sale.md",
        &text("watches and bands", "/support/"),
        "2023-09-09",
    );
    repo.join("terms-of-sale.md")
}

#[test]
fn a_new_policys_history_comes_in_from_git_leaving_every_recorded_entry_as_it_was() {
    let site = policies();
    site.build_ok();
    let before = site.read("policies.lock");
    let file = history(&site);
    let run = site.vellum(&[
        "policy",
        "import",
        "sale",
        "--from-git",
        file.to_str().unwrap(),
        "--link-base",
        "https://old.example/legal/sale",
        "--now",
        NOW,
    ]);
    assert!(run.success, "{}", run.stderr);
    assert!(
        run.stdout.contains(
            "Recorded 3 earlier versions of the sale policy in policies.lock as imported; folded 1"
        ),
        "{}",
        run.stdout
    );
    assert!(
        run.stderr
            .contains("Folded content/policies/sale/2023-06-01.md: its text is the same as content/policies/sale/2023-03-05.md"),
        "{}",
        run.stderr
    );
    assert!(
        !site
            .root
            .join("content/policies/sale/2023-06-01.md")
            .exists()
    );
    // Every entry already recorded is byte for byte as it was, the new ones after them.
    let after = site.read("policies.lock");
    let (old, new) = (entries(&before), entries(&after));
    assert_eq!(new[..old.len()], old[..]);
    assert_eq!(new.len(), old.len() + 3);
    assert!(
        new[old.len()..]
            .iter()
            .all(|e| e.contains("event = \"imported\""))
    );
    // Links to the original site are absolute; the history publishes and --locked
    // passes with no summary written for any imported version.
    let last = site.read("content/policies/sale/2023-09-09.md");
    assert!(last.starts_with("+++\nimported = true\n+++"), "{last}");
    assert!(
        last.contains("[help](https://old.example/support/)"),
        "{last}"
    );
    assert!(
        last.contains("(https://old.example/legal/sale#returns-table)"),
        "{last}"
    );
    let run = site.build(&["--locked"]);
    assert!(run.success, "{}", run.stderr);
    let history = site.output("policies/sale/index.html");
    assert!(
        history.contains("Imported with the earlier history; no summary was recorded."),
        "{history}"
    );
    // The change of a link alone is a version with its own redline.
    let changes = site.output("policies/sale/2023-09-09/changes/index.html");
    assert!(changes.contains("1 link changed."), "{changes}");
    assert!(
        changes.contains("link changed, was https://old.example/help/"),
        "{changes}"
    );
}

#[test]
fn a_policy_that_has_a_record_refuses_an_import_and_keeps_its_files() {
    let site = policies();
    site.build_ok();
    let before = site.read("policies.lock");
    let run = site.vellum(&["policy", "import", "terms", "--now", NOW]);
    assert!(!run.success);
    assert!(
        run.stderr.contains(
            "the terms policy already has a record of 3 versions in policies.lock: its history can no longer be brought in"
        ),
        "{}",
        run.stderr
    );
    assert_eq!(site.read("policies.lock"), before);
    // From git, the files it wrote are removed again.
    let file = history(&site);
    let run = site.vellum(&[
        "policy",
        "import",
        "privacy",
        "--from-git",
        file.to_str().unwrap(),
        "--now",
        NOW,
    ]);
    assert!(!run.success);
    assert!(
        run.stderr
            .contains("the files read from git were removed again"),
        "{}",
        run.stderr
    );
    assert!(
        !site
            .root
            .join("content/policies/privacy/2023-01-10.md")
            .exists()
    );
    assert_eq!(site.read("policies.lock"), before);
}

#[test]
fn a_version_marked_imported_cannot_skip_its_summary_once_the_policy_has_a_record() {
    let site = policies();
    site.build_ok();
    site.write(
        "content/policies/terms/2027-06-01.md",
        "+++\nimported = true\n+++\n\nAll new terms.\n",
    );
    site.build_fails(
        "content/policies/terms/2027-06-01.md:2",
        "this version is marked imported, but the terms policy already has a record",
    );
}

#[test]
fn check_reports_a_broken_link_once_per_policy_naming_its_versions() {
    let site = policies();
    for file in ["2026-01-01.md", "2026-06-01.md", "spring-update.md"] {
        let path = format!("content/policies/terms/{file}");
        let text = site.read(&path).replace(
            "## Payment\n",
            "## Payment\n\nSee [the fees](#fee-table) and [help](/help/).\n",
        );
        site.write(&path, text);
    }
    let run = site.vellum(&["check", "--now", NOW]);
    assert!(!run.success);
    for link in ["`#fee-table`", "`/help/`"] {
        let reports: Vec<&str> = run
            .stderr
            .lines()
            .filter(|l| l.starts_with("error") && l.contains(link))
            .collect();
        assert_eq!(reports.len(), 1, "{link} once:\n{}", run.stderr);
        assert!(
            reports[0]
                .contains("(in 3 versions of this policy: 2026-01-01, 2026-06-01, spring-update)"),
            "{}",
            reports[0]
        );
    }
    assert!(
        run.stderr
            .contains("--> content/policies/terms/2026-01-01.md:"),
        "{}",
        run.stderr
    );
}
