//! Signed webhooks from the payment provider.
//!
//! `Payment-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">` (several
//! `v1` are accepted, for secret rotation). The signature is checked in constant time
//! before anything else; a timestamp outside the tolerance is refused too, so a captured
//! request cannot be replayed later. Each event id is applied at most once, and its
//! effects happen in one transaction.

use hmac::{Hmac, KeyInit, Mac};
use sea_orm::{
    ActiveModelTrait, ActiveValue::NotSet, ColumnTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, QuerySelect, Set,
};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use web::db::{is_unique_violation, now, write_transaction};
use web::{Error, FieldErrors, SiteUrl};

use crate::models::{OrderStatus, PaymentStatus, order, payment, webhook_event};
use crate::orders::Reservations;
use crate::orders::expire_locked;
use crate::orders::{mark_paid, refund_payments, release_stock};

fn bad_signature(message: &'static str) -> Error {
    Error::new(http::StatusCode::BAD_REQUEST, "invalid_signature", message)
}

/// Checks the `Payment-Signature` header of `body` at time `now` (unix seconds).
pub fn verify_signature(
    header: Option<&str>,
    body: &[u8],
    secret: &str,
    tolerance_seconds: i64,
    now: i64,
) -> Result<(), Error> {
    let header = header.ok_or_else(|| bad_signature("The Payment-Signature header is missing."))?;
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", v)) => timestamp = Some(v),
            Some(("v1", v)) => signatures.push(v),
            _ => {}
        }
    }
    let t = timestamp
        .filter(|t| !t.is_empty() && t.len() <= 12 && t.bytes().all(|b| b.is_ascii_digit()));
    let (Some(t), false) = (t, signatures.is_empty()) else {
        return Err(bad_signature("The Payment-Signature header is malformed."));
    };
    let at: i64 = t
        .parse()
        .map_err(|_| bad_signature("The Payment-Signature header is malformed."))?;
    if (now - at).abs() > tolerance_seconds {
        return Err(bad_signature(
            "The Payment-Signature timestamp is outside the tolerance window.",
        ));
    }
    let valid = signatures.iter().any(|sig| {
        let Ok(expected) = hex::decode(sig) else {
            return false;
        };
        let mut mac =
            Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
        mac.update(t.as_bytes());
        mac.update(b".");
        mac.update(body);
        mac.verify_slice(&expected).is_ok()
    });
    if valid {
        Ok(())
    } else {
        Err(bad_signature("The Payment-Signature does not match."))
    }
}

/// The event types the store handles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, utoipa::ToSchema)]
pub enum EventType {
    #[serde(rename = "payment.succeeded")]
    PaymentSucceeded,
    #[serde(rename = "payment.failed")]
    PaymentFailed,
    #[serde(rename = "charge.refunded")]
    ChargeRefunded,
}

impl EventType {
    fn as_str(self) -> &'static str {
        match self {
            EventType::PaymentSucceeded => "payment.succeeded",
            EventType::PaymentFailed => "payment.failed",
            EventType::ChargeRefunded => "charge.refunded",
        }
    }
}

/// A validated event.
#[derive(Debug, Clone)]
pub struct Event {
    pub id: String,
    pub kind: EventType,
    pub order_id: i64,
    pub amount_cents: i64,
}

