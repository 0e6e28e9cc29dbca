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

/// Why a product image could not be added, changed or removed.
#[derive(Debug, thiserror::Error)]
pub enum ImageError {
    #[error("No product with that id.")]
    ProductNotFound,
    #[error("No image with that id on this product.")]
    NotFound,
    /// A stored upload to add is no longer recorded (removed by `project cleanup`).
    #[error("The uploaded file is no longer stored; upload it again.")]
    FileGone,
    #[error(transparent)]
    Media(#[from] web_media::MediaError),
    #[error(transparent)]
    Db(#[from] DbErr),
}

impl TransactionError for ImageError {
    fn is_retryable(&self) -> bool {
        match self {
            ImageError::Db(e) | ImageError::Media(web_media::MediaError::Db(e)) => {
                web::db::is_retryable(e)
            }
            _ => false,
        }
    }
}

impl From<ImageError> for Error {
    fn from(e: ImageError) -> Error {
        let message = e.to_string();
        match e {
            ImageError::ProductNotFound | ImageError::NotFound => Error::not_found(message),
            ImageError::FileGone => Error::field("file", message),
            ImageError::Media(e) => e.into(),
            ImageError::Db(e) => e.into(),
        }
    }
}
