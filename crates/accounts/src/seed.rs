//! The two local users `project seed --users` creates (for local use only).

use web::AppState;

use crate::Auth;
use crate::models::user::{self, CreateUserError};
use crate::users::{Account, create_user};

/// Email, password, name, and whether they are staff (a superuser).
pub const LOCAL_USERS: [(&str, &str, &str, bool); 2] = [
    ("staff@example.com", "staffpass123", "Staff User", true),
    ("user@example.com", "userpass123", "Regular User", false),
];

/// Creates the local users that do not exist; returns the emails created.
pub async fn local_users(state: &AppState) -> anyhow::Result<Vec<&'static str>> {
    let auth: Auth = state.service()?;
    let mut created = Vec::new();
    for (email, password, name, staff) in LOCAL_USERS {
        if user::find_by_email(state.db(), email).await?.is_some() {
            continue;
        }
        let account = if staff {
            Account::superuser(email, password)
        } else {
            Account::user(email, password)
        };
        match create_user(state.db(), &auth.hasher, account.named(name)).await {
            Ok(_) | Err(CreateUserError::EmailTaken) => created.push(email),
            Err(e) => return Err(e.into()),
        }
    }
    Ok(created)
}
