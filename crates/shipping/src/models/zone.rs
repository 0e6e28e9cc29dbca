//! The `shipping_zones` table: a named set of countries the shop ships to.

use sea_orm::entity::prelude::*;
use sea_orm::{ActiveValue::NotSet, QueryOrder, Set};
use web::db::now;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "shipping_zones")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(column_type = "String(StringLen::N(100))")]
    pub name: String,
    /// ISO 3166-1 alpha-2 codes, comma-separated (`DE,AT,FR`).
    #[sea_orm(column_type = "String(StringLen::N(1000))")]
    pub countries: String,
    pub created_at: TimeDateTimeWithTimeZone,
}

pub type Zone = Model;

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

impl Model {
    /// Whether the zone includes `country` (upper-case ISO code).
    pub fn covers(&self, country: &str) -> bool {
        self.countries.split(',').any(|c| c.trim() == country)
    }
}

/// Every zone, by name (a shop has a handful).
pub async fn all<C: ConnectionTrait>(db: &C) -> Result<Vec<Zone>, DbErr> {
    Entity::find()
        .order_by_asc(Column::Name)
        .order_by_asc(Column::Id)
        .all(db)
        .await
}

pub async fn create<C: ConnectionTrait>(
    db: &C,
    name: &str,
    countries: &[String],
) -> Result<Zone, DbErr> {
    ActiveModel {
        id: NotSet,
        name: Set(name.to_owned()),
        countries: Set(countries.join(",")),
        created_at: Set(now()),
    }
    .insert(db)
    .await
}
