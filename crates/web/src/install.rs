//! What installed apps contribute to each other (Django's app registry, `ready()` hooks and
//! signals): every app's [`crate::App::install`] adds values to one [`Contributions`]
//! list, and the app that owns each kind reads them once every app is installed. The
//! core reads its own kinds (commands, permissions, middleware, template hooks, signal
//! receivers); an extra defines its own (the jobs extra its tasks, the admin contract its
//! model admins) without the core naming it.
//!
//! ```
//! use web::install::{Contribution, Installer};
//! use web::{App, Services, Settings, settings::SettingsError};
//!
//! // An extra's kind of contribution, read by the app labelled `feeds`.
//! #[derive(Clone)]
//! struct Feed(&'static str);
//! impl Contribution for Feed {
//!     const READER: Option<&'static str> = Some("feeds");
//!     const WHAT: &'static str = "feeds";
//! }
//!
//! struct Blog;
//! impl App for Blog {
//!     fn label(&self) -> &'static str { "blog" }
//!     fn install(&self, app: &mut Installer) {
//!         app.add(Feed("/blog/feed.xml"));
//!     }
//! }
//!
//! let contributions = web::install::Contributions::of_apps(&[std::sync::Arc::new(Blog)]);
//! assert_eq!(contributions.all::<Feed>().len(), 1);
//! // Without the `feeds` app the project refuses to start, naming both apps.
//! assert!(contributions.unread(&["blog"]).unwrap().contains("`feeds`"));
//! ```

use std::any::{Any, TypeId};
use std::sync::Arc;

use async_trait::async_trait;
use futures::future::BoxFuture;

use crate::app::{App, Command, ContextProcessor, Middleware, ProjectCommand};
use crate::permissions::Permission;
use crate::state::AppState;

/// A kind of value apps contribute.
pub trait Contribution: Any + Send + Sync {
    /// The label of the app that reads this kind; `None` when the core does.
    const READER: Option<&'static str>;
    /// What they are, in words, for errors ("background tasks").
    const WHAT: &'static str;
}

struct Entry {
    app: &'static str,
    kind: TypeId,
    reader: Option<&'static str>,
    what: &'static str,
    value: Box<dyn Any + Send + Sync>,
}

/// Everything the installed apps contributed, in installation order.
#[derive(Default)]
pub struct Contributions {
    entries: Vec<Entry>,
}

impl Contributions {
    /// No contributions.
    pub const fn none() -> Contributions {
        Contributions {
            entries: Vec::new(),
        }
    }

    /// Runs every app's [`App::install`].
    pub fn of_apps(apps: &[Arc<dyn App>]) -> Contributions {
        let mut contributions = Contributions::default();
        for app in apps {
            app.install(&mut Installer {
                app: app.label(),
                into: &mut contributions,
            });
        }
        contributions
    }

    /// The contributions of kind `C`, with the label of the app that made each.
    pub fn of<C: Contribution>(&self) -> impl Iterator<Item = (&'static str, &C)> {
        self.entries
            .iter()
            .filter(|e| e.kind == TypeId::of::<C>())
            .filter_map(|e| e.value.downcast_ref::<C>().map(|c| (e.app, c)))
    }

    /// Copies of the contributions of kind `C`.
    pub fn all<C: Contribution + Clone>(&self) -> Vec<C> {
        self.of::<C>().map(|(_, c)| c.clone()).collect()
    }

    /// The first contribution whose reader is not among `installed`, as the start-up error
    /// that names both apps.
    pub fn unread(&self, installed: &[&str]) -> Option<String> {
        self.entries.iter().find_map(|e| {
            let reader = e.reader?;
            (!installed.contains(&reader)).then(|| {
                format!(
                    "app `{}` contributes {}, which the `{reader}` app reads, but `{reader}` is \
                     not installed; add it to the installed apps (before `{}`)",
                    e.app, e.what, e.app
                )
            })
        })
    }
}

/// What an app's [`App::install`] adds its contributions through.
pub struct Installer<'a> {
    app: &'static str,
    into: &'a mut Contributions,
}

