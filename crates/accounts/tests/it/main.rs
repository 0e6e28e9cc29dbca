//! The accounts app through HTTP: the JSON API, the pages, throttling.

use std::sync::Arc;

use accounts::testing::Role;
use accounts::{Accounts, User};
use web::Project;
use web_test::TestApp;

mod api;
mod languages;
mod pages;
mod passwords;
mod permissions;
mod throttle;
mod users;

pub fn project() -> Project {
    web_test::project(
        vec![Arc::new(Accounts)],
        || web_test::urls().include("/accounts", accounts::urls()),
        migration::group,
    )
}

pub async fn app() -> TestApp {
    TestApp::new(&project()).await
}

pub use accounts::testing::{PASSWORD, login, token};

/// A user created directly (not through the API); staff are superusers here.
pub async fn create_user(app: &TestApp, email: &str, staff: bool) -> User {
    let role = if staff {
        Role::Superuser
    } else {
        Role::Customer
    };
    accounts::testing::user(app, email, role).await
}
