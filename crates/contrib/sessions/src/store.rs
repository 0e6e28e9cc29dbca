//! Database-backed sessions (`django.contrib.sessions`): a `tower_sessions::SessionStore`
//! over the project's own database, so several server processes share them.
//!
//! The table belongs to the `sessions` app; its migration is in `src/migrations/`.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, Weak};

use async_trait::async_trait;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, Set};
use tower_sessions::cookie::SameSite;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, SessionStore};
use tower_sessions::{Expiry, SessionManagerLayer};

use web::db::{is_unique_violation, now};

use crate::settings::SessionSettings;

/// The `sessions` table.
pub mod entity {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "sessions")]
    pub struct Model {
        #[sea_orm(
            primary_key,
            auto_increment = false,
            column_type = "String(StringLen::N(64))"
        )]
        pub id: String,
        #[sea_orm(column_type = "Text")]
        pub data: String,
        #[sea_orm(indexed)]
        pub expires_at: TimeDateTimeWithTimeZone,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

use entity::{ActiveModel, Column, Entity};

/// Stores sessions in the `sessions` table.
#[derive(Clone)]
pub struct DbSessionStore {
    db: DatabaseConnection,
}

impl fmt::Debug for DbSessionStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DbSessionStore")
    }
}

impl DbSessionStore {
    pub fn new(db: DatabaseConnection) -> Self {
        DbSessionStore { db }
    }

    fn row(record: &Record) -> session_store::Result<ActiveModel> {
        let data = serde_json::to_string(&record.data)
            .map_err(|e| session_store::Error::Encode(e.to_string()))?;
        Ok(ActiveModel {
            id: Set(record.id.to_string()),
            data: Set(data),
            expires_at: Set(record.expiry_date),
        })
    }

    /// Deletes expired sessions; returns how many.
    pub async fn delete_expired(&self) -> Result<u64, DbErr> {
        Ok(Entity::delete_many()
            .filter(Column::ExpiresAt.lte(now()))
            .exec(&self.db)
            .await?
            .rows_affected)
    }
}

/// Starts the message of a store error caused by an unreachable database, so that
/// [`session_error`] can answer it with 503 (the store's error type only carries text).
const UNAVAILABLE: &str = "database unavailable: ";

/// A session's error as the framework's: 503 when the store's database is unreachable,
/// 500 otherwise. `session.insert(KEY, value).await.map_err(session_error)?`.
pub fn session_error(err: tower_sessions::session::Error) -> web::Error {
    use tower_sessions::session::Error::Store;
    use tower_sessions::session_store::Error::Backend;
    match err {
        Store(Backend(message)) if message.starts_with(UNAVAILABLE) => {
            tracing::warn!(request_id = %web::request_id::current_request_id(), error = %message, "session store: database unavailable");
            web::Error::database_unavailable()
        }
        err => web::Error::internal(format!("session store: {err}")),
    }
}

fn backend(err: DbErr) -> session_store::Error {
    if web::db::is_unavailable(&err) {
        session_store::Error::Backend(format!("{UNAVAILABLE}{err}"))
    } else {
        session_store::Error::Backend(err.to_string())
    }
}

#[async_trait]
impl SessionStore for DbSessionStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        // Always a fresh id: a session flushed at logout comes back here with its old id,
        // which must not be reused (Django gives a new session after logout too).
        record.id = Id::default();
        // A 128-bit random id practically never collides; if it does, draw another.
        for _ in 0..8 {
            match Entity::insert(Self::row(record)?)
                .exec_without_returning(&self.db)
                .await
            {
                Ok(_) => return Ok(()),
                Err(err) if is_unique_violation(&err) => record.id = Id::default(),
                Err(err) => return Err(backend(err)),
            }
        }
        Err(session_store::Error::Backend(
            "could not allocate a unique session id".into(),
        ))
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        Entity::insert(Self::row(record)?)
            .on_conflict(
                OnConflict::column(Column::Id)
                    .update_columns([Column::Data, Column::ExpiresAt])
                    .to_owned(),
            )
            .exec_without_returning(&self.db)
            .await
            .map(|_| ())
            .map_err(backend)
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let row = Entity::find_by_id(id.to_string())
            .filter(Column::ExpiresAt.gt(now()))
            .one(&self.db)
            .await
            .map_err(backend)?;
        let Some(row) = row else { return Ok(None) };
        let data = serde_json::from_str(&row.data)
            .map_err(|e| session_store::Error::Decode(e.to_string()))?;
        Ok(Some(Record {
            id: *id,
            data,
            expiry_date: row.expires_at,
        }))
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        Entity::delete_by_id(id.to_string())
            .exec(&self.db)
            .await
            .map(|_| ())
            .map_err(backend)
    }
}

/// Requests that change one session, one at a time (in this process): the session is
/// loaded when a request starts and saved whole when it ends, so two concurrent POSTs of
/// one visitor (two "Add to cart" clicks) would each save what the other never saw. Safe
/// requests and requests without a session cookie pass untouched.
#[derive(Clone, Default)]
pub struct SessionWriters(Arc<Mutex<HashMap<String, Weak<tokio::sync::Mutex<()>>>>>);

impl SessionWriters {
    /// The lock of session `id`; entries of finished requests are dropped as others come.
    fn lock_for(&self, id: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut all = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(lock) = all.get(id).and_then(Weak::upgrade) {
            return lock;
        }
        all.retain(|_, w| w.strong_count() > 0);
        let lock = Arc::new(tokio::sync::Mutex::new(()));
        all.insert(id.to_string(), Arc::downgrade(&lock));
        lock
    }
}

/// Middleware around the session layer: see [`SessionWriters`].
pub async fn one_writer_per_session(
    axum::extract::State((writers, cookie)): axum::extract::State<(SessionWriters, Arc<str>)>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let id = (!request.method().is_safe())
        .then(|| session_cookie(request.headers(), &cookie))
        .flatten();
    let Some(id) = id else {
        return next.run(request).await;
    };
    let lock = writers.lock_for(&id);
    let _turn = lock.lock().await;
    next.run(request).await
}

/// The session id in `headers`, when it could be one.
fn session_cookie(headers: &http::HeaderMap, name: &str) -> Option<String> {
    web::cookies::value(headers, name)
        .filter(|v| !v.is_empty() && v.len() <= 128)
        .map(str::to_string)
}

/// The session middleware configured from settings: cookie HttpOnly, SameSite=Lax,
/// Secure when `sessions.cookie_secure` (on in production), expiring after
/// `sessions.age_seconds` of inactivity.
pub fn layer(
    settings: &SessionSettings,
    db: DatabaseConnection,
) -> SessionManagerLayer<DbSessionStore> {
    SessionManagerLayer::new(DbSessionStore::new(db))
        .with_name(settings.cookie_name.clone())
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(settings.cookie_secure)
        .with_path("/")
        .with_expiry(Expiry::OnInactivity(time::Duration::seconds(
            settings.age_seconds,
        )))
}
