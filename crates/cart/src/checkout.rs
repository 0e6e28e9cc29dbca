//! Checkout: the user's cart becomes one pending order, and the cart empties, in one
//! transaction: a refused order (out of stock, too many pending orders, an inactive
//! product) leaves the cart and the stock as they were.

use payments::orders::{self, Line, NewOrder, OrderJson};
use payments::orders::{Pricing, Reservations, ShippingNeed, ShippingRequest};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use web::db::write_transaction_as;

use crate::errors::CartError;
use crate::models::cart_item;

/// Checks out `user_id`'s cart, shipping as `shipping` chooses (required when a line
/// needs shipping and the shop ships: `422` naming the missing field).
pub async fn checkout(
    db: &DatabaseConnection,
    rules: Reservations,
    pricing: &Pricing,
    user_id: i64,
    shipping: ShippingRequest,
) -> Result<OrderJson, CartError> {
    let order = write_transaction_as(db, |txn| {
        let pricing = pricing.clone();
        Box::pin(async move {
            // Locked: a second checkout of this cart waits here, then finds it empty.
            let lines: Vec<Line> = cart_item::Entity::find()
                .filter(cart_item::Column::UserId.eq(user_id))
                .order_by_asc(cart_item::Column::Id)
                .lock_exclusive()
                .all(txn)
                .await?
                .iter()
                .map(cart_item::Model::line)
                .collect();
            if lines.is_empty() {
                return Err(CartError::Empty);
            }
            let new = NewOrder {
                user_id,
                lines,
                shipping,
                need: ShippingNeed::AtCheckout,
            };
            let order = orders::create_within(txn, rules, &pricing, &new).await?;
            cart_item::clear(txn, user_id).await?;
            Ok(order)
        })
    })
    .await?;
    Ok(orders::details(db, order).await?)
}
