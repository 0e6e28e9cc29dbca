//! The response cache is never stale: every change, made by this process or by another
//! one on the same database, shows on the next request. Every test runs twice: with the
//! in-process cache (on for SQLite files, off on MySQL/PostgreSQL, where these tests check
//! plain reads) and with a shared Redis cache (`cache.url`, on for every database).

use serde_json::{Value, json};
use web::db::Backend;
use web_test::{TestApp, redis_url};

/// Which cache a test's processes use.
#[derive(Clone, Copy, Debug)]
enum Mode {
    InProcess,
    Shared,
}

const MODES: [Mode; 2] = [Mode::InProcess, Mode::Shared];

async fn store(mode: Mode) -> TestApp {
    let project = project::project();
    let builder = TestApp::builder(&project).file_database();
    match mode {
        Mode::InProcess => builder.build().await,
        Mode::Shared => builder.setting("cache.url", redis_url()).build().await,
    }
}

/// A second server process on the same database, with its own pool and in-process cache
/// (and the same shared cache, if any).
async fn second_process(first: &TestApp) -> TestApp {
    TestApp::builder(&project::project())
        .share_database(first)
        .setting(
            "cache.url",
            web_cache::CacheSettings::from_settings(first.settings())
                .unwrap()
                .url
                .expose(),
        )
        .build()
        .await
}

async fn staff_token(app: &TestApp) -> String {
    accounts::seed::local_users(&app.state).await.unwrap();
    let res = app
        .client
        .post("/api/accounts/token")
        .json(&json!({"email": "staff@example.com", "password": "staffpass123"}))
        .send()
        .await;
    res.json_value()["token"].as_str().unwrap().to_string()
}

async fn product(app: &TestApp, staff: &str, sku: &str, price: i64) -> Value {
    let res = app
        .client
        .post("/api/catalog/products")
        .bearer(staff)
        .json(
            &json!({"sku": sku, "name": format!("Thing {sku}"), "price_cents": price, "stock": 9}),
        )
        .send()
        .await;
    res.assert_status(201);
    res.json_value()
}

#[tokio::test]
async fn the_in_process_cache_is_on_only_for_sqlite_files_the_shared_one_everywhere() {
    let app = store(Mode::InProcess).await;
    assert_eq!(
        web_cache::Cache::of(&app.state).is_enabled(),
        app.backend() == Backend::Sqlite
    );
    let memory = TestApp::new(&project::project()).await;
    if memory.backend() == Backend::Sqlite {
        assert!(
            !web_cache::Cache::of(&memory.state).is_enabled(),
            "an in-memory database has no other connection to watch"
        );
    }
    let shared = store(Mode::Shared).await;
    assert!(
        web_cache::Cache::of(&shared.state).is_shared()
            && web_cache::Cache::of(&shared.state).is_enabled()
    );
    let ready = shared.client.get("/readyz").send().await;
    ready.assert_status(200);
    assert_eq!(
        ready.json_value(),
        json!({"status": "ok", "database": "ok", "cache": "ok"})
    );
    // In the contract's key order (the nginx check compares the text).
    assert_eq!(
        shared.client.get("/readyz").send().await.text(),
        r#"{"status":"ok","database":"ok","cache":"ok"}"#
    );
    // Without a shared cache, /readyz doesn't mention one.
    assert_eq!(
        app.client.get("/readyz").send().await.json_value(),
        json!({"status": "ok", "database": "ok"})
    );
}

/// The shared cache really answers: a change made behind the framework's back (raw SQL,
/// not announced) is not seen until someone announces a write; then at once, everywhere.
#[tokio::test]
async fn shared_entries_are_served_until_a_write_is_announced() {
    use sea_orm::ConnectionTrait;
    let a = store(Mode::Shared).await;
    let b = second_process(&a).await;
    let staff = staff_token(&a).await;
    let p = product(&a, &staff, "RAW", 100).await;
    let detail = format!("/api/catalog/products/{}", p["id"]);
    assert_eq!(
        a.client.get(&detail).send().await.json_value()["price_cents"],
        100
    );
    a.db()
        .execute_unprepared(&format!(
            "UPDATE products SET price_cents = 555 WHERE id = {}",
            p["id"]
        ))
        .await
        .unwrap();
    // B never computed it: it gets A's entry from Redis.
    assert_eq!(
        b.client.get(&detail).send().await.json_value()["price_cents"],
        100,
        "served from the shared cache"
    );
    web_cache::Cache::of(&a.state).changed().await;
    assert_eq!(
        b.client.get(&detail).send().await.json_value()["price_cents"],
        555
    );
    assert_eq!(
        a.client.get(&detail).send().await.json_value()["price_cents"],
        555
    );
}

