//! `vellum serve`: serving, live reload, error overlay and safety.

use crate::common::Site;

fn site() -> Site {
    Site::fixture_with_default_theme("policies")
}

#[test]
fn pages_are_served_with_the_reload_script_types_and_etags() {
    let site = site();
    let server = site.serve();
    assert!(
        server.url.starts_with("http://127.0.0.1:"),
        "{}",
        server.url
    );
    let page = server.get("/policies/terms/");
    assert_eq!(page.status, 200);
    assert_eq!(
        page.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    assert!(
        page.body.contains("We accept orders online."),
        "{}",
        page.body
    );
    assert!(page.body.contains("/__vellum/events"), "no reload script");
    assert!(
        page.body.contains(&format!(
            "href=\"{}policies/terms/2026-01-01/\"",
            server.url
        )),
        "links point at the server"
    );
    let etag = page.header("etag").expect("etag").to_string();
    let again = server.request("GET", "/policies/terms/", &[("If-None-Match", &etag)]);
    assert_eq!(again.status, 304);
    assert!(again.body.is_empty());
    // The browser applies a 304's CSP to the page it keeps: it must still allow the
    // reload script, or the tab stops following edits after one unchanged reload.
    let csp = |r: &crate::common::Response| {
        r.header("content-security-policy")
            .expect("a CSP")
            .to_string()
    };
    assert!(csp(&page).contains("'sha256-"), "{}", csp(&page));
    assert_eq!(csp(&again), csp(&page));
    let head = server.request("HEAD", "/policies/terms/", &[]);
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty());
    assert_eq!(head.header("content-length"), page.header("content-length"));
    let css = server.get("/style.css");
    assert_eq!(css.header("content-type"), Some("text/css; charset=utf-8"));
    assert!(!css.body.contains("__vellum"));
    let feed = server.get("/changelog/atom.xml");
    assert_eq!(
        feed.header("content-type"),
        Some("application/atom+xml; charset=utf-8")
    );
    let redirect = server.get("/policies/terms");
    assert_eq!(redirect.status, 301);
    assert_eq!(redirect.header("location"), Some("/policies/terms/"));
    let missing = server.get("/no/such/page/");
    assert_eq!(missing.status, 404);
    assert!(
        missing.body.contains("Page not found"),
        "the theme's 404 page: {}",
        missing.body
    );
    assert_eq!(server.request("POST", "/", &[]).status, 405);
}

#[test]
fn paths_outside_the_site_never_leak_a_file() {
    let site = site();
    let server = site.serve();
    for path in [
        "/../site.toml",
        "/%2e%2e/site.toml",
        "/%2E%2E/%2e%2e/etc/passwd",
        "/policies/..%2f..%2fsite.toml",
        "/..%5csite.toml",
        "/policies\\..\\..\\site.toml",
        "//etc/passwd",
        "/C:/Windows/win.ini",
        "/%00",
        "/content/about.md",
        "/site.toml",
    ] {
        let response = server.get(path);
        assert!(
            [400, 404].contains(&response.status),
            "{path}: {}",
            response.status
        );
        assert!(
            !response.body.contains("base_url"),
            "{path} leaked site.toml"
        );
        assert!(
            !response.body.contains("root:"),
            "{path} leaked /etc/passwd"
        );
    }
}

#[test]
fn an_edit_is_served_after_a_reload_event() {
    let site = site();
    let server = site.serve();
    let mut events = server.events();
    events.wait_for("event: hello");
    site.write(
        "content/about.md",
        "+++\ntitle = \"About\"\n+++\nWe moved to Springfield.\n",
    );
    events.wait_for("event: reload");
    assert!(
        server
            .get("/about/")
            .body
            .contains("We moved to Springfield.")
    );
}

