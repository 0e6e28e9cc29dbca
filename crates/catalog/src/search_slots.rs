//! A bounded share of the database for searches. A search of a large catalog costs the
//! database far more than a product page, and anyone can send one: without a bound, a
//! few clients searching in a loop hold every pooled connection and a shopper's product
//! page waits behind them. At most `catalog.search_concurrency` searches run at once
//! (by default half the pool); the others wait for a slot up to
//! `database.acquire_timeout_seconds`, then answer `503 service_unavailable` with
//! `Retry-After`. A plain list, a page served from the cache and everything else never
//! take a slot.

use std::sync::Arc;
use std::time::Duration;

use sea_orm::ConnectionTrait;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use web::cursor::Keyset;
use web::{Error, Pagination};

use crate::models::product::{self, ListFilter, Listing};

/// The search slots of a process (a service of the catalog app).
#[derive(Clone, Debug)]
pub struct SearchSlots {
    slots: Arc<Semaphore>,
    wait: Duration,
}

/// A slot taken: searching may go on until it is dropped.
#[derive(Debug)]
pub struct SearchSlot(#[allow(dead_code)] OwnedSemaphorePermit);

impl SearchSlots {
    /// `slots` searches at once (at least one); a search waits at most `wait` for one.
    pub fn new(slots: usize, wait: Duration) -> SearchSlots {
        SearchSlots {
            slots: Arc::new(Semaphore::new(slots.max(1))),
            wait,
        }
    }

    /// Takes a slot, waiting at most the configured time.
    pub async fn take(&self) -> Result<SearchSlot, Error> {
        match tokio::time::timeout(self.wait, self.slots.clone().acquire_owned()).await {
            Ok(Ok(permit)) => Ok(SearchSlot(permit)),
            _ => Err(Error::service_unavailable(
                "Too many searches are running right now; try again in a moment.",
            )
            .with_header(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from(1),
            )),
        }
    }

    /// [`product::list`], in a slot when `filter` searches.
    pub async fn list<C: ConnectionTrait>(
        &self,
        db: &C,
        filter: &ListFilter,
        page: &Pagination,
        after: Option<Keyset>,
    ) -> Result<Listing, Error> {
        let _slot = match filter.term() {
            Some(_) => Some(self.take().await?),
            None => None,
        };
        Ok(product::list(db, filter, page, after).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_search_waits_for_a_slot_then_gives_up() {
        let slots = SearchSlots::new(1, Duration::from_millis(50));
        let held = slots.take().await.unwrap();
        let refused = slots.take().await.unwrap_err();
        assert_eq!(
            refused.status(),
            axum::http::StatusCode::SERVICE_UNAVAILABLE
        );
        drop(held);
        assert!(slots.take().await.is_ok(), "a slot freed is taken again");
    }
}
