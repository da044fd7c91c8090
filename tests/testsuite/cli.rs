//! The command line itself: help text and `vellum init`.

use crate::common::Site;

#[test]
fn help_explains_the_commands_in_plain_words() {
    let site = Site::fixture("basic");
    let run = site.vellum(&["--help"]);
    assert!(run.success);
    for needle in ["build", "init", "content/", "public/"] {
        assert!(run.stdout.contains(needle), "{needle} in {}", run.stdout);
    }
    let run = site.vellum(&["build", "--help"]);
    for needle in [
        "--output",
        "--base-url",
        "--drafts",
        "--now",
        "SOURCE_DATE_EPOCH",
    ] {
        assert!(run.stdout.contains(needle), "{needle} in {}", run.stdout);
    }
}

/// docs/commands.md is the command line's own help, every command of it: when a flag
/// or a command changes, this fails until the reference is written again.
#[test]
fn the_command_reference_is_the_command_lines_own_help() {
    let site = Site::fixture("basic");
    let run = site.vellum(&["reference"]);
    assert!(run.success, "{}", run.stderr);
    let committed = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/commands.md"),
    )
    .unwrap();
    assert!(
        committed == run.stdout,
        "docs/commands.md is out of date: run `cargo run -- reference > docs/commands.md` and commit it"
    );
    for command in [
        "vellum build",
        "vellum serve",
        "vellum check",
        "vellum deploy",
        "vellum policy new",
        "vellum policy notice",
        "vellum policy at",
        "vellum policy verify",
    ] {
        assert!(run.stdout.contains(&format!("## `{command}`")), "{command}");
    }
    for flag in ["--strict", "--drafts", "--lang", "--locked"] {
        assert!(run.stdout.contains(flag), "{flag}");
    }
}

#[test]
fn init_creates_a_site_that_builds_at_once() {
    let site = Site::empty();
    let parent = site.root.parent().unwrap().to_path_buf();
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_vellum"))
        .args(["init", "site"])
        .current_dir(&parent)
        .output()
        .unwrap();
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    site.build_ok();
    assert!(site.output("index.html").contains("Welcome"));
    assert!(site.output_exists("policies/privacy/index.html"));
    assert!(site.output_exists("style.css"));
}

#[test]
fn init_refuses_a_folder_that_is_not_empty() {
    let site = Site::fixture("basic");
    let run = site.vellum(&["init", "."]);
    assert!(!run.success);
    assert!(run.stderr.contains("not empty"), "{}", run.stderr);
}

#[test]
fn bad_now_value_is_explained() {
    let site = Site::fixture("basic");
    let run = site.vellum(&["build", "--now", "tomorrow"]);
    assert!(!run.success);
    assert!(run.stderr.contains("YYYY-MM-DD"), "{}", run.stderr);
}
