//! The payments app's background tasks.

use std::sync::Arc;

use sea_orm::EntityTrait;
use serde::{Deserialize, Serialize};
use web::state::AppState;
use web::{SiteUrl, context};
use web_jobs::Task;
use web_mail::{Email, Mailer};

use crate::expiry;
use crate::models::order;
use crate::orders::with_details;
use crate::settings::PaymentsSettings;

/// Expires the unpaid orders past `payments.pending_order_ttl_seconds`, releasing their
/// stock (once a minute; `project cleanup` does it too).
pub struct ExpireOrders;

impl Task for ExpireOrders {
    const NAME: &'static str = "payments.expire_orders";
    type Payload = ();

    async fn run(state: &AppState, _: ()) -> anyhow::Result<()> {
        let settings: Arc<PaymentsSettings> = state.service()?;
        let expired = expiry::expire_overdue(state.db(), settings.reservations()).await?;
        if expired > 0 {
            tracing::info!(expired, "unpaid orders expired (stock released)");
        }
        Ok(())
    }
}

/// Emails the buyer that an order is paid: its lines, total and a link to its page
/// (HTML and text). Queued in the transaction that marks the order paid, whichever way
/// it was paid (the API, the pay form, a webhook).
pub struct SendOrderConfirmation;

#[derive(Debug, Serialize, Deserialize)]
pub struct OrderConfirmationMail {
    pub order_id: i64,
    /// The site the link points at (see [`SiteUrl::in_job`]).
    pub site: SiteUrl,
}

impl Task for SendOrderConfirmation {
    const NAME: &'static str = "payments.send_order_confirmation";
    const QUEUE: &'static str = "email";
    type Payload = OrderConfirmationMail;

    async fn run(state: &AppState, mail: OrderConfirmationMail) -> anyhow::Result<()> {
        let mailer: Mailer = state.service()?;
        let Some(order) = order::Entity::find_by_id(mail.order_id)
            .one(state.db())
            .await?
        else {
            // Deleted since (its user was): nobody to write to.
            return Ok(());
        };
        let Some(buyer) = accounts::models::user::find_by_id(state.db(), order.user_id).await?
        else {
            return Ok(());
        };
        let order = with_details(state.db(), vec![order])
            .await?
            .pop()
            .ok_or_else(|| anyhow::anyhow!("order {} vanished", mail.order_id))?;
        let path = state
            .reverser()
            .reverse("payments:order_detail", &[("id", &order.id)])?;
        let link = mail.site.in_job(state.settings()).absolute(&path);
        let email = Email::render(
            state.templates(),
            &buyer.email,
            format!("Order #{} is paid", order.id),
            "payments/email/order_confirmation",
            context! { order, link },
        )?;
        mailer.send(&email).await
    }
}
