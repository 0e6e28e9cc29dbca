//! The `[ratelimit]` settings section (contract v3, "Limits and timeouts").

use serde::Deserialize;
use web::settings::{Settings, SettingsError};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RateLimitSettings {
    /// On in production, off by default elsewhere (and in the load tools).
    pub enabled: bool,
    /// Requests a minute per client address without a signed-in user.
    pub anonymous_per_minute: u32,
    /// Requests a minute per user of a bearer token.
    pub user_per_minute: u32,
    /// Searches (a list with `q`) a minute per client, besides the budget above.
    pub search_per_minute: u32,
    /// Registrations an hour per client address.
    pub register_per_hour: u32,
}

impl Default for RateLimitSettings {
    fn default() -> Self {
        RateLimitSettings {
            enabled: false,
            anonymous_per_minute: 600,
            user_per_minute: 1200,
            search_per_minute: 60,
            register_per_hour: 20,
        }
    }
}

impl RateLimitSettings {
    pub fn from_settings(settings: &Settings) -> Result<Self, SettingsError> {
        let s: RateLimitSettings = settings.app_section("ratelimit")?;
        for (key, value) in [
            ("ratelimit.anonymous_per_minute", s.anonymous_per_minute),
            ("ratelimit.user_per_minute", s.user_per_minute),
            ("ratelimit.search_per_minute", s.search_per_minute),
            ("ratelimit.register_per_hour", s.register_per_hour),
        ] {
            if value == 0 {
                return Err(SettingsError::new(
                    key,
                    "must be greater than 0 (set ratelimit.enabled = false to turn every budget off)",
                ));
            }
        }
        Ok(s)
    }
}
