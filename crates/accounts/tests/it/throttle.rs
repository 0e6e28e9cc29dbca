//! Login throttling: per email (contract) and per client address (looser), in the database.

use std::net::IpAddr;

use serde_json::json;
use web_test::{TestApp, TestClient};

use crate::{PASSWORD, app, create_user, project};

async fn attempt(client: &TestClient, email: &str, password: &str) -> web_test::TestResponse {
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

/// Fifty guesses at once, through two server processes on one database: the attempt is
/// reserved before the password check, so exactly `login_max_failures` are checked.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_guesses_get_no_more_checks_than_the_limit() {
    let first = TestApp::builder(&project()).file_database().build().await;
    let second = TestApp::builder(&project())
        .share_database(&first)
        .build()
        .await;
    create_user(&first, "target@example.com", false).await;
    let tasks = (0..50).map(|n| {
        let client = if n % 2 == 0 {
            first.client.clone()
        } else {
            second.client.clone()
        };
        tokio::spawn(async move {
            attempt(&client, "target@example.com", &format!("guess-{n}"))
                .await
                .status
                .as_u16()
        })
    });
    let statuses: Vec<u16> = futures_join(tasks).await;
    assert_eq!(
        statuses.iter().filter(|s| **s == 401).count(),
        5,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 429).count(),
        45,
        "{statuses:?}"
    );
    attempt(&second.client, "target@example.com", PASSWORD)
        .await
        .assert_status(429);
}

async fn futures_join(tasks: impl Iterator<Item = tokio::task::JoinHandle<u16>>) -> Vec<u16> {
    let mut out = Vec::new();
    for task in tasks.collect::<Vec<_>>() {
        out.push(task.await.unwrap());
    }
    out
}

#[tokio::test]
async fn a_wrong_old_password_counts_as_a_failed_login() {
    let app = app().await;
    create_user(&app, "owner@example.com", false).await;
    let token = crate::token(&app.client, "owner@example.com").await;
    for _ in 0..5 {
        let res = app
            .client
            .post("/api/accounts/password")
            .bearer(&token)
            .json(&json!({"old_password": "a-guess", "new_password": "brand-New-pass-77"}))
            .send()
            .await;
        res.assert_status(422);
    }
    let locked = app
        .client
        .post("/api/accounts/password")
        .bearer(&token)
        .json(&json!({"old_password": PASSWORD, "new_password": "brand-New-pass-77"}))
        .send()
        .await;
    locked.assert_status(429);
    assert_eq!(locked.error_code(), "throttled");
    assert!(locked.header("retry-after").is_some());
    // The account's logins wait too, and the password is unchanged.
    attempt(&app.client, "owner@example.com", PASSWORD)
        .await
        .assert_status(429);
}

#[tokio::test]
async fn password_reset_emails_are_rate_limited_without_revealing_it() {
    let app = app().await;
    create_user(&app, "often@example.com", false).await;
    let mut locations = Vec::new();
    for _ in 0..5 {
        let res = app
            .client
            .submit_form(
                "/accounts/password/reset/",
                "/accounts/password/reset/",
                &[("email", "often@example.com")],
            )
            .await;
        res.assert_status(303);
        locations.push(res.location().unwrap().to_string());
    }
    assert!(locations.iter().all(|l| l == &locations[0]), "same answer");
    app.run_jobs().await;
    assert_eq!(
        app.sent_mail().len(),
        3,
        "at most 3 emails per address an hour"
    );
    // One client address: 20 requests an hour, whatever the addresses.
    for n in 0..20 {
        app.client
            .submit_form(
                "/accounts/password/reset/",
                "/accounts/password/reset/",
                &[("email", &format!("nobody{n}@example.com"))],
            )
            .await
            .assert_status(303);
    }
    create_user(&app, "fresh@example.com", false).await;
    let res = app
        .client
        .submit_form(
            "/accounts/password/reset/",
            "/accounts/password/reset/",
            &[("email", "fresh@example.com")],
        )
        .await;
    res.assert_status(303);
    assert_eq!(res.location(), Some(locations[0].as_str()));
    app.run_jobs().await;
    assert_eq!(app.sent_mail().len(), 3, "the client is over its limit");
}
