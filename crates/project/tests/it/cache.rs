//! The response cache is never stale: every change, made by this process or by another
//! one on the same database, shows on the next request. On SQLite files the cache is on;
//! on MySQL/PostgreSQL it is off and these tests check plain reads.

use serde_json::{Value, json};
use web::db::Backend;
use web::test::TestApp;

async fn store() -> TestApp {
    TestApp::builder(&project::project())
        .file_database()
        .build()
        .await
}

/// A second server process on the same database, with its own pool and cache.
async fn second_process(first: &TestApp) -> TestApp {
    TestApp::builder(&project::project())
        .share_database(first)
        .build()
        .await
}

async fn staff_token(app: &TestApp) -> String {
    catalog::seed::seed_users(&app.state).await.unwrap();
    let res = app
        .client
        .post("/api/accounts/token")
        .json(&json!({"email": "staff@example.com", "password": "staffpass123"}))
        .send()
        .await;
    res.json_value()["token"].as_str().unwrap().to_string()
}

async fn product(app: &TestApp, staff: &str, sku: &str, price: i64) -> Value {
    let res = app
        .client
        .post("/api/catalog/products")
        .bearer(staff)
        .json(
            &json!({"sku": sku, "name": format!("Thing {sku}"), "price_cents": price, "stock": 9}),
        )
        .send()
        .await;
    res.assert_status(201);
    res.json_value()
}

#[tokio::test]
async fn the_cache_is_on_only_for_sqlite_files() {
    let app = store().await;
    assert_eq!(
        app.state.cache().is_enabled(),
        app.backend() == Backend::Sqlite
    );
    let memory = TestApp::new(&project::project()).await;
    if memory.backend() == Backend::Sqlite {
        assert!(
            !memory.state.cache().is_enabled(),
            "an in-memory database has no other connection to watch"
        );
    }
}

#[tokio::test]
async fn lists_and_details_follow_every_change() {
    let app = store().await;
    let staff = staff_token(&app).await;
    let p = product(&app, &staff, "A", 100).await;
    let detail = format!("/api/catalog/products/{}", p["id"]);
    let first = app
        .client
        .get("/api/catalog/products")
        .send()
        .await
        .json_value();
    assert_eq!(first["total"], 1);
    assert_eq!(
        app.client.get(&detail).send().await.json_value()["price_cents"],
        100
    );
    // Served twice from the cache: identical.
    assert_eq!(
        app.client
            .get("/api/catalog/products")
            .send()
            .await
            .json_value(),
        first
    );

    app.client
        .patch(&detail)
        .bearer(&staff)
        .json(&json!({"price_cents": 250}))
        .send()
        .await
        .assert_status(200);
    assert_eq!(
        app.client.get(&detail).send().await.json_value()["price_cents"],
        250
    );
    assert_eq!(
        app.client
            .get("/api/catalog/products")
            .send()
            .await
            .json_value()["items"][0]["price_cents"],
        250
    );

    product(&app, &staff, "B", 5).await;
    assert_eq!(
        app.client
            .get("/api/catalog/products")
            .send()
            .await
            .json_value()["total"],
        2
    );

    app.client
        .delete(&detail)
        .bearer(&staff)
        .send()
        .await
        .assert_status(204);
    app.client.get(&detail).send().await.assert_status(404);
    assert_eq!(
        app.client
            .get("/api/catalog/products")
            .send()
            .await
            .json_value()["total"],
        1
    );
}

#[tokio::test]
async fn another_process_sees_changes_at_once() {
    let a = store().await;
    let b = second_process(&a).await;
    let staff = staff_token(&a).await;
    let p = product(&a, &staff, "X", 700).await;
    let detail = format!("/api/catalog/products/{}", p["id"]);
    // B caches the product...
    assert_eq!(
        b.client.get(&detail).send().await.json_value()["price_cents"],
        700
    );
    assert!(
        b.client
            .get("/catalog/")
            .send()
            .await
            .text()
            .contains("$7.00")
    );
    // ...A changes it...
    a.client
        .patch(&detail)
        .bearer(&staff)
        .json(&json!({"price_cents": 900}))
        .send()
        .await
        .assert_status(200);
    // ...and B's very next answers have the new price.
    assert_eq!(
        b.client.get(&detail).send().await.json_value()["price_cents"],
        900
    );
    let page = b.client.get("/catalog/").send().await.text();
    assert!(page.contains("$9.00") && !page.contains("$7.00"), "{page}");
}

