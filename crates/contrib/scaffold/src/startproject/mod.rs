//! `cargo xtask startproject NAME --path DIR [--database sqlite|mysql|postgres] [--git URL]`:
//! a new workspace on the framework (Django's `startproject`) with the top level of this
//! one: `Cargo.toml`, `crates/project` (a thin binary with the accounts and admin apps
//! installed and a home page), `config/`, `migration/`, `templates/`, `static/`, `xtask/`
//! (whose `startapp` and `makemigrations` work there), `README.md` and `.ci/run`.
//!
//! The framework's crates come from where this workspace takes them: by path (written
//! relative to the new project), or from the same git repository; `--git URL` names one.
//! The third-party dependencies, the build profiles and `Cargo.lock` are copied from this
//! workspace, so the new project builds the versions tested here and shares a target
//! folder's builds. Every file is planned in memory first; nothing is written unless every
//! step succeeded.

use std::path::{Component, Path, PathBuf};

use anyhow::{Context, Result, bail};
use toml_edit::{DocumentMut, InlineTable, Item, Value};

use crate::read;
use crate::startapp::names;

mod config;

/// Create a new project workspace on the framework (like Django's `startproject`)
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Examples:\n  cargo xtask startproject school --path ../school\n  cargo xtask startproject school --path ../school --database postgres\n  cargo xtask startproject school --path ../school --git https://example.com/you/framework.git\n\nThen, in DIR: `cargo run -p project -- serve` (SQLite, http://127.0.0.1:8000/) and `cargo test`."
)]
pub struct Args {
    /// The project's name (lower-case letters, digits and underscores, e.g. `school`)
    name: String,
    /// The folder to create the project in (new, or empty)
    #[arg(long, value_name = "DIR")]
    path: PathBuf,
    /// The database production runs on (`config/production.toml`); development and the
    /// tests use SQLite
    #[arg(long, value_enum, default_value_t = Database::Sqlite)]
    database: Database,
    /// Take the framework's crates from this git repository (default: from where this
    /// workspace takes them)
    #[arg(long, value_name = "URL")]
    git: Option<String>,
    /// Print the files it would create, and create nothing
    #[arg(long)]
    dry_run: bool,
}

/// The database of `config/production.toml`.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Database {
    Sqlite,
    Mysql,
    Postgres,
}

impl Database {
    /// The production URL, when it is not the default SQLite file.
    fn production_url(self, name: &str) -> Option<String> {
        match self {
            Database::Sqlite => None,
            Database::Mysql => Some(format!("mysql://{name}@127.0.0.1:3306/{name}")),
            Database::Postgres => Some(format!("postgres://{name}@127.0.0.1:5432/{name}")),
        }
    }
}

/// The framework's crates a project depends on, and where they are in its repository.
const FRAMEWORK_CRATES: &[(&str, &str)] = &[
    ("web", "crates/web"),
    ("web-cache", "crates/contrib/cache"),
    ("web-fixtures", "crates/contrib/fixtures"),
    ("web-i18n", "crates/contrib/i18n"),
    ("web-jobs", "crates/contrib/jobs"),
    ("web-mail", "crates/contrib/mail"),
    ("web-media", "crates/contrib/media"),
    ("web-modeladmin", "crates/contrib/modeladmin"),
    ("web-openapi", "crates/contrib/openapi"),
    ("web-replicas", "crates/contrib/replicas"),
    ("web-scaffold", "crates/contrib/scaffold"),
    ("web-schema", "crates/contrib/schema"),
    ("web-sessions", "crates/contrib/sessions"),
    ("web-test", "crates/contrib/test"),
    ("accounts", "crates/accounts"),
    ("admin", "crates/admin"),
];

/// Where the new project takes the framework's crates from.
#[derive(Debug, Clone)]
enum Source {
    /// The framework's repository on this machine (absolute), and the version its crates
    /// share (its `[workspace.package] version`), which the project then requires.
    Path {
        root: PathBuf,
        version: Option<String>,
    },
    /// A git repository: `git` and, if any, `rev`/`branch`/`tag`.
    Git(InlineTable),
}

