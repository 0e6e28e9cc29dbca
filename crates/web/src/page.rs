//! [`Page`]: what an HTML handler renders with (the template environment plus the
//! request's context), and the context processors that feed it (Django's).

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use axum::extract::FromRequestParts;
use axum::response::{Html, IntoResponse, Response};
use http::StatusCode;
use http::request::Parts;
use minijinja::Value;
use minijinja::value::Object;
use serde::Serialize;

use crate::Error;
use crate::install::{Installer, core_kind};
use crate::state::AppState;
use crate::urls::Reverser;

/// Adds values to the context of every page rendered through [`crate::Page`] (Django's
/// context processors).
#[async_trait]
pub trait ContextProcessor: Send + Sync + 'static {
    /// Values known when the handler starts (the signed-in user).
    async fn context(
        &self,
        _parts: &mut Parts,
        _state: &AppState,
    ) -> Result<Vec<(&'static str, minijinja::Value)>, Error> {
        Ok(Vec::new())
    }

    /// A part of the context made only if the page renders, and told when it has (a
    /// CSRF token drawn on demand, flash messages taken when shown).
    async fn page_part(
        &self,
        _parts: &mut Parts,
        _state: &AppState,
    ) -> Result<Option<Box<dyn PagePart>>, Error> {
        Ok(None)
    }
}

/// `{{ csp_nonce }}`: the response's script nonce, drawn when a template renders it.
#[derive(Debug)]
struct NonceValue(crate::csp::CspNonce);

impl Object for NonceValue {
    fn render(self: &Arc<Self>, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0.value())
    }
}

/// What an HTML handler renders with: the template environment plus the request's
/// context (the processors' values, and what their page parts add when the page renders:
/// the sessions extra's CSRF token and flash messages).
///
/// ```ignore
/// async fn product_list(page: Page, db: Db) -> Result<Response, Error> {
///     let products = Product::newest(&db).await?;
///     page.render("catalog/product_list.html", context! { products }).await
/// }
/// ```
pub struct Page {
    state: AppState,
    csp_nonce: crate::csp::CspNonce,
    context: Vec<(&'static str, Value)>,
    parts: Vec<Box<dyn PagePart>>,
    path: String,
}

impl FromRequestParts<AppState> for Page {
    type Rejection = Error;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Error> {
        let mut context = Vec::new();
        let mut page_parts = Vec::new();
        let processors = state.services().get::<ContextProcessors>();
        for processor in processors.map(|p| p.0.as_slice()).unwrap_or_default() {
            context.extend(processor.context(parts, state).await?);
            page_parts.extend(processor.page_part(parts, state).await?);
        }
        Ok(Page {
            state: state.clone(),
            csp_nonce: parts
                .extensions
                .get::<crate::csp::CspNonce>()
                .cloned()
                .unwrap_or_default(),
            context,
            parts: page_parts,
            path: parts
                .uri
                .path_and_query()
                .map(|p| p.as_str())
                .unwrap_or("/")
                .to_owned(),
        })
    }
}

impl Page {
    /// Renders `template` with `context` (a `minijinja::context!` or any `Serialize`).
    pub async fn render(self, template: &str, context: impl Serialize) -> Result<Response, Error> {
        self.render_with_status(StatusCode::OK, template, context)
            .await
    }

    /// Like [`Page::render`] with another status (e.g. 422 for a form with errors).
    pub async fn render_with_status(
        self,
        status: StatusCode,
        template: &str,
        context: impl Serialize,
    ) -> Result<Response, Error> {
        let (html, _) = self.render_html(template, context).await?;
        Ok((status, Html(html)).into_response())
    }

    /// The request's path and query (a page cache's key).
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Whether this visitor has state of their own (a stored session): their pages are
    /// neither read from nor put in a shared page cache.
    pub fn visitor_has_state(&self) -> bool {
        self.parts.iter().any(|part| part.visitor_has_state())
    }

    /// Renders; also tells whether the result is the same for every visitor with no
    /// session (no page part put a personal value in it, no CSP nonce was drawn): only
    /// such a page may be kept in a shared cache (the cache extra's cached pages).
    pub async fn render_html(
        mut self,
        template: &str,
        context: impl Serialize,
    ) -> Result<(String, bool), Error> {
        let mut values: BTreeMap<String, Value> = BTreeMap::new();
        for (key, value) in self.context.drain(..) {
            values.insert(key.to_string(), value);
        }
        for part in &mut self.parts {
            for (key, value) in part.values().await? {
                values.insert(key.to_string(), value);
            }
        }
        values.insert(
            "csp_nonce".into(),
            Value::from_object(NonceValue(self.csp_nonce.clone())),
        );
        values.insert("request_path".into(), Value::from(self.path.clone()));
        let own = Value::from_serialize(&context);
        if let Ok(keys) = own.try_iter() {
            for key in keys {
                if let Ok(value) = own.get_item(&key) {
                    values.insert(key.to_string(), value);
                }
            }
        }
        let html = self
            .state
            .templates()
            .render(template, Value::from(values))?;
        let mut shareable = !self.csp_nonce.used();
        for part in self.parts {
            if part.finish().await? {
                shareable = false;
            }
        }
        Ok((html, shareable))
    }

    /// The route table, for redirects.
    pub fn reverser(&self) -> &Reverser {
        self.state.reverser()
    }
}

/// The part of a page's context that exists only while the page renders (see
/// [`crate::ContextProcessor::page_part`]): the sessions extra draws a CSRF token only if
/// the template shows one, and takes the flash messages only when a page shows them.
#[async_trait::async_trait]
pub trait PagePart: Send + Sync {
    /// Values for the template, when the page renders.
    async fn values(&mut self) -> Result<Vec<(&'static str, Value)>, Error>;

    /// After rendering: stores what the rendering created (a token it drew); `true` when
    /// the page holds a value personal to this visitor, so it never enters a shared cache.
    async fn finish(self: Box<Self>) -> Result<bool, Error>;

    /// Whether this visitor has state of their own (a stored session): their pages are
    /// neither read from nor put in the shared page cache.
    fn visitor_has_state(&self) -> bool {
        false
    }
}

/// Every context processor of the installed apps, in installation order (a service of
/// every project).
#[derive(Clone, Default)]
pub struct ContextProcessors(pub Vec<Arc<dyn ContextProcessor>>);

/// A context processor an app contributed.
#[derive(Clone)]
pub struct Processor(pub Arc<dyn ContextProcessor>);
core_kind!(Processor, "context processors");

impl Installer<'_> {
    /// Values every page template receives (Django's context processors).
    pub fn context_processor(&mut self, processor: impl ContextProcessor) -> &mut Self {
        self.add(Processor(Arc::new(processor)))
    }
}
