//! What other apps hear from accounts (Django's `user_logged_in` signal): an app that
//! keeps something per visitor (the cart) moves it onto the user when they sign in or
//! register on that session.
//!
//! ```ignore
//! // in the app's App::install
//! app.add(OnLogin(Arc::new(MergeVisitorCart)));
//! ```

use std::sync::Arc;

use async_trait::async_trait;
use sea_orm::DatabaseConnection;
use tower_sessions::Session;
use web::Error;

use crate::User;

/// Told when `user` has just signed in on `session` (login or registration); the session
/// still holds what the visitor put in it before.
#[async_trait]
pub trait LoginReceiver: Send + Sync + 'static {
    async fn user_logged_in(
        &self,
        db: &DatabaseConnection,
        session: &Session,
        user: &User,
    ) -> Result<(), Error>;
}

/// A receiver an app connects in its `install` (read by `accounts`).
#[derive(Clone)]
pub struct OnLogin(pub Arc<dyn LoginReceiver>);

impl web::install::Contribution for OnLogin {
    const READER: Option<&'static str> = Some("accounts");
    const WHAT: &'static str = "login receivers";
}

/// The receivers the installed apps connected, in the order of the installed apps.
#[derive(Clone, Default)]
pub struct LoginReceivers(Vec<Arc<dyn LoginReceiver>>);

impl LoginReceivers {
    /// The receivers the apps contributed.
    pub fn of(contributions: &web::install::Contributions) -> LoginReceivers {
        LoginReceivers(
            contributions
                .all::<OnLogin>()
                .into_iter()
                .map(|r| r.0)
                .collect(),
        )
    }

    pub(crate) async fn send(
        &self,
        db: &DatabaseConnection,
        session: &Session,
        user: &User,
    ) -> Result<(), Error> {
        for receiver in &self.0 {
            receiver.user_logged_in(db, session, user).await?;
        }
        Ok(())
    }
}
