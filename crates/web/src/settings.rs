//! Layered settings, read with the `config` crate.
//!
//! Order (later wins): `config/default.toml`, `config/<APP_ENV>.toml`, then environment
//! variables `APP__<SECTION>__<KEY>` (double underscore between levels). When the config
//! folder is absent (a release binary deployed alone) the copies embedded in the binary
//! are used instead, so the binary can be configured by environment variables only.
//!
//! The framework owns the core sections below; every other top-level section belongs to
//! the installed app with that label (`[accounts]`, `[payments]`), which reads it with
//! [`Settings::app_section`]. Unknown keys, malformed values and missing keys are errors
//! that name the key and its environment variable.
//!
//! ```
//! use web::settings::{Settings, SettingsSource};
//! let source = SettingsSource::embedded(&[("default.toml", web::settings::EXAMPLE_DEFAULTS)])
//!     .with_env([("APP__SERVER__PORT", "9000")]);
//! let settings = Settings::load(&source).unwrap();
//! assert_eq!(settings.server.port, 9000);
//! ```

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use config::{Config, File, FileFormat, Value, ValueKind};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};

/// Which configuration profile is active (`APP_ENV`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Environment {
    Development,
    Test,
    Production,
}

impl Environment {
    pub fn as_str(self) -> &'static str {
        match self {
            Environment::Development => "development",
            Environment::Test => "test",
            Environment::Production => "production",
        }
    }
    pub fn is_production(self) -> bool {
        self == Environment::Production
    }
}

impl FromStr for Environment {
    type Err = SettingsError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "" | "development" | "dev" => Ok(Environment::Development),
            "test" => Ok(Environment::Test),
            "production" | "prod" => Ok(Environment::Production),
            other => Err(SettingsError::new(
                "APP_ENV",
                format!("unknown environment `{other}`; use development, test or production"),
            )),
        }
    }
}

impl fmt::Display for Environment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A settings problem, naming the key (`server.port`) and its environment variable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingsError {
    pub key: String,
    pub message: String,
}

impl SettingsError {
    pub fn new(key: impl Into<String>, message: impl Into<String>) -> Self {
        SettingsError {
            key: key.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for SettingsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.key == "APP_ENV" || self.key.is_empty() {
            return write!(
                f,
                "{}: {}",
                if self.key.is_empty() {
                    "settings"
                } else {
                    &self.key
                },
                self.message
            );
        }
        write!(
            f,
            "setting `{}` ({}): {}",
            self.key,
            env_var_name(&self.key),
            self.message
        )
    }
}

impl std::error::Error for SettingsError {}

/// Development secrets start with this, so `project check --deploy` can refuse them
/// (like Django's `django-insecure-` keys).
pub const INSECURE_PREFIX: &str = "insecure-";

/// `server.port` -> `APP__SERVER__PORT`.
pub fn env_var_name(key: &str) -> String {
    format!("APP__{}", key.replace('.', "__").to_ascii_uppercase())
}

/// A secret value: never printed by `Debug`.
#[derive(Clone, Deserialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// The framework's typed settings. App sections are read with [`Settings::app_section`].
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    #[serde(skip, default = "default_env")]
    pub environment: Environment,
    pub debug: bool,
    pub secret_key: Secret,
    pub server: ServerSettings,
    pub database: DatabaseSettings,
    pub log: LogSettings,
    pub templates: TemplateSettings,
    #[serde(rename = "static")]
    pub static_files: StaticSettings,
    pub metrics: MetricsSettings,
    #[serde(skip)]
    apps: BTreeMap<String, Value>,
}

