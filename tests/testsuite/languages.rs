//! The shop in English and German: pages and policies per language at `/de/`, honest
//! translation status (which version a translation translates, and whether the original
//! moved on), links between the languages that go both ways (`hreflang`, the sitemap's
//! `xhtml:link`, the language switcher), theme strings with fallback, dates and prices
//! per locale, and the errors an editor gets for a wrong language file.

use std::collections::{BTreeMap, BTreeSet};

use crate::common::{NOW, Site, tree};
use crate::golden::shop_site;

/// The `hreflang` links of an HTML page: language -> URL.
fn hreflang_links(html: &str) -> BTreeMap<String, String> {
    let attribute = |tag: &str, name: &str| -> Option<String> {
        let at = tag.find(&format!(" {name}="))? + name.len() + 2;
        let value = &tag[at..];
        Some(match value.strip_prefix('"') {
            Some(quoted) => quoted.split('"').next()?.to_string(),
            None => value.split([' ', '>']).next()?.to_string(),
        })
    };
    html.split("<link ")
        .skip(1)
        .map(|rest| format!(" {}", &rest[..rest.find('>').unwrap_or(rest.len())]))
        .filter(|tag| attribute(tag, "rel").as_deref() == Some("alternate"))
        .filter_map(|tag| Some((attribute(&tag, "hreflang")?, attribute(&tag, "href")?)))
        .collect()
}

/// The output file a URL of the shop names.
fn file_of(url: &str) -> String {
    let path = url
        .strip_prefix("https://wristline.example/")
        .unwrap_or_else(|| panic!("{url} is not on the site"));
    if path.is_empty() || path.ends_with('/') {
        format!("{path}index.html")
    } else {
        path.to_string()
    }
}

#[test]
fn the_shop_builds_in_english_and_german() {
    let site = shop_site();
    site.build_ok();
    let home = site.output("de/index.html");
    assert!(home.contains("<html lang=de>"), "{home}");
    let about = site.output("de/about/index.html");
    assert!(about.contains("<html lang=de>"));
    // `@/` links resolve within the page's language: the German about page links the
    // German privacy policy, at its heading.
    assert!(
        about.contains("https://wristline.example/de/policies/privacy/#user-rights"),
        "{about}"
    );
    // Pages with no German text link to the English one.
    assert!(home.contains("https://wristline.example/products/smart-watches/sense-2/"));
    // The English site is unchanged in language.
    assert!(site.output("index.html").contains("<html lang=en>"));
    // Per-language changelog, feed, versions.json; the German feed lists German titles.
    let feed = site.output("de/changelog/atom.xml");
    assert!(feed.contains("Datenschutzerklärung"), "{feed}");
    // The German changelog misses no change: an English version not translated yet is
    // listed, marked, and linked in English.
    let changelog = site.output("de/changelog/index.html");
    assert!(
        changelog.contains("<a href=https://wristline.example/policies/privacy/ hreflang=en lang=en>Privacy Policy</a>"),
        "{changelog}"
    );
    assert!(
        changelog.contains("noch nicht übersetzt, nur auf Englisch"),
        "{changelog}"
    );
    assert!(
        feed.contains("https://wristline.example/policies/privacy/2027-01-01/"),
        "{feed}"
    );
    assert!(
        !site
            .output("changelog/index.html")
            .contains("status-untranslated"),
        "the English changelog lists only English versions"
    );
    let versions: serde_json::Value =
        serde_json::from_str(&site.output("de/policies/privacy/versions.json")).unwrap();
    assert_eq!(versions["language"], "de");
    assert_eq!(versions["versions"].as_array().unwrap().len(), 2);
    let english: serde_json::Value =
        serde_json::from_str(&site.output("policies/privacy/versions.json")).unwrap();
    assert_eq!(english["language"], "en");
    // German redlines between two German versions exist.
    assert!(site.output_exists("de/policies/privacy/2026-11-24/changes/index.html"));
    assert!(site.output_exists("de/policies/privacy/compare/index.html"));
    assert!(site.output_exists("de/policies/privacy/2025-06-01/blocks.json"));
    // The translations are held to the record like the originals.
    let lock = site.read("policies.lock");
    assert!(lock.contains("policy = \"privacy.de\""), "{lock}");
    assert!(lock.contains("file = \"content/policies/privacy/2026-11-24.de.md\""));
}

