//! `GET /api/shipping/methods`

use accounts::testing::{self, Role};
use serde_json::json;

use crate::{add_method, add_zone, app, methods, offered, product, sku, staff};

/// US (standard flat, express by weight up to 5 kg) and the EU (one banded method in
/// USD, one in EUR).
async fn shop(app: &web_test::TestApp) {
    let staff = staff(app).await;
    let us = add_zone(&staff, "United States", "US").await;
    add_method(&staff, us, "Standard", "USD", 590, "").await;
    add_method(&staff, us, "Express", "USD", 0, "1000:1290,5000:1990").await;
    let eu = add_zone(&staff, "Europe", "DE,FR,NL").await;
    add_method(&staff, eu, "International", "USD", 0, "1000:1290,5000:2290").await;
    add_method(&staff, eu, "Europa Paket", "EUR", 890, "").await;
}

#[tokio::test]
async fn methods_serve_a_country_at_a_weight_cheapest_first() {
    let app = app().await;
    shop(&app).await;
    let us_light = methods(&app, "country=US&order_weight_grams=800", None).await;
    assert_eq!(
        offered(&us_light),
        [("Standard".to_string(), 590), ("Express".to_string(), 1290)]
    );
    let first = &us_light.json_value()["items"][0];
    assert_eq!(
        first.as_object().unwrap().keys().collect::<Vec<_>>(),
        [
            "currency",
            "id",
            "max_days",
            "min_days",
            "name",
            "price_cents"
        ]
    );
    assert_eq!(
        (first["min_days"].clone(), first["max_days"].clone()),
        (json!(2), json!(4))
    );
    // Heavier: the next band; past the last band, not offered.
    let us_heavy = methods(&app, "country=us&order_weight_grams=5000", None).await;
    assert_eq!(offered(&us_heavy)[1], ("Express".to_string(), 1990));
    let us_too_heavy = methods(&app, "country=US&order_weight_grams=5001", None).await;
    assert_eq!(offered(&us_too_heavy), [("Standard".to_string(), 590)]);
    // Without a cart, every currency.
    let de = methods(&app, "country=DE&order_weight_grams=1500", None).await;
    assert_eq!(
        offered(&de),
        [
            ("Europa Paket".to_string(), 890),
            ("International".to_string(), 2290)
        ]
    );
    // Nobody ships to Japan.
    assert!(offered(&methods(&app, "country=JP&order_weight_grams=1", None).await).is_empty());

    for (query, field) in [
        ("order_weight_grams=1", "country"),
        ("country=XX&order_weight_grams=1", "country"),
        ("country=DE&order_weight_grams=-1", "order_weight_grams"),
        ("country=DE&order_weight_grams=heavy", "order_weight_grams"),
    ] {
        let res = methods(&app, query, None).await;
        res.assert_status(422);
        assert!(
            res.json_value()["error"]["fields"][field].is_array(),
            "{query}: {}",
            res.text()
        );
    }
    // The cart and addresses need a bearer token.
    methods(&app, "country=DE", None).await.assert_status(401);
    methods(&app, "address_id=1&order_weight_grams=1", None)
        .await
        .assert_status(401);
}

#[tokio::test]
async fn the_cart_gives_the_weight_and_the_currency_and_an_address_the_country() {
    let app = app().await;
    shop(&app).await;
    let staff = testing::user_with_token(&app, "editor@example.com", Role::Superuser).await;
    let beans = product(&app, &staff, sku(1, 600, "USD", true)).await;
    let course = product(&app, &staff, sku(2, 9000, "USD", false)).await;
    let buyer = testing::user_with_token(&app, "buyer@example.com", Role::Customer).await;
    // An empty cart weighs nothing.
    let empty = methods(&app, "country=US", Some(&buyer)).await;
    assert_eq!(offered(&empty)[1], ("Express".to_string(), 1290));
    for (product, quantity) in [(&beans, 2), (&course, 1)] {
        app.client
            .put(&format!("/api/cart/items/{}", product["id"]))
            .bearer(&buyer)
            .json(&json!({"quantity": quantity}))
            .send()
            .await
            .assert_status(200);
    }
    // 2 × 600 g; the course is digital and weighs nothing here.
    let us = methods(&app, "country=US", Some(&buyer)).await;
    assert_eq!(
        offered(&us),
        [("Standard".to_string(), 590), ("Express".to_string(), 1990)]
    );
    // Only methods in the cart's currency (USD): not the EUR one.
    let de = methods(&app, "country=DE", Some(&buyer)).await;
    assert_eq!(offered(&de), [("International".to_string(), 2290)]);

    // An address of the buyer's gives the country; another user's is not found.
    let res = app
        .client
        .post("/api/addresses")
        .bearer(&buyer)
        .json(&json!({"name": "B", "line1": "1 Rue", "city": "Paris", "postal_code": "75008", "country": "FR"}))
        .send()
        .await;
    res.assert_status(201);
    let address = res.json_value()["id"].as_i64().unwrap();
    let fr = methods(&app, &format!("address_id={address}"), Some(&buyer)).await;
    assert_eq!(offered(&fr), [("International".to_string(), 2290)]);
    let other = testing::user_with_token(&app, "other@example.com", Role::Customer).await;
    methods(
        &app,
        &format!("address_id={address}&order_weight_grams=1"),
        Some(&other),
    )
    .await
    .assert_status(404);
}
