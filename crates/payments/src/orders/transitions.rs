//! State changes after creation: cancel (releasing stock), refund, and expiry on the way.

use std::collections::BTreeMap;

use catalog::models::stock;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter};
use web::db::{now, write_transaction};
use web::{Error, SiteUrl};

use super::confirmation::{OrderConfirmationMail, SendOrderConfirmation};
use super::reservations::Reservations;
use crate::gateway::Gateway;
use crate::models::{Order, OrderStatus, PaymentStatus, order, order_item, payment};

use super::json::OrderJson;
use super::json::details_of;
use super::scope::{Scope, invalid_state, lock_visible, not_found};

/// Gives back the stock of every line of an order, in product-id order.
pub(crate) async fn release_stock<C: ConnectionTrait>(txn: &C, order_id: i64) -> Result<(), DbErr> {
    let mut quantities: BTreeMap<i64, i32> = BTreeMap::new();
    for item in order_item::Entity::find()
        .filter(order_item::Column::OrderId.eq(order_id))
        .all(txn)
        .await?
    {
        *quantities.entry(item.product_id).or_default() += item.quantity;
    }
    for (product_id, quantity) in quantities {
        stock::release(txn, product_id, quantity).await?;
    }
    Ok(())
}

/// Marks a locked pending order paid and, in the same transaction, queues its
/// confirmation email (links built on `site`); false if it was no longer pending.
pub(crate) async fn mark_paid<C: ConnectionTrait>(
    txn: &C,
    order_id: i64,
    site: &SiteUrl,
) -> Result<bool, DbErr> {
    if !order::transition(txn, order_id, OrderStatus::Pending, OrderStatus::Paid).await? {
        return Ok(false);
    }
    let mail = OrderConfirmationMail {
        order_id,
        site: site.clone(),
    };
    web_jobs::enqueue::<SendOrderConfirmation, _>(txn, &mail).await?;
    Ok(true)
}

/// Cancels a pending order that `scope` holds and releases its stock in the same
/// transaction; any other state, expired included, is `409 invalid_state`.
pub async fn cancel(
    db: &DatabaseConnection,
    rules: Reservations,
    id: i64,
    scope: Scope,
) -> Result<OrderJson, Error> {
    let order = write_transaction(db, |txn| {
        Box::pin(async move {
            let order = lock_visible(txn, id, scope).await?.ok_or_else(not_found)?;
            if let Some(refusal) = expire_if_overdue(txn, rules, &order, "cancelled").await? {
                return Ok(Err(refusal));
            }
            if !order::transition(txn, id, OrderStatus::Pending, OrderStatus::Cancelled).await? {
                return Ok(Err(invalid_state(order.status, "cancelled")));
            }
            release_stock(txn, id).await?;
            Ok(Ok(Order {
                status: OrderStatus::Cancelled,
                ..order
            }))
        })
    })
    .await??;
    details_of(db, order).await
}

/// Moves a locked, overdue pending order to `expired` and releases its stock, once: the
/// conditional update lets only one caller win. Returns whether this one did.
pub(crate) async fn expire_locked<C: ConnectionTrait>(
    txn: &C,
    order_id: i64,
) -> Result<bool, DbErr> {
    if !order::transition(txn, order_id, OrderStatus::Pending, OrderStatus::Expired).await? {
        return Ok(false);
    }
    release_stock(txn, order_id).await?;
    Ok(true)
}

/// For a locked order that is past its time: writes `expired` (releasing the stock, once)
/// and returns the `409 invalid_state` refusal, which the caller returns *after* committing
/// so that the expiry stays written.
pub(super) async fn expire_if_overdue<C: ConnectionTrait>(
    txn: &C,
    rules: Reservations,
    order: &Order,
    action: &str,
) -> Result<Option<Error>, Error> {
    if !rules.is_expired(order, now()) {
        return Ok(None);
    }
    expire_locked(txn, order.id).await?;
    Ok(Some(invalid_state(OrderStatus::Expired, action)))
}

/// Refunds a paid order through the gateway, marks its payments refunded and restores
/// its stock, in one transaction; any other state is `409 invalid_state`.
pub async fn refund(
    db: &DatabaseConnection,
    gateway: &Gateway,
    id: i64,
) -> Result<OrderJson, Error> {
    let order = write_transaction(db, |txn| {
        let gateway = gateway.clone();
        Box::pin(async move {
            let order = lock_visible(txn, id, Scope::Everyone)
                .await?
                .ok_or_else(not_found)?;
            if !order::transition(txn, id, OrderStatus::Paid, OrderStatus::Refunded).await? {
                return Err(invalid_state(order.status, "refunded"));
            }
            refund_payments(txn, Some(&gateway), id).await?;
            release_stock(txn, id).await?;
            Ok(Order {
                status: OrderStatus::Refunded,
                ..order
            })
        })
    })
    .await?;
    details_of(db, order).await
}

/// Marks the succeeded payments of an order refunded (asking the gateway first, unless
/// the provider itself reported the refund).
pub(crate) async fn refund_payments<C: ConnectionTrait>(
    txn: &C,
    gateway: Option<&Gateway>,
    order_id: i64,
) -> Result<(), Error> {
    let succeeded = payment::Entity::find()
        .filter(payment::Column::OrderId.eq(order_id))
        .filter(payment::Column::Status.eq(PaymentStatus::Succeeded))
        .all(txn)
        .await?;
    if let Some(gateway) = gateway {
        for p in &succeeded {
            gateway
                .refund(&p.gateway_reference, p.amount_cents)
                .await
                .map_err(|e| {
                    tracing::error!(request_id = %web::middleware::current_request_id(), error = %e, order_id, "refund failed at the gateway");
                    Error::service_unavailable(
                        "The payment provider could not refund the payment; try again shortly.",
                    )
                })?;
        }
    }
    payment::Entity::update_many()
        .col_expr(
            payment::Column::Status,
            Expr::value(PaymentStatus::Refunded.as_str()),
        )
        .filter(payment::Column::OrderId.eq(order_id))
        .filter(payment::Column::Status.eq(PaymentStatus::Succeeded))
        .exec(txn)
        .await?;
    Ok(())
}
