//! The accounts JSON API: register, token, me, logout, password.

use axum::http::StatusCode;
use serde::Serialize;
use time::OffsetDateTime;
use web::error::ErrorBody;
use web::{ClientIp, Db, Dep, Error, FieldErrors, Json};
use web_i18n::Language;

use crate::auth::Auth;
use crate::extract::{BearerToken, RequireUser};
use crate::forms::{self, ApiPasswordChange, LoginForm, ProfileForm, ProfileUpdate, RegisterForm};
use crate::models::token;
use crate::models::user::{self, UserJson};
use crate::users::{Account, create_user};

/// The accounts API's OpenAPI paths, relative to its mount (`/api/accounts`).
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(register, token, me, update_me, logout, change_password),
    tags((name = "accounts", description = "Registration and bearer tokens."))
)]
pub struct ApiDoc;

/// Registers a customer → 201 with the user.
#[utoipa::path(
    post,
    path = "/register",
    tag = "accounts",
    summary = "Register",
    request_body = RegisterForm,
    responses(
        (status = 201, description = "The new user.", body = UserJson),
        (status = 409, description = "The email is in use (`email_taken`).", body = ErrorBody),
    )
)]
pub async fn register(
    db: Db,
    Dep(auth): Dep<Auth>,
    language: Language,
    Json(form): Json<RegisterForm>,
) -> Result<(StatusCode, Json<UserJson>), Error> {
    let registration = form
        .validate(true, language.site_languages())
        .map_err(Error::validation)?;
    if user::find_by_email(&db, &registration.email)
        .await?
        .is_some()
    {
        return Err(user::CreateUserError::EmailTaken.into());
    }
    // Mails in the language the visitor registered in, unless they chose one.
    let speaking = registration.language.unwrap_or_else(|| language.code());
    let account = Account::user(&registration.email, &registration.password)
        .named(&registration.name)
        .speaking(&speaking);
    let created = create_user(&db, &auth.hasher, account).await?;
    Ok((StatusCode::CREATED, Json(UserJson::from(&created))))
}

#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = Token)]
pub struct TokenJson {
    /// Send as `Authorization: Bearer <token>`.
    pub token: String,
    #[schema(example = "Bearer")]
    pub token_type: &'static str,
    #[serde(with = "web::db::timestamp")]
    #[schema(value_type = String, format = DateTime)]
    pub expires_at: OffsetDateTime,
}

/// Issues a bearer token. Wrong email and wrong password fail alike.
#[utoipa::path(
    post,
    path = "/token",
    tag = "accounts",
    summary = "Get a bearer token",
    request_body = LoginForm,
    responses(
        (status = 200, description = "A new token.", body = TokenJson),
        (status = 401, description = "Wrong email or password, alike (`invalid_credentials`).", body = ErrorBody),
        (status = 429, description = "Too many failures for this email (`throttled`).", body = ErrorBody,
            headers(("Retry-After" = u64, description = "Seconds to wait."))),
    )
)]
pub async fn token(
    db: Db,
    Dep(auth): Dep<Auth>,
    ClientIp(ip): ClientIp,
    Json(form): Json<LoginForm>,
) -> Result<Json<TokenJson>, Error> {
    let credentials = form.validate().map_err(Error::validation)?;
    let user = auth
        .authenticate(&db, &credentials.email, &credentials.password, ip)
        .await?;
    let issued = token::issue(&db, user.id, auth.settings.token_ttl_seconds).await?;
    Ok(Json(TokenJson {
        token: issued.raw,
        token_type: "Bearer",
        expires_at: issued.expires_at,
    }))
}

/// The signed-in user.
#[utoipa::path(
    get,
    path = "/me",
    tag = "accounts",
    summary = "The token's user",
    security(("bearer" = [])),
    responses((status = 200, description = "The user.", body = UserJson))
)]
pub async fn me(RequireUser(user): RequireUser) -> Json<UserJson> {
    Json(UserJson::from(&user))
}

/// Changes the signed-in user's settings (`{language}`) → 200 with the user.
#[utoipa::path(
    patch,
    path = "/me",
    tag = "accounts",
    summary = "Change the token's user's settings",
    request_body = ProfileUpdate,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The user, changed.", body = UserJson),
        (status = 422, description = "`language` missing or not one the site speaks (`validation_error`).", body = ErrorBody),
    )
)]
pub async fn update_me(
    db: Db,
    language: Language,
    RequireUser(user): RequireUser,
    Json(update): Json<ProfileUpdate>,
) -> Result<Json<UserJson>, Error> {
    let chosen = ProfileForm::from(update)
        .validate(language.site_languages())
        .map_err(Error::validation)?;
    let user = user::set_language(&db, &user, &chosen).await?;
    Ok(Json(UserJson::from(&user)))
}

/// Signs the token out → 204; the token stops working.
#[utoipa::path(
    post,
    path = "/logout",
    tag = "accounts",
    summary = "Revoke the token",
    security(("bearer" = [])),
    responses((status = 204, description = "Revoked; the token now gets 401."))
)]
pub async fn logout(db: Db, token: BearerToken) -> Result<StatusCode, Error> {
    token::revoke(&db, token.token_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Changes the password (`{old_password, new_password}`) → 204. Every token of
/// the user (this one included) and every session ends; sign in again with the new password.
#[utoipa::path(
    post,
    path = "/password",
    tag = "accounts",
    summary = "Change the password",
    description = "Ends every token (this one included) and session of the user.",
    request_body = ApiPasswordChange,
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Changed; sign in again."),
        (status = 429, description = "Too many wrong passwords for this account or address (`throttled`, with `Retry-After`); a wrong `old_password` counts as a failed login.", body = ErrorBody),
    )
)]
pub async fn change_password(
    db: Db,
    Dep(auth): Dep<Auth>,
    ClientIp(ip): ClientIp,
    token: BearerToken,
    Json(form): Json<ApiPasswordChange>,
) -> Result<StatusCode, Error> {
    let mut errors = FieldErrors::new();
    let new_password = forms::clean_new_password(
        &mut errors,
        "new_password",
        form.new_password,
        None,
        &token.user.email,
    );
    match form.old_password.filter(|p| !p.is_empty()) {
        None => {
            errors
                .entry("old_password".into())
                .or_default()
                .push("This field is required.".into());
        }
        Some(old) => {
            if !auth
                .check_current_password(&db, &token.user, &old, ip)
                .await?
            {
                errors
                    .entry("old_password".into())
                    .or_default()
                    .push("Your old password was entered incorrectly.".into());
            }
        }
    }
    if !errors.is_empty() {
        return Err(Error::validation(errors));
    }
    auth.set_password(&db, &token.user, &new_password).await?;
    Ok(StatusCode::NO_CONTENT)
}
