//! A response cache that is never stale, also with several server processes: an extra
//! the project installs like an app ([`CacheApp`], labelled `cache` like its section).
//!
//! An entry records the database's *version* when it was computed, and is served only
//! while the database still has that version. Where the version comes from:
//!
//! - **A shared cache** (`cache.url`, Redis/Valkey; `shared`): a random token that every
//!   acknowledged write replaces before its answer goes out ([`Cache::changed`], called
//!   by the framework after every request that wrote ([`web::writes`]), every job that
//!   wrote and every management command). Entries live
//!   in Redis (shared by every process) and in a small in-process copy; reading the token
//!   is one Redis round trip, no database query. A cache that is down only costs speed.
//! - **SQLite files, no `cache.url`**: the header of the WAL index, which every commit from
//!   any connection, in this process or another, rewrites before it returns; reading it
//!   is a few loads from shared memory (`wal_index`). Without WAL it is
//!   `PRAGMA data_version` on a dedicated read-only connection.
//! - **MySQL/MariaDB and PostgreSQL without `cache.url`**: no cheap signal (a version
//!   query would cost as much as the queries it saves), so the cache is off: every
//!   request reads the database.
//!
//! ```ignore
//! async fn detail(cache: Cache, db: Db, Id(id): Id) -> Result<Response, Error> {
//!     cache.json(format!("product:{id}"), || find(&db, id)).await
//! }
//! ```

use std::any::Any;
use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use axum::extract::FromRequestParts;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use http::header;
use http::request::Parts;
use serde::Serialize;

use async_trait::async_trait;
use web::App;
use web::Error;
use web::extract::JSON_CONTENT_TYPE;
use web::health::{ReadinessCheck, ReadinessChecks};
use web::settings::{Settings, SettingsError};
use web::state::{AppState, Services};
use web::writes::{WriteListener, WriteListeners};

mod page;
pub mod settings;
mod shared;
mod sqlite;
mod wal_index;

pub use page::CachedPage;
pub use settings::CacheSettings;

/// The `cache` app: builds the project's [`Cache`] from `[cache]` and the database URL,
/// and registers it as a service, a write listener and a readiness check.
pub struct CacheApp;

impl App for CacheApp {
    fn label(&self) -> &'static str {
        "cache"
    }

    fn migration_group(&self) -> Option<&'static str> {
        None
    }

    fn template_dir(&self) -> Option<&'static str> {
        None
    }

    fn configure(&self, settings: &Settings, services: &mut Services) -> Result<(), SettingsError> {
        let cache = Cache::from_settings(settings)?;
        services.insert(cache.clone());
        let listeners = services.get_or_insert_default::<WriteListeners>();
        listeners.0.push(Arc::new(cache.clone()));
        let checks = services.get_or_insert_default::<ReadinessChecks>();
        checks.0.push(("cache", Arc::new(cache)));
        Ok(())
    }
}

use shared::Shared;
use sqlite::SqliteVersion;

/// Entries kept at most in-process; past that the local copy starts over (search terms
/// are unbounded).
const MAX_ENTRIES: usize = 4096;

/// The state of the database an entry was computed from: equal versions, equal data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    /// The WAL index header (`wal_index`): read without a transaction.
    WalIndex(u128),
    /// `PRAGMA data_version`: when the database is not in WAL mode, or a writer was
    /// halfway through the header.
    DataVersion(i64),
    /// The shared cache's token (`shared`).
    Shared(u128),
}

/// Where versions come from.
enum Signal {
    Off,
    Sqlite(SqliteVersion),
    Shared(Shared),
}

/// A cached value, the data version it was computed at and when it was stored.
struct Entry {
    version: Version,
    /// When the entry stops being served whatever the version: `cache.ttl_seconds`
    /// after it was stored, or sooner for an answer that changes with time.
    expires: Instant,
    value: Arc<dyn Any + Send + Sync>,
}

