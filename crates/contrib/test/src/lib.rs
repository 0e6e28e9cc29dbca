//! Test harness: the composed app over a fresh, migrated, isolated database, and a client
//! that sends requests through the whole middleware stack without a socket.
//!
//! The database is in-memory SQLite by default; [`TestAppBuilder::file_database`] gives a
//! file-backed SQLite with a pool of several connections (needed by tests that race, since
//! an in-memory database exists once per connection). When `TEST_DATABASE_URL` is a
//! `mysql://` or `postgres://` URL, every test gets its own database on that server,
//! dropped when the test ends.
//!
//! ```ignore
//! let app = TestApp::new(&project()).await;
//! let res = app.client.get("/api/catalog/products").send().await;
//! assert_eq!(res.status, 200);
//! ```

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use sea_orm::{ConnectOptions, ConnectionTrait, DatabaseConnection, Statement};
use sea_orm_migration::MigratorTraitSelf;
use serde::Serialize;
use serde::de::DeserializeOwned;
use tower::ServiceExt;

use web::db::Backend;
use web::project::Project;
use web::settings::{Settings, SettingsSource};
use web::state::AppState;

/// The workspace root (for `config/`, `templates/`, `static/`): the nearest folder above
/// the crate under test that has `config/default.toml`. Found at run time: a compile-time
/// path would be wrong when a copy of the workspace shares this build's target folder.
pub fn workspace_root() -> PathBuf {
    let start = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .or_else(|| std::env::current_dir().ok())
        .unwrap_or_default();
    start
        .ancestors()
        .find(|dir| dir.join("config/default.toml").is_file())
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../.."))
}

/// The Redis of tests that use a shared cache: `TEST_REDIS_URL`, else the local one.
pub fn redis_url() -> String {
    std::env::var("TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379/0".to_string())
}

/// The project an app's tests run: the framework's own apps (health, sessions) first,
/// then `apps` in dependency order, with the URL registry `urls` (start it from [`urls`])
/// and the `migration` crate's groups.
///
/// ```ignore
/// pub fn project() -> Project {
///     web::test::project(
///         vec![Arc::new(Accounts), Arc::new(Catalog)],
///         || web::test::urls().include("/accounts", accounts::urls()).include("/catalog", catalog::urls()),
///         migration::group,
///     )
/// }
/// ```
pub fn project(
    apps: Vec<Arc<dyn web::App>>,
    urls: fn() -> web::UrlRegistry,
    migrations: web::migrate::MigrationLookup,
) -> Project {
    let mut installed: Vec<Arc<dyn web::App>> = vec![
        Arc::new(web::health::Health),
        Arc::new(web_sessions::Sessions),
        Arc::new(web_i18n::I18n),
        Arc::new(web_jobs::Jobs),
        Arc::new(web_mail::Mail),
        Arc::new(web_cache::CacheApp),
    ];
    installed.extend(apps);
    Project {
        apps: installed,
        urls,
        migrations,
        embedded: web::project::Embedded::none(),
    }
}

/// A URL registry with the framework's probes (`/healthz`, `/readyz`) and the i18n
/// extra's language switch (`/i18n/setlang/`) mounted.
pub fn urls() -> web::UrlRegistry {
    web::UrlRegistry::new()
        .include("", web::health::urls())
        .include("/i18n", web_i18n::urls())
}

/// A running test project.
pub struct TestApp {
    pub client: TestClient,
    pub state: AppState,
    /// The router with the full middleware stack (to start a real server from).
    pub router: Router,
    _database: TestDatabase,
    /// The media extra's folder, when the project installs it: one per test app.
    _media: Option<tempfile::TempDir>,
}

impl TestApp {
    /// The project over a fresh in-memory (or `TEST_DATABASE_URL`) database.
    pub async fn new(project: &Project) -> TestApp {
        TestApp::builder(project).build().await
    }
    /// Runs every background job due now, as a worker would (no worker runs inside the
    /// test app); returns how many ran.
    pub async fn run_jobs(&self) -> usize {
        web_jobs::Worker::new(&self.state)
            .expect("the jobs settings")
            .run_due()
            .await
            .expect("claiming jobs")
    }