#[test]
fn dates_and_prices_are_written_per_locale() {
    let site = shop_site();
    site.build_ok();
    let english = site.output("policies/privacy/index.html");
    assert!(english.contains("November 24, 2026"), "{english}");
    let german = site.output("de/policies/privacy/index.html");
    assert!(german.contains("24. November 2026"), "{german}");
    // The product card on the German home page writes its price as Germans do.
    let home = site.output("de/index.html");
    assert!(home.contains("249,95\u{a0}$"), "{home}");
    assert!(site.output("index.html").contains("$249.95"));
}

#[test]
fn a_translation_says_which_version_it_translates_and_when_it_falls_behind() {
    let site = shop_site();
    // On NOW the German privacy policy translates the version in force.
    site.build_ok();
    let page = site.output("de/policies/privacy/index.html");
    assert!(page.contains("translation-notice"), "{page}");
    assert!(
        page.contains("https://wristline.example/policies/privacy/2026-11-24/"),
        "the notice links the English version it translates: {page}"
    );
    assert!(!page.contains("translation-lagging"), "{page}");
    // The English privacy policy of 2027-01-01 is announced and not translated: the
    // German page says so, and links it.
    assert!(
        page.contains("https://wristline.example/policies/privacy/2027-01-01/"),
        "{page}"
    );
    // The German cookie policy's upcoming version is translated: its own notice banner,
    // in German.
    let cookies = site.output("de/policies/cookies/index.html");
    assert!(cookies.contains("https://wristline.example/de/policies/cookies/2027-01-01/"));

    // Once the English version of 2027-01-01 is in force, the German page still shows
    // its translation of 2026-11-24, marked as behind, with the authoritative text.
    let run = site.vellum(&["build", "--now", "2027-01-02"]);
    assert!(run.success, "{}", run.stderr);
    let page = site.output("de/policies/privacy/index.html");
    assert!(page.contains("translation-lagging"), "{page}");
    assert!(page.contains("https://wristline.example/policies/privacy/"));
    assert!(page.contains("2026-11-24"));

    // `check` names the lagging translation; `--strict` fails on it.
    let check = site.vellum(&["check", "--now", "2027-01-02"]);
    assert!(
        check
            .stderr
            .contains("the `de` translation of the privacy policy is behind"),
        "{}",
        check.stderr
    );
    assert!(
        check
            .stderr
            .contains("content/policies/privacy/2027-01-01.de.md")
    );
    let strict = site.vellum(&["check", "--strict", "--now", "2027-01-02"]);
    assert!(!strict.success, "{}", strict.stderr);
    // Before that day, check warns of the untranslated announced version.
    let check = site.vellum(&["check", "--now", NOW]);
    assert!(
        check
            .stderr
            .contains("lacks the version taking effect on 2027-01-01"),
        "{}",
        check.stderr
    );
}

