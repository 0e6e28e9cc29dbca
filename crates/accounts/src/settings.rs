//! The `[accounts]` settings section.

use serde::Deserialize;
use web::settings::{Secret, Settings, SettingsError};

/// Where outgoing email goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EmailBackendKind {
    /// Printed to the log (development).
    Console,
    /// Kept in memory, readable by tests.
    Memory,
    /// Written as `.eml` files into `email_file_dir`.
    File,
    /// Sent through `smtp_url` (production).
    Smtp,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountsSettings {
    /// Lifetime of API tokens.
    pub token_ttl_seconds: i64,
    /// Failed logins for one email within the window before it is throttled (429).
    pub login_max_failures: u32,
    pub login_window_seconds: i64,
    /// Failed logins from one client address within the window before that address is
    /// throttled; far looser than the per-email limit; 0 disables it.
    pub ip_max_failures: u32,
    /// How long a password-reset link works.
    pub password_reset_ttl_seconds: i64,
    /// Argon2id cost (OWASP-equivalent settings: 19 MiB × 2 passes … 7 MiB × 5 passes).
    pub argon2_memory_kib: u32,
    pub argon2_iterations: u32,
    pub argon2_parallelism: u32,
    pub email_backend: EmailBackendKind,
    pub email_from: String,
    pub email_file_dir: String,
    /// `smtps://user:password@host:465` or `smtp://host:587?tls=required` (lettre's URL form).
    pub smtp_url: Secret,
}

impl AccountsSettings {
    pub fn from_settings(settings: &Settings) -> Result<Self, SettingsError> {
        let s: AccountsSettings = settings.app_section("accounts")?;
        let positive = |key: &str, v: i64| {
            if v > 0 {
                Ok(())
            } else {
                Err(SettingsError::new(
                    format!("accounts.{key}"),
                    "must be greater than 0",
                ))
            }
        };
        positive("token_ttl_seconds", s.token_ttl_seconds)?;
        positive("login_window_seconds", s.login_window_seconds)?;
        positive("password_reset_ttl_seconds", s.password_reset_ttl_seconds)?;
        positive("login_max_failures", s.login_max_failures.into())?;
        argon2::Params::new(
            s.argon2_memory_kib,
            s.argon2_iterations,
            s.argon2_parallelism,
            None,
        )
        .map_err(|e| {
            SettingsError::new(
                "accounts.argon2_memory_kib",
                format!("invalid Argon2 parameters: {e}"),
            )
        })?;
        s.email_from
            .parse::<lettre::message::Mailbox>()
            .map_err(|e| {
                SettingsError::new("accounts.email_from", format!("not an email address: {e}"))
            })?;
        if s.email_backend == EmailBackendKind::Smtp && s.smtp_url.expose().is_empty() {
            return Err(SettingsError::new(
                "accounts.smtp_url",
                "is required when email_backend = \"smtp\"",
            ));
        }
        if s.email_backend == EmailBackendKind::File && s.email_file_dir.is_empty() {
            return Err(SettingsError::new(
                "accounts.email_file_dir",
                "is required when email_backend = \"file\"",
            ));
        }
        Ok(s)
    }
}
