//! One minijinja environment over `templates/` (a folder per app plus `base.html`).
//!
//! Autoescaping is on for `.html`. Templates get `url("app:name", param=…)` (reverse),
//! the test `"app:name" is route`, `static("css/site.css")`, the `money` filter and,
//! through [`Page`], `csp_nonce`, `request_path` and whatever the apps' context processors
//! add (the sessions extra adds `csrf_input()`, `csrf_token` and `messages`; the accounts
//! app `user`). In development templates are re-read from disk when
//! they change; a release binary carries them embedded and needs no folder beside it.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::response::{Html, IntoResponse, Response};
use http::StatusCode;
use http::request::Parts;
use minijinja::value::{Kwargs, Object};
use minijinja::{Environment, Value};
use minijinja_autoreload::AutoReloader;
use serde::Serialize;

use crate::Error;
use crate::state::AppState;
use crate::urls::Reverser;

/// Reads an embedded file by name (the project embeds `templates/` and `static/`).
pub type EmbeddedLookup = fn(&str) -> Option<Cow<'static, [u8]>>;

/// Where templates come from and what they may call.
pub struct TemplateConfig {
    /// A folder on disk; `None` uses `embedded`.
    pub dir: Option<PathBuf>,
    /// Re-read from disk on change (only with `dir`).
    pub reload: bool,
    pub embedded: Option<EmbeddedLookup>,
    pub reverser: Reverser,
    pub static_url: String,
    /// The apps' template filters and functions (see [`crate::Installer::template_functions`]).
    pub functions: Vec<fn(&mut Environment<'static>)>,
}

/// The template environment; cheap to clone.
#[derive(Clone)]
pub struct Templates(Arc<Source>);

enum Source {
    Fixed(Environment<'static>),
    Reloading(AutoReloader),
}

impl Templates {
    pub fn new(config: TemplateConfig) -> Templates {
        let config = Arc::new(config);
        match (&config.dir, config.reload) {
            (Some(dir), true) => {
                let dir = dir.clone();
                let reloader = AutoReloader::new(move |notifier| {
                    notifier.watch_path(&dir, true);
                    Ok(build_env(&config))
                });
                Templates(Arc::new(Source::Reloading(reloader)))
            }
            _ => Templates(Arc::new(Source::Fixed(build_env(&config)))),
        }
    }

    /// Renders a template given as a string, with the environment's functions and filters.
    pub fn render_str(&self, source: &str, context: Value) -> Result<String, minijinja::Error> {
        match &*self.0 {
            Source::Fixed(env) => env.render_str(source, context),
            Source::Reloading(reloader) => reloader.acquire_env()?.render_str(source, context),
        }
    }

    /// Renders template `name` with `context`.
    pub fn render(&self, name: &str, context: Value) -> Result<String, minijinja::Error> {
        match &*self.0 {
            Source::Fixed(env) => env.get_template(name)?.render(context),
            Source::Reloading(reloader) => {
                reloader.acquire_env()?.get_template(name)?.render(context)
            }
        }
    }
}

fn build_env(config: &TemplateConfig) -> Environment<'static> {
    let mut env = Environment::new();
    match (&config.dir, config.embedded) {
        (Some(dir), _) => env.set_loader(minijinja::path_loader(dir)),
        (None, Some(lookup)) => env.set_loader(move |name| {
            Ok(lookup(name).map(|bytes| String::from_utf8_lossy(&bytes).into_owned()))
        }),
        (None, None) => {}
    }
    let reverser = config.reverser.clone();
    // Reversed paths are percent-encoded (no quotes, `<`, `>` or `&` survive), so they are
    // marked safe: HTML-escaping them would only turn `/` into `&#x2f;`.
    env.add_function(
        "url",
        move |name: &str, kwargs: Kwargs| -> Result<Value, minijinja::Error> {
            let mut params = BTreeMap::new();
            for key in kwargs.args() {
                let value: Value = kwargs.get(key)?;
                params.insert(key.to_string(), value.to_string());
            }
            reverser
                .reverse_map(name, &params)
                .map(Value::from_safe_string)
                .map_err(|e| {
                    minijinja::Error::new(minijinja::ErrorKind::InvalidOperation, e.to_string())
                })
        },
    );
    // `{% if "catalog:product_list" is route %}`: lets a shared layout link to an app's
    // pages only when that app is installed and mounted.
    let routes = config.reverser.clone();
    env.add_test("route", move |name: &str| routes.contains(name));
    let static_url = config.static_url.clone();
    env.add_function("static", move |path: &str| {
        Value::from_safe_string(crate::urls::encode_path(&format!(
            "{static_url}{}",
            path.trim_start_matches('/')
        )))
    });
    env.add_filter("money", money);
    for add in &config.functions {
        add(&mut env);
    }
    env
}

/// `{{ 1999|money("USD") }}` -> `$19.99`; amounts are integer minor units.
pub fn money(cents: i64, currency: Option<&str>) -> String {
    let currency = currency.unwrap_or("USD");
    let zero_decimal = matches!(currency, "JPY" | "KRW" | "VND" | "CLP" | "ISK");
    let sign = if cents < 0 { "-" } else { "" };
    let abs = cents.unsigned_abs();
    let amount = if zero_decimal {
        abs.to_string()
    } else {
        format!("{}.{:02}", abs / 100, abs % 100)
    };
    match currency {
        "USD" => format!("{sign}${amount}"),
        "EUR" => format!("{sign}€{amount}"),
        "GBP" => format!("{sign}£{amount}"),
        other => format!("{sign}{amount} {other}"),
    }
}

/// Every template's name and source, for `project check`.
pub fn template_sources(
    dir: Option<&Path>,
    embedded: &[(String, String)],
) -> Vec<(String, String)> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, String)>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(root, &path, out);
            } else if let Ok(text) = std::fs::read_to_string(&path) {
                let name = path
                    .strip_prefix(root)
                    .unwrap_or(&path)
                    .to_string_lossy()
                    .replace('\\', "/");
                out.push((name, text));
            }
        }
    }
    match dir {
        Some(dir) => {
            let mut out = Vec::new();
            walk(dir, dir, &mut out);
            out.sort();
            out
        }
        None => embedded.to_vec(),
    }
}

