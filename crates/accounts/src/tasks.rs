//! The accounts app's background tasks.

use serde::{Deserialize, Serialize};
use web::state::AppState;
use web::{SiteUrl, context};
use web_i18n::Language;
use web_jobs::Task;
use web_mail::{Email, Mailer};

use crate::auth::{Auth, encode_uid};
use crate::models::user;

/// Emails a password-reset link. The token is made when the mail is sent, so no secret
/// sits in the jobs table, and it is checked as any other (expiry, once, password).
pub struct SendPasswordReset;

#[derive(Debug, Serialize, Deserialize)]
pub struct PasswordResetMail {
    pub user_id: i64,
    /// The site the link points at (see [`SiteUrl::in_job`]).
    pub site: SiteUrl,
}

impl Task for SendPasswordReset {
    const NAME: &'static str = "accounts.send_password_reset";
    const QUEUE: &'static str = "email";
    type Payload = PasswordResetMail;

    async fn run(state: &AppState, mail: PasswordResetMail) -> anyhow::Result<()> {
        let auth: Auth = state.service()?;
        let mailer: Mailer = state.service()?;
        // An account deactivated since the request gets no link.
        let Some(user) = user::find_by_id(state.db(), mail.user_id)
            .await?
            .filter(|u| u.is_active)
        else {
            return Ok(());
        };
        let path = state.reverser().reverse(
            "accounts:password_reset_confirm",
            &[
                ("uidb64", &encode_uid(user.id)),
                ("token", &auth.reset_token(&user, web::db::now())),
            ],
        )?;
        let link = mail.site.in_job(state.settings()).absolute(&path);
        let hours = auth.settings.password_reset_ttl_seconds / 3600;
        // In the language the user chose, not the one of whoever asked for the link.
        let language = Language::for_recipient(state, &user.language)?;
        let email = Email::render(
            state.templates(),
            &user.email,
            language.t("accounts-reset-mail-subject"),
            "accounts/email/password_reset",
            context! { link, email => user.email, hours, ..language.context() },
        )?;
        mailer.send(&email).await
    }
}
