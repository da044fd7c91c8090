//! `vellum deploy`: publishes a built `public/` to an S3-compatible bucket.
//!
//! [`local`] reads the built files and checks them against the build's manifest;
//! [`bucket`] lists what the bucket holds (the truth, never a local record of an earlier
//! deploy); [`plan`] compares the two into ordered uploads and deletes; then the plan is
//! carried out step by step, so a page never goes up before what it links to, and
//! deletes come last.

pub mod bucket;
pub mod local;
pub mod plan;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use futures::{StreamExt, TryStreamExt};
use indicatif::{HumanBytes, ProgressBar, ProgressStyle};

use bucket::Bucket;
pub use bucket::{Connection, Target};
use local::LocalFile;
use plan::{Plan, Verdict};

const NOTHING_CHANGED: &str = "Nothing was changed in the bucket.";

/// Requests in flight at once.
const CONCURRENCY: usize = 8;

/// What `vellum deploy` was asked to do.
#[derive(Debug, Clone)]
pub struct DeployOptions {
    /// The built site (`public/`); its manifest sits beside it.
    pub output: PathBuf,
    pub target: String,
    pub connection: Connection,
    /// Refuse the whole deploy if it would delete more objects than this.
    pub max_deletes: usize,
    /// Print the plan; change nothing.
    pub dry_run: bool,
    /// Upload every file, changed or not (after changing how headers are set).
    pub force: bool,
    /// The CDN in front of the bucket sets the security headers of `_headers`.
    pub cdn_sets_headers: bool,
    /// A progress bar on a terminal; otherwise one line per file.
    pub progress_bar: bool,
}

/// What a deploy did (or, with `--dry-run`, would do).
#[derive(Debug)]
pub struct Outcome {
    pub target: Target,
    pub plan: Plan,
    pub dry_run: bool,
    pub warnings: Vec<String>,
    pub seconds: f64,
}

