//! Watching the site's sources and rebuilding on change.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use notify::event::ModifyKind;
use notify::{EventKind, RecursiveMode};
use notify_debouncer_full::{DebounceEventResult, new_debouncer};

use super::{Rebuilder, State, render_errors};
use crate::config::CONFIG_FILE;

/// Folders whose changes trigger a rebuild.
const WATCHED_DIRS: &[&str] = &["content", "themes", "templates", "static", "data", "i18n"];
/// Files at the site root whose changes trigger a rebuild.
const WATCHED_FILES: &[&str] = &[CONFIG_FILE, crate::policy::lock::LOCK_FILE];

/// How long the watcher waits for a burst of events (a save storm, a `git checkout`)
/// to settle before rebuilding once.
const DEBOUNCE: Duration = Duration::from_millis(30);

/// Starts watching in the background; each settled burst of changes gives one rebuild.
pub fn spawn(root: PathBuf, mut rebuilder: Rebuilder, state: Arc<State>) -> Result<(), String> {
    // Events name absolute paths; compare them with an absolute root.
    let root =
        std::fs::canonicalize(&root).map_err(|e| format!("cannot find {}: {e}", root.display()))?;
    let (tx, rx) = mpsc::channel::<DebounceEventResult>();
    let mut debouncer =
        new_debouncer(DEBOUNCE, None, tx).map_err(|e| format!("cannot watch files: {e}"))?;
    for dir in WATCHED_DIRS
        .iter()
        .map(|d| root.join(d))
        .filter(|d| d.is_dir())
    {
        debouncer
            .watch(&dir, RecursiveMode::Recursive)
            .map_err(|e| format!("cannot watch {}: {e}", dir.display()))?;
    }
    // The root itself, not recursively: catches site.toml even when an editor saves it
    // by writing a new file and renaming it over the old one.
    debouncer
        .watch(&root, RecursiveMode::NonRecursive)
        .map_err(|e| format!("cannot watch {}: {e}", root.display()))?;
    // Rebuilds run here: the same stack margin as rayon's threads (see main.rs).
    let rebuilds = std::thread::Builder::new()
        .name("rebuild".into())
        .stack_size(16 * 1024 * 1024);
    let spawned = rebuilds.spawn(move || {
        let _keep_watching = debouncer;
        while let Ok(first) = rx.recv() {
            let mut changed = paths(first);
            // Coalesce bursts that arrived while the last rebuild ran.
            while let Ok(more) = rx.try_recv() {
                changed.extend(paths(more));
            }
            changed.retain(|p| is_source(&root, p));
            if changed.is_empty() {
                continue;
            }
            let css_only = changed
                .iter()
                .all(|p| p.extension().is_some_and(|e| e == "css"));
            let started = Instant::now();
            // A bug in some stage must not end the preview: report it like a failed
            // build, keep serving the last good site, and start the next one afresh.
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                rebuilder.rebuild_after(&changed)
            }))
            .unwrap_or_else(|_| {
                rebuilder.forget();
                Err(crate::diagnostic::Diagnostic::error(
                    "vellum",
                    "vellum stopped on an internal error while rebuilding (a bug)",
                )
                .with_help("the last good site is still served; please report which file you saved")
                .into())
            });
            let stats = rebuilder.stats();
            match &outcome {
                Ok(_) => println!(
                    "Rebuilt after {} change(s) in {} ms: {} pages rendered, {} reused.",
                    changed.len(),
                    started.elapsed().as_millis(),
                    stats.pages_rendered,
                    stats.pages_reused
                ),
                Err(diagnostics) => eprintln!("{}", render_errors(diagnostics)),
            }
            state.publish(outcome.map_err(|d| render_errors(&d)), css_only);
        }
    });
    spawned.map_err(|e| format!("cannot start rebuilding: {e}"))?;
    Ok(())
}

/// Paths whose content changed. Reads (which the rebuild itself causes) and metadata
/// changes are left out, or every rebuild would trigger the next.
fn paths(result: DebounceEventResult) -> Vec<PathBuf> {
    let Ok(events) = result else {
        return Vec::new();
    };
    events
        .into_iter()
        .filter(|e| match e.event.kind {
            EventKind::Create(_) | EventKind::Remove(_) => true,
            EventKind::Modify(kind) => !matches!(kind, ModifyKind::Metadata(_)),
            _ => false,
        })
        .flat_map(|e| e.event.paths)
        .collect()
}

/// Whether a changed path is one of the site's sources (not an editor's swap file, not
/// the output folder).
fn is_source(root: &Path, path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    let temporary = name.starts_with('.')
        || name.starts_with('#')
        || name.ends_with('~')
        || name.ends_with(".swp")
        || name.ends_with(".swx")
        || name == "4913";
    if temporary {
        return false;
    }
    let Ok(relative) = path.strip_prefix(root) else {
        return false;
    };
    let mut parts = relative.components();
    let Some(first) = parts.next() else {
        return false;
    };
    let first = first.as_os_str().to_string_lossy();
    if parts.next().is_none() {
        return WATCHED_FILES.contains(&first.as_ref()) || WATCHED_DIRS.contains(&first.as_ref());
    }
    WATCHED_DIRS.contains(&first.as_ref())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_are_told_from_swap_files_and_output() {
        let root = Path::new("/site");
        assert!(is_source(root, Path::new("/site/content/a.md")));
        assert!(is_source(root, Path::new("/site/site.toml")));
        assert!(!is_source(root, Path::new("/site/content/.a.md.swp")));
        assert!(!is_source(root, Path::new("/site/content/a.md~")));
        assert!(!is_source(root, Path::new("/site/public/index.html")));
        assert!(!is_source(root, Path::new("/site/README.md")));
    }
}
