//! The preview server's HTTP side: files from the in-memory site, the reload event
//! stream, and nothing else.

use std::convert::Infallible;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State as AxumState};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::middleware::{self, Next};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio_stream::wrappers::BroadcastStream;
use tokio_stream::{Stream, StreamExt};

use super::{Notice, State};

/// The path of the reload event stream.
pub const EVENTS_PATH: &str = "/__vellum/events";

/// Added before `</body>` of every HTML page in serve mode (never in `vellum build`).
/// After a rebuild it fetches the page again and, when only the body changed and
/// neither version has scripts of its own anywhere (which a swapped body would not
/// run; JSON-LD data does not count), swaps the body in place: the edit shows at once and the reader keeps their
/// place; else it reloads the page. Only the latest rebuild's answer is used, and a
/// failed build's message (over the page, outside the body) cancels a swap under way.
/// A stylesheet change swaps the stylesheets.
const RELOAD_SCRIPT: &str = r#"<script>/* vellum serve: live reload */(()=>{let box,turn=0;const es=new EventSource("/__vellum/events");const own=s=>s.textContent.startsWith("/* vellum serve");const foreign=d=>[...d.querySelectorAll("script")].some(s=>!own(s)&&!/json/.test(s.type));es.addEventListener("reload",async()=>{const mine=++turn;try{const r=await fetch(location.href,{cache:"no-store"});const d=new DOMParser().parseFromString(await r.text(),"text/html");if(mine!==turn)return;if(!r.ok||d.head.innerHTML!==document.head.innerHTML||foreign(d)||foreign(document))return location.reload();d.body.querySelectorAll("script").forEach(s=>own(s)&&s.remove());document.body.replaceWith(d.body);if(box){box.remove();box=null}}catch(_){location.reload()}});es.addEventListener("css",async()=>{const d=new DOMParser().parseFromString(await(await fetch(location.href,{cache:"no-store"})).text(),"text/html");const fresh=[...d.querySelectorAll('link[rel="stylesheet"]')];document.querySelectorAll('link[rel="stylesheet"]').forEach((l,i)=>{const n=fresh[i];if(n){l.integrity=n.integrity;l.href=n.href}})});es.addEventListener("build-error",e=>{turn++;const el=(t,css,text)=>{const n=document.createElement(t);n.style.cssText=css;if(text)n.textContent=text;return n};if(!box){box=el("div","position:fixed;inset:0;z-index:2147483647;margin:0;padding:1.5rem;overflow:auto;background:rgba(17,19,24,.97);color:#f3f4f6;font:16px/1.5 system-ui,sans-serif");box.id="vellum-error";box.setAttribute("role","alert");const bar=el("div","display:flex;justify-content:space-between;align-items:center;gap:1rem;max-width:60rem;margin:0 auto .75rem");const close=el("button","font:inherit;padding:.35rem 1rem;border-radius:6px;border:1px solid #9ca3af;background:#1f2937;color:#f3f4f6;cursor:pointer","Close");close.type="button";close.onclick=()=>{box.remove();box=null};bar.append(el("strong","font-size:1.2rem;color:#fca5a5","The site could not be rebuilt"),close);box.append(bar,el("p","max-width:60rem;margin:0 auto 1rem;color:#d1d5db","Fix what is named below and save the file: this page updates by itself. Until then it shows the last good version."),el("pre","max-width:60rem;margin:0 auto;padding:1rem;background:#0b0d11;border:1px solid #374151;border-radius:8px;white-space:pre-wrap;overflow-wrap:anywhere;font:13px/1.5 ui-monospace,monospace"));document.documentElement.appendChild(box)}box.querySelector("pre").textContent=e.data})})();</script>"#;

/// A client must send a request's headers within this time (it is also how long an
/// idle kept-alive connection stays open), so idle connections cannot pile up.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// Serves the preview until the process ends. axum's own `serve` sets no header-read
/// timeout, so connections are accepted here and handed to hyper with one.
pub async fn serve(listener: tokio::net::TcpListener, state: Arc<State>) -> Result<(), String> {
    let app = Router::new()
        .route(EVENTS_PATH, get(events))
        .fallback(file)
        .layer(middleware::from_fn(check_host))
        .with_state(state);
    let mut http = hyper::server::conn::http1::Builder::new();
    // hyper applies a header-read timeout only with a timer, and panics without one.
    http.timer(TokioTimer::new())
        .header_read_timeout(HEADER_READ_TIMEOUT);
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(e) if is_per_connection(&e) => continue,
            Err(e) => {
                // Out of file descriptors and the like: wait rather than spin.
                eprintln!("cannot accept a connection: {e}");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let service = TowerToHyperService::new(app.clone());
        let connection = http.serve_connection(TokioIo::new(stream), service);
        // Timeouts and resets concern one client only.
        tokio::spawn(async move {
            let _ = connection.await;
        });
    }
}

