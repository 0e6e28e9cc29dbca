//! The `payments` table: every charge attempt, and the idempotency record of `pay`.

use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, EnumIter, DeriveActiveEnum, Serialize, utoipa::ToSchema,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "lowercase")]
pub enum PaymentStatus {
    /// Only inside the `pay` transaction, between claiming the idempotency key and the
    /// gateway's answer; never committed.
    #[sea_orm(string_value = "processing")]
    Processing,
    #[sea_orm(string_value = "succeeded")]
    Succeeded,
    #[sea_orm(string_value = "failed")]
    Failed,
    #[sea_orm(string_value = "refunded")]
    Refunded,
}

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "payments")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(indexed)]
    pub order_id: i64,
    pub status: PaymentStatus,
    pub amount_cents: i64,
    #[sea_orm(column_type = "String(StringLen::N(32))")]
    pub provider: String,
    #[sea_orm(column_type = "String(StringLen::N(128))", default_value = "")]
    pub gateway_reference: String,
    #[sea_orm(unique_key = "user_idempotency_key")]
    pub user_id: Option<i64>,
    #[sea_orm(
        unique_key = "user_idempotency_key",
        column_type = "String(StringLen::N(255))"
    )]
    pub idempotency_key: Option<String>,
    pub response_status: Option<i16>,
    #[sea_orm(column_type = "Text", nullable)]
    pub response_body: Option<String>,
    #[sea_orm(indexed)]
    pub created_at: TimeDateTimeWithTimeZone,
}

pub type Payment = Model;

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::order::Entity",
        from = "Column::OrderId",
        to = "super::order::Column::Id",
        on_delete = "Cascade"
    )]
    Order,
    #[sea_orm(
        belongs_to = "accounts::models::user::Entity",
        from = "Column::UserId",
        to = "accounts::models::user::Column::Id",
        on_delete = "Cascade"
    )]
    User,
}

impl Related<super::order::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Order.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

/// The stored `pay` response for (user, key), if any.
pub async fn find_by_key<C: ConnectionTrait>(
    db: &C,
    user_id: i64,
    key: &str,
) -> Result<Option<Payment>, DbErr> {
    Entity::find()
        .filter(Column::UserId.eq(user_id))
        .filter(Column::IdempotencyKey.eq(key))
        .one(db)
        .await
}
