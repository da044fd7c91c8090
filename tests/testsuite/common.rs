//! A fixture site copied into a temporary folder, and helpers to build and inspect it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The "now" every test build uses, so output never depends on the clock.
pub const NOW: &str = "2026-12-02";

pub struct Site {
    _dir: tempfile::TempDir,
    pub root: PathBuf,
}

/// The result of running `vellum`.
pub struct Run {
    pub success: bool,
    pub stdout: String,
    pub stderr: String,
}

impl Site {
    /// Copies `tests/fixtures/NAME` into a fresh temporary folder.
    pub fn fixture(name: &str) -> Site {
        let source = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(name);
        Site::copy_of(&source, &[])
    }

    /// Copies a site folder, skipping the top-level entries named in `skip`.
    pub fn copy_of(source: &Path, skip: &[&str]) -> Site {
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path().join("site");
        copy_dir(source, &root, skip);
        Site { _dir: dir, root }
    }

    /// A site with one policy of `versions` versions of about `kb` kilobytes each, made
    /// by the benchmarks' generator (`bench/history.py`, deterministic by `seed`).
    pub fn generated_history(versions: usize, kb: usize, seed: u64) -> Site {
        let dir = tempfile::tempdir().expect("temp dir");
        let out = dir.path().join("history");
        let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
        let status = Command::new("python3")
            .arg(repo.join("bench/history.py"))
            .arg(&out)
            .args(["--versions", &versions.to_string(), "--kb", &kb.to_string()])
            .args(["--seed", &seed.to_string()])
            .args(["--vellum", env!("CARGO_BIN_EXE_vellum")])
            .stdout(std::process::Stdio::null())
            .status()
            .expect("python3 runs");
        assert!(status.success(), "bench/history.py failed");
        Site::copy_of(&out, &[])
    }

    /// Copies a fixture and the repository's default theme into it.
    pub fn fixture_with_default_theme(name: &str) -> Site {
        let site = Site::fixture(name);
        site.add_default_theme();
        site
    }

    /// Copies the repository's default theme into the site.
    pub fn add_default_theme(&self) {
        let theme = Path::new(env!("CARGO_MANIFEST_DIR")).join("themes/default");
        copy_dir(&theme, &self.root.join("themes/default"), &[]);
    }

    pub fn read(&self, path: &str) -> String {
        std::fs::read_to_string(self.root.join(path)).unwrap()
    }

    pub fn empty() -> Site {
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path().join("site");
        Site { _dir: dir, root }
    }

    pub fn write(&self, path: &str, text: impl AsRef<[u8]>) {
        let target = self.root.join(path);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::write(target, text).unwrap();
    }

    pub fn remove(&self, path: &str) {
        std::fs::remove_file(self.root.join(path)).unwrap();
    }

    /// Runs `vellum ARGS` in the site folder.
    pub fn vellum(&self, args: &[&str]) -> Run {
        self.vellum_with_env(args, &[])
    }

    pub fn vellum_with_env(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        let mut command = Command::new(env!("CARGO_BIN_EXE_vellum"));
        command
            .args(args)
            .current_dir(&self.root)
            .env_remove("SOURCE_DATE_EPOCH");
        for (key, value) in env {
            command.env(key, value);
        }
        run(command.output().expect("run vellum"))
    }

    /// `vellum build --now NOW` plus extra arguments.
    pub fn build(&self, extra: &[&str]) -> Run {
        let mut args = vec!["build", "--now", NOW];
        args.extend_from_slice(extra);
        self.vellum(&args)
    }

    /// Builds expecting failure, with `location` (`path:line`) and `needle` in the
    /// messages; returns the run for further checks.
    pub fn build_fails(&self, location: &str, needle: &str) -> Run {
        let run = self.build(&[]);
        assert!(
            !run.success,
            "the build should fail; it printed:\n{}",
            run.stdout
        );
        assert!(
            run.stderr.contains(location),
            "no `{location}` in:\n{}",
            run.stderr
        );
        assert!(
            run.stderr.contains(needle),
            "no `{needle}` in:\n{}",
            run.stderr
        );
        crate::golden::assert_failure(self, &run.stderr);
        run
    }

