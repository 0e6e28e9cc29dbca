//! Database connections for SQLite, MySQL/MariaDB and PostgreSQL, chosen by the URL alone,
//! and the small helpers every app needs to write portable, race-safe queries.
//!
//! What differs between the three backends (and why these helpers exist) is recorded in
//! `shared/notes/databases.md`: SQLite takes one writer at a time, so a transaction that
//! reads before it writes must begin `IMMEDIATE` ([`begin_write`]); unique-key races surface
//! as [`is_unique_violation`]; `LIKE` needs explicit escaping ([`like_contains`]).

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use sea_orm::sea_query::{BinOper, Expr, ExprTrait, Func, IntoColumnRef, LikeExpr, SimpleExpr};
use sea_orm::sqlx;
use sea_orm::{
    ConnectOptions, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr,
    SqlErr, SqliteTransactionMode, TransactionOptions, TransactionTrait,
};
use time::OffsetDateTime;

use crate::settings::DatabaseSettings;

pub use crate::settings::Backend;

impl Backend {
    /// A pool size that suits the backend when the setting is 0.
    fn default_pool_size(self, url: &str) -> u32 {
        match self {
            // An in-memory SQLite database exists once per connection: one connection only.
            Backend::Sqlite if is_sqlite_memory(url) => 1,
            // WAL lets readers run beside the single writer.
            Backend::Sqlite => 8,
            Backend::MySql | Backend::Postgres => 10,
        }
    }
}

fn is_sqlite_memory(url: &str) -> bool {
    url.contains(":memory:") || url.contains("mode=memory")
}

/// The connections of the pool [`connect`] opens: `database.pool_size`, or the backend's
/// default when it is 0 (apps size what shares the pool from it).
pub fn pool_size(settings: &DatabaseSettings) -> Result<u32, String> {
    let url = settings.url.expose();
    let backend = Backend::from_url(url)?;
    Ok(match settings.pool_size {
        0 => backend.default_pool_size(url),
        _ if backend == Backend::Sqlite && is_sqlite_memory(url) => 1,
        n => n,
    })
}

/// Opens a pool for `settings.url`. SQLite files run in WAL mode with foreign keys on and
/// a busy timeout, so concurrent writers wait instead of failing.
pub async fn connect(settings: &DatabaseSettings) -> Result<DatabaseConnection, DbErr> {
    let url = settings.url.expose();
    let backend = Backend::from_url(url).map_err(DbErr::Custom)?;
    let pool_size = pool_size(settings).map_err(DbErr::Custom)?;
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .max_connections(pool_size)
        .min_connections(0)
        .connect_timeout(Duration::from_secs(settings.connect_timeout_seconds))
        .acquire_timeout(Duration::from_secs(settings.acquire_timeout_seconds))
        .sqlx_logging(settings.log_statements)
        .sqlx_logging_level(tracing::log::LevelFilter::Debug);
    if settings.statement_timeout_ms > 0 {
        crate::statement_timeout::apply(
            &mut options,
            backend,
            Duration::from_millis(settings.statement_timeout_ms),
        );
    }
    if backend == Backend::Sqlite {
        options.map_sqlx_sqlite_opts(|opts| {
            opts.journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
                .synchronous(sqlx::sqlite::SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(10))
                // `REGEXP`, for searches that fold case beyond ASCII ([`like_contains`]).
                .with_regexp()
        });
    }
    let mut db = sea_orm::Database::connect(options).await?;
    // Which requests wrote (for the shared cache's announcements).
    db.set_metric_callback(crate::writes::observe);
    Ok(db)
}

/// Begins a transaction that will write. On SQLite it takes the write lock up front
/// (`BEGIN IMMEDIATE`): a deferred transaction that reads first and then writes fails with
/// "database is locked" under concurrency. Elsewhere it is a plain `BEGIN`.
pub async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    db.begin_with_options(TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..Default::default()
    })
    .await
}

/// How often [`write_transaction`] runs a transaction that hit a transient conflict.
const TRANSACTION_ATTEMPTS: u32 = 4;

/// The work of one transaction, borrowing it: `|txn| Box::pin(async move { … })`. It
/// ends with the framework's [`crate::Error`] unless an app's domain error is named.
pub type TransactionWork<'c, T, E = crate::Error> =
    Pin<Box<dyn Future<Output = Result<T, E>> + Send + 'c>>;

/// An error a write transaction can end with: it holds the database's own errors and says
/// whether one is a transient conflict worth running the transaction again for. An app's
/// domain error (`ProductError`, …) implements it to come out of [`write_transaction_as`]
/// as itself.
pub trait TransactionError: From<DbErr> + std::fmt::Display {
    fn is_retryable(&self) -> bool;
}

impl TransactionError for DbErr {
    fn is_retryable(&self) -> bool {
        is_retryable(self)
    }
}

impl TransactionError for crate::Error {
    fn is_retryable(&self) -> bool {
        crate::Error::is_retryable(self)
    }
}

/// Runs `work` in a write transaction ([`begin_write`]): commits on `Ok`, rolls back on
/// `Err`, and runs it again from the start (up to four times) when the database reports a
/// deadlock, a serialization failure or a busy lock. `work` must therefore be safe to run
/// again (external calls in it must be idempotent).
///
/// ```ignore
/// let order = write_transaction(&db, |txn| Box::pin(async move {
///     stock::reserve(txn, product_id, 1).await?;
///     Ok(order::insert(txn, order_id).await?)
/// })).await?;
/// ```
pub async fn write_transaction<T, F>(db: &DatabaseConnection, work: F) -> Result<T, crate::Error>
where
    F: for<'c> Fn(&'c DatabaseTransaction) -> TransactionWork<'c, T>,
{
    write_transaction_as(db, work).await
}

