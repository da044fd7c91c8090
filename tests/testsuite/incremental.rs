//! Incremental rebuilds (`vellum serve`) give exactly what a full build gives, and
//! re-render only what an edit can affect.

use std::collections::BTreeMap;

use vellum::build::{BuildOptions, render_site};
use vellum::serve::Rebuilder;

use crate::common::{NOW, Site};

pub fn options(site: &Site) -> BuildOptions {
    BuildOptions {
        root: site.root.clone(),
        output: site.root.join("public"),
        base_url: Some("http://127.0.0.1:1111/".into()),
        drafts: false,
        now: vellum::clock::parse_now(NOW).unwrap(),
        progress: false,
        locked: false,
        import: None,
    }
}

fn full_build(site: &Site) -> BTreeMap<String, Vec<u8>> {
    full_build_result(site).unwrap_or_else(|e| panic!("{e}"))
}

/// Every output of a fresh full build (in memory), or its messages.
pub fn full_build_result(site: &Site) -> Result<BTreeMap<String, Vec<u8>>, String> {
    let rendered = render_site(&options(site), None, vellum::output::Sink::Memory)
        .map_err(|e| e.to_string())?;
    let mut files: BTreeMap<String, Vec<u8>> = rendered
        .copies
        .iter()
        .map(|c| {
            (
                c.path.trim_start_matches('/').to_string(),
                std::fs::read(&c.source).unwrap(),
            )
        })
        .collect();
    files.extend(
        rendered
            .files
            .into_iter()
            .map(|f| (f.path.trim_start_matches('/').to_string(), f.bytes)),
    );
    Ok(files)
}

fn rebuild(rebuilder: &mut Rebuilder) -> BTreeMap<String, Vec<u8>> {
    rebuild_result(rebuilder, &[]).unwrap_or_else(|e| panic!("{e}"))
}

/// Every output of an incremental rebuild after a save of `changed` (absolute paths;
/// none: the whole pipeline), or its messages.
pub fn rebuild_result(
    rebuilder: &mut Rebuilder,
    changed: &[std::path::PathBuf],
) -> Result<BTreeMap<String, Vec<u8>>, String> {
    let snapshot = match changed {
        [] => rebuilder.rebuild(),
        changed => rebuilder.rebuild_after(changed),
    }
    .map_err(|e| e.to_string())?;
    Ok(snapshot
        .files
        .iter()
        .map(|(path, served)| (path.to_string(), served.read().unwrap()))
        .collect())
}

fn assert_same(incremental: &BTreeMap<String, Vec<u8>>, full: &BTreeMap<String, Vec<u8>>) {
    assert_eq!(
        incremental.keys().collect::<Vec<_>>(),
        full.keys().collect::<Vec<_>>()
    );
    for (path, bytes) in full {
        assert!(
            incremental[path] == *bytes,
            "{path} differs from a full build"
        );
    }
}

