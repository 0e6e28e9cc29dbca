//! Request guards of the stack: allowed hosts, URLs the database can't take, and the
//! client address.

use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering as AtomicOrdering};
use std::task::{Context, Poll};

use axum::extract::{ConnectInfo, FromRequestParts, Request};
use axum::response::{IntoResponse, Response};
use http::header;
use http::request::Parts;
use tower::{Layer, Service};

use crate::Error;
use crate::install::{Installer, core_kind};
use crate::settings::split_host;
use crate::state::AppState;

/// The front of the stack: refuses requests whose `Host` is not in `server.allowed_hosts`
/// (Django's ALLOWED_HOSTS; checked when `debug` is off, so a forged Host header never
/// reaches password-reset links or absolute redirects) and renders every error below it
/// in the contract's shape ([`crate::error_pages::render`]). A URL whose path or query holds a
/// null character (`%00`) is refused with 400 `bad_request` here, once for every view:
/// PostgreSQL can't store or compare text with one, so it must never reach a query.
#[derive(Clone)]
pub struct GuardLayer {
    state: AppState,
    csp: Arc<crate::csp::CspPolicy>,
}

impl GuardLayer {
    pub fn new(state: AppState) -> Self {
        let images = state
            .service::<crate::csp::CspImageSources>()
            .unwrap_or_default();
        let csp = Arc::new(crate::csp::CspPolicy::new(
            &state.settings().server.csp,
            &images,
        ));
        GuardLayer { state, csp }
    }
}

impl<S> Layer<S> for GuardLayer {
    type Service = Guard<S>;
    fn layer(&self, inner: S) -> Guard<S> {
        Guard {
            inner,
            state: self.state.clone(),
            csp: self.csp.clone(),
        }
    }
}

/// See [`GuardLayer`].
#[derive(Clone)]
pub struct Guard<S> {
    inner: S,
    state: AppState,
    csp: Arc<crate::csp::CspPolicy>,
}

impl<S, B> Service<Request> for Guard<S>
where
    S: Service<Request, Response = http::Response<B>>,
    B: http_body::Body<Data = bytes::Bytes> + Send + 'static,
    B::Error: Into<axum::BoxError>,
{
    type Response = Response;
    type Error = S::Error;
    type Future = GuardFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request) -> Self::Future {
        let json = crate::error::is_json_path(request.uri().path());
        let personal = Personal::default();
        request.extensions_mut().insert(personal.clone());
        let nonce = crate::csp::CspNonce::default();
        request.extensions_mut().insert(nonce.clone());
        let body_read = track_body(&mut request, self.state.settings());
        let (method, uri) = (request.method().clone(), request.uri().clone());
        let request_id: Arc<str> = Arc::from(
            request
                .headers()
                .get("x-request-id")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("-"),
        );
        let refused =
            host_refusal(&self.state, &request).or_else(|| null_character_refusal(&request));
        let inner = match refused {
            Some(_) => None,
            None => Some(REQUEST_ID.scope(request_id.clone(), self.inner.call(request))),
        };
        GuardFuture {
            inner,
            refused,
            request_id,
            state: self.state.clone(),
            json,
            method,
            uri,
            personal,
            body_read,
            nonce,
            csp: self.csp.clone(),
        }
    }
}

pin_project_lite::pin_project! {
    /// The future of [`Guard`].
    pub struct GuardFuture<F> {
        #[pin]
        inner: Option<tokio::task::futures::TaskLocalFuture<Arc<str>, F>>,
        refused: Option<Error>,
        request_id: Arc<str>,
        state: AppState,
        json: bool,
        method: http::Method,
        uri: http::Uri,
        personal: Personal,
        body_read: Option<Arc<AtomicBool>>,
        nonce: crate::csp::CspNonce,
        csp: Arc<crate::csp::CspPolicy>,
    }
}

impl<F, B, E> Future for GuardFuture<F>
where
    F: Future<Output = Result<http::Response<B>, E>>,
    B: http_body::Body<Data = bytes::Bytes> + Send + 'static,
    B::Error: Into<axum::BoxError>,
{
    type Output = Result<Response, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let response = match this.inner.as_pin_mut() {
            Some(inner) => match inner.poll(cx) {
                Poll::Ready(Ok(response)) => response.map(axum::body::Body::new),
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => return Poll::Pending,
            },
            None => this
                .refused
                .take()
                .map(IntoResponse::into_response)
                .unwrap_or_default(),
        };
        let mut response = crate::error_pages::render(
            this.state,
            *this.json,
            this.method,
            this.uri,
            this.request_id,
            response,
        );
        this.personal.mark(response.headers_mut());
        this.nonce.apply(this.csp, response.headers_mut());
        if this
            .body_read
            .as_ref()
            .is_some_and(|read| !read.load(AtomicOrdering::Acquire))
        {
            // The body was left unread: the server will close this connection after the
            // answer, so say so, and a keep-alive client opens a new one for its next
            // request instead of failing on a closed socket.
            response
                .headers_mut()
                .insert(header::CONNECTION, http::HeaderValue::from_static("close"));
        }
        Poll::Ready(Ok(response))
    }
}

