//! Keyset pages (contract v2): `next_cursor` on every list, `?cursor=` for the next page.

use serde_json::Value;

use crate::{app, create, product, staff};

async fn get(app: &web_test::TestApp, path: &str) -> Value {
    let res = app.client.get(path).send().await;
    res.assert_status(200);
    res.json_value()
}

fn names(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn cursors_walk_a_list_to_its_end_whatever_the_page_size() {
    let app = app().await;
    let staff = staff(&app).await;
    for n in 1..=7 {
        create(
            &app.client,
            &staff,
            product(&format!("CUR-{n}"), &format!("Cursor mug {n}")),
        )
        .await;
    }
    for base in [
        "/api/catalog/products?",
        "/api/catalog/products?q=cursor%20mug&",
    ] {
        let first = get(&app, &format!("{base}per_page=3")).await;
        assert_eq!(first["page"], 1);
        assert_eq!(first["total"], 7);
        let mut seen = names(&first);
        let mut cursor = first["next_cursor"].as_str().unwrap().to_string();
        // per_page may change from one page to the next.
        for per_page in [2, 5] {
            let next = get(&app, &format!("{base}per_page={per_page}&cursor={cursor}")).await;
            assert_eq!(next["page"], Value::Null, "a cursor page has no number");
            assert_eq!(next["total"], 7);
            seen.extend(names(&next));
            match next["next_cursor"].as_str() {
                Some(c) => cursor = c.to_string(),
                None => break,
            }
        }
        let expected: Vec<String> = (1..=7).rev().map(|n| format!("Cursor mug {n}")).collect();
        assert_eq!(seen, expected, "{base}");
        // The last page says so.
        let last = get(&app, &format!("{base}per_page=7")).await;
        assert_eq!(last["next_cursor"], Value::Null);
        let numbered = get(&app, &format!("{base}page=3&per_page=3")).await;
        assert_eq!(names(&numbered), ["Cursor mug 1"]);
        assert_eq!(numbered["next_cursor"], Value::Null);
    }
}

/// `project seed` gives a whole batch one `created_at`: the id breaks the tie, and a
/// cursor inside the tie (the seek each database does differently) neither skips nor
/// repeats a product, in the public list and with `include_inactive`.
#[tokio::test]
async fn cursors_walk_through_products_created_at_the_same_instant() {
    use sea_orm::ConnectionTrait;
    let app = app().await;
    let staff = staff(&app).await;
    for n in 1..=6 {
        create(
            &app.client,
            &staff,
            product(&format!("TIE-{n}"), &format!("Tied mug {n}")),
        )
        .await;
    }
    app.db()
        .execute_unprepared(
            "UPDATE products SET created_at = (SELECT MIN(created_at) FROM \
             (SELECT created_at FROM products) AS earliest)",
        )
        .await
        .unwrap();
    web::writes::announce(app.state.services()).await;
    for (base, auth) in [
        ("/api/catalog/products?", None),
        ("/api/catalog/products?include_inactive=true&", Some(&staff)),
    ] {
        let fetch = |path: String| {
            let mut req = app.client.get(&path);
            if let Some(token) = auth {
                req = req.bearer(token);
            }
            async move {
                let res = req.send().await;
                res.assert_status(200);
                res.json_value()
            }
        };
        let mut page = fetch(format!("{base}per_page=4")).await;
        let mut seen = names(&page);
        while let Some(cursor) = page["next_cursor"].as_str() {
            page = fetch(format!("{base}per_page=4&cursor={cursor}")).await;
            seen.extend(names(&page));
        }
        let expected: Vec<String> = (1..=6).rev().map(|n| format!("Tied mug {n}")).collect();
        assert_eq!(seen, expected, "{base}");
    }
}

#[tokio::test]
async fn a_cursor_works_only_on_its_own_list_and_filters() {
    let app = app().await;
    let staff = staff(&app).await;
    for n in 1..=3 {
        create(
            &app.client,
            &staff,
            product(&format!("BND-{n}"), &format!("Bound cup {n}")),
        )
        .await;
    }
    let first = get(&app, "/api/catalog/products?q=bound&per_page=1").await;
    let cursor = first["next_cursor"].as_str().unwrap().to_string();
    for (path, why) in [
        (
            format!("/api/catalog/products?q=cup&cursor={cursor}"),
            "other filters",
        ),
        (
            format!("/api/catalog/products?cursor={cursor}"),
            "no search",
        ),
        (
            format!("/api/catalog/products?q=bound&cursor={cursor}&page=2"),
            "page and cursor",
        ),
        (
            "/api/catalog/products?cursor=not-a-cursor".to_string(),
            "malformed",
        ),
    ] {
        let res = app.client.get(&path).send().await;
        res.assert_status(422);
        assert!(
            res.json_value()["error"]["fields"]["cursor"].is_array(),
            "{why}: {}",
            res.text()
        );
    }
    let next = get(
        &app,
        &format!("/api/catalog/products?q=bound&cursor={cursor}"),
    )
    .await;
    assert_eq!(names(&next), ["Bound cup 2", "Bound cup 1"]);
}

/// A search with more than 10,000 hits stops counting there (contract v2); others count
/// exactly and say nothing about a cap.
#[tokio::test]
async fn huge_search_totals_are_capped() {
    let app = app().await;
    let products: Vec<_> = (1..=10_050).map(catalog::seed::synthetic).collect();
    catalog::seed::insert_products(app.db(), products, |_, _| {})
        .await
        .unwrap();
    let huge = get(&app, "/api/catalog/products?q=product&per_page=5").await;
    assert_eq!(huge["total"], 10_000);
    assert_eq!(huge["total_capped"], true);
    assert_eq!(huge["items"].as_array().unwrap().len(), 5);
    let next = huge["next_cursor"].as_str().unwrap();
    let second = get(
        &app,
        &format!("/api/catalog/products?q=product&per_page=5&cursor={next}"),
    )
    .await;
    assert_eq!(second["items"].as_array().unwrap().len(), 5);
    let few = get(&app, "/api/catalog/products?q=product%200042").await;
    assert_eq!(few["total"], 1);
    assert!(few.get("total_capped").is_none(), "{few}");
    let all = get(&app, "/api/catalog/products").await;
    assert_eq!(all["total"], 10_050, "plain lists are not searches");
    assert!(all.get("total_capped").is_none());
}
