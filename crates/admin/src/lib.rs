//! The `admin` app: Django's admin site for every model the installed apps register
//! through [`web_modeladmin::InstallAdmin::admin`].
//!
//! Staff only (anonymous visitors go to the login page, other users get 403). The pages
//! are built entirely from each model's [`web_modeladmin::ModelAdmin`]: this crate knows no
//! other app's models, and every change goes through the owning app's own functions.
//! Every add, change, delete and action is written to the audit log ([`models`]).
//!
//! ```ignore
//! // crates/project/src/apps.rs and urls.rs: after the apps whose models it shows.
//! Arc::new(accounts::Accounts), /* … */ Arc::new(admin::Admin),
//! UrlRegistry::new().include("/admin", admin::urls())
//!
//! // An app's `install` registers its model admins (its admin.rs):
//! fn install(&self, app: &mut Installer) {
//!     app.admin(admin::StudentAdmin);
//! }
//! ```

use async_trait::async_trait;
use web::settings::{Settings, SettingsError};
use web::{App, Installer, Services, Urls};
use web_modeladmin::AdminRegistry;
use web_schema::InstallSchema;

pub mod forms;
/// The app's migrations (its own group, which the project's `migration` crate lists).
pub mod migrations;
pub mod models;
pub mod uploads;
pub mod urls;
pub mod views;

pub use urls::urls;

/// This crate's `templates/` folder, compiled in.
#[derive(rust_embed::Embed)]
#[folder = "templates/"]
struct TemplateFiles;

pub struct Admin;

#[async_trait]
impl App for Admin {
    fn label(&self) -> &'static str {
        "admin"
    }

    fn dependencies(&self) -> &'static [&'static str] {
        &["accounts"]
    }

    fn urls(&self) -> Urls {
        urls()
    }

    /// The app carries its templates (`templates/admin/` in this crate), not the project.
    fn template_dir(&self) -> Option<&'static str> {
        None
    }

    fn install(&self, app: &mut Installer) {
        app.entities(vec![web_schema::EntitySchema::of::<models::Entity>()])
            .migrations_folder(concat!(env!("CARGO_MANIFEST_DIR"), "/src/migrations"))
            .templates(web::app_templates!(TemplateFiles));
    }

    /// Reads every model admin the apps registered.
    fn configure(&self, _: &Settings, services: &mut Services) -> Result<(), SettingsError> {
        let registry = AdminRegistry::of(services.contributions());
        services.insert(registry);
        Ok(())
    }
}
