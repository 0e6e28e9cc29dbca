//! `cargo xtask fuzz`: schemathesis against the release server, driven by the OpenAPI
//! document the server serves.
//!
//! The server runs on a free port over a fresh SQLite file (or a fresh `store_fuzz`
//! database on the server of `--database-url`) with the demo catalog and the local users (`project seed --users`), login throttling raised so failed logins the
//! fuzzer makes on purpose don't lock it out. Schemathesis then generates valid and
//! invalid requests for every operation, in phases that can't sabotage each other, each
//! with a fresh bearer token:
//!
//! 1. as a normal user, every operation but the two that end tokens;
//! 2. as staff, the same;
//! 3. `POST /api/accounts/password` (a lucky guess of the old password ends the tokens);
//! 4. `POST /api/accounts/logout` (revokes the token it runs with).
//!
//! Every response must be a non-5xx, with a documented status, content type, headers and
//! body schema; invalid input must be refused; endpoints with security must refuse no
//! token. The server's log must have no error line at the end.

use std::path::PathBuf;
use std::process::Command;

use anyhow::{Context, Result, bail, ensure};

use crate::e2e::{pypi_venv, server_env, start_seeded_server, target_dir};
use crate::processes::{Processes, free_port, http_post_json, tempfile_dir};

/// The schemathesis release the task installs (pinned: its checks change between releases).
const SCHEMATHESIS: &str = "schemathesis==4.32.5";

/// Fuzz the JSON API with schemathesis against the release server
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The `project` binary to test [default: build the release binary]
    #[arg(long, value_name = "PATH")]
    binary: Option<PathBuf>,
    /// Test cases per operation and phase
    #[arg(long, value_name = "N", default_value_t = 100)]
    max_examples: u32,
    /// Seed, to reproduce a run
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// The schemathesis executable [default: installed into target/schemathesis-venv]
    #[arg(long, value_name = "PATH")]
    schemathesis: Option<PathBuf>,
    /// A MySQL/MariaDB or PostgreSQL server (`mysql://root@127.0.0.1:3306/test`): fuzz over
    /// a fresh `store_fuzz` database there instead of a SQLite file
    #[arg(long, value_name = "URL")]
    database_url: Option<String>,
}

/// One schemathesis run: who it runs as and which operations it covers.
struct Phase {
    name: &'static str,
    login: (&'static str, &'static str),
    paths: Paths,
    /// Checks that don't apply to this phase, with the reason.
    skip_checks: &'static [&'static str],
}

enum Paths {
    AllBut(&'static [&'static str]),
    Only(&'static [&'static str]),
}

/// The operations that end the token they run with.
const TOKEN_ENDERS: &[&str] = &["/api/accounts/password", "/api/accounts/logout"];
const USER: (&str, &str) = ("user@example.com", "userpass123");
const STAFF: (&str, &str) = ("staff@example.com", "staffpass123");

const PHASES: [Phase; 4] = [
    Phase {
        name: "as a user",
        login: USER,
        paths: Paths::AllBut(TOKEN_ENDERS),
        skip_checks: &[],
    },
    Phase {
        name: "as staff",
        login: STAFF,
        paths: Paths::AllBut(TOKEN_ENDERS),
        // The contract: deleting a product that is in an order deactivates it, and staff
        // still see inactive products, so a "deleted" product stays readable for staff.
        skip_checks: &["use_after_free"],
    },
    Phase {
        name: "password change",
        login: USER,
        paths: Paths::Only(&["/api/accounts/password"]),
        skip_checks: &[],
    },
    Phase {
        name: "logout",
        login: USER,
        paths: Paths::Only(&["/api/accounts/logout"]),
        skip_checks: &[],
    },
];