    /// The mail the memory backend (`email.backend = "memory"`, the test default) sent.
    pub fn sent_mail(&self) -> Vec<web_mail::Email> {
        self.state
            .service::<web_mail::Outbox>()
            .expect("email.backend = \"memory\"")
            .sent()
    }

    pub fn builder(project: &Project) -> TestAppBuilder<'_> {
        TestAppBuilder {
            project,
            overrides: Vec::new(),
            file_database: false,
            share: None,
        }
    }

    pub fn db(&self) -> &DatabaseConnection {
        self.state.db()
    }

    pub fn settings(&self) -> &Settings {
        self.state.settings()
    }

    /// Which backend the test runs on.
    pub fn backend(&self) -> Backend {
        Backend::from_url(self.settings().database.url.expose()).unwrap_or(Backend::Sqlite)
    }
}

/// Options for [`TestApp`].
pub struct TestAppBuilder<'a> {
    project: &'a Project,
    overrides: Vec<(String, String)>,
    file_database: bool,
    share: Option<String>,
}

impl TestAppBuilder<'_> {
    /// Overrides a setting: `.setting("accounts.login_max_failures", "3")`.
    pub fn setting(mut self, key: &str, value: impl ToString) -> Self {
        self.overrides.push((key.to_string(), value.to_string()));
        self
    }

    /// A file-backed SQLite database with a pool of 8 (for tests that race); on MySQL or
    /// PostgreSQL this changes nothing.
    pub fn file_database(mut self) -> Self {
        self.file_database = true;
        self
    }
    /// Runs on the database of `other` (already migrated) with its own pool and cache:
    /// a second server process behind the same load balancer.
    pub fn share_database(mut self, other: &TestApp) -> Self {
        self.share = Some(other.settings().database.url.expose().to_string());
        self
    }

    pub async fn build(self) -> TestApp {
        // Errors and warnings (a 500's cause, a template error) show in a failing test's output.
        let _ = tracing_subscriber::fmt()
            .with_env_filter(
                tracing_subscriber::EnvFilter::try_from_default_env()
                    .unwrap_or_else(|_| "warn".into()),
            )
            .with_test_writer()
            .try_init();
        let (database, url, pool) = match &self.share {
            Some(url) => (
                TestDatabase::Shared,
                url.clone(),
                if url.starts_with("sqlite") { 8 } else { 5 },
            ),
            None => TestDatabase::create(self.file_database).await,
        };
        let root = workspace_root();
        let mut source =
            SettingsSource::new(root.join("config"), self.project.embedded.config_files)
                .with_env([("APP_ENV", "test")])
                .with_override("database.url", url)
                .with_override("database.pool_size", pool.to_string())
                .with_override("templates.dir", root.join("templates").to_string_lossy())
                .with_override("static.dir", root.join("static").to_string_lossy());
        // Each test app keeps its media files apart (the files of one test are never
        // another's to remove), unless the test chose a storage.
        let media = (self.project.apps.iter().any(|a| a.label() == "media")
            && !self.overrides.iter().any(|(k, _)| k == "media.storage_url"))
        .then(|| tempfile::tempdir().expect("a temporary media folder"));
        if let Some(dir) = &media {
            source = source.with_override(
                "media.storage_url",
                format!("file://{}", dir.path().display()),
            );
        }
        for (key, value) in self.overrides {
            source = source.with_override(key, value);
        }
        // A test project may install only some of the apps, so sections of the others are
        // tolerated here (`Project::load_settings` refuses them in a real run).
        let settings = Settings::load(&source).unwrap_or_else(|e| panic!("test settings: {e}"));
        let db = web::db::connect(&settings.database)
            .await
            .unwrap_or_else(|e| panic!("test database: {e}"));
        let migrator = self.project.migrator().unwrap_or_else(|e| panic!("{e}"));
        migrator
            .up(&db, None)
            .await
            .unwrap_or_else(|e| panic!("migrations: {e}"));
        web::cli::post_migrate(self.project, &db)
            .await
            .unwrap_or_else(|e| panic!("post-migrate: {e:#}"));
        let (state, urls) = self
            .project
            .state(Arc::new(settings), db)
            .unwrap_or_else(|e| panic!("{e:#}"));
        // A fresh database is new data: entries a shared cache may hold from an earlier
        // database under the same URL must not match it.
        web::writes::announce(state.services()).await;
        let router = self.project.router(state.clone(), urls);
        TestApp {
            client: TestClient::new(router.clone()),
            state,
            router,
            _database: database,
            _media: media,
        }
    }
}

