//! The app contract, Django's `AppConfig`: what an app contributes to a project.

use async_trait::async_trait;

use crate::install::Installer;
use crate::settings::{Settings, SettingsError};
use crate::state::{AppState, Services};
use crate::urls::Urls;

/// An installable app. Only [`App::label`] is required; everything else has a default.
/// What an app offers the others goes through [`App::install`], so the trait names no
/// extra.
///
/// ```
/// use web::{App, urls::{Urls, get}};
/// struct Blog;
/// impl App for Blog {
///     fn label(&self) -> &'static str { "blog" }
///     fn urls(&self) -> Urls { Urls::new("blog").route("/", "index", get(|| async { "posts" })) }
/// }
/// assert_eq!(Blog.migration_group(), Some("blog"));
/// ```
#[async_trait]
pub trait App: Send + Sync + 'static {
    /// Unique label: the namespace of its route names, its settings section, its
    /// migration group and its template folder.
    fn label(&self) -> &'static str;

    /// Labels of the apps this one builds on; they must come earlier in the installed
    /// apps, and their migrations run first.
    fn dependencies(&self) -> &'static [&'static str] {
        &[]
    }

    /// The app's URL module; the project mounts it with `include` in its `urls.rs`.
    fn urls(&self) -> Urls {
        Urls::new(self.label())
    }

    /// Name of the app's migration group in the `migration` crate, if it has tables.
    fn migration_group(&self) -> Option<&'static str> {
        Some(self.label())
    }

    /// The app's folder under `templates/`, if it has templates.
    fn template_dir(&self) -> Option<&'static str> {
        Some(self.label())
    }

    /// What the app contributes to the others (see [`crate::install`]): commands,
    /// permissions, middleware, template hooks and signal receivers for the core; models
    /// for `makemigrations`, admin models, tasks and OpenAPI paths for the extras that
    /// read them. Runs once per project, before any app is configured.
    fn install(&self, _app: &mut Installer) {}

    /// Reads the app's settings section and registers its services (settings structs,
    /// gateways, backends) for handlers to extract with [`crate::Dep`]. An extra reads
    /// what the apps contributed here: [`Services::contributions`].
    fn configure(
        &self,
        _settings: &Settings,
        _services: &mut Services,
    ) -> Result<(), SettingsError> {
        Ok(())
    }

    /// The app's part of `project check`: problems with its settings (with `deploy`,
    /// also what is unsafe in production, like a default secret). A finding that starts
    /// with [`crate::cli::WARNING`] is printed without failing the check.
    fn check(&self, _settings: &Settings, _deploy: bool) -> Vec<String> {
        Vec::new()
    }

    /// Runs once when `serve` starts, after migrations (Django's `AppConfig.ready`).
    async fn ready(&self, _state: &AppState) -> anyhow::Result<()> {
        Ok(())
    }

    /// The app's part of `project cleanup` (and the hourly cleanup job): deletes or
    /// expires stale rows; returns what it did as (description, count) pairs, e.g.
    /// `("expired sessions deleted", 3)`.
    async fn cleanup(&self, _state: &AppState) -> anyhow::Result<Vec<(String, u64)>> {
        Ok(Vec::new())
    }

    /// The app's demo data for `project seed` (Django: a fixture to `loaddata`), written
    /// only where the app has none yet and never by `serve`; returns what it wrote as
    /// (description, count) pairs, e.g. `("shipping zones", 3)`.
    async fn seed_demo(&self, _state: &AppState) -> anyhow::Result<Vec<(String, u64)>> {
        Ok(Vec::new())
    }
}
