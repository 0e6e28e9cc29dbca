//! The catalog JSON API.

use serde_json::json;

use web_test::TestApp;

use crate::{app, create, product, project, staff, token_for};

#[tokio::test]
async fn weight_and_shipping_are_set_checked_and_changed() {
    let app = app().await;
    let staff = staff(&app).await;
    let p = create(&app.client, &staff, json!({"sku": "CARD-1", "name": "Gift card", "price_cents": 2500, "stock": 100, "requires_shipping": false, "weight_grams": 0})).await;
    assert_eq!(
        (p["requires_shipping"].clone(), p["weight_grams"].clone()),
        (json!(false), json!(0))
    );
    let path = format!("/api/catalog/products/{}", p["id"]);
    for (body, field) in [
        (json!({"weight_grams": -1}), "weight_grams"),
        (json!({"weight_grams": 1_000_001}), "weight_grams"),
        (json!({"weight_grams": null}), "weight_grams"),
        (json!({"requires_shipping": "yes"}), "requires_shipping"),
    ] {
        let res = app
            .client
            .patch(&path)
            .bearer(&staff)
            .json(&body)
            .send()
            .await;
        res.assert_status(422);
        assert!(
            res.json_value()["error"]["fields"][field].is_array(),
            "{body}: {}",
            res.text()
        );
    }
    let res = app
        .client
        .patch(&path)
        .bearer(&staff)
        .json(&json!({"weight_grams": 350, "requires_shipping": true}))
        .send()
        .await;
    res.assert_status(200);
    assert_eq!(res.json_value()["weight_grams"], 350);
    assert_eq!(res.json_value()["requires_shipping"], true);
    assert_eq!(res.json_value()["name"], "Gift card", "the rest unchanged");
}

#[tokio::test]
async fn product_json_has_exactly_the_contract_fields() {
    let app = app().await;
    let staff = staff(&app).await;
    let p = create(&app.client, &staff, json!({"sku": "MUG-1", "name": "Blue Mug", "description": "A mug.", "price_cents": 1250, "stock": 3})).await;
    let keys: Vec<&str> = p.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "created_at",
            "currency",
            "description",
            "id",
            "images",
            "is_active",
            "name",
            "price_cents",
            "requires_shipping",
            "sku",
            "slug",
            "stock",
            "updated_at",
            "weight_grams"
        ]
    );
    // v3: a product is shipped and weighs nothing unless said otherwise.
    assert_eq!(p["requires_shipping"], true);
    assert_eq!(p["weight_grams"], 0);
    assert_eq!(p["currency"], "USD");
    assert_eq!(p["is_active"], true);
    assert_eq!(p["slug"], "blue-mug");
    assert_eq!(p["price_cents"], 1250);
    assert!(p["created_at"].as_str().unwrap().ends_with('Z'));
    let fetched = app
        .client
        .get(&format!("/api/catalog/products/{}", p["id"]))
        .send()
        .await;
    fetched.assert_status(200);
    assert_eq!(fetched.json_value(), p);
}

