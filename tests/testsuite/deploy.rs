//! `vellum deploy` against a real S3 server: Garage, started once for this test binary
//! on 127.0.0.1 (and stopped when it exits), each test in its own bucket. Requests go
//! through a small recording proxy, so the tests see the order of uploads and can make
//! the server fail once.
//!
//! `.ci/run` installs Garage; elsewhere put `garage` on PATH or set VELLUM_GARAGE.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use object_store::aws::AmazonS3Builder;
use object_store::{Attribute, GetOptions, ObjectStore};

use crate::common::{Run, Site};

struct Garage {
    /// Stops the server when this process ends; never waited for.
    _watchdog: std::process::Child,
    config: PathBuf,
    s3: SocketAddr,
    key_id: String,
    secret: String,
}

fn garage_binary() -> String {
    std::env::var("VELLUM_GARAGE").unwrap_or_else(|_| "garage".into())
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn garage_cli(config: &Path, args: &[&str]) -> Result<String, String> {
    let output = Command::new(garage_binary())
        .arg("-c")
        .arg(config)
        .args(args)
        .output()
        .map_err(|e| {
            format!(
                "cannot run `{}` ({e}): the deploy tests need Garage, an S3 server; \
                 `cargo install garage --locked` or `bash .ci/run` installs it",
                garage_binary()
            )
        })?;
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    match output.status.success() {
        true => Ok(stdout),
        false => Err(format!(
            "garage {args:?} failed: {stdout}{}",
            String::from_utf8_lossy(&output.stderr)
        )),
    }
}

fn retrying(config: &Path, args: &[&str]) -> String {
    let mut last = String::new();
    for _ in 0..150 {
        match garage_cli(config, args) {
            Ok(out) => return out,
            Err(e) if e.starts_with("cannot run") => panic!("{e}"),
            Err(e) => last = e,
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    panic!("Garage did not start: {last}")
}

/// Garage for this test binary: a one-node cluster in a temporary folder, killed and
/// removed by a watchdog when the test process ends.
fn garage() -> &'static Garage {
    static GARAGE: OnceLock<Garage> = OnceLock::new();
    GARAGE.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("vellum-garage-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let (rpc, s3, admin) = (free_port(), free_port(), free_port());
        let secret: String = (0..32)
            .map(|i| format!("{:02x}", (i * 37 + std::process::id() as usize) % 256))
            .collect();
        let config = dir.join("garage.toml");
        std::fs::write(
            &config,
            format!(
                "metadata_dir = \"{dir}/meta\"\ndata_dir = \"{dir}/data\"\n\
                 db_engine = \"sqlite\"\nreplication_factor = 1\n\
                 rpc_bind_addr = \"127.0.0.1:{rpc}\"\nrpc_public_addr = \"127.0.0.1:{rpc}\"\n\
                 rpc_secret = \"{secret}\"\n\
                 [s3_api]\ns3_region = \"garage\"\napi_bind_addr = \"127.0.0.1:{s3}\"\n\
                 [admin]\napi_bind_addr = \"127.0.0.1:{admin}\"\n",
                dir = dir.display()
            ),
        )
        .unwrap();
        // The watchdog outlives the server only long enough to stop it and clean up.
        let script = format!(
            "\"$0\" -c \"$1\" server >\"$2/server.log\" 2>&1 & server=$!; \
             while kill -0 {parent} 2>/dev/null && kill -0 $server 2>/dev/null; do sleep 0.2; done; \
             kill $server 2>/dev/null; wait $server; rm -rf \"$2\"",
            parent = std::process::id()
        );
        let watchdog = Command::new("sh")
            .arg("-c")
            .arg(script)
            .arg(garage_binary())
            .arg(&config)
            .arg(&dir)
            .spawn()
            .expect("start sh");
        // The server takes a moment to start, longer when the other tests load the
        // machine: each setup step is retried for up to 30 s.
        let node = retrying(&config, &["node", "id", "-q"]);
        let node = node.trim().split('@').next().unwrap().to_string();
        retrying(&config, &["layout", "assign", "-z", "dc1", "-c", "1G", &node]);
        retrying(&config, &["layout", "apply", "--version", "1"]);
        let key = garage_cli(&config, &["key", "create", "deploy-tests"]).unwrap();
        let field = |name: &str| {
            key.lines()
                .find_map(|l| l.strip_prefix(name))
                .map(|v| v.trim().to_string())
                .unwrap_or_else(|| panic!("no {name} in {key}"))
        };
        Garage {
            _watchdog: watchdog,
            key_id: field("Key ID:"),
            secret: field("Secret key:"),
            s3: format!("127.0.0.1:{s3}").parse().unwrap(),
            config,
        }
    })
}

/// A fresh bucket the tests' key may read, write and delete in.
fn bucket() -> String {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let name = format!("site-{}", NEXT.fetch_add(1, Ordering::SeqCst));
    let garage = garage();
    garage_cli(&garage.config, &["bucket", "create", &name]).unwrap();
    garage_cli(
        &garage.config,
        &[
            "bucket",
            "allow",
            "--read",
            "--write",
            "--owner",
            &name,
            "--key",
            "deploy-tests",
        ],
    )
    .unwrap();
    name
}

/// A proxy in front of Garage that logs each request as it arrives (`> PUT /b/key`)
/// and as it is answered (`< PUT /b/key 200`), and answers the first `fail_puts`
/// uploads with 503 Slow Down, as S3 does under load.
struct Proxy {
    addr: SocketAddr,
    log: Arc<Mutex<Vec<String>>>,
}

impl Proxy {
    fn start(upstream: SocketAddr, fail_puts: usize) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let log = Arc::new(Mutex::new(Vec::new()));
        let failures = Arc::new(AtomicUsize::new(fail_puts));
        let shared = log.clone();
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let (log, failures) = (shared.clone(), failures.clone());
                std::thread::spawn(move || relay(client, upstream, &log, &failures));
            }
        });
        Proxy { addr, log }
    }

    fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn log(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }

    /// Requests answered, `METHOD /bucket/key STATUS`, in order.
    fn answered(&self) -> Vec<String> {
        self.log()
            .into_iter()
            .filter_map(|l| l.strip_prefix("< ").map(str::to_string))
            .collect()
    }

    fn clear(&self) {
        self.log.lock().unwrap().clear();
    }
}

