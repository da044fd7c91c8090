//! `vellum serve`: a live preview for editors.
//!
//! The site is built into the preview's folder ([`Blobs`], pages by digest) and served
//! on 127.0.0.1. A watcher rebuilds on every save (incrementally, see
//! [`crate::incremental`]); each HTML page gets a small script that shows the new page
//! when a rebuild finishes (in place when only its body changed), swaps stylesheets on
//! a CSS-only change, and shows the build error over the page when a rebuild fails,
//! while the last good site stays served.

mod http;
mod watch;

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::Instant;

use tokio::sync::broadcast;

use crate::build::{BuildOptions, render_site};
use crate::diagnostic::Diagnostics;
use crate::incremental::{Cache, Stats, hash_of};

/// What `vellum serve` was asked to do.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub root: PathBuf,
    pub bind: IpAddr,
    /// 0 picks a free port.
    pub port: u16,
    pub open: bool,
    pub drafts: bool,
    /// `--now`, kept as text so that every rebuild reads the clock afresh without it.
    pub now: Option<String>,
}

/// A file the server can send.
#[derive(Debug, Clone)]
pub struct Served {
    pub body: Body,
    pub etag: String,
    pub content_type: String,
}

/// Where a served file's bytes are.
#[derive(Debug, Clone)]
pub enum Body {
    /// A generated file (the sitemap, `versions.json`), kept in memory and shared by
    /// every response.
    Memory(axum::body::Bytes),
    /// A rendered page, kept on disk under its digest ([`Blobs`]) so that the preview
    /// holds no page in memory; read whole when asked for (an HTML page gets the reload
    /// script), otherwise streamed.
    Rendered { path: PathBuf },
    /// A copied file (an image, a PDF), streamed from disk on each request so that
    /// large files are neither held nor copied whole. `path` has no links in it.
    Disk { path: PathBuf },
}

impl Served {
    /// The file's bytes, whole (for tests and comparisons).
    pub fn read(&self) -> std::io::Result<Vec<u8>> {
        match &self.body {
            Body::Memory(bytes) => Ok(bytes.to_vec()),
            Body::Rendered { path } | Body::Disk { path } => std::fs::read(path),
        }
    }
}

/// The folder where `vellum serve` keeps rendered files by digest
/// (`.vellum-cache/preview/<pid>-<n>/` in the site), held by a lock so that a later serve
/// removes it only once this one has ended (even if it was killed). Removed when
/// dropped, and by `vellum serve` on Ctrl+C.
pub struct Blobs {
    path: PathBuf,
    _lock: std::fs::File,
}

impl Blobs {
    /// Makes a new folder, and removes those that no running serve holds.
    fn create(root: &std::path::Path) -> std::io::Result<Blobs> {
        // The cache sits in the checkout, so a pull request could commit links there:
        // its folders must be real ones, or files would be written (and folders
        // removed) wherever a link points.
        let mut parent = root.to_path_buf();
        for part in [".vellum-cache", "preview"] {
            parent.push(part);
            if std::fs::symlink_metadata(&parent).is_ok_and(|m| !m.is_dir()) {
                return Err(std::io::Error::other(format!(
                    "{} must be a folder, not a link or a file: delete it (it is rebuilt) and keep .vellum-cache/ out of git",
                    parent.strip_prefix(root).unwrap_or(&parent).display()
                )));
            }
        }
        std::fs::create_dir_all(&parent)?;
        for entry in std::fs::read_dir(&parent)?.flatten() {
            let Ok(lock) = std::fs::File::open(entry.path().join(".lock")) else {
                continue;
            };
            if lock.try_lock().is_ok() {
                let _ = std::fs::remove_dir_all(entry.path());
            }
        }
        for n in 0.. {
            let path = parent.join(format!("{}-{n}", std::process::id()));
            match std::fs::create_dir(&path) {
                Ok(()) => {
                    let lock = std::fs::File::create(path.join(".lock"))?;
                    lock.lock()?;
                    return Ok(Blobs { path, _lock: lock });
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(e),
            }
        }
        unreachable!("some folder number is free")
    }

    /// Removes every file that neither snapshot serves.
    fn keep_only(&self, snapshots: &[&Snapshot]) {
        let served: std::collections::HashSet<&std::path::Path> = snapshots
            .iter()
            .flat_map(|s| s.files.values())
            .filter_map(|served| match &served.body {
                Body::Rendered { path } => Some(path.as_path()),
                _ => None,
            })
            .collect();
        let Ok(entries) = std::fs::read_dir(&self.path) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let hidden = entry.file_name().to_string_lossy().starts_with('.');
            if !hidden && !served.contains(path.as_path()) {
                let _ = std::fs::remove_file(path);
            }
        }
    }
}

