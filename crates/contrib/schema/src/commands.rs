//! `project makemigrations` and `project sqlmigrate`.

use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;
use std::sync::{Arc, Mutex};

use anyhow::{Context, bail};
use clap::{Arg, ArgAction, ArgMatches, Command as ClapCommand};
use sea_orm::{
    DatabaseConnection, DatabaseConnectionType, DbBackend, DbErr, ExecResult, MockDatabase,
    MockDatabaseConnection, MockDatabaseTrait, MockExecResult, QueryResult, Statement, Transaction,
};
use sea_orm_migration::SchemaManager;

use super::autodetect::{self, Rename};
use super::files;
use super::state::InstalledApp;
use web::project::Project;
use web::settings::{Backend, Settings};

/// The `schema` app: `project makemigrations` and `project sqlmigrate` (install it in
/// the project; apps list their entities with [`super::InstallSchema::entities`]).
pub struct Schema;

impl web::App for Schema {
    fn label(&self) -> &'static str {
        "schema"
    }
    fn migration_group(&self) -> Option<&'static str> {
        None
    }
    fn template_dir(&self) -> Option<&'static str> {
        None
    }
    fn install(&self, app: &mut web::Installer) {
        app.project_command(MakeMigrations)
            .project_command(SqlMigrate);
    }
}

struct MakeMigrations;

#[async_trait::async_trait]
impl web::ProjectCommand for MakeMigrations {
    fn definition(&self) -> ClapCommand {
        makemigrations_command()
    }
    async fn run(&self, project: &Project, _: &Settings, args: &ArgMatches) -> anyhow::Result<()> {
        makemigrations(project, args).await
    }
}

struct SqlMigrate;

#[async_trait::async_trait]
impl web::ProjectCommand for SqlMigrate {
    fn definition(&self) -> ClapCommand {
        sqlmigrate_command()
    }
    async fn run(
        &self,
        project: &Project,
        settings: &Settings,
        args: &ArgMatches,
    ) -> anyhow::Result<()> {
        sqlmigrate(project, settings, args).await
    }
}

fn makemigrations_command() -> ClapCommand {
    ClapCommand::new("makemigrations")
        .about("Write migrations for the changes in the apps' entities (needs no database)")
        .long_about(
            "Compares, per app, the schema its entities describe with the schema its migrations \
             produce (both built in a scratch in-memory SQLite database) and writes a migration \
             into migration/src/<app>/ for the difference. Review it, then run `project migrate`.\n\n\
             Tables, indexes and triggers no entity describes (FTS5 tables, expression indexes, \
             tables an app lists in App::unmanaged_tables) are left alone.",
        )
        .arg(Arg::new("apps").value_name("APP").num_args(0..).help("Only these apps (default: every installed app)"))
        .arg(Arg::new("name").long("name").value_name("NAME").help("The migration's name (default: from what it does)"))
        .arg(Arg::new("dry-run").long("dry-run").action(ArgAction::SetTrue).help("Show what would be written; write nothing"))
        .arg(Arg::new("check").long("check").action(ArgAction::SetTrue).help("Write nothing; exit 1 listing the changes when entities and migrations differ (for CI)"))
        .arg(Arg::new("print").long("print").action(ArgAction::SetTrue).help("With --dry-run, also print the files' contents"))
        .arg(
            Arg::new("rename-column")
                .long("rename-column")
                .value_name("APP.TABLE.OLD:NEW")
                .action(ArgAction::Append)
                .value_parser(|s: &str| s.parse::<Rename>())
                .help("Treat a dropped column OLD and an added NEW as a rename (repeatable)"),
        )
        .arg(Arg::new("no-input").long("no-input").action(ArgAction::SetTrue).help("Never ask whether a column was renamed"))
}

fn sqlmigrate_command() -> ClapCommand {
    ClapCommand::new("sqlmigrate")
        .about("Print the SQL a migration runs (needs no database)")
        .arg(
            Arg::new("app")
                .value_name("APP")
                .required(true)
                .help("The app whose migration it is"),
        )
        .arg(
            Arg::new("name")
                .value_name("NAME")
                .required(true)
                .help("The migration's file stem, e.g. m20261125_000201_create_products"),
        )
        .arg(
            Arg::new("backend")
                .long("backend")
                .value_parser(["sqlite", "mysql", "postgres"])
                .help("The database to write SQL for (default: database.url's)"),
        )
        .arg(
            Arg::new("down")
                .long("down")
                .action(ArgAction::SetTrue)
                .help("Print the SQL of `down` instead of `up`"),
        )
}

