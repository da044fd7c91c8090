//! Every kind of bad input fails the build with a message that names the file and line,
//! and leaves the previous output exactly as it was.

use crate::common::Site;

/// Builds the fixture once, lets `break_it` damage it, builds again and checks that the
/// build failed at `location` (`path:line`) with `needle` in the message, and that the
/// previous `public/` is untouched. Returns the messages.
fn fails_at(break_it: impl FnOnce(&Site), location: &str, needle: &str) -> String {
    Site::fixture("basic").fails_keeping_output(break_it, location, needle)
}

#[test]
fn broken_toml_front_matter_names_file_and_line() {
    let stderr = fails_at(
        |s| {
            s.write(
                "content/about.md",
                "+++\ntitle = \"About\nweight = 1\n+++\nBody\n",
            )
        },
        "content/about.md:2",
        "front matter",
    );
    assert!(
        stderr.contains("title = \"About"),
        "the offending line is shown:\n{stderr}"
    );
}

#[test]
fn broken_yaml_front_matter_names_file_and_line() {
    fails_at(
        |s| {
            s.write(
                "content/blog/second.md",
                "---\ntitle: Second\ndate: [2026\n---\nBody\n",
            )
        },
        "content/blog/second.md:",
        "front matter",
    );
}

#[test]
fn unclosed_front_matter_names_file_and_line() {
    fails_at(
        |s| s.write("content/about.md", "+++\ntitle = \"About\"\n\nBody\n"),
        "content/about.md:1",
        "never closed",
    );
}

#[test]
fn wrong_field_type_names_file_and_line() {
    fails_at(
        |s| {
            s.write(
                "content/about.md",
                "+++\ntitle = \"About\"\nweight = \"heavy\"\n+++\n",
            )
        },
        "content/about.md:3",
        "invalid type",
    );
}

#[test]
fn unknown_field_names_file_and_line() {
    fails_at(
        |s| {
            s.write(
                "content/about.md",
                "+++\ntitle = \"About\"\ntitel = \"x\"\n+++\n",
            )
        },
        "content/about.md:3",
        "titel",
    );
}

/// Each kind of file takes its own fields: a product's `price` on a plain page, a policy
/// version's `summary` on a section, a section's `sort_by` on a page. Every misplaced
/// field is reported in one build, each at its line, with the kind it belongs to.
#[test]
fn a_field_of_another_kind_names_the_kind_it_belongs_to() {
    let stderr = fails_at(
        |s| {
            s.write(
                "content/about.md",
                "+++\ntitle = \"About\"\nprice = \"9.99\"\n+++\n",
            );
            s.write(
                "content/blog/_index.md",
                "---\ntitle: Blog\nsummary: All our news\n---\n",
            );
            s.write(
                "content/blog/first.md",
                "+++\ntitle = \"First\"\n\nsort_by = \"date\"\n+++\n",
            );
        },
        "content/about.md:3",
        "`price` only applies to products",
    );
    assert!(stderr.contains("content/blog/_index.md:3"), "{stderr}");
    assert!(
        stderr.contains("`summary` only applies to policy versions"),
        "{stderr}"
    );
    assert!(stderr.contains("content/blog/first.md:4"), "{stderr}");
    assert!(
        stderr.contains("`sort_by` only applies to sections"),
        "{stderr}"
    );
}

#[test]
fn bad_date_names_file_and_line() {
    fails_at(
        |s| {
            s.write(
                "content/blog/first.md",
                "+++\ntitle = \"First\"\ndate = \"2026-02-30\"\n+++\n",
            )
        },
        "content/blog/first.md:3",
        "not a valid date",
    );
}

#[test]
fn unknown_template_names_file_and_line() {
    fails_at(
        |s| {
            s.write(
                "content/about.md",
                "+++\ntitle = \"About\"\n\ntemplate = \"fancy.html\"\n+++\n",
            )
        },
        "content/about.md:4",
        "unknown template `fancy.html`",
    );
}

#[test]
fn template_syntax_error_names_template_and_line() {
    fails_at(
        |s| {
            s.write("templates/page.html", "{% extends \"base.html\" %}\n{% block content %}\n{{ page.title | }}\n{% endblock content %}\n")
        },
        "templates/page.html:3",
        "template syntax error",
    );
}

