//! How large a request body may be: `server.body_limit_bytes` (1 MiB) everywhere, except
//! on the routes marked [`crate::urls::Handlers::accepts_uploads`], which take up to the
//! [`UploadLimit`] an extra handling uploads sets (the media extra's
//! `media.max_upload_bytes`). A declared length over the limit is refused before the body
//! is read; an undeclared one stops being read at the limit (`413 payload_too_large`).

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::{StatusCode, header};

/// The body limit of the upload routes (an extra inserts it as a service).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UploadLimit(pub usize);

#[derive(Clone)]
pub(crate) struct BodyLimits {
    pub(crate) default: usize,
    pub(crate) uploads: usize,
    pub(crate) upload_paths: Arc<matchit::Router<()>>,
}

impl BodyLimits {
    fn for_path(&self, path: &str) -> usize {
        if self.upload_paths.at(path).is_ok() {
            self.uploads.max(self.default)
        } else {
            self.default
        }
    }
}

pub(crate) async fn limit_body(
    State(limits): State<BodyLimits>,
    request: Request,
    next: Next,
) -> Response {
    let limit = limits.for_path(request.uri().path());
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|length| length > limit as u64) {
        return StatusCode::PAYLOAD_TOO_LARGE.into_response();
    }
    let request = request.map(|body| Body::new(http_body_util::Limited::new(body, limit)));
    next.run(request).await
}

/// Whether a body-reading error is the body limit's (an extractor that wraps it, like
/// multipart, hides it among the error's causes).
pub fn over_limit(error: &(dyn std::error::Error + 'static)) -> bool {
    crate::error::find_cause::<http_body_util::LengthLimitError>(error).is_some()
}