impl Source {
    /// How this workspace takes `web`, or `--git`.
    fn of(here: &Path, workspace: &DocumentMut, git: Option<&str>) -> Result<Source> {
        if let Some(url) = git {
            let mut table = InlineTable::new();
            table.insert("git", url.into());
            return Ok(Source::Git(table));
        }
        let web = workspace
            .get("workspace")
            .and_then(|w| w.get("dependencies"))
            .and_then(|d| d.get("web"))
            .and_then(|w| w.as_table_like())
            .context("Cargo.toml has no `web` in [workspace.dependencies]: run startproject in the framework's workspace, or in a project made by it")?;
        if let Some(path) = web.get("path").and_then(|p| p.as_str()) {
            let web_dir = here.join(path);
            let root = web_dir
                .parent()
                .and_then(Path::parent)
                .filter(|_| Path::new(path).ends_with("crates/web"))
                .with_context(|| {
                    format!("Cargo.toml: `web` is at `{path}`, not in a framework's crates/web")
                })?;
            let root = root
                .canonicalize()
                .with_context(|| format!("the framework's folder {}", root.display()))?;
            let version = std::fs::read_to_string(root.join("Cargo.toml"))
                .ok()
                .and_then(|text| text.parse::<DocumentMut>().ok())
                .and_then(|doc| {
                    let version = doc.get("workspace")?.get("package")?.get("version")?;
                    version.as_str().map(str::to_string)
                });
            return Ok(Source::Path { root, version });
        }
        if web.get("git").is_some() {
            let mut table = InlineTable::new();
            for key in ["git", "rev", "branch", "tag"] {
                if let Some(value) = web.get(key).and_then(|v| v.as_value()) {
                    table.insert(key, value.clone());
                }
            }
            return Ok(Source::Git(table));
        }
        bail!(
            "Cargo.toml: `web` in [workspace.dependencies] is neither a path nor a git dependency"
        )
    }

    /// The dependency entry of the framework's crate at `dir`, for a project at `project`.
    fn dependency(&self, dir: &str, project: &Path) -> Value {
        let mut table = match self {
            Source::Path { root, version } => {
                let mut table = InlineTable::new();
                let path = relative(project, &root.join(dir));
                table.insert("path", path.to_string_lossy().as_ref().into());
                if let Some(version) = version {
                    table.insert("version", version.as_str().into());
                }
                table
            }
            Source::Git(git) => git.clone(),
        };
        table.fmt();
        Value::InlineTable(table)
    }
}

/// `to` as a path relative to `from` (both absolute).
fn relative(from: &Path, to: &Path) -> PathBuf {
    let from: Vec<Component> = from.components().collect();
    let to: Vec<Component> = to.components().collect();
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut path = PathBuf::new();
    for _ in common..from.len() {
        path.push("..");
    }
    for part in &to[common..] {
        path.push(part);
    }
    path
}

/// `path` made absolute with its existing part's symlinks resolved (the rest need not
/// exist yet), so it compares with a canonical path.
fn resolve(path: &Path) -> Result<PathBuf> {
    let absolute = std::path::absolute(path)?;
    let mut existing = absolute.as_path();
    let mut rest = Vec::new();
    while !existing.exists() {
        rest.push(
            existing
                .file_name()
                .context("a folder to create the project in")?,
        );
        existing = existing
            .parent()
            .context("a folder to create the project in")?;
    }
    let mut resolved = existing.canonicalize()?;
    for part in rest.iter().rev() {
        if *part == ".." {
            resolved.pop();
        } else if *part != "." {
            resolved.push(part);
        }
    }
    Ok(resolved)
}

pub fn run(args: Args) -> Result<()> {
    let here = crate::workspace_root()?;
    let project = resolve(&args.path)?;
    let files = plan(&here, &project, &args)?;
    let shown = |path: &Path| project.join(path).display().to_string();
    if args.dry_run {
        println!("Would create:");
        for (path, _) in &files {
            println!("  {}", shown(path));
        }
        println!("(dry run: nothing was created)");
        return Ok(());
    }
    for (path, text) in &files {
        let path = project.join(path);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
        std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
    }
    make_executable(&project.join(".ci/run"))?;
    let written: Vec<PathBuf> = files.iter().map(|(path, _)| project.join(path)).collect();
    crate::rustfmt(&project, written.iter());
    println!("Created project `{}` in {}:", args.name, project.display());
    for (path, _) in &files {
        println!("  + {}", path.display());
    }
    println!(
        "\nNext:\n  cd {}\n  cargo run -p project -- serve     # SQLite, http://127.0.0.1:8000/\n  cargo test\n  cargo xtask startapp NAME --model Model field:type…",
        args.path.display()
    );
    Ok(())
}

