//! Where an order goes after it is placed: an address and method chosen later for a
//! pending order ([`ship_to`]), then `unfulfilled` → `shipped` ([`ship`], which queues
//! the "shipped" email in the same transaction) → `delivered` ([`deliver`]).

use std::collections::HashMap;

use catalog::models::product;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbErr, EntityTrait,
    QueryFilter,
};
use serde::{Deserialize, Serialize};
use web::db::{now, write_transaction};
use web::state::AppState;
use web::{Error, SiteUrl};
use web_jobs::Task;

use super::confirmation::send_order_mail;
use super::create::shipment_columns;
use super::delivery::{Pricing, ShippingNeed, ShippingRequest, shipment, totals_of};
use super::json::{OrderJson, details_of};
use super::reservations::Reservations;
use super::scope::{Scope, lock_visible, not_found};
use super::transitions::expire_if_overdue;
use crate::models::{FulfillmentStatus, Order, OrderStatus, order, order_item};
use crate::shipping::{Parcel, ParcelLine, shipped_weight_grams};

/// The tracking details of a parcel handed to a carrier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tracking {
    pub carrier: String,
    pub tracking_number: String,
}

fn cannot(order: &Order, why: &str) -> Error {
    Error::conflict(
        "invalid_state",
        format!(
            "The order is {} and {}; {why}.",
            order.status.as_str(),
            order.fulfillment_status.as_str()
        ),
    )
}

/// Gives a pending order that `scope` holds an address and method (`PATCH
/// /api/orders/{id}`), recomputing shipping, tax and total from its lines; any other
/// state is `409 invalid_state`.
pub async fn ship_to(
    db: &DatabaseConnection,
    rules: Reservations,
    pricing: &Pricing,
    id: i64,
    scope: Scope,
    request: ShippingRequest,
) -> Result<OrderJson, Error> {
    let order = write_transaction(db, |txn| {
        let pricing = pricing.clone();
        Box::pin(async move {
            let order = lock_visible(txn, id, scope).await?.ok_or_else(not_found)?;
            if let Some(refusal) = expire_if_overdue(txn, rules, &order, "changed").await? {
                return Ok(Err(refusal));
            }
            if order.status != OrderStatus::Pending {
                return Ok(Err(cannot(
                    &order,
                    "only a pending order can change where it ships",
                )));
            }
            Ok(Ok(reprice(txn, &pricing, order, request).await?))
        })
    })
    .await??;
    details_of(db, order).await
}

/// What an order ships, from its lines: the parcel (today's weights of its products; a
/// deleted product counts as shipped and weightless), whether any line ships, and the
/// lines' totals.
pub struct OrderParcel {
    pub parcel: Parcel,
    pub needs_shipping: bool,
    pub line_totals: Vec<i64>,
}

