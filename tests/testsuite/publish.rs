//! Publishing to a CDN: fingerprinted assets, `_headers`, manifest and `vellum diff`,
//! sitemap, robots.txt, page metadata, reproducible output and `vellum check`.

use base64::Engine as _;
use sha2::{Digest, Sha256, Sha384};

use crate::common::{Site, tree};

fn site() -> Site {
    Site::fixture_with_default_theme("policies")
}

fn fingerprinted_css(site: &Site) -> String {
    let names: Vec<String> = std::fs::read_dir(site.root.join("public"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("style.") && n.ends_with(".css") && n != "style.css")
        .collect();
    assert_eq!(names.len(), 1, "{names:?}");
    names[0].clone()
}

#[test]
fn every_page_links_the_fingerprinted_stylesheet_with_its_integrity() {
    let site = site();
    site.build_ok();
    let css = fingerprinted_css(&site);
    let bytes = std::fs::read(site.root.join("public").join(&css)).unwrap();
    let hash: String = Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(css, format!("style.{}.css", &hash[..16]));
    let integrity = format!(
        "sha384-{}",
        base64::engine::general_purpose::STANDARD.encode(Sha384::digest(&bytes))
    );
    for (path, page) in tree(&site.root.join("public")) {
        if !path.ends_with(".html") {
            continue;
        }
        let html = String::from_utf8(page).unwrap();
        let link = format!(
            "<link rel=\"stylesheet\" href=\"https://policies.test/{css}\" integrity=\"{integrity}\">"
        );
        assert!(html.contains(&link), "{path} lacks {link}");
    }
    // Page URLs stay clean.
    assert!(site.output_exists("policies/terms/index.html"));
}

#[test]
fn headers_file_caches_assets_forever_and_revalidates_pages() {
    let site = site();
    site.build_ok();
    let headers = site.output("_headers");
    let css = fingerprinted_css(&site);
    assert!(
        headers.contains(&format!(
            "/{css}\n  Cache-Control: public, max-age=31536000, immutable\n"
        )),
        "{headers}"
    );
    assert!(
        headers.contains("/*/\n  Cache-Control: public, max-age=0, must-revalidate\n"),
        "{headers}"
    );
    assert!(
        headers
            .contains("/changelog/atom.xml\n  Cache-Control: public, max-age=0, must-revalidate\n"),
        "{headers}"
    );
    assert!(
        headers.contains("Content-Security-Policy: default-src 'self';"),
        "{headers}"
    );
    assert!(
        headers.contains("X-Content-Type-Options: nosniff"),
        "{headers}"
    );
    assert!(
        headers.contains("Referrer-Policy: strict-origin-when-cross-origin"),
        "{headers}"
    );
    // The default theme needs no inline script or style, so the policy above holds.
    for (path, page) in tree(&site.root.join("public")) {
        let html = String::from_utf8_lossy(&page);
        if path.ends_with(".html") {
            assert!(
                !html.contains("<script>") && !html.contains(" style=\""),
                "{path} breaks the CSP"
            );
        }
    }
}

#[test]
fn headers_are_configurable_in_site_toml() {
    let site = site();
    let config = site.read("site.toml");
    site.write(
        "site.toml",
        config.replace(
            "minify = false\n",
            "minify = false\n\n[headers]\ncontent_security_policy = \"default-src 'none'\"\nextra = { \"Permissions-Policy\" = \"camera=()\" }\n",
        ),
    );
    site.build_ok();
    let headers = site.output("_headers");
    assert!(
        headers.contains("Content-Security-Policy: default-src 'none'\n"),
        "{headers}"
    );
    assert!(
        headers.contains("Permissions-Policy: camera=()\n"),
        "{headers}"
    );
}

#[test]
fn manifest_beside_the_output_lists_every_file() {
    let site = site();
    site.build_ok();
    let manifest: serde_json::Value =
        serde_json::from_str(&site.read("public.manifest.json")).unwrap();
    assert!(
        !site.output_exists("public.manifest.json"),
        "the manifest is not published"
    );
    let files = manifest["files"].as_object().unwrap();
    let published = tree(&site.root.join("public"));
    let listed: Vec<&String> = files.keys().collect();
    let on_disk: Vec<&String> = published
        .iter()
        .map(|(p, _)| p)
        .filter(|p| *p != ".vellum-output")
        .collect();
    assert_eq!(listed, on_disk);
    for (path, bytes) in &published {
        let Some(entry) = files.get(path) else {
            continue;
        };
        let hash: String = Sha256::digest(bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(entry["sha256"], hash.as_str(), "{path}");
        assert_eq!(entry["size"], bytes.len() as u64, "{path}");
    }
    assert_eq!(
        files["policies/terms/index.html"]["content_type"],
        "text/html; charset=utf-8"
    );
    assert_eq!(
        files["changelog/atom.xml"]["content_type"],
        "application/atom+xml; charset=utf-8"
    );
    let css = fingerprinted_css(&site);
    assert_eq!(
        files[&css]["cache_control"],
        "public, max-age=31536000, immutable"
    );
    assert_eq!(
        files["index.html"]["cache_control"],
        "public, max-age=0, must-revalidate"
    );
}

#[test]
fn diff_lists_what_to_upload_and_what_to_purge() {
    let site = site();
    site.build_ok();
    std::fs::copy(
        site.root.join("public.manifest.json"),
        site.root.join("old.json"),
    )
    .unwrap();
    site.write(
        "content/about.md",
        "+++\ntitle = \"About\"\n+++\nNew text.\n",
    );
    site.write(
        "content/contact.md",
        "+++\ntitle = \"Contact\"\n+++\nWrite to us.\n",
    );
    site.build_ok();
    let run = site.vellum(&["diff", "old.json", "public.manifest.json"]);
    assert!(run.success, "{}", run.stderr);
    assert!(
        run.stdout.contains("added contact/index.html\n"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("changed about/index.html\n"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("purge https://policies.test/about/\n"),
        "{}",
        run.stdout
    );
    assert!(
        !run.stdout.contains("changed policies/terms/index.html"),
        "{}",
        run.stdout
    );
    assert!(run.stderr.contains("1 added"), "{}", run.stderr);
}

#[test]
fn sitemap_and_robots_describe_the_site() {
    let site = site();
    site.build_ok();
    let sitemap = site.output("sitemap.xml");
    let doc = roxmltree::Document::parse(&sitemap).expect("the sitemap is XML");
    let ns = "http://www.sitemaps.org/schemas/sitemap/0.9";
    assert!(doc.root_element().has_tag_name((ns, "urlset")));
    let entries: Vec<(String, Option<String>)> = doc
        .root_element()
        .children()
        .filter(|n| n.has_tag_name((ns, "url")))
        .map(|url| {
            let text = |name| {
                url.children()
                    .find(|c| c.has_tag_name((ns, name)))
                    .and_then(|c| c.text())
                    .map(str::to_string)
            };
            (text("loc").unwrap(), text("lastmod"))
        })
        .collect();
    let lastmod = |loc: &str| {
        entries
            .iter()
            .find(|(l, _)| l == loc)
            .unwrap_or_else(|| panic!("{loc} missing"))
            .1
            .clone()
    };
    assert_eq!(
        lastmod("https://policies.test/policies/terms/").as_deref(),
        Some("2026-06-01")
    );
    assert_eq!(
        lastmod("https://policies.test/policies/terms/2026-01-01/").as_deref(),
        Some("2026-01-01")
    );
    // An upcoming version was published today, not on its future date.
    assert_eq!(
        lastmod("https://policies.test/policies/terms/2027-03-01/").as_deref(),
        Some("2026-12-02")
    );
    assert!(
        entries
            .iter()
            .any(|(l, _)| l == "https://policies.test/about/")
    );
    assert!(!entries.iter().any(|(l, _)| l.ends_with("404.html")));
    let robots = site.output("robots.txt");
    assert!(
        robots.contains("Sitemap: https://policies.test/sitemap.xml"),
        "{robots}"
    );
}

#[test]
fn pages_carry_canonical_language_and_social_metadata() {
    let site = site();
    site.build_ok();
    let html = site.output("policies/terms/2026-01-01/index.html");
    for needle in [
        "<html lang=\"en\">",
        "<link rel=\"canonical\" href=\"https://policies.test/policies/terms/2026-01-01/\">",
        "<meta property=\"og:title\" content=\"Terms of Sale\">",
        "<meta property=\"og:url\" content=\"https://policies.test/policies/terms/2026-01-01/\">",
        "<meta name=\"twitter:card\" content=\"summary\">",
    ] {
        assert!(html.contains(needle), "{needle} missing");
    }
    assert!(site.output_exists("404.html"));
}

#[test]
fn two_builds_in_different_folders_are_byte_identical() {
    let first = site();
    let second = site();
    first.build_ok();
    std::thread::sleep(std::time::Duration::from_millis(20));
    for entry in walkdir::WalkDir::new(second.root.join("content"))
        .into_iter()
        .flatten()
    {
        if entry.file_type().is_file() {
            let bytes = std::fs::read(entry.path()).unwrap();
            std::fs::write(entry.path(), bytes).unwrap();
        }
    }
    second.build_ok();
    assert_eq!(first.output_tree(), second.output_tree());
    assert_eq!(
        first.read("public.manifest.json"),
        second.read("public.manifest.json")
    );
}

#[test]
fn check_passes_on_a_sound_site() {
    let site = site();
    // Never built, the site has no policies.lock: check says so (CI's `build --locked`
    // would refuse it) as a warning, and writes nothing, the lock included.
    let run = site.vellum(&["check", "--now", "2026-11-25"]);
    assert!(run.success, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("policies.lock does not yet record a new policy version"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("run `vellum build`"), "{}", run.stderr);
    assert!(
        !site.root.join("policies.lock").exists(),
        "check writes nothing"
    );
    let run = site.vellum(&["check", "--strict", "--now", "2026-11-25"]);
    assert!(!run.success, "--strict fails on a lock that is behind");

    let run = site.vellum(&["build", "--now", "2026-11-25"]);
    assert!(run.success, "{}", run.stderr);
    std::fs::remove_dir_all(site.root.join("public")).unwrap();
    let run = site.vellum(&["check", "--strict", "--now", "2026-11-25"]);
    assert!(run.success, "{}", run.stderr);
    assert!(run.stdout.contains("no problems"), "{}", run.stdout);
    assert!(!site.root.join("public").exists(), "check writes nothing");
}

#[test]
fn check_names_file_and_line_of_a_broken_link_and_a_broken_anchor() {
    let site = site();
    site.write(
        "content/about.md",
        "+++\ntitle = \"About\"\n+++\n\nSee [old terms](/policies/refunds/).\n\nAnd [payment](/policies/terms/#no-such-heading).\n",
    );
    let run = site.vellum(&["check", "--now", "2026-11-25"]);
    assert!(!run.success);
    assert!(run.stderr.contains("content/about.md:5"), "{}", run.stderr);
    assert!(run.stderr.contains("goes nowhere"), "{}", run.stderr);
    assert!(run.stderr.contains("content/about.md:7"), "{}", run.stderr);
    assert!(
        run.stderr.contains("no element with id `no-such-heading`"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("2 problems"), "{}", run.stderr);
}

#[test]
fn check_finds_pages_nobody_links_to_unless_allowed() {
    let site = site();
    site.write(
        "content/secret.md",
        "+++\ntitle = \"Secret\"\n+++\nHidden.\n",
    );
    let run = site.vellum(&["check", "--now", "2026-11-25"]);
    assert!(!run.success);
    assert!(
        run.stderr.contains("no page links to /secret/"),
        "{}",
        run.stderr
    );
    let config = site.read("site.toml");
    site.write(
        "site.toml",
        format!("{config}\n[check]\nallow_orphans = [\"/secret/\"]\n"),
    );
    let run = site.vellum(&["check", "--now", "2026-11-25"]);
    assert!(run.success, "{}", run.stderr);
}

#[test]
fn check_external_reports_dead_links_from_a_local_server() {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut stream = stream;
            let mut buffer = [0u8; 2048];
            let n = stream.read(&mut buffer).unwrap_or(0);
            let request = String::from_utf8_lossy(&buffer[..n]);
            let status = if request.contains(" /alive ") {
                "200 OK"
            } else {
                "404 Not Found"
            };
            let _ = write!(
                stream,
                "HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            );
        }
    });
    let site = site();
    site.write(
        "content/about.md",
        format!("+++\ntitle = \"About\"\n+++\n\n[alive](http://127.0.0.1:{port}/alive)\n\n[dead](http://127.0.0.1:{port}/dead)\n"),
    );
    let run = site.vellum(&["check", "--now", "2026-11-25"]);
    assert!(
        run.success,
        "external links are not fetched by default: {}",
        run.stderr
    );
    let run = site.vellum(&["check", "--external", "--now", "2026-11-25"]);
    assert!(!run.success);
    assert!(
        run.stderr.contains(&format!(
            "http://127.0.0.1:{port}/dead` is broken: HTTP 404"
        )),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("content/about.md:7"), "{}", run.stderr);
    assert!(!run.stderr.contains("/alive` is broken"), "{}", run.stderr);
}

#[test]
fn the_build_names_the_next_day_the_site_changes_by_itself_and_a_rebuild_then_changes_it() {
    let site = site();
    // The fixture's terms change on 2027-03-01; the privacy policy falls due for review
    // on 2027-02-01; the footer's © changes on 2027-01-01.
    let run = site.build_ok();
    assert!(
        run.stdout.contains(
            "Next change with no edit: 2027-01-01 (a new year begins (templates show `now()`))"
        ),
        "{}",
        run.stdout
    );
    let run = site.vellum(&["build", "--now", "2027-01-01"]);
    assert!(
        run.stdout.contains(
            "Next change with no edit: 2027-02-01 (the privacy policy falls due for review)"
        ),
        "{}",
        run.stdout
    );
    let settings = site.read("site.toml").replace(
        "minify = false\n",
        "minify = false\n\n[policies]\nreview_months = 24\n",
    );
    site.write("site.toml", settings);
    let run = site.vellum(&["build", "--now", "2027-01-01"]);
    assert!(
        run.stdout.contains(
            "Next change with no edit: 2027-03-01 (the terms policy version of 2027-03-01 takes effect)"
        ),
        "{}",
        run.stdout
    );
    let manifest: serde_json::Value =
        serde_json::from_str(&site.read("public.manifest.json")).unwrap();
    assert_eq!(manifest["next_change"]["date"], "2027-03-01");
    std::fs::copy(
        site.root.join("public.manifest.json"),
        site.root.join("before.json"),
    )
    .unwrap();
    // The scheduled run on the day: the same commit, a later date.
    let later = site.vellum(&["build", "--now", "2027-03-01"]);
    assert!(later.success, "{}", later.stderr);
    let diff = site.vellum(&["diff", "before.json", "public.manifest.json", "--json"]);
    let diff: serde_json::Value = serde_json::from_str(&diff.stdout).unwrap();
    let changed: Vec<&str> = diff["changed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    assert!(
        changed.contains(&"policies/terms/index.html"),
        "{changed:?}"
    );
    // The version it replaces gains a "changes to the current version" page.
    assert_eq!(
        diff["added"],
        serde_json::json!(["policies/terms/2026-06-01/changes-to-current/index.html"])
    );
    assert_eq!(diff["removed"], serde_json::json!([]));
}
