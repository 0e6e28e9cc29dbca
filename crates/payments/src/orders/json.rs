//! The order's JSON shapes, and reading an order with its lines and payments.

use std::collections::HashMap;

use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};
use serde::Serialize;
use time::OffsetDateTime;
use web::Error;

use crate::models::{Order, OrderStatus, PaymentStatus, order_item, payment};

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

/// An order as the contract shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = Order)]
pub struct OrderJson {
    pub id: i64,
    pub status: OrderStatus,
    pub currency: String,
    pub total_cents: i64,
    #[serde(with = "web::db::timestamp")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    pub items: Vec<ItemJson>,
    pub payments: Vec<PaymentJson>,
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
        .map(|o| OrderJson {
            id: o.id,
            status: o.status,
            currency: o.currency,
            total_cents: o.total_cents,
            created_at: o.created_at,
            items: items.remove(&o.id).unwrap_or_default(),
            payments: payments.remove(&o.id).unwrap_or_default(),
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
