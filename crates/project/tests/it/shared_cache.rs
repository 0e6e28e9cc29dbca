//! Several `project serve` processes sharing one Redis (`cache.url`): never an old answer
//! after an acknowledged write, and a cache that goes away costs speed, not answers.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};
use web_test::redis_url;

use crate::processes::{
    Proxy, Server, authority, free_port, get_json, manage_with, seeded_database, token,
};

/// A product created through `server`, as JSON.
async fn create_product(server: &Server, staff: &str) -> Value {
    let res = reqwest::Client::new()
        .post(server.url("/api/catalog/products"))
        .bearer_auth(staff)
        .json(&json!({"sku": "SHARED-1", "name": "Shared", "price_cents": 999, "stock": 5}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    res.json().await.unwrap()
}

async fn set_price(server: &Server, staff: &str, id: &Value, price: i64) {
    let res = reqwest::Client::new()
        .patch(server.url(&format!("/api/catalog/products/{id}")))
        .bearer_auth(staff)
        .json(&json!({"price_cents": price}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK, "PATCH price {price}");
}

/// What `server` shows of the product now: the detail's, the list's and the HTML page's
/// price.
async fn prices_on(server: &Server, id: &Value, slug: &str) -> (Value, Value, String) {
    let (status, detail) = get_json(server.url(&format!("/api/catalog/products/{id}")), None).await;
    assert_eq!(status, StatusCode::OK);
    let (status, list) = get_json(server.url("/api/catalog/products"), None).await;
    assert_eq!(status, StatusCode::OK);
    let listed = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| &p["id"] == id)
        .map(|p| p["price_cents"].clone())
        .unwrap_or(Value::Null);
    // The catalog page (shared in the cache; a product page, with its Add to cart form,
    // is rendered per visitor).
    let html = reqwest::get(server.url(&format!("/catalog/?q={slug}")))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    (detail["price_cents"].clone(), listed, html)
}

fn dollars(cents: i64) -> String {
    format!("${}.{:02}", cents / 100, cents % 100)
}

pub(crate) async fn metric(port: u16, name: &str) -> f64 {
    let text = reqwest::get(format!("http://127.0.0.1:{port}/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    text.lines()
        .filter(|l| l.starts_with(name))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

/// The acceptance test: 200 rounds of "PATCH the price on A, read it on B" (detail,
/// list, HTML), on every database; B answers from the cache in between.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_processes_sharing_redis_never_show_an_old_price() {
    let database = seeded_database().await;
    let redis = redis_url();
    let metrics_port = free_port();
    let a = Server::start(database.url(), &[("APP__CACHE__URL", &redis)]).await;
    let b = Server::start(
        database.url(),
        &[
            ("APP__CACHE__URL", &redis),
            ("APP__METRICS__PORT", &metrics_port.to_string()),
        ],
    )
    .await;
    let staff = token(&a, "staff@example.com", "staffpass123").await;
    let product = create_product(&a, &staff).await;
    let (id, slug) = (&product["id"], product["slug"].as_str().unwrap());
    for round in 0..200 {
        let price = 1000 + round;
        set_price(&a, &staff, id, price).await;
        // Twice: the second answer comes from the cache B filled (or A did).
        for _ in 0..2 {
            let (detail, listed, html) = prices_on(&b, id, slug).await;
            assert_eq!(detail, json!(price), "round {round}: B's detail");
            assert_eq!(listed, json!(price), "round {round}: B's list");
            assert!(
                html.contains(&dollars(price)),
                "round {round}: B's page lacks {}",
                dollars(price)
            );
        }
    }
    let hits = metric(metrics_port, "cache_hits_total").await;
    assert!(
        hits >= 3.0 * 200.0,
        "B answered from the cache {hits} times"
    );
}

/// Redis goes away and comes back: no error meanwhile, `/readyz` says so (still 200), one
/// log line per outage, and no answer from before the outage after it.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_cache_outage_costs_speed_not_answers() {
    let database = seeded_database().await;
    let redis = redis_url();
    let proxy = Proxy::start(redis[authority(&redis)].to_string()).await;
    let mut proxied = redis.clone();
    proxied.replace_range(authority(&redis), &proxy.addr.to_string());
    let settings = [("APP__CACHE__URL", proxied.as_str())];
    let a = Server::start(database.url(), &settings).await;
    let b = Server::start(database.url(), &settings).await;
    let staff = token(&a, "staff@example.com", "staffpass123").await;
    let product = create_product(&a, &staff).await;
    let (id, slug) = (&product["id"], product["slug"].as_str().unwrap());
    // Both processes have the product cached.
    for server in [&a, &b] {
        let (detail, _, _) = prices_on(server, id, slug).await;
        assert_eq!(detail, json!(999));
    }
    let (status, ready) = get_json(b.url("/readyz"), None).await;
    assert_eq!((status, &ready["cache"]), (StatusCode::OK, &json!("ok")));

    proxy.cut();
    wait_for_cache(&b, "unavailable").await;
    // Writes and reads go on, from the database.
    for price in [1500, 1600] {
        let started = Instant::now();
        set_price(&a, &staff, id, price).await;
        assert!(started.elapsed() < Duration::from_secs(2), "a slow write");
        for server in [&a, &b] {
            let (detail, listed, html) = prices_on(server, id, slug).await;
            assert_eq!((detail, listed), (json!(price), json!(price)));
            assert!(html.contains(&dollars(price)));
        }
    }

    proxy.restore();
    wait_for_cache(&b, "ok").await;
    // B never learnt of A's writes through the cache; what Redis holds from before the
    // outage must not come back.
    let (detail, listed, html) = prices_on(&b, id, slug).await;
    assert_eq!((detail, listed), (json!(1600), json!(1600)));
    assert!(html.contains(&dollars(1600)));
    set_price(&a, &staff, id, 1700).await;
    let (detail, _, _) = prices_on(&b, id, slug).await;
    assert_eq!(detail, json!(1700));

    for server in [&a, &b] {
        let log = server.log_text();
        assert_eq!(
            log.matches("shared cache: unavailable").count(),
            1,
            "one line per outage:\n{log}"
        );
        assert!(!log.contains("ERROR") && !log.contains(" 500 "), "{log}");
    }
    assert!(b.log_text().contains("shared cache: available again"));
}

async fn wait_for_cache(server: &Server, want: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (status, body) = get_json(server.url("/readyz"), None).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        if body["cache"] == want {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "cache stayed {body}, wanted {want}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Management commands are writes too: a server's cached list shows what `seed` added as
/// soon as the command has finished.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_finished_management_command_is_seen_at_once() {
    let database = seeded_database().await;
    let redis = redis_url();
    let settings = [("APP__CACHE__URL", redis.as_str())];
    let server = Server::start(database.url(), &settings).await;
    let list = server.url("/api/catalog/products?per_page=5");
    let before = get_json(list.clone(), None).await.1["total"]
        .as_i64()
        .unwrap();
    assert_eq!(get_json(list.clone(), None).await.1["total"], before);
    manage_with(database.url(), &settings, &["seed", "--products", "30"]);
    assert_eq!(get_json(list, None).await.1["total"], before + 30);
}