struct Inner {
    signal: Signal,
    /// How long an in-process entry of the shared cache lives at most (as its Redis copy).
    ttl: Duration,
    entries: RwLock<HashMap<String, Entry>>,
    /// One lock per key being computed, so concurrent misses compute it once (a burst of
    /// requests after a commit would otherwise all run the same query).
    computing: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

/// The cache; cheap to clone. Also an extractor.
#[derive(Clone)]
pub struct Cache(Arc<Inner>);

impl Cache {
    /// The cache the settings ask for: shared when `cache.url` is set, else in-process on
    /// a SQLite file, else off. A `cache.url` that can't be used was refused by the
    /// settings check; should it still fail here, the cache is off (and says so).
    pub fn from_settings(settings: &Settings) -> Result<Cache, SettingsError> {
        let cache = CacheSettings::from_settings(settings)?;
        let url = cache.url.expose();
        let database_url = settings.database.url.expose();
        if url.is_empty() {
            return Ok(Cache::for_database(database_url));
        }
        Ok(match Shared::new(url, database_url, cache.ttl_seconds) {
            Ok(shared) => Cache::with(
                Signal::Shared(shared),
                Duration::from_secs(cache.ttl_seconds.max(1)),
            ),
            Err(error) => {
                tracing::warn!(%error, "cache.url can't be used; the cache is off");
                Cache::disabled()
            }
        })
    }

    /// An in-process cache for the database at `url`: on for a SQLite file, off otherwise.
    pub fn for_database(url: &str) -> Cache {
        match SqliteVersion::for_url(url) {
            Some(version) => Cache::with(Signal::Sqlite(version), Duration::MAX),
            None => Cache::disabled(),
        }
    }

    /// A cache that never hits.
    pub fn disabled() -> Cache {
        Cache::with(Signal::Off, Duration::MAX)
    }

    fn with(signal: Signal, ttl: Duration) -> Cache {
        Cache(Arc::new(Inner {
            signal,
            ttl,
            entries: RwLock::new(HashMap::new()),
            computing: Mutex::new(HashMap::new()),
        }))
    }

    pub fn is_enabled(&self) -> bool {
        !matches!(self.0.signal, Signal::Off)
    }

    /// Whether this is a cache shared by several processes (`cache.url`).
    pub fn is_shared(&self) -> bool {
        matches!(self.0.signal, Signal::Shared(_))
    }

    /// The current data version (`None`: caching is off, or the shared cache is down).
    pub async fn version(&self) -> Option<Version> {
        match &self.0.signal {
            Signal::Off => None,
            Signal::Sqlite(version) => version.read(),
            Signal::Shared(shared) => shared.version().await,
        }
    }

    /// Announces a committed write to every process: call it after the commit and before
    /// answering. The framework does this after every request and job that wrote and every
    /// management command, so views need not. SQLite's own signal needs
    /// no announcement. `false`: the shared cache could not be told (it is down); this
    /// process keeps off it until it can.
    pub async fn changed(&self) -> bool {
        match &self.0.signal {
            Signal::Shared(shared) => {
                self.clear_local();
                shared.bump().await
            }
            _ => true,
        }
    }

    /// For `/readyz`: `None` without a shared cache, else whether it answers now.
    pub async fn shared_status(&self) -> Option<bool> {
        match &self.0.signal {
            Signal::Shared(shared) => Some(shared.ping().await),
            _ => None,
        }
    }

    /// The in-process entry for `key`, if it was computed at the current data version.
    pub async fn get<T: Send + Sync + 'static>(&self, key: &str) -> Option<Arc<T>> {
        self.lookup(key).await.0
    }

