//! Who is making the request, as extractors for any app's handlers.
//!
//! Under `/api/` a user is identified by `Authorization: Bearer <token>` only; pages use
//! the session only. (The API never reads the session cookie, which is why it needs no
//! CSRF token.) Both resolve to the same [`User`].
//!
//! ```text
//! async fn my_orders(RequireUser(user): RequireUser, …) -> … // API: 401, pages: login redirect
//! async fn refund(_: RequirePerm<RefundOrder>, …) -> …        // also 403 without the permission
//! async fn catalog(CurrentUser(user): CurrentUser, …) -> …    // None when anonymous
//! async fn detail(perms: Perms, …) -> … { if perms.has("catalog.view_product").await? {…} }
//! ```
//!
//! A user's permissions are read at most once per request, when something first asks
//! (one indexed query; none for a superuser or an inactive user), and never cached
//! across requests, so a change holds on the next request in every process.

use std::marker::PhantomData;
use std::sync::Arc;

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
use crate::permissions::UserPermissions;

#[derive(Clone)]
struct Resolved(Option<(User, Option<i64>)>);

/// The request's permissions, filled at the first check; shared by every extractor and
/// the template context of one request (an `Arc`, so copies of the request's
/// extensions share it too).
#[derive(Clone, Default)]
struct PermissionCell(Arc<tokio::sync::OnceCell<UserPermissions>>);

impl PermissionCell {
    fn of(parts: &mut Parts) -> PermissionCell {
        parts
            .extensions
            .get_or_insert_default::<PermissionCell>()
            .clone()
    }

    async fn load(&self, state: &AppState, user: &User) -> Result<&UserPermissions, Error> {
        Ok(self
            .0
            .get_or_try_init(|| UserPermissions::of(state.db(), user))
            .await?)
    }
}

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

/// A stable key for the user of the bearer token `raw` (`"42"`), or `None` when it is not
/// a valid token: for per-user budgets (the project hands it to its rate limits). Cached
/// like every token lookup, so it costs no query on a hit.
pub async fn user_key_of_bearer(state: AppState, raw: String) -> Option<String> {
    match bearer_user(&state, &raw).await {
        Ok(found) => found.map(|(user, _)| user.id.to_string()),
        Err(_) => None,
    }
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
    let cache = web_cache::Cache::of(state);
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

/// A permission as a type, for [`RequirePerm`]; declare one with [`crate::permission!`].
pub trait PermissionCode: Send + Sync + 'static {
    /// `APP.ACTION_MODEL`, e.g. `catalog.add_product`.
    const CODE: &'static str;
}

/// Declares a permission type for [`RequirePerm`]:
/// `accounts::permission!(pub AddProduct = "catalog.add_product");`. List its `CODE` in
/// the app's `install` (`app.requires_permission(code)`) so a misspelt code stops the project at start-up.
#[macro_export]
macro_rules! permission {
    ($(#[$meta:meta])* $vis:vis $name:ident = $code:literal) => {
        $(#[$meta])*
        $vis struct $name;
        impl $crate::extract::PermissionCode for $name {
            const CODE: &'static str = $code;
        }
    };
}

/// A signed-in user who has the permission `P`: anonymous → 401 (API) or the login page,
/// signed in without it → `403 forbidden`.
pub struct RequirePerm<P: PermissionCode>(pub User, PhantomData<P>);

impl<P: PermissionCode> RequirePerm<P> {
    pub fn user(&self) -> &User {
        &self.0
    }
}

impl<P: PermissionCode> FromRequestParts<AppState> for RequirePerm<P> {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let user = match resolve(parts, state).await {
            Ok(Some((user, _))) => user,
            Ok(None) => return Err(login_required(parts, state)),
            Err(e) => return Err(e.into_response()),
        };
        let cell = PermissionCell::of(parts);
        match cell.load(state, &user).await {
            Ok(perms) if perms.has(P::CODE) => Ok(RequirePerm(user, PhantomData)),
            Ok(_) => Err(Error::forbidden().into_response()),
            Err(e) => Err(e.into_response()),
        }
    }
}

/// The signed-in user, if any, and their permissions, read when first asked (so a view
/// that asks only on some paths pays nothing on the others).
pub struct Perms {
    user: Option<User>,
    cell: PermissionCell,
    state: AppState,
}

impl Perms {
    pub fn user(&self) -> Option<&User> {
        self.user.as_ref()
    }

    /// Whether the signed-in user has `code` (an anonymous visitor has none).
    pub async fn has(&self, code: &str) -> Result<bool, Error> {
        match &self.user {
            Some(user) => Ok(self.cell.load(&self.state, user).await?.has(code)),
            None => Ok(false),
        }
    }

    /// Everything the signed-in user may do (nothing for an anonymous visitor).
    pub async fn all(&self) -> Result<UserPermissions, Error> {
        match &self.user {
            Some(user) => Ok(self.cell.load(&self.state, user).await?.clone()),
            None => Ok(UserPermissions::default()),
        }
    }
}

impl FromRequestParts<AppState> for Perms {
    type Rejection = Error;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Error> {
        let user = resolve(parts, state).await?.map(|(u, _)| u);
        Ok(Perms {
            user,
            cell: PermissionCell::of(parts),
            state: state.clone(),
        })
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

/// Adds `user` and `perms` to every page:
/// `{% if user.is_authenticated %}{{ user.email }}{% endif %}`,
/// `{% if perms.catalog.change_product %}…{% endif %}` (Django's spelling; also
/// `perms["catalog.change_product"]`). A signed-in page reads the permissions once.
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
        let perms = match &found {
            Some((signed_in, _)) => PermissionCell::of(parts)
                .load(state, signed_in)
                .await?
                .clone(),
            None => UserPermissions::default(),
        };
        Ok(vec![
            ("user", minijinja::Value::from_serialize(&user)),
            ("perms", crate::permissions::template_value(perms)),
        ])
    }
}
