//! Storefront: products, prices, structured data, responsive images, data files, the
//! cookie table and shortcodes.

use crate::common::{Site, json_ld, json_ld_blocks, squeeze};

fn site() -> Site {
    Site::fixture_with_default_theme("shop")
}

#[test]
fn product_page_shows_gallery_price_specs_variants_and_related_products() {
    let site = site();
    site.build_ok();
    let page = squeeze(&site.output("products/watches/alpha/index.html"));
    assert!(page.contains("<p class=\"price\">$1,299.50</p>"), "{page}");
    // The colour picker: one radio button and one Buy link per colour, the link
    // carrying the colour (tests/browser/layout.mjs checks the picker in Chromium).
    assert!(
        page.contains("<legend>Colour</legend> <div class=\"variant-options\"> <label><input type=\"radio\" name=\"variant\" value=\"Black\" checked> Black</label> <label><input type=\"radio\" name=\"variant\" value=\"White\"> White</label>"),
        "{page}"
    );
    assert!(
        page.contains("<a class=\"button buy-variant\" href=\"https://checkout.shop.test/alpha?variant=White\">Buy<span class=\"variant-name\"> · White</span>"),
        "{page}"
    );
    let display = page.find("<th scope=\"row\">Display</th>").expect("specs");
    let battery = page.find("<th scope=\"row\">Battery</th>").expect("specs");
    assert!(display < battery, "specs keep their written order");
    assert!(
        page.contains("srcset=\"https://shop.test/products/watches/alpha-480w.png 480w, https://shop.test/products/watches/alpha-960w.png 960w, https://shop.test/products/watches/alpha.png 1000w\""),
        "{page}"
    );
    assert!(
        page.contains(
            "width=\"1000\" height=\"1000\" alt=\"Alpha watch, front\" fetchpriority=\"high\""
        ),
        "{page}"
    );
    assert!(
        page.contains("alt=\"Alpha watch, again\" loading=\"lazy\""),
        "the second image loads lazily: {page}"
    );
    // Related products are cards: picture, name, price, availability.
    assert!(
        page.contains(
            "sizes=\"(min-width: 40rem) 15rem, 45vw\" width=\"1000\" height=\"1000\" alt=\"\" loading=\"lazy\" decoding=\"async\"> <h3 class=\"product-card-title\"><a href=\"https://shop.test/products/watches/beta/\">Beta Watch</a></h3> <p class=\"price\">$99.00</p> <p class=\"availability availability-preorder\">Available to pre-order</p>"
        ),
        "{page}"
    );
    let beta = squeeze(&site.output("products/watches/beta/index.html"));
    assert!(beta.contains("Available to pre-order"), "{beta}");
    assert!(
        beta.contains("src=\"https://shop.test/img/beta.png\""),
        "static images work too: {beta}"
    );
}

#[test]
fn product_json_ld_has_what_rich_results_need_and_every_page_has_breadcrumbs() {
    let site = site();
    site.build_ok();
    let product = json_ld(&site.output("products/watches/alpha/index.html"), "Product");
    assert_eq!(product["@context"], "https://schema.org");
    assert_eq!(product["name"], "Alpha Watch");
    assert_eq!(product["sku"], "W-ALPHA");
    assert_eq!(product["brand"]["name"], "Fitbit");
    assert_eq!(
        product["image"][0],
        "https://shop.test/products/watches/alpha.png"
    );
    let offer = &product["offers"];
    assert_eq!(offer["@type"], "Offer");
    assert_eq!(offer["price"], "1299.50");
    assert_eq!(offer["priceCurrency"], "USD");
    assert_eq!(offer["availability"], "https://schema.org/InStock");
    let beta = json_ld(&site.output("products/watches/beta/index.html"), "Product");
    assert_eq!(
        beta["offers"]["availability"],
        "https://schema.org/PreOrder"
    );
    let gamma = json_ld(&site.output("products/bands/gamma/index.html"), "Product");
    assert_eq!(
        gamma["offers"]["availability"],
        "https://schema.org/OutOfStock"
    );
    let crumbs = json_ld(
        &site.output("products/watches/alpha/index.html"),
        "BreadcrumbList",
    );
    let names: Vec<&str> = crumbs["itemListElement"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["Fixture Shop", "Products", "Watches", "Alpha Watch"]
    );
    for page in ["index.html", "cookies/index.html", "products/index.html"] {
        let blocks = json_ld_blocks(&site.output(page));
        assert!(
            blocks.iter().any(|b| b["@type"] == "BreadcrumbList"),
            "{page}"
        );
    }
}

