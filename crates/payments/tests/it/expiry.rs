//! Reservations that end (contract v2): a cap on a user's pending orders and unpaid orders
//! that expire, releasing their stock exactly once, also when a pay races the expiry.

use futures::future::join_all;
use serde_json::{Value, json};
use time::Duration;
use web_test::TestApp;

use crate::{
    CARD, backdate_order, cleanup_count, new_user, order, pay, project, shop, statuses, stock_of,
};

const UNPAID_EXPIRED: &str = "unpaid orders expired (stock released)";

async fn status_of(app: &TestApp, token: &str, o: &Value) -> String {
    let res = app
        .client
        .get(&format!("/api/orders/{}", o["id"]))
        .bearer(token)
        .send()
        .await;
    res.assert_status(200);
    res.json_value()["status"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn a_user_holds_at_most_max_pending_orders() {
    let app = TestApp::builder(&project())
        .setting("payments.max_pending_orders", 2)
        .build()
        .await;
    let s = shop(&app, &[(100, 10)]).await;
    let p = &s.products[0];
    let first = order(&app.client, &s.buyer, &[(p, 1)]).await.json_value();
    order(&app.client, &s.buyer, &[(p, 1)])
        .await
        .assert_status(201);
    let third = order(&app.client, &s.buyer, &[(p, 1)]).await;
    third.assert_status(409);
    assert_eq!(third.error_code(), "too_many_pending_orders");
    assert_eq!(
        stock_of(&app.client, &s.staff, p).await,
        8,
        "nothing reserved"
    );
    // Another user is not affected; a paid or expired order no longer counts.
    order(&app.client, &s.staff, &[(p, 1)])
        .await
        .assert_status(201);
    pay(&app.client, &s.buyer, &first["id"], "k1", CARD)
        .await
        .assert_status(200);
    let fourth = order(&app.client, &s.buyer, &[(p, 1)]).await.json_value();
    order(&app.client, &s.buyer, &[(p, 1)])
        .await
        .assert_status(409);
    backdate_order(&app, &fourth["id"], Duration::hours(1)).await;
    order(&app.client, &s.buyer, &[(p, 1)])
        .await
        .assert_status(201);
}

/// `payments.max_pending_units`: one account can't hold a shop's stock by units (one order
/// of many full lines was enough before); the new order's units count, concurrent orders
/// are counted one after the other, and paid or expired orders stop counting.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_user_holds_at_most_max_pending_units() {
    let app = TestApp::builder(&project())
        .setting("payments.max_pending_orders", 0)
        .setting("payments.max_pending_units", 100)
        .build()
        .await;
    let s = shop(&app, &[(100, 1000), (200, 1000)]).await;
    let (a, b) = (&s.products[0], &s.products[1]);
    let first = order(&app.client, &s.buyer, &[(a, 30), (b, 30)]).await;
    first.assert_status(201);
    let over = order(&app.client, &s.buyer, &[(a, 20), (b, 21)]).await;
    over.assert_status(409);
    assert_eq!(over.error_code(), "too_many_pending_orders");
    assert_eq!(
        stock_of(&app.client, &s.staff, a).await,
        970,
        "nothing reserved"
    );
    // Ten concurrent orders of 10 units: exactly four fit beside the first 60.
    let line = [(a, 10)];
    let orders = (0..10).map(|_| order(&app.client, &s.buyer, &line));
    let statuses: Vec<u16> = join_all(orders)
        .await
        .iter()
        .map(|r| r.status.as_u16())
        .collect();
    assert_eq!(
        statuses.iter().filter(|&&s| s == 201).count(),
        4,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|&&s| s == 409).count(),
        6,
        "{statuses:?}"
    );
    // Another user is not affected; a paid order no longer counts.
    order(&app.client, &s.staff, &[(a, 100)])
        .await
        .assert_status(201);
    pay(&app.client, &s.buyer, &first.json_value()["id"], "k1", CARD)
        .await
        .assert_status(200);
    order(&app.client, &s.buyer, &[(b, 60)])
        .await
        .assert_status(201);
    order(&app.client, &s.buyer, &[(b, 1)])
        .await
        .assert_status(409);
}

/// The default (1000 units) stops the hoarding seen: one order of 50 lines, each a
/// product's whole stock.
#[tokio::test]
async fn the_default_units_cap_stops_one_order_taking_every_product() {
    let app = TestApp::new(&project()).await;
    let products: Vec<(i64, i64)> = (0..5).map(|n| (100 + n, 300)).collect();
    let s = shop(&app, &products).await;
    let lines: Vec<_> = s.products.iter().map(|p| (p, 300)).collect();
    let res = order(&app.client, &s.buyer, &lines).await;
    res.assert_status(409);
    assert_eq!(res.error_code(), "too_many_pending_orders");
    for p in &s.products {
        assert_eq!(stock_of(&app.client, &s.staff, p).await, 300);
    }
}

