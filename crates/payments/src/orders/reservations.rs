//! Reservations that don't last for ever: a pending order holds its stock for
//! `payments.pending_order_ttl_seconds`, and one user holds at most
//! `payments.max_pending_orders` pending orders (contract v2) and
//! `payments.max_pending_units` units in them (v3) at once.
//!
//! An order past its time counts as expired at once, for pay, cancel, webhooks and the cap,
//! whether or not the sweep (`project cleanup`) has written `expired` yet. Whoever gets to
//! it first (the sweep, or a pay or cancel that finds it overdue) moves it from `pending`
//! to `expired` with a conditional update, so its stock is released exactly once.

use accounts::models::user;
use sea_orm::sea_query::Condition;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect,
};
use time::{Duration, OffsetDateTime};
use web::Error;
use web::db::now;

use crate::models::{Order, OrderStatus, order, order_item};

/// The reservation rules from the `[payments]` settings (a service: `Dep<Reservations>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reservations {
    /// How long a pending order holds its stock.
    pub pending_ttl: Duration,
    /// Pending orders one user may hold at once; 0 = no limit.
    pub max_pending: u64,
    /// Units in one user's pending orders at once, the new order's included; 0 = no limit.
    pub max_pending_units: u64,
}

/// Why an order could not be placed under [`Reservations`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TooManyPendingOrders {
    /// The user already holds this many live pending orders.
    Orders { limit: u64 },
    /// The order would bring the user's pending units over this many.
    Units { limit: u64 },
}

impl From<TooManyPendingOrders> for Error {
    fn from(e: TooManyPendingOrders) -> Error {
        let message = match e {
            TooManyPendingOrders::Orders { limit } => {
                format!("You already have {limit} unpaid orders; pay or cancel one first.")
            }
            TooManyPendingOrders::Units { limit } => format!(
                "Your unpaid orders may hold at most {limit} units in all; pay or cancel one first, or order fewer."
            ),
        };
        Error::conflict("too_many_pending_orders", message)
    }
}

impl Reservations {
    /// Pending orders created at or before this instant are expired.
    pub fn cutoff(&self, at: OffsetDateTime) -> OffsetDateTime {
        at - self.pending_ttl
    }

    /// Pending orders that still hold their stock at `at` (SQL).
    pub fn live_pending(&self, at: OffsetDateTime) -> Condition {
        Condition::all()
            .add(order::Column::Status.eq(OrderStatus::Pending))
            .add(order::Column::CreatedAt.gt(self.cutoff(at)))
    }

    /// Pending orders past their time at `at`: expired, though not yet written so (SQL;
    /// [`Reservations::is_expired`] for a loaded order).
    pub fn overdue(&self, at: OffsetDateTime) -> Condition {
        Condition::all()
            .add(order::Column::Status.eq(OrderStatus::Pending))
            .add(order::Column::CreatedAt.lte(self.cutoff(at)))
    }

    /// Whether `order` is expired at `at`: written so, or pending past its time.
    pub fn is_expired(&self, order: &Order, at: OffsetDateTime) -> bool {
        order.status == OrderStatus::Expired
            || (order.status == OrderStatus::Pending && order.created_at <= self.cutoff(at))
    }

    /// The status the contract shows now: a pending order past its time is `expired`.
    pub fn status_now(&self, order: &Order) -> OrderStatus {
        if self.is_expired(order, now()) {
            OrderStatus::Expired
        } else {
            order.status
        }
    }

    /// How long an answer showing `orders` stays true: until the first pending one among
    /// them expires (`None`: none is pending, only a change can alter it).
    pub fn answer_holds_for<'a>(
        &self,
        orders: impl IntoIterator<Item = &'a super::json::OrderJson>,
    ) -> Option<std::time::Duration> {
        let at = now();
        orders
            .into_iter()
            .filter(|o| o.status == OrderStatus::Pending)
            .map(|o| {
                let left = o.created_at + self.pending_ttl - at;
                std::time::Duration::try_from(left).unwrap_or_default()
            })
            .min()
    }

    /// When a pending order stops holding its stock.
    pub fn expires_at(&self, order: &Order) -> OffsetDateTime {
        order.created_at + self.pending_ttl
    }

    /// Refuses a new order of `new_units` units when `user_id` already holds the maximum
    /// of live pending orders, or when their units would pass the maximum. Locks the
    /// user's row first, so two concurrent orders of one user are counted one after the
    /// other (SQLite's write transaction serialises anyway).
    pub async fn check_cap<C: ConnectionTrait>(
        &self,
        txn: &C,
        user_id: i64,
        new_units: u64,
    ) -> Result<(), Error> {
        if self.max_pending == 0 && self.max_pending_units == 0 {
            return Ok(());
        }
        user::Entity::find_by_id(user_id)
            .lock_exclusive()
            .one(txn)
            .await?;
        if self.max_pending > 0 {
            let live = order::Entity::find()
                .filter(order::Column::UserId.eq(user_id))
                .filter(self.live_pending(now()))
                .count(txn)
                .await?;
            if live >= self.max_pending {
                return Err(TooManyPendingOrders::Orders {
                    limit: self.max_pending,
                }
                .into());
            }
        }
        if self.max_pending_units > 0 {
            // The lines' quantities, added up here: SUM's type differs per database
            // (DECIMAL on MySQL), and the cap itself bounds the rows (each line is 1+).
            let held: Vec<i32> = order_item::Entity::find()
                .select_only()
                .column(order_item::Column::Quantity)
                .inner_join(order::Entity)
                .filter(order::Column::UserId.eq(user_id))
                .filter(self.live_pending(now()))
                .limit(self.max_pending_units + 1)
                .into_tuple()
                .all(txn)
                .await?;
            let held: u64 = held.iter().map(|&q| u64::try_from(q).unwrap_or(0)).sum();
            if held + new_units > self.max_pending_units {
                return Err(TooManyPendingOrders::Units {
                    limit: self.max_pending_units,
                }
                .into());
            }
        }
        Ok(())
    }
}