impl Drop for Blobs {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// How many body edits may leave their replaced files in the preview's folder before
/// it is cleaned (a listing of it: a few milliseconds at 10,000 pages).
const CLEAN_EVERY: usize = 50;

/// One complete build, as served. Files are shared between snapshots by reference
/// count, so that the snapshot after an edit is the last one with a few files replaced.
#[derive(Debug, Default, Clone)]
pub struct Snapshot {
    pub files: HashMap<Arc<str>, Arc<Served>>,
    /// The site's `_headers` rules, so the preview sends the security headers
    /// production sends (a CSP mistake shows before deploying).
    pub headers: Vec<crate::output::headers::Rule>,
}

/// What a browser tab is told after a rebuild.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    Reload,
    /// Only stylesheets changed: swap them without reloading.
    Css,
    /// The rebuild failed; the text is what the terminal printed.
    Error(String),
}

/// Builds the site for the preview (pages into [`Blobs`], served from there), reusing
/// what an edit left unchanged.
pub struct Rebuilder {
    options: BuildOptions,
    now: Option<String>,
    cache: Cache,
    /// The last whole build's model and values, for edits that change only bodies.
    kept: Option<Box<crate::render::Kept>>,
    /// The last good build's files, which such an edit's outputs replace.
    last: Option<Arc<Snapshot>>,
    /// Body edits since the preview's folder was last cleaned.
    edits_since_cleaning: usize,
    /// Where rendered files are kept, made by the first rebuild.
    blobs: Option<Blobs>,
}

impl Rebuilder {
    pub fn new(options: BuildOptions, now: Option<String>) -> Rebuilder {
        Rebuilder {
            options,
            now,
            cache: Cache::default(),
            kept: None,
            last: None,
            edits_since_cleaning: 0,
            blobs: None,
        }
    }

    /// Where rendered files are kept (once the first rebuild made the folder).
    pub fn preview_dir(&self) -> Option<PathBuf> {
        self.blobs.as_ref().map(|b| b.path.clone())
    }

    /// The folder of rendered files, made on first use.
    fn blobs(&mut self) -> Result<&Blobs, Diagnostics> {
        if self.blobs.is_none() {
            let blobs = Blobs::create(&self.options.root).map_err(|e| {
                crate::diagnostic::Diagnostic::error(
                    ".vellum-cache/preview",
                    format!("cannot make the preview's folder: {e}"),
                )
            })?;
            self.blobs = Some(blobs);
        }
        Ok(self.blobs.as_ref().expect("made just above"))
    }

    /// Rebuilds after a save of the files at `changed` (absolute paths, as the watcher
    /// gives them): when they are pages whose body alone changed, only what shows those
    /// pages is rendered again ([`crate::build::render_edits`]); anything else runs the
    /// whole pipeline ([`Rebuilder::rebuild`]). Both give the same site.
    pub fn rebuild_after(&mut self, changed: &[PathBuf]) -> Result<Arc<Snapshot>, Diagnostics> {
        self.read_the_clock()?;
        let (Some(kept), Some(last), Some(blobs)) =
            (self.kept.as_deref_mut(), &self.last, &self.blobs)
        else {
            return self.rebuild();
        };
        let sink = crate::output::Sink::Blobs(&blobs.path);
        let Some(rendered) =
            crate::build::render_edits(&self.options, kept, &mut self.cache, changed, sink)
        else {
            return self.rebuild();
        };
        let mut timer = crate::build::StageTimer::new();
        let rendered = match rendered {
            Ok(rendered) => rendered,
            Err(errors) => {
                // The failed files stay new on disk while the kept model has their
                // old text: the next save runs the whole pipeline, which reads them.
                self.kept = None;
                return Err(errors);
            }
        };
        if rendered.is_empty() {
            return Ok(Arc::clone(last));
        }
        // The last snapshot with the new files: a copy of its table of reference counts.
        let mut snapshot = Snapshot::clone(last);
        for (path, digest) in rendered {
            let key = path.trim_start_matches('/');
            let served = rendered_file(key, &blobs.path, &digest);
            snapshot.files.insert(Arc::from(key), Arc::new(served));
        }
        let snapshot = Arc::new(snapshot);
        // Each edit leaves a few files no snapshot serves; now and then they go.
        self.edits_since_cleaning += 1;
        if self.edits_since_cleaning >= CLEAN_EVERY {
            blobs.keep_only(&[&snapshot, last]);
            self.edits_since_cleaning = 0;
        }
        self.last = Some(Arc::clone(&snapshot));
        timer.lap("edit: the served files");
        Ok(snapshot)
    }

