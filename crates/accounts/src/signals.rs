//! What other apps hear from accounts (Django's `user_logged_in` signal): an app that
//! keeps something per visitor (the cart) moves it onto the user when they sign in or
//! register on that session.
//!
//! ```ignore
//! // in the app's App::configure
//! services.get_or_insert_default::<LoginReceivers>().connect(Arc::new(MergeVisitorCart));
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

/// The receivers the installed apps connected, in the order of the installed apps.
#[derive(Clone, Default)]
pub struct LoginReceivers(Vec<Arc<dyn LoginReceiver>>);

impl LoginReceivers {
    pub fn connect(&mut self, receiver: Arc<dyn LoginReceiver>) {
        self.0.push(receiver);
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
