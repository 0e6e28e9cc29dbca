//! Whether a piece of work wrote to the database, and who hears about it: every statement
//! a pool made by [`crate::db::connect`] runs is shown to `observe`, which marks the
//! [`WriteLog`] of the task it runs in (set with [`WriteLog::scope`]). After a request, a
//! job or a management command that wrote, the [`WriteListeners`] an extra registered
//! (the shared cache) are told ([`announce_writes`], [`WriteAnnouncer`]): a refused or
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

use async_trait::async_trait;
use axum::response::Response;

use crate::install::{Installer, core_kind};
use crate::state::{AppState, Services};

/// Told after work that changed cached data committed (the cache extra's shared cache).
#[async_trait]
pub trait WriteListener: Send + Sync {
    /// Whether it needs telling at all (a cache shared by several processes does; an
    /// in-process one reads its own signal): when none does, work runs unobserved.
    fn listening(&self) -> bool;

    /// The work wrote; `false` when the news could not be delivered (a cache that is down).
    async fn wrote(&self) -> bool;
}

/// The listeners extras registered in their `configure`
/// (`services.get_or_insert_default::<WriteListeners>().0.push(…)`).
#[derive(Clone, Default)]
pub struct WriteListeners(pub Vec<Arc<dyn WriteListener>>);

impl WriteListeners {
    /// Tells every listener; `false` if one could not be told.
    pub async fn tell(&self) -> bool {
        let mut told = true;
        for listener in &self.0 {
            told &= listener.wrote().await;
        }
        told
    }
}

/// Tells the listeners of `services` that data changed (a management command that wrote,
/// a test that replaced the database); `false` if one could not be told.
pub async fn announce(services: &Services) -> bool {
    match services.get::<WriteListeners>() {
        Some(listeners) => listeners.tell().await,
        None => true,
    }
}

/// The installed apps' uncached tables ([`crate::Installer::uncached_tables`]), a service
/// of every project.
#[derive(Clone, Default)]
pub struct UncachedTables(pub Arc<[String]>);

/// Runs work (a request, a job) and tells the listeners if it wrote.
#[derive(Clone)]
pub struct WriteAnnouncer {
    listeners: WriteListeners,
    uncached: Arc<[String]>,
}

impl WriteAnnouncer {
    pub fn new(state: &AppState) -> WriteAnnouncer {
        let services = state.services();
        WriteAnnouncer {
            listeners: services
                .get::<WriteListeners>()
                .cloned()
                .unwrap_or_default(),
            uncached: services
                .get::<UncachedTables>()
                .cloned()
                .unwrap_or_default()
                .0,
        }
    }

    /// Runs `work` and announces its writes, if it made any, before returning. Cancelled
    /// after a write, it still announces, in the background.
    pub async fn around<F: Future>(&self, work: F) -> F::Output {
        if !self.listeners.0.iter().any(|l| l.listening()) {
            return work.await;
        }
        let log = WriteLog::new(self.uncached.clone());
        let mut pending = PendingAnnouncement(Some((self.listeners.clone(), log.clone())));
        let output = log.scope(work).await;
        pending.0 = None;
        if log.wrote() {
            self.listeners.tell().await;
        }
        output
    }
}

/// Middleware: after a request that wrote (a statement that changes cached data ran),
/// tells the listeners, before the answer leaves. A request refused before doing anything
/// (404, 405, 401, a failed CSRF check) or one that only read announces nothing, whatever
/// its method. A request cancelled after its commit (a client gone, a timeout) still
/// announces.
pub async fn announce_writes(
    axum::extract::State(announcer): axum::extract::State<WriteAnnouncer>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    announcer.around(next.run(request)).await
}

/// Announces in the background if the work is dropped before it could (and wrote).
struct PendingAnnouncement(Option<(WriteListeners, Arc<WriteLog>)>);

impl Drop for PendingAnnouncement {
    fn drop(&mut self) {
        if let Some((listeners, log)) = self.0.take()
            && log.wrote()
            && let Ok(runtime) = tokio::runtime::Handle::try_current()
        {
            runtime.spawn(async move { listeners.tell().await });
        }
    }
}

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

/// Whether the work running now (a request, a job) has written data a cached answer reads;
/// `false` when nothing observes it (no listener listens).
pub fn current_wrote() -> bool {
    CURRENT.try_with(|log| log.wrote()).unwrap_or(false)
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
        | "SAVEPOINT" | "RELEASE" | "SET" | "NOTIFY" | "LISTEN" => return false,
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

/// An app's tables no cached answer reads.
#[derive(Clone, Copy)]
pub struct Uncached(pub &'static [&'static str]);
core_kind!(Uncached, "uncached tables");

impl Installer<'_> {
    /// Tables of the app that no cached answer reads (sessions, throttles, queues): writing
    /// them does not count as a change of data, so an anonymous request that only touches
    /// them can't empty every process's cache.
    pub fn uncached_tables(&mut self, tables: &'static [&'static str]) -> &mut Self {
        self.add(Uncached(tables))
    }
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
