//! The `addresses` app: each user's address book (Django-style: its own app crate, models,
//! views, urls and templates), checked by country (ISO 3166-1 alpha-2; postal codes of
//! US, CA, GB, DE, FR and NL). Orders copy the address they ship to, so this book can
//! change freely.

use web::{App, Installer, Urls};
use web_i18n::InstallMessages;
use web_openapi::InstallOpenApi;
use web_schema::InstallSchema;

pub mod countries;
pub mod forms;
pub mod models;
pub mod urls;
pub mod views;

pub use models::address::{Address, AddressFields};
pub use urls::urls;

pub struct Addresses;

#[async_trait::async_trait]
impl App for Addresses {
    fn label(&self) -> &'static str {
        "addresses"
    }

    fn dependencies(&self) -> &'static [&'static str] {
        &["accounts"]
    }

    fn urls(&self) -> Urls {
        urls()
    }

    fn install(&self, app: &mut Installer) {
        app.messages("en", include_str!("../locales/en.ftl"))
            .messages("de", include_str!("../locales/de.ftl"))
            .entities(models::entities())
            .openapi(<views::api::ApiDoc as web::utoipa::OpenApi>::openapi());
    }
}