#[test]
fn template_render_error_names_template_line_and_page() {
    let stderr = fails_at(
        |s| {
            s.write("templates/page.html", "{% extends \"base.html\" %}\n{% block content %}\n<p>{{ page.extra.missing_value }}</p>\n{% endblock content %}\n")
        },
        "templates/page.html:3",
        "missing_value",
    );
    assert!(stderr.contains("while rendering content/"), "{stderr}");
}

#[test]
fn non_utf8_file_names_file_and_line() {
    fails_at(
        |s| {
            s.write(
                "content/about.md",
                b"+++\ntitle = \"About\"\n+++\n\nCaf\xe9 au lait\n".as_slice(),
            )
        },
        "content/about.md:5",
        "not valid UTF-8",
    );
}

#[test]
fn dangling_link_is_named_with_its_target() {
    fails_at(
        |s| {
            #[cfg(unix)]
            std::os::unix::fs::symlink("nowhere.md", s.root.join("content/ghost.md")).unwrap();
        },
        "content/ghost.md",
        "this is a link to nowhere.md, which does not exist",
    );
}

#[test]
fn two_pages_with_one_url_are_both_named() {
    let stderr = fails_at(
        |s| {
            s.write(
                "content/blog/copy.md",
                "+++\ntitle = \"Copy\"\nslug = \"first\"\n+++\n",
            )
        },
        "content/blog/copy.md:3",
        "same URL /blog/first/",
    );
    assert!(stderr.contains("as content/blog/first.md"), "{stderr}");
}

#[test]
fn slug_that_climbs_out_of_the_output_is_rejected() {
    fails_at(
        |s| {
            s.write(
                "content/about.md",
                "+++\ntitle = \"About\"\nslug = \"../../x\"\n+++\n",
            )
        },
        "content/about.md:3",
        "would write outside",
    );
}

#[test]
fn missing_link_target_names_file_and_line() {
    fails_at(
        |s| {
            s.write(
                "content/about.md",
                "+++\ntitle = \"About\"\n+++\n\nSee the [terms](@/policies/terms.md).\n",
            )
        },
        "content/about.md:5",
        "no content/policies/terms.md",
    );
}

#[test]
fn missing_anchor_names_file_and_line() {
    fails_at(
        |s| {
            s.write(
                "content/blog/first.md",
                "+++\ntitle = \"First\"\n+++\n\n[x](@/about.md#nope)\n",
            )
        },
        "content/blog/first.md:5",
        "no heading with id `nope`",
    );
}

#[test]
fn bad_site_settings_name_the_line() {
    fails_at(
        |s| {
            let config = std::fs::read_to_string(s.root.join("site.toml")).unwrap();
            s.write(
                "site.toml",
                config.replace("minify = false", "minify = \"no\""),
            );
        },
        "site.toml:6",
        "invalid type",
    );
}

#[test]
fn every_problem_of_a_build_is_reported_together() {
    let stderr = fails_at(
        |s| {
            s.write("content/about.md", "+++\ntitle = 1\n+++\n");
            s.write("content/blog/first.md", "+++\ndate = \"soon\"\n+++\n");
        },
        "content/about.md:2",
        "content/blog/first.md:2",
    );
    assert!(stderr.contains("Build failed with 2 errors"), "{stderr}");
}