#[test]
fn hreflang_links_go_both_ways_and_match_the_sitemap() {
    let site = shop_site();
    site.build_ok();
    let public = site.root.join("public");
    let pages: BTreeMap<String, String> = tree(&public)
        .into_iter()
        .filter(|(path, _)| path.ends_with(".html"))
        .map(|(path, bytes)| (path, String::from_utf8(bytes).unwrap()))
        .collect();
    let mut with_links = 0;
    for (path, html) in &pages {
        let links = hreflang_links(html);
        if links.is_empty() {
            continue;
        }
        with_links += 1;
        assert!(links.contains_key("x-default"), "{path}: {links:?}");
        assert_eq!(links["x-default"], links["en"], "{path}");
        for (lang, url) in links.iter().filter(|(l, _)| *l != "x-default") {
            let target = file_of(url);
            let other = pages
                .get(&target)
                .unwrap_or_else(|| panic!("{path} links {lang} {url}, which does not exist"));
            assert!(
                other.contains(&format!("<html lang={lang}>")),
                "{target} is not in {lang}"
            );
            assert_eq!(
                hreflang_links(other),
                links,
                "{target} does not link back the same set as {path}"
            );
        }
    }
    assert!(
        with_links >= 20,
        "only {with_links} pages have hreflang links"
    );

    // The sitemap lists the same alternates for each URL.
    let sitemap = site.output("sitemap.xml");
    let doc = roxmltree::Document::parse(&sitemap).unwrap();
    let xhtml = "http://www.w3.org/1999/xhtml";
    let mut checked = 0;
    for url in doc.descendants().filter(|n| n.has_tag_name("url")) {
        let loc = url
            .children()
            .find(|n| n.has_tag_name("loc"))
            .unwrap()
            .text()
            .unwrap();
        let alternates: BTreeMap<String, String> = url
            .children()
            .filter(|n| n.has_tag_name((xhtml, "link")))
            .map(|n| {
                (
                    n.attribute("hreflang").unwrap().to_string(),
                    n.attribute("href").unwrap().to_string(),
                )
            })
            .collect();
        let file = file_of(loc);
        if let Some(html) = pages.get(&file) {
            assert_eq!(hreflang_links(html), alternates, "{loc}");
            checked += usize::from(!alternates.is_empty());
        }
    }
    assert_eq!(
        checked, with_links,
        "every page with alternates is in the sitemap with them"
    );
}

#[test]
fn the_language_switcher_goes_to_the_same_page_or_says_it_is_not_translated() {
    let site = shop_site();
    site.build_ok();
    let about = site.output("about/index.html");
    assert!(
        about.contains(
            "class=language-nav><ul><li><a href=https://wristline.example/de/about/ hreflang=de lang=de>Deutsch</a>"
        ),
        "{about}"
    );
    let product = site.output("products/smart-watches/sense-2/index.html");
    assert!(
        !product.contains("https://wristline.example/de/products/"),
        "no German product page exists"
    );
    assert!(
        product.contains(
            "class=language-nav><ul><li><span class=not-translated>Not available in Deutsch</span>"
        ),
        "{product}"
    );
}

/// A minimal site in two languages, with the default theme.
fn two_languages() -> Site {
    let site = Site::empty();
    site.write(
        "site.toml",
        "title = \"Shop\"\nbase_url = \"https://shop.test\"\ndefault_language = \"en\"\n\n[languages.en]\nname = \"English\"\n\n[languages.de]\nname = \"Deutsch\"\ntitle = \"Laden\"\n",
    );
    site.write(
        "content/_index.md",
        "+++\ntitle = \"Home\"\n+++\nWelcome.\n",
    );
    site.write(
        "content/about.md",
        "+++\ntitle = \"About\"\n+++\nAbout us.\n",
    );
    site.write(
        "content/about.de.md",
        "+++\ntitle = \"Über uns\"\n+++\nÜber uns.\n",
    );
    site.write(
        "content/policies/terms/2026-01-01.md",
        "+++\ntitle = \"Terms\"\n+++\n## Terms\n\nThe terms.\n",
    );
    site.write(
        "content/policies/terms/2026-01-01.de.md",
        "+++\ntitle = \"AGB\"\n+++\n## AGB\n\nDie AGB.\n",
    );
    site.add_default_theme();
    site
}

/// A second English version of the terms, not translated.
fn add_english_only_version(site: &Site) {
    site.write(
        "content/policies/terms/2026-06-01.md",
        "+++\ntitle = \"Terms\"\nsummary = \"Clearer words.\"\nchange = \"editorial\"\n+++\n## Terms\n\nThe terms, clearer.\n",
    );
}

#[test]
fn a_small_site_in_two_languages_builds() {
    let site = two_languages();
    site.build_ok();
    assert!(site.output("de/about/index.html").contains("Über uns"));
    // A language with no home page of its own gets one, which its pages hang from.
    assert!(site.output("de/index.html").contains("<html lang=de>"));
    assert!(
        site.output("de/index.html")
            .contains("<title>Laden</title>")
    );
    assert!(site.output_exists("de/policies/terms/2026-01-01/index.html"));
}

