//! `web`: the framework every app of the store stands on, in the spirit of Django.
//!
//! - [`App`]: what an app contributes (label, URL module, migration group, templates,
//!   settings, management commands, startup hook, cleanup).
//! - [`urls`]: named routes, the central [`UrlRegistry`] with `include`, and [`Reverser`].
//! - [`settings`]: layered settings (files, then `APP__…` environment variables).
//! - [`db`]: connections to SQLite, MySQL/MariaDB and PostgreSQL, and portable helpers.
//! - [`Error`]: one error type, rendered as the contract's JSON under `/api/` and as HTML
//!   pages elsewhere.
//! - [`templates`]: minijinja with `url()`, `static()`, CSRF and flash messages ([`Page`]).
//! - [`sessions`], [`csrf`], [`messages`]: the plumbing of HTML apps.
//! - [`jobs`]: background jobs in the project's database; [`email`]: outgoing mail.
//! - [`openapi`]: the API's OpenAPI document, generated from the handlers, and Swagger UI.
//! - [`schema`]: `makemigrations` (migrations written from the entities) and the schema
//!   editor migrations use.
//! - [`cli`]: the `project` command line; [`test`] (feature `testing`): the test harness.

pub mod app;
pub mod cli;
pub mod csp;
pub mod cursor;
pub mod db;
pub mod error;
pub mod error_pages;
pub mod extract;
pub mod forms;
pub mod health;
pub mod install;
pub mod metrics;
pub mod middleware;
pub mod migrate;
pub mod permissions;
pub mod project;
pub mod request_time;
pub mod server;
pub mod settings;
pub mod site;
pub mod state;
pub mod statement_timeout;
pub mod static_files;
pub mod templates;
pub mod urls;
pub mod writes;

pub use app::{App, Command, ContextProcessor, Middleware, ProjectCommand};
pub use error::{Error, FieldErrors};
pub use extract::Db;
pub use extract::{Form, Id, Json, PageNav, PageOf, Pagination, Path, Query};
pub use install::Installer;
pub use middleware::ClientIp;
/// Re-exported so apps need no dependency of their own for template values.
pub use minijinja;
pub use minijinja::context;
pub use project::{Embedded, Project};
pub use settings::Settings;
pub use site::SiteUrl;
pub use state::{AppState, Dep, Services, SettingsRef};
pub use templates::Page;
pub use urls::{Reverser, UrlRegistry, Urls};
/// Re-exported for apps' `#[derive(utoipa::ToSchema)]` and `#[utoipa::path]`.
pub use utoipa;
