//! Where files live: a local folder or an S3-compatible bucket behind one API
//! (`object_store`), every operation bounded by `media.timeout_seconds`.

use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures_util::StreamExt;
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::local::LocalFileSystem;
use object_store::path::Path as ObjectPath;
use object_store::signer::Signer;
use object_store::{ClientOptions, ObjectStore, ObjectStoreExt, PutPayload, RetryConfig};
use time::OffsetDateTime;

use crate::settings::MediaSettings;

/// `media.storage_url`, understood.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// `file://DIR`: a folder (relative paths from the working directory).
    Folder(PathBuf),
    /// `s3://BUCKET?endpoint=…&region=…&allow_http=true`.
    Bucket {
        bucket: String,
        endpoint: Option<String>,
        region: Option<String>,
        allow_http: bool,
    },
}

impl Location {
    pub fn parse(value: &str) -> Result<Location, String> {
        if let Some(dir) = value.strip_prefix("file://") {
            if dir.is_empty() {
                return Err("file:// needs a folder: `file://./media`".into());
            }
            return Ok(Location::Folder(PathBuf::from(dir)));
        }
        if let Some(rest) = value.strip_prefix("s3://") {
            let (bucket, query) = rest.split_once('?').unwrap_or((rest, ""));
            let bucket = bucket.trim_end_matches('/');
            if bucket.is_empty() || bucket.contains('/') {
                return Err(
                    "s3:// needs a bucket name and nothing after it: `s3://BUCKET?region=…`".into(),
                );
            }
            let (mut endpoint, mut region, mut allow_http) = (None, None, false);
            for (key, val) in url::form_urlencoded::parse(query.as_bytes()) {
                match &*key {
                    "endpoint" => endpoint = Some(val.into_owned()),
                    "region" => region = Some(val.into_owned()),
                    "allow_http" => {
                        allow_http = match &*val {
                            "true" => true,
                            "false" => false,
                            _ => return Err("allow_http must be `true` or `false`".into()),
                        }
                    }
                    other => {
                        return Err(format!(
                            "unknown parameter `{other}` (known: endpoint, region, allow_http)"
                        ));
                    }
                }
            }
            return Ok(Location::Bucket {
                bucket: bucket.into(),
                endpoint,
                region,
                allow_http,
            });
        }
        Err("must be file://DIR or s3://BUCKET?…".into())
    }
}

/// Why a storage operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("no file {0}")]
    NotFound(String),
    /// Down, refusing, or slower than `media.timeout_seconds`.
    #[error("the media storage is unavailable: {0}")]
    Unavailable(String),
}

impl From<StorageError> for web::Error {
    fn from(e: StorageError) -> web::Error {
        match e {
            StorageError::NotFound(_) => web::Error::not_found("No such file."),
            StorageError::Unavailable(cause) => {
                tracing::warn!("media storage: {cause}");
                web::Error::service_unavailable(
                    "The media storage is unavailable; try again shortly.",
                )
            }
        }
    }
}

/// A stored file as a listing shows it.
#[derive(Debug, Clone)]
pub struct StoredObject {
    pub name: String,
    pub modified: OffsetDateTime,
}

/// The configured storage: a service (`Dep<Storage>`).
#[derive(Clone)]
pub struct Storage {
    store: Arc<dyn ObjectStore>,
    /// The folder, when files are local (served under `media.url_prefix`).
    folder: Option<PathBuf>,
    /// The bucket, for presigned URLs.
    signer: Option<Arc<AmazonS3>>,
    url_prefix: String,
    public_url: String,
    presign: Duration,
    timeout: Duration,
    origin: Option<String>,
}

impl std::fmt::Debug for Storage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Storage({})", self.store)
    }
}

impl Storage {
    /// The storage `media.storage_url` names (a folder is created when missing).
    pub fn from_settings(media: &MediaSettings) -> Result<Storage, String> {
        let timeout = media.timeout();
        let mut origin = None;
        let (store, folder, signer): (Arc<dyn ObjectStore>, _, _) =
            match Location::parse(&media.storage_url)? {
                Location::Folder(dir) => {
                    std::fs::create_dir_all(&dir)
                        .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
                    let dir = dir
                        .canonicalize()
                        .map_err(|e| format!("cannot open {}: {e}", dir.display()))?;
                    // Writes go to a temporary file renamed into place: never half-visible.
                    let local = LocalFileSystem::new_with_prefix(&dir)
                        .map_err(|e| e.to_string())?
                        .with_automatic_cleanup(true);
                    (Arc::new(local), Some(dir), None)
                }
                Location::Bucket {
                    bucket,
                    endpoint,
                    region,
                    allow_http,
                } => {
                    // Client options first: `allow_http` is one of them.
                    let mut builder = AmazonS3Builder::from_env()
                        .with_client_options(
                            ClientOptions::new()
                                .with_timeout(timeout)
                                .with_connect_timeout(timeout.min(Duration::from_secs(5))),
                        )
                        .with_bucket_name(bucket)
                        .with_allow_http(allow_http)
                        // A few quick retries, all within the operation's own timeout.
                        .with_retry(RetryConfig {
                            max_retries: 2,
                            retry_timeout: timeout,
                            ..RetryConfig::default()
                        });
                    origin = Some(match &endpoint {
                        Some(endpoint) => origin_of(endpoint),
                        // AWS itself: path-style addresses on the region's endpoint.
                        None => format!(
                            "https://s3.{}.amazonaws.com",
                            region.as_deref().unwrap_or("us-east-1")
                        ),
                    });
                    if let Some(endpoint) = endpoint {
                        builder = builder.with_endpoint(endpoint);
                    }
                    if let Some(region) = region {
                        builder = builder.with_region(region);
                    }
                    let s3 = Arc::new(builder.build().map_err(|e| e.to_string())?);
                    (s3.clone() as Arc<dyn ObjectStore>, None, Some(s3))
                }
            };
        if !media.public_url.is_empty() {
            origin = Some(origin_of(&media.public_url));
        }
        Ok(Storage {
            origin,
            store,
            folder,
            signer,
            url_prefix: media.url_prefix.clone(),
            public_url: media.public_url.trim_end_matches('/').to_owned(),
            presign: Duration::from_secs(media.presign_seconds),
            timeout,
        })
    }

