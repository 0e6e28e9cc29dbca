//! The orders and payments JSON API.

use std::sync::Arc;

use accounts::{RequireStaff, RequireUser};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use http::{HeaderMap, HeaderValue, StatusCode, header};
use serde::Deserialize;
use web::extract::{JSON_CONTENT_TYPE, parse_json};
use web::{Cache, Db, Dep, Error, Id, Json, PageOf, Pagination, Query};

use crate::forms::{OrderInput, PayInput, clean_card, clean_idempotency_key};
use crate::gateway::Gateway;
use crate::orders::{self, OrderJson, PayResponse};
use crate::settings::PaymentsSettings;
use crate::webhooks::{self, EventInput, WebhookOutcome};

/// `POST /api/orders` → 201 pending order, stock reserved.
pub async fn create(
    Db(db): Db,
    RequireUser(user): RequireUser,
    Json(input): Json<OrderInput>,
) -> Result<(StatusCode, Json<OrderJson>), Error> {
    let lines = input.validate().map_err(Error::validation)?;
    Ok((
        StatusCode::CREATED,
        Json(orders::create(&db, user.id, lines).await?),
    ))
}

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    pub all: Option<String>,
}

/// `GET /api/orders`: the caller's orders, newest first (staff: `?all=true` for everyone's).
pub async fn list(
    cache: Cache,
    Db(db): Db,
    RequireUser(user): RequireUser,
    page: Pagination,
    Query(q): Query<ListQuery>,
) -> Result<Response, Error> {
    let all =
        user.is_staff && matches!(q.all.as_deref().map(str::trim), Some("true" | "1" | "yes"));
    let key = format!("orders:{}:{all}:{}:{}", user.id, page.page, page.per_page);
    cache
        .json(key, || async {
            let (items, total) = orders::list(&db, &user, all, page).await?;
            Ok(PageOf::new(items, page, total))
        })
        .await
}

/// `GET /api/orders/{id}`: own order (staff: any), else 404.
pub async fn detail(
    cache: Cache,
    Db(db): Db,
    RequireUser(user): RequireUser,
    Id(id): Id,
) -> Result<Response, Error> {
    cache
        .json(format!("order:{id}:{}:{}", user.id, user.is_staff), || {
            orders::get(&db, id, &user)
        })
        .await
}

/// `POST /api/orders/{id}/cancel`: only a pending order; its stock comes back.
pub async fn cancel(
    Db(db): Db,
    RequireUser(user): RequireUser,
    Id(id): Id,
) -> Result<Json<OrderJson>, Error> {
    Ok(Json(orders::cancel(&db, id, &user).await?))
}

/// `POST /api/orders/{id}/refund` (staff): only a paid order; its stock comes back.
pub async fn refund(
    Db(db): Db,
    Dep(gateway): Dep<Gateway>,
    RequireStaff(_): RequireStaff,
    Id(id): Id,
) -> Result<Json<OrderJson>, Error> {
    Ok(Json(orders::refund(&db, &gateway, id).await?))
}

fn pay_response(answer: PayResponse) -> Response {
    let mut response = (
        answer.status,
        [(header::CONTENT_TYPE, JSON_CONTENT_TYPE)],
        answer.body,
    )
        .into_response();
    if answer.replayed {
        response
            .headers_mut()
            .insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    response
}

/// `POST /api/orders/{id}/pay` with `Idempotency-Key`: 200 paid, 402 declined; the same
/// key gets the same answer again without a second charge.
pub async fn pay(
    Db(db): Db,
    Dep(gateway): Dep<Gateway>,
    RequireUser(user): RequireUser,
    Id(id): Id,
    headers: HeaderMap,
    Json(input): Json<PayInput>,
) -> Result<Response, Error> {
    let key = clean_idempotency_key(headers.get("idempotency-key").and_then(|v| v.to_str().ok()))
        .map_err(Error::validation)?;
    // A replay answers as the first attempt did, whatever the body says now.
    if let Some(stored) = orders::stored_response(&db, &user, id, &key).await? {
        return Ok(pay_response(stored));
    }
    let card = clean_card(input.card_number.as_deref()).map_err(Error::validation)?;
    Ok(pay_response(
        orders::pay(&db, &gateway, &user, id, &key, &card).await?,
    ))
}

/// `POST /api/payments/webhook`: the signature is checked before anything is parsed.
pub async fn webhook(
    Db(db): Db,
    Dep(settings): Dep<Arc<PaymentsSettings>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<WebhookOutcome>, Error> {
    let signature = headers
        .get("payment-signature")
        .and_then(|v| v.to_str().ok());
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    webhooks::verify_signature(
        signature,
        &body,
        settings.webhook_secret.expose(),
        settings.webhook_tolerance_seconds,
        now,
    )?;
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(';')
                .next()
                .is_some_and(|e| e.trim().eq_ignore_ascii_case("application/json"))
        });
    if !is_json {
        return Err(web::error::unsupported_media_type());
    }
    let event = parse_json::<EventInput>(&body)?
        .validate()
        .map_err(Error::validation)?;
    Ok(Json(webhooks::handle(&db, event).await?))
}
