//! Static files under `static.url` (default `/static/`): from `static.dir` on disk
//! (tower-http's `ServeDir`), or from the copies embedded in a release binary.

use axum::Router;
use axum::extract::Path;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use http::header;
use tower_http::services::ServeDir;

use crate::Error;
use crate::settings::Settings;
use crate::state::AppState;
use crate::templates::EmbeddedLookup;

/// Files an extra serves beside the static ones (the media extra's local files), like
/// them without sessions, and exempt from rate limits: an extra adds its router in
/// `configure` (`services.get_or_insert_default::<ServedFiles>().add("/media/", router)`).
#[derive(Clone, Default)]
pub struct ServedFiles {
    prefixes: Vec<String>,
    routers: Vec<Router<AppState>>,
}

impl ServedFiles {
    /// Serves `router`'s routes, all under `prefix`.
    pub fn add(&mut self, prefix: &str, router: Router<AppState>) {
        self.prefixes.push(prefix.to_owned());
        self.routers.push(router);
    }

    /// The path prefixes served.
    pub fn prefixes(&self) -> &[String] {
        &self.prefixes
    }

    pub(crate) fn routers(&self) -> impl Iterator<Item = Router<AppState>> + '_ {
        self.routers.iter().cloned()
    }
}

/// The router serving static files, if there is anything to serve.
pub fn router(settings: &Settings, embedded: Option<EmbeddedLookup>) -> Option<Router<AppState>> {
    let prefix = settings.static_files.url.trim_end_matches('/').to_owned();
    if let Some(dir) = settings.static_dir() {
        return Some(Router::new().nest_service(&prefix, ServeDir::new(dir)));
    }
    let lookup = embedded?;
    Some(Router::new().route(
        &format!("{prefix}/{{*path}}"),
        get(move |Path(path): Path<String>| async move { serve_embedded(lookup, &path) }),
    ))
}

fn serve_embedded(lookup: EmbeddedLookup, path: &str) -> Response {
    match lookup(path) {
        Some(bytes) => {
            let mime = mime_guess::from_path(path).first_or_octet_stream();
            (
                [
                    (header::CONTENT_TYPE, mime.essence_str().to_owned()),
                    (header::CACHE_CONTROL, "public, max-age=3600".to_owned()),
                ],
                bytes.into_owned(),
            )
                .into_response()
        }
        None => Error::not_found("No such static file.").into_response(),
    }
}
