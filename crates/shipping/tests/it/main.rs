//! The shipping app through HTTP: zones and methods made on the admin site, the methods
//! offered per destination and parcel (the cart's), and the demo data of `project seed`.

use std::sync::Arc;

use accounts::testing::{self, Role};
use serde_json::{Value, json};
use web::Project;
use web_test::{TestApp, TestClient, TestResponse};

mod admin;
mod api;
mod checkout;
mod pages;
mod seed;

pub fn project() -> Project {
    web_test::project(
        vec![
            Arc::new(accounts::Accounts),
            Arc::new(web_media::Media),
            Arc::new(catalog::Catalog),
            Arc::new(payments::Payments),
            Arc::new(cart::CartApp),
            Arc::new(addresses::Addresses),
            Arc::new(shipping::Shipping),
            Arc::new(::admin::Admin),
        ],
        || {
            web_test::urls()
                .include("/accounts", accounts::urls())
                .include("/catalog", catalog::urls())
                .include("", payments::urls())
                .include("/cart", cart::urls())
                .include("/addresses", addresses::urls())
                .include("/shipping", shipping::urls())
                .include("/admin", ::admin::urls())
        },
        migration::group,
    )
}

pub async fn app() -> TestApp {
    TestApp::new(&project()).await
}

/// A signed-in superuser's browser.
pub async fn staff(app: &TestApp) -> TestClient {
    testing::user(app, "staff@example.com", Role::Superuser).await;
    testing::signed_in(app, "staff@example.com").await
}

/// Adds a zone on the admin site; its id.
pub async fn add_zone(staff: &TestClient, name: &str, countries: &str) -> i64 {
    let page = "/admin/shipping/zone/add/";
    let res = staff
        .submit_form(page, page, &[("name", name), ("countries", countries)])
        .await;
    res.assert_status(303);
    id_in(res.location().unwrap())
}

/// Adds a method on the admin site; its id.
pub async fn add_method(
    staff: &TestClient,
    zone: i64,
    name: &str,
    currency: &str,
    price_cents: i64,
    bands: &str,
) -> i64 {
    let page = "/admin/shipping/method/add/";
    let (zone, price) = (zone.to_string(), price_cents.to_string());
    let res = staff
        .submit_form(
            page,
            page,
            &[
                ("zone_id", zone.as_str()),
                ("name", name),
                ("currency", currency),
                ("price_cents", price.as_str()),
                ("weight_bands", bands),
                ("min_days", "2"),
                ("max_days", "4"),
                ("is_active", "true"),
            ],
        )
        .await;
    res.assert_status(303);
    id_in(res.location().unwrap())
}

/// The id in `/admin/APP/MODEL/ID/change/`.
fn id_in(location: &str) -> i64 {
    location
        .trim_end_matches("/change/")
        .rsplit('/')
        .next()
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("no id in {location}"))
}

pub async fn methods(app: &TestApp, query: &str, token: Option<&str>) -> TestResponse {
    let mut request = app.client.get(&format!("/api/shipping/methods?{query}"));
    if let Some(token) = token {
        request = request.bearer(token);
    }
    request.send().await
}

/// (name, price) of each method offered.
pub fn offered(res: &TestResponse) -> Vec<(String, i64)> {
    res.assert_status(200);
    res.json_value()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["name"].as_str().unwrap().to_string(),
                m["price_cents"].as_i64().unwrap(),
            )
        })
        .collect()
}

/// A product made through the staff API.
pub async fn product(app: &TestApp, staff_token: &str, body: Value) -> Value {
    let res = app
        .client
        .post("/api/catalog/products")
        .bearer(staff_token)
        .json(&body)
        .send()
        .await;
    res.assert_status(201);
    res.json_value()
}

pub fn sku(n: u32, grams: i64, currency: &str, ships: bool) -> Value {
    json!({"sku": format!("S-{n}"), "name": format!("Thing {n}"), "price_cents": 1000,
           "stock": 50, "currency": currency, "weight_grams": grams, "requires_shipping": ships})
}
