//! The `shipping` app: zones (sets of countries), their methods (a flat price or weight
//! bands, a delivery estimate in days) managed on the admin site, and `GET
//! /api/shipping/methods` for a destination and a parcel (the cart's, by default). Its
//! own crate, as a team adds a feature: the catalog gives weights, the cart the parcel,
//! the address book the destination; none of them knows this app.

use async_trait::async_trait;
use payments::shipping::InstallShipping;
use web::{App, AppState, Installer, Urls};
use web_modeladmin::InstallAdmin;
use web_openapi::InstallOpenApi;
use web_schema::InstallSchema;

pub mod admin;
pub mod demo;
pub mod forms;
pub mod models;
pub mod provider;
pub mod urls;
pub mod views;

pub use urls::urls;

pub struct Shipping;

#[async_trait]
impl App for Shipping {
    fn label(&self) -> &'static str {
        "shipping"
    }

    fn dependencies(&self) -> &'static [&'static str] {
        &["accounts", "addresses", "cart", "payments"]
    }

    fn urls(&self) -> Urls {
        urls()
    }

    /// No pages of its own: its admin and API only.
    fn template_dir(&self) -> Option<&'static str> {
        None
    }

    fn install(&self, app: &mut Installer) {
        app.entities(models::entities())
            .admin(admin::ZoneAdmin)
            .admin(admin::MethodAdmin)
            .shipping_provider(provider::ZoneRates)
            .openapi(<views::api::ApiDoc as web::utoipa::OpenApi>::openapi());
    }

    async fn seed_demo(&self, state: &AppState) -> anyhow::Result<Vec<(String, u64)>> {
        let (zones, methods) = demo::seed(state.db()).await?;
        Ok(vec![
            ("shipping zones".into(), zones),
            ("shipping methods".into(), methods),
        ])
    }
}
