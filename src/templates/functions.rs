//! Functions templates can call: `get_url`, `get_page`, `get_section`, and a `now` that
//! returns the build time (Tera's own reads the clock, which would break reproducibility).
//!
//! Calls can be recorded per render, so that `vellum serve` can tell later whether a page
//! would see different results and must be re-rendered (see `vellum serve`'s incremental cache).

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::sync::Arc;

use tera::{Error, Kwargs, State, Tera, TeraResult, Value};

use super::context::Shared;
use crate::site::Site;

/// The functions vellum adds to Tera.
pub const NAMES: &[&str] = &[
    "load_data",
    "get_url",
    "get_page",
    "get_section",
    "get_policies",
    "now",
    "asset",
    "asset_integrity",
];

/// One function call a template made, with its result.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    pub name: &'static str,
    pub args: Args,
    pub result: Value,
}

thread_local! {
    // Rendering one page runs on one thread, so a thread-local recorder sees exactly
    // that page's calls.
    static RECORDED: RefCell<Option<Vec<Call>>> = const { RefCell::new(None) };
}

thread_local! {
    // The data a policy version renders from while its shortcodes run (a published
    // version reads the snapshot it was published with), and the files it read.
    static DATA_VIEW: RefCell<Option<DataView>> = const { RefCell::new(None) };
}

struct DataView {
    snapshot: Option<Arc<crate::data::Data>>,
    read: BTreeSet<String>,
}

/// Runs `render` (one policy version's Markdown, on this thread) with `load_data` reading
/// `snapshot` first, then `data/`; returns its result and every data file it read.
pub fn with_data_view<T>(
    snapshot: Option<Arc<crate::data::Data>>,
    render: impl FnOnce() -> T,
) -> (T, BTreeSet<String>) {
    DATA_VIEW.with(|v| {
        *v.borrow_mut() = Some(DataView {
            snapshot,
            read: BTreeSet::new(),
        })
    });
    let result = render();
    let read = DATA_VIEW
        .with(|v| v.borrow_mut().take())
        .map(|view| view.read)
        .unwrap_or_default();
    (result, read)
}

/// `load_data`: the version's snapshot while a policy version renders, else `data/`.
fn load_data(site: &Site, path: &str) -> Option<Value> {
    let value = |json: &serde_json::Value| Value::from_serializable(json);
    let from_view = DATA_VIEW.with(|v| {
        let mut view = v.borrow_mut();
        let view = view.as_mut()?;
        view.read.insert(path.to_string());
        view.snapshot.as_ref()?.get(path).map(value)
    });
    from_view.or_else(|| site.data.get(path).map(value))
}

/// Starts recording this thread's function calls.
pub fn start_recording() {
    RECORDED.with(|r| *r.borrow_mut() = Some(Vec::new()));
}

/// Stops recording and returns the calls since [`start_recording`].
pub fn finish_recording() -> Vec<Call> {
    RECORDED.with(|r| r.borrow_mut().take()).unwrap_or_default()
}

/// A call's keyword arguments, in name order (so a recorded call compares equal to the
/// same call made again).
pub type Args = Vec<(String, Value)>;

fn arg<'a>(args: &'a Args, name: &str) -> Option<&'a Value> {
    args.iter().find(|(k, _)| k == name).map(|(_, v)| v)
}

fn args_of(kwargs: &Kwargs) -> Args {
    let mut args: Args = kwargs
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect();
    args.sort_by(|a, b| a.0.cmp(&b.0));
    args
}

