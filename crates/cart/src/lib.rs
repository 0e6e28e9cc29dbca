//! The `cart` app: a shopping cart per session for visitors and per user once signed in,
//! merged on login and registration, and checked out into one order.
//!
//! Its own crate rather than part of `payments`: the cart is a shopping concern with its
//! own table, pages and API, and it uses the orders only through `payments`' public API
//! (`orders::create_within`), as any app would; `payments` knows nothing about carts.

use std::sync::Arc;

use web::{App, Installer, Urls};
use web_i18n::InstallMessages;
use web_openapi::InstallOpenApi;
use web_schema::InstallSchema;

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

    fn dependencies(&self) -> &'static [&'static str] {
        &["accounts", "catalog", "payments"]
    }

    fn urls(&self) -> Urls {
        urls()
    }

    fn install(&self, app: &mut Installer) {
        app.messages("en", include_str!("../locales/en.ftl"))
            .messages("de", include_str!("../locales/de.ftl"))
            .entities(models::entities())
            .openapi(<views::api::ApiDoc as web::utoipa::OpenApi>::openapi())
            .context_processor(extract::CartContext)
            .add(accounts::signals::OnLogin(Arc::new(
                merge::MergeVisitorCart,
            )));
    }
}