#[tokio::test]
async fn list_is_paginated_newest_first_and_active_only() {
    let app = app().await;
    let staff = staff(&app).await;
    let mut ids = Vec::new();
    for n in 0..25 {
        ids.push(
            create(
                &app.client,
                &staff,
                product(&format!("P-{n:02}"), &format!("Thing {n}")),
            )
            .await["id"]
                .as_i64()
                .unwrap(),
        );
    }
    let hidden = create(
        &app.client,
        &staff,
        json!({"sku": "HID", "name": "Hidden", "price_cents": 1, "stock": 1, "is_active": false}),
    )
    .await;

    let first = app.client.get("/api/catalog/products").send().await;
    first.assert_status(200);
    let body = first.json_value();
    assert_eq!(
        (
            body["page"].as_u64(),
            body["per_page"].as_u64(),
            body["total"].as_u64()
        ),
        (Some(1), Some(20), Some(25))
    );
    let got: Vec<i64> = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_i64().unwrap())
        .collect();
    let newest: Vec<i64> = ids.iter().rev().take(20).copied().collect();
    assert_eq!(got, newest);

    let last = app
        .client
        .get("/api/catalog/products?page=2&per_page=20")
        .send()
        .await
        .json_value();
    assert_eq!(last["items"].as_array().unwrap().len(), 5);
    let past = app.client.get("/api/catalog/products?page=3").send().await;
    past.assert_status(200);
    assert_eq!(past.json_value()["items"], json!([]));
    assert_eq!(past.json_value()["total"], 25);
    let big = app
        .client
        .get("/api/catalog/products?page=999999999&per_page=100")
        .send()
        .await;
    big.assert_status(200);

    // include_inactive is for staff only.
    let user = token_for(&app, "u@example.com", false).await;
    for token in [None, Some(user.as_str())] {
        let mut req = app
            .client
            .get("/api/catalog/products?include_inactive=true&per_page=100");
        if let Some(t) = token {
            req = req.bearer(t);
        }
        assert_eq!(req.send().await.json_value()["total"], 25);
    }
    let all = app
        .client
        .get("/api/catalog/products?include_inactive=true&per_page=100")
        .bearer(&staff)
        .send()
        .await
        .json_value();
    assert_eq!(all["total"], 26);
    // A flag is `true` or `false`: anything else is a 422 naming it, not a silent `false`.
    for bad in ["yes", "1", "maybe"] {
        let res = app
            .client
            .get(&format!("/api/catalog/products?include_inactive={bad}"))
            .bearer(&staff)
            .send()
            .await;
        res.assert_status(422);
        assert!(res.json_value()["error"]["fields"]["include_inactive"].is_array());
    }
    assert!(
        all["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["id"] == hidden["id"])
    );
    // An invalid token on a public endpoint is treated as anonymous.
    app.client
        .get("/api/catalog/products")
        .bearer("nonsense")
        .send()
        .await
        .assert_status(200);
}

#[tokio::test]
async fn bad_pagination_is_422() {
    let app = app().await;
    for (query, field) in [
        ("per_page=0", "per_page"),
        ("per_page=101", "per_page"),
        ("page=0", "page"),
        ("page=-2", "page"),
        ("page=two", "page"),
    ] {
        let res = app
            .client
            .get(&format!("/api/catalog/products?{query}"))
            .send()
            .await;
        res.assert_status(422);
        assert_eq!(res.error_code(), "validation_error");
        assert!(
            res.json_value()["error"]["fields"][field].is_array(),
            "{query}"
        );
    }
}

