//! The site's absolute address, for links that leave the request (emails): Django's
//! `request.build_absolute_uri`, but from `server.public_url` when it is set, so a forged
//! `Host` can never choose where a password-reset link points.

use axum::extract::FromRequestParts;
use http::request::Parts;

use crate::Error;
use crate::middleware::request_host;
use crate::settings::split_host;
use crate::settings::{Settings, parse_public_url};
use crate::state::AppState;

/// `scheme://host[:port]` of the site, without a trailing slash. A job that builds links
/// carries the request's one in its payload ([`SiteUrl::in_job`]).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct SiteUrl(String);

impl SiteUrl {
    /// `server.public_url` when set; else the request's `Host` (syntax-checked here too,
    /// though the guard already refused a malformed one), over `https` in production.
    pub fn for_request(settings: &Settings, host: Option<&str>) -> Result<SiteUrl, Error> {
        if let Ok(Some(url)) = parse_public_url(&settings.server.public_url) {
            return Ok(SiteUrl(url));
        }
        let host = host
            .filter(|h| split_host(h).is_some())
            .ok_or_else(|| Error::bad_request("The request has no valid Host header."))?;
        let scheme = if settings.environment.is_production() {
            "https"
        } else {
            "http"
        };
        Ok(SiteUrl(format!("{scheme}://{host}")))
    }

    /// The site for links built in a background job: `server.public_url` when set (now,
    /// as it may have been set since), else this one, captured from the validated `Host`
    /// of the request that enqueued the job.
    pub fn in_job(self, settings: &Settings) -> SiteUrl {
        match parse_public_url(&settings.server.public_url) {
            Ok(Some(url)) => SiteUrl(url),
            _ => self,
        }
    }

    /// The absolute URL of `path` (a path from `reverse`, starting with `/`).
    pub fn absolute(&self, path: &str) -> String {
        format!("{}{path}", self.0)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromRequestParts<AppState> for SiteUrl {
    type Rejection = Error;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Error> {
        let host = request_host(&parts.headers, &parts.uri);
        SiteUrl::for_request(state.settings(), host.as_deref())
    }
}
