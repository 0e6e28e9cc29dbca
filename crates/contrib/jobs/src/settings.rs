//! The `jobs` settings section.

use serde::Deserialize;

use web::settings::{Settings, SettingsError};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Section {
    run_in_server: Option<bool>,
    #[serde(default = "default_max_attempts")]
    max_attempts: u32,
    #[serde(default = "default_backoff")]
    backoff_base_seconds: f64,
    #[serde(default = "default_lease")]
    lease_seconds: u64,
    #[serde(default = "default_retention")]
    retention_seconds: u64,
}

fn default_max_attempts() -> u32 {
    5
}
fn default_backoff() -> f64 {
    10.0
}
fn default_lease() -> u64 {
    300
}
fn default_retention() -> u64 {
    7 * 24 * 3600
}

/// How jobs run, retry and are kept.
#[derive(Debug, Clone)]
pub struct JobsSettings {
    /// `serve` also runs a worker (development and test by default; not production).
    pub run_in_server: bool,
    pub max_attempts: u32,
    /// The first retry's delay; each further one doubles it.
    pub backoff_base_seconds: f64,
    /// How long a claim holds without renewal (a dead worker's job waits this long).
    pub lease_seconds: u64,
    /// Finished jobs older than this are deleted by `project cleanup`.
    pub retention_seconds: u64,
}

impl JobsSettings {
    pub fn from_settings(settings: &Settings) -> Result<JobsSettings, SettingsError> {
        let s: Section = settings.app_section("jobs")?;
        if s.max_attempts == 0 {
            return Err(SettingsError::new(
                "jobs.max_attempts",
                "must be at least 1",
            ));
        }
        if !(s.backoff_base_seconds.is_finite() && s.backoff_base_seconds >= 0.0) {
            return Err(SettingsError::new(
                "jobs.backoff_base_seconds",
                "must be a number of seconds, 0 or more",
            ));
        }
        if s.lease_seconds == 0 {
            return Err(SettingsError::new(
                "jobs.lease_seconds",
                "must be at least 1",
            ));
        }
        Ok(JobsSettings {
            run_in_server: s
                .run_in_server
                .unwrap_or(!settings.environment.is_production()),
            max_attempts: s.max_attempts,
            backoff_base_seconds: s.backoff_base_seconds,
            lease_seconds: s.lease_seconds,
            retention_seconds: s.retention_seconds,
        })
    }
}
