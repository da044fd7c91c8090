//! Hostile and broken input, as an attacker or a careless editor would send it in a pull
//! request: each case gives output or one clear error at its file (and line), exits
//! non-zero, leaves `public/` and its manifest byte-identical, and never lets a file
//! from outside the site reach the output or the preview.

use std::path::Path;

use crate::common::{NOW, Site};

/// A file outside the site, as `/etc/passwd` or `/proc/self/environ` would be.
fn secret_outside() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let secret = dir.path().join("environ");
    std::fs::write(&secret, "AWS_SECRET_ACCESS_KEY=hunter2\n").unwrap();
    (dir, secret)
}

#[cfg(unix)]
#[test]
fn links_to_files_outside_the_site_are_errors_in_every_input_folder() {
    let (_dir, secret) = secret_outside();
    for link in [
        "content/leak.txt",
        "content/host.md",
        "static/leak.txt",
        "data/leak.toml",
        "templates/leak.html",
        "themes/plain/static/leak.css",
    ] {
        let site = Site::fixture("basic");
        let stderr = site.fails_keeping_output(
            |s| {
                let at = s.root.join(link);
                std::fs::create_dir_all(at.parent().unwrap()).unwrap();
                std::os::unix::fs::symlink(&secret, at).unwrap()
            },
            link,
            "outside the site folder",
        );
        assert!(stderr.contains(&secret.display().to_string()), "{stderr}");
        assert!(!stderr.contains("hunter2"), "{stderr}");
        let check = site.vellum(&["check", "--now", NOW]);
        assert!(!check.success, "check must refuse {link} too");
        assert!(check.stderr.contains(link), "{}", check.stderr);
    }
}

#[cfg(unix)]
#[test]
fn a_link_into_the_sites_git_folder_is_refused_and_a_link_inside_is_followed() {
    let site = Site::fixture("basic");
    site.write(
        ".git/config",
        "[http] extraheader = AUTHORIZATION: basic token\n",
    );
    std::os::unix::fs::symlink(
        site.root.join("static/logo.txt"),
        site.root.join("content/logo-copy.txt"),
    )
    .unwrap();
    site.build_ok();
    assert_eq!(site.output("logo-copy.txt"), site.read("static/logo.txt"));
    site.fails_keeping_output(
        |s| {
            std::os::unix::fs::symlink(s.root.join(".git/config"), s.root.join("static/x.txt"))
                .unwrap()
        },
        "static/x.txt",
        "outside the site folder (or hidden in it)",
    );
}

#[cfg(unix)]
#[test]
fn a_theme_folder_that_links_out_of_the_site_is_an_error() {
    let outside = tempfile::tempdir().unwrap();
    let site = Site::fixture("basic");
    let theme = site.root.join("themes/plain");
    std::fs::rename(&theme, outside.path().join("plain")).unwrap();
    std::os::unix::fs::symlink(outside.path().join("plain"), &theme).unwrap();
    let run = site.build(&[]);
    assert!(!run.success);
    assert!(
        run.stderr.contains("themes/plain/templates"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("outside the site folder"),
        "{}",
        run.stderr
    );
}

#[cfg(unix)]
#[test]
fn a_committed_link_in_the_image_cache_is_never_published() {
    let (_dir, secret) = secret_outside();
    let site = Site::fixture_with_default_theme("shop");
    site.build_ok();
    let cache = site.root.join(".vellum-cache/images");
    let variants: Vec<_> = std::fs::read_dir(&cache)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.to_string_lossy().ends_with("-480.png"))
        .collect();
    assert!(!variants.is_empty());
    for variant in &variants {
        std::fs::remove_file(variant).unwrap();
        std::os::unix::fs::symlink(&secret, variant).unwrap();
    }
    site.build_ok();
    for (path, bytes) in site.output_tree() {
        assert!(
            !String::from_utf8_lossy(&bytes).contains("hunter2"),
            "{path} holds the secret"
        );
    }
    std::fs::remove_dir_all(site.root.join(".vellum-cache")).unwrap();
    std::os::unix::fs::symlink(secret.parent().unwrap(), site.root.join(".vellum-cache")).unwrap();
    site.build_fails(".vellum-cache", "must be a folder, not a link");
}

