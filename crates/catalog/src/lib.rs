//! The `catalog` app: products with a public JSON list and detail, a staff API to manage
//! them, the catalog pages, and demo data (`project seed`).
//!
//! Other apps use [`models::product`] to read products and [`models::stock`] to reserve
//! and release stock.

use std::sync::Arc;

use async_trait::async_trait;
use web::settings::{Settings, SettingsError};
use web::{App, AppState, Installer, Services, Urls};
use web_i18n::InstallMessages;
use web_media::InstallMedia;
use web_modeladmin::InstallAdmin;
use web_openapi::InstallOpenApi;
use web_schema::InstallSchema;

pub mod admin;
pub mod demo_images;
pub mod errors;
pub mod forms;
pub mod models;
pub mod permissions;
pub mod search_slots;
pub mod seed;
pub mod settings;
pub mod urls;
pub mod views;

pub use models::Product;
pub use urls::{home_urls, urls};

pub struct Catalog;

#[async_trait]
impl App for Catalog {
    fn label(&self) -> &'static str {
        "catalog"
    }

    fn dependencies(&self) -> &'static [&'static str] {
        &["accounts", "media"]
    }

    fn urls(&self) -> Urls {
        urls()
    }

    fn configure(&self, settings: &Settings, services: &mut Services) -> Result<(), SettingsError> {
        let catalog = settings::CatalogSettings::from_settings(settings)?;
        services.insert(search_slots::SearchSlots::new(
            catalog.search_slots(settings),
            std::time::Duration::from_secs(settings.database.acquire_timeout_seconds),
        ));
        services.insert(Arc::new(catalog));
        Ok(())
    }

    fn install(&self, app: &mut Installer) {
        app.messages("en", include_str!("../locales/en.ftl"))
            .messages("de", include_str!("../locales/de.ftl"))
            .entities(models::entities())
            .derived_tables(&["catalog_counts"], Some(models::rebuild_derived))
            .before_load(models::before_load)
            .openapi(<views::api::ApiDoc as web::utoipa::OpenApi>::openapi())
            .admin(admin::ProductAdmin)
            .command(seed::Seed)
            .media_field("product_images", "file")
            .media_field("products", "datasheet");
        for code in permissions::required() {
            app.requires_permission(code);
        }
    }

    /// In development (`catalog.demo_data`), an empty catalog gets the demo products, so
    /// a first `serve` shows a browsable shop.
    async fn ready(&self, state: &AppState) -> anyhow::Result<()> {
        let settings: Arc<settings::CatalogSettings> = state.service()?;
        if settings.demo_data {
            let loaded = seed::demo_if_empty(state.db()).await?;
            if loaded > 0 {
                let media: web_media::MediaStore = state.service()?;
                let skus: Vec<String> = seed::demo_catalog()?.into_iter().map(|p| p.sku).collect();
                demo_images::add_missing(state.db(), &media, &skus).await?;
                tracing::info!(
                    "the catalog was empty: loaded {loaded} demo products (catalog.demo_data is on; APP__CATALOG__DEMO_DATA=false turns it off)"
                );
            }
        }
        Ok(())
    }
}
