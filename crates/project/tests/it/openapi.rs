//! The OpenAPI document: served, printed by `project openapi`, and in step with the router.

use serde_json::Value;
use web_test::TestApp;

async fn document(app: &TestApp) -> Value {
    let res = app.client.get("/api/openapi.json").send().await;
    res.assert_status(200);
    assert_eq!(
        res.header("content-type"),
        Some("application/json; charset=utf-8")
    );
    res.json_value()
}

#[tokio::test]
async fn every_api_route_is_documented_and_every_documented_operation_is_routed() {
    let app = TestApp::new(&project::project()).await;
    let doc = document(&app).await;
    let drift = web_openapi::Drift::of(&doc, &project::project()).unwrap();
    drift.assert_none();
    let documented = drift.documented;
    // The contract's endpoints, so that an empty router and an empty document can't agree.
    for (method, path) in [
        ("POST", "/api/accounts/register"),
        ("POST", "/api/accounts/token"),
        ("GET", "/api/catalog/products/{id}"),
        ("POST", "/api/orders/{id}/pay"),
        ("POST", "/api/payments/webhook"),
    ] {
        assert!(
            documented.contains(&(method.to_string(), path.to_string())),
            "{method} {path}"
        );
    }
}

#[tokio::test]
async fn operations_document_their_errors_security_and_parameters() {
    let app = TestApp::new(&project::project()).await;
    let doc = document(&app).await;
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(doc["info"]["title"], "Store API");
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    let error = &doc["components"]["schemas"]["ErrorDetail"];
    assert_eq!(error["required"], serde_json::json!(["code", "message"]));

    let statuses = |method: &str, path: &str| -> Vec<String> {
        let operation = &doc["paths"][path][method];
        assert!(operation.is_object(), "{method} {path} is documented");
        operation["responses"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect()
    };
    // A staff endpoint with a JSON body: the framework's errors and the app's own.
    assert_eq!(
        statuses("post", "/api/catalog/products"),
        [
            "201", "400", "401", "403", "409", "413", "415", "422", "503"
        ]
    );
    // A path id is 404; no body, no 413/415/422 (400 is a malformed URL).
    assert_eq!(
        statuses("get", "/api/orders/{id}"),
        ["200", "400", "401", "404", "503"]
    );
    // Public endpoints: no 401 where no token is looked at.
    assert_eq!(
        statuses("post", "/api/accounts/register"),
        ["201", "400", "409", "413", "415", "422", "503"]
    );
    // Every error response has the contract's shape.
    for item in doc["paths"].as_object().unwrap().values() {
        for operation in item.as_object().unwrap().values() {
            for (status, response) in operation["responses"].as_object().unwrap() {
                if status.starts_with('4') || status.starts_with('5') {
                    assert_eq!(
                        response["content"]["application/json"]["schema"]["$ref"],
                        "#/components/schemas/ErrorBody",
                        "{status} of {}",
                        operation["operationId"]
                    );
                }
            }
        }
    }
    // An operation that needs a permission names it as its bearer requirement's role
    // (OpenAPI 3.1) and in its summary, and documents the 403.
    for (method, path, code) in [
        ("post", "/api/catalog/products", "catalog.add_product"),
        (
            "patch",
            "/api/catalog/products/{id}",
            "catalog.change_product",
        ),
        (
            "delete",
            "/api/catalog/products/{id}",
            "catalog.delete_product",
        ),
        ("post", "/api/orders/{id}/refund", "payments.refund_order"),
    ] {
        let operation = &doc["paths"][path][method];
        assert_eq!(
            operation["security"],
            serde_json::json!([{ "bearer": [code] }]),
            "{method} {path}"
        );
        assert!(operation["summary"].as_str().unwrap().contains(code));
        assert!(
            operation["responses"]["403"]["description"]
                .as_str()
                .unwrap()
                .contains("permission")
        );
    }
    let me = &doc["paths"]["/api/accounts/me"]["get"];
    assert_eq!(me["security"], serde_json::json!([{"bearer": []}]));
    let list = &doc["paths"]["/api/catalog/products"]["get"];
    assert_eq!(list["security"], serde_json::json!([{}, {"bearer": []}]));
    let params: Vec<&str> = list["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        params,
        ["page", "per_page", "cursor", "q", "include_inactive"]
    );
    assert_eq!(list["parameters"][1]["schema"]["maximum"], 100);
    let pay = &doc["paths"]["/api/orders/{id}/pay"]["post"];
    assert_eq!(pay["parameters"][1]["name"], "Idempotency-Key");
    assert_eq!(pay["parameters"][1]["required"], true);
    // A create body requires what a new product needs; the PATCH body requires nothing.
    let schemas = &doc["components"]["schemas"];
    assert_eq!(
        schemas["ProductCreate"]["required"],
        serde_json::json!(["sku", "name", "price_cents", "stock"])
    );
    assert!(schemas["ProductChange"].get("required").is_none());
    assert_eq!(
        schemas["ProductFields"]["properties"]["created_at"]["format"],
        "date-time"
    );
    // The product JSON is its fields and its images.
    let product = serde_json::to_string(&schemas["Product"]).unwrap();
    assert!(
        product.contains("#/components/schemas/ProductFields"),
        "{product}"
    );
    assert_eq!(
        schemas["ProductImage"]["required"],
        serde_json::json!([
            "id",
            "url",
            "thumbnail_url",
            "width",
            "height",
            "alt",
            "position"
        ])
    );
}

#[tokio::test]
async fn swagger_ui_is_served_from_the_binary_and_reads_the_document() {
    let app = TestApp::new(&project::project()).await;
    let res = app.client.get("/api/docs").send().await;
    assert_eq!(res.location(), Some("/api/docs/"));
    let page = app.client.get("/api/docs/").send().await;
    page.assert_status(200);
    assert!(page.text().contains("swagger-ui"), "{}", page.text());
    let init = app
        .client
        .get("/api/docs/swagger-initializer.js")
        .send()
        .await;
    init.assert_status(200);
    assert!(init.text().contains(r#""url": "/api/openapi.json""#));
    let missing = app.client.get("/api/docs/no-such-file.js").send().await;
    missing.assert_status(404);
    assert_eq!(missing.error_code(), "not_found");
}

#[test]
fn project_openapi_prints_the_served_document() {
    let output = crate::cli::project(&["openapi"], &[]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let printed: Value = serde_json::from_slice(&output.stdout).expect("JSON on stdout");
    assert_eq!(printed["info"]["title"], "Store API");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let served = runtime.block_on(async {
        let app = TestApp::new(&project::project()).await;
        document(&app).await
    });
    assert_eq!(printed, served);
}
