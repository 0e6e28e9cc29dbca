//! The shared cache: one Redis/Valkey for every process of a deployment (`cache.url`).
//!
//! The database's version is a random token under `<namespace>:version`. Every
//! acknowledged write replaces it ([`Shared::bump`], called after the commit and before
//! the answer), so an entry stored under an older token never matches again: a process
//! that read the token before the write and the data after it only stores an entry that is
//! already dead. Tokens are random rather than a counter so that a version key lost to a
//! restart or an eviction can never make an old entry match again.
//!
//! Redis being down or slow is never an error: each call gives up after [`TIMEOUT`], the
//! cache then counts as unavailable (logged once per outage) and is tried again after
//! [`RETRY_AFTER`]; meanwhile every request reads the database. A process that finds the
//! cache back sends a bump before it uses the cache again, since writes made meanwhile
//! (by itself or by others) could not announce themselves. What this can't cover is a
//! partition: a process that can't reach Redis while others can; its writes are then
//! seen elsewhere after its next bump or after `cache.ttl_seconds`.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use redis::AsyncCommands;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use sha2::{Digest, Sha256};
use tokio::sync::watch;

use super::Version;

/// How long one cache call may take before the cache counts as unavailable.
const TIMEOUT: Duration = Duration::from_millis(250);
/// How long an unavailable cache is left alone before the next try.
const RETRY_AFTER: Duration = Duration::from_secs(1);
/// A stored entry is the version token (16 bytes), when it stops holding (milliseconds
/// since the Unix epoch, 8 bytes), then the body.
const TOKEN: usize = 16;
const HEADER: usize = TOKEN + 8;

fn unix_millis() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or_default()
}

pub(super) struct Shared {
    connection: ConnectionManager,
    /// `<namespace>:version`.
    version_key: String,
    /// `<namespace>:entry:`, followed by the entry's key.
    entry_prefix: String,
    ttl_seconds: u64,
    health: Arc<Health>,
    reads: VersionReads,
}

/// Version reads shared by concurrent callers (see [`Shared::version`]).
struct VersionReads {
    /// Reads sent so far (numbered from 1).
    sent: AtomicU64,
    /// The last finished read: its number and answer.
    done: watch::Sender<(u64, Option<Version>)>,
    /// Held by the caller whose read is in flight.
    turn: tokio::sync::Mutex<()>,
}

