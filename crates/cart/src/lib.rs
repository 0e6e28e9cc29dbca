//! The `cart` app: a shopping cart per session for visitors and per user once signed in,
//! merged on login and registration, and checked out into one order.
//!
//! Its own crate rather than part of `payments`: the cart is a shopping concern with its
//! own table, pages and API, and it uses the orders only through `payments`' public API
//! (`orders::create_within`), as any app would; `payments` knows nothing about carts.

use std::sync::Arc;

use web::settings::{Settings, SettingsError};
use web::{App, ContextProcessor, Services, Urls};

pub mod cart;
pub mod checkout;
pub mod errors;
pub mod extract;
pub mod forms;
pub mod merge;
pub mod models;
pub mod urls;
pub mod views;

pub use cart::{Cart, CartJson};
pub use urls::urls;

pub struct CartApp;

#[async_trait::async_trait]
impl App for CartApp {
    fn label(&self) -> &'static str {
        "cart"
    }

    fn entities(&self) -> Vec<web::schema::EntitySchema> {
        models::entities()
    }

    fn dependencies(&self) -> &'static [&'static str] {
        &["accounts", "catalog", "payments"]
    }

    fn urls(&self) -> Urls {
        urls()
    }

    fn openapi(&self) -> Option<web::utoipa::openapi::OpenApi> {
        Some(<views::api::ApiDoc as web::utoipa::OpenApi>::openapi())
    }

    fn context_processors(&self) -> Vec<Arc<dyn ContextProcessor>> {
        vec![Arc::new(extract::CartContext)]
    }

    fn configure(&self, _: &Settings, services: &mut Services) -> Result<(), SettingsError> {
        services
            .get_or_insert_default::<accounts::signals::LoginReceivers>()
            .connect(Arc::new(merge::MergeVisitorCart));
        Ok(())
    }
}