/// A fresh, empty database for a test that runs the server as a separate process: a
/// SQLite file, or a new database on the `TEST_DATABASE_URL` server. Dropped with this.
pub struct ScratchDatabase {
    url: String,
    _database: TestDatabase,
}

impl ScratchDatabase {
    pub async fn new() -> ScratchDatabase {
        let (database, url, _) = TestDatabase::create(true).await;
        ScratchDatabase {
            url,
            _database: database,
        }
    }

    /// Its URL, for `APP__DATABASE__URL`.
    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn backend(&self) -> Backend {
        Backend::from_url(&self.url).expect("a database URL")
    }
}

enum TestDatabase {
    Memory,
    /// Another test app's database (it cleans up).
    Shared,
    File(#[allow(dead_code)] tempfile::TempDir),
    Server {
        admin_url: String,
        name: String,
        backend: Backend,
    },
}

static COUNTER: AtomicU32 = AtomicU32::new(0);
static LEFTOVERS_DROPPED: OnceLock<()> = OnceLock::new();
const PREFIX: &str = "webtest_";

/// `scheme://user@host:port/db?query` -> (`scheme://user@host:port/`, `?query`).
fn split_database_url(url: &str) -> (String, String) {
    let (main, query) = match url.split_once('?') {
        Some((m, q)) => (m, format!("?{q}")),
        None => (url, String::new()),
    };
    let after_scheme = main.find("://").map(|i| i + 3).unwrap_or(0);
    let base = match main[after_scheme..].find('/') {
        Some(i) => &main[..after_scheme + i + 1],
        None => main,
    };
    let base = if base.ends_with('/') {
        base.to_string()
    } else {
        format!("{base}/")
    };
    (base, query)
}

async fn admin_connection(url: &str) -> DatabaseConnection {
    let mut options = ConnectOptions::new(url.to_owned());
    options.max_connections(1).sqlx_logging(false);
    sea_orm::Database::connect(options)
        .await
        .unwrap_or_else(|e| panic!("TEST_DATABASE_URL {url}: {e}"))
}

async fn drop_database(admin: &DatabaseConnection, backend: Backend, name: &str) {
    if backend == Backend::MySql {
        disconnect_mysql_clients(admin, name).await;
    }
    let sql = match backend {
        Backend::Postgres => format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"),
        _ => format!("DROP DATABASE IF EXISTS `{name}`"),
    };
    if let Err(e) = admin.execute_unprepared(&sql).await {
        eprintln!("warning: could not drop test database {name}: {e}");
    }
}

/// Ends the connections still using database `name`, as PostgreSQL's `DROP DATABASE …
/// WITH (FORCE)` does. A test's pool can outlive it with a connection whose dropped
/// transaction still awaits its rollback (sqlx sends it on the connection's next use):
/// its metadata lock would hold `DROP DATABASE` for ever, and on a current-thread runtime
/// the task that would send the rollback waits for this very drop.
async fn disconnect_mysql_clients(admin: &DatabaseConnection, name: &str) {
    let clients = admin
        .query_all_raw(Statement::from_sql_and_values(
            admin.get_database_backend(),
            "SELECT id FROM information_schema.processlist WHERE db = ? AND id <> CONNECTION_ID()",
            [name.into()],
        ))
        .await
        .unwrap_or_default();
    for client in clients {
        if let Ok(id) = client.try_get_by_index::<i64>(0) {
            // It may have ended on its own meanwhile.
            let _ = admin.execute_unprepared(&format!("KILL {id}")).await;
        }
    }
}

/// Drops databases left behind by test processes that no longer run (a panic skips Drop).
async fn drop_leftovers(admin: &DatabaseConnection, backend: Backend) {
    let sql = match backend {
        Backend::Postgres => "SELECT datname FROM pg_database WHERE datname LIKE 'webtest\\_%'",
        _ => {
            "SELECT schema_name FROM information_schema.schemata WHERE schema_name LIKE 'webtest\\_%'"
        }
    };
    let Ok(rows) = admin
        .query_all_raw(Statement::from_string(admin.get_database_backend(), sql))
        .await
    else {
        return;
    };
    for row in rows {
        let Ok(name) = row.try_get_by_index::<String>(0) else {
            continue;
        };
        let pid = name
            .trim_start_matches(PREFIX)
            .split('_')
            .next()
            .and_then(|p| p.parse::<u32>().ok());
        if let Some(pid) = pid
            && pid != std::process::id()
            && !std::path::Path::new(&format!("/proc/{pid}")).exists()
        {
            drop_database(admin, backend, &name).await;
        }
    }
}

impl TestDatabase {
    async fn create(file: bool) -> (TestDatabase, String, u32) {
        let server_url = std::env::var("TEST_DATABASE_URL")
            .ok()
            .filter(|u| !u.trim().is_empty() && !u.starts_with("sqlite"));
        if let Some(admin_url) = server_url {
            let backend =
                Backend::from_url(&admin_url).unwrap_or_else(|e| panic!("TEST_DATABASE_URL: {e}"));
            let admin = admin_connection(&admin_url).await;
            if LEFTOVERS_DROPPED.set(()).is_ok() {
                drop_leftovers(&admin, backend).await;
            }
            let name = format!(
                "{PREFIX}{}_{}",
                std::process::id(),
                COUNTER.fetch_add(1, Ordering::Relaxed)
            );
            let create = match backend {
                Backend::Postgres => format!("CREATE DATABASE \"{name}\""),
                _ => format!(
                    "CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
                ),
            };
            admin
                .execute_unprepared(&create)
                .await
                .unwrap_or_else(|e| panic!("creating test database {name}: {e}"));
            let _ = admin.close().await;
            let (base, query) = split_database_url(&admin_url);
            let url = format!("{base}{name}{query}");
            return (
                TestDatabase::Server {
                    admin_url,
                    name,
                    backend,
                },
                url,
                5,
            );
        }
        if file {
            let dir = tempfile::tempdir().expect("temporary directory");
            let url = format!(
                "sqlite://{}?mode=rwc",
                dir.path().join("test.sqlite3").display()
            );
            (TestDatabase::File(dir), url, 8)
        } else {
            (TestDatabase::Memory, "sqlite::memory:".into(), 1)
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let TestDatabase::Server {
            admin_url,
            name,
            backend,
        } = self
        {
            let (admin_url, name, backend) = (admin_url.clone(), name.clone(), *backend);
            // Drop runs inside the test's runtime; the async clean-up gets its own thread.
            let _ = std::thread::spawn(move || {
                let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                else {
                    return;
                };
                rt.block_on(async {
                    let admin = admin_connection(&admin_url).await;
                    drop_database(&admin, backend, &name).await;
                    let _ = admin.close().await;
                });
            })
            .join();
        }
    }
}

/// Sends requests to the router in-process, keeping cookies between requests like a browser.
#[derive(Clone)]
pub struct TestClient {
    router: Router,
    cookies: Arc<Mutex<HashMap<String, String>>>,
    peer: IpAddr,
}

impl TestClient {
    pub fn new(router: Router) -> Self {
        TestClient {
            router,
            cookies: Default::default(),
            peer: IpAddr::V4(Ipv4Addr::LOCALHOST),
        }
    }

