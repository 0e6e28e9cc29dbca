//! The `shipping_methods` table: how a zone is served (standard, express…), at a flat
//! price or by weight bands, with a delivery estimate in days.

use sea_orm::entity::prelude::*;
use sea_orm::{ActiveValue::NotSet, QueryOrder, Set};
use serde::Serialize;
use web::db::now;

use super::zone;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "shipping_methods")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(indexed)]
    pub zone_id: i64,
    #[sea_orm(column_type = "String(StringLen::N(100))")]
    pub name: String,
    #[sea_orm(column_type = "Char(Some(3))", default_value = "USD")]
    pub currency: String,
    /// The price without weight bands (minor units).
    pub price_cents: i64,
    /// Weight bands, `max_grams:price_cents` by rising weight (`1000:990,5000:1990`: up
    /// to 1 kg 9.90, up to 5 kg 19.90; heavier is not served). Empty: the flat price.
    #[sea_orm(column_type = "String(StringLen::N(500))", default_value = "")]
    pub weight_bands: String,
    pub min_days: i32,
    pub max_days: i32,
    #[sea_orm(default_value = true)]
    pub is_active: bool,
    pub created_at: TimeDateTimeWithTimeZone,
}

pub type Method = Model;

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::zone::Entity",
        from = "Column::ZoneId",
        to = "super::zone::Column::Id",
        on_delete = "Cascade"
    )]
    Zone,
}

impl ActiveModelBehavior for ActiveModel {}

/// One weight band: parcels up to `max_grams` cost `price_cents`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Band {
    pub max_grams: i64,
    pub price_cents: i64,
}

/// Why a band list is not one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BandError {
    #[error("Write each band as max_grams:price_cents, separated by commas (1000:990,5000:1990).")]
    Malformed,
    #[error("Weights must rise from band to band, and weights and prices be 0 or more.")]
    NotRising,
}

/// Parses `1000:990,5000:1990` (spaces and line breaks allowed between bands).
pub fn parse_bands(text: &str) -> Result<Vec<Band>, BandError> {
    let mut bands: Vec<Band> = Vec::new();
    for part in text
        .split([',', '\n'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        let (grams, price) = part.split_once(':').ok_or(BandError::Malformed)?;
        let band = Band {
            max_grams: grams.trim().parse().map_err(|_| BandError::Malformed)?,
            price_cents: price.trim().parse().map_err(|_| BandError::Malformed)?,
        };
        if band.max_grams < 0
            || band.price_cents < 0
            || bands.last().is_some_and(|b| b.max_grams >= band.max_grams)
        {
            return Err(BandError::NotRising);
        }
        bands.push(band);
    }
    Ok(bands)
}

/// Bands as stored: `1000:990,5000:1990`.
pub fn format_bands(bands: &[Band]) -> String {
    bands
        .iter()
        .map(|b| format!("{}:{}", b.max_grams, b.price_cents))
        .collect::<Vec<_>>()
        .join(",")
}

impl Model {
    /// What a parcel of `grams` costs by this method; `None` when it is too heavy.
    pub fn price_for(&self, grams: i64) -> Option<i64> {
        let bands = parse_bands(&self.weight_bands).ok()?;
        if bands.is_empty() {
            return Some(self.price_cents);
        }
        bands
            .iter()
            .find(|b| grams <= b.max_grams)
            .map(|b| b.price_cents)
    }
}

/// A method offered for a parcel, as the API lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Offer {
    pub id: i64,
    pub name: String,
    /// For this parcel's weight (minor units).
    pub price_cents: i64,
    pub currency: String,
    pub min_days: i32,
    pub max_days: i32,
}

