//! Named routes, the central URL registry and `reverse`, as in Django's `urls.py`.
//!
//! An app declares its URL module: a namespace (its label) and routes, each with a path
//! and a name. Ordinary routes are mounted under the prefix the project gives the module;
//! JSON API routes under `/api` followed by that prefix, so one `include` mounts both the
//! pages and the API of an app:
//!
//! ```
//! use web::urls::{Urls, UrlRegistry, get};
//! async fn list() -> &'static str { "products" }
//! async fn detail() -> &'static str { "one product" }
//!
//! let catalog = Urls::new("catalog")
//!     .route("/", "product_list", get(list))             // GET /catalog/
//!     .route("/{slug}/", "product_detail", get(detail))  // GET /catalog/{slug}/
//!     .api("/products", "api_products", get(list));      // GET /api/catalog/products
//! let urls = UrlRegistry::new().include("/catalog", catalog).build().unwrap();
//! assert_eq!(urls.reverser.reverse("catalog:product_detail", &[("slug", &"red-shoe")]).unwrap(), "/catalog/red-shoe/");
//! assert_eq!(urls.reverser.reverse("catalog:api_products", &[]).unwrap(), "/api/catalog/products");
//! ```
//!
//! Every name is checked when the registry is built: a duplicate name or two paths that
//! the router cannot tell apart is an error naming both apps, reported at startup and by
//! `project check`, never at request time.

use std::collections::{BTreeMap, HashMap};
use std::fmt::{self, Display};
use std::sync::Arc;

use axum::Router;
use axum::extract::{FromRequestParts, Request};
use axum::handler::Handler;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::MethodRouter;
use http::request::Parts;
use http::{Method, StatusCode};
use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};

use crate::state::AppState;

/// Handlers for one path, with the methods they answer (shown by `project routes`).
pub struct Handlers {
    router: MethodRouter<AppState>,
    methods: Vec<Method>,
}

macro_rules! method_fns {
    ($($name:ident => $method:ident),* $(,)?) => {
        $(
            #[doc = concat!("Routes `", stringify!($method), "` requests to `handler` (like `axum::routing::", stringify!($name), "`).")]
            pub fn $name<H, T>(handler: H) -> Handlers
            where
                H: Handler<T, AppState>,
                T: 'static,
            {
                Handlers { router: axum::routing::$name(handler), methods: vec![Method::$method] }
            }
        )*
        impl Handlers {
            $(
                #[doc = concat!("Also routes `", stringify!($method), "` requests to `handler`.")]
                pub fn $name<H, T>(mut self, handler: H) -> Handlers
                where
                    H: Handler<T, AppState>,
                    T: 'static,
                {
                    self.router = self.router.$name(handler);
                    self.methods.push(Method::$method);
                    self
                }
            )*
        }
    };
}

method_fns!(get => GET, post => POST, put => PUT, patch => PATCH, delete => DELETE);

/// An app's URL module: its namespace and its named routes.
pub struct Urls {
    namespace: &'static str,
    routes: Vec<RouteDef>,
}

struct RouteDef {
    name: &'static str,
    path: String,
    api: bool,
    handlers: Handlers,
}

impl Urls {
    /// A module whose route names are `namespace:name`; the namespace is the app's label.
    pub fn new(namespace: &'static str) -> Self {
        Urls {
            namespace,
            routes: Vec::new(),
        }
    }

    /// A route mounted under the module's prefix (HTML pages, probes).
    pub fn route(mut self, path: &str, name: &'static str, handlers: Handlers) -> Self {
        self.routes.push(RouteDef {
            name,
            path: path.to_owned(),
            api: false,
            handlers,
        });
        self
    }

    /// A JSON API route, mounted under `/api` + the module's prefix.
    pub fn api(mut self, path: &str, name: &'static str, handlers: Handlers) -> Self {
        self.routes.push(RouteDef {
            name,
            path: path.to_owned(),
            api: true,
            handlers,
        });
        self
    }

    pub fn namespace(&self) -> &'static str {
        self.namespace
    }

    /// Whether the module has no routes.
    pub fn is_empty(&self) -> bool {
        self.routes.is_empty()
    }
}

/// The project's central registry: which module is mounted where.
#[derive(Default)]
pub struct UrlRegistry {
    mounts: Vec<(String, Urls)>,
}

