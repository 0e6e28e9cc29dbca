//! CSRF protection for every HTML form POST.
//!
//! The token is created the first time a template renders `csrf_input()`. It lives in the
//! session when the visitor has one; a visitor without a session (anonymous, on the login
//! or register page) gets it in a signed `csrftoken` cookie instead, so an anonymous GET
//! writes nothing to the database (Django's CSRF cookie). It travels back in the hidden
//! field `csrf_token` (of a urlencoded form, or among the first 16 KiB of a multipart
//! one: the forms put it first) or the `X-CSRF-Token` header, and is compared in constant
//! time. Requests under `/api/` are exempt: the JSON API
//! authenticates with bearer tokens only, never with cookies, so a forged cross-site
//! request carries no credentials there.

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::sync::{Arc, Mutex};

use base64::Engine;
use hmac::{Hmac, KeyInit, Mac};
use http::{HeaderValue, Method, StatusCode, header};
use rand::RngCore;
use subtle::ConstantTimeEq;
use tower_sessions::Session;

use crate::page::CSRF_SESSION_KEY;
use crate::settings::SessionSettings;
use web::Error;
use web::state::AppState;

/// Name of the hidden form field.
pub const CSRF_FIELD: &str = "csrf_token";
/// Header accepted instead of the field (for scripts).
pub const CSRF_HEADER: &str = "x-csrf-token";
/// The cookie holding a signed token for visitors without a session.
pub const CSRF_COOKIE: &str = "csrftoken";
/// How far into a multipart body the token is looked for: `csrf_input()` is the form's
/// first field, so the file parts after it stream on without being held in memory.
const MULTIPART_TOKEN_WITHIN: usize = 16 * 1024;

/// The request's token outside the session: the one its `csrftoken` cookie carried (if
/// the signature holds), and a new one to send back when a page created it.
#[derive(Debug, Clone, Default)]
pub struct CookieToken(Arc<Mutex<CookieTokenState>>);

#[derive(Debug, Default)]
struct CookieTokenState {
    received: Option<String>,
    to_send: Option<String>,
}

impl CookieToken {
    /// The token the visitor's cookie carries.
    pub fn received(&self) -> Option<String> {
        self.lock().received.clone()
    }