/// The installed apps with their entities and migrations.
fn installed(project: &Project) -> anyhow::Result<Vec<InstalledApp>> {
    let mut apps = Vec::new();
    let contributions = project.contributions();
    for app in &project.apps {
        let entities: Vec<super::EntitySchema> = contributions
            .of::<super::Entities>()
            .filter(|(label, _)| *label == app.label())
            .flat_map(|(_, e)| e.0.iter().cloned())
            .collect();
        let unmanaged_tables: Vec<&'static str> = contributions
            .of::<super::UnmanagedTables>()
            .filter(|(label, _)| *label == app.label())
            .flat_map(|(_, t)| t.0.iter().copied())
            .collect();
        let Some(group) = app.migration_group() else {
            if !entities.is_empty() {
                bail!(
                    "app `{}` has entities but no migration group; return Some(label) from App::migration_group",
                    app.label()
                );
            }
            continue;
        };
        let migrations = (project.migrations)(group).with_context(|| {
            format!("app `{}` declares the migration group `{group}`, but the migration crate has no such group", app.label())
        })?;
        apps.push(InstalledApp {
            label: app.label(),
            entities,
            unmanaged_tables,
            migrations,
        });
    }
    Ok(apps)
}

async fn makemigrations(project: &Project, args: &ArgMatches) -> anyhow::Result<()> {
    let only: Vec<String> = args
        .get_many::<String>("apps")
        .map(|v| v.cloned().collect())
        .unwrap_or_default();
    let renames: Vec<Rename> = args
        .get_many::<Rename>("rename-column")
        .map(|v| v.cloned().collect())
        .unwrap_or_default();
    let check = args.get_flag("check");
    let dry_run = args.get_flag("dry-run");
    let interactive = !check && !args.get_flag("no-input") && std::io::stdin().is_terminal();
    let apps = installed(project)?;
    let mut prompt = |question: &str| -> bool {
        print!("{question}");
        let _ = std::io::stdout().flush();
        let mut answer = String::new();
        let _ = std::io::stdin().lock().read_line(&mut answer);
        matches!(answer.trim(), "y" | "Y" | "yes")
    };
    let ask: autodetect::Ask<'_> = if interactive { Some(&mut prompt) } else { None };
    let detected = autodetect::detect(&apps, &only, &renames, ask).await?;
    if !detected.problems.is_empty() {
        for problem in &detected.problems {
            eprintln!("  - {problem}");
        }
        bail!(
            "makemigrations cannot write {} change(s); nothing was written",
            detected.problems.len()
        );
    }
    if detected.changes.is_empty() {
        match only.as_slice() {
            [] => println!("No changes detected"),
            [app] => println!("No changes detected in app '{app}'"),
            apps => println!("No changes detected in apps '{}'", apps.join("', '")),
        }
        return Ok(());
    }
    if check {
        for change in &detected.changes {
            println!("Pending changes for '{}':", change.app);
            for op in &change.operations {
                println!("    - {}", op.describe());
            }
        }
        bail!(
            "the entities and the migrations differ; run `project makemigrations` and commit the migrations"
        );
    }
    let root = std::env::current_dir()?;
    let today = time::OffsetDateTime::now_utc().date();
    let owned: Vec<(String, std::path::PathBuf)> = project
        .contributions()
        .of::<super::MigrationsFolder>()
        .map(|(app, folder)| (app.to_string(), folder.0.into()))
        .collect();
    let mut planned = Vec::new();
    for change in &detected.changes {
        planned.push(files::plan(
            &root,
            change.app,
            &owned,
            &change.operations,
            args.get_one::<String>("name").map(String::as_str),
            today,
        )?);
    }
    for (migration, change) in planned.iter().zip(&detected.changes) {
        println!("Migrations for '{}':", migration.app);
        println!("  {}", relative(&root, &migration.path));
        for op in &change.operations {
            println!("    - {}", op.describe());
        }
        if dry_run {
            if args.get_flag("print") {
                println!("{}", migration.contents);
            }
        } else {
            files::write(migration)?;
        }
    }
    Ok(())
}

fn relative(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .display()
        .to_string()
}

/// Records the statements a migration runs instead of running them (a mock connection
/// that logs what it is sent). A read cannot be answered, so a migration that looks
/// something up stops there.
#[derive(Debug)]
struct Recorder {
    inner: MockDatabase,
    statements: Arc<Mutex<Vec<String>>>,
}