#[cfg(unix)]
#[test]
fn the_preview_never_serves_a_file_from_outside_the_site() {
    let (_dir, secret) = secret_outside();
    let site = Site::fixture("basic");
    std::os::unix::fs::symlink(&secret, site.root.join("static/leak.txt")).unwrap();
    let server = site.serve();
    let response = server.get("/leak.txt");
    assert!(!response.body.contains("hunter2"), "{}", response.body);
    assert_eq!(response.status, 404);
    let mut events = server.events();
    let error = events.wait_for("--> static/leak.txt");
    assert!(error.contains("outside the site folder"), "{error}");
}

#[test]
fn deep_nesting_is_an_error_at_its_line_and_the_allowed_depth_builds_minified() {
    let site = Site::fixture("basic");
    let settings = site
        .read("site.toml")
        .replace("minify = false", "minify = true");
    site.write("site.toml", settings);
    // The deepest a page may go, through the minifier.
    site.write(
        "content/deep.md",
        format!("+++\ntitle = \"Deep\"\n+++\n{}fine\n", "> ".repeat(95)),
    );
    site.build_ok();
    assert!(site.output("deep/index.html").contains("fine"));
    let list: String = (0..2000)
        .map(|i| format!("{}- x\n", "  ".repeat(i)))
        .collect();
    site.fails_keeping_output(
        |s| {
            s.write(
                "content/list.md",
                format!("+++\ntitle = \"L\"\n+++\n{list}"),
            )
        },
        "content/list.md:54",
        "nested more than 100 levels deep",
    );
    site.remove("content/list.md");
    site.fails_keeping_output(
        |s| {
            let quotes = ">".repeat(3000);
            s.write(
                "content/q.md",
                format!("+++\ntitle = \"Q\"\n+++\nok\n\n{quotes} x\n"),
            )
        },
        "content/q.md:6",
        "nested more than 100 levels deep",
    );
}

#[test]
fn a_deeply_nested_template_is_an_error_at_its_line_and_the_allowed_depth_renders() {
    let site = Site::fixture("basic");
    let nested = |depth: usize| {
        format!(
            "{{% extends \"base.html\" %}}{{% block content %}}\n{}deep{}\n{{% endblock content %}}\n",
            "{% if true %}".repeat(depth),
            "{% endif %}".repeat(depth)
        )
    };
    site.write("templates/special.html", nested(28));
    site.write(
        "content/special.md",
        "+++\ntitle = \"S\"\ntemplate = \"special.html\"\n+++\n",
    );
    site.build_ok();
    assert!(site.output("special/index.html").contains("deep"));
    site.fails_keeping_output(
        |s| s.write("templates/special.html", nested(3000)),
        "templates/special.html:2",
        "nested more than 30 levels deep",
    );
    site.write("templates/special.html", nested(28));
    // Tera 2's parser recurses once per `elif` of one `if`.
    let branches = format!(
        "{{% extends \"base.html\" %}}{{% block content %}}\n{{% if false %}}{}{{% endif %}}\n{{% endblock content %}}\n",
        "{% elif false %}x".repeat(100_000)
    );
    site.fails_keeping_output(
        |s| s.write("templates/special.html", branches),
        "templates/special.html:2",
        "more than 500 `elif` branches",
    );
    site.write("templates/special.html", nested(28));
    let brackets = format!("{{{{ {}1{} }}}}", "(".repeat(5000), ")".repeat(5000));
    site.fails_keeping_output(
        |s| s.write("templates/special.html", format!("\n\n{brackets}")),
        "templates/special.html:3",
        "nested more than 30 levels deep",
    );
}

#[test]
fn a_template_that_includes_itself_is_an_error_not_a_crash() {
    Site::fixture("basic").fails_keeping_output(
        |s| {
            s.write("templates/a.html", "<p>\n{% include \"b.html\" %}</p>\n");
            s.write("templates/b.html", "{% include \"a.html\" %}");
            s.write("templates/404.html", "{% include \"a.html\" %}");
        },
        "templates/a.html:2",
        "a.html → b.html → a.html",
    );
}

