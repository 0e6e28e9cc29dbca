//! The `project` binary, run as a user runs it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// The `project` binary in `dir`, with only the given `APP_*` variables (none inherited).
pub fn project_command<K: AsRef<std::ffi::OsStr>, V: AsRef<std::ffi::OsStr>>(
    dir: &Path,
    env: impl IntoIterator<Item = (K, V)>,
) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_project"));
    command.current_dir(dir);
    for (key, _) in std::env::vars() {
        if key.starts_with("APP_") || key == "RUST_LOG" {
            command.env_remove(key);
        }
    }
    command.envs(env);
    command
}

/// Runs `project args…` in `dir` with only the given `APP_*` variables.
fn project_in(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    project_command(dir, env.iter().copied())
        .args(args)
        .output()
        .expect("the project binary runs")
}

pub fn project(args: &[&str], env: &[(&str, &str)]) -> Output {
    project_in(&workspace(), args, env)
}

/// Runs `project args…` with `input` on stdin.
fn project_with_stdin(args: &[&str], env: &[(&str, &str)], input: &str) -> Output {
    use std::io::Write;
    let mut child = project_command(&workspace(), env.iter().copied())
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the project binary runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

/// A fresh SQLite database file for one test.
fn temp_database() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("db.sqlite3").display()
    );
    (dir, url)
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}
fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

const PRODUCTION: &[(&str, &str)] = &[
    ("APP_ENV", "production"),
    (
        "APP__SECRET_KEY",
        "kq3T0x9V2mY7pL4sN8rB1cF6hJ5dG0wZ3eA7uQ2iK9oP",
    ),
    (
        "APP__DATABASE__URL",
        "postgres://store@db.internal:5432/store",
    ),
    ("APP__SERVER__ALLOWED_HOSTS", "shop.example.com"),
    (
        "APP__PAYMENTS__WEBHOOK_SECRET",
        "whsec_9f8e7d6c5b4a39281706f5e4",
    ),
    ("APP__SERVER__PUBLIC_URL", "https://shop.example.com"),
];

#[test]
fn routes_lists_method_path_name_and_app_without_a_database() {
    let out = project(
        &["routes"],
        &[("APP__DATABASE__URL", "postgres://nobody@127.0.0.1:1/none")],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split_whitespace().collect();
    assert_eq!(header, ["METHOD", "PATH", "NAME", "APP"]);
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split_whitespace().collect()).collect();
    assert!(
        rows.contains(&vec!["GET", "/healthz", "health:healthz", "health"]),
        "{text}"
    );
    assert!(
        rows.contains(&vec!["GET", "/readyz", "health:readyz", "health"]),
        "{text}"
    );
}

#[test]
fn check_passes_in_development() {
    let out = project(&["check"], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("no issues"));
}

#[test]
fn check_deploy_fails_on_development_settings() {
    let out = project(&["check", "--deploy"], &[]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("secret_key is the development default"),
        "{err}"
    );
    assert!(err.contains("debug is on"), "{err}");
    assert!(err.contains("SQLite"), "{err}");
    assert!(
        err.contains("payments.webhook_secret is the development default"),
        "{err}"
    );
}