impl Shared {
    /// A client for the cache at `url`, namespaced by `database_url`. Connects lazily: a
    /// cache that is down at startup only counts as unavailable.
    pub(super) fn new(url: &str, database_url: &str, ttl_seconds: u64) -> Result<Shared, String> {
        let client = redis::Client::open(url).map_err(|e| e.to_string())?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(TIMEOUT))
            .set_response_timeout(Some(TIMEOUT))
            .set_number_of_retries(1)
            .set_max_delay(RETRY_AFTER);
        let connection =
            ConnectionManager::new_lazy_with_config(client, config).map_err(|e| e.to_string())?;
        let namespace = namespace(database_url);
        Ok(Shared {
            connection,
            version_key: format!("{namespace}:version"),
            entry_prefix: format!("{namespace}:entry:"),
            ttl_seconds: ttl_seconds.max(1),
            health: Arc::new(Health::new()),
            reads: VersionReads {
                sent: AtomicU64::new(0),
                done: watch::channel((0, None)).0,
                turn: tokio::sync::Mutex::new(()),
            },
        })
    }

    /// The current version; `None` while the cache is unavailable.
    ///
    /// Concurrent callers share reads: a caller takes the answer of a read *sent after it
    /// asked* (so it sees every write acknowledged before it asked), and one read is in
    /// flight at a time. Under load that is one Redis round trip for a whole batch of
    /// requests instead of one each.
    pub(super) async fn version(&self) -> Option<Version> {
        let reads = &self.reads;
        let asked = reads.sent.load(Ordering::SeqCst);
        let current = |done: &watch::Receiver<(u64, Option<Version>)>| {
            let (sent, version) = *done.borrow();
            (sent > asked).then_some(version)
        };
        let done = reads.done.subscribe();
        if let Some(version) = current(&done) {
            return version;
        }
        // Waits for the read in flight (or a cancelled one's turn) to finish.
        let _turn = reads.turn.lock().await;
        if let Some(version) = current(&done) {
            return version;
        }
        let sent = reads.sent.fetch_add(1, Ordering::SeqCst) + 1;
        let version = self.read_version().await;
        reads.done.send_replace((sent, version));
        version
    }

    async fn read_version(&self) -> Option<Version> {
        let mut connection = self.connection.clone();
        if self.health.owes_bump() && !self.bump().await {
            return None;
        }
        let mut current: Option<String> =
            self.health.run(connection.get(&self.version_key)).await?;
        if self.health.owes_bump() {
            // This read found the cache back: replace the token first, then read it.
            if !self.bump().await {
                return None;
            }
            current = self.health.run(connection.get(&self.version_key)).await?;
            if self.health.owes_bump() {
                return None;
            }
        }
        if let Some(token) = current.as_deref().and_then(parse_token) {
            return Some(Version::Shared(token));
        }
        // First use of this namespace, or the key was lost: start from a fresh token
        // (`NX`: whoever is first wins, the others read theirs).
        let _: bool = self
            .health
            .run(connection.set_nx(&self.version_key, new_token()))
            .await?;
        let current: Option<String> = self.health.run(connection.get(&self.version_key)).await?;
        current
            .as_deref()
            .and_then(parse_token)
            .map(Version::Shared)
    }

    /// Tells every process that the data changed. `false`: the cache could not be told;
    /// this process then keeps off the cache until it can.
    pub(super) async fn bump(&self) -> bool {
        let mut connection = self.connection.clone();
        // Always tried, also while the cache counts as unavailable: a write must not go
        // unannounced because this process has not noticed yet that the cache is back.
        let sent: Option<()> = self
            .health
            .probe(connection.set(&self.version_key, new_token()))
            .await;
        self.health.owe_bump(sent.is_none());
        sent.is_some()
    }

    /// The stored entry for `key`, if it was stored at `version`, and how long it holds.
    pub(super) async fn get(&self, key: &str, version: Version) -> Option<(Bytes, Duration)> {
        let Version::Shared(token) = version else {
            return None;
        };
        let mut connection = self.connection.clone();
        let stored: Option<Vec<u8>> = self
            .health
            .run(connection.get(format!("{}{key}", self.entry_prefix)))
            .await?;
        let stored = Bytes::from(stored?);
        if stored.len() < HEADER || stored[..TOKEN] != token.to_be_bytes() {
            return None;
        }
        let expires = u64::from_be_bytes(stored[TOKEN..HEADER].try_into().ok()?);
        let left = expires.checked_sub(unix_millis())?;
        Some((stored.slice(HEADER..), Duration::from_millis(left)))
    }

    /// Stores `body` for `key` at `version` for at most `lifetime` (and `cache.ttl_seconds`),
    /// in the background (the answer doesn't wait).
    pub(super) fn put(&self, key: &str, version: Version, body: &Bytes, lifetime: Duration) {
        let Version::Shared(token) = version else {
            return;
        };
        let milliseconds = lifetime
            .min(Duration::from_secs(self.ttl_seconds))
            .as_millis()
            .max(1) as u64;
        let mut value = Vec::with_capacity(HEADER + body.len());
        value.extend_from_slice(&token.to_be_bytes());
        value.extend_from_slice(&(unix_millis() + milliseconds).to_be_bytes());
        value.extend_from_slice(body);
        let mut connection = self.connection.clone();
        let health = self.health.clone();
        let key = format!("{}{key}", self.entry_prefix);
        tokio::spawn(async move {
            let _: Option<()> = health
                .run(connection.pset_ex(key, value, milliseconds))
                .await;
        });
    }

    /// Whether the cache answers now (for `/readyz`; also tries while the cache is
    /// otherwise left alone).
    pub(super) async fn ping(&self) -> bool {
        let mut connection = self.connection.clone();
        let ping = async move {
            redis::cmd("PING")
                .query_async::<String>(&mut connection)
                .await
        };
        self.health.probe(ping).await.is_some()
    }
}

