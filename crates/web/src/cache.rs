//! A response cache that is never stale, also with several server processes.
//!
//! An entry records the database's *version* when it was computed, and is served only
//! while the database still has that version. On SQLite (in WAL mode, as [`crate::db`]
//! sets it) the version is the header of the WAL index, which every commit from any
//! connection, in this process or another, rewrites before it returns; reading it is a
//! few loads from shared memory ([`wal_index`]). Without WAL it is `PRAGMA data_version`
//! on a dedicated read-only connection. Either way a cached answer costs no database
//! round trip, and any commit anywhere makes every entry miss once.
//!
//! On MySQL/MariaDB and PostgreSQL there is no such cheap signal (a version query would
//! cost as much as the queries it saves), so the cache is off there: [`Cache::get`] always
//! misses and every request reads the database.
//!
//! ```ignore
//! async fn detail(cache: Cache, Db(db): Db, Id(id): Id) -> Result<Response, Error> {
//!     let key = format!("product:{id}");
//!     if let Some(hit) = cache.get(&key) {
//!         return Ok(hit.into_response());
//!     }
//!     let version = cache.version();              // before reading, so a race only misses
//!     let body = serialize(&find(&db, id).await?)?;
//!     cache.put(key, version, body.clone());
//!     Ok(body.into_response())
//! }
//! ```

use std::any::Any;
use std::collections::HashMap;
use std::future::Future;
use std::path::Path;
use std::sync::{Arc, Mutex, RwLock};

use axum::extract::FromRequestParts;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use http::header;
use http::request::Parts;
use serde::Serialize;

use crate::Error;
use crate::extract::JSON_CONTENT_TYPE;
use crate::state::AppState;

mod wal_index;

/// Entries kept at most; past that the cache starts over (search terms are unbounded).
const MAX_ENTRIES: usize = 4096;

/// The state of the database an entry was computed from: equal versions, equal data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    /// The WAL index header ([`wal_index`]): read without a transaction.
    WalIndex(u128),
    /// `PRAGMA data_version`: when the database is not in WAL mode, or a writer was
    /// halfway through the header.
    DataVersion(i64),
}

/// Reads the database's version.
struct SqliteVersion {
    /// Also what keeps the wal-index mapped (see [`wal_index`]).
    connection: Mutex<rusqlite::Connection>,
    wal_index: Option<wal_index::WalIndex>,
}

impl SqliteVersion {
    fn open(path: &Path) -> Option<Self> {
        let flags =
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let connection = rusqlite::Connection::open_with_flags(path, flags).ok()?;
        // A first read attaches this connection to the wal-index before it is mapped.
        connection
            .query_row("PRAGMA data_version", [], |r| r.get::<_, i64>(0))
            .ok()?;
        Some(SqliteVersion {
            connection: Mutex::new(connection),
            wal_index: wal_index::WalIndex::open(path),
        })
    }

    fn read(&self) -> Option<Version> {
        if let Some(state) = self.wal_index.as_ref().and_then(|index| index.state()) {
            return Some(Version::WalIndex(state));
        }
        let connection = self.connection.lock().ok()?;
        let mut statement = connection.prepare_cached("PRAGMA data_version").ok()?;
        statement
            .query_row([], |r| r.get::<_, i64>(0))
            .ok()
            .map(Version::DataVersion)
    }
}

/// A cached value and the data version it was computed at.
type Entry = (Version, Arc<dyn Any + Send + Sync>);

struct Inner {
    version: Option<SqliteVersion>,
    entries: RwLock<HashMap<String, Entry>>,
    /// One lock per key being computed, so concurrent misses compute it once (a burst of
    /// requests after a commit would otherwise all run the same query).
    computing: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

/// The cache; cheap to clone. Also an extractor.
#[derive(Clone)]
pub struct Cache(Arc<Inner>);

impl Cache {
    /// A cache for the database at `url`: on for a SQLite file, off otherwise.
    pub fn for_database(url: &str) -> Cache {
        let version = sqlite_file(url).and_then(|path| SqliteVersion::open(Path::new(&path)));
        Cache(Arc::new(Inner {
            version,
            entries: RwLock::new(HashMap::new()),
            computing: Mutex::new(HashMap::new()),
        }))
    }

    /// A cache that never hits.
    pub fn disabled() -> Cache {
        Cache(Arc::new(Inner {
            version: None,
            entries: RwLock::new(HashMap::new()),
            computing: Mutex::new(HashMap::new()),
        }))
    }

    pub fn is_enabled(&self) -> bool {
        self.0.version.is_some()
    }

    /// The current data version (`None`: caching is off).
    pub fn version(&self) -> Option<Version> {
        self.0.version.as_ref()?.read()
    }

