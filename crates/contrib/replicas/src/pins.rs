//! Clients pinned to the primary after they wrote: in this process (bounded) and, with
//! `cache.url`, in Redis under `<namespace>:pin:<client>` with a time to live, so every
//! process honours a pin another one set.
//!
//! Bounded cost: at most [`MAX_LOCAL`] pins are remembered in-process; past that, every
//! client reads the primary until the oldest pins expire (correct, only slower). Redis calls
//! give up after `TIMEOUT`; while Redis can't be asked (and for `RETRY_AFTER` after a
//! failure), a client that has a key reads the primary: another process may have pinned it.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use sha2::{Digest, Sha256};

/// Pins remembered in-process at most.
pub const MAX_LOCAL: usize = 100_000;
/// How long one Redis call may take.
const TIMEOUT: Duration = Duration::from_millis(100);
/// After a failed Redis call, how long clients read the primary without asking.
const RETRY_AFTER: Duration = Duration::from_secs(1);

/// Who a request comes from, as far as pinning goes: a hash of its bearer token or
/// session cookie (never the secret itself).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ClientKey(String);

impl ClientKey {
    pub fn of_token(token: &str) -> ClientKey {
        ClientKey(format!("t{}", short_hash(token)))
    }
    pub fn of_session(session: &str) -> ClientKey {
        ClientKey(format!("s{}", short_hash(session)))
    }
}

fn short_hash(secret: &str) -> String {
    hex::encode(&Sha256::digest(secret.as_bytes())[..16])
}

pub struct Pins {
    /// How long a pin holds.
    hold: Duration,
    local: Mutex<Local>,
    shared: Option<Shared>,
}

#[derive(Default)]
struct Local {
    until: HashMap<ClientKey, Instant>,
    /// Set when the map was full: every client reads the primary until then.
    everyone_until: Option<Instant>,
}

struct Shared {
    connection: ConnectionManager,
    prefix: String,
    /// Milliseconds since `started` until which Redis is not asked (after a failure).
    down_until_ms: AtomicU64,
    started: Instant,
}

impl Pins {
    /// Pins that hold for `hold`; shared through the Redis at `redis_url` when not empty,
    /// namespaced by the primary's URL.
    pub fn new(hold: Duration, redis_url: &str, database_url: &str) -> Result<Pins, String> {
        let shared = if redis_url.is_empty() {
            None
        } else {
            let client = redis::Client::open(redis_url).map_err(|e| e.to_string())?;
            let config = ConnectionManagerConfig::new()
                .set_connection_timeout(Some(TIMEOUT))
                .set_response_timeout(Some(TIMEOUT))
                .set_number_of_retries(0);
            let connection = ConnectionManager::new_lazy_with_config(client, config)
                .map_err(|e| e.to_string())?;
            let namespace = hex::encode(&Sha256::digest(database_url.as_bytes())[..8]);
            Some(Shared {
                connection,
                prefix: format!("replicas:{namespace}:pin:"),
                down_until_ms: AtomicU64::new(0),
                started: Instant::now(),
            })
        };
        Ok(Pins {
            hold,
            local: Mutex::new(Local::default()),
            shared,
        })
    }

    fn local(&self) -> std::sync::MutexGuard<'_, Local> {
        self.local.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether any of `clients` must read the primary now.
    pub async fn pinned(&self, clients: &[ClientKey]) -> bool {
        let now = Instant::now();
        {
            let local = self.local();
            if local.everyone_until.is_some_and(|until| now < until) {
                return true;
            }
            if clients
                .iter()
                .any(|c| local.until.get(c).is_some_and(|until| now < *until))
            {
                return true;
            }
        }
        let Some(shared) = &self.shared else {
            return false;
        };
        if clients.is_empty() {
            return false;
        }
        if shared.is_down() {
            return true;
        }
        let keys: Vec<String> = clients
            .iter()
            .map(|c| format!("{}{}", shared.prefix, c.0))
            .collect();
        let mut connection = shared.connection.clone();
        let mut exists = redis::cmd("EXISTS");
        exists.arg(&keys);
        match tokio::time::timeout(TIMEOUT, exists.query_async::<u64>(&mut connection)).await {
            Ok(Ok(found)) => found > 0,
            Ok(Err(error)) => shared.failed(&error.to_string()),
            Err(_) => shared.failed("no answer in time"),
        }
    }

