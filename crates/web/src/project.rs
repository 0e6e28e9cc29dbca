//! A project: the installed apps, the URL registry and the migrations, composed into a
//! running server. `crates/project` fills one in; tests build smaller ones.

use std::borrow::Cow;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::middleware::from_fn_with_state;
use http::{HeaderName, HeaderValue, Method, header};
use sea_orm::DatabaseConnection;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::{DefaultMakeSpan, DefaultOnFailure, DefaultOnResponse, TraceLayer};
use tracing::Level;

use crate::app::App;
use crate::install::{Contributions, Installer};
use crate::middleware::{MiddlewareFactory, PageLayers};
use crate::migrate::{InstalledMigrator, MigrationLookup};
use crate::page::{ContextProcessors, Processor};
use crate::permissions::RequiredPermission;
use crate::settings::{Settings, SettingsError, SettingsSource};
use crate::state::{AppState, Services};
use crate::templates::{AppTemplates, TemplateFunctions};
use crate::templates::{EmbeddedLookup, TemplateConfig, Templates};
use crate::urls::{ResolvedUrls, UrlRegistry};
use crate::writes::{Uncached, UncachedTables};

/// Files compiled into the binary, so a release runs with no folders beside it.
#[derive(Clone, Copy)]
pub struct Embedded {
    pub templates: Option<EmbeddedLookup>,
    pub template_names: fn() -> Vec<String>,
    pub static_files: Option<EmbeddedLookup>,
    /// `("default.toml", text)`, `("production.toml", text)`, …
    pub config_files: &'static [(&'static str, &'static str)],
}

impl Embedded {
    /// Nothing embedded (tests read the folders).
    pub const fn none() -> Self {
        Embedded {
            templates: None,
            template_names: Vec::new,
            static_files: None,
            config_files: &[],
        }
    }

    /// Every embedded template's (name, source).
    pub fn template_sources(&self) -> Vec<(String, String)> {
        let Some(lookup) = self.templates else {
            return Vec::new();
        };
        (self.template_names)()
            .into_iter()
            .filter_map(|n| {
                lookup(&n)
                    .map(|b: Cow<'static, [u8]>| (n, String::from_utf8_lossy(&b).into_owned()))
            })
            .collect()
    }
}

/// The composition of a project.
pub struct Project {
    /// Installed apps, in dependency order (Django's `INSTALLED_APPS`).
    pub apps: Vec<Arc<dyn App>>,
    /// The central URL registry (the project's `urls.rs`).
    pub urls: fn() -> UrlRegistry,
    /// Migration groups by name (the `migration` crate).
    pub migrations: MigrationLookup,
    pub embedded: Embedded,
}

impl Project {
    pub fn labels(&self) -> Vec<&'static str> {
        self.apps.iter().map(|a| a.label()).collect()
    }

    /// Labels are unique, every app's dependencies are installed before it, and every
    /// permission an app checks exists.
    pub fn check_apps(&self) -> Result<(), String> {
        self.check_order()?;
        self.check_contributions(&self.contributions())
    }

    /// Labels are unique and every app's dependencies are installed before it.
    fn check_order(&self) -> Result<(), String> {
        let mut seen: Vec<&str> = Vec::new();
        for app in &self.apps {
            let label = app.label();
            if seen.contains(&label) {
                return Err(format!("app `{label}` is installed twice"));
            }
            for dep in app.dependencies() {
                if !seen.contains(dep) {
                    let reason = if self.labels().contains(dep) {
                        "must come before it"
                    } else {
                        "is not installed"
                    };
                    return Err(format!(
                        "app `{label}` depends on `{dep}`, which {reason} in the installed apps"
                    ));
                }
            }
            seen.push(label);
        }
        Ok(())
    }

    /// Every contribution has its reader installed, and every permission an app checks
    /// exists.
    fn check_contributions(&self, contributions: &Contributions) -> Result<(), String> {
        if let Some(problem) = contributions.unread(&self.labels()) {
            return Err(problem);
        }
        let known = crate::permissions::of(contributions);
        for (app, RequiredPermission(code)) in contributions.of::<RequiredPermission>() {
            if !known.iter().any(|p| p.code == *code) {
                return Err(format!(
                    "app `{app}` checks the permission `{code}`, which no installed app declares \
                     (`project permissions` lists them)"
                ));
            }
        }
        Ok(())
    }

    /// Settings from `./config` (or `APP_CONFIG_DIR`, or the embedded copies) and the
    /// environment, with every section claimed by the framework or an installed app.
    pub fn load_settings(&self) -> Result<Settings, SettingsError> {
        self.load_settings_from(&self.settings_source())
    }

