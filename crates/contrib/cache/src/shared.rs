//! The shared cache: one Redis/Valkey for every process of a deployment (`cache.url`).
//!
//! The database's version is a random token under `<namespace>:version`. Every
//! acknowledged write replaces it ([`Shared::bump`], called after the commit and before
//! the answer), so an entry stored under an older token never matches again: a process
//! that read the token before the write and the data after it only stores an entry that is
//! already dead. Tokens are random rather than a counter so that a version key lost to a
//! restart or an eviction can never make an old entry match again.
//!
//! Redis being down, hung or slow is never an error and never slows requests for long:
//! each call gives up after [`TIMEOUT`], the cache then counts as unavailable (logged once
//! per outage) and requests skip it without touching the network, reading the database.
//! Meanwhile one background probe per process pings Redis every [`RETRY_AFTER`]; when it
//! answers, the probe sends a bump before the process uses the cache again, since writes
//! made meanwhile (by itself or by others) could not announce themselves. A write made
//! while the cache counts as unavailable wakes the probe at once, so that a write made
//! just after Redis came back is announced within a round trip. What this can't cover is
//! a partition: a process that can't reach Redis while others can; its writes are then
//! seen elsewhere after its next bump or after `cache.ttl_seconds`.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;

use bytes::Bytes;
use redis::AsyncCommands;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use sha2::{Digest, Sha256};
use tokio::sync::watch;

use super::Version;

/// How long one cache call may take before the cache counts as unavailable.
const TIMEOUT: Duration = Duration::from_millis(100);
/// How often the background probe tries an unavailable cache.
const RETRY_AFTER: Duration = Duration::from_millis(500);
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
        // One connection attempt per call, no backoff sleeps inside a call: retrying is the
        // background probe's job.
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(TIMEOUT))
            .set_response_timeout(Some(TIMEOUT))
            .set_number_of_retries(0);
        let connection =
            ConnectionManager::new_lazy_with_config(client, config).map_err(|e| e.to_string())?;
        let namespace = namespace(database_url);
        Ok(Shared {
            connection,
            version_key: format!("{namespace}:version"),
            entry_prefix: format!("{namespace}:entry:"),
            ttl_seconds: ttl_seconds.max(1),
            health: Arc::new(Health::default()),
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
        if self.health.is_down() {
            return None;
        }
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
        let current: Option<String> = self.run(connection.get(&self.version_key)).await?;
        if let Some(token) = current.as_deref().and_then(parse_token) {
            return Some(Version::Shared(token));
        }
        // First use of this namespace, or the key was lost: start from a fresh token
        // (`NX`: whoever is first wins, the others read theirs).
        let _: bool = self
            .run(connection.set_nx(&self.version_key, new_token()))
            .await?;
        let current: Option<String> = self.run(connection.get(&self.version_key)).await?;
        current
            .as_deref()
            .and_then(parse_token)
            .map(Version::Shared)
    }

    /// Tells every process that the data changed. `false`: the cache could not be told;
    /// this process then keeps off the cache until the probe has told it.
    pub(super) async fn bump(&self) -> bool {
        let mut connection = self.connection.clone();
        let sent: Option<()> = self
            .run(connection.set(&self.version_key, new_token()))
            .await;
        if sent.is_none() {
            // The probe announces this write once the cache answers; wake it now, so that
            // a cache already back hears of it at once.
            self.health.unannounced.store(true, Ordering::Release);
            self.probe_in_background();
        }
        sent.is_some()
    }

    /// Runs one call unless the cache counts as unavailable (then `None` at once, without
    /// touching the network); a failure or a time-out makes it unavailable and starts the
    /// probe.
    async fn run<T>(&self, call: impl Future<Output = redis::RedisResult<T>>) -> Option<T> {
        if self.health.is_down() {
            return None;
        }
        let outcome = self.health.attempt(call).await;
        if outcome.is_none() {
            self.probe_in_background();
        }
        outcome
    }

    /// Starts the background probe unless it runs: every [`RETRY_AFTER`] it pings, and
    /// once the cache answers it replaces the version token (announcing every write made
    /// meanwhile) and only then lets requests use the cache again. It ends with the
    /// cache's owner.
    fn probe_in_background(&self) {
        spawn_probe(&self.health, &self.connection, &self.version_key);
    }

    /// The stored entry for `key`, if it was stored at `version`, and how long it holds.
    pub(super) async fn get(&self, key: &str, version: Version) -> Option<(Bytes, Duration)> {
        let Version::Shared(token) = version else {
            return None;
        };
        let mut connection = self.connection.clone();
        let stored: Option<Vec<u8>> = self
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
        if self.health.is_down() {
            return;
        }
        let connection = self.connection.clone();
        let health = self.health.clone();
        let key = format!("{}{key}", self.entry_prefix);
        let version_key = self.version_key.clone();
        tokio::spawn(async move {
            let stored: Option<()> = health
                .attempt(connection.clone().pset_ex(key, value, milliseconds))
                .await;
            if stored.is_none() {
                spawn_probe(&health, &connection, &version_key);
            }
        });
    }

    /// Whether the cache answers now (for `/readyz`): a ping while it counts as available;
    /// while it does not, the probe's word, without touching the network.
    pub(super) async fn ping(&self) -> bool {
        let mut connection = self.connection.clone();
        let ping = async move {
            redis::cmd("PING")
                .query_async::<String>(&mut connection)
                .await
        };
        self.run(ping).await.is_some()
    }
}

