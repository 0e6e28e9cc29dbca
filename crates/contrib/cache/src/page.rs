//! Pages kept in the cache for visitors without a session.

use std::future::Future;

use axum::response::Response;
use bytes::Bytes;
use serde::Serialize;
use web::page::html_response;
use web::{Error, Page};

use crate::Cache;

/// [`Page::render`], with the page cached: `page.render_cached(&cache, template, || …)`.
pub trait CachedPage {
    /// Like [`Page::render`], with the page cached for visitors who have no session: what
    /// they see depends only on the URL, so one rendering serves them all until the data
    /// changes. `context` runs only on a miss. Personal values (a CSRF token, the CSP
    /// nonce) are holes in the cached page, filled for each answer ([`web::page::Holes`]).
    fn render_cached<C, F, Fut>(
        self,
        cache: &Cache,
        template: &str,
        context: F,
    ) -> impl Future<Output = Result<Response, Error>> + Send
    where
        C: Serialize + Send,
        F: FnOnce() -> Fut + Send,
        Fut: Future<Output = Result<C, Error>> + Send;
}

impl CachedPage for Page {
    async fn render_cached<C, F, Fut>(
        mut self,
        cache: &Cache,
        template: &str,
        context: F,
    ) -> Result<Response, Error>
    where
        C: Serialize + Send,
        F: FnOnce() -> Fut + Send,
        Fut: Future<Output = Result<C, Error>> + Send,
    {
        // A signed-in visitor's page is never cached: no need to read the version.
        if self.visitor_has_state() {
            let (html, _) = self.render_html(template, context().await?).await?;
            return Ok(html_response(Bytes::from(html)));
        }
        // One entry per variant (the page's language) of the URL.
        let key = format!("page:{template}:{}:{}", self.variant(), self.path());
        let (hit, version) = cache.lookup_bytes(&key).await;
        if let Some(html) = hit {
            return self.answer(html).await;
        }
        // What is stored is read on the primary (see `Cache::json_for`).
        let context = match version {
            Some(_) => web::reads::on_primary(context()).await?,
            None => context().await?,
        };
        let (html, shareable) = self.render_shared(template, context).await?;
        let html = Bytes::from(html);
        // (Not when it showed flash messages: then it is this visitor's alone.)
        if shareable {
            cache.put_bytes(key, version, html.clone());
        }
        self.answer(html).await
    }
}
