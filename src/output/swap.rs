//! Replacing the output folder in one step.

use std::path::{Path, PathBuf};

use crate::diagnostic::Diagnostic;

/// Refuses output folders whose replacement would delete the site itself (the site root,
/// a folder above it, or one of its source folders), a file, a folder vellum cannot
/// read, and a folder vellum did not write.
pub fn check_output_dir(root: &Path, output: &Path) -> Result<(), Diagnostic> {
    let root = absolute(root);
    let output = absolute(output);
    let sources = [
        "content",
        "themes",
        "templates",
        "static",
        "data",
        "src",
        ".git",
    ];
    let inside_source = sources.iter().any(|s| output.starts_with(root.join(s)));
    if root.starts_with(&output) || inside_source || output.parent().is_none() {
        return Err(Diagnostic::error(
            &output,
            "this output folder would overwrite the site's own files",
        )
        .with_help("choose a separate folder such as public/ with --output"));
    }
    let Ok(metadata) = std::fs::symlink_metadata(&output) else {
        return Ok(());
    };
    if !metadata.is_dir() {
        let what = if metadata.is_symlink() {
            "a link"
        } else {
            "a file"
        };
        return Err(Diagnostic::error(
            &output,
            format!("this is {what}, not a folder, so vellum will not replace it with a site"),
        )
        .with_help("choose a folder with --output, such as public/"));
    }
    // Replacing the output deletes what was there: only do that to a folder vellum made.
    let mut entries = std::fs::read_dir(&output).map_err(|e| {
        Diagnostic::error(&output, format!("cannot read this output folder: {e}"))
            .with_help("vellum replaces only folders it can read and knows it wrote: fix the permissions or choose another --output")
    })?;
    if entries.next().is_some() && !output.join(MARKER).exists() {
        return Err(Diagnostic::error(
            &output,
            "this folder already exists and was not written by vellum, so it will not be replaced",
        )
        .with_help("choose an empty or new folder with --output, or delete this one if you no longer need it"));
    }
    Ok(())
}

/// A file in every output folder marking it as vellum's to replace.
pub const MARKER: &str = ".vellum-output";

fn absolute(path: &Path) -> PathBuf {
    let path = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    // Lexically drop `.` and `..` so `site/../site` compares equal to `site`.
    let mut clean = PathBuf::new();
    for component in path.components() {
        match component {
            std::path::Component::ParentDir => {
                clean.pop();
            }
            std::path::Component::CurDir => {}
            other => clean.push(other),
        }
    }
    clean
}

/// The folder that holds `output`, and `output`'s name.
fn parent_and_name(output: &Path) -> (PathBuf, String) {
    let parent = match output.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = output
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    (parent, name)
}

/// [`parent_and_name`], with the parent created if it is missing.
fn made_parent(output: &Path) -> Result<(PathBuf, String), Diagnostic> {
    let (parent, name) = parent_and_name(output);
    std::fs::create_dir_all(&parent).map_err(|e| {
        Diagnostic::error(
            &parent,
            format!("cannot create the output's parent folder: {e}"),
        )
    })?;
    Ok((parent, name))
}

/// One build's hold on an output folder: an OS file lock on `.NAME.lock` beside it, so
/// two builds of one site never interleave (the second waits, saying so). Released
/// when dropped, and by the OS when a build is killed.
#[derive(Debug)]
pub struct OutputLock {
    _file: std::fs::File,
}

impl OutputLock {
    /// Takes the lock, then clears what killed builds left beside the output.
    pub fn acquire(output: &Path) -> Result<OutputLock, Diagnostic> {
        let (parent, name) = made_parent(output)?;
        let path = parent.join(format!(".{name}.lock"));
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| Diagnostic::error(&path, format!("cannot create the build lock: {e}")))?;
        let locked = match file.try_lock() {
            Ok(()) => Ok(()),
            Err(std::fs::TryLockError::WouldBlock) => {
                eprintln!(
                    "Another vellum build is writing {}; waiting for it to finish...",
                    output.display()
                );
                file.lock()
            }
            Err(std::fs::TryLockError::Error(e)) => Err(e),
        };
        locked.map_err(|e| Diagnostic::error(&path, format!("cannot take the build lock: {e}")))?;
        clean_leftovers(&parent, &name, output)?;
        Ok(OutputLock { _file: file })
    }
}