#[tokio::test]
async fn zero_disables_the_cap() {
    let app = TestApp::builder(&project())
        .setting("payments.max_pending_orders", 0)
        .build()
        .await;
    let s = shop(&app, &[(100, 10)]).await;
    for _ in 0..7 {
        order(&app.client, &s.buyer, &[(&s.products[0], 1)])
            .await
            .assert_status(201);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_cap_holds_under_concurrent_orders() {
    let app = TestApp::builder(&project())
        .setting("payments.max_pending_orders", 3)
        .file_database()
        .build()
        .await;
    let s = shop(&app, &[(100, 50)]).await;
    let tasks = (0..12).map(|_| {
        let (client, token, p) = (app.client.clone(), s.buyer.clone(), s.products[0].clone());
        tokio::spawn(async move { order(&client, &token, &[(&p, 1)]).await.status.as_u16() })
    });
    let statuses = statuses(tasks).await;
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        3,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 409).count(),
        9,
        "{statuses:?}"
    );
    assert_eq!(stock_of(&app.client, &s.staff, &s.products[0]).await, 47);
}

#[tokio::test]
async fn an_overdue_order_is_expired_for_pay_and_cancel_and_releases_its_stock_once() {
    let app = TestApp::new(&project()).await;
    let s = shop(&app, &[(100, 10)]).await;
    let p = &s.products[0];
    let o = order(&app.client, &s.buyer, &[(p, 3)]).await.json_value();
    assert_eq!(stock_of(&app.client, &s.staff, p).await, 7);
    assert_eq!(status_of(&app, &s.buyer, &o).await, "pending");
    backdate_order(&app, &o["id"], Duration::seconds(1801)).await;
    // Counted as expired before any sweep.
    assert_eq!(status_of(&app, &s.buyer, &o).await, "expired");
    let paid = pay(&app.client, &s.buyer, &o["id"], "late", CARD).await;
    paid.assert_status(409);
    assert_eq!(paid.error_code(), "invalid_state");
    assert!(paid.text().contains("expired"), "{}", paid.text());
    assert_eq!(stock_of(&app.client, &s.staff, p).await, 10, "released");
    let cancelled = app
        .client
        .post(&format!("/api/orders/{}/cancel", o["id"]))
        .bearer(&s.buyer)
        .send()
        .await;
    cancelled.assert_status(409);
    assert_eq!(cancelled.error_code(), "invalid_state");
    pay(&app.client, &s.buyer, &o["id"], "later", CARD)
        .await
        .assert_status(409);
    assert_eq!(
        cleanup_count(&app, UNPAID_EXPIRED).await,
        0,
        "already expired"
    );
    assert_eq!(
        stock_of(&app.client, &s.staff, p).await,
        10,
        "released once"
    );
    let detail = app
        .client
        .get(&format!("/api/orders/{}", o["id"]))
        .bearer(&s.buyer)
        .send()
        .await
        .json_value();
    assert_eq!(detail["status"], "expired");
    assert!(
        detail["payments"].as_array().unwrap().is_empty(),
        "nothing charged"
    );
}

#[tokio::test]
async fn the_cleanup_sweep_expires_overdue_orders_only() {
    let app = TestApp::new(&project()).await;
    let s = shop(&app, &[(100, 10)]).await;
    let p = &s.products[0];
    let old = order(&app.client, &s.buyer, &[(p, 2)]).await.json_value();
    let fresh = order(&app.client, &s.buyer, &[(p, 1)]).await.json_value();
    let paid = order(&app.client, &s.buyer, &[(p, 1)]).await.json_value();
    pay(&app.client, &s.buyer, &paid["id"], "k", CARD)
        .await
        .assert_status(200);
    backdate_order(&app, &old["id"], Duration::hours(2)).await;
    backdate_order(&app, &paid["id"], Duration::hours(2)).await;
    assert_eq!(stock_of(&app.client, &s.staff, p).await, 6);
    assert_eq!(cleanup_count(&app, UNPAID_EXPIRED).await, 1);
    assert_eq!(cleanup_count(&app, UNPAID_EXPIRED).await, 0, "once");
    assert_eq!(stock_of(&app.client, &s.staff, p).await, 8);
    assert_eq!(status_of(&app, &s.buyer, &old).await, "expired");
    assert_eq!(status_of(&app, &s.buyer, &fresh).await, "pending");
    assert_eq!(status_of(&app, &s.buyer, &paid).await, "paid");
    let filtered = app
        .client
        .get("/api/orders")
        .bearer(&s.buyer)
        .send()
        .await
        .json_value();
    assert_eq!(filtered["total"], 3);
}