/// One request per connection (the proxy asks for `Connection: close`), so each is seen.
fn relay(
    client: TcpStream,
    upstream: SocketAddr,
    log: &Mutex<Vec<String>>,
    failures: &AtomicUsize,
) {
    let mut reader = BufReader::new(client.try_clone().unwrap());
    let mut head = Vec::new();
    let mut length = 0usize;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        if line == "\r\n" {
            break;
        }
        let lower = line.to_ascii_lowercase();
        if let Some(value) = lower.strip_prefix("content-length:") {
            length = value.trim().parse().unwrap_or(0);
        }
        if !lower.starts_with("connection:") {
            head.push(line);
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).unwrap();
    let request = head[0].split(' ').take(2).collect::<Vec<_>>().join(" ");
    log.lock().unwrap().push(format!("> {request}"));
    let mut client = client;
    if request.starts_with("PUT ")
        && failures
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
    {
        log.lock().unwrap().push(format!("< {request} 503"));
        let _ = client.write_all(
            b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/xml\r\n\
              Content-Length: 50\r\nConnection: close\r\n\r\n\
              <Error><Code>SlowDown</Code></Error>             ",
        );
        return;
    }
    let mut server = TcpStream::connect(upstream).unwrap();
    let mut forwarded = head.concat();
    forwarded.push_str("Connection: close\r\n\r\n");
    server.write_all(forwarded.as_bytes()).unwrap();
    server.write_all(&body).unwrap();
    let mut response = Vec::new();
    server.read_to_end(&mut response).unwrap();
    let status = String::from_utf8_lossy(&response)
        .split(' ')
        .nth(1)
        .unwrap_or("?")
        .to_string();
    log.lock().unwrap().push(format!("< {request} {status}"));
    let _ = client.write_all(&response);
}

/// A site, its bucket, and a proxy to reach it.
struct Deploy {
    site: Site,
    bucket: String,
    proxy: Proxy,
}

impl Deploy {
    fn new(site: Site) -> Deploy {
        Deploy::failing(site, 0)
    }

    fn failing(site: Site, fail_puts: usize) -> Deploy {
        let bucket = bucket();
        Deploy {
            site,
            bucket,
            proxy: Proxy::start(garage().s3, fail_puts),
        }
    }

