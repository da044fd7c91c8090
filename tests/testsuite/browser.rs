//! Checks in a real headless Chromium (Debian's), driven by playwright-core scripts in
//! `tests/browser/`. `.ci/run` installs Chromium and the scripts' npm packages.

use std::path::Path;
use std::process::Command;

use crate::common::Site;

/// Runs `node tests/browser/SCRIPT ARGS` and returns its output; fails with what to
/// install when Chromium or the npm packages are missing.
pub fn run_browser_script(script: &str, args: &[&str]) -> String {
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    assert!(
        Path::new(&chromium).exists(),
        "Chromium is missing at {chromium}: run `bash .ci/run` (it installs it) or `apt-get install -y chromium`"
    );
    run_node_script(script, args)
}

/// Runs `node tests/browser/SCRIPT ARGS` (the npm packages installed) and returns its
/// output.
pub fn run_node_script(script: &str, args: &[&str]) -> String {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser");
    assert!(
        dir.join("node_modules/playwright-core").exists(),
        "the test suite's npm packages are missing: run `npm ci --prefix tests/browser`"
    );
    let output = Command::new("node")
        .arg(dir.join(script))
        .args(args)
        .output()
        .expect("node runs (install Node.js)");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "{script} failed:\n{stdout}\n{stderr}"
    );
    stdout
}

#[test]
fn chromium_tab_follows_edits_shows_the_error_overlay_and_swaps_css() {
    let site = Site::fixture_with_default_theme("policies");
    let server = site.serve();
    let root = site.root.to_string_lossy().into_owned();
    let out = run_browser_script("live_reload.mjs", &[&server.url, &root]);
    assert!(out.contains("\"ok\":true"), "{out}");
    eprintln!("live reload in Chromium: {}", out.trim());
}

#[test]
fn chromium_date_form_jumps_to_the_version_in_force_and_compare_form_computes_the_redline() {
    let site = Site::fixture_with_default_theme("policies");
    let server = site.serve();
    let out = run_browser_script("policy_date.mjs", &[&server.url]);
    assert!(out.contains("\"ok\":true"), "{out}");
}

/// The compare page computes any two versions' redline in the browser: for every pair
/// the site also publishes, it shows the same marked words and counts (compare.mjs says
/// what else it checks: the address, equal dates, a failed load, no JavaScript).
#[test]
fn chromium_compare_page_shows_the_published_redline_of_any_published_pair() {
    let site = Site::fixture_with_default_theme("policies");
    let server = site.serve();
    let out = run_browser_script("compare.mjs", &[&server.url]);
    assert!(out.contains("\"ok\":true"), "{out}");
}

/// redline.js (the compare page) and the build's redlines give the same HTML on a long
/// generated history of tables, lists, form changes and link changes, and on the shop.
#[test]
fn the_browsers_redlines_equal_the_published_ones_on_a_long_history() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let site = Site::generated_history(24, 40, 3);
    let run = site.build(&[]);
    assert!(run.success, "{}", run.stderr);
    let shop = Site::copy_of(
        repo,
        &[
            "target", "public", ".git", "tests", "src", "bench", "benches", "docs",
        ],
    );
    assert!(shop.build(&[]).success);
    let out = run_node_script(
        "redline_parity.mjs",
        &[&site.root.to_string_lossy(), &shop.root.to_string_lossy()],
    );
    assert!(out.contains("\"ok\":true"), "{out}");
    eprintln!("redline parity: {}", out.trim());
}
