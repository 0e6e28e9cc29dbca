//! Paying: the test gateway, idempotency keys and replays.

use serde_json::json;

use crate::{CARD, DECLINED, app, cleanup_count, new_user, order, pay, shop};

#[tokio::test]
async fn a_good_card_pays_the_order() {
    let app = app().await;
    let s = shop(&app, &[(1500, 5)]).await;
    let o = order(&app.client, &s.buyer, &[(&s.products[0], 2)])
        .await
        .json_value();
    // Both answers show the order exactly as it is stored (they are built from what was
    // written, not read back).
    let stored = |app: &web_test::TestApp| {
        let (client, path) = (app.client.clone(), format!("/api/orders/{}", o["id"]));
        let buyer = s.buyer.clone();
        async move { client.get(&path).bearer(&buyer).send().await.json_value() }
    };
    assert_eq!(o, stored(&app).await);
    let res = pay(&app.client, &s.buyer, &o["id"], "key-1", CARD).await;
    res.assert_status(200);
    assert_eq!(res.json_value()["order"], stored(&app).await);
    assert_eq!(
        res.json_value()["order"]["payments"][0]["status"],
        "succeeded"
    );
    assert_eq!(
        res.header("content-type"),
        Some("application/json; charset=utf-8")
    );
    let body = res.json_value();
    assert_eq!(body["order"]["status"], "paid");
    assert_eq!(body["payment"]["status"], "succeeded");
    assert_eq!(body["payment"]["amount_cents"], 3000);
    assert_eq!(body["order"]["payments"][0]["id"], body["payment"]["id"]);
    let keys: Vec<&str> = body["payment"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, ["amount_cents", "created_at", "id", "status"]);
}

#[tokio::test]
async fn the_same_key_replays_the_first_answer_without_charging_again() {
    let app = app().await;
    let s = shop(&app, &[(1500, 5)]).await;
    let o = order(&app.client, &s.buyer, &[(&s.products[0], 1)])
        .await
        .json_value();
    let first = pay(&app.client, &s.buyer, &o["id"], "same-key", CARD).await;
    first.assert_status(200);
    let replay = pay(&app.client, &s.buyer, &o["id"], "same-key", CARD).await;
    replay.assert_status(200);
    assert_eq!(replay.body, first.body, "byte for byte");
    assert_eq!(replay.header("idempotent-replayed"), Some("true"));
    // Even with another (or no valid) card in the body.
    let odd = pay(&app.client, &s.buyer, &o["id"], "same-key", "1234").await;
    assert_eq!(odd.body, first.body);
    let now = app
        .client
        .get(&format!("/api/orders/{}", o["id"]))
        .bearer(&s.buyer)
        .send()
        .await
        .json_value();
    assert_eq!(
        now["payments"].as_array().unwrap().len(),
        1,
        "one charge only"
    );
    // A new key on the paid order is a state conflict.
    let late = pay(&app.client, &s.buyer, &o["id"], "new-key", CARD).await;
    late.assert_status(409);
    assert_eq!(late.error_code(), "invalid_state");
}

#[tokio::test]
async fn a_declined_card_records_a_failed_payment_and_replays_402() {
    let app = app().await;
    let s = shop(&app, &[(1500, 5)]).await;
    let o = order(&app.client, &s.buyer, &[(&s.products[0], 1)])
        .await
        .json_value();
    let declined = pay(&app.client, &s.buyer, &o["id"], "k-decl", DECLINED).await;
    declined.assert_status(402);
    assert_eq!(declined.error_code(), "card_declined");
    let now = app
        .client
        .get(&format!("/api/orders/{}", o["id"]))
        .bearer(&s.buyer)
        .send()
        .await
        .json_value();
    assert_eq!(now["status"], "pending");
    assert_eq!(now["payments"][0]["status"], "failed");
    let replay = pay(&app.client, &s.buyer, &o["id"], "k-decl", CARD).await;
    replay.assert_status(402);
    assert_eq!(replay.body, declined.body);
    // A fresh key may try again and succeed.
    pay(&app.client, &s.buyer, &o["id"], "k-retry", CARD)
        .await
        .assert_status(200);
}

