//! Probes, security headers and the Host check.

use crate::app;

#[tokio::test]
async fn healthz_and_readyz() {
    let app = app().await;
    let res = app.client.get("/healthz").send().await;
    res.assert_status(200);
    assert_eq!(res.json_value(), serde_json::json!({"status": "ok"}));
    let res = app.client.get("/readyz").send().await;
    res.assert_status(200);
    assert_eq!(
        res.json_value(),
        serde_json::json!({"status": "ok", "database": "ok"})
    );
}

#[tokio::test]
async fn readyz_is_503_and_api_calls_503_when_the_database_is_gone() {
    let app = app().await;
    app.client
        .get("/api/demo/db")
        .send()
        .await
        .assert_status(200);
    app.db().close_by_ref().await.unwrap();
    let res = app.client.get("/readyz").send().await;
    res.assert_status(503);
    assert_eq!(
        res.json_value(),
        serde_json::json!({"status": "unavailable", "database": "unavailable"})
    );
    let api = app.client.get("/api/demo/db").send().await;
    api.assert_status(503);
    assert_eq!(api.error_code(), "service_unavailable");
    app.client.get("/healthz").send().await.assert_status(200);
}

#[tokio::test]
async fn security_headers_and_request_id_on_every_response() {
    let app = app().await;
    for path in ["/healthz", "/api/nope", "/nope/"] {
        let res = app.client.get(path).send().await;
        assert_eq!(
            res.header("x-content-type-options"),
            Some("nosniff"),
            "{path}"
        );
        assert_eq!(res.header("x-frame-options"), Some("DENY"), "{path}");
        assert_eq!(res.header("referrer-policy"), Some("same-origin"), "{path}");
        assert!(
            res.header("x-request-id").is_some_and(|v| v.len() >= 32),
            "{path}"
        );
        assert!(res.header("strict-transport-security").is_none());
    }
    let res = app
        .client
        .get("/healthz")
        .header("x-request-id", "abc-123")
        .send()
        .await;
    assert_eq!(res.header("x-request-id"), Some("abc-123"));
    // Only short, plain ids are echoed; anything else gets a new one.
    let long = "a".repeat(65);
    for bad in [
        "has space",
        "semi;colon",
        "ünïcode",
        long.as_str(),
        "<script>",
    ] {
        let res = app
            .client
            .get("/healthz")
            .header("x-request-id", bad)
            .send()
            .await;
        let id = res.header("x-request-id").unwrap();
        assert_ne!(id, bad);
        assert!(id.len() >= 32, "{id}");
    }
    let plain = "A.b_c-9".to_string() + &"x".repeat(57);
    let res = app
        .client
        .get("/healthz")
        .header("x-request-id", &plain)
        .send()
        .await;
    assert_eq!(res.header("x-request-id"), Some(plain.as_str()));
}

#[tokio::test]
async fn hsts_when_configured() {
    let app = web_test::TestApp::builder(&crate::project())
        .setting("server.hsts_seconds", 600)
        .build()
        .await;
    let res = app.client.get("/healthz").send().await;
    assert_eq!(
        res.header("strict-transport-security"),
        Some("max-age=600; includeSubDomains")
    );
}

#[tokio::test]
async fn unknown_host_is_refused_when_debug_is_off() {
    let app = app().await;
    assert!(!app.settings().debug);
    let res = app
        .client
        .get("/api/demo/items/1")
        .header("host", "evil.example")
        .send()
        .await;
    res.assert_status(400);
    assert_eq!(res.error_code(), "bad_request");
    assert!(res.text().contains("allowed_hosts"));
    app.client
        .get("/api/demo/items/1")
        .header("host", "127.0.0.1:8000")
        .send()
        .await
        .assert_status(200);
    let open = web_test::TestApp::builder(&crate::project())
        .setting("server.allowed_hosts", ".example")
        .build()
        .await;
    open.client
        .get("/api/demo/items/1")
        .header("host", "shop.evil.example")
        .send()
        .await
        .assert_status(200);
}

#[tokio::test]
async fn malformed_host_is_refused_in_every_environment() {
    for debug in [false, true] {
        let app = web_test::TestApp::builder(&crate::project())
            .setting("debug", debug)
            .setting("server.allowed_hosts", "*")
            .build()
            .await;
        for host in ["evil.com?.example.com", "[::1]@evil.com", "a b", "x:y"] {
            let res = app
                .client
                .get("/api/demo/items/1")
                .header("host", host)
                .send()
                .await;
            res.assert_status(400);
            assert_eq!(res.error_code(), "bad_request");
        }
        app.client
            .get("/api/demo/items/1")
            .header("host", "[::1]:8000")
            .send()
            .await
            .assert_status(200);
        // Two Host headers, even two allowed ones: which one counts is ambiguous.
        let res = app
            .client
            .get("/api/demo/items/1")
            .header("host", "localhost")
            .header("host", "evil.com")
            .send()
            .await;
        res.assert_status(400);
        assert_eq!(res.error_code(), "bad_request");
    }
}

#[tokio::test]
async fn static_files_are_served() {
    let app = app().await;
    let res = app.client.get("/static/css/site.css").send().await;
    res.assert_status(200);
    assert!(res.header("content-type").unwrap().starts_with("text/css"));
    app.client
        .get("/static/nope.css")
        .send()
        .await
        .assert_status(404);
}

#[tokio::test]
async fn cors_headers_only_for_configured_origins() {
    let app = web_test::TestApp::builder(&crate::project())
        .setting("server.cors_origins", "https://shop.example")
        .build()
        .await;
    let res = app
        .client
        .get("/healthz")
        .header("origin", "https://shop.example")
        .send()
        .await;
    assert_eq!(
        res.header("access-control-allow-origin"),
        Some("https://shop.example")
    );
    let other = app
        .client
        .get("/healthz")
        .header("origin", "https://evil.example")
        .send()
        .await;
    assert_eq!(other.header("access-control-allow-origin"), None);
}
