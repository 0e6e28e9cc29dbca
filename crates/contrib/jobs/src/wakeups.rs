//! How an idle worker learns that a job was queued without asking the database every
//! moment: it looks at most once per poll interval (10 s by default) and is woken sooner:
//!
//! - in its own process, when a request (or a job) that queued a job has finished, so its
//!   transaction has committed: [`around_work`] notes the enqueues of the work it wraps;
//! - on PostgreSQL, by `NOTIFY web_jobs`, which [`enqueue`](crate::enqueue) sends in the
//!   job's own transaction (PostgreSQL delivers it at commit, never on rollback), from
//!   any process: every worker keeps a `LISTEN` connection of its own ([`listen`]).
//!
//! A job queued by another process on MariaDB/MySQL or SQLite waits for the next look.

use std::cell::Cell;
use std::future::Future;
use std::sync::LazyLock;
use std::time::Duration;

use sea_orm::{ConnectionTrait, DbBackend, DbErr};
use tokio::sync::Notify;

/// The PostgreSQL channel workers listen on.
const CHANNEL: &str = "web_jobs";

/// How long to wait before connecting the listener again after it failed.
const RECONNECT_AFTER: Duration = Duration::from_secs(1);

/// Bounds connecting the listener (a PostgreSQL that accepts but never answers).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Wakes this process's waiting workers.
static WAKE: LazyLock<Notify> = LazyLock::new(Notify::new);

tokio::task_local! {
    /// Whether the work running now queued a job.
    static ENQUEUED: Cell<bool>;
}

/// A wake-up a worker can wait for: made before the worker looks at the queue, so that one
/// sent while it looks is not missed.
pub(crate) fn next_wakeup() -> std::pin::Pin<Box<tokio::sync::futures::Notified<'static>>> {
    let mut notified = Box::pin(WAKE.notified());
    notified.as_mut().enable();
    notified
}

fn wake_workers() {
    WAKE.notify_waiters();
}

/// Called by `enqueue` on the job's connection. On PostgreSQL a `NOTIFY` in the same
/// transaction (this process's workers listen too). Elsewhere, in a request or job that
/// [`around_work`] wraps, a note to wake this process's workers when it ends; outside one
/// (a test, a command) they are woken now, and a job whose transaction is still open then
/// waits for the next look.
pub(crate) async fn job_queued<C: ConnectionTrait>(db: &C) -> Result<(), DbErr> {
    if db.get_database_backend() == DbBackend::Postgres {
        db.execute_unprepared(&format!("NOTIFY {CHANNEL}")).await?;
    } else if ENQUEUED.try_with(|queued| queued.set(true)).is_err() {
        wake_workers();
    }
    Ok(())
}

/// Runs `work` (a request, a job) and wakes this process's workers after it if it queued
/// a job: by then its transaction has committed or rolled back.
pub(crate) async fn around_work<F: Future>(work: F) -> F::Output {
    let (output, queued) = ENQUEUED
        .scope(Cell::new(false), async {
            let output = work.await;
            (output, ENQUEUED.with(Cell::get))
        })
        .await;
    if queued {
        wake_workers();
    }
    output
}

/// On PostgreSQL, a task that keeps a `LISTEN web_jobs` connection of its own (not one of
/// the pool's) and wakes this process's workers on each notification; it reconnects after
/// a failure, and wakes them then too (a notification may have been lost). Stops when the
/// returned guard is dropped.
pub(crate) fn listen(backend: DbBackend, url: &str) -> Option<ListenGuard> {
    if backend != DbBackend::Postgres {
        return None;
    }
    let url = url.to_string();
    Some(ListenGuard(tokio::spawn(async move {
        loop {
            if let Err(error) = listen_once(&url).await {
                tracing::debug!(%error, "jobs: the LISTEN connection failed; connecting again");
            }
            wake_workers();
            tokio::time::sleep(RECONNECT_AFTER).await;
        }
    })))
}

/// Listens until the connection fails.
async fn listen_once(url: &str) -> Result<(), String> {
    use sea_orm::sqlx::postgres::PgListener;
    let connect = async {
        let mut listener = PgListener::connect(url).await?;
        listener.listen(CHANNEL).await?;
        Ok::<_, sea_orm::sqlx::Error>(listener)
    };
    let mut listener = tokio::time::timeout(CONNECT_TIMEOUT, connect)
        .await
        .map_err(|_| "no answer".to_string())?
        .map_err(|e| e.to_string())?;
    while listener
        .try_recv()
        .await
        .map_err(|e| e.to_string())?
        .is_some()
    {
        wake_workers();
    }
    Err("the connection was lost".to_string())
}

/// Stops the listener task when dropped.
pub(crate) struct ListenGuard(tokio::task::JoinHandle<()>);

impl Drop for ListenGuard {
    fn drop(&mut self) {
        self.0.abort();
    }
}