    fn target(&self) -> String {
        format!("s3://{}/live", self.bucket)
    }

    fn run_with_secret(&self, args: &[&str], secret: &str) -> Run {
        let garage = garage();
        let target = self.target();
        let mut all = vec!["deploy", target.as_str()];
        all.extend_from_slice(args);
        self.site.vellum_with_env(
            &all,
            &[
                ("AWS_ACCESS_KEY_ID", garage.key_id.as_str()),
                ("AWS_SECRET_ACCESS_KEY", secret),
                ("AWS_REGION", "garage"),
                ("AWS_ENDPOINT_URL", &self.proxy.endpoint()),
                ("AWS_SESSION_TOKEN", ""),
                ("AWS_DEFAULT_REGION", ""),
            ],
        )
    }

    fn run(&self, args: &[&str]) -> Run {
        self.run_with_secret(args, &garage().secret)
    }

    fn ok(&self, args: &[&str]) -> Run {
        self.proxy.clear();
        let run = self.run(args);
        assert!(
            run.success,
            "deploy failed:\n{}\n{}",
            run.stdout, run.stderr
        );
        run
    }

    /// The keys under the target, as output paths.
    fn stored(&self) -> BTreeSet<String> {
        self.with_store(|store| async move {
            use futures::TryStreamExt;
            let prefix = object_store::path::Path::from("live");
            let all: Vec<_> = store.list(Some(&prefix)).try_collect().await.unwrap();
            all.into_iter()
                .map(|m| {
                    m.location
                        .as_ref()
                        .strip_prefix("live/")
                        .unwrap()
                        .to_string()
                })
                .collect()
        })
    }

    /// An object's Content-Type and Cache-Control.
    fn headers(&self, path: &str) -> (String, String) {
        let key = object_store::path::Path::from(format!("live/{path}").as_str());
        self.with_store(|store| async move {
            let head = GetOptions {
                head: true,
                ..Default::default()
            };
            let result = store.get_opts(&key, head).await.unwrap();
            let get = |a: Attribute| result.attributes.get(&a).unwrap().as_ref().to_string();
            (get(Attribute::ContentType), get(Attribute::CacheControl))
        })
    }

    fn with_store<F, T>(&self, f: impl FnOnce(Arc<object_store::aws::AmazonS3>) -> F) -> T
    where
        F: std::future::Future<Output = T>,
    {
        let garage = garage();
        let store = AmazonS3Builder::new()
            .with_bucket_name(&self.bucket)
            .with_region("garage")
            .with_endpoint(format!("http://{}", garage.s3))
            .with_allow_http(true)
            .with_access_key_id(&garage.key_id)
            .with_secret_access_key(&garage.secret)
            .build()
            .unwrap();
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(f(Arc::new(store)))
    }

    fn manifest_paths(&self) -> BTreeSet<String> {
        let manifest: serde_json::Value =
            serde_json::from_str(&self.site.read("public.manifest.json")).unwrap();
        manifest["files"]
            .as_object()
            .unwrap()
            .keys()
            .filter(|k| *k != "_headers")
            .cloned()
            .collect()
    }

    fn save_manifest(&self, name: &str) {
        std::fs::copy(
            self.site.root.join("public.manifest.json"),
            self.site.root.join(name),
        )
        .unwrap();
    }

    /// What `vellum diff` says was added or changed since a saved manifest, but for
    /// `_headers`, which is not deployed.
    fn changed_since(&self, saved: &str) -> BTreeSet<String> {
        let diff = json(
            &self
                .site
                .vellum(&["diff", "--json", saved, "public.manifest.json"]),
        );
        ["added", "changed"]
            .iter()
            .flat_map(|kind| diff[kind].as_array().unwrap())
            .map(|p| p.as_str().unwrap().to_string())
            .filter(|p| p != "_headers")
            .collect()
    }

    /// Uploaded output paths, from the proxy's log, in order.
    fn uploaded(&self) -> Vec<String> {
        let prefix = format!("PUT /{}/live/", self.bucket);
        self.proxy
            .answered()
            .iter()
            .filter(|l| l.ends_with(" 200"))
            .filter_map(|l| l.strip_prefix(&prefix))
            .map(|l| l.trim_end_matches(" 200").to_string())
            .collect()
    }
}

