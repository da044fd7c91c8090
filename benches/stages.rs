//! Stage benchmarks (`cargo bench`): Markdown rendering, redlines and minification.
//! Whole-site builds and incremental rebuilds are measured by `bench/run.py`.

use std::sync::Arc;

use divan::{Bencher, black_box};
use vellum::config::MarkdownConfig;
use vellum::content::SourceFile;
use vellum::corpus::{sample_markdown, small_edit};

fn main() {
    divan::main();
}

fn file(text: String) -> SourceFile {
    let len = text.len();
    SourceFile {
        relative: "page.md".into(),
        display_path: "content/page.md".into(),
        text: Arc::from(text),
        body_range: 0..len,
        ..SourceFile::default()
    }
}

/// One page of about 700 words to HTML.
#[divan::bench]
fn markdown_700_words(bencher: Bencher) {
    let page = file(sample_markdown(7, 700));
    let config = MarkdownConfig::default();
    bencher
        .bench(|| vellum::markdown::render(black_box(&page), &config, &|_| None, false).unwrap());
}

/// The redline of two 5,000-word versions that differ by a few sentences.
#[divan::bench]
fn redline_5000_words(bencher: Bencher) {
    let old_text = sample_markdown(11, 5000);
    let new_text = small_edit(12, &old_text);
    let config = MarkdownConfig::default();
    let old = vellum::markdown::render(&file(old_text), &config, &|_| None, true).unwrap();
    let new = vellum::markdown::render(&file(new_text), &config, &|_| None, true).unwrap();
    let blocks = |r: &vellum::markdown::Rendered| {
        let mut start = 0;
        r.block_ends
            .iter()
            .map(|&end| {
                let block = r.html[start..end].to_string();
                start = end;
                block
            })
            .collect::<Vec<_>>()
    };
    let (old, new) = (blocks(&old), blocks(&new));
    let old: Vec<&str> = old.iter().map(String::as_str).collect();
    let new: Vec<&str> = new.iter().map(String::as_str).collect();
    let labels = vellum::policy::redline::Labels::default();
    bencher.bench(|| vellum::policy::redline::redline(black_box(&old), black_box(&new), &labels));
}

/// Minifying a rendered page of about 700 words (bytes per second).
#[divan::bench]
fn minify_page(bencher: Bencher) {
    let page = file(sample_markdown(3, 700));
    let body =
        vellum::markdown::render(&page, &MarkdownConfig::default(), &|_| None, false).unwrap();
    let html = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><title>Page</title><style>body {{ color: black; }}</style></head><body>\n<main>\n{}\n</main>\n</body></html>",
        body.html
    );
    bencher
        .counter(divan::counter::BytesCount::new(html.len()))
        .bench(|| vellum::output::minify_html(black_box(&html)));
}
