//! Incremental equals full, on random edits: a seeded generator applies a sequence of
//! edits to a copy of the shop (page text and headings, front matter, prices, templates,
//! the cookie data file, pages added and removed, new policy versions, a broken front
//! matter or link and then its fix), and after each one every output of `vellum
//! serve`'s incremental state, told which files changed as the watcher tells it, must
//! equal a fresh full build's, byte for byte (or both must fail with the same
//! messages). A failure prints the seed and the edits so far; `VELLUM_SEEDS=1,2,3`
//! replays or widens the search.

use std::collections::BTreeMap;
use std::path::PathBuf;

use vellum::serve::Rebuilder;

use crate::common::{NOW, Site};
use crate::incremental::{full_build_result, options, rebuild_result};

/// Seeds run by default (each a sequence of [`STEPS`] edits); kept small so that the
/// suite stays fast, and fixed so that a failure reproduces.
const SEEDS: &[u64] = &[1, 2, 3];
const STEPS: usize = 10;

/// splitmix64: small, seedable and the same on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Files under `folder` whose path passes `keep`, as paths from the site root.
fn files(site: &Site, folder: &str, keep: impl Fn(&str) -> bool) -> Vec<String> {
    crate::common::tree(&site.root.join(folder))
        .into_iter()
        .map(|(path, _)| format!("{folder}/{path}"))
        .filter(|p| keep(p))
        .collect()
}

/// The shop's Markdown pages an edit may touch (policy versions are edited only by
/// adding new ones: a published version's text is sealed in `policies.lock`).
fn pages(site: &Site) -> Vec<String> {
    files(site, "content", |p| {
        p.ends_with(".md") && !p.starts_with("content/policies/")
    })
}

fn templates(site: &Site) -> Vec<String> {
    files(site, "themes/default/templates", |p| {
        p.ends_with(".html") && !p.contains("/shortcodes/")
    })
}

/// Replaces the first `key = "..."` value of a TOML front matter with `value`.
fn set_string(text: &str, key: &str, value: &str) -> Option<String> {
    let start = text.find(&format!("\n{key} = \""))? + key.len() + 5;
    let end = start + text[start..].find('"')?;
    Some(format!("{}{value}{}", &text[..start], &text[end..]))
}

