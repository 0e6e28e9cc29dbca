//! Where a request's reads go: the [`Db`] extractor. Writes and every transaction always go
//! to the primary (`database.url`); a read outside a transaction may go to a replica when
//! an extra installed a [`ReadRouter`] (the `replicas` extra, for `database.replica_urls`).
//! Without one, `Db` is the primary and nothing else.
//!
//! Apps write no routing code. What keeps a read on the primary:
//! - the statement is not a plain read (`INSERT … RETURNING` is a write, whatever the
//!   method it is sent with), or it runs in a transaction (`db.begin()`, [`crate::db::write_transaction`]);
//! - the function it runs in takes a `&DatabaseConnection`: `Db` dereferences to the
//!   primary's pool, so the compiler sends such code (the credential checks, every write
//!   helper) to the primary, and only code generic over `ConnectionTrait` can be routed;
//! - the request already wrote ([`crate::writes`]), or it runs inside [`on_primary`] (a fill
//!   of the shared cache: a value from a lagging replica would be served to everyone);
//! - the router says so: the client wrote lately (read-your-writes), no replica is healthy.
//!
//! A replica that fails a read is reported to the router and the read runs again on the
//! primary, so a replica going down costs time, never an answer.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use axum::extract::FromRequestParts;
use http::request::Parts;
use sea_orm::{
    AccessMode, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr,
    ExecResult, IsolationLevel, QueryResult, Statement, TransactionError, TransactionOptions,
    TransactionTrait,
};

use crate::state::AppState;

/// Decides, per request, whether its reads may leave the primary; registered as the
/// [`ReadRouting`] service by an extra.
pub trait ReadRouter: Send + Sync {
    /// `None`: this request reads the primary only (it writes, or nothing to route to).
    fn route(&self, request: &Parts) -> Option<Arc<dyn ReadRoute>>;
}

/// One request's routing, asked on each read statement (decide once and remember).
#[async_trait]
pub trait ReadRoute: Send + Sync {
    /// The connection to read from; `None`: the primary.
    async fn replica(&self) -> Option<DatabaseConnection>;
    /// A read on the replica `replica()` gave failed; it runs again on the primary.
    fn failed(&self, error: &DbErr);
    /// How long a read may wait for the replica before it runs on the primary instead (a
    /// replica that hangs costs this much, once per request).
    fn read_timeout(&self) -> Duration;
}

/// The project's read router, as a service.
#[derive(Clone)]
pub struct ReadRouting(pub Arc<dyn ReadRouter>);

tokio::task_local! {
    static PRIMARY_ONLY: ();
}

/// Runs `work` with every read of a [`Db`] on the primary: what a shared cache stores is
/// computed here, so no process serves a replica's older copy under the new version.
pub async fn on_primary<F: Future>(work: F) -> F::Output {
    PRIMARY_ONLY.scope((), work).await
}

fn primary_only() -> bool {
    PRIMARY_ONLY.try_with(|_| ()).is_ok()
}

/// The request's database: `async fn list(db: Db) -> …`, then `Product::find().all(&db)`.
/// Reads outside a transaction may go to a replica; everything else goes to the primary,
/// which is also what it dereferences to (`&db` where a `&DatabaseConnection` is expected).
#[derive(Clone)]
pub struct Db {
    primary: DatabaseConnection,
    route: Option<Arc<dyn ReadRoute>>,
}

impl Db {
    /// The primary only (management commands, jobs, tests).
    pub fn primary_only(primary: DatabaseConnection) -> Db {
        Db {
            primary,
            route: None,
        }
    }

    /// The primary's pool: writes, transactions and reads that must see the last write.
    pub fn primary(&self) -> &DatabaseConnection {
        &self.primary
    }

    /// Where `statement` runs if it is a read: a replica the route gives (with the route),
    /// or `None`.
    async fn reader(
        &self,
        statement: &Statement,
    ) -> Option<(&Arc<dyn ReadRoute>, DatabaseConnection)> {
        let route = self.route.as_ref()?;
        if !is_plain_read(&statement.sql) || primary_only() || crate::writes::current_wrote() {
            return None;
        }
        Some((route, route.replica().await?))
    }

    async fn read<T, F, Fut>(&self, statement: Statement, run: F) -> Result<T, DbErr>
    where
        F: Fn(DatabaseConnection, Statement) -> Fut,
        Fut: Future<Output = Result<T, DbErr>>,
    {
        if let Some((route, replica)) = self.reader(&statement).await {
            let within = route.read_timeout();
            match tokio::time::timeout(within, run(replica, statement.clone())).await {
                Ok(Ok(rows)) => return Ok(rows),
                Ok(Err(error)) => route.failed(&error),
                Err(_) => route.failed(&DbErr::Custom(format!(
                    "the replica did not answer within {} ms",
                    within.as_millis()
                ))),
            }
        }
        run(self.primary.clone(), statement).await
    }
}

