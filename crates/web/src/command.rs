//! Management commands apps add to the `project` CLI (Django's `management/commands/`).

use std::sync::Arc;

use async_trait::async_trait;

use crate::install::{Installer, core_kind};
use crate::project::Project;
use crate::settings::Settings;
use crate::state::AppState;

/// A management command that works on the project itself, with no database (Django's
/// `makemigrations` and `sqlmigrate`): it gets the project and its settings instead of a
/// running state.
#[async_trait]
pub trait ProjectCommand: Send + Sync {
    /// The clap definition: name, about, arguments.
    fn definition(&self) -> clap::Command;

    /// Runs the command; an error exits with status 1 and its message on stderr.
    async fn run(
        &self,
        project: &Project,
        settings: &Settings,
        args: &clap::ArgMatches,
    ) -> anyhow::Result<()>;
}

/// A management command an app contributes (like a Django `management/commands/*.py`).
///
/// The command's arguments are a clap `Command`; derive them with `clap::Parser` and
/// return `Args::command().name("seed")`.
#[async_trait]
pub trait Command: Send + Sync {
    /// The clap definition: name, about, arguments.
    fn definition(&self) -> clap::Command;

    /// Runs the command; an error exits with status 1 and its message on stderr.
    async fn run(&self, state: &AppState, args: &clap::ArgMatches) -> anyhow::Result<()>;
}

/// A management command an app contributed.
#[derive(Clone)]
pub struct Commands(pub Arc<dyn Command>);
core_kind!(Commands, "management commands");

/// A management command that needs no database.
#[derive(Clone)]
pub struct ProjectCommands(pub Arc<dyn ProjectCommand>);
core_kind!(ProjectCommands, "project commands");

impl Installer<'_> {
    /// A management command for the `project` CLI.
    pub fn command(&mut self, command: impl Command + 'static) -> &mut Self {
        self.add(Commands(Arc::new(command)))
    }

    /// A management command that needs no database (see [`ProjectCommand`]).
    pub fn project_command(&mut self, command: impl ProjectCommand + 'static) -> &mut Self {
        self.add(ProjectCommands(Arc::new(command)))
    }
}
