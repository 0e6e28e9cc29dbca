//! Serving the local backend's files under `media.url_prefix`: tower-http's `ServeDir`
//! (content types, ranges, no way out of the folder), with the caching content-addressed
//! names allow.

use std::path::Path;

use axum::Router;
use axum::extract::Request;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode, header};
use tower_http::services::ServeDir;
use web::state::AppState;

const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// The router serving `folder` at `prefix`.
pub fn router(prefix: &str, folder: &Path) -> Router<AppState> {
    let files = ServeDir::new(folder).append_index_html_on_directories(false);
    Router::new()
        .nest_service(prefix.trim_end_matches('/'), files)
        .layer(axum::middleware::from_fn(cache_forever))
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
        if let Some(etag) = etag {
            headers.insert(header::ETAG, etag);
        }
    }
    response
}
