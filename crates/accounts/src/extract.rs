//! Who is making the request, as extractors for any app's handlers.
//!
//! Under `/api/` a user is identified by `Authorization: Bearer <token>` only; pages use
//! the session only. (The API never reads the session cookie, which is why it needs no
//! CSRF token.) Both resolve to the same [`User`].
//!
//! ```ignore
//! async fn my_orders(RequireUser(user): RequireUser, …) -> … // API: 401, pages: login redirect
//! async fn refund(RequireStaff(staff): RequireStaff, …) -> …  // also 403 for non-staff
//! async fn catalog(CurrentUser(user): CurrentUser, …) -> …    // None when anonymous
//! ```

use async_trait::async_trait;
use axum::extract::FromRequestParts;
use axum::response::{IntoResponse, Response};
use http::request::Parts;
use http::{HeaderValue, StatusCode, header};
use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};
use tower_sessions::Session;
use web::error::is_json_path;
use web::{AppState, ContextProcessor, Error};

use crate::auth::Auth;
use crate::models::{User, token, user::TemplateUser};

#[derive(Clone)]
struct Resolved(Option<(User, Option<i64>)>);

fn bearer(parts: &Parts) -> Option<&str> {
    let value = parts.headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// The user and, for the API, the id of the token used; resolved once per request.
async fn resolve(
    parts: &mut Parts,
    state: &AppState,
) -> Result<Option<(User, Option<i64>)>, Error> {
    if let Some(Resolved(found)) = parts.extensions.get::<Resolved>() {
        return Ok(found.clone());
    }
    let found = if is_json_path(parts.uri.path()) {
        match bearer(parts) {
            Some(raw) => bearer_user(state, raw).await?,
            None => None,
        }
    } else {
        match parts.extensions.get::<Session>().cloned() {
            Some(session) => {
                let auth: Auth = state.service()?;
                auth.session_user(state.db(), &session)
                    .await?
                    .map(|u| (u, None))
            }
            None => None,
        }
    };
    if let Some(personal) = parts.extensions.get::<web::middleware::Personal>() {
        personal.consulted();
        if found.is_some() {
            personal.identified();
        }
    }
    parts.extensions.insert(Resolved(found.clone()));
    Ok(found)
}

/// A resolved token, as the cache keeps it.
struct CachedToken {
    user: User,
    token_id: i64,
    expires_at: time::OffsetDateTime,
    last_used_at: Option<time::OffsetDateTime>,
}

/// The user of a bearer token. Resolved tokens are cached (see `web::cache`), so an
/// authenticated read costs no query; expiry is checked on every hit, and a token due for
/// its `last_used_at` refresh goes to the database (whose write invalidates the cache).
async fn bearer_user(state: &AppState, raw: &str) -> Result<Option<(User, Option<i64>)>, Error> {
    if raw.is_empty() || raw.len() > 256 {
        return Ok(None);
    }
    let key_hash = token::hash(raw);
    let key = format!("token:{key_hash}");
    let cache = state.cache();
    let now = web::db::now();
    let (hit, version) = cache.lookup::<CachedToken>(&key).await;
    if let Some(hit) = hit
        && hit.expires_at > now
        && !token::needs_touch(hit.last_used_at, now)
    {
        return Ok(Some((hit.user.clone(), Some(hit.token_id))));
    }
    let Some((found, user)) = token::resolve(state.db(), &key_hash).await? else {
        return Ok(None);
    };
    let cached = CachedToken {
        user: user.clone(),
        token_id: found.id,
        expires_at: found.expires_at,
        last_used_at: Some(now),
    };
    cache.put(key, version, cached);
    Ok(Some((user, Some(found.id))))
}

const NEXT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'&')
    .add(b'+')
    .add(b'<')
    .add(b'>')
    .add(b'?');

/// What an anonymous request to a protected resource gets: 401 from the API (with
/// `WWW-Authenticate`), a 302 to the login page with `next` from a page.
fn login_required(parts: &Parts, state: &AppState) -> Response {
    if is_json_path(parts.uri.path()) {
        return Error::unauthenticated()
            .with_header(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"))
            .into_response();
    }
    let here = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/");
    match state.reverser().reverse("accounts:login", &[]) {
        Ok(login) => {
            let target = format!("{login}?next={}", utf8_percent_encode(here, NEXT));
            (StatusCode::FOUND, [(header::LOCATION, target)]).into_response()
        }
        Err(e) => Error::from(e).into_response(),
    }
}

/// The signed-in user, if any.
pub struct CurrentUser(pub Option<User>);

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = Error;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Error> {
        Ok(CurrentUser(resolve(parts, state).await?.map(|(u, _)| u)))
    }
}

/// A signed-in user, required.
pub struct RequireUser(pub User);

impl FromRequestParts<AppState> for RequireUser {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        match resolve(parts, state).await {
            Ok(Some((user, _))) => Ok(RequireUser(user)),
            Ok(None) => Err(login_required(parts, state)),
            Err(e) => Err(e.into_response()),
        }
    }
}

/// A signed-in staff member, required; other signed-in users get 403.
pub struct RequireStaff(pub User);

impl FromRequestParts<AppState> for RequireStaff {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        match resolve(parts, state).await {
            Ok(Some((user, _))) if user.is_staff => Ok(RequireStaff(user)),
            Ok(Some(_)) => Err(Error::forbidden().into_response()),
            Ok(None) => Err(login_required(parts, state)),
            Err(e) => Err(e.into_response()),
        }
    }
}

/// The bearer token of an API request and its user (for logout).
pub struct BearerToken {
    pub user: User,
    pub token_id: i64,
}

impl FromRequestParts<AppState> for BearerToken {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        match resolve(parts, state).await {
            Ok(Some((user, Some(token_id)))) => Ok(BearerToken { user, token_id }),
            Ok(_) => Err(login_required(parts, state)),
            Err(e) => Err(e.into_response()),
        }
    }
}

/// Adds `user` to every page: `{% if user.is_authenticated %}{{ user.email }}{% endif %}`.
pub struct UserContext;

#[async_trait]
impl ContextProcessor for UserContext {
    async fn context(
        &self,
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Vec<(&'static str, minijinja::Value)>, Error> {
        let found = resolve(parts, state).await?;
        let user = TemplateUser::from_user(found.as_ref().map(|(u, _)| u));
        Ok(vec![("user", minijinja::Value::from_serialize(&user))])
    }
}