/// Two databases sharing one Redis (two deployments, two tests) never see each other's
/// entries, even for the same URL.
#[tokio::test]
async fn databases_sharing_a_redis_keep_their_own_entries() {
    let one = store(Mode::Shared).await;
    let two = store(Mode::Shared).await;
    let staff_one = staff_token(&one).await;
    let staff_two = staff_token(&two).await;
    let first = product(&one, &staff_one, "ONE", 111).await;
    let second = product(&two, &staff_two, "TWO", 222).await;
    let list = |app: &TestApp| {
        let client = app.client.clone();
        async move {
            client
                .get("/api/catalog/products")
                .send()
                .await
                .json_value()
        }
    };
    assert_eq!(list(&one).await["items"][0]["sku"], "ONE");
    assert_eq!(list(&two).await["items"][0]["sku"], "TWO");
    assert_eq!(list(&one).await["items"][0]["sku"], "ONE");
    let detail = |id: &Value| format!("/api/catalog/products/{id}");
    assert_eq!(
        one.client
            .get(&detail(&first["id"]))
            .send()
            .await
            .json_value()["price_cents"],
        111
    );
    assert_eq!(
        two.client
            .get(&detail(&second["id"]))
            .send()
            .await
            .json_value()["price_cents"],
        222
    );
}

/// A shared cache that can't be reached costs speed only: answers come from the database
/// and /readyz stays 200, saying so.
#[tokio::test]
async fn an_unreachable_cache_is_no_error() {
    let app = TestApp::builder(&project::project())
        .setting("cache.url", "redis://127.0.0.1:1/0")
        .build()
        .await;
    let staff = staff_token(&app).await;
    let p = product(&app, &staff, "DOWN", 100).await;
    let detail = format!("/api/catalog/products/{}", p["id"]);
    for price in [200, 300] {
        app.client
            .patch(&detail)
            .bearer(&staff)
            .json(&json!({"price_cents": price}))
            .send()
            .await
            .assert_status(200);
        assert_eq!(
            app.client.get(&detail).send().await.json_value()["price_cents"],
            price
        );
    }
    app.client.get("/catalog/").send().await.assert_status(200);
    app.client
        .get("/api/orders")
        .bearer(&staff)
        .send()
        .await
        .assert_status(200);
    let ready = app.client.get("/readyz").send().await;
    ready.assert_status(200);
    assert_eq!(
        ready.json_value(),
        json!({"status": "ok", "database": "ok", "cache": "unavailable"})
    );
}

#[tokio::test]
async fn lists_and_details_follow_every_change() {
    for mode in MODES {
        lists_and_details_follow_every_change_in(mode).await;
    }
}

async fn lists_and_details_follow_every_change_in(mode: Mode) {
    let app = store(mode).await;
    let staff = staff_token(&app).await;
    let p = product(&app, &staff, "A", 100).await;
    let detail = format!("/api/catalog/products/{}", p["id"]);
    let first = app
        .client
        .get("/api/catalog/products")
        .send()
        .await
        .json_value();
    assert_eq!(first["total"], 1);
    assert_eq!(
        app.client.get(&detail).send().await.json_value()["price_cents"],
        100
    );
    // Served twice from the cache: identical.
    assert_eq!(
        app.client
            .get("/api/catalog/products")
            .send()
            .await
            .json_value(),
        first
    );

    app.client
        .patch(&detail)
        .bearer(&staff)
        .json(&json!({"price_cents": 250}))
        .send()
        .await
        .assert_status(200);
    assert_eq!(
        app.client.get(&detail).send().await.json_value()["price_cents"],
        250
    );
    assert_eq!(
        app.client
            .get("/api/catalog/products")
            .send()
            .await
            .json_value()["items"][0]["price_cents"],
        250
    );

    product(&app, &staff, "B", 5).await;
    assert_eq!(
        app.client
            .get("/api/catalog/products")
            .send()
            .await
            .json_value()["total"],
        2
    );

    app.client
        .delete(&detail)
        .bearer(&staff)
        .send()
        .await
        .assert_status(204);
    app.client.get(&detail).send().await.assert_status(404);
    assert_eq!(
        app.client
            .get("/api/catalog/products")
            .send()
            .await
            .json_value()["total"],
        1
    );
}

