//! The `project` command line (Django's `manage.py`): the framework's commands plus those
//! the installed apps contribute. Exit status 0 on success, 1 on failure (with a message
//! on stderr saying what to do), 2 on wrong usage.

use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::{Arg, ArgAction, ArgMatches, Command as ClapCommand, value_parser};
use sea_orm::DatabaseConnection;
use sea_orm_migration::MigratorTraitSelf;

use crate::command::Command;
use crate::command::{Commands, ProjectCommands};
use crate::migrate::PostMigrateReceivers;
use crate::project::Project;
use crate::server::BesideServer;
use crate::settings::{LogFormat, Settings};
use crate::state::AppState;

fn cli(project: &Project) -> ClapCommand {
    let mut cli = ClapCommand::new("project")
        .about("Runs and manages the project: server, migrations, checks and the apps' commands.")
        .long_about(
            "Runs and manages the project.\n\nSettings come from config/default.toml, config/<APP_ENV>.toml \
             and APP__SECTION__KEY environment variables. With no command, `serve` runs.",
        )
        .subcommand(
            ClapCommand::new("serve")
                .about("Run the HTTP server (applies pending migrations first when database.auto_migrate is on)")
                .arg(Arg::new("host").long("host").help("Address to bind (overrides server.host)"))
                .arg(Arg::new("port").long("port").value_parser(value_parser!(u16)).help("Port to bind (overrides server.port)")),
        )
        .subcommand(
            ClapCommand::new("migrate")
                .about("Apply pending migrations, or roll back the last N with --down N")
                .arg(Arg::new("down").long("down").value_name("N").value_parser(value_parser!(u32).range(1..)).help("Roll back the last N applied migrations")),
        )
        .subcommand(ClapCommand::new("showmigrations").about("List every migration, per app, and whether it is applied"))
        .subcommand(ClapCommand::new("routes").about("List every URL pattern: method, path, name and app (needs no database)"))
        .subcommand(
            ClapCommand::new("check")
                .about("Check settings, apps, URLs and the route names used in templates (needs no database)")
                .arg(Arg::new("deploy").long("deploy").action(ArgAction::SetTrue).help("Also fail on settings unsafe in production")),
        )
        .subcommand(ClapCommand::new("cleanup").about("Housekeeping: each installed app removes what has expired or nothing references any more (sessions, tokens, throttle records, media files, …)"));
    let contributions = project.contributions();
    for (_, command) in contributions.of::<ProjectCommands>() {
        cli = cli.subcommand(command.0.definition());
    }
    for (_, command) in contributions.of::<Commands>() {
        cli = cli.subcommand(command.0.definition());
    }
    cli
}

/// Parses the command line and runs the command. Call it first in `main`: it sets how
/// the allocator returns large buffers before any thread starts.
pub fn main(project: Project) -> ExitCode {
    return_large_buffers_to_the_system();
    run(project, std::env::args_os().collect())
}

/// Buffers of a megabyte and more (an uploaded file, a decoded picture) are mapped and
/// unmapped on their own. glibc otherwise raises that threshold after the first such
/// buffer is freed and serves the next ones from per-thread arenas that never shrink: 16
/// concurrent 10 MiB uploads then leave some 300 MiB resident for good.
fn return_large_buffers_to_the_system() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets an allocator parameter; `main` calls this before the
    // server, the runtime or any other thread starts.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1024 * 1024);
    }
}