/// For a request with a body: wraps the body so that it must arrive within
/// `server.body_read_timeout_seconds` and the time waited for it is known
/// ([`crate::request_time`]), and, for HTTP/1, returns the flag that says it was read to
/// the end. `None` when there is no body to leave unread.
fn track_body(request: &mut Request, settings: &crate::Settings) -> Option<Arc<AtomicBool>> {
    use http_body::Body as _;
    if request.body().is_end_stream() {
        return None;
    }
    let http1 = matches!(
        request.version(),
        http::Version::HTTP_10 | http::Version::HTTP_11
    );
    let read = Arc::new(AtomicBool::new(false));
    let wait = crate::request_time::BodyWait::default();
    request.extensions_mut().insert(wait.clone());
    let body = std::mem::take(request.body_mut());
    let limit = std::time::Duration::from_secs(settings.server.body_read_timeout_seconds);
    *request.body_mut() = axum::body::Body::new(crate::request_time::TimedBody::new(
        body,
        limit,
        wait,
        read.clone(),
    ));
    http1.then_some(read)
}

/// Removes a client's `X-Request-Id` unless it is short and plain (1 to 64 letters,
/// digits, `-`, `_`, `.`), so a new id is made: ids end up in logs and answers, where
/// control characters or megabytes of text from a client have no place.
pub fn drop_unplain_request_id<B>(mut request: http::Request<B>) -> http::Request<B> {
    let plain = |v: &http::HeaderValue| {
        let bytes = v.as_bytes();
        (1..=64).contains(&bytes.len())
            && bytes
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
    };
    let headers = request.headers_mut();
    let mut given = headers.get_all("x-request-id").iter();
    let keep = match (given.next(), given.next()) {
        (None, _) => return request,
        (Some(one), None) => plain(one),
        _ => false,
    };
    if !keep {
        headers.remove("x-request-id");
    }
    request
}

use crate::request_id::REQUEST_ID;
pub use crate::request_id::current_request_id;

/// Whether the answer depends on who asks. Put in every request's extensions by the guard;
/// whatever looks at the caller (the user extractors of `accounts`) says so here, and the
/// guard then marks the response: `Vary: Cookie, Authorization` when identity was looked
/// at, plus `Cache-Control: private, no-store` when someone was signed in, so no shared
/// cache keeps or mixes up personal pages. Public answers carry neither.
#[derive(Debug, Clone, Default)]
pub struct Personal(Arc<AtomicU8>);

const CONSULTED: u8 = 1;
const IDENTIFIED: u8 = 2;

impl Personal {
    /// Identity was looked at (the answer differs for a signed-in caller).
    pub fn consulted(&self) {
        self.0.fetch_max(CONSULTED, AtomicOrdering::Relaxed);
    }

    /// A signed-in caller was found: the answer is theirs alone.
    pub fn identified(&self) {
        self.0.fetch_max(IDENTIFIED, AtomicOrdering::Relaxed);
    }

    /// The answer shows something of this visitor's alone, signed in or not (a session's
    /// cart): marked like a signed-in caller's.
    pub fn private(&self) {
        self.identified();
    }

    fn mark(&self, headers: &mut http::HeaderMap) {
        let level = self.0.load(AtomicOrdering::Relaxed);
        if level >= CONSULTED {
            headers.append(
                header::VARY,
                http::HeaderValue::from_static("Cookie, Authorization"),
            );
        }
        if level >= IDENTIFIED {
            headers.insert(
                header::CACHE_CONTROL,
                http::HeaderValue::from_static("private, no-store"),
            );
        }
    }
}

/// A 400 for a URL holding a percent-encoded null character.
fn null_character_refusal(request: &Request) -> Option<Error> {
    let uri = request.uri();
    let decoded = |s: &str| percent_encoding::percent_decode_str(s).any(|b| b == 0);
    (decoded(uri.path()) || uri.query().is_some_and(decoded)).then(|| {
        Error::bad_request("The URL contains a null character (%00), which is not allowed.")
    })
}

/// The `Host` of a request: the header, or the URI's authority (HTTP/2).
pub fn request_host(headers: &http::HeaderMap, uri: &http::Uri) -> Option<String> {
    match headers.get(header::HOST) {
        // A Host header that is not visible ASCII is kept as something that fails the
        // syntax check, never silently replaced by the authority.
        Some(value) => Some(value.to_str().unwrap_or("\u{fffd}").to_string()),
        None => uri.authority().map(|a| a.as_str().to_string()),
    }
}

