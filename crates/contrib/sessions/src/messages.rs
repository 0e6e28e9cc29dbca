//! One-shot flash messages (Django's `messages`): stored in the session by one request,
//! shown (and removed) by the next page that renders.
//!
//! ```ignore
//! async fn save(messages: Messages, ...) -> Result<Redirect, Error> {
//!     messages.success("Your profile was updated.").await?;
//!     Ok(Redirect::to("/accounts/profile/"))
//! }
//! ```

use axum::extract::FromRequestParts;
use http::request::Parts;
use serde::{Deserialize, Serialize};
use tower_sessions::Session;

use web::Error;
use web::state::AppState;

const SESSION_KEY: &str = "_messages";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Info,
    Success,
    Warning,
    Error,
}

/// One message, as templates see it: `{% for m in messages %}{{ m.level }}: {{ m.text }}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    pub level: Level,
    pub text: String,
}

/// Adds messages to the current session.
pub struct Messages(Session);

impl FromRequestParts<AppState> for Messages {
    type Rejection = Error;
    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, Error> {
        parts
            .extensions
            .get::<Session>()
            .cloned()
            .map(Messages)
            .ok_or_else(|| Error::internal("the session layer is not installed"))
    }
}

impl Messages {
    pub async fn add(&self, level: Level, text: impl Into<String>) -> Result<(), Error> {
        let mut list: Vec<Message> = self
            .0
            .get(SESSION_KEY)
            .await
            .map_err(crate::session_error)?
            .unwrap_or_default();
        list.push(Message {
            level,
            text: text.into(),
        });
        self.0
            .insert(SESSION_KEY, list)
            .await
            .map_err(crate::session_error)?;
        Ok(())
    }
    pub async fn info(&self, text: impl Into<String>) -> Result<(), Error> {
        self.add(Level::Info, text).await
    }
    pub async fn success(&self, text: impl Into<String>) -> Result<(), Error> {
        self.add(Level::Success, text).await
    }
    pub async fn warning(&self, text: impl Into<String>) -> Result<(), Error> {
        self.add(Level::Warning, text).await
    }
    pub async fn error(&self, text: impl Into<String>) -> Result<(), Error> {
        self.add(Level::Error, text).await
    }
}

/// Removes and returns the pending messages (touching the session only if there are any).
pub(crate) async fn take(session: &Session) -> Result<Vec<Message>, Error> {
    let list: Option<Vec<Message>> = session
        .get(SESSION_KEY)
        .await
        .map_err(crate::session_error)?;
    match list {
        Some(list) => {
            session
                .remove::<Vec<Message>>(SESSION_KEY)
                .await
                .map_err(crate::session_error)?;
            Ok(list)
        }
        None => Ok(Vec::new()),
    }
}