    /// Another client on the same app with an empty cookie jar (another browser).
    pub fn new_session(&self) -> TestClient {
        TestClient {
            router: self.router.clone(),
            cookies: Default::default(),
            peer: self.peer,
        }
    }

    /// A client whose requests come from `ip` (the socket peer address).
    pub fn from_ip(&self, ip: IpAddr) -> TestClient {
        TestClient {
            router: self.router.clone(),
            cookies: self.cookies.clone(),
            peer: ip,
        }
    }

    pub fn cookie(&self, name: &str) -> Option<String> {
        self.cookies
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(name)
            .cloned()
    }

    pub fn request(&self, method: Method, path: &str) -> TestRequest {
        TestRequest {
            client: self.clone(),
            method,
            path: path.to_string(),
            headers: HeaderMap::new(),
            body: Bytes::new(),
        }
    }
    pub fn get(&self, path: &str) -> TestRequest {
        self.request(Method::GET, path)
    }
    pub fn post(&self, path: &str) -> TestRequest {
        self.request(Method::POST, path)
    }
    pub fn put(&self, path: &str) -> TestRequest {
        self.request(Method::PUT, path)
    }
    pub fn patch(&self, path: &str) -> TestRequest {
        self.request(Method::PATCH, path)
    }
    pub fn delete(&self, path: &str) -> TestRequest {
        self.request(Method::DELETE, path)
    }