#[tokio::test]
async fn bad_requests_are_refused_and_not_remembered() {
    let app = app().await;
    let s = shop(&app, &[(1500, 5)]).await;
    let o = order(&app.client, &s.buyer, &[(&s.products[0], 1)])
        .await
        .json_value();
    let path = format!("/api/orders/{}/pay", o["id"]);
    let no_key = app
        .client
        .post(&path)
        .bearer(&s.buyer)
        .json(&json!({"card_number": CARD}))
        .send()
        .await;
    no_key.assert_status(422);
    assert!(no_key.json_value()["error"]["fields"]["Idempotency-Key"].is_array());
    let unicode = pay(&app.client, &s.buyer, &o["id"], "schlüssel-1", CARD).await;
    unicode.assert_status(422);
    let message = unicode.json_value()["error"]["fields"]["Idempotency-Key"][0]
        .as_str()
        .unwrap()
        .to_string();
    assert!(message.contains("ASCII"), "{message}");
    let luhn = pay(&app.client, &s.buyer, &o["id"], "k-fix", "4242424242424241").await;
    luhn.assert_status(422);
    assert!(luhn.json_value()["error"]["fields"]["card_number"].is_array());
    for bad in ["", "abcd", "4242"] {
        pay(&app.client, &s.buyer, &o["id"], "k-fix", bad)
            .await
            .assert_status(422);
    }
    // The key was not used up by the invalid attempts.
    pay(
        &app.client,
        &s.buyer,
        &o["id"],
        "k-fix",
        "4242 4242 4242 4242",
    )
    .await
    .assert_status(200);
    app.client
        .post(&path)
        .header("idempotency-key", "x")
        .json(&json!({"card_number": CARD}))
        .send()
        .await
        .assert_status(401);
}

#[tokio::test]
async fn a_key_belongs_to_one_order() {
    let app = app().await;
    let s = shop(&app, &[(1500, 5)]).await;
    let a = order(&app.client, &s.buyer, &[(&s.products[0], 1)])
        .await
        .json_value();
    let b = order(&app.client, &s.buyer, &[(&s.products[0], 1)])
        .await
        .json_value();
    pay(&app.client, &s.buyer, &a["id"], "k-one", CARD)
        .await
        .assert_status(200);
    let reused = pay(&app.client, &s.buyer, &b["id"], "k-one", CARD).await;
    reused.assert_status(422);
    assert_eq!(reused.error_code(), "idempotency_key_reused");
    // Keys are per user: another user may use the same string.
    let other = new_user(&app, "other@example.com", false).await;
    let c = order(&app.client, &other, &[(&s.products[0], 1)])
        .await
        .json_value();
    pay(&app.client, &other, &c["id"], "k-one", CARD)
        .await
        .assert_status(200);
}

#[tokio::test]
async fn only_the_owner_pays() {
    let app = app().await;
    let s = shop(&app, &[(1500, 5)]).await;
    let other = new_user(&app, "other@example.com", false).await;
    let o = order(&app.client, &s.buyer, &[(&s.products[0], 1)])
        .await
        .json_value();
    pay(&app.client, &other, &o["id"], "k", CARD)
        .await
        .assert_status(404);
    pay(&app.client, &s.buyer, &json!(999999), "k", CARD)
        .await
        .assert_status(404);
    let cancelled = app
        .client
        .post(&format!("/api/orders/{}/cancel", o["id"]))
        .bearer(&s.buyer)
        .send()
        .await;
    cancelled.assert_status(200);
    pay(&app.client, &s.buyer, &o["id"], "k2", CARD)
        .await
        .assert_status(409);
}

#[tokio::test]
async fn cleanup_forgets_old_idempotency_records() {
    use sea_orm::{EntityTrait, sea_query::Expr};
    let app = app().await;
    let s = shop(&app, &[(1500, 5)]).await;
    let o = order(&app.client, &s.buyer, &[(&s.products[0], 1)])
        .await
        .json_value();
    pay(&app.client, &s.buyer, &o["id"], "old-key", CARD)
        .await
        .assert_status(200);
    assert_eq!(
        cleanup_count(&app, "expired idempotency records cleared").await,
        0
    );
    let past = web::db::now() - time::Duration::days(2);
    payments::models::payment::Entity::update_many()
        .col_expr(
            payments::models::payment::Column::CreatedAt,
            Expr::value(past),
        )
        .exec(app.db())
        .await
        .unwrap();
    assert_eq!(
        cleanup_count(&app, "expired idempotency records cleared").await,
        1
    );
    let history = app
        .client
        .get(&format!("/api/orders/{}", o["id"]))
        .bearer(&s.buyer)
        .send()
        .await
        .json_value();
    assert_eq!(
        history["payments"].as_array().unwrap().len(),
        1,
        "the payment itself stays"
    );
}