#[tokio::test]
async fn a_token_revoked_in_one_process_fails_in_the_other_at_once() {
    let a = store().await;
    let b = second_process(&a).await;
    let staff = staff_token(&a).await;
    b.client
        .get("/api/accounts/me")
        .bearer(&staff)
        .send()
        .await
        .assert_status(200);
    b.client
        .get("/api/orders")
        .bearer(&staff)
        .send()
        .await
        .assert_status(200);
    a.client
        .post("/api/accounts/logout")
        .bearer(&staff)
        .send()
        .await
        .assert_status(204);
    b.client
        .get("/api/accounts/me")
        .bearer(&staff)
        .send()
        .await
        .assert_status(401);
    b.client
        .get("/api/orders")
        .bearer(&staff)
        .send()
        .await
        .assert_status(401);
}

#[tokio::test]
async fn a_users_orders_follow_their_changes() {
    let a = store().await;
    let b = second_process(&a).await;
    let staff = staff_token(&a).await;
    let p = product(&a, &staff, "O", 300).await;
    assert_eq!(
        b.client
            .get("/api/orders")
            .bearer(&staff)
            .send()
            .await
            .json_value()["total"],
        0
    );
    let created = a
        .client
        .post("/api/orders")
        .bearer(&staff)
        .json(&json!({"items": [{"product_id": p["id"], "quantity": 2}]}))
        .send()
        .await;
    created.assert_status(201);
    let listed = b
        .client
        .get("/api/orders")
        .bearer(&staff)
        .send()
        .await
        .json_value();
    assert_eq!(listed["total"], 1);
    let id = created.json_value()["id"].clone();
    assert_eq!(
        b.client
            .get(&format!("/api/orders/{id}"))
            .bearer(&staff)
            .send()
            .await
            .json_value()["status"],
        "pending"
    );
    a.client
        .post(&format!("/api/orders/{id}/cancel"))
        .bearer(&staff)
        .send()
        .await
        .assert_status(200);
    assert_eq!(
        b.client
            .get(&format!("/api/orders/{id}"))
            .bearer(&staff)
            .send()
            .await
            .json_value()["status"],
        "cancelled"
    );
    assert_eq!(
        b.client
            .get(&format!("/api/catalog/products/{}", p["id"]))
            .send()
            .await
            .json_value()["stock"],
        9
    );
}

#[tokio::test]
async fn only_anonymous_pages_are_shared() {
    let app = store().await;
    let staff = staff_token(&app).await;
    let p = product(&app, &staff, "H", 100).await;
    let page = format!("/catalog/{}/", p["slug"].as_str().unwrap());
    let anonymous = app.client.get(&page).send().await.text();
    assert!(anonymous.contains("Log in</a> to buy") && !anonymous.contains("csrf_token"));
    // A signed-in visitor gets their own page (their email, a Buy form with their token).
    let visitor = app.client.new_session();
    let res = visitor
        .submit_form(
            "/accounts/login/",
            "/accounts/login/",
            &[("email", "staff@example.com"), ("password", "staffpass123")],
        )
        .await;
    res.assert_status(303);
    let personal = visitor.get(&page).send().await.text();
    assert!(
        personal.contains("staff@example.com")
            && personal.contains("csrf_token")
            && personal.contains("Buy")
    );
    // And that page was not handed to anyone else.
    let again = app.client.new_session().get(&page).send().await.text();
    assert_eq!(again, anonymous);
    assert!(!again.contains("staff@example.com"));
}
