//! `cargo xtask <task>`: project tasks that are programs rather than shell scripts.
//!
//! - `cargo xtask startapp NAME [--model Model field:type…] [--dry-run]` scaffolds an app.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod startapp;

#[derive(Parser)]
#[command(name = "cargo xtask", about = "Project tasks for the store workspace")]
struct Cli {
    #[command(subcommand)]
    task: Task,
}

#[derive(Subcommand)]
enum Task {
    /// Create a new app wired into the project (like Django's `startapp`)
    Startapp(startapp::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.task {
        Task::Startapp(args) => startapp::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
    }
}