    /// GETs `page` and returns the CSRF token of its form (panics if it has none).
    pub async fn csrf_token(&self, page: &str) -> String {
        let response = self.get(page).send().await;
        response
            .csrf_token()
            .unwrap_or_else(|| panic!("{page} has no csrf_token field: {}", response.text()))
    }

    /// Submits a form the way a browser does: GETs `page` for the CSRF token, then POSTs
    /// `fields` (plus the token) to `action`.
    pub async fn submit_form(
        &self,
        page: &str,
        action: &str,
        fields: &[(&str, &str)],
    ) -> TestResponse {
        let token = self.csrf_token(page).await;
        let mut all: Vec<(&str, &str)> = fields.to_vec();
        all.push((web_sessions::csrf::CSRF_FIELD, &token));
        self.post(action).form(&all).send().await
    }

    /// [`Self::submit_form`] for a form with files (`multipart/form-data`): the token
    /// first, as `csrf_input()` puts it, then `fields`, then `files` (field, file name,
    /// bytes).
    pub async fn submit_multipart(
        &self,
        page: &str,
        action: &str,
        fields: &[(&str, &str)],
        files: &[(&str, &str, &[u8])],
    ) -> TestResponse {
        let token = self.csrf_token(page).await;
        let mut all: Vec<(&str, &str)> = vec![(web_sessions::csrf::CSRF_FIELD, &token)];
        all.extend_from_slice(fields);
        self.post(action).multipart(&all, files).send().await
    }