/// Tera 2 checks, when templates load, that every function they call exists: these
/// stand in until [`register`] gives the real ones (which need the built site).
pub fn register_placeholders(tera: &mut Tera) {
    for &name in NAMES {
        tera.register_function(name, move |_: Kwargs, _: &State| -> TeraResult<Value> {
            Err(Error::message(format!("`{name}` is not ready yet")))
        });
    }
    tera.register_function("trans", |_: Kwargs, _: &State| -> TeraResult<Value> {
        Err(Error::message("`trans` is not ready yet"))
    });
    // Tera 1 had `get_random` and `get_env`; they would make the output depend on luck
    // or on the machine (and CI's environment holds secrets), so a theme that still
    // calls them is told why, instead of "unknown function".
    for name in ["get_random", "get_env"] {
        tera.register_function(name, move |_: Kwargs, _: &State| -> TeraResult<Value> {
            Err(Error::message(format!(
                "`{name}` is not available: vellum builds give the same output for the same input (put the value in site.toml's [extra] instead)"
            )))
        });
    }
}

pub fn register(tera: &mut Tera, site: Arc<Site>, shared: Arc<Shared>) {
    for &name in NAMES {
        let site = Arc::clone(&site);
        let shared = Arc::clone(&shared);
        tera.register_function(
            name,
            move |kwargs: Kwargs, state: &State| -> TeraResult<Value> {
                let mut args = args_of(&kwargs);
                // The page's language is an argument like the others, so that a recorded
                // call made again (by `vellum serve`) gives the same answer.
                if PAGE_LANGUAGE.contains(&name)
                    && arg(&args, PAGE_LANG).is_none()
                    && let Some(lang) = state.get::<String>("lang")?
                {
                    args.push((PAGE_LANG.to_string(), Value::from(lang)));
                    args.sort_by(|a, b| a.0.cmp(&b.0));
                }
                let result = call(&site, &shared, name, &args)?;
                RECORDED.with(|r| {
                    if let Some(calls) = r.borrow_mut().as_mut() {
                        calls.push(Call {
                            name,
                            args,
                            result: result.clone(),
                        });
                    }
                });
                Ok(result)
            },
        );
    }
}

/// The functions whose answer depends on the language of the page that calls them.
const PAGE_LANGUAGE: &[&str] = &[
    "get_url",
    "get_page",
    "get_section",
    "get_policies",
    "load_data",
];

/// The argument that carries the calling page's language (`lang` is the template's own).
const PAGE_LANG: &str = "__page_lang";

/// The language a call resolves `@/` paths in: its `lang=`, else its page's, else the
/// site's default.
fn language_of<'a>(site: &'a Site, args: &'a Args) -> &'a str {
    arg(args, "lang")
        .or_else(|| arg(args, PAGE_LANG))
        .and_then(Value::as_str)
        .unwrap_or(&site.config.default_language)
}

/// Runs one of vellum's template functions.
pub fn call(site: &Site, shared: &Shared, name: &str, args: &Args) -> TeraResult<Value> {
    match name {
        "get_url" => get_url(site, args),
        "get_page" => get_page(site, shared, args, false),
        "get_section" => get_page(site, shared, args, true),
        "get_policies" => match arg(args, "dated").and_then(Value::as_bool) {
            Some(false) => Ok(shared.undated_policy_links(language_of(site, args))),
            _ => Ok(shared.policy_links(language_of(site, args))),
        },
        "now" => Ok(now(site, args)),
        "asset" => asset(site, args).map(|(url, _)| Value::from(url)),
        "load_data" => {
            let path = path_arg("load_data", args)?.trim_start_matches('/');
            let path = path.strip_prefix("data/").unwrap_or(path);
            // A page in German reads `cookies.de.toml` where there is one.
            let lang = language_of(site, args);
            let translated = (lang != &*site.languages.default)
                .then(|| crate::language::with_suffix(path, lang));
            let found = translated.and_then(|t| load_data(site, &t));
            found.or_else(|| load_data(site, path)).ok_or_else(|| {
                Error::message(format!(
                    "load_data: there is no data/{path} (TOML, JSON or CSV)"
                ))
            })
        }
        "asset_integrity" => asset(site, args).map(|(_, integrity)| Value::from(integrity)),
        _ => Err(Error::message(format!("unknown function `{name}`"))),
    }
}

fn now(site: &Site, args: &Args) -> Value {
    let timestamp = arg(args, "timestamp")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    if timestamp {
        Value::from(site.now.timestamp())
    } else {
        Value::from(crate::clock::rfc3339(
            site.now,
            site.config.policies.timezone,
        ))
    }
}