fn default_env() -> Environment {
    Environment::Development
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerSettings {
    pub host: String,
    pub port: u16,
    /// Host names accepted in the `Host` header (port ignored): exact names, `.example.com`
    /// for a domain and its subdomains, or `*`. Checked when `debug` is off.
    #[serde(deserialize_with = "string_or_list")]
    pub allowed_hosts: Vec<String>,
    /// Proxies whose `X-Forwarded-For` is believed (IPs or CIDR ranges).
    #[serde(deserialize_with = "ip_nets")]
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Origins allowed by CORS (`https://shop.example.com`); empty disables CORS headers.
    #[serde(deserialize_with = "string_or_list")]
    pub cors_origins: Vec<String>,
    /// Origins besides the site's own whose forms may post here (Django's
    /// `CSRF_TRUSTED_ORIGINS`): `https://pay.example.com`.
    #[serde(default, deserialize_with = "string_or_list")]
    pub csrf_trusted_origins: Vec<String>,
    pub body_limit_bytes: usize,
    /// The handling of a request, not counting the time its body takes to arrive.
    pub request_timeout_seconds: u64,
    /// A request body must arrive within this many seconds (else `408 request_timeout`).
    #[serde(default = "default_body_read_timeout_seconds")]
    pub body_read_timeout_seconds: u64,
    /// Seconds to let in-flight requests finish after SIGTERM/SIGINT.
    pub shutdown_timeout_seconds: u64,
    /// `Strict-Transport-Security` max-age; 0 sends no header.
    pub hsts_seconds: u64,
    /// The site's own address (`https://shop.example.com`, no path) for absolute links in
    /// emails; empty builds them from the request's validated `Host`.
    pub public_url: String,
    /// A connection must send a whole request head within this many seconds.
    pub header_read_timeout_seconds: u64,
    /// An idle keep-alive connection is closed after this many seconds.
    pub keep_alive_seconds: u64,
    /// Open connections at most; at the limit the server stops accepting.
    pub max_connections: usize,
    /// The `Content-Security-Policy` of HTML answers; empty = the built-in policy.
    pub csp: String,
}

fn default_body_read_timeout_seconds() -> u64 {
    30
}

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
}

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

/// Where settings come from. The default reads `./config` (or `APP_CONFIG_DIR`) and the
/// process environment.
#[derive(Clone, Default)]
pub struct SettingsSource {
    config_dir: Option<PathBuf>,
    embedded: &'static [(&'static str, &'static str)],
    env: Option<HashMap<String, String>>,
    overrides: Vec<(String, String)>,
}

/// A complete `default.toml`, used by doc examples and the framework's own tests.
pub const EXAMPLE_DEFAULTS: &str = include_str!("settings_example.toml");

impl SettingsSource {
    /// Files from `dir` when it exists, else the `embedded` copies; the process environment.
    pub fn new(dir: impl Into<PathBuf>, embedded: &'static [(&'static str, &'static str)]) -> Self {
        SettingsSource {
            config_dir: Some(dir.into()),
            embedded,
            env: None,
            overrides: Vec::new(),
        }
    }

    /// Only the embedded files (no folder lookup).
    pub fn embedded(embedded: &'static [(&'static str, &'static str)]) -> Self {
        SettingsSource {
            config_dir: None,
            embedded,
            env: None,
            overrides: Vec::new(),
        }
    }

    /// Uses these variables instead of the process environment (tests).
    pub fn with_env<K: Into<String>, V: Into<String>>(
        mut self,
        vars: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        self.env = Some(
            vars.into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        );
        self
    }

    /// Sets a key after every other layer (tests): `("accounts.login_max_failures", "3")`.
    pub fn with_override(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.overrides.push((key.into(), value.into()));
        self
    }

    fn var(&self, name: &str) -> Option<String> {
        match &self.env {
            Some(map) => map.get(name).cloned(),
            None => std::env::var(name).ok(),
        }
    }

    /// The folder the files are read from, if it exists.
    pub fn config_dir(&self) -> Option<PathBuf> {
        let dir = self
            .var("APP_CONFIG_DIR")
            .map(PathBuf::from)
            .or_else(|| self.config_dir.clone())?;
        dir.is_dir().then_some(dir)
    }
}

impl Settings {
    /// Loads and validates settings from `source`: the first problem is the error.
    pub fn load(source: &SettingsSource) -> Result<Settings, SettingsError> {
        let (settings, problems) = Self::load_with_problems(source)?;
        match problems.into_iter().next() {
            Some(problem) => Err(problem),
            None => Ok(settings),
        }
    }

