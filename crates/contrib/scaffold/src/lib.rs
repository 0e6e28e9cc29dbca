//! The framework's scaffolding, Django's `django-admin startproject` and `startapp`:
//!
//! - [`startproject`]: a new workspace on the framework, with a thin `project` binary,
//!   the accounts and admin apps installed, config, migrations, templates, its own
//!   `cargo xtask` and CI script.
//! - [`startapp`]: a new app crate with the layout of the existing ones (models, views,
//!   urls, forms, templates, migrations, tests), wired into the project.
//!
//! Every project's `xtask` runs these through [`Task`]:
//!
//! ```no_run
//! use clap::Parser;
//!
//! #[derive(Parser)]
//! #[command(name = "cargo xtask")]
//! struct Cli {
//!     #[command(subcommand)]
//!     task: web_scaffold::Task,
//! }
//!
//! fn main() -> std::process::ExitCode {
//!     web_scaffold::exit_code(web_scaffold::run(Cli::parse().task))
//! }
//! ```

use std::path::{Path, PathBuf};
use std::process::ExitCode;

pub mod startapp;
pub mod startproject;

/// The scaffolding commands of `cargo xtask`.
#[derive(clap::Subcommand, Debug)]
pub enum Task {
    /// Create a new app wired into the project (like Django's `startapp`)
    Startapp(startapp::Args),
    /// Create a new project workspace on the framework (like Django's `startproject`)
    Startproject(startproject::Args),
}

/// Runs `task`.
pub fn run(task: Task) -> anyhow::Result<()> {
    match task {
        Task::Startapp(args) => startapp::run(args),
        Task::Startproject(args) => startproject::run(args),
    }
}

/// A task's outcome as the process's: the error and its causes on stderr, exit code 1.
pub fn exit_code(result: anyhow::Result<()>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
    }
}

/// The workspace `cargo xtask` runs in: the nearest folder, from the current one up,
/// whose `Cargo.toml` has a `[workspace]` table. Found at run time, not compile time: a
/// copy of the workspace that shares this build's target folder runs this same binary.
pub fn workspace_root() -> anyhow::Result<PathBuf> {
    let cwd = std::env::current_dir()?;
    for dir in cwd.ancestors() {
        if let Ok(manifest) = std::fs::read_to_string(dir.join("Cargo.toml"))
            && manifest.lines().any(|line| line.trim() == "[workspace]")
        {
            return Ok(dir.to_path_buf());
        }
    }
    anyhow::bail!(
        "no Cargo workspace in {} or above it: run `cargo xtask` inside the project",
        cwd.display()
    )
}

/// Formats the Rust files among `written` with rustfmt; warns (and goes on) if it can't.
pub(crate) fn rustfmt<'a>(root: &Path, written: impl Iterator<Item = &'a PathBuf>) {
    let rust: Vec<&PathBuf> = written
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .collect();
    let status = std::process::Command::new("rustfmt")
        .arg("--edition")
        .arg("2024")
        .args(&rust)
        .current_dir(root)
        .status();
    match status {
        Ok(s) if s.success() => {}
        _ => eprintln!("warning: rustfmt did not run; run `cargo fmt --all` before committing"),
    }
}

/// The file `relative` of the workspace at `root`.
pub(crate) fn read(root: &Path, relative: &str) -> anyhow::Result<String> {
    use anyhow::Context;
    std::fs::read_to_string(root.join(relative)).with_context(|| {
        format!(
            "cannot read {relative}; is {} the workspace root (the framework's, or a project made by it)?",
            root.display()
        )
    })
}
