//! `/healthz` and `/readyz`, as the framework's `health` app.

use std::time::Duration;

use async_trait::async_trait;
use axum::response::{IntoResponse, Response};
use http::{StatusCode, header};

use std::sync::Arc;

use crate::app::App;
use crate::extract::Db;
use crate::extract::JSON_CONTENT_TYPE;
use crate::settings::{Settings, SettingsError};
use crate::state::{Dep, Services};
use crate::urls::{Urls, get};

/// The probes app: install it and `include("", web::health::urls())`.
pub struct Health;

#[async_trait]
impl App for Health {
    fn label(&self) -> &'static str {
        "health"
    }
    fn urls(&self) -> Urls {
        urls()
    }
    fn migration_group(&self) -> Option<&'static str> {
        None
    }
    fn template_dir(&self) -> Option<&'static str> {
        None
    }
    /// The list the extras installed after it add their readiness checks to.
    fn configure(&self, _: &Settings, services: &mut Services) -> Result<(), SettingsError> {
        services.get_or_insert_default::<ReadinessChecks>();
        Ok(())
    }
}

/// `health:healthz` and `health:readyz`.
pub fn urls() -> Urls {
    Urls::new("health")
        .route("/healthz", "healthz", get(healthz))
        .route("/readyz", "readyz", get(readyz))
}

fn json(status: StatusCode, body: &'static str) -> Response {
    (status, [(header::CONTENT_TYPE, JSON_CONTENT_TYPE)], body).into_response()
}

/// 200 while the process is up.
async fn healthz() -> Response {
    json(StatusCode::OK, r#"{"status":"ok"}"#)
}

/// What an extra adds to `/readyz` (the shared cache: `"cache": "ok" | "unavailable"`).
/// It never makes the answer 503: what it reports only costs speed when down.
#[async_trait]
pub trait ReadinessCheck: Send + Sync {
    /// `None`: nothing to report (no shared cache configured); else whether it answers.
    async fn ready(&self) -> Option<bool>;

    /// What `/readyz` shows under the check's key, as JSON text: `"ok"` or
    /// `"unavailable"` by [`ReadinessCheck::ready`], unless the check has more to say (the
    /// replicas' list).
    async fn report(&self) -> Option<String> {
        self.ready().await.map(|ok| {
            if ok {
                r#""ok""#.to_string()
            } else {
                r#""unavailable""#.to_string()
            }
        })
    }
}

/// The checks extras registered in their `configure`, by the key `/readyz` shows them
/// under (`services.get_or_insert_default::<ReadinessChecks>().0.push(("cache", …))`).
#[derive(Clone, Default)]
pub struct ReadinessChecks(pub Vec<(&'static str, Arc<dyn ReadinessCheck>)>);

/// 200 when the database answers `SELECT 1` within two seconds, else 503. With the
/// extras' checks: a shared cache adds `"cache": "ok" | "unavailable"`; a cache that is
/// down only costs speed, so it never makes the answer 503.
async fn readyz(db: Db, Dep(checks): Dep<ReadinessChecks>) -> Response {
    let extras = futures::future::join_all(
        checks
            .0
            .iter()
            .map(|(name, check)| async move { (*name, check.report().await) }),
    );
    let (database, extras) = tokio::join!(
        tokio::time::timeout(Duration::from_secs(2), crate::db::ping(&db)),
        extras
    );
    let database_ok = match database {
        Ok(Ok(())) => true,
        Ok(Err(err)) => {
            tracing::warn!(request_id = %crate::middleware::current_request_id(), error = %err, "readiness check: database unavailable");
            false
        }
        Err(_) => {
            tracing::warn!(request_id = %crate::middleware::current_request_id(), "readiness check: database did not answer within 2 s");
            false
        }
    };
    // Written out, so the keys keep the contract's order.
    let word = |ok: bool| if ok { "ok" } else { "unavailable" };
    let mut body = format!(r#"{{"status":"{0}","database":"{0}""#, word(database_ok));
    for (name, report) in extras {
        if let Some(report) = report {
            body.push_str(&format!(r#","{name}":{report}"#));
        }
    }
    body.push('}');
    let status = if database_ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, [(header::CONTENT_TYPE, JSON_CONTENT_TYPE)], body).into_response()
}
