//! What a successful build writes.

use crate::common::{NOW, Site, tree};

#[test]
fn pages_land_at_urls_that_follow_content_paths() {
    let site = Site::fixture("basic");
    site.build_ok();
    for path in [
        "index.html",
        "about/index.html",
        "blog/index.html",
        "blog/first/index.html",
        "blog/second/index.html",
        "guide/index.html",
        "guide/setup/index.html",
    ] {
        assert!(site.output_exists(path), "{path} is missing");
    }
}

#[test]
fn slug_replaces_the_file_name_in_the_url() {
    let site = Site::fixture("basic");
    site.build_ok();
    assert!(site.output_exists("blog/latest-news/index.html"));
    assert!(!site.output_exists("blog/third/index.html"));
}

#[test]
fn section_lists_pages_newest_first_when_sorted_by_date() {
    let site = Site::fixture("basic");
    site.build_ok();
    let blog = site.output("blog/index.html");
    assert!(
        blog.contains(
            r#"<ol class="pages"><li>latest-news</li><li>second</li><li>first</li></ol>"#
        ),
        "{blog}"
    );
}

#[test]
fn section_lists_pages_by_weight_then_title() {
    let site = Site::fixture("basic");
    site.write(
        "content/blog/_index.md",
        "+++\ntitle = \"Blog\"\nsort_by = \"weight\"\n+++\n",
    );
    site.write(
        "content/blog/first.md",
        "+++\ntitle = \"Zebra\"\nweight = 1\n+++\n",
    );
    site.write("content/blog/third.md", "+++\ntitle = \"Apple\"\n+++\n");
    site.build_ok();
    let blog = site.output("blog/index.html");
    assert!(
        blog.contains("<li>first</li><li>third</li><li>second</li>"),
        "{blog}"
    );
}

#[test]
fn drafts_are_left_out_unless_asked_for() {
    let site = Site::fixture("basic");
    site.build_ok();
    assert!(!site.output_exists("blog/unfinished/index.html"));
    let run = site.build(&["--drafts"]);
    assert!(run.success, "{}", run.stderr);
    assert!(site.output_exists("blog/unfinished/index.html"));
}