    /// The entry for `key`, if it was computed at the current data version.
    pub fn get<T: Send + Sync + 'static>(&self, key: &str) -> Option<Arc<T>> {
        let now = self.version()?;
        let entries = self.0.entries.read().ok()?;
        let found = match entries.get(key) {
            Some((version, value)) if *version == now => value.clone().downcast::<T>().ok(),
            _ => None,
        };
        match found {
            Some(_) => metrics::counter!("cache_hits_total").increment(1),
            None => metrics::counter!("cache_misses_total").increment(1),
        }
        found
    }

    /// Stores `value` for `key`, computed from data read at `version` (taken *before*
    /// reading, so a commit in between only causes a miss later).
    pub fn put<T: Send + Sync + 'static>(&self, key: String, version: Option<Version>, value: T) {
        let Some(version) = version else { return };
        if let Ok(mut entries) = self.0.entries.write() {
            if entries.len() >= MAX_ENTRIES && !entries.contains_key(&key) {
                entries.clear();
            }
            entries.insert(key, (version, Arc::new(value)));
        }
    }

    /// The JSON of `compute()`'s value, served from the cache while the data is unchanged.
    pub async fn json<T, F, Fut>(&self, key: String, compute: F) -> Result<Response, Error>
    where
        T: Serialize,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, Error>>,
    {
        if let Some(body) = self.get::<Bytes>(&key) {
            return Ok(json_bytes((*body).clone()));
        }
        let compute_json = || async {
            let version = self.version();
            let value = compute().await?;
            let body = Bytes::from(serde_json::to_vec(&value).map_err(Error::internal)?);
            self.put(key.clone(), version, body.clone());
            Ok(json_bytes(body))
        };
        if !self.is_enabled() {
            return compute_json().await;
        }
        // Wait for whoever is computing this key, then take their answer if it is current.
        let lock = self.computing_lock(&key);
        let _computing = lock.lock().await;
        if let Some(body) = self.get::<Bytes>(&key) {
            return Ok(json_bytes((*body).clone()));
        }
        // Forget the lock when done, also if this request is cancelled mid-way.
        let _forget = ForgetLock {
            cache: self,
            key: &key,
        };
        compute_json().await
    }

    fn computing_lock(&self, key: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut computing = self.0.computing.lock().unwrap_or_else(|e| e.into_inner());
        computing.entry(key.to_string()).or_default().clone()
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

/// The file of a `sqlite://path?…` URL (not an in-memory database).
fn sqlite_file(url: &str) -> Option<String> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or_default();
    if path.is_empty() || path.contains(":memory:") || url.contains("mode=memory") {
        return None;
    }
    Some(path.to_string())
}

impl FromRequestParts<AppState> for Cache {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(_: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        Ok(state.cache().clone())
    }
}

#[cfg(test)]
mod tests {
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

    #[test]
    fn entries_die_with_any_commit_from_another_connection() {
        let dir = std::env::temp_dir().join(format!("web-cache-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("c.sqlite3");
        let writer = rusqlite::Connection::open(&path).unwrap();
        writer
            .execute_batch("PRAGMA journal_mode=WAL; CREATE TABLE t (x INTEGER);")
            .unwrap();
        let cache = Cache::for_database(&format!("sqlite://{}", path.display()));
        assert!(cache.is_enabled());
        let version = cache.version();
        assert!(
            matches!(version, Some(Version::WalIndex(_))),
            "WAL databases are versioned by the wal-index: {version:?}"
        );
        cache.put("k".into(), version, Bytes::from_static(b"cached"));
        assert_eq!(
            cache.get::<Bytes>("k").as_deref().map(|b| &b[..]),
            Some(&b"cached"[..])
        );
        assert!(cache.get::<String>("k").is_none(), "typed");
        writer.execute("INSERT INTO t VALUES (1)", []).unwrap();
        assert!(
            cache.get::<Bytes>("k").is_none(),
            "a commit elsewhere invalidates"
        );
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

    #[test]
    fn every_commit_and_wal_restart_gives_a_new_version() {
        let dir = std::env::temp_dir().join(format!("web-cache-versions-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("c.sqlite3");
        let writer = rusqlite::Connection::open(&path).unwrap();
        writer
            .execute_batch("PRAGMA journal_mode=WAL; CREATE TABLE t (x INTEGER);")
            .unwrap();
        let cache = Cache::for_database(&format!("sqlite://{}", path.display()));
        let mut seen = vec![cache.version().unwrap()];
        assert_eq!(
            cache.version(),
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
            let version = cache.version().unwrap();
            assert!(!seen.contains(&version), "commit {n} repeated a version");
            seen.push(version);
        }
        // A read changes nothing.
        let last = *seen.last().unwrap();
        writer
            .query_row("SELECT count(*) FROM t", [], |r| r.get::<_, i64>(0))
            .unwrap();
        assert_eq!(cache.version(), Some(last));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
