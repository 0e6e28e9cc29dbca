//! The queue's statements: enqueue, claim (a lease), renew, finish, fail with backoff,
//! list, retry and delete old jobs.

use rand::Rng;
use sea_orm::sea_query::{Expr, ExprTrait, LockBehavior, LockType};
use sea_orm::{
    ActiveModelTrait, ActiveValue::NotSet, ColumnTrait, Condition, ConnectionTrait,
    DatabaseConnection, DbBackend, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    Select, Set,
};
use time::{Duration, OffsetDateTime};

use super::entity::{ActiveModel, Column, Entity, Job, JobStatus};
use super::{JobsSettings, Task};
use web::db::{now, write_transaction_as};

/// Enqueues a job of task `T`, due now, on `db`: pass the transaction of the change that
/// causes it, so the job exists exactly when the change does. Returns the job's id.
pub async fn enqueue<T: Task, C: ConnectionTrait>(
    db: &C,
    payload: &T::Payload,
) -> Result<i64, DbErr> {
    enqueue_at::<T, C>(db, payload, now()).await
}

/// [`enqueue`], due at `run_at` (a delay).
pub async fn enqueue_at<T: Task, C: ConnectionTrait>(
    db: &C,
    payload: &T::Payload,
    run_at: OffsetDateTime,
) -> Result<i64, DbErr> {
    let payload = serde_json::to_string(payload).map_err(|e| DbErr::Json(e.to_string()))?;
    // Inserted without reading the row back (MySQL would need a second statement).
    let job = new_job((T::NAME, T::QUEUE, T::MAX_ATTEMPTS), payload, run_at, None);
    let id = Entity::insert(job).exec(db).await?.last_insert_id;
    super::wakeups::job_queued(db).await?;
    Ok(id)
}

/// A new queued job of the task `(name, queue, max_attempts)`.
fn new_job(
    (name, queue, max_attempts): (&str, &str, Option<u32>),
    payload: String,
    run_at: OffsetDateTime,
    unique_key: Option<String>,
) -> ActiveModel {
    ActiveModel {
        id: NotSet,
        queue: Set(queue.to_string()),
        task: Set(name.to_string()),
        payload: Set(payload),
        status: Set(JobStatus::Queued),
        attempts: Set(0),
        max_attempts: Set(max_attempts.map(|n| i32::try_from(n).unwrap_or(i32::MAX))),
        run_at: Set(run_at),
        locked_until: Set(None),
        locked_by: Set(None),
        last_error: Set(None),
        unique_key: Set(unique_key),
        created_at: Set(now()),
        finished_at: Set(None),
    }
}

/// Enqueues the occurrence of `periodic` that `now` falls in, unless it exists (its
/// unique key makes this safe from several workers at once). Returns whether this call
/// enqueued it.
pub async fn schedule<C: ConnectionTrait>(
    db: &C,
    periodic: &super::Periodic,
    now: OffsetDateTime,
) -> Result<bool, DbErr> {
    let slot = periodic.occurrence(now);
    let run_at = OffsetDateTime::from_unix_timestamp(slot).unwrap_or(now);
    let key = format!("{}@{slot}", periodic.task.name);
    let task = &periodic.task;
    let identity = (task.name, task.queue, task.max_attempts);
    let job = new_job(identity, "null".to_string(), run_at, Some(key));
    match job.insert(db).await {
        Ok(_) => Ok(true),
        Err(e) if web::db::is_unique_violation(&e) => Ok(false),
        Err(e) => Err(e),
    }
}

/// Claims up to `limit` due jobs of `queues` (`None`: every queue) for `worker` until `now + lease`: queued
/// ones whose time has come, and running ones whose lease ran out (their worker died).
/// Each claim counts as an attempt. Concurrent workers never claim one job twice: rows
/// are read `FOR UPDATE SKIP LOCKED` (SQLite: the write transaction is the only writer).
pub(crate) async fn claim(
    db: &DatabaseConnection,
    worker: &str,
    queues: Option<&[String]>,
    limit: u64,
    lease: Duration,
) -> Result<Vec<Job>, DbErr> {
    if limit == 0 {
        return Ok(Vec::new());
    }
    write_transaction_as(db, |txn| {
        let (worker, queues) = (worker.to_string(), queues.map(<[String]>::to_vec));
        Box::pin(async move {
            let now = now();
            let jobs = due(txn.get_database_backend(), queues.as_deref(), limit, now)
                .all(txn)
                .await?;
            if jobs.is_empty() {
                return Ok(jobs);
            }
            let until = now + lease;
            Entity::update_many()
                .col_expr(Column::Status, Expr::value(JobStatus::Running))
                .col_expr(Column::Attempts, Expr::col(Column::Attempts).add(1))
                .col_expr(Column::LockedUntil, Expr::value(Some(until)))
                .col_expr(Column::LockedBy, Expr::value(Some(worker.clone())))
                .filter(Column::Id.is_in(jobs.iter().map(|j| j.id)))
                .exec(txn)
                .await?;
            Ok(jobs
                .into_iter()
                .map(|job| Job {
                    status: JobStatus::Running,
                    attempts: job.attempts + 1,
                    locked_until: Some(until),
                    locked_by: Some(worker.clone()),
                    ..job
                })
                .collect())
        })
    })
    .await
}

