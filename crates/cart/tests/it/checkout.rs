//! `POST /api/cart/checkout`: one order, the cart emptied, all or nothing; also racing,
//! and the checkout's reservation expiring.

use serde_json::{Value, json};
use time::Duration;
use web_test::TestApp;

use crate::{CARD, app, buyer, checkout, get_cart, project, put_item, shop, stock_of};

#[tokio::test]
async fn checkout_makes_one_order_of_the_cart_and_empties_it() {
    let app = app().await;
    let s = shop(&app, &[(1250, 5, "USD"), (399, 5, "USD")]).await;
    let token = buyer(&app, "ann@example.com").await;
    put_item(&app.client, &token, &s.products[0], json!(2))
        .await
        .assert_status(200);
    put_item(&app.client, &token, &s.products[1], json!(3))
        .await
        .assert_status(200);
    let res = checkout(&app.client, &token).await;
    res.assert_status(201);
    let order = res.json_value();
    assert_eq!(order["status"], "pending");
    assert_eq!(order["total_cents"], 2 * 1250 + 3 * 399);
    assert_eq!(
        crate::quantities(&order),
        [
            (s.products[0]["id"].clone(), json!(2)),
            (s.products[1]["id"].clone(), json!(3))
        ]
    );
    assert_eq!(get_cart(&app.client, &token).await["items"], json!([]));
    assert_eq!(stock_of(&app, &s.staff, &s.products[0]).await, 3);
    assert_eq!(stock_of(&app, &s.staff, &s.products[1]).await, 2);
    // The order is the user's, as any other.
    let listed = app.client.get("/api/orders").bearer(&token).send().await;
    assert_eq!(listed.json_value()["items"][0]["id"], order["id"]);

    let empty = checkout(&app.client, &token).await;
    empty.assert_status(422);
    assert!(
        empty.json_value()["error"]["fields"]["items"].is_array(),
        "{}",
        empty.text()
    );
}

#[tokio::test]
async fn a_refused_checkout_reserves_nothing_and_keeps_the_cart() {
    let app = TestApp::builder(&project())
        .setting("payments.max_pending_orders", 2)
        .build()
        .await;
    let s = shop(&app, &[(100, 5, "USD"), (100, 1, "USD")]).await;
    let token = buyer(&app, "ann@example.com").await;
    put_item(&app.client, &token, &s.products[0], json!(2))
        .await
        .assert_status(200);
    put_item(&app.client, &token, &s.products[1], json!(2))
        .await
        .assert_status(200);
    let cart = get_cart(&app.client, &token).await;
    let res = checkout(&app.client, &token).await;
    res.assert_status(409);
    assert_eq!(res.error_code(), "out_of_stock");
    assert!(
        res.text()
            .contains(&format!("product {}", s.products[1]["id"])),
        "{}",
        res.text()
    );
    assert_eq!(get_cart(&app.client, &token).await, cart);
    assert_eq!(
        stock_of(&app, &s.staff, &s.products[0]).await,
        5,
        "nothing reserved"
    );

    // A product deactivated since it was added: 422, the cart stays.
    app.client
        .patch(&format!("/api/catalog/products/{}", s.products[1]["id"]))
        .bearer(&s.staff)
        .json(&json!({"is_active": false}))
        .send()
        .await
        .assert_status(200);
    checkout(&app.client, &token).await.assert_status(422);
    assert_eq!(get_cart(&app.client, &token).await, cart);

    // Checkouts count toward payments.max_pending_orders.
    put_item(&app.client, &token, &s.products[1], json!(0))
        .await
        .assert_status(200);
    for _ in 0..2 {
        put_item(&app.client, &token, &s.products[0], json!(1))
            .await
            .assert_status(200);
        checkout(&app.client, &token).await.assert_status(201);
    }
    put_item(&app.client, &token, &s.products[0], json!(1))
        .await
        .assert_status(200);
    let res = checkout(&app.client, &token).await;
    res.assert_status(409);
    assert_eq!(res.error_code(), "too_many_pending_orders");
    assert_eq!(
        get_cart(&app.client, &token).await["items"][0]["quantity"],
        1
    );
    assert_eq!(stock_of(&app, &s.staff, &s.products[0]).await, 3);
}

