//! A worker: claims due jobs, runs up to `concurrency` at once, renews their leases while
//! they run, and on shutdown claims no more and finishes the jobs in hand.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::time::Duration as StdDuration;

use futures::FutureExt;
use tokio::task::JoinSet;

use std::collections::HashMap;

use super::entity::{Job, JobStatus};
use super::{JobsSettings, Schedule, TaskRegistry, queue};
use web::state::AppState;

/// The longest an idle worker goes without looking at the queue (see [`super::wakeups`]
/// for what wakes it sooner). A look is one statement.
const POLL: StdDuration = StdDuration::from_secs(10);

/// Runs the jobs of some queues (every queue by default).
#[derive(Clone)]
pub struct Worker {
    state: AppState,
    tasks: TaskRegistry,
    settings: JobsSettings,
    schedule: Schedule,
    /// `None`: every queue.
    queues: Option<Vec<String>>,
    concurrency: usize,
    poll: StdDuration,
    id: String,
}

impl Worker {
    /// A worker of `state`'s project: its tasks and `jobs` settings; one job at a time.
    pub fn new(state: &AppState) -> Result<Worker, web::Error> {
        Ok(Worker {
            state: state.clone(),
            settings: state.service()?,
            tasks: state.service()?,
            schedule: state.service().unwrap_or_default(),
            queues: None,
            concurrency: 1,
            poll: POLL,
            id: format!("{}-{:08x}", std::process::id(), rand::random::<u32>()),
        })
    }

    /// Only these queues.
    pub fn queues(mut self, queues: Vec<String>) -> Worker {
        self.queues = Some(queues);
        self
    }

    /// Up to `n` jobs at once (at least 1).
    pub fn concurrency(mut self, n: usize) -> Worker {
        self.concurrency = n.max(1);
        self
    }

    /// The longest an idle worker waits between looks at the queue (10 s by default);
    /// it is woken sooner when a job is queued in its process, or on PostgreSQL anywhere.
    pub fn poll_interval(mut self, poll: StdDuration) -> Worker {
        self.poll = poll;
        self
    }

    /// This worker's name in the jobs it claims (`locked_by`).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The queues it runs, for people: `all`, or their names.
    pub fn queue_names(&self) -> String {
        match &self.queues {
            None => "all".to_string(),
            Some(queues) => queues.join(", "),
        }
    }

    /// Whether any installed app declares a task (else an in-server worker is idle).
    pub fn has_tasks(&self) -> bool {
        !self.tasks.0.is_empty()
    }

    fn lease(&self) -> time::Duration {
        time::Duration::seconds(self.settings.lease_seconds.min(i64::MAX as u64) as i64)
    }

