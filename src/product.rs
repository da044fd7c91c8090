//! Products: the storefront pages under `content/products/<category>/`, their checks,
//! price formatting and structured data.

use std::collections::HashMap;

use iso_currency::Currency;
use serde::Serialize;
use serde_json::json;

use crate::content::front_matter::{Availability, ProductFront, Spec};
use crate::diagnostic::Diagnostics;
use crate::images::Processed;
use crate::site::{Page, Site};

/// `products/<category>/<product>.md`: product pages are found by where they live.
pub fn is_product(relative: &str) -> bool {
    let parts: Vec<&str> = relative.split('/').collect();
    parts.len() == 3
        && parts[0] == "products"
        && parts[2] != "_index.md"
        && parts[2].ends_with(".md")
}

/// A price checked against its currency: `199.95` in USD.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Price {
    /// In the currency's minor unit (cents), for sorting.
    pub minor: u64,
    /// The decimal text with exactly the currency's number of decimals: `199.95`.
    pub amount: String,
    pub currency: Currency,
}

impl Price {
    /// Parses a decimal string such as `199.95` (never a float) for `currency`.
    pub fn parse(text: &str, code: &str) -> Result<Price, String> {
        let currency = Currency::from_code(code).ok_or_else(|| {
            format!("`{code}` is not an ISO 4217 currency code (such as USD, EUR, GBP)")
        })?;
        let decimals = u32::from(currency.exponent().unwrap_or(0));
        let text = text.trim();
        if text.starts_with('-') {
            return Err(format!("price `{text}` is negative"));
        }
        let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
        let digits = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
        if !digits(whole) || (!fraction.is_empty() && !digits(fraction)) || text.ends_with('.') {
            return Err(format!(
                "price `{text}` is not a decimal number such as \"199.95\""
            ));
        }
        if fraction.len() > decimals as usize {
            return Err(format!(
                "price `{text}` has more than {decimals} decimals for {code}"
            ));
        }
        let fraction = format!("{fraction:0<width$}", width = decimals as usize);
        let minor = format!("{whole}{fraction}")
            .parse::<u64>()
            .map_err(|_| format!("price `{text}` is too large"))?;
        let amount = if decimals == 0 {
            whole.trim_start_matches('0').to_string()
        } else {
            format!("{}.{fraction}", whole.parse::<u64>().unwrap_or(0))
        };
        let amount = if amount.is_empty() {
            "0".to_string()
        } else {
            amount
        };
        Ok(Price {
            minor,
            amount,
            currency,
        })
    }

    /// The price as a shopper of `language` reads it: `$1,299.95` (en), `1.299,95 €` (de),
    /// `1 299,95 €` (fr), from CLDR (see [`crate::locale`]).
    pub fn format(&self, language: &str) -> String {
        let exponent = self.currency.exponent().unwrap_or(0) as u8;
        crate::locale::format_price(language, self.minor, self.currency.code(), exponent)
            .unwrap_or_else(|_| format!("{} {}", self.amount, self.currency.code()))
    }
}

/// Checks every product: required fields, price and currency, images with alt text
/// that exist, and SKUs unique across the shop.
pub fn check(site: &Site, images: &HashMap<String, Processed>) -> Diagnostics {
    let mut diagnostics = Diagnostics::default();
    let mut skus: HashMap<&str, &Page> = HashMap::new();
    for (page, front) in site.pages.iter().filter_map(|p| Some((p, p.product()?))) {
        let file = &page.file;
        let missing = |key: &str| {
            file.error_at_key(key, format!("this product has no `{key}`"))
                .with_help(format!(
                    "add `{key}` to the front matter (see README, Products)"
                ))
        };
        for (key, present) in [
            ("name", front.name.is_some()),
            ("sku", front.sku.is_some()),
            ("price", front.price.is_some()),
            ("currency", front.currency.is_some()),
            ("availability", front.availability.is_some()),
        ] {
            if !present {
                diagnostics.push(missing(key));
            }
        }
        if let (Some(price), Some(currency)) = (&front.price, &front.currency)
            && let Err(why) = Price::parse(price, currency)
        {
            let key = if why.contains("currency") {
                "currency"
            } else {
                "price"
            };
            diagnostics.push(file.error_at_key(key, why).with_help(
                "write the price as a string, e.g. price = \"199.95\", with an ISO 4217 currency",
            ));
        }
        if front.images.is_empty() {
            diagnostics.push(missing("images"));
        }
        for image in &front.images {
            if image.alt.trim().is_empty() {
                diagnostics.push(
                    file.error_at_text(&image.src, "images", format!("image `{}` has no alt text", image.src))
                        .with_help("describe the photo for people who cannot see it, e.g. alt = \"Fitbit Sense 2 in black\""),
                );
            }
            if !images.contains_key(&image_key(page, &image.src)) {
                diagnostics.push(
                    file.error_at_text(&image.src, "images", format!("image `{}` does not exist", image.src))
                        .with_help("put the image beside the product's file, or in static/ and write src = \"/path\""),
                );
            }
        }
        if let Some(sku) = front.sku.as_deref()
            && let Some(first) = skus.insert(sku, page)
        {
            diagnostics.push(
                file.error_at_key(
                    "sku",
                    format!(
                        "SKU `{sku}` is also used by {}",
                        first.file.display_path.display()
                    ),
                )
                .with_help("every product needs its own SKU"),
            );
        }
    }

    diagnostics
}

