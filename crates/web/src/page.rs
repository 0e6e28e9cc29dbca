//! [`Page`]: what an HTML handler renders with (the template environment plus the
//! request's context), and the context processors that feed it (Django's).

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use axum::extract::FromRequestParts;
use axum::response::{Html, IntoResponse, Response};
use bytes::Bytes;
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

/// `{{ csp_nonce }}`: the response's script nonce, drawn when a template renders it; in a
/// shared rendering, a hole filled per answer.
#[derive(Debug)]
enum NonceValue {
    Drawn(crate::csp::CspNonce),
    Hole(String),
}

impl Object for NonceValue {
    fn render(self: &Arc<Self>, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &**self {
            NonceValue::Drawn(nonce) => f.write_str(nonce.value()),
            NonceValue::Hole(hole) => f.write_str(hole),
        }
    }
}

/// The hole of the CSP nonce.
const NONCE_HOLE: &str = "csp_nonce";

/// Holes in a page rendered once for every visitor without a session: where a personal
/// value goes (the CSRF token, the CSP nonce), the rendering holds a marker
/// (`wh<24 hex>_<name>~`), and each answer puts this visitor's value in its place
/// ([`Page::answer`]). The marker comes from the secret key, so every process of a
/// project agrees on it (the rendering may come from another process through a shared
/// cache) and no one without the key can write one into content (a product's text).
#[derive(Clone, Debug)]
pub struct Holes {
    marker: Arc<str>,
}

impl Holes {
    pub fn new(secret_key: &str) -> Holes {
        use sha2::Digest;
        let digest = sha2::Sha256::digest(format!("web.page.holes:{secret_key}"));
        Holes {
            marker: format!("wh{}_", &hex::encode(digest)[..24]).into(),
        }
    }

    /// The marker of hole `name` (lowercase letters and `_`).
    pub fn hole(&self, name: &str) -> String {
        format!("{}{name}~", self.marker)
    }

    /// `html` cut at its holes: text and hole names in order (a look-alike of a marker
    /// that names no hole stays text).
    fn split<'a>(&self, html: &'a str) -> Vec<Piece<'a>> {
        let marker = &*self.marker;
        let mut pieces = Vec::new();
        let mut rest = html;
        let mut text_from = 0;
        while let Some(at) = rest[text_from..].find(marker).map(|at| at + text_from) {
            let after = &rest[at + marker.len()..];
            match after.find('~') {
                Some(end)
                    if after[..end]
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b == b'_') =>
                {
                    if at > 0 {
                        pieces.push(Piece::Text(&rest[..at]));
                    }
                    pieces.push(Piece::Hole(&after[..end]));
                    rest = &after[end + 1..];
                    text_from = 0;
                }
                // Not a hole after all: it stays in the text.
                _ => text_from = at + marker.len(),
            }
        }
        if !rest.is_empty() {
            pieces.push(Piece::Text(rest));
        }
        pieces
    }
}

