//! The bucket a site is deployed to, through `object_store` (Apache Arrow's S3 client):
//! it speaks to AWS S3 and to every S3-compatible service (R2, B2, MinIO, Garage) from
//! an endpoint URL, signs with the standard AWS variables, and retries transient
//! failures (5xx, 429, dropped connections) with exponential backoff.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use futures::{StreamExt, TryStreamExt};
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::path::Path as Key;
use object_store::{
    Attribute, Attributes, BackoffConfig, ClientOptions, GetOptions, ObjectStore, PutOptions,
    PutPayload, RetryConfig,
};

use super::local::LocalFile;
use super::plan::RemoteObject;

/// Where a site goes: `s3://bucket/prefix`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub bucket: String,
    /// Without leading or trailing `/`; empty for the bucket's root.
    pub prefix: String,
}

impl Target {
    pub fn parse(text: &str) -> Result<Target, String> {
        let rest = text.strip_prefix("s3://").ok_or_else(|| {
            format!(
                "`{text}` is not a deploy target: write it as s3://bucket or s3://bucket/folder"
            )
        })?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Err(format!("`{text}` names no bucket: write s3://bucket"));
        }
        let prefix = prefix.trim_matches('/').to_string();
        if !prefix.is_empty() {
            Key::parse(&prefix).map_err(|e| format!("`{text}`: the folder is not valid: {e}"))?;
        }
        Ok(Target {
            bucket: bucket.to_string(),
            prefix,
        })
    }

    /// The object key of an output path.
    pub fn key(&self, path: &str) -> Result<Key, String> {
        let key = match self.prefix.is_empty() {
            true => path.to_string(),
            false => format!("{}/{path}", self.prefix),
        };
        Key::parse(&key).map_err(|e| {
            format!("public/{path}: this name cannot be an object key ({e}); rename the file it comes from")
        })
    }

    /// The output path of an object key under the prefix.
    fn path_of<'a>(&self, key: &'a str) -> Option<&'a str> {
        match self.prefix.is_empty() {
            true => Some(key),
            false => key
                .strip_prefix(self.prefix.as_str())
                .and_then(|k| k.strip_prefix('/')),
        }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.prefix.is_empty() {
            true => write!(f, "s3://{}", self.bucket),
            false => write!(f, "s3://{}/{}", self.bucket, self.prefix),
        }
    }
}

/// How to reach the storage: flags, else the standard AWS variables.
#[derive(Debug, Clone, Default)]
pub struct Connection {
    pub endpoint: Option<String>,
    pub region: Option<String>,
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<String>,
    pub session_token: Option<String>,
}

/// The metadata key holding each object's SHA-256, for services whose ETag is not the
/// MD5 of the bytes.
const SHA256_METADATA: &str = "vellum-sha256";

#[derive(Clone)]
pub struct Bucket {
    store: Arc<AmazonS3>,
    pub target: Target,
    endpoint: String,
}

impl Bucket {
    pub fn connect(target: &Target, connection: &Connection) -> Result<Bucket, String> {
        let (Some(key_id), Some(secret)) =
            (&connection.access_key_id, &connection.secret_access_key)
        else {
            return Err(
                "no credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (in CI, from \
                 the repository's secrets) or pass --access-key-id and --secret-access-key"
                    .into(),
            );
        };
        let region = connection.region.clone().unwrap_or_else(|| {
            // R2 and most S3-compatible services take any region; AWS needs a real one.
            match connection.endpoint {
                Some(_) => "auto".into(),
                None => "us-east-1".into(),
            }
        });
        let endpoint = connection
            .endpoint
            .clone()
            .unwrap_or_else(|| format!("https://s3.{region}.amazonaws.com"));
        let retry = RetryConfig {
            backoff: BackoffConfig {
                init_backoff: Duration::from_millis(200),
                max_backoff: Duration::from_secs(10),
                base: 2.0,
            },
            max_retries: 5,
            retry_timeout: Duration::from_secs(120),
        };
        let client = ClientOptions::new()
            .with_allow_http(endpoint.starts_with("http://"))
            .with_connect_timeout(Duration::from_secs(10))
            .with_timeout(Duration::from_secs(120));
        let mut builder = AmazonS3Builder::new()
            .with_bucket_name(&target.bucket)
            .with_region(region)
            .with_access_key_id(key_id)
            .with_secret_access_key(secret)
            .with_retry(retry)
            .with_client_options(client);
        if let Some(endpoint) = &connection.endpoint {
            // Path-style requests (endpoint/bucket/key): every S3-compatible service
            // takes them, and they need no DNS name per bucket.
            builder = builder
                .with_endpoint(endpoint)
                .with_virtual_hosted_style_request(false);
        }
        if let Some(token) = &connection.session_token {
            builder = builder.with_token(token);
        }
        let store = builder
            .build()
            .map_err(|e| format!("cannot use {target}: {}", chain(&e)))?;
        Ok(Bucket {
            store: Arc::new(store),
            target: target.clone(),
            endpoint,
        })
    }

