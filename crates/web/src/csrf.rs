//! CSRF protection for every HTML form POST.
//!
//! The token lives in the session (created the first time a template renders
//! `csrf_input()`), travels in the hidden field `csrf_token` or the `X-CSRF-Token` header,
//! and is compared in constant time. Requests under `/api/` are exempt: the JSON API
//! authenticates with bearer tokens only, never with cookies, so a forged cross-site
//! request carries no credentials there.

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use http::{Method, StatusCode, header};
use rand::RngCore;
use subtle::ConstantTimeEq;
use tower_sessions::Session;

use crate::Error;
use crate::state::AppState;
use crate::templates::CSRF_SESSION_KEY;

/// Name of the hidden form field.
pub const CSRF_FIELD: &str = "csrf_token";
/// Header accepted instead of the field (for scripts).
pub const CSRF_HEADER: &str = "x-csrf-token";

/// A new random token (256 bits, URL-safe base64).
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Forgets the session's token (on login), so a token seen before login is useless after.
pub async fn rotate(session: &Session) -> Result<(), Error> {
    if session.get::<String>(CSRF_SESSION_KEY).await?.is_some() {
        session.remove::<String>(CSRF_SESSION_KEY).await?;
    }
    Ok(())
}

fn rejected() -> Response {
    Error::new(
        StatusCode::FORBIDDEN,
        "forbidden",
        "CSRF verification failed: the form is missing its security token or it has expired. Reload the page and try again.",
    )
    .into_response()
}

/// Middleware: refuses unsafe-method requests outside `/api/` without a valid token.
pub async fn csrf_protect(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let safe = matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    );
    if safe || crate::error::is_json_path(request.uri().path()) {
        return next.run(request).await;
    }
    let Some(session) = request.extensions().get::<Session>().cloned() else {
        return rejected();
    };
    let expected = match session.get::<String>(CSRF_SESSION_KEY).await {
        Ok(Some(token)) => token,
        Ok(None) => return rejected(),
        Err(err) => return Error::from(err).into_response(),
    };
    if let Some(given) = request
        .headers()
        .get(CSRF_HEADER)
        .and_then(|v| v.to_str().ok())
    {
        return if tokens_match(given, &expected) {
            next.run(request).await
        } else {
            rejected()
        };
    }
    let is_form = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return rejected();
    }
    let (parts, body) = request.into_parts();
    let bytes = match to_bytes(body, state.settings().server.body_limit_bytes).await {
        Ok(bytes) => bytes,
        Err(_) => return crate::error::payload_too_large().into_response(),
    };
    let given = form_urlencoded_field(&bytes, CSRF_FIELD);
    if !given.is_some_and(|g| tokens_match(&g, &expected)) {
        return rejected();
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

fn form_urlencoded_field(body: &[u8], name: &str) -> Option<String> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(body)
        .ok()?
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

fn tokens_match(given: &str, expected: &str) -> bool {
    given.len() == expected.len() && bool::from(given.as_bytes().ct_eq(expected.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_compared_exactly() {
        let a = new_token();
        assert_ne!(a, new_token());
        assert!(a.len() >= 43);
        assert!(tokens_match(&a, &a.clone()));
        assert!(!tokens_match(&a, &a[1..]));
        assert!(!tokens_match("", &a));
    }

    #[test]
    fn form_field_is_found() {
        assert_eq!(
            form_urlencoded_field(b"a=1&csrf_token=x%2By", "csrf_token").as_deref(),
            Some("x+y")
        );
        assert_eq!(form_urlencoded_field(b"a=1", "csrf_token"), None);
    }
}