fn path_arg<'a>(function: &str, args: &'a Args) -> TeraResult<&'a str> {
    arg(args, "path").and_then(Value::as_str).ok_or_else(|| {
        Error::message(format!(
            "`{function}` needs a `path` argument, e.g. {function}(path=\"about.md\")"
        ))
    })
}

/// `get_url(path="@/about.md")` gives a page's URL; `get_url(path="style.css")` a static
/// file's URL.
fn get_url(site: &Site, args: &Args) -> TeraResult<Value> {
    let path = path_arg("get_url", args)?;
    if let Some(content_path) = path.strip_prefix("@/") {
        let (target, anchor) = match content_path.split_once('#') {
            Some((t, a)) => (t, Some(a)),
            None => (content_path, None),
        };
        let url = site
            .link_url_in(target, language_of(site, args))
            .ok_or_else(|| {
                let nearest = site
                    .closest_source(target)
                    .map(|known| format!("; did you mean @/{known}?"))
                    .unwrap_or_default();
                Error::message(format!(
                    "get_url: there is no content/{target} (from `{path}`{nearest})"
                ))
            })?;
        return Ok(Value::from(match anchor {
            Some(anchor) => format!("{url}#{anchor}"),
            None => url,
        }));
    }
    if path.starts_with("http://") || path.starts_with("https://") {
        return Ok(Value::from(path));
    }
    if arg(args, "cachebust")
        .and_then(Value::as_bool)
        .unwrap_or(false)
    {
        return asset(site, args).map(|(url, _)| Value::from(url));
    }
    // A path in the site (`changelog/`) in the language `lang=` names: `/de/changelog/`.
    let prefix = match arg(args, "lang").and_then(Value::as_str) {
        Some(lang) if site.languages.get(lang).is_none() => {
            return Err(Error::message(format!(
                "get_url: the site has no language `{lang}` (languages: {})",
                site.config.language_codes().join(", ")
            )));
        }
        Some(lang) => site.config.url_prefix(lang),
        None => String::new(),
    };
    Ok(Value::from(site.permalink(&format!(
        "{prefix}/{}",
        path.trim_start_matches('/')
    ))))
}

/// `asset(path="style.css")`: the URL of the static file's fingerprinted copy, which
/// can be cached forever; `asset_integrity` gives its Subresource Integrity value.
fn asset(site: &Site, args: &Args) -> TeraResult<(String, String)> {
    let path = path_arg("asset", args)?.trim_start_matches('/');
    let fingerprint = site.fingerprints.get(path).ok_or_else(|| {
        Error::message(format!(
            "asset: there is no static file `{path}` (in static/ or the theme's static/)"
        ))
    })?;
    let url = site.permalink(&format!("/{}", fingerprint.path));
    Ok((url, fingerprint.integrity.clone()))
}

/// `get_page(path="about.md")` / `get_section(path="products/_index.md")`.
fn get_page(site: &Site, shared: &Shared, args: &Args, section: bool) -> TeraResult<Value> {
    let function = if section { "get_section" } else { "get_page" };
    let path = path_arg(function, args)?;
    let path = path.trim_start_matches("@/");
    // The page in the caller's language where it is translated.
    let translated = site.languages.translated(path, language_of(site, args));
    let index = site
        .index_by_relative(&translated)
        .or_else(|| site.index_by_relative(path))
        .ok_or_else(|| {
            let nearest = site
                .closest_source(path)
                .map(|known| format!(" (did you mean {known}?)"))
                .unwrap_or_default();
            Error::message(format!("{function}: there is no content/{path}{nearest}"))
        })?;
    if site.pages[index].is_section() != section {
        let hint = if section {
            "use get_page for pages"
        } else {
            "use get_section for _index.md files"
        };
        return Err(Error::message(format!(
            "{function}: content/{path} is not what it expects ({hint})"
        )));
    }
    Ok(shared.listing(site, index))
}
