//! Creating an order: its lines validated, priced and their stock reserved, all or none.

use std::collections::{BTreeMap, HashMap};

use catalog::models::{product, stock};
use sea_orm::{
    ActiveValue::NotSet, ColumnTrait, DatabaseConnection, DatabaseTransaction, EntityTrait,
    QueryFilter, Set, TryIntoModel,
};
use web::Error;
use web::db::{now, write_transaction};

use super::delivery::{Pricing, ShippingNeed, ShippingRequest, shipment, totals_of};
use super::reservations::Reservations;
use crate::models::{FulfillmentStatus, Order, OrderStatus, order, order_item};
use crate::shipping::{Parcel, ParcelLine, Shipment, shipped_weight_grams};

use super::json::{ItemJson, OrderJson};

/// At most this many lines per order, each of at most [`MAX_QUANTITY`] units.
pub const MAX_LINES: usize = 50;
pub const MAX_QUANTITY: i32 = 1000;

/// One requested line: a product and how many.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Line {
    pub product_id: i64,
    pub quantity: i32,
}

/// An order to make: whose, its lines, and where it ships.
#[derive(Debug, Clone)]
pub struct NewOrder {
    pub user_id: i64,
    pub lines: Vec<Line>,
    pub shipping: ShippingRequest,
    pub need: ShippingNeed,
}

/// Creates a pending order for `user_id`, reserving the stock of every line in the same
/// transaction: if any line cannot be met, `409 out_of_stock` names the product and
/// nothing is reserved. An unknown or inactive product, or products in different
/// currencies, is `422`; a user already holding `payments.max_pending_orders` live pending
/// orders, or whose pending units would pass `payments.max_pending_units`, gets
/// `409 too_many_pending_orders`. A shipping choice is checked and priced (`422` naming
/// the field), and tax added for its country.
pub async fn create(
    db: &DatabaseConnection,
    rules: Reservations,
    pricing: &Pricing,
    new: NewOrder,
) -> Result<OrderJson, Error> {
    let (order, items) = write_transaction(db, |txn| {
        let new = new.clone();
        let pricing = pricing.clone();
        Box::pin(async move { place(txn, rules, &pricing, &new).await })
    })
    .await?;
    // Everything the answer shows was just written: no need to read it back.
    Ok(OrderJson::of(order, items, Vec::new()))
}

/// [`create`] inside the caller's transaction, for a change that makes an order among
/// other writes (a cart's checkout empties the cart in the same transaction). The caller
/// rolls back on an error; `OrderJson` comes from [`super::details`] after the commit.
pub async fn create_within(
    txn: &DatabaseTransaction,
    rules: Reservations,
    pricing: &Pricing,
    new: &NewOrder,
) -> Result<Order, Error> {
    Ok(place(txn, rules, pricing, new).await?.0)
}

/// [`create_within`], with the order's lines as its JSON shows them.
async fn place(
    txn: &DatabaseTransaction,
    rules: Reservations,
    pricing: &Pricing,
    new: &NewOrder,
) -> Result<(Order, Vec<ItemJson>), Error> {
    let lines = &new.lines[..];
    let user_id = new.user_id;
    if lines.is_empty() || lines.len() > MAX_LINES {
        return Err(Error::field(
            "items",
            format!("An order has 1 to {MAX_LINES} lines."),
        ));
    }
    let units = lines
        .iter()
        .map(|l| u64::try_from(l.quantity).unwrap_or(0))
        .sum();
    rules.check_cap(txn, user_id, units).await?;
    create_in(txn, pricing, new).await
}

