//! The framework's `jobs` app: the table, the `jobs` settings, `project worker`,
//! `project jobs`, and the cleanup of old finished jobs.

use async_trait::async_trait;
use clap::{ArgMatches, Args, FromArgMatches, Subcommand};

use super::entity::JobStatus;
use std::sync::Arc;

use futures::future::BoxFuture;

use super::{
    InstallJobs, JobsSettings, Periodic, Schedule, Task, TaskEntry, TaskRegistry, Worker, queue,
};
use web::install::Installer;
use web::{App, Command};
use web_modeladmin::InstallAdmin;
use web_schema::InstallSchema;

use web::settings::{Settings, SettingsError};
use web::state::{AppState, Services};

/// Installed by every project after `sessions` (its tasks' apps come after it).
pub struct Jobs;

#[async_trait]
impl App for Jobs {
    fn label(&self) -> &'static str {
        "jobs"
    }

    fn template_dir(&self) -> Option<&'static str> {
        None
    }

    fn install(&self, app: &mut Installer) {
        // Workers look for due jobs by status, queue and time.
        app.entities(vec![
            web_schema::EntitySchema::of::<super::entity::Entity>()
                .index("jobs_due", &["status", "queue", "run_at"]),
        ])
        .migrations_folder(concat!(env!("CARGO_MANIFEST_DIR"), "/src/migrations"))
        // Work in flight belongs to the database it was queued in: dumped when named.
        .dumped_on_request(&["jobs"])
        .uncached_tables(&["jobs"])
        .periodic::<Cleanup>(std::time::Duration::from_secs(3600))
        .admin(super::admin::JobAdmin)
        .command(WorkerCommand)
        .command(JobsCommand)
        .beside_server(in_server_worker)
        .middleware(wake_worker_after_requests)
        .gauges(|db| Box::pin(async move { record_queue_depth(&db).await }));
    }

    /// Reads the `jobs` section, and the tasks every app declared.
    fn configure(&self, settings: &Settings, services: &mut Services) -> Result<(), SettingsError> {
        services.insert(JobsSettings::from_settings(settings)?);
        let contributions = services.contributions();
        let periodic: Vec<Periodic> = contributions.all::<Periodic>();
        let mut tasks: Vec<TaskEntry> = Vec::new();
        let declared = contributions
            .of::<TaskEntry>()
            .map(|(app, t)| (app, t.clone()));
        let scheduled = contributions.of::<Periodic>();
        for (app, task) in declared.chain(scheduled.map(|(app, p)| (app, p.task.clone()))) {
            if tasks.iter().any(|t| t.name == task.name) {
                return Err(SettingsError::new(
                    "",
                    format!(
                        "the task `{}` of app `{app}` is declared twice (task names are unique)",
                        task.name
                    ),
                ));
            }
            tasks.push(task);
        }
        services.insert(TaskRegistry(Arc::new(tasks)));
        services.insert(Schedule(Arc::new(periodic)));
        Ok(())
    }

    async fn cleanup(&self, state: &AppState) -> anyhow::Result<Vec<(String, u64)>> {
        let settings: JobsSettings = state.service()?;
        let keep = time::Duration::seconds(settings.retention_seconds.min(i64::MAX as u64) as i64);
        let deleted = queue::delete_done(state.db(), web::db::now() - keep).await?;
        Ok(vec![("finished jobs deleted".into(), deleted)])
    }
}

/// With `jobs.run_in_server` (development and test by default) and tasks installed,
/// `serve` runs a worker beside the server, so one command does everything.
fn in_server_worker(state: &AppState) -> anyhow::Result<Option<BoxFuture<'static, ()>>> {
    let jobs: JobsSettings = state.service()?;
    let worker = Worker::new(state)?.concurrency(2);
    if !jobs.run_in_server || !worker.has_tasks() {
        return Ok(None);
    }
    tracing::info!("running background jobs in the server (jobs.run_in_server)");
    Ok(Some(Box::pin(worker.run(web::server::shutdown_signal()))))
}

/// With a worker in the server, a request that queued a job wakes it when it ends (its
/// transaction has committed by then); elsewhere requests are left as they are.
fn wake_worker_after_requests(state: &AppState) -> Option<web::middleware::Middleware> {
    let jobs: JobsSettings = state.service().ok()?;
    if !jobs.run_in_server {
        return None;
    }
    Some(Arc::new(|request, next| {
        Box::pin(super::wakeups::around_work(next.run(request)))
    }))
}