/// One resolved route, as `project routes` lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteInfo {
    pub methods: Vec<Method>,
    pub path: String,
    /// `app:name`.
    pub name: String,
    pub app: &'static str,
}

/// The built registry: the axum router, the name table and the route list.
pub struct ResolvedUrls {
    /// The page routes (which get sessions and CSRF protection).
    pub pages: Router<AppState>,
    /// The JSON routes: the API and the probes (no session, no CSRF: bearer tokens only).
    pub json: Router<AppState>,
    /// Unknown paths (404, or a redirect adding the trailing slash).
    pub fallback: NotFound,
    pub reverser: Reverser,
    pub routes: Vec<RouteInfo>,
    /// Where each app's API is mounted: `("catalog", "/api/catalog")`.
    pub api_mounts: Vec<(&'static str, String)>,
}

/// A problem in the URL configuration, found when it is built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UrlError {
    DuplicateName {
        name: String,
        first: (String, String),
        second: (String, String),
    },
    Conflict {
        path: String,
        app: String,
        other_path: String,
        other_app: String,
    },
    InvalidPath {
        path: String,
        app: String,
        reason: String,
    },
}

impl Display for UrlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UrlError::DuplicateName {
                name,
                first,
                second,
            } => write!(
                f,
                "route name `{name}` is defined twice: by app `{}` for {} and by app `{}` for {}",
                first.0, first.1, second.0, second.1
            ),
            UrlError::Conflict {
                path,
                app,
                other_path,
                other_app,
            } => write!(
                f,
                "path {path} of app `{app}` conflicts with {other_path} of app `{other_app}`: the router cannot tell them apart"
            ),
            UrlError::InvalidPath { path, app, reason } => {
                write!(f, "invalid path {path} in app `{app}`: {reason}")
            }
        }
    }
}

impl std::error::Error for UrlError {}

/// `prefix` + `path`, where the prefix loses any trailing slash: `("/catalog/", "/")` -> `/catalog/`.
fn join_path(prefix: &str, path: &str) -> String {
    let joined = format!("{}{path}", prefix.trim_end_matches('/'));
    if joined.is_empty() {
        "/".into()
    } else {
        joined
    }
}

impl UrlRegistry {
    pub fn new() -> Self {
        Self::default()
    }

    /// Mounts `urls` at `prefix` (its API routes at `/api{prefix}`), like Django's
    /// `path("catalog/", include("catalog.urls"))`.
    pub fn include(mut self, prefix: &str, urls: Urls) -> Self {
        self.mounts.push((prefix.to_owned(), urls));
        self
    }

    /// Namespaces of the included modules, in order.
    pub fn namespaces(&self) -> Vec<&'static str> {
        self.mounts.iter().map(|(_, u)| u.namespace).collect()
    }

    /// Checks names and paths and builds the router.
    pub fn build(self) -> Result<ResolvedUrls, UrlError> {
        let mut pages = Router::new();
        let mut json = Router::new();
        let mut matcher = matchit::Router::<usize>::new();
        let mut routes: Vec<RouteInfo> = Vec::new();
        let mut patterns: HashMap<String, Pattern> = HashMap::new();
        let mut api_mounts = Vec::new();
        for (prefix, urls) in self.mounts {
            if urls.routes.iter().any(|r| r.api) {
                api_mounts.push((
                    urls.namespace,
                    format!("/api{}", prefix.trim_end_matches('/')),
                ));
            }
            for def in urls.routes {
                let base = if def.api {
                    format!("/api{}", prefix.trim_end_matches('/'))
                } else {
                    prefix.clone()
                };
                let path = join_path(&base, &def.path);
                let name = format!("{}:{}", urls.namespace, def.name);
                if let Some(first) = routes.iter().find(|r| r.name == name) {
                    return Err(UrlError::DuplicateName {
                        name,
                        first: (first.app.to_string(), first.path.clone()),
                        second: (urls.namespace.to_string(), path),
                    });
                }
                let pattern = Pattern::parse(&path).map_err(|reason| UrlError::InvalidPath {
                    path: path.clone(),
                    app: urls.namespace.to_string(),
                    reason,
                })?;
                if let Err(err) = matcher.insert(path.clone(), routes.len()) {
                    return Err(match err {
                        matchit::InsertError::Conflict { with } => {
                            let other = routes.iter().find(|r| r.path == with);
                            UrlError::Conflict {
                                path,
                                app: urls.namespace.to_string(),
                                other_path: with,
                                other_app: other.map(|r| r.app.to_string()).unwrap_or_default(),
                            }
                        }
                        other => UrlError::InvalidPath {
                            path,
                            app: urls.namespace.to_string(),
                            reason: other.to_string(),
                        },
                    });
                }
                if crate::error::is_json_path(&path) {
                    json = json.route(&path, def.handlers.router);
                } else {
                    pages = pages.route(&path, def.handlers.router);
                }
                patterns.insert(name.clone(), pattern);
                routes.push(RouteInfo {
                    methods: def.handlers.methods,
                    path,
                    name,
                    app: urls.namespace,
                });
            }
        }
        Ok(ResolvedUrls {
            pages,
            json,
            fallback: NotFound(Arc::new(matcher)),
            reverser: Reverser(Arc::new(patterns)),
            routes,
            api_mounts,
        })
    }
}

