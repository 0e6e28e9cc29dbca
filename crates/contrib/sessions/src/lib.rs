//! Sessions, CSRF protection and flash messages (Django's `django.contrib.sessions`,
//! `CsrfViewMiddleware` and `django.contrib.messages`): the plumbing of HTML apps, an extra
//! the project installs like an app.
//!
//! - [`store`]: sessions in the project's own database (the `sessions` table), so several
//!   server processes share them; one writer per session at a time.
//! - [`csrf`]: every unsafe page request carries the token of its session (or of a signed
//!   cookie for a visitor without one) and comes from the site's own origin.
//! - [`messages`]: one-shot messages a request stores and the next page shows.
//! - [`page`]: what pages get: `csrf_input()`, `csrf_token` and `messages`, drawn or taken
//!   only when a page renders them (a page without a form never creates a session).
//!
//! The JSON API (`/api/…`) authenticates with bearer tokens alone: these layers wrap only
//! the page routes.
//!
//! ```ignore
//! // crates/project/src/apps.rs
//! Arc::new(web_sessions::Sessions),
//! ```

use std::sync::Arc;

use async_trait::async_trait;
use axum::middleware::from_fn_with_state;
use web::settings::{Settings, SettingsError};
use web::{App, AppState, Installer, Services};
use web_schema::{EntitySchema, InstallSchema};

pub mod csrf;
pub mod messages;
/// The app's migrations (its own group, which the project's `migration` crate lists).
pub mod migrations;
pub mod page;
pub mod settings;
pub mod store;

pub use messages::{Level, Message, Messages};
pub use settings::SessionSettings;
pub use store::session_error;

/// The `sessions` app: the table, its cleanup, the page layers and the page context.
pub struct Sessions;

#[async_trait]
impl App for Sessions {
    fn label(&self) -> &'static str {
        "sessions"
    }

    fn template_dir(&self) -> Option<&'static str> {
        None
    }

    fn install(&self, app: &mut Installer) {
        app.entities(vec![EntitySchema::of::<store::entity::Entity>()])
            // A session belongs to the server that gave it: never moved.
            .derived_tables(&["sessions"], None)
            .migrations_folder(concat!(env!("CARGO_MANIFEST_DIR"), "/src/migrations"))
            .uncached_tables(&["sessions"])
            .context_processor(page::SessionContext)
            .page_layer(|pages, state| {
                let settings: SessionSettings = state
                    .services()
                    .get::<SessionSettings>()
                    .cloned()
                    .expect("the sessions app's configure registers its settings");
                let cookie_name: Arc<str> = Arc::from(settings.cookie_name.as_str());
                pages
                    .layer(from_fn_with_state(state.clone(), csrf::csrf_protect))
                    .layer(store::layer(&settings, state.db().clone()))
                    .layer(from_fn_with_state(
                        (store::SessionWriters::default(), cookie_name),
                        store::one_writer_per_session,
                    ))
            });
    }

    fn configure(&self, settings: &Settings, services: &mut Services) -> Result<(), SettingsError> {
        services.insert(SessionSettings::from_settings(settings)?);
        Ok(())
    }

    fn check(&self, settings: &Settings, deploy: bool) -> Vec<String> {
        match SessionSettings::from_settings(settings) {
            Ok(sessions) if deploy && !sessions.cookie_secure => vec![
                "sessions.cookie_secure is off; session cookies would travel over plain HTTP"
                    .into(),
            ],
            _ => Vec::new(),
        }
    }

    async fn cleanup(&self, state: &AppState) -> anyhow::Result<Vec<(String, u64)>> {
        let n = store::DbSessionStore::new(state.db().clone())
            .delete_expired()
            .await?;
        Ok(vec![("expired sessions deleted".into(), n)])
    }
}