    /// Loads settings from `source` and lists every invalid value instead of stopping at
    /// the first (`project check --deploy` reports them all). Only a value that can't be
    /// read at all (a malformed number, an unknown key) is still an error.
    pub fn load_with_problems(
        source: &SettingsSource,
    ) -> Result<(Settings, Vec<SettingsError>), SettingsError> {
        let environment: Environment = source.var("APP_ENV").unwrap_or_default().parse()?;
        let mut builder = Config::builder();
        let files = [String::from("default.toml"), format!("{environment}.toml")];
        match source.config_dir() {
            Some(dir) => {
                for name in &files {
                    let path = dir.join(name);
                    let required = name == "default.toml";
                    if required && !path.is_file() {
                        return Err(SettingsError::new(
                            "",
                            format!(
                                "{} is missing; every setting starts from it",
                                path.display()
                            ),
                        ));
                    }
                    builder = builder
                        .add_source(File::from(path).format(FileFormat::Toml).required(false));
                }
            }
            None => {
                for name in &files {
                    if let Some((_, text)) = source.embedded.iter().find(|(n, _)| n == name) {
                        builder = builder.add_source(File::from_str(text, FileFormat::Toml));
                    }
                }
            }
        }
        let mut env = config::Environment::with_prefix("APP")
            .prefix_separator("__")
            .separator("__");
        let vars: HashMap<String, String> = match &source.env {
            Some(map) => map.clone(),
            None => std::env::vars().collect(),
        };
        env = env.source(Some(
            vars.into_iter()
                .filter(|(k, _)| k.starts_with("APP__"))
                .collect(),
        ));
        builder = builder.add_source(env);
        for (key, value) in &source.overrides {
            builder = builder
                .set_override(key.as_str(), value.as_str())
                .map_err(|e| SettingsError::new(key.clone(), e.to_string()))?;
        }
        let config = builder
            .build()
            .map_err(|e| SettingsError::new("", e.to_string()))?;
        let root: Value = config
            .try_deserialize()
            .map_err(|e| SettingsError::new("", e.to_string()))?;
        Self::from_value(root, environment)
    }

    fn from_value(
        root: Value,
        environment: Environment,
    ) -> Result<(Settings, Vec<SettingsError>), SettingsError> {
        const CORE: [&str; 8] = [
            "debug",
            "secret_key",
            "server",
            "database",
            "log",
            "templates",
            "static",
            "metrics",
        ];
        let table = root
            .into_table()
            .map_err(|e| SettingsError::new("", e.to_string()))?;
        let (core, apps): (HashMap<_, _>, BTreeMap<_, _>) = {
            let mut core = HashMap::new();
            let mut apps = BTreeMap::new();
            for (k, v) in table {
                if CORE.contains(&k.as_str()) {
                    core.insert(k, v);
                } else {
                    apps.insert(k, v);
                }
            }
            (core, apps)
        };
        let mut settings: Settings = deserialize_at(
            "",
            Value::new(None, ValueKind::Table(core.into_iter().collect())),
        )?;
        settings.environment = environment;
        settings.apps = apps;
        let problems = settings.problems();
        Ok((settings, problems))
    }

    /// Every value that is readable but invalid.
    fn problems(&self) -> Vec<SettingsError> {
        let mut problems = Vec::new();
        if self.secret_key.expose().is_empty() {
            problems.push(SettingsError::new(
                "secret_key",
                "is empty; set it to a long random value",
            ));
        }
        for (key, value) in [
            (
                "server.body_limit_bytes",
                self.server.body_limit_bytes as u64,
            ),
            (
                "server.request_timeout_seconds",
                self.server.request_timeout_seconds,
            ),
            (
                "server.header_read_timeout_seconds",
                self.server.header_read_timeout_seconds,
            ),
            (
                "server.body_read_timeout_seconds",
                self.server.body_read_timeout_seconds,
            ),
            ("server.keep_alive_seconds", self.server.keep_alive_seconds),
            ("server.max_connections", self.server.max_connections as u64),
            (
                "database.acquire_timeout_seconds",
                self.database.acquire_timeout_seconds,
            ),
        ] {
            if value == 0 {
                problems.push(SettingsError::new(key, "must be greater than 0"));
            }
        }
        if let Err(message) = parse_public_url(&self.server.public_url) {
            problems.push(SettingsError::new("server.public_url", message));
        }
        if self.database.url.expose().is_empty() {
            problems.push(SettingsError::new("database.url", "is empty"));
        } else if let Err(e) = Backend::from_url(self.database.url.expose()) {
            problems.push(SettingsError::new("database.url", e));
        }
        if !(self.static_files.url.starts_with('/') && self.static_files.url.ends_with('/')) {
            problems.push(SettingsError::new(
                "static.url",
                "must start and end with `/`, e.g. /static/",
            ));
        }
        if let Err(e) = tracing_subscriber::EnvFilter::try_new(&self.log.level) {
            problems.push(SettingsError::new("log.level", e.to_string()));
        }
        problems
    }