impl ResolvedUrls {
    /// Where the app `namespace` mounts its API (`/api` + its prefix), if it has one.
    pub fn api_mount(&self, namespace: &str) -> Option<&str> {
        self.api_mounts
            .iter()
            .find(|(ns, _)| *ns == namespace)
            .map(|(_, mount)| mount.as_str())
    }
}

/// The handler of unknown paths; see [`not_found`].
#[derive(Clone)]
pub struct NotFound(Arc<matchit::Router<usize>>);

impl NotFound {
    pub async fn handle(self, request: Request) -> Response {
        not_found(request, self.0).await
    }
}

/// Unknown paths: a redirect to the same path with a slash when that exists (Django's
/// `APPEND_SLASH`, for pages only), else 404 in the contract's shape.
async fn not_found(request: Request, matcher: Arc<matchit::Router<usize>>) -> Response {
    let path = request.uri().path();
    let safe = matches!(*request.method(), Method::GET | Method::HEAD);
    if safe && !path.ends_with('/') && !crate::error::is_json_path(path) {
        let with_slash = format!("{path}/");
        if matcher.at(&with_slash).is_ok() {
            let target = match request.uri().query() {
                Some(q) => format!("{with_slash}?{q}"),
                None => with_slash,
            };
            return Redirect::permanent(&target).into_response();
        }
    }
    crate::Error::new(StatusCode::NOT_FOUND, "not_found", "Not found.").into_response()
}

#[derive(Debug, Clone)]
enum Segment {
    Literal(String),
    Param(String),
    CatchAll(String),
}

#[derive(Debug, Clone)]
struct Pattern {
    segments: Vec<Segment>,
}

impl Pattern {
    fn parse(path: &str) -> Result<Pattern, String> {
        if !path.starts_with('/') {
            return Err("paths start with `/`".into());
        }
        let mut segments = Vec::new();
        let mut rest = path;
        while let Some(start) = rest.find('{') {
            let end = rest[start..].find('}').ok_or("unclosed `{`")? + start;
            if start > 0 {
                segments.push(Segment::Literal(rest[..start].to_string()));
            }
            let param = &rest[start + 1..end];
            if param.is_empty() {
                return Err("empty parameter name `{}`".into());
            }
            segments.push(match param.strip_prefix('*') {
                Some(name) => Segment::CatchAll(name.to_string()),
                None => Segment::Param(param.to_string()),
            });
            rest = &rest[end + 1..];
        }
        if path.contains(":") && !path.contains('{') {
            return Err("axum 0.8 paths use `{param}`, not `:param`".into());
        }
        if !rest.is_empty() {
            segments.push(Segment::Literal(rest.to_string()));
        }
        Ok(Pattern { segments })
    }

    fn params(&self) -> impl Iterator<Item = &str> {
        self.segments.iter().filter_map(|s| match s {
            Segment::Param(p) | Segment::CatchAll(p) => Some(p.as_str()),
            Segment::Literal(_) => None,
        })
    }
}

/// Characters escaped in a path segment (besides controls): those with a meaning in URLs
/// or in HTML attributes, so a reversed path is safe to print unescaped in a template.
const SEGMENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'\'')
    .add(b'&')
    .add(b'#')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}')
    .add(b'/')
    .add(b'%')
    .add(b'\\')
    .add(b'^')
    .add(b'|');
const CATCH_ALL: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'\'')
    .add(b'&')
    .add(b'#')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}')
    .add(b'%')
    .add(b'\\')
    .add(b'^')
    .add(b'|');

