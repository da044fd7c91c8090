//! Sections with `paginate_by` list their pages a listing page at a time: `/news/`,
//! `/news/page/2/`, ... with links between them, as Zola does.

use crate::common::Site;

/// A site with the default theme and a news section of `posts` posts, `paginate_by` 2.
fn news_site(posts: usize) -> Site {
    let site = Site::empty();
    site.add_default_theme();
    site.write(
        "site.toml",
        "title = \"Paged\"\nbase_url = \"https://paged.test\"\nlanguage = \"en\"\nminify = false\n",
    );
    site.write("content/_index.md", "+++\ntitle = \"Home\"\n+++\nHello.\n");
    site.write(
        "content/news/_index.md",
        "+++\ntitle = \"News\"\nsort_by = \"title\"\npaginate_by = 2\n+++\nAll our news.\n",
    );
    for i in 1..=posts {
        site.write(
            &format!("content/news/post-{i}.md"),
            format!("+++\ntitle = \"Post {i}\"\n+++\nText {i}.\n"),
        );
    }
    site
}

/// The post titles a listing page links to, in order.
fn listed(html: &str) -> Vec<String> {
    html.split("<a href=\"https://paged.test/news/post-")
        .skip(1)
        .map(|rest| {
            let title = &rest[rest.find('>').unwrap() + 1..];
            title[..title.find('<').unwrap()].to_string()
        })
        .collect()
}

#[test]
fn a_paginated_section_lists_its_pages_a_listing_page_at_a_time() {
    let site = news_site(5);
    site.build_ok();
    let first = site.output("news/index.html");
    let second = site.output("news/page/2/index.html");
    let third = site.output("news/page/3/index.html");
    assert_eq!(listed(&first), ["Post 1", "Post 2"]);
    assert_eq!(listed(&second), ["Post 3", "Post 4"]);
    assert_eq!(listed(&third), ["Post 5"]);
    assert!(!site.output_exists("news/page/4/index.html"));
    assert!(!site.output_exists("news/page/1/index.html"));

    // Links between listing pages, in the page and for browsers and crawlers.
    assert!(
        first.contains(r#"href="https://paged.test/news/page/2/" rel="next""#),
        "{first}"
    );
    assert!(!first.contains(r#"rel="prev""#), "{first}");
    assert!(
        second.contains(r#"href="https://paged.test/news/" rel="prev""#),
        "{second}"
    );
    assert!(second.contains(r#"href="https://paged.test/news/page/3/" rel="next""#));
    assert!(second.contains("Page 2 of 3"), "{second}");
    assert!(
        second.contains("<title>News, page 2 · Paged</title>"),
        "{second}"
    );
    assert!(!third.contains(r#"rel="next""#));
    assert!(second.contains(r#"<link rel="canonical" href="https://paged.test/news/page/2/">"#));
    // The section's own text shows on every listing page.
    assert!(third.contains("All our news."), "{third}");

    let sitemap = site.output("sitemap.xml");
    assert!(
        sitemap.contains("<loc>https://paged.test/news/page/3/</loc>"),
        "{sitemap}"
    );
    crate::golden::assert_text("pagination__news_page_2", &second.replace("><", ">\n<"));
}

#[test]
fn a_section_that_fits_on_one_listing_page_has_no_pager() {
    let site = news_site(2);
    site.build_ok();
    let first = site.output("news/index.html");
    assert_eq!(listed(&first), ["Post 1", "Post 2"]);
    assert!(!first.contains("class=\"pager\""), "{first}");
    assert!(!site.output_exists("news/page/2/index.html"));
}

#[test]
fn a_listing_page_may_not_land_on_a_page() {
    let site = news_site(3);
    site.write(
        "content/news/two.md",
        "+++\ntitle = \"Two\"\nslug = \"page\"\n+++\n",
    );
    site.write(
        "content/news/page/2.md",
        "+++\ntitle = \"Taken\"\n+++\nA page where the listing goes.\n",
    );
    site.build_fails(
        "content/news/_index.md:4",
        "page 2 of this section's listing would be at /news/page/2/, the URL of content/news/page/2.md",
    );
}

#[test]
fn paginate_by_zero_is_refused_at_its_line() {
    let site = news_site(1);
    site.write(
        "content/news/_index.md",
        "+++\ntitle = \"News\"\npaginate_by = 0\n+++\n",
    );
    site.build_fails("content/news/_index.md:3", "paginate_by");
}
