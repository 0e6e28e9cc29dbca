//! The order's JSON shapes, and reading an order with its lines and payments.

use std::collections::HashMap;

use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};
use serde::Serialize;
use time::OffsetDateTime;
use web::Error;

use crate::models::{FulfillmentStatus, Order, OrderStatus, PaymentStatus, order_item, payment};
use crate::shipping::ShippingAddress;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = OrderItem)]
pub struct ItemJson {
    pub product_id: i64,
    pub name: String,
    pub unit_price_cents: i64,
    pub quantity: i32,
    pub line_total_cents: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = Payment)]
pub struct PaymentJson {
    pub id: i64,
    pub status: PaymentStatus,
    pub amount_cents: i64,
    #[serde(with = "web::db::timestamp")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
}

/// The answer to a successful payment: `{"order": …, "payment": …}`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = PaidOrder)]
pub struct PaidJson {
    pub order: OrderJson,
    pub payment: PaymentJson,
}

impl From<&payment::Model> for PaymentJson {
    fn from(p: &payment::Model) -> Self {
        PaymentJson {
            id: p.id,
            status: p.status,
            amount_cents: p.amount_cents,
            created_at: p.created_at,
        }
    }
}

/// The chosen shipping method, as the order keeps it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = OrderShippingMethod)]
pub struct MethodJson {
    pub name: String,
    pub price_cents: i64,
}

/// Where the parcel is: `unfulfilled` → `shipped` → `delivered`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = Fulfillment)]
pub struct FulfillmentJson {
    pub status: FulfillmentStatus,
    pub carrier: Option<String>,
    pub tracking_number: Option<String>,
    #[serde(with = "web::db::timestamp::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub shipped_at: Option<OffsetDateTime>,
    #[serde(with = "web::db::timestamp::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub delivered_at: Option<OffsetDateTime>,
}

/// An order as the contract shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = Order)]
pub struct OrderJson {
    pub id: i64,
    pub status: OrderStatus,
    pub currency: String,
    pub subtotal_cents: i64,
    pub shipping_cents: i64,
    pub tax_cents: i64,
    /// `subtotal_cents + shipping_cents + tax_cents`.
    pub total_cents: i64,
    #[serde(with = "web::db::timestamp")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    /// A copy taken when chosen; `null` until the order has one.
    pub shipping_address: Option<ShippingAddress>,
    pub shipping_method: Option<MethodJson>,
    pub fulfillment: FulfillmentJson,
    pub items: Vec<ItemJson>,
    pub payments: Vec<PaymentJson>,
}

impl OrderJson {
    pub(super) fn of(o: Order, items: Vec<ItemJson>, payments: Vec<PaymentJson>) -> OrderJson {
        // Written by this app from a `ShippingAddress`; unreadable only if edited by hand.
        let shipping_address = o
            .shipping_address
            .as_deref()
            .and_then(|json| serde_json::from_str(json).ok());
        OrderJson {
            id: o.id,
            status: o.status,
            currency: o.currency,
            subtotal_cents: o.subtotal_cents,
            shipping_cents: o.shipping_cents,
            tax_cents: o.tax_cents,
            total_cents: o.total_cents,
            created_at: o.created_at,
            shipping_address,
            shipping_method: o.shipping_method.map(|name| MethodJson {
                name,
                price_cents: o.shipping_method_price_cents,
            }),
            fulfillment: FulfillmentJson {
                status: o.fulfillment_status,
                carrier: o.carrier,
                tracking_number: o.tracking_number,
                shipped_at: o.shipped_at,
                delivered_at: o.delivered_at,
            },
            items,
            payments,
        }
    }
}

/// Orders with their lines and payments: three queries for any number of orders.
pub async fn with_details<C: ConnectionTrait>(
    db: &C,
    orders: Vec<Order>,
) -> Result<Vec<OrderJson>, DbErr> {
    if orders.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<i64> = orders.iter().map(|o| o.id).collect();
    let mut items: HashMap<i64, Vec<ItemJson>> = HashMap::new();
    for i in order_item::Entity::find()
        .filter(order_item::Column::OrderId.is_in(ids.clone()))
        .order_by_asc(order_item::Column::Id)
        .all(db)
        .await?
    {
        items.entry(i.order_id).or_default().push(ItemJson {
            product_id: i.product_id,
            name: i.name,
            unit_price_cents: i.unit_price_cents,
            quantity: i.quantity,
            line_total_cents: i.line_total_cents,
        });
    }
    let mut payments: HashMap<i64, Vec<PaymentJson>> = HashMap::new();
    for p in payment::Entity::find()
        .filter(payment::Column::OrderId.is_in(ids))
        .order_by_asc(payment::Column::Id)
        .all(db)
        .await?
    {
        payments
            .entry(p.order_id)
            .or_default()
            .push(PaymentJson::from(&p));
    }
    Ok(orders
        .into_iter()
        .map(|o| {
            let (lines, paid) = (
                items.remove(&o.id).unwrap_or_default(),
                payments.remove(&o.id).unwrap_or_default(),
            );
            OrderJson::of(o, lines, paid)
        })
        .collect())
}

pub(super) async fn details_of<C: ConnectionTrait>(
    db: &C,
    order: Order,
) -> Result<OrderJson, Error> {
    with_details(db, vec![order])
        .await?
        .pop()
        .ok_or_else(|| Error::internal("order vanished"))
}
