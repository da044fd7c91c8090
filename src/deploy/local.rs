//! The built site as a deploy sees it: the files of `public/`, each checked against the
//! manifest the build wrote beside it, so a folder edited or half-copied since the
//! build is refused rather than published.

use std::collections::BTreeSet;
use std::io::Read;
use std::path::Path;

use md5::Md5;
use rayon::prelude::*;
use sha2::{Digest, Sha256};

use crate::output::MARKER;
use crate::output::headers::IMMUTABLE;
use crate::output::manifest::{Manifest, manifest_path};

/// Files the build writes for hosts that read them (Netlify, Cloudflare Pages) and that
/// mean nothing in a bucket.
pub const HOST_FILES: [&str; 1] = ["_headers"];

const STALE: &str =
    "\nBuild again, then deploy: only a folder exactly as `vellum build` wrote it is published.";

/// One built file to publish.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalFile {
    /// Output path, `about/index.html`: the object's key under the target's prefix.
    pub path: String,
    pub size: u64,
    pub md5: String,
    pub sha256: String,
    pub content_type: String,
    pub cache_control: String,
    /// Fingerprinted: its URL never changes content.
    pub immutable: bool,
}

/// The built site: its files to publish (sorted by path), the manifest, and the host
/// files it has that a bucket will not apply.
pub struct Built {
    pub files: Vec<LocalFile>,
    pub manifest: Manifest,
    pub host_files: Vec<String>,
}

/// Reads `output` and its manifest. Errors are whole sentences for the terminal.
pub fn read(output: &Path) -> Result<Built, String> {
    let manifest_file = manifest_path(output);
    if !output.is_dir() {
        return Err(format!(
            "{} does not exist: run `vellum build` first, then deploy",
            output.display()
        ));
    }
    let manifest = Manifest::read(&manifest_file).map_err(|e| {
        format!("{e}\nThe manifest is written by `vellum build`: build again, then deploy.")
    })?;
    let on_disk = files_in(output)?;
    let listed: BTreeSet<&str> = manifest.files.keys().map(String::as_str).collect();
    if let Some(extra) = on_disk.iter().find(|p| !listed.contains(p.as_str())) {
        return Err(format!(
            "{}/{extra} is not in {}: the folder changed after the build.{}",
            output.display(),
            manifest_file.display(),
            STALE
        ));
    }
    let files: Vec<LocalFile> = manifest
        .files
        .par_iter()
        .filter(|(path, _)| !HOST_FILES.contains(&path.as_str()))
        .map(|(path, entry)| {
            let file = output.join(path);
            let (size, md5, sha256) = hashes(&file)
                .map_err(|e| format!("cannot read {}: {e}{}", file.display(), STALE))?;
            if sha256 != entry.sha256 || size != entry.size {
                return Err(format!(
                    "{} differs from what the build wrote (see {}).{}",
                    file.display(),
                    manifest_file.display(),
                    STALE
                ));
            }
            Ok(LocalFile {
                path: path.clone(),
                size,
                md5,
                sha256,
                content_type: entry.content_type.clone(),
                cache_control: entry.cache_control.clone(),
                immutable: entry.cache_control == IMMUTABLE,
            })
        })
        .collect::<Result<_, _>>()?;
    let host_files = HOST_FILES
        .iter()
        .filter(|f| listed.contains(*f))
        .map(|f| f.to_string())
        .collect();
    Ok(Built {
        files,
        manifest,
        host_files,
    })
}

/// Output paths of the files under `dir`, sorted.
fn files_in(dir: &Path) -> Result<Vec<String>, String> {
    let mut paths = Vec::new();
    for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let entry = entry.map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
        if entry.file_type().is_dir() {
            continue;
        }
        let path = crate::output::output_path(dir, entry.path());
        if path != MARKER {
            paths.push(path);
        }
    }
    Ok(paths)
}

/// Size, MD5 (to compare with ETags) and SHA-256 (to compare with the manifest) of a
/// file, read once in blocks.
fn hashes(path: &Path) -> std::io::Result<(u64, String, String)> {
    let mut file = std::fs::File::open(path)?;
    let (mut md5, mut sha) = (Md5::new(), Sha256::new());
    let mut buffer = vec![0; 256 * 1024];
    let mut size = 0;
    loop {
        let n = file.read(&mut buffer)?;
        if n == 0 {
            break;
        }
        md5.update(&buffer[..n]);
        sha.update(&buffer[..n]);
        size += n as u64;
    }
    Ok((size, hex(&md5.finalize()), hex(&sha.finalize())))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
