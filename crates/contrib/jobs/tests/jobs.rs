//! Background jobs on each database: enqueued in the caller's transaction, retried with
//! growing delays, run exactly once by competing workers, re-run after a dead worker's
//! lease, finished before a worker stops.

use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use sea_orm::{EntityTrait, TransactionTrait};
use serde::{Deserialize, Serialize};
use web::state::AppState;
use web::{App, Embedded, Installer, Project, UrlRegistry};
use web_jobs::{InstallJobs, JobStatus, Task, Worker};
use web_test::TestApp;

/// What the tasks saw, per test (tests run in parallel in one process).
static RUNS: Mutex<BTreeMap<String, Vec<u32>>> = Mutex::new(BTreeMap::new());
/// Tests whose `Hold` jobs wait until released.
static HELD: Mutex<Option<HashSet<String>>> = Mutex::new(None);

#[derive(Serialize, Deserialize)]
struct Payload {
    test: String,
    n: u32,
}

fn runs(test: &str) -> Vec<u32> {
    RUNS.lock().unwrap().get(test).cloned().unwrap_or_default()
}

/// Waits up to 10 s for a run of `test` (well under the 60 s poll of the wake-up tests).
async fn wait_for_runs(test: &str) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while runs(test).is_empty() && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn note(payload: &Payload) {
    RUNS.lock()
        .unwrap()
        .entry(payload.test.clone())
        .or_default()
        .push(payload.n);
}

/// Records its number.
struct Record;
impl Task for Record {
    const NAME: &'static str = "jobsdemo.record";
    type Payload = Payload;
    async fn run(_: &AppState, payload: Payload) -> anyhow::Result<()> {
        note(&payload);
        Ok(())
    }
}

/// Always fails, on a queue of its own, with 4 attempts.
struct Flaky;
impl Task for Flaky {
    const NAME: &'static str = "jobsdemo.flaky";
    const QUEUE: &'static str = "flaky";
    const MAX_ATTEMPTS: Option<u32> = Some(4);
    type Payload = Payload;
    async fn run(_: &AppState, payload: Payload) -> anyhow::Result<()> {
        note(&payload);
        anyhow::bail!("boom {}", payload.n)
    }
}

/// Records its number after `n` milliseconds, or waits while its test is held.
struct Hold;
impl Task for Hold {
    const NAME: &'static str = "jobsdemo.hold";
    const QUEUE: &'static str = "hold";
    type Payload = Payload;
    async fn run(_: &AppState, payload: Payload) -> anyhow::Result<()> {
        loop {
            let held = HELD
                .lock()
                .unwrap()
                .as_ref()
                .is_some_and(|h| h.contains(&payload.test));
            if !held {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        tokio::time::sleep(Duration::from_millis(u64::from(payload.n))).await;
        note(&payload);
        Ok(())
    }
}

/// Does nothing, hourly.
struct Tick;
impl Task for Tick {
    const NAME: &'static str = "jobsdemo.tick";
    type Payload = ();
    async fn run(_: &AppState, _: ()) -> anyhow::Result<()> {
        Ok(())
    }
}

struct JobsDemo;

#[async_trait]
impl App for JobsDemo {
    fn label(&self) -> &'static str {
        "jobsdemo"
    }
    fn migration_group(&self) -> Option<&'static str> {
        None
    }
    fn template_dir(&self) -> Option<&'static str> {
        None
    }
    fn install(&self, app: &mut Installer) {
        app.task::<Record>()
            .task::<Flaky>()
            .task::<Hold>()
            .periodic::<Tick>(Duration::from_secs(3600));
    }
}

/// `POST /api/jobsdemo/record?test=…`: queues a `Record` job in a transaction with a
/// client's change, as a view does.
fn demo_urls() -> web::Urls {
    use web::urls::post;
    web::Urls::new("jobsdemo").api("/record", "record", post(queue_record))
}

async fn queue_record(
    db: web::Db,
    web::Query(query): web::Query<BTreeMap<String, String>>,
) -> Result<&'static str, web::Error> {
    let txn = db.begin().await?;
    web_jobs::enqueue::<Record, _>(&txn, &payload(&query["test"], 1)).await?;
    // The rest of the view's work: a worker woken now would find nothing yet.
    tokio::time::sleep(Duration::from_millis(300)).await;
    txn.commit().await?;
    Ok("queued")
}

