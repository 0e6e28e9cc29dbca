//! The accounts HTML pages (Django's auth views): register, login, logout, profile,
//! password change and password reset. Form POSTs answer with a 303 redirect on success
//! and re-render the form with its errors otherwise.

use axum::response::{IntoResponse, Redirect, Response};
use http::{StatusCode, header};
use serde::Deserialize;
use tower_sessions::Session;
use web::{
    ClientIp, Db, Dep, Error, FieldErrors, Form, Page, Path, Query, Reverser, SiteUrl, context,
};
use web_i18n::Language;
use web_sessions::{Messages, session_error};

use crate::auth::{Auth, LoginError, SESSION_USER_HASH, decode_uid, safe_next};
use crate::extract::{CurrentUser, RequireUser};
use crate::forms::{
    self, LoginForm, PasswordChangeForm, PasswordResetForm, ProfileForm, RegisterForm,
    SetPasswordForm,
};
use crate::models::User;
use crate::models::user::{self, CreateUserError};
use crate::signals::LoginReceivers;
use crate::tasks::{PasswordResetMail, SendPasswordReset};
use crate::users::{Account, create_user};

#[derive(Debug, Default, Deserialize)]
pub struct NextQuery {
    pub next: Option<String>,
}

/// After signing in: `next` if it is a local path, else the profile.
fn after_login(reverser: &Reverser, next: Option<&str>) -> Result<String, Error> {
    match safe_next(next) {
        Some(next) => Ok(next),
        None => Ok(reverser.reverse("accounts:profile", &[])?),
    }
}

fn one_error(field: &str, message: &str) -> FieldErrors {
    FieldErrors::from([(field.to_string(), vec![message.to_string()])])
}

pub async fn register_form(
    page: Page,
    CurrentUser(user): CurrentUser,
    Query(q): Query<NextQuery>,
) -> Result<Response, Error> {
    if user.is_some() {
        return Ok(Redirect::to(&after_login(page.reverser(), q.next.as_deref())?).into_response());
    }
    page.render(
        "accounts/register.html",
        context! { next => q.next, errors => FieldErrors::new() },
    )
    .await
}

pub async fn register(
    page: Page,
    db: Db,
    Dep(auth): Dep<Auth>,
    Dep(receivers): Dep<LoginReceivers>,
    session: Session,
    messages: Messages,
    language: Language,
    Form(form): Form<RegisterForm>,
) -> Result<Response, Error> {
    let (next, after) = (form.next.clone(), form.next.clone());
    let (email, name) = (form.email.clone(), form.name.clone());
    let rerender = |page: Page, errors: FieldErrors| async move {
        page.render(
            "accounts/register.html",
            context! { next, errors, email, name },
        )
        .await
    };
    let registration = match form.validate(false, language.site_languages()) {
        Ok(r) => r,
        Err(errors) => return rerender(page, errors).await,
    };
    // Mails in the language the page was read in, unless the form chose one.
    let speaking = registration.language.unwrap_or_else(|| language.code());
    let account = Account::user(&registration.email, &registration.password)
        .named(&registration.name)
        .speaking(&speaking);
    let created = match create_user(&db, &auth.hasher, account).await {
        Ok(u) => u,
        Err(CreateUserError::EmailTaken) => {
            return rerender(
                page,
                one_error("email", "A user with that email already exists."),
            )
            .await;
        }
        Err(e) => return Err(e.into()),
    };
    auth.login(&session, &created).await?;
    receivers.send(&db, &session, &created).await?;
    let welcome = language.t_with(
        "accounts-welcome",
        &web_i18n::args([("name", display_name(&created).into())]),
    );
    messages.success(welcome).await?;
    let target = after_login(page.reverser(), after.as_deref())?;
    Ok(Redirect::to(&target).into_response())
}

fn display_name(user: &User) -> &str {
    if user.name.is_empty() {
        &user.email
    } else {
        &user.name
    }
}

pub async fn login_form(
    page: Page,
    CurrentUser(user): CurrentUser,
    Query(q): Query<NextQuery>,
) -> Result<Response, Error> {
    if user.is_some() {
        return Ok(Redirect::to(&after_login(page.reverser(), q.next.as_deref())?).into_response());
    }
    page.render(
        "accounts/login.html",
        context! { next => q.next, errors => FieldErrors::new() },
    )
    .await
}