    /// Runs the whole pipeline and returns every file of the site.
    pub fn rebuild(&mut self) -> Result<Arc<Snapshot>, Diagnostics> {
        self.read_the_clock()?;
        self.kept = None;
        // The snapshot being served until this build succeeds (kept after a failure).
        let previous = self.last.clone();
        self.cache.stats = Stats::default();
        let dir = self.blobs()?.path.clone();
        let mut site = render_site(
            &self.options,
            Some(&mut self.cache),
            crate::output::Sink::Blobs(&dir),
        )?;
        self.kept = site.kept.take();
        let mut files = HashMap::with_capacity(site.files.len() + site.copies.len());
        for copy in &site.copies {
            let metadata = std::fs::metadata(&copy.source).map_err(|e| {
                crate::diagnostic::Diagnostic::error(
                    &copy.source,
                    format!("cannot read this file: {e}"),
                )
            })?;
            let key = copy.path.trim_start_matches('/');
            // The real path, links resolved now (the build checked them): a request
            // opens exactly this file, never a link put there after the rebuild.
            let real = std::fs::canonicalize(&copy.source).unwrap_or_else(|_| copy.source.clone());
            files.insert(Arc::from(key), Arc::new(on_disk(key, &real, &metadata)));
        }
        for (path, digest) in &site.digests {
            let key = path.trim_start_matches('/');
            let served = rendered_file(key, &dir, digest);
            files.insert(Arc::from(key), Arc::new(served));
        }
        for file in site.files {
            let key = file.path.trim_start_matches('/');
            let served = served(key, file.bytes);
            files.insert(Arc::from(key), Arc::new(served));
        }
        let headers = match files.get("_headers").map(|s| s.read()) {
            Some(Ok(bytes)) => crate::output::headers::parse(&String::from_utf8_lossy(&bytes)),
            _ => Vec::new(),
        };
        let snapshot = Arc::new(Snapshot { files, headers });
        // Files of earlier builds go, but not those of the last good one, which is
        // served until this one is published and which a request may still be reading.
        if let Some(blobs) = &self.blobs {
            blobs.keep_only(&[&snapshot, previous.as_deref().unwrap_or(&snapshot)]);
            self.edits_since_cleaning = 0;
        }
        self.last = Some(Arc::clone(&snapshot));
        Ok(snapshot)
    }

    /// Sets the build's "now" for the next rebuild.
    fn read_the_clock(&mut self) -> Result<(), Diagnostics> {
        let epoch = std::env::var("SOURCE_DATE_EPOCH").ok();
        let now = crate::clock::build_time(self.now.as_deref(), epoch.as_deref())
            .map_err(|e| crate::diagnostic::Diagnostic::error("--now", e))?;
        // Read from the clock, "now" is today at local midnight: policy versions change
        // status by the day, and a clock that ticks every second would make every page
        // that shows `now()` differ, so every save would re-render the whole site.
        let from_clock = self.now.is_none() && epoch.is_none();
        self.options.now = match now {
            crate::clock::Now::Instant(instant) if from_clock => {
                crate::clock::Now::StartOfDayOf(instant)
            }
            now => now,
        };
        Ok(())
    }

    /// Drops everything reused between rebuilds (after a rebuild stopped midway).
    /// The last good site stays: it is what the preview serves until a rebuild works.
    pub fn forget(&mut self) {
        self.cache = Cache::default();
        self.kept = None;
    }

    /// What the last rebuild rendered and reused.
    pub fn stats(&self) -> Stats {
        self.cache.stats
    }

    /// The output files the last rebuild rendered (the others it reused).
    pub fn rendered(&self) -> &[String] {
        &self.cache.rendered
    }
}

fn served(path: &str, bytes: Vec<u8>) -> Served {
    let etag = format!("\"{:016x}\"", hash_of(&bytes));
    let content_type = crate::output::content_type(path);
    Served {
        body: Body::Memory(bytes.into()),
        etag,
        content_type,
    }
}

/// A rendered file kept by [`Blobs`]; its tag is its digest.
fn rendered_file(path: &str, dir: &std::path::Path, digest: &crate::output::Digest) -> Served {
    Served {
        body: Body::Rendered {
            path: crate::output::blob_path(dir, digest),
        },
        etag: format!("\"{}\"", &digest.sha256[..16]),
        content_type: crate::output::content_type(path),
    }
}

/// A copied file, served from disk; its tag changes with its size and time, which a
/// save changes, without reading it.
fn on_disk(path: &str, source: &std::path::Path, metadata: &std::fs::Metadata) -> Served {
    let modified = metadata
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos());
    Served {
        body: Body::Disk {
            path: source.to_path_buf(),
        },
        etag: format!("\"{:x}-{modified:x}\"", metadata.len()),
        content_type: crate::output::content_type(path),
    }
}

