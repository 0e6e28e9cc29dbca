//! The `accounts` app (Django's `django.contrib.auth`): users, Argon2id passwords,
//! sessions login for pages, bearer tokens for the API, login throttling, password change
//! and reset, and the user extractors other apps use.
//!
//! Installed after the sessions extra, its pages mounted under `/accounts` (its API under
//! `/api/accounts`); views ask for a user with an extractor:
//!
//! ```ignore
//! // crates/project/src/apps.rs and urls.rs
//! Arc::new(web_sessions::Sessions), /* … */ Arc::new(accounts::Accounts),
//! UrlRegistry::new().include("/accounts", accounts::urls())
//!
//! // An app's view: anonymous visitors go to the login page (401 on the API).
//! use accounts::extract::{RequirePerm, RequireUser};
//! async fn dashboard(page: Page, RequireUser(user): RequireUser) -> Result<Response, Error> {
//!     page.render("school/dashboard.html", context! { name => user.name }).await
//! }
//! ```
//!
//! `project createsuperuser`, `createuser`, `group` and `permissions` are its commands.

use async_trait::async_trait;
use web::settings::{Settings, SettingsError};
use web::{App, AppState, Installer, Services, Urls};
use web_i18n::InstallMessages;
use web_jobs::InstallJobs;
use web_modeladmin::InstallAdmin;
use web_openapi::InstallOpenApi;
use web_schema::InstallSchema;

pub mod admin;
pub mod auth;
pub mod commands;
pub mod extract;
pub mod forms;
/// The app's migrations (its own group, which the project's `migration` crate lists).
pub mod migrations;
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

/// This crate's `templates/` folder, compiled in.
#[derive(rust_embed::Embed)]
#[folder = "templates/"]
struct TemplateFiles;

pub struct Accounts;

#[async_trait]
impl App for Accounts {
    fn label(&self) -> &'static str {
        "accounts"
    }

    fn dependencies(&self) -> &'static [&'static str] {
        &["sessions", "i18n"]
    }

    fn urls(&self) -> Urls {
        urls()
    }

    /// The app carries its templates (`templates/accounts/` in this crate), not the project.
    fn template_dir(&self) -> Option<&'static str> {
        None
    }

    fn install(&self, app: &mut Installer) {
        app.messages("en", include_str!("../locales/en.ftl"))
            .messages("de", include_str!("../locales/de.ftl"))
            .entities(models::entities())
            // The permissions are written by `migrate` from the apps' code; fixtures name
            // them by code. Login throttles are counters that fade.
            .derived_tables(&["auth_permissions", "login_throttles"], None)
            .natural_key("auth_permissions", "code")
            .migrations_folder(concat!(env!("CARGO_MANIFEST_DIR"), "/src/migrations"))
            .templates(web::app_templates!(TemplateFiles))
            // Failed logins are counted per email and address; nothing cached shows them.
            .uncached_tables(&["login_throttles"])
            .task::<tasks::SendPasswordReset>()
            .context_processor(extract::UserContext)
            .openapi(<views::api::ApiDoc as web::utoipa::OpenApi>::openapi())
            .admin(admin::UserAdmin)
            .admin(admin::GroupAdmin)
            .command(commands::CreateSuperuser)
            .command(commands::CreateUser)
            .command(commands::ChangePassword)
            .command(commands::Permissions)
            .command(commands::Groups)
            .on_post_migrate(permissions::StorePermissions);
    }

    fn configure(&self, settings: &Settings, services: &mut Services) -> Result<(), SettingsError> {
        let accounts = settings::AccountsSettings::from_settings(settings)?;
        let hasher = passwords::PasswordHasher::new(&accounts)
            .map_err(|e| SettingsError::new("accounts.argon2_memory_kib", e.to_string()))?;
        services.insert(Auth::new(accounts, hasher, settings.secret_key.clone()));
        let receivers = signals::LoginReceivers::of(services.contributions());
        services.insert(receivers);
        Ok(())
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
