//! `project dumpdata` and `project loaddata` (Django's fixtures) on a store with users,
//! groups and permissions, products with pictures, an order and its payment: moved into a
//! fresh database of the same kind, the rows are the same, the store serves them, and
//! bad fixtures change nothing and say where they are wrong.

use std::path::Path;
use std::process::Output;

use serde_json::{Value, json};
use web_test::TestApp;

use crate::cli::project_command;

/// A migrated, empty store on a database a process can reach (a file on SQLite).
async fn empty_store() -> TestApp {
    TestApp::builder(&project::project())
        .file_database()
        .build()
        .await
}

fn url_of(app: &TestApp) -> String {
    app.settings().database.url.expose().to_string()
}

/// `project args…` on `app`'s database.
fn project_on(app: &TestApp, dir: &Path, args: &[&str]) -> Output {
    project_command(
        dir,
        [
            ("APP__DATABASE__URL", url_of(app).as_str()),
            ("RUST_LOG", "warn"),
        ],
    )
    .args(args)
    .output()
    .expect("the project binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

async fn token(app: &TestApp, email: &str, password: &str) -> String {
    let res = app
        .client
        .post("/api/accounts/token")
        .json(&json!({"email": email, "password": password}))
        .send()
        .await;
    res.assert_status(200);
    res.json_value()["token"].as_str().unwrap().to_string()
}

/// The store's rows: the demo users (a group with permissions among them), the demo
/// catalog, one product with a picture, and a paid order. The customer's token.
async fn fill(app: &TestApp) -> String {
    accounts::seed::local_users(&app.state).await.unwrap();
    catalog::seed::insert_products(app.db(), catalog::seed::demo_catalog().unwrap(), |_, _| {})
        .await
        .unwrap();
    let staff = token(app, "staff@example.com", "staffpass123").await;
    let products = app
        .client
        .get("/api/catalog/products?page_size=2")
        .send()
        .await
        .json_value();
    let id = &products["items"][0]["id"];
    let png = {
        let mut out = std::io::Cursor::new(Vec::new());
        image::DynamicImage::new_rgb8(24, 16)
            .write_to(&mut out, image::ImageFormat::Png)
            .unwrap();
        out.into_inner()
    };
    app.client
        .post(&format!("/api/catalog/products/{id}/images"))
        .bearer(&staff)
        .multipart(&[("alt", "Front")], &[("file", "p.png", &png)])
        .send()
        .await
        .assert_status(201);
    let customer = token(app, "user@example.com", "userpass123").await;
    let order = app
        .client
        .post("/api/orders")
        .bearer(&customer)
        .json(&json!({"items": [{"product_id": id, "quantity": 2}]}))
        .send()
        .await;
    order.assert_status(201);
    let order = order.json_value();
    app.client
        .post(&format!("/api/orders/{}/pay", order["id"]))
        .bearer(&customer)
        .header("idempotency-key", "fixtures-1")
        .json(&json!({"card_number": "4242424242424242"}))
        .send()
        .await
        .assert_status(200);
    customer
}

fn dump(app: &TestApp, dir: &Path, name: &str) -> Vec<u8> {
    let out = project_on(app, dir, &["dumpdata", "-o", name]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    std::fs::read(dir.join(name)).unwrap()
}

fn models_in(fixture: &[u8]) -> Vec<String> {
    let objects: Vec<Value> = serde_json::from_slice(fixture).unwrap();
    let mut models: Vec<String> = objects
        .iter()
        .map(|o| o["model"].as_str().unwrap().to_string())
        .collect();
    models.dedup();
    models
}

#[tokio::test]
async fn a_store_moves_to_a_fresh_database_whole_and_keeps_serving() {
    let dir = tempfile::tempdir().unwrap();
    let source = empty_store().await;
    let customer = fill(&source).await;
    let fixture = dump(&source, dir.path(), "store.json");
    let models = models_in(&fixture);
    // Dependency order; derived tables and the job queue left out; permissions by code.
    for model in [
        "accounts.user",
        "accounts.group_permission",
        "catalog.product",
        "catalog.image",
        "media.files",
        "payments.order",
        "payments.order_item",
        "payments.payment",
    ] {
        assert!(models.iter().any(|m| m == model), "{model} in {models:?}");
    }
    let at = |m: &str| models.iter().position(|x| x == m).unwrap();
    assert!(at("accounts.user") < at("payments.order"));
    assert!(at("catalog.product") < at("payments.order_item"));
    for derived in [
        "accounts.permission",
        "catalog.counts",
        "sessions.session",
        "jobs.job",
    ] {
        assert!(!models.iter().any(|m| m == derived), "{derived} dumped");
    }
    let written = text(&fixture);
    assert!(
        written.contains(r#""permission_id":"catalog.change_product""#),
        "by code"
    );

    let target = empty_store().await;
    let out = project_on(&target, dir.path(), &["loaddata", "store.json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let objects = serde_json::from_slice::<Vec<Value>>(&fixture)
        .unwrap()
        .len();
    assert_eq!(
        text(&out.stdout).trim(),
        format!("Installed {objects} object(s) from 1 fixture(s)")
    );
    // The same rows, table by table (the dump is in key order).
    assert_eq!(text(&dump(&target, dir.path(), "again.json")), written);

    // It serves them: the counts were rebuilt, search finds, tokens and passwords work.
    let listed = target
        .client
        .get("/api/catalog/products")
        .send()
        .await
        .json_value();
    let shown = source
        .client
        .get("/api/catalog/products")
        .send()
        .await
        .json_value();
    assert_eq!(listed["total"], shown["total"]);
    assert_eq!(listed["items"], shown["items"]);
    let search = |app: &TestApp| {
        let client = app.client.clone();
        async move {
            client
                .get("/api/catalog/products?q=kenya")
                .send()
                .await
                .json_value()["items"]
                .clone()
        }
    };
    let found = search(&target).await;
    assert_eq!(found.as_array().map(Vec::len), Some(2), "{found}");
    assert_eq!(found, search(&source).await);
    let orders = target
        .client
        .get("/api/orders")
        .bearer(&customer)
        .send()
        .await
        .json_value();
    assert_eq!(orders["total"], 1);
    assert_eq!(orders["items"][0]["status"], "paid");
    let editor = token(&target, "editor@example.com", "editorpass123").await;
    // New rows get new ids (PostgreSQL's sequences were moved past the loaded ones), and
    // the editor's group still grants catalog.add_product.
    target
        .client
        .post("/api/catalog/products")
        .bearer(&editor)
        .json(&json!({"sku": "NEW-1", "name": "After the move", "price_cents": 100, "stock": 1}))
        .send()
        .await
        .assert_status(201);

    // Loading again updates in place: nothing doubles, a changed name lands.
    let renamed = written.replacen("Kenya Nyeri", "Kenya Nyeri (renamed)", 1);
    std::fs::write(dir.path().join("renamed.json"), renamed).unwrap();
    let out = project_on(&target, dir.path(), &["loaddata", "renamed.json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let found = target
        .client
        .get("/api/catalog/products?q=renamed")
        .send()
        .await
        .json_value();
    assert_eq!(found["total"], 1, "{found}");
    let listed_after = target
        .client
        .get("/api/catalog/products")
        .send()
        .await
        .json_value();
    assert_eq!(listed_after["total"], shown["total"].as_u64().unwrap() + 1);
}

#[tokio::test]
async fn a_bad_fixture_loads_nothing_and_names_file_object_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let target = empty_store().await;
    let before = dump(&target, dir.path(), "before.json");
    let good = json!({"model": "catalog.product", "pk": 7, "fields": {
        "sku": "OK-1", "sku_key": "", "name": "Fine", "slug": "fine", "description": "",
        "price_cents": 100, "currency": "USD", "stock": 1, "is_active": true,
        "weight_grams": 0, "requires_shipping": true,
        "created_at": "2026-12-07T10:00:00.000000Z", "updated_at": "2026-12-07T10:00:00.000000Z"}});
    let with = |change: &dyn Fn(&mut Value)| {
        let mut bad = good.clone();
        change(&mut bad);
        json!([good, bad])
    };
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "unknown-model.json",
            json!([good, {"model": "catalog.prodcut", "pk": 1, "fields": {}}]).to_string(),
            "object 2 (catalog.prodcut): unknown model `catalog.prodcut`",
        ),
        (
            "unknown-field.json",
            with(&|o| {
                o["pk"] = json!(8);
                o["fields"]["colour"] = json!("red");
            })
            .to_string(),
            "object 2 (catalog.product pk 8): field `colour`: `catalog.product` has no such field",
        ),
        (
            "wrong-type.json",
            with(&|o| {
                o["pk"] = json!(8);
                o["fields"]["price_cents"] = json!("cheap");
            })
            .to_string(),
            "object 2 (catalog.product pk 8): field `price_cents`: expected a whole number",
        ),
        (
            "duplicate-sku.json",
            with(&|o| o["pk"] = json!(8)).to_string(),
            "object 2 (catalog.product pk 8): the database refused it",
        ),
        (
            "unknown-permission.json",
            json!([{"model": "accounts.group", "pk": 1, "fields": {"name": "Editors"}},
                   {"model": "accounts.group_permission", "pk": 1,
                    "fields": {"group_id": 1, "permission_id": "catalog.fly_product"}}])
            .to_string(),
            "object 2 (accounts.group_permission pk 1): field `permission_id`: no auth_permissions has the code `catalog.fly_product`",
        ),
        (
            "broken.json",
            format!("[{good},"),
            "broken.json: not a fixture (a JSON array of objects)",
        ),
    ];
    for (name, content, expected) in cases {
        std::fs::write(dir.path().join(name), content).unwrap();
        let out = project_on(&target, dir.path(), &["loaddata", name]);
        assert_eq!(out.status.code(), Some(1), "{name}: {}", text(&out.stdout));
        let said = text(&out.stderr);
        assert!(
            said.contains(name) && said.contains(expected),
            "{name}: {said}"
        );
        assert_eq!(
            dump(&target, dir.path(), "after.json"),
            before,
            "{name} changed the database"
        );
    }
    let missing = project_on(&target, dir.path(), &["loaddata", "nowhere.json"]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(
        text(&missing.stderr).contains("nowhere.json: not a fixture")
            || text(&missing.stderr).contains("nowhere.json: cannot read it")
    );
}

#[tokio::test]
async fn dumpdata_chooses_models_and_formats() {
    let dir = tempfile::tempdir().unwrap();
    let store = empty_store().await;
    fill(&store).await;
    let out = project_on(
        &store,
        dir.path(),
        &["dumpdata", "catalog.product", "--indent", "2"],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let printed = text(&out.stdout);
    assert!(
        printed.starts_with("[\n  {\n    \"model\": \"catalog.product\""),
        "{printed}"
    );
    assert_eq!(models_in(printed.as_bytes()), ["catalog.product"]);
    let out = project_on(
        &store,
        dir.path(),
        &["dumpdata", "accounts", "--exclude", "accounts.token"],
    );
    let models = models_in(&out.stdout);
    assert!(
        models.iter().all(|m| m.starts_with("accounts.")),
        "{models:?}"
    );
    assert!(!models.iter().any(|m| m == "accounts.token"), "{models:?}");
    // The job queue when named.
    let out = project_on(&store, dir.path(), &["dumpdata", "jobs"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(models_in(&out.stdout), ["jobs.job"]);
    let out = project_on(&store, dir.path(), &["dumpdata", "catalog.nothing"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("unknown app or model `catalog.nothing`; the models are:"));
}

#[tokio::test]
async fn dbshell_opens_the_databases_own_client() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let store = empty_store().await;
    let mut child = project_command(
        dir.path(),
        [
            ("APP__DATABASE__URL", url_of(&store).as_str()),
            ("RUST_LOG", "warn"),
        ],
    )
    .arg("dbshell")
    .stdin(std::process::Stdio::piped())
    .stdout(std::process::Stdio::piped())
    .stderr(std::process::Stdio::piped())
    .spawn()
    .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"SELECT COUNT(*) AS n FROM catalog_counts;\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains('2'), "{}", text(&out.stdout));
    // A client that is not installed is named, with its package.
    let out = project_command(
        dir.path(),
        [
            ("APP__DATABASE__URL", url_of(&store).as_str()),
            ("PATH", "/nonexistent"),
        ],
    )
    .arg("dbshell")
    .output()
    .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("is not installed; install"),
        "{}",
        text(&out.stderr)
    );
}