#[test]
fn incremental_rebuilds_match_full_builds_and_render_only_what_changed() {
    let site = Site::fixture_with_default_theme("policies");
    let mut rebuilder = Rebuilder::new(options(&site), Some(NOW.into()));
    assert_same(&rebuild(&mut rebuilder), &full_build(&site));
    let total = rebuilder.stats().pages_rendered;
    assert!(total > 10, "{total}");

    // Nothing changed: nothing is rendered.
    rebuild(&mut rebuilder);
    assert_eq!(rebuilder.stats().pages_rendered, 0);

    // One page's text: that page, and the home page whose listing counts its words.
    site.write(
        "content/about.md",
        "+++\ntitle = \"About\"\n+++\nAbout us, in more words.\n",
    );
    assert_same(&rebuild(&mut rebuilder), &full_build(&site));
    let stats = rebuilder.stats();
    assert_eq!(
        (stats.pages_rendered, stats.markdown_rendered),
        (2, 1),
        "{stats:?}"
    );

    // A template: only the pages that use it.
    let page = site.read("themes/default/templates/page.html");
    site.write(
        "themes/default/templates/page.html",
        page.replace(
            "<article class=\"document\">",
            "<article class=\"document plain\">",
        ),
    );
    assert_same(&rebuild(&mut rebuilder), &full_build(&site));
    assert_eq!(
        rebuilder.stats().pages_rendered,
        1,
        "only about/ uses page.html"
    );

    // A policy version's summary: its policy's pages, the changelog and feed.
    let path = "content/policies/terms/spring-update.md";
    site.write(
        path,
        site.read(path)
            .replace("Adds bank transfer", "Adds bank transfers"),
    );
    assert_same(&rebuild(&mut rebuilder), &full_build(&site));
    let stats = rebuilder.stats();
    assert!(
        stats.pages_rendered > 2 && stats.pages_rendered < total,
        "{stats:?}"
    );

    // A new version of the privacy policy, announced for later: that policy's pages,
    // the changelog, its feed and the policies index, never a page that lists policies
    // only through `get_policies()` (every page's footer).
    site.write(
        "content/policies/privacy/2027-06-01.md",
        site.read("content/policies/privacy/2026-02-01.md").replace(
            "+++\n",
            "+++\nsummary = \"Names our new courier.\"\nchange = \"editorial\"\n",
        ),
    );
    assert_same(&rebuild(&mut rebuilder), &full_build(&site));
    let mut rendered = rebuilder.rendered().to_vec();
    rendered.sort();
    assert_eq!(
        rendered,
        [
            "/changelog/atom.xml",
            "/changelog/index.html",
            "/changelog/material/index.html",
            "/policies/index.html",
            "/policies/privacy/2026-02-01/changes/index.html",
            "/policies/privacy/2026-02-01/index.html",
            "/policies/privacy/2027-06-01/changes/index.html",
            "/policies/privacy/2027-06-01/index.html",
            "/policies/privacy/compare/index.html",
            "/policies/privacy/index.html",
        ]
    );

    // Site settings: everything.
    let config = site.read("site.toml");
    site.write("site.toml", config.replace("Policy Shop", "Policy Store"));
    assert_same(&rebuild(&mut rebuilder), &full_build(&site));
    let stats = rebuilder.stats();
    assert_eq!(stats.pages_reused, 0, "{stats:?}");
}

#[test]
fn a_new_linked_heading_is_seen_by_pages_that_link_to_it() {
    let site = Site::fixture("basic");
    let mut rebuilder = Rebuilder::new(options(&site), Some(NOW.into()));
    rebuild(&mut rebuilder);
    // The home page links to about.md; moving about/ must re-render the home page.
    site.write(
        "content/about.md",
        site.read("content/about.md")
            .replace("weight = 1", "weight = 1\nslug = \"who-we-are\""),
    );
    let incremental = rebuild(&mut rebuilder);
    assert_same(&incremental, &full_build(&site));
    assert!(String::from_utf8_lossy(&incremental["index.html"]).contains("/who-we-are/"));
}

