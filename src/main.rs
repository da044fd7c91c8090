//! The `vellum` command line.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use chrono::NaiveDate;
use clap::{Args, Parser, Subcommand};

use vellum::build::{BuildOptions, build};
use vellum::clock::Now;
use vellum::content::front_matter::ChangeKind;
use vellum::diagnostic::Diagnostic;
use vellum::policy::editor;

// See Cargo.toml: small allocations across threads dominate a build.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Vellum builds the shop's website (policies, products, pages) from the Markdown files
/// in content/ into a ready-to-publish folder, public/.
///
/// Everyday use: edit a file under content/, then run `vellum build`. If something is
/// wrong, vellum names the file and line and says what to do; your previous public/
/// stays as it was.
#[derive(Parser)]
#[command(name = "vellum", version, about, long_about)]
struct Cli {
    /// The site folder (the one holding site.toml).
    #[arg(long, short = 'r', global = true, default_value = ".")]
    root: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Build the whole site into public/ (or --output).
    ///
    /// The new site replaces the old one only when the build succeeds.
    Build(BuildArgs),
    /// Preview the site while you edit: builds it, serves it on your machine and
    /// reloads the browser tab whenever you save a file.
    Serve {
        /// Port to serve on.
        #[arg(long, short = 'p', default_value_t = 1111)]
        port: u16,
        /// Address to listen on. Only this machine can connect to the default.
        #[arg(long, default_value = "127.0.0.1")]
        bind: std::net::IpAddr,
        /// Open the site in your web browser.
        #[arg(long)]
        open: bool,
        /// Also show pages marked `draft = true`.
        #[arg(long)]
        drafts: bool,
        #[command(flatten)]
        now: NowArg,
    },
    /// Build the site without writing it and check every link, anchor, image and
    /// page; prints each problem with its file and line.
    Check {
        /// Also fetch links to other sites (10 s timeout each, 8 at a time).
        #[arg(long)]
        external: bool,
        /// Fail on warnings too (such as a policy not reviewed in `review_months`).
        #[arg(long)]
        strict: bool,
        /// Also check pages marked `draft = true`.
        #[arg(long)]
        drafts: bool,
        #[command(flatten)]
        now: NowArg,
    },
    /// Compare two build manifests (public.manifest.json): prints the paths added,
    /// changed and removed, and the URLs a CDN must purge.
    Diff {
        /// The manifest of the site now published.
        old: PathBuf,
        /// The manifest of the new build.
        new: PathBuf,
        /// Print one JSON object (`added`, `changed`, `removed`, `purge`) for scripts:
        /// unambiguous whatever the file names hold.
        #[arg(long)]
        json: bool,
    },
    /// Publish the built site (public/) to S3-compatible storage: AWS S3, Cloudflare R2,
    /// Backblaze B2, MinIO, Garage.
    ///
    /// Compares with what the bucket holds and uploads only what differs (new files,
    /// then changed ones, each with its Content-Type and Cache-Control), then deletes
    /// what the build no longer has. Run `vellum build` first.
    Deploy(DeployArgs),
    /// Print the command reference (docs/commands.md) from this command line's own
    /// definition, so that the documentation cannot drift from it.
    #[command(hide = true)]
    Reference,
    /// Write a generated site of about N pages into DIR, for benchmarks.
    #[command(hide = true)]
    Corpus {
        dir: PathBuf,
        #[arg(long, default_value_t = 1000)]
        pages: usize,
        /// Only plain pages of about 700 words (no products or policies): the site
        /// compared with Hugo in `bench/run.py`.
        #[arg(long)]
        plain: bool,
    },
    /// Create a new site in DIR that builds at once.
    Init {
        /// A new or empty folder.
        dir: PathBuf,
    },
    /// Work with policy versions (privacy policy, cookie policy, terms...).
    #[command(subcommand)]
    Policy(PolicyCommand),
}

