//! Creating users: Django's `create_user` / `create_superuser`. Registration (API and
//! page), `createsuperuser`, the admin, `seed --users` and the apps' test helpers all come
//! through here, so a user is always normalized, hashed and inserted the same way.
//!
//! What a person typed is validated by the form that took it (password rules, the name's
//! length: `RegisterForm`, `createsuperuser`), as Django leaves password validators to its
//! forms; this checks what every path needs: an email address that is one.

use sea_orm::ConnectionTrait;

use crate::forms::is_valid_email;
use crate::models::User;
use crate::models::user::{self, CreateUserError, NewUser, normalize_email};
use crate::passwords::PasswordHasher;

/// A user to create, with the password in clear (it is hashed here).
#[derive(Clone, Copy)]
pub struct Account<'a> {
    pub email: &'a str,
    pub name: &'a str,
    pub password: &'a str,
    pub is_staff: bool,
    pub is_superuser: bool,
    /// The language of the user's mails (`de`); empty: the site's default.
    pub language: &'a str,
}

impl<'a> Account<'a> {
    /// A customer (Django's `create_user`).
    pub fn user(email: &'a str, password: &'a str) -> Self {
        Account {
            email,
            name: "",
            password,
            is_staff: false,
            is_superuser: false,
            language: "",
        }
    }

    /// Staff: may sign in to the admin site, with no permission until given some.
    pub fn staff(email: &'a str, password: &'a str) -> Self {
        Account {
            is_staff: true,
            ..Account::user(email, password)
        }
    }

    /// Staff with every right (Django's `create_superuser`).
    pub fn superuser(email: &'a str, password: &'a str) -> Self {
        Account {
            is_staff: true,
            is_superuser: true,
            ..Account::user(email, password)
        }
    }

    pub fn named(self, name: &'a str) -> Self {
        Account { name, ..self }
    }

    /// Mails in `language` (a code the site speaks, checked by the form that took it).
    pub fn speaking(self, language: &'a str) -> Self {
        Account { language, ..self }
    }
}

/// Normalizes the email, hashes the password and inserts the user. A taken email (also
/// when two requests race) is `EmailTaken`.
pub async fn create_user<C: ConnectionTrait>(
    db: &C,
    hasher: &PasswordHasher,
    account: Account<'_>,
) -> Result<User, CreateUserError> {
    let email = normalize_email(account.email);
    if !is_valid_email(&email) {
        return Err(CreateUserError::InvalidEmail);
    }
    let password_hash = hasher
        .hash(account.password)
        .await
        .map_err(CreateUserError::Hashing)?;
    user::create(
        db,
        NewUser {
            email,
            name: account.name.to_string(),
            password_hash,
            is_staff: account.is_staff,
            is_superuser: account.is_superuser,
            language: account.language.to_string(),
        },
    )
    .await
}
