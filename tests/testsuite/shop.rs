//! The shop's real site in the repository builds, with every page it promises.

use std::path::Path;

use crate::common::Site;

#[test]
fn shop_site_builds_with_policies_categories_and_products() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let site = Site::copy_of(repo, &["target", "public", ".git", "tests", "src"]);
    // --locked: the committed policies.lock must match the committed policy versions.
    let run = site.build(&["--locked"]);
    assert!(run.success, "{}", run.stderr);
    assert!(
        !run.stderr.contains("warning"),
        "the shop's content has warnings:\n{}",
        run.stderr
    );
    for path in [
        "index.html",
        "about/index.html",
        "policies/index.html",
        "policies/privacy/index.html",
        "policies/cookies/index.html",
        "products/index.html",
        "products/smart-watches/index.html",
        "products/fitness-bands/index.html",
        "products/accessories/index.html",
        "404.html",
        "policies/privacy/2025-06-01/index.html",
        "policies/privacy/2026-11-24/changes/index.html",
        "policies/privacy/2027-01-01/changes/index.html",
        "policies/cookies/2026-11-24/changes/index.html",
        "changelog/index.html",
        "changelog/atom.xml",
        "style.css",
    ] {
        assert!(site.output_exists(path), "{path} is missing");
    }
    let mut products = 0;
    for category in ["smart-watches", "fitness-bands", "accessories"] {
        let dir = site.root.join("public/products").join(category);
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            if entry.path().join("index.html").exists() {
                products += 1;
                let html = std::fs::read_to_string(entry.path().join("index.html")).unwrap();
                assert!(
                    html.contains("class=price>$"),
                    "{}: no price",
                    entry.path().display()
                );
                assert!(
                    html.contains("Specifications"),
                    "{}: no specs",
                    entry.path().display()
                );
            }
        }
    }
    assert!(products >= 8, "only {products} product pages");
    let privacy = site.output("policies/privacy/index.html");
    assert!(privacy.starts_with("<!doctype html>"), "not minified");
    assert!(privacy.contains("Fitbit smart watches, fitness bands, and supporting accessories"));
    assert!(privacy.contains("<h2 id=user-rights>"), "{privacy}");
    assert!(
        !privacy.contains('Â'),
        "the seed's encoding artifact reached the page"
    );
    assert!(
        privacy.contains("This policy changes on"),
        "the upcoming version is announced"
    );
    let redline = site.output("policies/privacy/2027-01-01/changes/index.html");
    assert!(
        redline.contains("<ins") && redline.contains("<del"),
        "{redline}"
    );
}