    /// Sends `token` in the cookie with the response.
    pub fn send(&self, token: String) {
        self.lock().to_send = Some(token);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, CookieTokenState> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn signature(secret: &str, token: &str) -> String {
    let mut mac =
        Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(b"csrf-cookie\0");
    mac.update(token.as_bytes());
    hex::encode(&mac.finalize().into_bytes()[..16])
}

/// `token.signature`: a cookie set by a sibling subdomain can't plant a token of its own.
fn signed(secret: &str, token: &str) -> String {
    format!("{token}.{}", signature(secret, token))
}

fn unsigned(secret: &str, value: &str) -> Option<String> {
    let (token, sig) = value.rsplit_once('.')?;
    let expected = signature(secret, token);
    (sig.len() == expected.len() && bool::from(sig.as_bytes().ct_eq(expected.as_bytes())))
        .then(|| token.to_string())
}

/// A new random token (256 bits, URL-safe base64).
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Forgets the session's token (on login), so a token seen before login is useless after.
pub async fn rotate(session: &Session) -> Result<(), Error> {
    if session
        .get::<String>(CSRF_SESSION_KEY)
        .await
        .map_err(crate::session_error)?
        .is_some()
    {
        session
            .remove::<String>(CSRF_SESSION_KEY)
            .await
            .map_err(crate::session_error)?;
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

/// Middleware: refuses unsafe-method requests outside `/api/` without a valid token, and
/// sends the `csrftoken` cookie when a page created a token for a visitor without a
/// session.
pub async fn csrf_protect(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    if web::error::is_json_path(request.uri().path()) {
        return next.run(request).await;
    }
    let settings = state.settings().clone();
    let secret = settings.secret_key.expose();
    let cookie = CookieToken::default();
    cookie.lock().received =
        web::cookies::value(request.headers(), CSRF_COOKIE).and_then(|v| unsigned(secret, v));
    request.extensions_mut().insert(cookie.clone());
    let mut response = check(&state, request, next, cookie.received()).await;
    if let Some(token) = cookie.lock().to_send.take() {
        let secure = if state
            .services()
            .get::<SessionSettings>()
            .is_some_and(|s| s.cookie_secure)
        {
            "; Secure"
        } else {
            ""
        };
        let value = format!(
            "{CSRF_COOKIE}={}; Path=/; HttpOnly; SameSite=Lax; Max-Age=31449600{secure}",
            signed(secret, &token)
        );
        if let Ok(value) = HeaderValue::from_str(&value) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    response
}

async fn check(
    state: &AppState,
    request: Request,
    next: Next,
    cookie_token: Option<String>,
) -> Response {
    let safe = matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    );
    if safe {
        return next.run(request).await;
    }
    let in_session = match request.extensions().get::<Session>() {
        Some(session) => match session.get::<String>(CSRF_SESSION_KEY).await {
            Ok(token) => token,
            Err(err) => return crate::session_error(err).into_response(),
        },
        None => None,
    };
    if !from_a_trusted_origin(state, &request) {
        return rejected();
    }
    // The session's token wins; a visitor without one uses the cookie's.
    let Some(expected) = in_session.or(cookie_token) else {
        return rejected();
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
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    if content_type.starts_with("multipart/form-data") {
        return check_multipart(request, next, &content_type, &expected).await;
    }
    if !content_type.starts_with("application/x-www-form-urlencoded") {
        return rejected();
    }
    let (parts, body) = request.into_parts();
    let bytes = match to_bytes(body, state.settings().server.body_limit_bytes).await {
        Ok(bytes) => bytes,
        Err(e) => return body_error(&e),
    };
    let given = form_urlencoded_field(&bytes, CSRF_FIELD);
    if !given.is_some_and(|g| tokens_match(&g, &expected)) {
        return rejected();
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

/// A body that could not be read: too slow (`408`) or too large (`413`).
fn body_error(e: &(dyn std::error::Error + 'static)) -> Response {
    match web::request_time::body_timeout(e) {
        Some(timeout) => web::Error::from(timeout).into_response(),
        None => web::error::payload_too_large().into_response(),
    }
}

/// A multipart form (an upload): the token is read from the body's first
/// [`MULTIPART_TOKEN_WITHIN`] bytes, which then go on to the handler ahead of the rest of
/// the stream, so a large file is never gathered here.
async fn check_multipart(
    request: Request,
    next: Next,
    content_type: &str,
    expected: &str,
) -> Response {
    let Ok(boundary) = multer::parse_boundary(content_type) else {
        return rejected();
    };
    let (parts, mut body) = request.into_parts();
    let mut prefix = bytes::BytesMut::new();
    while prefix.len() < MULTIPART_TOKEN_WITHIN {
        match http_body_util::BodyExt::frame(&mut body).await {
            Some(Ok(frame)) => {
                if let Ok(data) = frame.into_data() {
                    prefix.extend_from_slice(&data);
                }
            }
            Some(Err(e)) => return body_error(&e),
            None => break,
        }
    }
    let prefix = prefix.freeze();
    let searched = prefix.slice(..prefix.len().min(MULTIPART_TOKEN_WITHIN));
    let given = multipart_field(searched, &boundary, CSRF_FIELD).await;
    if !given.is_some_and(|g| tokens_match(&g, expected)) {
        return rejected();
    }
    let rest = futures::StreamExt::chain(
        futures::stream::once(std::future::ready(Ok::<_, axum::Error>(prefix))),
        body.into_data_stream(),
    );
    next.run(Request::from_parts(parts, Body::from_stream(rest)))
        .await
}

/// The text field `name` among the complete parts of `prefix` (the start of a multipart
/// body).
async fn multipart_field(prefix: bytes::Bytes, boundary: &str, name: &str) -> Option<String> {
    let stream = futures::stream::once(std::future::ready(Ok::<_, std::io::Error>(prefix)));
    let mut multipart = multer::Multipart::new(stream, boundary);
    while let Ok(Some(field)) = multipart.next_field().await {
        if field.name() == Some(name) {
            return field.text().await.ok();
        }
    }
    None
}

/// Whether a form post comes from the site itself or a trusted origin, by its `Origin`
/// header, or without one, on HTTPS, its `Referer` (as Django does). With neither, the
/// token alone decides (as Django does for plain HTTP).
fn from_a_trusted_origin(state: &AppState, request: &Request) -> bool {
    let headers = request.headers();
    let settings = state.settings();
    let site = site_origin(state, request);
    let trusted = |origin: &str| {
        let origin = origin.trim_end_matches('/');
        site.as_deref()
            .is_some_and(|site| origin.eq_ignore_ascii_case(site))
            || settings
                .server
                .csrf_trusted_origins
                .iter()
                .any(|t| origin.eq_ignore_ascii_case(t.trim_end_matches('/')))
    };
    if let Some(origin) = headers.get(header::ORIGIN) {
        return origin.to_str().is_ok_and(trusted);
    }
    let https = site.as_deref().is_some_and(|s| s.starts_with("https://"));
    match headers.get(header::REFERER) {
        Some(referer) if https => referer
            .to_str()
            .ok()
            .and_then(origin_of)
            .is_some_and(|o| trusted(&o)),
        _ => true,
    }
}

/// The site's origin: `server.public_url` when set, else the scheme (a trusted proxy's
/// `X-Forwarded-Proto`, or the connection's: plain HTTP) and the validated `Host`.
fn site_origin(state: &AppState, request: &Request) -> Option<String> {
    let settings = state.settings();
    let public = settings.server.public_url.trim().trim_end_matches('/');
    if !public.is_empty() {
        return origin_of(public);
    }
    let host = web::middleware::request_host(request.headers(), request.uri())?;
    let peer = request
        .extensions()
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip());
    let behind_proxy = peer.is_some_and(|ip| {
        settings
            .server
            .trusted_proxies
            .iter()
            .any(|net| net.contains(&ip))
    });
    let forwarded_https = behind_proxy
        && request
            .headers()
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|p| p.trim().eq_ignore_ascii_case("https"));
    let scheme = if forwarded_https { "https" } else { "http" };
    Some(format!("{scheme}://{}", host.to_ascii_lowercase()))
}

/// `scheme://host[:port]` of a URL.
fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next()?;
    (!authority.is_empty()).then(|| {
        format!(
            "{}://{}",
            scheme.to_ascii_lowercase(),
            authority.to_ascii_lowercase()
        )
    })
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