/// Twenty buyers whose carts hold the last five units check out at once: five orders,
/// no oversell, and the fifteen refused carts are intact.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_concurrent_checkouts_for_the_last_five_units_sell_exactly_five() {
    let app = TestApp::builder(&project()).file_database().build().await;
    let s = shop(&app, &[(100, 5, "USD")]).await;
    let mut tokens = Vec::new();
    for n in 0..20 {
        let token = buyer(&app, &format!("buyer{n}@example.com")).await;
        put_item(&app.client, &token, &s.products[0], json!(1))
            .await
            .assert_status(200);
        tokens.push(token);
    }
    let tasks = tokens.iter().cloned().map(|token| {
        let client = app.client.clone();
        tokio::spawn(async move { checkout(&client, &token).await.status.as_u16() })
    });
    let statuses = futures::future::join_all(tasks).await;
    let statuses: Vec<u16> = statuses.into_iter().map(|s| s.unwrap()).collect();
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
    assert_eq!(stock_of(&app, &s.staff, &s.products[0]).await, 0);
    let mut emptied = 0;
    for token in &tokens {
        let items = get_cart(&app.client, token).await["items"]
            .as_array()
            .unwrap()
            .len();
        emptied += usize::from(items == 0);
    }
    assert_eq!(emptied, 5, "exactly the five winners' carts are empty");
}

/// One user checking out the same cart twice at once gets one order.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_cart_checked_out_twice_at_once_makes_one_order() {
    let app = TestApp::builder(&project()).file_database().build().await;
    let s = shop(&app, &[(100, 50, "USD")]).await;
    let token = buyer(&app, "ann@example.com").await;
    put_item(&app.client, &token, &s.products[0], json!(3))
        .await
        .assert_status(200);
    let tasks = (0..4).map(|_| {
        let (client, token) = (app.client.clone(), token.clone());
        tokio::spawn(async move { checkout(&client, &token).await.status.as_u16() })
    });
    let mut statuses: Vec<u16> = futures::future::join_all(tasks)
        .await
        .into_iter()
        .map(|s| s.unwrap())
        .collect();
    statuses.sort();
    assert_eq!(statuses, [201, 422, 422, 422]);
    assert_eq!(stock_of(&app, &s.staff, &s.products[0]).await, 47);
}

/// A checkout's order expires like any: paying it late is refused and its stock comes back
/// once, also when the pay races the sweep.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_checked_out_order_expires_and_a_racing_pay_loses_cleanly() {
    let app = TestApp::builder(&project()).file_database().build().await;
    let s = shop(&app, &[(100, 10, "USD"), (250, 10, "USD")]).await;
    let token = buyer(&app, "ann@example.com").await;
    put_item(&app.client, &token, &s.products[0], json!(2))
        .await
        .assert_status(200);
    put_item(&app.client, &token, &s.products[1], json!(4))
        .await
        .assert_status(200);
    let order = checkout(&app.client, &token).await.json_value();
    assert_eq!(stock_of(&app, &s.staff, &s.products[1]).await, 6);
    backdate(&app, &order["id"], Duration::hours(1)).await;

    let pay = {
        let (client, token, id) = (app.client.clone(), token.clone(), order["id"].clone());
        tokio::spawn(async move {
            client
                .post(&format!("/api/orders/{id}/pay"))
                .bearer(&token)
                .header("idempotency-key", "late")
                .json(&json!({ "card_number": CARD }))
                .send()
                .await
        })
    };
    let sweep = {
        let state = app.state.clone();
        tokio::spawn(async move {
            use web::App;
            payments::Payments.cleanup(&state).await.unwrap()
        })
    };
    let paid = pay.await.unwrap();
    sweep.await.unwrap();
    paid.assert_status(409);
    assert_eq!(paid.error_code(), "invalid_state");
    let now = app
        .client
        .get(&format!("/api/orders/{}", order["id"]))
        .bearer(&token)
        .send()
        .await
        .json_value();
    assert_eq!(now["status"], "expired");
    assert_eq!(now["payments"], json!([]), "nothing charged");
    assert_eq!(stock_of(&app, &s.staff, &s.products[0]).await, 10);
    assert_eq!(
        stock_of(&app, &s.staff, &s.products[1]).await,
        10,
        "released once"
    );
}

async fn backdate(app: &TestApp, id: &Value, age: Duration) {
    use payments::models::order;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
    order::Entity::update_many()
        .col_expr(order::Column::CreatedAt, Expr::value(web::db::now() - age))
        .filter(order::Column::Id.eq(id.as_i64().unwrap()))
        .exec(app.db())
        .await
        .unwrap();
}