/// The output path of an image a product names: relative to the product's file, or
/// absolute from the site root.
pub fn image_key(page: &Page, src: &str) -> String {
    if let Some(absolute) = src.strip_prefix('/') {
        return absolute.to_string();
    }
    // A product page `/products/watches/sense-2/` comes from a file in
    // `/products/watches/`, where its images live.
    let folder = page
        .path
        .trim_end_matches('/')
        .rsplit_once('/')
        .map_or("", |(f, _)| f);
    format!("{}/{src}", folder.trim_start_matches('/'))
        .trim_start_matches('/')
        .to_string()
}

/// A product as templates see it (`page.product`).
#[derive(Debug, Serialize)]
pub struct ProductView<'a> {
    pub name: &'a str,
    pub sku: &'a str,
    pub brand: Option<&'a str>,
    /// The decimal amount: `199.95`.
    pub price: String,
    /// For the shopper: `$199.95`.
    pub price_formatted: String,
    pub currency: &'a str,
    pub availability: Option<Availability>,
    pub availability_label: &'static str,
    pub images: Vec<ImageView<'a>>,
    pub specs: &'a [Spec],
    pub variants: &'a [String],
    pub buy_url: Option<&'a str>,
    /// Each variant with the address that buys it: `buy_url` with `variant=` and the
    /// variant's name (empty without a `buy_url`). The theme's colour picker shows the
    /// Buy button of the chosen one, without JavaScript.
    pub variant_buy_urls: Vec<VariantBuy<'a>>,
    /// schema.org `Product` JSON-LD, safe inside `<script type="application/ld+json">`
    /// (on the product's own page only).
    pub json_ld: String,
    /// Up to four other products of the same category, nearest in the listing order
    /// (on the product's own page only).
    pub related: Vec<Related<'a>>,
}

/// One variant of a product and the address that buys it.
#[derive(Debug, Serialize)]
pub struct VariantBuy<'a> {
    pub name: &'a str,
    pub buy_url: String,
}

/// `buy_url` with the variant's name as the query parameter `variant`, so the checkout
/// receives the shopper's choice (the way Shopify's and most carts' "add" links take it).
fn variant_buy_urls<'a>(front: &'a ProductFront) -> Vec<VariantBuy<'a>> {
    let Some(buy_url) = front.buy_url.as_deref() else {
        return Vec::new();
    };
    let join = if buy_url.contains('?') { '&' } else { '?' };
    front
        .variants
        .iter()
        .map(|name| {
            let value =
                percent_encoding::utf8_percent_encode(name, percent_encoding::NON_ALPHANUMERIC);
            VariantBuy {
                name,
                buy_url: format!("{buy_url}{join}variant={value}"),
            }
        })
        .collect()
}

/// A product worth showing beside another, as a card: picture, price and availability.
#[derive(Debug, Serialize)]
pub struct Related<'a> {
    pub name: &'a str,
    pub permalink: String,
    pub description: Option<&'a str>,
    pub price_formatted: String,
    pub availability: Option<Availability>,
    /// The product's first picture.
    pub image: Option<ImageView<'a>>,
}

/// How large a product card's picture is drawn: two cards a row on phones, 15rem
/// columns on wider screens (the theme's `.product-grid`).
const CARD_SIZES: &str = "(min-width: 40rem) 15rem, 45vw";

/// How many related products a product page shows.
const RELATED: usize = 4;

/// The products nearest to `page` in its category's order, without `page` itself.
fn related<'a>(site: &'a Site, page: &'a Page) -> Vec<Related<'a>> {
    let Some(section) = page.parent.map(|p| &site.pages[p]) else {
        return Vec::new();
    };
    let list = &section.pages;
    let at = list
        .iter()
        .position(|&i| std::ptr::eq(&*site.pages[i], page))
        .unwrap_or(0);
    let start = at
        .saturating_sub(RELATED / 2)
        .min(list.len().saturating_sub(RELATED + 1));
    list[start..]
        .iter()
        .map(|&i| &*site.pages[i])
        .filter(|p| !std::ptr::eq(*p, page) && p.product().is_some())
        .take(RELATED)
        .filter_map(|p| {
            let front = p.product()?;
            let price = Price::parse(front.price.as_deref()?, front.currency.as_deref()?).ok()?;
            Some(Related {
                name: front.name.as_deref().unwrap_or(p.title()),
                permalink: site.permalink(&p.path),
                description: p.file.front_matter.description(),
                price_formatted: price.format(page.lang()),
                availability: front.availability,
                image: images(site, p, front).next().map(|image| ImageView {
                    sizes: CARD_SIZES,
                    ..image
                }),
            })
        })
        .collect()
}

