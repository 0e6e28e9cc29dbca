//! `/healthz` and `/readyz`, as the framework's `health` app.

use std::time::Duration;

use async_trait::async_trait;
use axum::response::{IntoResponse, Response};
use http::{StatusCode, header};

use crate::app::App;
use crate::cache::Cache;
use crate::extract::Db;
use crate::extract::JSON_CONTENT_TYPE;
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

/// 200 when the database answers `SELECT 1` within two seconds, else 503. With a shared
/// cache, also `"cache": "ok" | "unavailable"`; a cache that is down only costs speed, so
/// it never makes the answer 503.
async fn readyz(Db(db): Db, cache: Cache) -> Response {
    let (database, cache) = tokio::join!(
        tokio::time::timeout(Duration::from_secs(2), crate::db::ping(&db)),
        cache.shared_status()
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
    if let Some(cache_ok) = cache {
        body.push_str(&format!(r#","cache":"{}""#, word(cache_ok)));
    }
    body.push('}');
    let status = if database_ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, [(header::CONTENT_TYPE, JSON_CONTENT_TYPE)], body).into_response()
}