/// Applies one random edit; returns what it did, for the failure message.
fn edit(site: &Site, rng: &mut Rng, step: usize, state: &mut State) -> String {
    loop {
        let done = match rng.below(10) {
            0..=2 => {
                // A paragraph, or a heading (which pages' tables of contents and anchor
                // checks see).
                let (added, what) = if rng.below(3) == 0 {
                    (format!("## Step {step} heading\n\nText."), "a heading")
                } else {
                    (format!("Edited in step {step}: more words."), "a paragraph")
                };
                let page = rng.pick(&pages(site)).clone();
                let text = site.read(&page);
                site.write(&page, format!("{text}\n\n{added}\n"));
                Some(format!("appended {what} to {page}"))
            }
            3 => {
                let page = rng.pick(&pages(site)).clone();
                let text = site.read(&page);
                let key = if text.contains("\nname = \"") {
                    "name"
                } else {
                    "title"
                };
                set_string(&text, key, &format!("Renamed {step}")).map(|t| {
                    site.write(&page, t);
                    format!("set {key} of {page}")
                })
            }
            4 => {
                let products: Vec<String> = pages(site)
                    .into_iter()
                    .filter(|p| site.read(p).contains("\nprice = \""))
                    .collect();
                let page = rng.pick(&products).clone();
                let price = format!("{}.{:02}", 10 + rng.below(300), rng.below(100));
                set_string(&site.read(&page), "price", &price).map(|t| {
                    site.write(&page, t);
                    format!("set the price of {page} to {price}")
                })
            }
            5 => {
                let template = rng.pick(&templates(site)).clone();
                let text = site.read(&template);
                text.contains("{% endblock content %}").then(|| {
                    site.write(
                        &template,
                        text.replacen(
                            "{% endblock content %}",
                            &format!("<p>Template edit {step}</p>{{% endblock content %}}"),
                            1,
                        ),
                    );
                    format!("edited {template}")
                })
            }
            6 => {
                let data = "data/cookies.toml";
                let text = site.read(data);
                set_string(
                    &text,
                    "purpose",
                    &format!("Purpose rewritten in step {step}."),
                )
                .map(|t| {
                    site.write(data, t);
                    "rewrote a cookie's purpose in data/cookies.toml".to_string()
                })
            }
            7 => {
                let path = format!("content/added-{step}.md");
                site.write(
                    &path,
                    format!(
                        "+++\ntitle = \"Added {step}\"\nweight = {}\n+++\nSee [about us](@/about.md#contact).\n",
                        rng.below(20)
                    ),
                );
                state.added.push(path.clone());
                Some(format!("added {path}"))
            }
            8 => (!state.added.is_empty()).then(|| {
                let at = rng.below(state.added.len());
                let path = state.added.remove(at);
                site.remove(&path);
                format!("removed {path}")
            }),
            _ => {
                // A new version of the privacy policy, a month after the newest.
                state.versions += 1;
                let date = format!("2027-{:02}-01", 1 + state.versions);
                let newest = site.read("content/policies/privacy/2027-01-01.md");
                let body = &newest[newest[3..].find("+++").unwrap() + 6..];
                let path = format!("content/policies/privacy/{date}.md");
                site.write(
                    &path,
                    format!(
                        "+++\ntitle = \"Privacy Policy\"\nsummary = \"Wording, step {step}.\"\nchange = \"editorial\"\n+++\n{}",
                        body.replacen("Privacy Policy", &format!("Privacy Policy ({date})"), 1)
                    ),
                );
                Some(format!("added the privacy policy version {date}"))
            }
        };
        if let Some(done) = done {
            return done;
        }
    }
}

#[derive(Default)]
struct State {
    added: Vec<String>,
    versions: u32,
}

/// The site's sources (what `vellum serve` watches), by path from the site root.
fn sources(site: &Site) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    for folder in ["content", "themes", "data"] {
        for (path, bytes) in crate::common::tree(&site.root.join(folder)) {
            files.insert(format!("{folder}/{path}"), bytes);
        }
    }
    for file in ["site.toml", "policies.lock"] {
        if let Ok(bytes) = std::fs::read(site.root.join(file)) {
            files.insert(file.to_string(), bytes);
        }
    }
    files
}

/// The paths the watcher would report between two states of the sources: written,
/// added and removed files, as absolute paths.
fn changed(site: &Site, before: &BTreeMap<String, Vec<u8>>) -> Vec<PathBuf> {
    let after = sources(site);
    let root = std::fs::canonicalize(&site.root).unwrap();
    before
        .keys()
        .chain(after.keys())
        .filter(|path| before.get(*path) != after.get(*path))
        .map(|path| root.join(path))
        .collect()
}

/// Both builds' result: every output file, or the messages of a failed build. The
/// incremental one is told which files changed since `before`, as the watcher tells it.
fn compare(
    rebuilder: &mut Rebuilder,
    site: &Site,
    before: &BTreeMap<String, Vec<u8>>,
) -> Result<(), String> {
    let incremental = rebuild_result(rebuilder, &changed(site, before));
    let full = full_build_result(site);
    match (incremental, full) {
        (Ok(incremental), Ok(full)) => same(&incremental, &full),
        (Err(a), Err(b)) if a == b => Ok(()),
        (Err(a), Err(b)) => Err(format!(
            "both failed, differently:\nincremental:\n{a}\nfull:\n{b}"
        )),
        (Ok(_), Err(e)) => Err(format!("only the full build failed:\n{e}")),
        (Err(e), Ok(_)) => Err(format!("only the incremental build failed:\n{e}")),
    }
}