/// A product's pictures, resized: the largest file as `src`, every width in `srcset`.
/// Lazy, so that a related product's card builds its first picture only.
fn images<'a>(
    site: &'a Site,
    page: &'a Page,
    front: &'a ProductFront,
) -> impl Iterator<Item = ImageView<'a>> + 'a {
    front.images.iter().filter_map(|image| {
        let processed = site.images.get(&image_key(page, &image.src))?;
        let srcset = processed
            .variants
            .iter()
            .map(|(width, path)| format!("{} {width}w", site.permalink(&format!("/{path}"))))
            .collect::<Vec<_>>()
            .join(", ");
        Some(ImageView {
            src: site.permalink(&format!("/{}", processed.path)),
            alt: &image.alt,
            width: processed.width,
            height: processed.height,
            srcset,
            sizes: "(min-width: 60rem) 28rem, (min-width: 40rem) 45vw, 90vw",
        })
    })
}

/// A responsive image: the largest file as `src`, smaller widths in `srcset`.
#[derive(Debug, Serialize)]
pub struct ImageView<'a> {
    pub src: String,
    pub alt: &'a str,
    pub width: u32,
    pub height: u32,
    pub srcset: String,
    pub sizes: &'static str,
}

impl<'a> ProductView<'a> {
    /// `full` adds what only the product's own page shows: JSON-LD and related products.
    pub fn new(site: &'a Site, page: &'a Page, full: bool) -> Option<ProductView<'a>> {
        let front = page.product()?;
        let price = Price::parse(front.price.as_deref()?, front.currency.as_deref()?).ok()?;
        let images: Vec<ImageView> = images(site, page, front).collect();
        let availability_label = match front.availability {
            Some(Availability::InStock) => "In stock",
            Some(Availability::OutOfStock) => "Out of stock",
            Some(Availability::Preorder) => "Available to pre-order",
            None => "",
        };
        let (json_ld, related) = if full {
            (
                product_json_ld(site, page, front, &price, &images),
                related(site, page),
            )
        } else {
            (String::new(), Vec::new())
        };
        Some(ProductView {
            name: front.name.as_deref().unwrap_or(page.title()),
            sku: front.sku.as_deref().unwrap_or(""),
            brand: front.brand.as_deref(),
            price_formatted: price.format(page.lang()),
            price: price.amount.clone(),
            currency: front.currency.as_deref().unwrap_or(""),
            availability: front.availability,
            availability_label,
            images,
            specs: &front.specs,
            variants: &front.variants,
            buy_url: front.buy_url.as_deref(),
            variant_buy_urls: variant_buy_urls(front),
            json_ld,
            related,
        })
    }
}

/// The fields Google's product rich results need: name, image, description, sku, brand
/// and an `Offer` with price, currency, availability and URL.
fn product_json_ld(
    site: &Site,
    page: &Page,
    front: &ProductFront,
    price: &Price,
    images: &[ImageView],
) -> String {
    let availability = match front.availability {
        Some(Availability::OutOfStock) => "https://schema.org/OutOfStock",
        Some(Availability::Preorder) => "https://schema.org/PreOrder",
        _ => "https://schema.org/InStock",
    };
    let url = site.permalink(&page.path);
    let mut product = json!({
        "@context": "https://schema.org",
        "@type": "Product",
        "name": front.name.as_deref().unwrap_or(page.title()),
        "image": images.iter().map(|i| i.src.clone()).collect::<Vec<_>>(),
        "sku": front.sku,
        "url": url,
        "offers": {
            "@type": "Offer",
            "url": url,
            "price": price.amount,
            "priceCurrency": price.currency.code(),
            "availability": availability,
            "itemCondition": "https://schema.org/NewCondition",
        },
    });
    if let Some(description) = &front.description {
        product["description"] = json!(description);
    }
    if let Some(brand) = &front.brand {
        product["brand"] = json!({ "@type": "Brand", "name": brand });
    }
    safe_json(&product)
}

/// The orders a catalog is pre-rendered in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CatalogOrder {
    /// By category, then by weight: the shop's own order.
    Featured,
    PriceLowToHigh,
    PriceHighToLow,
}

impl CatalogOrder {
    /// The sorted pages' folder under the catalog (none for the featured order).
    pub fn slug(self) -> &'static str {
        match self {
            CatalogOrder::Featured => "",
            CatalogOrder::PriceLowToHigh => "price-low-to-high/",
            CatalogOrder::PriceHighToLow => "price-high-to-low/",
        }
    }
}

