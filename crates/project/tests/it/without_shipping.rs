//! Shipping is an app like any other: the store with the `shipping` line removed from
//! `apps.rs` (and its URLs from `urls.rs`) still sells, pays and lists orders, without
//! asking where to ship; and with it installed, a shop that has no shipping method yet
//! checks out as before.

use serde_json::{Value, json};
use web::{Project, UrlRegistry};
use web_test::TestApp;

/// `urls.rs` without the shipping line.
fn urls_without_shipping() -> UrlRegistry {
    UrlRegistry::new()
        .include("", web::health::urls())
        .include("/accounts", accounts::urls())
        .include("/i18n", web_i18n::urls())
        .include("", catalog::home_urls())
        .include("/catalog", catalog::urls())
        .include("", payments::urls())
        .include("/cart", cart::urls())
        .include("/addresses", addresses::urls())
        .include("/admin", admin::urls())
        .include("", web_openapi::urls())
}

fn store_without_shipping() -> Project {
    let mut project = project::project();
    project.apps.retain(|app| app.label() != "shipping");
    project.urls = urls_without_shipping;
    project
}

/// A seeded store's staff and a buyer with a cart of one shipped product and an address.
async fn buyer_with_a_cart(app: &TestApp) -> (String, i64) {
    accounts::seed::local_users(&app.state).await.unwrap();
    catalog::seed::insert_products(app.db(), catalog::seed::demo_catalog().unwrap(), |_, _| {})
        .await
        .unwrap();
    let token = app
        .client
        .post("/api/accounts/token")
        .json(&json!({"email": "user@example.com", "password": "userpass123"}))
        .send()
        .await
        .json_value()["token"]
        .as_str()
        .unwrap()
        .to_string();
    let products = app
        .client
        .get("/api/catalog/products")
        .send()
        .await
        .json_value();
    let shipped: &Value = products["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["requires_shipping"] == true && p["currency"] == "USD")
        .unwrap();
    app.client
        .put(&format!("/api/cart/items/{}", shipped["id"]))
        .bearer(&token)
        .json(&json!({"quantity": 1}))
        .send()
        .await
        .assert_status(200);
    let address = app
        .client
        .post("/api/addresses")
        .bearer(&token)
        .json(&json!({"name": "Ada", "line1": "1 Main St", "city": "Town",
                      "postal_code": "10001", "country": "US"}))
        .send()
        .await;
    address.assert_status(201);
    (token, address.json_value()["id"].as_i64().unwrap())
}

#[tokio::test]
async fn the_store_without_the_shipping_app_sells_without_shipping() {
    let project = store_without_shipping();
    assert!(!project.labels().contains(&"shipping"));
    let app = TestApp::new(&project).await;
    let (token, address) = buyer_with_a_cart(&app).await;
    app.client
        .get("/api/shipping/methods?country=US&order_weight_grams=1")
        .send()
        .await
        .assert_status(404);
    // A choice names something this shop does not do.
    let res = app
        .client
        .post("/api/cart/checkout")
        .bearer(&token)
        .json(&json!({"shipping_address_id": address, "shipping_method_id": 1}))
        .send()
        .await;
    res.assert_status(422);
    assert!(res.json_value()["error"]["fields"]["shipping_method_id"].is_array());
    let cart = app.client.get("/cart/").bearer(&token).send().await;
    cart.assert_status(200);
    // Checkout as before: no address, no shipping, no tax.
    let res = app
        .client
        .post("/api/cart/checkout")
        .bearer(&token)
        .send()
        .await;
    res.assert_status(201);
    let order = res.json_value();
    assert_eq!(order["shipping_address"], Value::Null);
    assert_eq!(order["total_cents"], order["subtotal_cents"]);
    let paid = app
        .client
        .post(&format!("/api/orders/{}/pay", order["id"]))
        .bearer(&token)
        .header("idempotency-key", "no-shipping")
        .json(&json!({"card_number": "4242424242424242"}))
        .send()
        .await;
    paid.assert_status(200);
    let listed = app.client.get("/api/orders").bearer(&token).send().await;
    assert_eq!(listed.json_value()["items"][0]["status"], "paid");
}

#[tokio::test]
async fn a_shop_with_no_shipping_method_yet_checks_out_as_before() {
    let app = TestApp::new(&project::project()).await;
    let (token, _) = buyer_with_a_cart(&app).await;
    let res = app
        .client
        .post("/api/cart/checkout")
        .bearer(&token)
        .send()
        .await;
    res.assert_status(201);
    assert_eq!(res.json_value()["shipping_method"], Value::Null);
}