    /// Every object under the target's prefix, by output path.
    pub async fn list(&self) -> Result<BTreeMap<String, RemoteObject>, String> {
        let prefix =
            (!self.target.prefix.is_empty()).then(|| Key::from(self.target.prefix.as_str()));
        let mut stream = self.store.list(prefix.as_ref());
        let mut objects = BTreeMap::new();
        while let Some(meta) = stream.next().await {
            let meta = meta.map_err(|e| self.explain("list the bucket", &e))?;
            let Some(path) = self.target.path_of(meta.location.as_ref()) else {
                continue;
            };
            objects.insert(
                path.to_string(),
                RemoteObject {
                    size: meta.size,
                    etag: meta.e_tag.map(|t| t.trim_matches('"').to_ascii_lowercase()),
                },
            );
        }
        Ok(objects)
    }

    /// The SHA-256 vellum stored with an object, if any.
    pub async fn stored_sha256(&self, path: &str) -> Result<Option<String>, String> {
        let key = self.target.key(path)?;
        let head = GetOptions {
            head: true,
            ..Default::default()
        };
        let result = self
            .store
            .get_opts(&key, head)
            .await
            .map_err(|e| self.explain(&format!("read {path}"), &e))?;
        Ok(result
            .attributes
            .get(&Attribute::Metadata(SHA256_METADATA.into()))
            .map(|v| v.as_ref().to_string()))
    }

    /// Uploads one file with its type, caching rule and hash.
    pub async fn upload(&self, file: &LocalFile, bytes: Vec<u8>) -> Result<(), String> {
        let key = self.target.key(&file.path)?;
        let mut attributes = Attributes::new();
        attributes.insert(Attribute::ContentType, file.content_type.clone().into());
        attributes.insert(Attribute::CacheControl, file.cache_control.clone().into());
        attributes.insert(
            Attribute::Metadata(SHA256_METADATA.into()),
            file.sha256.clone().into(),
        );
        let options = PutOptions {
            attributes,
            ..Default::default()
        };
        self.store
            .put_opts(&key, PutPayload::from(bytes), options)
            .await
            .map(drop)
            .map_err(|e| self.explain(&format!("upload {}", file.path), &e))
    }

    /// Deletes objects by output path, many per request.
    pub async fn delete(&self, paths: &[String]) -> Result<(), String> {
        let keys = paths
            .iter()
            .map(|p| self.target.key(p))
            .collect::<Result<Vec<Key>, String>>()?;
        let keys = futures::stream::iter(keys.into_iter().map(Ok)).boxed();
        self.store
            .delete_stream(keys)
            .try_collect::<Vec<_>>()
            .await
            .map(drop)
            .map_err(|e| self.explain("delete old files", &e))
    }

