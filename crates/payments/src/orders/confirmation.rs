//! The order confirmation mail: its payload and the task that sends it, beside the
//! transition that queues it (`super::transitions::mark_paid`).

use sea_orm::EntityTrait;
use serde::{Deserialize, Serialize};
use web::state::AppState;
use web::{SiteUrl, context};
use web_i18n::Language;
use web_jobs::Task;
use web_mail::{Email, Mailer};

use super::json::with_details;
use crate::models::order;

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
        send_order_mail(
            state,
            mail.order_id,
            &mail.site,
            "payments-mail-paid-subject",
            "payments/email/order_confirmation",
        )
        .await
    }
}

/// Emails the buyer of order `order_id` the `template` (`.html` and `.txt`) with the
/// order and a link to its page on `site`, in the buyer's language (the subject is
/// message `subject`, given the order's `id`); nothing when the order or its buyer is
/// gone (deleted since: nobody to write to).
pub(crate) async fn send_order_mail(
    state: &AppState,
    order_id: i64,
    site: &SiteUrl,
    subject: &str,
    template: &str,
) -> anyhow::Result<()> {
    let mailer: Mailer = state.service()?;
    let Some(order) = order::Entity::find_by_id(order_id).one(state.db()).await? else {
        return Ok(());
    };
    let Some(buyer) = accounts::models::user::find_by_id(state.db(), order.user_id).await? else {
        return Ok(());
    };
    let order = with_details(state.db(), vec![order])
        .await?
        .pop()
        .ok_or_else(|| anyhow::anyhow!("order {order_id} vanished"))?;
    let path = state
        .reverser()
        .reverse("payments:order_detail", &[("id", &order.id)])?;
    let link = site.clone().in_job(state.settings()).absolute(&path);
    let language = Language::for_recipient(state, &buyer.language)?;
    let subject = language.t_with(subject, &web_i18n::args([("id", order.id.into())]));
    let email = Email::render(
        state.templates(),
        &buyer.email,
        subject,
        template,
        context! { order, link, ..language.context() },
    )?;
    mailer.send(&email).await
}
