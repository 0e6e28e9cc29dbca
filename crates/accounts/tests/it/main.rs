//! The accounts app through HTTP: the JSON API, the pages, throttling.

use std::sync::Arc;

use accounts::testing::Role;
use accounts::{Accounts, User};
use web::test::TestApp;
use web::{Embedded, Project, UrlRegistry};

mod api;
mod pages;
mod passwords;
mod throttle;
mod users;

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
