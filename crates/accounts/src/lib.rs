//! The `accounts` app (Django's `django.contrib.auth`): users, Argon2id passwords,
//! sessions login for pages, bearer tokens for the API, login throttling, password change
//! and reset, and the user extractors other apps use.

use std::sync::Arc;

use async_trait::async_trait;
use web::settings::{Settings, SettingsError};
use web::{App, AppState, Command, ContextProcessor, Services, Urls};

pub mod admin;
pub mod auth;
pub mod commands;
pub mod extract;
pub mod forms;
pub mod models;
pub mod passwords;
pub mod permissions;
pub mod seed;
pub mod settings;
pub mod signals;
pub mod tasks;
#[cfg(feature = "testing")]
pub mod testing;
pub mod urls;
pub mod users;
pub mod views;

pub use auth::Auth;
pub use extract::{CurrentUser, RequireStaff, RequireUser};
pub use models::User;
pub use urls::urls;

pub struct Accounts;

#[async_trait]
impl App for Accounts {
    fn label(&self) -> &'static str {
        "accounts"
    }

    fn entities(&self) -> Vec<web::schema::EntitySchema> {
        models::entities()
    }

    fn dependencies(&self) -> &'static [&'static str] {
        &["sessions"]
    }

    fn uncached_tables(&self) -> &'static [&'static str] {
        // Failed logins are counted per email and address; nothing cached shows them.
        &["login_throttles"]
    }

    fn urls(&self) -> Urls {
        urls()
    }

    fn configure(&self, settings: &Settings, services: &mut Services) -> Result<(), SettingsError> {
        let accounts = settings::AccountsSettings::from_settings(settings)?;
        let hasher = passwords::PasswordHasher::new(&accounts)
            .map_err(|e| SettingsError::new("accounts.argon2_memory_kib", e.to_string()))?;
        services.insert(Auth::new(accounts, hasher, settings.secret_key.clone()));
        services.get_or_insert_default::<signals::LoginReceivers>();
        Ok(())
    }

    fn tasks(&self) -> Vec<web::jobs::TaskEntry> {
        vec![web::jobs::TaskEntry::of::<tasks::SendPasswordReset>()]
    }

    fn context_processors(&self) -> Vec<Arc<dyn ContextProcessor>> {
        vec![Arc::new(extract::UserContext)]
    }

    fn openapi(&self) -> Option<web::utoipa::openapi::OpenApi> {
        Some(<views::api::ApiDoc as web::utoipa::OpenApi>::openapi())
    }

    fn model_admins(&self) -> Vec<Arc<dyn web::admin::ModelAdmin>> {
        vec![Arc::new(admin::UserAdmin), Arc::new(admin::GroupAdmin)]
    }

    fn commands(&self) -> Vec<Box<dyn Command>> {
        vec![
            Box::new(commands::CreateSuperuser),
            Box::new(commands::CreateUser),
            Box::new(commands::ChangePassword),
            Box::new(commands::Permissions),
            Box::new(commands::Groups),
        ]
    }

    async fn post_migrate(
        &self,
        db: &sea_orm::DatabaseConnection,
        permissions: &[web::permissions::Permission],
    ) -> anyhow::Result<()> {
        Ok(permissions::sync(db, permissions).await?)
    }

    async fn cleanup(&self, state: &AppState) -> anyhow::Result<Vec<(String, u64)>> {
        let auth: Auth = state.service()?;
        let window = auth.throttle_retention();
        Ok(vec![
            (
                "expired API tokens deleted".into(),
                models::token::delete_expired(state.db()).await?,
            ),
            (
                "stale login throttle records deleted".into(),
                models::throttle::delete_expired(state.db(), window).await?,
            ),
        ])
    }
}
