//! Read replicas, an extra the project installs like an app ([`Replicas`], labelled
//! `replicas`), for `database.replica_urls` (Django's database routers, without writing
//! one).
//!
//! - **Where reads go**: the core's [`web::Db`] asks this extra, per request, where its
//!   plain reads outside a transaction may go ([`route`]). Requests that may write (any
//!   method but GET, HEAD and OPTIONS) read the primary; so does everything in a
//!   transaction, every write, every shared-cache fill and every credential check (see
//!   [`web::reads`]).
//! - **Read-your-writes**: after a request that wrote, its client (the bearer token, the
//!   session cookie, the session cookie the answer set) is *pinned* to the primary for
//!   `replica_max_lag_seconds` plus the health check's period and a margin ([`pins`]):
//!   a replica used after that is at most `replica_max_lag_seconds` behind, so it has the
//!   write. With `cache.url` the pin is in Redis, so another process answering the
//!   client's next request honours it; without, pins hold per process (a deployment of one
//!   process, or sticky sessions). When Redis can't be asked, a client with a token or
//!   session reads the primary.
//! - **Health** ([`health`]): each replica is checked every second (its own view of its
//!   lag: MariaDB/MySQL `SHOW REPLICA STATUS`, PostgreSQL the replayed WAL); a replica that
//!   is down, not replicating or further behind than `replica_max_lag_seconds` is skipped,
//!   and a read a replica fails runs again on the primary. `/readyz` lists the replicas
//!   (`"replicas": [{"name", "ok", "lag_seconds"}]`, never their URLs) without ever
//!   turning 503 for them; metrics: `db_replica_up`, `db_replica_lag_seconds`,
//!   `db_replica_reads_total`, `db_replica_fallbacks_total`, `db_primary_reads_total`.
//!
//! ```ignore
//! // crates/project/src/apps.rs, after the cache (whose Redis it shares) and before the apps:
//! Arc::new(web_replicas::Replicas),
//! ```

use std::sync::Arc;

use async_trait::async_trait;
use serde::Deserialize;
use web::App;
use web::health::{ReadinessCheck, ReadinessChecks};
use web::install::Installer;
use web::middleware::Middleware;
use web::reads::ReadRouting;
use web::settings::{Secret, Settings, SettingsError};
use web::state::{AppState, Services};
use web::writes::{WriteListener, WriteListeners};

pub mod health;
pub mod pins;
pub mod route;

pub use route::Router;

/// The `replicas` app: when `database.replica_urls` lists replicas, routes reads to them.
pub struct Replicas;

impl App for Replicas {
    fn label(&self) -> &'static str {
        "replicas"
    }

    fn migration_group(&self) -> Option<&'static str> {
        None
    }

    fn template_dir(&self) -> Option<&'static str> {
        None
    }

    fn configure(&self, settings: &Settings, services: &mut Services) -> Result<(), SettingsError> {
        if settings.database.replica_urls.is_empty() {
            return Ok(());
        }
        let cache: SharedCacheUrl = settings.app_section("cache")?;
        let sessions: SessionCookie = settings.app_section("sessions")?;
        let router = Router::new(
            &settings.database,
            cache.url.expose(),
            &sessions.cookie_name,
        )
        .map_err(|message| SettingsError::new("cache.url", message))?;
        services.insert(router.clone());
        services.insert(ReadRouting(Arc::new(router.clone())));
        services
            .get_or_insert_default::<ReadinessChecks>()
            .0
            .push(("replicas", Arc::new(router.clone())));
        // Makes the framework watch every request's statements, so the pinning middleware
        // knows which ones wrote.
        services
            .get_or_insert_default::<WriteListeners>()
            .0
            .push(Arc::new(WatchWrites));
        Ok(())
    }

    /// A warning only: pins held per process are right for one process or sticky sessions.
    fn check(&self, settings: &Settings, deploy: bool) -> Vec<String> {
        let cache: Result<SharedCacheUrl, _> = settings.app_section("cache");
        let shared = cache.is_ok_and(|c| !c.url.expose().is_empty());
        if deploy && !settings.database.replica_urls.is_empty() && !shared {
            return vec![format!(
                "{}database.replica_urls without cache.url: a client that wrote is pinned to the primary only in the process that served the write; set cache.url (Redis) when several processes serve without sticky sessions",
                web::cli::WARNING
            )];
        }
        Vec::new()
    }

    fn install(&self, app: &mut Installer) {
        app.middleware(|state: &AppState| -> Option<Middleware> {
            let router = state.services().get::<Router>()?.clone();
            Some(Arc::new(move |request, next| {
                Box::pin(router.clone().pin_writers(request, next))
            }))
        });
    }
}

/// The one key of `[cache]` this extra reads: pins live in the same Redis.
#[derive(Deserialize)]
struct SharedCacheUrl {
    #[serde(default = "no_url")]
    url: Secret,
}

/// The one key of `[sessions]` it reads: a session that wrote is pinned by its cookie.
#[derive(Deserialize)]
struct SessionCookie {
    #[serde(default = "default_session_cookie")]
    cookie_name: String,
}

fn default_session_cookie() -> String {
    "sessionid".into()
}

fn no_url() -> Secret {
    Secret::new("")
}

/// Asks the framework to watch statements; the news itself is read per request.
struct WatchWrites;

#[async_trait]
impl WriteListener for WatchWrites {
    fn listening(&self) -> bool {
        true
    }
    async fn wrote(&self) -> bool {
        true
    }
}

#[async_trait]
impl ReadinessCheck for Router {
    async fn ready(&self) -> Option<bool> {
        Some(true)
    }

    /// `[{"name", "ok", "lag_seconds"}]`, keys in the contract's order.
    async fn report(&self) -> Option<String> {
        let replicas: Vec<String> = self
            .states()
            .into_iter()
            .map(|state| {
                format!(
                    r#"{{"name":{},"ok":{},"lag_seconds":{}}}"#,
                    serde_json::Value::from(state.name),
                    state.usable,
                    serde_json::Value::from(state.lag_seconds)
                )
            })
            .collect();
        Some(format!("[{}]", replicas.join(",")))
    }
}
