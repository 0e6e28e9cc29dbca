//! The payments app's background tasks (what each does lives with the orders).

use std::sync::Arc;

use web::state::AppState;
use web_jobs::Task;

pub use crate::orders::confirmation::{OrderConfirmationMail, SendOrderConfirmation};
use crate::orders::expiry;
pub use crate::orders::fulfillment::{SendShippedNotice, ShippedMail};
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