/// Like [`main`] with explicit arguments (the first is the program name).
pub fn run(project: Project, args: Vec<std::ffi::OsString>) -> ExitCode {
    let matches = match cli(&project).try_get_matches_from(args) {
        Ok(m) => m,
        Err(err) => {
            let _ = err.print();
            return if err.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(err) => {
            eprintln!("error: cannot start the async runtime: {err}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(dispatch(&project, &matches)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(1)
        }
    }
}

async fn dispatch(project: &Project, matches: &ArgMatches) -> anyhow::Result<()> {
    if let Some(("check", args)) = matches.subcommand()
        && args.get_flag("deploy")
    {
        return check_deploy(project);
    }
    let mut settings = project.load_settings()?;
    if !matches!(matches.subcommand_name(), None | Some("serve")) {
        // Statement timeouts are for requests: migrations and data commands may run long.
        settings.database.statement_timeout_ms = 0;
    }
    init_logging(&settings);
    project.check_apps().map_err(anyhow::Error::msg)?;
    // Commands that write tell the shared cache when they are done (see `crate::cache`);
    // those that need no database (the apps' project commands) write nothing.
    let on_project = project.contributions().all::<ProjectCommands>();
    let writes = matches!(
        matches.subcommand_name(),
        Some(name) if !["serve", "showmigrations", "routes", "check"].contains(&name)
            && !on_project.iter().any(|c| c.0.definition().get_name() == name)
    );
    // Those that would hear of it (the shared cache), as configured for this command.
    let listeners = writes
        .then(|| project.configure(&settings).ok())
        .flatten()
        .and_then(|services| services.get::<crate::writes::WriteListeners>().cloned());
    let outcome = run_command(project, settings, matches).await;
    if let Some(listeners) = listeners
        && !listeners.tell().await
    {
        eprintln!(
            "warning: the shared cache (cache.url) could not be told about this change; \
             other processes may serve older data for up to cache.ttl_seconds"
        );
    }
    outcome
}

async fn run_command(
    project: &Project,
    settings: Settings,
    matches: &ArgMatches,
) -> anyhow::Result<()> {
    match matches.subcommand() {
        None => serve(project, settings, None, None).await,
        Some(("serve", args)) => {
            serve(
                project,
                settings,
                args.get_one::<String>("host").cloned(),
                args.get_one::<u16>("port").copied(),
            )
            .await
        }
        Some(("migrate", args)) => {
            migrate(project, &settings, args.get_one::<u32>("down").copied()).await
        }
        Some(("showmigrations", _)) => showmigrations(project, &settings).await,
        Some(("routes", _)) => routes(project),
        Some(("check", args)) => check(project, &settings, args.get_flag("deploy")),
        Some(("cleanup", _)) => cleanup(project, settings).await,
        Some((name, args)) => {
            let on_project = project.contributions().all::<ProjectCommands>();
            if let Some(command) = on_project
                .iter()
                .find(|c| c.0.definition().get_name() == name)
            {
                return command.0.run(project, &settings, args).await;
            }
            let command = project
                .contributions()
                .all::<Commands>()
                .into_iter()
                .map(|c| c.0)
                .find(|c| c.definition().get_name() == name)
                .with_context(|| format!("unknown command `{name}`"))?;
            run_app_command(project, settings, command, args).await
        }
    }
}

fn init_logging(settings: &Settings) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(&settings.log.level));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match settings.log.format {
        LogFormat::Json => builder.json().try_init(),
        LogFormat::Compact => builder.compact().try_init(),
        LogFormat::Pretty => builder.try_init(),
    };
}

async fn connect(settings: &Settings) -> anyhow::Result<DatabaseConnection> {
    crate::db::connect(&settings.database).await.with_context(|| {
        "cannot connect to the database; check database.url (APP__DATABASE__URL) and that the server is running"
    })
}

/// Applies pending migrations, printing each one, then runs the apps' post-migrate work.
async fn apply_pending(
    project: &Project,
    db: &DatabaseConnection,
    verbose: bool,
) -> anyhow::Result<usize> {
    let migrator = project.migrator()?;
    let pending = migrator.pending(db).await?;
    if !verbose {
        migrator
            .up(db, None)
            .await
            .context("applying migrations failed")?;
    } else {
        for name in &pending {
            println!("  Applying {name}...");
            migrator
                .up(db, Some(1))
                .await
                .with_context(|| format!("migration {name} failed"))?;
        }
    }
    post_migrate(project, db).await?;
    Ok(pending.len())
}

/// Every app's post-migrate work (permissions are stored here).
pub async fn post_migrate(project: &Project, db: &DatabaseConnection) -> anyhow::Result<()> {
    let contributions = project.contributions();
    let permissions = crate::permissions::of(&contributions);
    for (app, receiver) in contributions.of::<PostMigrateReceivers>() {
        receiver
            .0
            .post_migrate(db, &permissions)
            .await
            .with_context(|| format!("app `{app}`: post-migrate failed"))?;
    }
    Ok(())
}

/// Connects and applies pending migrations when `database.auto_migrate` is on.
async fn connect_ready(
    project: &Project,
    settings: &Settings,
) -> anyhow::Result<DatabaseConnection> {
    let db = connect(settings).await?;
    let migrator = project.migrator()?;
    if settings.database.auto_migrate {
        let n = apply_pending(project, &db, false).await?;
        if n > 0 {
            tracing::info!(count = n, "applied pending migrations");
        }
    } else {
        let pending = migrator.pending(&db).await?;
        if !pending.is_empty() {
            tracing::warn!(
                count = pending.len(),
                "there are unapplied migrations; run `project migrate`"
            );
        }
    }
    Ok(db)
}

