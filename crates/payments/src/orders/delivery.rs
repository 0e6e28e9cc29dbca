//! Where an order ships and what it adds up to: the buyer's choice checked through the
//! installed [`ShippingProvider`](crate::shipping::ShippingProvider), the destination's
//! tax rate, and the totals stored on the order.

use std::collections::BTreeMap;

use sea_orm::{DatabaseConnection, DatabaseTransaction, TransactionTrait};
use web::Error;

use super::totals::{self, Totals};
use crate::models::tax_rate;
use crate::shipping::{Parcel, Shipment, Shipper, ShippingChoice};

/// How an order is priced: the installed shipping provider (if any) and whether prices
/// include tax (`payments.prices_include_tax`). A service of the app (`Dep<Pricing>`).
#[derive(Clone, Default)]
pub struct Pricing {
    pub shipper: Shipper,
    pub prices_include_tax: bool,
}

/// The shipping fields of a request: `shipping_address_id` and `shipping_method_id`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ShippingRequest {
    pub address_id: Option<i64>,
    pub method_id: Option<i64>,
}

/// Whether a request must choose where to ship.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShippingNeed {
    /// `POST /api/orders` and "Buy now" (v1): both fields accepted, neither needed.
    Optional,
    /// A checkout: needed when a line requires shipping and the shop has an active method.
    AtCheckout,
    /// `PATCH /api/orders/{id}`: the request is the choice.
    Required,
}

fn provider(pricing: &Pricing) -> Result<&dyn crate::shipping::ShippingProvider, Error> {
    pricing
        .shipper
        .0
        .as_deref()
        .ok_or_else(|| Error::field("shipping_method_id", "This shop does not ship orders."))
}

fn choose(field: &str) -> Error {
    let message = match field {
        "shipping_address_id" => "Choose the address to ship to.",
        _ => "Choose a shipping method.",
    };
    Error::field(field, message)
}

/// The checked and priced shipment of `parcel`, if the request chose one (or must have).
pub async fn shipment(
    txn: &DatabaseTransaction,
    pricing: &Pricing,
    parcel: &Parcel,
    needs_shipping: bool,
    request: ShippingRequest,
    need: ShippingNeed,
) -> Result<Option<Shipment>, Error> {
    match (request.address_id, request.method_id) {
        (Some(address_id), Some(method_id)) => {
            let provider = provider(pricing)?;
            let choice = ShippingChoice {
                address_id,
                method_id,
            };
            Ok(Some(provider.quote(txn, parcel, choice).await?))
        }
        (Some(_), None) => Err(choose("shipping_method_id")),
        (None, Some(_)) => Err(choose("shipping_address_id")),
        (None, None) => {
            let needed = match need {
                ShippingNeed::Optional => false,
                ShippingNeed::Required => true,
                ShippingNeed::AtCheckout => match &pricing.shipper.0 {
                    Some(provider) if needs_shipping => {
                        provider.ships(txn, &parcel.currency).await?
                    }
                    _ => false,
                },
            };
            if needed {
                return Err(Error::validation(BTreeMap::from([
                    (
                        "shipping_address_id".to_string(),
                        vec!["Choose the address to ship to.".to_string()],
                    ),
                    (
                        "shipping_method_id".to_string(),
                        vec!["Choose a shipping method.".to_string()],
                    ),
                ])));
            }
            Ok(None)
        }
    }
}

/// The totals of lines costing `line_totals` with `shipment` (taxed at its country's
/// rate; without a shipment there is no destination, so no shipping and no tax).
pub async fn totals_of(
    txn: &DatabaseTransaction,
    pricing: &Pricing,
    line_totals: &[i64],
    shipment: Option<&Shipment>,
) -> Result<Totals, Error> {
    let (shipping, rate) = match shipment {
        Some(s) => (
            s.price_cents,
            tax_rate::for_country(txn, &s.address.country).await?,
        ),
        None => (0, 0),
    };
    totals::compute(line_totals, shipping, rate, pricing.prices_include_tax)
        .map_err(|e| Error::field("items", e.to_string()))
}

/// What lines costing `line_totals` would add up to shipped as `choice` says (the cart
/// page's "Show shipping and tax"); nothing is written.
pub async fn preview(
    db: &DatabaseConnection,
    pricing: &Pricing,
    parcel: &Parcel,
    line_totals: &[i64],
    choice: ShippingChoice,
) -> Result<(Shipment, Totals), Error> {
    let provider = provider(pricing)?;
    let txn = db.begin().await?;
    let shipment = provider.quote(&txn, parcel, choice).await?;
    let totals = totals_of(&txn, pricing, line_totals, Some(&shipment)).await?;
    txn.rollback().await?;
    Ok((shipment, totals))
}