#[test]
fn a_body_edit_renders_only_the_page_and_the_listings_that_count_its_words() {
    let site = Site::fixture_with_default_theme("basic");
    let mut rebuilder = Rebuilder::new(options(&site), Some(NOW.into()));
    rebuild(&mut rebuilder);
    let path = "content/about.md";
    let saved = [std::fs::canonicalize(site.root.join(path)).unwrap()];
    let mut save = |text: String| {
        site.write(path, text);
        let incremental = rebuild_result(&mut rebuilder, &saved);
        (incremental, rebuilder.stats())
    };

    // As many words as before: the page alone, without the whole pipeline.
    let (incremental, stats) = save(site.read(path).replace("We are three.", "We are four."));
    assert_same(&incremental.unwrap(), &full_build(&site));
    assert_eq!(
        (stats.body_edits, stats.pages_rendered),
        (1, 1),
        "{stats:?}"
    );

    // One more word: also the home page, whose listing shows its word count.
    let (incremental, stats) = save(site.read(path).replace("We are four.", "We are four now."));
    assert_same(&incremental.unwrap(), &full_build(&site));
    assert_eq!(
        (stats.body_edits, stats.pages_rendered),
        (1, 2),
        "{stats:?}"
    );

    // A heading the home page links to is renamed: the same error as a whole build's.
    let (incremental, _) = save(site.read(path).replace("## The team", "## Our team"));
    let error = incremental.unwrap_err();
    assert_eq!(error, full_build_result(&site).unwrap_err());
    assert!(error.contains("#the-team"), "{error}");

    // Fixed: after a failed edit the whole pipeline runs (the kept model still has the
    // page's text from before it), and nothing of the failed edit stays.
    let (incremental, stats) = save(site.read(path).replace("## Our team", "## The team"));
    assert_same(&incremental.unwrap(), &full_build(&site));
    assert_eq!(
        (stats.body_edits, stats.pages_rendered),
        (0, 1),
        "{stats:?}"
    );

    // Front matter: the whole pipeline.
    let (incremental, stats) = save(site.read(path).replace("weight = 1", "weight = 2"));
    assert_same(&incremental.unwrap(), &full_build(&site));
    assert_eq!(stats.body_edits, 0, "{stats:?}");
}

#[test]
fn a_page_left_broken_by_a_failed_edit_is_read_again_by_the_next_save() {
    let site = Site::fixture_with_default_theme("basic");
    site.write(
        "content/links.md",
        "+++\ntitle = \"Links\"\n+++\nSee [the founders](@/about.md#founders).\n",
    );
    let mut rebuilder = Rebuilder::new(options(&site), Some(NOW.into()));
    rebuild(&mut rebuilder);
    let saved = |path: &str| [std::fs::canonicalize(site.root.join(path)).unwrap()];

    // The heading links.md points at is renamed: the edit fails.
    let about = site.read("content/about.md");
    site.write(
        "content/about.md",
        about.replace("### Founders", "### The founders"),
    );
    let failed = rebuild_result(&mut rebuilder, &saved("content/about.md"));
    assert_eq!(failed.unwrap_err(), full_build_result(&site).unwrap_err());

    // Then the link is fixed in the other page: the site now builds, about.md with its
    // new heading, which the failed edit never rendered.
    site.write(
        "content/links.md",
        "+++\ntitle = \"Links\"\n+++\nSee [the founders](@/about.md#the-founders).\n",
    );
    let incremental = rebuild_result(&mut rebuilder, &saved("content/links.md")).unwrap();
    assert_same(&incremental, &full_build(&site));
    assert!(String::from_utf8_lossy(&incremental["about/index.html"]).contains("The founders"));
}

/// Translations in the preview: a German page's body edit renders the German page (and
/// nothing English), a German theme string re-renders the pages that show it, a new
/// translation adds its page and the hreflang links of its source; every step equals a
/// full build.
#[test]
fn translations_rebuild_exactly_as_a_full_build_does() {
    let site = crate::golden::shop_site();
    let mut rebuilder = Rebuilder::new(options(&site), Some(NOW.into()));
    assert_same(&rebuild(&mut rebuilder), &full_build(&site));

    let about = "content/about.de.md";
    site.write(
        about,
        site.read(about)
            .replace("Wer wir sind", "Wer wir sind und was wir tun"),
    );
    let incremental = rebuild_result(&mut rebuilder, &[site.root.join(about)]).unwrap();
    assert_same(&incremental, &full_build(&site));
    let stats = rebuilder.stats();
    assert_eq!(stats.body_edits, 1, "{stats:?}");
    assert!(stats.pages_rendered <= 2, "{stats:?}");

    let strings = "themes/default/i18n/de.toml";
    let text = site.read(strings);
    let first = text
        .lines()
        .find(|l| l.contains(" = \""))
        .unwrap()
        .to_string();
    site.write(
        strings,
        text.replace(&first, &first.replace(" = \"", " = \"Neu: ")),
    );
    assert_same(&rebuild(&mut rebuilder), &full_build(&site));

    site.write(
        "content/products/_index.de.md",
        "+++\ntitle = \"Produkte\"\ntemplate = \"catalog.html\"\n+++\nUnsere Produkte.\n",
    );
    let incremental = rebuild(&mut rebuilder);
    assert_same(&incremental, &full_build(&site));
    let english = String::from_utf8(incremental["products/index.html"].clone()).unwrap();
    assert!(english.contains("/de/products/"), "{english}");
}