fn project() -> Project {
    Project {
        apps: vec![
            Arc::new(web_sessions::Sessions),
            Arc::new(web_jobs::Jobs),
            Arc::new(JobsDemo),
        ],
        urls: || UrlRegistry::new().include("/jobsdemo", demo_urls()),
        migrations: migration::group,
        embedded: Embedded::none(),
    }
}

async fn app(settings: &[(&str, &str)]) -> TestApp {
    let project = project();
    let mut builder = TestApp::builder(&project).file_database();
    for (key, value) in settings {
        builder = builder.setting(key, value);
    }
    builder.build().await
}

fn payload(test: &str, n: u32) -> Payload {
    Payload {
        test: test.to_string(),
        n,
    }
}

async fn job(app: &TestApp, id: i64) -> web_jobs::Job {
    web_jobs::entity::Entity::find_by_id(id)
        .one(app.db())
        .await
        .unwrap()
        .expect("the job exists")
}

fn fast(worker: Worker) -> Worker {
    worker.poll_interval(Duration::from_millis(10))
}

#[tokio::test]
async fn a_job_exists_exactly_when_its_transaction_commits() {
    let app = app(&[]).await;
    let test = "commit";
    let txn = app.db().begin().await.unwrap();
    web_jobs::enqueue::<Record, _>(&txn, &payload(test, 1))
        .await
        .unwrap();
    txn.rollback().await.unwrap();
    let all = [
        JobStatus::Queued,
        JobStatus::Running,
        JobStatus::Done,
        JobStatus::Failed,
    ];
    assert!(web_jobs::list(app.db(), &all, 10).await.unwrap().is_empty());

    let txn = app.db().begin().await.unwrap();
    let id = web_jobs::enqueue::<Record, _>(&txn, &payload(test, 2))
        .await
        .unwrap();
    txn.commit().await.unwrap();
    let queued = job(&app, id).await;
    assert_eq!(
        (queued.status, queued.task.as_str()),
        (JobStatus::Queued, "jobsdemo.record")
    );
    assert_eq!(Worker::new(&app.state).unwrap().run_due().await.unwrap(), 1);
    assert_eq!(runs(test), [2]);
    let done = job(&app, id).await;
    assert_eq!((done.status, done.attempts), (JobStatus::Done, 1));
    assert!(done.finished_at.is_some() && done.locked_until.is_none());
}

#[tokio::test]
async fn a_failing_task_is_retried_with_growing_delays_then_fails() {
    let app = app(&[("jobs.backoff_base_seconds", "60")]).await;
    let test = "flaky";
    let id = web_jobs::enqueue::<Flaky, _>(app.db(), &payload(test, 7))
        .await
        .unwrap();
    let worker = Worker::new(&app.state).unwrap();
    let mut delays = Vec::new();
    for attempt in 1..=4 {
        let before = web::db::now();
        assert_eq!(worker.run_due().await.unwrap(), 1, "attempt {attempt} runs");
        let after = job(&app, id).await;
        assert_eq!(after.attempts, attempt);
        assert_eq!(after.last_error.as_deref(), Some("boom 7"));
        if attempt < 4 {
            assert_eq!(after.status, JobStatus::Queued);
            delays.push((after.run_at - before).as_seconds_f64());
            // Not due before its delay: nothing runs now.
            assert_eq!(worker.run_due().await.unwrap(), 0);
            // Time passes: the job becomes due.
            make_due(&app, id).await;
        } else {
            assert_eq!(after.status, JobStatus::Failed, "out of attempts");
            assert!(after.finished_at.is_some());
        }
    }
    assert_eq!(runs(test), [7, 7, 7, 7]);
    // 60 s, 120 s, 240 s, each ± 25 %: always growing.
    assert!((45.0..=76.0).contains(&delays[0]), "{delays:?}");
    assert!(delays[1] > delays[0] && delays[2] > delays[1], "{delays:?}");
    assert!((180.0..=301.0).contains(&delays[2]), "{delays:?}");

    // A failed job waits for an operator; `retry` queues it with fresh attempts.
    assert_eq!(worker.run_due().await.unwrap(), 0);
    assert!(web_jobs::retry(app.db(), id).await.unwrap());
    assert!(
        !web_jobs::retry(app.db(), id).await.unwrap(),
        "only a failed job"
    );
    let again = job(&app, id).await;
    assert_eq!((again.status, again.attempts), (JobStatus::Queued, 0));
    assert_eq!(worker.run_due().await.unwrap(), 1);
}

