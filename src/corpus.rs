//! A deterministic corpus generator for benchmarks (`vellum corpus DIR --pages N`): a
//! site in vellum's layout with plain pages of about 700 words, product pages, and
//! policies whose versions (about 1,500 words) are each a small edit of the one before.
//! The same N always gives the same bytes.

use std::fmt::Write as _;
use std::path::Path;

/// A small, fast, seeded generator (xorshift64*): deterministic across machines.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const WORDS: &[&str] = &[
    "data",
    "order",
    "customer",
    "delivery",
    "payment",
    "account",
    "privacy",
    "service",
    "product",
    "information",
    "request",
    "policy",
    "return",
    "refund",
    "device",
    "watch",
    "band",
    "battery",
    "tracking",
    "consent",
    "address",
    "email",
    "purchase",
    "security",
    "provider",
    "period",
    "rights",
    "access",
    "update",
    "support",
    "shipping",
    "warranty",
    "contact",
    "processing",
    "storage",
    "personal",
    "website",
    "browser",
    "cookie",
    "analytics",
    "partner",
    "legal",
    "notice",
    "record",
    "the",
    "we",
    "you",
    "your",
    "our",
    "and",
    "or",
    "with",
    "for",
    "to",
    "of",
    "in",
    "on",
    "by",
    "may",
    "will",
    "can",
    "must",
    "keep",
    "use",
    "share",
    "collect",
    "protect",
    "delete",
    "review",
];

fn sentence(rng: &mut Rng) -> String {
    let len = 8 + rng.below(12);
    let mut words: Vec<&str> = (0..len).map(|_| WORDS[rng.below(WORDS.len())]).collect();
    let first = words[0];
    let capital = first[..1].to_uppercase() + &first[1..];
    words[0] = "";
    format!("{capital}{}.", words.join(" "))
}

/// About `words` words of Markdown: headings, paragraphs and a list.
fn body(rng: &mut Rng, words: usize) -> String {
    let mut out = String::new();
    let mut written = 0;
    let mut section = 1;
    while written < words {
        let _ = writeln!(
            out,
            "## Section {section}: {}\n",
            sentence(rng).trim_end_matches('.')
        );
        section += 1;
        for _ in 0..3 {
            let paragraph: Vec<String> = (0..4).map(|_| sentence(rng)).collect();
            let text = paragraph.join(" ");
            written += text.split_whitespace().count();
            let _ = writeln!(out, "{text}\n");
        }
        for _ in 0..3 {
            let item = sentence(rng);
            written += item.split_whitespace().count();
            let _ = writeln!(out, "- {item}");
        }
        out.push('\n');
    }
    out
}

/// Replaces a few sentences: what an editor changes between two policy versions.
fn edit(rng: &mut Rng, text: &str) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    // Three edits to paragraphs or list items; a version identical to the one before is
    // an error, so keep drawing until all three land.
    let mut edits = 0;
    while edits < 3 {
        let at = rng.below(lines.len());
        if lines[at].len() > 40 && !lines[at].starts_with('#') {
            let extra = sentence(rng);
            lines[at] = format!("{} {extra}", lines[at]);
            edits += 1;
        }
    }
    lines.join("\n") + "\n"
}

fn write(root: &Path, path: &str, text: &str) -> std::io::Result<()> {
    let target = root.join(path);
    if let Some(parent) = target.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(target, text)
}