/// Availability of the cache, shared by the calls of one process.
struct Health {
    started: Instant,
    down: AtomicBool,
    /// Milliseconds since `started` before which an unavailable cache is not tried.
    retry_at: AtomicU64,
    /// A write's bump could not be sent.
    owed_bump: AtomicBool,
}

impl Health {
    fn new() -> Health {
        Health {
            started: Instant::now(),
            down: AtomicBool::new(false),
            retry_at: AtomicU64::new(0),
            owed_bump: AtomicBool::new(false),
        }
    }

    fn now_ms(&self) -> u64 {
        self.started.elapsed().as_millis() as u64
    }

    /// Runs one call, unless the cache is unavailable and not due for a retry (then one
    /// caller per interval tries).
    async fn run<T>(&self, call: impl Future<Output = redis::RedisResult<T>>) -> Option<T> {
        if self.down.load(Ordering::Relaxed) {
            let due = self.retry_at.load(Ordering::Relaxed);
            let now = self.now_ms();
            let next = now + RETRY_AFTER.as_millis() as u64;
            if now < due
                || self
                    .retry_at
                    .compare_exchange(due, next, Ordering::Relaxed, Ordering::Relaxed)
                    .is_err()
            {
                return None;
            }
        }
        self.probe(call).await
    }

    /// Runs one call whatever the state, and records the outcome.
    async fn probe<T>(&self, call: impl Future<Output = redis::RedisResult<T>>) -> Option<T> {
        let outcome = match tokio::time::timeout(TIMEOUT, call).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(error)) => Err(error.to_string()),
            Err(_) => Err(format!("no answer within {} ms", TIMEOUT.as_millis())),
        };
        match outcome {
            Ok(value) => {
                if self.down.swap(false, Ordering::Relaxed) {
                    // Writes elsewhere may have failed to announce themselves meanwhile:
                    // nothing stored before the outage may match again.
                    self.owed_bump.store(true, Ordering::Relaxed);
                    tracing::warn!("shared cache: available again");
                }
                Some(value)
            }
            Err(error) => {
                metrics::counter!("cache_errors_total").increment(1);
                self.retry_at.store(
                    self.now_ms() + RETRY_AFTER.as_millis() as u64,
                    Ordering::Relaxed,
                );
                if !self.down.swap(true, Ordering::Relaxed) {
                    tracing::warn!(
                        %error,
                        "shared cache: unavailable; every request reads the database until it is back"
                    );
                }
                None
            }
        }
    }

    fn owes_bump(&self) -> bool {
        self.owed_bump.load(Ordering::Relaxed)
    }

    fn owe_bump(&self, owed: bool) {
        self.owed_bump.store(owed, Ordering::Relaxed);
    }
}

/// The key prefix of one database: two deployments (or two test databases) sharing a
/// Redis never see each other's entries. The URL is hashed, so its password is not shown.
fn namespace(database_url: &str) -> String {
    let digest = Sha256::digest(database_url.as_bytes());
    format!("webcache:{}", hex::encode(&digest[..8]))
}

fn new_token() -> String {
    format!("{:032x}", rand::random::<u128>())
}

fn parse_token(text: &str) -> Option<u128> {
    u128::from_str_radix(text, 16).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn namespaces_differ_per_database_and_hide_the_url() {
        let a = namespace("mysql://root:secret@127.0.0.1/shop");
        let b = namespace("mysql://root:secret@127.0.0.1/shop_test");
        assert_ne!(a, b);
        assert!(!a.contains("secret"));
    }

    #[test]
    fn urls_are_checked() {
        assert!(crate::settings::check_cache_url("").is_ok());
        assert!(crate::settings::check_cache_url("redis://127.0.0.1:6379/0").is_ok());
        assert!(crate::settings::check_cache_url("http://127.0.0.1:6379").is_err());
        assert!(crate::settings::check_cache_url("127.0.0.1:6379").is_err());
    }

    #[test]
    fn tokens_round_trip() {
        let token = new_token();
        assert_eq!(format!("{:032x}", parse_token(&token).unwrap()), token);
    }
}