#[test]
fn a_file_in_an_undeclared_language_is_an_error_at_the_file() {
    let site = two_languages();
    site.write(
        "content/about.fr.md",
        "+++\ntitle = \"À propos\"\n+++\nText.\n",
    );
    site.build_fails(
        "content/about.fr.md",
        "`fr`, which site.toml does not declare",
    );
}

#[test]
fn a_source_that_fails_to_load_is_one_error_not_also_a_missing_source() {
    let site = two_languages();
    site.write(
        "content/about.md",
        "+++\ntitle = \u{201c}About\u{201d}\n+++\nAbout us.\n",
    );
    let run = site.build(&[]);
    assert!(!run.success);
    assert!(run.stderr.contains("curly quotes"), "{}", run.stderr);
    assert!(!run.stderr.contains("does not exist"), "{}", run.stderr);
    assert!(
        run.stderr.contains("Build failed with 1 error;"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_translation_of_a_file_that_does_not_exist_is_an_error() {
    let site = two_languages();
    site.write(
        "content/contact.de.md",
        "+++\ntitle = \"Kontakt\"\n+++\nText.\n",
    );
    site.build_fails(
        "content/contact.de.md",
        "content/contact.md, which does not exist",
    );
}

#[test]
fn a_translated_version_cannot_set_its_own_date_or_kind_of_change() {
    let site = two_languages();
    site.write(
        "content/policies/terms/2026-01-01.de.md",
        "+++\ntitle = \"AGB\"\nchange = \"editorial\"\n+++\nDie AGB.\n",
    );
    site.build_fails(
        "content/policies/terms/2026-01-01.de.md:3",
        "a translation takes `change` from the version it translates",
    );
}

#[test]
fn the_default_language_has_no_suffix() {
    let site = two_languages();
    site.write(
        "content/contact.en.md",
        "+++\ntitle = \"Contact\"\n+++\nText.\n",
    );
    site.build_fails("content/contact.en.md", "rename the file to contact.md");
}

#[test]
fn an_unknown_language_code_in_site_toml_is_an_error_at_its_line() {
    let site = two_languages();
    let settings = site.read("site.toml");
    site.write(
        "site.toml",
        settings.replace("[languages.de]", "[languages.Deutsch]"),
    );
    site.build_fails(
        "site.toml",
        "language `Deutsch` is not a language code such as de or pt-BR",
    );
}

#[test]
fn a_changed_published_translation_is_held_to_the_record() {
    let site = two_languages();
    site.build_ok();
    site.write(
        "content/policies/terms/2026-01-01.de.md",
        "+++\ntitle = \"AGB\"\n+++\n## AGB\n\nDie neuen AGB.\n",
    );
    let run = site.build(&[]);
    assert!(!run.success, "{}", run.stdout);
    assert!(
        run.stderr
            .contains("content/policies/terms/2026-01-01.de.md"),
        "{}",
        run.stderr
    );
}

#[test]
fn theme_strings_fall_back_to_the_default_language_and_check_lists_missing_ones() {
    let site = two_languages();
    // The site's own German strings lack a key the theme has in English.
    let theme_de = site.read("themes/default/i18n/de.toml");
    let key = "skip_to_content";
    assert!(theme_de.contains(key), "the theme has `{key}` in German");
    let without: String = theme_de
        .lines()
        .filter(|l| !l.starts_with(&format!("{key} ")))
        .map(|l| format!("{l}\n"))
        .collect();
    site.write("themes/default/i18n/de.toml", without);
    site.build_ok();
    let english = site.read("themes/default/i18n/en.toml");
    let english_text = english
        .lines()
        .find(|l| l.starts_with(&format!("{key} ")))
        .and_then(|l| l.split('"').nth(1))
        .unwrap()
        .to_string();
    assert!(site.output("de/about/index.html").contains(&english_text));
    let check = site.vellum(&["check", "--now", NOW]);
    assert!(
        check.stderr.contains("not translated into `de`") && check.stderr.contains(key),
        "{}",
        check.stderr
    );
    let strict = site.vellum(&["check", "--strict", "--now", NOW]);
    assert!(!strict.success);
    // The site's own i18n/de.toml fills the gap, key by key.
    site.write("i18n/de.toml", format!("{key} = \"Zum Inhalt\"\n"));
    site.build_ok();
    assert!(site.output("de/about/index.html").contains("Zum Inhalt"));
    let check = site.vellum(&["check", "--now", NOW]);
    assert!(
        !check.stderr.contains("not translated into `de`"),
        "{}",
        check.stderr
    );
}

#[test]
fn policy_notice_is_written_in_the_language_asked_for() {
    let site = shop_site();
    let run = site.vellum(&["policy", "notice", "cookies", "--lang", "de", "--now", NOW]);
    assert!(run.success, "{}", run.stderr);
    assert!(run.stdout.contains("1. Januar 2027"), "{}", run.stdout);
    assert!(
        run.stdout
            .contains("https://wristline.example/de/policies/cookies/2027-01-01/changes/"),
        "{}",
        run.stdout
    );
    // The German privacy policy has no translation of its upcoming version.
    let run = site.vellum(&["policy", "notice", "privacy", "--lang", "de", "--now", NOW]);
    assert!(!run.success);
    assert!(
        run.stderr
            .contains("translate content/policies/privacy/2027-01-01.md as content/policies/privacy/2027-01-01.de.md"),
        "{}",
        run.stderr
    );
    // English, as before.
    let run = site.vellum(&["policy", "notice", "cookies", "--now", NOW]);
    assert!(run.stdout.contains("January 1, 2027"), "{}", run.stdout);
}

#[test]
fn every_german_page_links_only_to_pages_that_exist() {
    let site = shop_site();
    site.build_ok();
    let check = site.vellum(&["check", "--now", NOW]);
    let errors: BTreeSet<&str> = check
        .stderr
        .lines()
        .filter(|l| l.starts_with("error"))
        .collect();
    assert!(errors.is_empty(), "{}", check.stderr);
}

#[test]
fn what_the_render_stage_writes_itself_is_in_the_pages_language() {
    let site = shop_site();
    site.build_ok();
    let german = site.output("de/about/index.html");
    assert!(
        german.contains("aria-label=\"Link zu diesem Abschnitt\""),
        "{german}"
    );
    let english = site.output("about/index.html");
    assert!(english.contains("aria-label=\"Link to this section\""));
    // A German redline folds its unchanged sections under a German summary.
    let redline = site.output("de/policies/privacy/2026-11-24/changes/index.html");
    assert!(redline.contains("<summary>Unverändert: "), "{redline}");
    // The structured data's breadcrumbs start at the German home page, in German.
    let version = site.output("de/policies/privacy/2025-06-01/index.html");
    assert!(
        version.contains("\"name\":\"Gültig ab 2025-06-01\""),
        "{version}"
    );
    assert!(
        version.contains("\"item\":\"https://wristline.example/de/\""),
        "{version}"
    );
}

#[test]
fn the_german_cookie_policy_shows_the_german_cookie_list() {
    let site = shop_site();
    site.build_ok();
    let page = site.output("de/policies/cookies/index.html");
    assert!(
        page.contains("Merkt sich die Produkte in Ihrem Warenkorb"),
        "{page}"
    );
    assert!(page.contains("13 Monate"));
    let english = site.output("policies/cookies/index.html");
    assert!(english.contains("Remembers the products in your basket"));
    // The German list must name every cookie the English one does.
    let list = site.read("data/cookies.de.toml");
    let without_ga: String = list
        .split("[[cookie]]")
        .filter(|entry| !entry.contains("name = \"_ga\"\n"))
        .collect::<Vec<_>>()
        .join("[[cookie]]");
    site.write("data/cookies.de.toml", without_ga);
    site.build_fails(
        "data/cookies.de.toml",
        "does not list the same cookies as data/cookies.toml: missing [\"_ga\"]",
    );
}

#[test]
fn a_translation_that_skips_a_version_ends_when_its_source_moves_on() {
    let site = two_languages();
    add_english_only_version(&site);
    site.build_ok();
    let versions: serde_json::Value =
        serde_json::from_str(&site.output("de/policies/terms/versions.json")).unwrap();
    let first = &versions["versions"][0];
    assert_eq!(first["status"], "superseded", "{versions}");
    assert_eq!(first["in_force_until"], "2026-05-31", "{versions}");
    // The German page still shows its only text, marked as behind the English one.
    let page = site.output("de/policies/terms/index.html");
    assert!(page.contains("translation-lagging"), "{page}");
    assert!(page.contains("Die AGB."));
    // No redline of a text against itself.
    assert!(!site.output_exists("de/policies/terms/2026-01-01/changes-to-current/index.html"));
    let check = site.vellum(&["check", "--now", NOW]);
    assert!(
        check
            .stderr
            .contains("the `de` translation of the terms policy is behind"),
        "{}",
        check.stderr
    );
}

#[test]
fn a_regional_default_language_reads_the_themes_base_language_strings() {
    let site = two_languages();
    let settings = site.read("site.toml");
    site.write(
        "site.toml",
        settings
            .replace("default_language = \"en\"", "default_language = \"en-GB\"")
            .replace("[languages.en]", "[languages.en-GB]"),
    );
    site.build_ok();
    let about = site.output("about/index.html");
    assert!(about.contains("<html lang=en-GB>"), "{about}");
    assert!(about.contains("Skip to main content"), "{about}");
    assert!(
        site.output("policies/terms/index.html")
            .contains("1 January 2026")
    );
}

#[test]
fn a_site_in_one_language_keeps_dotted_file_names() {
    let site = Site::empty();
    site.write(
        "site.toml",
        "title = \"Shop\"\nbase_url = \"https://shop.test\"\n",
    );
    site.write(
        "content/faq.old.md",
        "+++\ntitle = \"Old FAQ\"\n+++\nText.\n",
    );
    site.add_default_theme();
    site.build_ok();
    assert!(site.output_exists("faq-old/index.html"));
}

#[test]
fn a_translated_product_page_is_an_error_that_says_why() {
    let site = shop_site();
    site.write(
        "content/products/smart-watches/sense-2.de.md",
        site.read("content/products/smart-watches/sense-2.md"),
    );
    site.build_fails(
        "content/products/smart-watches/sense-2.de.md",
        "product pages cannot be translated yet",
    );
}

#[test]
fn a_language_with_only_policies_has_a_home_page() {
    let site = two_languages();
    site.remove("content/about.de.md");
    site.build_ok();
    assert!(site.output("de/index.html").contains("<html lang=de>"));
    let terms = site.output("de/policies/terms/index.html");
    assert!(
        terms.contains("\"item\":\"https://shop.test/de/\""),
        "{terms}"
    );
}

#[test]
fn policy_verify_reads_a_translations_copy_and_lets_a_later_translation_grow_it() {
    let site = two_languages();
    add_english_only_version(&site);
    site.build_ok();
    site.write("saved.json", site.output("de/policies/terms/versions.json"));
    // The version of 2026-06-01 is translated later: the German history grows.
    site.write(
        "content/policies/terms/2026-06-01.de.md",
        "+++\ntitle = \"AGB\"\nsummary = \"Klarere Worte.\"\n+++\n## AGB\n\nDie AGB, klarer.\n",
    );
    site.build_ok();
    let verify = site.vellum(&["policy", "verify", "saved.json", "--now", NOW]);
    assert!(verify.success, "{}{}", verify.stdout, verify.stderr);
    assert!(verify.stdout.contains("2026-06-01"), "{}", verify.stdout);
    // An English copy is not a German one.
    site.write("english.json", site.output("policies/terms/versions.json"));
    let mixed = site.vellum(&[
        "policy",
        "verify",
        "english.json",
        "--against",
        "public/de/policies/terms/versions.json",
    ]);
    assert!(!mixed.success, "{}", mixed.stdout);
    assert!(
        mixed
            .stdout
            .contains("the saved copy is in `en`, today's in `de`"),
        "{}",
        mixed.stdout
    );
}