#[derive(Args)]
struct BuildArgs {
    /// Where to write the site. Its previous contents are replaced.
    #[arg(long, short = 'o', default_value = "public")]
    output: PathBuf,
    /// Publish under another address than `base_url` in site.toml.
    #[arg(long, short = 'u', value_name = "URL")]
    base_url: Option<String>,
    /// Also build pages marked `draft = true`.
    #[arg(long)]
    drafts: bool,
    #[command(flatten)]
    now: NowArg,
    /// Fail if policies.lock would change instead of updating it (for CI).
    #[arg(long)]
    locked: bool,
}

#[derive(Args)]
struct DeployArgs {
    /// Where to publish: s3://bucket or s3://bucket/folder.
    #[arg(value_name = "s3://BUCKET[/FOLDER]")]
    target: String,
    /// The built site to publish (its manifest, written by `vellum build`, sits beside it).
    #[arg(long, short = 'o', default_value = "public")]
    output: PathBuf,
    /// The storage's address, for anything but AWS: R2's
    /// https://ACCOUNT.r2.cloudflarestorage.com, B2's https://s3.REGION.backblazeb2.com...
    #[arg(long, env = "AWS_ENDPOINT_URL", value_name = "URL")]
    endpoint: Option<String>,
    /// The bucket's region (`auto` for R2). Default: AWS_REGION, else AWS_DEFAULT_REGION.
    #[arg(long, env = "AWS_REGION")]
    region: Option<String>,
    #[arg(long, env = "AWS_ACCESS_KEY_ID", hide_env_values = true)]
    access_key_id: Option<String>,
    /// Prefer the variable: a flag's value shows in the process list.
    #[arg(long, env = "AWS_SECRET_ACCESS_KEY", hide_env_values = true)]
    secret_access_key: Option<String>,
    #[arg(long, env = "AWS_SESSION_TOKEN", hide_env_values = true)]
    session_token: Option<String>,
    /// Refuse to deploy if it would delete more files than this (a wrong target or a
    /// half-built site would otherwise empty the bucket).
    #[arg(long, default_value_t = 256, value_name = "N")]
    max_deletes: usize,
    /// Print what would be uploaded and deleted; change nothing.
    #[arg(long)]
    dry_run: bool,
    /// Print one JSON object for scripts: uploads, deletes, and the URLs to purge in
    /// batches of --purge-batch.
    #[arg(long)]
    json: bool,
    /// URLs per purge request in --json (Cloudflare takes 30 on most plans).
    #[arg(long, default_value_t = 30, value_name = "N")]
    purge_batch: usize,
    /// Upload every file, changed or not (after changing how headers are set).
    #[arg(long)]
    force: bool,
    /// The CDN in front of the bucket sets the security headers of _headers and maps
    /// /about/ to about/index.html, so do not warn.
    #[arg(long)]
    cdn_sets_headers: bool,
}

#[derive(Args)]
struct NowArg {
    /// Act as if today were this date (YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ).
    /// Without it, SOURCE_DATE_EPOCH is used if set, else the clock.
    #[arg(long, value_name = "DATE")]
    now: Option<String>,
}

