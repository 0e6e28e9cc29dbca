//! A cart, whoever holds it: a signed-in user's lines are rows of `cart_items`, a
//! visitor's are kept in their session (and move to the user's cart when they sign in).
//! Prices are never stored: a cart shows each product's current price until checkout.

use std::collections::HashMap;

use catalog::models::product;
use payments::orders::{Line, MAX_QUANTITY};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, EntityTrait,
    QueryFilter, QuerySelect, TransactionTrait,
};
use serde::{Deserialize, Serialize};
use tower_sessions::Session;
use web::Error;
use web::db::TransactionWork;

use crate::errors::CartError;
use crate::models::cart_item;

/// The session key of a visitor's lines.
const SESSION_KEY: &str = "cart";
/// An empty cart's currency (the contract's).
pub const DEFAULT_CURRENCY: &str = "USD";

/// Whose cart.
#[derive(Clone)]
pub enum Cart {
    User(i64),
    Visitor(Session),
}

/// A line as a visitor's session stores it.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
struct StoredLine {
    product_id: i64,
    quantity: i32,
}

impl From<StoredLine> for Line {
    fn from(l: StoredLine) -> Line {
        Line {
            product_id: l.product_id,
            quantity: l.quantity,
        }
    }
}

/// The cart's lines with their products as they are now.
pub struct Contents {
    /// In the order they were added; lines whose product was deleted are left out.
    pub lines: Vec<(Line, product::Model)>,
}

/// The contract's cart JSON.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = Cart)]
pub struct CartJson {
    pub items: Vec<CartItemJson>,
    pub total_cents: i64,
    #[schema(example = "USD")]
    pub currency: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = CartItem)]
pub struct CartItemJson {
    pub product_id: i64,
    pub name: String,
    /// The product's current price.
    pub unit_price_cents: i64,
    pub quantity: i32,
    pub line_total_cents: i64,
}

impl Contents {
    /// The currency of the cart: its first line's product's, `USD` when empty.
    pub fn currency(&self) -> &str {
        self.lines
            .first()
            .map(|(_, p)| p.currency.as_str())
            .unwrap_or(DEFAULT_CURRENCY)
    }

    /// The parcel's weight: the lines that need shipping (grams).
    pub fn shipped_weight_grams(&self) -> i64 {
        payments::shipping::shipped_weight_grams(self.lines.iter().map(|(l, p)| {
            payments::shipping::ParcelLine {
                weight_grams: p.weight_grams,
                requires_shipping: p.requires_shipping,
                quantity: l.quantity,
            }
        }))
    }

    /// Whether a line needs shipping.
    pub fn ships(&self) -> bool {
        self.lines.iter().any(|(_, p)| p.requires_shipping)
    }

    pub fn total_cents(&self) -> i64 {
        self.lines
            .iter()
            .map(|(l, p)| line_total(p.price_cents, l.quantity))
            .fold(0, i64::saturating_add)
    }

    pub fn json(&self) -> CartJson {
        CartJson {
            items: self
                .lines
                .iter()
                .map(|(line, p)| CartItemJson {
                    product_id: p.id,
                    name: p.name.clone(),
                    unit_price_cents: p.price_cents,
                    quantity: line.quantity,
                    line_total_cents: line_total(p.price_cents, line.quantity),
                })
                .collect(),
            total_cents: self.total_cents(),
            currency: self.currency().to_string(),
        }
    }
}

pub(crate) fn line_total(price_cents: i64, quantity: i32) -> i64 {
    price_cents.saturating_mul(i64::from(quantity))
}

impl Cart {
    /// The lines, in the order they were added.
    pub async fn lines<C: ConnectionTrait>(&self, db: &C) -> Result<Vec<Line>, Error> {
        Ok(match self {
            Cart::User(user_id) => cart_item::of_user(db, *user_id)
                .await?
                .iter()
                .map(cart_item::Model::line)
                .collect(),
            Cart::Visitor(session) => visitor_lines(session).await?,
        })
    }

    /// The lines with their products, current prices.
    pub async fn contents<C: ConnectionTrait>(&self, db: &C) -> Result<Contents, Error> {
        let lines = self.lines(db).await?;
        Ok(Contents {
            lines: with_products(db, lines).await?,
        })
    }

    /// Sets the quantity of a product: 0 removes it (whatever the product is now); 1 to
    /// 1000 needs an active product in the cart's currency. Stock is not checked here.
    pub async fn set_quantity(
        &self,
        db: &DatabaseConnection,
        product_id: i64,
        quantity: i32,
    ) -> Result<(), CartError> {
        if !(0..=MAX_QUANTITY).contains(&quantity) {
            return Err(CartError::BadQuantity);
        }
        if quantity == 0 {
            return Ok(self.remove(db, product_id).await?);
        }
        self.change(db, move |cart, conn| {
            Box::pin(async move {
                cart.check_addable(conn, product_id).await?;
                Ok(cart.write(conn, product_id, quantity).await?)
            })
        })
        .await
    }

    /// Adds `quantity` units of a product (the product page's "Add to cart"), capped at
    /// 1000 per line; returns the line's new quantity.
    pub async fn add(
        &self,
        db: &DatabaseConnection,
        product_id: i64,
        quantity: i32,
    ) -> Result<i32, CartError> {
        if !(1..=MAX_QUANTITY).contains(&quantity) {
            return Err(CartError::BadQuantity);
        }
        self.change(db, move |cart, conn| {
            Box::pin(async move {
                let contents = cart.check_addable(conn, product_id).await?;
                let held = contents
                    .lines
                    .iter()
                    .find(|(l, _)| l.product_id == product_id)
                    .map_or(0, |(l, _)| l.quantity);
                let total = (held + quantity).min(MAX_QUANTITY);
                cart.write(conn, product_id, total).await?;
                Ok(total)
            })
        })
        .await
    }

