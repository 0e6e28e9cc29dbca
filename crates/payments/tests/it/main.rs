//! The payments app through HTTP: orders, payment, refunds, webhooks, pages, and races.

use std::sync::Arc;

use accounts::Accounts;
use accounts::testing::{self, Role};
use catalog::Catalog;
use payments::Payments;
use serde_json::{Value, json};
use web::Project;
use web_test::{TestApp, TestClient};

mod concurrency;
mod confirmation;
mod expiry;
mod orders;
mod pages;
mod pay;
mod refund;
mod totals;
mod webhook;

pub fn project() -> Project {
    web_test::project(
        vec![
            Arc::new(Accounts),
            Arc::new(web_media::Media),
            Arc::new(Catalog),
            Arc::new(Payments),
        ],
        || {
            web_test::urls()
                .include("/accounts", accounts::urls())
                .include("/catalog", catalog::urls())
                .include("", payments::urls())
        },
        migration::group,
    )
}

pub async fn app() -> TestApp {
    TestApp::new(&project()).await
}

pub use accounts::testing::PASSWORD;
pub const CARD: &str = "4242424242424242";
pub const DECLINED: &str = "4000000000000002";

/// A new user (staff are superusers here) and their bearer token.
pub async fn new_user(app: &TestApp, email: &str, staff: bool) -> String {
    let role = if staff {
        Role::Superuser
    } else {
        Role::Customer
    };
    testing::user_with_token(app, email, role).await
}

/// A shop: a staff token, a buyer token, and products (price, stock) by index.
pub struct Shop {
    pub staff: String,
    pub buyer: String,
    pub products: Vec<Value>,
}

pub async fn shop(app: &TestApp, stock: &[(i64, i64)]) -> Shop {
    let staff = new_user(app, "staff@example.com", true).await;
    let buyer = new_user(app, "buyer@example.com", false).await;
    let mut products = Vec::new();
    for (n, (price, units)) in stock.iter().enumerate() {
        let res = app
            .client
            .post("/api/catalog/products")
            .bearer(&staff)
            .json(&json!({"sku": format!("P{n}"), "name": format!("Product {n}"), "price_cents": price, "stock": units}))
            .send()
            .await;
        res.assert_status(201);
        products.push(res.json_value());
    }
    Shop {
        staff,
        buyer,
        products,
    }
}

pub async fn stock_of(client: &TestClient, staff: &str, product: &Value) -> i64 {
    let res = client
        .get(&format!("/api/catalog/products/{}", product["id"]))
        .bearer(staff)
        .send()
        .await;
    res.assert_status(200);
    res.json_value()["stock"].as_i64().unwrap()
}

pub async fn order(
    client: &TestClient,
    token: &str,
    lines: &[(&Value, i64)],
) -> web_test::TestResponse {
    let items: Vec<Value> = lines
        .iter()
        .map(|(p, q)| json!({"product_id": p["id"], "quantity": q}))
        .collect();
    client
        .post("/api/orders")
        .bearer(token)
        .json(&json!({ "items": items }))
        .send()
        .await
}

pub async fn pay(
    client: &TestClient,
    token: &str,
    order_id: &Value,
    key: &str,
    card: &str,
) -> web_test::TestResponse {
    client
        .post(&format!("/api/orders/{order_id}/pay"))
        .bearer(token)
        .header("idempotency-key", key)
        .json(&json!({ "card_number": card }))
        .send()
        .await
}

/// What `project cleanup` reports for `what` (e.g. "old webhook events deleted").
pub async fn cleanup_count(app: &TestApp, what: &str) -> u64 {
    use web::App;
    let report = payments::Payments.cleanup(&app.state).await.unwrap();
    report
        .into_iter()
        .find(|(w, _)| w == what)
        .map(|(_, n)| n)
        .unwrap_or_else(|| panic!("cleanup reports no {what:?}"))
}

/// Moves order `id`'s creation `age` into the past (a reservation that has run its time).
pub async fn backdate_order(app: &TestApp, id: &Value, age: time::Duration) {
    use payments::models::order;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
    order::Entity::update_many()
        .col_expr(order::Column::CreatedAt, Expr::value(web::db::now() - age))
        .filter(order::Column::Id.eq(id.as_i64().unwrap()))
        .exec(app.db())
        .await
        .unwrap();
}

/// Waits for every spawned request and returns their status codes, in spawn order.
pub async fn statuses(tasks: impl IntoIterator<Item = tokio::task::JoinHandle<u16>>) -> Vec<u16> {
    futures::future::join_all(tasks)
        .await
        .into_iter()
        .map(|r| r.unwrap())
        .collect()
}