/// Up to `limit` jobs of `queues` due at `now`, oldest first, locked for the claiming
/// transaction; rows another worker's claim holds are skipped, not waited for.
fn due(
    backend: DbBackend,
    queues: Option<&[String]>,
    limit: u64,
    now: OffsetDateTime,
) -> Select<Entity> {
    let query = waiting(Entity::find(), queues, now)
        .filter(Column::RunAt.lte(now))
        .order_by_asc(Column::RunAt)
        .order_by_asc(Column::Id)
        .limit(limit);
    match backend {
        // One writer at a time: the claim's write transaction is the lock.
        DbBackend::Sqlite => query,
        _ => query.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked),
    }
}

/// The jobs of `queues` a worker may claim now or later: queued ones, and running ones
/// whose lease ran out at `now` (a running job's `run_at` is past, so it is due).
fn waiting<Q: QueryFilter>(query: Q, queues: Option<&[String]>, now: OffsetDateTime) -> Q {
    let waiting = Condition::any()
        .add(Column::Status.eq(JobStatus::Queued))
        .add(
            Condition::all()
                .add(Column::Status.eq(JobStatus::Running))
                .add(Column::LockedUntil.lt(now)),
        );
    let query = query.filter(waiting);
    match queues {
        Some(queues) => query.filter(Column::Queue.is_in(queues.to_vec())),
        None => query,
    }
}

/// When the first job of `queues` that a worker may claim is (or was) due: one statement,
/// an idle worker's look. `None`: no job waits.
pub(crate) async fn next_due(
    db: &DatabaseConnection,
    queues: Option<&[String]>,
) -> Result<Option<OffsetDateTime>, DbErr> {
    let first = waiting(Entity::find(), queues, now())
        .select_only()
        .column(Column::RunAt)
        .order_by_asc(Column::RunAt)
        .into_tuple::<OffsetDateTime>()
        .one(db)
        .await?;
    Ok(first)
}

/// Only the worker holding the job's lease may change it.
fn held_by(id: i64, worker: &str) -> Condition {
    Condition::all()
        .add(Column::Id.eq(id))
        .add(Column::Status.eq(JobStatus::Running))
        .add(Column::LockedBy.eq(worker))
}

/// Extends the lease of a job still running; `false` if the worker lost it.
pub(crate) async fn renew(
    db: &DatabaseConnection,
    id: i64,
    worker: &str,
    lease: Duration,
) -> Result<bool, DbErr> {
    let renewed = Entity::update_many()
        .col_expr(Column::LockedUntil, Expr::value(Some(now() + lease)))
        .filter(held_by(id, worker))
        .exec(db)
        .await?;
    Ok(renewed.rows_affected > 0)
}

/// Marks the job done; `false` if the worker had lost its lease (another worker has it).
pub(crate) async fn finish(db: &DatabaseConnection, id: i64, worker: &str) -> Result<bool, DbErr> {
    let done = Entity::update_many()
        .col_expr(Column::Status, Expr::value(JobStatus::Done))
        .col_expr(Column::FinishedAt, Expr::value(Some(now())))
        .col_expr(
            Column::LockedUntil,
            Expr::value(Option::<OffsetDateTime>::None),
        )
        .col_expr(Column::LastError, Expr::value(Option::<String>::None))
        .filter(held_by(id, worker))
        .exec(db)
        .await?;
    Ok(done.rows_affected > 0)
}

/// The delay before retry number `attempt` (1 = the first retry): the base doubled per
/// attempt, ± 25 % so that jobs failed together do not retry together.
pub(crate) fn backoff(attempt: i32, base_seconds: f64) -> Duration {
    let doublings = attempt.clamp(1, 30) - 1;
    let jitter = rand::rng().random_range(0.75..=1.25);
    Duration::seconds_f64(base_seconds * f64::from(1u32 << doublings) * jitter)
}

