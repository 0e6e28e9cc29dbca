//! The `webhook_events` table: provider events already handled, so each applies once.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_events")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique, column_type = "String(StringLen::N(255))")]
    pub event_id: String,
    #[sea_orm(column_type = "String(StringLen::N(64))")]
    pub event_type: String,
    #[sea_orm(column_type = "String(StringLen::N(32))")]
    pub outcome: String,
    pub received_at: TimeDateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
