//! The address book through HTTP: the API (checks by country, one user's book hidden from
//! another) and the profile's pages.

use std::sync::Arc;

use accounts::Accounts;
use accounts::testing::{self, Role};
use serde_json::{Value, json};
use web::Project;
use web_test::TestApp;

mod api;
mod pages;

pub fn project() -> Project {
    web_test::project(
        vec![Arc::new(Accounts), Arc::new(addresses::Addresses)],
        || {
            web_test::urls()
                .include("/accounts", accounts::urls())
                .include("/addresses", addresses::urls())
        },
        migration::group,
    )
}

pub async fn app() -> TestApp {
    TestApp::new(&project()).await
}

/// A customer's bearer token.
pub async fn customer(app: &TestApp, email: &str) -> String {
    testing::user_with_token(app, email, Role::Customer).await
}

/// A valid address in Germany.
pub fn berlin() -> Value {
    json!({
        "name": "Ada Lovelace",
        "line1": "Unter den Linden 1",
        "city": "Berlin",
        "postal_code": "10117",
        "country": "DE"
    })
}