#[cfg(unix)]
fn make_executable(path: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))
        .with_context(|| format!("making {} executable", path.display()))
}

#[cfg(not(unix))]
fn make_executable(_: &Path) -> Result<()> {
    Ok(())
}

/// Every file of the new project at `project` (absolute), path relative to it; checks
/// everything and writes nothing.
fn plan(here: &Path, project: &Path, args: &Args) -> Result<Vec<(PathBuf, String)>> {
    names::check_project(&args.name)?;
    if project.starts_with(here) {
        bail!(
            "{} is inside this workspace ({}): choose a folder outside it, e.g. `--path ../{}`",
            project.display(),
            here.display(),
            args.name
        );
    }
    if project.is_file() {
        bail!("{} is a file; choose a new folder", project.display());
    }
    if project.is_dir()
        && std::fs::read_dir(project)
            .with_context(|| format!("reading {}", project.display()))?
            .next()
            .is_some()
    {
        bail!(
            "{} is not empty; choose a new or empty folder",
            project.display()
        );
    }
    let workspace_text = read(here, "Cargo.toml")?;
    let workspace: DocumentMut = workspace_text
        .parse()
        .context("Cargo.toml does not parse")?;
    let source = Source::of(here, &workspace, args.git.as_deref())?;
    let title = names::title(&args.name);
    let fill = |template: &str| {
        template
            .replace("__name__", &args.name)
            .replace("__Title__", &title)
            .replace(
                "__database_note__",
                &match args.database.production_url(&args.name) {
                    Some(url) => format!("the database at `{url}`"),
                    None => "a SQLite file, `db.sqlite3`".to_string(),
                },
            )
    };
    let mut files: Vec<(&str, String)> = vec![
        (
            "Cargo.toml",
            workspace_toml(&workspace, &workspace_text, &source, project)?,
        ),
        (".cargo/config.toml", fill(CARGO_CONFIG)),
        (".gitignore", fill(GITIGNORE)),
        ("README.md", fill(README)),
        (".ci/run", fill(CI_RUN)),
        ("crates/project/Cargo.toml", fill(PROJECT_CARGO)),
        ("crates/project/src/main.rs", fill(PROJECT_MAIN)),
        ("crates/project/src/lib.rs", fill(PROJECT_LIB)),
        ("crates/project/src/apps.rs", fill(PROJECT_APPS)),
        ("crates/project/src/urls.rs", fill(PROJECT_URLS)),
        ("crates/project/src/pages.rs", fill(PROJECT_PAGES)),
        ("crates/project/tests/it/main.rs", fill(PROJECT_TESTS)),
        ("migration/Cargo.toml", fill(MIGRATION_CARGO)),
        ("migration/src/lib.rs", fill(MIGRATION_LIB)),
        ("xtask/Cargo.toml", fill(XTASK_CARGO)),
        ("xtask/src/main.rs", fill(XTASK_MAIN)),
        ("templates/base.html", fill(BASE_HTML)),
        ("templates/home.html", fill(HOME_HTML)),
    ];
    for path in config::FILES {
        let text = config::derive(path, &read(here, path)?, &args.name, args.database)?;
        files.push((path, text));
    }
    // The framework's page parts every project has: form macros, error pages, the CSS.
    for copied in [
        "templates/forms.html",
        "templates/errors/403.html",
        "templates/errors/404.html",
        "templates/errors/500.html",
        "templates/errors/error.html",
        "static/css/site.css",
    ] {
        files.push((copied, read(here, copied)?));
    }
    // The versions tested here; cargo drops what the new project does not use.
    if let Ok(lock) = std::fs::read_to_string(here.join("Cargo.lock")) {
        files.push(("Cargo.lock", lock));
    }
    Ok(files
        .into_iter()
        .map(|(path, text)| (PathBuf::from(path), text))
        .collect())
}