pub async fn login(
    page: Page,
    db: Db,
    Dep(auth): Dep<Auth>,
    Dep(receivers): Dep<LoginReceivers>,
    ClientIp(ip): ClientIp,
    session: Session,
    Form(form): Form<LoginForm>,
) -> Result<Response, Error> {
    let next = form.next.clone();
    let email = form.email.clone();
    let credentials = match form.validate() {
        Ok(c) => c,
        Err(errors) => {
            return page
                .render("accounts/login.html", context! { next, errors, email })
                .await;
        }
    };
    match auth
        .authenticate(&db, &credentials.email, &credentials.password, ip)
        .await
    {
        Ok(user) => {
            auth.login(&session, &user).await?;
            receivers.send(&db, &session, &user).await?;
            let target = after_login(page.reverser(), next.as_deref())?;
            Ok(Redirect::to(&target).into_response())
        }
        Err(LoginError::InvalidCredentials) => {
            let errors = one_error("__all__", "Please enter a correct email and password.");
            page.render("accounts/login.html", context! { next, errors, email })
                .await
        }
        Err(LoginError::Throttled(seconds)) => {
            let minutes = seconds.div_ceil(60);
            let errors = one_error(
                "__all__",
                &format!("Too many failed attempts. Try again in {minutes} minute(s)."),
            );
            let mut response = page
                .render_with_status(
                    StatusCode::TOO_MANY_REQUESTS,
                    "accounts/login.html",
                    context! { next, errors, email },
                )
                .await?;
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, seconds.into());
            Ok(response)
        }
        Err(LoginError::Other(e)) => Err(e),
    }
}

pub async fn logout(
    Dep(auth): Dep<Auth>,
    session: Session,
    messages: Messages,
    language: Language,
    reverser: Reverser,
) -> Result<Redirect, Error> {
    auth.logout(&session).await?;
    messages.info(language.t("accounts-signed-out")).await?;
    Ok(Redirect::to(&reverser.reverse("accounts:login", &[])?))
}

pub async fn profile(page: Page, RequireUser(user): RequireUser) -> Result<Response, Error> {
    render_profile(page, &user, FieldErrors::new()).await
}

async fn render_profile(page: Page, user: &User, errors: FieldErrors) -> Result<Response, Error> {
    let joined = web::db::timestamp::format(&user.date_joined);
    page.render(
        "accounts/profile.html",
        context! { profile => user::UserJson::from(user), joined, errors },
    )
    .await
}

/// `POST /accounts/profile/`: the language of the user's mails.
pub async fn profile_update(
    page: Page,
    db: Db,
    messages: Messages,
    language: Language,
    RequireUser(user): RequireUser,
    Form(form): Form<ProfileForm>,
) -> Result<Response, Error> {
    let chosen = match form.validate(language.site_languages()) {
        Ok(chosen) => chosen,
        Err(errors) => return render_profile(page, &user, errors).await,
    };
    user::set_language(&db, &user, &chosen).await?;
    messages
        .success(language.t("accounts-profile-saved"))
        .await?;
    let target = page.reverser().reverse("accounts:profile", &[])?;
    Ok(Redirect::to(&target).into_response())
}

pub async fn password_change_form(
    page: Page,
    RequireUser(_): RequireUser,
) -> Result<Response, Error> {
    page.render(
        "accounts/password_change.html",
        context! { errors => FieldErrors::new() },
    )
    .await
}

pub async fn password_change(
    page: Page,
    RequireUser(user): RequireUser,
    db: Db,
    Dep(auth): Dep<Auth>,
    session: Session,
    messages: Messages,
    language: Language,
    ClientIp(ip): ClientIp,
    Form(form): Form<PasswordChangeForm>,
) -> Result<Response, Error> {
    let mut errors = FieldErrors::new();
    let old_ok = match form.old_password.as_deref().filter(|p| !p.is_empty()) {
        Some(old) => auth.check_current_password(&db, &user, old, ip).await?,
        None => false,
    };
    if !old_ok {
        errors.insert(
            "old_password".into(),
            vec!["Your old password was entered incorrectly. Please enter it again.".into()],
        );
    }
    let new_password = forms::clean_new_password(
        &mut errors,
        "new_password1",
        form.new_password1,
        Some(form.new_password2),
        &user.email,
    );
    if !errors.is_empty() {
        return page
            .render("accounts/password_change.html", context! { errors })
            .await;
    }
    let updated = auth.set_password(&db, &user, &new_password).await?;
    // Keep this session signed in; every other session ends (Django's update_session_auth_hash).
    session
        .insert(SESSION_USER_HASH, auth.session_hash(&updated))
        .await
        .map_err(session_error)?;
    messages
        .success(language.t("accounts-password-changed"))
        .await?;
    Ok(Redirect::to(&page.reverser().reverse("accounts:profile", &[])?).into_response())
}

