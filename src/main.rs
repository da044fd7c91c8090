//! The `vellum` command line.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use clap::{Parser, Subcommand};

use vellum::build::{BuildOptions, build};
use vellum::diagnostic::{Diagnostic, Diagnostics};

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
    Build {
        /// Where to write the site. Its previous contents are replaced.
        #[arg(long, short = 'o', default_value = "public")]
        output: PathBuf,
        /// Publish under another address than `base_url` in site.toml.
        #[arg(long, short = 'u', value_name = "URL")]
        base_url: Option<String>,
        /// Also build pages marked `draft = true`.
        #[arg(long)]
        drafts: bool,
        /// Build as if today were this date (YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ).
        /// Without it, SOURCE_DATE_EPOCH is used if set, else the clock.
        #[arg(long, value_name = "DATE")]
        now: Option<String>,
    },
    /// Create a new site in DIR that builds at once.
    Init {
        /// A new or empty folder.
        dir: PathBuf,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Build {
            output,
            base_url,
            drafts,
            now,
        } => run_build(&cli.root, output, base_url, drafts, now.as_deref()),
        Command::Init { dir } => match vellum::init::init(&dir) {
            Ok(count) => {
                println!("Created a new site in {} ({count} files).", dir.display());
                println!("Next: cd {} && vellum build", dir.display());
                ExitCode::SUCCESS
            }
            Err(message) => {
                eprintln!("error: {message}");
                ExitCode::FAILURE
            }
        },
    }
}

fn run_build(
    root: &Path,
    output: PathBuf,
    base_url: Option<String>,
    drafts: bool,
    now: Option<&str>,
) -> ExitCode {
    let started = Instant::now();
    let epoch = std::env::var("SOURCE_DATE_EPOCH").ok();
    let now = match vellum::clock::build_time(now, epoch.as_deref()) {
        Ok(now) => now,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::FAILURE;
        }
    };
    let output = if output.is_absolute() {
        output
    } else {
        root.join(output)
    };
    let options = BuildOptions {
        root: root.to_path_buf(),
        output: output.clone(),
        base_url,
        drafts,
        now,
        progress: std::io::stderr().is_terminal(),
    };
    match build(&options) {
        Ok(site) => {
            print_diagnostics(&site.warnings);
            println!(
                "Built {} pages and {} sections, copied {} files into {} in {} ms.",
                site.pages,
                site.sections,
                site.copies.len(),
                output.display(),
                started.elapsed().as_millis()
            );
            ExitCode::SUCCESS
        }
        Err(diagnostics) => {
            print_diagnostics(&diagnostics.0);
            print_failure(&diagnostics, &output);
            ExitCode::FAILURE
        }
    }
}

fn print_diagnostics(diagnostics: &[Diagnostic]) {
    let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    for diagnostic in diagnostics {
        eprintln!("{}\n", diagnostic.render(color));
    }
}

fn print_failure(diagnostics: &Diagnostics, output: &Path) {
    let errors = diagnostics.error_count();
    let plural = if errors == 1 { "" } else { "s" };
    eprintln!(
        "Build failed with {errors} error{plural}; {} was left as it was.",
        output.display()
    );
}
