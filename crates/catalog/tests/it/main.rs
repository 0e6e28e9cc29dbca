//! The catalog app through HTTP: the JSON API, the pages, the demo data.

use std::sync::Arc;

use accounts::Accounts;
use accounts::models::user::{self, NewUser};
use catalog::Catalog;
use serde_json::{Value, json};
use web::test::{TestApp, TestClient};
use web::{Embedded, Project, UrlRegistry};

mod api;
mod cursor;
mod input;
mod pages;
mod seed;

pub fn project() -> Project {
    Project {
        apps: vec![
            Arc::new(web::health::Health),
            Arc::new(web::sessions::Sessions),
            Arc::new(Accounts),
            Arc::new(Catalog),
        ],
        urls: || {
            UrlRegistry::new()
                .include("", web::health::urls())
                .include("/accounts", accounts::urls())
                .include("", catalog::home_urls())
                .include("/catalog", catalog::urls())
        },
        migrations: migration::group,
        embedded: Embedded::none(),
    }
}

pub async fn app() -> TestApp {
    TestApp::new(&project()).await
}

const PASSWORD: &str = "correct-horse-42";

/// A bearer token for a new user (staff or not).
pub async fn token_for(app: &TestApp, email: &str, staff: bool) -> String {
    let auth: accounts::Auth = app.state.service().unwrap();
    let password_hash = auth.hasher.hash(PASSWORD).await.unwrap();
    user::create(
        app.db(),
        NewUser {
            email: email.into(),
            name: String::new(),
            password_hash,
            is_staff: staff,
            is_superuser: false,
        },
    )
    .await
    .unwrap();
    let res = app
        .client
        .post("/api/accounts/token")
        .json(&json!({"email": email, "password": PASSWORD}))
        .send()
        .await;
    res.assert_status(200);
    res.json_value()["token"].as_str().unwrap().to_string()
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