pub async fn parcel_of<C: ConnectionTrait>(db: &C, order: &Order) -> Result<OrderParcel, DbErr> {
    let items = order_item::Entity::find()
        .filter(order_item::Column::OrderId.eq(order.id))
        .all(db)
        .await?;
    let products: HashMap<i64, product::Model> = product::Entity::find()
        .filter(product::Column::Id.is_in(items.iter().map(|i| i.product_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    let shipped = |item: &order_item::Model| {
        products
            .get(&item.product_id)
            .is_none_or(|p| p.requires_shipping)
    };
    let weight_grams = shipped_weight_grams(items.iter().map(|i| ParcelLine {
        weight_grams: products.get(&i.product_id).map_or(0, |p| p.weight_grams),
        requires_shipping: shipped(i),
        quantity: i.quantity,
    }));
    Ok(OrderParcel {
        parcel: Parcel {
            user_id: order.user_id,
            currency: order.currency.clone(),
            weight_grams,
        },
        needs_shipping: items.iter().any(shipped),
        line_totals: items.iter().map(|i| i.line_total_cents).collect(),
    })
}

/// `order` with the shipment `request` chooses, its totals recomputed and written.
async fn reprice(
    txn: &DatabaseTransaction,
    pricing: &Pricing,
    order: Order,
    request: ShippingRequest,
) -> Result<Order, Error> {
    let what = parcel_of(txn, &order).await?;
    let chosen = shipment(
        txn,
        pricing,
        &what.parcel,
        what.needs_shipping,
        request,
        ShippingNeed::Required,
    )
    .await?;
    let totals = totals_of(txn, pricing, &what.line_totals, chosen.as_ref()).await?;
    let (address, method, method_price) = shipment_columns(chosen.as_ref())?;
    let at = now();
    order::Entity::update_many()
        .col_expr(
            order::Column::SubtotalCents,
            Expr::value(totals.subtotal_cents),
        )
        .col_expr(
            order::Column::ShippingCents,
            Expr::value(totals.shipping_cents),
        )
        .col_expr(order::Column::TaxCents, Expr::value(totals.tax_cents))
        .col_expr(order::Column::TotalCents, Expr::value(totals.total_cents))
        .col_expr(order::Column::ShippingAddress, Expr::value(address.clone()))
        .col_expr(order::Column::ShippingMethod, Expr::value(method.clone()))
        .col_expr(
            order::Column::ShippingMethodPriceCents,
            Expr::value(method_price),
        )
        .col_expr(order::Column::UpdatedAt, Expr::value(at))
        .filter(order::Column::Id.eq(order.id))
        .exec(txn)
        .await?;
    Ok(Order {
        subtotal_cents: totals.subtotal_cents,
        shipping_cents: totals.shipping_cents,
        tax_cents: totals.tax_cents,
        total_cents: totals.total_cents,
        shipping_address: address,
        shipping_method: method,
        shipping_method_price_cents: method_price,
        updated_at: at,
        ..order
    })
}

/// Marks a paid, unfulfilled order with an address shipped and, in the same
/// transaction, queues the "shipped" email with the tracking number (links built on
/// `site`); any other order is `409 invalid_state`.
pub async fn ship(
    db: &DatabaseConnection,
    id: i64,
    tracking: Tracking,
    site: &SiteUrl,
) -> Result<OrderJson, Error> {
    let order = write_transaction(db, |txn| {
        let (tracking, site) = (tracking.clone(), site.clone());
        Box::pin(async move {
            let order = lock_visible(txn, id, Scope::Everyone)
                .await?
                .ok_or_else(not_found)?;
            if order.status != OrderStatus::Paid
                || order.fulfillment_status != FulfillmentStatus::Unfulfilled
            {
                return Err(cannot(
                    &order,
                    "only a paid, unfulfilled order can be shipped",
                ));
            }
            if order.shipping_address.is_none() {
                return Err(Error::conflict(
                    "invalid_state",
                    "The order has no shipping address yet; it cannot be shipped.",
                ));
            }
            let at = now();
            let moved = order::Entity::update_many()
                .col_expr(
                    order::Column::FulfillmentStatus,
                    Expr::value(FulfillmentStatus::Shipped.as_str()),
                )
                .col_expr(order::Column::Carrier, Expr::value(&tracking.carrier))
                .col_expr(
                    order::Column::TrackingNumber,
                    Expr::value(&tracking.tracking_number),
                )
                .col_expr(order::Column::ShippedAt, Expr::value(at))
                .col_expr(order::Column::UpdatedAt, Expr::value(at))
                .filter(order::Column::Id.eq(id))
                .filter(order::Column::FulfillmentStatus.eq(FulfillmentStatus::Unfulfilled))
                .exec(txn)
                .await?;
            if moved.rows_affected != 1 {
                return Err(cannot(&order, "only an unfulfilled order can be shipped"));
            }
            let mail = ShippedMail { order_id: id, site };
            web_jobs::enqueue::<SendShippedNotice, _>(txn, &mail).await?;
            Ok(Order {
                fulfillment_status: FulfillmentStatus::Shipped,
                carrier: Some(tracking.carrier),
                tracking_number: Some(tracking.tracking_number),
                shipped_at: Some(at),
                updated_at: at,
                ..order
            })
        })
    })
    .await?;
    details_of(db, order).await
}

/// Marks a shipped order delivered; any other order is `409 invalid_state`.
pub async fn deliver(db: &DatabaseConnection, id: i64) -> Result<OrderJson, Error> {
    let order = write_transaction(db, |txn| {
        Box::pin(async move {
            let order = lock_visible(txn, id, Scope::Everyone)
                .await?
                .ok_or_else(not_found)?;
            let at = now();
            let moved = order::Entity::update_many()
                .col_expr(
                    order::Column::FulfillmentStatus,
                    Expr::value(FulfillmentStatus::Delivered.as_str()),
                )
                .col_expr(order::Column::DeliveredAt, Expr::value(at))
                .col_expr(order::Column::UpdatedAt, Expr::value(at))
                .filter(order::Column::Id.eq(id))
                .filter(order::Column::FulfillmentStatus.eq(FulfillmentStatus::Shipped))
                .exec(txn)
                .await?;
            if moved.rows_affected != 1 {
                return Err(cannot(&order, "only a shipped order can be delivered"));
            }
            Ok(Order {
                fulfillment_status: FulfillmentStatus::Delivered,
                delivered_at: Some(at),
                updated_at: at,
                ..order
            })
        })
    })
    .await?;
    details_of(db, order).await
}

/// Emails the buyer that their order is on its way: carrier, tracking number, address
/// and a link to the order's page (HTML and text). Queued by [`ship`].
pub struct SendShippedNotice;

#[derive(Debug, Serialize, Deserialize)]
pub struct ShippedMail {
    pub order_id: i64,
    /// The site the link points at (see [`SiteUrl::in_job`]).
    pub site: SiteUrl,
}

impl Task for SendShippedNotice {
    const NAME: &'static str = "payments.send_shipped_notice";
    const QUEUE: &'static str = "email";
    type Payload = ShippedMail;

    async fn run(state: &AppState, mail: ShippedMail) -> anyhow::Result<()> {
        send_order_mail(
            state,
            mail.order_id,
            &mail.site,
            "payments-mail-shipped-subject",
            "payments/email/order_shipped",
        )
        .await
    }
}
