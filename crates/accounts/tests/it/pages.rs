//! The HTML pages: register, login (with `next`), logout, profile, password change and reset.

use serde_json::json;
use web_test::{TestApp, TestClient};

use crate::{PASSWORD, app, create_user, login, project, token};

#[tokio::test]
async fn profile_needs_login_and_redirects_with_next() {
    let app = app().await;
    let res = app.client.get("/accounts/profile/").send().await;
    res.assert_status(302);
    assert_eq!(
        res.location(),
        Some("/accounts/login/?next=/accounts/profile/")
    );
}

#[tokio::test]
async fn register_through_the_form_signs_in() {
    let app = app().await;
    let page = app.client.get("/accounts/register/").send().await;
    page.assert_status(200);
    assert!(page.text().contains(r#"name="csrf_token""#));
    let res = app
        .client
        .submit_form(
            "/accounts/register/",
            "/accounts/register/",
            &[
                ("email", "new@example.com"),
                ("name", "New"),
                ("password", PASSWORD),
            ],
        )
        .await;
    res.assert_status(303);
    assert_eq!(res.location(), Some("/accounts/profile/"));
    let profile = app.client.get("/accounts/profile/").send().await;
    profile.assert_status(200);
    assert!(profile.text().contains("new@example.com"));
    assert!(profile.text().contains("Welcome, New!"));
}

#[tokio::test]
async fn register_form_shows_errors_and_keeps_the_input() {
    let app = app().await;
    create_user(&app, "taken@example.com", false).await;
    let res = app
        .client
        .submit_form(
            "/accounts/register/",
            "/accounts/register/",
            &[("email", "taken@example.com"), ("password", PASSWORD)],
        )
        .await;
    res.assert_status(200);
    assert!(res.text().contains("already exists"));
    let res = app
        .client
        .submit_form(
            "/accounts/register/",
            "/accounts/register/",
            &[("email", "x@example.com"), ("password", "123")],
        )
        .await;
    assert!(res.text().contains("too short") && res.text().contains("entirely numeric"));
    assert!(res.text().contains(r#"value="x@example.com""#));
}

#[tokio::test]
async fn form_posts_without_a_csrf_token_are_403() {
    let app = app().await;
    create_user(&app, "c@example.com", false).await;
    for path in [
        "/accounts/login/",
        "/accounts/register/",
        "/accounts/logout/",
    ] {
        let res = app
            .client
            .post(path)
            .form(&[("email", "c@example.com"), ("password", PASSWORD)])
            .send()
            .await;
        res.assert_status(403);
    }
    app.client
        .get("/accounts/profile/")
        .send()
        .await
        .assert_status(302);
}

#[tokio::test]
async fn login_rotates_the_session_and_follows_next() {
    let app = app().await;
    create_user(&app, "li@example.com", false).await;
    // A visitor who already has a session (here: the flash message of signing out).
    let anonymous = app.client.csrf_token("/accounts/login/").await;
    app.client
        .post("/accounts/logout/")
        .form(&[("csrf_token", anonymous.as_str())])
        .send()
        .await
        .assert_status(303);
    let token = app
        .client
        .csrf_token("/accounts/login/?next=/accounts/password/")
        .await;
    let before = app
        .client
        .cookie("sessionid")
        .expect("the visitor has a session");
    let res = app
        .client
        .post("/accounts/login/")
        .form(&[
            ("email", "li@example.com"),
            ("password", PASSWORD),
            ("next", "/accounts/password/"),
            ("csrf_token", &token),
        ])
        .send()
        .await;
    res.assert_status(303);
    assert_eq!(res.location(), Some("/accounts/password/"));
    let after = app.client.cookie("sessionid").unwrap();
    assert_ne!(before, after, "the session id changes on login");
    // The pre-login session row is gone: a stolen pre-login id is useless.
    use sea_orm::EntityTrait;
    let ids: Vec<String> = web_sessions::store::entity::Entity::find()
        .all(app.db())
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.id)
        .collect();
    assert!(!ids.contains(&before), "{ids:?}");
    assert!(ids.contains(&after));
    let page = app.client.get("/accounts/password/").send().await;
    page.assert_status(200);
    assert!(
        page.text().contains("li@example.com"),
        "the nav shows who is signed in"
    );
}

#[tokio::test]
async fn next_pointing_off_site_is_ignored() {
    let app = app().await;
    create_user(&app, "or@example.com", false).await;
    for evil in [
        "//evil.example/",
        "https://evil.example/",
        "/\\evil.example",
        "http:/evil.example",
        "/\t/evil.example",
    ] {
        let client = app.client.new_session();
        let token = client.csrf_token("/accounts/login/").await;
        let res = client
            .post("/accounts/login/")
            .form(&[
                ("email", "or@example.com"),
                ("password", PASSWORD),
                ("next", evil),
                ("csrf_token", &token),
            ])
            .send()
            .await;
        res.assert_status(303);
        assert_eq!(res.location(), Some("/accounts/profile/"), "next={evil:?}");
    }
}

#[tokio::test]
async fn wrong_password_rerenders_and_throttling_shows_429() {
    let app = app().await;
    create_user(&app, "wp@example.com", false).await;
    for _ in 0..5 {
        let res = app
            .client
            .submit_form(
                "/accounts/login/",
                "/accounts/login/",
                &[("email", "wp@example.com"), ("password", "nope-nope")],
            )
            .await;
        res.assert_status(200);
        assert!(
            res.text()
                .contains("Please enter a correct email and password.")
        );
        assert!(res.text().contains(r#"value="wp@example.com""#));
    }
    let res = app
        .client
        .submit_form(
            "/accounts/login/",
            "/accounts/login/",
            &[("email", "wp@example.com"), ("password", PASSWORD)],
        )
        .await;
    res.assert_status(429);
    assert!(res.header("retry-after").is_some());
    assert!(res.text().contains("Too many failed attempts"));
}

#[tokio::test]
async fn logout_is_a_post_and_ends_the_session() {
    let app = app().await;
    create_user(&app, "out@example.com", false).await;
    login(&app.client, "out@example.com").await;
    app.client
        .get("/accounts/profile/")
        .send()
        .await
        .assert_status(200);
    app.client
        .get("/accounts/logout/")
        .send()
        .await
        .assert_status(405);
    let token = app.client.csrf_token("/accounts/profile/").await;
    let res = app
        .client
        .post("/accounts/logout/")
        .form(&[("csrf_token", token.as_str())])
        .send()
        .await;
    res.assert_status(303);
    assert_eq!(res.location(), Some("/accounts/login/"));
    let page = app.client.get("/accounts/login/").send().await;
    assert!(page.text().contains("You have been signed out."));
    app.client
        .get("/accounts/profile/")
        .send()
        .await
        .assert_status(302);
}

#[tokio::test]
async fn password_change_ends_other_sessions_and_tokens_but_not_this_one() {
    let app = app().await;
    create_user(&app, "pw@example.com", false).await;
    login(&app.client, "pw@example.com").await;
    let laptop = app.client.new_session();
    login(&laptop, "pw@example.com").await;
    let api_token = token(&app.client, "pw@example.com").await;

    let res = app
        .client
        .submit_form(
            "/accounts/password/",
            "/accounts/password/",
            &[
                ("old_password", "wrong"),
                ("new_password1", "an0ther-Secret"),
                ("new_password2", "an0ther-Secret"),
            ],
        )
        .await;
    res.assert_status(200);
    assert!(res.text().contains("old password was entered incorrectly"));
    let res = app
        .client
        .submit_form(
            "/accounts/password/",
            "/accounts/password/",
            &[
                ("old_password", PASSWORD),
                ("new_password1", "an0ther-Secret"),
                ("new_password2", "different-Secret"),
            ],
        )
        .await;
    assert!(res.text().contains("didn’t match"));

    let res = app
        .client
        .submit_form(
            "/accounts/password/",
            "/accounts/password/",
            &[
                ("old_password", PASSWORD),
                ("new_password1", "an0ther-Secret"),
                ("new_password2", "an0ther-Secret"),
            ],
        )
        .await;
    res.assert_status(303);
    assert!(
        app.client
            .get("/accounts/profile/")
            .send()
            .await
            .text()
            .contains("Your password was changed.")
    );
    laptop
        .get("/accounts/profile/")
        .send()
        .await
        .assert_status(302);
    app.client
        .get("/api/accounts/me")
        .bearer(&api_token)
        .send()
        .await
        .assert_status(401);
}

#[tokio::test]
async fn password_reset_sends_a_single_use_link() {
    let app = app().await;
    create_user(&app, "reset@example.com", false).await;
    let res = app
        .client
        .submit_form(
            "/accounts/password/reset/",
            "/accounts/password/reset/",
            &[("email", "RESET@example.com")],
        )
        .await;
    res.assert_status(303);
    assert_eq!(res.location(), Some("/accounts/password/reset/done/"));
    let unknown = app
        .client
        .submit_form(
            "/accounts/password/reset/",
            "/accounts/password/reset/",
            &[("email", "nobody@example.com")],
        )
        .await;
    assert_eq!(
        unknown.location(),
        res.location(),
        "no hint whether the account exists"
    );

    assert!(app.sent_mail().is_empty(), "the mail is a background job");
    assert_eq!(app.run_jobs().await, 1);
    let sent = app.sent_mail();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].to, "reset@example.com");
    assert_eq!(sent[0].subject, "Reset your password");
    let link = sent[0]
        .text
        .lines()
        .find(|l| l.starts_with("http://"))
        .expect("a link in the email")
        .to_string();
    let path = link.trim_start_matches("http://localhost");
    assert!(path.starts_with("/accounts/reset/"), "{path}");

    let form = app.client.get(path).send().await;
    form.assert_status(200);
    assert!(form.text().contains("new_password1"));
    let token = form.csrf_token().unwrap();
    let res = app
        .client
        .post(path)
        .form(&[
            ("new_password1", "fresh-Start-99"),
            ("new_password2", "fresh-Start-99"),
            ("csrf_token", &token),
        ])
        .send()
        .await;
    res.assert_status(303);
    assert_eq!(res.location(), Some("/accounts/reset/done/"));
    let ok = app
        .client
        .post("/api/accounts/token")
        .json(&json!({"email": "reset@example.com", "password": "fresh-Start-99"}))
        .send()
        .await;
    ok.assert_status(200);

    let reused = app.client.get(path).send().await;
    assert!(
        reused.text().contains("invalid-link"),
        "the link works once"
    );
    let tampered = app
        .client
        .get("/accounts/reset/MQ/zzzz-0123456789abcdef0123456789abcdef/")
        .send()
        .await;
    assert!(tampered.text().contains("invalid-link"));
}

/// Posts the reset form for `email` with `host` as the Host header; the status.
async fn request_reset_with_host(client: &TestClient, email: &str, host: &str) -> http::StatusCode {
    let form = client.get("/accounts/password/reset/").send().await;
    let token = form.csrf_token().unwrap();
    client
        .post("/accounts/password/reset/")
        .header("host", host)
        .form(&[("email", email), ("csrf_token", &token)])
        .send()
        .await
        .status
}

/// The link of the last email sent, once the queued mail jobs ran.
async fn last_link(app: &TestApp) -> String {
    app.run_jobs().await;
    let sent = app.sent_mail();
    let body = &sent.last().expect("an email").text;
    body.lines()
        .find(|l| l.starts_with("http"))
        .expect("a link in the email")
        .to_string()
}

#[tokio::test]
async fn forged_hosts_never_reach_a_reset_link() {
    for debug in [false, true] {
        let app = TestApp::builder(&project())
            .setting("debug", debug)
            .setting("server.allowed_hosts", ".example.com,localhost")
            .build()
            .await;
        create_user(&app, "victim@example.com", false).await;
        for forged in [
            "evil.com?.example.com",
            "evil.com/.example.com",
            "evil.com#.example.com",
            "evil.com\\.example.com",
            "[::1]@evil.com",
            "evil.com@shop.example.com",
        ] {
            let status = request_reset_with_host(&app.client, "victim@example.com", forged).await;
            assert_eq!(status, 400, "Host {forged:?} with debug {debug}");
        }
        app.run_jobs().await;
        assert!(app.sent_mail().is_empty(), "no email for a forged Host");
        let status =
            request_reset_with_host(&app.client, "victim@example.com", "shop.example.com:8443")
                .await;
        assert_eq!(status, 303);
        let link = last_link(&app).await;
        assert!(
            link.starts_with("http://shop.example.com:8443/accounts/reset/"),
            "{link}"
        );
    }
}

#[tokio::test]
async fn reset_links_use_the_public_url_when_set() {
    let app = TestApp::builder(&project())
        .setting("server.public_url", "https://shop.example.com/")
        .setting("server.allowed_hosts", ".example.com,localhost")
        .build()
        .await;
    create_user(&app, "victim@example.com", false).await;
    let status =
        request_reset_with_host(&app.client, "victim@example.com", "other.example.com").await;
    assert_eq!(status, 303);
    let link = last_link(&app).await;
    assert!(
        link.starts_with("https://shop.example.com/accounts/reset/"),
        "{link}"
    );
}

#[tokio::test]
async fn logout_gives_a_new_session_id_and_anonymous_pages_store_nothing() {
    use sea_orm::{EntityTrait, PaginatorTrait};
    let app = app().await;
    let sessions = || web_sessions::store::entity::Entity::find().count(app.db());
    for page in ["/accounts/login/", "/accounts/register/"] {
        app.client.get(page).send().await.assert_status(200);
    }
    assert_eq!(
        sessions().await.unwrap(),
        0,
        "anonymous GETs write no session"
    );
    create_user(&app, "cycle@example.com", false).await;
    login(&app.client, "cycle@example.com").await;
    let signed_in = app.client.cookie("sessionid").expect("a session");
    let token = app.client.csrf_token("/accounts/profile/").await;
    app.client
        .post("/accounts/logout/")
        .form(&[("csrf_token", token.as_str())])
        .send()
        .await
        .assert_status(303);
    let after = app
        .client
        .cookie("sessionid")
        .expect("the flash message's session");
    assert_ne!(after, signed_in, "a new session id after logout");
    assert!(
        web_sessions::store::entity::Entity::find_by_id(signed_in)
            .one(app.db())
            .await
            .unwrap()
            .is_none(),
        "the signed-in session is gone"
    );
}