/// What a recorded read fails with, so the command can tell it from a real error.
const READS: &str = "sqlmigrate cannot answer reads";

impl MockDatabaseTrait for Recorder {
    fn execute(&mut self, counter: usize, stmt: Statement) -> Result<ExecResult, DbErr> {
        self.statements
            .lock()
            .expect("recorder poisoned")
            .push(stmt.to_string());
        self.inner.execute(counter, stmt)
    }

    fn query(&mut self, _counter: usize, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        self.statements
            .lock()
            .expect("recorder poisoned")
            .push(stmt.to_string());
        Err(DbErr::Custom(READS.into()))
    }

    fn begin(&mut self) {
        self.inner.begin()
    }

    fn commit(&mut self) {
        self.inner.commit()
    }

    fn rollback(&mut self) {
        self.inner.rollback()
    }

    fn drain_transaction_log(&mut self) -> Vec<Transaction> {
        self.inner.drain_transaction_log()
    }

    fn get_database_backend(&self) -> DbBackend {
        self.inner.get_database_backend()
    }

    fn ping(&self) -> Result<(), DbErr> {
        Ok(())
    }
}

/// Statements a migration may run before sqlmigrate gives up on it.
const MAX_STATEMENTS: usize = 10_000;

async fn sqlmigrate(
    project: &Project,
    settings: &Settings,
    args: &ArgMatches,
) -> anyhow::Result<()> {
    let app = args.get_one::<String>("app").expect("required");
    let name = args.get_one::<String>("name").expect("required");
    let backend = match args.get_one::<String>("backend").map(String::as_str) {
        Some("mysql") => DbBackend::MySql,
        Some("postgres") => DbBackend::Postgres,
        Some(_) => DbBackend::Sqlite,
        None => {
            match Backend::from_url(settings.database.url.expose()).map_err(anyhow::Error::msg)? {
                Backend::Sqlite => DbBackend::Sqlite,
                Backend::MySql => DbBackend::MySql,
                Backend::Postgres => DbBackend::Postgres,
            }
        }
    };
    let installed = project
        .apps
        .iter()
        .find(|a| a.label() == app)
        .with_context(|| format!("no installed app is called `{app}`"))?;
    let group = installed
        .migration_group()
        .with_context(|| format!("app `{app}` has no migrations"))?;
    let migrations = (project.migrations)(group).unwrap_or_default();
    let Some(migration) = migrations.iter().find(|m| m.name() == name) else {
        let names: Vec<&str> = migrations.iter().map(|m| m.name()).collect();
        bail!(
            "app `{app}` has no migration `{name}`; its migrations are: {}",
            if names.is_empty() {
                "(none)".to_string()
            } else {
                names.join(", ")
            }
        );
    };
    let statements = Arc::new(Mutex::new(Vec::new()));
    let recorder = Recorder {
        inner: MockDatabase::new(backend).append_exec_results((0..MAX_STATEMENTS).map(|_| {
            MockExecResult {
                last_insert_id: 0,
                rows_affected: 0,
            }
        })),
        statements: statements.clone(),
    };
    let db: DatabaseConnection = DatabaseConnectionType::MockDatabaseConnection(Arc::new(
        MockDatabaseConnection::new(recorder),
    ))
    .into();
    let manager = SchemaManager::new(&db);
    let outcome = if args.get_flag("down") {
        migration.down(&manager).await
    } else {
        migration.up(&manager).await
    };
    let statements = statements.lock().expect("recorder poisoned").clone();
    let mut out = std::io::stdout().lock();
    if backend == DbBackend::Postgres {
        writeln!(out, "BEGIN;")?;
    }
    for statement in &statements {
        writeln!(out, "{};", statement.trim_end_matches(';'))?;
    }
    match outcome {
        Ok(()) => {
            if backend == DbBackend::Postgres {
                writeln!(out, "COMMIT;")?;
            }
            Ok(())
        }
        Err(e) if e.to_string().contains(READS) => {
            writeln!(
                out,
                "-- The migration reads the database here (the last statement above) and what it runs next depends on the answer;\n-- on SQLite this is a table rebuild (see web_schema::editor), elsewhere the lookup of a constraint's name."
            )?;
            Ok(())
        }
        Err(e) => {
            Err(e).with_context(|| format!("migration {name} failed while its SQL was recorded"))
        }
    }
}
