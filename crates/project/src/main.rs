//! `project`: the store's command line (`project --help`). With no command it serves.

fn main() -> std::process::ExitCode {
    web::cli::main(project::project())
}
