//! Budgets and the counters that spend them: in this process (governor's GCRA, keyed by
//! client), or in Redis for every process at once when `cache.url` is set, falling back
//! to this process's counters while Redis does not answer.

use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::shared::SharedCounters;

/// What a request spends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Budget {
    /// Every request of a client without a signed-in user, per address.
    Anonymous,
    /// Every request of a signed-in user (bearer token), per user.
    User,
    /// Searches, per client, besides one of the above.
    Search,
    /// Registrations, per address.
    Register,
}

impl Budget {
    pub fn name(self) -> &'static str {
        match self {
            Budget::Anonymous => "anonymous",
            Budget::User => "user",
            Budget::Search => "search",
            Budget::Register => "register",
        }
    }
}

/// How many requests a budget allows per period.
#[derive(Debug, Clone, Copy)]
pub struct Allowance {
    pub requests: NonZeroU32,
    pub period: Duration,
}

/// Keys kept per budget in this process at most; past that, keys idle long enough to have
/// their whole allowance back are dropped, and if that is not enough the budget starts
/// over (a client's counters reset, memory stays bounded whatever addresses arrive).
const MAX_KEYS: usize = 100_000;

/// One budget's in-process counters.
struct Local {
    allowance: Allowance,
    limiter: RwLock<Arc<DefaultKeyedRateLimiter<String>>>,
    checks: AtomicU64,
}

impl Local {
    fn new(allowance: Allowance) -> Local {
        Local {
            allowance,
            limiter: RwLock::new(Arc::new(Self::limiter(allowance))),
            checks: AtomicU64::new(0),
        }
    }

    fn limiter(allowance: Allowance) -> DefaultKeyedRateLimiter<String> {
        let per = allowance.period / allowance.requests.get();
        let quota = Quota::with_period(per.max(Duration::from_nanos(1)))
            .expect("a period over a positive count is positive")
            .allow_burst(allowance.requests);
        RateLimiter::keyed(quota)
    }

    /// `Ok` when `key` may spend one request, else the seconds until it may.
    fn spend(&self, key: &str) -> Result<(), u64> {
        let limiter = self
            .limiter
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        if self.checks.fetch_add(1, Ordering::Relaxed) % 4096 == 4095 && limiter.len() > MAX_KEYS {
            limiter.retain_recent();
            if limiter.len() > MAX_KEYS {
                *self.limiter.write().unwrap_or_else(|e| e.into_inner()) =
                    Arc::new(Self::limiter(self.allowance));
            }
        }
        limiter.check_key(&key.to_string()).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
        })
    }
}

/// Every budget's counters.
pub struct Counters {
    local: Vec<(Budget, Local)>,
    shared: Option<SharedCounters>,
}

impl Counters {
    pub fn new(allowances: &[(Budget, Allowance)], shared: Option<SharedCounters>) -> Counters {
        Counters {
            local: allowances
                .iter()
                .map(|&(budget, allowance)| (budget, Local::new(allowance)))
                .collect(),
            shared,
        }
    }

    fn local(&self, budget: Budget) -> &Local {
        &self
            .local
            .iter()
            .find(|(b, _)| *b == budget)
            .expect("every budget has counters")
            .1
    }

    /// Spends one request of `budget` for `client`: `Ok`, or the seconds to wait. Shared
    /// through Redis when configured and answering; else in this process.
    pub async fn spend(&self, budget: Budget, client: &str) -> Result<(), u64> {
        let local = self.local(budget);
        if let Some(shared) = &self.shared
            && let Some(outcome) = shared.spend(budget, client, local.allowance).await
        {
            return outcome;
        }
        local.spend(&format!("{}:{client}", budget.name()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_budget_allows_its_count_then_says_how_long_to_wait() {
        let local = Local::new(Allowance {
            requests: NonZeroU32::new(3).unwrap(),
            period: Duration::from_secs(60),
        });
        for _ in 0..3 {
            assert_eq!(local.spend("a"), Ok(()));
        }
        let wait = local.spend("a").unwrap_err();
        assert!((1..=20).contains(&wait), "{wait}");
        assert_eq!(local.spend("b"), Ok(()), "another client has its own");
    }
}
