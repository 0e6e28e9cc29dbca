//! The app contract, Django's `AppConfig`: what an app contributes to a project.

use std::sync::Arc;

use async_trait::async_trait;
use http::request::Parts;

use crate::Error;
use crate::settings::{Settings, SettingsError};
use crate::state::{AppState, Services};
use crate::urls::Urls;

/// An installable app. Only [`App::label`] is required; everything else has a default.
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

    /// The app's sea-orm entities (Django's models): `makemigrations` writes migrations
    /// from them. Register each with `EntitySchema::of::<models::post::Entity>()`.
    fn entities(&self) -> Vec<crate::schema::EntitySchema> {
        Vec::new()
    }

    /// Tables the app's migrations create in raw SQL that no entity describes (Django's
    /// `managed = False`): makemigrations leaves them alone. FTS5 tables are found without
    /// being listed.
    fn unmanaged_tables(&self) -> &'static [&'static str] {
        &[]
    }

    /// Tables of the app that no cached answer reads (sessions, throttles, queues): writing
    /// them does not tell the shared cache that data changed (see [`crate::writes`]), so
    /// an anonymous request that only touches them can't empty every process's cache.
    fn uncached_tables(&self) -> &'static [&'static str] {
        &[]
    }

    /// The app's folder under `templates/`, if it has templates.
    fn template_dir(&self) -> Option<&'static str> {
        Some(self.label())
    }

    /// Reads the app's settings section and registers its services (settings structs,
    /// gateways, backends) for handlers to extract with [`crate::Dep`].
    fn configure(
        &self,
        _settings: &Settings,
        _services: &mut Services,
    ) -> Result<(), SettingsError> {
        Ok(())
    }

    /// Middleware the app wraps around every routed request, the pages, the API and the
    /// fallback alike (Django's `MIDDLEWARE`): the first installed app's runs first. It runs
    /// inside the host check and error rendering, so an `Error` it answers with is
    /// rendered like a view's.
    fn middleware(&self, _state: &AppState) -> Option<Middleware> {
        None
    }

    /// Adds the app's template filters and functions.
    fn configure_templates(&self, _env: &mut minijinja::Environment<'static>) {}

    /// Values every page template receives (Django's context processors).
    fn context_processors(&self) -> Vec<Arc<dyn ContextProcessor>> {
        Vec::new()
    }

    /// The app's JSON API as an OpenAPI document, paths relative to its API mount (see
    /// [`crate::openapi`]); the project nests it under the mount.
    fn openapi(&self) -> Option<utoipa::openapi::OpenApi> {
        None
    }

    /// The app's models on the admin site (Django's `admin.site.register`).
    fn model_admins(&self) -> Vec<Arc<dyn crate::admin::ModelAdmin>> {
        Vec::new()
    }

    /// Permissions beyond the four every admin-registered model gets (view, add, change,
    /// delete): `vec![Permission::new("payments", "refund_order", "Can refund an order")]`.
    fn permissions(&self) -> Vec<crate::permissions::Permission> {
        Vec::new()
    }

    /// The permission codes the app's views check (`RequirePerm<P>`'s codes): the project
    /// refuses to start when one is not a permission of an installed app, so a typo is
    /// found at start-up, not as a 403 in production.
    fn required_permissions(&self) -> Vec<&'static str> {
        Vec::new()
    }

    /// The background tasks the app declares (`TaskEntry::of::<SendReceipt>()`); see
    /// [`crate::jobs`].
    fn tasks(&self) -> Vec<crate::jobs::TaskEntry> {
        Vec::new()
    }

    /// Tasks the app runs on a schedule (`Periodic::every::<ExpireOrders>(60 s)`); the
    /// workers enqueue each occurrence once.
    fn periodic_tasks(&self) -> Vec<crate::jobs::Periodic> {
        Vec::new()
    }

    /// Runs after `migrate` has applied migrations (Django's `post_migrate` signal), with
    /// every permission of the installed apps; `accounts` stores them.
    async fn post_migrate(
        &self,
        _db: &sea_orm::DatabaseConnection,
        _permissions: &[crate::permissions::Permission],
    ) -> anyhow::Result<()> {
        Ok(())
    }

    /// Management commands the app adds to the `project` CLI.
    fn commands(&self) -> Vec<Box<dyn Command>> {
        Vec::new()
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

    /// The app's part of `project cleanup`: deletes or expires stale rows; returns what it
    /// did as (description, count) pairs, e.g. `("expired sessions deleted", 3)`.
    async fn cleanup(&self, _state: &AppState) -> anyhow::Result<Vec<(String, u64)>> {
        Ok(Vec::new())
    }
}

/// A middleware function (see [`App::middleware`]): the request and the rest of the stack.
pub type Middleware = Arc<
    dyn Fn(
            axum::extract::Request,
            axum::middleware::Next,
        ) -> futures::future::BoxFuture<'static, axum::response::Response>
        + Send
        + Sync,
>;

/// Adds values to the context of every page rendered through [`crate::Page`].
#[async_trait]
pub trait ContextProcessor: Send + Sync + 'static {
    async fn context(
        &self,
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Vec<(&'static str, minijinja::Value)>, Error>;
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