/// A provider event: `{"id": "evt_…", "type": …, "data": {"order_id", "amount_cents"}}`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[schema(as = WebhookEvent)]
pub struct EventInput {
    /// The provider's event id; an id seen before is a `duplicate`.
    #[schema(required = true, value_type = String, min_length = 1, max_length = 255, example = "evt_1")]
    id: Option<String>,
    #[serde(rename = "type")]
    #[schema(required = true, value_type = EventType)]
    kind: Option<serde_json::Value>,
    #[schema(required = true, value_type = EventData)]
    data: Option<EventData>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
struct EventData {
    #[schema(required = true, value_type = i64, minimum = 1)]
    order_id: Option<i64>,
    #[schema(required = true, value_type = i64, minimum = 0)]
    amount_cents: Option<i64>,
}

impl EventInput {
    pub fn validate(self) -> Result<Event, FieldErrors> {
        let mut errors = FieldErrors::new();
        let mut fail =
            |f: &str, m: &str| errors.entry(f.to_string()).or_default().push(m.to_string());
        let id = self.id.filter(|id| !id.is_empty() && id.len() <= 255);
        if id.is_none() {
            fail(
                "id",
                "Must be a non-empty string of at most 255 characters.",
            );
        }
        let kind = self
            .kind
            .and_then(|k| serde_json::from_value::<EventType>(k).ok());
        if kind.is_none() {
            fail(
                "type",
                "Must be one of payment.succeeded, payment.failed, charge.refunded.",
            );
        }
        let (order_id, amount) = match self.data {
            Some(d) => (d.order_id, d.amount_cents),
            None => {
                fail("data", "Must be an object with order_id and amount_cents.");
                (None, None)
            }
        };
        let order_id = order_id.filter(|id| *id > 0);
        let amount = amount.filter(|a| *a >= 0);
        if order_id.is_none() {
            fail("data.order_id", "Must be a positive integer.");
        }
        if amount.is_none() {
            fail("data.amount_cents", "Must be a non-negative integer.");
        }
        match (id, kind, order_id, amount) {
            (Some(id), Some(kind), Some(order_id), Some(amount_cents)) if errors.is_empty() => {
                Ok(Event {
                    id,
                    kind,
                    order_id,
                    amount_cents,
                })
            }
            _ => Err(errors),
        }
    }
}

/// Deletes handled events received longer than `retention` ago (`project cleanup`); a
/// provider has stopped redelivering them by then.
pub async fn forget_old_events(
    db: &DatabaseConnection,
    retention: time::Duration,
) -> Result<u64, DbErr> {
    let result = webhook_event::Entity::delete_many()
        .filter(webhook_event::Column::ReceivedAt.lte(now() - retention))
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}

/// The body of every `200`: `{"status": "processed" | "ignored_…" | "duplicate", "id": …}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct WebhookOutcome {
    /// `processed`, `duplicate` or `ignored_…` (why it could not apply).
    #[schema(example = "processed")]
    pub status: String,
    pub id: String,
}

const DUPLICATE: &str = "duplicate";

/// Applies an event once: a known event id is a `duplicate` with no second effect; an
/// event that cannot apply is recorded and `ignored_…`.
pub async fn handle(
    db: &DatabaseConnection,
    rules: Reservations,
    site: &SiteUrl,
    event: Event,
) -> Result<WebhookOutcome, Error> {
    let seen = webhook_event::Entity::find()
        .filter(webhook_event::Column::EventId.eq(&event.id))
        .select_only()
        .column(webhook_event::Column::Id)
        .into_tuple::<i64>()
        .one(db)
        .await?;
    if seen.is_some() {
        return Ok(WebhookOutcome {
            status: DUPLICATE.into(),
            id: event.id,
        });
    }
    let outcome = write_transaction(db, |txn| {
        let (event, site) = (event.clone(), site.clone());
        Box::pin(async move {
            // Claim the event id first: a concurrent delivery of the same event waits on
            // the unique index and then counts as a duplicate.
            let claim = webhook_event::ActiveModel {
                id: NotSet,
                event_id: Set(event.id.clone()),
                event_type: Set(event.kind.as_str().to_string()),
                outcome: Set("processing".into()),
                received_at: Set(now()),
            };
            let claimed = match claim.insert(txn).await {
                Ok(row) => row,
                Err(e) if is_unique_violation(&e) => return Ok(DUPLICATE.to_string()),
                Err(e) => return Err(e.into()),
            };
            let outcome = apply(txn, rules, &site, &event).await?;
            let mut row: webhook_event::ActiveModel = claimed.into();
            row.outcome = Set(outcome.to_string());
            row.update(txn).await?;
            Ok(outcome.to_string())
        })
    })
    .await?;
    Ok(WebhookOutcome {
        status: outcome,
        id: event.id,
    })
}

