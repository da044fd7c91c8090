//! Stage four: writes the rendered site. Everything goes to a fresh folder beside the
//! output folder, which replaces the old output only once every file is written, so a
//! failed build never leaves a half-written site.

mod content_type;
pub mod fingerprint;
pub mod headers;
pub mod manifest;
mod minify;
mod swap;

use std::path::{Component, Path, PathBuf};

use rayon::prelude::*;

use crate::diagnostic::Diagnostic;
pub use content_type::content_type;
pub use minify::{minify_html, minify_html_around};
pub use swap::{MARKER, OutputLock, PendingFile, Staged, check_output_dir};

/// A file to write: its path under the output folder (with `/` separators) and its bytes.
#[derive(Debug)]
pub struct OutputFile {
    pub path: String,
    pub bytes: Vec<u8>,
}

/// Where rendered files go: kept in memory (`check`), written into the staging folder
/// as soon as each is rendered (`build`), so that memory is bounded by the content, not
/// by the output, or stored by content (`serve`).
#[derive(Debug, Clone, Copy)]
pub enum Sink<'a> {
    Memory,
    Folder(&'a Path),
    /// `vellum serve`: each file is written once under its SHA-256 in this folder (see
    /// [`blob_path`]) and served from there, so that the preview holds no page in
    /// memory and an edit writes only the files it changed.
    Blobs(&'a Path),
}

/// Where [`Sink::Blobs`] keeps a file with this digest.
pub fn blob_path(dir: &Path, digest: &Digest) -> PathBuf {
    dir.join(&digest.sha256)
}

/// The size and SHA-256 of a file written by [`Sink::Folder`], for the manifest.
#[derive(Debug, Clone)]
pub struct Digest {
    pub size: u64,
    pub sha256: String,
}

impl Sink<'_> {
    /// Keeps `file`, or writes it and keeps its path and digest only (empty bytes).
    pub fn accept(&self, file: OutputFile) -> Result<(OutputFile, Option<Digest>), Diagnostic> {
        let dir = match self {
            Sink::Memory => return Ok((file, None)),
            Sink::Blobs(dir) => return write_blob(dir, file),
            Sink::Folder(dir) => dir,
        };
        let target = target_path(dir, &file.path, Path::new(&file.path))?;
        if let Some(folder) = target.parent() {
            std::fs::create_dir_all(folder).map_err(|e| {
                Diagnostic::error(folder, format!("cannot create this output folder: {e}"))
            })?;
        }
        std::fs::write(&target, &file.bytes).map_err(|e| {
            Diagnostic::error(&target, format!("cannot write this output file: {e}"))
        })?;
        let digest = Digest {
            size: file.bytes.len() as u64,
            sha256: crate::policy::lock::sha256_hex(&file.bytes),
        };
        Ok((
            OutputFile {
                path: file.path,
                bytes: Vec::new(),
            },
            Some(digest),
        ))
    }
}

/// Stores `file` under its digest, unless a file with that digest is there already. It
/// is written under a temporary name and renamed, so a blob being served is never
/// half-written.
fn write_blob(dir: &Path, file: OutputFile) -> Result<(OutputFile, Option<Digest>), Diagnostic> {
    let digest = Digest {
        size: file.bytes.len() as u64,
        sha256: crate::policy::lock::sha256_hex(&file.bytes),
    };
    let target = blob_path(dir, &digest);
    if !target.exists() {
        let thread = std::thread::current().id();
        let temporary = dir.join(format!(".{}-{thread:?}", digest.sha256));
        std::fs::write(&temporary, &file.bytes)
            .and_then(|()| std::fs::rename(&temporary, &target))
            .map_err(|e| {
                Diagnostic::error(&target, format!("cannot write this preview file: {e}"))
            })?;
    }
    let file = OutputFile {
        path: file.path,
        bytes: Vec::new(),
    };
    Ok((file, Some(digest)))
}

/// A file to copy as it is (static files, content assets).
#[derive(Debug)]
pub struct CopiedFile {
    pub source: PathBuf,
    pub path: String,
}

/// The output path (`about/index.html`, `/` separators) of a file under `dir`.
pub fn output_path(dir: &Path, file: &Path) -> String {
    let relative = file.strip_prefix(dir).unwrap_or(file);
    relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// Joins an output path to the output folder, refusing anything that could land outside it.
pub fn safe_join(base: &Path, relative: &str) -> Result<PathBuf, String> {
    let relative = relative.trim_start_matches('/');
    if relative.contains('\\') {
        return Err(format!("output path `{relative}` contains a backslash"));
    }
    let mut joined = base.to_path_buf();
    for component in Path::new(relative).components() {
        match component {
            Component::Normal(part) => joined.push(part),
            Component::CurDir => {}
            _ => {
                return Err(format!(
                    "output path `{relative}` would leave the output folder"
                ));
            }
        }
    }
    Ok(joined)
}

/// Writes all files into `dir` (a fresh, empty folder). Copies come first so that a
/// rendered page wins over a static file at the same path.
pub fn write_all(
    dir: &Path,
    copies: &[CopiedFile],
    files: &[OutputFile],
) -> Result<(), Diagnostic> {
    std::fs::write(
        dir.join(MARKER),
        "Written by vellum: this folder is replaced on every build.\n",
    )
    .map_err(|e| Diagnostic::error(dir, format!("cannot write into the output folder: {e}")))?;
    // Make every folder first, once, instead of asking for each file's folder again.
    let mut folders: Vec<PathBuf> = copies
        .iter()
        .map(|c| c.path.as_str())
        .chain(files.iter().map(|f| f.path.as_str()))
        .filter_map(|path| safe_join(dir, path).ok()?.parent().map(Path::to_path_buf))
        .collect();
    folders.sort_unstable();
    folders.dedup();
    for folder in &folders {
        std::fs::create_dir_all(folder).map_err(|e| {
            Diagnostic::error(folder, format!("cannot create this output folder: {e}"))
        })?;
    }
    copies.par_iter().try_for_each(|copy| {
        let target = target_path(dir, &copy.path, &copy.source)?;
        std::fs::copy(&copy.source, &target).map(drop).map_err(|e| {
            Diagnostic::error(
                &copy.source,
                format!("cannot copy this file to the output: {e}"),
            )
        })
    })?;
    files.par_iter().try_for_each(|file| {
        let target = target_path(dir, &file.path, Path::new(&file.path))?;
        std::fs::write(&target, &file.bytes)
            .map_err(|e| Diagnostic::error(&target, format!("cannot write this output file: {e}")))
    })
}

fn target_path(dir: &Path, relative: &str, source: &Path) -> Result<PathBuf, Diagnostic> {
    safe_join(dir, relative).map_err(|why| Diagnostic::error(source, why))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn safe_join_keeps_paths_inside() {
        let base = Path::new("/out");
        assert_eq!(
            safe_join(base, "/about/index.html").unwrap(),
            Path::new("/out/about/index.html")
        );
        assert!(safe_join(base, "../x").is_err());
        assert!(safe_join(base, "a/../../x").is_err());
        assert!(safe_join(base, "a\\..\\x").is_err());
    }
}