/// Why a name could not be reversed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReverseError {
    UnknownName { name: String },
    MissingParam { name: String, param: String },
    UnexpectedParam { name: String, param: String },
    EmptyParam { name: String, param: String },
}

impl Display for ReverseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReverseError::UnknownName { name } => {
                write!(
                    f,
                    "no route is named `{name}` (names are `app:name`; `project routes` lists them)"
                )
            }
            ReverseError::MissingParam { name, param } => {
                write!(f, "route `{name}` needs the parameter `{param}`")
            }
            ReverseError::UnexpectedParam { name, param } => {
                write!(f, "route `{name}` has no parameter `{param}`")
            }
            ReverseError::EmptyParam { name, param } => {
                write!(f, "parameter `{param}` of route `{name}` is empty")
            }
        }
    }
}

impl std::error::Error for ReverseError {}

/// Route names to paths. Cheap to clone; also an extractor for handlers.
#[derive(Clone, Default)]
pub struct Reverser(Arc<HashMap<String, Pattern>>);

impl Reverser {
    /// The path of route `name` with `params` filled in (percent-encoded):
    /// `reverse("catalog:product_detail", &[("slug", &slug)])`.
    pub fn reverse(
        &self,
        name: &str,
        params: &[(&str, &dyn Display)],
    ) -> Result<String, ReverseError> {
        let params: Vec<(&str, String)> = params.iter().map(|(k, v)| (*k, v.to_string())).collect();
        self.reverse_with(
            name,
            |key| {
                params
                    .iter()
                    .find(|(k, _)| *k == key)
                    .map(|(_, v)| v.clone())
            },
            || params.iter().map(|(k, _)| (*k).to_string()).collect(),
        )
    }

    /// Like [`Reverser::reverse`] with the parameters in a map (used by templates).
    pub fn reverse_map(
        &self,
        name: &str,
        params: &BTreeMap<String, String>,
    ) -> Result<String, ReverseError> {
        self.reverse_with(
            name,
            |key| params.get(key).cloned(),
            || params.keys().cloned().collect(),
        )
    }

    fn reverse_with(
        &self,
        name: &str,
        lookup: impl Fn(&str) -> Option<String>,
        given: impl Fn() -> Vec<String>,
    ) -> Result<String, ReverseError> {
        let pattern = self.0.get(name).ok_or_else(|| ReverseError::UnknownName {
            name: name.to_string(),
        })?;
        for key in given() {
            if !pattern.params().any(|p| p == key) {
                return Err(ReverseError::UnexpectedParam {
                    name: name.to_string(),
                    param: key,
                });
            }
        }
        let mut out = String::new();
        for segment in &pattern.segments {
            match segment {
                Segment::Literal(text) => out.push_str(text),
                Segment::Param(param) | Segment::CatchAll(param) => {
                    let value = lookup(param).ok_or_else(|| ReverseError::MissingParam {
                        name: name.to_string(),
                        param: param.clone(),
                    })?;
                    if value.is_empty() {
                        return Err(ReverseError::EmptyParam {
                            name: name.to_string(),
                            param: param.clone(),
                        });
                    }
                    let set = if matches!(segment, Segment::CatchAll(_)) {
                        CATCH_ALL
                    } else {
                        SEGMENT
                    };
                    out.extend(utf8_percent_encode(&value, set));
                }
            }
        }
        Ok(out)
    }

    /// Whether a route has this name.
    pub fn contains(&self, name: &str) -> bool {
        self.0.contains_key(name)
    }

    /// The parameter names of route `name`.
    pub fn params(&self, name: &str) -> Option<Vec<String>> {
        self.0
            .get(name)
            .map(|p| p.params().map(String::from).collect())
    }
}

/// Percent-encodes what could break out of a URL or an HTML attribute, keeping `/`.
pub fn encode_path(path: &str) -> String {
    utf8_percent_encode(path, CATCH_ALL).to_string()
}

