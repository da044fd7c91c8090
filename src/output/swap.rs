//! Replacing the output folder in one step.

use std::path::{Path, PathBuf};

use crate::diagnostic::Diagnostic;

/// Refuses output folders whose replacement would delete the site itself (the site root,
/// a folder above it, or one of its source folders).
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
    // Replacing the output deletes what was there: only do that to a folder vellum made.
    let foreign = std::fs::read_dir(&output)
        .map(|mut entries| entries.next().is_some() && !output.join(MARKER).exists())
        .unwrap_or(false);
    if foreign {
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

/// Writes a new version of `output` with `fill` and swaps it in only if `fill` succeeds.
/// On failure the previous `output` is left exactly as it was.
pub fn replace_dir<T>(
    output: &Path,
    fill: impl FnOnce(&Path) -> Result<T, Diagnostic>,
) -> Result<T, Diagnostic> {
    let parent = match output.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = output
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    std::fs::create_dir_all(&parent).map_err(|e| {
        Diagnostic::error(
            &parent,
            format!("cannot create the output's parent folder: {e}"),
        )
    })?;
    let staging = parent.join(format!(".{name}.new-{}", std::process::id()));
    let retired = parent.join(format!(".{name}.old-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&staging);
    std::fs::create_dir(&staging).map_err(|e| {
        Diagnostic::error(&staging, format!("cannot create the staging folder: {e}"))
    })?;
    let value = match fill(&staging) {
        Ok(value) => value,
        Err(diagnostic) => {
            let _ = std::fs::remove_dir_all(&staging);
            return Err(diagnostic);
        }
    };
    let had_output = output.exists();
    if had_output {
        std::fs::rename(output, &retired).map_err(|e| {
            let _ = std::fs::remove_dir_all(&staging);
            Diagnostic::error(
                output,
                format!("cannot move the previous output aside: {e}"),
            )
        })?;
    }
    if let Err(e) = std::fs::rename(&staging, output) {
        // Put the previous output back so that nothing is lost.
        if had_output {
            let _ = std::fs::rename(&retired, output);
        }
        let _ = std::fs::remove_dir_all(&staging);
        return Err(Diagnostic::error(
            output,
            format!("cannot move the new output into place: {e}"),
        ));
    }
    if had_output {
        let _ = std::fs::remove_dir_all(&retired);
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failed_fill_keeps_previous_output() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("public");
        std::fs::create_dir(&out).unwrap();
        std::fs::write(out.join("index.html"), "old").unwrap();
        let result: Result<(), _> = replace_dir(&out, |dir| {
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
    fn output_cannot_be_the_site_root_or_a_source_folder() {
        let root = Path::new("/srv/site");
        assert!(check_output_dir(root, Path::new("/srv/site")).is_err());
        assert!(check_output_dir(root, Path::new("/srv")).is_err());
        assert!(check_output_dir(root, Path::new("/srv/site/content/x")).is_err());
        assert!(check_output_dir(root, Path::new("/srv/site/public")).is_ok());
        assert!(check_output_dir(root, Path::new("/tmp/no-such-out")).is_ok());
    }
}