    pub fn load_settings_from(&self, source: &SettingsSource) -> Result<Settings, SettingsError> {
        let (settings, problems) = self.load_settings_with_problems(source)?;
        match problems.into_iter().next() {
            Some(problem) => Err(problem),
            None => Ok(settings),
        }
    }

    /// Like [`Project::load_settings_from`], listing every invalid value instead of
    /// stopping at the first (for `project check --deploy`).
    pub fn load_settings_with_problems(
        &self,
        source: &SettingsSource,
    ) -> Result<(Settings, Vec<SettingsError>), SettingsError> {
        let (settings, mut problems) = Settings::load_with_problems(source)?;
        for section in settings.unknown_sections(&self.labels()) {
            problems.push(SettingsError::new(
                section,
                "is not a framework section nor the label of an installed app (check the spelling)",
            ));
        }
        Ok((settings, problems))
    }

    /// The source `project` reads: `./config` (or `APP_CONFIG_DIR`, or the embedded copies)
    /// and the environment.
    pub fn settings_source(&self) -> SettingsSource {
        SettingsSource::new("config", self.embedded.config_files)
    }

    /// What the installed apps contribute to each other (every app's `install`).
    pub fn contributions(&self) -> Arc<Contributions> {
        Arc::new(Contributions::of_apps(&self.apps))
    }

    /// Runs every app's `configure`: typed app settings and services.
    pub fn configure(&self, settings: &Settings) -> Result<Services, SettingsError> {
        // A project whose URLs do not resolve fails on that elsewhere.
        let urls = self.resolve_urls().ok();
        self.configure_with(settings, self.contributions(), urls.as_ref())
    }

    fn configure_with(
        &self,
        settings: &Settings,
        contributions: Arc<Contributions>,
        urls: Option<&ResolvedUrls>,
    ) -> Result<Services, SettingsError> {
        let mut services = Services::default();
        services.insert(contributions);
        services.insert(InstalledApps(Arc::new(self.apps.clone())));
        // What apps that describe the routes read (the OpenAPI extra).
        if let Some(urls) = urls {
            services.insert(urls.api_mounts.clone());
            services.insert(urls.reverser.clone());
        }
        for app in &self.apps {
            app.configure(settings, &mut services)?;
        }
        if !settings.database.replica_urls.is_empty()
            && services.get::<crate::reads::ReadRouting>().is_none()
        {
            return Err(SettingsError::new(
                "database.replica_urls",
                "is set, but no installed app routes reads to replicas; install the `replicas` extra (web_replicas::Replicas) or leave it empty",
            ));
        }
        Ok(services)
    }

    /// Builds the URL registry and checks it against the installed apps.
    pub fn resolve_urls(&self) -> anyhow::Result<ResolvedUrls> {
        let registry = (self.urls)();
        let labels = self.labels();
        let included = registry.namespaces();
        for ns in &included {
            if !labels.contains(ns) {
                anyhow::bail!(
                    "urls.rs includes the URL module of `{ns}`, which is not an installed app; add it to the installed apps"
                );
            }
        }
        let resolved = registry.build()?;
        for app in &self.apps {
            let has_routes = !app.urls().is_empty();
            if has_routes && !included.contains(&app.label()) {
                anyhow::bail!(
                    "app `{}` has routes but urls.rs does not include them; add `.include(\"/…\", {}::urls())`",
                    app.label(),
                    app.label()
                );
            }
        }
        Ok(resolved)
    }

    /// The migrator of the installed apps.
    pub fn migrator(&self) -> anyhow::Result<InstalledMigrator> {
        let groups = self
            .apps
            .iter()
            .filter_map(|a| a.migration_group())
            .collect();
        InstalledMigrator::new(groups, self.migrations).map_err(anyhow::Error::msg)
    }

    /// The template environment for `settings`.
    fn templates(
        &self,
        settings: &Settings,
        urls: &ResolvedUrls,
        contributions: &Contributions,
    ) -> Templates {
        Templates::new(TemplateConfig {
            dir: settings.templates_dir().map(Into::into),
            reload: settings.templates.reload,
            embedded: self.embedded.templates,
            reverser: urls.reverser.clone(),
            static_url: settings.static_files.url.clone(),
            functions: contributions
                .of::<TemplateFunctions>()
                .map(|(_, f)| f.0)
                .collect(),
            apps: contributions
                .of::<AppTemplates>()
                .map(|(_, t)| *t)
                .collect(),
        })
    }

    /// Every template's name and source: the project's (from `templates.dir`, else
    /// compiled in), then the installed apps' that it does not override.
    pub fn template_sources(&self, settings: &Settings) -> Vec<(String, String)> {
        let app_templates: Vec<AppTemplates> = self
            .contributions()
            .of::<AppTemplates>()
            .map(|(_, t)| *t)
            .collect();
        crate::templates::template_sources(
            settings.templates_dir(),
            &self.embedded.template_sources(),
            &app_templates,
        )
    }

