//! The user's language: chosen at registration (or taken from the request), changed on
//! the profile page or with `PATCH /api/accounts/me`, and the language of their mails.

use serde_json::json;

use crate::{PASSWORD, app, create_user, login, token};

/// The token's user's `language`, as `GET /api/accounts/me` shows it.
async fn language_of(app: &web_test::TestApp, bearer: &str) -> String {
    let me = app
        .client
        .get("/api/accounts/me")
        .bearer(bearer)
        .send()
        .await;
    me.json_value()["language"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn registration_takes_the_language_given_or_the_requests() {
    let app = app().await;
    let register = |email: &str, language: Option<&str>, accept: &str| {
        let mut body = json!({"email": email, "password": PASSWORD, "name": "N"});
        if let Some(language) = language {
            body["language"] = json!(language);
        }
        app.client
            .post("/api/accounts/register")
            .header("accept-language", accept)
            .json(&body)
            .send()
    };
    let german_visitor = register("hans@example.com", None, "de-DE,de;q=0.9").await;
    german_visitor.assert_status(201);
    assert_eq!(german_visitor.json_value()["language"], "de");
    let chose_english = register("anna@example.com", Some("en"), "de").await;
    assert_eq!(chose_english.json_value()["language"], "en");

    let unknown = register("pierre@example.com", Some("fr"), "fr").await;
    unknown.assert_status(422);
    assert_eq!(unknown.error_code(), "validation_error");
    assert!(unknown.json_value()["error"]["fields"]["language"].is_array());
    let nobody = app
        .client
        .post("/api/accounts/token")
        .json(&json!({"email": "pierre@example.com", "password": PASSWORD}))
        .send()
        .await;
    nobody.assert_status(401);
}

#[tokio::test]
async fn the_api_changes_the_users_language() {
    let app = app().await;
    create_user(&app, "ada@example.com", false).await;
    let bearer = token(&app.client, "ada@example.com").await;
    let change = |body: serde_json::Value| {
        app.client
            .patch("/api/accounts/me")
            .bearer(&bearer)
            .json(&body)
            .send()
    };
    let changed = change(json!({"language": "de"})).await;
    changed.assert_status(200);
    assert_eq!(changed.json_value()["language"], "de");
    assert_eq!(language_of(&app, &bearer).await, "de");

    for bad in [json!({"language": "xx"}), json!({})] {
        let refused = change(bad).await;
        refused.assert_status(422);
        assert!(refused.json_value()["error"]["fields"]["language"].is_array());
    }
    let unknown_key = change(json!({"language": "en", "error": {"fields": {}}})).await;
    assert_eq!(
        unknown_key.status.as_u16() / 100,
        4,
        "a key it does not know"
    );
    assert_eq!(
        language_of(&app, &bearer).await,
        "de",
        "a refused change changes nothing"
    );
    app.client
        .patch("/api/accounts/me")
        .json(&json!({"language": "en"}))
        .send()
        .await
        .assert_status(401);
}

#[tokio::test]
async fn the_profile_page_changes_the_language_of_the_mails() {
    let app = app().await;
    create_user(&app, "ada@example.com", false).await;
    login(&app.client, "ada@example.com").await;
    let page = app.client.get("/accounts/profile/").send().await;
    assert!(page.text().contains("Language of your emails"));
    assert!(
        page.text()
            .contains(r#"<option value="de">Deutsch</option>"#)
    );

    let saved = app
        .client
        .submit_form(
            "/accounts/profile/",
            "/accounts/profile/",
            &[("language", "de")],
        )
        .await;
    saved.assert_status(303);
    assert_eq!(saved.location(), Some("/accounts/profile/"));
    let page = app.client.get("/accounts/profile/").send().await;
    assert!(page.text().contains("Your settings are saved."));
    assert!(page.text().contains(r#"<option value="de" selected>"#));

    let refused = app
        .client
        .submit_form(
            "/accounts/profile/",
            "/accounts/profile/",
            &[("language", "klingon")],
        )
        .await;
    refused.assert_status(200);
    assert!(refused.text().contains("Select a valid choice."));
    let bearer = token(&app.client, "ada@example.com").await;
    assert_eq!(language_of(&app, &bearer).await, "de");
}

#[tokio::test]
async fn pages_and_flash_messages_speak_the_requests_language() {
    let app = app().await;
    let login_page = app
        .client
        .get("/accounts/login/")
        .header("accept-language", "de")
        .send()
        .await;
    assert_eq!(login_page.header("content-language"), Some("de"));
    let text = login_page.text();
    assert!(text.contains("<h1>Anmelden</h1>"), "{text}");
    assert!(text.contains("Passwort vergessen?"));
    let english = app.client.get("/accounts/login/").send().await.text();
    assert!(english.contains("<h1>Log in</h1>"));
}

#[tokio::test]
async fn the_reset_mail_is_in_the_users_language_not_the_askers() {
    let app = app().await;
    let german = create_user(&app, "hans@example.com", false).await;
    let bearer = token(&app.client, &german.email).await;
    app.client
        .patch("/api/accounts/me")
        .bearer(&bearer)
        .json(&json!({"language": "de"}))
        .send()
        .await
        .assert_status(200);
    create_user(&app, "ada@example.com", false).await;
    for email in ["hans@example.com", "ada@example.com"] {
        // Asked from an English page both times.
        app.client
            .submit_form(
                "/accounts/password/reset/",
                "/accounts/password/reset/",
                &[("email", email)],
            )
            .await
            .assert_status(303);
    }
    assert_eq!(app.run_jobs().await, 2);
    let sent = app.sent_mail();
    let to = |email: &str| sent.iter().find(|m| m.to == email).expect("a mail");
    let hans = to("hans@example.com");
    assert_eq!(hans.subject, "Setzen Sie Ihr Passwort zurück");
    assert!(hans.text.starts_with("Hallo,"), "{}", hans.text);
    assert!(hans.text.contains("Shop-Konto hans@example.com"));
    assert!(hans.text.contains("Stunden lang"));
    let ada = to("ada@example.com");
    assert_eq!(ada.subject, "Reset your password");
    assert!(ada.text.starts_with("Hello,"));
}

#[tokio::test]
async fn api_messages_are_translated_and_codes_are_not() {
    let app = app().await;
    create_user(&app, "ada@example.com", false).await;
    let ask = |accept: &'static str| {
        app.client
            .post("/api/accounts/register")
            .header("accept-language", accept)
            .json(&json!({"email": "ada@example.com", "password": PASSWORD, "name": "A"}))
            .send()
    };
    let german = ask("de").await;
    german.assert_status(409);
    assert_eq!(german.header("content-language"), Some("de"));
    assert_eq!(german.error_code(), "email_taken");
    assert_eq!(
        german.json_value()["error"]["message"],
        "Ein Benutzer mit dieser E-Mail-Adresse existiert bereits."
    );
    let english = ask("en").await;
    assert_eq!(english.error_code(), "email_taken");
    assert_eq!(
        english.json_value()["error"]["message"],
        "A user with that email already exists."
    );

    // The framework's own errors too: a missing token, a validation error.
    let me = app
        .client
        .get("/api/accounts/me")
        .header("accept-language", "de-CH, en;q=0.5")
        .send()
        .await;
    me.assert_status(401);
    assert_eq!(me.error_code(), "unauthenticated");
    assert_eq!(
        me.json_value()["error"]["message"],
        "Die Anmeldedaten fehlen oder sind ungültig."
    );
    let invalid = app
        .client
        .post("/api/accounts/register")
        .header("accept-language", "de")
        .json(&json!({}))
        .send()
        .await;
    assert_eq!(invalid.error_code(), "validation_error");
    assert_eq!(
        invalid.json_value()["error"]["message"],
        "Die Anfrage ist ungültig."
    );
}