impl FromRequestParts<AppState> for Reverser {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(_: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        Ok(state.reverser().clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn ok() -> &'static str {
        "ok"
    }

    fn catalog() -> Urls {
        Urls::new("catalog")
            .route("/", "product_list", get(ok))
            .route("/{slug}/", "product_detail", get(ok))
            .api("/products", "api_products", get(ok).post(ok))
            .api(
                "/products/{id}",
                "api_product",
                get(ok).patch(ok).delete(ok),
            )
    }

    #[test]
    fn include_mounts_pages_under_prefix_and_api_under_api_prefix() {
        let urls = UrlRegistry::new()
            .include("/catalog", catalog())
            .build()
            .unwrap();
        let paths: Vec<_> = urls.routes.iter().map(|r| r.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "/catalog/",
                "/catalog/{slug}/",
                "/api/catalog/products",
                "/api/catalog/products/{id}"
            ]
        );
        assert_eq!(
            urls.routes[3].methods,
            [Method::GET, Method::PATCH, Method::DELETE]
        );
        assert_eq!(urls.routes[0].name, "catalog:product_list");
    }

    #[test]
    fn root_include_keeps_paths() {
        let m = Urls::new("health")
            .route("/healthz", "healthz", get(ok))
            .api("/orders", "orders", get(ok));
        let urls = UrlRegistry::new().include("", m).build().unwrap();
        assert_eq!(urls.routes[0].path, "/healthz");
        assert_eq!(urls.routes[1].path, "/api/orders");
    }

    #[test]
    fn reverse_fills_and_encodes_params() {
        let urls = UrlRegistry::new()
            .include("/catalog", catalog())
            .build()
            .unwrap();
        let r = &urls.reverser;
        assert_eq!(r.reverse("catalog:product_list", &[]).unwrap(), "/catalog/");
        assert_eq!(
            r.reverse("catalog:api_product", &[("id", &42)]).unwrap(),
            "/api/catalog/products/42"
        );
        assert_eq!(
            r.reverse("catalog:product_detail", &[("slug", &"a b/c")])
                .unwrap(),
            "/catalog/a%20b%2Fc/"
        );
    }

    #[test]
    fn reverse_unknown_name_is_an_error() {
        let urls = UrlRegistry::new()
            .include("/catalog", catalog())
            .build()
            .unwrap();
        let err = urls.reverser.reverse("catalog:nope", &[]).unwrap_err();
        assert_eq!(
            err,
            ReverseError::UnknownName {
                name: "catalog:nope".into()
            }
        );
        assert!(err.to_string().contains("catalog:nope"));
    }

    #[test]
    fn reverse_missing_or_extra_param_is_an_error() {
        let urls = UrlRegistry::new()
            .include("/catalog", catalog())
            .build()
            .unwrap();
        let missing = urls
            .reverser
            .reverse("catalog:product_detail", &[])
            .unwrap_err();
        assert_eq!(
            missing,
            ReverseError::MissingParam {
                name: "catalog:product_detail".into(),
                param: "slug".into()
            }
        );
        let extra = urls
            .reverser
            .reverse("catalog:product_list", &[("page", &2)])
            .unwrap_err();
        assert!(matches!(extra, ReverseError::UnexpectedParam { .. }));
    }

    #[test]
    fn duplicate_names_are_reported_with_both_apps() {
        let other = Urls::new("catalog").route("/x", "product_list", get(ok));
        let err = UrlRegistry::new()
            .include("/catalog", catalog())
            .include("/shop", other)
            .build()
            .err()
            .unwrap();
        let text = err.to_string();
        assert!(matches!(err, UrlError::DuplicateName { .. }));
        assert!(
            text.contains("catalog:product_list")
                && text.contains("/catalog/")
                && text.contains("/shop/x"),
            "{text}"
        );
    }

    #[test]
    fn conflicting_paths_are_reported_with_both_apps() {
        let shop = Urls::new("shop").route("/{id}/", "detail", get(ok));
        let err = UrlRegistry::new()
            .include("/catalog", catalog())
            .include("/catalog", shop)
            .build()
            .err()
            .unwrap();
        match &err {
            UrlError::Conflict { app, other_app, .. } => {
                assert_eq!(app, "shop");
                assert_eq!(other_app, "catalog");
            }
            other => panic!("expected a conflict, got {other:?}"),
        }
        let same = Urls::new("shop").route("/", "list", get(ok));
        let err = UrlRegistry::new()
            .include("/catalog", catalog())
            .include("/catalog", same)
            .build()
            .err()
            .unwrap();
        assert!(matches!(err, UrlError::Conflict { .. }), "{err}");
    }

    #[test]
    fn old_style_params_are_rejected() {
        let bad = Urls::new("x").route("/:id", "detail", get(ok));
        let err = UrlRegistry::new().include("", bad).build().err().unwrap();
        assert!(err.to_string().contains("{param}"), "{err}");
    }
}