/// The active methods that serve `country` for a parcel of `grams` (in `currency`, when
/// given), cheapest first.
pub async fn offers<C: ConnectionTrait>(
    db: &C,
    country: &str,
    grams: i64,
    currency: Option<&str>,
) -> Result<Vec<Offer>, DbErr> {
    let zones: Vec<i64> = zone::all(db)
        .await?
        .iter()
        .filter(|z| z.covers(country))
        .map(|z| z.id)
        .collect();
    if zones.is_empty() {
        return Ok(Vec::new());
    }
    let mut query = Entity::find()
        .filter(Column::ZoneId.is_in(zones))
        .filter(Column::IsActive.eq(true));
    if let Some(currency) = currency {
        query = query.filter(Column::Currency.eq(currency));
    }
    let mut offers: Vec<Offer> = query
        .order_by_asc(Column::Id)
        .all(db)
        .await?
        .into_iter()
        .filter_map(|m| {
            Some(Offer {
                price_cents: m.price_for(grams)?,
                id: m.id,
                name: m.name,
                currency: m.currency,
                min_days: m.min_days,
                max_days: m.max_days,
            })
        })
        .collect();
    offers.sort_by_key(|o| (o.price_cents, o.id));
    Ok(offers)
}

/// A method's fields (checked by the admin's form, `crate::forms::method_fields`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MethodFields {
    pub zone_id: i64,
    pub name: String,
    pub currency: String,
    pub price_cents: i64,
    pub weight_bands: Vec<Band>,
    pub min_days: i32,
    pub max_days: i32,
    pub is_active: bool,
}

impl MethodFields {
    fn set(self, row: &mut ActiveModel) {
        row.zone_id = Set(self.zone_id);
        row.name = Set(self.name);
        row.currency = Set(self.currency);
        row.price_cents = Set(self.price_cents);
        row.weight_bands = Set(format_bands(&self.weight_bands));
        row.min_days = Set(self.min_days);
        row.max_days = Set(self.max_days);
        row.is_active = Set(self.is_active);
    }
}

pub async fn create<C: ConnectionTrait>(db: &C, fields: MethodFields) -> Result<Method, DbErr> {
    let mut row = ActiveModel {
        id: NotSet,
        created_at: Set(now()),
        ..Default::default()
    };
    fields.set(&mut row);
    row.insert(db).await
}

pub async fn update<C: ConnectionTrait>(
    db: &C,
    existing: Method,
    fields: MethodFields,
) -> Result<Method, DbErr> {
    let mut row: ActiveModel = existing.into();
    fields.set(&mut row);
    row.update(db).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn method(price_cents: i64, bands: &str) -> Method {
        Model {
            id: 1,
            zone_id: 1,
            name: "Standard".into(),
            currency: "USD".into(),
            price_cents,
            weight_bands: bands.into(),
            min_days: 2,
            max_days: 4,
            is_active: true,
            created_at: now(),
        }
    }

    #[test]
    fn flat_or_by_band() {
        assert_eq!(method(590, "").price_for(12_000), Some(590));
        let banded = method(0, "1000:990, 5000:1990");
        assert_eq!(banded.price_for(0), Some(990));
        assert_eq!(banded.price_for(1000), Some(990));
        assert_eq!(banded.price_for(1001), Some(1990));
        assert_eq!(banded.price_for(5001), None, "too heavy");
    }

    #[test]
    fn bands_are_checked() {
        assert_eq!(
            parse_bands("1000:990\n5000:1990").unwrap(),
            [
                Band {
                    max_grams: 1000,
                    price_cents: 990
                },
                Band {
                    max_grams: 5000,
                    price_cents: 1990
                }
            ]
        );
        assert_eq!(parse_bands(""), Ok(Vec::new()));
        assert_eq!(parse_bands("1000"), Err(BandError::Malformed));
        assert_eq!(parse_bands("a:1"), Err(BandError::Malformed));
        assert_eq!(parse_bands("5000:1,1000:2"), Err(BandError::NotRising));
        assert_eq!(parse_bands("1000:-1"), Err(BandError::NotRising));
        assert_eq!(
            format_bands(&parse_bands(" 1000 : 990 ,5000:1990").unwrap()),
            "1000:990,5000:1990"
        );
    }
}
