//! Prometheus metrics (`metrics.port`, 0 = off): `GET /metrics` on a listener of its own on
//! `server.host`, so the public port never exposes them.
//!
//! - `http_requests_total{route, method, status}` and `http_request_duration_seconds{route,
//!   method}` (a histogram), `route` being the route's name (`catalog:product_list`);
//!   `http_server_errors_total{route}` counts 5xx answers. Every label has a bounded set
//!   of values whatever clients send: routes are the project's, a method outside the
//!   standard ones is `other`, statuses are the ones the server answers.
//! - `db_pool_connections{state="in_use"|"idle"}`, read at each scrape.
//! - `cache_hits_total` and `cache_misses_total` of the response cache, `cache_errors_total`
//!   of shared-cache calls that failed or timed out.
//! - `jobs{status="queued"|"running"|"failed"}`, the background queue's depth, read from the
//!   database at each scrape (one grouped count), and
//!   `jobs_finished_total{task, outcome="done"|"retry"|"failed"}` of the runs this process
//!   made (a `project worker` serves its own `/metrics` when `metrics.port` is set).
//!
//! Off, nothing is recorded and no layer is added to the request path.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};
use std::time::Instant;

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use sea_orm::DatabaseConnection;

use crate::install::{Installer, core_kind};
use crate::urls::RouteInfo;

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// Installs the process's recorder (once; later calls get the same handle).
pub fn install() -> PrometheusHandle {
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new()
                .set_buckets(&[
                    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
                    10.0,
                ])
                .expect("static buckets are valid")
                .build_recorder();
            let handle = recorder.handle();
            // Another recorder already installed (a test binary): ours still renders.
            let _ = metrics::set_global_recorder(recorder);
            handle
        })
        .clone()
}

/// Route names by path template, for the `route` label.
#[derive(Clone)]
pub struct RouteNames(Arc<HashMap<String, String>>);

impl RouteNames {
    pub fn new(routes: &[RouteInfo]) -> Self {
        RouteNames(Arc::new(
            routes
                .iter()
                .map(|r| (r.path.clone(), r.name.clone()))
                .collect(),
        ))
    }
}

/// Route layer: counts and times every routed request under its route's name.
pub async fn record(State(names): State<RouteNames>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| {
            names
                .0
                .get(p.as_str())
                .cloned()
                .unwrap_or_else(|| p.as_str().to_string())
        })
        .unwrap_or_else(|| "unmatched".to_string());
    let method = method_label(request.method());
    let response = next.run(request).await;
    let status = response.status();
    metrics::counter!(
        "http_requests_total",
        "route" => route.clone(),
        "method" => method,
        "status" => status.as_u16().to_string()
    )
    .increment(1);
    metrics::histogram!("http_request_duration_seconds", "route" => route.clone(), "method" => method)
        .record(started.elapsed().as_secs_f64());
    if status.is_server_error() {
        metrics::counter!("http_server_errors_total", "route" => route).increment(1);
    }
    response
}

/// The `method` label: the standard methods by name, anything a client made up as `other`
/// (each new label set is a new series kept for the life of the process).
fn method_label(method: &http::Method) -> &'static str {
    use http::Method;
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        Method::CONNECT => "CONNECT",
        Method::TRACE => "TRACE",
        _ => "other",
    }
}

/// With `metrics.port` set, listens on it (on `server.host`) and serves `/metrics` in the
/// background until the handle is aborted; `None` when metrics are off. `serve` and
/// `project worker` each start one.
pub async fn listen(
    state: &crate::AppState,
) -> anyhow::Result<Option<tokio::task::JoinHandle<std::io::Result<()>>>> {
    let settings = state.settings();
    if settings.metrics.port == 0 {
        return Ok(None);
    }
    let address = settings.address_on(settings.metrics.port);
    let listener = tokio::net::TcpListener::bind(&address).await.map_err(|e| {
        anyhow::anyhow!("cannot listen on {address} for metrics (metrics.port): {e}")
    })?;
    tracing::info!("metrics on http://{}/metrics", listener.local_addr()?);
    let gauges = state.services().contributions().all::<Gauges>();
    let app = router(install(), state.db().clone(), gauges);
    Ok(Some(tokio::spawn(async move {
        axum::serve(listener, app).await
    })))
}

/// The `/metrics` listener's router.
pub fn router(handle: PrometheusHandle, db: DatabaseConnection, gauges: Vec<Gauges>) -> Router {
    let gauges = Arc::new(gauges);
    Router::new().route(
        "/metrics",
        get(move || {
            let (handle, db, gauges) = (handle.clone(), db.clone(), gauges.clone());
            async move {
                record_pool(&db);
                for gauge in gauges.iter() {
                    (gauge.0)(db.clone()).await;
                }
                (
                    [(http::header::CONTENT_TYPE, "text/plain; version=0.0.4")],
                    handle.render(),
                )
                    .into_response()
            }
        }),
    )
}

/// The pool's connections in use and idle, as gauges.
fn record_pool(db: &DatabaseConnection) {
    use sea_orm::DbBackend;
    let (size, idle) = match db.get_database_backend() {
        DbBackend::Sqlite => {
            let pool = db.get_sqlite_connection_pool();
            (pool.size(), pool.num_idle())
        }
        DbBackend::MySql => {
            let pool = db.get_mysql_connection_pool();
            (pool.size(), pool.num_idle())
        }
        DbBackend::Postgres => {
            let pool = db.get_postgres_connection_pool();
            (pool.size(), pool.num_idle())
        }
        _ => return,
    };
    let idle = idle as f64;
    metrics::gauge!("db_pool_connections", "state" => "idle").set(idle);
    metrics::gauge!("db_pool_connections", "state" => "in_use")
        .set((f64::from(size) - idle).max(0.0));
}

/// Sets gauges before a scrape (see [`Installer::gauges`]).
#[derive(Clone)]
pub struct Gauges(
    pub Arc<dyn Fn(DatabaseConnection) -> futures::future::BoxFuture<'static, ()> + Send + Sync>,
);
core_kind!(Gauges, "metrics gauges");

impl Installer<'_> {
    /// Gauges set before every scrape of `/metrics` (the jobs extra's queue depth).
    pub fn gauges(
        &mut self,
        record: impl Fn(DatabaseConnection) -> futures::future::BoxFuture<'static, ()>
        + Send
        + Sync
        + 'static,
    ) -> &mut Self {
        self.add(Gauges(Arc::new(record)))
    }
}
