//! Per-client budgets (contract v3, "Limits and timeouts"), through the composed store.

use std::net::IpAddr;

use serde_json::json;
use web_test::{TestApp, TestClient};

async fn limited(settings: &[(&str, u32)]) -> TestApp {
    let project = project::project();
    let mut builder = TestApp::builder(&project).setting("ratelimit.enabled", true);
    for (key, value) in settings {
        builder = builder.setting(key, value);
    }
    let app = builder.build().await;
    accounts::seed::local_users(&app.state).await.unwrap();
    app
}

fn from(app: &TestApp, ip: &str) -> TestClient {
    app.client.from_ip(ip.parse::<IpAddr>().unwrap())
}

#[tokio::test]
async fn an_anonymous_client_gets_429_with_retry_after_past_its_budget() {
    let app = limited(&[("ratelimit.anonymous_per_minute", 5)]).await;
    let client = from(&app, "203.0.113.7");
    for _ in 0..5 {
        client
            .get("/api/catalog/products")
            .send()
            .await
            .assert_status(200);
    }
    // Whatever it asks next, junk included.
    for path in ["/api/catalog/products", "/api/nope", "/catalog/"] {
        let res = client.get(path).send().await;
        res.assert_status(429);
        let retry: u64 = res.header("retry-after").unwrap().parse().unwrap();
        assert!((1..=60).contains(&retry), "{retry}");
        if path.starts_with("/api/") {
            assert_eq!(res.error_code(), "throttled");
        }
    }
    let res = client
        .request(
            http::Method::from_bytes(b"FOO").unwrap(),
            "/api/catalog/products",
        )
        .send()
        .await;
    res.assert_status(429);
    // Health, readiness, static and media files spend nothing.
    for path in ["/healthz", "/readyz", "/static/css/site.css"] {
        client.get(path).send().await.assert_status(200);
    }
    let media = format!("/media/ab/ab{}.png", "0".repeat(62));
    client.get(&media).send().await.assert_status(404);
    // Another address has its own budget; an IPv6 client's is its /64.
    from(&app, "203.0.113.8")
        .get("/api/catalog/products")
        .send()
        .await
        .assert_status(200);
    for n in 0..5 {
        from(&app, &format!("2001:db8:1:2::{n:x}"))
            .get("/api/catalog/products")
            .send()
            .await
            .assert_status(200);
    }
    from(&app, "2001:db8:1:2:ffff::1")
        .get("/api/catalog/products")
        .send()
        .await
        .assert_status(429);
}

#[tokio::test]
async fn a_signed_in_user_spends_their_own_budget_and_a_bad_token_the_address() {
    let app = limited(&[
        ("ratelimit.anonymous_per_minute", 3),
        ("ratelimit.user_per_minute", 6),
    ])
    .await;
    let client = from(&app, "198.51.100.20");
    let res = client
        .post("/api/accounts/token")
        .json(&json!({"email": "user@example.com", "password": "userpass123"}))
        .send()
        .await;
    res.assert_status(200);
    let token = res.json_value()["token"].as_str().unwrap().to_string();
    // The address has 2 left; the user 6, from any address.
    for _ in 0..6 {
        client
            .get("/api/accounts/me")
            .bearer(&token)
            .send()
            .await
            .assert_status(200);
    }
    client
        .get("/api/accounts/me")
        .bearer(&token)
        .send()
        .await
        .assert_status(429);
    // Made-up tokens are no way to a fresh budget: they count against the address.
    for n in 0..2 {
        client
            .get("/api/catalog/products")
            .bearer(&format!("made-up-{n}"))
            .send()
            .await
            .assert_status(200);
    }
    client
        .get("/api/catalog/products")
        .bearer("made-up-3")
        .send()
        .await
        .assert_status(429);
}

#[tokio::test]
async fn searches_and_registrations_have_budgets_of_their_own() {
    let app = limited(&[
        ("ratelimit.search_per_minute", 2),
        ("ratelimit.register_per_hour", 2),
    ])
    .await;
    let client = from(&app, "192.0.2.1");
    for q in ["mug", "tea"] {
        client
            .get(&format!("/api/catalog/products?q={q}"))
            .send()
            .await
            .assert_status(200);
    }
    client
        .get("/api/catalog/products?q=pot")
        .send()
        .await
        .assert_status(429);
    client
        .get("/catalog/?q=pot")
        .send()
        .await
        .assert_status(429);
    // Browsing without a search goes on.
    client
        .get("/api/catalog/products")
        .send()
        .await
        .assert_status(200);
    client.get("/catalog/?q=").send().await.assert_status(200);

    for n in 0..2 {
        client
            .post("/api/accounts/register")
            .json(&json!({"email": format!("new{n}@example.com"), "password": "analytical-engine-1843", "name": "N"}))
            .send()
            .await
            .assert_status(201);
    }
    let res = client
        .post("/api/accounts/register")
        .json(&json!({"email": "new9@example.com", "password": "analytical-engine-1843", "name": "N"}))
        .send()
        .await;
    res.assert_status(429);
    assert!(
        accounts::models::user::find_by_email(app.db(), "new9@example.com")
            .await
            .unwrap()
            .is_none()
    );
    let res = client
        .submit_form(
            "/accounts/register/",
            "/accounts/register/",
            &[
                ("email", "form@example.com"),
                ("name", "F"),
                ("password", "analytical-engine-1843"),
            ],
        )
        .await;
    res.assert_status(429);
}

#[tokio::test]
async fn budgets_are_off_unless_enabled() {
    let app = TestApp::new(&project::project()).await;
    let client = from(&app, "203.0.113.99");
    for _ in 0..700 {
        client.get("/healthz").send().await.assert_status(200);
    }
    for _ in 0..70 {
        client
            .get("/api/catalog/products?q=x")
            .send()
            .await
            .assert_status(200);
    }
}