#[tokio::test]
async fn search_matches_name_or_sku_and_treats_wildcards_literally() {
    let app = app().await;
    let staff = staff(&app).await;
    create(&app.client, &staff, product("TS-RED", "Red Shirt")).await;
    create(&app.client, &staff, product("TS-BLU", "BIG blue shirt")).await;
    create(&app.client, &staff, product("MUG-1", "50% Off Mug")).await;
    create(&app.client, &staff, product("AB-1", "a_b gadget")).await;
    create(&app.client, &staff, product("AX-1", "axb gadget")).await;
    let names = |q: &str| {
        let client = app.client.clone();
        let q = q.to_string();
        async move {
            let res = client
                .get(&format!("/api/catalog/products?q={q}"))
                .send()
                .await;
            res.assert_status(200);
            let mut names: Vec<String> = res.json_value()["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["name"].as_str().unwrap().to_string())
                .collect();
            names.sort();
            names
        }
    };
    assert_eq!(names("shirt").await, ["BIG blue shirt", "Red Shirt"]);
    assert_eq!(names("SHIRT").await, ["BIG blue shirt", "Red Shirt"]);
    assert_eq!(names("ts-blu").await, ["BIG blue shirt"]);
    assert_eq!(names("%25").await, ["50% Off Mug"]);
    assert_eq!(names("a_b").await, ["a_b gadget"]);
    assert_eq!(names("_").await, ["a_b gadget"]);
    assert_eq!(names("nothing-like-this").await, Vec::<String>::new());
    assert_eq!(
        names("%20%20").await.len(),
        5,
        "a blank search lists everything"
    );
}

#[tokio::test]
async fn detail_hides_inactive_products_except_from_staff() {
    let app = app().await;
    let staff = staff(&app).await;
    let p = create(
        &app.client,
        &staff,
        json!({"sku": "OFF", "name": "Off", "price_cents": 1, "stock": 1, "is_active": false}),
    )
    .await;
    let path = format!("/api/catalog/products/{}", p["id"]);
    let anon = app.client.get(&path).send().await;
    anon.assert_status(404);
    assert_eq!(anon.error_code(), "not_found");
    app.client
        .get(&path)
        .bearer(&staff)
        .send()
        .await
        .assert_status(200);
    for bad in [
        "/api/catalog/products/999999",
        "/api/catalog/products/abc",
        "/api/catalog/products/0",
    ] {
        app.client.get(bad).send().await.assert_status(404);
    }
}

/// Search follows every change of a product's name or sku and its deletion at once (on
/// MySQL/MariaDB through the trigram side table, written in the product's transaction).
#[tokio::test]
async fn search_follows_renames_new_skus_and_deletes() {
    let app = app().await;
    let staff = staff(&app).await;
    let zebra = create(&app.client, &staff, product("ZB-100", "Zebra Mug")).await;
    create(&app.client, &staff, product("OT-1", "Other Mug")).await;
    let skus = |q: &str| {
        let client = app.client.clone();
        let q = q.to_string();
        async move {
            let res = client
                .get(&format!("/api/catalog/products?q={q}"))
                .send()
                .await;
            res.assert_status(200);
            res.json_value()["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["sku"].as_str().unwrap().to_string())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(skus("zebra").await, ["ZB-100"]);
    assert_eq!(skus("zb-1").await, ["ZB-100"]);
    let detail = format!("/api/catalog/products/{}", zebra["id"]);
    app.client
        .patch(&detail)
        .bearer(&staff)
        .json(&json!({"name": "Yak Mug", "sku": "YK-900"}))
        .send()
        .await
        .assert_status(200);
    assert!(skus("zebra").await.is_empty());
    assert!(skus("zb-1").await.is_empty());
    assert_eq!(skus("YAK").await, ["YK-900"]);
    assert_eq!(skus("k-90").await, ["YK-900"]);
    // A change of something else keeps it findable.
    app.client
        .patch(&detail)
        .bearer(&staff)
        .json(&json!({"price_cents": 5}))
        .send()
        .await
        .assert_status(200);
    assert_eq!(skus("yak%20m").await, ["YK-900"]);
    app.client
        .delete(&detail)
        .bearer(&staff)
        .send()
        .await
        .assert_status(204);
    assert!(skus("yak").await.is_empty());
    assert_eq!(skus("other").await, ["OT-1"]);
}

#[tokio::test]
async fn create_needs_staff() {
    let app = app().await;
    let user = token_for(&app, "u@example.com", false).await;
    let anon = app
        .client
        .post("/api/catalog/products")
        .json(&product("A", "A"))
        .send()
        .await;
    anon.assert_status(401);
    assert_eq!(anon.error_code(), "unauthenticated");
    let res = app
        .client
        .post("/api/catalog/products")
        .bearer(&user)
        .json(&product("A", "A"))
        .send()
        .await;
    res.assert_status(403);
    assert_eq!(res.error_code(), "forbidden");
    // Authentication comes before reading the body.
    app.client
        .post("/api/catalog/products")
        .body("{", "application/json")
        .send()
        .await
        .assert_status(401);
}

#[tokio::test]
async fn create_validates_and_refuses_duplicate_skus() {
    let app = app().await;
    let staff = staff(&app).await;
    create(&app.client, &staff, product("DUP", "Dup")).await;
    let dup = app
        .client
        .post("/api/catalog/products")
        .bearer(&staff)
        .json(&product("DUP", "Other"))
        .send()
        .await;
    dup.assert_status(409);
    assert_eq!(dup.error_code(), "sku_taken");
    let bad = app
        .client
        .post("/api/catalog/products")
        .bearer(&staff)
        .json(&json!({"sku": "N", "name": "N", "price_cents": -1, "stock": -2}))
        .send()
        .await;
    bad.assert_status(422);
    let fields = bad.json_value()["error"]["fields"].clone();
    assert!(fields["price_cents"].is_array() && fields["stock"].is_array());
    for (body, field) in [
        (
            json!({"sku": "", "name": "N", "price_cents": 1, "stock": 1}),
            "sku",
        ),
        (
            json!({"sku": "E", "name": "  ", "price_cents": 1, "stock": 1}),
            "name",
        ),
        (
            json!({"sku": "E", "name": "N", "price_cents": 1, "stock": 1, "currency": "usd"}),
            "currency",
        ),
        (
            json!({"sku": "E", "name": "N", "price_cents": 1, "stock": 1, "currency": "EURO"}),
            "currency",
        ),
        (
            json!({"sku": "E", "name": "N", "price_cents": 19.99, "stock": 1}),
            "price_cents",
        ),
        (
            json!({"sku": "E", "name": "N", "price_cents": 1, "stock": 3000000000u64}),
            "stock",
        ),
        (json!({"name": "N", "price_cents": 1, "stock": 1}), "sku"),
    ] {
        let res = app
            .client
            .post("/api/catalog/products")
            .bearer(&staff)
            .json(&body)
            .send()
            .await;
        res.assert_status(422);
        assert!(
            res.json_value()["error"]["fields"][field].is_array(),
            "{body} → {}",
            res.text()
        );
    }
    let eur = create(
        &app.client,
        &staff,
        json!({"sku": "EU", "name": "Euro thing", "price_cents": 0, "stock": 0, "currency": "EUR"}),
    )
    .await;
    assert_eq!(eur["currency"], "EUR");
}

/// One SKU rule on every database: Unicode simple case folding (`Σ`, `σ` and `ς` are one
/// SKU; `ß` and `ss` are two, also on MariaDB, whose collations fold them together), and
/// invisible characters are refused in SKUs and names.
#[tokio::test]
async fn skus_are_one_when_they_fold_to_one_on_every_database() {
    let app = app().await;
    let staff = staff(&app).await;
    let post = |body: serde_json::Value| {
        app.client
            .post("/api/catalog/products")
            .bearer(&staff)
            .json(&body)
            .send()
    };
    post(product("Σ1241", "Sigma")).await.assert_status(201);
    for same in ["σ1241", "ς1241"] {
        let res = post(product(same, "Another sigma")).await;
        res.assert_status(409);
        assert_eq!(res.error_code(), "sku_taken", "{same}");
    }
    post(product("straße-1", "Eszett")).await.assert_status(201);
    post(product("STRASSE-1", "Double s"))
        .await
        .assert_status(201);
    let res = post(product("strasse-1", "Double s again")).await;
    res.assert_status(409);
    post(product("ẞ-2", "Capital eszett"))
        .await
        .assert_status(201);
    post(product("ß-2", "Small eszett"))
        .await
        .assert_status(409);
    // Renaming into another product's SKU is refused the same way.
    let other = create(&app.client, &staff, product("OTHER-1", "Other")).await;
    let res = app
        .client
        .patch(&format!("/api/catalog/products/{}", other["id"]))
        .bearer(&staff)
        .json(&json!({"sku": "σ1241"}))
        .send()
        .await;
    res.assert_status(409);
    for (sku, name) in [
        ("A\u{200B}B", "Zero width"),
        ("AB", "Byte\u{FEFF}order"),
        ("C\u{200E}D", "Mark"),
        ("CD", "Arabic\u{061C}mark"),
        ("E\u{2028}F", "Separator"),
        ("EF", "Tag\u{E0041}"),
    ] {
        let res = post(product(sku, name)).await;
        res.assert_status(422);
        let fields = &res.json_value()["error"]["fields"];
        assert!(
            fields["sku"].is_array() || fields["name"].is_array(),
            "{sku} {name}: {fields}"
        );
    }
}

#[tokio::test]
async fn slugs_are_unique_and_never_empty() {
    let app = app().await;
    let staff = staff(&app).await;
    assert_eq!(
        create(&app.client, &staff, product("S1", "Smoke Widget")).await["slug"],
        "smoke-widget"
    );
    assert_eq!(
        create(&app.client, &staff, product("S2", "Smoke Widget")).await["slug"],
        "smoke-widget-2"
    );
    assert_eq!(
        create(&app.client, &staff, product("S3", "smoke  WIDGET!")).await["slug"],
        "smoke-widget-3"
    );
    let chinese = create(&app.client, &staff, product("S4", "中文商品")).await;
    assert!(!chinese["slug"].as_str().unwrap().is_empty());
    assert!(
        chinese["slug"]
            .as_str()
            .unwrap()
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-')
    );
    let symbols = create(&app.client, &staff, product("S5", "!!!")).await;
    assert_eq!(symbols["slug"], "product");
}

#[tokio::test]
async fn patch_updates_partially_with_the_same_rules() {
    let app = app().await;
    let staff = staff(&app).await;
    let user = token_for(&app, "u@example.com", false).await;
    let p = create(&app.client, &staff, product("PA", "Patch Me")).await;
    create(&app.client, &staff, product("TAKEN", "Other")).await;
    let path = format!("/api/catalog/products/{}", p["id"]);
    let res = app
        .client
        .patch(&path)
        .bearer(&staff)
        .json(&json!({"price_cents": 2499, "description": "patched"}))
        .send()
        .await;
    res.assert_status(200);
    let body = res.json_value();
    assert_eq!(
        (
            body["price_cents"].as_i64(),
            body["description"].as_str(),
            body["sku"].as_str()
        ),
        (Some(2499), Some("patched"), Some("PA"))
    );
    assert_ne!(body["updated_at"], p["updated_at"]);
    app.client
        .patch(&path)
        .bearer(&staff)
        .json(&json!({"stock": -1}))
        .send()
        .await
        .assert_status(422);
    app.client
        .patch(&path)
        .bearer(&staff)
        .json(&json!({"name": null}))
        .send()
        .await
        .assert_status(422);
    let taken = app
        .client
        .patch(&path)
        .bearer(&staff)
        .json(&json!({"sku": "TAKEN"}))
        .send()
        .await;
    taken.assert_status(409);
    assert_eq!(taken.error_code(), "sku_taken");
    app.client
        .patch(&path)
        .bearer(&user)
        .json(&json!({"stock": 1}))
        .send()
        .await
        .assert_status(403);
    app.client
        .patch(&path)
        .json(&json!({"stock": 1}))
        .send()
        .await
        .assert_status(401);
    app.client
        .patch("/api/catalog/products/999999")
        .bearer(&staff)
        .json(&json!({"stock": 1}))
        .send()
        .await
        .assert_status(404);
    let renamed = app
        .client
        .patch(&path)
        .bearer(&staff)
        .json(&json!({"name": "Renamed Thing"}))
        .send()
        .await
        .json_value();
    assert_eq!(renamed["slug"], "renamed-thing");
    let same = app
        .client
        .patch(&path)
        .bearer(&staff)
        .json(&json!({"sku": "PA"}))
        .send()
        .await;
    same.assert_status(200);
}

#[tokio::test]
async fn delete_removes_an_unordered_product() {
    let app = app().await;
    let staff = staff(&app).await;
    let user = token_for(&app, "u@example.com", false).await;
    let p = create(&app.client, &staff, product("DEL", "Delete Me")).await;
    let path = format!("/api/catalog/products/{}", p["id"]);
    app.client.delete(&path).send().await.assert_status(401);
    app.client
        .delete(&path)
        .bearer(&user)
        .send()
        .await
        .assert_status(403);
    let res = app.client.delete(&path).bearer(&staff).send().await;
    res.assert_status(204);
    assert!(res.body.is_empty());
    app.client
        .get(&path)
        .bearer(&staff)
        .send()
        .await
        .assert_status(404);
    app.client
        .delete(&path)
        .bearer(&staff)
        .send()
        .await
        .assert_status(404);
}

/// The list totals come from a counter table, not a count over the products: every way
/// a product appears, changes state or goes away must keep them right.
#[tokio::test]
async fn list_totals_follow_creates_updates_and_deletes() {
    let app = app().await;
    let staff = staff(&app).await;
    let totals = || {
        let client = app.client.clone();
        let staff = staff.clone();
        async move {
            let public = client
                .get("/api/catalog/products")
                .send()
                .await
                .json_value();
            let all = client
                .get("/api/catalog/products?include_inactive=true")
                .bearer(&staff)
                .send()
                .await
                .json_value();
            (
                public["total"].as_u64().unwrap(),
                all["total"].as_u64().unwrap(),
            )
        }
    };
    assert_eq!(totals().await, (0, 0));
    let a = create(&app.client, &staff, product("T-A", "Alpha")).await;
    let b = create(&app.client, &staff, product("T-B", "Beta")).await;
    create(
        &app.client,
        &staff,
        json!({"sku": "T-C", "name": "Gamma", "price_cents": 1, "stock": 1, "is_active": false}),
    )
    .await;
    assert_eq!(totals().await, (2, 3));
    // A refused create (duplicate sku) counts nothing.
    app.client
        .post("/api/catalog/products")
        .bearer(&staff)
        .json(&product("T-A", "Alpha again"))
        .send()
        .await
        .assert_status(409);
    assert_eq!(totals().await, (2, 3));
    let path_a = format!("/api/catalog/products/{}", a["id"]);
    let deactivate = json!({"is_active": false});
    for _ in 0..2 {
        // Deactivating twice counts once.
        app.client
            .patch(&path_a)
            .bearer(&staff)
            .json(&deactivate)
            .send()
            .await
            .assert_status(200);
        assert_eq!(totals().await, (1, 3));
    }
    // An edit that leaves is_active alone changes no count.
    app.client
        .patch(&path_a)
        .bearer(&staff)
        .json(&json!({"name": "Alpha two"}))
        .send()
        .await
        .assert_status(200);
    assert_eq!(totals().await, (1, 3));
    app.client
        .delete(&path_a)
        .bearer(&staff)
        .send()
        .await
        .assert_status(204);
    assert_eq!(totals().await, (1, 2));
    app.client
        .delete(&format!("/api/catalog/products/{}", b["id"]))
        .bearer(&staff)
        .send()
        .await
        .assert_status(204);
    assert_eq!(totals().await, (0, 1));
    // The totals match a real count of what the list shows.
    let all = app
        .client
        .get("/api/catalog/products?include_inactive=true&per_page=100")
        .bearer(&staff)
        .send()
        .await
        .json_value();
    assert_eq!(all["items"].as_array().unwrap().len(), 1);
}

/// On SQLite, terms of three characters or more go through the trigram index, which the
/// database keeps in step with renames and deletes; the answers must be those of LIKE.
#[tokio::test]
async fn search_follows_renames_and_deletes_and_takes_any_characters() {
    let app = app().await;
    let staff = staff(&app).await;
    let cafe = create(&app.client, &staff, product("CF-1", "Café \"Deluxe\" Mug")).await;
    let tea = create(
        &app.client,
        &staff,
        product("TEA-9", "Green tea: OR AND NOT *"),
    )
    .await;
    let found = |q: &str| {
        let client = app.client.clone();
        let q = q.to_string();
        async move {
            let res = client
                .get("/api/catalog/products")
                .query(&[("q", q.as_str())])
                .send()
                .await;
            res.assert_status(200);
            let body = res.json_value();
            let skus: Vec<String> = body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["sku"].as_str().unwrap().to_string())
                .collect();
            assert_eq!(body["total"].as_u64().unwrap() as usize, skus.len());
            skus
        }
    };
    assert_eq!(found("CAFÉ").await, ["CF-1"]);
    assert_eq!(found("\"deluxe\"").await, ["CF-1"]);
    assert_eq!(found("e\" m").await, ["CF-1"]);
    assert_eq!(found("OR AND NOT *").await, ["TEA-9"]);
    assert_eq!(found(": or").await, ["TEA-9"]);
    assert_eq!(found("ea-").await, ["TEA-9"]);
    assert_eq!(found("e").await.len(), 2, "short terms scan with LIKE");
    assert_eq!(found("Caf e").await, Vec::<String>::new());
    app.client
        .patch(&format!("/api/catalog/products/{}", cafe["id"]))
        .bearer(&staff)
        .json(&json!({"name": "Espresso Cup", "sku": "ESP-2"}))
        .send()
        .await
        .assert_status(200);
    assert_eq!(found("deluxe").await, Vec::<String>::new());
    assert_eq!(found("cf-1").await, Vec::<String>::new());
    assert_eq!(found("espresso").await, ["ESP-2"]);
    assert_eq!(found("esp-2").await, ["ESP-2"]);
    app.client
        .delete(&format!("/api/catalog/products/{}", tea["id"]))
        .bearer(&staff)
        .send()
        .await
        .assert_status(204);
    assert_eq!(found("green").await, Vec::<String>::new());
}

/// Past a thousand hits a search stops reading hits from the trigram index and walks
/// the newest-first index instead; both ways must give the same answers as a plain list.
#[tokio::test]
async fn searches_with_many_or_few_hits_agree_with_the_list() {
    let app = app().await;
    let staff = staff(&app).await;
    catalog::seed::insert_products(
        app.db(),
        (1..=1200).map(catalog::seed::synthetic).collect(),
        |_, _| {},
    )
    .await
    .unwrap();
    let get = |path: String| {
        let client = app.client.clone();
        let staff = staff.clone();
        async move {
            let res = client.get(&path).bearer(&staff).send().await;
            res.assert_status(200);
            let body = res.json_value();
            let ids: Vec<i64> = body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["id"].as_i64().unwrap())
                .collect();
            (body["total"].as_u64().unwrap(), ids)
        }
    };
    let newest = get("/api/catalog/products?per_page=20".into()).await;
    assert_eq!(newest.0, 1200);
    let many = get("/api/catalog/products?q=PRODUCT&per_page=20".into()).await;
    assert_eq!(many, newest, "1,200 hits: the same page as the plain list");
    let last = get("/api/catalog/products?q=product&page=60&per_page=20".into()).await;
    assert_eq!(last.1.len(), 20);
    assert!(last.1.iter().all(|id| !newest.1.contains(id)));
    // Deep pages (read ids first) continue the shallow ones exactly.
    assert_eq!(
        last,
        get("/api/catalog/products?page=60&per_page=20".into()).await
    );
    let (_, mut tenth_and_eleventh) = get("/api/catalog/products?page=10&per_page=20".into()).await;
    tenth_and_eleventh.extend(
        get("/api/catalog/products?page=11&per_page=20".into())
            .await
            .1,
    );
    // Items 180..240 in one shallow read: the first 40 are pages 10 (shallow) and 11 (deep).
    let (_, wide) = get("/api/catalog/products?page=4&per_page=60".into()).await;
    assert_eq!(tenth_and_eleventh, wide[..40]);
    // SKU-001000 … SKU-001099: a hundred hits, five pages, newest first.
    let few = get("/api/catalog/products?q=sku-0010&per_page=20".into()).await;
    assert_eq!(few.0, 100);
    assert!(
        few.1.windows(2).all(|w| w[0] > w[1]),
        "newest (highest id) first"
    );
    let fifth = get("/api/catalog/products?q=sku-0010&page=5&per_page=20".into()).await;
    assert_eq!(fifth.1.len(), 20);
    assert!(fifth.1.iter().all(|id| !few.1.contains(id)));
    assert!(
        get("/api/catalog/products?q=sku-0010&page=6".into())
            .await
            .1
            .is_empty()
    );
    let one = get("/api/catalog/products?q=Product%200999".into()).await;
    assert_eq!(one.0, 1);
    // An inactive hit counts only where inactive products are listed, both ways.
    app.client
        .patch(&format!("/api/catalog/products/{}", one.1[0]))
        .bearer(&staff)
        .json(&json!({"is_active": false}))
        .send()
        .await
        .assert_status(200);
    assert_eq!(
        get("/api/catalog/products?q=Product%200999".into()).await.0,
        0
    );
    assert_eq!(
        get("/api/catalog/products?q=Product%200999&include_inactive=true".into())
            .await
            .0,
        1
    );
    assert_eq!(get("/api/catalog/products?q=product".into()).await.0, 1199);
    assert_eq!(
        get("/api/catalog/products?q=product&include_inactive=true".into())
            .await
            .0,
        1200
    );
}

/// PostgreSQL can't take a null character in text: found by schema fuzzing (500s on
/// PostgreSQL). Refused before any query, on every database: 400 in a URL, 422 naming the
/// field in a body.
#[tokio::test]
async fn null_characters_are_refused_before_the_database() {
    let app = app().await;
    let staff = staff(&app).await;
    for url in [
        "/api/catalog/products?q=mug%00",
        "/api/catalog/products/1%00",
        "/catalog/?q=%00",
        "/catalog/mug%00/",
    ] {
        let res = app.client.get(url).send().await;
        res.assert_status(400);
        assert!(res.text().contains("null character"), "{url}");
    }
    let res = app.client.get("/api/catalog/products?q=%00").send().await;
    assert_eq!(res.error_code(), "bad_request");
    let mut body = product("NUL-1", "Mug");
    body["name"] = json!("Mug\u{0}");
    let res = app
        .client
        .post("/api/catalog/products")
        .bearer(&staff)
        .json(&body)
        .send()
        .await;
    res.assert_status(422);
    assert_eq!(
        res.json_value()["error"]["fields"]["name"],
        json!(["Null characters are not allowed."])
    );
    let list = app.client.get("/api/catalog/products").send().await;
    assert_eq!(list.json_value()["total"], 0, "nothing was created");
    // An escaped backslash-zero is ordinary text.
    let mut body = product("NUL-2", "Mug \\u0000");
    body["description"] = json!("\\0");
    create(&app.client, &staff, body).await;
}

/// Searches take a slot of their own (`catalog.search_concurrency`): while every slot is
/// busy a search waits up to `database.acquire_timeout_seconds`, then answers 503 with
/// `Retry-After`; a product's detail, the plain list and the catalog page still answer.
#[tokio::test]
async fn busy_search_slots_turn_searches_away_and_nothing_else() {
    let app = TestApp::builder(&project())
        .setting("catalog.search_concurrency", 1)
        .setting("database.acquire_timeout_seconds", 1)
        .build()
        .await;
    let staff = staff(&app).await;
    let mug = create(&app.client, &staff, product("MUG-1", "Blue Mug")).await;
    let slots: catalog::search_slots::SearchSlots = app.state.service().unwrap();
    let held = slots.take().await.unwrap();

    for search in ["/api/catalog/products?q=mug", "/catalog/?q=mug"] {
        let started = std::time::Instant::now();
        let res = app.client.get(search).send().await;
        res.assert_status(503);
        assert_eq!(res.header("retry-after"), Some("1"), "{search}");
        assert!(
            started.elapsed() >= std::time::Duration::from_millis(900),
            "{search} waited for a slot first"
        );
    }
    assert_eq!(
        app.client
            .get("/api/catalog/products?q=mug")
            .send()
            .await
            .json_value()["error"]["code"],
        "service_unavailable"
    );
    for other in [
        format!("/api/catalog/products/{}", mug["id"]),
        "/api/catalog/products".to_string(),
        "/catalog/".to_string(),
    ] {
        app.client.get(&other).send().await.assert_status(200);
    }

    drop(held);
    let res = app.client.get("/api/catalog/products?q=mug").send().await;
    res.assert_status(200);
    assert_eq!(res.json_value()["items"][0]["sku"], "MUG-1");
}