/// [`write_transaction`] ending with an app's own error type `E`.
pub async fn write_transaction_as<T, E, F>(db: &DatabaseConnection, work: F) -> Result<T, E>
where
    E: TransactionError,
    F: for<'c> Fn(&'c DatabaseTransaction) -> TransactionWork<'c, T, E>,
{
    let mut attempt = 1;
    loop {
        let txn = begin_write(db).await?;
        let outcome = match work(&txn).await {
            Ok(value) => txn.commit().await.map(|()| value).map_err(E::from),
            Err(e) => {
                let _ = txn.rollback().await;
                Err(e)
            }
        };
        match outcome {
            Err(e) if e.is_retryable() && attempt < TRANSACTION_ATTEMPTS => {
                tracing::debug!(attempt, error = %e, "transient database conflict; retrying the transaction");
                tokio::time::sleep(Duration::from_millis(5 * u64::from(attempt))).await;
                attempt += 1;
            }
            other => return other,
        }
    }
}

/// A unique index refused the row (on all three backends).
pub fn is_unique_violation(err: &DbErr) -> bool {
    matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_)))
}

/// A foreign key refused the change (e.g. deleting a product that an order line references).
pub fn is_foreign_key_violation(err: &DbErr) -> bool {
    if matches!(
        err.sql_err(),
        Some(SqlErr::ForeignKeyConstraintViolation(_))
    ) {
        return true;
    }
    // SQLite reports a refused parent-row delete with the extended code 1811 as well as
    // 787; sea-orm only classifies the latter.
    match sqlx_error(err) {
        Some(sqlx::Error::Database(d)) => {
            matches!(d.code().as_deref(), Some("787" | "1811"))
                && d.message().contains("FOREIGN KEY constraint failed")
        }
        _ => false,
    }
}

use crate::error::sqlx_error;
pub use crate::error::{error_code, is_retryable, is_unavailable};

/// Runs `SELECT 1`; used by `/readyz`.
pub async fn ping(db: &DatabaseConnection) -> Result<(), DbErr> {
    db.execute_unprepared("SELECT 1").await.map(|_| ())
}

/// The current time in UTC, truncated to microseconds: every backend stores exactly that
/// precision, so a value reads back equal to what was written.
pub fn now() -> OffsetDateTime {
    let t = OffsetDateTime::now_utc();
    t.replace_nanosecond(t.nanosecond() / 1_000 * 1_000)
        .unwrap_or(t)
}

/// Escapes `%`, `_` and the escape character itself for a `LIKE … ESCAPE '!'` pattern.
pub fn escape_like(term: &str) -> String {
    let mut out = String::with_capacity(term.len() + 4);
    for c in term.chars() {
        if matches!(c, '!' | '%' | '_') {
            out.push('!');
        }
        out.push(c);
    }
    out
}

/// `column` contains `term` ignoring case, on all three backends alike: simple Unicode
/// case folding, accent-sensitive (`ÜBER`, `Über` and `über` find each other, `uber` does
/// not, `ß` is not `ss`), and `%` and `_` in `term` match literally.
///
/// - PostgreSQL: `LOWER(column) LIKE '%term%' ESCAPE '!'` (`lower` folds every script;
///   a `pg_trgm` index on `lower(column)` serves it).
/// - MySQL/MariaDB: the same, compared under `utf8mb4_bin`: the column's `_ci` collation
///   would also equate `u` and `ü`.
/// - SQLite: `column REGEXP '(?i)term'` (the `regex` crate, registered on every
///   connection by [`connect`]): SQLite's own `LOWER` and `LIKE` fold ASCII only.
pub fn like_contains(backend: DbBackend, column: impl IntoColumnRef, term: &str) -> SimpleExpr {
    match backend {
        DbBackend::Sqlite => Expr::col(column).binary(
            BinOper::Custom("REGEXP"),
            Expr::val(format!("(?i){}", regex::escape(term))),
        ),
        DbBackend::MySql => Expr::cust_with_exprs(
            "LOWER(?) COLLATE utf8mb4_bin LIKE ? ESCAPE '!'",
            [
                Expr::col(column),
                Expr::val(format!("%{}%", escape_like(&term.to_lowercase()))),
            ],
        ),
        _ => {
            let pattern = format!("%{}%", escape_like(&term.to_lowercase()));
            Expr::expr(Func::lower(Expr::col(column))).like(LikeExpr::new(pattern).escape('!'))
        }
    }
}

/// Serde helpers for RFC 3339 UTC timestamps with microseconds and a `Z`, as the contract
/// wants (`2026-11-25T12:00:00.123456Z`).
pub mod timestamp {
    use serde::Serializer;
    use time::OffsetDateTime;
    use time::format_description::FormatItem;
    use time::macros::format_description;

    const FORMAT: &[FormatItem<'static>] =
        format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z");

    /// Formats `t` (converted to UTC).
    pub fn format(t: &OffsetDateTime) -> String {
        t.to_offset(time::UtcOffset::UTC)
            .format(FORMAT)
            .unwrap_or_default()
    }

    pub fn serialize<S: Serializer>(t: &OffsetDateTime, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format(t))
    }

    /// For `Option<OffsetDateTime>` fields.
    pub mod option {
        use super::*;
        pub fn serialize<S: Serializer>(
            t: &Option<OffsetDateTime>,
            s: S,
        ) -> Result<S::Ok, S::Error> {
            match t {
                Some(t) => s.serialize_str(&format(t)),
                None => s.serialize_none(),
            }
        }
    }
}