/// Moves a queued job's time to now.
async fn make_due(app: &TestApp, id: i64) {
    use sea_orm::{ActiveModelTrait, IntoActiveModel, Set};
    let mut row = job(app, id).await.into_active_model();
    row.run_at = Set(web::db::now());
    row.update(app.db()).await.unwrap();
}

#[tokio::test]
async fn two_workers_on_one_database_run_500_jobs_exactly_once() {
    let first = app(&[]).await;
    let project = project();
    let second = TestApp::builder(&project)
        .share_database(&first)
        .build()
        .await;
    let test = "five-hundred";
    let txn = first.db().begin().await.unwrap();
    for n in 0..500 {
        web_jobs::enqueue::<Record, _>(&txn, &payload(test, n))
            .await
            .unwrap();
    }
    txn.commit().await.unwrap();

    let (stop, stopped) = tokio::sync::watch::channel(false);
    let mut workers = Vec::new();
    for app in [&first, &second] {
        let worker = fast(Worker::new(&app.state).unwrap().concurrency(4));
        let mut stopped = stopped.clone();
        workers.push(tokio::spawn(worker.run(async move {
            let _ = stopped.wait_for(|s| *s).await;
        })));
    }
    let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
    while runs(test).len() < 500 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    stop.send(true).unwrap();
    for worker in workers {
        worker.await.unwrap();
    }
    let mut seen = runs(test);
    assert_eq!(seen.len(), 500, "no job lost, none run twice");
    seen.sort();
    assert_eq!(seen, (0..500).collect::<Vec<u32>>());
    let open = web_jobs::list(
        first.db(),
        &[JobStatus::Queued, JobStatus::Running, JobStatus::Failed],
        10,
    )
    .await
    .unwrap();
    assert!(open.is_empty(), "{open:?}");
}

#[tokio::test]
async fn a_dead_workers_job_runs_again_after_its_lease() {
    let app = app(&[("jobs.lease_seconds", "1")]).await;
    let test = "lease";
    HELD.lock()
        .unwrap()
        .get_or_insert_default()
        .insert(test.into());
    let id = web_jobs::enqueue::<Hold, _>(app.db(), &payload(test, 0))
        .await
        .unwrap();
    let dying = fast(Worker::new(&app.state).unwrap());
    let dying_id = dying.id().to_string();
    let handle = tokio::spawn(dying.run(std::future::pending()));
    wait_for_status(&app, id, JobStatus::Running).await;
    // The worker dies mid-job: nothing it would write afterwards is written.
    handle.abort();
    let _ = handle.await;
    HELD.lock().unwrap().get_or_insert_default().remove(test);

    let other = Worker::new(&app.state).unwrap();
    assert_eq!(other.run_due().await.unwrap(), 0, "the lease still holds");
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(other.run_due().await.unwrap(), 1, "the lease ran out");
    let done = job(&app, id).await;
    assert_eq!((done.status, done.attempts), (JobStatus::Done, 2));
    assert_ne!(done.locked_by.as_deref(), Some(dying_id.as_str()));
    assert_eq!(runs(test), [0]);
}

#[tokio::test]
async fn a_stopping_worker_finishes_the_job_in_hand() {
    let app = app(&[]).await;
    let test = "graceful";
    let id = web_jobs::enqueue::<Hold, _>(app.db(), &payload(test, 300))
        .await
        .unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let worker = fast(Worker::new(&app.state).unwrap());
    let handle = tokio::spawn(worker.run(async move {
        let _ = stopped.await;
    }));
    wait_for_status(&app, id, JobStatus::Running).await;
    stop.send(()).unwrap();
    handle.await.unwrap();
    assert_eq!(job(&app, id).await.status, JobStatus::Done);
    assert_eq!(runs(test), [300]);
}