/// Availability of the cache, shared by the calls of one process.
#[derive(Default)]
struct Health {
    /// A call failed or timed out, and the probe has not found the cache back yet.
    down: AtomicBool,
    /// The background probe runs.
    probing: AtomicBool,
    /// A write's announcement could not be sent since the probe's last bump.
    unannounced: AtomicBool,
}

impl Health {
    fn is_down(&self) -> bool {
        self.down.load(Ordering::Acquire)
    }

    /// Runs one call within [`TIMEOUT`]; a failure marks the cache unavailable (logged
    /// once per outage).
    async fn attempt<T>(&self, call: impl Future<Output = redis::RedisResult<T>>) -> Option<T> {
        let error = match tokio::time::timeout(TIMEOUT, call).await {
            Ok(Ok(value)) => return Some(value),
            Ok(Err(error)) => error.to_string(),
            Err(_) => format!("no answer within {} ms", TIMEOUT.as_millis()),
        };
        metrics::counter!("cache_errors_total").increment(1);
        if !self.down.swap(true, Ordering::AcqRel) {
            tracing::warn!(
                %error,
                "shared cache: unavailable; every request reads the database until it is back"
            );
        }
        None
    }
}

/// See [`Shared::probe_in_background`].
fn spawn_probe(health: &Arc<Health>, connection: &ConnectionManager, version_key: &str) {
    if health.probing.swap(true, Ordering::AcqRel) {
        return;
    }
    let Ok(runtime) = tokio::runtime::Handle::try_current() else {
        health.probing.store(false, Ordering::Release);
        return;
    };
    let health: Weak<Health> = Arc::downgrade(health);
    let connection = connection.clone();
    let version_key = version_key.to_string();
    runtime.spawn(async move {
        loop {
            let Some(alive) = health.upgrade() else {
                return;
            };
            let mut connection = connection.clone();
            alive.unannounced.store(false, Ordering::Release);
            let bumped: Option<()> = alive
                .attempt(connection.set(&version_key, new_token()))
                .await;
            if bumped.is_some() {
                if alive.unannounced.load(Ordering::Acquire) {
                    // A write failed to announce itself while this bump was on its way.
                    continue;
                }
                alive.probing.store(false, Ordering::Release);
                if alive.down.swap(false, Ordering::AcqRel) {
                    tracing::warn!("shared cache: available again");
                }
                // A write that failed in between: announce it now (failing, a new probe).
                if alive.unannounced.swap(false, Ordering::AcqRel)
                    && alive
                        .attempt(connection.set::<_, _, ()>(&version_key, new_token()))
                        .await
                        .is_none()
                {
                    alive.unannounced.store(true, Ordering::Release);
                    spawn_probe(&alive, &connection, &version_key);
                }
                return;
            }
            drop(alive);
            tokio::time::sleep(RETRY_AFTER).await;
        }
    });
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
        assert!(crate::settings::check_url("").is_ok());
        assert!(crate::settings::check_url("redis://127.0.0.1:6379/0").is_ok());
        assert!(crate::settings::check_url("http://127.0.0.1:6379").is_err());
        assert!(crate::settings::check_url("127.0.0.1:6379").is_err());
    }

    #[test]
    fn tokens_round_trip() {
        let token = new_token();
        assert_eq!(format!("{:032x}", parse_token(&token).unwrap()), token);
    }
}