async fn serve(
    project: &Project,
    mut settings: Settings,
    host: Option<String>,
    port: Option<u16>,
) -> anyhow::Result<()> {
    if let Some(host) = host {
        settings.server.host = host;
    }
    if let Some(port) = port {
        settings.server.port = port;
    }
    let settings = Arc::new(settings);
    let problems = project.check(&settings, false);
    if !problems.is_empty() {
        anyhow::bail!(
            "the project has problems (see `project check`):\n  {}",
            problems.join("\n  ")
        );
    }
    let db = connect_ready(project, &settings).await?;
    let (state, urls) = project.state(settings.clone(), db)?;
    for app in &project.apps {
        app.ready(&state)
            .await
            .with_context(|| format!("app `{}` failed to start", app.label()))?;
    }
    // The metrics recorder is installed before what runs beside the server starts, so
    // the jobs an in-server worker finishes at start are counted.
    let metrics = crate::metrics::listen(&state).await?;
    let beside = start_beside_server(&state)?;
    let router = project.router(state, urls);
    let address = settings.bind_address();
    let listener = tokio::net::TcpListener::bind(&address)
        .await
        .with_context(|| {
            format!(
                "cannot listen on {address}; is another server running? (server.host/server.port)"
            )
        })?;
    tracing::info!(environment = %settings.environment, "listening on http://{}", listener.local_addr()?);
    crate::server::serve(
        listener,
        router,
        crate::server::shutdown_signal(),
        crate::server::ServeOptions::from_settings(&settings.server),
    )
    .await?;
    if let Some(metrics) = metrics {
        metrics.abort();
    }
    for task in beside {
        // It saw the same signal: it finishes its work in hand (a worker, its jobs).
        let _ = task.await;
    }
    tracing::info!("server stopped");
    Ok(())
}

/// Starts what the apps run beside the server (the jobs extra's in-server worker); each
/// watches for the shutdown signal itself.
fn start_beside_server(state: &AppState) -> anyhow::Result<Vec<tokio::task::JoinHandle<()>>> {
    let mut started = Vec::new();
    for (app, start) in state.services().contributions().of::<BesideServer>() {
        if let Some(task) =
            (start.0)(state).with_context(|| format!("app `{app}` failed to start"))?
        {
            started.push(tokio::spawn(task));
        }
    }
    Ok(started)
}

async fn migrate(project: &Project, settings: &Settings, down: Option<u32>) -> anyhow::Result<()> {
    let db = connect(settings).await?;
    let migrator = project.migrator()?;
    match down {
        Some(n) => {
            let mut applied: Vec<String> = migrator
                .get_applied_migrations(&db)
                .await?
                .iter()
                .map(|m| m.name().to_string())
                .collect();
            if applied.is_empty() {
                println!("No migrations are applied; nothing to roll back.");
                return Ok(());
            }
            applied.reverse();
            for name in applied.iter().take(n as usize) {
                println!("  Unapplying {name}...");
                migrator
                    .down(&db, Some(1))
                    .await
                    .with_context(|| format!("rolling back {name} failed"))?;
            }
            println!(
                "Rolled back {} migration(s).",
                applied.len().min(n as usize)
            );
        }
        None => {
            let n = apply_pending(project, &db, true).await?;
            if n == 0 {
                println!("No migrations to apply.");
            } else {
                println!("Applied {n} migration(s).");
            }
        }
    }
    Ok(())
}

async fn showmigrations(project: &Project, settings: &Settings) -> anyhow::Result<()> {
    let db = connect(settings).await?;
    for (app, rows) in project.migrator()?.status(&db).await? {
        println!("{app}");
        if rows.is_empty() {
            println!(" (no migrations)");
        }
        for (name, applied) in rows {
            println!(" [{}] {name}", if applied { "X" } else { " " });
        }
    }
    Ok(())
}

fn routes(project: &Project) -> anyhow::Result<()> {
    let urls = project.resolve_urls()?;
    let rows: Vec<[String; 4]> = urls
        .routes
        .iter()
        .map(|r| {
            let methods = r
                .methods
                .iter()
                .map(|m| m.as_str())
                .collect::<Vec<_>>()
                .join(",");
            [methods, r.path.clone(), r.name.clone(), r.app.to_string()]
        })
        .collect();
    let header = ["METHOD", "PATH", "NAME", "APP"].map(String::from);
    let mut widths = [0usize; 4];
    for row in std::iter::once(&header).chain(rows.iter()) {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.len());
        }
    }
    // Written through a lock so `project routes | head` ends quietly on a closed pipe.
    let mut out = std::io::stdout().lock();
    for row in std::iter::once(&header).chain(rows.iter()) {
        let written = writeln!(
            out,
            "{:<w0$}  {:<w1$}  {:<w2$}  {}",
            row[0],
            row[1],
            row[2],
            row[3],
            w0 = widths[0],
            w1 = widths[1],
            w2 = widths[2]
        );
        match written {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => break,
            other => other?,
        }
    }
    Ok(())
}