async fn wait_for_status(app: &TestApp, id: i64, status: JobStatus) {
    for _ in 0..500 {
        if job(app, id).await.status == status {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("job {id} never became {}", status.as_str());
}

#[test]
fn a_task_declared_twice_stops_the_project() {
    struct Twice;
    #[async_trait]
    impl App for Twice {
        fn label(&self) -> &'static str {
            "twice"
        }
        fn install(&self, app: &mut Installer) {
            app.task::<Record>();
        }
    }
    let mut project = project();
    project.apps.push(Arc::new(Twice));
    let source = web::settings::SettingsSource::embedded(&[(
        "default.toml",
        web::settings::EXAMPLE_DEFAULTS,
    )])
    .with_env([("APP_ENV", "test")]);
    let settings = web::Settings::load(&source).unwrap();
    let refused = project.configure(&settings).err().unwrap().to_string();
    assert!(
        refused.contains("`jobsdemo.record` of app `twice` is declared twice"),
        "{refused}"
    );
}

#[tokio::test]
async fn a_periodic_task_is_enqueued_once_per_occurrence_whatever_the_workers() {
    let first = app(&[]).await;
    let project = project();
    let second = TestApp::builder(&project)
        .share_database(&first)
        .build()
        .await;
    let ticks = || async {
        web_jobs::list(first.db(), &[JobStatus::Queued], 100)
            .await
            .unwrap()
            .into_iter()
            .filter(|j| j.task == "jobsdemo.tick")
            .collect::<Vec<_>>()
    };
    // Two workers (and the hourly `jobs.cleanup` of the jobs app) schedule at once.
    let (a, b) = (
        Worker::new(&first.state).unwrap(),
        Worker::new(&second.state).unwrap(),
    );
    let (mut seen_a, mut seen_b) = (Default::default(), Default::default());
    tokio::join!(
        a.schedule_periodic(&mut seen_a),
        b.schedule_periodic(&mut seen_b)
    );
    a.schedule_periodic(&mut seen_a).await;
    let queued = ticks().await;
    assert_eq!(queued.len(), 1, "{queued:?}");
    let hour = 3600;
    let start = web::db::now().unix_timestamp() / hour * hour;
    assert_eq!(
        queued[0].run_at.unix_timestamp(),
        start,
        "due at the occurrence's start"
    );
    assert_eq!(
        queued[0].unique_key.as_deref(),
        Some(format!("jobsdemo.tick@{start}").as_str())
    );
    // The same occurrence again, even after it ran: nothing new.
    assert!(a.run_due().await.unwrap() >= 1);
    let done = web_jobs::list(first.db(), &[JobStatus::Done], 100)
        .await
        .unwrap();
    assert_eq!(done.iter().filter(|j| j.task == "jobsdemo.tick").count(), 1);
    let periodic = web_jobs::Periodic::every::<Tick>(Duration::from_secs(3600));
    assert!(
        !web_jobs::schedule(first.db(), &periodic, web::db::now())
            .await
            .unwrap()
    );
    // The next occurrence is a new job.
    let next_hour = web::db::now() + time::Duration::hours(1);
    assert!(
        web_jobs::schedule(first.db(), &periodic, next_hour)
            .await
            .unwrap()
    );
    let cleanup = web_jobs::list(first.db(), &[JobStatus::Done], 100)
        .await
        .unwrap();
    assert!(
        cleanup.iter().any(|j| j.task == "jobs.cleanup"),
        "the hourly cleanup ran too"
    );
}

#[test]
fn declaring_tasks_without_the_jobs_app_stops_the_project_naming_both() {
    let mut project = project();
    project.apps.retain(|app| app.label() != "jobs");
    let refused = project.check_apps().unwrap_err();
    assert!(
        refused.contains("app `jobsdemo` contributes background tasks")
            && refused.contains("`jobs` is not installed"),
        "{refused}"
    );
}

/// A worker running in the background until stopped.
struct Running {
    stop: tokio::sync::watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl Running {
    fn start(state: &AppState, poll: Duration) -> Running {
        let worker = Worker::new(state).unwrap().poll_interval(poll);
        let (stop, mut stopped) = tokio::sync::watch::channel(false);
        let task = tokio::spawn(worker.run(async move {
            let _ = stopped.wait_for(|s| *s).await;
        }));
        Running { stop, task }
    }

    async fn stop(self) {
        self.stop.send(true).unwrap();
        self.task.await.unwrap();
    }
}

/// A job a request queues is run at once by the idle worker of the same process (woken
/// when the request ends; on PostgreSQL by `NOTIFY` at commit), not at its next look a
/// minute later.
#[tokio::test]
async fn a_job_queued_by_a_request_wakes_the_idle_worker() {
    let app = app(&[]).await;
    let test = "request-wakes";
    let running = Running::start(&app.state, Duration::from_secs(60));
    // Idle: its first round is over.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let res = app
        .client
        .post(&format!("/api/jobsdemo/record?test={test}"))
        .send()
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    wait_for_runs(test).await;
    running.stop().await;
    assert_eq!(runs(test), [1], "the worker woke for the job");
}

/// On PostgreSQL a job queued by another process (here: another connection pool, outside
/// any request) wakes the idle worker through `LISTEN`/`NOTIFY` when its transaction
/// commits.
#[tokio::test]
async fn on_postgresql_a_job_queued_elsewhere_wakes_the_idle_worker() {
    let app = app(&[]).await;
    if app.backend() != web::db::Backend::Postgres {
        return;
    }
    let test = "notify-wakes";
    let running = Running::start(&app.state, Duration::from_secs(60));
    tokio::time::sleep(Duration::from_millis(500)).await;
    let elsewhere = sea_orm::Database::connect(app.settings().database.url.expose())
        .await
        .unwrap();
    let txn = elsewhere.begin().await.unwrap();
    web_jobs::enqueue::<Record, _>(&txn, &payload(test, 7))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(runs(test).is_empty(), "not before the commit");
    txn.commit().await.unwrap();
    wait_for_runs(test).await;
    running.stop().await;
    assert_eq!(runs(test), [7], "NOTIFY woke the worker");
}

/// This database's connections that are listening (their last statement a `LISTEN`).
async fn listeners(app: &TestApp) -> i64 {
    use sea_orm::ConnectionTrait;
    let sql = "SELECT count(*) FROM pg_stat_activity \
        WHERE datname = current_database() AND query ILIKE 'LISTEN%'";
    let row = app
        .db()
        .query_one_raw(sea_orm::Statement::from_string(
            sea_orm::DbBackend::Postgres,
            sql,
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get_by_index::<i64>(0).unwrap()
}

/// On PostgreSQL the worker's `LISTEN` connection is its own edge: when the database drops
/// it (a restart, a failover, an idle-connection reaper), the worker connects again and
/// the next job queued elsewhere still wakes it.
#[tokio::test]
async fn on_postgresql_a_lost_listen_connection_is_made_again() {
    use sea_orm::ConnectionTrait;
    let app = app(&[]).await;
    if app.backend() != web::db::Backend::Postgres {
        return;
    }
    let test = "listen-again";
    let running = Running::start(&app.state, Duration::from_secs(60));
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while listeners(&app).await == 0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the worker never listened"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    app.db()
        .execute_unprepared(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE datname = current_database() AND query ILIKE 'LISTEN%'",
        )
        .await
        .unwrap();
    // It listens again (a second later).
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    tokio::time::sleep(Duration::from_millis(200)).await;
    while listeners(&app).await == 0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the worker never listened again"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let elsewhere = sea_orm::Database::connect(app.settings().database.url.expose())
        .await
        .unwrap();
    web_jobs::enqueue::<Record, _>(&elsewhere, &payload(test, 3))
        .await
        .unwrap();
    wait_for_runs(test).await;
    running.stop().await;
    assert_eq!(
        runs(test),
        [3],
        "NOTIFY woke the worker after it listened again"
    );
}
