//! `cargo xtask <task>`: project tasks that are programs rather than shell scripts.
//!
//! - `cargo xtask startapp NAME [--model Model field:type…] [--dry-run]` scaffolds an app.
//! - `cargo xtask bench [--large] [--databases mysql,postgres] [--write BENCHMARKS.md]`
//!   measures our server beside the Django peer and a floor.
//! - `cargo xtask e2e` drives the HTML pages in headless Chromium against the release
//!   binary.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod bench;
mod e2e;
mod processes;
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
    /// Benchmark our server against the Django peer and a floor; write BENCHMARKS.md
    Bench(bench::Args),
    /// Drive the store's pages in headless Chromium against the release binary
    E2e(e2e::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.task {
        Task::Startapp(args) => startapp::run(args),
        Task::Bench(args) => bench::run_bench(args),
        Task::E2e(args) => e2e::run_e2e(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
    }
}