/// Checks every `url("…", …)` call in the templates against the route table. A name the
/// same template guards with `"app:name" is route` is optional: it may be missing.
pub fn check_url_names(sources: &[(String, String)], reverser: &Reverser) -> Vec<String> {
    let call =
        regex::Regex::new(r#"url\(\s*["']([^"']+)["']\s*((?:,[^)]*)?)\)"#).expect("valid regex");
    let kwarg =
        regex::Regex::new(r"(?:^|,)\s*([A-Za-z_][A-Za-z0-9_]*)\s*=[^=]").expect("valid regex");
    let guard = regex::Regex::new(r#"["']([^"']+)["']\s+is\s+route\b"#).expect("valid regex");
    let mut problems = Vec::new();
    for (template, source) in sources {
        let optional: Vec<&str> = guard
            .captures_iter(source)
            .filter_map(|c| c.get(1))
            .map(|m| m.as_str())
            .collect();
        for caps in call.captures_iter(source) {
            let name = &caps[1];
            let Some(params) = reverser.params(name) else {
                if !optional.contains(&name) {
                    problems.push(format!("{template}: url(\"{name}\") names no route"));
                }
                continue;
            };
            let given: Vec<String> = kwarg
                .captures_iter(&caps[2])
                .map(|c| c[1].to_string())
                .collect();
            for p in &params {
                if !given.contains(p) {
                    problems.push(format!(
                        "{template}: url(\"{name}\") is missing the parameter `{p}`"
                    ));
                }
            }
            for g in &given {
                if !params.contains(g) {
                    problems.push(format!(
                        "{template}: url(\"{name}\") has no parameter `{g}`"
                    ));
                }
            }
        }
    }
    problems
}

/// The HTML page for an error (templates `errors/<status>.html`, then `errors/error.html`).
pub fn error_page(state: &AppState, error: &Error) -> Response {
    let status = error.status();
    let context = minijinja::context! {
        status => status.as_u16(),
        reason => status.canonical_reason().unwrap_or("Error"),
        code => error.code(),
        message => error.message(),
    };
    for name in [
        format!("errors/{}.html", status.as_u16()),
        "errors/error.html".to_string(),
    ] {
        if let Ok(html) = state.templates().render(&name, context.clone()) {
            return (status, Html(html)).into_response();
        }
    }
    (status, format!("{} {}", status.as_u16(), error.message())).into_response()
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
/// async fn product_list(page: Page, Db(db): Db) -> Result<Response, Error> {
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
        for processor in state.context_processors() {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::urls::{UrlRegistry, Urls, get};

    #[test]
    fn money_formats_minor_units() {
        assert_eq!(money(1999, Some("USD")), "$19.99");
        assert_eq!(money(5, None), "$0.05");
        assert_eq!(money(-250, Some("EUR")), "-€2.50");
        assert_eq!(money(1200, Some("JPY")), "1200 JPY");
        assert_eq!(money(100, Some("CHF")), "1.00 CHF");
    }

    #[test]
    fn url_names_in_templates_are_checked() {
        async fn ok() {}
        let urls = UrlRegistry::new()
            .include(
                "/catalog",
                Urls::new("catalog").route("/{slug}/", "product_detail", get(ok)),
            )
            .build()
            .unwrap();
        let sources = vec![
            ("good.html".to_string(), r#"<a href="{{ url("catalog:product_detail", slug=p.slug) }}">"#.to_string()),
            ("bad.html".to_string(), r#"{{ url('catalog:nope') }} {{ url("catalog:product_detail") }} {{ url("catalog:product_detail", slug=1, id=2) }}"#.to_string()),
        ];
        let mut sources = sources;
        sources.push((
            "guarded.html".into(),
            r#"{% if "shop:cart" is route %}<a href="{{ url("shop:cart") }}">{% endif %}"#.into(),
        ));
        let problems = check_url_names(&sources, &urls.reverser);
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(problems[0].contains("catalog:nope"));
        assert!(problems[1].contains("missing the parameter `slug`"));
        assert!(problems[2].contains("no parameter `id`"));
    }
}
