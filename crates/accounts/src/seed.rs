//! The local users `project seed --users` creates (for local use only): a superuser, a
//! catalog editor (staff, in the group "Catalog editors" with every catalog permission)
//! and a customer.

use web::AppState;

use crate::Auth;
use crate::models::user::{self, CreateUserError};
use crate::permissions;
use crate::users::{Account, create_user};

/// What a local user may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LocalRole {
    /// Every permission.
    Superuser,
    /// Staff in [`EDITORS_GROUP`]: the admin's catalog, nothing else.
    Editor,
    /// A shopper.
    Customer,
}

impl LocalRole {
    pub fn as_str(self) -> &'static str {
        match self {
            LocalRole::Superuser => "superuser",
            LocalRole::Editor => "editor",
            LocalRole::Customer => "user",
        }
    }
}

/// A user `seed --users` creates.
#[derive(Debug, Clone, Copy)]
pub struct LocalUser {
    pub email: &'static str,
    pub password: &'static str,
    pub name: &'static str,
    pub role: LocalRole,
}

pub const LOCAL_USERS: [LocalUser; 3] = [
    LocalUser {
        email: "staff@example.com",
        password: "staffpass123",
        name: "Staff User",
        role: LocalRole::Superuser,
    },
    LocalUser {
        email: "editor@example.com",
        password: "editorpass123",
        name: "Catalog Editor",
        role: LocalRole::Editor,
    },
    LocalUser {
        email: "user@example.com",
        password: "userpass123",
        name: "Regular User",
        role: LocalRole::Customer,
    },
];

/// The group the local editor is in.
pub const EDITORS_GROUP: &str = "Catalog editors";

/// Creates the local users that do not exist, and the editors' group (with every
/// `catalog.` permission) if the catalog app is installed; returns the emails created.
pub async fn local_users(state: &AppState) -> anyhow::Result<Vec<&'static str>> {
    let auth: Auth = state.service()?;
    let catalog: Vec<String> = permissions::all(state.db())
        .await?
        .into_iter()
        .map(|p| p.code)
        .filter(|code| code.starts_with("catalog."))
        .collect();
    if !catalog.is_empty() {
        permissions::set_group(state.db(), EDITORS_GROUP, &catalog).await?;
    }
    let mut created = Vec::new();
    for local in LOCAL_USERS {
        if user::find_by_email(state.db(), local.email)
            .await?
            .is_none()
        {
            let account = match local.role {
                LocalRole::Superuser => Account::superuser(local.email, local.password),
                LocalRole::Editor => Account::staff(local.email, local.password),
                LocalRole::Customer => Account::user(local.email, local.password),
            };
            match create_user(state.db(), &auth.hasher, account.named(local.name)).await {
                Ok(_) | Err(CreateUserError::EmailTaken) => created.push(local.email),
                Err(e) => return Err(e.into()),
            }
        }
        if local.role == LocalRole::Editor && !catalog.is_empty() {
            permissions::add_user(state.db(), EDITORS_GROUP, local.email).await?;
        }
    }
    Ok(created)
}
