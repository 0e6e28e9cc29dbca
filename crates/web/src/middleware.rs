//! Request guards of the stack: allowed hosts, URLs the database can't take, and the
//! client address.

use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::extract::{ConnectInfo, FromRequestParts, Request};
use axum::response::{IntoResponse, Response};
use http::header;
use http::request::Parts;
use tower::{Layer, Service};

use crate::Error;
use crate::state::AppState;

/// The front of the stack: refuses requests whose `Host` is not in `server.allowed_hosts`
/// (Django's ALLOWED_HOSTS; checked when `debug` is off, so a forged Host header never
/// reaches password-reset links or absolute redirects) and renders every error below it
/// in the contract's shape ([`crate::error::render`]). A URL whose path or query holds a
/// null character (`%00`) is refused with 400 `bad_request` here, once for every view:
/// PostgreSQL can't store or compare text with one, so it must never reach a query.
#[derive(Clone)]
pub struct GuardLayer {
    state: AppState,
}

impl GuardLayer {
    pub fn new(state: AppState) -> Self {
        GuardLayer { state }
    }
}

impl<S> Layer<S> for GuardLayer {
    type Service = Guard<S>;
    fn layer(&self, inner: S) -> Guard<S> {
        Guard {
            inner,
            state: self.state.clone(),
        }
    }
}

/// See [`GuardLayer`].
#[derive(Clone)]
pub struct Guard<S> {
    inner: S,
    state: AppState,
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

    fn call(&mut self, request: Request) -> Self::Future {
        let json = crate::error::is_json_path(request.uri().path());
        let (method, uri) = (request.method().clone(), request.uri().clone());
        let refused =
            host_refusal(&self.state, &request).or_else(|| null_character_refusal(&request));
        let inner = match refused {
            Some(_) => None,
            None => Some(self.inner.call(request)),
        };
        GuardFuture {
            inner,
            refused,
            state: self.state.clone(),
            json,
            method,
            uri,
        }
    }
}

pin_project_lite::pin_project! {
    /// The future of [`Guard`].
    pub struct GuardFuture<F> {
        #[pin]
        inner: Option<F>,
        refused: Option<Error>,
        state: AppState,
        json: bool,
        method: http::Method,
        uri: http::Uri,
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
        Poll::Ready(Ok(crate::error::render(
            this.state,
            *this.json,
            this.method,
            this.uri,
            response,
        )))
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

/// Why `request` is refused for its Host header, if it is.
fn host_refusal(state: &AppState, request: &Request) -> Option<Error> {
    let settings = state.settings();
    if settings.debug {
        return None;
    }
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .or_else(|| request.uri().authority().map(|a| a.as_str()));
    match host {
        Some(host) if host_allowed(host, &settings.server.allowed_hosts) => None,
        Some(host) => Some(Error::bad_request(format!(
            "Invalid Host header {host:?}: add it to server.allowed_hosts (APP__SERVER__ALLOWED_HOSTS)."
        ))),
        None => Some(Error::bad_request("The request has no Host header.")),
    }
}

/// The host name of a `Host` header, without the port: `[::1]:8000` -> `[::1]`.
fn strip_port(host: &str) -> &str {
    if host.starts_with('[') {
        return host.find(']').map(|end| &host[..=end]).unwrap_or(host);
    }
    host.rsplit_once(':')
        .filter(|(_, port)| port.chars().all(|c| c.is_ascii_digit()))
        .map(|(h, _)| h)
        .unwrap_or(host)
}

pub fn host_allowed(host: &str, allowed: &[String]) -> bool {
    let name = strip_port(host.trim()).trim_end_matches('.');
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

#[cfg(test)]
mod tests {
    use super::*;

    fn hosts(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn hosts_match_like_django() {
        let allowed = hosts(&["localhost", "127.0.0.1", "[::1]", ".example.com"]);
        assert!(host_allowed("localhost:8000", &allowed));
        assert!(host_allowed("LOCALHOST", &allowed));
        assert!(host_allowed("[::1]:8000", &allowed));
        assert!(host_allowed("example.com", &allowed));
        assert!(host_allowed("shop.example.com:443", &allowed));
        assert!(!host_allowed("evil.com", &allowed));
        assert!(!host_allowed("notexample.com", &allowed));
        assert!(host_allowed("anything", &hosts(&["*"])));
    }

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let mut headers = http::HeaderMap::new();
        headers.insert("x-forwarded-for", "203.0.113.9, 10.0.0.2".parse().unwrap());
        let proxy: IpAddr = "10.0.0.1".parse().unwrap();
        let trusted: Vec<ipnet::IpNet> = vec!["10.0.0.0/8".parse().unwrap()];
        assert_eq!(
            client_ip(proxy, &headers, &trusted),
            "203.0.113.9".parse::<IpAddr>().unwrap()
        );
        let stranger: IpAddr = "198.51.100.7".parse().unwrap();
        assert_eq!(client_ip(stranger, &headers, &trusted), stranger);
        assert_eq!(client_ip(proxy, &headers, &[]), proxy);
    }
}
