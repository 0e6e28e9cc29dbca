//! What can happen to an order: create, list, cancel, pay, refund. These functions are
//! the app's public API (views and the admin go through them), and each runs in one
//! transaction so that stock and state rules hold under any interleaving:
//!
//! - stock is reserved with conditional updates in product-id order (no overselling, no
//!   deadlock between two orders), all lines or none;
//! - every state change is `UPDATE … WHERE status = <expected>`, and the order row is
//!   locked first (`FOR UPDATE`; SQLite's write transaction serialises instead), so of two
//!   concurrent requests one wins and the other sees the new state;
//! - `pay` claims its idempotency key before calling the gateway, so two requests with
//!   one key charge once, and the first response is stored and replayed byte for byte.
//!
//! Its parts: [`create`], `transitions` (cancel, refund, expiry), [`pay`], and the JSON
//! shapes in `json`; reading (one order, a page) is here.

use sea_orm::{
    ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Select,
};
use web::cursor::Keyset;
use web::{Error, Pagination};

use crate::models::{Order, order};

pub mod confirmation;
mod create;
pub mod delivery;
pub mod expiry;
pub mod fulfillment;
mod json;
mod pay;
pub mod reservations;
mod scope;
pub mod totals;
mod transitions;

pub use create::{Line, MAX_LINES, MAX_QUANTITY, NewOrder, create, create_within};
pub use delivery::{Pricing, ShippingNeed, ShippingRequest};
pub use expiry::expire_overdue;
pub use fulfillment::{deliver, ship, ship_to};
use json::details_of;
pub use json::{
    FulfillmentJson, ItemJson, MethodJson, OrderJson, PaidJson, PaymentJson, with_details,
};
pub use pay::{PayAttempt, PayResponse, expire_idempotency_records, pay, stored_response};
pub use reservations::{Reservations, TooManyPendingOrders};
use scope::not_found;
pub use scope::{Scope, find_visible};
pub use transitions::{cancel, refund};
pub(crate) use transitions::{expire_locked, mark_paid, refund_payments, release_stock};

/// An order as the contract shows it (lines and payments), e.g. after [`create_within`]
/// committed.
pub async fn details<C: ConnectionTrait>(db: &C, order: Order) -> Result<OrderJson, Error> {
    details_of(db, order).await
}

/// The order as JSON, if `scope` holds it (a pending order past its time shows as
/// `expired`).
pub async fn get(
    db: &DatabaseConnection,
    rules: Reservations,
    id: i64,
    scope: Scope,
) -> Result<OrderJson, Error> {
    let mut order = find_visible(db, id, scope).await?.ok_or_else(not_found)?;
    order.status = rules.status_now(&order);
    details_of(db, order).await
}

/// A page of `scope`'s orders, newest first.
pub async fn list(
    db: &DatabaseConnection,
    rules: Reservations,
    scope: Scope,
    page: &Pagination,
    after: Option<Keyset>,
) -> Result<(Vec<OrderJson>, u64, bool), Error> {
    let mut query = scope.filter(order::Entity::find());
    // The count is its own statement: folded into the page as `COUNT(*) OVER ()` it
    // was slower on MariaDB (2,441 against 3,339 req/s, BENCHMARKS.md).
    let total = query.clone().count(db).await?;
    let skip = match after {
        Some(key) => {
            query = query.filter(key.older(
                db.get_database_backend(),
                order::Column::CreatedAt,
                order::Column::Id,
            ));
            0
        }
        None if page.offset() >= total => return Ok((Vec::new(), total, false)),
        None => page.offset(),
    };
    let mut orders: Vec<Order> = newest_first(query, skip, page).all(db).await?;
    let more = orders.len() as u64 > page.per_page;
    orders.truncate(page.per_page as usize);
    let orders = orders
        .into_iter()
        .map(|order| Order {
            status: rules.status_now(&order),
            ..order
        })
        .collect();
    Ok((with_details(db, orders).await?, total, more))
}

/// `query`'s orders, newest first, from `skip`: one more than a page (which says whether
/// another follows).
fn newest_first(
    query: Select<order::Entity>,
    skip: u64,
    page: &Pagination,
) -> Select<order::Entity> {
    query
        .order_by_desc(order::Column::CreatedAt)
        .order_by_desc(order::Column::Id)
        .offset(skip)
        .limit(page.per_page + 1)
}
