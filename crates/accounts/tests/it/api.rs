//! The JSON API: register, token, me, logout, password.

use serde_json::{Value, json};
use sha2::Digest;

use crate::{PASSWORD, app, create_user, token};

#[tokio::test]
async fn register_returns_the_user_without_any_password() {
    let app = app().await;
    let res = app
        .client
        .post("/api/accounts/register")
        .json(&json!({"email": "Ada@Example.COM", "password": PASSWORD, "name": "Ada"}))
        .send()
        .await;
    res.assert_status(201);
    assert_eq!(
        res.header("content-type"),
        Some("application/json; charset=utf-8")
    );
    let body = res.json_value();
    let keys: Vec<&str> = body
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        ["date_joined", "email", "id", "is_staff", "language", "name"]
    );
    assert_eq!(body["email"], "ada@example.com");
    assert_eq!(body["language"], "en", "the language of the request");
    assert_eq!(body["is_staff"], false);
    assert!(body["id"].is_i64());
    assert!(body["date_joined"].as_str().unwrap().ends_with('Z'));
    assert!(!res.text().contains("argon2"));
}

#[tokio::test]
async fn register_refuses_a_taken_email_in_any_case() {
    let app = app().await;
    create_user(&app, "bob@example.com", false).await;
    let res = app
        .client
        .post("/api/accounts/register")
        .json(&json!({"email": "BOB@example.com", "password": PASSWORD, "name": ""}))
        .send()
        .await;
    res.assert_status(409);
    assert_eq!(res.error_code(), "email_taken");
}