pub async fn password_reset_form(page: Page) -> Result<Response, Error> {
    page.render(
        "accounts/password_reset.html",
        context! { errors => FieldErrors::new() },
    )
    .await
}

/// Sends a reset link if an active account has that email; answers the same either way,
/// so the page does not reveal who has an account.
pub async fn password_reset(
    page: Page,
    db: Db,
    Dep(auth): Dep<Auth>,
    site: SiteUrl,
    ClientIp(ip): ClientIp,
    Form(form): Form<PasswordResetForm>,
) -> Result<Response, Error> {
    let email = match form.validate() {
        Ok(email) => email,
        Err(errors) => {
            return page
                .render("accounts/password_reset.html", context! { errors })
                .await;
        }
    };
    let user = user::find_by_email(&db, &email)
        .await?
        .filter(|u| u.is_active);
    let allowed = auth
        .allow_reset_email(&db, user.as_ref().map(|u| u.email.as_str()), ip)
        .await?;
    if let Some(user) = user.filter(|_| allowed) {
        let mail = PasswordResetMail {
            user_id: user.id,
            site,
        };
        web_jobs::enqueue::<SendPasswordReset, _>(&db, &mail).await?;
    }
    Ok(Redirect::to(
        &page
            .reverser()
            .reverse("accounts:password_reset_done", &[])?,
    )
    .into_response())
}

pub async fn password_reset_done(page: Page) -> Result<Response, Error> {
    page.render("accounts/password_reset_done.html", context! {})
        .await
}

async fn user_for_link(
    db: &sea_orm::DatabaseConnection,
    auth: &Auth,
    uidb64: &str,
    token: &str,
) -> Result<Option<User>, Error> {
    let Some(id) = decode_uid(uidb64) else {
        return Ok(None);
    };
    let user = user::find_by_id(db, id).await?.filter(|u| u.is_active);
    Ok(user.filter(|u| auth.check_reset_token(u, token)))
}

pub async fn password_reset_confirm_form(
    page: Page,
    db: Db,
    Dep(auth): Dep<Auth>,
    Path((uidb64, token)): Path<(String, String)>,
) -> Result<Response, Error> {
    let valid = user_for_link(&db, &auth, &uidb64, &token).await?.is_some();
    page.render(
        "accounts/password_reset_confirm.html",
        context! { validlink => valid, errors => FieldErrors::new() },
    )
    .await
}

pub async fn password_reset_confirm(
    page: Page,
    db: Db,
    Dep(auth): Dep<Auth>,
    Path((uidb64, token)): Path<(String, String)>,
    Form(form): Form<SetPasswordForm>,
) -> Result<Response, Error> {
    let Some(user) = user_for_link(&db, &auth, &uidb64, &token).await? else {
        return page
            .render(
                "accounts/password_reset_confirm.html",
                context! { validlink => false },
            )
            .await;
    };
    let mut errors = FieldErrors::new();
    let password = forms::clean_new_password(
        &mut errors,
        "new_password1",
        form.new_password1,
        Some(form.new_password2),
        &user.email,
    );
    if !errors.is_empty() {
        return page
            .render(
                "accounts/password_reset_confirm.html",
                context! { validlink => true, errors },
            )
            .await;
    }
    auth.set_password(&db, &user, &password).await?;
    Ok(Redirect::to(
        &page
            .reverser()
            .reverse("accounts:password_reset_complete", &[])?,
    )
    .into_response())
}

pub async fn password_reset_complete(page: Page) -> Result<Response, Error> {
    page.render("accounts/password_reset_complete.html", context! {})
        .await
}
