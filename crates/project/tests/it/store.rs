//! The whole store, composed as `project serve` composes it, walked through like a user.

use web_test::TestApp;

async fn store() -> TestApp {
    TestApp::new(&project::project()).await
}

#[tokio::test]
async fn a_visitor_registers_browses_buys_pays_and_logs_out() {
    let app = store().await;
    let staff_token = {
        let state = &app.state;
        accounts::seed::local_users(state).await.unwrap();
        catalog::seed::insert_products(app.db(), catalog::seed::demo_catalog().unwrap(), |_, _| {})
            .await
            .unwrap();
        let res = app
            .client
            .post("/api/accounts/token")
            .json(&serde_json::json!({"email": "staff@example.com", "password": "staffpass123"}))
            .send()
            .await;
        res.json_value()["token"].as_str().unwrap().to_string()
    };
    let home = app.client.get("/").send().await;
    assert_eq!(home.location(), Some("/catalog/"));
    let catalog = app.client.get("/catalog/?q=kenya").send().await;
    catalog.assert_status(200);
    assert!(catalog.text().contains("Kenya Nyeri Coffee Beans 250 g"));
    assert!(catalog.text().contains("Log in"), "anonymous nav");

    let res = app
        .client
        .submit_form(
            "/accounts/register/",
            "/accounts/register/",
            &[
                ("email", "ada@example.com"),
                ("name", "Ada"),
                ("password", "analytical-engine-1843"),
            ],
        )
        .await;
    res.assert_status(303);
    let product = app
        .client
        .get("/catalog/kenya-nyeri-coffee-beans-250-g/")
        .send()
        .await;
    product.assert_status(200);
    assert!(
        product.text().contains(r#"href="/orders/">Orders</a>"#),
        "signed-in nav links to orders"
    );
    let product_id = product.hidden_input("product_id").unwrap();
    let res = app
        .client
        .submit_form(
            "/catalog/kenya-nyeri-coffee-beans-250-g/",
            "/orders/new/",
            &[("product_id", &product_id), ("quantity", "2")],
        )
        .await;
    res.assert_status(303);
    let order_page = res.location().unwrap().to_string();
    let form = app.client.get(&order_page).send().await;
    let key = form.hidden_input("idempotency_key").unwrap();
    let token = form.csrf_token().unwrap();
    let paid = app
        .client
        .post(&format!("{order_page}pay/"))
        .form(&[
            ("card_number", "4242424242424242"),
            ("idempotency_key", &key),
            ("csrf_token", &token),
        ])
        .send()
        .await;
    paid.assert_status(303);
    assert!(
        app.client
            .get(&order_page)
            .send()
            .await
            .text()
            .contains(r#"id="order-status">paid"#)
    );

    let all = app
        .client
        .get("/api/orders?all=true")
        .bearer(&staff_token)
        .send()
        .await
        .json_value();
    assert_eq!(all["total"], 1);
    let token = app.client.csrf_token("/orders/").await;
    app.client
        .post("/accounts/logout/")
        .form(&[("csrf_token", token.as_str())])
        .send()
        .await
        .assert_status(303);
    app.client.get("/orders/").send().await.assert_status(302);
}

#[tokio::test]
async fn every_page_of_the_composed_store_renders() {
    let app = store().await;
    for path in [
        "/catalog/",
        "/accounts/login/",
        "/accounts/register/",
        "/accounts/password/reset/",
        "/accounts/password/reset/done/",
        "/accounts/reset/done/",
        "/no-such-page/",
    ] {
        let res = app.client.get(path).send().await;
        assert!(
            res.status.as_u16() == 200 || res.status.as_u16() == 404,
            "{path}: {}",
            res.status
        );
        assert!(res.text().contains("</html>"), "{path}");
    }
}

/// Personal answers are private to the browser and vary by identity; public ones are not
/// marked (contract v2).
#[tokio::test]
async fn personal_answers_are_never_kept_by_shared_caches() {
    let app = store().await;
    accounts::seed::local_users(&app.state).await.unwrap();
    let token = app
        .client
        .post("/api/accounts/token")
        .json(&serde_json::json!({"email": "user@example.com", "password": "userpass123"}))
        .send()
        .await
        .json_value()["token"]
        .as_str()
        .unwrap()
        .to_string();
    let private = |res: &web_test::TestResponse, what: &str| {
        assert_eq!(
            res.header("cache-control"),
            Some("private, no-store"),
            "{what}"
        );
        let vary: Vec<String> = res
            .headers
            .get_all("vary")
            .iter()
            .map(|v| v.to_str().unwrap().to_ascii_lowercase())
            .collect();
        assert!(
            vary.iter()
                .any(|v| v.contains("cookie") && v.contains("authorization")),
            "{what}: {vary:?}"
        );
    };
    for path in ["/api/accounts/me", "/api/orders", "/api/orders?page=1"] {
        let res = app.client.get(path).bearer(&token).send().await;
        res.assert_status(200);
        private(&res, path);
    }
    let public = app.client.get("/api/catalog/products").send().await;
    public.assert_status(200);
    assert_ne!(public.header("cache-control"), Some("private, no-store"));
    let anonymous_page = app.client.get("/catalog/").send().await;
    assert_ne!(
        anonymous_page.header("cache-control"),
        Some("private, no-store")
    );
    // A visitor with a cart in their session: every page showing it is theirs alone.
    catalog::seed::insert_products(app.db(), catalog::seed::demo_catalog().unwrap(), |_, _| {})
        .await
        .unwrap();
    let visitor = app.client.new_session();
    let page = "/catalog/kenya-nyeri-coffee-beans-250-g/";
    let product_id = visitor
        .get(page)
        .send()
        .await
        .hidden_input("product_id")
        .unwrap();
    visitor
        .submit_form(
            page,
            "/cart/add/",
            &[("product_id", &product_id), ("quantity", "1")],
        )
        .await
        .assert_status(303);
    for path in ["/catalog/", page, "/cart/"] {
        let res = visitor.get(path).send().await;
        res.assert_status(200);
        private(&res, path);
    }

    let browser = app.client.new_session();
    browser
        .submit_form(
            "/accounts/login/",
            "/accounts/login/",
            &[("email", "user@example.com"), ("password", "userpass123")],
        )
        .await
        .assert_status(303);
    for path in ["/accounts/profile/", "/catalog/", "/orders/"] {
        let res = browser.get(path).send().await;
        res.assert_status(200);
        private(&res, path);
    }
}

/// Over-long text in every form and JSON body that takes text is refused before the
/// database, on every database: `401` for credentials, `422` naming the field in the API,
/// the form again with its error on pages; never a 500 (MariaDB refused a 64 KiB
/// description and PostgreSQL a 300-character login email with one).
#[tokio::test]
async fn over_long_text_is_refused_before_the_database() {
    use serde_json::json;
    let app = store().await;
    accounts::seed::local_users(&app.state).await.unwrap();
    let long_email = format!("{}@example.com", "a".repeat(300));
    let long = "x".repeat(300);
    let huge = "é".repeat(40_000); // 80,000 bytes

    let res = app
        .client
        .post("/api/accounts/token")
        .json(&json!({"email": long_email, "password": "whatever123"}))
        .send()
        .await;
    res.assert_status(401);
    assert_eq!(res.error_code(), "invalid_credentials");
    let res = app
        .client
        .post("/api/accounts/register")
        .json(&json!({"email": long_email, "password": "analytical-engine-1843", "name": long}))
        .send()
        .await;
    res.assert_status(422);
    let fields = &res.json_value()["error"]["fields"];
    assert!(
        fields["email"].is_array() && fields["name"].is_array(),
        "{fields}"
    );

    let staff = app
        .client
        .post("/api/accounts/token")
        .json(&json!({"email": "staff@example.com", "password": "staffpass123"}))
        .send()
        .await
        .json_value()["token"]
        .as_str()
        .unwrap()
        .to_string();
    let res = app
        .client
        .post("/api/catalog/products")
        .bearer(&staff)
        .json(
            &json!({"sku": long, "name": long, "description": huge, "price_cents": 1, "stock": 1}),
        )
        .send()
        .await;
    res.assert_status(422);
    let fields = &res.json_value()["error"]["fields"];
    for field in ["sku", "name", "description"] {
        assert!(fields[field].is_array(), "{field}: {fields}");
    }
    // The most a description takes is accepted everywhere.
    let res = app
        .client
        .post("/api/catalog/products")
        .bearer(&staff)
        .json(&json!({"sku": "LONG-1", "name": "Long", "description": "é".repeat(32_767), "price_cents": 1, "stock": 1}))
        .send()
        .await;
    res.assert_status(201);
    let id = res.json_value()["id"].clone();
    let res = app
        .client
        .patch(&format!("/api/catalog/products/{id}"))
        .bearer(&staff)
        .json(&json!({"description": huge}))
        .send()
        .await;
    res.assert_status(422);
    assert!(res.json_value()["error"]["fields"]["description"].is_array());
    let res = app
        .client
        .post("/api/orders")
        .bearer(&staff)
        .header("Idempotency-Key", &long)
        .json(&json!({"items": [{"product_id": id, "quantity": 1}]}))
        .send()
        .await;
    assert!(res.status.as_u16() < 500, "{}", res.status);

    // Pages: the form comes back with its error.
    let visitor = app.client.new_session();
    for (page, fields) in [
        (
            "/accounts/login/",
            vec![("email", long_email.as_str()), ("password", "whatever123")],
        ),
        (
            "/accounts/register/",
            vec![
                ("email", long_email.as_str()),
                ("name", &long),
                ("password", "analytical-engine-1843"),
            ],
        ),
        (
            "/accounts/password/reset/",
            vec![("email", long_email.as_str())],
        ),
    ] {
        let res = visitor.submit_form(page, page, &fields).await;
        res.assert_status(200);
        assert!(
            res.text().contains("errorlist") || res.text().contains("error"),
            "{page}"
        );
    }
    let admin = app.client.new_session();
    let res = admin
        .submit_form(
            "/accounts/login/",
            "/accounts/login/",
            &[("email", "staff@example.com"), ("password", "staffpass123")],
        )
        .await;
    res.assert_status(303);
    let add = "/admin/catalog/product/add/";
    let res = admin
        .submit_form(
            add,
            add,
            &[
                ("sku", &long),
                ("name", "Long"),
                ("description", &huge),
                ("price_cents", "1"),
                ("currency", "USD"),
                ("stock", "1"),
            ],
        )
        .await;
    assert!(res.status.as_u16() < 500, "{}", res.status);
    assert!(res.text().contains("at most"), "{}", res.text());
}