#[test]
fn catalog_is_pre_rendered_in_each_sort_order() {
    let site = site();
    site.build_ok();
    let order = |path: &str| {
        let page = site.output(path);
        let mut found: Vec<(usize, &str)> = ["Alpha Watch", "Beta Watch", "Gamma Band"]
            .iter()
            .map(|name| {
                (
                    page.find(&format!(">{name}</a>"))
                        .unwrap_or_else(|| panic!("{name} in {path}")),
                    *name,
                )
            })
            .collect();
        found.sort();
        found.into_iter().map(|(_, n)| n).collect::<Vec<_>>()
    };
    assert_eq!(
        order("products/index.html"),
        ["Alpha Watch", "Beta Watch", "Gamma Band"]
    );
    assert_eq!(
        order("products/price-low-to-high/index.html"),
        ["Gamma Band", "Beta Watch", "Alpha Watch"]
    );
    assert_eq!(
        order("products/price-high-to-low/index.html"),
        ["Alpha Watch", "Beta Watch", "Gamma Band"]
    );
    let sorted = site.output("products/price-low-to-high/index.html");
    assert!(
        sorted.contains("<link rel=\"canonical\" href=\"https://shop.test/products/\">"),
        "{sorted}"
    );
    assert!(
        sorted.contains("aria-current=\"page\">Price, low to high</a>"),
        "{sorted}"
    );
    let category = site.output("products/watches/index.html");
    assert!(
        category.contains("Alpha Watch")
            && category.contains("Beta Watch")
            && !category.contains("Gamma Band")
    );
}

#[test]
fn prices_follow_the_site_language() {
    let site = site();
    let config = site
        .read("site.toml")
        .replace("language = \"en\"", "language = \"de\"");
    site.write("site.toml", config);
    site.write(
        "content/products/bands/gamma.md",
        site.read("content/products/bands/gamma.md")
            .replace("currency = \"USD\"", "currency = \"EUR\""),
    );
    site.build_ok();
    assert!(
        site.output("products/watches/alpha/index.html")
            .contains("1.299,50\u{a0}$")
    );
    assert!(
        site.output("products/bands/gamma/index.html")
            .contains("19,95\u{a0}€")
    );
}

fn fails(site: &Site, location: &str, needle: &str) {
    site.build_fails(location, needle);
}

fn edit(site: &Site, path: &str, from: &str, to: &str) {
    let text = site.read(path);
    assert!(text.contains(from), "{from} not in {path}");
    site.write(path, text.replace(from, to));
}

const BETA: &str = "content/products/watches/beta.md";

#[test]
fn a_product_without_a_sku_is_an_error() {
    let site = site();
    edit(&site, BETA, "sku = \"W-BETA\"\n", "");
    fails(
        &site,
        "content/products/watches/beta.md:1",
        "this product has no `sku`",
    );
}

#[test]
fn an_unknown_currency_is_an_error_at_its_line() {
    let site = site();
    edit(&site, BETA, "currency = \"USD\"", "currency = \"DOLLARS\"");
    fails(
        &site,
        "content/products/watches/beta.md:6",
        "not an ISO 4217 currency code",
    );
}

#[test]
fn negative_malformed_and_float_prices_are_errors() {
    for (price, needle) in [
        ("\"-1.00\"", "negative"),
        ("\"12,50\"", "not a decimal number"),
        ("99.0", "invalid type: floating point"),
    ] {
        let site = site();
        edit(
            &site,
            BETA,
            "price = \"99.00\"",
            &format!("price = {price}"),
        );
        fails(&site, "content/products/watches/beta.md:5", needle);
    }
}