/// Every product under `section` (at any depth), in `order`.
pub fn catalog(site: &Site, section: &Page, order: CatalogOrder) -> Vec<usize> {
    let folder = section.file.relative.trim_end_matches("_index.md");
    let weight = |p: &Page| p.front_matter().weight().unwrap_or(i64::MAX);
    let category_weight = |p: &Page| p.parent.map_or(i64::MAX, |s| weight(&site.pages[s]));
    let price = |p: &Page| {
        let front = p.product();
        Price::parse(
            front.and_then(|f| f.price.as_deref()).unwrap_or(""),
            front.and_then(|f| f.currency.as_deref()).unwrap_or(""),
        )
        .map_or(u64::MAX, |p| p.minor)
    };
    let mut products: Vec<usize> = (0..site.pages.len())
        .filter(|&i| {
            let p = &site.pages[i];
            p.product().is_some() && p.file.relative.starts_with(folder)
        })
        .collect();
    products.sort_by(|&a, &b| {
        let (a, b) = (&site.pages[a], &site.pages[b]);
        let featured = (category_weight(a), weight(a), &a.file.relative).cmp(&(
            category_weight(b),
            weight(b),
            &b.file.relative,
        ));
        match order {
            CatalogOrder::Featured => featured,
            CatalogOrder::PriceLowToHigh => price(a).cmp(&price(b)).then(featured),
            CatalogOrder::PriceHighToLow => price(b).cmp(&price(a)).then(featured),
        }
    });
    products
}

/// schema.org `BreadcrumbList` for a page: home, its sections, itself.
pub fn breadcrumbs_json_ld(site: &Site, page: &Page) -> String {
    let mut trail: Vec<&Page> = site.ancestors(page);
    trail.push(page);
    let trail: Vec<(String, String)> = trail
        .iter()
        .map(|p| {
            let name = if p.path == "/" {
                site.config.title.as_str()
            } else {
                p.title()
            };
            (name.to_string(), p.path.clone())
        })
        .collect();
    breadcrumb_list(site, &trail)
}

/// schema.org `BreadcrumbList` from (name, path) pairs, home first.
pub fn breadcrumb_list(site: &Site, trail: &[(String, String)]) -> String {
    let items: Vec<serde_json::Value> = trail
        .iter()
        .enumerate()
        .map(|(i, (name, path))| {
            json!({ "@type": "ListItem", "position": i + 1, "name": name, "item": site.permalink(path) })
        })
        .collect();
    safe_json(
        &json!({ "@context": "https://schema.org", "@type": "BreadcrumbList", "itemListElement": items }),
    )
}

/// JSON that cannot end a `<script>` element early.
pub fn safe_json(value: &serde_json::Value) -> String {
    let text = serde_json::to_string(value).expect("JSON values always serialize");
    text.replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prices_are_formatted_for_currency_and_language() {
        let usd = Price::parse("199.95", "USD").unwrap();
        assert_eq!(usd.format("en"), "$199.95");
        let eur = Price::parse("1299.5", "EUR").unwrap();
        assert_eq!(eur.amount, "1299.50");
        assert_eq!(eur.format("de-DE"), "1.299,50\u{a0}€");
        assert_eq!(eur.format("fr"), "1\u{202f}299,50\u{a0}€");
        assert_eq!(Price::parse("1500", "JPY").unwrap().format("en"), "¥1,500");
        assert_eq!(Price::parse("0.5", "GBP").unwrap().format("en-GB"), "£0.50");
    }

    #[test]
    fn bad_prices_and_currencies_are_explained() {
        assert!(
            Price::parse("-5.00", "USD")
                .unwrap_err()
                .contains("negative")
        );
        assert!(
            Price::parse("19.999", "USD")
                .unwrap_err()
                .contains("more than 2 decimals")
        );
        assert!(
            Price::parse("19,99", "USD")
                .unwrap_err()
                .contains("not a decimal")
        );
        assert!(
            Price::parse("19.", "USD")
                .unwrap_err()
                .contains("not a decimal")
        );
        assert!(Price::parse("10", "XYZ").unwrap_err().contains("ISO 4217"));
        assert!(Price::parse("10.5", "JPY").is_err());
    }

    #[test]
    fn prices_sort_by_minor_units() {
        assert!(
            Price::parse("99.95", "USD").unwrap().minor
                < Price::parse("129.95", "USD").unwrap().minor
        );
    }

    #[test]
    fn products_are_found_by_location() {
        assert!(is_product("products/smart-watches/sense-2.md"));
        assert!(!is_product("products/smart-watches/_index.md"));
        assert!(!is_product("products/_index.md"));
        assert!(!is_product("about.md"));
    }
}
