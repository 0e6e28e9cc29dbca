//! The router: which replica a request reads, and the middleware that pins a client that
//! wrote.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use http::request::Parts;
use http::{HeaderMap, Method, header};
use sea_orm::{DatabaseConnection, DbErr};
use tokio::sync::OnceCell;
use web::reads::{ReadRoute, ReadRouter};
use web::settings::DatabaseSettings;

use crate::health::{self, Replica, Reported};
use crate::pins::{ClientKey, Pins};

/// The project's replicas and pins; cheap to clone.
#[derive(Clone)]
pub struct Router(Arc<Inner>);

struct Inner {
    replicas: Vec<Replica>,
    max_lag_seconds: f64,
    pins: Pins,
    /// The session cookie's name (`sessions.cookie_name`), to pin a session that wrote.
    session_cookie: String,
    next: AtomicUsize,
    checks_started: std::sync::Once,
    /// A read waits this long for a replica, then runs on the primary.
    read_timeout: Duration,
}

impl Router {
    /// Replicas of `database.replica_urls`; pins shared through `redis_url` when set;
    /// sessions recognised by their cookie, `session_cookie`.
    pub fn new(
        database: &DatabaseSettings,
        redis_url: &str,
        session_cookie: &str,
    ) -> Result<Router, String> {
        let replicas = database
            .replica_urls
            .iter()
            .enumerate()
            .map(|(index, url)| Replica::new(index, url.expose(), database))
            .collect();
        // A replica is at most max_lag behind when used, and that was measured at most a
        // check period ago: a pin that outlasts both covers the write.
        let hold = Duration::from_secs(database.replica_max_lag_seconds)
            + health::PERIOD
            + Duration::from_secs(1);
        Ok(Router(Arc::new(Inner {
            replicas,
            max_lag_seconds: database.replica_max_lag_seconds as f64,
            pins: Pins::new(hold, redis_url, database.url.expose())?,
            session_cookie: session_cookie.to_string(),
            next: AtomicUsize::new(0),
            checks_started: std::sync::Once::new(),
            read_timeout: read_timeout(database),
        })))
    }

    /// Starts the health checks, once, on the running server's runtime.
    fn start_checks(&self) {
        self.0.checks_started.call_once(|| {
            let weak = Arc::downgrade(&self.0);
            tokio::spawn(async move {
                let mut tick = tokio::time::interval(health::PERIOD);
                tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                loop {
                    tick.tick().await;
                    let Some(inner) = weak.upgrade() else { return };
                    futures::future::join_all(inner.replicas.iter().map(Replica::check)).await;
                }
            });
        });
    }

    /// What `/readyz` shows.
    pub fn states(&self) -> Vec<Reported> {
        self.start_checks();
        self.0
            .replicas
            .iter()
            .map(|replica| replica.report(self.0.max_lag_seconds))
            .collect()
    }

    /// A usable replica, taking turns; `None`: none is usable now.
    fn pick(&self) -> Option<(usize, DatabaseConnection)> {
        let count = self.0.replicas.len();
        let start = self.0.next.fetch_add(1, Ordering::Relaxed);
        (0..count).find_map(|offset| {
            let index = (start + offset) % count;
            self.0.replicas[index]
                .usable_connection(self.0.max_lag_seconds)
                .map(|connection| (index, connection))
        })
    }

    fn clients(&self, headers: &HeaderMap) -> Vec<ClientKey> {
        let mut clients = Vec::new();
        if let Some(token) = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
        {
            clients.push(ClientKey::of_token(token.trim()));
        }
        for cookies in headers.get_all(header::COOKIE) {
            let Ok(cookies) = cookies.to_str() else {
                continue;
            };
            for pair in cookies.split(';') {
                if let Some((name, value)) = pair.trim().split_once('=')
                    && name == self.0.session_cookie
                    && !value.is_empty()
                {
                    clients.push(ClientKey::of_session(value));
                }
            }
        }
        clients.truncate(4);
        clients
    }

    /// Middleware: after a request that wrote, pins its client (and a session the answer
    /// started) to the primary, before the answer leaves.
    pub async fn pin_writers(self, request: Request, next: Next) -> Response {
        let mut clients = self.clients(request.headers());
        let response = next.run(request).await;
        if web::writes::current_wrote() {
            for set_cookie in response.headers().get_all(header::SET_COOKIE) {
                if let Some((name, value)) = set_cookie
                    .to_str()
                    .ok()
                    .and_then(|c| c.split(';').next())
                    .and_then(|c| c.split_once('='))
                    && name.trim() == self.0.session_cookie
                    && !value.is_empty()
                {
                    clients.push(ClientKey::of_session(value.trim()));
                }
            }
            self.0.pins.pin(&clients).await;
        }
        response
    }
}

/// The statement timeout when one is set (the replica cancels a slower read itself), else
/// [`DEFAULT_READ_TIMEOUT`]: a replica that stops answering (a hung host, a network that
/// drops packets) costs a request this once, then the next check takes it out.
fn read_timeout(database: &DatabaseSettings) -> Duration {
    match database.statement_timeout_ms {
        0 => DEFAULT_READ_TIMEOUT,
        ms => Duration::from_millis(ms) + Duration::from_millis(500),
    }
}

/// How long a read waits for a replica without a statement timeout.
pub const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(5);

impl ReadRouter for Router {
    fn route(&self, request: &Parts) -> Option<Arc<dyn ReadRoute>> {
        if !matches!(request.method, Method::GET | Method::HEAD | Method::OPTIONS) {
            return None;
        }
        self.start_checks();
        Some(Arc::new(RequestRoute {
            router: self.clone(),
            clients: self.clients(&request.headers),
            chosen: OnceCell::new(),
            abandoned: AtomicBool::new(false),
        }))
    }
}

/// One request's choice, made at its first read.
struct RequestRoute {
    router: Router,
    clients: Vec<ClientKey>,
    chosen: OnceCell<Option<(usize, DatabaseConnection)>>,
    /// A read failed on the chosen replica: the rest of the request reads the primary.
    abandoned: AtomicBool,
}

impl RequestRoute {
    async fn choose(&self) -> Option<(usize, DatabaseConnection)> {
        if self.router.0.pins.pinned(&self.clients).await {
            metrics::counter!("db_primary_reads_total", "reason" => "pinned").increment(1);
            return None;
        }
        let Some((index, connection)) = self.router.pick() else {
            metrics::counter!("db_primary_reads_total", "reason" => "no_replica").increment(1);
            return None;
        };
        let name = self.router.0.replicas[index].name.clone();
        metrics::counter!("db_replica_reads_total", "replica" => name).increment(1);
        Some((index, connection))
    }
}

#[async_trait]
impl ReadRoute for RequestRoute {
    async fn replica(&self) -> Option<DatabaseConnection> {
        if self.abandoned.load(Ordering::Relaxed) {
            return None;
        }
        self.chosen
            .get_or_init(|| self.choose())
            .await
            .as_ref()
            .map(|(_, connection)| connection.clone())
    }

    fn read_timeout(&self) -> Duration {
        self.router.0.read_timeout
    }

    fn failed(&self, error: &DbErr) {
        self.abandoned.store(true, Ordering::Relaxed);
        if let Some(Some((index, _))) = self.chosen.get() {
            let replica = &self.router.0.replicas[*index];
            metrics::counter!("db_replica_fallbacks_total", "replica" => replica.name.clone())
                .increment(1);
            tracing::warn!(replica = %replica.name, %error, "a read failed on a replica; reading the primary");
            replica.mark_failed();
        }
    }
}