/// Records a failed run: queued again after its backoff while attempts remain (`retry`),
/// else `failed` for good. Returns the new status (`None`: the lease was lost).
pub(crate) async fn fail(
    db: &DatabaseConnection,
    job: &Job,
    worker: &str,
    error: &str,
    retry: bool,
    settings: &JobsSettings,
) -> Result<Option<JobStatus>, DbErr> {
    let max = job
        .max_attempts
        .map_or(settings.max_attempts, |n| u32::try_from(n).unwrap_or(0));
    let exhausted = !retry || u32::try_from(job.attempts).unwrap_or(0) >= max;
    let mut update = Entity::update_many()
        .col_expr(Column::LastError, Expr::value(Some(error.to_string())))
        .col_expr(
            Column::LockedUntil,
            Expr::value(Option::<OffsetDateTime>::None),
        )
        .filter(held_by(job.id, worker));
    let status = if exhausted {
        update = update
            .col_expr(Column::Status, Expr::value(JobStatus::Failed))
            .col_expr(Column::FinishedAt, Expr::value(Some(now())));
        JobStatus::Failed
    } else {
        let delay = backoff(job.attempts, settings.backoff_base_seconds);
        update = update
            .col_expr(Column::Status, Expr::value(JobStatus::Queued))
            .col_expr(Column::RunAt, Expr::value(now() + delay));
        JobStatus::Queued
    };
    let changed = update.exec(db).await?;
    Ok((changed.rows_affected > 0).then_some(status))
}

/// The jobs with one of `statuses`, oldest first (at most `limit`).
pub async fn list<C: ConnectionTrait>(
    db: &C,
    statuses: &[JobStatus],
    limit: u64,
) -> Result<Vec<Job>, DbErr> {
    Entity::find()
        .filter(Column::Status.is_in(statuses.iter().copied()))
        .order_by_asc(Column::Id)
        .limit(limit)
        .all(db)
        .await
}

/// Queues a failed job again, due now, with its attempts counted from zero; `false` if
/// there is no failed job `id`.
pub async fn retry<C: ConnectionTrait>(db: &C, id: i64) -> Result<bool, DbErr> {
    let retried = Entity::update_many()
        .col_expr(Column::Status, Expr::value(JobStatus::Queued))
        .col_expr(Column::Attempts, Expr::value(0))
        .col_expr(Column::RunAt, Expr::value(now()))
        .col_expr(
            Column::FinishedAt,
            Expr::value(Option::<OffsetDateTime>::None),
        )
        .filter(Column::Id.eq(id))
        .filter(Column::Status.eq(JobStatus::Failed))
        .exec(db)
        .await?;
    if retried.rows_affected > 0 {
        super::wakeups::job_queued(db).await?;
    }
    Ok(retried.rows_affected > 0)
}

/// Deletes the jobs done before `before` (failed ones stay for an operator to see).
pub(crate) async fn delete_done<C: ConnectionTrait>(
    db: &C,
    before: OffsetDateTime,
) -> Result<u64, DbErr> {
    let deleted = Entity::delete_many()
        .filter(Column::Status.eq(JobStatus::Done))
        .filter(Column::FinishedAt.lt(before))
        .exec(db)
        .await?;
    Ok(deleted.rows_affected)
}

#[cfg(test)]
mod tests {
    use sea_orm::QueryTrait;

    use super::*;

    #[test]
    fn claims_skip_rows_other_workers_hold_on_mysql_and_postgresql() {
        let queues = ["default".to_string()];
        for backend in [DbBackend::MySql, DbBackend::Postgres] {
            let sql = due(backend, Some(&queues), 4, now())
                .build(backend)
                .to_string();
            assert!(sql.ends_with("FOR UPDATE SKIP LOCKED"), "{sql}");
        }
        let sql = due(DbBackend::Sqlite, None, 4, now())
            .build(DbBackend::Sqlite)
            .to_string();
        assert!(!sql.contains("FOR UPDATE"), "{sql}");
    }

    #[test]
    fn retries_wait_twice_as_long_each_time_give_or_take_a_quarter() {
        for attempt in 1..=6 {
            let expected = 10.0 * f64::from(1u32 << (attempt - 1));
            let delay = backoff(attempt, 10.0).as_seconds_f64();
            assert!(
                (expected * 0.75..=expected * 1.25).contains(&delay),
                "attempt {attempt}: {delay}"
            );
        }
        // Far attempts stop doubling instead of overflowing.
        assert!(backoff(500, 10.0).is_positive());
    }
}
