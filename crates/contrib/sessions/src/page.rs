//! What pages get from the sessions app: `csrf_input()`, `csrf_token` and `messages`.
//!
//! The CSRF token is drawn only if the template shows one, then kept in the visitor's
//! session (or, for a visitor without one, in a signed cookie, so showing a form writes
//! nothing to the database); flash messages are taken from the session only when a page
//! renders them. A page that shows messages is personal and never enters a shared cache;
//! one rendered for every visitor without a session holds a hole where the token goes,
//! filled for each answer ([`web::page::Holes`]).

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use http::request::Parts;
use minijinja::value::Object;
use minijinja::{State, Value};
use tower_sessions::Session;
use web::page::{Holes, PagePart};
use web::{AppState, ContextProcessor, Error};

use crate::csrf::{CSRF_FIELD, CookieToken, new_token};
use crate::messages::Message;

/// Session key of the CSRF token.
pub const CSRF_SESSION_KEY: &str = "_csrf_token";

/// The sessions app's context processor.
pub struct SessionContext;

#[async_trait]
impl ContextProcessor for SessionContext {
    async fn page_part(
        &self,
        parts: &mut Parts,
        _: &AppState,
    ) -> Result<Option<Box<dyn PagePart>>, Error> {
        Ok(Some(Box::new(SessionPart {
            session: parts.extensions.get::<Session>().cloned(),
            csrf_cookie: parts.extensions.get::<CookieToken>().cloned(),
            slot: None,
            messages_shown: false,
        })))
    }
}

struct SessionPart {
    session: Option<Session>,
    csrf_cookie: Option<CookieToken>,
    slot: Option<Arc<CsrfSlot>>,
    messages_shown: bool,
}

impl SessionPart {
    /// The visitor has a stored session (not only a cookie-less visit).
    fn has_session(&self) -> bool {
        self.session.as_ref().is_some_and(|s| s.id().is_some())
    }
}

impl SessionPart {
    /// The request's CSRF slot, loaded on first use: the token kept in the session (or,
    /// for a visitor without one, the signed cookie), if any.
    async fn slot(&mut self) -> Result<Arc<CsrfSlot>, Error> {
        if let Some(slot) = &self.slot {
            return Ok(slot.clone());
        }
        let in_session = match &self.session {
            Some(session) => session
                .get::<String>(CSRF_SESSION_KEY)
                .await
                .map_err(crate::session_error)?,
            None => None,
        };
        // A visitor with a stored session keeps the token there; one without (anonymous)
        // in the signed cookie, so showing a form writes nothing to the database.
        let has_session = self.has_session();
        let existing = in_session.or_else(|| {
            self.csrf_cookie
                .as_ref()
                .filter(|_| !has_session)
                .and_then(|c| c.received())
        });
        let slot = Arc::new(CsrfSlot {
            token: Mutex::new(existing),
            created: Default::default(),
            used: Default::default(),
        });
        self.slot = Some(slot.clone());
        Ok(slot)
    }
}

#[async_trait]
impl PagePart for SessionPart {
    async fn values(&mut self, holes: Option<&Holes>) -> Result<Vec<(&'static str, Value)>, Error> {
        let csrf = match holes {
            // Shared by every visitor without a session: the token is a hole.
            Some(holes) => CsrfToken::Hole(holes.hole(CSRF_HOLE)),
            None => CsrfToken::Drawn(self.slot().await?),
        };
        let messages: Vec<Message> = match &self.session {
            Some(session) => crate::messages::take(session).await?,
            None => Vec::new(),
        };
        self.messages_shown = !messages.is_empty();
        let csrf = Value::from_object(csrf);
        Ok(vec![
            ("csrf_token", csrf.clone()),
            ("csrf_input", csrf),
            ("messages", Value::from_serialize(&messages)),
        ])
    }

    async fn fill(&mut self, name: &str) -> Result<Option<String>, Error> {
        if name != CSRF_HOLE {
            return Ok(None);
        }
        Ok(Some(self.slot().await?.token()))
    }

    fn personal(&self) -> bool {
        self.messages_shown
            || self
                .slot
                .as_ref()
                .is_some_and(|slot| slot.used.load(Ordering::Relaxed))
    }

    async fn finish(self: Box<Self>) -> Result<(), Error> {
        let Some(slot) = &self.slot else {
            return Ok(());
        };
        if let Some(token) = slot.created() {
            match (&self.session, &self.csrf_cookie) {
                (Some(session), _) if self.has_session() => session
                    .insert(CSRF_SESSION_KEY, token)
                    .await
                    .map_err(crate::session_error)?,
                (_, Some(cookie)) => cookie.send(token),
                (Some(session), None) => session
                    .insert(CSRF_SESSION_KEY, token)
                    .await
                    .map_err(crate::session_error)?,
                (None, None) => {}
            }
        }
        Ok(())
    }

    fn visitor_has_state(&self) -> bool {
        self.has_session()
    }
}

/// The hole a shared page holds for the CSRF token.
const CSRF_HOLE: &str = "csrf_token";

/// Holds the request's CSRF token; creates one only if a template asks for it, so pages
/// without forms never create a session.
struct CsrfSlot {
    token: Mutex<Option<String>>,
    created: AtomicBool,
    /// The page shows a token: it belongs to one visitor and must not be cached.
    used: AtomicBool,
}

impl CsrfSlot {
    fn token(&self) -> String {
        self.used.store(true, Ordering::Relaxed);
        let mut token = self.token.lock().unwrap_or_else(|e| e.into_inner());
        token
            .get_or_insert_with(|| {
                self.created.store(true, Ordering::Relaxed);
                new_token()
            })
            .clone()
    }

    fn created(&self) -> Option<String> {
        if self.created.load(Ordering::Relaxed) {
            self.token.lock().unwrap_or_else(|e| e.into_inner()).clone()
        } else {
            None
        }
    }
}

/// `{{ csrf_token }}` renders the token; `{{ csrf_input() }}` the hidden form field. In a
/// shared rendering both hold the token's hole instead.
#[derive(Clone)]
enum CsrfToken {
    Drawn(Arc<CsrfSlot>),
    Hole(String),
}

impl CsrfToken {
    fn text(&self) -> String {
        match self {
            CsrfToken::Drawn(slot) => slot.token(),
            CsrfToken::Hole(hole) => hole.clone(),
        }
    }
}

impl fmt::Debug for CsrfToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("csrf_token")
    }
}

impl Object for CsrfToken {
    fn render(self: &Arc<Self>, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text())
    }

    fn call(
        self: &Arc<Self>,
        _state: &State<'_, '_>,
        _args: &[Value],
    ) -> Result<Value, minijinja::Error> {
        Ok(Value::from_safe_string(format!(
            r#"<input type="hidden" name="{CSRF_FIELD}" value="{}">"#,
            self.text()
        )))
    }
}