#[test]
fn the_preview_survives_a_file_that_would_overflow_the_stack() {
    let site = Site::fixture("basic");
    let server = site.serve();
    let mut events = server.events();
    site.write(
        "content/about.md",
        format!("+++\ntitle = \"A\"\n+++\n{}x\n", ">".repeat(3000)),
    );
    let error = events.wait_for("nested more than 100 levels deep");
    assert!(error.contains("build-error"), "{error}");
    assert_eq!(server.get("/").status, 200, "the server is still up");
}

#[test]
fn twenty_thousand_identical_headings_build_with_numbered_ids() {
    let site = Site::fixture("basic");
    let body = "## Notes\n\n".repeat(20_000);
    site.write(
        "content/notes.md",
        format!("+++\ntitle = \"N\"\n+++\n{body}"),
    );
    site.build_ok();
    let page = site.output("notes/index.html");
    assert!(page.contains(r#"id="notes-19999""#));
}

#[test]
fn fifty_thousand_garbled_lines_give_a_few_warnings_and_a_count() {
    let site = Site::fixture("basic");
    let body = "We donâ€™t sell data.\n".repeat(50_000);
    site.write(
        "content/garbled.md",
        format!("+++\ntitle = \"G\"\n+++\n{body}"),
    );
    let run = site.build_ok();
    let warnings = run.stderr.matches("warning").count();
    assert!(
        warnings <= 4,
        "{warnings} warnings:\n{}",
        &run.stderr[..2000]
    );
    assert!(
        run.stderr
            .contains("49997 more lines look like garbled text"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("content/garbled.md:4"),
        "{}",
        run.stderr
    );
}

#[test]
fn an_existing_file_is_never_replaced_by_a_site() {
    let site = Site::fixture("basic");
    let settings = site.read("site.toml");
    let run = site.build(&["--output", "site.toml"]);
    assert!(!run.success);
    assert!(run.stderr.contains("site.toml"), "{}", run.stderr);
    assert!(
        run.stderr.contains("is a file, not a folder"),
        "{}",
        run.stderr
    );
    assert_eq!(site.read("site.toml"), settings);
}

#[test]
fn two_builds_at_once_both_succeed_and_the_manifest_describes_the_output() {
    let site = Site::fixture("basic");
    site.build_ok();
    let start = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_vellum"))
            .args(["build", "--now", NOW])
            .current_dir(&site.root)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let builds: Vec<_> = (0..4).map(|_| start()).collect();
    for build in builds {
        let out = build.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let manifest: serde_json::Value =
        serde_json::from_str(&site.read("public.manifest.json")).unwrap();
    let listed: Vec<&String> = manifest["files"].as_object().unwrap().keys().collect();
    let on_disk: Vec<String> = site
        .output_tree()
        .into_iter()
        .map(|(path, _)| path)
        .filter(|path| path != ".vellum-output")
        .collect();
    assert_eq!(listed, on_disk.iter().collect::<Vec<_>>());
}

#[test]
fn a_killed_builds_leftovers_are_cleared_by_the_next_build() {
    let site = Site::fixture("basic");
    site.build_ok();
    for leftover in [".public.new-999999", ".public.old-999998"] {
        site.write(&format!("{leftover}/big.bin"), vec![0u8; 4096]);
    }
    site.write(".public.manifest.json.new-999999", "{");
    site.build_ok();
    let mut left: Vec<String> = std::fs::read_dir(&site.root)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with(".public"))
        .collect();
    left.sort();
    assert_eq!(left, [".public.lock"]);
}

#[test]
fn a_control_character_in_a_file_name_is_an_error_naming_the_folder() {
    Site::fixture("basic").fails_keeping_output(
        |s| {
            s.write(
                "content/blog/x\nremoved index.html.md",
                "+++\ntitle = \"X\"\n+++\n",
            )
        },
        "content/blog",
        r#""x\nremoved index.html.md""#,
    );
}

#[test]
fn a_slug_or_asset_named_like_a_generated_file_is_an_error_at_the_content_file() {
    let site = Site::fixture("basic");
    site.fails_keeping_output(
        |s| {
            s.write(
                "content/map.md",
                "+++\ntitle = \"Map\"\nslug = \"sitemap.xml\"\n+++\n",
            )
        },
        "content/map.md:3",
        "the sitemap.xml vellum generates",
    );
    site.remove("content/map.md");
    for generated in ["_headers", "robots.txt", "sitemap.xml", "404.html"] {
        let path = format!("content/{generated}");
        site.fails_keeping_output(|s| s.write(&path, "x"), &path, "clashing with");
        site.remove(&path);
    }
}

#[test]
fn size_limits_name_the_file_and_the_setting() {
    let site = Site::fixture("basic");
    let settings = site.read("site.toml") + "\n[limits]\npage_megabytes = 1\nasset_megabytes = 1\n";
    site.write("site.toml", settings);
    let big = "word ".repeat(300_000);
    site.fails_keeping_output(
        |s| s.write("content/big.md", format!("+++\ntitle = \"B\"\n+++\n{big}")),
        "content/big.md",
        "page_megabytes",
    );
    site.remove("content/big.md");
    site.fails_keeping_output(
        |s| s.write("static/video.mp4", vec![0u8; 1_200_000]),
        "static/video.mp4",
        "asset_megabytes",
    );
}

/// A PNG that claims 11,000 x 11,000 pixels: 350 KB on disk, 363 MB decoded. Only the
/// header matters, since vellum must refuse it before decoding.
fn png_claiming(width: u32, height: u32) -> Vec<u8> {
    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = !0u32;
        for &byte in bytes {
            crc ^= u32::from(byte);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xedb8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }
    let mut ihdr = b"IHDR".to_vec();
    ihdr.extend(width.to_be_bytes());
    ihdr.extend(height.to_be_bytes());
    ihdr.extend([8, 2, 0, 0, 0]);
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend(13u32.to_be_bytes());
    png.extend(&ihdr);
    png.extend(crc32(&ihdr).to_be_bytes());
    // An empty zlib stream: decoders want an IDAT chunk before they give the size.
    let idat = b"IDAT\x78\x01\x01\x00\x00\xff\xff\x00\x00\x00\x01";
    png.extend(((idat.len() - 4) as u32).to_be_bytes());
    png.extend(idat);
    png.extend(crc32(idat).to_be_bytes());
    png.extend(0u32.to_be_bytes());
    png.extend(b"IEND");
    png.extend(crc32(b"IEND").to_be_bytes());
    png
}

#[test]
fn a_decompression_bomb_png_is_refused_from_its_header() {
    Site::fixture_with_default_theme("shop").fails_keeping_output(
        |s| {
            s.write(
                "content/products/bands/gamma.png",
                png_claiming(11_000, 11_000),
            )
        },
        "content/products/bands/gamma.png",
        "11000 x 11000 pixels",
    );
}

#[test]
fn a_truncated_jpeg_is_an_error_naming_the_file() {
    let image = image::RgbImage::from_fn(640, 480, |x, y| image::Rgb([x as u8, y as u8, 7]));
    let mut jpeg = Vec::new();
    image
        .write_to(
            &mut std::io::Cursor::new(&mut jpeg),
            image::ImageFormat::Jpeg,
        )
        .unwrap();
    Site::fixture_with_default_theme("shop").fails_keeping_output(
        |s| {
            s.write("content/products/bands/gamma.jpg", &jpeg[..jpeg.len() / 2]);
            let page = s
                .read("content/products/bands/gamma.md")
                .replace("gamma.png", "gamma.jpg");
            s.write("content/products/bands/gamma.md", page);
        },
        "content/products/bands/gamma.jpg",
        "damaged or cut short",
    );
}

#[test]
fn raw_html_is_sanitized_shown_as_text_when_asked_and_passed_only_when_allowed() {
    let site = Site::fixture("basic");
    let page = "+++\ntitle = \"H\"\n+++\nHi<br><br><sup>1</sup> <script>alert(1)</script><img src=x onerror=\"alert(2)\">\n\n<iframe src=\"https://x.test\"></iframe>\n";
    site.write("content/html.md", page);
    site.build_ok();
    let out = site.output("html/index.html");
    assert!(out.contains("Hi<br><br><sup>1</sup>"), "{out}");
    for dropped in ["<script", "alert(", "onerror", "<iframe", "x.test"] {
        assert!(!out.contains(dropped), "{dropped}: {out}");
    }
    let original = site.read("site.toml");
    site.write(
        "site.toml",
        original.clone() + "\n[markdown]\nraw_html = \"escape\"\n",
    );
    site.build_ok();
    let out = site.output("html/index.html");
    assert!(out.contains("&lt;script&gt;"), "{out}");
    assert!(!out.contains("<iframe"), "{out}");
    let settings = original + "\n[markdown]\nraw_html = \"allow\"\n";
    site.write("site.toml", settings);
    site.build_ok();
    assert!(
        site.output("html/index.html")
            .contains("<script>alert(1)</script>")
    );
}

#[test]
fn the_preview_refuses_other_host_names() {
    let site = Site::fixture("basic");
    let server = site.serve();
    let rebinding = server.request("GET", "/", &[("Host", "attacker.example:1234")]);
    assert_eq!(rebinding.status, 403);
    assert!(!rebinding.body.contains("Fixture"), "{}", rebinding.body);
    for host in ["localhost", &server.addr] {
        assert_eq!(
            server.request("GET", "/", &[("Host", host)]).status,
            200,
            "{host}"
        );
    }
}

#[test]
fn the_preview_drops_a_client_that_never_finishes_its_headers() {
    use std::io::{Read, Write};
    let site = Site::fixture("basic");
    let server = site.serve();
    let mut slow = std::net::TcpStream::connect(&server.addr).unwrap();
    slow.set_read_timeout(Some(std::time::Duration::from_secs(30)))
        .unwrap();
    slow.write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\n")
        .unwrap();
    // Meanwhile others are served.
    assert_eq!(server.get("/").status, 200);
    let mut rest = Vec::new();
    let read = slow.read_to_end(&mut rest);
    assert!(read.is_ok(), "the server closed the connection: {read:?}");
    assert!(rest.is_empty() || String::from_utf8_lossy(&rest).starts_with("HTTP/1.1 408"));
}

#[test]
fn the_preview_sends_production_security_headers_and_no_protocol_relative_redirects() {
    let site = Site::fixture("basic");
    let server = site.serve();
    let page = server.get("/about/");
    let csp = page.header("content-security-policy").unwrap_or_default();
    assert!(csp.contains("script-src 'self' 'sha256-"), "{csp}");
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert!(page.header("referrer-policy").is_some());
    let redirect = server.get("//about");
    assert_eq!(redirect.status, 301);
    assert_eq!(redirect.header("location"), Some("/about/"));
}

#[test]
fn stage_timings_are_printed_only_when_asked_for() {
    let site = Site::fixture("basic");
    let run = site.build_ok();
    assert!(!run.stderr.contains("load:"), "{}", run.stderr);
    let timed = site.vellum_with_env(&["build", "--now", NOW], &[("VELLUM_TIMINGS", "1")]);
    assert!(timed.stderr.contains("load:"), "{}", timed.stderr);
}

#[test]
fn diff_json_is_unambiguous_for_publish_scripts() {
    let site = Site::fixture("basic");
    site.build_ok();
    std::fs::copy(
        site.root.join("public.manifest.json"),
        site.root.join("old.json"),
    )
    .unwrap();
    site.remove("content/blog/third.md");
    site.build_ok();
    let run = site.vellum(&["diff", "old.json", "public.manifest.json", "--json"]);
    assert!(run.success, "{}", run.stderr);
    let diff: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let removed = diff["removed"].as_array().unwrap();
    assert!(
        removed.iter().any(|p| p == "blog/latest-news/index.html"),
        "{diff}"
    );
    assert!(Path::new(&site.root).join("public").is_dir());
}