#[test]
fn a_missing_image_file_and_missing_alt_text_are_errors() {
    let site = site();
    edit(&site, BETA, "/img/beta.png", "/img/nope.png");
    fails(
        &site,
        "content/products/watches/beta.md:8",
        "image `/img/nope.png` does not exist",
    );
    let site = crate::storefront::site();
    edit(&site, BETA, "alt = \"Beta watch\"", "alt = \"\"");
    fails(
        &site,
        "content/products/watches/beta.md:8",
        "has no alt text",
    );
}

#[test]
fn a_duplicate_sku_is_an_error_naming_both_files() {
    let site = site();
    edit(
        &site,
        "content/products/bands/gamma.md",
        "sku = \"B-GAMMA\"",
        "sku = \"W-ALPHA\"",
    );
    fails(
        &site,
        "content/products/watches/alpha.md:5",
        "SKU `W-ALPHA` is also used by content/products/bands/gamma.md",
    );
}

#[test]
fn images_get_width_variants_that_are_cached_between_builds() {
    let site = site();
    site.build_ok();
    let small = image::open(site.root.join("public/products/watches/alpha-480w.png")).unwrap();
    assert_eq!((small.width(), small.height()), (480, 480));
    let cache = site.root.join(".vellum-cache/images");
    let stamp = |dir: &std::path::Path| {
        let mut files: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .flatten()
            .map(|e| (e.file_name(), e.metadata().unwrap().modified().unwrap()))
            .collect();
        files.sort();
        files
    };
    let before = stamp(&cache);
    assert_eq!(
        before.len(),
        9,
        "two widths for each of three images, and a mark that each decoded: {before:?}"
    );
    std::thread::sleep(std::time::Duration::from_millis(20));
    site.build_ok();
    assert_eq!(before, stamp(&cache), "a rebuild reuses the resized files");
    assert!(site.output_exists("products/watches/alpha-960w.png"));
}

#[test]
fn the_cookie_table_is_rendered_from_data_grouped_by_category() {
    let site = site();
    site.build_ok();
    let page = squeeze(&site.output("cookies/index.html"));
    let necessary = page
        .find("<caption id=\"cookies-strictly_necessary\">Strictly necessary cookies</caption>")
        .expect("necessary table");
    let analytics = page
        .find("<caption id=\"cookies-analytics\">Analytics cookies</caption>")
        .expect("analytics table");
    assert!(necessary < analytics);
    assert!(page.contains("<th scope=\"row\"><code>cart</code></th><td data-label=\"Set by\">Fixture Shop (first party)</td><td data-label=\"Purpose\">Remembers your basket.</td><td data-label=\"Lasts\">30 days</td>"), "{page}");
    assert!(page[analytics..].contains("<code>_ga</code>"), "{page}");
    assert!(
        !page.contains("Marketing cookies"),
        "empty categories are left out"
    );
}

#[test]
fn a_cookie_missing_a_field_is_an_error_with_file_and_line() {
    let site = site();
    edit(
        &site,
        "data/cookies.toml",
        "purpose = \"Counts visits.\"\n",
        "",
    );
    fails(&site, "data/cookies.toml:", "missing field `purpose`");
}

#[test]
fn data_files_reach_templates_and_bad_ones_name_their_line() {
    let site = site();
    edit(
        &site,
        "content/cookies.md",
        "## Cookies we set",
        "{{ stores() }}\n\n## Cookies we set",
    );
    site.build_ok();
    assert!(
        site.output("cookies/index.html")
            .contains("<li>Springfield: 555-0100</li>")
    );
    site.write("data/broken.json", "{\n  \"a\": 1,\n}\n");
    fails(&site, "data/broken.json:3", "trailing comma");
}