    /// Reads an app's section (`[accounts]`) into its typed settings; a missing section
    /// reads as empty, so `#[serde(default)]` fields apply.
    pub fn app_section<T: DeserializeOwned>(&self, label: &str) -> Result<T, SettingsError> {
        let value = self
            .apps
            .get(label)
            .cloned()
            .unwrap_or_else(|| Value::new(None, ValueKind::Table(Default::default())));
        deserialize_at(label, value)
    }

    /// Refuses keys of an app's section that moved elsewhere (`moved`: old key in the
    /// section, new full key), naming the new key, so an old config file stops the binary
    /// with the fix rather than being silently ignored.
    pub fn refuse_moved_keys(
        &self,
        label: &str,
        moved: &[(&str, &str)],
    ) -> Result<(), SettingsError> {
        let Some(section) = self
            .apps
            .get(label)
            .and_then(|v| v.clone().into_table().ok())
        else {
            return Ok(());
        };
        match moved.iter().find(|(old, _)| section.contains_key(*old)) {
            Some((old, new)) => Err(SettingsError::new(
                format!("{label}.{old}"),
                format!("was removed; set `{new}` ({}) instead", env_var_name(new)),
            )),
            None => Ok(()),
        }
    }

    /// Top-level sections that neither the framework nor an installed app claims.
    pub fn unknown_sections<'a>(&'a self, app_labels: &[&str]) -> Vec<&'a str> {
        self.apps
            .keys()
            .map(String::as_str)
            .filter(|k| !app_labels.contains(k))
            .collect()
    }

    /// The address `serve` binds.
    pub fn bind_address(&self) -> String {
        self.address_on(self.server.port)
    }

    /// `server.host` with `port` (the metrics listener's too).
    pub fn address_on(&self, port: u16) -> String {
        if self.server.host.contains(':') && !self.server.host.starts_with('[') {
            format!("[{}]:{port}", self.server.host)
        } else {
            format!("{}:{port}", self.server.host)
        }
    }

    /// The templates folder on disk, if configured and present.
    pub fn templates_dir(&self) -> Option<&Path> {
        existing_dir(&self.templates.dir)
    }

    /// The static folder on disk, if configured and present.
    pub fn static_dir(&self) -> Option<&Path> {
        existing_dir(&self.static_files.dir)
    }
}

/// `server.public_url` without a trailing slash, or `None` when it is empty. It must be an
/// absolute `http`/`https` URL with no path, query or fragment: links are the routes' own
/// paths appended to it.
pub fn parse_public_url(value: &str) -> Result<Option<String>, String> {
    let value = value.trim().trim_end_matches('/');
    if value.is_empty() {
        return Ok(None);
    }
    let uri: http::Uri = value
        .parse()
        .map_err(|_| format!("`{value}` is not a URL; use e.g. https://shop.example.com"))?;
    let scheme_ok = matches!(uri.scheme_str(), Some("http" | "https"));
    let host_ok = uri
        .authority()
        .is_some_and(|a| !a.as_str().contains('@') && split_host(a.as_str()).is_some());
    let bare = uri
        .path_and_query()
        .is_none_or(|p| p.as_str() == "/" || p.as_str().is_empty());
    if !(scheme_ok && host_ok && bare) || value.contains('#') {
        return Err(format!(
            "`{value}` must be http:// or https:// and a host with an optional port, nothing else (e.g. https://shop.example.com)"
        ));
    }
    Ok(Some(value.to_string()))
}

