//! The `payments` app: orders with atomic stock reservation, payment through a gateway
//! with idempotent retries, refunds, and signed provider webhooks.
//!
//! [`orders`] is the app's public API: views and other apps (the admin) change orders only
//! through it, so stock and state rules hold everywhere.

use std::sync::Arc;

use async_trait::async_trait;
use web::settings::{Settings, SettingsError};
use web::{App, AppState, Installer, Services, Urls};
use web_i18n::InstallMessages;
use web_jobs::InstallJobs;
use web_modeladmin::InstallAdmin;
use web_openapi::InstallOpenApi;
use web_schema::InstallSchema;

pub mod admin;
pub mod demo;
pub mod forms;
pub mod gateway;
pub mod models;
pub mod orders;
pub mod permissions;
pub mod settings;
pub mod shipping;
pub mod tasks;
pub mod urls;
pub mod views;
pub mod webhooks;

pub use urls::urls;

pub struct Payments;

#[async_trait]
impl App for Payments {
    fn label(&self) -> &'static str {
        "payments"
    }

    fn dependencies(&self) -> &'static [&'static str] {
        &["accounts", "catalog"]
    }

    fn urls(&self) -> Urls {
        urls()
    }

    fn install(&self, app: &mut Installer) {
        app.messages("en", include_str!("../locales/en.ftl"))
            .messages("de", include_str!("../locales/de.ftl"))
            .entities(models::entities())
            .openapi(<views::api::ApiDoc as web::utoipa::OpenApi>::openapi())
            .admin(admin::OrderAdmin)
            .admin(admin::TaxRateAdmin)
            .permission("refund_order", "Can refund an order")
            .permission("fulfill_order", "Can ship and deliver orders")
            .task::<tasks::SendOrderConfirmation>()
            .task::<tasks::SendShippedNotice>()
            .periodic::<tasks::ExpireOrders>(std::time::Duration::from_secs(60));
        for code in permissions::required() {
            app.requires_permission(code);
        }
    }

    fn configure(&self, settings: &Settings, services: &mut Services) -> Result<(), SettingsError> {
        let payments = settings::PaymentsSettings::from_settings(settings)?;
        let gateway = gateway::by_name(&payments.gateway).ok_or_else(|| {
            SettingsError::new(
                "payments.gateway",
                format!("unknown gateway `{}`; available: test", payments.gateway),
            )
        })?;
        if settings.environment.is_production() && payments.gateway == "test" {
            tracing::warn!("payments.gateway is the test gateway: no real money is charged");
        }
        services.insert::<gateway::Gateway>(gateway);
        services.insert(payments.reservations());
        services.insert(orders::Pricing {
            shipper: shipping::Shipper::of(services.contributions()),
            prices_include_tax: payments.prices_include_tax,
        });
        services.insert(Arc::new(payments));
        Ok(())
    }

    fn check(&self, settings: &Settings, deploy: bool) -> Vec<String> {
        // A settings error is already reported by `configure`.
        match settings::PaymentsSettings::from_settings(settings) {
            Ok(payments) if deploy => payments.deploy_problems(),
            _ => Vec::new(),
        }
    }

    async fn seed_demo(&self, state: &AppState) -> anyhow::Result<Vec<(String, u64)>> {
        Ok(vec![("tax rates".into(), demo::seed(state.db()).await?)])
    }

    async fn cleanup(&self, state: &AppState) -> anyhow::Result<Vec<(String, u64)>> {
        let settings: Arc<settings::PaymentsSettings> = state.service()?;
        let retention = time::Duration::seconds(settings.idempotency_retention_seconds);
        let events = time::Duration::seconds(settings.webhook_event_retention_seconds);
        let reservations = settings.reservations();
        Ok(vec![
            (
                "unpaid orders expired (stock released)".into(),
                orders::expire_overdue(state.db(), reservations).await?,
            ),
            (
                "expired idempotency records cleared".into(),
                orders::expire_idempotency_records(state.db(), retention).await?,
            ),
            (
                "old webhook events deleted".into(),
                webhooks::forget_old_events(state.db(), events).await?,
            ),
        ])
    }
}
