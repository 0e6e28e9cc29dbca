//! The `tax_rates` table: the sales tax (VAT) of a destination country, in basis points
//! (1900 = 19 %), managed on the admin site.

use sea_orm::entity::prelude::*;
use sea_orm::{ActiveValue::NotSet, Set};
use web::db::now;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tax_rates")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// ISO 3166-1 alpha-2, upper case; one rate per country.
    #[sea_orm(column_type = "String(StringLen::N(2))", unique)]
    pub country: String,
    /// Basis points: 1900 is 19 %.
    pub rate_bp: i32,
    pub created_at: TimeDateTimeWithTimeZone,
}

pub type TaxRate = Model;

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// The most a rate may be: 100 %.
pub const MAX_RATE_BP: i32 = 10_000;

/// The rate of `country` in basis points; 0 when the shop has none for it.
pub async fn for_country<C: ConnectionTrait>(db: &C, country: &str) -> Result<i32, DbErr> {
    Ok(of_country(db, country)
        .await?
        .map_or(0, |rate| rate.rate_bp))
}

/// The row of `country`'s rate, if the shop has one.
pub async fn of_country<C: ConnectionTrait>(
    db: &C,
    country: &str,
) -> Result<Option<TaxRate>, DbErr> {
    Entity::find()
        .filter(Column::Country.eq(country))
        .one(db)
        .await
}

/// Sets `country`'s rate (creating it, or changing the one there).
pub async fn set<C: ConnectionTrait>(
    db: &C,
    country: &str,
    rate_bp: i32,
) -> Result<TaxRate, DbErr> {
    match of_country(db, country).await? {
        Some(found) => {
            let mut row: ActiveModel = found.into();
            row.rate_bp = Set(rate_bp);
            row.update(db).await
        }
        None => {
            ActiveModel {
                id: NotSet,
                country: Set(country.to_owned()),
                rate_bp: Set(rate_bp),
                created_at: Set(now()),
            }
            .insert(db)
            .await
        }
    }
}
