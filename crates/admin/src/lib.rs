//! The `admin` app: Django's admin site for every model the installed apps register
//! through [`web::admin::InstallAdmin::admin`].
//!
//! Staff only (anonymous visitors go to the login page, other users get 403). The pages
//! are built entirely from each model's [`web::admin::ModelAdmin`]: this crate knows no
//! other app's models, and every change goes through the owning app's own functions.
//! Every add, change, delete and action is written to the audit log ([`models`]).

use async_trait::async_trait;
use web::{App, Installer, Urls};
use web_schema::InstallSchema;

pub mod forms;
pub mod models;
pub mod urls;
pub mod views;

pub use urls::urls;

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

    fn install(&self, app: &mut Installer) {
        app.entities(vec![web_schema::EntitySchema::of::<models::Entity>()]);
    }
}