#[test]
fn a_broken_link_is_reported_in_the_same_run_as_broken_front_matter() {
    let site = Site::fixture("basic");
    site.write("content/about.md", "+++\ntitle = 1\n+++\nAbout.\n");
    site.write(
        "content/contact.md",
        "+++\ntitle = \"Contact\"\n+++\nSee [us](@/about.md) and [the shop](@/shpo.md).\n",
    );
    let run = site.build(&[]);
    assert!(!run.success);
    assert!(run.stderr.contains("content/about.md:2"), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("link to `@/shpo.md` goes nowhere: there is no content/shpo.md"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("content/contact.md:4"),
        "{}",
        run.stderr
    );
    // The page whose front matter is broken exists: a link to it is not broken.
    assert!(!run.stderr.contains("`@/about.md`"), "{}", run.stderr);
    assert!(
        run.stderr.contains("Build failed with 2 errors"),
        "{}",
        run.stderr
    );
}

#[test]
fn output_folder_cannot_be_the_site_itself() {
    let site = Site::fixture("basic");
    let run = site.build(&["--output", "."]);
    assert!(!run.success);
    assert!(
        run.stderr.contains("overwrite the site's own files"),
        "{}",
        run.stderr
    );
    assert!(site.root.join("content/about.md").exists());
}

#[test]
fn garbled_text_is_a_warning_with_file_and_line() {
    let site = Site::fixture("basic");
    // The seed privacy policy ends with the encoding artifact editors paste in.
    let seed = include_str!("../fixtures/seed-privacy-policy.txt");
    site.write(
        "content/seed.md",
        format!("+++\ntitle = \"Seed\"\n+++\n\n{seed}"),
    );
    let run = site.build(&[]);
    assert!(
        run.success,
        "a warning must not fail the build:\n{}",
        run.stderr
    );
    let line = 4 + seed.lines().count();
    assert!(
        run.stderr.contains(&format!("content/seed.md:{line}")),
        "line {line} in:\n{}",
        run.stderr
    );
    assert!(run.stderr.contains("non-breaking space"), "{}", run.stderr);
}

#[test]
fn two_files_for_one_output_path_are_an_error() {
    fails_at(
        |s| s.write("content/style.css", "body { color: red; }"),
        "content/style.css",
        "would be written to /style.css",
    );
}

#[test]
fn a_file_name_without_letters_is_an_error() {
    fails_at(
        |s| s.write("content/blog/_.md", "+++\ntitle = \"x\"\n+++\n"),
        "content/blog/_.md",
        "empty URL",
    );
}

#[test]
fn unknown_filter_or_function_in_a_template_names_template_and_line() {
    fails_at(
        |s| {
            s.write("templates/page.html", "{% extends \"base.html\" %}\n{% block content %}\n<p>{{ page.title | shout }}</p>\n<p>{{ weather() }}</p>\n{% endblock content %}\n")
        },
        "templates/page.html:3",
        "shout",
    );
}

#[test]
fn an_include_of_a_missing_template_names_template_and_line() {
    fails_at(
        |s| {
            s.write("templates/page.html", "{% extends \"base.html\" %}\n{% block content %}\n{% include \"sidebar.html\" %}\n{% endblock content %}\n")
        },
        "templates/page.html:3",
        "sidebar.html",
    );
}

/// The mistakes editors make most, in their words with the fix: quotes made curly by a
/// word processor, YAML's `key: value` between TOML's `+++` lines, an empty kind of change.
#[test]
fn curly_quotes_are_named_with_the_straight_ones_to_type() {
    let run = fails_at(
        |s| {
            s.write(
                "content/about.md",
                "+++\ntitle = \u{201c}About us\u{201d}\n+++\n",
            )
        },
        "content/about.md:2",
        "curly quotes",
    );
    assert!(run.contains("title = \"About us\""), "{run}");
}

#[test]
fn yaml_settings_between_toml_fences_are_explained() {
    let run = fails_at(
        |s| s.write("content/about.md", "+++\ntitle: About us\n+++\n"),
        "content/about.md:2",
        "written the YAML way",
    );
    assert!(run.contains("write title = \"About us\""), "{run}");
}

#[test]
fn a_value_that_is_not_allowed_lists_the_ones_that_are() {
    let run = fails_at(
        |s| {
            s.write("content/about.md", "+++\ntitle = \"About\"\n[extra]\n+++\n");
            s.write(
                "site.toml",
                s.read("site.toml") + "\n[markdown]\nraw_html = \"sometimes\"\n",
            );
        },
        "site.toml",
        "`sometimes` is not a value `raw_html` takes",
    );
    assert!(
        run.contains("write raw_html = \"allow\" or raw_html = \"escape\""),
        "{run}"
    );
}

#[test]
fn a_misspelt_setting_in_site_toml_is_named_with_the_one_meant() {
    let run = fails_at(
        |s| {
            s.write(
                "site.toml",
                s.read("site.toml")
                    .replace("minify = false", "minfy = false"),
            )
        },
        "site.toml:6",
        "unknown setting `minfy`",
    );
    assert!(run.contains("did you mean `minify`?"), "{run}");
}

#[test]
fn a_misspelt_link_or_template_names_the_one_meant() {
    let run = fails_at(
        |s| {
            s.write(
                "content/blog/first.md",
                s.read("content/blog/first.md") + "\nSee [about us](@/abuot.md).\n",
            );
            s.write(
                "content/about.md",
                s.read("content/about.md")
                    .replacen("+++\n", "+++\ntemplate = \"pgae.html\"\n", 1),
            );
        },
        "content/blog/first.md",
        "link to `@/abuot.md` goes nowhere",
    );
    assert!(run.contains("did you mean @/about.md?"), "{run}");
    assert!(run.contains("did you mean `page.html`?"), "{run}");
}
