//! `vellum init`: writes a new site that builds at once, with the default theme.

use std::path::Path;

/// The default theme, compiled into the binary so that `init` works anywhere.
/// A test checks this list against `themes/default/` so the two never drift apart.
pub const DEFAULT_THEME: &[(&str, &str)] = &[
    (
        "i18n/de.toml",
        include_str!("../themes/default/i18n/de.toml"),
    ),
    (
        "i18n/en.toml",
        include_str!("../themes/default/i18n/en.toml"),
    ),
    (
        "static/policy-date.js",
        include_str!("../themes/default/static/policy-date.js"),
    ),
    (
        "static/redline.js",
        include_str!("../themes/default/static/redline.js"),
    ),
    (
        "static/style.css",
        include_str!("../themes/default/static/style.css"),
    ),
    (
        "templates/404.html",
        include_str!("../themes/default/templates/404.html"),
    ),
    (
        "templates/atom.xml",
        include_str!("../themes/default/templates/atom.xml"),
    ),
    (
        "templates/base.html",
        include_str!("../themes/default/templates/base.html"),
    ),
    (
        "templates/catalog.html",
        include_str!("../themes/default/templates/catalog.html"),
    ),
    (
        "templates/category.html",
        include_str!("../themes/default/templates/category.html"),
    ),
    (
        "templates/changelog.html",
        include_str!("../themes/default/templates/changelog.html"),
    ),
    (
        "templates/index.html",
        include_str!("../themes/default/templates/index.html"),
    ),
    (
        "templates/components.html",
        include_str!("../themes/default/templates/components.html"),
    ),
    (
        "templates/page.html",
        include_str!("../themes/default/templates/page.html"),
    ),
    (
        "templates/policies.html",
        include_str!("../themes/default/templates/policies.html"),
    ),
    (
        "templates/policy-changes.html",
        include_str!("../themes/default/templates/policy-changes.html"),
    ),
    (
        "templates/policy-compare.html",
        include_str!("../themes/default/templates/policy-compare.html"),
    ),
    (
        "templates/policy-version.html",
        include_str!("../themes/default/templates/policy-version.html"),
    ),
    (
        "templates/policy.html",
        include_str!("../themes/default/templates/policy.html"),
    ),
    (
        "templates/product.html",
        include_str!("../themes/default/templates/product.html"),
    ),
    (
        "templates/section.html",
        include_str!("../themes/default/templates/section.html"),
    ),
    (
        "templates/shortcodes/callout.html",
        include_str!("../themes/default/templates/shortcodes/callout.html"),
    ),
    (
        "templates/shortcodes/cookie_table.html",
        include_str!("../themes/default/templates/shortcodes/cookie_table.html"),
    ),
    (
        "templates/shortcodes/product_card.html",
        include_str!("../themes/default/templates/shortcodes/product_card.html"),
    ),
    (
        "templates/version-history.html",
        include_str!("../themes/default/templates/version-history.html"),
    ),
    (
        "templates/version-neighbours.html",
        include_str!("../themes/default/templates/version-neighbours.html"),
    ),
];

const STARTER: &[(&str, &str)] = &[
    (
        "site.toml",
        r#"title = "My Shop"
base_url = "https://shop.example.com"
description = "Products and policies"
default_language = "en"
theme = "default"
minify = true

[markdown]
smart_punctuation = true
heading_anchors = true

[extra]
footer_note = "Questions? Write to hello@shop.example.com."

[[extra.menu]]
name = "About"
url = "@/about.md"

[[extra.footer_links]]
name = "About"
url = "@/about.md"
"#,
    ),
    (
        "content/_index.md",
        "+++\ntitle = \"Welcome\"\ndescription = \"Our shop\"\n+++\n\nWelcome to the shop. Read [about us](@/about.md).\n",
    ),
    (
        "content/about.md",
        "+++\ntitle = \"About us\"\ndescription = \"Who we are\"\n+++\n\n## Who we are\n\nA small shop.\n",
    ),
    (
        "content/policies/_index.md",
        "+++\ntitle = \"Policies\"\ntemplate = \"policies.html\"\n+++\n\nThe rules we follow.\n",
    ),
    (
        "content/policies/privacy/2026-01-01.md",
        "+++\ntitle = \"Privacy Policy\"\ndescription = \"How we handle your data\"\n+++\n\n## What we collect\n\nOnly what we need to ship your order.\n",
    ),
    (
        ".gitignore",
        "/public\n/public.manifest.json\n/.public.*\n/.vellum-cache\n",
    ),
];

/// Creates a new site in `dir`, which must be empty or not exist yet.
pub fn init(dir: &Path) -> Result<usize, String> {
    if dir.exists() {
        let mut entries =
            std::fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
        if entries.next().is_some() {
            return Err(format!(
                "{} is not empty: choose a new folder",
                dir.display()
            ));
        }
    }
    let theme = DEFAULT_THEME
        .iter()
        .map(|(path, text)| (format!("themes/default/{path}"), *text));
    let starter = STARTER.iter().map(|(path, text)| (path.to_string(), *text));
    let mut written = 0;
    for (path, text) in starter.chain(theme) {
        let target = dir.join(&path);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
        }
        std::fs::write(&target, text)
            .map_err(|e| format!("cannot write {}: {e}", target.display()))?;
        written += 1;
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_theme_matches_themes_default() {
        let theme_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("themes/default");
        let mut on_disk: Vec<String> = walkdir::WalkDir::new(&theme_dir)
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_file())
            .map(|e| {
                e.path()
                    .strip_prefix(&theme_dir)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/")
            })
            .collect();
        on_disk.sort();
        let mut embedded: Vec<&str> = DEFAULT_THEME.iter().map(|(p, _)| *p).collect();
        embedded.sort_unstable();
        assert_eq!(
            on_disk, embedded,
            "add new theme files to DEFAULT_THEME in src/init.rs"
        );
    }
}
