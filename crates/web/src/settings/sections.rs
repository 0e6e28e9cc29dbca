//! The core's small sections: `[log]`, `[templates]`, `[static]`, `[metrics]`.

use serde::Deserialize;

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Pretty,
    Compact,
    Json,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogSettings {
    /// A `tracing` filter such as `info` or `info,web=debug`; `RUST_LOG` wins when set.
    pub level: String,
    pub format: LogFormat,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TemplateSettings {
    /// Folder of templates on disk; empty (or absent) uses the copies embedded in the binary.
    pub dir: String,
    /// Re-read templates from disk when they change (development).
    pub reload: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StaticSettings {
    /// Folder of static files on disk; empty (or absent) serves the embedded copies.
    pub dir: String,
    /// URL prefix, e.g. `/static/`.
    pub url: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricsSettings {
    /// Port of the Prometheus `/metrics` listener on `server.host`; 0 = no metrics.
    pub port: u16,
}