fn is_per_connection(error: &std::io::Error) -> bool {
    matches!(
        error.kind(),
        std::io::ErrorKind::ConnectionAborted
            | std::io::ErrorKind::ConnectionReset
            | std::io::ErrorKind::ConnectionRefused
    )
}

/// Answers only requests addressed to this machine by name or address: a page on
/// another site that points its own domain at 127.0.0.1 (DNS rebinding) gets 403.
async fn check_host(request: Request, next: Next) -> Response {
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok());
    match host {
        Some(host) if is_local_host(host) => next.run(request).await,
        _ => (
            StatusCode::FORBIDDEN,
            "vellum serve answers only http://localhost or http://127.0.0.1\n",
        )
            .into_response(),
    }
}

/// `localhost` (and `*.localhost`) or an IP address, with any port. An address can
/// only be the one the server is bound to: the request reached it.
pub fn is_local_host(host: &str) -> bool {
    let name = match host.strip_prefix('[') {
        Some(rest) => match rest.split_once(']') {
            Some((ip, port)) if port.is_empty() || port.starts_with(':') => ip,
            _ => return false,
        },
        None => host.rsplit_once(':').map_or(host, |(name, _)| name),
    };
    let name = name.strip_suffix('.').unwrap_or(name).to_ascii_lowercase();
    name == "localhost" || name.ends_with(".localhost") || name.parse::<IpAddr>().is_ok()
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
    let mut response = if let Some(served) = snapshot.files.get(key.as_str()) {
        respond(served, StatusCode::OK, &headers, method).await
    } else if !key.is_empty()
        && !key.ends_with("index.html")
        && snapshot
            .files
            .contains_key(format!("{}/index.html", key.trim_end_matches('/')).as_str())
    {
        // `/about` -> `/about/`, as static hosts do. Built from the cleaned path, so
        // `//about` cannot become the protocol-relative `//about/` (another host).
        let location = format!("/{}/", key.trim_end_matches('/'));
        (
            StatusCode::MOVED_PERMANENTLY,
            [(header::LOCATION, location)],
        )
            .into_response()
    } else {
        match snapshot.files.get("404.html") {
            Some(page) => respond(page, StatusCode::NOT_FOUND, &HeaderMap::new(), method).await,
            None => (StatusCode::NOT_FOUND, "Not found").into_response(),
        }
    };
    add_site_headers(&mut response, &snapshot, &key);
    response
}

/// The headers production gets from `_headers` for this path, except caching (the
/// preview always revalidates). The CSP also allows the reload script, by its hash.
fn add_site_headers(response: &mut Response, snapshot: &super::Snapshot, key: &str) {
    let url_path = format!("/{}", key.strip_suffix("index.html").unwrap_or(key));
    // From the file served, not the response: a 304 carries no Content-Type, yet the
    // browser takes its CSP for the page it keeps, whose reload script must still run.
    let is_html = match snapshot.files.get(key) {
        Some(served) => served.content_type.starts_with("text/html"),
        None => response
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/html")),
    };
    let headers = response.headers_mut();
    for (name, value) in crate::output::headers::for_path(&snapshot.headers, &url_path) {
        if name.eq_ignore_ascii_case("cache-control") {
            continue;
        }
        let value = if is_html && name.eq_ignore_ascii_case("content-security-policy") {
            allow_reload_script(value)
        } else {
            value.to_string()
        };
        if let (Ok(name), Ok(value)) = (
            header::HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(&value),
        ) {
            headers.insert(name, value);
        }
    }
}

/// The reload script as a CSP source (`'sha256-...'`), worked out once rather than on
/// every HTML response.
static RELOAD_SCRIPT_SOURCE: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    use base64::Engine as _;
    use sha2::Digest as _;
    let script = RELOAD_SCRIPT
        .strip_prefix("<script>")
        .and_then(|s| s.strip_suffix("</script>"))
        .unwrap_or(RELOAD_SCRIPT);
    let hash = base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(script));
    format!("'sha256-{hash}'")
});