/// A statement that only reads: `SELECT`, or a `WITH` whose parts all read. `FOR UPDATE`
/// and `FOR SHARE` lock rows on the primary.
fn is_plain_read(sql: &str) -> bool {
    let sql = sql.trim_start();
    let first = sql.split_ascii_whitespace().next().unwrap_or_default();
    let reads = first.eq_ignore_ascii_case("SELECT") || first.eq_ignore_ascii_case("WITH");
    reads
        && !sql.split_ascii_whitespace().any(|word| {
            let word = word.trim_start_matches('(');
            ["INSERT", "UPDATE", "DELETE", "REPLACE", "MERGE", "SHARE"]
                .iter()
                .any(|k| word.eq_ignore_ascii_case(k))
        })
}

impl std::ops::Deref for Db {
    type Target = DatabaseConnection;
    fn deref(&self) -> &DatabaseConnection {
        &self.primary
    }
}

impl FromRequestParts<AppState> for Db {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let route = state
            .services()
            .get::<ReadRouting>()
            .and_then(|routing| routing.0.route(parts));
        Ok(Db {
            primary: state.db().clone(),
            route,
        })
    }
}

#[async_trait]
impl ConnectionTrait for Db {
    fn get_database_backend(&self) -> DbBackend {
        self.primary.get_database_backend()
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        self.primary.execute_raw(stmt).await
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        self.primary.execute_unprepared(sql).await
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        self.read(stmt, |db, stmt| async move { db.query_one_raw(stmt).await })
            .await
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        self.read(stmt, |db, stmt| async move { db.query_all_raw(stmt).await })
            .await
    }

    fn support_returning(&self) -> bool {
        self.primary.support_returning()
    }
}

/// Transactions run on the primary.
#[async_trait]
impl TransactionTrait for Db {
    type Transaction = DatabaseTransaction;

    async fn begin(&self) -> Result<DatabaseTransaction, DbErr> {
        self.primary.begin().await
    }

    async fn begin_with_config(
        &self,
        isolation_level: Option<IsolationLevel>,
        access_mode: Option<AccessMode>,
    ) -> Result<DatabaseTransaction, DbErr> {
        self.primary
            .begin_with_config(isolation_level, access_mode)
            .await
    }

    async fn begin_with_options(
        &self,
        options: TransactionOptions,
    ) -> Result<DatabaseTransaction, DbErr> {
        self.primary.begin_with_options(options).await
    }

    async fn transaction<F, T, E>(&self, callback: F) -> Result<T, TransactionError<E>>
    where
        F: for<'c> FnOnce(
                &'c DatabaseTransaction,
            )
                -> std::pin::Pin<Box<dyn Future<Output = Result<T, E>> + Send + 'c>>
            + Send,
        T: Send,
        E: std::fmt::Display + std::fmt::Debug + Send,
    {
        self.primary.transaction(callback).await
    }

    async fn transaction_with_config<F, T, E>(
        &self,
        callback: F,
        isolation_level: Option<IsolationLevel>,
        access_mode: Option<AccessMode>,
    ) -> Result<T, TransactionError<E>>
    where
        F: for<'c> FnOnce(
                &'c DatabaseTransaction,
            )
                -> std::pin::Pin<Box<dyn Future<Output = Result<T, E>> + Send + 'c>>
            + Send,
        T: Send,
        E: std::fmt::Display + std::fmt::Debug + Send,
    {
        self.primary
            .transaction_with_config(callback, isolation_level, access_mode)
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::is_plain_read;

    #[test]
    fn only_plain_reads_may_leave_the_primary() {
        assert!(is_plain_read(
            r#"SELECT "id", "name" FROM "products" WHERE "id" = $1"#
        ));
        assert!(is_plain_read(
            "WITH hits AS (SELECT id FROM products) SELECT * FROM hits"
        ));
        assert!(!is_plain_read(
            r#"INSERT INTO "orders" ("user_id") VALUES ($1) RETURNING "id""#
        ));
        assert!(!is_plain_read(
            r#"UPDATE "products" SET "stock" = $1 RETURNING "id""#
        ));
        assert!(!is_plain_read(
            "SELECT `id` FROM `products` WHERE `id` = ? FOR UPDATE"
        ));
        assert!(!is_plain_read("SELECT id FROM products FOR SHARE"));
        assert!(!is_plain_read(
            "WITH moved AS (DELETE FROM t RETURNING *) SELECT * FROM moved"
        ));
        assert!(!is_plain_read("SET SESSION TRANSACTION READ ONLY"));
    }
}