    /// Builds, breaks the site with `break_it`, and expects the next build to fail with
    /// `location` and `needle` in its messages, leaving `public/` byte-identical and no
    /// staging folder behind. Returns what vellum printed to stderr.
    pub fn fails_keeping_output(
        &self,
        break_it: impl FnOnce(&Site),
        location: &str,
        needle: &str,
    ) -> String {
        self.build_ok();
        let before = self.output_tree();
        let manifest = std::fs::read(self.root.join("public.manifest.json")).unwrap();
        break_it(self);
        let run = self.build_fails(location, needle);
        assert!(run.stderr.contains("was left as it was"), "{}", run.stderr);
        assert_eq!(before, self.output_tree(), "the previous public/ changed");
        assert_eq!(
            manifest,
            std::fs::read(self.root.join("public.manifest.json")).unwrap(),
            "the manifest changed"
        );
        let leftovers: Vec<_> = std::fs::read_dir(&self.root)
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|name| name.starts_with(".public") && name != ".public.lock")
            .collect();
        assert!(leftovers.is_empty(), "left behind: {leftovers:?}");
        run.stderr
    }

    /// Builds and panics with vellum's messages if the build fails.
    pub fn build_ok(&self) -> Run {
        let run = self.build(&[]);
        assert!(run.success, "build failed:\n{}", run.stderr);
        run
    }

    pub fn output(&self, path: &str) -> String {
        let target = self.root.join("public").join(path);
        std::fs::read_to_string(&target)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", target.display()))
    }

    pub fn output_exists(&self, path: &str) -> bool {
        self.root.join("public").join(path).exists()
    }

    /// Every file under `public/` with its bytes, for comparing whole builds.
    pub fn output_tree(&self) -> Vec<(String, Vec<u8>)> {
        tree(&self.root.join("public"))
    }
}

pub fn tree(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let relative = e
                .path()
                .strip_prefix(dir)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            (relative, std::fs::read(e.path()).unwrap())
        })
        .collect();
    files.sort();
    files
}