/// A part of a rendering with holes.
#[derive(Debug, PartialEq)]
enum Piece<'a> {
    Text(&'a str),
    Hole(&'a str),
}

/// What a page shared between visitors depends on besides its URL, such as the language
/// an extra chose for the request: middleware puts it in the request's extensions, and a
/// shared page cache keeps each variant apart ([`Page::variant`]).
#[derive(Debug, Clone, Default)]
pub struct PageVariant(pub String);

/// Template values an extra's middleware puts on a response for the error page the core
/// may render in its place (an error page has no view, so no context processors ran):
/// the languages extra gives it the request's language this way.
#[derive(Debug, Clone, Default)]
pub struct ErrorPageContext(pub Vec<(&'static str, minijinja::Value)>);

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
    variant: String,
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
            variant: parts
                .extensions
                .get::<PageVariant>()
                .map(|v| v.0.clone())
                .unwrap_or_default(),
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

    /// What the page depends on besides its URL ([`PageVariant`]; empty when nothing).
    pub fn variant(&self) -> &str {
        &self.variant
    }

    /// Whether this visitor has state of their own (a stored session): their pages are
    /// neither read from nor put in a shared page cache.
    pub fn visitor_has_state(&self) -> bool {
        self.parts.iter().any(|part| part.visitor_has_state())
    }

    /// Renders for this visitor; also tells whether the result is the same for every
    /// visitor with no session (no page part put a personal value in it, no CSP nonce was
    /// drawn).
    pub async fn render_html(
        mut self,
        template: &str,
        context: impl Serialize,
    ) -> Result<(String, bool), Error> {
        let html = self.render_with(template, context, None).await?;
        let shareable = !self.csp_nonce.used() && !self.parts.iter().any(|p| p.personal());
        self.finish().await?;
        Ok((html, shareable))
    }

    /// Renders once for every visitor without a session: personal values (the CSRF
    /// token, the CSP nonce) are [`Holes`] that [`Page::answer`] fills for each visitor.
    /// Also tells whether it may be shared: not when it shows something no hole stands
    /// for (flash messages), which makes it this visitor's alone.
    pub async fn render_shared(
        &mut self,
        template: &str,
        context: impl Serialize,
    ) -> Result<(String, bool), Error> {
        let holes = self.holes();
        let html = self.render_with(template, context, Some(&holes)).await?;
        Ok((html, !self.parts.iter().any(|p| p.personal())))
    }

    /// Answers with a page [`Page::render_shared`] made (here or in another process),
    /// its holes filled with this visitor's values (a CSRF token drawn and set in its
    /// cookie if the visitor had none, this response's nonce).
    pub async fn answer(mut self, html: Bytes) -> Result<Response, Error> {
        let holes = self.holes();
        let text = std::str::from_utf8(&html).map_err(Error::internal)?;
        // Most cached pages have no hole: sent as stored, with nothing cut or copied.
        if !text.contains(&*holes.marker) {
            return Ok(html_response(html));
        }
        let pieces = holes.split(text);
        // Each distinct hole's value first (drawing one is async for page parts).
        let mut values: BTreeMap<&str, String> = BTreeMap::new();
        for piece in &pieces {
            let Piece::Hole(name) = *piece else { continue };
            if values.contains_key(name) {
                continue;
            }
            let value = if name == NONCE_HOLE {
                Some(self.csp_nonce.value().to_string())
            } else {
                let mut found = None;
                for part in &mut self.parts {
                    if let Some(value) = part.fill(name).await? {
                        found = Some(value);
                        break;
                    }
                }
                found
            };
            let value = value.ok_or_else(|| {
                Error::internal(format!("a cached page has a hole `{name}` nothing fills"))
            })?;
            values.insert(name, value);
        }
        let mut filled = String::with_capacity(text.len() + 64);
        for piece in &pieces {
            filled.push_str(match piece {
                Piece::Text(text) => text,
                Piece::Hole(name) => &values[name],
            });
        }
        self.finish().await?;
        Ok(html_response(Bytes::from(filled)))
    }

    fn holes(&self) -> Holes {
        self.state
            .services()
            .get::<Holes>()
            .cloned()
            .unwrap_or_else(|| Holes::new(self.state.settings().secret_key.expose()))
    }

    async fn render_with(
        &mut self,
        template: &str,
        context: impl Serialize,
        holes: Option<&Holes>,
    ) -> Result<String, Error> {
        let mut values: BTreeMap<String, Value> = BTreeMap::new();
        for (key, value) in self.context.drain(..) {
            values.insert(key.to_string(), value);
        }
        for part in &mut self.parts {
            for (key, value) in part.values(holes).await? {
                values.insert(key.to_string(), value);
            }
        }
        let nonce = match holes {
            Some(holes) => NonceValue::Hole(holes.hole(NONCE_HOLE)),
            None => NonceValue::Drawn(self.csp_nonce.clone()),
        };
        values.insert("csp_nonce".into(), Value::from_object(nonce));
        values.insert("request_path".into(), Value::from(self.path.clone()));
        let own = Value::from_serialize(&context);
        if let Ok(keys) = own.try_iter() {
            for key in keys {
                if let Ok(value) = own.get_item(&key) {
                    values.insert(key.to_string(), value);
                }
            }
        }
        Ok(self
            .state
            .templates()
            .render(template, Value::from(values))?)
    }

    /// Lets each page part store what the rendering created (a token it drew).
    async fn finish(&mut self) -> Result<(), Error> {
        for part in self.parts.drain(..) {
            part.finish().await?;
        }
        Ok(())
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
    /// Values for the template, when the page renders. With `holes` (a rendering shared
    /// by every visitor without a session), a personal value renders as
    /// `holes.hole(name)`, which [`PagePart::fill`] fills per answer.
    async fn values(&mut self, holes: Option<&Holes>) -> Result<Vec<(&'static str, Value)>, Error>;

    /// This visitor's value of the hole `name` (drawn if need be); `None`: not one of
    /// this part's holes.
    async fn fill(&mut self, _name: &str) -> Result<Option<String>, Error> {
        Ok(None)
    }

    /// After rendering: whether the page shows a value personal to this visitor that is
    /// not a hole, so it never enters a shared cache.
    fn personal(&self) -> bool;

    /// After answering: stores what the rendering created (a token it drew).
    async fn finish(self: Box<Self>) -> Result<(), Error>;

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

/// An HTML answer of `html`.
pub fn html_response(html: Bytes) -> Response {
    (
        [(http::header::CONTENT_TYPE, "text/html; charset=utf-8")],
        html,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::{Holes, Piece};

    #[test]
    fn holes_are_filled_and_look_alikes_are_left() {
        let holes = Holes::new("secret");
        let html = format!(
            "<input value=\"{}\"><script nonce=\"{}\"></script>{}x~ {}",
            holes.hole("csrf_token"),
            holes.hole("csp_nonce"),
            &holes.hole("a")[..10],
            holes.hole("BAD")
        );
        let filled: String = holes
            .split(&html)
            .into_iter()
            .map(|piece| match piece {
                Piece::Text(text) => text.to_string(),
                Piece::Hole(name) => format!("[{name}]"),
            })
            .collect();
        assert!(filled.starts_with("<input value=\"[csrf_token]\"><script nonce=\"[csp_nonce]\">"));
        assert!(filled.ends_with(&holes.hole("BAD")), "{filled}");
        assert_eq!(holes.split("no holes"), vec![Piece::Text("no holes")]);
        let bad = holes.hole("BAD");
        let after_look_alike = format!("a{bad}b{}c", holes.hole("x"));
        assert_eq!(
            holes.split(&after_look_alike),
            vec![
                Piece::Text(&format!("a{bad}b")),
                Piece::Hole("x"),
                Piece::Text("c")
            ]
        );
        assert_ne!(
            Holes::new("other").hole("x"),
            holes.hole("x"),
            "the key makes the marker"
        );
    }
}