#[test]
fn a_broken_file_shows_the_error_and_keeps_the_last_good_site() {
    let site = site();
    let server = site.serve();
    let mut events = server.events();
    events.wait_for("event: hello");
    site.write("content/about.md", "+++\ntitle = \"About\nbroken\n+++\n");
    let seen = events.wait_for("Build failed");
    assert!(seen.contains("event: build-error"), "{seen}");
    assert!(
        seen.contains("content/about.md:3"),
        "the error names file and line: {seen}"
    );
    let about = server.get("/about/");
    assert_eq!(about.status, 200);
    assert!(
        about.body.contains("About us."),
        "the last good page is still served"
    );
    // A tab opened now learns about the error at once.
    let mut late = server.events();
    late.wait_for("content/about.md:3");
    site.write("content/about.md", "+++\ntitle = \"About\"\n+++\nFixed.\n");
    events.wait_for("event: reload");
    assert!(server.get("/about/").body.contains("Fixed."));
}

#[test]
fn a_stylesheet_change_swaps_css_without_a_reload() {
    let site = site();
    let server = site.serve();
    let mut events = server.events();
    events.wait_for("event: hello");
    let css = std::fs::read_to_string(site.root.join("themes/default/static/style.css")).unwrap();
    site.write(
        "themes/default/static/style.css",
        css + "\n.added { color: red; }\n",
    );
    let seen = events.wait_for("event: css");
    assert!(!seen.contains("event: reload"), "{seen}");
    assert!(server.get("/style.css").body.contains(".added"));
}

#[test]
fn many_open_tabs_and_dropped_clients_do_not_stall_the_server() {
    use std::io::Write;
    let site = site();
    let server = site.serve();
    let tabs: Vec<_> = (0..100).map(|_| server.events()).collect();
    for _ in 0..20 {
        // Ask for a page and hang up before reading the answer.
        let mut stream = std::net::TcpStream::connect(&server.addr).unwrap();
        let _ = stream.write_all(b"GET /changelog/ HTTP/1.1\r\nHost: x\r\n\r\n");
        drop(stream);
    }
    let start = std::time::Instant::now();
    assert_eq!(server.get("/").status, 200);
    assert!(
        start.elapsed() < std::time::Duration::from_secs(5),
        "the server stalled"
    );
    site.write(
        "content/about.md",
        "+++\ntitle = \"About\"\n+++\nStill here.\n",
    );
    let mut last = tabs.into_iter().last().unwrap();
    last.wait_for("event: reload");
}

#[test]
fn a_burst_of_a_hundred_saves_gives_one_rebuild_not_a_hundred() {
    let site = site();
    let server = site.serve();
    let mut events = server.events();
    events.wait_for("event: hello");
    // What a `git checkout` does: many files written at once.
    for i in 0..100 {
        site.write(
            &format!("content/notes/note-{i:03}.md"),
            format!("+++\ntitle = \"Note {i}\"\n+++\nText {i}.\n"),
        );
    }
    events.wait_for("event: reload");
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let more = events.drain();
    let reloads = more.matches("event: reload").count();
    // Debounced: the whole burst is one rebuild (a few more only if the burst outlasts
    // the debounce window on a slow or busy machine), never one per file.
    assert!(
        reloads <= 4,
        "{} rebuilds after the first:\n{more}",
        reloads
    );
    assert!(server.get("/notes/note-099/").body.contains("Text 99."));
}

#[test]
fn a_build_error_shows_in_every_open_tab_and_clears_on_the_fix() {
    let site = site();
    let server = site.serve();
    let mut tabs: Vec<_> = (0..100).map(|_| server.events()).collect();
    for tab in &mut tabs {
        tab.wait_for("event: hello");
    }
    // A body edit with a link to a page that does not exist (the body-edit path).
    let good = site.read("content/about.md");
    site.write(
        "content/about.md",
        format!("{good}\nSee [the shop](@/shop.md).\n"),
    );
    for tab in &mut tabs {
        let seen = tab.wait_for("Build failed");
        assert!(seen.contains("event: build-error"), "{seen}");
        assert!(seen.contains("content/about.md"), "{seen}");
    }
    site.write(
        "content/about.md",
        format!("{good}\nSee [us](@/about.md).\n"),
    );
    for tab in &mut tabs {
        tab.wait_for("event: reload");
    }
    assert!(server.get("/about/").body.contains("See <a"));
}