fn same(
    incremental: &BTreeMap<String, Vec<u8>>,
    full: &BTreeMap<String, Vec<u8>>,
) -> Result<(), String> {
    let a: Vec<&String> = incremental.keys().collect();
    let b: Vec<&String> = full.keys().collect();
    if a != b {
        let only_incremental: Vec<_> = a.iter().filter(|k| !full.contains_key(**k)).collect();
        let only_full: Vec<_> = b
            .iter()
            .filter(|k| !incremental.contains_key(**k))
            .collect();
        return Err(format!(
            "different files: only incremental {only_incremental:?}, only full {only_full:?}"
        ));
    }
    match full
        .iter()
        .find(|(path, bytes)| incremental[*path] != **bytes)
    {
        Some((path, bytes)) => {
            // Where they part, with some context, so that a failure says what differs.
            let mine = &incremental[path];
            let at = mine.iter().zip(bytes).take_while(|(a, b)| a == b).count();
            let around = |b: &[u8]| {
                String::from_utf8_lossy(&b[at.saturating_sub(80)..(at + 80).min(b.len())])
                    .into_owned()
            };
            Err(format!(
                "{path} differs from a full build at byte {at}:\nincremental: {}\nfull:        {}",
                around(mine),
                around(bytes)
            ))
        }
        None => Ok(()),
    }
}

/// Runs one seed; returns how many rebuilds took the body-edit path (which renders only
/// what shows the edited pages) rather than the whole pipeline.
fn run(seed: u64) -> usize {
    let site = crate::golden::shop_site();
    let mut rebuilder = Rebuilder::new(options(&site), Some(NOW.into()));
    let mut rng = Rng(seed);
    let mut state = State::default();
    let mut log = Vec::new();
    let mut body_edits = 0;
    let mut before = sources(&site);
    compare(&mut rebuilder, &site, &before)
        .unwrap_or_else(|e| panic!("seed {seed}, first build: {e}"));
    let mut check = |rebuilder: &mut Rebuilder, log: &Vec<String>| {
        if let Err(e) = compare(rebuilder, &site, &before) {
            panic!("seed {seed}, after {log:#?}:\n{e}");
        }
        body_edits += usize::from(rebuilder.stats().body_edits > 0);
        before = sources(&site);
    };
    for step in 1..=STEPS {
        let what = edit(&site, &mut rng, step, &mut state);
        log.push(what);
        // Sometimes break a page, check that both builds fail alike, then fix it.
        if rng.below(6) == 0 {
            let page = rng.pick(&pages(&site)).clone();
            let good = site.read(&page);
            site.write(&page, format!("+++\ntitle = \n{good}"));
            log.push(format!("broke the front matter of {page}"));
            check(&mut rebuilder, &log);
            site.write(&page, good);
            log.push(format!("fixed {page}"));
        }
        // Sometimes a body edit that breaks a link: an error of the body-edit path.
        if rng.below(5) == 0 {
            let page = rng.pick(&pages(&site)).clone();
            let good = site.read(&page);
            site.write(&page, format!("{good}\n[Gone](@/missing-{step}.md)\n"));
            log.push(format!("linked {page} to a missing page"));
            check(&mut rebuilder, &log);
            site.write(&page, good);
            log.push(format!("fixed {page}"));
        }
        check(&mut rebuilder, &log);
    }
    body_edits
}

#[test]
fn random_edits_rebuild_exactly_like_full_builds() {
    let seeds: Vec<u64> = match std::env::var("VELLUM_SEEDS") {
        Ok(list) => list
            .split(',')
            .map(|s| s.trim().parse().expect("VELLUM_SEEDS is a list of numbers"))
            .collect(),
        Err(_) => SEEDS.to_vec(),
    };
    let body_edits: usize = seeds.into_iter().map(run).sum();
    // The body-edit path must have been taken, or this test would prove nothing of it.
    assert!(body_edits > 0, "no edit took the body-edit path");
}
