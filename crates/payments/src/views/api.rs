//! The orders and payments JSON API.

use std::sync::Arc;

use accounts::RequireUser;
use accounts::extract::{Perms, RequirePerm};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use http::{HeaderMap, HeaderValue, StatusCode, header};
use serde::Deserialize;
use utoipa::IntoParams;
use web::cursor::{self, Keyset};
use web::error::ErrorBody;
use web::extract::{JSON_CONTENT_TYPE, parse_json};
use web::{Db, Dep, Error, Id, Json, PageOf, Pagination, Query, SiteUrl};
use web_cache::Cache;
use web_openapi::{Forbidden, NotPending};

use crate::forms::{
    OrderInput, PayInput, ShipInput, ShippingInput, clean_card, idempotency_key_header,
};
use crate::gateway::Gateway;
use crate::orders::{self, OrderJson, PaidJson, PayAttempt, PayResponse, Scope};
use crate::orders::{NewOrder, Pricing, Reservations, ShippingNeed};
use crate::permissions::{
    CHANGE_ORDER, FULFILL_ORDER, RefundOrder, VIEW_ORDER, own_or_permitted, refuse_unless,
};
use crate::settings::PaymentsSettings;
use crate::webhooks::{self, EventInput, WebhookOutcome};

/// The payments API's OpenAPI paths, relative to its mount (`/api`).
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(list, create, detail, ship_to, cancel, pay, refund, ship, deliver, webhook),
    tags((name = "payments", description = "Orders, payments and the provider's webhook."))
)]
pub struct ApiDoc;

/// Places an order → 201 pending, its stock reserved.
#[utoipa::path(
    post,
    path = "/orders",
    tag = "payments",
    summary = "Place an order",
    description = "Stock is reserved in the same transaction: if any line can't be met, nothing is reserved. An unpaid order expires after `payments.pending_order_ttl_seconds` and gives its stock back. Unknown or inactive products, and lines in different currencies, are 422. `shipping_address_id` and `shipping_method_id` are optional here (both or neither; a pending order can get them later with `PATCH /api/orders/{id}`); given, they are checked (422 naming the field) and shipping and the destination's tax are added.",
    request_body = OrderInput,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The pending order.", body = OrderJson),
        (status = 409, description = "A line can't be met (`out_of_stock`, naming the product), or the caller already holds `payments.max_pending_orders` unpaid orders or the order would bring their unpaid units over `payments.max_pending_units` (`too_many_pending_orders`).", body = ErrorBody),
    )
)]
pub async fn create(
    db: Db,
    Dep(rules): Dep<Reservations>,
    Dep(pricing): Dep<Pricing>,
    RequireUser(user): RequireUser,
    Json(input): Json<OrderInput>,
) -> Result<(StatusCode, Json<OrderJson>), Error> {
    let (lines, shipping) = input.validate().map_err(Error::validation)?;
    let new = NewOrder {
        user_id: user.id,
        lines,
        shipping,
        need: ShippingNeed::Optional,
    };
    Ok((
        StatusCode::CREATED,
        Json(orders::create(&db, rules, &pricing, new).await?),
    ))
}

/// Chooses where a pending order ships: both fields, totals recomputed.
#[utoipa::path(
    patch,
    path = "/orders/{id}",
    tag = "payments",
    summary = "Choose a pending order's address and shipping method",
    description = "Both fields are required; shipping and the destination's tax are recomputed into the totals. Your own pending order only (with `payments.change_order`: anyone's).",
    params(Id),
    request_body = ShippingInput,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The order with its new address, method and totals.", body = OrderJson),
        (status = 409, description = "The order is not pending (`invalid_state`).", body = ErrorBody),
        (status = 422, description = "A field is missing or names no address of yours (`shipping_address_id`), or no active method serving the address, the order's currency and weight (`shipping_method_id`).", body = ErrorBody),
    )
)]
pub async fn ship_to(
    db: Db,
    Dep(rules): Dep<Reservations>,
    Dep(pricing): Dep<Pricing>,
    RequireUser(user): RequireUser,
    perms: Perms,
    Id(id): Id,
    Json(input): Json<ShippingInput>,
) -> Result<Json<OrderJson>, Error> {
    let request = input.validate().map_err(Error::validation)?;
    let order = own_or_permitted(&perms, user.id, CHANGE_ORDER, |whose| {
        orders::ship_to(&db, rules, &pricing, id, whose, request)
    })
    .await?;
    Ok(Json(order))
}