    /// Where browsers fetch files from when that is another site (the bucket, or
    /// `media.public_url`), for the pages' `img-src`.
    pub fn image_origin(&self) -> Option<String> {
        self.origin.clone()
    }

    /// The local folder files are served from (`None` with S3).
    pub fn folder(&self) -> Option<&std::path::Path> {
        self.folder.as_deref()
    }

    async fn bounded<T>(
        &self,
        name: &str,
        work: impl Future<Output = object_store::Result<T>>,
    ) -> Result<T, StorageError> {
        match tokio::time::timeout(self.timeout, work).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(object_store::Error::NotFound { .. })) => {
                Err(StorageError::NotFound(name.into()))
            }
            Ok(Err(e)) => Err(StorageError::Unavailable(e.to_string())),
            Err(_) => Err(StorageError::Unavailable(format!(
                "no answer within {} s",
                self.timeout.as_secs()
            ))),
        }
    }

    /// Stores `bytes` as `name`, replacing any file of that name (content-addressed
    /// names make that a no-op).
    /// Stores `chunks` as the object `name` (written in order, not joined first).
    pub async fn put(
        &self,
        name: &str,
        chunks: impl IntoIterator<Item = Bytes>,
    ) -> Result<(), StorageError> {
        let path = ObjectPath::from(name);
        let payload: PutPayload = chunks.into_iter().collect();
        self.bounded(name, self.store.put(&path, payload))
            .await
            .map(drop)
    }

    pub async fn get(&self, name: &str) -> Result<Bytes, StorageError> {
        let path = ObjectPath::from(name);
        self.bounded(name, async { self.store.get(&path).await?.bytes().await })
            .await
    }

    pub async fn exists(&self, name: &str) -> Result<bool, StorageError> {
        let path = ObjectPath::from(name);
        match self.bounded(name, self.store.head(&path)).await {
            Ok(_) => Ok(true),
            Err(StorageError::NotFound(_)) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Removes `name`; a file already gone is not an error.
    pub async fn delete(&self, name: &str) -> Result<(), StorageError> {
        let path = ObjectPath::from(name);
        match self.bounded(name, self.store.delete(&path)).await {
            Ok(()) | Err(StorageError::NotFound(_)) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Every stored file, read in batches (for `project cleanup`).
    pub fn objects(&self) -> Objects {
        Objects {
            // Fused: the last batch may be asked for once more after the end.
            listing: self.store.list(None).fuse(),
            timeout: self.timeout,
        }
    }

    /// The address a browser fetches `name` from: under `media.url_prefix` for local
    /// files; with S3 under `media.public_url`, or presigned.
    pub async fn url(&self, name: &str) -> Result<String, StorageError> {
        match &self.signer {
            None => Ok(format!("{}{name}", self.url_prefix)),
            Some(_) if !self.public_url.is_empty() => Ok(format!("{}/{name}", self.public_url)),
            Some(s3) => {
                let path = ObjectPath::from(name);
                // Signing is local arithmetic (no request), unless credentials must be fetched.
                self.bounded(name, s3.signed_url(http::Method::GET, &path, self.presign))
                    .await
                    .map(|url| url.to_string())
            }
        }
    }
}

/// A listing of the stored files, read a batch at a time, each batch bounded by the timeout.
pub struct Objects {
    listing: futures_util::stream::Fuse<
        futures_util::stream::BoxStream<'static, object_store::Result<object_store::ObjectMeta>>,
    >,
    timeout: Duration,
}

impl Objects {
    /// Up to `limit` more files; empty at the end.
    pub async fn next_batch(&mut self, limit: usize) -> Result<Vec<StoredObject>, StorageError> {
        let mut found = Vec::new();
        let read = async {
            while found.len() < limit {
                match self.listing.next().await {
                    None => break,
                    Some(Err(e)) => return Err(StorageError::Unavailable(e.to_string())),
                    Some(Ok(meta)) => found.push(StoredObject {
                        name: meta.location.to_string(),
                        modified: OffsetDateTime::from_unix_timestamp(
                            meta.last_modified.timestamp(),
                        )
                        .unwrap_or(OffsetDateTime::UNIX_EPOCH),
                    }),
                }
            }
            Ok(())
        };
        tokio::time::timeout(self.timeout, read)
            .await
            .map_err(|_| StorageError::Unavailable("the listing stalled".into()))??;
        Ok(found)
    }
}

/// `scheme://host[:port]` of a URL.
fn origin_of(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(parsed) => parsed.origin().ascii_serialization(),
        Err(_) => url.trim_end_matches('/').to_owned(),
    }
}
