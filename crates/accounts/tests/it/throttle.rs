//! Login throttling: per email (contract) and per client address (looser), in the database.

use std::net::IpAddr;

use serde_json::json;
use web::test::{TestApp, TestClient};

use crate::{PASSWORD, app, create_user, project};

async fn attempt(client: &TestClient, email: &str, password: &str) -> web::test::TestResponse {
    client
        .post("/api/accounts/token")
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
}

#[tokio::test]
async fn five_failures_for_one_email_lock_it_with_retry_after() {
    let app = app().await;
    create_user(&app, "victim@example.com", false).await;
    create_user(&app, "bystander@example.com", false).await;
    for _ in 0..5 {
        attempt(&app.client, "victim@example.com", "wrong-password")
            .await
            .assert_status(401);
    }
    let locked = attempt(&app.client, "victim@example.com", "wrong-password").await;
    locked.assert_status(429);
    assert_eq!(locked.error_code(), "throttled");
    let retry: u64 = locked.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=900).contains(&retry), "{retry}");
    // Even the right password waits for the window.
    attempt(&app.client, "victim@example.com", PASSWORD)
        .await
        .assert_status(429);
    // Another account is not affected.
    attempt(&app.client, "bystander@example.com", PASSWORD)
        .await
        .assert_status(200);
}

#[tokio::test]
async fn a_successful_login_resets_the_count() {
    let app = app().await;
    create_user(&app, "forgetful@example.com", false).await;
    for _ in 0..4 {
        attempt(&app.client, "forgetful@example.com", "wrong-password")
            .await
            .assert_status(401);
    }
    attempt(&app.client, "forgetful@example.com", PASSWORD)
        .await
        .assert_status(200);
    for _ in 0..4 {
        attempt(&app.client, "forgetful@example.com", "wrong-password")
            .await
            .assert_status(401);
    }
    attempt(&app.client, "forgetful@example.com", PASSWORD)
        .await
        .assert_status(200);
}

#[tokio::test]
async fn counters_live_in_the_database() {
    use sea_orm::EntityTrait;
    let app = app().await;
    attempt(&app.client, "ghost@example.com", "wrong-password")
        .await
        .assert_status(401);
    let rows = accounts::models::throttle::Entity::find()
        .all(app.db())
        .await
        .unwrap();
    let keys: Vec<&str> = rows.iter().map(|r| r.key.as_str()).collect();
    assert!(keys.contains(&"email:ghost@example.com"), "{keys:?}");
    assert!(keys.contains(&"ip:127.0.0.1"), "{keys:?}");
}

#[tokio::test]
async fn one_address_cannot_try_many_accounts() {
    let app = TestApp::builder(&project())
        .setting("accounts.ip_max_failures", 3)
        .build()
        .await;
    create_user(&app, "real@example.com", false).await;
    let attacker = app.client.from_ip("198.51.100.7".parse().unwrap());
    for n in 0..3 {
        attempt(
            &attacker,
            &format!("guess{n}@example.com"),
            "wrong-password",
        )
        .await
        .assert_status(401);
    }
    attempt(&attacker, "guess9@example.com", "wrong-password")
        .await
        .assert_status(429);
    // The account itself is not locked for everyone else.
    let someone = app.client.from_ip("192.0.2.1".parse().unwrap());
    attempt(&someone, "real@example.com", PASSWORD)
        .await
        .assert_status(200);
}

#[tokio::test]
async fn the_address_limit_can_be_disabled() {
    let app = TestApp::builder(&project())
        .setting("accounts.ip_max_failures", 0)
        .build()
        .await;
    for n in 0..8 {
        attempt(&app.client, &format!("g{n}@example.com"), "wrong-password")
            .await
            .assert_status(401);
    }
}

#[tokio::test]
async fn forwarded_for_counts_only_behind_a_trusted_proxy() {
    let app = TestApp::builder(&project())
        .setting("accounts.ip_max_failures", 2)
        .setting("server.trusted_proxies", "10.0.0.0/8")
        .build()
        .await;
    create_user(&app, "p@example.com", false).await;
    let proxy = app.client.from_ip("10.0.0.5".parse::<IpAddr>().unwrap());
    for n in 0..2 {
        let res = proxy
            .post("/api/accounts/token")
            .header("x-forwarded-for", "203.0.113.5")
            .json(&json!({"email": format!("x{n}@example.com"), "password": "wrong-password"}))
            .send()
            .await;
        res.assert_status(401);
    }
    let same_client = proxy
        .post("/api/accounts/token")
        .header("x-forwarded-for", "203.0.113.5")
        .json(&json!({"email": "p@example.com", "password": PASSWORD}))
        .send()
        .await;
    same_client.assert_status(429);
    let other_client = proxy
        .post("/api/accounts/token")
        .header("x-forwarded-for", "203.0.113.6")
        .json(&json!({"email": "p@example.com", "password": PASSWORD}))
        .send()
        .await;
    other_client.assert_status(200);
    // An untrusted peer cannot pick its own address with the header.
    let direct = app
        .client
        .from_ip("198.51.100.9".parse::<IpAddr>().unwrap());
    for n in 0..2 {
        direct
            .post("/api/accounts/token")
            .header("x-forwarded-for", &format!("203.0.113.{}", 100 + n))
            .json(&json!({"email": "y@example.com", "password": "wrong-password"}))
            .send()
            .await
            .assert_status(401);
    }
    let res = direct
        .post("/api/accounts/token")
        .header("x-forwarded-for", "203.0.113.200")
        .json(&json!({"email": "p@example.com", "password": PASSWORD}))
        .send()
        .await;
    res.assert_status(429);
}