async fn create_in(
    txn: &DatabaseTransaction,
    pricing: &Pricing,
    new: &NewOrder,
) -> Result<(Order, Vec<ItemJson>), Error> {
    let (user_id, lines) = (new.user_id, &new.lines[..]);
    // Quantities per product, in ascending id order: the order in which rows get locked.
    let mut wanted: BTreeMap<i64, i32> = BTreeMap::new();
    for line in lines {
        *wanted.entry(line.product_id).or_default() += line.quantity;
    }
    let products: HashMap<i64, product::Model> = product::Entity::find()
        .filter(product::Column::Id.is_in(wanted.keys().copied()))
        .filter(product::Column::IsActive.eq(true))
        .all(txn)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    let missing: Vec<String> = wanted
        .keys()
        .filter(|id| !products.contains_key(id))
        .map(|id| format!("Unknown or inactive product: {id}."))
        .collect();
    if !missing.is_empty() {
        return Err(Error::validation(BTreeMap::from([(
            "items".to_string(),
            missing,
        )])));
    }
    let currencies: std::collections::BTreeSet<&str> =
        products.values().map(|p| p.currency.as_str()).collect();
    if currencies.len() > 1 {
        return Err(Error::field(
            "items",
            "All products of one order must have the same currency.",
        ));
    }
    let currency = currencies.into_iter().next().unwrap_or("USD").to_string();
    let parcel = Parcel {
        user_id,
        currency: currency.clone(),
        weight_grams: shipped_weight_grams(lines.iter().map(|l| {
            let p = &products[&l.product_id];
            ParcelLine {
                weight_grams: p.weight_grams,
                requires_shipping: p.requires_shipping,
                quantity: l.quantity,
            }
        })),
    };
    let needs_shipping = products.values().any(|p| p.requires_shipping);
    let shipment = shipment(
        txn,
        pricing,
        &parcel,
        needs_shipping,
        new.shipping,
        new.need,
    )
    .await?;
    for (&product_id, &quantity) in &wanted {
        if !stock::reserve(txn, product_id, quantity).await? {
            let name = &products[&product_id].name;
            return Err(Error::conflict(
                "out_of_stock",
                format!("Not enough stock for “{name}” (product {product_id})."),
            ));
        }
    }
    let mut rows = Vec::with_capacity(lines.len());
    for line in lines {
        let p = &products[&line.product_id];
        let line_total = p
            .price_cents
            .checked_mul(i64::from(line.quantity))
            .ok_or_else(too_large)?;
        rows.push((
            p.id,
            p.name.clone(),
            p.price_cents,
            line.quantity,
            line_total,
        ));
    }
    let line_totals: Vec<i64> = rows.iter().map(|row| row.4).collect();
    let totals = totals_of(txn, pricing, &line_totals, shipment.as_ref()).await?;
    let at = now();
    let (address, method, method_price) = shipment_columns(shipment.as_ref())?;
    let order = order::ActiveModel {
        id: NotSet,
        user_id: Set(user_id),
        status: Set(OrderStatus::Pending),
        currency: Set(currency),
        subtotal_cents: Set(totals.subtotal_cents),
        shipping_cents: Set(totals.shipping_cents),
        tax_cents: Set(totals.tax_cents),
        total_cents: Set(totals.total_cents),
        shipping_address: Set(address),
        shipping_method: Set(method),
        shipping_method_price_cents: Set(method_price),
        fulfillment_status: Set(FulfillmentStatus::Unfulfilled),
        carrier: Set(None),
        tracking_number: Set(None),
        shipped_at: Set(None),
        delivered_at: Set(None),
        created_at: Set(at),
        updated_at: Set(at),
    };
    // Inserted without reading the row back (MySQL would need a second statement).
    let id = order::Entity::insert(order.clone())
        .exec(txn)
        .await?
        .last_insert_id;
    let order = order::ActiveModel {
        id: Set(id),
        ..order
    }
    .try_into_model()?;
    let items: Vec<ItemJson> = rows
        .into_iter()
        .map(
            |(product_id, name, unit_price_cents, quantity, line_total_cents)| ItemJson {
                product_id,
                name,
                unit_price_cents,
                quantity,
                line_total_cents,
            },
        )
        .collect();
    let rows = items.iter().map(|item| order_item::ActiveModel {
        id: NotSet,
        order_id: Set(order.id),
        product_id: Set(item.product_id),
        name: Set(item.name.clone()),
        unit_price_cents: Set(item.unit_price_cents),
        quantity: Set(item.quantity),
        line_total_cents: Set(item.line_total_cents),
    });
    order_item::Entity::insert_many(rows)
        .exec_without_returning(txn)
        .await?;
    Ok((order, items))
}

/// The order's columns for `shipment`: the address copy as JSON, the method's name and
/// price.
pub(super) fn shipment_columns(
    shipment: Option<&Shipment>,
) -> Result<(Option<String>, Option<String>, i64), Error> {
    Ok(match shipment {
        Some(s) => (
            Some(serde_json::to_string(&s.address).map_err(|e| Error::internal(e.to_string()))?),
            Some(s.method_name.clone()),
            s.price_cents,
        ),
        None => (None, None, 0),
    })
}

fn too_large() -> Error {
    Error::field("items", "The order total is too large.")
}