    /// Everything `project check` verifies that needs no database: apps, settings
    /// sections, URLs, template URL names, and each app's own checks.
    pub fn check(&self, settings: &Settings, deploy: bool) -> Vec<String> {
        let mut problems = Vec::new();
        if let Err(e) = self.check_apps() {
            problems.push(e);
        }
        if let Err(e) = self.configure(settings) {
            problems.push(e.to_string());
        }
        if let Err(e) = self.migrator() {
            problems.push(e.to_string());
        }
        match self.resolve_urls() {
            Ok(urls) => {
                let sources = self.template_sources(settings);
                problems.extend(crate::templates::check_url_names(&sources, &urls.reverser));
                if let Some(dir) = settings.templates_dir() {
                    for app in &self.apps {
                        if let Some(folder) = app.template_dir()
                            && !dir.join(folder).is_dir()
                        {
                            problems.push(format!(
                                "app `{}` has no template folder {}",
                                app.label(),
                                dir.join(folder).display()
                            ));
                        }
                    }
                }
            }
            Err(e) => problems.push(format!("{e:#}")),
        }
        if deploy {
            problems.extend(deploy_problems(settings));
        }
        for app in &self.apps {
            problems.extend(app.check(settings, deploy));
        }
        problems
    }

    /// Builds the state and the routes over an open database.
    pub fn state(
        &self,
        settings: Arc<Settings>,
        db: DatabaseConnection,
    ) -> anyhow::Result<(AppState, ResolvedUrls)> {
        self.check_order().map_err(anyhow::Error::msg)?;
        let contributions = self.contributions();
        self.check_contributions(&contributions)
            .map_err(anyhow::Error::msg)?;
        let urls = self.resolve_urls()?;
        let mut services = self.configure_with(&settings, contributions.clone(), Some(&urls))?;
        let uncached = contributions.of::<Uncached>();
        let uncached = uncached
            .flat_map(|(_, t)| t.0.iter())
            .map(|t| t.to_string());
        services.insert(UncachedTables(uncached.collect()));
        let templates = self.templates(&settings, &urls, &contributions);
        let processors = contributions.of::<Processor>();
        services.insert(ContextProcessors(
            processors.map(|(_, p)| p.0.clone()).collect(),
        ));
        services.insert(crate::page::Holes::new(settings.secret_key.expose()));
        let state = AppState::new(settings, db, templates, urls.reverser.clone(), services);
        Ok((state, urls))
    }

