//! The admin site through HTTP: permissions, lists, forms, deletes, actions, audit log.

use std::sync::Arc;

use accounts::Accounts;
use accounts::testing::{self, Role};
use admin::Admin;
use catalog::Catalog;
use payments::Payments;
use serde_json::{Value, json};
use web::Project;
use web_test::{TestApp, TestClient};

mod changelist;
mod files;
mod forms;
mod groups;
mod images;
mod jobs;
mod model_permissions;
mod orders;
mod permissions;

pub fn project() -> Project {
    web_test::project(
        vec![
            Arc::new(Accounts),
            Arc::new(web_media::Media),
            Arc::new(Catalog),
            Arc::new(Payments),
            Arc::new(Admin),
        ],
        || {
            web_test::urls()
                .include("/accounts", accounts::urls())
                .include("/catalog", catalog::urls())
                .include("", payments::urls())
                .include("/admin", admin::urls())
        },
        migration::group,
    )
}

pub use accounts::testing::PASSWORD;

/// A new user (staff are superusers here); their id.
pub async fn new_user(app: &TestApp, email: &str, staff: bool) -> i64 {
    let role = if staff {
        Role::Superuser
    } else {
        Role::Customer
    };
    testing::user(app, email, role).await.id
}

pub use testing::signed_in;

/// An app with a staff member (signed in), a regular user, and their bearer tokens.
pub struct Site {
    pub app: TestApp,
    pub staff: TestClient,
    pub staff_id: i64,
    pub user: TestClient,
    pub staff_token: String,
}

pub async fn site() -> Site {
    let app = TestApp::new(&project()).await;
    let staff_id = new_user(&app, "staff@example.com", true).await;
    new_user(&app, "user@example.com", false).await;
    let staff = signed_in(&app, "staff@example.com").await;
    let user = signed_in(&app, "user@example.com").await;
    let staff_token = token(&app, "staff@example.com").await;
    Site {
        app,
        staff,
        staff_id,
        user,
        staff_token,
    }
}

pub async fn token(app: &TestApp, email: &str) -> String {
    let res = app
        .client
        .post("/api/accounts/token")
        .json(&json!({"email": email, "password": PASSWORD}))
        .send()
        .await;
    res.assert_status(200);
    res.json_value()["token"].as_str().unwrap().to_string()
}

/// Creates a product through the staff API; returns its JSON.
pub async fn product(site: &Site, sku: &str, name: &str, price_cents: i64, stock: i64) -> Value {
    let res = site
        .app
        .client
        .post("/api/catalog/products")
        .bearer(&site.staff_token)
        .json(&json!({"sku": sku, "name": name, "price_cents": price_cents, "stock": stock}))
        .send()
        .await;
    res.assert_status(201);
    res.json_value()
}

/// The product as the public API shows it now.
pub async fn product_json(site: &Site, id: i64) -> Value {
    let res = site
        .app
        .client
        .get(&format!("/api/catalog/products/{id}"))
        .bearer(&site.staff_token)
        .send()
        .await;
    res.assert_status(200);
    res.json_value()
}

/// The audit log entries of one object: (action, message).
pub async fn log_entries(
    site: &Site,
    app_label: &str,
    model: &str,
    id: i64,
) -> Vec<(String, String)> {
    admin::models::history(site.app.db(), app_label, model, id, 100)
        .await
        .unwrap()
        .into_iter()
        .map(|e| (e.action, e.message))
        .collect()
}
