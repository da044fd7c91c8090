//! The preview server's HTTP side: files from the in-memory site, the reload event
//! stream, and nothing else.

use std::convert::Infallible;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::State as AxumState;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tokio_stream::wrappers::BroadcastStream;
use tokio_stream::{Stream, StreamExt};

use super::{Notice, State};

/// The path of the reload event stream.
pub const EVENTS_PATH: &str = "/__vellum/events";

/// Added before `</body>` of every HTML page in serve mode (never in `vellum build`).
const RELOAD_SCRIPT: &str = r#"<script>/* vellum serve: live reload */(()=>{let box;const es=new EventSource("/__vellum/events");es.addEventListener("reload",()=>location.reload());es.addEventListener("css",async()=>{const d=new DOMParser().parseFromString(await(await fetch(location.href,{cache:"no-store"})).text(),"text/html");const fresh=[...d.querySelectorAll('link[rel="stylesheet"]')];document.querySelectorAll('link[rel="stylesheet"]').forEach((l,i)=>{const n=fresh[i];if(n){l.integrity=n.integrity;l.href=n.href}})});es.addEventListener("build-error",e=>{if(!box){box=document.createElement("div");box.id="vellum-error";box.setAttribute("role","alert");box.style.cssText="position:fixed;inset:0;z-index:2147483647;margin:0;padding:2rem;overflow:auto;background:rgba(24,24,27,.96);color:#fff;font:14px/1.5 ui-monospace,monospace;white-space:pre-wrap";document.body.appendChild(box)}box.textContent="The site could not be rebuilt; this page shows the last good version.\n\n"+e.data})})();</script>"#;

pub async fn serve(listener: tokio::net::TcpListener, state: Arc<State>) -> Result<(), String> {
    let app = Router::new()
        .route(EVENTS_PATH, get(events))
        .fallback(file)
        .with_state(state);
    axum::serve(listener, app)
        .await
        .map_err(|e| format!("the server stopped: {e}"))
}

/// The reload stream: the current error (if any) at once, then one event per rebuild.
async fn events(
    AxumState(state): AxumState<Arc<State>>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let first = match state.error() {
        Some(message) => Event::default().event("build-error").data(message),
        None => Event::default().event("hello").data("ok"),
    };
    let updates = BroadcastStream::new(state.notices.subscribe()).filter_map(|notice| {
        notice.ok().map(|notice| match notice {
            Notice::Reload => Event::default().event("reload").data("reload"),
            Notice::Css => Event::default().event("css").data("css"),
            Notice::Error(message) => Event::default().event("build-error").data(message),
        })
    });
    let stream = tokio_stream::once(first).chain(updates).map(Ok);
    Sse::new(stream).keep_alive(KeepAlive::default())
}

/// Serves a file of the site. Paths that are malformed or try to climb out are refused
/// (400); unknown paths get the theme's 404 page.
async fn file(
    AxumState(state): AxumState<Arc<State>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    if method != Method::GET && method != Method::HEAD {
        return (
            StatusCode::METHOD_NOT_ALLOWED,
            [(header::ALLOW, "GET, HEAD")],
        )
            .into_response();
    }
    let key = match site_path(uri.path()) {
        Ok(key) => key,
        Err(status) => return status.into_response(),
    };
    let snapshot = state.snapshot();
    if let Some(served) = snapshot.files.get(&key) {
        return respond(served, StatusCode::OK, &headers, method);
    }
    // `/about` -> `/about/`, as static hosts do.
    let as_folder = format!("{}/index.html", key.trim_end_matches('/'));
    if !key.is_empty() && !key.ends_with("index.html") && snapshot.files.contains_key(&as_folder) {
        let location = format!("{}/", uri.path().trim_end_matches('/'));
        return (
            StatusCode::MOVED_PERMANENTLY,
            [(header::LOCATION, location)],
        )
            .into_response();
    }
    match snapshot.files.get("404.html") {
        Some(page) => respond(page, StatusCode::NOT_FOUND, &HeaderMap::new(), method),
        None => (StatusCode::NOT_FOUND, "Not found").into_response(),
    }
}

/// Turns a request path into a key of the site's files: percent-decoded, every `..`,
/// backslash, NUL or drive-letter refused, folders mapped to their `index.html`.
pub fn site_path(raw: &str) -> Result<String, StatusCode> {
    let decoded = percent_encoding::percent_decode_str(raw)
        .decode_utf8()
        .map_err(|_| StatusCode::BAD_REQUEST)?;
    if decoded.contains(['\\', '\0']) || !decoded.starts_with('/') {
        return Err(StatusCode::BAD_REQUEST);
    }
    let mut parts = Vec::new();
    for part in decoded.split('/') {
        match part {
            "" | "." => {}
            ".." => return Err(StatusCode::BAD_REQUEST),
            _ if part.contains(':') => return Err(StatusCode::BAD_REQUEST),
            _ => parts.push(part),
        }
    }
    let mut key = parts.join("/");
    if decoded.ends_with('/') || key.is_empty() {
        if !key.is_empty() {
            key.push('/');
        }
        key.push_str("index.html");
    }
    Ok(key)
}

fn respond(
    served: &super::Served,
    status: StatusCode,
    request: &HeaderMap,
    method: Method,
) -> Response {
    let etag = HeaderValue::from_str(&served.etag).unwrap_or(HeaderValue::from_static("\"0\""));
    let matches = request
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .any(|tag| tag.trim() == served.etag || tag.trim() == "*")
        });
    if status == StatusCode::OK && matches {
        return (StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response();
    }
    let is_html = served.content_type.starts_with("text/html");
    let body = if is_html {
        with_reload_script(&served.bytes)
    } else {
        served.bytes.to_vec()
    };
    let length = body.len();
    let mut response = if method == Method::HEAD {
        Response::new(Body::empty())
    } else {
        Response::new(Body::from(body))
    };
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&served.content_type)
            .unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(length));
    headers.insert(header::ETAG, etag);
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

/// Inserts the reload script before the last `</body>` (or at the end).
fn with_reload_script(html: &[u8]) -> Vec<u8> {
    let at = html
        .windows(7)
        .rposition(|w| w.eq_ignore_ascii_case(b"</body>"))
        .unwrap_or(html.len());
    let mut out = Vec::with_capacity(html.len() + RELOAD_SCRIPT.len());
    out.extend_from_slice(&html[..at]);
    out.extend_from_slice(RELOAD_SCRIPT.as_bytes());
    out.extend_from_slice(&html[at..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_map_to_index_html() {
        assert_eq!(site_path("/").unwrap(), "index.html");
        assert_eq!(site_path("/about/").unwrap(), "about/index.html");
        assert_eq!(site_path("/style.css").unwrap(), "style.css");
        assert_eq!(site_path("/a%20b.txt").unwrap(), "a b.txt");
    }

    #[test]
    fn traversal_and_odd_paths_are_refused() {
        for bad in [
            "/../etc/passwd",
            "/%2e%2e/site.toml",
            "/a/%2E%2E/%2e%2e/x",
            "/a\\..\\b",
            "/%5c..%5cx",
            "/c:/windows",
            "/%00",
            "/%ff",
        ] {
            assert_eq!(site_path(bad), Err(StatusCode::BAD_REQUEST), "{bad}");
        }
    }

    #[test]
    fn script_goes_before_the_closing_body_tag() {
        let out = with_reload_script(b"<html><body><p>x</p></body></html>");
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("</p><script>"), "{text}");
        assert!(text.ends_with("</script></body></html>"), "{text}");
    }
}
