//! Error answers: an [`Error`] (or a bare error status from the stack) becomes the
//! contract's JSON body under `/api/` or an HTML error page elsewhere.

use axum::response::{Html, IntoResponse, Response};
use http::{StatusCode, header};

use crate::error::{Error, payload_too_large, unsupported_media_type};
use crate::page::ErrorPageContext;
use crate::state::AppState;

/// Turns an [`Error`] or a bare error status in `response` into the contract's JSON body
/// (`json`) or an HTML error page; other responses pass unchanged.
pub fn render(
    state: &AppState,
    json: bool,
    method: &http::Method,
    uri: &http::Uri,
    request_id: &str,
    mut response: Response,
) -> Response {
    let error = match response.extensions_mut().remove::<Error>() {
        Some(error) => error,
        None => match bare_error(&response) {
            Some(error) => error,
            None => return response,
        },
    };
    if error.status().is_server_error() {
        tracing::error!(%method, path = %uri.path(), request_id, error = %error, "request failed");
    } else if error.status() == StatusCode::REQUEST_TIMEOUT {
        // The client was slow, not the server.
        tracing::warn!(%method, path = %uri.path(), request_id, error = %error, "request body too slow");
    }
    let mut rendered = if json {
        error.json_response()
    } else {
        let extra = response
            .extensions_mut()
            .remove::<ErrorPageContext>()
            .unwrap_or_default();
        error_page(state, &error, extra)
    };
    // Keep headers the stack already set (Allow on 405, cookies, request id).
    for (name, value) in response.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            rendered.headers_mut().insert(name.clone(), value.clone());
        }
    }
    rendered
}

/// An error status produced by the stack itself (router fallback, limits, timeout, panic).
fn bare_error(response: &Response) -> Option<Error> {
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return None;
    }
    // A response a handler rendered on purpose (JSON or HTML) is left alone; plain-text
    // rejections from axum or tower-http are given the contract's shape.
    let rendered = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json") || v.starts_with("text/html"));
    if rendered {
        return None;
    }
    Some(match status {
        StatusCode::NOT_FOUND => Error::not_found("Not found."),
        StatusCode::METHOD_NOT_ALLOWED => {
            Error::new(status, "method_not_allowed", "Method not allowed.")
        }
        StatusCode::PAYLOAD_TOO_LARGE => payload_too_large(),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => unsupported_media_type(),
        StatusCode::REQUEST_TIMEOUT
        | StatusCode::SERVICE_UNAVAILABLE
        | StatusCode::GATEWAY_TIMEOUT => {
            Error::service_unavailable("The request took too long to complete.")
        }
        StatusCode::UNAUTHORIZED => Error::unauthenticated(),
        StatusCode::FORBIDDEN => Error::forbidden(),
        StatusCode::INTERNAL_SERVER_ERROR => Error::internal("unhandled server error"),
        s if s.is_server_error() => Error::new(s, "internal_error", "Internal server error."),
        s => Error::new(s, "bad_request", "Bad request."),
    })
}

/// The HTML page for an error (templates `errors/<status>.html`, then `errors/error.html`),
/// with what extras added for it (`extra`).
pub fn error_page(state: &AppState, error: &Error, extra: ErrorPageContext) -> Response {
    let status = error.status();
    let base = minijinja::context! {
        status => status.as_u16(),
        reason => status.canonical_reason().unwrap_or("Error"),
        code => error.code(),
        message => error.message(),
    };
    let context = minijinja::context! { ..minijinja::Value::from_iter(extra.0), ..base };
    for name in [
        format!("errors/{}.html", status.as_u16()),
        "errors/error.html".to_string(),
    ] {
        if let Ok(html) = state.templates().render(&name, context.clone()) {
            return (status, Html(html)).into_response();
        }
    }
    (status, format!("{} {}", status.as_u16(), error.message())).into_response()
}