/// Removes staging folders and half-written files that builds killed midway left
/// beside the output (`.public.new-PID`, `.public.old-PID`, `.public.manifest.json.new-PID`).
/// Holding the lock, no live build owns them. A build killed between moving the old
/// output aside and moving the new one in leaves no output: the old one is put back.
fn clean_leftovers(parent: &Path, name: &str, output: &Path) -> Result<(), Diagnostic> {
    let Ok(entries) = std::fs::read_dir(parent) else {
        return Ok(());
    };
    let prefixes = [
        format!(".{name}.new-"),
        format!(".{name}.old-"),
        format!(".{name}.manifest.json.new-"),
    ];
    let mut leftovers: Vec<PathBuf> = entries
        .flatten()
        .filter(|e| {
            let file_name = e.file_name().to_string_lossy().into_owned();
            prefixes.iter().any(|p| file_name.starts_with(p.as_str()))
        })
        .map(|e| e.path())
        .collect();
    leftovers.sort();
    let retired = format!(".{name}.old-");
    if std::fs::symlink_metadata(output).is_err()
        && let Some(at) = leftovers.iter().position(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with(&retired))
        })
    {
        let previous = leftovers.remove(at);
        std::fs::rename(&previous, output).map_err(|e| {
            Diagnostic::error(
                &previous,
                format!("cannot put back the output an interrupted build moved aside: {e}"),
            )
        })?;
    }
    for leftover in leftovers {
        let removed = if leftover.is_dir() {
            std::fs::remove_dir_all(&leftover)
        } else {
            std::fs::remove_file(&leftover)
        };
        removed.map_err(|e| {
            Diagnostic::error(
                &leftover,
                format!("cannot remove what an interrupted build left here: {e}"),
            )
        })?;
    }
    Ok(())
}

/// A new output written beside the old one, not yet in its place. Dropped without
/// [`Staged::swap`], it is removed and the old output stays as it was.
#[derive(Debug)]
pub struct Staged {
    staging: PathBuf,
    output: PathBuf,
}

