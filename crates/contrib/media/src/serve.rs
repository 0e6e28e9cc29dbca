//! Serving the local backend's files under `media.url_prefix`: tower-http's `ServeDir`
//! (content types, ranges, no way out of the folder), with the caching content-addressed
//! names allow, and the small files asked for recently kept in memory
//! (`media.memory_cache_bytes`): a thumbnail is then answered without touching the disk.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use http::{HeaderValue, Method, StatusCode, header};
use tower_http::services::ServeDir;
use web::state::AppState;

use crate::documents::{DocumentKind, StoredKind};
use crate::files;

const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// Files up to this size are kept in memory.
const HOT_FILE_BYTES: u64 = 512 * 1024;
/// How long a file is answered from memory before the disk is asked again: a file removed
/// by another process (a worker) stops being served after this at the latest.
const HOT_FOR: Duration = Duration::from_secs(60);

/// A file's bytes and when they were read, by its path under the folder.
type HotCache = quick_cache::sync::Cache<String, (Bytes, Instant), ByWeight>;

/// Recently served small files (`None`: kept on disk only).
#[derive(Clone)]
pub(crate) struct HotFiles(Option<Arc<HotCache>>);

#[derive(Clone)]
pub(crate) struct ByWeight;

impl quick_cache::Weighter<String, (Bytes, Instant)> for ByWeight {
    fn weight(&self, key: &String, value: &(Bytes, Instant)) -> u64 {
        (key.len() + value.0.len()) as u64
    }
}

impl HotFiles {
    pub(crate) fn new(capacity_bytes: u64) -> HotFiles {
        HotFiles((capacity_bytes > 0).then(|| {
            let items = usize::try_from(capacity_bytes / (16 * 1024))
                .unwrap_or(1024)
                .max(16);
            Arc::new(quick_cache::sync::Cache::with_weighter(
                items,
                capacity_bytes,
                ByWeight,
            ))
        }))
    }

    /// Forgets `name` (removed in this process).
    pub(crate) fn forget(&self, name: &str) {
        if let Some(cache) = &self.0 {
            cache.remove(name);
        }
    }
}

/// The router serving `folder` at `prefix`.
pub(crate) fn router(prefix: &str, folder: &Path, hot: HotFiles) -> Router<AppState> {
    // A thumbnail (tens of KiB) in one read rather than 64 KiB at a time.
    let files = ServeDir::new(folder)
        .append_index_html_on_directories(false)
        .with_buf_chunk_size(128 * 1024);
    let prefix = prefix.trim_end_matches('/').to_owned();
    Router::new()
        .nest_service(&prefix, files)
        .layer(axum::middleware::from_fn_with_state(
            Hot {
                files: hot,
                folder: folder.to_path_buf(),
                prefix,
            },
            from_memory,
        ))
        .layer(axum::middleware::from_fn(cache_forever))
}

#[derive(Clone)]
struct Hot {
    files: HotFiles,
    folder: PathBuf,
    prefix: String,
}

/// Answers a whole-file `GET` of a small stored file from memory (reading it once);
/// ranges, other methods and larger files go to `ServeDir`.
async fn from_memory(State(hot): State<Hot>, request: Request, next: Next) -> Response {
    let Some(cache) = hot.files.0.clone() else {
        return next.run(request).await;
    };
    let name = request
        .uri()
        .path()
        .strip_prefix(&hot.prefix)
        .map(|p| p.trim_start_matches('/').to_owned());
    let kind = name.as_deref().and_then(files::stored_kind);
    let (Some(name), Some(kind)) = (name, kind) else {
        return next.run(request).await;
    };
    if request.method() != Method::GET || request.headers().contains_key(header::RANGE) {
        return next.run(request).await;
    }
    if let Some((bytes, at)) = cache.get(&name)
        && at.elapsed() < HOT_FOR
    {
        return answer(bytes, kind);
    }
    let path = hot.folder.join(&name);
    let read = tokio::task::spawn_blocking(move || {
        let size = std::fs::metadata(&path)?.len();
        if size > HOT_FILE_BYTES {
            return Ok(None);
        }
        std::fs::read(&path).map(|b| Some(Bytes::from(b)))
    })
    .await;
    match read {
        Ok(Ok(Some(bytes))) => {
            cache.insert(name, (bytes.clone(), Instant::now()));
            answer(bytes, kind)
        }
        // Larger, missing or unreadable: ServeDir says which.
        _ => next.run(request).await,
    }
}

fn answer(bytes: Bytes, kind: StoredKind) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static(kind.content_type()),
        )],
        Body::from(bytes),
    )
        .into_response()
}

/// A name is its content: the path is the `ETag`, and the answer never changes.
async fn cache_forever(request: Request, next: Next) -> Response {
    let etag = HeaderValue::from_str(&format!(
        "\"{}\"",
        request.uri().path().trim_start_matches('/')
    ))
    .ok();
    let matches = etag.as_ref().is_some_and(|etag| {
        request
            .headers()
            .get_all(header::IF_NONE_MATCH)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .any(|tag| tag.trim() == etag)
    });
    if matches {
        let mut response = StatusCode::NOT_MODIFIED.into_response();
        let headers = response.headers_mut();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(IMMUTABLE));
        if let Some(etag) = etag {
            headers.insert(header::ETAG, etag);
        }
        return response;
    }
    let mut response = next.run(request).await;
    if response.status().is_success() {
        let headers = response.headers_mut();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(IMMUTABLE));
        // The stored kind was checked at upload: a browser must not guess another.
        headers.insert(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        );
        if headers
            .get(header::CONTENT_TYPE)
            .is_some_and(|t| t == "text/plain")
        {
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static(DocumentKind::Text.content_type()),
            );
        }
        if let Some(etag) = etag {
            headers.insert(header::ETAG, etag);
        }
    }
    response
}