    /// [`Cache::get`], also giving the version it compared with: on a miss, the version to
    /// [`Cache::put`] the freshly computed value under (read before the data, so no
    /// second read is needed).
    pub async fn lookup<T: Send + Sync + 'static>(
        &self,
        key: &str,
    ) -> (Option<Arc<T>>, Option<Version>) {
        let Some(now) = self.version().await else {
            return (None, None);
        };
        let found = self.local::<T>(key, now);
        count(found.is_some());
        (found, Some(now))
    }

    fn local<T: Send + Sync + 'static>(&self, key: &str, now: Version) -> Option<Arc<T>> {
        let entries = self.0.entries.read().ok()?;
        match entries.get(key) {
            Some(entry) if entry.version == now && Instant::now() < entry.expires => {
                entry.value.clone().downcast::<T>().ok()
            }
            _ => None,
        }
    }

    /// Stores `value` for `key` in this process, computed from data read at `version`
    /// (taken *before* reading, so a write in between only causes a miss later).
    pub fn put<T: Send + Sync + 'static>(&self, key: String, version: Option<Version>, value: T) {
        self.put_for(key, version, value, self.0.ttl);
    }

    /// [`Cache::put`] for at most `lifetime`.
    fn put_for<T: Send + Sync + 'static>(
        &self,
        key: String,
        version: Option<Version>,
        value: T,
        lifetime: Duration,
    ) {
        let Some(version) = version else { return };
        if let Ok(mut entries) = self.0.entries.write() {
            if entries.len() >= MAX_ENTRIES && !entries.contains_key(&key) {
                entries.clear();
            }
            let now = Instant::now();
            let entry = Entry {
                version,
                expires: now
                    .checked_add(lifetime.min(self.0.ttl))
                    .unwrap_or(now + Duration::from_secs(86_400 * 365)),
                value: Arc::new(value),
            };
            entries.insert(key, entry);
        }
    }

    fn clear_local(&self) {
        if let Ok(mut entries) = self.0.entries.write() {
            entries.clear();
        }
    }

    /// A serialized answer for `key` (a JSON body, a rendered page): from this process,
    /// else from the shared cache, if computed at the current version; and that version,
    /// as [`Cache::lookup`] gives it.
    pub async fn lookup_bytes(&self, key: &str) -> (Option<Bytes>, Option<Version>) {
        let Some(now) = self.version().await else {
            return (None, None);
        };
        let found = match self.local::<Bytes>(key, now) {
            Some(body) => Some((*body).clone()),
            None => match &self.0.signal {
                Signal::Shared(shared) => match shared.get(key, now).await {
                    Some((body, holds_for)) => {
                        self.put_for(key.to_string(), Some(now), body.clone(), holds_for);
                        Some(body)
                    }
                    None => None,
                },
                _ => None,
            },
        };
        count(found.is_some());
        (found, Some(now))
    }

    /// Stores a serialized answer, in this process and in the shared cache.
    pub fn put_bytes(&self, key: String, version: Option<Version>, body: Bytes) {
        self.put_bytes_for(key, version, body, self.0.ttl);
    }

    /// [`Cache::put_bytes`] for at most `lifetime`.
    fn put_bytes_for(
        &self,
        key: String,
        version: Option<Version>,
        body: Bytes,
        lifetime: Duration,
    ) {
        let Some(version) = version else { return };
        if lifetime.is_zero() {
            return;
        }
        if let Signal::Shared(shared) = &self.0.signal {
            shared.put(&key, version, &body, lifetime);
        }
        self.put_for(key, Some(version), body, lifetime);
    }

    /// The JSON of `compute()`'s value, served from the cache while the data is unchanged.
    pub async fn json<T, F, Fut>(&self, key: String, compute: F) -> Result<Response, Error>
    where
        T: Serialize,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, Error>>,
    {
        self.json_for(key, || async move { Ok((compute().await?, None)) })
            .await
    }

    /// Like [`Cache::json`], for an answer that also changes with time: `compute` says
    /// how long its value holds (`None`: until the data changes), e.g. until a pending
    /// order expires.
    pub async fn json_for<T, F, Fut>(&self, key: String, compute: F) -> Result<Response, Error>
    where
        T: Serialize,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<(T, Option<Duration>), Error>>,
    {
        if !self.is_enabled() {
            let (value, _) = compute().await?;
            return Ok(json_bytes(Bytes::from(
                serde_json::to_vec(&value).map_err(Error::internal)?,
            )));
        }
        // One version read serves the whole request: it was taken after the request
        // began, so it covers every write acknowledged before, and it is taken before the
        // data is read, so a value computed now may be stored under it.
        let (hit, version) = self.lookup_bytes(&key).await;
        if let Some(body) = hit {
            return Ok(json_bytes(body));
        }
        // Wait for whoever is computing this key, then take their answer if it is current.
        let lock = self.computing_lock(&key);
        let _computing = lock.lock().await;
        if let Some(body) = version.and_then(|now| self.local::<Bytes>(&key, now)) {
            return Ok(json_bytes((*body).clone()));
        }
        // Forget the lock when done, also if this request is cancelled mid-way.
        let _forget = ForgetLock {
            cache: self,
            key: &key,
        };
        // Read on the primary: a replica's older copy stored under the current version
        // would be served to everyone until the next write.
        let (value, holds_for) = web::reads::on_primary(compute()).await?;
        let body = Bytes::from(serde_json::to_vec(&value).map_err(Error::internal)?);
        self.put_bytes_for(
            key.clone(),
            version,
            body.clone(),
            holds_for.unwrap_or(self.0.ttl),
        );
        Ok(json_bytes(body))
    }

    fn computing_lock(&self, key: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut computing = self.0.computing.lock().unwrap_or_else(|e| e.into_inner());
        computing.entry(key.to_string()).or_default().clone()
    }
}