/// Hands a paid order to a carrier (`payments.fulfill_order`).
#[utoipa::path(
    post,
    path = "/orders/{id}/ship",
    tag = "payments",
    summary = "Mark a paid order shipped (needs payments.fulfill_order)",
    description = "Queues a \"shipped\" email with the tracking number to the buyer, in the same transaction. Without the permission: your own order is 403, another user's 404.",
    params(Id),
    request_body = ShipInput,
    security(("bearer" = ["payments.fulfill_order"])),
    responses(
        (status = 200, description = "The shipped order.", body = OrderJson),
        Forbidden,
        (status = 409, description = "The order is not paid, already shipped, or has no shipping address (`invalid_state`).", body = ErrorBody),
    )
)]
pub async fn ship(
    db: Db,
    RequireUser(user): RequireUser,
    perms: Perms,
    site: SiteUrl,
    Id(id): Id,
    Json(input): Json<ShipInput>,
) -> Result<Json<OrderJson>, Error> {
    refuse_unless(&db, &perms, user.id, FULFILL_ORDER, id).await?;
    let tracking = input.validate().map_err(Error::validation)?;
    Ok(Json(orders::ship(&db, id, tracking, &site).await?))
}

/// Marks a shipped order delivered (`payments.fulfill_order`).
#[utoipa::path(
    post,
    path = "/orders/{id}/deliver",
    tag = "payments",
    summary = "Mark a shipped order delivered (needs payments.fulfill_order)",
    description = "Without the permission: your own order is 403, another user's 404.",
    params(Id),
    security(("bearer" = ["payments.fulfill_order"])),
    responses(
        (status = 200, description = "The delivered order.", body = OrderJson),
        Forbidden,
        (status = 409, description = "The order is not shipped (`invalid_state`).", body = ErrorBody),
    )
)]
pub async fn deliver(
    db: Db,
    RequireUser(user): RequireUser,
    perms: Perms,
    Id(id): Id,
) -> Result<Json<OrderJson>, Error> {
    refuse_unless(&db, &perms, user.id, FULFILL_ORDER, id).await?;
    Ok(Json(orders::deliver(&db, id).await?))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// With the permission `payments.view_order` (ignored for everyone else): everyone's
    /// orders.
    pub all: Option<bool>,
}

/// The caller's orders, newest first (with `payments.view_order`, `?all=true` for
/// everyone's).
#[utoipa::path(
    get,
    path = "/orders",
    tag = "payments",
    summary = "List your orders",
    params(Pagination, ListQuery),
    security(("bearer" = [])),
    responses((status = 200, description = "A page of orders, newest first.", body = PageOf<OrderJson>))
)]
pub async fn list(
    cache: Cache,
    db: Db,
    Dep(rules): Dep<Reservations>,
    RequireUser(user): RequireUser,
    perms: Perms,
    page: Pagination,
    Query(q): Query<ListQuery>,
) -> Result<Response, Error> {
    // The permission is read only when everyone's orders are asked for.
    let all = q.all == Some(true) && perms.has(VIEW_ORDER).await?;
    let whose = if all {
        Scope::Everyone
    } else {
        Scope::Own(user.id)
    };
    // The list's fingerprint, made only for a cursor given or one to hand out (a miss).
    let scope = || cursor::scope("payments:orders", &[("all", &all.to_string())]);
    let after = page.after(scope)?;
    let key = format!("orders:{}:{}", whose.key(), page.cache_key());
    cache
        .json_for(key, || async {
            let (items, total, more) = orders::list(&db, rules, whose, &page, after).await?;
            // A pending order shown here turns `expired` at its time, without a write.
            let holds_for = rules.answer_holds_for(&items);
            let page = PageOf::keyed(items, &page, total, more, &scope(), |o| {
                Keyset::of(o.created_at, o.id)
            });
            Ok((page, holds_for))
        })
        .await
}

/// One order: the caller's own (with `payments.view_order`: any), else 404.
#[utoipa::path(
    get,
    path = "/orders/{id}",
    tag = "payments",
    summary = "Get an order",
    params(Id),
    security(("bearer" = [])),
    responses((status = 200, description = "The order (another user's is 404).", body = OrderJson))
)]
pub async fn detail(
    cache: Cache,
    db: Db,
    Dep(rules): Dep<Reservations>,
    RequireUser(user): RequireUser,
    perms: Perms,
    Id(id): Id,
) -> Result<Response, Error> {
    own_or_permitted(&perms, user.id, VIEW_ORDER, |whose| {
        let db = db.clone();
        cache.json_for(format!("order:{id}:{}", whose.key()), move || async move {
            let order = orders::get(&db, rules, id, whose).await?;
            let holds_for = rules.answer_holds_for([&order]);
            Ok((order, holds_for))
        })
    })
    .await
}

