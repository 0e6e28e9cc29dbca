//! The URL DSL: an app's module of named routes, each with its handlers per method.

use axum::handler::Handler;
use axum::routing::MethodRouter;
use http::Method;

use crate::state::AppState;

/// Handlers for one path, with the methods they answer (shown by `project routes`).
pub struct Handlers {
    pub(super) router: MethodRouter<AppState>,
    pub(super) methods: Vec<Method>,
    pub(super) uploads: bool,
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
                Handlers { router: axum::routing::$name(handler), methods: vec![Method::$method], uploads: false }
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

impl Handlers {
    /// This path takes uploads: bodies up to the [`crate::UploadLimit`] an extra set
    /// (the media extra's `media.max_upload_bytes`) instead of `server.body_limit_bytes`.
    pub fn accepts_uploads(mut self) -> Handlers {
        self.uploads = true;
        // axum's extractors (multipart) have their own 2 MB default; the body limit
        // middleware enforces this route's limit instead.
        self.router = self
            .router
            .layer(axum::extract::DefaultBodyLimit::disable());
        self
    }
}

/// An app's URL module: its namespace and its named routes.
pub struct Urls {
    pub(super) namespace: &'static str,
    pub(super) routes: Vec<RouteDef>,
}

pub(super) struct RouteDef {
    pub(super) name: &'static str,
    pub(super) path: String,
    pub(super) api: bool,
    pub(super) handlers: Handlers,
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
