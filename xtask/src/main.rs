//! `cargo xtask <task>`: project tasks that are programs rather than shell scripts.
//!
//! - `cargo xtask startapp NAME [--model Model field:type…] [--dry-run]` scaffolds an app,
//!   `cargo xtask startproject NAME --path DIR` a new project (both from `web-scaffold`,
//!   which every project's xtask runs).
//! - `cargo xtask bench [--large] [--databases mysql,postgres] [--write BENCHMARKS.md]`
//!   measures our server beside the Django peer and a floor.
//! - `cargo xtask e2e` drives the HTML pages in headless Chromium against the release
//!   binary.
//! - `cargo xtask fuzz` runs schemathesis over the JSON API of the release binary.
//! - `cargo xtask mail` runs the background jobs and email end to end with a real SMTP
//!   server (aiosmtpd) against the release binary.
//! - `cargo xtask media` runs product images end to end on a real S3-compatible server
//!   (moto) against the release binary.
//! - `cargo xtask tutorial` follows the guide's tutorial, checking every command's output.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod bench;
mod e2e;
mod fuzz;
mod mail;
mod media;
mod processes;
mod tutorial;

use web_scaffold::workspace_root;

#[derive(Parser)]
#[command(name = "cargo xtask", about = "Project tasks for the store workspace")]
struct Cli {
    #[command(subcommand)]
    task: Task,
}

#[derive(Subcommand)]
enum Task {
    #[command(flatten)]
    Scaffold(web_scaffold::Task),
    /// Benchmark our server against the Django peer and a floor; write BENCHMARKS.md
    Bench(bench::Args),
    /// Drive the store's pages in headless Chromium against the release binary
    E2e(e2e::Args),
    /// Fuzz the JSON API with schemathesis (from PyPI) against the release binary
    Fuzz(fuzz::Args),
    /// Run background jobs and email end to end with a real SMTP server (aiosmtpd, from
    /// PyPI) against the release binary: paid-order mail, SMTP outages, killed workers
    Mail(mail::Args),
    /// Run product images end to end on a real S3-compatible server (moto, from PyPI)
    /// against the release binary: stored without metadata, presigned and public URLs,
    /// thumbnails by a worker, removal, a storage outage
    Media(media::Args),
    /// Follow the guide's tutorial (docs/src/tutorial/) in a scratch home folder: run its
    /// commands, write its files, apply its changes, check each command's output
    Tutorial(tutorial::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.task {
        Task::Scaffold(task) => web_scaffold::run(task),
        Task::Bench(args) => bench::run_bench(args),
        Task::E2e(args) => e2e::run_e2e(args),
        Task::Fuzz(args) => fuzz::run_fuzz(args),
        Task::Mail(args) => mail::run_mail(args),
        Task::Media(args) => media::run_media(args),
        Task::Tutorial(args) => tutorial::run_tutorial(args),
    };
    web_scaffold::exit_code(result)
}