impl Installer<'_> {
    /// The label of the app being installed.
    pub fn label(&self) -> &'static str {
        self.app
    }

    /// Adds a contribution of any kind.
    pub fn add<C: Contribution>(&mut self, value: C) -> &mut Self {
        self.into.entries.push(Entry {
            app: self.app,
            kind: TypeId::of::<C>(),
            reader: C::READER,
            what: C::WHAT,
            value: Box::new(value),
        });
        self
    }

    /// A management command for the `project` CLI (Django's `management/commands/*.py`).
    pub fn command(&mut self, command: impl Command + 'static) -> &mut Self {
        self.add(Commands(Arc::new(command)))
    }

    /// A management command that needs no database (see [`ProjectCommand`]).
    pub fn project_command(&mut self, command: impl ProjectCommand + 'static) -> &mut Self {
        self.add(ProjectCommands(Arc::new(command)))
    }

    /// A permission beyond the four every admin-registered model gets:
    /// `app.permission("refund_order", "Can refund an order")` declares `payments.refund_order`.
    pub fn permission(&mut self, codename: &str, name: &str) -> &mut Self {
        let permission = Permission::new(self.app, codename, name);
        self.add(permission)
    }

    /// A permission code the app's views check (`RequirePerm<P>`'s code): the project
    /// refuses to start when no installed app declares it, so a typo is found at start-up.
    pub fn requires_permission(&mut self, code: &'static str) -> &mut Self {
        self.add(RequiredPermission(code))
    }

    /// Values every page template receives (Django's context processors).
    pub fn context_processor(&mut self, processor: impl ContextProcessor) -> &mut Self {
        self.add(ContextProcessors(Arc::new(processor)))
    }

    /// Template filters and functions.
    pub fn template_functions(
        &mut self,
        add: fn(&mut minijinja::Environment<'static>),
    ) -> &mut Self {
        self.add(TemplateFunctions(add))
    }

    /// Middleware wrapped around every routed request, the pages, the API and the fallback
    /// alike (Django's `MIDDLEWARE`), built once the state exists; the first installed
    /// app's runs first. It runs inside the host check and error rendering, so an `Error`
    /// it answers with is rendered like a view's.
    pub fn middleware(
        &mut self,
        build: impl Fn(&AppState) -> Option<Middleware> + Send + Sync + 'static,
    ) -> &mut Self {
        self.add(MiddlewareFactory(Arc::new(build)))
    }

    /// Tables of the app that no cached answer reads (sessions, throttles, queues): writing
    /// them does not count as a change of data (see [`crate::writes`]), so an anonymous
    /// request that only touches them can't empty every process's cache.
    pub fn uncached_tables(&mut self, tables: &'static [&'static str]) -> &mut Self {
        self.add(UncachedTables(tables))
    }

    /// A receiver of the `post_migrate` signal (Django's): runs after `migrate` has applied
    /// migrations, with every permission of the installed apps (`accounts` stores them).
    pub fn on_post_migrate(&mut self, receiver: impl PostMigrate + 'static) -> &mut Self {
        self.add(PostMigrateReceivers(Arc::new(receiver)))
    }

    /// A layer around the page routes only (not the JSON API), outermost last: sessions
    /// and CSRF wrap pages this way, since the API authenticates with bearer tokens.
    pub fn page_layer(
        &mut self,
        wrap: impl Fn(axum::Router<AppState>, &AppState) -> axum::Router<AppState>
        + Send
        + Sync
        + 'static,
    ) -> &mut Self {
        self.add(PageLayers(Arc::new(wrap)))
    }

    /// Work `serve` runs beside the server (the jobs extra's in-server worker): built once
    /// the state exists (`None`: nothing to run); the future watches for the shutdown
    /// signal itself ([`crate::server::shutdown_signal`]) and `serve` waits for it to end.
    pub fn beside_server(
        &mut self,
        start: impl Fn(&AppState) -> anyhow::Result<Option<BoxFuture<'static, ()>>>
        + Send
        + Sync
        + 'static,
    ) -> &mut Self {
        self.add(BesideServer(Arc::new(start)))
    }

    /// Gauges set before every scrape of `/metrics` (the jobs extra's queue depth).
    pub fn gauges(
        &mut self,
        record: impl Fn(sea_orm::DatabaseConnection) -> BoxFuture<'static, ()> + Send + Sync + 'static,
    ) -> &mut Self {
        self.add(Gauges(Arc::new(record)))
    }

    /// Middleware around the whole stack, just inside the host check, outside the panic
    /// catcher and the request time limit: what must see every answer, even a panic's
    /// (the shared cache's write announcements).
    pub fn outer_middleware(
        &mut self,
        build: impl Fn(&AppState) -> Option<Middleware> + Send + Sync + 'static,
    ) -> &mut Self {
        self.add(OuterMiddleware(Arc::new(build)))
    }
}

