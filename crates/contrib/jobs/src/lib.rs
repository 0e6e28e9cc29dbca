//! Background jobs: a task queue in the project's own database (the framework's `jobs`
//! app), with the well-known design of Oban, GoodJob and django-tasks' database backend.
//!
//! - An app declares its tasks ([`Task`], declared in its `install` with [`InstallJobs`]).
//! - [`enqueue`] inserts a job **on the caller's connection or transaction**, so a change
//!   that rolls back enqueues nothing and one that commits always has its job (the
//!   transactional outbox; Django's `transaction.on_commit`).
//! - Workers ([`Worker`], `project worker`) claim due jobs with
//!   `SELECT … FOR UPDATE SKIP LOCKED` on MariaDB ≥ 10.6 and PostgreSQL (SQLite has one
//!   writer, so its claims are serialised), run them, and mark them done. A claim is a
//!   lease of `jobs.lease_seconds`, renewed while the job runs: a worker that dies leaves
//!   its job to be claimed again when the lease runs out.
//! - Periodic tasks ([`Periodic`], declared with [`InstallJobs::periodic`]) are enqueued by
//!   the workers once per interval: each occurrence has a unique key, so with several
//!   workers one job per occurrence exists.
//! - A failed run is retried after `jobs.backoff_base_seconds × 2^(attempt-1)` (± 25 %
//!   jitter) until the task's (or `jobs.max_attempts`) attempts are spent; then the job
//!   stays `failed` with its last error, until `project jobs retry ID`.
//!
//! No queue library is used: apalis (the maintained Rust queue with SQL storages) has
//! its MySQL storage only as a release candidate on sqlx 0.8 (sea-orm uses 0.9: two
//! drivers, two pools), none of its storages can insert a job inside a sea-orm
//! transaction (their sinks take a raw sqlx executor, which sea-orm's transaction does not
//! expose), and its tables are created by sqlx's migrator, outside the project's
//! migrations.
//!
//! ```text
//! pub struct SendReceipt;
//! impl Task for SendReceipt {
//!     const NAME: &'static str = "payments.send_receipt";
//!     type Payload = ReceiptPayload;
//!     async fn run(state: &AppState, payload: ReceiptPayload) -> anyhow::Result<()> { … }
//! }
//! // in a write transaction, with the change that causes it:
//! web_jobs::enqueue::<SendReceipt, _>(txn, &ReceiptPayload { order_id }).await?;
//! ```

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use serde::Serialize;
use serde::de::DeserializeOwned;

use web::state::AppState;

mod admin;
mod app;
pub mod entity;
/// The app's migrations (its own group, which the project's `migration` crate lists).
pub mod migrations;
mod queue;
mod settings;
mod wakeups;
mod worker;

pub use admin::JobAdmin;
pub use app::{Jobs, JobsCommand, WorkerCommand};
pub use entity::{Job, JobStatus};
pub use queue::{enqueue, enqueue_at, list, retry, schedule};
pub use settings::JobsSettings;
pub use worker::Worker;

/// A kind of background work an app declares.
pub trait Task: Send + Sync + 'static {
    /// Unique among the installed apps: `APP.what` (`accounts.send_password_reset`).
    const NAME: &'static str;
    /// The queue its jobs go to (`project worker --queues` picks queues).
    const QUEUE: &'static str = "default";
    /// How many runs before the job stays `failed`; `None`: `jobs.max_attempts`.
    const MAX_ATTEMPTS: Option<u32> = None;
    /// What a job carries, stored as JSON.
    type Payload: Serialize + DeserializeOwned + Send + 'static;

    /// Runs one job. An error (or a panic) is a failed attempt, retried with backoff.
    fn run(
        state: &AppState,
        payload: Self::Payload,
    ) -> impl Future<Output = anyhow::Result<()>> + Send;
}

type Run = dyn Fn(AppState, serde_json::Value) -> Pin<Box<dyn Future<Output = anyhow::Result<()>> + Send>>
    + Send
    + Sync;

/// A task as the worker knows it: its name, queue, attempts and how to run a payload.
#[derive(Clone)]
pub struct TaskEntry {
    pub name: &'static str,
    pub queue: &'static str,
    pub max_attempts: Option<u32>,
    run: Arc<Run>,
}

impl TaskEntry {
    /// The entry of task `T` (apps declare tasks with [`InstallJobs::task`]).
    pub fn of<T: Task>() -> TaskEntry {
        TaskEntry {
            name: T::NAME,
            queue: T::QUEUE,
            max_attempts: T::MAX_ATTEMPTS,
            run: Arc::new(|state, payload| {
                Box::pin(async move {
                    let payload: T::Payload = serde_json::from_value(payload).map_err(|e| {
                        anyhow::anyhow!("the payload does not fit {}: {e}", T::NAME)
                    })?;
                    T::run(&state, payload).await
                })
            }),
        }
    }
}

impl std::fmt::Debug for TaskEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TaskEntry")
            .field("name", &self.name)
            .field("queue", &self.queue)
            .finish()
    }
}

/// A task run on a schedule: every `every`, counted from the Unix epoch (so every process
/// agrees on the occurrences: `every` = 1 minute runs at each minute's start).
#[derive(Clone, Debug)]
pub struct Periodic {
    pub task: TaskEntry,
    pub every: std::time::Duration,
}

impl Periodic {
    /// Task `T` (whose payload is `()`) every `every` (at least a second).
    pub fn every<T: Task<Payload = ()>>(every: std::time::Duration) -> Periodic {
        Periodic {
            task: TaskEntry::of::<T>(),
            every: every.max(std::time::Duration::from_secs(1)),
        }
    }

    /// The start (Unix seconds) of the occurrence `now` falls in.
    pub fn occurrence(&self, now: time::OffsetDateTime) -> i64 {
        let every = i64::try_from(self.every.as_secs())
            .unwrap_or(i64::MAX)
            .clamp(1, i64::MAX);
        now.unix_timestamp().div_euclid(every) * every
    }
}

impl web::install::Contribution for TaskEntry {
    const READER: Option<&'static str> = Some("jobs");
    const WHAT: &'static str = "background tasks";
}

impl web::install::Contribution for Periodic {
    const READER: Option<&'static str> = Some("jobs");
    const WHAT: &'static str = "periodic tasks";
}

/// How an app declares its background tasks (read by the `jobs` app).
pub trait InstallJobs {
    /// Declares task `T`, so workers can run it.
    fn task<T: Task>(&mut self) -> &mut Self;
    /// Declares task `T` (whose payload is `()`), run every `every`: the workers enqueue
    /// each occurrence once.
    fn periodic<T: Task<Payload = ()>>(&mut self, every: std::time::Duration) -> &mut Self;
}

impl InstallJobs for web::install::Installer<'_> {
    fn task<T: Task>(&mut self) -> &mut Self {
        self.add(TaskEntry::of::<T>())
    }
    fn periodic<T: Task<Payload = ()>>(&mut self, every: std::time::Duration) -> &mut Self {
        self.add(Periodic::every::<T>(every))
    }
}

/// The periodic tasks of the installed apps (a service the `jobs` app registers).
#[derive(Clone, Debug, Default)]
pub struct Schedule(pub Arc<Vec<Periodic>>);

/// Every task of the installed apps (a service the `jobs` app registers).
#[derive(Clone, Debug, Default)]
pub struct TaskRegistry(pub Arc<Vec<TaskEntry>>);

impl TaskRegistry {
    pub fn find(&self, name: &str) -> Option<&TaskEntry> {
        self.0.iter().find(|t| t.name == name)
    }
}