pub fn run_fuzz(args: Args) -> Result<()> {
    let root = crate::workspace_root()?;
    let binary = crate::e2e::release_binary(&root, args.binary.as_deref())?;
    let schemathesis = match &args.schemathesis {
        // A bare name is looked up on PATH; a path is made absolute (it runs elsewhere).
        Some(path) if path.components().count() > 1 => path
            .canonicalize()
            .with_context(|| format!("{} not found", path.display()))?,
        Some(name) => name.clone(),
        None => pypi_venv(&target_dir(&root), "schemathesis-venv", SCHEMATHESIS)?
            .join("bin/schemathesis"),
    };

    let work = tempfile_dir::TempDir::new("store-fuzz")?;
    let port = free_port()?;
    let mut env = server_env(work.path(), port);
    // The fuzzer fails logins on purpose; the throttle must not lock it out.
    env.push((
        "APP__ACCOUNTS__LOGIN_MAX_FAILURES".into(),
        "1000000000".into(),
    ));
    env.push(("APP__ACCOUNTS__IP_MAX_FAILURES".into(), "0".into()));
    if let Some(url) = &args.database_url {
        let database = crate::bench::fresh_database(url, "store_fuzz")?;
        env.retain(|(key, _)| key != "APP__DATABASE__URL");
        env.push(("APP__DATABASE__URL".into(), database));
    }
    let mut procs = Processes::default();
    let log_path = start_seeded_server(&binary, work.path(), &env, port, &mut procs)?;
    let schema_url = format!("http://127.0.0.1:{port}/api/openapi.json");
    println!("server on http://127.0.0.1:{port}; schema {schema_url}");

    let mut failed = Vec::new();
    for (n, phase) in PHASES.iter().enumerate() {
        println!(
            "\n=== fuzz phase {}/{}: {} ({} examples per operation, seed {})",
            n + 1,
            PHASES.len(),
            phase.name,
            args.max_examples,
            args.seed
        );
        let token = token(port, phase.login)?;
        let mut command = Command::new(&schemathesis);
        command
            // Its cache (`.schemathesis/`) goes to the scratch folder, not the workspace.
            .current_dir(work.path())
            .args(["run", &schema_url, "--no-color", "--checks", "all"])
            .args(["--exclude-checks", &excluded_checks(phase)])
            .args(["--max-examples", &args.max_examples.to_string()])
            .args(["--seed", &args.seed.to_string()])
            .args(["--request-timeout", "30"])
            .args(["-H", &format!("Authorization: Bearer {token}")]);
        match phase.paths {
            Paths::AllBut(paths) => paths.iter().for_each(|p| {
                command.args(["--exclude-path", p]);
            }),
            Paths::Only(paths) => paths.iter().for_each(|p| {
                command.args(["--include-path", p]);
            }),
        }
        let status = command
            .status()
            .with_context(|| format!("running {}", schemathesis.display()))?;
        if !status.success() {
            failed.push(phase.name);
        }
    }

    drop(procs);
    if let Some(url) = &args.database_url {
        crate::bench::drop_database(url, "store_fuzz")?;
    }
    let log = std::fs::read_to_string(&log_path).unwrap_or_default();
    let errors: Vec<&str> = log.lines().filter(|l| l.contains("ERROR")).collect();
    if !errors.is_empty() {
        eprintln!("the server logged errors:\n{}", errors.join("\n"));
        failed.push("server log");
    }
    if !failed.is_empty() {
        bail!("fuzzing failed: {}", failed.join(", "));
    }
    println!("\nfuzzing passed: every phase, no error in the server's log");
    Ok(())
}

/// `positive_data_acceptance` is never checked: valid-looking input is refused for reasons
/// a schema cannot state (a common password, an email in use, an id that doesn't exist).
fn excluded_checks(phase: &Phase) -> String {
    std::iter::once("positive_data_acceptance")
        .chain(phase.skip_checks.iter().copied())
        .collect::<Vec<_>>()
        .join(",")
}

/// A fresh bearer token for `(email, password)`.
fn token(port: u16, (email, password): (&str, &str)) -> Result<String> {
    let body = serde_json::json!({ "email": email, "password": password }).to_string();
    let (status, answer) = http_post_json(port, "/api/accounts/token", &body)?;
    ensure!(
        status == 200,
        "POST /api/accounts/token for {email} answered {status}: {}",
        String::from_utf8_lossy(&answer)
    );
    let json: serde_json::Value = serde_json::from_slice(&answer)?;
    json["token"]
        .as_str()
        .map(str::to_owned)
        .context("no token in the answer")
}
