//! `cargo xtask startapp NAME [--model Model field:type…] [--dry-run]`: a new app crate
//! with the layout of the existing ones, wired into the project.
//!
//! Every file is planned in memory first (new files and the edited wiring files); only
//! when every step succeeded is anything written, so a refusal changes nothing.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

mod fields;
mod fragments;
mod generate;
pub(crate) mod names;
mod wiring;

use crate::read;
use fields::{Field, Kind};
use generate::{ModelSpec, Spec};

/// Create a new app wired into the project (like Django's `startapp`)
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Examples:\n  cargo xtask startapp blog\n  cargo xtask startapp students --model Student name:string email:string age:int\n  cargo xtask startapp reviews --model Review rating:int body:text product:fk:catalog.Product --dry-run\n  cargo xtask startapp gallery --model Photo title:string photo:image\n\nField types: string, text, int, bigint, bool, money, date, datetime, image, fk:APP.Model; a trailing ? makes a field optional (age:int?); an image is always optional (uploaded on the admin site)."
)]
pub struct Args {
    /// The app's name (a lower-case Rust identifier, e.g. `students`)
    name: String,
    /// Also generate a model with full CRUD: entity, migration, JSON API, pages, tests
    #[arg(long, value_name = "Model")]
    model: Option<String>,
    /// The model's fields, `name:type` (with --model)
    #[arg(value_name = "FIELD")]
    fields: Vec<String>,
    /// Print what would be created and changed, and change nothing
    #[arg(long)]
    dry_run: bool,
    /// The workspace to change (default: the one this xtask belongs to)
    #[arg(long, value_name = "DIR")]
    root: Option<PathBuf>,
}

/// What `startapp` will do.
pub struct Plan {
    pub create: Vec<(PathBuf, String)>,
    pub edit: Vec<(PathBuf, String, String)>,
}

pub fn run(args: Args) -> Result<()> {
    let root = match &args.root {
        Some(root) => root.clone(),
        None => crate::workspace_root()?,
    };
    let plan = plan(&root, &args.name, args.model.as_deref(), &args.fields)?;
    if args.dry_run {
        println!("Would create:");
        for (path, _) in &plan.create {
            println!("  {}", path.strip_prefix(&root).unwrap_or(path).display());
        }
        println!("Would change:");
        for (path, _, what) in &plan.edit {
            println!(
                "  {}: {what}",
                path.strip_prefix(&root).unwrap_or(path).display()
            );
        }
        if args.model.is_some() {
            println!(
                "Would run: cargo run -p project -- makemigrations {}",
                args.name
            );
        }
        println!("(dry run: nothing was changed)");
        return Ok(());
    }
    apply(&root, &plan)?;
    println!("Created app `{}`:", args.name);
    for (path, _) in &plan.create {
        println!("  + {}", path.strip_prefix(&root).unwrap_or(path).display());
    }
    for (path, _, what) in &plan.edit {
        println!(
            "  ~ {}: {what}",
            path.strip_prefix(&root).unwrap_or(path).display()
        );
    }
    if args.model.is_some() {
        initial_migration(&root, &args.name)?;
    }
    println!(
        "\nNext: `cargo test -p {}`, then `cargo run -p project -- routes` to see its URLs.",
        args.name
    );
    Ok(())
}

/// The model's first migration, written by `project makemigrations` from its entity (the
/// one code path for schema), which means building the project with the new app.
fn initial_migration(root: &Path, app: &str) -> Result<()> {
    println!(
        "\nWriting the first migration: cargo run -p project -- makemigrations {app} (builds the project)..."
    );
    let status =
        std::process::Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
            .args([
                "run",
                "--quiet",
                "-p",
                "project",
                "--",
                "makemigrations",
                app,
                "--no-input",
            ])
            .current_dir(root)
            .status()
            .context("cannot run cargo")?;
    if !status.success() {
        bail!(
            "the app was created, but `cargo run -p project -- makemigrations {app}` failed (see above); fix what it says and run it again"
        );
    }
    Ok(())
}