/// Writes a site of about `pages` content files into `root` (which must not exist or be
/// empty): 75% plain pages, 20% products, 5% policy versions; or, with `only_plain`,
/// `pages` plain pages and nothing else.
pub fn generate(root: &Path, pages: usize, only_plain: bool) -> std::io::Result<()> {
    crate::init::init(root).map_err(std::io::Error::other)?;
    for stale in ["content/policies/privacy/2026-01-01.md", "content/about.md"] {
        let _ = std::fs::remove_file(root.join(stale));
    }
    if only_plain {
        std::fs::remove_dir_all(root.join("content/policies"))?;
    }
    let mut rng = Rng(0x5eed_1234_abcd_ef01);
    let (versions, products) = if only_plain {
        (0, 0)
    } else {
        ((pages / 20).max(2), pages / 5)
    };
    let policies = (versions / 50).max(1);
    let plain = pages.saturating_sub(versions + products).max(1);
    write(
        root,
        "content/_index.md",
        "+++\ntitle = \"Corpus\"\n+++\nA generated site. [Pages](@/pages/_index.md), [products](@/products/_index.md).\n",
    )?;
    write(
        root,
        "content/about.md",
        "+++\ntitle = \"About\"\n+++\nAbout the corpus.\n",
    )?;
    write(
        root,
        "content/pages/_index.md",
        // Paginated as a real site's long list is (and as the Hugo twin in bench/run.py).
        "+++\ntitle = \"Pages\"\nsort_by = \"title\"\npaginate_by = 100\n+++\n",
    )?;
    for i in 0..plain {
        let text = format!(
            "+++\ntitle = \"Page {i:06}\"\ndescription = \"{}\"\ndate = 2026-{:02}-{:02}\n+++\n\n{}",
            sentence(&mut rng),
            1 + i % 12,
            1 + i % 28,
            body(&mut rng, 700)
        );
        write(root, &format!("content/pages/page-{i:06}.md"), &text)?;
    }
    if only_plain {
        return write(
            root,
            "content/_index.md",
            "+++\ntitle = \"Corpus\"\n+++\nA generated site. [Pages](@/pages/_index.md).\n",
        );
    }
    // One page reads a data file (the cookie list, through the theme's shortcode), so
    // that a benchmark can time an edit to data.
    write(
        root,
        "content/about.md",
        "+++\ntitle = \"About\"\n+++\nAbout the corpus.\n\n{{ cookie_table() }}\n",
    )?;
    write(
        root,
        "data/cookies.toml",
        "[[cookie]]\nname = \"cart\"\nprovider = \"Corpus\"\npurpose = \"Remembers the basket.\"\ncategory = \"strictly_necessary\"\nduration = \"30 days\"\nparty = \"first\"\n",
    )?;
    write(
        root,
        "content/products/_index.md",
        "+++\ntitle = \"Products\"\ntemplate = \"catalog.html\"\n+++\n",
    )?;
    let categories = (products / 200).max(1);
    for c in 0..categories {
        write(
            root,
            &format!("content/products/category-{c:03}/_index.md"),
            &format!(
                "+++\ntitle = \"Category {c}\"\ntemplate = \"category.html\"\npage_template = \"product.html\"\nweight = {c}\n+++\n"
            ),
        )?;
    }
    std::fs::create_dir_all(root.join("static/img"))?;
    std::fs::write(root.join("static/img/product.png"), product_png())?;
    for i in 0..products {
        let text = format!(
            "+++\nname = \"Product {i:06}\"\ndescription = \"{}\"\nweight = {i}\nsku = \"SKU-{i:06}\"\nprice = \"{}.{:02}\"\ncurrency = \"USD\"\navailability = \"in_stock\"\nimages = [{{ src = \"/img/product.png\", alt = \"Product {i}\" }}]\n\n[specs]\nWeight = \"{} g\"\n+++\n\n{}",
            sentence(&mut rng),
            10 + i % 490,
            i % 100,
            20 + i % 80,
            body(&mut rng, 300)
        );
        write(
            root,
            &format!(
                "content/products/category-{:03}/product-{i:06}.md",
                i % categories
            ),
            &text,
        )?;
    }
    let per_policy = versions / policies;
    for p in 0..policies {
        let mut text = body(&mut rng, 1500);
        for v in 0..per_policy {
            let (year, month) = (2020 + v / 12, 1 + v % 12);
            let front = if v == 0 {
                format!("+++\ntitle = \"Policy {p}\"\n+++\n\n")
            } else {
                text = edit(&mut rng, &text);
                format!(
                    "+++\ntitle = \"Policy {p}\"\nsummary = \"Revision {v}.\"\nchange = \"editorial\"\n+++\n\n"
                )
            };
            write(
                root,
                &format!("content/policies/policy-{p:02}/{year}-{month:02}-01.md"),
                &(front + &text),
            )?;
        }
    }
    Ok(())
}

/// A small product picture (a flat PNG), made here so the corpus needs no files.
fn product_png() -> Vec<u8> {
    let image = image::RgbImage::from_fn(600, 600, |x, y| {
        image::Rgb([(x / 3) as u8, (y / 3) as u8, 120])
    });
    let mut out = Vec::new();
    image
        .write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
        .expect("encoding a PNG in memory cannot fail");
    out
}

/// About `words` words of Markdown, the same for the same `seed` (for benchmarks).
pub fn sample_markdown(seed: u64, words: usize) -> String {
    body(&mut Rng(seed | 1), words)
}

/// `text` with a few sentences changed, the same for the same `seed` (for benchmarks).
pub fn small_edit(seed: u64, text: &str) -> String {
    edit(&mut Rng(seed | 1), text)
}
