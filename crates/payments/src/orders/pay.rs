//! Paying: the idempotency key claimed before the gateway is called, the first answer
//! stored and replayed byte for byte.

use std::collections::BTreeMap;

use accounts::User;
use http::StatusCode;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::NotSet, ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter,
    QuerySelect, Set, TryIntoModel,
};
use web::db::{TransactionError, is_unique_violation, now, write_transaction_as};

use web::{Error, SiteUrl};

use super::reservations::Reservations;
use crate::gateway::{ChargeRequest, Gateway};
use crate::models::{OrderStatus, PaymentStatus, order, payment};

use super::json::details_of;
use super::json::{PaidJson, PaymentJson};
use super::scope::{invalid_state, not_found};
use super::transitions::{expire_if_overdue, mark_paid};

impl PaymentStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            PaymentStatus::Processing => "processing",
            PaymentStatus::Succeeded => "succeeded",
            PaymentStatus::Failed => "failed",
            PaymentStatus::Refunded => "refunded",
        }
    }
}

/// A `pay` answer: the status and the exact body to send. A replay sends the stored
/// answer of the first completed attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayResponse {
    pub status: StatusCode,
    pub body: String,
    pub replayed: bool,
}

/// What a stored idempotency record means for a new request on `order_id`.
fn replay(record: &payment::Model, order_id: i64) -> Result<PayResponse, Error> {
    if record.order_id != order_id {
        return Err(Error::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "idempotency_key_reused",
            "This Idempotency-Key was already used for another order.",
        )
        .with_fields(BTreeMap::from([(
            "Idempotency-Key".to_string(),
            vec!["Already used for another order.".to_string()],
        )])));
    }
    let status = record
        .response_status
        .and_then(|s| StatusCode::from_u16(s as u16).ok());
    match (status, &record.response_body) {
        (Some(status), Some(body)) => Ok(PayResponse {
            status,
            body: body.clone(),
            replayed: true,
        }),
        _ => Err(Error::conflict(
            "invalid_state",
            "A payment with this Idempotency-Key is still being processed.",
        )),
    }
}

/// The stored answer for (user, key), if the key was used before.
pub async fn stored_response(
    db: &DatabaseConnection,
    user: &User,
    order_id: i64,
    key: &str,
) -> Result<Option<PayResponse>, Error> {
    match payment::find_by_key(db, user.id, key).await? {
        Some(record) => replay(&record, order_id).map(Some),
        None => Ok(None),
    }
}

/// How [`pay`]'s transaction ends when it does not commit.
#[derive(Debug, thiserror::Error)]
enum PayError {
    /// A concurrent request with the same `Idempotency-Key` claimed it first: the answer
    /// is that request's stored response.
    #[error("a concurrent request claimed the Idempotency-Key first")]
    KeyRace,
    #[error(transparent)]
    Refused(#[from] Error),
}

impl From<sea_orm::DbErr> for PayError {
    fn from(e: sea_orm::DbErr) -> Self {
        PayError::Refused(e.into())
    }
}

impl TransactionError for PayError {
    fn is_retryable(&self) -> bool {
        matches!(self, PayError::Refused(e) if e.is_retryable())
    }
}

/// One request to pay an order.
#[derive(Debug, Clone, Copy)]
pub struct PayAttempt<'a> {
    pub order_id: i64,
    /// The client's `Idempotency-Key`.
    pub key: &'a str,
    /// Digits, Luhn-checked.
    pub card: &'a str,
}