#[tokio::test]
async fn register_validates_every_field() {
    let app = app().await;
    let cases: Vec<(Value, Vec<&str>)> = vec![
        (
            json!({"email": "not-an-email", "password": "12345678", "name": "x"}),
            vec!["email", "password"],
        ),
        (
            json!({"email": "short@example.com", "password": "abc", "name": "x"}),
            vec!["password"],
        ),
        (
            json!({"email": "same@example.com", "password": "same@example.com", "name": "x"}),
            vec!["password"],
        ),
        (
            json!({"email": "c@example.com", "password": "password123", "name": "x"}),
            vec!["password"],
        ),
        (
            json!({"email": "c@example.com", "password": "qwertyuiop", "name": "x"}),
            vec!["password"],
        ),
        (json!({}), vec!["email", "name", "password"]),
        (
            json!({"email": "c@example.com", "password": PASSWORD, "name": "x".repeat(151)}),
            vec!["name"],
        ),
        (
            json!({"email": 5, "password": PASSWORD, "name": "x"}),
            vec!["email"],
        ),
    ];
    for (body, fields) in cases {
        let res = app
            .client
            .post("/api/accounts/register")
            .json(&body)
            .send()
            .await;
        res.assert_status(422);
        assert_eq!(res.error_code(), "validation_error");
        let got: Vec<String> = res.json_value()["error"]["fields"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        assert_eq!(got, fields, "{body}");
    }
    let res = app
        .client
        .post("/api/accounts/register")
        .body("[]", "application/json")
        .send()
        .await;
    res.assert_status(422);
    app.client
        .post("/api/accounts/register")
        .body("{\"email\":", "application/json")
        .send()
        .await
        .assert_status(400);
    app.client
        .post("/api/accounts/register")
        .body("{}", "text/plain")
        .send()
        .await
        .assert_status(415);
    app.client
        .get("/api/accounts/register")
        .send()
        .await
        .assert_status(405);
}

#[tokio::test]
async fn token_is_random_expiring_and_stored_only_as_a_hash() {
    let app = app().await;
    create_user(&app, "t@example.com", false).await;
    let res = app
        .client
        .post("/api/accounts/token")
        .json(&json!({"email": "T@example.com", "password": PASSWORD}))
        .send()
        .await;
    res.assert_status(200);
    let body = res.json_value();
    assert_eq!(body["token_type"], "Bearer");
    let raw = body["token"].as_str().unwrap();
    assert!(raw.len() >= 43, "256 random bits");
    let expires = time::OffsetDateTime::parse(
        body["expires_at"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    let days = (expires - time::OffsetDateTime::now_utc()).whole_hours() as f64 / 24.0;
    assert!((13.9..=14.0).contains(&days), "{days}");
    use sea_orm::EntityTrait;
    let rows = accounts::models::token::Entity::find()
        .all(app.db())
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    assert_ne!(rows[0].key_hash, raw);
    assert_eq!(
        rows[0].key_hash,
        hex::encode(sha2::Sha256::digest(raw.as_bytes()))
    );
}

#[tokio::test]
async fn wrong_password_and_unknown_email_get_the_same_401() {
    let app = app().await;
    create_user(&app, "u@example.com", false).await;
    let wrong = app
        .client
        .post("/api/accounts/token")
        .json(&json!({"email": "u@example.com", "password": "wrong-pass"}))
        .send()
        .await;
    let unknown = app
        .client
        .post("/api/accounts/token")
        .json(&json!({"email": "nobody@example.com", "password": "wrong-pass"}))
        .send()
        .await;
    wrong.assert_status(401);
    unknown.assert_status(401);
    assert_eq!(wrong.error_code(), "invalid_credentials");
    assert_eq!(wrong.body, unknown.body);
    let missing = app
        .client
        .post("/api/accounts/token")
        .json(&json!({"email": "u@example.com"}))
        .send()
        .await;
    missing.assert_status(422);
}

#[tokio::test]
async fn me_needs_a_valid_token() {
    let app = app().await;
    create_user(&app, "me@example.com", false).await;
    let tok = token(&app.client, "me@example.com").await;
    let res = app.client.get("/api/accounts/me").bearer(&tok).send().await;
    res.assert_status(200);
    assert_eq!(res.json_value()["email"], "me@example.com");
    assert!(!res.text().contains("password"));
    let anon = app.client.get("/api/accounts/me").send().await;
    anon.assert_status(401);
    assert_eq!(anon.error_code(), "unauthenticated");
    assert_eq!(anon.header("www-authenticate"), Some("Bearer"));
    app.client
        .get("/api/accounts/me")
        .bearer("bogus")
        .send()
        .await
        .assert_status(401);
    app.client
        .get("/api/accounts/me")
        .header("authorization", &format!("Basic {tok}"))
        .send()
        .await
        .assert_status(401);
}

#[tokio::test]
async fn logout_revokes_that_token_only() {
    let app = app().await;
    create_user(&app, "lo@example.com", false).await;
    let first = token(&app.client, "lo@example.com").await;
    let second = token(&app.client, "lo@example.com").await;
    app.client
        .post("/api/accounts/logout")
        .bearer(&first)
        .send()
        .await
        .assert_status(204);
    app.client
        .get("/api/accounts/me")
        .bearer(&first)
        .send()
        .await
        .assert_status(401);
    app.client
        .get("/api/accounts/me")
        .bearer(&second)
        .send()
        .await
        .assert_status(200);
    app.client
        .post("/api/accounts/logout")
        .send()
        .await
        .assert_status(401);
    app.client
        .post("/api/accounts/logout")
        .bearer(&first)
        .send()
        .await
        .assert_status(401);
}

#[tokio::test]
async fn expired_tokens_and_inactive_users_are_refused() {
    use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, Set};
    let app = app().await;
    let user = create_user(&app, "ex@example.com", false).await;
    let tok = token(&app.client, "ex@example.com").await;
    let row = accounts::models::token::Entity::find()
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    let mut active = row.into_active_model();
    active.expires_at = Set(web::db::now() - time::Duration::seconds(1));
    active.update(app.db()).await.unwrap();
    app.client
        .get("/api/accounts/me")
        .bearer(&tok)
        .send()
        .await
        .assert_status(401);

    let tok = token(&app.client, "ex@example.com").await;
    let mut u = user.into_active_model();
    u.is_active = Set(false);
    u.update(app.db()).await.unwrap();
    app.client
        .get("/api/accounts/me")
        .bearer(&tok)
        .send()
        .await
        .assert_status(401);
    let res = app
        .client
        .post("/api/accounts/token")
        .json(&json!({"email": "ex@example.com", "password": PASSWORD}))
        .send()
        .await;
    res.assert_status(401);
    assert_eq!(res.error_code(), "invalid_credentials");
}

#[tokio::test]
async fn last_used_is_written_at_most_once_a_minute() {
    use sea_orm::EntityTrait;
    let app = app().await;
    create_user(&app, "lu@example.com", false).await;
    let tok = token(&app.client, "lu@example.com").await;
    app.client
        .get("/api/accounts/me")
        .bearer(&tok)
        .send()
        .await
        .assert_status(200);
    let first = accounts::models::token::Entity::find()
        .one(app.db())
        .await
        .unwrap()
        .unwrap()
        .last_used_at;
    assert!(first.is_some());
    app.client
        .get("/api/accounts/me")
        .bearer(&tok)
        .send()
        .await
        .assert_status(200);
    let second = accounts::models::token::Entity::find()
        .one(app.db())
        .await
        .unwrap()
        .unwrap()
        .last_used_at;
    assert_eq!(first, second);
}

#[tokio::test]
async fn password_change_through_the_api_revokes_every_token() {
    let app = app().await;
    create_user(&app, "pc@example.com", false).await;
    let tok = token(&app.client, "pc@example.com").await;
    let other = token(&app.client, "pc@example.com").await;
    let wrong = app
        .client
        .post("/api/accounts/password")
        .bearer(&tok)
        .json(&json!({"old_password": "nope", "new_password": "n3w-Secret-pass"}))
        .send()
        .await;
    wrong.assert_status(422);
    assert!(wrong.json_value()["error"]["fields"]["old_password"].is_array());
    let weak = app
        .client
        .post("/api/accounts/password")
        .bearer(&tok)
        .json(&json!({"old_password": PASSWORD, "new_password": "123"}))
        .send()
        .await;
    weak.assert_status(422);
    assert!(weak.json_value()["error"]["fields"]["new_password"].is_array());
    app.client
        .post("/api/accounts/password")
        .json(&json!({}))
        .send()
        .await
        .assert_status(401);
    let ok = app
        .client
        .post("/api/accounts/password")
        .bearer(&tok)
        .json(&json!({"old_password": PASSWORD, "new_password": "n3w-Secret-pass"}))
        .send()
        .await;
    ok.assert_status(204);
    app.client
        .get("/api/accounts/me")
        .bearer(&tok)
        .send()
        .await
        .assert_status(401);
    app.client
        .get("/api/accounts/me")
        .bearer(&other)
        .send()
        .await
        .assert_status(401);
    let old = app
        .client
        .post("/api/accounts/token")
        .json(&json!({"email": "pc@example.com", "password": PASSWORD}))
        .send()
        .await;
    old.assert_status(401);
    let new = app
        .client
        .post("/api/accounts/token")
        .json(&json!({"email": "pc@example.com", "password": "n3w-Secret-pass"}))
        .send()
        .await;
    new.assert_status(200);
}

#[tokio::test]
async fn passwords_are_stored_as_argon2id() {
    let app = app().await;
    let user = create_user(&app, "h@example.com", false).await;
    assert!(user.password.starts_with("$argon2id$v=19$"));
    assert!(
        !format!("{user:?}").contains("argon2"),
        "Debug never shows the hash"
    );
}

/// Found by schema fuzzing: an email holding a null character made PostgreSQL fail the
/// login query (500). Now it is a 422 naming the field on every database, and the HTML
/// login form refuses it too.
#[tokio::test]
async fn null_characters_in_credentials_are_422() {
    let app = app().await;
    create_user(&app, "n@example.com", false).await;
    let res = app
        .client
        .post("/api/accounts/token")
        .json(&json!({"email": "n@example.com\u{0}", "password": PASSWORD}))
        .send()
        .await;
    res.assert_status(422);
    assert!(res.json_value()["error"]["fields"]["email"].is_array());
    let res = app
        .client
        .submit_form(
            "/accounts/login/",
            "/accounts/login/",
            &[("email", "n@example.com\u{0}"), ("password", PASSWORD)],
        )
        .await;
    res.assert_status(422);
}

#[tokio::test]
async fn control_characters_and_bidi_overrides_are_refused_in_names_and_emails() {
    let app = crate::app().await;
    for (field, body) in [
        (
            "name",
            json!({"email": "a@example.com", "password": "long-Enough-42", "name": "Ada\u{202E}nimda"}),
        ),
        (
            "name",
            json!({"email": "b@example.com", "password": "long-Enough-42", "name": "Ada\u{1b}[31m"}),
        ),
        (
            "email",
            json!({"email": "c\u{7}@example.com", "password": "long-Enough-42", "name": "C"}),
        ),
        (
            "email",
            json!({"email": "d@exa\u{2067}mple.com", "password": "long-Enough-42", "name": "D"}),
        ),
    ] {
        let res = app
            .client
            .post("/api/accounts/register")
            .json(&body)
            .send()
            .await;
        res.assert_status(422);
        assert!(
            res.json_value()["error"]["fields"][field].is_array(),
            "{}",
            res.text()
        );
    }
}