pub fn deploy(options: &DeployOptions) -> Result<Outcome, String> {
    let started = Instant::now();
    let built = local::read(&options.output)?;
    let target = Target::parse(&options.target)?;
    for file in &built.files {
        target.key(&file.path)?;
    }
    let bucket = Bucket::connect(&target, &options.connection)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the network runtime: {e}"))?;
    let plan = runtime
        .block_on(async {
            let remote = bucket.list().await?;
            let verdicts = resolve(&bucket, &built.files, &remote, options.force).await?;
            Ok::<_, String>(Plan::new(&verdicts, &remote, |p| built.manifest.url(p)))
        })
        .map_err(|e| format!("{e}\n{NOTHING_CHANGED}"))?;
    if plan.deletes.len() > options.max_deletes {
        return Err(too_many_deletes(&plan, &target, options.max_deletes));
    }
    let mut warnings = Vec::new();
    if !options.cdn_sets_headers && !built.host_files.is_empty() {
        warnings.push(headers_warning(&options.output, &target));
    }
    if !options.dry_run {
        let by_path: HashMap<&str, &LocalFile> =
            built.files.iter().map(|f| (f.path.as_str(), f)).collect();
        let progress = Progress::new(&plan, options.progress_bar);
        let result = runtime.block_on(carry_out(
            &bucket,
            &plan,
            &by_path,
            &options.output,
            &progress,
        ));
        progress.finish();
        if let Err(error) = result {
            return Err(stopped(&error, &plan, &progress));
        }
    }
    Ok(Outcome {
        target,
        plan,
        dry_run: options.dry_run,
        warnings,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// Each file's verdict, reading the stored SHA-256 of objects whose ETag cannot tell.
async fn resolve<'a>(
    bucket: &Bucket,
    files: &'a [LocalFile],
    remote: &std::collections::BTreeMap<String, plan::RemoteObject>,
    force: bool,
) -> Result<Vec<(&'a LocalFile, Verdict)>, String> {
    futures::stream::iter(files.iter().map(|file| async move {
        let verdict = plan::compare(file, remote.get(&file.path), force);
        if verdict != Verdict::Unsure {
            return Ok((file, verdict));
        }
        let stored = bucket.stored_sha256(&file.path).await?;
        Ok(match stored.as_deref() == Some(file.sha256.as_str()) {
            true => (file, Verdict::Same),
            false => (file, Verdict::Changed),
        })
    }))
    .buffered(CONCURRENCY * 2)
    .try_collect()
    .await
}

/// Uploads step by step (each step's files in parallel, the step finished before the
/// next starts), then deletes. The first error that retrying did not cure stops it.
async fn carry_out(
    bucket: &Bucket,
    plan: &Plan,
    files: &HashMap<&str, &LocalFile>,
    output: &Path,
    progress: &Progress,
) -> Result<(), String> {
    for step in plan.steps() {
        futures::stream::iter(step.iter().map(|upload| async move {
            let file = files[upload.path.as_str()];
            let path = output.join(&upload.path);
            let bytes = tokio::fs::read(&path)
                .await
                .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            if crate::policy::lock::sha256_hex(&bytes) != file.sha256 {
                return Err(format!(
                    "{} changed during the deploy; build again, then deploy",
                    path.display()
                ));
            }
            bucket.upload(file, bytes).await?;
            progress.uploaded(upload);
            Ok::<(), String>(())
        }))
        .buffer_unordered(CONCURRENCY)
        .try_collect::<()>()
        .await?;
    }
    if !plan.deletes.is_empty() {
        bucket.delete(&plan.deletes).await?;
        progress.deleted(&plan.deletes);
    }
    Ok(())
}

/// A failure part way: what is in the bucket now, and that running again resumes.
fn stopped(error: &str, plan: &Plan, progress: &Progress) -> String {
    let done = progress.done.load(Ordering::Relaxed);
    let total = plan.uploads.len();
    format!(
        "{error}\n{}",
        match done {
            0 => NOTHING_CHANGED.to_string(),
            _ if done == total => "Every file was uploaded, but old files could not all be \
                deleted; they do no harm. Run the deploy again once this is fixed."
                .to_string(),
            _ => format!(
                "The deploy stopped after {done} of {} uploads and before any delete; the \
                 site still works (files go up before the pages that link to them). Run it \
                 again once this is fixed: it uploads only what is still missing.",
                total
            ),
        }
    )
}

fn too_many_deletes(plan: &Plan, target: &Target, max: usize) -> String {
    let count = plan.deletes.len();
    let examples: Vec<&str> = plan.deletes.iter().take(5).map(String::as_str).collect();
    format!(
        "{target} holds {count} files this build does not have (such as {}), more than the \
         {max} a deploy deletes (--max-deletes); nothing was changed.\n\
         If the site really lost those pages, run again with --max-deletes {count}. If not, \
         check the target and that public/ is the whole site.",
        examples.join(", ")
    )
}

/// S3 and R2 serve objects with the headers stored on each (Content-Type and
/// Cache-Control, which vellum sets); the security headers of `_headers` need the CDN.
fn headers_warning(output: &Path, target: &Target) -> String {
    let text = std::fs::read_to_string(output.join("_headers")).unwrap_or_default();
    let rules = crate::output::headers::parse(&text);
    let names: Vec<&str> = crate::output::headers::for_path(&rules, "/")
        .into_iter()
        .map(|(name, _)| name)
        .filter(|name| !name.eq_ignore_ascii_case("cache-control"))
        .collect();
    format!(
        "{target} does not read _headers, so visitors will not get its {} unless the CDN in \
         front of the bucket sets them (see \"Headers on each host\" in README.md); nor does \
         it serve about/index.html for /about/ by itself. Pass --cdn-sets-headers once your \
         CDN does both.",
        names.join(", ")
    )
}

/// Progress on stderr: a bar of bytes and files on a terminal, one line per file
/// otherwise (CI logs).
struct Progress {
    bar: Option<ProgressBar>,
    files: usize,
    done: AtomicUsize,
}

impl Progress {
    fn new(plan: &Plan, on_terminal: bool) -> Progress {
        let bar = (on_terminal && !plan.uploads.is_empty()).then(|| {
            let bar = ProgressBar::new(plan.upload_bytes());
            bar.set_style(
                ProgressStyle::with_template(
                    "Uploading {msg} {bytes}/{total_bytes} [{wide_bar}] {eta}",
                )
                .expect("a valid template")
                .progress_chars("=> "),
            );
            bar
        });
        Progress {
            bar,
            files: plan.uploads.len(),
            done: AtomicUsize::new(0),
        }
    }

    fn uploaded(&self, upload: &plan::Upload) {
        let done = self.done.fetch_add(1, Ordering::Relaxed) + 1;
        match &self.bar {
            Some(bar) => {
                bar.inc(upload.size);
                bar.set_message(format!("{done}/{} files", self.files));
            }
            None => eprintln!(
                "uploaded {} ({}, {}) [{done}/{}]",
                upload.path,
                HumanBytes(upload.size),
                upload.reason.as_str(),
                self.files
            ),
        }
    }

    fn deleted(&self, paths: &[String]) {
        if self.bar.is_none() {
            for path in paths {
                eprintln!("deleted {path}");
            }
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

impl Outcome {
    /// The summary for people; `purge` lines for the CDN.
    pub fn text(&self) -> String {
        use std::fmt::Write as _;
        let plan = &self.plan;
        let mut out = String::new();
        if self.dry_run {
            for upload in &plan.uploads {
                let _ = writeln!(
                    out,
                    "upload {} ({}, {}, {})",
                    upload.path,
                    upload.reason.as_str(),
                    HumanBytes(upload.size),
                    upload.content_type
                );
            }
            for path in &plan.deletes {
                let _ = writeln!(out, "delete {path}");
            }
        }
        for url in &plan.purge {
            let _ = writeln!(out, "purge {url}");
        }
        let target = &self.target;
        if plan.is_empty() {
            let _ = writeln!(
                out,
                "Nothing to upload: {target} already holds this build ({} files).",
                plan.unchanged
            );
            return out;
        }
        let new = plan
            .uploads
            .iter()
            .filter(|u| u.reason == plan::Reason::New)
            .count();
        let _ = writeln!(
            out,
            "{} {} files ({}; {new} new, {} changed), {} {}, {} unchanged, {} {target}{}.",
            if self.dry_run {
                "Would upload"
            } else {
                "Uploaded"
            },
            plan.uploads.len(),
            HumanBytes(plan.upload_bytes()),
            plan.uploads.len() - new,
            if self.dry_run {
                "would delete"
            } else {
                "deleted"
            },
            plan.deletes.len(),
            plan.unchanged,
            if self.dry_run { "in" } else { "to" },
            if self.dry_run {
                String::from(" (dry run: nothing was changed)")
            } else {
                format!(" in {:.1} s", self.seconds)
            }
        );
        out
    }

    /// One JSON object for scripts, the purge URLs in batches of `purge_batch`.
    pub fn json(&self, purge_batch: usize) -> String {
        serde_json::json!({
            "target": self.target.to_string(),
            "dry_run": self.dry_run,
            "uploads": self.plan.uploads,
            "deletes": self.plan.deletes,
            "unchanged": self.plan.unchanged,
            "purge": self.plan.purge_batches(purge_batch),
            "warnings": self.warnings,
        })
        .to_string()
    }
}
