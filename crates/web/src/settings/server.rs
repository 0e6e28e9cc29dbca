//! The `[server]` section: listening, hosts, proxies, limits and timeouts.

use std::net::IpAddr;

use serde::{Deserialize, Deserializer};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerSettings {
    pub host: String,
    pub port: u16,
    /// Host names accepted in the `Host` header (port ignored): exact names, `.example.com`
    /// for a domain and its subdomains, or `*`. Checked when `debug` is off.
    #[serde(deserialize_with = "string_or_list")]
    pub allowed_hosts: Vec<String>,
    /// Proxies whose `X-Forwarded-For` is believed (IPs or CIDR ranges).
    #[serde(deserialize_with = "ip_nets")]
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Origins allowed by CORS (`https://www.example.com`); empty disables CORS headers.
    #[serde(deserialize_with = "string_or_list")]
    pub cors_origins: Vec<String>,
    /// Origins besides the site's own whose forms may post here (Django's
    /// `CSRF_TRUSTED_ORIGINS`): `https://pay.example.com`.
    #[serde(default, deserialize_with = "string_or_list")]
    pub csrf_trusted_origins: Vec<String>,
    pub body_limit_bytes: usize,
    /// The handling of a request, not counting the time its body takes to arrive.
    pub request_timeout_seconds: u64,
    /// A request body must arrive within this many seconds (else `408 request_timeout`).
    #[serde(default = "default_body_read_timeout_seconds")]
    pub body_read_timeout_seconds: u64,
    /// Seconds to let in-flight requests finish after SIGTERM/SIGINT.
    pub shutdown_timeout_seconds: u64,
    /// `Strict-Transport-Security` max-age; 0 sends no header.
    pub hsts_seconds: u64,
    /// The site's own address (`https://www.example.com`, no path) for absolute links in
    /// emails; empty builds them from the request's validated `Host`.
    pub public_url: String,
    /// A connection must send a whole request head within this many seconds.
    pub header_read_timeout_seconds: u64,
    /// An idle keep-alive connection is closed after this many seconds.
    pub keep_alive_seconds: u64,
    /// Open connections at most; at the limit the server stops accepting.
    pub max_connections: usize,
    /// The `Content-Security-Policy` of HTML answers; empty = the built-in policy.
    pub csp: String,
}

fn default_body_read_timeout_seconds() -> u64 {
    30
}

/// `server.public_url` without a trailing slash, or `None` when it is empty. It must be an
/// absolute `http`/`https` URL with no path, query or fragment: links are the routes' own
/// paths appended to it.
pub fn parse_public_url(value: &str) -> Result<Option<String>, String> {
    let value = value.trim().trim_end_matches('/');
    if value.is_empty() {
        return Ok(None);
    }
    let uri: http::Uri = value
        .parse()
        .map_err(|_| format!("`{value}` is not a URL; use e.g. https://www.example.com"))?;
    let scheme_ok = matches!(uri.scheme_str(), Some("http" | "https"));
    let host_ok = uri
        .authority()
        .is_some_and(|a| !a.as_str().contains('@') && split_host(a.as_str()).is_some());
    let bare = uri
        .path_and_query()
        .is_none_or(|p| p.as_str() == "/" || p.as_str().is_empty());
    if !(scheme_ok && host_ok && bare) || value.contains('#') {
        return Err(format!(
            "`{value}` must be http:// or https:// and a host with an optional port, nothing else (e.g. https://www.example.com)"
        ));
    }
    Ok(Some(value.to_string()))
}

/// A list given as a TOML array or as one comma-separated string (environment variables).
pub fn string_or_list<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Either {
        List(Vec<String>),
        One(String),
    }
    Ok(match Either::deserialize(deserializer)? {
        Either::List(items) => items,
        Either::One(s) => s
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect(),
    })
}

fn ip_nets<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<ipnet::IpNet>, D::Error> {
    string_or_list(deserializer)?
        .into_iter()
        .map(|s| {
            s.parse::<ipnet::IpNet>()
                .or_else(|_| s.parse::<IpAddr>().map(ipnet::IpNet::from))
                .map_err(|_| {
                    serde::de::Error::custom(format!("`{s}` is not an IP address or CIDR range"))
                })
        })
        .collect()
}

/// Splits a syntactically valid `Host` value into its name and port, like Django's
/// `host_validation_re`: a domain (`[a-z0-9.-]+`) or a bracketed IPv6 literal, then an
/// optional `:digits`. Anything else (`evil.com?.example.com`, `a@b`, `a/b`, `a\b`) is
/// `None`.
pub fn split_host(host: &str) -> Option<(&str, Option<&str>)> {
    let (name, port) = if host.starts_with('[') {
        let end = host.find(']')?;
        let (name, rest) = host.split_at(end + 1);
        let literal = &name[1..name.len() - 1];
        let valid = literal.contains(':')
            && literal
                .chars()
                .all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.');
        if !valid {
            return None;
        }
        (name, rest)
    } else {
        let end = host.find(':').unwrap_or(host.len());
        let (name, rest) = host.split_at(end);
        let valid = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
        if !valid {
            return None;
        }
        (name, rest)
    };
    let port = match port.strip_prefix(':') {
        None if port.is_empty() => None,
        Some(digits) if !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit()) => {
            Some(digits)
        }
        _ => return None,
    };
    Some((name, port))
}