/// Pays the user's own pending order. The gateway's answer (200 with the paid order, or
/// 402 `card_declined` with a failed payment recorded) is stored under (user, `key`) and
/// replayed for the same key; `409 invalid_state` if the order is not pending (not
/// stored, so a corrected request may reuse the key). A paid order's confirmation email
/// is queued in the same transaction, its link built on `site`.
pub async fn pay(
    db: &DatabaseConnection,
    gateway: &Gateway,
    rules: Reservations,
    user: &User,
    site: &SiteUrl,
    attempt: PayAttempt<'_>,
) -> Result<PayResponse, Error> {
    let PayAttempt {
        order_id,
        key,
        card,
    } = attempt;
    if let Some(stored) = stored_response(db, user, order_id, key).await? {
        return Ok(stored);
    }
    let user_id = user.id;
    let outcome = write_transaction_as(db, |txn| {
        let (gateway, key, card, site) = (gateway.clone(), key.to_string(), card.to_string(), site.clone());
        Box::pin(async move {
            // Only the owner pays, staff included: paying is the buyer's act.
            let order = order::Entity::find_by_id(order_id)
                .filter(order::Column::UserId.eq(user_id))
                .lock_exclusive()
                .one(txn)
                .await?
                .ok_or_else(not_found)?;
            if let Some(record) = payment::find_by_key(txn, user_id, &key).await? {
                return Ok(replay(&record, order_id).map(Ok)?);
            }
            if let Some(refusal) = expire_if_overdue(txn, rules, &order, "paid").await? {
                return Ok(Err(refusal));
            }
            if order.status != OrderStatus::Pending {
                return Err(invalid_state(order.status, "paid").into());
            }
            // Claim the key before charging: a concurrent request with the same key (even
            // for another order) waits on the unique index here, then fails, and is
            // answered from this one's stored response.
            let claim = payment::ActiveModel {
                id: NotSet,
                order_id: Set(order_id),
                status: Set(PaymentStatus::Processing),
                amount_cents: Set(order.total_cents),
                provider: Set(gateway.name().to_string()),
                gateway_reference: Set(String::new()),
                user_id: Set(Some(user_id)),
                idempotency_key: Set(Some(key.clone())),
                response_status: Set(None),
                response_body: Set(None),
                created_at: Set(now()),
            };
            // (Not read back: MySQL would need a second statement.)
            let claimed = match payment::Entity::insert(claim.clone()).exec(txn).await {
                Ok(inserted) => payment::ActiveModel { id: Set(inserted.last_insert_id), ..claim }.try_into_model()?,
                Err(e) if is_unique_violation(&e) => return Err(PayError::KeyRace),
                Err(e) => return Err(e.into()),
            };
            let request = ChargeRequest {
                amount_cents: order.total_cents,
                currency: order.currency.clone(),
                card_number: card,
                idempotency_key: format!("{user_id}:{key}"),
            };
            let charged = gateway.charge(&request).await.map_err(|e| {
                tracing::error!(request_id = %web::middleware::current_request_id(), error = %e, order_id, "charge failed at the gateway");
                Error::service_unavailable("The payment provider is unavailable; nothing was charged. Try again with the same Idempotency-Key.")
            })?;
            let status = if charged.succeeded { PaymentStatus::Succeeded } else { PaymentStatus::Failed };
            if charged.succeeded && !mark_paid(txn, order_id, &site).await? {
                return Err(Error::internal("a locked pending order changed state").into());
            }
            let paid = payment::Model { status, ..claimed };
            let (http_status, body) = if charged.succeeded {
                // The order as `mark_paid` left it; its lines and payments (this one's
                // status is written below, in the same statement as the stored answer).
                let order = order::Model { status: OrderStatus::Paid, ..order };
                let mut details = details_of(txn, order).await?;
                for payment in &mut details.payments {
                    if payment.id == paid.id {
                        payment.status = status;
                    }
                }
                let body = PaidJson { order: details, payment: PaymentJson::from(&paid) };
                (StatusCode::OK, serde_json::to_string(&body))
            } else {
                let declined = Error::new(StatusCode::PAYMENT_REQUIRED, "card_declined", "The card was declined.");
                (declined.status(), serde_json::to_string(&declined.body()))
            };
            let body = body.map_err(Error::internal)?;
            // The outcome and the answer to replay, in one statement.
            payment::Entity::update_many()
                .col_expr(payment::Column::Status, Expr::value(status.as_str()))
                .col_expr(payment::Column::GatewayReference, Expr::value(charged.reference))
                .col_expr(payment::Column::ResponseStatus, Expr::value(Some(http_status.as_u16() as i16)))
                .col_expr(payment::Column::ResponseBody, Expr::value(Some(body.clone())))
                .filter(payment::Column::Id.eq(paid.id))
                .exec(txn)
                .await?;
            Ok(Ok(PayResponse { status: http_status, body, replayed: false }))
        })
    })
    .await;
    match outcome {
        Ok(committed) => committed,
        Err(PayError::KeyRace) => stored_response(db, user, order_id, key)
            .await?
            .ok_or_else(|| Error::internal("idempotency record missing after a key race")),
        Err(PayError::Refused(e)) => Err(e),
    }
}

/// Clears idempotency records older than `retention` (`project cleanup`): the payments
/// stay, the stored responses go.
pub async fn expire_idempotency_records(
    db: &DatabaseConnection,
    retention: time::Duration,
) -> Result<u64, DbErr> {
    let result = payment::Entity::update_many()
        .col_expr(payment::Column::UserId, Expr::value(Option::<i64>::None))
        .col_expr(
            payment::Column::IdempotencyKey,
            Expr::value(Option::<String>::None),
        )
        .col_expr(
            payment::Column::ResponseStatus,
            Expr::value(Option::<i16>::None),
        )
        .col_expr(
            payment::Column::ResponseBody,
            Expr::value(Option::<String>::None),
        )
        .filter(payment::Column::IdempotencyKey.is_not_null())
        .filter(payment::Column::CreatedAt.lte(now() - retention))
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}
