//! Every error leaves in the contract's shape: JSON under /api/, HTML pages elsewhere.

use crate::app;

#[tokio::test]
async fn unknown_api_path_is_json_404() {
    let app = app().await;
    let res = app.client.get("/api/nope").send().await;
    res.assert_status(404);
    assert_eq!(
        res.header("content-type"),
        Some("application/json; charset=utf-8")
    );
    assert_eq!(
        res.json_value(),
        serde_json::json!({"error": {"code": "not_found", "message": "Not found."}})
    );
}

#[tokio::test]
async fn unknown_page_is_html_404() {
    let app = app().await;
    let res = app.client.get("/nope/").send().await;
    res.assert_status(404);
    assert!(res.header("content-type").unwrap().starts_with("text/html"));
    assert!(res.text().contains("Page not found"));
}

#[tokio::test]
async fn wrong_method_is_405_with_allow() {
    let app = app().await;
    let res = app.client.get("/api/demo/echo").send().await;
    res.assert_status(405);
    assert_eq!(res.error_code(), "method_not_allowed");
    assert!(res.header("allow").unwrap().contains("POST"));
}

#[tokio::test]
async fn invalid_json_is_400() {
    let app = app().await;
    let res = app
        .client
        .post("/api/demo/echo")
        .body("{\"name\":", "application/json")
        .send()
        .await;
    res.assert_status(400);
    assert_eq!(res.error_code(), "invalid_json");
    // A key given twice: which one counts would depend on who reads the body.
    let res = app
        .client
        .post("/api/demo/echo")
        .body(r#"{"name": "a", "name": "b"}"#, "application/json")
        .send()
        .await;
    res.assert_status(400);
    assert_eq!(res.error_code(), "invalid_json");
    assert!(res.text().contains("twice"), "{}", res.text());
}

#[tokio::test]
async fn wrong_content_type_is_415() {
    let app = app().await;
    let res = app
        .client
        .post("/api/demo/echo")
        .body("{}", "text/plain")
        .send()
        .await;
    res.assert_status(415);
    assert_eq!(res.error_code(), "unsupported_media_type");
    let none = app.client.post("/api/demo/echo").send().await;
    none.assert_status(415);
}

#[tokio::test]
async fn oversize_body_is_413() {
    let app = app().await;
    let big = format!("{{\"name\":\"{}\",\"age\":1}}", "a".repeat(1_100_000));
    let res = app
        .client
        .post("/api/demo/echo")
        .body(big, "application/json")
        .send()
        .await;
    res.assert_status(413);
    assert_eq!(res.error_code(), "payload_too_large");
}

#[tokio::test]
async fn valid_json_of_wrong_shape_is_422_naming_the_field() {
    let app = app().await;
    let not_object = app
        .client
        .post("/api/demo/echo")
        .body("[1,2]", "application/json")
        .send()
        .await;
    not_object.assert_status(422);
    assert_eq!(not_object.error_code(), "validation_error");
    let missing = app
        .client
        .post("/api/demo/echo")
        .json(&serde_json::json!({"age": 3}))
        .send()
        .await;
    missing.assert_status(422);
    assert_eq!(
        missing.json_value()["error"]["fields"]["name"][0],
        "This field is required."
    );
    let wrong = app
        .client
        .post("/api/demo/echo")
        .json(&serde_json::json!({"name": "x", "age": "old"}))
        .send()
        .await;
    wrong.assert_status(422);
    assert!(wrong.json_value()["error"]["fields"]["age"].is_array());
    let ok = app
        .client
        .post("/api/demo/echo")
        .json(&serde_json::json!({"name": "x", "age": 3}))
        .send()
        .await;
    ok.assert_status(200);
    assert_eq!(ok.json_value(), serde_json::json!({"name": "x", "age": 3}));
}

#[tokio::test]
async fn bad_path_ids_are_404() {
    let app = app().await;
    for path in [
        "/api/demo/items/abc",
        "/api/demo/items/0",
        "/api/demo/items/-3",
        "/api/demo/items/99999999999999999999",
    ] {
        let res = app.client.get(path).send().await;
        res.assert_status(404);
        assert_eq!(res.error_code(), "not_found", "{path}");
    }
    app.client
        .get("/api/demo/items/7")
        .send()
        .await
        .assert_status(200);
    app.client
        .get("/demo/items/x/")
        .send()
        .await
        .assert_status(404);
}

#[tokio::test]
async fn a_panicking_handler_gives_500_and_the_server_goes_on() {
    let app = app().await;
    let res = app.client.get("/api/demo/boom").send().await;
    res.assert_status(500);
    assert_eq!(res.error_code(), "internal_error");
    assert!(
        !res.text().contains("kaboom"),
        "the panic message must not leak"
    );
    let page = app.client.get("/demo/boom/").send().await;
    page.assert_status(500);
    assert!(page.text().contains("Something went wrong"));
    app.client.get("/healthz").send().await.assert_status(200);
}

#[tokio::test]
async fn slow_requests_time_out_with_503() {
    let app = TestApp::builder(&crate::project())
        .setting("server.request_timeout_seconds", 1)
        .build()
        .await;
    let res = app.client.get("/api/demo/slow?ms=1500").send().await;
    res.assert_status(503);
    assert_eq!(res.error_code(), "service_unavailable");
}

#[tokio::test]
async fn bad_query_parameters_are_422() {
    let app = app().await;
    let res = app.client.get("/api/demo/slow?ms=soon").send().await;
    res.assert_status(422);
    assert!(res.json_value()["error"]["fields"]["ms"].is_array());
}

use web_test::TestApp;

/// `database.statement_timeout_ms`: a statement running longer is cancelled by the
/// database itself (PostgreSQL's statement_timeout, MariaDB's max_statement_time, SQLite
/// interrupted), the request answers `503 timeout`, and its transaction's writes are gone.
#[tokio::test]
async fn a_statement_past_the_timeout_is_cancelled_with_503_timeout() {
    use sea_orm::{ConnectionTrait, Statement};
    let app = web_test::TestApp::builder(&crate::project())
        .setting("database.statement_timeout_ms", 300)
        .build()
        .await;
    let started = std::time::Instant::now();
    let res = app.client.post("/api/demo/long-statement").send().await;
    res.assert_status(503);
    assert_eq!(res.error_code(), "timeout");
    // Cancelled, not waited for (the statement alone takes 5 s or more).
    assert!(
        started.elapsed() < std::time::Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
    let backend = app.db().get_database_backend();
    let left = app
        .db()
        .query_one_raw(Statement::from_string(
            backend,
            "SELECT count(*) AS n FROM sessions WHERE id = 'long-statement'",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get_by_index::<i64>(0)
        .unwrap();
    assert_eq!(left, 0, "the transaction's write was rolled back");
    // The connection is fine for the next request, and short statements are untouched.
    app.client
        .get("/api/demo/db")
        .send()
        .await
        .assert_status(200);
}