#[tokio::test]
async fn another_process_sees_changes_at_once() {
    for mode in MODES {
        another_process_sees_changes_at_once_in(mode).await;
    }
}

async fn another_process_sees_changes_at_once_in(mode: Mode) {
    let a = store(mode).await;
    let b = second_process(&a).await;
    let staff = staff_token(&a).await;
    let p = product(&a, &staff, "X", 700).await;
    let detail = format!("/api/catalog/products/{}", p["id"]);
    // B caches the product...
    assert_eq!(
        b.client.get(&detail).send().await.json_value()["price_cents"],
        700
    );
    assert!(
        b.client
            .get("/catalog/")
            .send()
            .await
            .text()
            .contains("$7.00")
    );
    // ...A changes it...
    a.client
        .patch(&detail)
        .bearer(&staff)
        .json(&json!({"price_cents": 900}))
        .send()
        .await
        .assert_status(200);
    // ...and B's very next answers have the new price.
    assert_eq!(
        b.client.get(&detail).send().await.json_value()["price_cents"],
        900
    );
    let page = b.client.get("/catalog/").send().await.text();
    assert!(page.contains("$9.00") && !page.contains("$7.00"), "{page}");
}

#[tokio::test]
async fn a_token_revoked_in_one_process_fails_in_the_other_at_once() {
    for mode in MODES {
        a_token_revoked_in_one_process_fails_in_the_other_at_once_in(mode).await;
    }
}

async fn a_token_revoked_in_one_process_fails_in_the_other_at_once_in(mode: Mode) {
    let a = store(mode).await;
    let b = second_process(&a).await;
    let staff = staff_token(&a).await;
    b.client
        .get("/api/accounts/me")
        .bearer(&staff)
        .send()
        .await
        .assert_status(200);
    b.client
        .get("/api/orders")
        .bearer(&staff)
        .send()
        .await
        .assert_status(200);
    a.client
        .post("/api/accounts/logout")
        .bearer(&staff)
        .send()
        .await
        .assert_status(204);
    b.client
        .get("/api/accounts/me")
        .bearer(&staff)
        .send()
        .await
        .assert_status(401);
    b.client
        .get("/api/orders")
        .bearer(&staff)
        .send()
        .await
        .assert_status(401);
}

#[tokio::test]
async fn a_users_orders_follow_their_changes() {
    for mode in MODES {
        a_users_orders_follow_their_changes_in(mode).await;
    }
}

async fn a_users_orders_follow_their_changes_in(mode: Mode) {
    let a = store(mode).await;
    let b = second_process(&a).await;
    let staff = staff_token(&a).await;
    let p = product(&a, &staff, "O", 300).await;
    assert_eq!(
        b.client
            .get("/api/orders")
            .bearer(&staff)
            .send()
            .await
            .json_value()["total"],
        0
    );
    let created = a
        .client
        .post("/api/orders")
        .bearer(&staff)
        .json(&json!({"items": [{"product_id": p["id"], "quantity": 2}]}))
        .send()
        .await;
    created.assert_status(201);
    let listed = b
        .client
        .get("/api/orders")
        .bearer(&staff)
        .send()
        .await
        .json_value();
    assert_eq!(listed["total"], 1);
    let id = created.json_value()["id"].clone();
    assert_eq!(
        b.client
            .get(&format!("/api/orders/{id}"))
            .bearer(&staff)
            .send()
            .await
            .json_value()["status"],
        "pending"
    );
    a.client
        .post(&format!("/api/orders/{id}/cancel"))
        .bearer(&staff)
        .send()
        .await
        .assert_status(200);
    assert_eq!(
        b.client
            .get(&format!("/api/orders/{id}"))
            .bearer(&staff)
            .send()
            .await
            .json_value()["status"],
        "cancelled"
    );
    assert_eq!(
        b.client
            .get(&format!("/api/catalog/products/{}", p["id"]))
            .send()
            .await
            .json_value()["stock"],
        9
    );
}

#[tokio::test]
async fn only_anonymous_pages_are_shared() {
    for mode in MODES {
        only_anonymous_pages_are_shared_in(mode).await;
    }
}