/// A policy of many versions: a new version re-renders the pages that show it (itself,
/// its neighbour, the policy's page, the lists of versions), never the other versions'
/// pages or their changes up to today, so a long history stays instant in the preview.
/// (The policies index shows the next upcoming version, which is still 2027-03-01.)
#[test]
fn a_new_version_of_a_long_history_renders_only_the_pages_that_show_it() {
    let site = Site::fixture_with_default_theme("policies");
    let terms = "content/policies/terms";
    for (day, words) in [
        ("2026-07-01", "within eight days"),
        ("2026-08-01", "within nine days"),
    ] {
        site.write(
            &format!("{terms}/{day}.md"),
            site.read(&format!("{terms}/2026-06-01.md"))
                .replace("announced = 2026-04-15\n", "")
                .replace("change = \"material\"", "change = \"editorial\"")
                .replace(
                    "Pay by card within seven days.",
                    &format!("Pay by card {words}."),
                ),
        );
    }
    let mut rebuilder = Rebuilder::new(options(&site), Some(NOW.into()));
    assert_same(&rebuild(&mut rebuilder), &full_build(&site));
    site.write(
        &format!("{terms}/2027-06-01.md"),
        site.read(&format!("{terms}/spring-update.md"))
            .replace("effective = 2027-03-01", "effective = 2027-06-01")
            .replace("Adds bank transfer as a way to pay.", "Adds gift cards.")
            .replace("announced = 2026-11-20", "announced = 2026-12-01")
            + "\nGift cards are welcome.\n",
    );
    assert_same(&rebuild(&mut rebuilder), &full_build(&site));
    let mut rendered = rebuilder.rendered().to_vec();
    rendered.sort();
    assert_eq!(
        rendered,
        [
            "/changelog/atom.xml",
            "/changelog/index.html",
            "/changelog/material/index.html",
            "/policies/terms/2027-03-01/changes/index.html",
            "/policies/terms/2027-03-01/index.html",
            "/policies/terms/2027-06-01/changes/index.html",
            "/policies/terms/2027-06-01/index.html",
            "/policies/terms/compare/index.html",
            "/policies/terms/index.html",
        ]
    );

    // A version that comes into force today: the pages above, the version it supersedes
    // and every page that says which version is in force (changes up to today, the
    // footers' "updated" dates), but no other archived version's page or changes.
    site.write(
        &format!("{terms}/2026-12-01.md"),
        site.read(&format!("{terms}/2026-08-01.md")).replace(
            "Pay by card within nine days.",
            "Pay by card within ten days.",
        ),
    );
    assert_same(&rebuild(&mut rebuilder), &full_build(&site));
    let rendered = rebuilder.rendered().to_vec();
    for archived in ["2026-01-01", "2026-06-01", "2026-07-01"] {
        for page in ["index.html", "changes/index.html"] {
            let path = format!("/policies/terms/{archived}/{page}");
            assert!(
                !rendered.contains(&path),
                "{path} re-rendered: {rendered:?}"
            );
        }
    }
    for shown in [
        "/policies/terms/2026-12-01/index.html",
        "/policies/terms/2026-08-01/index.html",
        "/policies/terms/2026-01-01/changes-to-current/index.html",
        "/index.html",
    ] {
        assert!(
            rendered.iter().any(|p| p == shown),
            "{shown} not re-rendered: {rendered:?}"
        );
    }
}
