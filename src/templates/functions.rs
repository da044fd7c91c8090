//! Functions templates can call: `get_url`, `get_page`, `get_section`, and a `now` that
//! returns the build time (Tera's own reads the clock, which would break reproducibility).

use std::collections::HashMap;
use std::sync::Arc;

use tera::{Tera, Value};

use super::context::{Depth, PageView};
use crate::site::Site;

pub fn register(tera: &mut Tera, site: Arc<Site>) {
    let s = Arc::clone(&site);
    tera.register_function("get_url", move |args: &HashMap<String, Value>| {
        get_url(&s, args)
    });
    let s = Arc::clone(&site);
    tera.register_function("get_page", move |args: &HashMap<String, Value>| {
        get_page(&s, args, false)
    });
    let s = Arc::clone(&site);
    tera.register_function("get_section", move |args: &HashMap<String, Value>| {
        get_page(&s, args, true)
    });
    let now = site.now;
    tera.register_function("now", move |args: &HashMap<String, Value>| {
        let timestamp = args
            .get("timestamp")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        Ok(if timestamp {
            Value::from(now.timestamp())
        } else {
            Value::from(now.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        })
    });
}

fn path_arg<'a>(function: &str, args: &'a HashMap<String, Value>) -> tera::Result<&'a str> {
    args.get("path").and_then(Value::as_str).ok_or_else(|| {
        tera::Error::msg(format!(
            "`{function}` needs a `path` argument, e.g. {function}(path=\"about.md\")"
        ))
    })
}

/// `get_url(path="@/about.md")` gives a page's URL; `get_url(path="style.css")` a static
/// file's URL.
fn get_url(site: &Site, args: &HashMap<String, Value>) -> tera::Result<Value> {
    let path = path_arg("get_url", args)?;
    if let Some(content_path) = path.strip_prefix("@/") {
        let (target, anchor) = match content_path.split_once('#') {
            Some((t, a)) => (t, Some(a)),
            None => (content_path, None),
        };
        let page_path = site.path_of(target).ok_or_else(|| {
            tera::Error::msg(format!(
                "get_url: there is no content/{target} (from `{path}`)"
            ))
        })?;
        let url = site.permalink(&page_path);
        return Ok(Value::from(match anchor {
            Some(anchor) => format!("{url}#{anchor}"),
            None => url,
        }));
    }
    if path.starts_with("http://") || path.starts_with("https://") {
        return Ok(Value::from(path));
    }
    Ok(Value::from(
        site.permalink(&format!("/{}", path.trim_start_matches('/'))),
    ))
}

/// `get_page(path="about.md")` / `get_section(path="products/_index.md")`.
fn get_page(site: &Site, args: &HashMap<String, Value>, section: bool) -> tera::Result<Value> {
    let function = if section { "get_section" } else { "get_page" };
    let path = path_arg(function, args)?;
    let path = path.trim_start_matches("@/");
    let page = site
        .page_by_relative(path)
        .ok_or_else(|| tera::Error::msg(format!("{function}: there is no content/{path}")))?;
    if page.is_section() != section {
        let hint = if section {
            "use get_page for pages"
        } else {
            "use get_section for _index.md files"
        };
        return Err(tera::Error::msg(format!(
            "{function}: content/{path} is not what it expects ({hint})"
        )));
    }
    tera::to_value(PageView::new(site, page, Depth::Listing)).map_err(tera::Error::from)
}