impl Staged {
    /// An empty staging folder beside `output`, removed when dropped unless swapped in.
    pub fn create(output: &Path) -> Result<Staged, Diagnostic> {
        let (parent, name) = made_parent(output)?;
        let staging = parent.join(format!(".{name}.new-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&staging);
        std::fs::create_dir(&staging).map_err(|e| {
            Diagnostic::error(&staging, format!("cannot create the staging folder: {e}"))
        })?;
        Ok(Staged {
            staging,
            output: output.to_path_buf(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.staging
    }

    /// Moves the new output into place. On failure the previous output is put back.
    pub fn swap(self) -> Result<(), Diagnostic> {
        let (parent, name) = parent_and_name(&self.output);
        let retired = parent.join(format!(".{name}.old-{}", std::process::id()));
        let output = &self.output;
        let had_output = std::fs::symlink_metadata(output).is_ok();
        if had_output {
            std::fs::rename(output, &retired).map_err(|e| {
                Diagnostic::error(
                    output,
                    format!("cannot move the previous output aside: {e}"),
                )
            })?;
        }
        if let Err(e) = std::fs::rename(&self.staging, output) {
            // Put the previous output back so that nothing is lost.
            if had_output && let Err(back) = std::fs::rename(&retired, output) {
                return Err(Diagnostic::error(
                    output,
                    format!(
                        "cannot move the new output into place ({e}), nor the previous one back ({back}): it is in {}",
                        retired.display()
                    ),
                )
                .with_help("the next build puts it back before it starts"));
            }
            return Err(Diagnostic::error(
                output,
                format!("cannot move the new output into place: {e}"),
            ));
        }
        if had_output {
            let _ = std::fs::remove_dir_all(&retired);
        }
        Ok(())
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.staging);
    }
}

/// A file written beside its destination before the output is swapped, and renamed
/// into place after: everything that can fail for lack of space or permission has
/// failed before the swap. Dropped without [`PendingFile::commit`], it is removed.
#[derive(Debug)]
pub struct PendingFile {
    written: PathBuf,
    target: PathBuf,
    shown: PathBuf,
}

impl PendingFile {
    /// Writes `bytes` next to `target`; `shown` names `target` in messages.
    pub fn write(target: &Path, shown: &Path, bytes: &[u8]) -> Result<PendingFile, Diagnostic> {
        let (parent, name) = parent_and_name(target);
        let written = parent.join(format!(".{name}.new-{}", std::process::id()));
        std::fs::write(&written, bytes)
            .map_err(|e| Diagnostic::error(shown, format!("cannot write this file: {e}")))?;
        Ok(PendingFile {
            written,
            target: target.to_path_buf(),
            shown: shown.to_path_buf(),
        })
    }

    /// Removes what killed builds left while writing `target` (`.NAME.new-PID`).
    pub fn clear_leftovers(target: &Path) {
        let (parent, name) = parent_and_name(target);
        let prefix = format!(".{name}.new-");
        for entry in std::fs::read_dir(parent).into_iter().flatten().flatten() {
            let file_name = entry.file_name().to_string_lossy().into_owned();
            let Some(pid) = file_name.strip_prefix(&prefix) else {
                continue;
            };
            // Another build of this site into another output may be writing it now.
            let running = Path::new("/proc").join(pid).exists();
            if !running {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }

    /// Renames the file into place.
    pub fn commit(self) -> Result<(), Diagnostic> {
        std::fs::rename(&self.written, &self.target)
            .map_err(|e| Diagnostic::error(&self.shown, format!("cannot update this file: {e}")))
    }
}

impl Drop for PendingFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.written);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What `vellum build` does with the staging folder: fill it, then swap it in;
    /// a failed fill drops it and the previous output stays as it was.
    fn replace_dir(
        output: &Path,
        fill: impl FnOnce(&Path) -> Result<(), Diagnostic>,
    ) -> Result<(), Diagnostic> {
        let staged = Staged::create(output)?;
        fill(staged.path())?;
        staged.swap()
    }

    #[test]
    fn failed_fill_keeps_previous_output() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("public");
        std::fs::create_dir(&out).unwrap();
        std::fs::write(out.join("index.html"), "old").unwrap();
        let result = replace_dir(&out, |dir| {
            std::fs::write(dir.join("index.html"), "new").unwrap();
            Err(Diagnostic::error("x", "boom"))
        });
        assert!(result.is_err());
        assert_eq!(
            std::fs::read_to_string(out.join("index.html")).unwrap(),
            "old"
        );
        assert_eq!(
            std::fs::read_dir(tmp.path()).unwrap().count(),
            1,
            "no staging left behind"
        );
    }

    #[test]
    fn successful_fill_replaces_output() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("public");
        std::fs::create_dir(&out).unwrap();
        std::fs::write(out.join("stale.html"), "old").unwrap();
        replace_dir(&out, |dir| {
            std::fs::write(dir.join("index.html"), "new").map_err(|_| Diagnostic::error("x", "io"))
        })
        .unwrap();
        assert!(!out.join("stale.html").exists());
        assert_eq!(
            std::fs::read_to_string(out.join("index.html")).unwrap(),
            "new"
        );
    }

    #[test]
    fn a_folder_vellum_did_not_write_is_not_replaced() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("documents");
        std::fs::create_dir(&out).unwrap();
        std::fs::write(out.join("thesis.txt"), "precious").unwrap();
        assert!(check_output_dir(Path::new("/srv/site"), &out).is_err());
        std::fs::write(out.join(MARKER), "").unwrap();
        assert!(check_output_dir(Path::new("/srv/site"), &out).is_ok());
        std::fs::create_dir(tmp.path().join("empty")).unwrap();
        assert!(check_output_dir(Path::new("/srv/site"), &tmp.path().join("empty")).is_ok());
    }

    #[test]
    fn a_file_is_not_an_output_folder() {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("site.toml");
        std::fs::write(&file, "title = 1").unwrap();
        let err = check_output_dir(Path::new("/srv/site"), &file).unwrap_err();
        assert!(err.message.contains("is a file"), "{err}");
    }

    #[test]
    fn leftovers_of_killed_builds_are_cleared_and_a_moved_output_is_put_back() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("public");
        for leftover in [".public.new-11", ".public.old-12"] {
            std::fs::create_dir(tmp.path().join(leftover)).unwrap();
        }
        std::fs::write(tmp.path().join(".public.old-12/index.html"), "previous").unwrap();
        std::fs::write(tmp.path().join(".public.manifest.json.new-11"), "{").unwrap();
        let lock = OutputLock::acquire(&out).unwrap();
        assert_eq!(
            std::fs::read_to_string(out.join("index.html")).unwrap(),
            "previous"
        );
        let mut left: Vec<String> = std::fs::read_dir(tmp.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(left, [".public.lock", "public"]);
        drop(lock);
    }

    #[test]
    fn output_cannot_be_the_site_root_or_a_source_folder() {
        let root = Path::new("/srv/site");
        assert!(check_output_dir(root, Path::new("/srv/site")).is_err());
        assert!(check_output_dir(root, Path::new("/srv")).is_err());
        assert!(check_output_dir(root, Path::new("/srv/site/content/x")).is_err());
        assert!(check_output_dir(root, Path::new("/srv/site/public")).is_ok());
        assert!(check_output_dir(root, Path::new("/tmp/no-such-out")).is_ok());
    }
}