#[test]
fn shortcodes_render_inline_and_with_a_body_but_not_inside_code() {
    let site = site();
    site.build_ok();
    let home = squeeze(&site.output("index.html"));
    assert!(
        home.contains(
            "<aside class=\"product-card product-card-inline\" aria-label=\"Alpha Watch\">"
        ),
        "{home}"
    );
    assert!(home.contains("<p class=\"price\">$1,299.50</p>"), "{home}");
    assert!(
        home.contains("<code>{{ product_card(path=\"nope.md\") }}</code>"),
        "{home}"
    );
    let cookies = squeeze(&site.output("cookies/index.html"));
    assert!(
        cookies.contains("<aside class=\"callout callout-warning\" aria-label=\"Consent\">"),
        "{cookies}"
    );
    assert!(
        cookies.contains("need your <strong>consent</strong>"),
        "{cookies}"
    );
    assert!(
        cookies.contains("<a href=\"https://shop.test/products/\">the products</a>"),
        "{cookies}"
    );
}

#[test]
fn an_unknown_shortcode_is_an_error_at_its_line() {
    let site = site();
    edit(
        &site,
        "content/cookies.md",
        "## Cookies we set",
        "## Cookies we set\n\n{{ cookie_list() }}",
    );
    fails(
        &site,
        "content/cookies.md:6",
        "unknown shortcode `cookie_list`",
    );
}

#[test]
fn a_bad_shortcode_argument_is_an_error_at_its_line() {
    let site = site();
    edit(
        &site,
        "content/_index.md",
        "path=\"products/watches/alpha.md\"",
        "path=products/watches/alpha.md",
    );
    fails(
        &site,
        "content/_index.md:6",
        "shortcode: the value of `path`",
    );
    let site = crate::storefront::site();
    edit(
        &site,
        "content/_index.md",
        "products/watches/alpha.md\")",
        "products/watches/omega.md\")",
    );
    fails(
        &site,
        "content/_index.md:6",
        "there is no content/products/watches/omega.md",
    );
}

#[test]
fn the_home_page_shows_the_products_its_front_matter_features_as_cards() {
    let site = site();
    edit(
        &site,
        "content/_index.md",
        "title = \"Fixture Shop\"\n",
        "title = \"Fixture Shop\"\n[extra]\nfeatured = [\"products/watches/beta.md\", \"products/watches/alpha.md\"]\n",
    );
    site.build_ok();
    let home = squeeze(&site.output("index.html"));
    let grid = home
        .split("<h2 id=\"featured-title\">Featured products</h2>")
        .nth(1)
        .expect("a featured grid")
        .split("</ul>")
        .next()
        .unwrap();
    let beta = grid.find(">Beta Watch</a>").expect("beta featured");
    let alpha = grid.find(">Alpha Watch</a>").expect("alpha featured");
    assert!(beta < alpha, "in the order written: {grid}");
    assert!(grid.contains("<p class=\"price\">$99.00</p>"), "{grid}");
    assert!(grid.contains("Available to pre-order"), "{grid}");

    // A featured product that does not exist names the home page's file.
    edit(
        &site,
        "content/_index.md",
        "products/watches/beta.md",
        "products/watches/betta.md",
    );
    let run = site.build(&[]);
    assert!(!run.success);
    assert!(
        run.stderr.contains(
            "get_page: there is no content/products/watches/betta.md (did you mean products/watches/beta.md?)"
        ),
        "{}",
        run.stderr
    );
}

#[test]
fn each_colour_buys_itself_with_the_colour_in_the_checkout_address() {
    let site = site();
    edit(
        &site,
        "content/products/watches/alpha.md",
        "variants = [\"Black\", \"White\"]",
        "variants = [\"Rosé & Gold\", \"White\"]",
    );
    let alpha = site.read("content/products/watches/alpha.md");
    let buy = alpha
        .lines()
        .find(|l| l.starts_with("buy_url"))
        .expect("alpha has a buy_url")
        .to_string();
    edit(
        &site,
        "content/products/watches/alpha.md",
        &buy,
        "buy_url = \"https://checkout.shop.test/add?sku=W-ALPHA\"",
    );
    site.build_ok();
    let page = squeeze(&site.output("products/watches/alpha/index.html"));
    assert!(
        page.contains(
            "href=\"https://checkout.shop.test/add?sku=W-ALPHA&amp;variant=Ros%C3%A9%20%26%20Gold\""
        ),
        "{page}"
    );
    assert!(
        page.contains("value=\"Rosé &amp; Gold\" checked> Rosé &amp; Gold</label>"),
        "{page}"
    );
}
