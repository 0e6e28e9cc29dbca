//! The `[payments]` settings section.

use serde::Deserialize;
use web::settings::{INSECURE_PREFIX, Secret, Settings, SettingsError};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PaymentsSettings {
    /// Shared secret of the provider's webhook signatures.
    pub webhook_secret: Secret,
    /// Which [`crate::gateway::PaymentGateway`] charges cards: `test` is built in.
    pub gateway: String,
    /// Webhooks signed longer ago than this (or this far in the future) are refused.
    pub webhook_tolerance_seconds: i64,
    /// How long a `pay` response is kept for replay under its `Idempotency-Key`.
    pub idempotency_retention_seconds: i64,
    /// How long handled webhook event ids are kept to refuse a second delivery; longer
    /// than the provider keeps retrying an event.
    pub webhook_event_retention_seconds: i64,
    /// How long a pending order holds its stock before it expires.
    pub pending_order_ttl_seconds: i64,
    /// Pending orders one user may hold at once; 0 disables the cap.
    pub max_pending_orders: u64,
    /// Units in one user's pending orders at once, the new order's included; 0 disables.
    #[serde(default = "default_max_pending_units")]
    pub max_pending_units: u64,
    /// Whether product and shipping prices include tax (Europe) or tax comes on top
    /// (the US); see `orders::totals`.
    #[serde(default)]
    pub prices_include_tax: bool,
}

fn default_max_pending_units() -> u64 {
    1000
}

impl PaymentsSettings {
    pub fn from_settings(settings: &Settings) -> Result<Self, SettingsError> {
        let s: PaymentsSettings = settings.app_section("payments")?;
        if s.webhook_secret.expose().is_empty() {
            return Err(SettingsError::new(
                "payments.webhook_secret",
                "is empty; set it to the secret your payment provider gives you",
            ));
        }
        if s.webhook_tolerance_seconds <= 0 {
            return Err(SettingsError::new(
                "payments.webhook_tolerance_seconds",
                "must be greater than 0",
            ));
        }
        if s.idempotency_retention_seconds <= 0 {
            return Err(SettingsError::new(
                "payments.idempotency_retention_seconds",
                "must be greater than 0",
            ));
        }
        if s.pending_order_ttl_seconds <= 0 {
            return Err(SettingsError::new(
                "payments.pending_order_ttl_seconds",
                "must be greater than 0 (seconds an unpaid order holds its stock)",
            ));
        }
        if s.webhook_event_retention_seconds < s.webhook_tolerance_seconds {
            return Err(SettingsError::new(
                "payments.webhook_event_retention_seconds",
                "must be at least payments.webhook_tolerance_seconds (and longer than your provider retries an event, e.g. 2592000 for 30 days)",
            ));
        }
        Ok(s)
    }

    /// The reservation rules of orders.
    pub fn reservations(&self) -> crate::orders::reservations::Reservations {
        crate::orders::reservations::Reservations {
            pending_ttl: time::Duration::seconds(self.pending_order_ttl_seconds),
            max_pending: self.max_pending_orders,
            max_pending_units: self.max_pending_units,
        }
    }

    /// `project check --deploy`: a development webhook secret must not reach production.
    pub fn deploy_problems(&self) -> Vec<String> {
        let secret = self.webhook_secret.expose();
        let mut problems = Vec::new();
        if secret.starts_with(INSECURE_PREFIX) {
            problems.push("payments.webhook_secret is the development default; set APP__PAYMENTS__WEBHOOK_SECRET".into());
        } else if secret.len() < 16 {
            problems.push("payments.webhook_secret is shorter than 16 characters".into());
        }
        problems
    }
}