    /// One plain sentence for a failure that retrying did not cure.
    fn explain(&self, action: &str, error: &object_store::Error) -> String {
        let detail = chain(error);
        let (status, summary) = summarize(&detail);
        let target = &self.target;
        let endpoint = &self.endpoint;
        match status {
            Some(401 | 403) => format!(
                "{target} at {endpoint} refused the credentials ({action}: {summary}).\n\
                 Check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or --access-key-id and \
                 --secret-access-key), that the key may read, write and delete in bucket `{}`, \
                 and AWS_REGION.",
                target.bucket
            ),
            Some(404) if detail.contains("NoSuchBucket") => format!(
                "there is no bucket `{}` at {endpoint} ({action}: {summary}).\nCreate it, or \
                 check the target and AWS_ENDPOINT_URL.",
                target.bucket
            ),
            Some(_) => format!("{target} at {endpoint} refused to {action}: {summary}"),
            None => format!("cannot {action} in {target}: {summary}"),
        }
    }
}

/// The HTTP status of a failed request and a short account of it: the S3 error's code
/// and message, or the network error at the root of the chain.
fn summarize(detail: &str) -> (Option<u16>, String) {
    let status = detail
        .split_once("status code: ")
        .and_then(|(_, rest)| rest.get(..3))
        .and_then(|code| code.parse::<u16>().ok());
    let tag = |name: &str| {
        let open = format!("<{name}>");
        let (_, rest) = detail.split_once(open.as_str())?;
        let (value, _) = rest.split_once(format!("</{name}>").as_str())?;
        Some(value.to_string())
    };
    let retries = detail
        .split_once(", after ")
        .and_then(|(_, rest)| rest.split_once(','))
        .map(|(n, _)| format!(", after {n}"))
        .unwrap_or_default();
    match status {
        Some(status) => {
            let parts: Vec<String> = [tag("Code"), tag("Message")]
                .into_iter()
                .flatten()
                .collect();
            (
                Some(status),
                format!("{status} {}{retries}", parts.join(": ")),
            )
        }
        None => {
            let root = detail.rsplit(": ").take(2).collect::<Vec<_>>();
            let root: Vec<&str> = root.into_iter().rev().collect();
            (None, format!("{}{retries}", root.join(": ")))
        }
    }
}

/// An error and its sources on one line, each once.
fn chain(error: &dyn std::error::Error) -> String {
    let mut parts: Vec<String> = vec![error.to_string()];
    let mut source = error.source();
    while let Some(next) = source {
        let text = next.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = next.source();
    }
    parts.join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_name_a_bucket_and_an_optional_folder() {
        let t = Target::parse("s3://site").unwrap();
        assert_eq!((t.bucket.as_str(), t.prefix.as_str()), ("site", ""));
        assert_eq!(
            t.key("about/index.html").unwrap().as_ref(),
            "about/index.html"
        );
        let t = Target::parse("s3://site/live/").unwrap();
        assert_eq!(t.prefix, "live");
        assert_eq!(t.to_string(), "s3://site/live");
        assert_eq!(t.key("index.html").unwrap().as_ref(), "live/index.html");
        assert_eq!(t.path_of("live/a.css"), Some("a.css"));
        assert_eq!(t.path_of("lively/a.css"), None);
        assert!(Target::parse("site").unwrap_err().contains("s3://bucket"));
        assert!(Target::parse("s3:///x").is_err());
        // Stored as it is: the client escapes it in the request's URL.
        assert_eq!(t.key("a#b%.png").unwrap().as_ref(), "live/a#b%.png");
    }

    #[test]
    fn failures_are_summed_up_from_the_status_and_the_s3_error() {
        let refused = "Generic S3 error: Error performing list request: Error performing GET \
            http://127.0.0.1:3900/site?list-type=2 in 3.7ms - Server returned non-2xx status \
            code: 403 Forbidden: <?xml version=\"1.0\"?><Error><Code>AccessDenied</Code>\
            <Message>Forbidden: Invalid signature</Message></Error>";
        assert_eq!(
            summarize(refused),
            (
                Some(403),
                "403 AccessDenied: Forbidden: Invalid signature".into()
            )
        );
        let unreachable = "Generic S3 error: Error performing GET http://127.0.0.1:3999/site in \
            2.401s, after 5 retries, max_retries: 5, retry_timeout: 120s  - HTTP error: error \
            sending request: client error (Connect): tcp connect error: Connection refused (os error 111)";
        assert_eq!(
            summarize(unreachable),
            (
                None,
                "tcp connect error: Connection refused (os error 111), after 5 retries".into()
            )
        );
    }
}