async fn only_anonymous_pages_are_shared_in(mode: Mode) {
    let app = store(mode).await;
    let staff = staff_token(&app).await;
    let p = product(&app, &staff, "H", 100).await;
    // The catalog page; a product page has the Add to cart form (a CSRF token put in
    // per answer, see `the_product_page_is_shared_with_each_visitors_own_token`).
    let page = format!("/catalog/?q={}", p["slug"].as_str().unwrap());
    let anonymous = app.client.get(&page).send().await.text();
    // Its one form is the language switcher in the footer, with this visitor's token.
    let (content, footer) = anonymous.split_once("</main>").unwrap();
    assert!(content.contains(">Log in</a>") && !content.contains("csrf_token"));
    assert_eq!(footer.matches("name=\"csrf_token\"").count(), 1, "{footer}");
    let product_page = format!("/catalog/{}/", p["slug"].as_str().unwrap());
    let with_form = app.client.get(&product_page).send().await.text();
    assert!(with_form.contains("Add to cart") && with_form.contains("csrf_token"));
    // A signed-in visitor gets their own page (their email, a logout form with their token).
    let visitor = app.client.new_session();
    let res = visitor
        .submit_form(
            "/accounts/login/",
            "/accounts/login/",
            &[("email", "staff@example.com"), ("password", "staffpass123")],
        )
        .await;
    res.assert_status(303);
    let personal = visitor.get(&page).send().await.text();
    assert!(personal.contains("staff@example.com") && personal.contains("csrf_token"));
    // And that page was not handed to anyone else.
    let again = app.client.new_session().get(&page).send().await.text();
    assert_eq!(without_tokens(&again), without_tokens(&anonymous));
    assert!(!again.contains("staff@example.com"));
}

#[tokio::test]
async fn the_product_page_is_shared_with_each_visitors_own_token() {
    for mode in MODES {
        the_product_page_is_shared_with_each_visitors_own_token_in(mode).await;
    }
}

/// The product page is rendered once for visitors without a session (its Add to cart
/// form's token is a hole), and each answer carries the visitor's own token, which works;
/// in Shared mode another process answers from the same entry with its own tokens.
async fn the_product_page_is_shared_with_each_visitors_own_token_in(mode: Mode) {
    use sea_orm::ConnectionTrait;
    let app = store(mode).await;
    let staff = staff_token(&app).await;
    let p = product(&app, &staff, "HOLE", 100).await;
    let page = format!("/catalog/{}/", p["slug"].as_str().unwrap());
    let shared = matches!(mode, Mode::Shared);
    // (Started first: a process that starts announces a change.)
    let other = if shared {
        Some(second_process(&app).await)
    } else {
        None
    };
    let first = app.client.new_session();
    let res = first.get(&page).send().await;
    res.assert_status(200);
    let first_token = res.csrf_token().expect("the Add to cart form has a token");
    let first_html = res.text();
    let mut visitors = vec![(app.client.new_session(), &app)];
    if let Some(other) = &other {
        // Renamed behind the framework's back (the in-process cache of a SQLite file
        // would notice): a page served from the cache keeps the old name.
        app.db()
            .execute_unprepared(&format!(
                "UPDATE products SET name = 'Renamed' WHERE id = {}",
                p["id"]
            ))
            .await
            .unwrap();
        visitors.push((other.client.new_session(), other));
    }
    let marker = web::page::Holes::new(app.settings().secret_key.expose()).hole("");
    for (visitor, process) in visitors {
        let res = visitor.get(&page).send().await;
        res.assert_status(200);
        let token = res.csrf_token().unwrap();
        let html = res.text();
        assert!(!html.contains(&marker[..26]), "no hole is left: {html}");
        assert_ne!(token, first_token, "each visitor has a token of their own");
        assert!(html.contains("Thing HOLE"), "served from the cache: {html}");
        assert_eq!(
            html.replace(&token, "T"),
            first_html.replace(&first_token, "T"),
            "the same page, but for the token"
        );
        // The token is this visitor's and works: the Add to cart form posts.
        add_to_cart(&visitor, &p, &token).await.assert_status(303);
        let cart = visitor.get("/cart/").send().await.text();
        assert!(cart.contains("$1.00"), "{cart}");
        // Another visitor's token is refused (it is not a shared token).
        add_to_cart(&process.client.new_session(), &p, &token)
            .await
            .assert_status(403);
    }
}

