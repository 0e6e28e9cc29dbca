//! The accounts app through HTTP: the JSON API, the pages, throttling.

use std::sync::Arc;

use accounts::models::user::{self, NewUser};
use accounts::{Accounts, Auth, User};
use web::test::{TestApp, TestClient};
use web::{Embedded, Project, UrlRegistry};

mod api;
mod pages;
mod passwords;
mod throttle;

pub fn project() -> Project {
    Project {
        apps: vec![
            Arc::new(web::health::Health),
            Arc::new(web::sessions::Sessions),
            Arc::new(Accounts),
        ],
        urls: || {
            UrlRegistry::new()
                .include("", web::health::urls())
                .include("/accounts", accounts::urls())
        },
        migrations: migration::group,
        embedded: Embedded::none(),
    }
}

pub async fn app() -> TestApp {
    TestApp::new(&project()).await
}

pub const PASSWORD: &str = "correct-horse-42";

/// A user created directly (not through the API).
pub async fn create_user(app: &TestApp, email: &str, staff: bool) -> User {
    let auth: Auth = app.state.service().unwrap();
    let password_hash = auth.hasher.hash(PASSWORD).await.unwrap();
    let new = NewUser {
        email: email.into(),
        name: "Test User".into(),
        password_hash,
        is_staff: staff,
        is_superuser: staff,
    };
    user::create(app.db(), new).await.unwrap()
}

/// A bearer token for `email` with [`PASSWORD`].
pub async fn token(client: &TestClient, email: &str) -> String {
    let res = client
        .post("/api/accounts/token")
        .json(&serde_json::json!({"email": email, "password": PASSWORD}))
        .send()
        .await;
    res.assert_status(200);
    res.json_value()["token"].as_str().unwrap().to_string()
}

/// Signs `client` in through the login form.
pub async fn login(client: &TestClient, email: &str) {
    let res = client
        .submit_form(
            "/accounts/login/",
            "/accounts/login/",
            &[("email", email), ("password", PASSWORD)],
        )
        .await;
    res.assert_status(303);
}