#[test]
fn yaml_front_matter_and_template_choice_are_honoured() {
    let site = Site::fixture("basic");
    site.build_ok();
    let second = site.output("blog/second/index.html");
    assert!(
        second.contains(r#"<h1 class="special">Second post</h1>"#),
        "{second}"
    );
}

#[test]
fn page_bundle_assets_are_copied_beside_the_page() {
    let site = Site::fixture("basic");
    site.build_ok();
    assert!(site.output_exists("guide/setup/diagram.svg"));
    assert!(
        site.output("guide/setup/index.html")
            .contains(r#"src="diagram.svg""#)
    );
}

#[test]
fn site_templates_and_static_files_override_the_theme() {
    let site = Site::fixture("basic");
    site.build_ok();
    assert!(site.output("404.html").contains("Site-level not found"));
    assert_eq!(site.output("logo.txt"), "site logo\n");
    assert_eq!(site.output("style.css"), "body { color: black; }\n");
}

#[test]
fn headings_get_ids_anchor_links_and_a_table_of_contents() {
    let site = Site::fixture("basic");
    site.build_ok();
    let about = site.output("about/index.html");
    assert!(
        about
            .contains(r##"<h2 id="the-team">The team <a class="heading-anchor" href="#the-team""##),
        "{about}"
    );
    assert!(about.contains(r#"<h2 id="reach-us">"#), "{about}");
    assert!(
        about.contains(r##"<li data-level="2"><a href="#the-team">The team</a><span class="child">founders</span></li>"##),
        "{about}"
    );
    assert!(about.contains("<table>"), "{about}");
}

#[test]
fn internal_links_become_page_urls() {
    let site = Site::fixture("basic");
    site.build_ok();
    let home = site.output("index.html");
    assert!(
        home.contains(r#"href="https://fixture.test/about/""#),
        "{home}"
    );
    assert!(
        home.contains(r#"href="https://fixture.test/about/#the-team""#),
        "{home}"
    );
}

#[test]
fn templates_get_helpers_config_and_extra() {
    let site = Site::fixture("basic");
    site.build_ok();
    let home = site.output("index.html");
    assert!(home.contains(r#"<p class="blog-count">3</p>"#), "{home}");
    assert!(
        home.contains(r#"<a href="https://fixture.test/about/">About &lt;us&gt;</a>"#),
        "{home}"
    );
    assert!(home.contains("<li>/blog/</li><li>/guide/</li>"), "{home}");
    assert!(home.contains(r#"<html lang="en-GB">"#), "{home}");
    assert!(
        home.contains(r#"href="https://fixture.test/style.css""#),
        "{home}"
    );
    let about = site.output("about/index.html");
    assert!(
        about.contains(r#"<p class="date">01 March 2026</p>"#),
        "{about}"
    );
    assert!(about.contains("teal"), "{about}");
}

#[test]
fn template_values_are_escaped() {
    let site = Site::fixture("basic");
    site.build_ok();
    let about = site.output("about/index.html");
    assert!(about.contains("<h1>About &lt;us&gt;</h1>"), "{about}");
    assert!(about.contains("&lt;b&gt;bold&lt;/b&gt; claims"), "{about}");
}

#[test]
fn now_comes_from_the_flag_or_source_date_epoch() {
    let site = Site::fixture("basic");
    site.build_ok();
    assert!(
        site.output("about/index.html")
            .contains("built 2026-12-02T00:00:00Z")
    );
    let run = site.vellum_with_env(&["build"], &[("SOURCE_DATE_EPOCH", "1767225600")]);
    assert!(run.success, "{}", run.stderr);
    assert!(
        site.output("about/index.html")
            .contains("built 2026-01-01T00:00:00Z")
    );
}

#[test]
fn base_url_flag_changes_every_permalink() {
    let site = Site::fixture("basic");
    let run = site.build(&["--base-url", "http://127.0.0.1:9000/"]);
    assert!(run.success, "{}", run.stderr);
    let home = site.output("index.html");
    assert!(
        home.contains(r#"href="http://127.0.0.1:9000/about/""#),
        "{home}"
    );
    assert!(!home.contains("fixture.test"), "{home}");
}

#[test]
fn output_flag_writes_elsewhere() {
    let site = Site::fixture("basic");
    let run = site.build(&["--output", "dist"]);
    assert!(run.success, "{}", run.stderr);
    assert!(site.root.join("dist/about/index.html").exists());
    assert!(!site.root.join("public").exists());
}

#[test]
fn html_is_minified_when_switched_on() {
    let site = Site::fixture("basic");
    let config = std::fs::read_to_string(site.root.join("site.toml")).unwrap();
    site.write(
        "site.toml",
        config.replace("minify = false", "minify = true"),
    );
    site.build_ok();
    let about = site.output("about/index.html");
    assert!(
        about.starts_with("<!doctype html><html lang=en-GB>"),
        "{about}"
    );
    assert!(!about.contains("\n<"), "{about}");
}

#[test]
fn stale_output_files_are_removed() {
    let site = Site::fixture("basic");
    site.build_ok();
    site.remove("content/blog/first.md");
    site.build_ok();
    assert!(!site.output_exists("blog/first/index.html"));
}

#[test]
fn same_input_gives_byte_identical_output() {
    let site = Site::fixture("basic");
    site.build_ok();
    let first = site.output_tree();
    // Touch every source file and build again into another folder.
    std::thread::sleep(std::time::Duration::from_millis(20));
    for entry in walkdir::WalkDir::new(site.root.join("content"))
        .into_iter()
        .flatten()
    {
        if entry.file_type().is_file() {
            let bytes = std::fs::read(entry.path()).unwrap();
            std::fs::write(entry.path(), bytes).unwrap();
        }
    }
    let run = site.build(&["--output", "again"]);
    assert!(run.success, "{}", run.stderr);
    assert_eq!(first, tree(&site.root.join("again")));
}

#[test]
fn summary_line_counts_pages_and_sections() {
    let site = Site::fixture("basic");
    let run = site.build_ok();
    assert!(
        run.stdout
            .contains("Built 5 pages, 3 sections and 0 policy pages"),
        "{}",
        run.stdout
    );
    let _ = NOW;
}

#[test]
fn assets_in_folders_without_pages_keep_their_folder() {
    let site = Site::fixture("basic");
    site.write(
        "content/img/logo.svg",
        "<svg xmlns=\"http://www.w3.org/2000/svg\"/>",
    );
    site.build_ok();
    assert!(site.output_exists("img/logo.svg"));
    assert!(!site.output_exists("logo.svg"));
}

#[test]
fn an_existing_folder_vellum_did_not_write_is_never_replaced() {
    let site = Site::fixture("basic");
    site.write("notes/thesis.txt", "precious");
    let run = site.build(&["--output", "notes"]);
    assert!(!run.success);
    assert!(
        run.stderr.contains("was not written by vellum"),
        "{}",
        run.stderr
    );
    assert_eq!(site.read("notes/thesis.txt"), "precious");
}

#[test]
fn templates_cannot_read_randomness_or_the_environment() {
    let site = Site::fixture("basic");
    site.write(
        "templates/page.html",
        "{% extends \"base.html\" %}\n{% block content %}\n{{ get_env(name=\"HOME\") }}\n{% endblock content %}\n",
    );
    let run = site.build_fails("templates/page.html:3", "`get_env` is not available");
    assert!(
        run.stderr.contains("same output for the same input"),
        "{}",
        run.stderr
    );
}