fn json(run: &Run) -> serde_json::Value {
    serde_json::from_str(run.stdout.trim()).unwrap_or_else(|e| panic!("{e}: {}", run.stdout))
}

fn shop() -> Site {
    let site = Site::fixture_with_default_theme("shop");
    site.build_ok();
    site
}

fn fingerprinted_css(site: &Site) -> String {
    std::fs::read_dir(site.root.join("public"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .find(|n| n.starts_with("style.") && n.ends_with(".css") && n != "style.css")
        .unwrap()
}

#[test]
fn a_first_deploy_uploads_the_shop_and_a_second_uploads_nothing() {
    let deploy = Deploy::new(shop());
    let first = deploy.ok(&[]);
    let expected = deploy.manifest_paths();
    assert_eq!(deploy.stored(), expected, "{}", first.stderr);
    assert_eq!(
        deploy.uploaded().into_iter().collect::<BTreeSet<_>>(),
        expected
    );
    assert!(
        first
            .stdout
            .contains(&format!("Uploaded {} files", expected.len())),
        "{}",
        first.stdout
    );
    // _headers is not published to a bucket, which does not read it; the deploy says so.
    assert!(!deploy.stored().contains("_headers"));
    assert!(
        first.stderr.contains("does not read _headers")
            && first.stderr.contains("Content-Security-Policy"),
        "{}",
        first.stderr
    );
    // One plain line per file when stderr is not a terminal.
    assert!(
        first.stderr.contains("uploaded products/index.html (")
            && first.stderr.contains(" KiB, new) ["),
        "{}",
        first.stderr
    );

    let second = deploy.ok(&["--cdn-sets-headers"]);
    assert!(
        second.stdout.contains(&format!(
            "Nothing to upload: {} already holds this build ({} files).",
            deploy.target(),
            expected.len()
        )),
        "{}",
        second.stdout
    );
    assert_eq!(
        second.stderr, "",
        "no warning once the CDN sets the headers"
    );
    // The listing's ETags were enough: one list request and nothing else.
    let answered = deploy.proxy.answered();
    assert_eq!(answered.len(), 1, "{answered:?}");
    assert!(answered[0].starts_with(&format!("GET /{}?list-type=2", deploy.bucket)));
}

#[test]
fn stored_objects_carry_the_content_type_and_caching_of_the_build() {
    let deploy = Deploy::new(shop());
    deploy.ok(&[]);
    let css = fingerprinted_css(&deploy.site);
    let (html, revalidate) = (
        "text/html; charset=utf-8",
        "public, max-age=0, must-revalidate",
    );
    assert_eq!(
        deploy.headers("products/index.html"),
        (html.into(), revalidate.into())
    );
    assert_eq!(
        deploy.headers(&css),
        (
            "text/css; charset=utf-8".into(),
            "public, max-age=31536000, immutable".into()
        )
    );
    assert_eq!(
        deploy.headers("sitemap.xml"),
        ("text/xml; charset=utf-8".into(), revalidate.into())
    );
    assert_eq!(
        deploy.headers("products/watches/alpha.png"),
        ("image/png".into(), revalidate.into())
    );
}

#[test]
fn an_edit_uploads_the_new_stylesheet_before_the_pages_then_deletes_what_is_gone() {
    let deploy = Deploy::new(shop());
    deploy.ok(&[]);
    let old_css = fingerprinted_css(&deploy.site);
    deploy.save_manifest("old.manifest.json");

    let style = "themes/default/static/style.css";
    let css = deploy.site.read(style);
    deploy
        .site
        .write(style, format!("{css}\nbody {{ margin: 1px }}\n"));
    let cookies = deploy.site.read("content/cookies.md");
    deploy.site.write(
        "content/cookies.md",
        cookies.replace("Cookies we set", "Biscuits we bake"),
    );
    deploy.site.remove("content/products/watches/beta.md");
    deploy.site.build_ok();
    let new_css = fingerprinted_css(&deploy.site);
    assert_ne!(old_css, new_css);

    let run = deploy.ok(&["--cdn-sets-headers"]);
    let uploaded = deploy.uploaded();
    // Exactly what the build changed or added.
    let expected = deploy.changed_since("old.manifest.json");
    assert_eq!(
        uploaded.iter().cloned().collect::<BTreeSet<_>>(),
        expected,
        "{}",
        run.stderr
    );
    assert!(uploaded.contains(&new_css) && uploaded.contains(&"cookies/index.html".into()));
    // The new stylesheet was stored before any page that links to it was sent.
    let log = deploy.proxy.log();
    let at = |needle: &str| {
        log.iter()
            .position(|l| l.starts_with(needle))
            .unwrap_or_else(|| panic!("no {needle} in {log:#?}"))
    };
    let prefix = format!("PUT /{}/live/", deploy.bucket);
    let css_stored = at(&format!("< {prefix}{new_css} 200"));
    for page in uploaded.iter().filter(|p| p.ends_with(".html")) {
        assert!(
            css_stored < at(&format!("> {prefix}{page}")),
            "{page}: {log:#?}"
        );
    }
    // Deletes come after every upload.
    let first_delete = log
        .iter()
        .position(|l| l.starts_with("> POST") || l.starts_with("> DELETE"))
        .expect("a delete request");
    let last_upload = log.iter().rposition(|l| l.starts_with("< PUT")).unwrap();
    assert!(last_upload < first_delete, "{log:#?}");
    let stored = deploy.stored();
    assert_eq!(stored, deploy.manifest_paths());
    assert!(!stored.contains(&old_css));
    assert!(!stored.contains("products/watches/beta/index.html"));
    assert!(
        run.stdout
            .contains("purge https://shop.test/products/watches/beta/\n"),
        "{}",
        run.stdout
    );
}

#[test]
fn more_deletes_than_max_deletes_are_refused_before_anything_changes() {
    let deploy = Deploy::new(shop());
    deploy.ok(&[]);
    for product in ["watches/beta", "bands/gamma"] {
        deploy
            .site
            .remove(&format!("content/products/{product}.md"));
    }
    deploy.site.build_ok();
    let stored = deploy.stored();
    deploy.proxy.clear();
    let refused = deploy.run(&["--max-deletes", "1"]);
    assert!(!refused.success);
    assert!(
        refused
            .stderr
            .contains("more than the 1 a deploy deletes (--max-deletes)")
            && refused.stderr.contains("run again with --max-deletes ")
            && refused.stderr.contains("nothing was changed"),
        "{}",
        refused.stderr
    );
    assert_eq!(deploy.stored(), stored);
    assert!(
        deploy
            .proxy
            .answered()
            .iter()
            .all(|l| l.starts_with("GET ")),
        "{:?}",
        deploy.proxy.answered()
    );
    let count: usize = refused
        .stderr
        .split("run again with --max-deletes ")
        .nth(1)
        .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|n| n.parse().ok())
        .unwrap();
    deploy.ok(&["--max-deletes", &count.to_string()]);
    assert_eq!(deploy.stored(), deploy.manifest_paths());
}

#[test]
fn a_failed_upload_is_retried() {
    let deploy = Deploy::failing(shop(), 1);
    let run = deploy.ok(&["--cdn-sets-headers"]);
    let answered = deploy.proxy.answered();
    let failed = answered
        .iter()
        .find(|l| l.ends_with(" 503"))
        .expect("one failure");
    let request = failed.trim_end_matches(" 503");
    assert!(
        answered.contains(&format!("{request} 200")),
        "the same upload succeeded on a retry: {answered:#?}"
    );
    assert_eq!(deploy.stored(), deploy.manifest_paths(), "{}", run.stderr);
}

#[test]
fn refused_credentials_are_a_clear_error_that_changes_nothing() {
    let deploy = Deploy::new(shop());
    let run = deploy.run_with_secret(
        &[],
        "0000000000000000000000000000000000000000000000000000000000000000",
    );
    assert!(!run.success);
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    assert!(
        run.stderr.starts_with(&format!(
            "error: {} at {} refused the credentials (list the bucket: 403",
            deploy.target(),
            deploy.proxy.endpoint()
        )) && run
            .stderr
            .contains("Check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
            && run.stderr.contains("Nothing was changed in the bucket."),
        "{}",
        run.stderr
    );
    assert!(deploy.stored().is_empty());
}

#[test]
fn dry_run_and_json_give_the_plan_and_purge_batches_without_changing_anything() {
    let deploy = Deploy::new(shop());
    deploy.ok(&[]);
    deploy.site.remove("content/products/watches/beta.md");
    let cookies = deploy.site.read("content/cookies.md");
    deploy.site.write(
        "content/cookies.md",
        cookies.replace("Cookies we set", "Biscuits we bake"),
    );
    deploy.site.build_ok();
    let stored = deploy.stored();

    let text = deploy.ok(&["--dry-run", "--cdn-sets-headers"]);
    assert!(
        text.stdout.contains("upload cookies/index.html (changed, "),
        "{}",
        text.stdout
    );
    assert!(
        text.stdout
            .contains("delete products/watches/beta/index.html\n"),
        "{}",
        text.stdout
    );
    assert!(
        text.stdout.contains("(dry run: nothing was changed)"),
        "{}",
        text.stdout
    );

    let run = deploy.ok(&[
        "--dry-run",
        "--json",
        "--purge-batch",
        "2",
        "--cdn-sets-headers",
    ]);
    let plan = json(&run);
    assert_eq!(plan["dry_run"], true);
    assert_eq!(plan["target"], deploy.target());
    let uploads = plan["uploads"].as_array().unwrap();
    assert!(uploads.iter().any(|u| u["path"] == "cookies/index.html"
        && u["reason"] == "changed"
        && u["content_type"] == "text/html; charset=utf-8"));
    assert!(
        plan["deletes"]
            .as_array()
            .unwrap()
            .contains(&"products/watches/beta/index.html".into())
    );
    let batches = plan["purge"].as_array().unwrap();
    assert!(batches.len() >= 2);
    assert!(batches.iter().all(|b| b.as_array().unwrap().len() <= 2));
    let urls: Vec<&str> = batches
        .iter()
        .flat_map(|b| b.as_array().unwrap())
        .map(|u| u.as_str().unwrap())
        .collect();
    assert!(urls.contains(&"https://shop.test/cookies/"), "{urls:?}");
    assert!(
        urls.contains(&"https://shop.test/products/watches/beta/"),
        "{urls:?}"
    );
    assert_eq!(deploy.stored(), stored, "a dry run changes nothing");
    assert!(
        deploy
            .proxy
            .answered()
            .iter()
            .all(|l| l.starts_with("GET "))
    );
}

#[test]
fn an_upcoming_policy_version_goes_live_on_the_first_deploy_after_its_date_with_no_commit() {
    let site = Site::fixture_with_default_theme("policies");
    let deploy = Deploy::new(site);
    let build = |day: &str| {
        let run = deploy.site.vellum(&["build", "--now", day]);
        assert!(run.success, "{}", run.stderr);
        run
    };
    let before = build("2027-02-28");
    assert!(
        before
            .stdout
            .contains("Next change with no edit: 2027-03-01"),
        "{}",
        before.stdout
    );
    deploy.ok(&["--cdn-sets-headers"]);
    deploy.save_manifest("old.manifest.json");
    build("2027-03-01");
    let run = deploy.ok(&["--json", "--cdn-sets-headers"]);
    let result = json(&run);
    let uploaded: BTreeSet<String> = result["uploads"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["path"].as_str().unwrap().to_string())
        .collect();
    // Exactly the files `vellum diff` says the date changed.
    let changed = deploy.changed_since("old.manifest.json");
    assert!(!changed.is_empty());
    assert_eq!(uploaded, changed);
    assert!(
        uploaded.contains("policies/terms/index.html"),
        "{uploaded:?}"
    );
    assert_eq!(
        uploaded,
        deploy.uploaded().into_iter().collect::<BTreeSet<_>>()
    );
    assert_eq!(deploy.stored(), deploy.manifest_paths());
}

#[test]
fn a_folder_changed_after_the_build_is_not_deployed() {
    let deploy = Deploy::new(shop());
    deploy.site.write("public/extra.html", "<p>hand-made</p>");
    let run = deploy.run(&[]);
    assert!(!run.success);
    assert!(
        run.stderr.contains("extra.html is not in") && run.stderr.contains("Build again"),
        "{}",
        run.stderr
    );
    assert!(deploy.proxy.log().is_empty(), "nothing was sent");
}