    /// Runs jobs until `shutdown` resolves, then finishes the jobs in hand and returns.
    ///
    /// Idle, it waits until the first waiting job is due, the next periodic occurrence, a
    /// wake-up or the poll interval, whichever comes first; then it looks with one
    /// statement (when is the first job due?) and claims only if one is due.
    pub async fn run(self, shutdown: impl Future<Output = ()>) {
        let mut running: JoinSet<()> = JoinSet::new();
        let mut scheduled = HashMap::new();
        let _listening = super::wakeups::listen(
            self.state.db().get_database_backend(),
            self.state.settings().database.url.expose(),
        );
        tokio::pin!(shutdown);
        let mut claim_now = true;
        loop {
            let mut woken = super::wakeups::next_wakeup();
            claim_now |= self.schedule_periodic(&mut scheduled).await;
            let free = self.concurrency.saturating_sub(running.len());
            if free > 0 && claim_now {
                match self.claim(free).await {
                    Ok(jobs) if !jobs.is_empty() => {
                        for job in jobs {
                            let worker = self.clone();
                            running.spawn(async move { worker.execute(job).await });
                        }
                        continue;
                    }
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "jobs: could not claim jobs"),
                }
            }
            // Full: wait for a job to end, or shutdown.
            if running.len() >= self.concurrency {
                tokio::select! {
                    _ = &mut shutdown => break,
                    Some(_) = running.join_next() => {}
                }
                claim_now = true;
                continue;
            }
            // Nothing was due when it claimed (or it had not looked): when is the next?
            let wait = self.until_next_look(claim_now).await;
            if wait.is_zero() {
                claim_now = true;
                continue;
            }
            tokio::select! {
                _ = &mut shutdown => break,
                Some(_) = running.join_next(), if !running.is_empty() => claim_now = true,
                _ = &mut woken => claim_now = true,
                // Waited until a job or an occurrence is due: claim; a whole poll
                // interval: look first.
                _ = tokio::time::sleep(wait) => claim_now = wait < self.poll,
            }
        }
        if !running.is_empty() {
            tracing::info!(jobs = running.len(), "jobs: finishing the jobs in hand");
        }
        while running.join_next().await.is_some() {}
    }

    async fn claim(&self, limit: usize) -> Result<Vec<Job>, sea_orm::DbErr> {
        queue::claim(
            self.state.db(),
            &self.id,
            self.queues.as_deref(),
            limit as u64,
            self.lease(),
        )
        .await
    }

    /// How long to wait before the next look: until the first waiting job is due or the
    /// next periodic occurrence starts, at most the poll interval; zero when a job is due
    /// now. `claimed_nothing`: a claim just found nothing due, so a job due now is one
    /// that became due since, or one another worker holds.
    async fn until_next_look(&self, claimed_nothing: bool) -> StdDuration {
        let now = web::db::now();
        let mut wait = self.poll;
        for periodic in self.schedule.0.iter() {
            let next = periodic.occurrence(now) + periodic.every.as_secs().max(1) as i64;
            let until = time::OffsetDateTime::from_unix_timestamp(next).unwrap_or(now) - now;
            wait = wait.min(until.try_into().unwrap_or_default());
        }
        match queue::next_due(self.state.db(), self.queues.as_deref()).await {
            Ok(Some(due)) if due <= now => {
                // Claimed a moment ago and nothing was due: the waiting job is locked by
                // another worker's claim; look again shortly instead of spinning.
                if claimed_nothing {
                    wait.min(StdDuration::from_millis(100).max(self.poll / 100))
                } else {
                    StdDuration::ZERO
                }
            }
            Ok(Some(due)) => wait.min((due - now).try_into().unwrap_or_default()),
            Ok(None) => wait,
            Err(e) => {
                tracing::warn!(error = %e, "jobs: could not look at the queue");
                wait
            }
        }
    }

    /// Enqueues the current occurrence of every periodic task whose occurrence changed
    /// since this worker last did (`scheduled`: task → occurrence start, Unix seconds).
    /// Another worker may have enqueued it first; the unique key keeps it one job.
    /// Returns whether an occurrence began since (its job is due).
    pub async fn schedule_periodic(&self, scheduled: &mut HashMap<&'static str, i64>) -> bool {
        let now = web::db::now();
        let mut queued = false;
        for periodic in self.schedule.0.iter() {
            let slot = periodic.occurrence(now);
            if scheduled.get(periodic.task.name) == Some(&slot) {
                continue;
            }
            match queue::schedule(self.state.db(), periodic, now).await {
                // Queued here or by another worker: due now either way.
                Ok(_) => {
                    queued = true;
                    scheduled.insert(periodic.task.name, slot);
                }
                Err(e) => {
                    tracing::warn!(task = periodic.task.name, error = %e, "jobs: could not schedule")
                }
            }
        }
        queued
    }

    /// Runs every job due now, one after another, until none is left; returns how many
    /// ran (tests, and `project jobs run`).
    pub async fn run_due(&self) -> Result<usize, sea_orm::DbErr> {
        let mut ran = 0;
        loop {
            let jobs = self.claim(1).await?;
            let Some(job) = jobs.into_iter().next() else {
                return Ok(ran);
            };
            self.execute(job).await;
            ran += 1;
        }
    }

    /// Runs one claimed job, renewing its lease meanwhile, and records the outcome.
    async fn execute(&self, job: Job) {
        let Some(task) = self.tasks.find(&job.task).cloned() else {
            let error = format!("no installed app declares the task `{}`", job.task);
            self.record(&job, Err((error, false))).await;
            return;
        };
        let payload = match serde_json::from_str(&job.payload) {
            Ok(payload) => payload,
            Err(e) => {
                self.record(&job, Err((format!("the payload is not JSON: {e}"), false)))
                    .await;
                return;
            }
        };
        // A job that wrote tells the shared cache, as a request does.
        let announcer = web::writes::WriteAnnouncer::new(&self.state);
        // A job that queued another wakes the workers when it ends.
        let run = super::wakeups::around_work(
            announcer
                .around(AssertUnwindSafe((task.run)(self.state.clone(), payload)).catch_unwind()),
        );
        let renewing = self.renew_while_running(job.id);
        let outcome = tokio::select! {
            outcome = run => outcome,
            _ = renewing => return,
        };
        let outcome = match outcome {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err((format!("{e:#}"), true)),
            Err(panic) => {
                let message = panic
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "the task panicked".to_string());
                Err((format!("panicked: {message}"), true))
            }
        };
        self.record(&job, outcome).await;
    }

    /// Renews the lease every third of it; resolves only if the lease was lost (another
    /// worker took the job over), which abandons this run.
    async fn renew_while_running(&self, id: i64) {
        let every = StdDuration::from_secs(self.settings.lease_seconds.max(3) / 3);
        loop {
            tokio::time::sleep(every).await;
            match queue::renew(self.state.db(), id, &self.id, self.lease()).await {
                Ok(true) => {}
                Ok(false) => {
                    tracing::warn!(
                        job = id,
                        "jobs: the lease was lost; another worker runs the job"
                    );
                    return;
                }
                Err(e) => tracing::warn!(job = id, error = %e, "jobs: could not renew a lease"),
            }
        }
    }

    /// Writes a run's outcome: done, or failed (`retry`: while attempts remain).
    async fn record(&self, job: &Job, outcome: Result<(), (String, bool)>) {
        let db = self.state.db();
        let written = match &outcome {
            Ok(()) => queue::finish(db, job.id, &self.id)
                .await
                .map(|held| held.then_some(JobStatus::Done)),
            Err((error, retry)) => {
                queue::fail(db, job, &self.id, error, *retry, &self.settings).await
            }
        };
        if let Ok(Some(status)) = &written {
            let outcome = match status {
                JobStatus::Done => "done",
                JobStatus::Queued => "retry",
                _ => "failed",
            };
            metrics::counter!("jobs_finished_total", "task" => job.task.clone(), "outcome" => outcome)
                .increment(1);
        }
        match (written, outcome) {
            (Ok(Some(JobStatus::Done)), _) => {
                tracing::info!(job = job.id, task = %job.task, attempt = job.attempts, "jobs: done")
            }
            (Ok(Some(status)), Err((error, _))) => tracing::warn!(
                job = job.id, task = %job.task, attempt = job.attempts, %error,
                "jobs: failed, now {}", status.as_str()
            ),
            (Ok(_), _) => tracing::warn!(
                job = job.id,
                "jobs: the lease was lost before the outcome was written"
            ),
            (Err(e), _) => {
                tracing::error!(job = job.id, error = %e, "jobs: could not record the outcome")
            }
        }
    }
}