/// The queue's depth per status, as the `jobs` gauge of `/metrics`.
async fn record_queue_depth(db: &sea_orm::DatabaseConnection) {
    use super::entity::{Column, Entity};
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};
    let watched = [JobStatus::Queued, JobStatus::Running, JobStatus::Failed];
    let counts: Result<Vec<(JobStatus, i64)>, _> = Entity::find()
        .select_only()
        .column(Column::Status)
        .column_as(Column::Id.count(), "n")
        .filter(Column::Status.is_in(watched))
        .group_by(Column::Status)
        .into_tuple()
        .all(db)
        .await;
    let Ok(counts) = counts else {
        return;
    };
    for status in watched {
        let n = counts
            .iter()
            .find(|(s, _)| *s == status)
            .map_or(0, |(_, n)| *n);
        metrics::gauge!("jobs", "status" => status.as_str()).set(n as f64);
    }
}

/// Every app's housekeeping (what `project cleanup` does), hourly.
pub struct Cleanup;

impl Task for Cleanup {
    const NAME: &'static str = "jobs.cleanup";
    type Payload = ();
    async fn run(state: &AppState, _: ()) -> anyhow::Result<()> {
        let apps: web::project::InstalledApps = state.service()?;
        for (label, what, count) in web::cli::run_cleanup(&apps.0, state).await? {
            tracing::info!(app = label, count, "cleanup: {what}");
        }
        Ok(())
    }
}

/// Run background jobs until SIGTERM (or Ctrl-C), finishing the jobs in hand
#[derive(Args, Debug)]
struct WorkerArgs {
    /// Only these queues, comma-separated [default: every queue]
    #[arg(long, value_delimiter = ',', value_name = "Q,...")]
    queues: Vec<String>,
    /// How many jobs run at once
    #[arg(long, default_value_t = 1, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=1000))]
    concurrency: u16,
}

/// `project worker`.
pub struct WorkerCommand;

#[async_trait]
impl Command for WorkerCommand {
    fn definition(&self) -> clap::Command {
        WorkerArgs::augment_args(
            clap::Command::new("worker")
                .about("Run background jobs until SIGTERM or Ctrl-C; jobs in hand finish first"),
        )
    }

    async fn run(&self, state: &AppState, matches: &ArgMatches) -> anyhow::Result<()> {
        let args = WorkerArgs::from_arg_matches(matches)?;
        let mut worker = Worker::new(state)?.concurrency(usize::from(args.concurrency));
        if !args.queues.is_empty() {
            worker = worker.queues(args.queues);
        }
        println!(
            "Worker {} on queues [{}], {} at a time; SIGTERM or Ctrl-C stops it.",
            worker.id(),
            worker.queue_names(),
            args.concurrency
        );
        let metrics = web::metrics::listen(state).await?;
        worker.run(web::server::shutdown_signal()).await;
        if let Some(metrics) = metrics {
            metrics.abort();
        }
        println!("Worker stopped.");
        Ok(())
    }
}

#[derive(Args, Debug)]
struct JobsArgs {
    #[command(subcommand)]
    action: Option<JobsAction>,
}

#[derive(Subcommand, Debug)]
enum JobsAction {
    /// Queue a failed job again (its attempts start over)
    Retry {
        /// The job's id (the first column of `project jobs`)
        id: i64,
    },
    /// Run the jobs due now in this process, then exit
    Run,
}

/// `project jobs`.
pub struct JobsCommand;

#[async_trait]
impl Command for JobsCommand {
    fn definition(&self) -> clap::Command {
        JobsArgs::augment_args(clap::Command::new("jobs").about(
            "List queued, running and failed background jobs; `retry ID` queues a failed one again",
        ))
    }

    async fn run(&self, state: &AppState, matches: &ArgMatches) -> anyhow::Result<()> {
        let args = JobsArgs::from_arg_matches(matches)?;
        match args.action {
            None => {
                let jobs = queue::list(
                    state.db(),
                    &[JobStatus::Queued, JobStatus::Running, JobStatus::Failed],
                    1000,
                )
                .await?;
                if jobs.is_empty() {
                    println!("No queued, running or failed jobs.");
                }
                for job in jobs {
                    let error = job.last_error.unwrap_or_default();
                    println!(
                        "{}\t{}\t{}\t{}\tattempts {}\trun at {}\t{}",
                        job.id,
                        job.status.as_str(),
                        job.queue,
                        job.task,
                        job.attempts,
                        web::db::timestamp::format(&job.run_at),
                        error.lines().next().unwrap_or_default()
                    );
                }
                Ok(())
            }
            Some(JobsAction::Retry { id }) => {
                if queue::retry(state.db(), id).await? {
                    println!("Job {id} queued again.");
                    Ok(())
                } else {
                    anyhow::bail!("there is no failed job {id} (`project jobs` lists them)")
                }
            }
            Some(JobsAction::Run) => {
                let ran = Worker::new(state)?.run_due().await?;
                println!("{ran} job(s) ran.");
                Ok(())
            }
        }
    }
}