    /// The routes with the middleware stack, ready to serve. The stack wraps the whole
    /// router once (not each route); sessions and CSRF wrap only the page routes, since
    /// the JSON API authenticates with bearer tokens alone.
    pub fn router(&self, state: AppState, urls: ResolvedUrls) -> Router {
        let settings = state.settings().clone();
        let mut pages = urls.pages;
        // The apps' page layers (sessions, CSRF), the first installed outermost.
        let contributions = state.services().contributions();
        let page_layers = contributions.of::<PageLayers>().collect::<Vec<_>>();
        for (_, wrap) in page_layers.iter().rev() {
            pages = (wrap.0)(pages, &state);
        }
        // Static files come after: they need no session.
        if let Some(files) = crate::static_files::router(&settings, self.embedded.static_files) {
            pages = pages.merge(files);
        }
        if let Ok(served) = state.service::<crate::ServedFiles>() {
            for files in served.routers() {
                pages = pages.merge(files);
            }
        }
        let body_limits = crate::body_limit::BodyLimits {
            default: settings.server.body_limit_bytes,
            uploads: state
                .service::<crate::UploadLimit>()
                .map_or(settings.server.body_limit_bytes, |limit| limit.0),
            upload_paths: urls.upload_paths.clone(),
        };
        let fallback = urls.fallback;
        let mut app = pages
            .merge(urls.json)
            .fallback(move |request| fallback.clone().handle(request))
            .with_state(state.clone());
        if settings.metrics.port != 0 {
            crate::metrics::install();
            app = app.route_layer(from_fn_with_state(
                crate::metrics::RouteNames::new(&urls.routes),
                crate::metrics::record,
            ));
        }
        // The apps' middleware; layered last-installed first, so the first runs first.
        let contributions = state.services().contributions();
        let middleware = contributions.of::<MiddlewareFactory>().collect::<Vec<_>>();
        for middleware in middleware
            .iter()
            .rev()
            .filter_map(|(_, build)| (build.0)(&state))
        {
            app = app.layer(axum::middleware::from_fn(
                move |request: axum::extract::Request, next: axum::middleware::Next| {
                    middleware(request, next)
                },
            ));
        }
        let cors =
            (!settings.server.cors_origins.is_empty()).then(|| cors(&settings.server.cors_origins));
        let hsts = (settings.server.hsts_seconds > 0)
            .then(|| {
                HeaderValue::from_str(&format!(
                    "max-age={}; includeSubDomains",
                    settings.server.hsts_seconds
                ))
                .ok()
            })
            .flatten()
            .map(|value| {
                SetResponseHeaderLayer::if_not_present(header::STRICT_TRANSPORT_SECURITY, value)
            });
        // Outermost first.
        let stack = ServiceBuilder::new()
            .map_request(crate::middleware::drop_unplain_request_id)
            .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
            .layer(
                TraceLayer::new_for_http()
                    .make_span_with(DefaultMakeSpan::new().level(Level::DEBUG))
                    .on_request(())
                    .on_eos(())
                    .on_response(DefaultOnResponse::new().level(Level::DEBUG))
                    .on_failure(DefaultOnFailure::new().level(Level::DEBUG)),
            )
            .layer(PropagateRequestIdLayer::x_request_id())
            .option_layer(hsts)
            .layer(SetResponseHeaderLayer::if_not_present(
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ))
            .layer(SetResponseHeaderLayer::if_not_present(
                header::X_FRAME_OPTIONS,
                HeaderValue::from_static("DENY"),
            ))
            .layer(SetResponseHeaderLayer::if_not_present(
                header::REFERRER_POLICY,
                HeaderValue::from_static("same-origin"),
            ))
            .layer(CompressionLayer::new())
            .layer(crate::middleware::GuardLayer::new(state.clone()))
            .layer(from_fn_with_state(
                crate::writes::WriteAnnouncer::new(&state),
                crate::writes::announce_writes,
            ))
            .layer(CatchPanicLayer::custom(crate::error::panic_response))
            .layer(from_fn_with_state(
                Duration::from_secs(settings.server.request_timeout_seconds),
                crate::request_time::limit_request_time,
            ))
            .option_layer(cors)
            .layer(from_fn_with_state(
                body_limits,
                crate::body_limit::limit_body,
            ))
            .service(app);
        Router::new().fallback_service(stack)
    }
}

/// The installed apps, as a service (for work that spans them, like the hourly cleanup).
#[derive(Clone)]
pub struct InstalledApps(pub Arc<Vec<Arc<dyn crate::App>>>);

fn cors(origins: &[String]) -> CorsLayer {
    let origins: Vec<HeaderValue> = origins
        .iter()
        .filter_map(|o| HeaderValue::from_str(o).ok())
        .collect();
    CorsLayer::new()
        .allow_origin(AllowOrigin::list(origins))
        .allow_methods([
            Method::GET,
            Method::POST,
            Method::PATCH,
            Method::PUT,
            Method::DELETE,
        ])
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            HeaderName::from_static("idempotency-key"),
        ])
        .max_age(Duration::from_secs(3600))
}

/// Django's `check --deploy`, for the framework's own settings.
fn deploy_problems(settings: &Settings) -> Vec<String> {
    let mut problems = Vec::new();
    let key = settings.secret_key.expose();
    if key.starts_with(crate::settings::INSECURE_PREFIX) {
        problems.push(
            "secret_key is the development default; set APP__SECRET_KEY to a long random value"
                .into(),
        );
    } else if !key.is_empty() && key.chars().count() < 32 {
        problems.push(
            "secret_key is shorter than 32 characters; set APP__SECRET_KEY to a long random value"
                .into(),
        );
    }
    if settings.debug {
        problems.push("debug is on; set APP__DEBUG=false (and APP_ENV=production)".into());
    }
    if crate::db::Backend::from_url(settings.database.url.expose())
        == Ok(crate::db::Backend::Sqlite)
    {
        problems.push("database.url is SQLite; use MySQL/MariaDB or PostgreSQL in production (APP__DATABASE__URL)".into());
    }
    if settings.server.allowed_hosts.iter().any(|h| h == "*") {
        problems.push("server.allowed_hosts contains `*`; list the real host names".into());
    }
    if settings.server.public_url.trim().is_empty() {
        problems.push("server.public_url is not set; set APP__SERVER__PUBLIC_URL to the site's address (https://www.example.com) so links in emails never depend on a request's Host".into());
    }
    problems
}

impl Contributions {
    /// Runs every app's [`App::install`], in installation order.
    pub fn of_apps(apps: &[Arc<dyn App>]) -> Contributions {
        let mut contributions = Contributions::default();
        for app in apps {
            app.install(&mut Installer::new(app.label(), &mut contributions));
        }
        contributions
    }
}
