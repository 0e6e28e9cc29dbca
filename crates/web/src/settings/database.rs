//! The `[database]` section and the backends a URL names.

use serde::Deserialize;

use super::values::Secret;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseSettings {
    pub url: Secret,
    pub auto_migrate: bool,
    /// Connections in the pool; 0 picks a sensible size for the backend.
    pub pool_size: u32,
    pub connect_timeout_seconds: u64,
    pub acquire_timeout_seconds: u64,
    /// Log every SQL statement (at debug level).
    pub log_statements: bool,
    /// A statement of a request running longer is cancelled by the database and the
    /// request answers `503 timeout`; 0 = off. `serve` only: commands run without.
    #[serde(default)]
    pub statement_timeout_ms: u64,
    /// Read replicas of the primary (URLs of the same kind): reads outside a transaction
    /// go to a healthy one. Routing is the `replicas` extra's (`web_replicas`); a project
    /// that sets this without installing it refuses to start.
    #[serde(default, deserialize_with = "secret_list")]
    pub replica_urls: Vec<Secret>,
    /// A replica further behind the primary than this is skipped.
    #[serde(default = "default_replica_max_lag_seconds")]
    pub replica_max_lag_seconds: u64,
}

fn default_replica_max_lag_seconds() -> u64 {
    5
}

/// A list of URLs as a TOML array or one comma-separated string (environment variables).
fn secret_list<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Vec<Secret>, D::Error> {
    Ok(super::server::string_or_list(deserializer)?
        .into_iter()
        .map(Secret::new)
        .collect())
}

/// The database behind a URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    MySql,
    Postgres,
}

impl Backend {
    /// Recognises `sqlite:`, `mysql://` and `postgres://` (or `postgresql://`) URLs.
    pub fn from_url(url: &str) -> Result<Backend, String> {
        let scheme = url
            .split(':')
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        match scheme.as_str() {
            "sqlite" => Ok(Backend::Sqlite),
            "mysql" => Ok(Backend::MySql),
            "postgres" | "postgresql" => Ok(Backend::Postgres),
            "mariadb" => {
                Err("use a mysql:// URL for MariaDB (e.g. mysql://user:pass@host:3306/db)".into())
            }
            _ => Err(format!(
                "unsupported database URL scheme `{scheme}`; use sqlite://path?mode=rwc, mysql://… or postgres://…"
            )),
        }
    }
}