async fn apply(
    txn: &sea_orm::DatabaseTransaction,
    rules: Reservations,
    site: &SiteUrl,
    event: &Event,
) -> Result<&'static str, Error> {
    let Some(order) = order::Entity::find_by_id(event.order_id)
        .lock_exclusive()
        .one(txn)
        .await?
    else {
        return Ok("ignored_unknown_order");
    };
    if event.amount_cents != order.total_cents {
        return Ok("ignored_amount_mismatch");
    }
    let record = |status: PaymentStatus| payment::ActiveModel {
        id: NotSet,
        order_id: Set(order.id),
        status: Set(status),
        amount_cents: Set(event.amount_cents),
        provider: Set("webhook".into()),
        gateway_reference: Set(event.id.clone()),
        user_id: Set(None),
        idempotency_key: Set(None),
        response_status: Set(None),
        response_body: Set(None),
        created_at: Set(now()),
    };
    match event.kind {
        EventType::PaymentSucceeded if rules.is_expired(&order, now()) => {
            // The stock went back when the order expired: the provider took money for an
            // order that no longer holds it. Not applied; the operator refunds it.
            expire_locked(txn, order.id).await?;
            tracing::warn!(
                request_id = %web::middleware::current_request_id(),
                order_id = order.id,
                event_id = %event.id,
                "payment.succeeded for an expired order was ignored; refund it at the provider"
            );
            return Ok("ignored_expired");
        }
        EventType::PaymentSucceeded => {
            if !mark_paid(txn, order.id, site).await? {
                return Ok("ignored_invalid_state");
            }
            record(PaymentStatus::Succeeded).insert(txn).await?;
        }
        EventType::PaymentFailed => {
            if order.status != OrderStatus::Pending {
                return Ok("ignored_invalid_state");
            }
            record(PaymentStatus::Failed).insert(txn).await?;
        }
        EventType::ChargeRefunded => {
            if !order::transition(txn, order.id, OrderStatus::Paid, OrderStatus::Refunded).await? {
                return Ok("ignored_invalid_state");
            }
            // The provider already refunded: record it, without asking it again.
            refund_payments(txn, None, order.id).await?;
            release_stock(txn, order.id).await?;
        }
    }
    Ok("processed")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sign(secret: &str, t: i64, body: &str) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
        mac.update(format!("{t}.{body}").as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    #[test]
    fn signatures() {
        let (secret, body, t) = ("whsec", r#"{"id":"evt_1"}"#, 1_800_000_000);
        let good = format!("t={t},v1={}", sign(secret, t, body));
        assert!(verify_signature(Some(&good), body.as_bytes(), secret, 300, t + 10).is_ok());
        let rotated = format!("t={t},v1=00,v1={}", sign(secret, t, body));
        assert!(verify_signature(Some(&rotated), body.as_bytes(), secret, 300, t).is_ok());
        assert!(
            verify_signature(Some(&good), body.as_bytes(), secret, 300, t + 301).is_err(),
            "stale"
        );
        assert!(
            verify_signature(Some(&good), body.as_bytes(), secret, 300, t - 301).is_err(),
            "from the future"
        );
        assert!(
            verify_signature(Some(&good), b"{}", secret, 300, t).is_err(),
            "other body"
        );
        assert!(
            verify_signature(Some(&good), body.as_bytes(), "other", 300, t).is_err(),
            "other secret"
        );
        for bad in ["", "t=abc,v1=00", "v1=00", &format!("t={t}"), "garbage"] {
            assert!(
                verify_signature(Some(bad), body.as_bytes(), secret, 300, t).is_err(),
                "{bad}"
            );
        }
        assert!(verify_signature(None, body.as_bytes(), secret, 300, t).is_err());
    }
}
