//! The catalog pages.

use serde_json::json;

use crate::{app, create, product, staff};

async fn seeded(n: usize) -> (web_test::TestApp, String) {
    let app = app().await;
    let staff = staff(&app).await;
    for i in 1..=n {
        create(&app.client, &staff, json!({"sku": format!("SKU-{i:03}"), "name": format!("Item {i:03}"), "price_cents": 100 * i, "stock": i % 3})).await;
    }
    (app, staff)
}

#[tokio::test]
async fn the_list_shows_twenty_products_with_links_and_pages() {
    let (app, _) = seeded(25).await;
    let res = app.client.get("/catalog/").send().await;
    res.assert_status(200);
    let html = res.text();
    assert_eq!(html.matches(r#"<a href="/catalog/item-"#).count(), 20);
    assert!(
        html.contains("Item 025") && !html.contains("Item 005"),
        "newest first"
    );
    assert!(html.contains("$25.00"));
    assert!(html.contains(r#"href="/catalog/?page=2""#), "{html}");
    assert!(html.contains("Page 1 of 2"));
    let second = app.client.get("/catalog/?page=2").send().await.text();
    assert_eq!(second.matches(r#"<a href="/catalog/item-"#).count(), 5);
    assert!(second.contains(r#"href="/catalog/?page=1""#));
    assert!(
        app.client
            .get("/catalog/?page=nonsense")
            .send()
            .await
            .text()
            .contains("Page 1 of 2")
    );
    let past = app.client.get("/catalog/?page=9").send().await;
    past.assert_status(200);
    assert!(past.text().contains("No products"));
}

#[tokio::test]
async fn the_list_searches_and_keeps_the_query_in_page_links() {
    let (app, _) = seeded(25).await;
    let res = app.client.get("/catalog/?q=item%2001").send().await;
    let html = res.text();
    assert!(html.contains("Item 010") && html.contains("Item 019") && !html.contains("Item 020"));
    assert!(html.contains("10 results"));
    assert!(html.contains(r#"value="item 01""#));
    let many = app
        .client
        .get("/catalog/?q=item&page=1")
        .send()
        .await
        .text();
    assert!(many.contains("?page=2&amp;q=item"), "{many}");
    assert!(
        app.client
            .get("/catalog/?q=zzz")
            .send()
            .await
            .text()
            .contains("No products match")
    );
}

#[tokio::test]
async fn the_product_page_shows_the_product_or_404() {
    let (app, staff) = seeded(1).await;
    let res = app.client.get("/catalog/item-001/").send().await;
    res.assert_status(200);
    let html = res.text();
    assert!(
        html.contains("<h1>Item 001</h1>")
            && html.contains("$1.00")
            && html.contains("SKU SKU-001")
    );
    let missing = app.client.get("/catalog/no-such-thing/").send().await;
    missing.assert_status(404);
    assert!(missing.text().contains("Page not found"));
    let hidden = create(
        &app.client,
        &staff,
        json!({"sku": "H", "name": "Hidden Gem", "price_cents": 1, "stock": 1, "is_active": false}),
    )
    .await;
    app.client
        .get(&format!("/catalog/{}/", hidden["slug"].as_str().unwrap()))
        .send()
        .await
        .assert_status(404);
}

#[tokio::test]
async fn product_names_are_escaped() {
    let app = app().await;
    let staff = staff(&app).await;
    create(
        &app.client,
        &staff,
        product("XSS", "<script>alert(1)</script>"),
    )
    .await;
    let html = app.client.get("/catalog/").send().await.text();
    assert!(!html.contains("<script>alert(1)</script>"));
    assert!(html.contains("&lt;script&gt;"));
}

#[tokio::test]
async fn home_and_missing_slash_lead_to_the_catalog() {
    let app = app().await;
    let home = app.client.get("/").send().await;
    home.assert_status(303);
    assert_eq!(home.location(), Some("/catalog/"));
    let slash = app.client.get("/catalog?q=x").send().await;
    slash.assert_status(308);
    assert_eq!(slash.location(), Some("/catalog/?q=x"));
}