/// The new workspace's `Cargo.toml`: its members, this workspace's package defaults, the
/// framework's crates from `source`, its own `migration`, this workspace's third-party
/// dependencies and build profiles.
fn workspace_toml(
    workspace: &DocumentMut,
    text: &str,
    source: &Source,
    project: &Path,
) -> Result<String> {
    let section = |name: &str| {
        workspace
            .get("workspace")
            .and_then(|w| w.get(name))
            .and_then(Item::as_table_like)
            .with_context(|| format!("Cargo.toml has no [workspace.{name}]"))
    };
    let mut out = String::from(
        "[workspace]\nresolver = \"3\"\nmembers = [\"crates/*\", \"migration\", \"xtask\"]\n\n[workspace.package]\n",
    );
    // The framework's version is not the project's: its crates carry their own.
    for (key, item) in section("package")?
        .iter()
        .filter(|(key, _)| *key != "version")
    {
        out.push_str(&entry(key, item)?);
    }
    out.push_str("\n[workspace.dependencies]\n# The framework\n");
    for (name, dir) in FRAMEWORK_CRATES {
        out.push_str(&format!("{name} = {}\n", source.dependency(dir, project)));
    }
    out.push_str("# This project's crates\nmigration = { path = \"migration\" }\n");
    out.push_str("# Third-party crates, at the versions the framework is tested with\n");
    let dependencies = section("dependencies")?;
    for (name, item) in dependencies.iter() {
        let framework = FRAMEWORK_CRATES
            .iter()
            .any(|(crate_name, _)| *crate_name == name);
        let local = item
            .as_table_like()
            .is_some_and(|t| t.contains_key("path") || t.contains_key("git"));
        if !framework && !local {
            out.push_str(&entry(name, item)?);
        }
    }
    // The build profiles, as written (with their comments): the same profiles share builds.
    if let Some(start) = text.lines().position(|l| l.starts_with("[profile")) {
        let profiles: Vec<&str> = text
            .lines()
            .skip(start)
            .take_while(|l| !l.starts_with('[') || l.starts_with("[profile"))
            .collect();
        out.push('\n');
        out.push_str(profiles.join("\n").trim_end());
        out.push('\n');
    }
    out.parse::<DocumentMut>()
        .context("the new Cargo.toml would not parse")?;
    Ok(out)
}

/// `key = value` on one line (a table becomes an inline table).
fn entry(key: &str, item: &Item) -> Result<String> {
    let mut value = item
        .clone()
        .into_value()
        .map_err(|_| anyhow::anyhow!("Cargo.toml: `{key}` is not a value"))?;
    value.decor_mut().clear();
    Ok(format!("{key} = {value}\n"))
}

const CARGO_CONFIG: &str = include_str!("templates/cargo_config.toml.tmpl");
const GITIGNORE: &str = include_str!("templates/gitignore.tmpl");
const README: &str = include_str!("templates/README.md.tmpl");
const CI_RUN: &str = include_str!("templates/ci_run.tmpl");
const PROJECT_CARGO: &str = include_str!("templates/project_Cargo.toml.tmpl");
const PROJECT_MAIN: &str = include_str!("templates/project_main.rs.tmpl");
const PROJECT_LIB: &str = include_str!("templates/project_lib.rs.tmpl");
const PROJECT_APPS: &str = include_str!("templates/project_apps.rs.tmpl");
const PROJECT_URLS: &str = include_str!("templates/project_urls.rs.tmpl");
const PROJECT_PAGES: &str = include_str!("templates/project_pages.rs.tmpl");
const PROJECT_TESTS: &str = include_str!("templates/project_tests.rs.tmpl");
const MIGRATION_CARGO: &str = include_str!("templates/migration_Cargo.toml.tmpl");
const MIGRATION_LIB: &str = include_str!("templates/migration_lib.rs.tmpl");
const XTASK_CARGO: &str = include_str!("templates/xtask_Cargo.toml.tmpl");
const XTASK_MAIN: &str = include_str!("templates/xtask_main.rs.tmpl");
const BASE_HTML: &str = include_str!("templates/base.html.tmpl");
const HOME_HTML: &str = include_str!("templates/home.html.tmpl");

#[cfg(test)]
mod tests;