#[test]
fn check_deploy_lists_every_problem_naming_its_setting() {
    // Production with nothing set: no secret key, no webhook secret, SQLite, no public URL.
    let out = project(&["check", "--deploy"], &[("APP_ENV", "production")]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    let problems: Vec<&str> = err.lines().filter(|l| l.starts_with("  - ")).collect();
    for setting in [
        "`secret_key`",
        "`payments.webhook_secret`",
        "database.url is SQLite",
        "server.public_url",
    ] {
        assert!(
            problems.iter().any(|p| p.contains(setting)),
            "{setting} missing from:\n{err}"
        );
    }
    assert!(problems.len() >= 4, "{err}");
    // Only check --deploy needs the public URL: the other commands work without it.
    let mut env = PRODUCTION.to_vec();
    env.retain(|(k, _)| *k != "APP__SERVER__PUBLIC_URL");
    let out = project(&["check"], &env);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = project(&["check", "--deploy"], &env);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("server.public_url"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn check_deploy_fails_on_a_short_secret_key() {
    let mut env = PRODUCTION.to_vec();
    env[1] = ("APP__SECRET_KEY", "too-short");
    let out = project(&["check", "--deploy"], &env);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("shorter than 32"), "{}", stderr(&out));
}

#[test]
fn check_deploy_passes_with_a_production_configuration() {
    let out = project(&["check", "--deploy"], PRODUCTION);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    assert!(stdout(&out).contains("deployment checks included"));
}

#[test]
fn check_deploy_warns_of_replica_pins_kept_per_process() {
    let mut env = PRODUCTION.to_vec();
    env.push((
        "APP__DATABASE__REPLICA_URLS",
        "postgres://store_ro@db-replica.internal:5432/store",
    ));
    let out = project(&["check", "--deploy"], &env);
    assert!(out.status.success(), "a warning only: {}", stderr(&out));
    let all = format!("{}{}", stdout(&out), stderr(&out));
    assert!(all.contains("replica_urls without cache.url"), "{all}");
    assert!(!all.contains("store_ro@"), "no replica URL printed: {all}");
    env.push(("APP__CACHE__URL", "redis://cache.internal:6379/0"));
    let out = project(&["check", "--deploy"], &env);
    let all = format!("{}{}", stdout(&out), stderr(&out));
    assert!(
        out.status.success() && !all.contains("replica_urls without"),
        "{all}"
    );
}

#[test]
fn production_refuses_to_start_without_a_secret_key() {
    let out = project(&["check"], &[("APP_ENV", "production")]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("APP__SECRET_KEY"), "{}", stderr(&out));
}

#[test]
fn a_malformed_setting_stops_the_binary_naming_the_key() {
    let out = project(&["check"], &[("APP__SERVER__PORT", "eighty")]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("server.port") && err.contains("APP__SERVER__PORT"),
        "{err}"
    );
}

#[test]
fn the_old_email_settings_stop_the_binary_naming_their_new_keys() {
    for (old, new) in [
        ("APP__ACCOUNTS__SMTP_URL", "email.smtp_url"),
        ("APP__ACCOUNTS__EMAIL_BACKEND", "email.backend"),
        ("APP__ACCOUNTS__EMAIL_FROM", "email.from"),
        ("APP__ACCOUNTS__EMAIL_FILE_DIR", "email.file_dir"),
    ] {
        let out = project(&["check"], &[(old, "smtp://localhost:25")]);
        assert_eq!(out.status.code(), Some(1), "{old}");
        let err = stderr(&out);
        let new_var = format!("APP__{}", new.replace('.', "__").to_uppercase());
        assert!(
            err.contains("was removed") && err.contains(new) && err.contains(&new_var),
            "{old}: {err}"
        );
    }
    let out = project(&["check"], &[("APP__EMAIL__BACKEND", "pigeon")]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("email.backend"), "{}", stderr(&out));
    let out = project(
        &["check"],
        &[
            ("APP__EMAIL__BACKEND", "smtp"),
            ("APP__EMAIL__SMTP_URL", ""),
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("APP__EMAIL__SMTP_URL"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn an_unknown_setting_or_environment_is_an_error() {
    let out = project(&["check"], &[("APP__SERVER__PROT", "1")]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("server.prot"), "{}", stderr(&out));
    let out = project(&["check"], &[("APP__SHOPP__X", "1")]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("shopp"), "{}", stderr(&out));
    let out = project(&["check"], &[("APP_ENV", "staging")]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("staging"), "{}", stderr(&out));
}

#[test]
fn wrong_usage_exits_2_and_help_exits_0() {
    assert_eq!(project(&["frobnicate"], &[]).status.code(), Some(2));
    assert_eq!(
        project(&["migrate", "--down", "zero"], &[]).status.code(),
        Some(2)
    );
    let help = project(&["--help"], &[]);
    assert!(help.status.success());
    for command in [
        "serve",
        "migrate",
        "showmigrations",
        "routes",
        "check",
        "cleanup",
    ] {
        assert!(
            stdout(&help).contains(command),
            "{command} missing from --help"
        );
    }
    let sub = project(&["migrate", "--help"], &[]);
    assert!(sub.status.success() && stdout(&sub).contains("--down"));
}

#[test]
fn migrate_showmigrations_and_roll_back() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("db.sqlite3").display()
    );
    let env = [("APP__DATABASE__URL", url.as_str())];
    let out = project(&["migrate"], &env);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("Applying m20261125_000001_create_sessions"),
        "{}",
        stdout(&out)
    );
    let again = project(&["migrate"], &env);
    assert!(stdout(&again).contains("No migrations to apply"));
    let shown = stdout(&project(&["showmigrations"], &env));
    assert!(
        shown.starts_with("sessions\n [X] m20261125_000001_create_sessions"),
        "{shown}"
    );
    assert!(!shown.contains("[ ]"), "all applied: {shown}");
    let last = shown
        .lines()
        .rfind(|l| l.starts_with(" [X] "))
        .unwrap()
        .trim_start_matches(" [X] ")
        .to_string();
    let down = project(&["migrate", "--down", "1"], &env);
    assert!(down.status.success(), "{}", stderr(&down));
    assert!(
        stdout(&down).contains(&format!("Unapplying {last}")),
        "{}",
        stdout(&down)
    );
    let shown = stdout(&project(&["showmigrations"], &env));
    assert!(shown.contains(&format!(" [ ] {last}")), "{shown}");
    assert_eq!(shown.matches("[ ]").count(), 1, "{shown}");
    let up = project(&["migrate"], &env);
    assert!(stdout(&up).contains(&format!("Applying {last}")));
}

#[test]
fn the_binary_runs_with_no_folders_beside_it() {
    // Settings, templates and static files embedded: `check` finds every template.
    let dir = tempfile::tempdir().unwrap();
    let out = project_in(dir.path(), &["check"], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn createsuperuser_reads_the_password_from_stdin_and_validates_it() {
    let (_dir, url) = temp_database();
    let env = [("APP__DATABASE__URL", url.as_str()), ("APP_ENV", "test")];
    let weak = project_with_stdin(
        &[
            "createsuperuser",
            "--email",
            "boss@example.com",
            "--password-stdin",
        ],
        &env,
        "password123\n",
    );
    assert_eq!(weak.status.code(), Some(1));
    assert!(stderr(&weak).contains("too common"), "{}", stderr(&weak));
    let ok = project_with_stdin(
        &[
            "createsuperuser",
            "--email",
            "Boss@Example.com",
            "--name",
            "Boss",
            "--password-stdin",
        ],
        &env,
        "s3cure-Enough-pw\n",
    );
    assert!(ok.status.success(), "{}", stderr(&ok));
    assert!(stdout(&ok).contains("Superuser boss@example.com created."));
    let again = project_with_stdin(
        &[
            "createsuperuser",
            "--email",
            "boss@example.com",
            "--password-stdin",
        ],
        &env,
        "s3cure-Enough-pw\n",
    );
    assert_eq!(again.status.code(), Some(1));
    assert!(
        stderr(&again).contains("already exists"),
        "{}",
        stderr(&again)
    );
    let bad_email = project_with_stdin(
        &["createsuperuser", "--email", "nope", "--password-stdin"],
        &env,
        "s3cure-Enough-pw\n",
    );
    assert_eq!(bad_email.status.code(), Some(1));

    let changed = project_with_stdin(
        &[
            "changepassword",
            "--email",
            "boss@example.com",
            "--password-stdin",
        ],
        &env,
        "an0ther-Secure-pw\n",
    );
    assert!(changed.status.success(), "{}", stderr(&changed));
    assert!(stdout(&changed).contains("sessions and API tokens have ended"));
    let unknown = project_with_stdin(
        &[
            "changepassword",
            "--email",
            "ghost@example.com",
            "--password-stdin",
        ],
        &env,
        "an0ther-Secure-pw\n",
    );
    assert_eq!(unknown.status.code(), Some(1));
    assert!(
        stderr(&unknown).contains("no user has the email"),
        "{}",
        stderr(&unknown)
    );
}

#[test]
fn cleanup_reports_what_each_app_deleted() {
    let (_dir, url) = temp_database();
    let out = project(&["cleanup"], &[("APP__DATABASE__URL", url.as_str())]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("sessions: 0 expired sessions deleted"),
        "{text}"
    );
    assert!(
        text.contains("accounts: 0 expired API tokens deleted"),
        "{text}"
    );
    assert!(
        text.contains("accounts: 0 stale login throttle records deleted"),
        "{text}"
    );
    assert!(
        text.contains("payments: 0 old webhook events deleted"),
        "{text}"
    );
}

#[test]
fn webhook_events_must_be_kept_at_least_as_long_as_signatures_are_accepted() {
    let out = project(
        &["check"],
        &[("APP__PAYMENTS__WEBHOOK_EVENT_RETENTION_SECONDS", "60")],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("payments.webhook_event_retention_seconds"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn makemigrations_check_passes_on_the_tree_and_names_what_is_wrong() {
    let out = project(&["makemigrations", "--check"], &[]);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    assert_eq!(stdout(&out), "No changes detected\n");

    let out = project(&["makemigrations", "catalog", "--dry-run"], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "No changes detected in app 'catalog'\n");

    let out = project(&["makemigrations", "shop"], &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("app `shop`: is not installed (installed: sessions,"),
        "{}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("nothing was written"),
        "{}",
        stderr(&out)
    );

    let out = project(&["makemigrations", "--rename-column", "posts.body"], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("is not APP.TABLE.OLD:NEW"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn sqlmigrate_prints_a_migrations_sql_for_each_backend() {
    let args = ["sqlmigrate", "catalog", "m20261125_000201_create_products"];
    let out = project(&[&args[..], &["--backend", "postgres"]].concat(), &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let sql = stdout(&out);
    assert!(
        sql.starts_with(
            "BEGIN;\nCREATE TABLE \"products\" ( \"id\" bigint GENERATED BY DEFAULT AS IDENTITY"
        ),
        "{sql}"
    );
    assert!(
        sql.contains("CREATE INDEX \"products_active_newest\""),
        "{sql}"
    );
    assert!(sql.ends_with("COMMIT;\n"), "{sql}");

    let out = project(&[&args[..], &["--backend", "mysql"]].concat(), &[]);
    assert!(
        stdout(&out).starts_with(
            "CREATE TABLE `products` ( `id` bigint NOT NULL PRIMARY KEY AUTO_INCREMENT"
        ),
        "{}",
        stdout(&out)
    );

    // Without --backend, database.url's: SQLite by default.
    let out = project(&args, &[]);
    assert!(
        stdout(&out).contains("\"id\" integer NOT NULL PRIMARY KEY AUTOINCREMENT"),
        "{}",
        stdout(&out)
    );
    let out = project(&[&args[..], &["--down"]].concat(), &[]);
    assert_eq!(stdout(&out), "DROP TABLE \"products\";\n");

    let out = project(&["sqlmigrate", "catalog", "m1_nope"], &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("app `catalog` has no migration `m1_nope`; its migrations are: m20261125_000201_create_products,"), "{}", stderr(&out));
}

#[test]
fn permissions_groups_and_users_from_the_command_line() {
    let (_dir, url) = temp_database();
    let env = [("APP__DATABASE__URL", url.as_str())];
    let out = project(&["permissions"], &env);
    assert!(out.status.success(), "{}", stderr(&out));
    let listed = stdout(&out);
    for line in [
        "catalog.add_product\tCan add product",
        "catalog.change_product\tCan change product",
        "payments.refund_order\tCan refund an order",
        "payments.view_order\tCan view order",
        "accounts.change_user\tCan change user",
    ] {
        assert!(listed.lines().any(|l| l == line), "{line} in {listed}");
    }

    let out = project(
        &[
            "group",
            "create",
            "Catalog editors",
            "--perm",
            "catalog.add_product",
            "--perm",
            "catalog.fly_product",
        ],
        &env,
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("there is no permission `catalog.fly_product`"),
        "{}",
        stderr(&out)
    );

    let out = project(
        &[
            "group",
            "create",
            "Catalog editors",
            "--perm",
            "catalog.add_product",
            "--perm",
            "catalog.change_product",
        ],
        &env,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "Group \"Catalog editors\" has 2 permission(s).\n"
    );

    let out = project_with_stdin(
        &[
            "createuser",
            "--email",
            "Editor@Example.com",
            "--name",
            "Ed",
            "--staff",
            "--password-stdin",
        ],
        &env,
        "editorpass123\n",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "Staff user editor@example.com created.\n");
    let out = project_with_stdin(
        &[
            "createuser",
            "--email",
            "editor@example.com",
            "--password-stdin",
        ],
        &env,
        "editorpass123\n",
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("already exists"), "{}", stderr(&out));

    let out = project(
        &[
            "group",
            "add-user",
            "Catalog editors",
            "--email",
            "editor@example.com",
        ],
        &env,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "editor@example.com is in group \"Catalog editors\".\n"
    );
    let out = project(
        &[
            "group",
            "add-user",
            "Nobody",
            "--email",
            "editor@example.com",
        ],
        &env,
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("there is no group `Nobody`"),
        "{}",
        stderr(&out)
    );
    let out = project(
        &[
            "group",
            "remove-user",
            "Catalog editors",
            "--email",
            "editor@example.com",
        ],
        &env,
    );
    assert_eq!(
        stdout(&out),
        "editor@example.com is no longer in group \"Catalog editors\".\n"
    );

    let out = project(&["group"], &env);
    assert_eq!(out.status.code(), Some(2), "a subcommand is required");
}

/// A task no installed app declares (a job left by a removed app, or a typo).
struct Ghost;
impl web_jobs::Task for Ghost {
    const NAME: &'static str = "ghost.haunt";
    type Payload = serde_json::Value;
    async fn run(_: &web::state::AppState, _: serde_json::Value) -> anyhow::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn jobs_are_listed_run_and_retried_from_the_command_line() {
    let (_dir, url) = temp_database();
    let env = [("APP__DATABASE__URL", url.as_str())];
    let out = project(&["migrate"], &env);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = project(&["jobs"], &env);
    assert_eq!(stdout(&out), "No queued, running or failed jobs.\n");

    let db = sea_orm::Database::connect(url.as_str()).await.unwrap();
    let id = web_jobs::enqueue::<Ghost, _>(&db, &serde_json::json!({"boo": 1}))
        .await
        .unwrap();
    db.close().await.unwrap();
    let listed = stdout(&project(&["jobs"], &env));
    assert!(
        listed.starts_with(&format!("{id}\tqueued\tdefault\tghost.haunt\tattempts 0\t")),
        "{listed}"
    );
    let out = project(&["jobs", "run"], &env);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "1 job(s) ran.\n");
    let listed = stdout(&project(&["jobs"], &env));
    assert!(listed.contains(&format!("{id}\tfailed\t")), "{listed}");
    assert!(
        listed.contains("no installed app declares the task `ghost.haunt`"),
        "{listed}"
    );

    let out = project(&["jobs", "retry", &id.to_string()], &env);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), format!("Job {id} queued again.\n"));
    assert!(stdout(&project(&["jobs"], &env)).contains(&format!("{id}\tqueued\t")));
    let out = project(&["jobs", "retry", "999"], &env);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("there is no failed job 999"),
        "{}",
        stderr(&out)
    );

    let out = project(&["cleanup"], &env);
    assert!(
        stdout(&out).contains("jobs: 0 finished jobs deleted"),
        "{}",
        stdout(&out)
    );
    for help in [&["worker", "--help"][..], &["jobs", "--help"]] {
        let out = project(help, &env);
        assert!(out.status.success());
        assert!(stdout(&out).contains("SIGTERM") || stdout(&out).contains("retry"));
    }
    let out = project(&["worker", "--concurrency", "0"], &env);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}

#[tokio::test]
async fn a_worker_runs_the_periodic_jobs_serves_metrics_and_stops_on_sigterm() {
    let (_dir, url) = temp_database();
    let port = crate::processes::free_port().to_string();
    let env = [
        ("APP__DATABASE__URL", url.as_str()),
        ("APP__METRICS__PORT", port.as_str()),
        ("APP__LOG__LEVEL", "warn"),
    ];
    assert!(project(&["migrate"], &env).status.success());
    let worker = project_command(&workspace(), env)
        .args(["worker", "--concurrency", "2"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let metrics = format!("http://127.0.0.1:{port}/metrics");
    let mut scraped = String::new();
    for _ in 0..100 {
        if let Ok(res) = reqwest::get(&metrics).await {
            scraped = res.text().await.unwrap_or_default();
            if scraped
                .contains(r#"jobs_finished_total{task="payments.expire_orders",outcome="done"} 1"#)
            {
                break;
            }
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(
        scraped.contains(r#"jobs_finished_total{task="payments.expire_orders",outcome="done"} 1"#),
        "{scraped}"
    );
    let pid = i32::try_from(worker.id()).unwrap();
    assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0);
    let out = tokio::task::spawn_blocking(move || worker.wait_with_output().unwrap())
        .await
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("on queues [all], 2 at a time"), "{text}");
    assert!(text.ends_with("Worker stopped.\n"), "{text}");
    // Both periodic jobs ran once, and are done.
    let db = sea_orm::Database::connect(url.as_str()).await.unwrap();
    let done = web_jobs::list(&db, &[web_jobs::JobStatus::Done], 10)
        .await
        .unwrap();
    let mut tasks: Vec<&str> = done.iter().map(|j| j.task.as_str()).collect();
    tasks.sort();
    assert_eq!(tasks, ["jobs.cleanup", "payments.expire_orders"]);
}

#[test]
fn makemessages_check_passes_on_the_tree_and_lists_what_a_language_lacks() {
    let out = project(&["makemessages", "--check"], &[]);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    assert!(stdout(&out).contains("is in en, de."), "{}", stdout(&out));

    // A template the project adds uses one id nobody defined.
    let templates = tempfile::tempdir().unwrap();
    let copied = Command::new("cp")
        .arg("-r")
        .arg(workspace().join("templates/."))
        .arg(templates.path())
        .status()
        .unwrap();
    assert!(copied.success());
    std::fs::write(
        templates.path().join("banner.html"),
        "<p>{{ t(\"accounts-log-in\") }}</p>\n<p>{{ t(\"shop-winter-sale\") }}</p>\n",
    )
    .unwrap();
    let dir = templates.path().to_str().unwrap();
    let out = project(
        &["makemessages", "--check"],
        &[("APP__TEMPLATES__DIR", dir)],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let listed = stdout(&out);
    for expected in [
        "de lacks 1 message id(s):\n  shop-winter-sale  (banner.html:2)",
        "en lacks 1 message id(s):\n  shop-winter-sale  (banner.html:2)",
    ] {
        assert!(listed.contains(expected), "{listed}");
    }
    assert!(
        stderr(&out).contains("message ids missing (de: 1, en: 1)"),
        "{}",
        stderr(&out)
    );

    // Without --check it only lists.
    let out = project(&["makemessages"], &[("APP__TEMPLATES__DIR", dir)]);
    assert!(out.status.success());
    assert!(stdout(&out).contains("shop-winter-sale"));
}
