//! The `sessions` settings section.

use serde::Deserialize;
use web::settings::{Settings, SettingsError};

/// The session cookie.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SessionSettings {
    #[serde(default = "default_cookie_name")]
    pub cookie_name: String,
    /// Session lifetime since the last change, in seconds.
    #[serde(default = "default_age")]
    pub age_seconds: i64,
    /// `Secure` cookie attribute (also on the CSRF cookie); on in production.
    #[serde(default)]
    pub cookie_secure: bool,
}

fn default_cookie_name() -> String {
    "sessionid".into()
}

fn default_age() -> i64 {
    14 * 24 * 3600
}

impl SessionSettings {
    pub fn from_settings(settings: &Settings) -> Result<SessionSettings, SettingsError> {
        let section: SessionSettings = settings.app_section("sessions")?;
        if section.age_seconds <= 0 {
            return Err(SettingsError::new(
                "sessions.age_seconds",
                "must be greater than 0",
            ));
        }
        if section.cookie_name.is_empty() {
            return Err(SettingsError::new(
                "sessions.cookie_name",
                "must not be empty",
            ));
        }
        Ok(section)
    }
}