#[tokio::test]
async fn the_minutely_expiry_job_expires_overdue_orders() {
    let app = TestApp::new(&project()).await;
    let s = shop(&app, &[(100, 10)]).await;
    let p = &s.products[0];
    let old = order(&app.client, &s.buyer, &[(p, 3)]).await.json_value();
    let fresh = order(&app.client, &s.buyer, &[(p, 1)]).await.json_value();
    backdate_order(&app, &old["id"], Duration::hours(1)).await;
    // A worker enqueues this minute's occurrence and runs it.
    let worker = web_jobs::Worker::new(&app.state).unwrap();
    worker
        .schedule_periodic(&mut std::collections::HashMap::new())
        .await;
    let queued = web_jobs::list(app.db(), &[web_jobs::JobStatus::Queued], 10)
        .await
        .unwrap();
    assert!(
        queued.iter().any(|j| j.task == "payments.expire_orders"),
        "{queued:?}"
    );
    assert!(worker.run_due().await.unwrap() >= 1);
    assert_eq!(status_of(&app, &s.buyer, &old).await, "expired");
    assert_eq!(status_of(&app, &s.buyer, &fresh).await, "pending");
    assert_eq!(stock_of(&app.client, &s.staff, p).await, 9, "released once");
    assert_eq!(cleanup_count(&app, UNPAID_EXPIRED).await, 0);
}

#[tokio::test]
async fn a_payment_webhook_for_an_expired_order_is_ignored() {
    let app = TestApp::new(&project()).await;
    let s = shop(&app, &[(100, 10)]).await;
    let p = &s.products[0];
    let o = order(&app.client, &s.buyer, &[(p, 1)]).await.json_value();
    backdate_order(&app, &o["id"], Duration::hours(1)).await;
    let body = json!({"id": "evt_late", "type": "payment.succeeded", "data": {"order_id": o["id"], "amount_cents": 100}}).to_string();
    let res = crate::webhook::send_signed(&app, &body).await;
    res.assert_status(200);
    assert_eq!(res.json_value()["status"], "ignored_expired");
    assert_eq!(status_of(&app, &s.buyer, &o).await, "expired");
    assert_eq!(stock_of(&app.client, &s.staff, p).await, 10);
}

/// Pays, cancels and sweeps all at once on an overdue order: it ends `expired`, nothing is
/// charged, and its stock comes back exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn pay_cancel_and_sweep_racing_on_an_overdue_order_release_stock_once() {
    let app = TestApp::builder(&project()).file_database().build().await;
    let s = shop(&app, &[(100, 10)]).await;
    let p = s.products[0].clone();
    let o = order(&app.client, &s.buyer, &[(&p, 4)]).await.json_value();
    backdate_order(&app, &o["id"], Duration::hours(1)).await;
    let mut tasks = Vec::new();
    for n in 0..6 {
        let (client, token, id) = (app.client.clone(), s.buyer.clone(), o["id"].clone());
        tasks.push(tokio::spawn(async move {
            if n % 2 == 0 {
                pay(&client, &token, &id, &format!("race-{n}"), CARD)
                    .await
                    .status
                    .as_u16()
            } else {
                client
                    .post(&format!("/api/orders/{id}/cancel"))
                    .bearer(&token)
                    .send()
                    .await
                    .status
                    .as_u16()
            }
        }));
    }
    let sweeps = (0..2).map(|_| {
        let state = app.state.clone();
        tokio::spawn(async move {
            use web::App;
            payments::Payments.cleanup(&state).await.unwrap();
        })
    });
    let statuses = statuses(tasks).await;
    for sweep in join_all(sweeps).await {
        sweep.unwrap();
    }
    assert!(statuses.iter().all(|s| *s == 409), "{statuses:?}");
    assert_eq!(status_of(&app, &s.buyer, &o).await, "expired");
    assert_eq!(stock_of(&app.client, &s.staff, &p).await, 10);
}

/// At the boundary a pay and the sweep really race: exactly one wins. Paid keeps the
/// stock reserved; expired gives it back; never both, never neither.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn pay_racing_the_expiry_at_its_deadline_has_one_winner() {
    let app = TestApp::builder(&project())
        .setting("payments.pending_order_ttl_seconds", 1)
        .setting("payments.max_pending_orders", 0)
        .file_database()
        .build()
        .await;
    let s = shop(&app, &[(100, 100)]).await;
    let p = s.products[0].clone();
    let buyer = new_user(&app, "racer@example.com", false).await;
    let mut expected_stock = 100;
    for round in 0..3 {
        let o = order(&app.client, &buyer, &[(&p, 1)]).await.json_value();
        tokio::time::sleep(std::time::Duration::from_millis(990)).await;
        let paying = {
            let (client, token, id) = (app.client.clone(), buyer.clone(), o["id"].clone());
            tokio::spawn(async move {
                pay(&client, &token, &id, &format!("edge-{round}"), CARD)
                    .await
                    .status
                    .as_u16()
            })
        };
        let sweeping = {
            let state = app.state.clone();
            tokio::spawn(async move {
                use web::App;
                tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                payments::Payments.cleanup(&state).await.unwrap();
            })
        };
        let paid = paying.await.unwrap();
        sweeping.await.unwrap();
        // After the deadline the order is expired unless the pay won.
        tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
        cleanup_count(&app, UNPAID_EXPIRED).await;
        let status = status_of(&app, &buyer, &o).await;
        match paid {
            200 => {
                assert_eq!(status, "paid");
                expected_stock -= 1;
            }
            409 => assert_eq!(status, "expired"),
            other => panic!("pay answered {other}"),
        }
        assert_eq!(stock_of(&app.client, &s.staff, &p).await, expected_stock);
    }
}