fn existing_dir(dir: &str) -> Option<&Path> {
    let path = Path::new(dir);
    (!dir.is_empty() && path.is_dir()).then_some(path)
}

/// Deserializes `value`, reporting the full dotted key of any problem.
fn deserialize_at<T: DeserializeOwned>(prefix: &str, value: Value) -> Result<T, SettingsError> {
    serde_path_to_error::deserialize(value).map_err(|err| {
        let mut key = err.path().to_string();
        if key == "." {
            key.clear();
        }
        let mut message = err.inner().to_string();
        // "missing field `port`" belongs to the field itself, not its parent.
        let missing = message
            .strip_prefix("missing field `")
            .and_then(|m| m.strip_suffix('`'))
            .or_else(|| {
                message
                    .strip_prefix("missing configuration field \"")
                    .and_then(|m| m.strip_suffix('"'))
            })
            .map(str::to_owned);
        if let Some(field) = missing {
            // The path may already end with the field (config's own error); don't repeat it.
            if !(key == field || key.ends_with(&format!(".{field}"))) {
                key = join_key(&key, &field);
            }
            message = "is missing".into();
        } else if message.starts_with("unknown field `") {
            // The path already ends with the unknown field.
            message = "is not a known setting (check the spelling)".into();
        }
        SettingsError::new(join_key(prefix, &key), message)
    })
}

fn join_key(a: &str, b: &str) -> String {
    match (a.is_empty(), b.is_empty()) {
        (true, _) => b.to_string(),
        (_, true) => a.to_string(),
        _ => format!("{a}.{b}"),
    }
}

/// A list given as a TOML array or as one comma-separated string (environment variables).
pub fn string_or_list<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Either {
        List(Vec<String>),
        One(String),
    }
    Ok(match Either::deserialize(deserializer)? {
        Either::List(items) => items,
        Either::One(s) => s
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect(),
    })
}

fn ip_nets<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<ipnet::IpNet>, D::Error> {
    string_or_list(deserializer)?
        .into_iter()
        .map(|s| {
            s.parse::<ipnet::IpNet>()
                .or_else(|_| s.parse::<IpAddr>().map(ipnet::IpNet::from))
                .map_err(|_| {
                    serde::de::Error::custom(format!("`{s}` is not an IP address or CIDR range"))
                })
        })
        .collect()
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

/// Splits a syntactically valid `Host` value into its name and port, like Django's
/// `host_validation_re`: a domain (`[a-z0-9.-]+`) or a bracketed IPv6 literal, then an
/// optional `:digits`. Anything else (`evil.com?.example.com`, `a@b`, `a/b`, `a\b`) is
/// `None`.
pub fn split_host(host: &str) -> Option<(&str, Option<&str>)> {
    let (name, port) = if host.starts_with('[') {
        let end = host.find(']')?;
        let (name, rest) = host.split_at(end + 1);
        let literal = &name[1..name.len() - 1];
        let valid = literal.contains(':')
            && literal
                .chars()
                .all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.');
        if !valid {
            return None;
        }
        (name, rest)
    } else {
        let end = host.find(':').unwrap_or(host.len());
        let (name, rest) = host.split_at(end);
        let valid = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
        if !valid {
            return None;
        }
        (name, rest)
    };
    let port = match port.strip_prefix(':') {
        None if port.is_empty() => None,
        Some(digits) if !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit()) => {
            Some(digits)
        }
        _ => return None,
    };
    Some((name, port))
}

#[cfg(test)]
mod tests {
    use super::*;

    static FILES: &[(&str, &str)] = &[
        ("default.toml", EXAMPLE_DEFAULTS),
        (
            "production.toml",
            "debug = false\n[server]\nhsts_seconds = 60\n",
        ),
    ];

    fn load(env: &[(&str, &str)]) -> Result<Settings, SettingsError> {
        Settings::load(&SettingsSource::embedded(FILES).with_env(env.iter().copied()))
    }