fn run(output: Output) -> Run {
    Run {
        success: output.status.success(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

fn copy_dir(source: &Path, target: &Path, skip: &[&str]) {
    for entry in walkdir::WalkDir::new(source).into_iter().filter_entry(|e| {
        e.depth() != 1 || !skip.contains(&e.file_name().to_string_lossy().as_ref())
    }) {
        let entry = entry.unwrap();
        let to = target.join(entry.path().strip_prefix(source).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&to).unwrap();
        } else {
            std::fs::copy(entry.path(), &to).unwrap();
        }
    }
}

/// A running `vellum serve`, stopped when dropped.
pub struct Server {
    child: std::process::Child,
    pub addr: String,
    pub url: String,
}

impl Site {
    /// Starts `vellum serve --port 0` and waits until it prints its URL.
    pub fn serve(&self) -> Server {
        use std::io::BufRead;
        let mut child = Command::new(env!("CARGO_BIN_EXE_vellum"))
            .args(["serve", "--port", "0", "--now", NOW])
            .current_dir(&self.root)
            .env_remove("SOURCE_DATE_EPOCH")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start vellum serve");
        let stdout = child.stdout.take().unwrap();
        let mut lines = std::io::BufReader::new(stdout).lines();
        let url = loop {
            let line = lines.next().expect("serve printed its URL").unwrap();
            if let Some(rest) = line.strip_prefix("Serving ") {
                break rest.split_whitespace().next().unwrap().to_string();
            }
        };
        // Keep draining stdout so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        let addr = url
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_string();
        Server { child, addr, url }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A raw HTTP/1.1 response.
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

impl Server {
    /// Sends a request exactly as written (no client-side path cleaning).
    pub fn request(&self, method: &str, path: &str, headers: &[(&str, &str)]) -> Response {
        let mut request = format!("{method} {path} HTTP/1.1\r\nConnection: close\r\n");
        if !headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("host")) {
            request.push_str(&format!("Host: {}\r\n", self.addr));
        }
        for (name, value) in headers {
            request.push_str(&format!("{name}: {value}\r\n"));
        }
        request.push_str("\r\n");
        self.raw(&request)
    }

    /// Sends `request` as it is and reads the response until the server closes.
    pub fn raw(&self, request: &str) -> Response {
        use std::io::{Read, Write};
        let mut stream = std::net::TcpStream::connect(&self.addr).unwrap();
        stream
            .set_read_timeout(Some(std::time::Duration::from_secs(10)))
            .unwrap();
        stream.write_all(request.as_bytes()).unwrap();
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).unwrap();
        let text = String::from_utf8_lossy(&raw).into_owned();
        let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
        let mut lines = head.lines();
        let status = lines
            .next()
            .unwrap_or("")
            .split_whitespace()
            .nth(1)
            .unwrap_or("0")
            .parse()
            .unwrap();
        let headers = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(n, v)| (n.trim().to_string(), v.trim().to_string()))
            .collect();
        Response {
            status,
            headers,
            body: body.to_string(),
        }
    }

    pub fn get(&self, path: &str) -> Response {
        self.request("GET", path, &[])
    }

    /// Opens the reload event stream.
    pub fn events(&self) -> Events {
        use std::io::Write;
        let mut stream = std::net::TcpStream::connect(&self.addr).unwrap();
        stream
            .set_read_timeout(Some(std::time::Duration::from_millis(200)))
            .unwrap();
        let request = format!(
            "GET /__vellum/events HTTP/1.1\r\nHost: {}\r\nAccept: text/event-stream\r\n\r\n",
            self.addr
        );
        stream.write_all(request.as_bytes()).unwrap();
        Events {
            stream,
            seen: String::new(),
        }
    }
}

/// A reload event stream being read.
pub struct Events {
    stream: std::net::TcpStream,
    seen: String,
}

impl Events {
    /// Everything the stream carries in the next 300 ms.
    pub fn drain(&mut self) -> String {
        use std::io::Read;
        let deadline = std::time::Instant::now() + std::time::Duration::from_millis(300);
        let mut buffer = [0u8; 4096];
        while std::time::Instant::now() < deadline {
            if let Ok(n) = self.stream.read(&mut buffer)
                && n > 0
            {
                self.seen.push_str(&String::from_utf8_lossy(&buffer[..n]));
            }
        }
        std::mem::take(&mut self.seen)
    }

    /// Waits (up to 10 s) until the stream has carried `needle`; returns what it carried.
    pub fn wait_for(&mut self, needle: &str) -> String {
        use std::io::Read;
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        let mut buffer = [0u8; 4096];
        while !self.seen.contains(needle) {
            assert!(
                std::time::Instant::now() < deadline,
                "no `{needle}` in the event stream:\n{}",
                self.seen
            );
            match self.stream.read(&mut buffer) {
                Ok(0) => panic!("event stream closed:\n{}", self.seen),
                Ok(n) => self.seen.push_str(&String::from_utf8_lossy(&buffer[..n])),
                Err(_) => {}
            }
        }
        let seen = std::mem::take(&mut self.seen);
        let end = seen.find(needle).unwrap() + needle.len();
        self.seen = seen[end..].to_string();
        seen[..end].to_string()
    }
}

/// Every JSON-LD block of a page, parsed; panics if one does not parse.
pub fn json_ld_blocks(html: &str) -> Vec<serde_json::Value> {
    let marker = "<script type=\"application/ld+json\">";
    html.match_indices(marker)
        .map(|(at, _)| {
            let start = at + marker.len();
            let end = start + html[start..].find("</script>").expect("closed script");
            serde_json::from_str(&html[start..end])
                .unwrap_or_else(|e| panic!("JSON-LD does not parse: {e}"))
        })
        .collect()
}

/// The JSON-LD block of a page with `@type` `kind`.
pub fn json_ld(html: &str, kind: &str) -> serde_json::Value {
    json_ld_blocks(html)
        .into_iter()
        .find(|block| block["@type"] == kind)
        .unwrap_or_else(|| panic!("no {kind} JSON-LD in the page"))
}

/// Squeezes whitespace so assertions need not follow template indentation.
pub fn squeeze(html: &str) -> String {
    html.split_whitespace().collect::<Vec<_>>().join(" ")
}