/// Validates everything and computes every file; writes nothing.
pub fn plan(root: &Path, app: &str, model: Option<&str>, field_specs: &[String]) -> Result<Plan> {
    names::check_app(app)?;
    if root.join("crates").join(app).exists() {
        bail!("crates/{app} already exists; choose another name");
    }
    for dir in [format!("templates/{app}"), format!("migration/src/{app}")] {
        if root.join(&dir).exists() {
            bail!("{dir} already exists; choose another name (or remove it)");
        }
    }
    let workspace_toml = read(root, "Cargo.toml")?;
    let workspace: toml_edit::DocumentMut = workspace_toml
        .parse()
        .context("Cargo.toml does not parse")?;
    let dependencies = workspace
        .get("workspace")
        .and_then(|w| w.get("dependencies"))
        .and_then(|d| d.as_table_like());
    if dependencies.is_some_and(|d| d.contains_key(app) || d.contains_key(&app.replace('_', "-"))) {
        bail!("`{app}` is already the name of a dependency of the workspace; choose another name");
    }
    let app_dirs = AppDirs::of(root, &workspace);
    if !field_specs.is_empty() && model.is_none() {
        bail!(
            "fields were given without --model; use `--model Model {}`",
            field_specs.join(" ")
        );
    }
    let model = match model {
        Some(name) => {
            names::check_model(name)?;
            if field_specs.is_empty() {
                bail!("--model {name} needs at least one field, e.g. `name:string`");
            }
            let mut fields: Vec<Field> = Vec::new();
            for spec in field_specs {
                let field = fields::parse(spec, &app_dirs)?;
                if fields.iter().any(|f| f.column() == field.column()) {
                    bail!("the field `{}` is given twice", field.column());
                }
                fields.push(field);
            }
            let module = names::snake(name);
            Some(ModelSpec {
                name: name.to_string(),
                table: names::plural(&module),
                module,
                fields,
            })
        }
        None => None,
    };

    let apps_rs = read(root, "crates/project/src/apps.rs")?;
    let urls_rs = read(root, "crates/project/src/urls.rs")?;
    let migration_rs = read(root, "migration/src/lib.rs")?;
    let project_toml = read(root, "crates/project/Cargo.toml")?;
    let app_struct = names::camel(app);

    // The apps this one needs, and, for its tests, the installed apps they need in turn.
    let mut dependencies = vec!["accounts".to_string()];
    for f in model.iter().flat_map(|m| m.fields.iter()) {
        if let Kind::ForeignKey(r) = &f.kind
            && !dependencies.contains(&r.app)
        {
            dependencies.push(r.app.clone());
        }
        // Image and file fields are kept by the media extra.
        if f.kind.is_media() && !dependencies.iter().any(|d| d == "media") {
            dependencies.push("media".to_string());
        }
    }
    let installed = wiring::installed(&apps_rs)?;
    let crate_of = |path: &str| path.split("::").next().unwrap_or_default().to_string();
    for dep in &dependencies {
        // An extra's crate is `web_<label>` (`web_media::Media`).
        if !installed
            .iter()
            .any(|a| crate_of(a) == *dep || crate_of(a) == format!("web_{dep}"))
        {
            bail!(
                "`{app}` would depend on the app `{dep}`, which is not installed in crates/project/src/apps.rs"
            );
        }
    }
    let needed = closure(&app_dirs, &dependencies)?;
    let test_apps: Vec<String> = installed
        .iter()
        // `web_test::project` installs the framework's health, sessions, languages, jobs,
        // mail and cache apps itself.
        .filter(|a| {
            ![
                "web::health::Health",
                "web_sessions::Sessions",
                "web_i18n::I18n",
                "web_jobs::Jobs",
                "web_mail::Mail",
                "web_cache::CacheApp",
            ]
            .contains(&a.as_str())
        })
        // A contrib extra's crate is `web_<label>` (`web_media::Media` is the app `media`).
        .filter(|a| {
            let krate = crate_of(a);
            a.starts_with("web::")
                || needed.contains(&krate)
                || krate
                    .strip_prefix("web_")
                    .is_some_and(|label| needed.iter().any(|n| n == label))
        })
        .cloned()
        .collect();
    let test_includes: Vec<(String, String)> = wiring::includes(&urls_rs)?
        .into_iter()
        .filter(|(_, call)| call != "web::health::urls()")
        .filter(|(_, call)| call.starts_with("web::") || needed.contains(&crate_of(call)))
        .collect();

    let spec = Spec {
        app: app.to_string(),
        app_struct: app_struct.clone(),
        model,
        dependencies,
        test_apps,
        test_includes,
    };

    let path_dep = regex::Regex::new(r#"^\w[\w-]* = \{ path = "#).expect("valid regex");
    let workspace_dep = regex::Regex::new(r"^\w[\w-]*\.workspace = true").expect("valid regex");
    let edit = vec![
        (
            root.join("Cargo.toml"),
            wiring::add_toml_line(
                "Cargo.toml",
                &workspace_toml,
                &["workspace", "dependencies"],
                &path_dep,
                &format!("{app} = {{ path = \"crates/{app}\" }}"),
                app,
            )?,
            format!("[workspace.dependencies] {app} = {{ path = \"crates/{app}\" }}"),
        ),
        (
            root.join("crates/project/Cargo.toml"),
            wiring::add_toml_line(
                "crates/project/Cargo.toml",
                &project_toml,
                &["dependencies"],
                &workspace_dep,
                &format!("{app}.workspace = true"),
                app,
            )?,
            format!("[dependencies] {app}.workspace = true"),
        ),
        (
            root.join("crates/project/src/apps.rs"),
            wiring::add_installed_app(&apps_rs, app, &app_struct)?,
            format!("installed_apps() += Arc::new({app}::{app_struct})"),
        ),
        (
            root.join("crates/project/src/urls.rs"),
            wiring::add_include(&urls_rs, app, &format!("/{app}"))?,
            format!("urlpatterns() += .include(\"/{app}\", {app}::urls())"),
        ),
        (
            root.join("migration/src/lib.rs"),
            wiring::add_migration_group(&migration_rs, app)?,
            format!("pub mod {app}; group(\"{app}\") => {app}::migrations()"),
        ),
    ];
    let create = generate::files(&spec)
        .into_iter()
        .map(|(path, text)| (root.join(path), text))
        .collect();
    Ok(Plan { create, edit })
}

/// The apps `dependencies` need, with their own dependencies, read from each app's
/// `fn dependencies` (`&["accounts", "catalog"]`).
fn closure(app_dirs: &AppDirs, dependencies: &[String]) -> Result<Vec<String>> {
    let list =
        regex::Regex::new(r#"fn dependencies[^{]*\{[^}]*&\[([^\]]*)\]"#).expect("valid regex");
    let name = regex::Regex::new(r#""([a-z0-9_]+)""#).expect("valid regex");
    let mut seen: Vec<String> = Vec::new();
    let mut todo: Vec<String> = dependencies.to_vec();
    while let Some(app) = todo.pop() {
        if seen.contains(&app) {
            continue;
        }
        if let Ok(source) = std::fs::read_to_string(app_dirs.dir(&app).join("src/lib.rs"))
            && let Some(deps) = list.captures(&source)
        {
            todo.extend(name.captures_iter(&deps[1]).map(|c| c[1].to_string()));
        }
        seen.push(app);
    }
    Ok(seen)
}

/// Where the apps' crates are: `crates/APP` in this workspace, or where the workspace's
/// dependency `APP` points (a reusable app of the framework, such as `accounts` in a
/// project made by `startproject`). Read once from the parsed workspace `Cargo.toml`.
pub struct AppDirs {
    root: PathBuf,
    dependency_paths: HashMap<String, String>,
}

impl AppDirs {
    pub fn of(root: &Path, workspace: &toml_edit::DocumentMut) -> AppDirs {
        let dependency_paths = workspace
            .get("workspace")
            .and_then(|w| w.get("dependencies"))
            .and_then(|d| d.as_table_like())
            .map(|deps| {
                deps.iter()
                    .filter_map(|(name, dep)| {
                        let path = dep.get("path")?.as_str()?;
                        Some((name.to_string(), path.to_string()))
                    })
                    .collect()
            })
            .unwrap_or_default();
        AppDirs {
            root: root.to_path_buf(),
            dependency_paths,
        }
    }

    /// The folder of app `app`'s crate.
    pub fn dir(&self, app: &str) -> PathBuf {
        let own = self.root.join("crates").join(app);
        if own.is_dir() {
            return own;
        }
        self.dependency_paths
            .get(app)
            .map_or(own, |path| self.root.join(path))
    }
}

/// Writes the plan: new files (refusing to overwrite), then the edits; then formats the
/// Rust files it touched with rustfmt.
pub fn apply(root: &Path, plan: &Plan) -> Result<()> {
    if let Some((path, _)) = plan.create.iter().find(|(p, _)| p.exists()) {
        bail!("{} already exists; nothing was changed", path.display());
    }
    for (path, text) in &plan.create {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))?;
    }
    for (path, text, _) in &plan.edit {
        std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))?;
    }
    let written = plan
        .create
        .iter()
        .map(|(p, _)| p)
        .chain(plan.edit.iter().map(|(p, _, _)| p));
    crate::rustfmt(root, written);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A copy of the wiring files and the apps' model files, to plan against.
    fn workspace() -> tempfile::TempDir {
        let real = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../..");
        let dir = tempfile::tempdir().unwrap();
        for file in [
            "Cargo.toml",
            "crates/project/Cargo.toml",
            "crates/project/src/apps.rs",
            "crates/project/src/urls.rs",
            "migration/src/lib.rs",
            "crates/accounts/src/lib.rs",
            "crates/accounts/src/models/user.rs",
            "crates/catalog/src/lib.rs",
            "crates/catalog/src/models/product/mod.rs",
        ] {
            let to = dir.path().join(file);
            std::fs::create_dir_all(to.parent().unwrap()).unwrap();
            std::fs::copy(real.join(file), to).unwrap();
        }
        dir
    }

    fn snapshot(root: &Path) -> Vec<(PathBuf, String)> {
        let mut files = Vec::new();
        fn walk(dir: &Path, out: &mut Vec<(PathBuf, String)>) {
            for entry in std::fs::read_dir(dir).unwrap().flatten() {
                let p = entry.path();
                if p.is_dir() {
                    walk(&p, out);
                } else {
                    out.push((p.clone(), std::fs::read_to_string(&p).unwrap_or_default()));
                }
            }
        }
        walk(root, &mut files);
        files.sort();
        files
    }

    /// A model's fields of every kind, optional and required, with foreign keys to two apps
    /// (CI's `tasks` app).
    fn every_field_kind() -> Vec<String> {
        [
            "title:string",
            "notes:text?",
            "count:int",
            "big:bigint?",
            "done:bool",
            "fee:money",
            "due:date?",
            "at:datetime",
            "photo:image",
            "product:fk:catalog.Product",
            "owner:fk:accounts.User?",
        ]
        .map(String::from)
        .to_vec()
    }

    /// What startapp writes for a plain app and for a model with every field kind, file by
    /// file, as recorded in `golden.txt` (a SHA-256 per file; migration timestamps masked):
    /// moving or editing templates must not change the output unless meant to. After an
    /// intended change: `UPDATE_GOLDEN=1 cargo test -p web-scaffold generated_files`.
    #[test]
    fn generated_files_match_the_recorded_output() {
        use sha2::{Digest, Sha256};
        let ws = workspace();
        let fields = every_field_kind();
        let timestamp = regex::Regex::new(r"m\d{8}_\d{6}_").unwrap();
        let mut lines = Vec::new();
        for plan in [
            plan(ws.path(), "golden_blog", None, &[]).unwrap(),
            plan(ws.path(), "golden_tasks", Some("Task"), &fields).unwrap(),
        ] {
            for (path, text) in &plan.create {
                let path = path.strip_prefix(ws.path()).unwrap().display().to_string();
                let path = timestamp.replace_all(&path, "mTIMESTAMP_");
                let text = timestamp.replace_all(text, "mTIMESTAMP_");
                lines.push(format!(
                    "{} {path}",
                    hex::encode(Sha256::digest(text.as_bytes()))
                ));
            }
        }
        lines.sort();
        let actual = lines.join("\n") + "\n";
        let golden = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src/startapp/golden.txt");
        if std::env::var_os("UPDATE_GOLDEN").is_some() {
            std::fs::write(&golden, &actual).unwrap();
        }
        let expected = std::fs::read_to_string(&golden).unwrap_or_default();
        let changed: Vec<&str> = actual
            .lines()
            .filter(|line| !expected.lines().any(|e| e == *line))
            .collect();
        assert!(changed.is_empty(), "generated files changed: {changed:#?}");
        assert_eq!(actual.lines().count(), expected.lines().count());
    }

    #[test]
    fn a_plain_app_is_planned_and_written() {
        let ws = workspace();
        let plan = plan(ws.path(), "probe_blog", None, &[]).unwrap();
        let created: Vec<String> = plan
            .create
            .iter()
            .map(|(p, _)| p.strip_prefix(ws.path()).unwrap().display().to_string())
            .collect();
        for expected in [
            "crates/probe_blog/src/lib.rs",
            "crates/probe_blog/src/urls.rs",
            "crates/probe_blog/src/views/pages.rs",
            "crates/probe_blog/tests/it/main.rs",
            "templates/probe_blog/index.html",
            "migration/src/probe_blog/mod.rs",
        ] {
            assert!(
                created.contains(&expected.to_string()),
                "{expected} in {created:?}"
            );
        }
        assert_eq!(plan.edit.len(), 5);
        apply(ws.path(), &plan).unwrap();
        let apps = std::fs::read_to_string(ws.path().join("crates/project/src/apps.rs")).unwrap();
        assert!(apps.contains("Arc::new(probe_blog::ProbeBlog),"));
        let urls = std::fs::read_to_string(ws.path().join("crates/project/src/urls.rs")).unwrap();
        assert!(urls.contains(".include(\"/probe_blog\", probe_blog::urls())"));
    }

    #[test]
    fn two_apps_in_a_row() {
        let ws = workspace();
        apply(
            ws.path(),
            &plan(ws.path(), "probe_blog", None, &[]).unwrap(),
        )
        .unwrap();
        apply(
            ws.path(),
            &plan(
                ws.path(),
                "probe_students",
                Some("Student"),
                &["name:string".into(), "age:int?".into()],
            )
            .unwrap(),
        )
        .unwrap();
        let apps = std::fs::read_to_string(ws.path().join("crates/project/src/apps.rs")).unwrap();
        assert!(
            apps.contains(
                "Arc::new(probe_blog::ProbeBlog),\n        Arc::new(probe_students::ProbeStudents),"
            ),
            "{apps}"
        );
        let migration = std::fs::read_to_string(ws.path().join("migration/src/lib.rs")).unwrap();
        assert!(
            migration.contains("\"probe_blog\" => Some(probe_blog::migrations()),")
                && migration.contains("\"probe_students\" => Some(probe_students::migrations()),")
        );
        syn::parse_file(&migration).unwrap();
    }

    #[test]
    fn refusals_change_nothing() {
        let ws = workspace();
        let before = snapshot(ws.path());
        for (app, model, fields, why) in [
            ("Blog", None, vec![], "not a valid app name"),
            ("fn", None, vec![], "reserved"),
            ("catalog", None, vec![], "already"),
            ("axum", None, vec![], "dependency"),
            (
                "probe_students",
                Some("Student"),
                vec!["age:integer"],
                "unknown field type",
            ),
            (
                "probe_students",
                Some("Student"),
                vec![],
                "at least one field",
            ),
            ("probe_students", None, vec!["age:int"], "without --model"),
            (
                "probe_students",
                Some("Student"),
                vec!["name:string", "name:text"],
                "twice",
            ),
            (
                "probe_students",
                Some("Student"),
                vec!["course:fk:school.Course"],
                "no model file",
            ),
        ] {
            let fields: Vec<String> = fields.into_iter().map(String::from).collect();
            let err = plan(ws.path(), app, model, &fields)
                .err()
                .unwrap_or_else(|| panic!("{app} should be refused"));
            assert!(format!("{err:#}").contains(why), "{app}: {err:#}");
        }
        assert_eq!(snapshot(ws.path()), before);
    }

    #[test]
    fn a_wiring_file_it_cannot_edit_is_refused() {
        let ws = workspace();
        std::fs::write(
            ws.path().join("crates/project/src/apps.rs"),
            "pub fn installed_apps() -> Vec<Box<dyn web::App>> { apps::all() }\n",
        )
        .unwrap();
        let before = snapshot(ws.path());
        let err = plan(ws.path(), "probe_blog", None, &[]).err().unwrap();
        assert!(format!("{err:#}").contains("apps.rs"), "{err:#}");
        assert_eq!(snapshot(ws.path()), before);
    }

    #[test]
    fn a_model_with_every_field_type_generates_everything() {
        let ws = workspace();
        let fields = every_field_kind();
        let plan = plan(ws.path(), "probe_tasks", Some("Task"), &fields).unwrap();
        let file = |name: &str| {
            plan.create
                .iter()
                .find(|(p, _)| p.ends_with(name))
                .map(|(_, t)| t.clone())
                .unwrap_or_else(|| panic!("{name}"))
        };
        for rust in [
            "models/task.rs",
            "forms.rs",
            "views/api.rs",
            "views/pages.rs",
            "tests/it/main.rs",
            "tests/it/api.rs",
            "tests/it/pages.rs",
            "src/lib.rs",
            "src/urls.rs",
        ] {
            syn::parse_file(&file(rust)).unwrap_or_else(|e| panic!("{rust}: {e}\n{}", file(rust)));
        }
        let model = file("models/task.rs");
        assert!(
            model.contains("pub product_id: i64,")
                && model.contains("pub owner_id: Option<i64>,")
                && model.contains("pub due: Option<TimeDate>,")
        );
        assert!(file("Cargo.toml").contains("catalog.workspace = true"));
        assert!(file("src/lib.rs").contains("&[\"accounts\", \"media\", \"catalog\"]"));
        // The image field: a nullable name column the media extra keeps the file for.
        assert!(file("src/lib.rs").contains(".media_field(\"tasks\", \"photo\")"));
        assert!(
            model.contains("#[sea_orm(column_type = \"String(StringLen::N(100))\", nullable)]\n    pub photo: Option<String>,"),
            "{model}"
        );
        assert!(file("src/admin.rs").contains("FieldKind::Image"));
        assert!(!file("forms.rs").contains("photo"), "not API or page input");
        // No migration file: `project makemigrations` writes it from the entity, which
        // declares what the table needs (foreign keys, indexes, lengths, defaults).
        assert!(
            !plan
                .create
                .iter()
                .any(|(p, _)| p.to_string_lossy().contains("migration/src/tasks/m"))
        );
        assert!(
            model.contains("belongs_to = \"catalog::models::product::Entity\""),
            "{model}"
        );
        assert!(
            model.contains("#[sea_orm(indexed)]\n    pub product_id: i64,"),
            "{model}"
        );
        assert!(
            model.contains(
                "#[sea_orm(column_type = \"String(StringLen::N(200))\")]\n    pub title: String,"
            ),
            "{model}"
        );
        assert!(
            file("models/mod.rs").contains(".index(\"tasks_newest\", &[\"-created_at\", \"-id\"])")
        );
        assert!(file("src/lib.rs").contains("app.entities(models::entities())"));
        // The model stays valid Rust with a field added by hand (CI compiles that too).
        let grown = model.replace(
            "    pub created_at:",
            "    pub body: Option<String>,\n    pub created_at:",
        );
        syn::parse_file(&grown).unwrap();
        assert!(file("tests/it/main.rs").contains("Arc::new(catalog::Catalog)"));
    }
}