#[derive(Subcommand)]
enum PolicyCommand {
    /// Start a new version of a policy: copies the newest version (an upcoming one
    /// included) to a new dated file for you to edit, and prints its path.
    New {
        /// The policy's folder name under content/policies/, e.g. privacy.
        policy: String,
        /// The date the new version takes effect (YYYY-MM-DD). Default: the first allowed
        /// date (after the notice period for a material change, and after the newest version).
        #[arg(long, value_name = "DATE")]
        effective: Option<String>,
        /// `material` if anyone's rights or obligations change (needs notice), else
        /// `editorial` (wording only).
        #[arg(long, value_enum, default_value_t = Change::Material)]
        change: Change,
        #[command(flatten)]
        now: NowArg,
    },
    /// Bring in the earlier history of a policy that has no record yet: records its
    /// versions in policies.lock as imported (every entry already there is left as it
    /// is), folding a version whose text is the same as the one before it. The versions
    /// are the files in content/policies/NAME/, or, with --from-git, one for each day
    /// the given file changed in git.
    Import {
        /// The policy's folder name under content/policies/, e.g. terms.
        policy: String,
        /// Read the versions from the git history of this file (one version per day
        /// it changed, by commit date) and write them to content/policies/NAME/.
        #[arg(long, value_name = "PATH")]
        from_git: Option<PathBuf>,
        /// The address the text was published at (e.g.
        /// https://shop.example/legal/privacy): its relative links, and anchors that
        /// name no heading of the text, are made absolute against it.
        #[arg(long, value_name = "URL", requires = "from_git")]
        link_base: Option<String>,
        #[command(flatten)]
        now: NowArg,
    },
    /// List every policy's versions and whether each is current, superseded or upcoming.
    List {
        #[command(flatten)]
        now: NowArg,
    },
    /// Print which version of a policy was in force on a date, and its file.
    At {
        /// The policy's folder name, e.g. privacy.
        policy: String,
        /// YYYY-MM-DD.
        date: String,
    },
    /// Print a ready-to-send notice (Markdown and plain text) of a policy's upcoming
    /// version, for the email or in-app message that announces it.
    Notice {
        /// The policy's folder name, e.g. privacy.
        policy: String,
        /// The language to write it in (a code from site.toml, e.g. de): its
        /// translation of the upcoming version. Default: the site's default language.
        #[arg(long)]
        lang: Option<String>,
        #[command(flatten)]
        now: NowArg,
    },
    /// Show what changed between two versions of a policy, word by word: coloured in a
    /// terminal, `[-old-]{+new+}` when piped, or Markdown for a review comment.
    Diff {
        /// The policy's folder name, e.g. privacy.
        policy: String,
        /// The older version's effective date (YYYY-MM-DD). Default: the version before TO.
        from: Option<String>,
        /// The newer version's effective date. Default: the first upcoming version, else
        /// the newest.
        to: Option<String>,
        /// Markdown with <del>/<ins>, for a pull request comment.
        #[arg(long)]
        markdown: bool,
        #[command(flatten)]
        now: NowArg,
    },
    /// Check that a policy's published history was never rewritten: compares a
    /// versions.json saved from the site earlier with today's. Exits 0 if the history
    /// only grew, 1 if anything published was rewritten.
    Verify {
        /// A policy's versions.json as saved earlier (e.g. policies/privacy/versions.json).
        saved: PathBuf,
        /// Today's versions.json, e.g. downloaded from the live site. Default: build this
        /// site in memory and use its versions.json.
        #[arg(long, value_name = "FILE")]
        against: Option<PathBuf>,
        #[command(flatten)]
        now: NowArg,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Change {
    Material,
    Editorial,
}

/// Every command's full help, as Markdown: `vellum reference > docs/commands.md`.
fn reference() -> String {
    use clap::CommandFactory;
    fn walk(command: &mut clap::Command, path: &str, out: &mut String) {
        let help: Vec<String> = command
            .render_long_help()
            .to_string()
            .lines()
            .map(|line| line.trim_end().to_string())
            .collect();
        let help = help.join("\n");
        out.push_str(&format!(
            "## `{path}`\n\n```text\n{}\n```\n\n",
            help.trim_end()
        ));
        let names: Vec<String> = command
            .get_subcommands()
            .filter(|c| !c.is_hide_set() && c.get_name() != "help")
            .map(|c| c.get_name().to_string())
            .collect();
        for name in names {
            if let Some(sub) = command.find_subcommand_mut(&name) {
                walk(sub, &format!("{path} {name}"), out);
            }
        }
    }
    // A fixed width, so that the reference is the same on every machine.
    let mut command = Cli::command().term_width(90);
    command.build();
    let mut out = String::from(
        "# Command reference\n\n\
         Generated from vellum's command line by `vellum reference > docs/commands.md`\n\
         (a test fails when it is out of date). The same text is `vellum COMMAND --help`.\n\n",
    );
    walk(&mut command, "vellum", &mut out);
    out.truncate(out.trim_end().len());
    out.push('\n');
    out
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Rendering runs on rayon's threads, whose default 2 MB stacks leave little margin
    // for templates and pages at the nesting limits (see markdown::MAX_NESTING); the
    // memory is only reserved, not used.
    let _ = rayon::ThreadPoolBuilder::new()
        .stack_size(16 * 1024 * 1024)
        .build_global();
    let result = match cli.command {
        Command::Build(args) => run_build(&cli.root, args),
        Command::Init { dir } => run_init(&dir),
        Command::Reference => {
            print!("{}", reference());
            Ok(ExitCode::SUCCESS)
        }
        Command::Corpus { dir, pages, plain } => vellum::corpus::generate(&dir, pages, plain)
            .map(|()| ExitCode::SUCCESS)
            .map_err(|e| format!("cannot write the corpus: {e}")),
        Command::Check {
            external,
            strict,
            drafts,
            now,
        } => run_check(&cli.root, external, strict, drafts, &now),
        Command::Diff { old, new, json } => run_diff(&old, &new, json),
        Command::Deploy(args) => run_deploy(&cli.root, args),
        Command::Serve {
            port,
            bind,
            open,
            drafts,
            now,
        } => now.resolve().map(drop).and_then(|()| {
            let options = vellum::serve::ServeOptions {
                root: cli.root.clone(),
                bind,
                port,
                open,
                drafts,
                now: now.now,
            };
            vellum::serve::serve(options).map(|()| ExitCode::SUCCESS)
        }),
        Command::Policy(command) => run_policy(&cli.root, command),
    };
    result.unwrap_or_else(|message| {
        eprintln!("error: {message}");
        ExitCode::FAILURE
    })
}

impl NowArg {
    fn resolve(&self) -> Result<Now, String> {
        let epoch = std::env::var("SOURCE_DATE_EPOCH").ok();
        vellum::clock::build_time(self.now.as_deref(), epoch.as_deref())
    }
}

fn run_init(dir: &Path) -> Result<ExitCode, String> {
    let count = vellum::init::init(dir)?;
    println!("Created a new site in {} ({count} files).", dir.display());
    println!("Next: cd {} && vellum build", dir.display());
    Ok(ExitCode::SUCCESS)
}

fn run_build(root: &Path, args: BuildArgs) -> Result<ExitCode, String> {
    let started = Instant::now();
    let output = if args.output.is_absolute() {
        args.output
    } else {
        root.join(args.output)
    };
    let options = BuildOptions {
        root: root.to_path_buf(),
        output: output.clone(),
        base_url: args.base_url,
        drafts: args.drafts,
        now: args.now.resolve()?,
        progress: std::io::stderr().is_terminal(),
        locked: args.locked,
        import: None,
    };
    match build(&options) {
        Ok(site) => {
            print_diagnostics(&site.warnings);
            println!(
                "Built {} pages, {} sections and {} policy pages, copied {} files into {} in {} ms.",
                site.pages,
                site.sections,
                site.policy_pages,
                site.copies.len(),
                output.display(),
                started.elapsed().as_millis()
            );
            if site.lock_update.is_some() {
                println!("Updated policies.lock: commit it with your changes.");
            }
            if let Some(next) = &site.next_change {
                println!(
                    "Next change with no edit: {} ({}); build and deploy again on or after that day.",
                    next.date,
                    next.why.join("; ")
                );
            }
            // The pages link with the site's own addresses, so a browser shows them
            // styled only when they are served.
            println!(
                "To look at it: `vellum serve --open`. Before a pull request: `vellum check`."
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(failure) => {
            print_diagnostics(&failure.diagnostics.0);
            print_failure(&failure, &output);
            Ok(ExitCode::FAILURE)
        }
    }
}

fn run_check(
    root: &Path,
    external: bool,
    strict: bool,
    drafts: bool,
    now: &NowArg,
) -> Result<ExitCode, String> {
    let options = in_memory_options(root, drafts, now)?;
    let report = match vellum::check::check(&options, external) {
        Ok(report) => report,
        Err(diagnostics) => {
            print_diagnostics(&diagnostics.0);
            eprintln!("The site does not build, so it could not be checked.");
            return Ok(ExitCode::FAILURE);
        }
    };
    print_diagnostics(&report.problems.0);
    let warnings = report.problems.0.len() - report.problems.error_count();
    let problems = report.problems.error_count() + if strict { warnings } else { 0 };
    let external = if external {
        format!(", {} external links", report.external_checked)
    } else {
        String::new()
    };
    let summary = format!(
        "Checked {} pages and {} links{external}",
        report.pages_checked, report.links_checked
    );
    if problems == 0 && warnings > 0 {
        println!(
            "{summary}: {warnings} warning{} (--strict makes them fail).",
            if warnings == 1 { "" } else { "s" }
        );
        Ok(ExitCode::SUCCESS)
    } else if problems == 0 {
        println!("{summary}: no problems.");
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!(
            "{summary}: {problems} problem{}.",
            if problems == 1 { "" } else { "s" }
        );
        Ok(ExitCode::FAILURE)
    }
}

fn run_diff(old: &Path, new: &Path, json: bool) -> Result<ExitCode, String> {
    use vellum::output::manifest::{Changes, Manifest};
    let old = Manifest::read(old)?;
    let new = Manifest::read(new)?;
    let changes = Changes::between(&old, &new);
    if json {
        println!("{}", changes.json(&new));
    } else {
        print!("{}", changes.report(&new));
    }
    eprintln!(
        "{} added, {} changed, {} removed.",
        changes.added.len(),
        changes.changed.len(),
        changes.removed.len()
    );
    Ok(ExitCode::SUCCESS)
}

fn run_deploy(root: &Path, args: DeployArgs) -> Result<ExitCode, String> {
    let options = vellum::deploy::DeployOptions {
        output: if args.output.is_absolute() {
            args.output
        } else {
            root.join(args.output)
        },
        target: args.target,
        connection: vellum::deploy::Connection {
            endpoint: args.endpoint.filter(|e| !e.is_empty()),
            region: args
                .region
                .or_else(|| std::env::var("AWS_DEFAULT_REGION").ok())
                .filter(|r| !r.is_empty()),
            access_key_id: args.access_key_id.filter(|k| !k.is_empty()),
            secret_access_key: args.secret_access_key.filter(|k| !k.is_empty()),
            session_token: args.session_token.filter(|t| !t.is_empty()),
        },
        max_deletes: args.max_deletes,
        dry_run: args.dry_run,
        force: args.force,
        cdn_sets_headers: args.cdn_sets_headers,
        progress_bar: std::io::stderr().is_terminal(),
    };
    let outcome = vellum::deploy::deploy(&options)?;
    for warning in &outcome.warnings {
        eprintln!("warning: {warning}\n");
    }
    if args.json {
        println!("{}", outcome.json(args.purge_batch));
    } else {
        print!("{}", outcome.text());
    }
    Ok(ExitCode::SUCCESS)
}

fn run_policy(root: &Path, command: PolicyCommand) -> Result<ExitCode, String> {
    if let PolicyCommand::Verify {
        saved,
        against,
        now,
    } = command
    {
        return run_verify(root, &saved, against.as_deref(), &now);
    }
    if let PolicyCommand::Import {
        policy,
        from_git,
        link_base,
        now,
    } = command
    {
        return run_import(
            root,
            &policy,
            from_git.as_deref(),
            link_base.as_deref(),
            &now,
        );
    }
    let (config, policies) = match vellum::build::load_policies(root) {
        Ok(loaded) => loaded,
        Err(diagnostics) => {
            print_diagnostics(&diagnostics.0);
            return Ok(ExitCode::FAILURE);
        }
    };
    let zone = config.policies.timezone;
    let today = |now: &NowArg| -> Result<NaiveDate, String> {
        Ok(vellum::clock::local_date(
            now.resolve()?.resolve(zone),
            zone,
        ))
    };
    match command {
        PolicyCommand::New {
            policy,
            effective,
            change,
            now,
        } => {
            let change = match change {
                Change::Material => ChangeKind::Material,
                Change::Editorial => ChangeKind::Editorial,
            };
            let asked = editor::NewVersion {
                effective: effective
                    .as_deref()
                    .map(vellum::clock::parse_date)
                    .transpose()?,
                change,
            };
            let path = editor::new_version(
                root,
                &policies,
                &policy,
                asked,
                today(&now)?,
                &config.policies,
            )
            .map_err(|e| e.to_string())?;
            println!("{}", path.display());
            eprint!("{}", editor::next_steps(&path, &policy, change));
        }
        PolicyCommand::List { now } => {
            print!("{}", editor::list(&policies, today(&now)?));
        }
        PolicyCommand::At { policy, date } => {
            let day = vellum::clock::parse_date(&date)?;
            let (policy, index) = editor::in_force_on(&policies, &policy, day)?;
            print!("{}", editor::describe_in_force(policy, index));
        }
        PolicyCommand::Notice { policy, lang, now } => {
            let theme = vellum::templates::theme_dir(root, &config.theme);
            let strings = vellum::templates::strings::Strings::load(root, &theme)
                .map_err(|e| e.to_string())?;
            print!(
                "{}",
                editor::notice(
                    &policies,
                    &policy,
                    today(&now)?,
                    &config,
                    lang.as_deref(),
                    &|lang, key, args| strings.fill(lang, &config.default_language, key, args)
                )?
            );
        }
        PolicyCommand::Diff {
            policy,
            from,
            to,
            markdown,
            now,
        } => {
            use vellum::policy::word_diff::{self, Style};
            let policy = editor::find(&policies, &policy)?;
            let day =
                |text: Option<String>| text.map(|t| vellum::clock::parse_date(&t)).transpose();
            let (from, to) = word_diff::pick(policy, day(from)?, day(to)?, today(&now)?)?;
            let style = if markdown {
                Style::Markdown
            } else if std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none() {
                Style::Terminal
            } else {
                Style::Plain
            };
            print!("{}", word_diff::report(policy, from, to, style));
        }
        PolicyCommand::Verify { .. } | PolicyCommand::Import { .. } => {
            unreachable!("handled above")
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `vellum policy import`: the versions written from git (if asked), then recorded;
/// on any problem the files it wrote are removed again and the lock is untouched.
fn run_import(
    root: &Path,
    policy: &str,
    from_git: Option<&Path>,
    link_base: Option<&str>,
    now: &NowArg,
) -> Result<ExitCode, String> {
    use vellum::policy::import;
    let written = match from_git {
        Some(file) => {
            let versions = import::versions_from_git(file).map_err(|e| e.to_string())?;
            let written = import::write_versions(root, policy, &versions, link_base)
                .map_err(|e| e.to_string())?;
            eprintln!(
                "Read {} versions of {} from git ({} to {}), wrote {} new files to content/policies/{policy}/.",
                versions.len(),
                file.display(),
                versions
                    .first()
                    .map(|v| v.day.to_string())
                    .unwrap_or_default(),
                versions
                    .last()
                    .map(|v| v.day.to_string())
                    .unwrap_or_default(),
                written.len()
            );
            written
        }
        None => Vec::new(),
    };
    let mut options = in_memory_options(root, false, now)?;
    options.import = Some(policy.to_string());
    match vellum::build::import(&options) {
        Ok(imported) => {
            for (file, same_as) in &imported.folded {
                eprintln!(
                    "Folded {}: its text is the same as {} (file removed).",
                    file.display(),
                    same_as.display()
                );
            }
            let mine = |f: &&String| f.starts_with(&format!("content/policies/{policy}/"));
            let count = imported.recorded.iter().filter(mine).count();
            println!(
                "Recorded {count} earlier version{} of the {policy} policy in policies.lock as imported{}.",
                if count == 1 { "" } else { "s" },
                match imported.folded.len() {
                    0 => String::new(),
                    n => format!("; folded {n} that repeated the version before"),
                }
            );
            eprintln!(
                "Next: vellum build, then commit content/policies/{policy}/ and policies.lock."
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(diagnostics) => {
            for file in &written {
                let _ = std::fs::remove_file(file);
            }
            print_diagnostics(&diagnostics.0);
            if !written.is_empty() {
                eprintln!("Nothing was recorded; the files read from git were removed again.");
            }
            Ok(ExitCode::FAILURE)
        }
    }
}

/// Options for rendering the site in memory (`check`, `policy verify`): nothing is
/// written, and the lock is checked but never updated.
fn in_memory_options(root: &Path, drafts: bool, now: &NowArg) -> Result<BuildOptions, String> {
    Ok(BuildOptions {
        root: root.to_path_buf(),
        output: root.join("public"),
        base_url: None,
        drafts,
        now: now.resolve()?,
        progress: false,
        locked: false,
        import: None,
    })
}

/// `vellum policy verify`: exit 0 if the history only grew, 1 if it was rewritten.
fn run_verify(
    root: &Path,
    saved: &Path,
    against: Option<&Path>,
    now: &NowArg,
) -> Result<ExitCode, String> {
    use vellum::policy::verify;
    let read = |path: &Path| {
        std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
    };
    let saved_doc = verify::parse(&read(saved)?, &saved.display().to_string())?;
    let today_text = match against {
        Some(path) => read(path)?,
        None => {
            let options = in_memory_options(root, false, now)?;
            let site =
                match vellum::build::render_site(&options, None, vellum::output::Sink::Memory) {
                    Ok(site) => site,
                    Err(diagnostics) => {
                        print_diagnostics(&diagnostics.0);
                        eprintln!("The site does not build, so its history could not be verified.");
                        return Ok(ExitCode::FAILURE);
                    }
                };
            // A translation's copy names its language: `de/policies/privacy/versions.json`.
            let translated = saved_doc
                .language
                .as_deref()
                .map(|lang| format!("{lang}/policies/{}/versions.json", saved_doc.policy))
                .filter(|path| saved_doc.translation && site.files.iter().any(|f| f.path == *path));
            let path = translated
                .unwrap_or_else(|| format!("policies/{}/versions.json", saved_doc.policy));
            let file = site.files.iter().find(|f| f.path == path).ok_or_else(|| {
                format!(
                    "this site has no {} policy, which the saved copy is of",
                    saved_doc.policy
                )
            })?;
            String::from_utf8_lossy(&file.bytes).into_owned()
        }
    };
    let today_doc = verify::parse(&today_text, "today's versions.json")?;
    let report = verify::compare(&saved_doc, &today_doc);
    print!("{}", report.text());
    Ok(if report.only_grew() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// Warnings shown for one file; the rest are counted, so a damaged file cannot bury
/// the errors under thousands of lines.
const WARNINGS_PER_FILE: usize = 10;

fn print_diagnostics(diagnostics: &[Diagnostic]) {
    let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let mut shown: std::collections::HashMap<&Path, usize> = Default::default();
    for diagnostic in diagnostics {
        if !diagnostic.is_error() {
            let count = shown.entry(&diagnostic.path).or_default();
            *count += 1;
            if *count > WARNINGS_PER_FILE {
                continue;
            }
        }
        eprintln!("{}\n", diagnostic.render(color));
    }
    let mut hidden: Vec<(&&Path, &usize)> = shown
        .iter()
        .filter(|(_, n)| **n > WARNINGS_PER_FILE)
        .collect();
    hidden.sort();
    for (path, count) in hidden {
        eprintln!(
            "warning: {} more warnings in {} are not shown\n",
            count - WARNINGS_PER_FILE,
            path.display()
        );
    }
}

fn print_failure(failure: &vellum::build::BuildFailure, output: &Path) {
    let errors = failure.diagnostics.error_count();
    let plural = if errors == 1 { "" } else { "s" };
    if failure.output_replaced {
        eprintln!(
            "Build failed with {errors} error{plural} after {} was replaced with the new site; build again once it is fixed.",
            output.display()
        );
    } else {
        eprintln!(
            "Build failed with {errors} error{plural}; {} was left as it was.",
            output.display()
        );
    }
}