/// Cancels an order: only a pending one; its stock comes back.
#[utoipa::path(
    post,
    path = "/orders/{id}/cancel",
    tag = "payments",
    summary = "Cancel a pending order",
    params(Id),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The cancelled order; its stock is released.", body = OrderJson),
        NotPending,
    )
)]
pub async fn cancel(
    db: Db,
    Dep(rules): Dep<Reservations>,
    RequireUser(user): RequireUser,
    perms: Perms,
    Id(id): Id,
) -> Result<Json<OrderJson>, Error> {
    let cancelled = own_or_permitted(&perms, user.id, CHANGE_ORDER, |whose| {
        orders::cancel(&db, rules, id, whose)
    })
    .await?;
    Ok(Json(cancelled))
}

/// Refunds an order (`payments.refund_order`): only a paid one; its stock comes back.
#[utoipa::path(
    post,
    path = "/orders/{id}/refund",
    tag = "payments",
    summary = "Refund a paid order (needs payments.refund_order)",
    params(Id),
    security(("bearer" = ["payments.refund_order"])),
    responses(
        (status = 200, description = "The refunded order; its stock is restored.", body = OrderJson),
        Forbidden,
        (status = 409, description = "The order is not paid (`invalid_state`).", body = ErrorBody),
    )
)]
pub async fn refund(
    db: Db,
    Dep(gateway): Dep<Gateway>,
    _: RequirePerm<RefundOrder>,
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

/// Pays an order, with an `Idempotency-Key`: 200 paid, 402 declined; the same
/// key gets the same answer again without a second charge.
#[utoipa::path(
    post,
    path = "/orders/{id}/pay",
    tag = "payments",
    summary = "Pay a pending order",
    description = "The same Idempotency-Key again on the same order answers as the first completed attempt (200 or 402) without a second charge; a key used for another order is 422 `idempotency_key_reused`.",
    params(
        Id,
        ("Idempotency-Key" = String, Header, description = "Chosen by the client, unique per payment attempt.", min_length = 1, max_length = 255),
    ),
    request_body = PayInput,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Paid.", body = PaidJson),
        (status = 402, description = "The card was declined (`card_declined`); the order stays pending.", body = ErrorBody),
        NotPending,
        (status = 503, description = "The payment provider or the database is unavailable; nothing was charged (`service_unavailable`).", body = ErrorBody),
    )
)]
pub async fn pay(
    db: Db,
    Dep(rules): Dep<Reservations>,
    Dep(gateway): Dep<Gateway>,
    RequireUser(user): RequireUser,
    site: SiteUrl,
    Id(id): Id,
    headers: HeaderMap,
    Json(input): Json<PayInput>,
) -> Result<Response, Error> {
    let key = idempotency_key_header(&headers).map_err(Error::validation)?;
    // A replay answers as the first attempt did, whatever the body says now.
    if let Some(stored) = orders::stored_response(&db, &user, id, &key).await? {
        return Ok(pay_response(stored));
    }
    let card = clean_card(input.card_number.as_deref()).map_err(Error::validation)?;
    Ok(pay_response(
        orders::pay(
            &db,
            &gateway,
            rules,
            &user,
            &site,
            PayAttempt {
                order_id: id,
                key: &key,
                card: &card,
            },
        )
        .await?,
    ))
}

/// The payment provider's webhook: the signature is checked before anything is parsed.
#[utoipa::path(
    post,
    path = "/payments/webhook",
    tag = "payments",
    summary = "Provider events",
    description = "Signed with `payments.webhook_secret`. An event that can't apply (unknown order, wrong state, amount mismatch) is 200 `ignored_…` and changes nothing.",
    params(
        ("Payment-Signature" = String, Header, description = "`t=<unix>,v1=<hex HMAC-SHA256 of \"<t>.<raw body>\">`; at most 300 s old."),
    ),
    request_body = EventInput,
    responses(
        (status = 200, description = "Processed, ignored or a duplicate.", body = WebhookOutcome),
        (status = 400, description = "The signature is missing, wrong or stale (`invalid_signature`), or the body is not JSON (`invalid_json`).", body = ErrorBody),
    )
)]
pub async fn webhook(
    db: Db,
    Dep(settings): Dep<Arc<PaymentsSettings>>,
    site: SiteUrl,
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
    Ok(Json(
        webhooks::handle(&db, settings.reservations(), &site, event).await?,
    ))
}
