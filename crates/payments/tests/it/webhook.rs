//! Signed provider webhooks.

use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use web_test::{TestApp, TestResponse};

use crate::{CARD, app, cleanup_count, order, pay, shop, stock_of};

const SECRET: &str = "insecure-dev-webhook-secret";

fn signature(t: i64, body: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(format!("{t}.{body}").as_bytes());
    format!("t={t},v1={}", hex::encode(mac.finalize().into_bytes()))
}

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

async fn send(app: &TestApp, body: &str, signature: Option<String>) -> TestResponse {
    let mut req = app
        .client
        .post("/api/payments/webhook")
        .body(body.to_string(), "application/json");
    if let Some(sig) = signature {
        req = req.header("payment-signature", &sig);
    }
    req.send().await
}

/// Sends `body` with a valid signature made now.
pub async fn send_signed(app: &TestApp, body: &str) -> TestResponse {
    send(app, body, Some(signature(now(), body))).await
}

fn event(id: &str, kind: &str, order: &Value, amount: i64) -> String {
    json!({"id": id, "type": kind, "data": {"order_id": order["id"], "amount_cents": amount}})
        .to_string()
}

#[tokio::test]
async fn bad_missing_or_stale_signatures_change_nothing() {
    let app = app().await;
    let s = shop(&app, &[(1000, 5)]).await;
    let o = order(&app.client, &s.buyer, &[(&s.products[0], 1)])
        .await
        .json_value();
    let body = event("evt_1", "payment.succeeded", &o, 1000);
    for sig in [
        None,
        Some(format!("t={},v1=deadbeef", now())),
        Some(signature(now() - 310, &body)),
        Some(signature(now() + 310, &body)),
        Some("nonsense".into()),
    ] {
        let res = send(&app, &body, sig.clone()).await;
        res.assert_status(400);
        assert_eq!(res.error_code(), "invalid_signature", "{sig:?}");
    }
    // A signature over another body does not carry over.
    let res = send(
        &app,
        &body,
        Some(signature(
            now(),
            &event("evt_1", "payment.succeeded", &o, 1),
        )),
    )
    .await;
    res.assert_status(400);
    let now_order = app
        .client
        .get(&format!("/api/orders/{}", o["id"]))
        .bearer(&s.buyer)
        .send()
        .await
        .json_value();
    assert_eq!(now_order["status"], "pending");
    assert_eq!(now_order["payments"], json!([]));
}