    /// Pins `clients` to the primary for the hold time, here and in Redis (awaited, so the
    /// client's next request, in any process, finds it).
    pub async fn pin(&self, clients: &[ClientKey]) {
        if clients.is_empty() {
            return;
        }
        let until = Instant::now() + self.hold;
        {
            let mut local = self.local();
            let now = Instant::now();
            if local.until.len() + clients.len() > MAX_LOCAL {
                local.until.retain(|_, until| now < *until);
            }
            if local.until.len() + clients.len() > MAX_LOCAL {
                local.everyone_until = Some(until);
            } else {
                for client in clients {
                    local.until.insert(client.clone(), until);
                }
            }
        }
        let Some(shared) = &self.shared else { return };
        let mut pipe = redis::pipe();
        for client in clients {
            pipe.cmd("SET")
                .arg(format!("{}{}", shared.prefix, client.0))
                .arg(1)
                .arg("PX")
                .arg(self.hold.as_millis() as u64)
                .ignore();
        }
        let mut connection = shared.connection.clone();
        match tokio::time::timeout(TIMEOUT, pipe.query_async::<()>(&mut connection)).await {
            Ok(Ok(())) => {}
            Ok(Err(error)) => {
                shared.failed(&error.to_string());
            }
            Err(_) => {
                shared.failed("no answer in time");
            }
        }
    }
}

impl Shared {
    fn now_ms(&self) -> u64 {
        self.started.elapsed().as_millis() as u64
    }

    fn is_down(&self) -> bool {
        self.now_ms() < self.down_until_ms.load(Ordering::Relaxed)
    }

    /// Records a failed call; answers "pinned" (the safe answer).
    fn failed(&self, why: &str) -> bool {
        let was_up = !self.is_down();
        self.down_until_ms.store(
            self.now_ms() + RETRY_AFTER.as_millis() as u64,
            Ordering::Relaxed,
        );
        if was_up {
            tracing::warn!(
                error = why,
                "replica pins: Redis unavailable; clients with a session or token read the primary"
            );
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_pin_holds_for_its_time_then_lapses() {
        let pins = Pins::new(Duration::from_millis(50), "", "sqlite::memory:").unwrap();
        let writer = ClientKey::of_token("abc");
        let other = ClientKey::of_session("xyz");
        assert!(!pins.pinned(std::slice::from_ref(&writer)).await);
        pins.pin(std::slice::from_ref(&writer)).await;
        assert!(pins.pinned(&[other.clone(), writer.clone()]).await);
        assert!(!pins.pinned(&[other]).await);
        tokio::time::sleep(Duration::from_millis(60)).await;
        assert!(!pins.pinned(&[writer]).await);
    }

    #[tokio::test]
    async fn a_full_map_pins_everyone_rather_than_forget() {
        let pins = Pins::new(Duration::from_secs(60), "", "sqlite::memory:").unwrap();
        let many: Vec<ClientKey> = (0..MAX_LOCAL)
            .map(|i| ClientKey::of_token(&i.to_string()))
            .collect();
        pins.pin(&many).await;
        assert!(!pins.pinned(&[ClientKey::of_token("new")]).await);
        pins.pin(&[ClientKey::of_token("one too many")]).await;
        assert!(pins.pinned(&[ClientKey::of_token("new")]).await);
        assert!(pins.local().until.len() <= MAX_LOCAL);
    }

    #[tokio::test]
    async fn redis_that_cannot_be_asked_pins_clients_with_a_key() {
        // Nothing listens on port 1.
        let pins = Pins::new(Duration::from_secs(5), "redis://127.0.0.1:1/0", "x").unwrap();
        let started = Instant::now();
        assert!(pins.pinned(&[ClientKey::of_token("t")]).await);
        assert!(
            !pins.pinned(&[]).await,
            "a client without a key is nobody's writer"
        );
        assert!(started.elapsed() < Duration::from_secs(2));
    }
}
