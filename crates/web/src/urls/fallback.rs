//! Unknown paths: Django's `APPEND_SLASH` redirect for pages, else the contract's 404.

use std::sync::Arc;

use axum::extract::Request;
use axum::response::{IntoResponse, Redirect, Response};
use http::{Method, StatusCode};

/// The handler of unknown paths; see `not_found`.
#[derive(Clone)]
pub struct NotFound(pub(super) Arc<matchit::Router<usize>>);

impl NotFound {
    pub async fn handle(self, request: Request) -> Response {
        not_found(request, self.0).await
    }
}

/// Unknown paths: a redirect to the same path with a slash when that exists (Django's
/// `APPEND_SLASH`, for pages only), else 404 in the contract's shape.
async fn not_found(request: Request, matcher: Arc<matchit::Router<usize>>) -> Response {
    let path = request.uri().path();
    let safe = matches!(*request.method(), Method::GET | Method::HEAD);
    if safe && !path.ends_with('/') && !crate::error::is_json_path(path) {
        let with_slash = format!("{path}/");
        if matcher.at(&with_slash).is_ok() {
            let target = match request.uri().query() {
                Some(q) => format!("{with_slash}?{q}"),
                None => with_slash,
            };
            return Redirect::permanent(&target).into_response();
        }
    }
    crate::Error::new(StatusCode::NOT_FOUND, "not_found", "Not found.").into_response()
}
