//! The `cache` settings section.

use serde::Deserialize;
use web::settings::{Secret, Settings, SettingsError};

/// `[cache]`: the shared cache and how long its entries live.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CacheSettings {
    /// `redis://host:port/db` (or `rediss://`, `valkey://`): one cache shared by every
    /// process; empty: in-process on a SQLite file, none on MySQL/PostgreSQL.
    #[serde(default = "no_url")]
    pub url: Secret,
    /// Shared entries also expire after this many seconds (a safety net).
    #[serde(default = "default_ttl")]
    pub ttl_seconds: u64,
}

fn no_url() -> Secret {
    Secret::new("")
}

fn default_ttl() -> u64 {
    300
}

impl CacheSettings {
    pub fn from_settings(settings: &Settings) -> Result<CacheSettings, SettingsError> {
        let section: CacheSettings = settings.app_section("cache")?;
        if let Err(message) = check_url(section.url.expose()) {
            return Err(SettingsError::new("cache.url", message));
        }
        if section.ttl_seconds == 0 {
            return Err(SettingsError::new(
                "cache.ttl_seconds",
                "must be greater than 0",
            ));
        }
        Ok(section)
    }
}

/// Whether `url` names a cache we can talk to; empty is fine (no shared cache).
pub fn check_url(url: &str) -> Result<(), String> {
    if url.is_empty() {
        return Ok(());
    }
    if ![
        "redis://",
        "rediss://",
        "valkey://",
        "valkeys://",
        "redis+unix://",
        "unix://",
    ]
    .iter()
    .any(|scheme| url.starts_with(scheme))
    {
        return Err(format!(
            "`{}` is not a Redis/Valkey URL; use redis://host:port/db (or leave it empty)",
            url.split('@').next_back().unwrap_or(url)
        ));
    }
    redis::Client::open(url)
        .map(|_| ())
        .map_err(|e| format!("is not a valid Redis/Valkey URL: {e}"))
}