macro_rules! core_kind {
    ($name:ident, $what:literal) => {
        impl Contribution for $name {
            const READER: Option<&'static str> = None;
            const WHAT: &'static str = $what;
        }
    };
}

/// A management command.
#[derive(Clone)]
pub struct Commands(pub Arc<dyn Command>);
core_kind!(Commands, "management commands");

/// A management command that needs no database.
#[derive(Clone)]
pub struct ProjectCommands(pub Arc<dyn ProjectCommand>);
core_kind!(ProjectCommands, "project commands");

core_kind!(Permission, "permissions");

/// A permission code an app's views check.
#[derive(Clone, Copy)]
pub struct RequiredPermission(pub &'static str);
core_kind!(RequiredPermission, "required permissions");

/// A context processor.
#[derive(Clone)]
pub struct ContextProcessors(pub Arc<dyn ContextProcessor>);
core_kind!(ContextProcessors, "context processors");

/// A function adding template filters and functions.
#[derive(Clone, Copy)]
pub struct TemplateFunctions(pub fn(&mut minijinja::Environment<'static>));
core_kind!(TemplateFunctions, "template functions");

/// Builds an app's middleware once the state exists.
pub type BuildMiddleware = Arc<dyn Fn(&AppState) -> Option<Middleware> + Send + Sync>;

/// An app's middleware (see [`Installer::middleware`]).
#[derive(Clone)]
pub struct MiddlewareFactory(pub BuildMiddleware);
core_kind!(MiddlewareFactory, "middleware");

/// Middleware around the whole stack (see [`Installer::outer_middleware`]).
#[derive(Clone)]
pub struct OuterMiddleware(pub BuildMiddleware);
core_kind!(OuterMiddleware, "outer middleware");

/// Wraps the page routes (see [`Installer::page_layer`]).
pub type WrapPages =
    Arc<dyn Fn(axum::Router<AppState>, &AppState) -> axum::Router<AppState> + Send + Sync>;

/// A layer around the page routes.
#[derive(Clone)]
pub struct PageLayers(pub WrapPages);
core_kind!(PageLayers, "page layers");

/// Tables no cached answer reads.
#[derive(Clone, Copy)]
pub struct UncachedTables(pub &'static [&'static str]);
core_kind!(UncachedTables, "uncached tables");

/// Starts work beside the server (see [`Installer::beside_server`]).
pub type StartBesideServer =
    Arc<dyn Fn(&AppState) -> anyhow::Result<Option<BoxFuture<'static, ()>>> + Send + Sync>;

/// Work `serve` runs beside the server.
#[derive(Clone)]
pub struct BesideServer(pub StartBesideServer);
core_kind!(BesideServer, "work beside the server");

/// Sets gauges before a scrape (see [`Installer::gauges`]).
#[derive(Clone)]
pub struct Gauges(
    pub Arc<dyn Fn(sea_orm::DatabaseConnection) -> BoxFuture<'static, ()> + Send + Sync>,
);
core_kind!(Gauges, "metrics gauges");

/// A receiver of the `post_migrate` signal.
#[async_trait]
pub trait PostMigrate: Send + Sync {
    async fn post_migrate(
        &self,
        db: &sea_orm::DatabaseConnection,
        permissions: &[Permission],
    ) -> anyhow::Result<()>;
}

/// A `post_migrate` receiver.
#[derive(Clone)]
pub struct PostMigrateReceivers(pub Arc<dyn PostMigrate>);
core_kind!(PostMigrateReceivers, "post_migrate receivers");