/// Adds the reload script's hash to a policy's `script-src` (or to a `script-src`
/// made from `default-src`), so the preview's one inline script runs under the
/// site's own policy and every other inline script is still blocked, as in production.
fn allow_reload_script(csp: &str) -> String {
    let source = &*RELOAD_SCRIPT_SOURCE;
    let directives: Vec<&str> = csp
        .split(';')
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .collect();
    let named = |name: &str| {
        directives
            .iter()
            .find(|d| d.split_whitespace().next() == Some(name))
            .copied()
    };
    match (named("script-src"), named("default-src")) {
        // A hash would switch 'unsafe-inline' off in browsers; the script runs anyway.
        (Some(d), _) if d.contains("'unsafe-inline'") => csp.to_string(),
        (None, Some(d)) if d.contains("'unsafe-inline'") => csp.to_string(),
        (Some(_), _) => directives
            .iter()
            .map(
                |d| match d.split_whitespace().next() == Some("script-src") {
                    true => format!("{d} {source}"),
                    false => d.to_string(),
                },
            )
            .collect::<Vec<_>>()
            .join("; "),
        (None, Some(default)) => {
            let sources = default.trim_start_matches("default-src").trim();
            format!("{}; script-src {sources} {source}", directives.join("; "))
        }
        (None, None) => csp.to_string(),
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

async fn respond(
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
    let (body, length) = match &served.body {
        super::Body::Memory(bytes) if is_html => {
            let page = with_reload_script(bytes);
            let length = page.len() as u64;
            (Body::from(page), length)
        }
        super::Body::Memory(bytes) => (Body::from(bytes.clone()), bytes.len() as u64),
        super::Body::Rendered { path } if is_html => match tokio::fs::read(path).await {
            Ok(bytes) => {
                let page = with_reload_script(&bytes);
                let length = page.len() as u64;
                (Body::from(page), length)
            }
            // Removed by a rebuild after this request took its snapshot: the reload on
            // its way brings the new page.
            Err(_) => return (StatusCode::NOT_FOUND, "Not found").into_response(),
        },
        super::Body::Rendered { path } | super::Body::Disk { path } => {
            match open_regular(path).await {
                Some((file, len)) => (
                    Body::from_stream(tokio_util::io::ReaderStream::new(file)),
                    len,
                ),
                // Deleted or replaced by a link since the last rebuild: the rebuild on its
                // way will report it.
                None => return (StatusCode::NOT_FOUND, "Not found").into_response(),
            }
        }
    };
    let mut response = if method == Method::HEAD {
        Response::new(Body::empty())
    } else {
        Response::new(body)
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

/// Opens a file that is still a regular file (not a link), with its length now.
async fn open_regular(path: &std::path::Path) -> Option<(tokio::fs::File, u64)> {
    let is_file = tokio::fs::symlink_metadata(path)
        .await
        .is_ok_and(|m| m.file_type().is_file());
    if !is_file {
        return None;
    }
    let file = tokio::fs::File::open(path).await.ok()?;
    let len = file.metadata().await.ok()?.len();
    Some((file, len))
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
    fn only_local_host_names_are_answered() {
        for good in [
            "localhost",
            "localhost:1111",
            "127.0.0.1:8080",
            "[::1]:80",
            "app.localhost",
        ] {
            assert!(is_local_host(good), "{good}");
        }
        for bad in [
            "evil.example",
            "evil.example:1111",
            "localhost.evil.example",
            "[::1",
            "",
        ] {
            assert!(!is_local_host(bad), "{bad}");
        }
    }

    #[test]
    fn the_reload_script_is_allowed_by_hash_and_nothing_else() {
        let csp = "default-src 'self'; script-src 'self'; object-src 'none'";
        let out = allow_reload_script(csp);
        assert!(
            out.starts_with("default-src 'self'; script-src 'self' 'sha256-"),
            "{out}"
        );
        assert!(!out.contains("unsafe-inline"), "{out}");
        let out = allow_reload_script("default-src 'self'");
        assert!(
            out.starts_with("default-src 'self'; script-src 'self' 'sha256-"),
            "{out}"
        );
    }

    #[test]
    fn script_goes_before_the_closing_body_tag() {
        let out = with_reload_script(b"<html><body><p>x</p></body></html>");
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("</p><script>"), "{text}");
        assert!(text.ends_with("</script></body></html>"), "{text}");
    }
}
