//! The project's central registry: mounts the apps' URL modules, checks every name
//! and path, and builds the routers.

use std::collections::HashMap;
use std::fmt::{self, Display};
use std::sync::Arc;

use axum::Router;
use http::Method;

use super::fallback::NotFound;
use super::reverse::{Pattern, Reverser};
use super::routes::Urls;
use crate::state::AppState;

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
    pub api_mounts: ApiMounts,
    /// The paths that take uploads ([`super::routes::Handlers::accepts_uploads`]).
    pub upload_paths: Arc<matchit::Router<()>>,
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
        let mut upload_paths = matchit::Router::<()>::new();
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
                if def.handlers.uploads {
                    // The path was just inserted into `matcher` without conflict.
                    let _ = upload_paths.insert(path.clone(), ());
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
            api_mounts: ApiMounts(Arc::new(api_mounts)),
            upload_paths: Arc::new(upload_paths),
        })
    }
}

/// Where each app mounts its JSON API: a service of every configured project whose URLs
/// resolve (the OpenAPI extra nests each app's paths there).
#[derive(Clone, Debug, Default)]
pub struct ApiMounts(pub Arc<Vec<(&'static str, String)>>);

impl ApiMounts {
    /// Where the app `namespace` mounts its API, if it has one.
    pub fn of(&self, namespace: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(ns, _)| *ns == namespace)
            .map(|(_, mount)| mount.as_str())
    }
}