fn count(hit: bool) {
    if hit {
        metrics::counter!("cache_hits_total").increment(1);
    } else {
        metrics::counter!("cache_misses_total").increment(1);
    }
}

/// Removes a key's computing lock on drop; waiters keep their clone of it.
struct ForgetLock<'a> {
    cache: &'a Cache,
    key: &'a str,
}

impl Drop for ForgetLock<'_> {
    fn drop(&mut self) {
        if let Ok(mut computing) = self.cache.0.computing.lock() {
            computing.remove(self.key);
        }
    }
}

fn json_bytes(body: Bytes) -> Response {
    ([(header::CONTENT_TYPE, JSON_CONTENT_TYPE)], body).into_response()
}

impl Cache {
    /// The project's cache (off when the cache app is not installed).
    pub fn of(state: &AppState) -> Cache {
        state
            .services()
            .get::<Cache>()
            .cloned()
            .unwrap_or_else(Cache::disabled)
    }
}

impl FromRequestParts<AppState> for Cache {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(_: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        Ok(Cache::of(state))
    }
}

/// The shared cache hears of every write (see [`web::writes`]).
#[async_trait]
impl WriteListener for Cache {
    fn listening(&self) -> bool {
        self.is_shared()
    }

    async fn wrote(&self) -> bool {
        self.changed().await
    }
}

/// `/readyz` shows the shared cache's state.
#[async_trait]
impl ReadinessCheck for Cache {
    async fn ready(&self) -> Option<bool> {
        self.shared_status().await
    }
}

#[cfg(test)]
mod tests {
    use super::sqlite::sqlite_file;
    use super::*;

    #[test]
    fn only_sqlite_files_are_cached() {
        assert_eq!(
            sqlite_file("sqlite://db.sqlite3?mode=rwc").as_deref(),
            Some("db.sqlite3")
        );
        assert_eq!(
            sqlite_file("sqlite:///tmp/x.db").as_deref(),
            Some("/tmp/x.db")
        );
        assert_eq!(sqlite_file("sqlite::memory:"), None);
        assert_eq!(sqlite_file("postgres://x/y"), None);
        assert!(!Cache::for_database("mysql://root@localhost/test").is_enabled());
    }

