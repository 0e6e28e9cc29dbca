//! The catalog app through HTTP: the JSON API, the pages, the demo data.

use std::sync::Arc;

use accounts::Accounts;
use accounts::testing::{self, Role};
use catalog::Catalog;
use serde_json::{Value, json};
use web::Project;
use web_test::{TestApp, TestClient};

mod api;
mod cursor;
mod images;
mod input;
mod pages;
mod seed;

pub fn project() -> Project {
    web_test::project(
        vec![
            Arc::new(Accounts),
            Arc::new(web_media::Media),
            Arc::new(Catalog),
        ],
        || {
            web_test::urls()
                .include("/accounts", accounts::urls())
                .include("", catalog::home_urls())
                .include("/catalog", catalog::urls())
        },
        migration::group,
    )
}

pub async fn app() -> TestApp {
    TestApp::new(&project()).await
}

/// Every permission of the catalog: what "staff" in these tests may do.
pub const CATALOG_PERMISSIONS: [&str; 4] = [
    "catalog.view_product",
    "catalog.add_product",
    "catalog.change_product",
    "catalog.delete_product",
];

/// A bearer token for a new user: a customer, or staff with every catalog permission.
pub async fn token_for(app: &TestApp, email: &str, staff: bool) -> String {
    if staff {
        testing::staff_with(app, email, &CATALOG_PERMISSIONS).await;
        testing::token(&app.client, email).await
    } else {
        testing::user_with_token(app, email, Role::Customer).await
    }
}

pub async fn staff(app: &TestApp) -> String {
    token_for(app, "staff@example.com", true).await
}

/// Creates a product through the staff API.
pub async fn create(client: &TestClient, staff: &str, body: Value) -> Value {
    let res = client
        .post("/api/catalog/products")
        .bearer(staff)
        .json(&body)
        .send()
        .await;
    res.assert_status(201);
    res.json_value()
}

/// A product body with the required fields.
pub fn product(sku: &str, name: &str) -> Value {
    json!({"sku": sku, "name": name, "price_cents": 1999, "stock": 5})
}
