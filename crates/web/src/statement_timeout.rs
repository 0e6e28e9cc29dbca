//! `database.statement_timeout_ms`: a statement running longer is cancelled by the
//! database itself, and its request answers `503 timeout` (contract v3) with nothing
//! changed (the transaction it was in rolls back).
//!
//! - PostgreSQL: the `statement_timeout` of every connection (SQLSTATE 57014).
//! - MariaDB: `max_statement_time` (error 1969); MySQL: `max_execution_time`, which
//!   bounds `SELECT`s only (error 3024).
//! - SQLite: a progress handler interrupts a statement that has been running longer
//!   (`SQLITE_INTERRUPT`). It tells one run of a statement from the next by the prepared
//!   statement and its run count (`SQLITE_STMTSTATUS_RUN`), so back-to-back statements on
//!   a busy connection never add up.
//!
//! `serve` applies it; management commands (migrations, seeding, `dumpdata`) run without.

use std::time::{Duration, Instant};

use rusqlite::ffi;
use sea_orm::{ConnectOptions, sqlx};

use crate::settings::Backend;

/// Sets the statement timeout of every connection `options` opens.
pub(crate) fn apply(options: &mut ConnectOptions, backend: Backend, timeout: Duration) {
    let ms = timeout.as_millis().max(1) as u64;
    match backend {
        Backend::Postgres => {
            options.map_sqlx_postgres_opts(move |opts| {
                opts.options([("statement_timeout", ms.to_string())])
            });
        }
        Backend::MySql => {
            options.map_sqlx_mysql_pool_opts(move |pool| {
                pool.after_connect(move |conn, _| {
                    Box::pin(async move {
                        use sqlx::Executor;
                        // MariaDB's, in seconds; else MySQL's, in milliseconds.
                        let mariadb =
                            format!("SET SESSION max_statement_time = {}", ms as f64 / 1000.0);
                        if conn.execute(sqlx::AssertSqlSafe(mariadb)).await.is_err() {
                            let mysql = format!("SET SESSION max_execution_time = {ms}");
                            conn.execute(sqlx::AssertSqlSafe(mysql)).await?;
                        }
                        Ok(())
                    })
                })
            });
        }
        Backend::Sqlite => {
            options.map_sqlx_sqlite_pool_opts(move |pool| {
                pool.after_connect(move |conn, _| {
                    Box::pin(async move {
                        let mut handle = conn.lock_handle().await?;
                        let mut watch =
                            RunWatch::new(handle.as_raw_handle(), Duration::from_millis(ms));
                        handle.set_progress_handler(PROGRESS_OPS, move || watch.check());
                        Ok(())
                    })
                })
            });
        }
    }
}

/// Virtual-machine instructions between two progress checks (microseconds of work).
const PROGRESS_OPS: i32 = 10_000;

/// Which statement run is in progress on one SQLite connection, and since when.
struct RunWatch {
    db: RawDb,
    limit: Duration,
    current: Option<(usize, i32, Instant)>,
}

/// The connection's handle, used only from its progress handler, which SQLite calls on
/// the thread running a statement of that same connection.
struct RawDb(std::ptr::NonNull<ffi::sqlite3>);

// SAFETY: the pointer is only dereferenced (by SQLite's functions) inside the connection's
// progress handler, which runs on whichever thread is stepping that connection, and while
// the connection is open (the handler is dropped with it).
unsafe impl Send for RawDb {}

impl RunWatch {
    fn new(db: std::ptr::NonNull<ffi::sqlite3>, limit: Duration) -> RunWatch {
        RunWatch {
            db: RawDb(db),
            limit,
            current: None,
        }
    }

    /// `true` to go on; `false` interrupts the statement.
    fn check(&mut self) -> bool {
        let Some(run) = self.running() else {
            return true;
        };
        let now = Instant::now();
        match self.current {
            Some((stmt, count, since)) if (stmt, count) == run => {
                now.duration_since(since) < self.limit
            }
            _ => {
                self.current = Some((run.0, run.1, now));
                true
            }
        }
    }

    /// The statement being stepped and its run count.
    fn running(&self) -> Option<(usize, i32)> {
        use ffi::{
            SQLITE_STMTSTATUS_RUN, sqlite3_next_stmt, sqlite3_stmt_busy, sqlite3_stmt_status,
        };
        let db = self.db.0.as_ptr();
        // SAFETY: `db` is this connection's open handle (see `RawDb`); the statements are
        // the connection's own, only read here.
        unsafe {
            let mut stmt = sqlite3_next_stmt(db, std::ptr::null_mut());
            while !stmt.is_null() {
                if sqlite3_stmt_busy(stmt) != 0 {
                    let runs = sqlite3_stmt_status(stmt, SQLITE_STMTSTATUS_RUN, 0);
                    return Some((stmt as usize, runs));
                }
                stmt = sqlite3_next_stmt(db, stmt);
            }
        }
        None
    }
}