#[tokio::test]
async fn payment_succeeded_pays_once_even_when_replayed() {
    let app = app().await;
    let s = shop(&app, &[(1000, 5)]).await;
    let o = order(&app.client, &s.buyer, &[(&s.products[0], 2)])
        .await
        .json_value();
    let body = event("evt_ok", "payment.succeeded", &o, 2000);
    let res = send(&app, &body, Some(signature(now(), &body))).await;
    res.assert_status(200);
    assert_eq!(
        res.json_value(),
        json!({"status": "processed", "id": "evt_ok"})
    );
    let again = send(&app, &body, Some(signature(now(), &body))).await;
    again.assert_status(200);
    assert_eq!(
        again.json_value(),
        json!({"status": "duplicate", "id": "evt_ok"})
    );
    let paid = app
        .client
        .get(&format!("/api/orders/{}", o["id"]))
        .bearer(&s.buyer)
        .send()
        .await
        .json_value();
    assert_eq!(paid["status"], "paid");
    assert_eq!(paid["payments"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn events_that_cannot_apply_are_ignored_with_200() {
    let app = app().await;
    let s = shop(&app, &[(1000, 5)]).await;
    let o = order(&app.client, &s.buyer, &[(&s.products[0], 1)])
        .await
        .json_value();
    let cases = [
        (
            event("evt_amt", "payment.succeeded", &o, 999),
            "ignored_amount_mismatch",
        ),
        (
            event(
                "evt_unknown",
                "payment.succeeded",
                &json!({"id": 999999}),
                1000,
            ),
            "ignored_unknown_order",
        ),
        (
            event("evt_refund_pending", "charge.refunded", &o, 1000),
            "ignored_invalid_state",
        ),
    ];
    for (body, status) in cases {
        let res = send(&app, &body, Some(signature(now(), &body))).await;
        res.assert_status(200);
        assert_eq!(res.json_value()["status"], status);
    }
    let same = app
        .client
        .get(&format!("/api/orders/{}", o["id"]))
        .bearer(&s.buyer)
        .send()
        .await
        .json_value();
    assert_eq!(
        (
            same["status"].as_str(),
            same["payments"].as_array().unwrap().len()
        ),
        (Some("pending"), 0)
    );
    // An ignored event is still remembered.
    let body = event("evt_amt", "payment.succeeded", &o, 1000);
    assert_eq!(
        send(&app, &body, Some(signature(now(), &body)))
            .await
            .json_value()["status"],
        "duplicate"
    );
}

#[tokio::test]
async fn payment_failed_and_charge_refunded_apply_their_effects() {
    let app = app().await;
    let s = shop(&app, &[(1000, 5)]).await;
    let o = order(&app.client, &s.buyer, &[(&s.products[0], 3)])
        .await
        .json_value();
    let failed = event("evt_fail", "payment.failed", &o, 3000);
    assert_eq!(
        send(&app, &failed, Some(signature(now(), &failed)))
            .await
            .json_value()["status"],
        "processed"
    );
    let after = app
        .client
        .get(&format!("/api/orders/{}", o["id"]))
        .bearer(&s.buyer)
        .send()
        .await
        .json_value();
    assert_eq!(
        (
            after["status"].as_str(),
            after["payments"][0]["status"].as_str()
        ),
        (Some("pending"), Some("failed"))
    );
    pay(&app.client, &s.buyer, &o["id"], "k", CARD)
        .await
        .assert_status(200);
    assert_eq!(stock_of(&app.client, &s.staff, &s.products[0]).await, 2);
    let refunded = event("evt_refund", "charge.refunded", &o, 3000);
    assert_eq!(
        send(&app, &refunded, Some(signature(now(), &refunded)))
            .await
            .json_value()["status"],
        "processed"
    );
    let done = app
        .client
        .get(&format!("/api/orders/{}", o["id"]))
        .bearer(&s.buyer)
        .send()
        .await
        .json_value();
    assert_eq!(done["status"], "refunded");
    assert_eq!(done["payments"][1]["status"], "refunded");
    assert_eq!(stock_of(&app.client, &s.staff, &s.products[0]).await, 5);
}

#[tokio::test]
async fn well_signed_but_malformed_events_are_refused() {
    let app = app().await;
    for (body, status) in [
        ("{not json".to_string(), 400),
        ("[]".to_string(), 422),
        (json!({"id": "evt", "type": "payment.exploded", "data": {"order_id": 1, "amount_cents": 1}}).to_string(), 422),
        (json!({"id": "", "type": "payment.failed", "data": {"order_id": 1, "amount_cents": 1}}).to_string(), 422),
        (json!({"id": "evt", "type": "payment.failed", "data": {"order_id": 1, "amount_cents": -5}}).to_string(), 422),
        (json!({"id": "evt", "type": "payment.failed"}).to_string(), 422),
    ] {
        send(&app, &body, Some(signature(now(), &body))).await.assert_status(status);
    }
    let body = event("evt", "payment.failed", &json!({"id": 1}), 1);
    let res = app
        .client
        .post("/api/payments/webhook")
        .header("payment-signature", &signature(now(), &body))
        .body(body, "text/plain")
        .send()
        .await;
    res.assert_status(415);
}

#[tokio::test]
async fn cleanup_forgets_events_past_their_retention_without_a_second_effect() {
    use sea_orm::{EntityTrait, sea_query::Expr};
    let app = app().await;
    let s = shop(&app, &[(1000, 5)]).await;
    let o = order(&app.client, &s.buyer, &[(&s.products[0], 1)])
        .await
        .json_value();
    let body = event("evt_old", "payment.succeeded", &o, 1000);
    send(&app, &body, Some(signature(now(), &body)))
        .await
        .assert_status(200);
    let forgotten = || cleanup_count(&app, "old webhook events deleted");
    assert_eq!(forgotten().await, 0, "a fresh event is kept");
    let past = web::db::now() - time::Duration::days(31);
    payments::models::webhook_event::Entity::update_many()
        .col_expr(
            payments::models::webhook_event::Column::ReceivedAt,
            Expr::value(past),
        )
        .exec(app.db())
        .await
        .unwrap();
    assert_eq!(forgotten().await, 1);
    // A late redelivery is no longer a `duplicate`, but the paid order can't be paid again.
    let late = send(&app, &body, Some(signature(now(), &body))).await;
    late.assert_status(200);
    assert!(
        late.json_value()["status"]
            .as_str()
            .unwrap()
            .starts_with("ignored_"),
        "{}",
        late.text()
    );
    let paid = app
        .client
        .get(&format!("/api/orders/{}", o["id"]))
        .bearer(&s.buyer)
        .send()
        .await
        .json_value();
    assert_eq!(paid["payments"].as_array().unwrap().len(), 1);
}
