//! How orders reach this app: the [`ShippingProvider`] it registers with the payments app
//! (`payments::shipping`), checking and pricing a buyer's address and method.

use async_trait::async_trait;
use payments::shipping::{
    Parcel, Shipment, ShippingAddress, ShippingChoice, ShippingOptions, ShippingProvider,
};
use sea_orm::{
    ColumnTrait, DatabaseConnection, DatabaseTransaction, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder,
};
use web::Error;
use web::templates::money;

use crate::models::{method, zone};

pub struct ZoneRates;

fn wrong_method(message: &'static str) -> Error {
    Error::field("shipping_method_id", message)
}

#[async_trait]
impl ShippingProvider for ZoneRates {
    async fn ships(&self, txn: &DatabaseTransaction, currency: &str) -> Result<bool, Error> {
        Ok(method::Entity::find()
            .filter(method::Column::IsActive.eq(true))
            .filter(method::Column::Currency.eq(currency))
            .count(txn)
            .await?
            > 0)
    }

    async fn quote(
        &self,
        txn: &DatabaseTransaction,
        parcel: &Parcel,
        choice: ShippingChoice,
    ) -> Result<Shipment, Error> {
        let address = addresses::models::address::find(txn, parcel.user_id, choice.address_id)
            .await?
            .ok_or_else(|| {
                Error::field("shipping_address_id", "No address of yours has that id.")
            })?;
        let chosen = method::Entity::find_by_id(choice.method_id)
            .filter(method::Column::IsActive.eq(true))
            .one(txn)
            .await?
            .ok_or_else(|| wrong_method("No active shipping method has that id."))?;
        let serves = zone::Entity::find_by_id(chosen.zone_id)
            .one(txn)
            .await?
            .is_some_and(|z| z.covers(&address.country));
        if !serves {
            return Err(wrong_method(
                "This method does not ship to the address's country.",
            ));
        }
        if chosen.currency != parcel.currency {
            return Err(wrong_method(
                "This method is priced in another currency than the order.",
            ));
        }
        let price_cents = chosen
            .price_for(parcel.weight_grams)
            .ok_or_else(|| wrong_method("The parcel is too heavy for this method."))?;
        Ok(Shipment {
            address: ShippingAddress {
                name: address.name,
                line1: address.line1,
                line2: address.line2,
                city: address.city,
                region: address.region,
                postal_code: address.postal_code,
                country: address.country,
                phone: address.phone,
            },
            method_name: chosen.name,
            price_cents,
        })
    }

    async fn options(
        &self,
        db: &DatabaseConnection,
        parcel: &Parcel,
    ) -> Result<ShippingOptions, Error> {
        let addresses = addresses::models::address::all_of(db, parcel.user_id)
            .await?
            .into_iter()
            .map(|a| {
                (
                    a.id,
                    format!("{}, {}, {} {}", a.name, a.line1, a.postal_code, a.city),
                )
            })
            .collect();
        let zones = zone::all(db).await?;
        let methods = method::Entity::find()
            .filter(method::Column::IsActive.eq(true))
            .filter(method::Column::Currency.eq(&parcel.currency))
            .order_by_asc(method::Column::Id)
            .all(db)
            .await?
            .into_iter()
            .filter_map(|m| {
                let price = m.price_for(parcel.weight_grams)?;
                let zone = zones.iter().find(|z| z.id == m.zone_id)?;
                let label = format!(
                    "{} ({}): {}, {}–{} days",
                    m.name,
                    zone.name,
                    money(price, Some(&m.currency)),
                    m.min_days,
                    m.max_days
                );
                Some((m.id, label))
            })
            .collect();
        Ok(ShippingOptions { addresses, methods })
    }
}
