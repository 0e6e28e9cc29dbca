//! `web`: the framework's core, in the spirit of Django's `django.core` and `django.db`.
//! It names no extra: sessions, jobs, mail, the cache, the admin contract, OpenAPI and the
//! schema tooling are crates of their own (`crates/contrib/`) that a project installs like
//! apps, and that contribute through the same registry as any app.
//!
//! - [`App`] and [`install`]: what an app is and contributes; [`Project`]: the installed
//!   apps, the URL registry and the migrations composed into a server.
//! - [`urls`]: named routes, the central [`UrlRegistry`] with `include`, and [`Reverser`].
//! - [`settings`]: layered settings (files, then `APP__…` environment variables); the
//!   core's sections (`server`, `database`, …), each app's read by the app.
//! - [`db`]: connections to SQLite, MySQL/MariaDB and PostgreSQL, and portable helpers;
//!   [`migrate`]: the migration runner; [`writes`]: which work wrote, and who hears.
//! - [`Error`]: one error type, rendered as the contract's JSON under `/api/` and as HTML
//!   pages elsewhere ([`error_pages`]).
//! - [`extract`], [`forms`], [`cursor`]: typed input, validation and pagination.
//! - [`templates`]: minijinja with `url()`, `static()`, `money`; [`page`]: [`Page`] and the
//!   context processors that feed it.
//! - [`middleware`], [`csp`], [`site`], [`request_time`], [`server`]: the stack and the
//!   server around every request; [`health`] and [`metrics`]: probes and Prometheus.
//! - [`command`] and [`cli`]: the `project` command line.
//!
//! A project's binary composes its apps and its URL registry (here one app, no tables):
//!
//! ```no_run
//! use std::sync::Arc;
//! use web::{App, Embedded, Project, UrlRegistry, urls::{Urls, get}};
//!
//! struct Blog;
//! impl App for Blog {
//!     fn label(&self) -> &'static str { "blog" }
//!     fn urls(&self) -> Urls { Urls::new("blog").route("/", "index", get(|| async { "posts" })) }
//!     fn migration_group(&self) -> Option<&'static str> { None }
//! }
//!
//! fn main() -> std::process::ExitCode {
//!     web::cli::main(Project {
//!         apps: vec![Arc::new(Blog)],
//!         urls: || UrlRegistry::new().include("/blog/", Blog.urls()),
//!         migrations: |_group| None,
//!         embedded: Embedded::none(),
//!     })
//! }
//! //! ```

pub mod app;
pub mod body_limit;
pub mod cli;
pub mod command;
pub mod cookies;
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
pub mod page;
pub mod permissions;
pub mod project;
pub mod reads;
pub mod request_id;
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

pub use app::App;
pub use body_limit::UploadLimit;
pub use command::{Command, ProjectCommand};
pub use error::{Error, FieldErrors};
pub use extract::Db;
pub use extract::{Form, Id, Json, PageNav, PageOf, Pagination, Path, Query};
pub use install::Installer;
pub use middleware::{ClientIp, Middleware};
/// Re-exported so apps need no dependency of their own for template values.
pub use minijinja;
pub use minijinja::context;
pub use page::{ContextProcessor, Page};
pub use project::{Embedded, Project};
pub use settings::Settings;
pub use site::SiteUrl;
pub use state::{AppState, Dep, Services, SettingsRef};
pub use static_files::ServedFiles;
pub use templates::AppTemplates;
pub use urls::{Reverser, UrlRegistry, Urls};
/// Re-exported for apps' `#[derive(utoipa::ToSchema)]` and `#[utoipa::path]`.
pub use utoipa;