    #[test]
    fn environment_file_overrides_defaults() {
        let dev = load(&[]).unwrap();
        assert!(dev.debug);
        assert_eq!(dev.server.hsts_seconds, 0);
        let prod = load(&[("APP_ENV", "production")]).unwrap();
        assert!(!prod.debug);
        assert_eq!(prod.server.hsts_seconds, 60);
        assert_eq!(prod.environment, Environment::Production);
    }

    #[test]
    fn environment_variables_override_files() {
        let s = load(&[
            ("APP__SERVER__PORT", "9001"),
            (
                "APP__SERVER__ALLOWED_HOSTS",
                "shop.example.com, .example.org",
            ),
            ("APP__DEBUG", "false"),
            ("APP__SECRET_KEY", "12345"),
        ])
        .unwrap();
        assert_eq!(s.server.port, 9001);
        assert_eq!(
            s.server.allowed_hosts,
            vec!["shop.example.com", ".example.org"]
        );
        assert!(!s.debug);
        assert_eq!(s.secret_key.expose(), "12345");
    }

    #[test]
    fn malformed_value_names_the_key() {
        let err = load(&[("APP__SERVER__PORT", "eighty")]).unwrap_err();
        assert_eq!(err.key, "server.port");
        assert!(err.to_string().contains("APP__SERVER__PORT"), "{err}");
    }

    #[test]
    fn unknown_key_names_the_key() {
        let err = load(&[("APP__SERVER__PROT", "1")]).unwrap_err();
        assert_eq!(err.key, "server.prot");
    }

    #[test]
    fn missing_key_names_the_key() {
        static PARTIAL: &[(&str, &str)] = &[("default.toml", "debug = true\nsecret_key = \"x\"\n")];
        let err =
            Settings::load(&SettingsSource::embedded(PARTIAL).with_env([("X", "1")])).unwrap_err();
        assert!(err.message.contains("missing"), "{err:?}");
        assert!(!err.key.is_empty(), "{err:?}");
    }

    #[test]
    fn public_url_must_be_a_bare_site_address() {
        let ok = load(&[("APP__SERVER__PUBLIC_URL", "https://shop.example.com/")]).unwrap();
        assert_eq!(
            parse_public_url(&ok.server.public_url),
            Ok(Some("https://shop.example.com".to_string()))
        );
        for bad in [
            "shop.example.com",
            "ftp://shop.example.com",
            "https://shop.example.com/store",
            "https://shop.example.com?x=1",
            "https://user@shop.example.com",
        ] {
            let err = load(&[("APP__SERVER__PUBLIC_URL", bad)]).unwrap_err();
            assert_eq!(err.key, "server.public_url", "{bad}");
        }
    }

    #[test]
    fn unknown_environment_is_an_error() {
        let err = load(&[("APP_ENV", "staging")]).unwrap_err();
        assert_eq!(err.key, "APP_ENV");
    }

    #[test]
    fn app_sections_are_typed_by_the_app() {
        #[derive(Deserialize, Debug)]
        #[serde(deny_unknown_fields)]
        struct Payments {
            webhook_secret: String,
            #[serde(default)]
            #[allow(dead_code)]
            retries: u32,
        }
        let s = load(&[("APP__PAYMENTS__WEBHOOK_SECRET", "whsec")]).unwrap();
        let p: Payments = s.app_section("payments").unwrap();
        assert_eq!(p.webhook_secret, "whsec");
        // `cache`, `email` and `sessions` are the extras' sections (in the example defaults).
        let extras = ["cache", "email", "sessions"];
        let installed = ["cache", "email", "payments", "sessions"];
        assert_eq!(s.unknown_sections(&installed), Vec::<&str>::new());
        assert_eq!(s.unknown_sections(&extras), vec!["payments"]);
        let bad = load(&[
            ("APP__PAYMENTS__WEBHOOK_SECRET", "x"),
            ("APP__PAYMENTS__RETRIES", "-1"),
        ])
        .unwrap();
        let err = bad.app_section::<Payments>("payments").unwrap_err();
        assert_eq!(err.key, "payments.retries");
    }
}
