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
    pub total_cents: i64,
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
