//! Whether a piece of work wrote to the database: every statement a pool made by
//! [`crate::db::connect`] runs is shown to [`observe`], which marks the [`WriteLog`] of the
//! task it runs in (set with [`WriteLog::scope`]). The shared cache announces a request's
//! writes only when it made some (see `crate::cache::announce_writes`): a refused or
//! read-only request, whatever its method, leaves every process's cached answers alone.
//!
//! What counts is conservative: any statement that is not a read or transaction control
//! counts as a write, unless it only inserts into, updates or deletes from a table no
//! cached answer reads (uncached tables ([`crate::Installer::uncached_tables`]): sessions, login throttles, the
//! job queue). A write in a transaction that rolls back counts too: an announcement too
//! many costs a cache miss, one too few an old answer.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

tokio::task_local! {
    static CURRENT: Arc<WriteLog>;
}

/// The writes of one piece of work (a request, a job).
#[derive(Debug)]
pub struct WriteLog {
    wrote: AtomicBool,
    uncached: Arc<[String]>,
}

impl WriteLog {
    /// A log that ignores writes to the `uncached` tables.
    pub fn new(uncached: Arc<[String]>) -> Arc<WriteLog> {
        Arc::new(WriteLog {
            wrote: AtomicBool::new(false),
            uncached,
        })
    }

    /// Runs `work` with this log watching its statements (not those of tasks it spawns).
    pub fn scope<F: Future>(self: &Arc<Self>, work: F) -> impl Future<Output = F::Output> {
        CURRENT.scope(self.clone(), work)
    }

    /// Whether a statement that changes cached data ran.
    pub fn wrote(&self) -> bool {
        self.wrote.load(Ordering::Acquire)
    }

    fn see(&self, sql: &str) {
        if !self.wrote() && changes_cached_data(sql, &self.uncached) {
            self.wrote.store(true, Ordering::Release);
        }
    }
}

/// The pool's statement callback.
pub(crate) fn observe(info: &sea_orm::metric::Info<'_>) {
    if info.failed {
        return;
    }
    let _ = CURRENT.try_with(|log| log.see(&info.statement.sql));
}

/// Whether `sql` may change data a cached answer reads.
fn changes_cached_data(sql: &str, uncached: &[String]) -> bool {
    let mut words = sql.split_ascii_whitespace();
    let Some(first) = words.next() else {
        return false;
    };
    let keyword = first.to_ascii_uppercase();
    let table = match keyword.as_str() {
        "SELECT" | "SHOW" | "PRAGMA" | "EXPLAIN" | "BEGIN" | "START" | "COMMIT" | "ROLLBACK"
        | "SAVEPOINT" | "RELEASE" | "SET" => return false,
        // INSERT [IGNORE] INTO t, REPLACE INTO t, DELETE FROM t: the word after INTO/FROM.
        "INSERT" | "REPLACE" | "DELETE" => words
            .skip_while(|w| !w.eq_ignore_ascii_case("INTO") && !w.eq_ignore_ascii_case("FROM"))
            .nth(1),
        "UPDATE" => words.next(),
        // A common table expression reads unless one of its parts writes (values are
        // bound parameters, so no client text is in `sql`).
        "WITH" => {
            return words.any(|w| {
                let w = w.trim_start_matches('(');
                ["INSERT", "UPDATE", "DELETE", "REPLACE", "MERGE"]
                    .iter()
                    .any(|k| w.eq_ignore_ascii_case(k))
            });
        }
        _ => return true,
    };
    let Some(table) = table else { return true };
    let table = table
        .split('(')
        .next()
        .unwrap_or_default()
        .trim_matches(|c| c == '"' || c == '`');
    !uncached.iter().any(|t| t == table)
}

#[cfg(test)]
mod tests {
    use super::changes_cached_data;

    #[test]
    fn reads_and_uncached_tables_are_not_writes() {
        let uncached = ["sessions".to_string(), "jobs".to_string()];
        let write = |sql: &str| changes_cached_data(sql, &uncached);
        assert!(!write(
            r#"SELECT "id" FROM "products" WHERE "id" = $1 FOR UPDATE"#
        ));
        assert!(!write("BEGIN IMMEDIATE"));
        assert!(!write("SET LOCAL statement_timeout = 5000"));
        assert!(!write(
            r#"INSERT INTO "sessions" ("id", "data") VALUES ($1, $2)"#
        ));
        assert!(!write("INSERT IGNORE INTO `sessions` (`id`) VALUES (?)"));
        assert!(!write(r#"UPDATE "jobs" SET "status" = $1"#));
        assert!(!write(r#"DELETE FROM "sessions" WHERE "id" = $1"#));
        assert!(write(r#"UPDATE "products" SET "stock" = "stock" - $1"#));
        assert!(write(
            r#"INSERT INTO "orders"("user_id") VALUES ($1) RETURNING "id""#
        ));
        assert!(write("DELETE FROM `auth_tokens` WHERE `id` = ?"));
        assert!(write("REPLACE INTO t (a) VALUES (1)"));
        assert!(write("CREATE TABLE x (a int)"));
        assert!(!write(
            r#"WITH hits AS MATERIALIZED (SELECT "id" FROM "products" WHERE "name" LIKE $1) SELECT * FROM hits"#
        ));
        assert!(write(
            "with moved as (delete from t returning *) insert into u select * from moved"
        ));
    }
}