    fn store_cookies(&self, headers: &HeaderMap) {
        let mut jar = self.cookies.lock().unwrap_or_else(|e| e.into_inner());
        for value in headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
        {
            let mut parts = value.split(';');
            let Some((name, val)) = parts.next().and_then(|p| p.split_once('=')) else {
                continue;
            };
            let expired = parts.any(|attr| {
                let attr = attr.trim().to_ascii_lowercase();
                attr == "max-age=0" || (attr.starts_with("expires=") && attr.contains("1970"))
            });
            if expired || val.is_empty() {
                jar.remove(name.trim());
            } else {
                jar.insert(name.trim().to_string(), val.trim().to_string());
            }
        }
    }
}

/// A request being built.
pub struct TestRequest {
    client: TestClient,
    method: Method,
    path: String,
    headers: HeaderMap,
    body: Bytes,
}

impl TestRequest {
    /// Appends `pairs`, percent-encoded, to the query string (as reqwest's `query`).
    pub fn query(mut self, pairs: &[(&str, &str)]) -> Self {
        let encoded = serde_urlencoded::to_string(pairs).expect("query pairs encode");
        let separator = if self.path.contains('?') { '&' } else { '?' };
        self.path = format!("{}{separator}{encoded}", self.path);
        self
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        let name = HeaderName::try_from(name).expect("valid header name");
        self.headers.append(
            name,
            HeaderValue::from_str(value).expect("valid header value"),
        );
        self
    }
    /// `Authorization: Bearer <token>`.
    pub fn bearer(self, token: &str) -> Self {
        self.header("authorization", &format!("Bearer {token}"))
    }
    /// A JSON body (`application/json`).
    pub fn json<T: Serialize + ?Sized>(mut self, body: &T) -> Self {
        self.body = serde_json::to_vec(body).expect("serializable body").into();
        self.header("content-type", "application/json")
    }
    /// A URL-encoded form body.
    pub fn form<T: Serialize + ?Sized>(mut self, fields: &T) -> Self {
        self.body = serde_urlencoded::to_string(fields)
            .expect("form fields")
            .into();
        self.header("content-type", "application/x-www-form-urlencoded")
    }
    /// A `multipart/form-data` body as a browser sends it: the text `fields` in order,
    /// then each file as (field, file name, bytes).
    pub fn multipart(self, fields: &[(&str, &str)], files: &[(&str, &str, &[u8])]) -> Self {
        const BOUNDARY: &str = "web-test-boundary-1c9f3a7e";
        let mut body = Vec::new();
        for (name, value) in fields {
            body.extend_from_slice(
                format!(
                    "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
                )
                .as_bytes(),
            );
        }
        for (name, file_name, bytes) in files {
            body.extend_from_slice(
                format!(
                    "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
                )
                .as_bytes(),
            );
            body.extend_from_slice(bytes);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
        self.body(body, &format!("multipart/form-data; boundary={BOUNDARY}"))
    }

    /// A raw body with its content type.
    pub fn body(mut self, body: impl Into<Bytes>, content_type: &str) -> Self {
        self.body = body.into();
        self.header("content-type", content_type)
    }

    pub async fn send(self) -> TestResponse {
        let mut request = Request::builder()
            .method(self.method)
            .uri(&self.path)
            .body(Body::from(self.body))
            .expect("valid request");
        *request.headers_mut() = self.headers;
        let headers = request.headers_mut();
        if !headers.contains_key(header::HOST) {
            headers.insert(header::HOST, HeaderValue::from_static("localhost"));
        }
        let cookie = {
            let jar = self
                .client
                .cookies
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            jar.iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("; ")
        };
        if !cookie.is_empty() && !headers.contains_key(header::COOKIE) {
            headers.insert(
                header::COOKIE,
                HeaderValue::from_str(&cookie).expect("cookie header"),
            );
        }
        request
            .extensions_mut()
            .insert(ConnectInfo(SocketAddr::new(self.client.peer, 40000)));
        let response = self
            .client
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("infallible router");
        let (parts, body) = response.into_parts();
        let body = body
            .collect()
            .await
            .map(|b| b.to_bytes())
            .unwrap_or_default();
        self.client.store_cookies(&parts.headers);
        TestResponse {
            status: parts.status,
            headers: parts.headers,
            body,
        }
    }
}

/// A response with its body read.
#[derive(Debug, Clone)]
pub struct TestResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl TestResponse {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    /// The body as JSON (panics, showing the body, if it is not).
    pub fn json<T: DeserializeOwned>(&self) -> T {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("response is not the expected JSON ({e}): {}", self.text()))
    }
    pub fn json_value(&self) -> serde_json::Value {
        self.json()
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
    /// Every value of a header that may repeat (`Vary`, `Set-Cookie`).
    pub fn header_all(&self, name: &str) -> Vec<&str> {
        self.headers
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect()
    }
    /// The `Location` of a redirect.
    pub fn location(&self) -> Option<&str> {
        self.header("location")
    }
    /// The `error.code` of a JSON error body.
    pub fn error_code(&self) -> String {
        self.json_value()["error"]["code"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }
    /// The value of the first `csrf_token` hidden input in an HTML body.
    pub fn csrf_token(&self) -> Option<String> {
        self.hidden_input(web_sessions::csrf::CSRF_FIELD)
    }

    /// The value of the first input named `name` in an HTML body (`name` before `value`).
    pub fn hidden_input(&self, name: &str) -> Option<String> {
        let text = self.text();
        let at = text.find(&format!("name=\"{name}\""))?;
        let rest = &text[at..];
        let start = rest.find("value=\"")? + 7;
        let end = rest[start..].find('"')?;
        Some(rest[start..start + end].to_string())
    }
    /// Panics with the body unless the status is `status`.
    #[track_caller]
    pub fn assert_status(&self, status: u16) -> &Self {
        assert_eq!(
            self.status.as_u16(),
            status,
            "unexpected status; body: {}",
            self.text()
        );
        self
    }
}

#[cfg(test)]
mod tests {
    use super::split_database_url;

    #[test]
    fn database_urls_split_around_the_name() {
        assert_eq!(
            split_database_url("postgres://postgres@127.0.0.1:5432/test?sslmode=disable"),
            (
                "postgres://postgres@127.0.0.1:5432/".into(),
                "?sslmode=disable".into()
            )
        );
        assert_eq!(
            split_database_url("mysql://root@127.0.0.1:3306/test"),
            ("mysql://root@127.0.0.1:3306/".into(), String::new())
        );
        assert_eq!(
            split_database_url("mysql://root@127.0.0.1:3306"),
            ("mysql://root@127.0.0.1:3306/".into(), String::new())
        );
    }
}
