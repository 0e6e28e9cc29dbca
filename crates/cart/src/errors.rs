//! What a cart refuses, as types; each answers `422` naming the field.

use payments::orders::MAX_QUANTITY;

#[derive(Debug, thiserror::Error)]
pub enum CartError {
    #[error("Unknown or inactive product: {0}.")]
    UnknownProduct(i64),
    #[error(
        "This cart is in {cart}; product {product_id} is priced in {product}. Check out or empty the cart first."
    )]
    OtherCurrency {
        product_id: i64,
        cart: String,
        product: String,
    },
    #[error("Must be a whole number from 0 to {MAX_QUANTITY}.")]
    BadQuantity,
    #[error("The cart is empty.")]
    Empty,
    /// The database, the session store, or a refusal of the order itself (out of stock,
    /// too many pending orders), passed on as it is.
    #[error(transparent)]
    Other(#[from] web::Error),
}

impl From<sea_orm::DbErr> for CartError {
    fn from(e: sea_orm::DbErr) -> Self {
        CartError::Other(e.into())
    }
}

impl web::db::TransactionError for CartError {
    fn is_retryable(&self) -> bool {
        matches!(self, CartError::Other(e) if e.is_retryable())
    }
}

impl From<CartError> for web::Error {
    fn from(e: CartError) -> Self {
        let field = match e {
            CartError::Other(inner) => return inner,
            CartError::UnknownProduct(_) | CartError::OtherCurrency { .. } => "product_id",
            CartError::BadQuantity => "quantity",
            CartError::Empty => "items",
        };
        web::Error::field(field, e.to_string())
    }
}
