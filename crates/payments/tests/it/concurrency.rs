//! Races that really happen: many tasks at once through the client, on a database with a
//! pool of several connections (a file-backed SQLite here, MariaDB or PostgreSQL in CI).

use futures::future::join_all;
use serde_json::{Value, json};
use web_test::TestApp;

use crate::{CARD, new_user, order, pay, project, shop, statuses, stock_of};

async fn racing_app() -> TestApp {
    TestApp::builder(&project()).file_database().build().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_buyers_for_the_last_five_units_buy_exactly_five() {
    let app = racing_app().await;
    let s = shop(&app, &[(500, 5)]).await;
    let mut buyers = Vec::new();
    for n in 0..20 {
        buyers.push(new_user(&app, &format!("buyer{n}@example.com"), false).await);
    }
    let product = s.products[0].clone();
    let tasks = buyers.into_iter().map(|token| {
        let client = app.client.clone();
        let product = product.clone();
        tokio::spawn(async move {
            order(&client, &token, &[(&product, 1)])
                .await
                .status
                .as_u16()
        })
    });
    let statuses = statuses(tasks).await;
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        5,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 409).count(),
        15,
        "{statuses:?}"
    );
    assert_eq!(stock_of(&app.client, &s.staff, &s.products[0]).await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_pays_with_one_key_charge_once() {
    let app = racing_app().await;
    let s = shop(&app, &[(500, 5)]).await;
    let o = order(&app.client, &s.buyer, &[(&s.products[0], 1)])
        .await
        .json_value();
    let tasks = (0..10).map(|_| {
        let (client, token, id) = (app.client.clone(), s.buyer.clone(), o["id"].clone());
        tokio::spawn(async move {
            let res = pay(&client, &token, &id, "one-key", CARD).await;
            (res.status.as_u16(), res.body)
        })
    });
    let results: Vec<(u16, bytes::Bytes)> = join_all(tasks)
        .await
        .into_iter()
        .map(|r| r.unwrap())
        .collect();
    assert!(
        results.iter().all(|(status, _)| *status == 200),
        "{results:?}"
    );
    assert!(
        results.iter().all(|(_, body)| *body == results[0].1),
        "every answer is the first one"
    );
    let now = app
        .client
        .get(&format!("/api/orders/{}", o["id"]))
        .bearer(&s.buyer)
        .send()
        .await
        .json_value();
    assert_eq!(now["payments"].as_array().unwrap().len(), 1, "one charge");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_pays_with_different_keys_succeed_at_most_once() {
    let app = racing_app().await;
    let s = shop(&app, &[(500, 5)]).await;
    let o = order(&app.client, &s.buyer, &[(&s.products[0], 1)])
        .await
        .json_value();
    let tasks = (0..10).map(|n| {
        let (client, token, id) = (app.client.clone(), s.buyer.clone(), o["id"].clone());
        tokio::spawn(async move {
            pay(&client, &token, &id, &format!("key-{n}"), CARD)
                .await
                .status
                .as_u16()
        })
    });
    let statuses = statuses(tasks).await;
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| *s == 200 || *s == 409),
        "{statuses:?}"
    );
    let now = app
        .client
        .get(&format!("/api/orders/{}", o["id"]))
        .bearer(&s.buyer)
        .send()
        .await
        .json_value();
    let succeeded = now["payments"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["status"] == "succeeded")
        .count();
    assert_eq!(succeeded, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_cancel_and_pay_end_consistently() {
    let app = racing_app().await;
    let s = shop(&app, &[(500, 100)]).await;
    for round in 0..8 {
        let o = order(&app.client, &s.buyer, &[(&s.products[0], 2)])
            .await
            .json_value();
        let id = o["id"].clone();
        let cancel = {
            let (client, token, id) = (app.client.clone(), s.buyer.clone(), id.clone());
            tokio::spawn(async move {
                client
                    .post(&format!("/api/orders/{id}/cancel"))
                    .bearer(&token)
                    .send()
                    .await
                    .status
                    .as_u16()
            })
        };
        let paying = {
            let (client, token, id) = (app.client.clone(), s.buyer.clone(), id.clone());
            tokio::spawn(async move {
                pay(&client, &token, &id, &format!("race-{round}"), CARD)
                    .await
                    .status
                    .as_u16()
            })
        };
        let (cancelled, paid) = (cancel.await.unwrap(), paying.await.unwrap());
        let end: Value = app
            .client
            .get(&format!("/api/orders/{id}"))
            .bearer(&s.buyer)
            .send()
            .await
            .json_value();
        match (cancelled, paid) {
            (200, 409) => assert_eq!(end["status"], "cancelled"),
            (409, 200) => assert_eq!(end["status"], "paid"),
            other => panic!("both or neither won: {other:?}, order {end}"),
        }
        let succeeded = end["payments"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["status"] == "succeeded")
            .count();
        assert_eq!(succeeded, usize::from(end["status"] == "paid"));
    }
    // Every cancelled order gave its 2 units back; every paid one kept them.
    let all = app
        .client
        .get("/api/orders?per_page=100")
        .bearer(&s.buyer)
        .send()
        .await
        .json_value();
    let paid = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["status"] == "paid")
        .count() as i64;
    assert_eq!(
        stock_of(&app.client, &s.staff, &s.products[0]).await,
        100 - 2 * paid
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_duplicate_webhooks_apply_once() {
    use hmac::{Hmac, KeyInit, Mac};
    let app = racing_app().await;
    let s = shop(&app, &[(500, 5)]).await;
    let o = order(&app.client, &s.buyer, &[(&s.products[0], 1)])
        .await
        .json_value();
    let body = json!({"id": "evt_race", "type": "payment.succeeded", "data": {"order_id": o["id"], "amount_cents": 500}}).to_string();
    let t = time::OffsetDateTime::now_utc().unix_timestamp();
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(b"insecure-dev-webhook-secret").unwrap();
    mac.update(format!("{t}.{body}").as_bytes());
    let sig = format!("t={t},v1={}", hex::encode(mac.finalize().into_bytes()));
    let tasks = (0..8).map(|_| {
        let (client, body, sig) = (app.client.clone(), body.clone(), sig.clone());
        tokio::spawn(async move {
            let res = client
                .post("/api/payments/webhook")
                .header("payment-signature", &sig)
                .body(body, "application/json")
                .send()
                .await;
            res.json_value()["status"].as_str().unwrap().to_string()
        })
    });
    let outcomes: Vec<String> = join_all(tasks)
        .await
        .into_iter()
        .map(|r| r.unwrap())
        .collect();
    assert_eq!(
        outcomes.iter().filter(|o| *o == "processed").count(),
        1,
        "{outcomes:?}"
    );
    assert!(
        outcomes
            .iter()
            .all(|o| o == "processed" || o == "duplicate"),
        "{outcomes:?}"
    );
    let end = app
        .client
        .get(&format!("/api/orders/{}", o["id"]))
        .bearer(&s.buyer)
        .send()
        .await
        .json_value();
    assert_eq!(end["payments"].as_array().unwrap().len(), 1);
}