/// The product page's Add to cart form, posted with `token`.
async fn add_to_cart(
    client: &web_test::TestClient,
    product: &Value,
    token: &str,
) -> web_test::TestResponse {
    let id = product["id"].to_string();
    client
        .post("/cart/add/")
        .form(&[
            ("product_id", id.as_str()),
            ("quantity", "1"),
            (web_sessions::csrf::CSRF_FIELD, token),
        ])
        .send()
        .await
}

/// A cached order answer showing a pending order turns `expired` at the order's time,
/// with no write in between (the entry lives only that long).
#[tokio::test]
async fn a_cached_pending_order_expires_on_time() {
    for mode in MODES {
        let project = project::project();
        let mut builder = TestApp::builder(&project)
            .file_database()
            .setting("payments.pending_order_ttl_seconds", 2);
        if let Mode::Shared = mode {
            builder = builder.setting("cache.url", redis_url());
        }
        let app = builder.build().await;
        let staff = staff_token(&app).await;
        let p = product(&app, &staff, "TTL", 100).await;
        let created = app
            .client
            .post("/api/orders")
            .bearer(&staff)
            .json(&json!({"items": [{"product_id": p["id"], "quantity": 1}]}))
            .send()
            .await;
        created.assert_status(201);
        let detail = format!("/api/orders/{}", created.json_value()["id"]);
        let status = |path: String| {
            let client = app.client.clone();
            let staff = staff.clone();
            async move {
                let body = client.get(&path).bearer(&staff).send().await.json_value();
                body.get("status")
                    .cloned()
                    .unwrap_or_else(|| body["items"][0]["status"].clone())
            }
        };
        for _ in 0..2 {
            assert_eq!(status(detail.clone()).await, "pending", "{mode:?}");
            assert_eq!(status("/api/orders".into()).await, "pending", "{mode:?}");
        }
        tokio::time::sleep(std::time::Duration::from_millis(2300)).await;
        assert_eq!(status(detail.clone()).await, "expired", "{mode:?}");
        assert_eq!(status("/api/orders".into()).await, "expired", "{mode:?}");
    }
}

/// The page with each CSRF token (a visitor's own, put in per answer) left out.
fn without_tokens(html: &str) -> String {
    let field = "name=\"csrf_token\" value=\"";
    let mut parts = html.split(field);
    let mut out = parts.next().unwrap_or_default().to_string();
    for part in parts {
        out.push_str(field);
        out.push_str(part.split_once('"').map_or(part, |(_, rest)| rest));
    }
    out
}

#[tokio::test]
async fn a_shared_page_is_kept_per_language() {
    for mode in MODES {
        a_shared_page_is_kept_per_language_in(mode).await;
    }
}

async fn a_shared_page_is_kept_per_language_in(mode: Mode) {
    let app = store(mode).await;
    // A German visitor (by Accept-Language) is the first to ask for the catalog page…
    let german = app
        .client
        .new_session()
        .get("/catalog/")
        .header("accept-language", "de-DE,de;q=0.9")
        .send()
        .await;
    german.assert_status(200);
    assert_eq!(german.header("content-language"), Some("de"), "{mode:?}");
    let text = german.text();
    assert!(
        text.contains("<html lang=\"de\">") && text.contains(">Sprache</label>"),
        "{mode:?}"
    );
    // …and an English visitor after them gets the English page, not the German one kept.
    let english = app
        .client
        .new_session()
        .get("/catalog/")
        .header("accept-language", "en-GB")
        .send()
        .await;
    assert_eq!(english.header("content-language"), Some("en"), "{mode:?}");
    let text = english.text();
    assert!(
        text.contains("<html lang=\"en\">") && text.contains(">Language</label>"),
        "{mode:?}"
    );
    // Deutsch chosen in the footer's switcher: the cookie then beats the header.
    let visitor = app.client.new_session();
    let res = visitor
        .submit_form(
            "/catalog/",
            "/i18n/setlang/",
            &[("language", "de"), ("next", "/catalog/")],
        )
        .await;
    res.assert_status(302);
    assert_eq!(res.location(), Some("/catalog/"));
    let page = visitor
        .get("/catalog/")
        .header("accept-language", "en")
        .send()
        .await;
    assert!(page.text().contains("<html lang=\"de\">"), "{mode:?}");
}
