//! A visitor's cart joins the user's when they sign in or register on that session
//! (connected to accounts' login signal): quantities of a product in both are added,
//! capped at 1000.

use std::collections::HashMap;

use accounts::User;
use accounts::signals::LoginReceiver;
use async_trait::async_trait;
use payments::orders::{Line, MAX_QUANTITY};
use sea_orm::DatabaseConnection;
use tower_sessions::Session;
use web::Error;
use web::db::write_transaction;

use crate::cart::{clear_visitor, visitor_lines, with_products};
use crate::models::cart_item;

pub struct MergeVisitorCart;

#[async_trait]
impl LoginReceiver for MergeVisitorCart {
    async fn user_logged_in(
        &self,
        db: &DatabaseConnection,
        session: &Session,
        user: &User,
    ) -> Result<(), Error> {
        let visitor = visitor_lines(session).await?;
        if !visitor.is_empty() {
            merge(db, user.id, visitor).await?;
            // Only once merged: a failed merge leaves the lines to the next login.
            clear_visitor(session).await?;
        }
        Ok(())
    }
}

/// Adds `visitor`'s lines to the user's cart in one transaction. Lines whose product is
/// gone or inactive, or priced in another currency than the user's cart, are dropped.
pub async fn merge(db: &DatabaseConnection, user_id: i64, visitor: Vec<Line>) -> Result<(), Error> {
    write_transaction(db, |txn| {
        let visitor = visitor.clone();
        Box::pin(async move {
            let held = cart_item::of_user(txn, user_id).await?;
            let mut quantities: HashMap<i64, i32> =
                held.iter().map(|r| (r.product_id, r.quantity)).collect();
            let held_lines = held.iter().map(cart_item::Model::line).collect();
            let mut currency = with_products(txn, held_lines)
                .await?
                .first()
                .map(|(_, p)| p.currency.clone());
            for (line, product) in with_products(txn, visitor).await? {
                let same_currency = currency.as_ref().is_none_or(|c| *c == product.currency);
                if !product.is_active || !same_currency {
                    tracing::info!(
                        user_id,
                        product_id = product.id,
                        "a visitor's cart line was not merged (inactive or another currency)"
                    );
                    continue;
                }
                currency.get_or_insert(product.currency.clone());
                let quantity = quantities.entry(product.id).or_default();
                *quantity = (*quantity + line.quantity).min(MAX_QUANTITY);
                cart_item::set(txn, user_id, product.id, *quantity).await?;
            }
            Ok(())
        })
    })
    .await
}
