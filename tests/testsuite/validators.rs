//! The shop's built site passes the validators professionals use: the Nu HTML Checker
//! and axe-core (in a real Chromium, at 375, 768 and 1280 px, light and dark), no page
//! wider than the screen at 320, 375 and 768 px (tables stack on phones), print styles
//! (no navigation or forms; addresses, the permanent link and the day printed shown),
//! with screenshots of every page kind at each width, in each scheme and as printed,
//! left in `target/tmp/screenshots/` for a person to look at; and its feed, sitemap and
//! JSON-LD parse.

use std::path::Path;

use crate::browser::run_browser_script;
use crate::common::{Site, json_ld_blocks, tree};

/// One page of each kind the default theme produces.
const PAGE_KINDS: &[&str] = &[
    "",                                                // home
    "about/",                                          // page (with a callout)
    "policies/",                                       // section (policies)
    "policies/privacy/",                               // policy, current version
    "policies/privacy/2025-06-01/",                    // policy version, superseded
    "policies/privacy/2026-11-24/changes/",            // redline
    "policies/privacy/2025-06-01/changes-to-current/", // redline against the current text
    "policies/cookies/",                               // policy with the cookie table
    "changelog/",                                      // changelog
    "products/",                                       // catalog
    "products/price-low-to-high/",                     // catalog, sorted
    "products/smart-watches/",                         // category
    "products/accessories/page/2/",                    // category, second listing page
    "products/smart-watches/sense-2/",                 // product
    "404.html",                                        // not found
    "de/",                                             // home, in German
    "de/about/",                                       // page, in German
    "de/policies/",                                    // section, in German
    "de/policies/privacy/", // a translation, upcoming English version untranslated
    "de/policies/privacy/2025-06-01/", // translated version, superseded
    "de/policies/privacy/2026-11-24/changes/", // German redline
    "de/policies/cookies/", // translation with its own upcoming version
    "de/changelog/",        // German changelog
];

fn shop(base_url: &str) -> Site {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let site = Site::copy_of(
        repo,
        &["target", "public", ".git", "tests", "src", ".vellum-cache"],
    );
    // The shop's categories fit on one page; this one is split in two so that the
    // listing pages of a paginated section (`paginate_by`) are validated too.
    let accessories = "content/products/accessories/_index.md";
    site.write(
        accessories,
        site.read(accessories)
            .replace("weight = 3\n", "weight = 3\npaginate_by = 2\n"),
    );
    let run = site.build(&["--base-url", base_url]);
    assert!(run.success, "{}", run.stderr);
    site
}

/// The shop built for a free port on 127.0.0.1, where the browser scripts serve it.
fn shop_on_a_free_port() -> (Site, u16) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    (shop(&format!("http://127.0.0.1:{port}/")), port)
}

#[test]
fn every_page_kind_passes_the_nu_checker_and_axe_at_three_widths_in_both_schemes_and_prints_well() {
    let (site, port) = shop_on_a_free_port();
    let shots = Path::new(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
    let public = site.root.join("public");
    let mut args = vec![
        public.to_string_lossy().into_owned(),
        port.to_string(),
        shots.to_string_lossy().into_owned(),
    ];
    args.extend(PAGE_KINDS.iter().map(|p| p.to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = run_browser_script("validate.mjs", &args);
    assert!(out.contains("\"failures\": []"), "{out}");
    eprintln!("validators: {out}\nscreenshots in {}", shots.display());
    assert!(
        shots
            .join("products-smart-watches-sense-2-375.png")
            .exists()
    );
    for shot in [
        "products-smart-watches-sense-2-768-dark.png",
        "policies-privacy-1280.png",
        "policies-privacy-2026-11-24-changes-print.png",
        "print.pdf",
    ] {
        assert!(shots.join(shot).exists(), "no screenshot {shot}");
    }
}

/// The policy's contents follow the reader at wide screens; every part of a policy is
/// one text width; Print prints; the colour picker picks the Buy button without
/// JavaScript; related products are cards (tests/browser/layout.mjs says how each is
/// checked).
#[test]
fn policy_pages_and_the_product_page_behave_in_chromium() {
    let (site, port) = shop_on_a_free_port();
    let public = site.root.join("public");
    let out = run_browser_script(
        "layout.mjs",
        &[&public.to_string_lossy(), &port.to_string()],
    );
    assert!(out.contains("\"ok\":true"), "{out}");
}

#[test]
fn feed_sitemap_and_json_ld_of_the_shop_parse_with_their_expected_structure() {
    let site = shop("https://wristline.example/");
    let atom = "http://www.w3.org/2005/Atom";
    let feed = site.output("changelog/atom.xml");
    let doc = roxmltree::Document::parse(&feed).expect("the feed is XML");
    let root = doc.root_element();
    assert!(root.has_tag_name((atom, "feed")));
    for required in ["id", "title", "updated", "author", "link"] {
        assert!(
            root.children().any(|c| c.has_tag_name((atom, required))),
            "feed has no {required}"
        );
    }
    let entries: Vec<_> = root
        .children()
        .filter(|c| c.has_tag_name((atom, "entry")))
        .collect();
    assert!(entries.len() >= 5, "{}", entries.len());
    for entry in entries {
        for required in ["id", "title", "updated", "link", "summary"] {
            assert!(
                entry.children().any(|c| c.has_tag_name((atom, required))),
                "an entry has no {required}"
            );
        }
    }
    let sitemap = site.output("sitemap.xml");
    let doc = roxmltree::Document::parse(&sitemap).expect("the sitemap is XML");
    let ns = "http://www.sitemaps.org/schemas/sitemap/0.9";
    assert!(doc.root_element().has_tag_name((ns, "urlset")));
    let urls: Vec<_> = doc
        .root_element()
        .children()
        .filter(|c| c.has_tag_name((ns, "url")))
        .collect();
    assert!(urls.len() > 30, "{}", urls.len());
    assert!(
        urls.iter()
            .all(|u| u.children().any(|c| c.has_tag_name((ns, "loc"))))
    );
    let mut blocks = 0;
    for (path, bytes) in tree(&site.root.join("public")) {
        if path.ends_with(".html") {
            let html = String::from_utf8(bytes).unwrap();
            // Minified pages drop the quotes around the type; the parser needs them.
            let html = html.replace(
                "<script type=application/ld+json>",
                "<script type=\"application/ld+json\">",
            );
            blocks += json_ld_blocks(&html).len();
        }
    }
    assert!(blocks > 40, "{blocks} JSON-LD blocks");
}
