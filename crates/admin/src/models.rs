//! The audit log (Django's `LogEntry`): who added, changed, deleted or acted on what, and
//! when. Table `admin_log`, in the admin's migration group.

use sea_orm::entity::prelude::*;
use sea_orm::{ActiveValue::NotSet, QueryOrder, QuerySelect, Set};
use serde::Serialize;
use web::db::now;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "admin_log")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub user_id: i64,
    #[serde(with = "web::db::timestamp")]
    pub action_time: TimeDateTimeWithTimeZone,
    #[sea_orm(column_type = "String(StringLen::N(100))")]
    pub app_label: String,
    #[sea_orm(column_type = "String(StringLen::N(100))")]
    pub model_name: String,
    pub object_id: i64,
    #[sea_orm(column_type = "String(StringLen::N(200))")]
    pub object_repr: String,
    /// `added`, `changed`, `deleted`, or the name of an action.
    #[sea_orm(column_type = "String(StringLen::N(32))")]
    pub action: String,
    #[sea_orm(column_type = "Text")]
    pub message: String,
}

pub type LogEntry = Model;

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "accounts::models::user::Entity",
        from = "Column::UserId",
        to = "accounts::models::user::Column::Id",
        on_delete = "Cascade"
    )]
    User,
}

impl ActiveModelBehavior for ActiveModel {}

/// What one entry records.
pub struct Entry<'a> {
    pub user_id: i64,
    pub app_label: &'a str,
    pub model_name: &'a str,
    pub object_id: i64,
    pub object_repr: &'a str,
    pub action: &'a str,
    pub message: &'a str,
}

/// Appends an entry. The repr is cut to the column's 200 characters.
pub async fn record<C: ConnectionTrait>(db: &C, entry: Entry<'_>) -> Result<(), DbErr> {
    let repr: String = entry.object_repr.chars().take(200).collect();
    ActiveModel {
        id: NotSet,
        user_id: Set(entry.user_id),
        action_time: Set(now()),
        app_label: Set(entry.app_label.to_string()),
        model_name: Set(entry.model_name.to_string()),
        object_id: Set(entry.object_id),
        object_repr: Set(repr),
        action: Set(entry.action.to_string()),
        message: Set(entry.message.to_string()),
    }
    .insert(db)
    .await?;
    Ok(())
}

/// An object's history, oldest first (at most `limit` entries).
pub async fn history<C: ConnectionTrait>(
    db: &C,
    app_label: &str,
    model_name: &str,
    object_id: i64,
    limit: u64,
) -> Result<Vec<LogEntry>, DbErr> {
    Entity::find()
        .filter(Column::AppLabel.eq(app_label))
        .filter(Column::ModelName.eq(model_name))
        .filter(Column::ObjectId.eq(object_id))
        .order_by_asc(Column::Id)
        .limit(limit)
        .all(db)
        .await
}

/// The most recent entries across the site, newest first (the index page's sidebar).
pub async fn recent<C: ConnectionTrait>(db: &C, limit: u64) -> Result<Vec<LogEntry>, DbErr> {
    Entity::find()
        .order_by_desc(Column::Id)
        .limit(limit)
        .all(db)
        .await
}
