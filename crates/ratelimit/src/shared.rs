//! Budgets shared by every process through Redis (`cache.url`): one counter per client
//! and budget, raised by one Lua script that gives a new counter the budget's period to
//! live (a window that starts at the client's first request), so a client spread over
//! several processes gets the same budget as on one.
//!
//! Redis down, hung or slow costs no request more than [`TIMEOUT`] once: a failed call
//! makes the counters fall back to each process's own for [`RETRY_AFTER`], without
//! touching the network, then the next request tries Redis again.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use sha2::{Digest, Sha256};

use crate::budgets::{Allowance, Budget};

const TIMEOUT: Duration = Duration::from_millis(100);
const RETRY_AFTER: Duration = Duration::from_secs(1);

/// `INCR` the window's counter, setting its expiry when it is new; returns the count and
/// the milliseconds left in the window.
const SPEND: &str = r"
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local left = redis.call('PTTL', KEYS[1])
return {n, left}
";

pub struct SharedCounters {
    connection: ConnectionManager,
    script: redis::Script,
    prefix: String,
    started: Instant,
    /// Milliseconds since `started` before which Redis is not tried (0: try).
    skip_until: AtomicU64,
}

impl SharedCounters {
    /// Counters in the Redis at `url`, namespaced by `database_url` (two deployments
    /// sharing a Redis count apart). Connects lazily.
    pub fn new(url: &str, database_url: &str) -> Result<SharedCounters, String> {
        let client = redis::Client::open(url).map_err(|e| e.to_string())?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(TIMEOUT))
            .set_response_timeout(Some(TIMEOUT))
            .set_number_of_retries(0);
        let connection =
            ConnectionManager::new_lazy_with_config(client, config).map_err(|e| e.to_string())?;
        let digest = Sha256::digest(database_url.as_bytes());
        Ok(SharedCounters {
            connection,
            script: redis::Script::new(SPEND),
            prefix: format!("ratelimit:{}", hex::encode(&digest[..8])),
            started: Instant::now(),
            skip_until: AtomicU64::new(0),
        })
    }

    fn now_ms(&self) -> u64 {
        self.started.elapsed().as_millis() as u64
    }

    /// Spends one request of `budget` for `client`: `Some(Ok)`, `Some(Err(seconds to
    /// wait))`, or `None` when Redis can't be used now (count in this process instead).
    pub async fn spend(
        &self,
        budget: Budget,
        client: &str,
        allowance: Allowance,
    ) -> Option<Result<(), u64>> {
        if self.now_ms() < self.skip_until.load(Ordering::Relaxed) {
            return None;
        }
        let period_ms = allowance.period.as_millis() as u64;
        let key = format!("{}:{}:{client}", self.prefix, budget.name());
        let mut connection = self.connection.clone();
        let mut invocation = self.script.key(key);
        invocation.arg(period_ms);
        let call = invocation.invoke_async::<(u64, i64)>(&mut connection);
        match tokio::time::timeout(TIMEOUT, call).await {
            Ok(Ok((count, left_ms))) => Some(if count <= u64::from(allowance.requests.get()) {
                Ok(())
            } else {
                let left = u64::try_from(left_ms).unwrap_or(period_ms);
                Err(left.div_ceil(1000).max(1))
            }),
            outcome => {
                let error = match outcome {
                    Ok(Err(e)) => e.to_string(),
                    _ => format!("no answer within {} ms", TIMEOUT.as_millis()),
                };
                let now_ms = self.now_ms();
                let retry = RETRY_AFTER.as_millis() as u64;
                let was = self.skip_until.swap(now_ms + retry, Ordering::Relaxed);
                // Logged once per outage: no failure within the last retry interval.
                if was == 0 || was + retry < now_ms {
                    tracing::warn!(%error, "rate limits: Redis unavailable; counting in this process until it answers");
                }
                None
            }
        }
    }
}
