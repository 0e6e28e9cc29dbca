//! Input that must be refused or normalised (issue: a careless or hostile client).

use serde_json::json;

use crate::{app, create, product, staff};

#[tokio::test]
async fn control_characters_and_bidi_overrides_are_refused_in_names() {
    let app = app().await;
    let staff = staff(&app).await;
    for (field, value) in [
        ("name", "Mug\u{7}"),
        ("name", "Mug\nTwo lines"),
        ("name", "\u{202E}gum"),
        ("name", "a\u{2066}b"),
        ("sku", "SKU\t1"),
        ("description", "bell \u{7}"),
        ("description", "\u{202D}override"),
    ] {
        let mut body = product("CTRL-1", "Plain mug");
        body[field] = json!(value);
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
            "{field} {value:?}: {}",
            res.text()
        );
    }
    // Tabs and line breaks are fine in a description.
    let mut body = product("CTRL-2", "Plain mug");
    body["description"] = json!("Line one\n\tLine two\r\n");
    create(&app.client, &staff, body).await;
}

#[tokio::test]
async fn skus_are_unique_regardless_of_case() {
    let app = app().await;
    let staff = staff(&app).await;
    create(&app.client, &staff, product("race-5", "Race five")).await;
    let res = app
        .client
        .post("/api/catalog/products")
        .bearer(&staff)
        .json(&product("RACE-5", "Race five again"))
        .send()
        .await;
    res.assert_status(409);
    assert_eq!(res.error_code(), "sku_taken");
    let other = create(&app.client, &staff, product("OTHER-1", "Other")).await;
    let res = app
        .client
        .patch(&format!("/api/catalog/products/{}", other["id"]))
        .bearer(&staff)
        .json(&json!({"sku": "Race-5"}))
        .send()
        .await;
    res.assert_status(409);
    assert_eq!(res.error_code(), "sku_taken");
    // Its own SKU in another case is not a clash.
    let own = app
        .client
        .patch(&format!("/api/catalog/products/{}", other["id"]))
        .bearer(&staff)
        .json(&json!({"sku": "other-1"}))
        .send()
        .await;
    own.assert_status(200);
}

#[tokio::test]
async fn a_renamed_products_old_link_redirects_permanently() {
    let app = app().await;
    let staff = staff(&app).await;
    let p = create(&app.client, &staff, product("REN-1", "Old name mug")).await;
    assert_eq!(p["slug"], "old-name-mug");
    let renamed = app
        .client
        .patch(&format!("/api/catalog/products/{}", p["id"]))
        .bearer(&staff)
        .json(&json!({"name": "New name mug"}))
        .send()
        .await;
    renamed.assert_status(200);
    assert_eq!(renamed.json_value()["slug"], "new-name-mug");
    let old = app.client.get("/catalog/old-name-mug/").send().await;
    old.assert_status(301);
    assert_eq!(old.location(), Some("/catalog/new-name-mug/"));
    app.client
        .get("/catalog/new-name-mug/")
        .send()
        .await
        .assert_status(200);
    // A slug no product ever had is still 404.
    app.client
        .get("/catalog/never-was/")
        .send()
        .await
        .assert_status(404);
}

#[tokio::test]
async fn out_of_range_pages_say_what_is_wrong() {
    let app = app().await;
    let res = app
        .client
        .get("/api/catalog/products?page=9223372036854775807")
        .send()
        .await;
    res.assert_status(422);
    let message = res.json_value()["error"]["fields"]["page"][0]
        .as_str()
        .unwrap()
        .to_string();
    assert!(message.contains("at most"), "{message}");
}

/// Search folds case in every script and keeps accents (contract v2), on every database.
#[tokio::test]
async fn search_folds_case_for_every_script_but_keeps_accents() {
    let app = app().await;
    let staff = staff(&app).await;
    for (sku, name) in [
        ("FOLD-1", "Über Mug"),
        ("FOLD-2", "Uber Cup"),
        ("FOLD-3", "Straße Sign"),
        ("FOLD-4", "Strasse Map"),
        ("FOLD-5", "ΣΟΦΙΑ Tea"),
        ("fold-ß6", "Plain"),
    ] {
        create(&app.client, &staff, product(sku, name)).await;
    }
    let names = |q: &'static str| {
        let client = app.client.clone();
        async move {
            let res = client
                .get(&format!("/api/catalog/products?q={}", urlencode(q)))
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
    for q in ["über", "ÜBER", "Über", "üBeR mUG", "ü", "Ü"] {
        assert_eq!(names(q).await, ["Über Mug"], "q={q}");
    }
    assert_eq!(names("uber").await, ["Uber Cup"], "accents count");
    assert_eq!(names("STRASSE").await, ["Strasse Map"], "ß is not ss");
    assert_eq!(names("straße").await, ["Straße Sign"]);
    assert_eq!(names("ß").await, ["Plain", "Straße Sign"], "the sku too");
    assert_eq!(names("σοφια").await, ["ΣΟΦΙΑ Tea"]);
    assert_eq!(names("σοφ").await, ["ΣΟΦΙΑ Tea"]);
}

fn urlencode(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}