    /// Runs a read-check-write of the cart so that concurrent changes of one cart happen
    /// one after the other: a user's in one transaction that first locks the user's row
    /// (two adds both count; two products in different currencies can't both get in); a
    /// visitor's session is changed by one request at a time already
    /// (`web_sessions::store::one_writer_per_session`).
    async fn change<T: Send>(
        &self,
        db: &DatabaseConnection,
        work: impl for<'c> Fn(&'c Cart, &'c DatabaseTransaction) -> TransactionWork<'c, T, CartError>,
    ) -> Result<T, CartError> {
        let txn = match self {
            Cart::User(user_id) => {
                let txn = web::db::begin_write(db).await?;
                accounts::models::user::Entity::find_by_id(*user_id)
                    .lock_exclusive()
                    .one(&txn)
                    .await?;
                txn
            }
            Cart::Visitor(_) => db.begin().await?,
        };
        match work(self, &txn).await {
            Ok(value) => {
                txn.commit().await?;
                Ok(value)
            }
            Err(e) => {
                // At once: a dropped transaction rolls back only when its connection is
                // next used, holding the user's row lock until then.
                let _ = txn.rollback().await;
                Err(e)
            }
        }
    }

    pub async fn remove(&self, db: &DatabaseConnection, product_id: i64) -> Result<(), Error> {
        match self {
            Cart::User(user_id) => Ok(cart_item::remove(db, *user_id, product_id).await?),
            Cart::Visitor(session) => {
                let mut lines = stored_lines(session).await?;
                lines.retain(|l| l.product_id != product_id);
                store_lines(session, lines).await
            }
        }
    }

    /// A product may go in if it is active and priced in the currency of the cart's other
    /// lines (a cart holds one currency). Returns the cart's contents as they are.
    async fn check_addable<C: ConnectionTrait>(
        &self,
        db: &C,
        product_id: i64,
    ) -> Result<Contents, CartError> {
        let product = product::Entity::find_by_id(product_id)
            .filter(product::Column::IsActive.eq(true))
            .one(db)
            .await?
            .ok_or(CartError::UnknownProduct(product_id))?;
        let contents = self.contents(db).await?;
        let other_currency = contents
            .lines
            .iter()
            .find(|(l, _)| l.product_id != product_id)
            .map(|(_, p)| p.currency.as_str())
            .filter(|currency| *currency != product.currency);
        if let Some(cart) = other_currency {
            return Err(CartError::OtherCurrency {
                product_id,
                cart: cart.to_string(),
                product: product.currency,
            });
        }
        Ok(contents)
    }

    async fn write<C: ConnectionTrait>(
        &self,
        db: &C,
        product_id: i64,
        quantity: i32,
    ) -> Result<(), Error> {
        match self {
            Cart::User(user_id) => Ok(cart_item::set(db, *user_id, product_id, quantity).await?),
            Cart::Visitor(session) => {
                let mut lines = stored_lines(session).await?;
                match lines.iter_mut().find(|l| l.product_id == product_id) {
                    Some(line) => line.quantity = quantity,
                    None => lines.push(StoredLine {
                        product_id,
                        quantity,
                    }),
                }
                store_lines(session, lines).await
            }
        }
    }
}

/// Pairs lines with their products (one query), dropping lines of deleted products.
pub(crate) async fn with_products<C: ConnectionTrait>(
    db: &C,
    lines: Vec<Line>,
) -> Result<Vec<(Line, product::Model)>, Error> {
    if lines.is_empty() {
        return Ok(Vec::new());
    }
    let mut products: HashMap<i64, product::Model> = product::Entity::find()
        .filter(product::Column::Id.is_in(lines.iter().map(|l| l.product_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    Ok(lines
        .into_iter()
        .filter_map(|l| products.remove(&l.product_id).map(|p| (l, p)))
        .collect())
}

async fn stored_lines(session: &Session) -> Result<Vec<StoredLine>, Error> {
    Ok(session
        .get::<Vec<StoredLine>>(SESSION_KEY)
        .await
        .map_err(Error::internal)?
        .unwrap_or_default())
}

async fn store_lines(session: &Session, lines: Vec<StoredLine>) -> Result<(), Error> {
    if lines.is_empty() {
        session
            .remove::<Vec<StoredLine>>(SESSION_KEY)
            .await
            .map_err(Error::internal)?;
    } else {
        session
            .insert(SESSION_KEY, lines)
            .await
            .map_err(Error::internal)?;
    }
    Ok(())
}

/// A visitor's lines, as the session holds them.
pub(crate) async fn visitor_lines(session: &Session) -> Result<Vec<Line>, Error> {
    Ok(stored_lines(session)
        .await?
        .into_iter()
        .map(Line::from)
        .collect())
}

/// Empties a visitor's cart (its lines joined a user's).
pub(crate) async fn clear_visitor(session: &Session) -> Result<(), Error> {
    store_lines(session, Vec::new()).await
}

/// The visitor's units, without touching the database (the header of a visitor's page).
pub(crate) async fn visitor_units(session: &Session) -> Result<i64, Error> {
    Ok(stored_lines(session)
        .await?
        .iter()
        .map(|l| i64::from(l.quantity))
        .sum())
}