/// `check --deploy`: every problem, settings that don't load included, one per line.
fn check_deploy(project: &Project) -> anyhow::Result<()> {
    let (settings, invalid) = project.load_settings_with_problems(&project.settings_source())?;
    init_logging(&settings);
    let mut problems: Vec<String> = invalid.iter().map(ToString::to_string).collect();
    problems.extend(project.check(&settings, true));
    report(&settings, true, problems)
}

fn check(project: &Project, settings: &Settings, deploy: bool) -> anyhow::Result<()> {
    report(settings, deploy, project.check(settings, deploy))
}

/// Prints the problems and fails when any is an error; findings that start with
/// `warning: ` (Django's `checks.Warning`) are printed and do not change the exit status.
fn report(settings: &Settings, deploy: bool, problems: Vec<String>) -> anyhow::Result<()> {
    let (warnings, errors): (Vec<String>, Vec<String>) =
        problems.into_iter().partition(|p| p.starts_with(WARNING));
    for w in &warnings {
        eprintln!("  - {w}");
    }
    if errors.is_empty() {
        println!(
            "System check identified no issues ({} environment{}){}.",
            settings.environment,
            if deploy {
                ", deployment checks included"
            } else {
                ""
            },
            match warnings.len() {
                0 => String::new(),
                n => format!("; {n} warning(s)"),
            }
        );
        Ok(())
    } else {
        for p in &errors {
            eprintln!("  - {p}");
        }
        anyhow::bail!("system check identified {} issue(s)", errors.len())
    }
}

/// How an app's check marks a finding that must not fail `check` (see `report`).
pub const WARNING: &str = "warning: ";

async fn state_for_commands(project: &Project, settings: Settings) -> anyhow::Result<AppState> {
    let db = connect_ready(project, &settings).await?;
    Ok(project.state(Arc::new(settings), db)?.0)
}

async fn cleanup(project: &Project, settings: Settings) -> anyhow::Result<()> {
    let state = state_for_commands(project, settings).await?;
    for (label, what, count) in run_cleanup(&project.apps, &state).await? {
        println!("{label}: {count} {what}");
    }
    Ok(())
}

/// Every app's housekeeping (`project cleanup`, and the hourly `jobs.cleanup` task): what
/// each app did, as (app, what, how many).
pub async fn run_cleanup(
    apps: &[Arc<dyn crate::App>],
    state: &AppState,
) -> anyhow::Result<Vec<(&'static str, String, u64)>> {
    run_each(apps, state, "cleanup", |app, state| app.cleanup(state)).await
}

/// What an app hook that reports (description, count) pairs returns.
type Report<'a> = std::pin::Pin<
    Box<dyn std::future::Future<Output = anyhow::Result<Vec<(String, u64)>>> + Send + 'a>,
>;

/// Runs `hook` of every app in order: what each did, as (app, what, how many).
async fn run_each(
    apps: &[Arc<dyn crate::App>],
    state: &AppState,
    hook_name: &str,
    hook: for<'a> fn(&'a dyn crate::App, &'a AppState) -> Report<'a>,
) -> anyhow::Result<Vec<(&'static str, String, u64)>> {
    let mut done = Vec::new();
    for app in apps {
        for (what, count) in hook(app.as_ref(), state)
            .await
            .with_context(|| format!("{hook_name} of app `{}` failed", app.label()))?
        {
            done.push((app.label(), what, count));
        }
    }
    Ok(done)
}

/// Every app's demo data (`project seed`): what each app wrote, as (app, what, how many).
pub async fn run_seed_demo(
    apps: &[Arc<dyn crate::App>],
    state: &AppState,
) -> anyhow::Result<Vec<(&'static str, String, u64)>> {
    run_each(apps, state, "demo data", |app, state| app.seed_demo(state)).await
}

async fn run_app_command(
    project: &Project,
    settings: Settings,
    command: Arc<dyn Command>,
    args: &ArgMatches,
) -> anyhow::Result<()> {
    let state = state_for_commands(project, settings).await?;
    command.run(&state, args).await
}
