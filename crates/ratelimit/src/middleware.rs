//! The middleware: which budgets a request spends, for which client, and the `429` when
//! one is spent.

use std::collections::HashSet;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;

use axum::extract::{ConnectInfo, Request};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures::future::BoxFuture;
use http::request::Parts;
use http::{HeaderValue, Method, StatusCode, header};
use web::{AppState, Error};

use crate::budgets::{Budget, Counters};

/// Finds the user of a bearer token (the raw token): `Some(a stable key for the user)`,
/// or `None` for a token that is not valid. Supplied by the project (from its accounts
/// app), so this crate names none.
pub type Identify =
    Arc<dyn Fn(AppState, String) -> BoxFuture<'static, Option<String>> + Send + Sync>;

/// What the middleware needs, resolved once when the server starts.
pub struct Limiter {
    pub(crate) state: AppState,
    pub(crate) counters: Counters,
    pub(crate) identify: Option<Identify>,
    /// Paths spent from no budget (health, readiness).
    pub(crate) exempt: HashSet<String>,
    /// Path prefixes spent from no budget (static files, media).
    pub(crate) exempt_prefixes: Vec<String>,
    /// List paths whose `q` makes a search.
    pub(crate) search: HashSet<String>,
    /// Paths a `POST` to which registers an account.
    pub(crate) register: HashSet<String>,
}

impl Limiter {
    pub(crate) async fn check(self: Arc<Self>, request: Request, next: Next) -> Response {
        let (parts, body) = request.into_parts();
        let spent = self.spend(&parts).await;
        let request = Request::from_parts(parts, body);
        match spent {
            Ok(()) => next.run(request).await,
            Err((budget, wait)) => {
                metrics::counter!("ratelimit_throttled_total", "budget" => budget.name())
                    .increment(1);
                throttled(wait).into_response()
            }
        }
    }

    async fn spend(&self, request: &Parts) -> Result<(), (Budget, u64)> {
        let path = request.uri.path();
        if self.exempt.contains(path) || self.exempt_prefixes.iter().any(|p| path.starts_with(p)) {
            return Ok(());
        }
        let address = self.address(request);
        let client = match self.user(request).await {
            Some(user) => {
                let key = format!("user:{user}");
                spend(&self.counters, Budget::User, &key).await?;
                key
            }
            None => {
                spend(&self.counters, Budget::Anonymous, &address).await?;
                address.clone()
            }
        };
        if request.method == Method::GET && self.search.contains(path) && has_search(request) {
            spend(&self.counters, Budget::Search, &client).await?;
        }
        if request.method == Method::POST && self.register.contains(path) {
            spend(&self.counters, Budget::Register, &address).await?;
        }
        Ok(())
    }

    /// The client's address as a budget key: the address, or for IPv6 its /64 network
    /// (one subscriber's allocation, so a client can't rotate through it).
    fn address(&self, request: &Parts) -> String {
        let peer = request
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| addr.ip())
            .unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST));
        let trusted = &self.state.settings().server.trusted_proxies;
        match web::middleware::client_ip(peer, &request.headers, trusted) {
            IpAddr::V4(v4) => format!("ip:{v4}"),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => format!("ip:{v4}"),
                None => {
                    let network = ipnet::Ipv6Net::new(v6, 64)
                        .map(|n| n.trunc().to_string())
                        .unwrap_or_else(|_| v6.to_string());
                    format!("ip:{network}")
                }
            },
        }
    }

    /// The user of a valid bearer token, if the request carries one.
    async fn user(&self, request: &Parts) -> Option<String> {
        let identify = self.identify.as_ref()?;
        let token = request
            .headers
            .get(header::AUTHORIZATION)?
            .to_str()
            .ok()?
            .strip_prefix("Bearer ")?
            .trim();
        if token.is_empty() || token.len() > 256 {
            return None;
        }
        identify(self.state.clone(), token.to_string()).await
    }
}

async fn spend(counters: &Counters, budget: Budget, client: &str) -> Result<(), (Budget, u64)> {
    counters
        .spend(budget, client)
        .await
        .map_err(|wait| (budget, wait))
}

/// Whether the query has a non-empty `q`.
fn has_search(request: &Parts) -> bool {
    request.uri.query().is_some_and(|query| {
        form_urlencoded::parse(query.as_bytes()).any(|(k, v)| k == "q" && !v.trim().is_empty())
    })
}

/// `429 throttled` with `Retry-After`.
fn throttled(wait_seconds: u64) -> Error {
    let wait = wait_seconds.max(1);
    Error::new(
        StatusCode::TOO_MANY_REQUESTS,
        "throttled",
        format!("Too many requests; try again in {wait} seconds."),
    )
    .with_header(header::RETRY_AFTER, HeaderValue::from(wait))
}
