//! `project seed` and the demo catalog.

use catalog::seed::{self, Seed};
use sea_orm::{EntityTrait, PaginatorTrait};
use web::{App, Command};

use crate::{app, project};

async fn run(app: &web_test::TestApp, args: &[&str]) {
    let matches = Seed
        .definition()
        .try_get_matches_from(std::iter::once("seed").chain(args.iter().copied()))
        .unwrap();
    Seed.run(&app.state, &matches).await.unwrap();
}

async fn count(app: &web_test::TestApp) -> u64 {
    catalog::models::product::Entity::find()
        .count(app.db())
        .await
        .unwrap()
}

#[tokio::test]
async fn synthetic_products_are_the_peers_and_seeding_is_idempotent() {
    let app = app().await;
    run(&app, &["--products", "30", "--users"]).await;
    run(&app, &["--products", "30", "--users"]).await;
    assert_eq!(count(&app).await, 30);
    let res = app
        .client
        .get("/api/catalog/products?q=SKU-000007")
        .send()
        .await
        .json_value();
    let p = &res["items"][0];
    assert_eq!(
        (
            p["name"].as_str(),
            p["slug"].as_str(),
            p["price_cents"].as_i64(),
            p["stock"].as_i64()
        ),
        (
            Some("Product 0007"),
            Some("product-0007"),
            Some(100 + 7 * 137),
            Some(1000)
        )
    );
    run(&app, &["--products", "40"]).await;
    assert_eq!(count(&app).await, 40, "only the missing ones are added");
    for (email, password) in [
        ("staff@example.com", "staffpass123"),
        ("user@example.com", "userpass123"),
    ] {
        let res = app
            .client
            .post("/api/accounts/token")
            .json(&serde_json::json!({"email": email, "password": password}))
            .send()
            .await;
        res.assert_status(200);
    }
    let me = app
        .client
        .get("/api/accounts/me")
        .bearer(&token(&app, "staff@example.com", "staffpass123").await)
        .send()
        .await
        .json_value();
    assert_eq!(me["is_staff"], true);
}

async fn token(app: &web_test::TestApp, email: &str, password: &str) -> String {
    let res = app
        .client
        .post("/api/accounts/token")
        .json(&serde_json::json!({"email": email, "password": password}))
        .send()
        .await;
    res.json_value()["token"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn the_demo_catalog_is_seeded_once() {
    let app = app().await;
    run(&app, &[]).await;
    let n = count(&app).await;
    assert!(n >= 50);
    // Every demo product has one picture, drawn at seed time; seeding again adds none.
    let images = |app: &web_test::TestApp| {
        let app_db = app.db().clone();
        async move {
            use sea_orm::{EntityTrait, PaginatorTrait};
            catalog::models::image::Entity::find()
                .count(&app_db)
                .await
                .unwrap()
        }
    };
    assert_eq!(images(&app).await, n);
    run(&app, &[]).await;
    assert_eq!(count(&app).await, n);
    assert_eq!(images(&app).await, n);
    let page = app.client.get("/catalog/?q=coffee").send().await.text();
    assert!(page.contains("Ethiopia Yirgacheffe Coffee Beans 250 g"));
    assert!(page.contains(r#"<td class="thumb"><img src="#), "{page}");
    // The pictures are real JPEGs, thumbnailed by the worker.
    let product = app
        .client
        .get("/api/catalog/products?q=COF-ETH-250")
        .send()
        .await
        .json_value();
    let url = product["items"][0]["images"][0]["url"]
        .as_str()
        .unwrap()
        .to_string();
    let file = app.client.get(&url).send().await;
    assert_eq!(file.header("content-type"), Some("image/jpeg"));
    assert_eq!(image::load_from_memory(&file.body).unwrap().width(), 640);
    app.run_jobs().await;
    let product = app
        .client
        .get("/api/catalog/products?q=COF-ETH-250")
        .send()
        .await
        .json_value();
    assert!(
        product["items"][0]["images"][0]["thumbnail_url"]
            .as_str()
            .unwrap()
            .ends_with("/320.jpg")
    );
}

#[tokio::test]
async fn serve_loads_the_demo_catalog_into_an_empty_database_only_when_enabled() {
    let off = app().await;
    catalog::Catalog.ready(&off.state).await.unwrap();
    assert_eq!(count(&off).await, 0, "off outside development");

    let on = web_test::TestApp::builder(&project())
        .setting("catalog.demo_data", true)
        .build()
        .await;
    catalog::Catalog.ready(&on.state).await.unwrap();
    let n = count(&on).await;
    assert_eq!(n as usize, seed::demo_catalog().unwrap().len());
    catalog::Catalog.ready(&on.state).await.unwrap();
    assert_eq!(count(&on).await, n);
}

#[tokio::test]
async fn a_large_seed_is_batched() {
    let app = app().await;
    let mut reports = Vec::new();
    let seeded = seed::insert_products(
        app.db(),
        (1..=2500).map(seed::synthetic).collect(),
        |done, total| reports.push((done, total)),
    )
    .await
    .unwrap();
    assert_eq!(seeded.created, 2500);
    assert_eq!(reports, [(1000, 2500), (2000, 2500), (2500, 2500)]);
    assert_eq!(count(&app).await, 2500);
}
