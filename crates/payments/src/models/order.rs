//! The `orders` table.

use sea_orm::entity::prelude::*;
use sea_orm::sea_query::Expr;
use serde::Serialize;

/// `pending` → `paid` → `refunded`; `pending` → `cancelled`; `pending` → `expired` (not
/// paid within `payments.pending_order_ttl_seconds`).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, EnumIter, DeriveActiveEnum, Serialize, utoipa::ToSchema,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "lowercase")]
pub enum OrderStatus {
    #[sea_orm(string_value = "pending")]
    Pending,
    #[sea_orm(string_value = "paid")]
    Paid,
    #[sea_orm(string_value = "cancelled")]
    Cancelled,
    #[sea_orm(string_value = "refunded")]
    Refunded,
    #[sea_orm(string_value = "expired")]
    Expired,
}

impl OrderStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::Pending => "pending",
            OrderStatus::Paid => "paid",
            OrderStatus::Cancelled => "cancelled",
            OrderStatus::Refunded => "refunded",
            OrderStatus::Expired => "expired",
        }
    }
}

/// A paid order's parcel: `unfulfilled` → `shipped` (carrier, tracking number) →
/// `delivered`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, EnumIter, DeriveActiveEnum, Serialize, utoipa::ToSchema,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "lowercase")]
pub enum FulfillmentStatus {
    #[sea_orm(string_value = "unfulfilled")]
    Unfulfilled,
    #[sea_orm(string_value = "shipped")]
    Shipped,
    #[sea_orm(string_value = "delivered")]
    Delivered,
}

impl FulfillmentStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            FulfillmentStatus::Unfulfilled => "unfulfilled",
            FulfillmentStatus::Shipped => "shipped",
            FulfillmentStatus::Delivered => "delivered",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "orders")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub user_id: i64,
    #[sea_orm(default_value = "pending")]
    pub status: OrderStatus,
    #[sea_orm(column_type = "Char(Some(3))")]
    pub currency: String,
    /// The lines (without tax when `payments.prices_include_tax`).
    #[sea_orm(default_value = 0)]
    pub subtotal_cents: i64,
    #[sea_orm(default_value = 0)]
    pub shipping_cents: i64,
    #[sea_orm(default_value = 0)]
    pub tax_cents: i64,
    /// `subtotal_cents + shipping_cents + tax_cents`: what the buyer pays.
    pub total_cents: i64,
    /// A copy of the address the order ships to, as JSON (see
    /// [`crate::shipping::ShippingAddress`]); `None` until one is chosen.
    #[sea_orm(column_type = "Text", nullable)]
    pub shipping_address: Option<String>,
    /// The chosen method's name and price when chosen (the price before any tax split).
    #[sea_orm(column_type = "String(StringLen::N(100))", nullable)]
    pub shipping_method: Option<String>,
    #[sea_orm(default_value = 0)]
    pub shipping_method_price_cents: i64,
    #[sea_orm(default_value = "unfulfilled")]
    pub fulfillment_status: FulfillmentStatus,
    #[sea_orm(column_type = "String(StringLen::N(100))", nullable)]
    pub carrier: Option<String>,
    #[sea_orm(column_type = "String(StringLen::N(100))", nullable)]
    pub tracking_number: Option<String>,
    pub shipped_at: Option<TimeDateTimeWithTimeZone>,
    pub delivered_at: Option<TimeDateTimeWithTimeZone>,
    pub created_at: TimeDateTimeWithTimeZone,
    pub updated_at: TimeDateTimeWithTimeZone,
}

pub type Order = Model;

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "accounts::models::user::Entity",
        from = "Column::UserId",
        to = "accounts::models::user::Column::Id",
        on_delete = "Cascade"
    )]
    User,
    #[sea_orm(has_many = "super::order_item::Entity")]
    Items,
    #[sea_orm(has_many = "super::payment::Entity")]
    Payments,
}

impl ActiveModelBehavior for ActiveModel {}

/// Moves order `id` from `from` to `to` only if it is still in `from`: of two concurrent
/// requests exactly one wins. Returns whether this one did.
pub async fn transition<C: ConnectionTrait>(
    db: &C,
    id: i64,
    from: OrderStatus,
    to: OrderStatus,
) -> Result<bool, DbErr> {
    let result = Entity::update_many()
        .col_expr(Column::Status, Expr::value(to.as_str()))
        .col_expr(Column::UpdatedAt, Expr::value(web::db::now()))
        .filter(Column::Id.eq(id))
        .filter(Column::Status.eq(from))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}
