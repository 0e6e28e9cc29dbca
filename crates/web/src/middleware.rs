//! Request guards of the stack: allowed hosts and the client address.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::header;
use http::request::Parts;

use crate::Error;
use crate::state::AppState;

/// Refuses requests whose `Host` is not in `server.allowed_hosts` (Django's ALLOWED_HOSTS),
/// when `debug` is off: a forged Host header must not reach password-reset links or
/// absolute redirects.
pub async fn check_allowed_host(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let settings = state.settings();
    if settings.debug {
        return next.run(request).await;
    }
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .or_else(|| request.uri().authority().map(|a| a.to_string()));
    match host {
        Some(host) if host_allowed(&host, &settings.server.allowed_hosts) => next.run(request).await,
        Some(host) => Error::bad_request(format!(
            "Invalid Host header {host:?}: add it to server.allowed_hosts (APP__SERVER__ALLOWED_HOSTS)."
        ))
        .into_response(),
        None => Error::bad_request("The request has no Host header.").into_response(),
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

/// Matches Django's rules: `*` anything, `.example.com` the domain and its subdomains,
/// otherwise the exact name (case-insensitive, port ignored).
pub fn host_allowed(host: &str, allowed: &[String]) -> bool {
    let name = strip_port(host.trim())
        .trim_end_matches('.')
        .to_ascii_lowercase();
    allowed.iter().any(|pattern| {
        let pattern = pattern.to_ascii_lowercase();
        if pattern == "*" {
            true
        } else if let Some(domain) = pattern.strip_prefix('.') {
            name == domain || name.ends_with(&pattern)
        } else {
            name == pattern
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
