//! What the catalog's writes refuse, as types: views turn them into the contract's
//! answers through one `From`, the admin into form errors, by matching the variant.

use sea_orm::DbErr;
use web::Error;
use web::db::TransactionError;

/// Why a product could not be created, changed or deleted.
#[derive(Debug, thiserror::Error)]
pub enum ProductError {
    #[error("A product with that SKU already exists.")]
    SkuTaken,
    /// Every slug tried was taken by concurrent inserts.
    #[error("Could not find a free slug for that name; try again.")]
    NoFreeSlug,
    #[error("No such product.")]
    NotFound,
    #[error(transparent)]
    Db(#[from] DbErr),
}

impl TransactionError for ProductError {
    fn is_retryable(&self) -> bool {
        matches!(self, ProductError::Db(e) if web::db::is_retryable(e))
    }
}

impl From<ProductError> for Error {
    fn from(e: ProductError) -> Error {
        let message = e.to_string();
        match e {
            ProductError::SkuTaken => Error::conflict("sku_taken", message),
            ProductError::NoFreeSlug => Error::conflict("slug_taken", message),
            ProductError::NotFound => Error::not_found(message),
            ProductError::Db(e) => e.into(),
        }
    }
}