    #[tokio::test]
    async fn entries_die_with_any_commit_from_another_connection() {
        let dir = std::env::temp_dir().join(format!("web-cache-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("c.sqlite3");
        let writer = rusqlite::Connection::open(&path).unwrap();
        writer
            .execute_batch("PRAGMA journal_mode=WAL; CREATE TABLE t (x INTEGER);")
            .unwrap();
        let cache = Cache::for_database(&format!("sqlite://{}", path.display()));
        assert!(cache.is_enabled());
        let version = cache.version().await;
        assert!(
            matches!(version, Some(Version::WalIndex(_))),
            "WAL databases are versioned by the wal-index: {version:?}"
        );
        cache.put("k".into(), version, Bytes::from_static(b"cached"));
        assert_eq!(
            cache.get::<Bytes>("k").await.as_deref().map(|b| &b[..]),
            Some(&b"cached"[..])
        );
        assert!(cache.get::<String>("k").await.is_none(), "typed");
        writer.execute("INSERT INTO t VALUES (1)", []).unwrap();
        assert!(
            cache.get::<Bytes>("k").await.is_none(),
            "a commit elsewhere invalidates"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// Another process (a worker, `project jobs`) opening the database while this one
    /// reads the wal-index must find this process attached (SQLite's "dead man's switch"
    /// lock on the `-shm` file) and leave the file alone. Mapped through a descriptor of
    /// our own, closing that descriptor dropped the process's locks on the file; the next
    /// process to open the database truncated it, and a read here died of `SIGBUS`.
    #[tokio::test]
    async fn this_process_stays_attached_to_the_index_it_reads() {
        let dir = std::env::temp_dir().join(format!("web-cache-procs-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("c.sqlite3");
        rusqlite::Connection::open(&path)
            .unwrap()
            .execute_batch("PRAGMA journal_mode=WAL; CREATE TABLE t (x INTEGER);")
            .unwrap();
        let cache = Cache::for_database(&format!("sqlite://{}", path.display()));
        let before = cache.version().await;
        assert!(matches!(before, Some(Version::WalIndex(_))), "{before:?}");
        // In a process of its own (POSIX locks are per process): the lock SQLite takes
        // to learn it is alone (byte 128 of the -shm file, UNIX_SHM_DMS) must be refused;
        // then a commit by Python's own SQLite.
        let script = "import fcntl, os, sqlite3, sys\n\
                      fd = os.open(sys.argv[1] + '-shm', os.O_RDWR)\n\
                      try:\n    fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, 128)\n    sys.exit(3)\n\
                      except OSError:\n    pass\n\
                      os.close(fd)\n\
                      c = sqlite3.connect(sys.argv[1])\n\
                      c.execute('INSERT INTO t VALUES (1)')\n\
                      c.commit()\n";
        let status = std::process::Command::new("python3")
            .args(["-c", script])
            .arg(&path)
            .status()
            .expect("python3 (CI installs it) runs the other process");
        assert_ne!(
            status.code(),
            Some(3),
            "this process no longer holds SQLite's lock on the -shm file"
        );
        assert!(status.success(), "{status}");
        let after = cache.version().await;
        assert!(matches!(after, Some(Version::WalIndex(_))), "{after:?}");
        assert_ne!(before, after, "the other process's commit is seen");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[tokio::test]
    async fn concurrent_misses_compute_once() {
        let dir = std::env::temp_dir().join(format!("web-cache-once-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("c.sqlite3");
        rusqlite::Connection::open(&path)
            .unwrap()
            .execute_batch("PRAGMA journal_mode=WAL; CREATE TABLE t (x INTEGER);")
            .unwrap();
        let cache = Cache::for_database(&format!("sqlite://{}", path.display()));
        let runs = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let requests: Vec<_> = (0..10)
            .map(|_| {
                let cache = cache.clone();
                let runs = runs.clone();
                tokio::spawn(async move {
                    let response = cache
                        .json("k".into(), || async {
                            runs.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                            Ok(vec![1, 2, 3])
                        })
                        .await
                        .unwrap();
                    axum::body::to_bytes(response.into_body(), 1024)
                        .await
                        .unwrap()
                })
            })
            .collect();
        for request in requests {
            assert_eq!(&request.await.unwrap()[..], b"[1,2,3]");
        }
        assert_eq!(runs.load(std::sync::atomic::Ordering::SeqCst), 1);
        assert!(
            cache.0.computing.lock().unwrap().is_empty(),
            "locks are forgotten"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[tokio::test]
    async fn every_commit_and_wal_restart_gives_a_new_version() {
        let dir = std::env::temp_dir().join(format!("web-cache-versions-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("c.sqlite3");
        let writer = rusqlite::Connection::open(&path).unwrap();
        writer
            .execute_batch("PRAGMA journal_mode=WAL; CREATE TABLE t (x INTEGER);")
            .unwrap();
        let cache = Cache::for_database(&format!("sqlite://{}", path.display()));
        let mut seen = vec![cache.version().await.unwrap()];
        assert_eq!(
            cache.version().await,
            Some(seen[0]),
            "stable while nothing commits"
        );
        for n in 0..50 {
            writer.execute("INSERT INTO t VALUES (?1)", [n]).unwrap();
            if n % 10 == 9 {
                // Checkpoint and truncate: the next commit starts the WAL over.
                writer
                    .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
                    .unwrap();
            }
            let version = cache.version().await.unwrap();
            assert!(!seen.contains(&version), "commit {n} repeated a version");
            seen.push(version);
        }
        // A read changes nothing.
        let last = *seen.last().unwrap();
        writer
            .query_row("SELECT count(*) FROM t", [], |r| r.get::<_, i64>(0))
            .unwrap();
        assert_eq!(cache.version().await, Some(last));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
