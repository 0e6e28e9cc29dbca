//! The `[accounts]` settings section.

use serde::Deserialize;
use web::settings::{Settings, SettingsError};

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
}

/// Keys that left `[accounts]` for the framework's `[email]` section.
const MOVED_TO_EMAIL: [(&str, &str); 4] = [
    ("email_backend", "email.backend"),
    ("email_from", "email.from"),
    ("email_file_dir", "email.file_dir"),
    ("smtp_url", "email.smtp_url"),
];

impl AccountsSettings {
    pub fn from_settings(settings: &Settings) -> Result<Self, SettingsError> {
        settings.refuse_moved_keys("accounts", &MOVED_TO_EMAIL)?;
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
        Ok(s)
    }
}