/// The server's shared state: the last good site, the current error, and the channel
/// to every open tab.
pub struct State {
    snapshot: RwLock<Arc<Snapshot>>,
    error: RwLock<Option<String>>,
    notices: broadcast::Sender<Notice>,
}

impl State {
    fn new(snapshot: Arc<Snapshot>, error: Option<String>) -> Arc<State> {
        let (notices, _) = broadcast::channel(16);
        Arc::new(State {
            snapshot: RwLock::new(snapshot),
            error: RwLock::new(error),
            notices,
        })
    }

    fn snapshot(&self) -> Arc<Snapshot> {
        Arc::clone(&self.snapshot.read().unwrap_or_else(|e| e.into_inner()))
    }

    fn error(&self) -> Option<String> {
        self.error.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Publishes a rebuild's outcome: a new site and a reload, or an error.
    fn publish(&self, outcome: Result<Arc<Snapshot>, String>, css_only: bool) {
        match outcome {
            Ok(snapshot) => {
                *self.snapshot.write().unwrap_or_else(|e| e.into_inner()) = snapshot;
                let had_error = self
                    .error
                    .write()
                    .unwrap_or_else(|e| e.into_inner())
                    .take()
                    .is_some();
                let notice = if css_only && !had_error {
                    Notice::Css
                } else {
                    Notice::Reload
                };
                let _ = self.notices.send(notice);
            }
            Err(message) => {
                *self.error.write().unwrap_or_else(|e| e.into_inner()) = Some(message.clone());
                let _ = self.notices.send(Notice::Error(message));
            }
        }
    }
}

fn render_errors(diagnostics: &Diagnostics) -> String {
    let mut text: String = diagnostics
        .0
        .iter()
        .map(|d| d.render(false) + "\n")
        .collect();
    let errors = diagnostics.error_count();
    text.push_str(&format!(
        "Build failed with {errors} error{}.",
        if errors == 1 { "" } else { "s" }
    ));
    text
}

/// Runs the preview server until interrupted.
pub fn serve(options: ServeOptions) -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the server: {e}"))?;
    runtime.block_on(run(options))
}

async fn run(options: ServeOptions) -> Result<(), String> {
    let address = SocketAddr::new(options.bind, options.port);
    let listener = tokio::net::TcpListener::bind(address)
        .await
        .map_err(|e| format!("cannot listen on {address}: {e} (try another --port)"))?;
    let address = listener.local_addr().map_err(|e| e.to_string())?;
    let host = match address.ip() {
        ip if ip.is_unspecified() => "127.0.0.1".to_string(),
        IpAddr::V6(ip) => format!("[{ip}]"),
        ip => ip.to_string(),
    };
    let url = format!("http://{host}:{}/", address.port());
    let build_options = BuildOptions {
        root: options.root.clone(),
        output: options.root.join("public"),
        base_url: Some(url.clone()),
        drafts: options.drafts,
        now: crate::clock::Now::Instant(chrono::Utc::now()),
        progress: false,
        locked: false,
        import: None,
    };
    let mut rebuilder = Rebuilder::new(build_options, options.now.clone());
    let started = Instant::now();
    let state = match rebuilder.rebuild() {
        Ok(snapshot) => {
            println!(
                "Built {} files in {} ms.",
                snapshot.files.len(),
                started.elapsed().as_millis()
            );
            State::new(snapshot, None)
        }
        Err(diagnostics) => {
            let text = render_errors(&diagnostics);
            eprintln!("{text}");
            State::new(Arc::default(), Some(text))
        }
    };
    // The watcher's thread owns the rebuilder; its folder of rendered files is removed
    // here on Ctrl+C (a serve killed otherwise leaves it to the next one to remove).
    let preview = rebuilder.preview_dir();
    watch::spawn(options.root.clone(), rebuilder, Arc::clone(&state))?;
    println!("Serving {url} (press Ctrl+C to stop)");
    if options.open {
        // Say when no browser can open, or an editor waits for a window that never
        // comes (xdg-open's own failure is not reported back, hence the display check).
        let no_display = cfg!(target_os = "linux")
            && std::env::var_os("DISPLAY").is_none()
            && std::env::var_os("WAYLAND_DISPLAY").is_none();
        if no_display {
            println!("No screen to open a browser on here: open {url} on this machine's browser.");
        } else if let Err(error) = opener::open(&url) {
            println!("Could not open a browser ({error}): open {url} in yours.");
        } else {
            println!("Opening {url} in your browser; if none opens, open that address yourself.");
        }
    }
    tokio::select! {
        served = http::serve(listener, state) => served,
        _ = tokio::signal::ctrl_c() => {
            if let Some(dir) = preview {
                let _ = std::fs::remove_dir_all(dir);
            }
            Ok(())
        }
    }
}