/// Why `request` is refused for its Host header, if it is. The syntax is checked in every
/// environment (a host name or IP literal and an optional port, nothing else: what passes
/// can't turn a link into another site's); the allowed list only when `debug` is off.
fn host_refusal(state: &AppState, request: &Request) -> Option<Error> {
    let settings = state.settings();
    if request
        .headers()
        .get_all(header::HOST)
        .iter()
        .nth(1)
        .is_some()
    {
        // Which one a proxy, a cache or this server reads differs: refuse the ambiguity.
        return Some(Error::bad_request(
            "The request has more than one Host header.",
        ));
    }
    let host = request_host(request.headers(), request.uri());
    match host {
        Some(host) if split_host(&host).is_none() => Some(Error::bad_request(format!(
            "Invalid Host header {host:?}: it must be a domain name or IP address with an optional port."
        ))),
        _ if settings.debug => None,
        Some(host) if host_allowed(&host, &settings.server.allowed_hosts) => None,
        Some(host) => Some(Error::bad_request(format!(
            "Invalid Host header {host:?}: add it to server.allowed_hosts (APP__SERVER__ALLOWED_HOSTS)."
        ))),
        None => Some(Error::bad_request("The request has no Host header.")),
    }
}

/// Whether a syntactically valid `host` matches `allowed` (Django's `ALLOWED_HOSTS`:
/// exact names, `.example.com` for a domain and its subdomains, `*`). The port is ignored.
pub fn host_allowed(host: &str, allowed: &[String]) -> bool {
    let Some((name, _)) = split_host(host.trim()) else {
        return false;
    };
    let name = name.trim_end_matches('.');
    allowed.iter().any(|pattern| {
        if pattern == "*" {
            true
        } else if let Some(domain) = pattern.strip_prefix('.') {
            name.eq_ignore_ascii_case(domain)
                || (name.len() > pattern.len()
                    && name[name.len() - pattern.len()..].eq_ignore_ascii_case(pattern))
        } else {
            name.eq_ignore_ascii_case(pattern)
        }
    })
}

/// The client's address: the socket peer, or (only when the peer is a trusted proxy) the
/// right-most address in `X-Forwarded-For` that is not itself a trusted proxy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub IpAddr);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| addr.ip())
            .unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST));
        let trusted = &state.settings().server.trusted_proxies;
        Ok(ClientIp(client_ip(peer, &parts.headers, trusted)))
    }
}

/// See [`ClientIp`].
pub fn client_ip(peer: IpAddr, headers: &http::HeaderMap, trusted: &[ipnet::IpNet]) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    let forwarded: Vec<IpAddr> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    forwarded
        .iter()
        .rev()
        .find(|ip| !is_trusted(ip))
        .or(forwarded.first())
        .copied()
        .unwrap_or(peer)
}

/// A middleware function (see [`Installer::middleware`]): the request and the rest of the stack.
pub type Middleware = Arc<
    dyn Fn(
            axum::extract::Request,
            axum::middleware::Next,
        ) -> futures::future::BoxFuture<'static, axum::response::Response>
        + Send
        + Sync,
>;

/// Builds an app's middleware once the state exists.
pub type BuildMiddleware = Arc<dyn Fn(&AppState) -> Option<Middleware> + Send + Sync>;

/// An app's middleware (see [`Installer::middleware`]).
#[derive(Clone)]
pub struct MiddlewareFactory(pub BuildMiddleware);
core_kind!(MiddlewareFactory, "middleware");

/// Wraps the page routes (see [`Installer::page_layer`]).
pub type WrapPages =
    Arc<dyn Fn(axum::Router<AppState>, &AppState) -> axum::Router<AppState> + Send + Sync>;

/// A layer around the page routes.
#[derive(Clone)]
pub struct PageLayers(pub WrapPages);
core_kind!(PageLayers, "page layers");

impl Installer<'_> {
    /// Middleware wrapped around every routed request, the pages, the API and the fallback
    /// alike (Django's `MIDDLEWARE`), built once the state exists; the first installed
    /// app's runs first. It runs inside the host check and error rendering, so an `Error`
    /// it answers with is rendered like a view's.
    pub fn middleware(
        &mut self,
        build: impl Fn(&AppState) -> Option<Middleware> + Send + Sync + 'static,
    ) -> &mut Self {
        self.add(MiddlewareFactory(Arc::new(build)))
    }

    /// A layer around the page routes only (not the JSON API), the first installed
    /// outermost: sessions and CSRF wrap pages this way, since the API authenticates with
    /// bearer tokens.
    pub fn page_layer(
        &mut self,
        wrap: impl Fn(axum::Router<AppState>, &AppState) -> axum::Router<AppState>
        + Send
        + Sync
        + 'static,
    ) -> &mut Self {
        self.add(PageLayers(Arc::new(wrap)))
    }
}
