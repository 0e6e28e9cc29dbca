//! The cart app through HTTP: the API, checkout (also racing), the pages, login merging.

use std::sync::Arc;

use accounts::Accounts;
use accounts::testing::{self, Role};
use catalog::Catalog;
use payments::Payments;
use serde_json::{Value, json};
use web::Project;
use web_test::{TestApp, TestClient, TestResponse};

mod api;
mod checkout;
mod pages;

pub fn project() -> Project {
    web_test::project(
        vec![
            Arc::new(Accounts),
            Arc::new(web_media::Media),
            Arc::new(Catalog),
            Arc::new(Payments),
            Arc::new(cart::CartApp),
        ],
        || {
            web_test::urls()
                .include("/accounts", accounts::urls())
                .include("/catalog", catalog::urls())
                .include("", payments::urls())
                .include("/cart", cart::urls())
        },
        migration::group,
    )
}

pub async fn app() -> TestApp {
    TestApp::new(&project()).await
}

pub const CARD: &str = "4242424242424242";

/// A staff token and products `(price, stock, currency)` by index.
pub struct Shop {
    pub staff: String,
    pub products: Vec<Value>,
}

pub async fn shop(app: &TestApp, stock: &[(i64, i64, &str)]) -> Shop {
    let staff = testing::user_with_token(app, "staff@example.com", Role::Superuser).await;
    let mut products = Vec::new();
    for (n, (price, units, currency)) in stock.iter().enumerate() {
        let res = app
            .client
            .post("/api/catalog/products")
            .bearer(&staff)
            .json(&json!({"sku": format!("P{n}"), "name": format!("Product {n}"), "price_cents": price, "stock": units, "currency": currency}))
            .send()
            .await;
        res.assert_status(201);
        products.push(res.json_value());
    }
    Shop { staff, products }
}

pub async fn buyer(app: &TestApp, email: &str) -> String {
    testing::user_with_token(app, email, Role::Customer).await
}

pub async fn put_item(
    client: &TestClient,
    token: &str,
    product: &Value,
    quantity: Value,
) -> TestResponse {
    client
        .put(&format!("/api/cart/items/{}", product["id"]))
        .bearer(token)
        .json(&json!({ "quantity": quantity }))
        .send()
        .await
}

pub async fn get_cart(client: &TestClient, token: &str) -> Value {
    let res = client.get("/api/cart").bearer(token).send().await;
    res.assert_status(200);
    res.json_value()
}

pub async fn checkout(client: &TestClient, token: &str) -> TestResponse {
    client.post("/api/cart/checkout").bearer(token).send().await
}

/// (product id, quantity) of each line of a cart or an order.
pub fn quantities(cart_or_order: &Value) -> Vec<(Value, Value)> {
    cart_or_order["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["product_id"].clone(), i["quantity"].clone()))
        .collect()
}

pub async fn stock_of(app: &TestApp, staff: &str, product: &Value) -> i64 {
    let res = app
        .client
        .get(&format!("/api/catalog/products/{}", product["id"]))
        .bearer(staff)
        .send()
        .await;
    res.assert_status(200);
    res.json_value()["stock"].as_i64().unwrap()
}
