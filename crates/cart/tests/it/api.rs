//! `/api/cart…`: lines at current prices, one currency, quantities 0..=1000.

use serde_json::json;

use crate::{app, buyer, get_cart, put_item, shop};

#[tokio::test]
async fn an_empty_cart_is_in_dollars_and_the_api_needs_a_token() {
    let app = app().await;
    let token = buyer(&app, "ann@example.com").await;
    assert_eq!(
        get_cart(&app.client, &token).await,
        json!({"items": [], "total_cents": 0, "currency": "USD"})
    );
    for res in [
        app.client.get("/api/cart").send().await,
        app.client.post("/api/cart/checkout").send().await,
        app.client.delete("/api/cart/items/1").send().await,
    ] {
        res.assert_status(401);
    }
    let res = app.client.get("/api/cart").bearer(&token).send().await;
    assert_eq!(res.header("cache-control"), Some("private, no-store"));
}

#[tokio::test]
async fn lines_are_set_removed_and_priced_at_the_current_price() {
    let app = app().await;
    let s = shop(&app, &[(1250, 3, "USD"), (399, 0, "USD")]).await;
    let token = buyer(&app, "ann@example.com").await;
    let (a, b) = (&s.products[0], &s.products[1]);
    put_item(&app.client, &token, a, json!(2))
        .await
        .assert_status(200);
    // Stock is not checked when adding: B is sold out, 5 go in.
    let res = put_item(&app.client, &token, b, json!(5)).await;
    res.assert_status(200);
    assert_eq!(
        res.json_value(),
        json!({"items": [
            {"product_id": a["id"], "name": "Product 0", "unit_price_cents": 1250, "quantity": 2, "line_total_cents": 2500},
            {"product_id": b["id"], "name": "Product 1", "unit_price_cents": 399, "quantity": 5, "line_total_cents": 1995},
        ], "total_cents": 4495, "currency": "USD"})
    );
    // Setting replaces the quantity; a price change shows at once.
    put_item(&app.client, &token, a, json!(1000))
        .await
        .assert_status(200);
    app.client
        .patch(&format!("/api/catalog/products/{}", a["id"]))
        .bearer(&s.staff)
        .json(&json!({"price_cents": 1000}))
        .send()
        .await
        .assert_status(200);
    let cart = get_cart(&app.client, &token).await;
    assert_eq!(cart["items"][0]["quantity"], 1000);
    assert_eq!(cart["items"][0]["line_total_cents"], 1_000_000);
    assert_eq!(cart["total_cents"], 1_001_995);

    // 0 removes; DELETE removes and is 204 also when the line is absent.
    let res = put_item(&app.client, &token, b, json!(0)).await;
    res.assert_status(200);
    assert_eq!(res.json_value()["items"].as_array().unwrap().len(), 1);
    for _ in 0..2 {
        app.client
            .delete(&format!("/api/cart/items/{}", a["id"]))
            .bearer(&token)
            .send()
            .await
            .assert_status(204);
    }
    assert_eq!(get_cart(&app.client, &token).await["items"], json!([]));
    // Another user's cart is their own.
    let other = buyer(&app, "bob@example.com").await;
    put_item(&app.client, &other, a, json!(1))
        .await
        .assert_status(200);
    assert_eq!(get_cart(&app.client, &token).await["items"], json!([]));
}

#[tokio::test]
async fn bad_quantities_unknown_products_and_other_currencies_are_422_and_change_nothing() {
    let app = app().await;
    let s = shop(&app, &[(100, 5, "USD"), (200, 5, "EUR"), (300, 5, "USD")]).await;
    let token = buyer(&app, "ann@example.com").await;
    let (usd, eur, inactive) = (&s.products[0], &s.products[1], &s.products[2]);
    app.client
        .patch(&format!("/api/catalog/products/{}", inactive["id"]))
        .bearer(&s.staff)
        .json(&json!({"is_active": false}))
        .send()
        .await
        .assert_status(200);
    put_item(&app.client, &token, usd, json!(1))
        .await
        .assert_status(200);
    let before = get_cart(&app.client, &token).await;

    for quantity in [
        json!(-1),
        json!(1001),
        json!(1.5),
        json!("2"),
        json!(null),
        json!(1e20),
    ] {
        let res = put_item(&app.client, &token, usd, quantity.clone()).await;
        res.assert_status(422);
        assert_eq!(res.error_code(), "validation_error", "{quantity}");
    }
    let res = put_item(&app.client, &token, usd, json!(1001)).await;
    assert!(
        res.json_value()["error"]["fields"]["quantity"].is_array(),
        "{}",
        res.text()
    );
    let res = app
        .client
        .put(&format!("/api/cart/items/{}", usd["id"]))
        .bearer(&token)
        .json(&json!({}))
        .send()
        .await;
    res.assert_status(422);

    let res = put_item(&app.client, &token, eur, json!(1)).await;
    res.assert_status(422);
    let message = res.json_value()["error"]["fields"]["product_id"][0].clone();
    assert!(message.as_str().unwrap().contains("EUR"), "{message}");
    for unknown in [inactive["id"].clone(), json!(999_999)] {
        let res = app
            .client
            .put(&format!("/api/cart/items/{unknown}"))
            .bearer(&token)
            .json(&json!({"quantity": 1}))
            .send()
            .await;
        res.assert_status(422);
        assert!(res.json_value()["error"]["fields"]["product_id"].is_array());
    }
    for bad_path in ["0", "-3", "abc"] {
        app.client
            .put(&format!("/api/cart/items/{bad_path}"))
            .bearer(&token)
            .json(&json!({"quantity": 1}))
            .send()
            .await
            .assert_status(404);
    }
    assert_eq!(get_cart(&app.client, &token).await, before);

    // The only line may change currency; an emptied cart takes any.
    put_item(&app.client, &token, usd, json!(0))
        .await
        .assert_status(200);
    put_item(&app.client, &token, eur, json!(2))
        .await
        .assert_status(200);
    assert_eq!(get_cart(&app.client, &token).await["currency"], "EUR");
    // A line of a product deactivated since can still be removed with 0.
    app.client
        .patch(&format!("/api/catalog/products/{}", eur["id"]))
        .bearer(&s.staff)
        .json(&json!({"is_active": false}))
        .send()
        .await
        .assert_status(200);
    put_item(&app.client, &token, eur, json!(0))
        .await
        .assert_status(200);
    assert_eq!(get_cart(&app.client, &token).await["items"], json!([]));
}
