//! Test helpers every app's tests share (feature `testing`): users created through
//! [`create_user`], bearer tokens and signed-in sessions, all with one [`PASSWORD`].
//!
//! ```ignore
//! let staff = accounts::testing::user(&app, "staff@example.com", Role::Staff).await;
//! let token = accounts::testing::token(&app.client, "staff@example.com").await;
//! ```

use web_test::{TestApp, TestClient};

use crate::Auth;
use crate::models::User;
use crate::users::{Account, create_user};

/// The password of every user these helpers create.
pub const PASSWORD: &str = "correct-horse-42";

/// What a test user may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Customer,
    /// `is_staff` without `is_superuser`.
    Staff,
    Superuser,
}

/// A user created directly (not through the API), with [`PASSWORD`].
pub async fn user(app: &TestApp, email: &str, role: Role) -> User {
    let auth: Auth = app.state.service().expect("the accounts app is installed");
    let account = Account {
        is_staff: role != Role::Customer,
        is_superuser: role == Role::Superuser,
        ..Account::user(email, PASSWORD)
    };
    create_user(app.db(), &auth.hasher, account)
        .await
        .expect("the test user is created")
}

/// A bearer token for `email` with [`PASSWORD`], through `POST /api/accounts/token`.
pub async fn token(client: &TestClient, email: &str) -> String {
    let res = client
        .post("/api/accounts/token")
        .json(&serde_json::json!({"email": email, "password": PASSWORD}))
        .send()
        .await;
    res.assert_status(200);
    res.json_value()["token"]
        .as_str()
        .expect("a token in the answer")
        .to_string()
}

/// A new user with `role` and their bearer token.
pub async fn user_with_token(app: &TestApp, email: &str, role: Role) -> String {
    user(app, email, role).await;
    token(&app.client, email).await
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

/// A new browser session of `app`, signed in as `email`.
pub async fn signed_in(app: &TestApp, email: &str) -> TestClient {
    let client = app.client.new_session();
    login(&client, email).await;
    client
}

/// Gives `email` the permissions `codes` through a group of their own (created, or its
/// permissions replaced), as an operator would with `project group`.
pub async fn grant(app: &TestApp, email: &str, codes: &[&str]) {
    let group = format!("Permissions of {email}");
    let codes: Vec<String> = codes.iter().map(|c| c.to_string()).collect();
    crate::permissions::set_group(app.db(), &group, &codes)
        .await
        .expect("the permissions exist");
    crate::permissions::add_user(app.db(), &group, email)
        .await
        .expect("the user exists");
}

/// A staff member with `codes` (not a superuser).
pub async fn staff_with(app: &TestApp, email: &str, codes: &[&str]) -> User {
    let staff = user(app, email, Role::Staff).await;
    grant(app, email, codes).await;
    staff
}
